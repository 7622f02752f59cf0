// immutable::box against std::shared_ptr<const T>, and a JSON-like document of immutable
// lists and maps against nlohmann::json for keeping versions.
//
//   box/copy          copy a handle to a 64-character string and drop the copy
//   box/read          read the value through the handle (its size and first character)
//   box/update        a new handle holding a changed copy of the value
//   box/json_update_depth5
//                     one path update five levels down a document of 1,000,000 numbers
//                     (map of 10 -> list of 10 -> map of 10 -> list of 10 -> map of 100),
//                     keeping the old version: for ours a persistent path update, for
//                     nlohmann::json a whole copy of the document changed in place, which
//                     is what keeping an undo history of a mutable document costs.
//
// The nlohmann::json row is registered only when <nlohmann/json.hpp> is there
// (Debian: nlohmann-json3-dev, in scripts/install-deps). Counters: allocs_per_op and
// bytes_per_op (alloc_scope).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "bench_support.hpp"

#include <immutable/box.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>

#if __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>
#define IMMUTABLE_BENCH_HAVE_NLOHMANN 1
#endif

namespace {

using immutable_bench::alloc_scope;

const std::string& value_text() {
    static const std::string text(64, 'v');
    return text;
}

// ---- box against shared_ptr --------------------------------------------------------------

void box_copy(benchmark::State& state) {
    const immutable::box<std::string> b = value_text();
    alloc_scope allocs(state);
    for (auto _ : state) {
        immutable::box<std::string> copy = b;
        benchmark::DoNotOptimize(copy);
    }
    allocs.report();
}

void shared_ptr_copy(benchmark::State& state) {
    const std::shared_ptr<const std::string> p = std::make_shared<const std::string>(value_text());
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::shared_ptr<const std::string> copy = p;
        benchmark::DoNotOptimize(copy);
    }
    allocs.report();
}

void box_read(benchmark::State& state) {
    const immutable::box<std::string> b = value_text();
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(b);
        benchmark::DoNotOptimize(b->size() + static_cast<std::size_t>((*b)[0]));
    }
    allocs.report();
}

void shared_ptr_read(benchmark::State& state) {
    const std::shared_ptr<const std::string> p = std::make_shared<const std::string>(value_text());
    alloc_scope allocs(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(p);
        benchmark::DoNotOptimize(p->size() + static_cast<std::size_t>((*p)[0]));
    }
    allocs.report();
}

void box_update(benchmark::State& state) {
    immutable::box<std::string> b = value_text();
    alloc_scope allocs(state);
    for (auto _ : state) {
        b = b.update([](std::string s) {
            s[0] = static_cast<char>('a' + (s[0] - 'a' + 1) % 26);
            return s;
        });
        benchmark::DoNotOptimize(b);
    }
    allocs.report();
}

void shared_ptr_update(benchmark::State& state) {
    std::shared_ptr<const std::string> p = std::make_shared<const std::string>(value_text());
    alloc_scope allocs(state);
    for (auto _ : state) {
        std::string s = *p;
        s[0] = static_cast<char>('a' + (s[0] - 'a' + 1) % 26);
        p = std::make_shared<const std::string>(std::move(s));
        benchmark::DoNotOptimize(p);
    }
    allocs.report();
}

// ---- the document ------------------------------------------------------------------------

struct json;
using json_list = immutable::list<json>;
using json_map = immutable::map<std::string, json>;
struct json {
    std::variant<std::nullptr_t, double, std::string, json_list, json_map> v;
};

// Fan-out per level: map 10, list 10, map 10, list 10, map 100: 1,000,000 numbers.
constexpr int fanout[5] = {10, 10, 10, 10, 100};

std::string key(int i) { return "key" + std::to_string(i); }

json build_ours(int level, std::int64_t& next) {
    if (level == 5) return json{static_cast<double>(next++)};
    if (level % 2 == 0) {
        json_map::builder b;
        for (int i = 0; i < fanout[level]; ++i) b.set(key(i), build_ours(level + 1, next));
        return json{b.build()};
    }
    json_list::builder b;
    for (int i = 0; i < fanout[level]; ++i) b.push_back(build_ours(level + 1, next));
    return json{b.build()};
}

// The path update: one map or list update per level, each copying O(log n) nodes.
json set_in(const json& j, const int* path, int level, double value) {
    if (level == 5) return json{value};
    if (level % 2 == 0) {
        const json_map& m = std::get<json_map>(j.v);
        const std::string k = key(path[level]);
        return json{m.update(k, [&](const json& child) { return set_in(child, path, level + 1, value); })};
    }
    const json_list& l = std::get<json_list>(j.v);
    return json{l.update(static_cast<std::size_t>(path[level]),
                         [&](const json& child) { return set_in(child, path, level + 1, value); })};
}

void json_update_ours(benchmark::State& state) {
    const auto doc = immutable_bench::fixture<json>("doc", [] {
        std::int64_t next = 0;
        return build_ours(0, next);
    });
    json current = *doc;
    const int path[5] = {3, 4, 7, 2, 55};
    double value = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        json next = set_in(current, path, 0, value += 1);
        benchmark::DoNotOptimize(next);
        current = std::move(next); // the previous version goes: as an undo history would drop its oldest
    }
    allocs.report();
}

#ifdef IMMUTABLE_BENCH_HAVE_NLOHMANN
nlohmann::json build_nlohmann(int level, std::int64_t& next) {
    if (level == 5) return nlohmann::json(static_cast<double>(next++));
    nlohmann::json j = level % 2 == 0 ? nlohmann::json::object() : nlohmann::json::array();
    for (int i = 0; i < fanout[level]; ++i) {
        if (level % 2 == 0)
            j[key(i)] = build_nlohmann(level + 1, next);
        else
            j.push_back(build_nlohmann(level + 1, next));
    }
    return j;
}

void json_update_nlohmann(benchmark::State& state) {
    const auto doc = immutable_bench::fixture<nlohmann::json>("doc", [] {
        std::int64_t next = 0;
        return build_nlohmann(0, next);
    });
    nlohmann::json current = *doc;
    double value = 0;
    alloc_scope allocs(state);
    for (auto _ : state) {
        nlohmann::json next = current; // the old version stays as it was
        next[key(3)][4][key(7)][2][key(55)] = (value += 1);
        benchmark::DoNotOptimize(next);
        current = std::move(next);
    }
    allocs.report();
}
#endif

} // namespace

int main(int argc, char** argv) {
    immutable_bench::prepare_process();
    benchmark::RegisterBenchmark("box/copy/immutable::box/1", box_copy);
    benchmark::RegisterBenchmark("box/copy/std::shared_ptr<const T>/1", shared_ptr_copy);
    benchmark::RegisterBenchmark("box/read/immutable::box/1", box_read);
    benchmark::RegisterBenchmark("box/read/std::shared_ptr<const T>/1", shared_ptr_read);
    benchmark::RegisterBenchmark("box/update/immutable::box/1", box_update);
    benchmark::RegisterBenchmark("box/update/std::shared_ptr<const T>/1", shared_ptr_update);
    // The document rows build 1,000,000 values: only when that size is enabled (the
    // --quick report caps sizes).
    if (immutable_bench::size_enabled(1000000)) {
        benchmark::RegisterBenchmark("box/json_update_depth5/immutable::map+list/1000000", json_update_ours)
            ->Unit(benchmark::kMicrosecond);
#ifdef IMMUTABLE_BENCH_HAVE_NLOHMANN
        benchmark::RegisterBenchmark("box/json_update_depth5/nlohmann::json(copy)/1000000", json_update_nlohmann)
            ->Unit(benchmark::kMillisecond);
#endif
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
