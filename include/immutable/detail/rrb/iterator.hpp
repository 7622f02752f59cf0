#pragma once
// The list's random-access const iterator.
//
// It keeps a pointer into the current leaf, so ++ and * cost what they cost on an array;
// only crossing into the next leaf (once per 32 elements) walks the tree again, in
// O(log32 n). It holds a copy of the list's root/tail fields, not a pointer to the list
// object, so it stays valid when the list is moved, as long as some version keeps the
// nodes alive (like a std::vector iterator and its buffer).

#include <compare>
#include <cstddef>
#include <iterator>

#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
class list_iterator {
    using ops = tree_ops<T, Policy>;
    using data = list_data<T, Policy>;

public:
    using iterator_concept = std::random_access_iterator_tag;
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    list_iterator() noexcept = default;
    list_iterator(const data& d, std::size_t index) noexcept : d_(d), index_(index) { relocate(); }

    reference operator*() const noexcept { return *ptr_; }
    pointer operator->() const noexcept { return ptr_; }
    reference operator[](difference_type n) const noexcept {
        return ops::get(d_, index_ + static_cast<std::size_t>(n));
    }

    list_iterator& operator++() noexcept {
        ++index_;
        ++ptr_;
        if (IMMUTABLE_UNLIKELY(index_ == chunk_end_)) relocate();
        return *this;
    }
    list_iterator operator++(int) noexcept {
        list_iterator old = *this;
        ++*this;
        return old;
    }
    list_iterator& operator--() noexcept {
        if (index_ > chunk_first_ && index_ < chunk_end_) {
            --index_;
            --ptr_;
        } else {
            --index_;
            relocate();
        }
        return *this;
    }
    list_iterator operator--(int) noexcept {
        list_iterator old = *this;
        --*this;
        return old;
    }
    list_iterator& operator+=(difference_type n) noexcept {
        const std::size_t to = index_ + static_cast<std::size_t>(n);
        if (to >= chunk_first_ && to < chunk_end_) {
            ptr_ += n;
            index_ = to;
        } else {
            index_ = to;
            relocate();
        }
        return *this;
    }
    list_iterator& operator-=(difference_type n) noexcept { return *this += -n; }

    friend list_iterator operator+(list_iterator it, difference_type n) noexcept { return it += n; }
    friend list_iterator operator+(difference_type n, list_iterator it) noexcept { return it += n; }
    friend list_iterator operator-(list_iterator it, difference_type n) noexcept { return it -= n; }
    friend difference_type operator-(const list_iterator& a, const list_iterator& b) noexcept {
        return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
    }
    friend bool operator==(const list_iterator& a, const list_iterator& b) noexcept {
        return a.index_ == b.index_;
    }
    friend std::strong_ordering operator<=>(const list_iterator& a, const list_iterator& b) noexcept {
        return a.index_ <=> b.index_;
    }

    // The position, for tests and for the builder's own iteration.
    std::size_t index() const noexcept { return index_; }

private:
    void relocate() noexcept {
        if (index_ < d_.size) {
            const chunk_ref<T> c = ops::locate(d_, index_);
            chunk_first_ = c.first;
            chunk_end_ = c.first + c.count;
            ptr_ = c.data + (index_ - c.first);
        } else {
            // Past the end (or before the start): an empty window, so every move relocates.
            chunk_first_ = chunk_end_ = index_;
            ptr_ = nullptr;
        }
    }

    data d_{};
    std::size_t index_ = 0;
    const T* ptr_ = nullptr;
    std::size_t chunk_first_ = 0;
    std::size_t chunk_end_ = 0;
};

} // namespace immutable::detail::rrb
