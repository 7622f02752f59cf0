// Replays deterministic pseudo-random inputs through the sorted_map / sorted_set fuzz body
// (fuzz/sorted_fuzz_body.hpp), including comparators that are not strict weak orders, so
// the fuzz checks run in every test configuration (ASan, UBSan) without libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "../fuzz/sorted_fuzz_body.hpp"

namespace {

std::vector<std::uint8_t> random_input(std::mt19937& rng, std::uint8_t comparator_mode, std::size_t length) {
    std::vector<std::uint8_t> data(length);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    data[0] = comparator_mode;
    return data;
}

class sorted_fuzz_replay : public ::testing::TestWithParam<int> {};

TEST_P(sorted_fuzz_replay, random_inputs_pass_every_check) {
    const auto comparator_mode = static_cast<std::uint8_t>(GetParam());
    std::mt19937 rng(1234u + comparator_mode);
    for (int i = 0; i < 24; ++i) {
        const std::size_t length = 1 + rng() % 700;
        const auto data = random_input(rng, comparator_mode, length);
        const std::string error = sorted_fuzz::run_one(data.data(), data.size());
        ASSERT_EQ(error, "") << "comparator mode " << GetParam() << ", input " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(all_comparators, sorted_fuzz_replay,
                         ::testing::Range(0, static_cast<int>(sorted_fuzz::mode::count)));

TEST(sorted_fuzz_replay_edges, empty_and_tiny_inputs) {
    EXPECT_EQ(sorted_fuzz::run_one(nullptr, 0), "");
    for (int b = 0; b < 256; ++b) {
        const std::uint8_t one[2] = {static_cast<std::uint8_t>(b % 7), static_cast<std::uint8_t>(b)};
        EXPECT_EQ(sorted_fuzz::run_one(one, 2), "");
    }
}

} // namespace
