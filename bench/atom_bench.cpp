// immutable::atom<immutable::map> against concurrent maps, as a read-mostly shared table of
// 1,000,000 int64 -> int64 entries.
//
//   atom/read/<impl>/1000000/threads:T            T readers, no writer
//   atom/read_hot/<impl>/1000000/threads:T        T readers of one same key (sync cost only)
//   atom/read_1writer/<impl>/1000000/threads:T    T readers, one extra thread writing flat out
//   atom/mixed_R_W/<impl>/1000000/threads:T       every thread: R% lookups, W% writes
//
// One iteration is one lookup (or one write in the mixed rows); items_per_second is the
// total over all threads, the plotted throughput. Counters:
//   shared_writes_per_read  (immutable::atom only) writes read() made to memory other
//                           threads use, per read, measured by IMMUTABLE_ATOM_INSTRUMENT
//   writes_per_second       (read_1writer) what the background writer achieved meanwhile
//   hardware_concurrency    cores available: threads beyond it are oversubscribed
//   deferred_peak_nodes     (the rows that hold our nodes) the most nodes that waited at once
//                           for the thread that created them to take them back, in the row
// Writes assign a new value to an existing key, so every structure keeps 1,000,000 entries
// and is built once per process, shared by all rows.
#define IMMUTABLE_ATOM_INSTRUMENT 1

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "bench_support.hpp"

#include <immutable/atom.hpp>
#include <immutable/map.hpp>

#ifdef IMMUTABLE_BENCH_HAVE_TBB
#include <tbb/concurrent_hash_map.h>
#endif
#ifdef IMMUTABLE_BENCH_HAVE_CUCKOO
#include <libcuckoo/cuckoohash_map.hh>
#endif

namespace {

constexpr std::size_t entries = 1'000'000;
constexpr std::size_t order_mask = (std::size_t{1} << 20) - 1;

// The keys, and 2^20 of them in random order, read sequentially (each thread from its own
// offset) so that choosing the next key costs no cache miss.
struct dataset {
    std::vector<std::int64_t> keys = immutable_bench::random_int64s(entries, 42);
    std::vector<std::int64_t> lookups = [this] {
        std::vector<std::int64_t> out;
        for (std::size_t i : immutable_bench::random_indexes(entries, order_mask + 1, 7)) {
            out.push_back(keys[i]);
        }
        return out;
    }();
    std::int64_t key(std::size_t i) const { return lookups[i & order_mask]; }
};
const dataset& data() {
    static const dataset d;
    return d;
}

// ---- the implementations: one shared instance each, built on first use ------------------

struct atom_impl {
    static constexpr const char* name = "immutable::atom";
    using map_type = immutable::map<std::int64_t, std::int64_t>;
    static immutable::atom<map_type>& instance() {
        static immutable::atom<map_type> a([] {
            map_type::builder b;
            const auto& keys = data().keys;
            for (std::size_t i = 0; i < keys.size(); ++i) b.set(keys[i], static_cast<std::int64_t>(i));
            return b.build();
        }());
        return a;
    }
    static std::int64_t lookup(std::int64_t k) {
        return instance().read([k](const map_type& m) {
            const std::int64_t* v = m.find(k);
            return v == nullptr ? -1 : *v;
        });
    }
    static void write(std::int64_t k, std::int64_t v) {
        (void)instance().update([k, v](const map_type& m) { return m.set(k, v); });
    }
};

struct shared_mutex_impl {
    static constexpr const char* name = "std::unordered_map+std::shared_mutex";
    struct state {
        std::shared_mutex mutex;
        std::unordered_map<std::int64_t, std::int64_t> map;
    };
    static state& instance() {
        static state s; // a mutex cannot be moved: built in place
        static std::once_flag built;
        std::call_once(built, [] {
            const auto& keys = data().keys;
            s.map.reserve(keys.size());
            for (std::size_t i = 0; i < keys.size(); ++i) s.map.emplace(keys[i], static_cast<std::int64_t>(i));
        });
        return s;
    }
    static std::int64_t lookup(std::int64_t k) {
        state& s = instance();
        std::shared_lock lock(s.mutex);
        auto it = s.map.find(k);
        return it == s.map.end() ? -1 : it->second;
    }
    static void write(std::int64_t k, std::int64_t v) {
        state& s = instance();
        std::unique_lock lock(s.mutex);
        s.map[k] = v;
    }
};

// Copy-on-write: readers load the pointer (a reference-count increment on one shared
// control block); a writer copies the whole table, changes it and swaps it in.
struct atomic_shared_ptr_impl {
    static constexpr const char* name = "std::atomic<std::shared_ptr<std::unordered_map>>";
    using map_type = std::unordered_map<std::int64_t, std::int64_t>;
    static std::atomic<std::shared_ptr<const map_type>>& instance() {
        static std::atomic<std::shared_ptr<const map_type>> p([] {
            auto m = std::make_shared<map_type>();
            const auto& keys = data().keys;
            m->reserve(keys.size());
            for (std::size_t i = 0; i < keys.size(); ++i) m->emplace(keys[i], static_cast<std::int64_t>(i));
            return std::shared_ptr<const map_type>(std::move(m));
        }());
        return p;
    }
    static std::int64_t lookup(std::int64_t k) {
        std::shared_ptr<const map_type> m = instance().load();
        auto it = m->find(k);
        return it == m->end() ? -1 : it->second;
    }
    static void write(std::int64_t k, std::int64_t v) {
        auto& p = instance();
        std::shared_ptr<const map_type> current = p.load();
        for (;;) {
            auto next = std::make_shared<map_type>(*current);
            (*next)[k] = v;
            if (p.compare_exchange_weak(current, std::shared_ptr<const map_type>(std::move(next)))) return;
        }
    }
};

// References without any synchronization (only correct with no writer): the cost of the
// lookup itself, to tell it apart from the cost of sharing. Read rows only.
struct plain_immutable_map_impl {
    static constexpr const char* name = "immutable::map(unsynchronized)";
    static const atom_impl::map_type& instance() {
        static const atom_impl::map_type m = atom_impl::instance().load();
        return m;
    }
    static std::int64_t lookup(std::int64_t k) {
        const std::int64_t* v = instance().find(k);
        return v == nullptr ? -1 : *v;
    }
};

struct plain_unordered_map_impl {
    static constexpr const char* name = "std::unordered_map(unsynchronized)";
    static const std::unordered_map<std::int64_t, std::int64_t>& instance() {
        return *atomic_shared_ptr_impl::instance().load();
    }
    static std::int64_t lookup(std::int64_t k) {
        const auto& m = instance();
        auto it = m.find(k);
        return it == m.end() ? -1 : it->second;
    }
};

#ifdef IMMUTABLE_BENCH_HAVE_TBB
struct tbb_impl {
    static constexpr const char* name = "tbb::concurrent_hash_map";
    using map_type = tbb::concurrent_hash_map<std::int64_t, std::int64_t>;
    static map_type& instance() {
        static map_type m = [] {
            map_type built(2 * entries);
            const auto& keys = data().keys;
            for (std::size_t i = 0; i < keys.size(); ++i) built.insert({keys[i], static_cast<std::int64_t>(i)});
            return built;
        }();
        return m;
    }
    static std::int64_t lookup(std::int64_t k) {
        map_type::const_accessor acc;
        return instance().find(acc, k) ? acc->second : -1;
    }
    static void write(std::int64_t k, std::int64_t v) {
        map_type::accessor acc;
        instance().insert(acc, k);
        acc->second = v;
    }
};
#endif

#ifdef IMMUTABLE_BENCH_HAVE_CUCKOO
struct cuckoo_impl {
    static constexpr const char* name = "libcuckoo::cuckoohash_map";
    using map_type = libcuckoo::cuckoohash_map<std::int64_t, std::int64_t>;
    static map_type& instance() {
        static map_type m(2 * entries);
        static std::once_flag built;
        std::call_once(built, [] {
            const auto& keys = data().keys;
            for (std::size_t i = 0; i < keys.size(); ++i) m.insert(keys[i], static_cast<std::int64_t>(i));
        });
        return m;
    }
    static std::int64_t lookup(std::int64_t k) {
        std::int64_t v = -1;
        instance().find(k, v);
        return v;
    }
    static void write(std::int64_t k, std::int64_t v) { instance().insert_or_assign(k, v); }
};
#endif

// ---- the background writer of the read_1writer rows ---------------------------------------

template <class Impl>
struct background_writer {
    static inline std::atomic<bool> stop{false};
    static inline std::atomic<std::int64_t> writes{0};
    static inline std::thread thread;

    static void start(const benchmark::State&) {
        (void)Impl::instance(); // build before the clock starts
        stop.store(false);
        writes.store(0);
        thread = std::thread([] {
            std::int64_t value = 0;
            for (std::size_t i = 12345; !stop.load(std::memory_order_relaxed); i += 7) {
                Impl::write(data().key(i), ++value);
                writes.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    static void finish(const benchmark::State&) {
        stop.store(true);
        thread.join();
    }
};

void report_common(benchmark::State& state) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    if (state.thread_index() == 0) {
        state.counters["hardware_concurrency"] =
            static_cast<double>(std::thread::hardware_concurrency());
    }
}

// Per read, averaged over threads: shared-memory writes that read() made on this thread.
template <class Impl>
void report_shared_writes(benchmark::State& state, std::uint64_t before, std::int64_t reads) {
    if constexpr (std::is_same_v<Impl, atom_impl>) {
        auto writes = immutable::atom_instrumentation::shared_writes_in_read() - before;
        state.counters["shared_writes_per_read"] = benchmark::Counter(
            reads > 0 ? static_cast<double>(writes) / static_cast<double>(reads) : 0.0,
            benchmark::Counter::kAvgThreads);
    }
}

// The rows whose structure is made of our nodes, where deferred release can happen.
template <class Impl>
constexpr bool holds_our_nodes = std::is_same_v<Impl, atom_impl> || std::is_same_v<Impl, plain_immutable_map_impl>;

// Measures deferred_peak_nodes on thread 0 of the rows that hold our nodes; a no-op elsewhere.
template <class Impl>
class deferred_peak {
public:
    explicit deferred_peak(benchmark::State& state) {
        if (holds_our_nodes<Impl> && state.thread_index() == 0) scope_.emplace(state);
    }
    void report() {
        if (scope_) scope_->report();
    }

private:
    std::optional<immutable_bench::deferred_peak_scope> scope_;
};

// ---- the benchmarks ----------------------------------------------------------------------------

template <class Impl>
void bm_read(benchmark::State& state) {
    (void)Impl::instance();
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 104729;
    (void)Impl::lookup(data().key(i)); // warm-up: the first read of a thread takes the slow path
    auto writes_before = immutable::atom_instrumentation::shared_writes_in_read();
    auto writer_before = background_writer<Impl>::writes.load();
    auto started = std::chrono::steady_clock::now();
    deferred_peak<Impl> deferred(state);
    immutable_bench::alloc_scope allocs(state);
    std::int64_t sum = 0;
    for (auto _ : state) {
        sum += Impl::lookup(data().key(i++));
    }
    benchmark::DoNotOptimize(sum);
    allocs.report();
    deferred.report();
    report_common(state);
    report_shared_writes<Impl>(state, writes_before, static_cast<std::int64_t>(state.iterations()));
    if (state.thread_index() == 0 && background_writer<Impl>::thread.joinable()) {
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        state.counters["writes_per_second"] =
            static_cast<double>(background_writer<Impl>::writes.load() - writer_before) / seconds;
    }
}

// Every thread looks up the same key: the lookup stays in L1, so what is left is the cost of
// synchronization, and for bucket-locked maps the hot-key case (one lock line for all).
template <class Impl>
void bm_read_hot(benchmark::State& state) {
    (void)Impl::instance();
    const std::int64_t key = data().key(0);
    (void)Impl::lookup(key);
    auto writes_before = immutable::atom_instrumentation::shared_writes_in_read();
    deferred_peak<Impl> deferred(state);
    immutable_bench::alloc_scope allocs(state);
    std::int64_t sum = 0;
    for (auto _ : state) {
        sum += Impl::lookup(key);
    }
    benchmark::DoNotOptimize(sum);
    allocs.report();
    deferred.report();
    report_common(state);
    report_shared_writes<Impl>(state, writes_before, static_cast<std::int64_t>(state.iterations()));
}

// Every thread: `write_tenths` writes in every 10 operations, spread evenly.
template <class Impl, int write_tenths>
void bm_mixed(benchmark::State& state) {
    (void)Impl::instance();
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 104729;
    (void)Impl::lookup(data().key(i));
    auto writes_before = immutable::atom_instrumentation::shared_writes_in_read();
    deferred_peak<Impl> deferred(state);
    immutable_bench::alloc_scope allocs(state);
    std::int64_t sum = 0;
    std::int64_t reads = 0;
    for (auto _ : state) {
        std::int64_t k = data().key(i);
        if (static_cast<int>((i * 7) % 10) < write_tenths) {
            Impl::write(k, static_cast<std::int64_t>(i));
        } else {
            sum += Impl::lookup(k);
            ++reads;
        }
        ++i;
    }
    benchmark::DoNotOptimize(sum);
    allocs.report();
    deferred.report();
    report_common(state);
    report_shared_writes<Impl>(state, writes_before, reads);
}

constexpr int thread_counts[] = {1, 2, 4, 8, 16};

template <class Impl>
void register_reference() {
    benchmark::RegisterBenchmark((std::string("atom/read/") + Impl::name).c_str(), bm_read<Impl>)
        ->Arg(static_cast<std::int64_t>(entries))
        ->UseRealTime()
        ->Apply([](benchmark::internal::Benchmark* b) {
            for (int t : thread_counts) b->Threads(t);
        });
}

template <class Impl>
void register_impl() {
    auto name = [](const char* operation) {
        return std::string("atom/") + operation + "/" + Impl::name;
    };
    auto threads = [](benchmark::internal::Benchmark* b) {
        b->Arg(static_cast<std::int64_t>(entries))->UseRealTime();
        for (int t : thread_counts) b->Threads(t);
    };
    threads(benchmark::RegisterBenchmark(name("read").c_str(), bm_read<Impl>));
    threads(benchmark::RegisterBenchmark(name("read_hot").c_str(), bm_read_hot<Impl>));
    threads(benchmark::RegisterBenchmark(name("read_1writer").c_str(), bm_read<Impl>)
                ->Setup(background_writer<Impl>::start)
                ->Teardown(background_writer<Impl>::finish));
    threads(benchmark::RegisterBenchmark(name("mixed_90_10").c_str(), bm_mixed<Impl, 1>));
    threads(benchmark::RegisterBenchmark(name("mixed_70_30").c_str(), bm_mixed<Impl, 3>));
    threads(benchmark::RegisterBenchmark(name("mixed_50_50").c_str(), bm_mixed<Impl, 5>));
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_impl<atom_impl>();
#ifdef IMMUTABLE_BENCH_HAVE_TBB
    register_impl<tbb_impl>();
#endif
#ifdef IMMUTABLE_BENCH_HAVE_CUCKOO
    register_impl<cuckoo_impl>();
#endif
    register_impl<shared_mutex_impl>();
    register_impl<atomic_shared_ptr_impl>();
    register_reference<plain_immutable_map_impl>();
    register_reference<plain_unordered_map_impl>();
    benchmark::AddCustomContext("hardware_concurrency", std::to_string(std::thread::hardware_concurrency()));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
