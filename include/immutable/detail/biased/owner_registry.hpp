#pragma once
// Owner threads for biased reference counts (biased/refcount.hpp): who a thread is, and
// the queue through which other threads hand it the nodes it owns.
//
// Identity. A thread that creates a node becomes its owner. It is known by a token:
//   token = (generation << (slot_bits + 1)) | (slot << 1) | 1
// `slot` picks its record in a fixed table and `generation` counts the threads that have
// held that slot. A slot is reused after its thread exits, but with the next generation,
// so a new thread never holds a token an old node carries: it cannot mistake a dead
// thread's node for its own. Tokens are odd; queue links (which share the owner word
// while a node is queued) are even; 0 means "no owner" (counts merged).
//
// Hand-off. When a thread that does not own a node drops a reference the owner counted,
// it puts the node on the owner's queue: a lock-free stack linked through the nodes
// themselves (their owner word), so handing off never allocates and never throws. The
// owner drains its queue before its next node allocation, when it exits, and when it calls
// immutable::reclaim_deferred(). At exit the queue is closed; whoever then drops a
// reference to one of the dead thread's nodes merges the counts itself.
//
// Links. A queued node is destroyed through its family (ownership.hpp), so each link
// carries the family's index beside the node's address: link = (family << 48) | address.
// The queue head is a link, and so is each queued node's owner word (to the next node).
// Keeping the index in the link rather than in the node keeps the header at 16 bytes with
// a 32-bit owner's count. A node whose address does not fit in 48 bits (tagged pointers,
// 57-bit address spaces) starts with merged counts and is never queued (refcount.hpp).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <new>

#include <immutable/detail/config.hpp>

namespace immutable::detail::biased {

inline constexpr unsigned slot_bits = 12;
inline constexpr std::size_t max_owner_threads = std::size_t{1} << slot_bits;

inline constexpr std::uint64_t no_owner = 0;
// What a thread without a token compares owner words against: odd, so never a node
// pointer, and never produced as a token (generations stay far below 2^50).
inline constexpr std::uint64_t not_an_owner = ~std::uint64_t{0};

inline constexpr std::uint64_t make_token(std::size_t slot, std::uint64_t generation) noexcept {
    return (generation << (slot_bits + 1)) | (std::uint64_t{slot} << 1) | 1u;
}
inline constexpr std::size_t slot_of(std::uint64_t token) noexcept {
    return static_cast<std::size_t>((token >> 1) & (max_owner_threads - 1));
}

// ---- families and links ----------------------------------------------------------------

// Merges a node taken off a queue, dropping the queue's reference, and destroys it when
// that was the last.
using drain_fn = void (*)(void* node) noexcept;

inline constexpr unsigned link_address_bits = 48;
inline constexpr std::size_t max_families = std::size_t{1} << (64 - link_address_bits);

struct family_table {
    std::atomic<drain_fn> drains[max_families];
    std::atomic<std::uint32_t> used;
};
inline constinit family_table families{};

// A new index for a family, once per family per program. Allocation-free, so it can run
// inside a destructor. 65,536 distinct node families (one or two per container type the
// program instantiates) is far beyond any program; past it there is no safe way on.
inline std::uint16_t register_family(drain_fn drain) noexcept {
    const std::uint32_t index = families.used.fetch_add(1, std::memory_order_relaxed);
    if (index >= max_families) {
        std::fputs("immutable: more than 65536 node families in one program\n", stderr);
        std::terminate();
    }
    families.drains[index].store(drain, std::memory_order_release);
    return static_cast<std::uint16_t>(index);
}

// Whether a node at this address can be queued: its address fits beside a family index.
inline bool fits_in_link(const void* node) noexcept {
    if constexpr (sizeof(std::uintptr_t) * 8 > link_address_bits) {
        return (reinterpret_cast<std::uintptr_t>(node) >> link_address_bits) == 0;
    } else {
        return true;
    }
}

// 0 ends a queue (and is also "no owner" in an owner word: a queued node has neither).
inline constexpr std::uint64_t end_of_queue = 0;
// Marks a closed queue: the owner has exited, hand-offs merge directly instead. Odd, so
// never a link (node addresses are even).
inline constexpr std::uint64_t closed_queue = 1;

inline std::uint64_t make_link(void* node, std::uint16_t family) noexcept {
    return (std::uint64_t{family} << link_address_bits) | reinterpret_cast<std::uintptr_t>(node);
}
inline void* linked_node(std::uint64_t link) noexcept {
    return reinterpret_cast<void*>(
        static_cast<std::uintptr_t>(link & ((std::uint64_t{1} << link_address_bits) - 1)));
}
inline drain_fn linked_drain(std::uint64_t link) noexcept {
    return families.drains[link >> link_address_bits].load(std::memory_order_acquire);
}

// ---- owner records ---------------------------------------------------------------------

struct owner_record {
    std::atomic<std::uint64_t> token{no_owner};  // the live owner's, no_owner while free
    std::atomic<std::uint64_t> queue{end_of_queue}; // link to the newest queued node, or closed_queue
    std::uint64_t generation = 0;                 // guarded by the registry mutex
};

struct owner_registry {
    std::atomic<owner_record*> records[max_owner_threads];
    std::mutex mutex;
};
// Never destroyed (constant-initialized, trivially destructible members aside from the
// mutex, which outlives every thread that could lock it: records are never freed).
inline constinit owner_registry registry{};

// This thread's token (not_an_owner until it creates its first node, and again after it
// has exited) and record. Registration and the exit hook are in biased/refcount.hpp.
inline constinit thread_local std::uint64_t this_thread_token = not_an_owner;
inline constinit thread_local owner_record* this_thread_record = nullptr;
// The queue a thread drains before each allocation: its record's, or an empty one that
// nobody pushes to while it has no record (one load, no null test, on the fast path).
inline constinit std::atomic<std::uint64_t> no_queue{end_of_queue};
inline constinit thread_local std::atomic<std::uint64_t>* this_thread_queue = &no_queue;
// Set when this thread can own nothing (it is exiting, or every slot is taken): its new
// nodes start with merged counts.
inline constinit thread_local bool this_thread_cannot_own = false;

// Nodes waiting in some queue right now, and the most there ever were: what deferral
// holds back (reported by the benchmarks and reclaim_deferred()).
struct deferral_counters {
    std::atomic<std::int64_t> queued{0};
    std::atomic<std::int64_t> peak{0};
};
inline constinit deferral_counters deferral{};

inline void count_queued(std::int64_t delta) noexcept {
    const std::int64_t now = deferral.queued.fetch_add(delta, std::memory_order_relaxed) + delta;
    std::int64_t peak = deferral.peak.load(std::memory_order_relaxed);
    while (now > peak && !deferral.peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
}

// Puts `node` (of the family with index `family`) on the queue of the thread holding
// `token`. False when that thread has exited (its queue is closed or its slot has a new
// owner): the caller merges instead. `set_next` writes the node's link (its owner word).
template <class SetNext>
bool push_to_owner(std::uint64_t token, void* node, std::uint16_t family, SetNext set_next) noexcept {
    owner_record* rec = registry.records[slot_of(token)].load(std::memory_order_acquire);
    if (rec == nullptr || rec->token.load(std::memory_order_acquire) != token) return false;
    // Should the slot pass to a new thread between the check and the push, that thread
    // merges the node; merging is correct on any thread once the owner is gone. Acquire:
    // a closed queue means the owner's last writes to its counts are visible here.
    std::uint64_t head = rec->queue.load(std::memory_order_acquire);
    const std::uint64_t link = make_link(node, family);
    for (;;) {
        if (head == closed_queue) return false;
        set_next(head);
        if (rec->queue.compare_exchange_weak(head, link, std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
            count_queued(1);
            return true;
        }
    }
}

} // namespace immutable::detail::biased
