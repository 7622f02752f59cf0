#pragma once
// immutable::sorted_map<K, V, Compare, Policy>: a persistent ordered map.
//
// A B+tree with path copying (detail/btree/): every change is a const member returning a
// new map that shares all untouched nodes with the old one; copying a map is O(1). Keys
// are ordered by Compare (a strict weak order; a comparator that is not one gives
// unspecified results but never undefined behaviour). Iteration is in key order over
// std::pair<K, V>. Inner nodes count their subtrees, so nth() and rank() are O(log n), and
// a map is cut by key or by rank (split, take, drop, slice, erase_range) in O(log n). Map
// algebra (|, &, -, union_with) and diff take or skip whole shared subtrees. See
// docs/sorted_map.md.

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
#include <immutable/detail/deduction.hpp>
#include <immutable/detail/errors.hpp>
#include <immutable/detail/lexicographical_compare.hpp>
#include <immutable/detail/synth_three_way.hpp>
#include <immutable/detail/transparent.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::persist {
struct access; // persist/access.hpp: saving and loading reach the engine handle
}

namespace immutable {

template <class K, class V, class Compare = std::less<K>, memory_policy Policy = default_policy>
class sorted_map {
    // V may still be incomplete here, as for std::vector's T: its requirements are
    // checked in the destructor, which every use instantiates.
    static_assert(std::is_copy_constructible_v<K>,
                  "immutable::sorted_map: keys must be copy constructible (versions share them)");
    static_assert(std::is_destructible_v<K>, "immutable::sorted_map: keys must be destructible");
    static_assert(std::is_invocable_r_v<bool, const Compare&, const K&, const K&>,
                  "immutable::sorted_map: Compare must be callable as bool(const K&, const K&) const");

    using params = detail::btree::params<std::pair<K, V>, K, detail::btree::map_key_of<K>, Compare, Policy>;
    using tree_type = detail::btree::tree<params>;
    friend struct detail::btree::access;
    friend struct detail::persist::access;

public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<K, V>;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using key_compare = Compare;
    using policy_type = Policy;
    using reference = const value_type&;
    using const_reference = const value_type&;
    using iterator = detail::btree::iterator<params>;
    using const_iterator = iterator;
    using reverse_iterator = std::reverse_iterator<iterator>;
    using const_reverse_iterator = reverse_iterator;
    using range_type = detail::btree::range_view<iterator>;

    class builder;

    // Empty map. Allocates nothing.
    sorted_map() = default;
    sorted_map(const sorted_map&) = default;
    sorted_map(sorted_map&&) = default;
    sorted_map& operator=(const sorted_map&) = default;
    sorted_map& operator=(sorted_map&&) = default;
    ~sorted_map() {
        static_assert(std::is_copy_constructible_v<V>,
                      "immutable::sorted_map: values must be copy constructible (versions share them)");
        static_assert(std::is_destructible_v<V>, "immutable::sorted_map: values must be destructible");
    }
    explicit sorted_map(const Compare& comp) : comp_(comp) {}

    // From a list, as if by set() for each entry in turn (equivalent keys: the first key
    // stays, the last value wins). O(n) when the list is sorted.
    sorted_map(std::initializer_list<value_type> init, const Compare& comp = Compare())
        : tree_(detail::btree::tree_from_range<params, true>(init.begin(), init.end(), comp)), comp_(comp) {}

    // From a range of pairs; sorted input is detected and bulk-loaded in O(n), anything else
    // is inserted entry by entry, O(n log n). Equivalent keys as for the list constructor.
    template <std::input_iterator It, std::sentinel_for<It> S>
    sorted_map(It first, S last, const Compare& comp = Compare())
        : tree_(detail::btree::tree_from_range<params, direct_input<It>>(std::move(first), std::move(last), comp)),
          comp_(comp) {}

    // O(1).
    size_type size() const noexcept { return tree_.size(); }
    [[nodiscard]] bool empty() const noexcept { return tree_.empty(); }
    // The most entries a map could hold: every entry takes sizeof(value_type) bytes of some
    // leaf, and the distance between two iterators must fit a difference_type.
    static constexpr size_type max_size() noexcept {
        return static_cast<size_type>(std::numeric_limits<difference_type>::max()) / sizeof(value_type);
    }
    key_compare key_comp() const { return comp_; }

    // O(1), no allocation: exchanges the contents (and comparators) of two maps.
    void swap(sorted_map& other) noexcept(std::is_nothrow_swappable_v<Compare>) {
        tree_.swap(other.tree_);
        using std::swap;
        swap(comp_, other.comp_);
    }
    friend void swap(sorted_map& a, sorted_map& b) noexcept(std::is_nothrow_swappable_v<Compare>) { a.swap(b); }

    // The value for k, or nullptr. O(log n).
    const V* find(const K& k) const {
        const value_type* e = detail::btree::find_entry(tree_, k, comp_);
        return e != nullptr ? &e->second : nullptr;
    }
    bool contains(const K& k) const { return detail::btree::find_entry(tree_, k, comp_) != nullptr; }
    size_type count(const K& k) const { return contains(k) ? 1 : 0; }
    // The value for k; throws std::out_of_range when absent. O(log n).
    const V& at(const K& k) const {
        const V* v = find(k);
        if (v == nullptr) detail::throw_key_not_found("immutable::sorted_map::at");
        return *v;
    }

    // k mapped to v. O(log n), copies one root-to-leaf path. Setting a value equal to the
    // current one returns this map (same root, no allocation) when V has ==. The new entry
    // is constructed from k and v as given (forwarded); a k that is not a K is made into
    // one first, to compare it.
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    [[nodiscard]] sorted_map set(KA&& k, VA&& v) const& {
        return sorted_map(detail::btree::map_set(tree_, comp_, std::forward<KA>(k), std::forward<VA>(v)), comp_);
    }
    // On a map about to be discarded (m = std::move(m).set(k, v)): the nodes that only this
    // map reaches are changed in place, as a builder changes them, and shared ones are
    // copied, so other versions never change. On a throw the map keeps its contents.
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    [[nodiscard]] sorted_map set(KA&& k, VA&& v) && {
        detail::btree::map_set_owned(tree_, comp_, std::forward<KA>(k), std::forward<VA>(v));
        return sorted_map(std::move(tree_), comp_);
    }
    // Same as set(kv.first, kv.second).
    [[nodiscard]] sorted_map insert(const value_type& kv) const& { return set(kv.first, kv.second); }
    [[nodiscard]] sorted_map insert(value_type&& kv) const& { return set(std::move(kv.first), std::move(kv.second)); }
    [[nodiscard]] sorted_map insert(const value_type& kv) && { return std::move(*this).set(kv.first, kv.second); }
    [[nodiscard]] sorted_map insert(value_type&& kv) && {
        return std::move(*this).set(std::move(kv.first), std::move(kv.second));
    }
    // k mapped to f(current value), or to f(V{}) when k is absent. O(log n). When V has no
    // default value, a missing key throws std::out_of_range and changes nothing.
    template <class F>
    [[nodiscard]] sorted_map update(const K& k, F&& f) const& {
        return sorted_map(detail::btree::map_update(tree_, comp_, k, f), comp_);
    }
    template <class F>
    [[nodiscard]] sorted_map update(const K& k, F&& f) && {
        detail::btree::map_update_owned(tree_, comp_, k, f);
        return sorted_map(std::move(tree_), comp_);
    }
    // Without k. O(log n); erasing a missing key returns this map (no allocation).
    [[nodiscard]] sorted_map erase(const K& k) const& {
        return sorted_map(detail::btree::erase_from(tree_, k, comp_), comp_);
    }
    // In place where nothing else shares the nodes, as for set() &&.
    [[nodiscard]] sorted_map erase(const K& k) && {
        detail::btree::builder_erase(tree_, k, comp_);
        return sorted_map(std::move(tree_), comp_);
    }

    // Iterators in key order. begin() O(log n), end() O(1), ++/-- amortised O(1).
    iterator begin() const noexcept { return iterator::begin_of(tree_.root(), tree_.height(), tree_.size()); }
    iterator end() const noexcept { return iterator::end_of(tree_.root(), tree_.height(), tree_.size()); }
    iterator cbegin() const noexcept { return begin(); }
    iterator cend() const noexcept { return end(); }
    reverse_iterator rbegin() const noexcept { return reverse_iterator(end()); }
    reverse_iterator rend() const noexcept { return reverse_iterator(begin()); }
    reverse_iterator crbegin() const noexcept { return rbegin(); }
    reverse_iterator crend() const noexcept { return rend(); }

    // First entry with key >= k / > k. O(log n).
    iterator lower_bound(const K& k) const { return detail::btree::lower_bound_of(tree_, k, comp_); }
    iterator upper_bound(const K& k) const { return detail::btree::upper_bound_of(tree_, k, comp_); }
    std::pair<iterator, iterator> equal_range(const K& k) const { return {lower_bound(k), upper_bound(k)}; }
    // The entries with keys in [lo, hi), as a view. O(log n); empty when hi <= lo.
    range_type range(const K& lo, const K& hi) const {
        iterator first = lower_bound(lo);
        iterator last = lower_bound(hi);
        if (iterator::before(last, first)) last = first;
        return range_type(first, last);
    }

    // Smallest / largest entry; throw std::out_of_range when empty. O(log n).
    const value_type& front() const {
        if (empty()) detail::throw_empty("immutable::sorted_map::front");
        return detail::btree::first_entry(tree_);
    }
    const value_type& back() const {
        if (empty()) detail::throw_empty("immutable::sorted_map::back");
        return detail::btree::last_entry(tree_);
    }

    // The i-th entry in key order; throws std::out_of_range when i >= size(). O(log n).
    const value_type& nth(size_type i) const {
        if (i >= size()) detail::throw_index_out_of_range("immutable::sorted_map::nth", i, size());
        return detail::btree::nth_entry(tree_, i);
    }
    // The number of keys less than k. O(log n).
    size_type rank(const K& k) const { return detail::btree::rank_of(tree_, k, comp_); }

    // The same lookups by any type the comparator accepts, when it is transparent (declares
    // is_transparent, as std::less<> does): a std::string_view or a const char* finds a
    // std::string key without building one. Same costs as above.
    template <class Q>
        requires detail::transparent<Compare>
    const V* find(const Q& k) const {
        const value_type* e = detail::btree::find_entry(tree_, k, comp_);
        return e != nullptr ? &e->second : nullptr;
    }
    template <class Q>
        requires detail::transparent<Compare>
    bool contains(const Q& k) const {
        return detail::btree::find_entry(tree_, k, comp_) != nullptr;
    }
    template <class Q>
        requires detail::transparent<Compare>
    size_type count(const Q& k) const {
        return contains(k) ? 1 : 0;
    }
    template <class Q>
        requires detail::transparent<Compare>
    const V& at(const Q& k) const {
        const V* v = find(k);
        if (v == nullptr) detail::throw_key_not_found("immutable::sorted_map::at");
        return *v;
    }
    template <class Q>
        requires detail::transparent<Compare>
    iterator lower_bound(const Q& k) const {
        return detail::btree::lower_bound_of(tree_, k, comp_);
    }
    template <class Q>
        requires detail::transparent<Compare>
    iterator upper_bound(const Q& k) const {
        return detail::btree::upper_bound_of(tree_, k, comp_);
    }
    template <class Q>
        requires detail::transparent<Compare>
    std::pair<iterator, iterator> equal_range(const Q& k) const {
        return {lower_bound(k), upper_bound(k)};
    }
    template <class Q>
        requires detail::transparent<Compare>
    size_type rank(const Q& k) const {
        return detail::btree::rank_of(tree_, k, comp_);
    }

    // ---- Ordered operations -------------------------------------------------------------
    // Each cuts along one or two root-to-leaf paths: O(log n) time, O(log n) new nodes, and
    // the rest of the tree shared with this map. The && overloads (on a map about to be
    // discarded) cut in place the nodes that only this map reaches, as set() && does.

    // (the keys less than k, the keys not less than k). When k is at or below
    // every key, or above every key, one side is this map (same root).
    [[nodiscard]] std::pair<sorted_map, sorted_map> split(const K& k) const& { return split_at(tree_, k); }
    [[nodiscard]] std::pair<sorted_map, sorted_map> split(const K& k) && { return split_at(std::move(tree_), k); }
    // The first n entries in order; this map when n >= size().
    [[nodiscard]] sorted_map take(size_type n) const& { return sorted_map(detail::btree::take_front(tree_, n), comp_); }
    [[nodiscard]] sorted_map take(size_type n) && {
        return sorted_map(detail::btree::take_front(std::move(tree_), n), comp_);
    }
    // All but the first n entries; empty when n >= size(), this map when n == 0.
    [[nodiscard]] sorted_map drop(size_type n) const& { return sorted_map(detail::btree::drop_front(tree_, n), comp_); }
    [[nodiscard]] sorted_map drop(size_type n) && {
        return sorted_map(detail::btree::drop_front(std::move(tree_), n), comp_);
    }
    // The entries of ranks [first, last); throws std::out_of_range (naming both bounds and
    // the size) unless first <= last <= size().
    [[nodiscard]] sorted_map slice(size_type first, size_type last) const& {
        check_slice(first, last);
        return sorted_map(detail::btree::slice_ranks(tree_, first, last), comp_);
    }
    [[nodiscard]] sorted_map slice(size_type first, size_type last) && {
        check_slice(first, last);
        return sorted_map(detail::btree::slice_ranks(std::move(tree_), first, last), comp_);
    }
    // Without the keys in [lo, hi). An empty or reversed range, or one with no
    // key in it, returns this map (same root, no allocation).
    [[nodiscard]] sorted_map erase_range(const K& lo, const K& hi) const& { return erase_between(tree_, lo, hi); }
    [[nodiscard]] sorted_map erase_range(const K& lo, const K& hi) && {
        return erase_between(std::move(tree_), lo, hi);
    }
    // The same by any type the comparator accepts, when it is transparent.
    template <class Q>
        requires detail::transparent<Compare>
    [[nodiscard]] std::pair<sorted_map, sorted_map> split(const Q& k) const& {
        return split_at(tree_, k);
    }
    template <class Q>
        requires detail::transparent<Compare>
    [[nodiscard]] std::pair<sorted_map, sorted_map> split(const Q& k) && {
        return split_at(std::move(tree_), k);
    }
    template <class Lo, class Hi>
        requires detail::transparent<Compare>
    [[nodiscard]] sorted_map erase_range(const Lo& lo, const Hi& hi) const& {
        return erase_between(tree_, lo, hi);
    }
    template <class Lo, class Hi>
        requires detail::transparent<Compare>
    [[nodiscard]] sorted_map erase_range(const Lo& lo, const Hi& hi) && {
        return erase_between(std::move(tree_), lo, hi);
    }

    // Union, intersection and difference by key, O(m log(n/m + 1)) for sizes m <= n. Where
    // both have a key, the entry of a (the left operand) is kept. Subtrees the two share, and
    // subtrees whose keys only one side has, are taken whole without being visited, so
    // versions of one map combine in time proportional to their differences. The comparator
    // is a's.
    [[nodiscard]] friend sorted_map operator|(const sorted_map& a, const sorted_map& b) {
        return sorted_map(detail::btree::set_union(a.tree_, b.tree_, a.comp_), a.comp_);
    }
    [[nodiscard]] friend sorted_map operator&(const sorted_map& a, const sorted_map& b) {
        return sorted_map(detail::btree::set_intersection(a.tree_, b.tree_, a.comp_), a.comp_);
    }
    [[nodiscard]] friend sorted_map operator-(const sorted_map& a, const sorted_map& b) {
        return sorted_map(detail::btree::set_difference(a.tree_, b.tree_, a.comp_), a.comp_);
    }
    // The same, replacing this map by the result (this map's comparator is kept).
    sorted_map& operator|=(const sorted_map& b) { return *this = *this | b; }
    sorted_map& operator&=(const sorted_map& b) { return *this = *this & b; }
    sorted_map& operator-=(const sorted_map& b) { return *this = *this - b; }
    // The union in which a key both maps have gets f(key, this map's value, b's value).
    // Costs as for |, except that f is called for every common key, so subtrees the two
    // share are walked (and rebuilt) rather than taken whole.
    template <class F>
        requires std::constructible_from<V, std::invoke_result_t<F&, const K&, const V&, const V&>>
    [[nodiscard]] sorted_map union_with(const sorted_map& b, F&& f) const {
        return sorted_map(detail::btree::map_union_with(tree_, b.tree_, comp_, f), comp_);
    }

    // The root node's address: equal identities mean equal contents. O(1).
    const void* identity() const noexcept { return tree_.root(); }

    // A builder starting from this map. O(1).
    builder to_builder() const { return builder(*this); }

    // O(n), O(1) when both share their root.
    // Not constrained on the element's ==, as std::vector's is not: a recursive element
    // type defaulting its own ==
    // (struct node { sorted_map<int, node> kids; bool operator==(const node&) const = default; })
    // would otherwise make the compiler ask whether T has == while deciding exactly that,
    // and clang then deletes the defaulted operator. Without T's ==, a comparison fails
    // where it is compiled.
    friend bool operator==(const sorted_map& a, const sorted_map& b)
        requires std::equality_comparable<K>
    {
        if (a.size() != b.size()) return false;
        if (a.identity() == b.identity()) return true;
        return std::equal(a.begin(), a.end(), b.begin());
    }
    // Lexicographic over the entries in key order, each compared as std::pair compares (key,
    // then value; with <=>, or with < for types that only have that, as std::map does). O(n).
    friend auto operator<=>(const sorted_map& a, const sorted_map& b)
        requires detail::synth_comparable<K> // not V: see operator== (a recursive V)
    {
        using result =
            std::common_comparison_category_t<detail::synth_result_t<K>, detail::synth_result_t<V>>;
        return detail::lexicographical_compare_three_way(
            a.begin(), a.end(), b.begin(), b.end(), [](const value_type& x, const value_type& y) -> result {
                if (const auto c = detail::synth_three_way(x.first, y.first); c != 0) return c;
                return detail::synth_three_way(x.second, y.second);
            });
    }

private:
    // Elements whose .first is a K are compared where they are; others are converted first.
    template <class It>
    static constexpr bool direct_input = requires(std::iter_reference_t<It> r) {
        requires std::is_same_v<std::remove_cvref_t<decltype(r.first)>, K>;
    };

    sorted_map(tree_type t, const Compare& comp) : tree_(std::move(t)), comp_(comp) {}

    // The tree is taken by value: a copy shares it (and is only read), a moved-in tree that
    // holds its nodes alone is cut in place.
    template <class Q>
    std::pair<sorted_map, sorted_map> split_at(tree_type t, const Q& k) const {
        auto [lower, upper] = detail::btree::split_at_key(std::move(t), k, comp_);
        return {sorted_map(std::move(lower), comp_), sorted_map(std::move(upper), comp_)};
    }
    template <class Lo, class Hi>
    sorted_map erase_between(tree_type t, const Lo& lo, const Hi& hi) const {
        return sorted_map(detail::btree::erase_key_range(std::move(t), lo, hi, comp_), comp_);
    }
    void check_slice(size_type first, size_type last) const {
        if (first > last || last > size()) {
            detail::throw_range_out_of_range("immutable::sorted_map::slice", first, last, size());
        }
    }

    tree_type tree_;
    [[no_unique_address]] Compare comp_{};
};

// Batch changes to a map: changes the nodes it owns alone in place, so n changes cost about
// what n changes to a mutable B-tree cost. build() is O(1) and leaves the builder usable;
// maps already built never change. Default-constructible (empty); its iterators see the
// current contents and are invalidated by any change through it.
template <class K, class V, class Compare, memory_policy Policy>
class sorted_map<K, V, Compare, Policy>::builder {
    friend struct detail::btree::access;
    friend class sorted_map;

public:
    builder() = default;
    explicit builder(const Compare& comp) : comp_(comp) {}

    // O(log n) each.
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    builder& set(KA&& k, VA&& v) {
        detail::btree::map_set_owned(tree_, comp_, std::forward<KA>(k), std::forward<VA>(v));
        return *this;
    }
    builder& insert(const value_type& kv) { return set(kv.first, kv.second); }
    builder& insert(value_type&& kv) { return set(std::move(kv.first), std::move(kv.second)); }
    template <class F>
    builder& update(const K& k, F&& f) {
        detail::btree::map_update_owned(tree_, comp_, k, f);
        return *this;
    }
    builder& erase(const K& k) {
        detail::btree::builder_erase(tree_, k, comp_);
        return *this;
    }

    const V* find(const K& k) const {
        const value_type* e = detail::btree::find_entry(tree_, k, comp_);
        return e != nullptr ? &e->second : nullptr;
    }
    bool contains(const K& k) const { return detail::btree::find_entry(tree_, k, comp_) != nullptr; }
    size_type size() const noexcept { return tree_.size(); }
    [[nodiscard]] bool empty() const noexcept { return tree_.empty(); }

    // The current contents in key order. Any change through the builder (set, insert,
    // update, erase) invalidates these iterators: it edits nodes in place.
    iterator begin() const noexcept { return iterator::begin_of(tree_.root(), tree_.height(), tree_.size()); }
    iterator end() const noexcept { return iterator::end_of(tree_.root(), tree_.height(), tree_.size()); }

    // The current contents as a map, sharing every node. O(1).
    [[nodiscard]] sorted_map build() const { return sorted_map(tree_, comp_); }

private:
    explicit builder(const sorted_map& m) : tree_(m.tree_), comp_(m.comp_) {}

    tree_type tree_;
    [[no_unique_address]] Compare comp_{};
};

// Calls on_added(new_entry), on_removed(old_entry), on_changed(old_entry, new_entry) (each
// with const std::pair<K, V>&) for every difference between two maps, in key order. Skips
// the subtrees the two share, so two versions a few changes apart cost O(changes x log n)
// comparisons, not O(n). Keys are compared with old_map's comparator, values with ==.
template <class K, class V, class C, class P, class Added, class Removed, class Changed>
    requires std::equality_comparable<V>
void diff(const sorted_map<K, V, C, P>& old_map, const sorted_map<K, V, C, P>& new_map, Added&& on_added,
          Removed&& on_removed, Changed&& on_changed) {
    using access = detail::btree::access;
    auto same_key = [&](const std::pair<K, V>& a, const std::pair<K, V>& b) {
        if (!(a.second == b.second)) on_changed(a, b);
    };
    detail::btree::diff_trees(access::tree_of(old_map), access::tree_of(new_map), access::compare_of(old_map),
                              on_added, on_removed, same_key);
}

// From a range of pairs: sorted_map(v.begin(), v.end()) with v a vector of pairs or a std::map.
template <std::input_iterator It, std::sentinel_for<It> S>
sorted_map(It, S) -> sorted_map<detail::iter_key_t<It>, detail::iter_mapped_t<It>>;
template <std::input_iterator It, std::sentinel_for<It> S, class Compare>
sorted_map(It, S, Compare)
    -> sorted_map<detail::iter_key_t<It>, detail::iter_mapped_t<It>, Compare>;
template <class K, class V>
sorted_map(std::initializer_list<std::pair<K, V>>) -> sorted_map<K, V>;
template <class K, class V, class Compare>
sorted_map(std::initializer_list<std::pair<K, V>>, Compare) -> sorted_map<K, V, Compare>;

} // namespace immutable
