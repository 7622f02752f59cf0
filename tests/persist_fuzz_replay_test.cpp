// Replays the persistence fuzz body (fuzz/persist_fuzz.cpp) on the committed corpus
// (fuzz/corpus/persist_fuzz/) and on deterministic mutations of it, so its checks run in every
// test configuration (ASan, UBSan) without libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#define IMMUTABLE_PERSIST_FUZZ_NO_ENTRY_POINT
#include "../fuzz/persist_fuzz.cpp"

namespace {

std::vector<std::vector<std::uint8_t>> corpus() {
    const auto dir = std::filesystem::path(__FILE__).parent_path() / ".." / "fuzz" / "corpus" / "persist_fuzz";
    std::vector<std::vector<std::uint8_t>> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
}

} // namespace

TEST(persist_fuzz_replay, corpus_passes_every_check) {
    const auto inputs = corpus();
    ASSERT_GE(inputs.size(), 8u);
    for (std::size_t i = 0; i < inputs.size(); ++i)
        ASSERT_EQ(persist_fuzz::run_one(inputs[i].data(), inputs[i].size()), "") << "corpus file " << i;
}

TEST(persist_fuzz_replay, todays_seeds_pass_every_check) {
    // The corpus was made from these (mode byte 1, then the document); node capacities and
    // std::hash vary by platform, so the bytes are regenerated here rather than compared.
    for (const auto& seed : persist_fuzz::seeds()) {
        std::vector<std::uint8_t> input{1};
        for (std::byte b : seed) input.push_back(static_cast<std::uint8_t>(b));
        ASSERT_EQ(persist_fuzz::run_one(input.data(), input.size()), "") << seed.size() << "-byte seed";
    }
}

TEST(persist_fuzz_replay, mutations_of_the_corpus_pass_every_check) {
    const auto inputs = corpus();
    std::mt19937 rng(20261207u);
    for (int round = 0; round < 3000; ++round) {
        std::vector<std::uint8_t> data = inputs[rng() % inputs.size()];
        if (data.size() < 2) continue;
        const int edits = 1 + static_cast<int>(rng() % 6);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = 1 + rng() % (data.size() - 1);
            switch (rng() % 4) {
            case 0: data[at] = static_cast<std::uint8_t>(rng()); break;
            case 1: data[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
            case 2: data.erase(data.begin() + static_cast<std::ptrdiff_t>(at)); break;
            default: data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng())); break;
            }
            if (data.size() < 2) break;
        }
        data[0] = static_cast<std::uint8_t>(rng() % 4 != 0); // mostly resealed
        ASSERT_EQ(persist_fuzz::run_one(data.data(), data.size()), "") << "round " << round;
    }
}

TEST(persist_fuzz_replay, empty_and_tiny_inputs) {
    EXPECT_EQ(persist_fuzz::run_one(nullptr, 0), "");
    for (int b = 0; b < 256; ++b) {
        const std::uint8_t bytes[3] = {static_cast<std::uint8_t>(b & 1), static_cast<std::uint8_t>(b), 0x89};
        EXPECT_EQ(persist_fuzz::run_one(bytes, 3), "");
    }
}
