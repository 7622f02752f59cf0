// The debug checks of the unchecked accessors: with IMMUTABLE_ASSERTIONS defined, an
// out-of-range operator[] or an iterator moved or dereferenced outside its container
// aborts with a message naming the accessor, the index and the size; in-range use is
// unaffected, and front/back still throw.
#define IMMUTABLE_ASSERTIONS 1

#include <gtest/gtest.h>

#include <cstdlib>

#include <stdexcept>
#include <string>

#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/pool.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

static_assert(IMMUTABLE_ASSERTIONS_ENABLED == 1);

namespace {

class debug_assertions_test : public ::testing::Test {
protected:
    // threadsafe re-executes the binary; GTEST_DEATH_TEST_STYLE=fast (scripts/test-arm:
    // qemu-user cannot re-execute a foreign binary) keeps gtest's fork-only style.
    void SetUp() override {
        if (std::getenv("GTEST_DEATH_TEST_STYLE") == nullptr) GTEST_FLAG_SET(death_test_style, "threadsafe");
    }
};

immutable::list<int> three() { return {1, 2, 3}; }

// Long enough for several leaves and a tree above them.
immutable::list<int> thousand() {
    immutable::list<int>::builder b;
    for (int i = 0; i < 1000; ++i) b.push_back(i);
    return b.build();
}

TEST_F(debug_assertions_test, list_index_out_of_range_aborts_naming_index_and_size) {
    const auto l = three();
    EXPECT_DEATH((void)l[7], "immutable::list::operator\\[\\]: precondition failed: index 7 is out of range for size 3");
    EXPECT_DEATH((void)l[3], "index 3 is out of range for size 3");
    EXPECT_DEATH((void)immutable::list<int>{}[0], "index 0 is out of range for size 0");
    EXPECT_DEATH((void)thousand()[1000], "index 1000 is out of range for size 1000");
    EXPECT_EQ(l[2], 3);
    EXPECT_EQ(thousand()[999], 999);
}

TEST_F(debug_assertions_test, pooled_list_index_is_checked_too) {
    const immutable::list<int, immutable::pooled_policy> l{1, 2};
    EXPECT_DEATH((void)l[2], "index 2 is out of range for size 2");
    const immutable::list<int, immutable::single_thread_heap_policy> s{1};
    EXPECT_DEATH((void)s[1], "index 1 is out of range for size 1");
}

TEST_F(debug_assertions_test, list_builder_index_out_of_range_aborts) {
    auto b = three().to_builder();
    EXPECT_DEATH((void)b[3], "immutable::list::builder::operator\\[\\]: precondition failed: index 3 is out of range for size 3");
    b.push_back(4);
    EXPECT_EQ(b[3], 4);
}

TEST_F(debug_assertions_test, queue_index_out_of_range_aborts) {
    const auto q = immutable::queue<int>{}.push(1).push(2).push(3).pop();
    EXPECT_DEATH((void)q[2], "immutable::queue::operator\\[\\]: precondition failed: index 2 is out of range for size 2");
    EXPECT_DEATH((void)immutable::queue<int>{}[0], "index 0 is out of range for size 0");
    EXPECT_EQ(q[1], 3);
}

TEST_F(debug_assertions_test, list_iterator_outside_the_list_aborts) {
    const auto l = three();
    EXPECT_DEATH((void)*l.end(), "immutable::list::iterator::operator\\*: precondition failed: dereferencing an end iterator");
    const immutable::list<std::string> words{"a"};
    EXPECT_DEATH((void)words.end()->size(), "immutable::list::iterator::operator->: precondition failed");
    EXPECT_DEATH(++l.end(), "incrementing an end iterator");
    EXPECT_DEATH(--l.begin(), "decrementing a begin iterator");
    EXPECT_DEATH((void)(l.begin() + 4), "moving the iterator outside \\[begin, end\\]");
    EXPECT_DEATH((void)(l.begin() - 1), "moving the iterator outside \\[begin, end\\]");
    EXPECT_DEATH((void)l.begin()[3], "immutable::list::iterator::operator\\[\\]: precondition failed: index 3 is out of range for size 3");
    const auto big = thousand();
    EXPECT_DEATH((void)*(big.begin() + 1000), "dereferencing an end iterator");
    // The ends themselves are fine to reach, and what is in range reads normally.
    EXPECT_TRUE(l.begin() + 3 == l.end());
    EXPECT_EQ(*(l.end() - 1), 3);
    EXPECT_EQ(l.begin()[2], 3);
    EXPECT_EQ(*(big.end() - 1), 999);
}

TEST_F(debug_assertions_test, queue_iterator_outside_the_queue_aborts) {
    const auto q = immutable::queue<int>{}.push(1).push(2);
    EXPECT_DEATH((void)*q.end(), "dereferencing an end iterator");
    EXPECT_DEATH((void)(q.begin() + 3), "moving the iterator outside");
}

TEST_F(debug_assertions_test, map_and_set_iterators_at_the_end_abort) {
    const immutable::map<int, int> m{{1, 10}};
    EXPECT_DEATH((void)*m.end(), "immutable::map/set iterator::operator\\*: precondition failed: dereferencing an end iterator");
    EXPECT_DEATH(++m.end(), "incrementing an end iterator");
    const immutable::set<std::string> s{"a"};
    EXPECT_DEATH((void)s.end()->size(), "dereferencing an end iterator");
    EXPECT_EQ(m.begin()->second, 10);
}

TEST_F(debug_assertions_test, sorted_iterators_outside_the_container_abort) {
    const immutable::sorted_map<int, int> m{{1, 10}, {2, 20}};
    EXPECT_DEATH((void)*m.end(), "immutable::sorted iterator::operator\\*: precondition failed: dereferencing an end iterator");
    EXPECT_DEATH(++m.end(), "incrementing an end iterator");
    EXPECT_DEATH(--m.begin(), "decrementing a begin iterator");
    const immutable::sorted_set<int> s{1, 2, 3};
    EXPECT_DEATH((void)*s.end(), "dereferencing an end iterator");
    EXPECT_EQ(*std::prev(s.end()), 3);
    EXPECT_EQ(std::prev(m.end())->second, 20);
}

// Every checked step, taken in range outside a death test (whose child process aborts),
// moves and reads as without the checks.
TEST_F(debug_assertions_test, checked_iterator_steps_in_range_are_unaffected) {
    const immutable::list<std::string> words{"a", "bc"};
    auto w = words.begin();
    EXPECT_EQ(w->size(), 1u);
    ++w;
    EXPECT_EQ(w->size(), 2u);
    --w;
    EXPECT_EQ(*w, "a");
    const immutable::map<int, int> m{{1, 10}};
    auto mi = m.begin();
    EXPECT_EQ((*mi).second, 10);
    ++mi;
    EXPECT_TRUE(mi == m.end());
    const immutable::sorted_set<int> s{1, 2};
    auto si = s.begin();
    ++si;
    EXPECT_EQ(*si, 2);
    ++si;
    EXPECT_TRUE(si == s.end());
}

TEST_F(debug_assertions_test, front_and_back_still_throw) {
    const immutable::list<int> l;
    EXPECT_THROW((void)l.front(), std::out_of_range);
    EXPECT_THROW((void)l.back(), std::out_of_range);
    EXPECT_THROW((void)immutable::queue<int>{}.front(), std::out_of_range);
    EXPECT_THROW((void)l.at(0), std::out_of_range);
}

} // namespace
