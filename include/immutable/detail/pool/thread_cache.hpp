#pragma once
// The per-thread cache of a node pool: the only code on the common allocate/free path.
//
// Design. Allocators that serve many threads (tcmalloc, mimalloc, Bonwick's magazines)
// agree on one thing: the common path must touch only memory the calling thread owns.
// Here each thread owns, per size class, two singly linked lists of free blocks:
//   active  the list allocate() pops from and deallocate() pushes to (at most one batch),
//   spare   either empty or exactly one full batch.
// When active runs dry the spare becomes active; failing that, one full batch is taken
// from the second tier (the shared pool of a node_pool, or the thread's own reserve for
// the single-thread policy); failing that, one block comes from upstream. When active is
// full on a free, it becomes the spare and the old spare (a full batch) goes to the
// second tier in one step. A batch is therefore never walked or counted on exchange: it is
// exactly batch_size(class) blocks by construction, and moving it is one pointer push.
// The two-list hysteresis keeps a thread that alternates alloc/free at a batch boundary
// from bouncing a batch to the shared pool and back on every call.
//
// Cost: the fast paths are a few loads and stores on thread-local memory: no lock, no
// atomic read-modify-write, no call. A thread retains at most two batches per class.
// Counters the fast path keeps (allocations, bytes) are atomics written only by the
// owning thread with a plain load+store (no locked instruction), so another thread may
// sum them for stats() without a data race.
//
//   struct class_cache {                      // one per size class, in the thread's cache
//       free_block* active;                   // LIFO free list, active_count blocks
//       free_block* spare;                    // a full batch or null
//       atomic<uint32_t> active_count;        // <= limit; written by the owner only
//       atomic<uint32_t> spare_count;         // 0 or limit; written by the owner only
//       uint32_t limit;                       // batch size; 0 until bound and once retired
//   };
// Invariants: active_count == length(active) <= limit; spare_count == length(spare) and is
// 0 or limit; limit == 0 forces both fast paths to fail, which is how an unbound or
// retired cache routes every call to its owner's slow path without an extra branch.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <immutable/detail/config.hpp>
#include <immutable/detail/pool/size_class.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::pool {

// Plain totals, for summing counters from many caches.
struct counter_totals {
    std::int64_t allocations = 0;
    std::int64_t deallocations = 0;
    std::int64_t upstream_allocations = 0; // allocations not served from a pool
    std::int64_t bytes_allocated = 0;
    std::int64_t bytes_freed = 0;

    counter_totals& operator+=(const counter_totals& o) noexcept {
        allocations += o.allocations;
        deallocations += o.deallocations;
        upstream_allocations += o.upstream_allocations;
        bytes_allocated += o.bytes_allocated;
        bytes_freed += o.bytes_freed;
        return *this;
    }

    memory_stats to_stats() const noexcept {
        memory_stats s;
        s.allocations = allocations;
        s.deallocations = deallocations;
        s.reuses = allocations - upstream_allocations;
        s.live_nodes = allocations - deallocations;
        s.live_bytes = bytes_allocated - bytes_freed;
        return s;
    }
};

// A counter only its owning thread writes (any thread may read). IMMUTABLE_NO_ACCOUNTING
// compiles the writes away; it must then be defined the same way in every translation unit.
class owner_counter {
public:
    IMMUTABLE_ALWAYS_INLINE void add(std::int64_t n) noexcept {
#if !defined(IMMUTABLE_NO_ACCOUNTING)
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
#else
        (void)n;
#endif
    }
    std::int64_t read() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

struct owner_counters {
    owner_counter allocations;
    owner_counter deallocations;
    owner_counter upstream_allocations;
    owner_counter bytes_allocated;
    owner_counter bytes_freed;

    IMMUTABLE_ALWAYS_INLINE void on_allocate(std::size_t bytes) noexcept {
        allocations.add(1);
        bytes_allocated.add(static_cast<std::int64_t>(bytes));
    }
    IMMUTABLE_ALWAYS_INLINE void on_deallocate(std::size_t bytes) noexcept {
        deallocations.add(1);
        bytes_freed.add(static_cast<std::int64_t>(bytes));
    }

    counter_totals read() const noexcept {
        return {allocations.read(), deallocations.read(), upstream_allocations.read(),
                bytes_allocated.read(), bytes_freed.read()};
    }
};

// Counters any thread may add to (locked adds): for calls that have no cache to count in.
struct shared_counters {
    std::atomic<std::int64_t> allocations{0};
    std::atomic<std::int64_t> deallocations{0};
    std::atomic<std::int64_t> upstream_allocations{0};
    std::atomic<std::int64_t> bytes_allocated{0};
    std::atomic<std::int64_t> bytes_freed{0};

    void add(const counter_totals& t) noexcept {
#if !defined(IMMUTABLE_NO_ACCOUNTING)
        constexpr auto relaxed = std::memory_order_relaxed;
        allocations.fetch_add(t.allocations, relaxed);
        deallocations.fetch_add(t.deallocations, relaxed);
        upstream_allocations.fetch_add(t.upstream_allocations, relaxed);
        bytes_allocated.fetch_add(t.bytes_allocated, relaxed);
        bytes_freed.fetch_add(t.bytes_freed, relaxed);
#else
        (void)t;
#endif
    }

    counter_totals read() const noexcept {
        constexpr auto relaxed = std::memory_order_relaxed;
        return {allocations.load(relaxed), deallocations.load(relaxed),
                upstream_allocations.load(relaxed), bytes_allocated.load(relaxed),
                bytes_freed.load(relaxed)};
    }
};

enum class cache_state : std::uint8_t {
    unbound, // never used: the first slow-path call binds it to its pool
    bound,   // in use, registered with its pool
    retired, // its thread is exiting or its pool is gone: calls bypass it
};

struct class_cache {
    free_block* active = nullptr;
    free_block* spare = nullptr;
    std::atomic<std::uint32_t> active_count{0};
    std::atomic<std::uint32_t> spare_count{0};
    std::uint32_t limit = 0;
};

// Backend requirements (what the second tier offers a cache):
//   memory_resource* upstream() const;      // null: global operator new
//   std::uint32_t batch_size(std::size_t cls) const;
//   free_block* take_batch(std::size_t cls);        // a full batch, or null
//   void give_batch(std::size_t cls, free_block*);  // keeps it, or frees it upstream
template <class Backend>
class thread_cache {
public:
    constexpr thread_cache() noexcept = default;
    thread_cache(const thread_cache&) = delete;
    thread_cache& operator=(const thread_cache&) = delete;

    // The fast paths. Null / false sends the caller to its slow path.
    IMMUTABLE_ALWAYS_INLINE void* try_allocate(std::size_t bytes) noexcept {
        if (IMMUTABLE_UNLIKELY(bytes > max_pooled_bytes)) return nullptr;
        std::size_t cls = class_of(bytes);
        class_cache& c = classes_[cls];
        std::uint32_t n = c.active_count.load(std::memory_order_relaxed);
        if (IMMUTABLE_UNLIKELY(n == 0)) return nullptr;
        free_block* b = c.active;
        c.active = b->next;
        c.active_count.store(n - 1, std::memory_order_relaxed);
        counters_.on_allocate(bytes);
        unpoison_live(b, bytes, class_size(cls));
        return b;
    }

    IMMUTABLE_ALWAYS_INLINE bool try_deallocate(void* p, std::size_t bytes) noexcept {
        if (IMMUTABLE_UNLIKELY(bytes > max_pooled_bytes)) return false;
        std::size_t cls = class_of(bytes);
        class_cache& c = classes_[cls];
        std::uint32_t n = c.active_count.load(std::memory_order_relaxed);
        if (IMMUTABLE_UNLIKELY(n >= c.limit)) return false;
        c.active = make_free(p, class_size(cls), c.active);
        c.active_count.store(n + 1, std::memory_order_relaxed);
        counters_.on_deallocate(bytes);
        return true;
    }

    // The slow paths; precondition: bound.
    void* allocate_slow(std::size_t bytes) {
        Backend& backend = *backend_;
        if (bytes > max_pooled_bytes) {
            void* p = upstream_allocate(backend.upstream(), bytes);
            counters_.on_allocate(bytes);
            counters_.upstream_allocations.add(1);
            return p;
        }
        std::size_t cls = class_of(bytes);
        class_cache& c = classes_[cls];
        if (c.active_count.load(std::memory_order_relaxed) == 0) {
            if (c.spare != nullptr) {
                c.active = c.spare;
                c.active_count.store(c.spare_count.load(std::memory_order_relaxed),
                                     std::memory_order_relaxed);
                c.spare = nullptr;
                c.spare_count.store(0, std::memory_order_relaxed);
            } else if (free_block* batch = backend.take_batch(cls)) {
                c.active = batch;
                c.active_count.store(c.limit, std::memory_order_relaxed);
            } else {
                void* p = upstream_allocate(backend.upstream(), class_size(cls));
                counters_.on_allocate(bytes);
                counters_.upstream_allocations.add(1);
                unpoison_live(p, bytes, class_size(cls));
                return p;
            }
        }
        return try_allocate(bytes);
    }

    void deallocate_slow(void* p, std::size_t bytes) noexcept {
        Backend& backend = *backend_;
        if (bytes > max_pooled_bytes) {
            counters_.on_deallocate(bytes);
            upstream_deallocate(backend.upstream(), p, bytes);
            return;
        }
        std::size_t cls = class_of(bytes);
        class_cache& c = classes_[cls];
        if (c.active_count.load(std::memory_order_relaxed) >= c.limit) {
            // Active is full: it becomes the spare, the old spare leaves in one piece.
            if (c.spare != nullptr) backend.give_batch(cls, c.spare);
            c.spare = c.active;
            c.spare_count.store(c.active_count.load(std::memory_order_relaxed),
                                std::memory_order_relaxed);
            c.active = nullptr;
            c.active_count.store(0, std::memory_order_relaxed);
        }
        (void)try_deallocate(p, bytes); // cannot fail now: limit >= 1
    }

    void bind(Backend& backend) noexcept {
        backend_ = &backend;
        for (std::size_t cls = 0; cls < class_count; ++cls) classes_[cls].limit = backend.batch_size(cls);
        state_ = cache_state::bound;
    }

    // Empties the cache. With keep_batches, full batches go to the second tier (a thread
    // exiting hands them to the others); everything else goes upstream.
    void flush(bool keep_batches) noexcept {
        Backend& backend = *backend_;
        for (std::size_t cls = 0; cls < class_count; ++cls) {
            class_cache& c = classes_[cls];
            if (c.spare != nullptr) {
                if (keep_batches) {
                    backend.give_batch(cls, c.spare);
                } else {
                    release_chain(backend.upstream(), c.spare, class_size(cls));
                }
            }
            if (c.active != nullptr) {
                if (keep_batches && c.active_count.load(std::memory_order_relaxed) == c.limit) {
                    backend.give_batch(cls, c.active);
                } else {
                    release_chain(backend.upstream(), c.active, class_size(cls));
                }
            }
            c.active = c.spare = nullptr;
            c.active_count.store(0, std::memory_order_relaxed);
            c.spare_count.store(0, std::memory_order_relaxed);
        }
    }

    // After flush(): from now on every call takes the slow path, which bypasses the cache.
    void retire() noexcept {
        for (class_cache& c : classes_) c.limit = 0;
        state_ = cache_state::retired;
    }

    cache_state state() const noexcept { return state_; }
    Backend* backend() const noexcept { return backend_; }
    owner_counters& counters() noexcept { return counters_; }
    const owner_counters& counters() const noexcept { return counters_; }

    // Free bytes this cache holds; safe to call from any thread.
    std::int64_t held_bytes() const noexcept {
        std::int64_t held = 0;
        for (std::size_t cls = 0; cls < class_count; ++cls) {
            const class_cache& c = classes_[cls];
            std::uint32_t n = c.active_count.load(std::memory_order_relaxed) +
                              c.spare_count.load(std::memory_order_relaxed);
            held += static_cast<std::int64_t>(n) * static_cast<std::int64_t>(class_size(cls));
        }
        return held;
    }

    // Links in the owning pool's list of caches and the owning thread's identity; the
    // pool guards them with its registry lock.
    thread_cache* registry_prev = nullptr;
    thread_cache* registry_next = nullptr;
    const void* owner = nullptr;

private:
    class_cache classes_[class_count];
    owner_counters counters_;
    Backend* backend_ = nullptr;
    cache_state state_ = cache_state::unbound;
};

} // namespace immutable::detail::pool
