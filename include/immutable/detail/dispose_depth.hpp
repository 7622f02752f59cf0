#pragma once
// Destroying nested structures without recursion as deep as the nesting.
//
// A node's dispose destroys its elements, and an element may hold a container (a list of
// lists, a box whose value holds the next box, a JSON-like document), whose last release
// disposes that container's nodes from inside the first dispose. Left alone, destroying
// a list nested 100,000 levels deep would nest 100,000 disposes and overflow the stack.
//
// So each thread counts how deep it is in disposes. Up to `max_direct_depth` a release
// disposes at once, as a plain recursive call: every engine's own trees are shallower
// than that (log32 of the size), so an ordinary structure never takes the other path and
// its nodes are freed in the same order, at the same cost, as without this file. Deeper
// than that, the node is put on the thread's worklist instead, and the outermost dispose
// empties the worklist before it returns, each node again starting at depth one. The
// stack then holds at most max_direct_depth disposes whatever the nesting, and every node
// is still freed before the release that started it returns.
//
// The worklist is a small array in thread-local storage, growing on the heap (malloc, so
// that allocation counters of operator new see nothing) only for long runs of deferred
// nodes, and given back when the outermost dispose ends. If that allocation fails, the
// node is disposed at once: deeper recursion, but no leak and no throw from a destructor.

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <immutable/detail/config.hpp>

namespace immutable::detail {

// A node waiting to be disposed, with the function that knows its family.
struct deferred_dispose {
    void (*dispose)(void*) noexcept;
    void* node;
};

struct dispose_worklist {
    static constexpr unsigned max_direct_depth = 32;
    static constexpr std::size_t inline_capacity = 32;

    unsigned depth;      // disposes running on this thread, up to max_direct_depth
    std::size_t size;    // nodes waiting
    std::size_t capacity; // of `heap`; 0 while the inline array is used
    deferred_dispose* heap;
    deferred_dispose inline_items[inline_capacity];

    deferred_dispose* items() noexcept { return heap != nullptr ? heap : inline_items; }

    // False when the worklist could not grow: the caller disposes the node itself.
    bool push(deferred_dispose d) noexcept {
        const std::size_t cap = heap != nullptr ? capacity : inline_capacity;
        if (size == cap) {
            const std::size_t grown = cap * 4;
            auto* bigger = static_cast<deferred_dispose*>(std::realloc(heap, grown * sizeof(deferred_dispose)));
            if (bigger == nullptr) return false;
            if (heap == nullptr) std::memcpy(bigger, inline_items, sizeof(inline_items));
            heap = bigger;
            capacity = grown;
        }
        items()[size++] = d;
        return true;
    }

    // Disposes every waiting node, and those their disposes defer in turn.
    void drain() noexcept {
        depth = 1;
        while (size != 0) {
            const deferred_dispose d = items()[--size];
            d.dispose(d.node);
        }
        depth = 0;
        std::free(heap);
        heap = nullptr;
        capacity = 0;
    }
};

// Zero-initialised, no destructor: reaching it costs no guard, and a thread ends with the
// worklist empty and its heap part given back.
inline thread_local constinit dispose_worklist thread_dispose_worklist{};

template <class Family>
void dispose_erased(void* n) noexcept {
    Family::dispose(static_cast<typename Family::node_type*>(n));
}

// Disposes `n` (its last reference is gone) now, or later in this same call chain when
// this thread is already max_direct_depth disposes deep.
template <class Family>
IMMUTABLE_NOINLINE void dispose_bounded(typename Family::node_type* n) noexcept {
    dispose_worklist& w = thread_dispose_worklist;
    if (w.depth < dispose_worklist::max_direct_depth) {
        ++w.depth;
        Family::dispose(n);
        --w.depth;
        if (w.depth == 0 && w.size != 0) w.drain();
    } else if (!w.push({&dispose_erased<Family>, n})) {
        Family::dispose(n);
    }
}

} // namespace immutable::detail
