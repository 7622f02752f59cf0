// Ordered operations of immutable::sorted_set: split, take, drop, slice, erase_range and
// diff. Costs are checked by counting nodes allocated and comparator calls, not by timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"

namespace {

using immutable::test::counted_policy;
using set_t = immutable::sorted_set<int, std::less<int>, counted_policy>;

class sorted_set_ordered : public immutable::test::no_leaks_test<counted_policy> {};

std::vector<int> contents(const set_t& s) { return std::vector<int>(s.begin(), s.end()); }

set_t evens(int n) {
    std::vector<int> e;
    for (int i = 0; i < n; ++i) e.push_back(2 * i);
    return set_t(e.begin(), e.end());
}

std::int64_t allocations() { return counted_policy::stats().allocations; }

TEST_F(sorted_set_ordered, cuts_match_the_elements_they_select) {
    const set_t s = evens(3000);
    const std::vector<int> all = contents(s);
    auto at = [&](std::size_t i) { return all.begin() + static_cast<std::ptrdiff_t>(i); };
    for (int k : {-1, 0, 3, 2000, 5998, 5999, 7000}) {
        const auto [lo, hi] = s.split(k);
        const auto cut = static_cast<std::size_t>(std::lower_bound(all.begin(), all.end(), k) - all.begin());
        EXPECT_EQ(contents(lo), std::vector<int>(all.begin(), at(cut)));
        EXPECT_EQ(contents(hi), std::vector<int>(at(cut), all.end()));
        EXPECT_EQ(sorted_test::invariants(lo), "");
        EXPECT_EQ(sorted_test::invariants(hi), "");
    }
    for (std::size_t n : {0u, 1u, 127u, 1500u, 2999u, 3000u, 4000u}) {
        const std::size_t c = std::min<std::size_t>(n, all.size());
        EXPECT_EQ(contents(s.take(n)), std::vector<int>(all.begin(), at(c)));
        EXPECT_EQ(contents(s.drop(n)), std::vector<int>(at(c), all.end()));
        EXPECT_EQ(sorted_test::invariants(s.take(n)), "");
        EXPECT_EQ(sorted_test::invariants(s.drop(n)), "");
    }
    EXPECT_EQ(contents(s.slice(100, 2100)), std::vector<int>(at(100), at(2100)));
    EXPECT_EQ(s.slice(0, 3000).identity(), s.identity());
    EXPECT_TRUE(s.slice(7, 7).empty());
    EXPECT_THROW((void)s.slice(8, 7), std::out_of_range);
    EXPECT_THROW((void)s.slice(0, 3001), std::out_of_range);
    const set_t r = s.erase_range(11, 4001);
    EXPECT_EQ(r.size(), 3000u - 1995u); // 12, 14, ..., 4000 removed
    EXPECT_EQ(sorted_test::invariants(r), "");
    EXPECT_FALSE(r.contains(12));
    EXPECT_TRUE(r.contains(10));
    EXPECT_TRUE(r.contains(4002));
}

TEST_F(sorted_set_ordered, no_op_cuts_keep_the_root_and_allocate_nothing) {
    const set_t s = evens(3000);
    const auto before = allocations();
    EXPECT_EQ(s.erase_range(5, 5).identity(), s.identity());
    EXPECT_EQ(s.erase_range(500, 5).identity(), s.identity());
    EXPECT_EQ(s.erase_range(7, 8).identity(), s.identity());
    EXPECT_EQ(s.erase_range(6000, 9000).identity(), s.identity());
    EXPECT_EQ(s.take(3000).identity(), s.identity());
    EXPECT_EQ(s.drop(0).identity(), s.identity());
    EXPECT_EQ(s.split(0).second.identity(), s.identity());
    EXPECT_EQ(set_t().erase_range(1, 2).identity(), set_t().identity());
    EXPECT_EQ(allocations(), before);
}

TEST_F(sorted_set_ordered, cuts_of_a_large_set_allocate_at_most_64_nodes) {
    const int n = 200000;
    const set_t s = evens(n);
    for (std::size_t r = 17; r < static_cast<std::size_t>(n); r += 9973) {
        SCOPED_TRACE(r);
        const int k = static_cast<int>(2 * r);
        auto before = allocations();
        const auto [lo, hi] = s.split(k);
        EXPECT_LE(allocations() - before, 64);
        EXPECT_EQ(lo.size(), r);
        before = allocations();
        const set_t sl = s.slice(r / 3, r);
        EXPECT_LE(allocations() - before, 64);
        EXPECT_EQ(sl.size(), r - r / 3);
        before = allocations();
        const set_t er = s.erase_range(k / 5, k + 1);
        EXPECT_LE(allocations() - before, 64);
        EXPECT_EQ(er.size(), n - (s.rank(k + 1) - s.rank(k / 5)));
        for (const set_t* x : {&lo, &hi, &sl, &er}) EXPECT_EQ(sorted_test::invariants(*x), "");
    }
}

struct counting_less {
    static inline std::int64_t calls = 0;
    bool operator()(int a, int b) const {
        ++calls;
        return a < b;
    }
};

TEST(sorted_set_diff, versions_two_changes_apart_cost_few_comparisons) {
    using cset = immutable::sorted_set<int, counting_less, counted_policy>;
    std::vector<int> e;
    for (int i = 0; i < 200000; ++i) e.push_back(2 * i);
    const cset a(e.begin(), e.end());
    const cset b = a.insert(99).erase(300000);
    std::vector<int> added, removed;
    counting_less::calls = 0;
    immutable::diff(a, b, [&](int x) { added.push_back(x); }, [&](int x) { removed.push_back(x); });
    EXPECT_LT(counting_less::calls, 5000);
    EXPECT_EQ(added, std::vector<int>{99});
    EXPECT_EQ(removed, std::vector<int>{300000});
}

TEST(sorted_set_ordered_transparent, split_and_erase_range_by_string_view) {
    using namespace std::string_view_literals;
    immutable::sorted_set<std::string, std::less<>> s{"ant", "bee", "cat", "dog", "eel", "fox"};
    const auto [lo, hi] = s.split("cow"sv);
    EXPECT_EQ(std::vector<std::string>(lo.begin(), lo.end()), (std::vector<std::string>{"ant", "bee", "cat"}));
    EXPECT_EQ(hi.size(), 3u);
    const auto r = s.erase_range("b"sv, "d");
    EXPECT_EQ(std::vector<std::string>(r.begin(), r.end()), (std::vector<std::string>{"ant", "dog", "eel", "fox"}));
    EXPECT_EQ(s.erase_range("x"sv, "z"sv).identity(), s.identity());
}

} // namespace
