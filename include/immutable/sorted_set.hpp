#pragma once
// immutable::sorted_set<T, Compare, Policy>: a persistent ordered set.
//
// The same B+tree as sorted_map (detail/btree/), storing the elements themselves. Every
// change is a const member returning a new set that shares all untouched nodes; copying is
// O(1). Order statistics (nth, rank) are O(log n). Set algebra (|, &, -) splits and joins
// subtrees, so it takes whole subtrees that fall on one side, and whole shared subtrees,
// without visiting them; diff skips shared subtrees the same way. split, take, drop, slice
// and erase_range cut a set by element or rank in O(log n). See docs/sorted_set.md.

#include <compare>
#include <concepts>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <type_traits>
#include <utility>

#include <immutable/detail/btree/btree.hpp>
#include <immutable/detail/btree/entry_ops.hpp>
#include <immutable/detail/errors.hpp>
#include <immutable/detail/lexicographical_compare.hpp>
#include <immutable/detail/synth_three_way.hpp>
#include <immutable/detail/transparent.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::persist {
struct access; // persist/access.hpp: saving and loading reach the engine handle
}

namespace immutable {

template <class T, class Compare = std::less<T>, memory_policy Policy = default_policy>
class sorted_set {
    static_assert(std::is_copy_constructible_v<T>,
                  "immutable::sorted_set: elements must be copy constructible (versions share them)");
    static_assert(std::is_destructible_v<T>, "immutable::sorted_set: elements must be destructible");
    static_assert(std::is_invocable_r_v<bool, const Compare&, const T&, const T&>,
                  "immutable::sorted_set: Compare must be callable as bool(const T&, const T&) const");

    using params = detail::btree::params<T, T, detail::btree::set_key_of<T>, Compare, Policy>;
    using tree_type = detail::btree::tree<params>;
    friend struct detail::btree::access;
    friend struct detail::persist::access;

public:
    using key_type = T;
    using value_type = T;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using key_compare = Compare;
    using value_compare = Compare;
    using policy_type = Policy;
    using reference = const T&;
    using const_reference = const T&;
    using iterator = detail::btree::iterator<params>;
    using const_iterator = iterator;
    using reverse_iterator = std::reverse_iterator<iterator>;
    using const_reverse_iterator = reverse_iterator;
    using range_type = detail::btree::range_view<iterator>;

    class builder;

    // Empty set. Allocates nothing.
    sorted_set() = default;
    explicit sorted_set(const Compare& comp) : comp_(comp) {}

    // From a list, as if by insert() for each element in turn (of equivalent elements the
    // first stays). O(n) when the list is sorted.
    sorted_set(std::initializer_list<T> init, const Compare& comp = Compare())
        : tree_(detail::btree::tree_from_range<params, true>(init.begin(), init.end(), comp)), comp_(comp) {}

    // From a range; sorted input is detected and bulk-loaded in O(n), anything else is
    // inserted element by element, O(n log n).
    template <std::input_iterator It, std::sentinel_for<It> S>
    sorted_set(It first, S last, const Compare& comp = Compare())
        : tree_(detail::btree::tree_from_range<params, std::is_same_v<std::iter_value_t<It>, T>>(
              std::move(first), std::move(last), comp)),
          comp_(comp) {}

    // O(1).
    size_type size() const noexcept { return tree_.size(); }
    [[nodiscard]] bool empty() const noexcept { return tree_.empty(); }
    // The most elements a set could hold: every element takes sizeof(T) bytes of some
    // leaf, and the distance between two iterators must fit a difference_type.
    static constexpr size_type max_size() noexcept {
        return static_cast<size_type>(std::numeric_limits<difference_type>::max()) / sizeof(T);
    }
    key_compare key_comp() const { return comp_; }
    value_compare value_comp() const { return comp_; }

    // O(1), no allocation: exchanges the contents (and comparators) of two sets.
    void swap(sorted_set& other) noexcept(std::is_nothrow_swappable_v<Compare>) {
        tree_.swap(other.tree_);
        using std::swap;
        swap(comp_, other.comp_);
    }
    friend void swap(sorted_set& a, sorted_set& b) noexcept(std::is_nothrow_swappable_v<Compare>) { a.swap(b); }

    // O(log n).
    bool contains(const T& x) const { return detail::btree::find_entry(tree_, x, comp_) != nullptr; }
    size_type count(const T& x) const { return contains(x) ? 1 : 0; }
    // The stored element equivalent to x, or nullptr. O(log n).
    const T* find(const T& x) const { return detail::btree::find_entry(tree_, x, comp_); }

    // With x. O(log n), copies one root-to-leaf path; this set (no allocation) when x is
    // already present.
    [[nodiscard]] sorted_set insert(T x) const& {
        return sorted_set(detail::btree::set_insert(tree_, comp_, x), comp_);
    }
    // On a set about to be discarded (s = std::move(s).insert(x)): the nodes that only this
    // set reaches are changed in place, as a builder changes them, and shared ones are
    // copied, so other versions never change. On a throw the set keeps its contents.
    [[nodiscard]] sorted_set insert(T x) && {
        detail::btree::set_insert_owned(tree_, comp_, x);
        return sorted_set(std::move(tree_), comp_);
    }
    // Without x. O(log n); this set (no allocation) when x is absent.
    [[nodiscard]] sorted_set erase(const T& x) const& {
        return sorted_set(detail::btree::erase_from(tree_, x, comp_), comp_);
    }
    // In place where nothing else shares the nodes, as for insert() &&.
    [[nodiscard]] sorted_set erase(const T& x) && {
        detail::btree::builder_erase(tree_, x, comp_);
        return sorted_set(std::move(tree_), comp_);
    }

    // Iterators in order. begin() O(log n), end() O(1), ++/-- amortised O(1).
    iterator begin() const noexcept { return iterator::begin_of(tree_.root(), tree_.height(), tree_.size()); }
    iterator end() const noexcept { return iterator::end_of(tree_.root(), tree_.height(), tree_.size()); }
    iterator cbegin() const noexcept { return begin(); }
    iterator cend() const noexcept { return end(); }
    reverse_iterator rbegin() const noexcept { return reverse_iterator(end()); }
    reverse_iterator rend() const noexcept { return reverse_iterator(begin()); }
    reverse_iterator crbegin() const noexcept { return rbegin(); }
    reverse_iterator crend() const noexcept { return rend(); }

    // First element >= x / > x. O(log n).
    iterator lower_bound(const T& x) const { return detail::btree::lower_bound_of(tree_, x, comp_); }
    iterator upper_bound(const T& x) const { return detail::btree::upper_bound_of(tree_, x, comp_); }
    std::pair<iterator, iterator> equal_range(const T& x) const { return {lower_bound(x), upper_bound(x)}; }
    // The elements in [lo, hi), as a view. O(log n); empty when hi <= lo.
    range_type range(const T& lo, const T& hi) const {
        iterator first = lower_bound(lo);
        iterator last = lower_bound(hi);
        if (iterator::before(last, first)) last = first;
        return range_type(first, last);
    }

    // Smallest / largest element; throw std::out_of_range when empty. O(log n).
    const T& front() const {
        if (empty()) detail::throw_empty("immutable::sorted_set::front");
        return detail::btree::first_entry(tree_);
    }
    const T& back() const {
        if (empty()) detail::throw_empty("immutable::sorted_set::back");
        return detail::btree::last_entry(tree_);
    }

    // The i-th element in order; throws std::out_of_range when i >= size(). O(log n).
    const T& nth(size_type i) const {
        if (i >= size()) detail::throw_index_out_of_range("immutable::sorted_set::nth", i, size());
        return detail::btree::nth_entry(tree_, i);
    }
    // The number of elements less than x. O(log n).
    size_type rank(const T& x) const { return detail::btree::rank_of(tree_, x, comp_); }

    // The same lookups by any type the comparator accepts, when it is transparent (declares
    // is_transparent, as std::less<> does): a std::string_view or a const char* finds a
    // std::string element without building one. Same costs as above.
    template <class Q>
        requires detail::transparent<Compare>
    bool contains(const Q& x) const {
        return detail::btree::find_entry(tree_, x, comp_) != nullptr;
    }
    template <class Q>
        requires detail::transparent<Compare>
    size_type count(const Q& x) const {
        return contains(x) ? 1 : 0;
    }
    template <class Q>
        requires detail::transparent<Compare>
    const T* find(const Q& x) const {
        return detail::btree::find_entry(tree_, x, comp_);
    }
    template <class Q>
        requires detail::transparent<Compare>
    iterator lower_bound(const Q& x) const {
        return detail::btree::lower_bound_of(tree_, x, comp_);
    }
    template <class Q>
        requires detail::transparent<Compare>
    iterator upper_bound(const Q& x) const {
        return detail::btree::upper_bound_of(tree_, x, comp_);
    }
    template <class Q>
        requires detail::transparent<Compare>
    std::pair<iterator, iterator> equal_range(const Q& x) const {
        return {lower_bound(x), upper_bound(x)};
    }
    template <class Q>
        requires detail::transparent<Compare>
    size_type rank(const Q& x) const {
        return detail::btree::rank_of(tree_, x, comp_);
    }

    // ---- Ordered operations -------------------------------------------------------------
    // Each cuts along one or two root-to-leaf paths: O(log n) time, O(log n) new nodes, and
    // the rest of the tree shared with this set. The && overloads (on a set about to be
    // discarded) cut in place the nodes that only this set reaches, as set() && does.

    // (the elements less than x, the elements not less than x). When x is at or below
    // every element, or above every element, one side is this set (same root).
    [[nodiscard]] std::pair<sorted_set, sorted_set> split(const T& x) const& { return split_at(tree_, x); }
    [[nodiscard]] std::pair<sorted_set, sorted_set> split(const T& x) && { return split_at(std::move(tree_), x); }
    // The first n elements in order; this set when n >= size().
    [[nodiscard]] sorted_set take(size_type n) const& { return sorted_set(detail::btree::take_front(tree_, n), comp_); }
    [[nodiscard]] sorted_set take(size_type n) && {
        return sorted_set(detail::btree::take_front(std::move(tree_), n), comp_);
    }
    // All but the first n elements; empty when n >= size(), this set when n == 0.
    [[nodiscard]] sorted_set drop(size_type n) const& { return sorted_set(detail::btree::drop_front(tree_, n), comp_); }
    [[nodiscard]] sorted_set drop(size_type n) && {
        return sorted_set(detail::btree::drop_front(std::move(tree_), n), comp_);
    }
    // The elements of ranks [first, last); throws std::out_of_range (naming both bounds and
    // the size) unless first <= last <= size().
    [[nodiscard]] sorted_set slice(size_type first, size_type last) const& {
        check_slice(first, last);
        return sorted_set(detail::btree::slice_ranks(tree_, first, last), comp_);
    }
    [[nodiscard]] sorted_set slice(size_type first, size_type last) && {
        check_slice(first, last);
        return sorted_set(detail::btree::slice_ranks(std::move(tree_), first, last), comp_);
    }
    // Without the elements in [lo, hi). An empty or reversed range, or one with no
    // element in it, returns this set (same root, no allocation).
    [[nodiscard]] sorted_set erase_range(const T& lo, const T& hi) const& { return erase_between(tree_, lo, hi); }
    [[nodiscard]] sorted_set erase_range(const T& lo, const T& hi) && {
        return erase_between(std::move(tree_), lo, hi);
    }
    // The same by any type the comparator accepts, when it is transparent.
    template <class Q>
        requires detail::transparent<Compare>
    [[nodiscard]] std::pair<sorted_set, sorted_set> split(const Q& x) const& {
        return split_at(tree_, x);
    }
    template <class Q>
        requires detail::transparent<Compare>
    [[nodiscard]] std::pair<sorted_set, sorted_set> split(const Q& x) && {
        return split_at(std::move(tree_), x);
    }
    template <class Lo, class Hi>
        requires detail::transparent<Compare>
    [[nodiscard]] sorted_set erase_range(const Lo& lo, const Hi& hi) const& {
        return erase_between(tree_, lo, hi);
    }
    template <class Lo, class Hi>
        requires detail::transparent<Compare>
    [[nodiscard]] sorted_set erase_range(const Lo& lo, const Hi& hi) && {
        return erase_between(std::move(tree_), lo, hi);
    }

    // The root node's address: equal identities mean equal contents. O(1).
    const void* identity() const noexcept { return tree_.root(); }

    // A builder starting from this set. O(1).
    builder to_builder() const { return builder(*this); }

    // Set algebra, O(m log(n/m + 1)) for sizes m <= n; shared subtrees are taken whole
    // (O(1) each), so versions of one set combine in time proportional to their
    // differences. Equivalent elements: the left operand's is kept. The comparator is a's.
    [[nodiscard]] friend sorted_set operator|(const sorted_set& a, const sorted_set& b) {
        return sorted_set(detail::btree::set_union(a.tree_, b.tree_, a.comp_), a.comp_);
    }
    [[nodiscard]] friend sorted_set operator&(const sorted_set& a, const sorted_set& b) {
        return sorted_set(detail::btree::set_intersection(a.tree_, b.tree_, a.comp_), a.comp_);
    }
    [[nodiscard]] friend sorted_set operator-(const sorted_set& a, const sorted_set& b) {
        return sorted_set(detail::btree::set_difference(a.tree_, b.tree_, a.comp_), a.comp_);
    }
    // The same, replacing this set by the result (this set's comparator is kept).
    sorted_set& operator|=(const sorted_set& b) { return *this = *this | b; }
    sorted_set& operator&=(const sorted_set& b) { return *this = *this & b; }
    sorted_set& operator-=(const sorted_set& b) { return *this = *this - b; }

    // O(n), O(1) when both share their root.
    friend bool operator==(const sorted_set& a, const sorted_set& b)
        requires std::equality_comparable<T>
    {
        if (a.size() != b.size()) return false;
        if (a.identity() == b.identity()) return true;
        return std::equal(a.begin(), a.end(), b.begin());
    }
    // Lexicographic; elements compare with <=>, or with < for types that only have that (as
    // std::set does). O(n).
    friend auto operator<=>(const sorted_set& a, const sorted_set& b)
        requires detail::synth_comparable<T>
    {
        return detail::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end(),
                                                         detail::synth_three_way<T>);
    }

private:
    sorted_set(tree_type t, const Compare& comp) : tree_(std::move(t)), comp_(comp) {}

    // The tree is taken by value: a copy shares it (and is only read), a moved-in tree that
    // holds its nodes alone is cut in place.
    template <class Q>
    std::pair<sorted_set, sorted_set> split_at(tree_type t, const Q& x) const {
        auto [lower, upper] = detail::btree::split_at_key(std::move(t), x, comp_);
        return {sorted_set(std::move(lower), comp_), sorted_set(std::move(upper), comp_)};
    }
    template <class Lo, class Hi>
    sorted_set erase_between(tree_type t, const Lo& lo, const Hi& hi) const {
        return sorted_set(detail::btree::erase_key_range(std::move(t), lo, hi, comp_), comp_);
    }
    void check_slice(size_type first, size_type last) const {
        if (first > last || last > size()) {
            detail::throw_range_out_of_range("immutable::sorted_set::slice", first, last, size());
        }
    }

    tree_type tree_;
    [[no_unique_address]] Compare comp_{};
};

// Batch changes to a set, in place on the nodes it owns alone. build() is O(1) and leaves
// the builder usable; sets already built never change. Default-constructible (empty); its
// iterators see the current contents and are invalidated by any change through it.
template <class T, class Compare, memory_policy Policy>
class sorted_set<T, Compare, Policy>::builder {
    friend struct detail::btree::access;
    friend class sorted_set;

public:
    builder() = default;
    explicit builder(const Compare& comp) : comp_(comp) {}

    // O(log n) each.
    builder& insert(T x) {
        detail::btree::set_insert_owned(tree_, comp_, x);
        return *this;
    }
    builder& erase(const T& x) {
        detail::btree::builder_erase(tree_, x, comp_);
        return *this;
    }

    bool contains(const T& x) const { return detail::btree::find_entry(tree_, x, comp_) != nullptr; }
    const T* find(const T& x) const { return detail::btree::find_entry(tree_, x, comp_); }
    size_type size() const noexcept { return tree_.size(); }
    [[nodiscard]] bool empty() const noexcept { return tree_.empty(); }

    // The current contents in order. Any change through the builder (insert, erase)
    // invalidates these iterators: it edits nodes in place.
    iterator begin() const noexcept { return iterator::begin_of(tree_.root(), tree_.height(), tree_.size()); }
    iterator end() const noexcept { return iterator::end_of(tree_.root(), tree_.height(), tree_.size()); }

    // The current contents as a set, sharing every node. O(1).
    [[nodiscard]] sorted_set build() const { return sorted_set(tree_, comp_); }

private:
    explicit builder(const sorted_set& s) : tree_(s.tree_), comp_(s.comp_) {}

    tree_type tree_;
    [[no_unique_address]] Compare comp_{};
};

// Calls on_added(element) for elements only in new_set and on_removed(element) for those
// only in old_set, in order. Skips the subtrees the two share, so two versions a few
// changes apart cost O(changes x log n) comparisons, not O(n). Compares with old_set's
// comparator.
template <class T, class C, class P, class Added, class Removed>
void diff(const sorted_set<T, C, P>& old_set, const sorted_set<T, C, P>& new_set, Added&& on_added,
          Removed&& on_removed) {
    using access = detail::btree::access;
    auto same_key = [](const T&, const T&) {};
    detail::btree::diff_trees(access::tree_of(old_set), access::tree_of(new_set), access::compare_of(old_set),
                              on_added, on_removed, same_key);
}

template <std::input_iterator It, std::sentinel_for<It> S>
sorted_set(It, S) -> sorted_set<std::iter_value_t<It>>;
template <std::input_iterator It, std::sentinel_for<It> S, class Compare>
sorted_set(It, S, Compare) -> sorted_set<std::iter_value_t<It>, Compare>;
template <class T, class Compare>
sorted_set(std::initializer_list<T>, Compare) -> sorted_set<T, Compare>;

} // namespace immutable
