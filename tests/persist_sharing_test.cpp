// Structural sharing through a save and a load: each node is written once however many
// versions and elements share it, and loaded versions share nodes as the saved ones did.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "support/persist_util.hpp"

using namespace immutable;
using persist_test::invariants;

namespace {
struct saved_tag {};
struct loaded_tag {};
struct one_tag {};
using saved_policy = counted<heap_policy, saved_tag>;
using loaded_policy = counted<heap_policy, loaded_tag>;
using one_policy = counted<heap_policy, one_tag>;
} // namespace

TEST(persist_sharing, versions_one_set_apart_write_and_load_each_node_once) {
    constexpr int n = 50000;
    constexpr int versions = 200;
    list<std::int64_t, saved_policy> v;
    for (int i = 0; i < n; ++i) v = v.push_back(i);
    std::vector<list<std::int64_t, saved_policy>> history{v};
    for (int k = 1; k < versions; ++k) history.push_back(history.back().set((k * 7919) % n, -k));

    persist::writer one;
    one.add(history[0]);
    const auto one_doc = one.bytes();
    persist::writer all;
    std::vector<std::uint64_t> ids;
    for (const auto& h : history) ids.push_back(all.add(h));
    const auto all_doc = all.bytes();
    EXPECT_LT(all_doc.size(), 2 * one_doc.size()) << one_doc.size() << " bytes for one version";

    std::int64_t one_bytes = 0;
    {
        persist::reader r(one_doc);
        const auto loaded = r.load<list<std::int64_t, one_policy>>(0);
        one_bytes = one_policy::live_bytes();
        ASSERT_GT(one_bytes, 0);
    }
    const std::int64_t before = loaded_policy::live_bytes();
    std::vector<list<std::int64_t, loaded_policy>> back;
    {
        persist::reader r(all_doc);
        for (auto id : ids) back.push_back(r.load<list<std::int64_t, loaded_policy>>(id));
    }
    const std::int64_t all_bytes = loaded_policy::live_bytes() - before;
    EXPECT_LT(all_bytes, 2 * one_bytes) << one_bytes << " bytes for one version";
    for (int k = 0; k < versions; ++k) {
        ASSERT_TRUE(std::equal(back[k].begin(), back[k].end(), history[k].begin(), history[k].end())) << "version " << k;
        ASSERT_EQ(invariants(back[k]), "") << "version " << k;
    }
    // The loaded versions are independent values: changing one leaves the others as saved.
    const auto changed = back[3].set(0, 12345);
    EXPECT_TRUE(std::equal(back[3].begin(), back[3].end(), history[3].begin(), history[3].end()));
    EXPECT_EQ(changed[0], 12345);
}

TEST(persist_sharing, push_back_versions_share_their_tail) {
    // Versions made by push_back share one tail leaf, each using more of it.
    std::vector<list<int, saved_policy>> history{list<int, saved_policy>{}};
    for (int i = 0; i < 1000; ++i) history.push_back(history.back().push_back(i));
    persist::writer w;
    for (const auto& h : history) w.add(h);
    const auto doc = w.bytes();
    persist::writer last;
    last.add(history.back());
    EXPECT_LT(doc.size(), last.bytes().size() + 1000 * 40);
    persist::reader r(doc);
    for (std::uint64_t k = 0; k < history.size(); k += 37) {
        const auto l = r.load<list<int>>(k);
        ASSERT_EQ(l, (list<int>(history[k].begin(), history[k].end())));
        ASSERT_EQ(invariants(l), "");
    }
}

TEST(persist_sharing, an_inner_list_held_1000_times_is_written_once_and_shared_after_loading) {
    list<int> inner;
    for (int i = 0; i < 10000; ++i) inner = inner.push_back(i);
    list<list<int>> outer;
    for (int i = 0; i < 1000; ++i) outer = outer.push_back(inner);

    persist::writer just_inner;
    just_inner.add(inner);
    persist::writer w;
    const auto id = w.add(outer);
    const auto doc = w.bytes();
    // The inner list once, plus about one byte of reference per element.
    EXPECT_LT(doc.size(), just_inner.bytes().size() + 1000 * 4);

    persist::reader r(doc);
    const auto back = r.load<list<list<int>>>(id);
    ASSERT_EQ(back, outer);
    for (const auto& x : back) ASSERT_EQ(x.identity(), back[0].identity());
}

TEST(persist_sharing, maps_and_sorted_maps_one_change_apart) {
    map<std::int64_t, std::int64_t> m;
    sorted_map<std::int64_t, std::int64_t> sm;
    for (std::int64_t i = 0; i < 20000; ++i) {
        m = m.set(i, i);
        sm = sm.set(i, i);
    }
    persist::writer one;
    one.add(m);
    one.add(sm);
    persist::writer w;
    std::vector<map<std::int64_t, std::int64_t>> ms{m};
    std::vector<sorted_map<std::int64_t, std::int64_t>> sms{sm};
    for (int k = 1; k < 100; ++k) {
        ms.push_back(ms.back().set(k * 31, -k));
        sms.push_back(sms.back().set(k * 31, -k));
    }
    for (std::size_t k = 0; k < ms.size(); ++k) {
        w.add(ms[k]);
        w.add(sms[k]);
    }
    const auto doc = w.bytes();
    EXPECT_LT(doc.size(), one.bytes().size() * 3 / 2);
    persist::reader r(doc);
    for (std::size_t k = 0; k < ms.size(); ++k) {
        const auto a = r.load<map<std::int64_t, std::int64_t>>(2 * k);
        const auto b = r.load<sorted_map<std::int64_t, std::int64_t>>(2 * k + 1);
        ASSERT_EQ(a, ms[k]);
        ASSERT_EQ(b, sms[k]);
        ASSERT_EQ(invariants(a), "");
        ASSERT_EQ(invariants(b), "");
    }
}

TEST(persist_sharing, queue_versions_share_their_list) {
    queue<std::string> q;
    for (int i = 0; i < 2000; ++i) q = q.push(std::to_string(i));
    std::vector<queue<std::string>> history{q};
    for (int k = 0; k < 300; ++k) history.push_back(k % 3 ? history.back().pop() : history.back().push("n"));
    persist::writer w;
    for (const auto& h : history) w.add(h);
    w.add(history[5]); // the same version twice: one record
    const auto doc = w.bytes();
    persist::writer one;
    one.add(q);
    EXPECT_LT(doc.size(), 2 * one.bytes().size());
    persist::reader r(doc);
    for (std::size_t k = 0; k < history.size(); ++k) {
        const auto back = r.load<queue<std::string>>(k);
        ASSERT_EQ(back, history[k]);
        ASSERT_EQ(invariants(back), "");
    }
    EXPECT_EQ(r.load<queue<std::string>>(5).identity(), r.load<queue<std::string>>(history.size()).identity());
}

TEST(persist_sharing, loaded_nodes_are_freed_with_the_last_version) {
    const std::int64_t before = loaded_policy::live_nodes();
    {
        list<std::string> l;
        for (int i = 0; i < 3000; ++i) l = l.push_back(std::string(i % 50, 'x'));
        persist::writer w;
        w.add(l);
        w.add(l.set(5, "changed"));
        const auto doc = w.bytes();
        list<std::string, loaded_policy> kept;
        {
            persist::reader r(doc);
            kept = r.load<list<std::string, loaded_policy>>(1);
            (void)r.load<list<std::string, loaded_policy>>(0);
        }
        EXPECT_GT(loaded_policy::live_nodes(), before);
        EXPECT_EQ(kept[5], "changed");
    }
    EXPECT_EQ(loaded_policy::live_nodes(), before);
}
