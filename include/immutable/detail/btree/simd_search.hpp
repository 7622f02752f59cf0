#pragma once
// Persistent B+tree: finding where a target falls among a node's keys with vector compares,
// for 64-bit integer keys under std::less / std::greater. OFF by default.
//
// Why it exists, and why it is off. The scalar scan in search.hpp stops at the first key
// not below the target; its exit branch mispredicts about once per node. Comparing two or
// four keys per instruction was meant to cut that cost. Measured (docs/sorted_map.md), it
// made lookups slower at 1k and 100k entries with every instruction set below, and at 1M
// gave no consistent gain (AVX2 faster in one measurement, slower in another): the scalar
// scan's exit is a compare of a loaded key, so the processor predicts it, loads the next
// node speculatively and often guesses right, while a vector count feeds the child index
// through a longer chain (load, shuffle, compare, mask, popcount) that the next load must
// wait for. The code stays so the measurement can be repeated:
//   IMMUTABLE_BTREE_SIMD=0   (default) scalar scan
//   IMMUTABLE_BTREE_SIMD=1   count every key, no branch on the keys
//   IMMUTABLE_BTREE_SIMD=2   stop at the first chunk of keys that are not all below
//
// Instructions, chosen at compile time from the compiler's predefined macros (the build
// sets no -march, so plain x86-64 builds take the SSE2 path):
//   __AVX2__                  four keys per compare (vpcmpgtq)
//   __SSE4_2__                two keys per compare (pcmpgtq)
//   __SSE2__ (all x86-64)     two keys per compare, the 64-bit signed compare built from
//                             32-bit ones (SSE2 has no 64-bit compare)
//   __ARM_NEON on aarch64     two keys per compare (cmgt)
//   anything else             the scalar scan in this file (same result)
//
// Layout. Inner nodes hold their keys in one array; set leaves hold the keys themselves;
// map leaves hold std::pair<Key, V> with V of 8 bytes or less, so the keys are every other
// 8-byte word and two loads are interleaved into one vector of keys. Other layouts use the
// scan in search.hpp. Unsigned keys are compared as signed after flipping their top bit. Only
// entries [0, n) are read (nothing past the last one), and the result is always in
// [0, n] whatever the keys.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>
#include <utility>

#include <immutable/detail/config.hpp>

#ifndef IMMUTABLE_BTREE_SIMD
#define IMMUTABLE_BTREE_SIMD 0
#endif

#if IMMUTABLE_BTREE_SIMD && (defined(__AVX2__) || defined(__SSE4_2__) || defined(__SSE2__))
#include <immintrin.h>
#define IMMUTABLE_BTREE_SIMD_X86 1
#elif IMMUTABLE_BTREE_SIMD && defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#define IMMUTABLE_BTREE_SIMD_NEON 1
#endif

namespace immutable::detail::btree::simd {

#if defined(IMMUTABLE_BTREE_SIMD_X86) || defined(IMMUTABLE_BTREE_SIMD_NEON)
#define IMMUTABLE_BTREE_SIMD_ANY 1
inline constexpr bool available = true;
#else
inline constexpr bool available = false;
#endif

// 0: no vector count for this order; 1: Compare is "<"; -1: Compare is ">".
template <class Compare, class Key>
inline constexpr int order_sign =
    (std::is_same_v<Compare, std::less<Key>> || std::is_same_v<Compare, std::less<>>)         ? 1
    : (std::is_same_v<Compare, std::greater<Key>> || std::is_same_v<Compare, std::greater<>>) ? -1
                                                                                                : 0;

template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

// Bytes from one key to the next in a leaf's entries: 8 (the entry is the key), 16 (a pair
// whose first member is the key, padded to 16 bytes), else 0 (not supported).
template <class Entry, class Key>
constexpr std::size_t entry_stride() {
    if constexpr (std::is_same_v<Entry, Key>) {
        return sizeof(Key);
    } else if constexpr (is_pair<Entry>::value) {
        if constexpr (std::is_same_v<typename Entry::first_type, Key> && sizeof(Entry) == 2 * sizeof(Key) &&
                      std::is_standard_layout_v<Entry>) {
            return sizeof(Entry);
        }
    }
    return 0;
}

template <class Key, class Compare>
inline constexpr bool key_supported = available && std::is_integral_v<Key> && sizeof(Key) == 8 &&
                                      !std::is_same_v<Key, bool> && order_sign<Compare, Key> != 0;

// Reads an 8-byte key as a signed 64-bit integer; unsigned keys get their top bit flipped,
// which maps unsigned order onto signed order.
template <class Key>
IMMUTABLE_ALWAYS_INLINE std::int64_t as_signed(Key k) noexcept {
    std::uint64_t u = static_cast<std::uint64_t>(k);
    if constexpr (std::is_unsigned_v<Key>) u ^= std::uint64_t(1) << 63;
    return static_cast<std::int64_t>(u);
}

// How many of the first `lanes` keys from q (one every Stride bytes) satisfy `a > b`,
// where (a, b) is (k, x) when KeyLeft, else (x, k), in signed order after as_signed.
// `kv` holds k in every lane. One vector compare per call.
#if defined(IMMUTABLE_BTREE_SIMD_X86) && defined(__AVX2__)
inline constexpr std::size_t lanes = 4;
using key_vector = __m256i;
IMMUTABLE_ALWAYS_INLINE key_vector broadcast(std::int64_t k) noexcept { return _mm256_set1_epi64x(k); }
template <bool KeyLeft, std::size_t Stride, bool Flip>
IMMUTABLE_ALWAYS_INLINE std::size_t chunk_greater(const unsigned char* q, key_vector kv) noexcept {
    __m256i x;
    if constexpr (Stride == 8) {
        x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
    } else {
        // Keys of entries 0, 2, 1, 3: the order does not matter for a count.
        x = _mm256_unpacklo_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32)));
    }
    if constexpr (Flip) x = _mm256_xor_si256(x, _mm256_set1_epi64x(INT64_MIN));
    const __m256i gt = KeyLeft ? _mm256_cmpgt_epi64(kv, x) : _mm256_cmpgt_epi64(x, kv);
    const unsigned bits = static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(gt)));
    return (0x4332322132212110ull >> (4 * bits)) & 0xF; // population count of 4 bits
}
#elif defined(IMMUTABLE_BTREE_SIMD_X86)
inline constexpr std::size_t lanes = 2;
using key_vector = __m128i;
IMMUTABLE_ALWAYS_INLINE key_vector broadcast(std::int64_t k) noexcept { return _mm_set1_epi64x(k); }
template <bool KeyLeft, std::size_t Stride, bool Flip>
IMMUTABLE_ALWAYS_INLINE std::size_t chunk_greater(const unsigned char* q, key_vector kv) noexcept {
    __m128i x;
    if constexpr (Stride == 8) {
        x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    } else {
        x = _mm_unpacklo_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)),
                               _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16)));
    }
    if constexpr (Flip) x = _mm_xor_si128(x, _mm_set1_epi64x(INT64_MIN));
    const __m128i a = KeyLeft ? kv : x;
    const __m128i b = KeyLeft ? x : kv;
#if defined(__SSE4_2__)
    const __m128i gt = _mm_cmpgt_epi64(a, b);
#else
    // SSE2 has no 64-bit compare. The high halves decide unless they are equal; then the
    // borrow of b - a (the sign of its high half) says whether a's low half is above b's.
    // Only the sign bit of each lane is meaningful, which is what movemask reads.
    const __m128i gt = _mm_or_si128(_mm_cmpgt_epi32(a, b), _mm_and_si128(_mm_cmpeq_epi32(a, b), _mm_sub_epi64(b, a)));
#endif
    const unsigned bits = static_cast<unsigned>(_mm_movemask_pd(_mm_castsi128_pd(gt)));
    return (bits & 1) + (bits >> 1);
}
#elif defined(IMMUTABLE_BTREE_SIMD_NEON)
inline constexpr std::size_t lanes = 2;
using key_vector = int64x2_t;
IMMUTABLE_ALWAYS_INLINE key_vector broadcast(std::int64_t k) noexcept { return vdupq_n_s64(k); }
template <bool KeyLeft, std::size_t Stride, bool Flip>
IMMUTABLE_ALWAYS_INLINE std::size_t chunk_greater(const unsigned char* q, key_vector kv) noexcept {
    const auto* w = reinterpret_cast<const std::int64_t*>(q);
    int64x2_t x;
    if constexpr (Stride == 8) {
        x = vld1q_s64(w);
    } else {
        x = vld2q_s64(w).val[0]; // de-interleaves (key, value) pairs
    }
    if constexpr (Flip) x = vreinterpretq_s64_u64(veorq_u64(vreinterpretq_u64_s64(x), vdupq_n_u64(std::uint64_t(1) << 63)));
    const uint64x2_t gt = KeyLeft ? vcgtq_s64(kv, x) : vcgtq_s64(x, kv);
    return static_cast<std::size_t>(vaddvq_u64(vshrq_n_u64(gt, 63)));
}
#endif

// Is `a > b` (as in chunk_greater) for the key at q? Negate asks for the opposite.
template <bool KeyLeft, bool Negate, bool Flip>
IMMUTABLE_ALWAYS_INLINE bool one_holds(const unsigned char* q, std::int64_t k) noexcept {
    std::int64_t x;
    std::memcpy(&x, q, sizeof x);
    if constexpr (Flip) x = as_signed(static_cast<std::uint64_t>(x));
    return (KeyLeft ? k > x : x > k) != Negate;
}

// Number of leading keys among n keys from p (Stride bytes apart) for which `a > b` (as in
// chunk_greater) holds, or does not hold when Negate. The keys are sorted, so those keys
// form a prefix, and counting all of them (Mode 1, no branch on the keys) or stopping at
// the first chunk in which not all hold (Mode 2, one exit branch per node) gives the same
// number. Without vector instructions, a scalar scan.
template <int Mode, bool KeyLeft, bool Negate, std::size_t Stride, class Key>
IMMUTABLE_ALWAYS_INLINE std::size_t prefix_count(const unsigned char* p, std::size_t n, Key key) noexcept {
    static_assert(Stride == 8 || Stride == 16);
    constexpr bool flip = std::is_unsigned_v<Key>;
    const std::int64_t k = as_signed(key);
    std::size_t i = 0;
#if defined(IMMUTABLE_BTREE_SIMD_ANY)
    const key_vector kv = broadcast(k);
    if constexpr (Mode == 1) {
        std::size_t total = 0;
        for (; i + lanes <= n; i += lanes) {
            const std::size_t gt = chunk_greater<KeyLeft, Stride, flip>(p + i * Stride, kv);
            total += Negate ? lanes - gt : gt;
        }
        for (; i < n; ++i) total += one_holds<KeyLeft, Negate, flip>(p + i * Stride, k) ? 1 : 0;
        return total;
    }
    for (; i + lanes <= n; i += lanes) {
        const std::size_t gt = chunk_greater<KeyLeft, Stride, flip>(p + i * Stride, kv);
        const std::size_t c = Negate ? lanes - gt : gt;
        if (c != lanes) return i + c;
    }
#endif
    while (i < n && one_holds<KeyLeft, Negate, flip>(p + i * Stride, k)) ++i;
    return i;
}

// Number of keys x in the node (n keys from p, Stride bytes apart) with comp(x, k): the
// lower bound of k.
template <class Compare, std::size_t Stride, int Mode = IMMUTABLE_BTREE_SIMD, class Key>
IMMUTABLE_ALWAYS_INLINE std::size_t count_below(const unsigned char* p, std::size_t n, const Key& k) noexcept {
    // "<": x < k is k > x. ">": x > k.
    return prefix_count<Mode, (order_sign<Compare, Key> > 0), false, Stride>(p, n, k);
}

// Number of keys x with !comp(k, x): the upper bound of k.
template <class Compare, std::size_t Stride, int Mode = IMMUTABLE_BTREE_SIMD, class Key>
IMMUTABLE_ALWAYS_INLINE std::size_t count_not_above(const unsigned char* p, std::size_t n, const Key& k) noexcept {
    // "<": !(k < x) is !(x > k). ">": !(k > x).
    return prefix_count<Mode, (order_sign<Compare, Key> < 0), true, Stride>(p, n, k);
}

} // namespace immutable::detail::btree::simd
