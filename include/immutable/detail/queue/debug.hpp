#pragma once
// Structural checks for tests: reports the first broken invariant of a queue or a queue
// builder (see node.hpp), including the list's own. Not used by the library itself.

#include <cstddef>
#include <string>

#include <immutable/detail/queue/node.hpp>
#include <immutable/detail/rrb/debug.hpp>

namespace immutable::detail::queue {

// Gives tests access to a queue's node and a builder's fields.
struct queue_access {
    template <class Q>
    static const auto* node_of(const Q& q) noexcept {
        return q.root_.get();
    }
    template <class B>
    static const auto& list_builder_of(const B& b) noexcept {
        return b.elements_;
    }
    template <class B>
    static std::size_t front_of(const B& b) noexcept {
        return b.front_;
    }
};

template <class T, class Policy>
struct invariant_checker {
    using list_type = list<T, Policy>;

    // Empty string when every invariant holds, otherwise what is wrong. With
    // `compacted` the consumed prefix must be short (true unless a drop was made to fail).
    template <class Q>
    static std::string check(const Q& q, bool compacted = true) {
        const auto* n = queue_access::node_of(q);
        if (!n) return q.size() == 0 ? std::string() : "null node with a non-zero size";
        if (n->refs.count() < 1) return "node with no reference";
        return check_parts(n->elements, n->front, compacted);
    }

    template <class B>
    static std::string check_builder(const B& b, bool compacted = true) {
        const list_type l = queue_access::list_builder_of(b).build();
        const std::size_t front = queue_access::front_of(b);
        if (l.empty()) return front == 0 ? std::string() : "empty builder with a front offset";
        return check_parts(l, front, compacted);
    }

private:
    static std::string check_parts(const list_type& l, std::size_t front, bool compacted) {
        std::string why = rrb::invariant_checker<T, Policy>::check(rrb::list_access::data_of(l));
        if (!why.empty()) return "list: " + why;
        if (front >= l.size()) return "front offset at or past the end of the list";
        if (compacted && should_compact(front, l.size())) return "consumed prefix left in place";
        return why;
    }
};

} // namespace immutable::detail::queue
