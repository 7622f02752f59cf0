#pragma once
// immutable::persist: saving versions of the library's containers to bytes and loading them
// back, keeping their structural sharing.
//
//   immutable::persist::writer w;
//   std::uint64_t a = w.add(v1);        // any container of the library, any policy
//   std::uint64_t b = w.add(v2);        // nodes v1 and v2 share are written once
//   std::vector<std::byte> doc = w.bytes();
//
//   immutable::persist::reader r(doc);  // checks magic, version, length and checksum
//   auto v1b = r.load<decltype(v1)>(a); // checks id, type signature and every node read
//
// Loaded versions share nodes as the saved ones did, and never refer to the reader's input.
// Everything wrong with a document (not a document, corrupted, truncated, crafted, another
// type) throws persist::format_error, whose message says what and at which byte offset.
//
// Elements: integers, floating point, bool, enums, std::nullptr_t, std::monostate,
// std::string, std::pair, std::tuple, std::optional, std::variant, and the library's
// containers and boxes (their sharing is kept too). A user type declares its fields to save with one
// function found by argument-dependent lookup, returning std::tie of them:
//
//   struct point { int x; int y; };
//   inline auto persist_fields(point& p) { return std::tie(p.x, p.y); }
//
// Loading default-constructs the type and assigns each field. Hash, Equal, Compare and
// the memory policy are not part of a saved type: loading uses default-constructed
// functors of the loading program. The format: docs/persist.md.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <iterator>
#include <memory>
#include <ostream>
#include <span>
#include <vector>

#include <immutable/detail/persist/document.hpp>
#include <immutable/detail/persist/btree.hpp>
#include <immutable/detail/persist/champ.hpp>
#include <immutable/detail/persist/queue.hpp>
#include <immutable/detail/persist/rrb.hpp>
// box support where the library has immutable::box.
#if __has_include(<immutable/box.hpp>)
#include <immutable/detail/persist/box.hpp>
#endif

namespace immutable::persist {

template <class C>
concept saveable = detail::persist::persisted_container<C>;

// Collects containers to save. Holds a copy of each (O(1), shared), so sharing is found by
// node identity safely even for temporaries. bytes() and save() may be called any number of
// times; each writes every container added so far.
class writer {
public:
    writer() = default;

    // Adds a version; returns its id in the document (0, 1, 2, ... in order of addition).
    template <saveable C>
    std::uint64_t add(const C& c) {
        saved_.push_back(std::make_unique<detail::persist::saved<C>>(c));
        return saved_.size() - 1;
    }

    [[nodiscard]] std::vector<std::byte> bytes() const { return detail::persist::write_document(saved_); }

    void save(std::ostream& out) const {
        const auto doc = bytes();
        out.write(reinterpret_cast<const char*>(doc.data()), static_cast<std::streamsize>(doc.size()));
    }

private:
    std::vector<std::unique_ptr<detail::persist::saved_base>> saved_;
};

// Reads a document. The constructor checks magic, version, length and checksum; load()
// checks the id, the type and every node it builds. Versions loaded from one reader share
// the nodes they shared when saved.
class reader {
public:
    // `doc` must outlive the reader (not the containers loaded from it).
    explicit reader(std::span<const std::byte> doc) { open(doc); }
    // Reads the whole stream.
    explicit reader(std::istream& in) {
        owned_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        open(std::span<const std::byte>(reinterpret_cast<const std::byte*>(owned_.data()), owned_.size()));
    }
    reader(reader&&) noexcept = default;
    reader& operator=(reader&&) noexcept = default;

    // Number of containers in the document (ids are 0 .. count() - 1).
    [[nodiscard]] std::uint64_t count() const noexcept { return loader_->root_count(); }

    template <saveable C>
    [[nodiscard]] C load(std::uint64_t id) {
        if (id >= loader_->root_count())
            throw format_error("unknown id " + std::to_string(id) + " (the document holds " +
                                   std::to_string(loader_->root_count()) + " containers)",
                               loader_->roots_offset());
        return detail::persist::container_codec<C>::load(*loader_, loader_->root_record(id), loader_->roots_offset());
    }

private:
    void open(std::span<const std::byte> doc) {
        detail::persist::check_header(doc);
        loader_ = std::make_unique<detail::persist::loader>(doc); // checks the checksum
    }

    std::vector<char> owned_;
    std::unique_ptr<detail::persist::loader> loader_;
};

} // namespace immutable::persist
