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
// What it costs: 12 bytes of header per leaf (16 before 8-byte elements), 272 bytes per
// regular inner node (one per 1024 elements), 528 bytes per relaxed one.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <array>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <immutable/detail/config.hpp>
#include <immutable/detail/ownership.hpp>
#include <immutable/detail/refcount.hpp>
#include <immutable/memory.hpp>

namespace immutable {
// Declared here for claims_slots below; defined in their own headers.
template <class T, memory_policy Policy> class list;
template <class T, memory_policy Policy> class queue;
template <class T, memory_policy Policy> class box;
template <class T, class Hash, class Equal, memory_policy Policy> class set;
template <class T, class Compare, memory_policy Policy> class sorted_set;
template <class K, class V, class Hash, class Equal, memory_policy Policy> class map;
template <class K, class V, class Compare, memory_policy Policy> class sorted_map;
} // namespace immutable

namespace immutable::detail::rrb {

inline constexpr unsigned bits = 5;
inline constexpr std::uint32_t branches = 1u << bits; // children per inner node, elements per leaf
inline constexpr std::size_t mask = branches - 1;

// The count of constructed slots of a node. Atomic when the policy's reference counts may
// be shared between threads (a node may be destroyed on another thread than the one that
// last claimed a slot in it), a plain integer otherwise.
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
    // with store(); the release pairs with load()'s acquire.
    void store(std::uint32_t n) noexcept {
        if constexpr (concurrent) value_.store(n, std::memory_order_release);
        else value_ = n;
    }
    // Takes slot `expected` for the caller if nobody has constructed it yet: a
    // compare-and-swap, since threads may push onto the same version at once.
    bool claim(std::uint32_t expected) noexcept {
        if constexpr (concurrent) {
            return value_.compare_exchange_strong(expected, expected + 1, std::memory_order_acq_rel,
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

// What a node is, recorded in it so that it can be destroyed from its pointer alone.
enum class node_kind : std::uint8_t { leaf, inner };

// The header of every node. Both kinds are a row of slots: a leaf's hold elements, an
// inner node's hold references to children.
//
//   struct node_base {
//       refcount      refs;       // first, as ownership.hpp requires
//       fill_counter  fill;       // slots [0, fill) are in use
//       node_kind     kind;       // leaf or inner: what node_family::dispose reads
//       uint8_t       capacity;   // slots allocated: a leaf's 1..32, an inner node's 32
//       uint16_t      unused;     // zero
//   };
//
// kind and capacity fill what would otherwise be padding after `fill`: with 4-byte
// counts the header is 12 bytes, and the elements of a leaf of 8-byte values start at 16.
template <class Policy>
struct node_base {
    typename Policy::refcount refs;
    fill_counter<Policy> fill;
    node_kind kind;
    std::uint8_t capacity;
    std::uint16_t unused = 0; // written, so that making a header takes two stores, not three

    node_base(node_kind k, std::uint32_t cap) noexcept
        : fill(0), kind(k), capacity(static_cast<std::uint8_t>(cap)) {}
};

// Whether push_back may claim a slot in a node other versions share (leaf_node and
// inner_node below). Only for element types that cannot hold a list: a claimed element
// holding a version of its own list (a recursive type, struct node { list<node> kids; },
// pushing a node that holds the list it is pushed onto) would keep the shared node alive
// from inside it, and neither would ever be freed. A trivially destructible type holds no
// reference, nor does a std::string. Other types copy the tail (up to 31 elements) when
// pushing onto a shared version; in place on a list held alone (std::move(l).push_back,
// builders) they lose nothing, since a node held alone cannot be reached from the value.
// Standard compositions of such types qualify too. A type known to hold no list may opt
// in by specializing claims_slots (the tests' element type that throws on copy does, to
// test the claim's unwinding).
template <class T>
struct claims_slots : std::bool_constant<std::is_trivially_destructible_v<T>> {};
template <class C, class Traits>
struct claims_slots<std::basic_string<C, Traits, std::allocator<C>>> : std::true_type {};
template <class U>
struct claims_slots<std::vector<U, std::allocator<U>>> : claims_slots<U> {};
template <class U>
struct claims_slots<std::optional<U>> : claims_slots<U> {};
template <class U, std::size_t N>
struct claims_slots<std::array<U, N>> : claims_slots<U> {};
template <class A, class B>
struct claims_slots<std::pair<A, B>> : std::bool_constant<claims_slots<A>::value && claims_slots<B>::value> {};
template <class... Us>
struct claims_slots<std::tuple<Us...>> : std::bool_constant<(claims_slots<Us>::value && ...)> {};
template <class... Us>
struct claims_slots<std::variant<Us...>> : std::bool_constant<(claims_slots<Us>::value && ...)> {};
// The library's own containers of such types: a list<std::string> element can only reach
// nodes of list<std::string>, never the list<list<std::string>> it sits in.
template <class U, class P>
struct claims_slots<::immutable::list<U, P>> : claims_slots<U> {};
template <class U, class P>
struct claims_slots<::immutable::queue<U, P>> : claims_slots<U> {};
template <class U, class P>
struct claims_slots<::immutable::box<U, P>> : claims_slots<U> {};
template <class U, class H, class E, class P>
struct claims_slots<::immutable::set<U, H, E, P>> : claims_slots<U> {};
template <class U, class C, class P>
struct claims_slots<::immutable::sorted_set<U, C, P>> : claims_slots<U> {};
template <class K, class V, class H, class E, class P>
struct claims_slots<::immutable::map<K, V, H, E, P>> : std::bool_constant<claims_slots<K>::value && claims_slots<V>::value> {};
template <class K, class V, class C, class P>
struct claims_slots<::immutable::sorted_map<K, V, C, P>>
    : std::bool_constant<claims_slots<K>::value && claims_slots<V>::value> {};
template <class T>
inline constexpr bool may_claim_slots = claims_slots<T>::value;

// A leaf: a tree leaf, the tail, or the single node of a small list.
//
//   struct leaf_node {
//       node_base     header;     // fill: slots holding constructed elements
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
// Two threads pushing onto the same version: exactly one compare-and-swap wins; the loser
// sees fill != n and copies, as it would without the trick. If the element's copy throws,
// the winner stores fill = n back: no one else can have seen slot n, because no version
// with n+1 elements exists yet, and any other claimant failed its compare-and-swap.
template <class T, class Policy>
struct leaf_node : node_base<Policy> {
    // Here rather than in the list: a list may be named while T is still incomplete.
    static_assert(alignof(T) <= alignof(std::max_align_t),
                  "immutable::list: over-aligned element types are not supported");

    explicit leaf_node(std::uint32_t cap) noexcept : node_base<Policy>(node_kind::leaf, cap) {}

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
//       node_base     header;             // fill: children [0, fill) hold a reference each
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
//   relaxed: uses all `fill` children; sizes[] is strictly increasing; children may be
//            relaxed or regular.
//
// Claimed child slots. The tail's slot claiming (see leaf_node) works one level up too:
// when a full tail moves into a regular tree, the new leaf's path joins the right spine
// at the node where index tree_size starts a new child. If that node's `fill` equals
// the children this version uses, push_back claims the slot with a compare-and-swap and
// writes the path there, sharing every node above instead of copying the path (and
// retaining 32 children per copied node). Versions never read a child beyond their own
// size, and a node releases all `fill` children when it dies. Relaxed nodes are never
// claimed, so for them `fill` is exact.
template <class Policy>
struct inner_node : node_base<Policy> {
    bool relaxed;
    node_base<Policy>* children[branches];

    explicit inner_node(bool is_relaxed) noexcept
        : node_base<Policy>(node_kind::inner, branches), relaxed(is_relaxed) {}

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

// The node family of a list<T, Policy> (see ownership.hpp): both kinds of node behind
// node_base, told apart by their kind when the last reference goes.
template <class T, class Policy>
struct node_family {
    using node_type = node_base<Policy>;
    using policy = Policy;

    // Elements with trivial destructors cannot hold another structure's nodes.
    static constexpr bool dispose_may_nest() noexcept { return !std::is_trivially_destructible_v<T>; }

    // Out of line: release<>() inlines the count's decrement into its callers (a dying
    // node drops up to 32 children, most of them shared and still alive); only the
    // destruction is a call.
    IMMUTABLE_NOINLINE static void dispose(node_type* n) noexcept {
        using memory = node_memory<Policy>;
        const std::uint32_t fill = n->fill.load();
        if (n->kind == node_kind::leaf) {
            auto* l = static_cast<leaf_node<T, Policy>*>(n);
            std::destroy_n(l->elements(), fill);
            memory::destroy(l, leaf_node<T, Policy>::bytes(l->capacity));
        } else {
            auto* in = static_cast<inner_node<Policy>*>(n);
            for (std::uint32_t j = 0; j < fill; ++j) release<node_family>(in->children[j]);
            memory::destroy(in, inner_node<Policy>::bytes(in->relaxed));
        }
    }
};

// Making nodes: every engine function allocates and fills nodes through here, and holds
// each new node by a handle (`ptr`) until it is linked in, so a throw anywhere releases
// exactly what was built.
template <class T, class Policy>
struct nodes {
    using base = node_base<Policy>;
    using leaf = leaf_node<T, Policy>;
    using inner = inner_node<Policy>;
    using family = node_family<T, Policy>;
    using ptr = detail::node_ptr<family>;
    using memory = node_memory<Policy>;

    static leaf* as_leaf(base* n) noexcept { return static_cast<leaf*>(n); }
    static const leaf* as_leaf(const base* n) noexcept { return static_cast<const leaf*>(n); }
    static inner* as_inner(base* n) noexcept { return static_cast<inner*>(n); }
    static const inner* as_inner(const base* n) noexcept { return static_cast<const inner*>(n); }

    // True when the caller's reference to n is the only one: n may be changed in place.
    IMMUTABLE_ALWAYS_INLINE static bool owned(const base* n) noexcept { return is_unique<family>(n); }

    // Takes the free slot `at` of a node other versions may share (see leaf_node and
    // inner_node), for element types that may claim (claims_slots).
    IMMUTABLE_ALWAYS_INLINE static bool claim_slot(const base* n, std::uint32_t at) noexcept {
        return may_claim_slots<T> && const_cast<base*>(n)->fill.claim(at);
    }

    // ---- leaves ----------------------------------------------------------------------
    // An empty leaf with `cap` slots.
    static ptr new_leaf(std::uint32_t cap) {
        return ptr::adopt(memory::template create<leaf>(leaf::bytes(cap), cap));
    }

    // A fresh leaf's elements are made in slot order. If an element's copy can throw, the
    // fill moves past each finished run, so that when one throws (std::uninitialized_copy_n
    // destroys the part of its run it made) the leaf's handle destroys exactly the
    // elements made before; the fill is set once at the end otherwise.
    static void copy_into(leaf* l, std::uint32_t at, const T* src, std::uint32_t n) {
        std::uninitialized_copy_n(src, n, l->elements() + at);
        if constexpr (!std::is_nothrow_copy_constructible_v<T>) l->fill.store(at + n);
    }
    template <class U>
    static void construct_into(leaf* l, std::uint32_t at, U&& value) {
        ::new (static_cast<void*>(l->elements() + at)) T(std::forward<U>(value));
        if constexpr (!std::is_nothrow_constructible_v<T, U&&>) l->fill.store(at + 1);
    }

    // A fresh leaf holding copies of [src, src + n).
    static ptr copy_leaf(const T* src, std::uint32_t n, std::uint32_t cap) {
        ptr p = new_leaf(cap);
        leaf* l = as_leaf(p.get());
        copy_into(l, 0, src, n);
        l->fill.store(n);
        return p;
    }
    // A fresh leaf holding copies of [a, a + na) followed by copies of [b, b + nb).
    static ptr copy_leaf_joined(const T* a, std::uint32_t na, const T* b, std::uint32_t nb, std::uint32_t cap) {
        ptr p = new_leaf(cap);
        leaf* l = as_leaf(p.get());
        copy_into(l, 0, a, na);
        copy_into(l, na, b, nb);
        l->fill.store(na + nb);
        return p;
    }
    // A fresh leaf holding copies of [src, src + n) followed by one new element.
    template <class U>
    static ptr copy_leaf_push(const T* src, std::uint32_t n, std::uint32_t cap, U&& value) {
        ptr p = new_leaf(cap);
        leaf* l = as_leaf(p.get());
        copy_into(l, 0, src, n);
        construct_into(l, n, std::forward<U>(value));
        l->fill.store(n + 1);
        return p;
    }
    // A fresh leaf holding copies of [src, src + n) with element `at` replaced by `value`.
    template <class U>
    static ptr copy_leaf_set(const T* src, std::uint32_t n, std::uint32_t cap, std::uint32_t at, U&& value) {
        return copy_leaf_around(src, at, src + at + 1, n - at - 1, cap, std::forward<U>(value));
    }
    // A fresh leaf: one new element at `at`, the others copied from [src, src + n).
    template <class U>
    static ptr copy_leaf_insert(const T* src, std::uint32_t n, std::uint32_t cap, std::uint32_t at, U&& value) {
        return copy_leaf_around(src, at, src + at, n - at, cap, std::forward<U>(value));
    }
    // A fresh leaf: copies of [before, before + n_before), then value, then copies of
    // [after, after + n_after). Whole runs go through uninitialized_copy_n, which is a
    // memcpy for trivially copyable T.
    template <class U>
    static ptr copy_leaf_around(const T* before, std::uint32_t n_before, const T* after, std::uint32_t n_after,
                                std::uint32_t cap, U&& value) {
        ptr p = new_leaf(cap);
        leaf* l = as_leaf(p.get());
        copy_into(l, 0, before, n_before);
        construct_into(l, n_before, std::forward<U>(value));
        copy_into(l, n_before + 1, after, n_after);
        l->fill.store(n_before + 1 + n_after);
        return p;
    }

    // ---- inner nodes -----------------------------------------------------------------
    // An inner node with no children yet.
    static ptr new_inner(bool relaxed) { return ptr::adopt(allocate_inner(relaxed)); }
    // The same without a handle, for a node the caller links into a node it holds at once.
    static inner* allocate_inner(bool relaxed) {
        return memory::template create<inner>(inner::bytes(relaxed), relaxed);
    }

    // Children of n (at `shift`) that a version holding n_size elements in it uses.
    static std::uint32_t children_in(const inner* n, unsigned shift, std::size_t n_size) noexcept {
        if (n->relaxed) return n->fill.load();
        return static_cast<std::uint32_t>(((n_size - 1) >> shift) + 1);
    }

    // A copy of the first `count` children of `src`, sharing them.
    static ptr copy_inner(const inner* src, bool relaxed, std::uint32_t count) {
        ptr p = new_inner(relaxed);
        inner* n = as_inner(p.get());
        for (std::uint32_t j = 0; j < count; ++j) {
            n->children[j] = src->children[j];
            retain<family>(src->children[j]);
        }
        finish_copy(n, relaxed, src, count);
        return p;
    }
    // The same with child `at` (< count) replaced by `child`, whose reference the copy
    // takes once it exists: if the allocation fails, the caller still holds it.
    static ptr copy_inner(const inner* src, bool relaxed, std::uint32_t count, std::uint32_t at, ptr&& child) {
        ptr p = new_inner(relaxed);
        inner* n = as_inner(p.get());
        for (std::uint32_t j = 0; j < at; ++j) {
            n->children[j] = src->children[j];
            retain<family>(src->children[j]);
        }
        n->children[at] = child.take();
        for (std::uint32_t j = at + 1; j < count; ++j) {
            n->children[j] = src->children[j];
            retain<family>(src->children[j]);
        }
        finish_copy(n, relaxed, src, count);
        return p;
    }
    static void finish_copy(inner* n, bool relaxed, const inner* src, std::uint32_t count) noexcept {
        n->fill.store(count);
        if (relaxed && src->relaxed) std::copy_n(src->sizes(), count, n->sizes());
    }

    // Puts `child` (its reference taken) in slot j of `parent`, releasing what was there.
    static void replace_child(inner* parent, std::uint32_t j, ptr&& child) noexcept {
        const ptr old = ptr::adopt(std::exchange(parent->children[j], child.take()));
    }

    // In a node the caller owns alone: drops children beyond the `used` ones (claimed by
    // versions that are gone), so slots from `used` on can be written again.
    IMMUTABLE_ALWAYS_INLINE static void trim_children(inner* n, std::uint32_t used) noexcept {
        const std::uint32_t fill = n->fill.load();
        if (IMMUTABLE_LIKELY(fill <= used)) return;
        release_children_from(n, used, fill);
    }
    IMMUTABLE_NOINLINE static void release_children_from(inner* n, std::uint32_t used, std::uint32_t fill) noexcept {
        for (std::uint32_t j = used; j < fill; ++j) release<family>(n->children[j]);
        n->fill.store(used);
    }
};

} // namespace immutable::detail::rrb
