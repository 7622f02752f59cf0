// Edge cases of immutable::set: algebra sharing and cost, degenerate hashes, exception
// safety of every operation including set algebra, and leaks.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <ranges>
#include <set>
#include <string>
#include <vector>

#include <immutable/detail/champ/invariants.hpp>
#include <immutable/set.hpp>

#include "support/failing_policy.hpp"
#include "support/throwing_value.hpp"

namespace {

using immutable::detail::champ::check_invariants;
using immutable::test::copy_failure;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;

template <class T, class H = std::hash<T>>
using counted_set = immutable::set<T, H, std::equal_to<T>, counted_policy>;

struct constant_hash {
    std::size_t operator()(int) const noexcept { return 7; }
};

class set_edge : public ::testing::Test {
protected:
    void SetUp() override {
        nodes_ = counted_policy::live_nodes();
        values_ = throwing_value::live;
    }
    void TearDown() override {
        failing_heap_policy::never_fail();
        throwing_value::never_throw();
        EXPECT_EQ(counted_policy::live_nodes(), nodes_) << "nodes leaked";
        EXPECT_EQ(throwing_value::live, values_) << "values leaked";
    }

private:
    std::int64_t nodes_ = 0;
    std::int64_t values_ = 0;
};

counted_set<int> range_set(int from, int to, int step = 1) {
    counted_set<int>::builder b;
    for (int i = from; i < to; i += step) b.insert(i);
    return b.build();
}

} // namespace

static_assert(std::forward_iterator<immutable::set<int>::iterator>);
static_assert(std::ranges::forward_range<immutable::set<int>>);

TEST_F(set_edge, empty_and_basic) {
    counted_set<int> e;
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(e.begin(), e.end());
    EXPECT_EQ((e | e).identity(), nullptr);
    counted_set<int> s{3, 1, 2, 3};
    EXPECT_EQ(s.size(), 3u);
    EXPECT_EQ((s | e).identity(), s.identity());
    EXPECT_EQ((e | s).identity(), s.identity());
    EXPECT_TRUE((s & e).empty());
    EXPECT_EQ((s - e).identity(), s.identity());
    EXPECT_TRUE((e - s).empty());
    EXPECT_EQ(s.count(2), 1u);
    EXPECT_NE(s.find(2), nullptr);
    EXPECT_EQ(s.find(9), nullptr);
    EXPECT_EQ(s.insert(2).identity(), s.identity());
    EXPECT_EQ(s.erase(9).identity(), s.identity());
}

TEST_F(set_edge, results_equal_to_an_input_share_its_root_and_allocate_nothing) {
    auto big = range_set(0, 50000);
    auto evens = range_set(0, 50000, 2);
    auto outside = range_set(100000, 100100);
    auto before = counted_policy::stats().allocations;
    EXPECT_EQ((big | evens).identity(), big.identity());
    EXPECT_EQ((evens | big).identity(), big.identity());
    EXPECT_EQ((big & evens).identity(), evens.identity());
    EXPECT_EQ((evens & big).identity(), evens.identity());
    EXPECT_EQ((big - outside).identity(), big.identity());
    EXPECT_EQ((big | big).identity(), big.identity());
    EXPECT_TRUE((big - big).empty());
    EXPECT_TRUE((evens - big).empty());
    EXPECT_TRUE((outside & big).empty());
    EXPECT_EQ(counted_policy::stats().allocations, before);
}

TEST_F(set_edge, algebra_reuses_untouched_subtrees) {
    auto big = range_set(0, 100000);
    counted_set<int> few{-1, -2, -3, -4, -5};
    auto before = counted_policy::stats().allocations;
    auto u = big | few;
    // Five new elements touch at most five paths of about four nodes each.
    EXPECT_LE(counted_policy::stats().allocations - before, 5 * 6);
    EXPECT_EQ(u.size(), 100005u);
    EXPECT_EQ(check_invariants(u), "");
    before = counted_policy::stats().allocations;
    auto back = u - few;
    EXPECT_LE(counted_policy::stats().allocations - before, 5 * 6);
    EXPECT_EQ(back, big);
    before = counted_policy::stats().allocations;
    auto changed = big.insert(-1).erase(7);
    auto common = big & changed;
    EXPECT_LE(counted_policy::stats().allocations - before, 3 * 6);
    EXPECT_EQ(common.size(), 99999u);
    EXPECT_EQ(check_invariants(common), "");
}

TEST_F(set_edge, constant_hash_handles_ten_thousand_elements) {
    using degenerate = counted_set<int, constant_hash>;
    degenerate::builder b;
    for (int i = 0; i < 10000; ++i) b.insert(i);
    degenerate all = b.build();
    ASSERT_EQ(all.size(), 10000u);
    ASSERT_EQ(check_invariants(all), "");
    degenerate odds;
    for (int i = 1; i < 2000; i += 2) odds = odds.insert(i);
    auto evens_and_more = all - odds;
    EXPECT_EQ(evens_and_more.size(), 10000u - 1000u);
    EXPECT_EQ((evens_and_more | odds), all);
    EXPECT_EQ((all & odds), odds);
    EXPECT_EQ(check_invariants(evens_and_more), "");
    std::set<int> seen;
    for (int v : evens_and_more) seen.insert(v);
    EXPECT_EQ(seen.size(), 9000u);
    for (int i = 0; i < 10000; ++i) b.erase(i);
    EXPECT_TRUE(b.build().empty());
}

TEST_F(set_edge, diff_reports_added_and_removed) {
    auto a = range_set(0, 20000);
    auto b = a.erase(5).erase(77).insert(-3);
    std::vector<int> added, removed;
    immutable::diff(a, b, [&](int v) { added.push_back(v); }, [&](int v) { removed.push_back(v); });
    std::sort(removed.begin(), removed.end());
    EXPECT_EQ(added, std::vector<int>{-3});
    EXPECT_EQ(removed, (std::vector<int>{5, 77}));
}

using tset = immutable::set<throwing_value, std::hash<throwing_value>, std::equal_to<throwing_value>,
                            counted_policy>;

namespace {
tset make_tset(int from, int to, int step) {
    tset::builder b;
    for (int i = from; i < to; i += step) b.insert(throwing_value(i));
    return b.build();
}

std::set<int> tcontent(const tset& s) {
    std::set<int> out;
    for (const auto& v : s) out.insert(v.value());
    return out;
}

template <class Action, class Check>
void for_each_failure_point(Action action, Check check) {
    for (int k = 0;; ++k) {
        throwing_value::throw_after(k);
        try {
            action();
            throwing_value::never_throw();
            return;
        } catch (const copy_failure&) {
            throwing_value::never_throw();
            check();
        }
        ASSERT_LT(k, 100000);
    }
}
} // namespace

TEST_F(set_edge, throwing_copies_leave_inputs_unchanged) {
    tset a = make_tset(0, 600, 1);
    tset b = make_tset(300, 900, 2);
    auto ca = tcontent(a), cb = tcontent(b);
    auto check = [&] {
        ASSERT_EQ(tcontent(a), ca);
        ASSERT_EQ(tcontent(b), cb);
        ASSERT_EQ(check_invariants(a), "");
        ASSERT_EQ(check_invariants(b), "");
    };
    for_each_failure_point([&] { (void)(a | b); }, check);
    for_each_failure_point([&] { (void)(a & b); }, check);
    for_each_failure_point([&] { (void)(a - b); }, check);
    for_each_failure_point([&] { (void)a.insert(throwing_value(5000)); }, check);
    for_each_failure_point([&] { (void)a.erase(throwing_value(17)); }, check);
    std::set<int> u = ca, i, d;
    u.insert(cb.begin(), cb.end());
    for (int v : ca) (cb.count(v) ? i : d).insert(v);
    EXPECT_EQ(tcontent(a | b), u);
    EXPECT_EQ(tcontent(a & b), i);
    EXPECT_EQ(tcontent(a - b), d);
}

TEST_F(set_edge, throwing_copies_leave_builders_unchanged) {
    tset base = make_tset(0, 500, 1);
    auto b = base.to_builder();
    std::set<int> model = tcontent(base);
    auto check = [&] { ASSERT_EQ(tcontent(b.build()), model); };
    for (int v : {1000, 1001, 7, 2000, 9}) {
        for_each_failure_point([&] { b.insert(throwing_value(v)); }, check);
        model.insert(v);
        for_each_failure_point([&] { b.erase(throwing_value(v / 3)); }, check);
        model.erase(v / 3);
        check();
    }
    EXPECT_EQ(tcontent(base), tcontent(make_tset(0, 500, 1)));
}

// A builder that owns its whole trie (never built): a throw at the bottom of an in-place
// path must leave every count and the content unchanged.
TEST_F(set_edge, throwing_copies_leave_an_owned_builder_unchanged) {
    tset::builder b;
    std::set<int> model;
    for (int i = 0; i < 2000; i += 2) {
        b.insert(throwing_value(i));
        model.insert(i);
    }
    auto check = [&] {
        ASSERT_EQ(check_invariants(b), "");
        ASSERT_EQ(b.size(), model.size());
        std::set<int> seen;
        for (const auto& v : b) seen.insert(v.value());
        ASSERT_EQ(seen, model);
    };
    for (int v : {1, 3, 4001, 7, 90001, 10}) {
        for_each_failure_point([&] { b.insert(throwing_value(v)); }, check);
        model.insert(v);
        check();
    }
}

TEST_F(set_edge, failed_allocations_leave_inputs_unchanged) {
    auto a = range_set(0, 5000);
    auto b = range_set(2500, 7500);
    for (int k = 0; k < 40; ++k) {
        failing_heap_policy::fail_after(k);
        try {
            (void)(a | b);
        } catch (const std::bad_alloc&) {
        }
        try {
            (void)(a & b);
        } catch (const std::bad_alloc&) {
        }
        try {
            (void)(a - b);
        } catch (const std::bad_alloc&) {
        }
        failing_heap_policy::never_fail();
        ASSERT_EQ(a.size(), 5000u);
        ASSERT_EQ(b.size(), 5000u);
        ASSERT_EQ(check_invariants(a), "");
        ASSERT_EQ(check_invariants(b), "");
    }
    EXPECT_EQ((a | b).size(), 7500u);
}

TEST_F(set_edge, strings) {
    immutable::set<std::string> s{"alpha", "beta", "gamma"};
    auto t = s.insert(std::string("delta")).erase("beta");
    EXPECT_TRUE(t.contains("delta"));
    EXPECT_FALSE(t.contains("beta"));
    EXPECT_TRUE(s.contains("beta"));
    EXPECT_EQ((s | t).size(), 4u);
    EXPECT_EQ(std::hash<immutable::set<std::string>>{}(s | t),
              std::hash<immutable::set<std::string>>{}(t | s));
}

// One-element sets answer find and erase by comparing with their element, without a hash;
// the answers must match the hashed path's at every size.
TEST_F(set_edge, small_sets_and_one_element_erase) {
    std::vector<std::string> words{"", "a", "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
    immutable::set<std::string> s;
    for (std::size_t n = 0; n < words.size(); ++n) {
        for (std::size_t j = 0; j < words.size(); ++j) {
            EXPECT_EQ(s.contains(words[j]), j < n) << n << " " << j;
            const std::string* found = s.find(words[j]);
            if (j < n) {
                ASSERT_NE(found, nullptr);
                EXPECT_EQ(*found, words[j]);
            } else {
                EXPECT_EQ(found, nullptr);
            }
        }
        s = s.insert(words[n]);
        ASSERT_EQ(check_invariants(s), "");
    }
    counted_set<int> one{7};
    EXPECT_EQ(one.erase(8).identity(), one.identity());
    EXPECT_TRUE(one.erase(7).empty());
    EXPECT_EQ(one.erase(7), counted_set<int>());
    counted_set<int, constant_hash> degenerate_one{7};
    EXPECT_EQ(degenerate_one.erase(8).identity(), degenerate_one.identity());
    EXPECT_TRUE(degenerate_one.erase(7).empty());
}
