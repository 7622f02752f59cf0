// Size classes of the pools: node sizes (multiples of 8) get a class of exactly their
// size, every class hands out blocks aligned for std::max_align_t (alignment comes from
// the per-block upstream allocation, not from the class size), and upstream is asked for
// exactly the class size, so a pooled node costs the allocator what the node alone would.
#include <gtest/gtest.h>

#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/sorted_map.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory_resource>
#include <mutex>
#include <new>
#include <vector>

namespace {

using immutable::node_pool;
namespace pool = immutable::detail::pool;

bool max_aligned(const void* p) {
    return reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t) == 0;
}

TEST(pool_size_class, every_multiple_of_8_from_16_to_1_kib_is_a_class_of_its_own) {
    std::size_t expected_class = 0;
    for (std::size_t bytes = pool::smallest_class; bytes <= pool::fine_limit; bytes += 8) {
        ASSERT_EQ(pool::class_of(bytes), expected_class) << bytes;
        ASSERT_EQ(pool::class_size(pool::class_of(bytes)), bytes);
        ASSERT_EQ(pool::block_size(bytes), bytes);
        ++expected_class;
    }
    EXPECT_EQ(expected_class, pool::fine_classes);
    // Below the smallest class everything shares it; between multiples of 8 requests round up.
    for (std::size_t bytes = 0; bytes <= pool::smallest_class; ++bytes) EXPECT_EQ(pool::class_of(bytes), 0u);
    EXPECT_EQ(pool::class_size(pool::class_of(57)), 64u);
    EXPECT_EQ(pool::class_size(pool::class_of(63)), 64u);
}

TEST(pool_size_class, every_class_holds_the_free_links_and_maps_back_to_itself) {
    for (std::size_t cls = 0; cls < pool::class_count; ++cls) {
        const std::size_t size = pool::class_size(cls);
        ASSERT_GE(size, sizeof(pool::free_block)) << cls;
        ASSERT_EQ(size % alignof(pool::free_block), 0u) << cls;
        ASSERT_EQ(pool::class_of(size), cls) << cls;
        if (cls > 0) {
            ASSERT_GT(size, pool::class_size(cls - 1));
            ASSERT_EQ(pool::class_of(pool::class_size(cls - 1) + 1), cls) << cls;
        }
    }
    EXPECT_EQ(pool::class_size(pool::class_count - 1), pool::max_pooled_bytes);
}

// An upstream that records the size of every request and checks the alignment asked for.
class recording_resource : public std::pmr::memory_resource {
public:
    std::vector<std::size_t> requests;

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        EXPECT_EQ(alignment, alignof(std::max_align_t));
        requests.push_back(bytes);
        return ::operator new(bytes);
    }
    void do_deallocate(void* p, std::size_t, std::size_t) override { ::operator delete(p); }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

TEST(pool_size_class, a_block_of_every_class_is_max_aligned_and_costs_upstream_its_class_size) {
    recording_resource upstream;
    node_pool p({}, &upstream);
    struct block {
        void* p;
        std::size_t bytes;
    };
    std::vector<block> blocks;
    for (std::size_t cls = 0; cls < pool::class_count; ++cls) {
        const std::size_t size = pool::class_size(cls);
        const std::size_t smallest_request = cls == 0 ? 1 : pool::class_size(cls - 1) + 1;
        for (std::size_t bytes : {smallest_request, size}) {
            upstream.requests.clear();
            void* b = p.allocate(bytes);
            ASSERT_TRUE(max_aligned(b)) << "class " << cls << ", " << bytes << " bytes";
            ASSERT_EQ(upstream.requests, std::vector<std::size_t>{size}) << bytes;
            std::memset(b, 0xab, bytes); // every requested byte is usable (ASan checks)
            blocks.push_back({b, bytes});
        }
    }
    for (block b : blocks) p.deallocate(b.p, b.bytes);
    // Freed blocks come back, still aligned, for requests of their class.
    for (std::size_t cls = 0; cls < pool::class_count; ++cls) {
        void* b = p.allocate(pool::class_size(cls));
        EXPECT_TRUE(max_aligned(b)) << cls;
        p.deallocate(b, pool::class_size(cls));
    }
    p.trim();
}

TEST(pool_size_class, pooled_policy_blocks_are_max_aligned_in_every_class) {
    std::vector<std::pair<void*, std::size_t>> blocks;
    for (int round = 0; round < 3; ++round) { // the later rounds reuse the freed blocks
        for (std::size_t cls = 0; cls < pool::class_count; ++cls) {
            const std::size_t bytes = pool::class_size(cls);
            for (int i = 0; i < 3; ++i) {
                void* b = immutable::pooled_policy::allocate(bytes);
                ASSERT_TRUE(max_aligned(b)) << bytes;
                blocks.emplace_back(b, bytes);
            }
        }
        for (auto [b, bytes] : blocks) immutable::pooled_policy::deallocate(b, bytes);
        blocks.clear();
    }
}

// pooled_policy plus a record of every request size, to see what containers ask for.
std::mutex requests_lock;
std::vector<std::size_t> container_requests;

struct recording_pooled_policy {
    using refcount = immutable::pooled_policy::refcount;
    static void* allocate(std::size_t bytes) {
        {
            std::lock_guard<std::mutex> guard(requests_lock);
            container_requests.push_back(bytes);
        }
        return immutable::pooled_policy::allocate(bytes);
    }
    static void deallocate(void* p, std::size_t bytes) noexcept { immutable::pooled_policy::deallocate(p, bytes); }
};

TEST(pool_size_class, nodes_of_int64_containers_are_never_rounded_up) {
    using map = immutable::map<std::int64_t, std::int64_t, std::hash<std::int64_t>, std::equal_to<std::int64_t>,
                               recording_pooled_policy>;
    using sorted = immutable::sorted_map<std::int64_t, std::int64_t, std::less<std::int64_t>, recording_pooled_policy>;
    using list = immutable::list<std::int64_t, recording_pooled_policy>;
    container_requests.clear();
    {
        map m;
        sorted s;
        list l;
        for (std::int64_t i = 0; i < 3000; ++i) {
            m = m.set(i, i);
            s = s.set(i, i);
            l = l.push_back(i);
        }
        std::vector<map> maps{m};
        for (std::int64_t i = 0; i < 3000; i += 7) {
            maps.push_back(maps.back().set(i * 31 % 3000, -i).erase(i));
            s = s.set(i * 31 % 3000, -i).erase(i);
            l = l.set(static_cast<std::size_t>(i), -i);
        }
        EXPECT_EQ(l.size(), 3000u);
    }
    ASSERT_GT(container_requests.size(), 1000u);
    std::size_t distinct_checked = 0;
    std::vector<bool> seen(pool::max_pooled_bytes + 1, false);
    for (std::size_t bytes : container_requests) {
        ASSERT_EQ(bytes % 8, 0u) << bytes;
        ASSERT_LE(bytes, pool::max_pooled_bytes);
        if (bytes > pool::fine_limit || seen[bytes]) continue;
        seen[bytes] = true;
        ++distinct_checked;
        EXPECT_EQ(pool::block_size(bytes), bytes) << "a " << bytes << "-byte node is rounded up";
    }
    EXPECT_GT(distinct_checked, 10u);
}

// Elements that ask for 16-byte alignment land on 16-byte boundaries in pooled nodes,
// whose class sizes need not be multiples of 16.
struct alignas(16) wide {
    std::int64_t a;
    std::int64_t b;
    friend bool operator==(const wide&, const wide&) = default;
};

TEST(pool_size_class, over_aligned_elements_stay_aligned_in_pooled_nodes) {
    immutable::list<wide, immutable::pooled_policy> l;
    immutable::map<std::int64_t, wide, std::hash<std::int64_t>, std::equal_to<std::int64_t>, immutable::pooled_policy> m;
    for (std::int64_t i = 0; i < 500; ++i) {
        l = l.push_back(wide{i, -i});
        m = m.set(i, wide{i, -i});
    }
    for (std::size_t i = 0; i < l.size(); ++i) {
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(&l[i]) % 16, 0u) << i;
        ASSERT_EQ(l[i].a, static_cast<std::int64_t>(i));
    }
    for (const auto& kv : m) {
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(&kv.second) % 16, 0u) << kv.first;
        ASSERT_EQ(kv.second.b, -kv.first);
    }
}

#if defined(IMMUTABLE_POOL_ASAN)
// A 20-byte request takes the 24-byte class: the 4 bytes past it are poisoned while the
// block is live (ASan names a poisoned partial granule a heap-buffer-overflow), and
// everything past the free-list links once it is freed. The block is a reused one, so
// what catches the write is the pool's poisoning, not the upstream allocation's bounds.
TEST(pool_size_class_death, bytes_past_a_request_in_an_8_byte_class_are_poisoned_under_asan) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            node_pool p;
            void* first = p.allocate(24);
            p.deallocate(first, 24);
            auto* b = static_cast<char*>(p.allocate(20));
            if (b == first) b[20] = 1;
        },
        "AddressSanitizer: (use-after-poison|heap-buffer-overflow)");
    EXPECT_DEATH(
        {
            node_pool p;
            auto* b = static_cast<char*>(p.allocate(24));
            p.deallocate(b, 24);
            b[16] = 1;
        },
        "use-after-poison");
}
#endif

} // namespace
