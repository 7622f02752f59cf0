"""The report's "Memory over time" section, from the sustained-load benchmark's JSON.

bench/sustained_load_bench.cpp runs each configuration (policy, K versions kept, threads) in
its own process and samples memory every second; run.py writes its output to
raw/memory_over_time.json. This module reads that file and adds a table (fragmentation
ratio at the end, trend over the last half) and one figure per policy and K.
"""

import json
import os
import sys

FILE_NAME = "memory_over_time.json"
MIB = 2 ** 20

# The order of the table: ours first, then the std::map baselines.
WORKLOAD_ORDER = ["pooled", "heap", "std::map-copy", "shared_ptr-cow"]
WORKLOAD_LABEL = {
    "pooled": "immutable, counted<pooled_policy>",
    "heap": "immutable, counted<heap_policy>",
    "std::map-copy": "std::map, copied per version",
    "shared_ptr-cow": "std::shared_ptr<const std::map>, copy on write",
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def results_beside(results_path):
    """raw/memory_over_time.json next to results.json, if the run produced it."""
    path = os.path.join(os.path.dirname(os.path.abspath(results_path)), FILE_NAME)
    return path if os.path.isfile(path) else None


def slope_per_minute(samples, key, start):
    """Least-squares slope of samples[key] against time for t >= start, in units per minute."""
    points = [(s["t"], s[key]) for s in samples if s["t"] >= start]
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / var


def summarize(run):
    """The figures of one configuration that the table and docs quote."""
    samples = run["samples"]
    last = samples[-1] if samples else None
    duration = last["t"] if last else 0
    summary = {"name": run["name"], "workload": run["workload"], "keep": run["keep"], "threads": run["threads"],
               "seconds": duration, "steps": run.get("steps", 0), "reads": run.get("reads", 0),
               "pool_cap": run.get("pool_cap", 0), "live_after": run.get("live_after")}
    if not last:
        return summary
    summary["rss_end"] = last["rss"]
    summary["live_end"] = last["live"]
    summary["held_max"] = max(s["held"] for s in samples)
    summary["rss_max"] = max(s["rss"] for s in samples)
    summary["malloc_end"] = (last["arena"], last["in_use"], last["free"])
    grown = last["rss"] - run.get("rss_before", 0)
    summary["fragmentation"] = grown / last["live"] if last["live"] > 0 else None
    summary["rss_trend"] = slope_per_minute(samples, "rss", duration / 2)
    summary["live_trend"] = slope_per_minute(samples, "live", duration / 2)
    # Growth over the last half as a share of the RSS at its start (what "grows < 1%" means).
    half = [s for s in samples if s["t"] >= duration / 2]
    if len(half) >= 2 and half[0]["rss"] > 0:
        summary["rss_growth_last_half"] = (half[-1]["rss"] - half[0]["rss"]) / half[0]["rss"]
    return summary


def _order(summary):
    kind = summary["workload"]
    return (WORKLOAD_ORDER.index(kind) if kind in WORKLOAD_ORDER else len(WORKLOAD_ORDER), summary["keep"],
            summary["threads"])


def _mib(value):
    return "" if value is None else f"{value / MIB:.1f} MiB"


def _ratio(value):
    return "" if value is None else f"{value:.2f}"


def _trend(value):
    if value is None:
        return ""
    return f"{value / MIB:+.2f} MiB/min" if abs(value) >= MIB / 100 else f"{value / 1024:+.1f} KiB/min"


def _figure(out_dir, workload, keep, runs, name=None):
    import plots  # selects the Agg backend before pyplot is imported; writes budgeted PNGs
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=90)
    colors = {1: "tab:blue", 2: "tab:orange"}
    for run in sorted(runs, key=lambda r: r["threads"]):
        t = [s["t"] for s in run["samples"]]
        color = colors.get(run["threads"], "black")
        label = f"{run['threads']} thread" + ("s" if run["threads"] > 1 else "")
        ax.plot(t, [s["rss"] / MIB for s in run["samples"]], color=color, linewidth=1.8, label=f"RSS, {label}")
        ax.plot(t, [s["live"] / MIB for s in run["samples"]], color=color, linestyle="--", linewidth=1.4,
                label=f"live bytes, {label}")
    ax.set_xlabel("seconds")
    ax.set_ylabel("MiB")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{WORKLOAD_LABEL.get(workload, workload)}, K = {keep:,}", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    name = name or f"memory_over_time_{workload.replace(':', '').replace('_', '-')}_K{keep}.png"
    plots.save_png(fig, os.path.join(out_dir, name))
    plt.close(fig)
    return name


def section(doc, out_dir, path, make_plots=True):
    """Adds the section; says how to produce the data when `path` is missing."""
    doc.heading(2, "Memory over time", anchor="memory-over-time")
    if not path:
        doc.paragraph("Not measured in this run (`sustained_load_bench` did not run; "
                      "`scripts/bench-report` runs it unless `--no-sustained-load` is given).")
        return
    data = load(path)
    runs = data.get("runs", [])
    summaries = sorted((summarize(r) for r in runs), key=_order)
    seconds = max((s["seconds"] for s in summaries), default=0)
    n = runs[0]["n"] if runs else 0
    doc.paragraph(
        f"`sustained_load_bench`: versions of a map, a sorted_map and a list of {n:,} int64 made and dropped "
        f"for about {seconds:.0f} s per configuration, each in its own process. The last K versions are kept and "
        "each step derives a new version from a random kept one (one `set` per container). With 2 threads "
        "every new version is also published through `atom`s and a reader thread loads snapshots and reads "
        "them. Baselines do the same steps on one `std::map<int64_t, int64_t>`; they stop at K = 10 (each "
        "version is a full copy). Memory is sampled every second.")
    doc.bullets([
        "`fragmentation`: (RSS at the end − RSS before the first container) / live bytes at the end. "
        "Live bytes are what the nodes asked for (`counted<P>::live_bytes()`; for the baselines, what "
        "`operator new` was asked for and not freed), so the ratio holds allocator headers, size-class "
        "rounding, pooled free blocks and heap fragmentation.",
        "`RSS trend`: least-squares slope of RSS over the last half of the run; `growth`: RSS at the end "
        "over RSS at the start of that half.",
        "`pool held`: the most free bytes the pool kept in any sample, against the cap its limits allow "
        "(shared pool plus two batches per size class per thread).",
        "`malloc at end`: glibc `mallinfo2()` arena / in use / free.",
    ])
    rows = []
    for s in summaries:
        if "rss_end" not in s:
            rows.append((WORKLOAD_LABEL.get(s["workload"], s["workload"]), f"{s['keep']:,}", s["threads"],
                         "no samples", "", "", "", "", "", "", ""))
            continue
        held = f"{_mib(s['held_max'])} / {_mib(s['pool_cap'])}" if s["pool_cap"] else ""
        growth = s.get("rss_growth_last_half")
        arena, in_use, free = s["malloc_end"]
        rows.append((WORKLOAD_LABEL.get(s["workload"], s["workload"]), f"{s['keep']:,}", s["threads"],
                     f"{s['steps'] / s['seconds']:,.0f}" if s["seconds"] else "",
                     _mib(s["rss_end"]), _mib(s["live_end"]), _ratio(s["fragmentation"]),
                     _trend(s["rss_trend"]), "" if growth is None else f"{100 * growth:+.2f}%", held,
                     f"{arena / MIB:.0f} / {in_use / MIB:.0f} / {free / MIB:.1f} MiB"))
    doc.table(("workload", "K", "threads", "versions/s", "RSS at end", "live at end", "fragmentation",
               "RSS trend", "growth", "pool held max / cap", "malloc at end"),
              rows, align=["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"])
    if not make_plots:
        return
    by_figure = {}
    for run in runs:
        if run.get("samples"):
            by_figure.setdefault((run["workload"], run["keep"]), []).append(run)
    for (workload, keep) in sorted(by_figure, key=lambda k: (WORKLOAD_ORDER.index(k[0])
                                                             if k[0] in WORKLOAD_ORDER else 99, k[1])):
        name = _figure(out_dir, workload, keep, by_figure[(workload, keep)])
        doc.image(name, f"RSS and live bytes over time, {workload}, K = {keep}")


def main(argv):
    """Plots one sustained_load_bench output (a single configuration, e.g. a 10-minute run
    from --config ... --out run.json) into the PNG given: the figures in docs/memory.md."""
    if len(argv) != 3:
        print(f"usage: {argv[0]} RUN.json OUT.png", file=sys.stderr)
        return 2
    runs = [r for r in load(argv[1]).get("runs", []) if r.get("samples")]
    if not runs:
        print(f"{argv[1]}: no run with samples", file=sys.stderr)
        return 1
    out_dir, name = os.path.split(os.path.abspath(argv[2]))
    _figure(out_dir, runs[0]["workload"], runs[0]["keep"], runs, name)
    for run in runs:
        s = summarize(run)
        print(f"{s['name']}: {s['seconds']:.0f} s, fragmentation {_ratio(s.get('fragmentation'))}, "
              f"RSS {_mib(s.get('rss_end'))}, live {_mib(s.get('live_end'))}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv))
