#pragma once
// Persistent B+tree: node layout and ownership.
//
// Design. Entries live only in leaves; inner nodes route by key and count entries. Every
// node is one allocation of a fixed size chosen per entry type (see capacities below), so
// the allocator sees few size classes and a node copy is one linear pass. A node knows its
// level (0 = leaf), its count and an intrusive reference count; nothing points upwards,
// so any subtree can be shared by any number of trees. A change copies the path from the
// root to the leaf it touches ("path copying") and shares everything else; a builder or a
// temporary tree that holds the only reference to a node (unique refcount) edits it in
// place instead.
//
// Each inner node keeps, per child, the smallest key in that child's subtree and the number
// of entries in it. The keys route searches (key[0] is never consulted for routing, but
// makes every subtree self-describing, which keeps join/split simple: the separator for a
// subtree is always its own first key); the sizes give nth() and rank() in O(log n).
//
// Cost: one key copy per inner slot, and copying an inner node retains every child (one
// count increment each; with the default policy a locked one only for children another
// thread made).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <immutable/detail/config.hpp>
#include <immutable/detail/copies_as_bytes.hpp>
#include <immutable/detail/ownership.hpp>
#include <immutable/memory.hpp>

// Target node sizes in bytes. The defaults come from the measurement in docs/sorted_map.md;
// the macros exist so that measurement can be repeated.
#ifndef IMMUTABLE_BTREE_LEAF_BYTES
#define IMMUTABLE_BTREE_LEAF_BYTES 512
#endif
#ifndef IMMUTABLE_BTREE_INNER_BYTES
#define IMMUTABLE_BTREE_INNER_BYTES 512
#endif

namespace immutable::detail::btree {

// Bounds on the height: edits record their path in fixed arrays of this length. With at least
// 4 children per non-root inner node, 24 inner levels would need more than 2 * 4^23 leaves,
// far more than any address space; trees refuse to grow past it all the same.
inline constexpr unsigned max_inner_levels = 24;

constexpr std::size_t clamp_capacity(std::size_t n, std::size_t lo, std::size_t hi) {
    return n < lo ? lo : (n > hi ? hi : n);
}

// Entries per leaf: as many as fit the target size, never fewer than 4 (so a split leaves
// two valid leaves) nor more than 128.
constexpr std::size_t leaf_capacity_for(std::size_t entry_size) {
    return clamp_capacity((IMMUTABLE_BTREE_LEAF_BYTES - 8) / entry_size, 4, 128);
}

// Children per inner node: each slot holds a key, a pointer and a size.
constexpr std::size_t inner_capacity_for(std::size_t key_size) {
    return clamp_capacity((IMMUTABLE_BTREE_INNER_BYTES - 8) / (key_size + 2 * sizeof(void*)), 8, 128);
}

// Is Compare one of the standard orders on a built-in type? Then a node is scanned linearly
// (search.hpp): the whole node is a few cache lines and each comparison is one instruction.
template <class Compare, class Key>
inline constexpr bool is_cheap_order_v =
    (std::is_arithmetic_v<Key> || std::is_pointer_v<Key>) &&
    (std::is_same_v<Compare, std::less<Key>> || std::is_same_v<Compare, std::greater<Key>> ||
     std::is_same_v<Compare, std::less<>> || std::is_same_v<Compare, std::greater<>>);

// Everything the engine needs to know about one instantiation.
//   Entry  what leaves store (std::pair<K, V> for maps, T for sets)
//   Key    what is compared and stored in inner nodes
//   KeyOf  static const Key& get(const Entry&)
template <class Entry, class Key, class KeyOf, class Compare, class Policy>
struct params {
    using entry_type = Entry;
    using key_type = Key;
    using key_of = KeyOf;
    using compare = Compare;
    using policy = Policy;
    using refcount = typename Policy::refcount;

    static constexpr std::size_t leaf_capacity = leaf_capacity_for(sizeof(Entry));
    static constexpr std::size_t inner_capacity = inner_capacity_for(sizeof(Key));
    // Every node but the root holds at least this many entries / children.
    static constexpr std::size_t leaf_min = leaf_capacity / 2;
    static constexpr std::size_t inner_min = inner_capacity / 2;

    // Nodes owned alone are edited in place only when moving elements cannot throw, so an
    // edit is a sequence of throwing preparations followed by a nothrow commit.
    static constexpr bool can_edit = std::is_nothrow_move_constructible_v<Entry> &&
                                     std::is_nothrow_move_assignable_v<Entry> &&
                                     std::is_nothrow_move_constructible_v<Key> &&
                                     std::is_nothrow_move_assignable_v<Key>;

    static constexpr bool linear_search = is_cheap_order_v<Compare, Key>;

    // The entry's alignment is checked in leaf_node: a map's mapped type may still be
    // incomplete where the map (and so this struct) is named.
    static_assert(alignof(Key) <= alignof(std::max_align_t),
                  "immutable::sorted_map/sorted_set: over-aligned element types are not supported");
};

// struct node {                      every node starts with this header
//     refcount refs;                 owners of this node (trees, parents, iterators do not own)
//     uint16_t count;                entries (leaf) or children (inner), 1..capacity in a tree
//     uint8_t  level;                0 for a leaf, height above the leaves otherwise
// };
// node<P> is also the node family of ownership.hpp: the level tells dispose() whether a
// pointer is a leaf or an inner node.
template <class P>
struct node {
    using node_type = node;
    using policy = typename P::policy;
    static void dispose(node* n) noexcept;
    // Entries and keys with trivial destructors cannot hold another structure's nodes.
    static constexpr bool dispose_may_nest() noexcept {
        return !std::is_trivially_destructible_v<typename P::entry_type> ||
               !std::is_trivially_destructible_v<typename P::key_type>;
    }

    typename P::refcount refs;
    std::uint16_t count = 0;
    std::uint8_t level = 0;

    explicit node(unsigned lvl) noexcept : level(static_cast<std::uint8_t>(lvl)) {}
};

// struct leaf_node : node {
//     Entry entries[leaf_capacity];  entries[0, count) constructed, strictly increasing keys
// };
template <class P>
struct leaf_node : node<P> {
    using entry_type = typename P::entry_type;
    static_assert(alignof(entry_type) <= alignof(std::max_align_t),
                  "immutable::sorted_map/sorted_set: over-aligned element types are not supported");
    alignas(entry_type) unsigned char storage[sizeof(entry_type) * P::leaf_capacity];

    leaf_node() noexcept : node<P>(0) {}
    entry_type* entries() noexcept { return std::launder(reinterpret_cast<entry_type*>(storage)); }
    const entry_type* entries() const noexcept {
        return std::launder(reinterpret_cast<const entry_type*>(storage));
    }
};

// struct inner_node : node {
//     Key    keys[inner_capacity];      keys[i] = smallest key in children[i]'s subtree
//     node*  children[inner_capacity];  all at level - 1; one reference held per slot
//     size_t sizes[inner_capacity];     sizes[i] = entries in children[i]'s subtree
// };
// Invariants: keys strictly increasing; every child non-empty; children[0, count) owned.
template <class P>
struct inner_node : node<P> {
    using key_type = typename P::key_type;
    alignas(key_type) unsigned char key_storage[sizeof(key_type) * P::inner_capacity];
    node<P>* children[P::inner_capacity];
    std::size_t sizes[P::inner_capacity];

    explicit inner_node(unsigned lvl) noexcept : node<P>(lvl) {}
    key_type* keys() noexcept { return std::launder(reinterpret_cast<key_type*>(key_storage)); }
    const key_type* keys() const noexcept {
        return std::launder(reinterpret_cast<const key_type*>(key_storage));
    }
};

template <class P>
IMMUTABLE_ALWAYS_INLINE leaf_node<P>* as_leaf(node<P>* n) noexcept {
    return static_cast<leaf_node<P>*>(n);
}
template <class P>
IMMUTABLE_ALWAYS_INLINE const leaf_node<P>* as_leaf(const node<P>* n) noexcept {
    return static_cast<const leaf_node<P>*>(n);
}
template <class P>
IMMUTABLE_ALWAYS_INLINE inner_node<P>* as_inner(node<P>* n) noexcept {
    return static_cast<inner_node<P>*>(n);
}
template <class P>
IMMUTABLE_ALWAYS_INLINE const inner_node<P>* as_inner(const node<P>* n) noexcept {
    return static_cast<const inner_node<P>*>(n);
}

// Destroys a node whose last reference went away: its entries (leaf) or keys and child
// references (inner), then its memory. The recursion is bounded by the height.
template <class P>
void node<P>::dispose(node* n) noexcept {
    using memory = node_memory<typename P::policy>;
    if (n->level == 0) {
        auto* leaf = as_leaf(n);
        std::destroy_n(leaf->entries(), leaf->count);
        memory::destroy(leaf, sizeof(leaf_node<P>));
    } else {
        auto* inner = as_inner(n);
        const std::size_t count = inner->count;
        for (std::size_t i = 0; i < count; ++i) {
            // A slot is empty only while an edit has taken its child out.
            if (node* child = inner->children[i]; child != nullptr) release<node>(child);
        }
        std::destroy_n(inner->keys(), count);
        memory::destroy(inner, sizeof(inner_node<P>));
    }
}

// Subtree sizes, for nth/rank and the iterator's rank. The child holding the entry of rank
// `rest` within `in` (rest is made relative to that child), or in->count when rest is not
// below the node's total.
template <class P>
IMMUTABLE_ALWAYS_INLINE std::size_t child_by_rank(const inner_node<P>* in, std::size_t& rest) noexcept {
    const std::size_t count = in->count;
    std::size_t c = 0;
    while (c < count && rest >= in->sizes[c]) rest -= in->sizes[c++];
    return c;
}

// Entries in the subtrees of children [0, c) of `in`.
template <class P>
IMMUTABLE_ALWAYS_INLINE std::size_t entries_before(const inner_node<P>* in, std::size_t c) noexcept {
    std::size_t before = 0;
    for (std::size_t j = 0; j < c; ++j) before += in->sizes[j];
    return before;
}

// The one owning handle (ownership.hpp) for this engine's nodes: node<P> is their family.
template <class P>
using node_ptr = detail::node_ptr<node<P>>;

template <class P>
leaf_node<P>* allocate_leaf() {
    return node_memory<typename P::policy>::template create<leaf_node<P>>(sizeof(leaf_node<P>));
}

template <class P>
inner_node<P>* allocate_inner(unsigned level) {
    return node_memory<typename P::policy>::template create<inner_node<P>>(sizeof(inner_node<P>), level);
}

// May `n` be changed in place? Only when the caller's reference is the only one.
template <class P>
IMMUTABLE_ALWAYS_INLINE bool editable(const node<P>* n) noexcept {
    if constexpr (P::can_edit) {
        return is_unique<node<P>>(n);
    } else {
        return false;
    }
}

template <class P>
IMMUTABLE_ALWAYS_INLINE const typename P::key_type& entry_key(const typename P::entry_type& e) noexcept {
    return P::key_of::get(e);
}

// The smallest key in a (non-empty) subtree: O(1) thanks to the per-child minimum keys.
template <class P>
IMMUTABLE_ALWAYS_INLINE const typename P::key_type& min_key(const node<P>* n) noexcept {
    return n->level == 0 ? entry_key<P>(as_leaf(n)->entries()[0]) : as_inner(n)->keys()[0];
}

// The largest key in a (non-empty) subtree: walks the right spine.
template <class P>
const typename P::key_type& max_key(const node<P>* n) noexcept {
    while (n->level != 0) n = as_inner(n)->children[n->count - 1];
    return entry_key<P>(as_leaf(n)->entries()[n->count - 1]);
}

template <class P>
std::size_t subtree_size(const node<P>* n) noexcept {
    if (n->level == 0) return n->count;
    const auto* inner = as_inner(n);
    std::size_t total = 0;
    for (std::size_t i = 0; i < inner->count; ++i) total += inner->sizes[i];
    return total;
}

template <class P>
std::size_t node_capacity(const node<P>* n) noexcept {
    return n->level == 0 ? P::leaf_capacity : P::inner_capacity;
}

template <class P>
std::size_t node_min(const node<P>* n) noexcept {
    return n->level == 0 ? P::leaf_min : P::inner_min;
}

// ---- building nodes by appending (each step either completes or leaves count consistent,
// so releasing a half-built node destroys exactly what was constructed) -----------------

template <class P, class... Args>
IMMUTABLE_ALWAYS_INLINE void leaf_emplace_back(leaf_node<P>* leaf, Args&&... args) {
    std::construct_at(leaf->entries() + leaf->count, std::forward<Args>(args)...);
    ++leaf->count;
}

// Appends copies of src's entries [from, to).
template <class P>
void leaf_copy_back(leaf_node<P>* leaf, const leaf_node<P>* src, std::size_t from, std::size_t to) {
    using E = typename P::entry_type;
    if constexpr (copies_as_bytes<E>) {
        std::memcpy(static_cast<void*>(leaf->entries() + leaf->count), src->entries() + from, (to - from) * sizeof(E));
        leaf->count = static_cast<std::uint16_t>(leaf->count + (to - from));
    } else if constexpr (std::is_nothrow_copy_constructible_v<E>) {
        // No copy can throw, so the count is set once after the loop.
        std::uninitialized_copy(src->entries() + from, src->entries() + to, leaf->entries() + leaf->count);
        leaf->count = static_cast<std::uint16_t>(leaf->count + (to - from));
    } else {
        for (std::size_t i = from; i < to; ++i) leaf_emplace_back(leaf, src->entries()[i]);
    }
}

// Appends the shared child src->children[i] with its key and size.
template <class P>
IMMUTABLE_ALWAYS_INLINE void inner_share_back(inner_node<P>* n, const inner_node<P>* src, std::size_t i) {
    std::construct_at(n->keys() + n->count, src->keys()[i]);
    retain<node<P>>(src->children[i]);
    n->children[n->count] = src->children[i];
    n->sizes[n->count] = src->sizes[i];
    ++n->count;
}

// Copies slots [from, from + len) of src (keys, children, sizes) to n's slots from `at` as
// raw bytes, without retaining the children: trivially copyable keys only.
template <class P>
void inner_copy_slots(inner_node<P>* n, std::size_t at, const inner_node<P>* src, std::size_t from,
                      std::size_t len) noexcept {
    using K = typename P::key_type;
    static_assert(std::is_trivially_copyable_v<K>);
    std::memcpy(static_cast<void*>(n->keys() + at), src->keys() + from, len * sizeof(K));
    std::memcpy(n->children + at, src->children + from, len * sizeof(node<P>*));
    std::memcpy(n->sizes + at, src->sizes + from, len * sizeof(std::size_t));
}

// Appends src's slots [from, to), sharing their children.
template <class P>
void inner_share_range(inner_node<P>* n, const inner_node<P>* src, std::size_t from, std::size_t to) {
    if constexpr (std::is_trivially_copyable_v<typename P::key_type>) {
        // Copying a path is mostly this: three block copies and a retain per child.
        const std::size_t at = n->count;
        inner_copy_slots(n, at, src, from, to - from);
        for (std::size_t i = from; i < to; ++i) retain<node<P>>(src->children[i]);
        n->count = static_cast<std::uint16_t>(at + (to - from));
    } else {
        for (std::size_t i = from; i < to; ++i) inner_share_back(n, src, i);
    }
}

// Makes the empty node n a copy of src (trivially copyable keys) sharing every child but
// the one at `unshared`, whose slot is copied raw for the caller to overwrite. One pass
// over the slots: measured faster than three block copies (library calls of a run-time
// length) followed by the retains.
template <class P>
void inner_copy_except(inner_node<P>* n, const inner_node<P>* src, std::size_t unshared) noexcept {
    static_assert(std::is_trivially_copyable_v<typename P::key_type>);
    const std::size_t count = src->count;
    auto* keys = n->keys();
    const auto* src_keys = src->keys();
    for (std::size_t i = 0; i < count; ++i) {
        node<P>* child = src->children[i];
        keys[i] = src_keys[i];
        n->children[i] = child;
        n->sizes[i] = src->sizes[i];
        if (i != unshared) retain<node<P>>(child);
    }
    n->count = static_cast<std::uint16_t>(count);
}

// Appends an owned child; its key is copied from the child's first key. On a throwing key
// copy the child reference stays with the caller.
template <class P>
IMMUTABLE_ALWAYS_INLINE void inner_adopt_back(inner_node<P>* n, node_ptr<P>& child, std::size_t size) {
    std::construct_at(n->keys() + n->count, min_key(child.get()));
    n->children[n->count] = child.take();
    n->sizes[n->count] = size;
    ++n->count;
}

// A copy of a whole node (children retained).
template <class P>
node_ptr<P> copy_node(const node<P>* n) {
    if (n->level == 0) {
        auto out = node_ptr<P>::adopt(allocate_leaf<P>());
        leaf_copy_back(as_leaf(out.get()), as_leaf(n), 0, n->count);
        return out;
    }
    auto out = node_ptr<P>::adopt(allocate_inner<P>(n->level));
    inner_share_range(as_inner(out.get()), as_inner(n), 0, n->count);
    return out;
}

// Appends copies of src's slots [from, to) to dst (same level).
template <class P>
void append_slots(node<P>* dst, const node<P>* src, std::size_t from, std::size_t to) {
    if (dst->level == 0) {
        leaf_copy_back(as_leaf(dst), as_leaf(src), from, to);
    } else {
        inner_share_range(as_inner(dst), as_inner(src), from, to);
    }
}

template <class P>
node_ptr<P> allocate_like(const node<P>* n) {
    if (n->level == 0) return node_ptr<P>::adopt(allocate_leaf<P>());
    return node_ptr<P>::adopt(allocate_inner<P>(n->level));
}

// ---- in-place edits of nodes owned alone (P::can_edit: moves cannot throw) ---------------

// Opens a gap at `pos` in the first `count` slots of an array (count < capacity).
template <class T>
void open_gap(T* a, std::size_t count, std::size_t pos) noexcept {
    if (pos == count) return;
    std::construct_at(a + count, std::move(a[count - 1]));
    std::move_backward(a + pos, a + count - 1, a + count);
    std::destroy_at(a + pos);
}

// Closes the slot at `pos` (destroyed afterwards: the last slot is left destroyed).
template <class T>
void close_gap(T* a, std::size_t count, std::size_t pos) noexcept {
    std::move(a + pos + 1, a + count, a + pos);
    std::destroy_at(a + count - 1);
}

template <class P>
void leaf_insert_in_place(leaf_node<P>* leaf, std::size_t pos, typename P::entry_type&& e) noexcept {
    auto* a = leaf->entries();
    if (pos == leaf->count) {
        std::construct_at(a + pos, std::move(e));
    } else {
        open_gap(a, leaf->count, pos);
        std::construct_at(a + pos, std::move(e));
    }
    ++leaf->count;
}

template <class P>
void leaf_erase_in_place(leaf_node<P>* leaf, std::size_t pos) noexcept {
    close_gap(leaf->entries(), leaf->count, pos);
    --leaf->count;
}

// Inserts an owned child at `pos` with an already prepared key.
template <class P>
void inner_insert_in_place(inner_node<P>* n, std::size_t pos, typename P::key_type&& key,
                           node<P>* child, std::size_t size) noexcept {
    auto* k = n->keys();
    if (pos == n->count) {
        std::construct_at(k + pos, std::move(key));
    } else {
        open_gap(k, n->count, pos);
        std::construct_at(k + pos, std::move(key));
        std::move_backward(n->children + pos, n->children + n->count, n->children + n->count + 1);
        std::move_backward(n->sizes + pos, n->sizes + n->count, n->sizes + n->count + 1);
    }
    n->children[pos] = child;
    n->sizes[pos] = size;
    ++n->count;
}

// Removes slot `pos` without releasing its child (the caller took the reference).
template <class P>
void inner_remove_in_place(inner_node<P>* n, std::size_t pos) noexcept {
    close_gap(n->keys(), n->count, pos);
    std::move(n->children + pos + 1, n->children + n->count, n->children + pos);
    std::move(n->sizes + pos + 1, n->sizes + n->count, n->sizes + pos);
    --n->count;
}

// Destroys slots [from, count) of a node owned alone, releasing their children.
template <class P>
void drop_tail_in_place(node<P>* n, std::size_t from) noexcept {
    if (n->level == 0) {
        auto* leaf = as_leaf(n);
        std::destroy(leaf->entries() + from, leaf->entries() + n->count);
    } else {
        auto* in = as_inner(n);
        for (std::size_t i = from; i < n->count; ++i) {
            if (node<P>* child = in->children[i]; child != nullptr) release<node<P>>(child);
        }
        std::destroy(in->keys() + from, in->keys() + n->count);
    }
    n->count = static_cast<std::uint16_t>(from);
}

// Destroys the first `k` slots of a node owned alone (releasing their children) and moves
// the others to the front.
template <class P>
void drop_head_in_place(node<P>* n, std::size_t k) noexcept {
    const std::size_t rest = n->count - k;
    if (n->level == 0) {
        auto* e = as_leaf(n)->entries();
        std::move(e + k, e + n->count, e);
        std::destroy(e + rest, e + n->count);
    } else {
        auto* in = as_inner(n);
        for (std::size_t i = 0; i < k; ++i) {
            if (node<P>* child = in->children[i]; child != nullptr) release<node<P>>(child);
        }
        auto* keys = in->keys();
        std::move(keys + k, keys + n->count, keys);
        std::destroy(keys + rest, keys + n->count);
        std::copy(in->children + k, in->children + n->count, in->children);
        std::copy(in->sizes + k, in->sizes + n->count, in->sizes);
    }
    n->count = static_cast<std::uint16_t>(rest);
}

// Moves slots [from, count) of `src` to the end of `dst` (both owned alone, same level).
template <class P>
void move_tail(node<P>* dst, node<P>* src, std::size_t from) noexcept {
    const std::size_t n = src->count - from;
    if (src->level == 0) {
        auto* d = as_leaf(dst);
        auto* s = as_leaf(src);
        std::uninitialized_move(s->entries() + from, s->entries() + src->count, d->entries() + d->count);
        std::destroy(s->entries() + from, s->entries() + src->count);
    } else {
        auto* d = as_inner(dst);
        auto* s = as_inner(src);
        std::uninitialized_move(s->keys() + from, s->keys() + src->count, d->keys() + d->count);
        std::destroy(s->keys() + from, s->keys() + src->count);
        std::copy(s->children + from, s->children + src->count, d->children + d->count);
        std::copy(s->sizes + from, s->sizes + src->count, d->sizes + d->count);
    }
    dst->count = static_cast<std::uint16_t>(dst->count + n);
    src->count = static_cast<std::uint16_t>(from);
}

// Moves the first `n` slots of `src` to the end of `dst` (both owned alone, same level).
template <class P>
void move_head(node<P>* dst, node<P>* src, std::size_t n) noexcept {
    const std::size_t rest = src->count - n;
    if (src->level == 0) {
        auto* d = as_leaf(dst);
        auto* s = as_leaf(src);
        std::uninitialized_move(s->entries(), s->entries() + n, d->entries() + d->count);
        std::move(s->entries() + n, s->entries() + src->count, s->entries());
        std::destroy(s->entries() + rest, s->entries() + src->count);
    } else {
        auto* d = as_inner(dst);
        auto* s = as_inner(src);
        std::uninitialized_move(s->keys(), s->keys() + n, d->keys() + d->count);
        std::move(s->keys() + n, s->keys() + src->count, s->keys());
        std::destroy(s->keys() + rest, s->keys() + src->count);
        std::copy(s->children, s->children + n, d->children + d->count);
        std::copy(s->children + n, s->children + src->count, s->children);
        std::copy(s->sizes, s->sizes + n, d->sizes + d->count);
        std::copy(s->sizes + n, s->sizes + src->count, s->sizes);
    }
    dst->count = static_cast<std::uint16_t>(dst->count + n);
    src->count = static_cast<std::uint16_t>(rest);
}

// Moves the last `n` slots of `src` to the front of `dst` (both owned alone, same level,
// dst->count + n <= capacity).
template <class P>
void move_to_front(node<P>* dst, node<P>* src, std::size_t n) noexcept {
    const std::size_t from = src->count - n;
    const std::size_t old = dst->count;
    if (src->level == 0) {
        auto* d = as_leaf(dst)->entries();
        auto* s = as_leaf(src)->entries();
        // Shift dst right by n: the top n slots are raw storage.
        for (std::size_t i = old; i-- > 0;) {
            std::construct_at(d + i + n, std::move(d[i]));
            std::destroy_at(d + i);
        }
        std::uninitialized_move(s + from, s + src->count, d);
        std::destroy(s + from, s + src->count);
    } else {
        auto* di = as_inner(dst);
        auto* si = as_inner(src);
        auto* d = di->keys();
        auto* s = si->keys();
        for (std::size_t i = old; i-- > 0;) {
            std::construct_at(d + i + n, std::move(d[i]));
            std::destroy_at(d + i);
        }
        std::uninitialized_move(s + from, s + src->count, d);
        std::destroy(s + from, s + src->count);
        std::move_backward(di->children, di->children + old, di->children + old + n);
        std::copy(si->children + from, si->children + src->count, di->children);
        std::move_backward(di->sizes, di->sizes + old, di->sizes + old + n);
        std::copy(si->sizes + from, si->sizes + src->count, di->sizes);
    }
    dst->count = static_cast<std::uint16_t>(old + n);
    src->count = static_cast<std::uint16_t>(from);
}

} // namespace immutable::detail::btree
