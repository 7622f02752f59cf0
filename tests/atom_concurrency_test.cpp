// immutable::atom under concurrent readers and writers (runs under TSan).
//
// For each container: 8+ threads; readers check that versions never go backwards and that
// every snapshot satisfies its content invariant; every update is applied exactly once;
// every node is freed at the end; old versions are released after a bounded number of
// operations while readers keep reading.
#define IMMUTABLE_ATOM_INSTRUMENT 1

#include <gtest/gtest.h>

#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <latch>
#include <cstdint>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;

// ---- per-container adapters ---------------------------------------------------------------
// grow(c, tag): the next version (one element more); version(c): grows by one per grow;
// valid(c): the content invariant a torn or freed snapshot would break.

// Element i of the list is i: a torn or freed list shows as a wrong element.
struct list_adapter {
    using type = immutable::list<std::int64_t, counted_policy>;
    static type grow(const type& c, std::int64_t) {
        return c.push_back(static_cast<std::int64_t>(c.size()));
    }
    static std::size_t version(const type& c) { return c.size(); }
    static bool valid(const type& c) {
        std::int64_t i = 0;
        for (std::int64_t x : c) {
            if (x != i++) return false;
        }
        return static_cast<std::size_t>(i) == c.size();
    }
    static type fresh(std::size_t n) {
        type c;
        for (std::size_t i = 0; i < n; ++i) c = grow(c, 0);
        return c;
    }
};

// Keys 0..size-1, each mapped to 3 * key.
struct map_adapter {
    using type = immutable::map<std::int64_t, std::int64_t, std::hash<std::int64_t>,
                                std::equal_to<std::int64_t>, counted_policy>;
    static type grow(const type& c, std::int64_t) {
        auto k = static_cast<std::int64_t>(c.size());
        return c.set(k, 3 * k);
    }
    static std::size_t version(const type& c) { return c.size(); }
    static bool valid(const type& c) {
        std::size_t n = 0;
        for (const auto& [k, v] : c) {
            if (k < 0 || static_cast<std::size_t>(k) >= c.size() || v != 3 * k) return false;
            ++n;
        }
        return n == c.size();
    }
    static type fresh(std::size_t n) {
        type c;
        for (std::size_t i = 0; i < n; ++i) c = grow(c, 0);
        return c;
    }
};

// Elements 0..size-1.
struct set_adapter {
    using type = immutable::set<std::int64_t, std::hash<std::int64_t>, std::equal_to<std::int64_t>,
                                counted_policy>;
    static type grow(const type& c, std::int64_t) {
        return c.insert(static_cast<std::int64_t>(c.size()));
    }
    static std::size_t version(const type& c) { return c.size(); }
    static bool valid(const type& c) {
        std::size_t n = 0;
        for (std::int64_t x : c) {
            if (x < 0 || static_cast<std::size_t>(x) >= c.size()) return false;
            ++n;
        }
        return n == c.size() && (n == 0 || c.contains(static_cast<std::int64_t>(n) - 1));
    }
    static type fresh(std::size_t n) {
        type c;
        for (std::size_t i = 0; i < n; ++i) c = grow(c, 0);
        return c;
    }
};

// Keys 0..size-1 in order, each mapped to 3 * key.
struct sorted_map_adapter {
    using type = immutable::sorted_map<std::int64_t, std::int64_t, std::less<std::int64_t>,
                                       counted_policy>;
    static type grow(const type& c, std::int64_t) {
        auto k = static_cast<std::int64_t>(c.size());
        return c.set(k, 3 * k);
    }
    static std::size_t version(const type& c) { return c.size(); }
    static bool valid(const type& c) {
        std::int64_t expected = 0;
        for (const auto& [k, v] : c) {
            if (k != expected++ || v != 3 * k) return false;
        }
        return static_cast<std::size_t>(expected) == c.size();
    }
    static type fresh(std::size_t n) {
        type c;
        for (std::size_t i = 0; i < n; ++i) c = grow(c, 0);
        return c;
    }
};

// Elements 0..size-1 in order.
struct sorted_set_adapter {
    using type = immutable::sorted_set<std::int64_t, std::less<std::int64_t>, counted_policy>;
    static type grow(const type& c, std::int64_t) {
        return c.insert(static_cast<std::int64_t>(c.size()));
    }
    static std::size_t version(const type& c) { return c.size(); }
    static bool valid(const type& c) {
        std::int64_t expected = 0;
        for (std::int64_t x : c) {
            if (x != expected++) return false;
        }
        return static_cast<std::size_t>(expected) == c.size();
    }
    static type fresh(std::size_t n) {
        type c;
        for (std::size_t i = 0; i < n; ++i) c = grow(c, 0);
        return c;
    }
};

// A sliding window: each step pushes the next number and pops the front once more than
// `window` are queued, so pushes, pops and the queue's compaction all run. The version is
// the count of numbers ever pushed (back() + 1); the content is consecutive numbers.
struct queue_adapter {
    using type = immutable::queue<std::int64_t, counted_policy>;
    static constexpr std::size_t window = 40;
    static type grow(const type& c, std::int64_t) {
        type next = c.push(c.empty() ? 0 : c.back() + 1);
        return next.size() > window ? next.pop() : next;
    }
    static std::size_t version(const type& c) {
        return c.empty() ? 0 : static_cast<std::size_t>(c.back() + 1);
    }
    static bool valid(const type& c) {
        if (c.size() > window) return false;
        std::int64_t expected = c.empty() ? 0 : c.front();
        for (std::int64_t x : c) {
            if (x != expected++) return false;
        }
        return c.empty() || expected == c.back() + 1;
    }
    static type fresh(std::size_t n) {
        type c;
        for (std::size_t i = 0; i < n; ++i) c = grow(c, 0);
        return c;
    }
};

constexpr int reader_threads = 6;
constexpr std::uint64_t min_reads = 20000;
constexpr int writer_threads = 2;
#if defined(__SANITIZE_THREAD__)
#define ATOM_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ATOM_TEST_UNDER_TSAN 1
#endif
#endif
#if defined(ATOM_TEST_UNDER_TSAN)
constexpr int updates_per_writer = 2000; // TSan runs each thread about 10x slower
#else
constexpr int updates_per_writer = 4000;
#endif

// Readers alternate read() and load(); each remembers the last version it saw and fails on
// any step backwards. Writers run update() (exactly-once is checked by the final version).
template <class Adapter>
void readers_see_monotonic_versions_and_updates_apply_once() {
    using C = typename Adapter::type;
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<C> a;
        std::atomic<int> writers_done{0};
        std::atomic<std::int64_t> failures{0};
        std::latch go(writer_threads + reader_threads);
        std::vector<std::thread> threads;
        for (int w = 0; w < writer_threads; ++w) {
            threads.emplace_back([&, w] {
                go.arrive_and_wait();
                for (int i = 0; i < updates_per_writer; ++i) {
                    if (i % 64 == 0) std::this_thread::yield(); // let readers interleave
                    (void)a.update([&](const C& c) { return Adapter::grow(c, w); });
                }
                writers_done.fetch_add(1);
            });
        }
        for (int r = 0; r < reader_threads; ++r) {
            threads.emplace_back([&, r] {
                std::size_t last = 0;
                std::int64_t bad = 0;
                C held; // a snapshot held across many later stores, then rechecked
                std::size_t held_version = 0;
                go.arrive_and_wait();
                for (std::uint64_t i = 0; i < min_reads || writers_done.load() < writer_threads;
                     ++i) {
                    std::size_t v = (i + static_cast<std::uint64_t>(r)) % 8 == 0
                                        ? Adapter::version(a.load())
                                        : a.read([](const C& c) { return Adapter::version(c); });
                    if (v < last) ++bad;
                    last = v;
                    if (i % 256 == 0) {
                        if (!a.read([](const C& c) { return Adapter::valid(c); })) ++bad;
                        if (Adapter::version(held) != held_version || !Adapter::valid(held)) ++bad;
                        held = a.load();
                        held_version = Adapter::version(held);
                        if (held_version < last) ++bad;
                    }
                }
                failures.fetch_add(bad);
            });
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(a.read([](const C& c) { return Adapter::version(c); }),
                  static_cast<std::size_t>(writer_threads * updates_per_writer));
        EXPECT_TRUE(a.read([](const C& c) { return Adapter::valid(c); }));
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

// Hand-written compare_exchange loops (what update() does) racing with readers: each
// loop's publication lands exactly once, and readers never see a version go backwards.
template <class Adapter>
void compare_exchange_loops_apply_exactly_once() {
    using C = typename Adapter::type;
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<C> a;
        constexpr int threads_n = 8;
        constexpr int ops = updates_per_writer / 2;
        std::atomic<std::int64_t> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < threads_n; ++t) {
            threads.emplace_back([&, t] {
                std::int64_t bad = 0;
                std::size_t last = 0;
                for (int i = 0; i < ops; ++i) {
                    if (t % 2 == 0) {
                        C expected = a.load();
                        while (!a.compare_exchange(expected, Adapter::grow(expected, t))) {
                        }
                    }
                    std::size_t v = a.read([](const C& c) { return Adapter::version(c); });
                    if (v < last) ++bad;
                    last = v;
                }
                failures.fetch_add(bad);
            });
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(Adapter::version(a.load()), static_cast<std::size_t>(threads_n / 2 * ops));
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

// 8 threads exchange their own distinct versions in: every published version comes back
// out exactly once (from some exchange, or as the final value), none twice, none lost.
template <class Adapter>
void exchanges_hand_back_every_version_exactly_once() {
    using C = typename Adapter::type;
    auto start = counted_policy::live_nodes();
    {
        constexpr int threads_n = 8;
        constexpr int ops = updates_per_writer / 20;
        // Keep every published version alive so that identities are unique.
        std::vector<std::vector<C>> published(threads_n), returned(threads_n);
        for (int t = 0; t < threads_n; ++t) {
            for (int i = 0; i < ops; ++i) published[t].push_back(Adapter::fresh(1 + (i % 3)));
        }
        C initial = Adapter::fresh(2);
        immutable::atom<C> a(initial);
        std::vector<std::thread> threads;
        for (int t = 0; t < threads_n; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < ops; ++i) {
                    returned[t].push_back(a.exchange(published[t][i]));
                    (void)a.read([](const C& c) { return Adapter::valid(c); });
                }
            });
        }
        for (auto& t : threads) t.join();
        std::vector<const void*> in{initial.identity()}, out{a.load().identity()};
        for (int t = 0; t < threads_n; ++t) {
            for (const C& c : published[t]) in.push_back(c.identity());
            for (const C& c : returned[t]) {
                out.push_back(c.identity());
                EXPECT_TRUE(Adapter::valid(c));
            }
        }
        std::sort(in.begin(), in.end());
        std::sort(out.begin(), out.end());
        EXPECT_EQ(std::adjacent_find(in.begin(), in.end()), in.end()); // all distinct
        EXPECT_EQ(in, out);
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

// Readers keep reading in lockstep with one writer. After every store, once each reader
// has read once, only the current version may be alive: no old version survives more than
// one read per reader. Checked exactly with counted_policy (immutable::counted).
template <class Adapter>
void old_versions_are_released_after_one_read_per_reader() {
    using C = typename Adapter::type;
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<C> a(Adapter::fresh(3));
        constexpr int readers = 7;
        constexpr int rounds = 60;
        std::atomic<std::int64_t> failures{0};
        std::barrier sync(readers + 1);
        std::vector<std::thread> threads;
        for (int r = 0; r < readers; ++r) {
            threads.emplace_back([&] {
                for (int round = 0; round < rounds; ++round) {
                    sync.arrive_and_wait(); // the writer has stored
                    for (int k = 0; k < 5; ++k) {
                        if (!a.read([](const C& c) { return Adapter::valid(c); }))
                            failures.fetch_add(1);
                    }
                    sync.arrive_and_wait(); // the writer checks
                }
            });
        }
        for (int round = 0; round < rounds; ++round) {
            // Fresh, unshared versions so that live nodes count versions exactly.
            std::size_t n = 1 + static_cast<std::size_t>(round % 7);
            a.store(Adapter::fresh(n));
            std::int64_t alone = 0;
            {
                // What the current version alone costs: measured on an identical copy.
                auto before = counted_policy::live_nodes();
                C twin = Adapter::fresh(n);
                alone = counted_policy::live_nodes() - before;
            }
            sync.arrive_and_wait();
            sync.arrive_and_wait();
            // A reader may have dropped the last reference to a version this thread made:
            // it waits for this thread, its owner, to take it back (docs/memory.md).
            immutable::reclaim_deferred();
            EXPECT_EQ(counted_policy::live_nodes() - start, alone) << "round " << round;
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(failures.load(), 0);
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

// After warm-up and with no writer, reads by many threads make no shared writes at all.
template <class Adapter>
void concurrent_fast_path_reads_write_nothing_shared() {
    using C = typename Adapter::type;
    immutable::atom<C> a(Adapter::fresh(10));
    std::atomic<std::uint64_t> shared_writes{0};
    std::atomic<std::int64_t> failures{0};
    std::vector<std::thread> threads;
    for (int r = 0; r < 8; ++r) {
        threads.emplace_back([&] {
            (void)a.read([](const C& c) { return Adapter::version(c); }); // warm-up
            auto before = immutable::atom_instrumentation::shared_writes_in_read();
            for (int i = 0; i < 2000; ++i) {
                if (a.read([](const C& c) { return Adapter::version(c); }) != 10)
                    failures.fetch_add(1);
            }
            shared_writes.fetch_add(immutable::atom_instrumentation::shared_writes_in_read() -
                                    before);
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(shared_writes.load(), 0u);
}

// Pauses the reader while it holds a box under its hazard pointer.
std::atomic<int> protected_phase{0};
void pause_while_protected() {
    protected_phase.store(1);
    while (protected_phase.load() != 2) std::this_thread::yield();
}

} // namespace

template <class Adapter>
class atom_concurrency : public ::testing::Test {};
using adapters = ::testing::Types<list_adapter, map_adapter, set_adapter, sorted_map_adapter,
                                  sorted_set_adapter, queue_adapter>;
TYPED_TEST_SUITE(atom_concurrency, adapters);

TYPED_TEST(atom_concurrency, readers_see_monotonic_versions_and_updates_apply_once) {
    readers_see_monotonic_versions_and_updates_apply_once<TypeParam>();
}
TYPED_TEST(atom_concurrency, compare_exchange_loops_apply_exactly_once) {
    compare_exchange_loops_apply_exactly_once<TypeParam>();
}
TYPED_TEST(atom_concurrency, exchanges_hand_back_every_version_exactly_once) {
    exchanges_hand_back_every_version_exactly_once<TypeParam>();
}
TYPED_TEST(atom_concurrency, old_versions_are_released_after_one_read_per_reader) {
    old_versions_are_released_after_one_read_per_reader<TypeParam>();
}
TYPED_TEST(atom_concurrency, concurrent_fast_path_reads_write_nothing_shared) {
    concurrent_fast_path_reads_write_nothing_shared<TypeParam>();
}

// N threads x M increments of counters in one map: the totals are exact (every update
// applied exactly once), and every snapshot a reader sees is consistent (the "total" entry
// equals the sum of the per-thread entries) and never older than the previous one.
TEST(atom_map_concurrency, counter_increments_apply_exactly_once) {
    using counters = map_adapter::type;
    constexpr std::int64_t total_key = -1;
    constexpr int writers = 6;
    constexpr int readers = 2;
    constexpr int increments = updates_per_writer / 2;
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<counters> a(counters().set(total_key, 0));
        std::atomic<int> writers_done{0};
        std::atomic<std::int64_t> failures{0};
        std::latch go(writers + readers);
        std::vector<std::thread> threads;
        for (int w = 0; w < writers; ++w) {
            threads.emplace_back([&, w] {
                go.arrive_and_wait();
                for (int i = 0; i < increments; ++i) {
                    (void)a.update([&](const counters& m) {
                        auto add_one = [](std::int64_t v) { return v + 1; };
                        return m.update(w, add_one).update(total_key, add_one);
                    });
                }
                writers_done.fetch_add(1);
            });
        }
        for (int r = 0; r < readers; ++r) {
            threads.emplace_back([&] {
                go.arrive_and_wait();
                std::int64_t last = 0;
                std::int64_t bad = 0;
                while (writers_done.load() < writers) {
                    std::int64_t total = a.read([&](const counters& m) {
                        std::int64_t sum = 0;
                        for (const auto& [k, v] : m) {
                            if (k != total_key) sum += v;
                        }
                        return sum == m.at(total_key) ? sum : -1;
                    });
                    if (total < last) ++bad; // also catches an inconsistent snapshot (-1)
                    last = total;
                }
                failures.fetch_add(bad);
            });
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(failures.load(), 0);
        counters final_value = a.load();
        EXPECT_EQ(final_value.at(total_key), std::int64_t{writers} * increments);
        for (int w = 0; w < writers; ++w) EXPECT_EQ(final_value.at(w), increments);
    }
    // Nodes of the first version, made here and dropped last by a writer, wait for this
    // thread to take them back (docs/memory.md).
    immutable::reclaim_deferred();
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

// A writer that retires a box which a reader is copying from must keep the box (and so the
// version) until the reader is done, then free it at a later store.
TEST(atom_list_concurrency, a_box_protected_by_a_reader_outlives_its_retirement) {
    using C = list_adapter::type;
    auto start = counted_policy::live_nodes();
    auto nodes_of = [](std::size_t n) {
        auto before = counted_policy::live_nodes();
        C twin = list_adapter::fresh(n);
        return counted_policy::live_nodes() - before;
    };
    const auto big = nodes_of(2000), mid = nodes_of(200), small = nodes_of(3);
    {
        immutable::atom<C> a(list_adapter::fresh(2000));
        protected_phase.store(0);
        std::thread reader([&] {
            immutable::detail::atom_support::while_protected_hook = &pause_while_protected;
            EXPECT_EQ(a.read([](const C& c) { return c.size(); }), 2000u);
            immutable::detail::atom_support::while_protected_hook = nullptr;
        });
        while (protected_phase.load() != 1) std::this_thread::yield();
        a.store(list_adapter::fresh(3));   // retires the protected box: it must stay
        a.store(list_adapter::fresh(200)); // the unprotected box of size 3 goes at once
        EXPECT_EQ(counted_policy::live_nodes() - start, big + mid);
        protected_phase.store(2); // the reader copies from the retired box (ASan: no UAF)
        reader.join();            // and drops its cache at exit
        EXPECT_EQ(counted_policy::live_nodes() - start, big + mid);
        a.store(list_adapter::fresh(3)); // the next store frees the retired box
        EXPECT_EQ(counted_policy::live_nodes() - start, small);
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}
