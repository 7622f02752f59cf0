// Class template argument deduction: each container deduces its element (or key and mapped)
// types from an iterator range, as the standard containers do, including ranges over a
// std::map whose keys are const.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

namespace {

TEST(deduction, sequences_from_an_iterator_range) {
    const std::vector<double> v{1.5, 2.5, 3.5};
    immutable::list l(v.begin(), v.end());
    static_assert(std::is_same_v<decltype(l), immutable::list<double>>);
    EXPECT_EQ(l.size(), 3u);
    EXPECT_EQ(l[2], 3.5);

    immutable::queue q(v.begin(), v.end());
    static_assert(std::is_same_v<decltype(q), immutable::queue<double>>);
    EXPECT_EQ(q.front(), 1.5);

    immutable::list from_list{1, 2, 3};
    static_assert(std::is_same_v<decltype(from_list), immutable::list<int>>);
}

TEST(deduction, sets_from_an_iterator_range) {
    const std::vector<std::string> words{"b", "a", "b"};
    immutable::set s(words.begin(), words.end());
    static_assert(std::is_same_v<decltype(s), immutable::set<std::string>>);
    EXPECT_EQ(s.size(), 2u);

    immutable::sorted_set ss(words.begin(), words.end());
    static_assert(std::is_same_v<decltype(ss), immutable::sorted_set<std::string>>);
    EXPECT_EQ(ss.front(), "a");

    immutable::sorted_set desc(words.begin(), words.end(), std::greater<std::string>());
    static_assert(std::is_same_v<decltype(desc), immutable::sorted_set<std::string, std::greater<std::string>>>);
    EXPECT_EQ(desc.front(), "b");

    immutable::sorted_set from_list({3, 1, 2}, std::greater<int>());
    static_assert(std::is_same_v<decltype(from_list), immutable::sorted_set<int, std::greater<int>>>);
    EXPECT_EQ(from_list.front(), 3);
}

TEST(deduction, maps_from_pairs_and_from_a_std_map) {
    const std::vector<std::pair<int, std::string>> pairs{{2, "two"}, {1, "one"}};
    immutable::map m(pairs.begin(), pairs.end());
    static_assert(std::is_same_v<decltype(m), immutable::map<int, std::string>>);
    EXPECT_EQ(m.at(1), "one");

    const std::map<std::string, long> source{{"x", 1}, {"y", 2}};
    immutable::map from_std(source.begin(), source.end()); // pair<const std::string, long>
    static_assert(std::is_same_v<decltype(from_std), immutable::map<std::string, long>>);
    EXPECT_EQ(from_std.at("y"), 2);

    immutable::sorted_map sm(source.begin(), source.end());
    static_assert(std::is_same_v<decltype(sm), immutable::sorted_map<std::string, long>>);
    EXPECT_EQ(sm.front().first, "x");

    immutable::sorted_map desc(pairs.begin(), pairs.end(), std::greater<int>());
    static_assert(std::is_same_v<decltype(desc), immutable::sorted_map<int, std::string, std::greater<int>>>);
    EXPECT_EQ(desc.front().first, 2);

    immutable::map from_list{std::pair{1, 'a'}, std::pair{2, 'b'}};
    static_assert(std::is_same_v<decltype(from_list), immutable::map<int, char>>);
    immutable::sorted_map sorted_from_list{std::pair{2, 'b'}, std::pair{1, 'a'}};
    static_assert(std::is_same_v<decltype(sorted_from_list), immutable::sorted_map<int, char>>);
    EXPECT_EQ(sorted_from_list.nth(0).second, 'a');
}

} // namespace
