// Instructions per allocate + free pair of the pools' fast path, for callgrind: a
// deterministic count, so two builds (two size class layouts, say) compare exactly on a
// machine too busy for timings. 2,000 rounds allocate 1,000 blocks of the node sizes an
// int64 map, sorted_map and list ask for, then free them in reverse order.
//   usage: pool_instructions pooled|node_pool
//   valgrind --tool=callgrind pool_instructions pooled   # I refs / 2,000,000 = per pair
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

immutable::node_pool instance_pool;

// A sample of the live node sizes of bench/sustained_load_bench.cpp (CHAMP nodes of 56 to
// 104 bytes, list leaves of 264 and 280, B+tree leaves of 520 and 528).
constexpr std::size_t node_sizes[] = {56, 72, 88, 280, 520, 528, 48, 264, 104, 56};
constexpr std::size_t kinds = sizeof(node_sizes) / sizeof(node_sizes[0]);

template <class Allocate, class Free>
std::uint64_t churn(Allocate allocate, Free free) {
    std::vector<void*> blocks(1000);
    std::uint64_t sum = 0;
    for (std::size_t round = 0; round < 2000; ++round) {
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            blocks[i] = allocate(node_sizes[(i + round) % kinds]);
            *static_cast<std::uint64_t*>(blocks[i]) = i; // touched, as a node header would be
        }
        for (std::size_t i = blocks.size(); i-- > 0;) {
            sum += *static_cast<std::uint64_t*>(blocks[i]);
            free(blocks[i], node_sizes[(i + round) % kinds]);
        }
    }
    return sum;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "pooled") == 0) {
        std::printf("%llu\n", static_cast<unsigned long long>(churn(
                                  [](std::size_t n) { return immutable::pooled_policy::allocate(n); },
                                  [](void* p, std::size_t n) { immutable::pooled_policy::deallocate(p, n); })));
        return 0;
    }
    if (argc == 2 && std::strcmp(argv[1], "node_pool") == 0) {
        std::printf("%llu\n", static_cast<unsigned long long>(churn(
                                  [](std::size_t n) { return instance_pool.allocate(n); },
                                  [](void* p, std::size_t n) { instance_pool.deallocate(p, n); })));
        return 0;
    }
    std::fprintf(stderr, "usage: %s pooled|node_pool\n", argv[0]);
    return 2;
}
