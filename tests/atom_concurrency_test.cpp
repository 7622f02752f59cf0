// immutable::atom under concurrent readers and writers (runs under TSan).
//
// For each container: 8+ threads; readers check that versions never go backwards and that
// every snapshot satisfies its content invariant; every update is applied exactly once;
// every node is freed at the end; old versions are released after a bounded number of
// operations while readers keep reading.
#define IMMUTABLE_ATOM_INSTRUMENT 1

#include <gtest/gtest.h>

#include <immutable/atom.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <latch>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#if !defined(__cpp_sized_deallocation)
// clang without -fsized-deallocation does not declare the sized form that
// support/counting_policy.hpp calls; libstdc++ defines it either way.
void operator delete(void*, std::size_t) noexcept;
#endif
#include "support/counting_policy.hpp"

namespace {

using immutable::test::counting_policy;

// ---- a stand-in container, until the library's containers land --------------------------
class probe_stack {
    struct node {
        std::atomic<std::uint32_t> refs{1};
        std::int64_t value;
        std::size_t size;
        node* next;
    };

public:
    probe_stack() noexcept = default;
    probe_stack(const probe_stack& other) noexcept : top_(other.top_) {
        if (top_ != nullptr) top_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    probe_stack(probe_stack&& other) noexcept : top_(std::exchange(other.top_, nullptr)) {}
    probe_stack& operator=(probe_stack other) noexcept {
        std::swap(top_, other.top_);
        return *this;
    }
    ~probe_stack() {
        node* n = top_;
        while (n != nullptr && n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            node* next = n->next;
            n->~node();
            counting_policy::deallocate(n, sizeof(node));
            n = next;
        }
    }
    [[nodiscard]] probe_stack push(std::int64_t v) const {
        void* raw = counting_policy::allocate(sizeof(node));
        node* n = ::new (raw) node{{1}, v, size() + 1, top_};
        if (top_ != nullptr) top_->refs.fetch_add(1, std::memory_order_relaxed);
        probe_stack s;
        s.top_ = n;
        return s;
    }
    std::size_t size() const noexcept { return top_ == nullptr ? 0 : top_->size; }
    const void* identity() const noexcept { return top_; }
    template <class F>
    void for_each(F f) const {
        for (node* n = top_; n != nullptr; n = n->next) f(n->value, n->size);
    }

private:
    node* top_ = nullptr;
};

// ---- per-container adapters ---------------------------------------------------------------
// grow(c, tag): the next version (one element more); version(c): grows by one per grow;
// valid(c): the content invariant a torn or freed snapshot would break.
struct probe_adapter {
    using type = probe_stack;
    static type grow(const type& c, std::int64_t tag) { return c.push(tag); }
    static std::size_t version(const type& c) { return c.size(); }
    static bool valid(const type& c) {
        std::size_t expected = c.size();
        bool ok = true;
        c.for_each([&](std::int64_t, std::size_t size) { ok = ok && size == expected--; });
        return ok && expected == 0;
    }
    static type fresh(std::size_t n) {
        type c;
        for (std::size_t i = 0; i < n; ++i) c = c.push(static_cast<std::int64_t>(i));
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
constexpr int updates_per_writer = 20000;
#endif

// Readers alternate read() and load(); each remembers the last version it saw and fails on
// any step backwards. Writers run update() (exactly-once is checked by the final version).
template <class Adapter>
void readers_see_monotonic_versions_and_updates_apply_once() {
    using C = typename Adapter::type;
    auto start = counting_policy::live_nodes.load();
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
                C kept; // a snapshot held across later stores, rechecked at the end
                std::size_t kept_version = 0;
                go.arrive_and_wait();
                for (std::uint64_t i = 0; i < min_reads || writers_done.load() < writer_threads;
                     ++i) {
                    std::size_t v = (i + static_cast<std::uint64_t>(r)) % 8 == 0
                                        ? Adapter::version(kept = a.load())
                                        : a.read([](const C& c) { return Adapter::version(c); });
                    if (v < last) ++bad;
                    last = v;
                    if (i % 64 == 0) {
                        if (!a.read([](const C& c) { return Adapter::valid(c); })) ++bad;
                        kept_version = Adapter::version(kept);
                    }
                }
                if (Adapter::version(kept) != kept_version || !Adapter::valid(kept)) ++bad;
                failures.fetch_add(bad);
            });
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(a.read([](const C& c) { return Adapter::version(c); }),
                  static_cast<std::size_t>(writer_threads * updates_per_writer));
        EXPECT_TRUE(a.read([](const C& c) { return Adapter::valid(c); }));
    }
    EXPECT_EQ(counting_policy::live_nodes.load(), start);
}

// Hand-written compare_exchange loops (what update() does) racing with readers: each
// loop's publication lands exactly once, and readers never see a version go backwards.
template <class Adapter>
void compare_exchange_loops_apply_exactly_once() {
    using C = typename Adapter::type;
    auto start = counting_policy::live_nodes.load();
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
    EXPECT_EQ(counting_policy::live_nodes.load(), start);
}

// 8 threads exchange their own distinct versions in: every published version comes back
// out exactly once (from some exchange, or as the final value), none twice, none lost.
template <class Adapter>
void exchanges_hand_back_every_version_exactly_once() {
    using C = typename Adapter::type;
    auto start = counting_policy::live_nodes.load();
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
    EXPECT_EQ(counting_policy::live_nodes.load(), start);
}

// Readers keep reading in lockstep with one writer. After every store, once each reader
// has read once, only the current version may be alive: no old version survives more than
// one read per reader. Checked exactly with counting_policy.
template <class Adapter>
void old_versions_are_released_after_one_read_per_reader() {
    using C = typename Adapter::type;
    auto start = counting_policy::live_nodes.load();
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
                auto before = counting_policy::live_nodes.load();
                C twin = Adapter::fresh(n);
                alone = counting_policy::live_nodes.load() - before;
            }
            sync.arrive_and_wait();
            sync.arrive_and_wait();
            EXPECT_EQ(counting_policy::live_nodes.load() - start, alone) << "round " << round;
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(failures.load(), 0);
    }
    EXPECT_EQ(counting_policy::live_nodes.load(), start);
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

TEST(atom_probe_concurrency, readers_see_monotonic_versions_and_updates_apply_once) {
    readers_see_monotonic_versions_and_updates_apply_once<probe_adapter>();
}
TEST(atom_probe_concurrency, compare_exchange_loops_apply_exactly_once) {
    compare_exchange_loops_apply_exactly_once<probe_adapter>();
}
TEST(atom_probe_concurrency, exchanges_hand_back_every_version_exactly_once) {
    exchanges_hand_back_every_version_exactly_once<probe_adapter>();
}
TEST(atom_probe_concurrency, old_versions_are_released_after_one_read_per_reader) {
    old_versions_are_released_after_one_read_per_reader<probe_adapter>();
}
TEST(atom_probe_concurrency, concurrent_fast_path_reads_write_nothing_shared) {
    concurrent_fast_path_reads_write_nothing_shared<probe_adapter>();
}

// A writer that retires a box which a reader is copying from must keep the box (and so the
// version) until the reader is done, then free it at a later store.
TEST(atom_probe_concurrency, a_box_protected_by_a_reader_outlives_its_retirement) {
    auto start = counting_policy::live_nodes.load();
    {
        immutable::atom<probe_stack> a(probe_adapter::fresh(4));
        protected_phase.store(0);
        std::thread reader([&] {
            immutable::detail::atom_support::while_protected_hook = &pause_while_protected;
            EXPECT_EQ(a.read([](const probe_stack& c) { return c.size(); }), 4u);
            immutable::detail::atom_support::while_protected_hook = nullptr;
        });
        while (protected_phase.load() != 1) std::this_thread::yield();
        a.store(probe_adapter::fresh(2)); // retires the protected box: it must stay
        a.store(probe_adapter::fresh(3)); // the unprotected box of size 2 goes at once
        EXPECT_EQ(counting_policy::live_nodes.load() - start, 4 + 3);
        protected_phase.store(2); // the reader copies from the retired box (ASan: no UAF)
        reader.join();            // and drops its cache at exit
        EXPECT_EQ(counting_policy::live_nodes.load() - start, 4 + 3);
        a.store(probe_adapter::fresh(1)); // the next store frees the retired box
        EXPECT_EQ(counting_policy::live_nodes.load() - start, 1);
    }
    EXPECT_EQ(counting_policy::live_nodes.load(), start);
}
