#!/usr/bin/python3
"""Tests of the "Memory over time" section on synthetic runs (ctest: memory_over_time_test)."""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)

import memory_over_time  # noqa: E402
from document import Document  # noqa: E402

MIB = 2 ** 20


def synthetic_run(workload, keep, threads, rss_per_second, seconds=10):
    """RSS starts at 100 MiB and grows by rss_per_second; live bytes stay at 80 MiB."""
    samples = [{"t": float(t), "rss": 100 * MIB + t * rss_per_second, "live": 80 * MIB,
                "held": (t % 3) * MIB, "arena": 90 * MIB, "in_use": 85 * MIB, "free": MIB, "steps": 1000 * t}
               for t in range(seconds + 1)]
    return {"name": f"{workload}/K{keep}/threads{threads}", "workload": workload, "keep": keep,
            "threads": threads, "n": 1000, "seconds": seconds, "rss_before": 4 * MIB,
            "pool_cap": 17 * MIB if workload == "pooled" else 0, "steps": 1000 * seconds, "reads": 0,
            "live_after": 0, "samples": samples}


class SummaryTest(unittest.TestCase):
    def test_fragmentation_is_growth_since_start_over_live_bytes(self):
        s = memory_over_time.summarize(synthetic_run("pooled", 100, 2, 0))
        self.assertAlmostEqual(s["fragmentation"], 96 / 80)
        self.assertEqual(s["held_max"], 2 * MIB)

    def test_trend_is_the_slope_over_the_last_half_per_minute(self):
        s = memory_over_time.summarize(synthetic_run("heap", 100, 1, 1024))
        self.assertAlmostEqual(s["rss_trend"], 60 * 1024)
        self.assertAlmostEqual(s["rss_growth_last_half"], 5 * 1024 / (100 * MIB + 5 * 1024))

    def test_flat_run_has_no_trend(self):
        s = memory_over_time.summarize(synthetic_run("heap", 1, 1, 0))
        self.assertEqual(s["rss_trend"], 0)


class SectionTest(unittest.TestCase):
    def test_section_has_a_row_per_configuration_and_a_memory_figure_per_policy_and_k(self):
        runs = [synthetic_run("pooled", 100, 1, 0), synthetic_run("pooled", 100, 2, 0),
                synthetic_run("heap", 100, 2, 0), synthetic_run("std::map-copy", 1, 1, 0)]
        with tempfile.TemporaryDirectory() as out:
            path = os.path.join(out, memory_over_time.FILE_NAME)
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"context": {}, "runs": runs}, f)
            doc = Document("t")
            memory_over_time.section(doc, out, path)
            text = doc.markdown()
            figures = sorted(name for name in os.listdir(out) if name.endswith(".png"))
        self.assertIn("## Memory over time", text)
        self.assertIn("std::map, copied per version", text)
        self.assertEqual(text.count("| 1.20 |"), 4)
        self.assertEqual(figures, ["memory_over_time_heap_K100.png", "memory_over_time_pooled_K100.png",
                                   "memory_over_time_stdmap-copy_K1.png"])

    def test_missing_data_says_how_to_get_it(self):
        doc = Document("t")
        memory_over_time.section(doc, "/nonexistent", None)
        self.assertIn("--no-sustained-load", doc.markdown())


if __name__ == "__main__":
    unittest.main()
