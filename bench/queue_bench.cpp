// immutable::queue against std::deque (and std::queue's default container is std::deque,
// so that is the peer), with int64_t elements.
//
//   queue/push        one push, growing from empty to N and starting over
//   queue/pop         one pop from a queue of N, refilled (untimed; allocations counted,
//                     about N/32 for ours, built through a builder) when empty
//   queue/push_pop    steady state at N: one push and one pop per iteration
//   queue/front       one front() read on a queue of N (after N/2 pops, so the front is
//                     in the middle of the list, not at its start)
//   queue/iterate     one whole front-to-back sum (time per whole sum)
//
// immutable::queue(persistent) is q = q.push(x) / q = q.pop(); "(persistent,moved)" is
// q = std::move(q).push(x) / q = std::move(q).pop(), which reuse the queue's node when it
// holds it alone; immutable::queue::builder changes a builder in place;
// "immutable::queue<pooled>(persistent)" is the persistent
// queue with immutable::pooled_policy, whose per-version node then comes from a
// per-thread free list. Counters: allocs_per_op and bytes_per_op (alloc_scope).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "bench_support.hpp"

#include <immutable/pool.hpp>
#include <immutable/queue.hpp>

namespace {

using immutable_bench::alloc_scope;

using iqueue = immutable::queue<std::int64_t>;
using pooled_queue = immutable::queue<std::int64_t, immutable::pooled_policy>;
using std_deque = std::deque<std::int64_t>;

std::vector<std::int64_t> values_for(benchmark::State& state) {
    return immutable_bench::random_int64s(static_cast<std::size_t>(state.range(0)), 42);
}

// ---- the three kinds of queue behind one interface --------------------------------------------

template <class Q>
struct persistent {
    Q q;
    void push(std::int64_t x) { q = q.push(x); }
    void pop() { q = q.pop(); }
    void fill(const std::vector<std::int64_t>& values) {
        typename Q::builder b;   // so refills (untimed, but counted) allocate few nodes
        for (std::int64_t x : values) b.push(x);
        q = b.build();
    }
    std::int64_t front() const { return q.front(); }
    std::size_t size() const { return q.size(); }
    void clear() { q = Q(); }
    template <class F>
    void each(F f) const {
        for (std::int64_t x : q) f(x);
    }
};

struct builder {
    iqueue::builder b;
    void push(std::int64_t x) { b.push(x); }
    void pop() { b.pop(); }
    std::int64_t front() const { return b.front(); }
    std::size_t size() const { return b.size(); }
    void clear() { b = iqueue::builder(); }
};

struct deque {
    std_deque d;
    void push(std::int64_t x) { d.push_back(x); }
    void pop() { d.pop_front(); }
    std::int64_t front() const { return d.front(); }
    std::size_t size() const { return d.size(); }
    void clear() { d = std_deque(); }
    template <class F>
    void each(F f) const {
        for (std::int64_t x : d) f(x);
    }
};

// The same with q = std::move(q).push(x): the queue's node is its own, changed in place.
template <class Q>
struct persistent_moved : persistent<Q> {
    void push(std::int64_t x) { this->q = std::move(this->q).push(x); }
    void pop() { this->q = std::move(this->q).pop(); }
};

template <class Impl>
Impl filled(const std::vector<std::int64_t>& values) {
    Impl impl;
    if constexpr (requires { impl.fill(values); }) {
        impl.fill(values);
    } else {
        for (std::int64_t x : values) impl.push(x);
    }
    return impl;
}

// ---- benchmarks ------------------------------------------------------------------------------

template <class Impl>
void bm_push(benchmark::State& state) {
    const std::vector<std::int64_t> values = values_for(state);
    Impl impl;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        impl.push(values[i]);
        if (++i == values.size()) {
            state.PauseTiming();
            impl.clear();
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

template <class Impl>
void bm_pop(benchmark::State& state) {
    const std::vector<std::int64_t> values = values_for(state);
    Impl impl = filled<Impl>(values);
    alloc_scope allocs(state);
    for (auto _ : state) {
        impl.pop();
        if (impl.size() == 0) {
            state.PauseTiming();
            impl = filled<Impl>(values);
            state.ResumeTiming();
        }
    }
    allocs.report();
}

template <class Impl>
void bm_push_pop(benchmark::State& state) {
    const std::vector<std::int64_t> values = values_for(state);
    Impl impl = filled<Impl>(values);
    std::size_t i = 0;
    std::int64_t sum = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        impl.push(values[i]);
        sum += impl.front();
        impl.pop();
        if (++i == values.size()) i = 0;
    }
    allocs.report();
    benchmark::DoNotOptimize(sum);
}

template <class Impl>
void bm_front(benchmark::State& state) {
    const std::vector<std::int64_t> values = values_for(state);
    Impl impl = filled<Impl>(values);
    for (std::size_t i = 0; i < values.size() / 2; ++i) impl.pop();
    alloc_scope allocs(state);
    for (auto _ : state) benchmark::DoNotOptimize(impl.front());
    allocs.report();
}

template <class Impl>
void bm_iterate(benchmark::State& state) {
    const std::vector<std::int64_t> values = values_for(state);
    Impl impl = filled<Impl>(values);
    for (std::size_t i = 0; i < values.size() / 4; ++i) impl.push(values[i]);
    for (std::size_t i = 0; i < values.size() / 4; ++i) impl.pop();
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::int64_t sum = 0;
        impl.each([&sum](std::int64_t x) { sum += x; });
        benchmark::DoNotOptimize(sum);
    }
    allocs.report();
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

template <class Impl>
void register_impl(const char* impl) {
    auto name = [&](const char* op) { return std::string("queue/") + op + "/" + impl; };
    auto sizes = immutable_bench::large_sizes;
    benchmark::RegisterBenchmark(name("push").c_str(), bm_push<Impl>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("pop").c_str(), bm_pop<Impl>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("push_pop").c_str(), bm_push_pop<Impl>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("front").c_str(), bm_front<Impl>)->Apply(sizes);
    if constexpr (requires(const Impl& x) { x.each([](std::int64_t) {}); })
        benchmark::RegisterBenchmark(name("iterate").c_str(), bm_iterate<Impl>)->Apply(sizes);
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_impl<persistent<iqueue>>("immutable::queue(persistent)");
    register_impl<persistent_moved<iqueue>>("immutable::queue(persistent,moved)");
    register_impl<persistent<pooled_queue>>("immutable::queue<pooled>(persistent)");
    register_impl<builder>("immutable::queue::builder");
    register_impl<deque>("std::deque");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
