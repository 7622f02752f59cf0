#pragma once
// immutable::queue<T, Policy>: a persistent first-in first-out queue.
//
// push() and pop() are const members returning a new queue; *this and every other version
// stay unchanged and valid. Versions share their elements, so copying a queue is O(1)
// and allocates nothing. Safe to read, copy and derive from one version in any number of
// threads at once.
//
// Inside (detail/queue/node.hpp): a list of the pushed elements and the index of the
// front; pop advances the index, and the popped prefix is dropped from the list in one
// list::drop once it is as long as the rest. Each push and pop allocates one small node
// (sizeof(list) + 16 bytes) so that identity() tells every version apart, except on an
// rvalue queue that holds its node alone (q = std::move(q).pop()), which reuses it. See
// docs/queue.md.
//
// Complexities below: n = size(); "log n" is log32 n.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <ranges>
#include <type_traits>
#include <utility>

#include <immutable/detail/assert.hpp>
#include <immutable/detail/errors.hpp>
#include <immutable/detail/queue/ops.hpp>
#include <immutable/list.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::persist {
struct access; // persist/access.hpp: saving and loading reach the engine handle
}

namespace immutable {

template <class T, memory_policy Policy = default_policy>
class queue {
    static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "immutable::queue<T>: T must be a non-const, non-volatile object type");
    // T may still be incomplete here, as for std::vector; what needs it complete is
    // checked in the destructor, which every use instantiates.

    using root = detail::queue::queue_root<T, Policy>;

public:
    using value_type = T;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using reference = const T&;
    using const_reference = const T&;
    using list_type = list<T, Policy>;
    // Random access, front to back.
    using const_iterator = typename list_type::const_iterator;
    using iterator = const_iterator;
    using policy_type = Policy;

    class builder;

    // ---- construction: copies O(1); building from n elements O(n) ----------------------
    queue() noexcept = default;                                           // no allocation
    queue(std::initializer_list<T> init) : queue(list_type(init)) {}
    template <std::input_iterator InputIt, std::sentinel_for<InputIt> Sentinel>
        requires std::constructible_from<T, std::iter_reference_t<InputIt>>
    queue(InputIt first, Sentinel last) : queue(list_type(first, last)) {}
    // The elements of `l`, l.front() first. O(1): shares l's nodes, allocates one node.
    explicit queue(list_type l) : root_(root::make(std::move(l), 0)) {}

    queue(const queue&) noexcept = default;
    queue(queue&&) noexcept = default;
    queue& operator=(const queue&) noexcept = default;
    queue& operator=(queue&&) noexcept = default;
    ~queue() {
        static_assert(std::is_copy_constructible_v<T>, "immutable::queue<T>: T must be copy constructible");
        static_assert(std::is_nothrow_destructible_v<T>, "immutable::queue<T>: T's destructor must not throw");
    }

    // ---- reading: never allocates ------------------------------------------------------
    size_type size() const noexcept { return n() ? n()->size() : 0; }
    [[nodiscard]] bool empty() const noexcept { return n() == nullptr; }
    // The oldest element, next to be popped. O(log n). Throws std::out_of_range if empty.
    const T& front() const {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::queue::front");
        return n()->elements[n()->front];
    }
    // The newest element. O(1). Throws std::out_of_range if empty.
    const T& back() const {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::queue::back");
        return n()->elements.back();
    }
    // The i-th element from the front; unchecked. O(log n).
    const T& operator[](size_type i) const noexcept {
        IMMUTABLE_ASSERT_INDEX(i, size(), "immutable::queue::operator[]");
        return n()->elements[n()->front + i];
    }
    // Checked: throws std::out_of_range naming the index and the size.
    const T& at(size_type i) const {
        if (IMMUTABLE_UNLIKELY(i >= size())) detail::throw_index_out_of_range("immutable::queue::at", i, size());
        return (*this)[i];
    }

    // Front to back. O(log n) to create, then what the list's iterator costs: ++ and *
    // as on an array, a tree walk every 32 elements.
    const_iterator begin() const noexcept {
        return n() ? n()->elements.begin() + static_cast<difference_type>(n()->front) : const_iterator();
    }
    const_iterator end() const noexcept { return n() ? n()->elements.end() : const_iterator(); }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }

    // ---- changes: each returns a new queue ---------------------------------------------
    // Adds `value` at the back. Amortized O(1): the list's push_back (in place in a
    // shared tail when it can) plus one node allocation.
    [[nodiscard]] queue push(const T& value) const& { return queue(root_.pushed(value)); }
    [[nodiscard]] queue push(T&& value) const& { return queue(root_.pushed(std::move(value))); }

    // Removes the front element. Throws std::out_of_range if empty. Amortized O(1): one
    // node allocation, no element copied; about once per size() pops it also drops the
    // popped prefix from the list (one list::drop, O(log n)). If that drop throws, the
    // drop is retried by a later pop, so pop on a non-empty queue throws only bad_alloc.
    [[nodiscard]] queue pop() const& {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::queue::pop");
        return queue(root_.popped());
    }

    // The same on a queue about to be discarded, as in q = std::move(q).pop(): when no
    // other queue shares its node, the node is changed in place and nothing is allocated
    // (a pop then costs a few instructions). Otherwise as above. If they throw, *this is
    // unchanged.
    [[nodiscard]] queue push(const T& value) && { return queue(std::move(root_).pushed(value)); }
    [[nodiscard]] queue push(T&& value) && { return queue(std::move(root_).pushed(std::move(value))); }
    [[nodiscard]] queue pop() && {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::queue::pop");
        return queue(std::move(root_).popped());
    }

    // The elements as a list, front first. O(log n) (list::drop).
    [[nodiscard]] list_type to_list() const {
        return n() ? n()->elements.drop(n()->front) : list_type();
    }

    // ---- comparison ----------------------------------------------------------------------
    // O(n), O(1) for the same version.
    // Not constrained on the element's ==, as std::vector's is not: a recursive element
    // type defaulting its own ==
    // (struct node { queue<node> kids; bool operator==(const node&) const = default; })
    // would otherwise make the compiler ask whether T has == while deciding exactly that,
    // and clang then deletes the defaulted operator. Without T's ==, a comparison fails
    // where it is compiled.
    friend bool operator==(const queue& a, const queue& b) {
        if (a.size() != b.size()) return false;
        if (a.n() == b.n()) return true;
        return std::equal(a.begin(), a.end(), b.begin());
    }

    void swap(queue& other) noexcept { root_.swap(other.root_); }
    friend void swap(queue& a, queue& b) noexcept { a.swap(b); }

    // Identifies this version: equal for copies of one version, different for any two
    // versions alive at the same time that were made by different push/pop calls.
    // nullptr when empty. (What immutable::atom compares.)
    const void* identity() const noexcept { return n(); }

    // O(1): a builder that starts from this queue's elements.
    [[nodiscard]] builder to_builder() const { return builder(*this); }

    // Calls f(first, last), two const T*, for each run of contiguous elements, front to
    // back: the fastest way to visit every element. O(n), no allocation.
    template <class F>
    friend void for_each_chunk(const queue& q, F&& f) {
        if (!q.n()) return;
        std::size_t skip = q.n()->front;
        immutable::for_each_chunk(q.n()->elements, [&skip, &f](const T* first, const T* last) {
            const auto count = static_cast<std::size_t>(last - first);
            if (skip >= count) {
                skip -= count;
                return;
            }
            first += skip;
            skip = 0;
            f(first, last);
        });
    }

private:
    friend struct detail::queue::queue_access;
    friend struct detail::persist::access;
    explicit queue(root r) noexcept : root_(std::move(r)) {}
    const detail::queue::queue_node<T, Policy>* n() const noexcept { return root_.get(); }

    root root_;   // its node is null exactly when empty
};

// A mutable queue under construction: push and pop change it in place (pushing n
// elements allocates about n/32 list nodes, popping allocates nothing). build() is O(1)
// and leaves the builder usable; later changes never show in queues already built.
// Changing members return the builder, so calls chain: b.push(1).push(2).pop().
// Iterators and references into a builder are invalidated by any change through it.
template <class T, memory_policy Policy>
class queue<T, Policy>::builder {
    using list_builder = typename list_type::builder;

public:
    using value_type = T;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using const_iterator = queue::const_iterator;
    using iterator = const_iterator;

    builder() noexcept = default;
    // O(1): shares `from`'s nodes until the first change.
    explicit builder(const queue& from) noexcept
        : elements_(from.n() ? list_builder(from.n()->elements) : list_builder()),
          front_(from.n() ? from.n()->front : 0) {}

    size_type size() const noexcept { return elements_.size() - front_; }
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }
    const T& front() const {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::queue::builder::front");
        return elements_[front_];
    }
    const T& back() const {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::queue::builder::back");
        return elements_.back();
    }

    // The current elements, front to back; as a queue's iterators. Any change through the
    // builder invalidates them.
    const_iterator begin() const noexcept { return elements_.begin() + static_cast<difference_type>(front_); }
    const_iterator end() const noexcept { return elements_.end(); }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }

    // Amortized O(1).
    builder& push(const T& value) {
        elements_.push_back(value);
        return *this;
    }
    builder& push(T&& value) {
        elements_.push_back(std::move(value));
        return *this;
    }

    // Amortized O(1); the popped prefix is dropped as in queue::pop. Throws
    // std::out_of_range if empty.
    builder& pop() {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::queue::builder::pop");
        detail::queue::pop_front(elements_, front_);
        return *this;
    }

    // O(1): the current contents as a queue (one node allocation); the builder stays usable.
    [[nodiscard]] queue build() const { return queue(root::make(elements_.build(), front_)); }

private:
    friend struct detail::queue::queue_access;
    list_builder elements_;
    std::size_t front_ = 0;   // elements_[0, front_) are popped
};

template <std::input_iterator It, std::sentinel_for<It> S>
queue(It, S) -> queue<std::iter_value_t<It>>;

} // namespace immutable

// Hash of the element sequence, front to back; defined when T is hashable.
template <class T, class Policy>
    requires requires(const T& x) {
        { std::hash<T>{}(x) } -> std::convertible_to<std::size_t>;
    }
struct std::hash<immutable::queue<T, Policy>> {
    std::size_t operator()(const immutable::queue<T, Policy>& q) const {
        std::size_t h = 0xc2b2ae3d27d4eb4full ^ q.size();
        for_each_chunk(q, [&h](const T* first, const T* last) {
            for (; first != last; ++first)
                h ^= std::hash<T>{}(*first) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        });
        return h;
    }
};
