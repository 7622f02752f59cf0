#pragma once
// Equality and ordering of two lists, leaf by leaf.
//
// Both lists are walked one contiguous run at a time: the overlap of the current leaf of
// each (leaves of two lists need not line up, after a slice or a concatenation). A run
// that is the same memory in both lists (a shared leaf) is equal without a look; any
// other run goes to the standard algorithm on raw pointers, which for integral and
// pointer elements is a memcmp. One tree walk per leaf, like the iterator, but without
// an iterator's per-element bookkeeping.

#include <algorithm>
#include <compare>
#include <cstddef>

#include <immutable/detail/lexicographical_compare.hpp>
#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
struct compare_ops {
    using tree = tree_ops<T, Policy>;
    using data = list_data<T, Policy>;
    using view = list_view<T, Policy>;

    // Calls visit(a_run, b_run, length) for the runs covering [0, n) of both lists, in
    // order, until it returns true (stop); returns whether it stopped. n <= both sizes.
    template <class Visit>
    static bool for_each_run_pair(const view& a, const view& b, std::size_t n, Visit&& visit) {
        if (n == 0) return false;
        chunk_ref<T> ca = tree::locate(a, 0);
        chunk_ref<T> cb = tree::locate(b, 0);
        for (std::size_t i = 0;;) {
            const std::size_t end_a = ca.first + ca.count;
            const std::size_t end_b = cb.first + cb.count;
            const std::size_t end = std::min({end_a, end_b, n});
            if (visit(ca.data + (i - ca.first), cb.data + (i - cb.first), end - i)) return true;
            i = end;
            if (i == n) return false;
            if (i == end_a) ca = tree::locate(a, i);
            if (i == end_b) cb = tree::locate(b, i);
        }
    }

    // Element-wise equality of two lists of the same size.
    static bool equal(const data& a, const data& b) {
        // Two small lists (at most 32 elements each): one flat run, no tree walk.
        if (!a.root && !b.root) {
            const T* x = a.tail->elements();
            return std::equal(x, x + a.size, b.tail->elements());
        }
        const bool differ = for_each_run_pair(a.view(), b.view(), a.size, [](const T* x, const T* y, std::size_t len) {
            return x != y && !std::equal(x, x + len, y);
        });
        return !differ;
    }

    // Lexicographical comparison with `cmp` (a three-way comparison of two elements).
    template <class Compare>
    static auto three_way(const data& a, const data& b, Compare cmp) {
        using result = decltype(cmp(std::declval<const T&>(), std::declval<const T&>()));
        result order = std::strong_ordering::equal;
        const bool decided = for_each_run_pair(a.view(), b.view(), std::min(a.size, b.size),
                                               [&](const T* x, const T* y, std::size_t len) {
            if (x == y) return false;
            order = detail::lexicographical_compare_three_way(x, x + len, y, y + len, cmp);
            return order != 0;
        });
        if (decided) return order;
        return result(a.size <=> b.size);
    }
};

} // namespace immutable::detail::rrb
