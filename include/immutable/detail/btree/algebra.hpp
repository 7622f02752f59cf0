#pragma once
// Persistent B+tree: union, intersection and difference.
//
// All three recurse on the taller tree's root: the other tree is split at the root's
// separator keys (the first key of each child), each child is combined with the piece of
// the other tree that falls in its key range, and the results are appended left to right
// to a tree_output. Whenever a piece is empty, or both sides are the very same node, the
// answer for that range is a whole existing subtree, which is appended as it is (shared,
// O(height difference) to attach). Two leaves meet in a linear merge. With m the size of
// the smaller tree this does O(m log(n/m + 1)) node visits for subtrees that differ, and
// O(1) for each shared or untouched subtree, so versions with a common history combine in
// time proportional to their differences.
//
// Equivalent entries: union and intersection keep the one from the left operand. The map's
// union_with instead makes a new entry from both (merge_values below); it cannot take a
// shared subtree whole, since every key in it is in both operands, so it walks those.

#include <cstddef>
#include <functional>
#include <utility>

#include <immutable/detail/btree/join.hpp>
#include <immutable/detail/btree/split.hpp>
#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/tree.hpp>

namespace immutable::detail::btree {

// Calls f(child_tree, piece) for each child of a's root (a inner), where piece is the part
// of `other` whose keys fall in that child's range.
template <class P, class F>
void for_each_piece(const tree<P>& a, tree<P> other, const typename P::compare& comp, F&& f) {
    const auto* an = as_inner(a.root());
    for (std::size_t i = 0; i < an->count; ++i) {
        tree<P> piece;
        if (i + 1 < an->count) {
            auto parts = split_lower(std::move(other), an->keys()[i + 1], comp);
            piece = std::move(parts.first);
            other = std::move(parts.second);
        } else {
            piece = std::move(other);
        }
        f(tree<P>(node_ptr<P>::share(an->children[i]), a.height() - 1u, an->sizes[i]), std::move(piece));
    }
}

// What a union does with a key in both operands: keep the left operand's entry, and take a
// subtree both share whole.
struct keep_left {
    template <class P, class E>
    void common(tree_output<P>& out, const E& left, const E&) {
        out.emit(left);
    }
    template <class P>
    void shared(tree_output<P>& out, tree<P> t) {
        out.emit_tree(std::move(t));
    }
};

// union_with: a key in both operands gets f(key, left value, right value), the key kept
// from the left operand.
template <class F>
struct merge_values {
    F& f;

    template <class P, class E>
    void common(tree_output<P>& out, const E& left, const E& right) {
        using V = typename E::second_type;
        out.emit(left.first, V(std::invoke(f, std::as_const(left.first), std::as_const(left.second),
                                           std::as_const(right.second))));
    }
    template <class P>
    void shared(tree_output<P>& out, tree<P> t) {
        const auto last = iterator<P>::end_of(t.root(), t.height(), t.size());
        for (auto it = iterator<P>::begin_of(t.root(), t.height(), t.size()); it != last; ++it) common(out, *it, *it);
    }
};

template <class P, class Common>
void union_rec(tree_output<P>& out, tree<P> a, tree<P> b, const typename P::compare& comp, bool a_is_left,
               Common& on_common) {
    if (a.empty()) return out.emit_tree(std::move(b));
    if (b.empty()) return out.emit_tree(std::move(a));
    if (a.root() == b.root()) return on_common.shared(out, std::move(a));
    if (a.height() < b.height()) {
        a.swap(b);
        a_is_left = !a_is_left;
    }
    if (a.height() == 0) {
        const auto* la = as_leaf(a.root());
        const auto* lb = as_leaf(b.root());
        const auto* ea = la->entries();
        const auto* eb = lb->entries();
        const std::size_t na = la->count, nb = lb->count;
        // Disjoint ranges: both leaves are kept whole.
        if (comp(entry_key<P>(ea[na - 1]), entry_key<P>(eb[0]))) {
            out.emit_tree(std::move(a));
            return out.emit_tree(std::move(b));
        }
        if (comp(entry_key<P>(eb[nb - 1]), entry_key<P>(ea[0]))) {
            out.emit_tree(std::move(b));
            return out.emit_tree(std::move(a));
        }
        std::size_t i = 0, j = 0;
        while (i < na && j < nb) {
            if (comp(entry_key<P>(ea[i]), entry_key<P>(eb[j]))) {
                out.emit(ea[i++]);
            } else if (comp(entry_key<P>(eb[j]), entry_key<P>(ea[i]))) {
                out.emit(eb[j++]);
            } else {
                if (a_is_left) {
                    on_common.common(out, ea[i], eb[j]);
                } else {
                    on_common.common(out, eb[j], ea[i]);
                }
                ++i;
                ++j;
            }
        }
        for (; i < na; ++i) out.emit(ea[i]);
        for (; j < nb; ++j) out.emit(eb[j]);
        return;
    }
    for_each_piece(a, std::move(b), comp, [&](tree<P> child, tree<P> piece) {
        union_rec(out, std::move(child), std::move(piece), comp, a_is_left, on_common);
    });
}

template <class P>
void intersect_rec(tree_output<P>& out, tree<P> a, tree<P> b, const typename P::compare& comp, bool a_is_left) {
    if (a.empty() || b.empty()) return;
    if (a.root() == b.root()) return out.emit_tree(std::move(a));
    if (a.height() < b.height()) {
        a.swap(b);
        a_is_left = !a_is_left;
    }
    if (a.height() == 0) {
        const auto* la = as_leaf(a.root());
        const auto* lb = as_leaf(b.root());
        const auto* ea = la->entries();
        const auto* eb = lb->entries();
        std::size_t i = 0, j = 0;
        while (i < la->count && j < lb->count) {
            if (comp(entry_key<P>(ea[i]), entry_key<P>(eb[j]))) {
                ++i;
            } else if (comp(entry_key<P>(eb[j]), entry_key<P>(ea[i]))) {
                ++j;
            } else {
                out.emit(a_is_left ? ea[i] : eb[j]);
                ++i;
                ++j;
            }
        }
        return;
    }
    for_each_piece(a, std::move(b), comp, [&](tree<P> child, tree<P> piece) {
        intersect_rec(out, std::move(child), std::move(piece), comp, a_is_left);
    });
}

// a without the keys of b.
template <class P>
void difference_rec(tree_output<P>& out, tree<P> a, tree<P> b, const typename P::compare& comp) {
    if (a.empty() || a.root() == b.root()) return;
    if (b.empty()) return out.emit_tree(std::move(a));
    if (a.height() >= b.height()) {
        if (a.height() == 0) {
            const auto* la = as_leaf(a.root());
            const auto* lb = as_leaf(b.root());
            const auto* ea = la->entries();
            const auto* eb = lb->entries();
            std::size_t i = 0, j = 0;
            while (i < la->count) {
                if (j == lb->count || comp(entry_key<P>(ea[i]), entry_key<P>(eb[j]))) {
                    out.emit(ea[i++]);
                } else if (comp(entry_key<P>(eb[j]), entry_key<P>(ea[i]))) {
                    ++j;
                } else {
                    ++i;
                    ++j;
                }
            }
            return;
        }
        for_each_piece(a, std::move(b), comp, [&](tree<P> child, tree<P> piece) {
            difference_rec(out, std::move(child), std::move(piece), comp);
        });
        return;
    }
    // b is taller: cut a along b's children instead.
    const tree<P> splitter = std::move(b);
    for_each_piece(splitter, std::move(a), comp, [&](tree<P> child, tree<P> piece) {
        difference_rec(out, std::move(piece), std::move(child), comp);
    });
}

// Does every key of a come before every key of b?
template <class P>
bool entirely_before(const tree<P>& a, const tree<P>& b, const typename P::compare& comp) {
    return comp(max_key(a.root()), min_key(b.root()));
}

template <class P>
tree<P> set_union(const tree<P>& a, const tree<P>& b, const typename P::compare& comp) {
    if (a.root() == b.root() || b.empty()) return a;
    if (a.empty()) return b;
    if (entirely_before(a, b, comp)) return join(a, b);
    if (entirely_before(b, a, comp)) return join(b, a);
    tree_output<P> out;
    keep_left on_common;
    union_rec(out, a, b, comp, true, on_common);
    return out.finish();
}

// The union of two maps' trees in which a key in both gets f(key, a's value, b's value).
// One-sided subtrees are taken whole; shared ones are walked (f is called for each key).
template <class P, class F>
tree<P> map_union_with(const tree<P>& a, const tree<P>& b, const typename P::compare& comp, F& f) {
    if (b.empty()) return a;
    if (a.empty()) return b;
    if (a.root() != b.root()) {
        if (entirely_before(a, b, comp)) return join(a, b);
        if (entirely_before(b, a, comp)) return join(b, a);
    }
    tree_output<P> out;
    merge_values<F> on_common{f};
    union_rec(out, a, b, comp, true, on_common);
    return out.finish();
}

template <class P>
tree<P> set_intersection(const tree<P>& a, const tree<P>& b, const typename P::compare& comp) {
    if (a.root() == b.root()) return a;
    if (a.empty() || b.empty()) return tree<P>();
    if (entirely_before(a, b, comp) || entirely_before(b, a, comp)) return tree<P>();
    tree_output<P> out;
    intersect_rec(out, a, b, comp, true);
    return out.finish();
}

template <class P>
tree<P> set_difference(const tree<P>& a, const tree<P>& b, const typename P::compare& comp) {
    if (a.root() == b.root() || a.empty()) return tree<P>();
    if (b.empty()) return a;
    if (entirely_before(a, b, comp) || entirely_before(b, a, comp)) return a;
    tree_output<P> out;
    difference_rec(out, a, b, comp);
    return out.finish();
}

} // namespace immutable::detail::btree
