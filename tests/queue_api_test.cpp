// immutable::queue's API shared with the other containers: policy_type, the builder's
// chaining changes, and its iterators over the current content.
#include <gtest/gtest.h>

#include <concepts>
#include <string>
#include <type_traits>
#include <vector>

#include <immutable/detail/queue/debug.hpp>
#include <immutable/memory.hpp>
#include <immutable/queue.hpp>

#include "support/failing_policy.hpp"

using immutable::queue;
using immutable::test::counted_policy;

namespace {

template <class B>
std::vector<typename B::value_type> contents(const B& b) {
    return std::vector<typename B::value_type>(b.begin(), b.end());
}

std::vector<int> iota_vector(int first, int last) {
    std::vector<int> v;
    for (int i = first; i < last; ++i) v.push_back(i);
    return v;
}

} // namespace

static_assert(std::same_as<queue<int>::policy_type, immutable::default_policy>);
static_assert(std::same_as<queue<int, counted_policy>::policy_type, counted_policy>);
template <class C>
concept has_old_policy_name = requires { typename C::memory_policy_type; };
static_assert(!has_old_policy_name<queue<int>>);

static_assert(std::is_nothrow_default_constructible_v<queue<int>::builder>);
static_assert(std::same_as<decltype(std::declval<queue<int>::builder&>().push(1)), queue<int>::builder&>);
static_assert(std::same_as<decltype(std::declval<queue<int>::builder&>().push(std::declval<const int&>())),
                           queue<int>::builder&>);
static_assert(std::same_as<decltype(std::declval<queue<int>::builder&>().pop()), queue<int>::builder&>);
static_assert(std::same_as<queue<int>::builder::const_iterator, queue<int>::const_iterator>);

TEST(queue_api, builder_changes_chain) {
    queue<int>::builder b;
    b.push(1).push(2).push(3).pop().push(4);
    EXPECT_EQ(contents(b), (std::vector<int>{2, 3, 4}));
    const queue<int> q = b.build();
    EXPECT_EQ(std::vector<int>(q.begin(), q.end()), (std::vector<int>{2, 3, 4}));
}

TEST(queue_api, builder_iterates_its_current_content_front_to_back) {
    queue<int>::builder empty;
    EXPECT_EQ(empty.begin(), empty.end());
    EXPECT_EQ(empty.cbegin(), empty.cend());

    const std::vector<int> first = iota_vector(0, 100);
    const queue<int> q(first.begin(), first.end());
    auto b = q.to_builder();
    EXPECT_EQ(contents(b), iota_vector(0, 100));
    for (int i = 0; i < 60; ++i) b.pop(); // past a compaction
    using checker = immutable::detail::queue::invariant_checker<int, immutable::default_policy>;
    EXPECT_EQ(checker::check_builder(b), "");
    EXPECT_EQ(contents(b), iota_vector(60, 100));
    for (int i = 100; i < 1100; ++i) b.push(i);
    EXPECT_EQ(contents(b), iota_vector(60, 1100));
    EXPECT_EQ(static_cast<std::size_t>(b.end() - b.begin()), b.size());
    EXPECT_EQ(*b.begin(), b.front());
    EXPECT_EQ(*(b.end() - 1), b.back());
    while (!b.empty()) b.pop();
    EXPECT_EQ(b.begin(), b.end());
    EXPECT_EQ(std::vector<int>(q.begin(), q.end()), iota_vector(0, 100)); // q unchanged
}

TEST(queue_api, builder_iterators_see_what_build_returns) {
    queue<std::string>::builder b;
    for (int i = 0; i < 40; ++i) b.push(std::to_string(i));
    for (int i = 0; i < 35; ++i) b.pop();
    const auto built = b.build();
    EXPECT_EQ(contents(b), std::vector<std::string>(built.begin(), built.end()));
}

TEST(queue_api, nothing_leaks_through_the_builder_iterators) {
    const auto live = counted_policy::live_nodes();
    {
        queue<int, counted_policy>::builder b;
        for (int i = 0; i < 2000; ++i) b.push(i);
        for (int i = 0; i < 1500; ++i) b.pop();
        long sum = 0;
        for (int x : b) sum += x;
        EXPECT_EQ(sum, (1500L + 1999L) * 500L / 2L);
    }
    EXPECT_EQ(counted_policy::live_nodes(), live);
}
