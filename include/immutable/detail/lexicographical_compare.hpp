#pragma once
// std::lexicographical_compare_three_way where the standard library has it; otherwise
// (libc++ before 17) the same algorithm written out: the first unequal pair decides,
// else the shorter range orders first.

#include <algorithm>
#include <compare>
#include <version>

namespace immutable::detail {

template <class It1, class It2, class Compare>
constexpr auto lexicographical_compare_three_way(It1 first1, It1 last1, It2 first2, It2 last2, Compare cmp)
    -> decltype(cmp(*first1, *first2)) {
#if defined(__cpp_lib_three_way_comparison) && __cpp_lib_three_way_comparison >= 201907L
    return std::lexicographical_compare_three_way(first1, last1, first2, last2, cmp);
#else
    for (; first1 != last1 && first2 != last2; ++first1, ++first2) {
        if (auto c = cmp(*first1, *first2); c != 0) return c;
    }
    if (first1 != last1) return std::strong_ordering::greater;
    if (first2 != last2) return std::strong_ordering::less;
    return std::strong_ordering::equal;
#endif
}

} // namespace immutable::detail
