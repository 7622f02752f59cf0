#pragma once
// Whole-list operations built from slicing and concatenation (insert, erase, push_front),
// and the comparison helpers the public header uses.

#include <algorithm>
#include <compare>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <iterator>
#include <type_traits>
#include <utility>

#include <immutable/detail/rrb/builder.hpp>
#include <immutable/detail/rrb/concat.hpp>
#include <immutable/detail/rrb/slice.hpp>

namespace immutable::detail::rrb {

struct list_access; // debug.hpp: lets tests look inside

// Everything list<T, Policy> does to its data, by name: the public header delegates here.
template <class T, class Policy>
struct list_ops : builder_ops<T, Policy> {
    using B = builder_ops<T, Policy>;
    using S = slice_ops<T, Policy>;
    using C = concat_ops<T, Policy>;
    using N = nodes<T, Policy>;
    using typename B::base;
    using typename B::data;
    using typename B::inner;
    using typename B::leaf;
    using typename B::ptr;
    using builder = builder_state<T, Policy>;

    // ---- construction ----------------------------------------------------------------
    template <class It, class Sentinel>
    static data from_iterators(It first, Sentinel last) {
        builder b;
        b.append(std::move(first), std::move(last));
        return b.take();
    }
    template <class R>
    static data from_range(R& r) {
        builder b;
        b.append_range(r);
        return b.take();
    }
    static data from_copies(std::size_t n, const T& value) {
        builder b;
        b.append_copies(n, value);
        return b.take();
    }

    // ---- reading -----------------------------------------------------------------------
    IMMUTABLE_ALWAYS_INLINE static const T& get(const data& d, std::size_t i) noexcept { return B::get(d.view(), i); }
    static const T& back(const data& d) noexcept { return d.tail->elements()[d.tail_size - 1]; }
    // The tail node's address offset by the tail count: (tail node, tail count) tells
    // versions apart by value (the identity rule, tree.hpp). Null when empty.
    static const void* identity(const data& d) noexcept {
        if (!d.tail) return nullptr;
        return reinterpret_cast<const char*>(d.tail) + (d.tail_size - 1);
    }

    // ---- changes in place, for a list about to be discarded ------------------------------
    template <class U>
    static void push_back_in_place(data& d, U&& value) {
        std::uint32_t room = 0; // not known here: push_back_mut checks the tail's ownership
        B::push_back_mut(d, room, std::forward<U>(value));
    }

    // ---- new versions ------------------------------------------------------------------
    static data take(const data& d, std::size_t n) { return S::take(d, n); }
    static data drop(const data& d, std::size_t n) { return S::drop(d, n); }
    static data slice(const data& d, std::size_t first, std::size_t last) { return S::slice(d, first, last); }
    static data concat(const data& a, const data& b) { return C::concat(a, b); }

    // O(log n): the new element goes into the first leaf when it has room, otherwise a
    // new leaf goes in front at the lowest node of the left edge with a free slot (a new
    // root when there is none). Only the left edge is copied, nothing is rebalanced.
    template <class U>
    static data push_front(const data& d, U&& value) {
        const leaf* t = d.tail;
        if (!d.root) {
            if (d.size == 0) return B::push_back(d, std::forward<U>(value));
            if (d.tail_size < branches) {
                return {nullptr,
                        N::copy_leaf_insert(t->elements(), d.tail_size, B::grown_capacity(d.tail_size + 1), 0,
                                            std::forward<U>(value)),
                        d.size + 1, 0, d.tail_size + 1};
            }
            const data one = B::push_back(data{}, std::forward<U>(value));
            return C::concat(one, d);
        }
        // A new tree gets a tail of its own (the identity rule).
        data r{nullptr, N::copy_leaf(t->elements(), d.tail_size, t->capacity), d.size + 1, d.shift, d.tail_size};
        ptr root = push_front_into(d.root, d.shift, d.tree_size(), std::forward<U>(value));
        if (root) {
            r.adopt_root(std::move(root), d.shift);
            return r;
        }
        // Every node on the left edge is full: a new root over a fresh path and the old
        // root.
        ptr l = N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value));
        ptr path = B::make_path(d.shift, l);
        ptr top = N::new_inner(true);
        inner* in = B::as_inner(top.get());
        in->children[0] = path.take();
        in->children[1] = B::shared(d.root);
        in->fill.store(2);
        in->sizes()[0] = 1;
        in->sizes()[1] = 1 + d.tree_size();
        r.adopt_root(std::move(top), d.shift + bits);
        return r;
    }

    // Subtree n (shift s, n_size elements) with `value` in front, or null (value untouched)
    // when every node on n's left edge is full.
    template <class U>
    static ptr push_front_into(const base* n, unsigned s, std::size_t n_size, U&& value) {
        if (s == 0) {
            if (n_size >= branches) return {};
            return N::copy_leaf_insert(B::as_leaf(n)->elements(), static_cast<std::uint32_t>(n_size), branches, 0,
                                       std::forward<U>(value));
        }
        const inner* in = B::as_inner(n);
        const std::uint32_t count = N::children_in(in, s, n_size);
        ptr changed =
            push_front_into(in->children[0], s - bits, B::child_size(in, s, n_size, 0), std::forward<U>(value));
        if (!changed && count == branches) return {};
        // A regular node stays regular only as the single parent of a regular child.
        const bool relaxed = in->relaxed || count > 1 || !changed || (s > bits && B::as_inner(changed.get())->relaxed);
        const std::uint32_t first = changed ? 1 : 0; // where n's children start in c
        if (!changed) changed = front_path(s - bits, std::forward<U>(value));
        inner* ci = N::allocate_inner(relaxed); // linked below, before anything else can throw
        ci->children[0] = changed.take();
        for (std::uint32_t j = first; j < count; ++j) ci->children[j + 1 - first] = B::shared(in->children[j]);
        const std::uint32_t c_count = count + 1 - first;
        ci->fill.store(c_count);
        if (relaxed) {
            // Every child but the first keeps its size; each cumulative size grows by one.
            std::size_t* sizes = ci->sizes();
            if (first == 0) sizes[0] = 0;
            for (std::uint32_t j = 0; j < count; ++j) {
                const std::size_t before = in->relaxed ? in->sizes()[j]
                                                       : std::min(B::child_capacity(s) * (j + 1), n_size);
                sizes[j + 1 - first] = before;
            }
            for (std::uint32_t j = 0; j < c_count; ++j) ++sizes[j];
        }
        return ptr::adopt(ci);
    }
    // A new leaf holding `value`, under single-child nodes up to `shift`.
    template <class U>
    static ptr front_path(unsigned shift, U&& value) {
        ptr l = N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value));
        return B::make_path(shift, l);
    }

    // O(log n): take(i) + [value] + drop(i), or a tail rewrite when i is in the tail.
    template <class U>
    static data insert(const data& d, std::size_t i, U&& value) {
        if (i == d.size) return B::push_back(d, std::forward<U>(value));
        const std::size_t tree_size = d.tree_size();
        if (i >= tree_size && d.tail_size < branches) {
            const leaf* t = d.tail;
            const std::uint32_t capacity = d.root ? branches : B::grown_capacity(d.tail_size + 1);
            ptr l = N::copy_leaf_insert(t->elements(), d.tail_size, capacity,
                                        static_cast<std::uint32_t>(i - tree_size), std::forward<U>(value));
            return {ptr::share(d.root), std::move(l), d.size + 1, d.shift, d.tail_size + 1};
        }
        if (i == 0) return push_front(d, std::forward<U>(value));
        const data front = S::take(d, i);
        const data grown = B::push_back(front, std::forward<U>(value));
        const data back = S::drop(d, i);
        return C::concat(grown, back);
    }

    // O(log n): take(i) + drop(i + 1), or a tail rewrite when i is in the tail.
    static data erase(const data& d, std::size_t i) {
        if (i + 1 == d.size) return B::pop_back(d);
        if (i == 0) return S::drop(d, 1);
        const std::size_t tree_size = d.tree_size();
        if (i >= tree_size) {
            const leaf* t = d.tail;
            const T* e = t->elements();
            const auto at = static_cast<std::uint32_t>(i - tree_size);
            ptr l = N::copy_leaf_joined(e, at, e + at + 1, d.tail_size - at - 1, t->capacity);
            return {ptr::share(d.root), std::move(l), d.size - 1, d.shift, d.tail_size - 1};
        }
        const data front = S::take(d, i);
        const data back = S::drop(d, i + 1);
        return C::concat(front, back);
    }
};

// The standard's synth-three-way: <=> when T has it, otherwise built from <.
struct synth_three_way_fn {
    template <class T, class U>
    constexpr auto operator()(const T& a, const U& b) const
        requires requires {
            { a < b } -> std::convertible_to<bool>;
            { b < a } -> std::convertible_to<bool>;
        }
    {
        if constexpr (std::three_way_comparable_with<T, U>) {
            return a <=> b;
        } else {
            if (a < b) return std::weak_ordering::less;
            if (b < a) return std::weak_ordering::greater;
            return std::weak_ordering::equivalent;
        }
    }
};
inline constexpr synth_three_way_fn synth_three_way{};

template <class T>
using synth_three_way_result = decltype(synth_three_way(std::declval<const T&>(), std::declval<const T&>()));

} // namespace immutable::detail::rrb
