// The leak soak's building blocks, checked on one thread: each model's verify() accepts
// every version its writers and builders make and rejects broken ones, and the memory
// probe reads this process. The soak itself is soak_concurrency_test.cpp.
#include <gtest/gtest.h>

#include "soak/memory_probe.hpp"
#include "soak/models.hpp"

#include <immutable/memory.hpp>

#include <cstdint>
#include <set>

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

} // namespace
