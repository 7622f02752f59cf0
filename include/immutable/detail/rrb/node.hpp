#pragma once
// Nodes of the relaxed radix balanced tree (RRB) behind immutable::list.
//
// The structure. A list is a tree of 32-way inner nodes over leaves of up to 32 elements,
// plus a separate "tail" leaf holding the last 1..32 elements. Appending writes into the
// tail; only every 32nd push moves a full tail into the tree. A list of at most 32
// elements has no tree at all: it is one flat leaf (the tail), one allocation.
//
// Why radix: in a balanced tree ("regular" nodes) every child but the last of a node at
// shift s holds exactly 2^s elements, so the path to index i is read straight off its
// bits, (i >> s) & 31 per level: no searching, no size fields.
//
// Why relaxed: concatenation, slicing from the front and insertion cannot keep that
// shape without copying O(n) elements. A "relaxed" node carries a table of cumulative
// child sizes instead, and the lookup scans it from the radix guess (at most a slot or
// two: the concatenation keeps nodes nearly full). Relaxed nodes only appear where one of
// those operations happened; a list built by push_back never has one and is indexed by
// the pure-radix loop.
//
// What it costs: 16 bytes of header per leaf, 264 bytes per regular inner node (one per
// 1024 elements), 520 bytes per relaxed one.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <immutable/detail/config.hpp>
#include <immutable/detail/refcount.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::rrb {

inline constexpr unsigned bits = 5;
inline constexpr std::uint32_t branches = 1u << bits; // children per inner node, elements per leaf
inline constexpr std::size_t mask = branches - 1;

// The count of constructed slots of a leaf. Atomic when the policy's reference counts are
// (the slot-claiming push_back below races between threads), a plain integer otherwise.
template <class Policy>
class fill_counter {
    static constexpr bool concurrent =
        !std::is_same_v<typename Policy::refcount, detail::plain_refcount>;

public:
    explicit fill_counter(std::uint32_t n) noexcept : value_(n) {}

    std::uint32_t load() const noexcept {
        if constexpr (concurrent) return value_.load(std::memory_order_acquire);
        else return value_;
    }
    // Only the single owner (a builder holding the node uniquely, or a destroyer) writes
    // with store(); the release pairs with claim()'s acquire.
    void store(std::uint32_t n) noexcept {
        if constexpr (concurrent) value_.store(n, std::memory_order_release);
        else value_ = n;
    }
    // Takes slot `expected` for the caller if nobody has constructed it yet.
    // While the process has one thread a plain compare and store does (see refcount.hpp).
    bool claim(std::uint32_t expected) noexcept {
        if constexpr (concurrent) {
            if (process_is_single_threaded()) {
                if (value_.load(std::memory_order_relaxed) != expected) return false;
                value_.store(expected + 1, std::memory_order_relaxed);
                return true;
            }
            return value_.compare_exchange_strong(expected, expected + 1,
                                                  std::memory_order_acq_rel,
                                                  std::memory_order_relaxed);
        } else {
            if (value_ != expected) return false;
            value_ = expected + 1;
            return true;
        }
    }

private:
    std::conditional_t<concurrent, std::atomic<std::uint32_t>, std::uint32_t> value_;
};

// Every node starts with its reference count.
template <class Policy>
struct node_base {
    typename Policy::refcount refs;
};

// A leaf: a tree leaf, the tail, or the single node of a small list.
//
//   struct leaf_node {
//       refcount      refs;
//       fill_counter  fill;       // slots [0, fill) hold constructed elements
//       uint32_t      capacity;   // slots allocated: 1..32 (only small lists use < 32)
//       T             elements[capacity];   // at elements_offset()
//   };
//
// Invariants: fill <= capacity. A leaf never knows how many of its elements a given list
// uses: the list (for the tail) or the parent's size (for a tree leaf) says so, and no
// reader ever looks past that count. The node destroys elements [0, fill).
//
// The claimed slot. A push_back onto a list whose tail count equals the tail's fill (it
// is the longest version using that node) takes slot `fill` with one compare-and-swap
// fill: n -> n+1, constructs the element there and shares the node with the new list,
// instead of copying up to 31 elements into a fresh one. Every other version sharing the
// node reads only its own first n elements, which nobody writes again, so sharing is safe.
// Two threads pushing onto the same version: exactly one CAS wins; the loser sees
// fill != n and copies, as it would without the trick. If the element's copy throws, the
// winner stores fill = n back: no one else can have seen slot n, because no version with
// n+1 elements exists yet, and any other claimant failed its CAS.
template <class T, class Policy>
struct leaf_node : node_base<Policy> {
    fill_counter<Policy> fill;
    std::uint32_t capacity;

    leaf_node(std::uint32_t filled, std::uint32_t cap) noexcept : fill(filled), capacity(cap) {}

    static constexpr std::size_t elements_offset() noexcept {
        return (sizeof(leaf_node) + alignof(T) - 1) / alignof(T) * alignof(T);
    }
    static constexpr std::size_t bytes(std::uint32_t cap) noexcept {
        return elements_offset() + std::size_t{cap} * sizeof(T);
    }
    T* elements() noexcept {
        return std::launder(reinterpret_cast<T*>(reinterpret_cast<std::byte*>(this) + elements_offset()));
    }
    const T* elements() const noexcept {
        return std::launder(
            reinterpret_cast<const T*>(reinterpret_cast<const std::byte*>(this) + elements_offset()));
    }
};

// An inner node: regular (radix) or relaxed (with a size table).
//
//   struct inner_node {
//       refcount      refs;
//       fill_counter  filled;             // children [0, filled) hold a reference each
//       bool          relaxed;
//       node_base*    children[32];       // leaves when this node's shift is 5
//       size_t        sizes[32];          // only if relaxed: sizes[j] = elements in children 0..j
//   };
//
// Invariants for a node at shift s (each child covers at most 2^s elements), seen from a
// version in which the node holds `size` elements:
//   regular: the version uses ceil(size / 2^s) children (children_in()); every child is
//            regular (or a leaf); all but the last of those hold exactly 2^s elements.
//            The node may own more children than a version uses: see below.
//   relaxed: uses all `filled` children; sizes[] is strictly increasing; children may be
//            relaxed or regular.
//
// Claimed child slots. The tail's slot claiming (see leaf_node) works one level up too:
// when a full tail moves into a regular tree, the new leaf's path joins the right spine
// at the node where index tree_size starts a new child. If that node's `filled` equals
// the children this version uses, push_back claims the slot with a compare-and-swap and
// writes the path there, sharing every node above instead of copying the path (and
// retaining 32 children per copied node). Versions never read a child beyond their own
// size, and a node releases all `filled` children when it dies. Relaxed nodes are never
// claimed, so for them `filled` is exact.
template <class Policy>
struct inner_node : node_base<Policy> {
    fill_counter<Policy> filled;
    bool relaxed;
    node_base<Policy>* children[branches];

    inner_node(std::uint32_t n, bool is_relaxed) noexcept : filled(n), relaxed(is_relaxed) {}

    static constexpr std::size_t bytes(bool is_relaxed) noexcept {
        return sizeof(inner_node) + (is_relaxed ? branches * sizeof(std::size_t) : 0);
    }
    std::size_t* sizes() noexcept {
        return reinterpret_cast<std::size_t*>(reinterpret_cast<std::byte*>(this) + sizeof(inner_node));
    }
    const std::size_t* sizes() const noexcept {
        return reinterpret_cast<const std::size_t*>(reinterpret_cast<const std::byte*>(this) +
                                                    sizeof(inner_node));
    }
};

// Allocation, sharing and destruction of nodes; every engine function goes through here.
template <class T, class Policy>
struct nodes {
    using base = node_base<Policy>;
    using leaf = leaf_node<T, Policy>;
    using inner = inner_node<Policy>;

    static_assert(alignof(T) <= alignof(std::max_align_t),
                  "immutable::list: over-aligned element types are not supported");

    static leaf* as_leaf(base* n) noexcept { return static_cast<leaf*>(n); }
    static const leaf* as_leaf(const base* n) noexcept { return static_cast<const leaf*>(n); }
    static inner* as_inner(base* n) noexcept { return static_cast<inner*>(n); }
    static const inner* as_inner(const base* n) noexcept { return static_cast<const inner*>(n); }

    static void retain(const base* n) noexcept { const_cast<base*>(n)->refs.retain(); }

    // ---- leaves ----------------------------------------------------------------------
    static leaf* allocate_leaf(std::uint32_t cap) {
        void* p = Policy::allocate(leaf::bytes(cap));
        return ::new (p) leaf(0, cap);
    }
    static void free_leaf_storage(leaf* l) noexcept {
        const std::uint32_t cap = l->capacity;
        l->~leaf();
        Policy::deallocate(l, leaf::bytes(cap));
    }
    static void destroy_leaf(leaf* l) noexcept {
        std::destroy_n(l->elements(), l->fill.load());
        free_leaf_storage(l);
    }
    static void release_leaf(const leaf* l) noexcept {
        leaf* m = const_cast<leaf*>(l);
        if (m->refs.release()) destroy_leaf(m);
    }

    // A fresh leaf holding copies of [src, src + n). Nothing leaks if a copy throws.
    static leaf* copy_leaf(const T* src, std::uint32_t n, std::uint32_t cap) {
        leaf* l = allocate_leaf(cap);
        try {
            std::uninitialized_copy_n(src, n, l->elements());
        } catch (...) {
            free_leaf_storage(l);
            throw;
        }
        l->fill.store(n);
        return l;
    }
    // A fresh leaf holding copies of [src, src + n) followed by one new element.
    template <class U>
    static leaf* copy_leaf_push(const T* src, std::uint32_t n, std::uint32_t cap, U&& value) {
        leaf* l = allocate_leaf(cap);
        T* dst = l->elements();
        std::uint32_t done = 0;
        try {
            ::new (static_cast<void*>(dst + n)) T(std::forward<U>(value));
            done = 1;
            std::uninitialized_copy_n(src, n, dst);
        } catch (...) {
            if (done) std::destroy_at(dst + n);
            free_leaf_storage(l);
            throw;
        }
        l->fill.store(n + 1);
        return l;
    }
    // A fresh leaf holding copies of [src, src + n) with element `at` replaced by `value`.
    template <class U>
    static leaf* copy_leaf_set(const T* src, std::uint32_t n, std::uint32_t cap, std::uint32_t at,
                               U&& value) {
        return copy_leaf_around(src, at, src + at + 1, n - at - 1, cap, std::forward<U>(value));
    }
    // A fresh leaf: one new element at `at`, the others copied from [src, src + n).
    template <class U>
    static leaf* copy_leaf_insert(const T* src, std::uint32_t n, std::uint32_t cap,
                                  std::uint32_t at, U&& value) {
        return copy_leaf_around(src, at, src + at, n - at, cap, std::forward<U>(value));
    }
    // A fresh leaf: copies of [before, before + n_before), then value, then copies of
    // [after, after + n_after). Whole runs go through uninitialized_copy_n, which is a
    // memcpy for trivially copyable T.
    template <class U>
    static leaf* copy_leaf_around(const T* before, std::uint32_t n_before, const T* after,
                                  std::uint32_t n_after, std::uint32_t cap, U&& value) {
        leaf* l = allocate_leaf(cap);
        T* dst = l->elements();
        std::uint32_t done = 0;
        bool middle = false;
        try {
            ::new (static_cast<void*>(dst + n_before)) T(std::forward<U>(value));
            middle = true;
            std::uninitialized_copy_n(before, n_before, dst);
            done = n_before;
            std::uninitialized_copy_n(after, n_after, dst + n_before + 1);
        } catch (...) {
            std::destroy_n(dst, done);
            if (middle) std::destroy_at(dst + n_before);
            free_leaf_storage(l);
            throw;
        }
        l->fill.store(n_before + 1 + n_after);
        return l;
    }

    // ---- inner nodes -----------------------------------------------------------------
    static inner* allocate_inner(bool relaxed) {
        void* p = Policy::allocate(inner::bytes(relaxed));
        return ::new (p) inner(0, relaxed);
    }
    static void free_inner(inner* n) noexcept {
        const bool relaxed = n->relaxed;
        n->~inner();
        Policy::deallocate(n, inner::bytes(relaxed));
    }
    // Children of n (at `shift`) that a version holding n_size elements in it uses.
    static std::uint32_t children_in(const inner* n, unsigned shift, std::size_t n_size) noexcept {
        if (n->relaxed) return n->filled.load();
        return static_cast<std::uint32_t>(((n_size - 1) >> shift) + 1);
    }

    // A copy of the first `count` children of `src`, sharing (retaining) them, except
    // child `skip` which the caller is about to replace (pass branches to retain all).
    static inner* copy_inner(const inner* src, bool relaxed, std::uint32_t count,
                             std::uint32_t skip = branches) {
        inner* n = allocate_inner(relaxed);
        n->filled.store(count);
        for (std::uint32_t j = 0; j < count; ++j) {
            n->children[j] = src->children[j];
            if (j != skip) retain(src->children[j]);
        }
        if (relaxed && src->relaxed) {
            std::copy_n(src->sizes(), count, n->sizes());
        }
        return n;
    }

    // In a node the caller owns alone: drops children beyond the `used` ones (claimed by
    // versions that are gone), so slots from `used` on can be written again.
    static void trim_children(inner* n, unsigned shift, std::uint32_t used) noexcept {
        const std::uint32_t filled = n->filled.load();
        for (std::uint32_t j = used; j < filled; ++j) release(n->children[j], shift - bits);
        if (filled > used) n->filled.store(used);
    }

    // ---- any node ------------------------------------------------------------------
    // Drops one reference to `n`, a node at `shift` (0 = leaf), destroying it and, in
    // turn, its children when that was the last.
    // The decrement inlines into callers (a dying node drops up to 32 children, most of
    // them shared and still alive); only the destruction is out of line.
    static void release(const base* n, unsigned shift) noexcept {
        base* m = const_cast<base*>(n);
        if (m->refs.release()) destroy(m, shift);
    }
    IMMUTABLE_NOINLINE static void destroy(base* m, unsigned shift) noexcept {
        if (shift == 0) {
            destroy_leaf(as_leaf(m));
        } else {
            inner* in = as_inner(m);
            const std::uint32_t filled = in->filled.load();
            for (std::uint32_t j = 0; j < filled; ++j) release(in->children[j], shift - bits);
            free_inner(in);
        }
    }
};

} // namespace immutable::detail::rrb
