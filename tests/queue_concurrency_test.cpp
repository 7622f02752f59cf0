// Eight threads reading, copying and deriving from one shared queue version (run under
// ThreadSanitizer by the tsan preset), and producers and consumers sharing a queue through
// immutable::atom: every element pushed is popped exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <immutable/atom.hpp>
#include <immutable/detail/queue/debug.hpp>
#include <immutable/queue.hpp>

#include "support/failing_policy.hpp"

using immutable::queue;
using immutable::test::counted_policy;

namespace {

constexpr int thread_count = 8;

template <class F>
void run_threads(F f) {
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&, t] {
            // Start together so the threads really overlap.
            ready.fetch_add(1);
            while (ready.load() < thread_count) std::this_thread::yield();
            f(t);
        });
    }
    for (auto& th : threads) th.join();
}

} // namespace

TEST(queue_concurrency, eight_threads_read_copy_and_derive_from_one_version) {
    const std::int64_t live_before = counted_policy::live_nodes();
    {
        using Q = queue<std::int64_t, counted_policy>;
        Q shared;
        for (std::int64_t i = 0; i < 3000; ++i) shared = shared.push(i);
        for (int i = 0; i < 1000; ++i) shared = shared.pop();   // a front offset > 0
        const std::int64_t expected_sum = (1000 + 2999) * 2000 / 2;
        std::atomic<int> failures{0};

        run_threads([&](int t) {
            for (int round = 0; round < 20; ++round) {
                const Q copy = shared;   // concurrent reference-count increments
                std::int64_t sum = std::accumulate(copy.begin(), copy.end(), std::int64_t{0});
                if (sum != expected_sum) failures.fetch_add(1);
                std::int64_t chunk_sum = 0;
                for_each_chunk(copy, [&](const std::int64_t* first, const std::int64_t* last) {
                    for (; first != last; ++first) chunk_sum += *first;
                });
                if (chunk_sum != expected_sum) failures.fetch_add(1);
                // Every thread pushes onto the same version: they race for the tail's next
                // slot, and each must see its own element.
                const std::int64_t mine = 1'000'000 * (t + 1) + round;
                const Q pushed = shared.push(mine);
                if (pushed.back() != mine || pushed.size() != 2001 || pushed.front() != 1000)
                    failures.fetch_add(1);
                // Pops down to a compaction and beyond, from the shared version.
                Q popped = shared;
                for (int i = 0; i < 1500; ++i) popped = popped.pop();
                if (popped.front() != 2500 || popped.size() != 500) failures.fetch_add(1);
                if (!immutable::detail::queue::invariant_checker<std::int64_t, counted_policy>::check(popped).empty())
                    failures.fetch_add(1);
                // A builder from the shared version.
                auto b = shared.to_builder();
                for (int i = 0; i < 100; ++i) b.push(mine + i);
                for (int i = 0; i < 50; ++i) b.pop();
                const Q built = b.build();
                if (built.front() != 1050 || built.back() != mine + 99) failures.fetch_add(1);
            }
        });

        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(shared.size(), 2000u);
        EXPECT_EQ(shared.front(), 1000);
        EXPECT_EQ(shared.back(), 2999);
        EXPECT_EQ(std::accumulate(shared.begin(), shared.end(), std::int64_t{0}), expected_sum);
    }
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}

TEST(queue_concurrency, producers_and_consumers_through_an_atom_lose_and_repeat_nothing) {
    constexpr int producers = thread_count / 2;
    constexpr int per_producer = 1500;
    constexpr int total = producers * per_producer;
    immutable::atom<queue<int>> cell;
    std::atomic<int> consumed{0};
    std::vector<std::vector<int>> taken(thread_count / 2);

    run_threads([&](int t) {
        if (t < producers) {
            for (int i = 0; i < per_producer; ++i) {
                const int v = t * per_producer + i;
                cell.update([v](const queue<int>& q) { return q.push(v); });
            }
            return;
        }
        std::vector<int>& mine = taken[static_cast<std::size_t>(t - producers)];
        queue<int> current = cell.load();
        while (consumed.load() < total) {
            if (current.empty()) {
                std::this_thread::yield();
                current = cell.load();
                continue;
            }
            const int front = current.front();
            // On failure compare_exchange reloads `current`, and the loop tries again.
            if (cell.compare_exchange(current, current.pop())) {
                mine.push_back(front);
                consumed.fetch_add(1);
                current = cell.load();
            }
        }
    });

    std::vector<int> all;
    for (const auto& v : taken) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    std::vector<int> expected(total);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected);
    EXPECT_TRUE(cell.load().empty());
    // Each producer's elements leave in the order they were pushed.
    for (const auto& v : taken) {
        for (int p = 0; p < producers; ++p) {
            std::vector<int> from_p;
            for (int x : v)
                if (x / per_producer == p) from_p.push_back(x);
            EXPECT_TRUE(std::is_sorted(from_p.begin(), from_p.end()));
        }
    }
}
