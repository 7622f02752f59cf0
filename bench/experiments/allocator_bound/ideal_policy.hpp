#pragma once
// ideal_policy: the cheapest reusing allocator we can think of for ONE thread, used only to
// bound from above what any allocator could gain over heap_policy.
//  - per size class (bytes rounded up to 16) an intrusive LIFO free list in plain static
//    storage: allocate = pop, deallocate = push. No locks, no atomics, no caps, no stats.
//  - an empty class is refilled by carving a 64 KiB slab from operator new; slabs are never
//    returned (fine for a benchmark).
//  - requests above max_bytes go to operator new (nodes here are all far below it).
// NOT thread-safe: only for single-thread benchmarks.
#include <cstddef>
#include <new>

#include <immutable/detail/refcount.hpp>
#include <immutable/memory.hpp>

namespace allocator_bound {

namespace ideal_detail {
struct free_block {
    free_block* next;
};
constexpr std::size_t granule = 16;
constexpr std::size_t max_bytes = 8192;
constexpr std::size_t classes = max_bytes / granule + 1;
constexpr std::size_t slab_bytes = 64 * 1024;

// Each policy type has its own lists (plain static: zero-initialised, no guard).
template <class Refcount>
inline free_block* free_lists[classes] = {};

template <class Refcount>
[[gnu::noinline]] void* refill(std::size_t cls) {
    if (cls == 0) return ::operator new(granule); // 0-byte requests: class 0 recycles it
    const std::size_t block = cls * granule;
    std::size_t count = slab_bytes / block;
    if (count < 2) count = 2;
    char* slab = static_cast<char*>(::operator new(block * count));
    // Keep the first block for the caller; thread the rest onto the list.
    free_block* head = nullptr;
    for (std::size_t i = count - 1; i >= 1; --i) {
        auto* b = reinterpret_cast<free_block*>(slab + i * block);
        b->next = head;
        head = b;
    }
    free_lists<Refcount>[cls] = head;
    return slab;
}
} // namespace ideal_detail

template <class Refcount>
struct basic_ideal_policy {
    using refcount = Refcount;
    static void* allocate(std::size_t bytes) {
        using namespace ideal_detail;
        if (bytes > max_bytes) [[unlikely]] return ::operator new(bytes);
        const std::size_t cls = (bytes + granule - 1) / granule;
        free_block* b = free_lists<Refcount>[cls];
        if (b != nullptr) [[likely]] {
            free_lists<Refcount>[cls] = b->next;
            return b;
        }
        return refill<Refcount>(cls);
    }
    static void deallocate(void* p, std::size_t bytes) noexcept {
        using namespace ideal_detail;
        if (bytes > max_bytes) [[unlikely]] {
            immutable::detail::sized_delete(p, bytes);
            return;
        }
        const std::size_t cls = (bytes + granule - 1) / granule;
        auto* b = static_cast<free_block*>(p);
        b->next = free_lists<Refcount>[cls];
        free_lists<Refcount>[cls] = b;
    }
};

// Atomic reference counts (like heap_policy / pooled_policy): isolates the allocator.
using ideal_policy = basic_ideal_policy<immutable::detail::biased_refcount>;
// Plain counts + the ideal allocator: the floor with neither allocator nor atomics.
using ideal_plain_policy = basic_ideal_policy<immutable::detail::plain_refcount>;

static_assert(immutable::memory_policy<ideal_policy>);
static_assert(immutable::memory_policy<ideal_plain_policy>);

} // namespace allocator_bound
