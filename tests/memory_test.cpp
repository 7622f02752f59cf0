// The memory policies and the test-support types every container test relies on.
#include <gtest/gtest.h>

#include <immutable/memory.hpp>

#include "support/counting_policy.hpp"
#include "support/refcount_contract.hpp"
#include "support/throwing_value.hpp"

using immutable::test::counting_policy;
using immutable::test::throwing_value;

static_assert(immutable::memory_policy<immutable::heap_policy>);
static_assert(immutable::memory_policy<immutable::single_thread_heap_policy>);

TEST(refcount, atomic_counts_and_reports_last_release) {
    immutable::test::expect_refcount_contract<immutable::detail::atomic_refcount>();
}

TEST(refcount, plain_counts_and_reports_last_release) {
    immutable::test::expect_refcount_contract<immutable::detail::plain_refcount>();
}

TEST(counting_policy, tracks_live_nodes_and_bytes) {
    auto nodes = counting_policy::live_nodes.load();
    auto bytes = counting_policy::live_bytes.load();
    void* p = counting_policy::allocate(48);
    EXPECT_EQ(counting_policy::live_nodes.load(), nodes + 1);
    EXPECT_EQ(counting_policy::live_bytes.load(), bytes + 48);
    counting_policy::deallocate(p, 48);
    EXPECT_EQ(counting_policy::live_nodes.load(), nodes);
    EXPECT_EQ(counting_policy::live_bytes.load(), bytes);
}

TEST(counting_policy, fails_the_requested_allocation) {
    counting_policy::fail_after(1);
    void* first = counting_policy::allocate(8);
    EXPECT_THROW(counting_policy::allocate(8), std::bad_alloc);
    void* third = counting_policy::allocate(8); // the countdown fires once
    counting_policy::deallocate(first, 8);
    counting_policy::deallocate(third, 8);
    counting_policy::never_fail();
}

TEST(throwing_value, throws_on_the_kth_copy_and_counts_instances) {
    auto live = throwing_value::live;
    {
        throwing_value a(1);
        throwing_value::throw_after(1);
        throwing_value b(a);
        EXPECT_THROW(throwing_value c(a), immutable::test::copy_failure);
        throwing_value::never_throw();
        EXPECT_EQ(b.value(), 1);
        EXPECT_EQ(throwing_value::live, live + 2);
    }
    EXPECT_EQ(throwing_value::live, live);
}
