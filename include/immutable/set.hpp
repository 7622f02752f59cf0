#pragma once
// immutable::set<T>: a persistent hash set (CHAMP hash trie, detail/champ/), the same
// engine as immutable::map with the element as its own key.
//
// Every "modifying" member is const and returns a new set ([[nodiscard]]); old sets stay
// valid and unchanged and share every untouched node with the new one. Copying is O(1).
// The engine (detail/champ/trie.hpp, algebra.hpp) does the work and all the counting;
// this class declares the API and delegates.
// Set algebra (|, &, -) works node by node: subtrees found in only one input, or shared
// by both, are taken or dropped whole, and a result equal to an input shares its root.
//
// Threads: any number of threads may read, copy and derive from the same set at once
// (with the default policy). A builder belongs to one thread at a time.
// Builders: changing members return the builder (calls chain); any change through a
// builder invalidates its iterators.
// Exceptions: if a copy of T, the hash, the equality or an allocation throws, every
// existing set is unchanged and nothing leaks (builders too: strong guarantee).
// Iteration order: deterministic for a given content and hash, otherwise unspecified.
// Size: at most 2^32 - 1 elements.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <utility>

#include <immutable/detail/champ/algebra.hpp>
#include <immutable/detail/champ/diff.hpp>
#include <immutable/detail/champ/entry_maker.hpp>
#include <immutable/detail/champ/iterator.hpp>
#include <immutable/detail/champ/traits.hpp>
#include <immutable/detail/champ/trie.hpp>
#include <immutable/detail/hash_requirements.hpp>
#include <immutable/detail/transparent.hpp>
#include <immutable/memory.hpp>

namespace immutable::detail::persist {
struct access; // persist/access.hpp: saving and loading reach the engine handle
}

namespace immutable {

template <class T, class Hash = std::hash<T>, class Equal = std::equal_to<T>,
          memory_policy Policy = default_policy>
class set {
    static_assert(std::is_copy_constructible_v<T>, "immutable::set needs copyable elements");
    static_assert(std::is_nothrow_destructible_v<T>,
                  "immutable::set needs elements whose destructor does not throw");
    static_assert(detail::first_hash_problem<T, Hash, Equal>() != detail::hash_problem::no_std_hash,
                  "immutable::set<T>: there is no std::hash<T> for this element type; "
                  "specialize std::hash<T> or pass a Hash");
    static_assert(detail::first_hash_problem<T, Hash, Equal>() != detail::hash_problem::hash_not_constructible,
                  "immutable::set constructs Hash and Equal on demand: they must be default-constructible");
    static_assert(detail::first_hash_problem<T, Hash, Equal>() != detail::hash_problem::hash_not_callable,
                  "Hash must be callable as std::size_t(const T&)");
    static_assert(detail::first_hash_problem<T, Hash, Equal>() != detail::hash_problem::equal_not_callable,
                  "Equal must be callable as bool(const T&, const T&)");

public:
    using traits_type = detail::champ::set_traits<T, Hash, Equal, Policy>;
    using key_type = T;
    using value_type = T;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using hasher = Hash;
    using key_equal = Equal;
    using policy_type = Policy;
    using reference = const T&;
    using const_reference = const T&;
    using iterator = detail::champ::iterator<traits_type>;
    using const_iterator = iterator;

    class builder;

    // Empty; never allocates.
    set() noexcept = default;
    // O(n) through a builder; duplicates are kept once.
    set(std::initializer_list<T> elements) : set(elements.begin(), elements.end()) {}
    template <std::input_iterator It, std::sentinel_for<It> S>
    set(It first, S last) {
        builder b;
        for (; first != last; ++first) b.insert(*first);
        trie_ = std::move(b.trie_);
    }

    // Copies share the root: O(1), no allocation.
    set(const set&) noexcept = default;
    set(set&&) noexcept = default;
    set& operator=(const set&) noexcept = default;
    set& operator=(set&&) noexcept = default;
    ~set() = default;
    void swap(set& other) noexcept { trie_.swap(other.trie_); }

    // O(1).
    size_type size() const noexcept { return trie_.size(); }
    bool empty() const noexcept { return trie_.empty(); }
    static constexpr size_type max_size() noexcept { return trie_type::max_size; }

    // O(log n), no allocation.
    bool contains(const T& v) const { return trie_.find(v) != nullptr; }
    size_type count(const T& v) const { return contains(v) ? 1 : 0; }
    // The stored element equal to v, or nullptr.
    const T* find(const T& v) const { return trie_.find(v); }
    // The same lookups by any type that both Hash and Equal accept, when both are
    // transparent (as for std::unordered_set in C++20; see map::find).
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    bool contains(const Q& v) const {
        return trie_.find(v) != nullptr;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    size_type count(const Q& v) const {
        return contains(v) ? 1 : 0;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    const T* find(const Q& v) const {
        return trie_.find(v);
    }

    // O(log n): copies the path, about log32(n) allocations. Returns *this (same root, no
    // allocation) when v is already present.
    template <class A = const T&>
        requires std::constructible_from<T, A&&>
    [[nodiscard]] set insert(A&& v) const& {
        const T& key = v;
        entry_maker<A> maker{std::forward<A>(v)};
        return set(trie_.inserted(key, maker));
    }
    // On a set about to be discarded (std::move(s).insert(v)) whose nodes nothing else
    // shares, changes them in place as a builder would: at most one allocation.
    template <class A = const T&>
        requires std::constructible_from<T, A&&>
    [[nodiscard]] set insert(A&& v) && {
        const T& key = v;
        entry_maker<A> maker{std::forward<A>(v)};
        trie_.insert(key, maker, nullptr);
        return set(std::move(trie_));
    }
    // O(log n): copies the path. Returns *this (same root, no allocation) when v is absent.
    [[nodiscard]] set erase(const T& v) const& { return set(trie_.erased(v)); }
    // In place when nothing else shares the nodes, as for insert() &&.
    [[nodiscard]] set erase(const T& v) && {
        trie_.erase(v, nullptr);
        return set(std::move(trie_));
    }

    iterator begin() const noexcept { return iterator(trie_.root()); }
    iterator end() const noexcept { return iterator(); }
    iterator cbegin() const noexcept { return begin(); }
    iterator cend() const noexcept { return end(); }

    // The root node's address: equal identities mean the same version (or both empty).
    const void* identity() const noexcept { return trie_.root(); }

    // O(1); the builder shares this set's nodes until it writes to them.
    builder to_builder() const { return builder(*this); }

    // Order-independent; skips subtrees the two sets share. Same root (or both empty)
    // answers without a call.
    friend bool operator==(const set& a, const set& b) { return a.trie_ == b.trie_; }

    // Union: elements of either (a's copy where both hold equal elements). Cost follows
    // the slots where both sides differ; shared and one-sided subtrees are reused whole.
    [[nodiscard]] friend set operator|(const set& a, const set& b) {
        return set(detail::champ::union_of(a.trie_, b.trie_));
    }
    // Intersection: elements of a also in b.
    [[nodiscard]] friend set operator&(const set& a, const set& b) {
        return set(detail::champ::intersection_of(a.trie_, b.trie_));
    }
    // Difference: elements of a not in b.
    [[nodiscard]] friend set operator-(const set& a, const set& b) {
        return set(detail::champ::difference_of(a.trie_, b.trie_));
    }
    set& operator|=(const set& b) { return *this = *this | b; }
    set& operator&=(const set& b) { return *this = *this & b; }
    set& operator-=(const set& b) { return *this = *this - b; }

private:
    friend struct detail::champ::access;
    friend struct detail::persist::access;
    using trie_type = detail::champ::trie<traits_type>;
    template <class A>
    using entry_maker = detail::champ::set_entry_maker<T, A>;

    explicit set(trie_type t) noexcept : trie_(std::move(t)) {}

    trie_type trie_;
};

// A mutable view for batches of changes; see map::builder. Changing members return the
// builder; any change invalidates the builder's iterators.
template <class T, class Hash, class Equal, memory_policy Policy>
class set<T, Hash, Equal, Policy>::builder {
public:
    using traits_type = typename set::traits_type; // for the engine's invariant checks

    // Empty.
    builder() noexcept = default;
    // O(1): shares s's nodes until it writes to them.
    explicit builder(const set& s) noexcept : trie_(s.trie_) {}
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
    bool contains(const T& v) const { return trie_.find(v) != nullptr; }
    size_type count(const T& v) const { return contains(v) ? 1 : 0; }

    // O(log n); at most one allocation when the path is already owned by the builder.
    template <class A = const T&>
        requires std::constructible_from<T, A&&>
    builder& insert(A&& v) {
        const T& key = v;
        entry_maker<A> maker{std::forward<A>(v)};
        trie_.insert(key, maker, &cache_);
        return *this;
    }
    // O(log n); no-op when v is absent.
    builder& erase(const T& v) {
        trie_.erase(v, &cache_);
        return *this;
    }

    // O(1): the set shares the builder's nodes; the builder copies before its next write.
    [[nodiscard]] set build() const { return set(trie_); }

    // The current content. Any change through the builder invalidates its iterators.
    iterator begin() const noexcept { return iterator(trie_.root()); }
    iterator end() const noexcept { return iterator(); }

private:
    friend class set;
    friend struct detail::champ::access;
    using cache_type = typename trie_type::cache_type;

    trie_type trie_;
    // Blocks of nodes this builder outgrew, reused for its next nodes (see map::builder).
    cache_type cache_;
};

template <std::input_iterator It, std::sentinel_for<It> S>
set(It, S) -> set<std::iter_value_t<It>>;

// Calls on_added(element) for elements only in new_set and on_removed(element) for those
// only in old_set, skipping subtrees the two share.
template <class T, class H, class E, class P, class Added, class Removed>
void diff(const set<T, H, E, P>& old_set, const set<T, H, E, P>& new_set, Added&& on_added,
          Removed&& on_removed) {
    using traits = typename set<T, H, E, P>::traits_type;
    auto never = [](const T&, const T&) {};
    detail::champ::differ<traits>::diff(detail::champ::access::root(old_set),
                                        detail::champ::access::root(new_set), on_added, on_removed,
                                        never);
}

} // namespace immutable

// Order-independent: a sum of per-element hashes.
template <class T, class H, class E, class P>
struct std::hash<immutable::set<T, H, E, P>> {
    std::size_t operator()(const immutable::set<T, H, E, P>& s) const {
        using traits = typename immutable::set<T, H, E, P>::traits_type;
        std::uint64_t sum = 0;
        for (const auto& e : s) sum += immutable::detail::champ::mix_hash(traits::hash(e) + 0x2545f4914f6cdd1dull);
        return static_cast<std::size_t>(immutable::detail::champ::mix_hash(sum + s.size()));
    }
};
