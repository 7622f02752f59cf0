#pragma once
// Whole-list operations built from slicing and concatenation (insert, erase, push_front),
// and the comparison helpers the public header uses.

#include <compare>
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
    using typename B::data;
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
    static data concat(const data& a, const data& b) { return C::concat(a, b); }

    template <class U>
    static data push_front(const data& d, U&& value) {
        holder one(B::push_back(data{}, std::forward<U>(value)));
        return C::concat(one.d, d);
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
