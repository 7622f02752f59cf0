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
// Whether an output equals an input follows from what the walk saw below it (`overlap`):
// a union equals a when b holds nothing a lacks, an intersection equals a when a holds
// nothing b lacks, a difference equals a when the two hold nothing in common.
//
// The size of the result. Nodes do not count the entries below them, so the walk counts
// the elements one input holds and the other lacks (`census`): |a \ b| or |b \ a|, one of
// the two, since their difference is |a| - |b|. Then |a | b| = |a| + |b \ a|,
// |a & b| = |a| - |a \ b| and |a - b| = |a \ b|. A subtree taken or dropped whole on the
// counted side is walked to count it; counting the smaller input's side keeps those walks
// within min(|a \ b|, |b \ a|) elements (plus what the lockstep walk visits anyway), so
// two sets derived from one another by k changes still cost about k × path.

#include <cstddef>
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

    // What the walk saw in a pair of subtrees a and b (a from the left input).
    struct overlap {
        bool a_extra = false; // a holds an element b lacks
        bool b_extra = false; // b holds an element a lacks
        bool common = false;  // they hold an element in common
    };

    static overlap identical() noexcept {
        overlap o;
        o.common = true;
        return o;
    }

    // What an operation left in one subtree: nothing, one entry (to be inlined by the
    // parent; it points into an input trie), or a node (one owned reference); and what it
    // saw there.
    struct result {
        enum kind_t { empty, single, tree } kind = empty;
        const entry_type* entry = nullptr;
        node_type* node = nullptr;
        overlap seen{};
    };

    // Counts, over the whole walk, the elements one input holds and the other lacks: those
    // of the smaller input (see the top of this file).
    class census {
    public:
        census(std::size_t size_a, std::size_t size_b) noexcept
            : size_a_(size_a), size_b_(size_b), count_a_(size_a < size_b) {}

        void a_extra(std::size_t n) noexcept {
            if (count_a_) n_ += n;
        }
        void b_extra(std::size_t n) noexcept {
            if (!count_a_) n_ += n;
        }
        // All of subtree t but `except` of its elements.
        void a_extra_tree(const node_type* t, std::size_t except) noexcept {
            if (count_a_) n_ += base::count_entries(t) - except;
        }
        void b_extra_tree(const node_type* t, std::size_t except) noexcept {
            if (!count_a_) n_ += base::count_entries(t) - except;
        }
        // Whatever n holds in `slots` (entries and subtrees) and the other input lacks.
        void extra_slots(bool in_a, const node_type* n, bitmap_type slots) noexcept {
            if (in_a != count_a_) return;
            n_ += popcount(static_cast<bitmap_type>(n->datamap & slots));
            for (bitmap_type kids = n->nodemap & slots; kids != 0; kids &= kids - 1) {
                bitmap_type bit = kids & (~kids + 1);
                n_ += base::count_entries(n->children()[shape_type::index(n->nodemap, bit)]);
            }
        }

        // Once the walk is done: |a \ b| and |b \ a|.
        std::size_t a_extras() const noexcept { return count_a_ ? n_ : n_ + size_a_ - size_b_; }
        std::size_t b_extras() const noexcept { return count_a_ ? n_ + size_b_ - size_a_ : n_; }

    private:
        std::size_t size_a_;
        std::size_t size_b_;
        bool count_a_;
        std::size_t n_ = 0;
    };

    // The bookkeeping of one pair of nodes: what the walk saw there, counted in the census.
    struct tally {
        census& c;
        overlap seen{};

        // n elements of a that b lacks (of b that a lacks).
        void a_only(std::size_t n) noexcept {
            if (n != 0) seen.a_extra = true;
            c.a_extra(n);
        }
        void b_only(std::size_t n) noexcept {
            if (n != 0) seen.b_extra = true;
            c.b_extra(n);
        }
        // All elements of subtree t but `except` of them (t holds at least two).
        void a_only_tree(const node_type* t, std::size_t except = 0) noexcept {
            seen.a_extra = true;
            c.a_extra_tree(t, except);
        }
        void b_only_tree(const node_type* t, std::size_t except = 0) noexcept {
            seen.b_extra = true;
            c.b_extra_tree(t, except);
        }
        // The slots that only a (only b) fills.
        void a_only_slots(const node_type* a, bitmap_type slots) noexcept {
            if (slots == 0) return;
            seen.a_extra = true;
            c.extra_slots(true, a, slots);
        }
        void b_only_slots(const node_type* b, bitmap_type slots) noexcept {
            if (slots == 0) return;
            seen.b_extra = true;
            c.extra_slots(false, b, slots);
        }
        void common() noexcept { seen.common = true; }
        void add(const overlap& below) noexcept {
            seen.a_extra |= below.a_extra;
            seen.b_extra |= below.b_extra;
            seen.common |= below.common;
        }
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
        }
        void add_child(bitmap_type bit, node_type* owned) noexcept {
            nodemap_ |= bit;
            children_[nc_++] = owned;
        }
        void add_result(bitmap_type bit, const result& r) noexcept {
            if (r.kind == result::single) {
                add_entry(bit, r.entry);
            } else if (r.kind == result::tree) {
                add_child(bit, r.node);
            }
        }

        // Below the root, a lone entry goes up to the parent instead of into a node (a
        // child holds at least two entries).
        result finish(unsigned shift, const overlap& seen) {
            if (ne_ == 0 && nc_ == 0) return {result::empty, nullptr, nullptr, seen};
            if (ne_ == 1 && nc_ == 0 && shift > 0) return {result::single, entries_[0], nullptr, seen};
            maker m(datamap_, nodemap_, ne_);
            for (unsigned i = 0; i < ne_; ++i) m.copy_one(*entries_[i]);
            if (nc_ != 0) std::memcpy(m.children(), children_, nc_ * sizeof(node_type*));
            nc_ = 0;
            return {result::tree, nullptr, m.finish(), seen};
        }

    private:
        bitmap_type datamap_ = 0;
        bitmap_type nodemap_ = 0;
        unsigned ne_ = 0;
        unsigned nc_ = 0;
        const entry_type* entries_[width];
        node_type* children_[width];
    };

    static node_type* share(const node_type* n) noexcept {
        retain<node_type>(n);
        return const_cast<node_type*>(n);
    }
    static result share_result(const node_type* n, const overlap& seen) noexcept {
        return {result::tree, nullptr, share(n), seen};
    }

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

    // Both non-null, rooted at `shift`. Returns a tree (one owned reference).
    static result unite(const node_type* a, const node_type* b, unsigned shift, census& c) {
        if (a == b) return share_result(a, identical());
        if (shift >= max_shift) return unite_collision(a, b, c);
        slots out;
        tally t{c};
        bitmap_type all = a->datamap | a->nodemap | b->datamap | b->nodemap;
        while (all != 0) {
            bitmap_type bit = all & (~all + 1);
            all &= all - 1;
            slot_view s(a, b, bit);
            if (s.eb == nullptr && s.cb == nullptr) { // only in a
                if (s.ea) {
                    out.add_entry(bit, s.ea);
                    t.a_only(1);
                } else {
                    out.add_child(bit, share(s.ca));
                    t.a_only_tree(s.ca);
                }
            } else if (s.ea == nullptr && s.ca == nullptr) { // only in b
                if (s.eb) {
                    out.add_entry(bit, s.eb);
                    t.b_only(1);
                } else {
                    out.add_child(bit, share(s.cb));
                    t.b_only_tree(s.cb);
                }
            } else if (s.ea && s.eb) {
                if (Traits::equal(Traits::key(*s.ea), Traits::key(*s.eb))) {
                    out.add_entry(bit, s.ea);
                    t.common();
                } else {
                    copy_entry second{*s.eb};
                    out.add_child(bit, base::make_two(shift + bits, *s.ea, Traits::hash(Traits::key(*s.ea)),
                                                      second, Traits::hash(Traits::key(*s.eb))));
                    t.a_only(1);
                    t.b_only(1);
                }
            } else if (s.ea) { // a's entry against b's subtree
                if (find_below(s.cb, shift + bits, *s.ea) != nullptr) {
                    out.add_child(bit, share(s.cb));
                    t.common();
                    t.b_only_tree(s.cb, 1);
                } else {
                    out.add_child(bit, insert_copy(s.cb, shift + bits, *s.ea));
                    t.a_only(1);
                    t.b_only_tree(s.cb);
                }
            } else if (s.eb) { // a's subtree against b's entry
                if (find_below(s.ca, shift + bits, *s.eb) != nullptr) {
                    out.add_child(bit, share(s.ca));
                    t.common();
                    t.a_only_tree(s.ca, 1);
                } else {
                    out.add_child(bit, insert_copy(s.ca, shift + bits, *s.eb));
                    t.a_only_tree(s.ca);
                    t.b_only(1);
                }
            } else {
                result r = unite(s.ca, s.cb, shift + bits, c);
                out.add_child(bit, r.node);
                t.add(r.seen);
            }
        }
        // The union contains both inputs: it equals one when the other holds nothing more.
        if (!t.seen.b_extra) return share_result(a, t.seen);
        if (!t.seen.a_extra) return share_result(b, t.seen);
        return out.finish(shift, t.seen);
    }

    static node_type* insert_copy(const node_type* n, unsigned shift, const entry_type& e) {
        copy_entry ctor{e};
        bool added = false;
        const auto& k = Traits::key(e);
        return base::insert(n, shift, Traits::hash(k), k, ctor, added);
    }

    static result unite_collision(const node_type* a, const node_type* b, census& c) {
        unsigned na = a->collision_size();
        unsigned nb = b->collision_size();
        const entry_type* eb = b->collision_entries();
        std::vector<const entry_type*> extra; // b's elements that a lacks
        for (unsigned i = 0; i < nb; ++i) {
            if (base::find_in_collision(a, Traits::key(eb[i])) == nullptr) extra.push_back(eb + i);
        }
        auto in_both = static_cast<unsigned>(nb - extra.size());
        tally t{c};
        t.a_only(na - in_both);
        t.b_only(extra.size());
        if (in_both != 0) t.common();
        if (extra.empty()) return share_result(a, t.seen);
        if (na == in_both) return share_result(b, t.seen); // a is inside b
        auto total = static_cast<unsigned>(na + extra.size());
        maker m(collision_node, total);
        m.copy(a->collision_entries(), na);
        for (const entry_type* e : extra) m.copy_one(*e);
        return {result::tree, nullptr, m.finish(), t.seen};
    }

    // ---- intersection --------------------------------------------------------------------

    static result intersect(const node_type* a, const node_type* b, unsigned shift, census& c) {
        if (a == b) return share_result(a, identical());
        if (shift >= max_shift) return filter_collision(a, b, true, c);
        slots out;
        tally t{c};
        bitmap_type in_a = a->datamap | a->nodemap;
        bitmap_type in_b = b->datamap | b->nodemap;
        t.a_only_slots(a, in_a & ~in_b);
        t.b_only_slots(b, in_b & ~in_a);
        bitmap_type both = in_a & in_b;
        while (both != 0) {
            bitmap_type bit = both & (~both + 1);
            both &= both - 1;
            slot_view s(a, b, bit);
            if (s.ea && s.eb) {
                if (Traits::equal(Traits::key(*s.ea), Traits::key(*s.eb))) {
                    out.add_entry(bit, s.ea);
                    t.common();
                } else {
                    t.a_only(1);
                    t.b_only(1);
                }
            } else if (s.ea) {
                if (find_below(s.cb, shift + bits, *s.ea) != nullptr) {
                    out.add_entry(bit, s.ea);
                    t.common();
                    t.b_only_tree(s.cb, 1);
                } else {
                    t.a_only(1);
                    t.b_only_tree(s.cb);
                }
            } else if (s.eb) {
                if (const entry_type* found = find_below(s.ca, shift + bits, *s.eb)) {
                    out.add_entry(bit, found);
                    t.common();
                    t.a_only_tree(s.ca, 1);
                } else {
                    t.a_only_tree(s.ca);
                    t.b_only(1);
                }
            } else {
                result r = intersect(s.ca, s.cb, shift + bits, c);
                out.add_result(bit, r);
                t.add(r.seen);
            }
        }
        // The intersection lies inside both inputs: it equals one that holds nothing more.
        if (!t.seen.a_extra) return share_result(a, t.seen);
        if (!t.seen.b_extra) return share_result(b, t.seen);
        return out.finish(shift, t.seen);
    }

    // ---- difference ----------------------------------------------------------------------

    static result subtract(const node_type* a, const node_type* b, unsigned shift, census& c) {
        if (a == b) return {result::empty, nullptr, nullptr, identical()};
        if (shift >= max_shift) return filter_collision(a, b, false, c);
        slots out;
        tally t{c};
        bitmap_type in_a = a->datamap | a->nodemap;
        t.b_only_slots(b, (b->datamap | b->nodemap) & ~in_a);
        while (in_a != 0) {
            bitmap_type bit = in_a & (~in_a + 1);
            in_a &= in_a - 1;
            slot_view s(a, b, bit);
            if (s.eb == nullptr && s.cb == nullptr) {
                if (s.ea) {
                    out.add_entry(bit, s.ea);
                    t.a_only(1);
                } else {
                    out.add_child(bit, share(s.ca));
                    t.a_only_tree(s.ca);
                }
            } else if (s.ea && s.eb) {
                if (Traits::equal(Traits::key(*s.ea), Traits::key(*s.eb))) {
                    t.common();
                } else {
                    out.add_entry(bit, s.ea);
                    t.a_only(1);
                    t.b_only(1);
                }
            } else if (s.ea) {
                if (find_below(s.cb, shift + bits, *s.ea) == nullptr) {
                    out.add_entry(bit, s.ea);
                    t.a_only(1);
                    t.b_only_tree(s.cb);
                } else {
                    t.common();
                    t.b_only_tree(s.cb, 1);
                }
            } else if (s.eb) {
                const auto& k = Traits::key(*s.eb);
                auto r = base::erase(s.ca, shift + bits, Traits::hash(k), k);
                using er = typename base::erase_result;
                if (r.kind == er::unchanged) {
                    out.add_child(bit, share(s.ca));
                    t.a_only_tree(s.ca);
                    t.b_only(1);
                } else {
                    if (r.kind == er::replaced) {
                        out.add_child(bit, r.node);
                    } else {
                        out.add_entry(bit, r.entry); // single: a child never empties
                    }
                    t.common();
                    t.a_only_tree(s.ca, 1);
                }
            } else {
                result r = subtract(s.ca, s.cb, shift + bits, c);
                out.add_result(bit, r);
                t.add(r.seen);
            }
        }
        if (!t.seen.common) return share_result(a, t.seen); // nothing removed
        return out.finish(shift, t.seen);
    }

    // Collision nodes: keep a's entries that are (keep_found) or are not (!keep_found) in b.
    static result filter_collision(const node_type* a, const node_type* b, bool keep_found, census& c) {
        unsigned na = a->collision_size();
        unsigned nb = b->collision_size();
        const entry_type* ea = a->collision_entries();
        std::vector<const entry_type*> kept;
        unsigned in_both = 0;
        for (unsigned i = 0; i < na; ++i) {
            bool found = base::find_in_collision(b, Traits::key(ea[i])) != nullptr;
            if (found) ++in_both;
            if (found == keep_found) kept.push_back(ea + i);
        }
        tally t{c};
        t.a_only(na - in_both);
        t.b_only(nb - in_both);
        if (in_both != 0) t.common();
        if (kept.empty()) return {result::empty, nullptr, nullptr, t.seen};
        if (kept.size() == na) return share_result(a, t.seen);
        if (keep_found && kept.size() == nb) return share_result(b, t.seen); // b is inside a
        if (kept.size() == 1) return {result::single, kept[0], nullptr, t.seen};
        auto total = static_cast<unsigned>(kept.size());
        maker m(collision_node, total);
        for (const entry_type* e : kept) m.copy_one(*e);
        return {result::tree, nullptr, m.finish(), t.seen};
    }
};

// ---- on whole tries (set's |, & and -) ----------------------------------------------------

template <class Traits>
trie<Traits> union_of(const trie<Traits>& a, const trie<Traits>& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    typename algebra<Traits>::census c(a.size(), b.size());
    auto r = algebra<Traits>::unite(a.root(), b.root(), 0, c);
    return trie<Traits>::adopt(r.node, a.size() + c.b_extras());
}

template <class Traits>
trie<Traits> intersection_of(const trie<Traits>& a, const trie<Traits>& b) {
    if (a.empty() || b.empty()) return trie<Traits>();
    typename algebra<Traits>::census c(a.size(), b.size());
    auto r = algebra<Traits>::intersect(a.root(), b.root(), 0, c);
    return trie<Traits>::adopt(r.node, a.size() - c.a_extras());
}

template <class Traits>
trie<Traits> difference_of(const trie<Traits>& a, const trie<Traits>& b) {
    if (a.empty() || b.empty()) return a;
    typename algebra<Traits>::census c(a.size(), b.size());
    auto r = algebra<Traits>::subtract(a.root(), b.root(), 0, c);
    return trie<Traits>::adopt(r.node, c.a_extras());
}

} // namespace immutable::detail::champ
