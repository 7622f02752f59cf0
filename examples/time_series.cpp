// Time series kept as immutable::sorted_map<timestamp, reading>: merging two sensors'
// series, windows by time and pages by rank, retention, and what changed between two
// versions of a series.
//
//   union_with   merges two series; where both sensors reported at the same instant the
//                readings are averaged. Stretches only one sensor covers are taken whole.
//   split        cuts a series at an instant: the past and the rest.
//   slice        pages through a series by rank (page 3 of 50 readings) in O(log n).
//   erase_range  drops a time window, e.g. readings from a faulty hour.
//   diff         lists what a correction changed, skipping everything the versions share.
//
// Every version stays valid: the dashboard's snapshot is untouched by later corrections.
// The program checks its own results and exits with 1 on a wrong answer.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <immutable/sorted_map.hpp>

namespace {

using timestamp = std::int64_t; // seconds
using series = immutable::sorted_map<timestamp, double>;

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("WRONG: %s\n", what);
        ++failures;
    }
}

// A sensor reporting every `period` seconds from `start` for `count` readings.
series sample(timestamp start, timestamp period, int count, double base) {
    series::builder b;
    for (int i = 0; i < count; ++i) b.set(start + i * period, base + (i % 7));
    return b.build();
}

} // namespace

int main() {
    // Two sensors: one every 10 s over the first 3 hours, one every 15 s from hour 2 on.
    const series north = sample(0, 10, 1080, 20.0);
    const series south = sample(7200, 15, 1000, 30.0);

    // Merge: where both reported at the same second, take the mean.
    const series merged =
        north.union_with(south, [](timestamp, double a, double b) { return (a + b) / 2.0; });
    std::size_t common = 0;
    for (const auto& [t, v] : north) common += south.contains(t) ? 1 : 0;
    check(merged.size() == north.size() + south.size() - common, "merged size");
    check(std::abs(*merged.find(7200) - (north.at(7200) + south.at(7200)) / 2.0) < 1e-9, "mean where both report");
    check(*merged.find(10) == north.at(10), "north alone before hour 2");
    std::printf("merged %zu + %zu readings into %zu (%zu instants in both)\n", north.size(), south.size(),
                merged.size(), common);

    // The past and the rest, at the 2-hour mark.
    const auto [past, rest] = merged.split(7200);
    check(past.size() + rest.size() == merged.size(), "split keeps every reading");
    check(past.back().first < 7200 && rest.front().first == 7200, "split at the instant");

    // Pages of 50 readings by rank: page 3 is readings 150..199, found in O(log n).
    const std::size_t page_size = 50;
    const series page3 = merged.slice(3 * page_size, 4 * page_size);
    check(page3.size() == page_size, "page size");
    check(page3.front() == merged.nth(150), "page starts at rank 150");
    std::printf("page 3: %lld s .. %lld s\n", static_cast<long long>(page3.front().first),
                static_cast<long long>(page3.back().first));

    // The dashboard keeps a snapshot; a correction drops a faulty window and fixes one value.
    const series dashboard = merged;
    const series corrected = merged.erase_range(3600, 3660).set(5000, 25.5);
    check(dashboard.size() == merged.size(), "snapshot unchanged");
    check(merged.erase_range(99999, 100000).identity() == merged.identity(), "empty window: same version");

    std::vector<timestamp> removed, changed, added;
    immutable::diff(
        dashboard, corrected, [&](const auto& e) { added.push_back(e.first); },
        [&](const auto& e) { removed.push_back(e.first); }, [&](const auto& old_e, const auto&) { changed.push_back(old_e.first); });
    check(added.empty(), "nothing added");
    check(removed.size() == static_cast<std::size_t>(dashboard.rank(3660) - dashboard.rank(3600)), "window removed");
    check(changed == std::vector<timestamp>{5000}, "one value changed");
    std::printf("correction: %zu readings removed, %zu changed\n", removed.size(), changed.size());

    // Retention: keep the last hour only.
    const series last_hour = corrected.split(corrected.back().first - 3600).second;
    check(last_hour.front().first >= corrected.back().first - 3600, "retention window");
    std::printf("last hour: %zu readings\n", last_hour.size());

    return failures == 0 ? 0 : 1;
}
