#pragma once
// The list's random-access const iterator.
//
// It keeps a pointer into the current leaf, so ++ and * cost what they cost on an array;
// only crossing into the next leaf (once per 32 elements) walks the tree again, in
// O(log32 n). It holds a copy of the list's root/tail fields (a list_view, owning
// nothing), not a pointer to the list object, so it stays valid when the list is moved,
// as long as some version keeps the nodes alive (like a std::vector iterator and its
// buffer).

#include <compare>
#include <cstddef>
#include <iterator>

#include <immutable/detail/assert.hpp>
#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
class list_iterator {
    using ops = tree_ops<T, Policy>;
    using view = list_view<T, Policy>;

public:
    using iterator_concept = std::random_access_iterator_tag;
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    list_iterator() noexcept = default;
    list_iterator(const view& d, std::size_t index) noexcept : d_(d) { relocate(index); }

    reference operator*() const noexcept {
        IMMUTABLE_ASSERT(ptr_ != nullptr, "immutable::list::iterator::operator*", "dereferencing an end iterator");
        return *ptr_;
    }
    pointer operator->() const noexcept {
        IMMUTABLE_ASSERT(ptr_ != nullptr, "immutable::list::iterator::operator->", "dereferencing an end iterator");
        return ptr_;
    }
    reference operator[](difference_type n) const noexcept {
        IMMUTABLE_ASSERT_INDEX(index() + static_cast<std::size_t>(n), d_.size, "immutable::list::iterator::operator[]");
        return ops::get(d_, index() + static_cast<std::size_t>(n));
    }

    list_iterator& operator++() noexcept {
        IMMUTABLE_ASSERT(ptr_ != nullptr, "immutable::list::iterator::operator++", "incrementing an end iterator");
        if (IMMUTABLE_UNLIKELY(++ptr_ == chunk_end_)) relocate(chunk_first_ + static_cast<std::size_t>(chunk_end_ - chunk_begin_));
        return *this;
    }
    list_iterator operator++(int) noexcept {
        list_iterator old = *this;
        ++*this;
        return old;
    }
    list_iterator& operator--() noexcept {
        IMMUTABLE_ASSERT(index() != 0, "immutable::list::iterator::operator--", "decrementing a begin iterator");
        if (IMMUTABLE_UNLIKELY(ptr_ == chunk_begin_)) relocate(index() - 1);
        else --ptr_;
        return *this;
    }
    list_iterator operator--(int) noexcept {
        list_iterator old = *this;
        --*this;
        return old;
    }
    list_iterator& operator+=(difference_type n) noexcept {
        const std::size_t to = index() + static_cast<std::size_t>(n);
        // `to` wraps to huge when before the start, so one comparison checks both ends.
        IMMUTABLE_ASSERT(to <= d_.size, "immutable::list::iterator::operator+=",
                         "moving the iterator outside [begin, end]");
        const std::size_t offset = to - chunk_first_; // wraps to huge when before the chunk
        if (offset < static_cast<std::size_t>(chunk_end_ - chunk_begin_)) ptr_ = chunk_begin_ + offset;
        else relocate(to);
        return *this;
    }
    list_iterator& operator-=(difference_type n) noexcept { return *this += -n; }

    friend list_iterator operator+(list_iterator it, difference_type n) noexcept { return it += n; }
    friend list_iterator operator+(difference_type n, list_iterator it) noexcept { return it += n; }
    friend list_iterator operator-(list_iterator it, difference_type n) noexcept { return it -= n; }
    friend difference_type operator-(const list_iterator& a, const list_iterator& b) noexcept {
        return static_cast<difference_type>(a.index()) - static_cast<difference_type>(b.index());
    }
    // The element address alone decides in the common case; the chunk's first index
    // tells apart two positions of one shared leaf (a list concatenated with itself).
    friend bool operator==(const list_iterator& a, const list_iterator& b) noexcept {
        return a.ptr_ == b.ptr_ && a.chunk_first_ == b.chunk_first_;
    }
    friend std::strong_ordering operator<=>(const list_iterator& a, const list_iterator& b) noexcept {
        return a.index() <=> b.index();
    }

    // The position in the list.
    std::size_t index() const noexcept { return chunk_first_ + static_cast<std::size_t>(ptr_ - chunk_begin_); }

private:
    void relocate(std::size_t index) noexcept {
        if (index < d_.size) {
            // locate() reads a local copy: were d_'s address passed out, the compiler would
            // keep the whole iterator in memory and store ptr_ on every ++ of a loop.
            const view d = d_;
            const chunk_ref<T> c = ops::locate(d, index);
            chunk_begin_ = c.data;
            chunk_end_ = c.data + c.count;
            chunk_first_ = c.first;
            ptr_ = c.data + (index - c.first);
        } else {
            // Past the end (or before the start): no chunk, the index alone; every past-
            // the-end iterator of a list compares equal to end().
            ptr_ = chunk_begin_ = chunk_end_ = nullptr;
            chunk_first_ = index;
        }
    }

    view d_{};
    const T* ptr_ = nullptr;          // the element
    const T* chunk_begin_ = nullptr;  // its leaf's elements [chunk_begin_, chunk_end_)
    const T* chunk_end_ = nullptr;
    std::size_t chunk_first_ = 0;     // the index of *chunk_begin_
};

} // namespace immutable::detail::rrb
