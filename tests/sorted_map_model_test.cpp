// Model-based tests for immutable::sorted_map against std::map: random sequences of set,
// insert, update, erase, builder batches, range construction and branching from older
// versions; after every step the whole observable state (iteration both ways, lookups,
// bounds, ranges, nth, rank, front/back) is compared with the model and the tree
// invariants are checked, and at the end every version ever made is checked again
// (persistence) and every node freed (leak check).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <immutable/sorted_map.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;
using sorted_test::keys;
using model_t = std::map<int, int>;

struct op {
    int kind = 0;
    int key = 0;
    int value = 0;
    int version = 0;
    std::vector<int> batch; // builder steps: >= 0 set key, < 0 erase key ~v
};

rc::Gen<op> gen_op(int range) {
    return rc::gen::build<op>(rc::gen::set(&op::kind, rc::gen::inRange(0, 12)),
                              rc::gen::set(&op::key, rc::gen::inRange(0, range)),
                              rc::gen::set(&op::value, rc::gen::inRange(-3, 4)),
                              rc::gen::set(&op::version, rc::gen::inRange(0, 1 << 20)),
                              rc::gen::set(&op::batch, rc::gen::container<std::vector<int>>(
                                                           rc::gen::inRange(-range, range))));
}

bool same_entry(const std::pair<int, int>& a, const std::pair<const int, int>& b) {
    return a.first == b.first && a.second == b.second;
}

// full = false: contents and invariants only (the end-of-run persistence check).
template <class Map>
void expect_matches(const Map& m, const model_t& model, int range, bool full = true) {
    using K = typename Map::key_type;
    RC_ASSERT(sorted_test::invariants(m) == "");
    RC_ASSERT(m.size() == model.size());
    RC_ASSERT(m.empty() == model.empty());

    // Iteration, both directions.
    std::vector<std::pair<int, int>> fwd, bwd;
    for (const auto& [k, v] : m) fwd.emplace_back(keys<K>::value(k), v);
    for (auto it = m.rbegin(); it != m.rend(); ++it) bwd.emplace_back(keys<K>::value(it->first), it->second);
    RC_ASSERT((fwd == std::vector<std::pair<int, int>>(model.begin(), model.end())));
    RC_ASSERT((bwd == std::vector<std::pair<int, int>>(model.rbegin(), model.rend())));
    if (!full) return;

    // Order statistics for every index.
    std::size_t i = 0;
    for (const auto& [k, v] : model) {
        const auto& e = m.nth(i);
        RC_ASSERT(keys<K>::value(e.first) == k);
        RC_ASSERT(e.second == v);
        ++i;
    }
    RC_ASSERT_THROWS_AS(m.nth(model.size()), std::out_of_range);

    if (model.empty()) {
        RC_ASSERT_THROWS_AS(m.front(), std::out_of_range);
        RC_ASSERT_THROWS_AS(m.back(), std::out_of_range);
    } else {
        RC_ASSERT(keys<K>::value(m.front().first) == model.begin()->first);
        RC_ASSERT(keys<K>::value(m.back().first) == model.rbegin()->first);
    }

    // Lookups and bounds for every key in range (present or not) and just outside it.
    auto key_at = [&](auto it) { return it == m.end() ? -1 : keys<K>::value(it->first); };
    auto model_key_at = [&](auto it) { return it == model.end() ? -1 : it->first; };
    std::vector<int> probes;
    for (const auto& e : model) probes.push_back(e.first);
    for (int p = 0; p <= range; p += 5) probes.push_back(p);
    for (int p : probes) {
        const K key = keys<K>::make(p);
        auto found = model.find(p);
        const int* v = m.find(key);
        RC_ASSERT((v != nullptr) == (found != model.end()));
        if (v != nullptr) {
            RC_ASSERT(*v == found->second);
            RC_ASSERT(m.at(key) == found->second);
        } else {
            RC_ASSERT_THROWS_AS(m.at(key), std::out_of_range);
        }
        RC_ASSERT(m.contains(key) == (found != model.end()));
        RC_ASSERT(m.count(key) == model.count(p));
        RC_ASSERT(key_at(m.lower_bound(key)) == model_key_at(model.lower_bound(p)));
        RC_ASSERT(key_at(m.upper_bound(key)) == model_key_at(model.upper_bound(p)));
        auto [lo, hi] = m.equal_range(key);
        RC_ASSERT(std::distance(lo, hi) == static_cast<std::ptrdiff_t>(model.count(p)));
        RC_ASSERT(m.rank(key) ==
                  static_cast<std::size_t>(std::distance(model.begin(), model.lower_bound(p))));
    }

    // A few ranges, including empty and reversed ones.
    const int bounds[][2] = {{0, range}, {range / 3, range / 2}, {range / 2, range / 3}, {5, 5}, {0, 1}, {range - 1, range + 5}};
    for (const auto& b : bounds) {
        std::vector<int> got, want;
        for (const auto& e : m.range(keys<K>::make(b[0]), keys<K>::make(b[1]))) got.push_back(keys<K>::value(e.first));
        if (b[0] < b[1]) {
            for (auto it = model.lower_bound(b[0]); it != model.lower_bound(b[1]); ++it) want.push_back(it->first);
        }
        RC_ASSERT(got == want);
    }
}

template <class Key>
void run_model(const std::vector<op>& ops, int range) {
    using map_t = immutable::sorted_map<Key, int, std::less<Key>, counted_policy>;
    const auto live_before = counted_policy::live_nodes();
    {
        std::vector<std::pair<map_t, model_t>> versions;
        map_t m;
        model_t model;
        versions.emplace_back(m, model);
        for (const op& o : ops) {
            const Key k = keys<Key>::make(o.key);
            switch (o.kind) {
            case 0:
                m = m.set(k, o.value);
                model[o.key] = o.value;
                break;
            case 1:
                m = m.insert({k, o.value * 10});
                model[o.key] = o.value * 10;
                break;
            case 2: {
                m = m.update(k, [&](const int& v) { return v + o.value; });
                model[o.key] += o.value;
                break;
            }
            case 3:
            case 4:
                m = m.erase(k);
                model.erase(o.key);
                break;
            case 5: {
                // No-ops keep the root and allocate nothing.
                const auto allocs = counted_policy::stats().allocations;
                if (model.count(o.key) == 0) {
                    map_t same = m.erase(k);
                    RC_ASSERT((same.identity() == m.identity()));
                } else {
                    map_t same = m.set(k, model[o.key]);
                    RC_ASSERT((same.identity() == m.identity()));
                    map_t same2 = m.update(k, [](const int& v) { return v; });
                    RC_ASSERT((same2.identity() == m.identity()));
                }
                RC_ASSERT(counted_policy::stats().allocations == allocs);
                break;
            }
            case 6:
            case 7: {
                auto b = m.to_builder();
                for (int step : o.batch) {
                    if (step >= 0) {
                        b.set(keys<Key>::make(step), step + o.value);
                        model[step] = step + o.value;
                    } else {
                        b.erase(keys<Key>::make(~step));
                        model.erase(~step);
                    }
                    RC_ASSERT(b.size() == model.size());
                    RC_ASSERT(sorted_test::invariants(b) == "");
                }
                for (int p = 0; p < range; p += 7) {
                    const int* v = b.find(keys<Key>::make(p));
                    RC_ASSERT((v != nullptr) == (model.count(p) == 1));
                    if (v != nullptr) RC_ASSERT(*v == model[p]);
                    RC_ASSERT(b.contains(keys<Key>::make(p)) == (model.count(p) == 1));
                }
                m = b.build();
                // The builder stays usable and never changes what it built.
                b.set(keys<Key>::make(o.key), 12345);
                b.erase(keys<Key>::make((o.key + 1) % range));
                break;
            }
            case 8: {
                // From a range: sorted (bulk load) or shuffled (one by one), plus the batch.
                for (int step : o.batch) model[step < 0 ? ~step : step] = step;
                std::vector<std::pair<Key, int>> entries;
                for (const auto& [mk, mv] : model) entries.emplace_back(keys<Key>::make(mk), mv);
                if (o.value < 0) std::shuffle(entries.begin(), entries.end(), std::mt19937(o.version));
                m = map_t(entries.begin(), entries.end());
                break;
            }
            case 11: {
                // Changes to a map about to be discarded: in place where only it reaches the
                // nodes. `m` and the older versions share nodes with it and must not change.
                map_t owned = m.set(k, o.value);
                model[o.key] = o.value;
                for (int step : o.batch) {
                    const Key sk = keys<Key>::make(step < 0 ? ~step : step);
                    if (step >= 0) {
                        owned = std::move(owned).set(sk, step + o.value);
                        model[step] = step + o.value;
                    } else {
                        owned = std::move(owned).erase(sk);
                        model.erase(~step);
                    }
                }
                owned = std::move(owned).update(k, [](const int& v) { return v + 1; });
                model[o.key] += 1;
                owned = std::move(owned).insert({k, o.value});
                model[o.key] = o.value;
                m = std::move(owned);
                break;
            }
            case 9:
            case 10: {
                // Continue from an older version (branching history).
                const auto& [vm, vmodel] = versions[static_cast<std::size_t>(o.version) % versions.size()];
                m = vm;
                model = vmodel;
                break;
            }
            }
            expect_matches(m, model, range);
            versions.emplace_back(m, model);
        }
        for (const auto& [vm, vmodel] : versions) expect_matches(vm, vmodel, range, false);
    }
    RC_ASSERT(counted_policy::live_nodes() == live_before);
}

RC_GTEST_PROP(sorted_map_model, int_keys_match_std_map, ()) {
    const auto ops = *rc::gen::container<std::vector<op>>(gen_op(120));
    run_model<int>(ops, 120);
}

RC_GTEST_PROP(sorted_map_model, fat_keys_deep_trees_match_std_map, ()) {
    const auto ops = *rc::gen::container<std::vector<op>>(gen_op(300));
    run_model<sorted_test::fat_key>(ops, 300);
}

RC_GTEST_PROP(sorted_map_model, string_keys_match_std_map, ()) {
    const auto ops = *rc::gen::container<std::vector<op>>(gen_op(60));
    run_model<std::string>(ops, 60);
}

// Larger deterministic runs: thousands of entries, several levels even with int keys.
TEST(sorted_map_model, long_random_histories_match_std_map) {
    using map_t = immutable::sorted_map<int, int, std::less<int>, counted_policy>;
    std::mt19937 rng(2024);
    const auto live_before = counted_policy::live_nodes();
    {
        map_t m;
        model_t model;
        std::vector<std::pair<map_t, model_t>> versions;
        for (int round = 0; round < 40; ++round) {
            for (int i = 0; i < 500; ++i) {
                const int k = static_cast<int>(rng() % 20000);
                switch (rng() % 4) {
                case 0: m = m.erase(k); model.erase(k); break;
                default: m = m.set(k, i); model[k] = i; break;
                }
            }
            auto b = m.to_builder();
            for (int i = 0; i < 500; ++i) {
                const int k = static_cast<int>(rng() % 20000);
                if (rng() % 3 == 0) { b.erase(k); model.erase(k); } else { b.set(k, -i); model[k] = -i; }
            }
            m = b.build();
            ASSERT_EQ(sorted_test::invariants(m), "");
            ASSERT_TRUE(std::equal(m.begin(), m.end(), model.begin(), model.end(), same_entry));
            versions.emplace_back(m, model);
        }
        EXPECT_GE(sorted_test::height_of(m), 2u);
        for (const auto& [vm, vmodel] : versions) {
            ASSERT_EQ(sorted_test::invariants(vm), "");
            ASSERT_TRUE(std::equal(vm.begin(), vm.end(), vmodel.begin(), vmodel.end(), same_entry));
            std::size_t i = 0;
            for (const auto& e : vmodel) {
                ASSERT_TRUE(same_entry(vm.nth(i), e));
                ASSERT_EQ(vm.rank(e.first), i);
                ++i;
            }
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), live_before);
}

} // namespace
