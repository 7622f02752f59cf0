// immutable::list on trees three and four levels deep: slicing at every kind of cut
// (inside one leaf, on leaf and child boundaries, across the root), concatenation whose
// left tail joins the seam, push_front chains, and the rvalue overloads. The model tests
// keep lists small; these reach the paths that only deep trees take.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include <immutable/detail/rrb/debug.hpp>
#include <immutable/list.hpp>

#include "support/failing_policy.hpp"
#include "support/throwing_value.hpp"

using immutable::list;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;

namespace {

template <class T, class P>
std::string invariants(const list<T, P>& l) {
    return immutable::detail::rrb::invariant_checker<T, P>::check(immutable::detail::rrb::list_access::data_of(l));
}

template <class T, class P>
std::vector<T> to_vector(const list<T, P>& l) {
    return std::vector<T>(l.begin(), l.end());
}

template <class P = immutable::default_policy>
list<int, P> iota_list(int first, int last) {
    typename list<int, P>::builder b;
    for (int i = first; i < last; ++i) b.push_back(i);
    return b.build();
}

std::vector<int> slice_of(const std::vector<int>& v, std::size_t a, std::size_t b) {
    return std::vector<int>(v.begin() + static_cast<std::ptrdiff_t>(a), v.begin() + static_cast<std::ptrdiff_t>(b));
}

// Cut points worth trying in a list of n elements: both ends, leaf and 1024-element child
// boundaries and their neighbours, and a few odd places.
std::vector<std::size_t> cuts(std::size_t n) {
    std::vector<std::size_t> c;
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33},
                           std::size_t{1023}, std::size_t{1024}, std::size_t{1025}, std::size_t{5000},
                           std::size_t{32767}, std::size_t{32768}, std::size_t{32769}, n / 3, n / 2, n - 33,
                           n - 32, n - 31, n - 1, n}) {
        if (at <= n) c.push_back(at);
    }
    return c;
}

void check_slices(const list<int>& l, const std::vector<int>& model, const char* what) {
    ASSERT_EQ(to_vector(l), model);
    const auto c = cuts(model.size());
    for (std::size_t a : c) {
        for (std::size_t b : c) {
            if (a > b) continue;
            const list<int> s = l.slice(a, b);
            ASSERT_EQ(invariants(s), "") << what << " slice " << a << " " << b;
            ASSERT_EQ(s.size(), b - a);
            if (b - a < 3000 || a % 7 == 0) ASSERT_EQ(to_vector(s), slice_of(model, a, b)) << what << " " << a << " " << b;
            else {
                ASSERT_EQ(s.front(), model[a]);
                ASSERT_EQ(s.back(), model[b - 1]);
                ASSERT_EQ(s[(b - a) / 2], model[a + (b - a) / 2]);
            }
        }
    }
    ASSERT_EQ(to_vector(l), model); // the source is unchanged
}

std::vector<int> iota_vector(int first, int last) {
    std::vector<int> v;
    for (int i = first; i < last; ++i) v.push_back(i);
    return v;
}

} // namespace

TEST(list_deep, slices_of_a_regular_tree) {
    const int n = 70000; // root at shift 15, three inner levels
    check_slices(iota_list(0, n), iota_vector(0, n), "regular");
}

TEST(list_deep, slices_of_a_relaxed_tree) {
    // Concatenations of odd-sized pieces and push_fronts: relaxed nodes on every level.
    list<int> l;
    std::vector<int> model;
    int next = 0;
    for (int piece : {5000, 31, 1, 40000, 77, 1025, 33000}) {
        l = l + iota_list(next, next + piece);
        for (int i = 0; i < piece; ++i) model.push_back(next + i);
        next += piece;
    }
    for (int i = 0; i < 40; ++i) {
        l = l.push_front(-i);
        model.insert(model.begin(), -i);
    }
    ASSERT_EQ(invariants(l), "");
    check_slices(l, model, "relaxed");
}

TEST(list_deep, concatenation_keeps_the_left_tail_at_the_seam) {
    for (int a : {1, 31, 32, 33, 1000, 1024, 1056, 33000, 40000}) {
        for (int b : {33, 64, 1025, 33000}) {
            const list<int> x = iota_list(0, a);
            const list<int> y = iota_list(a, a + b);
            const list<int> z = x + y;
            ASSERT_EQ(invariants(z), "") << a << " + " << b;
            ASSERT_EQ(to_vector(z), iota_vector(0, a + b)) << a << " + " << b;
            ASSERT_EQ(to_vector(x), iota_vector(0, a));
            ASSERT_EQ(to_vector(y), iota_vector(a, a + b));
            // Sliced operands: partial leaves on both sides of the seam.
            const list<int> w = x.drop(static_cast<std::size_t>(a / 3)) + y.take(static_cast<std::size_t>(b - 5));
            ASSERT_EQ(invariants(w), "") << a << " + " << b;
            ASSERT_EQ(to_vector(w), iota_vector(a / 3, a + b - 5));
        }
    }
}

TEST(list_deep, push_front_chains_stay_valid_and_shallow) {
    list<int> l = iota_list(0, 40000);
    std::vector<int> model = iota_vector(0, 40000);
    std::vector<list<int>> versions;
    for (int i = 1; i <= 3000; ++i) {
        l = l.push_front(-i);
        model.insert(model.begin(), -i);
        if (i % 97 == 0) {
            ASSERT_EQ(invariants(l), "") << i;
            versions.push_back(l);
        }
    }
    ASSERT_EQ(to_vector(l), model);
    for (std::size_t v = 0; v < versions.size(); ++v) {
        const auto k = static_cast<int>((v + 1) * 97);
        ASSERT_EQ(versions[v].size(), static_cast<std::size_t>(40000 + k));
        ASSERT_EQ(versions[v][0], -k);
        ASSERT_EQ(versions[v][static_cast<std::size_t>(k)], 0);
    }
    // From empty too: the front grows leaf by leaf.
    list<int> f;
    std::vector<int> fm;
    for (int i = 0; i < 5000; ++i) {
        f = f.push_front(i);
        fm.insert(fm.begin(), i);
    }
    ASSERT_EQ(invariants(f), "");
    ASSERT_EQ(to_vector(f), fm);
}

TEST(list_deep, slice_and_concat_free_everything) {
    using L = list<int, counted_policy>;
    ASSERT_EQ(counted_policy::live_nodes(), 0);
    {
        const L l = iota_list<counted_policy>(0, 70000);
        for (std::size_t a : cuts(70000)) {
            const std::size_t last = 70000 - a / 2;
            const L s = l.slice(std::min(a, last), last); // empty once a passes last
            const L c = s + l;
            const L p = c.push_front(1).push_front(2);
            ASSERT_EQ(p.size(), s.size() + l.size() + 2);
        }
    }
    EXPECT_EQ(counted_policy::live_nodes(), 0);
    EXPECT_EQ(counted_policy::live_bytes(), 0);
}

TEST(list_deep, throwing_copies_leave_deep_versions_unchanged) {
    using immutable::test::throwing_value;
    using L = list<throwing_value, counted_policy>;
    throwing_value::never_throw();
    const std::int64_t nodes_before = counted_policy::live_nodes();
    {
        L::builder b;
        for (int i = 0; i < 40000; ++i) b.push_back(throwing_value(i));
        const L l = b.build();
        const L relaxed = l.drop(5) + l.take(33000);
        {
            // The first push_back claims the tail's next slot, whose element then lives as
            // long as the tail node: take that one out of the counts below.
            const L warm = relaxed.push_back(throwing_value(-1));
        }
        const std::int64_t live = throwing_value::live;
        const std::int64_t nodes = counted_policy::live_nodes();
        auto attempt = [&](const char* what, auto&& op) {
            for (int k = 0; k < 200; k += 7) {
                throwing_value::throw_after(k);
                try {
                    L r = op();
                    (void)r;
                } catch (const immutable::test::copy_failure&) {
                }
                throwing_value::never_throw();
                ASSERT_EQ(throwing_value::live, live) << what << " " << k;
                ASSERT_EQ(counted_policy::live_nodes(), nodes) << what << " " << k;
            }
            for (int k = 0; k < 12; ++k) {
                failing_heap_policy::fail_after(k);
                try {
                    L r = op();
                    (void)r;
                } catch (const std::bad_alloc&) {
                }
                failing_heap_policy::never_fail();
                ASSERT_EQ(throwing_value::live, live) << what << " " << k;
                ASSERT_EQ(counted_policy::live_nodes(), nodes) << what << " " << k;
            }
        };
        attempt("slice", [&] { return l.slice(1000, 39000); });
        attempt("relaxed slice", [&] { return relaxed.slice(33, 70000); });
        attempt("concat", [&] { return l + relaxed; });
        attempt("relaxed push_front", [&] { return relaxed.push_front(throwing_value(-1)); });
        attempt("push_front", [&] { return l.push_front(throwing_value(-1)); });
        attempt("relaxed push_back", [&] { return relaxed.push_back(throwing_value(-1)); });
        ASSERT_EQ(l.size(), 40000u);
        for (std::size_t i = 0; i < l.size(); i += 997) ASSERT_EQ(l[i].value(), static_cast<int>(i));
        ASSERT_EQ(invariants(relaxed), "");
    }
    EXPECT_EQ(counted_policy::live_nodes(), nodes_before);
}

namespace {
// Records whether it was moved from, and counts copies.
struct move_probe {
    static inline int copies = 0;
    int value = 0;
    bool moved_from = false;
    explicit move_probe(int v) : value(v) {}
    move_probe(const move_probe& o) : value(o.value) { ++copies; }
    move_probe(move_probe&& o) noexcept : value(o.value) { o.moved_from = true; }
    move_probe& operator=(const move_probe&) = default;
    move_probe& operator=(move_probe&&) = default;
};
} // namespace

TEST(list_deep, rvalue_overloads_move_the_new_element) {
    const list<move_probe> empty;
    const list<move_probe> one = empty.push_back(move_probe(0));
    {
        move_probe p(1);
        const auto l = one.push_back(std::move(p));
        EXPECT_TRUE(p.moved_from);
        EXPECT_EQ(l[1].value, 1);
    }
    {
        move_probe p(2);
        const auto l = empty.push_front(std::move(p));
        EXPECT_TRUE(p.moved_from);
        EXPECT_EQ(l[0].value, 2);
    }
    {
        move_probe p(3);
        const auto l = one.set(0, std::move(p));
        EXPECT_TRUE(p.moved_from);
        EXPECT_EQ(l[0].value, 3);
        EXPECT_EQ(one[0].value, 0);
    }
    {
        move_probe p(4);
        list<move_probe>::builder b;
        b.push_back(std::move(p));
        EXPECT_TRUE(p.moved_from);
        EXPECT_EQ(b.build()[0].value, 4);
    }
    {
        // A const lvalue is copied and left alone.
        const move_probe p(5);
        const int before = move_probe::copies;
        const auto l = empty.push_back(p);
        EXPECT_EQ(move_probe::copies, before + 1);
        EXPECT_FALSE(p.moved_from);
        EXPECT_EQ(l[0].value, 5);
    }
    {
        // Moving into a deep list copies no existing element when the tail has room
        // (the slot is claimed) and moves the new one.
        list<move_probe>::builder b;
        for (int i = 0; i < 2000; ++i) b.push_back(move_probe(i));
        const auto deep = b.build();
        const int before = move_probe::copies;
        move_probe p(6);
        const auto l = deep.push_back(std::move(p));
        EXPECT_TRUE(p.moved_from);
        EXPECT_EQ(move_probe::copies, before);
        EXPECT_EQ(l[2000].value, 6);
    }
}

TEST(list_deep, persistent_push_back_on_a_relaxed_list_claims_slots_below_the_relaxed_nodes) {
    using L = list<int, counted_policy>;
    const L regular = iota_list<counted_policy>(0, 40000);
    const L relaxed = regular.push_front(-1); // a relaxed root over regular subtrees
    const int n = 32000;
    auto count_pushes = [&](L l) {
        const auto before = counted_policy::stats().allocations;
        for (int i = 0; i < n; ++i) l = l.push_back(i);
        EXPECT_EQ(invariants(l), "");
        EXPECT_EQ(l[l.size() - 1], n - 1);
        return counted_policy::stats().allocations - before;
    };
    const auto on_regular = count_pushes(regular);
    const auto on_relaxed = count_pushes(relaxed);
    // One leaf per 32 pushes on a regular list; on the relaxed one also a copy of the
    // relaxed root, not of the whole right edge.
    EXPECT_LE(static_cast<double>(on_regular), 1.1 * n / 32 + 8) << on_regular;
    EXPECT_LE(static_cast<double>(on_relaxed), 2.1 * n / 32 + 8) << on_relaxed;
    EXPECT_EQ(relaxed.size(), 40001u);
    EXPECT_EQ(relaxed[0], -1);
    EXPECT_EQ(relaxed[40000], 39999);
}

// Past 2^20 elements a regular tree has five levels, and an index walks down through the
// extra one before the unrolled last three.
TEST(list_deep, index_into_a_five_level_regular_tree) {
    constexpr std::size_t n = (std::size_t{1} << 20) + 100;
    list<std::uint32_t>::builder b;
    for (std::size_t i = 0; i < n; ++i) b.push_back(static_cast<std::uint32_t>(i));
    const list<std::uint32_t> l = b.build();
    ASSERT_EQ(l.size(), n);
    for (std::size_t i : {std::size_t{0}, std::size_t{31}, std::size_t{1} << 15, (std::size_t{1} << 20) - 1,
                          std::size_t{1} << 20, n - 1})
        EXPECT_EQ(l[i], i);
    EXPECT_EQ(l.at(n - 33), n - 33);
}
