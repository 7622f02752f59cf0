#pragma once
// A checker for every structural invariant of a CHAMP trie (see node.hpp). Tests and
// fuzzers run it after each operation; it returns an empty string when all hold, else a
// description of the first violation.

#include <cstdint>
#include <string>

#include <immutable/detail/champ/node.hpp>

namespace immutable::detail::champ {

template <class Traits>
struct invariant_checker {
    using node_type = node<Traits>;
    using shape_type = typename node_type::shape_type;
    using bitmap_type = typename node_type::bitmap_type;
    static constexpr unsigned bits = shape_type::bits;
    static constexpr unsigned max_shift = shape_type::max_shift;

    static std::string check(const node_type* root) {
        if (root == nullptr) return {};
        if (root->count == 0) return "root with no entries (an empty trie has a null root)";
        if (root->is_collision()) return "collision node at the root";
        return check(root, 0, 0);
    }

private:
    static std::string where(unsigned shift) { return " (at shift " + std::to_string(shift) + ")"; }

    // `prefix` holds the hash bits that lead to `n` (the low `shift` bits).
    static std::string check(const node_type* n, unsigned shift, std::uint64_t prefix) {
        if (n->refs.count() == 0) return "node with a zero reference count" + where(shift);
        if (shift > 0 && n->count < 2) return "non-root node with fewer than two entries" + where(shift);
        if (shift >= max_shift) {
            if (!n->is_collision()) return "bitmap node below the last hash level" + where(shift);
            const auto* e = n->entries();
            for (unsigned i = 0; i < n->count; ++i) {
                if (Traits::hash(Traits::key(e[i])) != prefix) {
                    return "collision node holding a different hash" + where(shift);
                }
                for (unsigned j = 0; j < i; ++j) {
                    if (Traits::equal(Traits::key(e[i]), Traits::key(e[j]))) {
                        return "duplicate key in a collision node";
                    }
                }
            }
            return {};
        }
        if (n->is_collision()) return "collision node above the last hash level" + where(shift);
        if ((n->datamap & n->nodemap) != 0) return "slot marked both entry and child" + where(shift);
        std::uint64_t low_mask = shift >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << shift) - 1;
        std::uint64_t total = 0;
        const auto* e = n->entries();
        for (unsigned i = 0, ne = popcount(n->datamap); i < ne; ++i) {
            std::uint64_t h = Traits::hash(Traits::key(e[i]));
            if ((h & low_mask) != prefix) return "entry under the wrong hash prefix" + where(shift);
            bitmap_type bit = shape_type::bit_at(h, shift);
            if (!(n->datamap & bit) || shape_type::index(n->datamap, bit) != i) {
                return "entry in the wrong slot" + where(shift);
            }
            ++total;
        }
        bitmap_type rest = n->nodemap;
        for (unsigned i = 0, nc = popcount(n->nodemap); i < nc; ++i) {
            bitmap_type bit = rest & (~rest + 1);
            rest &= rest - 1;
            unsigned slot = static_cast<unsigned>(std::countr_zero(bit));
            const node_type* child = n->children()[i];
            if (child == nullptr) return "null child" + where(shift);
            std::uint64_t child_prefix = prefix | (std::uint64_t{slot} << shift);
            std::string s = check(child, shift + bits, child_prefix);
            if (!s.empty()) return s;
            total += child->count;
        }
        if (total != n->count) return "count differs from the entries below" + where(shift);
        return {};
    }
};

// For immutable::map / immutable::set and their builders.
template <class Container>
std::string check_invariants(const Container& c) {
    return invariant_checker<typename Container::traits_type>::check(access::root(c));
}

} // namespace immutable::detail::champ
