#pragma once
// Compiler hints shared by every engine. One macro prefix: IMMUTABLE_.

#if defined(__GNUC__) || defined(__clang__)
#define IMMUTABLE_LIKELY(x) __builtin_expect(!!(x), 1)
#define IMMUTABLE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define IMMUTABLE_ALWAYS_INLINE inline __attribute__((always_inline))
#define IMMUTABLE_NOINLINE __attribute__((noinline))
#define IMMUTABLE_PREFETCH(addr) __builtin_prefetch(addr)
#else
#define IMMUTABLE_LIKELY(x) (x)
#define IMMUTABLE_UNLIKELY(x) (x)
#define IMMUTABLE_ALWAYS_INLINE inline
#define IMMUTABLE_NOINLINE
#define IMMUTABLE_PREFETCH(addr) ((void)(addr))
#endif
