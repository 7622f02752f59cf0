#pragma once
// The memory of an atom besides the atom object itself: the published version (a box),
// one reader slot per thread, and the table that finds a thread's slot by its index.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>

namespace immutable::detail::atom_support {

// Objects written by different threads are kept this far apart. 128 rather than 64:
// x86 fetches cache lines in adjacent pairs, so two hot objects 64 bytes apart still
// contend.
inline constexpr std::size_t separation = 128;

// One published version. A writer allocates a box per store; readers copy `value` out of
// it under a hazard pointer, so a box is freed only once no reader's hazard names it.
//
//   version_box<C> {
//       C value;                  // the snapshot; immutable once published
//       uint64_t version;         // 1 for the atom's first value, +1 per store
//       version_box* next_retired // links the atom's retired list (writers only)
//   }
// Invariant: versions of successive boxes in current_ increase by exactly 1.
template <class C>
struct version_box {
    C value;
    std::uint64_t version = 0;
    version_box* next_retired = nullptr;
};

// One thread's view of one atom. Two separate lines so that writers scanning hazards do not
// pull the line the reader uses on every read out of the reader's cache.
//
//   reader_slot<C> {                       // line group 0: owner thread only
//       uint64_t cached_version;           //   0 = nothing cached
//       uint32_t depth;                    //   read() calls in progress on this slot
//       bool registered;                   //   in the owner thread's exit list
//       optional<C> cached;                //   owning snapshot of version cached_version
//       -- pad to 128 --
//       atomic<const box*> hazard;         // line group 1: written by the owner in the
//       -- pad to 128 --                   //   slow path, read by writers
//   }
// Invariants: cached_version != 0 exactly when cached holds a value; hazard is null
// outside the slow path; cached is never replaced while depth != 0 (a read() on this
// thread still holds a reference into it).
template <class C>
struct alignas(separation) reader_slot {
    using box = version_box<C>;

    std::uint64_t cached_version = 0;
    std::uint32_t depth = 0;
    bool registered = false;
    std::optional<C> cached;

    alignas(separation) std::atomic<const box*> hazard{nullptr};

    void drop_cache() noexcept {
        cached.reset();
        cached_version = 0;
    }
};

// Maps a thread index to that thread's slot. Grows by replacement: a larger table is built
// beside the old one, which stays allocated until the atom dies because a concurrent
// reader or writer may still be walking it. The tables only double, so all the
// generations together take less than twice the last one.
//
//   slot_table<Slot> {
//       size_t capacity;
//       slot_table* older;              // the table this one replaced, or null
//       atomic<Slot*> entries[capacity];  // trailing, in the same allocation
//   }
// Invariant: an entry, once set, never changes, and a grown table copies every entry.
template <class Slot>
class slot_table {
public:
    using entry = std::atomic<Slot*>;

    static slot_table* create(std::size_t capacity, slot_table* older) {
        void* raw = ::operator new(bytes(capacity));
        auto* t = ::new (raw) slot_table(capacity, older);
        entry* e = t->entries();
        for (std::size_t i = 0; i < capacity; ++i) ::new (static_cast<void*>(e + i)) entry(nullptr);
        if (older != nullptr) {
            for (std::size_t i = 0; i < older->capacity_; ++i) {
                e[i].store(older->entries()[i].load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
            }
        }
        return t;
    }

    // Frees this table and every older generation (not the slots).
    static void destroy_chain(slot_table* t) noexcept {
        while (t != nullptr && t->capacity_ != 0) {
            slot_table* older = t->older_;
            std::size_t capacity = t->capacity_;
            std::destroy_n(t->entries(), capacity);
            t->~slot_table();
#if defined(__cpp_sized_deallocation)
            ::operator delete(static_cast<void*>(t), bytes(capacity));
#else
            ::operator delete(static_cast<void*>(t)); // clang without -fsized-deallocation
#endif
            t = older;
        }
    }

    // The shared capacity-0 table every atom starts with, so the fast path needs no null
    // check. Never written, never freed.
    static slot_table* empty() noexcept {
        static slot_table table(0, nullptr);
        return &table;
    }

    std::size_t capacity() const noexcept { return capacity_; }
    slot_table* older() const noexcept { return older_; }
    entry* entries() noexcept { return reinterpret_cast<entry*>(this + 1); }

private:
    slot_table(std::size_t capacity, slot_table* older) noexcept
        : capacity_(capacity), older_(older) {}

    static std::size_t bytes(std::size_t capacity) noexcept {
        return sizeof(slot_table) + capacity * sizeof(entry);
    }

    std::size_t capacity_;
    slot_table* older_;
};

static_assert(sizeof(slot_table<int>) % alignof(std::atomic<int*>) == 0);

} // namespace immutable::detail::atom_support
