#pragma once
// The state of one list version and the operations that touch a single path of the tree:
// lookup, push_back, pop_back, set, traversal. Slicing and concatenation are in
// slice.hpp and concat.hpp; the in-place variants used by the builder in builder.hpp.
//
// Ownership convention: a `list_data` returned by a function owns one reference to its
// root and its tail. A function that fails (throws) has changed nothing and owns nothing.
//
// The identity rule. Versions that share their tail node also share their tree: every
// operation that produces a different tree gives the result a tail node of its own
// (copying at most 32 elements). So (tail node, tail count) identifies a version's value,
// which is what identity() returns, and atom<list> may rely on.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <immutable/detail/rrb/node.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
struct list_data {
    node_base<Policy>* root = nullptr;      // inner node at `shift`, null when every element is in the tail
    leaf_node<T, Policy>* tail = nullptr;   // null only when the list is empty
    std::size_t size = 0;
    std::uint32_t shift = 0;                // the root's shift: >= bits when root is set
    std::uint32_t tail_size = 0;            // 1..32 unless empty

    std::size_t tree_size() const noexcept { return size - tail_size; }
};

// Where an index lives: the leaf's elements, the index of its first element, its count.
template <class T>
struct chunk_ref {
    const T* data;
    std::size_t first;
    std::size_t count;
};

template <class T, class Policy>
struct tree_ops : nodes<T, Policy> {
    using N = nodes<T, Policy>;
    using data = list_data<T, Policy>;
    using typename N::base;
    using typename N::inner;
    using typename N::leaf;
    using N::as_inner;
    using N::as_leaf;
    using N::release;
    using N::retain;

    // Capacity of a small list's single leaf holding n elements, grown geometrically so
    // repeated push_back copies O(1) elements per push on average.
    static std::uint32_t grown_capacity(std::uint32_t n) noexcept {
        constexpr std::uint32_t smallest =
            sizeof(T) >= 64 ? 2u : static_cast<std::uint32_t>(std::min<std::size_t>(branches, 128 / sizeof(T)));
        return std::min(branches, std::max({n, smallest, 2 * (n - 1)}));
    }

    static void retain_data(const data& d) noexcept {
        if (d.root) retain(d.root);
        if (d.tail) retain(d.tail);
    }
    static void release_data(const data& d) noexcept {
        if (d.root) release(d.root, d.shift);
        if (d.tail) N::release_leaf(d.tail);
    }

    static constexpr std::size_t child_capacity(unsigned shift) noexcept {
        return std::size_t{1} << shift;
    }

    // Size of child j of `n` (at `shift`, holding `n_size` elements).
    static std::size_t child_size(const inner* n, unsigned shift, std::size_t n_size,
                                  std::uint32_t j) noexcept {
        if (n->relaxed) {
            const std::size_t* s = n->sizes();
            return s[j] - (j ? s[j - 1] : 0);
        }
        const std::size_t full = child_capacity(shift);
        return std::min(full, n_size - full * j);
    }

    // The child holding relative index `i`; updates i to be relative to that child.
    static std::uint32_t find_child(const inner* n, unsigned shift, std::size_t& i) noexcept {
        if (n->relaxed) {
            const std::size_t* s = n->sizes();
            auto j = static_cast<std::uint32_t>(i >> shift); // a lower bound: no child holds more than 2^shift
            while (s[j] <= i) ++j;
            if (j) i -= s[j - 1];
            return j;
        }
        auto j = static_cast<std::uint32_t>((i >> shift) & mask);
        i -= std::size_t{j} << shift;
        return j;
    }

    // ---- reading ---------------------------------------------------------------------
    IMMUTABLE_ALWAYS_INLINE static const T& get(const data& d, std::size_t i) noexcept {
        const std::size_t tree_size = d.size - d.tail_size;
        if (IMMUTABLE_UNLIKELY(i >= tree_size)) return d.tail->elements()[i - tree_size];
        const base* n = d.root;
        unsigned s = d.shift;
        if (IMMUTABLE_LIKELY(!as_inner(n)->relaxed)) return get_regular(n, s, i);
        return get_relaxed(n, s, i);
    }

    // The subtree is regular: read the path off the index bits, a shift, a mask and a
    // load per level. The levels of lists up to 2^20 elements are straight-line code
    // guarded by compares on the (loop-invariant, well predicted) shift, so a lookup in a
    // 1M list runs without a taken branch; a jump table cost four instructions and an
    // indirect jump more, which matters when many lookups overlap in the pipeline.
    // Needs s >= bits (n is an inner node): a root's shift always is, and get_relaxed
    // calls this only above the leaves.
    IMMUTABLE_ALWAYS_INLINE static const T& get_regular(const base* n, unsigned s, std::size_t i) noexcept {
        auto down = [&](unsigned shift) { n = as_inner(n)->children[(i >> shift) & mask]; };
        if (s >= 3 * bits) {
            if (IMMUTABLE_UNLIKELY(s > 3 * bits))
                for (; s > 3 * bits; s -= bits) down(s);
            down(3 * bits);
            down(2 * bits);
        } else if (s == 2 * bits) {
            down(2 * bits);
        }
        down(bits);
        return as_leaf(n)->elements()[i & mask];
    }

    static const T& get_relaxed(const base* n, unsigned s, std::size_t i) noexcept {
        for (; s; s -= bits) {
            const inner* in = as_inner(n);
            if (!in->relaxed) return get_regular(n, s, i);
            n = in->children[find_child(in, s, i)];
        }
        return as_leaf(n)->elements()[i];
    }

    // The leaf holding index i (< size). The iterator calls this once per leaf, so the
    // regular part of the path is read off the index bits without size arithmetic.
    static chunk_ref<T> locate(const data& d, std::size_t i) noexcept {
        const std::size_t tree_size = d.size - d.tail_size;
        if (i >= tree_size) return {d.tail->elements(), tree_size, d.tail_size};
        const base* n = d.root;
        std::size_t n_size = tree_size;
        std::size_t first = 0;
        for (unsigned s = d.shift; s; s -= bits) {
            const inner* in = as_inner(n);
            if (!in->relaxed) {
                // Every leaf of a regular subtree is full but its last one.
                const std::size_t rel = i - first;
                for (; s; s -= bits) n = as_inner(n)->children[(rel >> s) & mask];
                const std::size_t leaf_first = rel & ~std::size_t{mask};
                return {as_leaf(n)->elements(), first + leaf_first, std::min<std::size_t>(branches, n_size - leaf_first)};
            }
            std::size_t rel = i - first;
            const std::uint32_t j = find_child(in, s, rel);
            const std::size_t child_first = i - rel;
            n_size = child_size(in, s, n_size, j);
            first = child_first;
            n = in->children[j];
        }
        return {as_leaf(n)->elements(), first, n_size};
    }

    // The lowest inner node (shift `bits`, parent of leaves) holding index i < tree size:
    // the node, the index of its first element, its size.
    struct bottom_ref {
        const inner* node;
        std::size_t first;
        std::size_t size;
    };
    static bottom_ref locate_bottom(const data& d, std::size_t i) noexcept {
        const base* n = d.root;
        std::size_t n_size = d.tree_size();
        std::size_t first = 0;
        for (unsigned s = d.shift; s > bits; s -= bits) {
            const inner* in = as_inner(n);
            std::size_t rel = i - first;
            const std::uint32_t j = find_child(in, s, rel);
            first = i - rel;
            n_size = child_size(in, s, n_size, j);
            n = in->children[j];
        }
        return {as_inner(n), first, n_size};
    }

    template <class F>
    static void for_each_chunk(const data& d, F& f) {
        // A loop over the bottom inner nodes (one walk from the root per 1024 elements)
        // rather than a recursive traversal: it inlines into the caller, where the
        // compiler can keep the caller's accumulators in registers and vectorize.
        const std::size_t tree_size = d.tree_size();
        for (std::size_t pos = 0; pos < tree_size;) {
            const bottom_ref b = locate_bottom(d, pos);
            const std::uint32_t count = N::children_in(b.node, bits, b.size);
            if (!b.node->relaxed) {
                for (std::uint32_t j = 0; j + 1 < count; ++j) {
                    const T* p = as_leaf(b.node->children[j])->elements();
                    f(p, p + branches);
                }
                const T* p = as_leaf(b.node->children[count - 1])->elements();
                f(p, p + (b.size - std::size_t{count - 1} * branches));
            } else {
                const std::size_t* sizes = b.node->sizes();
                std::size_t before = 0;
                for (std::uint32_t j = 0; j < count; ++j) {
                    const T* p = as_leaf(b.node->children[j])->elements();
                    f(p, p + (sizes[j] - before));
                    before = sizes[j];
                }
            }
            pos += b.size;
        }
        if (d.tail_size) {
            const T* p = d.tail->elements();
            f(p, p + d.tail_size);
        }
    }

    // ---- building paths ------------------------------------------------------------
    // A chain of single-child regular nodes from `shift` down to `l` (returned as is for
    // shift 0). Takes the caller's reference to `l` only on success.
    static base* make_path(unsigned shift, base* l) {
        base* cur = l;
        unsigned s = bits;
        try {
            for (; s <= shift; s += bits) {
                inner* p = N::allocate_inner(false);
                p->filled.store(1);
                p->children[0] = cur;
                cur = p;
            }
        } catch (...) {
            if (cur != l) {
                retain(l);
                release(cur, s - bits);
            }
            throw;
        }
        return cur;
    }

    // Fills in the size table of relaxed node n from its first `count` children, given
    // each child's size.
    template <class SizeOf>
    static void fill_sizes(inner* n, std::uint32_t count, SizeOf&& size_of) noexcept {
        std::size_t total = 0;
        for (std::uint32_t j = 0; j < count; ++j) {
            total += size_of(j);
            n->sizes()[j] = total;
        }
    }

    // A new inner node at `shift` over children[0..count), whose sizes are given; it takes
    // over the caller's references only on success. Regular when the shape allows (every
    // child regular, all but the last full), so lookups keep the radix path.
    static inner* make_inner(unsigned shift, base* const* children, const std::size_t* sizes,
                             std::uint32_t count) {
        const std::size_t full = child_capacity(shift);
        bool regular = true;
        for (std::uint32_t j = 0; j < count && regular; ++j) {
            if (shift > bits && as_inner(children[j])->relaxed) regular = false;
            if (j + 1 < count && sizes[j] != full) regular = false;
        }
        inner* n = N::allocate_inner(!regular);
        n->filled.store(count);
        std::size_t total = 0;
        for (std::uint32_t j = 0; j < count; ++j) {
            n->children[j] = children[j];
            total += sizes[j];
            if (!regular) n->sizes()[j] = total;
        }
        return n;
    }

    // ---- push_back -----------------------------------------------------------------
    // Appends leaf `l` to a regular tree whose leaves are all full (its size a multiple of
    // 32); l may be partial. Consumes the caller's reference to l on success.
    static void push_leaf_regular(const data& d, leaf* l, base*& root, std::uint32_t& shift) {
        const std::size_t tree_size = d.tree_size();
        if (!d.root) {
            inner* r = N::allocate_inner(false);
            r->filled.store(1);
            r->children[0] = l;
            root = r;
            shift = bits;
            return;
        }
        if (tree_size == child_capacity(d.shift + bits)) {
            // The root is full: grow a level.
            base* path = make_path(d.shift, l);
            inner* r;
            try {
                r = N::allocate_inner(false);
            } catch (...) {
                retain(l);
                release(path, d.shift);
                throw;
            }
            r->filled.store(2);
            r->children[0] = d.root;
            r->children[1] = path;
            retain(d.root);
            root = r;
            shift = d.shift + bits;
            return;
        }
        root = push_leaf_claim(as_inner(d.root), d.shift, tree_size, l);
        shift = d.shift;
    }

    // Appends leaf `l` to regular subtree n (at `s`, n_size elements, a multiple of 32,
    // with room for another leaf). Consumes the caller's reference to l on success.
    static base* push_leaf_claim(const inner* n, unsigned s, std::size_t n_size, leaf* l) {
        // Find where the new leaf's path joins the right spine: the first node (from the
        // top) in which index n_size starts a new child.
        const inner* join = n;
        unsigned js = s;
        while (n_size & (child_capacity(js) - 1)) {
            join = as_inner(join->children[(n_size >> js) & mask]);
            js -= bits;
        }
        const auto slot = static_cast<std::uint32_t>((n_size >> js) & mask);
        base* path = make_path(js - bits, l);
        if (const_cast<inner*>(join)->filled.claim(slot)) {
            // The slot is ours (see inner_node): every node above is shared as it is.
            const_cast<inner*>(join)->children[slot] = path;
            retain(n);
            return const_cast<inner*>(n);
        }
        try {
            return push_copy(n, s, n_size, path);
        } catch (...) {
            retain(l);
            release(path, js - bits);
            throw;
        }
    }

    // Path copy of the right spine of regular subtree n down to the node where index
    // `index` starts a new child, which gets `path`. Takes the reference to path on success.
    static base* push_copy(const inner* n, unsigned s, std::size_t index, base* path) {
        const auto slot = static_cast<std::uint32_t>((index >> s) & mask);
        const bool joins_here = (index & (child_capacity(s) - 1)) == 0;
        inner* c = N::copy_inner(n, false, joins_here ? slot : slot + 1, joins_here ? branches : slot);
        if (joins_here) {
            c->children[slot] = path;
            c->filled.store(slot + 1);
            return c;
        }
        try {
            c->children[slot] = push_copy(as_inner(n->children[slot]), s - bits, index, path);
        } catch (...) {
            c->filled.store(slot); // the skipped slot holds no reference of ours
            release(c, s);
            throw;
        }
        return c;
    }

    // Appends leaf `l` holding `l_size` elements as the last leaf of any tree (regular or
    // relaxed, last leaf full or not). Consumes the caller's reference to l on success.
    static void push_leaf(const data& d, leaf* l, std::size_t l_size, base*& root, std::uint32_t& shift) {
        const std::size_t tree_size = d.tree_size();
        if (!d.root || (!as_inner(d.root)->relaxed && tree_size % branches == 0)) {
            // Every leaf so far is full: a partial last leaf keeps the tree regular.
            push_leaf_regular(d, l, root, shift);
            return;
        }
        base* r = push_leaf_into(as_inner(d.root), d.shift, tree_size, l, l_size);
        if (r) {
            root = r;
            shift = d.shift;
            return;
        }
        // No room anywhere: a new root over the old one and a fresh path.
        base* path = make_path(d.shift, l);
        const bool relaxed = as_inner(d.root)->relaxed || tree_size != child_capacity(d.shift + bits);
        inner* top;
        try {
            top = N::allocate_inner(relaxed);
        } catch (...) {
            retain(l);
            release(path, d.shift);
            throw;
        }
        top->filled.store(2);
        top->children[0] = d.root;
        top->children[1] = path;
        retain(d.root);
        if (relaxed) {
            top->sizes()[0] = tree_size;
            top->sizes()[1] = tree_size + l_size;
        }
        root = top;
        shift = d.shift + bits;
    }

    static base* push_leaf_into(const inner* n, unsigned s, std::size_t n_size, leaf* l, std::size_t l_size) {
        if (!n->relaxed && n_size % branches == 0) {
            // A regular subtree with full leaves (the right part of a relaxed tree usually
            // is): claim a slot as push_back on a regular tree does, instead of copying
            // the path.
            if (n_size == child_capacity(s + bits)) return nullptr;
            return push_leaf_claim(n, s, n_size, l);
        }
        const std::uint32_t count = N::children_in(n, s, n_size);
        const std::uint32_t last = count - 1;
        const std::size_t last_size = child_size(n, s, n_size, last);
        base* replaced = nullptr;
        if (s > bits) replaced = push_leaf_into(as_inner(n->children[last]), s - bits, last_size, l, l_size);
        if (!replaced && count == branches) return nullptr;

        const std::size_t full = child_capacity(s);
        bool relaxed = n->relaxed;
        if (!relaxed) {
            // Regular stays regular only if the new leaf goes after full siblings and the
            // changed child stays regular.
            relaxed = replaced ? as_inner(replaced)->relaxed : last_size != full;
        }
        inner* c;
        try {
            c = N::copy_inner(n, relaxed, count, replaced ? last : branches);
        } catch (...) {
            if (replaced) {
                retain(l);
                release(replaced, s - bits);
            }
            throw;
        }
        if (relaxed && !n->relaxed) {
            fill_sizes(c, count, [&](std::uint32_t j) { return j + 1 < count ? full : last_size; });
        }
        if (replaced) {
            c->children[last] = replaced;
            if (relaxed) c->sizes()[last] += l_size;
            return c;
        }
        base* path;
        try {
            path = make_path(s - bits, l);
        } catch (...) {
            release(c, s);
            throw;
        }
        c->children[count] = path;
        if (relaxed) c->sizes()[count] = n_size + l_size;
        c->filled.store(count + 1);
        return c;
    }

    template <class U>
    static data push_back(const data& d, U&& value) {
        leaf* t = d.tail;
        const std::uint32_t ts = d.tail_size;
        if (!t) {
            leaf* l = N::copy_leaf_push(static_cast<const T*>(nullptr), 0, grown_capacity(1), std::forward<U>(value));
            return {nullptr, l, 1, 0, 1};
        }
        if (ts < branches) {
            if (ts < t->capacity && t->fill.claim(ts)) {
                // Slot ts is ours: see leaf_node for why sharing the node is safe.
                try {
                    ::new (static_cast<void*>(t->elements() + ts)) T(std::forward<U>(value));
                } catch (...) {
                    t->fill.store(ts);
                    throw;
                }
                retain(t);
                if (d.root) retain(d.root);
                return {d.root, t, d.size + 1, d.shift, ts + 1};
            }
            const std::uint32_t cap = d.root ? branches : grown_capacity(ts + 1);
            leaf* l = N::copy_leaf_push(t->elements(), ts, cap, std::forward<U>(value));
            if (d.root) retain(d.root);
            return {d.root, l, d.size + 1, d.shift, ts + 1};
        }
        // The tail is full: it moves into the tree and the value starts a new tail.
        leaf* l = N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value));
        data r{nullptr, l, d.size + 1, 0, 1};
        try {
            retain(t);
            try {
                push_leaf(d, t, branches, r.root, r.shift);
            } catch (...) {
                N::release_leaf(t);
                throw;
            }
        } catch (...) {
            N::release_leaf(l);
            throw;
        }
        return r;
    }

    // ---- pop_back ------------------------------------------------------------------
    // Removes the last leaf of subtree n. Returns what remains (null if nothing) and
    // hands out a reference to the removed leaf and its size.
    static base* pop_leaf(const inner* n, unsigned s, std::size_t n_size, leaf*& out, std::size_t& out_size) {
        const std::uint32_t last = N::children_in(n, s, n_size) - 1;
        const std::size_t last_size = child_size(n, s, n_size, last);
        if (s == bits) {
            out = as_leaf(n->children[last]);
            out_size = last_size;
            retain(out);
            if (last == 0) return nullptr;
            try {
                return N::copy_inner(n, n->relaxed, last);
            } catch (...) {
                N::release_leaf(out);
                throw;
            }
        }
        base* rest = pop_leaf(as_inner(n->children[last]), s - bits, last_size, out, out_size);
        if (!rest && last == 0) return nullptr;
        inner* c;
        try {
            c = rest ? N::copy_inner(n, n->relaxed, last + 1, last) : N::copy_inner(n, n->relaxed, last);
        } catch (...) {
            if (rest) release(rest, s - bits);
            N::release_leaf(out);
            throw;
        }
        if (rest) {
            c->children[last] = rest;
            if (c->relaxed) c->sizes()[last] -= out_size;
        }
        return c;
    }

    // Drops single-child roots above the leaf level (`size` elements in the tree).
    static void collapse(base*& root, std::uint32_t& shift, std::size_t size) noexcept {
        while (root && shift > bits && N::children_in(as_inner(root), shift, size) == 1) {
            base* child = as_inner(root)->children[0];
            retain(child);
            release(root, shift);
            root = child;
            shift -= bits;
        }
    }

    static data pop_back(const data& d) {
        if (d.tail_size > 1) {
            retain_data(d);
            return {d.root, d.tail, d.size - 1, d.shift, d.tail_size - 1};
        }
        if (!d.root) return {};
        leaf* l = nullptr;
        std::size_t l_size = 0;
        base* rest = pop_leaf(as_inner(d.root), d.shift, d.tree_size(), l, l_size);
        // The leaf becomes a tail of its own (the identity rule): other versions may hold
        // the same leaf under a different tree.
        leaf* t;
        try {
            t = N::copy_leaf(l->elements(), static_cast<std::uint32_t>(l_size), branches);
        } catch (...) {
            N::release_leaf(l);
            if (rest) release(rest, d.shift);
            throw;
        }
        N::release_leaf(l);
        data r{rest, t, d.size - 1, rest ? d.shift : 0, static_cast<std::uint32_t>(l_size)};
        collapse(r.root, r.shift, r.tree_size());
        return r;
    }

    // ---- set -----------------------------------------------------------------------
    template <class U>
    static base* set_in(const base* n, unsigned s, std::size_t n_size, std::size_t i, U&& value) {
        if (s == 0) {
            return N::copy_leaf_set(as_leaf(n)->elements(), static_cast<std::uint32_t>(n_size), branches,
                                    static_cast<std::uint32_t>(i), std::forward<U>(value));
        }
        const inner* in = as_inner(n);
        std::size_t rel = i;
        const std::uint32_t j = find_child(in, s, rel);
        const std::size_t c_size = child_size(in, s, n_size, j);
        inner* c = N::copy_inner(in, in->relaxed, N::children_in(in, s, n_size), j);
        try {
            c->children[j] = set_in(in->children[j], s - bits, c_size, rel, std::forward<U>(value));
        } catch (...) {
            retain(in->children[j]);
            release(c, s);
            throw;
        }
        return c;
    }

    template <class U>
    static data set(const data& d, std::size_t i, U&& value) {
        const std::size_t tree_size = d.tree_size();
        if (i >= tree_size) {
            leaf* l = N::copy_leaf_set(d.tail->elements(), d.tail_size, d.tail->capacity,
                                       static_cast<std::uint32_t>(i - tree_size), std::forward<U>(value));
            if (d.root) retain(d.root);
            return {d.root, l, d.size, d.shift, d.tail_size};
        }
        // A new tree gets a tail of its own (the identity rule).
        leaf* t = N::copy_leaf(d.tail->elements(), d.tail_size, d.tail->capacity);
        base* r;
        try {
            r = set_in(d.root, d.shift, tree_size, i, std::forward<U>(value));
        } catch (...) {
            N::release_leaf(t);
            throw;
        }
        return {r, t, d.size, d.shift, d.tail_size};
    }
};

} // namespace immutable::detail::rrb
