#pragma once
// Structural checks for tests: walks a list and reports the first broken invariant
// (see node.hpp and tree.hpp for what they are). Not used by the library itself.

#include <cstddef>
#include <string>

#include <immutable/detail/rrb/tree.hpp>

namespace immutable::detail::rrb {

template <class T, class Policy>
struct invariant_checker : tree_ops<T, Policy> {
    using ops = tree_ops<T, Policy>;
    using typename ops::base;
    using typename ops::data;
    using typename ops::inner;
    using typename ops::leaf;

    // Empty string when every invariant holds, otherwise what is wrong.
    static std::string check(const data& d) {
        std::string why;
        if (d.size == 0) {
            if (d.root || d.tail || d.tail_size) why = "empty list holds nodes";
            return why;
        }
        const leaf* t = d.tail;
        if (!t) return "non-empty list without a tail";
        if (t->kind != node_kind::leaf) return "tail is not a leaf";
        if (d.tail_size < 1 || d.tail_size > branches) return "tail count out of 1..32";
        if (d.tail_size > t->capacity) return "tail count above capacity";
        if (d.tail_size > t->fill.load()) return "tail count above the constructed fill";
        if (t->fill.load() > t->capacity) return "tail fill above capacity";
        if (t->refs.count() < 1) return "tail with no reference";
        const std::size_t tree_size = d.tree_size();
        const base* root = d.root;
        if (!root) return tree_size == 0 ? why : "elements in the tree but no root";
        if (tree_size == 0) return "a root over no elements";
        if (d.shift < bits || d.shift % bits != 0) return "bad root shift";
        if (root->refs.count() < 1) return "root with no reference";
        if (root->kind != node_kind::inner) return "root is not an inner node";
        if (tree_size > ops::child_capacity(d.shift + bits) && !ops::as_inner(root)->relaxed)
            return "regular root holds more than its capacity";
        node(root, d.shift, tree_size, why);
        return why;
    }

private:
    static void node(const base* n, unsigned s, std::size_t expected, std::string& why) {
        if (!why.empty()) return;
        if (n->refs.count() < 1) {
            why = "node with no reference at shift " + std::to_string(s);
            return;
        }
        if (n->kind != (s == 0 ? node_kind::leaf : node_kind::inner)) {
            why = "node of the wrong kind at shift " + std::to_string(s);
            return;
        }
        if (s == 0) {
            const leaf* l = ops::as_leaf(n);
            if (expected < 1 || expected > branches) why = "leaf count out of 1..32";
            else if (expected > l->fill.load()) why = "leaf count above its fill";
            else if (l->fill.load() > l->capacity) why = "leaf fill above capacity";
            return;
        }
        const inner* in = ops::as_inner(n);
        const std::uint32_t filled = in->fill.load();
        if (filled < 1 || filled > branches) {
            why = "inner node with " + std::to_string(filled) + " children";
            return;
        }
        const std::size_t full = ops::child_capacity(s);
        if (in->relaxed) {
            std::size_t before = 0;
            for (std::uint32_t j = 0; j < filled; ++j) {
                const std::size_t now = in->sizes()[j];
                if (now <= before) {
                    why = "size table not increasing at shift " + std::to_string(s);
                    return;
                }
                if (now - before > full) {
                    why = "relaxed child larger than its level allows";
                    return;
                }
                node(in->children[j], s - bits, now - before, why);
                before = now;
            }
            if (before != expected) why = "size table total differs from the parent's count";
            return;
        }
        // A regular node: this version uses ceil(expected / full) children, which the node
        // must own (it may own more, claimed by longer versions).
        const std::uint32_t used = ops::children_in(in, s, expected);
        if (expected == 0 || used > filled) {
            why = "regular node owns fewer children than its size needs at shift " + std::to_string(s);
            return;
        }
        for (std::uint32_t j = 0; j < used; ++j) {
            const base* c = in->children[j];
            if (s > bits && ops::as_inner(c)->relaxed) {
                why = "relaxed child under a regular node";
                return;
            }
            node(c, s - bits, j + 1 < used ? full : expected - full * j, why);
        }
    }
};

// Gives tests and the checker access to a list's fields.
struct list_access {
    template <class L>
    static const auto& data_of(const L& l) noexcept {
        return l.d_;
    }
};

} // namespace immutable::detail::rrb
