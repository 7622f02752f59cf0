// callgrind driver: 200,000 persistent updates on a 100,000-element base, each new version
// dropped at once (as the benchmark does). Only the update loop is collected.
//   usage: allocator_bound_callgrind <op> <policy>   op: map_set list_set map_insert set_insert sorted_map_set list_push_back
//                                                    policy: heap pooled ideal ideal_plain st_heap
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <valgrind/callgrind.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "ideal_policy.hpp"

using std::int64_t;
static std::uint64_t mix(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
constexpr std::size_t n = 100000, ops = 200000;

template <class P>
int run(const std::string& op) {
    std::vector<int64_t> keys(n), absent(ops);
    for (std::size_t i = 0; i < n; ++i) keys[i] = static_cast<int64_t>(mix(i));
    for (std::size_t i = 0; i < ops; ++i) absent[i] = static_cast<int64_t>(mix(i + (1ULL << 40)));
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::size_t> d(0, n - 1);
    std::vector<std::size_t> order(ops);
    for (auto& o : order) o = d(rng);
    std::uintptr_t sink = 0;
    auto touch = [&](const void* p) { sink += reinterpret_cast<std::uintptr_t>(p); };
    if (op == "list_set" || op == "list_push_back") {
        typename immutable::list<int64_t, P>::builder b;
        for (int64_t k : keys) b.push_back(k);
        const immutable::list<int64_t, P> base = b.build();
        CALLGRIND_TOGGLE_COLLECT;
        if (op == "list_set") {
            for (std::size_t i = 0; i < ops; ++i) touch(base.set(order[i], static_cast<int64_t>(i)).identity());
        } else {
            for (std::size_t i = 0; i < ops; ++i) touch(base.push_back(static_cast<int64_t>(i)).identity());
        }
        CALLGRIND_TOGGLE_COLLECT;
    } else if (op == "map_set" || op == "map_insert") {
        using M = immutable::map<int64_t, int64_t, std::hash<int64_t>, std::equal_to<int64_t>, P>;
        typename M::builder b;
        for (std::size_t i = 0; i < n; ++i) b.set(keys[i], static_cast<int64_t>(i));
        const M base = b.build();
        CALLGRIND_TOGGLE_COLLECT;
        if (op == "map_set") {
            for (std::size_t i = 0; i < ops; ++i) touch(base.set(keys[order[i]], -static_cast<int64_t>(i)).identity());
        } else {
            for (std::size_t i = 0; i < ops; ++i) touch(base.set(absent[i], 1).identity());
        }
        CALLGRIND_TOGGLE_COLLECT;
    } else if (op == "set_insert") {
        using S = immutable::set<int64_t, std::hash<int64_t>, std::equal_to<int64_t>, P>;
        typename S::builder b;
        for (int64_t k : keys) b.insert(k);
        const S base = b.build();
        CALLGRIND_TOGGLE_COLLECT;
        for (std::size_t i = 0; i < ops; ++i) touch(base.insert(absent[i]).identity());
        CALLGRIND_TOGGLE_COLLECT;
    } else if (op == "sorted_map_set") {
        using M = immutable::sorted_map<int64_t, int64_t, std::less<int64_t>, P>;
        typename M::builder b;
        for (std::size_t i = 0; i < n; ++i) b.set(keys[i], static_cast<int64_t>(i));
        const M base = b.build();
        CALLGRIND_TOGGLE_COLLECT;
        for (std::size_t i = 0; i < ops; ++i) touch(base.set(keys[order[i]], -static_cast<int64_t>(i)).identity());
        CALLGRIND_TOGGLE_COLLECT;
    } else {
        std::fprintf(stderr, "unknown op\n");
        return 2;
    }
    std::printf("%s done (sink %zu)\n", op.c_str(), static_cast<std::size_t>(sink & 0xff));
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    const std::string op = argv[1], pol = argv[2];
    if (pol == "heap") return run<immutable::heap_policy>(op);
    if (pol == "pooled") return run<immutable::pooled_policy>(op);
    if (pol == "ideal") return run<allocator_bound::ideal_policy>(op);
    if (pol == "ideal_plain") return run<allocator_bound::ideal_plain_policy>(op);
    if (pol == "st_heap") return run<immutable::single_thread_heap_policy>(op);
    return 2;
}
