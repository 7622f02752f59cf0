// Pooled memory policies, node_pool instances, memory_stats and counted<>.
//
// Most checks use a node_pool over a counting upstream resource, which makes a strong
// invariant observable: every byte upstream has handed out is either in a live block or
// held in a pool (upstream outstanding == live block bytes + held_bytes), and trim()
// really gives memory back (outstanding drops to the live bytes).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <immutable/memory.hpp>
#include <immutable/pool.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory_resource>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace {

using immutable::memory_stats;
using immutable::node_pool;
using immutable::pool_limits;
namespace pool = immutable::detail::pool;

// Upstream that counts what is outstanding and can be told to fail.
class counting_resource : public std::pmr::memory_resource {
public:
    std::int64_t outstanding_bytes() const { return bytes_.load(); }
    std::int64_t outstanding_blocks() const { return blocks_.load(); }
    std::int64_t calls() const { return calls_.load(); }
    std::int64_t last_request() const { return last_request_.load(); }
    void fail(bool on) { fail_.store(on); }

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        if (fail_.load()) throw std::bad_alloc();
        EXPECT_LE(alignment, alignof(std::max_align_t));
        void* p = ::operator new(bytes);
        bytes_ += static_cast<std::int64_t>(bytes);
        ++blocks_;
        ++calls_;
        last_request_ = static_cast<std::int64_t>(bytes);
        return p;
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t) override {
        bytes_ -= static_cast<std::int64_t>(bytes);
        --blocks_;
        ::operator delete(p);
    }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }

    std::atomic<std::int64_t> bytes_{0};
    std::atomic<std::int64_t> blocks_{0};
    std::atomic<std::int64_t> calls_{0};
    std::atomic<std::int64_t> last_request_{0};
    std::atomic<bool> fail_{false};
};

std::int64_t block_bytes(std::size_t bytes) { return static_cast<std::int64_t>(pool::block_size(bytes)); }

// Fills a block with a pattern derived from its identity, and checks it later.
void fill(void* p, std::size_t bytes, std::uint32_t seed) {
    auto* c = static_cast<unsigned char*>(p);
    for (std::size_t i = 0; i < bytes; ++i) c[i] = static_cast<unsigned char>(seed * 131 + i * 7);
}
bool intact(const void* p, std::size_t bytes, std::uint32_t seed) {
    auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < bytes; ++i) {
        if (c[i] != static_cast<unsigned char>(seed * 131 + i * 7)) return false;
    }
    return true;
}

memory_stats delta(const memory_stats& after, const memory_stats& before) {
    memory_stats d;
    d.allocations = after.allocations - before.allocations;
    d.deallocations = after.deallocations - before.deallocations;
    d.reuses = after.reuses - before.reuses;
    d.live_nodes = after.live_nodes - before.live_nodes;
    d.live_bytes = after.live_bytes - before.live_bytes;
    d.held_bytes = after.held_bytes - before.held_bytes;
    d.shared_held_bytes = after.shared_held_bytes - before.shared_held_bytes;
    return d;
}

} // namespace

static_assert(immutable::memory_policy<immutable::pooled_policy>);
static_assert(immutable::memory_policy<immutable::single_thread_pooled_policy>);
static_assert(immutable::memory_policy<immutable::counted<immutable::heap_policy>>);
static_assert(immutable::memory_policy<immutable::counted<immutable::pooled_policy>>);
static_assert(std::is_same_v<immutable::pooled_policy::refcount, immutable::detail::biased_refcount>);
static_assert(std::is_same_v<immutable::single_thread_pooled_policy::refcount,
                             immutable::detail::plain_refcount>);
static_assert(std::is_same_v<immutable::counted<immutable::single_thread_pooled_policy>::refcount,
                             immutable::detail::plain_refcount>);

// ---------------------------------------------------------------- size classes

TEST(pool_size_classes, cover_every_request_tightly_and_in_order) {
    std::size_t previous = 0;
    for (std::size_t bytes = 1; bytes <= pool::max_pooled_bytes; ++bytes) {
        std::size_t cls = pool::class_of(bytes);
        ASSERT_LT(cls, pool::class_count);
        std::size_t size = pool::class_size(cls);
        ASSERT_GE(size, bytes);
        if (bytes <= pool::smallest_class) {
            ASSERT_EQ(size, pool::smallest_class);
        } else {
            ASSERT_LT(size - bytes, bytes <= pool::fine_limit ? pool::fine_step : pool::coarse_step);
        }
        // Blocks are max_align_t-aligned because each is its own upstream allocation
        // (pool_size_class_test checks every class); sizes keep the free links aligned.
        ASSERT_EQ(size % alignof(pool::free_block), 0u);
        ASSERT_GE(size, sizeof(pool::free_block));
        ASSERT_GE(cls, previous);
        previous = cls;
    }
    EXPECT_EQ(pool::class_of(0), 0u);
    EXPECT_EQ(pool::class_size(0), 16u);
    EXPECT_EQ(pool::class_size(pool::class_of(270)), 272u); // up to the next multiple of 8
    EXPECT_EQ(pool::class_size(pool::class_of(1030)), 1088u);
    EXPECT_EQ(pool::block_size(5000), 5000u);
}

TEST(pool_size_classes, batches_are_capped_by_blocks_and_bytes) {
    EXPECT_EQ(pool::batch_size(pool::class_of(16), 32, 4096), 32u);
    EXPECT_EQ(pool::batch_size(pool::class_of(1024), 32, 4096), 4u);
    EXPECT_EQ(pool::batch_size(pool::class_of(4096), 32, 4096), 2u); // never under 2 ...
    EXPECT_EQ(pool::batch_size(pool::class_of(4096), 1, 4096), 1u);  // ... unless asked
    EXPECT_EQ(pool::batch_size(pool::class_of(64), 0, 4096), 1u);
}

TEST(node_pool, blocks_are_aligned_and_fully_usable_in_every_class) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    std::vector<std::pair<void*, std::size_t>> blocks;
    for (std::size_t bytes = 1; bytes <= pool::max_pooled_bytes + 100; bytes += 13) {
        void* b = p.allocate(bytes);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % alignof(std::max_align_t), 0u);
        fill(b, bytes, static_cast<std::uint32_t>(bytes));
        blocks.emplace_back(b, bytes);
    }
    for (auto [b, bytes] : blocks) {
        EXPECT_TRUE(intact(b, bytes, static_cast<std::uint32_t>(bytes)));
        p.deallocate(b, bytes);
    }
    EXPECT_EQ(p.stats().live_nodes, 0);
    p.trim();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

TEST(node_pool, zero_byte_requests_get_a_distinct_block) {
    node_pool p;
    void* a = p.allocate(0);
    void* b = p.allocate(0);
    EXPECT_NE(a, b);
    p.deallocate(a, 0);
    p.deallocate(b, 0);
    EXPECT_EQ(p.stats().live_nodes, 0);
}

// ---------------------------------------------------------------- reuse and stats

TEST(node_pool, reuses_a_freed_block_for_any_request_of_its_class) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    void* a = p.allocate(64);
    p.deallocate(a, 64);
    void* b = p.allocate(57); // same 64-byte class (57 to 64 bytes)
    EXPECT_EQ(a, b);
    void* c = p.allocate(80); // another class: fresh block
    EXPECT_NE(c, a);
    EXPECT_EQ(upstream.calls(), 2);
    memory_stats s = p.stats();
    EXPECT_EQ(s.allocations, 3);
    EXPECT_EQ(s.reuses, 1);
    p.deallocate(b, 57);
    p.deallocate(c, 80);
}

TEST(node_pool, stats_are_exact) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    EXPECT_EQ(p.stats(), memory_stats{});

    std::vector<void*> blocks;
    for (int i = 0; i < 10; ++i) blocks.push_back(p.allocate(41)); // class 48 (41 to 48 bytes)
    memory_stats s = p.stats();
    EXPECT_EQ(s.allocations, 10);
    EXPECT_EQ(s.deallocations, 0);
    EXPECT_EQ(s.reuses, 0);
    EXPECT_EQ(s.live_nodes, 10);
    EXPECT_EQ(s.live_bytes, 410);
    EXPECT_EQ(s.held_bytes, 0);

    for (void* b : blocks) p.deallocate(b, 41);
    s = p.stats();
    EXPECT_EQ(s.deallocations, 10);
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(s.live_bytes, 0);
    EXPECT_EQ(s.held_bytes, 10 * 48);
    EXPECT_EQ(s.shared_held_bytes, 0); // 10 < one batch: all in this thread's cache

    blocks.clear();
    for (int i = 0; i < 10; ++i) blocks.push_back(p.allocate(48));
    s = p.stats();
    EXPECT_EQ(s.allocations, 20);
    EXPECT_EQ(s.reuses, 10);
    EXPECT_EQ(s.held_bytes, 0);
    EXPECT_EQ(upstream.calls(), 10);
    for (void* b : blocks) p.deallocate(b, 48);
    EXPECT_EQ(upstream.outstanding_bytes(), p.stats().held_bytes);
}

TEST(node_pool, full_batches_move_to_the_shared_pool) {
    counting_resource upstream;
    node_pool p(pool_limits{.batch_blocks = 8, .batch_bytes = 4096, .shared_bytes = 1 << 20}, &upstream);
    std::vector<void*> blocks;
    for (int i = 0; i < 100; ++i) blocks.push_back(p.allocate(32));
    for (void* b : blocks) p.deallocate(b, 32);
    memory_stats s = p.stats();
    // After the first 8 frees, every 8 more rotate active into spare and the old spare
    // (a full batch) into the shared pool: 100 frees leave 4 active, 8 spare, 88 shared.
    EXPECT_EQ(s.held_bytes, 100 * 32);
    EXPECT_EQ(s.shared_held_bytes, 88 * 32);
    EXPECT_EQ(s.held_bytes - s.shared_held_bytes, (4 + 8) * 32);
    blocks.clear();
    for (int i = 0; i < 100; ++i) blocks.push_back(p.allocate(32));
    EXPECT_EQ(p.stats().reuses, 100);
    EXPECT_EQ(p.stats().held_bytes, 0);
    for (void* b : blocks) p.deallocate(b, 32);
}

// ---------------------------------------------------------------- trim and caps

TEST(node_pool, trim_returns_every_cached_byte_upstream) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    std::vector<std::pair<void*, std::size_t>> blocks;
    for (std::size_t i = 0; i < 3000; ++i) {
        std::size_t bytes = 16 + (i * 37) % 2000;
        blocks.emplace_back(p.allocate(bytes), bytes);
    }
    void* kept = p.allocate(200);
    for (auto [b, bytes] : blocks) p.deallocate(b, bytes);
    memory_stats s = p.stats();
    EXPECT_GT(s.held_bytes, 0);
    EXPECT_GT(s.shared_held_bytes, 0);
    EXPECT_EQ(upstream.outstanding_bytes(), s.held_bytes + block_bytes(200));

    p.trim();
    s = p.stats();
    EXPECT_EQ(s.held_bytes, 0);
    EXPECT_EQ(s.shared_held_bytes, 0);
    EXPECT_EQ(upstream.outstanding_bytes(), block_bytes(200));
    EXPECT_EQ(s.live_nodes, 1);

    p.deallocate(kept, 200);
    p.trim();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
    EXPECT_EQ(upstream.outstanding_blocks(), 0);
}

TEST(node_pool, retention_caps_are_respected) {
    counting_resource upstream;
    const pool_limits limits{.batch_blocks = 4, .batch_bytes = 4096, .shared_bytes = 1024};
    node_pool p(limits, &upstream);
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; ++i) blocks.push_back(p.allocate(64));
    std::int64_t peak_shared = 0;
    std::int64_t peak_thread = 0;
    for (void* b : blocks) {
        p.deallocate(b, 64);
        memory_stats s = p.stats();
        peak_shared = std::max(peak_shared, s.shared_held_bytes);
        peak_thread = std::max(peak_thread, s.held_bytes - s.shared_held_bytes);
    }
    EXPECT_EQ(peak_shared, 1024);         // four batches of 4 x 64 bytes, then no more
    EXPECT_EQ(peak_thread, 2 * 4 * 64);   // two batches in the thread's cache
    memory_stats s = p.stats();
    EXPECT_EQ(upstream.outstanding_bytes(), s.held_bytes);
    EXPECT_LE(s.held_bytes, 1024 + 2 * 4 * 64);
}

TEST(node_pool, batch_bytes_limit_big_classes) {
    counting_resource upstream;
    node_pool p(pool_limits{.batch_blocks = 32, .batch_bytes = 2048, .shared_bytes = 0}, &upstream);
    std::vector<void*> blocks;
    for (int i = 0; i < 50; ++i) blocks.push_back(p.allocate(1024));
    for (void* b : blocks) p.deallocate(b, 1024);
    memory_stats s = p.stats();
    EXPECT_EQ(s.shared_held_bytes, 0);  // shared_bytes = 0 keeps nothing shared
    EXPECT_EQ(s.held_bytes, 4 * 1024);  // 2 batches of 2 blocks
    EXPECT_EQ(upstream.outstanding_bytes(), 4 * 1024);
}

TEST(node_pool, large_requests_bypass_the_pool) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    void* big = p.allocate(node_pool::max_pooled_bytes + 1);
    EXPECT_EQ(upstream.last_request(), static_cast<std::int64_t>(node_pool::max_pooled_bytes + 1));
    fill(big, node_pool::max_pooled_bytes + 1, 3);
    EXPECT_TRUE(intact(big, node_pool::max_pooled_bytes + 1, 3));
    p.deallocate(big, node_pool::max_pooled_bytes + 1);
    EXPECT_EQ(upstream.outstanding_bytes(), 0); // straight back, nothing held
    void* again = p.allocate(node_pool::max_pooled_bytes + 1);
    memory_stats s = p.stats();
    EXPECT_EQ(s.allocations, 2);
    EXPECT_EQ(s.reuses, 0);
    EXPECT_EQ(s.held_bytes, 0);
    EXPECT_EQ(upstream.calls(), 2);
    p.deallocate(again, node_pool::max_pooled_bytes + 1);
}

TEST(node_pool, upstream_failure_propagates_and_counts_nothing) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    upstream.fail(true);
    EXPECT_THROW((void)p.allocate(64), std::bad_alloc);
    EXPECT_THROW((void)p.allocate(100000), std::bad_alloc);
    EXPECT_EQ(p.stats().allocations, 0);
    upstream.fail(false);
    void* b = p.allocate(64);
    p.deallocate(b, 64);
    upstream.fail(true);
    void* reused = p.allocate(64); // served from the cache: upstream is not asked
    EXPECT_EQ(reused, b);
    p.deallocate(reused, 64);
    upstream.fail(false);
}

// ---------------------------------------------------------------- instances

TEST(node_pool, instances_are_independent) {
    counting_resource up_a, up_b;
    node_pool a({}, &up_a);
    node_pool b({}, &up_b);
    void* from_a = a.allocate(100);
    a.deallocate(from_a, 100);
    EXPECT_EQ(b.stats(), memory_stats{});
    void* from_b = b.allocate(100);
    EXPECT_NE(from_b, from_a); // b does not see a's free block
    EXPECT_EQ(up_b.calls(), 1);
    EXPECT_EQ(a.stats().held_bytes, 104); // 100 bytes take the 104-byte class
    EXPECT_EQ(b.stats().held_bytes, 0);
    b.deallocate(from_b, 100);
    a.trim();
    EXPECT_EQ(up_a.outstanding_bytes(), 0);
    EXPECT_EQ(up_b.outstanding_bytes(), 104); // trimming a leaves b alone
    EXPECT_EQ(a.upstream(), &up_a);
}

TEST(node_pool, alternating_between_many_pools_keeps_each_cache) {
    counting_resource upstream;
    std::vector<std::unique_ptr<node_pool>> pools;
    for (int i = 0; i < 5; ++i) pools.push_back(std::make_unique<node_pool>(pool_limits{}, &upstream));
    for (int round = 0; round < 3; ++round) {
        for (auto& p : pools) {
            void* b = p->allocate(24);
            p->deallocate(b, 24);
        }
    }
    for (auto& p : pools) {
        EXPECT_EQ(p->stats().allocations, 3);
        EXPECT_EQ(p->stats().reuses, 2);
    }
    pools.erase(pools.begin() + 1, pools.begin() + 3); // destroyed pools drop their caches
    auto fresh = std::make_unique<node_pool>(pool_limits{}, &upstream);
    void* b = fresh->allocate(24);
    fresh->deallocate(b, 24);
    EXPECT_EQ(fresh->stats().allocations, 1);
    pools.clear();
    fresh.reset();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

TEST(node_pool, destroying_a_pool_returns_other_threads_cached_blocks) {
    counting_resource upstream;
    auto p = std::make_unique<node_pool>(pool_limits{}, &upstream);
    std::mutex m;
    std::condition_variable cv;
    int stage = 0;
    std::thread user([&] {
        std::vector<void*> blocks;
        for (int i = 0; i < 10; ++i) blocks.push_back(p->allocate(48));
        for (void* b : blocks) p->deallocate(b, 48); // stays in this thread's cache
        std::unique_lock<std::mutex> lock(m);
        stage = 1;
        cv.notify_all();
        cv.wait(lock, [&] { return stage == 2; }); // alive while the pool dies
    });
    {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return stage == 1; });
    }
    EXPECT_EQ(upstream.outstanding_bytes(), 480);
    EXPECT_EQ(p->stats().held_bytes, 480);
    p.reset();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
    {
        std::lock_guard<std::mutex> lock(m);
        stage = 2;
    }
    cv.notify_all();
    user.join(); // its exit finds the cache already retired: no touch of the dead pool
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

// ---------------------------------------------------------------- threads

TEST(node_pool, blocks_freed_on_another_thread_come_back) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    std::vector<void*> blocks;
    for (int i = 0; i < 640; ++i) {
        blocks.push_back(p.allocate(96));
        fill(blocks.back(), 96, static_cast<std::uint32_t>(i));
    }
    std::thread consumer([&] {
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            EXPECT_TRUE(intact(blocks[i], 96, static_cast<std::uint32_t>(i)));
            p.deallocate(blocks[i], 96);
        }
    });
    consumer.join();
    memory_stats s = p.stats();
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(s.deallocations, 640);
    // The consumer's exit moved its full batches to the shared pool; nothing is lost.
    EXPECT_EQ(s.held_bytes, s.shared_held_bytes);
    EXPECT_EQ(upstream.outstanding_bytes(), s.held_bytes);
    EXPECT_GT(s.shared_held_bytes, 0);
    std::int64_t calls = upstream.calls();
    blocks.clear();
    for (int i = 0; i < 320; ++i) blocks.push_back(p.allocate(96));
    EXPECT_EQ(upstream.calls(), calls); // all served by batches the consumer left
    EXPECT_EQ(p.stats().reuses, 320);
    for (void* b : blocks) p.deallocate(b, 96);
}

TEST(pooled_policy, cross_thread_free_and_thread_exit) {
    struct tag {};
    using policy = immutable::basic_pooled_policy<tag>;
    std::vector<void*> blocks;
    std::thread producer([&] {
        for (int i = 0; i < 500; ++i) blocks.push_back(policy::allocate(200));
    });
    producer.join();
    for (void* b : blocks) policy::deallocate(b, 200);
    memory_stats s = policy::stats();
    EXPECT_EQ(s.allocations, 500);
    EXPECT_EQ(s.deallocations, 500);
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(s.live_bytes, 0);
    policy::trim();
    EXPECT_EQ(policy::stats().held_bytes, 0);
}

namespace {
struct small_pool_tag { // local classes cannot carry the static member
    static constexpr pool_limits limits{.batch_blocks = 2, .batch_bytes = 4096, .shared_bytes = 0};
};
} // namespace

TEST(pooled_policy, tags_get_separate_pools_and_their_limits) {
    struct tag_a {};
    using tag_b = small_pool_tag;
    using a = immutable::basic_pooled_policy<tag_a>;
    using b = immutable::basic_pooled_policy<tag_b>;
    EXPECT_NE(&a::pool(), &b::pool());
    EXPECT_EQ(b::pool().limits().batch_blocks, 2u);
    std::vector<void*> blocks;
    for (int i = 0; i < 100; ++i) blocks.push_back(b::allocate(16));
    for (void* p : blocks) b::deallocate(p, 16);
    EXPECT_EQ(b::stats().held_bytes, 4 * 16); // 2 batches of 2; nothing shared
    EXPECT_EQ(a::stats(), memory_stats{});
    b::trim();
    EXPECT_EQ(b::stats().held_bytes, 0);
}

// A thread_local built before the pool is first used is destroyed after the pool's
// thread-exit cleanup: its frees must go straight upstream, and still be counted.
namespace {
template <class Free>
struct late_free {
    Free free;
    void* block = nullptr;
    ~late_free() {
        if (block != nullptr) free(block);
    }
};
} // namespace

TEST(pooled_policy, frees_after_thread_exit_cleanup_are_safe_and_counted) {
    struct tag {};
    using policy = immutable::basic_pooled_policy<tag>;
    std::thread t([] {
        auto release = [](void* p) { policy::deallocate(p, 64); };
        thread_local late_free<decltype(release)> holder{release};
        holder.block = policy::allocate(64); // binds the cache after holder exists
        void* extra = policy::allocate(64);
        policy::deallocate(extra, 64);
    });
    t.join();
    memory_stats s = policy::stats();
    EXPECT_EQ(s.allocations, 2);
    EXPECT_EQ(s.deallocations, 2);
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(s.live_bytes, 0);
}

TEST(node_pool, frees_after_thread_exit_cleanup_are_safe_and_counted) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    std::thread t([&p] {
        auto release = [&p](void* b) { p.deallocate(b, 64); };
        thread_local late_free<decltype(release)> holder{release};
        holder.block = p.allocate(64);
    });
    t.join();
    EXPECT_EQ(p.stats().live_nodes, 0);
    EXPECT_EQ(p.stats().deallocations, 1);
    p.trim();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

TEST(single_thread_pooled_policy, frees_after_thread_exit_cleanup_are_safe) {
    using policy = immutable::single_thread_pooled_policy;
    memory_stats seen;
    std::thread t([&seen] {
        auto release = [](void* b) { policy::deallocate(b, 64); };
        thread_local late_free<decltype(release)> holder{release};
        holder.block = policy::allocate(64);
        void* extra = policy::allocate(64);
        policy::deallocate(extra, 64);
        seen = policy::stats();
    });
    t.join();
    EXPECT_EQ(seen.allocations, 2);
    EXPECT_EQ(seen.live_nodes, 1);
}

// Allocations from such a late destructor go straight upstream too, and are counted.
namespace {
template <class Allocate, class Free>
struct late_allocation {
    Allocate allocate;
    Free free;
    bool armed = false;
    void** seen = nullptr;
    ~late_allocation() {
        if (!armed) return;
        void* block = allocate();
        *seen = block;
        std::memset(block, 0xab, 64); // the block is usable
        free(block);
    }
};
} // namespace

TEST(pooled_policy, allocations_after_thread_exit_cleanup_go_upstream_and_are_counted) {
    struct tag {};
    using policy = immutable::basic_pooled_policy<tag>;
    void* seen = nullptr;
    std::thread t([&seen] {
        auto take = [] { return policy::allocate(64); };
        auto release = [](void* p) { policy::deallocate(p, 64); };
        thread_local late_allocation<decltype(take), decltype(release)> late{take, release};
        late.armed = true;
        late.seen = &seen;
        policy::deallocate(policy::allocate(64), 64); // binds the cache after `late` exists
    });
    t.join();
    EXPECT_NE(seen, nullptr);
    memory_stats s = policy::stats();
    EXPECT_EQ(s.allocations, 2);
    EXPECT_EQ(s.deallocations, 2);
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(s.live_bytes, 0);
}

TEST(node_pool, allocations_after_thread_exit_cleanup_go_upstream_and_are_counted) {
    counting_resource upstream;
    node_pool p({}, &upstream);
    void* seen = nullptr;
    std::thread t([&p, &seen] {
        auto take = [&p] { return p.allocate(64); };
        auto release = [&p](void* b) { p.deallocate(b, 64); };
        thread_local late_allocation<decltype(take), decltype(release)> late{take, release};
        late.armed = true;
        late.seen = &seen;
        p.deallocate(p.allocate(64), 64);
    });
    t.join();
    EXPECT_NE(seen, nullptr);
    EXPECT_EQ(p.stats().allocations, 2);
    EXPECT_EQ(p.stats().deallocations, 2);
    EXPECT_EQ(p.stats().live_nodes, 0);
    p.trim();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

TEST(single_thread_pooled_policy, allocations_after_thread_exit_cleanup_are_counted) {
    using policy = immutable::single_thread_pooled_policy;
    void* seen = nullptr;
    memory_stats after;
    std::thread t([&seen, &after] {
        auto take = [] { return policy::allocate(64); };
        auto release = [&after](void* b) {
            policy::deallocate(b, 64);
            after = policy::stats();
        };
        thread_local late_allocation<decltype(take), decltype(release)> late{take, release};
        late.armed = true;
        late.seen = &seen;
        policy::deallocate(policy::allocate(64), 64);
    });
    t.join();
    EXPECT_NE(seen, nullptr);
    EXPECT_EQ(after.allocations, 2);
    EXPECT_EQ(after.deallocations, 2);
    EXPECT_EQ(after.live_nodes, 0);
}

// ---------------------------------------------------------------- single-thread policy

TEST(single_thread_pooled_policy, reuses_counts_and_trims_per_thread) {
    using policy = immutable::single_thread_pooled_policy;
    policy::trim();
    memory_stats before = policy::stats();
    void* a = policy::allocate(120);
    policy::deallocate(a, 120);
    void* b = policy::allocate(120);
    EXPECT_EQ(a, b);
    std::vector<void*> blocks;
    for (int i = 0; i < 300; ++i) blocks.push_back(policy::allocate(700));
    for (void* p : blocks) policy::deallocate(p, 700);
    memory_stats d = delta(policy::stats(), before);
    EXPECT_EQ(d.allocations, 302);
    EXPECT_EQ(d.reuses, 1);
    EXPECT_EQ(d.live_nodes, 1);
    EXPECT_EQ(d.live_bytes, 120);
    EXPECT_EQ(d.held_bytes, 300 * 704);
    EXPECT_GT(d.shared_held_bytes, 0); // the thread's reserve
    std::thread other([] { EXPECT_EQ(policy::stats(), memory_stats{}); }); // per thread
    other.join();
    policy::trim();
    EXPECT_EQ(policy::stats().held_bytes, 0);
    policy::deallocate(b, 120);
}

// The thread's reserve of full batches stops at 16 MiB: batches freed beyond it go back
// upstream at once.
TEST(single_thread_pooled_policy, reserve_is_capped_and_the_rest_goes_upstream) {
    using policy = immutable::single_thread_pooled_policy;
    std::thread t([] {
        constexpr std::size_t block = 64;
        constexpr std::size_t count = (std::size_t{24} << 20) / block; // 24 MiB of blocks
        std::vector<void*> blocks(count);
        for (void*& p : blocks) p = policy::allocate(block);
        for (void* p : blocks) policy::deallocate(p, block);
        const memory_stats s = policy::stats();
        EXPECT_EQ(s.live_nodes, 0);
        EXPECT_EQ(s.deallocations, static_cast<std::int64_t>(count));
        EXPECT_LE(s.shared_held_bytes, std::int64_t{16} << 20); // the reserve
        EXPECT_LT(s.held_bytes, std::int64_t{20} << 20);        // not all 24 MiB are kept
        policy::trim();
        EXPECT_EQ(policy::stats().held_bytes, 0);
    });
    t.join();
}

// A thread whose first use of its pool is a free (of a block another thread allocated)
// sets the pool up then, and keeps the block for its own next allocation.
TEST(single_thread_pooled_policy, a_free_before_any_allocation_sets_the_pool_up) {
    using policy = immutable::single_thread_pooled_policy;
    void* block = policy::allocate(64);
    memory_stats seen;
    void* reused = nullptr;
    std::thread t([&] {
        policy::deallocate(block, 64);
        reused = policy::allocate(64);
        seen = policy::stats();
        policy::deallocate(reused, 64);
        policy::trim();
    });
    t.join();
    EXPECT_EQ(reused, block);
    EXPECT_EQ(seen.deallocations, 1);
    EXPECT_EQ(seen.allocations, 1);
    EXPECT_EQ(seen.reuses, 1);
}

// ---------------------------------------------------------------- counted<>, static instance

namespace {
immutable::node_pool static_pool;
counting_resource failing_upstream;
immutable::node_pool failing_pool{{}, &failing_upstream};
} // namespace

TEST(counted, tracks_live_nodes_over_any_policy) {
    struct tag {};
    using policy = immutable::counted<immutable::node_pool_policy<static_pool>, tag>;
    static_assert(immutable::memory_policy<policy>);
    std::vector<void*> blocks;
    for (int i = 0; i < 10; ++i) blocks.push_back(policy::allocate(8 * static_cast<std::size_t>(i + 1)));
    EXPECT_EQ(policy::live_nodes(), 10);
    EXPECT_EQ(policy::live_bytes(), 8 * 55);
    for (int i = 0; i < 10; ++i) policy::deallocate(blocks[static_cast<std::size_t>(i)], 8 * static_cast<std::size_t>(i + 1));
    EXPECT_EQ(policy::live_nodes(), 0);
    EXPECT_EQ(policy::live_bytes(), 0);
    memory_stats s = policy::stats();
    EXPECT_EQ(s.allocations, 10);
    EXPECT_EQ(s.deallocations, 10);
    EXPECT_EQ(static_pool.stats().allocations, 10);
    EXPECT_EQ(immutable::node_pool_policy<static_pool>::stats().live_nodes, 0);
}

TEST(counted, a_failed_allocation_counts_nothing) {
    struct tag {};
    using policy = immutable::counted<immutable::node_pool_policy<failing_pool>, tag>;
    failing_upstream.fail(true);
    EXPECT_THROW((void)policy::allocate(64), std::bad_alloc);
    failing_upstream.fail(false);
    EXPECT_EQ(policy::stats(), memory_stats{});
}

TEST(counted, separate_tags_count_separately) {
    struct one {};
    struct two {};
    using p1 = immutable::counted<immutable::heap_policy, one>;
    using p2 = immutable::counted<immutable::single_thread_pooled_policy, two>;
    void* a = p1::allocate(10);
    EXPECT_EQ(p1::live_nodes(), 1);
    EXPECT_EQ(p2::live_nodes(), 0);
    p1::deallocate(a, 10);
    EXPECT_EQ(p1::live_nodes(), 0);
}

TEST(pool_trim, empties_every_pool_for_the_calling_thread) {
    struct tag {};
    using policy = immutable::basic_pooled_policy<tag>;
    counting_resource upstream;
    node_pool p({}, &upstream);
    void* a = policy::allocate(64);
    void* b = p.allocate(64);
    void* c = immutable::single_thread_pooled_policy::allocate(64);
    policy::deallocate(a, 64);
    p.deallocate(b, 64);
    immutable::single_thread_pooled_policy::deallocate(c, 64);
    EXPECT_GT(policy::stats().held_bytes, 0);
    immutable::pool_trim();
    EXPECT_EQ(policy::stats().held_bytes, 0);
    EXPECT_EQ(p.stats().held_bytes, 0);
    EXPECT_EQ(immutable::single_thread_pooled_policy::stats().held_bytes, 0);
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

#if defined(IMMUTABLE_POOL_ASAN)
TEST(node_pool_death, a_pooled_block_is_poisoned_after_free_under_asan) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            node_pool p;
            auto* b = static_cast<char*>(p.allocate(64));
            p.deallocate(b, 64);
            b[40] = 1; // use after free: the pool still holds the memory
        },
        "use-after-poison");
}
#endif

// ---------------------------------------------------------------- model-based

// Random alloc/free sequences of random sizes against a model of the live blocks: every
// block keeps its pattern (no block handed out twice), and after every step the counts
// are exact and upstream outstanding == live block bytes + held bytes.
RC_GTEST_PROP(node_pool_model, random_sequences_keep_blocks_distinct_and_counts_exact, ()) {
    counting_resource upstream;
    const pool_limits limits{.batch_blocks = *rc::gen::inRange<std::size_t>(1, 40),
                             .batch_bytes = *rc::gen::inRange<std::size_t>(64, 8192),
                             .shared_bytes = *rc::gen::inRange<std::size_t>(0, 64 * 1024)};
    node_pool p(limits, &upstream);
    struct live_block {
        void* p;
        std::size_t bytes;
        std::uint32_t seed;
    };
    std::vector<live_block> live;
    std::int64_t allocations = 0, live_bytes = 0, block_total = 0;
    std::uint32_t next_seed = 1;
    const int steps = *rc::gen::inRange(1, 400);
    for (int step = 0; step < steps; ++step) {
        int op = *rc::gen::inRange(0, 10);
        if (op < 6 || live.empty()) {
            std::size_t bytes = *rc::gen::oneOf(rc::gen::inRange<std::size_t>(0, 300),
                                                rc::gen::inRange<std::size_t>(0, 4200),
                                                rc::gen::element<std::size_t>(16, 48, 272));
            void* b = p.allocate(bytes);
            fill(b, bytes, next_seed);
            live.push_back({b, bytes, next_seed++});
            ++allocations;
            live_bytes += static_cast<std::int64_t>(bytes);
            block_total += block_bytes(bytes);
        } else if (op < 9) {
            std::size_t i = *rc::gen::inRange<std::size_t>(0, live.size());
            live_block blk = live[i];
            RC_ASSERT(intact(blk.p, blk.bytes, blk.seed));
            p.deallocate(blk.p, blk.bytes);
            live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
            live_bytes -= static_cast<std::int64_t>(blk.bytes);
            block_total -= block_bytes(blk.bytes);
        } else {
            p.trim();
            RC_ASSERT(p.stats().held_bytes == 0);
        }
        memory_stats s = p.stats();
        RC_ASSERT(s.allocations == allocations);
        RC_ASSERT(s.live_nodes == static_cast<std::int64_t>(live.size()));
        RC_ASSERT(s.live_bytes == live_bytes);
        RC_ASSERT(s.reuses <= s.allocations);
        RC_ASSERT(s.shared_held_bytes <= static_cast<std::int64_t>(limits.shared_bytes));
        RC_ASSERT(upstream.outstanding_bytes() == block_total + s.held_bytes);
    }
    for (const live_block& blk : live) {
        RC_ASSERT(intact(blk.p, blk.bytes, blk.seed));
        p.deallocate(blk.p, blk.bytes);
    }
    p.trim();
    RC_ASSERT(upstream.outstanding_bytes() == 0);
}
