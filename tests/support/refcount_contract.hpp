#pragma once
// The contract every reference count keeps, whichever kind and mode: starts at one owner,
// retain adds one, release reports the last owner going away.

#include <gtest/gtest.h>

namespace immutable::test {

template <class Refcount>
void expect_refcount_contract() {
    Refcount c;
    EXPECT_TRUE(c.unique());
    c.retain();
    c.retain();
    EXPECT_EQ(c.count(), 3u);
    EXPECT_FALSE(c.unique());
    EXPECT_FALSE(c.release());
    EXPECT_FALSE(c.release());
    EXPECT_TRUE(c.unique());
    EXPECT_TRUE(c.release());
}

} // namespace immutable::test
