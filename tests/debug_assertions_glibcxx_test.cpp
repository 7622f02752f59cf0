// The debug checks are also on in builds that define only _GLIBCXX_ASSERTIONS, as
// Debian's and many projects' debug builds do.
#define _GLIBCXX_ASSERTIONS 1

#include <gtest/gtest.h>

#include <cstdlib>

#include <immutable/list.hpp>

static_assert(IMMUTABLE_ASSERTIONS_ENABLED == 1);

namespace {

TEST(debug_assertions_glibcxx_test, list_index_out_of_range_aborts) {
    // threadsafe re-executes the binary; GTEST_DEATH_TEST_STYLE=fast (scripts/test-arm:
    // qemu-user cannot re-execute a foreign binary) keeps gtest's fork-only style.
    if (std::getenv("GTEST_DEATH_TEST_STYLE") == nullptr) GTEST_FLAG_SET(death_test_style, "threadsafe");
    const immutable::list<int> l{1, 2, 3};
    EXPECT_DEATH((void)l[7], "immutable::list::operator\\[\\]: precondition failed: index 7 is out of range for size 3");
    EXPECT_EQ(l[0], 1);
}

} // namespace
