// Cachegrind driver: immutable::list<std::int64_t> (random index, iteration, for_each_chunk)
// beside std::vector<std::int64_t>. See driver.hpp and docs/benchmarks/cache.md.
#include "driver.hpp"

#include <vector>

#if __has_include(<immutable/list.hpp>)
#include <immutable/list.hpp>
#define IMMUTABLE_CACHE_HAVE_LIST 1
#endif

namespace {

using namespace immutable_cache;

std::vector<std::int64_t> g_vector;

void vector_setup(std::uint64_t n) {
    g_vector.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) g_vector.push_back(key_at(i));
}
std::int64_t vector_index(std::uint64_t n, std::uint64_t ops) {
    std::int64_t sum = 0;
    for (std::uint64_t k = 0; k < ops; ++k) sum += g_vector[random_position(k, n)];
    return sum;
}
std::int64_t vector_iterate(std::uint64_t, std::uint64_t) {
    std::int64_t sum = 0;
    for (std::int64_t x : g_vector) sum += x;
    return sum;
}

#ifdef IMMUTABLE_CACHE_HAVE_LIST
immutable::list<std::int64_t> g_list;

// Built the way an application builds a large list: through a builder, then frozen.
void list_setup(std::uint64_t n) {
    immutable::list<std::int64_t>::builder b;
    for (std::uint64_t i = 0; i < n; ++i) b.push_back(key_at(i));
    g_list = b.build();
}
std::int64_t list_index(std::uint64_t n, std::uint64_t ops) {
    std::int64_t sum = 0;
    for (std::uint64_t k = 0; k < ops; ++k) sum += g_list[random_position(k, n)];
    return sum;
}
std::int64_t list_iterate(std::uint64_t, std::uint64_t) {
    std::int64_t sum = 0;
    for (std::int64_t x : g_list) sum += x;
    return sum;
}
std::int64_t list_chunks(std::uint64_t, std::uint64_t) {
    std::int64_t sum = 0;
    for_each_chunk(g_list, [&sum](const std::int64_t* first, const std::int64_t* last) {
        for (; first != last; ++first) sum += *first;
    });
    return sum;
}
#endif

} // namespace

int main(int argc, char** argv) {
    std::vector<workload> workloads{
        {"list/index_random/std::vector", vector_setup, vector_index, false},
        {"list/iterate/std::vector", vector_setup, vector_iterate, true},
#ifdef IMMUTABLE_CACHE_HAVE_LIST
        {"list/index_random/immutable::list", list_setup, list_index, false},
        {"list/iterate/immutable::list", list_setup, list_iterate, true},
        {"list/for_each_chunk/immutable::list", list_setup, list_chunks, true},
#endif
    };
    return run(workloads, argc, argv);
}
