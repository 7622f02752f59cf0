#pragma once
// Precondition checks of the unchecked accessors (operator[], iterator dereference and
// arithmetic), on in debug builds only, as libstdc++'s hardened mode does it.
//
// They are on when IMMUTABLE_ASSERTIONS or _GLIBCXX_ASSERTIONS (what Debian's and many
// projects' debug builds define) is defined before the first immutable header; a failed
// check prints what was asked and what there was, then calls std::abort(). With neither
// macro the checks expand to nothing: no code, no branch. Define the same macros in every
// translation unit of a program, as with _GLIBCXX_ASSERTIONS itself.

#if defined(IMMUTABLE_ASSERTIONS) || defined(_GLIBCXX_ASSERTIONS)

#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include <immutable/detail/config.hpp>

#define IMMUTABLE_ASSERTIONS_ENABLED 1

namespace immutable::detail {

[[noreturn]] IMMUTABLE_NOINLINE inline void assertion_failed(const char* where, const char* what) noexcept {
    std::fprintf(stderr, "%s: precondition failed: %s\n", where, what);
    std::fflush(stderr);
    std::abort();
}

[[noreturn]] IMMUTABLE_NOINLINE inline void index_assertion_failed(const char* where, std::size_t index,
                                                                    std::size_t size) noexcept {
    std::fprintf(stderr, "%s: precondition failed: index %zu is out of range for size %zu\n", where,
                 index, size);
    std::fflush(stderr);
    std::abort();
}

} // namespace immutable::detail

// IMMUTABLE_ASSERT(condition, where, what): `where` names the accessor, `what` the broken
// precondition, e.g. IMMUTABLE_ASSERT(p != nullptr, "immutable::list::iterator::operator*",
// "dereferencing an end iterator").
#define IMMUTABLE_ASSERT(condition, where, what) \
    (IMMUTABLE_LIKELY(condition) ? void() : ::immutable::detail::assertion_failed(where, what))
// IMMUTABLE_ASSERT_INDEX(index, size, where): index < size.
#define IMMUTABLE_ASSERT_INDEX(index, size, where) \
    (IMMUTABLE_LIKELY((index) < (size)) ? void() : ::immutable::detail::index_assertion_failed(where, index, size))

#else

#define IMMUTABLE_ASSERTIONS_ENABLED 0
#define IMMUTABLE_ASSERT(condition, where, what) ((void)0)
#define IMMUTABLE_ASSERT_INDEX(index, size, where) ((void)0)

#endif
