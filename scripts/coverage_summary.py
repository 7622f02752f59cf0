#!/usr/bin/python3
"""Line coverage of include/ from the .gcda files of a --coverage build.

Runs `gcov --json-format --stdout` on every .gcda file under the build directory and merges
the per-line counts of the headers across all translation units: a line is executable if
any unit compiled code for it, and covered if any unit ran it. (gcovr 5.2, Debian 12's, stops
with an assertion when the same inline function is seen at different lines in different
units, which header-only templates do; this merge has no such step.)

  scripts/coverage_summary.py BUILD_DIR [--root DIR] [--filter include/] [--fail-under PCT]
                              [--list-uncovered]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor


def gcov_json(gcda, workdir):
    out = subprocess.run(["gcov", "--json-format", "--stdout", gcda], cwd=workdir,
                         capture_output=True, check=True).stdout
    if out[:2] == b"\x1f\x8b":  # some gcov builds gzip even on stdout
        out = gzip.decompress(out)
    # One JSON document per line when gcov is given several inputs; here it gets one.
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build_dir")
    ap.add_argument("--root", default=".")
    ap.add_argument("--filter", default="include/")
    ap.add_argument("--fail-under", type=float, default=None)
    ap.add_argument("--list-uncovered", action="store_true",
                    help="after the table, every executable line no test ran (path:line: source)")
    args = ap.parse_args()

    root = os.path.realpath(args.root)
    # CMake's compiler-identification programs are compiled with the flags too: skip them.
    gcdas = [os.path.join(d, f) for d, _, fs in os.walk(args.build_dir) for f in fs
             if f.endswith(".gcda") and "CompilerId" not in d]
    if not gcdas:
        sys.exit(f"coverage_summary: no .gcda files under {args.build_dir}: run the tests first")

    lines = {}  # repo-relative path -> {line number: executions summed over all units}
    # gcov runs in a scratch directory: whatever files it decides to write land there.
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for docs in pool.map(lambda g: gcov_json(os.path.realpath(g), scratch), gcdas):
            for doc in docs:
                for f in doc.get("files", []):
                    path = os.path.relpath(os.path.realpath(os.path.join(root, f["file"])), root)
                    if not path.startswith(args.filter):
                        continue
                    per_line = lines.setdefault(path, {})
                    for ln in f["lines"]:
                        n = ln["line_number"]
                        per_line[n] = per_line.get(n, 0) + max(ln["count"], 0)

    total = covered = 0
    print(f"{'file':<60} {'lines':>7} {'covered':>8} {'%':>7}")
    for path in sorted(lines):
        n = len(lines[path])
        c = sum(1 for count in lines[path].values() if count > 0)
        total += n
        covered += c
        print(f"{path:<60} {n:>7} {c:>8} {100.0 * c / n:>6.1f}%")
    pct = 100.0 * covered / total if total else 0.0
    print(f"{'TOTAL':<60} {total:>7} {covered:>8} {pct:>6.1f}%")
    print(f"lines: {pct:.1f}% ({covered} out of {total})")
    if args.list_uncovered:
        print("uncovered lines:")
        for path in sorted(lines):
            missed = sorted(n for n, count in lines[path].items() if count == 0)
            if not missed:
                continue
            with open(os.path.join(root, path), encoding="utf-8") as f:
                source = f.read().splitlines()
            for n in missed:
                text = source[n - 1].strip() if n <= len(source) else ""
                print(f"{path}:{n}: {text}")
    if args.fail_under is not None and pct < args.fail_under:
        print(f"coverage_summary: line coverage {pct:.1f}% is below {args.fail_under}%", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
