#pragma once
// Persistent B+tree: bidirectional iterator and the [first, last) view used by range().
//
// Nodes have no parent pointers (a shared subtree has many parents), so an iterator cannot
// climb. It keeps the leaf, its parent and its slot there, the position in the leaf, and
// the rank (number of entries before it in the tree) of the leaf's first entry. Moving
// within a leaf or to a sibling under the same parent is O(1); crossing a parent boundary
// finds the next leaf again from the root by rank, through the subtree sizes the inner
// nodes keep, which happens once every ~inner_capacity leaves. end() is the position
// whose rank is the tree's size, so it is O(1) to make and compare against.
//
// Why a rank and not the path of child indexes: every field is a scalar and the slow step
// is a static function of scalars, so the compiler keeps a hot loop's iterator in
// registers (an array indexed by a variable pins the whole object to memory, and each ++
// then waits on a store and a reload). Ranks also make == and ordering exact even for a
// tree built with a comparator that is not an order, where one shared leaf can appear
// twice: the descent by rank never consults the comparator.
//
// An iterator stays valid as long as the tree it came from (or any version sharing its
// nodes) is alive.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <ranges>

#include <immutable/detail/assert.hpp>
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

    reference operator*() const noexcept {
        IMMUTABLE_ASSERT(leaf_ != nullptr, "immutable::sorted iterator::operator*", "dereferencing an end iterator");
        return leaf_->entries()[pos_];
    }
    pointer operator->() const noexcept {
        IMMUTABLE_ASSERT(leaf_ != nullptr, "immutable::sorted iterator::operator->", "dereferencing an end iterator");
        return leaf_->entries() + pos_;
    }

    iterator& operator++() noexcept {
        IMMUTABLE_ASSERT(leaf_ != nullptr, "immutable::sorted iterator::operator++", "incrementing an end iterator");
        if (++pos_ < leaf_count_) return *this;
        next_leaf();
        return *this;
    }
    iterator operator++(int) noexcept {
        iterator old = *this;
        ++*this;
        return old;
    }
    iterator& operator--() noexcept {
        IMMUTABLE_ASSERT(rank() != 0, "immutable::sorted iterator::operator--", "decrementing a begin iterator");
        if (pos_ > 0) {
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

    // The same position: the same rank (end is the rank equal to the size). The position
    // in the leaf is compared first, since it is the field that changes on every step.
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
        return a.pos_ == b.pos_ && a.first_ == b.first_;
    }

    // ---- engine side ------------------------------------------------------------------

    // The entries before this position, in O(1).
    std::size_t rank() const noexcept { return first_ + pos_; }

    static iterator end_of(const node_t* root, unsigned height, std::size_t size) noexcept {
        iterator it;
        it.root_ = root;
        it.height_ = static_cast<std::uint8_t>(height);
        it.first_ = size;
        return it;
    }

    static iterator begin_of(const node_t* root, unsigned height, std::size_t size) noexcept {
        iterator it = end_of(root, height, size);
        if (size != 0) it.move_to(locate(root, height, 0));
        return it;
    }

    // Positions on the first entry not less than k (upper = false) or greater than k
    // (upper = true).
    template <class Route, class LeafBound>
    static iterator seek(const node_t* root, unsigned height, std::size_t size, Route route, LeafBound bound) {
        iterator it = end_of(root, height, size);
        if (size == 0) return it;
        leaf_place place;
        const node_t* n = root;
        for (unsigned depth = 0; depth < height; ++depth) {
            const auto* in = as_inner(n);
            const std::size_t i = route(in);
            place.first += entries_before(in, i);
            place.parent = in;
            place.slot = static_cast<std::uint16_t>(i);
            n = in->children[i];
        }
        place.leaf = as_leaf(n);
        it.move_to(place);
        it.pos_ = static_cast<std::uint16_t>(bound(place.leaf));
        if (it.pos_ >= it.leaf_count_) it.next_leaf();
        return it;
    }

    // Does `a` come strictly before `b` in the tree they both belong to?
    static bool before(const iterator& a, const iterator& b) noexcept { return a.rank() < b.rank(); }

private:
    // A leaf found from the root: it, its parent (null when the root is the leaf), its slot
    // in the parent and the rank of its first entry. leaf is null past the last entry.
    struct leaf_place {
        const inner_t* parent = nullptr;
        const leaf_t* leaf = nullptr;
        std::size_t first = 0;
        std::uint16_t slot = 0;
    };

    // The leaf holding the entry of rank r, found through the subtree sizes; no leaf when
    // r is not below the tree's size. Kept out of line: it runs once per parent crossing.
    IMMUTABLE_NOINLINE static leaf_place locate(const node_t* root, unsigned height, std::size_t r) noexcept {
        leaf_place place;
        const node_t* n = root;
        std::size_t rest = r;
        for (unsigned depth = 0; depth < height; ++depth) {
            const auto* in = as_inner(n);
            const std::size_t i = child_by_rank(in, rest);
            if (i == in->count) return leaf_place{}; // only at the root: r is past the end
            place.parent = in;
            place.slot = static_cast<std::uint16_t>(i);
            n = in->children[i];
        }
        if (height == 0 && rest >= n->count) return leaf_place{};
        place.leaf = as_leaf(n);
        place.first = r - rest;
        return place;
    }

    // Enters `place` at its first entry, or becomes end (keeping first_ = size) when it
    // holds no leaf.
    void move_to(const leaf_place& place) noexcept {
        pos_ = 0;
        if (place.leaf == nullptr) {
            leaf_ = nullptr;
            parent_ = nullptr;
            leaf_count_ = 0;
            return;
        }
        parent_ = place.parent;
        leaf_ = place.leaf;
        slot_ = place.slot;
        first_ = place.first;
        leaf_count_ = place.leaf->count;
    }

    void next_leaf() noexcept {
        const std::size_t next = first_ + leaf_count_;
        if (parent_ != nullptr && slot_ + 1u < parent_->count) {
            ++slot_;
            leaf_ = as_leaf(parent_->children[slot_]);
            first_ = next;
            leaf_count_ = leaf_->count;
            pos_ = 0;
            return;
        }
        const leaf_place place = locate(root_, height_, next);
        if (place.leaf == nullptr) first_ = next; // end: the rank equals the size
        move_to(place);
    }

    // Steps back one leaf; begin stays where it is (decrementing begin is not valid).
    void previous_leaf() noexcept {
        if (first_ == 0) return;
        if (parent_ != nullptr && slot_ > 0) { // at end parent_ is null too
            --slot_;
            leaf_ = as_leaf(parent_->children[slot_]);
            leaf_count_ = leaf_->count;
            first_ -= leaf_count_;
        } else {
            move_to(locate(root_, height_, first_ - 1));
        }
        pos_ = static_cast<std::uint16_t>(leaf_count_ - 1);
    }

    const node_t* root_ = nullptr;
    const inner_t* parent_ = nullptr;
    const leaf_t* leaf_ = nullptr;  // null at end
    std::size_t first_ = 0;         // rank of leaf_'s first entry; the size at end
    std::uint16_t pos_ = 0;         // position in leaf_, < leaf_count_ (0 at end)
    std::uint16_t leaf_count_ = 0;  // leaf_->count, kept so ++ reads no node
    std::uint16_t slot_ = 0;        // leaf_'s index in parent_
    std::uint8_t height_ = 0;       // inner levels above the leaves
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
