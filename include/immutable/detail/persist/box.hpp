#pragma once
// Saving and loading immutable::box: a box is one shared node holding one value, so it is
// written once per node (every copy of a box, in any element of any version, refers to the
// same record) and loaded once per reader, so the loaded copies share one node again.
//
// Record (docs/persist.md):
//   box   signature, the value

#include <cstddef>
#include <cstdint>

#include <immutable/box.hpp>
#include <immutable/detail/persist/values.hpp>

namespace immutable::detail::persist {

template <class T, class P>
struct container_codec<immutable::box<T, P>> {
    static constexpr bool is_container = true;
    using box_type = immutable::box<T, P>;

    static void signature(sig_builder& s) {
        s.out += "B(";
        signature_of<T>(s);
        s.out += ")";
    }

    static writer_state::container_key key(const box_type& b) noexcept {
        return {&type_key<box_type>, b.identity(), nullptr, 0, 0};
    }

    static void scan(writer_state& w, const box_type& b) {
        if constexpr (may_nest<T>()) {
            if (w.first_scan(key(b))) scan_nested(w, &b.get(), 1);
        } else {
            (void)w, (void)b;
        }
    }

    static std::uint64_t emit(writer_state& w, const box_type& b) {
        if (std::uint64_t known = w.container(key(b))) return known;
        const std::uint64_t sig = w.signature(signature_of_type<box_type>());
        emit_nested(w, &b.get(), 1);
        const std::uint64_t self = w.begin(tag::box);
        w.ref(self, sig);
        write_value(w, self, b.get());
        w.end();
        w.container(key(b)) = self;
        return self;
    }

    static box_type load(loader& l, std::uint64_t record, std::size_t at) {
        loader::nesting_guard guard(l, at);
        byte_source in = l.open(record, tag::box, at);
        l.check_signature(l.ref(in, record, false), signature_of_type<box_type>(), in.offset());
        if (auto* s = l.built(record, &type_key<box_type>, at)) return *static_cast<const box_type*>(s->object);
        const std::size_t value_at = in.offset();
        T value = read_value<T>(l, in, record);
        if (!in.at_end()) in.fail("bytes after a box's value");
        l.charge(sizeof(T) + 32, value_at);
        auto* kept = new box_type(std::move(value));
        l.keep(record, &type_key<box_type>, kept, [](void* p) noexcept { delete static_cast<box_type*>(p); });
        return *kept;
    }
};

} // namespace immutable::detail::persist
