// Versions made on one thread and changed or dropped on others, for every container and
// both thread-safe policies. Reference counts are biased (detail/biased/refcount.hpp): the
// thread that made a node counts it with plain instructions, and a reference it counted
// that another thread drops is handed back to it. These tests check what users rely on:
//   - every version reads the same on every thread, before and after others change it;
//   - all memory comes back: when the owner is alive and idle, at its next change (or
//     reclaim_deferred()); when the owner has exited, at once; and with owners starting
//     and exiting throughout, once everything is dropped.
// Each derived version is checked against a std model carried with it; every version a
// thread made is re-checked before it drops it. Run under ThreadSanitizer by the tsan preset.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

namespace {

using value = std::int64_t;

// ---- one adapter per container: a model, a random change, a check ----------------------
// change() takes its version by value and changes it as an rvalue: in place where the
// caller moved in a version whose nodes this thread owns alone, by copying otherwise.

template <class Policy>
struct list_case {
    using container = immutable::list<value, Policy>;
    using model = std::vector<value>;
    static container make(int n, model& m) {
        typename container::builder b;
        for (int i = 0; i < n; ++i) {
            b.push_back(i);
            m.push_back(i);
        }
        return b.build();
    }
    static container change(container c, model& m, std::mt19937_64& rng) {
        if (m.empty() || rng() % 2 == 0) {
            const value x = static_cast<value>(rng() % 1000);
            m.push_back(x);
            return std::move(c).push_back(x);
        }
        const std::size_t i = rng() % m.size();
        const value x = static_cast<value>(rng() % 1000);
        m[i] = x;
        return std::move(c).set(i, x);
    }
    static container change_with_builder(const container& c, model& m, std::mt19937_64& rng) {
        auto b = c.to_builder();
        for (int k = 0; k < 40; ++k) {
            const value x = static_cast<value>(rng() % 1000);
            b.push_back(x);
            m.push_back(x);
        }
        return b.build();
    }
    static bool matches(const container& c, const model& m) {
        return c.size() == m.size() && std::equal(c.begin(), c.end(), m.begin());
    }
};

template <class Policy>
struct queue_case {
    using container = immutable::queue<value, Policy>;
    using model = std::vector<value>;
    static container make(int n, model& m) {
        container q;
        for (int i = 0; i < n; ++i) {
            q = q.push(i);
            m.push_back(i);
        }
        return q;
    }
    static container change(container c, model& m, std::mt19937_64& rng) {
        if (m.empty() || rng() % 3 != 0) {
            const value x = static_cast<value>(rng() % 1000);
            m.push_back(x);
            return std::move(c).push(x);
        }
        m.erase(m.begin());
        return std::move(c).pop();
    }
    static container change_with_builder(const container& c, model& m, std::mt19937_64& rng) {
        auto b = c.to_builder();
        for (int k = 0; k < 40; ++k) {
            const value x = static_cast<value>(rng() % 1000);
            b.push(x);
            m.push_back(x);
        }
        return b.build();
    }
    static bool matches(const container& c, const model& m) {
        return c.size() == m.size() && std::equal(c.begin(), c.end(), m.begin());
    }
};

// The two maps and the two sets share their changes: set or erase a key in 0..key_range.
constexpr std::uint64_t key_range = 4096;

template <class Container>
struct map_case_base {
    using container = Container;
    using model = std::map<value, value>;
    static container make(int n, model& m) {
        auto b = container().to_builder();
        for (int i = 0; i < n; ++i) {
            b.set(i, i);
            m[i] = i;
        }
        return b.build();
    }
    static container change(container c, model& m, std::mt19937_64& rng) {
        const value k = static_cast<value>(rng() % key_range);
        if (rng() % 4 == 0) {
            m.erase(k);
            return std::move(c).erase(k);
        }
        const value v = static_cast<value>(rng() % 1000);
        m[k] = v;
        return std::move(c).set(k, v);
    }
    static container change_with_builder(const container& c, model& m, std::mt19937_64& rng) {
        auto b = c.to_builder();
        for (int i = 0; i < 40; ++i) {
            const value k = static_cast<value>(rng() % key_range);
            b.set(k, -k);
            m[k] = -k;
        }
        return b.build();
    }
    static bool matches(const container& c, const model& m) {
        if (c.size() != m.size()) return false;
        for (const auto& [k, v] : m) {
            const value* found = c.find(k);
            if (found == nullptr || *found != v) return false;
        }
        return true;
    }
};

template <class Container>
struct set_case_base {
    using container = Container;
    using model = std::set<value>;
    static container make(int n, model& m) {
        auto b = container().to_builder();
        for (int i = 0; i < n; ++i) {
            b.insert(i);
            m.insert(i);
        }
        return b.build();
    }
    static container change(container c, model& m, std::mt19937_64& rng) {
        const value k = static_cast<value>(rng() % key_range);
        if (rng() % 4 == 0) {
            m.erase(k);
            return std::move(c).erase(k);
        }
        m.insert(k);
        return std::move(c).insert(k);
    }
    static container change_with_builder(const container& c, model& m, std::mt19937_64& rng) {
        auto b = c.to_builder();
        for (int i = 0; i < 40; ++i) {
            const value k = static_cast<value>(rng() % key_range);
            b.insert(k);
            m.insert(k);
        }
        return b.build();
    }
    static bool matches(const container& c, const model& m) {
        if (c.size() != m.size()) return false;
        for (value k : m) {
            if (!c.contains(k)) return false;
        }
        return true;
    }
};

template <class Policy>
struct map_case : map_case_base<immutable::map<value, value, std::hash<value>, std::equal_to<value>, Policy>> {};
template <class Policy>
struct sorted_map_case : map_case_base<immutable::sorted_map<value, value, std::less<value>, Policy>> {};
template <class Policy>
struct set_case : set_case_base<immutable::set<value, std::hash<value>, std::equal_to<value>, Policy>> {};
template <class Policy>
struct sorted_set_case : set_case_base<immutable::sorted_set<value, std::less<value>, Policy>> {};

// Separate counters per container and policy: a test's count sees only its own nodes.
template <template <class> class Case, class Base>
struct config {
    using policy = immutable::counted<Base, config>;
    using adapter = Case<policy>;
};

using configs = ::testing::Types<
    config<list_case, immutable::heap_policy>, config<list_case, immutable::pooled_policy>,
    config<queue_case, immutable::heap_policy>, config<queue_case, immutable::pooled_policy>,
    config<map_case, immutable::heap_policy>, config<map_case, immutable::pooled_policy>,
    config<set_case, immutable::heap_policy>, config<set_case, immutable::pooled_policy>,
    config<sorted_map_case, immutable::heap_policy>, config<sorted_map_case, immutable::pooled_policy>,
    config<sorted_set_case, immutable::heap_policy>, config<sorted_set_case, immutable::pooled_policy>>;

template <class Config>
class biased_refcount_test : public ::testing::Test {};
TYPED_TEST_SUITE(biased_refcount_test, configs);

template <class Adapter>
struct version {
    typename Adapter::container c;
    typename Adapter::model m;
};

// A chain of versions, each one change from the one before (first built with a builder).
template <class Adapter>
std::vector<version<Adapter>> make_history(int versions, int first_size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<version<Adapter>> history;
    typename Adapter::model m;
    auto c = Adapter::make(first_size, m);
    history.push_back({c, m});
    for (int i = 1; i < versions; ++i) {
        c = Adapter::change(c, m, rng);
        history.push_back({c, m});
    }
    return history;
}

// What a thread does with versions it did not make: derives new ones (single changes and
// a builder, which must copy nodes it does not own instead of editing them), checks each,
// and re-checks everything it made and everything it was given before dropping it all.
template <class Adapter>
void derive_and_check(std::vector<version<Adapter>> given, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<version<Adapter>> made;
    for (int i = 0; i < 60; ++i) {
        const auto& from = given[rng() % given.size()];
        auto m = from.m;
        auto c = (i % 10 == 9) ? Adapter::change_with_builder(from.c, m, rng)
                               : Adapter::change(from.c, m, rng);
        ASSERT_TRUE(Adapter::matches(c, m));
        made.push_back({std::move(c), std::move(m)});
    }
    for (const auto& v : made) ASSERT_TRUE(Adapter::matches(v.c, v.m));
    for (const auto& v : given) ASSERT_TRUE(Adapter::matches(v.c, v.m));
}

// The owner hands its versions over (keeping copies of some), stays idle while other
// threads derive and drop, and gets the memory back at its next change.
TYPED_TEST(biased_refcount_test, owner_alive_and_idle) {
    using adapter = typename TypeParam::adapter;
    using policy = typename TypeParam::policy;
    ASSERT_EQ(policy::live_nodes(), 0);
    for (int round = 0; round < 2; ++round) {
        {
            auto history = make_history<adapter>(40, 300, 7 + round);
            std::vector<version<adapter>> kept(history.begin(), history.begin() + 10);
            std::vector<std::thread> threads;
            for (int t = 0; t < 3; ++t) {
                // Each thread gets its own copies; the originals are moved to the last one,
                // so references this thread counted are dropped elsewhere.
                auto share = (t == 2) ? std::move(history) : history;
                threads.emplace_back([share = std::move(share), t]() mutable {
                    derive_and_check<adapter>(std::move(share), 100 + static_cast<std::uint64_t>(t));
                });
            }
            for (auto& th : threads) th.join();
            for (const auto& v : kept) ASSERT_TRUE(adapter::matches(v.c, v.m));
        }
        // Every version is gone; nodes this thread made and others released wait for it.
        EXPECT_GT(immutable::deferred_release_stats().queued, 0);
        if (round == 0) {
            // Its next change takes them back.
            typename adapter::model m;
            auto next = adapter::make(5, m);
            ASSERT_TRUE(adapter::matches(next, m));
        } else {
            immutable::reclaim_deferred();
        }
        EXPECT_EQ(immutable::deferred_release_stats().queued, 0);
        EXPECT_EQ(policy::live_nodes(), 0) << "round " << round;
    }
}

// Versions made by a thread that has exited: whoever drops them last frees them at once.
TYPED_TEST(biased_refcount_test, owner_exits_first) {
    using adapter = typename TypeParam::adapter;
    using policy = typename TypeParam::policy;
    {
        std::vector<version<adapter>> received;
        std::thread maker([&received] { received = make_history<adapter>(40, 300, 11); });
        maker.join();
        // Two threads share what the dead thread made; this one derives as well.
        std::thread other([copy = received]() mutable { derive_and_check<adapter>(std::move(copy), 12); });
        derive_and_check<adapter>(received, 13);
        other.join();
        for (const auto& v : received) ASSERT_TRUE(adapter::matches(v.c, v.m));
    }
    EXPECT_EQ(policy::live_nodes(), 0);
}

// Owners start and exit throughout. Versions travel through an atom and through a
// mutex-guarded pool; each thread derives from what it takes, checks, and puts some back.
TYPED_TEST(biased_refcount_test, owners_come_and_go) {
    using adapter = typename TypeParam::adapter;
    using policy = typename TypeParam::policy;
    {
        std::mutex pool_mutex;
        std::vector<version<adapter>> pool = make_history<adapter>(8, 200, 21);
        immutable::atom<typename adapter::container> published(pool.front().c);
        typename adapter::model published_model = pool.front().m; // guarded by pool_mutex

        auto worker = [&](std::uint64_t seed) {
            std::mt19937_64 rng(seed);
            std::vector<version<adapter>> mine;
            for (int step = 0; step < 30; ++step) {
                version<adapter> from;
                {
                    std::lock_guard lock(pool_mutex);
                    if (rng() % 3 == 0) {
                        from = {published.load(), published_model};
                    } else {
                        from = pool[rng() % pool.size()];
                    }
                }
                ASSERT_TRUE(adapter::matches(from.c, from.m));
                auto m = from.m;
                auto c = (step % 7 == 6) ? adapter::change_with_builder(from.c, m, rng)
                                         : adapter::change(from.c, m, rng);
                ASSERT_TRUE(adapter::matches(c, m));
                {
                    std::lock_guard lock(pool_mutex);
                    const std::size_t slot = rng() % pool.size();
                    switch (rng() % 3) {
                    case 0: pool[slot] = {c, m}; break; // replaced: the old one may die here
                    case 1:
                        published.store(c);
                        published_model = m;
                        break;
                    default: break;
                    }
                }
                mine.push_back({std::move(c), std::move(m)});
            }
            for (const auto& v : mine) ASSERT_TRUE(adapter::matches(v.c, v.m));
        };

        std::vector<std::thread> running;
        for (int wave = 0; wave < 4; ++wave) {
            for (int t = 0; t < 3; ++t) running.emplace_back(worker, 1000 + 10 * static_cast<std::uint64_t>(wave) + static_cast<std::uint64_t>(t));
            // Older threads exit while newer ones run.
            while (running.size() > 3) {
                running.front().join();
                running.erase(running.begin());
            }
        }
        for (auto& th : running) th.join();
        std::lock_guard lock(pool_mutex);
        for (const auto& v : pool) ASSERT_TRUE(adapter::matches(v.c, v.m));
        ASSERT_TRUE(adapter::matches(published.load(), published_model));
    }
    immutable::reclaim_deferred();
    EXPECT_EQ(policy::live_nodes(), 0);
}

// A builder started from a version another thread made and still reads: it copies what
// it does not own, so the reader's version never changes under it.
TYPED_TEST(biased_refcount_test, builder_on_another_threads_nodes) {
    using adapter = typename TypeParam::adapter;
    using policy = typename TypeParam::policy;
    {
        auto history = make_history<adapter>(4, 2000, 31);
        std::atomic<bool> stop{false};
        std::thread reader([&history, &stop] {
            while (!stop.load(std::memory_order_relaxed)) {
                for (const auto& v : history) ASSERT_TRUE(adapter::matches(v.c, v.m));
            }
        });
        std::thread writer([&history] {
            std::mt19937_64 rng(32);
            for (int i = 0; i < 20; ++i) {
                auto m = history.back().m;
                auto c = adapter::change_with_builder(history.back().c, m, rng);
                ASSERT_TRUE(adapter::matches(c, m));
                // An rvalue change of a version this thread made: in place where it owns.
                c = adapter::change(std::move(c), m, rng);
                ASSERT_TRUE(adapter::matches(c, m));
            }
        });
        writer.join();
        stop = true;
        reader.join();
        for (const auto& v : history) ASSERT_TRUE(adapter::matches(v.c, v.m));
    }
    immutable::reclaim_deferred();
    EXPECT_EQ(policy::live_nodes(), 0);
}

} // namespace
