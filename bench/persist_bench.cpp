// immutable::persist against the physical bound: saving and loading 1,000,000 int64 elements.
//
//   persist/save/list<int64_t>/1000000        writer.add + bytes + fwrite to /dev/shm
//   persist/load/list<int64_t>/1000000        fread from /dev/shm + reader + load
//   persist/load_mapped/list<int64_t>/1000000 the file mapped (mmap) instead of read: the
//                                            reader reads the page cache's pages in place
//   persist/save/map<int64_t,int64_t>/1000000 the same for a map (16 bytes per entry)
//   persist/load/map<int64_t,int64_t>/1000000
//   persist/load_mapped/map<int64_t,int64_t>/1000000
//   persist/versions/map<int64_t,int64_t>/1000000  document for 1,000 versions, each one
//                                            set() apart (no timing; counters only)
//
// The bound is measured inside every row, in the same iterations: each iteration first does
// the raw operation, fwrite or fread of a std::vector<int64_t> holding the same bytes as the
// elements (8 per list element, 16 per map entry), with the row's clock paused, then ours.
// Counters: raw_ms, the raw operation's median thread CPU time per iteration, and vs_raw =
// raw_ms / ours (ours timed the same way), the fraction of raw throughput reached. The
// target is a vs_raw of at least 0.5 for the list. Alternating within each iteration keeps
// the ratio fair on a machine whose load changes from one second to the next.
// The load rows, ours and the raw one alike, start from cold caches, reuse heap memory the
// allocator keeps (no page faults on either side), and stop the clock once the container or
// vector is returned (evict_caches, bm_load and main below say why).
// Counters of the versions row: doc_bytes (all versions), one_version_bytes, path_bytes
// (node bytes one set() copies, from counted<> live bytes), and bound_ratio = doc_bytes /
// (1.1 * one_version_bytes + 1000 * path_bytes), which must stay at most 1.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_support.hpp"

#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/persist.hpp>

namespace {

constexpr std::int64_t n = 1'000'000;

std::string shm_path(const char* name) { return std::string("/dev/shm/immutable_persist_bench_") + name; }

void write_file(const std::string& path, const void* p, std::size_t bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(p, 1, bytes, f) != bytes) std::abort();
    std::fclose(f);
}
// The whole file read (fread) into a buffer that is not zeroed first (it is scratch: the
// loaded container is the product, as the std::vector is on the raw side).
struct read_file {
    explicit read_file(const std::string& path) {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) std::abort();
        std::fseek(f, 0, SEEK_END);
        size = static_cast<std::size_t>(std::ftell(f));
        std::fseek(f, 0, SEEK_SET);
        data = std::make_unique_for_overwrite<std::byte[]>(size);
        if (std::fread(data.get(), 1, size, f) != size) std::abort();
        std::fclose(f);
    }
    std::span<const std::byte> span() const { return {data.get(), size}; }
    std::unique_ptr<std::byte[]> data;
    std::size_t size = 0;
};

// The file mapped read-only: the reader reads the page cache's pages directly, with no copy.
struct mapped_file {
    explicit mapped_file(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) std::abort();
        struct stat st {};
        if (::fstat(fd, &st) != 0) std::abort();
        size = static_cast<std::size_t>(st.st_size);
        data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        ::close(fd);
        if (data == MAP_FAILED) std::abort();
    }
    ~mapped_file() { ::munmap(data, size); }
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    std::span<const std::byte> span() const { return {static_cast<const std::byte*>(data), size}; }
    void* data = nullptr;
    std::size_t size = 0;
};

immutable::list<std::int64_t> make_list() {
    immutable::list<std::int64_t>::builder b;
    for (std::int64_t i = 0; i < n; ++i) b.push_back(i * 7 + 1);
    return b.build();
}
immutable::map<std::int64_t, std::int64_t> make_map() {
    immutable::map<std::int64_t, std::int64_t>::builder b;
    for (std::int64_t i = 0; i < n; ++i) b.set(i * 7 + 1, i);
    return b.build();
}

// Saves `c` alone as a document in the file `path`; returns the document's size.
template <class C>
std::size_t save_to(const std::string& path, const C& c) {
    immutable::persist::writer w;
    w.add(c);
    const auto doc = w.bytes();
    write_file(path, doc.data(), doc.size());
    return doc.size();
}

double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// The raw side of a row and the per-iteration times of both sides: raw_ms and vs_raw.
class raw_bound {
public:
    // `bytes` of int64 values, as the container's elements hold.
    explicit raw_bound(std::size_t bytes) : values_(bytes / sizeof(std::int64_t)) {
        for (std::size_t i = 0; i < values_.size(); ++i) values_[i] = std::int64_t(i) * 7 + 1;
    }
    void save() {
        const double start = thread_cpu_ms();
        write_file(path_, values_.data(), values_.size() * sizeof(std::int64_t));
        raw_.push_back(thread_cpu_ms() - start);
    }
    void prepare_load() { write_file(path_, values_.data(), values_.size() * sizeof(std::int64_t)); }
    void load() {
        const double start = thread_cpu_ms();
        std::FILE* f = std::fopen(path_.c_str(), "rb");
        auto out = std::make_unique<std::vector<std::int64_t>>(values_.size());
        if (!f || std::fread(out->data(), sizeof(std::int64_t), out->size(), f) != out->size()) std::abort();
        std::fclose(f);
        benchmark::DoNotOptimize(out->data());
        raw_.push_back(thread_cpu_ms() - start);
    }
    void ours(double ms) { ours_.push_back(ms); }
    void report(benchmark::State& state) {
        std::remove(path_.c_str());
        if (raw_.empty()) return;
        std::vector<double> ratios;
        for (std::size_t i = 0; i < raw_.size(); ++i) ratios.push_back(raw_[i] / ours_[i]);
        state.counters["raw_ms"] = median(raw_);
        state.counters["vs_raw"] = median(ratios);
    }

private:
    static double median(std::vector<double> v) {
        std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
        return v[v.size() / 2];
    }
    std::vector<std::int64_t> values_;
    std::string path_ = shm_path("raw");
    std::vector<double> raw_;
    std::vector<double> ours_;
};

template <class C>
void bm_save(benchmark::State& state, const C& c, std::size_t element_bytes) {
    const std::string path = shm_path("save");
    raw_bound raw(c.size() * element_bytes);
    for (auto _ : state) {
        state.PauseTiming();
        raw.save();
        state.ResumeTiming();
        const double start = thread_cpu_ms();
        benchmark::DoNotOptimize(save_to(path, c));
        raw.ours(thread_cpu_ms() - start);
    }
    std::remove(path.c_str());
    raw.report(state);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(c.size() * element_bytes));
}

// Every load, ours and the raw one, starts with cold caches, as a program that loads a file
// it wrote a while ago does: with the clock paused, it writes a buffer of several times the
// last-level cache, evicting the document, the file's pages and the memory the last
// iteration used. Back to back, the raw load would otherwise read into an 8 MB vector still
// in cache from its last iteration, while a load's larger footprint (document, nodes, record
// table) does not stay in cache.
void evict_caches() {
    static std::vector<unsigned char> scratch(std::size_t{96} << 20);
    for (std::size_t i = 0; i < scratch.size(); i += 64) scratch[i] = static_cast<unsigned char>(scratch[i] + 1);
    benchmark::ClobberMemory();
}

// The timed part of a load ends when the container is returned: dropping it (and the
// reader, and the document's bytes) is not loading, and runs with the clock paused, as the
// raw side drops its vector. docs/persist.md gives what dropping costs.
// Document is how the file's bytes reach the reader: read_file or mapped_file.
template <class Document, class C>
void bm_load(benchmark::State& state, const C& c, std::size_t element_bytes) {
    const std::string path = shm_path("load");
    state.counters["doc_bytes"] = static_cast<double>(save_to(path, c));
    raw_bound raw(c.size() * element_bytes);
    raw.prepare_load();
    for (auto _ : state) {
        state.PauseTiming();
        evict_caches();
        raw.load();
        evict_caches();
        state.ResumeTiming();
        const double start = thread_cpu_ms();
        auto doc = std::make_unique<Document>(path);
        auto r = std::make_unique<immutable::persist::reader>(doc->span());
        auto loaded = std::make_unique<C>(r->template load<C>(0));
        benchmark::DoNotOptimize(loaded->size());
        raw.ours(thread_cpu_ms() - start);
        state.PauseTiming();
        loaded.reset();
        r.reset();
        doc.reset();
        state.ResumeTiming();
    }
    std::remove(path.c_str());
    raw.report(state);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(c.size() * element_bytes));
}

struct path_nodes;
void bm_versions(benchmark::State& state) {
    using counted_map = immutable::map<std::int64_t, std::int64_t, std::hash<std::int64_t>, std::equal_to<>,
                                       immutable::counted<immutable::heap_policy, path_nodes>>;
    counted_map::builder b;
    for (std::int64_t i = 0; i < n; ++i) b.set(i * 7 + 1, i);
    std::vector<counted_map> versions{b.build()};
    const auto before = immutable::counted<immutable::heap_policy, path_nodes>::live_bytes();
    for (int k = 1; k < 1000; ++k) versions.push_back(versions.back().set((k * 7919) % n * 7 + 1, -k));
    const double path_bytes =
        double(immutable::counted<immutable::heap_policy, path_nodes>::live_bytes() - before) / 999.0;
    std::size_t doc_bytes = 0;
    std::size_t one_bytes = 0;
    for (auto _ : state) {
        immutable::persist::writer one;
        one.add(versions[0]);
        one_bytes = one.bytes().size();
        immutable::persist::writer all;
        for (const auto& v : versions) all.add(v);
        doc_bytes = all.bytes().size();
    }
    state.counters["doc_bytes"] = double(doc_bytes);
    state.counters["one_version_bytes"] = double(one_bytes);
    state.counters["path_bytes"] = path_bytes;
    state.counters["bound_ratio"] = double(doc_bytes) / (1.1 * double(one_bytes) + 1000.0 * path_bytes);
}

void register_all() {
    static const auto list = make_list();
    static const auto map = make_map();
    benchmark::RegisterBenchmark("persist/save/list<int64_t>/1000000", [](benchmark::State& s) { bm_save(s, list, 8); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("persist/load/list<int64_t>/1000000", [](benchmark::State& s) { bm_load<read_file>(s, list, 8); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("persist/load_mapped/list<int64_t>/1000000",
                                 [](benchmark::State& s) { bm_load<mapped_file>(s, list, 8); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("persist/save/map<int64_t,int64_t>/1000000", [](benchmark::State& s) { bm_save(s, map, 16); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("persist/load/map<int64_t,int64_t>/1000000", [](benchmark::State& s) { bm_load<read_file>(s, map, 16); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("persist/load_mapped/map<int64_t,int64_t>/1000000",
                                 [](benchmark::State& s) { bm_load<mapped_file>(s, map, 16); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("persist/versions/map<int64_t,int64_t>/1000000", bm_versions)
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
}

} // namespace

int main(int argc, char** argv) {
    // Both sides of every row reuse memory the allocator keeps warm. By default glibc gives
    // the top of its heap back to the system once more than a threshold is free at the top,
    // and the threshold follows the largest block freed so far: the raw side's one 8 MB
    // vector stays below it and is reused warm, while a load frees the document and 8.5 MB
    // of nodes, goes above it, and would pay page faults for fresh memory at every
    // iteration. Fixed thresholds put both sides in the same steady state.
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    immutable_bench::prepare_process();
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
