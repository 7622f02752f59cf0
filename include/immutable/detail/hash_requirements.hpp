#pragma once
// What a hash container (map, set) needs from its Hash and Equal, checked in a fixed
// order so that only the first failing requirement is reported. A key type without a
// std::hash is the common mistake; checked independently, it would also fail "Hash is
// default-constructible" (a disabled std::hash is not), and clang reports only that.

#include <cstddef>
#include <functional>
#include <type_traits>

namespace immutable::detail {

enum class hash_problem {
    none,
    no_std_hash,            // Hash is std::hash<Key>, and the library defines none for Key
    hash_not_constructible, // Hash or Equal is not default-constructible
    hash_not_callable,      // Hash(const Key&) does not give a std::size_t
    equal_not_callable,     // Equal(const Key&, const Key&) does not give a bool
};

template <class Key, class Hash, class Equal>
consteval hash_problem first_hash_problem() {
    if constexpr (std::is_same_v<Hash, std::hash<Key>> && !std::is_default_constructible_v<Hash>)
        return hash_problem::no_std_hash;
    else if constexpr (!std::is_default_constructible_v<Hash> || !std::is_default_constructible_v<Equal>)
        return hash_problem::hash_not_constructible;
    else if constexpr (!std::is_invocable_r_v<std::size_t, const Hash&, const Key&>)
        return hash_problem::hash_not_callable;
    else if constexpr (!std::is_invocable_r_v<bool, const Equal&, const Key&, const Key&>)
        return hash_problem::equal_not_callable;
    else
        return hash_problem::none;
}

} // namespace immutable::detail
