#pragma once
// The engine of immutable::queue: one small node per version, holding a list and the
// index of the queue's front inside it.
//
// The structure. A queue is a list of every element pushed since the last compaction
// plus `front`, the number of them already popped. push appends to the list (amortized
// O(1), usually in place: see the list's slot-claiming push_back); pop only advances
// `front`, so it never touches, copies or destroys an element. The consumed prefix is
// dropped in one list::drop once it is at least as long as the live part and at least
// `compact_after` elements: each pop then pays O(1) of that drop on average, and the
// list never holds more than max(2 * size(), size() + compact_after) elements.
//
// Why a node per version, not a list and an index held by value. Two queues can share
// every list node and differ only in `front` (q and q.pop()), or only in how much of a
// shared tail they use (q and q.push(x)); no single address inside the list tells all
// of those apart, yet identity() must (immutable::atom compares versions by it, and a
// false "same version" there loses an update or pops one element twice). A node per
// version makes identity() its address. The cost: one allocation of sizeof(queue_node)
// bytes per push or pop (build() and a builder's changes allocate none), and a queue
// object is one pointer, copied with one reference-count increment. A push or pop on an
// rvalue queue that holds its node alone (q = std::move(q).pop()) reuses the node in
// place: no other version can see it, so no identity is lost.
//
// Popped elements are destroyed when the compaction drops them (or the last version
// that holds them goes away), not by pop itself.

#include <cstddef>
#include <utility>

#include <immutable/detail/ownership.hpp>
#include <immutable/list.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::queue {

struct queue_access; // debug.hpp: lets tests look inside

// Pops that may pile up in front of the live elements before a compaction is considered:
// below this a drop would be frequent and buy back little memory.
inline constexpr std::size_t compact_after = 32;

// True when a list holding `list_size` elements, the first `consumed` of them popped,
// should drop the consumed prefix.
constexpr bool should_compact(std::size_t consumed, std::size_t list_size) noexcept {
    return consumed >= compact_after && consumed >= list_size - consumed;
}

//   struct queue_node {
//       refcount           refs;
//       list<T, Policy>    elements;   // [0, front) popped, [front, size) the queue
//       size_t             front;
//   };
//
// Invariants: front < elements.size() (a node never holds an empty queue: the empty
// queue is a null pointer); !should_compact(front, elements.size()) right after the pop
// that produced the node, unless that compaction failed (see ops.hpp).
// A node is changed only by a queue that holds its sole reference and is being consumed
// (the rvalue push and pop); a shared node never changes.
//
// The node is its own family (ownership.hpp): one node type, and its size is fixed.
template <class T, class Policy>
struct queue_node {
    using node_type = queue_node;
    using policy = Policy;
    using list_type = list<T, Policy>;

    typename Policy::refcount refs;
    list_type elements;
    std::size_t front;

    queue_node(list_type&& l, std::size_t f) noexcept : elements(std::move(l)), front(f) {}

    std::size_t size() const noexcept { return elements.size() - front; }

    // The list's destructor gives up the list's nodes; then the memory goes back.
    static void dispose(queue_node* n) noexcept { node_memory<Policy>::destroy(n, sizeof(queue_node)); }
    // The only structure it releases is its own list, whose nodes count nesting depth
    // themselves when their elements may nest: one frame between two counted ones.
    static constexpr bool dispose_may_nest() noexcept { return false; }
};

} // namespace immutable::detail::queue
