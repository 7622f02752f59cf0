// A path update five levels down a recursive tree, with the k-th element copy throwing
// and, separately, the k-th node allocation failing, for every k until the update goes
// through: each failure leaves every existing version as it was, and no node, element or
// boxed value is left behind (counted policy; ASan in the asan preset).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include <immutable/box.hpp>
#include <immutable/list.hpp>

#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"
#include "support/throwing_value.hpp"

namespace {

using immutable::test::copy_failure;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;

struct tree {
    throwing_value value;
    immutable::box<std::string, counted_policy> label;
    immutable::list<tree, counted_policy> kids;
};

// What a tree held, as plain values, to compare with after a failure.
struct snapshot {
    int value;
    std::string label;
    std::vector<snapshot> kids;
    bool operator==(const snapshot&) const = default;
};

snapshot snap(const tree& t) {
    snapshot s{t.value.value(), *t.label, {}};
    for (const tree& k : t.kids) s.kids.push_back(snap(k));
    return s;
}

// Three children per node, `levels` levels below the root.
tree build(int levels, int& next) {
    tree t{throwing_value(next), std::string("node ") + std::to_string(next), {}};
    ++next;
    if (levels > 0) {
        for (int i = 0; i < 3; ++i) t.kids = t.kids.push_back(build(levels - 1, next));
    }
    return t;
}

template <class F>
tree update_in(const tree& t, const std::vector<std::size_t>& p, std::size_t depth, const F& f) {
    if (depth == p.size()) return f(t);
    tree copy = t;
    copy.kids = t.kids.update(p[depth], [&](const tree& child) { return update_in(child, p, depth + 1, f); });
    return copy;
}

class recursive_exception : public immutable::test::no_leaks_test<counted_policy> {
protected:
    void TearDown() override {
        throwing_value::never_throw();
        failing_heap_policy::never_fail();
        no_leaks_test::TearDown();
        EXPECT_EQ(throwing_value::live, 0);
    }
};

const std::vector<std::size_t> deep_path{2, 0, 1, 2, 1};

tree change_deep_leaf(const tree& root) {
    return update_in(root, deep_path, 0, [](const tree& leaf) {
        tree n = leaf;
        n.value = throwing_value(-1);
        n.label = n.label.update([](const std::string& s) { return s + " (changed)"; });
        n.kids = n.kids.push_back(tree{throwing_value(-2), std::string("new"), {}});
        return n;
    });
}

TEST_F(recursive_exception, a_throwing_copy_deep_in_a_path_update_changes_no_version) {
    int next = 0;
    std::vector<tree> versions{build(5, next)};
    versions.push_back(change_deep_leaf(versions[0]));
    std::vector<snapshot> expected;
    for (const tree& v : versions) expected.push_back(snap(v));
    const std::int64_t nodes = counted_policy::live_nodes();
    const std::int64_t values = throwing_value::live;

    int failures = 0;
    for (std::int64_t k = 0;; ++k) {
        throwing_value::throw_after(k);
        try {
            tree changed = change_deep_leaf(versions.back());
            throwing_value::never_throw();
            // The leaf had one child pushed by the version before; this update pushed another.
            EXPECT_EQ(snap(changed).kids[2].kids[0].kids[1].kids[2].kids[1].kids.size(), 2u);
            break;
        } catch (const copy_failure&) {
            throwing_value::never_throw();
            ++failures;
            ASSERT_EQ(counted_policy::live_nodes(), nodes) << "k = " << k;
            ASSERT_EQ(throwing_value::live, values) << "k = " << k;
            for (std::size_t i = 0; i < versions.size(); ++i) ASSERT_EQ(snap(versions[i]), expected[i]) << "k = " << k;
        }
    }
    EXPECT_GE(failures, 5); // at least one copy per level could throw
}

TEST_F(recursive_exception, a_failing_allocation_deep_in_a_path_update_changes_no_version) {
    int next = 0;
    std::vector<tree> versions{build(5, next)};
    const snapshot expected = snap(versions[0]);
    const std::int64_t nodes = counted_policy::live_nodes();
    const std::int64_t values = throwing_value::live;

    int failures = 0;
    for (std::int64_t k = 0;; ++k) {
        failing_heap_policy::fail_after(k);
        try {
            tree changed = change_deep_leaf(versions[0]);
            failing_heap_policy::never_fail();
            break;
        } catch (const std::bad_alloc&) {
            failing_heap_policy::never_fail();
            ++failures;
            ASSERT_EQ(counted_policy::live_nodes(), nodes) << "k = " << k;
            ASSERT_EQ(throwing_value::live, values) << "k = " << k;
            ASSERT_EQ(snap(versions[0]), expected) << "k = " << k;
        }
    }
    EXPECT_GE(failures, 5); // at least one node per level is allocated
}

} // namespace
