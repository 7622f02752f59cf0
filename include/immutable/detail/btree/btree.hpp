#pragma once
// Persistent B+tree engine: everything sorted_map and sorted_set build on.
//   access.hpp     reaching the tree inside a container
//   node.hpp       node layout, ownership, slot moves
//   search.hpp     searching within a node
//   iterator.hpp   bidirectional iterator, range view
//   tree.hpp       the tree (root handle, height, size) and read-only queries
//   edit.hpp       insert / replace / erase by path copying
//   transient.hpp  in-place insert / erase for builders
//   join.hpp       join, append-only output, bulk loading
//   split.hpp      cutting by key or rank: split, take, drop, slice, erase_range
//   algebra.hpp    union, intersection, difference, the map's union_with
//   diff.hpp       the differences between two trees, skipping shared subtrees
//   entry_ops.hpp  the map's and the set's entries and changes (includes this file)

#include <algorithm>
#include <concepts>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <immutable/detail/btree/access.hpp>
#include <immutable/detail/btree/algebra.hpp>
#include <immutable/detail/btree/diff.hpp>
#include <immutable/detail/btree/edit.hpp>
#include <immutable/detail/btree/iterator.hpp>
#include <immutable/detail/btree/join.hpp>
#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/search.hpp>
#include <immutable/detail/btree/split.hpp>
#include <immutable/detail/btree/transient.hpp>
#include <immutable/detail/btree/tree.hpp>

namespace immutable::detail::btree {

// Insert through a builder-owned tree: in place when moves cannot throw, else by copying.
// k must not refer to an entry of t: the in-place edit moves entries on its way down.
template <class P, class Action>
void builder_insert(tree<P>& t, const typename P::key_type& k, Action& act, const typename P::compare& comp) {
    if constexpr (P::can_edit) {
        insert_in_place(t, k, act, comp);
    } else {
        t = insert_into(t, k, act, comp);
    }
}

// Erase through a builder-owned tree. k may be a key of t itself (b.erase(b.front())), which
// the in-place edit moves or overwrites on its way down, so that edit searches with a copy.
template <class P>
bool builder_erase(tree<P>& t, const typename P::key_type& k, const typename P::compare& comp) {
    if constexpr (P::can_edit) {
        const typename P::key_type key(k);
        return erase_in_place(t, key, comp);
    } else {
        const std::size_t before = t.size();
        t = erase_from(t, k, comp);
        return t.size() != before;
    }
}

// Are the keys of [first, last) in non-decreasing order? (One pass, then bulk loading.)
template <class KeyOf, class It, class S, class Compare>
bool keys_sorted(It first, S last, const Compare& comp) {
    if (first == last) return true;
    It prev = first;
    for (++first; first != last; ++first) {
        if (comp(KeyOf::get(*first), KeyOf::get(*prev))) return false;
        prev = first;
    }
    return true;
}

// Builds a tree from any input range, with the result of inserting the entries one by one
// (equivalent keys resolved by KeyOf::merge): sorted input (checked in one pass) is bulk
// loaded in O(n), anything else is inserted one entry at a time.
// Direct = the elements can be compared where they are, without converting them first.
template <class P, bool Direct, class It, class S>
tree<P> tree_from_range(It first, S last, const typename P::compare& comp) {
    if constexpr (Direct && std::forward_iterator<It>) {
        if (keys_sorted<typename P::key_of>(first, last, comp)) return build_sorted<P>(first, last, comp);
        tree<P> t;
        for (; first != last; ++first) {
            struct {
                const std::iter_reference_t<It>& in;
                std::optional<typename P::entry_type> replace(const typename P::entry_type& current) {
                    return P::key_of::template merge<typename P::entry_type>(current, in);
                }
                typename P::entry_type make() { return typename P::entry_type(in); }
            } act{*first};
            builder_insert(t, P::key_of::get(*first), act, comp);
        }
        return t;
    } else {
        std::vector<typename P::entry_type> entries;
        for (; first != last; ++first) entries.emplace_back(*first);
        return tree_from_range<P, true>(entries.begin(), entries.end(), comp);
    }
}

} // namespace immutable::detail::btree
