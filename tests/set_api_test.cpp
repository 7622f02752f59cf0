// The API immutable::set shares with the other containers: policy_type, builders that are
// default-constructible, chain their changes and iterate over their current content, and
// values whose copy, move, in-place (&&) updates and set algebra leave every other
// version as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <ranges>
#include <set>
#include <type_traits>
#include <utility>

#include <immutable/detail/champ/invariants.hpp>
#include <immutable/set.hpp>

#include "support/no_leaks_test.hpp"


namespace {

struct api_test_tag {};
using counting_policy = immutable::counted<immutable::heap_policy, api_test_tag>;
using immutable::detail::champ::check_invariants;

using int_set = immutable::set<int>;
using counted_set = immutable::set<int, std::hash<int>, std::equal_to<int>, counting_policy>;

static_assert(std::is_same_v<int_set::policy_type, immutable::default_policy>);
static_assert(std::is_same_v<counted_set::policy_type, counting_policy>);

static_assert(std::is_nothrow_default_constructible_v<int_set::builder>);
static_assert(std::is_same_v<decltype(std::declval<int_set::builder&>().insert(1)), int_set::builder&>);
static_assert(std::is_same_v<decltype(std::declval<int_set::builder&>().erase(1)), int_set::builder&>);
static_assert(std::ranges::forward_range<const int_set::builder>);
static_assert(std::ranges::forward_range<const int_set>);
static_assert(std::is_nothrow_copy_constructible_v<int_set> && std::is_nothrow_move_constructible_v<int_set>);
static_assert(std::is_nothrow_copy_assignable_v<int_set> && std::is_nothrow_move_assignable_v<int_set>);

// Every node made is freed again by the end of each test.
class set_api : public immutable::test::no_leaks_test<counting_policy> {};

template <class Range>
std::set<int> content(const Range& r) {
    std::set<int> out;
    for (int v : r) EXPECT_TRUE(out.insert(v).second) << "element seen twice: " << v;
    return out;
}

std::set<int> range(int first, int last, int step = 1) {
    std::set<int> out;
    for (int i = first; i < last; i += step) out.insert(i);
    return out;
}

counted_set make(int first, int last, int step = 1) {
    counted_set::builder b;
    for (int i = first; i < last; i += step) b.insert(i);
    return b.build();
}

} // namespace

TEST_F(set_api, default_constructed_builder_is_empty_and_iterates_nothing) {
    counted_set::builder b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.begin(), b.end());
    EXPECT_TRUE(b.build().empty());
}

TEST_F(set_api, builder_changes_chain) {
    counted_set::builder b;
    b.insert(1).insert(2).insert(3).erase(2).insert(1);
    EXPECT_EQ(content(b), (std::set<int>{1, 3}));
    EXPECT_EQ(check_invariants(b), "");
}

TEST_F(set_api, builder_iterates_over_its_current_content) {
    for (int n : {1, 2, 31, 33, 1000, 5000}) {
        counted_set::builder b;
        for (int i = 0; i < n; ++i) b.insert(i);
        EXPECT_EQ(content(b), range(0, n)) << n;
        EXPECT_EQ(static_cast<std::size_t>(std::distance(b.begin(), b.end())), b.size());
        counted_set s = b.build();
        EXPECT_TRUE(std::equal(b.begin(), b.end(), s.begin(), s.end()));
        for (int i = 0; i < n; i += 3) b.erase(i);
        EXPECT_EQ(content(b), content(s - make(0, n, 3))) << n;
        EXPECT_EQ(content(s), range(0, n)) << n; // the built set is untouched
    }
}

TEST_F(set_api, builder_copies_keep_their_own_content) {
    counted_set::builder a;
    for (int i = 0; i < 100; ++i) a.insert(i);
    counted_set::builder copy(a);
    copy.insert(500);
    a.erase(0);
    EXPECT_EQ(content(copy), content(make(0, 100) | make(500, 501)));
    EXPECT_EQ(content(a), range(1, 100));
    a = std::move(copy);
    EXPECT_EQ(a.size(), 101u);
}

TEST_F(set_api, copies_share_the_root_and_moves_hand_it_over) {
    counted_set s = make(0, 100);
    counted_set copy = s;
    EXPECT_EQ(copy.identity(), s.identity());
    counted_set moved = std::move(copy);
    EXPECT_EQ(moved.identity(), s.identity());
    EXPECT_TRUE(copy.empty()); // NOLINT(bugprone-use-after-move): a moved-from set is empty
    moved.swap(copy);
    EXPECT_TRUE(moved.empty());
    EXPECT_EQ(copy, s);
}

TEST_F(set_api, rvalue_updates_on_a_shared_set_leave_the_other_versions_as_they_were) {
    counted_set base = make(0, 2000);
    counted_set copy = base;
    counted_set changed = std::move(copy).insert(5000).erase(3);
    EXPECT_EQ(content(base), range(0, 2000));
    EXPECT_TRUE(changed.contains(5000));
    EXPECT_FALSE(changed.contains(3));
    EXPECT_EQ(changed.size(), 2000u);
    EXPECT_EQ(check_invariants(base), "");
    EXPECT_EQ(check_invariants(changed), "");
}

TEST_F(set_api, rvalue_updates_agree_with_persistent_ones) {
    counted_set persistent;
    counted_set in_place;
    for (int i = 0; i < 4000; ++i) {
        int v = i * 7919 % 3001;
        if (i % 4 == 3) {
            persistent = persistent.erase(v);
            in_place = std::move(in_place).erase(v);
        } else {
            persistent = persistent.insert(v);
            in_place = std::move(in_place).insert(v);
        }
    }
    EXPECT_EQ(persistent, in_place);
    EXPECT_EQ(check_invariants(in_place), "");
}

TEST_F(set_api, algebra_results_are_new_versions_and_leave_the_operands_as_they_were) {
    counted_set a = make(0, 3000, 2);
    counted_set b = make(0, 3000, 3);
    counted_set u = a | b, i = a & b, d = a - b;
    std::set<int> ea = range(0, 3000, 2), eb = range(0, 3000, 3);
    std::set<int> eu = ea, ei, ed;
    eu.insert(eb.begin(), eb.end());
    for (int v : ea) (eb.count(v) ? ei : ed).insert(v);
    EXPECT_EQ(content(u), eu);
    EXPECT_EQ(content(i), ei);
    EXPECT_EQ(content(d), ed);
    EXPECT_EQ(content(a), ea);
    EXPECT_EQ(content(b), eb);
    EXPECT_EQ((a | counted_set()).identity(), a.identity());
    EXPECT_EQ((counted_set() | b).identity(), b.identity());
    EXPECT_TRUE((a & counted_set()).empty());
    EXPECT_EQ((a - counted_set()).identity(), a.identity());
    EXPECT_EQ((a | a).identity(), a.identity());
    EXPECT_TRUE((a - a).empty());
    counted_set c = a;
    c |= b;
    c -= b;
    c &= a;
    EXPECT_EQ(content(c), ed);
}
