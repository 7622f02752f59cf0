// Eight threads read, copy and derive from one shared map (and set) at once; every thread
// checks its own results and that the shared version never changes. Meant for TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <immutable/map.hpp>
#include <immutable/set.hpp>

#include "support/failing_policy.hpp"

namespace {
using immutable::test::counted_policy;
using cmap = immutable::map<int, int, std::hash<int>, std::equal_to<int>, counted_policy>;
using cset = immutable::set<int, std::hash<int>, std::equal_to<int>, counted_policy>;
constexpr int shared_size = 20000;
constexpr int thread_count = 8;
} // namespace

TEST(map_concurrency, threads_share_one_map) {
    auto live = counted_policy::live_nodes();
    {
        cmap::builder b;
        for (int i = 0; i < shared_size; ++i) b.set(i, i);
        const cmap shared = b.build();
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < thread_count; ++t) {
            threads.emplace_back([&, t] {
                cmap mine = shared; // copies share the root
                auto builder = shared.to_builder();
                for (int i = 0; i < 2000; ++i) {
                    int k = (i * 37 + t * 1001) % shared_size;
                    if (shared.at(k) != k) ++failures;
                    mine = mine.set(k, -t).erase((k + 1) % shared_size);
                    builder.set(k + shared_size * (t + 1), t);
                    if (i % 100 == 0) {
                        cmap snapshot = builder.build();
                        if (snapshot.size() != static_cast<std::size_t>(shared_size + i + 1)) ++failures;
                        if (snapshot == shared) ++failures;
                    }
                }
                long sum = 0;
                for (const auto& e : shared) sum += e.second;
                if (sum != static_cast<long>(shared_size) * (shared_size - 1) / 2) ++failures;
                std::size_t changes = 0;
                immutable::diff(
                    shared, mine, [&](const auto&) { ++changes; }, [&](const auto&) { ++changes; },
                    [&](const auto&, const auto&) { ++changes; });
                if (changes == 0) ++failures;
            });
        }
        for (auto& th : threads) th.join();
        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(shared.size(), static_cast<std::size_t>(shared_size));
        for (int i = 0; i < shared_size; ++i) ASSERT_EQ(shared.at(i), i);
    }
    EXPECT_EQ(counted_policy::live_nodes(), live);
}

TEST(map_concurrency, threads_share_one_set) {
    auto live = counted_policy::live_nodes();
    {
        cset::builder b;
        for (int i = 0; i < shared_size; ++i) b.insert(i);
        const cset shared = b.build();
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < thread_count; ++t) {
            threads.emplace_back([&, t] {
                cset mine;
                for (int i = 0; i < 500; ++i) mine = mine.insert(t * 100000 + 50000 + i).insert(i * 13);
                cset u = shared | mine;
                cset in = shared & mine;
                cset d = shared - mine;
                if (u.size() != static_cast<std::size_t>(shared_size + 500)) ++failures;
                if (in.size() != 500u) ++failures;
                if (d.size() != static_cast<std::size_t>(shared_size - 500)) ++failures;
                if (((u - mine) | in) != shared) ++failures;
            });
        }
        for (auto& th : threads) th.join();
        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(shared.size(), static_cast<std::size_t>(shared_size));
    }
    EXPECT_EQ(counted_policy::live_nodes(), live);
}
