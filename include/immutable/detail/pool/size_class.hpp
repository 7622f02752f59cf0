#pragma once
// Size classes and the free block layout shared by every pool.
//
// Requests are rounded up to a size class; a pool keeps one free list per class, so a
// freed block can serve any later request of the same class. Classes are 8 bytes apart
// from 16 bytes up to 1 KiB (where most nodes live: a list leaf of 32 eight-byte elements
// is 280 bytes, a B+tree leaf of 32 int64 pairs 520) and 64 bytes apart from there to
// 4 KiB (wide B+tree or string leaves), which keeps the rounding waste under 6% above
// 1 KiB. Bigger requests bypass the pools.
//
// Why 8-byte steps: node sizes are multiples of 8, and in containers of 8-byte elements
// most nodes are 16k + 8 bytes (an 8-byte field after 16-byte units). A 16-byte step would round those up to
// 16k + 16, which glibc's malloc then stores in a 16k + 32 chunk (it adds an 8-byte
// header), where the request itself fits a 16k + 16 chunk: 16 bytes lost per node. With
// 8-byte steps a pooled block costs the allocator exactly what the node alone would.
//
// Alignment comes from upstream, not from the class size: every block is its own upstream
// allocation aligned for std::max_align_t, so a 24-byte class still hands out 16-byte
// aligned blocks. The smallest class (16 bytes) holds the two free-list links.
//
// Why no slabs: every pooled block is one upstream allocation of exactly its class size.
// A slab allocator would save upstream calls on first use, but a slab can only go back to
// the system once all its blocks are free; one block per allocation lets trim() return
// every cached byte, and upstream calls only happen when the pools run dry anyway.

#include <cstddef>
#include <cstdint>
#include <immutable/detail/pool/memory_resource.hpp>
#include <new>

#include <immutable/memory.hpp>

#if defined(__SANITIZE_ADDRESS__)
#define IMMUTABLE_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMMUTABLE_POOL_ASAN 1
#endif
#endif
#if defined(IMMUTABLE_POOL_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace immutable::detail::pool {

inline constexpr std::size_t smallest_class = 16;     // two free-list links
inline constexpr std::size_t fine_step = 8;           // class spacing up to fine_limit
inline constexpr std::size_t fine_limit = 1024;
inline constexpr std::size_t coarse_step = 64;        // class spacing above it
inline constexpr std::size_t max_pooled_bytes = 4096; // larger requests go upstream
inline constexpr std::size_t fine_classes = (fine_limit - smallest_class) / fine_step + 1;
inline constexpr std::size_t class_count =
    fine_classes + (max_pooled_bytes - fine_limit) / coarse_step;

static_assert(smallest_class >= 2 * sizeof(void*) && smallest_class % fine_step == 0,
              "the smallest class must hold two link pointers");
static_assert((fine_limit - smallest_class) % fine_step == 0 && fine_limit % coarse_step == 0,
              "the fine classes must end exactly at fine_limit");

// Precondition: bytes <= max_pooled_bytes. Requests up to 16 bytes (and zero) take the
// smallest class, through a conditional move rather than a branch.
constexpr std::size_t class_of(std::size_t bytes) noexcept {
    if (bytes <= fine_limit) {
        std::size_t b = bytes < smallest_class ? smallest_class : bytes;
        return (b - smallest_class + fine_step - 1) / fine_step;
    }
    return fine_classes + (bytes - fine_limit - 1) / coarse_step;
}

constexpr std::size_t class_size(std::size_t index) noexcept {
    return index < fine_classes ? smallest_class + index * fine_step
                                : fine_limit + (index - fine_classes + 1) * coarse_step;
}

static_assert(class_of(0) == 0 && class_of(16) == 0 && class_of(17) == 1 && class_of(24) == 1);
static_assert(class_size(class_of(1024)) == 1024 && class_size(class_of(1025)) == 1088);
static_assert(class_size(class_of(280)) == 280 && class_size(class_of(520)) == 520);
static_assert(class_of(max_pooled_bytes) == class_count - 1);
static_assert(class_size(class_count - 1) == max_pooled_bytes);

// The bytes a request really occupies: its class size, or itself when not pooled.
constexpr std::size_t block_size(std::size_t bytes) noexcept {
    return bytes > max_pooled_bytes ? bytes : class_size(class_of(bytes));
}

// How many blocks move together between a thread cache and the second tier (a "batch"):
// up to max_blocks, fewer for big classes so one batch stays near max_bytes, never under 2
// unless max_blocks says so.
constexpr std::uint32_t batch_size(std::size_t index, std::size_t max_blocks,
                                   std::size_t max_bytes) noexcept {
    std::size_t by_bytes = max_bytes / class_size(index);
    std::size_t n = by_bytes < 2 ? 2 : by_bytes;
    if (n > max_blocks) n = max_blocks;
    if (n < 1) n = 1;
    if (n > 0xffff) n = 0xffff;
    return static_cast<std::uint32_t>(n);
}

// A block while it sits in a pool. Only the first two words are used, so every class (the
// smallest is 16 bytes) can hold it.
//
//   struct free_block {          // at the start of the free block's own memory
//       free_block* next;        // next block of the same batch or free list
//       free_block* next_batch;  // only in a batch's first block: the next batch in a stack
//   };
//
// Invariant: a free list or batch never mixes classes; a full batch is exactly
// batch_size(class) blocks chained through `next`, the last one's `next` is null.
struct free_block {
    free_block* next;
    free_block* next_batch;
};

// Under AddressSanitizer a block in a pool is poisoned past its links, and a block handed
// out is poisoned past the bytes asked for, so a container that touches a freed node, or
// writes past the end of one, is reported even though the pool never freed the memory.
inline void poison_free(void* p, std::size_t size) noexcept {
#if defined(IMMUTABLE_POOL_ASAN)
    ASAN_POISON_MEMORY_REGION(static_cast<char*>(p) + sizeof(free_block), size - sizeof(free_block));
#else
    (void)p, (void)size;
#endif
}

inline void prepare_links(void* p) noexcept {
#if defined(IMMUTABLE_POOL_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(p, sizeof(free_block));
#else
    (void)p;
#endif
}

inline void unpoison_live(void* p, std::size_t bytes, std::size_t size) noexcept {
#if defined(IMMUTABLE_POOL_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(p, size);
    ASAN_POISON_MEMORY_REGION(static_cast<char*>(p) + bytes, size - bytes);
#else
    (void)p, (void)bytes, (void)size;
#endif
}

inline void unpoison_all(void* p, std::size_t size) noexcept {
#if defined(IMMUTABLE_POOL_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(p, size);
#else
    (void)p, (void)size;
#endif
}

// Turns memory that held a live node into a free block heading `next`.
inline free_block* make_free(void* p, std::size_t size, free_block* next) noexcept {
    prepare_links(p);
    free_block* b = ::new (p) free_block{next, nullptr};
    poison_free(p, size);
    return b;
}

// Where pooled blocks come from and go back to: a memory resource given by the user, or
// (null) the global operator new, called directly so the common case has no virtual call.
inline void* upstream_allocate(memory_resource* upstream, std::size_t size) {
    if (upstream == nullptr) return ::operator new(size);
    return upstream->allocate(size, alignof(std::max_align_t));
}

inline void upstream_deallocate(memory_resource* upstream, void* p,
                                std::size_t size) noexcept {
    if (upstream == nullptr) {
        sized_delete(p, size);
    } else {
        upstream->deallocate(p, size, alignof(std::max_align_t));
    }
}

// Returns every block of a chain (linked through `next`) upstream; returns their count.
inline std::size_t release_chain(memory_resource* upstream, free_block* b,
                                 std::size_t size) noexcept {
    std::size_t n = 0;
    while (b != nullptr) {
        free_block* next = b->next;
        unpoison_all(b, size);
        upstream_deallocate(upstream, b, size);
        b = next;
        ++n;
    }
    return n;
}

} // namespace immutable::detail::pool
