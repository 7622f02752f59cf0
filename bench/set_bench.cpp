// immutable::set against std::unordered_set (and absl::flat_hash_set): building, lookups,
// and set algebra. Algebra rows come in two shapes:
//   *_overlap50: two sets of N built independently, half their elements in common (no
//                shared structure: every slot must be merged);
//   *_shared1pct: the right operand derived from the left by changing 1% of it (most
//                subtrees shared by pointer: ours skips them, a hash table cannot).
// Each iteration computes one whole result.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "bench_support.hpp"

#include <immutable/set.hpp>

#ifdef IMMUTABLE_BENCH_HAVE_ABSL
#include <absl/container/flat_hash_set.h>
#endif

namespace {

using immutable_bench::alloc_scope;
using immutable_bench::thread_alloc_stats;

using iset = immutable::set<std::int64_t>;
using std_set = std::unordered_set<std::int64_t>;
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
using absl_set = absl::flat_hash_set<std::int64_t>;
#endif

template <class Set>
Set build(const std::vector<std::int64_t>& values) {
    if constexpr (std::is_same_v<Set, iset>) {
        iset::builder b;
        for (auto v : values) b.insert(v);
        return b.build();
    } else {
        Set s;
        for (auto v : values) s.insert(v);
        return s;
    }
}

// The two operands of each shape.
struct operands {
    std::vector<std::int64_t> left, right;
};

operands overlap50(std::size_t n) {
    auto pool = immutable_bench::random_int64s(n + n / 2, 42);
    operands o;
    o.left.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n));
    o.right.assign(pool.begin() + static_cast<std::ptrdiff_t>(n / 2), pool.end());
    return o;
}

// ---- the algebra, mutable peers ---------------------------------------------------------

template <class Set>
Set unite(const Set& a, const Set& b) {
    if constexpr (std::is_same_v<Set, iset>) {
        return a | b;
    } else {
        Set out = a;
        out.insert(b.begin(), b.end());
        return out;
    }
}
template <class Set>
Set intersect(const Set& a, const Set& b) {
    if constexpr (std::is_same_v<Set, iset>) {
        return a & b;
    } else {
        Set out;
        const Set& small = a.size() <= b.size() ? a : b;
        const Set& large = a.size() <= b.size() ? b : a;
        for (auto v : small) {
            if (large.contains(v)) out.insert(v);
        }
        return out;
    }
}
template <class Set>
Set subtract(const Set& a, const Set& b) {
    if constexpr (std::is_same_v<Set, iset>) {
        return a - b;
    } else {
        Set out;
        for (auto v : a) {
            if (!b.contains(v)) out.insert(v);
        }
        return out;
    }
}

enum class op_kind { unite, intersect, subtract };

template <class Set>
Set apply(op_kind op, const Set& a, const Set& b) {
    switch (op) {
    case op_kind::unite:
        return unite(a, b);
    case op_kind::intersect:
        return intersect(a, b);
    default:
        return subtract(a, b);
    }
}

template <class Set, op_kind Op>
void bm_overlap50(benchmark::State& state) {
    auto o = overlap50(static_cast<std::size_t>(state.range(0)));
    const Set a = build<Set>(o.left), b = build<Set>(o.right);
    alloc_scope allocs(state);
    for (auto _ : state) {
        Set r = apply(Op, a, b);
        benchmark::DoNotOptimize(&r);
    }
    allocs.report();
}

// Right operand: the left with 0.5% of its elements removed and 0.5% new ones added.
template <class Set, op_kind Op>
void bm_shared1pct(benchmark::State& state) {
    auto n = static_cast<std::size_t>(state.range(0));
    auto values = immutable_bench::random_int64s(n, 42);
    auto extra = immutable_bench::random_int64s(n / 200 + 1, 99);
    const Set a = build<Set>(values);
    Set b = a;
    for (std::size_t i = 0; i < n; i += 200) {
        if constexpr (std::is_same_v<Set, iset>) {
            b = b.erase(values[i]).insert(extra[i / 200]);
        } else {
            b.erase(values[i]);
            b.insert(extra[i / 200]);
        }
    }
    alloc_scope allocs(state);
    for (auto _ : state) {
        Set r = apply(Op, a, b);
        benchmark::DoNotOptimize(&r);
    }
    allocs.report();
}

template <class Set>
void bm_build(benchmark::State& state) {
    auto values = immutable_bench::random_int64s(static_cast<std::size_t>(state.range(0)), 42);
    alloc_scope allocs(state);
    for (auto _ : state) {
        auto before = thread_alloc_stats().live_bytes();
        Set s = build<Set>(values);
        immutable_bench::record_bytes_per_element(state, thread_alloc_stats().live_bytes() - before,
                                                  state.range(0));
        benchmark::DoNotOptimize(&s);
    }
    allocs.report();
}

template <class Set>
void bm_contains_hit(benchmark::State& state) {
    auto n = static_cast<std::size_t>(state.range(0));
    auto values = immutable_bench::random_int64s(n, 42);
    auto order = immutable_bench::random_indexes(n, n < 4096 ? 4096 : n, 7);
    const Set s = build<Set>(values);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.contains(values[order[i]]));
        if (++i == order.size()) i = 0;
    }
    allocs.report();
}

template <class Set>
void register_set(const std::string& impl) {
    auto sizes = immutable_bench::large_sizes;
    auto reg = [&](const std::string& op, auto fn) {
        benchmark::RegisterBenchmark(("set/" + op + "/" + impl).c_str(), fn)->Apply(sizes);
    };
    reg("build", bm_build<Set>);
    reg("contains_hit", bm_contains_hit<Set>);
    reg("union_overlap50", bm_overlap50<Set, op_kind::unite>);
    reg("intersection_overlap50", bm_overlap50<Set, op_kind::intersect>);
    reg("difference_overlap50", bm_overlap50<Set, op_kind::subtract>);
    reg("union_shared1pct", bm_shared1pct<Set, op_kind::unite>);
    reg("intersection_shared1pct", bm_shared1pct<Set, op_kind::intersect>);
    reg("difference_shared1pct", bm_shared1pct<Set, op_kind::subtract>);
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_set<iset>("immutable::set");
    register_set<std_set>("std::unordered_set");
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    register_set<absl_set>("absl::flat_hash_set");
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
