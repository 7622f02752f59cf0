// Model-based tests for immutable::map: random operation sequences applied to our map and
// to std::unordered_map, compared after every step; every version is kept and re-checked
// at the end (persistence). Runs with a good hash and with a hash that collides a lot.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <immutable/detail/champ/invariants.hpp>
#include <immutable/map.hpp>

#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;

// Only 6 distinct hash values: most keys share their full hash (collision nodes).
struct colliding_hash {
    std::size_t operator()(int k) const noexcept { return static_cast<std::size_t>(k % 6); }
};
// Distinct hashes that agree on their first levels: long single-child chains.
struct prefix_hash {
    std::size_t operator()(int k) const noexcept {
        return static_cast<std::size_t>(k) << 40;
    }
    using is_avalanching = void; // taken as is, not mixed
};

using model_t = std::unordered_map<int, int>;

template <class Map>
bool same_root(const Map& a, const Map& b) {
    return a.identity() == b.identity();
}

template <class Map>
void expect_matches(const Map& m, const model_t& model) {
    RC_ASSERT(immutable::detail::champ::check_invariants(m) == "");
    RC_ASSERT(m.size() == model.size());
    RC_ASSERT(m.empty() == model.empty());
    for (const auto& [k, v] : model) {
        const int* found = m.find(k);
        RC_ASSERT(found != nullptr);
        RC_ASSERT(*found == v);
        RC_ASSERT(m.at(k) == v);
        RC_ASSERT(m.contains(k));
    }
    std::size_t seen = 0;
    for (const auto& e : m) {
        auto it = model.find(e.first);
        RC_ASSERT(it != model.end());
        RC_ASSERT(it->second == e.second);
        ++seen;
    }
    RC_ASSERT(seen == model.size());
}

struct op {
    int kind;
    int key;
    int value;
    int version;
    std::vector<std::pair<int, int>> batch; // builder steps: (key, value); value < 0: erase
};

rc::Gen<op> gen_op(int key_range) {
    return rc::gen::build<op>(
        rc::gen::set(&op::kind, rc::gen::inRange(0, 12)),
        rc::gen::set(&op::key, rc::gen::inRange(0, key_range)),
        rc::gen::set(&op::value, rc::gen::inRange(0, 4)),
        rc::gen::set(&op::version, rc::gen::inRange(0, 1 << 20)),
        rc::gen::set(&op::batch,
                     rc::gen::container<std::vector<std::pair<int, int>>>(rc::gen::pair(
                         rc::gen::inRange(0, key_range), rc::gen::inRange(-2, 4)))));
}

template <class Map>
void run_model_versions(const std::vector<op>& ops, int initial) {
    std::vector<Map> versions{Map{}};
    std::vector<model_t> models{model_t{}};
    if (initial > 0) { // a larger starting map, so operations reach deeper levels
        typename Map::builder b;
        model_t model;
        for (int k = 0; k < initial; ++k) {
            b.set(k, k % 4);
            model[k] = k % 4;
        }
        versions.push_back(b.build());
        models.push_back(model);
    }
    for (const op& o : ops) {
        std::size_t from = static_cast<std::size_t>(o.version) % versions.size();
        const Map& m = versions[from];
        model_t model = models[from];
        Map next;
        switch (o.kind) {
        case 0:
        case 1: {
            auto before = counted_policy::stats().allocations;
            next = o.kind == 0 ? m.set(o.key, o.value) : m.insert({o.key, o.value});
            bool same = model.count(o.key) != 0 && model[o.key] == o.value;
            if (same) {
                // Setting an equal value shares the root and allocates nothing.
                RC_ASSERT(same_root(next, m));
                RC_ASSERT(counted_policy::stats().allocations == before);
            }
            model[o.key] = o.value;
            break;
        }
        case 2:
            next = m.update(o.key, [&](int v) { return v + o.value; });
            model[o.key] += o.value;
            break;
        case 3:
        case 4: {
            auto before = counted_policy::stats().allocations;
            next = m.erase(o.key);
            if (model.erase(o.key) == 0) {
                RC_ASSERT(same_root(next, m));
                RC_ASSERT(counted_policy::stats().allocations == before);
            }
            break;
        }
        case 5:
        case 6: { // a builder batch; the builder keeps going after build()
            auto b = m.to_builder();
            Map built_early;
            model_t early_model;
            std::size_t half = o.batch.size() / 2;
            for (std::size_t i = 0; i < o.batch.size(); ++i) {
                if (i == half) {
                    built_early = b.build();
                    early_model = model;
                }
                auto [k, v] = o.batch[i];
                if (v < 0) {
                    b.erase(k);
                    model.erase(k);
                } else {
                    b.set(k, v);
                    model[k] = v;
                }
                RC_ASSERT(b.size() == model.size());
                RC_ASSERT(b.contains(k) == (model.count(k) != 0));
                if (v >= 0) RC_ASSERT(*b.find(k) == v);
            }
            next = b.build();
            if (half < o.batch.size()) {
                versions.push_back(built_early);
                models.push_back(early_model);
            }
            break;
        }
        case 7: { // diff against an older version
            std::size_t other = static_cast<std::size_t>(o.key) % versions.size();
            std::map<int, int> added, removed;
            std::map<int, std::pair<int, int>> changed;
            immutable::diff(
                versions[other], m, [&](const std::pair<int, int>& e) { added.insert(e); },
                [&](const std::pair<int, int>& e) { removed.insert(e); },
                [&](const std::pair<int, int>& a, const std::pair<int, int>& b) {
                    RC_ASSERT(a.first == b.first);
                    changed[a.first] = {a.second, b.second};
                });
            const model_t& old_model = models[other];
            std::map<int, int> want_added, want_removed;
            std::map<int, std::pair<int, int>> want_changed;
            for (auto [k, v] : model) {
                auto it = old_model.find(k);
                if (it == old_model.end()) want_added[k] = v;
                else if (it->second != v) want_changed[k] = {it->second, v};
            }
            for (auto [k, v] : old_model) {
                if (model.count(k) == 0) want_removed[k] = v;
            }
            RC_ASSERT(added == want_added);
            RC_ASSERT(removed == want_removed);
            RC_ASSERT(changed == want_changed);
            next = m;
            break;
        }
        case 8: { // equality and hash against an independently built map
            std::vector<std::pair<int, int>> entries(model.begin(), model.end());
            Map rebuilt(entries.rbegin(), entries.rend());
            RC_ASSERT(rebuilt == m);
            RC_ASSERT(std::hash<Map>{}(rebuilt) == std::hash<Map>{}(m));
            std::size_t other = static_cast<std::size_t>(o.key) % versions.size();
            RC_ASSERT((versions[other] == m) == (models[other] == model));
            next = m;
            break;
        }
        case 10: { // updates of a map about to be discarded (in place when unshared)
            next = m.set(o.key, o.value);
            model[o.key] = o.value;
            next = std::move(next).set(o.key + 1, o.value).erase(o.key + 2);
            model[o.key + 1] = o.value;
            model.erase(o.key + 2);
            next = std::move(next).update(o.key + 3, [](int v) { return v + 1; });
            model[o.key + 3] += 1;
            next = std::move(next).insert({o.key + 4, 1});
            model[o.key + 4] = 1;
            break;
        }
        default: { // erase every key through the builder, then rebuild
            auto b = m.to_builder();
            for (const auto& [k, v] : model) b.erase(k);
            RC_ASSERT(b.size() == 0u);
            RC_ASSERT(b.build().empty());
            next = m;
            break;
        }
        }
        expect_matches(next, model);
        versions.push_back(next);
        models.push_back(model);
    }
    for (std::size_t i = 0; i < versions.size(); ++i) expect_matches(versions[i], models[i]);
}

// Also the leak check: once every version is gone, so is every node.
template <class Map>
void run_model(const std::vector<op>& ops, int initial = 0) {
    auto live = counted_policy::live_nodes();
    run_model_versions<Map>(ops, initial);
    RC_ASSERT(counted_policy::live_nodes() == live);
}

} // namespace

RC_GTEST_PROP(map_model, matches_unordered_map, ()) {
    auto ops = *rc::gen::container<std::vector<op>>(gen_op(200));
    run_model<immutable::map<int, int, std::hash<int>, std::equal_to<int>, counted_policy>>(ops);
}

RC_GTEST_PROP(map_model, matches_on_larger_maps, ()) {
    int initial = *rc::gen::inRange(0, 1500);
    auto ops = *rc::gen::resize(40, rc::gen::container<std::vector<op>>(gen_op(initial + 64)));
    run_model<immutable::map<int, int, std::hash<int>, std::equal_to<int>, counted_policy>>(ops, initial);
}

RC_GTEST_PROP(map_model, matches_with_few_keys, ()) {
    auto ops = *rc::gen::container<std::vector<op>>(gen_op(8));
    run_model<immutable::map<int, int, std::hash<int>, std::equal_to<int>, counted_policy>>(ops);
}

RC_GTEST_PROP(map_model, matches_with_colliding_hash, ()) {
    auto ops = *rc::gen::container<std::vector<op>>(gen_op(40));
    run_model<immutable::map<int, int, colliding_hash, std::equal_to<int>, counted_policy>>(ops);
}

RC_GTEST_PROP(map_model, matches_with_shared_prefix_hash, ()) {
    auto ops = *rc::gen::container<std::vector<op>>(gen_op(64));
    run_model<immutable::map<int, int, prefix_hash, std::equal_to<int>, counted_policy>>(ops);
}

RC_GTEST_PROP(map_model, string_keys, (std::vector<std::pair<std::string, int>> entries,
                                       std::vector<std::string> erased)) {
    immutable::map<std::string, int> m;
    std::unordered_map<std::string, int> model;
    for (const auto& [k, v] : entries) {
        m = m.set(k, v);
        model[k] = v;
    }
    for (const auto& k : erased) {
        m = m.erase(k);
        model.erase(k);
    }
    RC_ASSERT(immutable::detail::champ::check_invariants(m) == "");
    RC_ASSERT(m.size() == model.size());
    for (const auto& [k, v] : model) RC_ASSERT(m.at(k) == v);
    RC_ASSERT((immutable::map<std::string, int>(model.begin(), model.end()) == m));
}
