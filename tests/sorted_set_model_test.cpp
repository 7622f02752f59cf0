// Model-based tests for immutable::sorted_set against std::set: insert, erase, builder
// batches, range construction, branching from older versions, and set algebra between
// versions that share history (and unrelated ones), compared with std::set_union /
// std::set_intersection / std::set_difference. Every step checks the full observable state
// and the invariants; at the end every version is re-checked (persistence) and every node
// must be freed.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;
using sorted_test::keys;
using model_t = std::set<int>;

struct op {
    int kind = 0;
    int value = 0;
    int version = 0;
    std::vector<int> batch; // >= 0 insert, < 0 erase ~v
};

rc::Gen<op> gen_op(int range) {
    return rc::gen::build<op>(rc::gen::set(&op::kind, rc::gen::inRange(0, 13)),
                              rc::gen::set(&op::value, rc::gen::inRange(0, range)),
                              rc::gen::set(&op::version, rc::gen::inRange(0, 1 << 20)),
                              rc::gen::set(&op::batch, rc::gen::container<std::vector<int>>(
                                                           rc::gen::inRange(-range, range))));
}

template <class Set>
void expect_matches(const Set& s, const model_t& model, int range, bool full = true) {
    using T = typename Set::value_type;
    RC_ASSERT(sorted_test::invariants(s) == "");
    RC_ASSERT(s.size() == model.size());
    std::vector<int> fwd, bwd;
    for (const T& x : s) fwd.push_back(keys<T>::value(x));
    for (auto it = s.rbegin(); it != s.rend(); ++it) bwd.push_back(keys<T>::value(*it));
    RC_ASSERT((fwd == std::vector<int>(model.begin(), model.end())));
    RC_ASSERT((bwd == std::vector<int>(model.rbegin(), model.rend())));
    if (!full) return;

    std::size_t i = 0;
    for (int x : model) RC_ASSERT(keys<T>::value(s.nth(i++)) == x);
    RC_ASSERT_THROWS_AS(s.nth(model.size()), std::out_of_range);
    if (model.empty()) {
        RC_ASSERT_THROWS_AS(s.front(), std::out_of_range);
        RC_ASSERT_THROWS_AS(s.back(), std::out_of_range);
    } else {
        RC_ASSERT(keys<T>::value(s.front()) == *model.begin());
        RC_ASSERT(keys<T>::value(s.back()) == *model.rbegin());
    }
    auto at = [&](auto it) { return it == s.end() ? -1 : keys<T>::value(*it); };
    auto model_at = [&](auto it) { return it == model.end() ? -1 : *it; };
    std::vector<int> probes(model.begin(), model.end());
    for (int p = 0; p <= range; p += 5) probes.push_back(p);
    for (int p : probes) {
        const T x = keys<T>::make(p);
        RC_ASSERT(s.contains(x) == (model.count(p) == 1));
        RC_ASSERT(s.count(x) == model.count(p));
        const T* found = s.find(x);
        RC_ASSERT((found != nullptr) == (model.count(p) == 1));
        RC_ASSERT(at(s.lower_bound(x)) == model_at(model.lower_bound(p)));
        RC_ASSERT(at(s.upper_bound(x)) == model_at(model.upper_bound(p)));
        auto [lo, hi] = s.equal_range(x);
        RC_ASSERT(std::distance(lo, hi) == static_cast<std::ptrdiff_t>(model.count(p)));
        RC_ASSERT(s.rank(x) == static_cast<std::size_t>(std::distance(model.begin(), model.lower_bound(p))));
    }
    const int bounds[][2] = {{0, range}, {range / 4, range / 2}, {range / 2, range / 4}, {3, 3}, {range - 2, range + 9}};
    for (const auto& b : bounds) {
        std::vector<int> got, want;
        for (const T& x : s.range(keys<T>::make(b[0]), keys<T>::make(b[1]))) got.push_back(keys<T>::value(x));
        if (b[0] < b[1]) want.assign(model.lower_bound(b[0]), model.lower_bound(b[1]));
        RC_ASSERT(got == want);
    }
}

template <class T>
void run_model(const std::vector<op>& ops, int range) {
    using set_t = immutable::sorted_set<T, std::less<T>, counted_policy>;
    const auto live_before = counted_policy::live_nodes();
    {
        std::vector<std::pair<set_t, model_t>> versions;
        set_t s;
        model_t model;
        versions.emplace_back(s, model);
        for (const op& o : ops) {
            const T x = keys<T>::make(o.value);
            const auto& [other, other_model] = versions[static_cast<std::size_t>(o.version) % versions.size()];
            model_t next;
            switch (o.kind) {
            case 0:
            case 1:
                s = s.insert(x);
                model.insert(o.value);
                break;
            case 2:
                s = s.erase(x);
                model.erase(o.value);
                break;
            case 3: {
                const auto allocs = counted_policy::stats().allocations;
                set_t same = model.count(o.value) ? s.insert(x) : s.erase(x);
                RC_ASSERT((same.identity() == s.identity()));
                RC_ASSERT(counted_policy::stats().allocations == allocs);
                break;
            }
            case 4:
            case 5: {
                auto b = s.to_builder();
                for (int step : o.batch) {
                    if (step >= 0) {
                        b.insert(keys<T>::make(step));
                        model.insert(step);
                    } else {
                        b.erase(keys<T>::make(~step));
                        model.erase(~step);
                    }
                    RC_ASSERT(b.size() == model.size());
                }
                RC_ASSERT(sorted_test::invariants(b) == "");
                for (int p = 0; p < range; p += 3) RC_ASSERT(b.contains(keys<T>::make(p)) == (model.count(p) == 1));
                s = b.build();
                b.insert(keys<T>::make(o.value));
                break;
            }
            case 6: {
                for (int step : o.batch) model.insert(step < 0 ? ~step : step);
                std::vector<T> items;
                for (int v : model) items.push_back(keys<T>::make(v));
                if (o.version % 2 == 1) std::shuffle(items.begin(), items.end(), std::mt19937(o.version));
                s = set_t(items.begin(), items.end());
                break;
            }
            case 7:
                s = s | other;
                std::set_union(model.begin(), model.end(), other_model.begin(), other_model.end(),
                               std::inserter(next, next.end()));
                model = next;
                break;
            case 8:
                s = s & other;
                std::set_intersection(model.begin(), model.end(), other_model.begin(), other_model.end(),
                                      std::inserter(next, next.end()));
                model = next;
                break;
            case 9:
                s = s - other;
                std::set_difference(model.begin(), model.end(), other_model.begin(), other_model.end(),
                                    std::inserter(next, next.end()));
                model = next;
                break;
            case 10:
                s = other - s;
                std::set_difference(other_model.begin(), other_model.end(), model.begin(), model.end(),
                                    std::inserter(next, next.end()));
                model = next;
                break;
            case 12: {
                // Changes to a set about to be discarded: in place where only it reaches the
                // nodes. `s` and the older versions share nodes with it and must not change.
                set_t owned = s.insert(x);
                model.insert(o.value);
                for (int step : o.batch) {
                    if (step >= 0) {
                        owned = std::move(owned).insert(keys<T>::make(step));
                        model.insert(step);
                    } else {
                        owned = std::move(owned).erase(keys<T>::make(~step));
                        model.erase(~step);
                    }
                }
                s = std::move(owned);
                break;
            }
            case 11: {
                // Continue from an older version (branching history).
                set_t vs = other;
                model_t vm = other_model;
                s = vs;
                model = vm;
                break;
            }
            }
            expect_matches(s, model, range);
            versions.emplace_back(s, model);
        }
        // Algebra identities that must share rather than copy.
        RC_ASSERT(((s | s).identity() == s.identity()));
        RC_ASSERT(((s & s).identity() == s.identity()));
        RC_ASSERT((s - s).empty());
        RC_ASSERT(((s | set_t()).identity() == s.identity()));
        RC_ASSERT(((set_t() | s).identity() == s.identity()));
        RC_ASSERT(((s - set_t()).identity() == s.identity()));
        for (const auto& [vs, vm] : versions) expect_matches(vs, vm, range, false);
    }
    RC_ASSERT(counted_policy::live_nodes() == live_before);
}

RC_GTEST_PROP(sorted_set_model, int_elements_match_std_set, ()) {
    run_model<int>(*rc::gen::container<std::vector<op>>(gen_op(150)), 150);
}

RC_GTEST_PROP(sorted_set_model, fat_elements_deep_trees_match_std_set, ()) {
    run_model<sorted_test::fat_key>(*rc::gen::container<std::vector<op>>(gen_op(400)), 400);
}

RC_GTEST_PROP(sorted_set_model, string_elements_match_std_set, ()) {
    run_model<std::string>(*rc::gen::container<std::vector<op>>(gen_op(80)), 80);
}

// Big sets with a common history: the algebra agrees with std on trees several levels deep.
TEST(sorted_set_model, algebra_on_large_related_versions_matches_std) {
    using set_t = immutable::sorted_set<long, std::less<long>, counted_policy>;
    const auto live_before = counted_policy::live_nodes();
    {
        std::mt19937_64 rng(99);
        set_t base;
        {
            auto b = base.to_builder();
            for (int i = 0; i < 30000; ++i) b.insert(static_cast<long>(rng() % 200000));
            base = b.build();
        }
        std::set<long> base_model(base.begin(), base.end());
        for (int round = 0; round < 12; ++round) {
            set_t x = base, y = base;
            std::set<long> mx = base_model, my = base_model;
            const int nx = static_cast<int>(rng() % 2000), ny = static_cast<int>(rng() % 2000);
            for (int i = 0; i < nx; ++i) {
                const long k = static_cast<long>(rng() % 220000);
                if (rng() % 2) { x = x.insert(k); mx.insert(k); } else { x = x.erase(k); mx.erase(k); }
            }
            for (int i = 0; i < ny; ++i) {
                const long k = static_cast<long>(rng() % 220000);
                if (rng() % 2) { y = y.insert(k); my.insert(k); } else { y = y.erase(k); my.erase(k); }
            }
            if (round % 4 == 3) {
                // An unrelated small set on the right.
                y = set_t();
                my.clear();
                for (int i = 0; i < static_cast<int>(rng() % 300); ++i) {
                    const long k = static_cast<long>(rng() % 220000);
                    y = y.insert(k);
                    my.insert(k);
                }
            }
            std::vector<long> u, in, d, d2;
            std::set_union(mx.begin(), mx.end(), my.begin(), my.end(), std::back_inserter(u));
            std::set_intersection(mx.begin(), mx.end(), my.begin(), my.end(), std::back_inserter(in));
            std::set_difference(mx.begin(), mx.end(), my.begin(), my.end(), std::back_inserter(d));
            std::set_difference(my.begin(), my.end(), mx.begin(), mx.end(), std::back_inserter(d2));
            const set_t results[] = {x | y, y | x, x & y, y & x, x - y, y - x};
            const std::vector<long>* expected[] = {&u, &u, &in, &in, &d, &d2};
            for (int r = 0; r < 6; ++r) {
                ASSERT_EQ(sorted_test::invariants(results[r]), "") << "result " << r;
                ASSERT_TRUE(std::equal(results[r].begin(), results[r].end(), expected[r]->begin(), expected[r]->end()))
                    << "result " << r << " round " << round;
            }
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}

} // namespace
