// Replays deterministic pseudo-random inputs through the list fuzz body (fuzz/list_fuzz.cpp),
// so its checks run in every test configuration (ASan, UBSan) without libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#define IMMUTABLE_LIST_FUZZ_NO_ENTRY_POINT
#include "../fuzz/list_fuzz.cpp"

TEST(list_fuzz_replay, random_inputs_pass_every_check) {
    std::mt19937 rng(20240611u);
    for (int i = 0; i < 150; ++i) {
        std::vector<std::uint8_t> data(1 + rng() % 1500);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        ASSERT_EQ(list_fuzz::run_one(data.data(), data.size()), "") << "input " << i;
    }
}

TEST(list_fuzz_replay, empty_and_tiny_inputs) {
    EXPECT_EQ(list_fuzz::run_one(nullptr, 0), "");
    for (int b = 0; b < 256; ++b) {
        const std::uint8_t bytes[3] = {0, static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(255 - b)};
        EXPECT_EQ(list_fuzz::run_one(bytes, 3), "") << b;
    }
}
