#pragma once
// immutable::list<T, Policy>: a persistent vector.
//
// Every change is a const member returning a new list; *this and every other version stay
// unchanged and valid. Versions share structure, so copying a list is O(1) and allocates
// nothing, and a change copies only O(log n) nodes. Safe to read, copy and derive from
// one version in any number of threads at once.
//
// Inside (detail/rrb/): up to 32 elements live in one flat node; larger lists are a
// 32-way radix tree plus a tail buffer, with relaxed (size-table) nodes where slicing,
// insertion or concatenation made the tree uneven. See docs/list.md.
//
// Complexities below: n = size(); "log n" is log32 n, at most 7 for 2^32 elements.

#include <compare>
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
#include <immutable/detail/rrb/compare.hpp>
#include <immutable/detail/rrb/iterator.hpp>
#include <immutable/detail/rrb/ops.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::persist {
struct access; // persist/access.hpp: saving and loading reach the engine handle
}

namespace immutable {

template <class T, memory_policy Policy = default_policy>
class list {
    static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "immutable::list<T>: T must be a non-const, non-volatile object type");
    // T may still be incomplete here, as for std::vector (struct node { list<node> kids; });
    // what needs it complete is checked in the destructor, which every use instantiates.

    using ops = detail::rrb::list_ops<T, Policy>;
    using data = detail::rrb::list_data<T, Policy>;

public:
    using value_type = T;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using reference = const T&;
    using const_reference = const T&;
    using pointer = const T*;
    using const_pointer = const T*;
    using const_iterator = detail::rrb::list_iterator<T, Policy>;
    using iterator = const_iterator;
    using const_reverse_iterator = std::reverse_iterator<const_iterator>;
    using reverse_iterator = const_reverse_iterator;
    using policy_type = Policy;

    class builder;

    // ---- construction: O(1) copies; building from n elements is O(n) ----------------
    list() noexcept = default;                                     // no allocation
    list(std::initializer_list<T> init) : list(init.begin(), init.end()) {}
    // Whole leaves at a time when the length is known (memcpy for a contiguous source).
    template <std::input_iterator InputIt, std::sentinel_for<InputIt> Sentinel>
        requires std::constructible_from<T, std::iter_reference_t<InputIt>>
    list(InputIt first, Sentinel last) : d_(ops::from_iterators(std::move(first), std::move(last))) {}
    list(size_type n, const T& value) : d_(ops::from_copies(n, value)) {}
    // From any input range, views included: list<int>::from_range(v | std::views::filter(f)).
    template <std::ranges::input_range R>
        requires std::constructible_from<T, std::ranges::range_reference_t<R>>
    [[nodiscard]] static list from_range(R&& r) {
        return list(ops::from_range(r));
    }

    list(const list& other) noexcept = default;                   // O(1)
    list(list&& other) noexcept = default;                        // O(1); other is left empty
    list& operator=(const list& other) noexcept = default;
    list& operator=(list&& other) noexcept = default;
    ~list() {
        static_assert(std::is_copy_constructible_v<T>, "immutable::list<T>: T must be copy constructible");
        static_assert(std::is_nothrow_destructible_v<T>, "immutable::list<T>: T's destructor must not throw");
    }

    // ---- reading: all O(1) or O(log n), never allocate --------------------------------
    size_type size() const noexcept { return d_.size; }
    [[nodiscard]] bool empty() const noexcept { return d_.size == 0; }
    // Unchecked; O(log n), O(1) for the last 32 elements.
    const T& operator[](size_type i) const noexcept {
        IMMUTABLE_ASSERT_INDEX(i, d_.size, "immutable::list::operator[]");
        return ops::get(d_, i);
    }
    // Throws std::out_of_range naming the index and the size.
    const T& at(size_type i) const {
        if (IMMUTABLE_UNLIKELY(i >= d_.size)) detail::throw_index_out_of_range("immutable::list::at", i, d_.size);
        return ops::get(d_, i);
    }
    const T& front() const {
        if (IMMUTABLE_UNLIKELY(d_.size == 0)) detail::throw_empty("immutable::list::front");
        return ops::get(d_, 0);
    }
    const T& back() const {                                        // O(1)
        if (IMMUTABLE_UNLIKELY(d_.size == 0)) detail::throw_empty("immutable::list::back");
        return ops::back(d_);
    }

    // Iterators are random access; ++ and * cost what they cost on an array, and one tree
    // walk every 32 elements. for_each_chunk() is faster still.
    const_iterator begin() const noexcept { return const_iterator(d_.view(), 0); }
    const_iterator end() const noexcept { return const_iterator(d_.view(), d_.size); }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }
    const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
    const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }
    const_reverse_iterator crbegin() const noexcept { return rbegin(); }
    const_reverse_iterator crend() const noexcept { return rend(); }

    // ---- changes: each returns a new list ---------------------------------------------
    // Amortized O(1): usually writes into the tail in place (claiming the next slot) and
    // allocates nothing; one leaf plus O(log n) path nodes every 32 pushes.
    [[nodiscard]] list push_back(const T& value) const& { return list(ops::push_back(d_, value)); }
    [[nodiscard]] list push_back(T&& value) const& { return list(ops::push_back(d_, std::move(value))); }
    // On a list about to be discarded (l = std::move(l).push_back(x)), and likewise for
    // pop_back, set and update below: the nodes that only this list reaches are changed in
    // place, as a builder changes them, and shared ones are copied, so other versions never
    // change. On a throw the list keeps its contents. The moved-from list is left empty.
    [[nodiscard]] list push_back(const T& value) && {
        ops::push_back_in_place(d_, value);
        return list(std::move(d_));
    }
    [[nodiscard]] list push_back(T&& value) && {
        ops::push_back_in_place(d_, std::move(value));
        return list(std::move(d_));
    }
    // O(log n): concatenation of a one-element list.
    [[nodiscard]] list push_front(const T& value) const { return list(ops::push_front(d_, value)); }
    [[nodiscard]] list push_front(T&& value) const { return list(ops::push_front(d_, std::move(value))); }
    // O(1) without allocation, except every 32nd pop: O(log n) path nodes.
    [[nodiscard]] list pop_back() const& {
        if (IMMUTABLE_UNLIKELY(d_.size == 0)) detail::throw_empty("immutable::list::pop_back");
        return list(ops::pop_back(d_));
    }
    [[nodiscard]] list pop_back() && {
        if (IMMUTABLE_UNLIKELY(d_.size == 0)) detail::throw_empty("immutable::list::pop_back");
        ops::pop_back_mut(d_);
        return list(std::move(d_));
    }
    // O(log n): drop(1).
    [[nodiscard]] list pop_front() const {
        if (IMMUTABLE_UNLIKELY(d_.size == 0)) detail::throw_empty("immutable::list::pop_front");
        return list(ops::drop(d_, 1));
    }
    // O(log n): copies the path to i (and the 32-element tail).
    [[nodiscard]] list set(size_type i, const T& value) const& {
        check_index("immutable::list::set", i);
        return list(ops::set(d_, i, value));
    }
    [[nodiscard]] list set(size_type i, T&& value) const& {
        check_index("immutable::list::set", i);
        return list(ops::set(d_, i, std::move(value)));
    }
    [[nodiscard]] list set(size_type i, const T& value) && {
        check_index("immutable::list::set", i);
        ops::set_mut(d_, i, value);
        return list(std::move(d_));
    }
    [[nodiscard]] list set(size_type i, T&& value) && {
        check_index("immutable::list::set", i);
        ops::set_mut(d_, i, std::move(value));
        return list(std::move(d_));
    }
    // O(log n): set(i, f(at(i))).
    template <class F>
        requires std::invocable<F&, const T&> && std::constructible_from<T, std::invoke_result_t<F&, const T&>>
    [[nodiscard]] list update(size_type i, F&& f) const& {
        check_index("immutable::list::update", i);
        return list(ops::set(d_, i, T(std::invoke(f, ops::get(d_, i)))));
    }
    template <class F>
        requires std::invocable<F&, const T&> && std::constructible_from<T, std::invoke_result_t<F&, const T&>>
    [[nodiscard]] list update(size_type i, F&& f) && {
        check_index("immutable::list::update", i);
        ops::set_mut(d_, i, T(std::invoke(f, ops::get(d_, i))));
        return list(std::move(d_));
    }
    // O(log n); 0 <= i <= size().
    [[nodiscard]] list insert(size_type i, const T& value) const {
        if (IMMUTABLE_UNLIKELY(i > d_.size)) detail::throw_index_out_of_range("immutable::list::insert", i, d_.size);
        return list(ops::insert(d_, i, value));
    }
    [[nodiscard]] list insert(size_type i, T&& value) const {
        if (IMMUTABLE_UNLIKELY(i > d_.size)) detail::throw_index_out_of_range("immutable::list::insert", i, d_.size);
        return list(ops::insert(d_, i, std::move(value)));
    }
    // O(log n).
    [[nodiscard]] list erase(size_type i) const {
        check_index("immutable::list::erase", i);
        return list(ops::erase(d_, i));
    }
    // The first min(n, size()) elements; O(log n), O(1) without allocation when only the
    // tail shrinks.
    [[nodiscard]] list take(size_type n) const { return list(ops::take(d_, n)); }
    // All but the first n elements (empty if n >= size()); O(log n).
    [[nodiscard]] list drop(size_type n) const { return list(ops::drop(d_, n)); }
    // Elements [first, last); O(log n). Throws std::out_of_range unless
    // first <= last <= size() (take and drop clamp instead: they have one bound only).
    [[nodiscard]] list slice(size_type first, size_type last) const {
        if (IMMUTABLE_UNLIKELY(first > last || last > d_.size))
            detail::throw_range_out_of_range("immutable::list::slice", first, last, d_.size);
        return list(ops::slice(d_, first, last));
    }
    // O(log n) (relaxed concatenation); O(1) when either side is empty.
    [[nodiscard]] friend list operator+(const list& a, const list& b) { return list(ops::concat(a.d_, b.d_)); }

    // ---- comparison, hashing ------------------------------------------------------------
    // O(n); O(1) for two copies of one version, and leaves the two share are not compared.
    // Not constrained on the element's ==, as std::vector's is not: a recursive element
    // type defaulting its own ==
    // (struct node { list<node> kids; bool operator==(const node&) const = default; })
    // would otherwise make the compiler ask whether T has == while deciding exactly that,
    // and clang then deletes the defaulted operator. Without T's ==, a comparison fails
    // where it is compiled.
    friend bool operator==(const list& a, const list& b) {
        if (a.d_.size != b.d_.size) return false;
        if (a.identity() == b.identity()) return true;
        return detail::rrb::compare_ops<T, Policy>::equal(a.d_, b.d_);
    }
    // Lexicographical, with T's <=> (or one built from <); O(n), shared leaves skipped.
    friend auto operator<=>(const list& a, const list& b)
        requires requires(const T& x) { detail::rrb::synth_three_way(x, x); }
    {
        return detail::rrb::compare_ops<T, Policy>::three_way(a.d_, b.d_, detail::rrb::synth_three_way);
    }

    void swap(list& other) noexcept { d_.swap(other.d_); }
    friend void swap(list& a, list& b) noexcept { a.swap(b); }

    // Identifies this version's value: equal identities mean equal lists (while both are
    // alive); different ones usually mean different lists. nullptr when empty.
    const void* identity() const noexcept { return ops::identity(d_); }

    // O(1): a builder that starts from this list's elements.
    [[nodiscard]] builder to_builder() const { return builder(*this); }

    template <class U, memory_policy P, class F>
    friend void for_each_chunk(const list<U, P>& l, F&& f);

private:
    friend struct detail::rrb::list_access;
    friend struct detail::persist::access;
    // Takes over a version the engine made.
    explicit list(data&& d) noexcept : d_(std::move(d)) {}

    void check_index(const char* where, size_type i) const {
        if (IMMUTABLE_UNLIKELY(i >= d_.size)) detail::throw_index_out_of_range(where, i, d_.size);
    }

    data d_;
};

// A mutable list under construction: changes happen in place on nodes the builder owns
// alone, so pushing n elements allocates about n/32 nodes. build() is O(1) and leaves the
// builder usable; later changes to the builder never show in lists already built.
// The changing members return the builder, so calls chain: b.push_back(1).push_back(2).
// begin() and end() walk the current contents; any change through the builder
// invalidates its iterators (lists already built are not affected).
template <class T, memory_policy Policy>
class list<T, Policy>::builder {
public:
    using value_type = T;
    using size_type = std::size_t;
    using const_iterator = list::const_iterator;
    using iterator = const_iterator;

    builder() noexcept = default;
    explicit builder(const list& from) noexcept : s_(from.d_) {}
    // Copies share the nodes (O(1)); either side copies a node before changing it.
    builder(const builder& other) noexcept = default;
    builder(builder&& other) noexcept = default;
    builder& operator=(const builder& other) noexcept = default;
    builder& operator=(builder&& other) noexcept = default;
    ~builder() = default;
    void swap(builder& other) noexcept { s_.swap(other.s_); }
    friend void swap(builder& a, builder& b) noexcept { a.swap(b); }

    size_type size() const noexcept { return s_.contents().size; }
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }
    const T& operator[](size_type i) const noexcept {
        IMMUTABLE_ASSERT_INDEX(i, size(), "immutable::list::builder::operator[]");
        return ops::get(s_.contents(), i);
    }
    const T& at(size_type i) const {
        if (IMMUTABLE_UNLIKELY(i >= size()))
            detail::throw_index_out_of_range("immutable::list::builder::at", i, size());
        return ops::get(s_.contents(), i);
    }
    const T& back() const {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::list::builder::back");
        return ops::back(s_.contents());
    }
    const_iterator begin() const noexcept { return const_iterator(s_.contents().view(), 0); }
    const_iterator end() const noexcept { return const_iterator(s_.contents().view(), size()); }

    // Amortized O(1); allocates one leaf per 32 elements (plus a path node per 1024).
    builder& push_back(const T& value) {
        s_.push_back(value);
        return *this;
    }
    builder& push_back(T&& value) {
        s_.push_back(std::move(value));
        return *this;
    }
    builder& pop_back() {
        if (IMMUTABLE_UNLIKELY(empty())) detail::throw_empty("immutable::list::builder::pop_back");
        s_.pop_back();
        return *this;
    }
    // O(log n); in place when the path is the builder's alone.
    builder& set(size_type i, const T& value) {
        check_index(i);
        s_.set(i, value);
        return *this;
    }
    builder& set(size_type i, T&& value) {
        check_index(i);
        s_.set(i, std::move(value));
        return *this;
    }
    template <std::ranges::input_range R>
        requires std::constructible_from<T, std::ranges::range_reference_t<R>>
    builder& append_range(R&& r) {
        s_.append_range(r);
        return *this;
    }

    // O(1): the current contents as a list; the builder stays usable.
    [[nodiscard]] list build() const { return list(s_.build()); }

private:
    friend struct detail::rrb::list_access;
    void check_index(size_type i) const {
        if (IMMUTABLE_UNLIKELY(i >= size()))
            detail::throw_index_out_of_range("immutable::list::builder::set", i, size());
    }

    detail::rrb::builder_state<T, Policy> s_;
};

// list(first, last) deduces list<value type of the iterator>, as std::vector does.
template <std::input_iterator It, std::sentinel_for<It> S>
list(It, S) -> list<std::iter_value_t<It>>;

// Calls f(first, last), two const T*, for each run of contiguous elements, in order:
// the fastest way to visit every element. O(n), no allocation.
template <class T, memory_policy Policy, class F>
void for_each_chunk(const list<T, Policy>& l, F&& f) {
    list<T, Policy>::ops::for_each_chunk(l.d_.view(), f);
}

} // namespace immutable

// Hash of the element sequence (order-dependent); defined when T is hashable.
template <class T, class Policy>
    requires requires(const T& x) {
        { std::hash<T>{}(x) } -> std::convertible_to<std::size_t>;
    }
struct std::hash<immutable::list<T, Policy>> {
    std::size_t operator()(const immutable::list<T, Policy>& l) const {
        std::size_t h = 0x9e3779b97f4a7c15ull ^ l.size();
        for_each_chunk(l, [&h](const T* first, const T* last) {
            for (; first != last; ++first)
                h ^= std::hash<T>{}(*first) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        });
        return h;
    }
};
