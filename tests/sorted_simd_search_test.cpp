// The vector node search (detail/btree/simd_search.hpp), which is off by default: here it is
// switched on for the whole executable, so the maps below search with it, and its two
// modes are checked key by key against std::lower_bound / std::upper_bound. On x86-64
// this runs the instruction set the compiler targets (SSE2 without -march); under
// scripts/test-arm, NEON.
#define IMMUTABLE_BTREE_SIMD 1

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include "sorted_test_util.hpp"

namespace {

namespace simd = immutable::detail::btree::simd;

// Keys drawn so that duplicates, neighbours of the target and both extremes are common.
template <class K>
rc::Gen<K> interesting_key() {
    return rc::gen::oneOf(rc::gen::inRange<K>(K(0), K(40)), rc::gen::arbitrary<K>(),
                          rc::gen::element(std::numeric_limits<K>::min(), K(std::numeric_limits<K>::min() + 1),
                                           std::numeric_limits<K>::max(), K(std::numeric_limits<K>::max() - 1)));
}

// The node search on sorted keys (laid out as keys, or as (key, value) pairs) agrees with
// the standard algorithms in every mode.
template <class K, class Compare, std::size_t Stride, int Mode>
void check_counts() {
    auto keys = *rc::gen::container<std::vector<K>>(interesting_key<K>());
    const K target = *interesting_key<K>();
    std::sort(keys.begin(), keys.end(), Compare{});
    std::vector<K> words(keys.size() * (Stride / sizeof(K)));
    for (std::size_t i = 0; i < keys.size(); ++i) {
        words[i * (Stride / sizeof(K))] = keys[i];
        if (Stride == 16) words[i * 2 + 1] = K(~keys[i]); // the mapped value: noise
    }
    const auto* p = reinterpret_cast<const unsigned char*>(words.data());
    const auto lower = std::lower_bound(keys.begin(), keys.end(), target, Compare{}) - keys.begin();
    const auto upper = std::upper_bound(keys.begin(), keys.end(), target, Compare{}) - keys.begin();
    const std::size_t below = simd::count_below<Compare, Stride, Mode>(p, keys.size(), target);
    const std::size_t not_above = simd::count_not_above<Compare, Stride, Mode>(p, keys.size(), target);
    RC_ASSERT(below == std::size_t(lower));
    RC_ASSERT(not_above == std::size_t(upper));
}

template <int Mode>
void check_all_layouts() {
    check_counts<std::int64_t, std::less<>, 8, Mode>();
    check_counts<std::int64_t, std::less<std::int64_t>, 16, Mode>();
    check_counts<std::int64_t, std::greater<>, 16, Mode>();
    check_counts<std::uint64_t, std::less<>, 8, Mode>();
    check_counts<std::uint64_t, std::less<std::uint64_t>, 16, Mode>();
    check_counts<std::uint64_t, std::greater<std::uint64_t>, 8, Mode>();
    check_counts<long long, std::less<>, 16, Mode>();
}

TEST(sorted_simd_search, is_available_on_this_target) {
#if defined(__x86_64__) || (defined(__aarch64__) && defined(__ARM_NEON))
    EXPECT_TRUE(simd::available);
#endif
    using map_params = immutable::detail::btree::params<std::pair<std::int64_t, std::int64_t>, std::int64_t,
                                                        immutable::detail::btree::map_key_of<std::int64_t>,
                                                        std::less<std::int64_t>, immutable::default_policy>;
    EXPECT_EQ(simd::available, immutable::detail::btree::simd_leaf<map_params>);
    EXPECT_EQ((simd::entry_stride<std::pair<std::int64_t, std::int64_t>, std::int64_t>()), 16u);
    EXPECT_EQ((simd::entry_stride<std::pair<std::int64_t, char[24]>, std::int64_t>()), 0u);
}

RC_GTEST_PROP(sorted_simd_search, count_every_key_matches_std, ()) { check_all_layouts<1>(); }
RC_GTEST_PROP(sorted_simd_search, stop_at_first_chunk_matches_std, ()) { check_all_layouts<2>(); }
RC_GTEST_PROP(sorted_simd_search, scalar_scan_matches_std, ()) { check_all_layouts<0>(); }

// Whole maps and sets searching with vector compares: every operation that searches a
// node, against the std model, over trees several levels deep.
RC_GTEST_PROP(sorted_simd_search, map_matches_std_map, ()) {
    const auto keys = *rc::gen::container<std::vector<std::int64_t>>(interesting_key<std::int64_t>());
    const auto probes = *rc::gen::container<std::vector<std::int64_t>>(interesting_key<std::int64_t>());
    immutable::sorted_map<std::int64_t, std::int64_t> m;
    std::map<std::int64_t, std::int64_t> model;
    std::int64_t v = 0;
    for (std::int64_t k : keys) {
        m = m.set(k, ++v);
        model[k] = v;
        if (v % 3 == 0) {
            m = m.erase(k / 2);
            model.erase(k / 2);
        }
    }
    RC_ASSERT(sorted_test::invariants(m).empty());
    RC_ASSERT(m.size() == model.size());
    for (std::int64_t k : probes) {
        const auto* found = m.find(k);
        const auto it = model.find(k);
        RC_ASSERT((found != nullptr) == (it != model.end()));
        if (found != nullptr) RC_ASSERT(*found == it->second);
        const auto lo = m.lower_bound(k);
        const auto mlo = model.lower_bound(k);
        RC_ASSERT((lo == m.end()) == (mlo == model.end()));
        if (mlo != model.end()) RC_ASSERT(lo->first == mlo->first);
        const auto hi = m.upper_bound(k);
        const auto mhi = model.upper_bound(k);
        RC_ASSERT((hi == m.end()) == (mhi == model.end()));
        if (mhi != model.end()) RC_ASSERT(hi->first == mhi->first);
        RC_ASSERT(m.rank(k) == std::size_t(std::distance(model.begin(), mlo)));
    }
}

RC_GTEST_PROP(sorted_simd_search, descending_unsigned_set_matches_std_set, ()) {
    const auto keys = *rc::gen::container<std::vector<std::uint64_t>>(interesting_key<std::uint64_t>());
    immutable::sorted_set<std::uint64_t, std::greater<>> s;
    std::set<std::uint64_t, std::greater<>> model;
    for (std::uint64_t k : keys) {
        s = s.insert(k);
        model.insert(k);
    }
    RC_ASSERT(sorted_test::invariants(s).empty());
    RC_ASSERT(std::equal(s.begin(), s.end(), model.begin(), model.end()));
    for (std::uint64_t k : keys) {
        RC_ASSERT(s.contains(k));
        RC_ASSERT(s.contains(k + 1) == model.contains(k + 1));
        const auto lo = s.lower_bound(k + 1);
        const auto mlo = model.lower_bound(k + 1);
        RC_ASSERT((lo == s.end()) == (mlo == model.end()));
        if (mlo != model.end()) RC_ASSERT(*lo == *mlo);
    }
}

// A tree of 100,000 entries (three levels) built one insert at a time, then every key and
// every gap between keys looked up.
TEST(sorted_simd_search, large_map_finds_every_key_and_no_gap) {
    immutable::sorted_map<std::int64_t, std::int64_t>::builder b;
    for (std::int64_t i = 0; i < 100000; ++i) b.set(i * 2 - 100000, i);
    const auto m = b.build();
    ASSERT_TRUE(sorted_test::invariants(m).empty());
    for (std::int64_t i = 0; i < 100000; ++i) {
        const auto* v = m.find(i * 2 - 100000);
        ASSERT_NE(v, nullptr);
        ASSERT_EQ(*v, i);
        ASSERT_EQ(m.find(i * 2 - 100000 + 1), nullptr);
    }
}

} // namespace
