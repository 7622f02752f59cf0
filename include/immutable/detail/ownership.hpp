#pragma once
// Node ownership: the one owning handle and the one node lifetime helper every engine
// uses. Nothing outside this file and refcount.hpp touches a reference count directly.
//
// A node family is what an engine tells this layer about its nodes:
//
//   struct family {
//       using node_type = ...;      // the type handles point to; has a `refs` member of
//                                   // type Policy::refcount as its first member
//       using policy = ...;         // the memory policy the nodes come from
//       // Destroys a node whose last reference went away: its elements, its references
//       // to its children (through node_ptr or release<>), and its memory (node_memory).
//       static void dispose(node_type* n) noexcept;
//       // Optional: false when dispose cannot reach a structure nested in the elements
//       // (see dispose_nests below). Absent means it may.
//       static constexpr bool dispose_may_nest() noexcept;
//   };
//
// A node type may be its own family (champ and btree nodes are). The list engine has two
// node types behind one base, so its family is a separate struct whose dispose reads the
// node's kind.
//
// Why a family and not just the node type: the reference count may have to hand a node
// to another thread to be destroyed there (see refcount.hpp), and that thread must know
// how to destroy it from the pointer alone.

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <immutable/detail/config.hpp>
#include <immutable/detail/dispose_depth.hpp>
#include <immutable/detail/refcount.hpp>

namespace immutable::detail {

template <class Family>
using family_node_t = typename Family::node_type;

// ---- counting --------------------------------------------------------------------------

// Adds one reference to `n` for the caller (who must already hold one, directly or
// through a parent it holds).
template <class Family>
IMMUTABLE_ALWAYS_INLINE void retain(const family_node_t<Family>* n) noexcept {
    const_cast<family_node_t<Family>*>(n)->refs.retain();
}

// Can disposing a node of Family release the nodes of another structure held in its
// elements (a list of lists, a box in a box)? Only such disposes go through
// dispose_depth.hpp; the others recurse no deeper than their own tree and skip its
// thread-local bookkeeping. A member function, so that it is evaluated only once the
// element type is complete.
template <class Family>
constexpr bool dispose_nests() noexcept {
    if constexpr (requires { Family::dispose_may_nest(); }) {
        return Family::dispose_may_nest();
    } else {
        return true;
    }
}

// Gives up one reference to `n`; destroys the node when it was the last.
template <class Family>
IMMUTABLE_ALWAYS_INLINE void release(const family_node_t<Family>* n) noexcept {
    // A count that hands its node to another thread finds the node from the count's own
    // address (biased/refcount.hpp), so the count must head a standard-layout node.
    static_assert(std::is_standard_layout_v<family_node_t<Family>> &&
                      offsetof(family_node_t<Family>, refs) == 0,
                  "a node family's node_type starts with its `refs` and is standard-layout");
    auto* m = const_cast<family_node_t<Family>*>(n);
    if (m->refs.template release<Family>(m)) {
        // Through dispose_depth.hpp: nested structures are destroyed without nesting as deep.
        if constexpr (dispose_nests<Family>()) {
            dispose_bounded<Family>(m);
        } else {
            Family::dispose(m);
        }
    }
}

// True when the caller's reference is the only one, so the node may be changed in place.
template <class Family>
IMMUTABLE_ALWAYS_INLINE bool is_unique(const family_node_t<Family>* n) noexcept {
    return n->refs.unique();
}

// ---- the owning handle -----------------------------------------------------------------

// Owns one reference to a node (or nothing). Moving hands the reference on; the
// destructor gives it up, so unwinding after a throw releases whatever a half-done
// operation had taken. The verbs:
//   node_ptr<F>::adopt(n)   take over a reference the caller already owns (a new node)
//   node_ptr<F>::share(n)   add a reference of its own to a node someone else holds
//   get()                   look, without owning
//   take()                  hand the reference to the caller, leaving the handle empty
//   unique()                the only reference anywhere: the node may be edited in place
template <class Family>
class node_ptr {
public:
    using node_type = family_node_t<Family>;

    node_ptr() noexcept = default;
    node_ptr(std::nullptr_t) noexcept {}

    [[nodiscard]] static node_ptr adopt(node_type* n) noexcept { return node_ptr(n); }
    [[nodiscard]] static node_ptr share(const node_type* n) noexcept {
        if (n != nullptr) retain<Family>(n);
        return node_ptr(const_cast<node_type*>(n));
    }

    node_ptr(node_ptr&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
    node_ptr& operator=(node_ptr&& other) noexcept {
        node_ptr(std::move(other)).swap(*this);
        return *this;
    }
    node_ptr(const node_ptr&) = delete;
    node_ptr& operator=(const node_ptr&) = delete;
    // Forced inline: handles are moved from far more often than they release, and a call
    // for the null test alone showed up in the update paths' instruction counts.
    IMMUTABLE_ALWAYS_INLINE ~node_ptr() {
        if (p_ != nullptr) release<Family>(p_);
    }

    [[nodiscard]] node_type* get() const noexcept { return p_; }
    node_type* operator->() const noexcept { return p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    [[nodiscard]] node_type* take() noexcept { return std::exchange(p_, nullptr); }
    [[nodiscard]] bool unique() const noexcept { return p_ != nullptr && is_unique<Family>(p_); }

    // Releases the node held now, if any, and holds nothing.
    void reset() noexcept { node_ptr().swap(*this); }
    void swap(node_ptr& other) noexcept { std::swap(p_, other.p_); }

private:
    explicit node_ptr(node_type* n) noexcept : p_(n) {}
    node_type* p_ = nullptr;
};

// ---- node lifetime ---------------------------------------------------------------------

// Allocation and construction of nodes through a memory policy, and the reverse. Every
// node of every engine is made and freed here, so the policy sees one allocate() per node
// (header and trailing elements together) and the reference count is set up in one place.
template <class Policy>
struct node_memory {
    // Raw memory for a node of `bytes` bytes (header included). Also the moment a thread
    // takes back nodes other threads handed to it (see refcount.hpp): it is about to
    // change something, and the work is proportional to what it was handed.
    [[nodiscard]] static void* allocate(std::size_t bytes) {
        Policy::refcount::before_allocation();
        return Policy::allocate(bytes);
    }
    static void deallocate(void* p, std::size_t bytes) noexcept { Policy::deallocate(p, bytes); }

    // Allocates `bytes` and constructs the node header `Node(args...)` at its start, with
    // one reference owned by the caller. The header's constructor must not throw (trailing
    // elements are constructed by the caller afterwards, which unwinds them itself).
    template <class Node, class... Args>
    [[nodiscard]] static Node* create(std::size_t bytes, Args&&... args) {
        static_assert(std::is_nothrow_constructible_v<Node, Args...>,
                      "node headers are constructed without throwing");
        return ::new (allocate(bytes)) Node(std::forward<Args>(args)...);
    }

    // Ends the node header's lifetime and returns its `bytes` to the policy. Trailing
    // elements and child references must already be gone.
    template <class Node>
    static void destroy(Node* n, std::size_t bytes) noexcept {
        std::destroy_at(n);
        deallocate(n, bytes);
    }
};

} // namespace immutable::detail
