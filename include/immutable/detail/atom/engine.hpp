#pragma once
// The engine behind immutable::atom<C>: publishing container versions to readers whose
// reads write to no shared cache line.
//
// Design: per-thread cached snapshots validated by a version counter.
//   * The atom owns the current version in a heap box (value + version number) and a
//     separate atomic version counter, on a line that only writers write.
//   * Each reader thread has a slot in the atom (found through a table indexed by a
//     per-thread index) holding an owning copy of some version and that version's number.
//   * read() fast path: load the atom's version counter (one acquire load of a line that
//     stays in every reader's cache until the next store), compare with the slot's cached
//     number, and call f on the cached copy. No reference count, no lock, no RMW, no store
//     to any line another thread touches.
//   * read() slow path (the version changed, or first read by this thread): copy the
//     current value out of its box under a hazard pointer in the slot (so the writer cannot
//     free the box mid-copy), and replace the cached copy. This costs about four shared
//     writes: hazard set and clear, one increment on the new root, one decrement on the old.
//   * Writers serialise on a mutex held only to swap the box pointer and scan the hazards
//     (never while user code runs). A retired box is freed at once unless a reader's hazard
//     names it; then at the next store. At most one box per reader slot can be pinned so.
//
// Cost: each reader thread keeps ONE version alive through its cached copy until its next
// read() or load() of this atom, until it calls release_thread_cache(), until it exits, or
// until the atom dies. So at most (reader threads + 1) versions are alive besides the
// snapshots the program holds itself; versions in between are freed as soon as they are
// replaced. See docs/atom.md for why this design and the measurements.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include <immutable/detail/atom/instrument.hpp>
#include <immutable/detail/atom/slots.hpp>
#include <immutable/detail/atom/thread_registry.hpp>
#include <immutable/detail/config.hpp>

namespace immutable::detail::atom_support {

template <class C>
class engine {
    using box = version_box<C>;
    using slot = reader_slot<C>;
    using table = slot_table<slot>;

public:
    explicit engine(C initial) {
        auto first = std::unique_ptr<box>(new box{std::move(initial), 1, nullptr});
        owner_ = new slot_owner(this, &engine::drop_slot_of);
        current_.store(first.release(), std::memory_order_relaxed);
    }

    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    ~engine() {
        {
            // After this no exiting thread touches our slots.
            std::lock_guard lock(owner_->mutex);
            owner_->atom = nullptr;
        }
        owner_->release();
        table* t = table_.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < t->capacity(); ++i) {
            delete t->entries()[i].load(std::memory_order_relaxed);
        }
        table::destroy_chain(t);
        delete current_.load(std::memory_order_relaxed);
        free_boxes(retired_);
    }

    // ---- readers -------------------------------------------------------------------------

    template <class F>
    IMMUTABLE_ALWAYS_INLINE decltype(auto) read(F& f) const {
        slot* s = local_slot();
        if (IMMUTABLE_LIKELY(s != nullptr) &&
            IMMUTABLE_LIKELY(s->cached_version == version_.load(std::memory_order_acquire))) {
            depth_guard guard(*s);
            return std::invoke(f, std::as_const(*s->cached));
        }
        return read_slow(f, s);
    }

    // Drops this thread's cached snapshot (no-op inside a read() on this thread).
    void release_thread_cache() const noexcept {
        slot* s = local_slot();
        if (s != nullptr && s->depth == 0) {
            if (s->cached_version != 0) count_shared_writes(1);
            s->drop_cache();
        }
    }

    // ---- writers -------------------------------------------------------------------------

    C exchange(C desired) {
        auto fresh = std::unique_ptr<box>(new box{std::move(desired), 0, nullptr});
        std::optional<C> previous;
        box* garbage = nullptr;
        {
            std::lock_guard lock(write_mutex_);
            // Copy rather than move out: a reader may be copying from this box right now.
            previous.emplace(current_.load(std::memory_order_relaxed)->value);
            garbage = publish_locked(fresh.release());
        }
        free_boxes(garbage); // user destructors run outside the lock
        return std::move(*previous);
    }

    void store(C desired) {
        auto fresh = std::unique_ptr<box>(new box{std::move(desired), 0, nullptr});
        box* garbage = nullptr;
        {
            std::lock_guard lock(write_mutex_);
            garbage = publish_locked(fresh.release());
        }
        free_boxes(garbage);
    }

    bool compare_exchange(C& expected, C desired) {
        auto fresh = std::unique_ptr<box>(new box{std::move(desired), 0, nullptr});
        std::optional<C> observed;
        box* garbage = nullptr;
        {
            std::lock_guard lock(write_mutex_);
            const box* current = current_.load(std::memory_order_relaxed);
            if (current->value.identity() == expected.identity()) {
                garbage = publish_locked(fresh.release());
            } else {
                observed.emplace(current->value);
            }
        }
        free_boxes(garbage);
        if (observed) {
            expected = std::move(*observed); // the old expected is released outside the lock
            return false;
        }
        return true;
    }

private:
    // ++depth for the duration of one f call; restored when f throws.
    struct depth_guard {
        explicit depth_guard(slot& s) noexcept : s_(s) { ++s_.depth; }
        ~depth_guard() { --s_.depth; }
        depth_guard(const depth_guard&) = delete;
        depth_guard& operator=(const depth_guard&) = delete;
        slot& s_;
    };

    // Clears the hazard pointer on every exit from a protected copy.
    struct hazard_guard {
        explicit hazard_guard(slot& s) noexcept : s_(s) {}
        ~hazard_guard() { s_.hazard.store(nullptr, std::memory_order_release); }
        hazard_guard(const hazard_guard&) = delete;
        hazard_guard& operator=(const hazard_guard&) = delete;
        slot& s_;
    };

    // This thread's slot, or null when it has none yet. An unset index wraps to SIZE_MAX and
    // fails the bound check, so there is one branch for both cases.
    IMMUTABLE_ALWAYS_INLINE slot* local_slot() const noexcept {
        std::size_t index = this_thread_index_plus_one - 1;
        table* t = table_.load(std::memory_order_acquire);
        if (IMMUTABLE_UNLIKELY(index >= t->capacity())) return nullptr;
        return t->entries()[index].load(std::memory_order_acquire);
    }

    template <class F>
    IMMUTABLE_NOINLINE decltype(auto) read_slow(F& f, slot* s) const {
        thread_record* record = nullptr;
        if (s == nullptr || !s->registered) {
            record = this_thread_record();
            if (record == nullptr) {
                // Called from a thread_local destructor after this thread's record is gone:
                // no slot to cache in, so read a private copy.
                const C snapshot = copy_current_locked();
                return std::invoke(f, snapshot);
            }
        }
        if (s == nullptr) s = create_slot(record->index());
        if (!s->registered) {
            record->remember(owner_);
            count_shared_writes(1); // owner_->retain()
            s->registered = true;
        }
        if (s->depth != 0) {
            // A read() on this thread is still using *s->cached: leave it in place and read
            // a private copy of the current version instead.
            const C snapshot = copy_protected(*s);
            count_shared_writes(2); // the copy's increment and, later, its decrement
            return std::invoke(f, snapshot);
        }
        refresh(*s);
        depth_guard guard(*s);
        return std::invoke(f, std::as_const(*s->cached));
    }

    // Publishes `hazard = current box` and rechecks that it is still current. Once it is, a
    // writer that swaps the box out afterwards sees the hazard in its scan: each side stores,
    // then a full fence, then loads what the other stores (reader: store hazard, load
    // current; writer: store current, load hazards), so at least one of them sees the other's
    // store.
    const box* protect(slot& s) const noexcept {
        const box* p = current_.load(std::memory_order_seq_cst);
        for (;;) {
            s.hazard.store(p, std::memory_order_seq_cst);
            store_load_fence();
            const box* again = current_.load(std::memory_order_seq_cst);
            if (again == p) return p;
            p = again;
        }
    }

    // Brings the slot's cached copy up to the current version.
    void refresh(slot& s) const {
        std::optional<C> fresh;
        std::uint64_t fresh_version = 0;
        {
            const box* p = protect(s);
            hazard_guard clear(s);
            count_shared_writes(2); // hazard set and clear
            while_protected();
            if (p->version == s.cached_version) return;
            fresh.emplace(p->value);
            fresh_version = p->version;
        }
        count_shared_writes(s.cached_version != 0 ? 2 : 1); // new root +1, old root -1
        s.cached = std::move(*fresh);
        s.cached_version = fresh_version;
    }

    C copy_protected(slot& s) const {
        const box* p = protect(s);
        hazard_guard clear(s);
        count_shared_writes(2);
        while_protected();
        return p->value;
    }

    // A box is unlinked from current_ only under write_mutex_ (and freed later), so the
    // current box cannot go away while we hold the mutex.
    C copy_current_locked() const {
        std::lock_guard lock(write_mutex_);
        count_shared_writes(4); // lock, unlock, copy increment, decrement later
        return current_.load(std::memory_order_relaxed)->value;
    }

    slot* create_slot(std::size_t index) const {
        std::lock_guard lock(slots_mutex_);
        count_shared_writes(3); // lock, unlock, table entry
        table* t = table_.load(std::memory_order_relaxed);
        if (index >= t->capacity()) {
            std::size_t capacity = t->capacity() == 0 ? 4 : 2 * t->capacity();
            while (capacity <= index) capacity *= 2;
            t = table::create(capacity, t);
            count_shared_writes(1);
            // seq_cst so that a writer's hazard scan (seq_cst loads) after its box swap sees
            // this table if this thread's hazard store preceded the swap.
            table_.store(t, std::memory_order_seq_cst);
        }
        slot* s = t->entries()[index].load(std::memory_order_relaxed);
        if (s == nullptr) {
            s = new slot;
            t->entries()[index].store(s, std::memory_order_seq_cst);
        }
        return s;
    }

    // Called at thread exit by the thread owning slot `index`, under owner_->mutex.
    static void drop_slot_of(void* self, std::size_t index) noexcept {
        auto* e = static_cast<engine*>(self);
        table* t = e->table_.load(std::memory_order_acquire);
        if (index >= t->capacity()) return;
        slot* s = t->entries()[index].load(std::memory_order_acquire);
        if (s == nullptr) return;
        s->drop_cache();
        s->registered = false;
    }

    // Under write_mutex_: makes `fresh` current and retires the old box. Returns the
    // retired boxes no hazard names any more, for the caller to free after unlocking.
    box* publish_locked(box* fresh) {
        box* old = current_.load(std::memory_order_relaxed);
        fresh->version = old->version + 1;
        current_.store(fresh, std::memory_order_seq_cst);
        version_.store(fresh->version, std::memory_order_release);
        old->next_retired = retired_;
        retired_ = old;
        return collect_unprotected_locked();
    }

    // Seq_cst accesses alone order a store before a later load in C++, but the fence makes
    // the order explicit in the instructions: AArch64 run under qemu-user on an x86-64 host
    // kept the two accesses in the wrong order without it, and readers copied freed boxes.
    // Not under GCC's ThreadSanitizer, which warns that it does not model fences (it checks
    // the C++ model, where the seq_cst accesses suffice).
    static void store_load_fence() noexcept {
#if !defined(__SANITIZE_THREAD__)
        std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
    }

    box* collect_unprotected_locked() {
        // Between the caller's store of the current box and the loads of the hazards (protect).
        store_load_fence();
        table* t = table_.load(std::memory_order_seq_cst);
        box* kept = nullptr;
        box* unprotected = nullptr;
        for (box* b = retired_; b != nullptr;) {
            box* next = b->next_retired;
            box*& list = is_protected(t, b) ? kept : unprotected;
            b->next_retired = list;
            list = b;
            b = next;
        }
        retired_ = kept;
        return unprotected;
    }

    static bool is_protected(table* t, const box* b) noexcept {
        for (std::size_t i = 0; i < t->capacity(); ++i) {
            const slot* s = t->entries()[i].load(std::memory_order_seq_cst);
            if (s != nullptr && s->hazard.load(std::memory_order_seq_cst) == b) return true;
        }
        return false;
    }

    static void free_boxes(box* list) noexcept {
        while (list != nullptr) {
            box* next = list->next_retired;
            delete list;
            list = next;
        }
    }

    //   engine<C> (the atom itself) {
    //       -- line group 0: read on every read(), written by each store --
    //       atomic<uint64_t> version_;   // == current_->version once a store completes
    //       atomic<slot_table*> table_;  // written only when a new thread's slot grows it
    //       atomic<box*> current_;
    //       -- line group 1: writers and slot creation only --
    //       mutex write_mutex_; box* retired_; mutex slots_mutex_; slot_owner* owner_;
    //   }
    alignas(separation) std::atomic<std::uint64_t> version_{1};
    mutable std::atomic<table*> table_{table::empty()};
    std::atomic<box*> current_{nullptr};

    alignas(separation) mutable std::mutex write_mutex_;
    box* retired_ = nullptr; // guarded by write_mutex_; each named by some slot's hazard
    mutable std::mutex slots_mutex_;
    slot_owner* owner_ = nullptr;
};

} // namespace immutable::detail::atom_support
