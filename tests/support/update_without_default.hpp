#pragma once
// Shared by the map and sorted_map edge tests: update(k, f) with a mapped type that has no
// default value works on present keys, and a missing key throws std::out_of_range (there is
// no V{} to start from) and changes nothing, in the persistent, rvalue and builder forms.

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>

namespace immutable::test {

struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
};

// M maps int to no_default.
template <class M>
void check_update_without_a_default_value() {
    const M m = M().set(1, no_default(10));
    auto add_one = [](const no_default& v) { return no_default(v.value + 1); };
    EXPECT_EQ(m.update(1, add_one).at(1).value, 11);
    EXPECT_THROW((void)m.update(2, add_one), std::out_of_range);
    M owned = m;
    EXPECT_THROW((void)std::move(owned).update(2, add_one), std::out_of_range);
    EXPECT_EQ(owned.at(1).value, 10); // NOLINT(bugprone-use-after-move): a throw keeps the contents
    auto b = m.to_builder();
    EXPECT_THROW(b.update(2, add_one), std::out_of_range);
    EXPECT_EQ(b.size(), 1u);
    EXPECT_EQ(m.size(), 1u);
    EXPECT_EQ(m.at(1).value, 10);
}

} // namespace immutable::test
