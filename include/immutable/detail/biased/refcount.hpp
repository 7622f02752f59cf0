#pragma once
// Biased reference counts (Choi, Shull and Torrellas, PACT 2018; the scheme of CPython's
// free-threaded build): the thread that created a node counts its references with plain
// instructions, every other thread with atomic ones.
//
// Why: a persistent update retains and releases every child of every node it copies,
// dozens per update. With one atomic count, a process that has started any thread pays a
// locked instruction for each; nearly all of them are made by the thread that made the
// node, the writer. Here the writer pays none.
//
// The header (16 bytes, every node of the thread-safe policies starts with it):
//
//   struct biased_refcount {
//       atomic<uint64_t> owner;   // owner's token (owner_registry.hpp); 0 once merged;
//                                 // while queued: the link to the next queued node
//       atomic<int32_t>  shared;  // (count << 2) | queued | merged; changed atomically
//       uint32_t         local;   // changed only by the owner, with plain instructions
//   };
//
// The total number of references is local + count while not merged, count once merged.
//   - The owner adds and drops references on `local`. Like std::shared_ptr's counts it is
//     32 bits with no overflow test: 2^32 references from one thread would take 32 GiB
//     of pointers.
//   - `local` is read by another thread only once the owner can no longer write it (it
//     gave the node up, or exited), after an acquire that orders the owner's last write.
//   - Any other thread adds and drops on `shared`. When it would take an unmerged count
//     below zero for the first time, it keeps its reference, marks the node queued and
//     hands it to the owner (owner_registry.hpp); later drops may go below zero.
//   - When the owner's `local` reaches zero it merges: if `shared` is 0 the node is dead
//     (the common case: no other thread ever touched it, no locked instruction at all);
//     otherwise it sets `merged` and gives up ownership.
//   - The owner drains its queue before its next allocation, at exit, and on
//     immutable::reclaim_deferred(): it merges each node, dropping the queue's reference.
//   - A thread dropping a reference to a node whose owner has exited merges it itself.
// unique() is exact for the owner and for merged nodes, and answers "no" for a node owned
// by another thread (so a builder copies such nodes instead of editing them).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <type_traits>

#include <immutable/detail/biased/owner_registry.hpp>
#include <immutable/detail/config.hpp>

namespace immutable::detail {

class biased_refcount;

namespace biased {
template <class Family>
void drain_queued(void* node) noexcept;
std::int64_t drain_list(std::uint64_t head) noexcept;
std::uint64_t register_this_thread() noexcept;
} // namespace biased

class biased_refcount {
public:
    IMMUTABLE_ALWAYS_INLINE biased_refcount() noexcept {
        const std::uint64_t token = biased::this_thread_token;
        if (IMMUTABLE_LIKELY(token != biased::not_an_owner && biased::fits_in_link(this))) {
            start_owned(token);
        } else {
            start_first_or_merged();
        }
    }
    biased_refcount(const biased_refcount&) = delete;
    biased_refcount& operator=(const biased_refcount&) = delete;

    IMMUTABLE_ALWAYS_INLINE void retain() noexcept {
        if (IMMUTABLE_LIKELY(is_owner())) {
            ++local_;
            return;
        }
        shared_.fetch_add(one, std::memory_order_relaxed);
    }

    // True when this was the last reference: the caller then destroys the node.
    // `node` is the node this count heads (at offset 0), `Family` its family.
    template <class Family>
    [[nodiscard]] IMMUTABLE_ALWAYS_INLINE bool release(void* node) noexcept {
        if (IMMUTABLE_LIKELY(is_owner())) {
            if (IMMUTABLE_LIKELY(--local_ != 0)) return false;
            // No other thread ever counted it (the common case): dead, no locked instruction.
            if (IMMUTABLE_LIKELY(shared_.load(std::memory_order_acquire) == 0)) return true;
            return merge_at_local_zero();
        }
        return release_shared<Family>(node);
    }

    // True when the caller holds the only reference. Exact for the owner and for merged
    // counts; false for a node another thread owns (it may hold references we cannot see).
    [[nodiscard]] IMMUTABLE_ALWAYS_INLINE bool unique() const noexcept {
        if (is_owner()) {
            return local_ == 1 && shared_.load(std::memory_order_acquire) == 0;
        }
        return shared_.load(std::memory_order_acquire) == (one | merged_flag);
    }

    // The number of references, for diagnostics and tests. Exact when called by the owner
    // or on merged counts; otherwise a snapshot of what other threads have counted so far.
    [[nodiscard]] std::uint32_t count() const noexcept {
        const std::int32_t s = shared_.load(std::memory_order_acquire);
        const std::int32_t shared_count = s >> flag_bits;
        if ((s & merged_flag) != 0 || !is_owner()) return static_cast<std::uint32_t>(shared_count);
        return static_cast<std::uint32_t>(shared_count) + local_;
    }

    // Before a node allocation (ownership.hpp): take back what other threads queued.
    IMMUTABLE_ALWAYS_INLINE static void before_allocation() noexcept { drain_this_thread(); }

    // Merges everything queued for this thread now. Returns how many nodes it merged.
    static std::int64_t drain_this_thread() noexcept {
        if (IMMUTABLE_LIKELY(biased::this_thread_queue->load(std::memory_order_relaxed) ==
                             biased::end_of_queue)) {
            return 0;
        }
        return drain_slow(biased::this_thread_record);
    }

private:
    template <class Family>
    friend void biased::drain_queued(void* node) noexcept;
    friend std::int64_t biased::drain_list(std::uint64_t head) noexcept;

    static constexpr int flag_bits = 2;
    static constexpr std::int32_t queued_flag = 1;
    static constexpr std::int32_t merged_flag = 2;
    static constexpr std::int32_t one = 1 << flag_bits;

    void start_owned(std::uint64_t token) noexcept {
        owner_.store(token, std::memory_order_relaxed);
        local_ = 1;
        shared_.store(0, std::memory_order_relaxed);
    }

    // This thread's first node (it registers), or a node that starts with merged counts:
    // made by a thread without a token, or at an address a queue link cannot hold.
    IMMUTABLE_NOINLINE void start_first_or_merged() noexcept {
        const std::uint64_t token = biased::this_thread_token != biased::not_an_owner
                                        ? biased::this_thread_token
                                        : biased::register_this_thread();
        if (token != biased::no_owner && biased::fits_in_link(this)) {
            start_owned(token);
        } else {
            owner_.store(biased::no_owner, std::memory_order_relaxed);
            local_ = 0;
            shared_.store(one | merged_flag, std::memory_order_relaxed);
        }
    }

    IMMUTABLE_ALWAYS_INLINE bool is_owner() const noexcept {
        return owner_.load(std::memory_order_relaxed) == biased::this_thread_token;
    }

    // The owner dropped its last local reference and other threads have counted some.
    IMMUTABLE_NOINLINE bool merge_at_local_zero() noexcept {
        std::int32_t s = shared_.load(std::memory_order_acquire);
        // Give up ownership, unless a hand-off already owns the word as its queue link.
        std::uint64_t mine = biased::this_thread_token;
        owner_.compare_exchange_strong(mine, biased::no_owner, std::memory_order_acq_rel,
                                       std::memory_order_relaxed);
        for (;;) {
            if (s == 0) return true;
            // Merged already: a thread that found no owner merged our (zero) local count.
            if ((s & merged_flag) != 0) return false;
            if (shared_.compare_exchange_weak(s, s | merged_flag, std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
                return false; // others still count references: the last of them destroys it
            }
        }
    }

    template <class Family>
    IMMUTABLE_NOINLINE bool release_shared(void* node) noexcept {
        std::int32_t s = shared_.load(std::memory_order_relaxed);
        for (;;) {
            if ((s & merged_flag) != 0) {
                if (shared_.compare_exchange_weak(s, s - one, std::memory_order_acq_rel,
                                                  std::memory_order_relaxed)) {
                    return (s - one) == merged_flag;
                }
            } else if ((s >> flag_bits) == 0 && (s & queued_flag) == 0) {
                // Going below zero: the owner counted this reference. Keep it and queue
                // the node, so the owner merges the counts.
                if (shared_.compare_exchange_weak(s, s | queued_flag, std::memory_order_acq_rel,
                                                  std::memory_order_relaxed)) {
                    hand_off<Family>(node);
                    return false;
                }
            } else if (shared_.compare_exchange_weak(s, s - one, std::memory_order_acq_rel,
                                                     std::memory_order_relaxed)) {
                return false;
            }
        }
    }

    template <class Family>
    static std::uint16_t family_index() noexcept {
        static const std::uint16_t index = biased::register_family(&biased::drain_queued<Family>);
        return index;
    }

    // Queues the node to its owner, or merges it here when the owner is gone. The caller
    // holds the reference the queue now keeps.
    template <class Family>
    IMMUTABLE_NOINLINE void hand_off(void* node) noexcept {
        std::uint64_t token = owner_.load(std::memory_order_acquire);
        // Take the owner word for the link; fails when the owner gave up ownership.
        if (token != biased::no_owner &&
            owner_.compare_exchange_strong(token, biased::end_of_queue, std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
            const bool queued = biased::push_to_owner(
                token, node, family_index<Family>(),
                [this](std::uint64_t next) noexcept { owner_.store(next, std::memory_order_relaxed); });
            if (queued) return;
        }
        biased::drain_queued<Family>(node);
    }

    // Folds `local` into `shared` and drops the queue's reference. Runs on the owner, or
    // on any thread once the owner has exited or given up the node. True when that was
    // the last reference.
    bool merge_dropping_one() noexcept {
        owner_.store(biased::no_owner, std::memory_order_relaxed);
        std::int32_t s = shared_.load(std::memory_order_acquire);
        for (;;) {
            const std::int64_t local = (s & merged_flag) != 0 ? 0 : local_;
            const auto total = static_cast<std::int32_t>((s >> flag_bits) + local - 1);
            if (shared_.compare_exchange_weak(s, (total << flag_bits) | merged_flag,
                                              std::memory_order_acq_rel, std::memory_order_acquire)) {
                return total == 0;
            }
        }
    }

    static IMMUTABLE_NOINLINE std::int64_t drain_slow(biased::owner_record* rec) noexcept {
        const std::uint64_t head = rec->queue.exchange(biased::end_of_queue, std::memory_order_acquire);
        if (head == biased::end_of_queue) return 0;
        const std::int64_t n = biased::drain_list(head);
        biased::count_queued(-n);
        return n;
    }

    std::atomic<std::uint64_t> owner_;
    std::atomic<std::int32_t> shared_;
    std::uint32_t local_;
};

static_assert(sizeof(biased_refcount) == 16, "the biased count is a 16-byte node header");

namespace biased {

// The refcount heads its node (ownership.hpp requires `refs` first in a standard-layout
// node type), so the node's address is the count's.
inline biased_refcount& refs_of(void* node) noexcept { return *static_cast<biased_refcount*>(node); }

template <class Family>
void drain_queued(void* node) noexcept {
    auto* n = static_cast<typename Family::node_type*>(node);
    if (n->refs.merge_dropping_one()) Family::dispose(n);
}

inline std::int64_t drain_list(std::uint64_t head) noexcept {
    std::int64_t n = 0;
    while (head != end_of_queue) {
        void* node = linked_node(head);
        const std::uint64_t next = refs_of(node).owner_.load(std::memory_order_relaxed);
        linked_drain(head)(node);
        head = next;
        ++n;
    }
    return n;
}

// Runs when a registered thread exits: merges what was queued for it, gives up the
// token, then closes its queue (merging what raced in) and frees its slot. Nodes it still
// owns are merged by whoever drops them last.
struct thread_exit_hook {
    thread_exit_hook() noexcept = default;
    thread_exit_hook(const thread_exit_hook&) = delete;
    thread_exit_hook& operator=(const thread_exit_hook&) = delete;
    ~thread_exit_hook() {
        owner_record* rec = this_thread_record;
        if (rec == nullptr) return;
        biased_refcount::drain_this_thread();
        // From here on this thread never touches a local count again, so a thread that
        // finds the queue closed may merge this thread's nodes itself.
        this_thread_cannot_own = true;
        this_thread_token = not_an_owner;
        this_thread_queue = &no_queue;
        const std::uint64_t head = rec->queue.exchange(closed_queue, std::memory_order_acq_rel);
        if (head != end_of_queue && head != closed_queue) count_queued(-drain_list(head));
        this_thread_record = nullptr;
        std::lock_guard lock(registry.mutex);
        rec->token.store(no_owner, std::memory_order_release);
    }
};

// Gives this thread a token. Returns no_owner when it cannot have one: it is exiting,
// every slot is taken, or a record could not be allocated. Its nodes then start with
// merged counts, which is always correct, only slower.
inline IMMUTABLE_NOINLINE std::uint64_t register_this_thread() noexcept {
    if (this_thread_cannot_own) return no_owner;
    owner_record* rec = nullptr;
    std::uint64_t token = no_owner;
    {
        std::lock_guard lock(registry.mutex);
        for (std::size_t slot = 0; slot < max_owner_threads; ++slot) {
            owner_record* r = registry.records[slot].load(std::memory_order_relaxed);
            if (r == nullptr) {
                r = new (std::nothrow) owner_record; // never freed: slots are reused
                if (r == nullptr) return no_owner;
                registry.records[slot].store(r, std::memory_order_release);
            } else if (r->token.load(std::memory_order_relaxed) != no_owner) {
                continue;
            }
            token = make_token(slot, ++r->generation);
            r->queue.store(end_of_queue, std::memory_order_relaxed);
            r->token.store(token, std::memory_order_release);
            rec = r;
            break;
        }
    }
    if (rec == nullptr) {
        this_thread_cannot_own = true;
        return no_owner;
    }
    this_thread_record = rec;
    this_thread_queue = &rec->queue;
    this_thread_token = token;
    // Built on the first registration; its destructor runs at this thread's exit.
    static thread_local thread_exit_hook hook;
    (void)hook;
    return token;
}

} // namespace biased
} // namespace immutable::detail
