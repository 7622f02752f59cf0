#pragma once
// A memory policy for tests: counts live nodes so a test can assert that every node is
// freed once the last version goes away, and can make the k-th allocation fail to test
// that a failed operation leaves every version intact and leaks nothing.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include <immutable/memory.hpp>

namespace immutable::test {

struct counting_policy {
    using refcount = detail::atomic_refcount;

    static inline std::atomic<std::int64_t> live_nodes{0};
    static inline std::atomic<std::int64_t> live_bytes{0};
    static inline std::atomic<std::int64_t> allocations{0};
    // Allocations left before one throws std::bad_alloc; negative means never.
    static inline std::atomic<std::int64_t> fail_countdown{-1};

    static void* allocate(std::size_t bytes) {
        if (fail_countdown.load(std::memory_order_relaxed) >= 0 &&
            fail_countdown.fetch_sub(1, std::memory_order_relaxed) == 0) {
            throw std::bad_alloc();
        }
        void* p = ::operator new(bytes);
        live_nodes.fetch_add(1, std::memory_order_relaxed);
        live_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        allocations.fetch_add(1, std::memory_order_relaxed);
        return p;
    }

    static void deallocate(void* p, std::size_t bytes) noexcept {
        live_nodes.fetch_sub(1, std::memory_order_relaxed);
        live_bytes.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        detail::sized_delete(p, bytes);
    }

    // Make the allocation after `n` more successful ones throw (n = 0: the next one).
    static void fail_after(std::int64_t n) { fail_countdown.store(n); }
    static void never_fail() { fail_countdown.store(-1); }
};

static_assert(memory_policy<counting_policy>);

} // namespace immutable::test
