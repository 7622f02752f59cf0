// The memory policies and the test-support types every container test relies on.
#include <gtest/gtest.h>

#include <immutable/memory.hpp>

#include "support/failing_policy.hpp"
#include "support/refcount_contract.hpp"
#include "support/throwing_value.hpp"

using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;

static_assert(immutable::memory_policy<immutable::heap_policy>);
static_assert(immutable::memory_policy<immutable::single_thread_heap_policy>);

TEST(refcount, biased_counts_and_reports_last_release) {
    immutable::test::expect_refcount_contract<immutable::detail::biased_refcount>();
}

TEST(refcount, plain_counts_and_reports_last_release) {
    immutable::test::expect_refcount_contract<immutable::detail::plain_refcount>();
}

TEST(counted_policy, tracks_live_nodes_and_bytes) {
    auto nodes = counted_policy::live_nodes();
    auto bytes = counted_policy::live_bytes();
    void* p = counted_policy::allocate(48);
    EXPECT_EQ(counted_policy::live_nodes(), nodes + 1);
    EXPECT_EQ(counted_policy::live_bytes(), bytes + 48);
    counted_policy::deallocate(p, 48);
    EXPECT_EQ(counted_policy::live_nodes(), nodes);
    EXPECT_EQ(counted_policy::live_bytes(), bytes);
}

TEST(counted_policy, fails_the_requested_allocation) {
    const auto nodes = counted_policy::live_nodes();
    failing_heap_policy::fail_after(1);
    void* first = counted_policy::allocate(8);
    EXPECT_THROW(counted_policy::allocate(8), std::bad_alloc);
    void* third = counted_policy::allocate(8); // the countdown fires once
    EXPECT_EQ(counted_policy::live_nodes(), nodes + 2); // the failed one is not counted
    counted_policy::deallocate(first, 8);
    counted_policy::deallocate(third, 8);
    failing_heap_policy::never_fail();
}

TEST(throwing_value, throws_on_the_kth_copy_and_counts_instances) {
    auto live = throwing_value::live;
    {
        throwing_value a(1);
        throwing_value::throw_after(1);
        throwing_value b(a);
        EXPECT_THROW(throwing_value c(a), immutable::test::copy_failure);
        throwing_value::never_throw();
        EXPECT_EQ(b.value(), 1);
        EXPECT_EQ(throwing_value::live, live + 2);
    }
    EXPECT_EQ(throwing_value::live, live);
}
