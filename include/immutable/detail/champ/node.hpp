#pragma once
// CHAMP: Compressed Hash-Array Mapped Prefix tree (Steindorfer and Vinju, 2015).
//
// A hash map stored as a trie over the bits of each key's (mixed) 64-bit hash. A node
// consumes `bits` bits of the hash (5: 32 slots). Each slot is empty, holds one entry
// inline, or points to a child node one level deeper. Two bitmaps say which: `datamap`
// marks inline entries, `nodemap` marks children; a slot's position in the node's
// compact arrays is the popcount of the bitmap below its bit, so a node stores exactly
// what it holds and no empty slots.
//
// Why CHAMP rather than a plain HAMT: keeping entries and children in two separate
// groups makes iteration a run over contiguous entries, and the canonical form (a subtree
// left with one entry is pulled up into its parent) makes the shape a function of the
// content alone, so equality and diff can walk two tries in lockstep and skip every
// subtree the two share by pointer.
//
// Costs: a lookup is one popcount and one pointer step per level, log32(n) levels; a
// persistent update copies the path (about log32(n) nodes, each one allocation). Hashes
// are NOT stored per entry (that would add 8 bytes to every entry); an update that must
// push an existing entry one level down recomputes that entry's hash instead. Values sit
// inline beside their keys, so a hit costs no extra cache miss.
//
// Full-hash collisions (and any pair of keys whose 64 mixed bits agree) end in a
// collision node at the level below the last bitmap level: a flat array searched
// linearly. Every operation stays correct even when every key has the same hash, only
// slower (linear in the number of colliding keys).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <immutable/detail/champ/block_cache.hpp>
#include <immutable/detail/config.hpp>
#include <immutable/detail/copies_as_bytes.hpp>
#include <immutable/detail/ownership.hpp>

namespace immutable::detail::champ {

// Population count without depending on -mpopcnt: g++ turns std::popcount into a libgcc
// call on a plain x86-64 target, which costs more than the whole lookup step around it.
IMMUTABLE_ALWAYS_INLINE unsigned popcount(std::uint32_t x) noexcept {
#if defined(__POPCNT__)
    return static_cast<unsigned>(__builtin_popcount(x));
#else
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0fu;
    return (x * 0x01010101u) >> 24;
#endif
}

IMMUTABLE_ALWAYS_INLINE unsigned popcount(std::uint64_t x) noexcept {
#if defined(__POPCNT__)
    return static_cast<unsigned>(__builtin_popcountll(x));
#else
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return static_cast<unsigned>((x * 0x0101010101010101ull) >> 56);
#endif
}

// The builtin, for code compiled where the target has a population-count instruction.
template <bool Native, class Word>
IMMUTABLE_ALWAYS_INLINE unsigned count_bits(Word x) noexcept {
    if constexpr (Native) {
        if constexpr (sizeof(Word) <= sizeof(unsigned)) {
            return static_cast<unsigned>(__builtin_popcount(x));
        } else {
            return static_cast<unsigned>(__builtin_popcountll(x));
        }
    } else {
        return popcount(x);
    }
}

// On x86 without -mpopcnt, lookups (the one place where bit counting is most of the work)
// check once whether the processor has POPCNT and then run a copy of the loop compiled
// for it. Measured: a third less time per lookup in a million-entry map, because shorter
// lookups also let the processor overlap more of them.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__POPCNT__) && \
    (defined(__GNUC__) || defined(__clang__))
#define IMMUTABLE_CHAMP_POPCNT_DISPATCH 1
inline bool cpu_has_popcnt() noexcept {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("popcnt") != 0;
    }();
    return has;
}
#endif

// Spreads every input bit over the low bits the trie consumes first, for any hasher that
// does not declare itself `is_avalanching` (the abseil convention; trusted, not mixed
// again). Needed because a hash may vary only in high bits (libstdc++'s std::hash for
// integers is the identity: multiples of 1024, pointers, timestamps): those keys would
// otherwise share their first levels and build long single-child chains. Every step is
// invertible, so two distinct hash values never become a full collision.
IMMUTABLE_ALWAYS_INLINE std::uint64_t mix_hash(std::uint64_t h) noexcept {
    h ^= h >> 32;
    h *= 0x9e3779b97f4a7c15ull;
    h ^= h >> 32;
    return h;
}

// Asks for a cache line in a writable state ahead of a reference-count update. Retaining
// or releasing the 32 children of a copied node touches 32 unrelated lines; issuing all
// the prefetches first lets those misses overlap instead of queueing behind each locked
// instruction.
IMMUTABLE_ALWAYS_INLINE void prefetch_for_write(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 1);
#else
    (void)p;
#endif
}

template <class Hash>
concept avalanching_hash = requires { typename Hash::is_avalanching; };

// Shape constants for a trie that consumes `Bits` hash bits per level.
template <unsigned Bits>
struct shape {
    static_assert(Bits == 5 || Bits == 6, "CHAMP nodes use 32 or 64 slots");
    using bitmap_type = std::conditional_t<Bits == 5, std::uint32_t, std::uint64_t>;
    static constexpr unsigned bits = Bits;
    static constexpr std::uint64_t mask = (std::uint64_t{1} << Bits) - 1;
    // Levels that branch on hash bits; the level after the last one holds collision nodes.
    static constexpr unsigned max_depth = (64 + Bits - 1) / Bits;
    static constexpr unsigned max_shift = max_depth * Bits;

    static IMMUTABLE_ALWAYS_INLINE bitmap_type bit_at(std::uint64_t hash, unsigned shift) noexcept {
        return bitmap_type{1} << ((hash >> shift) & mask);
    }
    // Position of `bit`'s slot within the compact array that `map` describes.
    static IMMUTABLE_ALWAYS_INLINE unsigned index(bitmap_type map, bitmap_type bit) noexcept {
        return popcount(static_cast<bitmap_type>(map & (bit - 1)));
    }
};

// One trie node, in memory (one allocation, sized exactly):
//
//   struct node {
//       Policy::refcount refs;      // intrusive count of owners (parents, maps, builders)
//       bitmap   datamap;           // slots holding an inline entry
//       bitmap   nodemap;           // slots holding a child (datamap & nodemap == 0)
//       node*    children[popcount(nodemap)];      // in slot order
//       Entry    entries[popcount(datamap)];       // in slot order, aligned for Entry
//   };
//
// A collision node sits at the level below the last bitmap level. It has datamap ==
// nodemap == 0, which no bitmap node has (the root holds something, every other node at
// least two entries), so it is known from the node alone: dispose needs that, it may run
// on another thread (ownership.hpp). Its entry count takes the place of the first child
// pointer, and its entries follow, in any order:
//
//       uint32_t size;              // in a pointer-sized slot
//       Entry    entries[size];
//
// Nodes do not count the entries below them: the trie's handle holds the total, and code
// that needs "this subtree holds one (two) entries" reads it from the bitmaps, since a
// child always holds at least two. Invariants kept by every operation (tests/map_*:
// check_invariants):
//   - the root is null when empty, otherwise a non-empty bitmap node;
//   - every other node holds at least two entries in its subtree (a subtree left with
//     one entry is inlined into its parent), so the shape depends only on the content;
//   - a collision node holds at least two entries, all with the same full hash;
//   - the handle's size equals the number of entries, and fits in 32 bits.
template <class Traits>
struct node {
    using entry_type = typename Traits::entry_type;
    using policy = typename Traits::policy;
    using node_type = node; // a node is its own family (ownership.hpp)
    using memory = node_memory<policy>;
    using shape_type = shape<Traits::bits>;
    using bitmap_type = typename shape_type::bitmap_type;
    using cache_type = block_cache<policy>;

    typename policy::refcount refs;
    bitmap_type datamap;
    bitmap_type nodemap;

    node(bitmap_type datamap_, bitmap_type nodemap_) noexcept : datamap(datamap_), nodemap(nodemap_) {}

    static constexpr std::size_t children_offset = sizeof(node) > alignof(node*)
        ? (sizeof(node) + alignof(node*) - 1) / alignof(node*) * alignof(node*)
        : alignof(node*);

    static constexpr std::size_t entries_offset(unsigned children) noexcept {
        // Here rather than in the class: a map may be named while its mapped type is
        // still incomplete, and every entry access comes through this function.
        static_assert(alignof(entry_type) <= alignof(std::max_align_t),
                      "over-aligned entries are not supported by the node allocator");
        std::size_t end = children_offset + children * sizeof(node*);
        return (end + alignof(entry_type) - 1) / alignof(entry_type) * alignof(entry_type);
    }
    static constexpr std::size_t byte_size(unsigned children, unsigned entries) noexcept {
        return entries_offset(children) + entries * sizeof(entry_type);
    }

    bool is_collision() const noexcept { return (datamap | nodemap) == 0; }
    unsigned child_count() const noexcept { return popcount(nodemap); }
    // Pointer-sized slots between the header and the entries.
    unsigned child_slots() const noexcept { return is_collision() ? 1 : child_count(); }

    node** children() noexcept {
        return std::launder(reinterpret_cast<node**>(reinterpret_cast<char*>(this) + children_offset));
    }
    node* const* children() const noexcept {
        return std::launder(
            reinterpret_cast<node* const*>(reinterpret_cast<const char*>(this) + children_offset));
    }
    // The entries of a bitmap node.
    entry_type* entries() noexcept {
        return std::launder(reinterpret_cast<entry_type*>(reinterpret_cast<char*>(this) +
                                                          entries_offset(child_count())));
    }
    const entry_type* entries() const noexcept {
        return std::launder(reinterpret_cast<const entry_type*>(
            reinterpret_cast<const char*>(this) + entries_offset(child_count())));
    }

    // The entries of a collision node, and how many.
    entry_type* collision_entries() noexcept {
        return std::launder(
            reinterpret_cast<entry_type*>(reinterpret_cast<char*>(this) + entries_offset(1)));
    }
    const entry_type* collision_entries() const noexcept {
        return std::launder(reinterpret_cast<const entry_type*>(
            reinterpret_cast<const char*>(this) + entries_offset(1)));
    }
    unsigned collision_size() const noexcept {
        return *std::launder(reinterpret_cast<const std::uint32_t*>(
            reinterpret_cast<const char*>(this) + children_offset));
    }

    // The entries of any node, for code that does not know its depth (dispose, iteration).
    unsigned entry_count() const noexcept {
        return is_collision() ? collision_size() : popcount(datamap);
    }
    const entry_type* entry_begin() const noexcept {
        return is_collision() ? collision_entries() : entries();
    }
    entry_type* entry_begin() noexcept { return is_collision() ? collision_entries() : entries(); }

    // Allocates a bitmap node with one reference (the caller's) and the given bitmaps; no
    // entry or child is set. Builders pass their block cache (block_cache.hpp), which hands
    // out a block it kept when it has one of the size; everything else passes null.
    static node* allocate(bitmap_type datamap, bitmap_type nodemap, unsigned entries,
                          cache_type* cache = nullptr) {
        return make(byte_size(popcount(nodemap), entries), datamap, nodemap, cache);
    }

    // The same for a collision node of `entries` entries (its size is set, not its entries).
    static node* allocate_collision(unsigned entries, cache_type* cache = nullptr) {
        node* n = make(byte_size(1, entries), 0, 0, cache);
        ::new (static_cast<void*>(n->children())) std::uint32_t(entries);
        return n;
    }

    // Frees a node whose entries are already destroyed; its children are not touched.
    static void deallocate(node* n, unsigned entries, cache_type* cache = nullptr) noexcept {
        std::size_t size = byte_size(n->child_slots(), entries);
        if (cache != nullptr) {
            std::destroy_at(n);
            cache->give(n, size);
        } else {
            memory::destroy(n, size);
        }
    }

    // Destroys a node whose last reference went away: its entries, its references to its
    // children, and its memory (the node family's contract, ownership.hpp). Recursion depth
    // is bounded by the trie depth (max_depth + 1). Out of line, so that release<node>
    // inlines to a test and a decrement: dropping a path copy releases every child of
    // every copied node, and most of them survive.
    static IMMUTABLE_NOINLINE void dispose(node* n) noexcept {
        unsigned entries = n->entry_count();
        if constexpr (!std::is_trivially_destructible_v<entry_type>) {
            std::destroy_n(n->entry_begin(), entries);
        }
        node** kids = n->children();
        unsigned c = n->child_count();
        for (unsigned i = 0; i < c; ++i) prefetch_for_write(kids[i]);
        for (unsigned i = 0; i < c; ++i) release<node>(kids[i]);
        deallocate(n, entries);
    }
    // Entries with trivial destructors cannot hold another structure's nodes.
    static constexpr bool dispose_may_nest() noexcept { return !std::is_trivially_destructible_v<entry_type>; }

private:
    static node* make(std::size_t size, bitmap_type datamap, bitmap_type nodemap, cache_type* cache) {
        if (cache != nullptr) {
            if (void* block = cache->take(size)) return ::new (block) node(datamap, nodemap);
        }
        return memory::template create<node>(size, datamap, nodemap);
    }
};

// Asks node_maker for a collision node.
struct collision_node_t {
    explicit collision_node_t() = default;
};
inline constexpr collision_node_t collision_node{};

// A node being filled: entries are constructed left to right; if construction throws,
// the destructor destroys the entries built so far and frees the memory, leaving no
// trace. Children are written last by the caller (that cannot throw), then finish().
template <class Traits>
class node_maker {
public:
    using node_type = node<Traits>;
    using entry_type = typename Traits::entry_type;
    using bitmap_type = typename node_type::bitmap_type;
    using cache_type = typename node_type::cache_type;

    node_maker(bitmap_type datamap, bitmap_type nodemap, unsigned entries, cache_type* cache = nullptr)
        : n_(node_type::allocate(datamap, nodemap, entries, cache)), cache_(cache), capacity_(entries),
          out_(n_->entries()) {}
    node_maker(collision_node_t, unsigned entries, cache_type* cache = nullptr)
        : n_(node_type::allocate_collision(entries, cache)), cache_(cache), capacity_(entries),
          out_(n_->collision_entries()) {}
    node_maker(const node_maker&) = delete;
    node_maker& operator=(const node_maker&) = delete;
    ~node_maker() {
        if (n_ != nullptr) {
            std::destroy_n(out_, built_);
            node_type::deallocate(n_, capacity_, cache_);
        }
    }

    node_type* get() const noexcept { return n_; }
    node_type** children() const noexcept { return n_->children(); }

    void copy(const entry_type* first, unsigned k) {
        std::uninitialized_copy_n(first, k, out_ + built_);
        built_ += k;
    }
    // Moves when that cannot throw, copies otherwise (the source stays intact on failure).
    void move(entry_type* first, unsigned k) {
        if constexpr (std::is_nothrow_move_constructible_v<entry_type>) {
            std::uninitialized_move_n(first, k, out_ + built_);
        } else {
            std::uninitialized_copy_n(first, k, out_ + built_);
        }
        built_ += k;
    }
    template <class Ctor>
    void construct(Ctor& ctor) {
        ctor.construct(out_ + built_);
        ++built_;
    }
    void copy_one(const entry_type& e) {
        ::new (static_cast<void*>(out_ + built_)) entry_type(e);
        ++built_;
    }
    // Raw access for fills that cannot throw once started (see transient.hpp): the caller
    // constructs slots itself, then declares how many are live.
    entry_type* slot(unsigned i) const noexcept { return out_ + i; }
    void assume_built(unsigned k) noexcept { built_ = k; }

    node_type* finish() noexcept { return std::exchange(n_, nullptr); }

private:
    node_type* n_;
    cache_type* cache_;
    unsigned capacity_;
    entry_type* out_;
    unsigned built_ = 0;
};

// Retains every child of `src` except the one at `skip` (pass a value >= count for none)
// and writes them to `out`, leaving a gap at `gap` (pass >= count for none). The callers
// pass skip == gap (a replaced child: its slot is overwritten afterwards), or only one of
// the two. The pointers move as blocks; the loop is left with the reference counts only.
template <class Traits>
inline void copy_children(const node<Traits>* src, node<Traits>** out, unsigned skip,
                          unsigned gap) noexcept {
    using node_type = node<Traits>;
    node_type* const* in = src->children();
    unsigned c = src->child_count();
    for (unsigned i = 0; i < c; ++i) prefetch_for_write(in[i]);
    for (unsigned i = 0; i < c; ++i) {
        if (i != skip) retain<node_type>(in[i]);
    }
    constexpr std::size_t word = sizeof(node_type*);
    if (skip < c && skip != gap) { // the child at skip is dropped
        std::memcpy(out, in, skip * word);
        std::memcpy(out + skip, in + skip + 1, (c - skip - 1) * word);
    } else if (gap <= c && skip >= c) { // a new child goes in at gap
        std::memcpy(out, in, gap * word);
        std::memcpy(out + gap + 1, in + gap, (c - gap) * word);
    } else if (c != 0) {
        std::memcpy(out, in, c * word);
    }
}

// The containers befriend this to let the engine's free functions (diff, invariant
// checks) reach their root without widening their public interface.
struct access {
    template <class C>
    static auto* root(const C& c) noexcept {
        return c.trie_.root();
    }
};

} // namespace immutable::detail::champ
