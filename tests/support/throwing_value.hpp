#pragma once
// An element type whose copy constructor throws on the k-th copy, and which counts its
// live instances: tests use it to show that an operation interrupted by a throwing copy
// leaves every existing version unchanged and leaks neither nodes nor elements.

#include <compare>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <type_traits>

#include <immutable/detail/rrb/node.hpp>

namespace immutable::test {

struct copy_failure : std::runtime_error {
    copy_failure() : std::runtime_error("throwing_value: injected copy failure") {}
};

class throwing_value {
public:
    static inline std::int64_t live = 0;
    // Copies left before one throws; negative means never. Not atomic: single-thread tests.
    static inline std::int64_t copies_until_throw = -1;

    throwing_value() : value_(0) { ++live; }
    explicit throwing_value(int v) : value_(v) { ++live; }
    throwing_value(const throwing_value& other) : value_(other.value_) {
        if (copies_until_throw >= 0 && copies_until_throw-- == 0) throw copy_failure();
        ++live;
    }
    throwing_value& operator=(const throwing_value& other) {
        if (copies_until_throw >= 0 && copies_until_throw-- == 0) throw copy_failure();
        value_ = other.value_;
        return *this;
    }
    ~throwing_value() { --live; }

    int value() const { return value_; }
    friend bool operator==(const throwing_value&, const throwing_value&) = default;
    friend auto operator<=>(const throwing_value&, const throwing_value&) = default;

    static void throw_after(std::int64_t n) { copies_until_throw = n; }
    static void never_throw() { copies_until_throw = -1; }

private:
    int value_;
};

} // namespace immutable::test

// It holds no list, so a list of it may claim slots in shared nodes as a list of int does
// (detail/rrb/node.hpp): the list tests throw from inside a claimed slot.
template <>
struct immutable::detail::rrb::claims_slots<immutable::test::throwing_value> : std::true_type {};

template <>
struct std::hash<immutable::test::throwing_value> {
    std::size_t operator()(const immutable::test::throwing_value& v) const noexcept {
        return std::hash<int>{}(v.value());
    }
};
