// Model-based tests of the ordered operations of immutable::sorted_map and sorted_set
// (split, take, drop, slice, erase_range, |, &, -, their assignments, union_with, diff)
// against std::map: random histories that mix them with ordinary changes and branch from
// older versions. After every step the tree invariants are checked and the contents compared
// with the model; no-op cuts must keep the root and allocate nothing; at the end every
// version ever made is checked again (persistence) and every node freed.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"
#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;
using sorted_test::keys;
using model_t = std::map<int, int>; // a set's model maps each element to 0

struct op {
    int kind = 0;
    int a = 0;
    int b = 0;
    int version = 0;
    std::vector<int> batch;
};

rc::Gen<op> gen_op(int range) {
    return rc::gen::build<op>(rc::gen::set(&op::kind, rc::gen::inRange(0, 14)),
                              rc::gen::set(&op::a, rc::gen::inRange(-3, range + 3)),
                              rc::gen::set(&op::b, rc::gen::inRange(-3, range + 3)),
                              rc::gen::set(&op::version, rc::gen::inRange(0, 1 << 20)),
                              rc::gen::set(&op::batch, rc::gen::container<std::vector<int>>(
                                                           rc::gen::inRange(0, range))));
}

// What differs between the map and the set, for one test body.
template <class Key>
struct map_kind {
    using type = immutable::sorted_map<Key, int, std::less<Key>, counted_policy>;
    static constexpr bool is_map = true;
    static int key_of(const typename type::value_type& e) { return keys<Key>::value(e.first); }
    static int value_of(const typename type::value_type& e) { return e.second; }
    static type with(const type& c, int k, int v) { return c.set(keys<Key>::make(k), v); }
    static type from(const model_t& m) {
        std::vector<std::pair<Key, int>> e;
        for (const auto& [k, v] : m) e.emplace_back(keys<Key>::make(k), v);
        return type(e.begin(), e.end());
    }
};

template <class Key>
struct set_kind {
    using type = immutable::sorted_set<Key, std::less<Key>, counted_policy>;
    static constexpr bool is_map = false;
    static int key_of(const Key& e) { return keys<Key>::value(e); }
    static int value_of(const Key&) { return 0; }
    static type with(const type& c, int k, int) { return c.insert(keys<Key>::make(k)); }
    static type from(const model_t& m) {
        std::vector<Key> e;
        for (const auto& kv : m) e.push_back(keys<Key>::make(kv.first));
        return type(e.begin(), e.end());
    }
};

template <class Kind>
void expect_matches(const typename Kind::type& c, const model_t& model) {
    RC_ASSERT(sorted_test::invariants(c) == "");
    RC_ASSERT(c.size() == model.size());
    std::vector<std::pair<int, int>> got;
    for (const auto& e : c) got.emplace_back(Kind::key_of(e), Kind::value_of(e));
    RC_ASSERT((got == std::vector<std::pair<int, int>>(model.begin(), model.end())));
}

model_t model_take(const model_t& m, std::size_t n) {
    model_t out;
    for (const auto& e : m) {
        if (out.size() == n) break;
        out.insert(e);
    }
    return out;
}

model_t model_drop(const model_t& m, std::size_t n) {
    model_t out;
    std::size_t i = 0;
    for (const auto& e : m) {
        if (i++ >= n) out.insert(e);
    }
    return out;
}

// The differences diff must report: (kind, key, old value, new value) in key order.
std::vector<std::tuple<char, int, int, int>> model_diff(const model_t& before, const model_t& after, bool values) {
    std::vector<std::tuple<char, int, int, int>> out;
    std::map<int, std::pair<const int*, const int*>> keys_seen;
    for (const auto& [k, v] : before) keys_seen[k].first = &v;
    for (const auto& [k, v] : after) keys_seen[k].second = &v;
    for (const auto& [k, p] : keys_seen) {
        if (p.first == nullptr) {
            out.emplace_back('+', k, 0, *p.second);
        } else if (p.second == nullptr) {
            out.emplace_back('-', k, *p.first, 0);
        } else if (values && *p.first != *p.second) {
            out.emplace_back('~', k, *p.first, *p.second);
        }
    }
    return out;
}

template <class Kind>
std::vector<std::tuple<char, int, int, int>> run_diff(const typename Kind::type& a, const typename Kind::type& b) {
    std::vector<std::tuple<char, int, int, int>> out;
    auto added = [&](const auto& e) { out.emplace_back('+', Kind::key_of(e), 0, Kind::value_of(e)); };
    auto removed = [&](const auto& e) { out.emplace_back('-', Kind::key_of(e), Kind::value_of(e), 0); };
    if constexpr (Kind::is_map) {
        immutable::diff(a, b, added, removed, [&](const auto& x, const auto& y) {
            out.emplace_back('~', Kind::key_of(x), x.second, y.second);
        });
    } else {
        immutable::diff(a, b, added, removed);
    }
    return out;
}

template <class Kind>
void run_model(const std::vector<op>& ops) {
    using C = typename Kind::type;
    const auto live_before = counted_policy::live_nodes();
    {
        std::vector<std::pair<C, model_t>> versions;
        C c;
        model_t model;
        versions.emplace_back(c, model);
        auto other_version = [&](const op& o) -> const std::pair<C, model_t>& {
            return versions[static_cast<std::size_t>(o.version) % versions.size()];
        };
        auto make_key = [](int k) {
            if constexpr (Kind::is_map) {
                return keys<typename C::key_type>::make(k);
            } else {
                return keys<typename C::value_type>::make(k);
            }
        };
        const auto rank = [](int x, std::size_t size) {
            return x < 0 ? std::size_t(0) : (static_cast<std::size_t>(x) > size ? size : static_cast<std::size_t>(x));
        };
        // Half the cuts run on a map about to be discarded (the && overloads): a fresh copy
        // whose nodes nothing else shares, so they are cut in place, or `c` itself, moved.
        auto owned = [&](const op& o) {
            if (o.version % 4 == 1) return Kind::from(model);
            return C(c);
        };
        const auto by_rvalue = [](const op& o) { return o.version % 2 == 1; };
        for (const op& o : ops) {
            const int value = o.b;
            switch (o.kind) {
            case 0: // grow: a batch of keys set or inserted
                for (int k : o.batch) {
                    c = Kind::with(c, k, k + value);
                    model[k] = Kind::is_map ? k + value : 0;
                }
                break;
            case 1: { // split at a key: continue with one side, keep the other as a version
                auto [lo, hi] = by_rvalue(o) ? owned(o).split(make_key(o.a)) : c.split(make_key(o.a));
                model_t mlo, mhi;
                for (const auto& e : model) (e.first < o.a ? mlo : mhi).insert(e);
                expect_matches<Kind>(lo, mlo);
                expect_matches<Kind>(hi, mhi);
                if (!by_rvalue(o) && mlo.empty()) RC_ASSERT((hi.identity() == c.identity()));
                if (!by_rvalue(o) && mhi.empty()) RC_ASSERT((lo.identity() == c.identity()));
                versions.emplace_back(o.b % 2 == 0 ? hi : lo, o.b % 2 == 0 ? mhi : mlo);
                c = o.b % 2 == 0 ? lo : hi;
                model = o.b % 2 == 0 ? mlo : mhi;
                break;
            }
            case 2: { // take, with n beyond the size sometimes
                const std::size_t n = rank(o.a, model.size() + 2);
                const C t = by_rvalue(o) ? owned(o).take(n) : c.take(n);
                if (!by_rvalue(o) && n >= model.size()) RC_ASSERT((t.identity() == c.identity()));
                c = t;
                model = model_take(model, n);
                break;
            }
            case 3: {
                const std::size_t n = rank(o.a, model.size() + 2);
                const C d = by_rvalue(o) ? owned(o).drop(n) : c.drop(n);
                if (!by_rvalue(o) && n == 0) RC_ASSERT((d.identity() == c.identity()));
                c = d;
                model = model_drop(model, n);
                break;
            }
            case 4: { // slice, valid or not
                const std::size_t first = rank(o.a, model.size() + 1);
                const std::size_t last = rank(o.b, model.size() + 1);
                if (first <= last && last <= model.size()) {
                    c = by_rvalue(o) ? owned(o).slice(first, last) : c.slice(first, last);
                    model = model_drop(model_take(model, last), first);
                } else {
                    const auto allocs = counted_policy::stats().allocations;
                    RC_ASSERT_THROWS_AS((void)c.slice(first, last), std::out_of_range);
                    RC_ASSERT(counted_policy::stats().allocations == allocs);
                }
                break;
            }
            case 5:
            case 6: { // erase_range, including empty and reversed ranges
                if (by_rvalue(o)) {
                    c = owned(o).erase_range(make_key(o.a), make_key(o.b));
                    for (auto it = model.begin(); it != model.end();) {
                        it = (it->first >= o.a && it->first < o.b) ? model.erase(it) : std::next(it);
                    }
                    break;
                }
                const auto allocs = counted_policy::stats().allocations;
                const C r = c.erase_range(make_key(o.a), make_key(o.b));
                model_t rest;
                for (const auto& e : model) {
                    if (e.first < o.a || e.first >= o.b) rest.insert(e);
                }
                if (rest.size() == model.size()) {
                    RC_ASSERT((r.identity() == c.identity()));
                    RC_ASSERT(counted_policy::stats().allocations == allocs);
                }
                c = r;
                model = rest;
                break;
            }
            case 7:
            case 8: { // algebra with an older version (shared history) or a fresh one
                C other;
                model_t mother;
                if (o.kind == 7) {
                    std::tie(other, mother) = other_version(o);
                } else {
                    for (int k : o.batch) mother[k] = Kind::is_map ? -k : 0;
                    other = Kind::from(mother);
                }
                model_t u = model, i, d;
                for (const auto& e : mother) u.insert(e); // left-biased: existing keys stay
                for (const auto& e : model) (mother.count(e.first) ? i : d).insert(e);
                expect_matches<Kind>(other | c, [&] {
                    model_t r = mother;
                    for (const auto& e : model) r.insert(e);
                    return r;
                }());
                const C ci = c & other, cd = c - other;
                expect_matches<Kind>(ci, i);
                expect_matches<Kind>(cd, d);
                switch (o.a % 3 < 0 ? -(o.a % 3) : o.a % 3) {
                case 0: c |= other; model = u; break;
                case 1: c &= other; model = i; break;
                default: c -= other; model = d; break;
                }
                break;
            }
            case 9: { // union_with (maps), with a version or a fresh map
                if constexpr (Kind::is_map) {
                    C other;
                    model_t mother;
                    if (o.b % 2 == 0) {
                        std::tie(other, mother) = other_version(o);
                    } else {
                        for (int k : o.batch) mother[k] = k * 3;
                        other = Kind::from(mother);
                    }
                    std::vector<int> seen;
                    c = c.union_with(other, [&](const auto& k, const int& x, const int& y) {
                        seen.push_back(keys<typename C::key_type>::value(k));
                        return 2 * x - y;
                    });
                    std::vector<int> common;
                    for (const auto& e : mother) {
                        auto it = model.find(e.first);
                        if (it == model.end()) {
                            model.insert(e);
                        } else {
                            it->second = 2 * it->second - e.second;
                            common.push_back(e.first);
                        }
                    }
                    RC_ASSERT(seen == common); // called once per common key, in key order
                }
                break;
            }
            case 10:
            case 11: { // diff against an older version, both ways
                const auto& [vc, vmodel] = other_version(o);
                RC_ASSERT(run_diff<Kind>(vc, c) == model_diff(vmodel, model, Kind::is_map));
                RC_ASSERT(run_diff<Kind>(c, vc) == model_diff(model, vmodel, Kind::is_map));
                RC_ASSERT(run_diff<Kind>(c, c).empty());
                // A version a few changes away.
                C near = c;
                model_t mnear = model;
                for (int k : o.batch) {
                    if (k % 3 == 0) {
                        near = near.erase(make_key(k));
                        mnear.erase(k);
                    } else {
                        near = Kind::with(near, k, value);
                        mnear[k] = Kind::is_map ? value : 0;
                    }
                }
                RC_ASSERT(run_diff<Kind>(c, near) == model_diff(model, mnear, Kind::is_map));
                break;
            }
            default: { // continue from an older version (branching history)
                std::tie(c, model) = other_version(o);
                break;
            }
            }
            expect_matches<Kind>(c, model);
            versions.emplace_back(c, model);
        }
        for (const auto& [vc, vmodel] : versions) expect_matches<Kind>(vc, vmodel);
    }
    RC_ASSERT(counted_policy::live_nodes() == live_before);
}

RC_GTEST_PROP(sorted_ordered_model, map_int_keys, ()) {
    const auto ops = *rc::gen::container<std::vector<op>>(gen_op(400));
    run_model<map_kind<int>>(ops);
}

RC_GTEST_PROP(sorted_ordered_model, map_fat_keys_deep_trees, ()) {
    const auto ops = *rc::gen::container<std::vector<op>>(gen_op(300));
    run_model<map_kind<sorted_test::fat_key>>(ops);
}

RC_GTEST_PROP(sorted_ordered_model, set_fat_keys_deep_trees, ()) {
    const auto ops = *rc::gen::container<std::vector<op>>(gen_op(300));
    run_model<set_kind<sorted_test::fat_key>>(ops);
}

} // namespace
