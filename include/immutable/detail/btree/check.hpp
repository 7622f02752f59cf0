#pragma once
// Persistent B+tree: an invariant checker for tests and fuzzing (not used by the library).
//
// Structural invariants hold whatever the comparator does: every leaf at depth `height`,
// node levels consistent, counts within [min, capacity] (the root: at least 1 entry, or 2
// children), recorded subtree sizes exact, total size exact. Order invariants (entries
// strictly increasing across the whole tree, each inner key equivalent to the first key of
// its child) only mean something for a strict weak order, so they can be skipped.

#include <cstddef>
#include <string>

#include <immutable/detail/btree/access.hpp>
#include <immutable/detail/btree/node.hpp>
#include <immutable/detail/btree/tree.hpp>

namespace immutable::detail::btree {

template <class P>
class invariant_checker {
public:
    invariant_checker(const typename P::compare& comp, bool check_order) : comp_(comp), order_(check_order) {}

    std::string run(const tree<P>& t) {
        if (t.root() == nullptr) {
            if (t.size() != 0 || t.height() != 0) return "empty tree with nonzero size or height";
            return {};
        }
        if (t.height() > max_inner_levels) return "height above the supported maximum";
        const node<P>* root = t.root();
        if (root->level == 0 && root->count < 1) return "empty root leaf";
        if (root->level != 0 && root->count < 2) return "inner root with fewer than 2 children";
        std::size_t total = 0;
        walk(root, t.height(), true, total);
        if (!error_.empty()) return error_;
        if (total != t.size()) return "tree size " + std::to_string(t.size()) + " but " + std::to_string(total) + " entries";
        return {};
    }

private:
    void fail(const std::string& what) {
        if (error_.empty()) error_ = what;
    }

    void walk(const node<P>* n, unsigned level, bool is_root, std::size_t& count) {
        if (!error_.empty()) return;
        if (n == nullptr) return fail("null child");
        if (n->level != level) return fail("node level " + std::to_string(n->level) + " at level " + std::to_string(level));
        if (n->refs.count() == 0) return fail("node with a zero reference count");
        if (n->count > node_capacity(n)) return fail("node over capacity");
        if (!is_root && n->count < node_min(n)) {
            return fail("node at level " + std::to_string(level) + " with " + std::to_string(n->count) +
                        " slots, below the minimum " + std::to_string(node_min(n)));
        }
        if (level == 0) {
            const auto* leaf = as_leaf(n);
            for (std::size_t i = 0; i < leaf->count; ++i) {
                const auto& k = entry_key<P>(leaf->entries()[i]);
                if (order_ && last_ != nullptr && !comp_(*last_, k)) return fail("keys not strictly increasing");
                last_ = &k;
            }
            count += leaf->count;
            return;
        }
        const auto* in = as_inner(n);
        for (std::size_t i = 0; i < in->count; ++i) {
            const node<P>* child = in->children[i];
            if (child == nullptr) return fail("null child");
            if (order_) {
                const auto& key = in->keys()[i];
                const auto& first = min_key(child);
                if (comp_(key, first) || comp_(first, key)) return fail("inner key differs from its child's first key");
            }
            std::size_t sub = 0;
            walk(child, level - 1u, false, sub);
            if (!error_.empty()) return;
            if (sub != in->sizes[i]) {
                return fail("recorded subtree size " + std::to_string(in->sizes[i]) + " but " + std::to_string(sub) +
                            " entries");
            }
            count += sub;
        }
    }

    const typename P::compare& comp_;
    bool order_;
    const typename P::key_type* last_ = nullptr;
    std::string error_;
};

// Empty when every invariant holds, else a description of the first violation.
template <class Container>
std::string check_invariants(const Container& c, bool check_order = true) {
    const auto& t = access::tree_of(c);
    using P = typename std::remove_cvref_t<decltype(t)>::params_type;
    return invariant_checker<P>(access::compare_of(c), check_order).run(t);
}

} // namespace immutable::detail::btree
