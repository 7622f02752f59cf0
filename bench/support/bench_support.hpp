#pragma once
// Shared pieces of every benchmark binary.
//
// Naming contract (the report and bench/compare parse it):
//   <container>/<operation>/<implementation>/<N>[/threads:<T>]
// e.g. "list/index_random/immutable::list/1000000" beside "list/index_random/std::vector/1000000".
// Register with BENCHMARK(fn)->Name("list/index_random/immutable::list")->Apply(sizes).
// Counters every benchmark should set through alloc_scope: "allocs_per_op", "bytes_per_op".
// Whole-container memory: set "bytes_per_elem" with record_bytes_per_element().
// Structural sharing: set "sharing_ratio" with record_sharing_ratio().
// Nodes waiting for their owner thread (rows with several threads): deferred_peak_scope.
// Threads: register with ->Threads(T) (the name gains "/threads:T"); the report plots
// 1e9 / real_time (total operations per second over all threads) against T.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"

namespace immutable_bench {

// Call first in main(). Almost every real program runs threads, so by default this starts
// and joins one thread: every row measures what a program that has started threads pays.
// IMMUTABLE_BENCH_ONE_THREAD=1 in the environment skips that, so the binary measures a
// process that never started a thread (scripts/bench-report --one-thread-process, and its
// side-by-side rerun of the update rows). The mode is recorded in the run's context as
// "reference_counts": "process with threads started (default)" or "one-thread process".
void prepare_process();

// The standard sizes; 10M only when IMMUTABLE_BENCH_HUGE=1 is set in the environment.
void standard_sizes(benchmark::internal::Benchmark* b);
// Sizes from 1,000 to 1,000,000 (the ones the issues name for comparisons).
void large_sizes(benchmark::internal::Benchmark* b);
// Both lists drop sizes above IMMUTABLE_BENCH_MAX_SIZE when it is set (the --quick report
// sets it). size_enabled(n) tells a benchmark that registers its own sizes whether n fits.
bool size_enabled(std::int64_t n);

// Measures allocations made by this thread between construction and report().
class alloc_scope {
public:
    explicit alloc_scope(benchmark::State& state) : state_(state), start_(thread_alloc_stats()) {}
    // Call after the timing loop: sets allocs_per_op and bytes_per_op averaged over iterations.
    void report() {
        alloc_stats now = thread_alloc_stats();
        state_.counters["allocs_per_op"] = benchmark::Counter(
            static_cast<double>(now.allocations - start_.allocations), benchmark::Counter::kAvgIterations);
        state_.counters["bytes_per_op"] = benchmark::Counter(
            static_cast<double>(now.bytes_allocated - start_.bytes_allocated),
            benchmark::Counter::kAvgIterations);
    }

private:
    benchmark::State& state_;
    alloc_stats start_;
};

// For the rows where threads hand our nodes to each other (atom_bench, the handoff rows of
// policy_bench): sets "deferred_peak_nodes", the most nodes that waited at once for the
// thread that created them to take them back (immutable::deferred_release_stats()) during
// the row. Construct before the timing loop and call report() after the row's threads are
// done, on one thread only (thread_index() == 0 in a ->Threads(T) row).
class deferred_peak_scope {
public:
    // Starts the row's peak from the nodes waiting now: the library keeps one peak per process.
    explicit deferred_peak_scope(benchmark::State& state);
    void report();

private:
    benchmark::State& state_;
};

// Sets "bytes_per_elem" from the live bytes that building a container left behind.
inline void record_bytes_per_element(benchmark::State& state, std::int64_t live_bytes, std::int64_t n) {
    state.counters["bytes_per_elem"] = n > 0 ? static_cast<double>(live_bytes) / static_cast<double>(n) : 0.0;
}

// Sets "sharing_ratio" for the structural-sharing row of the report: the bytes one change
// newly allocates (thread_alloc_stats() before/after the change) divided by the live bytes of
// the whole container it changed. Measure on 1,000,000 elements, name the benchmark
// "<container>/sharing_<change>/<implementation>/1000000", e.g. "list/sharing_set/immutable::list/1000000".
inline void record_sharing_ratio(benchmark::State& state, std::int64_t new_bytes, std::int64_t container_bytes) {
    state.counters["sharing_ratio"] =
        container_bytes > 0 ? static_cast<double>(new_bytes) / static_cast<double>(container_bytes) : 0.0;
}

// A read-only object built once and shared by the calls of a benchmark function. Google
// Benchmark calls the function ten or more times (to find the iteration count, then once
// per repetition); a benchmark that only reads a large container can build it once:
//   auto m = immutable_bench::fixture<std::map<K, V>>("find/" + std::to_string(n), [&] { return build(n); });
// One object per type T is kept (the most recent key), so memory stays bounded; the
// shared_ptr keeps it alive for the caller even when another key replaces it.
template <class T, class Make>
std::shared_ptr<const T> fixture(const std::string& key, Make&& make) {
    static std::mutex mutex;
    static std::string cached_key;
    static std::shared_ptr<const T> cached;
    std::lock_guard<std::mutex> lock(mutex);
    if (!cached || cached_key != key) {
        cached.reset(); // free the old object before building the new one
        cached = std::make_shared<const T>(make());
        cached_key = key;
    }
    return cached;
}

// Deterministic inputs: the same seed in every binary, so every implementation sees the same keys.
std::vector<std::int64_t> random_int64s(std::size_t n, std::uint64_t seed = 42);
// Strings of 16 to 32 characters, all distinct.
std::vector<std::string> random_strings(std::size_t n, std::uint64_t seed = 42);
// A random permutation of 0..n-1 for index workloads.
std::vector<std::size_t> random_indexes(std::size_t n, std::size_t count, std::uint64_t seed = 7);

// The timing loop of the find_hit_string_view rows: one lookup per iteration of
// keys[order[i]] as a std::string_view, so no std::string is made per lookup. Ours return
// a pointer (they have to_builder()); the std peers an iterator, compared with end().
template <class Map>
void time_string_view_finds(benchmark::State& state, const Map& m, const std::vector<std::string>& keys,
                            const std::vector<std::size_t>& order) {
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const std::string_view key = keys[order[i]];
        if constexpr (requires { m.to_builder(); }) {
            benchmark::DoNotOptimize(m.find(key));
        } else {
            benchmark::DoNotOptimize(m.find(key) == m.end());
        }
        if (++i == order.size()) i = 0;
    }
    allocs.report();
}

} // namespace immutable_bench
