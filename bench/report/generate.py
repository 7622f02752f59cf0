#!/usr/bin/python3
"""Writes the benchmark report (index.md, index.html, PNG figures) from a run's results.

    /usr/bin/python3 bench/report/generate.py report/results.json.xz --out report

results.json.xz is what bench/report/run.py keeps (the merged Google Benchmark output and
the one-thread rerun of the update rows); its uncompressed raw/results.json, or any single
Google Benchmark JSON file, works too (without the per-binary table). Beside an
uncompressed file the one-thread rerun is read from one_thread/results.json when present.
"""

import argparse
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchdata  # noqa: E402
import budget  # noqa: E402
import memory_over_time  # noqa: E402
import targets  # noqa: E402
from document import Document  # noqa: E402

# Containers in the order the README lists them; any other container follows alphabetically.
CONTAINER_ORDER = ["list", "queue", "map", "set", "sorted_map", "sorted_set"]

# Rows where threads hand our nodes to each other set this counter (bench_support.hpp).
DEFERRED_PEAK = "deferred_peak_nodes"
DEFERRED_PEAK_NOTE = ("`deferred peak`: the most nodes that waited at once, during the row, for the thread "
                      "that created them to take them back after another thread dropped its last "
                      "reference (`immutable::deferred_release_stats()`); the largest over the "
                      "repetitions. Blank for rows that hold none of our nodes.")
COUNTER_HEADERS = {"allocs_per_op": "allocs/op", "bytes_per_op": "bytes/op", "bytes_per_elem": "bytes/elem",
                   DEFERRED_PEAK: "deferred peak"}


# Formatting --------------------------------------------------------------------------------
def fmt_time(ns):
    if ns is None:
        return ""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_count(value):
    if value is None:
        return ""
    if value == 0:
        return "0"
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    if abs(value) < 0.01:
        # Two significant digits in plain notation: 0.000020, not 2e-05.
        digits = 1 - math.floor(math.log10(abs(value)))
        return f"{value:.{digits}f}"
    return f"{value:.3g}"


def fmt_bytes(value):
    if value is None:
        return ""
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"


def fmt_ratio(value):
    if value is None:
        return ""
    return f"{value:.2f}×" if value < 10 else f"{value:.1f}×" if value < 100 else f"{value:.0f}×"


def fmt_size(n):
    return "" if n is None else f"{n:,}"


def fmt_duration(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def slug(*parts):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(parts)).strip("_")


# Grouping ----------------------------------------------------------------------------------
def container_key(name):
    return (CONTAINER_ORDER.index(name), "") if name in CONTAINER_ORDER else (len(CONTAINER_ORDER), name)


def group(benchmarks):
    """{container: {operation: [Benchmark...]}} in registration order; plus the misfits."""
    grouped, misfits = {}, []
    for bench in sorted(benchmarks.values(), key=lambda b: b.order):
        if bench.container is None:
            misfits.append(bench)
            continue
        grouped.setdefault(bench.container, {}).setdefault(bench.operation, []).append(bench)
    ordered = {c: grouped[c] for c in sorted(grouped, key=container_key)}
    return ordered, misfits


def implementations_of(benches):
    seen = []
    for bench in benches:
        if bench.implementation not in seen:
            seen.append(bench.implementation)
    ours = [i for i in seen if i.startswith(benchdata.OURS_PREFIX)]
    peers = [i for i in seen if not i.startswith(benchdata.OURS_PREFIX)]
    if not peers and len(ours) > 1:
        # Only variants of ours (memory policies, say): the first registered is the reference.
        return ours[1:], ours[:1]
    return ours, peers


def case_key(bench):
    """Benchmarks with equal keys measure the same case for different implementations."""
    return (bench.size if bench.size is not None else -1, tuple(bench.args), bench.threads_in_name or 0)


def median_time(bench):
    stats = bench.time_stats("real")
    return None if stats is None else stats[0]


# Sections ----------------------------------------------------------------------------------
def run_information(doc, context, benchmarks):
    doc.heading(2, "Run")
    rows = []
    def add(label, key):
        if context.get(key) not in (None, ""):
            rows.append((label, str(context[key])))
    add("date", "report_date")
    add("commit", "commit")
    add("machine", "machine_cpu")
    add("cores", "machine_cores")
    add("compiler", "compiler")
    add("flags", "cxx_flags")
    add("build type", "build_type")
    add("mode", "report_mode")
    add("repetitions", "repetitions")
    add("min time per repetition", "min_time")
    add("largest size", "max_size")
    add("filter", "filter")
    add("reference counts", "reference_counts")
    add("one-thread comparison", "one_thread_comparison")
    add("Google Benchmark", "benchmark_version")
    add("build and run time", "total_run_time")
    load = context.get("load_avg")
    if context.get("load_at_start") is not None:
        rows.append(("load average at start (1 min)", f"{float(context['load_at_start']):.2f}"))
        rows.append(("waited for the load to settle", f"{context.get('settle_wait_s', 0)}s "
                     f"(at most {context.get('settle_limit_s', 0)}s)"))
        rows.append(("load average when the runs began", f"{float(context['load_at_runs']):.2f}"))
    elif isinstance(load, list) and load:
        rows.append(("load average at start (1 min)", f"{load[0]:.2f}"))
    rows.append(("benchmarks", str(len(benchmarks))))
    doc.table(("", ""), rows, align=["l", "l"])
    notes = []
    if context.get("library_build_type") == "debug":
        notes.append("Debian's libbenchmark reports itself as a debug build; that adds a constant "
                     "overhead to the timing loop of every implementation alike, not to the code measured.")
    cores = context.get("machine_cores") or context.get("num_cpus")
    runs_load = context.get("load_at_runs")
    if runs_load is None and isinstance(load, list) and load:
        runs_load = load[0]
    if runs_load is not None and cores and float(runs_load) > 0.5 * float(cores):
        waited = context.get("settle_wait_s")
        waited_text = f" even after waiting {waited}s for it to settle" if waited else ""
        notes.append(f"**The machine was busy while this ran**{waited_text}: load average "
                     f"{float(runs_load):.1f} on {cores} cores when the runs began, so other processes "
                     f"took CPU time from the benchmarks. Times are noisy and the slower ones are "
                     f"inflated; ratios between implementations measured in the same run hold better "
                     f"than absolute times. Compare CPU and wall time in the table of binaries.")
    elif context.get("settle_wait_s"):
        notes.append(f"The machine was busy at start (load average {float(context['load_at_start']):.1f}); "
                     f"the run waited {context['settle_wait_s']}s for it to settle before measuring.")
    if context.get("commit_dirty") == "yes":
        notes.append("The work tree had uncommitted changes when this ran.")
    if context.get("truncated"):
        notes.append("At least one binary stopped before writing all its results (see the table of binaries).")
    if notes:
        doc.bullets(notes)


def how_to_read(doc):
    doc.heading(2, "How to read this report")
    doc.bullets([
        "Times are wall-clock (`real_time`) per operation: the **median** over the repetitions, "
        "with the fastest and slowest repetition beside it.",
        "`vs P` columns give our median divided by peer P's median for the same size: "
        "below 1.00× ours is faster, above 1.00× it is slower. Where an operation measures "
        "only variants of ours (memory policies, for instance), the first one registered is "
        "the reference P.",
        "`allocs/op` and `bytes/op` count calls to `operator new` and the bytes requested per "
        "operation (one counting hook for every implementation); `bytes/elem` is the memory a "
        "whole container of N elements keeps allocated, divided by N.",
        "The *reference counts* row of the *Run* table says what kind of process every row was "
        "measured in (by default one that has started a thread, as almost every program has); "
        "when the run has a one-thread rerun, *Updates with threads started and in a one-thread "
        "process* sets our update rows beside a process that never starts one.",
        "Figures: time per operation against N on log-log axes (one line per implementation; "
        "ours solid, peers dashed), bytes per element against N, and throughput against threads.",
        "To tell whether a change made something slower, do not eyeball two reports: use "
        "`bench/compare` on their `results.json.xz` (docs/benchmarks/README.md).",
    ])


def summary(doc, grouped):
    rows = []
    for container, operations in grouped.items():
        for operation, benches in operations.items():
            single = [b for b in benches if b.threads_in_name is None]
            ours, peers = implementations_of(single)
            if not ours or not peers:
                continue
            by_case = {}
            for bench in single:
                by_case.setdefault(case_key(bench), {})[bench.implementation] = bench
            for impl in ours:
                # The largest size at which this implementation and at least one peer ran.
                cases = [k for k, impls in by_case.items()
                         if impl in impls and any(p in impls for p in peers)]
                if not cases:
                    continue
                case = max(cases)
                impls = by_case[case]
                mine = median_time(impls[impl])
                ratios = []
                for peer in peers:
                    if peer in impls and mine is not None and median_time(impls[peer]):
                        ratios.append(f"{peer} {fmt_ratio(mine / median_time(impls[peer]))}")
                rows.append((f"{container}/{operation}", fmt_size(case[0] if case[0] >= 0 else None),
                             impl, fmt_time(mine), ", ".join(ratios)))
    if not rows:
        return
    doc.heading(2, "Summary: ours against each peer at the largest size")
    doc.paragraph("Ratio = our median time ÷ the peer's median time for the same operation and N "
                  "(below 1.00× ours is faster).")
    doc.table(("operation", "N", "implementation", "median", "ratio to each peer"), rows,
              align=["l", "r", "l", "r", "l"])


def update_verbs_text():
    return ", ".join(f"`{verb}`" for verb in benchdata.UPDATE_VERBS)


def one_thread_comparison(doc, grouped, one_thread):
    """Every update row of ours: the default run (threads started) beside the one-thread rerun."""
    if one_thread is None:
        return
    tables = []
    for container, operations in grouped.items():
        rows = []
        for operation, benches in operations.items():
            updates = [b for b in benches if benchdata.is_update_row(b.name)]
            if not updates:
                continue
            impls = []
            for bench in updates:
                if bench.implementation not in impls:
                    impls.append(bench.implementation)
            for impl in impls:
                for bench in sorted((b for b in updates if b.implementation == impl), key=case_key):
                    other = one_thread.get(bench.name)
                    threaded, alone = median_time(bench), None if other is None else median_time(other)
                    extra = "/".join(a for a in bench.args if not re.fullmatch(r"-?[0-9]+", a))
                    ratio = fmt_ratio(threaded / alone) if threaded is not None and alone else ""
                    rows.append((operation, impl, fmt_size(bench.size) + (f" ({extra})" if extra else ""),
                                 fmt_time(threaded), fmt_time(alone) if other is not None else "not run",
                                 ratio))
        if rows:
            tables.append((container, rows))
    doc.heading(2, "Updates with threads started and in a one-thread process", anchor="one-thread-comparison")
    if not tables:
        doc.paragraph("This run has no update row of ours to compare.")
        return
    doc.paragraph("Every other table of this report measures a process that has started a thread, as "
                  "almost every program has. Each update row of ours (an operation that starts with "
                  f"{update_verbs_text()}; persistent updates and builders alike; rows that start threads "
                  "of their own are left out) was run a second time in a process that never starts a "
                  "thread, with the same repetitions. Ratio = median time with threads started ÷ median "
                  "time in the one-thread process: 1.00× means the update costs the same in both, 1.30× "
                  "that it takes 30 % longer in a program that has started threads. The two runs are "
                  "minutes apart: on a busy machine (see *Run*) noise alone moves a ratio by tens of "
                  "percent; `bench/compare results.json.xz results.json.xz#one_thread` tests each row "
                  "on its repetitions.")
    for container, rows in tables:
        doc.heading(3, f"{container}: with threads started and in one thread", anchor=slug("one-thread", container))
        doc.table(("update", "implementation", "N", "median, threads started", "median, one-thread process",
                   "ratio (threads ÷ one thread)"), rows, align=["l", "l", "r", "r", "r", "r"])


def performance_goals(doc, context, benchmarks):
    """Each of the library's performance goals that this run can judge: the figure beside its bound."""
    def find_median(name):
        bench = benchmarks.get(name)
        return None if bench is None else median_time(bench)

    def find_counter(name, key):
        bench = benchmarks.get(name)
        return None if bench is None else bench.counter_median(key)

    rows = []
    for target in targets.TARGETS:
        bound = (f"≤ {fmt_ratio(target.bound)}" if target.kind == "ratio" else f"≤ {target.bound:g}")
        for n, value, verdict in targets.judge(target, find_median, find_counter):
            if value is None and not any(name.startswith(target.operation + "/") for name in benchmarks):
                continue  # the operation is not part of this run (a filtered run)
            shown = "" if value is None else (fmt_ratio(value) if target.kind == "ratio" else f"{value:.3g}")
            rows.append((target.container, target.what, fmt_size(n), bound, target.bracket, shown, verdict))
    if not rows:
        return
    doc.heading(2, "Performance goals")
    doc.paragraph("The library's speed and memory goals that this run can judge: our "
                  "median divided by the peer's, both from this run, against the goal's bound "
                  "(a counter's median for bytes per entry). `immer` is an earlier measurement of "
                  "arximboldi/immer on the same ratio. A ratio within a few percent of its bound can land either side "
                  "from run to run on a shared machine. Targets against immer itself need immer built "
                  "beside ours: docs/benchmarks/targets.md.")
    if context.get("reference_counts"):
        doc.paragraph(f"Reference counts in this run: {context['reference_counts']}.")
    doc.table(("container", "goal", "N", "bound", "immer", "measured", "verdict"), rows,
              align=["l", "l", "r", "r", "r", "r", "l"])


def sharing(doc, benchmarks):
    rows = []
    for bench in sorted(benchmarks.values(), key=lambda b: b.order):
        ratio = bench.counter_median("sharing_ratio")
        if ratio is None:
            continue
        rows.append((bench.container or bench.name, bench.operation or "", bench.implementation or "",
                     fmt_size(bench.size), f"{ratio * 100:.3g} %",
                     fmt_count(bench.counter_median("bytes_per_op"))))
    doc.heading(2, "Structural sharing")
    if not rows:
        doc.paragraph("No benchmark reported the `sharing_ratio` counter in this run.")
        return
    doc.paragraph("Bytes newly allocated by one change to a container, as a share of the whole "
                  "container's bytes (counter `sharing_ratio`): a copy-on-write structure that "
                  "shares everything but the changed path stays far below 1 %; a full copy is 100 %.")
    doc.table(("container", "change", "implementation", "N", "new bytes / container bytes", "bytes/op"),
              rows, align=["l", "l", "l", "r", "r", "r"])


def cache_behaviour(doc, cache_md_path):
    """The cachegrind table of docs/benchmarks/cache.md: exact simulated misses per operation.

    It is produced by scripts/cachegrind, not by this run (valgrind makes it ~50x slower than
    a benchmark), so the report quotes the committed table and says where it comes from."""
    doc.heading(2, "Cache behaviour (cachegrind)")
    try:
        with open(cache_md_path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        doc.paragraph(f"No cachegrind table found at `{cache_md_path}`: run `scripts/cachegrind --write`.")
        return
    start = next((i for i, l in enumerate(lines) if l.startswith("| workload |")), None)
    if start is None:
        doc.paragraph(f"`{cache_md_path}` has no results table: run `scripts/cachegrind --write`.")
        return
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append([c.strip() for c in line.strip().strip("|").split("|")])
    header, rows = table[0], [r for r in table[2:] if len(r) == len(table[0])]
    doc.paragraph("Instructions, data reads and simulated cache misses per operation at "
                  "1,000,000 elements, from valgrind's cachegrind (deterministic; fixed 32 KiB L1D "
                  "and 2 MiB last level). Not measured by this run: quoted from "
                  "`docs/benchmarks/cache.md`, refreshed with `scripts/cachegrind --write`.")
    doc.table(header, rows, align=["l"] + ["r"] * (len(header) - 1))


def binaries(doc, context, one_thread_context=None):
    runs = context.get("binaries") or {}
    if not runs:
        return
    runs = dict(runs)
    for name, info in ((one_thread_context or {}).get("binaries") or {}).items():
        runs[f"{name} (update rows, one-thread process)"] = info
    doc.heading(2, "Benchmark binaries")
    doc.paragraph("Peak resident set size of each binary over its whole run (from `wait4`), "
                  "which includes the inputs and the largest container it built. CPU time well "
                  "below the wall time (for single-threaded benchmarks) means other processes "
                  "competed for the cores during the run.")
    rows = []
    for name, info in runs.items():
        cpu = info.get("cpu_s")
        rows.append((name, str(info.get("benchmarks", "")), fmt_duration(info.get("elapsed_s", 0)),
                     "" if cpu is None else fmt_duration(cpu),
                     fmt_bytes(info.get("peak_rss_bytes")), info.get("status", "")))
    doc.table(("binary", "benchmarks", "wall time", "CPU time", "peak RSS", "status"), rows,
              align=["l", "r", "r", "r", "r", "l"])


def operation_section(doc, out_dir, container, operation, benches, styles, cores, make_plots):
    import plots  # imported late: tests of the tables do not need matplotlib

    single = [b for b in benches if b.threads_in_name is None]
    threaded = [b for b in benches if b.threads_in_name is not None]
    doc.heading(3, f"{container} / {operation}", anchor=slug(container, operation))
    if single:
        ours, peers = implementations_of(single)
        by_case = {}
        for bench in single:
            by_case.setdefault(case_key(bench), {})[bench.implementation] = bench
        has = lambda key: any(b.counter_median(key) is not None for b in single)  # noqa: E731
        header = ["N", "implementation", "median", "min", "max"]
        if ours:
            header += [f"vs {p}" for p in peers]
        counters = [k for k in ("allocs_per_op", "bytes_per_op", "bytes_per_elem", DEFERRED_PEAK) if has(k)]
        header += [COUNTER_HEADERS.get(k, k) for k in counters]
        rows = []
        for case in sorted(by_case):
            impls = by_case[case]
            extra = "/".join(a for a in case[1] if not re.fullmatch(r"-?[0-9]+", a))
            size_text = fmt_size(case[0] if case[0] >= 0 else None) + (f" ({extra})" if extra else "")
            for impl in ours + peers:
                bench = impls.get(impl)
                if bench is None:
                    continue
                if bench.error:
                    rows.append([size_text, impl, "error: " + bench.error, "", ""]
                                + [""] * (len(header) - 5))
                    continue
                stats = bench.time_stats("real")
                row = [size_text, impl, fmt_time(stats[0]), fmt_time(stats[1]), fmt_time(stats[2])]
                if ours:
                    for peer in peers:
                        if impl in ours and peer in impls and impls[peer].time_stats("real"):
                            row.append(fmt_ratio(stats[0] / impls[peer].time_stats("real")[0]))
                        else:
                            row.append("")
                for key in counters:
                    if key == DEFERRED_PEAK:
                        row.append(fmt_count(bench.counter_max(key)))
                        continue
                    value = bench.counter_median(key)
                    row.append(f"{value:.1f}" if key == "bytes_per_elem" and value is not None
                               else fmt_count(value))
                rows.append(row)
        doc.table(header, rows, align=["r", "l"] + ["r"] * (len(header) - 2))
        if DEFERRED_PEAK in counters:
            doc.paragraph(DEFERRED_PEAK_NOTE)

        sizes = {case[0] for case in by_case if case[0] > 0}
        if make_plots and len(sizes) >= 2:
            series = {}
            for bench in single:
                stats = bench.time_stats("real")
                if bench.size and stats and not bench.error:
                    series.setdefault(bench.implementation, []).append((bench.size, *stats))
            name = slug(container, operation, "time") + ".png"
            plots.time_vs_size(os.path.join(out_dir, name), f"{container} / {operation}: time per operation",
                               series, styles)
            doc.image(name, f"{container} {operation} time per operation against N")
        if make_plots and "bytes_per_elem" in counters and len(sizes) >= 2:
            series = {}
            for bench in single:
                value = bench.counter_median("bytes_per_elem")
                if bench.size and value:
                    series.setdefault(bench.implementation, []).append((bench.size, value))
            name = slug(container, operation, "memory") + ".png"
            plots.memory_vs_size(os.path.join(out_dir, name), f"{container} / {operation}: bytes per element",
                                 series, styles)
            doc.image(name, f"{container} {operation} bytes per element against N")
    if threaded:
        thread_section(doc, out_dir, container, operation, threaded, styles, cores, make_plots)


def thread_section(doc, out_dir, container, operation, threaded, styles, cores, make_plots):
    import plots

    ours, peers = implementations_of(threaded)
    by_case = {}
    for bench in threaded:
        by_case.setdefault(case_key(bench), {})[bench.implementation] = bench
    doc.paragraph(f"Throughput against threads (operations per second summed over all threads, "
                  f"from the median time). This machine has **{cores} cores**; rows with more "
                  f"threads than cores are oversubscribed and measure contention, not scaling: they "
                  f"are in a table of their own below the others, and shaded in the figure.")
    header = ["N", "threads", "implementation", "ops/s (all threads)", "per thread"]
    header += [f"vs {p}" for p in peers] if ours else []
    deferred = any(b.counter_max(DEFERRED_PEAK) is not None for b in threaded)
    if deferred:
        header.append(COUNTER_HEADERS[DEFERRED_PEAK])
    rows, oversubscribed_rows = [], []
    for case in sorted(by_case, key=lambda k: (k[0], k[1], k[2])):
        impls = by_case[case]
        threads = case[2]
        oversubscribed = bool(cores and threads > cores)
        thread_text = f"{threads}" + (" (oversubscribed)" if oversubscribed else "")
        for impl in ours + peers:
            bench = impls.get(impl)
            if bench is None or bench.time_stats("real") is None:
                continue
            rate = 1e9 / bench.time_stats("real")[0]
            row = [fmt_size(case[0] if case[0] >= 0 else None), thread_text, impl, fmt_count(rate),
                   fmt_count(rate / threads)]
            if ours:
                for peer in peers:
                    if impl in ours and peer in impls and impls[peer].time_stats("real"):
                        # Time per operation, ours ÷ the peer's, as everywhere in the report:
                        # below 1.00× ours is faster (completes more operations per second).
                        row.append(fmt_ratio(bench.time_stats("real")[0] / impls[peer].time_stats("real")[0]))
                    else:
                        row.append("")
            if deferred:
                row.append(fmt_count(bench.counter_max(DEFERRED_PEAK)))
            (oversubscribed_rows if oversubscribed else rows).append(row)
    align = ["r", "l", "l"] + ["r"] * (len(header) - 3)
    if rows:
        doc.table(header, rows, align=align)
    if ours and peers:
        doc.paragraph("`vs P` is our time per operation ÷ P's, as in every other table: below 1.00× ours "
                      "is faster (completes more operations per second).")
    if oversubscribed_rows:
        doc.paragraph(f"**Oversubscribed: more threads than the machine's {cores} cores.** The threads "
                      f"take turns on the cores, so these rows measure contention and scheduling, "
                      f"not how the implementations scale.")
        doc.table(header, oversubscribed_rows, align=align)
    if deferred:
        doc.paragraph(DEFERRED_PEAK_NOTE)
    if make_plots:
        series = {}
        sizes = sorted({b.size for b in threaded})
        for bench in threaded:
            stats = bench.time_stats("real")
            if stats is None or bench.error:
                continue
            label = bench.implementation if len(sizes) == 1 else f"{bench.implementation} N={fmt_size(bench.size)}"
            series.setdefault(label, (bench.implementation, []))[1].append(
                (bench.threads_in_name, 1e9 / stats[0]))
        if any(len(points) >= 2 for _, points in series.values()):
            name = slug(container, operation, "threads") + ".png"
            plots.throughput_vs_threads(os.path.join(out_dir, name),
                                        f"{container} / {operation}: throughput against threads",
                                        series, styles, cores)
            doc.image(name, f"{container} {operation} throughput against threads")


def misfit_section(doc, misfits):
    if not misfits:
        return
    doc.heading(2, "Benchmarks outside the naming contract")
    doc.paragraph("These names do not follow `<container>/<operation>/<implementation>/<N>`; "
                  "they are listed without grouping or ratios.")
    rows = []
    for bench in misfits:
        stats = bench.time_stats("real")
        rows.append((bench.name, fmt_time(stats[0]) if stats else bench.error or "",
                     fmt_time(stats[1]) if stats else "", fmt_time(stats[2]) if stats else ""))
    doc.table(("benchmark", "median", "min", "max"), rows)


# The committed cachegrind results (scripts/cachegrind --write keeps them current).
CACHE_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "benchmarks", "cache.md")


def one_thread_results(results_path, data):
    """(path, part) of the one-thread rerun: inside a compressed report, or the
    one_thread/results.json run.py writes beside an uncompressed results.json; or None."""
    if benchdata.ONE_THREAD_KEY in data:
        return results_path, benchdata.ONE_THREAD_KEY
    path = os.path.join(os.path.dirname(os.path.abspath(results_path)), "one_thread", "results.json")
    return (path, None) if os.path.isfile(path) else None


def generate(results_path, out_dir, make_plots=True, one_thread_path=None, memory_path=None):
    """one_thread_path: the one-thread rerun of the update rows (default: one_thread_results()).
    memory_path: sustained_load_bench output (default: memory_over_time.json beside results.json)."""
    data = benchdata.load(results_path)
    context, benchmarks = data.get("context", {}), benchdata.collect(data)
    one_thread_context, one_thread = {}, None
    one_thread_source = (one_thread_path, None) if one_thread_path else one_thread_results(results_path, data)
    if one_thread_source:
        one_thread_context, one_thread = benchdata.load_benchmarks(*one_thread_source)
    os.makedirs(out_dir, exist_ok=True)
    for stale in os.listdir(out_dir):
        if stale.endswith(budget.PLOT_SUFFIXES):
            os.remove(os.path.join(out_dir, stale))
    grouped, misfits = group(benchmarks)
    cores = context.get("machine_cores") or context.get("num_cpus")
    try:
        cores = int(cores)
    except (TypeError, ValueError):
        cores = None
    styles = None
    if make_plots:
        import plots
        styles = plots.Styles({b.implementation for b in benchmarks.values() if b.implementation})

    doc = Document("Benchmark report: immutable collections")
    run_information(doc, context, benchmarks)
    how_to_read(doc)
    if grouped:
        doc.paragraph("Containers measured: " + ", ".join(f"`{c}`" for c in grouped) + ".")
    summary(doc, grouped)
    one_thread_comparison(doc, grouped, one_thread)
    performance_goals(doc, context, benchmarks)
    sharing(doc, benchmarks)
    binaries(doc, context, one_thread_context)
    cache_behaviour(doc, CACHE_TABLE)
    memory_over_time.section(doc, out_dir, memory_path or memory_over_time.results_beside(results_path),
                             make_plots)
    for container, operations in grouped.items():
        doc.heading(2, f"{container}", anchor=slug(container))
        for operation, benches in operations.items():
            operation_section(doc, out_dir, container, operation, benches, styles, cores, make_plots)
    misfit_section(doc, misfits)

    with open(os.path.join(out_dir, "index.md"), "w", encoding="utf-8") as f:
        f.write(doc.markdown())
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write(doc.html())
    return os.path.join(out_dir, "index.md")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a report's results.json.xz, a merged results.json, or any Google Benchmark JSON")
    parser.add_argument("--out", default="report", help="output directory (default: report)")
    parser.add_argument("--no-plots", action="store_true", help="tables only")
    parser.add_argument("--one-thread", default=None,
                        help="results of the one-thread rerun of the update rows "
                             "(default: one_thread/results.json beside RESULTS, when present)")
    args = parser.parse_args(argv)
    print(generate(args.results, args.out, make_plots=not args.no_plots, one_thread_path=args.one_thread))
    return 0


if __name__ == "__main__":
    sys.exit(main())
