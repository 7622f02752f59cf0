#pragma once
// Whole-list operations: slicing, concatenation, insertion and removal in the middle,
// construction from ranges, comparison and hashing. First version: these rebuild the
// list (O(n)); the relaxed O(log n) versions replace them.

#include <compare>
#include <cstddef>
#include <functional>
#include <iterator>
#include <type_traits>
#include <utility>

#include <immutable/detail/rrb/builder.hpp>

namespace immutable::detail::rrb {

struct list_access; // debug.hpp: lets tests look inside

template <class T, class Policy>
struct list_ops : builder_ops<T, Policy> {
    using B = builder_ops<T, Policy>;
    using typename B::data;

    // Owns a data while it is being built, releasing it if an exception leaves early.
    struct holder {
        data d{};
        holder() = default;
        holder(const holder&) = delete;
        holder& operator=(const holder&) = delete;
        ~holder() { B::release_data(d); }
        data take() noexcept { return std::exchange(d, data{}); }
    };

    // Appends elements [first, last) of `src` to h.
    static void append_from(holder& h, const data& src, std::size_t first, std::size_t last) {
        for (std::size_t i = first; i < last; ++i) B::push_back_mut(h.d, B::get(src, i));
    }

    static data take(const data& d, std::size_t n) {
        if (n >= d.size) {
            B::retain_data(d);
            return d;
        }
        if (n == 0) return {};
        if (n > d.tree_size()) {
            B::retain_data(d);
            data r = d;
            r.tail_size = static_cast<std::uint32_t>(n - d.tree_size());
            r.size = n;
            return r;
        }
        holder h;
        append_from(h, d, 0, n);
        return h.take();
    }

    static data drop(const data& d, std::size_t n) {
        if (n == 0) {
            B::retain_data(d);
            return d;
        }
        if (n >= d.size) return {};
        holder h;
        append_from(h, d, n, d.size);
        return h.take();
    }

    static data concat(const data& a, const data& b) {
        if (b.size == 0) {
            B::retain_data(a);
            return a;
        }
        if (a.size == 0) {
            B::retain_data(b);
            return b;
        }
        holder h;
        B::retain_data(a);
        h.d = a;
        append_from(h, b, 0, b.size);
        return h.take();
    }

    template <class U>
    static data insert(const data& d, std::size_t i, U&& value) {
        holder h;
        append_from(h, d, 0, i);
        B::push_back_mut(h.d, std::forward<U>(value));
        append_from(h, d, i, d.size);
        return h.take();
    }

    static data erase(const data& d, std::size_t i) {
        holder h;
        append_from(h, d, 0, i);
        append_from(h, d, i + 1, d.size);
        return h.take();
    }

    template <class U>
    static data push_front(const data& d, U&& value) {
        return insert(d, 0, std::forward<U>(value));
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
