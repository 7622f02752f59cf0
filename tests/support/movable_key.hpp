#pragma once
// A key whose copy (construction and assignment) throws on the k-th copy, like
// throwing_value, but whose moves are noexcept, so the B+tree edits nodes it owns alone in
// place. Counts its live instances; padded so that few entries make deep trees.

#include <compare>
#include <cstdint>

#include "support/throwing_value.hpp"

namespace immutable::test {

struct movable_key {
    static inline std::int64_t countdown = -1;
    static inline std::int64_t live = 0;
    int v = 0;
    char pad[60] = {}; // small nodes: deeper trees from fewer entries

    movable_key() { ++live; }
    explicit movable_key(int x) : v(x) { ++live; }
    movable_key(const movable_key& o) : v(o.v) {
        if (countdown >= 0 && countdown-- == 0) throw copy_failure();
        ++live;
    }
    movable_key(movable_key&& o) noexcept : v(o.v) { ++live; }
    movable_key& operator=(const movable_key& o) {
        if (countdown >= 0 && countdown-- == 0) throw copy_failure();
        v = o.v;
        return *this;
    }
    movable_key& operator=(movable_key&& o) noexcept {
        v = o.v;
        return *this;
    }
    ~movable_key() { --live; }
    [[maybe_unused]] friend bool operator==(const movable_key& a, const movable_key& b) { return a.v == b.v; }
    friend auto operator<=>(const movable_key& a, const movable_key& b) { return a.v <=> b.v; }
};

} // namespace immutable::test
