// Cachegrind driver: immutable::sorted_map<std::int64_t, std::int64_t> (random find,
// in-order iteration, persistent insert of an absent key) beside std::map. See driver.hpp and docs/benchmarks/cache.md.
#include "driver.hpp"

#include <map>

#if __has_include(<immutable/sorted_map.hpp>)
#include <immutable/sorted_map.hpp>
#define IMMUTABLE_CACHE_HAVE_SORTED_MAP 1
#endif

namespace {

using namespace immutable_cache;

std::map<std::int64_t, std::int64_t> g_std_map;

void std_map_setup(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) g_std_map.emplace(key_at(i), static_cast<std::int64_t>(i));
}
std::int64_t std_map_find(std::uint64_t n, std::uint64_t ops) { return find_random(g_std_map, n, ops); }
std::int64_t std_map_iterate(std::uint64_t, std::uint64_t) { return iterate_entries(g_std_map); }

#ifdef IMMUTABLE_CACHE_HAVE_SORTED_MAP
immutable::sorted_map<std::int64_t, std::int64_t> g_sorted;

void sorted_setup(std::uint64_t n) { g_sorted = build_map<immutable::sorted_map<std::int64_t, std::int64_t>>(n); }
std::int64_t sorted_find(std::uint64_t n, std::uint64_t ops) { return find_random(g_sorted, n, ops); }
std::int64_t sorted_iterate(std::uint64_t, std::uint64_t) { return iterate_entries(g_sorted); }
// One new version per insert, dropped at once (as bench/sorted_bench.cpp insert_random):
// a path copy, then its release. key_at(n + k) is never in the map.
std::int64_t sorted_insert(std::uint64_t n, std::uint64_t ops) {
    std::int64_t sum = 0;
    for (std::uint64_t k = 0; k < ops; ++k) {
        auto next = g_sorted.set(key_at(n + random_position(k, n)), 1);
        sum += static_cast<std::int64_t>(next.size());
    }
    return sum;
}
#endif

} // namespace

int main(int argc, char** argv) {
    std::vector<workload> workloads{
        {"sorted_map/find_random/std::map", std_map_setup, std_map_find, false},
        {"sorted_map/iterate/std::map", std_map_setup, std_map_iterate, true},
#ifdef IMMUTABLE_CACHE_HAVE_SORTED_MAP
        {"sorted_map/find_random/immutable::sorted_map", sorted_setup, sorted_find, false},
        {"sorted_map/iterate/immutable::sorted_map", sorted_setup, sorted_iterate, true},
        {"sorted_map/insert_random/immutable::sorted_map(persistent)", sorted_setup, sorted_insert, false},
#endif
    };
    return run(workloads, argc, argv);
}
