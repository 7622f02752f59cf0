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
    using ops::as_inner;
    using ops::as_leaf;
    using ops::release;
    using ops::retain;

    // The first k elements of subtree n (shift s, n_size elements); k > 0 ends on a leaf
    // boundary.
    static base* take_tree(const base* n, unsigned s, std::size_t n_size, std::size_t k) {
        if (k == n_size) {
            retain(n);
            return const_cast<base*>(n);
        }
        const inner* in = as_inner(n);
        std::size_t rel = k - 1;
        const std::uint32_t j = ops::find_child(in, s, rel);
        const std::size_t c_size = ops::child_size(in, s, n_size, j);
        base* child = take_tree(in->children[j], s - bits, c_size, rel + 1);
        inner* c;
        try {
            c = N::allocate_inner(in->relaxed);
        } catch (...) {
            release(child, s - bits);
            throw;
        }
        for (std::uint32_t t = 0; t < j; ++t) {
            c->children[t] = in->children[t];
            retain(in->children[t]);
        }
        c->children[j] = child;
        c->filled.store(j + 1);
        if (in->relaxed) {
            std::copy_n(in->sizes(), j, c->sizes());
            c->sizes()[j] = k;
        }
        return c;
    }

    // Subtree n without its first k elements, 0 < k < n_size.
    static base* drop_tree(const base* n, unsigned s, std::size_t n_size, std::size_t k) {
        if (s == 0) {
            return N::copy_leaf(as_leaf(n)->elements() + k, static_cast<std::uint32_t>(n_size - k), branches);
        }
        const inner* in = as_inner(n);
        std::size_t rel = k;
        const std::uint32_t j = ops::find_child(in, s, rel);
        const std::size_t c_size = ops::child_size(in, s, n_size, j);
        base* first;
        if (rel == 0) {
            first = in->children[j];
            retain(first);
        } else {
            first = drop_tree(in->children[j], s - bits, c_size, rel);
        }
        const std::uint32_t count = N::children_in(in, s, n_size) - j;
        // Regular stays regular when the cut falls on a child boundary (every kept child is
        // one of the originals, all full but the last) or leaves a single regular child.
        const bool relaxed = in->relaxed || (rel != 0 && (count > 1 || (s > bits && as_inner(first)->relaxed)));
        inner* c;
        try {
            c = N::allocate_inner(relaxed);
        } catch (...) {
            release(first, s - bits);
            throw;
        }
        c->children[0] = first;
        for (std::uint32_t t = 1; t < count; ++t) {
            c->children[t] = in->children[j + t];
            retain(c->children[t]);
        }
        c->filled.store(count);
        if (relaxed) write_cut_sizes(c, in, s, j, count, k, n_size - k);
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
    static base* slice_tree(const base* n, unsigned s, std::size_t n_size, std::size_t lo, std::size_t hi,
                            unsigned& out_shift) {
        for (;;) {
            out_shift = s;
            if (lo == 0 && hi == n_size) {
                retain(n);
                return const_cast<base*>(n);
            }
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
            base* first;
            if (rel_lo == 0) {
                first = in->children[j0];
                retain(first);
            } else {
                first = drop_tree(in->children[j0], s - bits, first_size, rel_lo);
            }
            base* last;
            try {
                last = take_tree(in->children[j1], s - bits, last_size, rel_hi);
            } catch (...) {
                release(first, s - bits);
                throw;
            }
            // Everything between the two cut children is shared. A regular node stays
            // regular when the front cut falls on a child boundary: every child but the
            // last is then one of its full originals.
            const std::uint32_t count = j1 - j0 + 1;
            const bool relaxed = in->relaxed || rel_lo != 0;
            inner* c;
            try {
                c = N::allocate_inner(relaxed);
            } catch (...) {
                release(first, s - bits);
                release(last, s - bits);
                throw;
            }
            c->children[0] = first;
            for (std::uint32_t t = 1; t + 1 < count; ++t) {
                c->children[t] = in->children[j0 + t];
                retain(c->children[t]);
            }
            c->children[count - 1] = last;
            c->filled.store(count);
            if (relaxed) write_cut_sizes(c, in, s, j0, count, lo, hi - lo);
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
            const chunk_ref<T> c = ops::locate(d, last - 1);
            tree_end = c.first;
            tail_from = c.data;
        }
        if (first >= tree_end) {
            const auto kept = static_cast<std::uint32_t>(last - first);
            leaf* t = N::copy_leaf(tail_from + (first - tree_end), kept, branches);
            return {nullptr, t, kept, 0, kept};
        }
        const auto tail_size = static_cast<std::uint32_t>(last - tree_end);
        leaf* t = N::copy_leaf(tail_from, tail_size, branches);
        data r{nullptr, t, last - first, 0, tail_size};
        try {
            unsigned s = 0;
            base* root = slice_tree(d.root, d.shift, tree_size, first, tree_end, s);
            if (s == 0) {
                // A single leaf: the root is always an inner node.
                try {
                    root = ops::make_path(bits, root);
                } catch (...) {
                    release(root, 0);
                    throw;
                }
                s = bits;
            }
            r.root = root;
            r.shift = s;
        } catch (...) {
            N::release_leaf(t);
            throw;
        }
        return r;
    }

    static data take(const data& d, std::size_t n) {
        if (n >= d.size) {
            ops::retain_data(d);
            return d;
        }
        if (n == 0) return {};
        const std::size_t tree_size = d.tree_size();
        if (n > tree_size) {
            // Only the tail shrinks: share everything.
            ops::retain_data(d);
            data r = d;
            r.tail_size = static_cast<std::uint32_t>(n - tree_size);
            r.size = n;
            return r;
        }
        // The leaf holding the last kept element becomes the (fresh) tail.
        const chunk_ref<T> last = ops::locate(d, n - 1);
        const auto tail_size = static_cast<std::uint32_t>(n - last.first);
        leaf* t = N::copy_leaf(last.data, tail_size, branches);
        data r{nullptr, t, n, 0, tail_size};
        if (last.first > 0) {
            try {
                r.root = take_tree(d.root, d.shift, tree_size, last.first);
            } catch (...) {
                N::release_leaf(t);
                throw;
            }
            r.shift = d.shift;
            ops::collapse(r.root, r.shift, r.tree_size());
        }
        return r;
    }

    static data drop(const data& d, std::size_t n) {
        if (n == 0) {
            ops::retain_data(d);
            return d;
        }
        if (n >= d.size) return {};
        const std::size_t tree_size = d.tree_size();
        if (n >= tree_size) {
            const auto kept = static_cast<std::uint32_t>(d.size - n);
            leaf* t = N::copy_leaf(d.tail->elements() + (n - tree_size), kept, branches);
            return {nullptr, t, kept, 0, kept};
        }
        // A new tree gets a tail of its own (the identity rule).
        leaf* t = N::copy_leaf(d.tail->elements(), d.tail_size, d.tail->capacity);
        data r{nullptr, t, d.size - n, d.shift, d.tail_size};
        try {
            r.root = drop_tree(d.root, d.shift, tree_size, n);
        } catch (...) {
            N::release_leaf(t);
            throw;
        }
        ops::collapse(r.root, r.shift, r.tree_size());
        return r;
    }
};

} // namespace immutable::detail::rrb
