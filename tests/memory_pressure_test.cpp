// Running out of memory in the middle of updates. Every container's nodes come from a heap
// with a byte budget (capped_heap_policy); versions are derived from random kept versions,
// all kept, until an allocation fails, often partway through an update. Then:
//   - the failed update leaves the live nodes and bytes exactly where they were;
//   - every kept version still holds what its model says;
//   - once memory is freed (a large version dropped), updates succeed again under the same
//     budget, until it runs out a second time.
// Builders the same way: a failed change leaves the builder as it was, and it carries on
// once memory is freed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <new>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"

namespace {

using budget = immutable::test::capped_heap_policy;
using policy = immutable::counted<budget>;

using list = immutable::list<std::int64_t, policy>;
using queue = immutable::queue<std::int64_t, policy>;
using map = immutable::map<std::int64_t, std::int64_t, std::hash<std::int64_t>, std::equal_to<std::int64_t>, policy>;
using set = immutable::set<std::int64_t, std::hash<std::int64_t>, std::equal_to<std::int64_t>, policy>;
using sorted_map = immutable::sorted_map<std::int64_t, std::int64_t, std::less<std::int64_t>, policy>;
using sorted_set = immutable::sorted_set<std::int64_t, std::less<std::int64_t>, policy>;

// Room left for updates once the budget is set: a few dozen path copies.
constexpr std::int64_t headroom = 48 * 1024;
constexpr int start_size = 1500;

// Holds memory under the budget that a test frees to make room again.
list make_ballast() {
    list::builder b;
    for (std::int64_t i = 0; i < 40000; ++i) b.push_back(i);
    return b.build();
}

// What a run saw, for the checks that failures happened where they should.
struct pressure_result {
    int failures = 0;          // updates that threw std::bad_alloc
    int partial_failures = 0;  // of those, ones that had allocated before the throw
    int updates_after_free = 0;
};

class memory_pressure : public immutable::test::no_leaks_test<policy> {
protected:
    void TearDown() override {
        budget::unlimited();
        no_leaks_test::TearDown();
    }
};

// Derives versions from random kept versions with step(version, r), mirrored on the models
// with model_step(model, r), until the budget runs out, then tries more updates in random
// smaller rooms; frees the ballast; does it all again. `same(version, model)` compares.
template <class C, class M, class Step, class ModelStep, class Same>
pressure_result updates_until_out_of_memory(C start, M start_model, Step step, ModelStep model_step, Same same) {
    pressure_result result;
    std::vector<C> versions{std::move(start)};
    std::vector<M> models{std::move(start_model)};
    list ballast = make_ballast();
    std::mt19937_64 rng(2024);
    const std::int64_t cap = budget::bytes_in_use() + headroom;
    for (int round = 0; round < 2; ++round) {
        int failures_this_round = 0;
        // Until the first failure the budget is `cap`. After it, each attempt gets a random
        // room of up to a few nodes, so updates fail at every point of their path, not only
        // at the first node.
        for (int i = 0; i < 100000 && failures_this_round < 40; ++i) {
            const std::size_t pick = rng() % versions.size();
            const std::uint64_t r = rng();
            const std::int64_t nodes_before = policy::live_nodes();
            const std::int64_t bytes_before = budget::bytes_in_use();
            const std::int64_t allocations_before = policy::stats().allocations;
            budget::limit_to(failures_this_round == 0 ? cap
                                                      : bytes_before + static_cast<std::int64_t>(rng() % 4096));
            try {
                C next = step(versions[pick], r);
                M model = models[pick];
                model_step(model, r);
                versions.push_back(std::move(next));
                models.push_back(std::move(model));
                if (round == 1) ++result.updates_after_free;
            } catch (const std::bad_alloc&) {
                ++failures_this_round;
                ++result.failures;
                if (policy::stats().allocations != allocations_before) ++result.partial_failures;
                EXPECT_EQ(policy::live_nodes(), nodes_before) << "a failed update leaked or freed nodes";
                EXPECT_EQ(budget::bytes_in_use(), bytes_before) << "a failed update leaked or freed bytes";
            }
        }
        budget::limit_to(cap);
        EXPECT_GT(failures_this_round, 0) << "the budget never ran out in round " << round;
        for (std::size_t v = 0; v < versions.size(); ++v) {
            EXPECT_TRUE(same(versions[v], models[v])) << "version " << v << " changed, round " << round;
        }
        ballast = list(); // memory freed: the next round must be able to go on
    }
    budget::unlimited();
    return result;
}

template <class C, class Model>
bool same_sequence(const C& c, const Model& m) {
    return c.size() == m.size() && std::equal(c.begin(), c.end(), m.begin(), m.end());
}

template <class C, class Model>
bool same_entries(const C& c, const Model& m) {
    if (c.size() != m.size()) return false;
    for (const auto& [k, v] : m) {
        const auto* found = c.find(k);
        if (found == nullptr || *found != v) return false;
    }
    return true;
}

template <class C, class Model>
bool same_members(const C& c, const Model& m) {
    if (c.size() != m.size()) return false;
    return std::all_of(m.begin(), m.end(), [&](std::int64_t x) { return c.contains(x); });
}

std::int64_t key_of(std::uint64_t r) { return static_cast<std::int64_t>(r % 20000); }
std::int64_t value_of(std::uint64_t r) { return static_cast<std::int64_t>(r >> 20); }

// The models of the map and set updates below: every fifth random value erases a key.
void update_map_model(std::map<std::int64_t, std::int64_t>& m, std::uint64_t x) {
    if (x % 5 == 0) m.erase(key_of(x));
    else m[key_of(x)] = value_of(x);
}
void update_set_model(std::set<std::int64_t>& m, std::uint64_t x) {
    if (x % 5 == 0) m.erase(key_of(x));
    else m.insert(key_of(x));
}

void expect_failures_partway_and_recovery(const pressure_result& r) {
    EXPECT_GT(r.failures, 0);
    EXPECT_GT(r.partial_failures, 0) << "no update failed after it had allocated: the budget only ever "
                                        "stopped updates at their first node";
    EXPECT_GT(r.updates_after_free, 0) << "nothing succeeded once memory was freed";
}

TEST_F(memory_pressure, list_updates) {
    list start;
    std::vector<std::int64_t> model;
    for (std::int64_t i = 0; i < start_size; ++i) {
        start = start.push_back(i);
        model.push_back(i);
    }
    auto r = updates_until_out_of_memory(
        start, model,
        [](const list& l, std::uint64_t x) {
            switch (x % 3) {
            case 0: return l.push_back(value_of(x));
            case 1: return l.push_front(value_of(x));
            default: return l.set(static_cast<std::size_t>((x >> 3) % l.size()), value_of(x));
            }
        },
        [](std::vector<std::int64_t>& m, std::uint64_t x) {
            switch (x % 3) {
            case 0: m.push_back(value_of(x)); break;
            case 1: m.insert(m.begin(), value_of(x)); break;
            default: m[(x >> 3) % m.size()] = value_of(x);
            }
        },
        [](const list& l, const std::vector<std::int64_t>& m) { return same_sequence(l, m); });
    expect_failures_partway_and_recovery(r);
}

TEST_F(memory_pressure, queue_updates) {
    queue start;
    std::deque<std::int64_t> model;
    for (std::int64_t i = 0; i < start_size; ++i) {
        start = start.push(i);
        model.push_back(i);
    }
    auto r = updates_until_out_of_memory(
        start, model,
        [](const queue& q, std::uint64_t x) { return x % 4 == 0 && !q.empty() ? q.pop() : q.push(value_of(x)); },
        [](std::deque<std::int64_t>& m, std::uint64_t x) {
            if (x % 4 == 0 && !m.empty()) m.pop_front();
            else m.push_back(value_of(x));
        },
        [](const queue& q, const std::deque<std::int64_t>& m) { return same_sequence(q, m); });
    expect_failures_partway_and_recovery(r);
}

TEST_F(memory_pressure, map_updates) {
    map start;
    std::map<std::int64_t, std::int64_t> model;
    for (std::int64_t i = 0; i < start_size; ++i) {
        start = start.set(i * 7, i);
        model[i * 7] = i;
    }
    auto r = updates_until_out_of_memory(
        start, model,
        [](const map& m, std::uint64_t x) { return x % 5 == 0 ? m.erase(key_of(x)) : m.set(key_of(x), value_of(x)); },
        update_map_model,
        [](const map& m, const std::map<std::int64_t, std::int64_t>& model) { return same_entries(m, model); });
    expect_failures_partway_and_recovery(r);
}

TEST_F(memory_pressure, set_updates) {
    set start;
    std::set<std::int64_t> model;
    for (std::int64_t i = 0; i < start_size; ++i) {
        start = start.insert(i * 7);
        model.insert(i * 7);
    }
    auto r = updates_until_out_of_memory(
        start, model,
        [](const set& s, std::uint64_t x) { return x % 5 == 0 ? s.erase(key_of(x)) : s.insert(key_of(x)); },
        update_set_model,
        [](const set& s, const std::set<std::int64_t>& m) { return same_members(s, m); });
    expect_failures_partway_and_recovery(r);
}

TEST_F(memory_pressure, sorted_map_updates) {
    sorted_map start;
    std::map<std::int64_t, std::int64_t> model;
    for (std::int64_t i = 0; i < start_size; ++i) {
        start = start.set(i * 7, i);
        model[i * 7] = i;
    }
    auto r = updates_until_out_of_memory(
        start, model,
        [](const sorted_map& m, std::uint64_t x) {
            return x % 5 == 0 ? m.erase(key_of(x)) : m.set(key_of(x), value_of(x));
        },
        update_map_model,
        [](const sorted_map& m, const std::map<std::int64_t, std::int64_t>& model) {
            return m.size() == model.size() &&
                   std::equal(m.begin(), m.end(), model.begin(), model.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first && a.second == b.second; });
        });
    expect_failures_partway_and_recovery(r);
}

TEST_F(memory_pressure, sorted_set_updates) {
    sorted_set start;
    std::set<std::int64_t> model;
    for (std::int64_t i = 0; i < start_size; ++i) {
        start = start.insert(i * 7);
        model.insert(i * 7);
    }
    auto r = updates_until_out_of_memory(
        start, model,
        [](const sorted_set& s, std::uint64_t x) { return x % 5 == 0 ? s.erase(key_of(x)) : s.insert(key_of(x)); },
        update_set_model,
        [](const sorted_set& s, const std::set<std::int64_t>& m) { return same_sequence(s, m); });
    expect_failures_partway_and_recovery(r);
}

// A builder made from `start` takes add(builder, r) until the budget runs out; the failed
// call must leave it as it was, and `start` unchanged. Once the ballast is dropped, the same
// builder takes more and builds what its model says.
template <class C, class M, class Add, class ModelAdd, class Same>
void builder_until_out_of_memory(const C& start, const M& start_model, Add add, ModelAdd model_add, Same same) {
    list ballast = make_ballast();
    budget::limit_to(budget::bytes_in_use() + headroom);
    auto b = start.to_builder();
    M model = start_model;
    std::mt19937_64 rng(7);
    bool failed = false;
    for (int i = 0; i < 100000 && !failed; ++i) {
        const std::uint64_t r = rng();
        try {
            add(b, r);
            model_add(model, r);
        } catch (const std::bad_alloc&) {
            failed = true;
        }
    }
    ASSERT_TRUE(failed) << "the budget never ran out";
    ballast = list(); // memory freed
    EXPECT_TRUE(same(b.build(), model)) << "a failed builder change was not undone";
    for (int i = 0; i < 200; ++i) {
        const std::uint64_t r = rng();
        add(b, r);
        model_add(model, r);
    }
    EXPECT_TRUE(same(b.build(), model));
    EXPECT_TRUE(same(start, start_model)) << "the builder's source version changed";
    budget::unlimited();
}

TEST_F(memory_pressure, builders) {
    {
        std::vector<std::int64_t> model(start_size, 1);
        list start = list(model.begin(), model.end());
        builder_until_out_of_memory(
            start, model, [](list::builder& b, std::uint64_t x) { b.push_back(value_of(x)); },
            [](std::vector<std::int64_t>& m, std::uint64_t x) { m.push_back(value_of(x)); },
            [](const list& l, const std::vector<std::int64_t>& m) { return same_sequence(l, m); });
    }
    {
        std::deque<std::int64_t> model(start_size, 1);
        queue start;
        for (std::int64_t x : model) start = start.push(x);
        builder_until_out_of_memory(
            start, model, [](queue::builder& b, std::uint64_t x) { b.push(value_of(x)); },
            [](std::deque<std::int64_t>& m, std::uint64_t x) { m.push_back(value_of(x)); },
            [](const queue& q, const std::deque<std::int64_t>& m) { return same_sequence(q, m); });
    }
    {
        std::map<std::int64_t, std::int64_t> model;
        map start;
        builder_until_out_of_memory(
            start, model, [](map::builder& b, std::uint64_t x) { b.set(static_cast<std::int64_t>(x >> 8), 1); },
            [](std::map<std::int64_t, std::int64_t>& m, std::uint64_t x) { m[static_cast<std::int64_t>(x >> 8)] = 1; },
            [](const map& m, const std::map<std::int64_t, std::int64_t>& model) { return same_entries(m, model); });
    }
    {
        std::set<std::int64_t> model;
        set start;
        builder_until_out_of_memory(
            start, model, [](set::builder& b, std::uint64_t x) { b.insert(static_cast<std::int64_t>(x >> 8)); },
            [](std::set<std::int64_t>& m, std::uint64_t x) { m.insert(static_cast<std::int64_t>(x >> 8)); },
            [](const set& s, const std::set<std::int64_t>& m) { return same_members(s, m); });
    }
    {
        std::map<std::int64_t, std::int64_t> model;
        sorted_map start;
        builder_until_out_of_memory(
            start, model,
            [](sorted_map::builder& b, std::uint64_t x) { b.set(static_cast<std::int64_t>(x >> 8), 2); },
            [](std::map<std::int64_t, std::int64_t>& m, std::uint64_t x) { m[static_cast<std::int64_t>(x >> 8)] = 2; },
            [](const sorted_map& m, const std::map<std::int64_t, std::int64_t>& model) {
                return m.size() == model.size() &&
                       std::equal(m.begin(), m.end(), model.begin(), model.end(),
                                  [](const auto& a, const auto& b) { return a.first == b.first && a.second == b.second; });
            });
    }
    {
        std::set<std::int64_t> model;
        sorted_set start;
        builder_until_out_of_memory(
            start, model,
            [](sorted_set::builder& b, std::uint64_t x) { b.insert(static_cast<std::int64_t>(x >> 8)); },
            [](std::set<std::int64_t>& m, std::uint64_t x) { m.insert(static_cast<std::int64_t>(x >> 8)); },
            [](const sorted_set& s, const std::set<std::int64_t>& m) { return same_sequence(s, m); });
    }
}

} // namespace
