// Replays deterministic pseudo-random inputs through the map/set fuzz body
// (fuzz/map_fuzz.cpp), so its checks run in every test configuration (ASan, UBSan) without
// libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#define IMMUTABLE_MAP_FUZZ_NO_ENTRY_POINT
#include "../fuzz/map_fuzz.cpp"

TEST(map_fuzz_replay, random_inputs_pass_every_check) {
    std::mt19937 rng(20241125u);
    for (int i = 0; i < 120; ++i) {
        std::vector<std::uint8_t> data(1 + rng() % 1200);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        ASSERT_EQ(map_fuzz::run_one(data.data(), data.size()), "") << "input " << i;
    }
}

// Long runs of builder inserts and erases on few keys: nodes grow and shrink in place and
// the builder recycles their blocks, with every built version kept and re-checked.
TEST(map_fuzz_replay, builder_heavy_inputs) {
    std::mt19937 rng(7u);
    for (int i = 0; i < 40; ++i) {
        std::vector<std::uint8_t> data(4 * (1 + rng() % 300));
        for (std::size_t j = 0; j < data.size(); j += 4) {
            data[j] = static_cast<std::uint8_t>(rng() % 4 == 0 ? 3 : 2); // mostly builder.set
            data[j + 1] = static_cast<std::uint8_t>(rng());
            data[j + 2] = static_cast<std::uint8_t>(rng() % 4);
            data[j + 3] = static_cast<std::uint8_t>(rng());
        }
        ASSERT_EQ(map_fuzz::run_one(data.data(), data.size()), "") << "input " << i;
    }
}

TEST(map_fuzz_replay, empty_and_tiny_inputs) {
    EXPECT_EQ(map_fuzz::run_one(nullptr, 0), "");
    for (int b = 0; b < 256; ++b) {
        const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(255 - b), 1,
                                       static_cast<std::uint8_t>(b * 7)};
        EXPECT_EQ(map_fuzz::run_one(bytes, 4), "") << b;
    }
}
