// A recursive tree (a value, a boxed label and a list of child trees) changed by random
// path updates, against a plain std::vector-of-children model. After every step the new
// version matches the model, and the subtrees the update did not touch are shared with
// the previous version by address (their child lists and labels are the same nodes).
// Every version is kept and re-checked at the end.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <immutable/box.hpp>
#include <immutable/list.hpp>

#include "support/failing_policy.hpp"

namespace {

using immutable::test::counted_policy;

struct tree {
    int value = 0;
    immutable::box<std::string, counted_policy> label;
    immutable::list<tree, counted_policy> kids;
};

struct model {
    int value = 0;
    std::string label;
    std::vector<model> kids;
};

using path = std::vector<std::size_t>;

// The tree with f applied to the subtree at `p` (child indices from the root): the idiom
// for path updates on the public API. Each level copies one node and updates one child.
template <class F>
tree update_in(const tree& t, const path& p, std::size_t depth, const F& f) {
    if (depth == p.size()) return f(t);
    tree copy = t; // O(1): the label and the child list are shared
    copy.kids = t.kids.update(p[depth], [&](const tree& child) { return update_in(child, p, depth + 1, f); });
    return copy;
}

template <class F>
void update_in(model& m, const path& p, std::size_t depth, const F& f) {
    if (depth == p.size()) return f(m);
    update_in(m.kids[p[depth]], p, depth + 1, f);
}

bool matches(const tree& t, const model& m) {
    if (t.value != m.value || *t.label != m.label || t.kids.size() != m.kids.size()) return false;
    for (std::size_t i = 0; i < m.kids.size(); ++i)
        if (!matches(t.kids[i], m.kids[i])) return false;
    return true;
}

// Off the updated path, the new version holds the old version's subtrees themselves.
void check_shared_off_path(const tree& before, const tree& after, const path& p, std::size_t depth) {
    if (depth == p.size()) return;
    RC_ASSERT(static_cast<bool>(before.label.identity() == after.label.identity()));
    for (std::size_t j = 0; j < after.kids.size() && j < before.kids.size(); ++j) {
        if (j == p[depth]) continue;
        RC_ASSERT(static_cast<bool>(after.kids[j].kids.identity() == before.kids[j].kids.identity()));
        RC_ASSERT(static_cast<bool>(after.kids[j].label.identity() == before.kids[j].label.identity()));
    }
    check_shared_off_path(before.kids[p[depth]], after.kids[p[depth]], p, depth + 1);
}

// A random path from the root: down a random child while there is one and the coin says so.
path random_path(const model& root) {
    path p;
    const model* m = &root;
    while (!m->kids.empty() && *rc::gen::inRange(0, 4) != 0) {
        const auto i = static_cast<std::size_t>(*rc::gen::inRange<std::size_t>(0, m->kids.size()));
        p.push_back(i);
        m = &m->kids[i];
    }
    return p;
}

void run_model() {
    std::vector<std::pair<tree, model>> versions;
    versions.emplace_back(tree{0, std::string("root"), {}}, model{0, "root", {}});
    const int steps = *rc::gen::inRange(1, 120);
    for (int step = 0; step < steps; ++step) {
        const auto& [t, m] = versions[*rc::gen::inRange<std::size_t>(0, versions.size())];
        const path p = random_path(m);
        const int op = *rc::gen::inRange(0, 5);
        const int x = *rc::gen::inRange(-1000, 1000);
        tree nt;
        model nm = m;
        switch (op) {
        case 0: // set the value
            nt = update_in(t, p, 0, [&](tree n) { n.value = x; return n; });
            update_in(nm, p, 0, [&](model& n) { n.value = x; });
            break;
        case 1: // change the label through its box
            nt = update_in(t, p, 0, [&](tree n) {
                n.label = n.label.update([&](const std::string& s) { return s + std::to_string(x); });
                return n;
            });
            update_in(nm, p, 0, [&](model& n) { n.label += std::to_string(x); });
            break;
        case 2: // add a child
            nt = update_in(t, p, 0, [&](tree n) {
                n.kids = n.kids.push_back(tree{x, std::to_string(x), {}});
                return n;
            });
            update_in(nm, p, 0, [&](model& n) { n.kids.push_back(model{x, std::to_string(x), {}}); });
            break;
        case 3: { // remove a child, if there is one
            const model* target = &m;
            for (std::size_t i : p) target = &target->kids[i];
            if (target->kids.empty()) continue;
            const auto at = static_cast<std::size_t>(x + 1000) % target->kids.size();
            nt = update_in(t, p, 0, [&](tree n) { n.kids = n.kids.erase(at); return n; });
            update_in(nm, p, 0, [&](model& n) { n.kids.erase(n.kids.begin() + static_cast<std::ptrdiff_t>(at)); });
            break;
        }
        default: { // graft a whole subtree of some version as a new child
            const auto& graft = versions[static_cast<std::size_t>(x + 1000) % versions.size()];
            const tree& gt = graft.first; // (not a structured binding: clang 14 cannot capture one)
            const model& gm = graft.second;
            nt = update_in(t, p, 0, [&](tree n) { n.kids = n.kids.push_back(gt); return n; });
            update_in(nm, p, 0, [&](model& n) { n.kids.push_back(gm); });
            break;
        }
        }
        RC_ASSERT(matches(nt, nm));
        RC_ASSERT(matches(t, m)); // the version updated from is unchanged
        // Which subtrees are shared depends only on the path for these operations.
        check_shared_off_path(t, nt, p, 0);
        versions.emplace_back(std::move(nt), std::move(nm));
    }
    for (const auto& [t, m] : versions) RC_ASSERT(matches(t, m));
}

} // namespace

RC_GTEST_PROP(recursive_model, random_path_updates_match_a_vector_of_children_model, ()) {
    const std::int64_t live = counted_policy::live_nodes();
    run_model();
    RC_ASSERT(counted_policy::live_nodes() == live);
}
