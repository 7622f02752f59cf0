#pragma once
// C++20's synth-three-way, the comparison std::pair and std::map use: `<=>` when the type
// has it, otherwise a weak ordering built from `<`. The sorted containers' `<=>` compares
// their elements with it, so keys and values that only have `<` still order the containers.

#include <compare>
#include <concepts>

namespace immutable::detail {

template <class T>
concept synth_comparable = std::three_way_comparable<T> || requires(const T& a, const T& b) {
    { a < b } -> std::convertible_to<bool>;
};

template <class T>
struct synth_result {
    using type = std::weak_ordering;
};
template <std::three_way_comparable T>
struct synth_result<T> {
    using type = std::compare_three_way_result_t<T>;
};
template <class T>
using synth_result_t = typename synth_result<T>::type;

template <synth_comparable T>
constexpr synth_result_t<T> synth_three_way(const T& a, const T& b) {
    if constexpr (std::three_way_comparable<T>) {
        return a <=> b;
    } else {
        if (a < b) return std::weak_ordering::less;
        if (b < a) return std::weak_ordering::greater;
        return std::weak_ordering::equivalent;
    }
}

} // namespace immutable::detail
