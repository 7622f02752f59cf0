"""Reading Google Benchmark JSON output into per-benchmark samples.

Shared by the report generator and bench/compare. Standard library only.

A benchmark name follows the contract in bench/support/bench_support.hpp:
    <container>/<operation>/<implementation>/<N>[/threads:<T>]
Google Benchmark may append its own qualifiers (real_time, min_time:X, threads:T, ...);
those are split off here so that the report can group by container, operation and size.
"""

import json
import lzma
import re

# Multipliers from a time_unit to nanoseconds.
_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# Qualifiers Google Benchmark appends to a name; none of them is part of the contract.
_QUALIFIER = re.compile(
    r"^(real_time|manual_time|process_time|"
    r"(min_time|min_warmup_time|iterations|repeats|threads):[0-9.e+-]+s?)$")

# Fields of a run entry that are not user counters.
_STANDARD_FIELDS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
    "label", "binary", "big_o", "rms", "complexity",
}

OURS_PREFIX = "immutable::"


# Update rows: the rows of ours that the report also measures in a one-thread process and
# shows side by side with the default run (reference counts are what differs). The one rule,
# used by run.py to pick the rows to rerun and by generate.py to show them:
#   - the implementation is ours (immutable::..., persistent updates and builders alike);
#   - the operation starts with one of UPDATE_VERBS as whole words (push_back, push_pop,
#     insert_random_string, ...); where the group is not a container but operations are
#     named <container>_<operation> (policy/list_set), the verb follows the container name;
#   - the row starts no thread of its own: no /threads:T, no *_handoff operation.
UPDATE_VERBS = ("push_back", "push_front", "push", "pop", "insert", "set", "erase", "update", "assoc")
CONTAINER_NAMES = ("sorted_map", "sorted_set", "list", "queue", "map", "set")


def update_verb(container, operation):
    """The update verb the operation starts with (see UPDATE_VERBS), or None."""
    if not container or not operation:
        return None
    if container not in CONTAINER_NAMES:
        for name in CONTAINER_NAMES:
            if operation.startswith(name + "_"):
                operation = operation[len(name) + 1:]
                break
    words = operation.split("_")
    for verb in UPDATE_VERBS:
        verb_words = verb.split("_")
        if words[:len(verb_words)] == verb_words:
            return verb
    return None


def is_update_row(name):
    """True for the rows the one-thread comparison covers (the rule above)."""
    parsed = parse_name(name)
    if parsed["implementation"] is None or not parsed["implementation"].startswith(OURS_PREFIX):
        return False
    if parsed["threads"] is not None or parsed["operation"].endswith("_handoff"):
        return False
    return update_verb(parsed["container"], parsed["operation"]) is not None


class Benchmark:
    """Every repetition of one benchmark instance (one full name)."""

    def __init__(self, name, binary=None):
        self.name = name
        self.binary = binary
        self.real_ns = []      # one value per repetition, nanoseconds per iteration
        self.cpu_ns = []
        self.counters = {}     # counter name -> list of values, one per repetition
        self.aggregates = {}   # aggregate name ("median", ...) -> {"real_ns":, "cpu_ns":, counters...}
        self.threads = 1
        self.error = None
        self.label = None
        self.order = 0         # position of first appearance, to keep registration order
        parsed = parse_name(name)
        self.container = parsed["container"]
        self.operation = parsed["operation"]
        self.implementation = parsed["implementation"]
        self.size = parsed["size"]
        self.args = parsed["args"]
        self.threads_in_name = parsed["threads"]

    @property
    def is_ours(self):
        return self.implementation is not None and self.implementation.startswith(OURS_PREFIX)

    @property
    def has_repetitions(self):
        return len(self.real_ns) > 0

    def counter_median(self, key):
        """The median of a user counter over repetitions, else its median aggregate, else None."""
        values = self.counters.get(key)
        if values:
            return median(values)
        agg = self.aggregates.get("median", {})
        return agg.get(key)

    def counter_max(self, key):
        """The largest value of a user counter over repetitions (for peaks), else its median aggregate."""
        values = self.counters.get(key)
        if values:
            return max(values)
        return self.aggregates.get("median", {}).get(key)

    def time_stats(self, which="real"):
        """(median, min, max) in ns over repetitions; from aggregates when there are none."""
        values = self.real_ns if which == "real" else self.cpu_ns
        if values:
            return median(values), min(values), max(values)
        agg = self.aggregates.get("median")
        if agg is None:
            agg = self.aggregates.get("mean")
        if agg is None:
            return None
        value = agg["real_ns" if which == "real" else "cpu_ns"]
        return value, value, value


def parse_name(name):
    """Splits a contract name into its parts; parts it cannot find are None."""
    parts = name.split("/")
    threads = None
    kept = []
    for part in parts:
        if _QUALIFIER.match(part):
            if part.startswith("threads:"):
                threads = int(part.split(":", 1)[1])
            continue
        kept.append(part)
    result = {"container": None, "operation": None, "implementation": None,
              "size": None, "args": [], "threads": threads}
    if len(kept) >= 3:
        result["container"], result["operation"], result["implementation"] = kept[0], kept[1], kept[2]
        args = kept[3:]
        numeric = [a for a in args if re.fullmatch(r"-?[0-9]+", a)]
        if numeric:
            result["size"] = int(numeric[0])
        result["args"] = args
    return result


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def _entry_counters(entry):
    counters = {}
    for key, value in entry.items():
        if key in _STANDARD_FIELDS or not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        counters[key] = float(value)
    return counters


def _base_name(entry):
    if "run_name" in entry:
        return entry["run_name"]
    name = entry["name"]
    if entry.get("run_type") == "aggregate" and "aggregate_name" in entry:
        suffix = "_" + entry["aggregate_name"]
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def load_json_text(text):
    """Parses Google Benchmark JSON; repairs a file cut short by a crashed binary."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    # The JSON reporter writes one complete object per run; keep everything up to the last
    # complete run entry and close the array and the document.
    cut = text.rfind("\n    }")
    while cut != -1:
        candidate = text[: cut + len("\n    }")] + "\n  ]\n}\n"
        try:
            data = json.loads(candidate)
            data.setdefault("context", {})["truncated"] = True
            return data
        except json.JSONDecodeError:
            cut = text.rfind("\n    }", 0, cut)
    try:
        head = text[: text.index('"benchmarks"')].rstrip().rstrip(",") + "\n}\n"
        data = json.loads(head)
    except (ValueError, json.JSONDecodeError):
        data = {"context": {}}
    data["benchmarks"] = []
    data["context"]["truncated"] = True
    return data


# The compressed file a report keeps (run.py): the merged results.json, xz-compressed, with
# the one-thread rerun's merged document under this key when there was one.
COMPRESSED_SUFFIX = ".xz"
ONE_THREAD_KEY = "one_thread"


def load(path):
    opener = lzma.open if path.endswith(COMPRESSED_SUFFIX) else open
    with opener(path, "rt", encoding="utf-8") as f:
        return load_json_text(f.read())


def save_compressed(path, data):
    """Writes data as compact, xz-compressed JSON (what a report commits: one small file)."""
    with lzma.open(path, "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as f:
        json.dump(data, f, separators=(",", ":"))


def collect(data, binary=None):
    """Groups the run entries of one parsed JSON document into an ordered {name: Benchmark}."""
    benchmarks = {}
    for position, entry in enumerate(data.get("benchmarks", [])):
        name = _base_name(entry)
        bench_binary = entry.get("binary", binary)
        key = name
        bench = benchmarks.get(key)
        if bench is None:
            bench = Benchmark(name, bench_binary)
            bench.order = position
            benchmarks[key] = bench
        bench.threads = int(entry.get("threads", bench.threads_in_name or 1))
        if entry.get("label"):
            bench.label = entry["label"]
        if entry.get("error_occurred"):
            bench.error = entry.get("error_message", "error")
            continue
        scale = _UNIT_NS.get(entry.get("time_unit", "ns"), 1.0)
        counters = _entry_counters(entry)
        if entry.get("run_type", "iteration") == "aggregate":
            aggregate = entry.get("aggregate_name", "aggregate")
            if entry.get("aggregate_unit", "time") == "percentage":
                continue  # the coefficient of variation; recomputed when needed
            values = {"real_ns": float(entry["real_time"]) * scale,
                      "cpu_ns": float(entry["cpu_time"]) * scale}
            values.update(counters)
            bench.aggregates[aggregate] = values
        else:
            bench.real_ns.append(float(entry["real_time"]) * scale)
            bench.cpu_ns.append(float(entry["cpu_time"]) * scale)
            for key_, value in counters.items():
                bench.counters.setdefault(key_, []).append(value)
    return benchmarks


def load_benchmarks(path, part=None):
    """(context, {name: Benchmark}) from a Google Benchmark JSON file, a merged results.json or
    a report's results.json.xz; part=ONE_THREAD_KEY reads the one-thread rerun kept in the last."""
    data = load(path)
    if part is not None:
        if part not in data:
            raise KeyError(f"{path}: no {part} results in this file")
        data = data[part]
    return data.get("context", {}), collect(data)
