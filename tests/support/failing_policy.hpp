#pragma once
// Memory policies for tests. Nodes come from the heap, and the k-th allocation can be made
// to throw std::bad_alloc, to test that a failed operation leaves every version intact and
// leaks nothing. Counting live nodes is immutable::counted's job (memory.hpp): tests wrap
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

// The policy of the container tests: shareable across threads, failable through
// failing_heap_policy::fail_after, and counted (live_nodes(), live_bytes(), stats()).
using counted_policy = counted<failing_heap_policy>;

static_assert(memory_policy<counted_policy>);

} // namespace immutable::test
