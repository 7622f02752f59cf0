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
    using typename ops::family;
    using typename ops::inner;
    using typename ops::leaf;
    using typename ops::ptr;
    using ops::as_inner;
    using ops::as_leaf;

    // Subtrees at one shift, each holding a reference that the list releases unless
    // taken: the unit of ownership while a merge is under way, so an exception anywhere
    // frees exactly what was built. (Raw pointers released by count rather than an array
    // of handles: a handle array would be cleared on construction, 66 stores per level.)
    struct subtrees {
        static constexpr std::uint32_t capacity = 2 * branches + 2;
        base* nodes[capacity];
        std::size_t sizes[capacity];
        std::uint32_t slots[capacity]; // items in each: elements of a leaf, children of a node
        std::uint32_t count = 0;
        unsigned shift = 0;

        explicit subtrees(unsigned s) noexcept : shift(s) {}
        subtrees(const subtrees&) = delete;
        subtrees& operator=(const subtrees&) = delete;
        ~subtrees() {
            for (std::uint32_t j = 0; j < count; ++j)
                if (nodes[j]) release<family>(nodes[j]);
        }
        // Adds n holding `items` slots, taking its reference.
        void add(ptr&& n, std::size_t size, std::uint32_t items) noexcept { add_owned(n.take(), size, items); }
        void add_owned(base* n, std::size_t size, std::uint32_t items) noexcept {
            nodes[count] = n;
            sizes[count] = size;
            slots[count] = items;
            ++count;
        }
        // Adds n, sharing it.
        void share(const base* n, std::size_t size) noexcept {
            const std::uint32_t items =
                shift == 0 ? static_cast<std::uint32_t>(size) : N::children_in(as_inner(n), shift, size);
            add_owned(ops::shared(n), size, items);
        }
        // Shares children [from, to) of n (at shift this->shift + bits, n_size elements).
        // A regular node's children are full but the last, so neither their sizes nor
        // their slot counts need a look inside.
        void share_children(const inner* n, std::size_t n_size, std::uint32_t from, std::uint32_t to) noexcept {
            if (n->relaxed) {
                const std::size_t* table = n->sizes();
                for (std::uint32_t j = from; j < to; ++j) share(n->children[j], table[j] - (j ? table[j - 1] : 0));
                return;
            }
            const std::size_t full = ops::child_capacity(shift + bits);
            for (std::uint32_t j = from; j < to; ++j) {
                const std::size_t size = n_size - full * j;
                if (size >= full) {
                    add_owned(ops::shared(n->children[j]), full, branches);
                } else {
                    share(n->children[j], size);
                }
            }
        }
    };

    // Merges subtree l (shift sl) with subtree r (shift sr), appending the result, one to
    // three subtrees at shift max(sl, sr), to `out`.
    // `extra` (may be null) is a leaf that goes between the two at the bottom: the left
    // list's tail, so it joins the seam's rebalancing instead of being pushed into the
    // left tree first (which would path-copy the right spine only to copy it again here).
    static void merge(const base* l, unsigned sl, std::size_t l_size, const leaf* extra, std::size_t extra_size,
                      const base* r, unsigned sr, std::size_t r_size, subtrees& out) {
        if (sl == 0 && sr == 0) {
            out.share(l, l_size);
            if (extra) out.share(extra, extra_size);
            out.share(r, r_size);
            return;
        }
        const unsigned s = std::max(sl, sr);
        // The nodes next to the seam one level down, in order: l's children but its last,
        // the merge of the two edges, r's children but its first.
        subtrees all(s - bits);
        if (sl > sr) {
            const inner* li = as_inner(l);
            const std::uint32_t last = N::children_in(li, sl, l_size) - 1;
            all.share_children(li, l_size, 0, last);
            merge(li->children[last], sl - bits, ops::child_size(li, sl, l_size, last), extra, extra_size, r, sr, r_size,
                  all);
        } else if (sl < sr) {
            const inner* ri = as_inner(r);
            merge(l, sl, l_size, extra, extra_size, ri->children[0], sr - bits, ops::child_size(ri, sr, r_size, 0),
                  all);
            all.share_children(ri, r_size, 1, N::children_in(ri, sr, r_size));
        } else {
            const inner* li = as_inner(l);
            const inner* ri = as_inner(r);
            const std::uint32_t last = N::children_in(li, s, l_size) - 1;
            all.share_children(li, l_size, 0, last);
            merge(li->children[last], s - bits, ops::child_size(li, s, l_size, last), extra, extra_size,
                  ri->children[0], s - bits, ops::child_size(ri, s, r_size, 0), all);
            all.share_children(ri, r_size, 1, N::children_in(ri, s, r_size));
        }
        subtrees balanced(s - bits);
        pack(rebalance(all, balanced) ? balanced : all, s, out);
    }

    // Puts up to 65 subtrees (at shift s - bits) under one to three new nodes at shift s.
    static void pack(subtrees& children, unsigned s, subtrees& out) {
        std::uint32_t done = 0;
        while (done < children.count) {
            const std::uint32_t n = std::min(branches, children.count - done);
            ptr node = ops::make_inner(s, children.nodes + done, children.sizes + done, n);
            std::size_t total = 0;
            for (std::uint32_t j = done; j < done + n; ++j) {
                total += children.sizes[j];
                children.nodes[j] = nullptr; // the new node holds these references now
            }
            out.add(std::move(node), total, n);
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
    // Returns false, leaving both alone, when `all` is within the bound as it is.
    static bool rebalance(subtrees& all, subtrees& out) {
        std::uint32_t counts[subtrees::capacity];
        std::copy_n(all.slots, all.count, counts);
        const std::uint32_t n = plan(counts, all.count);
        if (n == all.count) return false;
        const unsigned s = all.shift;
        // A cursor over the items (elements or children) of all's nodes, in order.
        std::uint32_t node = 0;
        std::uint32_t offset = 0;
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint32_t want = counts[k];
            if (offset == 0 && all.slots[node] == want) {
                // Unchanged: the reference moves over, no retain and release.
                out.add_owned(std::exchange(all.nodes[node], nullptr), all.sizes[node], want);
                ++node;
                continue;
            }
            if (s == 0) {
                out.add(gather_leaf(all, node, offset, want), want, want);
            } else {
                gather_inner(all, node, offset, want, out);
            }
        }
        return true;
    }

    // A new leaf with the next `want` elements under the cursor.
    static ptr gather_leaf(const subtrees& all, std::uint32_t& node, std::uint32_t& offset, std::uint32_t want) {
        ptr p = N::new_leaf(branches);
        leaf* l = as_leaf(p.get());
        std::uint32_t done = 0;
        while (done < want) {
            const std::uint32_t avail = static_cast<std::uint32_t>(all.sizes[node]) - offset;
            const std::uint32_t n = std::min(avail, want - done);
            N::copy_into(l, done, as_leaf(all.nodes[node])->elements() + offset, n);
            done += n;
            offset += n;
            if (offset == all.sizes[node]) {
                ++node;
                offset = 0;
            }
        }
        l->fill.store(want);
        return p;
    }

    // A new inner node with the next `want` children under the cursor.
    static void gather_inner(const subtrees& all, std::uint32_t& node, std::uint32_t& offset, std::uint32_t want,
                             subtrees& out) {
        const unsigned s = all.shift;
        base* children[branches]{}; // zeroed: g++ 12 cannot see that make_inner reads only the first `want`
        std::size_t sizes[branches]{};
        for (std::uint32_t done = 0; done < want; ++done) {
            const inner* from = as_inner(all.nodes[node]);
            children[done] = from->children[offset];
            sizes[done] = ops::child_size(from, s, all.sizes[node], offset);
            if (++offset == N::children_in(from, s, all.sizes[node])) {
                ++node;
                offset = 0;
            }
        }
        ptr c = ops::make_inner(s, children, sizes, want);
        std::size_t total = 0;
        for (std::uint32_t j = 0; j < want; ++j) {
            retain<family>(children[j]); // the new node's reference: `all` keeps its own
            total += sizes[j];
        }
        out.add(std::move(c), total, want);
    }

    // The tree of a followed by the tree of b, as r's root. Both non-empty.
    static void concat_trees(const base* a, unsigned sa, std::size_t a_size, const leaf* extra,
                             std::size_t extra_size, const base* b, unsigned sb, std::size_t b_size, data& r) {
        const unsigned s = std::max(sa, sb);
        subtrees top(s);
        merge(a, sa, a_size, extra, extra_size, b, sb, b_size, top);
        if (top.count == 1) {
            r.adopt_root(ptr::adopt(top.nodes[0]), s);
        } else {
            r.adopt_root(ops::make_inner(s + bits, top.nodes, top.sizes, top.count), s + bits);
        }
        top.count = 0; // the root holds them now
        ops::collapse(r);
    }

    static data concat(const data& a, const data& b) {
        if (b.size == 0) return a;
        if (a.size == 0) return b;
        if (!b.root) return append_small(a, b);
        // a's tail joins the merge as the leaf between the two trees (or is the whole left
        // side when a has no tree); b's tail is copied so the result's tail is its own (the
        // identity rule).
        const leaf* bt = b.tail;
        data r{nullptr, N::copy_leaf(bt->elements(), b.tail_size, branches), a.size + b.size, 0, b.tail_size};
        if (a.root) {
            concat_trees(a.root, a.shift, a.tree_size(), a.tail, a.tail_size, b.root, b.shift, b.tree_size(), r);
        } else {
            concat_trees(a.tail, 0, a.tail_size, nullptr, 0, b.root, b.shift, b.tree_size(), r);
        }
        return r;
    }

    // b has no tree (at most 32 elements): its elements join a's tail, which moves into the
    // tree once full.
    static data append_small(const data& a, const data& b) {
        const std::uint32_t ts = a.tail_size;
        const std::uint32_t bs = b.tail_size;
        const T* ae = a.tail->elements();
        const T* be = b.tail->elements();
        if (ts + bs <= branches) {
            return {ptr::share(a.root), N::copy_leaf_joined(ae, ts, be, bs, branches), a.size + bs, a.shift,
                    ts + bs};
        }
        // Fill a's tail up to 32 from b, push it into the tree, the rest of b is the tail.
        const std::uint32_t first = branches - ts;
        ptr full = N::copy_leaf_joined(ae, ts, be, first, branches);
        data r{nullptr, N::copy_leaf(be + first, bs - first, branches), a.size + bs, 0, bs - first};
        ptr root;
        std::uint32_t shift = 0;
        ops::push_leaf(a, std::move(full), branches, root, shift);
        r.adopt_root(std::move(root), shift);
        return r;
    }
};

} // namespace immutable::detail::rrb
