#pragma once
// Memory policies: where nodes come from and how their reference counts are kept.
//
// Every container takes a policy as its last template argument. A policy is a type with
//   using refcount = detail::atomic_refcount or detail::plain_refcount;
//   static void* allocate(std::size_t bytes);               // aligned for std::max_align_t
//   static void deallocate(void* p, std::size_t bytes) noexcept;  // bytes as allocated
// Engines allocate every node (header plus trailing elements) with one allocate() call.
//
// Which to pick:
//   heap_policy (the default)  any sharing across threads; nodes from operator new.
//   single_thread_heap_policy  values that never cross threads: reference counts are
//                              plain integers, a persistent update skips locked instructions.

#include <cstddef>
#include <concepts>
#include <new>

#include <immutable/detail/refcount.hpp>

namespace immutable {

struct heap_policy {
    using refcount = detail::atomic_refcount;
    static void* allocate(std::size_t bytes) { return ::operator new(bytes); }
    static void deallocate(void* p, std::size_t bytes) noexcept { ::operator delete(p, bytes); }
};

struct single_thread_heap_policy {
    using refcount = detail::plain_refcount;
    static void* allocate(std::size_t bytes) { return ::operator new(bytes); }
    static void deallocate(void* p, std::size_t bytes) noexcept { ::operator delete(p, bytes); }
};

using default_policy = heap_policy;

// The requirements above as a concept, so a wrong policy fails with one readable line.
template <class P>
concept memory_policy = requires(std::size_t n, void* p) {
    typename P::refcount;
    { P::allocate(n) } -> std::same_as<void*>;
    P::deallocate(p, n);
};

} // namespace immutable
