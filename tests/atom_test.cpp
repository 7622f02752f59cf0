// immutable::atom: single-threaded semantics, snapshot lifetime, leak and retention
// checks, nesting, exceptions, and the shared-write instrumentation of read().
#define IMMUTABLE_ATOM_INSTRUMENT 1

#include <gtest/gtest.h>

#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;

// A minimal persistent stack that counts its copies: the probe for "read() copies nothing".
// Nodes come from counted_policy, so leaks and retained versions show in live_nodes.
class probe_stack {
    struct node {
        std::atomic<std::uint32_t> refs{1};
        std::int64_t value;
        std::size_t size;
        node* next;
    };

public:
    static inline std::atomic<std::int64_t> copies{0};

    probe_stack() noexcept = default;
    probe_stack(const probe_stack& other) noexcept : top_(other.top_) {
        copies.fetch_add(1, std::memory_order_relaxed);
        if (top_ != nullptr) top_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    probe_stack(probe_stack&& other) noexcept : top_(std::exchange(other.top_, nullptr)) {}
    probe_stack& operator=(probe_stack other) noexcept {
        std::swap(top_, other.top_);
        return *this;
    }
    ~probe_stack() { release(top_); }

    [[nodiscard]] probe_stack push(std::int64_t v) const {
        void* raw = counted_policy::allocate(sizeof(node));
        node* n = ::new (raw) node{{1}, v, size() + 1, top_};
        if (top_ != nullptr) top_->refs.fetch_add(1, std::memory_order_relaxed);
        return probe_stack(n);
    }
    std::size_t size() const noexcept { return top_ == nullptr ? 0 : top_->size; }
    std::int64_t top() const { return top_->value; }
    const void* identity() const noexcept { return top_; }
    // Every node's value is its depth from the bottom: a torn or freed stack breaks this.
    bool consistent() const noexcept {
        std::size_t expected = size();
        for (node* n = top_; n != nullptr; n = n->next, --expected) {
            if (n->size != expected) return false;
        }
        return expected == 0;
    }

private:
    explicit probe_stack(node* n) noexcept : top_(n) {}
    static void release(node* n) noexcept {
        while (n != nullptr && n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            node* next = n->next;
            n->~node();
            counted_policy::deallocate(n, sizeof(node));
            n = next;
        }
    }
    node* top_ = nullptr;
};

probe_stack stack_of(std::int64_t n) {
    probe_stack s;
    for (std::int64_t i = 1; i <= n; ++i) s = s.push(i);
    return s;
}

std::uint64_t shared_writes() { return immutable::atom_instrumentation::shared_writes_in_read(); }

} // namespace

static_assert(immutable::atom_value<probe_stack>);
static_assert(immutable::atom_value<immutable::list<int>>);
static_assert(immutable::atom_value<immutable::map<int, int>>);
static_assert(immutable::atom_value<immutable::set<int>>);
static_assert(immutable::atom_value<immutable::sorted_map<int, int>>);
static_assert(immutable::atom_value<immutable::sorted_set<int>>);
static_assert(immutable::atom_value<immutable::queue<int>>);
static_assert(immutable::detail::atom_support::shareable_across_threads<immutable::list<int>>());
static_assert(immutable::detail::atom_support::shareable_across_threads<immutable::set<int>>());
static_assert(!immutable::detail::atom_support::shareable_across_threads<
              immutable::list<int, immutable::single_thread_heap_policy>>());
static_assert(!immutable::detail::atom_support::shareable_across_threads<
              immutable::map<int, int, std::hash<int>, std::equal_to<int>,
                             immutable::single_thread_heap_policy>>());
static_assert(!immutable::atom_value<int>);
static_assert(!std::is_copy_constructible_v<immutable::atom<probe_stack>>);
static_assert(!std::is_move_constructible_v<immutable::atom<probe_stack>>);
static_assert(!std::is_copy_assignable_v<immutable::atom<probe_stack>>);
static_assert(immutable::atom_instrumentation::enabled);

TEST(atom_probe, default_holds_empty_and_initial_holds_value) {
    immutable::atom<probe_stack> empty;
    EXPECT_EQ(empty.load().size(), 0u);
    immutable::atom<probe_stack> three(stack_of(3));
    EXPECT_EQ(three.load().size(), 3u);
    EXPECT_EQ(three.read([](const probe_stack& s) { return s.top(); }), 3);
}

TEST(atom_probe, store_exchange_and_compare_exchange) {
    immutable::atom<probe_stack> a(stack_of(1));
    probe_stack two = stack_of(2);
    a.store(two);
    EXPECT_EQ(a.load().identity(), two.identity());

    probe_stack old = a.exchange(stack_of(5));
    EXPECT_EQ(old.identity(), two.identity());
    EXPECT_EQ(a.load().size(), 5u);

    // Same contents, different root: identity differs, so the exchange fails and loads.
    probe_stack lookalike = stack_of(5);
    probe_stack expected = lookalike;
    EXPECT_FALSE(a.compare_exchange(expected, stack_of(7)));
    EXPECT_NE(expected.identity(), lookalike.identity());
    EXPECT_EQ(expected.identity(), a.load().identity());
    EXPECT_TRUE(a.compare_exchange(expected, stack_of(7)));
    EXPECT_EQ(a.load().size(), 7u);
}

TEST(atom_probe, update_applies_and_returns_the_published_version) {
    immutable::atom<probe_stack> a;
    for (int i = 0; i < 10; ++i) {
        probe_stack published = a.update([](const probe_stack& s) { return s.push(7); });
        EXPECT_EQ(published.identity(), a.load().identity());
    }
    EXPECT_EQ(a.load().size(), 10u);
}

TEST(atom_probe, update_retries_when_another_writer_won) {
    immutable::atom<probe_stack> a;
    int calls = 0;
    probe_stack result = a.update([&](const probe_stack& s) {
        if (++calls == 1) a.store(s.push(100)); // a competing writer, between load and publish
        return s.push(1);
    });
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(result.size(), 2u);
    EXPECT_EQ(result.top(), 1);
    EXPECT_EQ(a.load().size(), 2u);
}

TEST(atom_probe, read_returns_results_of_any_type_and_void) {
    immutable::atom<probe_stack> a(stack_of(4));
    std::size_t seen = 0;
    a.read([&](const probe_stack& s) { seen = s.size(); });
    EXPECT_EQ(seen, 4u);
    auto pair = a.read([](const probe_stack& s) { return std::pair(s.size(), s.top()); });
    EXPECT_EQ(pair.first, 4u);
    EXPECT_EQ(pair.second, 4);
}

TEST(atom_probe, snapshots_outlive_the_atom) {
    auto start = counted_policy::live_nodes();
    probe_stack kept;
    {
        immutable::atom<probe_stack> a(stack_of(3));
        kept = a.load();
        a.store(stack_of(2));
        (void)a.read([](const probe_stack& s) { return s.size(); });
    }
    EXPECT_EQ(kept.size(), 3u);
    EXPECT_TRUE(kept.consistent());
    EXPECT_EQ(counted_policy::live_nodes(), start + 3);
    kept = probe_stack();
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

TEST(atom_probe, fast_path_reads_copy_nothing_and_write_nothing_shared) {
    immutable::atom<probe_stack> a(stack_of(10));
    (void)a.read([](const probe_stack& s) { return s.size(); }); // warm-up: slot + cache
    auto copies = probe_stack::copies.load();
    auto writes = shared_writes();
    std::size_t total = 0;
    for (int i = 0; i < 1000; ++i) total += a.read([](const probe_stack& s) { return s.size(); });
    EXPECT_EQ(total, 10000u);
    EXPECT_EQ(probe_stack::copies.load(), copies);
    EXPECT_EQ(shared_writes(), writes);

    // The counter can move: a store forces the next read onto the slow path.
    a.store(stack_of(11));
    (void)a.read([](const probe_stack& s) { return s.size(); });
    EXPECT_GT(shared_writes(), writes);
    EXPECT_GT(probe_stack::copies.load(), copies);
}

TEST(atom_probe, old_versions_are_freed_once_this_thread_reads_again) {
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<probe_stack> a;
        for (std::int64_t v = 1; v <= 50; ++v) {
            a.store(stack_of(v)); // fresh nodes: no sharing between versions
            EXPECT_EQ(a.read([](const probe_stack& s) { return s.size(); }),
                      static_cast<std::size_t>(v));
            // Only the current version is alive: the atom's box and this thread's cache
            // hold the same one.
            EXPECT_EQ(counted_policy::live_nodes(), start + v);
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

TEST(atom_probe, idle_reader_keeps_one_version_until_released) {
    auto start = counted_policy::live_nodes();
    immutable::atom<probe_stack> a(stack_of(5));
    (void)a.read([](const probe_stack& s) { return s.size(); }); // this thread caches v1
    a.store(stack_of(3));
    EXPECT_EQ(counted_policy::live_nodes(), start + 5 + 3); // cached v1 + current
    a.release_thread_cache();
    EXPECT_EQ(counted_policy::live_nodes(), start + 3);
    EXPECT_EQ(a.load().size(), 3u);
}

TEST(atom_probe, exiting_thread_releases_its_cached_version) {
    auto start = counted_policy::live_nodes();
    immutable::atom<probe_stack> a(stack_of(5));
    std::thread([&] { EXPECT_EQ(a.load().size(), 5u); }).join();
    a.store(stack_of(2));
    EXPECT_EQ(counted_policy::live_nodes(), start + 2);
}

TEST(atom_probe, thread_indices_are_reused_and_slots_stay_correct) {
    immutable::atom<probe_stack> a(stack_of(1));
    immutable::atom<probe_stack> b(stack_of(2));
    for (int round = 0; round < 20; ++round) {
        std::thread t([&] {
            EXPECT_EQ(a.read([](const probe_stack& s) { return s.size(); }), a.load().size());
            EXPECT_EQ(b.read([](const probe_stack& s) { return s.size(); }), b.load().size());
        });
        t.join();
        a.update([](const probe_stack& s) { return s.push(0); });
    }
    EXPECT_EQ(a.load().size(), 21u);
}

TEST(atom_probe, reader_thread_outliving_the_atom_is_fine) {
    std::atomic<int> phase{0};
    auto start = counted_policy::live_nodes();
    auto a = std::make_unique<immutable::atom<probe_stack>>(stack_of(4));
    std::thread t([&] {
        EXPECT_EQ(a->load().size(), 4u);
        phase.store(1);
        while (phase.load() != 2) std::this_thread::yield();
        // The atom is gone; this thread's exit must not touch it.
    });
    while (phase.load() != 1) std::this_thread::yield();
    a.reset();
    EXPECT_EQ(counted_policy::live_nodes(), start);
    phase.store(2);
    t.join();
}

TEST(atom_probe, nested_read_after_store_does_not_free_the_outer_snapshot) {
    immutable::atom<probe_stack> a(stack_of(3));
    (void)a.load();
    a.read([&](const probe_stack& outer) {
        a.store(stack_of(6));
        EXPECT_EQ(a.read([](const probe_stack& s) { return s.size(); }), 6u);
        a.store(stack_of(8));
        EXPECT_EQ(a.load().size(), 8u);
        EXPECT_EQ(outer.size(), 3u); // ASan reports a use-after-free if it were released
        EXPECT_TRUE(outer.consistent());
    });
    EXPECT_EQ(a.read([](const probe_stack& s) { return s.size(); }), 8u);
}

TEST(atom_probe, a_throwing_reader_leaves_the_atom_usable) {
    immutable::atom<probe_stack> a(stack_of(2));
    EXPECT_THROW(a.read([](const probe_stack&) -> int { throw std::runtime_error("reader"); }),
                 std::runtime_error);
    a.store(stack_of(4)); // the next read must refresh: the depth was restored
    EXPECT_EQ(a.read([](const probe_stack& s) { return s.size(); }), 4u);
}

TEST(atom_probe, a_throwing_update_publishes_nothing) {
    immutable::atom<probe_stack> a(stack_of(2));
    const void* before = a.load().identity();
    EXPECT_THROW(a.update([](const probe_stack& s) -> probe_stack {
        if (s.size() == 2) throw std::runtime_error("writer");
        return s;
    }),
                 std::runtime_error);
    EXPECT_EQ(a.load().identity(), before);

    failing_heap_policy::fail_after(0);
    EXPECT_THROW(a.update([](const probe_stack& s) { return s.push(1); }), std::bad_alloc);
    failing_heap_policy::never_fail();
    EXPECT_EQ(a.load().identity(), before);
}

TEST(atom_probe, compare_exchange_of_a_stale_expected_fails_and_refreshes_it) {
    immutable::atom<probe_stack> a(stack_of(1));
    probe_stack stale = a.load();
    a.store(stale.push(2));
    probe_stack expected = stale;
    EXPECT_FALSE(a.compare_exchange(expected, stale.push(9)));
    EXPECT_EQ(expected.size(), 2u);
    EXPECT_EQ(expected.top(), 2);
}

// ---- the library's containers ------------------------------------------------------------
namespace {

// make(n): a version with n elements, built from nothing (so two calls share no node);
// grow(c): c with one element more; size(c) and equal(a, b) for checks.
struct list_ops {
    using type = immutable::list<std::int64_t, counted_policy>;
    static type grow(const type& c) { return c.push_back(static_cast<std::int64_t>(c.size())); }
};
struct map_ops {
    using type = immutable::map<std::int64_t, std::int64_t, std::hash<std::int64_t>,
                                std::equal_to<std::int64_t>, counted_policy>;
    static type grow(const type& c) {
        auto k = static_cast<std::int64_t>(c.size());
        return c.set(k, -k);
    }
};
struct set_ops {
    using type = immutable::set<std::int64_t, std::hash<std::int64_t>, std::equal_to<std::int64_t>,
                                counted_policy>;
    static type grow(const type& c) { return c.insert(static_cast<std::int64_t>(c.size())); }
};

struct sorted_map_ops {
    using type = immutable::sorted_map<std::int64_t, std::int64_t, std::less<std::int64_t>,
                                       counted_policy>;
    static type grow(const type& c) {
        auto k = static_cast<std::int64_t>(c.size());
        return c.set(k, -k);
    }
};
struct sorted_set_ops {
    using type = immutable::sorted_set<std::int64_t, std::less<std::int64_t>, counted_policy>;
    static type grow(const type& c) { return c.insert(static_cast<std::int64_t>(c.size())); }
};
struct queue_ops {
    using type = immutable::queue<std::int64_t, counted_policy>;
    static type grow(const type& c) { return c.push(static_cast<std::int64_t>(c.size())); }
};

template <class Ops>
typename Ops::type make(std::size_t n) {
    typename Ops::type c;
    for (std::size_t i = 0; i < n; ++i) c = Ops::grow(c);
    return c;
}

// Live nodes that a version of n elements costs on its own.
template <class Ops>
std::int64_t nodes_of(std::size_t n) {
    auto before = counted_policy::live_nodes();
    auto c = make<Ops>(n);
    return counted_policy::live_nodes() - before;
}

template <class Ops>
class atom_container : public ::testing::Test {};
using container_ops = ::testing::Types<list_ops, map_ops, set_ops, sorted_map_ops, sorted_set_ops,
                                       queue_ops>;
TYPED_TEST_SUITE(atom_container, container_ops);

} // namespace

TYPED_TEST(atom_container, default_is_empty_and_load_store_exchange_work) {
    using C = typename TypeParam::type;
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<C> a;
        EXPECT_EQ(a.load().size(), 0u);
        C five = make<TypeParam>(5);
        a.store(five);
        EXPECT_EQ(a.load(), five);
        EXPECT_EQ(a.load().identity(), five.identity());
        C old = a.exchange(make<TypeParam>(9));
        EXPECT_EQ(old.identity(), five.identity());
        EXPECT_EQ(a.read([](const C& c) { return c.size(); }), 9u);
        immutable::atom<C> b(make<TypeParam>(3));
        EXPECT_EQ(b.load(), make<TypeParam>(3));
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

TYPED_TEST(atom_container, compare_exchange_compares_identity_not_contents) {
    using C = typename TypeParam::type;
    immutable::atom<C> a(make<TypeParam>(40));
    C lookalike = make<TypeParam>(40); // equal contents, different root
    ASSERT_EQ(lookalike, a.load());
    C expected = lookalike;
    EXPECT_FALSE(a.compare_exchange(expected, make<TypeParam>(1)));
    EXPECT_EQ(expected.identity(), a.load().identity()); // loaded the current version
    EXPECT_EQ(a.load().size(), 40u);
    EXPECT_TRUE(a.compare_exchange(expected, TypeParam::grow(expected)));
    EXPECT_EQ(a.load().size(), 41u);
}

TYPED_TEST(atom_container, update_applies_f_and_returns_the_published_version) {
    using C = typename TypeParam::type;
    immutable::atom<C> a;
    for (std::size_t i = 1; i <= 100; ++i) {
        C published = a.update([](const C& c) { return TypeParam::grow(c); });
        EXPECT_EQ(published.size(), i);
        EXPECT_EQ(published.identity(), a.load().identity());
    }
    EXPECT_EQ(a.load(), make<TypeParam>(100));
}

TYPED_TEST(atom_container, a_failed_allocation_in_update_publishes_nothing_and_leaks_nothing) {
    using C = typename TypeParam::type;
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<C> a(make<TypeParam>(100));
        C before = a.load();
        for (std::int64_t k = 0; k < 4; ++k) {
            failing_heap_policy::fail_after(k);
            try {
                (void)a.update([](const C& c) { return TypeParam::grow(TypeParam::grow(c)); });
                failing_heap_policy::never_fail();
                a.store(before); // succeeded: put the original back
            } catch (const std::bad_alloc&) {
                failing_heap_policy::never_fail();
                EXPECT_EQ(a.load().identity(), before.identity());
            }
        }
        EXPECT_EQ(a.load(), make<TypeParam>(100));
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

TYPED_TEST(atom_container, replaced_versions_are_freed_at_this_threads_next_read) {
    using C = typename TypeParam::type;
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<C> a;
        for (std::size_t n : {1u, 40u, 3u, 700u, 2u, 33u}) {
            a.store(make<TypeParam>(n));
            EXPECT_EQ(a.read([](const C& c) { return c.size(); }), n);
            // The atom's box and this thread's cache hold the same version: nothing else.
            EXPECT_EQ(counted_policy::live_nodes() - start, nodes_of<TypeParam>(n));
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

TYPED_TEST(atom_container, an_idle_reader_keeps_one_version_until_it_lets_go) {
    using C = typename TypeParam::type;
    auto start = counted_policy::live_nodes();
    const auto big = nodes_of<TypeParam>(500), small = nodes_of<TypeParam>(4);
    immutable::atom<C> a(make<TypeParam>(500));
    // Another thread caches the big version, then idles (alive) while the atom moves on.
    std::atomic<int> phase{0};
    std::thread idle([&] {
        EXPECT_EQ(a.read([](const C& c) { return c.size(); }), 500u);
        phase.store(1);
        while (phase.load() != 2) std::this_thread::yield();
        a.release_thread_cache(); // lets go while still alive
        phase.store(3);
        while (phase.load() != 4) std::this_thread::yield();
        EXPECT_EQ(a.read([](const C& c) { return c.size(); }), 4u); // caches the small one
    });
    while (phase.load() != 1) std::this_thread::yield();
    for (int i = 0; i < 10; ++i) a.store(make<TypeParam>(4));
    EXPECT_EQ(counted_policy::live_nodes() - start, big + small); // one old version
    phase.store(2);
    while (phase.load() != 3) std::this_thread::yield();
    // The reader dropped the last references to nodes this thread made: they wait for this
    // thread (their owner) to take them back, at its next change or here (docs/memory.md).
    immutable::reclaim_deferred();
    EXPECT_EQ(counted_policy::live_nodes() - start, small);
    phase.store(4);
    idle.join(); // thread exit drops its cache too
    immutable::reclaim_deferred();
    EXPECT_EQ(counted_policy::live_nodes() - start, small);
}

TYPED_TEST(atom_container, snapshots_keep_their_version_after_the_atom_is_gone) {
    using C = typename TypeParam::type;
    auto start = counted_policy::live_nodes();
    C kept;
    {
        auto a = std::make_unique<immutable::atom<C>>(make<TypeParam>(64));
        kept = a->load();
        a->store(make<TypeParam>(2));
    }
    EXPECT_EQ(kept, make<TypeParam>(64));
    EXPECT_EQ(counted_policy::live_nodes() - start, nodes_of<TypeParam>(64));
    kept = C();
    EXPECT_EQ(counted_policy::live_nodes(), start);
}

TYPED_TEST(atom_container, fast_path_reads_make_no_shared_write) {
    using C = typename TypeParam::type;
    immutable::atom<C> a(make<TypeParam>(1000));
    (void)a.read([](const C& c) { return c.size(); });
    auto writes = shared_writes();
    std::size_t found = 0;
    for (std::int64_t k = 0; k < 1000; ++k) {
        found += a.read([&](const C& c) { return c.size() > static_cast<std::size_t>(k) ? 1u : 0u; });
    }
    EXPECT_EQ(found, 1000u);
    EXPECT_EQ(shared_writes(), writes);
}

// A thread_local destructor that runs after the thread's atom record is gone (it was built
// first, so it is destroyed last) can still read: it gets a private copy, and nothing leaks.
namespace {
struct reads_at_thread_exit {
    immutable::atom<list_ops::type>* atom = nullptr;
    std::size_t* seen = nullptr;
    ~reads_at_thread_exit() {
        if (atom != nullptr) *seen = atom->read([](const list_ops::type& l) { return l.size(); });
    }
};
} // namespace

TEST(atom_list, reads_from_thread_local_destructors_after_the_thread_record_is_gone) {
    auto start = counted_policy::live_nodes();
    {
        immutable::atom<list_ops::type> a(make<list_ops>(70));
        std::size_t seen = 0;
        std::thread([&] {
            thread_local reads_at_thread_exit late; // constructed before this thread's record
            late.atom = &a;
            late.seen = &seen;
            EXPECT_EQ(a.read([](const list_ops::type& l) { return l.size(); }), 70u);
        }).join();
        EXPECT_EQ(seen, 70u);
        a.store(make<list_ops>(5));
        EXPECT_EQ(counted_policy::live_nodes() - start, nodes_of<list_ops>(5));
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
}
