// Round trips of every container and every supported element type through a document.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "support/persist_util.hpp"

using namespace immutable;
using persist_test::invariants;
using persist_test::round_trip;

namespace {

enum class color : std::uint8_t { red = 1, green = 2, blue = 200 };
enum plain_enum : int { minus = -5, plus = 7 };

struct point {
    std::int32_t x = 0;
    std::string label;
    std::optional<double> weight;
    bool operator==(const point&) const = default;
};
// The customization point: the fields to save, as references.
auto persist_fields(point& p) { return std::tie(p.x, p.label, p.weight); }

template <class T>
list<T> list_of(std::initializer_list<T> values, int repeat) {
    list<T> l;
    for (int r = 0; r < repeat; ++r)
        for (const T& v : values) l = l.push_back(v);
    return l;
}

template <class T>
void expect_list_round_trip(std::initializer_list<T> values) {
    for (int repeat : {1, 3, 50}) {
        const list<T> l = list_of(values, repeat);
        const list<T> back = round_trip(l);
        EXPECT_EQ(back, l) << "repeat " << repeat;
        EXPECT_EQ(invariants(back), "");
    }
}

} // namespace

TEST(persist_roundtrip, integers_floats_bool_enums) {
    expect_list_round_trip<std::int8_t>({-128, 0, 127});
    expect_list_round_trip<std::uint8_t>({0, 255});
    expect_list_round_trip<std::int16_t>({-32768, 1, 32767});
    expect_list_round_trip<std::uint16_t>({0, 65535});
    expect_list_round_trip<std::int32_t>({std::numeric_limits<std::int32_t>::min(), -1, 0, 42});
    expect_list_round_trip<std::uint32_t>({0u, 0xffffffffu});
    expect_list_round_trip<std::int64_t>({std::numeric_limits<std::int64_t>::min(), -1, 0,
                                          std::numeric_limits<std::int64_t>::max()});
    expect_list_round_trip<std::uint64_t>({0u, ~std::uint64_t{0}});
    expect_list_round_trip<char>({'a', '\0', '\xff'});
    expect_list_round_trip<float>({0.0f, -1.5f, std::numeric_limits<float>::infinity(), 1e-30f});
    expect_list_round_trip<double>({0.0, -0.0, 3.141592653589793, std::numeric_limits<double>::denorm_min()});
    expect_list_round_trip<bool>({true, false, false});
    expect_list_round_trip<color>({color::red, color::blue, color::green});
    expect_list_round_trip<plain_enum>({minus, plus});
    expect_list_round_trip<std::nullptr_t>({nullptr});
    expect_list_round_trip<std::monostate>({std::monostate{}});
}

TEST(persist_roundtrip, strings_and_compounds) {
    expect_list_round_trip<std::string>({"", "a", std::string(300, 'x'), std::string("nul\0inside", 10)});
    expect_list_round_trip<std::pair<int, std::string>>({{1, "one"}, {-2, ""}});
    expect_list_round_trip<std::tuple<int, double, std::string, bool>>({{1, 2.5, "t", true}, {0, -1, "", false}});
    expect_list_round_trip<std::optional<std::string>>({std::nullopt, std::string("here")});
    expect_list_round_trip<std::variant<std::monostate, std::int64_t, std::string, double>>(
        {std::monostate{}, std::int64_t{-9}, std::string("s"), 0.25});
    expect_list_round_trip<point>({point{1, "a", std::nullopt}, point{-3, "", 2.0}});
}

TEST(persist_roundtrip, nan_keeps_its_bits) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const list<double> back = round_trip(list<double>{nan});
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(back[0]), std::bit_cast<std::uint64_t>(nan));
}

TEST(persist_roundtrip, every_container) {
    list<int> big;
    for (int i = 0; i < 40000; ++i) big = big.push_back(i);
    // Relaxed nodes: concatenation and slicing.
    const list<int> relaxed = big.drop(17).take(30001) + big.drop(5);
    for (const list<int>& l : {list<int>{}, list<int>{1}, big, relaxed, big.take(33), big.drop(39990)}) {
        const list<int> back = round_trip(l);
        EXPECT_EQ(back, l);
        EXPECT_EQ(invariants(back), "");
    }

    map<std::string, std::int64_t> m;
    for (std::int64_t i = 0; i < 3000; ++i) m = m.set("k" + std::to_string(i), i * i);
    for (const auto& x : {map<std::string, std::int64_t>{}, m, m.erase("k5")}) {
        const auto back = round_trip(x);
        EXPECT_EQ(back, x);
        EXPECT_EQ(invariants(back), "");
    }

    set<std::uint64_t> s;
    for (std::uint64_t i = 0; i < 3000; ++i) s = s.insert(i * 7919);
    EXPECT_EQ(round_trip(s), s);
    EXPECT_EQ(invariants(round_trip(s)), "");

    sorted_map<std::int64_t, std::string> sm;
    for (std::int64_t i = 0; i < 5000; ++i) sm = sm.set((i * 37) % 5000, std::to_string(i));
    EXPECT_EQ(round_trip(sm), sm);
    EXPECT_EQ(invariants(round_trip(sm)), "");
    EXPECT_EQ(round_trip(sorted_map<int, int>{}), (sorted_map<int, int>{}));

    sorted_set<std::string> ss;
    for (int i = 0; i < 2000; ++i) ss = ss.insert(std::to_string(i));
    EXPECT_EQ(round_trip(ss), ss);
    EXPECT_EQ(invariants(round_trip(ss)), "");

    queue<int> q;
    for (int i = 0; i < 500; ++i) q = q.push(i);
    for (int i = 0; i < 77; ++i) q = q.pop();
    EXPECT_EQ(round_trip(q), q);
    EXPECT_EQ(invariants(round_trip(q)), "");
    EXPECT_EQ(round_trip(queue<int>{}), queue<int>{});
}

// A pair of numbers is its two fields little-endian, one after the other, whether the
// writer copies a node's entries as they lie in memory (no padding) or field by field.
template <class K, class V>
bool document_holds_entry(K k, V v) {
    persist::writer w;
    w.add(map<K, V>{{k, v}});
    const auto doc = w.bytes();
    std::vector<std::byte> entry;
    for (std::size_t i = 0; i < sizeof(K); ++i) entry.push_back(std::byte(std::uint64_t(k) >> (8 * i)));
    for (std::size_t i = 0; i < sizeof(V); ++i) entry.push_back(std::byte(std::uint64_t(v) >> (8 * i)));
    return std::search(doc.begin(), doc.end(), entry.begin(), entry.end()) != doc.end();
}

TEST(persist_roundtrip, entries_of_numbers_are_their_fields_with_or_without_padding) {
    static_assert(sizeof(std::pair<std::int32_t, std::uint32_t>) == 8);
    static_assert(sizeof(std::pair<std::int16_t, std::int64_t>) == 16);
    EXPECT_TRUE((document_holds_entry<std::int32_t, std::uint32_t>(0x01020304, 0xa5b6c7d8u)));
    EXPECT_TRUE((document_holds_entry<std::int16_t, std::int64_t>(0x0102, 0x030405060708090a)));

    map<std::int32_t, std::uint32_t> unpadded;
    map<std::int16_t, std::int64_t> padded;
    sorted_map<std::int64_t, double> sorted;
    for (std::int32_t i = 0; i < 2000; ++i) {
        unpadded = unpadded.set(i * 3 - 1000, std::uint32_t(i) * 2654435761u);
        padded = padded.set(std::int16_t(i - 1000), std::int64_t(i) << 40);
        sorted = sorted.set(std::int64_t(i) * 1000003, i * 0.25);
    }
    EXPECT_EQ(round_trip(unpadded), unpadded);
    EXPECT_EQ(round_trip(padded), padded);
    EXPECT_EQ(round_trip(sorted), sorted);
    EXPECT_EQ(invariants(round_trip(unpadded)), "");

    // Full list leaves of pairs, which the loader copies whole, and a partly filled tail.
    list<std::pair<std::int64_t, double>> pairs;
    for (std::int64_t i = 0; i < 100; ++i) pairs = pairs.push_back({i * -977, double(i) / 3});
    EXPECT_EQ(round_trip(pairs), pairs);
    EXPECT_EQ(invariants(round_trip(pairs)), "");
}

TEST(persist_roundtrip, policies_are_not_part_of_the_type) {
    using other = list<int, single_thread_heap_policy>;
    persist::writer w;
    const auto id = w.add(list<int>{1, 2, 3});
    const auto doc = w.bytes();
    persist::reader r(doc);
    EXPECT_EQ(r.load<other>(id), (other{1, 2, 3}));
}

TEST(persist_roundtrip, nested_containers_in_elements) {
    const list<int> inner{1, 2, 3};
    const map<std::string, list<int>> m{{"a", inner}, {"b", inner.push_back(4)}};
    const sorted_map<int, set<std::string>> sm{{1, set<std::string>{"x", "y"}}, {2, {}}};
    const list<std::variant<std::int64_t, list<int>, sorted_set<std::string>>> mixed{
        std::int64_t{3}, inner, sorted_set<std::string>{"p", "q"}};
    const map<int, queue<std::string>> queues{{1, queue<std::string>{"p", "q"}}, {2, {}}};
    EXPECT_EQ(round_trip(queues), queues);
    EXPECT_EQ(round_trip(m), m);
    EXPECT_EQ(round_trip(sm), sm);
    EXPECT_EQ(round_trip(mixed), mixed);
}

TEST(persist_roundtrip, stream_save_and_load_and_empty_writer) {
    std::stringstream io;
    persist::writer w;
    const auto a = w.add(list<std::string>{"x", "y"});
    const auto b = w.add(sorted_set<int>{3, 1, 2});
    w.save(io);
    persist::reader r(io);
    EXPECT_EQ(r.count(), 2u);
    EXPECT_EQ(r.load<list<std::string>>(a), (list<std::string>{"x", "y"}));
    EXPECT_EQ(r.load<sorted_set<int>>(b), (sorted_set<int>{1, 2, 3}));
    EXPECT_EQ(w.bytes(), w.bytes()); // bytes() may be called again and gives the same document

    const auto empty_doc = persist::writer{}.bytes();
    persist::reader empty(empty_doc);
    EXPECT_EQ(empty.count(), 0u);
    EXPECT_THROW((void)empty.load<list<int>>(0), persist::format_error);
}

TEST(persist_roundtrip, type_mismatch_and_unknown_id) {
    persist::writer w;
    const auto id = w.add(map<int, std::string>{{1, "a"}});
    const auto doc = w.bytes();
    persist::reader r(doc);
    using wrong_value = map<int, int>;
    using wrong_kind = sorted_map<int, std::string>;
    using right = map<int, std::string>;
    EXPECT_THROW((void)r.load<wrong_value>(id), persist::format_error);
    EXPECT_THROW((void)r.load<wrong_kind>(id), persist::format_error);
    EXPECT_THROW((void)r.load<right>(id + 1), persist::format_error);
    try {
        using wider_key = map<long long, std::string>;
        (void)r.load<wider_key>(id);
        FAIL() << "no throw";
    } catch (const persist::format_error& e) {
        EXPECT_NE(std::string(e.what()).find("type mismatch"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("offset"), std::string::npos) << e.what();
    }
    EXPECT_EQ(r.load<right>(id), (right{{1, "a"}}));
}
