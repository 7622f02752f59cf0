#pragma once
// Persistent B+tree: the tree (root handle, height, size) shared by sorted_map,
// sorted_set and their builders, and the read-only queries on it.

#include <cstddef>
#include <stdexcept>
#include <utility>

#include <immutable/detail/btree/iterator.hpp>
#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/search.hpp>

namespace immutable::detail::btree {

// An owned tree or subtree: root (null when empty), its level, and its entry count.
// Copying shares the root, so a copy is O(1) and shares every node.
template <class P>
class tree {
public:
    using params_type = P;

    tree() noexcept = default;
    tree(node_ptr<P> root, unsigned height, std::size_t size) noexcept
        : root_(std::move(root)), height_(height), size_(size) {}
    tree(const tree& o) noexcept : root_(node_ptr<P>::share(o.root_.get())), height_(o.height_), size_(o.size_) {}
    tree(tree&& o) noexcept
        : root_(std::move(o.root_)), height_(std::exchange(o.height_, 0u)), size_(std::exchange(o.size_, 0)) {}
    tree& operator=(const tree& o) noexcept {
        tree(o).swap(*this);
        return *this;
    }
    tree& operator=(tree&& o) noexcept {
        tree(std::move(o)).swap(*this);
        return *this;
    }

    void swap(tree& o) noexcept {
        root_.swap(o.root_);
        std::swap(height_, o.height_);
        std::swap(size_, o.size_);
    }

    node<P>* root() const noexcept { return root_.get(); }
    unsigned height() const noexcept { return height_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return !root_; }

    // Hands the root reference over (the tree becomes empty).
    node_ptr<P> take_root() noexcept {
        height_ = 0;
        size_ = 0;
        return std::move(root_);
    }

    // Engine access for in-place edits of a tree owned alone: the root handle, to replace
    // the root, and the shape to record afterwards.
    node_ptr<P>& root_ptr() noexcept { return root_; }
    void set_shape(unsigned height, std::size_t size) noexcept {
        height_ = height;
        size_ = size;
    }

private:
    node_ptr<P> root_;
    unsigned height_ = 0;
    std::size_t size_ = 0;
};

// Refuses to grow past the height the iterator can record (unreachable in practice).
inline void check_height(unsigned height) {
    if (height > max_inner_levels) throw std::length_error("immutable::sorted_map: tree too tall");
}

template <class P, class Q>
const typename P::entry_type* find_entry(const tree<P>& t, const Q& k,
                                         const typename P::compare& comp) {
    const node<P>* n = t.root();
    if (n == nullptr) return nullptr;
    while (n->level != 0) {
        const auto* in = as_inner(n);
        n = in->children[inner_route(in, k, comp)];
    }
    const auto* leaf = as_leaf(n);
    const std::size_t i = leaf_lower_bound(leaf, k, comp);
    if (i < leaf->count && !comp(k, entry_key<P>(leaf->entries()[i]))) return leaf->entries() + i;
    return nullptr;
}

template <class P, class Q>
iterator<P> lower_bound_of(const tree<P>& t, const Q& k, const typename P::compare& comp) {
    return iterator<P>::seek(
        t.root(), t.height(), t.size(), [&](const inner_node<P>* in) { return inner_route(in, k, comp); },
        [&](const leaf_node<P>* leaf) { return leaf_lower_bound(leaf, k, comp); });
}

template <class P, class Q>
iterator<P> upper_bound_of(const tree<P>& t, const Q& k, const typename P::compare& comp) {
    return iterator<P>::seek(
        t.root(), t.height(), t.size(), [&](const inner_node<P>* in) { return inner_route(in, k, comp); },
        [&](const leaf_node<P>* leaf) { return leaf_upper_bound(leaf, k, comp); });
}

// The i-th entry (i < size).
template <class P>
const typename P::entry_type& nth_entry(const tree<P>& t, std::size_t i) noexcept {
    const node<P>* n = t.root();
    while (n->level != 0) {
        const auto* in = as_inner(n);
        const std::size_t c = child_by_rank(in, i);
        n = in->children[c < in->count ? c : in->count - 1u]; // i < size: always c < count
    }
    return as_leaf(n)->entries()[i < n->count ? i : n->count - 1];
}

// Number of entries whose key is less than k.
template <class P, class Q>
std::size_t rank_of(const tree<P>& t, const Q& k, const typename P::compare& comp) {
    const node<P>* n = t.root();
    if (n == nullptr) return 0;
    std::size_t before = 0;
    while (n->level != 0) {
        const auto* in = as_inner(n);
        const std::size_t c = inner_route(in, k, comp);
        before += entries_before(in, c);
        n = in->children[c];
    }
    return before + leaf_lower_bound(as_leaf(n), k, comp);
}

template <class P>
const typename P::entry_type& first_entry(const tree<P>& t) noexcept {
    const node<P>* n = t.root();
    while (n->level != 0) n = as_inner(n)->children[0];
    return as_leaf(n)->entries()[0];
}

template <class P>
const typename P::entry_type& last_entry(const tree<P>& t) noexcept {
    const node<P>* n = t.root();
    while (n->level != 0) n = as_inner(n)->children[n->count - 1];
    return as_leaf(n)->entries()[n->count - 1];
}

} // namespace immutable::detail::btree
