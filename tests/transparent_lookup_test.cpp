// Heterogeneous lookup: with a transparent comparator (std::less<>), or a transparent hash and
// equality, std::string keys are found by std::string_view and by const char*, with the same
// answers as lookups by std::string; without them, those overloads do not exist.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <immutable/map.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

namespace {

using namespace std::string_view_literals;

using by_view = immutable::sorted_map<std::string, int, std::less<>>;
using set_by_view = immutable::sorted_set<std::string, std::less<>>;

by_view fruit_map() {
    by_view::builder b;
    const char* names[] = {"apple", "banana", "cherry", "date", "elderberry", "fig", "grape"};
    int i = 0;
    for (const char* n : names) b.set(n, i++);
    for (int k = 0; k < 2000; ++k) { // several leaves
        std::string key = std::to_string(k);
        key.insert(key.begin(), 'z'); // not "z" + ...: g++ 12 -O3 warns falsely (-Wrestrict)
        b.set(std::move(key), k);
    }
    return b.build();
}

TEST(transparent_lookup, sorted_map_finds_string_keys_by_view_and_by_pointer) {
    const by_view m = fruit_map();
    ASSERT_NE(m.find("cherry"sv), nullptr);
    EXPECT_EQ(*m.find("cherry"sv), 2);
    EXPECT_EQ(m.find("cherries"sv), nullptr);
    EXPECT_TRUE(m.contains("fig"));
    EXPECT_FALSE(m.contains("figs"));
    EXPECT_EQ(m.count("date"sv), 1u);
    EXPECT_EQ(m.count("dates"sv), 0u);
    EXPECT_EQ(m.at("grape"sv), 6);
    EXPECT_THROW((void)m.at("kiwi"sv), std::out_of_range);
    EXPECT_EQ(m.at("z1234"sv), 1234);
    for (std::string_view probe : {"a"sv, "apple"sv, "blueberry"sv, "fig"sv, "z1"sv, "z999"sv, "zz"sv}) {
        const std::string key(probe);
        EXPECT_EQ(m.lower_bound(probe), m.lower_bound(key)) << probe;
        EXPECT_EQ(m.upper_bound(probe), m.upper_bound(key)) << probe;
        EXPECT_EQ(m.rank(probe), m.rank(key)) << probe;
        const auto [lo, hi] = m.equal_range(probe);
        EXPECT_EQ(std::distance(lo, hi), m.contains(key) ? 1 : 0) << probe;
    }
}

TEST(transparent_lookup, sorted_set_finds_string_elements_by_view) {
    const set_by_view s{"delta", "alpha", "charlie", "bravo"};
    EXPECT_TRUE(s.contains("bravo"sv));
    EXPECT_FALSE(s.contains("echo"sv));
    EXPECT_EQ(s.count("alpha"sv), 1u);
    ASSERT_NE(s.find("charlie"sv), nullptr);
    EXPECT_EQ(*s.find("charlie"sv), "charlie");
    EXPECT_EQ(s.find("echo"sv), nullptr);
    EXPECT_EQ(*s.lower_bound("b"sv), "bravo");
    EXPECT_EQ(*s.upper_bound("bravo"sv), "charlie");
    EXPECT_EQ(s.rank("c"sv), 2u);
    const auto [lo, hi] = s.equal_range("delta"sv);
    EXPECT_EQ(std::distance(lo, hi), 1);
}

// Hashes a std::string and a std::string_view of the same characters alike.
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using hash_by_view = immutable::map<std::string, int, string_hash, std::equal_to<>>;
using hash_set_by_view = immutable::set<std::string, string_hash, std::equal_to<>>;

TEST(transparent_lookup, map_finds_string_keys_by_view_and_by_pointer) {
    hash_by_view::builder b;
    for (int k = 0; k < 3000; ++k) b.set(std::to_string(k), k);
    const hash_by_view m = b.build();
    for (int k = 0; k < 3000; k += 7) {
        const std::string key = std::to_string(k);
        const std::string_view view = key;
        ASSERT_NE(m.find(view), nullptr) << key;
        EXPECT_EQ(*m.find(view), k);
        EXPECT_EQ(m.find(view), m.find(key));
        EXPECT_TRUE(m.contains(view));
        EXPECT_EQ(m.count(view), 1u);
        EXPECT_EQ(m.at(view), k);
    }
    EXPECT_EQ(m.find("3000"sv), nullptr);
    EXPECT_FALSE(m.contains("-1"));
    EXPECT_EQ(m.count("x"sv), 0u);
    EXPECT_THROW((void)m.at("3001"sv), std::out_of_range);
    const hash_by_view one = hash_by_view().set("solo", 1); // the one-entry root path
    EXPECT_EQ(one.at("solo"sv), 1);
    EXPECT_FALSE(one.contains("sol"sv));
}

// Every key hashes alike: lookups by view go through the collision nodes.
struct constant_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view) const { return 7; }
};

TEST(transparent_lookup, set_finds_by_view_even_when_every_hash_collides) {
    immutable::set<std::string, constant_hash, std::equal_to<>> s;
    for (int k = 0; k < 200; ++k) s = s.insert(std::to_string(k));
    for (int k = 0; k < 200; ++k) {
        const std::string key = std::to_string(k);
        EXPECT_TRUE(s.contains(std::string_view(key))) << key;
        ASSERT_NE(s.find(std::string_view(key)), nullptr);
        EXPECT_EQ(*s.find(std::string_view(key)), key);
    }
    EXPECT_FALSE(s.contains("200"sv));
    const hash_set_by_view t{"a", "b"};
    EXPECT_EQ(t.count("b"sv), 1u);
    EXPECT_EQ(t.count("c"sv), 0u);
}

// Model check: random sets and erases on both kinds of map, every version kept; at the end
// every version answers lookups by string_view as std::map answers them by std::string,
// so versions are unchanged and the heterogeneous paths agree with the model.
RC_GTEST_PROP(transparent_lookup, lookups_by_view_match_std_map_in_every_version, ()) {
    using model = std::map<std::string, int>;
    std::vector<by_view> sorted{by_view()};
    std::vector<hash_by_view> hashed{hash_by_view()};
    std::vector<model> models{model()};
    const auto steps = *rc::gen::inRange(1, 300);
    for (int i = 0; i < steps; ++i) {
        const auto from = static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(models.size())));
        const std::string key = std::to_string(*rc::gen::inRange(0, 200));
        model m = models[from];
        if (*rc::gen::inRange(0, 3) == 0) {
            m.erase(key);
            sorted.push_back(sorted[from].erase(key));
            hashed.push_back(hashed[from].erase(key));
        } else {
            m[key] = i;
            sorted.push_back(sorted[from].set(key, i));
            hashed.push_back(hashed[from].set(key, i));
        }
        models.push_back(std::move(m));
    }
    for (std::size_t v = 0; v < models.size(); ++v) {
        const model& m = models[v];
        for (int probe = -1; probe <= 200; probe += 3) {
            const std::string key = std::to_string(probe);
            const std::string_view view = key;
            const auto it = m.find(key);
            const int* expected = it == m.end() ? nullptr : &it->second;
            const int* in_sorted = sorted[v].find(view);
            const int* in_hashed = hashed[v].find(view);
            RC_ASSERT((in_sorted == nullptr) == (expected == nullptr));
            RC_ASSERT((in_hashed == nullptr) == (expected == nullptr));
            if (expected != nullptr) {
                RC_ASSERT(*in_sorted == *expected);
                RC_ASSERT(*in_hashed == *expected);
            }
            RC_ASSERT(sorted[v].rank(view) ==
                      static_cast<std::size_t>(std::distance(m.begin(), m.lower_bound(key))));
            const auto lb = sorted[v].lower_bound(view);
            RC_ASSERT((lb == sorted[v].end()) == (m.lower_bound(key) == m.end()));
            if (lb != sorted[v].end()) RC_ASSERT(lb->first == m.lower_bound(key)->first);
        }
    }
}

template <class M>
concept looks_up_by_view = requires(const M& m, std::string_view v) { m.find(v); };

static_assert(looks_up_by_view<by_view>);
static_assert(looks_up_by_view<set_by_view>);
static_assert(!looks_up_by_view<immutable::sorted_map<std::string, int>>,
              "std::less<std::string> is not transparent: no lookup by string_view");
static_assert(!looks_up_by_view<immutable::sorted_set<std::string>>);
static_assert(looks_up_by_view<hash_by_view>);
static_assert(looks_up_by_view<hash_set_by_view>);
static_assert(!looks_up_by_view<immutable::map<std::string, int>>,
              "std::hash<std::string> is not transparent: no lookup by string_view");
static_assert(!looks_up_by_view<immutable::map<std::string, int, string_hash>>,
              "std::equal_to<std::string> is not transparent");
static_assert(!looks_up_by_view<immutable::set<std::string>>);

} // namespace
