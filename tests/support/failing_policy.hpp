#pragma once
// Memory policies for tests. Nodes come from the heap, and the k-th allocation can be made
// to throw std::bad_alloc (or every allocation past a byte budget), to test that a failed
// operation leaves every version intact and leaks nothing. Counting live nodes is immutable::counted's job (memory.hpp): tests wrap
// these policies in it, as counted_policy below does.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include <immutable/memory.hpp>

namespace immutable::test {

// Heap memory with one failure switch per instantiation (Refcount and Tag pick it).
template <class Refcount, class Tag = void>
struct basic_failing_heap_policy {
    using refcount = Refcount;

    static void* allocate(std::size_t bytes) {
        if (countdown_.load(std::memory_order_relaxed) >= 0 &&
            countdown_.fetch_sub(1, std::memory_order_relaxed) == 0) {
            throw std::bad_alloc();
        }
        return ::operator new(bytes);
    }

    static void deallocate(void* p, std::size_t bytes) noexcept { detail::sized_delete(p, bytes); }

    // Makes the allocation after `n` more successful ones throw, once (n = 0: the next one).
    static void fail_after(std::int64_t n) noexcept { countdown_.store(n); }
    static void never_fail() noexcept { countdown_.store(-1); }

private:
    // Allocations left before one throws; negative means never.
    static inline std::atomic<std::int64_t> countdown_{-1};
};

using failing_heap_policy = basic_failing_heap_policy<detail::biased_refcount>;

// Heap memory with a byte budget, like a process at its memory limit: an allocation that
// would take the bytes live through this policy over the budget throws std::bad_alloc, and
// succeeds again once enough of them are freed.
template <class Refcount, class Tag = void>
struct basic_capped_heap_policy {
    using refcount = Refcount;

    static void* allocate(std::size_t bytes) {
        const auto b = static_cast<std::int64_t>(bytes);
        std::int64_t in_use = in_use_.load(std::memory_order_relaxed);
        do {
            if (in_use + b > budget_.load(std::memory_order_relaxed)) throw std::bad_alloc();
        } while (!in_use_.compare_exchange_weak(in_use, in_use + b, std::memory_order_relaxed));
        try {
            return ::operator new(bytes);
        } catch (...) {
            in_use_.fetch_sub(b, std::memory_order_relaxed);
            throw;
        }
    }

    static void deallocate(void* p, std::size_t bytes) noexcept {
        in_use_.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        detail::sized_delete(p, bytes);
    }

    // Allocations fail while they would take bytes_in_use() over `bytes`.
    static void limit_to(std::int64_t bytes) noexcept { budget_.store(bytes); }
    static void unlimited() noexcept { budget_.store(INT64_MAX); }
    static std::int64_t bytes_in_use() noexcept { return in_use_.load(std::memory_order_relaxed); }

private:
    static inline std::atomic<std::int64_t> budget_{INT64_MAX};
    static inline std::atomic<std::int64_t> in_use_{0};
};

using capped_heap_policy = basic_capped_heap_policy<detail::biased_refcount>;

// The policy of the container tests: shareable across threads, failable through
// failing_heap_policy::fail_after, and counted (live_nodes(), live_bytes(), stats()).
using counted_policy = counted<failing_heap_policy>;

static_assert(memory_policy<counted_policy>);

} // namespace immutable::test
