#pragma once
// A whole document: the header, the two passes over the saved containers, the table of saved
// containers, the checksum; and the checks a reader makes before anything is loaded.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <immutable/detail/persist/state.hpp>
#include <immutable/detail/persist/values.hpp>

namespace immutable::detail::persist {

// One container a writer holds (a copy: it keeps the nodes alive, so node addresses stay
// unique while the writer exists).
struct saved_base {
    virtual ~saved_base() = default;
    virtual void scan(writer_state& w) const = 0;
    virtual std::uint64_t emit(writer_state& w) const = 0;
    // About the document bytes and nodes of one copy: versions mostly share, so the largest
    // of these is what the document's buffer and the node table start with.
    virtual size_estimate estimate() const noexcept = 0;
};

template <class C>
struct saved final : saved_base {
    explicit saved(const C& c) : value(c) {}
    void scan(writer_state& w) const override { container_codec<C>::scan(w, value); }
    std::uint64_t emit(writer_state& w) const override { return container_codec<C>::emit(w, value); }
    size_estimate estimate() const noexcept override {
        if constexpr (requires { container_codec<C>::estimate(value); }) {
            return container_codec<C>::estimate(value);
        } else if constexpr (requires { value.size(); }) {
            // About one node per 256 bytes of elements, as a full list leaf of int64_t.
            const std::size_t bytes = value.size() * sizeof(typename C::value_type);
            return {bytes, bytes / 256};
        } else {
            return {sizeof(C), 1};
        }
    }
    C value;
};

inline std::vector<std::byte> write_document(const std::vector<std::unique_ptr<saved_base>>& saved_containers) {
    writer_state w;
    size_estimate guess{0, 0};
    for (const auto& s : saved_containers) {
        const size_estimate e = s->estimate();
        guess = {std::max(guess.bytes, e.bytes), std::max(guess.nodes, e.nodes)};
    }
    w.out.reserve(std::min<std::size_t>(guess.bytes + guess.bytes / 8 + 4096, std::size_t{1} << 30));
    // Growing the node table from empty would move every entry about once more.
    w.reserve_nodes(std::min<std::size_t>(guess.nodes, std::size_t{1} << 24));
    w.out.raw(magic, sizeof magic);
    w.out.fixed<4>(format_version);
    w.out.fixed<4>(0); // flags: none defined
    w.out.fixed<8>(0); // total length, set below
    w.out.set_checksum_prefix(header_bytes);
    for (const auto& s : saved_containers) s->scan(w);
    std::vector<std::uint64_t> records;
    records.reserve(saved_containers.size());
    for (const auto& s : saved_containers) records.push_back(s->emit(w));
    const std::uint64_t self = w.begin(tag::roots);
    w.out.varint(records.size());
    for (std::uint64_t r : records) w.ref(self, r);
    w.end();
    const std::uint64_t total = w.out.size() + trailer_bytes;
    auto& bytes = w.out.bytes();
    for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<std::byte>(total >> (8 * i));
    w.out.fixed<4>(w.out.checksum());
    return std::move(bytes);
}

// Magic, version, flags and length: the header's checks. The checksum is checked by the
// loader, in one pass with finding the records (state.hpp).
inline void check_header(std::span<const std::byte> doc) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(doc[i]); };
    auto le = [&](std::size_t at, int n) {
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) v |= std::uint64_t(byte(at + i)) << (8 * i);
        return v;
    };
    if (doc.size() < sizeof magic) throw persist_error("not a document: " + std::to_string(doc.size()) + " bytes", 0);
    for (std::size_t i = 0; i < sizeof magic; ++i)
        if (byte(i) != magic[i]) throw persist_error("not a document (bad magic number)", i);
    if (doc.size() < header_bytes) throw persist_error("truncated header", doc.size());
    const std::uint64_t version = le(8, 4);
    if (version != format_version)
        throw persist_error("format version " + std::to_string(version) + " is not supported (this library reads " +
                                std::to_string(format_version) + ")",
                            8);
    if (le(12, 4) != 0) throw persist_error("unknown flags", 12);
    const std::uint64_t length = le(16, 8);
    if (length != doc.size())
        throw persist_error("document length " + std::to_string(length) + " but " + std::to_string(doc.size()) +
                                " bytes given (truncated or extended)",
                            16);
    if (doc.size() < header_bytes + trailer_bytes) throw persist_error("document too short", doc.size());
}

} // namespace immutable::detail::persist
