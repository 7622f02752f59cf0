// The API immutable::map shares with the other containers: policy_type, builders that are
// default-constructible, chain their changes and iterate over their current content, and
// values whose copy, move and in-place (&&) updates leave every other version as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>

#include <immutable/detail/champ/invariants.hpp>
#include <immutable/map.hpp>

#include "support/no_leaks_test.hpp"


namespace {

struct api_test_tag {};
using counting_policy = immutable::counted<immutable::heap_policy, api_test_tag>;
using immutable::detail::champ::check_invariants;

using int_map = immutable::map<int, int>;
using counted_map = immutable::map<int, int, std::hash<int>, std::equal_to<int>, counting_policy>;
using string_map = immutable::map<std::string, std::string, std::hash<std::string>,
                                  std::equal_to<std::string>, counting_policy>;

static_assert(std::is_same_v<int_map::policy_type, immutable::default_policy>);
static_assert(std::is_same_v<counted_map::policy_type, counting_policy>);

static_assert(std::is_nothrow_default_constructible_v<int_map::builder>);
static_assert(std::is_same_v<decltype(std::declval<int_map::builder&>().set(1, 2)), int_map::builder&>);
static_assert(std::is_same_v<decltype(std::declval<int_map::builder&>().insert(std::pair<int, int>(1, 2))),
                             int_map::builder&>);
static_assert(std::is_same_v<decltype(std::declval<int_map::builder&>().update(1, [](int v) { return v; })),
                             int_map::builder&>);
static_assert(std::is_same_v<decltype(std::declval<int_map::builder&>().erase(1)), int_map::builder&>);
static_assert(std::ranges::forward_range<const int_map::builder>);
static_assert(std::ranges::forward_range<const int_map>);
static_assert(std::is_nothrow_copy_constructible_v<int_map> && std::is_nothrow_move_constructible_v<int_map>);
static_assert(std::is_nothrow_copy_assignable_v<int_map> && std::is_nothrow_move_assignable_v<int_map>);

// Every node made is freed again by the end of each test.
class map_api : public immutable::test::no_leaks_test<counting_policy> {};

template <class Range>
std::map<int, int> content(const Range& r) {
    std::map<int, int> out;
    for (const auto& [k, v] : r) EXPECT_TRUE(out.emplace(k, v).second) << "key seen twice: " << k;
    return out;
}

std::map<int, int> squares(int n) {
    std::map<int, int> out;
    for (int i = 0; i < n; ++i) out.emplace(i, i * i);
    return out;
}

} // namespace

TEST_F(map_api, default_constructed_builder_is_empty_and_iterates_nothing) {
    counted_map::builder b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.begin(), b.end());
    EXPECT_TRUE(b.build().empty());
}

TEST_F(map_api, builder_update_of_an_absent_key_starts_from_a_default_value) {
    counted_map::builder b;
    b.set(1, 10).update(2, [](int v) { return v + 5; });
    EXPECT_EQ(content(b), (std::map<int, int>{{1, 10}, {2, 5}}));
    EXPECT_EQ(check_invariants(b), "");
}

TEST_F(map_api, builder_changes_chain) {
    counted_map::builder b;
    b.set(1, 10).set(2, 20).insert({3, 30}).update(1, [](int v) { return v + 1; }).erase(2);
    EXPECT_EQ(content(b), (std::map<int, int>{{1, 11}, {3, 30}}));
    EXPECT_EQ(check_invariants(b), "");
}

TEST_F(map_api, builder_iterates_over_its_current_content) {
    for (int n : {1, 2, 31, 33, 1000, 5000}) {
        counted_map::builder b;
        for (int i = 0; i < n; ++i) b.set(i, i * i);
        EXPECT_EQ(content(b), squares(n)) << n;
        EXPECT_EQ(static_cast<std::size_t>(std::distance(b.begin(), b.end())), b.size());
        // The same order as the map it builds: both walk the same trie.
        counted_map m = b.build();
        EXPECT_TRUE(std::equal(b.begin(), b.end(), m.begin(), m.end()));
    }
}

TEST_F(map_api, builder_from_a_map_iterates_over_the_map_then_over_its_own_changes) {
    counted_map m;
    for (int i = 0; i < 300; ++i) m = m.set(i, i * i);
    auto b = m.to_builder();
    EXPECT_EQ(content(b), squares(300));
    for (int i = 0; i < 300; i += 2) b.erase(i);
    b.set(1000, 1);
    auto expected = squares(300);
    for (int i = 0; i < 300; i += 2) expected.erase(i);
    expected.emplace(1000, 1);
    EXPECT_EQ(content(b), expected);
    EXPECT_EQ(content(m), squares(300)); // the map is untouched
    EXPECT_EQ(check_invariants(b), "");
}

TEST_F(map_api, builder_copies_and_assignment_keep_their_own_content) {
    counted_map::builder a;
    for (int i = 0; i < 100; ++i) a.set(i, i * i);
    counted_map::builder copy(a);
    copy.set(500, 5);
    a.erase(0);
    EXPECT_EQ(copy.size(), 101u);
    EXPECT_EQ(a.size(), 99u);
    counted_map::builder moved(std::move(copy));
    EXPECT_EQ(moved.size(), 101u);
    a = moved;
    EXPECT_EQ(content(a), content(moved));
    a.erase(500);
    EXPECT_TRUE(moved.contains(500));
    a = counted_map::builder();
    EXPECT_TRUE(a.empty());
}

TEST_F(map_api, copies_share_the_root_and_moves_hand_it_over) {
    counted_map m;
    for (int i = 0; i < 100; ++i) m = m.set(i, i);
    counted_map copy = m;
    EXPECT_EQ(copy.identity(), m.identity());
    counted_map moved = std::move(copy);
    EXPECT_EQ(moved.identity(), m.identity());
    EXPECT_TRUE(copy.empty()); // NOLINT(bugprone-use-after-move): a moved-from map is empty
    copy = moved;
    EXPECT_EQ(copy.identity(), m.identity());
    copy = counted_map();
    EXPECT_TRUE(copy.empty());
    const counted_map& same = moved;
    moved = same; // self-assignment keeps the content
    EXPECT_EQ(moved.identity(), m.identity());
    moved.swap(copy);
    EXPECT_TRUE(moved.empty());
    EXPECT_EQ(copy, m);
}

TEST_F(map_api, rvalue_updates_on_a_shared_map_leave_the_other_versions_as_they_were) {
    counted_map base;
    for (int i = 0; i < 2000; ++i) base = base.set(i, i);
    counted_map copy = base;
    counted_map changed = std::move(copy).set(5000, 1).erase(3).update(4, [](int v) { return v + 100; });
    EXPECT_EQ(base.size(), 2000u);
    EXPECT_EQ(*base.find(4), 4);
    EXPECT_TRUE(base.contains(3));
    EXPECT_FALSE(base.contains(5000));
    EXPECT_EQ(changed.size(), 2000u);
    EXPECT_EQ(*changed.find(4), 104);
    EXPECT_EQ(check_invariants(base), "");
    EXPECT_EQ(check_invariants(changed), "");
}

TEST_F(map_api, rvalue_updates_on_an_unshared_map_change_it_in_place) {
    counted_map m;
    for (int i = 0; i < 2000; ++i) m = std::move(m).set(i, i);
    const void* root = m.identity();
    std::int64_t before = counting_policy::stats().allocations;
    m = std::move(m).set(7, 70); // replaces a value: no node to reallocate
    EXPECT_EQ(counting_policy::stats().allocations, before);
    EXPECT_EQ(m.identity(), root);
    m = std::move(m).insert({8, 80});
    m = std::move(m).erase(9);
    EXPECT_EQ(*m.find(7), 70);
    EXPECT_EQ(*m.find(8), 80);
    EXPECT_FALSE(m.contains(9));
    EXPECT_EQ(m.size(), 1999u);
    EXPECT_EQ(check_invariants(m), "");
    while (!m.empty()) m = std::move(m).erase(m.begin()->first);
    EXPECT_EQ(m.identity(), nullptr);
}

TEST_F(map_api, persistent_and_in_place_updates_agree) {
    string_map persistent;
    string_map in_place;
    string_map::builder b;
    for (int i = 0; i < 3000; ++i) {
        std::string k = std::to_string(i * 7919 % 3001);
        std::string v(static_cast<std::size_t>(i % 40), 'v');
        if (i % 5 == 4) {
            persistent = persistent.erase(k);
            in_place = std::move(in_place).erase(k);
            b.erase(k);
        } else {
            persistent = persistent.set(k, v);
            in_place = std::move(in_place).set(k, v);
            b.set(k, v);
        }
    }
    EXPECT_EQ(persistent, in_place);
    EXPECT_EQ(persistent, b.build());
    EXPECT_EQ(check_invariants(in_place), "");
}
