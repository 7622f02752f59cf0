// immutable::list against std::vector, with int64_t elements (operations without suffix)
// and std::string elements of 16-32 characters (suffix _string).
//
//   list/index_random            one operator[] at a random index
//   list/sum_iterator            one whole sum through iterators (time per whole sum)
//   list/sum_chunked             one whole sum: for_each_chunk for the list, a plain loop
//                                over the vector
//   list/push_back               one push_back, growing from empty to N and starting over:
//                                immutable::list(persistent) is l = l.push_back(x),
//                                immutable::list(rvalue) is l = std::move(l).push_back(x),
//                                immutable::list::builder the builder's, std::vector its own;
//                                immutable::list(persistent relaxed) starts from a relaxed
//                                list of 65 (int64_t only)
//   list/set                     one set at a random index of a list of N; the vector peer
//                                "std::vector(copy+set)" copies the whole vector first (what
//                                a persistent set costs a vector), measured up to 100,000
//   list/sharing_set             at 1,000,000: sharing_ratio = bytes one set allocates /
//                                bytes of the whole list
//   list/push_front              one persistent push_front onto a list of N; the peer is
//                                std::vector insert at begin (in place), up to 100,000
//   list/concat                  a + b, two halves of N/2 each; the peer copies a, inserts b
//   list/slice                   the middle half, [N/4, 3N/4); the peer copies that range
//   list/build_contiguous        a whole container from a std::vector's elements (the
//                                (first, last) constructor); time per whole build
//   list/equal                   == of two equal containers built separately (no shared
//                                nodes); time per whole comparison
//
// Counters: allocs_per_op and bytes_per_op (alloc_scope) everywhere; bytes_per_elem of the
// whole container in the index_random rows.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench_support.hpp"

#include <immutable/list.hpp>

namespace {

using immutable_bench::alloc_scope;
using immutable_bench::thread_alloc_stats;

template <class T>
std::vector<T> make_values(std::size_t n);
template <>
std::vector<std::int64_t> make_values<std::int64_t>(std::size_t n) {
    return immutable_bench::random_int64s(n, 42);
}
template <>
std::vector<std::string> make_values<std::string>(std::size_t n) {
    return immutable_bench::random_strings(n, 42);
}

template <class T>
using ilist = immutable::list<T>;

// Random positions to visit, at least 4096 so small sizes do not replay one short cycle.
std::vector<std::size_t> index_stream(std::size_t n) {
    return immutable_bench::random_indexes(n, n < 4096 ? 4096 : n, 7);
}

// Builds the container from `values` and records what it keeps allocated per element.
template <class T>
ilist<T> build_list(const std::vector<T>& values) {
    typename ilist<T>::builder b;
    for (const T& v : values) b.push_back(v);
    return b.build();
}

template <class C>
C build_measured(benchmark::State& state, const std::vector<typename C::value_type>& values) {
    const auto before = thread_alloc_stats().live_bytes();
    C c;
    if constexpr (std::is_same_v<C, std::vector<typename C::value_type>>) c = values;
    else c = build_list(values);
    immutable_bench::record_bytes_per_element(state, thread_alloc_stats().live_bytes() - before,
                                              static_cast<std::int64_t>(values.size()));
    return c;
}

// One load from an element: its value, or a string's length.
std::int64_t touch(std::int64_t x) { return x; }
std::int64_t touch(const std::string& s) { return static_cast<std::int64_t>(s.size()); }

// ---- reading -------------------------------------------------------------------------------

template <class C>
void bm_index_random(benchmark::State& state) {
    using T = typename C::value_type;
    const auto n = static_cast<std::size_t>(state.range(0));
    const C c = build_measured<C>(state, make_values<T>(n));
    const std::vector<std::size_t> order = index_stream(n);
    std::size_t i = 0;
    std::int64_t sum = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        sum += touch(c[order[i]]);   // reads the element, not only its address
        if (++i == order.size()) i = 0;
    }
    allocs.report();
    benchmark::DoNotOptimize(sum);
}

template <class C>
void bm_sum_iterator(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const C c = build_measured<C>(state, make_values<std::int64_t>(n));
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::int64_t sum = 0;
        for (auto it = c.begin(), end = c.end(); it != end; ++it) sum += *it;
        benchmark::DoNotOptimize(sum);
    }
    allocs.report();
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void bm_sum_chunked_list(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto l = build_measured<ilist<std::int64_t>>(state, make_values<std::int64_t>(n));
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::int64_t sum = 0;
        for_each_chunk(l, [&sum](const std::int64_t* first, const std::int64_t* last) {
            for (; first != last; ++first) sum += *first;
        });
        benchmark::DoNotOptimize(sum);
    }
    allocs.report();
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

template <class C>
void bm_build_contiguous(benchmark::State& state) {
    const auto values = make_values<std::int64_t>(static_cast<std::size_t>(state.range(0)));
    alloc_scope allocs(state);
    for (auto _ : state) {
        C c(values.begin(), values.end());
        benchmark::DoNotOptimize(c);
    }
    allocs.report();
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

template <class C>
void bm_equal(benchmark::State& state) {
    const auto values = make_values<std::int64_t>(static_cast<std::size_t>(state.range(0)));
    const C a(values.begin(), values.end());
    const C b(values.begin(), values.end());
    alloc_scope allocs(state);
    for (auto _ : state) {
        bool same = a == b;
        benchmark::DoNotOptimize(same);
    }
    allocs.report();
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void bm_sum_loop_vector(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = build_measured<std::vector<std::int64_t>>(state, make_values<std::int64_t>(n));
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::int64_t sum = 0;
        for (std::size_t i = 0; i < v.size(); ++i) sum += v[i];
        benchmark::DoNotOptimize(sum);
    }
    allocs.report();
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

// ---- push_back -------------------------------------------------------------------------------
// One push per iteration; at N elements the container is dropped and restarted untimed.

// Pushes values[first], values[first + 1], ... onto `start`, one per iteration; at the end
// of the values the list restarts from `start`, untimed. `rvalue`: l = std::move(l).push_back(x),
// which writes in place what only l reaches; otherwise l = l.push_back(x).
template <class T>
void push_back_onto(benchmark::State& state, const std::vector<T>& values, const ilist<T>& start,
                    std::size_t first, bool rvalue = false) {
    ilist<T> l = start;
    std::size_t i = first;
    alloc_scope allocs(state);
    for (auto _ : state) {
        if (rvalue) l = std::move(l).push_back(values[i]);
        else l = l.push_back(values[i]);
        if (++i == values.size()) {
            state.PauseTiming();
            l = start;
            i = first;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

template <class T>
void bm_push_back_persistent(benchmark::State& state) {
    const std::vector<T> values = make_values<T>(static_cast<std::size_t>(state.range(0)));
    push_back_onto(state, values, ilist<T>(), 0);
}

template <class T>
void bm_push_back_rvalue(benchmark::State& state) {
    const std::vector<T> values = make_values<T>(static_cast<std::size_t>(state.range(0)));
    push_back_onto(state, values, ilist<T>(), 0, true);
}

// The same onto a relaxed list (one push_front first, so the root keeps a size table):
// shows what the right edge's relaxed nodes cost a push_back.
void bm_push_back_persistent_relaxed(benchmark::State& state) {
    using T = std::int64_t;
    const std::vector<T> values = make_values<T>(static_cast<std::size_t>(state.range(0)));
    if (values.size() <= 64) {
        state.SkipWithError("needs more than 64 elements");
        return;
    }
    push_back_onto(state, values, ilist<T>(values.begin(), values.begin() + 64).push_front(-1), 64);
}

template <class T>
void bm_push_back_builder(benchmark::State& state) {
    const std::vector<T> values = make_values<T>(static_cast<std::size_t>(state.range(0)));
    typename ilist<T>::builder b;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        b.push_back(values[i]);
        if (++i == values.size()) {
            state.PauseTiming();
            b = typename ilist<T>::builder();
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

template <class T>
void bm_push_back_vector(benchmark::State& state) {
    const std::vector<T> values = make_values<T>(static_cast<std::size_t>(state.range(0)));
    std::vector<T> v;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        v.push_back(values[i]);
        if (++i == values.size()) {
            state.PauseTiming();
            v = std::vector<T>();
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

// ---- set ---------------------------------------------------------------------------------------

void bm_set_persistent(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto l = build_list(make_values<std::int64_t>(n));
    const std::vector<std::size_t> order = index_stream(n);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const auto next = l.set(order[i], 1);
        benchmark::DoNotOptimize(next.identity());
        if (++i == order.size()) i = 0;
    }
    allocs.report();
}

void bm_set_vector_copy(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<std::int64_t> v = make_values<std::int64_t>(n);
    const std::vector<std::size_t> order = index_stream(n);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::vector<std::int64_t> next = v;
        next[order[i]] = 1;
        benchmark::DoNotOptimize(next.data());
        if (++i == order.size()) i = 0;
    }
    allocs.report();
}

// What one persistent set allocates, as a share of the whole list's bytes.
void bm_sharing_set(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto before = thread_alloc_stats().live_bytes();
    const auto l = build_list(make_values<std::int64_t>(n));
    const auto list_bytes = thread_alloc_stats().live_bytes() - before;
    const std::vector<std::size_t> order = index_stream(n);
    std::size_t i = 0;
    std::int64_t new_bytes = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const auto start = thread_alloc_stats().bytes_allocated;
        const auto next = l.set(order[i], 1);
        new_bytes += thread_alloc_stats().bytes_allocated - start;
        benchmark::DoNotOptimize(next.identity());
        if (++i == order.size()) i = 0;
    }
    allocs.report();
    immutable_bench::record_sharing_ratio(state, new_bytes / static_cast<std::int64_t>(state.iterations()),
                                          list_bytes);
}

// ---- push_front, concatenation, slicing --------------------------------------------------------

void bm_push_front_persistent(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto l = build_list(make_values<std::int64_t>(n));
    std::int64_t x = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const auto next = l.push_front(++x);
        benchmark::DoNotOptimize(next.identity());
    }
    allocs.report();
}

void bm_push_front_vector(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::int64_t> v = make_values<std::int64_t>(n);
    v.reserve(n + 1);
    std::int64_t x = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        v.insert(v.begin(), ++x);
        v.pop_back();   // back to N, so every insert shifts N elements
        benchmark::DoNotOptimize(v.data());
    }
    allocs.report();
}

void bm_concat_list(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<std::int64_t> values = make_values<std::int64_t>(n);
    const auto a = build_list(std::vector<std::int64_t>(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n / 2)));
    const auto b = build_list(std::vector<std::int64_t>(values.begin() + static_cast<std::ptrdiff_t>(n / 2), values.end()));
    alloc_scope allocs(state);
    for (auto _ : state) {
        const auto c = a + b;
        benchmark::DoNotOptimize(c.identity());
    }
    allocs.report();
}

void bm_concat_vector(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<std::int64_t> values = make_values<std::int64_t>(n);
    const std::vector<std::int64_t> a(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n / 2));
    const std::vector<std::int64_t> b(values.begin() + static_cast<std::ptrdiff_t>(n / 2), values.end());
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::vector<std::int64_t> c = a;
        c.insert(c.end(), b.begin(), b.end());
        benchmark::DoNotOptimize(c.data());
    }
    allocs.report();
}

void bm_slice_list(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto l = build_list(make_values<std::int64_t>(n));
    alloc_scope allocs(state);
    for (auto _ : state) {
        const auto s = l.slice(n / 4, 3 * n / 4);
        benchmark::DoNotOptimize(s.identity());
    }
    allocs.report();
}

void bm_slice_vector(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<std::int64_t> v = make_values<std::int64_t>(n);
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::vector<std::int64_t> s(v.begin() + static_cast<std::ptrdiff_t>(n / 4),
                                    v.begin() + static_cast<std::ptrdiff_t>(3 * n / 4));
        benchmark::DoNotOptimize(s.data());
    }
    allocs.report();
}

// Sizes up to 100,000 for the peers that copy or shift the whole vector per operation.
void up_to_100k(benchmark::internal::Benchmark* b) {
    for (std::int64_t n : {1000, 100000})
        if (immutable_bench::size_enabled(n)) b->Arg(n);
}

// Structural sharing is defined on a 1M list, so it is measured there even in --quick runs
// (building one 1M list is cheap); registering no size at all would run it without an
// argument and crash on state.range(0).
void only_1m(benchmark::internal::Benchmark* b) { b->Arg(1000000); }
// Small containers (one element, a few, one full leaf) and then the large sizes.
void small_and_large(benchmark::internal::Benchmark* b) {
    for (int n : {1, 8, 32}) b->Arg(n);
    immutable_bench::large_sizes(b);
}

template <class T>
void register_typed(const std::string& suffix) {
    auto name = [&](const char* op, const char* impl) { return std::string("list/") + op + suffix + "/" + impl; };
    auto sizes = immutable_bench::large_sizes;
    benchmark::RegisterBenchmark(name("index_random", "immutable::list").c_str(), bm_index_random<ilist<T>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("index_random", "std::vector").c_str(), bm_index_random<std::vector<T>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("push_back", "immutable::list(persistent)").c_str(), bm_push_back_persistent<T>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("push_back", "immutable::list(rvalue)").c_str(), bm_push_back_rvalue<T>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("push_back", "immutable::list::builder").c_str(), bm_push_back_builder<T>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("push_back", "std::vector").c_str(), bm_push_back_vector<T>)->Apply(sizes);
}

void register_all() {
    register_typed<std::int64_t>("");
    register_typed<std::string>("_string");
    auto sizes = immutable_bench::large_sizes;
    benchmark::RegisterBenchmark("list/sum_iterator/immutable::list", bm_sum_iterator<ilist<std::int64_t>>)->Apply(sizes);
    benchmark::RegisterBenchmark("list/sum_iterator/std::vector", bm_sum_iterator<std::vector<std::int64_t>>)->Apply(sizes);
    benchmark::RegisterBenchmark("list/sum_chunked/immutable::list", bm_sum_chunked_list)->Apply(sizes);
    benchmark::RegisterBenchmark("list/sum_chunked/std::vector", bm_sum_loop_vector)->Apply(sizes);
    benchmark::RegisterBenchmark("list/push_back/immutable::list(persistent relaxed)", bm_push_back_persistent_relaxed)->Apply(sizes);
    benchmark::RegisterBenchmark("list/set/immutable::list(persistent)", bm_set_persistent)->Apply(sizes);
    benchmark::RegisterBenchmark("list/set/std::vector(copy+set)", bm_set_vector_copy)->Apply(up_to_100k);
    benchmark::RegisterBenchmark("list/sharing_set/immutable::list", bm_sharing_set)->Apply(only_1m);
    benchmark::RegisterBenchmark("list/push_front/immutable::list(persistent)", bm_push_front_persistent)->Apply(sizes);
    benchmark::RegisterBenchmark("list/push_front/std::vector(insert at begin)", bm_push_front_vector)->Apply(up_to_100k);
    benchmark::RegisterBenchmark("list/concat/immutable::list", bm_concat_list)->Apply(sizes);
    benchmark::RegisterBenchmark("list/concat/std::vector(copy+insert)", bm_concat_vector)->Apply(sizes);
    benchmark::RegisterBenchmark("list/slice/immutable::list", bm_slice_list)->Apply(sizes);
    benchmark::RegisterBenchmark("list/slice/std::vector(range copy)", bm_slice_vector)->Apply(sizes);
    benchmark::RegisterBenchmark("list/build_contiguous/immutable::list", bm_build_contiguous<ilist<std::int64_t>>)->Apply(small_and_large);
    benchmark::RegisterBenchmark("list/build_contiguous/std::vector", bm_build_contiguous<std::vector<std::int64_t>>)->Apply(small_and_large);
    benchmark::RegisterBenchmark("list/equal/immutable::list", bm_equal<ilist<std::int64_t>>)->Apply(small_and_large);
    benchmark::RegisterBenchmark("list/equal/std::vector", bm_equal<std::vector<std::int64_t>>)->Apply(small_and_large);
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
