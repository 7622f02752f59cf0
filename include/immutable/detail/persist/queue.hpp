#pragma once
// Saving and loading immutable::queue (detail/queue): a queue version is its node, a list
// and the index of its front, so it is written as a reference to the list's record (whose
// nodes are shared with every other version's list as usual) and the front.
//
// Record (docs/persist.md):
//   queue   signature, list (or none: the empty queue), front

#include <cstddef>
#include <cstdint>

#include <immutable/detail/persist/access.hpp>
#include <immutable/detail/persist/rrb.hpp>
#include <immutable/detail/persist/values.hpp>
#include <immutable/queue.hpp>

namespace immutable::detail::persist {

template <class T, class P>
struct container_codec<immutable::queue<T, P>> {
    static constexpr bool is_container = true;
    using queue_type = immutable::queue<T, P>;
    using list_type = immutable::list<T, P>;
    using root_type = std::remove_cvref_t<decltype(access::queue_root(std::declval<const queue_type&>()))>;
    using list_codec = container_codec<list_type>;

    static void signature(sig_builder& s) {
        s.out += "Q(";
        signature_of<T>(s);
        s.out += ")";
    }

    static writer_state::container_key key(const queue_type& q) noexcept {
        return {&type_key<queue_type>, access::queue_root(q).get(), nullptr, 0, 0};
    }

    static void scan(writer_state& w, const queue_type& q) {
        if (const auto* n = access::queue_root(q).get()) list_codec::scan(w, n->elements);
    }

    static std::uint64_t emit(writer_state& w, const queue_type& q) {
        if (std::uint64_t known = w.container(key(q))) return known;
        const auto* n = access::queue_root(q).get();
        const std::uint64_t sig = w.signature(signature_of_type<queue_type>());
        const std::uint64_t elements = n ? list_codec::emit(w, n->elements) : 0;
        const std::uint64_t self = w.begin(tag::queue);
        w.ref(self, sig);
        w.ref(self, elements);
        w.out.varint(n ? n->front : 0);
        w.end();
        w.container(key(q)) = self;
        return self;
    }

    static queue_type load(loader& l, std::uint64_t record, std::size_t at) {
        loader::nesting_guard guard(l, at);
        byte_source in = l.open(record, tag::queue, at);
        l.check_signature(l.ref(in, record, false), signature_of_type<queue_type>(), in.offset());
        if (auto* s = l.built(record, &type_key<queue_type>, at)) return *static_cast<const queue_type*>(s->object);
        const std::size_t fields_at = in.offset();
        const std::uint64_t elements = l.ref(in, record, true);
        const std::uint64_t front = in.varint();
        if (!in.at_end()) in.fail("bytes after a queue record");
        root_type root;
        if (elements != 0) {
            list_type list = list_codec::load(l, elements, fields_at);
            if (front >= list.size()) throw persist_error("queue front beyond its elements", fields_at);
            l.charge(sizeof(typename root_type::list_type) + 32, fields_at);
            root = root_type::make(std::move(list), front);
        } else if (front != 0) {
            throw persist_error("empty queue with a front", fields_at);
        }
        auto* kept = new queue_type(access::make_queue<queue_type>(std::move(root)));
        l.keep(record, &type_key<queue_type>, kept, [](void* p) noexcept { delete static_cast<queue_type*>(p); });
        return *kept;
    }
};

} // namespace immutable::detail::persist
