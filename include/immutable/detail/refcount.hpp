#pragma once
// Intrusive reference counts. Every node starts with one of these, so sharing a node costs
// one counter and no separate control block (why not std::shared_ptr: that is a second
// allocation, or a fat pointer, per node).

#include <atomic>
#include <cstdint>

#include <immutable/detail/biased/refcount.hpp>

#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define IMMUTABLE_HAVE_LIBC_SINGLE_THREADED 1
#endif
#endif

namespace immutable::detail {

// True while the process has never had a second thread (glibc 2.32+; elsewhere always
// false). glibc clears the flag inside pthread_create, before the new thread runs, so
// every count changed with plain instructions until then happens-before any access by
// another thread; libstdc++'s shared_ptr relies on the same flag.
inline bool process_is_single_threaded() noexcept {
#if defined(IMMUTABLE_HAVE_LIBC_SINGLE_THREADED) && !defined(IMMUTABLE_ALWAYS_ATOMIC_COUNTS)
    return __libc_single_threaded != 0;
#else
    return false;
#endif
}

// Safe to retain and release from many threads at once. While the process has a single
// thread, the count changes with a plain load and store instead of a locked instruction
// (several nanoseconds each on some machines, and an update retains and releases dozens).
class atomic_refcount {
public:
    atomic_refcount() noexcept = default;

    void retain() noexcept {
        if (process_is_single_threaded())
            count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        else
            count_.fetch_add(1, std::memory_order_relaxed);
    }

    // True when this was the last reference: the caller then destroys the node. The
    // acq_rel makes every write to the node by other owners visible to the destroyer.
    // A holder that sees a count of one is the only one left: nobody else can retain the
    // node any more, so the locked decrement is skipped. `Family` and the node's address
    // are what other kinds of count need to hand the node over (ownership.hpp).
    template <class Family = void>
    [[nodiscard]] bool release(void* /*node*/ = nullptr) noexcept {
        if (unique()) return true;
        if (process_is_single_threaded()) {
            const std::uint32_t left = count_.load(std::memory_order_relaxed) - 1;
            count_.store(left, std::memory_order_relaxed);
            return left == 0;
        }
        return count_.fetch_sub(1, std::memory_order_acq_rel) == 1;
    }

    // True when the caller holds the only reference, so it may change the node in place.
    // The acquire pairs with release() above: writes by former owners are visible.
    [[nodiscard]] bool unique() const noexcept {
        return count_.load(std::memory_order_acquire) == 1;
    }

    [[nodiscard]] std::uint32_t count() const noexcept {
        return count_.load(std::memory_order_relaxed);
    }

    // Called before every node allocation (ownership.hpp's node_memory): nothing to do.
    static void before_allocation() noexcept {}

private:
    std::atomic<std::uint32_t> count_{1};
};

// For values that never cross threads: plain increments, no locked instructions.
class plain_refcount {
public:
    plain_refcount() noexcept = default;
    void retain() noexcept { ++count_; }
    template <class Family = void>
    [[nodiscard]] bool release(void* /*node*/ = nullptr) noexcept { return --count_ == 0; }
    static void before_allocation() noexcept {}
    [[nodiscard]] bool unique() const noexcept { return count_ == 1; }
    [[nodiscard]] std::uint32_t count() const noexcept { return count_; }

private:
    std::uint32_t count_ = 1;
};

} // namespace immutable::detail
