// Exception safety of immutable::sorted_set, above all of the set algebra, which builds
// its result from split and joined pieces it edits in place: a throwing copy or a failing
// allocation at any point must leave both operands unchanged and leak nothing.
#include <gtest/gtest.h>

#include <compare>
#include <cstdint>
#include <functional>
#include <new>
#include <random>
#include <vector>

#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"
#include "support/movable_key.hpp"
#include "support/throwing_value.hpp"

namespace {

using immutable::test::copy_failure;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;

// Copy throws on the k-th copy, move never throws (the in-place paths).
using movable_elem = immutable::test::movable_key;

int value_of(const throwing_value& x) { return x.value(); }
int value_of(const movable_elem& x) { return x.v; }
int value_of(int x) { return x; }

template <class T>
T make(int v) {
    return T(v);
}

template <class Set>
std::vector<int> contents(const Set& s) {
    std::vector<int> out;
    for (const auto& x : s) out.push_back(value_of(x));
    return out;
}

void disarm() {
    throwing_value::never_throw();
    movable_elem::countdown = -1;
    failing_heap_policy::never_fail();
}

template <class Attempt, class Check>
void fail_everywhere(bool allocation_failures, Attempt attempt, Check check) {
    for (int k = 0; k < 1000000; ++k) {
        if (allocation_failures) {
            failing_heap_policy::fail_after(k);
        } else {
            throwing_value::throw_after(k);
            movable_elem::countdown = k;
        }
        try {
            attempt();
            disarm();
            return;
        } catch (const copy_failure&) {
            disarm();
        } catch (const std::bad_alloc&) {
            disarm();
        }
        check();
    }
    ADD_FAILURE() << "operation never completed";
}

template <class T>
void exercise_algebra(bool allocation_failures) {
    using set_t = immutable::sorted_set<T, std::less<T>, counted_policy>;
    const auto nodes_before = counted_policy::live_nodes();
    const auto tv_before = throwing_value::live;
    const auto me_before = movable_elem::live;
    {
        std::mt19937 rng(11);
        set_t base;
        {
            auto b = base.to_builder();
            for (int i = 0; i < 1500; ++i) b.insert(make<T>(static_cast<int>(rng() % 5000)));
            base = b.build();
        }
        set_t x = base, y = base;
        for (int i = 0; i < 60; ++i) {
            x = x.insert(make<T>(static_cast<int>(rng() % 5200)));
            y = y.erase(make<T>(static_cast<int>(rng() % 5200)));
            y = y.insert(make<T>(static_cast<int>(rng() % 5200)));
        }
        set_t small;
        for (int i = 0; i < 40; ++i) small = small.insert(make<T>(static_cast<int>(rng() % 5200)));
        const std::vector<std::pair<const set_t*, const set_t*>> pairs = {{&x, &y}, {&y, &x}, {&x, &small}, {&small, &x}};
        for (const auto& operands : pairs) {
            // Plain variables, not structured bindings: clang 14 cannot capture those.
            const set_t* a = operands.first;
            const set_t* b = operands.second;
            const auto ca = contents(*a), cb = contents(*b);
            auto unchanged = [&] {
                ASSERT_EQ(sorted_test::invariants(*a), "");
                ASSERT_EQ(sorted_test::invariants(*b), "");
                ASSERT_EQ(contents(*a), ca);
                ASSERT_EQ(contents(*b), cb);
            };
            const std::vector<std::function<set_t()>> ops = {
                [&] { return *a | *b; },
                [&] { return *a & *b; },
                [&] { return *a - *b; },
            };
            for (const auto& op : ops) {
                set_t result;
                fail_everywhere(allocation_failures, [&] { result = op(); }, unchanged);
                ASSERT_EQ(sorted_test::invariants(result), "");
            }
        }
        // Single-element changes and construction.
        const auto cx = contents(x);
        auto x_unchanged = [&] {
            ASSERT_EQ(sorted_test::invariants(x), "");
            ASSERT_EQ(contents(x), cx);
        };
        for (int v : {-1, 2500, 6000, cx[0], cx[cx.size() / 2]}) {
            set_t result;
            fail_everywhere(allocation_failures, [&] { result = x.insert(make<T>(v)); }, x_unchanged);
            fail_everywhere(allocation_failures, [&] { result = x.erase(make<T>(v)); }, x_unchanged);
        }
        std::vector<T> items;
        for (int i = 0; i < 400; ++i) items.push_back(make<T>(i));
        set_t built;
        fail_everywhere(allocation_failures, [&] { built = set_t(items.begin(), items.end()); }, [] {});
        ASSERT_EQ(built.size(), 400u);
    }
    EXPECT_EQ(counted_policy::live_nodes(), nodes_before);
    EXPECT_EQ(throwing_value::live, tv_before);
    EXPECT_EQ(movable_elem::live, me_before);
}

TEST(sorted_set_exceptions, algebra_with_throwing_copies) { exercise_algebra<throwing_value>(false); }
TEST(sorted_set_exceptions, algebra_with_throwing_copies_and_nothrow_moves) { exercise_algebra<movable_elem>(false); }
TEST(sorted_set_exceptions, algebra_with_failing_allocations) { exercise_algebra<int>(true); }
TEST(sorted_set_exceptions, algebra_with_failing_allocations_and_moves) { exercise_algebra<movable_elem>(true); }

} // namespace
