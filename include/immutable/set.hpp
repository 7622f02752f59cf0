#pragma once
// immutable::set<T>: a persistent hash set (CHAMP hash trie, detail/champ/), the same
// engine as immutable::map with the element as its own key.
//
// Every "modifying" member is const and returns a new set; old sets stay valid and
// unchanged and share every untouched node with the new one. Copying is O(1).
// Set algebra (|, &, -) works node by node: subtrees found in only one input, or shared
// by both, are taken or dropped whole, and a result equal to an input shares its root.
//
// Threads: any number of threads may read, copy and derive from the same set at once
// (with the default policy). A builder belongs to one thread at a time.
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
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <immutable/detail/champ/algebra.hpp>
#include <immutable/detail/champ/diff.hpp>
#include <immutable/detail/champ/iterator.hpp>
#include <immutable/detail/champ/ops.hpp>
#include <immutable/detail/champ/traits.hpp>
#include <immutable/detail/champ/transient.hpp>
#include <immutable/detail/transparent.hpp>
#include <immutable/memory.hpp>

namespace immutable {

template <class T, class Hash = std::hash<T>, class Equal = std::equal_to<T>,
          memory_policy Policy = default_policy>
class set {
    static_assert(std::is_copy_constructible_v<T>, "immutable::set needs copyable elements");
    static_assert(std::is_nothrow_destructible_v<T>,
                  "immutable::set needs elements whose destructor does not throw");
    static_assert(std::is_default_constructible_v<Hash> && std::is_default_constructible_v<Equal>,
                  "immutable::set constructs Hash and Equal on demand: they must be default-constructible");
    static_assert(std::is_invocable_r_v<std::size_t, const Hash&, const T&>,
                  "Hash must be callable as std::size_t(const T&)");
    static_assert(std::is_invocable_r_v<bool, const Equal&, const T&, const T&>,
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
        root_ = std::exchange(b.root_, nullptr);
    }

    set(const set& other) noexcept : root_(other.root_) {
        if (root_ != nullptr) node_type::retain(root_);
    }
    set(set&& other) noexcept : root_(std::exchange(other.root_, nullptr)) {}
    set& operator=(const set& other) noexcept {
        set(other).swap(*this);
        return *this;
    }
    set& operator=(set&& other) noexcept {
        set(std::move(other)).swap(*this);
        return *this;
    }
    ~set() {
        if (root_ != nullptr) node_type::release(root_);
    }
    void swap(set& other) noexcept { std::swap(root_, other.root_); }

    // O(1).
    size_type size() const noexcept { return root_ == nullptr ? 0 : root_->count; }
    bool empty() const noexcept { return root_ == nullptr; }
    static constexpr size_type max_size() noexcept { return std::numeric_limits<std::uint32_t>::max(); }

    // O(log n), no allocation.
    bool contains(const T& v) const { return ops::find(root_, v) != nullptr; }
    size_type count(const T& v) const { return contains(v) ? 1 : 0; }
    // The stored element equal to v, or nullptr.
    const T* find(const T& v) const { return ops::find(root_, v); }
    // The same lookups by any type that both Hash and Equal accept, when both are
    // transparent (as for std::unordered_set in C++20; see map::find).
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    bool contains(const Q& v) const {
        return ops::find(root_, v) != nullptr;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    size_type count(const Q& v) const {
        return contains(v) ? 1 : 0;
    }
    template <class Q>
        requires detail::transparent<Hash> && detail::transparent<Equal>
    const T* find(const Q& v) const {
        return ops::find(root_, v);
    }

    // O(log n): copies the path, about log32(n) allocations. Returns *this (same root, no
    // allocation) when v is already present.
    template <class A = const T&>
        requires std::constructible_from<T, A&&>
    set insert(A&& v) const& {
        const T& key = v;
        std::uint64_t h = traits_type::hash(key);
        make_element<A> ctor{std::forward<A>(v)};
        if (root_ == nullptr) return set(ops::make_one(ctor, h));
        if (IMMUTABLE_UNLIKELY(size() == max_size()) && !contains(key)) {
            throw std::length_error("immutable::set: more than 2^32 - 1 elements");
        }
        bool added = false;
        node_type* r = ops::insert(root_, 0, h, key, ctor, added);
        return r == nullptr ? *this : set(r);
    }
    // On a set about to be discarded (std::move(s).insert(v)) whose nodes nothing else
    // shares, changes them in place as a builder would: at most one allocation.
    template <class A = const T&>
        requires std::constructible_from<T, A&&>
    set insert(A&& v) && {
        insert_in_place(root_, nullptr, std::forward<A>(v));
        return set(std::exchange(root_, nullptr));
    }
    // O(log n): copies the path. Returns *this (same root, no allocation) when v is absent.
    set erase(const T& v) const& {
        if (root_ == nullptr) return *this;
        // A one-element set needs no hash: v either is that element or is absent.
        if (root_->count == 1) return ops::single_entry(root_, v) == nullptr ? *this : set();
        auto r = ops::erase(root_, 0, traits_type::hash(v), v);
        using er = typename ops::erase_result;
        if (r.kind == er::unchanged) return *this;
        if (r.kind == er::empty) return set();
        return set(r.node);
    }
    // In place when nothing else shares the nodes, as for insert() &&.
    set erase(const T& v) && {
        erase_in_place(root_, nullptr, v);
        return set(std::exchange(root_, nullptr));
    }

    iterator begin() const noexcept { return iterator(root_); }
    iterator end() const noexcept { return iterator(); }
    iterator cbegin() const noexcept { return begin(); }
    iterator cend() const noexcept { return end(); }

    const void* identity() const noexcept { return root_; }

    // O(1); the builder shares this set's nodes until it writes to them.
    builder to_builder() const { return builder(*this); }

    // Order-independent; skips subtrees the two sets share.
    // Same root (or both empty) answers without a call.
    friend bool operator==(const set& a, const set& b) { return a.root_ == b.root_ || ops::equal(a.root_, b.root_); }

    // Union: elements of either (a's copy where both hold equal elements). Cost follows
    // the slots where both sides differ; shared and one-sided subtrees are reused whole.
    friend set operator|(const set& a, const set& b) {
        if (a.root_ == nullptr) return b;
        if (b.root_ == nullptr) return a;
        return set(algebra::unite(a.root_, b.root_, 0));
    }
    // Intersection: elements of a also in b.
    friend set operator&(const set& a, const set& b) {
        if (a.root_ == nullptr || b.root_ == nullptr) return set();
        return set(algebra::intersect(a.root_, b.root_, 0).node);
    }
    // Difference: elements of a not in b.
    friend set operator-(const set& a, const set& b) {
        if (a.root_ == nullptr || b.root_ == nullptr) return a;
        return set(algebra::subtract(a.root_, b.root_, 0).node);
    }
    set& operator|=(const set& b) { return *this = *this | b; }
    set& operator&=(const set& b) { return *this = *this & b; }
    set& operator-=(const set& b) { return *this = *this - b; }

private:
    friend struct detail::champ::access;
    using node_type = detail::champ::node<traits_type>;
    using ops = detail::champ::ops<traits_type>;
    using transient = detail::champ::transient_ops<traits_type>;
    using cache_type = typename node_type::cache_type;
    using algebra = detail::champ::algebra<traits_type>;

    // Adopts one reference to `root` (null: empty).
    explicit set(node_type* root) noexcept : root_(root) {}

    // The builder's update: writes in place to the nodes only `root` reaches, copies the
    // shared ones. Strong guarantee: on a throw, `root` still holds the same content.
    // `cache` (a builder's, or null) recycles the blocks of nodes it outgrows.
    template <class A>
    static void insert_in_place(node_type*& root, cache_type* cache, A&& v) {
        const T& key = v;
        std::uint64_t h = traits_type::hash(key);
        make_element<A> ctor{std::forward<A>(v)};
        if (root == nullptr) {
            root = ops::make_one(ctor, h);
            return;
        }
        if (IMMUTABLE_UNLIKELY(root->count == max_size()) && ops::find(root, key) == nullptr) {
            throw std::length_error("immutable::set: more than 2^32 - 1 elements");
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

    static void erase_in_place(node_type*& root, cache_type* cache, const T& v) {
        if (root == nullptr) return;
        std::uint64_t h = traits_type::hash(v);
        bool owned = root->refs.unique();
        auto r = owned ? transient::erase(root, 0, h, v, cache) : ops::erase(root, 0, h, v);
        using er = typename ops::erase_result;
        if (r.kind == er::empty) {
            node_type::release(root);
            root = nullptr;
        } else if (r.kind == er::replaced && r.node != root) {
            if (!owned) node_type::release(root);
            root = r.node;
        }
    }

    template <class A>
    struct make_element {
        A&& v;
        void construct(T* p) { ::new (static_cast<void*>(p)) T(std::forward<A>(v)); }
        bool unchanged(const T&) const noexcept { return true; } // present means equal
        void assign(T&) const noexcept {}
    };

    node_type* root_ = nullptr;
};

// A mutable view for batches of changes; see map::builder.
template <class T, class Hash, class Equal, memory_policy Policy>
class set<T, Hash, Equal, Policy>::builder {
public:
    using traits_type = typename set::traits_type; // for the engine's invariant checks
    builder() noexcept = default;
    explicit builder(const set& s) noexcept : root_(s.root_) {
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
    bool contains(const T& v) const { return ops::find(root_, v) != nullptr; }
    size_type count(const T& v) const { return contains(v) ? 1 : 0; }

    // O(log n); at most one allocation when the path is already owned by the builder.
    template <class A = const T&>
        requires std::constructible_from<T, A&&>
    builder& insert(A&& v) {
        insert_in_place(root_, &cache_, std::forward<A>(v));
        return *this;
    }
    // O(log n); no-op when v is absent.
    builder& erase(const T& v) {
        erase_in_place(root_, &cache_, v);
        return *this;
    }

    // O(1): the set shares the builder's nodes; the builder copies before its next write.
    set build() const {
        if (root_ != nullptr) node_type::retain(root_);
        return set(root_);
    }

    iterator begin() const noexcept { return iterator(root_); }
    iterator end() const noexcept { return iterator(); }

private:
    friend class set;
    friend struct detail::champ::access;
    node_type* root_ = nullptr;
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
