// Nodes made on a thread after its exit cleanup has run (in a thread_local destructor that
// runs after the library's own) have no owner thread: their counts start shared, and they
// read, copy, share across threads and free like any other node.
#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <thread>

#include <immutable/list.hpp>

#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;
using counted_list = immutable::list<int, counted_policy>;

// Built before the thread's first container, so destroyed after the library's per-thread
// cleanup; runs `at_exit` then.
struct late_work {
    std::function<void()> at_exit;
    ~late_work() {
        if (at_exit) at_exit();
    }
};

TEST(biased_refcount_edge, nodes_made_after_the_threads_exit_cleanup_work_and_are_freed) {
    const std::int64_t live_before = counted_policy::live_nodes();
    counted_list survivor;
    std::size_t size_seen = 0;
    int sum_seen = 0;
    std::thread t([&] {
        thread_local late_work late;
        late.at_exit = [&] {
            counted_list l;
            for (int i = 1; i <= 100; ++i) l = l.push_back(i);
            const counted_list copy = l;        // a second reference to the same nodes
            const counted_list shorter = copy.drop(10);
            size_seen = shorter.size();
            for (int v : shorter) sum_seen += v;
            survivor = l;                       // outlives this thread
        };
        const counted_list first{1, 2, 3};      // registers the thread with the library
        EXPECT_EQ(first.size(), 3u);
    });
    t.join();
    EXPECT_EQ(size_seen, 90u);
    EXPECT_EQ(sum_seen, 5050 - 55);
    ASSERT_EQ(survivor.size(), 100u);
    EXPECT_EQ(survivor[99], 100);
    EXPECT_GT(counted_policy::live_nodes(), live_before);
    survivor = {};
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}

} // namespace
