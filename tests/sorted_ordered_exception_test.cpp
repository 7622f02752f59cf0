// Exception safety of the ordered operations of immutable::sorted_map (split, take, drop,
// slice, erase_range, |, &, -, union_with, diff; sorted_set shares their engine): a copy
// that throws (throwing_value; a key whose copy throws but whose move does not, which takes
// the in-place paths), an allocation that fails, a comparator that throws and a union_with
// function that throws, at every possible point, must leave the operands exactly as they
// were, keep every invariant, and leak neither nodes nor elements.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"
#include "support/movable_key.hpp"
#include "support/throwing_value.hpp"

namespace {

using immutable::test::copy_failure;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::movable_key;
using immutable::test::throwing_value;

struct comparison_failure : std::runtime_error {
    comparison_failure() : std::runtime_error("injected comparison failure") {}
};

// std::less on ints that throws on the k-th call when armed.
struct throwing_less {
    static inline std::int64_t countdown = -1;
    bool operator()(int a, int b) const {
        if (countdown >= 0 && countdown-- == 0) throw comparison_failure();
        return a < b;
    }
};

int value_of(const throwing_value& k) { return k.value(); }
int value_of(const movable_key& k) { return k.v; }
int value_of(int k) { return k; }

enum class failure { copy, allocation, comparison };

void arm(failure f, std::int64_t k) {
    switch (f) {
    case failure::copy:
        throwing_value::throw_after(k);
        movable_key::countdown = k;
        break;
    case failure::allocation: failing_heap_policy::fail_after(k); break;
    case failure::comparison: throwing_less::countdown = k; break;
    }
}
void disarm() {
    throwing_value::never_throw();
    movable_key::countdown = -1;
    throwing_less::countdown = -1;
    failing_heap_policy::never_fail();
}

template <class Map>
std::vector<std::pair<int, int>> contents(const Map& m) {
    std::vector<std::pair<int, int>> out;
    for (const auto& [k, v] : m) out.emplace_back(value_of(k), value_of(v));
    return out;
}

// Runs `attempt` with the k-th failure injected for k = 0, 1, 2, ... until it completes;
// after each failure `check` confirms nothing observable changed. Returns the failures seen.
template <class Attempt, class Check>
int fail_everywhere(failure f, Attempt attempt, Check check) {
    for (int k = 0; k < 100000; ++k) {
        arm(f, k);
        try {
            attempt();
            disarm();
            return k;
        } catch (const copy_failure&) {
            disarm();
        } catch (const std::bad_alloc&) {
            disarm();
        } catch (const comparison_failure&) {
            disarm();
        }
        check();
    }
    ADD_FAILURE() << "operation never completed";
    return -1;
}

template <class K, class V, class Compare = std::less<K>>
void exercise(failure f) {
    using map_t = immutable::sorted_map<K, V, Compare, counted_policy>;
    const auto nodes_before = counted_policy::live_nodes();
    const auto tv_before = throwing_value::live;
    const auto mk_before = movable_key::live;
    {
        auto build = [](int n, int step, int offset) {
            auto b = map_t().to_builder();
            for (int i = 0; i < n; ++i) b.set(K(i * step + offset), V(i));
            return b.build();
        };
        const map_t a = build(500, 2, 0);
        const map_t b = build(200, 3, 1);         // overlaps a
        const map_t c = a.set(K(501), V(7)).erase(K(40)); // shares most of a
        const auto sa = contents(a), sb = contents(b), sc = contents(c);
        auto unchanged = [&] {
            ASSERT_EQ(sorted_test::invariants(a), "");
            ASSERT_EQ(sorted_test::invariants(b), "");
            ASSERT_EQ(contents(a), sa);
            ASSERT_EQ(contents(b), sb);
            ASSERT_EQ(contents(c), sc);
        };
        auto sum = [](const K&, const V& x, const V& y) { return V(value_of(x) + value_of(y)); };
        std::vector<std::function<map_t()>> ops = {
            [&] { return a.split(K(333)).first; },
            [&] { return a.split(K(333)).second; },
            [&] { return a.take(377); },
            [&] { return a.drop(123); },
            [&] { return a.slice(61, 437); },
            [&] { return a.slice(3, 9); },
            [&] { return a.erase_range(K(101), K(887)); },
            [&] { return a.erase_range(K(0), K(500)); },
            [&] { return a | b; },
            [&] { return a & b; },
            [&] { return a - b; },
            [&] { return a | c; },
            [&] { return c - a; },
            [&] { return a.union_with(b, sum); },
            [&] { return a.union_with(c, sum); },
        };
        for (std::size_t i = 0; i < ops.size(); ++i) {
            SCOPED_TRACE(i);
            map_t result;
            const int failures = fail_everywhere(f, [&] { result = ops[i](); }, unchanged);
            EXPECT_GE(failures, 0);
            EXPECT_EQ(sorted_test::invariants(result), "");
        }
        // diff allocates nothing; a throwing comparison or copy in a callback only stops it.
        int reported = 0;
        fail_everywhere(
            f,
            [&] {
                reported = 0;
                immutable::diff(
                    a, b, [&](const auto& e) { V copy(e.second); reported += value_of(copy) >= 0; },
                    [&](const auto&) { ++reported; }, [&](const auto&, const auto&) { ++reported; });
            },
            unchanged);
        EXPECT_GT(reported, 0);
    }
    EXPECT_EQ(counted_policy::live_nodes(), nodes_before);
    EXPECT_EQ(throwing_value::live, tv_before);
    EXPECT_EQ(movable_key::live, mk_before);
}

TEST(sorted_ordered_exceptions, throwing_copies) { exercise<throwing_value, throwing_value>(failure::copy); }
TEST(sorted_ordered_exceptions, throwing_copies_with_nothrow_moves) { exercise<movable_key, int>(failure::copy); }
TEST(sorted_ordered_exceptions, failing_allocations) { exercise<movable_key, int>(failure::allocation); }
TEST(sorted_ordered_exceptions, failing_allocations_with_throwing_elements) {
    exercise<throwing_value, throwing_value>(failure::allocation);
}
TEST(sorted_ordered_exceptions, throwing_comparator) { exercise<int, int, throwing_less>(failure::comparison); }

TEST(sorted_ordered_exceptions, throwing_union_with_function_changes_nothing) {
    using map_t = immutable::sorted_map<int, int, std::less<int>, counted_policy>;
    const auto nodes_before = counted_policy::live_nodes();
    {
        auto b = map_t().to_builder();
        for (int i = 0; i < 3000; ++i) b.set(i, i);
        const map_t a = b.build();
        const map_t other = a.set(1500, -1).set(5000, 5);
        const auto sa = contents(a), so = contents(other);
        for (int k = 0; k < 3000; k += 97) {
            int calls = 0;
            EXPECT_THROW((void)a.union_with(other,
                                            [&](const int&, const int& x, const int& y) {
                                                if (calls++ == k) throw std::runtime_error("no");
                                                return x + y;
                                            }),
                         std::runtime_error);
            ASSERT_EQ(contents(a), sa);
            ASSERT_EQ(contents(other), so);
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), nodes_before);
}

TEST(sorted_ordered_exceptions, set_cuts_with_throwing_copies) {
    using set_t = immutable::sorted_set<throwing_value, std::less<throwing_value>, counted_policy>;
    const auto nodes_before = counted_policy::live_nodes();
    const auto tv_before = throwing_value::live;
    {
        std::vector<throwing_value> e;
        for (int i = 0; i < 700; ++i) e.emplace_back(i * 2);
        const set_t s(e.begin(), e.end());
        const set_t t(e.begin() + 100, e.begin() + 300);
        const std::vector<throwing_value> snapshot(s.begin(), s.end());
        auto unchanged = [&] {
            ASSERT_EQ(sorted_test::invariants(s), "");
            ASSERT_EQ(std::vector<throwing_value>(s.begin(), s.end()), snapshot);
        };
        std::vector<std::function<set_t()>> ops = {
            [&] { return s.split(throwing_value(555)).first; }, [&] { return s.slice(33, 611); },
            [&] { return s.erase_range(throwing_value(9), throwing_value(1201)); }, [&] { return s - t; },
            [&] { return s & t; },
        };
        for (auto& op : ops) {
            set_t result;
            for (failure f : {failure::copy, failure::allocation}) {
                EXPECT_GE(fail_everywhere(f, [&] { result = op(); }, unchanged), 0);
                EXPECT_EQ(sorted_test::invariants(result), "");
            }
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), nodes_before);
    EXPECT_EQ(throwing_value::live, tv_before);
}

} // namespace
