#!/usr/bin/python3
"""Tests of bench/compare and its statistics on synthetic Google Benchmark JSON.

Run: /usr/bin/python3 bench/compare_test.py   (ctest: bench_compare_test)
"""

import json
import math
import os
import random
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
COMPARE = os.path.join(HERE, "compare")
sys.path.insert(0, os.path.join(HERE, "report"))

import benchdata  # noqa: E402
import stats  # noqa: E402


def run_entries(name, times, unit="ns", counters=None):
    """Per-repetition entries as Google Benchmark writes them with aggregates kept."""
    entries = []
    for index, t in enumerate(times):
        entry = {"name": name, "run_name": name, "run_type": "iteration",
                 "repetitions": len(times), "repetition_index": index, "threads": 1,
                 "iterations": 1000, "real_time": t, "cpu_time": t, "time_unit": unit}
        entry.update(counters or {})
        entries.append(entry)
    middle = benchdata.median(times)
    entries.append({"name": name + "_median", "run_name": name, "run_type": "aggregate",
                    "repetitions": len(times), "threads": 1, "aggregate_name": "median",
                    "iterations": len(times), "real_time": middle, "cpu_time": middle,
                    "time_unit": unit})
    return entries


def aggregate_only_entries(name, value):
    return [{"name": name + "_" + agg, "run_name": name, "run_type": "aggregate",
             "repetitions": 5, "threads": 1, "aggregate_name": agg, "iterations": 5,
             "real_time": value, "cpu_time": value, "time_unit": "ns"}
            for agg in ("mean", "median", "stddev")]


def noisy(center, spread, count, seed):
    rng = random.Random(seed)
    return [center * (1.0 + rng.uniform(-spread, spread)) for _ in range(count)]


class CompareCli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, filename, entries):
        path = os.path.join(self.dir.name, filename)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"context": {"num_cpus": 2}, "benchmarks": entries}, f)
        return path

    def compare(self, baseline, new, *extra):
        result = subprocess.run([sys.executable, COMPARE, baseline, new, *extra],
                                capture_output=True, text=True, check=False)
        return result.returncode, result.stdout + result.stderr

    def test_thirty_percent_regression_with_ten_repetitions_fails(self):
        base = self.write("base.json", run_entries("list/push_back/immutable::list/1000",
                                                   noisy(100.0, 0.03, 10, 1)))
        new = self.write("new.json", run_entries("list/push_back/immutable::list/1000",
                                                 noisy(130.0, 0.03, 10, 2)))
        code, out = self.compare(base, new)
        self.assertEqual(code, 1, out)
        self.assertIn("FAIL: list/push_back/immutable::list/1000", out)
        self.assertIn("SLOWER", out)

    def test_regression_below_a_raised_threshold_passes_with_a_warning(self):
        base = self.write("base.json", run_entries("a/b/c/1", noisy(100.0, 0.03, 10, 1)))
        new = self.write("new.json", run_entries("a/b/c/1", noisy(130.0, 0.03, 10, 2)))
        code, out = self.compare(base, new, "--threshold", "40")
        self.assertEqual(code, 0, out)
        self.assertIn("warning: a/b/c/1", out)

    def test_identical_runs_pass(self):
        entries = run_entries("map/find/immutable::map/100000", noisy(50.0, 0.05, 5, 3))
        entries += run_entries("map/find/std::unordered_map/100000", noisy(20.0, 0.05, 5, 4))
        base = self.write("base.json", entries)
        code, out = self.compare(base, base)
        self.assertEqual(code, 0, out)
        self.assertNotIn("FAIL", out)
        self.assertIn("2 compared: 0 slower", out)

    def test_noise_within_threshold_passes(self):
        # 10% spread around the same center, and a 3% shift: nothing to fail or warn about.
        base = self.write("base.json", run_entries("set/insert/immutable::set/1000",
                                                   noisy(200.0, 0.10, 10, 5)))
        new = self.write("new.json", run_entries("set/insert/immutable::set/1000",
                                                 noisy(206.0, 0.10, 10, 6)))
        code, out = self.compare(base, new)
        self.assertEqual(code, 0, out)
        self.assertNotIn("FAIL", out)

    def test_slower_peers_point_at_the_machine(self):
        base = self.write("base.json", run_entries("a/b/immutable::a/1", noisy(100.0, 0.01, 10, 20))
                          + run_entries("a/b/std::a/1", noisy(100.0, 0.01, 10, 21)))
        new = self.write("new.json", run_entries("a/b/immutable::a/1", noisy(130.0, 0.01, 10, 22))
                         + run_entries("a/b/std::a/1", noisy(130.0, 0.01, 10, 23)))
        code, out = self.compare(base, new)
        self.assertEqual(code, 1, out)
        self.assertIn("note: 1 benchmark(s) of peer implementations", out)

    def test_significant_but_small_slowdown_is_only_a_warning(self):
        base = self.write("base.json", run_entries("a/b/c/1", noisy(100.0, 0.01, 10, 7)))
        new = self.write("new.json", run_entries("a/b/c/1", noisy(107.0, 0.01, 10, 8)))
        code, out = self.compare(base, new)
        self.assertEqual(code, 0, out)
        self.assertIn("warning: a/b/c/1", out)

    def test_speed_up_is_not_a_failure(self):
        base = self.write("base.json", run_entries("a/b/c/1", noisy(100.0, 0.02, 10, 9)))
        new = self.write("new.json", run_entries("a/b/c/1", noisy(60.0, 0.02, 10, 10)))
        code, out = self.compare(base, new)
        self.assertEqual(code, 0, out)
        self.assertIn("faster", out)

    def test_units_are_normalised(self):
        times = noisy(2000.0, 0.02, 6, 11)
        base = self.write("base.json", run_entries("a/b/c/1", times, unit="ns"))
        new = self.write("new.json", run_entries("a/b/c/1", [t / 1000.0 for t in times], unit="us"))
        code, out = self.compare(base, new)
        self.assertEqual(code, 0, out)
        self.assertIn("+0.0%", out)

    def test_benchmarks_missing_on_either_side_are_listed_not_failed(self):
        base = self.write("base.json", run_entries("a/b/c/1", noisy(10.0, 0.02, 5, 12))
                          + run_entries("a/gone/c/1", noisy(10.0, 0.02, 5, 13)))
        new = self.write("new.json", run_entries("a/b/c/1", noisy(10.0, 0.02, 5, 14))
                         + run_entries("a/added/c/1", noisy(10.0, 0.02, 5, 15)))
        code, out = self.compare(base, new)
        self.assertEqual(code, 0, out)
        self.assertIn("only in baseline", out)
        self.assertIn("only in new run", out)

    def test_aggregate_only_input_warns_and_cannot_fail(self):
        base = self.write("base.json", aggregate_only_entries("a/b/c/1", 100.0))
        new = self.write("new.json", aggregate_only_entries("a/b/c/1", 200.0))
        code, out = self.compare(base, new)
        self.assertEqual(code, 0, out)
        self.assertIn("no repetitions", out)
        self.assertIn("+100.0%", out)

    def test_too_few_repetitions_cannot_be_tested(self):
        base = self.write("base.json", run_entries("a/b/c/1", [100.0, 101.0, 102.0]))
        new = self.write("new.json", run_entries("a/b/c/1", [200.0, 201.0, 202.0]))
        code, out = self.compare(base, new)
        self.assertEqual(code, 0, out)
        self.assertIn("too few repetitions", out)

    def test_nothing_in_common_is_an_input_error(self):
        base = self.write("base.json", run_entries("a/b/c/1", [1.0, 2.0, 3.0, 4.0, 5.0]))
        new = self.write("new.json", run_entries("x/y/z/1", [1.0, 2.0, 3.0, 4.0, 5.0]))
        code, out = self.compare(base, new)
        self.assertEqual(code, 2, out)

    def test_report_directory_and_truncated_file_are_read(self):
        report = os.path.join(self.dir.name, "report", "raw")
        os.makedirs(report)
        entries = run_entries("a/b/c/1", noisy(100.0, 0.02, 5, 16))
        with open(os.path.join(report, "results.json"), "w", encoding="utf-8") as f:
            json.dump({"context": {}, "benchmarks": entries}, f, indent=2)
        # A binary that crashed leaves its JSON without the closing brackets.
        text = json.dumps({"context": {}, "benchmarks": entries}, indent=2)
        cut = self.write("cut.json", [])
        with open(cut, "w", encoding="utf-8") as f:
            f.write(text[: text.rfind("]")])
        code, out = self.compare(os.path.join(self.dir.name, "report"), cut)
        self.assertEqual(code, 0, out)
        self.assertIn("1 compared", out)

    def test_compressed_report_and_its_one_thread_rerun_are_read(self):
        report = os.path.join(self.dir.name, "compressed")
        os.makedirs(report)
        entries = run_entries("a/b/c/1", noisy(100.0, 0.02, 5, 17))
        slower = run_entries("a/b/c/1", noisy(150.0, 0.02, 5, 18))
        benchdata.save_compressed(os.path.join(report, "results.json.xz"),
                                  {"context": {}, "benchmarks": entries,
                                   benchdata.ONE_THREAD_KEY: {"context": {}, "benchmarks": slower}})
        code, out = self.compare(report, os.path.join(report, "results.json.xz"))
        self.assertEqual(code, 0, out)
        self.assertIn("1 compared", out)
        code, out = self.compare(report, os.path.join(report, "results.json.xz#one_thread"))
        self.assertEqual(code, 1, out)
        self.assertIn("FAIL: a/b/c/1", out)
        broken = self.write("broken.json.xz", [])
        with open(broken, "wb") as f:
            f.write(b"not xz")
        code, out = self.compare(broken, report)
        self.assertEqual(code, 2, out)


class MannWhitney(unittest.TestCase):
    def test_exact_p_values_match_hand_computation(self):
        # Sizes 3 and 3: C(6,3) = 20 orderings, one with U = 0 and one with U = 1.
        self.assertAlmostEqual(stats.mann_whitney([1, 2, 3], [4, 5, 6])[1], 2 * 1 / 20)
        self.assertAlmostEqual(stats.mann_whitney([1, 2, 4], [3, 5, 6])[1], 2 * 2 / 20)
        # Sizes 2 and 2: C(4,2) = 6.
        self.assertAlmostEqual(stats.mann_whitney([1, 2], [3, 4])[1], 2 * 1 / 6)
        # Sizes 4 and 5, U = 2: orderings with U <= 2 are 1 + 1 + 2 of C(9,4) = 126.
        u, p, method = stats.mann_whitney([1, 2, 3, 6], [4, 5, 7, 8, 9])
        self.assertEqual((u, method), (2.0, "exact"))
        self.assertAlmostEqual(p, 2 * 4 / 126)
        # Sizes 5 and 5 fully separated: 2 / C(10,5) = 2 / 252.
        self.assertAlmostEqual(stats.mann_whitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])[1], 2 / 252)

    def test_exact_distribution_sums_to_all_orderings_and_is_symmetric(self):
        for m, n in ((1, 1), (3, 7), (5, 5), (10, 10)):
            counts = stats._u_counts(m, n)
            self.assertEqual(sum(counts), math.comb(m + n, m))
            self.assertEqual(list(counts), list(reversed(counts)))

    def test_normal_approximation_with_ties_matches_hand_computation(self):
        # x = [1,2,2], y = [2,3,3]: U = 1, mean 4.5, tie groups of 3 and 2 give
        # variance 9/12 * (7 - 30/30) = 4.5, z = (3.5 - 0.5) / sqrt(4.5) = sqrt(2),
        # p = erfc(1).
        u, p, method = stats.mann_whitney([1, 2, 2], [2, 3, 3])
        self.assertEqual((u, method), (1.0, "normal"))
        self.assertAlmostEqual(p, math.erfc(1.0), places=12)

    def test_all_equal_values_give_p_one(self):
        self.assertEqual(stats.mann_whitney([5.0] * 6, [5.0] * 6)[1], 1.0)

    def test_normal_approximation_agrees_with_exact_for_larger_samples(self):
        rng = random.Random(17)
        x = [rng.gauss(0.0, 1.0) for _ in range(25)]
        y = [rng.gauss(1.0, 1.0) for _ in range(25)]
        u = stats.u_statistic(x, y)
        exact = stats.exact_p_value(u, 25, 25)
        approx = stats.normal_p_value(u, x, y)
        self.assertLess(abs(exact - approx), 0.01)
        self.assertLess(exact, 0.05)

    def test_large_samples_use_the_normal_approximation(self):
        x = list(range(40))
        y = [v + 0.5 for v in range(40)]
        self.assertEqual(stats.mann_whitney(x, y)[2], "normal")


class NameParsing(unittest.TestCase):
    def test_contract_names_and_qualifiers(self):
        parsed = benchdata.parse_name("map/read/immutable::map/1000000/real_time/threads:8")
        self.assertEqual((parsed["container"], parsed["operation"], parsed["implementation"],
                          parsed["size"], parsed["threads"]),
                         ("map", "read", "immutable::map", 1000000, 8))
        parsed = benchdata.parse_name("list/push_back/std::vector/1000/min_time:0.050")
        self.assertEqual((parsed["size"], parsed["threads"]), (1000, None))
        self.assertIsNone(benchdata.parse_name("BM_free_form")["container"])


if __name__ == "__main__":
    unittest.main(verbosity=1)
