// immutable::list: the public API, edge cases around the node boundaries (32, 1024,
// 32768 elements), persistence of every version, the builder, allocation counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <list>
#include <memory>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include <immutable/detail/rrb/debug.hpp>
#include <immutable/list.hpp>

#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"
#include "support/throwing_value.hpp"

using immutable::list;
using immutable::test::counted_policy;

// clang 14 cannot compile libstdc++ 12's range adaptors (a known incompatibility of
// the two), so the std::views pipelines are checked with the other compilers only.
#if defined(__clang__) && __clang_major__ < 15 && defined(__GLIBCXX__)
#define IMMUTABLE_TEST_VIEWS 0
#else
#define IMMUTABLE_TEST_VIEWS 1
#endif

namespace {

// An input-only range (single pass, no size): what from_range must accept besides views.
class countdown {
public:
    explicit countdown(int n) : n_(n) {}
    struct iterator {
        using value_type = int;
        using difference_type = std::ptrdiff_t;
        int* left;
        int operator*() const { return *left; }
        iterator& operator++() {
            --*left;
            return *this;
        }
        void operator++(int) { --*left; }
        bool operator==(std::default_sentinel_t) const { return *left == 0; }
    };
    iterator begin() { return {&n_}; }
    std::default_sentinel_t end() { return {}; }

private:
    int n_;
};
static_assert(std::ranges::input_range<countdown>);

template <class T, class P>
std::string invariants(const list<T, P>& l) {
    return immutable::detail::rrb::invariant_checker<T, P>::check(
        immutable::detail::rrb::list_access::data_of(l));
}

template <class T, class P>
std::vector<T> to_vector(const list<T, P>& l) {
    return std::vector<T>(l.begin(), l.end());
}

std::vector<int> iota_vector(int first, int last) {
    std::vector<int> v(static_cast<std::size_t>(last - first));
    std::iota(v.begin(), v.end(), first);
    return v;
}

list<int> iota_list(int first, int last) {
    list<int> l;
    for (int i = first; i < last; ++i) l = l.push_back(i);
    return l;
}

// Sizes around every boundary of the structure.
const std::vector<int> boundary_sizes = {0, 1, 2, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 1056, 1057,
                                         2047, 2048, 2049, 32768 + 32, 32768 + 33};

} // namespace

static_assert(std::ranges::random_access_range<list<int>>);
static_assert(std::ranges::sized_range<list<int>>);
static_assert(std::random_access_iterator<list<int>::const_iterator>);
static_assert(std::is_same_v<list<int>::iterator, list<int>::const_iterator>);
static_assert(std::is_same_v<list<int>::value_type, int>);
static_assert(std::is_same_v<list<int>::const_reference, const int&>);
static_assert(std::is_nothrow_copy_constructible_v<list<int>>);
static_assert(std::is_nothrow_move_constructible_v<list<int>>);
static_assert(std::is_default_constructible_v<list<int>::builder>);
static_assert(std::three_way_comparable<list<int>>);
static_assert(std::equality_comparable<list<std::string>>);

TEST(list, empty_list_has_no_elements_and_allocates_nothing) {
    auto before = counted_policy::stats().allocations;
    list<int, counted_policy> l;
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.size(), 0u);
    EXPECT_EQ(l.begin(), l.end());
    EXPECT_EQ(l.identity(), nullptr);
    EXPECT_EQ(counted_policy::stats().allocations, before);
    EXPECT_THROW((void)l.front(), std::out_of_range);
    EXPECT_THROW((void)l.back(), std::out_of_range);
    EXPECT_THROW((void)l.pop_back(), std::out_of_range);
    EXPECT_THROW((void)l.pop_front(), std::out_of_range);
    EXPECT_THROW((void)l.at(0), std::out_of_range);
    EXPECT_EQ(l.take(3).size(), 0u);
    EXPECT_EQ(l.drop(3).size(), 0u);
    EXPECT_EQ((l + l).size(), 0u);
}

TEST(list, constructors) {
    list<int> a{1, 2, 3};
    EXPECT_EQ(to_vector(a), (std::vector<int>{1, 2, 3}));
    std::vector<int> v = iota_vector(0, 100);
    list<int> b(v.begin(), v.end());
    EXPECT_EQ(to_vector(b), v);
    list<std::string> c(40, "x");
    EXPECT_EQ(c.size(), 40u);
    EXPECT_TRUE(std::all_of(c.begin(), c.end(), [](const std::string& s) { return s == "x"; }));
    list<int> d(5, 3); // (count, value), not an iterator pair
    EXPECT_EQ(to_vector(d), (std::vector<int>{3, 3, 3, 3, 3}));
    auto down = list<int>::from_range(countdown(1500));
    EXPECT_EQ(down.size(), 1500u);
    EXPECT_EQ(down.front(), 1500);
    EXPECT_EQ(down.back(), 1);
#if IMMUTABLE_TEST_VIEWS
    auto e = list<int>::from_range(std::views::iota(0, 2000) | std::views::filter([](int x) { return x % 3 == 0; }));
    EXPECT_EQ(e.size(), 667u);
    EXPECT_EQ(e[666], 1998);
    EXPECT_EQ(invariants(e), "");
#endif
}

TEST(list, push_back_and_index_across_boundaries) {
    list<int> l;
    std::vector<list<int>> versions;
    for (int i = 0; i < 40000; ++i) {
        versions.push_back(l);
        l = l.push_back(i);
    }
    for (int size : boundary_sizes) {
        if (size > 40000) continue;
        const list<int>& v = versions[static_cast<std::size_t>(size)];
        ASSERT_EQ(v.size(), static_cast<std::size_t>(size));
        ASSERT_EQ(invariants(v), "") << size;
        EXPECT_EQ(to_vector(v), iota_vector(0, size)) << size;
        for (int i = 0; i < size; ++i) ASSERT_EQ(v[static_cast<std::size_t>(i)], i);
    }
    EXPECT_EQ(l.front(), 0);
    EXPECT_EQ(l.back(), 39999);
}

TEST(list, at_reports_index_and_size) {
    list<int> l = iota_list(0, 10);
    try {
        (void)l.at(12);
        FAIL() << "at(12) did not throw";
    } catch (const std::out_of_range& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("12"), std::string::npos) << what;
        EXPECT_NE(what.find("10"), std::string::npos) << what;
    }
    EXPECT_THROW((void)l.set(10, 1), std::out_of_range);
    EXPECT_THROW((void)l.erase(10), std::out_of_range);
    EXPECT_THROW((void)l.insert(11, 1), std::out_of_range);
    EXPECT_THROW((void)l.update(10, [](int x) { return x; }), std::out_of_range);
    EXPECT_NO_THROW((void)l.insert(10, 1));
    try {
        (void)l.slice(3, 11);
        FAIL() << "slice(3, 11) did not throw";
    } catch (const std::out_of_range& e) {
        EXPECT_STREQ(e.what(), "immutable::list::slice: range [3, 11) is not within size 10");
    }
    EXPECT_THROW((void)l.slice(4, 3), std::out_of_range);
    EXPECT_EQ(to_vector(l), iota_vector(0, 10));
}

TEST(list, pop_back_through_every_boundary) {
    const int n = 33000;
    list<int> l = iota_list(0, n);
    list<int> original = l;
    for (int size = n; size > 0; --size) {
        ASSERT_EQ(l.back(), size - 1);
        l = l.pop_back();
        if (size % 997 == 0 || size < 70 || (size > 1000 && size < 1100)) {
            ASSERT_EQ(invariants(l), "") << size;
            ASSERT_EQ(l.size(), static_cast<std::size_t>(size - 1));
        }
    }
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(to_vector(original), iota_vector(0, n));
}

TEST(list, set_and_update_leave_the_original_unchanged) {
    for (int size : boundary_sizes) {
        if (size == 0) continue;
        list<int> l = iota_list(0, size);
        for (int i : {0, size / 2, size - 1}) {
            auto m = l.set(static_cast<std::size_t>(i), -1);
            auto u = l.update(static_cast<std::size_t>(i), [](int x) { return x * 10 + 1; });
            ASSERT_EQ(invariants(m), "");
            auto expected = iota_vector(0, size);
            expected[static_cast<std::size_t>(i)] = -1;
            EXPECT_EQ(to_vector(m), expected);
            EXPECT_EQ(u[static_cast<std::size_t>(i)], i * 10 + 1);
            EXPECT_NE(m.identity(), l.identity());
        }
        EXPECT_EQ(to_vector(l), iota_vector(0, size));
    }
}

TEST(list, take_drop_slice) {
    for (int size : boundary_sizes) {
        list<int> l = iota_list(0, size);
        for (int n : boundary_sizes) {
            if (n > size + 40) continue;
            auto t = l.take(static_cast<std::size_t>(n));
            auto d = l.drop(static_cast<std::size_t>(n));
            ASSERT_EQ(invariants(t), "") << size << " take " << n;
            ASSERT_EQ(invariants(d), "") << size << " drop " << n;
            EXPECT_EQ(to_vector(t), iota_vector(0, std::min(n, size)));
            EXPECT_EQ(to_vector(d), iota_vector(std::min(n, size), size));
        }
        auto s = l.slice(static_cast<std::size_t>(size / 3), static_cast<std::size_t>(size - size / 4));
        EXPECT_EQ(to_vector(s), iota_vector(size / 3, size - size / 4));
        EXPECT_EQ(to_vector(l.slice(0, static_cast<std::size_t>(size))), iota_vector(0, size));
        EXPECT_EQ(l.slice(static_cast<std::size_t>(size), static_cast<std::size_t>(size)).size(), 0u);
        EXPECT_THROW((void)l.slice(0, static_cast<std::size_t>(size) + 1), std::out_of_range);
        if (size >= 5) {
            EXPECT_THROW((void)l.slice(5, 2), std::out_of_range);
        }
        EXPECT_EQ(to_vector(l), iota_vector(0, size));
    }
}

TEST(list, concatenation_of_all_boundary_sizes) {
    for (int a : boundary_sizes) {
        for (int b : boundary_sizes) {
            list<int> x = iota_list(0, a);
            list<int> y = iota_list(a, a + b);
            list<int> z = x + y;
            ASSERT_EQ(invariants(z), "") << a << " + " << b;
            ASSERT_EQ(to_vector(z), iota_vector(0, a + b)) << a << " + " << b;
            auto w = z.push_back(-1).push_front(-2);
            ASSERT_EQ(invariants(w), "");
            ASSERT_EQ(w.size(), static_cast<std::size_t>(a + b + 2));
            EXPECT_EQ(w.front(), -2);
            EXPECT_EQ(w.back(), -1);
        }
    }
}

TEST(list, repeated_concatenation_keeps_the_tree_shallow_and_correct) {
    list<int> l;
    std::vector<int> model;
    for (int round = 0; round < 300; ++round) {
        int n = (round * 37) % 101 + 1;
        l = l + iota_list(round * 1000, round * 1000 + n);
        for (int i = 0; i < n; ++i) model.push_back(round * 1000 + i);
    }
    EXPECT_EQ(invariants(l), "");
    EXPECT_EQ(to_vector(l), model);
    for (std::size_t i = 0; i < model.size(); ++i) ASSERT_EQ(l[i], model[i]);
    // Self-concatenation doubles; indexing still agrees.
    auto d = l + l;
    EXPECT_EQ(invariants(d), "");
    EXPECT_EQ(d[model.size() + 5], model[5]);
}

// The height stays logarithmic however the list was made: the rebalancing keeps relaxed
// nodes nearly full.
TEST(list, height_stays_logarithmic) {
    auto shift_of = [](const list<int>& l) { return immutable::detail::rrb::list_access::data_of(l).shift; };
    list<int> front;
    for (int i = 0; i < 40000; ++i) front = front.push_front(i);
    EXPECT_EQ(invariants(front), "");
    EXPECT_LE(shift_of(front), 15u); // 40000 elements need shift 10 at best
    EXPECT_EQ(front[0], 39999);
    EXPECT_EQ(front[39999], 0);

    // Doubling by self-concatenation reaches 2^21 elements (five levels) in 21 steps.
    list<int> big{7, 8, 9};
    for (int i = 0; i < 20; ++i) big = big + big.drop(3) + big.take(3);
    EXPECT_EQ(big.size(), 3u << 20);
    EXPECT_EQ(invariants(big), "");
    EXPECT_LE(shift_of(big), 25u);
    for (std::size_t i = 0; i < big.size(); i += 99991) EXPECT_EQ(big[i], 7 + static_cast<int>(i % 3));
    std::int64_t sum = 0;
    immutable::for_each_chunk(big, [&](const int* f, const int* l) {
        for (; f != l; ++f) sum += *f;
    });
    EXPECT_EQ(sum, static_cast<std::int64_t>(8) * (3 << 20));

    // Many small random concatenations.
    list<int> mixed;
    std::vector<int> model;
    for (int i = 0; i < 3000; ++i) {
        int n = (i * 7919) % 45;
        list<int> piece = iota_list(i, i + n);
        mixed = (i % 2) ? mixed + piece : piece + mixed;
        std::vector<int> p = iota_vector(i, i + n);
        if (i % 2) model.insert(model.end(), p.begin(), p.end());
        else model.insert(model.begin(), p.begin(), p.end());
    }
    EXPECT_EQ(invariants(mixed), "");
    EXPECT_LE(shift_of(mixed), 15u);
    EXPECT_EQ(to_vector(mixed), model);
}

TEST(list, push_front_insert_erase) {
    list<int> l;
    std::vector<int> model;
    for (int i = 0; i < 3000; ++i) {
        l = l.push_front(i);
        model.insert(model.begin(), i);
    }
    EXPECT_EQ(invariants(l), "");
    EXPECT_EQ(to_vector(l), model);
    for (int i = 0; i < 500; ++i) {
        std::size_t at = static_cast<std::size_t>(i * 7919) % (model.size() + 1);
        l = l.insert(at, -i);
        model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), -i);
        std::size_t gone = static_cast<std::size_t>(i * 104729) % model.size();
        l = l.erase(gone);
        model.erase(model.begin() + static_cast<std::ptrdiff_t>(gone));
    }
    EXPECT_EQ(invariants(l), "");
    EXPECT_EQ(to_vector(l), model);
    while (!l.empty()) {
        ASSERT_EQ(l.front(), model.front());
        l = l.pop_front();
        model.erase(model.begin());
    }
}

TEST(list, iterators_are_random_access) {
    list<int> l = iota_list(0, 5000);
    auto it = l.begin();
    EXPECT_EQ(*(it + 1234), 1234);
    EXPECT_EQ(it[4999], 4999);
    it += 4000;
    EXPECT_EQ(*it, 4000);
    it -= 3999;
    EXPECT_EQ(*it, 1);
    EXPECT_EQ(l.end() - l.begin(), 5000);
    EXPECT_EQ(*(l.end() - 1), 4999);
    auto e = l.end();
    --e;
    EXPECT_EQ(*e, 4999);
    EXPECT_TRUE(l.begin() < l.end());
    std::vector<int> reversed(l.rbegin(), l.rend());
    auto expected = iota_vector(0, 5000);
    std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(reversed, expected);
    EXPECT_TRUE(std::is_sorted(l.begin(), l.end()));
    EXPECT_EQ(*std::lower_bound(l.begin(), l.end(), 3333), 3333);
    EXPECT_EQ(std::ranges::find(l, 4444) - l.begin(), 4444);
    // Walking backwards crosses leaves.
    int expect = 4999;
    for (auto r = l.end(); r != l.begin();) {
        --r;
        ASSERT_EQ(*r, expect--);
    }
}

TEST(list, iterators_tell_apart_positions_in_a_shared_leaf) {
    list<int> half = iota_list(0, 100);
    list<int> twice = half + half; // the same leaves appear twice
    auto a = twice.begin() + 40;
    auto b = twice.begin() + 140;
    EXPECT_EQ(*a, *b);
    EXPECT_NE(a, b); // maybe the same address, but different positions
    EXPECT_EQ(b - a, 100);
    EXPECT_LT(a, b);
    std::size_t count = 0;
    for (auto it = twice.begin(); it != twice.end(); ++it) ++count;
    EXPECT_EQ(count, 200u);
    auto e = twice.end();
    e -= 200;
    EXPECT_EQ(e, twice.begin());
    EXPECT_EQ((twice.end() - 1).index(), 199u);
}

TEST(list, for_each_chunk_visits_every_element_in_order) {
    for (int size : boundary_sizes) {
        list<int> l = iota_list(0, size);
        std::vector<int> seen;
        immutable::for_each_chunk(l, [&](const int* first, const int* last) {
            EXPECT_LT(first, last);
            seen.insert(seen.end(), first, last);
        });
        EXPECT_EQ(seen, iota_vector(0, size));
    }
}

TEST(list, comparison_and_hash) {
    list<int> a = iota_list(0, 100);
    list<int> b = iota_list(0, 100);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, b.set(50, 7));
    EXPECT_LT(a, a.push_back(1));
    EXPECT_GT(a.set(3, 100), a);
    EXPECT_EQ(a <=> b, std::strong_ordering::equal);
    EXPECT_EQ(std::hash<list<int>>{}(a), std::hash<list<int>>{}(b));
    EXPECT_NE(std::hash<list<int>>{}(a), std::hash<list<int>>{}(a.pop_back()));
    std::unordered_set<list<int>> s{a, b, a.push_back(1)};
    EXPECT_EQ(s.size(), 2u);
    list<std::string> x{"a", "b"}, y{"a", "c"};
    EXPECT_LT(x, y);
}

// == and <=> walk both lists leaf by leaf; leaves of differently built lists do not line
// up, and shared leaves are skipped. Every shape against every other, with one element
// changed at leaf and node boundaries, must agree with std::vector.
TEST(list, comparison_across_shapes) {
    const int n = 1500;
    const list<int> base = iota_list(0, n);
    const list<int> big = iota_list(-100, n + 100);
    std::vector<list<int>> shapes{
        base,
        iota_list(0, 37) + iota_list(37, 1100) + iota_list(1100, n),   // relaxed, seams off leaf edges
        big.slice(100, 100 + n),                                         // leaves shifted by 100 % 32
        base.set(700, -1).set(700, 700),                                 // shares all but one path
        list<int>(5, 0).drop(5) + base,                                  // empty on the left
    };
    std::vector<int> model(n);
    std::iota(model.begin(), model.end(), 0);
    for (const list<int>& x : shapes) {
        ASSERT_EQ(to_vector(x), model);
        for (const list<int>& y : shapes) {
            EXPECT_TRUE(x == y);
            EXPECT_EQ(x <=> y, std::strong_ordering::equal);
            for (int at : {0, 31, 32, 33, 99, 100, 1023, 1024, 1499}) {
                for (int delta : {-1, 1}) {
                    const list<int> changed = y.set(static_cast<std::size_t>(at), at + delta);
                    std::vector<int> m = model;
                    m[static_cast<std::size_t>(at)] = at + delta;
                    EXPECT_FALSE(x == changed);
                    EXPECT_EQ(x <=> changed, model <=> m) << "at " << at;
                    EXPECT_EQ(changed <=> x, m <=> model) << "at " << at;
                }
            }
            EXPECT_LT(x.take(1000), y);                       // a prefix is less
            EXPECT_GT(x.push_back(0), y);
        }
    }
    const list<std::string> s1 = list<std::string>(100, "ab") + list<std::string>{"b"};
    const list<std::string> s2 = list<std::string>(100, "ab").push_back("c");
    EXPECT_LT(s1, s2);
    EXPECT_NE(s1, s2);
    EXPECT_EQ(s1, s1.take(100) + list<std::string>{"b"});
}

TEST(list, identity_is_shared_only_by_equal_versions) {
    list<int> a = iota_list(0, 40);
    list<int> copy = a;
    EXPECT_EQ(a.identity(), copy.identity());
    auto p = a.push_back(1);
    EXPECT_NE(p.identity(), a.identity());
    EXPECT_NE(a.pop_back().identity(), a.identity());
    // A change in the tree gives a new tail node: versions with equal (tail, count) are equal.
    auto s = a.set(0, 5);
    EXPECT_NE(s.identity(), a.identity());
    EXPECT_NE(s.identity(), a.set(0, 6).identity());
}

TEST(list, swap_member_and_free) {
    list<int> a{1}, b{2, 3};
    a.swap(b);
    EXPECT_EQ(a.size(), 2u);
    using std::swap;
    swap(a, b);
    EXPECT_EQ(a.size(), 1u);
}

TEST(list, strings_are_copied_and_destroyed) {
    list<std::string, counted_policy> l;
    {
        std::vector<list<std::string, counted_policy>> versions;
        for (int i = 0; i < 2000; ++i) {
            l = l.push_back(std::string(40, static_cast<char>('a' + i % 26)) + std::to_string(i));
            if (i % 100 == 0) versions.push_back(l);
        }
        auto m = (l.take(700) + l.drop(1300)).insert(5, "inserted").set(1000, "set");
        EXPECT_EQ(m[5], "inserted");
        EXPECT_EQ(m[1000], "set");
        EXPECT_EQ(versions[3].size(), 301u);
    }
    l = {};
    EXPECT_EQ(counted_policy::live_nodes(), 0);
}

TEST(list, every_node_is_freed_when_the_last_version_goes) {
    {
        list<int, counted_policy> l;
        std::vector<list<int, counted_policy>> versions;
        for (int i = 0; i < 5000; ++i) {
            l = l.push_back(i);
            if (i % 50 == 0) versions.push_back(l.set(static_cast<std::size_t>(i / 2), -i));
        }
        versions.push_back(l + l);
        versions.push_back(l.drop(77).take(3000));
        versions.push_back(l.insert(2500, 1).erase(7));
        auto b = l.to_builder();
        for (int i = 0; i < 3000; ++i) b.push_back(i);
        versions.push_back(b.build());
        b.set(10, 10);
        b.pop_back();
        EXPECT_GT(counted_policy::live_nodes(), 0);
    }
    EXPECT_EQ(counted_policy::live_nodes(), 0);
    EXPECT_EQ(counted_policy::live_bytes(), 0);
}

TEST(list, copying_allocates_nothing) {
    list<int, counted_policy> l;
    for (int i = 0; i < 1000; ++i) l = l.push_back(i);
    auto before = counted_policy::stats().allocations;
    list<int, counted_policy> c = l;
    list<int, counted_policy> d;
    d = c;
    EXPECT_EQ(counted_policy::stats().allocations, before);
    EXPECT_EQ(d, l);
}

TEST(list, small_lists_are_one_node) {
    list<int, counted_policy> l;
    auto live = counted_policy::live_nodes();
    l = {1, 2, 3, 4, 5};
    EXPECT_EQ(counted_policy::live_nodes(), live + 1);
    for (int i = 0; i < 27; ++i) l = l.push_back(i);
    EXPECT_EQ(l.size(), 32u);
    EXPECT_EQ(counted_policy::live_nodes(), live + 1);
}

TEST(list, persistent_push_back_shares_the_tail_when_it_can) {
    list<int, counted_policy> l;
    for (int i = 0; i < 64; ++i) l = l.push_back(i);
    auto before = counted_policy::stats().allocations;
    auto a = l.push_back(1); // claims slot 0 of the tail? no: the tail is full, a new tail
    auto b = a.push_back(2); // claims the next slot: no allocation
    auto allocs_b = counted_policy::stats().allocations;
    auto c = a.push_back(3); // a's slot is taken by b: copies
    EXPECT_EQ(b.back(), 2);
    EXPECT_EQ(c.back(), 3);
    EXPECT_EQ(b.size(), c.size());
    EXPECT_EQ(a.back(), 1);
    EXPECT_GT(allocs_b, before);
    EXPECT_EQ(counted_policy::stats().allocations, allocs_b + 1);
    auto d = b.push_back(4); // b is the longest version: claims again
    EXPECT_EQ(counted_policy::stats().allocations, allocs_b + 1);
    EXPECT_EQ(to_vector(d).back(), 4);
    EXPECT_EQ(c[65], 3);
}

TEST(list, persistent_push_back_allocates_about_one_node_per_32_elements) {
    const int n = 200000;
    auto before = counted_policy::stats().allocations;
    {
        list<int, counted_policy> l;
        for (int i = 0; i < n; ++i) l = l.push_back(i);
        EXPECT_EQ(l[123456], 123456);
    }
    auto allocs = counted_policy::stats().allocations - before;
    EXPECT_LE(static_cast<double>(allocs), 1.1 * n / 32 + 16) << allocs;
}

// Versions that branch off one version at a leaf boundary: the first claims the child
// slot in the shared inner node, the others must copy the path; a builder started from
// the shorter version must not see (or leak) the claimed children.
TEST(list, inner_slot_claims_keep_every_version_intact) {
    list<int, counted_policy> base;
    for (int i = 0; i < 2048 + 32; ++i) base = base.push_back(i); // tree 2048, full tail
    std::vector<list<int, counted_policy>> branches_of_base;
    for (int b = 0; b < 4; ++b) {
        list<int, counted_policy> v = base;
        for (int i = 0; i < 100 + b * 40; ++i) v = v.push_back(-(b * 1000 + i));
        branches_of_base.push_back(v);
    }
    for (int b = 0; b < 4; ++b) {
        const auto& v = branches_of_base[static_cast<std::size_t>(b)];
        ASSERT_EQ(invariants(v), "");
        ASSERT_EQ(v.size(), 2080u + 100 + static_cast<std::size_t>(b) * 40);
        for (int i = 0; i < 2080; ++i) ASSERT_EQ(v[static_cast<std::size_t>(i)], i);
        for (int i = 0; i < 100 + b * 40; ++i) ASSERT_EQ(v[2080 + static_cast<std::size_t>(i)], -(b * 1000 + i));
    }
    EXPECT_EQ(invariants(base), "");
    EXPECT_EQ(to_vector(base), iota_vector(0, 2080));
    // A builder from base, while the claimed branches are alive, then after they die.
    for (int round = 0; round < 2; ++round) {
        auto b = base.to_builder();
        for (int i = 0; i < 500; ++i) b.push_back(7);
        b.set(2070, 1);
        auto built = b.build();
        EXPECT_EQ(invariants(built), "");
        EXPECT_EQ(built.size(), 2580u);
        EXPECT_EQ(built[2079], 2079);
        EXPECT_EQ(built[2080], 7);
        EXPECT_EQ(built[2070], 1);
        branches_of_base.clear();
    }
    base = {};
    EXPECT_EQ(counted_policy::live_nodes(), 0);
}

TEST(list, changes_to_an_unshared_rvalue_happen_in_place) {
    list<int, counted_policy> l;
    for (int i = 0; i < 5000; ++i) l = std::move(l).push_back(i);
    auto before = counted_policy::stats().allocations;
    for (int i = 0; i < 5000; i += 7) l = std::move(l).set(static_cast<std::size_t>(i), -i);
    for (int i = 3; i < 5000; i += 7) l = std::move(l).update(static_cast<std::size_t>(i), [](int x) { return x * 2; });
    for (int i = 0; i < 5; ++i) l = std::move(l).pop_back(); // within the tail (8 elements)
    EXPECT_EQ(counted_policy::stats().allocations - before, 0); // nothing shared: all in place
    // Emptying the tail moves the last leaf out of the tree: a path, as for the builder.
    for (int i = 0; i < 15; ++i) l = std::move(l).pop_back();
    EXPECT_LE(counted_policy::stats().allocations - before, 3);
    EXPECT_EQ(l.size(), 4980u);
    EXPECT_EQ(l[7], -7);
    EXPECT_EQ(l[10], 20);
    EXPECT_EQ(l[4979], 4979);
    EXPECT_EQ(invariants(l), "");

    // A second version shares every node: the rvalue's changes copy, the other never changes.
    const auto kept = l;
    auto changed = std::move(l).set(100, 1).update(4002, [](int) { return 2; }).push_back(3).pop_back().pop_back();
    EXPECT_EQ(changed.size(), 4979u);
    EXPECT_EQ(changed[100], 1);
    EXPECT_EQ(changed[4002], 2);
    EXPECT_EQ(kept.size(), 4980u);
    EXPECT_EQ(kept[100], 100);
    EXPECT_EQ(kept[4002], 4002);
    EXPECT_EQ(kept[4979], 4979);
    EXPECT_EQ(invariants(kept), "");
    EXPECT_THROW((void)std::move(changed).set(4979, 0), std::out_of_range);
    EXPECT_EQ(changed.size(), 4979u); // a throwing call leaves the list as it was
    list<int, counted_policy> empty;
    EXPECT_THROW((void)std::move(empty).pop_back(), std::out_of_range);
}

TEST(list, builder_basics) {
    list<int>::builder b;
    EXPECT_TRUE(b.empty());
    EXPECT_THROW((void)b.back(), std::out_of_range);
    EXPECT_THROW(b.pop_back(), std::out_of_range);
    for (int i = 0; i < 3000; ++i) b.push_back(i);
    EXPECT_EQ(b.size(), 3000u);
    EXPECT_EQ(b[1234], 1234);
    EXPECT_EQ(b.at(2999), 2999);
    EXPECT_EQ(b.back(), 2999);
    EXPECT_THROW((void)b.at(3000), std::out_of_range);
    EXPECT_THROW(b.set(3000, 0), std::out_of_range);
    list<int> first = b.build();
    b.set(0, -1);
    b.set(2999, -2);
    b.pop_back();
    b.push_back(7);
    b.append_range(std::vector<int>{8, 9});
    list<int> second = b.build();
    EXPECT_EQ(to_vector(first), iota_vector(0, 3000));
    EXPECT_EQ(second.size(), 3002u);
    EXPECT_EQ(second[0], -1);
    EXPECT_EQ(second[2999], 7);
    EXPECT_EQ(second.back(), 9);
    EXPECT_EQ(invariants(second), "");
    // Popping through leaf boundaries.
    for (int i = 0; i < 2000; ++i) b.pop_back();
    auto third = b.build();
    EXPECT_EQ(third.size(), 1002u);
    EXPECT_EQ(invariants(third), "");
    EXPECT_EQ(third[1001], 1001);
    EXPECT_EQ(second.size(), 3002u);
}

// Sized ranges go in whole leaves at a time (append_n_mut); the result must be the same
// list, in a valid shape, from every starting shape: empty, small, a full tail, a shared
// tail (to_builder), relaxed trees (concatenation, slicing).
TEST(list, bulk_appends_from_every_shape) {
    std::vector<list<int>> starts;
    for (int n : {0, 1, 5, 16, 17, 31, 32, 33, 64, 1000, 1024, 1057}) starts.push_back(list<int>::from_range(iota_vector(0, n)));
    const list<int> big = list<int>::from_range(iota_vector(0, 3000));
    starts.push_back(big.slice(7, 2500));               // relaxed front
    starts.push_back(big.take(40) + big.drop(1000));    // relaxed concatenation
    starts.push_back(big.push_front(-1));
    for (const list<int>& start : starts) {
        const std::vector<int> before = to_vector(start);
        for (int count : {0, 1, 31, 32, 33, 100, 2100}) {
            const std::vector<int> extra = iota_vector(10000, 10000 + count);
            std::vector<int> expected = before;
            expected.insert(expected.end(), extra.begin(), extra.end());
            const std::list<int> extra_nodes(extra.begin(), extra.end());
            for (int source = 0; source < 3; ++source) {
                list<int>::builder b = start.to_builder();
                if (source == 0) b.append_range(extra);                                  // contiguous
                if (source == 1) b.append_range(extra_nodes);                            // sized, not contiguous
#if IMMUTABLE_TEST_VIEWS
                if (source == 2) b.append_range(std::views::iota(10000, 10000 + count)); // sized view
#else
                if (source == 2) b.append_range(std::vector<int>(extra));
#endif
                const list<int> result = b.build();
                ASSERT_EQ(to_vector(result), expected) << "start " << before.size() << " count " << count;
                ASSERT_EQ(invariants(result), "");
                b.push_back(-7); // the builder keeps working after a bulk append
                EXPECT_EQ(b.build().back(), -7);
                EXPECT_EQ(to_vector(result), expected);
            }
            EXPECT_EQ(to_vector(start), before); // the source never changes
        }
    }
    // Constructors take the same path.
    const std::vector<int> v = iota_vector(0, 5000);
    const list<int> from_pointers(v.data(), v.data() + v.size());
    EXPECT_EQ(to_vector(from_pointers), v);
    EXPECT_EQ(invariants(from_pointers), "");
    const list<std::string> strings(1500, std::string(40, 'q'));
    EXPECT_EQ(strings.size(), 1500u);
    EXPECT_EQ(strings[1499], std::string(40, 'q'));
    EXPECT_EQ(invariants(strings), "");
}

// A contiguous source of n elements allocates exactly the leaves and path nodes it needs:
// one leaf per 32 elements and one inner node per 32 leaves (per level), no more.
TEST(list, bulk_construction_allocates_only_final_nodes) {
    using L = list<std::int64_t, counted_policy>;
    std::vector<std::int64_t> v(100000);
    std::iota(v.begin(), v.end(), 0);
    const auto before = counted_policy::stats().allocations;
    {
        const L l(v.begin(), v.end());
        // 3125 leaves (the last is the tail), 98 + 4 inner nodes for 99,968 tree elements, 1 root.
        EXPECT_EQ(counted_policy::stats().allocations - before, 3125u + 98u + 4u + 1u);
        EXPECT_EQ(l[76543], 76543);
    }
    EXPECT_EQ(counted_policy::live_nodes(), 0u);
}

TEST(list, builder_copies_are_independent) {
    list<int>::builder a;
    for (int i = 0; i < 10; ++i) a.push_back(i); // a owns its tail and writes in place
    list<int>::builder b = a;                    // now both share it
    a.push_back(100);
    b.push_back(200);
    EXPECT_EQ(a.build().back(), 100);
    EXPECT_EQ(b.build().back(), 200);
    EXPECT_EQ(a.size(), 11u);
    list<int>::builder c;
    c = a;
    c.push_back(300);
    a.push_back(101);
    EXPECT_EQ(to_vector(c.build()).back(), 300);
    EXPECT_EQ(a[11], 101);
    list<int>::builder moved = std::move(a);
    moved.push_back(102);
    EXPECT_EQ(moved.size(), 13u);
    EXPECT_EQ(moved.back(), 102);
    list<int> built = moved.build();
    moved.push_back(103); // after build: must not write into the built list's tail
    EXPECT_EQ(built.size(), 13u);
    EXPECT_EQ(built.back(), 102);
    EXPECT_EQ(moved.back(), 103);
}

TEST(list, builder_from_a_list_leaves_it_unchanged) {
    list<int> l = iota_list(0, 2000);
    auto b = l.to_builder();
    for (int i = 0; i < 2000; i += 3) b.set(static_cast<std::size_t>(i), -i);
    b.push_back(1);
    auto m = b.build();
    EXPECT_EQ(to_vector(l), iota_vector(0, 2000));
    EXPECT_EQ(m[3], -3);
    EXPECT_EQ(m.size(), 2001u);
    EXPECT_EQ(invariants(m), "");
    // A builder from a relaxed (concatenated) list.
    auto r = iota_list(0, 1500).drop(7) + iota_list(0, 1000);
    auto rb = r.to_builder();
    for (int i = 0; i < 3000; ++i) rb.push_back(i);
    rb.set(5, 555);
    auto rr = rb.build();
    EXPECT_EQ(invariants(rr), "");
    EXPECT_EQ(rr.size(), r.size() + 3000);
    EXPECT_EQ(rr[5], 555);
    EXPECT_EQ(r[5], 12);
    EXPECT_EQ(rr[r.size() + 2999], 2999);
}

TEST(list, builder_allocates_about_one_node_per_32_elements) {
    const std::int64_t n = 1'000'000;
    auto before = counted_policy::stats().allocations;
    {
        list<std::int64_t, counted_policy>::builder b;
        for (std::int64_t i = 0; i < n; ++i) b.push_back(i);
        auto l = b.build();
        EXPECT_EQ(l.size(), static_cast<std::size_t>(n));
        EXPECT_EQ(l[777777], 777777);
    }
    auto allocs = counted_policy::stats().allocations - before;
    EXPECT_LE(static_cast<double>(allocs), 1.1 * static_cast<double>(n) / 32 + 16) << allocs;
}

TEST(list, builder_on_a_relaxed_list_also_changes_in_place) {
    list<int, counted_policy> a, b;
    for (int i = 0; i < 5000; ++i) a = a.push_back(i);
    for (int i = 0; i < 3000; ++i) b = b.push_back(i);
    auto relaxed = a.drop(17) + b; // relaxed nodes along the seam and the left edge
    const int n = 100000;
    auto before = counted_policy::stats().allocations;
    auto builder = relaxed.to_builder();
    for (int i = 0; i < n; ++i) builder.push_back(i);
    auto allocs = counted_policy::stats().allocations - before;
    EXPECT_LE(static_cast<double>(allocs), 1.1 * n / 32 + 16) << allocs;
    auto l = builder.build();
    EXPECT_EQ(invariants(l), "");
    EXPECT_EQ(l.size(), relaxed.size() + n);
    EXPECT_EQ(l[relaxed.size() + 12345], 12345);
    EXPECT_EQ(l[0], 17);
    EXPECT_EQ(relaxed.size(), 5000u - 17 + 3000);
}

TEST(list, works_with_algorithms) {
    list<int> l = iota_list(0, 1000);
    EXPECT_EQ(std::accumulate(l.begin(), l.end(), 0), 999 * 1000 / 2);
    EXPECT_EQ(std::ranges::count_if(l, [](int x) { return x % 2 == 0; }), 500);
#if IMMUTABLE_TEST_VIEWS
    auto evens = l | std::views::filter([](int x) { return x % 2 == 0; }) | std::views::take(3);
    EXPECT_TRUE(std::ranges::equal(evens, std::vector<int>{0, 2, 4}));
    EXPECT_TRUE(std::ranges::equal(l | std::views::reverse | std::views::take(2), std::vector<int>{999, 998}));
#endif
    auto b = std::ranges::begin(l);
    EXPECT_EQ(std::ranges::end(l) - b, 1000);
    EXPECT_EQ(std::ranges::size(l), 1000u);
}

// A longer version made from a builder's snapshot, then dropped, leaves nothing behind: its
// elements are released and the builder's own pushes land after the builder's size. Elements
// with a reference count (shared_ptr) never claim slots in a shared node (the push copies the
// tail); the list_slot_claims tests below cover elements that do.
TEST(list_edge, builder_keeps_nothing_of_a_dropped_longer_version) {
    for (std::size_t n : {5u, 31u, 32u, 33u, 100u, 1024u, 1030u, 2000u}) {
        list<std::shared_ptr<int>>::builder b;
        for (std::size_t i = 0; i < n; ++i) b.push_back(std::make_shared<int>(static_cast<int>(i)));
        const auto claimed = std::make_shared<int>(-1);
        {
            auto longer = b.build().push_back(claimed);
            for (int i = 0; i < 70; ++i) longer = longer.push_back(claimed);
            ASSERT_EQ(longer.size(), n + 71);
        }
        const auto fresh = std::make_shared<int>(7);
        for (int i = 0; i < 71; ++i) b.push_back(fresh);
        const auto built = b.build();
        EXPECT_EQ(claimed.use_count(), 1) << "n = " << n;
        ASSERT_EQ(built.size(), n + 71);
        EXPECT_EQ(*built[n - 1], static_cast<int>(n - 1));
        EXPECT_EQ(built[n], fresh);
        EXPECT_EQ(built[n + 70], fresh);
        EXPECT_EQ(fresh.use_count(), 72);
    }
}

// Slots a node holds past what its sole holder uses. A version that pushed onto a shared
// node claimed the next slot in it (see leaf_node and inner_node in detail/rrb/node.hpp);
// once every longer version is gone, the node keeps those elements or children until its
// one remaining holder writes there. A builder, or a && change, that owns the node must
// then destroy them (once) before writing its own. throwing_value counts its live
// instances and may claim slots, as int does.
namespace {

using immutable::test::throwing_value;
using claim_list = list<throwing_value, counted_policy>;

class list_slot_claims : public immutable::test::no_leaks_test<counted_policy> {
protected:
    void SetUp() override {
        no_leaks_test::SetUp();
        throwing_value::never_throw();
        values_before_ = throwing_value::live;
    }
    void TearDown() override {
        EXPECT_EQ(throwing_value::live, values_before_) << "elements leaked or destroyed twice";
        no_leaks_test::TearDown();
    }
    // Elements alive now that were not before the test.
    std::int64_t live_values() const { return throwing_value::live - values_before_; }

private:
    std::int64_t values_before_ = 0;
};

template <class Sequence>
std::vector<int> values_of(const Sequence& s) {
    std::vector<int> v;
    for (const throwing_value& x : s) v.push_back(x.value());
    return v;
}

// first, first + 1, ..., last - 1, then `extra`.
std::vector<int> iota_then(int first, int last, std::vector<int> extra = {}) {
    std::vector<int> v = iota_vector(first, last);
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
}

} // namespace

TEST_F(list_slot_claims, a_builder_destroys_what_dropped_versions_claimed_in_its_tail) {
    claim_list::builder b;
    for (int i = 0; i < 5; ++i) b.push_back(throwing_value(i));
    {
        const claim_list built = b.build();
        const claim_list longer = built.push_back(throwing_value(100)).push_back(throwing_value(101));
        EXPECT_EQ(live_values(), 7) << "the pushes claim slots 5 and 6 of the shared tail";
        EXPECT_EQ(values_of(longer), iota_then(0, 5, {100, 101}));
        EXPECT_EQ(values_of(built), iota_then(0, 5));
        EXPECT_EQ(invariants(longer), "");
    }
    // The builder holds the tail alone now; slots 5 and 6 still hold 100 and 101.
    EXPECT_EQ(live_values(), 7);
    b.push_back(throwing_value(5));
    EXPECT_EQ(live_values(), 6) << "100 and 101 destroyed, 5 written in place";
    {
        const claim_list first = b.build();
        EXPECT_EQ(values_of(first), iota_then(0, 6));
        EXPECT_EQ(invariants(first), "");
    }

    // The same for a bulk append, which fills the tail a run at a time.
    {
        const claim_list built = b.build();
        const claim_list longer = built.push_back(throwing_value(200)).push_back(throwing_value(201));
        EXPECT_EQ(values_of(longer), iota_then(0, 6, {200, 201}));
        EXPECT_EQ(values_of(built), iota_then(0, 6));
    }
    const std::vector<throwing_value> more{throwing_value(6), throwing_value(7), throwing_value(8)};
    EXPECT_EQ(live_values(), 6 + 2 + 3);
    b.append_range(more);
    EXPECT_EQ(live_values(), 9 + 3) << "200 and 201 destroyed, 6 to 8 copied in";
    const claim_list second = b.build();
    EXPECT_EQ(values_of(second), iota_then(0, 9));
    EXPECT_EQ(invariants(second), "");
}

TEST_F(list_slot_claims, an_rvalue_push_back_destroys_what_a_dropped_longer_version_held_in_its_tail) {
    claim_list l;
    for (int i = 0; i < 5; ++i) l = std::move(l).push_back(throwing_value(i));
    {
        const claim_list longer = l.push_back(throwing_value(100)); // claims slot 5
        EXPECT_EQ(live_values(), 6);
        EXPECT_EQ(values_of(longer), iota_then(0, 5, {100}));
    }
    EXPECT_EQ(live_values(), 6);
    l = std::move(l).push_back(throwing_value(5));
    EXPECT_EQ(live_values(), 6) << "100 destroyed, 5 written in place";
    EXPECT_EQ(values_of(l), iota_then(0, 6));
    EXPECT_EQ(invariants(l), "");
}

TEST_F(list_slot_claims, an_rvalue_push_back_destroys_what_a_dropped_longer_version_held_after_a_pop) {
    claim_list l;
    for (int i = 0; i < 6; ++i) l = std::move(l).push_back(throwing_value(i));
    claim_list shorter = l.pop_back().pop_back(); // shares the tail, uses 4 of its 6 slots
    l = {};
    EXPECT_EQ(live_values(), 6);
    shorter = std::move(shorter).push_back(throwing_value(40));
    EXPECT_EQ(live_values(), 5) << "4 and 5 destroyed, 40 written in place";
    EXPECT_EQ(values_of(shorter), iota_then(0, 4, {40}));
    EXPECT_EQ(invariants(shorter), "");
}

// One level up: a longer version's full tail moved into the tree claims the next child
// slot of the shared root. Once it is dropped, the builder that holds the root alone
// releases that child before linking in its own leaf, and a set() in the tree does too.
TEST_F(list_slot_claims, a_builder_releases_children_dropped_versions_claimed_in_its_root) {
    claim_list::builder b;
    for (int i = 0; i < 96; ++i) b.push_back(throwing_value(i)); // two leaves in the tree, a full tail
    {
        const claim_list built = b.build();
        claim_list longer = built;
        // The first push claims root slot 2 for the shared tail; the 33rd claims slot 3 for
        // a leaf of 1000..1031 that no other version holds.
        for (int i = 0; i < 33; ++i) longer = longer.push_back(throwing_value(1000 + i));
        EXPECT_EQ(values_of(longer), iota_then(0, 96, iota_vector(1000, 1033)));
        EXPECT_EQ(invariants(longer), "");
        EXPECT_EQ(values_of(built), iota_then(0, 96));
    }
    EXPECT_EQ(live_values(), 96 + 32) << "the claimed leaf lives on in the builder's root";
    b.push_back(throwing_value(96));
    EXPECT_EQ(live_values(), 97) << "the claimed leaf released, its 32 elements destroyed";
    {
        const claim_list first = b.build();
        EXPECT_EQ(values_of(first), iota_then(0, 97));
        EXPECT_EQ(invariants(first), "");
    }

    // Again through set(): 31 pushes claim slots 1..31 of the builder's tail [96], the
    // 32nd moves that tail into root slot 3. The builder's set() in the tree copies its
    // tail (the root still shares it), then releases root slot 3, the tail's last holder.
    {
        claim_list longer = b.build();
        for (int i = 0; i < 32; ++i) longer = longer.push_back(throwing_value(2000 + i));
        EXPECT_EQ(values_of(longer), iota_then(0, 97, iota_vector(2000, 2032)));
        EXPECT_EQ(invariants(longer), "");
    }
    EXPECT_EQ(live_values(), 97 + 31);
    b.set(5, throwing_value(-5));
    EXPECT_EQ(live_values(), 97) << "the old tail released with 96 and 2000..2030";
    b.push_back(throwing_value(97));
    const claim_list second = b.build();
    std::vector<int> expected = iota_vector(0, 98);
    expected[5] = -5;
    EXPECT_EQ(values_of(second), expected);
    EXPECT_EQ(invariants(second), "");
}

// Two levels: the claimed child slots are in the second child of the root, a node the
// rvalue's push reaches below its root.
TEST_F(list_slot_claims, an_rvalue_push_back_releases_children_a_dropped_version_claimed_below_the_root) {
    claim_list l;
    // A tree of 1024 + 64 (the root's second child holds two leaves), and a full tail.
    for (int i = 0; i < 1120; ++i) l = std::move(l).push_back(throwing_value(i));
    {
        claim_list longer = l;
        for (int i = 0; i < 33; ++i) longer = longer.push_back(throwing_value(10000 + i));
        EXPECT_EQ(values_of(longer), iota_then(0, 1120, iota_vector(10000, 10033)));
        EXPECT_EQ(invariants(longer), "");
        EXPECT_EQ(values_of(l), iota_then(0, 1120));
    }
    EXPECT_EQ(live_values(), 1120 + 32);
    l = std::move(l).push_back(throwing_value(1120));
    EXPECT_EQ(live_values(), 1121) << "the claimed leaf released, its 32 elements destroyed";
    EXPECT_EQ(values_of(l), iota_then(0, 1121));
    EXPECT_EQ(invariants(l), "");
}
