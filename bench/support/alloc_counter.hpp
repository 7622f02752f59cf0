#pragma once
// Exact allocation accounting for the benchmark binaries. alloc_counter.cpp replaces the
// global operator new/delete, so std containers, abseil and ours are counted by the same
// hook. Counters are per thread (no atomics on the hot path); a benchmark reads its own.

#include <cstdint>

namespace immutable_bench {

struct alloc_stats {
    std::int64_t allocations = 0;   // calls to operator new
    std::int64_t deallocations = 0; // calls to operator delete with a non-null pointer
    std::int64_t bytes_allocated = 0; // requested bytes, summed over allocations
    std::int64_t bytes_freed = 0;     // requested bytes of the blocks freed
    std::int64_t live_bytes() const { return bytes_allocated - bytes_freed; }
};

// This thread's running totals since the thread started.
alloc_stats thread_alloc_stats() noexcept;

// Peak resident set size of the process, in bytes (from getrusage).
std::int64_t peak_rss_bytes() noexcept;

} // namespace immutable_bench
