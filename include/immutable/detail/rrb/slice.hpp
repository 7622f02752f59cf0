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
        base* children[branches];
        std::size_t sizes[branches];
        const std::uint32_t count = N::children_in(in, s, n_size) - j;
        children[0] = first;
        sizes[0] = c_size - rel;
        for (std::uint32_t t = 1; t < count; ++t) {
            children[t] = in->children[j + t];
            sizes[t] = ops::child_size(in, s, n_size, j + t);
        }
        inner* c;
        try {
            c = ops::make_inner(s, children, sizes, count);
        } catch (...) {
            release(first, s - bits);
            throw;
        }
        for (std::uint32_t t = 1; t < count; ++t) retain(children[t]);
        return c;
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
