#pragma once
// Forward iteration over a CHAMP trie: depth-first, each node's inline entries first (one
// contiguous run), then its children in slot order. The order is a function of the
// content and the hash alone (the shape is canonical), except inside collision nodes,
// where it follows insertion history.
//
// The hot path of ++ is one pointer increment and one compare; the explicit stack (one
// slot per level, bounded by the trie depth) is touched only when a node's run ends.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>

#include <immutable/detail/assert.hpp>
#include <immutable/detail/champ/node.hpp>
#include <immutable/detail/config.hpp>

namespace immutable::detail::champ {

template <class Traits>
class iterator {
public:
    using node_type = node<Traits>;
    using iterator_category = std::forward_iterator_tag;
    using value_type = typename Traits::entry_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    iterator() noexcept = default;

    // Positioned on the first entry below `root` (or at the end when root is null).
    explicit iterator(const node_type* root) noexcept {
        if (root == nullptr) return;
        if (!push(root)) next_node(); // the root is a bitmap node
    }

    reference operator*() const noexcept {
        IMMUTABLE_ASSERT(cur_ != nullptr, "immutable::map/set iterator::operator*", "dereferencing an end iterator");
        return *cur_;
    }
    pointer operator->() const noexcept {
        IMMUTABLE_ASSERT(cur_ != nullptr, "immutable::map/set iterator::operator->", "dereferencing an end iterator");
        return cur_;
    }

    iterator& operator++() noexcept {
        IMMUTABLE_ASSERT(cur_ != nullptr, "immutable::map/set iterator::operator++", "incrementing an end iterator");
        if (++cur_ == end_) next_node();
        return *this;
    }
    iterator operator++(int) noexcept {
        iterator old = *this;
        ++*this;
        return old;
    }

    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.cur_ == b.cur_; }

private:
    static constexpr unsigned max_levels = node_type::shape_type::max_depth + 1;

    void next_node() noexcept {
        while (depth_ >= 0) {
            if (next_child_[depth_] < child_count_[depth_]) {
                const node_type* const* kids = path_[depth_]->children();
                const node_type* child = kids[next_child_[depth_]++];
                // Nodes sit at unrelated addresses: ask for the next sibling now, so its
                // miss overlaps with the walk through this child's subtree.
                if (next_child_[depth_] < child_count_[depth_]) {
                    IMMUTABLE_PREFETCH(kids[next_child_[depth_]]);
                }
                if (push(child)) return;
                // Neither inline entries nor children: a collision node (node.hpp).
                if (IMMUTABLE_UNLIKELY(child_count_[depth_] == 0)) {
                    cur_ = child->collision_entries();
                    end_ = cur_ + child->collision_size();
                    return;
                }
            } else {
                --depth_;
            }
        }
        cur_ = end_ = nullptr;
    }

    // Makes n the deepest node on the path and its inline entries the current run; false
    // when it has none. Each level keeps its child count: a popcount per node rather than
    // one per visit of each of its children.
    bool push(const node_type* n) noexcept {
        ++depth_;
        path_[depth_] = n;
        next_child_[depth_] = 0;
        unsigned children = popcount(n->nodemap);
        child_count_[depth_] = static_cast<std::uint8_t>(children);
        cur_ = std::launder(reinterpret_cast<const value_type*>(reinterpret_cast<const char*>(n) +
                                                                node_type::entries_offset(children)));
        end_ = cur_ + popcount(n->datamap);
        return cur_ != end_;
    }

    const value_type* cur_ = nullptr;
    const value_type* end_ = nullptr;
    int depth_ = -1;
    const node_type* path_[max_levels] = {};
    std::uint8_t next_child_[max_levels] = {};  // the next child to visit, per level
    std::uint8_t child_count_[max_levels] = {}; // and how many there are
};

} // namespace immutable::detail::champ
