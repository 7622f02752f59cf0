#pragma once
// How an update makes the entry it stores. The engine calls, on a maker `m`:
//   m.construct(entry* p)          build the new entry at p (may throw; nothing moved yet)
//   m.unchanged(const entry& e)    e already holds the key: would storing change nothing?
//   m.assign(entry& e)             builder only: give e, held by the builder alone, the value
// A maker holds references to the update's arguments and forwards them once.

#include <concepts>
#include <new>
#include <utility>

namespace immutable::detail::champ {

// map::set(k, v): the pair made from k and v; an equal value (when V has ==) changes nothing.
template <class K, class V, class KA, class VA>
struct map_entry_maker {
    KA&& k;
    VA&& v;

    void construct(std::pair<K, V>* p) {
        ::new (static_cast<void*>(p)) std::pair<K, V>(std::forward<KA>(k), std::forward<VA>(v));
    }
    bool unchanged(const std::pair<K, V>& e) const {
        if constexpr (std::equality_comparable<V>) {
            return static_cast<bool>(e.second == v);
        } else {
            return false;
        }
    }
    void assign(std::pair<K, V>& e) {
        V fresh(std::forward<VA>(v)); // a throwing copy leaves e untouched
        e.second = std::move(fresh);
    }
};

// set::insert(v): an element already present is equal, so it never changes.
template <class T, class A>
struct set_entry_maker {
    A&& v;

    void construct(T* p) { ::new (static_cast<void*>(p)) T(std::forward<A>(v)); }
    bool unchanged(const T&) const noexcept { return true; }
    void assign(T&) const noexcept {}
};

} // namespace immutable::detail::champ
