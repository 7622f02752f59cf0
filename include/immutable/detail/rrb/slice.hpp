#pragma once
// take(n) and drop(n) in O(log n): copy the one path along the cut, share everything on
// the kept side. Cutting off a prefix leaves the first leaf and the left spine partial,
// so those nodes become relaxed (size tables); cutting off a suffix keeps regular nodes
// regular. Either way single-child roots are then dropped so the height stays minimal.

#include <cstddef>
#include <cstdint>

#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
struct slice_ops : tree_ops<T, Policy> {
    using ops = tree_ops<T, Policy>;
    using N = nodes<T, Policy>;
    using typename ops::base;
    using typename ops::data;
    using typename ops::inner;
    using typename ops::leaf;
    using typename ops::ptr;
    using ops::as_inner;
    using ops::as_leaf;

    // The first k elements of subtree n (shift s, n_size elements); k > 0 ends on a leaf
    // boundary. The new nodes along the cut are made top-down, each linked into its
    // parent as soon as it exists (a node counts only the children it holds so far), so
    // if an allocation fails the one handle on the top node releases all that was made.
    static ptr take_tree(const base* n, unsigned s, std::size_t n_size, std::size_t k) {
        if (k == n_size) return ptr::share(n);
        const inner* in = as_inner(n);
        std::size_t rel = k - 1;
        std::uint32_t j = ops::find_child(in, s, rel);
        inner* c = copy_before(in, j, k);
        ptr top = ptr::adopt(c);
        for (;;) {
            // c holds children [0, j) of `in`; its child j is the first rel + 1 elements of in's.
            n_size = ops::child_size(in, s, n_size, j);
            n = in->children[j];
            s -= bits;
            k = rel + 1;
            if (k == n_size) {
                c->children[j] = ops::shared(n);
                c->fill.store(j + 1);
                return top;
            }
            in = as_inner(n);
            rel = k - 1;
            const std::uint32_t next = ops::find_child(in, s, rel);
            inner* below = copy_before(in, next, k);
            c->children[j] = below;
            c->fill.store(j + 1);
            c = below;
            j = next;
        }
    }
    // A node, linked in by the caller at once, holding children [0, j) of `in`, shared;
    // when relaxed its size table also ends child j at k.
    static inner* copy_before(const inner* in, std::uint32_t j, std::size_t k) {
        inner* c = N::allocate_inner(in->relaxed);
        for (std::uint32_t t = 0; t < j; ++t) c->children[t] = ops::shared(in->children[t]);
        c->fill.store(j);
        if (in->relaxed) {
            std::copy_n(in->sizes(), j, c->sizes());
            c->sizes()[j] = k;
        }
        return c;
    }

    // Subtree n without its first k elements, 0 < k < n_size.
    static ptr drop_tree(const base* n, unsigned s, std::size_t n_size, std::size_t k) {
        if (s == 0) return N::copy_leaf(as_leaf(n)->elements() + k, static_cast<std::uint32_t>(n_size - k), branches);
        const inner* in = as_inner(n);
        std::size_t rel = k;
        const std::uint32_t j = ops::find_child(in, s, rel);
        ptr first = rel == 0 ? ptr::share(in->children[j])
                             : drop_tree(in->children[j], s - bits, ops::child_size(in, s, n_size, j), rel);
        const std::uint32_t count = N::children_in(in, s, n_size) - j;
        // Regular stays regular when the cut falls on a child boundary (every kept child is
        // one of the originals, all full but the last) or leaves a single regular child.
        const bool relaxed = in->relaxed || (rel != 0 && (count > 1 || (s > bits && as_inner(first.get())->relaxed)));
        ptr c = N::new_inner(relaxed);
        inner* ci = as_inner(c.get());
        ci->children[0] = first.take();
        for (std::uint32_t t = 1; t < count; ++t) ci->children[t] = ops::shared(in->children[j + t]);
        ci->fill.store(count);
        if (relaxed) write_cut_sizes(ci, in, s, j, count, k, n_size - k);
        return c;
    }

    // Size table of `c`, whose `count` children are children j.. of `in` (at shift s) with
    // the first `offset` elements cut off; the last child ends at `total`.
    static void write_cut_sizes(inner* c, const inner* in, unsigned s, std::uint32_t j, std::uint32_t count,
                                std::size_t offset, std::size_t total) noexcept {
        std::size_t* sizes = c->sizes();
        if (in->relaxed) {
            const std::size_t* from = in->sizes() + j;
            for (std::uint32_t t = 0; t + 1 < count; ++t) sizes[t] = from[t] - offset;
        } else {
            const std::size_t full = ops::child_capacity(s);
            std::size_t end = (std::size_t{j} + 1) * full - offset; // where child j ends, relative to offset
            for (std::uint32_t t = 0; t + 1 < count; ++t, end += full) sizes[t] = end;
        }
        sizes[count - 1] = total;
    }

    // Elements [lo, hi) of subtree n (shift s, n_size elements), 0 <= lo < hi <= n_size, hi
    // on a leaf boundary, in one pass down both cut paths: subtrees between the cuts are
    // shared, only nodes on the cut paths are new. While both cuts fall in one child the
    // walk just descends, so the result is as low as it can be; `out_shift` says where.
    static ptr slice_tree(const base* n, unsigned s, std::size_t n_size, std::size_t lo, std::size_t hi,
                          unsigned& out_shift) {
        for (;;) {
            out_shift = s;
            if (lo == 0 && hi == n_size) return ptr::share(n);
            if (s == 0) return N::copy_leaf(as_leaf(n)->elements() + lo, static_cast<std::uint32_t>(hi - lo), branches);
            const inner* in = as_inner(n);
            std::size_t rel_lo = lo;
            const std::uint32_t j0 = ops::find_child(in, s, rel_lo);
            std::size_t rel_hi = hi - 1;
            const std::uint32_t j1 = ops::find_child(in, s, rel_hi);
            ++rel_hi; // the end, relative to child j1
            if (j0 == j1) {
                n_size = ops::child_size(in, s, n_size, j0);
                n = in->children[j0];
                s -= bits;
                lo = rel_lo;
                hi = rel_hi;
                continue;
            }
            if (lo == 0) return take_tree(n, s, n_size, hi);
            if (hi == n_size) return drop_tree(n, s, n_size, lo);
            const std::size_t first_size = ops::child_size(in, s, n_size, j0);
            const std::size_t last_size = ops::child_size(in, s, n_size, j1);
            ptr first = rel_lo == 0 ? ptr::share(in->children[j0])
                                    : drop_tree(in->children[j0], s - bits, first_size, rel_lo);
            ptr last = take_tree(in->children[j1], s - bits, last_size, rel_hi);
            // Everything between the two cut children is shared. A regular node stays
            // regular when the front cut falls on a child boundary: every child but the
            // last is then one of its full originals.
            const std::uint32_t count = j1 - j0 + 1;
            const bool relaxed = in->relaxed || rel_lo != 0;
            ptr c = N::new_inner(relaxed);
            inner* ci = as_inner(c.get());
            ci->children[0] = first.take();
            for (std::uint32_t t = 1; t + 1 < count; ++t) ci->children[t] = ops::shared(in->children[j0 + t]);
            ci->children[count - 1] = last.take();
            ci->fill.store(count);
            if (relaxed) write_cut_sizes(ci, in, s, j0, count, lo, hi - lo);
            return c;
        }
    }

    // Elements [first, last), first <= last <= size: one pass instead of take + drop, so
    // the cut paths and the tail are copied once.
    static data slice(const data& d, std::size_t first, std::size_t last) {
        if (first == last) return {};
        if (first == 0) return take(d, last);
        if (last == d.size) return drop(d, first);
        const std::size_t tree_size = d.tree_size();
        // The leaf holding the last kept element provides the new tail.
        std::size_t tree_end = tree_size;
        const T* tail_from = d.tail->elements();
        if (last <= tree_size) {
            const chunk_ref<T> c = ops::locate(d.view(), last - 1);
            tree_end = c.first;
            tail_from = c.data;
        }
        if (first >= tree_end) {
            const auto kept = static_cast<std::uint32_t>(last - first);
            return {nullptr, N::copy_leaf(tail_from + (first - tree_end), kept, branches), kept, 0, kept};
        }
        const auto tail_size = static_cast<std::uint32_t>(last - tree_end);
        data r{nullptr, N::copy_leaf(tail_from, tail_size, branches), last - first, 0, tail_size};
        unsigned s = 0;
        ptr root = slice_tree(d.root, d.shift, tree_size, first, tree_end, s);
        if (s == 0) {
            // A single leaf: the root is always an inner node.
            r.adopt_root(ops::make_path(bits, root), bits);
        } else {
            r.adopt_root(std::move(root), s);
        }
        return r;
    }

    static data take(const data& d, std::size_t n) {
        if (n >= d.size) return d;
        if (n == 0) return {};
        const std::size_t tree_size = d.tree_size();
        if (n > tree_size) {
            // Only the tail shrinks: share everything.
            data r = d;
            r.tail_size = static_cast<std::uint32_t>(n - tree_size);
            r.size = n;
            return r;
        }
        // The leaf holding the last kept element becomes the (fresh) tail.
        const chunk_ref<T> last = ops::locate(d.view(), n - 1);
        const auto tail_size = static_cast<std::uint32_t>(n - last.first);
        data r{nullptr, N::copy_leaf(last.data, tail_size, branches), n, 0, tail_size};
        if (last.first > 0) {
            r.adopt_root(take_tree(d.root, d.shift, tree_size, last.first), d.shift);
            ops::collapse(r);
        }
        return r;
    }

    static data drop(const data& d, std::size_t n) {
        if (n == 0) return d;
        if (n >= d.size) return {};
        const std::size_t tree_size = d.tree_size();
        const leaf* t = d.tail;
        if (n >= tree_size) {
            const auto kept = static_cast<std::uint32_t>(d.size - n);
            return {nullptr, N::copy_leaf(t->elements() + (n - tree_size), kept, branches), kept, 0, kept};
        }
        // A new tree gets a tail of its own (the identity rule).
        data r{nullptr, N::copy_leaf(t->elements(), d.tail_size, t->capacity), d.size - n, d.shift, d.tail_size};
        r.adopt_root(drop_tree(d.root, d.shift, tree_size, n), d.shift);
        ops::collapse(r);
        return r;
    }
};

} // namespace immutable::detail::rrb
