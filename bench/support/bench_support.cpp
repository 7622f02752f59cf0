#include "bench_support.hpp"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <unordered_set>

namespace immutable_bench {

namespace {
bool huge_sizes_enabled() {
    const char* flag = std::getenv("IMMUTABLE_BENCH_HUGE");
    return flag != nullptr && std::string(flag) == "1";
}

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

void standard_sizes(benchmark::internal::Benchmark* b) {
    add_sizes(b, {1, 10, 100, 1000, 10000, 100000, 1000000});
}

void large_sizes(benchmark::internal::Benchmark* b) {
    add_sizes(b, {1000, 100000, 1000000});
}

bool size_enabled(std::int64_t n) { return n <= max_size(); }

std::vector<std::int64_t> random_int64s(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::int64_t> out(n);
    for (auto& x : out) x = static_cast<std::int64_t>(rng() >> 1);
    return out;
}

std::vector<std::string> random_strings(std::size_t n, std::uint64_t seed) {
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

std::vector<std::size_t> random_indexes(std::size_t n, std::size_t count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> out(count);
    for (auto& i : out) i = n == 0 ? 0 : rng() % n;
    return out;
}

} // namespace immutable_bench
