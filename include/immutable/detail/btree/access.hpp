#pragma once
// Persistent B+tree: how engine code outside the containers (diff, the invariant checker)
// reaches the tree and comparator inside sorted_map / sorted_set, which befriend this.

namespace immutable::detail::btree {

struct access {
    template <class C>
    static const auto& tree_of(const C& c) noexcept {
        return c.tree_;
    }
    template <class C>
    static const auto& compare_of(const C& c) noexcept {
        return c.comp_;
    }
};

} // namespace immutable::detail::btree
