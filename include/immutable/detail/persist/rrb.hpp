#pragma once
// Saving and loading immutable::list (detail/rrb).
//
// A list node may be used by versions of different lengths: a leaf by a version that uses
// its first 10 elements and another that uses 20 (push_back claims slots), a regular inner
// node by versions reaching through a different number of its children. A node is written
// once, covering the most any saved version uses through it: the first pass (scan) finds
// that maximum, the second (emit) writes each node after its children. Slots beyond it
// belong to no saved version and are not read (another thread may be filling them).
//
// Records (docs/persist.md):
//   list_leaf   count, then count elements
//   list_inner  relaxed (u8), count, count child references, then for a relaxed node the
//               count child sizes, for a regular node its size (the elements it covers)
//   list        signature, size, shift, root (or none), tail (or none), tail size

#include <cstddef>
#include <cstdint>
#include <limits>

#include <immutable/detail/persist/access.hpp>
#include <immutable/detail/persist/values.hpp>
#include <immutable/detail/rrb/tree.hpp>
#include <immutable/list.hpp>

namespace immutable::detail::persist {

template <class T, class P>
struct container_codec<immutable::list<T, P>> {
    static constexpr bool is_container = true;
    using list_type = immutable::list<T, P>;
    using ops = rrb::tree_ops<T, P>;
    using data = rrb::list_data<T, P>;
    using base = rrb::node_base<P>;
    using leaf = rrb::leaf_node<T, P>;
    using inner = rrb::inner_node<P>;
    using family = rrb::node_family<T, P>;
    using ptr = typename ops::ptr;
    static constexpr unsigned bits = rrb::bits;
    static constexpr std::uint32_t branches = rrb::branches;
    static constexpr std::uint64_t max_shift = 55; // 2^(55 + 5) elements: more than a size_t list holds

    static void signature(sig_builder& s) {
        s.out += "L(";
        signature_of<T>(s);
        s.out += ")";
    }

    static writer_state::container_key key(const data& d) noexcept {
        return {&type_key<list_type>, d.root, d.tail, d.size, (std::uint64_t{d.shift} << 32) | d.tail_size};
    }

    // ---- first pass ----------------------------------------------------------------------
    static void scan(writer_state& w, const list_type& l) {
        const data& d = access::list_data(l);
        if (d.size == 0 || !w.first_scan(key(d))) return;
        if (d.root) scan_node(w, d.root, d.shift, d.tree_size());
        scan_node(w, d.tail, 0, d.tail_size);
    }

    // Records that some version uses `size` elements through n (at `shift`). A node already
    // seen with as many is done: everything below was seen with at least as many too.
    static void scan_node(writer_state& w, const base* n, unsigned shift, std::size_t size) {
        auto& info = w.node(n);
        if (info.used >= size) return;
        info.used = size;
        if (shift == 0) {
            scan_nested(w, ops::as_leaf(n)->elements(), size);
            return;
        }
        const inner* in = ops::as_inner(n);
        const std::uint32_t count = ops::children_in(in, shift, size);
        // The children's table entries are cache misses on a large list: start them all.
        for (std::uint32_t j = 0; j < count; ++j) w.prefetch_node(in->children[j]);
        for (std::uint32_t j = 0; j < count; ++j)
            scan_node(w, in->children[j], shift - bits, ops::child_size(in, shift, size, j));
    }

    // ---- second pass ---------------------------------------------------------------------
    static std::uint64_t emit(writer_state& w, const list_type& l) {
        const data& d = access::list_data(l);
        std::uint64_t& known = w.container(key(d));
        if (known != 0) return known;
        const std::uint64_t sig = w.signature(signature_of_type<list_type>());
        const std::uint64_t root = d.root ? emit_node(w, d.root, d.shift) : 0;
        const std::uint64_t tail = d.tail ? emit_node(w, d.tail, 0) : 0;
        const std::uint64_t self = w.begin(tag::list);
        w.ref(self, sig);
        w.out.varint(d.size);
        w.out.varint(d.shift);
        w.ref(self, root);
        w.ref(self, tail);
        w.out.varint(d.tail_size);
        w.end();
        // Looked up again: emitting the nodes may have added containers (nested ones).
        w.container(key(d)) = self;
        return self;
    }

    static std::uint64_t emit_node(writer_state& w, const base* n, unsigned shift) {
        // Found once: filled in below, found again only if the table grew meanwhile.
        auto* info = w.find_node(n);
        if (info->record != 0) return info->record;
        const std::size_t generation = w.nodes_generation();
        const std::size_t size = info->used;
        std::uint64_t self = 0;
        if (shift == 0) {
            const T* elements = ops::as_leaf(n)->elements();
            emit_nested(w, elements, size);
            self = w.begin(tag::list_leaf);
            w.out.varint(size);
            write_values(w, self, elements, size);
            w.end();
        } else {
            const inner* in = ops::as_inner(n);
            const std::uint32_t count = ops::children_in(in, shift, size);
            std::uint64_t kids[branches];
            for (std::uint32_t j = 0; j < count; ++j) kids[j] = emit_node(w, in->children[j], shift - bits);
            self = w.begin(tag::list_inner);
            w.out.u8(in->relaxed ? 1 : 0);
            w.out.varint(count);
            for (std::uint32_t j = 0; j < count; ++j) w.ref(self, kids[j]);
            if (in->relaxed) {
                for (std::uint32_t j = 0; j < count; ++j) w.out.varint(ops::child_size(in, shift, size, j));
            } else {
                w.out.varint(size);
            }
            w.end();
        }
        (w.nodes_generation() == generation ? info : w.find_node(n))->record = self;
        return self;
    }

    // ---- loading -------------------------------------------------------------------------
    static list_type load(loader& l, std::uint64_t record, std::size_t at) {
        loader::nesting_guard guard(l, at);
        byte_source in = l.open(record, tag::list, at);
        l.check_signature(l.ref(in, record, false), signature_of_type<list_type>(), in.offset());
        if (auto* s = l.built(record, &type_key<list_type>, at)) return *static_cast<const list_type*>(s->object);
        const std::size_t fields_at = in.offset();
        const std::uint64_t size = in.varint_max(std::numeric_limits<std::size_t>::max() >> 1, "list size");
        const std::uint64_t shift = in.varint_max(max_shift, "list shift");
        const std::uint64_t root = l.ref(in, record, true);
        const std::uint64_t tail = l.ref(in, record, true);
        const std::uint64_t tail_size = in.varint_max(branches, "list tail size");
        if (!in.at_end()) in.fail("bytes after a list record");
        auto bad = [&](const char* what) { throw persist_error(what, fields_at); };
        if (size == 0) {
            if (root || tail || tail_size || shift) bad("empty list with nodes");
        } else {
            if (!tail || tail_size == 0 || tail_size > size) bad("list without a valid tail");
            if ((size == tail_size) != (root == 0)) bad("list root does not match its size");
            if (root ? (shift < bits || shift % bits != 0) : shift != 0) bad("bad list shift");
        }
        data d;
        if (size != 0) {
            const node_ref t = load_node(l, tail, 0, fields_at);
            if (t.size < tail_size) bad("list tail holds fewer elements than the list uses");
            // Versions sharing a tail share their tree (identity() relies on it).
            auto& partner = l.built(tail, &type_key<family>, fields_at)->partner;
            if (partner == 0) partner = root + 1;
            else if (partner != root + 1) bad("one tail shared by lists with different trees");
            node_ref r{};
            const std::size_t tree_size = size - tail_size;
            if (root) {
                r = load_node(l, root, static_cast<unsigned>(shift), fields_at);
                const bool relaxed = ops::as_inner(r.node)->relaxed;
                if (relaxed ? r.size != tree_size : r.size < tree_size)
                    bad("list root does not cover the list's elements");
            }
            d = data::sharing(r.node, static_cast<const leaf*>(t.node), size, static_cast<std::uint32_t>(shift),
                              static_cast<std::uint32_t>(tail_size));
        }
        auto* kept = new list_type(access::make_list<list_type>(std::move(d)));
        l.keep(record, &type_key<list_type>, kept, [](void* p) noexcept { delete static_cast<list_type*>(p); });
        return *kept;
    }

    // A node built from a record (the loader holds its reference) and the elements it covers.
    struct node_ref {
        const base* node = nullptr;
        std::size_t size = 0;
    };

    // load_node and load_leaf are inlined into load_inner's loop over children: a list has
    // 32 times more leaves than inner nodes, and each leaf's own work is small.
    IMMUTABLE_ALWAYS_INLINE static node_ref load_node(loader& l, std::uint64_t record, unsigned shift, std::size_t at) {
        return shift == 0 ? load_node_at<true>(l, record, 0, at) : load_node_at<false>(l, record, shift, at);
    }

    // load_node for a node known to be a leaf (Leaf) or an inner node at `shift`.
    template <bool Leaf>
    IMMUTABLE_ALWAYS_INLINE static node_ref load_node_at(loader& l, std::uint64_t record, unsigned shift,
                                                         std::size_t at) {
        const bool first = !l.built_any(record);
        if (!first) {
            if (auto* s = l.built(record, &type_key<family>, at)) {
                const base* n = static_cast<const base*>(s->object);
                if (n->kind != (Leaf ? rrb::node_kind::leaf : rrb::node_kind::inner))
                    throw persist_error("list node used at two levels", at);
                if (s->level != shift) throw persist_error("list node used at two levels", at);
                return {n, s->size};
            }
        }
        if constexpr (Leaf) return load_leaf(l, record, first, at);
        else return load_inner(l, record, shift, first, at);
    }

    // `first`: nothing was built from the record yet (loader::built_any).
    IMMUTABLE_ALWAYS_INLINE static node_ref load_leaf(loader& l, std::uint64_t record, bool first, std::size_t at) {
        byte_source in = l.open(record, tag::list_leaf, at);
        const std::size_t count_at = in.offset();
        if constexpr (read_as_bytes<T>) {
            // A full leaf of plain numbers, the common case: a one-byte count of `branches`, then
            // exactly that many elements. Every check of the general path below holds for it;
            // its elements are copied with a constant size, so the copy becomes a row of
            // vector moves (a copy only known to be short may become a `rep movs`, slow to
            // start on some processors).
            constexpr std::size_t full_bytes = branches * sizeof(T);
            if (in.remaining() == 1 + full_bytes && static_cast<std::uint8_t>(in.unread()[0]) == branches) {
                l.charge(leaf::bytes(branches), count_at);
                ptr p = ops::new_leaf(branches);
                leaf* lf = ops::as_leaf(p.get());
                std::memcpy(static_cast<void*>(lf->elements()), in.unread() + 1, full_bytes);
                lf->fill.store(branches);
                return keep(l, record, first, std::move(p), branches, 0);
            }
        }
        const std::uint64_t count = in.varint_max(branches, "list leaf count");
        if (count == 0) in.fail_at("empty list leaf", count_at);
        if (count * min_encoded_size<T>() > in.remaining()) in.fail_at("list leaf count above what its record holds", count_at);
        const std::uint32_t cap = std::max<std::uint32_t>(static_cast<std::uint32_t>(count), ops::grown_capacity(static_cast<std::uint32_t>(count)));
        l.charge(leaf::bytes(cap), count_at);
        ptr p = ops::new_leaf(cap);
        leaf* lf = ops::as_leaf(p.get());
        read_values_into(l, in, record, lf->elements(), count);
        lf->fill.store(static_cast<std::uint32_t>(count));
        if (!in.at_end()) in.fail("bytes after a list leaf");
        return keep(l, record, first, std::move(p), count, 0);
    }

    static node_ref load_inner(loader& l, std::uint64_t record, unsigned shift, bool first, std::size_t at) {
        byte_source in = l.open(record, tag::list_inner, at);
        const std::size_t head_at = in.offset();
        const std::uint8_t relaxed = in.u8();
        if (relaxed > 1) in.fail_at("list node flag neither 0 nor 1", head_at);
        const std::uint64_t count = in.varint_max(branches, "list node child count");
        if (count == 0) in.fail_at("list node without children", head_at);
        std::uint64_t kids[branches];
        for (std::uint64_t j = 0; j < count; ++j) kids[j] = l.ref(in, record, false);
        const std::size_t full = std::size_t{1} << shift;
        std::size_t sizes[branches];
        std::size_t total = 0;
        if (relaxed) {
            for (std::uint64_t j = 0; j < count; ++j) {
                sizes[j] = in.varint_max(full, "relaxed child size");
                if (sizes[j] == 0) in.fail("empty child in a relaxed list node");
                total += sizes[j];
            }
        } else {
            const std::size_t size_at = in.offset();
            total = in.varint_max(full * count, "list node size");
            if (total <= full * (count - 1)) in.fail_at("regular list node with more children than its size needs", size_at);
            for (std::uint64_t j = 0; j < count; ++j) sizes[j] = j + 1 < count ? full : total - full * j;
        }
        if (!in.at_end()) in.fail("bytes after a list node");
        // Children first (each once; they point backwards, so this ends), then the node.
        base* children[branches];
        if (shift == bits) load_children<true>(l, in, head_at, kids, sizes, count, shift, relaxed != 0, children);
        else load_children<false>(l, in, head_at, kids, sizes, count, shift, relaxed != 0, children);
        l.charge(inner::bytes(relaxed != 0), head_at);
        ptr p = ops::new_inner(relaxed != 0);
        inner* n = ops::as_inner(p.get());
        std::size_t running = 0;
        for (std::uint64_t j = 0; j < count; ++j) {
            n->children[j] = ops::shared(children[j]);
            running += sizes[j];
            if (relaxed) n->sizes()[j] = running;
        }
        n->fill.store(static_cast<std::uint32_t>(count));
        return keep(l, record, first, std::move(p), total, shift);
    }

    // The children of the inner node at `shift` read from `in` (its record, from `head_at`),
    // each checked to cover the elements the node gives it. Leaves: the children are leaves
    // (shift == bits), the bottom level holding nearly all of a list's nodes.
    template <bool Leaves>
    IMMUTABLE_ALWAYS_INLINE static void load_children(loader& l, const byte_source& in, std::size_t head_at,
                                                      const std::uint64_t* kids, const std::size_t* sizes,
                                                      std::uint64_t count, unsigned shift, bool relaxed,
                                                      base** children) {
        const std::size_t full = std::size_t{1} << shift;
        for (std::uint64_t j = 0; j < count; ++j) {
            const node_ref c = load_node_at<Leaves>(l, kids[j], shift - bits, head_at);
            const bool child_relaxed = !Leaves && ops::as_inner(c.node)->relaxed;
            if (!relaxed && child_relaxed) in.fail_at("relaxed child under a regular list node", head_at);
            // A regular subtree serves any prefix of what it covers; a relaxed one is used whole.
            const bool fits = child_relaxed ? c.size == sizes[j] : c.size >= sizes[j];
            if (!fits || (!relaxed && j + 1 < count && c.size != full))
                in.fail_at("list child does not cover the elements its parent gives it", head_at);
            children[j] = const_cast<base*>(c.node);
        }
    }

    IMMUTABLE_ALWAYS_INLINE static node_ref keep(loader& l, std::uint64_t record, bool first, ptr p, std::size_t size,
                                                 unsigned shift) {
        const base* n = p.get();
        constexpr auto drop = [](void* q) noexcept { release<family>(static_cast<base*>(q)); };
        auto& s = first ? l.keep_first(record, &type_key<family>, p.take(), drop)
                        : l.keep(record, &type_key<family>, p.take(), drop);
        // The node's size and shift, for the next version that reaches it.
        s.size = size;
        s.level = shift;
        return {n, size};
    }
};

} // namespace immutable::detail::persist
