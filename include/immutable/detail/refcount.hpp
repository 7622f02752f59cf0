#pragma once
// Intrusive reference counts. Every node starts with one of these, so sharing a node costs
// one counter and no separate control block (why not std::shared_ptr: that is a second
// allocation, or a fat pointer, per node). Two kinds:
//   biased_refcount (biased/refcount.hpp)  any thread may share and drop; the thread that
//                                          made the node counts without locked instructions
//   plain_refcount                         values that never cross threads
// Engines never call them directly: ownership.hpp does.

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

// True while the process has never had a second thread (glibc 2.32+; elsewhere, or with
// IMMUTABLE_ALWAYS_ATOMIC_COUNTS defined, always false). glibc clears the flag inside
// pthread_create, before the new thread runs, so every plain write made until then
// happens-before any access by another thread; libstdc++'s shared_ptr relies on the same
// flag. The list's claimed tail slot (rrb/node.hpp) uses it to skip a compare-and-swap.
inline bool process_is_single_threaded() noexcept {
#if defined(IMMUTABLE_HAVE_LIBC_SINGLE_THREADED) && !defined(IMMUTABLE_ALWAYS_ATOMIC_COUNTS)
    return __libc_single_threaded != 0;
#else
    return false;
#endif
}

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
