#pragma once
// Memory policies: where nodes come from and how their reference counts are kept.
//
// Every container takes a policy as its last template argument. A policy is a type with
//   using refcount = detail::biased_refcount or detail::plain_refcount;
//   static void* allocate(std::size_t bytes);               // aligned for std::max_align_t
//   static void deallocate(void* p, std::size_t bytes) noexcept;  // bytes as allocated
// Engines allocate every node (header plus trailing elements) with one allocate() call.
//
// Which to pick:
//   heap_policy (the default)  any sharing across threads; nodes from operator new.
//   single_thread_heap_policy  values that never cross threads: reference counts are
//                              plain integers, a persistent update skips locked instructions.
//   pooled_policy,             the same two choices with nodes recycled through per-thread
//   single_thread_pooled_policy  caches of free blocks: see <immutable/pool.hpp>.
//   counted<P>                 P plus live-node accounting (tests assert nothing leaks).
// docs/memory.md explains the trade-offs.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <concepts>
#include <new>

#include <immutable/detail/refcount.hpp>

namespace immutable {

namespace detail {
// operator delete with the size when the compiler offers it (clang before 19 declares the
// sized form only under -fsized-deallocation), the plain one otherwise.
inline void sized_delete(void* p, std::size_t bytes) noexcept {
#if defined(__cpp_sized_deallocation)
    ::operator delete(p, bytes);
#else
    (void)bytes;
    ::operator delete(p);
#endif
}
} // namespace detail

struct heap_policy {
    using refcount = detail::biased_refcount;
    static void* allocate(std::size_t bytes) { return ::operator new(bytes); }
    static void deallocate(void* p, std::size_t bytes) noexcept { detail::sized_delete(p, bytes); }
};

struct single_thread_heap_policy {
    using refcount = detail::plain_refcount;
    static void* allocate(std::size_t bytes) { return ::operator new(bytes); }
    static void deallocate(void* p, std::size_t bytes) noexcept { detail::sized_delete(p, bytes); }
};

using default_policy = heap_policy;

// Nodes whose last reference another thread dropped wait for the thread that created them
// (their owner) to take them back: at its next node allocation, at its exit, or when it
// calls reclaim_deferred(). A thread that stays idle for long while others drop what it
// made can call reclaim_deferred() to give that memory back now. Returns the nodes taken
// back. Only the thread-safe policies (heap_policy, pooled_policy) defer; docs/memory.md.
inline std::int64_t reclaim_deferred() noexcept { return detail::biased_refcount::drain_this_thread(); }

// How many nodes wait for their owner thread right now, over all threads, and the most
// that did at once since the process started or since reset_deferred_peak().
struct deferred_stats {
    std::int64_t queued = 0;
    std::int64_t peak_queued = 0;
};
inline deferred_stats deferred_release_stats() noexcept {
    return {detail::biased::deferral.queued.load(std::memory_order_relaxed),
            detail::biased::deferral.peak.load(std::memory_order_relaxed)};
}
// Starts a new peak from the number waiting now (to measure one phase of a program).
inline void reset_deferred_peak() noexcept {
    detail::biased::deferral.peak.store(detail::biased::deferral.queued.load(std::memory_order_relaxed),
                                        std::memory_order_relaxed);
}

// The requirements above as a concept, so a wrong policy fails with one readable line.
template <class P>
concept memory_policy = requires(std::size_t n, void* p) {
    typename P::refcount;
    { P::allocate(n) } -> std::same_as<void*>;
    P::deallocate(p, n);
};

// What a policy can report about its memory at run time. Policies without pools leave the
// pool fields at 0. Totals are exact once the threads that used the policy are quiet;
// while they run, a snapshot may mix moments (each field is read separately).
struct memory_stats {
    std::int64_t allocations = 0;       // allocate() calls so far
    std::int64_t deallocations = 0;     // deallocate() calls so far
    std::int64_t reuses = 0;            // allocations served by a pooled free block, no upstream call
    std::int64_t live_nodes = 0;        // allocations - deallocations
    std::int64_t live_bytes = 0;        // bytes asked for by the live nodes
    std::int64_t held_bytes = 0;        // free blocks kept for reuse, all threads and the shared pool
    std::int64_t shared_held_bytes = 0; // the part of held_bytes in the shared pool

    friend bool operator==(const memory_stats&, const memory_stats&) = default;
};

// A policy with run-time accounting: `P::stats()` returns memory_stats.
template <class P>
concept policy_with_stats = memory_policy<P> && requires {
    { P::stats() } -> std::same_as<memory_stats>;
};

// Any policy plus exact live-node accounting, for tests and leak hunting: every allocate()
// and deallocate() through counted<P> updates relaxed atomic counters (one locked add each,
// so keep it out of hot release paths). Distinct Tags get distinct counters.
//   using policy = immutable::counted<immutable::pooled_policy>;
//   ... build and drop containers ...
//   assert(policy::live_nodes() == 0);
template <memory_policy Policy, class Tag = void>
struct counted {
    using refcount = typename Policy::refcount;
    using base_policy = Policy;

    static void* allocate(std::size_t bytes) {
        void* p = Policy::allocate(bytes); // a throw leaves the counters untouched
        allocations_.fetch_add(1, std::memory_order_relaxed);
        bytes_allocated_.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        return p;
    }

    static void deallocate(void* p, std::size_t bytes) noexcept {
        deallocations_.fetch_add(1, std::memory_order_relaxed);
        bytes_freed_.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        Policy::deallocate(p, bytes);
    }

    // Counts of calls made through this wrapper only (pool fields stay 0).
    static memory_stats stats() noexcept {
        memory_stats s;
        s.allocations = allocations_.load(std::memory_order_relaxed);
        s.deallocations = deallocations_.load(std::memory_order_relaxed);
        s.live_nodes = s.allocations - s.deallocations;
        s.live_bytes = bytes_allocated_.load(std::memory_order_relaxed) -
                       bytes_freed_.load(std::memory_order_relaxed);
        return s;
    }

    static std::int64_t live_nodes() noexcept { return stats().live_nodes; }
    static std::int64_t live_bytes() noexcept { return stats().live_bytes; }

private:
    static inline std::atomic<std::int64_t> allocations_{0};
    static inline std::atomic<std::int64_t> deallocations_{0};
    static inline std::atomic<std::int64_t> bytes_allocated_{0};
    static inline std::atomic<std::int64_t> bytes_freed_{0};
};

} // namespace immutable
