// The parts of sorted_map's API it shares with the other containers: policy_type,
// max_size, swap (member and ADL), set() and insert() forwarding their arguments (as
// map's do), and the builder's shape: default-constructible, chainable changes,
// begin()/end() over its current content (checked against std::map after every step).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <immutable/sorted_map.hpp>

#include "sorted_test_util.hpp"

namespace {

struct api_test_tag {};
using counting_policy = immutable::counted<immutable::heap_policy, api_test_tag>;
using sorted_test::keys;

using map_t = immutable::sorted_map<int, int>;
using builder_t = map_t::builder;

static_assert(std::is_same_v<map_t::policy_type, immutable::default_policy>);
static_assert(std::is_same_v<immutable::sorted_map<int, int, std::less<int>, counting_policy>::policy_type,
                             counting_policy>);
template <class C>
concept has_memory_policy_type = requires { typename C::memory_policy_type; };
static_assert(!has_memory_policy_type<map_t>, "the older name is gone");

static_assert(std::is_nothrow_swappable_v<map_t>);
static_assert(std::is_default_constructible_v<builder_t>);
static_assert(std::is_same_v<decltype(std::declval<builder_t&>().set(1, 2)), builder_t&>);
static_assert(std::is_same_v<decltype(std::declval<builder_t&>().insert(std::pair(1, 2))), builder_t&>);
static_assert(std::is_same_v<decltype(std::declval<builder_t&>().update(1, [](int v) { return v; })), builder_t&>);
static_assert(std::is_same_v<decltype(std::declval<builder_t&>().erase(1)), builder_t&>);
static_assert(std::is_same_v<decltype(std::declval<const builder_t&>().begin()), map_t::iterator>);

// Counts copies and moves of its instances, to see what set() and insert() do with their
// arguments.
struct tracked {
    static inline int copies = 0;
    static inline int moves = 0;
    static void reset() { copies = moves = 0; }

    int v = 0;
    tracked() = default;
    explicit tracked(int x) : v(x) {}
    tracked(const tracked& o) : v(o.v) { ++copies; }
    tracked(tracked&& o) noexcept : v(o.v) { ++moves; }
    tracked& operator=(const tracked& o) {
        v = o.v;
        ++copies;
        return *this;
    }
    tracked& operator=(tracked&& o) noexcept {
        v = o.v;
        ++moves;
        return *this;
    }
    friend bool operator==(const tracked& a, const tracked& b) { return a.v == b.v; }
};

bool same_contents(const auto& m, const std::map<std::string, std::string>& model) {
    return std::equal(m.begin(), m.end(), model.begin(), model.end(),
                      [](const auto& a, const auto& b) { return a.first == b.first && a.second == b.second; });
}

template <class M>
std::vector<std::pair<int, int>> contents(const M& m) {
    std::vector<std::pair<int, int>> out;
    for (const auto& [k, v] : m) out.emplace_back(keys<std::remove_cvref_t<decltype(k)>>::value(k), v);
    return out;
}

TEST(sorted_map_api, max_size_bounds_every_map) {
    static_assert(map_t::max_size() > 0);
    const map_t m{{1, 1}, {2, 2}};
    EXPECT_GE(m.max_size(), m.size());
    EXPECT_GE(map_t::max_size(), (immutable::sorted_map<std::string, std::string>::max_size()));
}

TEST(sorted_map_api, swap_exchanges_contents_and_comparators) {
    using fn_map = immutable::sorted_map<int, int, std::function<bool(int, int)>>;
    fn_map a({{1, 10}, {2, 20}}, std::less<int>());
    fn_map b({{7, 70}, {8, 80}}, std::greater<int>());
    const void* ia = a.identity();
    const void* ib = b.identity();
    a.swap(b);
    EXPECT_EQ(a.identity(), ib);
    EXPECT_EQ(b.identity(), ia);
    EXPECT_EQ(contents(a), (std::vector<std::pair<int, int>>{{8, 80}, {7, 70}}));
    a = a.set(9, 90);
    EXPECT_EQ(a.front().first, 9); // a now orders by greater
    b = b.set(0, 0);
    EXPECT_EQ(b.front().first, 0);

    using std::swap;
    swap(a, b); // ADL: sorted_map's own swap
    EXPECT_EQ(contents(a), (std::vector<std::pair<int, int>>{{0, 0}, {1, 10}, {2, 20}}));
    EXPECT_EQ(contents(b), (std::vector<std::pair<int, int>>{{9, 90}, {8, 80}, {7, 70}}));
    swap(b, b);
    EXPECT_EQ(b.size(), 3u);
}

TEST(sorted_map_api, set_constructs_the_entry_from_its_arguments) {
    using tmap = immutable::sorted_map<int, tracked>;
    const tmap empty;
    tracked value(5);
    tracked::reset();
    tmap m = empty.set(1, value); // an lvalue is copied once, into the entry
    EXPECT_EQ(tracked::copies, 1);
    tracked::reset();
    m = m.set(2, std::move(value)); // an rvalue is never copied
    EXPECT_EQ(tracked::copies, 1);   // the one entry already in the leaf, copied with the path
    EXPECT_EQ(m.at(2).v, 5);
    tracked::reset();
    m = empty.set(3, tracked(6));
    EXPECT_EQ(tracked::copies, 0);
    tracked::reset();
    m = empty.insert(std::pair<int, tracked>(4, tracked(7)));
    EXPECT_EQ(tracked::copies, 0);
    EXPECT_EQ(m.at(4).v, 7);
    const std::pair<int, tracked> kv(5, tracked(8));
    tracked::reset();
    m = empty.insert(kv);
    EXPECT_EQ(tracked::copies, 1);
}

TEST(sorted_map_api, set_takes_anything_a_key_or_value_can_be_made_from) {
    const immutable::sorted_map<std::string, std::string> empty;
    auto m = empty.set("pear", "green");      // string literals
    m = m.set(std::string_view("fig"), "purple"); // an explicit conversion to the key
    m = m.set(std::string("kiwi"), std::string(3, 'x'));
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m.at("fig"), "purple");
    EXPECT_EQ(m.at("kiwi"), "xxx");
    EXPECT_EQ(m.front().first, "fig");

    // Setting an equal value given as another type changes nothing and allocates nothing.
    const immutable::sorted_map<int, std::string, std::less<int>, counting_policy> c{{1, "one"}, {2, "two"}};
    const auto allocs = counting_policy::stats().allocations;
    auto same = c.set(1, "one");
    EXPECT_EQ(same.identity(), c.identity());
    EXPECT_EQ(counting_policy::stats().allocations, allocs);
    auto changed = c.set(1, "uno");
    EXPECT_NE(changed.identity(), c.identity());
    EXPECT_EQ(changed.at(1), "uno");

    // Braces still work: {} is a value-initialised V.
    const map_t ints{{1, 1}};
    EXPECT_EQ(ints.set(2, {}).at(2), 0);
    EXPECT_EQ(std::move(map_t(ints)).set(3, {}).at(3), 0);
}

TEST(sorted_map_api, insert_forwards_the_pair) {
    map_t m;
    const std::pair<const int, int> from_std_map(1, 10);
    m = m.insert(from_std_map); // converts
    m = m.insert({2, 20});
    m = std::move(m).insert({3, 30});
    const map_t::value_type kv(4, 40);
    m = std::move(m).insert(kv);
    EXPECT_EQ(contents(m), (std::vector<std::pair<int, int>>{{1, 10}, {2, 20}, {3, 30}, {4, 40}}));
}

// Changes made in place may take their key and value from the very map they change:
// entries move during the descent (splits, merges), so a reference into the tree must not
// be read after that.
TEST(sorted_map_api, arguments_may_refer_into_the_changed_map) {
    using smap = immutable::sorted_map<std::string, std::string, std::less<std::string>, counting_policy>;
    using sk = keys<std::string>;
    const auto live_before = counting_policy::live_nodes();
    {
        std::map<std::string, std::string> model;
        smap::builder b;
        for (int i = 0; i < 400; i += 2) {
            b.set(sk::make(i), "value " + std::to_string(i));
            model[sk::make(i)] = "value " + std::to_string(i);
        }
        for (int i = 1; i < 400; i += 2) {
            const std::string& source = *b.find(sk::make(i - 1));
            b.set(sk::make(i), source); // a reference into a leaf the insertion splits
            model[sk::make(i)] = model[sk::make(i - 1)];
        }
        smap m = b.build();
        ASSERT_EQ(sorted_test::invariants(m), "");
        ASSERT_TRUE(same_contents(m, model));

        for (int i = 400; i < 800; ++i) {
            const auto& first = m.front();
            m = std::move(m).set(sk::make(i), first.second);
            model[sk::make(i)] = model.begin()->second;
            if (i % 3 == 0) {
                const std::string key = m.nth(static_cast<std::size_t>(i) % m.size()).first;
                m = std::move(m).set(m.nth(static_cast<std::size_t>(i) % m.size()).first, "changed");
                model[key] = "changed";
            }
        }
        ASSERT_EQ(sorted_test::invariants(m), "");
        ASSERT_TRUE(same_contents(m, model));

        // Keys of the map itself for update() and erase(): refills and merges on the way
        // down move entries between leaves and shift them within one.
        auto b2 = m.to_builder();
        m = smap();
        for (int r = 0; r < 600; ++r) {
            const std::size_t i = (static_cast<std::size_t>(r) * 7919u) % b2.size();
            auto it = b2.begin();
            std::advance(it, static_cast<std::ptrdiff_t>(i));
            const std::string key = it->first;
            if (r % 2 == 0) {
                b2.erase(it->first);
                model.erase(key);
            } else {
                b2.update(it->first, [](const std::string& v) { return v + "+"; });
                model[key] += "+";
            }
        }
        m = b2.build();
        ASSERT_EQ(sorted_test::invariants(m), "");
        ASSERT_TRUE(same_contents(m, model));
        b2 = smap::builder();
        for (int r = 0; r < 300; ++r) {
            const std::size_t i = (static_cast<std::size_t>(r) * 104729u) % m.size();
            const std::string key = m.nth(i).first;
            if (r % 2 == 0) {
                m = std::move(m).erase(m.nth(i).first);
                model.erase(key);
            } else {
                m = std::move(m).update(m.nth(i).first, [](const std::string& v) { return v + "-"; });
                model[key] += "-";
            }
        }
        ASSERT_EQ(sorted_test::invariants(m), "");
        ASSERT_TRUE(same_contents(m, model));
    }
    EXPECT_EQ(counting_policy::live_nodes(), live_before);
}

TEST(sorted_map_api, default_builder_iterates_its_current_content) {
    builder_t b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.begin(), b.end());
    b.set(3, 30).set(1, 10).insert({2, 20}).erase(1).update(2, [](int v) { return v + 1; }).set(5, 50);
    EXPECT_EQ(contents(b), (std::vector<std::pair<int, int>>{{2, 21}, {3, 30}, {5, 50}}));
    EXPECT_EQ(std::distance(b.begin(), b.end()), 3);
    const map_t m = b.build();
    EXPECT_EQ(contents(m), contents(b)); // build() leaves the builder as it was
}

// The builder's iteration against std::map after every step of a random batch, starting
// from a built map (so the first changes copy shared nodes) or from nothing.
RC_GTEST_PROP(sorted_map_api, builder_iteration_matches_std_map, ()) {
    using fk = keys<sorted_test::fat_key>;
    using fat_map = immutable::sorted_map<sorted_test::fat_key, int, std::less<sorted_test::fat_key>, counting_policy>;
    const auto batch = *rc::gen::container<std::vector<int>>(rc::gen::inRange(-200, 200));
    const auto start = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 200));
    const bool from_map = *rc::gen::arbitrary<bool>();
    const auto live_before = counting_policy::live_nodes();
    {
        std::map<int, int> origin_model;
        fat_map origin;
        for (int v : start) {
            origin = origin.set(fk::make(v), v);
            origin_model[v] = v;
        }
        std::map<int, int> model = from_map ? origin_model : std::map<int, int>();
        fat_map::builder b = from_map ? origin.to_builder() : fat_map::builder();
        auto expected = [&] { return std::vector<std::pair<int, int>>(model.begin(), model.end()); };
        RC_ASSERT(contents(b) == expected());
        int tick = 0;
        for (int step : batch) {
            ++tick;
            if (step >= 0) {
                b.set(fk::make(step), tick);
                model[step] = tick;
            } else {
                b.erase(fk::make(~step));
                model.erase(~step);
            }
            RC_ASSERT(contents(b) == expected());
            std::vector<int> backwards;
            for (auto it = b.end(); it != b.begin();) backwards.push_back(fk::value((--it)->first));
            std::vector<int> model_backwards;
            for (auto it = model.rbegin(); it != model.rend(); ++it) model_backwards.push_back(it->first);
            RC_ASSERT(backwards == model_backwards);
        }
        RC_ASSERT(sorted_test::invariants(b) == "");
        RC_ASSERT((contents(origin) == std::vector<std::pair<int, int>>(origin_model.begin(), origin_model.end())));
    }
    RC_ASSERT(counting_policy::live_nodes() == live_before);
}

} // namespace
