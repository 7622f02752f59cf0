#pragma once
// Persistent B+tree: in-place insert and erase for builders.
//
// A builder owns its tree; a node it holds the only reference to (unique refcount) can be
// changed in place, and a shared node is copied first (after which its children are
// shared and get copied in turn on the way down). The walk is top-down: a full child is
// split before descending into it, a half-full child is refilled from a sibling (or merged
// with it) before descending, so the leaf always has room to change and nothing needs to
// be fixed on the way back up. Each of those steps keeps the content the same, and every
// step that can throw (allocating, copying a key or the new entry) runs before the nothrow
// moves that commit it, so a throw leaves the builder's contents as they were. Only used
// when moving entries and keys cannot throw (P::can_edit); otherwise builders fall back
// to path copying.

#include <cstddef>
#include <optional>
#include <utility>

#include <immutable/detail/btree/edit.hpp>
#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/search.hpp>
#include <immutable/detail/btree/tree.hpp>

namespace immutable::detail::btree {

template <class P>
const typename P::key_type& slot_key(const node<P>* n, std::size_t i) noexcept {
    return n->level == 0 ? entry_key<P>(as_leaf(n)->entries()[i]) : as_inner(n)->keys()[i];
}

template <class P>
std::size_t slot_size(const node<P>* n, std::size_t i) noexcept {
    return n->level == 0 ? 1 : as_inner(n)->sizes[i];
}

// Replaces the child in `slot` of an inner node by one the caller owns alone (a copy when
// it is shared).
// The check is inline and the copy out of line: a builder passes here once per level of
// every edit, and almost always owns the node already.
template <class P>
IMMUTABLE_NOINLINE void replace_by_copy(node<P>*& slot) {
    node_ptr<P> copy = copy_node(slot);
    release<node<P>>(std::exchange(slot, copy.take()));
}
template <class P>
IMMUTABLE_ALWAYS_INLINE void make_editable_slot(node<P>*& slot) {
    if (IMMUTABLE_LIKELY(editable(slot))) return;
    replace_by_copy(slot);
}

// The same for the root of a tree.
template <class P>
IMMUTABLE_NOINLINE void replace_root_by_copy(tree<P>& t) {
    t.root_ptr() = copy_node(t.root());
}
template <class P>
IMMUTABLE_ALWAYS_INLINE void make_editable_root(tree<P>& t) {
    if (IMMUTABLE_LIKELY(editable(t.root()))) return;
    replace_root_by_copy(t);
}

// A split of a full node prepared up to the point where only nothrow steps remain.
template <class P>
struct prepared_split {
    node_ptr<P> right;
    std::optional<typename P::key_type> separator; // the first key of the right half
    std::size_t at = 0;
};

template <class P>
prepared_split<P> prepare_split(const node<P>* n, std::size_t at) {
    prepared_split<P> p;
    p.right = allocate_like(n);
    p.separator.emplace(slot_key(n, at));
    p.at = at;
    return p;
}

// Moves slots [at, count) of parent->children[i] into the prepared node, adopted at i + 1.
template <class P>
void commit_split(inner_node<P>* parent, std::size_t i, prepared_split<P>& p) noexcept {
    node<P>* child = parent->children[i];
    move_tail(p.right.get(), child, p.at);
    const std::size_t right_size = subtree_size(p.right.get());
    parent->sizes[i] -= right_size;
    inner_insert_in_place(parent, i + 1, std::move(*p.separator), p.right.take(), right_size);
}

// Where to split a full node on the way to key k: in the middle, except past the last key
// (ascending insertion), where the left part keeps all but the minimum.
template <class P>
std::size_t split_point(const node<P>* n, const typename P::key_type& k, const typename P::compare& comp) {
    if (comp(slot_key(n, n->count - 1u), k)) return n->count - node_min(n);
    return n->count / 2u;
}

template <class P, class Action>
void insert_in_place(tree<P>& t, const typename P::key_type& k, Action& act, const typename P::compare& comp) {
    static_assert(P::can_edit);
    if (t.empty()) {
        auto leaf = node_ptr<P>::adopt(allocate_leaf<P>());
        leaf_emplace_back(as_leaf(leaf.get()), act.make());
        t = tree<P>(std::move(leaf), 0, 1);
        return;
    }
    make_editable_root(t);
    node<P>* root = t.root();
    if (root->count == node_capacity(root)) {
        check_height(t.height() + 1);
        prepared_split<P> ps = prepare_split(root, split_point(root, k, comp));
        auto top = node_ptr<P>::adopt(allocate_inner<P>(t.height() + 1));
        auto* in = as_inner(top.get());
        std::construct_at(in->keys(), min_key(root));
        in->children[0] = t.root_ptr().take();
        in->sizes[0] = t.size();
        in->count = 1;
        commit_split(in, 0, ps);
        t.root_ptr() = std::move(top);
        t.set_shape(t.height() + 1, t.size());
    }

    inner_node<P>* path[max_inner_levels];
    std::size_t index[max_inner_levels];
    unsigned depth = 0;
    node<P>* n = t.root();
    while (n->level != 0) {
        auto* in = as_inner(n);
        std::size_t i = inner_route_for_insert(in, k, comp);
        make_editable_slot(in->children[i]);
        node<P>* child = in->children[i];
        if (child->count == node_capacity(child)) {
            prepared_split<P> ps = prepare_split(child, split_point(child, k, comp));
            commit_split(in, i, ps);
            if (!comp(k, in->keys()[i + 1])) ++i;
        }
        path[depth] = in;
        index[depth] = i;
        ++depth;
        n = in->children[i];
    }

    auto* leaf = as_leaf(n);
    const std::size_t pos = leaf_lower_bound_for_insert(leaf, k, comp);
    if (pos < leaf->count && !comp(k, entry_key<P>(leaf->entries()[pos]))) {
        std::optional<typename P::entry_type> repl = act.replace(leaf->entries()[pos]);
        if (repl) leaf->entries()[pos] = std::move(*repl);
        return;
    }
    typename P::entry_type fresh = act.make();
    // A new first entry changes the minimum key recorded above the leaf, up to the first
    // level where this subtree is not the leftmost child. Copy those keys before committing.
    std::optional<typename P::key_type> new_keys[max_inner_levels];
    unsigned refresh_from = depth;
    if (pos == 0) {
        for (unsigned d = depth; d-- > 0;) {
            new_keys[d].emplace(entry_key<P>(fresh));
            refresh_from = d;
            if (index[d] != 0) break;
        }
    }
    leaf_insert_in_place(leaf, pos, std::move(fresh));
    for (unsigned d = 0; d < depth; ++d) ++path[d]->sizes[index[d]];
    for (unsigned d = refresh_from; d < depth; ++d) path[d]->keys()[index[d]] = std::move(*new_keys[d]);
    t.set_shape(t.height(), t.size() + 1);
}

// Gives in->children[i] (at its minimum) one more slot: borrowed from a sibling with slots
// to spare, or by merging with a sibling.
template <class P>
void refill_child(inner_node<P>* in, std::size_t i) {
    node<P>* child = in->children[i];
    if (i > 0) {
        make_editable_slot(in->children[i - 1]);
        node<P>* left = in->children[i - 1];
        if (left->count > node_min(left)) {
            typename P::key_type key(slot_key(left, left->count - 1u));
            const std::size_t moved = slot_size(left, left->count - 1u);
            move_to_front(child, left, 1);
            in->sizes[i - 1] -= moved;
            in->sizes[i] += moved;
            in->keys()[i] = std::move(key);
            return;
        }
    }
    if (i + 1 < in->count) {
        make_editable_slot(in->children[i + 1]);
        node<P>* right = in->children[i + 1];
        if (right->count > node_min(right)) {
            typename P::key_type key(slot_key(right, 1));
            const std::size_t moved = slot_size(right, 0);
            move_head(child, right, 1);
            in->sizes[i + 1] -= moved;
            in->sizes[i] += moved;
            in->keys()[i + 1] = std::move(key);
            return;
        }
    }
    // Both neighbours are at their minimum: two minimum nodes fit in one.
    const std::size_t j = (i + 1 < in->count) ? i : i - 1;
    node<P>* a = in->children[j];
    node<P>* b = in->children[j + 1];
    move_tail(a, b, 0);
    in->sizes[j] += in->sizes[j + 1];
    release<node<P>>(b);
    inner_remove_in_place(in, j + 1);
}

template <class P>
bool erase_in_place(tree<P>& t, const typename P::key_type& k, const typename P::compare& comp) {
    static_assert(P::can_edit);
    if (find_entry(t, k, comp) == nullptr) return false;
    make_editable_root(t);

    inner_node<P>* path[max_inner_levels];
    std::size_t index[max_inner_levels];
    unsigned depth = 0;
    node<P>* n = t.root();
    while (n->level != 0) {
        auto* in = as_inner(n);
        std::size_t i = inner_route(in, k, comp);
        make_editable_slot(in->children[i]);
        if (in->children[i]->count <= node_min(in->children[i])) {
            refill_child(in, i);
            if (in->count == 1 && n == t.root()) {
                // The root's last two children merged: the merged child becomes the root
                // (and the old root, its slot emptied, is released).
                t.root_ptr() = node_ptr<P>::adopt(std::exchange(in->children[0], nullptr));
                t.set_shape(t.height() - 1, t.size());
                n = t.root();
                continue;
            }
            i = inner_route(in, k, comp);
            // With a consistent order k routes to the refilled child (or the merge of it);
            // an inconsistent comparator may send it elsewhere: give up, nothing is lost.
            make_editable_slot(in->children[i]);
            if (in->children[i]->count <= node_min(in->children[i])) return false;
        }
        path[depth] = in;
        index[depth] = i;
        ++depth;
        n = in->children[i];
    }

    auto* leaf = as_leaf(n);
    const std::size_t pos = leaf_lower_bound(leaf, k, comp);
    if (pos >= leaf->count || comp(k, entry_key<P>(leaf->entries()[pos]))) return false;
    std::optional<typename P::key_type> new_keys[max_inner_levels];
    unsigned refresh_from = depth;
    if (pos == 0 && leaf->count > 1) {
        for (unsigned d = depth; d-- > 0;) {
            new_keys[d].emplace(entry_key<P>(leaf->entries()[1]));
            refresh_from = d;
            if (index[d] != 0) break;
        }
    }
    leaf_erase_in_place(leaf, pos);
    for (unsigned d = 0; d < depth; ++d) --path[d]->sizes[index[d]];
    for (unsigned d = refresh_from; d < depth; ++d) path[d]->keys()[index[d]] = std::move(*new_keys[d]);
    if (leaf->count == 0) {
        // Only the root leaf can empty (every other leaf was refilled on the way down).
        t = tree<P>();
        return true;
    }
    t.set_shape(t.height(), t.size() - 1);
    return true;
}

} // namespace immutable::detail::btree
