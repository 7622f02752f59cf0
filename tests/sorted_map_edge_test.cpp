// Edge cases for immutable::sorted_map: empty maps, errors and their messages, no-op
// changes that must share the root and allocate nothing, bulk loading, iterator and range
// behaviour, comparisons, custom and stateful comparators, builders, and node leaks.
#include <gtest/gtest.h>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <ranges>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"
#include "support/update_without_default.hpp"

// clang 14 cannot compile libstdc++ 12's range adaptors (a known incompatibility of
// the two), so the std::views pipelines are checked with the other compilers only.
#if defined(__clang__) && __clang_major__ < 15 && defined(__GLIBCXX__)
#define IMMUTABLE_TEST_VIEWS 0
#else
#define IMMUTABLE_TEST_VIEWS 1
#endif


namespace {

using immutable::test::counted_policy;
using counted_map = immutable::sorted_map<int, int, std::less<int>, counted_policy>;
using int_map = immutable::sorted_map<int, int>;

static_assert(std::bidirectional_iterator<int_map::iterator>);
static_assert(std::ranges::bidirectional_range<int_map>);
static_assert(std::ranges::view<int_map::range_type>);
static_assert(std::ranges::bidirectional_range<int_map::range_type>);
static_assert(std::is_same_v<std::iter_reference_t<int_map::iterator>, const std::pair<int, int>&>);
static_assert(std::is_default_constructible_v<int_map::builder>);

// Every test in this file must leave no node behind.
class sorted_map_edge : public ::testing::Test {
protected:
    void SetUp() override { live_ = counted_policy::live_nodes(); }
    void TearDown() override { EXPECT_EQ(counted_policy::live_nodes(), live_); }

private:
    std::int64_t live_ = 0;
};

counted_map make_counted(int n, int step = 1) {
    auto b = counted_map().to_builder();
    for (int i = 0; i < n; ++i) b.set(i * step, i);
    return b.build();
}

TEST_F(sorted_map_edge, empty_map_answers_everything_and_allocates_nothing) {
    const auto allocs = counted_policy::stats().allocations;
    counted_map m;
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.size(), 0u);
    EXPECT_EQ(m.begin(), m.end());
    EXPECT_EQ(m.rbegin(), m.rend());
    EXPECT_EQ(m.find(1), nullptr);
    EXPECT_FALSE(m.contains(1));
    EXPECT_EQ(m.count(1), 0u);
    EXPECT_EQ(m.lower_bound(1), m.end());
    EXPECT_EQ(m.upper_bound(1), m.end());
    EXPECT_EQ(m.rank(5), 0u);
    EXPECT_TRUE(m.range(0, 10).empty());
    EXPECT_EQ(m.identity(), nullptr);
    EXPECT_EQ(m.erase(3).identity(), nullptr);
    EXPECT_THROW((void)m.front(), std::out_of_range);
    EXPECT_THROW((void)m.back(), std::out_of_range);
    EXPECT_THROW((void)m.at(1), std::out_of_range);
    counted_map::builder b;
    EXPECT_EQ(b.size(), 0u);
    EXPECT_TRUE(b.build().empty());
    EXPECT_EQ(counted_policy::stats().allocations, allocs);
}

// The smallest non-empty map is one leaf: built with one allocation, emptied with none.
TEST_F(sorted_map_edge, one_entry_map_is_one_leaf_and_erasing_it_allocates_nothing) {
    const auto allocs = counted_policy::stats().allocations;
    const counted_map one = counted_map().set(7, 70);
    EXPECT_EQ(counted_policy::stats().allocations - allocs, 1);
    EXPECT_EQ(sorted_test::height_of(one), 0u);
    EXPECT_EQ(one.size(), 1u);
    ASSERT_NE(one.find(7), nullptr);
    EXPECT_EQ(*one.find(7), 70);
    EXPECT_EQ(one.find(6), nullptr);
    EXPECT_EQ(one.find(8), nullptr);
    EXPECT_EQ(one.lower_bound(8), one.end());
    EXPECT_EQ(one.lower_bound(6)->first, 7);
    EXPECT_EQ(one.erase(6).identity(), one.identity());
    const counted_map none = one.erase(7);
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(none.identity(), nullptr);
    EXPECT_EQ(counted_policy::stats().allocations - allocs, 1);
    EXPECT_EQ(one.at(7), 70);
}

TEST_F(sorted_map_edge, nth_out_of_range_names_index_and_size) {
    counted_map m = make_counted(5);
    try {
        (void)m.nth(7);
        FAIL() << "nth(7) did not throw";
    } catch (const std::out_of_range& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("7"), std::string::npos) << what;
        EXPECT_NE(what.find("5"), std::string::npos) << what;
        EXPECT_NE(what.find("nth"), std::string::npos) << what;
    }
    EXPECT_EQ(m.nth(4).first, 4);
}

TEST_F(sorted_map_edge, at_throws_for_a_missing_key) {
    counted_map m = make_counted(10);
    EXPECT_EQ(m.at(3), 3);
    EXPECT_THROW((void)m.at(42), std::out_of_range);
}

TEST_F(sorted_map_edge, no_op_changes_share_the_root_and_allocate_nothing) {
    counted_map m = make_counted(5000);
    const auto allocs = counted_policy::stats().allocations;
    EXPECT_EQ(m.erase(-1).identity(), m.identity());
    EXPECT_EQ(m.erase(5000).identity(), m.identity());
    EXPECT_EQ(m.set(10, 10).identity(), m.identity());
    EXPECT_EQ(m.insert({20, 20}).identity(), m.identity());
    EXPECT_EQ(m.update(30, [](int v) { return v; }).identity(), m.identity());
    EXPECT_EQ(counted_policy::stats().allocations, allocs);
    // A real change copies one path only.
    counted_map changed = m.set(10, 11);
    EXPECT_NE(changed.identity(), m.identity());
    EXPECT_EQ(counted_policy::stats().allocations - allocs,
              static_cast<std::int64_t>(sorted_test::height_of(m) + 1));
    EXPECT_EQ(m.at(10), 10);
    EXPECT_EQ(changed.at(10), 11);
}

struct no_equality {
    int v = 0;
};

TEST_F(sorted_map_edge, values_without_equality_always_make_a_new_version) {
    immutable::sorted_map<int, no_equality, std::less<int>, counted_policy> m;
    m = m.set(1, {1});
    auto m2 = m.set(1, {1});
    EXPECT_NE(m2.identity(), m.identity());
    EXPECT_EQ(m2.find(1)->v, 1);
}

TEST_F(sorted_map_edge, update_of_a_missing_key_starts_from_a_value_initialised_value) {
    immutable::sorted_map<int, std::string, std::less<int>, counted_policy> m;
    auto m2 = m.update(4, [](const std::string& s) { return s + "x"; });
    EXPECT_EQ(m2.at(4), "x");
    auto m3 = m2.update(4, [](const std::string& s) { return s + "y"; });
    EXPECT_EQ(m3.at(4), "xy");
    EXPECT_EQ(m2.at(4), "x");
}

TEST_F(sorted_map_edge, update_without_a_default_value_throws_only_for_a_missing_key) {
    using M = immutable::sorted_map<int, immutable::test::no_default, std::less<int>, counted_policy>;
    immutable::test::check_update_without_a_default_value<M>();
}

struct counting_less {
    std::int64_t* calls;
    bool operator()(int a, int b) const {
        ++*calls;
        return a < b;
    }
};

TEST_F(sorted_map_edge, sorted_input_is_bulk_loaded_in_linear_time_with_full_leaves) {
    std::vector<std::pair<int, int>> sorted;
    for (int i = 0; i < 100000; ++i) sorted.emplace_back(i, -i);
    std::int64_t calls = 0;
    const auto nodes_before = counted_policy::live_nodes();
    immutable::sorted_map<int, int, counting_less, counted_policy> m(sorted.begin(), sorted.end(),
                                                                       counting_less{&calls});
    EXPECT_LE(calls, 3 * 100000); // a sortedness pass and a duplicate pass, no searching
    EXPECT_EQ(sorted_test::invariants(m), "");
    ASSERT_EQ(m.size(), 100000u);
    EXPECT_TRUE(std::equal(m.begin(), m.end(), sorted.begin(), sorted.end()));
    // Leaves are packed: the node count is close to n / leaf capacity.
    const auto nodes = counted_policy::live_nodes() - nodes_before;
    const std::size_t leaf_cap = immutable::detail::btree::leaf_capacity_for(sizeof(std::pair<int, int>));
    EXPECT_LE(static_cast<std::size_t>(nodes), 100000 / leaf_cap * 11 / 10 + 10);

    // Unsorted input falls back to inserting one by one: still right.
    std::vector<std::pair<int, int>> shuffled = sorted;
    std::reverse(shuffled.begin(), shuffled.end());
    std::swap(shuffled[10], shuffled[5000]);
    calls = 0;
    immutable::sorted_map<int, int, counting_less, counted_policy> r(shuffled.begin(), shuffled.end(),
                                                                       counting_less{&calls});
    EXPECT_GT(calls, 3 * 100000);
    EXPECT_EQ(sorted_test::invariants(r), "");
    EXPECT_TRUE(std::equal(r.begin(), r.end(), sorted.begin(), sorted.end()));
}

TEST_F(sorted_map_edge, equivalent_keys_in_input_keep_the_last_value) {
    counted_map sorted_dups{{1, 1}, {2, 2}, {2, 3}, {2, 4}, {5, 5}};
    EXPECT_EQ(sorted_dups.size(), 3u);
    EXPECT_EQ(sorted_dups.at(2), 4);
    counted_map unsorted_dups{{5, 5}, {2, 2}, {1, 1}, {2, 9}};
    EXPECT_EQ(unsorted_dups.size(), 3u);
    EXPECT_EQ(unsorted_dups.at(2), 9);
    EXPECT_EQ(sorted_test::invariants(unsorted_dups), "");
}

TEST_F(sorted_map_edge, builds_from_other_ranges) {
    std::map<std::string, int> source{{"b", 2}, {"a", 1}, {"c", 3}};
    immutable::sorted_map<std::string, int, std::less<std::string>, counted_policy> from_std(source.begin(),
                                                                                             source.end());
    EXPECT_EQ(from_std.size(), 3u);
    EXPECT_EQ(from_std.nth(0).first, "a");
    // Elements that need converting (const char* keys).
    std::vector<std::pair<const char*, int>> raw{{"z", 26}, {"y", 25}};
    immutable::sorted_map<std::string, int, std::less<std::string>, counted_policy> converted(raw.begin(), raw.end());
    EXPECT_EQ(converted.front().first, "y");
#if IMMUTABLE_TEST_VIEWS
    // Single-pass input.
    std::istringstream in("3 1 2");
    auto keys = std::views::istream<int>(in) | std::views::transform([](int k) { return std::pair<int, int>(k, k * k); });
    counted_map from_input(keys.begin(), keys.end());
    EXPECT_EQ(from_input.size(), 3u);
    EXPECT_EQ(from_input.at(3), 9);
#endif
}

TEST_F(sorted_map_edge, iterators_walk_both_ways_across_leaves) {
    counted_map m = make_counted(3000, 2);
    auto it = m.begin();
    for (int i = 0; i < 3000; ++i, ++it) ASSERT_EQ(it->first, 2 * i);
    EXPECT_EQ(it, m.end());
    for (int i = 2999; i >= 0; --i) {
        --it;
        ASSERT_EQ((*it).first, 2 * i);
    }
    EXPECT_EQ(it, m.begin());
    auto last = std::prev(m.end());
    EXPECT_EQ(last->first, 5998);
    auto post = it++;
    EXPECT_EQ(post->first, 0);
    EXPECT_EQ(it->first, 2);
    EXPECT_EQ(it--, std::next(m.begin()));
    EXPECT_EQ(int_map::iterator(), int_map::iterator());
    std::vector<int> reversed;
    for (auto r = m.rbegin(); r != m.rend(); ++r) reversed.push_back(r->first);
    ASSERT_EQ(reversed.size(), 3000u);
    EXPECT_EQ(reversed.front(), 5998);
    EXPECT_EQ(reversed.back(), 0);
    EXPECT_EQ(std::distance(m.begin(), m.end()), 3000);
}

// Iterators keep a rank, not a path: a tree three inner levels deep makes ++ and -- cross
// parent boundaries (where the next leaf is found again from the root) many times, and
// iterators from lower_bound must step both ways from wherever they land.
TEST_F(sorted_map_edge, iterators_cross_parent_boundaries_in_a_deep_tree) {
    int_map::builder b;
    const int n = 200000;
    for (int i = 0; i < n; ++i) b.set(3 * i, i);
    const int_map m = b.build();
    int expected = 0;
    for (auto it = m.begin(); it != m.end(); ++it, ++expected) ASSERT_EQ(it->first, 3 * expected);
    EXPECT_EQ(expected, n);
    for (auto it = m.end(); it != m.begin();) {
        --it;
        --expected;
        ASSERT_EQ(it->first, 3 * expected);
    }
    EXPECT_EQ(expected, 0);
    for (int probe = 1; probe < 3 * n; probe += 29989) {
        const auto at = m.lower_bound(probe);
        const int first = (probe + 2) / 3;
        ASSERT_EQ(at->first, 3 * first);
        auto back = at;
        for (int k = 1; k <= 500 && first - k >= 0; ++k) ASSERT_EQ((--back)->first, 3 * (first - k));
        auto fwd = at;
        for (int k = 1; k <= 500 && first + k < n; ++k) ASSERT_EQ((++fwd)->first, 3 * (first + k));
        EXPECT_EQ(std::distance(m.begin(), at), first);
        EXPECT_EQ(std::distance(at, m.end()), n - first);
    }
    EXPECT_EQ(m.lower_bound(3 * n), m.end());
    EXPECT_EQ(std::prev(m.lower_bound(3 * n))->first, 3 * (n - 1));
    EXPECT_EQ(std::ranges::distance(m.range(3 * 1000, 3 * 150000)), 149000);
    EXPECT_TRUE(m.range(3 * 150000, 3 * 1000).empty());
}

TEST_F(sorted_map_edge, bounds_and_ranges) {
    counted_map m = make_counted(1000, 10); // keys 0, 10, ..., 9990
    EXPECT_EQ(m.lower_bound(15)->first, 20);
    EXPECT_EQ(m.lower_bound(20)->first, 20);
    EXPECT_EQ(m.upper_bound(20)->first, 30);
    EXPECT_EQ(m.lower_bound(9991), m.end());
    EXPECT_EQ(m.lower_bound(-5), m.begin());
    auto [lo, hi] = m.equal_range(40);
    EXPECT_EQ(std::distance(lo, hi), 1);
    EXPECT_EQ(std::distance(m.equal_range(41).first, m.equal_range(41).second), 0);

    auto r = m.range(100, 200);
    std::vector<int> got;
    for (const auto& [k, v] : r) got.push_back(k);
    EXPECT_EQ(got, (std::vector<int>{100, 110, 120, 130, 140, 150, 160, 170, 180, 190}));
    EXPECT_EQ(std::ranges::distance(r), 10);
    EXPECT_EQ(std::ranges::count_if(m.range(0, 10000), [](const auto& e) { return e.first % 100 == 0; }), 100);
#if IMMUTABLE_TEST_VIEWS
    auto rev = m.range(100, 130) | std::views::reverse;
    EXPECT_EQ((*rev.begin()).first, 120);
#endif
    EXPECT_TRUE(m.range(200, 100).empty());
    EXPECT_TRUE(m.range(105, 109).empty());
    EXPECT_EQ(std::ranges::distance(m.range(-100, 100000)), 1000);
    EXPECT_EQ(m.rank(105), 11u);
    EXPECT_EQ(m.rank(-1), 0u);
    EXPECT_EQ(m.rank(100000), 1000u);
    EXPECT_EQ(m.front().first, 0);
    EXPECT_EQ(m.back().first, 9990);
}

TEST_F(sorted_map_edge, comparisons_are_by_content) {
    counted_map a = make_counted(500);
    counted_map b;
    for (int i = 499; i >= 0; --i) b = b.set(i, i); // a different tree shape
    EXPECT_NE(a.identity(), b.identity());
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a != b);
    EXPECT_EQ(a <=> b, std::strong_ordering::equal);
    counted_map c = b.set(250, 0);
    EXPECT_TRUE(a != c);
    EXPECT_TRUE(c < a);
    EXPECT_TRUE(a.erase(499) < a);
    EXPECT_FALSE(a > a.erase(0).set(1000, 0));
    EXPECT_TRUE(counted_map{} < a);
}

// Keys and values with only < and == (no <=>) still order maps, as std::map's <=> does:
// entry by entry, key first, then value, as a weak ordering.
struct only_less {
    int v;
    friend bool operator<(const only_less& a, const only_less& b) { return a.v < b.v; }
    friend bool operator==(const only_less& a, const only_less& b) { return a.v == b.v; }
};

TEST_F(sorted_map_edge, comparisons_use_less_when_there_is_no_three_way_comparison) {
    using M = immutable::sorted_map<only_less, only_less, std::less<only_less>, counted_policy>;
    static_assert(!std::three_way_comparable<only_less>);
    const M a{{only_less{1}, only_less{10}}, {only_less{2}, only_less{20}}};
    const M smaller_value = a.set(only_less{2}, only_less{19});
    const M larger_key = a.erase(only_less{2}).set(only_less{3}, only_less{0});
    static_assert(std::is_same_v<decltype(a <=> a), std::weak_ordering>);
    EXPECT_EQ(a <=> a, std::weak_ordering::equivalent);
    EXPECT_TRUE(smaller_value < a);
    EXPECT_TRUE(a < larger_key);
    EXPECT_TRUE(a.erase(only_less{2}) < a); // a prefix orders first
    EXPECT_TRUE(M{} < a);
    EXPECT_EQ(std::is_lt(a <=> smaller_value), std::is_gt(smaller_value <=> a));

    using S = immutable::sorted_set<only_less>;
    const S s{only_less{1}, only_less{3}};
    EXPECT_TRUE(s < s.erase(only_less{3}).insert(only_less{4}));
    EXPECT_TRUE(s.insert(only_less{2}) < s);
    EXPECT_EQ(s <=> s, std::weak_ordering::equivalent);
}

struct modulo_less {
    int mod = 10;
    bool operator()(int a, int b) const { return a % mod < b % mod; }
};

TEST_F(sorted_map_edge, custom_and_stateful_comparators) {
    immutable::sorted_map<int, int, std::greater<int>, counted_policy> desc{{1, 1}, {3, 3}, {2, 2}};
    EXPECT_EQ(desc.front().first, 3);
    EXPECT_EQ(desc.nth(2).first, 1);
    EXPECT_EQ(desc.rank(2), 1u);
    EXPECT_EQ(desc.lower_bound(2)->first, 2);

    immutable::sorted_map<int, int, modulo_less, counted_policy> mod(modulo_less{7});
    for (int i = 0; i < 20; ++i) mod = mod.set(i, i);
    EXPECT_EQ(mod.size(), 7u); // keys equivalent modulo 7
    EXPECT_EQ(mod.key_comp().mod, 7);
    EXPECT_EQ(mod.at(3), 17); // the last value set for class 3 (3, 10, 17)
    auto b = mod.to_builder();
    b.set(100, 1); // 100 % 7 == 2
    EXPECT_EQ(b.build().at(2), 1);
    EXPECT_EQ(b.build().key_comp().mod, 7);
}

TEST_F(sorted_map_edge, updates_of_an_unshared_rvalue_happen_in_place) {
    counted_map m;
    for (int i = 0; i < 5000; ++i) m = std::move(m).set(2 * i, i);
    EXPECT_EQ(m.size(), 5000u);
    // A builder's cost: new nodes only where one splits, not a path per insert.
    auto before = counted_policy::stats().allocations;
    for (int i = 5000; i < 6000; ++i) m = std::move(m).set(2 * i, i);
    EXPECT_LE(counted_policy::stats().allocations - before, 1000 / 8);
    before = counted_policy::stats().allocations;
    for (int i = 0; i < 1000; ++i) m = std::move(m).update(2 * i, [](int v) { return v + 1; });
    for (int i = 1000; i < 1500; ++i) m = std::move(m).insert({2 * i, -i});
    EXPECT_EQ(counted_policy::stats().allocations - before, 0);

    // Another version shares the nodes: they are copied, and it never changes.
    const counted_map kept = m;
    counted_map changed = std::move(m).set(1, -1).erase(2).update(4, [](int v) { return v * 10; });
    EXPECT_EQ(kept.size(), 6000u);
    EXPECT_EQ(kept.at(2), 2);
    EXPECT_EQ(kept.at(4), 3);
    EXPECT_FALSE(kept.contains(1));
    EXPECT_EQ(changed.at(1), -1);
    EXPECT_FALSE(changed.contains(2));
    EXPECT_EQ(changed.at(4), 30);
    std::map<int, int> model;
    for (int i = 0; i < 6000; ++i) model[2 * i] = i < 1000 ? i + 1 : (i < 1500 ? -i : i);
    std::vector<std::pair<int, int>> got(kept.begin(), kept.end());
    const std::vector<std::pair<int, int>> want(model.begin(), model.end());
    EXPECT_EQ(got, want);

    // Erasing through rvalues down to nothing, merges included.
    counted_map shrinking = changed;
    for (int i = 0; i < 12000; ++i) shrinking = std::move(shrinking).erase(i);
    EXPECT_TRUE(shrinking.empty());
    EXPECT_EQ(changed.size(), 6000u);
    EXPECT_EQ(sorted_test::invariants(changed), "");
}

TEST_F(sorted_map_edge, builder_batches_without_touching_built_maps) {
    counted_map m = make_counted(2000);
    auto b = m.to_builder();
    for (int i = 0; i < 2000; i += 2) b.erase(i);
    for (int i = 2000; i < 3000; ++i) b.set(i, i);
    EXPECT_EQ(b.size(), 2000u);
    EXPECT_TRUE(b.contains(2999));
    EXPECT_EQ(*b.find(1), 1);
    EXPECT_EQ(b.find(0), nullptr);
    counted_map first = b.build();
    b.set(1, 100).erase(3);
    b.update(5, [](int v) { return v * 2; });
    counted_map second = b.build();
    EXPECT_EQ(first.at(1), 1);
    EXPECT_TRUE(first.contains(3));
    EXPECT_EQ(second.at(1), 100);
    EXPECT_FALSE(second.contains(3));
    EXPECT_EQ(second.at(5), 10);
    EXPECT_EQ(m.size(), 2000u);
    EXPECT_TRUE(m.contains(0));
    for (const auto* x : {&m, &first, &second}) EXPECT_EQ(sorted_test::invariants(*x), "");
    // build() is O(1): it shares the builder's root.
    EXPECT_EQ(b.build().identity(), second.identity());
}

TEST_F(sorted_map_edge, ascending_and_descending_histories_stay_valid) {
    counted_map up, down;
    for (int i = 0; i < 5000; ++i) {
        up = up.set(i, i);
        down = down.set(-i, i);
    }
    EXPECT_EQ(sorted_test::invariants(up), "");
    EXPECT_EQ(sorted_test::invariants(down), "");
    EXPECT_EQ(up.nth(4321).first, 4321);
    EXPECT_EQ(down.nth(0).first, -4999);
    for (int i = 0; i < 5000; i += 3) up = up.erase(i);
    EXPECT_EQ(sorted_test::invariants(up), "");
    EXPECT_EQ(up.size(), 3333u);
    while (!up.empty()) up = up.erase(up.front().first);
    EXPECT_EQ(up.identity(), nullptr);
}

TEST_F(sorted_map_edge, string_keys_and_values) {
    immutable::sorted_map<std::string, std::string, std::less<std::string>, counted_policy> m;
    for (int i = 0; i < 500; ++i) m = m.set(sorted_test::keys<std::string>::make(i), std::to_string(i));
    EXPECT_EQ(sorted_test::invariants(m), "");
    EXPECT_EQ(m.at("key-000000042"), "42");
    EXPECT_EQ(m.rank("key-000000100"), 100u);
    auto b = m.to_builder();
    for (int i = 0; i < 500; i += 2) b.erase(sorted_test::keys<std::string>::make(i));
    EXPECT_EQ(b.build().size(), 250u);
    EXPECT_EQ(sorted_test::invariants(b.build()), "");
}

TEST(sorted_map_policies, single_thread_policy_works) {
    immutable::sorted_map<int, int, std::less<int>, immutable::single_thread_heap_policy> m{{1, 2}, {3, 4}};
    EXPECT_EQ(m.set(5, 6).size(), 3u);
}

} // namespace
