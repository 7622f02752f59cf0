#pragma once
// In-place operations for list<T>::builder, and builder_state, what the builder holds
// (also used to build lists from ranges, and by the && overloads of list's changes).
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
#include <ranges>
#include <type_traits>
#include <utility>

#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
struct builder_ops : tree_ops<T, Policy> {
    using ops = tree_ops<T, Policy>;
    using N = nodes<T, Policy>;
    using typename ops::base;
    using typename ops::data;
    using typename ops::inner;
    using typename ops::leaf;
    using typename ops::ptr;
    using ops::as_inner;
    using ops::as_leaf;
    using N::owned;

    // In a leaf the builder owns, slots past the builder's count may still hold elements a
    // dead version once claimed; destroy them so the slots can be written again.
    static void trim_fill(leaf* t, std::uint32_t count) noexcept {
        const std::uint32_t fill = t->fill.load();
        if (fill > count) {
            std::destroy(t->elements() + count, t->elements() + fill);
            t->fill.store(count);
        }
    }

    // `room` caches what the checks below find: pushes may construct straight into tail
    // slots below it. It is the tail's capacity while the builder owns the tail alone and
    // no slot past its count holds an element, and 0 otherwise; the builder resets it
    // whenever it shares nodes (build, copy) or changes the tail by other means. The
    // common case is then one compare, inlined into the caller's loop; the rest is a call.
    template <class U>
    IMMUTABLE_ALWAYS_INLINE static void push_back_mut(data& d, std::uint32_t& room, U&& value) {
        const std::uint32_t ts = d.tail_size;
        if (IMMUTABLE_LIKELY(ts < room)) {
            leaf* t = d.tail;
            ::new (static_cast<void*>(t->elements() + ts)) T(std::forward<U>(value));
            t->fill.store(ts + 1);
            d.tail_size = ts + 1;
            ++d.size;
            return;
        }
        push_back_mut_slow(d, room, std::forward<U>(value));
    }
    template <class U>
    IMMUTABLE_NOINLINE static void push_back_mut_slow(data& d, std::uint32_t& room, U&& value) {
        leaf* t = d.tail;
        const std::uint32_t ts = d.tail_size;
        room = 0;
        if (t && ts < t->capacity && owned(t)) {
            trim_fill(t, ts);
            ::new (static_cast<void*>(t->elements() + ts)) T(std::forward<U>(value));
            t->fill.store(ts + 1);
            ++d.tail_size;
            ++d.size;
            room = t->capacity;
            return;
        }
        if (t && ts == branches) {
            install_tail(d, N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value)), 1);
            room = branches;
            return;
        }
        d = ops::push_back(d, std::forward<U>(value));
        if (owned(d.tail) && d.tail->fill.load() == d.tail_size) room = d.tail->capacity;
    }

    // Makes `fresh` (holding k elements, the builder's alone) the tail, after moving the
    // current tail, which must be full, into the tree. If that throws, fresh is released
    // and the builder is unchanged.
    static void install_tail(data& d, ptr fresh, std::uint32_t k) {
        if (d.tail) push_leaf_mut(d, d.tail); // the tree takes the old tail's reference
        d.tail = static_cast<leaf*>(fresh.take());
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
    static void append_n_mut(data& d, std::uint32_t& room, std::size_t count, Construct&& construct) {
        while (count) {
            leaf* t = d.tail;
            const std::uint32_t ts = d.tail_size;
            if (t && ts < t->capacity && (room != 0 || owned(t))) {
                // Room in a tail the builder owns: fill it in place (after freeing slots a
                // dead version may have claimed past the builder's count).
                if (room == 0) {
                    trim_fill(t, ts);
                    room = t->capacity;
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
                const std::uint32_t capacity = std::max(std::uint32_t{t->capacity}, ops::grown_capacity(wanted));
                d.replace_tail(N::copy_leaf(t->elements(), ts, capacity));
                room = d.tail->capacity;
                continue;
            }
            // No tail yet, or a full one: the next run becomes a fresh tail and the full
            // tail moves into the tree.
            const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(count, branches));
            ptr fresh = N::new_leaf(t ? branches : ops::grown_capacity(k));
            construct(as_leaf(fresh.get())->elements(), k);
            as_leaf(fresh.get())->fill.store(k);
            const std::uint32_t capacity = as_leaf(fresh.get())->capacity;
            install_tail(d, std::move(fresh), k);
            count -= k;
            room = capacity;
        }
    }

    // append_n_mut from an iterator over `count` elements; advances `it` past them.
    template <class It>
    static void append_copies_mut(data& d, std::uint32_t& room, It& it, std::size_t count) {
        append_n_mut(d, room, count, [&it](T* dst, std::uint32_t k) {
            if constexpr (std::contiguous_iterator<It> && std::is_same_v<std::iter_value_t<It>, T>) {
                // Through raw pointers, so trivially copyable T is one memcpy per run.
                std::uninitialized_copy_n(std::to_address(it), k, dst);
                it += static_cast<std::iter_difference_t<It>>(k);
            } else {
                // One element at a time from `it` itself (it may be a single-pass iterator);
                // on a throw, the ones already made are destroyed, as uninitialized_copy_n does.
                struct made_so_far {
                    T* first;
                    std::uint32_t count = 0;
                    ~made_so_far() { std::destroy_n(first, count); }
                } made{dst};
                for (; made.count < k; ++made.count, ++it) std::construct_at(dst + made.count, *it);
                made.count = 0; // all made: the builder owns them now
            }
        });
    }

    // The root, made the builder's own: kept when the builder holds it alone (children
    // that dead versions claimed beyond the builder's are dropped), copied otherwise.
    IMMUTABLE_ALWAYS_INLINE static inner* own_root(data& d) {
        inner* n = as_inner(d.root);
        if (IMMUTABLE_LIKELY(owned(n))) {
            N::trim_children(n, N::children_in(n, d.shift, d.tree_size()));
            return n;
        }
        return copy_root(d);
    }
    IMMUTABLE_NOINLINE static inner* copy_root(data& d) {
        const inner* n = as_inner(d.root);
        ptr c = N::copy_inner(n, n->relaxed, N::children_in(n, d.shift, d.tree_size()));
        inner* own = as_inner(c.get());
        d.replace_root(std::move(c));
        return own;
    }
    // Child j of `parent` (which the builder owns), at shift s holding n_size elements,
    // made the builder's own likewise.
    IMMUTABLE_ALWAYS_INLINE static inner* own_child(inner* parent, std::uint32_t j, unsigned s, std::size_t n_size) {
        inner* n = as_inner(parent->children[j]);
        if (IMMUTABLE_LIKELY(owned(n))) {
            N::trim_children(n, N::children_in(n, s, n_size));
            return n;
        }
        return copy_child(parent, j, s, n_size);
    }
    IMMUTABLE_NOINLINE static inner* copy_child(inner* parent, std::uint32_t j, unsigned s, std::size_t n_size) {
        const inner* n = as_inner(parent->children[j]);
        ptr c = N::copy_inner(n, n->relaxed, N::children_in(n, s, n_size));
        inner* own = as_inner(c.get());
        N::replace_child(parent, j, std::move(c));
        return own;
    }

    // Moves the full tail leaf `l` into the tree, changing owned nodes in place. The
    // caller's reference to l passes to the tree only if this returns (l is linked in
    // after the last allocation).
    static void push_leaf_mut(data& d, leaf* l) {
        const std::size_t tree_size = d.tree_size();
        if (d.root && (as_inner(d.root)->relaxed || tree_size % branches != 0)) {
            // An uneven tree: make the right spine the builder's own, then append there
            // in place if the shape allows.
            inner* n = own_root(d);
            std::size_t n_size = tree_size;
            for (unsigned s = d.shift; s > bits; s -= bits) {
                const std::uint32_t last = n->fill.load() - 1;
                n_size = ops::child_size(n, s, n_size, last);
                n = own_child(n, last, s - bits, n_size);
            }
            if (append_in_place(as_inner(d.root), d.shift, tree_size, l, branches)) return;
        }
        if (!d.root || as_inner(d.root)->relaxed || tree_size % branches != 0 ||
            tree_size == ops::child_capacity(d.shift + bits)) {
            // The persistent path gives its leaf up even when it fails, so it gets a
            // reference of its own, and the caller's goes once it succeeds (the rare case:
            // a new level, or a full node on an uneven tree's edge).
            ptr root;
            std::uint32_t shift = 0;
            ops::push_leaf(d, ptr::share(l), branches, root, shift);
            release<typename N::family>(l);
            d.replace_root(std::move(root));
            d.shift = shift;
            return;
        }
        // A regular tree of full leaves: walk the right spine, owning it, to the node
        // where index tree_size starts a new child.
        inner* n = own_root(d);
        std::size_t n_size = tree_size;
        for (unsigned s = d.shift;; s -= bits) {
            const auto slot = static_cast<std::uint32_t>((tree_size >> s) & mask);
            if ((tree_size & (ops::child_capacity(s) - 1)) == 0) {
                n->children[slot] = ops::make_path(s - bits, l).take();
                n->fill.store(slot + 1);
                return;
            }
            n_size = ops::child_size(n, s, n_size, slot);
            n = own_child(n, slot, s - bits, n_size);
        }
    }

    // Appends leaf l (l_size elements) as the last leaf of subtree n, whose right spine the
    // builder owns (own_child), changing nodes in place; l's reference passes to the tree
    // if this returns true. False (nothing changed) when that would need a new level or
    // turn a regular node relaxed: the caller then takes the persistent path.
    static bool append_in_place(inner* n, unsigned s, std::size_t n_size, leaf* l, std::size_t l_size) {
        const std::uint32_t count = n->fill.load();
        const std::uint32_t last = count - 1;
        const std::size_t last_size = ops::child_size(n, s, n_size, last);
        if (s > bits && append_in_place(as_inner(n->children[last]), s - bits, last_size, l, l_size)) {
            if (n->relaxed) n->sizes()[last] += l_size;
            return true;
        }
        if (count == branches) return false;
        if (!n->relaxed && last_size != ops::child_capacity(s)) return false;
        n->children[count] = ops::make_path(s - bits, l).take();
        if (n->relaxed) n->sizes()[count] = n_size + l_size;
        n->fill.store(count + 1);
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
        d = ops::pop_back(d);
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
            d.replace_tail(N::copy_leaf_set(t->elements(), d.tail_size, t->capacity, at, std::forward<U>(value)));
            return;
        }
        // The tree changes: the tail must be ours alone (the identity rule).
        if (!owned(d.tail)) d.replace_tail(N::copy_leaf(d.tail->elements(), d.tail_size, d.tail->capacity));
        inner* n = own_root(d);
        std::size_t n_size = tree_size;
        for (unsigned s = d.shift;; s -= bits) {
            const std::uint32_t j = ops::find_child(n, s, i);
            n_size = ops::child_size(n, s, n_size, j);
            if (s > bits) {
                n = own_child(n, j, s - bits, n_size);
                continue;
            }
            leaf* l = as_leaf(n->children[j]);
            if constexpr (assign_in_place) {
                if (owned(l)) {
                    overwrite(l->elements()[i], std::forward<U>(value));
                    return;
                }
            }
            N::replace_child(n, j, N::copy_leaf_set(l->elements(), static_cast<std::uint32_t>(n_size), branches,
                                                    static_cast<std::uint32_t>(i), std::forward<U>(value)));
            return;
        }
    }
};

// What a list builder holds: a version it changes in place where it owns the nodes, and
// how far its tail may take pushes straight away (see push_back_mut). Copying a
// builder, or building a list from it, shares the nodes; after that either side copies a
// node before changing it.
template <class T, class Policy>
class builder_state {
    using ops = builder_ops<T, Policy>;

public:
    using data = list_data<T, Policy>;

    builder_state() noexcept = default;
    explicit builder_state(const data& from) noexcept : d_(from) {}
    builder_state(const builder_state& other) noexcept : d_(other.d_) { other.room_ = 0; }
    builder_state(builder_state&& other) noexcept
        : d_(std::move(other.d_)), room_(std::exchange(other.room_, 0)) {}
    builder_state& operator=(const builder_state& other) noexcept {
        builder_state(other).swap(*this);
        return *this;
    }
    builder_state& operator=(builder_state&& other) noexcept {
        builder_state(std::move(other)).swap(*this);
        return *this;
    }
    ~builder_state() = default;
    void swap(builder_state& other) noexcept {
        d_.swap(other.d_);
        std::swap(room_, other.room_);
    }

    const data& contents() const noexcept { return d_; }

    // The contents, shared with the caller.
    data build() const noexcept {
        room_ = 0;
        return d_;
    }
    // The contents handed over; the builder is left empty.
    data take() noexcept {
        room_ = 0;
        return std::move(d_);
    }

    template <class U>
    void push_back(U&& value) {
        ops::push_back_mut(d_, room_, std::forward<U>(value));
    }
    void pop_back() {
        room_ = 0;
        ops::pop_back_mut(d_);
    }
    template <class U>
    void set(std::size_t i, U&& value) {
        room_ = 0;
        ops::set_mut(d_, i, std::forward<U>(value));
    }

    // [first, last): whole leaves at a time when the length is known (memcpy for a
    // contiguous source), one push per element otherwise.
    template <class It, class Sentinel>
    void append(It first, Sentinel last) {
        if constexpr (std::sized_sentinel_for<Sentinel, It>) {
            ops::append_copies_mut(d_, room_, first, static_cast<std::size_t>(last - first));
        } else {
            for (; first != last; ++first) push_back(*first);
        }
    }
    // The elements of r, as append() does: a filtered view or a stream one at a time.
    template <class R>
    void append_range(R& r) {
        if constexpr (std::ranges::sized_range<R>) {
            auto it = std::ranges::begin(r);
            ops::append_copies_mut(d_, room_, it, static_cast<std::size_t>(std::ranges::size(r)));
        } else {
            for (auto&& x : r) push_back(std::forward<decltype(x)>(x));
        }
    }
    // n copies of value.
    void append_copies(std::size_t n, const T& value) {
        ops::append_n_mut(d_, room_, n,
                          [&value](T* dst, std::uint32_t k) { std::uninitialized_fill_n(dst, k, value); });
    }

private:
    data d_;
    // Pushes go straight into tail slots below this (see push_back_mut). Mutable because
    // build() and copying, though const for the builder's contents, share the nodes.
    mutable std::uint32_t room_ = 0;
};

} // namespace immutable::detail::rrb
