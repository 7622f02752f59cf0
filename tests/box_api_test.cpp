// immutable::box: construction, O(1) copies that allocate nothing, update() making one
// copy of the value, comparison and hashing forwarded to the value, noexcept moves, boxes
// of a type that is incomplete where the box is named, and exception safety.
#include <gtest/gtest.h>

#include <cmath>
#include <compare>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>

#include <immutable/box.hpp>

#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"
#include "support/throwing_value.hpp"

namespace {

using immutable::box;
using immutable::test::counted_policy;
using immutable::test::failing_heap_policy;
using immutable::test::throwing_value;

template <class T>
using counted_box = box<T, counted_policy>;

static_assert(std::is_same_v<box<int>::policy_type, immutable::default_policy>);
static_assert(std::is_same_v<box<int>::value_type, int>);
static_assert(std::is_nothrow_copy_constructible_v<box<std::string>>);
static_assert(std::is_nothrow_move_constructible_v<box<std::string>>);
static_assert(std::is_nothrow_copy_assignable_v<box<std::string>>);
static_assert(std::is_nothrow_move_assignable_v<box<std::string>>);
static_assert(std::is_convertible_v<std::string, box<std::string>>); // box(T) is implicit
static_assert(std::is_convertible_v<const std::string&, box<std::string>>);
static_assert(!std::is_convertible_v<std::in_place_t, box<std::string>>);
static_assert(std::is_same_v<decltype(*std::declval<const box<int>&>()), const int&>);
static_assert(std::is_same_v<decltype(std::declval<const box<int>&>().update([](int v) { return v; })), box<int>>);
static_assert(std::equality_comparable<box<std::string>>);
static_assert(std::three_way_comparable<box<int>, std::strong_ordering>);
static_assert(std::three_way_comparable<box<double>, std::partial_ordering>);

// Copies of a T, counted, to show which operations copy the value.
struct copy_counter {
    static inline int copies = 0;
    int value = 0;
    copy_counter() = default;
    explicit copy_counter(int v) : value(v) {}
    copy_counter(const copy_counter& o) : value(o.value) { ++copies; }
    copy_counter(copy_counter&&) noexcept = default;
    copy_counter& operator=(const copy_counter&) = default;
    copy_counter& operator=(copy_counter&&) noexcept = default;
};

// Only <, no <=>: box's <=> builds a weak ordering from it, as std::pair does.
struct only_less {
    int v;
    friend bool operator<(const only_less& a, const only_less& b) { return a.v < b.v; }
};
static_assert(!std::three_way_comparable<only_less>);
static_assert(std::three_way_comparable<box<only_less>, std::weak_ordering>);

// Counts calls of its ==, to see when box compares values and when it does not.
struct counted_equality {
    static inline int calls = 0;
    int v;
    friend bool operator==(const counted_equality& a, const counted_equality& b) {
        ++calls;
        return a.v == b.v;
    }
};

// The motivating shape: a box of a type that is incomplete where the box is named.
struct expr;
struct add {
    box<expr> l, r;
    bool operator==(const add&) const = default;
};
struct expr {
    std::variant<long, add> v;
    bool operator==(const expr&) const = default;
};
long eval(const expr& e) {
    if (const long* n = std::get_if<long>(&e.v)) return *n;
    const add& a = std::get<add>(e.v);
    return eval(*a.l) + eval(*a.r);
}

class box_api : public immutable::test::no_leaks_test<counted_policy> {
protected:
    void TearDown() override {
        throwing_value::never_throw();
        failing_heap_policy::never_fail();
        no_leaks_test::TearDown();
        EXPECT_EQ(throwing_value::live, 0);
    }
};

TEST_F(box_api, default_constructor_value_initializes) {
    EXPECT_EQ(box<int>().get(), 0);
    EXPECT_EQ(box<double>().get(), 0.0);
    EXPECT_EQ(box<std::string>().get(), "");
    const counted_box<int> b;
    EXPECT_EQ(*b, 0);
    EXPECT_EQ(counted_policy::live_nodes(), 1);
}

TEST_F(box_api, constructs_from_a_value_implicitly_and_in_place) {
    const std::string s = "a value longer than the small-string buffer";
    counted_box<std::string> from_copy = s;
    counted_box<std::string> from_move = std::string("moved");
    const counted_box<std::string> in_place(std::in_place, 3, 'x');
    EXPECT_EQ(*from_copy, s);
    EXPECT_EQ(from_move.get(), "moved");
    EXPECT_EQ(*in_place, "xxx");
    EXPECT_EQ(from_copy->size(), s.size());
}

TEST_F(box_api, copying_allocates_nothing_and_shares_the_node) {
    const counted_box<std::string> a = std::string(1000, 'a');
    const std::int64_t allocations = counted_policy::stats().allocations;
    const counted_box<std::string> b = a; // NOLINT: the copy is the point
    counted_box<std::string> c;
    const std::int64_t after_default = counted_policy::stats().allocations;
    c = b;
    EXPECT_EQ(after_default - allocations, 1); // only the default-constructed box's node
    EXPECT_EQ(counted_policy::stats().allocations, after_default);
    EXPECT_EQ(a.identity(), b.identity());
    EXPECT_EQ(&*a, &*c);
    EXPECT_EQ(counted_policy::live_nodes(), 1); // c's own node went when c was assigned
}

TEST_F(box_api, update_copies_the_value_once_and_leaves_the_old_box) {
    const counted_box<copy_counter> a(copy_counter(1));
    copy_counter::copies = 0;
    const std::int64_t allocations = counted_policy::stats().allocations;
    const auto b = a.update([](copy_counter v) { // the one copy: f's parameter
        v.value += 41;
        return v;
    });
    EXPECT_EQ(copy_counter::copies, 1);
    EXPECT_EQ(counted_policy::stats().allocations - allocations, 1);
    EXPECT_EQ(a->value, 1);
    EXPECT_EQ(b->value, 42);
    EXPECT_NE(a.identity(), b.identity());

    copy_counter::copies = 0;
    const counted_box<copy_counter> c = b; // copying the box copies no value
    EXPECT_EQ(copy_counter::copies, 0);
    EXPECT_EQ(c->value, 42);
}

TEST_F(box_api, equality_is_immediate_for_one_node_and_compares_values_otherwise) {
    const counted_box<counted_equality> a(counted_equality{1});
    const counted_box<counted_equality> same = a;
    const counted_box<counted_equality> equal(counted_equality{1});
    const counted_box<counted_equality> other(counted_equality{2});
    counted_equality::calls = 0;
    EXPECT_TRUE(a == same);
    EXPECT_EQ(counted_equality::calls, 0);
    EXPECT_TRUE(a == equal);
    EXPECT_FALSE(a == other);
    EXPECT_TRUE(a != other);
    EXPECT_EQ(counted_equality::calls, 3);

    // The node test comes first: a NaN box equals its copies, not another NaN box.
    const box<double> nan(std::numeric_limits<double>::quiet_NaN());
    const box<double> nan_copy = nan;
    EXPECT_TRUE(nan == nan_copy);
    EXPECT_FALSE(nan == box<double>(std::numeric_limits<double>::quiet_NaN()));
}

TEST_F(box_api, ordering_forwards_to_the_value) {
    const counted_box<int> one(1), two(2);
    EXPECT_EQ(one <=> two, std::strong_ordering::less);
    EXPECT_EQ(two <=> one, std::strong_ordering::greater);
    EXPECT_EQ(one <=> counted_box<int>(1), std::strong_ordering::equal);
    EXPECT_TRUE(one < two && two > one && one <= one && two >= one);

    const box<only_less> a(only_less{1}), b(only_less{2});
    EXPECT_EQ(a <=> b, std::weak_ordering::less);
    EXPECT_EQ(b <=> a, std::weak_ordering::greater);
    EXPECT_EQ(a <=> box<only_less>(only_less{1}), std::weak_ordering::equivalent);

    const box<double> nan(std::numeric_limits<double>::quiet_NaN());
    EXPECT_EQ(nan <=> box<double>(1.0), std::partial_ordering::unordered);
}

TEST_F(box_api, hash_forwards_to_the_value) {
    const std::string s = "hashed";
    EXPECT_EQ(std::hash<box<std::string>>{}(box<std::string>(s)), std::hash<std::string>{}(s));
    EXPECT_EQ(std::hash<counted_box<int>>{}(counted_box<int>(7)), std::hash<int>{}(7));
    std::unordered_set<box<std::string>> seen;
    seen.insert(box<std::string>("x"));
    seen.insert(box<std::string>("x"));
    seen.insert(box<std::string>("y"));
    EXPECT_EQ(seen.size(), 2u);
    // No std::hash<T>, no std::hash<box<T>>.
    static_assert(!std::is_default_constructible_v<std::hash<box<only_less>>>);
    static_assert(std::is_nothrow_invocable_v<std::hash<box<int>>, const box<int>&>);
}

TEST_F(box_api, moves_never_throw_and_the_moved_from_box_can_be_assigned) {
    counted_box<std::string> a = std::string("first");
    counted_box<std::string> b = std::move(a);
    EXPECT_EQ(*b, "first");
    a = counted_box<std::string>(std::string("again")); // assigning to a moved-from box
    EXPECT_EQ(*a, "again");
    counted_box<std::string> c = std::move(b);
    b = c; // copy-assigned after a move
    EXPECT_EQ(*b, "first");
    swap(a, b);
    EXPECT_EQ(*a, "first");
    EXPECT_EQ(*b, "again");

    // A variant holding a box is never left valueless by a move.
    std::variant<long, counted_box<std::string>> v = counted_box<std::string>(std::string("in variant"));
    std::variant<long, counted_box<std::string>> w = 3L;
    w = std::move(v);
    EXPECT_FALSE(w.valueless_by_exception());
    EXPECT_EQ(*std::get<1>(w), "in variant");
}

TEST_F(box_api, a_box_of_an_incomplete_type_builds_recursive_values) {
    const expr e{add{expr{1L}, expr{add{expr{2L}, expr{3L}}}}};
    EXPECT_EQ(eval(e), 6);
    const expr copy = e;
    EXPECT_EQ(copy, e);
    // The copy shares the boxes: the inner values are the same objects.
    EXPECT_EQ(&*std::get<add>(copy.v).r, &*std::get<add>(e.v).r);
    const expr changed{add{std::get<add>(e.v).l, std::get<add>(e.v).r.update([](const expr&) { return expr{10L}; })}};
    EXPECT_EQ(eval(changed), 11);
    EXPECT_EQ(eval(e), 6);
    EXPECT_NE(changed, e);
}

TEST_F(box_api, a_throwing_copy_or_allocation_leaves_nothing_behind) {
    const throwing_value v(5);
    const counted_box<throwing_value> kept(v);
    const std::int64_t nodes = counted_policy::live_nodes();
    const std::int64_t live = throwing_value::live;

    throwing_value::throw_after(0);
    EXPECT_THROW(counted_box<throwing_value>{v}, immutable::test::copy_failure);
    throwing_value::throw_after(0); // a failure is injected once
    EXPECT_THROW((void)kept.update([](const throwing_value& x) { return x; }), immutable::test::copy_failure);
    throwing_value::never_throw();
    EXPECT_THROW((void)kept.update([](const throwing_value&) -> throwing_value { throw std::runtime_error("f"); }),
                 std::runtime_error);
    failing_heap_policy::fail_after(0);
    EXPECT_THROW(counted_box<throwing_value>{v}, std::bad_alloc);
    failing_heap_policy::never_fail();

    EXPECT_EQ(counted_policy::live_nodes(), nodes);
    EXPECT_EQ(throwing_value::live, live);
    EXPECT_EQ(kept->value(), 5);
}

TEST_F(box_api, takes_any_memory_policy) {
    const box<std::string, immutable::single_thread_heap_policy> a = std::string("plain counts");
    const auto b = a.update([](const std::string& s) { return s + "!"; });
    EXPECT_EQ(*b, "plain counts!");
    EXPECT_EQ(*a, "plain counts");
}

} // namespace
