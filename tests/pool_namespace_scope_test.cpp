// Containers with pooled policies as namespace-scope variables, the only use of those
// policies in this translation unit (as in docs/memory.md's first example). g++ 12 used to
// reject such a file ("redefinition of bool __tls_guard") while the per-thread cache's
// reaper was a thread_local class member; the file compiling is most of this test, so
// nothing here may instantiate the pools' allocation paths outside the variables
// themselves (a use inside a function hid the error, and so did a pooled sorted_map in the
// same file: it is left out on purpose).
#include <gtest/gtest.h>

#include <functional>

#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/pool.hpp>

namespace {

immutable::list<int> heap_list;
immutable::list<int, immutable::pooled_policy> pooled_list;
immutable::list<int, immutable::single_thread_pooled_policy> thread_pooled_list;
immutable::map<int, int, std::hash<int>, std::equal_to<int>, immutable::pooled_policy> pooled_map;

TEST(pool_namespace_scope, containers_with_pooled_policies_compile_and_start_empty) {
    EXPECT_TRUE(heap_list.empty());
    EXPECT_TRUE(pooled_list.empty());
    EXPECT_TRUE(thread_pooled_list.empty());
    EXPECT_TRUE(pooled_map.empty());
}

} // namespace
