#pragma once
// Pooled memory policies: nodes are recycled through per-thread caches of free blocks
// instead of going back to the heap on every free. docs/memory.md says when to use which.
//
//   immutable::list<int, immutable::pooled_policy> v;               // thread-safe
//   immutable::list<int, immutable::single_thread_pooled_policy> w; // one thread only
//
// What they cost and keep:
//  - allocate/deallocate of a block up to 4 KiB is, in the common case, a pop/push on a
//    free list owned by the calling thread: no lock, no atomic read-modify-write, no call.
//  - requests are rounded up to a size class (8-byte steps from 16 bytes to 1 KiB, so
//    node sizes, multiples of 8, are not rounded; 64-byte steps to 4 KiB); bigger ones go
//    straight to the upstream allocator.
//  - each thread keeps at most two batches per size class (a batch is 32 blocks, fewer
//    for big classes: about 4 KiB); the shared pool keeps up to pool_limits::shared_bytes
//    more. Beyond those caps freed blocks go back upstream. trim() returns cached memory.
//  - a block may be freed by any thread, not only the one that allocated it.
//  - when a thread exits, its full batches go to the shared pool and the rest upstream.
//  - accounting (memory_stats) costs two counter updates per call, plain loads and stores
//    on thread-owned memory (no locked instruction); define
//    IMMUTABLE_NO_ACCOUNTING (in every translation unit) to drop it.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <immutable/detail/pool/memory_resource.hpp>

#include <immutable/detail/config.hpp>
#include <immutable/detail/pool/shared_pool.hpp>
#include <immutable/detail/pool/size_class.hpp>
#include <immutable/detail/pool/thread_binding.hpp>
#include <immutable/detail/pool/thread_cache.hpp>
#include <immutable/detail/refcount.hpp>
#include <immutable/memory.hpp>

namespace immutable {

// How much a pool may keep. The defaults suit node-sized blocks; smaller numbers trade
// speed for memory.
struct pool_limits {
    // Blocks move between a thread's cache and the shared pool in batches of at most
    // batch_blocks blocks and (for big size classes) about batch_bytes bytes, never
    // fewer than 2 blocks unless batch_blocks says 1. A thread keeps <= 2 batches per class.
    std::size_t batch_blocks = detail::pool::default_batch_blocks;
    std::size_t batch_bytes = detail::pool::default_batch_bytes;
    // Free bytes the shared pool keeps; batches beyond this go back upstream.
    std::size_t shared_bytes = detail::pool::default_second_tier_bytes;
};

// A thread-safe pool of node-sized blocks, usable as an object: construct as many as you
// like, each with its own limits and its own upstream memory resource (e.g. an arena).
//
// Lifetime: destroy a pool only when no thread will call it again. Its destructor returns
// every cached block upstream, including those in other threads' caches. Blocks still
// allocated are not touched (with an arena upstream, dropping the arena frees them).
class node_pool {
public:
    // Largest request served from the pools; bigger ones go straight upstream.
    static constexpr std::size_t max_pooled_bytes = detail::pool::max_pooled_bytes;

    // upstream == nullptr: blocks come from the global operator new.
    explicit node_pool(pool_limits limits = {}, memory_resource* upstream = nullptr)
        : limits_(limits), core_(limits.batch_blocks, limits.batch_bytes, limits.shared_bytes, upstream) {}

    node_pool(const node_pool&) = delete;
    node_pool& operator=(const node_pool&) = delete;

    // Aligned for std::max_align_t. Usually no lock and no upstream call; throws what
    // upstream throws when the pools are empty.
    void* allocate(std::size_t bytes) {
        detail::pool::shared_cache* cache = detail::pool::find_cache(core_);
        if (IMMUTABLE_LIKELY(cache != nullptr)) {
            if (void* p = cache->try_allocate(bytes)) return p;
            return cache->allocate_slow(bytes);
        }
        return core_.orphan_allocate(bytes);
    }

    // Any thread may free; `bytes` as allocated. Usually no lock.
    void deallocate(void* p, std::size_t bytes) noexcept {
        detail::pool::shared_cache* cache = detail::pool::find_cache(core_);
        if (IMMUTABLE_LIKELY(cache != nullptr)) {
            if (!cache->try_deallocate(p, bytes)) cache->deallocate_slow(p, bytes);
            return;
        }
        core_.orphan_deallocate(p, bytes);
    }

    // Returns upstream the calling thread's cached blocks and the whole shared pool.
    // Other threads' caches stay until they trim or exit. Takes locks.
    void trim() noexcept { core_.trim(); }

    // Counts summed over every thread (takes the registry lock). Exact when quiet.
    memory_stats stats() const noexcept { return core_.stats(); }

    const pool_limits& limits() const noexcept { return limits_; }
    memory_resource* upstream() const noexcept { return core_.upstream(); }

private:
    template <class Tag>
    friend struct basic_pooled_policy;

    pool_limits limits_;
    detail::pool::pool_core core_;
};

// The thread-safe pooled policy over a process-wide node_pool per Tag: separate Tags get
// separate pools (and separate stats). A Tag may set `static constexpr pool_limits limits`.
// The pool is created on first use and never destroyed, so nodes freed during static
// destruction or thread exit are always safe (it shows as still reachable, not as a leak).
template <class Tag>
struct basic_pooled_policy {
    using refcount = detail::biased_refcount;

    static void* allocate(std::size_t bytes) {
        if (void* p = cache_.try_allocate(bytes)) return p;
        return allocate_slow(bytes);
    }

    static void deallocate(void* p, std::size_t bytes) noexcept {
        if (!cache_.try_deallocate(p, bytes)) deallocate_slow(p, bytes);
    }

    static node_pool& pool() {
        static node_pool* const instance = new node_pool(limits_of_tag());
        return *instance;
    }

    // Totals over every thread (takes a lock).
    static memory_stats stats() { return pool().stats(); }
    // The calling thread's cache and the shared pool go back upstream.
    static void trim() { pool().trim(); }

private:
    static pool_limits limits_of_tag() {
        if constexpr (requires { Tag::limits; }) {
            return Tag::limits;
        } else {
            return pool_limits{};
        }
    }

    static void bind_if_new() {
        if (cache_.state() == detail::pool::cache_state::unbound) {
            pool().core_.bind(cache_);
            // Constructed on the first bind in each thread, which registers the thread-exit
            // cleanup. A function-local thread_local, not a static member: g++ 12 fails
            // to compile a translation unit whose only use of a pooled container is a
            // namespace-scope variable if the reaper is a thread_local class member
            // ("redefinition of bool __tls_guard").
            static thread_local detail::pool::cache_reaper<cache_of> reaper;
            reaper.armed = true;
        }
    }

    IMMUTABLE_NOINLINE static void* allocate_slow(std::size_t bytes) {
        bind_if_new();
        if (cache_.state() == detail::pool::cache_state::bound) return cache_.allocate_slow(bytes);
        return pool().core_.orphan_allocate(bytes);
    }

    IMMUTABLE_NOINLINE static void deallocate_slow(void* p, std::size_t bytes) noexcept {
        bind_if_new();
        if (cache_.state() == detail::pool::cache_state::bound) {
            cache_.deallocate_slow(p, bytes);
        } else {
            pool().core_.orphan_deallocate(p, bytes);
        }
    }

    struct cache_of {
        static detail::pool::shared_cache& get() noexcept { return cache_; }
    };
    static inline thread_local constinit detail::pool::shared_cache cache_{};
};

struct default_pool_tag {};

// Thread-safe (biased) reference counts, nodes from the process-wide default pool.
using pooled_policy = basic_pooled_policy<default_pool_tag>;

// A policy that allocates from a node_pool object of static storage duration:
//   immutable::node_pool arena_pool{{}, &my_arena};
//   using policy = immutable::node_pool_policy<arena_pool>;
// The pool must outlive every container using it.
template <node_pool& Pool>
struct node_pool_policy {
    using refcount = detail::biased_refcount;
    static void* allocate(std::size_t bytes) { return Pool.allocate(bytes); }
    static void deallocate(void* p, std::size_t bytes) noexcept { Pool.deallocate(p, bytes); }
    static memory_stats stats() noexcept { return Pool.stats(); }
    static void trim() noexcept { Pool.trim(); }
};

// Plain reference counts and a private pool per thread: no locks or locked instructions
// at all. For values that never cross threads (handing one over, with the giving thread
// done with it, is fine: a block freed on another thread joins that thread's pool). Each
// thread keeps up to 2 batches per class plus a 16 MiB reserve; all of it goes back to
// the heap when the thread exits.
struct single_thread_pooled_policy {
    using refcount = detail::plain_refcount;

    static void* allocate(std::size_t bytes) {
        if (void* p = detail::pool::this_thread_pool.cache.try_allocate(bytes)) return p;
        return detail::pool::local_allocate_slow(bytes);
    }

    static void deallocate(void* p, std::size_t bytes) noexcept {
        if (!detail::pool::this_thread_pool.cache.try_deallocate(p, bytes)) {
            detail::pool::local_deallocate_slow(p, bytes);
        }
    }

    // The calling thread's counts (shared_held_bytes: its reserve). No lock.
    static memory_stats stats() noexcept {
        const detail::pool::local_pool& p = detail::pool::this_thread_pool;
        memory_stats s = p.cache.counters().read().to_stats();
        s.shared_held_bytes = p.reserve_bytes();
        s.held_bytes = p.cache.held_bytes() + s.shared_held_bytes;
        return s;
    }

    // Returns the calling thread's cached blocks to the heap.
    static void trim() noexcept {
        detail::pool::local_pool& p = detail::pool::this_thread_pool;
        if (p.cache.state() == detail::pool::cache_state::bound) p.cache.flush(false);
        p.release_reserve();
    }
};

// Returns cached memory upstream: the calling thread's caches and the shared pools of
// every node_pool and pooled policy alive, and this thread's single-thread pool.
inline void pool_trim() noexcept {
    detail::pool::trim_every_pool();
    single_thread_pooled_policy::trim();
}

static_assert(memory_policy<pooled_policy>);
static_assert(memory_policy<single_thread_pooled_policy>);
static_assert(policy_with_stats<pooled_policy>);
static_assert(policy_with_stats<single_thread_pooled_policy>);

} // namespace immutable
