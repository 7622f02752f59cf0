// The ordered operations of immutable::sorted_map against what std::map needs for the same
// result, with int64_t keys at 1,000, 100,000 and 1,000,000 entries:
//   split        split(k) at a random key  vs  copying [begin, lower_bound(k)) and the rest
//                                              into two std::maps
//   slice        slice(r, r + n/10)        vs  copying the matching range into a std::map
//   erase_range  erase_range(lo, hi) of a tenth of the keys
//                                          vs  copying the map and map.erase(first, last)
//   union_with   two time series of n points overlapping in a tenth of their span, summed
//                where both have a point    vs  a merge loop over two std::maps
//   diff_1pct    diff of two versions one percent of the keys apart
//                                          vs  a full lockstep scan of two std::maps
// Every row produces the whole result (a new map, or every difference reported), so the
// std rows are what a program without persistent maps would run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"

#include <immutable/sorted_map.hpp>

namespace {

using immutable_bench::alloc_scope;
using imap = immutable::sorted_map<std::int64_t, std::int64_t>;
using smap = std::map<std::int64_t, std::int64_t>;

// One map of n random keys, as both containers, with its keys in order and a random order
// of ranks to cut at.
struct ordered_base {
    std::vector<std::int64_t> sorted;
    std::vector<std::size_t> order;
    imap ours;
    smap theirs;
};

std::shared_ptr<const ordered_base> base_of(std::size_t n) {
    return immutable_bench::fixture<ordered_base>("base/" + std::to_string(n), [n] {
        ordered_base b;
        b.sorted = immutable_bench::random_int64s(n, 42);
        std::sort(b.sorted.begin(), b.sorted.end());
        b.sorted.erase(std::unique(b.sorted.begin(), b.sorted.end()), b.sorted.end());
        b.order = immutable_bench::random_indexes(b.sorted.size(), 4096, 7);
        imap::builder mb;
        for (std::size_t i = 0; i < b.sorted.size(); ++i) {
            mb.set(b.sorted[i], static_cast<std::int64_t>(i));
            b.theirs.emplace_hint(b.theirs.end(), b.sorted[i], static_cast<std::int64_t>(i));
        }
        b.ours = mb.build();
        return b;
    });
}

// ---- split, slice, erase_range ----------------------------------------------------------------

void bm_split_ours(benchmark::State& state) {
    const auto b = base_of(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        auto parts = b->ours.split(b->sorted[b->order[i]]);
        benchmark::DoNotOptimize(parts.first.identity());
        if (++i == b->order.size()) i = 0;
    }
    allocs.report();
}

void bm_split_std(benchmark::State& state) {
    const auto b = base_of(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const auto cut = b->theirs.lower_bound(b->sorted[b->order[i]]);
        smap lower(b->theirs.begin(), cut), upper(cut, b->theirs.end());
        benchmark::DoNotOptimize(&lower);
        benchmark::DoNotOptimize(&upper);
        if (++i == b->order.size()) i = 0;
    }
    allocs.report();
}

// The ranks [first, first + n/10) for the i-th iteration.
std::size_t slice_first(const ordered_base& b, std::size_t i) {
    const std::size_t len = b.sorted.size() / 10;
    return b.order[i] % (b.sorted.size() - len + 1);
}

void bm_slice_ours(benchmark::State& state) {
    const auto b = base_of(static_cast<std::size_t>(state.range(0)));
    const std::size_t len = b->sorted.size() / 10;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const std::size_t first = slice_first(*b, i);
        imap s = b->ours.slice(first, first + len);
        benchmark::DoNotOptimize(s.identity());
        if (++i == b->order.size()) i = 0;
    }
    allocs.report();
}

void bm_slice_std(benchmark::State& state) {
    const auto b = base_of(static_cast<std::size_t>(state.range(0)));
    const std::size_t len = b->sorted.size() / 10;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const std::size_t first = slice_first(*b, i);
        // The std::map finds the range by key (it has no ranks), then copies it.
        const auto lo = b->theirs.lower_bound(b->sorted[first]);
        const auto hi = first + len < b->sorted.size() ? b->theirs.lower_bound(b->sorted[first + len]) : b->theirs.end();
        smap s(lo, hi);
        benchmark::DoNotOptimize(&s);
        if (++i == b->order.size()) i = 0;
    }
    allocs.report();
}

void bm_erase_range_ours(benchmark::State& state) {
    const auto b = base_of(static_cast<std::size_t>(state.range(0)));
    const std::size_t len = b->sorted.size() / 10;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const std::size_t first = slice_first(*b, i);
        const std::int64_t hi = first + len < b->sorted.size() ? b->sorted[first + len] : INT64_MAX;
        imap r = b->ours.erase_range(b->sorted[first], hi);
        benchmark::DoNotOptimize(r.identity());
        if (++i == b->order.size()) i = 0;
    }
    allocs.report();
}

void bm_erase_range_std(benchmark::State& state) {
    const auto b = base_of(static_cast<std::size_t>(state.range(0)));
    const std::size_t len = b->sorted.size() / 10;
    std::size_t i = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        const std::size_t first = slice_first(*b, i);
        smap copy = b->theirs;
        const auto lo = copy.lower_bound(b->sorted[first]);
        const auto hi = first + len < b->sorted.size() ? copy.lower_bound(b->sorted[first + len]) : copy.end();
        copy.erase(lo, hi);
        benchmark::DoNotOptimize(&copy);
        if (++i == b->order.size()) i = 0;
    }
    allocs.report();
}

// ---- union_with -------------------------------------------------------------------------------

// Two series of n points each (one every 16 time units), the second starting where the first
// has a tenth of its span left: they overlap in n/10 points.
struct two_series {
    imap a, b;
    smap sa, sb;
};

std::shared_ptr<const two_series> series_of(std::size_t n) {
    return immutable_bench::fixture<two_series>("series/" + std::to_string(n), [n] {
        two_series s;
        const auto start_b = static_cast<std::int64_t>(n - n / 10) * 16;
        imap::builder ba, bb;
        for (std::size_t i = 0; i < n; ++i) {
            const auto t = static_cast<std::int64_t>(i) * 16;
            ba.set(t, 1);
            bb.set(start_b + t, 2);
            s.sa.emplace_hint(s.sa.end(), t, 1);
            s.sb.emplace_hint(s.sb.end(), start_b + t, 2);
        }
        s.a = ba.build();
        s.b = bb.build();
        return s;
    });
}

void bm_union_with_ours(benchmark::State& state) {
    const auto s = series_of(static_cast<std::size_t>(state.range(0)));
    alloc_scope allocs(state);
    for (auto _ : state) {
        imap u = s->a.union_with(s->b, [](std::int64_t, std::int64_t x, std::int64_t y) { return x + y; });
        benchmark::DoNotOptimize(u.identity());
    }
    allocs.report();
}

void bm_union_with_std(benchmark::State& state) {
    const auto s = series_of(static_cast<std::size_t>(state.range(0)));
    alloc_scope allocs(state);
    for (auto _ : state) {
        smap u;
        auto x = s->sa.begin(), y = s->sb.begin();
        while (x != s->sa.end() || y != s->sb.end()) {
            if (y == s->sb.end() || (x != s->sa.end() && x->first < y->first)) {
                u.emplace_hint(u.end(), *x++);
            } else if (x == s->sa.end() || y->first < x->first) {
                u.emplace_hint(u.end(), *y++);
            } else {
                u.emplace_hint(u.end(), x->first, x->second + y->second);
                ++x;
                ++y;
            }
        }
        benchmark::DoNotOptimize(&u);
    }
    allocs.report();
}

// ---- diff -------------------------------------------------------------------------------------

// A map and a version of it with one percent of its keys changed: half new values, a
// quarter erased, a quarter new keys.
struct two_versions {
    imap old_map, new_map;
    smap old_std, new_std;
};

std::shared_ptr<const two_versions> versions_of(std::size_t n) {
    return immutable_bench::fixture<two_versions>("versions/" + std::to_string(n), [n] {
        const auto b = base_of(n);
        two_versions v;
        v.old_map = b->ours;
        v.old_std = b->theirs;
        imap m = b->ours;
        smap s = b->theirs;
        const auto extra = immutable_bench::random_int64s(n / 100 + 1, 99);
        for (std::size_t c = 0; c < n / 100; ++c) {
            const std::int64_t k = b->sorted[b->order[c % b->order.size()] % b->sorted.size()];
            switch (c % 4) {
            case 0:
            case 1:
                m = m.set(k, -1);
                s[k] = -1;
                break;
            case 2:
                m = m.erase(k);
                s.erase(k);
                break;
            default:
                m = m.set(extra[c], 7);
                s[extra[c]] = 7;
                break;
            }
        }
        v.new_map = m;
        v.new_std = s;
        return v;
    });
}

void bm_diff_ours(benchmark::State& state) {
    const auto v = versions_of(static_cast<std::size_t>(state.range(0)));
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::int64_t events = 0;
        immutable::diff(
            v->old_map, v->new_map, [&](const auto&) { ++events; }, [&](const auto&) { ++events; },
            [&](const auto&, const auto&) { ++events; });
        benchmark::DoNotOptimize(events);
    }
    allocs.report();
}

void bm_diff_std(benchmark::State& state) {
    const auto v = versions_of(static_cast<std::size_t>(state.range(0)));
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::int64_t events = 0;
        auto x = v->old_std.begin(), y = v->new_std.begin();
        const auto xe = v->old_std.end(), ye = v->new_std.end();
        while (x != xe && y != ye) {
            if (x->first < y->first) {
                ++events;
                ++x;
            } else if (y->first < x->first) {
                ++events;
                ++y;
            } else {
                events += x->second != y->second;
                ++x;
                ++y;
            }
        }
        events += std::distance(x, xe) + std::distance(y, ye);
        benchmark::DoNotOptimize(events);
    }
    allocs.report();
}

void register_rows() {
    auto sizes = immutable_bench::large_sizes;
    auto row = [&](const char* op, const char* impl, void (*fn)(benchmark::State&)) {
        benchmark::RegisterBenchmark(("sorted_map/" + std::string(op) + "/" + impl).c_str(), fn)->Apply(sizes);
    };
    row("split", "immutable::sorted_map", bm_split_ours);
    row("split", "std::map(copy both ranges)", bm_split_std);
    row("slice_tenth", "immutable::sorted_map", bm_slice_ours);
    row("slice_tenth", "std::map(copy range)", bm_slice_std);
    row("erase_range_tenth", "immutable::sorted_map(persistent)", bm_erase_range_ours);
    row("erase_range_tenth", "std::map(copy, erase range)", bm_erase_range_std);
    row("union_with_series", "immutable::sorted_map", bm_union_with_ours);
    row("union_with_series", "std::map(merge loop)", bm_union_with_std);
    row("diff_1pct", "immutable::sorted_map", bm_diff_ours);
    row("diff_1pct", "std::map(scan both)", bm_diff_std);
}

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    register_rows();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
