// immutable::list: the shape of the API shared with the other containers: policy_type,
// builders whose changes chain and whose begin()/end() walk the current contents, and
// rvalue changes that chain into new versions.
#include <gtest/gtest.h>

#include <algorithm>
#include <concepts>
#include <iterator>
#include <numeric>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <immutable/list.hpp>


using immutable::list;
struct api_test_tag {};
using counting_policy = immutable::counted<immutable::heap_policy, api_test_tag>;

namespace {

using builder = list<int>::builder;

template <class Range>
auto walk(const Range& r) {
    std::vector<std::ranges::range_value_t<Range>> out;
    for (auto it = r.begin(); it != r.end(); ++it) out.push_back(*it);
    return out;
}

std::vector<int> iota_vector(int first, int last) {
    std::vector<int> v(static_cast<std::size_t>(last - first));
    std::iota(v.begin(), v.end(), first);
    return v;
}

list<int> iota_list(int first, int last) { return list<int>::from_range(iota_vector(first, last)); }

template <class L>
concept has_memory_policy_type = requires { typename L::memory_policy_type; };

} // namespace

static_assert(std::is_same_v<list<int>::policy_type, immutable::default_policy>);
static_assert(std::is_same_v<list<int, counting_policy>::policy_type, counting_policy>);
static_assert(!has_memory_policy_type<list<int>>, "one name for the policy: policy_type");

static_assert(std::is_nothrow_default_constructible_v<builder>);
static_assert(std::is_same_v<builder::const_iterator, list<int>::const_iterator>);
static_assert(std::ranges::random_access_range<const builder>);
static_assert(std::is_same_v<decltype(std::declval<builder&>().push_back(1)), builder&>);
static_assert(std::is_same_v<decltype(std::declval<builder&>().pop_back()), builder&>);
static_assert(std::is_same_v<decltype(std::declval<builder&>().set(0, 1)), builder&>);
static_assert(std::is_same_v<decltype(std::declval<builder&>().append_range(std::vector<int>{})), builder&>);

TEST(list_api, builder_changes_chain_on_the_same_builder) {
    builder b;
    builder& same = b.push_back(1).push_back(2).push_back(3);
    EXPECT_EQ(&same, &b);
    b.set(0, 10).pop_back().append_range(std::vector<int>{7, 8}).push_back(9);
    EXPECT_EQ(walk(b.build()), (std::vector<int>{10, 2, 7, 8, 9}));

    // Through the rvalue push_back overload too, across a leaf boundary.
    builder big;
    for (int i = 0; i < 100; ++i) big.push_back(i).push_back(-i);
    EXPECT_EQ(big.size(), 200u);
    EXPECT_EQ(big[199], -99);
}

TEST(list_api, builder_iterates_over_its_current_contents) {
    builder empty;
    EXPECT_EQ(empty.begin(), empty.end());

    // Small (one flat node), one tree level, two levels.
    for (int n : {5, 32, 33, 1000, 40000}) {
        builder b;
        b.append_range(iota_vector(0, n));
        EXPECT_EQ(walk(b), iota_vector(0, n)) << n;
        EXPECT_EQ(b.end() - b.begin(), n);
        EXPECT_TRUE(std::ranges::equal(b, b.build())) << n;
    }
}

TEST(list_api, builder_iterators_taken_after_each_change_see_it) {
    builder b = iota_list(0, 70).to_builder();
    b.push_back(70);
    EXPECT_EQ(walk(b), iota_vector(0, 71));
    b.set(3, -3);
    EXPECT_EQ(*(b.begin() + 3), -3);
    b.pop_back().pop_back();
    EXPECT_EQ(b.end() - b.begin(), 69);
    EXPECT_EQ(*std::prev(b.end()), 68);
    const list<int> built = b.build();
    b.push_back(100); // the built list does not see it, the builder's new iterators do
    EXPECT_EQ(walk(built).size(), 69u);
    EXPECT_EQ(*std::prev(b.end()), 100);
}

TEST(list_api, builder_iterates_over_a_relaxed_tree) {
    // A concatenation at an odd seam gives size-table nodes inside the builder's tree.
    const list<int> l = iota_list(0, 1037) + iota_list(1037, 3000);
    builder b = l.to_builder();
    EXPECT_EQ(walk(b), iota_vector(0, 3000));
    b.append_range(iota_vector(3000, 3100));
    EXPECT_EQ(walk(b), iota_vector(0, 3100));
    EXPECT_EQ(walk(l), iota_vector(0, 3000));
}

TEST(list_api, builder_swap_member_and_free) {
    builder a = iota_list(0, 3).to_builder();
    builder b = iota_list(10, 50).to_builder();
    a.swap(b);
    EXPECT_EQ(walk(a), iota_vector(10, 50));
    EXPECT_EQ(walk(b), iota_vector(0, 3));
    swap(a, b);
    EXPECT_EQ(walk(a), iota_vector(0, 3));
    EXPECT_EQ(walk(b), iota_vector(10, 50));
}

TEST(list_api, rvalue_changes_chain_into_new_versions) {
    const list<int> kept = iota_list(0, 40);
    list<int> l = kept;
    l = std::move(l).push_back(40).push_back(41).set(0, -1).pop_back().update(1, [](int x) { return x * 100; });
    EXPECT_EQ(l.size(), 41u);
    EXPECT_EQ(l[0], -1);
    EXPECT_EQ(l[1], 100);
    EXPECT_EQ(l[40], 40);
    EXPECT_EQ(walk(kept), iota_vector(0, 40)); // shared nodes were copied, never changed

    const list<std::string> words = list<std::string>().push_back("a").push_back("b").push_front("z");
    EXPECT_EQ(walk(words), (std::vector<std::string>{"z", "a", "b"}));
}

TEST(list_api, nothing_leaks_through_chained_builders) {
    const auto live = counting_policy::live_nodes();
    {
        list<int, counting_policy>::builder b;
        for (int i = 0; i < 2000; ++i) b.push_back(i).push_back(i);
        const auto l = b.build();
        b.pop_back().set(5, 0).push_back(1);
        EXPECT_EQ(l.size(), 4000u);
        EXPECT_EQ(std::ranges::distance(b.begin(), b.end()), 4000);
    }
    EXPECT_EQ(counting_policy::live_nodes(), live);
}
