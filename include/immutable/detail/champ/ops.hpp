#pragma once
// Persistent CHAMP algorithms: lookup, path-copying insert and erase, structural equality.
//
// A persistent update never writes to an existing node. It copies the nodes on the path
// from the root to the changed slot (each copy one allocation, sized exactly), retains
// every child it did not replace, and returns the new root. An update that would not
// change the content (erasing a missing key, setting an equal value) returns nullptr
// before allocating anything, so the caller keeps the old root.
//
// Exception safety: every node is filled through node_maker, which unwinds on a throwing
// copy; a freshly built child is held by a node_ptr until its parent is complete. The
// input trie is only read, so it is unchanged whatever throws.

#include <cstdint>
#include <new>

#include <immutable/detail/champ/node.hpp>

namespace immutable::detail::champ {

template <class Traits>
struct ops {
    using node_type = node<Traits>;
    using shape_type = typename node_type::shape_type;
    using bitmap_type = typename node_type::bitmap_type;
    using entry_type = typename Traits::entry_type;
    using key_type = typename Traits::key_type;
    using maker = node_maker<Traits>;
    using ptr = detail::node_ptr<node_type>;
    using cache_type = typename node_type::cache_type;
    static constexpr unsigned bits = shape_type::bits;
    static constexpr unsigned max_shift = shape_type::max_shift;
    static constexpr unsigned none = ~0u;

    // ---- lookup --------------------------------------------------------------------

    // A one-entry map (its root, which has no children) answers by comparing the key with
    // its entry, without hashing: for a string key the hash costs several times the
    // comparison. Measured and rejected: scanning roots of up to 8 inline entries this way
    // (half the instructions for 8 strings, but slower: the scan's branches mispredict).
    // Q is the key type, or any type a transparent Hash and Equal accept (map::find).
    template <class Q>
    static const entry_type* find(const node_type* n, const Q& k) {
        if (n == nullptr) return nullptr;
        if (n->count == 1) return single_entry(n, k);
        return find(n, Traits::hash(k), k);
    }

    // The entry of a one-entry root if its key equals k, else null.
    template <class Q>
    static const entry_type* single_entry(const node_type* n, const Q& k) {
        const entry_type* e = std::launder(reinterpret_cast<const entry_type*>(
            reinterpret_cast<const char*>(n) + node_type::entries_offset(0)));
        return Traits::equal(Traits::key(*e), k) ? e : nullptr;
    }

    // Looks `k` (hash h) up in the subtree `n` rooted at depth `shift`.
    template <class Q>
    static const entry_type* find(const node_type* n, std::uint64_t h, const Q& k,
                                  unsigned shift = 0) {
#if defined(IMMUTABLE_CHAMP_POPCNT_DISPATCH)
        if (cpu_has_popcnt()) return find_with_popcnt(n, h, k, shift);
        return find_impl<false>(n, h, k, shift);
#else
        return find_impl<true>(n, h, k, shift);
#endif
    }

#if defined(IMMUTABLE_CHAMP_POPCNT_DISPATCH)
    // The same loop compiled for the POPCNT instruction (see node.hpp, cpu_has_popcnt).
    template <class Q>
    __attribute__((target("popcnt"))) IMMUTABLE_NOINLINE static const entry_type*
    find_with_popcnt(const node_type* n, std::uint64_t h, const Q& k, unsigned shift) {
        return find_impl<true>(n, h, k, shift);
    }
#endif

    // `Native`: count bits with the compiler's builtin (one instruction where the target
    // has it); otherwise with the portable sequence.
    template <bool Native, class Q>
    static IMMUTABLE_ALWAYS_INLINE const entry_type* find_impl(const node_type* n, std::uint64_t h,
                                                               const Q& k, unsigned shift) {
        for (;; shift += bits) {
            if (IMMUTABLE_UNLIKELY(shift >= max_shift)) return find_in_collision(n, k);
            bitmap_type bit = shape_type::bit_at(h, shift);
            if (n->datamap & bit) {
                unsigned children = count_bits<Native>(n->nodemap);
                const auto* base = reinterpret_cast<const char*>(n) + node_type::entries_offset(children);
                const entry_type* e = std::launder(reinterpret_cast<const entry_type*>(base)) +
                                      count_bits<Native>(static_cast<bitmap_type>(n->datamap & (bit - 1)));
                return Traits::equal(Traits::key(*e), k) ? e : nullptr;
            }
            if (!(n->nodemap & bit)) return nullptr;
            n = n->children()[count_bits<Native>(static_cast<bitmap_type>(n->nodemap & (bit - 1)))];
            prefetch_node_body(n);
        }
    }

    // A node spans several cache lines (header, child pointers, entries) and the slot a
    // lookup needs can be in any of them: requesting the first few lines together, while
    // the header is being read, turns two dependent misses per level into about one.
    static IMMUTABLE_ALWAYS_INLINE void prefetch_node_body(const node_type* n) noexcept {
        const char* p = reinterpret_cast<const char*>(n);
        IMMUTABLE_PREFETCH(p + 64);
        IMMUTABLE_PREFETCH(p + 128);
        IMMUTABLE_PREFETCH(p + 192);
    }

    template <class Q>
    static const entry_type* find_in_collision(const node_type* n, const Q& k) {
        const entry_type* e = n->entries();
        for (unsigned i = 0; i < n->count; ++i) {
            if (Traits::equal(Traits::key(e[i]), k)) return e + i;
        }
        return nullptr;
    }

    static unsigned collision_index(const node_type* n, const key_type& k) {
        const entry_type* e = n->entries();
        for (unsigned i = 0; i < n->count; ++i) {
            if (Traits::equal(Traits::key(e[i]), k)) return i;
        }
        return none;
    }

    // ---- node copies with one change (each: one allocation) ----------------------------

    static node_type* copy_replace_entry(const node_type* n, unsigned i, auto& ctor) {
        unsigned ne = n->entry_count();
        maker m(n->datamap, n->nodemap, n->count, ne);
        m.copy(n->entries(), i);
        m.construct(ctor);
        m.copy(n->entries() + i + 1, ne - i - 1);
        copy_children(n, m.children(), none, none);
        return m.finish();
    }

    static node_type* copy_insert_entry(const node_type* n, bitmap_type bit, auto& ctor) {
        unsigned ne = popcount(n->datamap);
        unsigned i = shape_type::index(n->datamap, bit);
        maker m(n->datamap | bit, n->nodemap, n->count + 1, ne + 1);
        m.copy(n->entries(), i);
        m.construct(ctor);
        m.copy(n->entries() + i, ne - i);
        copy_children(n, m.children(), none, none);
        return m.finish();
    }

    // The entry at slot `bit` (position i) moves down into the new child `sub`.
    static node_type* copy_entry_to_child(const node_type* n, bitmap_type bit, unsigned i, ptr& sub,
                                          std::uint32_t count) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap & ~bit, n->nodemap | bit, count, ne - 1);
        m.copy(n->entries(), i);
        m.copy(n->entries() + i + 1, ne - i - 1);
        unsigned ci = shape_type::index(n->nodemap, bit);
        copy_children(n, m.children(), none, ci);
        m.children()[ci] = sub.take();
        return m.finish();
    }

    static node_type* copy_replace_child(const node_type* n, unsigned ci, ptr& child,
                                         std::uint32_t count) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap, n->nodemap, count, ne);
        m.copy(n->entries(), ne);
        copy_children(n, m.children(), ci, ci);
        m.children()[ci] = child.take();
        return m.finish();
    }

    static node_type* copy_remove_entry(const node_type* n, bitmap_type bit, unsigned i) {
        unsigned ne = n->entry_count();
        maker m(n->datamap & ~bit, n->nodemap, n->count - 1, ne - 1);
        m.copy(n->entries(), i);
        m.copy(n->entries() + i + 1, ne - i - 1);
        copy_children(n, m.children(), none, none);
        return m.finish();
    }

    // The child at slot `bit` (position ci) shrank to the single entry `e`, which moves up.
    static node_type* copy_child_to_entry(const node_type* n, bitmap_type bit, unsigned ci,
                                          const entry_type& e) {
        unsigned ne = popcount(n->datamap);
        bitmap_type datamap = n->datamap | bit;
        unsigned i = shape_type::index(datamap, bit);
        maker m(datamap, n->nodemap & ~bit, n->count - 1, ne + 1);
        m.copy(n->entries(), i);
        m.copy_one(e);
        m.copy(n->entries() + i, ne - i);
        copy_children(n, m.children(), ci, none);
        return m.finish();
    }

    // ---- insert --------------------------------------------------------------------

    // A trie holding `e1` (hash h1) and the entry `ctor` makes (hash h2), rooted at `shift`.
    static node_type* make_two(unsigned shift, const entry_type& e1, std::uint64_t h1, auto& ctor,
                               std::uint64_t h2, cache_type* cache = nullptr) {
        if (shift >= max_shift) {
            maker m(0, 0, 2, 2, cache);
            m.copy_one(e1);
            m.construct(ctor);
            return m.finish();
        }
        bitmap_type b1 = shape_type::bit_at(h1, shift);
        bitmap_type b2 = shape_type::bit_at(h2, shift);
        if (b1 == b2) {
            ptr sub = ptr::adopt(make_two(shift + bits, e1, h1, ctor, h2, cache));
            maker m(0, b1, 2, 0, cache);
            m.children()[0] = sub.take();
            return m.finish();
        }
        maker m(b1 | b2, 0, 2, 2, cache);
        if (b1 < b2) {
            m.copy_one(e1);
            m.construct(ctor);
        } else {
            m.construct(ctor);
            m.copy_one(e1);
        }
        return m.finish();
    }

    static node_type* make_one(auto& ctor, std::uint64_t h) {
        maker m(shape_type::bit_at(h, 0), 0, 1, 1);
        m.construct(ctor);
        return m.finish();
    }

    // Inserts or replaces the entry for `k`; `ctor` builds the new entry
    // (ctor.construct(void*)) and says whether an existing one already matches
    // (ctor.unchanged(const entry&)). Returns the new subtree, or nullptr when nothing
    // changes. `added` is set when the key was absent.
    template <class Ctor>
    static node_type* insert(const node_type* n, unsigned shift, std::uint64_t h, const key_type& k,
                             Ctor& ctor, bool& added) {
        if (IMMUTABLE_UNLIKELY(shift >= max_shift)) return insert_collision(n, k, ctor, added);
        bitmap_type bit = shape_type::bit_at(h, shift);
        if (n->datamap & bit) {
            unsigned i = shape_type::index(n->datamap, bit);
            const entry_type& e = n->entries()[i];
            if (Traits::equal(Traits::key(e), k)) {
                if (ctor.unchanged(e)) return nullptr;
                return copy_replace_entry(n, i, ctor);
            }
            ptr sub = ptr::adopt(make_two(shift + bits, e, Traits::hash(Traits::key(e)), ctor, h));
            added = true;
            return copy_entry_to_child(n, bit, i, sub, n->count + 1);
        }
        if (n->nodemap & bit) {
            unsigned ci = shape_type::index(n->nodemap, bit);
            node_type* c = insert(n->children()[ci], shift + bits, h, k, ctor, added);
            if (c == nullptr) return nullptr;
            ptr child = ptr::adopt(c);
            return copy_replace_child(n, ci, child, n->count + (added ? 1 : 0));
        }
        added = true;
        return copy_insert_entry(n, bit, ctor);
    }

    template <class Ctor>
    static node_type* insert_collision(const node_type* n, const key_type& k, Ctor& ctor, bool& added) {
        unsigned i = collision_index(n, k);
        if (i != none) {
            if (ctor.unchanged(n->entries()[i])) return nullptr;
            return copy_replace_entry(n, i, ctor);
        }
        added = true;
        maker m(0, 0, n->count + 1, n->count + 1);
        m.copy(n->entries(), n->count);
        m.construct(ctor);
        return m.finish();
    }

    // ---- erase ---------------------------------------------------------------------

    struct erase_result {
        enum kind_t { unchanged, replaced, single, empty } kind;
        node_type* node = nullptr;        // replaced: the new subtree (one reference)
        const entry_type* entry = nullptr; // single: the one entry left, inside the old trie
    };

    // Removes `k`. A non-root subtree left with one entry reports `single` instead of
    // allocating a one-entry node, and its parent inlines that entry (canonical form).
    static erase_result erase(const node_type* n, unsigned shift, std::uint64_t h, const key_type& k) {
        if (IMMUTABLE_UNLIKELY(shift >= max_shift)) {
            unsigned i = collision_index(n, k);
            if (i == none) return {erase_result::unchanged};
            if (n->count == 2) return {erase_result::single, nullptr, n->entries() + (1 - i)};
            return {erase_result::replaced, copy_remove_entry(n, 0, i)};
        }
        bitmap_type bit = shape_type::bit_at(h, shift);
        if (n->datamap & bit) {
            unsigned i = shape_type::index(n->datamap, bit);
            if (!Traits::equal(Traits::key(n->entries()[i]), k)) return {erase_result::unchanged};
            if (n->count == 1) return {erase_result::empty};
            // Below the root a subtree of two holds both inline (a child would hold >= 2).
            if (shift > 0 && n->count == 2) {
                return {erase_result::single, nullptr, n->entries() + (1 - i)};
            }
            return {erase_result::replaced, copy_remove_entry(n, bit, i)};
        }
        if (n->nodemap & bit) {
            unsigned ci = shape_type::index(n->nodemap, bit);
            erase_result r = erase(n->children()[ci], shift + bits, h, k);
            switch (r.kind) {
            case erase_result::unchanged:
                return r;
            case erase_result::replaced: {
                ptr child = ptr::adopt(r.node);
                return {erase_result::replaced, copy_replace_child(n, ci, child, n->count - 1)};
            }
            case erase_result::single:
                if (shift > 0 && n->count == 2) return r; // keep pulling the entry up
                return {erase_result::replaced, copy_child_to_entry(n, bit, ci, *r.entry)};
            case erase_result::empty:
                break; // a child never empties: it held at least two entries
            }
        }
        return {erase_result::unchanged};
    }

    // ---- equality ------------------------------------------------------------------

    // Equal content. Canonical form means equal content has equal bitmaps at every node,
    // so the walk is in lockstep and skips pointer-equal subtrees; only collision nodes,
    // whose order depends on history, are compared as unordered bags.
    static bool equal(const node_type* a, const node_type* b) {
        if (a == b) return true;
        if (a == nullptr || b == nullptr) return false;
        if (a->count != b->count || a->datamap != b->datamap || a->nodemap != b->nodemap) {
            return false;
        }
        if (a->is_collision()) {
            for (unsigned i = 0; i < a->count; ++i) {
                const entry_type& x = a->entries()[i];
                const entry_type* y = find_in_collision(b, Traits::key(x));
                if (y == nullptr || !Traits::same_mapped(x, *y)) return false;
            }
            return true;
        }
        const entry_type* ea = a->entries();
        const entry_type* eb = b->entries();
        for (unsigned i = 0, ne = popcount(a->datamap); i < ne; ++i) {
            if (!Traits::equal(Traits::key(ea[i]), Traits::key(eb[i])) ||
                !Traits::same_mapped(ea[i], eb[i])) {
                return false;
            }
        }
        for (unsigned i = 0, nc = popcount(a->nodemap); i < nc; ++i) {
            if (!equal(a->children()[i], b->children()[i])) return false;
        }
        return true;
    }

    // Calls f(entry) for every entry below n, in iteration order.
    template <class F>
    static void for_each(const node_type* n, F& f) {
        const entry_type* e = n->entries();
        for (unsigned i = 0, ne = n->entry_count(); i < ne; ++i) f(e[i]);
        for (unsigned i = 0, nc = n->child_count(); i < nc; ++i) for_each(n->children()[i], f);
    }
};

} // namespace immutable::detail::champ
