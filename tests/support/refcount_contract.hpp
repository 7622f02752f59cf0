#pragma once
// The contract every reference count keeps, whichever kind: starts at one owner, retain adds
// one, release reports the last owner going away, unique() sees a sole owner. Checked on a
// count that heads a node of its own, as counts do in containers.

#include <gtest/gtest.h>

namespace immutable::test {

template <class Refcount>
struct lone_count {
    Refcount refs;
};

// A node family for lone_count (detail/ownership.hpp): nothing to destroy.
template <class Refcount>
struct lone_count_family {
    using node_type = lone_count<Refcount>;
    static void dispose(node_type*) noexcept {}
};

template <class Refcount>
void expect_refcount_contract() {
    using family = lone_count_family<Refcount>;
    lone_count<Refcount> n;
    EXPECT_TRUE(n.refs.unique());
    n.refs.retain();
    n.refs.retain();
    EXPECT_EQ(n.refs.count(), 3u);
    EXPECT_FALSE(n.refs.unique());
    EXPECT_FALSE(n.refs.template release<family>(&n));
    EXPECT_FALSE(n.refs.template release<family>(&n));
    EXPECT_TRUE(n.refs.unique());
    EXPECT_TRUE(n.refs.template release<family>(&n));
}

} // namespace immutable::test
