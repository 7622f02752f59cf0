// Bad documents: truncated, corrupted, crafted with a valid checksum, or read with another
// hash. Every one gives persist::format_error (or, for a crafted document that is still a
// well-formed one, containers whose invariants hold); none crashes (the ASan preset runs this).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "support/persist_util.hpp"

using namespace immutable;
using persist_test::invariants;

namespace {

using bytes = std::vector<std::byte>;

// A document holding one of every container, with sharing and nesting.
struct sample {
    list<int> l;
    map<std::string, list<int>> m;
    set<std::int64_t> s;
    sorted_map<int, std::string> sm;
    sorted_set<std::string> ss;
    queue<std::pair<int, bool>> q;
    bytes doc;

    sample() {
        for (int i = 0; i < 70; ++i) l = l.push_back(i * 3);
        for (int i = 0; i < 20; ++i) m = m.set("k" + std::to_string(i), l.take(i));
        for (std::int64_t i = 0; i < 40; ++i) s = s.insert(i * 1000003);
        for (int i = 0; i < 60; ++i) sm = sm.set(i, std::string(i % 4, 'a'));
        for (int i = 0; i < 40; ++i) ss = ss.insert(std::to_string(i));
        for (int i = 0; i < 40; ++i) q = q.push({i, i % 2 == 0});
        q = q.pop();
        persist::writer w;
        w.add(l);
        w.add(m);
        w.add(s);
        w.add(sm);
        w.add(ss);
        w.add(q);
        w.add(l.set(3, -1));
        doc = w.bytes();
    }
};

const sample& the_sample() {
    static const sample s;
    return s;
}

// Loads everything; returns normally only if every container loaded is well-formed.
void load_all(std::span<const std::byte> doc) {
    persist::reader r(doc);
    auto check = [](const auto& c) {
        const std::string why = invariants(c);
        if (!why.empty()) ADD_FAILURE() << "loaded a broken container: " << why;
    };
    check(r.load<list<int>>(0));
    check(r.load<map<std::string, list<int>>>(1));
    check(r.load<set<std::int64_t>>(2));
    check(r.load<sorted_map<int, std::string>>(3));
    check(r.load<sorted_set<std::string>>(4));
    check(r.load<queue<std::pair<int, bool>>>(5));
    check(r.load<list<int>>(6));
}

// Recomputes the checksum, as someone crafting a document would.
void reseal(bytes& doc) {
    const std::size_t body = doc.size() - 4;
    const std::uint32_t crc = detail::persist::crc32c(doc.data(), body);
    for (int i = 0; i < 4; ++i) doc[body + i] = static_cast<std::byte>(crc >> (8 * i));
}

} // namespace

TEST(persist_corrupt, the_sample_loads) {
    const sample& s = the_sample();
    persist::reader r(s.doc);
    EXPECT_EQ(r.load<list<int>>(0), s.l);
    using nested_map = map<std::string, list<int>>;
    EXPECT_EQ(r.load<nested_map>(1), s.m);
    using pair_queue = queue<std::pair<int, bool>>;
    EXPECT_EQ(r.load<pair_queue>(5), s.q);
    EXPECT_NO_FATAL_FAILURE(load_all(s.doc));
}

TEST(persist_corrupt, truncation_at_every_length_is_rejected_by_the_constructor) {
    const bytes& doc = the_sample().doc;
    for (std::size_t n = 0; n < doc.size(); ++n) {
        EXPECT_THROW(persist::reader(std::span<const std::byte>(doc.data(), n)), persist::format_error) << n;
    }
    bytes longer = doc;
    longer.push_back(std::byte{0});
    EXPECT_THROW(persist::reader{longer}, persist::format_error);
}

TEST(persist_corrupt, every_single_byte_flip_is_detected) {
    const bytes& doc = the_sample().doc;
    std::mt19937 rng(7);
    for (std::size_t i = 0; i < doc.size(); ++i) {
        bytes bad = doc;
        bad[i] ^= static_cast<std::byte>(1 + rng() % 255);
        EXPECT_THROW(persist::reader{bad}, persist::format_error) << "byte " << i;
    }
}

TEST(persist_corrupt, random_damage_is_detected) {
    const bytes& doc = the_sample().doc;
    std::mt19937 rng(11);
    for (int round = 0; round < 500; ++round) {
        bytes bad = doc;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<std::byte>(1 + rng() % 255);
        EXPECT_THROW(load_all(bad), persist::format_error) << "round " << round;
    }
}

TEST(persist_corrupt, crafted_documents_with_a_valid_checksum_never_crash) {
    // Every byte of the records, set to a few values, with the checksum recomputed: each
    // document either fails with format_error or loads containers whose invariants hold.
    const bytes& doc = the_sample().doc;
    int rejected = 0;
    int accepted = 0;
    for (std::size_t i = detail::persist::header_bytes; i + 4 < doc.size(); ++i) {
        for (unsigned v : {0u, 1u, 0x7fu, 0x80u, 0xffu, static_cast<unsigned>(doc[i]) + 1u, static_cast<unsigned>(doc[i]) - 1u}) {
            bytes bad = doc;
            bad[i] = static_cast<std::byte>(v);
            if (bad[i] == doc[i]) continue;
            reseal(bad);
            try {
                load_all(bad);
                ++accepted;
            } catch (const persist::format_error&) {
                ++rejected;
            }
        }
    }
    EXPECT_GT(rejected, 0);
    // Changing an element's value gives another valid document: some must be accepted.
    EXPECT_GT(accepted, 0);
}

TEST(persist_corrupt, crafted_structures_are_rejected) {
    // Sorted keys out of order: swap two adjacent entries of a saved sorted_set leaf.
    persist::writer w;
    w.add(sorted_set<std::uint32_t>{0x01010101u, 0x02020202u});
    bytes doc = w.bytes();
    const std::byte first_key[4] = {std::byte{1}, std::byte{1}, std::byte{1}, std::byte{1}};
    const auto a = std::search(doc.begin(), doc.end(), std::begin(first_key), std::end(first_key));
    ASSERT_NE(a, doc.end());
    std::swap_ranges(a, a + 4, a + 4);
    reseal(doc);
    {
        persist::reader r(doc);
        try {
            (void)r.load<sorted_set<std::uint32_t>>(0);
            FAIL() << "out-of-order keys accepted";
        } catch (const persist::format_error& e) {
            EXPECT_NE(std::string(e.what()).find("order"), std::string::npos) << e.what();
        }
    }
    // A reference to itself (delta 0 where a reference is required) or past the start.
    persist::writer w2;
    w2.add(list<int>{1, 2, 3});
    bytes d2 = w2.bytes();
    // The last record is the roots table: tag 15, length, count 1, delta.
    const std::size_t delta_at = d2.size() - 4 - 1;
    for (unsigned v : {0u, 100u}) {
        bytes bad = d2;
        bad[delta_at] = static_cast<std::byte>(v);
        reseal(bad);
        EXPECT_THROW(persist::reader{bad}, persist::format_error) << v;
    }
    // An unknown format version.
    bytes d3 = d2;
    d3[8] = std::byte{2};
    reseal(d3);
    try {
        persist::reader r{d3};
        FAIL() << "version 2 accepted";
    } catch (const persist::format_error& e) {
        EXPECT_NE(std::string(e.what()).find("version"), std::string::npos) << e.what();
    }
}

namespace {
// Every key has the same hash: a set of two keys keeps both in one collision node.
struct one_hash_for_all {
    std::size_t operator()(std::uint32_t) const noexcept { return 0x5bd1e995u; }
};
} // namespace

TEST(persist_corrupt, a_key_saved_twice_in_a_collision_node_is_rejected) {
    using colliding_set = set<std::uint32_t, one_hash_for_all>;
    persist::writer w;
    w.add(colliding_set{0x01010101u, 0x02020202u});
    bytes doc = w.bytes();
    // Overwrite the second key with the first one, and reseal.
    const std::byte second_key[4] = {std::byte{2}, std::byte{2}, std::byte{2}, std::byte{2}};
    const auto at = std::search(doc.begin(), doc.end(), std::begin(second_key), std::end(second_key));
    ASSERT_NE(at, doc.end());
    std::fill(at, at + 4, std::byte{1});
    reseal(doc);
    persist::reader r(doc);
    try {
        (void)r.load<colliding_set>(0);
        FAIL() << "a collision node holding one key twice was accepted";
    } catch (const persist::format_error& e) {
        EXPECT_NE(std::string(e.what()).find("key saved twice in a collision node"), std::string::npos) << e.what();
    }
}

namespace {
// Another hash for the same key type: the saved tries' shapes do not match it.
struct other_hash {
    std::size_t operator()(std::int64_t k) const noexcept {
        return std::hash<std::int64_t>{}(k) * 0x9e3779b97f4a7c15ull + 12345;
    }
};
} // namespace

TEST(persist_corrupt, another_hash_loads_the_same_content) {
    map<std::int64_t, std::string> m;
    for (std::int64_t i = 0; i < 5000; ++i) m = m.set(i, std::to_string(i));
    const auto m2 = m.set(17, "changed").erase(3);
    set<std::int64_t> s;
    for (std::int64_t i = 0; i < 300; ++i) s = s.insert(i * i);
    persist::writer w;
    w.add(m);
    w.add(m2);
    w.add(s);
    w.add(list<map<std::int64_t, std::string>>{m, m2, m});
    const auto doc = w.bytes();
    persist::reader r(doc);
    using other_map = map<std::int64_t, std::string, other_hash>;
    const auto a = r.load<other_map>(0);
    const auto b = r.load<other_map>(1);
    const auto c = r.load<set<std::int64_t, other_hash>>(2);
    const auto nested = r.load<list<other_map>>(3);
    EXPECT_EQ(invariants(a), "");
    EXPECT_EQ(invariants(b), "");
    EXPECT_EQ(invariants(c), "");
    ASSERT_EQ(a.size(), m.size());
    for (const auto& [k, v] : m) ASSERT_EQ(a.at(k), v);
    ASSERT_EQ(b.size(), m2.size());
    for (const auto& [k, v] : m2) ASSERT_EQ(b.at(k), v);
    for (std::int64_t i = 0; i < 300; ++i) ASSERT_TRUE(c.contains(i * i));
    ASSERT_EQ(nested.size(), 3u);
    EXPECT_EQ(nested[0], a);
    EXPECT_EQ(nested[1], b);
    // With the saving program's hash the same document rebuilds the saved nodes.
    const auto same = r.load<map<std::int64_t, std::string>>(0);
    EXPECT_EQ(same, m);
    EXPECT_EQ(invariants(same), "");
}

namespace {
// Agrees with std::hash on every key but one.
struct almost_std_hash {
    std::size_t operator()(std::int64_t k) const noexcept {
        return k == 4321 ? 77 : std::hash<std::int64_t>{}(k);
    }
};
} // namespace

TEST(persist_corrupt, a_hash_that_differs_on_one_key_still_loads_the_content) {
    map<std::int64_t, std::int64_t> m;
    for (std::int64_t i = 0; i < 10000; ++i) m = m.set(i, -i);
    persist::writer w;
    w.add(m);
    const auto doc = w.bytes();
    persist::reader r(doc);
    const auto back = r.load<map<std::int64_t, std::int64_t, almost_std_hash>>(0);
    EXPECT_EQ(invariants(back), "");
    ASSERT_EQ(back.size(), m.size());
    for (const auto& [k, v] : m) ASSERT_EQ(back.at(k), v);
}

TEST(persist_corrupt, the_checksum_is_crc32c_on_every_path) {
    const char* check = "123456789";
    EXPECT_EQ(detail::persist::crc32c(check, 9), 0xe3069283u);
    // Lengths around the three interleaved 4 KiB blocks the hardware path runs (one round,
    // two rounds, and the tails after them), as well as short ones.
    std::vector<unsigned char> data(2 * 3 * 4096 + 1001);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 131 + 7 + (i >> 9));
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 63u, 4099u, 12287u, 12288u, 12295u, 24576u, 25577u})
        EXPECT_EQ(detail::persist::crc32c(data.data(), n), ~detail::persist::crc32c_portable(0xffffffffu, data.data(), n))
            << n;
}
