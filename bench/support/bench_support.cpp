#include "bench_support.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <utility>
#include <numeric>
#include <thread>
#include <unordered_set>

#include <immutable/memory.hpp>

namespace immutable_bench {

namespace {
// Is the environment variable `name` set to "1"?
bool env_flag(const char* name) {
    const char* flag = std::getenv(name);
    return flag != nullptr && std::string(flag) == "1";
}

bool huge_sizes_enabled() { return env_flag("IMMUTABLE_BENCH_HUGE"); }

// IMMUTABLE_BENCH_MAX_SIZE=N drops the sizes above N (scripts/bench-report --quick sets it).
std::int64_t max_size() {
    const char* value = std::getenv("IMMUTABLE_BENCH_MAX_SIZE");
    if (value == nullptr || *value == '\0') return std::numeric_limits<std::int64_t>::max();
    return std::strtoll(value, nullptr, 10);
}

void add_sizes(benchmark::internal::Benchmark* b, std::initializer_list<std::int64_t> sizes) {
    const std::int64_t limit = max_size();
    for (std::int64_t n : sizes) {
        if (n <= limit) b->Arg(n);
    }
    if (huge_sizes_enabled() && 10000000 <= limit) b->Arg(10000000);
}
} // namespace

void prepare_process() {
    if (std::getenv("IMMUTABLE_BENCH_THREADED") != nullptr) {
        std::fprintf(stderr, "note: IMMUTABLE_BENCH_THREADED is no longer read: a benchmark binary starts a "
                             "thread by default; IMMUTABLE_BENCH_ONE_THREAD=1 measures a one-thread process\n");
    }
    const bool one_thread = env_flag("IMMUTABLE_BENCH_ONE_THREAD");
    if (!one_thread) std::thread([] {}).join();
    benchmark::AddCustomContext("reference_counts",
                                one_thread ? "one-thread process" : "process with threads started (default)");
}

deferred_peak_scope::deferred_peak_scope(benchmark::State& state) : state_(state) {
    // The peak is process-wide: start it afresh so that report() sees this row's peak only.
    immutable::reset_deferred_peak();
}

void deferred_peak_scope::report() {
    state_.counters["deferred_peak_nodes"] =
        static_cast<double>(immutable::deferred_release_stats().peak_queued);
}

void standard_sizes(benchmark::internal::Benchmark* b) {
    add_sizes(b, {1, 10, 100, 1000, 10000, 100000, 1000000});
}

void large_sizes(benchmark::internal::Benchmark* b) {
    add_sizes(b, {1000, 100000, 1000000});
}

bool size_enabled(std::int64_t n) { return n <= max_size(); }

namespace {

// Google Benchmark calls a benchmark function ten or more times (finding the iteration
// count, then once per repetition), and every call used to regenerate its inputs: 100,000
// random strings cost more than the measurement. The last few inputs are kept and copied
// out instead. Only the inputs: containers are still built by each call.
template <class Value>
class input_cache {
public:
    template <class Make>
    std::vector<Value> get(std::uint64_t n, std::uint64_t seed, std::uint64_t extra, Make make) {
        const key k{n, seed, extra};
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (const auto& e : entries_) {
                if (e.first == k) return *e.second;
            }
        }
        auto made = std::make_shared<const std::vector<Value>>(make());
        std::lock_guard<std::mutex> lock(mutex_);
        if (entries_.size() == capacity) entries_.erase(entries_.begin()); // the oldest
        entries_.emplace_back(k, made);
        return *made;
    }

private:
    struct key {
        std::uint64_t n, seed, extra;
        bool operator==(const key&) const = default;
    };
    static constexpr std::size_t capacity = 4;
    std::mutex mutex_;
    std::vector<std::pair<key, std::shared_ptr<const std::vector<Value>>>> entries_;
};

std::vector<std::int64_t> make_int64s(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::int64_t> out(n);
    for (auto& x : out) x = static_cast<std::int64_t>(rng() >> 1);
    return out;
}

std::vector<std::string> make_strings(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::unordered_set<std::string> seen;
    std::vector<std::string> out;
    out.reserve(n);
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    while (out.size() < n) {
        std::size_t len = 16 + rng() % 17;
        std::string s(len, 'a');
        for (auto& c : s) c = alphabet[rng() % (sizeof(alphabet) - 1)];
        if (seen.insert(s).second) out.push_back(std::move(s));
    }
    return out;
}

std::vector<std::size_t> make_indexes(std::size_t n, std::size_t count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> out(count);
    for (auto& i : out) i = n == 0 ? 0 : rng() % n;
    return out;
}

// Small inputs are cheap to make and would only push the large ones out of the cache.
constexpr std::size_t cache_from = 10000;

} // namespace

std::vector<std::int64_t> random_int64s(std::size_t n, std::uint64_t seed) {
    if (n < cache_from) return make_int64s(n, seed);
    static input_cache<std::int64_t> cache;
    return cache.get(n, seed, 0, [&] { return make_int64s(n, seed); });
}

std::vector<std::string> random_strings(std::size_t n, std::uint64_t seed) {
    if (n < cache_from) return make_strings(n, seed);
    static input_cache<std::string> cache;
    return cache.get(n, seed, 0, [&] { return make_strings(n, seed); });
}

std::vector<std::size_t> random_indexes(std::size_t n, std::size_t count, std::uint64_t seed) {
    if (count < cache_from) return make_indexes(n, count, seed);
    static input_cache<std::size_t> cache;
    return cache.get(n, seed, count, [&] { return make_indexes(n, count, seed); });
}

} // namespace immutable_bench
