"""The library's performance goals, judged against one run's medians.

Only targets whose peer runs inside the suite are judged here: ratios to std::vector,
std::unordered_map and absl::btree_map measured in the same binary, and bytes per entry.
Targets stated against arximboldi/immer need immer built beside ours, which the suite does
not do (it is not a Debian package); docs/benchmarks/targets.md keeps those figures.

A verdict is only as good as the run: on a shared machine a ratio near its bound can fall
either side from one run to the next, so the section prints the ratio, not just the verdict.
"""

from collections import namedtuple

# ratio:   median time of `ours` / median time of `peer`, same operation and N, <= bound.
# counter: the median of counter `counter` on `ours`, <= bound.
Target = namedtuple("Target", "container what operation ours peer sizes bound kind counter bracket")

ALL_SIZES = (1000, 100000, 1000000)
MILLION = (1000000,)


def ratio(container, what, operation, ours, peer, bound, sizes=ALL_SIZES, bracket=""):
    return Target(container, what, operation, ours, peer, sizes, bound, "ratio", None, bracket)


def counter(container, what, operation, ours, name, bound, sizes=MILLION, bracket=""):
    return Target(container, what, operation, ours, None, sizes, bound, "counter", name, bracket)


# By container. `bracket` is an earlier measurement of immer on the same ratio.
TARGETS = [
    ratio("list", "random `operator[]`, ×`std::vector`", "list/index_random",
          "immutable::list", "std::vector", 3.0, MILLION, "5.0×"),
    ratio("list", "`for_each_chunk` sum, ×`std::vector` loop", "list/sum_chunked",
          "immutable::list", "std::vector", 1.2, bracket="1.3×"),
    ratio("list", "iterator sum, ×`std::vector`", "list/sum_iterator",
          "immutable::list", "std::vector", 2.0, bracket="2.5×"),
    ratio("list", "builder `push_back`, ×`std::vector::push_back`", "list/push_back",
          "immutable::list::builder", "std::vector", 2.5, bracket="3.9×"),
    ratio("list", "persistent `push_back`, ×`std::vector::push_back`", "list/push_back",
          "immutable::list(persistent)", "std::vector", 12.0, bracket="26×"),
    ratio("map / set", "find hit, ×`std::unordered_map`", "map/find_hit",
          "immutable::map", "std::unordered_map", 2.5, MILLION, "5.8×"),
    ratio("map / set", "find miss, ×`std::unordered_map`", "map/find_miss",
          "immutable::map", "std::unordered_map", 2.0, MILLION, "2.5×"),
    ratio("map / set", "iteration, ×`std::unordered_map`", "map/iterate",
          "immutable::map", "std::unordered_map", 0.25, MILLION, "0.4×"),
    counter("map / set", "bytes per entry, `int64_t -> int64_t`", "map/find_hit",
            "immutable::map", "bytes_per_elem", 24.0, bracket="28.7"),
    ratio("sorted_map / sorted_set", "find hit, ×`absl::btree_map`", "sorted_map/find_hit",
          "immutable::sorted_map", "absl::btree_map", 1.5),
    ratio("sorted_map / sorted_set", "iteration, ×`absl::btree_map`", "sorted_map/iterate",
          "immutable::sorted_map", "absl::btree_map", 2.0),
    ratio("sorted_map / sorted_set", "persistent insert (random), ×mutable `absl::btree_map` insert", "sorted_map/insert_random",
          "immutable::sorted_map(persistent)", "absl::btree_map(mutable)", 4.0),
    ratio("sorted_map / sorted_set", "persistent insert (ascending), ×mutable `absl::btree_map` insert", "sorted_map/insert_ascending",
          "immutable::sorted_map(persistent)", "absl::btree_map(mutable)", 4.0),
]


def judge(target, find_median, find_counter):
    """[(N, measured value or None, verdict)] for each size of the target.

    find_median(name) and find_counter(name, counter) return None for a benchmark the run
    does not have; such a size is "not measured", never "met"."""
    rows = []
    for n in target.sizes:
        mine_name = f"{target.operation}/{target.ours}/{n}"
        if target.kind == "ratio":
            mine = find_median(mine_name)
            theirs = find_median(f"{target.operation}/{target.peer}/{n}")
            value = mine / theirs if mine is not None and theirs else None
        else:
            value = find_counter(mine_name, target.counter)
        if value is None:
            rows.append((n, None, "not measured"))
        else:
            rows.append((n, value, "met" if value <= target.bound else "**not met**"))
    return rows
