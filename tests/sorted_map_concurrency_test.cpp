// Many threads reading, copying and deriving from one shared sorted_map / sorted_set at
// the same time (run under ThreadSanitizer by the tsan preset): every thread must see the
// shared version unchanged, and every derived version must be right; at the end every
// node is freed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;
using map_t = immutable::sorted_map<int, int, std::less<int>, counted_policy>;
using set_t = immutable::sorted_set<int, std::less<int>, counted_policy>;

constexpr int threads = 8;
constexpr int keys = 20000;

TEST(sorted_map_concurrency, eight_threads_read_copy_and_derive_from_one_version) {
    const auto live_before = counted_policy::live_nodes();
    {
        map_t shared;
        {
            auto b = shared.to_builder();
            for (int i = 0; i < keys; ++i) b.set(i * 2, i);
            shared = b.build();
        }
        set_t shared_set;
        {
            auto b = shared_set.to_builder();
            for (int i = 0; i < keys; ++i) b.insert(i * 3);
            shared_set = b.build();
        }
        std::atomic<int> failures{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
                std::mt19937 rng(static_cast<unsigned>(t));
                map_t mine = shared; // copy: one retain
                for (int round = 0; round < 200; ++round) {
                    const int k = static_cast<int>(rng() % keys) * 2;
                    // Read the shared version.
                    const int* v = shared.find(k);
                    if (v == nullptr || *v != k / 2) ++failures;
                    if (shared.nth(static_cast<std::size_t>(k / 2)).first != k) ++failures;
                    if (shared.rank(k) != static_cast<std::size_t>(k / 2)) ++failures;
                    // Derive new versions from the shared one and from my own.
                    map_t changed = shared.set(k, -1).erase(k + 2);
                    if (changed.at(k) != -1 || changed.contains(k + 2)) ++failures;
                    mine = mine.set(k + 1, t);
                    if (round % 50 == 0) {
                        auto b = shared.to_builder();
                        for (int i = 0; i < 100; ++i) b.set(static_cast<int>(rng() % (2 * keys)), t);
                        map_t built = b.build();
                        if (built.size() < shared.size()) ++failures;
                        int count = 0;
                        for (const auto& e : shared.range(k, k + 40)) count += e.first >= k ? 1 : 0;
                        if (count != 20 && k + 40 <= 2 * keys) ++failures;
                    }
                    if (round % 40 == 0) {
                        const int present = 3 * (k % keys);
                        set_t mine_set = shared_set.insert(-1 - t).erase(present);
                        set_t u = shared_set | mine_set;
                        set_t d = mine_set - shared_set;
                        set_t i = shared_set & mine_set;
                        if (u.size() != shared_set.size() + 1 || d.size() != 1 || i.size() != shared_set.size() - 1 ||
                            i.contains(present) || !u.contains(present)) {
                            ++failures;
                        }
                    }
                }
                if (mine.size() < shared.size()) ++failures;
            });
        }
        go.store(true, std::memory_order_release);
        for (auto& th : pool) th.join();
        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(shared.size(), static_cast<std::size_t>(keys));
        EXPECT_EQ(sorted_test::invariants(shared), "");
        EXPECT_EQ(sorted_test::invariants(shared_set), "");
        int expected = 0;
        for (const auto& [k, v] : shared) {
            if (k != expected * 2 || v != expected) {
                ADD_FAILURE() << "shared version changed at " << k;
                break;
            }
            ++expected;
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}

} // namespace
