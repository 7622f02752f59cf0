#pragma once
// In-place CHAMP updates for builders.
//
// Ownership is decided by reference counts along the path: a node may be changed in place
// only when it and every node above it have a count of one, i.e. nothing but the builder
// can reach it. The first shared node on the path is path-copied with the persistent
// algorithm (ops.hpp); the copies have a count of one, so later updates through the same
// builder change them in place. build() retains the root, which makes the whole trie
// shared again: later builder changes copy instead of writing, and never show in maps
// already built.
//
// Nodes stay sized exactly, so adding or removing a slot still reallocates the node; the
// saving over a persistent update is that entries are moved instead of copied, children
// are moved without touching their counts, and only one node is reallocated per update
// (its ancestors are changed in place). A builder passes its block cache (block_cache.hpp):
// the block of the node it outgrew is kept and usually serves a later update's new node,
// so most updates make no call to the memory policy at all.
//
// Exception safety: strong. A new entry is constructed before anything is moved, moves
// are used only when they cannot throw (copies otherwise, leaving the source intact), and
// a replaced value is copied into a temporary before being moved into place.

#include <cstdint>
#include <cstring>
#include <type_traits>

#include <immutable/detail/champ/ops.hpp>

namespace immutable::detail::champ {

template <class Traits>
struct transient_ops {
    using base = ops<Traits>;
    using node_type = node<Traits>;
    using shape_type = typename node_type::shape_type;
    using bitmap_type = typename node_type::bitmap_type;
    using entry_type = typename Traits::entry_type;
    using key_type = typename Traits::key_type;
    using maker = node_maker<Traits>;
    using ptr = detail::node_ptr<node_type>;
    using erase_result = typename base::erase_result;
    using cache_type = typename node_type::cache_type;
    static constexpr unsigned bits = shape_type::bits;
    static constexpr unsigned max_shift = shape_type::max_shift;
    static constexpr unsigned none = base::none;
    static constexpr bool nothrow_move = std::is_nothrow_move_constructible_v<entry_type>;

    using no_entry = typename base::no_entry; // "no new entry" in relocate_entries

    // The node edits an insert makes are forced inline: the insert loop is compiled a second
    // time for POPCNT (below), and only code inlined into that copy counts bits with the
    // instruction; called out of line they counted with the portable sequence, a fifth of a
    // builder insert's instructions.

    // Destroys the (possibly moved-from) entries of a node whose children were handed over
    // to its replacement, and frees it. `src`: its entries.
    IMMUTABLE_ALWAYS_INLINE static void free_moved(node_type* n, entry_type* src, unsigned entries,
                                                   cache_type* cache) noexcept {
        std::destroy_n(src, entries);
        node_type::deallocate(n, entries, cache);
    }

    IMMUTABLE_ALWAYS_INLINE static void move_children(node_type* from, node_type** out,
                                                      unsigned count) noexcept {
        if (count != 0) std::memcpy(out, from->children(), count * sizeof(node_type*));
    }

    // The `ne` entries at `src` without position `skip`, and with ctor's new entry at `gap`
    // (either may be `none`).
    IMMUTABLE_ALWAYS_INLINE static void relocate_entries(maker& m, entry_type* src, unsigned ne,
                                                         unsigned skip, unsigned gap, auto* ctor) {
        unsigned total = ne - (skip != none ? 1 : 0) + (ctor != nullptr ? 1 : 0);
        if constexpr (copies_as_bytes<entry_type>) {
            if (ctor != nullptr) ctor->construct(m.slot(gap)); // the only step that can throw
            entry_type* dst = m.slot(0);
            constexpr std::size_t size = sizeof(entry_type);
            if (skip != none) {
                std::memcpy(static_cast<void*>(dst), src, skip * size);
                std::memcpy(static_cast<void*>(dst + skip), src + skip + 1, (ne - skip - 1) * size);
            } else if (gap != none) {
                std::memcpy(static_cast<void*>(dst), src, gap * size);
                std::memcpy(static_cast<void*>(dst + gap + 1), src + gap, (ne - gap) * size);
            } else {
                std::memcpy(static_cast<void*>(dst), src, ne * size);
            }
            m.assume_built(total);
        } else if constexpr (nothrow_move) {
            // Straight runs without a per-entry test: for entries whose move is a plain copy
            // (std::pair of scalars is not trivially copyable, but is this) the compiler
            // turns each run into a block copy.
            if (ctor != nullptr) ctor->construct(m.slot(gap)); // the only step that can throw
            auto move_run = [&](unsigned from, unsigned to, unsigned at) noexcept {
                entry_type* dst = m.slot(at);
                for (unsigned i = from; i < to; ++i) {
                    ::new (static_cast<void*>(dst++)) entry_type(std::move(src[i]));
                }
            };
            if (skip != none) {
                move_run(0, skip, 0);
                move_run(skip + 1, ne, skip);
            } else if (gap != none) {
                move_run(0, gap, 0);
                move_run(gap, ne, gap + 1);
            } else {
                move_run(0, ne, 0);
            }
            m.assume_built(total);
        } else {
            // Copies may throw: build left to right from the intact source.
            for (unsigned i = 0; i <= ne; ++i) {
                if (i == gap && ctor != nullptr) m.construct(*ctor);
                if (i == ne) break;
                if (i != skip) m.copy_one(src[i]);
            }
        }
    }

    IMMUTABLE_ALWAYS_INLINE static node_type* grow_entry(node_type* n, bitmap_type bit, auto& ctor,
                                                         cache_type* cache) {
        unsigned ne = popcount(n->datamap);
        unsigned i = shape_type::index(n->datamap, bit);
        maker m(n->datamap | bit, n->nodemap, ne + 1, cache);
        entry_type* src = n->entries();
        relocate_entries(m, src, ne, none, i, &ctor);
        move_children(n, m.children(), n->child_count());
        node_type* out = m.finish();
        free_moved(n, src, ne, cache);
        return out;
    }

    // A collision node without its entry `skip` (none: all kept), with ctor's entry at the
    // end (null: no new entry).
    static node_type* rebuild_collision(node_type* n, unsigned skip, auto* ctor, cache_type* cache) {
        unsigned ne = n->collision_size();
        unsigned total = ne - (skip != none ? 1 : 0) + (ctor != nullptr ? 1 : 0);
        maker m(collision_node, total, cache);
        entry_type* src = n->collision_entries();
        relocate_entries(m, src, ne, skip, ctor != nullptr ? ne : none, ctor);
        node_type* out = m.finish();
        free_moved(n, src, ne, cache);
        return out;
    }

    IMMUTABLE_ALWAYS_INLINE static node_type* entry_to_child(node_type* n, bitmap_type bit,
                                                             unsigned i, ptr& sub, cache_type* cache) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap & ~bit, n->nodemap | bit, ne - 1, cache);
        entry_type* src = n->entries();
        relocate_entries(m, src, ne, i, none, static_cast<no_entry*>(nullptr));
        unsigned ci = shape_type::index(n->nodemap, bit);
        unsigned nc = n->child_count();
        node_type** kids = m.children();
        node_type** old = n->children();
        for (unsigned j = 0; j < ci; ++j) kids[j] = old[j];
        kids[ci] = sub.take();
        for (unsigned j = ci; j < nc; ++j) kids[j + 1] = old[j];
        node_type* out = m.finish();
        free_moved(n, src, ne, cache);
        return out;
    }

    static node_type* remove_entry(node_type* n, bitmap_type bit, unsigned i, cache_type* cache) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap & ~bit, n->nodemap, ne - 1, cache);
        entry_type* src = n->entries();
        relocate_entries(m, src, ne, i, none, static_cast<no_entry*>(nullptr));
        move_children(n, m.children(), n->child_count());
        node_type* out = m.finish();
        free_moved(n, src, ne, cache);
        return out;
    }

    // The child at (bit, ci) shrank to the entry `e`: inline a copy of it, drop the child.
    static node_type* child_to_entry(node_type* n, bitmap_type bit, unsigned ci, const entry_type& e,
                                     cache_type* cache) {
        unsigned ne = popcount(n->datamap);
        bitmap_type datamap = n->datamap | bit;
        unsigned i = shape_type::index(datamap, bit);
        maker m(datamap, n->nodemap & ~bit, ne + 1, cache);
        struct copy_ctor {
            const entry_type& e;
            void construct(entry_type* p) const { ::new (static_cast<void*>(p)) entry_type(e); }
        } ctor{e};
        entry_type* src = n->entries();
        relocate_entries(m, src, ne, none, i, &ctor);
        node_type* child = n->children()[ci];
        node_type** kids = m.children();
        node_type** old = n->children();
        unsigned nc = n->child_count();
        for (unsigned j = 0, k = 0; j < nc; ++j) {
            if (j != ci) kids[k++] = old[j];
        }
        node_type* out = m.finish();
        free_moved(n, src, ne, cache);
        release<node_type>(child); // after the copy of e: e lives in the child's subtree
        return out;
    }

    // ---- insert: `root` is owned by the builder --------------------------------------
    // Inserts or replaces the entry for `k` (hash h) below an owned root. Returns the new
    // root (often `root` itself), or nullptr when nothing changes; sets `added` when k was
    // absent.
    //
    // A loop rather than a recursion: it walks down while the next node is owned too, makes
    // the one change at the bottom (the only step that can throw), and only then stores the
    // changed node in its parent. Nothing above the bottom is written before the change
    // succeeded.
    template <class Ctor>
    static node_type* insert(node_type* root, std::uint64_t h, const key_type& k, Ctor& ctor,
                             cache_type* cache, bool& added) {
#if defined(IMMUTABLE_CHAMP_POPCNT_DISPATCH)
        if (cpu_has_popcnt()) return insert_with_popcnt(root, h, k, ctor, cache, added);
#endif
        return insert_portable(root, h, k, ctor, cache, added);
    }

    // Out of line like the POPCNT copy, so that the dispatch above stays a test and a
    // call instead of taking on the loop's stack frame and saved registers.
    template <class Ctor>
    IMMUTABLE_NOINLINE static node_type* insert_portable(node_type* root, std::uint64_t h,
                                                         const key_type& k, Ctor& ctor,
                                                         cache_type* cache, bool& added) {
        return insert_loop(root, h, k, ctor, cache, added);
    }

#if defined(IMMUTABLE_CHAMP_POPCNT_DISPATCH)
    // The same loop compiled for the POPCNT instruction (see node.hpp, cpu_has_popcnt):
    // g++ turns the portable bit count into the instruction here. About a tenth fewer
    // instructions per builder insert.
    template <class Ctor>
    __attribute__((target("popcnt"))) IMMUTABLE_NOINLINE static node_type*
    insert_with_popcnt(node_type* root, std::uint64_t h, const key_type& k, Ctor& ctor,
                       cache_type* cache, bool& added) {
        return insert_loop(root, h, k, ctor, cache, added);
    }
#endif

    template <class Ctor>
    static IMMUTABLE_ALWAYS_INLINE node_type* insert_loop(node_type* root, std::uint64_t h,
                                                          const key_type& k, Ctor& ctor,
                                                          cache_type* cache, bool& added) {
        node_type** slot = nullptr; // where `n` is stored in its parent (null: n is the root)
        node_type* n = root;
        node_type* out;             // what replaces `n`
        for (unsigned shift = 0;; shift += bits) {
            if (IMMUTABLE_UNLIKELY(shift >= max_shift)) {
                unsigned i = base::collision_index(n, k);
                if (i == none) {
                    out = rebuild_collision(n, none, &ctor, cache);
                    break;
                }
                entry_type& e = n->collision_entries()[i];
                if (ctor.unchanged(e)) return nullptr;
                ctor.assign(e);
                return root;
            }
            bitmap_type bit = shape_type::bit_at(h, shift);
            if (n->datamap & bit) {
                unsigned i = shape_type::index(n->datamap, bit);
                entry_type& e = n->entries()[i];
                if (Traits::equal(Traits::key(e), k)) {
                    if (ctor.unchanged(e)) return nullptr;
                    ctor.assign(e);
                    return root;
                }
                ptr sub = ptr::adopt(base::make_two(shift + bits, e, Traits::hash(Traits::key(e)), ctor, h, cache));
                out = entry_to_child(n, bit, i, sub, cache);
                break;
            }
            if (n->nodemap & bit) {
                node_type** cs = n->children() + shape_type::index(n->nodemap, bit);
                node_type* child = *cs;
                base::prefetch_node_body(child);
                if (is_unique<node_type>(child)) {
                    slot = cs;
                    n = child;
                    continue;
                }
                // The first shared node: copied with the persistent algorithm.
                node_type* c = base::insert(child, shift + bits, h, k, ctor, added);
                if (c == nullptr) return nullptr;
                release<node_type>(child);
                *cs = c;
                return root;
            }
            out = grow_entry(n, bit, ctor, cache);
            break;
        }
        added = true;
        if (slot == nullptr) return out;
        *slot = out;
        return root;
    }

    // ---- erase: `n` is owned by the builder --------------------------------------------
    // `single` results point at an entry still inside `n`'s subtree; the parent copies it
    // and then releases the child.
    static erase_result erase(node_type* n, unsigned shift, std::uint64_t h, const key_type& k,
                              cache_type* cache) {
        if (IMMUTABLE_UNLIKELY(shift >= max_shift)) {
            unsigned i = base::collision_index(n, k);
            if (i == none) return {erase_result::unchanged};
            if (n->collision_size() == 2) {
                return {erase_result::single, nullptr, n->collision_entries() + (1 - i)};
            }
            return {erase_result::replaced, rebuild_collision(n, i, static_cast<no_entry*>(nullptr), cache)};
        }
        bitmap_type bit = shape_type::bit_at(h, shift);
        if (n->datamap & bit) {
            unsigned i = shape_type::index(n->datamap, bit);
            if (!Traits::equal(Traits::key(n->entries()[i]), k)) return {erase_result::unchanged};
            if (n->nodemap == 0 && n->datamap == bit) return {erase_result::empty}; // a one-entry root
            if (shift > 0 && base::holds_two_entries(n)) {
                return {erase_result::single, nullptr, n->entries() + (1 - i)};
            }
            return {erase_result::replaced, remove_entry(n, bit, i, cache)};
        }
        if (n->nodemap & bit) {
            unsigned ci = shape_type::index(n->nodemap, bit);
            node_type* child = n->children()[ci];
            bool owned = is_unique<node_type>(child);
            erase_result r = owned ? erase(child, shift + bits, h, k, cache)
                                   : base::erase(child, shift + bits, h, k);
            switch (r.kind) {
            case erase_result::unchanged:
                return r;
            case erase_result::replaced:
                if (!owned) release<node_type>(child);
                n->children()[ci] = r.node;
                return {erase_result::replaced, n};
            case erase_result::single:
                if (shift > 0 && n->datamap == 0 && n->nodemap == bit) return r; // n held two entries too
                return {erase_result::replaced, child_to_entry(n, bit, ci, *r.entry, cache)};
            case erase_result::empty:
                break;
            }
        }
        return {erase_result::unchanged};
    }
};

} // namespace immutable::detail::champ
