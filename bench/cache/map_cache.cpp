// Cachegrind driver: immutable::map<std::int64_t, std::int64_t> (random find, iteration)
// beside std::unordered_map. See driver.hpp and docs/benchmarks/cache.md.
#include "driver.hpp"

#include <unordered_map>

#if __has_include(<immutable/map.hpp>)
#include <immutable/map.hpp>
#define IMMUTABLE_CACHE_HAVE_MAP 1
#endif

namespace {

using namespace immutable_cache;

std::unordered_map<std::int64_t, std::int64_t> g_unordered;

void unordered_setup(std::uint64_t n) {
    g_unordered.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) g_unordered.emplace(key_at(i), static_cast<std::int64_t>(i));
}
std::int64_t unordered_find(std::uint64_t n, std::uint64_t ops) { return find_random(g_unordered, n, ops); }
std::int64_t unordered_iterate(std::uint64_t, std::uint64_t) { return iterate_entries(g_unordered); }

#ifdef IMMUTABLE_CACHE_HAVE_MAP
immutable::map<std::int64_t, std::int64_t> g_map;

void map_setup(std::uint64_t n) { g_map = build_map<immutable::map<std::int64_t, std::int64_t>>(n); }
std::int64_t map_find(std::uint64_t n, std::uint64_t ops) { return find_random(g_map, n, ops); }
std::int64_t map_iterate(std::uint64_t, std::uint64_t) { return iterate_entries(g_map); }
#endif

} // namespace

int main(int argc, char** argv) {
    std::vector<workload> workloads{
        {"map/find_random/std::unordered_map", unordered_setup, unordered_find, false},
        {"map/iterate/std::unordered_map", unordered_setup, unordered_iterate, true},
#ifdef IMMUTABLE_CACHE_HAVE_MAP
        {"map/find_random/immutable::map", map_setup, map_find, false},
        {"map/iterate/immutable::map", map_setup, map_iterate, true},
#endif
    };
    return run(workloads, argc, argv);
}
