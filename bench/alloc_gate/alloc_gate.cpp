// Deterministic allocation gate: runs a fixed set of workloads on every container that
// exists, counts the calls to operator new, the bytes they asked for and the bytes still
// live when the workload's result is complete, and compares them with a committed baseline.
//
//   alloc_gate                         prints the counts as JSON
//   alloc_gate --check BASELINE.json   exit 1 when any count grew beyond its baseline
//   alloc_gate --write BASELINE.json   rewrites the baseline (scripts/refresh-alloc-baseline)
//   alloc_gate --self-test             checks that the comparison can fail
//   alloc_gate --list | --only NAME    the workload names; one workload's counts
//   alloc_gate --threaded ...          start and join a thread first: the process then
//                                      counts references as every program with threads does
//
// Why counts and not times: they are exact and the same on every machine, so a gate on them
// can run on every submission without flaking, and an extra allocation per operation (a lost
// in-place path, a node copied twice) shows up as a plain number.
//
// The counting operator new of the benchmarks (bench/support/alloc_counter.cpp) is linked
// in. Sanitizers replace operator new themselves, so the gate is not built there.

#include "alloc_counter.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define IMMUTABLE_GATE_CALLGRIND 1
#endif

#if __has_include(<immutable/list.hpp>)
#include <immutable/list.hpp>
#define IMMUTABLE_GATE_LIST 1
#endif
#if __has_include(<immutable/queue.hpp>)
#include <immutable/queue.hpp>
#define IMMUTABLE_GATE_QUEUE 1
#endif
#if __has_include(<immutable/map.hpp>)
#include <immutable/map.hpp>
#define IMMUTABLE_GATE_MAP 1
#endif
#if __has_include(<immutable/set.hpp>)
#include <immutable/set.hpp>
#define IMMUTABLE_GATE_SET 1
#endif
#if __has_include(<immutable/sorted_map.hpp>)
#include <immutable/sorted_map.hpp>
#define IMMUTABLE_GATE_SORTED_MAP 1
#endif
#if __has_include(<immutable/sorted_set.hpp>)
#include <immutable/sorted_set.hpp>
#define IMMUTABLE_GATE_SORTED_SET 1
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define IMMUTABLE_GATE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define IMMUTABLE_GATE_SANITIZED 1
#endif
#endif

#ifndef IMMUTABLE_GATE_SANITIZED
namespace {

using immutable_bench::alloc_stats;
using immutable_bench::thread_alloc_stats;

struct counts {
    std::int64_t allocations = 0; // operator new calls inside the measured part
    std::int64_t bytes = 0;       // bytes those calls asked for
    std::int64_t live_bytes = 0;  // bytes still allocated when the measured part ended
};

// A workload prepares its inputs, then brackets the operation being gated with start() and
// stop(); the result is still alive at stop(), so live_bytes is its footprint.
// Under valgrind (bench/alloc_gate/callgrind) the measured part is also the only part
// whose instructions callgrind collects; outside valgrind the toggles do nothing.
class probe {
public:
    explicit probe(bool measured) : measured_(measured) {}
    void start() {
        begin_ = thread_alloc_stats();
        toggle_instruction_count();
    }
    void stop() {
        toggle_instruction_count();
        alloc_stats end = thread_alloc_stats();
        result_.allocations = end.allocations - begin_.allocations;
        result_.bytes = end.bytes_allocated - begin_.bytes_allocated;
        result_.live_bytes = end.live_bytes() - begin_.live_bytes();
    }
    const counts& result() const { return result_; }

private:
    void toggle_instruction_count() const {
#ifdef IMMUTABLE_GATE_CALLGRIND
        if (measured_) CALLGRIND_TOGGLE_COLLECT;
#endif
    }

    bool measured_;
    alloc_stats begin_;
    counts result_;
};

struct workload {
    std::string name;
    std::function<void(probe&)> run;
};

// Inputs are made before start(), from a fixed seed, with raw engine output (the same on
// every standard library, unlike the distributions).
[[maybe_unused]] std::vector<std::int64_t> keys(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::int64_t> out(n);
    for (auto& k : out) k = static_cast<std::int64_t>(rng() >> 1);
    return out;
}

[[maybe_unused]] std::vector<std::size_t> indexes(std::size_t n, std::size_t count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> out(count);
    for (auto& i : out) i = static_cast<std::size_t>(rng() % n);
    return out;
}

std::vector<workload> workloads() {
    std::vector<workload> all;

    // Proves the counting hook is linked: exactly 1000 allocations of 8 bytes.
    all.push_back({"calibration/new_delete/1000", [](probe& p) {
        std::vector<std::int64_t*> blocks(1000);
        p.start();
        // Direct calls: unlike new-expressions, the compiler may not elide them.
        for (auto& b : blocks) b = static_cast<std::int64_t*>(::operator new(sizeof(std::int64_t)));
        p.stop();
        for (auto* b : blocks) ::operator delete(b);
    }});

#ifdef IMMUTABLE_GATE_LIST
    all.push_back({"list/push_back_persistent/100000", [](probe& p) {
        immutable::list<std::int64_t> l;
        p.start();
        for (std::int64_t i = 0; i < 100000; ++i) l = l.push_back(i);
        p.stop();
    }});
    all.push_back({"list/builder_push_back_build/1000000", [](probe& p) {
        p.start();
        immutable::list<std::int64_t>::builder b;
        for (std::int64_t i = 0; i < 1000000; ++i) b.push_back(i);
        immutable::list<std::int64_t> l = b.build();
        p.stop();
    }});
    all.push_back({"list/set_persistent/100000x10000", [](probe& p) {
        immutable::list<std::int64_t>::builder b;
        for (std::int64_t i = 0; i < 100000; ++i) b.push_back(i);
        immutable::list<std::int64_t> l = b.build();
        auto at = indexes(100000, 10000, 1);
        p.start();
        for (std::size_t k = 0; k < at.size(); ++k) l = l.set(at[k], static_cast<std::int64_t>(k));
        p.stop();
    }});
    all.push_back({"list/pop_back_persistent/100000", [](probe& p) {
        immutable::list<std::int64_t>::builder b;
        for (std::int64_t i = 0; i < 100000; ++i) b.push_back(i);
        immutable::list<std::int64_t> l = b.build();
        p.start();
        while (!l.empty()) l = l.pop_back();
        p.stop();
    }});
    all.push_back({"list/push_front_persistent/10000", [](probe& p) {
        immutable::list<std::int64_t> l;
        p.start();
        for (std::int64_t i = 0; i < 10000; ++i) l = l.push_front(i);
        p.stop();
    }});
    all.push_back({"list/concat/100000+100000", [](probe& p) {
        auto a = immutable::list<std::int64_t>::from_range(keys(100000, 2));
        auto b = immutable::list<std::int64_t>::from_range(keys(100000, 3));
        p.start();
        auto joined = a + b;
        p.stop();
    }});
    all.push_back({"list/insert_persistent/10000x1000", [](probe& p) {
        auto l = immutable::list<std::int64_t>::from_range(keys(10000, 4));
        auto at = indexes(10000, 1000, 5);
        p.start();
        for (std::size_t k = 0; k < at.size(); ++k) l = l.insert(at[k], static_cast<std::int64_t>(k));
        p.stop();
    }});
    all.push_back({"list/slice/1000000", [](probe& p) {
        auto l = immutable::list<std::int64_t>::from_range(keys(1000000, 6));
        p.start();
        auto middle = l.slice(250000, 750000);
        auto front = l.take(123457);
        auto back = l.drop(654321);
        p.stop();
    }});
    all.push_back({"list/builder_set_shared/100000x10000", [](probe& p) {
        auto l = immutable::list<std::int64_t>::from_range(keys(100000, 7));
        auto at = indexes(100000, 10000, 8);
        p.start();
        auto b = l.to_builder(); // shares every node with l: the first write to each copies it
        for (std::size_t k = 0; k < at.size(); ++k) b.set(at[k], static_cast<std::int64_t>(k));
        auto changed = b.build();
        p.stop();
    }});
#endif

#ifdef IMMUTABLE_GATE_MAP
    using int_map = immutable::map<std::int64_t, std::int64_t>;
    all.push_back({"map/set_new_persistent/100000", [](probe& p) {
        auto k = keys(100000, 11);
        int_map m;
        p.start();
        for (auto key : k) m = m.set(key, key);
        p.stop();
    }});
    all.push_back({"map/set_existing_persistent/100000x10000", [](probe& p) {
        auto k = keys(100000, 12);
        int_map::builder b;
        for (auto key : k) b.set(key, key);
        int_map m = b.build();
        auto at = indexes(100000, 10000, 13);
        p.start();
        for (auto i : at) m = m.set(k[i], -k[i]);
        p.stop();
    }});
    all.push_back({"map/erase_persistent/100000", [](probe& p) {
        auto k = keys(100000, 14);
        int_map::builder b;
        for (auto key : k) b.set(key, key);
        int_map m = b.build();
        p.start();
        for (auto key : k) m = m.erase(key);
        p.stop();
    }});
    all.push_back({"map/builder_set_build/1000000", [](probe& p) {
        auto k = keys(1000000, 15);
        p.start();
        int_map::builder b;
        for (auto key : k) b.set(key, key);
        int_map m = b.build();
        p.stop();
    }});
#endif

#ifdef IMMUTABLE_GATE_QUEUE
    all.push_back({"queue/push_persistent/100000", [](probe& p) {
        immutable::queue<std::int64_t> q;
        p.start();
        for (std::int64_t i = 0; i < 100000; ++i) q = q.push(i);
        p.stop();
    }});
    all.push_back({"queue/push_pop_persistent/100000", [](probe& p) {
        immutable::queue<std::int64_t> q;
        p.start();
        for (std::int64_t i = 0; i < 100000; ++i) {
            q = q.push(i);
            if (i % 3 == 2) q = q.pop().pop(); // a FIFO that drains two of every three
        }
        p.stop();
    }});
    all.push_back({"queue/builder_push_build/1000000", [](probe& p) {
        p.start();
        immutable::queue<std::int64_t>::builder b;
        for (std::int64_t i = 0; i < 1000000; ++i) b.push(i);
        immutable::queue<std::int64_t> q = b.build();
        p.stop();
    }});
#endif

#ifdef IMMUTABLE_GATE_SET
    using int_set = immutable::set<std::int64_t>;
    all.push_back({"set/insert_persistent/100000", [](probe& p) {
        auto k = keys(100000, 21);
        int_set s;
        p.start();
        for (auto key : k) s = s.insert(key);
        p.stop();
    }});
    all.push_back({"set/builder_insert_build/1000000", [](probe& p) {
        auto k = keys(1000000, 22);
        p.start();
        int_set::builder b;
        for (auto key : k) b.insert(key);
        int_set s = b.build();
        p.stop();
    }});
    all.push_back({"set/union_overlapping/100000+100000", [](probe& p) {
        auto k = keys(150000, 23);
        int_set::builder a, b;
        for (std::size_t i = 0; i < 100000; ++i) a.insert(k[i]);
        for (std::size_t i = 50000; i < 150000; ++i) b.insert(k[i]);
        int_set left = a.build(), right = b.build();
        p.start();
        int_set both = left | right;
        p.stop();
    }});
#endif

#ifdef IMMUTABLE_GATE_SORTED_MAP
    using int_sorted_map = immutable::sorted_map<std::int64_t, std::int64_t>;
    all.push_back({"sorted_map/set_new_persistent/100000", [](probe& p) {
        auto k = keys(100000, 31);
        int_sorted_map m;
        p.start();
        for (auto key : k) m = m.set(key, key);
        p.stop();
    }});
    all.push_back({"sorted_map/set_ascending_persistent/100000", [](probe& p) {
        int_sorted_map m;
        p.start();
        for (std::int64_t i = 0; i < 100000; ++i) m = m.set(i, i);
        p.stop();
    }});
    all.push_back({"sorted_map/erase_persistent/100000", [](probe& p) {
        auto k = keys(100000, 32);
        int_sorted_map::builder b;
        for (auto key : k) b.set(key, key);
        int_sorted_map m = b.build();
        p.start();
        for (auto key : k) m = m.erase(key);
        p.stop();
    }});
    all.push_back({"sorted_map/builder_set_build/1000000", [](probe& p) {
        auto k = keys(1000000, 33);
        p.start();
        int_sorted_map::builder b;
        for (auto key : k) b.set(key, key);
        int_sorted_map m = b.build();
        p.stop();
    }});
#endif

#ifdef IMMUTABLE_GATE_SORTED_SET
    using int_sorted_set = immutable::sorted_set<std::int64_t>;
    all.push_back({"sorted_set/insert_persistent/100000", [](probe& p) {
        auto k = keys(100000, 41);
        int_sorted_set s;
        p.start();
        for (auto key : k) s = s.insert(key);
        p.stop();
    }});
    all.push_back({"sorted_set/union_overlapping/100000+100000", [](probe& p) {
        auto k = keys(150000, 42);
        int_sorted_set::builder a, b;
        for (std::size_t i = 0; i < 100000; ++i) a.insert(k[i]);
        for (std::size_t i = 50000; i < 150000; ++i) b.insert(k[i]);
        int_sorted_set left = a.build(), right = b.build();
        p.start();
        int_sorted_set both = left | right;
        p.stop();
    }});
#endif

    return all;
}

std::map<std::string, counts> measure(const std::vector<workload>& list, const std::string& only) {
    std::map<std::string, counts> out;
    std::string warmed;
    for (const auto& w : list) {
        if (!only.empty() && w.name != only && w.name != "calibration/new_delete/1000") continue;
        // One unmeasured run per container pays for its one-time state (function-local
        // statics, lazily made sentinels), so that state is neither counted nor a "leak".
        std::string container = w.name.substr(0, w.name.find('/'));
        if (container != warmed) {
            probe warm(false);
            w.run(warm);
            warmed = container;
        }
        probe p(w.name == only); // callgrind counts the --only workload alone
        alloc_stats before = thread_alloc_stats();
        w.run(p);
        alloc_stats after = thread_alloc_stats();
        if (after.live_bytes() != before.live_bytes()) {
            std::cerr << "alloc_gate: " << w.name << " leaked " << (after.live_bytes() - before.live_bytes())
                      << " bytes (live bytes before and after the workload differ)\n";
            std::exit(1);
        }
        out[w.name] = p.result();
    }
    return out;
}

std::string to_json(const std::map<std::string, counts>& results) {
    std::ostringstream out;
    out << "{\n  \"format\": 1,\n  \"workloads\": {";
    bool first = true;
    for (const auto& [name, c] : results) {
        out << (first ? "\n" : ",\n") << "    \"" << name << "\": {\"allocations\": " << c.allocations
            << ", \"bytes\": " << c.bytes << ", \"live_bytes\": " << c.live_bytes << "}";
        first = false;
    }
    out << "\n  }\n}\n";
    return out.str();
}

// Reads the file to_json writes (one workload per line); not a general JSON parser.
bool read_baseline(const std::string& path, std::map<std::string, counts>& out) {
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    auto number_after = [](const std::string& text, const std::string& key, std::int64_t& value) {
        auto at = text.find("\"" + key + "\":");
        if (at == std::string::npos) return false;
        value = std::strtoll(text.c_str() + at + key.size() + 3, nullptr, 10);
        return true;
    };
    while (std::getline(in, line)) {
        auto open = line.find('"');
        auto close = open == std::string::npos ? open : line.find('"', open + 1);
        if (close == std::string::npos || line.find("\"allocations\"") == std::string::npos) continue;
        counts c;
        if (!number_after(line, "allocations", c.allocations) || !number_after(line, "bytes", c.bytes) ||
            !number_after(line, "live_bytes", c.live_bytes)) {
            return false;
        }
        out[line.substr(open + 1, close - open - 1)] = c;
    }
    return true;
}

int compare(const std::map<std::string, counts>& now, const std::map<std::string, counts>& baseline,
            const std::string& baseline_path, std::ostream& out) {
    int failures = 0;
    int improvements = 0;
    struct field {
        const char* name;
        std::int64_t counts::*member;
    };
    const field fields[] = {{"allocations", &counts::allocations},
                            {"bytes", &counts::bytes},
                            {"live_bytes", &counts::live_bytes}};
    for (const auto& [name, c] : now) {
        auto it = baseline.find(name);
        if (it == baseline.end()) {
            out << "NEW      " << name << ": not in the baseline, not gated yet "
                      << "(run scripts/refresh-alloc-baseline and commit it)\n";
            continue;
        }
        bool failed = false;
        bool improved = false;
        for (const auto& f : fields) {
            std::int64_t was = it->second.*f.member;
            std::int64_t is = c.*f.member;
            if (is > was) {
                out << "FAIL     " << name << ": " << f.name << " grew from " << was << " (baseline) to "
                          << is << " (+" << (is - was) << ")\n";
                failed = true;
            } else if (is < was) {
                out << "better   " << name << ": " << f.name << " fell from " << was << " to " << is
                          << "\n";
                improved = true;
            }
        }
        if (!failed && !improved) out << "ok       " << name << "\n";
        failures += failed ? 1 : 0;
        improvements += improved && !failed ? 1 : 0;
    }
    for (const auto& [name, c] : baseline) {
        if (now.find(name) == now.end()) {
            out << "MISSING  " << name << ": in the baseline but not run (container removed or renamed?)\n";
        }
    }
    if (improvements > 0) {
        out << "\n" << improvements << " workload(s) allocate less than the baseline: lock the gain in "
                  << "with scripts/refresh-alloc-baseline and commit " << baseline_path << "\n";
    }
    if (failures > 0) {
        out << "\nalloc_gate: " << failures << " workload(s) allocate more than " << baseline_path
                  << ".\nIf the increase is intended, refresh the baseline with scripts/refresh-alloc-baseline "
                  << "and say why in the commit message.\n";
        return 1;
    }
    out << "\nalloc_gate: " << now.size() << " workloads within the baseline\n";
    return 0;
}

int check(const std::map<std::string, counts>& now, const std::string& baseline_path) {
    std::map<std::string, counts> baseline;
    if (!read_baseline(baseline_path, baseline)) {
        std::cerr << "alloc_gate: cannot read the baseline " << baseline_path << "\n";
        return 2;
    }
    return compare(now, baseline, baseline_path, std::cout);
}

// The gate must be able to fail: the same counts pass, one allocation fewer in the baseline
// fails, and a JSON round trip reads back what was written.
int self_test(const std::map<std::string, counts>& now) {
    std::ostringstream quiet;
    int errors = 0;
    if (compare(now, now, "self", quiet) != 0) {
        std::cerr << "self-test: identical counts did not pass\n";
        ++errors;
    }
    for (const auto& [name, c] : now) {
        auto lower = now;
        lower[name].allocations -= 1;
        if (compare(now, lower, "self", quiet) != 1) {
            std::cerr << "self-test: one allocation over the baseline in " << name << " did not fail\n";
            ++errors;
        }
    }
    const std::string path = "alloc_gate_self_test.json";
    {
        std::ofstream out(path);
        out << to_json(now);
    }
    std::map<std::string, counts> back;
    if (!read_baseline(path, back) || compare(now, back, path, quiet) != 0 || back.size() != now.size()) {
        std::cerr << "self-test: the JSON round trip changed the counts\n";
        ++errors;
    }
    std::remove(path.c_str());
    std::cout << "alloc_gate self-test: " << now.size() << " workloads, " << errors << " error(s)\n";
    return errors == 0 ? 0 : 1;
}

} // namespace
#endif

int main(int argc, char** argv) {
#ifdef IMMUTABLE_GATE_SANITIZED
    // The sanitizer's allocator is in charge here; counts would not be ours to gate.
    (void)argc;
    (void)argv;
    std::cout << "alloc_gate: skipped in a sanitizer build\n";
    return 0;
#else
    std::string mode;
    std::string path;
    std::string only;
    bool usage_error = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if ((arg == "--check" || arg == "--write") && i + 1 < argc && mode.empty()) {
            mode = arg;
            path = argv[++i];
        } else if (arg == "--self-test" && mode.empty()) {
            mode = arg;
        } else if (arg == "--only" && i + 1 < argc) {
            only = argv[++i];
        } else if (arg == "--threaded") {
            std::thread([] {}).join();
        } else if (arg == "--list") {
            for (const auto& w : workloads()) std::cout << w.name << "\n";
            return 0;
        } else {
            usage_error = true;
        }
    }
    if (usage_error || (!only.empty() && !mode.empty())) {
        std::cerr << "usage: alloc_gate [--check BASELINE.json | --write BASELINE.json | --self-test]\n"
                  << "       alloc_gate [--only WORKLOAD] | --list     (print counts as JSON)\n";
        return 2;
    }
    auto results = measure(workloads(), only);
    const counts& calibration = results["calibration/new_delete/1000"];
    if (calibration.allocations != 1000 || calibration.bytes != 8000) {
        std::cerr << "alloc_gate: the counting operator new is not active (calibration counted "
                  << calibration.allocations << " allocations of " << calibration.bytes << " bytes, expected 1000 "
                  << "of 8000); link bench/support/alloc_counter.cpp\n";
        return 2;
    }
    if (mode == "--self-test") return self_test(results);
    if (mode == "--check") return check(results, path);
    std::string json = to_json(results);
    if (mode == "--write") {
        std::ofstream out(path);
        out << json;
        if (!out) {
            std::cerr << "alloc_gate: cannot write " << path << "\n";
            return 2;
        }
        std::cout << "alloc_gate: wrote " << results.size() << " workloads to " << path << "\n";
        return 0;
    }
    std::cout << json;
    return 0;
#endif
}
