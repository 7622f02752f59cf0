#pragma once
// Set algebra on CHAMP tries: union, intersection, difference, computed node by node.
//
// The two inputs are walked in lockstep, slot by slot. A slot that only one side fills is
// taken whole (its subtree is retained, not copied); pointer-equal subtrees are taken or
// dropped whole; only slots where both sides hold something different are recursed into.
// Each output node is assembled once, from pointers to the input entries and the
// finished children, with one allocation. When an output node would equal one of the
// input nodes, that input node is returned instead, so a result equal to an input shares
// its root and allocates nothing.
//
// Where the inputs hold equal elements, union and intersection keep the left operand's.
// Whether an output equals an input is decided by counts alone: a union contains both
// inputs and an intersection or difference lies inside its left input, so equal size
// means equal content.

#include <cstdint>
#include <cstring>
#include <vector>

#include <immutable/detail/champ/ops.hpp>
#include <immutable/detail/champ/trie.hpp>

namespace immutable::detail::champ {

template <class Traits>
struct algebra {
    static_assert(!Traits::has_mapped, "set algebra works on sets: a key is the whole entry");
    using base = ops<Traits>;
    using node_type = node<Traits>;
    using shape_type = typename node_type::shape_type;
    using bitmap_type = typename node_type::bitmap_type;
    using entry_type = typename Traits::entry_type;
    using maker = node_maker<Traits>;
    static constexpr unsigned bits = shape_type::bits;
    static constexpr unsigned max_shift = shape_type::max_shift;
    static constexpr unsigned width = 1u << bits;

    // Builds a new entry as a copy of an existing one (for base::insert / make_two).
    struct copy_entry {
        const entry_type& e;
        void construct(entry_type* p) const { ::new (static_cast<void*>(p)) entry_type(e); }
        bool unchanged(const entry_type&) const noexcept { return true; }
    };

    // What an operation left in one subtree: nothing, one entry (to be inlined by the
    // parent; it points into an input trie), or a node (one owned reference).
    struct result {
        enum kind_t { empty, single, tree } kind = empty;
        const entry_type* entry = nullptr;
        node_type* node = nullptr;
    };

    // The slots of one output node, gathered in slot order before the node is allocated.
    class slots {
    public:
        slots() = default;
        slots(const slots&) = delete;
        slots& operator=(const slots&) = delete;
        ~slots() {
            for (unsigned i = 0; i < nc_; ++i) release<node_type>(children_[i]);
        }
        void add_entry(bitmap_type bit, const entry_type* e) noexcept {
            datamap_ |= bit;
            entries_[ne_++] = e;
            ++count_;
        }
        void add_child(bitmap_type bit, node_type* owned) noexcept {
            nodemap_ |= bit;
            children_[nc_++] = owned;
            count_ += owned->count;
        }
        void add_result(bitmap_type bit, const result& r) noexcept {
            if (r.kind == result::single) {
                add_entry(bit, r.entry);
            } else if (r.kind == result::tree) {
                add_child(bit, r.node);
            }
        }
        std::uint32_t count() const noexcept { return count_; }

        // Below the root, a lone entry goes up to the parent instead of into a node.
        result finish(unsigned shift) {
            if (count_ == 0) return {};
            if (count_ == 1 && shift > 0) return {result::single, entries_[0]};
            maker m(datamap_, nodemap_, count_, ne_);
            for (unsigned i = 0; i < ne_; ++i) m.copy_one(*entries_[i]);
            if (nc_ != 0) std::memcpy(m.children(), children_, nc_ * sizeof(node_type*));
            nc_ = 0;
            return {result::tree, nullptr, m.finish()};
        }

    private:
        bitmap_type datamap_ = 0;
        bitmap_type nodemap_ = 0;
        std::uint32_t count_ = 0;
        unsigned ne_ = 0;
        unsigned nc_ = 0;
        const entry_type* entries_[width];
        node_type* children_[width];
    };

    static node_type* share(const node_type* n) noexcept {
        retain<node_type>(n);
        return const_cast<node_type*>(n);
    }
    static result share_result(const node_type* n) noexcept { return {result::tree, nullptr, share(n)}; }

    static const entry_type* find_below(const node_type* n, unsigned shift, const entry_type& e) {
        const auto& k = Traits::key(e);
        return base::find(n, Traits::hash(k), k, shift);
    }

    // Everything one operation needs to know about one slot of both inputs.
    struct slot_view {
        const entry_type* ea = nullptr;
        const entry_type* eb = nullptr;
        const node_type* ca = nullptr;
        const node_type* cb = nullptr;

        slot_view(const node_type* a, const node_type* b, bitmap_type bit) noexcept {
            if (a->datamap & bit) ea = a->entries() + shape_type::index(a->datamap, bit);
            if (a->nodemap & bit) ca = a->children()[shape_type::index(a->nodemap, bit)];
            if (b->datamap & bit) eb = b->entries() + shape_type::index(b->datamap, bit);
            if (b->nodemap & bit) cb = b->children()[shape_type::index(b->nodemap, bit)];
        }
    };

    // ---- union -------------------------------------------------------------------------

    // Both non-null, rooted at `shift`. Returns one owned reference.
    static node_type* unite(const node_type* a, const node_type* b, unsigned shift) {
        if (a == b) return share(a);
        if (shift >= max_shift) return unite_collision(a, b);
        slots out;
        bitmap_type all = a->datamap | a->nodemap | b->datamap | b->nodemap;
        while (all != 0) {
            bitmap_type bit = all & (~all + 1);
            all &= all - 1;
            slot_view s(a, b, bit);
            if (s.eb == nullptr && s.cb == nullptr) { // only in a
                if (s.ea) out.add_entry(bit, s.ea); else out.add_child(bit, share(s.ca));
            } else if (s.ea == nullptr && s.ca == nullptr) { // only in b
                if (s.eb) out.add_entry(bit, s.eb); else out.add_child(bit, share(s.cb));
            } else if (s.ea && s.eb) {
                if (Traits::equal(Traits::key(*s.ea), Traits::key(*s.eb))) {
                    out.add_entry(bit, s.ea);
                } else {
                    copy_entry second{*s.eb};
                    out.add_child(bit, base::make_two(shift + bits, *s.ea, Traits::hash(Traits::key(*s.ea)),
                                                      second, Traits::hash(Traits::key(*s.eb))));
                }
            } else if (s.ea) { // a's entry against b's subtree
                if (find_below(s.cb, shift + bits, *s.ea) != nullptr) {
                    out.add_child(bit, share(s.cb));
                } else {
                    out.add_child(bit, insert_copy(s.cb, shift + bits, *s.ea));
                }
            } else if (s.eb) { // a's subtree against b's entry
                if (find_below(s.ca, shift + bits, *s.eb) != nullptr) {
                    out.add_child(bit, share(s.ca));
                } else {
                    out.add_child(bit, insert_copy(s.ca, shift + bits, *s.eb));
                }
            } else {
                out.add_child(bit, unite(s.ca, s.cb, shift + bits));
            }
        }
        // The union contains both inputs, so it equals one exactly when the counts agree.
        if (out.count() == a->count) return share(a);
        if (out.count() == b->count) return share(b);
        return out.finish(shift).node;
    }

    static node_type* insert_copy(const node_type* n, unsigned shift, const entry_type& e) {
        copy_entry ctor{e};
        bool added = false;
        const auto& k = Traits::key(e);
        return base::insert(n, shift, Traits::hash(k), k, ctor, added);
    }

    static node_type* unite_collision(const node_type* a, const node_type* b) {
        std::vector<const entry_type*> extra;
        for (unsigned i = 0; i < b->count; ++i) {
            const entry_type& y = b->entries()[i];
            if (base::find_in_collision(a, Traits::key(y)) == nullptr) extra.push_back(&y);
        }
        if (extra.empty()) return share(a);
        if (a->count + extra.size() == b->count) return share(b); // a is inside b
        auto total = static_cast<unsigned>(a->count + extra.size());
        maker m(0, 0, total, total);
        m.copy(a->entries(), a->count);
        for (const entry_type* e : extra) m.copy_one(*e);
        return m.finish();
    }

    // ---- intersection --------------------------------------------------------------------

    static result intersect(const node_type* a, const node_type* b, unsigned shift) {
        if (a == b) return share_result(a);
        if (shift >= max_shift) return filter_collision(a, b, true);
        slots out;
        bitmap_type both = (a->datamap | a->nodemap) & (b->datamap | b->nodemap);
        while (both != 0) {
            bitmap_type bit = both & (~both + 1);
            both &= both - 1;
            slot_view s(a, b, bit);
            if (s.ea && s.eb) {
                if (Traits::equal(Traits::key(*s.ea), Traits::key(*s.eb))) out.add_entry(bit, s.ea);
            } else if (s.ea) {
                if (find_below(s.cb, shift + bits, *s.ea) != nullptr) out.add_entry(bit, s.ea);
            } else if (s.eb) {
                if (const entry_type* found = find_below(s.ca, shift + bits, *s.eb)) out.add_entry(bit, found);
            } else {
                out.add_result(bit, intersect(s.ca, s.cb, shift + bits));
            }
        }
        // The intersection lies inside both inputs: equal to one exactly when counts agree.
        if (out.count() == a->count) return share_result(a);
        if (out.count() == b->count) return share_result(b);
        return out.finish(shift);
    }

    // ---- difference ----------------------------------------------------------------------

    static result subtract(const node_type* a, const node_type* b, unsigned shift) {
        if (a == b) return {};
        if (shift >= max_shift) return filter_collision(a, b, false);
        slots out;
        bitmap_type in_a = a->datamap | a->nodemap;
        while (in_a != 0) {
            bitmap_type bit = in_a & (~in_a + 1);
            in_a &= in_a - 1;
            slot_view s(a, b, bit);
            if (s.eb == nullptr && s.cb == nullptr) {
                if (s.ea) out.add_entry(bit, s.ea); else out.add_child(bit, share(s.ca));
            } else if (s.ea && s.eb) {
                if (!Traits::equal(Traits::key(*s.ea), Traits::key(*s.eb))) out.add_entry(bit, s.ea);
            } else if (s.ea) {
                if (find_below(s.cb, shift + bits, *s.ea) == nullptr) out.add_entry(bit, s.ea);
            } else if (s.eb) {
                const auto& k = Traits::key(*s.eb);
                auto r = base::erase(s.ca, shift + bits, Traits::hash(k), k);
                using er = typename base::erase_result;
                if (r.kind == er::unchanged) {
                    out.add_child(bit, share(s.ca));
                } else if (r.kind == er::replaced) {
                    out.add_child(bit, r.node);
                } else {
                    out.add_entry(bit, r.entry); // single: a child never empties
                }
            } else {
                out.add_result(bit, subtract(s.ca, s.cb, shift + bits));
            }
        }
        if (out.count() == a->count) return share_result(a); // nothing removed
        return out.finish(shift);
    }

    // Collision nodes: keep a's entries that are (keep_found) or are not (!keep_found) in b.
    static result filter_collision(const node_type* a, const node_type* b, bool keep_found) {
        std::vector<const entry_type*> kept;
        for (unsigned i = 0; i < a->count; ++i) {
            const entry_type& x = a->entries()[i];
            if ((base::find_in_collision(b, Traits::key(x)) != nullptr) == keep_found) kept.push_back(&x);
        }
        if (kept.empty()) return {};
        if (kept.size() == a->count) return share_result(a);
        if (keep_found && kept.size() == b->count) return share_result(b); // b is inside a
        if (kept.size() == 1) return {result::single, kept[0]};
        auto total = static_cast<unsigned>(kept.size());
        maker m(0, 0, total, total);
        for (const entry_type* e : kept) m.copy_one(*e);
        return {result::tree, nullptr, m.finish()};
    }
};

// ---- on whole tries (set's |, & and -) ----------------------------------------------------

template <class Traits>
trie<Traits> union_of(const trie<Traits>& a, const trie<Traits>& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return trie<Traits>::adopt(algebra<Traits>::unite(a.root(), b.root(), 0));
}

template <class Traits>
trie<Traits> intersection_of(const trie<Traits>& a, const trie<Traits>& b) {
    if (a.empty() || b.empty()) return trie<Traits>();
    return trie<Traits>::adopt(algebra<Traits>::intersect(a.root(), b.root(), 0).node);
}

template <class Traits>
trie<Traits> difference_of(const trie<Traits>& a, const trie<Traits>& b) {
    if (a.empty() || b.empty()) return a;
    return trie<Traits>::adopt(algebra<Traits>::subtract(a.root(), b.root(), 0).node);
}

} // namespace immutable::detail::champ
