#pragma once
// The operations of immutable::queue on its nodes (node.hpp): one version made from
// another, in place when the caller holds the node alone and is about to discard it, and a
// builder's pop. queue.hpp holds a queue_root and delegates here.

#include <cstddef>
#include <utility>

#include <immutable/detail/ownership.hpp>
#include <immutable/detail/queue/node.hpp>

namespace immutable::detail::queue {

// Sets `out` to l without its first `front` elements and returns true, or returns false
// if the drop throws (allocation or an element's copy): the compaction then waits for a
// later pop, so a pop never fails because of it.
template <class List>
bool try_drop(const List& l, std::size_t front, List& out) noexcept {
    try {
        out = l.drop(front);
        return true;
    } catch (...) {
        return false;
    }
}

// One queue version: a reference to its node, shared by every copy of the version, or
// null for the empty queue. Copying adds a reference, moving hands it on; a queue is this
// one member.
template <class T, class Policy>
class queue_root {
    using node = queue_node<T, Policy>;
    using handle = node_ptr<node>;

public:
    using list_type = typename node::list_type;

    queue_root() noexcept = default;
    queue_root(const queue_root& other) noexcept : n_(handle::share(other.n_.get())) {}
    queue_root(queue_root&&) noexcept = default;
    queue_root& operator=(const queue_root& other) noexcept {
        queue_root(other).swap(*this);
        return *this;
    }
    queue_root& operator=(queue_root&&) noexcept = default;
    ~queue_root() = default;

    // The elements of `l` from index `front` on: a new node owning `l` (moved in), or the
    // empty queue when none is left. Throws only bad_alloc, and then leaves `l` untouched.
    static queue_root make(list_type&& l, std::size_t front) {
        if (front >= l.size()) return queue_root();
        return queue_root(handle::adopt(node_memory<Policy>::template create<node>(sizeof(node), std::move(l), front)));
    }

    // The node, or null when empty.
    const node* get() const noexcept { return n_.get(); }
    void swap(queue_root& other) noexcept { n_.swap(other.n_); }

    // This version with `value` added at the back, in a new node.
    template <class U>
    queue_root pushed(U&& value) const& {
        if (!n_) return make(list_type().push_back(std::forward<U>(value)), 0);
        return make(n_->elements.push_back(std::forward<U>(value)), n_->front);
    }

    // The same from a root about to be discarded: when it holds its node alone, nobody
    // else can see the node, so it is changed in place and handed on. If the push throws,
    // *this is unchanged.
    template <class U>
    queue_root pushed(U&& value) && {
        if (!n_.unique()) return std::as_const(*this).pushed(std::forward<U>(value));
        n_->elements = n_->elements.push_back(std::forward<U>(value));
        return std::move(*this);
    }

    // This version without its front element; it must not be empty. About once per size()
    // pops the popped prefix is dropped from the list too; if that drop throws, the pop
    // goes on without it (a later pop retries), so this throws only bad_alloc for the node.
    queue_root popped() const& {
        const std::size_t front = n_->front + 1;
        const std::size_t total = n_->elements.size();
        if (front == total) return queue_root(); // the last version holding the list frees it
        list_type rest;
        if (should_compact(front, total) && try_drop(n_->elements, front, rest)) return make(std::move(rest), 0);
        return make(list_type(n_->elements), front);
    }

    // The same from a root about to be discarded, in place when it holds its node alone.
    // If it throws, *this is unchanged.
    queue_root popped() && {
        if (!n_.unique()) return std::as_const(*this).popped();
        const std::size_t front = n_->front + 1;
        const std::size_t total = n_->elements.size();
        if (front == total) {
            n_.reset();
            return queue_root();
        }
        list_type rest;
        if (should_compact(front, total) && try_drop(n_->elements, front, rest)) {
            n_->elements = std::move(rest);
            n_->front = 0;
        } else {
            n_->front = front;
        }
        return std::move(*this);
    }

private:
    explicit queue_root(handle n) noexcept : n_(std::move(n)) {}

    handle n_; // null exactly when empty
};

// A builder's pop: moves `front` past one more element of `elements` (which holds more
// than `front`), dropping the popped prefix as a queue's pop does, or emptying both once
// the last element is popped.
template <class ListBuilder>
void pop_front(ListBuilder& elements, std::size_t& front) {
    if (front + 1 == elements.size()) {
        elements = ListBuilder();
        front = 0;
        return;
    }
    ++front;
    decltype(elements.build()) rest;
    if (should_compact(front, elements.size()) && try_drop(elements.build(), front, rest)) {
        elements = ListBuilder(rest);
        front = 0;
    }
}

} // namespace immutable::detail::queue
