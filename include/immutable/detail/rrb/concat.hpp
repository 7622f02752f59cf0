#pragma once
// Concatenation in O(log n): the relaxed radix balanced tree merge (Bagwell and Rompf,
// "RRB-Trees: Efficient Immutable Vectors", 2011).
//
// The two trees meet along the right edge of the left one and the left edge of the right
// one. Walking down both edges to the leaves and back up, each level gathers the nodes
// next to the seam (at most 31 + 2 + 31 of them), and redistributes their contents so
// that they use at most 2 more nodes than the optimum ceil(items / 32). That bound is what
// keeps relaxed lookups short: a size-table scan starts at the radix guess and moves at
// most a couple of slots. Nodes the redistribution leaves untouched are shared, not copied;
// only the O(log n) nodes along the seam (and at most ~64 leaves' worth of elements at the
// bottom) are new.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
struct concat_ops : tree_ops<T, Policy> {
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

    // Subtrees at one shift, each holding a reference that the list releases unless
    // taken: the unit of ownership while a merge is under way, so an exception anywhere
    // frees exactly what was built.
    struct subtrees {
        static constexpr std::uint32_t capacity = 2 * branches + 2;
        base* nodes[capacity];
        std::size_t sizes[capacity];
        std::uint32_t count = 0;
        unsigned shift = 0;

        explicit subtrees(unsigned s) noexcept : shift(s) {}
        subtrees(const subtrees&) = delete;
        subtrees& operator=(const subtrees&) = delete;
        ~subtrees() {
            for (std::uint32_t j = 0; j < count; ++j)
                if (nodes[j]) release(nodes[j], shift);
        }
        // Adds n, taking the caller's reference.
        void add(base* n, std::size_t size) noexcept {
            nodes[count] = n;
            sizes[count] = size;
            ++count;
        }
        // Adds n, sharing it.
        void share(const base* n, std::size_t size) noexcept {
            retain(n);
            add(const_cast<base*>(n), size);
        }
        void take_all_from(subtrees& other) noexcept {
            for (std::uint32_t j = 0; j < other.count; ++j) add(other.nodes[j], other.sizes[j]);
            other.count = 0;
        }
        std::uint32_t slots(std::uint32_t j) const noexcept {
            return shift == 0 ? static_cast<std::uint32_t>(sizes[j]) : N::children_in(as_inner(nodes[j]), shift, sizes[j]);
        }
    };

    // Merges subtree l (shift sl) with subtree r (shift sr): the result is one or two
    // subtrees at shift max(sl, sr).
    static void merge(const base* l, unsigned sl, std::size_t l_size, const base* r, unsigned sr,
                      std::size_t r_size, subtrees& out) {
        if (sl == 0 && sr == 0) {
            out.share(l, l_size);
            out.share(r, r_size);
            return;
        }
        const unsigned s = std::max(sl, sr);
        subtrees all(s - bits);
        if (sl > sr) {
            const inner* li = as_inner(l);
            const std::uint32_t last = N::children_in(li, sl, l_size) - 1;
            subtrees mid(s - bits);
            merge(li->children[last], sl - bits, ops::child_size(li, sl, l_size, last), r, sr, r_size, mid);
            for (std::uint32_t j = 0; j < last; ++j) all.share(li->children[j], ops::child_size(li, sl, l_size, j));
            all.take_all_from(mid);
        } else if (sl < sr) {
            const inner* ri = as_inner(r);
            subtrees mid(s - bits);
            merge(l, sl, l_size, ri->children[0], sr - bits, ops::child_size(ri, sr, r_size, 0), mid);
            all.take_all_from(mid);
            const std::uint32_t r_count = N::children_in(ri, sr, r_size);
            for (std::uint32_t j = 1; j < r_count; ++j) all.share(ri->children[j], ops::child_size(ri, sr, r_size, j));
        } else {
            const inner* li = as_inner(l);
            const inner* ri = as_inner(r);
            const std::uint32_t last = N::children_in(li, s, l_size) - 1;
            subtrees mid(s - bits);
            merge(li->children[last], s - bits, ops::child_size(li, s, l_size, last), ri->children[0], s - bits,
                  ops::child_size(ri, s, r_size, 0), mid);
            for (std::uint32_t j = 0; j < last; ++j) all.share(li->children[j], ops::child_size(li, s, l_size, j));
            all.take_all_from(mid);
            const std::uint32_t r_count = N::children_in(ri, s, r_size);
            for (std::uint32_t j = 1; j < r_count; ++j) all.share(ri->children[j], ops::child_size(ri, s, r_size, j));
        }
        subtrees balanced(s - bits);
        rebalance(all, balanced);
        pack(balanced, s, out);
    }

    // Puts up to 64 subtrees (at shift s - bits) under one or two new nodes at shift s.
    static void pack(subtrees& children, unsigned s, subtrees& out) {
        std::uint32_t done = 0;
        while (done < children.count) {
            const std::uint32_t n = std::min(branches, children.count - done);
            inner* node = ops::make_inner(s, children.nodes + done, children.sizes + done, n);
            std::size_t total = 0;
            for (std::uint32_t j = done; j < done + n; ++j) {
                total += children.sizes[j];
                children.nodes[j] = nullptr; // the new node holds these references now
            }
            out.add(node, total);
            done += n;
        }
    }

    // How many slots each node should hold after redistribution. Nodes are merged left to
    // right starting at the first one that is not full, until the count is within two
    // of the optimum.
    static std::uint32_t plan(std::uint32_t* counts, std::uint32_t n) noexcept {
        constexpr std::uint32_t extra_nodes_allowed = 2;
        std::size_t total = 0;
        for (std::uint32_t j = 0; j < n; ++j) total += counts[j];
        const auto optimal = static_cast<std::uint32_t>((total + branches - 1) / branches);
        std::uint32_t i = 0;
        while (n > optimal + extra_nodes_allowed) {
            while (counts[i] == branches) ++i;
            // Node i goes away: its slots flow into the following nodes.
            std::uint32_t carry = counts[i];
            std::uint32_t j = i;
            while (carry > 0) {
                const std::uint32_t combined = carry + counts[j + 1];
                counts[j] = std::min(combined, branches);
                carry = combined - counts[j];
                ++j;
            }
            // counts[i..j) are the merged nodes; originals from j + 1 on move down one.
            std::copy(counts + j + 1, counts + n, counts + j);
            --n;
        }
        return n;
    }

    // Redistributes the contents of `all` (subtrees at one shift) into `out` per plan().
    static void rebalance(subtrees& all, subtrees& out) {
        std::uint32_t counts[subtrees::capacity];
        for (std::uint32_t j = 0; j < all.count; ++j) counts[j] = all.slots(j);
        const std::uint32_t n = plan(counts, all.count);
        const unsigned s = all.shift;
        // A cursor over the items (elements or children) of all's nodes, in order.
        std::uint32_t node = 0;
        std::uint32_t offset = 0;
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint32_t want = counts[k];
            if (offset == 0 && all.slots(node) == want) {
                out.share(all.nodes[node], all.sizes[node]);
                ++node;
                continue;
            }
            if (s == 0) {
                out.add(gather_leaf(all, node, offset, want), want);
            } else {
                gather_inner(all, node, offset, want, out);
            }
        }
    }

    // A new leaf with the next `want` elements under the cursor.
    static leaf* gather_leaf(const subtrees& all, std::uint32_t& node, std::uint32_t& offset, std::uint32_t want) {
        leaf* l = N::allocate_leaf(branches);
        std::uint32_t done = 0;
        try {
            while (done < want) {
                const std::uint32_t avail = static_cast<std::uint32_t>(all.sizes[node]) - offset;
                const std::uint32_t n = std::min(avail, want - done);
                std::uninitialized_copy_n(as_leaf(all.nodes[node])->elements() + offset, n, l->elements() + done);
                done += n;
                offset += n;
                if (offset == all.sizes[node]) {
                    ++node;
                    offset = 0;
                }
            }
        } catch (...) {
            std::destroy_n(l->elements(), done);
            N::free_leaf_storage(l);
            throw;
        }
        l->fill.store(want);
        return l;
    }

    // A new inner node with the next `want` children under the cursor.
    static void gather_inner(const subtrees& all, std::uint32_t& node, std::uint32_t& offset, std::uint32_t want,
                             subtrees& out) {
        const unsigned s = all.shift;
        base* children[branches];
        std::size_t sizes[branches];
        for (std::uint32_t done = 0; done < want; ++done) {
            const inner* from = as_inner(all.nodes[node]);
            children[done] = from->children[offset];
            sizes[done] = ops::child_size(from, s, all.sizes[node], offset);
            if (++offset == N::children_in(from, s, all.sizes[node])) {
                ++node;
                offset = 0;
            }
        }
        inner* c = ops::make_inner(s, children, sizes, want);
        std::size_t total = 0;
        for (std::uint32_t j = 0; j < want; ++j) {
            retain(children[j]);
            total += sizes[j];
        }
        out.add(c, total);
    }

    // The tree of a followed by the tree of b: (root, shift). Both non-empty.
    static void concat_trees(const base* a, unsigned sa, std::size_t a_size, const base* b, unsigned sb,
                             std::size_t b_size, base*& root, std::uint32_t& shift) {
        const unsigned s = std::max(sa, sb);
        subtrees top(s);
        merge(a, sa, a_size, b, sb, b_size, top);
        if (top.count == 1) {
            root = top.nodes[0];
            shift = s;
        } else {
            root = ops::make_inner(s + bits, top.nodes, top.sizes, top.count);
            shift = s + bits;
        }
        top.count = 0; // the root holds them now
        ops::collapse(root, shift, a_size + b_size);
    }

    static data concat(const data& a, const data& b) {
        if (b.size == 0) {
            ops::retain_data(a);
            return a;
        }
        if (a.size == 0) {
            ops::retain_data(b);
            return b;
        }
        if (!b.root) return append_small(a, b);
        // a's tail goes into a's tree as its last leaf, then the trees merge; b's tail is
        // copied so the result's tail is its own (the identity rule).
        leaf* t = N::copy_leaf(b.tail->elements(), b.tail_size, branches);
        data r{nullptr, t, a.size + b.size, 0, b.tail_size};
        try {
            data left{};
            retain(a.tail);
            try {
                ops::push_leaf(a, a.tail, a.tail_size, left.root, left.shift);
            } catch (...) {
                N::release_leaf(a.tail);
                throw;
            }
            try {
                concat_trees(left.root, left.shift, a.size, b.root, b.shift, b.tree_size(), r.root, r.shift);
            } catch (...) {
                release(left.root, left.shift);
                throw;
            }
            release(left.root, left.shift);
        } catch (...) {
            N::release_leaf(t);
            throw;
        }
        return r;
    }

    // b has no tree (at most 32 elements): its elements join a's tail, which moves into the
    // tree once full.
    static data append_small(const data& a, const data& b) {
        const std::uint32_t ts = a.tail_size;
        const std::uint32_t bs = b.tail_size;
        const T* be = b.tail->elements();
        if (ts + bs <= branches) {
            leaf* t = N::allocate_leaf(branches);
            std::uint32_t done = 0;
            try {
                std::uninitialized_copy_n(a.tail->elements(), ts, t->elements());
                done = ts;
                std::uninitialized_copy_n(be, bs, t->elements() + ts);
            } catch (...) {
                std::destroy_n(t->elements(), done);
                N::free_leaf_storage(t);
                throw;
            }
            t->fill.store(ts + bs);
            if (a.root) retain(a.root);
            return {a.root, t, a.size + bs, a.shift, ts + bs};
        }
        // Fill a's tail up to 32 from b, push it into the tree, the rest of b is the tail.
        const std::uint32_t first = branches - ts;
        leaf* full = N::allocate_leaf(branches);
        std::uint32_t done = 0;
        try {
            std::uninitialized_copy_n(a.tail->elements(), ts, full->elements());
            done = ts;
            std::uninitialized_copy_n(be, first, full->elements() + ts);
        } catch (...) {
            std::destroy_n(full->elements(), done);
            N::free_leaf_storage(full);
            throw;
        }
        full->fill.store(branches);
        leaf* t;
        try {
            t = N::copy_leaf(be + first, bs - first, branches);
        } catch (...) {
            N::release_leaf(full);
            throw;
        }
        data r{nullptr, t, a.size + bs, 0, bs - first};
        try {
            ops::push_leaf(a, full, branches, r.root, r.shift);
        } catch (...) {
            N::release_leaf(full);
            N::release_leaf(t);
            throw;
        }
        return r;
    }
};

} // namespace immutable::detail::rrb
