#pragma once
// Persistent B+tree: the differences between two trees, in key order, skipping every
// subtree the two share.
//
// Two cursors walk the trees side by side. A cursor stands on an item: a whole subtree (a
// child slot of an inner node, or the root) or one entry of a leaf. Every key before both
// items has been reported. At each step:
//   - both items are the same node: a shared subtree, skipped on both sides, O(1);
//   - one item starts before the other: if it ends before the other starts, it is reported
//     whole (removed or added) and passed; otherwise, if it is a subtree, the cursor opens
//     it; if it is an entry, it is reported;
//   - both start at the same key: two entries are compared by value; otherwise the item
//     higher in the tree is opened (both, at the same level).
// A subtree that both trees hold is always reached by both cursors at the same step (a
// cursor opens a subtree only when the other cursor is already inside it, or below it at
// the same first key, which it cannot be for a shared one), so it is never opened. The cost
// is O(changes x height x node size) steps, each a few comparisons.

#include <cstddef>
#include <functional>

#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/tree.hpp>

namespace immutable::detail::btree {

template <class P>
class diff_cursor {
public:
    explicit diff_cursor(const tree<P>& t) noexcept : root_(t.root()) {}

    bool done() const noexcept { return depth_ == 0 && root_ == nullptr; }
    bool on_entry() const noexcept { return depth_ != 0 && frames_[depth_ - 1].n->level == 0; }
    // The subtree item (not on_entry()).
    const node<P>* subtree() const noexcept {
        if (depth_ == 0) return root_;
        const frame& f = frames_[depth_ - 1];
        return as_inner(f.n)->children[f.i];
    }
    const typename P::entry_type& entry() const noexcept {
        const frame& f = frames_[depth_ - 1];
        return as_leaf(f.n)->entries()[f.i];
    }
    // Height of the item: an entry is one below the leaves.
    int level() const noexcept { return on_entry() ? -1 : subtree()->level; }
    const typename P::key_type& first_key() const noexcept {
        return on_entry() ? entry_key<P>(entry()) : min_key(subtree());
    }
    const typename P::key_type& last_key() const noexcept {
        return on_entry() ? entry_key<P>(entry()) : max_key(subtree());
    }

    // Stands on the first slot of the subtree item.
    void open() noexcept {
        frames_[depth_] = frame{subtree(), 0};
        ++depth_;
        root_ = nullptr;
    }

    // Moves past the item.
    void next() noexcept {
        if (depth_ == 0) {
            root_ = nullptr;
            return;
        }
        while (++frames_[depth_ - 1].i == frames_[depth_ - 1].n->count) {
            if (--depth_ == 0) return;
        }
    }

    // Calls f on every entry of the item, in order.
    template <class F>
    void for_each(F& f) const {
        if (on_entry()) {
            f(entry());
        } else {
            for_each_in(subtree(), f);
        }
    }

private:
    struct frame {
        const node<P>* n;
        std::size_t i;
    };

    template <class F>
    static void for_each_in(const node<P>* n, F& f) {
        if (n->level == 0) {
            const auto* leaf = as_leaf(n);
            for (std::size_t i = 0; i < leaf->count; ++i) f(leaf->entries()[i]);
            return;
        }
        const auto* in = as_inner(n);
        for (std::size_t i = 0; i < in->count; ++i) for_each_in(in->children[i], f);
    }

    const node<P>* root_;
    frame frames_[max_inner_levels + 1];
    unsigned depth_ = 0;
};

// Calls removed(entry) for entries only in a, added(entry) for entries only in b, and
// same_key(entry_a, entry_b) for keys in both (unless the entries sit in a subtree both
// trees share), in key order.
template <class P, class Added, class Removed, class SameKey>
void diff_trees(const tree<P>& a, const tree<P>& b, const typename P::compare& comp, Added& added,
                Removed& removed, SameKey& same_key) {
    if (a.root() == b.root()) return;
    diff_cursor<P> x(a), y(b);
    // Reports the item of c, which starts before `bound`, or opens it when it reaches bound.
    auto step_before = [&](diff_cursor<P>& c, const typename P::key_type& bound, auto& report) {
        if (!c.on_entry() && !comp(c.last_key(), bound)) return c.open();
        c.for_each(report);
        c.next();
    };
    while (!x.done() && !y.done()) {
        if (!x.on_entry() && !y.on_entry() && x.subtree() == y.subtree()) {
            x.next();
            y.next();
            continue;
        }
        const auto& kx = x.first_key();
        const auto& ky = y.first_key();
        if (comp(kx, ky)) {
            step_before(x, ky, removed);
        } else if (comp(ky, kx)) {
            step_before(y, kx, added);
        } else if (x.on_entry() && y.on_entry()) {
            same_key(x.entry(), y.entry());
            x.next();
            y.next();
        } else {
            const int lx = x.level(), ly = y.level();
            if (lx >= ly) x.open();
            if (ly >= lx) y.open();
        }
    }
    for (; !x.done(); x.next()) x.for_each(removed);
    for (; !y.done(); y.next()) y.for_each(added);
}

} // namespace immutable::detail::btree
