// The leak soak (tests/soak/soak.hpp), CI-sized: every container under counted<heap_policy>
// and counted<pooled_policy>, writers, readers, consumers and short-lived builder threads
// for IMMUTABLE_SOAK_SECONDS (default 6) seconds; then no broken invariant, no live node
// left in any policy, and RSS and heap in use within their bounds. scripts/soak runs it for
// as long as you like (scripts/soak --seconds 86400 --preset asan). The models' own checks
// are in soak_models_test.cpp: a translation unit of their own, so the two compile in
// parallel (each instantiates every container with several policies).
#include <gtest/gtest.h>

#include "soak/soak.hpp"

#include <cstdio>

namespace {

using namespace immutable::soak;

TEST(soak, mixed_workload_leaves_no_live_nodes_and_bounded_memory) {
    const config cfg = config::from_environment(6);
    soak_run run(cfg);
    const result r = run.run();
    r.print(stdout);
    std::fflush(stdout);

    EXPECT_EQ(r.failures, 0) << r.first_failure;
    for (const lane_result& l : r.lanes) {
        // The counters saw the lane's nodes while it ran (so 0 afterwards means something)...
        EXPECT_GT(l.peak_live_nodes, 0) << l.name;
        EXPECT_GT(l.live_nodes_at_stop, 0) << l.name;
        EXPECT_GT(l.checks, 0u) << l.name;
        // ... and every one of them was freed with the last version holding it.
        EXPECT_EQ(l.live_nodes_after, 0) << l.name;
    }
    EXPECT_GT(r.local_allocations, 0u);
    EXPECT_EQ(r.local_live_nodes_after, 0) << "single_thread_pooled_policy";

    EXPECT_GT(r.samples_steady, 0u) << "the run ended before its warm-up did";
    EXPECT_LE(r.rss_steady_max, r.rss_limit()) << "RSS grew past 1.5 x warm-up + slack";
    if (r.heap_warmup_max >= 0) {
        EXPECT_LE(r.heap_steady_max, r.heap_limit()) << "heap in use grew past 1.5 x warm-up + slack";
    }

    EXPECT_GT(r.ops.derives, 0u);
    EXPECT_GT(r.ops.in_place_checks, 0u);
    EXPECT_GT(r.ops.takes, 0u);
    EXPECT_GT(r.ops.builder_threads, 0u);
}

} // namespace
