// Eight threads read, copy and derive from the same list versions at once (run under
// ThreadSanitizer by the tsan preset). Includes the slot-claiming race: every thread
// pushes onto the same version, so exactly one may claim the tail's next slot and the
// others must copy; each must still see its own element and nobody else's.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <immutable/list.hpp>

#include "support/failing_policy.hpp"

using immutable::test::counted_policy;

namespace {

constexpr int thread_count = 8;

template <class F>
void run_threads(F body) {
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) threads.emplace_back(body, t);
    for (auto& th : threads) th.join();
}

using L = immutable::list<std::int64_t, counted_policy>;

L iota_list(std::int64_t n) {
    L::builder b;
    for (std::int64_t i = 0; i < n; ++i) b.push_back(i);
    return b.build();
}

// Checks l holds first, first + 1, ... (returns false rather than asserting: gtest
// assertions are not meant for many threads at once).
bool holds_iota(const L& l, std::int64_t first) {
    std::int64_t expect = first;
    bool ok = true;
    immutable::for_each_chunk(l, [&](const std::int64_t* b, const std::int64_t* e) {
        for (; b != e; ++b) ok = ok && *b == expect++;
    });
    return ok && expect == first + static_cast<std::int64_t>(l.size());
}

} // namespace

TEST(list_concurrency, readers_copiers_and_derivers_share_one_version) {
    {
        // A regular list, a relaxed one, and a small flat one.
        const L regular = iota_list(5000);
        const L relaxed = iota_list(1500).take(1000) + iota_list(6000).drop(1000);
        const L small = iota_list(10);
        std::atomic<int> failures{0};
        std::barrier sync(thread_count);
        run_threads([&](int t) {
            sync.arrive_and_wait();
            for (int round = 0; round < 40; ++round) {
                L copy = regular; // copies and releases race on the reference counts
                for (std::size_t i = 0; i < copy.size(); i += 97)
                    if (copy[i] != static_cast<std::int64_t>(i)) ++failures;
                std::int64_t sum = 0;
                for (auto x : relaxed) sum += x;
                if (sum != (999 * 1000 / 2) + (1000 + 5999) * 5000 / 2) ++failures;

                const std::int64_t mark = -1 - t;
                L pushed = regular.push_back(mark); // the claim race
                if (pushed.back() != mark || pushed.size() != 5001 || !holds_iota(pushed.take(5000), 0)) ++failures;
                L pushed_small = small.push_back(mark);
                if (pushed_small.back() != mark || !holds_iota(pushed_small.pop_back(), 0)) ++failures;
                L pushed_relaxed = relaxed.push_back(mark).push_back(mark);
                if (pushed_relaxed.size() != relaxed.size() + 2 || pushed_relaxed[relaxed.size() + 1] != mark) ++failures;

                L changed = regular.set(static_cast<std::size_t>(round * 100 + t), mark);
                if (changed[static_cast<std::size_t>(round * 100 + t)] != mark) ++failures;
                L joined = regular.take(2000) + relaxed.drop(300);
                if (joined.size() != 2000 + relaxed.size() - 300 || !holds_iota(joined.take(2000), 0)) ++failures;
                L inserted = relaxed.insert(777, mark).erase(10);
                if (inserted[776] != mark) ++failures;
                L popped = regular.pop_back().pop_front();
                if (!holds_iota(popped, 1) || popped.size() != 4998) ++failures;
                auto b = regular.to_builder();
                for (int k = 0; k < 100; ++k) b.push_back(mark);
                b.set(0, mark);
                L built = b.build();
                if (built[0] != mark || built.size() != 5100) ++failures;
                if (!(regular == copy) || std::hash<L>{}(regular) != std::hash<L>{}(copy)) ++failures;
            }
        });
        EXPECT_EQ(failures.load(), 0);
        // The shared versions never changed.
        EXPECT_TRUE(holds_iota(regular, 0));
        EXPECT_TRUE(holds_iota(small, 0));
        EXPECT_EQ(relaxed.size(), 6000u);
    }
    EXPECT_EQ(counted_policy::live_nodes(), 0);
}

// Many threads race to claim the same slot, round after round, on a growing chain of
// versions: in each round every thread pushes onto the same latest version.
TEST(list_concurrency, exactly_one_thread_claims_each_slot) {
    {
        std::vector<L> chain{iota_list(40)};
        std::vector<L> results(thread_count);
        std::barrier sync(thread_count, [&]() noexcept {
            // Between rounds: the first thread's result becomes the shared version.
            chain.push_back(results[0]);
        });
        std::atomic<int> failures{0};
        run_threads([&](int t) {
            for (int round = 0; round < 200; ++round) {
                const L& base = chain.back();
                L mine = base.push_back(static_cast<std::int64_t>(round * 100 + t));
                if (mine.back() != round * 100 + t || mine.size() != base.size() + 1) ++failures;
                results[static_cast<std::size_t>(t)] = mine;
                sync.arrive_and_wait();
            }
        });
        EXPECT_EQ(failures.load(), 0);
        // Every version along the chain still holds what it held.
        for (std::size_t r = 1; r < chain.size(); ++r) {
            ASSERT_EQ(chain[r].size(), 40 + r);
            ASSERT_EQ(chain[r].back(), static_cast<std::int64_t>((r - 1) * 100));
            ASSERT_TRUE(holds_iota(chain[r].take(40), 0));
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), 0);
}

// Threads race to claim the same inner-node slot: each pushes 100 elements onto one
// version whose tail is full, crossing several leaf boundaries.
TEST(list_concurrency, threads_race_for_inner_node_slots) {
    {
        for (std::int64_t size : {64, 1056, 2080, 32768 + 32}) {
            const L shared = iota_list(size);
            std::vector<L> results(thread_count);
            std::barrier sync(thread_count);
            run_threads([&](int t) {
                sync.arrive_and_wait();
                L mine = shared;
                for (int i = 0; i < 100; ++i) mine = mine.push_back(-1 - t);
                results[static_cast<std::size_t>(t)] = mine;
            });
            for (int t = 0; t < thread_count; ++t) {
                const L& r = results[static_cast<std::size_t>(t)];
                ASSERT_EQ(r.size(), static_cast<std::size_t>(size) + 100);
                ASSERT_TRUE(holds_iota(r.take(static_cast<std::size_t>(size)), 0));
                for (std::size_t i = static_cast<std::size_t>(size); i < r.size(); ++i) ASSERT_EQ(r[i], -1 - t);
            }
            ASSERT_TRUE(holds_iota(shared, 0));
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), 0);
}

// The thread that made a list keeps claiming the next slot of its tail (and of the inner
// node where a new leaf joins) while other threads push onto the versions it publishes:
// whoever loses a claim copies, and nobody may see an element another thread put there.
TEST(list_concurrency, the_owner_claims_slots_while_other_threads_push_copies) {
    {
        L mine = iota_list(40);
        std::mutex lock;
        L published = mine;
        std::atomic<bool> done{false};
        std::atomic<int> failures{0};
        std::atomic<long> pushes{0};
        std::vector<std::thread> others;
        for (int t = 0; t < 3; ++t) {
            others.emplace_back([&, t] {
                while (!done.load()) {
                    L seen;
                    {
                        std::lock_guard guard(lock);
                        seen = published;
                    }
                    const L pushed = seen.push_back(-1 - t).push_back(-1 - t);
                    const std::size_t n = seen.size();
                    if (pushed.size() != n + 2 || pushed[n] != -1 - t || pushed[n + 1] != -1 - t ||
                        !holds_iota(pushed.take(40), 0) || pushed[n - 1] != seen.back()) {
                        ++failures;
                    }
                    ++pushes;
                }
            });
        }
        // Until the others have pushed a few hundred times, however the threads are scheduled.
        for (std::int64_t i = 0; i < 5000 || pushes.load() < 300; ++i) {
            mine = mine.push_back(i);
            if (i % 8 == 0) {
                std::lock_guard guard(lock);
                published = mine;
            }
        }
        done.store(true);
        for (auto& th : others) th.join();
        EXPECT_EQ(failures.load(), 0);
        ASSERT_GE(mine.size(), 5040u);
        ASSERT_TRUE(holds_iota(mine.take(40), 0));
        for (std::size_t i = 40; i < mine.size(); ++i) ASSERT_EQ(mine[i], static_cast<std::int64_t>(i - 40));
    }
    immutable::reclaim_deferred();
    EXPECT_EQ(counted_policy::live_nodes(), 0);
}

// Strings: element copies and destruction race with readers on shared leaves.
TEST(list_concurrency, strings) {
    using S = immutable::list<std::string>;
    S::builder b;
    for (int i = 0; i < 3000; ++i) b.push_back("element " + std::to_string(i));
    const S shared = b.build();
    std::atomic<int> failures{0};
    run_threads([&](int t) {
        for (int round = 0; round < 20; ++round) {
            S mine = shared.push_back("mine " + std::to_string(t)).set(5, "five").drop(3);
            if (mine.back() != "mine " + std::to_string(t) || mine[2] != "five") ++failures;
            if (shared[2999] != "element 2999") ++failures;
            S both = mine + shared;
            if (both[mine.size()] != "element 0") ++failures;
        }
    });
    EXPECT_EQ(failures.load(), 0);
}
