#pragma once
// The state of one list version and the operations that touch a single path of the tree:
// lookup, push_back, pop_back, set, traversal. Slicing and concatenation are in
// slice.hpp and concat.hpp; the in-place variants used by the builder in builder.hpp.
//
// Ownership: a `list_data` owns a reference to its root and one to its tail, and a node
// under construction is held by a handle (node_ptr, see ownership.hpp) until it is linked
// into a node that is itself held. So a function that throws has changed nothing and
// leaks nothing: the handles' destructors release whatever it had built.
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

// The fields of one version, without ownership: what lookups, iterators and comparisons
// read. Valid while some version holding the same nodes is alive.
template <class T, class Policy>
struct list_view {
    const node_base<Policy>* root = nullptr;
    const leaf_node<T, Policy>* tail = nullptr;
    std::size_t size = 0;
    std::uint32_t shift = 0;
    std::uint32_t tail_size = 0;

    std::size_t tree_size() const noexcept { return size - tail_size; }
};

// One version of a list. It owns one reference to its root and one to its tail, which
// its destructor gives up through release<>(); copying shares both (O(1), no
// allocation); moving leaves the source an empty list. Engine functions build the nodes
// of a new version under node_ptr handles and hand them to a list_data at the end.
//
// Why two raw pointers and not two node_ptr members: GCC does not inline node_ptr's
// destructor everywhere, and two calls for every list destroyed or moved from measured
// up to a third more instructions on cheap changes such as a pop_back within the tail.
template <class T, class Policy>
struct list_data {
    using base = node_base<Policy>;
    using leaf = leaf_node<T, Policy>;
    using family = node_family<T, Policy>;
    using ptr = typename nodes<T, Policy>::ptr;

    base* root = nullptr;        // inner node at `shift`, null when every element is in the tail
    leaf* tail = nullptr;        // null only when the list is empty
    std::size_t size = 0;
    std::uint32_t shift = 0;     // the root's shift: >= bits when root is set
    std::uint32_t tail_size = 0; // 1..32 unless empty

    list_data() noexcept = default;
    // Takes over the references the handles hold.
    list_data(ptr r, ptr t, std::size_t n, std::uint32_t s, std::uint32_t ts) noexcept
        : root(r.take()), tail(static_cast<leaf*>(t.take())), size(n), shift(s), tail_size(ts) {}
    // A version sharing root and tail (either may be null) with another.
    static list_data sharing(const base* r, const leaf* t, std::size_t n, std::uint32_t s,
                             std::uint32_t ts) noexcept {
        if (r) retain<family>(r);
        if (t) retain<family>(t);
        return list_data(adopted{}, const_cast<base*>(r), const_cast<leaf*>(t), n, s, ts);
    }
    list_data(const list_data& other) noexcept
        : list_data(sharing(other.root, other.tail, other.size, other.shift, other.tail_size)) {}
    list_data(list_data&& other) noexcept
        : root(std::exchange(other.root, nullptr)), tail(std::exchange(other.tail, nullptr)),
          size(std::exchange(other.size, 0)), shift(std::exchange(other.shift, 0)),
          tail_size(std::exchange(other.tail_size, 0)) {}
    list_data& operator=(const list_data& other) noexcept {
        list_data(other).swap(*this);
        return *this;
    }
    list_data& operator=(list_data&& other) noexcept {
        list_data(std::move(other)).swap(*this);
        return *this;
    }
    // Inlined everywhere: the many moved-from temporaries then cost nothing.
    IMMUTABLE_ALWAYS_INLINE ~list_data() {
        if (root) release<family>(root);
        if (tail) release<family>(tail);
    }

    void swap(list_data& other) noexcept {
        std::swap(root, other.root);
        std::swap(tail, other.tail);
        std::swap(size, other.size);
        std::swap(shift, other.shift);
        std::swap(tail_size, other.tail_size);
    }

    // Takes over a root for a version that has none yet.
    void adopt_root(ptr&& r, std::uint32_t s) noexcept {
        root = r.take();
        shift = s;
    }
    // Puts `r` in place of the root, giving up the old one.
    void replace_root(ptr&& r) noexcept { const ptr old = ptr::adopt(std::exchange(root, r.take())); }
    // Puts `t` in place of the tail, giving up the old one.
    void replace_tail(ptr&& t) noexcept {
        const ptr old = ptr::adopt(std::exchange(tail, static_cast<leaf*>(t.take())));
    }

    std::size_t tree_size() const noexcept { return size - tail_size; }
    list_view<T, Policy> view() const noexcept { return {root, tail, size, shift, tail_size}; }

private:
    struct adopted {};
    list_data(adopted, base* r, leaf* t, std::size_t n, std::uint32_t s, std::uint32_t ts) noexcept
        : root(r), tail(t), size(n), shift(s), tail_size(ts) {}
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
    using view = list_view<T, Policy>;
    using typename N::base;
    using typename N::family;
    using typename N::inner;
    using typename N::leaf;
    using typename N::ptr;
    using N::as_inner;
    using N::as_leaf;

    // Capacity of a small list's single leaf holding n elements, grown geometrically so
    // repeated push_back copies O(1) elements per push on average.
    static std::uint32_t grown_capacity(std::uint32_t n) noexcept {
        constexpr std::uint32_t smallest =
            sizeof(T) >= 64 ? 2u : static_cast<std::uint32_t>(std::min<std::size_t>(branches, 128 / sizeof(T)));
        return std::min(branches, std::max({n, smallest, 2 * (n - 1)}));
    }

    // A new reference to n, for a slot of a node being built.
    static base* shared(const base* n) noexcept {
        retain<family>(n);
        return const_cast<base*>(n);
    }

    static constexpr std::size_t child_capacity(unsigned shift) noexcept {
        return std::size_t{1} << shift;
    }

    // Size of child j of `n` (at `shift`, holding `n_size` elements).
    IMMUTABLE_ALWAYS_INLINE static std::size_t child_size(const inner* n, unsigned shift, std::size_t n_size,
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
    IMMUTABLE_ALWAYS_INLINE static const T& get(const view& d, std::size_t i) noexcept {
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
    static chunk_ref<T> locate(const view& d, std::size_t i) noexcept {
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
    static bottom_ref locate_bottom(const view& d, std::size_t i) noexcept {
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
    static void for_each_chunk(const view& d, F& f) {
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
    // A chain of single-child regular nodes from `shift` down to leaf `l` (l itself for
    // shift 0). The chain is allocated first and l linked in last: the caller's reference
    // to l passes to the path only if this returns.
    static ptr make_path(unsigned shift, base* l) {
        if (shift == 0) return ptr::adopt(l);
        ptr top = N::new_inner(false);
        inner* bottom = as_inner(top.get());
        for (unsigned s = 2 * bits; s <= shift; s += bits) {
            ptr above = N::new_inner(false);
            as_inner(above.get())->children[0] = top.take();
            as_inner(above.get())->fill.store(1);
            top = std::move(above);
        }
        bottom->children[0] = l;
        bottom->fill.store(1);
        return top;
    }
    // The same for a leaf held by a handle: the path takes it over on success.
    static ptr make_path(unsigned shift, ptr& l) {
        ptr path = make_path(shift, l.get());
        static_cast<void>(l.take()); // now the path's reference
        return path;
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
    static ptr make_inner(unsigned shift, base* const* children, const std::size_t* sizes, std::uint32_t count) {
        const std::size_t full = child_capacity(shift);
        bool regular = true;
        for (std::uint32_t j = 0; j < count && regular; ++j) {
            if (shift > bits && as_inner(children[j])->relaxed) regular = false;
            if (j + 1 < count && sizes[j] != full) regular = false;
        }
        ptr p = N::new_inner(!regular);
        inner* n = as_inner(p.get());
        n->fill.store(count);
        std::size_t total = 0;
        for (std::uint32_t j = 0; j < count; ++j) {
            n->children[j] = children[j];
            total += sizes[j];
            if (!regular) n->sizes()[j] = total;
        }
        return p;
    }

    // ---- push_back -----------------------------------------------------------------
    // The functions below append leaf `l` to a tree. Each takes l (leaving the handle
    // empty) when it links it in; push_leaf's caller gives l up whatever happens.

    // Appends leaf `l` to a regular tree whose leaves are all full (its size a multiple of
    // 32); l may be partial.
    static void push_leaf_regular(const data& d, ptr& l, ptr& root, std::uint32_t& shift) {
        const std::size_t tree_size = d.tree_size();
        if (!d.root) {
            ptr r = N::new_inner(false);
            as_inner(r.get())->children[0] = l.take();
            as_inner(r.get())->fill.store(1);
            root = std::move(r);
            shift = bits;
            return;
        }
        if (tree_size == child_capacity(d.shift + bits)) {
            // The root is full: grow a level.
            ptr path = make_path(d.shift, l);
            ptr r = N::new_inner(false);
            inner* in = as_inner(r.get());
            in->children[0] = shared(d.root);
            in->children[1] = path.take();
            in->fill.store(2);
            root = std::move(r);
            shift = d.shift + bits;
            return;
        }
        root = push_leaf_claim(as_inner(d.root), d.shift, tree_size, l);
        shift = d.shift;
    }

    // Appends leaf `l` to regular subtree n (at `s`, n_size elements, a multiple of 32,
    // with room for another leaf).
    static ptr push_leaf_claim(const inner* n, unsigned s, std::size_t n_size, ptr& l) {
        // Find where the new leaf's path joins the right spine: the first node (from the
        // top) in which index n_size starts a new child.
        const inner* join = n;
        unsigned js = s;
        while (n_size & (child_capacity(js) - 1)) {
            join = as_inner(join->children[(n_size >> js) & mask]);
            js -= bits;
        }
        const auto slot = static_cast<std::uint32_t>((n_size >> js) & mask);
        ptr path = make_path(js - bits, l);
        if (may_claim_slots<T> && const_cast<inner*>(join)->fill.claim(slot)) {
            // The slot is ours (see inner_node): every node above is shared as it is.
            const_cast<inner*>(join)->children[slot] = path.take();
            return ptr::share(n);
        }
        return push_copy(n, s, n_size, path);
    }

    // Path copy of the right spine of regular subtree n down to the node where index
    // `index` starts a new child, which gets `path`. Each copy counts only the children it
    // shares until the one below it exists, and the path is linked in at the bottom, after
    // the last allocation: so path is taken only on success.
    static ptr push_copy(const inner* n, unsigned s, std::size_t index, ptr& path) {
        const auto slot = static_cast<std::uint32_t>((index >> s) & mask);
        const bool joins_here = (index & (child_capacity(s) - 1)) == 0;
        ptr c = N::copy_inner(n, false, slot);
        inner* ci = as_inner(c.get());
        if (joins_here) {
            ci->children[slot] = path.take();
        } else {
            ci->children[slot] = push_copy(as_inner(n->children[slot]), s - bits, index, path).take();
        }
        ci->fill.store(slot + 1);
        return c;
    }

    // Appends leaf `l` holding `l_size` elements as the last leaf of any tree (regular or
    // relaxed, last leaf full or not): the new tree in (root, shift).
    static void push_leaf(const data& d, ptr l, std::size_t l_size, ptr& root, std::uint32_t& shift) {
        const std::size_t tree_size = d.tree_size();
        if (!d.root || (!as_inner(d.root)->relaxed && tree_size % branches == 0)) {
            // Every leaf so far is full: a partial last leaf keeps the tree regular.
            push_leaf_regular(d, l, root, shift);
            return;
        }
        ptr r = push_leaf_into(as_inner(d.root), d.shift, tree_size, l, l_size);
        if (r) {
            root = std::move(r);
            shift = d.shift;
            return;
        }
        // No room anywhere: a new root over the old one and a fresh path.
        ptr path = make_path(d.shift, l);
        const bool relaxed = as_inner(d.root)->relaxed || tree_size != child_capacity(d.shift + bits);
        ptr top = N::new_inner(relaxed);
        inner* in = as_inner(top.get());
        in->children[0] = shared(d.root);
        in->children[1] = path.take();
        in->fill.store(2);
        if (relaxed) {
            in->sizes()[0] = tree_size;
            in->sizes()[1] = tree_size + l_size;
        }
        root = std::move(top);
        shift = d.shift + bits;
    }

    // Subtree n with leaf l appended, or null (l untouched) when n has no room for it.
    static ptr push_leaf_into(const inner* n, unsigned s, std::size_t n_size, ptr& l, std::size_t l_size) {
        if (!n->relaxed && n_size % branches == 0) {
            // A regular subtree with full leaves (the right part of a relaxed tree usually
            // is): claim a slot as push_back on a regular tree does, instead of copying
            // the path.
            if (n_size == child_capacity(s + bits)) return {};
            return push_leaf_claim(n, s, n_size, l);
        }
        const std::uint32_t count = N::children_in(n, s, n_size);
        const std::uint32_t last = count - 1;
        const std::size_t last_size = child_size(n, s, n_size, last);
        ptr replaced;
        if (s > bits) replaced = push_leaf_into(as_inner(n->children[last]), s - bits, last_size, l, l_size);
        if (!replaced && count == branches) return {};

        const std::size_t full = child_capacity(s);
        bool relaxed = n->relaxed;
        if (!relaxed) {
            // Regular stays regular only if the new leaf goes after full siblings and the
            // changed child stays regular.
            relaxed = replaced ? as_inner(replaced.get())->relaxed : last_size != full;
        }
        const bool replacing = static_cast<bool>(replaced);
        ptr c = replacing ? N::copy_inner(n, relaxed, count, last, std::move(replaced))
                          : N::copy_inner(n, relaxed, count);
        inner* ci = as_inner(c.get());
        if (relaxed && !n->relaxed) {
            fill_sizes(ci, count, [&](std::uint32_t j) { return j + 1 < count ? full : last_size; });
        }
        if (replacing) {
            if (relaxed) ci->sizes()[last] += l_size;
            return c;
        }
        ptr path = make_path(s - bits, l);
        ci->children[count] = path.take();
        if (relaxed) ci->sizes()[count] = n_size + l_size;
        ci->fill.store(count + 1);
        return c;
    }

    template <class U>
    static data push_back(const data& d, U&& value) {
        leaf* t = d.tail;
        const std::uint32_t ts = d.tail_size;
        if (!t) {
            return {nullptr, N::copy_leaf_push(static_cast<const T*>(nullptr), 0, grown_capacity(1), std::forward<U>(value)),
                    1, 0, 1};
        }
        if (ts < branches) {
            if (may_claim_slots<T> && ts < t->capacity && t->fill.claim(ts)) {
                // Slot ts is ours: see leaf_node for why sharing the node is safe.
                try {
                    ::new (static_cast<void*>(t->elements() + ts)) T(std::forward<U>(value));
                } catch (...) {
                    t->fill.store(ts); // gives the slot back
                    throw;
                }
                return data::sharing(d.root, t, d.size + 1, d.shift, ts + 1);
            }
            const std::uint32_t cap = d.root ? branches : grown_capacity(ts + 1);
            return {ptr::share(d.root), N::copy_leaf_push(t->elements(), ts, cap, std::forward<U>(value)), d.size + 1,
                    d.shift, ts + 1};
        }
        // The tail is full: it moves into the tree and the value starts a new tail.
        data r{nullptr, N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value)),
               d.size + 1, 0, 1};
        ptr root;
        std::uint32_t shift = 0;
        push_leaf(d, ptr::share(t), branches, root, shift);
        r.adopt_root(std::move(root), shift);
        return r;
    }

    // ---- pop_back ------------------------------------------------------------------
    // Removes the last leaf of subtree n. Returns what remains (null if nothing) and
    // hands out a reference to the removed leaf and its size.
    static ptr pop_leaf(const inner* n, unsigned s, std::size_t n_size, ptr& out, std::size_t& out_size) {
        const std::uint32_t last = N::children_in(n, s, n_size) - 1;
        const std::size_t last_size = child_size(n, s, n_size, last);
        if (s == bits) {
            out = ptr::share(n->children[last]);
            out_size = last_size;
            if (last == 0) return {};
            return N::copy_inner(n, n->relaxed, last);
        }
        ptr rest = pop_leaf(as_inner(n->children[last]), s - bits, last_size, out, out_size);
        if (!rest) {
            if (last == 0) return {};
            return N::copy_inner(n, n->relaxed, last);
        }
        ptr c = N::copy_inner(n, n->relaxed, last + 1, last, std::move(rest));
        if (n->relaxed) as_inner(c.get())->sizes()[last] -= out_size;
        return c;
    }

    // Drops single-child roots above the leaf level.
    static void collapse(data& r) noexcept {
        while (r.root && r.shift > bits && N::children_in(as_inner(r.root), r.shift, r.tree_size()) == 1) {
            r.replace_root(ptr::share(as_inner(r.root)->children[0]));
            r.shift -= bits;
        }
    }

    static data pop_back(const data& d) {
        if (d.tail_size > 1) return data::sharing(d.root, d.tail, d.size - 1, d.shift, d.tail_size - 1);
        if (!d.root) return {};
        ptr l;
        std::size_t l_size = 0;
        ptr rest = pop_leaf(as_inner(d.root), d.shift, d.tree_size(), l, l_size);
        // The leaf becomes a tail of its own (the identity rule): other versions may hold
        // the same leaf under a different tree.
        ptr t = N::copy_leaf(as_leaf(l.get())->elements(), static_cast<std::uint32_t>(l_size), branches);
        const std::uint32_t shift = rest ? d.shift : 0;
        data r{std::move(rest), std::move(t), d.size - 1, shift, static_cast<std::uint32_t>(l_size)};
        collapse(r);
        return r;
    }

    // ---- set -----------------------------------------------------------------------
    template <class U>
    static ptr set_in(const base* n, unsigned s, std::size_t n_size, std::size_t i, U&& value) {
        if (s == 0) {
            return N::copy_leaf_set(as_leaf(n)->elements(), static_cast<std::uint32_t>(n_size), branches,
                                    static_cast<std::uint32_t>(i), std::forward<U>(value));
        }
        const inner* in = as_inner(n);
        std::size_t rel = i;
        const std::uint32_t j = find_child(in, s, rel);
        // The new child first, then its parent: a node never holds a slot it does not own.
        ptr child = set_in(in->children[j], s - bits, child_size(in, s, n_size, j), rel, std::forward<U>(value));
        return N::copy_inner(in, in->relaxed, N::children_in(in, s, n_size), j, std::move(child));
    }

    template <class U>
    static data set(const data& d, std::size_t i, U&& value) {
        const std::size_t tree_size = d.tree_size();
        const leaf* t = d.tail;
        if (i >= tree_size) {
            ptr l = N::copy_leaf_set(t->elements(), d.tail_size, t->capacity, static_cast<std::uint32_t>(i - tree_size),
                                     std::forward<U>(value));
            return {ptr::share(d.root), std::move(l), d.size, d.shift, d.tail_size};
        }
        // A new tree gets a tail of its own (the identity rule).
        ptr own_tail = N::copy_leaf(t->elements(), d.tail_size, t->capacity);
        ptr r = set_in(d.root, d.shift, tree_size, i, std::forward<U>(value));
        return {std::move(r), std::move(own_tail), d.size, d.shift, d.tail_size};
    }
};

} // namespace immutable::detail::rrb
