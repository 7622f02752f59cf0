#pragma once
// Heterogeneous lookup, as the standard containers offer it: a comparator (or a hash and an
// equality) that declares `is_transparent` accepts other types than the key, so a
// std::string_view finds a std::string key without building one.

namespace immutable::detail {

template <class F>
concept transparent = requires { typename F::is_transparent; };

} // namespace immutable::detail
