#pragma once
// Element types whose copies (and moves) into fresh node storage may be made with memcpy:
// construction and destruction are trivial. std::pair of scalars qualifies although it is
// not trivially copyable (its assignments are user-provided), and filling nodes only ever
// constructs elements, where std::uninitialized_copy would copy a pair member by member.

#include <type_traits>

namespace immutable::detail {

template <class T>
inline constexpr bool copies_as_bytes = std::is_trivially_copy_constructible_v<T> &&
                                        std::is_trivially_move_constructible_v<T> &&
                                        std::is_trivially_destructible_v<T>;

} // namespace immutable::detail
