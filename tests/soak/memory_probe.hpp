#pragma once
// What the soak samples about the process's memory while it runs: the resident set size
// (from /proc/self/statm) and the bytes the heap has handed out and not yet had back (glibc's
// mallinfo2, or the sanitizer allocator's own count under ASan/TSan, whose allocator replaces
// malloc).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define IMMUTABLE_SOAK_ASAN 1
#elif defined(__SANITIZE_THREAD__)
#define IMMUTABLE_SOAK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMMUTABLE_SOAK_ASAN 1
#elif __has_feature(thread_sanitizer)
#define IMMUTABLE_SOAK_TSAN 1
#endif
#endif
#if defined(IMMUTABLE_SOAK_ASAN) || defined(IMMUTABLE_SOAK_TSAN)
#define IMMUTABLE_SOAK_SANITIZER_HEAP 1
#endif

#if defined(IMMUTABLE_SOAK_SANITIZER_HEAP)
// Part of the ASan and TSan runtimes (declared here: g++ ships no allocator_interface.h).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

namespace immutable::soak {

// Resident set size in bytes, 0 when /proc is not available.
inline std::int64_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    long long size = 0, resident = 0;
    const int fields = std::fscanf(f, "%lld %lld", &size, &resident);
    std::fclose(f);
    if (fields != 2) return 0;
    return static_cast<std::int64_t>(resident) * static_cast<std::int64_t>(sysconf(_SC_PAGESIZE));
}

// Heap bytes in use (allocated, not freed), -1 when unknown.
inline std::int64_t heap_in_use_bytes() {
#if defined(IMMUTABLE_SOAK_SANITIZER_HEAP)
    return static_cast<std::int64_t>(__sanitizer_get_current_allocated_bytes());
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 m = mallinfo2();
    return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
#else
    return -1;
#endif
}

enum class heap_kind { malloc, asan, tsan };

constexpr heap_kind this_heap() {
#if defined(IMMUTABLE_SOAK_ASAN)
    return heap_kind::asan;
#elif defined(IMMUTABLE_SOAK_TSAN)
    return heap_kind::tsan;
#else
    return heap_kind::malloc;
#endif
}

constexpr const char* heap_name(heap_kind k) {
    return k == heap_kind::asan ? "ASan allocator" : k == heap_kind::tsan ? "TSan allocator" : "malloc";
}

} // namespace immutable::soak
