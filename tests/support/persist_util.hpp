#pragma once
// Helpers for the persistence tests: a save and load of one container, and the engine
// invariant checks of whatever container was loaded.

#include <cstddef>
#include <string>
#include <vector>

#include <immutable/detail/btree/check.hpp>
#include <immutable/detail/champ/invariants.hpp>
#include <immutable/detail/queue/debug.hpp>
#include <immutable/detail/rrb/debug.hpp>
#include <immutable/persist.hpp>

namespace persist_test {

template <class C>
C round_trip(const C& c) {
    immutable::persist::writer w;
    const auto id = w.add(c);
    const std::vector<std::byte> doc = w.bytes();
    immutable::persist::reader r(doc);
    return r.load<C>(id);
}

template <class T, class P>
std::string invariants(const immutable::list<T, P>& l) {
    return immutable::detail::rrb::invariant_checker<T, P>::check(immutable::detail::rrb::list_access::data_of(l));
}
template <class K, class V, class H, class E, class P>
std::string invariants(const immutable::map<K, V, H, E, P>& m) {
    return immutable::detail::champ::check_invariants(m);
}
template <class T, class H, class E, class P>
std::string invariants(const immutable::set<T, H, E, P>& s) {
    return immutable::detail::champ::check_invariants(s);
}
template <class K, class V, class C, class P>
std::string invariants(const immutable::sorted_map<K, V, C, P>& m) {
    return immutable::detail::btree::check_invariants(m);
}
template <class T, class C, class P>
std::string invariants(const immutable::sorted_set<T, C, P>& s) {
    return immutable::detail::btree::check_invariants(s);
}
template <class T, class P>
std::string invariants(const immutable::queue<T, P>& q) {
    return immutable::detail::queue::invariant_checker<T, P>::check(q, false);
}

} // namespace persist_test
