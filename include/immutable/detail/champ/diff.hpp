#pragma once
// Diff of two CHAMP tries: walks both in lockstep (canonical shape puts a key at the same
// slot in both) and skips every pair of pointer-equal subtrees, so the cost follows the
// size of the change and the depth, not the size of the maps. When one side has an entry
// where the other has a subtree, the subtree is walked once.

#include <cstdint>

#include <immutable/detail/champ/ops.hpp>

namespace immutable::detail::champ {

template <class Traits>
struct differ {
    using base = ops<Traits>;
    using node_type = node<Traits>;
    using shape_type = typename node_type::shape_type;
    using bitmap_type = typename node_type::bitmap_type;
    using entry_type = typename Traits::entry_type;
    static constexpr unsigned bits = shape_type::bits;

    // on_added(new_entry), on_removed(old_entry), on_changed(old_entry, new_entry).
    template <class Added, class Removed, class Changed>
    static void diff(const node_type* a, const node_type* b, Added& added, Removed& removed,
                     Changed& changed) {
        if (a == b) return;
        if (a == nullptr) {
            base::for_each(b, added);
            return;
        }
        if (b == nullptr) {
            base::for_each(a, removed);
            return;
        }
        walk(a, b, added, removed, changed);
    }

private:
    template <class Added, class Removed, class Changed>
    static void walk(const node_type* a, const node_type* b, Added& added, Removed& removed,
                     Changed& changed) {
        if (a == b) return;
        if (a->is_collision()) { // then so is b: both sit at the same depth
            walk_collision(a, b, added, removed, changed);
            return;
        }
        bitmap_type all = a->datamap | a->nodemap | b->datamap | b->nodemap;
        while (all != 0) {
            bitmap_type bit = all & (~all + 1);
            all &= all - 1;
            bool ad = a->datamap & bit, an = a->nodemap & bit;
            bool bd = b->datamap & bit, bn = b->nodemap & bit;
            const entry_type* ea = ad ? a->entries() + shape_type::index(a->datamap, bit) : nullptr;
            const entry_type* eb = bd ? b->entries() + shape_type::index(b->datamap, bit) : nullptr;
            const node_type* ca = an ? a->children()[shape_type::index(a->nodemap, bit)] : nullptr;
            const node_type* cb = bn ? b->children()[shape_type::index(b->nodemap, bit)] : nullptr;
            if (ea != nullptr && eb != nullptr) {
                entries(*ea, *eb, added, removed, changed);
            } else if (ca != nullptr && cb != nullptr) {
                walk(ca, cb, added, removed, changed);
            } else if (ea != nullptr && cb != nullptr) {
                entry_vs_tree(*ea, cb, added, removed, changed, false);
            } else if (ca != nullptr && eb != nullptr) {
                entry_vs_tree(*eb, ca, added, removed, changed, true);
            } else if (ea != nullptr) {
                removed(*ea);
            } else if (eb != nullptr) {
                added(*eb);
            } else if (ca != nullptr) {
                base::for_each(ca, removed);
            } else {
                base::for_each(cb, added);
            }
        }
    }

    template <class Added, class Removed, class Changed>
    static void entries(const entry_type& x, const entry_type& y, Added& added, Removed& removed,
                        Changed& changed) {
        if (Traits::equal(Traits::key(x), Traits::key(y))) {
            if (!Traits::same_mapped(x, y)) changed(x, y);
        } else {
            removed(x);
            added(y);
        }
    }

    // One side has entry `e` where the other has `tree`. `tree_is_old` says which is which.
    template <class Added, class Removed, class Changed>
    static void entry_vs_tree(const entry_type& e, const node_type* tree, Added& added,
                              Removed& removed, Changed& changed, bool tree_is_old) {
        bool found = false;
        auto visit = [&](const entry_type& t) {
            if (!found && Traits::equal(Traits::key(t), Traits::key(e))) {
                found = true;
                if (!Traits::same_mapped(t, e)) {
                    if (tree_is_old) {
                        changed(t, e);
                    } else {
                        changed(e, t);
                    }
                }
            } else if (tree_is_old) {
                removed(t);
            } else {
                added(t);
            }
        };
        base::for_each(tree, visit);
        if (!found) {
            if (tree_is_old) {
                added(e);
            } else {
                removed(e);
            }
        }
    }

    template <class Added, class Removed, class Changed>
    static void walk_collision(const node_type* a, const node_type* b, Added& added,
                               Removed& removed, Changed& changed) {
        const entry_type* ea = a->collision_entries();
        for (unsigned i = 0, na = a->collision_size(); i < na; ++i) {
            const entry_type* y = base::find_in_collision(b, Traits::key(ea[i]));
            if (y == nullptr) {
                removed(ea[i]);
            } else if (!Traits::same_mapped(ea[i], *y)) {
                changed(ea[i], *y);
            }
        }
        const entry_type* eb = b->collision_entries();
        for (unsigned i = 0, nb = b->collision_size(); i < nb; ++i) {
            if (base::find_in_collision(a, Traits::key(eb[i])) == nullptr) added(eb[i]);
        }
    }
};

} // namespace immutable::detail::champ
