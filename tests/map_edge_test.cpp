// Edge cases of immutable::map: empty maps, degenerate hashes, exception safety, leaks,
// sharing guarantees (no allocation for no-op updates), builder isolation, diff cost.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <iterator>
#include <ranges>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <immutable/detail/champ/invariants.hpp>
#include <immutable/map.hpp>

#include "support/failing_policy.hpp"
#include "support/throwing_value.hpp"
#include "support/update_without_default.hpp"

namespace {

using immutable::test::copy_failure;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;
using immutable::detail::champ::check_invariants;

template <class K, class V, class H = std::hash<K>>
using counted_map = immutable::map<K, V, H, std::equal_to<K>, counted_policy>;

struct constant_hash {
    std::size_t operator()(int) const noexcept { return 42; }
};

// Counts key comparisons, to show which walks skip shared subtrees.
struct counting_equal {
    static inline std::int64_t calls = 0;
    bool operator()(int a, int b) const noexcept {
        ++calls;
        return a == b;
    }
};

// std::hash<std::string> that counts its calls, to show which lookups skip hashing.
struct counting_string_hash {
    static inline std::int64_t calls = 0;
    std::size_t operator()(const std::string& s) const noexcept {
        ++calls;
        return std::hash<std::string>{}(s);
    }
};

// Every string hashes alike: the keys of a small map then sit below a chain of children.
struct constant_string_hash {
    std::size_t operator()(const std::string&) const noexcept { return 7; }
};

class leak_check : public ::testing::Test {
protected:
    void SetUp() override {
        nodes_ = counted_policy::live_nodes();
        values_ = throwing_value::live;
    }
    void TearDown() override {
        failing_heap_policy::never_fail();
        throwing_value::never_throw();
        EXPECT_EQ(counted_policy::live_nodes(), nodes_) << "nodes leaked";
        EXPECT_EQ(throwing_value::live, values_) << "values leaked";
    }

private:
    std::int64_t nodes_ = 0;
    std::int64_t values_ = 0;
};

template <class Map, class Model>
void expect_content(const Map& m, const Model& model) {
    ASSERT_EQ(check_invariants(m), "");
    ASSERT_EQ(m.size(), model.size());
    for (const auto& [k, v] : model) {
        const auto* found = m.find(k);
        ASSERT_NE(found, nullptr);
        EXPECT_EQ(*found, v);
    }
    std::size_t n = 0;
    for (const auto& e : m) {
        auto it = model.find(e.first);
        ASSERT_NE(it, model.end());
        EXPECT_EQ(it->second, e.second);
        ++n;
    }
    EXPECT_EQ(n, model.size());
}

} // namespace

using map_edge = leak_check;

static_assert(std::forward_iterator<immutable::map<int, int>::iterator>);
static_assert(std::same_as<std::iter_reference_t<immutable::map<int, int>::iterator>,
                           const std::pair<int, int>&>);
static_assert(std::ranges::forward_range<immutable::map<int, int>>);
static_assert(std::ranges::forward_range<immutable::map<int, int>::builder>);

TEST_F(map_edge, empty_map_allocates_nothing) {
    auto before = counted_policy::stats().allocations;
    counted_map<int, int> m;
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.size(), 0u);
    EXPECT_EQ(m.find(1), nullptr);
    EXPECT_FALSE(m.contains(1));
    EXPECT_EQ(m.count(1), 0u);
    EXPECT_EQ(m.begin(), m.end());
    EXPECT_EQ(m.identity(), nullptr);
    auto e = m.erase(3);
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(m, e);
    counted_map<int, int>::builder b;
    EXPECT_EQ(b.size(), 0u);
    b.erase(1);
    EXPECT_TRUE(b.build().empty());
    EXPECT_EQ(counted_policy::stats().allocations, before);
    EXPECT_THROW((void)m.at(1), std::out_of_range);
}

TEST_F(map_edge, basic_operations) {
    counted_map<int, std::string> m{{1, "one"}, {2, "two"}, {3, "three"}, {2, "deux"}};
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.at(2), "deux"); // a repeated key keeps its last value
    auto m2 = m.set(4, "four").erase(1).update(3, [](const std::string& s) { return s + "!"; });
    EXPECT_EQ(m2.size(), 3u);
    EXPECT_EQ(m2.at(3), "three!");
    EXPECT_EQ(m.at(3), "three");
    auto m3 = m2.update(9, [](const std::string& s) { return s + "new"; }); // V{} when absent
    EXPECT_EQ(m3.at(9), "new");
    auto m4 = m3.insert({10, "ten"});
    EXPECT_EQ(m4.at(10), "ten");
    EXPECT_THROW((void)m4.at(11), std::out_of_range);
    counted_map<int, std::string> moved(std::move(m4));
    EXPECT_TRUE(m4.empty()); // NOLINT(bugprone-use-after-move): moved-from maps are empty
    EXPECT_EQ(moved.size(), 5u);
}

TEST_F(map_edge, update_without_a_default_value_throws_only_for_a_missing_key) {
    using M = counted_map<int, immutable::test::no_default>;
    immutable::test::check_update_without_a_default_value<M>();
}

TEST_F(map_edge, no_op_updates_share_the_root_and_allocate_nothing) {
    counted_map<int, int> m;
    for (int i = 0; i < 1000; ++i) m = m.set(i, i);
    auto before = counted_policy::stats().allocations;
    EXPECT_EQ(m.erase(5000).identity(), m.identity());
    EXPECT_EQ(m.set(7, 7).identity(), m.identity());
    EXPECT_EQ(m.insert({8, 8}).identity(), m.identity());
    EXPECT_EQ(m.update(9, [](int v) { return v; }).identity(), m.identity());
    auto b = m.to_builder();
    b.set(7, 7);
    b.erase(5000);
    EXPECT_EQ(b.build().identity(), m.identity());
    EXPECT_EQ(counted_policy::stats().allocations, before);
}

TEST_F(map_edge, persistent_insert_allocates_about_one_node_per_level) {
    counted_map<int, int> m;
    for (int i = 0; i < 100000; ++i) m = m.set(i, i);
    auto before = counted_policy::stats().allocations;
    auto m2 = m.set(-1, 1);
    auto used = counted_policy::stats().allocations - before;
    EXPECT_GE(used, 1);
    EXPECT_LE(used, 6); // path length: log32(100000) + a split
}

TEST_F(map_edge, updates_of_an_unshared_rvalue_happen_in_place) {
    counted_map<int, int> m;
    for (int i = 0; i < 5000; ++i) m = std::move(m).set(i, i);
    auto before = counted_policy::stats().allocations;
    for (int i = 5000; i < 6000; ++i) m = std::move(m).set(i, i);
    // A builder's cost: about one allocation per insert, not one per level.
    EXPECT_LE(counted_policy::stats().allocations - before, 1000 * 2);
    counted_map<int, int> kept = m;
    auto changed = std::move(m).set(1, -1).erase(2); // shared root: copies, kept unchanged
    EXPECT_EQ(kept.at(1), 1);
    EXPECT_EQ(kept.at(2), 2);
    EXPECT_EQ(changed.at(1), -1);
    EXPECT_FALSE(changed.contains(2));
    std::unordered_map<int, int> model;
    for (int i = 0; i < 6000; ++i) model[i] = i;
    expect_content(kept, model);
    for (int i = 0; i < 6000; i += 2) kept = std::move(kept).erase(i);
    for (int i = 0; i < 6000; i += 2) model.erase(i);
    expect_content(kept, model);
}

TEST_F(map_edge, builder_changes_never_show_in_built_maps) {
    counted_map<int, int> base;
    for (int i = 0; i < 2000; ++i) base = base.set(i, i);
    auto b = base.to_builder();
    std::vector<counted_map<int, int>> snapshots;
    std::vector<std::unordered_map<int, int>> models;
    std::unordered_map<int, int> model;
    for (int i = 0; i < 2000; ++i) model[i] = i;
    std::mt19937 rng(7);
    for (int round = 0; round < 20; ++round) {
        for (int j = 0; j < 200; ++j) {
            int k = static_cast<int>(rng() % 3000);
            if (rng() % 3 == 0) {
                b.erase(k);
                model.erase(k);
            } else {
                b.set(k, round);
                model[k] = round;
            }
        }
        snapshots.push_back(b.build());
        models.push_back(model);
    }
    for (std::size_t i = 0; i < snapshots.size(); ++i) expect_content(snapshots[i], models[i]);
    std::unordered_map<int, int> base_model;
    for (int i = 0; i < 2000; ++i) base_model[i] = i;
    expect_content(base, base_model);
}

TEST_F(map_edge, builder_of_strings_moves_entries_correctly) {
    std::unordered_map<std::string, std::string> model;
    immutable::map<std::string, std::string, std::hash<std::string>, std::equal_to<std::string>,
                   counted_policy>::builder b;
    for (int i = 0; i < 5000; ++i) {
        std::string k = "key number " + std::to_string(i) + " with a long tail";
        b.set(k, k + " value");
        model[k] = k + " value";
    }
    for (int i = 0; i < 5000; i += 3) {
        std::string k = "key number " + std::to_string(i) + " with a long tail";
        b.erase(k);
        model.erase(k);
    }
    expect_content(b.build(), model);
}

TEST_F(map_edge, one_entry_maps_answer_without_hashing) {
    using small_map = counted_map<std::string, int, counting_string_hash>;
    std::vector<std::string> keys;
    for (int i = 0; i < 12; ++i) keys.push_back("key number " + std::to_string(i) + " with a long tail");
    small_map m;
    std::unordered_map<std::string, int> model;
    for (int n = 0; n <= 12; ++n) {
        if (n > 0) {
            m = m.set(keys[static_cast<std::size_t>(n - 1)], n);
            model[keys[static_cast<std::size_t>(n - 1)]] = n;
        }
        expect_content(m, model);
        auto calls = counting_string_hash::calls;
        for (const auto& k : keys) {
            bool present = model.count(k) != 0;
            EXPECT_EQ(m.contains(k), present) << n << " " << k;
            if (present) {
                EXPECT_EQ(*m.find(k), model[k]);
            }
        }
        EXPECT_EQ(m.find("absent key of the same length as others"), nullptr);
        EXPECT_EQ(m.find(""), nullptr);
        // A one-entry map compares the key with its entry; any larger one hashes each
        // looked-up key once.
        if (n <= 1) {
            EXPECT_EQ(counting_string_hash::calls, calls) << n;
        } else {
            // contains() for every key, find() again for the n present ones, two misses.
            EXPECT_EQ(counting_string_hash::calls, calls + static_cast<std::int64_t>(keys.size()) + n + 2) << n;
        }
    }
    // A one-entry map erases without hashing: the key is that entry or absent.
    small_map one{{keys[0], 1}};
    auto calls = counting_string_hash::calls;
    EXPECT_EQ(one.erase(keys[1]).identity(), one.identity());
    EXPECT_TRUE(one.erase(keys[0]).empty());
    EXPECT_EQ(counting_string_hash::calls, calls);
    EXPECT_EQ(one.erase(keys[0]), small_map());
    EXPECT_EQ(small_map(), small_map());

    // Same answers when every key hashes alike (children below the root from two entries).
    using degenerate = counted_map<std::string, int, constant_string_hash>;
    degenerate d;
    for (std::size_t n = 0; n < keys.size(); ++n) {
        d = d.set(keys[n], static_cast<int>(n));
        ASSERT_EQ(check_invariants(d), "");
        for (std::size_t j = 0; j < keys.size(); ++j) {
            const int* v = d.find(keys[j]);
            if (j <= n) {
                ASSERT_NE(v, nullptr);
                EXPECT_EQ(*v, static_cast<int>(j));
            } else {
                EXPECT_EQ(v, nullptr);
            }
        }
    }
    degenerate d1{{keys[3], 3}};
    EXPECT_EQ(d1.erase(keys[4]).identity(), d1.identity());
    EXPECT_TRUE(d1.erase(keys[3]).empty());
}

TEST_F(map_edge, one_entry_maps_of_integers) {
    counted_map<std::int64_t, int> m{{1024, 1}};
    EXPECT_EQ(*m.find(1024), 1);
    EXPECT_EQ(m.find(0), nullptr);
    EXPECT_EQ(m.find(2048), nullptr);
    EXPECT_EQ(m.erase(2048).identity(), m.identity());
    EXPECT_TRUE(m.erase(1024).empty());
    auto two = m.set(2048, 2);
    EXPECT_EQ(*two.find(2048), 2);
    EXPECT_EQ(two.erase(2048), m);
}

// libstdc++'s std::hash<int64_t> is the identity: without mixing, keys that differ only
// in high bits would all sit in one slot of the root, below a chain of one-child nodes.
TEST_F(map_edge, integer_keys_differing_in_high_bits_spread_from_the_root) {
    for (int shift : {10, 20, 40, 52}) {
        counted_map<std::int64_t, int> m;
        for (std::uint64_t i = 0; i < 4096; ++i) m = m.set(static_cast<std::int64_t>(i << shift), 1);
        ASSERT_EQ(check_invariants(m), "");
        const auto* root = immutable::detail::champ::access::root(m);
        int used = std::popcount(root->datamap | root->nodemap);
        EXPECT_EQ(used, 32) << shift;          // 4096 keys leave no root slot empty
        EXPECT_EQ(root->datamap, 0u) << shift; // and no slot with a single key
    }
}

TEST_F(map_edge, constant_hash_handles_ten_thousand_keys) {
    using degenerate = counted_map<int, int, constant_hash>;
    std::unordered_map<int, int> model;
    degenerate persistent;
    for (int i = 0; i < 10000; ++i) {
        persistent = persistent.set(i, i * 2);
        model[i] = i * 2;
    }
    expect_content(persistent, model);
    degenerate::builder b;
    for (int i = 9999; i >= 0; --i) b.set(i, i * 2);
    auto built = b.build();
    expect_content(built, model);
    EXPECT_EQ(built, persistent); // order inside a collision node does not matter
    EXPECT_EQ(std::hash<degenerate>{}(built), std::hash<degenerate>{}(persistent));
    for (int i = 0; i < 10000; i += 2) {
        persistent = persistent.erase(i);
        model.erase(i);
    }
    expect_content(persistent, model);
    for (int i = 1; i < 10000; i += 2) b.erase(i);
    for (int i = 0; i < 10000; i += 2) b.erase(i);
    EXPECT_TRUE(b.build().empty());
    // Down to one entry the chain of single-child nodes collapses into the root.
    degenerate two{{1, 1}, {2, 2}};
    auto one = two.erase(1);
    EXPECT_EQ(check_invariants(one), "");
    EXPECT_EQ(one.size(), 1u);
}

TEST_F(map_edge, iteration_order_depends_only_on_content) {
    std::vector<int> keys(3000);
    for (int i = 0; i < 3000; ++i) keys[static_cast<std::size_t>(i)] = i * 7;
    counted_map<int, int> forward, backward;
    for (int k : keys) forward = forward.set(k, k);
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) backward = backward.set(*it, *it);
    auto noisy = forward;
    for (int i = 0; i < 500; ++i) noisy = noisy.set(-i - 1, 0);
    for (int i = 0; i < 500; ++i) noisy = noisy.erase(-i - 1);
    std::vector<int> a, b, c;
    for (const auto& e : forward) a.push_back(e.first);
    for (const auto& e : backward) b.push_back(e.first);
    for (const auto& e : noisy) c.push_back(e.first);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, c); // canonical shape: erasing restores the exact shape
}

TEST_F(map_edge, equality_and_diff_skip_shared_subtrees) {
    using cmap = immutable::map<int, int, std::hash<int>, counting_equal, counted_policy>;
    cmap::builder b;
    for (int i = 0; i < 100000; ++i) b.set(i, i);
    cmap big = b.build();
    cmap changed = big;
    for (int i = 0; i < 100; ++i) changed = changed.set(i * 1000, -1);
    counting_equal::calls = 0;
    std::size_t added = 0, removed = 0, updated = 0;
    immutable::diff(
        big, changed, [&](const auto&) { ++added; }, [&](const auto&) { ++removed; },
        [&](const auto& o, const auto& n) {
            EXPECT_EQ(o.first, n.first);
            EXPECT_EQ(n.second, -1);
            ++updated;
        });
    EXPECT_EQ(added, 0u);
    EXPECT_EQ(removed, 0u);
    EXPECT_EQ(updated, 100u);
    EXPECT_LT(counting_equal::calls, 1000); // 100,000 entries, 100 changes
    counting_equal::calls = 0;
    EXPECT_NE(big, changed);
    auto restored = changed;
    for (int i = 0; i < 100; ++i) restored = restored.set(i * 1000, i * 1000);
    EXPECT_EQ(big, restored);
    EXPECT_LT(counting_equal::calls, 20000); // only the 100 rewritten paths are compared
}

TEST_F(map_edge, hash_is_order_independent) {
    counted_map<int, int> a, b;
    for (int i = 0; i < 500; ++i) a = a.set(i, i + 1);
    for (int i = 499; i >= 0; --i) b = b.set(i, i + 1);
    using hasher = std::hash<counted_map<int, int>>;
    EXPECT_EQ(hasher{}(a), hasher{}(b));
    EXPECT_NE(hasher{}(a), hasher{}(b.set(3, 0)));
}

// ---- exception safety ----------------------------------------------------------------

using tmap = immutable::map<throwing_value, throwing_value, std::hash<throwing_value>,
                            std::equal_to<throwing_value>, counted_policy>;

namespace {
// A builder that has never been built (so it owns every node) over keys 0, 3, ..., 3(n-1).
tmap::builder owned_builder(int n, std::map<int, int>& model) {
    tmap::builder b;
    for (int i = 0; i < n; ++i) {
        b.set(throwing_value(i * 3), throwing_value(i));
        model[i * 3] = i;
    }
    return b;
}

tmap make_tmap(int n, std::map<int, int>& model) { return owned_builder(n, model).build(); }

void expect_tmap(const tmap& m, const std::map<int, int>& model) {
    ASSERT_EQ(check_invariants(m), "");
    ASSERT_EQ(m.size(), model.size());
    for (auto [k, v] : model) {
        const throwing_value* found = m.find(throwing_value(k));
        ASSERT_NE(found, nullptr);
        EXPECT_EQ(found->value(), v);
    }
}

// Runs `action` with the k-th copy throwing, for k = 0, 1, ... until it succeeds; after
// each failure `check` must still hold (the caller checks the successful result).
template <class Action, class Check>
void for_each_failure_point(Action action, Check check) {
    for (int k = 0;; ++k) {
        throwing_value::throw_after(k);
        try {
            action();
            throwing_value::never_throw();
            return;
        } catch (const copy_failure&) {
            throwing_value::never_throw();
            check();
        }
        ASSERT_LT(k, 10000);
    }
}
} // namespace

TEST_F(map_edge, throwing_copies_leave_every_version_unchanged) {
    std::map<int, int> model;
    tmap m = make_tmap(700, model);
    auto check = [&] { expect_tmap(m, model); };
    for (int key : {1, 3, 301, 2100, 4}) { // new keys, an existing key
        for_each_failure_point([&] { (void)m.set(throwing_value(key), throwing_value(-1)); }, check);
        for_each_failure_point([&] { (void)m.erase(throwing_value(key)); }, check);
        for_each_failure_point(
            [&] { (void)m.update(throwing_value(key), [](const throwing_value& v) { return v; }); },
            check);
    }
}

TEST_F(map_edge, throwing_copies_leave_builders_unchanged) {
    std::map<int, int> model;
    tmap base = make_tmap(700, model);
    auto b = base.to_builder();
    b.set(throwing_value(1), throwing_value(1)); // the builder now owns a path
    model[1] = 1;
    auto check = [&] { expect_tmap(b.build(), model); };
    for (int key : {5, 6, 9, 2101, 30}) {
        for_each_failure_point([&] { b.set(throwing_value(key), throwing_value(-7)); }, check);
        model[key] = -7;
        check();
        for_each_failure_point([&] { b.erase(throwing_value(key - 3)); }, check);
        model.erase(key - 3);
        check();
    }
}

// A builder that owns its whole trie (never built) changes nodes in place down a path and
// counts the new entry on that path only after the change at the bottom succeeded: a
// throw anywhere must leave every count, and the content, as it was.
TEST_F(map_edge, throwing_copies_leave_an_owned_builder_unchanged) {
    std::map<int, int> model;
    tmap::builder b = owned_builder(700, model);
    auto check = [&] {
        ASSERT_EQ(check_invariants(b), "");
        ASSERT_EQ(b.size(), model.size());
        for (auto [k, v] : model) {
            const throwing_value* found = b.find(throwing_value(k));
            ASSERT_NE(found, nullptr);
            ASSERT_EQ(found->value(), v);
        }
    };
    // New keys (inline slot, pushed-down entry, deeper levels) and existing ones.
    for (int key : {1, 4, 2101, 5, 30001, 3, 2097}) {
        for_each_failure_point([&] { b.set(throwing_value(key), throwing_value(-7)); }, check);
        model[key] = -7;
        check();
    }
    tmap built = b.build();
    expect_tmap(built, model);
}

TEST_F(map_edge, failed_allocations_leave_an_owned_builder_unchanged) {
    std::map<int, int> model;
    tmap::builder b = owned_builder(3000, model);
    for (int k = 0; k < 8; ++k) {
        int key = 100001 + 3 * k;
        failing_heap_policy::fail_after(k / 2);
        try {
            b.set(throwing_value(key), throwing_value(k));
            model[key] = k;
        } catch (const std::bad_alloc&) {
        }
        failing_heap_policy::never_fail();
        ASSERT_EQ(check_invariants(b), "");
        ASSERT_EQ(b.size(), model.size());
        for (auto [mk, mv] : model) ASSERT_EQ(b.find(throwing_value(mk))->value(), mv);
    }
}

// The builder's loop walks owned nodes and copies the first shared one: after build()
// and a first change, the root is owned and its children shared.
TEST_F(map_edge, builder_changes_below_a_shared_child_count_on_the_owned_path) {
    using cmap = counted_map<std::int64_t, std::int64_t>;
    cmap::builder b;
    std::unordered_map<std::int64_t, std::int64_t> model;
    for (std::int64_t i = 0; i < 5000; ++i) {
        b.set(i * 7919, i);
        model[i * 7919] = i;
    }
    std::vector<cmap> versions;
    std::vector<std::unordered_map<std::int64_t, std::int64_t>> models;
    for (int round = 0; round < 20; ++round) {
        versions.push_back(b.build());
        models.push_back(model);
        for (std::int64_t j = 0; j < 50; ++j) {
            std::int64_t key = (round * 50 + j) * 104729 + 1;
            b.set(key, j);
            model[key] = j;
            b.set((round * 50 + j) * 7919, -j); // an existing key: no count change
            model[(round * 50 + j) * 7919] = -j;
        }
        ASSERT_EQ(check_invariants(b), "");
        ASSERT_EQ(b.size(), model.size());
    }
    expect_content(b.build(), model);
    for (std::size_t v = 0; v < versions.size(); ++v) expect_content(versions[v], models[v]);
}

TEST_F(map_edge, failed_allocations_leave_every_version_unchanged) {
    std::map<int, int> model;
    tmap m = make_tmap(3000, model);
    auto b = m.to_builder();
    for (int k = 0; k < 12; ++k) {
        failing_heap_policy::fail_after(k);
        try {
            (void)m.set(throwing_value(100001), throwing_value(0));
        } catch (const std::bad_alloc&) {
        }
        try {
            (void)m.erase(throwing_value(27));
        } catch (const std::bad_alloc&) {
        }
        try {
            b.set(throwing_value(100003), throwing_value(k));
        } catch (const std::bad_alloc&) {
        }
        failing_heap_policy::never_fail();
        expect_tmap(m, model);
        ASSERT_EQ(check_invariants(b.build()), "");
    }
}

TEST_F(map_edge, single_thread_policy_works) {
    immutable::map<int, int, std::hash<int>, std::equal_to<int>, immutable::single_thread_heap_policy> m;
    for (int i = 0; i < 1000; ++i) m = m.set(i, i);
    EXPECT_EQ(m.size(), 1000u);
    EXPECT_EQ(m.at(500), 500);
}
