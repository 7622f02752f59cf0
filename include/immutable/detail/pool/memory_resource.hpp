#pragma once
// The upstream memory resource a node_pool may draw from: std::pmr::memory_resource, or,
// with standard libraries that ship it only as a Library Fundamentals TS header (libc++
// before 16), std::experimental::pmr::memory_resource. Both have the same interface; the
// pools use only allocate and deallocate through a pointer.

#if __has_include(<memory_resource>)
#include <memory_resource>
#else
#include <experimental/memory_resource>
#endif

namespace immutable {

#if __has_include(<memory_resource>)
using memory_resource = std::pmr::memory_resource;
#else
using memory_resource = std::experimental::pmr::memory_resource;
#endif

} // namespace immutable
