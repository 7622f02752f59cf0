#pragma once
// Persistent B+tree: join and an append-only output, the tools behind bulk loading, set
// algebra and cutting a tree (split.hpp).
//
// join(a, b), every key of a below every key of b, walks down the right spine of the
// taller tree to the level of the shorter one and hangs the shorter tree there, splitting
// on the way back up if a node overflows; its cost is O(height difference) nodes. Both
// roots may be less than half full: at the meeting level two nodes that are both at least
// half full stay as they are (so a shared subtree stays shared), otherwise they are merged
// or their slots redistributed.
//
// These work on trees the caller owns. A node on a spine that the caller holds the only
// reference to is changed in place, so appending piece after piece to an accumulator
// costs O(1) amortised per piece rather than a spine copy. Exceptions: the inputs are
// consumed, and everything built so far is released; no existing version is touched since
// shared nodes are never changed in place.

#include <cstddef>
#include <optional>
#include <utility>

#include <immutable/detail/btree/edit.hpp>
#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/search.hpp>
#include <immutable/detail/btree/tree.hpp>

namespace immutable::detail::btree {

template <class P>
using node_pair = std::pair<node_ptr<P>, node_ptr<P>>;

// Two adjacent nodes of one level made valid siblings: kept as they are when both are at
// least half full, else merged (into a when a is owned alone) or redistributed.
template <class P>
node_pair<P> combine(node_ptr<P> a, node_ptr<P> b) {
    const std::size_t min = node_min(a.get());
    if (a->count >= min && b->count >= min) return {std::move(a), std::move(b)};
    const std::size_t total = std::size_t(a->count) + b->count;
    if (total <= node_capacity(a.get()) && editable(a.get())) {
        if (editable(b.get())) {
            move_tail(a.get(), b.get(), 0);
        } else {
            append_slots(a.get(), b.get(), 0, b->count);
        }
        return {std::move(a), node_ptr<P>()};
    }
    return concat_pair(a.get(), b.get());
}

template <class P>
node_pair<P> from_edit(edit_result<P>&& e) {
    return {std::move(e.left), std::move(e.right)};
}

// Hangs r (level <= n's) off the right spine of n. Returns n's replacement, split in two
// when it overflowed.
template <class P>
node_pair<P> join_right(node_ptr<P> n, node_ptr<P> r) {
    if (n->level == r->level) return combine(std::move(n), std::move(r));
    auto* in = as_inner(n.get());
    const std::size_t last = in->count - 1u;
    if (!editable(n.get())) {
        node_pair<P> below = join_right(node_ptr<P>::share(in->children[last]), std::move(r));
        node_ptr<P> parts[2] = {std::move(below.first), std::move(below.second)};
        std::size_t sizes[2] = {subtree_size(parts[0].get()), 0};
        if (parts[1]) sizes[1] = subtree_size(parts[1].get());
        return from_edit(rebuild_inner(in, last, last + 1, parts, sizes, parts[1] ? 2 : 1));
    }
    // Take the child's reference out of the slot so it is still owned alone below.
    auto child = node_ptr<P>::adopt(std::exchange(in->children[last], nullptr));
    node_pair<P> below = join_right(std::move(child), std::move(r));
    in->children[last] = below.first.take();
    in->sizes[last] = subtree_size(in->children[last]);
    if (!below.second) return {std::move(n), node_ptr<P>()};
    const std::size_t extra = subtree_size(below.second.get());
    if (in->count < P::inner_capacity) {
        inner_adopt_back(in, below.second, extra);
        return {std::move(n), node_ptr<P>()};
    }
    auto right = node_ptr<P>::adopt(allocate_inner<P>(in->level));
    move_tail(right.get(), n.get(), P::inner_capacity - P::inner_min);
    inner_adopt_back(as_inner(right.get()), below.second, extra);
    return {std::move(n), std::move(right)};
}

// Hangs l (level <= n's) off the left spine of n.
template <class P>
node_pair<P> join_left(node_ptr<P> l, node_ptr<P> n) {
    if (n->level == l->level) return combine(std::move(l), std::move(n));
    auto* in = as_inner(n.get());
    if (!editable(n.get())) {
        node_pair<P> below = join_left(std::move(l), node_ptr<P>::share(in->children[0]));
        node_ptr<P> parts[2] = {std::move(below.first), std::move(below.second)};
        std::size_t sizes[2] = {subtree_size(parts[0].get()), 0};
        if (parts[1]) sizes[1] = subtree_size(parts[1].get());
        return from_edit(rebuild_inner(in, 0, 1, parts, sizes, parts[1] ? 2 : 1));
    }
    auto child = node_ptr<P>::adopt(std::exchange(in->children[0], nullptr));
    node_pair<P> below = join_left(std::move(l), std::move(child));
    in->children[0] = below.first.take();
    in->sizes[0] = subtree_size(in->children[0]);
    in->keys()[0] = min_key(in->children[0]);
    if (!below.second) return {std::move(n), node_ptr<P>()};
    const std::size_t extra = subtree_size(below.second.get());
    typename P::key_type key(min_key(below.second.get()));
    if (in->count < P::inner_capacity) {
        inner_insert_in_place(in, 1, std::move(key), below.second.take(), extra);
        return {std::move(n), node_ptr<P>()};
    }
    auto left = node_ptr<P>::adopt(allocate_inner<P>(in->level));
    move_head(left.get(), n.get(), P::inner_min);
    inner_insert_in_place(as_inner(left.get()), 1, std::move(key), below.second.take(), extra);
    return {std::move(left), std::move(n)};
}

// The concatenation of a and b; every key of a must be below every key of b.
template <class P>
tree<P> join(tree<P> a, tree<P> b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    const std::size_t size = a.size() + b.size();
    unsigned height;
    node_pair<P> top;
    if (a.height() >= b.height()) {
        height = a.height();
        top = join_right(a.take_root(), b.take_root());
    } else {
        height = b.height();
        top = join_left(a.take_root(), b.take_root());
    }
    if (!top.second) return tree<P>(std::move(top.first), height, size);
    check_height(height + 1);
    auto root = node_ptr<P>::adopt(allocate_inner<P>(height + 1));
    const std::size_t left_size = subtree_size(top.first.get());
    inner_adopt_back(as_inner(root.get()), top.first, left_size);
    inner_adopt_back(as_inner(root.get()), top.second, size - left_size);
    return tree<P>(std::move(root), height + 1, size);
}

// Collects a tree from left to right: single entries (packed into full leaves) and whole
// subtrees (shared as they are). Every key emitted must be above every key before it.
template <class P>
class tree_output {
public:
    // Inline: the set algebra's leaf merges call this once per entry.
    template <class... Args>
    IMMUTABLE_ALWAYS_INLINE void emit(Args&&... args) {
        if (!leaf_) start_leaf();
        leaf_emplace_back(as_leaf(leaf_.get()), std::forward<Args>(args)...);
        if (leaf_->count == P::leaf_capacity) flush();
    }

    void emit_tree(tree<P> t) {
        flush();
        acc_ = join(std::move(acc_), std::move(t));
    }

    tree<P> finish() {
        flush();
        return std::move(acc_);
    }

private:
    IMMUTABLE_NOINLINE void start_leaf() { leaf_ = node_ptr<P>::adopt(allocate_leaf<P>()); }

    IMMUTABLE_NOINLINE void flush() {
        if (!leaf_) return;
        const std::size_t n = leaf_->count;
        acc_ = join(std::move(acc_), tree<P>(std::move(leaf_), 0, n));
    }

    tree<P> acc_;
    node_ptr<P> leaf_;
};

// A tree of the entries in [first, last), which must be sorted. A run of equivalent keys
// becomes one entry: the first, merged in turn with each later one (KeyOf::merge). O(n).
template <class P, class It, class Sentinel>
tree<P> build_sorted(It first, Sentinel last, const typename P::compare& comp) {
    using entry_type = typename P::entry_type;
    tree_output<P> out;
    while (first != last) {
        It run = first;
        ++first;
        if (first == last || comp(P::key_of::get(*run), P::key_of::get(*first))) {
            out.emit(*run); // the common case: no equivalent neighbour
            continue;
        }
        entry_type merged(*run);
        for (; first != last && !comp(P::key_of::get(*run), P::key_of::get(*first)); ++first) {
            std::optional<entry_type> next = P::key_of::template merge<entry_type>(merged, *first);
            if (next) merged = std::move(*next);
        }
        out.emit(std::move(merged));
    }
    return out.finish();
}

} // namespace immutable::detail::btree
