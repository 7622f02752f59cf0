// immutable::map against std::unordered_map and absl::flat_hash_map, with int64_t keys
// (operations without suffix) and std::string keys of 16-32 characters (suffix _string).
// find_hit_string_view looks std::string keys up by std::string_view through a transparent
// hash (heterogeneous lookup), ours against std::unordered_map's
// (Debian's absl hashes absl::string_view, a type of its own, so it has no such row).
// The _strided rows use int64_t keys that are multiples of 1024 (aligned addresses, ids
// with a shard number in the low bits cleared, ...), which an identity hash, libstdc++'s
// std::hash<int64_t>, maps to hashes whose low bits are all zero.
//
// Mutable peers cannot do a persistent insert at any sane cost (copy the whole table), so
// the `insert` rows measure their plain in-place insert, named "(mutable)", as the
// baseline a persistent map is weighed against. Every benchmark measures one operation per
// iteration at size N unless its name says otherwise (equal, diff: one whole comparison).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "bench_support.hpp"

#include <immutable/map.hpp>

#ifdef IMMUTABLE_BENCH_HAVE_ABSL
#include <absl/container/flat_hash_map.h>
#endif

namespace {

using immutable_bench::alloc_scope;
using immutable_bench::thread_alloc_stats;

template <class K>
std::vector<K> make_keys(std::size_t n, std::uint64_t seed);
template <>
std::vector<std::int64_t> make_keys<std::int64_t>(std::size_t n, std::uint64_t seed) {
    return immutable_bench::random_int64s(n, seed);
}
// Multiples of 1024 in random order, as a stand-in key type (only the values differ).
struct strided {};
std::vector<std::int64_t> make_strided_keys(std::size_t n, std::uint64_t seed) {
    std::vector<std::int64_t> keys = immutable_bench::random_int64s(n, seed);
    for (auto& k : keys) k = static_cast<std::int64_t>(static_cast<std::uint64_t>(k) & ~std::uint64_t{1023});
    return keys;
}
template <>
std::vector<std::string> make_keys<std::string>(std::size_t n, std::uint64_t seed) {
    return immutable_bench::random_strings(n, seed);
}

// The keys of a map of size n, and as many keys absent from it (another seed; for
// strings the generator's alphabet and lengths make an accidental match negligible).
// Gen names the key generator: the key type itself, or `strided` for int64_t keys.
template <class Gen>
using key_of = std::conditional_t<std::is_same_v<Gen, strided>, std::int64_t, Gen>;

template <class Gen>
std::vector<key_of<Gen>> keys_of(std::size_t n, std::uint64_t seed) {
    if constexpr (std::is_same_v<Gen, strided>) {
        return make_strided_keys(n, seed);
    } else {
        return make_keys<Gen>(n, seed);
    }
}

template <class Gen, class K = key_of<Gen>>
struct inputs {
    std::vector<K> present;
    std::vector<K> absent;
    std::vector<std::size_t> order; // random lookup order over `present`
    explicit inputs(std::size_t n)
        : present(keys_of<Gen>(n, 42)), absent(keys_of<Gen>(n, 4242)),
          order(immutable_bench::random_indexes(n, n < 4096 ? 4096 : n, 7)) {}
};

template <class K>
using imap = immutable::map<K, std::int64_t>;
template <class K>
using std_map = std::unordered_map<K, std::int64_t>;
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
template <class K>
using absl_map = absl::flat_hash_map<K, std::int64_t>;
#endif

// ---- building ----------------------------------------------------------------------------

template <class Map>
struct mutable_ops {
    static Map build(const std::vector<typename Map::key_type>& keys) {
        Map m;
        for (std::size_t i = 0; i < keys.size(); ++i) m.emplace(keys[i], static_cast<std::int64_t>(i));
        return m;
    }
    static const std::int64_t* find(const Map& m, const typename Map::key_type& k) {
        auto it = m.find(k);
        return it == m.end() ? nullptr : &it->second;
    }
};
// The std and absl peers are filled by emplace; every immutable::map (any hash, equality
// and policy) through its builder.
template <class Map>
struct ops_of : mutable_ops<Map> {};

template <class K, class Hash, class Equal, class Policy>
struct ops_of<immutable::map<K, std::int64_t, Hash, Equal, Policy>> {
    using map_type = immutable::map<K, std::int64_t, Hash, Equal, Policy>;
    static map_type build(const std::vector<K>& keys) {
        typename map_type::builder b;
        for (std::size_t i = 0; i < keys.size(); ++i) b.set(keys[i], static_cast<std::int64_t>(i));
        return b.build();
    }
    static const std::int64_t* find(const map_type& m, const K& k) { return m.find(k); }
};

// Builds the container and records what it keeps allocated per entry.
template <class Map>
Map build_measured(benchmark::State& state, const std::vector<typename Map::key_type>& keys) {
    auto before = thread_alloc_stats().live_bytes();
    Map m = ops_of<Map>::build(keys);
    immutable_bench::record_bytes_per_element(state, thread_alloc_stats().live_bytes() - before,
                                              static_cast<std::int64_t>(keys.size()));
    return m;
}

// Whole container from N keys (immutable: through a builder).
template <class Map>
void bm_build(benchmark::State& state) {
    using K = typename Map::key_type;
    auto keys = make_keys<K>(static_cast<std::size_t>(state.range(0)), 42);
    alloc_scope allocs(state);
    for (auto _ : state) {
        Map m = build_measured<Map>(state, keys);
        benchmark::DoNotOptimize(&m);
    }
    allocs.report();
}

// ---- insert --------------------------------------------------------------------------------

// One persistent insert of a new key into a map of N; the new version is dropped after.
template <class Gen>
void bm_insert_persistent(benchmark::State& state) {
    using K = key_of<Gen>;
    inputs<Gen> in(static_cast<std::size_t>(state.range(0)));
    imap<K> m = ops_of<imap<K>>::build(in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        imap<K> next = m.set(in.absent[i], 1);
        benchmark::DoNotOptimize(next.identity());
        if (++i == in.absent.size()) i = 0;
    }
    allocs.report();
}

// Builder inserts of new keys, starting from a builder over a map of N. Every N inserts
// the builder starts over (untimed), so the size stays between N and 2N.
template <class K>
void bm_insert_builder(benchmark::State& state) {
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    imap<K> m = ops_of<imap<K>>::build(in.present);
    auto b = m.to_builder();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        b.set(in.absent[i], 1);
        if (++i == in.absent.size()) {
            state.PauseTiming();
            b = m.to_builder();
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

// The mutable baseline: plain in-place insert, same key stream and reset as the builder.
template <class Map, class Gen = typename Map::key_type>
void bm_insert_mutable(benchmark::State& state) {
    inputs<Gen> in(static_cast<std::size_t>(state.range(0)));
    const Map base = ops_of<Map>::build(in.present);
    Map m = base;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        m.emplace(in.absent[i], 1);
        if (++i == in.absent.size()) {
            state.PauseTiming();
            m = base;
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

// For tiny maps, where resetting a mutable map would dominate: what a mutable map pays to
// keep its old version, a copy of the N entries and then the change (insert an absent key,
// or erase a present one).
enum class copied_change { insert, erase };

template <class Map, copied_change Change>
void bm_change_copy(benchmark::State& state) {
    using K = typename Map::key_type;
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const Map base = ops_of<Map>::build(in.present);
    const std::size_t cycle = Change == copied_change::insert ? in.absent.size() : in.order.size();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        Map next = base;
        if constexpr (Change == copied_change::insert) next.emplace(in.absent[i], 1);
        else next.erase(in.present[in.order[i]]);
        benchmark::DoNotOptimize(&next);
        if (++i == cycle) i = 0;
    }
    allocs.report();
}

// ---- lookups -------------------------------------------------------------------------------

template <class Map, class Gen = typename Map::key_type>
void bm_find_hit(benchmark::State& state) {
    inputs<Gen> in(static_cast<std::size_t>(state.range(0)));
    const Map m = build_measured<Map>(state, in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(ops_of<Map>::find(m, in.present[in.order[i]]));
        if (++i == in.order.size()) i = 0;
    }
    allocs.report();
}

template <class Map, class Gen = typename Map::key_type>
void bm_find_miss(benchmark::State& state) {
    inputs<Gen> in(static_cast<std::size_t>(state.range(0)));
    const Map m = ops_of<Map>::build(in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(ops_of<Map>::find(m, in.absent[i]));
        if (++i == in.absent.size()) i = 0;
    }
    allocs.report();
}

// Heterogeneous lookup: std::string keys found by std::string_view through a transparent
// hash and std::equal_to<>, so no std::string is made per lookup.
struct string_view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using view_map = immutable::map<std::string, std::int64_t, string_view_hash, std::equal_to<>>;
using std_view_map = std::unordered_map<std::string, std::int64_t, string_view_hash, std::equal_to<>>;

template <class Map>
void bm_find_hit_view(benchmark::State& state) {
    inputs<std::string> in(static_cast<std::size_t>(state.range(0)));
    const Map m = build_measured<Map>(state, in.present);
    immutable_bench::time_string_view_finds(state, m, in.present, in.order);
}

// ---- erase ---------------------------------------------------------------------------------

// One persistent erase from a map of N; the new version is dropped after.
template <class K>
void bm_erase_persistent(benchmark::State& state) {
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const imap<K> m = ops_of<imap<K>>::build(in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        imap<K> next = m.erase(in.present[in.order[i]]);
        benchmark::DoNotOptimize(next.identity());
        if (++i == in.order.size()) i = 0;
    }
    allocs.report();
}

// The mutable baseline: plain in-place erase; refilled (untimed) after erasing half.
template <class Map>
void bm_erase_mutable(benchmark::State& state) {
    using K = typename Map::key_type;
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const Map base = ops_of<Map>::build(in.present);
    Map m = base;
    std::size_t i = 0, half = in.present.size() / 2;
    alloc_scope allocs(state);
    for (auto _ : state) {
        m.erase(in.present[i]);
        if (++i == half) {
            state.PauseTiming();
            m = base;
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

// ---- iteration -----------------------------------------------------------------------------

// One step of an iterator (wrapping around at the end) plus reading the entry.
template <class Map>
void bm_iterate(benchmark::State& state) {
    using K = typename Map::key_type;
    auto keys = make_keys<K>(static_cast<std::size_t>(state.range(0)), 42);
    const Map m = ops_of<Map>::build(keys);
    auto it = m.begin();
    std::int64_t sum = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        sum += it->second;
        if (++it == m.end()) it = m.begin();
    }
    benchmark::DoNotOptimize(sum);
    allocs.report();
}

// ---- whole-map comparisons -----------------------------------------------------------------

// Two equal maps built independently (different insertion orders), compared whole.
template <class Map>
void bm_equal(benchmark::State& state) {
    using K = typename Map::key_type;
    auto keys = make_keys<K>(static_cast<std::size_t>(state.range(0)), 42);
    const Map a = ops_of<Map>::build(keys);
    std::vector<K> reversed(keys.rbegin(), keys.rend());
    Map b;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if constexpr (requires { b.emplace(reversed[i], 0); }) {
            b.emplace(reversed[i], static_cast<std::int64_t>(keys.size() - 1 - i));
        } else {
            b = b.set(reversed[i], static_cast<std::int64_t>(keys.size() - 1 - i));
        }
    }
    alloc_scope allocs(state);
    for (auto _ : state) benchmark::DoNotOptimize(a == b);
    allocs.report();
}

// Diff of a map against a version with 1% of its values changed.
template <class K>
void bm_diff_persistent(benchmark::State& state) {
    auto keys = make_keys<K>(static_cast<std::size_t>(state.range(0)), 42);
    const imap<K> a = ops_of<imap<K>>::build(keys);
    imap<K> b = a;
    for (std::size_t i = 0; i < keys.size(); i += 100) b = b.set(keys[i], -1);
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::size_t changes = 0;
        immutable::diff(
            a, b, [&](const auto&) { ++changes; }, [&](const auto&) { ++changes; },
            [&](const auto&, const auto&) { ++changes; });
        benchmark::DoNotOptimize(changes);
    }
    allocs.report();
}

// A hash map has no structure to share: its diff is a full scan of both sides.
template <class Map>
void bm_diff_scan(benchmark::State& state) {
    using K = typename Map::key_type;
    auto keys = make_keys<K>(static_cast<std::size_t>(state.range(0)), 42);
    const Map a = ops_of<Map>::build(keys);
    Map b = a;
    for (std::size_t i = 0; i < keys.size(); i += 100) b[keys[i]] = -1;
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::size_t changes = 0;
        for (const auto& [k, v] : a) {
            auto it = b.find(k);
            if (it == b.end() || it->second != v) ++changes;
        }
        for (const auto& e : b) {
            if (!a.contains(e.first)) ++changes;
        }
        benchmark::DoNotOptimize(changes);
    }
    allocs.report();
}

template <class K>
void register_all(const std::string& suffix) {
    auto name = [&](const char* op, const char* impl) { return std::string("map/") + op + suffix + "/" + impl; };
    auto sizes = immutable_bench::large_sizes;
    benchmark::RegisterBenchmark(name("insert", "immutable::map(persistent)").c_str(), bm_insert_persistent<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("insert", "immutable::map::builder").c_str(), bm_insert_builder<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("insert", "std::unordered_map(mutable)").c_str(), bm_insert_mutable<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("insert", "absl::flat_hash_map(mutable)").c_str(), bm_insert_mutable<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("build", "immutable::map::builder").c_str(), bm_build<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("build", "std::unordered_map").c_str(), bm_build<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("build", "absl::flat_hash_map").c_str(), bm_build<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("find_hit", "immutable::map").c_str(), bm_find_hit<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("find_hit", "std::unordered_map").c_str(), bm_find_hit<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("find_hit", "absl::flat_hash_map").c_str(), bm_find_hit<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("find_miss", "immutable::map").c_str(), bm_find_miss<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("find_miss", "std::unordered_map").c_str(), bm_find_miss<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("find_miss", "absl::flat_hash_map").c_str(), bm_find_miss<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("erase", "immutable::map(persistent)").c_str(), bm_erase_persistent<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("erase", "std::unordered_map(mutable)").c_str(), bm_erase_mutable<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("erase", "absl::flat_hash_map(mutable)").c_str(), bm_erase_mutable<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("iterate", "immutable::map").c_str(), bm_iterate<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("iterate", "std::unordered_map").c_str(), bm_iterate<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("iterate", "absl::flat_hash_map").c_str(), bm_iterate<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("equal", "immutable::map").c_str(), bm_equal<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("equal", "std::unordered_map").c_str(), bm_equal<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("equal", "absl::flat_hash_map").c_str(), bm_equal<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("diff_1pct", "immutable::map").c_str(), bm_diff_persistent<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("diff_1pct", "std::unordered_map(full scan)").c_str(), bm_diff_scan<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("diff_1pct", "absl::flat_hash_map(full scan)").c_str(), bm_diff_scan<absl_map<K>>)->Apply(sizes);
#endif
}

// Maps of 0, 1 and 8 entries (the empty and single-entry fast paths; one root node).
template <class K>
void register_small(const std::string& suffix) {
    auto name = [&](const char* op, const char* impl) { return std::string("map/") + op + suffix + "/" + impl; };
    auto sizes = [](benchmark::internal::Benchmark* b) { b->Arg(1)->Arg(8); };
    benchmark::RegisterBenchmark(name("find_hit", "immutable::map").c_str(), bm_find_hit<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("find_hit", "std::unordered_map").c_str(), bm_find_hit<std_map<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("find_miss", "immutable::map").c_str(), bm_find_miss<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("find_miss", "std::unordered_map").c_str(), bm_find_miss<std_map<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("insert", "immutable::map(persistent)").c_str(), bm_insert_persistent<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("insert", "std::unordered_map(copy)").c_str(), bm_change_copy<std_map<K>, copied_change::insert>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("erase", "immutable::map(persistent)").c_str(), bm_erase_persistent<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("erase", "std::unordered_map(copy)").c_str(), bm_change_copy<std_map<K>, copied_change::erase>)->Apply(sizes);
    auto empty_and_one = [](benchmark::internal::Benchmark* b) { b->Arg(0)->Arg(1); };
    benchmark::RegisterBenchmark(name("equal", "immutable::map").c_str(), bm_equal<imap<K>>)->Apply(empty_and_one);
    benchmark::RegisterBenchmark(name("equal", "std::unordered_map").c_str(), bm_equal<std_map<K>>)->Apply(empty_and_one);
}

// Keys that are multiples of 1024 (see the top of the file).
void register_strided() {
    using K = std::int64_t;
    auto sizes = immutable_bench::large_sizes;
    benchmark::RegisterBenchmark("map/insert_strided/immutable::map(persistent)", bm_insert_persistent<strided>)->Apply(sizes);
    benchmark::RegisterBenchmark("map/insert_strided/std::unordered_map(mutable)", bm_insert_mutable<std_map<K>, strided>)->Apply(sizes);
    benchmark::RegisterBenchmark("map/find_hit_strided/immutable::map", bm_find_hit<imap<K>, strided>)->Apply(sizes);
    benchmark::RegisterBenchmark("map/find_hit_strided/std::unordered_map", bm_find_hit<std_map<K>, strided>)->Apply(sizes);
    benchmark::RegisterBenchmark("map/find_miss_strided/immutable::map", bm_find_miss<imap<K>, strided>)->Apply(sizes);
    benchmark::RegisterBenchmark("map/find_miss_strided/std::unordered_map", bm_find_miss<std_map<K>, strided>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark("map/find_hit_strided/absl::flat_hash_map", bm_find_hit<absl_map<K>, strided>)->Apply(sizes);
#endif
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_all<std::int64_t>("");
    register_all<std::string>("_string");
    register_small<std::int64_t>("");
    register_small<std::string>("_string");
    register_strided();
    benchmark::RegisterBenchmark("map/find_hit_string_view/immutable::map", bm_find_hit_view<view_map>)
        ->Apply(immutable_bench::large_sizes);
    benchmark::RegisterBenchmark("map/find_hit_string_view/std::unordered_map", bm_find_hit_view<std_view_map>)
        ->Apply(immutable_bench::large_sizes);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
