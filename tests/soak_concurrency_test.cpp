// The leak soak (tests/soak/soak.hpp), CI-sized: every container under counted<heap_policy>
// and counted<pooled_policy>, writers, readers, consumers and short-lived builder threads
// for IMMUTABLE_SOAK_SECONDS (default 6) seconds; then no broken invariant, no live node
// left in any policy, and RSS and heap in use within their bounds. scripts/soak runs it for
// as long as you like (scripts/soak --seconds 86400 --preset asan).
#include <gtest/gtest.h>

#include "soak/soak.hpp"

#include <cstdio>
#include <set>
#include <string>

namespace {

using namespace immutable::soak;

// The soak's checks must be able to fail: each model's verify() rejects a version that
// breaks its invariant (one bad element, a gap, a value under the wrong key).
TEST(soak_models, verify_rejects_broken_versions) {
    using P = immutable::heap_policy;
    EXPECT_FALSE(list_model<P>::broken());
    EXPECT_FALSE(queue_model<P>::broken());
    EXPECT_FALSE(map_model<P>::broken());
    EXPECT_FALSE(set_model<P>::broken());
    EXPECT_FALSE(sorted_map_model<P>::broken());
    EXPECT_FALSE(sorted_set_model<P>::broken());
}

// And accepts every version the writers and builders make, from one thread, with the
// fingerprint of a version never changing while later versions are derived from it.
template <class M>
void derive_many(std::uint64_t seed) {
    rng r(seed);
    typename M::container c = M::initial(r);
    const typename M::container first = c;
    const verdict at_start = M::verify(first, r);
    ASSERT_TRUE(at_start) << M::name << ": " << at_start.error;
    std::set<std::size_t> sizes;
    for (int i = 0; i < 1500; ++i) {
        c = i % 50 == 49 ? M::batch(c, r, 1 + static_cast<int>(r.below(300))) : M::derive(c, r);
        const verdict v = M::verify(c, r);
        ASSERT_TRUE(v) << M::name << " step " << i << ": " << v.error << " (" << v.detail << ")";
        // One change moves the size by at most 64 (a list slice, a sorted_set run).
        ASSERT_GE(c.size(), size_band::low - 64) << M::name;
        ASSERT_LE(c.size(), size_band::high + 64) << M::name;
        sizes.insert(c.size());
    }
    EXPECT_GT(sizes.size(), 20u) << M::name << ": sizes should wander through the band";
    const verdict again = M::verify(first, r);
    ASSERT_TRUE(again);
    EXPECT_EQ(again.fingerprint, at_start.fingerprint) << M::name;
}

TEST(soak_models, derived_versions_stay_valid) {
    struct tag {};
    using P = immutable::counted<immutable::heap_policy, tag>;
    derive_many<list_model<P>>(1);
    derive_many<queue_model<P>>(2);
    derive_many<map_model<P>>(3);
    derive_many<set_model<P>>(4);
    derive_many<sorted_map_model<P>>(5);
    derive_many<sorted_set_model<P>>(6);
    EXPECT_EQ(P::live_nodes(), 0);
}

TEST(soak_memory_probe, reads_this_process) {
    EXPECT_GT(resident_bytes(), 0);
    const std::int64_t heap = heap_in_use_bytes();
    EXPECT_NE(heap, 0);
}

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
