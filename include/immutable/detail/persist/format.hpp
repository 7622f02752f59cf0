#pragma once
// The byte level of the persistence format (docs/persist.md): the error type, little-endian
// fixed-width integers, LEB128 varints, the CRC32C checksum, and the document's header.
// Nothing here knows about containers.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <immutable/detail/assert.hpp>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define IMMUTABLE_PERSIST_CRC_SSE42 1
#endif

namespace immutable::persist {

// Thrown for every malformed, truncated, corrupted or mismatched document. The message
// names what is wrong and the byte offset in the document where it was found.
class format_error : public std::runtime_error {
public:
    format_error(const std::string& what, std::uint64_t offset)
        : std::runtime_error("immutable::persist: " + what + " at offset " + std::to_string(offset)),
          offset_(offset) {}
    std::uint64_t offset() const noexcept { return offset_; }

private:
    std::uint64_t offset_;
};

} // namespace immutable::persist

namespace immutable::detail::persist {

using persist_error = immutable::persist::format_error;

// "\x89IMMUT\r\n": a high byte (not text), the library's name, and a CRLF that text-mode
// transfers would mangle, as PNG does.
inline constexpr unsigned char magic[8] = {0x89, 'I', 'M', 'M', 'U', 'T', '\r', '\n'};
inline constexpr std::uint32_t format_version = 1;
inline constexpr std::size_t header_bytes = 24;  // magic, version, flags, total length
inline constexpr std::size_t trailer_bytes = 4;  // CRC32C of everything before it

// ---- CRC32C (Castagnoli), reflected, init and final xor 0xffffffff -------------------------
// Why CRC32C and not a 64-bit hash: a CRC detects every burst of up to 32 flipped bits, so
// "any single flipped byte is detected" is a guarantee, not a probability; with SSE4.2 it
// runs at several GB/s, which keeps saving close to the speed of a raw write.

struct crc_table {
    std::uint32_t t[8][256];
    constexpr crc_table() : t{} {
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
            t[0][i] = c;
        }
        for (std::uint32_t i = 0; i < 256; ++i)
            for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
};
inline constexpr crc_table crc_tables{};

// Slicing-by-8: the portable fallback, about 1 byte per cycle.
inline std::uint32_t crc32c_portable(std::uint32_t crc, const unsigned char* p, std::size_t n) noexcept {
    const auto& t = crc_tables.t;
    while (n >= 8) {
        std::uint64_t w = 0;
        for (int i = 0; i < 8; ++i) w |= std::uint64_t{p[i]} << (8 * i);
        w ^= crc;
        crc = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
              t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
    return crc;
}

// ---- combining CRCs of consecutive blocks -----------------------------------------------
// The CRC register update is linear over GF(2): the register after `a` then `b` is the
// register after `a` moved through |b| zero bytes, xor the register `b` alone gives from 0.
// Moving a register through n zero bytes multiplies it, as a polynomial, by x^(8n) modulo
// the CRC polynomial. In the reflected form used here bit 31 is the coefficient of x^0.

// a * b mod P.
constexpr std::uint32_t crc_multiply(std::uint32_t a, std::uint32_t b) noexcept {
    std::uint32_t product = 0;
    for (int i = 0; i < 32; ++i) {
        if (a & (0x80000000u >> i)) product ^= b;       // + b * x^i
        b = (b >> 1) ^ (0x82f63b78u & (0u - (b & 1u))); // b *= x
    }
    return product;
}

// x^(8 * bytes) mod P, by squaring.
constexpr std::uint32_t crc_zero_bytes_factor(std::uint64_t bytes) noexcept {
    std::uint32_t result = 0x80000000u;  // 1
    std::uint32_t power = 0x80000000u >> 8; // x^8: one zero byte
    for (; bytes != 0; bytes >>= 1) {
        if (bytes & 1u) result = crc_multiply(result, power);
        power = crc_multiply(power, power);
    }
    return result;
}

// The register after `bytes` zero bytes, for any length: joining the checksums of two
// pieces computed apart.
constexpr std::uint32_t crc_shift(std::uint32_t reg, std::uint64_t bytes) noexcept {
    return crc_multiply(crc_zero_bytes_factor(bytes), reg);
}

// The same for one fixed length, a byte of the register at a time from tables: joining the
// three blocks the hardware path runs at once, thousands of times per megabyte.
struct crc_zero_shift {
    std::uint32_t t[4][256];

    constexpr explicit crc_zero_shift(std::size_t bytes) : t{} {
        const std::uint32_t factor = crc_zero_bytes_factor(bytes);
        for (int k = 0; k < 4; ++k)
            for (std::uint32_t b = 0; b < 256; ++b) t[k][b] = crc_multiply(factor, b << (8 * k));
    }
    constexpr std::uint32_t operator()(std::uint32_t c) const noexcept {
        return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
    }
};

// The hardware CRC runs three independent blocks at once: the instruction's latency is three
// times its issue interval, so one dependent chain would use a third of the unit.
inline constexpr std::size_t crc_block_bytes = 4096;
inline constexpr crc_zero_shift crc_shift_block{crc_block_bytes};

#if defined(IMMUTABLE_PERSIST_CRC_SSE42)
__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_sse42(std::uint32_t crc, const unsigned char* p,
                                                                      std::size_t n) noexcept {
#if defined(__x86_64__)
    std::uint64_t c = crc;
    while (n >= 3 * crc_block_bytes) {
        std::uint64_t a = c, b = 0, d = 0;
        for (std::size_t i = 0; i < crc_block_bytes; i += 8) {
            std::uint64_t wa, wb, wd;
            std::memcpy(&wa, p + i, 8);
            std::memcpy(&wb, p + crc_block_bytes + i, 8);
            std::memcpy(&wd, p + 2 * crc_block_bytes + i, 8);
            a = _mm_crc32_u64(a, wa);
            b = _mm_crc32_u64(b, wb);
            d = _mm_crc32_u64(d, wd);
        }
        const std::uint32_t ab = crc_shift_block(static_cast<std::uint32_t>(a)) ^ static_cast<std::uint32_t>(b);
        c = crc_shift_block(ab) ^ static_cast<std::uint32_t>(d);
        p += 3 * crc_block_bytes;
        n -= 3 * crc_block_bytes;
    }
    while (n >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        n -= 8;
    }
    crc = static_cast<std::uint32_t>(c);
#endif
    while (n--) crc = _mm_crc32_u8(crc, *p++);
    return crc;
}

inline bool cpu_has_sse42() noexcept {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("sse4.2") != 0;
    }();
    return has;
}
#endif

// The CRC register after `n` more bytes (without the initial and final inversions), so a
// long input can be checked a piece at a time.
inline std::uint32_t crc32c_extend(std::uint32_t reg, const void* data, std::size_t n) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
#if defined(IMMUTABLE_PERSIST_CRC_SSE42)
    if (cpu_has_sse42()) return crc32c_sse42(reg, p, n);
#endif
    return crc32c_portable(reg, p, n);
}

inline std::uint32_t crc32c(const void* data, std::size_t n) noexcept { return ~crc32c_extend(0xffffffffu, data, n); }

// ---- writing ----------------------------------------------------------------------------

// A growing byte buffer with the format's encodings.
class byte_sink {
public:
    std::vector<std::byte>& bytes() noexcept { return out_; }
    std::size_t size() const noexcept { return out_.size(); }

    void reserve(std::size_t n) { out_.reserve(n); }
    // Appends without first zeroing the new bytes (resize would).
    void raw(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::byte*>(p);
        out_.insert(out_.end(), b, b + n);
    }
    // The few bytes of a number are appended one at a time: push_back stays inline, where
    // a range insert is a call, and a document is mostly such small writes.
    void u8(std::uint8_t v) { out_.push_back(static_cast<std::byte>(v)); }
    // Fixed-width little-endian unsigned integer of `Bytes` bytes.
    template <std::size_t Bytes>
    void fixed(std::uint64_t v) {
        for (std::size_t i = 0; i < Bytes; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    // LEB128: 7 bits per byte, low group first, high bit set on every byte but the last.
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            u8(static_cast<std::uint8_t>(v | 0x80));
            v >>= 7;
        }
        u8(static_cast<std::uint8_t>(v));
    }
    // Overwrites 4 bytes at `at` (little-endian): bytes not yet in the running checksum.
    void patch_u32(std::size_t at, std::uint32_t v) noexcept {
        IMMUTABLE_ASSERT(at >= checked_, "immutable::detail::persist::byte_sink::patch_u32",
                         "the bytes patched are already in the checksum");
        for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<std::byte>(v >> (8 * i));
    }

    // ---- the checksum, kept while writing ----
    // A block's checksum is taken soon after it is written, while it is still in cache: a
    // pass over the whole document at the end would read it all from memory again.
    // The first `n` bytes (the header, whose length is known last) are left out of the
    // running checksum and joined to it by checksum().
    void set_checksum_prefix(std::size_t n) noexcept { prefix_ = checked_ = n; }
    // Called where no byte written so far will change again (between records).
    void fold_checksum() noexcept {
        if (out_.size() - checked_ >= checksum_block_bytes) fold();
    }
    // CRC32C of everything written.
    std::uint32_t checksum() noexcept {
        fold();
        const std::uint32_t prefix_reg = crc32c_extend(0xffffffffu, out_.data(), prefix_);
        return ~(crc_shift(prefix_reg, out_.size() - prefix_) ^ rest_reg_);
    }

private:
    // Large enough for the hardware path's three interleaved blocks, small enough to be in
    // the core's own caches.
    static constexpr std::size_t checksum_block_bytes = 12 * crc_block_bytes;
    void fold() noexcept {
        rest_reg_ = crc32c_extend(rest_reg_, out_.data() + checked_, out_.size() - checked_);
        checked_ = out_.size();
    }

    std::vector<std::byte> out_;
    std::size_t prefix_ = 0;
    std::size_t checked_ = 0;   // bytes [prefix_, checked_) are in rest_reg_
    std::uint32_t rest_reg_ = 0; // their CRC register, started from zero
};

// ---- reading ----------------------------------------------------------------------------

// A bounds-checked cursor over [begin, end) of a document; offsets it reports are from the
// document's first byte. Every read that would pass `end` throws format_error.
class byte_source {
public:
    byte_source(const std::byte* doc, std::size_t begin, std::size_t end) noexcept
        : doc_(doc), pos_(begin), end_(end) {}

    std::size_t offset() const noexcept { return pos_; }
    std::size_t remaining() const noexcept { return end_ - pos_; }
    bool at_end() const noexcept { return pos_ == end_; }
    // The unread bytes, for a caller that has checked how many it needs.
    const std::byte* unread() const noexcept { return doc_ + pos_; }
    [[noreturn]] void fail(const std::string& what) const { throw persist_error(what, pos_); }
    [[noreturn]] void fail_at(const std::string& what, std::size_t at) const { throw persist_error(what, at); }

    void need(std::size_t n) const {
        if (n > end_ - pos_) [[unlikely]] fail_short(n);
    }
    const std::byte* take(std::size_t n) {
        need(n);
        const std::byte* p = doc_ + pos_;
        pos_ += n;
        return p;
    }
    std::uint8_t u8() { return static_cast<std::uint8_t>(*take(1)); }
    template <std::size_t Bytes>
    std::uint64_t fixed() {
        const std::byte* p = take(Bytes);
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < Bytes; ++i) v |= std::uint64_t(static_cast<unsigned char>(p[i])) << (8 * i);
        return v;
    }
    // Most varints a document holds (counts, child references, sizes of small nodes) fit in
    // one byte: that case is read inline, the rest out of line.
    std::uint64_t varint() {
        if (pos_ < end_) {
            const auto b = static_cast<std::uint8_t>(doc_[pos_]);
            if (b < 0x80) {
                ++pos_;
                return b;
            }
        }
        return varint_long();
    }
    // A varint that must be at most `max`.
    std::uint64_t varint_max(std::uint64_t max, const char* what) {
        const std::size_t at = pos_;
        const std::uint64_t v = varint();
        if (v > max) [[unlikely]] fail_above(what, v, max, at);
        return v;
    }

private:
    [[noreturn]] void fail_short(std::size_t n) const {
        fail("record ends early (" + std::to_string(n) + " bytes needed, " + std::to_string(end_ - pos_) + " left)");
    }
    [[noreturn]] void fail_above(const char* what, std::uint64_t v, std::uint64_t max, std::size_t at) const {
        fail_at(std::string(what) + " " + std::to_string(v) + " above its limit " + std::to_string(max), at);
    }
    std::uint64_t varint_long() {
        std::uint64_t v = 0;
        const std::size_t start = pos_;
        for (unsigned shift = 0;; shift += 7) {
            const std::uint8_t b = u8();
            if (shift == 63 && b > 1) fail_at("varint overflows 64 bits", start);
            v |= std::uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) {
                if (b == 0 && shift != 0) fail_at("varint not in its shortest form", start);
                return v;
            }
        }
    }

    const std::byte* doc_;
    std::size_t pos_;
    std::size_t end_;
};

inline constexpr bool little_endian_host = std::endian::native == std::endian::little;

} // namespace immutable::detail::persist
