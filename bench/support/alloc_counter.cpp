// Global operator new/delete that count per thread. Each block carries a 16-byte header
// holding its requested size, so frees are counted exactly even through unsized delete.
// The header is the same for every implementation measured, so ratios stay fair.

#include "alloc_counter.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>

#include <sys/resource.h>

namespace {

thread_local immutable_bench::alloc_stats tls_stats;

constexpr std::size_t header_bytes = 16; // keeps the user block 16-byte aligned

void* counted_alloc(std::size_t size, std::size_t align) {
    std::size_t header = align > header_bytes ? align : header_bytes;
    void* base = align > header_bytes ? std::aligned_alloc(align, header + ((size + align - 1) / align) * align)
                                      : std::malloc(header + size);
    if (base == nullptr) return nullptr;
    auto* user = static_cast<unsigned char*>(base) + header;
    // The size and header length sit just below the user block.
    reinterpret_cast<std::size_t*>(user)[-1] = size;
    reinterpret_cast<std::size_t*>(user)[-2] = header;
    ++tls_stats.allocations;
    tls_stats.bytes_allocated += static_cast<std::int64_t>(size);
    return user;
}

void counted_free(void* p) noexcept {
    if (p == nullptr) return;
    auto* user = static_cast<unsigned char*>(p);
    std::size_t size = reinterpret_cast<std::size_t*>(user)[-1];
    std::size_t header = reinterpret_cast<std::size_t*>(user)[-2];
    ++tls_stats.deallocations;
    tls_stats.bytes_freed += static_cast<std::int64_t>(size);
    std::free(user - header);
}

void* alloc_or_throw(std::size_t size, std::size_t align) {
    if (void* p = counted_alloc(size == 0 ? 1 : size, align)) return p;
    throw std::bad_alloc();
}

} // namespace

namespace immutable_bench {

alloc_stats thread_alloc_stats() noexcept { return tls_stats; }

std::int64_t peak_rss_bytes() noexcept {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

} // namespace immutable_bench

void* operator new(std::size_t size) { return alloc_or_throw(size, header_bytes); }
void* operator new[](std::size_t size) { return alloc_or_throw(size, header_bytes); }
void* operator new(std::size_t size, std::align_val_t al) {
    return alloc_or_throw(size, static_cast<std::size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al) {
    return alloc_or_throw(size, static_cast<std::size_t>(al));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return counted_alloc(size == 0 ? 1 : size, header_bytes);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return counted_alloc(size == 0 ? 1 : size, header_bytes);
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
