// Ordered operations of immutable::sorted_map: split, take, drop, slice, erase_range, the
// algebra operators, union_with and diff. Their costs are checked by counting, not timing:
// nodes allocated (counted policy), comparator calls, and root identity for the no-ops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <tuple>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <immutable/sorted_map.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"

namespace {

using immutable::test::counted_policy;
using map_t = immutable::sorted_map<int, int, std::less<int>, counted_policy>;
using entries = std::vector<std::pair<int, int>>;

class sorted_map_ordered : public immutable::test::no_leaks_test<counted_policy> {};

entries contents(const map_t& m) { return entries(m.begin(), m.end()); }

// Keys 0, 2, 4, ... (2n - 2), each mapped to its key plus one.
map_t evens(int n) {
    entries e;
    for (int i = 0; i < n; ++i) e.emplace_back(2 * i, 2 * i + 1);
    return map_t(e.begin(), e.end());
}

std::int64_t allocations() { return counted_policy::stats().allocations; }

TEST_F(sorted_map_ordered, split_divides_at_a_key) {
    const map_t m = evens(1000);
    for (int k : {-5, 0, 1, 2, 999, 1000, 1001, 1997, 1998, 1999, 5000}) {
        SCOPED_TRACE(k);
        const auto [lo, hi] = m.split(k);
        EXPECT_EQ(sorted_test::invariants(lo), "");
        EXPECT_EQ(sorted_test::invariants(hi), "");
        entries want_lo, want_hi;
        for (const auto& e : m) (e.first < k ? want_lo : want_hi).push_back(e);
        EXPECT_EQ(contents(lo), want_lo);
        EXPECT_EQ(contents(hi), want_hi);
    }
    // At or below every key, or above every key: one side is the map itself.
    EXPECT_EQ(m.split(0).second.identity(), m.identity());
    EXPECT_TRUE(m.split(0).first.empty());
    EXPECT_EQ(m.split(1999).first.identity(), m.identity());
    EXPECT_TRUE(map_t().split(3).first.empty());
    EXPECT_TRUE(map_t().split(3).second.empty());
}

TEST_F(sorted_map_ordered, take_drop_and_slice_go_by_rank) {
    const map_t m = evens(1000);
    const entries all = contents(m);
    for (std::size_t n : {0u, 1u, 62u, 63u, 64u, 500u, 999u, 1000u, 1001u, 5000u}) {
        SCOPED_TRACE(n);
        const std::size_t c = n < all.size() ? n : all.size();
        const map_t t = m.take(n);
        const map_t d = m.drop(n);
        EXPECT_EQ(sorted_test::invariants(t), "");
        EXPECT_EQ(sorted_test::invariants(d), "");
        EXPECT_EQ(contents(t), entries(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(c)));
        EXPECT_EQ(contents(d), entries(all.begin() + static_cast<std::ptrdiff_t>(c), all.end()));
    }
    EXPECT_EQ(m.take(1000).identity(), m.identity());
    EXPECT_EQ(m.take(99999).identity(), m.identity());
    EXPECT_EQ(m.drop(0).identity(), m.identity());
    EXPECT_TRUE(m.take(0).empty());
    EXPECT_TRUE(m.drop(1000).empty());
    for (auto [first, last] : {std::pair<std::size_t, std::size_t>{0, 0}, {0, 1000}, {3, 3}, {3, 4}, {10, 900},
                               {999, 1000}, {1000, 1000}, {0, 1}, {64, 128}}) {
        SCOPED_TRACE(first);
        SCOPED_TRACE(last);
        const map_t s = m.slice(first, last);
        EXPECT_EQ(sorted_test::invariants(s), "");
        EXPECT_EQ(contents(s), entries(all.begin() + static_cast<std::ptrdiff_t>(first),
                                       all.begin() + static_cast<std::ptrdiff_t>(last)));
    }
    EXPECT_EQ(m.slice(0, 1000).identity(), m.identity());
    EXPECT_EQ(contents(m), all);
}

TEST_F(sorted_map_ordered, slice_out_of_range_names_both_bounds_and_the_size) {
    const map_t m = evens(10);
    for (auto [first, last] : {std::pair<std::size_t, std::size_t>{5, 4}, {0, 11}, {11, 11}, {12, 30}}) {
        try {
            (void)m.slice(first, last);
            ADD_FAILURE() << "no throw for [" << first << ", " << last << ")";
        } catch (const std::out_of_range& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("slice"), std::string::npos) << what;
            char bounds[64];
            std::snprintf(bounds, sizeof bounds, "[%zu, %zu)", first, last);
            EXPECT_NE(what.find(bounds), std::string::npos) << what;
            EXPECT_NE(what.find("size 10"), std::string::npos) << what;
        }
    }
    EXPECT_THROW((void)map_t().slice(0, 1), std::out_of_range);
    EXPECT_TRUE(map_t().slice(0, 0).empty());
}

TEST_F(sorted_map_ordered, erase_range_removes_a_half_open_key_range) {
    const map_t m = evens(1000);
    for (auto [lo, hi] : {std::pair<int, int>{-10, 3}, {0, 2}, {1, 1999}, {500, 1500}, {0, 1999}, {-1, 5000},
                          {1500, 100000}, {1001, 1003}}) {
        SCOPED_TRACE(lo);
        SCOPED_TRACE(hi);
        const map_t r = m.erase_range(lo, hi);
        EXPECT_EQ(sorted_test::invariants(r), "");
        entries want;
        for (const auto& e : m) {
            if (e.first < lo || e.first >= hi) want.push_back(e);
        }
        EXPECT_EQ(contents(r), want);
    }
}

TEST_F(sorted_map_ordered, erase_range_without_keys_in_range_is_the_same_map_and_allocates_nothing) {
    const map_t m = evens(1000);
    const map_t empty;
    const auto before = allocations();
    for (auto [lo, hi] : {std::pair<int, int>{10, 10}, {20, 10}, {1999, 0}, {11, 12}, {-50, 0}, {1999, 3000},
                          {5000, 6000}, {-9, -1}}) {
        SCOPED_TRACE(lo);
        SCOPED_TRACE(hi);
        EXPECT_EQ(m.erase_range(lo, hi).identity(), m.identity());
        EXPECT_EQ(empty.erase_range(lo, hi).identity(), empty.identity());
    }
    EXPECT_EQ(allocations(), before);
}

// The bound the documentation gives: on 200,000 entries each cut allocates at most 64 nodes.
TEST_F(sorted_map_ordered, cuts_of_a_large_map_allocate_a_logarithmic_number_of_nodes) {
    const int n = 200000;
    const map_t m = evens(n);
    ASSERT_GE(sorted_test::height_of(m), 2u);
    std::int64_t worst = 0;
    auto measure = [&](auto&& op, std::size_t expected_size) {
        const auto before = allocations();
        const auto result = op();
        const auto used = allocations() - before;
        worst = std::max(worst, used);
        EXPECT_LE(used, 64);
        EXPECT_EQ(result.size(), expected_size);
        EXPECT_EQ(sorted_test::invariants(result), "");
    };
    for (int i = 1; i < 40; ++i) {
        const std::size_t r = static_cast<std::size_t>(i) * 4999 + 13; // ranks that cut inside leaves
        const int k = static_cast<int>(2 * r);
        SCOPED_TRACE(r);
        measure([&] { return m.take(r); }, r);
        measure([&] { return m.drop(r); }, n - r);
        measure([&] { return m.slice(r / 2, r + 1000); }, r + 1000 - r / 2);
        measure([&] { return m.erase_range(k / 3, k + 7); }, n - (m.rank(k + 7) - m.rank(k / 3)));
        const auto before = allocations();
        const auto [lo, hi] = m.split(k + 1);
        EXPECT_LE(allocations() - before, 64);
        EXPECT_EQ(lo.size(), r + 1);
        EXPECT_EQ(hi.size(), n - r - 1);
        EXPECT_EQ(sorted_test::invariants(lo), "");
        EXPECT_EQ(sorted_test::invariants(hi), "");
    }
    EXPECT_GT(worst, 0);
    RecordProperty("most_nodes_allocated_by_one_cut", static_cast<int>(worst));
}

// On a map about to be discarded whose nodes nothing else shares, the cuts work in place:
// they drop slots from the nodes on the cut path instead of copying them.
TEST_F(sorted_map_ordered, cuts_of_a_map_nothing_else_shares_work_in_place) {
    const int n = 200000;
    std::int64_t worst = 0;
    auto in_place = [&](auto&& op, std::size_t expected_size) {
        map_t fresh = evens(n);
        const auto before = allocations();
        const map_t result = op(std::move(fresh));
        worst = std::max(worst, allocations() - before);
        EXPECT_EQ(result.size(), expected_size);
        EXPECT_EQ(sorted_test::invariants(result), "");
        return result;
    };
    const map_t t = in_place([](map_t m) { return std::move(m).take(123457); }, 123457);
    EXPECT_EQ(t.back().first, 2 * 123456);
    const map_t d = in_place([](map_t m) { return std::move(m).drop(77777); }, n - 77777);
    EXPECT_EQ(d.front().first, 2 * 77777);
    const map_t s = in_place([](map_t m) { return std::move(m).slice(1001, 150001); }, 149000);
    EXPECT_EQ(s.front().first, 2002);
    // Keys that refer into the very map being cut.
    const map_t e = in_place([](map_t m) { return std::move(m).erase_range(m.nth(500).first, m.nth(190000).first); },
                             n - 189500);
    EXPECT_TRUE(e.contains(998));
    EXPECT_FALSE(e.contains(1000));
    EXPECT_TRUE(e.contains(380000));
    map_t fresh = evens(n);
    const auto before = allocations();
    const auto [lo, hi] = std::move(fresh).split(fresh.nth(99999).first);
    worst = std::max(worst, allocations() - before);
    EXPECT_EQ(lo.size(), 99999u);
    EXPECT_EQ(hi.front().first, 2 * 99999);
    EXPECT_EQ(sorted_test::invariants(lo), "");
    EXPECT_EQ(sorted_test::invariants(hi), "");
    RecordProperty("most_nodes_allocated_in_place", static_cast<int>(worst));
    EXPECT_LE(worst, 16);

    // A moved map that shares its nodes is cut by copying, and the sharer does not change.
    const map_t kept = evens(3000);
    const entries snapshot = contents(kept);
    map_t sharer = kept;
    const map_t cut = std::move(sharer).slice(100, 2000);
    EXPECT_EQ(contents(cut), entries(snapshot.begin() + 100, snapshot.begin() + 2000));
    EXPECT_EQ(contents(kept), snapshot);
    EXPECT_EQ(sorted_test::invariants(kept), "");
}

TEST_F(sorted_map_ordered, algebra_is_by_key_and_left_biased) {
    const map_t a{{1, 10}, {2, 20}, {3, 30}, {5, 50}};
    const map_t b{{2, -2}, {3, -3}, {4, -4}, {6, -6}};
    EXPECT_EQ(contents(a | b), (entries{{1, 10}, {2, 20}, {3, 30}, {4, -4}, {5, 50}, {6, -6}}));
    EXPECT_EQ(contents(b | a), (entries{{1, 10}, {2, -2}, {3, -3}, {4, -4}, {5, 50}, {6, -6}}));
    EXPECT_EQ(contents(a & b), (entries{{2, 20}, {3, 30}}));
    EXPECT_EQ(contents(b & a), (entries{{2, -2}, {3, -3}}));
    EXPECT_EQ(contents(a - b), (entries{{1, 10}, {5, 50}}));
    EXPECT_EQ(contents(b - a), (entries{{4, -4}, {6, -6}}));
    map_t c = a;
    c |= b;
    EXPECT_EQ(contents(c), contents(a | b));
    c = a;
    c &= b;
    EXPECT_EQ(contents(c), contents(a & b));
    c = a;
    c -= b;
    EXPECT_EQ(contents(c), contents(a - b));
    EXPECT_EQ(contents(a), (entries{{1, 10}, {2, 20}, {3, 30}, {5, 50}}));
    EXPECT_EQ((a | map_t()).identity(), a.identity());
    EXPECT_EQ((map_t() | a).identity(), a.identity());
    EXPECT_EQ((a & a).identity(), a.identity());
    EXPECT_TRUE((a - a).empty());
}

TEST_F(sorted_map_ordered, union_with_combines_common_keys_in_operand_order) {
    const map_t a{{1, 10}, {2, 20}, {3, 30}};
    const map_t b{{2, 2}, {3, 3}, {4, 4}};
    std::vector<int> keys_seen;
    const map_t u = a.union_with(b, [&](const int& k, const int& x, const int& y) {
        keys_seen.push_back(k);
        return x * 100 + y;
    });
    EXPECT_EQ(contents(u), (entries{{1, 10}, {2, 2002}, {3, 3003}, {4, 4}}));
    EXPECT_EQ(keys_seen, (std::vector<int>{2, 3}));
    const map_t v = b.union_with(a, [](const int&, const int& x, const int& y) { return x * 100 + y; });
    EXPECT_EQ(contents(v), (entries{{1, 10}, {2, 220}, {3, 330}, {4, 4}}));

    // Large operands: against a merge of two std::maps, including keys both share through
    // a common history (f is called for those too).
    const map_t big = evens(5000);
    map_t other = big.set(7, 70).set(4000, 1).erase(100);
    for (int k = 10001; k < 10400; k += 3) other = other.set(k, k);
    const map_t merged = big.union_with(other, [](const int&, const int& x, const int& y) { return x - y; });
    std::map<int, int> want(big.begin(), big.end());
    for (const auto& [k, v] : other) {
        auto it = want.find(k);
        if (it == want.end()) {
            want.emplace(k, v);
        } else {
            it->second -= v;
        }
    }
    EXPECT_EQ(sorted_test::invariants(merged), "");
    EXPECT_EQ(contents(merged), entries(want.begin(), want.end()));
}

// Versions of one map combine at the cost of their differences: the shared subtrees are
// taken whole, so | of two versions two changes apart allocates a few paths, not a copy.
TEST_F(sorted_map_ordered, algebra_takes_shared_and_one_sided_subtrees_whole) {
    const int n = 200000;
    const map_t a = evens(n);
    const map_t b = a.set(3, 3).set(200001, 1); // two changes: a new key inside, one past the end
    const auto nodes_of_a = counted_policy::live_nodes();
    ASSERT_GT(nodes_of_a, 3000);
    std::int64_t worst_shared = 0;
    auto check = [&](auto&& op, std::size_t size, std::int64_t bound) {
        const auto before = allocations();
        const map_t r = op();
        if (bound == 200) worst_shared = std::max(worst_shared, allocations() - before);
        EXPECT_LE(allocations() - before, bound);
        EXPECT_EQ(r.size(), size);
        EXPECT_EQ(sorted_test::invariants(r), "");
    };
    check([&] { return a | b; }, n + 2, 200);
    check([&] { return b | a; }, n + 2, 200);
    check([&] { return a & b; }, n, 200);
    check([&] { return b - a; }, 2, 200);
    check([&] { return a - b; }, 0, 200);
    // One-sided: b2's keys all lie above a's, so | only joins the two trees.
    entries upper;
    for (int i = 0; i < n; ++i) upper.emplace_back(2 * n + i, i);
    const map_t high(upper.begin(), upper.end());
    check([&] { return a | high; }, 2 * n, 64);
    check([&] { return a.union_with(high, [](const int&, const int& x, const int&) { return x; }); }, 2 * n, 64);
    check([&] { return a - high; }, n, 0);
    check([&] { return a & high; }, 0, 0);
    RecordProperty("most_nodes_allocated_combining_versions", static_cast<int>(worst_shared));
}

// What diff reported: kind ('+', '-', '~'), key, old value, new value.
using change = std::tuple<char, int, int, int>;

struct counting_less {
    static inline std::int64_t calls = 0;
    bool operator()(int a, int b) const {
        ++calls;
        return a < b;
    }
};

TEST(sorted_map_diff, reports_changes_in_key_order_and_skips_shared_subtrees) {
    using cmap = immutable::sorted_map<int, int, counting_less, counted_policy>;
    entries e;
    for (int i = 0; i < 200000; ++i) e.emplace_back(2 * i, i);
    const cmap old_map(e.begin(), e.end());
    const cmap new_map = old_map.set(150001, 7).set(1000, -1); // one key added, one value changed
    std::vector<change> log;
    counting_less::calls = 0;
    immutable::diff(
        old_map, new_map, [&](const std::pair<int, int>& x) { log.push_back({'+', x.first, 0, x.second}); },
        [&](const std::pair<int, int>& x) { log.push_back({'-', x.first, x.second, 0}); },
        [&](const std::pair<int, int>& x, const std::pair<int, int>& y) {
            log.push_back({'~', x.first, x.second, y.second});
        });
    const auto comparisons = counting_less::calls;
    EXPECT_EQ(log, (std::vector<change>{{'~', 1000, 500, -1}, {'+', 150001, 0, 7}}));
    EXPECT_LT(comparisons, 5000);
    RecordProperty("comparisons", static_cast<int>(comparisons));

    // The other way round, and with one key erased.
    const cmap erased = old_map.erase(777 * 2);
    log.clear();
    counting_less::calls = 0;
    immutable::diff(
        erased, old_map, [&](const std::pair<int, int>& x) { log.push_back({'+', x.first, 0, x.second}); },
        [&](const std::pair<int, int>& x) { log.push_back({'-', x.first, x.second, 0}); },
        [&](const std::pair<int, int>& x, const std::pair<int, int>& y) { log.push_back({'~', x.first, x.second, y.second}); });
    EXPECT_EQ(log, (std::vector<change>{{'+', 1554, 0, 777}}));
    EXPECT_LT(counting_less::calls, 5000);

    // Identical versions: nothing reported, nothing compared.
    counting_less::calls = 0;
    int calls = 0;
    immutable::diff(
        old_map, cmap(old_map), [&](const auto&) { ++calls; }, [&](const auto&) { ++calls; },
        [&](const auto&, const auto&) { ++calls; });
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(counting_less::calls, 0);
}

TEST(sorted_map_diff, unrelated_maps_are_compared_in_full) {
    const map_t a{{1, 1}, {3, 3}, {5, 5}, {7, 7}};
    const map_t b{{0, 0}, {3, 4}, {5, 5}, {8, 8}};
    std::vector<change> log;
    immutable::diff(
        a, b, [&](const auto& x) { log.push_back({'+', x.first, 0, x.second}); },
        [&](const auto& x) { log.push_back({'-', x.first, x.second, 0}); },
        [&](const auto& x, const auto& y) {
            log.push_back({'~', x.first, x.second, y.second});
        });
    EXPECT_EQ(log, (std::vector<change>{{'+', 0, 0, 0}, {'-', 1, 1, 0}, {'~', 3, 3, 4}, {'-', 7, 7, 0}, {'+', 8, 0, 8}}));
    log.clear();
    immutable::diff(
        map_t(), a, [&](const auto& x) { log.push_back({'+', x.first, 0, x.second}); },
        [&](const auto& x) { log.push_back({'-', x.first, x.second, 0}); },
        [&](const auto& x, const auto& y) { log.push_back({'~', x.first, x.second, y.second}); });
    EXPECT_EQ(log, (std::vector<change>{{'+', 1, 0, 1}, {'+', 3, 0, 3}, {'+', 5, 0, 5}, {'+', 7, 0, 7}}));
}

TEST(sorted_map_ordered_transparent, split_and_erase_range_take_what_the_comparator_accepts) {
    using namespace std::string_view_literals;
    using by_view = immutable::sorted_map<std::string, int, std::less<>>;
    by_view::builder b;
    for (int i = 0; i < 3000; ++i) b.set(sorted_test::keys<std::string>::make(i), i);
    const by_view m = b.build();
    const auto [lo, hi] = m.split("key-000001000"sv);
    EXPECT_EQ(lo.size(), 1000u);
    EXPECT_EQ(hi.front().second, 1000);
    const by_view r = m.erase_range("key-000000010", "key-000002990"sv);
    EXPECT_EQ(r.size(), 20u);
    EXPECT_EQ(sorted_test::invariants(r), "");
    EXPECT_EQ(m.erase_range("zzz"sv, "zzzz").identity(), m.identity());
    EXPECT_EQ(m.split("a").second.identity(), m.identity());
}

} // namespace
