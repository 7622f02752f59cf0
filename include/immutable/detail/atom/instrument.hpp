#pragma once
// Counts the writes that atom::read() makes to memory other threads also use (reference
// counts of shared nodes, mutexes, slot tables, hazard pointers). Compiled in only when
// IMMUTABLE_ATOM_INSTRUMENT is defined (define it for the whole program, before any
// include); otherwise every hook is an empty inline function.
//
// Each hook sits beside the write it counts, in the slow path. The fast path has no hook
// because it writes nothing but its own slot's nesting depth (a cache line no other thread
// touches): a test asserts the count stays 0 across fast-path reads, and the benchmark
// reports it per read.

#include <cstdint>

namespace immutable::detail::atom_support {

#if defined(IMMUTABLE_ATOM_INSTRUMENT)
inline constexpr bool instrumented = true;
inline thread_local std::uint64_t shared_writes_in_read = 0;
inline void count_shared_writes(std::uint64_t n) noexcept { shared_writes_in_read += n; }
// Called on this thread while a box is held under its hazard pointer (between validation
// and the copy), so a test can make writers retire a box that a reader protects.
inline thread_local void (*while_protected_hook)() = nullptr;
inline void while_protected() {
    if (while_protected_hook != nullptr) while_protected_hook();
}
#else
inline constexpr bool instrumented = false;
inline void count_shared_writes(std::uint64_t) noexcept {}
inline void while_protected() noexcept {}
#endif

} // namespace immutable::detail::atom_support
