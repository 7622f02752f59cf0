// Versions built before the process starts any thread, then shared by eight threads that
// copy, derive and drop versions. Counting does not depend on whether the process has
// started threads (biased counts: the thread that made a node counts it with plain
// instructions either way); these tests check that nothing is made before the first
// thread that depends on it: each node is freed exactly once when the last version goes,
// and the shared versions are unchanged. Run under ThreadSanitizer by the tsan preset.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/sorted_map.hpp>

#include "support/failing_policy.hpp"
#include "support/refcount_contract.hpp"

using immutable::detail::biased_refcount;
using immutable::test::counted_policy;

namespace {

using L = immutable::list<std::int64_t, counted_policy>;
using M = immutable::map<std::int64_t, std::int64_t, std::hash<std::int64_t>, std::equal_to<std::int64_t>,
                         counted_policy>;
using S = immutable::sorted_map<std::int64_t, std::int64_t, std::less<std::int64_t>, counted_policy>;

// The counter's own contract, in whichever mode the process is in when it runs.
void exercise_counter() { immutable::test::expect_refcount_contract<biased_refcount>(); }

} // namespace

// The tests run in the order declared: the first two start in a process that has had no
// thread yet (unless a sanitizer runtime started one), the last after one has run.
TEST(refcount_mode, counts_before_any_thread) {
    exercise_counter();
}

TEST(refcount_mode, versions_built_before_threads_are_shared_safely_after) {
    const std::int64_t live_before = counted_policy::live_nodes();
    {
        // Built while the process may still be single-threaded (when this test runs alone).
        L::builder lb;
        M::builder mb;
        S::builder sb;
        for (std::int64_t i = 0; i < 5000; ++i) {
            lb.push_back(i);
            mb.set(i * 7, i);
            sb.set(i * 7, i);
        }
        const L list = lb.build();
        const M map = mb.build();
        const S sorted = sb.build();

        std::vector<std::thread> threads;
        std::vector<int> failures(8, 0);
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&, t] {
                for (int round = 0; round < 200; ++round) {
                    const auto k = static_cast<std::int64_t>(round * 8 + t);
                    L l2 = list.set(static_cast<std::size_t>(k * 13 % 5000), -k).push_back(k);
                    M m2 = map.set(k * 7, -k).erase(k * 7 + 7);
                    S s2 = sorted.set(k * 7 + 1, k).erase(k * 7);
                    L copy = l2;
                    if (copy.back() != k || l2.size() != 5001) ++failures[static_cast<std::size_t>(t)];
                    if (*m2.find(k * 7) != -k || m2.contains(k * 7 + 7)) ++failures[static_cast<std::size_t>(t)];
                    if (*s2.find(k * 7 + 1) != k || s2.contains(k * 7)) ++failures[static_cast<std::size_t>(t)];
                }
            });
        }
        for (auto& th : threads) th.join();
        for (int f : failures) EXPECT_EQ(f, 0);

        // The shared versions are unchanged.
        ASSERT_EQ(list.size(), 5000u);
        ASSERT_EQ(map.size(), 5000u);
        ASSERT_EQ(sorted.size(), 5000u);
        for (std::int64_t i = 0; i < 5000; ++i) {
            ASSERT_EQ(list[static_cast<std::size_t>(i)], i);
            ASSERT_EQ(*map.find(i * 7), i);
            ASSERT_EQ(*sorted.find(i * 7), i);
        }
    }
    // Every node of every version is gone: no count was lost or doubled in either mode.
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}

TEST(refcount_mode, counts_after_a_thread_has_run) {
    std::thread([] {}).join();
    exercise_counter();
}
