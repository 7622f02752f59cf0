// libFuzzer target for sorted_map / sorted_set (built with clang, -DIMMUTABLE_BUILD_FUZZERS=ON).
// The body is shared with tests/sorted_fuzz_replay_test.cpp; see fuzz/sorted_fuzz_body.hpp.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "sorted_fuzz_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string error = sorted_fuzz::run_one(data, size);
    if (!error.empty()) {
        std::fprintf(stderr, "sorted_fuzz: %s\n", error.c_str());
        std::abort();
    }
    return 0;
}
