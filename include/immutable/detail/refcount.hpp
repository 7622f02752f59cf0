#pragma once
// Intrusive reference counts. Every node starts with one of these, so sharing a node costs
// one counter and no separate control block (why not std::shared_ptr: that is a second
// allocation, or a fat pointer, per node). Two kinds:
//   biased_refcount (biased/refcount.hpp)  any thread may share and drop; the thread that
//                                          made the node counts without locked instructions
//   plain_refcount                         values that never cross threads
// Engines never call them directly: ownership.hpp does.

#include <cstdint>

#include <immutable/detail/biased/refcount.hpp>

namespace immutable::detail {

// For values that never cross threads: plain increments, no locked instructions.
class plain_refcount {
public:
    plain_refcount() noexcept = default;
    void retain() noexcept { ++count_; }
    template <class Family>
    [[nodiscard]] bool release(void* /*node*/) noexcept { return --count_ == 0; }
    static void before_allocation() noexcept {}
    [[nodiscard]] bool unique() const noexcept { return count_ == 1; }
    [[nodiscard]] std::uint32_t count() const noexcept { return count_; }

private:
    std::uint32_t count_ = 1;
};

} // namespace immutable::detail
