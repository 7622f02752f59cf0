#pragma once
// The engine of immutable::box: one node holding one value, shared by every copy of the
// box. The node is allocated once, when the value is made, and never changed; a box that
// "changes" makes a new node.
//
// The class is only a header, so that box<T> can be named while T is incomplete (a box
// inside T's own definition is the point of a box): the value's offset, the node's size
// and the value itself are reached through static functions, which are instantiated only
// where they are used, and by then T is complete.

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#include <immutable/detail/ownership.hpp>

namespace immutable::detail::box {

//   struct box_node {
//       refcount  refs;     // one per box holding the node
//       T         value;    // at value_offset(); constructed before the first box holds
//                           // the node, destroyed by dispose, never written in between
//   };
//
// The node is its own family (ownership.hpp): one node type of a fixed size.
template <class T, class Policy>
struct box_node {
    using node_type = box_node;
    using policy = Policy;
    using memory = node_memory<Policy>;

    typename Policy::refcount refs;

    box_node() noexcept = default;

    static constexpr std::size_t value_offset() noexcept {
        static_assert(alignof(T) <= alignof(std::max_align_t),
                      "immutable::box: over-aligned value types are not supported");
        return (sizeof(box_node) + alignof(T) - 1) / alignof(T) * alignof(T);
    }
    static constexpr std::size_t bytes() noexcept { return value_offset() + sizeof(T); }

    void* storage() noexcept { return reinterpret_cast<std::byte*>(this) + value_offset(); }
    const T& value() const noexcept {
        return *std::launder(reinterpret_cast<const T*>(reinterpret_cast<const std::byte*>(this) + value_offset()));
    }

    // A node holding the value `make(storage)` constructs there, with one reference, the
    // caller's. If the construction throws, the node's memory goes back before the
    // exception leaves, and nothing else was touched.
    template <class Construct>
    [[nodiscard]] static box_node* create(Construct&& construct) {
        struct unfinished {
            box_node* n;
            ~unfinished() {
                if (n != nullptr) memory::destroy(n, bytes());
            }
        } guard{memory::template create<box_node>(bytes())};
        std::forward<Construct>(construct)(guard.n->storage());
        return std::exchange(guard.n, nullptr);
    }

    // The value, then the header and the memory. The value's destructor may release
    // other nodes (a box inside the value): dispose_depth.hpp keeps that from nesting
    // as deep as the boxes do.
    static void dispose(box_node* n) noexcept {
        std::destroy_at(&n->value());
        memory::destroy(n, bytes());
    }
};

} // namespace immutable::detail::box
