// Destroying structures nested 100,000 levels deep (a list whose one element holds the
// next list, a chain of boxes, a map of maps) does not recurse as deep as the nesting
// (detail/dispose_depth.hpp). Each structure is destroyed on a thread with a 512 KiB
// stack: a recursion proportional to the nesting needs tens of megabytes there and would
// crash, while the bounded one uses a few kilobytes. Also: a wide level below the direct
// depth, which makes the deferred worklist grow onto the heap, and no leaks anywhere.
#include <gtest/gtest.h>

#include <pthread.h>

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include <immutable/box.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>
#include <immutable/sorted_map.hpp>

#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"

namespace {

using immutable::test::counted_policy;

constexpr int depth = 100'000;
constexpr std::size_t small_stack = 512 * 1024;

// Runs f on a new thread whose stack is `small_stack` bytes, and waits for it.
void on_small_stack(std::function<void()> f) {
    pthread_attr_t attr;
    ASSERT_EQ(pthread_attr_init(&attr), 0);
    ASSERT_EQ(pthread_attr_setstacksize(&attr, small_stack), 0);
    pthread_t thread;
    auto run = [](void* p) -> void* {
        (*static_cast<std::function<void()>*>(p))();
        return nullptr;
    };
    ASSERT_EQ(pthread_create(&thread, &attr, run, &f), 0);
    ASSERT_EQ(pthread_join(thread, nullptr), 0);
    pthread_attr_destroy(&attr);
}

struct nested_list {
    int level = 0;
    immutable::list<nested_list, counted_policy> inner;
};

struct box_chain {
    int level = 0;
    std::variant<std::monostate, immutable::box<box_chain, counted_policy>> next;
};

struct nested_map {
    immutable::map<int, nested_map, std::hash<int>, std::equal_to<int>, counted_policy> inner;
};

struct nested_sorted_map {
    immutable::sorted_map<int, nested_sorted_map, std::less<int>, counted_policy> inner;
};

struct nested_queue {
    immutable::queue<nested_queue, counted_policy> inner;
};

class recursive_deep : public immutable::test::no_leaks_test<counted_policy> {};

TEST_F(recursive_deep, a_list_nested_100000_levels_is_destroyed_on_a_small_stack) {
    on_small_stack([] {
        immutable::list<nested_list, counted_policy> l;
        for (int i = 0; i < depth; ++i) l = immutable::list<nested_list, counted_policy>{nested_list{i, l}};
        EXPECT_EQ(counted_policy::live_nodes(), depth);
        EXPECT_EQ(l[0].level, depth - 1);
        EXPECT_EQ(l[0].inner[0].level, depth - 2);
    });
    // The live-node check of the fixture: every level was freed.
}

TEST_F(recursive_deep, a_chain_of_100000_boxes_is_destroyed_on_a_small_stack) {
    on_small_stack([] {
        using chain_box = immutable::box<box_chain, counted_policy>;
        chain_box c(box_chain{0, {}});
        for (int i = 1; i < depth; ++i) c = chain_box(box_chain{i, c});
        EXPECT_EQ(counted_policy::live_nodes(), depth);
        EXPECT_EQ(c->level, depth - 1);
        // Dropping the head frees the whole chain before the assignment returns.
        c = chain_box(box_chain{-1, {}});
        EXPECT_EQ(counted_policy::live_nodes(), 1);
    });
}

TEST_F(recursive_deep, maps_sorted_maps_and_queues_nested_100000_levels_are_destroyed_on_a_small_stack) {
    on_small_stack([] {
        nested_map m;
        for (int i = 0; i < depth; ++i) m = nested_map{decltype(m.inner)().set(i, m)};
        nested_sorted_map s;
        for (int i = 0; i < depth; ++i) s = nested_sorted_map{decltype(s.inner)().set(i, s)};
        nested_queue q;
        for (int i = 0; i < depth; ++i) q = nested_queue{decltype(q.inner)().push(q)};
        EXPECT_GE(counted_policy::live_nodes(), 3 * depth);
    });
}

TEST_F(recursive_deep, a_wide_level_below_the_direct_depth_is_destroyed_through_the_worklist) {
    on_small_stack([] {
        // 40 single-element levels, then 5,000 leaves side by side, each 50 levels deep:
        // the 5,000 are all deferred at once, more than the worklist holds inline.
        immutable::list<nested_list, counted_policy>::builder wide;
        for (int k = 0; k < 5000; ++k) {
            immutable::list<nested_list, counted_policy> tail;
            for (int i = 0; i < 50; ++i) tail = immutable::list<nested_list, counted_policy>{nested_list{i, tail}};
            wide.push_back(nested_list{k, tail});
        }
        immutable::list<nested_list, counted_policy> l = wide.build();
        for (int i = 0; i < 40; ++i) l = immutable::list<nested_list, counted_policy>{nested_list{i, l}};
        EXPECT_GT(counted_policy::live_nodes(), 5000 * 50);
    });
}

} // namespace
