#pragma once
// A checker for every structural invariant of a CHAMP trie (see node.hpp). Tests and
// fuzzers run it after each operation; it returns an empty string when all hold, else a
// description of the first violation.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
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

    // `size`: the entry count the trie's handle holds.
    static std::string check(const node_type* root, std::size_t size) {
        if (root == nullptr) return size == 0 ? std::string() : "empty trie with a nonzero size";
        if (root->is_collision()) return "root with no slot in use (collision node, or empty)";
        std::size_t total = 0;
        std::string s = check(root, 0, 0, total);
        if (!s.empty()) return s;
        if (total != size) {
            return "size " + std::to_string(size) + " differs from the " + std::to_string(total) +
                   " entries in the trie";
        }
        if (size > std::numeric_limits<std::uint32_t>::max()) return "more than 2^32 - 1 entries";
        return {};
    }

private:
    static std::string where(unsigned shift) { return " (at shift " + std::to_string(shift) + ")"; }

    // `prefix` holds the hash bits that lead to `n` (the low `shift` bits). Adds the
    // entries below n to `total`.
    static std::string check(const node_type* n, unsigned shift, std::uint64_t prefix,
                             std::size_t& total) {
        if (n->refs.count() == 0) return "node with a zero reference count" + where(shift);
        if (shift >= max_shift) {
            if (!n->is_collision()) return "bitmap node below the last hash level" + where(shift);
            unsigned ne = n->collision_size();
            if (ne < 2) return "collision node with fewer than two entries" + where(shift);
            const auto* e = n->collision_entries();
            for (unsigned i = 0; i < ne; ++i) {
                if (Traits::hash(Traits::key(e[i])) != prefix) {
                    return "collision node holding a different hash" + where(shift);
                }
                for (unsigned j = 0; j < i; ++j) {
                    if (Traits::equal(Traits::key(e[i]), Traits::key(e[j]))) {
                        return "duplicate key in a collision node";
                    }
                }
            }
            total += ne;
            return {};
        }
        if (n->is_collision()) return "collision node above the last hash level" + where(shift);
        if ((n->datamap & n->nodemap) != 0) return "slot marked both entry and child" + where(shift);
        std::uint64_t low_mask = shift >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << shift) - 1;
        std::size_t below = 0;
        const auto* e = n->entries();
        for (unsigned i = 0, ne = popcount(n->datamap); i < ne; ++i) {
            std::uint64_t h = Traits::hash(Traits::key(e[i]));
            if ((h & low_mask) != prefix) return "entry under the wrong hash prefix" + where(shift);
            bitmap_type bit = shape_type::bit_at(h, shift);
            if (!(n->datamap & bit) || shape_type::index(n->datamap, bit) != i) {
                return "entry in the wrong slot" + where(shift);
            }
            ++below;
        }
        bitmap_type rest = n->nodemap;
        for (unsigned i = 0, nc = popcount(n->nodemap); i < nc; ++i) {
            bitmap_type bit = rest & (~rest + 1);
            rest &= rest - 1;
            unsigned slot = static_cast<unsigned>(std::countr_zero(bit));
            const node_type* child = n->children()[i];
            if (child == nullptr) return "null child" + where(shift);
            std::uint64_t child_prefix = prefix | (std::uint64_t{slot} << shift);
            std::string s = check(child, shift + bits, child_prefix, below);
            if (!s.empty()) return s;
        }
        if (shift > 0 && below < 2) return "non-root node with fewer than two entries" + where(shift);
        total += below;
        return {};
    }
};

// For immutable::map / immutable::set and their builders.
template <class Container>
std::string check_invariants(const Container& c) {
    return invariant_checker<typename Container::traits_type>::check(access::root(c), c.size());
}

} // namespace immutable::detail::champ
