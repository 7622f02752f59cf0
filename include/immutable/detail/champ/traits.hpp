#pragma once
// What the CHAMP engine needs to know about the container on top of it: the stored entry,
// how to get its key, and how to hash and compare keys. map stores std::pair<K, V> and
// set stores T itself; everything else in detail/champ is shared.

#include <concepts>
#include <cstdint>
#include <functional>
#include <utility>

#include <immutable/detail/champ/node.hpp>

namespace immutable::detail::champ {

// The number of hash bits consumed per level: 5 (32-slot nodes) rather than 6 because a
// path copy retains every child of every copied node, so smaller nodes make persistent
// inserts faster and entries smaller, for slightly slower lookups (docs/map.md).
inline constexpr unsigned default_bits = 5;

template <class Hash, class Key>
IMMUTABLE_ALWAYS_INLINE std::uint64_t hash_key(const Key& k) {
    auto h = static_cast<std::uint64_t>(Hash{}(k));
    if constexpr (avalanching_hash<Hash>) {
        return h;
    } else {
        return mix_hash(h);
    }
}

template <class K, class V, class Hash, class Equal, class Policy>
struct map_traits {
    using entry_type = std::pair<K, V>;
    using key_type = K;
    using hasher = Hash;
    using key_equal = Equal;
    using policy = Policy;
    static constexpr unsigned bits = default_bits;
    static constexpr bool has_mapped = true;
    static constexpr const char* size_limit_message = "immutable::map: more than 2^32 - 1 entries";

    static IMMUTABLE_ALWAYS_INLINE const K& key(const entry_type& e) noexcept { return e.first; }
    static IMMUTABLE_ALWAYS_INLINE std::uint64_t hash(const K& k) { return hash_key<Hash>(k); }
    static IMMUTABLE_ALWAYS_INLINE bool equal(const K& a, const K& b) { return Equal{}(a, b); }
    // Lookups by another type (transparent Hash and Equal only: see map::find).
    template <class Q>
    static IMMUTABLE_ALWAYS_INLINE std::uint64_t hash(const Q& k) { return hash_key<Hash>(k); }
    template <class Q>
    static IMMUTABLE_ALWAYS_INLINE bool equal(const K& a, const Q& b) { return Equal{}(a, b); }
    // Whether two entries with equal keys also carry equal values.
    static bool same_mapped(const entry_type& a, const entry_type& b) { return a.second == b.second; }
};

template <class T, class Hash, class Equal, class Policy>
struct set_traits {
    using entry_type = T;
    using key_type = T;
    using hasher = Hash;
    using key_equal = Equal;
    using policy = Policy;
    static constexpr unsigned bits = default_bits;
    static constexpr bool has_mapped = false;
    static constexpr const char* size_limit_message = "immutable::set: more than 2^32 - 1 elements";

    static IMMUTABLE_ALWAYS_INLINE const T& key(const entry_type& e) noexcept { return e; }
    static IMMUTABLE_ALWAYS_INLINE std::uint64_t hash(const T& k) { return hash_key<Hash>(k); }
    static IMMUTABLE_ALWAYS_INLINE bool equal(const T& a, const T& b) { return Equal{}(a, b); }
    // Lookups by another type (transparent Hash and Equal only: see map::find).
    template <class Q>
    static IMMUTABLE_ALWAYS_INLINE std::uint64_t hash(const Q& k) { return hash_key<Hash>(k); }
    template <class Q>
    static IMMUTABLE_ALWAYS_INLINE bool equal(const T& a, const Q& b) { return Equal{}(a, b); }
    static bool same_mapped(const entry_type&, const entry_type&) noexcept { return true; }
};

} // namespace immutable::detail::champ
