#pragma once
// In-place operations for list<T>::builder.
//
// A builder owns a list_data like a list does, but changes in place every node it holds
// alone (reference count 1) and copies a node only when some list still shares it. A
// node with count 1 cannot gain owners behind the builder's back (only a holder can
// retain it), so the check is race-free. After build() every node is shared with the
// built list, so the builder's next change to a node copies it: built lists never see
// later changes.
//
// Exception safety: every function either completes or leaves the builder holding the
// same elements as before (possibly in freshly copied nodes), and leaks nothing.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
struct builder_ops : tree_ops<T, Policy> {
    using ops = tree_ops<T, Policy>;
    using typename ops::base;
    using typename ops::data;
    using typename ops::inner;
    using typename ops::leaf;
    using N = nodes<T, Policy>;
    using ops::as_inner;
    using ops::as_leaf;
    using ops::release;
    using ops::retain;

    static bool owned(const base* n) noexcept { return n->refs.unique(); }

    // Replaces the whole state with `r` (which the caller owns), dropping the old one.
    static void replace(data& d, const data& r) noexcept {
        ops::release_data(d);
        d = r;
    }

    // In a leaf the builder owns, slots past the builder's count may still hold elements a
    // dead version once claimed; destroy them so the slots can be written again.
    static void trim_fill(leaf* t, std::uint32_t count) noexcept {
        const std::uint32_t fill = t->fill.load();
        if (fill > count) {
            std::destroy(t->elements() + count, t->elements() + fill);
            t->fill.store(count);
        }
    }

    // `writable` caches "the builder owns the tail alone and every slot past its count is
    // free", so consecutive pushes skip both checks; the builder clears it whenever it
    // shares nodes (build, copy) or changes the tail by other means.
    template <class U>
    static void push_back_mut(data& d, bool& writable, U&& value) {
        leaf* t = d.tail;
        const std::uint32_t ts = d.tail_size;
        if (IMMUTABLE_LIKELY(writable) && ts < t->capacity) {
            ::new (static_cast<void*>(t->elements() + ts)) T(std::forward<U>(value));
            t->fill.store(ts + 1);
            d.tail_size = ts + 1;
            ++d.size;
            return;
        }
        writable = false;
        if (t && ts < t->capacity && owned(t)) {
            trim_fill(t, ts);
            ::new (static_cast<void*>(t->elements() + ts)) T(std::forward<U>(value));
            t->fill.store(ts + 1);
            ++d.tail_size;
            ++d.size;
            writable = true;
            return;
        }
        if (t && ts == branches) {
            install_tail(d, N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value)), 1);
            writable = true;
            return;
        }
        replace(d, ops::push_back(d, std::forward<U>(value)));
        writable = owned(d.tail) && d.tail->fill.load() == d.tail_size;
    }

    // Makes `fresh` (holding k elements, the builder's alone) the tail, after moving the
    // current tail, which must be full, into the tree. If that throws, fresh is released
    // and the builder is unchanged.
    static void install_tail(data& d, leaf* fresh, std::uint32_t k) {
        if (d.tail) {
            try {
                push_leaf_mut(d, d.tail);
            } catch (...) {
                N::release_leaf(fresh);
                throw;
            }
        }
        // The old tail's reference now belongs to the tree.
        d.tail = fresh;
        d.tail_size = k;
        d.size += k;
    }

    // Appends `count` elements a leaf-sized run at a time. `construct(dst, k)` constructs
    // the source's next k elements at dst and, if one throws, destroys the ones it made
    // (std::uninitialized_copy_n does). Runs go straight into the tail or into a fresh
    // leaf, so a contiguous source of trivially copyable T is copied by memcpy, and a
    // full leaf costs one allocation and one walk down the right spine, not 32 pushes.
    // On a throw, the builder keeps the elements of the runs already appended.
    template <class Construct>
    static void append_n_mut(data& d, bool& writable, std::size_t count, Construct&& construct) {
        while (count) {
            leaf* t = d.tail;
            const std::uint32_t ts = d.tail_size;
            if (t && ts < t->capacity && (writable || owned(t))) {
                // Room in a tail the builder owns: fill it in place (after freeing slots a
                // dead version may have claimed past the builder's count).
                if (!writable) {
                    trim_fill(t, ts);
                    writable = true;
                }
                const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(count, t->capacity - ts));
                construct(t->elements() + ts, k);
                t->fill.store(ts + k);
                d.tail_size = ts + k;
                d.size += k;
                count -= k;
                continue;
            }
            if (t && ts < branches) {
                // A shared tail, or a small list's full leaf: copy it once into a leaf of the
                // builder's own with room for the run; the loop then fills it in place.
                const auto wanted = static_cast<std::uint32_t>(std::min<std::size_t>(ts + count, branches));
                leaf* own = N::copy_leaf(t->elements(), ts, std::max(t->capacity, ops::grown_capacity(wanted)));
                N::release_leaf(t);
                d.tail = own;
                writable = true;
                continue;
            }
            // No tail yet, or a full one: the next run becomes a fresh tail and the full
            // tail moves into the tree.
            const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(count, branches));
            leaf* fresh = N::allocate_leaf(t ? branches : ops::grown_capacity(k));
            try {
                construct(fresh->elements(), k);
            } catch (...) {
                N::free_leaf_storage(fresh);
                throw;
            }
            fresh->fill.store(k);
            install_tail(d, fresh, k);
            count -= k;
            writable = true;
        }
    }

    // append_n_mut from an iterator over `count` elements; advances `it` past them.
    template <class It>
    static void append_copies_mut(data& d, bool& writable, It& it, std::size_t count) {
        append_n_mut(d, writable, count, [&it](T* dst, std::uint32_t k) {
            if constexpr (std::contiguous_iterator<It> && std::is_same_v<std::iter_value_t<It>, T>) {
                // Through raw pointers, so trivially copyable T is one memcpy per run.
                std::uninitialized_copy_n(std::to_address(it), k, dst);
                it += static_cast<std::iter_difference_t<It>>(k);
            } else {
                it = std::ranges::uninitialized_copy_n(std::move(it), k, dst, dst + k).in;
            }
        });
    }

    // Moves the full tail leaf `l` into the tree, changing owned nodes in place. Takes
    // the tail's reference on success.
    // Makes *ref (a node at shift s holding n_size elements for the builder) the
    // builder's own: copies it if shared, and drops children that dead versions claimed
    // beyond the builder's.
    static inner* make_own(base** ref, unsigned s, std::size_t n_size) {
        inner* n = as_inner(*ref);
        const std::uint32_t used = N::children_in(n, s, n_size);
        if (owned(n)) {
            N::trim_children(n, s, used);
            return n;
        }
        inner* c = N::copy_inner(n, n->relaxed, used);
        release(n, s);
        *ref = c;
        return c;
    }

    static void push_leaf_mut(data& d, leaf* l) {
        const std::size_t tree_size = d.tree_size();
        if (d.root && (as_inner(d.root)->relaxed || tree_size % branches != 0)) {
            // An uneven tree: make the right spine the builder's own, then append there
            // in place if the shape allows.
            base** ref = &d.root;
            std::size_t n_size = tree_size;
            for (unsigned s = d.shift; s; s -= bits) {
                inner* n = make_own(ref, s, n_size);
                const std::uint32_t last = n->filled.load() - 1;
                n_size = ops::child_size(n, s, n_size, last);
                ref = &n->children[last];
            }
            if (append_in_place(as_inner(d.root), d.shift, tree_size, l, branches)) return;
        }
        if (!d.root || as_inner(d.root)->relaxed || tree_size % branches != 0 ||
            tree_size == ops::child_capacity(d.shift + bits)) {
            base* root = nullptr;
            std::uint32_t shift = 0;
            ops::push_leaf(d, l, branches, root, shift);
            if (d.root) release(d.root, d.shift);
            d.root = root;
            d.shift = shift;
            return;
        }
        // A regular tree of full leaves: walk the right spine, owning it, to the node
        // where index tree_size starts a new child.
        base** ref = &d.root;
        std::size_t n_size = tree_size;
        for (unsigned s = d.shift;; s -= bits) {
            inner* n = make_own(ref, s, n_size);
            const auto slot = static_cast<std::uint32_t>((tree_size >> s) & mask);
            if ((tree_size & (ops::child_capacity(s) - 1)) == 0) {
                n->children[slot] = ops::make_path(s - bits, l);
                n->filled.store(slot + 1);
                return;
            }
            n_size = ops::child_size(n, s, n_size, slot);
            ref = &n->children[slot];
        }
    }

    // Appends leaf l (l_size elements) as the last leaf of subtree n, whose right spine the
    // builder owns (make_own), changing nodes in place. False (and nothing changed) when
    // that would need a new level or turn a regular node relaxed: the caller then takes
    // the persistent path.
    static bool append_in_place(inner* n, unsigned s, std::size_t n_size, leaf* l, std::size_t l_size) {
        const std::uint32_t count = n->filled.load();
        const std::uint32_t last = count - 1;
        const std::size_t last_size = ops::child_size(n, s, n_size, last);
        if (s > bits && append_in_place(as_inner(n->children[last]), s - bits, last_size, l, l_size)) {
            if (n->relaxed) n->sizes()[last] += l_size;
            return true;
        }
        if (count == branches) return false;
        if (!n->relaxed && last_size != ops::child_capacity(s)) return false;
        n->children[count] = ops::make_path(s - bits, l);
        if (n->relaxed) n->sizes()[count] = n_size + l_size;
        n->filled.store(count + 1);
        return true;
    }

    static void pop_back_mut(data& d) {
        leaf* t = d.tail;
        const std::uint32_t ts = d.tail_size;
        if (ts > 1) {
            if (owned(t) && t->fill.load() == ts) {
                std::destroy_at(t->elements() + ts - 1);
                t->fill.store(ts - 1);
            }
            --d.tail_size;
            --d.size;
            return;
        }
        replace(d, ops::pop_back(d));
    }

    // Whether an element can be overwritten without a chance of losing it half way.
    static constexpr bool assign_in_place =
        std::is_nothrow_move_assignable_v<T> || std::is_nothrow_move_constructible_v<T>;

    template <class U>
    static void overwrite(T& slot, U&& value) {
        T fresh(std::forward<U>(value));
        if constexpr (std::is_nothrow_move_assignable_v<T>) {
            slot = std::move(fresh);
        } else {
            std::destroy_at(std::addressof(slot));
            ::new (static_cast<void*>(std::addressof(slot))) T(std::move(fresh));
        }
    }

    template <class U>
    static void set_mut(data& d, std::size_t i, U&& value) {
        const std::size_t tree_size = d.tree_size();
        if (i >= tree_size) {
            leaf* t = d.tail;
            const auto at = static_cast<std::uint32_t>(i - tree_size);
            if constexpr (assign_in_place) {
                if (owned(t)) {
                    overwrite(t->elements()[at], std::forward<U>(value));
                    return;
                }
            }
            leaf* c = N::copy_leaf_set(t->elements(), d.tail_size, t->capacity, at, std::forward<U>(value));
            N::release_leaf(t);
            d.tail = c;
            return;
        }
        // The tree changes: the tail must be ours alone (the identity rule).
        if (!owned(d.tail)) {
            leaf* c = N::copy_leaf(d.tail->elements(), d.tail_size, d.tail->capacity);
            N::release_leaf(d.tail);
            d.tail = c;
        }
        base** ref = &d.root;
        std::size_t n_size = tree_size;
        for (unsigned s = d.shift; s; s -= bits) {
            inner* n = make_own(ref, s, n_size);
            const std::uint32_t j = ops::find_child(n, s, i);
            n_size = ops::child_size(n, s, n_size, j);
            ref = &n->children[j];
        }
        leaf* l = as_leaf(*ref);
        if constexpr (assign_in_place) {
            if (owned(l)) {
                overwrite(l->elements()[i], std::forward<U>(value));
                return;
            }
        }
        leaf* c = N::copy_leaf_set(l->elements(), static_cast<std::uint32_t>(n_size), branches,
                                   static_cast<std::uint32_t>(i), std::forward<U>(value));
        N::release_leaf(l);
        *ref = c;
    }
};

} // namespace immutable::detail::rrb
