// Model-based tests for immutable::set against std::unordered_set: insert, erase, the
// builder, diff and set algebra, with every version re-checked at the end (persistence).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include <immutable/detail/champ/invariants.hpp>
#include <immutable/set.hpp>

#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;
using model_t = std::unordered_set<int>;

struct colliding_hash {
    std::size_t operator()(int k) const noexcept { return static_cast<std::size_t>(k % 5); }
};

template <class Set>
bool same_root(const Set& a, const Set& b) {
    return a.identity() == b.identity();
}

template <class Set>
void expect_matches(const Set& s, const model_t& model) {
    RC_ASSERT(immutable::detail::champ::check_invariants(s) == "");
    RC_ASSERT(s.size() == model.size());
    for (int v : model) RC_ASSERT(s.contains(v));
    std::size_t seen = 0;
    for (int v : s) {
        RC_ASSERT(model.count(v) == 1u);
        ++seen;
    }
    RC_ASSERT(seen == model.size());
}

struct op {
    int kind;
    int value;
    int version;
    int other;
    std::vector<int> batch; // builder steps: >= 0 insert, < 0 erase ~v
};

rc::Gen<op> gen_op(int range) {
    return rc::gen::build<op>(rc::gen::set(&op::kind, rc::gen::inRange(0, 10)),
                              rc::gen::set(&op::value, rc::gen::inRange(0, range)),
                              rc::gen::set(&op::version, rc::gen::inRange(0, 1 << 20)),
                              rc::gen::set(&op::other, rc::gen::inRange(0, 1 << 20)),
                              rc::gen::set(&op::batch, rc::gen::container<std::vector<int>>(
                                                           rc::gen::inRange(-range, range))));
}

template <class Set>
void run_model_versions(const std::vector<op>& ops, int initial) {
    std::vector<Set> versions{Set{}};
    std::vector<model_t> models{model_t{}};
    if (initial > 0) {
        typename Set::builder b;
        model_t model;
        for (int v = 0; v < initial; v += 2) {
            b.insert(v);
            model.insert(v);
        }
        versions.push_back(b.build());
        models.push_back(model);
    }
    for (const op& o : ops) {
        std::size_t from = static_cast<std::size_t>(o.version) % versions.size();
        std::size_t other = static_cast<std::size_t>(o.other) % versions.size();
        const Set& s = versions[from];
        const Set& t = versions[other];
        model_t model = models[from];
        const model_t& tm = models[other];
        Set next;
        switch (o.kind) {
        case 0: {
            auto before = counted_policy::stats().allocations;
            next = s.insert(o.value);
            if (!model.insert(o.value).second) {
                RC_ASSERT(same_root(next, s));
                RC_ASSERT(counted_policy::stats().allocations == before);
            }
            break;
        }
        case 1: {
            auto before = counted_policy::stats().allocations;
            next = s.erase(o.value);
            if (model.erase(o.value) == 0) {
                RC_ASSERT(same_root(next, s));
                RC_ASSERT(counted_policy::stats().allocations == before);
            }
            break;
        }
        case 2: { // builder batch, kept going after an early build()
            auto b = s.to_builder();
            Set early;
            model_t early_model;
            std::size_t half = o.batch.size() / 2;
            for (std::size_t i = 0; i < o.batch.size(); ++i) {
                if (i == half) {
                    early = b.build();
                    early_model = model;
                }
                int v = o.batch[i];
                if (v >= 0) {
                    b.insert(v);
                    model.insert(v);
                } else {
                    b.erase(~v);
                    model.erase(~v);
                }
                RC_ASSERT(b.size() == model.size());
                RC_ASSERT(b.contains(v >= 0 ? v : ~v) == (v >= 0));
            }
            next = b.build();
            if (half < o.batch.size()) {
                versions.push_back(early);
                models.push_back(early_model);
            }
            break;
        }
        case 3: { // union
            next = s | t;
            for (int v : tm) model.insert(v);
            if (model == models[from]) RC_ASSERT(same_root(next, s)); // equal to an input: shared
            else if (model == tm) RC_ASSERT(same_root(next, t));
            break;
        }
        case 4: { // intersection
            next = s & t;
            model_t out;
            for (int v : model) {
                if (tm.count(v) != 0) out.insert(v);
            }
            if (out == model) RC_ASSERT(same_root(next, s));
            else if (out == tm) RC_ASSERT(same_root(next, t));
            model = out;
            break;
        }
        case 5: { // difference
            next = s - t;
            model_t out;
            for (int v : model) {
                if (tm.count(v) == 0) out.insert(v);
            }
            if (out == model) RC_ASSERT(same_root(next, s));
            model = out;
            break;
        }
        case 6: { // diff
            std::set<int> added, removed;
            immutable::diff(
                t, s, [&](int v) { RC_ASSERT(added.insert(v).second); },
                [&](int v) { RC_ASSERT(removed.insert(v).second); });
            std::set<int> want_added, want_removed;
            for (int v : model) {
                if (tm.count(v) == 0) want_added.insert(v);
            }
            for (int v : tm) {
                if (model.count(v) == 0) want_removed.insert(v);
            }
            RC_ASSERT(added == want_added);
            RC_ASSERT(removed == want_removed);
            next = s;
            break;
        }
        case 7: { // equality and hash
            std::vector<int> values(model.begin(), model.end());
            Set rebuilt(values.rbegin(), values.rend());
            RC_ASSERT(rebuilt == s);
            RC_ASSERT(std::hash<Set>{}(rebuilt) == std::hash<Set>{}(s));
            RC_ASSERT((s == t) == (model == tm));
            next = s;
            break;
        }
        case 8: { // updates of a set about to be discarded (in place when unshared)
            next = s.insert(o.value);
            next = std::move(next).insert(o.value + 1).erase(o.value + 2);
            model.insert(o.value);
            model.insert(o.value + 1);
            model.erase(o.value + 2);
            break;
        }
        default: { // compound assignment forms
            next = s;
            next |= t;
            next -= t;
            for (int v : tm) model.erase(v);
            break;
        }
        }
        expect_matches(next, model);
        versions.push_back(next);
        models.push_back(model);
    }
    for (std::size_t i = 0; i < versions.size(); ++i) expect_matches(versions[i], models[i]);
}

template <class Set>
void run_model(const std::vector<op>& ops, int initial = 0) {
    auto live = counted_policy::live_nodes();
    run_model_versions<Set>(ops, initial);
    RC_ASSERT(counted_policy::live_nodes() == live);
}

template <class H>
using counted_set = immutable::set<int, H, std::equal_to<int>, counted_policy>;

} // namespace

RC_GTEST_PROP(set_model, matches_unordered_set, ()) {
    auto ops = *rc::gen::container<std::vector<op>>(gen_op(150));
    run_model<counted_set<std::hash<int>>>(ops);
}

RC_GTEST_PROP(set_model, matches_on_larger_sets, ()) {
    int initial = *rc::gen::inRange(0, 3000);
    auto ops = *rc::gen::resize(40, rc::gen::container<std::vector<op>>(gen_op(initial + 64)));
    run_model<counted_set<std::hash<int>>>(ops, initial);
}

RC_GTEST_PROP(set_model, matches_with_colliding_hash, ()) {
    auto ops = *rc::gen::container<std::vector<op>>(gen_op(40));
    run_model<counted_set<colliding_hash>>(ops);
}

RC_GTEST_PROP(set_model, algebra_on_string_sets, (std::vector<std::string> a, std::vector<std::string> b)) {
    immutable::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
    std::set<std::string> ma(a.begin(), a.end()), mb(b.begin(), b.end());
    std::set<std::string> u = ma, i, d;
    u.insert(mb.begin(), mb.end());
    for (const auto& s : ma) (mb.count(s) ? i : d).insert(s);
    auto to_std = [](const immutable::set<std::string>& s) { return std::set<std::string>(s.begin(), s.end()); };
    RC_ASSERT(to_std(sa | sb) == u);
    RC_ASSERT(to_std(sa & sb) == i);
    RC_ASSERT(to_std(sa - sb) == d);
    RC_ASSERT(immutable::detail::champ::check_invariants(sa | sb) == "");
    RC_ASSERT(immutable::detail::champ::check_invariants(sa & sb) == "");
    RC_ASSERT(immutable::detail::champ::check_invariants(sa - sb) == "");
}
