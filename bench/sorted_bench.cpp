// immutable::sorted_map / sorted_set against std::map / std::set and absl::btree_map /
// absl::btree_set, with int64_t keys (operations without suffix) and std::string keys of
// 16-32 characters (suffix _string, a subset used to pick the node sizes). find_hit_string_view
// looks std::string keys up by std::string_view through std::less<> (heterogeneous lookup),
// ours against std::map's.
//
// Every benchmark measures one operation per iteration at size N unless its name says
// otherwise (bulk_load: one whole construction; union: one whole union). Mutable peers
// cannot make a new version per insert at any sane cost, so the insert and erase rows
// measure their in-place operation, named "(mutable)", as the baseline a persistent map is
// weighed against. "(rvalue)" rows update one owned map as m = std::move(m).set(k, v).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"

#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#ifdef IMMUTABLE_BENCH_HAVE_ABSL
#include <absl/container/btree_map.h>
#include <absl/container/btree_set.h>
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
template <>
std::vector<std::string> make_keys<std::string>(std::size_t n, std::uint64_t seed) {
    return immutable_bench::random_strings(n, seed);
}

// Keys of a map of size n, as many keys absent from it, and a random lookup order.
template <class K>
struct inputs {
    std::vector<K> present;
    std::vector<K> absent;
    std::vector<std::size_t> order;
    explicit inputs(std::size_t n)
        : present(make_keys<K>(n, 42)), absent(make_keys<K>(n, 4242)),
          order(immutable_bench::random_indexes(n, n < 4096 ? 4096 : n, 7)) {}
};

template <class K>
using imap = immutable::sorted_map<K, std::int64_t>;
template <class K>
using std_map = std::map<K, std::int64_t>;
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
template <class K>
using absl_map = absl::btree_map<K, std::int64_t>;
#endif

template <class Map>
Map build(const std::vector<typename Map::key_type>& keys) {
    if constexpr (requires(Map m) { m.to_builder(); }) {
        typename Map::builder b;
        for (std::size_t i = 0; i < keys.size(); ++i) b.set(keys[i], static_cast<std::int64_t>(i));
        return b.build();
    } else {
        Map m;
        for (std::size_t i = 0; i < keys.size(); ++i) m.emplace(keys[i], static_cast<std::int64_t>(i));
        return m;
    }
}

// The container of size n built from inputs<K>(n).present, with the bytes it keeps
// allocated. int64_t containers are built once per size and reused by every benchmark (the
// machine may be slow and shared; building a million-entry std::map is most of a run).
template <class Map>
struct built {
    Map map;
    std::int64_t live_bytes = 0;
};

template <class Map>
const built<Map>& base_of(std::size_t n, const std::vector<typename Map::key_type>& keys) {
    static std::map<std::size_t, std::unique_ptr<built<Map>>> cache;
    static thread_local built<Map> uncached;
    auto make = [&](built<Map>& out) {
        const auto before = thread_alloc_stats().live_bytes();
        out.map = build<Map>(keys);
        out.live_bytes = thread_alloc_stats().live_bytes() - before;
    };
    if constexpr (!std::is_same_v<typename Map::key_type, std::int64_t>) {
        uncached.map = Map();
        make(uncached);
        return uncached;
    } else {
        auto& slot = cache[n];
        if (!slot) {
            slot = std::make_unique<built<Map>>();
            make(*slot);
        }
        return *slot;
    }
}

template <class Map>
const Map& base_map(benchmark::State& state, const std::vector<typename Map::key_type>& keys) {
    const built<Map>& b = base_of<Map>(keys.size(), keys);
    immutable_bench::record_bytes_per_element(state, b.live_bytes, static_cast<std::int64_t>(keys.size()));
    return b.map;
}

template <class Map>
const std::int64_t* find_in(const Map& m, const typename Map::key_type& k) {
    if constexpr (requires { m.to_builder(); }) {
        return m.find(k);
    } else {
        auto it = m.find(k);
        return it == m.end() ? nullptr : &it->second;
    }
}

// Keys above every key of `present`, in ascending order.
std::vector<std::int64_t> ascending_after(const std::vector<std::int64_t>& present, std::size_t n) {
    const std::int64_t top = *std::max_element(present.begin(), present.end());
    std::vector<std::int64_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = top + 1 + static_cast<std::int64_t>(i);
    return out;
}

// ---- insert ------------------------------------------------------------------------------

// One persistent insert of a new key into a map of N; the new version is dropped after.
template <class K>
void bm_insert_persistent(benchmark::State& state, bool ascending) {
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    std::vector<K> fresh = in.absent;
    if constexpr (std::is_same_v<K, std::int64_t>) {
        if (ascending) fresh = ascending_after(in.present, in.present.size());
    }
    const imap<K>& m = base_map<imap<K>>(state, in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        imap<K> next = m.set(fresh[i], 1);
        benchmark::DoNotOptimize(next.identity());
        if (++i == fresh.size()) i = 0;
    }
    allocs.report();
}

// Inserts of new keys by one owner: through a builder over a map of N (Owner = the builder),
// or through a map updated as an rvalue (m = std::move(m).set(k, v); Owner = the map), which
// edits in place what it alone reaches. Every N inserts the owner starts over from the map of
// N (untimed), so the size stays between N and 2N.
template <class K, class Owner>
void bm_insert_owned(benchmark::State& state, bool ascending) {
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    std::vector<K> fresh = in.absent;
    if constexpr (std::is_same_v<K, std::int64_t>) {
        if (ascending) fresh = ascending_after(in.present, in.present.size());
    }
    const imap<K>& m = base_map<imap<K>>(state, in.present);
    auto start = [&] {
        if constexpr (std::is_same_v<Owner, imap<K>>) return m;
        else return m.to_builder();
    };
    Owner owner = start();
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        if constexpr (std::is_same_v<Owner, imap<K>>) owner = std::move(owner).set(fresh[i], 1);
        else owner.set(fresh[i], 1);
        if (++i == fresh.size()) {
            state.PauseTiming();
            owner = start();
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

// The mutable baseline: in-place insert, same key stream and reset as the builder.
template <class Map>
void bm_insert_mutable(benchmark::State& state, bool ascending) {
    using K = typename Map::key_type;
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    std::vector<K> fresh = in.absent;
    if constexpr (std::is_same_v<K, std::int64_t>) {
        if (ascending) fresh = ascending_after(in.present, in.present.size());
    }
    const Map& base = base_map<Map>(state, in.present);
    Map m = base;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        m.emplace(fresh[i], 1);
        if (++i == fresh.size()) {
            state.PauseTiming();
            m = base;
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

// ---- construction from sorted input --------------------------------------------------------

// One whole construction from N sorted pairs.
template <class Map>
void bm_bulk_load(benchmark::State& state) {
    using K = typename Map::key_type;
    auto keys = make_keys<K>(static_cast<std::size_t>(state.range(0)), 42);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::vector<std::pair<K, std::int64_t>> sorted;
    for (std::size_t i = 0; i < keys.size(); ++i) sorted.emplace_back(keys[i], static_cast<std::int64_t>(i));
    alloc_scope allocs(state);
    for (auto _ : state) {
        Map m(sorted.begin(), sorted.end());
        benchmark::DoNotOptimize(&m);
    }
    allocs.report();
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(sorted.size()));
}

// ---- lookups -------------------------------------------------------------------------------

template <class Map>
void bm_find_hit(benchmark::State& state) {
    using K = typename Map::key_type;
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const Map& m = base_map<Map>(state, in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(find_in(m, in.present[in.order[i]]));
        if (++i == in.order.size()) i = 0;
    }
    allocs.report();
}

// A hit looked up by std::string_view, through a transparent comparator (std::less<>):
// the heterogeneous path, against std::map's own.
template <class Map>
void bm_find_hit_view(benchmark::State& state) {
    inputs<std::string> in(static_cast<std::size_t>(state.range(0)));
    immutable_bench::time_string_view_finds(state, base_map<Map>(state, in.present), in.present, in.order);
}

template <class Map>
void bm_find_miss(benchmark::State& state) {
    using K = typename Map::key_type;
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const Map& m = base_map<Map>(state, in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(find_in(m, in.absent[i]));
        if (++i == in.absent.size()) i = 0;
    }
    allocs.report();
}

// lower_bound of a random key, then reading the next 100 entries (fewer at the end).
template <class Map>
void bm_lower_bound_scan(benchmark::State& state) {
    using K = typename Map::key_type;
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const Map& m = base_map<Map>(state, in.present);
    std::size_t i = 0;
    std::int64_t sum = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        auto it = m.lower_bound(in.absent[i]);
        const auto end = m.end();
        for (int n = 0; n < 100 && it != end; ++n, ++it) sum += it->second;
        if (++i == in.absent.size()) i = 0;
    }
    benchmark::DoNotOptimize(sum);
    allocs.report();
}

// ---- erase ---------------------------------------------------------------------------------

// One persistent erase from a map of N; the new version is dropped after.
template <class K>
void bm_erase_persistent(benchmark::State& state) {
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const imap<K>& m = base_map<imap<K>>(state, in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        imap<K> next = m.erase(in.present[in.order[i]]);
        benchmark::DoNotOptimize(next.identity());
        if (++i == in.order.size()) i = 0;
    }
    allocs.report();
}

// The mutable baseline: in-place erase; refilled (untimed) after erasing half.
template <class Map>
void bm_erase_mutable(benchmark::State& state) {
    using K = typename Map::key_type;
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const Map& base = base_map<Map>(state, in.present);
    Map m = base;
    std::size_t i = 0;
    const std::size_t half = in.present.size() / 2;
    alloc_scope allocs(state);
    for (auto _ : state) {
        m.erase(in.present[in.order[i]]);
        if (++i == half) {
            state.PauseTiming();
            m = base;
            i = 0;
            state.ResumeTiming();
        }
    }
    allocs.report();
}

// ---- iteration and order statistics ----------------------------------------------------------

// One step of an iterator (wrapping around at the end) plus reading the entry.
template <class Map>
void bm_iterate(benchmark::State& state) {
    using K = typename Map::key_type;
    const Map& m = base_map<Map>(state, inputs<K>(static_cast<std::size_t>(state.range(0))).present);
    auto it = m.begin();
    const auto end = m.end();
    std::int64_t sum = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        sum += it->second;
        if (++it == end) it = m.begin();
    }
    benchmark::DoNotOptimize(sum);
    allocs.report();
}

template <class K>
void bm_nth(benchmark::State& state) {
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const imap<K>& m = base_map<imap<K>>(state, in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(&m.nth(in.order[i]));
        if (++i == in.order.size()) i = 0;
    }
    allocs.report();
}

template <class K>
void bm_rank(benchmark::State& state) {
    inputs<K> in(static_cast<std::size_t>(state.range(0)));
    const imap<K>& m = base_map<imap<K>>(state, in.present);
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.rank(in.present[in.order[i]]));
        if (++i == in.order.size()) i = 0;
    }
    allocs.report();
}

// ---- set union -------------------------------------------------------------------------------

// Two sets of about N elements with a common history: a base of 0.9 N, then 0.1 N more
// inserts on each side. clustered = the inserts of each side fall in one tenth of the key
// space (localised edits), otherwise anywhere.
struct union_inputs {
    std::vector<std::int64_t> base, extra_a, extra_b;
    union_inputs(std::size_t n, bool clustered) {
        base = make_keys<std::int64_t>(n * 9 / 10, 42);
        extra_a = make_keys<std::int64_t>(n / 10, 77);
        extra_b = make_keys<std::int64_t>(n / 10, 78);
        if (clustered) {
            // Squeeze the extra keys into two narrow key ranges.
            constexpr std::int64_t span = std::int64_t(1) << 58;
            for (auto& k : extra_a) k = span + k % (span / 10);
            for (auto& k : extra_b) k = 3 * span + k % (span / 10);
        }
    }
};

void bm_union_persistent(benchmark::State& state, bool clustered) {
    using iset = immutable::sorted_set<std::int64_t>;
    const union_inputs in(static_cast<std::size_t>(state.range(0)), clustered);
    iset base;
    {
        iset::builder b;
        for (auto k : in.base) b.insert(k);
        base = b.build();
    }
    iset a = base, b = base;
    for (auto k : in.extra_a) a = a.insert(k);
    for (auto k : in.extra_b) b = b.insert(k);
    alloc_scope allocs(state);
    for (auto _ : state) {
        iset u = a | b;
        benchmark::DoNotOptimize(u.identity());
    }
    allocs.report();
}

template <class Set>
void bm_union_merge(benchmark::State& state, bool clustered) {
    const union_inputs in(static_cast<std::size_t>(state.range(0)), clustered);
    Set a(in.base.begin(), in.base.end()), b = a;
    a.insert(in.extra_a.begin(), in.extra_a.end());
    b.insert(in.extra_b.begin(), in.extra_b.end());
    alloc_scope allocs(state);
    for (auto _ : state) {
        Set u;
        std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::inserter(u, u.end()));
        benchmark::DoNotOptimize(&u);
    }
    allocs.report();
}

template <class K>
void register_map(const std::string& suffix, bool full) {
    auto name = [&](const char* op, const char* impl) { return "sorted_map/" + std::string(op) + suffix + "/" + impl; };
    auto sizes = immutable_bench::large_sizes;
    for (bool ascending : {false, true}) {
        if (ascending && !full) continue;
        const char* op = ascending ? "insert_ascending" : "insert_random";
        benchmark::RegisterBenchmark(name(op, "immutable::sorted_map(persistent)").c_str(), bm_insert_persistent<K>, ascending)->Apply(sizes);
        benchmark::RegisterBenchmark(name(op, "immutable::sorted_map::builder").c_str(),
                                     bm_insert_owned<K, typename imap<K>::builder>, ascending)->Apply(sizes);
        benchmark::RegisterBenchmark(name(op, "immutable::sorted_map(rvalue)").c_str(), bm_insert_owned<K, imap<K>>,
                                     ascending)->Apply(sizes);
        benchmark::RegisterBenchmark(name(op, "std::map(mutable)").c_str(), bm_insert_mutable<std_map<K>>, ascending)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
        benchmark::RegisterBenchmark(name(op, "absl::btree_map(mutable)").c_str(), bm_insert_mutable<absl_map<K>>, ascending)->Apply(sizes);
#endif
    }
    benchmark::RegisterBenchmark(name("find_hit", "immutable::sorted_map").c_str(), bm_find_hit<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("find_hit", "std::map").c_str(), bm_find_hit<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("find_hit", "absl::btree_map").c_str(), bm_find_hit<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("iterate", "immutable::sorted_map").c_str(), bm_iterate<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("iterate", "std::map").c_str(), bm_iterate<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("iterate", "absl::btree_map").c_str(), bm_iterate<absl_map<K>>)->Apply(sizes);
#endif
    if (!full) return;
    benchmark::RegisterBenchmark(name("bulk_load", "immutable::sorted_map").c_str(), bm_bulk_load<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("bulk_load", "std::map").c_str(), bm_bulk_load<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("bulk_load", "absl::btree_map").c_str(), bm_bulk_load<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("find_miss", "immutable::sorted_map").c_str(), bm_find_miss<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("find_miss", "std::map").c_str(), bm_find_miss<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("find_miss", "absl::btree_map").c_str(), bm_find_miss<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("erase", "immutable::sorted_map(persistent)").c_str(), bm_erase_persistent<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("erase", "std::map(mutable)").c_str(), bm_erase_mutable<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("erase", "absl::btree_map(mutable)").c_str(), bm_erase_mutable<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("lower_bound_scan100", "immutable::sorted_map").c_str(), bm_lower_bound_scan<imap<K>>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("lower_bound_scan100", "std::map").c_str(), bm_lower_bound_scan<std_map<K>>)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
    benchmark::RegisterBenchmark(name("lower_bound_scan100", "absl::btree_map").c_str(), bm_lower_bound_scan<absl_map<K>>)->Apply(sizes);
#endif
    benchmark::RegisterBenchmark(name("nth", "immutable::sorted_map").c_str(), bm_nth<K>)->Apply(sizes);
    benchmark::RegisterBenchmark(name("rank", "immutable::sorted_map").c_str(), bm_rank<K>)->Apply(sizes);
}

void register_set() {
    auto sizes = immutable_bench::large_sizes;
    for (bool clustered : {false, true}) {
        const std::string op = clustered ? "union_shared_history_clustered" : "union_shared_history";
        auto name = [&](const char* impl) { return "sorted_set/" + op + "/" + impl; };
        benchmark::RegisterBenchmark(name("immutable::sorted_set").c_str(), bm_union_persistent, clustered)->Apply(sizes);
        benchmark::RegisterBenchmark(name("std::set(set_union)").c_str(), bm_union_merge<std::set<std::int64_t>>, clustered)->Apply(sizes);
#ifdef IMMUTABLE_BENCH_HAVE_ABSL
        benchmark::RegisterBenchmark(name("absl::btree_set(set_union)").c_str(), bm_union_merge<absl::btree_set<std::int64_t>>, clustered)->Apply(sizes);
#endif
    }
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_map<std::int64_t>("", true);
    register_map<std::string>("_string", false);
    using view_map = immutable::sorted_map<std::string, std::int64_t, std::less<>>;
    using std_view_map = std::map<std::string, std::int64_t, std::less<>>;
    benchmark::RegisterBenchmark("sorted_map/find_hit_string_view/immutable::sorted_map", bm_find_hit_view<view_map>)
        ->Apply(immutable_bench::large_sizes);
    benchmark::RegisterBenchmark("sorted_map/find_hit_string_view/std::map", bm_find_hit_view<std_view_map>)
        ->Apply(immutable_bench::large_sizes);
    register_set();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
