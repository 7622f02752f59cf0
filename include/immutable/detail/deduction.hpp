#pragma once
// Helpers for the containers' deduction guides: the key and mapped types of a range of
// pairs, as std::map's guides read them (a const key, as std::map's own iterators give,
// is deduced without the const).

#include <iterator>
#include <tuple>
#include <type_traits>

namespace immutable::detail {

template <class It>
using iter_key_t = std::remove_const_t<std::tuple_element_t<0, std::iter_value_t<It>>>;

template <class It>
using iter_mapped_t = std::tuple_element_t<1, std::iter_value_t<It>>;

} // namespace immutable::detail
