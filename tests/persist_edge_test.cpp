// Saving and loading the rarer shapes: maps and sets whose keys all share one hash (their
// entries live in collision nodes, the last level of the trie), collision entries that hold
// containers, and a value that cannot be saved.
#include <gtest/gtest.h>

#include <algorithm>
#include <compare>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>

#include <immutable/memory.hpp>

#include "support/persist_util.hpp"

using namespace immutable;
using persist_test::invariants;
using persist_test::round_trip;

namespace persist_edge_types {

// Construction from a negative number throws; the user-written copy makes it a type
// std::variant::emplace constructs in place, so a throw there leaves the variant valueless.
struct fragile {
    int x = 0;
    fragile() = default;
    explicit fragile(int v) : x(v) {
        if (v < 0) throw std::runtime_error("fragile");
    }
    fragile(const fragile& o) : x(o.x) {}
    fragile& operator=(const fragile& o) {
        x = o.x;
        return *this;
    }
    // list<variant<...>> has comparisons, and std::variant's need the alternatives' ones.
    friend bool operator==(const fragile&, const fragile&) = default;
    friend auto operator<=>(const fragile&, const fragile&) = default;
};
inline auto persist_fields(fragile& f) { return std::tie(f.x); }

// A value holding a list of its own type: nested as deep as the program likes.
struct nest {
    immutable::list<nest> inner;
};
inline auto persist_fields(nest& n) { return std::tie(n.inner); }

} // namespace persist_edge_types

namespace {

using persist_edge_types::fragile;

struct one_hash {
    std::size_t operator()(int) const noexcept { return 0x9e3779b97f4a7c15u; }
};

TEST(persist_edge, keys_sharing_one_hash_round_trip) {
    map<int, std::string, one_hash> m;
    set<int, one_hash> s;
    for (int i = 0; i < 12; ++i) {
        m = m.set(i, std::to_string(i * 7));
        s = s.insert(-i);
    }
    const auto m_back = round_trip(m);
    EXPECT_EQ(m_back, m);
    EXPECT_EQ(m_back.size(), 12u);
    EXPECT_EQ(m_back.at(11), "77");
    EXPECT_EQ(invariants(m_back), "");
    const auto s_back = round_trip(s);
    EXPECT_EQ(s_back, s);
    EXPECT_TRUE(s_back.contains(-11));
    EXPECT_EQ(invariants(s_back), "");
}

TEST(persist_edge, collision_entries_holding_containers_round_trip) {
    const list<int> shared{1, 2, 3};
    map<int, list<int>, one_hash> m;
    for (int i = 0; i < 5; ++i) m = m.set(i, shared.push_back(i));
    const auto back = round_trip(m);
    EXPECT_EQ(back, m);
    EXPECT_EQ(back.at(4), (list<int>{1, 2, 3, 4}));
    EXPECT_EQ(invariants(back), "");
    EXPECT_EQ(invariants(back.at(0)), "");
}

// A tree of several levels whose entries hold containers: every leaf is searched for them.
TEST(persist_edge, sorted_map_of_several_levels_with_container_values_round_trips) {
    sorted_map<int, list<int>> m;
    const list<int> shared{4, 5};
    for (int i = 0; i < 300; ++i) m = m.set(i, i % 3 == 0 ? shared : list<int>{i});
    const auto back = round_trip(m);
    EXPECT_EQ(back, m);
    EXPECT_EQ(back.at(299), list<int>{299});
    EXPECT_EQ(back.at(297), shared);
    EXPECT_EQ(invariants(back), "");
}

// One saved list loaded under a second policy, then under that policy again: the second
// load finds the copy the first one built for that type.
TEST(persist_edge, one_record_loaded_as_two_types_twice_each) {
    list<int> l;
    for (int i = 0; i < 100; ++i) l = l.push_back(i);
    persist::writer w;
    const auto id = w.add(l);
    const auto doc = w.bytes();
    persist::reader r(doc);
    const auto a = r.load<list<int>>(id);
    const auto b = r.load<list<int, single_thread_heap_policy>>(id);
    const auto c = r.load<list<int, single_thread_heap_policy>>(id);
    const auto d = r.load<list<int>>(id);
    EXPECT_EQ(a, l);
    EXPECT_TRUE(std::equal(b.begin(), b.end(), l.begin(), l.end()));
    EXPECT_TRUE(std::equal(c.begin(), c.end(), l.begin(), l.end()));
    EXPECT_EQ(d, l);
    EXPECT_EQ(invariants(b), "");
    EXPECT_EQ(invariants(c), "");
}

// The loader refuses documents whose containers nest deeper than its limit (200), so a
// crafted document cannot make it recurse without bound; shallower ones load.
TEST(persist_edge, containers_nested_deeper_than_the_limit_are_refused_and_shallower_ones_load) {
    using persist_edge_types::nest;
    const auto nested = [](int depth) {
        list<nest> l;
        for (int i = 0; i < depth; ++i) l = list<nest>{}.push_back(nest{l});
        return l;
    };
    const auto depth_of = [](list<nest> l) {
        int d = 0;
        while (!l.empty()) {
            ++d;
            l = l[0].inner;
        }
        return d;
    };
    {
        const auto l = nested(150);
        persist::writer w;
        const auto id = w.add(l);
        const auto doc = w.bytes();
        persist::reader r(doc);
        EXPECT_EQ(depth_of(r.load<list<nest>>(id)), 150);
    }
    const auto l = nested(250);
    persist::writer w;
    const auto id = w.add(l);
    const auto doc = w.bytes();
    persist::reader r(doc);
    try {
        (void)r.load<list<nest>>(id);
        FAIL() << "loaded containers nested 250 deep";
    } catch (const persist::format_error& e) {
        EXPECT_NE(std::string(e.what()).find("nested deeper than 200"), std::string::npos) << e.what();
    }
    EXPECT_EQ(depth_of(l), 250); // the saved version is untouched
}

TEST(persist_edge, a_valueless_variant_is_refused_with_an_error_naming_it) {
    std::variant<int, fragile> v = 5;
    EXPECT_THROW(v.emplace<fragile>(-1), std::runtime_error);
    ASSERT_TRUE(v.valueless_by_exception());
    const list<std::variant<int, fragile>> l{std::variant<int, fragile>{1}, v};
    persist::writer w;
    (void)w.add(l); // the writer only holds the version; bytes() writes it
    try {
        (void)w.bytes();
        FAIL() << "saved a valueless variant";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("valueless"), std::string::npos) << e.what();
    }
    // The list itself is untouched.
    EXPECT_EQ(l.size(), 2u);
    EXPECT_EQ(std::get<int>(l[0]), 1);
    EXPECT_TRUE(l[1].valueless_by_exception());
}

} // namespace
