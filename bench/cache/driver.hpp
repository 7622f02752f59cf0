#pragma once
// Shared part of the cachegrind drivers (bench/cache/*_cache.cpp, run by scripts/cachegrind).
//
// A driver program holds a few workloads, each a pair of phases on one container of n
// elements: `setup` builds it, `measure` reads it (random lookups, or one full iteration).
//
//   list_cache --list                                  the workload names, one per line
//   list_cache WORKLOAD setup   [n] [ops]              build only
//   list_cache WORKLOAD measure [n] [ops]              build, then the measured reads
//
// Cachegrind 3.19 has no client request to start and stop counting, so scripts/cachegrind
// runs both variants and subtracts: the setup is deterministic (same inputs, same
// allocation sequence), so the difference is what the measured reads cost. Both variants
// leave through std::_Exit, so no destructor runs after the measured phase and the two
// runs end identically.
//
// Keys and indexes come from a counter-based generator computed in registers (never read
// from an array), so the measured loop touches only the container. Its cost, a dozen
// instructions per operation, is in every row; the std::vector row shows that floor.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace immutable_cache {

// splitmix64's output function: a bijection on 64-bit integers, so distinct inputs give
// distinct keys.
inline std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// The key stored at position i: distinct, in random order, the same in every driver.
inline std::int64_t key_at(std::uint64_t i) noexcept { return static_cast<std::int64_t>(mix(i ^ 0x5eedull)); }

// The k-th random position in [0, n), n <= 2^32: a multiply-shift of 32 mixed bits (no
// division, negligible bias).
inline std::uint64_t random_position(std::uint64_t k, std::uint64_t n) noexcept {
    return ((mix(k) >> 32) * n) >> 32;
}

struct workload {
    const char* name;                                           // naming contract of bench/
    void (*setup)(std::uint64_t n);                             // builds the container
    std::int64_t (*measure)(std::uint64_t n, std::uint64_t ops); // reads it, returns a checksum
    bool iterates;                                              // measure visits all n elements
};

// Runs one phase of one workload; returns the process exit status.
inline int run(const std::vector<workload>& workloads, int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
        for (const workload& w : workloads) std::printf("%s %s\n", w.name, w.iterates ? "iterate" : "random");
        return 0;
    }
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s --list | WORKLOAD setup|measure [n] [ops]\n", argv[0]);
        return 2;
    }
    const std::string phase = argv[2];
    const std::uint64_t n = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1000000;
    const std::uint64_t ops = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : n;
    for (const workload& w : workloads) {
        if (std::strcmp(w.name, argv[1]) != 0) continue;
        w.setup(n);
        std::int64_t checksum = 0;
        if (phase == "measure") {
            checksum = w.measure(n, ops);
        } else if (phase != "setup") {
            std::fprintf(stderr, "unknown phase %s\n", phase.c_str());
            return 2;
        }
        // Printed in both phases (same format, same length) so the subtraction cancels it.
        std::printf("checksum %020lld\n", static_cast<long long>(checksum));
        std::fflush(stdout);
        std::_Exit(0);
    }
    std::fprintf(stderr, "no workload named %s\n", argv[1]);
    return 2;
}

} // namespace immutable_cache

namespace immutable_cache {

// Builds a persistent map of n entries key_at(i) -> i through its builder when it has one
// (the way a large map is built in practice), else through repeated set().
template <class Map>
Map build_map(std::uint64_t n) {
    if constexpr (requires(typename Map::builder b) {
                      b.set(std::int64_t{}, std::int64_t{});
                      b.build();
                  }) {
        typename Map::builder b;
        for (std::uint64_t i = 0; i < n; ++i) b.set(key_at(i), static_cast<std::int64_t>(i));
        return b.build();
    } else {
        Map m;
        for (std::uint64_t i = 0; i < n; ++i) m = m.set(key_at(i), static_cast<std::int64_t>(i));
        return m;
    }
}

// The mapped value for key k, whether find() returns a pointer (nullptr when absent) or an
// iterator (end() when absent).
template <class Map>
std::int64_t find_value(const Map& m, std::int64_t k) {
    auto found = m.find(k);
    if constexpr (std::is_pointer_v<decltype(found)>) {
        return found != nullptr ? *found : 0;
    } else {
        return found != m.end() ? found->second : 0;
    }
}

template <class Map>
std::int64_t find_random(const Map& m, std::uint64_t n, std::uint64_t ops) {
    std::int64_t sum = 0;
    for (std::uint64_t k = 0; k < ops; ++k) sum += find_value(m, key_at(random_position(k, n)));
    return sum;
}

template <class Map>
std::int64_t iterate_entries(const Map& m) {
    std::int64_t sum = 0;
    for (const auto& entry : m) sum += entry.second;
    return sum;
}

} // namespace immutable_cache
