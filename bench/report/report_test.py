#!/usr/bin/python3
"""Tests of the report generator on a small synthetic run (ctest: bench_report_test)."""

import json
import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)

import benchdata  # noqa: E402
import budget  # noqa: E402
import generate  # noqa: E402
import run  # noqa: E402


def entries(name, times, counters=None, threads=1):
    out = []
    for index, t in enumerate(times):
        entry = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": len(times),
                 "repetition_index": index, "threads": threads, "iterations": 100,
                 "real_time": t, "cpu_time": t, "time_unit": "ns"}
        entry.update(counters or {})
        out.append(entry)
    return out


def synthetic_run():
    benchmarks = []
    for n, ours, peer in ((1000, 20.0, 10.0), (100000, 40.0, 10.0)):
        benchmarks += entries(f"list/push_back/immutable::list/{n}", [ours, ours * 1.1, ours * 0.9, ours, ours],
                              {"allocs_per_op": 0.5, "bytes_per_op": 40.0, "bytes_per_elem": 9.0})
        benchmarks += entries(f"list/push_back/std::vector/{n}", [peer] * 5,
                              {"allocs_per_op": 0.0, "bytes_per_op": 16.0, "bytes_per_elem": 8.0})
    for threads in (1, 2, 4):
        benchmarks += entries(f"list/read/immutable::list/1000/real_time/threads:{threads}",
                              [100.0 / threads] * 5, threads=threads)
        benchmarks += entries(f"list/read/std::vector/1000/real_time/threads:{threads}",
                              [50.0 / threads] * 5, threads=threads)
    benchmarks += entries("list/sharing_set/immutable::list/1000000", [500.0] * 5,
                          {"sharing_ratio": 0.0001, "bytes_per_op": 900.0})
    benchmarks += entries("free_form_benchmark", [3.0] * 5)
    # Two goals at 1M: find hit 2.0x (bound 2.5: met), find miss 3.0x (bound 2.0: not met).
    benchmarks += entries("map/find_hit/immutable::map/1000000", [60.0] * 5, {"bytes_per_elem": 30.0})
    benchmarks += entries("map/find_hit/std::unordered_map/1000000", [30.0] * 5)
    benchmarks += entries("map/find_miss/immutable::map/1000000", [45.0] * 5)
    benchmarks += entries("map/find_miss/std::unordered_map/1000000", [15.0] * 5)
    # Update rows (see benchdata.is_update_row) and rows that are not: a builder, a policy row,
    # a policy read, a handoff row (it starts a thread of its own).
    benchmarks += entries("list/push_back_string/immutable::list::builder/1000", [4.0] * 5)
    benchmarks += entries("policy/list_set/immutable::list<heap_policy>/1000", [30.0] * 5)
    benchmarks += entries("policy/set_find/immutable::set<heap_policy>/1000", [30.0] * 5)
    benchmarks += entries("policy/list_set_handoff/immutable::list<heap_policy>/1000", [900.0] * 5,
                          {"deferred_peak_nodes": 0.0})
    # A concurrent row of ours that reports the nodes waiting for their owner, and a peer that does not.
    for threads in (1, 2):
        benchmarks += entries(f"atom/mixed_50_50/immutable::atom/1000000/real_time/threads:{threads}",
                              [400.0 / threads] * 5, {"deferred_peak_nodes": 100.0 * threads}, threads=threads)
        benchmarks += entries(f"atom/mixed_50_50/std::shared_mutex/1000000/real_time/threads:{threads}",
                              [200.0 / threads] * 5, threads=threads)
    context = {"machine_cores": "2", "machine_cpu": "Test CPU", "commit": "abc123",
               "reference_counts": "process with threads started (default)",
               "binaries": {"list_bench": {"benchmarks": 12, "elapsed_s": 3.0, "cpu_s": 2.9,
                                           "peak_rss_bytes": 50 * 2 ** 20, "status": "ok"}}}
    return {"context": context, "benchmarks": benchmarks}


def synthetic_one_thread_run():
    """The one-thread rerun of synthetic_run()'s update rows (run.py: raw/one_thread/results.json),
    without the builder row (as if it had failed) and with one row the default run lacks."""
    benchmarks = []
    benchmarks += entries("list/push_back/immutable::list/1000", [16.0] * 5)
    benchmarks += entries("list/push_back/immutable::list/100000", [20.0, 20.0, 21.0, 19.0, 20.0])
    benchmarks += entries("policy/list_set/immutable::list<heap_policy>/1000", [30.0] * 5)
    benchmarks += entries("map/insert/immutable::map/1000", [50.0] * 5)
    context = {"reference_counts": "one-thread process",
               "binaries": {"list_bench": {"benchmarks": 2, "elapsed_s": 1.0, "cpu_s": 1.0,
                                           "peak_rss_bytes": 20 * 2 ** 20, "status": "ok"}}}
    return {"context": context, "benchmarks": benchmarks}


class ReportTest(unittest.TestCase):
    def generate(self, make_plots, one_thread=True):
        self.tmp = tempfile.TemporaryDirectory()
        results = os.path.join(self.tmp.name, "results.json")
        with open(results, "w", encoding="utf-8") as f:
            json.dump(synthetic_run(), f)
        if one_thread:
            os.makedirs(os.path.join(self.tmp.name, "one_thread"))
            with open(os.path.join(self.tmp.name, "one_thread", "results.json"), "w", encoding="utf-8") as f:
                json.dump(synthetic_one_thread_run(), f)
        generate.generate(results, self.tmp.name, make_plots=make_plots)
        with open(os.path.join(self.tmp.name, "index.md"), encoding="utf-8") as f:
            return f.read()

    def tearDown(self):
        if hasattr(self, "tmp"):
            self.tmp.cleanup()

    def test_tables_ratios_counters_and_sections(self):
        text = self.generate(make_plots=False)
        # Median of [40, 44, 36, 40, 40] is 40 ns; the peer takes 10 ns: ratio 4.00x.
        self.assertIn("| 100,000 | immutable::list | 40 ns | 36 ns | 44 ns | 4.00× | 0.5 | 40 | 9.0 |", text)
        self.assertIn("| list/push_back | 100,000 | immutable::list | 40 ns | std::vector 4.00× |", text)
        self.assertIn("| list | sharing_set | immutable::list | 1,000,000 | 0.01 % | 900 |", text)
        self.assertIn("| list_bench | 12 | 3s | 3s | 50 MiB | ok |", text)
        self.assertIn("| machine | Test CPU |", text)
        # 4 threads on 2 cores is oversubscribed; throughput 1e9 / 25 ns = 40M ops/s. The ratio
        # is time per operation, ours / the peer's, as in every table: 25 ns / 12.5 ns = 2.00x.
        self.assertIn("| 1,000 | 4 (oversubscribed) | immutable::list | 40M | 10M | 2.00× |", text)
        self.assertIn("| 1,000 | 2 | immutable::list | 20M | 10M | 2.00× |", text)
        # Oversubscribed rows are in their own table, after the rows within the cores.
        apart = text.index("**Oversubscribed: more threads than the machine's 2 cores.**")
        self.assertLess(text.index("| 1,000 | 2 | immutable::list | 20M |"), apart)
        self.assertGreater(text.index("| 1,000 | 4 (oversubscribed) | immutable::list |"), apart)
        self.assertIn("free_form_benchmark", text)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp.name, "index.html")))

    def test_performance_goals_are_judged_from_the_run(self):
        text = self.generate(make_plots=False)
        self.assertIn("## Performance goals", text)
        self.assertIn("| map / set | find hit, ×`std::unordered_map` | 1,000,000 | ≤ 2.50× | 5.8× | 2.00× | met |", text)
        self.assertIn("| map / set | find miss, ×`std::unordered_map` | 1,000,000 | ≤ 2.00× | 2.5× | 3.00× | **not met** |",
                      text)
        self.assertIn("| map / set | bytes per entry, `int64_t -> int64_t` | 1,000,000 | ≤ 24 | 28.7 | 30 | **not met** |",
                      text)
        # The run has list/push_back but no builder rows: that target is not measured, never met.
        self.assertIn("| list | builder `push_back`, ×`std::vector::push_back` | 1,000 | ≤ 2.50× | 3.9× |  | "
                      "not measured |", text)
        # Operations the run does not have at all (sorted_map) are left out, not listed as missing.
        self.assertNotIn("absl::btree_map", text)

    def test_update_rows_are_shown_with_threads_started_and_in_one_thread(self):
        text = self.generate(make_plots=False)
        start = text.index("## Updates with threads started and in a one-thread process")
        section = text[start:text.index("\n## ", start + 1)]
        # Near the top: right after the summary, before the performance goals.
        self.assertLess(text.index("## Summary"), start)
        self.assertLess(start, text.index("## Performance goals"))
        header = ("| update | implementation | N | median, threads started | median, one-thread process "
                  "| ratio (threads ÷ one thread) |")
        self.assertEqual(section.count(header), 2)  # one table per container: list, policy
        self.assertIn("### list: with threads started and in one thread", section)
        # 20 ns with a thread started against 16 ns in one thread: 1.25x.
        self.assertIn("| push_back | immutable::list | 1,000 | 20 ns | 16 ns | 1.25× |", section)
        # Medians of the repetitions: 40 ns against 20 ns.
        self.assertIn("| push_back | immutable::list | 100,000 | 40 ns | 20 ns | 2.00× |", section)
        # A builder row is an update row; here its rerun is missing, and the table says so.
        self.assertIn("| push_back_string | immutable::list::builder | 1,000 | 4 ns | not run |  |", section)
        self.assertIn("| list_set | immutable::list<heap_policy> | 1,000 | 30 ns | 30 ns | 1.00× |", section)
        # Peers, reads, rows with threads of their own, and rows only the rerun has stay out.
        for absent in ("std::vector", "set_find", "list_set_handoff", "atom", "map/insert", "| insert |"):
            self.assertNotIn(absent, section)
        # The rerun's binaries are listed beside the main run's.
        self.assertIn("| list_bench (update rows, one-thread process) | 2 | 1s | 1s | 20 MiB | ok |", text)

    def test_without_a_one_thread_rerun_there_is_no_comparison(self):
        text = self.generate(make_plots=False, one_thread=False)
        self.assertNotIn("## Updates with threads started", text)
        self.assertIn("| reference counts | process with threads started (default) |", text)

    def test_the_update_rule(self):
        updates = [
            "list/push_back/immutable::list(persistent)/1000",
            "list/push_back_string/immutable::list::builder/1000",
            "list/set/immutable::list(persistent)/1000",
            "list/push_front/immutable::list(persistent)/1000",
            "queue/push_pop/immutable::queue(persistent,moved)/1000",
            "queue/pop/immutable::queue<pooled>(persistent)/1000",
            "map/erase_string/immutable::map(persistent)/8",
            "map/insert_strided/immutable::map(persistent)/100000",
            "sorted_map/insert_random_string/immutable::sorted_map::builder/1000",
            "policy/set_insert/immutable::set<pooled_policy>/1000",
            "policy/sorted_map_set/immutable::sorted_map<heap_policy>/1000",
            "policy/list_push_back/immutable::list<single_thread_heap_policy>/1000",
        ]
        others = [
            "list/push_back/std::vector/1000",                       # a peer
            "map/insert/std::unordered_map(copy)/8",                 # a peer
            "list/sharing_set/immutable::list/1000000",              # a memory row
            "list/index_random/immutable::list/1000",                # a read
            "sorted_map/find_hit_string/immutable::sorted_map/1000",
            "policy/set_find/immutable::set<heap_policy>/1000",      # container set, operation find
            "policy/set_build/immutable::set<heap_policy>/1000",
            "policy/map_set_handoff/immutable::map<heap_policy>/1000",  # starts a thread of its own
            "atom/mixed_50_50/immutable::atom/1000000/real_time/threads:2",
            "free_form_benchmark",
        ]
        for name in updates:
            self.assertTrue(benchdata.is_update_row(name), name)
        for name in others:
            self.assertFalse(benchdata.is_update_row(name), name)

    def test_the_rerun_filter_matches_exactly_its_names(self):
        names = ["list/push_back/immutable::list(persistent)/1000",
                 "queue/push/immutable::queue<pooled>(persistent,moved)/100000",
                 "policy/list_set/immutable::list<heap_policy>/1000"]
        pattern = re.compile(run.exact_names_filter(names))
        for name in names:
            self.assertTrue(pattern.search(name), name)
        for name in ("list/push_back/immutable::list(persistent)/10000",
                     "list/push_back/immutable::listXpersistent)/1000",
                     "xlist/push_back/immutable::list(persistent)/1000"):
            self.assertFalse(pattern.search(name), name)

    def test_deferred_peak_is_shown_beside_the_concurrent_rows(self):
        text = self.generate(make_plots=False)
        self.assertIn("| N | threads | implementation | ops/s (all threads) | per thread | vs std::shared_mutex "
                      "| deferred peak |", text)
        # The largest value over the repetitions; blank for the peer, which holds none of our nodes.
        self.assertIn("| 1,000,000 | 2 | immutable::atom | 5M | 2.5M | 2.00× | 200 |", text)
        self.assertIn("| 1,000,000 | 2 | std::shared_mutex | 10M | 5M |  |  |", text)
        self.assertIn("| 1,000 | immutable::list<heap_policy> | 900 ns | 900 ns | 900 ns | 0 |", text)
        self.assertEqual(text.count("`deferred peak`: the most nodes that waited at once"), 2)

    def test_cache_table_is_quoted_from_the_cachegrind_page(self):
        with tempfile.TemporaryDirectory() as d:
            page = os.path.join(d, "cache.md")
            with open(page, "w", encoding="utf-8") as f:
                f.write("# Cache\n\n| workload | n | instructions/op |\n|---|---:|---:|\n"
                        "| `list/iterate/immutable::list` | 1000000 | 8.7 |\n\nafter the table\n")
            saved = generate.CACHE_TABLE
            generate.CACHE_TABLE = page
            try:
                text = self.generate(make_plots=False)
            finally:
                generate.CACHE_TABLE = saved
        self.assertIn("## Cache behaviour (cachegrind)", text)
        self.assertIn("| `list/iterate/immutable::list` | 1000000 | 8.7 |", text)
        self.assertNotIn("after the table", text)

    def test_figures_are_written_and_linked(self):
        text = self.generate(make_plots=True)
        for name in ("list-push_back-time.png", "list-push_back-memory.png", "list-read-threads.png"):
            self.assertIn(f"]({name})", text)
            path = os.path.join(self.tmp.name, name)
            self.assertTrue(os.path.isfile(path), name)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            # A palette PNG (colour type 3 in IHDR) within the per-plot budget.
            with open(path, "rb") as f:
                header = f.read(26)
            self.assertEqual(header[25], 3, name)
            self.assertLessEqual(os.path.getsize(path), budget.PLOT_BYTES, name)

    def test_every_implementation_has_one_colour_and_ours_are_solid(self):
        import plots
        names = ["immutable::list", "immutable::list::builder", "immutable::map",
                 "immutable::map(persistent)", "immutable::map(persistent,moved)", "std::vector",
                 "std::unordered_map", "std::unordered_map(mutable)"]
        names += [f"peer{i}::container" for i in range(30)]
        styles = plots.Styles(names)
        colours = {}
        for name in names:
            style = styles(name)
            self.assertEqual(style["linestyle"], "-" if name.startswith("immutable::") else "--", name)
            base = name.split("(")[0]
            colours.setdefault(tuple(style["color"]), set()).add(base)
        # No colour stands for two implementations; variants keep their base's colour.
        for colour, bases in colours.items():
            self.assertEqual(len(bases), 1, bases)
        self.assertEqual(styles("immutable::map")["color"], styles("immutable::map(persistent)")["color"])
        self.assertNotEqual(styles("immutable::map")["marker"], styles("immutable::map(persistent)")["marker"])
        # The same implementation is drawn the same way whatever else a figure holds.
        self.assertEqual(plots.Styles(names)("std::vector"), styles("std::vector"))

    def test_compressed_results_carry_the_one_thread_rerun(self):
        self.tmp = tempfile.TemporaryDirectory()
        data = synthetic_run()
        data[benchdata.ONE_THREAD_KEY] = synthetic_one_thread_run()
        path = os.path.join(self.tmp.name, "results.json.xz")
        benchdata.save_compressed(path, data)
        generate.generate(path, self.tmp.name, make_plots=False)
        with open(os.path.join(self.tmp.name, "index.md"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("| push_back | immutable::list | 1,000 | 20 ns | 16 ns | 1.25× |", text)

    def test_a_busy_machine_is_said_plainly(self):
        self.tmp = tempfile.TemporaryDirectory()
        data = synthetic_run()
        data["context"].update({"load_at_start": 5.0, "settle_wait_s": 120, "settle_limit_s": 120,
                                "load_at_runs": 3.5})
        path = os.path.join(self.tmp.name, "results.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f)
        generate.generate(path, self.tmp.name, make_plots=False)
        with open(os.path.join(self.tmp.name, "index.md"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("**The machine was busy while this ran** even after waiting 120s for it to settle: "
                      "load average 3.5 on 2 cores", text)
        self.assertIn("| waited for the load to settle | 120s (at most 120s) |", text)


if __name__ == "__main__":
    unittest.main(verbosity=1)
