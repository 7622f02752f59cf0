// Pools under 8 threads (run under ThreadSanitizer by the tsan preset): blocks allocated
// on one thread and freed on another, random sizes, patterns written and verified so a
// block handed out twice while live is caught, and stats exact once the threads are done.
#include <gtest/gtest.h>

#include <immutable/memory.hpp>
#include <immutable/pool.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

using immutable::memory_stats;
using immutable::node_pool;

constexpr int thread_count = 8;

class counting_resource : public std::pmr::memory_resource {
public:
    std::int64_t outstanding_bytes() const { return bytes_.load(); }

private:
    void* do_allocate(std::size_t bytes, std::size_t) override {
        bytes_.fetch_add(static_cast<std::int64_t>(bytes));
        return ::operator new(bytes);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t) override {
        bytes_.fetch_sub(static_cast<std::int64_t>(bytes));
        ::operator delete(p);
    }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
    std::atomic<std::int64_t> bytes_{0};
};

struct block {
    void* p;
    std::size_t bytes;
    std::uint32_t seed;
};

void fill(const block& b) {
    auto* c = static_cast<unsigned char*>(b.p);
    for (std::size_t i = 0; i < b.bytes; ++i) c[i] = static_cast<unsigned char>(b.seed * 2654435761u + i);
}

bool intact(const block& b) {
    auto* c = static_cast<const unsigned char*>(b.p);
    for (std::size_t i = 0; i < b.bytes; ++i) {
        if (c[i] != static_cast<unsigned char>(b.seed * 2654435761u + i)) return false;
    }
    return true;
}

// Every live block's address, sharded: inserting an address already live means the pool
// handed out the same memory twice.
class live_set {
public:
    bool insert(void* p) {
        shard& s = shard_of(p);
        std::lock_guard<std::mutex> g(s.lock);
        return s.set.insert(p).second;
    }
    bool erase(void* p) {
        shard& s = shard_of(p);
        std::lock_guard<std::mutex> g(s.lock);
        return s.set.erase(p) == 1;
    }

private:
    struct shard {
        std::mutex lock;
        std::unordered_set<void*> set;
    };
    shard& shard_of(void* p) { return shards_[(reinterpret_cast<std::uintptr_t>(p) >> 4) % shards_.size()]; }
    std::array<shard, 64> shards_;
};

// An unbounded mailbox between two threads.
class mailbox {
public:
    void send(std::vector<block>& batch) {
        {
            std::lock_guard<std::mutex> g(lock_);
            items_.insert(items_.end(), batch.begin(), batch.end());
        }
        batch.clear();
        ready_.notify_one();
    }
    // Moves everything waiting into `out`; blocks until something arrives when `wait`.
    void receive(std::vector<block>& out, bool wait) {
        std::unique_lock<std::mutex> g(lock_);
        if (wait) ready_.wait(g, [&] { return !items_.empty(); });
        out.insert(out.end(), items_.begin(), items_.end());
        items_.clear();
    }

private:
    std::mutex lock_;
    std::condition_variable ready_;
    std::vector<block> items_;
};

std::size_t random_size(std::mt19937& rng) {
    std::uint32_t r = rng() % 100;
    if (r < 70) return 16 + rng() % 320;      // typical nodes
    if (r < 95) return rng() % 4097;          // any pooled class, including 0
    return 4097 + rng() % 4000;               // bigger than any class: upstream
}

struct totals {
    std::atomic<std::int64_t> allocations{0};
    std::atomic<std::int64_t> failures{0};
};

// Each thread allocates `per_thread` blocks for its successor in a ring (sending them in
// small batches), frees what its predecessor sends, and also allocates and frees some
// blocks itself. Allocate / Free are the pool under test.
template <class Allocate, class Free>
void run_ring(Allocate allocate, Free free, int per_thread, totals& t) {
    live_set live;
    std::array<mailbox, thread_count> boxes;
    std::atomic<std::uint32_t> next_seed{1};
    auto release = [&](const block& b) {
        if (!intact(b) || !live.erase(b.p)) t.failures.fetch_add(1);
        free(b.p, b.bytes);
    };
    auto make = [&](std::mt19937& rng) {
        block b{nullptr, random_size(rng), next_seed.fetch_add(1, std::memory_order_relaxed)};
        b.p = allocate(b.bytes);
        t.allocations.fetch_add(1, std::memory_order_relaxed);
        if (!live.insert(b.p)) t.failures.fetch_add(1);
        fill(b);
        return b;
    };

    std::vector<std::thread> threads;
    for (int id = 0; id < thread_count; ++id) {
        threads.emplace_back([&, id] {
            std::mt19937 rng(static_cast<std::uint32_t>(id) * 7919u + 17u);
            std::vector<block> outgoing, incoming, own;
            int produced = 0, consumed = 0;
            while (produced < per_thread || consumed < per_thread) {
                if (produced < per_thread) {
                    int chunk = std::min(per_thread - produced, 1 + static_cast<int>(rng() % 24));
                    for (int i = 0; i < chunk; ++i) outgoing.push_back(make(rng));
                    produced += chunk;
                    boxes[static_cast<std::size_t>((id + 1) % thread_count)].send(outgoing);
                    // Some blocks live and die on this thread, with varied lifetimes.
                    if (rng() % 2 == 0) own.push_back(make(rng));
                    while (own.size() > 32 || (!own.empty() && rng() % 3 == 0)) {
                        std::size_t i = rng() % own.size();
                        release(own[i]);
                        own[i] = own.back();
                        own.pop_back();
                    }
                }
                bool idle = produced == per_thread;
                boxes[static_cast<std::size_t>(id)].receive(incoming, idle && consumed < per_thread);
                for (const block& b : incoming) release(b);
                consumed += static_cast<int>(incoming.size());
                incoming.clear();
            }
            for (const block& b : own) release(b);
        });
    }
    for (std::thread& th : threads) th.join();
}

} // namespace

TEST(pool_concurrency, node_pool_ring_handoff_keeps_blocks_distinct_and_stats_exact) {
    counting_resource upstream;
    node_pool pool({}, &upstream);
    totals t;
    run_ring([&](std::size_t n) { return pool.allocate(n); },
             [&](void* p, std::size_t n) { pool.deallocate(p, n); }, 4000, t);
    EXPECT_EQ(t.failures.load(), 0);
    memory_stats s = pool.stats();
    EXPECT_EQ(s.allocations, t.allocations.load());
    EXPECT_EQ(s.deallocations, t.allocations.load());
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(s.live_bytes, 0);
    EXPECT_GT(s.reuses, s.allocations / 2); // cross-thread frees came back as reuses
    // Every worker has exited: what is held sits in the shared pool, and it is exactly
    // what upstream has outstanding.
    EXPECT_EQ(s.held_bytes, s.shared_held_bytes);
    EXPECT_EQ(upstream.outstanding_bytes(), s.held_bytes);
    pool.trim();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

TEST(pool_concurrency, pooled_policy_ring_handoff_keeps_blocks_distinct_and_stats_exact) {
    struct tag {};
    using policy = immutable::basic_pooled_policy<tag>;
    totals t;
    run_ring([](std::size_t n) { return policy::allocate(n); },
             [](void* p, std::size_t n) { policy::deallocate(p, n); }, 4000, t);
    EXPECT_EQ(t.failures.load(), 0);
    memory_stats s = policy::stats();
    EXPECT_EQ(s.allocations, t.allocations.load());
    EXPECT_EQ(s.deallocations, t.allocations.load());
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(s.live_bytes, 0);
    EXPECT_EQ(s.held_bytes, s.shared_held_bytes);
    policy::trim();
    EXPECT_EQ(policy::stats().held_bytes, 0);
}

TEST(pool_concurrency, counted_pooled_policy_sees_every_node_freed) {
    struct tag {};
    using policy = immutable::counted<immutable::basic_pooled_policy<tag>, tag>;
    totals t;
    run_ring([](std::size_t n) { return policy::allocate(n); },
             [](void* p, std::size_t n) { policy::deallocate(p, n); }, 1000, t);
    EXPECT_EQ(t.failures.load(), 0);
    EXPECT_EQ(policy::stats().allocations, t.allocations.load());
    EXPECT_EQ(policy::live_nodes(), 0);
    EXPECT_EQ(policy::live_bytes(), 0);
}

// Threads that live briefly, bind caches, hand blocks to the next generation and exit
// while others are exchanging batches: binding and retiring race with the hot paths.
TEST(pool_concurrency, short_lived_threads_hand_blocks_to_the_next_generation) {
    counting_resource upstream;
    node_pool pool(immutable::pool_limits{.batch_blocks = 8, .batch_bytes = 1024, .shared_bytes = 64 * 1024},
                   &upstream);
    std::mutex lock;
    std::vector<block> inherited;
    std::atomic<int> failures{0};
    std::atomic<std::int64_t> allocations{0};
    std::atomic<std::uint32_t> next_seed{1};
    for (int generation = 0; generation < 6; ++generation) {
        std::vector<std::thread> threads;
        for (int id = 0; id < thread_count; ++id) {
            threads.emplace_back([&, id] {
                std::mt19937 rng(static_cast<std::uint32_t>(generation * 100 + id));
                std::vector<block> mine;
                {
                    std::lock_guard<std::mutex> g(lock);
                    std::size_t take = std::min<std::size_t>(inherited.size(), 60);
                    mine.assign(inherited.end() - static_cast<std::ptrdiff_t>(take), inherited.end());
                    inherited.resize(inherited.size() - take);
                }
                for (const block& b : mine) {
                    if (!intact(b)) failures.fetch_add(1);
                    pool.deallocate(b.p, b.bytes);
                }
                mine.clear();
                for (int i = 0; i < 120; ++i) {
                    block b{nullptr, random_size(rng), next_seed.fetch_add(1)};
                    b.p = pool.allocate(b.bytes);
                    allocations.fetch_add(1);
                    fill(b);
                    mine.push_back(b);
                }
                std::lock_guard<std::mutex> g(lock);
                for (std::size_t i = 0; i < mine.size(); ++i) {
                    if (i % 2 == 0) {
                        inherited.push_back(mine[i]);
                    } else {
                        if (!intact(mine[i])) failures.fetch_add(1);
                        pool.deallocate(mine[i].p, mine[i].bytes);
                    }
                }
            });
        }
        for (std::thread& th : threads) th.join();
    }
    for (const block& b : inherited) {
        if (!intact(b)) failures.fetch_add(1);
        pool.deallocate(b.p, b.bytes);
    }
    EXPECT_EQ(failures.load(), 0);
    memory_stats s = pool.stats();
    EXPECT_EQ(s.allocations, allocations.load());
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_LE(s.shared_held_bytes, 64 * 1024);
    EXPECT_EQ(upstream.outstanding_bytes(), s.held_bytes);
    pool.trim();
    EXPECT_EQ(upstream.outstanding_bytes(), 0);
}

// stats() and trim() from other threads while 6 workers allocate and free: totals only
// grow between two reads, and trim never disturbs another thread's cache.
TEST(pool_concurrency, stats_and_trim_run_safely_beside_busy_threads) {
    counting_resource upstream;
    node_pool pool({}, &upstream);
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int id = 0; id < 6; ++id) {
        workers.emplace_back([&, id] {
            std::mt19937 rng(static_cast<std::uint32_t>(id + 1));
            std::vector<block> mine;
            for (int i = 0; i < 6000; ++i) {
                if (mine.size() < 200 && rng() % 3 != 0) {
                    block b{nullptr, 1 + rng() % 600, static_cast<std::uint32_t>(i)};
                    b.p = pool.allocate(b.bytes);
                    fill(b);
                    mine.push_back(b);
                } else if (!mine.empty()) {
                    std::size_t k = rng() % mine.size();
                    if (!intact(mine[k])) failures.fetch_add(1);
                    pool.deallocate(mine[k].p, mine[k].bytes);
                    mine[k] = mine.back();
                    mine.pop_back();
                }
            }
            for (const block& b : mine) pool.deallocate(b.p, b.bytes);
        });
    }
    std::thread reader([&] {
        std::int64_t last = 0;
        while (!stop.load()) {
            memory_stats s = pool.stats();
            if (s.allocations < last) failures.fetch_add(1);
            last = s.allocations;
            std::this_thread::yield();
        }
    });
    std::thread trimmer([&] {
        while (!stop.load()) {
            void* p = pool.allocate(64); // a cache of its own, too
            pool.deallocate(p, 64);
            pool.trim();
            std::this_thread::yield();
        }
    });
    for (std::thread& w : workers) w.join();
    stop.store(true);
    reader.join();
    trimmer.join();
    EXPECT_EQ(failures.load(), 0);
    memory_stats s = pool.stats();
    EXPECT_EQ(s.live_nodes, 0);
    EXPECT_EQ(upstream.outstanding_bytes(), s.held_bytes);
}

// The single-thread policy shares nothing between threads: 8 threads at once, each with
// exact per-thread counts.
TEST(pool_concurrency, single_thread_pools_are_private_to_each_thread) {
    using policy = immutable::single_thread_pooled_policy;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int id = 0; id < thread_count; ++id) {
        threads.emplace_back([&, id] {
            std::mt19937 rng(static_cast<std::uint32_t>(id));
            std::vector<block> mine;
            std::int64_t allocations = 0;
            for (int i = 0; i < 5000; ++i) {
                if (mine.size() < 300 && rng() % 2 == 0) {
                    block b{nullptr, random_size(rng), static_cast<std::uint32_t>(i)};
                    b.p = policy::allocate(b.bytes);
                    ++allocations;
                    fill(b);
                    mine.push_back(b);
                } else if (!mine.empty()) {
                    std::size_t k = rng() % mine.size();
                    if (!intact(mine[k])) failures.fetch_add(1);
                    policy::deallocate(mine[k].p, mine[k].bytes);
                    mine[k] = mine.back();
                    mine.pop_back();
                }
            }
            for (const block& b : mine) policy::deallocate(b.p, b.bytes);
            memory_stats s = policy::stats();
            if (s.allocations != allocations || s.live_nodes != 0 || s.live_bytes != 0) failures.fetch_add(1);
        });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
}
