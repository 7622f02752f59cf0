// Raw node allocation speed of the memory policies: alloc/free of node-sized blocks on one
// thread, and allocated on one thread then freed on another (producer/consumer).
//
// Names: pool/<operation>/<policy>/<N>, N = blocks allocated per iteration (all live at
// once before they are freed). The peer is immutable::heap_policy (operator new/delete).
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"

namespace {

immutable::node_pool bench_pool;

// Deterministic node sizes: a CHAMP node with a few entries, list leaves and branches with
// 8-byte elements, a B+tree leaf. Index i of every run gets the same size.
std::vector<std::size_t> node_sizes(std::size_t n) {
    static constexpr std::size_t kinds[] = {48, 80, 144, 272, 272, 528};
    std::mt19937_64 rng(42);
    std::vector<std::size_t> sizes(n);
    for (auto& s : sizes) s = kinds[rng() % std::size(kinds)];
    return sizes;
}

std::vector<std::size_t> shuffled_order(std::size_t n) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
    return order;
}

// Writes a node header's worth, as a container would, so the block is really touched.
inline void touch(void* p, std::size_t i) { *static_cast<std::uint64_t*>(p) = i; }

// Allocate N blocks, then free them in a random order, all on this thread.
template <class Policy>
void alloc_free_same_thread(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<std::size_t> sizes = node_sizes(n);
    const std::vector<std::size_t> order = shuffled_order(n);
    std::vector<void*> blocks(n);
    immutable_bench::alloc_scope allocs(state);
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            blocks[i] = Policy::allocate(sizes[i]);
            touch(blocks[i], i);
        }
        benchmark::ClobberMemory();
        for (std::size_t k : order) Policy::deallocate(blocks[k], sizes[k]);
    }
    allocs.report();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// The timed thread allocates N blocks into one of two buffers and hands it to a consumer
// thread, which frees them while the next buffer is filled. Wall time per N blocks.
template <class Policy>
void alloc_free_cross_thread(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<std::size_t> sizes = node_sizes(n);
    enum : int { empty = 0, full = 1, stop = 2 };
    struct buffer {
        std::vector<void*> blocks;
        std::atomic<int> state{empty};
    };
    buffer buffers[2];
    for (buffer& b : buffers) b.blocks.resize(n);

    std::thread consumer([&] {
        for (std::size_t next = 0;; next ^= 1) {
            buffer& b = buffers[next];
            int s;
            while ((s = b.state.load(std::memory_order_acquire)) == empty) b.state.wait(empty);
            if (s == stop) return;
            for (std::size_t i = 0; i < n; ++i) Policy::deallocate(b.blocks[i], sizes[i]);
            b.state.store(empty, std::memory_order_release);
            b.state.notify_one();
        }
    });

    std::size_t next = 0;
    immutable_bench::alloc_scope allocs(state);
    for (auto _ : state) {
        buffer& b = buffers[next];
        while (b.state.load(std::memory_order_acquire) != empty) b.state.wait(full);
        for (std::size_t i = 0; i < n; ++i) {
            b.blocks[i] = Policy::allocate(sizes[i]);
            touch(b.blocks[i], i);
        }
        b.state.store(full, std::memory_order_release);
        b.state.notify_one();
        next ^= 1;
    }
    allocs.report();
    for (buffer& b : buffers) {
        while (b.state.load(std::memory_order_acquire) != empty) b.state.wait(full);
    }
    buffers[next].state.store(stop, std::memory_order_release); // the consumer waits on it
    buffers[next].state.notify_one();
    consumer.join();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void same_thread_sizes(benchmark::internal::Benchmark* b) {
    for (std::int64_t n : {1, 100, 10000, 100000}) {
        if (immutable_bench::size_enabled(n)) b->Arg(n);
    }
}

void cross_thread_sizes(benchmark::internal::Benchmark* b) {
    for (std::int64_t n : {100, 10000}) {
        if (immutable_bench::size_enabled(n)) b->Arg(n);
    }
}

template <class Policy>
void register_policy(const std::string& name) {
    benchmark::RegisterBenchmark(("pool/alloc_free_same_thread/" + name).c_str(),
                                 alloc_free_same_thread<Policy>)
        ->Apply(same_thread_sizes);
    benchmark::RegisterBenchmark(("pool/alloc_free_cross_thread/" + name).c_str(),
                                 alloc_free_cross_thread<Policy>)
        ->Apply(cross_thread_sizes)
        ->UseRealTime();
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_policy<immutable::heap_policy>("immutable::heap_policy");
    register_policy<immutable::pooled_policy>("immutable::pooled_policy");
    register_policy<immutable::single_thread_pooled_policy>("immutable::single_thread_pooled_policy");
    register_policy<immutable::node_pool_policy<bench_pool>>("immutable::node_pool");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
