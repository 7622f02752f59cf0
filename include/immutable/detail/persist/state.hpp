#pragma once
// The two halves of a save and a load, shared by every engine's persistence code:
//   writer_state  the document being written: its records, and which nodes, containers and
//                 type signatures already have one (written once however often they are met);
//   loader        a checked document being read: where each record is, what has been built
//                 from each record so far (so that what was shared is shared again), and the
//                 limits that keep a hostile document from costing unbounded memory or stack.
// Record layout and tags are specified in docs/persist.md.

#include <cstddef>
#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <immutable/detail/config.hpp>
#include <immutable/detail/persist/format.hpp>

namespace immutable::detail::persist {

enum class tag : std::uint8_t {
    signature = 1,
    list_leaf = 2,
    list_inner = 3,
    list = 4,
    champ_node = 5,
    champ_collision = 6,
    hash_container = 7,
    btree_leaf = 8,
    btree_inner = 9,
    sorted_container = 10,
    queue = 11,
    box = 12,
    roots = 15,
};
inline constexpr std::uint8_t last_tag = 15;
// Bit t set for each tag t above.
inline constexpr std::uint32_t known_tags =
    ((2u << static_cast<unsigned>(tag::box)) - 2u) | (1u << static_cast<unsigned>(tag::roots));
inline constexpr std::size_t record_header_bytes = 5; // tag, payload length (u32)

// One address per type, used to tell what a record was loaded as.
template <class T>
inline constexpr char type_key = 0;

// ---- writing ---------------------------------------------------------------------------

// Node address -> what is known about it: open addressing with linear probing. Saving a
// large container looks up every node twice; a node-based std::unordered_map allocated once
// per node and made that lookup a large part of saving a list.
class node_table {
public:
    struct node_info {
        std::uint64_t record = 0;
        std::uint64_t used = 0;
    };

    // Room for `nodes` entries without growing. The table is kept at most half full: a node
    // is new at nearly every lookup, and the probes a new key takes grow fast with the load
    // (about 8 at three quarters with linear probing, 2.5 at half).
    void reserve(std::size_t nodes) {
        std::size_t size = std::max<std::size_t>(64, slots_.size());
        while (nodes * 2 > size) size *= 2;
        if (size != slots_.size()) rehash(size);
    }
    // The entry of n, made (zeroed) if absent. References stay valid until the next at().
    node_info& at(const void* n) {
        if ((count_ + 1) * 2 > slots_.size()) rehash(std::max<std::size_t>(64, slots_.size() * 2));
        std::size_t i = index(n);
        while (slots_[i].key != nullptr && slots_[i].key != n) i = (i + 1) & mask_;
        if (slots_[i].key == nullptr) {
            slots_[i].key = n;
            ++count_;
        }
        return slots_[i].info;
    }
    // Starts loading the slot n would be found at: a large save misses the cache on nearly
    // every node, so a parent asks for its children's slots before visiting them.
    void prefetch(const void* n) const noexcept {
        if (!slots_.empty()) __builtin_prefetch(&slots_[index(n)]);
    }
    // Changes whenever entries move (the table grew): a reference from at() or find() is
    // still valid while this stays the same.
    std::size_t generation() const noexcept { return slots_.size(); }
    node_info* find(const void* n) noexcept {
        if (slots_.empty()) return nullptr;
        for (std::size_t i = index(n);; i = (i + 1) & mask_) {
            if (slots_[i].key == n) return &slots_[i].info;
            if (slots_[i].key == nullptr) return nullptr;
        }
    }

private:
    struct slot {
        const void* key = nullptr;
        node_info info;
    };
    std::size_t index(const void* n) const noexcept {
        // Fibonacci hashing: the product's top bits depend on every bit of the address, its
        // middle bits hardly on the high ones (nodes far apart then probe one long run).
        const auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(n)) * 0x9e3779b97f4a7c15ull;
        return static_cast<std::size_t>(h >> index_shift_);
    }
    // `size` is a power of two.
    void rehash(std::size_t size) {
        std::vector<slot> old(size);
        old.swap(slots_);
        index_shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots_.size()));
        mask_ = slots_.size() - 1;
        for (const slot& s : old) {
            if (s.key == nullptr) continue;
            std::size_t i = index(s.key);
            while (slots_[i].key != nullptr) i = (i + 1) & mask_;
            slots_[i] = s;
        }
    }
    std::vector<slot> slots_;
    std::size_t mask_ = 0; // slots_.size() - 1
    std::size_t count_ = 0;
    unsigned index_shift_ = 64;
};

// What one saved container is expected to add to a document, to size the buffer and the
// node table before writing.
struct size_estimate {
    std::size_t bytes;
    std::size_t nodes;
};

class writer_state {
public:
    byte_sink out;

    // Starts a record; returns its index (records count from 1; 0 means "none").
    std::uint64_t begin(tag t) {
        out.u8(static_cast<std::uint8_t>(t));
        length_at_ = out.size();
        out.fixed<4>(0);
        return next_++;
    }
    void end() {
        const std::size_t payload = out.size() - length_at_ - 4;
        if (payload > 0xffffffffu) throw std::length_error("immutable::persist: a record above 4 GiB");
        out.patch_u32(length_at_, static_cast<std::uint32_t>(payload));
        out.fold_checksum(); // records do not nest: everything so far is final
    }
    std::uint64_t next_record() const noexcept { return next_; }

    // A reference from the record being written (`self`) to an earlier one, or to none.
    void ref(std::uint64_t self, std::uint64_t target) { out.varint(target == 0 ? 0 : self - target); }

    // The record of a type signature, written the first time it is needed.
    std::uint64_t signature(const std::string& sig) {
        auto it = signatures_.find(sig);
        if (it != signatures_.end()) return it->second;
        const std::uint64_t r = begin(tag::signature);
        out.varint(sig.size());
        out.raw(sig.data(), sig.size());
        end();
        signatures_.emplace(sig, r);
        return r;
    }

    // What is known about a node: its record once written, and for list nodes the most
    // elements any saved version uses through it.
    using node_info = node_table::node_info;
    node_info& node(const void* n) { return nodes_.at(n); }
    void reserve_nodes(std::size_t n) { nodes_.reserve(n); }
    node_info* find_node(const void* n) { return nodes_.find(n); }
    void prefetch_node(const void* n) const noexcept { nodes_.prefetch(n); }
    std::size_t nodes_generation() const noexcept { return nodes_.generation(); }

    // A container value, identified by the engine's handle fields: equal keys are the same
    // version, written once.
    struct container_key {
        const void* kind;
        const void* a;
        const void* b;
        std::uint64_t n;
        std::uint64_t m;
        bool operator==(const container_key&) const = default;
    };
    struct key_hash {
        std::size_t operator()(const container_key& k) const noexcept {
            std::uint64_t h = reinterpret_cast<std::uintptr_t>(k.kind);
            for (std::uint64_t v : {std::uint64_t(reinterpret_cast<std::uintptr_t>(k.a)),
                                    std::uint64_t(reinterpret_cast<std::uintptr_t>(k.b)), k.n, k.m})
                h = (h ^ v) * 0x9e3779b97f4a7c15ull;
            return static_cast<std::size_t>(h ^ (h >> 29));
        }
    };
    std::uint64_t& container(const container_key& k) { return containers_[k]; }
    // Marks a container as scanned; false when it already was.
    bool first_scan(const container_key& k) { return scanned_.emplace(k, 0).second; }

private:
    std::size_t length_at_ = 0;
    std::uint64_t next_ = 1;
    std::unordered_map<std::string, std::uint64_t> signatures_;
    node_table nodes_;
    std::unordered_map<container_key, std::uint64_t, key_hash> containers_;
    std::unordered_map<container_key, int, key_hash> scanned_;
};

// ---- reading ---------------------------------------------------------------------------

class loader {
public:
    // Nested containers (a container inside an element inside a container ...) deeper than
    // this are refused: loading recurses once per level.
    static constexpr unsigned max_nesting = 200;

    // `doc` has passed the header and length checks (check_header); the constructor checks
    // the checksum and finds every record.
    explicit loader(std::span<const std::byte> doc) : doc_(doc) {
        // Every node built from the document counts against this: a hostile document cannot
        // make the loader allocate much more than the document's own size.
        budget_ = 128 * doc.size() + (std::size_t{1} << 20);
        check_and_index();
    }
    loader(const loader&) = delete;
    loader& operator=(const loader&) = delete;
    ~loader() {
        for (std::uint64_t index = 1; index <= record_count(); ++index) {
            if (!has_slot(index)) continue;
            const slot& s = slots_[index - 1];
            s.drop(s.object);
        }
        for (auto& [k, s] : other_types_)
            if (s.object != nullptr) s.drop(s.object);
    }

    std::size_t root_count() const noexcept { return roots_.size(); }
    std::uint64_t root_record(std::size_t id) const noexcept { return roots_[id]; }
    std::size_t roots_offset() const noexcept { return roots_offset_; }

    // The payload of record `index` (checked to exist and have tag `t`); `at` is the offset of
    // whatever referred to it, for the message.
    IMMUTABLE_ALWAYS_INLINE byte_source open(std::uint64_t index, tag t, std::size_t at) const {
        check_record(index, at);
        const std::size_t o = offsets_[index - 1];
        const auto found = static_cast<std::uint8_t>(doc_[o]);
        if (found != static_cast<std::uint8_t>(t)) [[unlikely]] wrong_tag(index, found, t);
        // Records are contiguous: one ends where the next begins (or the trailer, after the last).
        return byte_source(doc_.data(), o + record_header_bytes, offsets_[index]);
    }
    // Throws unless `index` names a record of the document; `at` is the offset of whatever
    // referred to it, for the message.
    IMMUTABLE_ALWAYS_INLINE void check_record(std::uint64_t index, std::size_t at) const {
        if (index == 0 || index > record_count()) [[unlikely]] throw persist_error("reference to a missing record", at);
    }
    std::size_t record_offset(std::uint64_t index) const noexcept { return offsets_[index - 1]; }
    std::uint64_t record_count() const noexcept { return offsets_.size() - 1; }
    // The tag of an existing record (check_record).
    tag tag_of(std::uint64_t index) const noexcept { return static_cast<tag>(doc_[offsets_[index - 1]]); }

    // Reads a reference written by writer_state::ref from record `self`: 0 for none, else
    // an earlier record (references only point backwards, so there are no cycles).
    std::uint64_t ref(byte_source& in, std::uint64_t self, bool nullable) {
        const std::size_t at = in.offset();
        const std::uint64_t d = in.varint();
        if (d == 0) {
            if (!nullable) in.fail_at("missing reference", at);
            return 0;
        }
        if (d >= self) in.fail_at("reference before the first record", at);
        return self - d;
    }

    // What was built from a record: a node holding one reference, or a container; `type`
    // says as what, so that one record is never read as two different types.
    struct slot {
        const void* type;
        void* object;
        void (*drop)(void*) noexcept;
        // Engine use: what a node covers and at which level, and what it is paired with
        // (zero until the engine sets them).
        std::uint64_t size;
        std::uint64_t partner;
        unsigned level;
    };
    // The slot of `index` built as `type`, or null if not built as that type yet. A record
    // may be built as several types (a list<int> under two memory policies, a map under two
    // hash functions): each is read from the bytes and checked on its own.
    slot* built(std::uint64_t index, const void* type, std::size_t) {
        if (!has_slot(index)) return nullptr;
        slot& s = slots_[index - 1];
        if (s.type == type) return &s;
        if (other_types_.empty()) return nullptr;
        auto it = other_types_.find({index, type});
        return it == other_types_.end() ? nullptr : &it->second;
    }
    // Takes ownership of `object` (released through `drop`), also when this throws.
    slot& keep(std::uint64_t index, const void* type, void* object, void (*drop)(void*) noexcept) {
        if (has_slot(index)) [[unlikely]] return keep_other_type(index, type, object, drop);
        return keep_first(index, type, object, drop);
    }
    // Whether anything was built from record `index` yet, as any type. Most records of a
    // large document are met once: asking this first spares them the slot lookups.
    bool built_any(std::uint64_t index) const noexcept { return has_slot(index); }
    // keep() for a record nothing was built from yet (built_any was false).
    IMMUTABLE_ALWAYS_INLINE slot& keep_first(std::uint64_t index, const void* type, void* object,
                                             void (*drop)(void*) noexcept) noexcept {
        slot& s = slots_[index - 1];
        s = slot{type, object, drop, 0, 0, 0};
        has_slot_[(index - 1) / 64] |= std::uint64_t{1} << ((index - 1) % 64);
        return s;
    }

    IMMUTABLE_ALWAYS_INLINE void charge(std::size_t bytes, std::size_t at) {
        if (bytes > budget_) [[unlikely]] over_budget(at);
        budget_ -= bytes;
    }

    struct nesting_guard {
        loader& l;
        nesting_guard(loader& ld, std::size_t at) : l(ld) {
            if (++l.depth_ > max_nesting) {
                --l.depth_;
                throw persist_error("containers nested deeper than " + std::to_string(max_nesting), at);
            }
        }
        ~nesting_guard() { --l.depth_; }
        nesting_guard(const nesting_guard&) = delete;
        nesting_guard& operator=(const nesting_guard&) = delete;
    };

    // Checks that signature record `index` holds `expected`.
    void check_signature(std::uint64_t index, const std::string& expected, std::size_t at) {
        byte_source in = open(index, tag::signature, at);
        const std::size_t n = in.varint_max(in.remaining(), "signature length");
        const std::byte* p = in.take(n);
        if (!in.at_end()) in.fail("bytes after the signature");
        if (expected.size() != n || std::memcmp(expected.data(), p, n) != 0) {
            throw persist_error("type mismatch: the document holds " +
                                    std::string(reinterpret_cast<const char*>(p), std::min<std::size_t>(n, 200)) +
                                    ", the program asks for " + expected,
                                at);
        }
    }

private:
    // A record built as a second type: its slot is a map entry, whose allocation may throw.
    // The guard releases the object then; its callers cannot, as they have handed it over.
    IMMUTABLE_NOINLINE slot& keep_other_type(std::uint64_t index, const void* type, void* object,
                                             void (*drop)(void*) noexcept) {
        std::unique_ptr<void, void (*)(void*) noexcept> guard(object, drop);
        slot& s = other_types_[{index, type}];
        s = slot{type, guard.release(), drop, 0, 0, 0};
        return s;
    }

    [[noreturn]] IMMUTABLE_NOINLINE static void over_budget(std::size_t at) {
        throw persist_error("document needs more memory than its size justifies", at);
    }
    [[noreturn]] void wrong_tag(std::uint64_t index, std::uint8_t found, tag t) const {
        throw persist_error("record " + std::to_string(index) + " has tag " + std::to_string(found) + " where tag " +
                                std::to_string(static_cast<unsigned>(t)) + " is expected",
                            offsets_[index - 1]);
    }

    // Checks the checksum and finds every record (each at least record_header_bytes long, so
    // the table is at most a fraction of the document) in one pass: the checksum runs over a
    // piece of the document, then the record headers in that piece are read while it is still
    // in cache. A record error found before the checksum is complete is reported only if the
    // checksum holds, so a corrupted document is always reported as corrupted.
    void check_and_index() {
        // 24 KiB, within the 32 KiB first-level data cache of most current cores: finding
        // the records is a chain of dependent reads (each header gives where the next one is),
        // so each read that has to go to the second level is waited for in full.
        static constexpr std::size_t piece = 6 * crc_block_bytes;
        const std::size_t end = doc_.size() - trailer_bytes;
        std::uint32_t reg = 0xffffffffu;
        std::size_t pos = header_bytes;
        bool indexing = true;
        std::optional<persist_error> record_error;
        for (std::size_t checked = 0; checked < end;) {
            const std::size_t n = std::min(piece, end - checked);
            reg = crc32c_extend(reg, doc_.data() + checked, n);
            checked += n;
            if (!indexing) continue;
            try {
                indexing = index_records(pos, checked);
            } catch (const persist_error& e) {
                record_error = e;
                indexing = false;
            }
        }
        std::uint32_t stored = 0;
        for (int i = 0; i < 4; ++i) stored |= std::uint32_t(static_cast<unsigned char>(doc_[end + i])) << (8 * i);
        if (~reg != stored) throw persist_error("checksum mismatch (corrupted document)", end);
        if (record_error) throw *record_error;
        read_roots(pos);
    }

    // Indexes the records that start before `limit`; false once the roots record (the last)
    // has been found. Works on copies of the position and the document's address: stores to
    // the index could otherwise alias them, and each record's reads would wait for a reload.
    bool index_records(std::size_t& pos, std::size_t limit) {
        const std::byte* doc = doc_.data();
        const std::size_t end = doc_.size() - trailer_bytes;
        const std::size_t stop = std::min(limit, end);
        std::size_t at = pos;
        while (at < stop) {
            if (end - at < record_header_bytes) [[unlikely]] bad_record("record header cut short", at);
            const auto t = static_cast<std::uint8_t>(doc[at]);
            if (t > last_tag || !((known_tags >> t) & 1u)) [[unlikely]] unknown_tag(t, at);
            unsigned char le[4];
            std::memcpy(le, doc + at + 1, 4);
            const std::uint32_t len = std::uint32_t{le[0]} | std::uint32_t{le[1]} << 8 | std::uint32_t{le[2]} << 16 |
                                      std::uint32_t{le[3]} << 24;
            if (len > end - at - record_header_bytes) [[unlikely]]
                bad_record("record runs past the end of the document", at);
            offsets_.push_back(at);
            at += record_header_bytes + len;
            if (t == static_cast<std::uint8_t>(tag::roots)) {
                pos = at;
                return false;
            }
        }
        pos = at;
        return at < end;
    }
    [[noreturn]] IMMUTABLE_NOINLINE static void bad_record(const char* what, std::size_t at) {
        throw persist_error(what, at);
    }
    [[noreturn]] IMMUTABLE_NOINLINE static void unknown_tag(std::uint8_t t, std::size_t at) {
        throw persist_error("unknown record tag " + std::to_string(t), at);
    }

    // After the records: the roots record must be the last, ending where the trailer starts.
    void read_roots(std::size_t pos) {
        const std::size_t end = doc_.size() - trailer_bytes;
        if (offsets_.empty() || static_cast<std::uint8_t>(doc_[offsets_.back()]) != static_cast<std::uint8_t>(tag::roots))
            throw persist_error("document has no table of saved containers", pos);
        if (pos != end) throw persist_error("bytes after the table of saved containers", pos);
        const std::uint64_t self = offsets_.size();
        roots_offset_ = offsets_.back();
        byte_source in(doc_.data(), offsets_.back() + record_header_bytes, end);
        const std::uint64_t n = in.varint_max(in.remaining(), "container count");
        roots_.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i) roots_.push_back(ref(in, self, false));
        if (!in.at_end()) in.fail("bytes after the table of saved containers");
        has_slot_.resize((offsets_.size() + 63) / 64);
        // Default-initialised, so not cleared (libc++ 14 has no make_unique_for_overwrite).
        slots_.reset(new slot[offsets_.size()]);
        offsets_.push_back(end); // where the last record ends: open() reads it
    }

    std::span<const std::byte> doc_;
    std::vector<std::size_t> offsets_; // of each record, then where the last one ends
    std::vector<std::uint64_t> roots_;
    std::size_t roots_offset_ = 0;
    // The primary slot of each record, made by keep(): only those whose bit is set in
    // has_slot_ were written (most records of a large document are built once; not
    // clearing every slot first spares a pass over memory a sixth of the document's size).
    bool has_slot(std::uint64_t index) const noexcept { return (has_slot_[(index - 1) / 64] >> ((index - 1) % 64)) & 1u; }
    std::vector<std::uint64_t> has_slot_;
    std::unique_ptr<slot[]> slots_;
    struct record_type_hash {
        std::size_t operator()(const std::pair<std::uint64_t, const void*>& k) const noexcept {
            return static_cast<std::size_t>(k.first * 0x9e3779b97f4a7c15ull ^ reinterpret_cast<std::uintptr_t>(k.second));
        }
    };
    std::unordered_map<std::pair<std::uint64_t, const void*>, slot, record_type_hash> other_types_;
    std::size_t budget_ = 0;
    unsigned depth_ = 0;
};

} // namespace immutable::detail::persist
