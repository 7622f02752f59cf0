#pragma once
// Saving and loading immutable::sorted_map and immutable::sorted_set (detail/btree).
//
// Only leaves carry entries; an inner node is written as its level and its children, and
// its keys and subtree sizes are rebuilt from them on loading (they are copies of what the
// children hold, so writing them would only give a crafted document something to lie about).
// Loading checks levels, counts against the node capacities and minimums, and that the keys
// are strictly increasing under the loading program's comparator, within each leaf and
// across neighbouring subtrees.
//
// Records (docs/persist.md):
//   btree_leaf        count, then count entries in key order
//   btree_inner       level (u8, 1..24), count, count child references
//   sorted_container  signature, size, height, root (or none)

#include <cstddef>
#include <cstdint>
#include <memory>

#include <immutable/detail/btree/tree.hpp>
#include <immutable/detail/persist/access.hpp>
#include <immutable/detail/persist/values.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

namespace immutable::detail::persist {

template <class C>
struct btree_codec {
    static constexpr bool is_container = true;
    using tree_type = std::remove_cvref_t<decltype(access::tree(std::declval<const C&>()))>;
    using P = typename tree_type::params_type;
    using node_type = btree::node<P>;
    using leaf_type = btree::leaf_node<P>;
    using inner_type = btree::inner_node<P>;
    using entry_type = typename P::entry_type;
    using ptr = btree::node_ptr<P>;

    static writer_state::container_key key(const tree_type& t) noexcept {
        return {&type_key<C>, t.root(), nullptr, t.size(), t.height()};
    }

    static void scan(writer_state& w, const C& c) {
        if constexpr (may_nest<entry_type>()) {
            const tree_type& t = access::tree(c);
            if (t.root() && w.first_scan(key(t))) scan_node(w, t.root());
        } else {
            (void)w, (void)c;
        }
    }
    static void scan_node(writer_state& w, const node_type* n) {
        auto& info = w.node(n);
        if (info.used) return;
        info.used = 1;
        if (n->level == 0) {
            scan_nested(w, btree::as_leaf(n)->entries(), n->count);
        } else {
            for (std::size_t i = 0; i < n->count; ++i) scan_node(w, btree::as_inner(n)->children[i]);
        }
    }

    static std::uint64_t emit(writer_state& w, const C& c) {
        const tree_type& t = access::tree(c);
        if (std::uint64_t known = w.container(key(t))) return known;
        const std::uint64_t sig = w.signature(signature_of_type<C>());
        const std::uint64_t root = t.root() ? emit_node(w, t.root()) : 0;
        const std::uint64_t self = w.begin(tag::sorted_container);
        w.ref(self, sig);
        w.out.varint(t.size());
        w.out.varint(t.height());
        w.ref(self, root);
        w.end();
        w.container(key(t)) = self;
        return self;
    }

    static std::uint64_t emit_node(writer_state& w, const node_type* n) {
        if (auto* info = w.find_node(n); info && info->record) return info->record;
        std::uint64_t self = 0;
        if (n->level == 0) {
            const entry_type* e = btree::as_leaf(n)->entries();
            emit_nested(w, e, n->count);
            self = w.begin(tag::btree_leaf);
            w.out.varint(n->count);
            write_values(w, self, e, n->count);
        } else {
            const inner_type* in = btree::as_inner(n);
            std::uint64_t refs[P::inner_capacity];
            for (std::size_t i = 0; i < n->count; ++i) refs[i] = emit_node(w, in->children[i]);
            self = w.begin(tag::btree_inner);
            w.out.u8(n->level);
            w.out.varint(n->count);
            for (std::size_t i = 0; i < n->count; ++i) w.ref(self, refs[i]);
        }
        w.end();
        w.node(n).record = self;
        return self;
    }

    // ---- loading -------------------------------------------------------------------------
    static C load(loader& l, std::uint64_t record, std::size_t at) {
        loader::nesting_guard guard(l, at);
        byte_source in = l.open(record, tag::sorted_container, at);
        l.check_signature(l.ref(in, record, false), signature_of_type<C>(), in.offset());
        if (auto* s = l.built(record, &type_key<C>, at)) return *static_cast<const C*>(s->object);
        const std::size_t fields_at = in.offset();
        const std::uint64_t size = in.varint_max(C::max_size(), "sorted container size");
        const std::uint64_t height = in.varint_max(btree::max_inner_levels, "sorted container height");
        const std::uint64_t root = l.ref(in, record, true);
        if (!in.at_end()) in.fail("bytes after a sorted container record");
        if ((size == 0) != (root == 0) || (root == 0 && height != 0))
            throw persist_error("sorted container root does not match its size", fields_at);
        tree_type t;
        if (root != 0) {
            const typename P::compare comp{};
            const node_ref r = load_node(l, root, static_cast<unsigned>(height), true, comp, fields_at);
            if (r.entries != size) throw persist_error("sorted container size differs from its entries", fields_at);
            t = tree_type(ptr::share(r.node), static_cast<unsigned>(height), size);
        }
        auto* kept = new C(access::make_sorted<C>(std::move(t)));
        l.keep(record, &type_key<C>, kept, [](void* p) noexcept { delete static_cast<C*>(p); });
        return *kept;
    }

    struct node_ref {
        const node_type* node;
        std::uint64_t entries;
    };

    static node_ref load_node(loader& l, std::uint64_t record, unsigned level, bool is_root,
                              const typename P::compare& comp, std::size_t at) {
        l.check_record(record, at);
        const node_type* n = nullptr;
        std::uint64_t entries = 0;
        if (auto* s = l.built(record, &type_key<node_type>, at)) {
            n = static_cast<const node_type*>(s->object);
            entries = s->size;
        } else {
            const node_ref r = level == 0 ? load_leaf(l, record, comp, at) : load_inner(l, record, level, comp, at);
            n = r.node;
            entries = r.entries;
        }
        // Checked at every place a node is reached: one node may be a root in one version and
        // below the root in another.
        if (n->level != level) throw persist_error("sorted tree node at the wrong level", at);
        const std::size_t min = is_root ? (level == 0 ? 1 : 2) : btree::node_min(n);
        if (n->count < min) throw persist_error("sorted tree node below its minimum count", at);
        return {n, entries};
    }

    static node_ref load_leaf(loader& l, std::uint64_t record, const typename P::compare& comp, std::size_t at) {
        // `record` exists: load_node checked it.
        if (l.tag_of(record) != tag::btree_leaf) throw persist_error("sorted tree leaf expected", at);
        byte_source in = l.open(record, tag::btree_leaf, at);
        const std::size_t head_at = in.offset();
        const std::uint64_t count = in.varint_max(P::leaf_capacity, "sorted leaf count");
        if (count * min_encoded_size<entry_type>() > in.remaining()) in.fail_at("leaf count above what its record holds", head_at);
        l.charge(sizeof(leaf_type), head_at);
        ptr p = ptr::adopt(btree::allocate_leaf<P>());
        leaf_type* leaf = btree::as_leaf(p.get());
        read_values_into(l, in, record, leaf->entries(), count);
        leaf->count = static_cast<std::uint16_t>(count);
        if (!in.at_end()) in.fail("bytes after a sorted leaf");
        for (std::size_t i = 1; i < count; ++i)
            if (!comp(btree::entry_key<P>(leaf->entries()[i - 1]), btree::entry_key<P>(leaf->entries()[i])))
                in.fail_at("sorted leaf keys out of order", head_at);
        return keep(l, record, std::move(p), count);
    }

    static node_ref load_inner(loader& l, std::uint64_t record, unsigned level, const typename P::compare& comp,
                               std::size_t at) {
        if (l.tag_of(record) != tag::btree_inner) throw persist_error("sorted tree inner node expected", at);
        byte_source in = l.open(record, tag::btree_inner, at);
        const std::size_t head_at = in.offset();
        if (in.u8() != level) in.fail_at("sorted tree node at the wrong level", head_at);
        const std::uint64_t count = in.varint_max(P::inner_capacity, "sorted node child count");
        std::uint64_t refs[P::inner_capacity];
        for (std::uint64_t i = 0; i < count; ++i) refs[i] = l.ref(in, record, false);
        if (!in.at_end()) in.fail("bytes after a sorted tree node");
        node_ref kids[P::inner_capacity];
        std::uint64_t total = 0;
        for (std::uint64_t i = 0; i < count; ++i) {
            kids[i] = load_node(l, refs[i], level - 1, false, comp, head_at);
            total += kids[i].entries;
            if (i > 0 && !comp(btree::max_key(kids[i - 1].node), btree::min_key(kids[i].node)))
                in.fail_at("sorted subtrees out of order", head_at);
        }
        l.charge(sizeof(inner_type), head_at);
        ptr p = ptr::adopt(btree::allocate_inner<P>(level));
        inner_type* n = btree::as_inner(p.get());
        for (std::uint64_t i = 0; i < count; ++i) {
            std::construct_at(n->keys() + n->count, btree::min_key(kids[i].node));
            retain<node_type>(kids[i].node);
            n->children[n->count] = const_cast<node_type*>(kids[i].node);
            n->sizes[n->count] = kids[i].entries;
            ++n->count;
        }
        return keep(l, record, std::move(p), total);
    }

    static node_ref keep(loader& l, std::uint64_t record, ptr p, std::uint64_t entries) {
        const node_type* n = p.get();
        l.keep(record, &type_key<node_type>, p.take(),
               [](void* q) noexcept { release<node_type>(static_cast<node_type*>(q)); })
            .size = entries;
        return {n, entries};
    }
};

template <class K, class V, class Cmp, class P>
struct container_codec<immutable::sorted_map<K, V, Cmp, P>> : btree_codec<immutable::sorted_map<K, V, Cmp, P>> {
    static void signature(sig_builder& s) {
        s.out += "SM(";
        signature_of<K>(s);
        s.out += ",";
        signature_of<V>(s);
        s.out += ")";
    }
};

template <class T, class Cmp, class P>
struct container_codec<immutable::sorted_set<T, Cmp, P>> : btree_codec<immutable::sorted_set<T, Cmp, P>> {
    static void signature(sig_builder& s) {
        s.out += "SS(";
        signature_of<T>(s);
        s.out += ")";
    }
};

} // namespace immutable::detail::persist
