#pragma once
// Saving and loading immutable::map and immutable::set (detail/champ).
//
// A trie's shape depends on the hash of every key. The container record carries a
// fingerprint: the hash of one key (the first entry met going down the first slots). When the
// loading program hashes that key to the same value, the nodes are rebuilt as saved and shared
// as saved, and every entry is checked to sit where its hash puts it. When it differs
// (another platform's std::hash, another Hash), or some entry turns out not to be where the
// loading hash puts it, the entries are read and inserted anew: the content is the same, the
// sharing with other versions is not kept for that container.
//
// Records (docs/persist.md):
//   champ_node       datamap, nodemap, one child reference per nodemap bit, then one entry
//                    per datamap bit, in slot order
//   champ_collision  count, then count entries (keys with one and the same full hash)
//   hash_container   signature, size, fingerprint (8 bytes), root (or none)

#include <cstddef>
#include <cstdint>
#include <unordered_set>

#include <immutable/detail/champ/trie.hpp>
#include <immutable/detail/persist/access.hpp>
#include <immutable/detail/persist/values.hpp>
#include <immutable/map.hpp>
#include <immutable/set.hpp>

namespace immutable::detail::persist {

// An entry whose hash (in the loading program) does not lead to where it was saved.
struct misplaced_entry : persist_error {
    using persist_error::persist_error;
};

template <class Trie>
struct trie_traits;
template <class Traits>
struct trie_traits<champ::trie<Traits>> {
    using type = Traits;
};

template <class C>
struct champ_codec {
    static constexpr bool is_container = true;
    using trie_type = std::remove_cvref_t<decltype(access::trie(std::declval<const C&>()))>;
    using traits = typename trie_traits<trie_type>::type;
    using node_type = champ::node<traits>;
    using entry_type = typename traits::entry_type;
    using bitmap_type = typename node_type::bitmap_type;
    using shape = typename node_type::shape_type;
    using ptr = node_ptr<node_type>;
    static constexpr unsigned bits = shape::bits;
    static constexpr unsigned max_depth = shape::max_depth;
    // Cache lines of a child node fetched ahead when saving (its header and first entries).
    static constexpr int prefetch_lines = 2;

    // About the document bytes of one copy of c: a trie has about one node per three entries,
    // each with a record header, bitmaps and child references (some 10 bytes). A buffer
    // that starts too small is copied whole when it grows, a large part of saving a map.
    static size_estimate estimate(const C& c) noexcept {
        const std::size_t entries = access::trie(c).size();
        return {entries * (sizeof(entry_type) + 4), entries / 3 + 1};
    }

    static writer_state::container_key key(const trie_type& t) noexcept {
        return {&type_key<C>, t.root(), nullptr, t.size(), 0};
    }

    // ---- first pass: only nested containers need it ------------------------------------
    static void scan(writer_state& w, const C& c) {
        if constexpr (may_nest<entry_type>()) {
            const trie_type& t = access::trie(c);
            if (t.root() && w.first_scan(key(t))) scan_node(w, t.root());
        } else {
            (void)w, (void)c;
        }
    }
    static void scan_node(writer_state& w, const node_type* n) {
        auto& info = w.node(n);
        if (info.used) return;
        info.used = 1;
        scan_nested(w, n->entry_begin(), n->entry_count());
        if (!n->is_collision())
            for (unsigned i = 0, k = n->child_count(); i < k; ++i) scan_node(w, n->children()[i]);
    }

    // ---- second pass ---------------------------------------------------------------------
    static std::uint64_t emit(writer_state& w, const C& c) {
        const trie_type& t = access::trie(c);
        if (std::uint64_t known = w.container(key(t))) return known;
        const std::uint64_t sig = w.signature(signature_of_type<C>());
        const std::uint64_t root = t.root() ? emit_node(w, t.root()) : 0;
        const std::uint64_t self = w.begin(tag::hash_container);
        w.ref(self, sig);
        w.out.varint(t.size());
        w.out.fixed<8>(t.root() ? traits::hash(traits::key(first_entry(t.root()))) : 0);
        w.ref(self, root);
        w.end();
        w.container(key(t)) = self;
        return self;
    }

    // The entry the fingerprint hashes: down the first child until a node holds entries.
    static const entry_type& first_entry(const node_type* n) noexcept {
        while (n->entry_count() == 0) n = n->children()[0];
        return *n->entry_begin();
    }

    static std::uint64_t emit_node(writer_state& w, const node_type* n) {
        // One probe: the entry is made here and filled in below, found again only if the
        // table grew meanwhile.
        auto* info = &w.node(n);
        if (info->record) return info->record;
        const std::size_t generation = w.nodes_generation();
        const unsigned entries = n->entry_count();
        std::uint64_t self = 0;
        if (n->is_collision()) {
            emit_nested(w, n->entry_begin(), entries);
            self = w.begin(tag::champ_collision);
            w.out.varint(entries);
        } else {
            const unsigned kids = n->child_count();
            std::uint64_t refs[8 * sizeof(bitmap_type)];
            // The children and their table slots are cache misses on a large trie: start
            // them all before visiting the first.
            for (unsigned i = 0; i < kids; ++i) {
                const char* child = reinterpret_cast<const char*>(n->children()[i]);
                for (int line = 0; line < prefetch_lines; ++line) __builtin_prefetch(child + 64 * line);
                w.prefetch_node(child);
            }
            for (unsigned i = 0; i < kids; ++i) refs[i] = emit_node(w, n->children()[i]);
            emit_nested(w, n->entry_begin(), entries);
            self = w.begin(tag::champ_node);
            w.out.varint(n->datamap);
            w.out.varint(n->nodemap);
            for (unsigned i = 0; i < kids; ++i) w.ref(self, refs[i]);
        }
        write_values(w, self, n->entry_begin(), entries);
        w.end();
        (w.nodes_generation() == generation ? *info : w.node(n)).record = self;
        return self;
    }

    // ---- loading -------------------------------------------------------------------------
    static C load(loader& l, std::uint64_t record, std::size_t at) {
        loader::nesting_guard guard(l, at);
        byte_source in = l.open(record, tag::hash_container, at);
        l.check_signature(l.ref(in, record, false), signature_of_type<C>(), in.offset());
        if (auto* s = l.built(record, &type_key<C>, at)) return *static_cast<const C*>(s->object);
        const std::size_t fields_at = in.offset();
        const std::uint64_t size = in.varint_max(trie_type::max_size, "hash container size");
        const std::uint64_t fingerprint = in.fixed<8>();
        const std::uint64_t root = l.ref(in, record, true);
        if (!in.at_end()) in.fail("bytes after a hash container record");
        if ((size == 0) != (root == 0)) throw persist_error("hash container root does not match its size", fields_at);
        C result;
        if (root != 0) {
            bool rebuilt = false;
            if (traits::hash(traits::key(first_entry(l, root, fields_at))) == fingerprint) {
                try {
                    const node_ref r = load_node(l, root, 0, 0, fields_at);
                    if (r.entries != size) throw persist_error("hash container size differs from its entries", fields_at);
                    result = access::make_hashed<C>(trie_type::adopt(ptr::share(r.node).take(), size));
                    rebuilt = true;
                } catch (const misplaced_entry&) {
                    // The hashes agree on the fingerprint's key but not on every key: insert
                    // the entries anew (nodes built so far were checked and stay valid).
                }
            }
            if (!rebuilt) result = reinsert(l, root, size, fields_at);
        }
        auto* kept = new C(std::move(result));
        l.keep(record, &type_key<C>, kept, [](void* p) noexcept { delete static_cast<C*>(p); });
        return *kept;
    }

    // Header of a node record: which kind, its bitmaps or count, its child references; the
    // source is left at the first entry.
    struct node_head {
        bool collision = false;
        bitmap_type datamap = 0;
        bitmap_type nodemap = 0;
        unsigned entries = 0;
        unsigned kids = 0;
        std::uint64_t child[64] = {};
    };
    static byte_source open_node(loader& l, std::uint64_t record, unsigned depth, std::size_t at, node_head& h) {
        l.check_record(record, at);
        h.collision = l.tag_of(record) == tag::champ_collision;
        if (h.collision != (depth == max_depth))
            throw persist_error(depth == max_depth ? "hash trie deeper than its hash" : "collision node above the last level", at);
        byte_source in = l.open(record, h.collision ? tag::champ_collision : tag::champ_node, at);
        const std::size_t head_at = in.offset();
        if (h.collision) {
            h.entries = static_cast<unsigned>(in.varint_max(0xffffffffu, "collision count"));
            if (h.entries < 2) in.fail_at("collision node with fewer than two entries", head_at);
        } else {
            const std::uint64_t limit = ~bitmap_type{0};
            h.datamap = static_cast<bitmap_type>(in.varint_max(limit, "datamap"));
            h.nodemap = static_cast<bitmap_type>(in.varint_max(limit, "nodemap"));
            if ((h.datamap & h.nodemap) != 0) in.fail_at("slot both entry and child", head_at);
            if ((h.datamap | h.nodemap) == 0) in.fail_at("empty hash trie node", head_at);
            // At the last bitmap level only the hash bits that are left select a slot.
            const unsigned shift = depth * bits;
            if (64 - shift < bits && ((h.datamap | h.nodemap) >> (std::uint64_t{1} << (64 - shift))) != 0)
                in.fail_at("slot beyond the hash's bits", head_at);
            h.entries = champ::popcount(h.datamap);
            h.kids = champ::popcount(h.nodemap);
            for (unsigned i = 0; i < h.kids; ++i) h.child[i] = l.ref(in, record, false);
        }
        if (std::uint64_t{h.entries} * min_encoded_size<entry_type>() > in.remaining())
            in.fail_at("entry count above what the record holds", head_at);
        return in;
    }

    // The fingerprint's entry, read from the records without building the trie.
    static entry_type first_entry(loader& l, std::uint64_t record, std::size_t at) {
        for (unsigned depth = 0;; ++depth) {
            node_head h;
            byte_source in = open_node(l, record, depth, at, h);
            if (h.entries != 0) return read_value<entry_type>(l, in, record);
            at = in.offset();
            record = h.child[0];
        }
    }

    struct node_ref {
        const node_type* node;
        std::uint64_t entries; // in the subtree
    };

    static std::uint64_t prefix_mask(unsigned shift) noexcept {
        return shift >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << shift) - 1;
    }

    // Builds (or finds) the node of `record` at `depth`, whose entries' hashes all start with
    // the bits `prefix`; checks every entry is where its hash puts it.
    static node_ref load_node(loader& l, std::uint64_t record, unsigned depth, std::uint64_t prefix, std::size_t at) {
        l.check_record(record, at);
        if (auto* s = l.built(record, &type_key<node_type>, at)) {
            if (s->level != depth || s->partner != prefix)
                throw persist_error("hash trie node used at two places", at);
            return {static_cast<const node_type*>(s->object), s->size};
        }
        node_head h;
        byte_source in = open_node(l, record, depth, at, h);
        const std::size_t entries_at = in.offset();
        const unsigned shift = depth * bits;
        // Children first, each with its own prefix.
        node_type* kids[64];
        std::uint64_t total = h.entries;
        if (!h.collision) {
            unsigned i = 0;
            for (unsigned slot = 0; slot < 8 * sizeof(bitmap_type); ++slot) {
                if (!((h.nodemap >> slot) & 1)) continue;
                const node_ref c = load_node(l, h.child[i], depth + 1, prefix | (std::uint64_t{slot} << shift), entries_at);
                if (c.entries < 2) throw persist_error("hash trie child with fewer than two entries", entries_at);
                kids[i++] = const_cast<node_type*>(c.node);
                total += c.entries;
            }
        }
        if (total > trie_type::max_size) throw persist_error("hash container larger than its limit", entries_at);
        l.charge(node_type::byte_size(h.collision ? 1 : h.kids, h.entries), entries_at);
        using maker_type = champ::node_maker<traits>;
        maker_type m = h.collision ? maker_type(champ::collision_node, h.entries)
                                   : maker_type(h.datamap, h.nodemap, h.entries);
        read_values_into(l, in, record, m.slot(0), h.entries);
        m.assume_built(h.entries);
        if (!in.at_end()) in.fail("bytes after a hash trie node");
        // Every entry where its hash puts it.
        const entry_type* e = m.slot(0);
        if (h.collision) {
            for (unsigned i = 0; i < h.entries; ++i) {
                if (traits::hash(traits::key(e[i])) != prefix)
                    throw misplaced_entry("collision entry whose hash differs from its node's", entries_at);
                for (unsigned j = 0; j < i; ++j)
                    if (traits::equal(traits::key(e[j]), traits::key(e[i])))
                        throw persist_error("key saved twice in a collision node", entries_at);
            }
        } else {
            unsigned i = 0;
            for (unsigned slot = 0; slot < 8 * sizeof(bitmap_type); ++slot) {
                if (!((h.datamap >> slot) & 1)) continue;
                const std::uint64_t hash = traits::hash(traits::key(e[i++]));
                if ((hash & prefix_mask(shift)) != prefix || ((hash >> shift) & shape::mask) != slot)
                    throw misplaced_entry("hash trie entry not where its hash puts it", entries_at);
            }
            for (unsigned k = 0; k < h.kids; ++k) {
                retain<node_type>(kids[k]);
                m.children()[k] = kids[k];
            }
        }
        node_type* n = m.finish();
        auto& s = l.keep(record, &type_key<node_type>, n,
                         [](void* p) noexcept { release<node_type>(static_cast<node_type*>(p)); });
        s.level = depth;
        s.partner = prefix;
        s.size = total;
        return {n, total};
    }

    // The loading program hashes differently: read every entry and insert it.
    static C reinsert(loader& l, std::uint64_t root, std::uint64_t size, std::size_t at) {
        C result;
        std::unordered_set<std::uint64_t> seen; // a trie is a tree: a node met twice is an error
        std::vector<std::pair<std::uint64_t, unsigned>> todo{{root, 0}};
        std::uint64_t count = 0;
        while (!todo.empty()) {
            const auto [record, depth] = todo.back();
            todo.pop_back();
            if (!seen.insert(record).second) throw persist_error("hash trie node reached twice", at);
            node_head h;
            byte_source in = open_node(l, record, depth, at, h);
            for (unsigned k = 0; k < h.kids; ++k) todo.emplace_back(h.child[k], depth + 1);
            l.charge(h.entries * sizeof(entry_type), in.offset());
            for (unsigned i = 0; i < h.entries; ++i) {
                result = std::move(result).insert(read_value<entry_type>(l, in, record));
                ++count;
            }
            if (!in.at_end()) in.fail("bytes after a hash trie node");
        }
        if (count != size || result.size() != size)
            throw persist_error("hash container size differs from its entries", at);
        return result;
    }
};

template <class K, class V, class H, class E, class P>
struct container_codec<immutable::map<K, V, H, E, P>> : champ_codec<immutable::map<K, V, H, E, P>> {
    static void signature(sig_builder& s) {
        s.out += "M(";
        signature_of<K>(s);
        s.out += ",";
        signature_of<V>(s);
        s.out += ")";
    }
};

template <class T, class H, class E, class P>
struct container_codec<immutable::set<T, H, E, P>> : champ_codec<immutable::set<T, H, E, P>> {
    static void signature(sig_builder& s) {
        s.out += "S(";
        signature_of<T>(s);
        s.out += ")";
    }
};

} // namespace immutable::detail::persist
