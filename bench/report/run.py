#!/usr/bin/python3
"""Builds and runs every benchmark binary, then writes the report. Called by scripts/bench-report.

Each bench/<name>_bench.cpp is built in the `bench` preset and run with repetitions kept
(per-repetition data is what bench/compare tests). Results go to OUT/raw/<name>.json and
are merged into OUT/raw/results.json with the run's context (machine, compiler, flags,
commit, date, peak RSS per binary); OUT/index.md, OUT/index.html and the figures follow.
OUT/results.json.xz keeps the merged results (and the one-thread rerun) compressed: it is
what a committed report keeps, and what bench/compare and generate.py read; OUT/raw/ is
scratch and stays out of git.

A busy machine makes every time noisy. When the load average at start is above half the
cores, the run waits (up to --settle-seconds) for it to come down, and the report says
what the load was before and after.

Every binary measures a process that has started a thread (what almost every program is);
then the update rows of ours (benchdata.is_update_row) run again in a one-thread process,
same repetitions, into OUT/raw/one_thread/ (<name>.json, results.json), for the report's
side-by-side table. --one-thread-process measures everything in a one-thread process instead.
"""

import argparse
import datetime
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import benchdata  # noqa: E402

# The context of the one-thread rerun says what it is (its own reference_counts too).
ONE_THREAD_RERUN = "this run: the update rows of ours again in a one-thread process"

QUICK = {"repetitions": 5, "min_time": 0.02, "max_size": 100000, "sustained_seconds": 5}
FULL = {"repetitions": 10, "min_time": None, "max_size": None, "sustained_seconds": 60}
SETTLE_CHECK_SECONDS = 5

# Not a Google Benchmark binary: it runs each configuration for a set time and writes a
# memory time series (raw/memory_over_time.json, the report's "Memory over time").
SUSTAINED = "sustained_load_bench"


def log(started, message):
    elapsed = int(time.monotonic() - started)
    print(f"[{elapsed // 60:3d}m{elapsed % 60:02d}s] {message}", flush=True)


def command_output(args, cwd=ROOT):
    try:
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


# Building ----------------------------------------------------------------------------------
def bench_targets():
    sources = sorted(glob.glob(os.path.join(ROOT, "bench", "*_bench.cpp")))
    return [os.path.splitext(os.path.basename(s))[0] for s in sources]


def build(build_dir, targets, jobs, started):
    """Configures the bench preset and builds every target it can; returns the ones built."""
    log(started, f"configure: cmake --preset bench -B {os.path.relpath(build_dir, ROOT)}")
    configure = subprocess.run(["cmake", "--preset", "bench", "-B", build_dir], cwd=ROOT,
                               capture_output=True, text=True, check=False)
    if configure.returncode != 0:
        sys.stdout.write(configure.stdout + configure.stderr)
        raise SystemExit("bench-report: configuring the bench preset failed")
    if not targets:
        return []
    log(started, f"build: {len(targets)} binaries ({', '.join(targets)}), -j{jobs}")
    # -k 0: one binary that does not compile must not hide the results of the others.
    subprocess.run(["cmake", "--build", build_dir, "-j", str(jobs), "--target", *targets, "--", "-k", "0"],
                   cwd=ROOT, check=False)
    built = []
    for target in targets:
        # A no-op for a target that built; a target that failed fails again (and stays out).
        check = subprocess.run(["cmake", "--build", build_dir, "--target", target], cwd=ROOT,
                               capture_output=True, text=True, check=False)
        if check.returncode == 0:
            built.append(target)
        else:
            log(started, f"build: {target} FAILED to build; it is left out of the report")
    return built


# Context -----------------------------------------------------------------------------------
def cmake_cache(build_dir):
    values = {}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
            for line in f:
                match = re.match(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", line.rstrip("\n"))
                if match:
                    values[match.group(1)] = match.group(2)
    except OSError:
        pass
    return values


def compile_flags(build_dir, target):
    """The FLAGS ninja passes when compiling a benchmark source (optimisation, standard, warnings)."""
    try:
        with open(os.path.join(build_dir, "build.ninja"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return ""
    block = re.search(rf"^build bench/CMakeFiles/{re.escape(target)}\.dir/.*?\n((?:  .*\n)+)", text, re.M)
    if not block:
        return ""
    flags = re.search(r"^  FLAGS = (.*)$", block.group(1), re.M)
    return flags.group(1).strip() if flags else ""


def machine_context(build_dir, targets, settings):
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cache = cmake_cache(build_dir)
    compiler_path = cache.get("CMAKE_CXX_COMPILER", "c++")
    compiler = command_output([compiler_path, "--version"]).splitlines()
    flags = compile_flags(build_dir, targets[0]) if targets else ""
    if not flags:
        flags = " ".join(x for x in (cache.get("CMAKE_CXX_FLAGS", ""), cache.get("CMAKE_CXX_FLAGS_RELEASE", "")) if x)
    commit = command_output(["git", "rev-parse", "HEAD"]) or "unknown"
    dirty = "yes" if command_output(["git", "status", "--porcelain", "--untracked-files=no"]) else "no"
    version = command_output(["dpkg-query", "-W", "-f=${Version}", "libbenchmark-dev"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "report_date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine_cpu": cpu,
        "machine_cores": str(cores),
        "compiler": compiler[0] if compiler else compiler_path,
        "cxx_flags": flags,
        "build_type": cache.get("CMAKE_BUILD_TYPE", ""),
        "commit": commit,
        "commit_dirty": dirty,
        "report_mode": settings["mode"],
        "repetitions": str(settings["repetitions"]),
        "min_time": "default" if settings["min_time"] is None else f"{settings['min_time']:g}s",
        "max_size": "all" if settings["max_size"] is None else f"{settings['max_size']:,}".replace(",", " "),
        "filter": settings["filter"] or "",
        "reference_counts": reference_counts_mode(settings["one_thread_process"]),
        "benchmark_version": version,
    }


def busy(load, cores):
    return load > 0.5 * cores


def settle(cores, limit_seconds, started):
    """Waits up to limit_seconds for the 1-minute load average to drop to half the cores.

    Returns the context the report shows: the load at start, the seconds waited and the load
    when the runs began."""
    before = os.getloadavg()[0]
    waited = 0
    if busy(before, cores) and limit_seconds > 0:
        log(started, f"the machine is busy (load average {before:.1f} on {cores} cores): "
                     f"waiting up to {limit_seconds}s for it to settle")
        while waited < limit_seconds and busy(os.getloadavg()[0], cores):
            time.sleep(SETTLE_CHECK_SECONDS)
            waited += SETTLE_CHECK_SECONDS
    after = os.getloadavg()[0]
    return {"load_at_start": round(before, 2), "settle_wait_s": waited, "load_at_runs": round(after, 2),
            "settle_limit_s": limit_seconds}


def reference_counts_mode(one_thread):
    """The words bench_support's prepare_process() records as "reference_counts"."""
    return "one-thread process" if one_thread else "process with threads started (default)"


def context_flag(context):
    """--benchmark_context=k=v,k=v: Google Benchmark splits on ',' and '=', so those are replaced.

    reference_counts is left out: each binary records the mode it measured itself."""
    pairs = []
    for key, value in context.items():
        if value == "" or key == "reference_counts":
            continue
        clean = str(value).replace(",", ";").replace("=", ":")
        pairs.append(f"{key}={clean}")
    return "--benchmark_context=" + ",".join(pairs)


# Running -----------------------------------------------------------------------------------
def list_benchmarks(binary, args, env):
    listing = subprocess.run([binary, "--benchmark_list_tests=true", *args], capture_output=True,
                             text=True, env=env, check=False)
    return [line.strip() for line in listing.stdout.splitlines() if line.strip()]


def count_benchmarks(binary, args, env):
    return len(list_benchmarks(binary, args, env))


def exact_names_filter(names):
    """A --benchmark_filter matching exactly these names. The characters special in either
    regex flavour Google Benchmark may use (ECMAScript, POSIX extended) are escaped, no others."""
    escaped = (re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", name) for name in names)
    return "^(" + "|".join(escaped) + ")$"


def update_rows_filter(binary, name_filter, env):
    """The filter of the one-thread rerun of this binary, or None when it has no update row."""
    common = [f"--benchmark_filter={name_filter}"] if name_filter else []
    names = [n for n in list_benchmarks(binary, common, env) if benchdata.is_update_row(n)]
    return exact_names_filter(names) if names else None


_MEDIAN_LINE = re.compile(r"^(\S+)_median\s+([0-9.]+) (ns|us|ms|s)\b")
_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def human_time(value, unit):
    ns = float(value) * _NS[unit]
    for name, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {name}"
    return f"{ns:.3g} ns"


def run_binary(binary, out_json, args, env, started, label):
    """Runs one binary, streaming a progress line per finished benchmark; returns its record."""
    common = []
    if args["filter"]:
        common.append(f"--benchmark_filter={args['filter']}")
    total = count_benchmarks(binary, common, env)
    if total == 0:
        log(started, f"{label}: no benchmark matches, skipped")
        return {"benchmarks": 0, "elapsed_s": 0.0, "status": "skipped (nothing matched)"}
    command = [binary, *common,
               f"--benchmark_repetitions={args['repetitions']}",
               "--benchmark_report_aggregates_only=false",
               "--benchmark_display_aggregates_only=true",
               f"--benchmark_out={out_json}", "--benchmark_out_format=json",
               "--benchmark_color=false", args["context_flag"]]
    if args["min_time"] is not None:
        command.append(f"--benchmark_min_time={args['min_time']}")
    log(started, f"{label}: {total} benchmarks x {args['repetitions']} repetitions")
    begin = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env, bufsize=1)
    done = 0
    tail = []
    for line in process.stdout:
        tail = (tail + [line.rstrip()])[-20:]
        match = _MEDIAN_LINE.match(line)
        if match:
            done += 1
            log(started, f"{label} {done}/{total} {match.group(1)}  median "
                         f"{human_time(match.group(2), match.group(3))}")
    # wait4 instead of wait: it also returns this child's own resource usage (peak RSS).
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - begin
    record = {"benchmarks": total, "elapsed_s": round(elapsed, 1),
              "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
              "peak_rss_bytes": usage.ru_maxrss * 1024}
    if process.returncode == 0:
        record["status"] = "ok"
    else:
        how = (f"killed by signal {-process.returncode} ({signal.Signals(-process.returncode).name})"
               if process.returncode < 0 else f"exit status {process.returncode}")
        record["status"] = f"FAILED ({how}) after {done} of {total}"
        log(started, f"{label}: {how}; last output:")
        for line in tail:
            print("    " + line)
    log(started, f"{label}: finished in {elapsed:.0f}s (CPU {record['cpu_s']:.0f}s), "
                 f"peak RSS {usage.ru_maxrss // 1024} MiB")
    return record


def run_one_thread_comparison(build_dir, built, one_thread_dir, settings, context, env, started):
    """Runs the update rows of every binary again in a one-thread process; returns the records."""
    env = dict(env, IMMUTABLE_BENCH_ONE_THREAD="1")
    context = dict(context, one_thread_comparison=ONE_THREAD_RERUN)
    plans = []
    for target in built:
        binary = os.path.join(build_dir, "bench", target)
        name_filter = update_rows_filter(binary, settings["filter"], env)
        if name_filter is not None:
            plans.append((target, binary, name_filter))
    if not plans:
        log(started, "one-thread comparison: no update row in this run")
        return {}
    log(started, f"one-thread comparison: the update rows of {len(plans)} binaries again, "
                 f"in a process that never starts a thread")
    os.makedirs(one_thread_dir, exist_ok=True)
    runs = {}
    for index, (target, binary, name_filter) in enumerate(plans, 1):
        run_args = dict(settings, filter=name_filter, context_flag=context_flag(context))
        runs[target] = run_binary(binary, os.path.join(one_thread_dir, f"{target}.json"), run_args, env,
                                  started, f"[one-thread {index}/{len(plans)}] {target}")
    return runs


def run_sustained_load(binary, raw_dir, seconds, started):
    """Runs every sustained-load configuration for `seconds`; returns the binary's record."""
    out_json = os.path.join(raw_dir, "memory_over_time.json")
    configs = command_output([binary, "--list"]).split()
    log(started, f"{SUSTAINED}: {len(configs)} configurations x {seconds}s")
    begin = time.monotonic()
    process = subprocess.run([binary, "--seconds", str(seconds), "--out", out_json], check=False)
    elapsed = time.monotonic() - begin
    status = "ok" if process.returncode == 0 else f"FAILED (exit status {process.returncode})"
    log(started, f"{SUSTAINED}: finished in {elapsed:.0f}s, {status}")
    return {"benchmarks": len(configs), "elapsed_s": round(elapsed, 1), "status": status}


def merge(raw_dir, runs, context):
    """One results.json with every run entry (tagged with its binary) and the shared context."""
    merged = {"context": dict(context), "benchmarks": []}
    library_context = None
    for name in runs:
        path = os.path.join(raw_dir, f"{name}.json")
        if not os.path.isfile(path):
            continue
        data = benchdata.load(path)
        if data.get("context", {}).get("truncated"):
            merged["context"]["truncated"] = True
        data.setdefault("context", {})["peak_rss_bytes"] = runs[name].get("peak_rss_bytes")
        data["context"]["elapsed_s"] = runs[name].get("elapsed_s")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
        if library_context is None:
            library_context = data["context"]
        for entry in data.get("benchmarks", []):
            entry["binary"] = name
            merged["benchmarks"].append(entry)
    if library_context:
        for key in ("num_cpus", "mhz_per_cpu", "cpu_scaling_enabled", "caches", "load_avg",
                    "library_build_type", "host_name"):
            if key in library_context:
                merged["context"][key] = library_context[key]
    merged["context"]["binaries"] = runs
    out = os.path.join(raw_dir, "results.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(merged, f, indent=1)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/bench-report",
        description="Build and run the benchmark suite, then write OUT/index.md (+ index.html, PNGs).")
    parser.add_argument("--quick", action="store_true",
                        help=f"quick run: {QUICK['repetitions']} repetitions of {QUICK['min_time']}s, "
                             f"sizes up to {QUICK['max_size']:,} (under 10 minutes on 2 cores)")
    parser.add_argument("--out", default="report", help="output directory (default: report)")
    parser.add_argument("--filter", default=None,
                        help="only benchmarks matching this Google Benchmark regex, e.g. '^list/'")
    parser.add_argument("--binaries", default=None,
                        help="comma-separated binaries to run, e.g. list_bench,map_bench (default: all)")
    parser.add_argument("--repetitions", type=int, default=None,
                        help="repetitions per benchmark (default: 10, --quick: 5; at least 5 for bench/compare)")
    parser.add_argument("--min-time", type=float, default=None,
                        help="seconds per repetition (default: Google Benchmark's 0.5, --quick: 0.02)")
    parser.add_argument("--max-size", type=int, default=None,
                        help="largest N from the standard size lists (default: all, --quick: 100000)")
    parser.add_argument("--one-thread-process", action="store_true",
                        help="measure processes that never start a thread (by default every binary starts "
                             "and joins one first, as almost every program has threads)")
    parser.add_argument("--no-one-thread-comparison", action="store_true",
                        help="skip the second run of the update rows in a one-thread process (and the "
                             "report's side-by-side table of the two)")
    parser.add_argument("--settle-seconds", type=int, default=120,
                        help="when the machine is busy at start, wait up to this long for it to settle "
                             "(default 120; 0: do not wait)")
    parser.add_argument("--no-sustained-load", action="store_true",
                        help=f"skip {SUSTAINED} (the report's \"Memory over time\"; it adds "
                             f"16 configurations x {FULL['sustained_seconds']}s, "
                             f"--quick: x {QUICK['sustained_seconds']}s)")
    parser.add_argument("--threaded-process", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build", "bench"),
                        help="build directory of the bench preset (default: build/bench)")
    parser.add_argument("--skip-build", action="store_true", help="run the binaries already built")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="build jobs")
    args = parser.parse_args(argv)
    if args.threaded_process:
        parser.error("--threaded-process is gone: measuring a process that has started a thread is now "
                     "the default; --one-thread-process measures a process that never starts one")

    started = time.monotonic()
    defaults = QUICK if args.quick else FULL
    settings = {
        "mode": "quick" if args.quick else "full",
        "repetitions": args.repetitions or defaults["repetitions"],
        "min_time": args.min_time if args.min_time is not None else defaults["min_time"],
        "max_size": args.max_size if args.max_size is not None else defaults["max_size"],
        "filter": args.filter,
        "one_thread_process": args.one_thread_process,
    }
    compare_one_thread = not args.one_thread_process and not args.no_one_thread_comparison
    if settings["repetitions"] < 5:
        print("bench-report: note: fewer than 5 repetitions leave bench/compare unable to test",
              file=sys.stderr)
    build_dir = os.path.abspath(args.build_dir)
    out_dir = os.path.abspath(args.out)
    raw_dir = os.path.join(out_dir, "raw")
    one_thread_dir = os.path.join(raw_dir, "one_thread")

    targets = bench_targets()
    if args.binaries:
        wanted = [b.strip() for b in args.binaries.split(",") if b.strip()]
        unknown = [b for b in wanted if b not in targets]
        if unknown:
            raise SystemExit(f"bench-report: no bench/{unknown[0]}.cpp (have: {', '.join(targets)})")
        targets = wanted
    failed_builds = []
    if args.skip_build:
        built = [t for t in targets if os.access(os.path.join(build_dir, "bench", t), os.X_OK)]
    else:
        built = build(build_dir, targets, args.jobs, started)
        failed_builds = [t for t in targets if t not in built]
    if not built:
        log(started, "no benchmark binary to run (no bench/*_bench.cpp built)")

    context = machine_context(build_dir, built, settings)
    context.update(settle(int(context["machine_cores"]), args.settle_seconds, started))
    if settings["one_thread_process"]:
        context["one_thread_comparison"] = "not run: every row is measured in a one-thread process"
    elif compare_one_thread:
        context["one_thread_comparison"] = ("the update rows of ours again in a one-thread process, "
                                            "same repetitions (raw/one_thread/results.json)")
    else:
        context["one_thread_comparison"] = "not run (--no-one-thread-comparison)"
    env = dict(os.environ)
    if settings["max_size"] is not None:
        env["IMMUTABLE_BENCH_MAX_SIZE"] = str(settings["max_size"])
    env.pop("IMMUTABLE_BENCH_THREADED", None)  # no longer read; the binaries would warn about it
    env["IMMUTABLE_BENCH_ONE_THREAD"] = "1" if settings["one_thread_process"] else "0"
    run_args = dict(settings, context_flag=context_flag(context))

    os.makedirs(raw_dir, exist_ok=True)
    for stale in glob.glob(os.path.join(raw_dir, "*.json")) + glob.glob(os.path.join(one_thread_dir, "*.json")):
        os.remove(stale)
    runs = {}
    for target in failed_builds:
        runs[target] = {"benchmarks": 0, "elapsed_s": 0.0, "status": "FAILED to build"}
    sustained = SUSTAINED in built and not args.no_sustained_load and not args.filter
    built = [t for t in built if t != SUSTAINED]
    for index, target in enumerate(built, 1):
        label = f"[{index}/{len(built)}] {target}"
        runs[target] = run_binary(os.path.join(build_dir, "bench", target),
                                  os.path.join(raw_dir, f"{target}.json"), run_args, env, started, label)

    one_thread_runs = {}
    if compare_one_thread and built:
        one_thread_runs = run_one_thread_comparison(build_dir, built, one_thread_dir, settings, context,
                                                    env, started)
    if sustained:
        runs[SUSTAINED] = run_sustained_load(os.path.join(build_dir, "bench", SUSTAINED), raw_dir,
                                             defaults["sustained_seconds"], started)
    context["total_run_time"] = f"{int(time.monotonic() - started)}s"
    results = merge(raw_dir, runs, context)
    if one_thread_runs:
        one_thread_context = dict(context, reference_counts=reference_counts_mode(True),
                                  one_thread_comparison=ONE_THREAD_RERUN)
        one_thread_results = merge(one_thread_dir, one_thread_runs, one_thread_context)
    kept = benchdata.load(results)
    if one_thread_runs:
        kept[benchdata.ONE_THREAD_KEY] = benchdata.load(one_thread_results)
    compressed = os.path.join(out_dir, "results.json" + benchdata.COMPRESSED_SUFFIX)
    benchdata.save_compressed(compressed, kept)

    import generate  # after the runs: a plotting problem must not cost the measurements
    index = generate.generate(compressed, out_dir)
    log(started, f"report: {os.path.relpath(index, os.getcwd())} "
                 f"(+ index.html, figures; data in {os.path.relpath(compressed, os.getcwd())})")
    failures = [name for name, info in runs.items() if not info["status"].startswith(("ok", "skipped"))]
    failures += [f"{name} (one-thread rerun)" for name, info in one_thread_runs.items()
                 if not info["status"].startswith(("ok", "skipped"))]
    if failures:
        log(started, f"FAILED: {', '.join(failures)} (see the table of binaries in the report)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
