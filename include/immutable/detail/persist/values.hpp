#pragma once
// Elements: their type signatures, encodings, and the containers nested inside them.
//
// Supported: integers, floating point, bool, enums, std::nullptr_t, std::monostate,
// std::string, std::pair, std::tuple, std::optional, std::variant, the library's own
// containers (written as a reference to their record, so a nested container shared by
// many elements or versions is written once), and user types that declare their fields
// through the one customization point, persist_fields (see persist.hpp and docs/persist.md).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include <immutable/detail/persist/state.hpp>

namespace immutable::detail::persist {

// Specialized by each engine's persistence header for its containers:
//   static void signature(sig_builder&);
//   static void scan(writer_state&, const C&);              // first pass: usage of shared nodes
//   static std::uint64_t emit(writer_state&, const C&);     // writes what is new; its record
//   static C load(loader&, std::uint64_t record, std::size_t at);
template <class C>
struct container_codec;

template <class T>
concept persisted_container = requires { container_codec<T>::is_container; };

// The customization point: a function persist_fields(T&) found by argument-dependent
// lookup, returning a std::tuple of references to the members to save (std::tie).
template <class T>
concept has_persist_fields = requires(T& t) { persist_fields(t); };

template <class T>
inline constexpr bool always_false = false;

// Builds a type signature. A user type met again inside itself (a recursive type) is written
// as a back reference "^k" to the k-th enclosing user type, so every signature is finite.
struct sig_builder {
    std::string out;
    std::vector<const void*> open;
};

template <class T>
void signature_of(sig_builder& s);

// Members separated by commas.
template <class Tuple, std::size_t... I>
void signature_of_each(sig_builder& s, std::index_sequence<I...>) {
    ((s.out += (I == 0 ? "" : ","), signature_of<std::remove_cvref_t<std::tuple_element_t<I, Tuple>>>(s)), ...);
}
template <class Variant, std::size_t... I>
void signature_of_alternatives(sig_builder& s, std::index_sequence<I...>) {
    ((s.out += (I == 0 ? "" : ","), signature_of<std::variant_alternative_t<I, Variant>>(s)), ...);
}

template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T>
struct is_tuple : std::false_type {};
template <class... A>
struct is_tuple<std::tuple<A...>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class A>
struct is_optional<std::optional<A>> : std::true_type {};
template <class T>
struct is_variant : std::false_type {};
template <class... A>
struct is_variant<std::variant<A...>> : std::true_type {};

template <class T>
using fields_of = std::remove_cvref_t<decltype(persist_fields(std::declval<T&>()))>;

template <class T>
void signature_of(sig_builder& s) {
    if constexpr (std::is_same_v<T, bool>) {
        s.out += "b";
    } else if constexpr (std::is_integral_v<T>) {
        s.out += std::is_signed_v<T> ? "i" : "u";
        s.out += std::to_string(sizeof(T) * 8);
    } else if constexpr (std::is_enum_v<T>) {
        s.out += "e";
        signature_of<std::underlying_type_t<T>>(s);
    } else if constexpr (std::is_floating_point_v<T>) {
        static_assert(sizeof(T) == 4 || sizeof(T) == 8, "immutable::persist: long double is not portable");
        s.out += sizeof(T) == 4 ? "f32" : "f64";
    } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
        s.out += "n";
    } else if constexpr (std::is_same_v<T, std::monostate>) {
        s.out += "m";
    } else if constexpr (std::is_same_v<T, std::string>) {
        s.out += "s";
    } else if constexpr (is_pair<T>::value) {
        s.out += "p(";
        signature_of<typename T::first_type>(s);
        s.out += ",";
        signature_of<typename T::second_type>(s);
        s.out += ")";
    } else if constexpr (is_tuple<T>::value) {
        s.out += "t(";
        signature_of_each<T>(s, std::make_index_sequence<std::tuple_size_v<T>>{});
        s.out += ")";
    } else if constexpr (is_optional<T>::value) {
        s.out += "o(";
        signature_of<typename T::value_type>(s);
        s.out += ")";
    } else if constexpr (is_variant<T>::value) {
        s.out += "v(";
        signature_of_alternatives<T>(s, std::make_index_sequence<std::variant_size_v<T>>{});
        s.out += ")";
    } else if constexpr (persisted_container<T>) {
        container_codec<T>::signature(s);
    } else if constexpr (has_persist_fields<T>) {
        for (std::size_t k = s.open.size(); k-- > 0;) {
            if (s.open[k] == &type_key<T>) {
                s.out += "^" + std::to_string(s.open.size() - k);
                return;
            }
        }
        s.open.push_back(&type_key<T>);
        s.out += "u(";
        signature_of_each<fields_of<T>>(s, std::make_index_sequence<std::tuple_size_v<fields_of<T>>>{});
        s.out += ")";
        s.open.pop_back();
    } else {
        static_assert(always_false<T>,
                      "immutable::persist: no encoding for this element type; declare persist_fields(T&) "
                      "(see docs/persist.md)");
    }
}

// The signature of T, built once.
template <class T>
const std::string& signature_of_type() {
    static const std::string sig = [] {
        sig_builder s;
        signature_of<T>(s);
        return std::move(s.out);
    }();
    return sig;
}

// Whether a value of T may hold a container (then its nodes need the nested passes).
template <class T>
constexpr bool may_nest();
template <class Tuple, std::size_t... I>
constexpr bool may_nest_each(std::index_sequence<I...>) {
    return (may_nest<std::remove_cvref_t<std::tuple_element_t<I, Tuple>>>() || ...);
}
template <class Variant, std::size_t... I>
constexpr bool may_nest_alternatives(std::index_sequence<I...>) {
    return (may_nest<std::variant_alternative_t<I, Variant>>() || ...);
}
template <class T>
constexpr bool may_nest() {
    if constexpr (persisted_container<T>) return true;
    else if constexpr (is_pair<T>::value) return may_nest<typename T::first_type>() || may_nest<typename T::second_type>();
    else if constexpr (is_tuple<T>::value) return may_nest_each<T>(std::make_index_sequence<std::tuple_size_v<T>>{});
    else if constexpr (is_optional<T>::value) return may_nest<typename T::value_type>();
    else if constexpr (is_variant<T>::value)
        return may_nest_alternatives<T>(std::make_index_sequence<std::variant_size_v<T>>{});
    else if constexpr (has_persist_fields<T>) return true; // may be recursive: assume it nests
    else return false;
}

// Calls f(c) for every container c directly inside value v (not inside c itself).
template <class T, class F>
void for_each_nested(const T& v, F& f) {
    if constexpr (!may_nest<T>()) {
        (void)v;
        (void)f;
    } else if constexpr (persisted_container<T>) {
        f(v);
    } else if constexpr (is_pair<T>::value) {
        for_each_nested(v.first, f);
        for_each_nested(v.second, f);
    } else if constexpr (is_tuple<T>::value) {
        std::apply([&](const auto&... x) { (for_each_nested(x, f), ...); }, v);
    } else if constexpr (is_optional<T>::value) {
        if (v) for_each_nested(*v, f);
    } else if constexpr (is_variant<T>::value) {
        // A valueless variant holds nothing; writing it is refused with its own error.
        if (!v.valueless_by_exception()) std::visit([&](const auto& x) { for_each_nested(x, f); }, v);
    } else {
        // persist_fields takes a non-const reference so that one function serves saving and
        // loading; saving only reads through it.
        auto fields = persist_fields(const_cast<T&>(v));
        std::apply([&](const auto&... x) { (for_each_nested(x, f), ...); }, fields);
    }
}

// ---- encoding ------------------------------------------------------------------------------

// The unsigned integer of an integer's or enum's width, which its bytes are written as.
template <class T>
struct unsigned_of_t {
    using type = std::make_unsigned_t<T>;
};
template <class T>
    requires std::is_enum_v<T>
struct unsigned_of_t<T> {
    using type = std::make_unsigned_t<std::underlying_type_t<T>>;
};
template <class T>
using unsigned_of = typename unsigned_of_t<T>::type;

template <class T>
inline constexpr bool is_plain_number =
    (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) || std::is_enum_v<T>;

template <class T>
void write_value(writer_state& w, std::uint64_t self, const T& v) {
    byte_sink& out = w.out;
    if constexpr (std::is_same_v<T, bool>) {
        out.u8(v ? 1 : 0);
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
        using U = unsigned_of<T>;
        out.fixed<sizeof(T)>(static_cast<U>(v));
    } else if constexpr (std::is_floating_point_v<T>) {
        if constexpr (sizeof(T) == 4) out.fixed<4>(std::bit_cast<std::uint32_t>(v));
        else out.fixed<8>(std::bit_cast<std::uint64_t>(v));
    } else if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, std::monostate>) {
        (void)v;
    } else if constexpr (std::is_same_v<T, std::string>) {
        out.varint(v.size());
        out.raw(v.data(), v.size());
    } else if constexpr (is_pair<T>::value) {
        write_value(w, self, v.first);
        write_value(w, self, v.second);
    } else if constexpr (is_tuple<T>::value) {
        std::apply([&](const auto&... x) { (write_value(w, self, x), ...); }, v);
    } else if constexpr (is_optional<T>::value) {
        out.u8(v ? 1 : 0);
        if (v) write_value(w, self, *v);
    } else if constexpr (is_variant<T>::value) {
        if (v.valueless_by_exception())
            throw std::invalid_argument("immutable::persist: cannot save a valueless std::variant");
        out.varint(v.index());
        std::visit([&](const auto& x) { write_value(w, self, x); }, v);
    } else if constexpr (persisted_container<T>) {
        // Written before the node holding it (emit_nested), so its record is known.
        w.ref(self, container_codec<T>::emit(w, v));
    } else {
        auto fields = persist_fields(const_cast<T&>(v));
        std::apply([&](const auto&... x) { (write_value(w, self, x), ...); }, fields);
    }
}

// Values whose bytes in memory are their encoding, on a little-endian machine: numbers, and
// pairs of such values with no padding (a pair's members are laid out first, then second),
// as a map<int64_t, int64_t>'s entries are.
template <class T>
constexpr bool memory_is_encoding() {
    using V = std::remove_cv_t<T>;
    if constexpr (is_plain_number<V>) {
        return true;
    } else if constexpr (is_pair<V>::value) {
        using A = typename V::first_type;
        using B = typename V::second_type;
        return memory_is_encoding<A>() && memory_is_encoding<B>() && sizeof(V) == sizeof(A) + sizeof(B);
    } else {
        return false;
    }
}

// Writes n values. Values whose memory is their encoding are written with one copy for the
// whole run.
template <class T>
void write_values(writer_state& w, std::uint64_t self, const T* p, std::size_t n) {
    if constexpr (memory_is_encoding<T>() && little_endian_host) {
        w.out.raw(p, n * sizeof(T));
    } else {
        for (std::size_t i = 0; i < n; ++i) write_value(w, self, p[i]);
    }
}

// The first pass over values: nested containers are scanned (scan) ...
template <class T>
void scan_nested(writer_state& w, const T* p, std::size_t n) {
    if constexpr (may_nest<T>()) {
        auto f = [&](const auto& c) { container_codec<std::remove_cvref_t<decltype(c)>>::scan(w, c); };
        for (std::size_t i = 0; i < n; ++i) for_each_nested(p[i], f);
    } else {
        (void)w, (void)p, (void)n;
    }
}
// ... and the second writes them before the node that refers to them.
template <class T>
void emit_nested(writer_state& w, const T* p, std::size_t n) {
    if constexpr (may_nest<T>()) {
        auto f = [&](const auto& c) { (void)container_codec<std::remove_cvref_t<decltype(c)>>::emit(w, c); };
        for (std::size_t i = 0; i < n; ++i) for_each_nested(p[i], f);
    } else {
        (void)w, (void)p, (void)n;
    }
}

// ---- decoding ------------------------------------------------------------------------------

template <class T>
T read_value(loader& l, byte_source& in, std::uint64_t self);

template <class Tuple, std::size_t... I>
Tuple read_tuple(loader& l, byte_source& in, std::uint64_t self, std::index_sequence<I...>) {
    // Braced initialization evaluates left to right.
    return Tuple{read_value<std::tuple_element_t<I, Tuple>>(l, in, self)...};
}

template <class Variant, std::size_t I = 0>
Variant read_alternative(loader& l, byte_source& in, std::uint64_t self, std::size_t index) {
    if constexpr (I + 1 < std::variant_size_v<Variant>) {
        if (index != I) return read_alternative<Variant, I + 1>(l, in, self, index);
    }
    return Variant(std::in_place_index<I>, read_value<std::variant_alternative_t<I, Variant>>(l, in, self));
}

template <class Fields, std::size_t... I>
void read_fields(loader& l, byte_source& in, std::uint64_t self, Fields& f, std::index_sequence<I...>) {
    ((std::get<I>(f) = read_value<std::remove_cvref_t<std::tuple_element_t<I, Fields>>>(l, in, self)), ...);
}

template <class T>
T read_value(loader& l, byte_source& in, std::uint64_t self) {
    if constexpr (std::is_same_v<T, bool>) {
        const std::size_t at = in.offset();
        const std::uint8_t b = in.u8();
        if (b > 1) in.fail_at("bool that is neither 0 nor 1", at);
        return b == 1;
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
        using U = unsigned_of<T>;
        return static_cast<T>(static_cast<U>(in.fixed<sizeof(T)>()));
    } else if constexpr (std::is_floating_point_v<T>) {
        if constexpr (sizeof(T) == 4) return std::bit_cast<float>(static_cast<std::uint32_t>(in.fixed<4>()));
        else return std::bit_cast<double>(in.fixed<8>());
    } else if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, std::monostate>) {
        return T{};
    } else if constexpr (std::is_same_v<T, std::string>) {
        const std::size_t n = in.varint_max(in.remaining(), "string length");
        const std::byte* p = in.take(n);
        return std::string(reinterpret_cast<const char*>(p), n);
    } else if constexpr (is_pair<T>::value) {
        auto a = read_value<typename T::first_type>(l, in, self);
        auto b = read_value<typename T::second_type>(l, in, self);
        return T(std::move(a), std::move(b));
    } else if constexpr (is_tuple<T>::value) {
        return read_tuple<T>(l, in, self, std::make_index_sequence<std::tuple_size_v<T>>{});
    } else if constexpr (is_optional<T>::value) {
        const std::size_t at = in.offset();
        const std::uint8_t b = in.u8();
        if (b > 1) in.fail_at("optional flag that is neither 0 nor 1", at);
        if (b == 0) return T{};
        return T(read_value<typename T::value_type>(l, in, self));
    } else if constexpr (is_variant<T>::value) {
        const std::size_t index = in.varint_max(std::variant_size_v<T> - 1, "variant index");
        return read_alternative<T>(l, in, self, index);
    } else if constexpr (persisted_container<T>) {
        const std::size_t at = in.offset();
        return container_codec<T>::load(l, l.ref(in, self, false), at);
    } else {
        T v{};
        auto fields = persist_fields(v);
        read_fields(l, in, self, fields, std::make_index_sequence<std::tuple_size_v<decltype(fields)>>{});
        return v;
    }
}

// Values a copy of their encoded bytes makes, so that a run of them is read with one copy:
// those whose memory is their encoding, where any bytes are a valid value (not enums, whose
// values may be restricted) and copying bytes makes the object (pairs whose copy
// constructor and destructor are trivial).
template <class T>
constexpr bool bytes_make_value() {
    using V = std::remove_cv_t<T>;
    if constexpr (is_plain_number<V>) {
        return !std::is_enum_v<V>;
    } else if constexpr (is_pair<V>::value) {
        return bytes_make_value<typename V::first_type>() && bytes_make_value<typename V::second_type>() &&
               memory_is_encoding<V>() && std::is_trivially_copy_constructible_v<V> &&
               std::is_trivially_destructible_v<V>;
    } else {
        return false;
    }
}
template <class T>
inline constexpr bool read_as_bytes = little_endian_host && bytes_make_value<T>();

// Constructs n values at dst (raw storage); on a throw, those made so far are destroyed.
template <class T>
void read_values_into(loader& l, byte_source& in, std::uint64_t self, T* dst, std::size_t n) {
    if constexpr (read_as_bytes<T>) {
        const std::byte* p = in.take(n * sizeof(T));
        if (n) std::memcpy(static_cast<void*>(dst), p, n * sizeof(T));
    } else {
        std::size_t i = 0;
        try {
            for (; i < n; ++i) ::new (static_cast<void*>(dst + i)) T(read_value<T>(l, in, self));
        } catch (...) {
            std::destroy_n(dst, i);
            throw;
        }
    }
}

// The smallest encoded size of a T, to reject counts the record cannot hold before
// allocating for them.
template <class T>
constexpr std::size_t min_encoded_size() {
    if constexpr (std::is_same_v<T, bool>) return 1;
    else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) return sizeof(T);
    else if constexpr (is_pair<T>::value)
        return min_encoded_size<typename T::first_type>() + min_encoded_size<typename T::second_type>();
    else if constexpr (std::is_same_v<T, std::string> || is_optional<T>::value || is_variant<T>::value ||
                       persisted_container<T>)
        return 1;
    else return 0;
}

} // namespace immutable::detail::persist
