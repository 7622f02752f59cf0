#pragma once
// immutable::map<K, V>: a persistent hash map (CHAMP hash trie, detail/champ/).
//
// Every "modifying" member is const and returns a new map; the old one stays valid and
// unchanged, and the two share every node the change did not touch. Copying a map is
// O(1) (one reference count). Lookups are O(log32 n) pointer steps, in practice 3-5.
//
// value_type is std::pair<K, V> (not pair<const K, V>): entries are stored as such and
// iterators hand out const std::pair<K, V>&, so nothing can be changed through them.
//
// Threads: any number of threads may read, copy and derive from the same map at once
// (with the default policy). A builder belongs to one thread at a time.
// Exceptions: if a copy of K or V, the hash, the equality or an allocation throws, every
// existing map is unchanged and nothing leaks (builders too: strong guarantee).
// Iteration order: deterministic for a given content and hash, otherwise unspecified.
// Size: at most 2^32 - 1 entries (node counts are 32-bit).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <immutable/detail/champ/diff.hpp>
#include <immutable/detail/deduction.hpp>
#include <immutable/detail/champ/iterator.hpp>
#include <immutable/detail/champ/ops.hpp>
#include <immutable/detail/champ/traits.hpp>
#include <immutable/detail/champ/transient.hpp>
#include <immutable/detail/errors.hpp>
#include <immutable/detail/transparent.hpp>
#include <immutable/memory.hpp>

namespace immutable {

template <class K, class V, class Hash = std::hash<K>, class Equal = std::equal_to<K>,
          memory_policy Policy = default_policy>
class map {
    static_assert(std::is_copy_constructible_v<K>, "immutable::map needs copyable keys");
    static_assert(std::is_copy_constructible_v<V>, "immutable::map needs copyable values");
    static_assert(std::is_nothrow_destructible_v<K> && std::is_nothrow_destructible_v<V>,
                  "immutable::map needs keys and values whose destructor does not throw");
    static_assert(std::is_default_constructible_v<Hash> && std::is_default_constructible_v<Equal>,
                  "immutable::map constructs Hash and Equal on demand: they must be default-constructible");
    static_assert(std::is_invocable_r_v<std::size_t, const Hash&, const K&>,
                  "Hash must be callable as std::size_t(const K&)");
    static_assert(std::is_invocable_r_v<bool, const Equal&, const K&, const K&>,
                  "Equal must be callable as bool(const K&, const K&)");

public:
    using traits_type = detail::champ::map_traits<K, V, Hash, Equal, Policy>;
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<K, V>;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using hasher = Hash;
    using key_equal = Equal;
    using policy_type = Policy;
    using reference = const value_type&;
    using const_reference = const value_type&;
    using iterator = detail::champ::iterator<traits_type>;
    using const_iterator = iterator;

    class builder;

    // Empty; never allocates.
    map() noexcept = default;
    // O(n) through a builder. A repeated key keeps its last value (like calling set()).
    map(std::initializer_list<value_type> entries) : map(entries.begin(), entries.end()) {}
    template <std::input_iterator It, std::sentinel_for<It> S>
    map(It first, S last) {
        builder b;
        for (; first != last; ++first) b.insert(*first);
        root_ = std::exchange(b.root_, nullptr);
    }

    map(const map& other) noexcept : root_(other.root_) {
        if (root_ != nullptr) node_type::retain(root_);
    }
    map(map&& other) noexcept : root_(std::exchange(other.root_, nullptr)) {}
    map& operator=(const map& other) noexcept {
        map(other).swap(*this);
        return *this;
    }
    map& operator=(map&& other) noexcept {
        map(std::move(other)).swap(*this);
        return *this;
    }
    ~map() {
        if (root_ != nullptr) node_type::release(root_);
    }
    void swap(map& other) noexcept { std::swap(root_, other.root_); }

    // O(1).
    size_type size() const noexcept { return root_ == nullptr ? 0 : root_->count; }
    bool empty() const noexcept { return root_ == nullptr; }
    static constexpr size_type max_size() noexcept { return std::numeric_limits<std::uint32_t>::max(); }

    // O(log n), no allocation. The pointer lives as long as some map holding the entry.
    const V* find(const K& k) const {
        const value_type* e = ops::find(root_, k);
        return e == nullptr ? nullptr : &e->second;
    }
    bool contains(const K& k) const { return ops::find(root_, k) != nullptr; }
    size_type count(const K& k) const { return contains(k) ? 1 : 0; }
    // O(log n); throws std::out_of_range when k is absent.
    const V& at(const K& k) const {
        const V* v = find(k);
        if (v == nullptr) detail::throw_key_not_found("immutable::map::at");
        return *v;
    }
    const V& operator[](const K& k) const { return at(k); }

    // The same lookups by any type that both Hash and Equal accept, when both are
    // transparent (declare is_transparent), as for std::unordered_map in C++20: a
    // std::string_view finds a std::string key without building one. Hash must give such a
    // value the hash of the equal key.
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    const V* find(const Q& k) const {
        const value_type* e = ops::find(root_, k);
        return e == nullptr ? nullptr : &e->second;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    bool contains(const Q& k) const {
        return ops::find(root_, k) != nullptr;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    size_type count(const Q& k) const {
        return contains(k) ? 1 : 0;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    const V& at(const Q& k) const {
        const V* v = find(k);
        if (v == nullptr) detail::throw_key_not_found("immutable::map::at");
        return *v;
    }

    // O(log n): copies the path to k, about log32(n) allocations. Returns *this (same
    // root, no allocation) when k already maps to an equal value (V equality-comparable).
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    map set(KA&& k, VA&& v) const& {
        const K& key = k;
        std::uint64_t h = traits_type::hash(key);
        assign_entry<KA, VA> ctor{std::forward<KA>(k), std::forward<VA>(v)};
        if (root_ == nullptr) return map(ops::make_one(ctor, h));
        check_room(key);
        bool added = false;
        node_type* r = ops::insert(root_, 0, h, key, ctor, added);
        return r == nullptr ? *this : map(r);
    }
    // On a map about to be discarded (std::move(m).set(...)) whose nodes nothing else
    // shares, changes them in place as a builder would: at most one allocation.
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    map set(KA&& k, VA&& v) && {
        set_in_place(root_, nullptr, std::forward<KA>(k), std::forward<VA>(v));
        return map(std::exchange(root_, nullptr));
    }
    // Same as set(entry.first, entry.second).
    map insert(const value_type& entry) const& { return set(entry.first, entry.second); }
    map insert(value_type&& entry) const& { return set(std::move(entry.first), std::move(entry.second)); }
    map insert(const value_type& entry) && { return std::move(*this).set(entry.first, entry.second); }
    map insert(value_type&& entry) && {
        return std::move(*this).set(std::move(entry.first), std::move(entry.second));
    }
    // set(k, f(current value, or V{} when absent)). O(log n), two lookups. When V has no
    // default value, a missing key throws std::out_of_range and changes nothing.
    template <class F>
        requires std::invocable<F&, const V&>
    map update(const K& k, F&& f) const& {
        if (const V* cur = find(k)) return set(k, std::invoke(f, *cur));
        return set(k, std::invoke(f, detail::value_for_missing_key<V>("immutable::map::update")));
    }
    template <class F>
        requires std::invocable<F&, const V&>
    map update(const K& k, F&& f) && {
        if (const V* cur = find(k)) return std::move(*this).set(k, std::invoke(f, *cur));
        return std::move(*this).set(
            k, std::invoke(f, detail::value_for_missing_key<V>("immutable::map::update")));
    }
    // O(log n): copies the path. Returns *this (same root, no allocation) when k is absent.
    map erase(const K& k) const& {
        if (root_ == nullptr) return *this;
        // A one-entry map needs no hash: the key either is that entry or is absent.
        if (root_->count == 1) return ops::single_entry(root_, k) == nullptr ? *this : map();
        auto r = ops::erase(root_, 0, traits_type::hash(k), k);
        using er = typename ops::erase_result;
        if (r.kind == er::unchanged) return *this;
        if (r.kind == er::empty) return map();
        return map(r.node);
    }
    // In place when nothing else shares the nodes, as for set() &&.
    map erase(const K& k) && {
        erase_in_place(root_, nullptr, k);
        return map(std::exchange(root_, nullptr));
    }

    // Iteration: O(1) per step on average, entries of one node are contiguous.
    iterator begin() const noexcept { return iterator(root_); }
    iterator end() const noexcept { return iterator(); }
    iterator cbegin() const noexcept { return begin(); }
    iterator cend() const noexcept { return end(); }

    // The root node's address: equal identities mean the same version (or both empty).
    const void* identity() const noexcept { return root_; }

    // O(1); the builder shares this map's nodes until it writes to them.
    builder to_builder() const { return builder(*this); }

    // Order-independent; O(n) worst case, O(1) for maps sharing their root; subtrees the
    // two maps share are skipped by pointer.
    friend bool operator==(const map& a, const map& b)
        requires std::equality_comparable<V>
    {
        return a.root_ == b.root_ || ops::equal(a.root_, b.root_); // same root (or both empty): no call
    }

private:
    friend struct detail::champ::access;
    using node_type = detail::champ::node<traits_type>;
    using ops = detail::champ::ops<traits_type>;
    using transient = detail::champ::transient_ops<traits_type>;
    using cache_type = typename node_type::cache_type;

    // Adopts one reference to `root`.
    explicit map(node_type* root) noexcept : root_(root) {}

    // Builds the entry for set(): forwards k and v into place, or assigns v in a builder.
    template <class KA, class VA>
    struct assign_entry {
        KA&& k;
        VA&& v;
        void construct(value_type* p) {
            ::new (static_cast<void*>(p)) value_type(std::forward<KA>(k), std::forward<VA>(v));
        }
        bool unchanged(const value_type& e) const {
            if constexpr (std::equality_comparable<V>) {
                return static_cast<bool>(e.second == v);
            } else {
                return false;
            }
        }
        void assign(value_type& e) {
            V fresh(std::forward<VA>(v)); // a throwing copy leaves e untouched
            e.second = std::move(fresh);
        }
    };

    // The builder's update: writes in place to the nodes only `root` reaches, copies the
    // shared ones. Strong guarantee: on a throw, `root` still holds the same content.
    // `cache` (a builder's, or null) recycles the blocks of nodes it outgrows.
    template <class KA, class VA>
    static void set_in_place(node_type*& root, cache_type* cache, KA&& k, VA&& v) {
        const K& key = k;
        std::uint64_t h = traits_type::hash(key);
        assign_entry<KA, VA> ctor{std::forward<KA>(k), std::forward<VA>(v)};
        if (root == nullptr) {
            root = ops::make_one(ctor, h);
            return;
        }
        if (IMMUTABLE_UNLIKELY(root->count == max_size()) && ops::find(root, key) == nullptr) {
            throw std::length_error("immutable::map: more than 2^32 - 1 entries");
        }
        if (root->refs.unique()) {
            if (node_type* r = transient::insert(root, h, key, ctor, cache)) root = r;
            return;
        }
        bool added = false;
        if (node_type* r = ops::insert(root, 0, h, key, ctor, added)) {
            node_type::release(root);
            root = r;
        }
    }

    static void erase_in_place(node_type*& root, cache_type* cache, const K& k) {
        if (root == nullptr) return;
        std::uint64_t h = traits_type::hash(k);
        bool owned = root->refs.unique();
        auto r = owned ? transient::erase(root, 0, h, k, cache) : ops::erase(root, 0, h, k);
        using er = typename ops::erase_result;
        if (r.kind == er::empty) {
            node_type::release(root);
            root = nullptr;
        } else if (r.kind == er::replaced && r.node != root) {
            if (!owned) node_type::release(root);
            root = r.node;
        }
    }

    void check_room(const K& k) const {
        if (IMMUTABLE_UNLIKELY(size() == max_size()) && !contains(k)) {
            throw std::length_error("immutable::map: more than 2^32 - 1 entries");
        }
    }

    node_type* root_ = nullptr;
};

// A mutable view for batches of changes: writes in place to the nodes only it can reach,
// copies the ones it shares. build() is O(1) and the builder stays usable.
template <class K, class V, class Hash, class Equal, memory_policy Policy>
class map<K, V, Hash, Equal, Policy>::builder {
public:
    using traits_type = typename map::traits_type; // for the engine's invariant checks
    builder() noexcept = default;
    explicit builder(const map& m) noexcept : root_(m.root_) {
        if (root_ != nullptr) node_type::retain(root_);
    }
    builder(const builder& other) noexcept : root_(other.root_) {
        if (root_ != nullptr) node_type::retain(root_);
    }
    builder(builder&& other) noexcept : root_(std::exchange(other.root_, nullptr)) {}
    builder& operator=(builder other) noexcept {
        std::swap(root_, other.root_);
        return *this;
    }
    ~builder() {
        if (root_ != nullptr) node_type::release(root_);
    }

    size_type size() const noexcept { return root_ == nullptr ? 0 : root_->count; }
    bool empty() const noexcept { return root_ == nullptr; }
    // O(log n). The pointer is valid until the next change through this builder.
    const V* find(const K& k) const {
        const value_type* e = ops::find(root_, k);
        return e == nullptr ? nullptr : &e->second;
    }
    bool contains(const K& k) const { return ops::find(root_, k) != nullptr; }
    size_type count(const K& k) const { return contains(k) ? 1 : 0; }

    // O(log n); at most one allocation when the path is already owned by the builder.
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    builder& set(KA&& k, VA&& v) {
        set_in_place(root_, &cache_, std::forward<KA>(k), std::forward<VA>(v));
        return *this;
    }
    builder& insert(const value_type& entry) { return set(entry.first, entry.second); }
    builder& insert(value_type&& entry) { return set(std::move(entry.first), std::move(entry.second)); }
    template <class F>
        requires std::invocable<F&, const V&>
    builder& update(const K& k, F&& f) {
        if (const V* cur = find(k)) return set(k, std::invoke(f, *cur));
        return set(k,
                   std::invoke(f, detail::value_for_missing_key<V>("immutable::map::builder::update")));
    }
    // O(log n); no-op when k is absent.
    builder& erase(const K& k) {
        erase_in_place(root_, &cache_, k);
        return *this;
    }

    // O(1): the map shares the builder's nodes; the builder copies before its next write.
    map build() const {
        if (root_ != nullptr) node_type::retain(root_);
        return map(root_);
    }

    iterator begin() const noexcept { return iterator(root_); }
    iterator end() const noexcept { return iterator(); }

private:
    friend class map;
    friend struct detail::champ::access;
    node_type* root_ = nullptr;
    // Blocks of nodes this builder outgrew, reused for its next nodes; never shared with
    // copies of the builder (each starts with an empty cache).
    cache_type cache_;
};

// From a range of pairs: map(v.begin(), v.end()) with v a vector of pairs or a std::map.
template <std::input_iterator It, std::sentinel_for<It> S>
map(It, S) -> map<detail::iter_key_t<It>, detail::iter_mapped_t<It>>;
template <class K, class V>
map(std::initializer_list<std::pair<K, V>>) -> map<K, V>;

// Calls on_added(new_entry), on_removed(old_entry), on_changed(old_entry, new_entry) (each
// with const std::pair<K, V>&) for every difference between two maps. Skips subtrees the
// two share, so the cost follows the size of the change times the depth.
template <class K, class V, class H, class E, class P, class Added, class Removed, class Changed>
    requires std::equality_comparable<V>
void diff(const map<K, V, H, E, P>& old_map, const map<K, V, H, E, P>& new_map, Added&& on_added,
          Removed&& on_removed, Changed&& on_changed) {
    using traits = typename map<K, V, H, E, P>::traits_type;
    detail::champ::differ<traits>::diff(detail::champ::access::root(old_map),
                                        detail::champ::access::root(new_map), on_added, on_removed,
                                        on_changed);
}

} // namespace immutable

// Order-independent: a sum of per-entry hashes, so equal maps hash equally whatever their
// history. Available when the values are hashable with std::hash.
template <class K, class V, class H, class E, class P>
    requires requires(const V& v) {
        { std::hash<V>{}(v) } -> std::convertible_to<std::size_t>;
    }
struct std::hash<immutable::map<K, V, H, E, P>> {
    std::size_t operator()(const immutable::map<K, V, H, E, P>& m) const {
        using traits = typename immutable::map<K, V, H, E, P>::traits_type;
        std::uint64_t sum = 0;
        for (const auto& e : m) {
            std::uint64_t hv = immutable::detail::champ::mix_hash(std::hash<V>{}(e.second) + 0x632be59bd9b4e019ull);
            sum += immutable::detail::champ::mix_hash(traits::hash(e.first) ^ hv);
        }
        return static_cast<std::size_t>(immutable::detail::champ::mix_hash(sum + m.size()));
    }
};
