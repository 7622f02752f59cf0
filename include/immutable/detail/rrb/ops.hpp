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

    // Owns a data while it is being built, releasing it if an exception leaves early.
    struct holder {
        data d{};
        bool writable = false; // see builder_ops::push_back_mut
        holder() = default;
        explicit holder(const data& owned) noexcept : d(owned) {}
        holder(const holder&) = delete;
        holder& operator=(const holder&) = delete;
        ~holder() { B::release_data(d); }
        data take() noexcept { return std::exchange(d, data{}); }
    };

    static data take(const data& d, std::size_t n) { return S::take(d, n); }
    static data drop(const data& d, std::size_t n) { return S::drop(d, n); }
    static data slice(const data& d, std::size_t first, std::size_t last) { return S::slice(d, first, last); }
    static data concat(const data& a, const data& b) { return C::concat(a, b); }

    // O(log n): the new element goes into the first leaf when it has room, otherwise a
    // new leaf goes in front at the lowest node of the left edge with a free slot (a new
    // root when there is none). Only the left edge is copied, nothing is rebalanced.
    template <class U>
    static data push_front(const data& d, U&& value) {
        if (!d.root) {
            if (d.size == 0) return B::push_back(d, std::forward<U>(value));
            if (d.tail_size < branches) {
                leaf* t = N::copy_leaf_insert(d.tail->elements(), d.tail_size, B::grown_capacity(d.tail_size + 1), 0,
                                              std::forward<U>(value));
                return {nullptr, t, d.size + 1, 0, d.tail_size + 1};
            }
            holder one(B::push_back(data{}, std::forward<U>(value)));
            return C::concat(one.d, d);
        }
        // A new tree gets a tail of its own (the identity rule).
        leaf* t = N::copy_leaf(d.tail->elements(), d.tail_size, d.tail->capacity);
        data r{nullptr, t, d.size + 1, d.shift, d.tail_size};
        try {
            r.root = push_front_into(d.root, d.shift, d.tree_size(), std::forward<U>(value));
            if (!r.root) {
                // Every node on the left edge is full: a new root over a fresh path and the
                // old root.
                leaf* l = N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value));
                base* path;
                try {
                    path = B::make_path(d.shift, l);
                } catch (...) {
                    N::release_leaf(l);
                    throw;
                }
                inner* top;
                try {
                    top = N::allocate_inner(true);
                } catch (...) {
                    B::release(path, d.shift);
                    throw;
                }
                top->children[0] = path;
                top->children[1] = d.root;
                B::retain(d.root);
                top->filled.store(2);
                top->sizes()[0] = 1;
                top->sizes()[1] = 1 + d.tree_size();
                r.root = top;
                r.shift = d.shift + bits;
            }
        } catch (...) {
            N::release_leaf(t);
            throw;
        }
        return r;
    }

    // Subtree n (shift s, n_size elements) with `value` in front, or null (value untouched)
    // when every node on n's left edge is full.
    template <class U>
    static base* push_front_into(const base* n, unsigned s, std::size_t n_size, U&& value) {
        if (s == 0) {
            if (n_size >= branches) return nullptr;
            return N::copy_leaf_insert(B::as_leaf(n)->elements(), static_cast<std::uint32_t>(n_size), branches, 0,
                                       std::forward<U>(value));
        }
        const inner* in = B::as_inner(n);
        const std::uint32_t count = N::children_in(in, s, n_size);
        base* changed = push_front_into(in->children[0], s - bits, B::child_size(in, s, n_size, 0),
                                        std::forward<U>(value));
        if (!changed && count == branches) return nullptr;
        // A regular node stays regular only as the single parent of a regular child.
        const bool relaxed = in->relaxed || count > 1 || !changed || (s > bits && B::as_inner(changed)->relaxed);
        inner* c;
        try {
            c = N::allocate_inner(relaxed);
        } catch (...) {
            if (changed) B::release(changed, s - bits);
            throw;
        }
        const std::uint32_t first = changed ? 1 : 0; // where n's children start in c
        if (!changed) {
            base* path;
            try {
                leaf* l = N::copy_leaf_push(static_cast<const T*>(nullptr), 0, branches, std::forward<U>(value));
                try {
                    path = B::make_path(s - bits, l);
                } catch (...) {
                    N::release_leaf(l);
                    throw;
                }
            } catch (...) {
                N::free_inner(c);
                throw;
            }
            c->children[0] = path;
        } else {
            c->children[0] = changed;
        }
        for (std::uint32_t j = first; j < count; ++j) {
            c->children[j + 1 - first] = in->children[j];
            B::retain(in->children[j]);
        }
        const std::uint32_t c_count = count + 1 - first;
        c->filled.store(c_count);
        if (relaxed) {
            // Every child but the first keeps its size; each cumulative size grows by one.
            std::size_t* sizes = c->sizes();
            if (!changed) sizes[0] = 0;
            for (std::uint32_t j = 0; j < count; ++j) {
                const std::size_t before = in->relaxed ? in->sizes()[j]
                                                       : std::min(B::child_capacity(s) * (j + 1), n_size);
                sizes[j + 1 - first] = before;
            }
            for (std::uint32_t j = 0; j < c_count; ++j) ++sizes[j];
        }
        return c;
    }

    // O(log n): take(i) + [value] + drop(i), or a tail rewrite when i is in the tail.
    template <class U>
    static data insert(const data& d, std::size_t i, U&& value) {
        if (i == d.size) return B::push_back(d, std::forward<U>(value));
        const std::size_t tree_size = d.tree_size();
        if (i >= tree_size && d.tail_size < branches) {
            leaf* t = N::copy_leaf_insert(d.tail->elements(), d.tail_size, d.root ? branches : B::grown_capacity(d.tail_size + 1),
                                          static_cast<std::uint32_t>(i - tree_size), std::forward<U>(value));
            if (d.root) B::retain(d.root);
            return {d.root, t, d.size + 1, d.shift, d.tail_size + 1};
        }
        if (i == 0) return push_front(d, std::forward<U>(value));
        holder front(S::take(d, i));
        holder grown(B::push_back(front.d, std::forward<U>(value)));
        holder back(S::drop(d, i));
        return C::concat(grown.d, back.d);
    }

    // O(log n): take(i) + drop(i + 1), or a tail rewrite when i is in the tail.
    static data erase(const data& d, std::size_t i) {
        if (i + 1 == d.size) return B::pop_back(d);
        if (i == 0) return S::drop(d, 1);
        const std::size_t tree_size = d.tree_size();
        if (i >= tree_size) {
            const T* e = d.tail->elements();
            const auto at = static_cast<std::uint32_t>(i - tree_size);
            leaf* t = N::allocate_leaf(d.tail->capacity);
            std::uint32_t done = 0;
            try {
                std::uninitialized_copy_n(e, at, t->elements());
                done = at;
                std::uninitialized_copy_n(e + at + 1, d.tail_size - at - 1, t->elements() + at);
            } catch (...) {
                std::destroy_n(t->elements(), done);
                N::free_leaf_storage(t);
                throw;
            }
            t->fill.store(d.tail_size - 1);
            if (d.root) B::retain(d.root);
            return {d.root, t, d.size - 1, d.shift, d.tail_size - 1};
        }
        holder front(S::take(d, i));
        holder back(S::drop(d, i + 1));
        return C::concat(front.d, back.d);
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
