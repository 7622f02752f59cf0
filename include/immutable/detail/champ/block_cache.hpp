#pragma once
// Free node blocks a builder keeps for its own next allocations.
//
// A builder that adds an entry to a node it owns reallocates that node one slot larger and
// frees the old one; building a million-entry map does that about a million times, and with
// the default policy (operator new) the malloc/free pair was a quarter of the builder's
// time. Node sizes step by a slot at a time, so the block freed by one update is very often
// exactly the size a later update asks for. The builder therefore keeps the blocks it frees,
// sorted by size, and hands them out again: no call to the policy, and the block is still in
// cache. Nodes stay sized exactly (no spare capacity), so bytes per entry do not change.
//
// Every block came from node_memory<Policy>::allocate (as a node) and goes back to
// node_memory<Policy>::deallocate with the same size, when the cache is full or is
// destroyed with its builder. A builder belongs to one thread at a time, so the cache
// needs no synchronisation. It holds at most `per_bucket` blocks of each size up to
// `max_bytes`.
//
//   struct free_block {          // written over a cached block's first bytes
//       free_block* next;        // next block of the same bucket
//       std::size_t bytes;       // its exact size (a bucket spans `granule` sizes)
//   };

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include <immutable/detail/ownership.hpp>

namespace immutable::detail::champ {

template <class Policy>
class block_cache {
public:
    static constexpr std::size_t granule = 8;
    static constexpr std::size_t max_bytes = 1024;
    static constexpr std::size_t bucket_count = max_bytes / granule + 1;
    static constexpr unsigned per_bucket = 8;

    block_cache() noexcept = default;
    block_cache(const block_cache&) = delete;
    block_cache& operator=(const block_cache&) = delete;
    ~block_cache() { clear(); }

    // A cached block of exactly `bytes`, or nullptr.
    void* take(std::size_t bytes) noexcept {
        if (bytes > max_bytes) return nullptr;
        std::size_t b = bytes / granule;
        free_block* f = heads_[b];
        if (f == nullptr || f->bytes != bytes) return nullptr;
        heads_[b] = f->next;
        --counts_[b];
        return f;
    }

    // Keeps `p` (allocated with `bytes`) for later, or returns it to the policy when full.
    void give(void* p, std::size_t bytes) noexcept {
        std::size_t b = bytes / granule;
        if (bytes > max_bytes || bytes < sizeof(free_block) || counts_[b] == per_bucket) {
            node_memory<Policy>::deallocate(p, bytes);
            return;
        }
        heads_[b] = ::new (p) free_block{heads_[b], bytes};
        ++counts_[b];
    }

    void clear() noexcept {
        for (std::size_t b = 0; b < bucket_count; ++b) {
            while (heads_[b] != nullptr) {
                free_block* f = std::exchange(heads_[b], heads_[b]->next);
                std::size_t bytes = f->bytes;
                node_memory<Policy>::deallocate(f, bytes);
            }
            counts_[b] = 0;
        }
    }

private:
    struct free_block {
        free_block* next;
        std::size_t bytes;
    };

    free_block* heads_[bucket_count] = {};
    std::uint8_t counts_[bucket_count] = {};
};

} // namespace immutable::detail::champ
