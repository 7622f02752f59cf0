#pragma once
// How a thread finds its cache, and what happens to it when the thread exits.
//
// Caches live in `constinit thread_local` storage with trivial destructors, so the fast
// path reads them at a fixed thread-pointer offset with no "initialized yet?" guard. The
// cleanup at thread exit is a second thread_local (a "reaper") with a real destructor,
// touched once, on the first slow-path call; that registers it with the C++ runtime. When
// the reaper runs it empties the cache and marks it retired (every limit 0), so calls made
// even later in that thread's exit (other thread_local destructors, or static destructors
// on the main thread) fail the fast path and go straight upstream: they never touch a
// dismantled cache and never crash.
//
// Three flavours:
//  - a static pooled policy has its own cache per thread (a class-template static member);
//  - node_pool instances share one per-thread directory: a list of caches keyed by pool id,
//    with the last one used checked first (ids are never reused, so a cache whose pool was
//    destroyed can never be found again; it is deleted at the next directory change);
//  - the single-thread policy has a whole pool per thread (cache plus reserve), no locks.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>

#include <immutable/detail/assert.hpp>
#include <immutable/detail/config.hpp>
#include <immutable/detail/pool/shared_pool.hpp>
#include <immutable/detail/pool/size_class.hpp>
#include <immutable/detail/pool/thread_cache.hpp>

namespace immutable::detail::pool {

// ---------------------------------------------------------------- static pooled policies

// Knows its cache from its type (CacheOf::get()). Built (a function-local thread_local in
// basic_pooled_policy::bind_if_new) only right after its thread's cache is bound, and a
// cache never goes back to unbound; the policy's pool is never destroyed, so the cache is
// still bound when the reaper runs at the thread's exit.
template <class CacheOf>
struct cache_reaper {
    bool armed = false;
    ~cache_reaper() {
        shared_cache& cache = CacheOf::get();
        IMMUTABLE_ASSERT(cache.state() != cache_state::unbound, "immutable::pooled_policy thread exit",
                         "the thread's cache is bound before its reaper is built");
        retire_at_thread_exit(cache);
    }
};

// ---------------------------------------------------------------- node_pool instances

struct instance_cache : shared_cache {
    std::uint64_t pool_id = 0;
    instance_cache* next_in_thread = nullptr;
};

struct thread_directory {
    std::uint64_t last_id = 0; // 0 matches no pool: the first lookup takes the slow path
    instance_cache* last = nullptr;
    instance_cache* first = nullptr;
    bool closed = false; // the thread is exiting: no new caches
};

inline thread_local constinit thread_directory directory{};

struct directory_reaper {
    bool armed = false;
    ~directory_reaper() {
        thread_directory& d = directory;
        d.closed = true; // even if never armed: a cache bound now would never be retired
        {
            std::lock_guard<std::mutex> guard(the_registry().lock);
            for (instance_cache* c = d.first; c != nullptr; c = c->next_in_thread) {
                if (c->state() == cache_state::bound) c->backend()->retire_locked(*c);
            }
        }
        while (d.first != nullptr) {
            instance_cache* next = d.first->next_in_thread;
            delete d.first;
            d.first = next;
        }
        d.last = nullptr;
        d.last_id = 0;
        d.closed = true;
    }
};

inline thread_local directory_reaper the_directory_reaper;

// Null when no cache can be had (the thread is exiting, or out of memory): the caller then
// goes straight upstream.
IMMUTABLE_NOINLINE inline shared_cache* find_cache_slow(pool_core& pool) noexcept {
    thread_directory& d = directory;
    if (d.closed) return nullptr;
    for (instance_cache* c = d.first; c != nullptr; c = c->next_in_thread) {
        if (c->pool_id == pool.id()) {
            d.last = c;
            d.last_id = c->pool_id;
            return c;
        }
    }
    auto* fresh = new (std::nothrow) instance_cache();
    if (fresh == nullptr) return nullptr;
    {
        std::lock_guard<std::mutex> guard(the_registry().lock);
        // Drop caches whose pools were destroyed (their state says so, under this lock).
        instance_cache** link = &d.first;
        while (*link != nullptr) {
            instance_cache* c = *link;
            if (c->state() == cache_state::retired) {
                *link = c->next_in_thread;
                delete c;
            } else {
                link = &c->next_in_thread;
            }
        }
        pool.bind_locked(*fresh);
    }
    fresh->pool_id = pool.id();
    fresh->next_in_thread = d.first;
    d.first = fresh;
    d.last = fresh;
    d.last_id = fresh->pool_id;
    the_directory_reaper.armed = true; // first touch registers its destructor
    return fresh;
}

IMMUTABLE_ALWAYS_INLINE shared_cache* find_cache(pool_core& pool) noexcept {
    thread_directory& d = directory;
    if (IMMUTABLE_LIKELY(d.last_id == pool.id())) return d.last;
    return find_cache_slow(pool);
}

// ---------------------------------------------------------------- single-thread pool

inline constexpr std::size_t default_batch_blocks = 32;
inline constexpr std::size_t default_batch_bytes = 4096;
inline constexpr std::size_t default_second_tier_bytes = std::size_t{16} << 20;

// A thread's private pool: the cache plus a reserve of full batches standing in for the
// shared tier. Touched by its thread only, so nothing in it is locked; the counts are
// still atomics (written with plain stores) so the layout is the shared one.
class local_pool {
public:
    constexpr local_pool() noexcept = default;

    memory_resource* upstream() const noexcept { return nullptr; }
    std::uint32_t batch_size(std::size_t cls) const noexcept {
        return pool::batch_size(cls, default_batch_blocks, default_batch_bytes);
    }
    free_block* take_batch(std::size_t cls) noexcept {
        free_block* batch = reserve_[cls];
        if (batch != nullptr) {
            reserve_[cls] = batch->next_batch;
            reserve_bytes_ -= batch_bytes(cls);
        }
        return batch;
    }
    void give_batch(std::size_t cls, free_block* batch) noexcept {
        if (reserve_bytes_ + batch_bytes(cls) > static_cast<std::int64_t>(default_second_tier_bytes)) {
            release_chain(nullptr, batch, class_size(cls));
            return;
        }
        batch->next_batch = reserve_[cls];
        reserve_[cls] = batch;
        reserve_bytes_ += batch_bytes(cls);
    }

    void release_reserve() noexcept {
        for (std::size_t cls = 0; cls < class_count; ++cls) {
            while (free_block* batch = take_batch(cls)) release_chain(nullptr, batch, class_size(cls));
        }
    }

    std::int64_t reserve_bytes() const noexcept { return reserve_bytes_; }

    thread_cache<local_pool> cache;

private:
    std::int64_t batch_bytes(std::size_t cls) const noexcept {
        return static_cast<std::int64_t>(batch_size(cls)) * static_cast<std::int64_t>(class_size(cls));
    }

    free_block* reserve_[class_count] = {};
    std::int64_t reserve_bytes_ = 0;
};

inline thread_local constinit local_pool this_thread_pool{};

struct local_pool_reaper {
    bool armed = false;
    ~local_pool_reaper() {
        local_pool& p = this_thread_pool;
        if (p.cache.state() == cache_state::bound) {
            p.cache.flush(false);
            p.release_reserve();
        }
        p.cache.retire(); // even if never armed: later calls go straight to the heap
    }
};

inline thread_local local_pool_reaper the_local_pool_reaper;

// Slow paths of the single-thread policy. A retired pool (thread exiting) goes straight
// to the heap, still counted in the thread's counters.
IMMUTABLE_NOINLINE inline void* local_allocate_slow(std::size_t bytes) {
    local_pool& p = this_thread_pool;
    if (p.cache.state() == cache_state::unbound) {
        p.cache.bind(p);
        the_local_pool_reaper.armed = true;
    }
    if (p.cache.state() == cache_state::bound) return p.cache.allocate_slow(bytes);
    void* block = ::operator new(block_size(bytes));
    p.cache.counters().on_allocate(bytes);
    p.cache.counters().upstream_allocations.add(1);
    return block;
}

IMMUTABLE_NOINLINE inline void local_deallocate_slow(void* block, std::size_t bytes) noexcept {
    local_pool& p = this_thread_pool;
    if (p.cache.state() == cache_state::unbound) {
        p.cache.bind(p);
        the_local_pool_reaper.armed = true;
    }
    if (p.cache.state() == cache_state::bound) {
        p.cache.deallocate_slow(block, bytes);
        return;
    }
    p.cache.counters().on_deallocate(bytes);
    unpoison_all(block, block_size(bytes));
    sized_delete(block, block_size(bytes));
}

} // namespace immutable::detail::pool
