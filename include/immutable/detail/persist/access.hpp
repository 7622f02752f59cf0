#pragma once
// The containers befriend detail::persist::access so that saving can read their engine
// handles and loading can wrap rebuilt engine handles in containers, without widening
// their public interface.

#include <utility>

namespace immutable::detail::persist {

struct access {
    template <class C>
    static const auto& list_data(const C& l) noexcept { return l.d_; }
    template <class C, class Data>
    static C make_list(Data&& d) noexcept { return C(std::forward<Data>(d)); }

    template <class C>
    static const auto& trie(const C& m) noexcept { return m.trie_; }
    template <class C, class Trie>
    static C make_hashed(Trie&& t) noexcept { return C(std::forward<Trie>(t)); }

    template <class C>
    static const auto& tree(const C& m) noexcept { return m.tree_; }
    template <class C, class Tree>
    static C make_sorted(Tree&& t) { return C(std::forward<Tree>(t), typename C::key_compare{}); }

    template <class C>
    static const auto& queue_root(const C& q) noexcept { return q.root_; }
    template <class C, class Root>
    static C make_queue(Root&& r) noexcept { return C(std::forward<Root>(r)); }
};

} // namespace immutable::detail::persist
