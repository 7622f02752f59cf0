// Memory policies on whole containers: the same persistent updates, reads and builds with
// heap_policy (the default), pooled_policy, single_thread_pooled_policy and, to tell the
// two effects of a single-thread policy apart (plain reference counts, private pool),
// single_thread_heap_policy. Plus a producer/consumer workload where versions are made on
// one thread and dropped on another, and the memory each container keeps per element next
// to its standard peer.
//
// Names: policy/<container>_<operation>/<implementation>/<N>, e.g.
//   policy/list_set/immutable::list<pooled_policy>/100000
// N is the size of the container operated on. Update rows derive one new version from a
// fixed base per iteration and drop it at once, so each iteration allocates the copied
// path and frees it again: the allocator's round trip is in every iteration.
//
// bytes_per_elem (build rows): heap bytes the finished container keeps per element,
// measured on the thread's operator new counters, for ours and the std peers alike. For
// the pooled policies the pool is trimmed first, so every node comes from operator new and
// the figure includes the rounding to size classes.
//
// The machine this runs on is usually shared: compare CPU time. In handoff rows compare
// total_cpu_ns (producer plus consumer thread CPU time per version).
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <typeindex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bench_support.hpp"

namespace {

using immutable_bench::alloc_scope;
using immutable_bench::thread_alloc_stats;
using std::int64_t;

template <class P>
using list_t = immutable::list<int64_t, P>;
template <class P>
using map_t = immutable::map<int64_t, int64_t, std::hash<int64_t>, std::equal_to<int64_t>, P>;
template <class P>
using set_t = immutable::set<int64_t, std::hash<int64_t>, std::equal_to<int64_t>, P>;
template <class P>
using sorted_map_t = immutable::sorted_map<int64_t, int64_t, std::less<int64_t>, P>;

// ---- inputs and the container operated on ---------------------------------------------------

struct inputs {
    std::vector<int64_t> keys;        // the N keys (or list elements)
    std::vector<int64_t> absent;      // N keys not in the container
    std::vector<std::size_t> order;   // random positions in keys, at least 4096 of them
    explicit inputs(std::size_t n)
        : keys(immutable_bench::random_int64s(n, 42)), absent(immutable_bench::random_int64s(n, 4242)),
          order(immutable_bench::random_indexes(n, n < 4096 ? 4096 : n, 7)) {}
};

template <class C>
struct build_of;
template <class P>
struct build_of<list_t<P>> {
    static list_t<P> from(const std::vector<int64_t>& keys) {
        typename list_t<P>::builder b;
        for (int64_t k : keys) b.push_back(k);
        return b.build();
    }
};
template <class P>
struct build_of<map_t<P>> {
    static map_t<P> from(const std::vector<int64_t>& keys) {
        typename map_t<P>::builder b;
        for (std::size_t i = 0; i < keys.size(); ++i) b.set(keys[i], static_cast<int64_t>(i));
        return b.build();
    }
};
template <class P>
struct build_of<set_t<P>> {
    static set_t<P> from(const std::vector<int64_t>& keys) {
        typename set_t<P>::builder b;
        for (int64_t k : keys) b.insert(k);
        return b.build();
    }
};
template <class P>
struct build_of<sorted_map_t<P>> {
    static sorted_map_t<P> from(const std::vector<int64_t>& keys) {
        typename sorted_map_t<P>::builder b;
        for (std::size_t i = 0; i < keys.size(); ++i) b.set(keys[i], static_cast<int64_t>(i));
        return b.build();
    }
};

// Google Benchmark calls each benchmark function several times per size (to find the
// iteration count, then once per repetition); a container of 1M is built once per
// (type, size) and kept until another one is asked for, so only one is alive at a time.
class base_cache {
public:
    template <class C>
    const C& get(std::size_t n, const inputs& in) {
        if (type_ != std::type_index(typeid(C)) || n_ != n) {
            held_.reset(); // free the previous one first
            held_ = std::make_shared<C>(build_of<C>::from(in.keys));
            type_ = std::type_index(typeid(C));
            n_ = n;
        }
        return *static_cast<const C*>(held_.get());
    }

private:
    std::type_index type_ = std::type_index(typeid(void));
    std::size_t n_ = 0;
    std::shared_ptr<void> held_;
};

base_cache& cache() {
    static base_cache c;
    return c;
}

struct fixture {
    std::size_t n;
    inputs in;
    explicit fixture(benchmark::State& state) : n(static_cast<std::size_t>(state.range(0))), in(n) {}
    template <class C>
    const C& base() {
        return cache().get<C>(n, in);
    }
};

// ---- persistent updates: one new version per iteration, dropped at once --------------------

template <class P>
void list_push_back(benchmark::State& state) {
    fixture f(state);
    const list_t<P>& base = f.base<list_t<P>>();
    int64_t x = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        list_t<P> next = base.push_back(++x);
        benchmark::DoNotOptimize(next.identity());
    }
    allocs.report();
}

template <class P>
void list_set(benchmark::State& state) {
    fixture f(state);
    const list_t<P>& base = f.base<list_t<P>>();
    std::size_t i = 0;
    int64_t x = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        list_t<P> next = base.set(f.in.order[i], ++x);
        benchmark::DoNotOptimize(next.identity());
        if (++i == f.in.order.size()) i = 0;
    }
    allocs.report();
}

// Changes the value of a present key (path copy, no growth).
template <class M>
void map_like_set(benchmark::State& state) {
    fixture f(state);
    const M& base = f.base<M>();
    std::size_t i = 0;
    int64_t x = -1;
    alloc_scope allocs(state);
    for (auto _ : state) {
        M next = base.set(f.in.keys[f.in.order[i]], --x);
        benchmark::DoNotOptimize(next.identity());
        if (++i == f.in.order.size()) i = 0;
    }
    allocs.report();
}

// Adds an absent key.
template <class M>
void map_like_insert(benchmark::State& state) {
    fixture f(state);
    const M& base = f.base<M>();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        M next = base.set(f.in.absent[i], 1);
        benchmark::DoNotOptimize(next.identity());
        if (++i == f.in.absent.size()) i = 0;
    }
    allocs.report();
}

template <class P>
void set_insert(benchmark::State& state) {
    fixture f(state);
    const set_t<P>& base = f.base<set_t<P>>();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        set_t<P> next = base.insert(f.in.absent[i]);
        benchmark::DoNotOptimize(next.identity());
        if (++i == f.in.absent.size()) i = 0;
    }
    allocs.report();
}

// ---- reads: must not get slower with a pool -------------------------------------------------

template <class P>
void list_index(benchmark::State& state) {
    fixture f(state);
    const list_t<P>& base = f.base<list_t<P>>();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(base[f.in.order[i]]);
        if (++i == f.in.order.size()) i = 0;
    }
    allocs.report();
}

template <class M>
void map_like_find(benchmark::State& state) {
    fixture f(state);
    const M& base = f.base<M>();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(base.find(f.in.keys[f.in.order[i]]));
        if (++i == f.in.order.size()) i = 0;
    }
    allocs.report();
}

template <class P>
void set_find(benchmark::State& state) {
    fixture f(state);
    const set_t<P>& base = f.base<set_t<P>>();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(base.contains(f.in.keys[f.in.order[i]]));
        if (++i == f.in.order.size()) i = 0;
    }
    allocs.report();
}

// ---- build: time, and memory kept per element ------------------------------------------------

template <class P>
int64_t held_bytes_of() {
    if constexpr (immutable::policy_with_stats<P>) {
        return P::stats().held_bytes;
    } else {
        return 0;
    }
}

// Free blocks the container's pool keeps (0 for the heap policies and std containers).
template <class C>
int64_t pool_held_bytes() {
    if constexpr (requires { typename C::policy_type; }) {
        return held_bytes_of<typename C::policy_type>();
    } else {
        return 0;
    }
}

template <class C, class Build>
void build_rows(benchmark::State& state, Build build) {
    fixture f(state);
    cache() = base_cache(); // nothing else alive while measuring
    {
        immutable::pool_trim(); // every node of this build from operator new
        const int64_t before = thread_alloc_stats().live_bytes();
        const int64_t held_before = pool_held_bytes<C>();
        C c = build(f.in.keys);
        // Blocks the build freed along the way stay cached in the pool: memory the pool
        // holds, not the container.
        const int64_t held = pool_held_bytes<C>() - held_before;
        immutable_bench::record_bytes_per_element(state, thread_alloc_stats().live_bytes() - before - held,
                                                  static_cast<int64_t>(f.n));
        benchmark::DoNotOptimize(&c);
    }
    const double bytes_per_elem = state.counters["bytes_per_elem"];
    alloc_scope allocs(state);
    for (auto _ : state) {
        C c = build(f.in.keys);
        benchmark::DoNotOptimize(&c);
    }
    allocs.report();
    state.counters["bytes_per_elem"] = bytes_per_elem;
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.n));
}

template <class C>
void build_ours(benchmark::State& state) {
    build_rows<C>(state, [](const std::vector<int64_t>& keys) { return build_of<C>::from(keys); });
}

void build_vector(benchmark::State& state) {
    build_rows<std::vector<int64_t>>(state, [](const std::vector<int64_t>& keys) {
        std::vector<int64_t> v;
        for (int64_t k : keys) v.push_back(k);
        return v;
    });
}

template <class M>
void build_std_map(benchmark::State& state) {
    build_rows<M>(state, [](const std::vector<int64_t>& keys) {
        M m;
        for (std::size_t i = 0; i < keys.size(); ++i) m.emplace(keys[i], static_cast<int64_t>(i));
        return m;
    });
}

void build_unordered_set(benchmark::State& state) {
    build_rows<std::unordered_set<int64_t>>(state, [](const std::vector<int64_t>& keys) {
        std::unordered_set<int64_t> s;
        for (int64_t k : keys) s.insert(k);
        return s;
    });
}

// ---- producer/consumer: versions made on one thread, dropped on another ---------------------
//
// The timed thread derives a chain of versions (each from the previous one) and hands each
// older version over, in buffers of 256, to a consumer thread that drops them: every node
// the consumer frees was allocated by the producer. Time per version; the CPU time column
// is the producer's, consumer_cpu_ns the consumer's (while dropping), total_cpu_ns both.
// deferred_peak_nodes: the most dropped nodes that waited at once for the producer, the
// thread that created them, to take them back.

double thread_cpu_ns() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

template <class C, class Step>
void handoff_rows(benchmark::State& state, Step step) {
    fixture f(state);
    C version = f.base<C>();
    constexpr std::size_t batch = 256;
    enum : int { empty = 0, full = 1, stop = 2 };
    struct buffer {
        std::vector<C> versions;
        std::atomic<int> state{empty};
    };
    buffer buffers[2];
    std::atomic<double> consumer_ns{0};

    std::thread consumer([&] {
        double spent = 0;
        for (std::size_t next = 0;; next ^= 1) {
            buffer& b = buffers[next];
            int s;
            while ((s = b.state.load(std::memory_order_acquire)) == empty) b.state.wait(empty);
            if (s == stop) break;
            const double t0 = thread_cpu_ns();
            b.versions.clear(); // the drops
            spent += thread_cpu_ns() - t0;
            b.state.store(empty, std::memory_order_release);
            b.state.notify_one();
        }
        consumer_ns.store(spent);
    });

    std::size_t i = 0, next = 0, handed = 0;
    bool must_wait = false; // buffers[next] may still be with the consumer
    int64_t x = 0;
    buffers[0].versions.reserve(batch);
    buffers[1].versions.reserve(batch);
    auto hand_over = [&] {
        buffer& b = buffers[next];
        b.state.store(full, std::memory_order_release);
        b.state.notify_one();
        next ^= 1;
        ++handed;
        must_wait = true;
    };
    immutable_bench::deferred_peak_scope deferred(state);
    alloc_scope allocs(state);
    const double producer_start = thread_cpu_ns();
    for (auto _ : state) {
        buffer& b = buffers[next];
        if (must_wait) {
            while (b.state.load(std::memory_order_acquire) != empty) b.state.wait(full);
            must_wait = false;
        }
        C derived = step(version, f.in, i, ++x);
        b.versions.push_back(std::move(version));
        version = std::move(derived);
        if (++i == f.in.order.size()) i = 0;
        if (b.versions.size() == batch) hand_over();
    }
    const double producer_ns = thread_cpu_ns() - producer_start;
    allocs.report();
    if (!must_wait && !buffers[next].versions.empty()) hand_over();
    for (buffer& b : buffers) {
        while (b.state.load(std::memory_order_acquire) != empty) b.state.wait(full);
    }
    // The consumer takes buffers in turn, so it now waits on buffers[handed % 2].
    buffer& last = buffers[handed % 2];
    last.state.store(stop, std::memory_order_release);
    last.state.notify_one();
    consumer.join();
    deferred.report();
    state.counters["consumer_cpu_ns"] = benchmark::Counter(consumer_ns.load(), benchmark::Counter::kAvgIterations);
    state.counters["total_cpu_ns"] =
        benchmark::Counter(producer_ns + consumer_ns.load(), benchmark::Counter::kAvgIterations);
}

template <class P>
void list_set_handoff(benchmark::State& state) {
    handoff_rows<list_t<P>>(state, [](const list_t<P>& v, const inputs& in, std::size_t i, int64_t x) {
        return v.set(in.order[i], x);
    });
}

template <class P>
void map_set_handoff(benchmark::State& state) {
    handoff_rows<map_t<P>>(state, [](const map_t<P>& v, const inputs& in, std::size_t i, int64_t x) {
        return v.set(in.keys[in.order[i]], x);
    });
}

template <class P>
void sorted_map_set_handoff(benchmark::State& state) {
    handoff_rows<sorted_map_t<P>>(state, [](const sorted_map_t<P>& v, const inputs& in, std::size_t i, int64_t x) {
        return v.set(in.keys[in.order[i]], x);
    });
}

// ---- registration ------------------------------------------------------------------------------

template <class P>
constexpr const char* policy_label = "";
template <>
constexpr const char* policy_label<immutable::heap_policy> = "heap_policy";
template <>
constexpr const char* policy_label<immutable::pooled_policy> = "pooled_policy";
template <>
constexpr const char* policy_label<immutable::single_thread_pooled_policy> = "single_thread_pooled_policy";
template <>
constexpr const char* policy_label<immutable::single_thread_heap_policy> = "single_thread_heap_policy";

void add(const std::string& operation, const std::string& impl, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark(("policy/" + operation + "/" + impl).c_str(), fn)->Apply(immutable_bench::large_sizes);
}

template <class P>
void register_policy() {
    const std::string p = policy_label<P>;
    const std::string list = "immutable::list<" + p + ">", map = "immutable::map<" + p + ">",
                      set = "immutable::set<" + p + ">", sorted = "immutable::sorted_map<" + p + ">";
    add("list_push_back", list, list_push_back<P>);
    add("list_set", list, list_set<P>);
    add("list_index", list, list_index<P>);
    add("list_build", list, build_ours<list_t<P>>);
    add("map_set", map, map_like_set<map_t<P>>);
    add("map_insert", map, map_like_insert<map_t<P>>);
    add("map_find", map, map_like_find<map_t<P>>);
    add("map_build", map, build_ours<map_t<P>>);
    add("set_insert", set, set_insert<P>);
    add("set_find", set, set_find<P>);
    add("set_build", set, build_ours<set_t<P>>);
    add("sorted_map_set", sorted, map_like_set<sorted_map_t<P>>);
    add("sorted_map_insert", sorted, map_like_insert<sorted_map_t<P>>);
    add("sorted_map_find", sorted, map_like_find<sorted_map_t<P>>);
    add("sorted_map_build", sorted, build_ours<sorted_map_t<P>>);
}

// Handing versions to another thread needs atomic reference counts: the thread-safe
// policies only.
template <class P>
void register_handoff() {
    const std::string p = policy_label<P>;
    add("list_set_handoff", "immutable::list<" + p + ">", list_set_handoff<P>);
    add("map_set_handoff", "immutable::map<" + p + ">", map_set_handoff<P>);
    add("sorted_map_set_handoff", "immutable::sorted_map<" + p + ">", sorted_map_set_handoff<P>);
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_policy<immutable::heap_policy>();
    register_policy<immutable::pooled_policy>();
    register_policy<immutable::single_thread_pooled_policy>();
    register_policy<immutable::single_thread_heap_policy>();
    register_handoff<immutable::heap_policy>();
    register_handoff<immutable::pooled_policy>();
    add("list_build", "std::vector", build_vector);
    add("map_build", "std::unordered_map", build_std_map<std::unordered_map<int64_t, int64_t>>);
    add("set_build", "std::unordered_set", build_unordered_set);
    add("sorted_map_build", "std::map", build_std_map<std::map<int64_t, int64_t>>);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
