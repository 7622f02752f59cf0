#pragma once
// Helpers shared by the sorted_map / sorted_set tests: key types that force tiny nodes
// (so a few hundred entries already make a tree four or five levels deep), conversions to
// the std model's int keys, and the invariant check.

#include <compare>
#include <cstdio>
#include <string>

#include <immutable/detail/btree/check.hpp>

namespace sorted_test {

// A key padded to 128 bytes: leaves hold 4 entries and inner nodes 8 children.
struct fat_key {
    int v = 0;
    char pad[124] = {};

    fat_key() = default;
    explicit fat_key(int x) : v(x) {}
    friend bool operator==(const fat_key& a, const fat_key& b) { return a.v == b.v; }
    friend auto operator<=>(const fat_key& a, const fat_key& b) { return a.v <=> b.v; }
};

// Key adaptors: make(int) builds a key whose order matches the int's (for ints >= 0).
template <class Key>
struct keys;

template <>
struct keys<int> {
    static int make(int v) { return v; }
    static int value(int k) { return k; }
};

template <>
struct keys<fat_key> {
    static fat_key make(int v) { return fat_key(v); }
    static int value(const fat_key& k) { return k.v; }
};

template <>
struct keys<std::string> {
    static std::string make(int v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "key-%09d", v);
        return buf;
    }
    static int value(const std::string& k) { return std::stoi(k.substr(4)); }
};

template <class C>
std::string invariants(const C& c, bool check_order = true) {
    return immutable::detail::btree::check_invariants(c, check_order);
}

template <class C>
unsigned height_of(const C& c) {
    return immutable::detail::btree::access::tree_of(c).height();
}

} // namespace sorted_test
