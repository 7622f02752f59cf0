#pragma once
// A test fixture that checks every node a test made through Policy (a counted<P>) is freed
// again by the end of the test.

#include <gtest/gtest.h>

#include <cstdint>

namespace immutable::test {

template <class Policy>
class no_leaks_test : public ::testing::Test {
protected:
    void SetUp() override { nodes_ = Policy::live_nodes(); }
    void TearDown() override { EXPECT_EQ(Policy::live_nodes(), nodes_) << "nodes leaked"; }

private:
    std::int64_t nodes_ = 0;
};

} // namespace immutable::test
