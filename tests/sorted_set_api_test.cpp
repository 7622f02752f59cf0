// The parts of sorted_set's API it shares with the other containers: policy_type,
// max_size, swap (member and ADL), the compound algebra |=, &=, -= (model-based against
// std::set_union / std::set_intersection / std::set_difference, between versions with a
// common history and unrelated ones), and the builder's shape: default-constructible,
// chainable changes, begin()/end() over its current content.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"

namespace {

struct api_test_tag {};
using counting_policy = immutable::counted<immutable::heap_policy, api_test_tag>;
using sorted_test::keys;

using set_t = immutable::sorted_set<int>;

static_assert(std::is_same_v<set_t::policy_type, immutable::default_policy>);
static_assert(std::is_same_v<immutable::sorted_set<int, std::less<int>, counting_policy>::policy_type,
                             counting_policy>);
template <class C>
concept has_memory_policy_type = requires { typename C::memory_policy_type; };
static_assert(!has_memory_policy_type<set_t>, "the older name is gone");

static_assert(std::is_nothrow_swappable_v<set_t>);
static_assert(std::is_default_constructible_v<set_t::builder>);
static_assert(std::is_same_v<decltype(std::declval<set_t::builder&>().insert(1)), set_t::builder&>);
static_assert(std::is_same_v<decltype(std::declval<set_t::builder&>().erase(1)), set_t::builder&>);
static_assert(std::is_same_v<decltype(std::declval<set_t&>() |= std::declval<const set_t&>()), set_t&>);
static_assert(std::is_same_v<decltype(std::declval<set_t&>() &= std::declval<const set_t&>()), set_t&>);
static_assert(std::is_same_v<decltype(std::declval<set_t&>() -= std::declval<const set_t&>()), set_t&>);
static_assert(std::is_same_v<decltype(std::declval<const set_t::builder&>().begin()), set_t::iterator>);

std::vector<int> contents(const auto& c) {
    std::vector<int> out;
    for (const auto& x : c) out.push_back(keys<std::remove_cvref_t<decltype(x)>>::value(x));
    return out;
}

TEST(sorted_set_api, max_size_bounds_every_set) {
    static_assert(set_t::max_size() > 0);
    const set_t s{1, 2, 3};
    EXPECT_GE(s.max_size(), s.size());
    EXPECT_GE(set_t::max_size(), immutable::sorted_set<std::string>::max_size());
}

TEST(sorted_set_api, swap_exchanges_contents_and_comparators) {
    using desc_t = immutable::sorted_set<int, std::function<bool(int, int)>>;
    desc_t a({1, 2, 3}, std::less<int>());
    desc_t b({7, 8}, std::greater<int>());
    const void* ia = a.identity();
    const void* ib = b.identity();
    a.swap(b);
    EXPECT_EQ(a.identity(), ib);
    EXPECT_EQ(b.identity(), ia);
    EXPECT_EQ(contents(a), (std::vector<int>{8, 7}));
    EXPECT_EQ(contents(b), (std::vector<int>{1, 2, 3}));
    // Each keeps the order that came with its contents.
    a = a.insert(9);
    b = b.insert(0);
    EXPECT_EQ(contents(a), (std::vector<int>{9, 8, 7}));
    EXPECT_EQ(contents(b), (std::vector<int>{0, 1, 2, 3}));

    using std::swap;
    swap(a, b); // ADL: sorted_set's own swap
    EXPECT_EQ(contents(a), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(contents(b), (std::vector<int>{9, 8, 7}));
    swap(a, a);
    EXPECT_EQ(contents(a), (std::vector<int>{0, 1, 2, 3}));
}

TEST(sorted_set_api, compound_algebra_returns_this_set_and_shares_where_it_can) {
    set_t a{1, 2, 3, 4};
    const set_t b{3, 4, 5};
    set_t* self = &(a |= b);
    EXPECT_EQ(self, &a);
    EXPECT_EQ(contents(a), (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_EQ(&(a &= b), &a);
    EXPECT_EQ(contents(a), (std::vector<int>{3, 4, 5}));
    EXPECT_EQ(&(a -= set_t{4}), &a);
    EXPECT_EQ(contents(a), (std::vector<int>{3, 5}));

    // With itself: the same root for | and &, empty for -.
    const void* root = a.identity();
    const set_t& itself = a;
    a |= itself;
    EXPECT_EQ(a.identity(), root);
    a &= itself;
    EXPECT_EQ(a.identity(), root);
    a -= itself;
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(contents(b), (std::vector<int>{3, 4, 5})); // the right operand never changes
}

TEST(sorted_set_api, compound_algebra_keeps_the_left_comparator_and_elements) {
    // Equivalent elements: the left operand's stays, as for the binary operators.
    struct entry {
        int key;
        int tag;
    };
    struct by_key {
        bool operator()(const entry& x, const entry& y) const { return x.key < y.key; }
    };
    using tagged_t = immutable::sorted_set<entry, by_key>;
    tagged_t a{{1, 0}, {2, 0}};
    const tagged_t b{{2, 1}, {3, 1}};
    a |= b;
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a.nth(1).tag, 0);
    EXPECT_EQ(a.nth(2).tag, 1);
    a &= b;
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a.nth(0).tag, 0);

    immutable::sorted_set<int, std::greater<int>> d{1, 5, 3};
    d |= immutable::sorted_set<int, std::greater<int>>{4, 2};
    EXPECT_EQ(contents(d), (std::vector<int>{5, 4, 3, 2, 1}));
}

struct algebra_op {
    int kind = 0;    // 0..2: |=, &=, -=; 3: edit a; 4: edit b; 5: b from an older version of a
    int version = 0; // which older version
    std::vector<int> batch; // >= 0 insert, < 0 erase ~v
};

rc::Gen<algebra_op> gen_algebra_op(int range) {
    return rc::gen::build<algebra_op>(
        rc::gen::set(&algebra_op::kind, rc::gen::inRange(0, 6)),
        rc::gen::set(&algebra_op::version, rc::gen::inRange(0, 1 << 20)),
        rc::gen::set(&algebra_op::batch,
                     rc::gen::container<std::vector<int>>(rc::gen::inRange(-range, range))));
}

template <class T>
void run_compound_model(const std::vector<algebra_op>& ops) {
    using sset = immutable::sorted_set<T, std::less<T>, counting_policy>;
    using model_t = std::set<int>;
    const auto live_before = counting_policy::live_nodes();
    {
        auto apply = [](sset& s, model_t& m, const std::vector<int>& batch) {
            for (int step : batch) {
                if (step >= 0) {
                    s = s.insert(keys<T>::make(step));
                    m.insert(step);
                } else {
                    s = s.erase(keys<T>::make(~step));
                    m.erase(~step);
                }
            }
        };
        sset a, b;
        model_t ma, mb;
        std::vector<std::pair<sset, model_t>> versions{{a, ma}};
        for (const algebra_op& o : ops) {
            model_t next;
            switch (o.kind) {
            case 0:
                a |= b;
                std::set_union(ma.begin(), ma.end(), mb.begin(), mb.end(), std::inserter(next, next.end()));
                ma = next;
                break;
            case 1:
                a &= b;
                std::set_intersection(ma.begin(), ma.end(), mb.begin(), mb.end(), std::inserter(next, next.end()));
                ma = next;
                break;
            case 2:
                a -= b;
                std::set_difference(ma.begin(), ma.end(), mb.begin(), mb.end(), std::inserter(next, next.end()));
                ma = next;
                break;
            case 3:
                apply(a, ma, o.batch);
                break;
            case 4:
                apply(b, mb, o.batch);
                break;
            case 5: {
                // b continues from an older a: the two share history again.
                const auto& [vs, vm] = versions[static_cast<std::size_t>(o.version) % versions.size()];
                b = vs;
                mb = vm;
                apply(b, mb, o.batch);
                break;
            }
            }
            RC_ASSERT(sorted_test::invariants(a) == "");
            RC_ASSERT(sorted_test::invariants(b) == "");
            RC_ASSERT(contents(a) == std::vector<int>(ma.begin(), ma.end()));
            RC_ASSERT(contents(b) == std::vector<int>(mb.begin(), mb.end()));
            versions.emplace_back(a, ma);
        }
        // Persistence: no compound assignment changed an older version.
        for (const auto& [vs, vm] : versions) RC_ASSERT(contents(vs) == std::vector<int>(vm.begin(), vm.end()));
    }
    RC_ASSERT(counting_policy::live_nodes() == live_before);
}

RC_GTEST_PROP(sorted_set_api, compound_algebra_matches_std_algorithms, ()) {
    run_compound_model<int>(*rc::gen::container<std::vector<algebra_op>>(gen_algebra_op(300)));
}

RC_GTEST_PROP(sorted_set_api, compound_algebra_on_deep_trees_matches_std_algorithms, ()) {
    run_compound_model<sorted_test::fat_key>(*rc::gen::container<std::vector<algebra_op>>(gen_algebra_op(300)));
}

TEST(sorted_set_api, default_builder_iterates_its_current_content) {
    set_t::builder b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.begin(), b.end());
    b.insert(3).insert(1).insert(2).erase(1).insert(5);
    EXPECT_EQ(contents(b), (std::vector<int>{2, 3, 5}));
    EXPECT_EQ(std::distance(b.begin(), b.end()), 3);
    const set_t s = b.build();
    EXPECT_EQ(contents(s), contents(b)); // build() leaves the builder as it was
}

// An element of the set itself given to erase(): refills and merges on the way down move
// elements between leaves and shift them within one, so the engine must not read it after.
TEST(sorted_set_api, erase_may_take_an_element_of_the_changed_set) {
    using str_set = immutable::sorted_set<std::string, std::less<std::string>, counting_policy>;
    using sk = keys<std::string>;
    const auto live_before = counting_policy::live_nodes();
    {
        std::set<std::string> model;
        str_set::builder b;
        for (int i = 0; i < 2000; ++i) {
            b.insert(sk::make(i));
            model.insert(sk::make(i));
        }
        for (int r = 0; r < 700; ++r) {
            auto it = b.begin();
            std::advance(it, static_cast<std::ptrdiff_t>((static_cast<std::size_t>(r) * 7919u) % b.size()));
            model.erase(*it);
            b.erase(*it);
        }
        str_set s = b.build();
        b = str_set::builder();
        for (int r = 0; r < 700; ++r) {
            const std::size_t i = (static_cast<std::size_t>(r) * 104729u) % s.size();
            model.erase(s.nth(i));
            s = std::move(s).erase(s.nth(i));
        }
        ASSERT_EQ(sorted_test::invariants(s), "");
        ASSERT_TRUE(std::equal(s.begin(), s.end(), model.begin(), model.end()));
    }
    EXPECT_EQ(counting_policy::live_nodes(), live_before);
}

// The builder's iteration against std::set after every step of a random batch, starting
// from a built set (so the first changes copy shared nodes) and from nothing.
RC_GTEST_PROP(sorted_set_api, builder_iteration_matches_std_set, ()) {
    using fat_set = immutable::sorted_set<sorted_test::fat_key, std::less<sorted_test::fat_key>, counting_policy>;
    using fk = keys<sorted_test::fat_key>;
    const auto batch = *rc::gen::container<std::vector<int>>(rc::gen::inRange(-200, 200));
    const auto start = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 200));
    const auto live_before = counting_policy::live_nodes();
    {
        std::set<int> model(start.begin(), start.end());
        std::vector<sorted_test::fat_key> items;
        for (int v : start) items.push_back(fk::make(v));
        const fat_set origin(items.begin(), items.end());
        auto b = *rc::gen::arbitrary<bool>() ? origin.to_builder() : fat_set::builder();
        if (b.empty()) model.clear();
        RC_ASSERT(contents(b) == std::vector<int>(model.begin(), model.end()));
        for (int step : batch) {
            if (step >= 0) {
                b.insert(fk::make(step));
                model.insert(step);
            } else {
                b.erase(fk::make(~step));
                model.erase(~step);
            }
            RC_ASSERT(contents(b) == std::vector<int>(model.begin(), model.end()));
            std::vector<int> backwards;
            for (auto it = b.end(); it != b.begin();) backwards.push_back(fk::value(*--it));
            RC_ASSERT(backwards == std::vector<int>(model.rbegin(), model.rend()));
        }
        RC_ASSERT(sorted_test::invariants(b) == "");
        std::set<int> origin_model(start.begin(), start.end());
        RC_ASSERT(contents(origin) == std::vector<int>(origin_model.begin(), origin_model.end()));
    }
    RC_ASSERT(counting_policy::live_nodes() == live_before);
}

} // namespace
