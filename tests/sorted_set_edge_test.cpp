// Edge cases for immutable::sorted_set: empty sets, errors, no-op changes, set algebra
// corner cases, structural sharing in the algebra (measured in allocations), which of two
// equivalent elements survives, order statistics, builders and leaks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"

// clang 14 cannot compile libstdc++ 12's range adaptors (a known incompatibility of
// the two), so the std::views pipelines are checked with the other compilers only.
#if defined(__clang__) && __clang_major__ < 15 && defined(__GLIBCXX__)
#define IMMUTABLE_TEST_VIEWS 0
#else
#define IMMUTABLE_TEST_VIEWS 1
#endif


namespace {

using immutable::test::counted_policy;
using set_t = immutable::sorted_set<int, std::less<int>, counted_policy>;

static_assert(std::ranges::bidirectional_range<set_t>);
static_assert(std::ranges::view<set_t::range_type>);
static_assert(std::is_default_constructible_v<set_t::builder>);

class sorted_set_edge : public ::testing::Test {
protected:
    void SetUp() override { live_ = counted_policy::live_nodes(); }
    void TearDown() override { EXPECT_EQ(counted_policy::live_nodes(), live_); }

private:
    std::int64_t live_ = 0;
};

set_t iota_set(int from, int to, int step = 1) {
    std::vector<int> v;
    for (int i = from; i < to; i += step) v.push_back(i);
    return set_t(v.begin(), v.end());
}

std::int64_t allocations_of(const std::function<void()>& f) {
    const auto before = counted_policy::stats().allocations;
    f();
    return counted_policy::stats().allocations - before;
}

TEST_F(sorted_set_edge, empty_set) {
    set_t s;
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.begin(), s.end());
    EXPECT_FALSE(s.contains(0));
    EXPECT_EQ(s.find(0), nullptr);
    EXPECT_THROW((void)s.front(), std::out_of_range);
    EXPECT_THROW((void)s.back(), std::out_of_range);
    EXPECT_THROW((void)s.nth(0), std::out_of_range);
    EXPECT_EQ(s.rank(3), 0u);
    EXPECT_TRUE((s | s).empty());
    EXPECT_TRUE((s & s).empty());
    EXPECT_TRUE((s - s).empty());
    EXPECT_EQ(s.identity(), nullptr);
}

TEST_F(sorted_set_edge, no_op_changes_allocate_nothing) {
    set_t s = iota_set(0, 5000);
    EXPECT_EQ(allocations_of([&] {
                  EXPECT_EQ(s.insert(10).identity(), s.identity());
                  EXPECT_EQ(s.erase(-10).identity(), s.identity());
              }),
              0);
}

TEST_F(sorted_set_edge, algebra_with_empty_and_identical_operands_shares) {
    set_t a = iota_set(0, 10000);
    set_t e;
    EXPECT_EQ(allocations_of([&] {
                  EXPECT_EQ((a | e).identity(), a.identity());
                  EXPECT_EQ((e | a).identity(), a.identity());
                  EXPECT_EQ((a | a).identity(), a.identity());
                  EXPECT_EQ((a & a).identity(), a.identity());
                  EXPECT_TRUE((a & e).empty());
                  EXPECT_TRUE((e & a).empty());
                  EXPECT_EQ((a - e).identity(), a.identity());
                  EXPECT_TRUE((e - a).empty());
                  EXPECT_TRUE((a - a).empty());
              }),
              0);
}

TEST_F(sorted_set_edge, algebra_between_close_versions_touches_only_their_differences) {
    set_t a = iota_set(0, 200000, 2);
    set_t b = a.insert(1001).erase(5000);
    const auto h = sorted_test::height_of(a);
    ASSERT_GE(h, 2u);
    set_t u, i, d1, d2;
    // Each result reuses every subtree outside the two changed paths: a handful of new
    // nodes per level, not a copy of 100,000 elements.
    const std::int64_t bound = 12 * (h + 1);
    EXPECT_LE(allocations_of([&] { u = a | b; }), bound);
    EXPECT_LE(allocations_of([&] { i = a & b; }), bound);
    EXPECT_LE(allocations_of([&] { d1 = a - b; }), bound);
    EXPECT_LE(allocations_of([&] { d2 = b - a; }), bound);
    EXPECT_EQ(u.size(), 100001u);
    EXPECT_TRUE(u.contains(1001) && u.contains(5000));
    EXPECT_EQ(i.size(), 99999u);
    EXPECT_FALSE(i.contains(1001) || i.contains(5000));
    EXPECT_EQ(std::vector<int>(d1.begin(), d1.end()), std::vector<int>{5000});
    EXPECT_EQ(std::vector<int>(d2.begin(), d2.end()), std::vector<int>{1001});
    for (const auto* s : {&u, &i, &d1, &d2}) EXPECT_EQ(sorted_test::invariants(*s), "");
}

TEST_F(sorted_set_edge, union_of_disjoint_ranges_joins_without_copying_elements) {
    set_t low = iota_set(0, 100000);
    set_t high = iota_set(100000, 150000);
    set_t u;
    const auto h = sorted_test::height_of(low);
    EXPECT_LE(allocations_of([&] { u = low | high; }), static_cast<std::int64_t>(4 * (h + 2)));
    EXPECT_EQ(u.size(), 150000u);
    EXPECT_EQ(sorted_test::invariants(u), "");
    EXPECT_EQ(u.nth(123456), 123456);
    set_t u2 = high | low;
    EXPECT_TRUE(u2 == u);
    EXPECT_TRUE((low & high).empty());
    EXPECT_EQ((low - high).identity(), low.identity());
}

TEST_F(sorted_set_edge, small_against_large) {
    set_t big = iota_set(0, 300000, 3);
    set_t small{-5, 3, 4, 299997, 299999, 1000000}; // 3 and 299997 are in big
    set_t u = big | small;
    EXPECT_EQ(u.size(), 100000u + 4u);
    EXPECT_EQ(std::vector<int>((big & small).begin(), (big & small).end()), (std::vector<int>{3, 299997}));
    EXPECT_EQ((small - big).size(), 4u);
    EXPECT_EQ((big - small).size(), 99998u);
    for (const auto& s : {u, big & small, small - big, big - small, small | big}) {
        EXPECT_EQ(sorted_test::invariants(s), "");
    }
}

// Elements that are equivalent by key but carry a tag, to see which one survives.
struct tagged {
    int key;
    char tag;
};
struct by_key {
    bool operator()(const tagged& a, const tagged& b) const { return a.key < b.key; }
};

TEST_F(sorted_set_edge, equivalent_elements_come_from_the_left_operand) {
    using tset = immutable::sorted_set<tagged, by_key, counted_policy>;
    std::vector<tagged> left_items, right_items;
    for (int i = 0; i < 2000; ++i) left_items.push_back({i * 2, 'L'});
    for (int i = 0; i < 2000; ++i) right_items.push_back({i * 3, 'R'});
    tset left(left_items.begin(), left_items.end());
    tset right(right_items.begin(), right_items.end());
    for (const auto& x : left | right) {
        if (x.key % 2 == 0 && x.key < 4000) {
            ASSERT_EQ(x.tag, 'L') << x.key;
        }
    }
    for (const auto& x : right | left) {
        if (x.key % 3 == 0 && x.key < 6000) {
            ASSERT_EQ(x.tag, 'R') << x.key;
        }
    }
    for (const auto& x : left & right) ASSERT_EQ(x.tag, 'L');
    for (const auto& x : right & left) ASSERT_EQ(x.tag, 'R');
    // A short right operand is the taller-tree case turned around.
    tset few{{6, 'R'}, {12, 'R'}};
    for (const auto& x : few & left) ASSERT_EQ(x.tag, 'R');
    for (const auto& x : left & few) ASSERT_EQ(x.tag, 'L');
}

TEST_F(sorted_set_edge, order_statistics_agree_with_iteration) {
    set_t s = iota_set(0, 50000, 7).erase(70).insert(71);
    std::size_t i = 0;
    for (int x : s) {
        ASSERT_EQ(s.nth(i), x);
        ASSERT_EQ(s.rank(x), i);
        ++i;
    }
    EXPECT_EQ(s.rank(72), s.rank(77));
    EXPECT_EQ(s.rank(-1), 0u);
}

TEST_F(sorted_set_edge, updates_of_an_unshared_rvalue_happen_in_place) {
    set_t s;
    for (int i = 0; i < 4000; ++i) s = std::move(s).insert(i);
    const auto before = counted_policy::stats().allocations;
    for (int i = 0; i < 4000; i += 2) s = std::move(s).erase(i); // merges free nodes, never copy
    for (int i = 1; i < 4000; i += 2) s = std::move(s).insert(i); // present: nothing to do
    EXPECT_EQ(counted_policy::stats().allocations - before, 0);
    EXPECT_EQ(s.size(), 2000u);

    const set_t kept = s;
    set_t changed = std::move(s).insert(0).erase(1);
    EXPECT_TRUE(changed.contains(0));
    EXPECT_FALSE(changed.contains(1));
    EXPECT_FALSE(kept.contains(0));
    EXPECT_TRUE(kept.contains(1));
    EXPECT_EQ(kept.size(), 2000u);
    EXPECT_EQ(kept.nth(0), 1);
    EXPECT_EQ(sorted_test::invariants(kept), "");
    EXPECT_EQ(sorted_test::invariants(changed), "");
}

TEST_F(sorted_set_edge, slice_of_an_rvalue_keeps_the_other_versions) {
    const set_t whole = iota_set(0, 3000);
    set_t copy = whole;
    const set_t middle = std::move(copy).slice(100, 2100);
    EXPECT_EQ(middle.size(), 2000u);
    EXPECT_EQ(middle.nth(0), 100);
    EXPECT_EQ(middle.nth(1999), 2099);
    EXPECT_EQ(whole.size(), 3000u);
    EXPECT_EQ(sorted_test::invariants(middle), "");
    EXPECT_EQ(sorted_test::invariants(whole), "");
    set_t alone = iota_set(0, 50);
    const set_t tail = std::move(alone).slice(40, 50);
    EXPECT_EQ(tail.size(), 10u);
    EXPECT_EQ(tail.nth(0), 40);
    EXPECT_THROW((void)set_t(whole).slice(8, 7), std::out_of_range);
}

TEST_F(sorted_set_edge, builder_and_ranges) {
    set_t::builder b;
    for (int i = 0; i < 1000; ++i) b.insert(i * 5 % 1001);
    b.erase(0).erase(5);
    EXPECT_EQ(b.size(), 998u);
    EXPECT_FALSE(b.contains(5));
    EXPECT_TRUE(b.contains(10));
    set_t s = b.build();
    b.insert(5);
    EXPECT_FALSE(s.contains(5));
    EXPECT_EQ(sorted_test::invariants(s), "");
    auto r = s.range(100, 110);
    EXPECT_EQ(std::vector<int>(r.begin(), r.end()), (std::vector<int>{100, 101, 102, 103, 104, 105, 106, 107, 108, 109}));
#if IMMUTABLE_TEST_VIEWS
    auto desc = s.range(100, 103) | std::views::reverse;
    EXPECT_EQ(std::vector<int>(desc.begin(), desc.end()), (std::vector<int>{102, 101, 100}));
#endif
    EXPECT_EQ(*s.equal_range(7).first, 7);
}

TEST_F(sorted_set_edge, comparisons_and_greater_order) {
    set_t a{1, 2, 3}, b{1, 2, 4}, c{3, 2, 1};
    EXPECT_TRUE(a == c);
    EXPECT_TRUE(a < b);
    EXPECT_EQ(a <=> b, std::strong_ordering::less);
    EXPECT_TRUE(set_t{} < a);
    immutable::sorted_set<std::string, std::greater<std::string>, counted_policy> words{"b", "a", "c"};
    EXPECT_EQ(words.front(), "c");
    EXPECT_EQ(words.nth(2), "a");
    auto more = words | decltype(words){"d", "a"};
    EXPECT_EQ(more.front(), "d");
    EXPECT_EQ(more.size(), 4u);
}

} // namespace
