#pragma once
// Persistent B+tree: searching inside one node.
//
// For the standard orders on built-in keys a node is scanned linearly, stopping at the
// first key that is not below the target. The exit branch mispredicts about once per node,
// but the scan has no chain of dependent loads, so the processor runs ahead into the next
// node while the branch resolves; a branch-free binary search (fewer instructions, one
// load feeding the next) and a branch-free count of every key were both measured slower
// (docs/sorted_map.md). Other keys use a binary search, since their comparisons are the
// expensive part. Every form only ever returns an index inside the node, whatever the
// comparator answers: a comparator that is not a strict weak order gives unspecified
// results, never an out-of-bounds access.

#include <cstddef>

#include <immutable/detail/btree/node.hpp>

namespace immutable::detail::btree {

// How nodes are searched under a cheap order (see above): 3 = linear scan stopping at the
// first key not below (the default), 1 = branch-free binary search, 2 = branch-free count
// of every key. The alternatives stay so the measurement can be repeated.
#ifndef IMMUTABLE_BTREE_CHEAP_SEARCH
#define IMMUTABLE_BTREE_CHEAP_SEARCH 3
#endif

// The searches take the target as any type Q the comparator accepts: the key type, or, for
// a transparent comparator (std::less<>), what the user looks up with (a std::string_view
// among std::string keys).

// Number of keys in a[0, n) for which below(a[i]) holds, assuming they form a prefix
// (sorted keys). Whatever `below` answers, the result is in [0, n].
template <class T, class Below>
IMMUTABLE_ALWAYS_INLINE std::size_t cheap_prefix(const T* a, std::size_t n, Below below) {
#if IMMUTABLE_BTREE_CHEAP_SEARCH == 1
    // Halve the window with a conditional move per step; no branch depends on the keys.
    if (n == 0) return 0;
    const T* base = a;
    std::size_t len = n;
    while (len > 1) {
        const std::size_t half = len / 2;
        base = below(base[half - 1]) ? base + half : base;
        len -= half;
    }
    return static_cast<std::size_t>(base - a) + (below(*base) ? 1 : 0);
#elif IMMUTABLE_BTREE_CHEAP_SEARCH == 2
    std::size_t r = 0;
    for (std::size_t i = 0; i < n; ++i) r += below(a[i]) ? 1 : 0;
    return r;
#else
    std::size_t i = 0;
    while (i < n && below(a[i])) ++i;
    return i;
#endif
}

// The same over the keys of a leaf's entries.
template <class P, class Below>
IMMUTABLE_ALWAYS_INLINE std::size_t cheap_leaf_prefix(const leaf_node<P>* leaf, Below below) {
    return cheap_prefix(leaf->entries(), leaf->count,
                        [&](const typename P::entry_type& e) { return below(entry_key<P>(e)); });
}

// Number of entries in [0, count) whose key is less than k (lower bound).
template <class P, class Q>
IMMUTABLE_ALWAYS_INLINE std::size_t leaf_lower_bound(const leaf_node<P>* leaf, const Q& k,
                                                     const typename P::compare& comp) {
    if constexpr (P::linear_search) {
        return cheap_leaf_prefix(leaf, [&](const typename P::key_type& x) { return comp(x, k); });
    } else {
        const auto* e = leaf->entries();
        std::size_t lo = 0, len = leaf->count;
        while (len > 0) {
            std::size_t half = len / 2;
            if (comp(entry_key<P>(e[lo + half]), k)) {
                lo += half + 1;
                len -= half + 1;
            } else {
                len = half;
            }
        }
        return lo;
    }
}

// Number of entries in [0, count) whose key is not greater than k (upper bound).
template <class P, class Q>
IMMUTABLE_ALWAYS_INLINE std::size_t leaf_upper_bound(const leaf_node<P>* leaf, const Q& k,
                                                     const typename P::compare& comp) {
    if constexpr (P::linear_search) {
        return cheap_leaf_prefix(leaf, [&](const typename P::key_type& x) { return !comp(k, x); });
    } else {
        const auto* e = leaf->entries();
        std::size_t lo = 0, len = leaf->count;
        while (len > 0) {
            std::size_t half = len / 2;
            if (!comp(k, entry_key<P>(e[lo + half]))) {
                lo += half + 1;
                len -= half + 1;
            } else {
                len = half;
            }
        }
        return lo;
    }
}

// The child whose key range holds k: the last i with keys[i] <= k, or 0. keys[0] is not
// consulted, so a key below the whole subtree routes to child 0. Always < count.
template <class P, class Q>
IMMUTABLE_ALWAYS_INLINE std::size_t inner_route(const inner_node<P>* n, const Q& k,
                                                const typename P::compare& comp) {
    const auto* keys = n->keys();
    const std::size_t count = n->count;
    if constexpr (P::linear_search) {
        return cheap_prefix(keys + 1, count - 1, [&](const typename P::key_type& x) { return !comp(k, x); });
    } else {
        std::size_t lo = 1, len = count - 1;
        while (len > 0) {
            std::size_t half = len / 2;
            if (!comp(k, keys[lo + half])) {
                lo += half + 1;
                len -= half + 1;
            } else {
                len = half;
            }
        }
        return lo - 1;
    }
}

// ---- searches on the way to an insertion ----------------------------------------------

// Keys inserted in ascending order (time stamps, counters, generated ids) land past the last
// key of every node on their path, where the linear scan reads the whole node. Under a
// cheap order an insertion first compares with the last key: one compare more for a random
// key, a whole scan less for an ascending one. (Binary searches gain too little from it.)
// Lookups do not take this path: for them the last key is one cache line more to fetch.
template <class P>
IMMUTABLE_ALWAYS_INLINE std::size_t inner_route_for_insert(const inner_node<P>* n, const typename P::key_type& k,
                                                           const typename P::compare& comp) {
    if constexpr (P::linear_search) {
        const std::size_t last = n->count - 1u;
        if (last != 0 && !comp(k, n->keys()[last])) return last;
    }
    return inner_route(n, k, comp);
}

template <class P>
IMMUTABLE_ALWAYS_INLINE std::size_t leaf_lower_bound_for_insert(const leaf_node<P>* leaf,
                                                                const typename P::key_type& k,
                                                                const typename P::compare& comp) {
    if constexpr (P::linear_search) {
        const std::size_t count = leaf->count;
        if (count != 0 && comp(entry_key<P>(leaf->entries()[count - 1]), k)) return count;
    }
    return leaf_lower_bound(leaf, k, comp);
}

} // namespace immutable::detail::btree
