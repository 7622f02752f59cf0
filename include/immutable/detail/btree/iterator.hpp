#pragma once
// Persistent B+tree: bidirectional iterator and the [first, last) view used by range().
//
// Nodes have no parent pointers (a shared subtree has many parents), so an iterator keeps
// the path from the root: one byte per inner level (the child index taken), the leaf, its
// parent and the position in the leaf. Moving within a leaf or to the next leaf under the
// same parent is O(1); crossing a parent boundary walks the path again from the root,
// which happens once every ~inner_capacity leaves. end() is the state "no leaf", so it is
// O(1) to make and compare against. An iterator stays valid as long as the tree it came
// from (or any version sharing its nodes) is alive.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <ranges>

#include <immutable/detail/btree/node.hpp>

namespace immutable::detail::btree {

template <class P>
class iterator {
    using node_t = node<P>;
    using leaf_t = leaf_node<P>;
    using inner_t = inner_node<P>;

public:
    using iterator_category = std::bidirectional_iterator_tag;
    using iterator_concept = std::bidirectional_iterator_tag;
    using value_type = typename P::entry_type;
    using difference_type = std::ptrdiff_t;
    using reference = const value_type&;
    using pointer = const value_type*;

    iterator() noexcept = default;

    reference operator*() const noexcept { return leaf_->entries()[pos_]; }
    pointer operator->() const noexcept { return leaf_->entries() + pos_; }

    iterator& operator++() noexcept {
        if (++pos_ < leaf_->count) return *this;
        next_leaf();
        return *this;
    }
    iterator operator++(int) noexcept {
        iterator old = *this;
        ++*this;
        return old;
    }
    iterator& operator--() noexcept {
        if (leaf_ == nullptr) {
            to_last();
        } else if (pos_ > 0) {
            --pos_;
        } else {
            previous_leaf();
        }
        return *this;
    }
    iterator operator--(int) noexcept {
        iterator old = *this;
        --*this;
        return old;
    }

    // Same leaf and slot, and (checked only then, so loops stay cheap) the same path: a
    // tree built with a comparator that is not an order may hold one shared leaf twice.
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
        return a.leaf_ == b.leaf_ && a.pos_ == b.pos_ &&
               (a.leaf_ == nullptr || std::memcmp(a.path_, b.path_, a.height_) == 0);
    }

    // ---- engine side ------------------------------------------------------------------

    static iterator end_of(const node_t* root, unsigned height) noexcept {
        iterator it;
        it.root_ = root;
        it.height_ = static_cast<std::uint8_t>(height);
        return it;
    }

    static iterator begin_of(const node_t* root, unsigned height) noexcept {
        iterator it = end_of(root, height);
        if (root != nullptr) it.descend_leftmost(root, 0);
        return it;
    }

    // Positions on the first entry not less than k (upper = false) or greater than k
    // (upper = true).
    template <class Route, class LeafBound>
    static iterator seek(const node_t* root, unsigned height, Route route, LeafBound bound) {
        iterator it = end_of(root, height);
        if (root == nullptr) return it;
        const node_t* n = root;
        for (unsigned depth = 0; depth < height; ++depth) {
            const auto* in = as_inner(n);
            std::size_t i = route(in);
            it.path_[depth] = static_cast<std::uint8_t>(i);
            it.parent_ = in;
            n = in->children[i];
        }
        it.leaf_ = as_leaf(n);
        it.pos_ = static_cast<std::uint16_t>(bound(it.leaf_));
        if (it.pos_ >= it.leaf_->count) it.next_leaf();
        return it;
    }

    // Does `a` come strictly before `b` in the tree they both belong to?
    static bool before(const iterator& a, const iterator& b) noexcept {
        if (a.leaf_ == nullptr) return false;
        if (b.leaf_ == nullptr) return true;
        for (unsigned d = 0; d < a.height_; ++d) {
            if (a.path_[d] != b.path_[d]) return a.path_[d] < b.path_[d];
        }
        return a.pos_ < b.pos_;
    }

private:
    void descend_leftmost(const node_t* n, unsigned depth) noexcept {
        for (; depth < height_; ++depth) {
            parent_ = as_inner(n);
            path_[depth] = 0;
            n = parent_->children[0];
        }
        leaf_ = as_leaf(n);
        pos_ = 0;
    }

    void descend_rightmost(const node_t* n, unsigned depth) noexcept {
        for (; depth < height_; ++depth) {
            parent_ = as_inner(n);
            path_[depth] = static_cast<std::uint8_t>(n->count - 1);
            n = parent_->children[n->count - 1];
        }
        leaf_ = as_leaf(n);
        pos_ = static_cast<std::uint16_t>(n->count - 1);
    }

    void to_last() noexcept {
        if (root_ != nullptr) descend_rightmost(root_, 0);
    }

    // The inner nodes on the path, root first.
    void path_nodes(const inner_t** out) const noexcept {
        const node_t* n = root_;
        for (unsigned d = 0; d < height_; ++d) {
            out[d] = as_inner(n);
            n = out[d]->children[path_[d]];
        }
    }

    void become_end() noexcept {
        leaf_ = nullptr;
        parent_ = nullptr;
        pos_ = 0;
    }

    void next_leaf() noexcept {
        if (height_ == 0) return become_end();
        const unsigned last = height_ - 1u;
        if (path_[last] + 1u < parent_->count) {
            ++path_[last];
            leaf_ = as_leaf(parent_->children[path_[last]]);
            pos_ = 0;
            return;
        }
        const inner_t* nodes[max_inner_levels];
        path_nodes(nodes);
        for (unsigned d = last; d-- > 0;) {
            if (path_[d] + 1u < nodes[d]->count) {
                ++path_[d];
                descend_leftmost(nodes[d]->children[path_[d]], d + 1);
                return;
            }
        }
        become_end();
    }

    void previous_leaf() noexcept {
        if (height_ == 0) return; // before begin: not a valid move, stay put
        const unsigned last = height_ - 1u;
        if (path_[last] > 0) {
            --path_[last];
            leaf_ = as_leaf(parent_->children[path_[last]]);
            pos_ = static_cast<std::uint16_t>(leaf_->count - 1);
            return;
        }
        const inner_t* nodes[max_inner_levels];
        path_nodes(nodes);
        for (unsigned d = last; d-- > 0;) {
            if (path_[d] > 0) {
                --path_[d];
                descend_rightmost(nodes[d]->children[path_[d]], d + 1);
                return;
            }
        }
    }

    const node_t* root_ = nullptr;
    const leaf_t* leaf_ = nullptr;
    const inner_t* parent_ = nullptr;
    std::uint16_t pos_ = 0;
    std::uint8_t height_ = 0;
    std::uint8_t path_[max_inner_levels] = {};
};

// The entries between two iterators of one tree, as a view (range-for, std::ranges).
// (A plain view_base rather than view_interface: clang 14 cannot check the latter's
// constraints against this class.)
template <class It>
class range_view : public std::ranges::view_base {
public:
    range_view() = default;
    range_view(It first, It last) noexcept : first_(first), last_(last) {}
    It begin() const noexcept { return first_; }
    It end() const noexcept { return last_; }
    bool empty() const noexcept { return first_ == last_; }
    explicit operator bool() const noexcept { return !empty(); }

private:
    It first_{};
    It last_{};
};

} // namespace immutable::detail::btree
