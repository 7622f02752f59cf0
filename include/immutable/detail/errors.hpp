#pragma once
// Out-of-line throw helpers: keep the cold path out of inlined accessors, and make every
// message name what was asked for and what there was.

#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>

#include <immutable/detail/config.hpp>

namespace immutable::detail {

[[noreturn]] IMMUTABLE_NOINLINE inline void throw_index_out_of_range(const char* where,
                                                                      std::size_t index,
                                                                      std::size_t size) {
    throw std::out_of_range(std::string(where) + ": index " + std::to_string(index) +
                            " is out of range for size " + std::to_string(size));
}

[[noreturn]] IMMUTABLE_NOINLINE inline void throw_range_out_of_range(const char* where,
                                                                      std::size_t first,
                                                                      std::size_t last,
                                                                      std::size_t size) {
    throw std::out_of_range(std::string(where) + ": range [" + std::to_string(first) + ", " +
                            std::to_string(last) + ") is not within size " + std::to_string(size));
}

[[noreturn]] IMMUTABLE_NOINLINE inline void throw_empty(const char* where) {
    throw std::out_of_range(std::string(where) + ": the container is empty");
}

[[noreturn]] IMMUTABLE_NOINLINE inline void throw_key_not_found(const char* where) {
    throw std::out_of_range(std::string(where) + ": key not found");
}

// What update(k, f) hands f for a missing key: V{} when V has a default value. Without one
// a missing key is an error, as for at(), so update() still works on the keys present.
template <class V>
V value_for_missing_key(const char* where) {
    if constexpr (std::default_initializable<V>) {
        return V{};
    } else {
        throw_key_not_found(where);
    }
}

} // namespace immutable::detail
