// Memory under sustained load: versions created and dropped for minutes, memory sampled
// every second. Not a Google Benchmark binary: each configuration runs for a set time in
// its own process and the output is a JSON time series (bench/report/memory_over_time.py
// turns it into the report's "Memory over time" section).
//
// The workload. A version is a map, a sorted_map and a list of N int64 (N = 1,000,000).
// The last K versions are kept; each step picks a random kept version, derives the next one
// (one set() in each container, on a random key or index) and drops the oldest when more
// than K are kept. With 2 threads the step also publishes the new version through three
// atoms and a reader thread loads snapshots from them and reads random entries, so versions
// are last dropped on either thread. Nodes come from counted<heap_policy> or
// counted<pooled_policy>, whose live bytes are exact.
// Baselines run the same steps on one std::map<int64, int64>: a full copy per version, or a
// std::shared_ptr<const std::map> copied on write (in place when no other version shares it).
//
// Every second a sample records: RSS (/proc/self/statm), live bytes (policy counters, or the
// allocation hook for the baselines), bytes held in pools (pooled_policy::stats()), and
// glibc's mallinfo2() arena / in use / free.
//
//   sustained_load_bench --list                          the configurations
//   sustained_load_bench --quick --out memory.json       every configuration, 5 s each
//   sustained_load_bench --out memory.json               every configuration, 60 s each
//   sustained_load_bench --config pooled/K100/threads2 --seconds 600 --out pooled.json
//                                                        one configuration for 10 minutes
// Options: --filter SUBSTRING (configurations whose name contains it), --n N (elements).

#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/sorted_map.hpp>

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

// ---- configurations ---------------------------------------------------------------------

enum class workload { immutable_heap, immutable_pooled, std_map_copy, shared_ptr_cow };

struct config {
    workload kind;
    int keep;    // K: versions kept
    int threads; // 1, or 2 (a writer and a reader of snapshots)

    std::string kind_name() const {
        switch (kind) {
        case workload::immutable_heap: return "heap";
        case workload::immutable_pooled: return "pooled";
        case workload::std_map_copy: return "std::map-copy";
        case workload::shared_ptr_cow: return "shared_ptr-cow";
        }
        return "?";
    }
    std::string name() const {
        return kind_name() + "/K" + std::to_string(keep) + "/threads" + std::to_string(threads);
    }
};

// Baselines keep K full copies of a 1M-entry std::map (about 64 MiB each), so they stop at
// K = 10; K = 100 would need over 6 GiB.
std::vector<config> all_configs() {
    std::vector<config> out;
    for (workload kind : {workload::immutable_heap, workload::immutable_pooled}) {
        for (int keep : {1, 100, 10000}) {
            for (int threads : {1, 2}) out.push_back({kind, keep, threads});
        }
    }
    for (workload kind : {workload::std_map_copy, workload::shared_ptr_cow}) {
        for (int keep : {1, 10}) out.push_back({kind, keep, 1});
    }
    return out;
}

// ---- memory probes ----------------------------------------------------------------------

std::int64_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    long long size = 0, resident = 0;
    const int read = std::fscanf(f, "%lld %lld", &size, &resident);
    std::fclose(f);
    return read == 2 ? resident * static_cast<std::int64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

struct sample {
    double t = 0;
    std::int64_t rss = 0, live = 0, held = 0, arena = 0, in_use = 0, free = 0;
    std::int64_t steps = 0;
};

sample take_sample(double t, std::int64_t live, std::int64_t held, std::int64_t steps) {
    const struct mallinfo2 mi = mallinfo2();
    sample s;
    s.t = t;
    s.rss = resident_bytes();
    s.live = live;
    s.held = held;
    s.arena = static_cast<std::int64_t>(mi.arena + mi.hblkhd);
    s.in_use = static_cast<std::int64_t>(mi.uordblks + mi.hblkhd);
    s.free = static_cast<std::int64_t>(mi.fordblks);
    s.steps = steps;
    return s;
}

// The most free bytes a pool with these limits may hold when `threads` threads use it: the
// shared pool's cap plus, per thread, two batches of every size class (pool.hpp).
std::int64_t pool_held_cap(const immutable::pool_limits& limits, int threads) {
    namespace pool = immutable::detail::pool;
    std::int64_t per_thread = 0;
    for (std::size_t c = 0; c < pool::class_count; ++c) {
        per_thread += 2 * static_cast<std::int64_t>(pool::batch_size(c, limits.batch_blocks, limits.batch_bytes)) *
                      static_cast<std::int64_t>(pool::class_size(c));
    }
    return static_cast<std::int64_t>(limits.shared_bytes) + threads * per_thread;
}

// Calls every second from the writer's loop; stops the run when the time is up.
class sampler {
public:
    explicit sampler(double seconds) : seconds_(seconds), start_(clock_type::now()) {}

    double elapsed() const { return std::chrono::duration<double>(clock_type::now() - start_).count(); }

    // True while the run goes on; takes a sample when a second has passed since the last.
    template <class Probe>
    bool tick(std::int64_t steps, Probe&& probe) {
        const double t = elapsed();
        if (t >= next_) {
            auto [live, held] = probe();
            samples.push_back(take_sample(t, live, held, steps));
            next_ += 1.0;
        }
        return t < seconds_;
    }

    std::vector<sample> samples;

private:
    double seconds_;
    clock_type::time_point start_;
    double next_ = 0;
};

// ---- the immutable workload -------------------------------------------------------------

template <class Policy>
struct version {
    immutable::map<std::int64_t, std::int64_t, std::hash<std::int64_t>, std::equal_to<std::int64_t>, Policy> map;
    immutable::sorted_map<std::int64_t, std::int64_t, std::less<std::int64_t>, Policy> sorted;
    immutable::list<std::int64_t, Policy> list;
};

struct run_result {
    std::vector<sample> samples;
    std::int64_t rss_before = 0;   // RSS before the first container was built
    std::int64_t pool_cap = 0;     // pool_held_cap() for the pooled runs, 0 otherwise
    std::int64_t steps = 0;
    std::int64_t reads = 0;
    std::int64_t live_after = -1;  // live bytes once every version is dropped (-1: not counted)
};

template <class Policy>
run_result run_immutable(const config& cfg, double seconds, std::int64_t n) {
    using counted = immutable::counted<Policy>;
    using version_type = version<counted>;
    run_result result;
    if constexpr (immutable::policy_with_stats<Policy>) result.pool_cap = pool_held_cap(Policy::pool().limits(), cfg.threads);
    result.rss_before = resident_bytes();
    auto probe = [] {
        std::int64_t held = 0;
        if constexpr (immutable::policy_with_stats<Policy>) held = Policy::stats().held_bytes;
        return std::pair<std::int64_t, std::int64_t>{counted::live_bytes(), held};
    };
    {
        std::mt19937_64 rng(42);
        version_type first;
        {
            auto m = first.map.to_builder();
            auto s = first.sorted.to_builder();
            auto l = first.list.to_builder();
            for (std::int64_t i = 0; i < n; ++i) {
                m.set(i, i);
                s.set(i, i);
                l.push_back(i);
            }
            first.map = m.build();
            first.sorted = s.build();
            first.list = l.build();
        }
        std::deque<version_type> kept;
        kept.push_back(std::move(first));

        // One thread: the atoms stay empty, or they would pin the first version for the
        // whole run (its nodes live on as the kept versions diverge from it).
        const bool publish = cfg.threads == 2;
        immutable::atom<decltype(version_type::map)> map_atom(publish ? kept.back().map : decltype(version_type::map){});
        immutable::atom<decltype(version_type::sorted)> sorted_atom(publish ? kept.back().sorted
                                                                            : decltype(version_type::sorted){});
        immutable::atom<decltype(version_type::list)> list_atom(publish ? kept.back().list : decltype(version_type::list){});
        std::atomic<bool> stop{false};
        std::atomic<std::int64_t> reads{0};
        std::thread reader;
        if (publish) {
            reader = std::thread([&] {
                std::mt19937_64 r(7);
                std::int64_t sum = 0, done = 0;
                while (!stop.load(std::memory_order_relaxed)) {
                    auto m = map_atom.load();
                    auto s = sorted_atom.load();
                    auto l = list_atom.load();
                    for (int i = 0; i < 16; ++i) {
                        const auto key = static_cast<std::int64_t>(r() % static_cast<std::uint64_t>(n));
                        sum += m.at(key) + s.at(key) + l[static_cast<std::size_t>(key)];
                    }
                    ++done;
                }
                immutable::reclaim_deferred();
                reads.store(done + (sum == 42 ? 1 : 0), std::memory_order_relaxed);
            });
        }

        sampler clock(seconds);
        std::int64_t steps = 0;
        while (steps % 64 != 0 || clock.tick(steps, probe)) {
            const version_type& base = kept[rng() % kept.size()];
            const auto key = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
            const auto value = static_cast<std::int64_t>(rng());
            version_type next{base.map.set(key, value), base.sorted.set(key, value),
                              base.list.set(static_cast<std::size_t>(key), value)};
            if (publish) {
                map_atom.store(next.map);
                sorted_atom.store(next.sorted);
                list_atom.store(next.list);
            }
            kept.push_back(std::move(next));
            if (kept.size() > static_cast<std::size_t>(cfg.keep)) kept.pop_front();
            ++steps;
        }
        stop.store(true);
        if (reader.joinable()) reader.join();
        result.samples = std::move(clock.samples);
        result.steps = steps;
        result.reads = reads.load();
    }
    immutable::reclaim_deferred();
    result.live_after = counted::live_bytes();
    return result;
}

// ---- the baselines ----------------------------------------------------------------------

using std_map = std::map<std::int64_t, std::int64_t>;

// Live bytes of the baselines: what this thread asked operator new for and has not freed
// (the benchmark's allocation hook; the baselines never leave this thread).
std::int64_t thread_live_bytes() { return immutable_bench::thread_alloc_stats().live_bytes(); }

template <class Version, class Derive>
run_result run_baseline(const config& cfg, double seconds, std::int64_t n, Version first, Derive derive,
                        std::int64_t live_start) {
    run_result result;
    std::mt19937_64 rng(42);
    {
        std::deque<Version> kept;
        kept.push_back(std::move(first));
        auto probe = [live_start] { return std::pair<std::int64_t, std::int64_t>{thread_live_bytes() - live_start, 0}; };
        sampler clock(seconds);
        std::int64_t steps = 0;
        while (clock.tick(steps, probe)) {
            const std::size_t pick = rng() % kept.size();
            const auto key = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
            const auto value = static_cast<std::int64_t>(rng());
            kept.push_back(derive(kept, pick, key, value));
            if (kept.size() > static_cast<std::size_t>(cfg.keep)) kept.pop_front();
            ++steps;
        }
        result.samples = std::move(clock.samples);
        result.steps = steps;
    }
    result.live_after = thread_live_bytes() - live_start;
    return result;
}

run_result run_std_map(const config& cfg, double seconds, std::int64_t n) {
    const std::int64_t rss_before = resident_bytes();
    const std::int64_t live_start = thread_live_bytes();
    std_map first;
    for (std::int64_t i = 0; i < n; ++i) first.emplace_hint(first.end(), i, i);
    run_result result;
    if (cfg.kind == workload::std_map_copy) {
        result = run_baseline(cfg, seconds, n, std::move(first),
                              [](std::deque<std_map>& kept, std::size_t pick, std::int64_t key, std::int64_t value) {
                                  std_map next = kept[pick];
                                  next[key] = value;
                                  return next;
                              },
                              live_start);
    } else {
        using shared = std::shared_ptr<const std_map>;
        // With K = 1 the only version is moved out of the deque first, so nobody else holds
        // it and the write happens in place: the best case of copy-on-write.
        result = run_baseline(cfg, seconds, n, std::make_shared<const std_map>(std::move(first)),
                              [&cfg](std::deque<shared>& kept, std::size_t pick, std::int64_t key, std::int64_t value) {
                                  shared base = cfg.keep == 1 ? std::move(kept[pick]) : kept[pick];
                                  if (cfg.keep == 1) kept.clear();
                                  std::shared_ptr<std_map> next;
                                  if (base.use_count() == 1) {
                                      next = std::const_pointer_cast<std_map>(std::move(base));
                                  } else {
                                      next = std::make_shared<std_map>(*base);
                                  }
                                  (*next)[key] = value;
                                  return shared(std::move(next));
                              },
                              live_start);
    }
    result.rss_before = rss_before;
    return result;
}

run_result run_config(const config& cfg, double seconds, std::int64_t n) {
    switch (cfg.kind) {
    case workload::immutable_heap: return run_immutable<immutable::heap_policy>(cfg, seconds, n);
    case workload::immutable_pooled: return run_immutable<immutable::pooled_policy>(cfg, seconds, n);
    default: return run_std_map(cfg, seconds, n);
    }
}

// ---- output -----------------------------------------------------------------------------

std::string json_record(const config& cfg, double seconds, std::int64_t n, const run_result& r) {
    std::string out;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"name\": \"%s\", \"workload\": \"%s\", \"keep\": %d, \"threads\": %d, \"n\": %" PRId64
                  ", \"seconds\": %.1f, \"rss_before\": %" PRId64 ", \"pool_cap\": %" PRId64 ", \"steps\": %" PRId64
                  ", \"reads\": %" PRId64 ", \"live_after\": %" PRId64 ", \"samples\": [",
                  cfg.name().c_str(), cfg.kind_name().c_str(), cfg.keep, cfg.threads, n, seconds, r.rss_before,
                  r.pool_cap, r.steps, r.reads, r.live_after);
    out += buf;
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
        const sample& s = r.samples[i];
        std::snprintf(buf, sizeof buf,
                      "%s\n  {\"t\": %.2f, \"rss\": %" PRId64 ", \"live\": %" PRId64 ", \"held\": %" PRId64
                      ", \"arena\": %" PRId64 ", \"in_use\": %" PRId64 ", \"free\": %" PRId64 ", \"steps\": %" PRId64 "}",
                      i == 0 ? "" : ",", s.t, s.rss, s.live, s.held, s.arena, s.in_use, s.free, s.steps);
        out += buf;
    }
    out += "]}";
    return out;
}

// Runs one configuration in a child process, so every run starts from a fresh heap and its
// RSS before the first container means the same thing. Returns the child's JSON record.
std::string run_in_child(const config& cfg, double seconds, std::int64_t n) {
    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        std::exit(1);
    }
    if (pid == 0) {
        close(fds[0]);
        const std::string record = json_record(cfg, seconds, n, run_config(cfg, seconds, n));
        std::size_t written = 0;
        while (written < record.size()) {
            const ssize_t w = write(fds[1], record.data() + written, record.size() - written);
            if (w <= 0) _exit(1);
            written += static_cast<std::size_t>(w);
        }
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::string record;
    char buf[65536];
    ssize_t got;
    while ((got = read(fds[0], buf, sizeof buf)) > 0) record.append(buf, static_cast<std::size_t>(got));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "sustained_load_bench: %s failed (status %d)\n", cfg.name().c_str(), status);
        return {};
    }
    return record;
}

void usage(std::FILE* to) {
    std::fputs("usage: sustained_load_bench [--list] [--quick] [--seconds S] [--config NAME | --filter TEXT]\n"
               "                            [--n N] [--out FILE]\n"
               "  every configuration runs S seconds (default 60; --quick: 5) in its own process;\n"
               "  --config runs exactly one (see --list), in this process. JSON goes to FILE or stdout.\n",
               to);
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 60;
    std::int64_t n = 1000000;
    std::string only, filter, out_path;
    bool list = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage(stderr);
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--quick") seconds = 5;
        else if (arg == "--seconds") seconds = std::atof(value().c_str());
        else if (arg == "--config") only = value();
        else if (arg == "--filter") filter = value();
        else if (arg == "--n") n = std::atoll(value().c_str());
        else if (arg == "--out") out_path = value();
        else if (arg == "--list") list = true;
        else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "sustained_load_bench: unknown option %s\n", arg.c_str());
            usage(stderr);
            return 2;
        }
    }
    std::vector<config> chosen;
    for (const config& c : all_configs()) {
        if (!only.empty() ? c.name() == only : c.name().find(filter) != std::string::npos) chosen.push_back(c);
    }
    if (list) {
        for (const config& c : chosen) std::printf("%s\n", c.name().c_str());
        return 0;
    }
    if (chosen.empty()) {
        std::fprintf(stderr, "sustained_load_bench: no configuration matches (--list shows them)\n");
        return 2;
    }

    std::string records;
    bool failed = false;
    for (const config& c : chosen) {
        std::fprintf(stderr, "sustained_load_bench: %s for %.0f s\n", c.name().c_str(), seconds);
        const std::string record =
            only.empty() ? run_in_child(c, seconds, n) : json_record(c, seconds, n, run_config(c, seconds, n));
        if (record.empty()) {
            failed = true;
            continue;
        }
        records += (records.empty() ? "\n" : ",\n") + record;
    }
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    std::string json = "{\"context\": {\"host\": \"" + std::string(host) + "\", \"cores\": " +
                       std::to_string(std::thread::hardware_concurrency()) + ", \"page_size\": " +
                       std::to_string(sysconf(_SC_PAGESIZE)) + "},\n\"runs\": [" + records + "]}\n";
    std::FILE* out = out_path.empty() ? stdout : std::fopen(out_path.c_str(), "w");
    if (out == nullptr) {
        std::perror(out_path.c_str());
        return 1;
    }
    std::fputs(json.c_str(), out);
    if (out != stdout) std::fclose(out);
    return failed ? 1 : 0;
}
