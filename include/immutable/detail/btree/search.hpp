#pragma once
// Persistent B+tree: searching inside one node.
//
// For the standard orders on built-in keys a node is scanned linearly without branches
// (count the keys that compare less): a node is a few cache lines and the count has no
// unpredictable branch, so it beats a binary search. Other keys use a binary search, since
// their comparisons are the expensive part. Both forms only ever return an index inside
// the node, whatever the comparator answers: a comparator that is not a strict weak order
// gives unspecified results, never an out-of-bounds access.

#include <cstddef>

#include <immutable/detail/btree/node.hpp>

namespace immutable::detail::btree {

// Number of entries in [0, count) whose key is less than k (lower bound).
template <class P>
IMMUTABLE_ALWAYS_INLINE std::size_t leaf_lower_bound(const leaf_node<P>* leaf, const typename P::key_type& k,
                                                     const typename P::compare& comp) {
    const auto* e = leaf->entries();
    const std::size_t n = leaf->count;
    if constexpr (P::linear_search) {
        std::size_t r = 0;
        for (std::size_t i = 0; i < n; ++i) r += comp(entry_key<P>(e[i]), k) ? 1 : 0;
        return r;
    } else {
        std::size_t lo = 0, len = n;
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
template <class P>
IMMUTABLE_ALWAYS_INLINE std::size_t leaf_upper_bound(const leaf_node<P>* leaf, const typename P::key_type& k,
                                                     const typename P::compare& comp) {
    const auto* e = leaf->entries();
    const std::size_t n = leaf->count;
    if constexpr (P::linear_search) {
        std::size_t r = 0;
        for (std::size_t i = 0; i < n; ++i) r += comp(k, entry_key<P>(e[i])) ? 0 : 1;
        return r;
    } else {
        std::size_t lo = 0, len = n;
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
template <class P>
IMMUTABLE_ALWAYS_INLINE std::size_t inner_route(const inner_node<P>* n, const typename P::key_type& k,
                                                const typename P::compare& comp) {
    const auto* keys = n->keys();
    const std::size_t count = n->count;
    if constexpr (P::linear_search) {
        std::size_t r = 0;
        for (std::size_t i = 1; i < count; ++i) r += comp(k, keys[i]) ? 0 : 1;
        return r;
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

} // namespace immutable::detail::btree
