#pragma once
// Persistent B+tree: cutting a tree in two, by key or by rank, and what is built on that:
// split(k), take(n), drop(n), slice(first, last) and erase_range(lo, hi).
//
// A cut follows one root-to-leaf path. At each node the slots left of the path and right
// of it become trees of their own (child_range shares the children, one new node each),
// and the two pieces the child below returns are joined onto them (join.hpp). The joins
// telescope: each hangs a piece at most one level shorter than the one it joins, so a cut
// is O(height) and allocates O(height) nodes. A side the caller does not want is never
// built, so take and drop allocate about half of what a split does.
//
// A node that the caller's tree holds alone (a temporary the engine made, such as the
// result of take() inside slice()) is cut in place: its slots are moved or dropped rather
// than copied. Trees reached from a container are shared, so they are only read: every
// earlier version stays as it was, and a throw (a key copy, an allocation) releases what
// was built and changes nothing.

#include <cstddef>
#include <utility>

#include <immutable/detail/btree/join.hpp>
#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/search.hpp>
#include <immutable/detail/btree/tree.hpp>

namespace immutable::detail::btree {

// Children [from, to) of `in` as a tree of their own (shared).
template <class P>
tree<P> child_range(const inner_node<P>* in, std::size_t from, std::size_t to) {
    if (from >= to) return tree<P>();
    if (to - from == 1) {
        return tree<P>(node_ptr<P>::share(in->children[from]), in->level - 1u, in->sizes[from]);
    }
    auto n = node_ptr<P>::adopt(allocate_inner<P>(in->level));
    inner_share_range(as_inner(n.get()), in, from, to);
    std::size_t size = 0;
    for (std::size_t i = from; i < to; ++i) size += in->sizes[i];
    return tree<P>(std::move(n), in->level, size);
}

// A tree whose root is an inner node with one child is that child.
template <class P>
tree<P> collapse(tree<P> t) {
    while (!t.empty() && t.root()->level != 0 && t.root()->count == 1) {
        const std::size_t size = t.size();
        const unsigned height = t.height();
        node_ptr<P> root = t.take_root();
        t = tree<P>(node_ptr<P>::share(as_inner(root.get())->children[0]), height - 1u, size);
    }
    return t;
}

// The node n (owned alone) as a tree, or an empty tree when it has no slots left.
template <class P>
tree<P> remainder(node_ptr<P> n) {
    if (n->count == 0) return tree<P>();
    const std::size_t size = subtree_size(n.get());
    const unsigned level = n->level;
    return collapse(tree<P>(std::move(n), level, size));
}

// Moves the first i slots of n (owned alone) into a tree of their own.
template <class P>
tree<P> take_head(node<P>* n, std::size_t i) {
    if (i == 0) return tree<P>();
    if (n->level != 0 && i == 1) {
        auto* in = as_inner(n);
        node<P>* child = in->children[0];
        const std::size_t size = in->sizes[0];
        in->children[0] = nullptr;
        inner_remove_in_place(in, 0);
        return tree<P>(node_ptr<P>::adopt(child), n->level - 1u, size);
    }
    node_ptr<P> head = allocate_like(n);
    move_head(head.get(), n, i);
    const std::size_t size = subtree_size(head.get());
    return tree<P>(std::move(head), n->level, size);
}

// Where a cut goes. A cut answers, in a leaf, how many entries go left; in an inner node,
// which child the cut passes through and whether it passes just before that child (then
// the child goes right whole). Cuts below the first or past the last entry of the whole
// tree are answered before any descent.

// Keys below k go left. Q is anything the comparator accepts beside a key.
template <class P, class Q>
struct key_cut {
    const Q& k;
    const typename P::compare& comp;

    std::size_t in_leaf(const leaf_node<P>* leaf) { return leaf_lower_bound(leaf, k, comp); }
    std::pair<std::size_t, bool> in_inner(const inner_node<P>* in) {
        const std::size_t i = inner_route(in, k, comp);
        return {i, !comp(in->keys()[i], k)}; // k at or below child i's first key
    }
};

// The first `rest` entries go left; rest is kept relative to the subtree being cut.
template <class P>
struct rank_cut {
    std::size_t rest;

    std::size_t in_leaf(const leaf_node<P>* leaf) { return rest < leaf->count ? rest : leaf->count; }
    std::pair<std::size_t, bool> in_inner(const inner_node<P>* in) {
        const std::size_t c = child_by_rank(in, rest);
        if (c < in->count) return {c, rest == 0};
        // Past the node's total (callers never ask this): everything goes left.
        rest = in->sizes[in->count - 1u];
        return {in->count - 1u, false};
    }
};

// Cuts the subtree n (consumed) of `size` entries where `cut` says, into (left, right);
// a side whose flag is false comes back empty and is never built.
template <bool Left, bool Right, class P, class Cut>
std::pair<tree<P>, tree<P>> cut_node(node_ptr<P> n, std::size_t size, Cut& cut) {
    static_assert(Left || Right);
    using pair_t = std::pair<tree<P>, tree<P>>;
    const unsigned level = n->level;
    auto all_left = [&] { return Left ? pair_t(tree<P>(std::move(n), level, size), tree<P>()) : pair_t(); };
    auto all_right = [&] { return Right ? pair_t(tree<P>(), tree<P>(std::move(n), level, size)) : pair_t(); };
    if (level == 0) {
        const auto* leaf = as_leaf(n.get());
        const std::size_t i = cut.in_leaf(leaf);
        if (i == 0) return all_right();
        if (i >= leaf->count) return all_left();
        if (editable(n.get())) {
            if constexpr (Left && Right) {
                tree<P> head = take_head(n.get(), i);
                return pair_t(std::move(head), tree<P>(std::move(n), 0, size - i));
            } else if constexpr (Left) {
                drop_tail_in_place(n.get(), i);
                return pair_t(tree<P>(std::move(n), 0, i), tree<P>());
            } else {
                drop_head_in_place(n.get(), i);
                return pair_t(tree<P>(), tree<P>(std::move(n), 0, size - i));
            }
        }
        pair_t out;
        if constexpr (Left) {
            auto left = node_ptr<P>::adopt(allocate_leaf<P>());
            leaf_copy_back(as_leaf(left.get()), leaf, 0, i);
            out.first = tree<P>(std::move(left), 0, i);
        }
        if constexpr (Right) {
            auto right = node_ptr<P>::adopt(allocate_leaf<P>());
            leaf_copy_back(as_leaf(right.get()), leaf, i, leaf->count);
            out.second = tree<P>(std::move(right), 0, leaf->count - i);
        }
        return out;
    }
    auto* in = as_inner(n.get());
    const auto [i, cut_before] = cut.in_inner(in);
    if (cut_before && i == 0) return all_right();
    if (editable(n.get())) {
        // Take the child the cut passes through out of n; n's slots then split at i.
        node_ptr<P> child;
        std::size_t child_size = 0;
        if (!cut_before) {
            child_size = in->sizes[i];
            child = node_ptr<P>::adopt(std::exchange(in->children[i], nullptr));
            inner_remove_in_place(in, i);
        }
        tree<P> head, tail;
        if constexpr (Left && Right) {
            head = take_head(n.get(), i);
            tail = remainder(std::move(n));
        } else if constexpr (Left) {
            drop_tail_in_place(n.get(), i);
            head = remainder(std::move(n));
        } else {
            drop_head_in_place(n.get(), i);
            tail = remainder(std::move(n));
        }
        if (cut_before) return pair_t(std::move(head), std::move(tail));
        auto [left, right] = cut_node<Left, Right>(std::move(child), child_size, cut);
        return pair_t(join(std::move(head), std::move(left)), join(std::move(right), std::move(tail)));
    }
    if (cut_before) {
        pair_t out;
        if constexpr (Left) out.first = child_range(in, 0, i);
        if constexpr (Right) out.second = child_range(in, i, in->count);
        return out;
    }
    auto [left, right] = cut_node<Left, Right>(node_ptr<P>::share(in->children[i]), in->sizes[i], cut);
    pair_t out;
    if constexpr (Left) out.first = join(child_range(in, 0, i), std::move(left));
    if constexpr (Right) out.second = join(std::move(right), child_range(in, i + 1, in->count));
    return out;
}

// (entries with keys below k, the rest). The quick answers first: k at or below the
// smallest key, or above the largest, costs no copying at all.
template <class P, class Q>
std::pair<tree<P>, tree<P>> split_lower(tree<P> t, const Q& k, const typename P::compare& comp) {
    using pair_t = std::pair<tree<P>, tree<P>>;
    if (t.empty()) return pair_t();
    if (!comp(min_key(t.root()), k)) return pair_t(tree<P>(), std::move(t));
    if (comp(max_key(t.root()), k)) return pair_t(std::move(t), tree<P>());
    const std::size_t size = t.size();
    key_cut<P, Q> cut{k, comp};
    return cut_node<true, true>(t.take_root(), size, cut);
}

// The first n entries (all of t, sharing its root, when n >= size).
template <class P>
tree<P> take_front(tree<P> t, std::size_t n) {
    if (n >= t.size()) return t;
    if (n == 0) return tree<P>();
    const std::size_t size = t.size();
    rank_cut<P> cut{n};
    return cut_node<true, false>(t.take_root(), size, cut).first;
}

// All but the first n entries (all of t when n == 0).
template <class P>
tree<P> drop_front(tree<P> t, std::size_t n) {
    if (n == 0) return t;
    if (n >= t.size()) return tree<P>();
    const std::size_t size = t.size();
    rank_cut<P> cut{n};
    return cut_node<false, true>(t.take_root(), size, cut).second;
}

// (the first r entries, the rest); one side is t itself when r is 0 or at least the size.
template <class P>
std::pair<tree<P>, tree<P>> split_at_rank(tree<P> t, std::size_t r) {
    using pair_t = std::pair<tree<P>, tree<P>>;
    if (r == 0) return pair_t(tree<P>(), std::move(t));
    if (r >= t.size()) return pair_t(std::move(t), tree<P>());
    const std::size_t size = t.size();
    rank_cut<P> cut{r};
    return cut_node<true, true>(t.take_root(), size, cut);
}

// Entries [first, last) by rank (first <= last <= size). The cut for `first` runs on the
// fresh result of the first cut, so the nodes it made are cut in place.
template <class P>
tree<P> slice_ranks(tree<P> t, std::size_t first, std::size_t last) {
    return drop_front(take_front(std::move(t), last), first);
}

// t without the entries of ranks [first, last); t itself (same root) when first >= last.
// The head is cut from a shared copy first, so that when the caller handed over the only
// reference to t, the tail is cut from t in place.
template <class P>
tree<P> erase_ranks(tree<P> t, std::size_t first, std::size_t last) {
    if (first >= last) return t;
    tree<P> head = take_front(t, first);
    return join(std::move(head), drop_front(std::move(t), last));
}

// The cuts by key go by rank: the keys are compared during the descent that finds the rank,
// and never while a tree the caller owns alone is being cut in place (where a key that
// refers into that tree could move). For erase_range, lo and hi are only ever compared with
// keys, never with each other, so a reversed range is simply one with no key in it.
template <class P, class Q>
std::pair<tree<P>, tree<P>> split_at_key(tree<P> t, const Q& k, const typename P::compare& comp) {
    const std::size_t r = rank_of(t, k, comp);
    return split_at_rank(std::move(t), r);
}

// t without the keys in [lo, hi): t itself (same root, nothing allocated) when none is in it.
template <class P, class Lo, class Hi>
tree<P> erase_key_range(tree<P> t, const Lo& lo, const Hi& hi, const typename P::compare& comp) {
    const std::size_t first = rank_of(t, lo, comp);
    const std::size_t last = rank_of(t, hi, comp);
    return erase_ranks(std::move(t), first, last);
}

} // namespace immutable::detail::btree
