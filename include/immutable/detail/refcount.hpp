#pragma once
// Intrusive reference counts. Every node starts with one of these, so sharing a node costs
// one counter and no separate control block (why not std::shared_ptr: that is a second
// allocation, or a fat pointer, per node).

#include <atomic>
#include <cstdint>

namespace immutable::detail {

// Safe to retain and release from many threads at once.
class atomic_refcount {
public:
    atomic_refcount() noexcept = default;

    void retain() noexcept { count_.fetch_add(1, std::memory_order_relaxed); }

    // True when this was the last reference: the caller then destroys the node. The
    // acq_rel makes every write to the node by other owners visible to the destroyer.
    [[nodiscard]] bool release() noexcept {
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

private:
    std::atomic<std::uint32_t> count_{1};
};

// For values that never cross threads: plain increments, no locked instructions.
class plain_refcount {
public:
    plain_refcount() noexcept = default;
    void retain() noexcept { ++count_; }
    [[nodiscard]] bool release() noexcept { return --count_ == 0; }
    [[nodiscard]] bool unique() const noexcept { return count_ == 1; }
    [[nodiscard]] std::uint32_t count() const noexcept { return count_; }

private:
    std::uint32_t count_ = 1;
};

} // namespace immutable::detail
