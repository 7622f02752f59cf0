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
// Where each record of a document sits; records[i] is record number i + 1
// (docs/persist.md: a reference from record s to record t is the varint s - t).
struct record_place {
    detail::persist::tag tag;
    std::size_t payload; // offset of its first payload byte
    std::size_t length;  // payload bytes
};
std::vector<record_place> records_of(const bytes& doc) {
    std::vector<record_place> out;
    std::size_t at = detail::persist::header_bytes;
    while (at + detail::persist::trailer_bytes < doc.size()) {
        std::size_t length = 0;
        for (int i = 0; i < 4; ++i) length |= std::size_t{std::to_integer<std::uint8_t>(doc[at + 1 + i])} << (8 * i);
        out.push_back({static_cast<detail::persist::tag>(doc[at]), at + detail::persist::record_header_bytes, length});
        at += detail::persist::record_header_bytes + length;
    }
    return out;
}

// The error message `load` gives for container `id`, or "" when it loads.
template <class C>
std::string load_error(const bytes& doc, std::uint64_t id = 0) {
    persist::reader r(doc);
    try {
        (void)r.load<C>(id);
    } catch (const persist::format_error& e) {
        return e.what();
    }
    return "";
}

// Hashes taken as they are (is_avalanching: the library does not mix them), so a test
// decides which slot each key takes at each level of the trie.
struct key_in_top_four_bits { // keys 0..15: they agree on the low 60 bits
    using is_avalanching = void;
    std::size_t operator()(std::uint64_t k) const noexcept { return k << 60; }
};
struct key_without_low_byte { // 0x101 and 0x102 share a full hash, 0x201 and 0x202 another
    using is_avalanching = void;
    std::size_t operator()(std::uint32_t k) const noexcept { return k >> 8; }
};
} // namespace

TEST(persist_corrupt, a_slot_beyond_the_hash_bits_is_rejected) {
    // Two keys whose hashes differ only in bits 60..63 meet in a node at depth 12, where the
    // four bits left select one of 16 slots: keys 14 and 15 take slots 14 and 15.
    using top_bits_set = set<std::uint64_t, key_in_top_four_bits>;
    persist::writer w;
    w.add(top_bits_set{14, 15});
    bytes doc = w.bytes();
    // The nodes from depth 0 down to 11 hold one child each; the node at depth 12, written
    // first (children before parents), holds both entries: datamap 0xc000 (varint 80 80 03),
    // nodemap 0.
    const auto records = records_of(doc);
    const auto is_node = [](const record_place& rec) { return rec.tag == detail::persist::tag::champ_node; };
    ASSERT_EQ(std::count_if(records.begin(), records.end(), is_node), 13);
    const std::size_t datamap_at = std::find_if(records.begin(), records.end(), is_node)->payload;
    const std::byte deepest_head[4] = {std::byte{0x80}, std::byte{0x80}, std::byte{0x03}, std::byte{0x00}};
    ASSERT_TRUE(std::equal(std::begin(deepest_head), std::end(deepest_head),
                           doc.begin() + static_cast<std::ptrdiff_t>(datamap_at)));
    ASSERT_EQ(load_error<top_bits_set>(doc), "");
    // Move the entry of slot 15 to slot 16 (datamap 0x14000, varint 80 80 05): a slot no hash
    // can select at that depth. Nothing else changes.
    doc[datamap_at + 2] = std::byte{0x05};
    reseal(doc);
    const std::string error = load_error<top_bits_set>(doc);
    EXPECT_NE(error.find("slot beyond the hash's bits"), std::string::npos) << error;
}

TEST(persist_corrupt, a_collision_entry_with_another_hash_is_inserted_anew) {
    // A collision node holding a key whose hash is not the node's: the loader cannot keep
    // the saved node (a lookup of that key would not find it), so, as for a loading program
    // that hashes differently (docs/persist.md), it inserts the entries anew. The content is
    // the document's and the set is well-formed.
    using colliding_set = set<std::uint32_t, key_without_low_byte>;
    persist::writer w;
    w.add(colliding_set{0x101u, 0x102u});
    bytes doc = w.bytes();
    const auto records = records_of(doc);
    const auto collision = std::find_if(records.begin(), records.end(), [](const record_place& rec) {
        return rec.tag == detail::persist::tag::champ_collision;
    });
    ASSERT_NE(collision, records.end());
    // Count 2, then the two keys (4 bytes each, 0x101 and 0x102 in some order). The first one
    // gives the fingerprint and stays; the second gets the hash 2 (second byte 1 -> 2), so the
    // loader takes the path that rebuilds the saved nodes and meets it there.
    ASSERT_EQ(collision->length, 9u);
    ASSERT_EQ(doc[collision->payload], std::byte{2});
    const auto key_at = [&](int i) {
        std::uint32_t k = 0;
        for (int b = 0; b < 4; ++b)
            k |= std::uint32_t{std::to_integer<std::uint8_t>(doc[collision->payload + 1 + 4 * i + b])} << (8 * b);
        return k;
    };
    const std::uint32_t kept = key_at(0);
    const std::uint32_t moved = key_at(1);
    ASSERT_EQ(kept + moved, 0x101u + 0x102u);
    ASSERT_EQ(doc[collision->payload + 1 + 4 + 1], std::byte{1});
    doc[collision->payload + 1 + 4 + 1] = std::byte{2};
    reseal(doc);
    persist::reader r(doc);
    const auto back = r.load<colliding_set>(0);
    EXPECT_EQ(invariants(back), "");
    EXPECT_EQ(back.size(), 2u);
    EXPECT_TRUE(back.contains(kept));
    EXPECT_TRUE(back.contains(moved + 0x100));
    EXPECT_FALSE(back.contains(moved));
}

TEST(persist_corrupt, a_list_child_smaller_than_its_parent_gives_it_is_rejected) {
    // A regular inner node's children are full but the last. Point the first child of a
    // list's root at the 6-element leaf another list saved: every count and reference is
    // well-formed, only the sizes disagree.
    persist::writer w;
    w.add(list<int>{1, 2, 3, 4, 5, 6});
    list<int> l;
    for (int i = 0; i < 70; ++i) l = l.push_back(i);
    w.add(l); // root: a regular node of two full leaves; a tail of 6
    bytes doc = w.bytes();
    const auto records = records_of(doc);
    std::size_t small_leaf = 0; // record numbers
    std::size_t root = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& rec = records[i];
        if (rec.tag == detail::persist::tag::list_leaf && small_leaf == 0) small_leaf = i + 1;
        if (rec.tag == detail::persist::tag::list_inner) {
            ASSERT_EQ(root, 0u) << "one inner node expected";
            root = i + 1;
        }
    }
    ASSERT_NE(small_leaf, 0u);
    ASSERT_NE(root, 0u);
    ASSERT_EQ(doc[records[small_leaf - 1].payload], std::byte{6}); // its count
    // The root: regular (0), two children, then the first child's reference (one byte).
    const std::size_t root_at = records[root - 1].payload;
    ASSERT_EQ(doc[root_at], std::byte{0});
    ASSERT_EQ(doc[root_at + 1], std::byte{2});
    ASSERT_LT(root - small_leaf, 0x80u);
    ASSERT_LT(std::to_integer<unsigned>(doc[root_at + 2]), 0x80u);
    ASSERT_EQ(load_error<list<int>>(doc, 1), "");
    doc[root_at + 2] = static_cast<std::byte>(root - small_leaf);
    reseal(doc);
    const std::string error = load_error<list<int>>(doc, 1);
    EXPECT_NE(error.find("list child does not cover the elements its parent gives it"), std::string::npos) << error;
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

// The writer checksums a document's header and the rest apart, and joins the two.
TEST(persist_corrupt, checksums_of_two_pieces_join_into_the_whole_ones) {
    std::vector<unsigned char> data(3 * 4096 * 5 + 333);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 29 + (i >> 7));
    for (std::size_t split : {0u, 1u, 24u, 4096u, 20000u})
        for (std::size_t rest : {0u, 1u, 8u, 4095u, 12288u, 40000u}) {
            const std::uint32_t first = detail::persist::crc32c_portable(0xffffffffu, data.data(), split);
            const std::uint32_t second = detail::persist::crc32c_portable(0, data.data() + split, rest);
            EXPECT_EQ(~(detail::persist::crc_shift(first, rest) ^ second), detail::persist::crc32c(data.data(), split + rest))
                << split << " + " << rest;
        }
    // The table form of the same shift, used between the hardware path's blocks.
    for (std::uint32_t reg : {0u, 1u, 0x80000000u, 0xdeadbeefu, 0xffffffffu})
        EXPECT_EQ(detail::persist::crc_shift_block(reg), detail::persist::crc_shift(reg, detail::persist::crc_block_bytes));
}

// The writer folds each block into the checksum soon after writing it; the document's
// checksum must still be that of all its bytes, read in one pass, for documents spanning
// many blocks and ending at any point within one.
TEST(persist_corrupt, a_checksum_kept_while_writing_matches_one_taken_after) {
    for (std::int64_t n : {0, 1, 33, 6000, 6145, 20000, 100003}) {
        list<std::int64_t> l;
        for (std::int64_t i = 0; i < n; ++i) l = l.push_back(i * 1000003);
        persist::writer w;
        w.add(l);
        const auto doc = w.bytes();
        const std::size_t body = doc.size() - detail::persist::trailer_bytes;
        std::uint32_t stored = 0;
        for (int i = 0; i < 4; ++i) stored |= std::uint32_t(static_cast<unsigned char>(doc[body + i])) << (8 * i);
        EXPECT_EQ(stored, detail::persist::crc32c(doc.data(), body)) << n;
        persist::reader r(doc);
        EXPECT_EQ(r.load<list<std::int64_t>>(0), l);
    }
}

TEST(persist_corrupt, a_full_leaf_record_one_byte_longer_or_shorter_is_rejected) {
    // A leaf of 32 numbers, which the loader recognises by its record's length and count
    // byte and reads the fastest: a record with one byte more or one fewer (its length field,
    // the document's length and the checksum made to match) is still rejected.
    list<std::int64_t> l;
    for (std::int64_t i = 0; i < 40; ++i) l = l.push_back(i); // one full leaf, a tail of 8
    persist::writer w;
    w.add(l);
    const bytes doc = w.bytes();
    ASSERT_EQ(load_error<list<std::int64_t>>(doc), "");
    const auto records = records_of(doc);
    const auto full = std::find_if(records.begin(), records.end(), [&](const record_place& r) {
        return r.tag == detail::persist::tag::list_leaf && doc[r.payload] == std::byte{32};
    });
    ASSERT_NE(full, records.end());
    ASSERT_EQ(full->length, 1 + 32 * sizeof(std::int64_t));
    auto with_length = [&](std::size_t length) {
        bytes bad(doc.begin(), doc.begin() + static_cast<std::ptrdiff_t>(full->payload + std::min(length, full->length)));
        bad.resize(full->payload + length, std::byte{0});
        bad.insert(bad.end(), doc.begin() + static_cast<std::ptrdiff_t>(full->payload + full->length), doc.end());
        const std::size_t length_at = full->payload - 4;
        for (int i = 0; i < 4; ++i) bad[length_at + i] = static_cast<std::byte>(length >> (8 * i));
        for (int i = 0; i < 8; ++i) bad[16 + i] = static_cast<std::byte>(std::uint64_t{bad.size()} >> (8 * i));
        reseal(bad);
        return bad;
    };
    const std::string longer = load_error<list<std::int64_t>>(with_length(full->length + 1));
    EXPECT_NE(longer.find("bytes after a list leaf"), std::string::npos) << longer;
    const std::string shorter = load_error<list<std::int64_t>>(with_length(full->length - 1));
    EXPECT_NE(shorter.find("list leaf count above what its record holds"), std::string::npos) << shorter;
}
