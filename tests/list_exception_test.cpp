// Exception safety of immutable::list: every operation is run with the k-th element copy
// throwing, and with the k-th node allocation failing, for k = 0, 1, 2, ... until it
// succeeds. After every failure the source versions must be unchanged and the counts of
// live elements and live nodes back where they were (nothing leaked, nothing freed twice).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include <immutable/detail/rrb/debug.hpp>
#include <immutable/list.hpp>

#include "support/failing_policy.hpp"
#include "support/throwing_value.hpp"

using immutable::test::copy_failure;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;
using L = immutable::list<throwing_value, counted_policy>;

namespace {

std::vector<int> values_of(const L& l) {
    std::vector<int> v;
    for (const auto& x : l) v.push_back(x.value());
    return v;
}

std::string invariants(const L& l) {
    return immutable::detail::rrb::invariant_checker<throwing_value, counted_policy>::check(
        immutable::detail::rrb::list_access::data_of(l));
}

L make(int first, int last) {
    L::builder b;
    for (int i = first; i < last; ++i) b.push_back(throwing_value(i));
    return b.build();
}

// Sources of every shape: empty, flat, full flat, trees of one and two levels, relaxed,
// and one grown by persistent pushes (a tail with claimed slots).
// 1088 and 2080 have a full tail over 1056 and 2048 tree elements: the next push claims a
// slot in a bottom node, or in the root with a new path below it.
constexpr int source_count = 15;
L make_source(int i) {
    static const int sizes[] = {0, 1, 5, 32, 33, 64, 100, 1056, 1088, 1100, 2080, 2100};
    if (i < 12) return make(0, sizes[i]);
    if (i == 12) return make(0, 700).drop(13) + make(1000, 1900);
    if (i == 13) return make(0, 50).push_front(throwing_value(-1));
    L grown;
    for (int k = 0; k < 90; ++k) grown = grown.push_back(throwing_value(k));
    return grown;
}

using change_fn = std::function<L(const L&, const L&)>;
using model_fn = std::function<bool(const std::vector<int>&, const std::vector<int>&, std::vector<int>&)>;

// Runs `change` with the k-th copy throwing (mode 0) or the k-th allocation failing (mode
// 1). When it completes, its result must hold `expected`. Returns whether it failed.
template <class Change>
bool attempt_failing_at(int mode, std::int64_t k, Change&& change, const std::vector<int>& expected) {
    if (mode == 0) throwing_value::throw_after(k);
    else failing_heap_policy::fail_after(k);
    bool failed = false;
    try {
        L result = change();
        throwing_value::never_throw();
        failing_heap_policy::never_fail();
        EXPECT_EQ(invariants(result), "");
        EXPECT_EQ(values_of(result), expected);
    } catch (const copy_failure&) {
        failed = true;
    } catch (const std::bad_alloc&) {
        failed = true;
    }
    throwing_value::never_throw();
    failing_heap_policy::never_fail();
    return failed;
}

// Runs change(source, other) with the k-th copy throwing, then with the k-th allocation
// failing, for every k until it succeeds. After each failure the sources must be
// unchanged, and once they are gone, every element and node freed. The sources are built
// afresh for each attempt, so slots a failed attempt claimed in their nodes are counted
// too.
void for_every_failure_point(int i, int j, const change_fn& change, const std::vector<int>& expected) {
    for (int mode = 0; mode < 2; ++mode) {
        for (std::int64_t k = 0;; ++k) {
            ASSERT_LT(k, 100000) << "the operation never succeeds";
            const auto live = throwing_value::live;
            const auto nodes = counted_policy::live_nodes();
            const auto bytes = counted_policy::live_bytes();
            bool failed = false;
            {
                const L source = make_source(i);
                const L other = make_source(j);
                const auto source_model = values_of(source);
                const auto other_model = values_of(other);
                failed = attempt_failing_at(mode, k, [&] { return change(source, other); }, expected);
                ASSERT_EQ(values_of(source), source_model) << "mode " << mode << " k " << k;
                ASSERT_EQ(values_of(other), other_model) << "mode " << mode << " k " << k;
                ASSERT_EQ(invariants(source), "");
            }
            ASSERT_EQ(throwing_value::live, live) << "mode " << mode << " k " << k;
            ASSERT_EQ(counted_policy::live_nodes(), nodes) << "mode " << mode << " k " << k;
            ASSERT_EQ(counted_policy::live_bytes(), bytes) << "mode " << mode << " k " << k;
            if (!failed) break;
        }
    }
}

// Applies `change` to every source (with every other source as the second operand when
// `pairs`), checking the result against `model_change`, which may decline a source.
void check_operation(const change_fn& change, const model_fn& model_change, bool pairs = false) {
    std::vector<std::vector<int>> models;
    for (int i = 0; i < source_count; ++i) models.push_back(values_of(make_source(i)));
    for (int i = 0; i < source_count; ++i) {
        for (int j = 0; j < (pairs ? source_count : 1); j += 2) {
            std::vector<int> expected = models[static_cast<std::size_t>(i)];
            if (!model_change(models[static_cast<std::size_t>(i)], models[static_cast<std::size_t>(j)], expected)) continue;
            for_every_failure_point(i, j, change, expected);
        }
    }
}

} // namespace

TEST(list_exceptions, push_back) {
    check_operation([](const L& l, const L&) { return l.push_back(throwing_value(-5)); },
                    [](const auto&, const auto&, auto& m) { m.push_back(-5); return true; });
}

TEST(list_exceptions, push_back_twice_from_one_version) {
    // The second push onto the same version cannot claim the slot: it copies.
    check_operation(
        [](const L& l, const L&) {
            L a = l.push_back(throwing_value(-5));
            return l.push_back(throwing_value(-6));
        },
        [](const auto&, const auto&, auto& m) { m.push_back(-6); return true; });
}

TEST(list_exceptions, push_front) {
    check_operation([](const L& l, const L&) { return l.push_front(throwing_value(-5)); },
                    [](const auto&, const auto&, auto& m) { m.insert(m.begin(), -5); return true; });
}

TEST(list_exceptions, pop_back_and_pop_front) {
    check_operation([](const L& l, const L&) { return l.pop_back(); },
                    [](const auto& s, const auto&, auto& m) { if (s.empty()) return false; m.pop_back(); return true; });
    check_operation([](const L& l, const L&) { return l.pop_front(); },
                    [](const auto& s, const auto&, auto& m) { if (s.empty()) return false; m.erase(m.begin()); return true; });
}

static std::size_t scaled(double where, std::size_t n) { return static_cast<std::size_t>(where * static_cast<double>(n)); }

TEST(list_exceptions, set_and_update) {
    for (double where : {0.0, 0.5, 0.99}) {
        check_operation([where](const L& l, const L&) { return l.set(scaled(where, l.size()), throwing_value(-7)); },
                        [where](const auto& s, const auto&, auto& m) {
                            if (s.empty()) return false;
                            m[scaled(where, s.size())] = -7;
                            return true;
                        });
    }
    check_operation(
        [](const L& l, const L&) { return l.update(0, [](const throwing_value& v) { return throwing_value(v.value() + 1); }); },
        [](const auto& s, const auto&, auto& m) { if (s.empty()) return false; ++m[0]; return true; });
}

// Changes to a list about to be discarded (l = std::move(l).set(...)): a failure leaves it
// as it was, both when its nodes are its own (edited in place) and when another version
// shares them (copied), and the other version never changes.
TEST(list_exceptions, rvalue_changes_are_all_or_nothing) {
    const throwing_value minus5(-5), minus7(-7); // passed as lvalues: copied, so copies can throw
    auto apply = [&](L&& l, int what) {
        const std::size_t n = l.size();
        switch (what) {
        case 0: return std::move(l).push_back(minus5);
        case 1: return std::move(l).pop_back();
        case 2: return std::move(l).set(n / 2, minus7);
        default:
            return std::move(l).update(n - 1, [](const throwing_value& v) { return throwing_value(v.value() + 1); });
        }
    };
    int failures = 0; // attempts that followed a failed one
    for (int i = 0; i < source_count; ++i) {
        for (const bool shared : {false, true}) {
            for (int what = 0; what < 4; ++what) {
                for (int mode = 0; mode < 2; ++mode) {
                    for (std::int64_t k = 0;; ++k) {
                        ASSERT_LT(k, 100000) << "the operation never succeeds";
                        const auto live = throwing_value::live;
                        const auto nodes = counted_policy::live_nodes();
                        bool failed = false;
                        {
                            const L source = make_source(i);
                            if (what != 0 && source.empty()) break;
                            failures += k == 0 ? 0 : 1;
                            L own = shared ? source : make(0, static_cast<int>(source.size()));
                            const auto own_model = values_of(own);
                            const auto source_model = values_of(source);
                            std::vector<int> expected = own_model;
                            if (what == 0) expected.push_back(-5);
                            if (what == 1) expected.pop_back();
                            if (what == 2) expected[expected.size() / 2] = -7;
                            if (what == 3) ++expected.back();
                            failed = attempt_failing_at(mode, k, [&] { return apply(std::move(own), what); }, expected);
                            if (failed) {
                                ASSERT_EQ(values_of(own), own_model) << "what " << what << " k " << k;
                                ASSERT_EQ(invariants(own), "");
                            }
                            ASSERT_EQ(values_of(source), source_model) << "what " << what << " k " << k;
                        }
                        ASSERT_EQ(throwing_value::live, live) << "what " << what << " k " << k;
                        ASSERT_EQ(counted_policy::live_nodes(), nodes) << "what " << what << " k " << k;
                        if (!failed) break;
                    }
                }
            }
        }
    }
    EXPECT_GT(failures, 100); // the failure points were reached, in place and when copying
}

TEST(list_exceptions, insert_and_erase) {
    for (double where : {0.0, 0.3, 0.97, 1.0}) {
        check_operation([where](const L& l, const L&) { return l.insert(scaled(where, l.size()), throwing_value(-8)); },
                        [where](const auto& s, const auto&, auto& m) {
                            m.insert(m.begin() + static_cast<std::ptrdiff_t>(scaled(where, s.size())), -8);
                            return true;
                        });
        check_operation([where](const L& l, const L&) { return l.erase(scaled(where, l.size() - 1)); },
                        [where](const auto& s, const auto&, auto& m) {
                            if (s.empty()) return false;
                            m.erase(m.begin() + static_cast<std::ptrdiff_t>(scaled(where, s.size() - 1)));
                            return true;
                        });
    }
}

TEST(list_exceptions, take_drop_slice) {
    for (std::size_t n : {1u, 31u, 33u, 70u, 1030u}) {
        check_operation([n](const L& l, const L&) { return l.take(n); },
                        [n](const auto&, const auto&, auto& m) { if (n < m.size()) m.resize(n); return true; });
        check_operation([n](const L& l, const L&) { return l.drop(n); },
                        [n](const auto&, const auto&, auto& m) {
                            m.erase(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(std::min(n, m.size())));
                            return true;
                        });
    }
    check_operation([](const L& l, const L&) { return l.slice(l.size() / 3, l.size() - l.size() / 4); },
                    [](const auto& s, const auto&, auto& m) {
                        m.assign(s.begin() + static_cast<std::ptrdiff_t>(s.size() / 3),
                                 s.end() - static_cast<std::ptrdiff_t>(s.size() / 4));
                        return true;
                    });
}

TEST(list_exceptions, concatenation) {
    check_operation([](const L& l, const L& r) { return l + r; },
                    [](const auto&, const auto& r, auto& m) { m.insert(m.end(), r.begin(), r.end()); return true; },
                    true);
    check_operation([](const L& l, const L& r) { return r + l; },
                    [](const auto&, const auto& r, auto& m) { m.insert(m.begin(), r.begin(), r.end()); return true; },
                    true);
}

TEST(list_exceptions, constructors) {
    std::vector<throwing_value> values;
    for (int i = 0; i < 1100; ++i) values.emplace_back(i);
    std::vector<int> expected;
    for (int i = 0; i < 1100; ++i) expected.push_back(i);
    for_every_failure_point(0, 0, [&](const L&, const L&) { return L(values.begin(), values.end()); }, expected);
    for_every_failure_point(0, 0, [&](const L&, const L&) { return L::from_range(values); }, expected);
    for_every_failure_point(0, 0, [&](const L&, const L&) { return L(70, throwing_value(3)); }, std::vector<int>(70, 3));
    for_every_failure_point(0, 0, [&](const L&, const L&) { return L{throwing_value(1), throwing_value(2)}; },
                            std::vector<int>{1, 2});
}

// Whatever a builder session completed before a failure stays in the builder, and the
// list built before it never changes.
TEST(list_exceptions, builder_sessions) {
    for (int i = 0; i < source_count; ++i) {
        const auto model = values_of(make_source(i));
        for (int what = 0; what < 5; ++what) {
            if (what != 0 && what < 3 && model.empty()) continue;
            std::vector<int> expected = model;
            if (what == 0) for (int k = 0; k < 40; ++k) expected.push_back(-k);
            if (what == 1) {
                expected[model.size() / 2] = -1;
                expected[model.size() - 1] = -2;
            }
            if (what == 2) expected.resize(model.size() - std::min<std::size_t>(model.size(), 40));
            if (what == 3) expected.insert(expected.end(), 5, 9);
            if (what == 4) expected.insert(expected.end(), 70, 8); // whole leaves at a time
            for_every_failure_point(i, 0, [&](const L& source, const L&) {
                L::builder b = source.to_builder();
                L built = b.build();
                try {
                    if (what == 0) {
                        for (int k = 0; k < 40; ++k) b.push_back(throwing_value(-k));
                    } else if (what == 1) {
                        b.set(model.size() / 2, throwing_value(-1));
                        b.set(model.size() - 1, throwing_value(-2));
                    } else if (what == 2) {
                        for (std::size_t k = 0; k < std::min<std::size_t>(model.size(), 40); ++k) b.pop_back();
                    } else if (what == 3) {
                        b.append_range(std::vector<throwing_value>(5, throwing_value(9)));
                    } else {
                        b.append_range(std::vector<throwing_value>(70, throwing_value(8)));
                    }
                } catch (...) {
                    throwing_value::never_throw();
                    failing_heap_policy::never_fail();
                    EXPECT_EQ(invariants(b.build()), "");
                    EXPECT_EQ(values_of(built), model);
                    throw;
                }
                EXPECT_EQ(values_of(built), model);
                return b.build();
            }, expected);
        }
    }
}

// A single failing builder step leaves the builder exactly as it was.
TEST(list_exceptions, builder_steps_are_all_or_nothing) {
    for (int i = 0; i < source_count; ++i) {
        const L source = make_source(i);
        const auto model = values_of(source);
        if (model.empty()) continue;
        for (int what = 0; what < 3; ++what) {
            for (std::int64_t k = 0; k < 400; ++k) {
                L::builder b = source.to_builder();
                if (k % 2) (void)b.build(); // shared nodes: the step must copy
                if (k % 4 >= 2) b.set(0, throwing_value(model[0])); // owned path: in place
                throwing_value::throw_after(k / 4);
                bool failed = false;
                try {
                    if (what == 0) b.push_back(throwing_value(-1));
                    else if (what == 1) b.set(model.size() / 3, throwing_value(-1));
                    else b.pop_back();
                } catch (const copy_failure&) {
                    failed = true;
                }
                throwing_value::never_throw();
                if (!failed) break;
                EXPECT_EQ(values_of(b.build()), model);
            }
        }
        EXPECT_EQ(values_of(source), model);
    }
}

// A push_back whose copy throws after claiming the slot gives the slot back: the next
// push onto the same version claims it and allocates nothing.
TEST(list_exceptions, failed_claim_gives_the_slot_back) {
    L l = make(0, 40);
    throwing_value v(7);
    throwing_value::throw_after(0);
    EXPECT_THROW((void)l.push_back(v), copy_failure);
    throwing_value::never_throw();
    const auto allocations = counted_policy::stats().allocations;
    L m = l.push_back(v);
    EXPECT_EQ(counted_policy::stats().allocations, allocations);
    EXPECT_EQ(m.back().value(), 7);
    EXPECT_EQ(values_of(l), values_of(make(0, 40)));
}

TEST(list_exceptions, nothing_leaks_at_the_end) {
    EXPECT_EQ(counted_policy::live_nodes(), 0);
    EXPECT_EQ(throwing_value::live, 0);
}
