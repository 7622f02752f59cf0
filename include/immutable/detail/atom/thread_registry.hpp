#pragma once
// Thread indices and thread-exit cleanup for immutable::atom.
//
// A thread that reads an atom gets a small index, the same for every atom, which picks its
// reader slot in each atom's slot table (detail/atom/slots.hpp). Indices are reused once
// their thread has exited, so a slot table grows to the largest number of threads that were
// alive at once, not to the number of threads ever started.
//
// Every slot caches an owning snapshot. When a thread exits it drops the snapshot it
// cached in every atom it read, so a finished thread keeps no old version alive. It reaches
// those atoms through a slot_owner: a small reference-counted block shared by an atom and
// the threads that read it, which says whether the atom is still alive (an atom may die
// before or after the threads that read it).

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace immutable::detail::atom_support {

inline constexpr std::size_t no_thread_index = static_cast<std::size_t>(-1);

// Shared by one atom and every thread holding a snapshot cached from it.
struct slot_owner {
    using drop_slot_fn = void (*)(void* atom, std::size_t index) noexcept;

    slot_owner(void* a, drop_slot_fn drop) noexcept : atom(a), drop_slot(drop) {}

    void retain() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    bool atom_alive() {
        std::lock_guard lock(mutex);
        return atom != nullptr;
    }

    std::atomic<std::uint32_t> refs{1};
    std::mutex mutex;
    void* atom;            // guarded by mutex; null once the atom has been destroyed
    drop_slot_fn drop_slot; // drops the snapshot cached in slot `index` of `atom`
};

// The pool of thread indices. Never destroyed: a detached thread may exit after static
// destructors have run.
struct index_pool {
    std::mutex mutex;
    std::vector<std::size_t> free; // capacity always covers every index handed out
    std::size_t next = 0;

    static index_pool& instance() {
        static index_pool* pool = new index_pool;
        return *pool;
    }
};

// This thread's index plus one; 0 while it has none (before its first read of any atom, and
// again once its thread_record is gone). Constant-initialised and trivial, so reading it on
// the fast path is a plain thread-local load with no guard.
inline thread_local std::size_t this_thread_index_plus_one = 0;
// Set once this thread's record has been destroyed (thread exit): later reads from
// thread_local destructors take the slot-less path.
inline thread_local bool this_thread_record_gone = false;

class thread_record {
public:
    thread_record() {
        index_pool& pool = index_pool::instance();
        std::lock_guard lock(pool.mutex);
        if (pool.free.empty()) {
            pool.free.reserve(pool.next + 1); // so that returning the index never allocates
            index_ = pool.next++;
        } else {
            index_ = pool.free.back();
            pool.free.pop_back();
        }
        this_thread_index_plus_one = index_ + 1;
    }

    thread_record(const thread_record&) = delete;
    thread_record& operator=(const thread_record&) = delete;

    // Runs at thread exit on the exiting thread itself, so dropping this thread's slots
    // races with no read: only the atom's destructor could touch them, and the owner's
    // mutex keeps it out.
    ~thread_record() {
        this_thread_record_gone = true;
        this_thread_index_plus_one = 0;
        for (slot_owner* owner : owners_) {
            {
                std::lock_guard lock(owner->mutex);
                if (owner->atom != nullptr) owner->drop_slot(owner->atom, index_);
            }
            owner->release();
        }
        index_pool& pool = index_pool::instance();
        std::lock_guard lock(pool.mutex);
        pool.free.push_back(index_);
    }

    std::size_t index() const noexcept { return index_; }

    // Called once per (thread, atom) pair: the atom's slot for this thread now holds a
    // snapshot that this thread must drop when it exits.
    void remember(slot_owner* owner) {
        if (owners_.size() >= prune_at_) {
            forget_dead_atoms();
            prune_at_ = std::max<std::size_t>(8, 2 * owners_.size());
        }
        owners_.push_back(owner);
        owner->retain();
    }

private:
    // Keeps the list proportional to the atoms alive, for threads that read many
    // short-lived atoms; amortised O(1) per remember().
    void forget_dead_atoms() {
        std::erase_if(owners_, [](slot_owner* owner) {
            if (owner->atom_alive()) return false;
            owner->release();
            return true;
        });
    }

    std::size_t index_ = 0;
    std::vector<slot_owner*> owners_;
    std::size_t prune_at_ = 8;
};

// This thread's record, created on first use; nullptr once the thread is exiting.
inline thread_record* this_thread_record() {
    if (this_thread_record_gone) return nullptr;
    thread_local thread_record record;
    return &record;
}

} // namespace immutable::detail::atom_support
