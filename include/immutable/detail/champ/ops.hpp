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

#include <cstddef>
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
        const entry_type* e = n->collision_entries();
        for (unsigned i = 0, ne = n->collision_size(); i < ne; ++i) {
            if (Traits::equal(Traits::key(e[i]), k)) return e + i;
        }
        return nullptr;
    }

    static unsigned collision_index(const node_type* n, const key_type& k) {
        const entry_type* e = n->collision_entries();
        for (unsigned i = 0, ne = n->collision_size(); i < ne; ++i) {
            if (Traits::equal(Traits::key(e[i]), k)) return i;
        }
        return none;
    }

    // The number of entries below n: a walk over the whole subtree.
    static std::size_t count_entries(const node_type* n) noexcept {
        if (n->is_collision()) return n->collision_size();
        std::size_t total = popcount(n->datamap);
        for (unsigned i = 0, nc = n->child_count(); i < nc; ++i) {
            total += count_entries(n->children()[i]);
        }
        return total;
    }

    // ---- node copies with one change (each: one allocation) ----------------------------

    static node_type* copy_replace_entry(const node_type* n, unsigned i, auto& ctor) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap, n->nodemap, ne);
        m.copy(n->entries(), i);
        m.construct(ctor);
        m.copy(n->entries() + i + 1, ne - i - 1);
        copy_children(n, m.children(), none, none);
        return m.finish();
    }

    static node_type* copy_insert_entry(const node_type* n, bitmap_type bit, auto& ctor) {
        unsigned ne = popcount(n->datamap);
        unsigned i = shape_type::index(n->datamap, bit);
        maker m(n->datamap | bit, n->nodemap, ne + 1);
        m.copy(n->entries(), i);
        m.construct(ctor);
        m.copy(n->entries() + i, ne - i);
        copy_children(n, m.children(), none, none);
        return m.finish();
    }

    // The entry at slot `bit` (position i) moves down into the new child `sub`.
    static node_type* copy_entry_to_child(const node_type* n, bitmap_type bit, unsigned i, ptr& sub) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap & ~bit, n->nodemap | bit, ne - 1);
        m.copy(n->entries(), i);
        m.copy(n->entries() + i + 1, ne - i - 1);
        unsigned ci = shape_type::index(n->nodemap, bit);
        copy_children(n, m.children(), none, ci);
        m.children()[ci] = sub.take();
        return m.finish();
    }

    static node_type* copy_replace_child(const node_type* n, unsigned ci, ptr& child) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap, n->nodemap, ne);
        m.copy(n->entries(), ne);
        copy_children(n, m.children(), ci, ci);
        m.children()[ci] = child.take();
        return m.finish();
    }

    static node_type* copy_remove_entry(const node_type* n, bitmap_type bit, unsigned i) {
        unsigned ne = popcount(n->datamap);
        maker m(n->datamap & ~bit, n->nodemap, ne - 1);
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
        maker m(datamap, n->nodemap & ~bit, ne + 1);
        m.copy(n->entries(), i);
        m.copy_one(e);
        m.copy(n->entries() + i, ne - i);
        copy_children(n, m.children(), ci, none);
        return m.finish();
    }

    // Stands for "no new entry" in copy_collision.
    struct no_entry {
        void construct(entry_type*) const noexcept {}
    };

    // A collision node with n's entries, except that entry `skip` is left out (none: all
    // kept) and ctor's entry goes at position `at` (none: no new entry).
    template <class Ctor>
    static node_type* copy_collision(const node_type* n, unsigned skip, unsigned at, Ctor* ctor) {
        unsigned ne = n->collision_size();
        const entry_type* e = n->collision_entries();
        maker m(collision_node, ne - (skip != none ? 1 : 0) + (ctor != nullptr ? 1 : 0));
        for (unsigned i = 0; i <= ne; ++i) {
            if (i == at && ctor != nullptr) m.construct(*ctor);
            if (i == ne) break;
            if (i != skip) m.copy_one(e[i]);
        }
        return m.finish();
    }

    // ---- insert --------------------------------------------------------------------

    // A trie holding `e1` (hash h1) and the entry `ctor` makes (hash h2), rooted at `shift`.
    static node_type* make_two(unsigned shift, const entry_type& e1, std::uint64_t h1, auto& ctor,
                               std::uint64_t h2, cache_type* cache = nullptr) {
        if (shift >= max_shift) {
            maker m(collision_node, 2, cache);
            m.copy_one(e1);
            m.construct(ctor);
            return m.finish();
        }
        bitmap_type b1 = shape_type::bit_at(h1, shift);
        bitmap_type b2 = shape_type::bit_at(h2, shift);
        if (b1 == b2) {
            ptr sub = ptr::adopt(make_two(shift + bits, e1, h1, ctor, h2, cache));
            maker m(0, b1, 0, cache);
            m.children()[0] = sub.take();
            return m.finish();
        }
        maker m(b1 | b2, 0, 2, cache);
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
        maker m(shape_type::bit_at(h, 0), 0, 1);
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
            return copy_entry_to_child(n, bit, i, sub);
        }
        if (n->nodemap & bit) {
            unsigned ci = shape_type::index(n->nodemap, bit);
            node_type* c = insert(n->children()[ci], shift + bits, h, k, ctor, added);
            if (c == nullptr) return nullptr;
            ptr child = ptr::adopt(c);
            return copy_replace_child(n, ci, child);
        }
        added = true;
        return copy_insert_entry(n, bit, ctor);
    }

    template <class Ctor>
    static node_type* insert_collision(const node_type* n, const key_type& k, Ctor& ctor, bool& added) {
        unsigned i = collision_index(n, k);
        if (i != none) {
            if (ctor.unchanged(n->collision_entries()[i])) return nullptr;
            return copy_collision(n, i, i, &ctor);
        }
        added = true;
        return copy_collision(n, none, n->collision_size(), &ctor);
    }

    // ---- erase ---------------------------------------------------------------------

    struct erase_result {
        enum kind_t { unchanged, replaced, single, empty } kind;
        node_type* node = nullptr;        // replaced: the new subtree (one reference)
        const entry_type* entry = nullptr; // single: the one entry left, inside the old trie
    };

    // Of a bitmap node: its subtree holds exactly two entries. A child holds at least two,
    // so these are two inline entries and no child.
    static bool holds_two_entries(const node_type* n) noexcept {
        return n->nodemap == 0 && popcount(n->datamap) == 2;
    }

    // Removes `k`. A non-root subtree left with one entry reports `single` instead of
    // allocating a one-entry node, and its parent inlines that entry (canonical form).
    static erase_result erase(const node_type* n, unsigned shift, std::uint64_t h, const key_type& k) {
        if (IMMUTABLE_UNLIKELY(shift >= max_shift)) {
            unsigned i = collision_index(n, k);
            if (i == none) return {erase_result::unchanged};
            if (n->collision_size() == 2) {
                return {erase_result::single, nullptr, n->collision_entries() + (1 - i)};
            }
            return {erase_result::replaced, copy_collision(n, i, none, static_cast<no_entry*>(nullptr))};
        }
        bitmap_type bit = shape_type::bit_at(h, shift);
        if (n->datamap & bit) {
            unsigned i = shape_type::index(n->datamap, bit);
            if (!Traits::equal(Traits::key(n->entries()[i]), k)) return {erase_result::unchanged};
            if (n->nodemap == 0 && n->datamap == bit) return {erase_result::empty}; // a one-entry root
            // Below the root a subtree of two holds both inline (a child would hold >= 2).
            if (shift > 0 && holds_two_entries(n)) {
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
                return {erase_result::replaced, copy_replace_child(n, ci, child)};
            }
            case erase_result::single:
                // The child held two entries: so did n if that child is all it has.
                if (shift > 0 && n->datamap == 0 && n->nodemap == bit) return r; // keep pulling the entry up
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
        if (a->datamap != b->datamap || a->nodemap != b->nodemap) return false;
        if (a->is_collision()) {
            if (a->collision_size() != b->collision_size()) return false;
            for (unsigned i = 0, ne = a->collision_size(); i < ne; ++i) {
                const entry_type& x = a->collision_entries()[i];
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
        const entry_type* e = n->entry_begin();
        for (unsigned i = 0, ne = n->entry_count(); i < ne; ++i) f(e[i]);
        for (unsigned i = 0, nc = n->child_count(); i < nc; ++i) for_each(n->children()[i], f);
    }
};

} // namespace immutable::detail::champ
