#pragma once
// immutable::map<K, V>: a persistent hash map (CHAMP hash trie, detail/champ/).
//
// Every "modifying" member is const and returns a new map ([[nodiscard]]); the old one
// stays valid and unchanged, and the two share every node the change did not touch.
// Copying a map is O(1) (one reference count). Lookups are O(log32 n) pointer steps, in
// practice 3-5. The engine (detail/champ/trie.hpp) does the work and all the counting;
// this class declares the API and delegates.
//
// value_type is std::pair<K, V> (not pair<const K, V>): entries are stored as such and
// iterators hand out const std::pair<K, V>&, so nothing can be changed through them.
//
// Threads: any number of threads may read, copy and derive from the same map at once
// (with the default policy). A builder belongs to one thread at a time.
// Builders: changing members return the builder (calls chain); any change through a
// builder invalidates its iterators and the pointers its find() returned.
// Exceptions: if a copy of K or V, the hash, the equality or an allocation throws, every
// existing map is unchanged and nothing leaks (builders too: strong guarantee).
// Iteration order: deterministic for a given content and hash, otherwise unspecified.
// Size: at most 2^32 - 1 entries (a collision node counts its entries in 32 bits).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <utility>

#include <immutable/detail/champ/diff.hpp>
#include <immutable/detail/champ/entry_maker.hpp>
#include <immutable/detail/champ/iterator.hpp>
#include <immutable/detail/champ/traits.hpp>
#include <immutable/detail/champ/trie.hpp>
#include <immutable/detail/deduction.hpp>
#include <immutable/detail/errors.hpp>
#include <immutable/detail/hash_requirements.hpp>
#include <immutable/detail/transparent.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::persist {
struct access; // persist/access.hpp: saving and loading reach the engine handle
}

namespace immutable {

template <class K, class V, class Hash = std::hash<K>, class Equal = std::equal_to<K>,
          memory_policy Policy = default_policy>
class map {
    // V may still be incomplete here (struct doc { map<std::string, doc> children; }), as
    // for std::vector's T: its requirements are checked in the destructor, which every use
    // instantiates. K must be complete: it is hashed.
    static_assert(std::is_copy_constructible_v<K>, "immutable::map needs copyable keys");
    static_assert(std::is_nothrow_destructible_v<K>, "immutable::map needs keys whose destructor does not throw");
    static_assert(detail::first_hash_problem<K, Hash, Equal>() != detail::hash_problem::no_std_hash,
                  "immutable::map<K, V>: there is no std::hash<K> for this key type; "
                  "specialize std::hash<K> or pass a Hash");
    static_assert(detail::first_hash_problem<K, Hash, Equal>() != detail::hash_problem::hash_not_constructible,
                  "immutable::map constructs Hash and Equal on demand: they must be default-constructible");
    static_assert(detail::first_hash_problem<K, Hash, Equal>() != detail::hash_problem::hash_not_callable,
                  "Hash must be callable as std::size_t(const K&)");
    static_assert(detail::first_hash_problem<K, Hash, Equal>() != detail::hash_problem::equal_not_callable,
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
        trie_ = std::move(b.trie_);
    }

    // Copies share the root: O(1), no allocation.
    map(const map&) noexcept = default;
    map(map&&) noexcept = default;
    map& operator=(const map&) noexcept = default;
    map& operator=(map&&) noexcept = default;
    ~map() {
        static_assert(std::is_copy_constructible_v<V>, "immutable::map needs copyable values");
        static_assert(std::is_nothrow_destructible_v<V>, "immutable::map needs values whose destructor does not throw");
    }
    void swap(map& other) noexcept { trie_.swap(other.trie_); }

    // O(1).
    size_type size() const noexcept { return trie_.size(); }
    bool empty() const noexcept { return trie_.empty(); }
    static constexpr size_type max_size() noexcept { return trie_type::max_size; }

    // O(log n), no allocation. The pointer lives as long as some map holding the entry.
    const V* find(const K& k) const {
        const value_type* e = trie_.find(k);
        return e == nullptr ? nullptr : &e->second;
    }
    bool contains(const K& k) const { return trie_.find(k) != nullptr; }
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
        const value_type* e = trie_.find(k);
        return e == nullptr ? nullptr : &e->second;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    bool contains(const Q& k) const {
        return trie_.find(k) != nullptr;
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
    [[nodiscard]] map set(KA&& k, VA&& v) const& {
        const K& key = k;
        entry_maker<KA, VA> maker{std::forward<KA>(k), std::forward<VA>(v)};
        return map(trie_.inserted(key, maker));
    }
    // On a map about to be discarded (std::move(m).set(...)) whose nodes nothing else
    // shares, changes them in place as a builder would: at most one allocation.
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    [[nodiscard]] map set(KA&& k, VA&& v) && {
        const K& key = k;
        entry_maker<KA, VA> maker{std::forward<KA>(k), std::forward<VA>(v)};
        trie_.insert(key, maker, nullptr);
        return map(std::move(trie_));
    }
    // Same as set(entry.first, entry.second).
    [[nodiscard]] map insert(const value_type& entry) const& { return set(entry.first, entry.second); }
    [[nodiscard]] map insert(value_type&& entry) const& {
        return set(std::move(entry.first), std::move(entry.second));
    }
    [[nodiscard]] map insert(const value_type& entry) && {
        return std::move(*this).set(entry.first, entry.second);
    }
    [[nodiscard]] map insert(value_type&& entry) && {
        return std::move(*this).set(std::move(entry.first), std::move(entry.second));
    }
    // set(k, f(current value, or V{} when absent)). O(log n), two lookups. When V has no
    // default value, a missing key throws std::out_of_range and changes nothing.
    template <class F>
        requires std::invocable<F&, const V&>
    [[nodiscard]] map update(const K& k, F&& f) const& {
        if (const V* cur = find(k)) return set(k, std::invoke(f, *cur));
        return set(k, std::invoke(f, detail::value_for_missing_key<V>("immutable::map::update")));
    }
    template <class F>
        requires std::invocable<F&, const V&>
    [[nodiscard]] map update(const K& k, F&& f) && {
        if (const V* cur = find(k)) return std::move(*this).set(k, std::invoke(f, *cur));
        return std::move(*this).set(
            k, std::invoke(f, detail::value_for_missing_key<V>("immutable::map::update")));
    }
    // O(log n): copies the path. Returns *this (same root, no allocation) when k is absent.
    [[nodiscard]] map erase(const K& k) const& { return map(trie_.erased(k)); }
    // In place when nothing else shares the nodes, as for set() &&.
    [[nodiscard]] map erase(const K& k) && {
        trie_.erase(k, nullptr);
        return map(std::move(trie_));
    }

    // Iteration: O(1) per step on average, entries of one node are contiguous.
    iterator begin() const noexcept { return iterator(trie_.root()); }
    iterator end() const noexcept { return iterator(); }
    iterator cbegin() const noexcept { return begin(); }
    iterator cend() const noexcept { return end(); }

    // The root node's address: equal identities mean the same version (or both empty).
    const void* identity() const noexcept { return trie_.root(); }

    // O(1); the builder shares this map's nodes until it writes to them.
    builder to_builder() const { return builder(*this); }

    // Order-independent; O(n) worst case, O(1) for maps sharing their root; subtrees the
    // two maps share are skipped by pointer.
    // Not constrained on the element's ==, as std::vector's is not: a recursive element
    // type defaulting its own ==
    // (struct node { map<int, node> kids; bool operator==(const node&) const = default; })
    // would otherwise make the compiler ask whether T has == while deciding exactly that,
    // and clang then deletes the defaulted operator. Without T's ==, a comparison fails
    // where it is compiled.
    friend bool operator==(const map& a, const map& b) {
        return a.trie_ == b.trie_;
    }

private:
    friend struct detail::champ::access;
    friend struct detail::persist::access;
    using trie_type = detail::champ::trie<traits_type>;
    template <class KA, class VA>
    using entry_maker = detail::champ::map_entry_maker<K, V, KA, VA>;

    explicit map(trie_type t) noexcept : trie_(std::move(t)) {}

    trie_type trie_;
};

// A mutable view for batches of changes: writes in place to the nodes only it can reach,
// copies the ones it shares. build() is O(1) and the builder stays usable. Changing
// members return the builder; any change invalidates the builder's iterators.
template <class K, class V, class Hash, class Equal, memory_policy Policy>
class map<K, V, Hash, Equal, Policy>::builder {
public:
    using traits_type = typename map::traits_type; // for the engine's invariant checks

    // Empty.
    builder() noexcept = default;
    // O(1): shares m's nodes until it writes to them.
    explicit builder(const map& m) noexcept : trie_(m.trie_) {}
    // A copy shares the content and starts with no cached blocks of its own.
    builder(const builder& other) noexcept : trie_(other.trie_) {}
    builder(builder&& other) noexcept : trie_(std::move(other.trie_)) {}
    builder& operator=(builder other) noexcept {
        trie_.swap(other.trie_);
        return *this;
    }
    ~builder() = default;

    size_type size() const noexcept { return trie_.size(); }
    bool empty() const noexcept { return trie_.empty(); }
    // O(log n). The pointer is valid until the next change through this builder.
    const V* find(const K& k) const {
        const value_type* e = trie_.find(k);
        return e == nullptr ? nullptr : &e->second;
    }
    bool contains(const K& k) const { return trie_.find(k) != nullptr; }
    size_type count(const K& k) const { return contains(k) ? 1 : 0; }

    // O(log n); at most one allocation when the path is already owned by the builder.
    template <class KA = const K&, class VA = const V&>
        requires std::constructible_from<K, KA&&> && std::constructible_from<V, VA&&>
    builder& set(KA&& k, VA&& v) {
        const K& key = k;
        entry_maker<KA, VA> maker{std::forward<KA>(k), std::forward<VA>(v)};
        trie_.insert(key, maker, &cache_);
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
        trie_.erase(k, &cache_);
        return *this;
    }

    // O(1): the map shares the builder's nodes; the builder copies before its next write.
    [[nodiscard]] map build() const { return map(trie_); }

    // The current content. Any change through the builder invalidates its iterators
    // (and the pointers find returned).
    iterator begin() const noexcept { return iterator(trie_.root()); }
    iterator end() const noexcept { return iterator(); }

private:
    friend class map;
    friend struct detail::champ::access;
    using cache_type = typename trie_type::cache_type;

    trie_type trie_;
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
