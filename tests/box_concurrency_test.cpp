// Eight threads copying, reading, updating and dropping boxes of one shared value (run
// under ThreadSanitizer by the tsan preset), including the last reference to nodes another
// thread made, and a deep chain of boxes destroyed on a thread that did not build it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <immutable/box.hpp>
#include <immutable/memory.hpp>

#include "support/failing_policy.hpp"

using immutable::box;
using immutable::test::counted_policy;

namespace {

constexpr int thread_count = 8;

template <class F>
void run_threads(F f) {
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < thread_count) std::this_thread::yield();
            f(t);
        });
    }
    for (auto& th : threads) th.join();
}

struct chain_link {
    std::int64_t value;
    std::variant<std::monostate, box<chain_link, counted_policy>> next;
};

} // namespace

TEST(box_concurrency, threads_share_copy_update_and_drop_one_value) {
    const std::int64_t live_before = counted_policy::live_nodes();
    {
        using B = box<std::string, counted_policy>;
        const B shared = std::string(200, 's');
        std::vector<std::vector<B>> made(thread_count);
        std::atomic<int> failures{0};
        run_threads([&](int t) {
            for (int round = 0; round < 200; ++round) {
                const B copy = shared;
                if (copy->size() != 200 || copy != shared) failures.fetch_add(1);
                made[static_cast<std::size_t>(t)].push_back(
                    copy.update([&](const std::string& s) { return s + std::to_string(t); }));
            }
        });
        EXPECT_EQ(failures.load(), 0);
        // Every thread drops the boxes the next thread made.
        run_threads([&](int t) { made[static_cast<std::size_t>((t + 1) % thread_count)].clear(); });
        EXPECT_EQ(*shared, std::string(200, 's'));
    }
    immutable::reclaim_deferred();
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}

TEST(box_concurrency, a_chain_built_on_one_thread_is_destroyed_on_another) {
    const std::int64_t live_before = counted_policy::live_nodes();
    {
        box<chain_link, counted_policy> chain(chain_link{0, {}});
        for (std::int64_t i = 1; i < 20000; ++i) chain = box<chain_link, counted_policy>(chain_link{i, chain});
        std::thread([c = std::move(chain)]() mutable { c = box<chain_link, counted_policy>(chain_link{-1, {}}); }).join();
    }
    immutable::reclaim_deferred();
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}
