// Exception safety of immutable::sorted_map: a copy that throws (throwing_value, and a type
// whose copy throws but whose move does not, which takes the in-place builder paths) or an
// allocation that fails (failing_heap_policy::fail_after) at every possible point of an
// operation must leave the source version — and a builder — exactly as it was, keep every
// invariant, and leak neither nodes nor elements.
#include <gtest/gtest.h>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <new>
#include <random>
#include <vector>

#include <immutable/sorted_map.hpp>

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

struct fat_throwing {
    throwing_value v;
    char pad[100] = {};
    fat_throwing() = default;
    explicit fat_throwing(int x) : v(x) {}
    [[maybe_unused]] friend bool operator==(const fat_throwing& a, const fat_throwing& b) { return a.v == b.v; }
    friend auto operator<=>(const fat_throwing& a, const fat_throwing& b) { return a.v <=> b.v; }
};

int value_of(const throwing_value& k) { return k.value(); }
int value_of(const movable_key& k) { return k.v; }
int value_of(const fat_throwing& k) { return k.v.value(); }
int value_of(int k) { return k; }

void arm_copies(std::int64_t k) {
    throwing_value::throw_after(k);
    movable_key::countdown = k;
}
void disarm() {
    throwing_value::never_throw();
    movable_key::countdown = -1;
    failing_heap_policy::never_fail();
}

template <class Map>
std::vector<std::pair<int, int>> contents(const Map& m) {
    std::vector<std::pair<int, int>> out;
    for (const auto& [k, v] : m) out.emplace_back(value_of(k), value_of(v));
    return out;
}

// Runs `attempt` with failure injected at point 0, 1, 2, ... until it completes. After each
// failure `check` must confirm nothing observable changed. Returns the number of failures.
template <class Attempt, class Check>
int fail_everywhere(bool allocation_failures, Attempt attempt, Check check) {
    for (int k = 0; k < 100000; ++k) {
        if (allocation_failures) {
            failing_heap_policy::fail_after(k);
        } else {
            arm_copies(k);
        }
        try {
            attempt();
            disarm();
            return k;
        } catch (const copy_failure&) {
            disarm();
        } catch (const std::bad_alloc&) {
            disarm();
        }
        check();
    }
    ADD_FAILURE() << "operation never completed";
    return -1;
}

template <class K, class V>
void exercise_map(bool allocation_failures) {
    using map_t = immutable::sorted_map<K, V, std::less<K>, counted_policy>;
    const auto nodes_before = counted_policy::live_nodes();
    const auto tv_before = throwing_value::live;
    const auto mk_before = movable_key::live;
    {
        map_t m;
        {
            auto b = m.to_builder();
            for (int i = 0; i < 600; ++i) b.set(K(i * 2), V(i));
            m = b.build();
        }
        const auto snapshot = contents(m);
        ASSERT_GE(sorted_test::height_of(m), 1u);
        auto unchanged = [&] {
            ASSERT_EQ(sorted_test::invariants(m), "");
            ASSERT_EQ(contents(m), snapshot);
        };
        std::vector<std::function<map_t()>> ops = {
            [&] { return m.set(K(301), V(7)); },              // new key, splits a full leaf maybe
            [&] { return m.set(K(0), V(-1)); },               // new first key
            [&] { return m.set(K(1199), V(5)); },             // new last key
            [&] { return m.set(K(600), V(99)); },             // replace a value
            [&] { return m.erase(K(600)); },                  // erase
            [&] { return m.erase(K(0)); },                    // erase the first key
            [&] { return m.update(K(10), [](const V& v) { return V(value_of(v) + 1); }); },
            [&] { return m.update(K(11), [](const V& v) { return V(value_of(v) + 1); }); },
            [&] {
                std::vector<std::pair<K, V>> sorted;
                for (int i = 0; i < 300; ++i) sorted.emplace_back(K(i), V(i));
                return map_t(sorted.begin(), sorted.end());
            },
            [&] {
                std::vector<std::pair<K, V>> shuffled;
                for (int i = 0; i < 100; ++i) shuffled.emplace_back(K((i * 37) % 100), V(i));
                return map_t(shuffled.begin(), shuffled.end());
            },
        };
        for (std::size_t i = 0; i < ops.size(); ++i) {
            SCOPED_TRACE(i);
            map_t result;
            int failures = fail_everywhere(allocation_failures, [&] { result = ops[i](); }, unchanged);
            EXPECT_GE(failures, 0);
            EXPECT_EQ(sorted_test::invariants(result), "");
        }
        // Erasing many keys in a row, so merges and borrows happen on the way.
        for (int key = 0; key < 1200; key += 14) {
            map_t result;
            const auto before = contents(m);
            fail_everywhere(allocation_failures, [&] { result = m.erase(K(key)); }, [&] {
                ASSERT_EQ(sorted_test::invariants(m), "");
                ASSERT_EQ(contents(m), before);
            });
            ASSERT_EQ(sorted_test::invariants(result), "");
            m = result;
        }

        // Builders: a failed change leaves the builder's contents as they were.
        auto b = m.to_builder();
        std::mt19937 rng(5);
        for (int step = 0; step < 120; ++step) {
            const int key = static_cast<int>(rng() % 1400);
            const bool erase = rng() % 3 == 0;
            // Mostly the builder owns its nodes alone (in-place edits); every tenth step a
            // built map shares them (copy on write), and must not change.
            const auto expected = contents(b.build());
            map_t kept;
            if (step % 10 == 0) kept = b.build();
            auto builder_unchanged = [&] {
                ASSERT_EQ(sorted_test::invariants(b), "");
                ASSERT_EQ(contents(b.build()), expected);
            };
            fail_everywhere(allocation_failures,
                            [&] {
                                if (erase) {
                                    b.erase(K(key));
                                } else {
                                    b.set(K(key), V(step));
                                }
                            },
                            builder_unchanged);
            ASSERT_EQ(sorted_test::invariants(b), "");
            if (step % 10 == 0) {
                ASSERT_EQ(contents(kept), expected);
            }
        }

        // Changes to a map about to be discarded (owned = std::move(owned).set(...)) whose
        // nodes nothing else shares, so they are edited in place: a failure leaves it as it was.
        map_t owned;
        {
            auto ob = map_t().to_builder();
            for (int i = 0; i < 400; ++i) ob.set(K(i * 3), V(i));
            owned = ob.build();
        }
        for (int step = 0; step < 60; ++step) {
            const int key = static_cast<int>(rng() % 1400);
            const int kind = static_cast<int>(rng() % 3);
            const auto expected = contents(owned);
            fail_everywhere(allocation_failures,
                            [&] {
                                if (kind == 0) {
                                    owned = std::move(owned).erase(K(key));
                                } else if (kind == 1) {
                                    owned = std::move(owned).set(K(key), V(step));
                                } else {
                                    owned = std::move(owned).update(
                                        K(key), [](const V& v) { return V(value_of(v) + 1); });
                                }
                            },
                            [&] {
                                ASSERT_EQ(sorted_test::invariants(owned), "");
                                ASSERT_EQ(contents(owned), expected);
                            });
            ASSERT_EQ(sorted_test::invariants(owned), "");
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), nodes_before);
    EXPECT_EQ(throwing_value::live, tv_before);
    EXPECT_EQ(movable_key::live, mk_before);
}

TEST(sorted_map_exceptions, throwing_copies_of_keys_and_values) { exercise_map<throwing_value, throwing_value>(false); }
TEST(sorted_map_exceptions, throwing_copies_with_nothrow_moves) { exercise_map<movable_key, int>(false); }
TEST(sorted_map_exceptions, throwing_copies_in_deep_trees) { exercise_map<fat_throwing, throwing_value>(false); }
TEST(sorted_map_exceptions, failing_allocations) { exercise_map<int, int>(true); }
TEST(sorted_map_exceptions, failing_allocations_with_throwing_elements) {
    exercise_map<throwing_value, throwing_value>(true);
}
TEST(sorted_map_exceptions, failing_allocations_in_deep_trees) { exercise_map<movable_key, int>(true); }

TEST(sorted_map_exceptions, throwing_update_function_changes_nothing) {
    using map_t = immutable::sorted_map<int, int, std::less<int>, counted_policy>;
    const auto nodes_before = counted_policy::live_nodes();
    {
        map_t m{{1, 1}, {2, 2}};
        auto thrower = [](const int&) -> int { throw std::runtime_error("no"); };
        EXPECT_THROW((void)m.update(1, thrower), std::runtime_error);
        EXPECT_THROW((void)m.update(5, thrower), std::runtime_error);
        auto b = m.to_builder();
        EXPECT_THROW(b.update(1, thrower), std::runtime_error);
        EXPECT_THROW(b.update(9, thrower), std::runtime_error);
        EXPECT_EQ(b.size(), 2u);
        EXPECT_EQ(contents(b.build()), (std::vector<std::pair<int, int>>{{1, 1}, {2, 2}}));
        EXPECT_EQ(contents(m), (std::vector<std::pair<int, int>>{{1, 1}, {2, 2}}));
    }
    EXPECT_EQ(counted_policy::live_nodes(), nodes_before);
}

} // namespace
