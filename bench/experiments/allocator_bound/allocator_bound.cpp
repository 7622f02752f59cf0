// Paired measurement, for a machine shared with other jobs: for each (operation, N) the
// five policies run in short bursts one after another (order rotated every round), each
// burst timed with the thread's CPU clock, and the ratio heap/X is taken PER ROUND; the
// table gives the median over rounds. Noise from other processes then hits both sides of
// a ratio within ~10 ms instead of seconds apart.
// The workloads mirror bench/policy_bench.cpp (a fixed base, each new version dropped at once).
//   usage: allocator_bound [rounds=21] [burst_ms=10] [only_operation] [only_N]
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ideal_policy.hpp"

namespace {
using std::int64_t;
template <class P> using list_t = immutable::list<int64_t, P>;
template <class P> using map_t = immutable::map<int64_t, int64_t, std::hash<int64_t>, std::equal_to<int64_t>, P>;
template <class P> using set_t = immutable::set<int64_t, std::hash<int64_t>, std::equal_to<int64_t>, P>;
template <class P> using sorted_map_t = immutable::sorted_map<int64_t, int64_t, std::less<int64_t>, P>;

std::uint64_t mix(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
struct inputs {
    std::vector<int64_t> keys, absent;
    std::vector<std::size_t> order;
    explicit inputs(std::size_t n) {
        keys.resize(n);
        absent.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            keys[i] = static_cast<int64_t>(mix(i));
            absent[i] = static_cast<int64_t>(mix(i + (1ULL << 40)));
        }
        std::mt19937_64 rng(7);
        std::uniform_int_distribution<std::size_t> d(0, n - 1);
        order.resize(n < 4096 ? 4096 : n);
        for (auto& o : order) o = d(rng);
    }
};
double cpu_ns() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e9 + double(t.tv_nsec);
}
std::uintptr_t sink = 0;
inline void keep(const void* p) { sink += reinterpret_cast<std::uintptr_t>(p); asm volatile("" ::: "memory"); }

// A burst runner: run(k) performs k updates.
using runner = std::function<void(std::size_t)>;

template <class P>
runner make(const std::string& op, const inputs& in) {
    const std::size_t n = in.keys.size();
    if (op == "list_set" || op == "list_push_back" || op == "list_push_back_grow") {
        typename list_t<P>::builder b;
        for (int64_t k : in.keys) b.push_back(k);
        auto base = std::make_shared<const list_t<P>>(b.build());
        if (op == "list_set")
            return [base, &in, i = std::size_t{0}, x = int64_t{0}](std::size_t k) mutable {
                for (; k; --k) {
                    list_t<P> next = base->set(in.order[i], ++x);
                    keep(next.identity());
                    if (++i == in.order.size()) i = 0;
                }
            };
        if (op == "list_push_back")
            return [base, x = int64_t{0}](std::size_t k) mutable {
                for (; k; --k) {
                    list_t<P> next = base->push_back(++x);
                    keep(next.identity());
                }
            };
        return [base, n, l = *base, x = int64_t{0}](std::size_t k) mutable {
            for (; k; --k) {
                l = l.push_back(++x);
                keep(l.identity());
                if (l.size() == 2 * n) l = *base;
            }
        };
    }
    if (op == "map_set" || op == "map_insert") {
        typename map_t<P>::builder b;
        for (std::size_t i = 0; i < n; ++i) b.set(in.keys[i], int64_t(i));
        auto base = std::make_shared<const map_t<P>>(b.build());
        if (op == "map_set")
            return [base, &in, i = std::size_t{0}, x = int64_t{-1}](std::size_t k) mutable {
                for (; k; --k) {
                    map_t<P> next = base->set(in.keys[in.order[i]], --x);
                    keep(next.identity());
                    if (++i == in.order.size()) i = 0;
                }
            };
        return [base, &in, i = std::size_t{0}](std::size_t k) mutable {
            for (; k; --k) {
                map_t<P> next = base->set(in.absent[i], 1);
                keep(next.identity());
                if (++i == in.absent.size()) i = 0;
            }
        };
    }
    if (op == "set_insert") {
        typename set_t<P>::builder b;
        for (int64_t key : in.keys) b.insert(key);
        auto base = std::make_shared<const set_t<P>>(b.build());
        return [base, &in, i = std::size_t{0}](std::size_t k) mutable {
            for (; k; --k) {
                set_t<P> next = base->insert(in.absent[i]);
                keep(next.identity());
                if (++i == in.absent.size()) i = 0;
            }
        };
    }
    typename sorted_map_t<P>::builder b;
    for (std::size_t i = 0; i < n; ++i) b.set(in.keys[i], int64_t(i));
    auto base = std::make_shared<const sorted_map_t<P>>(b.build());
    return [base, &in, i = std::size_t{0}, x = int64_t{-1}](std::size_t k) mutable {
        for (; k; --k) {
            sorted_map_t<P> next = base->set(in.keys[in.order[i]], --x);
            keep(next.identity());
            if (++i == in.order.size()) i = 0;
        }
    };
}
} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 21;
    const double burst_ns = (argc > 2 ? std::atof(argv[2]) : 10.0) * 1e6;
    const char* names[5] = {"heap", "pooled", "ideal", "ideal_plain", "st_heap"};
    std::printf("| operation | N | heap ns | heap/pooled | heap/ideal | heap/ideal_plain | heap/st_heap |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (const char* op : {"list_set", "list_push_back", "list_push_back_grow", "map_set", "map_insert", "set_insert",
                           "sorted_map_set"}) {
        if (argc > 3 && std::string(argv[3]) != op) continue;
        for (std::size_t n : {1000, 100000, 1000000}) {
            if (argc > 4 && std::to_string(n) != argv[4]) continue;
            inputs in(n);
            std::vector<runner> r;
            r.push_back(make<immutable::heap_policy>(op, in));
            r.push_back(make<immutable::pooled_policy>(op, in));
            r.push_back(make<allocator_bound::ideal_policy>(op, in));
            r.push_back(make<allocator_bound::ideal_plain_policy>(op, in));
            r.push_back(make<immutable::single_thread_heap_policy>(op, in));
            // Warm up and size the burst on heap.
            std::size_t k = 1000;
            for (;;) {
                double t0 = cpu_ns();
                r[0](k);
                double t = cpu_ns() - t0;
                if (t > burst_ns / 4) {
                    k = std::max<std::size_t>(1, std::size_t(double(k) * burst_ns / t));
                    break;
                }
                k *= 4;
            }
            for (auto& f : r) f(k / 4); // warm every policy's caches and free lists
            std::vector<double> ratio[5], heap_ns;
            for (int round = 0; round < rounds; ++round) {
                double t[5];
                for (int j = 0; j < 5; ++j) {
                    int p = (j + round) % 5;
                    double t0 = cpu_ns();
                    r[p](k);
                    t[p] = (cpu_ns() - t0) / double(k);
                }
                heap_ns.push_back(t[0]);
                for (int p = 1; p < 5; ++p) ratio[p].push_back(t[0] / t[p]);
            }
            auto median = [](std::vector<double> v) {
                std::sort(v.begin(), v.end());
                return v[v.size() / 2];
            };
            std::printf("| %s | %zu | %.1f | %.2f | %.2f | %.2f | %.2f |\n", op, n, median(heap_ns), median(ratio[1]),
                        median(ratio[2]), median(ratio[3]), median(ratio[4]));
            std::fflush(stdout);
        }
    }
    std::fprintf(stderr, "sink %zu\n", std::size_t(sink & 1));
    (void)names;
    return 0;
}
