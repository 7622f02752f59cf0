#pragma once
// Persistent B+tree: the entries of sorted_map and sorted_set, and what their changes do at
// a key's place.
//
// The engine knows an entry only through KeyOf (its key, and how equivalent entries met
// while building from a range combine) and through an action (edit.hpp: replace(current)
// when the key is present, make() when it is absent, each called at most once). These are
// the two containers' KeyOfs and actions, and their changes on a shared tree (path
// copying) and on a tree the caller owns (edited in place where nothing else shares it).

#include <concepts>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include <immutable/detail/btree/btree.hpp>
#include <immutable/detail/errors.hpp>

namespace immutable::detail::btree {

template <class K>
struct map_key_of {
    template <class E>
    static const K& get(const E& e) noexcept {
        return e.first;
    }
    // Equivalent keys met while building from a range: the stored key stays, the value is
    // the later one (as a sequence of set() calls would leave it).
    template <class Entry, class E>
    static std::optional<Entry> merge(const Entry& current, const E& later) {
        return Entry(current.first, later.second);
    }
};

template <class T>
struct set_key_of {
    static const T& get(const T& e) noexcept { return e; }
    // Equivalent elements met while building from a range: the first stays (as a sequence
    // of insert() calls would leave it).
    template <class Entry, class E>
    static std::optional<Entry> merge(const Entry&, const E&) {
        return std::nullopt;
    }
};

// ---- sorted_map -------------------------------------------------------------------------

// set(k, v): replace the value (nothing when equal and V has ==), or make the entry from k
// and v as given.
template <class P, class KA, class VA>
struct map_set_action {
    using entry_type = typename P::entry_type;
    using V = typename entry_type::second_type;
    KA&& k;
    VA&& v;

    std::optional<entry_type> replace(const entry_type& current) {
        if constexpr (std::equality_comparable<V> && std::is_same_v<std::remove_cvref_t<VA>, V>) {
            if (current.second == v) return std::nullopt;
        } else if constexpr (std::equality_comparable<V>) {
            V fresh(std::forward<VA>(v));
            if (current.second == fresh) return std::nullopt;
            return entry_type(current.first, std::move(fresh));
        }
        return entry_type(current.first, std::forward<VA>(v));
    }
    entry_type make() { return entry_type(std::forward<KA>(k), std::forward<VA>(v)); }
};

// update(k, f): the value becomes f(current), or f(V{}) for a missing key (nothing when f
// returns an equal value and V has ==).
template <class P, class F>
struct map_update_action {
    using entry_type = typename P::entry_type;
    using V = typename entry_type::second_type;
    const typename P::key_type& k;
    F& f;

    std::optional<entry_type> replace(const entry_type& current) {
        V next = std::invoke(f, std::as_const(current.second));
        if constexpr (std::equality_comparable<V>) {
            if (next == current.second) return std::nullopt;
        }
        return entry_type(current.first, std::move(next));
    }
    entry_type make() {
        const V initial = value_for_missing_key<V>("immutable::sorted_map::update");
        return entry_type(k, std::invoke(f, initial));
    }
};

// t with k mapped to v, by path copying. A k that is not a key is made into one first, to
// be compared.
template <class P, class KA, class VA>
tree<P> map_set(const tree<P>& t, const typename P::compare& comp, KA&& k, VA&& v) {
    using K = typename P::key_type;
    if constexpr (!std::is_same_v<std::remove_cvref_t<KA>, K>) {
        return map_set(t, comp, K(std::forward<KA>(k)), std::forward<VA>(v));
    } else {
        map_set_action<P, KA, VA> act{std::forward<KA>(k), std::forward<VA>(v)};
        return insert_into(t, k, act, comp);
    }
}

// The same on a tree the caller owns. k and v may refer into that very tree
// (b.set(k2, *b.find(k1))), whose entries the in-place edit moves on the way down, so they
// are copied out first.
template <class P, class KA, class VA>
void map_set_owned(tree<P>& t, const typename P::compare& comp, KA&& k, VA&& v) {
    using K = typename P::key_type;
    using V = typename P::entry_type::second_type;
    K key(std::forward<KA>(k));
    V value(std::forward<VA>(v));
    map_set_action<P, K, V> act{std::move(key), std::move(value)};
    builder_insert(t, key, act, comp);
}

template <class P, class F>
tree<P> map_update(const tree<P>& t, const typename P::compare& comp, const typename P::key_type& k, F& f) {
    map_update_action<P, F> act{k, f};
    return insert_into(t, k, act, comp);
}

// On a tree the caller owns; k may be a key of that tree (b.update(b.front().first, f)).
template <class P, class F>
void map_update_owned(tree<P>& t, const typename P::compare& comp, const typename P::key_type& k, F& f) {
    const typename P::key_type key(k);
    map_update_action<P, F> act{key, f};
    builder_insert(t, key, act, comp);
}

// ---- sorted_set -------------------------------------------------------------------------

// insert(x): nothing when an equivalent element is present, else x (moved).
template <class P>
struct set_insert_action {
    using entry_type = typename P::entry_type;
    entry_type& x;
    std::optional<entry_type> replace(const entry_type&) { return std::nullopt; }
    entry_type make() { return std::move(x); }
};

template <class P>
tree<P> set_insert(const tree<P>& t, const typename P::compare& comp, typename P::entry_type& x) {
    set_insert_action<P> act{x};
    return insert_into(t, x, act, comp);
}

// On a tree the caller owns. x is the caller's own copy, so it cannot be moved by the edit.
template <class P>
void set_insert_owned(tree<P>& t, const typename P::compare& comp, typename P::entry_type& x) {
    set_insert_action<P> act{x};
    builder_insert(t, x, act, comp);
}

} // namespace immutable::detail::btree
