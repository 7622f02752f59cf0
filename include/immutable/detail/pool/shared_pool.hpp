#pragma once
// The shared tier of a node_pool: stacks of full batches that thread caches exchange, the
// registry of live caches (for stats, trim and thread exit), and the pool's bookkeeping.
//
// Why a mutex per size class and not a lock-free stack: a lock-free pop must read the top
// batch's link before its compare-exchange, and without a generation tag (a 16-byte CAS,
// not portable, and a libatomic call under g++) another thread can pop, reuse and push the
// same block in between: the ABA use-after-free. The lock is taken once per batch (up to
// 32 blocks), so it costs a few nanoseconds per block at most, and a lock per class keeps
// threads that work on different node sizes out of each other's way.
//
//   struct class_stack {            // one per size class, cache-line aligned
//       std::mutex lock;
//       free_block* top;            // first block of the top batch; batches are linked
//   };                              // through free_block::next_batch
// Invariant: every batch in a stack has exactly batch_size(class) blocks, and
// held_bytes == sum over classes of (batches * batch_size * class_size) <= cap_bytes.
//
// Lifetime rules (the registry lock, one for the process, orders all of them):
//  - a cache is bound to a pool once, registered in the pool's list;
//  - at thread exit a cache is retired: full batches go to the shared tier, the rest
//    upstream, its counters fold into the pool's totals, it leaves the list;
//  - a pool being destroyed empties and retires every cache still registered (their
//    threads must not use the pool any more), so a thread exiting later finds its cache
//    already retired and touches nothing of the dead pool.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <immutable/detail/pool/memory_resource.hpp>
#include <mutex>

#include <immutable/detail/pool/size_class.hpp>
#include <immutable/detail/pool/thread_cache.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::pool {

class pool_core;
using shared_cache = thread_cache<pool_core>;

// The one process-wide lock for binding, retiring and reading caches. Leaked on purpose:
// threads may exit (and retire caches) during static destruction, after any destructor
// of a function-local static could have run.
struct registry {
    std::mutex lock;
    pool_core* first_pool = nullptr;
};

inline registry& the_registry() noexcept {
    static registry* r = new registry();
    return *r;
}

// A distinct address per live thread: identifies "the calling thread's caches".
inline thread_local constinit char thread_token = 0;

inline std::atomic<std::uint64_t> next_pool_id{1}; // 0 never names a pool

class batch_depot {
public:
    explicit batch_depot(std::int64_t cap_bytes) noexcept : cap_bytes_(cap_bytes) {}

    // False when keeping the batch would exceed the cap: the caller frees it upstream.
    bool push(std::size_t cls, free_block* batch, std::int64_t batch_bytes) noexcept {
        if (held_bytes_.fetch_add(batch_bytes, std::memory_order_relaxed) + batch_bytes > cap_bytes_) {
            held_bytes_.fetch_sub(batch_bytes, std::memory_order_relaxed);
            return false;
        }
        class_stack& s = stacks_[cls];
        std::lock_guard<std::mutex> guard(s.lock);
        batch->next_batch = s.top;
        s.top = batch;
        return true;
    }

    free_block* pop(std::size_t cls, std::int64_t batch_bytes) noexcept {
        class_stack& s = stacks_[cls];
        free_block* batch;
        {
            std::lock_guard<std::mutex> guard(s.lock);
            batch = s.top;
            if (batch == nullptr) return nullptr;
            s.top = batch->next_batch;
        }
        held_bytes_.fetch_sub(batch_bytes, std::memory_order_relaxed);
        return batch;
    }

    // Detaches every batch of a class (linked through next_batch) for the caller to free.
    free_block* take_all(std::size_t cls, std::int64_t batch_bytes) noexcept {
        class_stack& s = stacks_[cls];
        free_block* all;
        {
            std::lock_guard<std::mutex> guard(s.lock);
            all = s.top;
            s.top = nullptr;
        }
        std::int64_t batches = 0;
        for (free_block* b = all; b != nullptr; b = b->next_batch) ++batches;
        held_bytes_.fetch_sub(batches * batch_bytes, std::memory_order_relaxed);
        return all;
    }

    std::int64_t held_bytes() const noexcept { return held_bytes_.load(std::memory_order_relaxed); }

private:
    struct alignas(64) class_stack {
        std::mutex lock;
        free_block* top = nullptr;
    };
    class_stack stacks_[class_count];
    std::atomic<std::int64_t> held_bytes_{0};
    std::int64_t cap_bytes_;
};

class pool_core {
public:
    pool_core(std::size_t batch_blocks, std::size_t batch_bytes, std::size_t shared_bytes,
              memory_resource* upstream)
        : id_(next_pool_id.fetch_add(1, std::memory_order_relaxed)),
          upstream_(upstream),
          depot_(static_cast<std::int64_t>(shared_bytes > INT64_MAX ? INT64_MAX : shared_bytes)) {
        for (std::size_t cls = 0; cls < class_count; ++cls) {
            batch_sizes_[cls] = pool::batch_size(cls, batch_blocks, batch_bytes);
        }
        registry& r = the_registry();
        std::lock_guard<std::mutex> guard(r.lock);
        next_pool_ = r.first_pool;
        if (next_pool_ != nullptr) next_pool_->prev_pool_ = this;
        r.first_pool = this;
    }

    pool_core(const pool_core&) = delete;
    pool_core& operator=(const pool_core&) = delete;

    ~pool_core() {
        {
            registry& r = the_registry();
            std::lock_guard<std::mutex> guard(r.lock);
            while (first_cache_ != nullptr) {
                shared_cache& c = *first_cache_;
                c.flush(false);
                unlink_locked(c);
                c.retire();
            }
            (prev_pool_ != nullptr ? prev_pool_->next_pool_ : r.first_pool) = next_pool_;
            if (next_pool_ != nullptr) next_pool_->prev_pool_ = prev_pool_;
        }
        release_shared();
    }

    std::uint64_t id() const noexcept { return id_; }

    // Backend interface for thread caches.
    memory_resource* upstream() const noexcept { return upstream_; }
    std::uint32_t batch_size(std::size_t cls) const noexcept { return batch_sizes_[cls]; }
    free_block* take_batch(std::size_t cls) noexcept { return depot_.pop(cls, batch_bytes(cls)); }
    void give_batch(std::size_t cls, free_block* batch) noexcept {
        if (!depot_.push(cls, batch, batch_bytes(cls))) release_chain(upstream_, batch, class_size(cls));
    }

    void bind(shared_cache& c) noexcept {
        std::lock_guard<std::mutex> guard(the_registry().lock);
        bind_locked(c);
    }

    // Registry lock held.
    void bind_locked(shared_cache& c) noexcept {
        c.bind(*this);
        c.owner = &thread_token;
        c.registry_prev = nullptr;
        c.registry_next = first_cache_;
        if (first_cache_ != nullptr) first_cache_->registry_prev = &c;
        first_cache_ = &c;
    }

    // Registry lock held; the cache's thread is exiting. Full batches stay for the others.
    void retire_locked(shared_cache& c) noexcept {
        c.flush(true);
        retired_.add(c.counters().read());
        unlink_locked(c);
        c.retire();
    }

    // Returns to upstream the calling thread's cached blocks and the whole shared tier.
    // Other threads' caches are theirs to touch: they are returned when those threads
    // call trim() or exit.
    void trim() noexcept {
        {
            std::lock_guard<std::mutex> guard(the_registry().lock);
            trim_own_caches_locked();
        }
        release_shared();
    }

    void trim_own_caches_locked() noexcept {
        for (shared_cache* c = first_cache_; c != nullptr; c = c->registry_next) {
            if (c->owner == &thread_token) c->flush(false);
        }
    }

    void release_shared() noexcept {
        for (std::size_t cls = 0; cls < class_count; ++cls) {
            free_block* batch = depot_.take_all(cls, batch_bytes(cls));
            while (batch != nullptr) {
                free_block* next = batch->next_batch;
                release_chain(upstream_, batch, class_size(cls));
                batch = next;
            }
        }
    }

    memory_stats stats() const noexcept {
        counter_totals totals;
        std::int64_t held = 0;
        {
            // Retired totals read under the lock that retiring folds them in with, so a
            // cache retiring meanwhile is counted exactly once and totals never go back.
            std::lock_guard<std::mutex> guard(the_registry().lock);
            totals = retired_.read();
            for (const shared_cache* c = first_cache_; c != nullptr; c = c->registry_next) {
                totals += c->counters().read();
                held += c->held_bytes();
            }
        }
        memory_stats s = totals.to_stats();
        s.shared_held_bytes = depot_.held_bytes();
        s.held_bytes = held + s.shared_held_bytes;
        return s;
    }

    // For calls from a thread that has no cache any more (it is exiting): straight to
    // upstream, counted in the pool's shared totals.
    void* orphan_allocate(std::size_t bytes) {
        std::size_t size = block_size(bytes);
        void* p = upstream_allocate(upstream_, size);
        retired_.add({1, 0, 1, static_cast<std::int64_t>(bytes), 0});
        return p;
    }

    void orphan_deallocate(void* p, std::size_t bytes) noexcept {
        std::size_t size = block_size(bytes);
        retired_.add({0, 1, 0, 0, static_cast<std::int64_t>(bytes)});
        unpoison_all(p, size);
        upstream_deallocate(upstream_, p, size);
    }

    // Registry lock held: every pool alive, for pool_trim().
    pool_core* next_pool_locked() const noexcept { return next_pool_; }

private:
    std::int64_t batch_bytes(std::size_t cls) const noexcept {
        return static_cast<std::int64_t>(batch_sizes_[cls]) * static_cast<std::int64_t>(class_size(cls));
    }

    void unlink_locked(shared_cache& c) noexcept {
        (c.registry_prev != nullptr ? c.registry_prev->registry_next : first_cache_) = c.registry_next;
        if (c.registry_next != nullptr) c.registry_next->registry_prev = c.registry_prev;
        c.registry_prev = c.registry_next = nullptr;
    }

    std::uint64_t id_;
    memory_resource* upstream_;
    std::uint32_t batch_sizes_[class_count];
    batch_depot depot_;
    shared_counters retired_;               // folded from retired caches and orphan calls
    shared_cache* first_cache_ = nullptr;   // registry lock
    pool_core* prev_pool_ = nullptr;        // registry lock
    pool_core* next_pool_ = nullptr;        // registry lock
};

// Retires a cache at its thread's exit, unless its pool already did (pool destroyed).
inline void retire_at_thread_exit(shared_cache& c) noexcept {
    std::lock_guard<std::mutex> guard(the_registry().lock);
    if (c.state() == cache_state::bound) c.backend()->retire_locked(c);
}

// The calling thread's caches and every shared tier, in every pool alive.
inline void trim_every_pool() noexcept {
    registry& r = the_registry();
    std::lock_guard<std::mutex> guard(r.lock);
    for (pool_core* p = r.first_pool; p != nullptr; p = p->next_pool_locked()) {
        p->trim_own_caches_locked();
        p->release_shared();
    }
}

} // namespace immutable::detail::pool
