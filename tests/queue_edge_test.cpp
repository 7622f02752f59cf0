// Unit tests of immutable::queue: order, persistence, identity, the builder, memory
// (compaction, leaks) and exception safety.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <list>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <immutable/atom.hpp>
#include <immutable/detail/queue/debug.hpp>
#include <immutable/queue.hpp>

#include "support/failing_policy.hpp"
#include "support/throwing_value.hpp"

using immutable::queue;
using immutable::test::copy_failure;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;

namespace {

template <class T, class P>
std::string invariants(const queue<T, P>& q, bool compacted = true) {
    return immutable::detail::queue::invariant_checker<T, P>::check(q, compacted);
}

template <class T, class P>
std::string builder_invariants(const typename queue<T, P>::builder& b) {
    return immutable::detail::queue::invariant_checker<T, P>::check_builder(b);
}

template <class Q>
std::vector<typename Q::value_type> to_vector(const Q& q) {
    return std::vector<typename Q::value_type>(q.begin(), q.end());
}

std::vector<int> iota_vector(int first, int last) {
    std::vector<int> v;
    for (int i = first; i < last; ++i) v.push_back(i);
    return v;
}

template <class P = immutable::default_policy>
queue<int, P> iota_queue(int first, int last) {
    queue<int, P> q;
    for (int i = first; i < last; ++i) q = q.push(i);
    return q;
}

// Restores the global failure switches even when an assertion fails mid-test.
struct failure_reset {
    ~failure_reset() {
        failing_heap_policy::never_fail();
        throwing_value::never_throw();
    }
};

} // namespace

static_assert(std::random_access_iterator<queue<int>::const_iterator>);
static_assert(std::ranges::random_access_range<queue<int>>);
static_assert(std::is_default_constructible_v<queue<int>::builder>);
static_assert(std::is_nothrow_move_constructible_v<queue<std::string>>);
static_assert(std::equality_comparable<queue<std::string>>);
static_assert(immutable::atom_value<queue<int>>);
static_assert(sizeof(queue<int>) == sizeof(void*));

TEST(queue, empty_queue_allocates_nothing_and_throws_on_access) {
    const auto before = counted_policy::stats().allocations;
    queue<int, counted_policy> q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0u);
    EXPECT_EQ(q.begin(), q.end());
    EXPECT_EQ(q.identity(), nullptr);
    EXPECT_EQ(q.to_list().size(), 0u);
    EXPECT_EQ(counted_policy::stats().allocations, before);
    EXPECT_THROW((void)q.front(), std::out_of_range);
    EXPECT_THROW((void)q.back(), std::out_of_range);
    EXPECT_THROW((void)q.pop(), std::out_of_range);
    EXPECT_THROW((void)q.at(0), std::out_of_range);
    EXPECT_EQ(invariants(q), "");
}

TEST(queue, error_messages_name_the_operation) {
    queue<int> q;
    try {
        (void)q.pop();
        FAIL() << "pop on an empty queue did not throw";
    } catch (const std::out_of_range& e) {
        EXPECT_NE(std::string(e.what()).find("queue::pop"), std::string::npos) << e.what();
    }
    q = iota_queue(0, 10).pop();
    try {
        (void)q.at(9);
        FAIL() << "at(9) did not throw";
    } catch (const std::out_of_range& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find('9'), std::string::npos) << what;
    }
}

TEST(queue, first_in_first_out) {
    queue<int> q;
    for (int i = 0; i < 100; ++i) q = q.push(i);
    EXPECT_EQ(q.size(), 100u);
    EXPECT_EQ(q.front(), 0);
    EXPECT_EQ(q.back(), 99);
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(q.front(), i);
        ASSERT_EQ(q.back(), 99);
        ASSERT_EQ(q.size(), static_cast<std::size_t>(100 - i));
        q = q.pop();
        ASSERT_EQ(invariants(q), "");
    }
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.identity(), nullptr);
}

TEST(queue, interleaved_push_and_pop_across_compactions) {
    // A sliding window whose length changes: pops overtake pushes now and then, so the
    // consumed prefix is dropped many times, at many list shapes.
    queue<int> q;
    std::deque<int> model;
    int next = 0;
    for (int round = 0; round < 40000; ++round) {
        const int pushes = (round % 7 == 0) ? 5 : 1;
        for (int k = 0; k < pushes; ++k) {
            q = q.push(next);
            model.push_back(next++);
        }
        const int pops = (round % 11 == 0) ? 4 : 1;
        for (int k = 0; k < pops && !model.empty(); ++k) {
            ASSERT_EQ(q.front(), model.front());
            q = q.pop();
            model.pop_front();
        }
        ASSERT_EQ(q.size(), model.size());
        if (round % 997 == 0) {
            ASSERT_EQ(invariants(q), "");
            ASSERT_EQ(to_vector(q), std::vector<int>(model.begin(), model.end()));
        }
    }
    EXPECT_EQ(to_vector(q), std::vector<int>(model.begin(), model.end()));
}

TEST(queue, every_version_is_unchanged) {
    std::vector<queue<int>> versions{queue<int>{}};
    std::vector<std::vector<int>> models{{}};
    for (int i = 0; i < 3000; ++i) {
        const queue<int>& last = versions.back();
        std::vector<int> m = models.back();
        if (i % 3 == 2) {
            versions.push_back(last.pop());
            m.erase(m.begin());
        } else {
            versions.push_back(last.push(i));
            m.push_back(i);
        }
        models.push_back(m);
        // A branch off an older version must not disturb the main line.
        if (i % 10 == 0) (void)versions[versions.size() / 2].push(-1).pop();
    }
    for (std::size_t v = 0; v < versions.size(); ++v) {
        ASSERT_EQ(to_vector(versions[v]), models[v]) << "version " << v;
        ASSERT_EQ(invariants(versions[v]), "") << "version " << v;
    }
}

TEST(queue, branches_from_one_version_are_independent) {
    const queue<int> base = iota_queue(0, 1000).pop().pop();
    const queue<int> a = base.push(1000);
    const queue<int> b = base.push(2000);   // the slot a claimed is taken: b copies
    const queue<int> c = base.pop();
    const queue<int> d = a.push(1001);
    EXPECT_EQ(base.size(), 998u);
    EXPECT_EQ(base.front(), 2);
    EXPECT_EQ(base.back(), 999);
    EXPECT_EQ(a.back(), 1000);
    EXPECT_EQ(b.back(), 2000);
    EXPECT_EQ(c.front(), 3);
    EXPECT_EQ(c.back(), 999);
    EXPECT_EQ(d.back(), 1001);
    EXPECT_EQ(d[d.size() - 2], 1000);
    EXPECT_EQ(to_vector(base), iota_vector(2, 1000));
}

TEST(queue, constructors_and_assignment) {
    queue<int> a{1, 2, 3};
    EXPECT_EQ(to_vector(a), (std::vector<int>{1, 2, 3}));
    const std::vector<int> v = iota_vector(0, 500);
    queue<int> b(v.begin(), v.end());
    EXPECT_EQ(to_vector(b), v);
    std::list<int> from_list{4, 5};
    queue<int> c(from_list.begin(), from_list.end());
    EXPECT_EQ(to_vector(c), (std::vector<int>{4, 5}));
    std::istringstream in("7 8 9");
    queue<int> d{std::istream_iterator<int>(in), std::istream_iterator<int>()};
    EXPECT_EQ(to_vector(d), (std::vector<int>{7, 8, 9}));
    queue<int> e(immutable::list<int>{10, 11});
    EXPECT_EQ(e.front(), 10);
    EXPECT_EQ(queue<int>(immutable::list<int>{}).identity(), nullptr);
    queue<int> f = a;
    EXPECT_EQ(f.identity(), a.identity());
    queue<int> g = std::move(f);
    EXPECT_TRUE(f.empty());   // NOLINT: a moved-from queue is empty
    EXPECT_EQ(g, a);
    g = b;
    EXPECT_EQ(g, b);
    g = queue<int>{};
    EXPECT_TRUE(g.empty());
    g.swap(a);
    EXPECT_EQ(g.size(), 3u);
    EXPECT_TRUE(a.empty());
    swap(a, g);
    EXPECT_EQ(a.size(), 3u);
}

TEST(queue, iteration_indexing_and_chunks_start_at_the_front) {
    queue<int> q = iota_queue(0, 3000);
    for (int i = 0; i < 1234; ++i) q = q.pop();
    const std::vector<int> expected = iota_vector(1234, 3000);
    EXPECT_EQ(to_vector(q), expected);
    EXPECT_EQ(static_cast<std::size_t>(q.end() - q.begin()), q.size());
    EXPECT_EQ(q.begin()[5], 1239);
    EXPECT_EQ(*(q.end() - 1), 2999);
    EXPECT_TRUE(std::equal(q.cbegin(), q.cend(), expected.begin(), expected.end()));
    for (std::size_t i = 0; i < q.size(); i += 37) ASSERT_EQ(q[i], expected[i]);
    EXPECT_EQ(q.at(q.size() - 1), 2999);
    EXPECT_THROW((void)q.at(q.size()), std::out_of_range);
    std::vector<int> chunked;
    for_each_chunk(q, [&](const int* first, const int* last) { chunked.insert(chunked.end(), first, last); });
    EXPECT_EQ(chunked, expected);
    EXPECT_EQ(std::accumulate(q.begin(), q.end(), std::int64_t{0}),
              std::accumulate(expected.begin(), expected.end(), std::int64_t{0}));
    EXPECT_EQ(q.to_list(), immutable::list<int>(expected.begin(), expected.end()));
    // Reverse through the random-access iterator.
    std::vector<int> backwards(std::make_reverse_iterator(q.end()), std::make_reverse_iterator(q.begin()));
    EXPECT_EQ(backwards, std::vector<int>(expected.rbegin(), expected.rend()));
}

TEST(queue, equality_compares_elements_not_layout) {
    const queue<int> a = iota_queue(0, 100);
    queue<int> b = iota_queue(-50, 100);
    for (int i = 0; i < 50; ++i) b = b.pop();
    EXPECT_EQ(a, b);
    EXPECT_NE(a.identity(), b.identity());
    EXPECT_NE(a, b.pop());
    EXPECT_NE(a, a.push(1));
    EXPECT_NE(a.push(1), a.push(2));
    EXPECT_EQ(a.push(1), b.push(1));
    EXPECT_EQ(queue<int>{}, iota_queue(0, 1).pop());
    EXPECT_EQ(std::hash<queue<int>>{}(a), std::hash<queue<int>>{}(b));
    EXPECT_NE(std::hash<queue<int>>{}(a), std::hash<queue<int>>{}(a.pop()));
}

TEST(queue, identity_tells_apart_versions_that_share_every_node) {
    const queue<int> q = iota_queue(0, 40).pop();
    const queue<int> copy = q;
    EXPECT_EQ(copy.identity(), q.identity());
    const queue<int> popped = q.pop();
    const queue<int> pushed = q.push(7);
    const queue<int> pushed_then_popped = pushed.pop();
    const queue<int> popped_then_pushed = popped.push(7);
    std::vector<const void*> ids{q.identity(), popped.identity(), pushed.identity(),
                                 pushed_then_popped.identity(), popped_then_pushed.identity()};
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST(queue, atom_compare_exchange_sees_a_concurrent_pop) {
    // Two consumers pop from the same version: the second publish must fail, or the same
    // element would be consumed twice.
    const queue<int> q = iota_queue(0, 10).pop();
    immutable::atom<queue<int>> cell(q);
    queue<int> seen_by_a = cell.load();
    queue<int> seen_by_b = cell.load();
    EXPECT_TRUE(cell.compare_exchange(seen_by_b, seen_by_b.pop()));
    EXPECT_FALSE(cell.compare_exchange(seen_by_a, seen_by_a.pop()));
    EXPECT_EQ(seen_by_a.front(), 2);
    // Two producers push onto the same version: the second must fail too.
    queue<int> p1 = cell.load();
    queue<int> p2 = cell.load();
    EXPECT_TRUE(cell.compare_exchange(p1, p1.push(100)));
    EXPECT_FALSE(cell.compare_exchange(p2, p2.push(200)));
    EXPECT_EQ(p2.back(), 100);
    EXPECT_TRUE(cell.compare_exchange(p2, p2.push(200)));
    EXPECT_EQ(to_vector(cell.load()), (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9, 100, 200}));
}

TEST(queue, strings_are_copied_and_destroyed) {
    queue<std::string> q;
    for (int i = 0; i < 300; ++i) q = q.push("element number " + std::to_string(i));
    std::string moved = "moved in";
    q = q.push(std::move(moved));
    for (int i = 0; i < 250; ++i) q = q.pop();
    EXPECT_EQ(q.front(), "element number 250");
    EXPECT_EQ(q.back(), "moved in");
    EXPECT_EQ(q.size(), 51u);
    EXPECT_EQ(invariants(q), "");
}

TEST(queue, builder_basics) {
    queue<int>::builder b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.size(), 0u);
    EXPECT_THROW((void)b.front(), std::out_of_range);
    EXPECT_THROW((void)b.back(), std::out_of_range);
    EXPECT_THROW(b.pop(), std::out_of_range);
    EXPECT_EQ(b.build().identity(), nullptr);
    for (int i = 0; i < 5000; ++i) b.push(i);
    for (int i = 0; i < 3000; ++i) {
        ASSERT_EQ(b.front(), i);
        b.pop();
    }
    EXPECT_EQ((builder_invariants<int, immutable::default_policy>(b)), "");
    EXPECT_EQ(b.size(), 2000u);
    EXPECT_EQ(b.back(), 4999);
    const queue<int> first = b.build();
    b.push(5000);
    b.pop();
    const queue<int> second = b.build();
    EXPECT_EQ(to_vector(first), iota_vector(3000, 5000));
    EXPECT_EQ(to_vector(second), iota_vector(3001, 5001));
    EXPECT_EQ(invariants(first), "");
    EXPECT_EQ(invariants(second), "");
    while (!b.empty()) b.pop();
    EXPECT_EQ((builder_invariants<int, immutable::default_policy>(b)), "");
    EXPECT_TRUE(b.build().empty());
    b.push(1);
    EXPECT_EQ(to_vector(b.build()), std::vector<int>{1});
    EXPECT_EQ(first.size(), 2000u);
}

TEST(queue, builder_from_a_queue_leaves_it_unchanged) {
    queue<int> q = iota_queue(0, 2000);
    for (int i = 0; i < 700; ++i) q = q.pop();
    auto b = q.to_builder();
    EXPECT_EQ(b.size(), 1300u);
    EXPECT_EQ(b.front(), 700);
    for (int i = 0; i < 1000; ++i) b.pop();
    for (int i = 0; i < 100; ++i) b.push(-i);
    const queue<int> built = b.build();
    EXPECT_EQ(to_vector(q), iota_vector(700, 2000));
    EXPECT_EQ(built.size(), 400u);
    EXPECT_EQ(built.front(), 1700);
    EXPECT_EQ(built.back(), -99);
    EXPECT_EQ(invariants(built), "");
    // A copy of a builder is independent too.
    auto c = b;
    c.pop();
    EXPECT_EQ(b.size(), 400u);
    EXPECT_EQ(c.size(), 399u);
}

TEST(queue, builder_build_allocates_one_node_and_changes_allocate_no_queue_nodes) {
    queue<std::int64_t, counted_policy>::builder b;
    const auto before = counted_policy::stats().allocations;
    for (std::int64_t i = 0; i < 32000; ++i) b.push(i);
    for (std::int64_t i = 0; i < 100; ++i) b.pop();   // below the compaction threshold's reach
    const auto pushed = counted_policy::stats().allocations - before;
    EXPECT_LE(pushed, 32000 / 32 + 64) << pushed;
    const auto at_build = counted_policy::stats().allocations;
    const auto q = b.build();
    EXPECT_EQ(counted_policy::stats().allocations, at_build + 1);
    EXPECT_EQ(q.front(), 100);
}

TEST(queue, memory_stays_proportional_to_the_live_elements) {
    // A queue that holds 10 elements at a time over 200,000 pushes: the popped prefix must
    // be dropped, so the list never grows past a few dozen elements.
    const std::int64_t live_before = counted_policy::live_bytes();
    std::int64_t peak = 0;
    {
        queue<std::int64_t, counted_policy> q;
        for (std::int64_t i = 0; i < 10; ++i) q = q.push(i);
        for (std::int64_t i = 10; i < 200000; ++i) {
            q = q.push(i).pop();
            peak = std::max(peak, counted_policy::live_bytes() - live_before);
        }
        EXPECT_EQ(q.front(), 199990);
        EXPECT_EQ(invariants(q), "");
    }
    EXPECT_LT(peak, 4096) << peak;
    EXPECT_EQ(counted_policy::live_bytes(), live_before);
    // The same through a builder.
    {
        queue<std::int64_t, counted_policy>::builder b;
        for (std::int64_t i = 0; i < 10; ++i) b.push(i);
        for (std::int64_t i = 10; i < 200000; ++i) {
            b.push(i);
            b.pop();
            peak = std::max(peak, counted_policy::live_bytes() - live_before);
        }
        EXPECT_EQ(b.front(), 199990);
    }
    EXPECT_LT(peak, 4096) << peak;
    EXPECT_EQ(counted_policy::live_bytes(), live_before);
}

TEST(queue, every_node_is_freed_when_the_last_version_goes) {
    const std::int64_t start = counted_policy::live_nodes();
    {
        std::vector<queue<int, counted_policy>> versions;
        queue<int, counted_policy> q;
        for (int i = 0; i < 5000; ++i) {
            q = q.push(i);
            if (i % 3 == 0) q = q.pop();
            if (i % 97 == 0) versions.push_back(q);
        }
        versions.push_back(q.push(1).push(2));
        versions.push_back(queue<int, counted_policy>(q.to_list()));
        auto b = q.to_builder();
        for (int i = 0; i < 1000; ++i) b.pop();
        b.push(1);
        versions.push_back(b.build());
        EXPECT_GT(counted_policy::live_nodes(), start);
    }
    EXPECT_EQ(counted_policy::live_nodes(), start);
    // Popping to empty frees the list at once.
    {
        auto q = iota_queue<counted_policy>(0, 100);
        for (int i = 0; i < 100; ++i) q = q.pop();
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(counted_policy::live_nodes(), start);
    }
}

TEST(queue, copying_and_reading_allocate_nothing) {
    auto q = iota_queue<counted_policy>(0, 1000).pop();
    const auto before = counted_policy::stats().allocations;
    queue<int, counted_policy> c = q;
    queue<int, counted_policy> d;
    d = c;
    std::int64_t sum = 0;
    for (int x : d) sum += x;
    sum += d.front() + d.back() + d[10];
    EXPECT_EQ(counted_policy::stats().allocations, before);
    EXPECT_EQ(sum, 999 * 1000 / 2 + 1 + 999 + 11);
}

TEST(queue, push_with_a_throwing_copy_leaves_every_version_unchanged) {
    failure_reset reset;
    const std::int64_t live_values = throwing_value::live;
    const std::int64_t live_nodes = counted_policy::live_nodes();
    {
        using Q = queue<throwing_value, counted_policy>;
        Q q;
        for (int i = 0; i < 100; ++i) q = q.push(throwing_value(i));
        for (int i = 0; i < 40; ++i) q = q.pop();
        const std::vector<throwing_value> before = to_vector(q);
        const throwing_value extra(1000);
        for (int k = 0; k < 3; ++k) {
            throwing_value::throw_after(k);
            try {
                Q r = q.push(extra);
                throwing_value::never_throw();
                EXPECT_EQ(r.back(), extra);
            } catch (const copy_failure&) {
                throwing_value::never_throw();
            }
            EXPECT_EQ(to_vector(q), before);
            EXPECT_EQ(invariants(q), "");
        }
    }
    EXPECT_EQ(throwing_value::live, live_values);
    EXPECT_EQ(counted_policy::live_nodes(), live_nodes);
}

TEST(queue, pop_never_fails_because_a_compaction_copy_throws) {
    failure_reset reset;
    const std::int64_t live_values = throwing_value::live;
    const std::int64_t live_nodes = counted_policy::live_nodes();
    {
        using Q = queue<throwing_value, counted_policy>;
        Q q;
        for (int i = 0; i < 200; ++i) q = q.push(throwing_value(i));
        // Pop until the next pop is due to compact, then make every copy throw.
        int popped = 0;
        while (!immutable::detail::queue::should_compact(static_cast<std::size_t>(popped + 1), 200)) {
            q = q.pop();
            ++popped;
        }
        throwing_value::throw_after(0);
        const Q r = q.pop();   // the drop may copy elements: it fails, the pop does not
        throwing_value::never_throw();
        EXPECT_EQ(r.front().value(), popped + 1);
        EXPECT_EQ(r.size(), static_cast<std::size_t>(200 - popped - 1));
        EXPECT_EQ(invariants(r, /*compacted=*/false), "");
        EXPECT_EQ(q.front().value(), popped);
        // The next pop compacts.
        const Q s = r.pop();
        EXPECT_EQ(invariants(s), "");
        EXPECT_EQ(s.front().value(), popped + 2);
    }
    EXPECT_EQ(throwing_value::live, live_values);
    EXPECT_EQ(counted_policy::live_nodes(), live_nodes);
}

TEST(queue, failed_allocations_leave_every_version_unchanged_and_leak_nothing) {
    failure_reset reset;
    const std::int64_t live_nodes = counted_policy::live_nodes();
    {
        using Q = queue<std::string, counted_policy>;
        Q q;
        for (int i = 0; i < 2000; ++i) q = q.push(std::to_string(i));
        for (int i = 0; i < 900; ++i) q = q.pop();
        const std::vector<std::string> before = to_vector(q);
        // Each operation with its k-th allocation failing, for every k until it succeeds.
        const auto operations = {
            +[](const Q& x) { return x.push("pushed"); },
            +[](const Q& x) { return x.pop(); },
            +[](const Q& x) { return x.pop().pop().pop(); },
            +[](const Q& x) {
                auto b = x.to_builder();
                for (int i = 0; i < 100; ++i) b.push(std::to_string(i));
                for (int i = 0; i < 300; ++i) b.pop();
                return b.build();
            },
            +[](const Q& x) { return Q(x.to_list()); },
        };
        for (auto op : operations) {
            failing_heap_policy::never_fail();
            const Q expected = op(q);
            bool succeeded = false;
            for (std::int64_t k = 0; !succeeded && k < 1000; ++k) {
                failing_heap_policy::fail_after(k);
                try {
                    const Q r = op(q);
                    failing_heap_policy::never_fail();
                    succeeded = true;
                    EXPECT_EQ(r, expected);
                } catch (const std::bad_alloc&) {
                    failing_heap_policy::never_fail();
                }
                ASSERT_EQ(to_vector(q), before) << "k = " << k;
            }
            EXPECT_TRUE(succeeded);
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), live_nodes);
}

TEST(queue, works_with_standard_algorithms_and_ranges) {
    queue<int> q{5, 3, 9, 1};
    q = q.pop().push(4);
    EXPECT_EQ(*std::max_element(q.begin(), q.end()), 9);
    EXPECT_EQ(std::count_if(q.begin(), q.end(), [](int x) { return x > 3; }), 2);
    std::vector<int> sorted(q.begin(), q.end());
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<int>{1, 3, 4, 9}));
    int total = 0;
    for (int x : q) total += x;
    EXPECT_EQ(total, 17);
    EXPECT_EQ(std::ranges::distance(q), 4);
}

TEST(queue, rvalue_push_and_pop_reuse_a_node_nobody_shares) {
    queue<int, counted_policy> q = iota_queue<counted_policy>(0, 100);
    const auto before = counted_policy::stats().allocations;
    for (int i = 0; i < 20; ++i) q = std::move(q).pop();
    EXPECT_EQ(counted_policy::stats().allocations, before);   // 20 pops, below any compaction
    for (int i = 100; i < 110; ++i) q = std::move(q).push(i);
    EXPECT_LE(counted_policy::stats().allocations, before + 1);   // at most one list leaf
    EXPECT_EQ(to_vector(q), iota_vector(20, 110));
    EXPECT_EQ(invariants(q), "");
    // Through compactions and down to empty.
    for (int i = 20; i < 110; ++i) {
        ASSERT_EQ(q.front(), i);
        q = std::move(q).pop();
        ASSERT_EQ(invariants(q), "");
    }
    EXPECT_TRUE(q.empty());
    EXPECT_THROW((void)std::move(q).pop(), std::out_of_range);
}

TEST(queue, rvalue_push_and_pop_leave_shared_versions_alone) {
    queue<int> q = iota_queue(0, 100).pop();
    const queue<int> kept = q;
    const void* kept_id = kept.identity();
    queue<int> popped = std::move(q).pop();   // shared with `kept`: must not change it
    EXPECT_EQ(to_vector(kept), iota_vector(1, 100));
    EXPECT_EQ(to_vector(popped), iota_vector(2, 100));
    EXPECT_EQ(kept.identity(), kept_id);
    EXPECT_NE(popped.identity(), kept_id);
    queue<int> other = kept;
    queue<int> pushed = std::move(other).push(7);
    EXPECT_EQ(kept.back(), 99);
    EXPECT_EQ(pushed.back(), 7);
    EXPECT_NE(pushed.identity(), kept_id);
    // A throwing copy in an rvalue push leaves the queue as it was.
    failure_reset reset;
    queue<throwing_value> t;
    for (int i = 0; i < 40; ++i) t = std::move(t).push(throwing_value(i));
    const throwing_value extra(1000);
    throwing_value::throw_after(0);
    EXPECT_THROW((void)std::move(t).push(extra), copy_failure);
    throwing_value::never_throw();
    EXPECT_EQ(t.size(), 40u);
    EXPECT_EQ(t.back().value(), 39);
}
