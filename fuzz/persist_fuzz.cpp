// libFuzzer target for immutable::persist: the input is a document (after one mode byte),
// loaded as every container type of the seed documents (fuzz/corpus/persist_fuzz/). Every load
// must either throw persist::format_error or give containers whose invariants hold; a
// crash, a leak, a sanitizer report or another exception is a bug. With mode bit 0 set, the
// length field and the checksum are recomputed first, so that mutations reach the node
// checks instead of stopping at the checksum, as a crafted document would.
// tests/persist_fuzz_replay_test.cpp runs the same body on the committed corpus and on
// mutations of it in every test configuration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <immutable/detail/btree/check.hpp>
#include <immutable/detail/champ/invariants.hpp>
#include <immutable/detail/queue/debug.hpp>
#include <immutable/detail/rrb/debug.hpp>
#include <immutable/persist.hpp>

namespace persist_fuzz {

using namespace immutable;

using int_list = list<int>;
using string_map = map<std::string, list<int>>;
using int_set = set<std::int64_t>;
using int_sorted_map = sorted_map<int, std::string>;
using string_sorted_set = sorted_set<std::string>;
using pair_queue = queue<std::pair<int, bool>>;
using mixed_list = list<std::variant<std::int64_t, std::string, list<int>, sorted_set<std::string>>>;

template <class T, class P>
std::string invariants(const list<T, P>& l) {
    return detail::rrb::invariant_checker<T, P>::check(detail::rrb::list_access::data_of(l));
}
template <class C>
    requires requires(const C& c) { detail::champ::check_invariants(c); }
std::string invariants(const C& c) {
    return detail::champ::check_invariants(c);
}
template <class K, class V, class C, class P>
std::string invariants(const sorted_map<K, V, C, P>& m) {
    return detail::btree::check_invariants(m);
}
template <class T, class C, class P>
std::string invariants(const sorted_set<T, C, P>& s) {
    return detail::btree::check_invariants(s);
}
template <class T, class P>
std::string invariants(const queue<T, P>& q) {
    return detail::queue::invariant_checker<T, P>::check(q, false);
}

// Loads id as C; "" when it loads well-formed or is rejected with format_error.
template <class C>
std::string try_load(persist::reader& r, std::uint64_t id) {
    try {
        const C c = r.load<C>(id);
        std::string why = invariants(c);
        if (!why.empty()) return "loaded a broken container: " + why;
        std::size_t n = 0;
        for (auto it = c.begin(); it != c.end(); ++it) ++n;
        if (n != c.size()) return "iteration disagrees with size()";
    } catch (const persist::format_error&) {
    }
    return {};
}

// Puts the right length and checksum into a document.
inline void reseal(std::vector<std::byte>& doc) {
    if (doc.size() < detail::persist::header_bytes + detail::persist::trailer_bytes) return;
    const std::uint64_t n = doc.size();
    for (int i = 0; i < 8; ++i) doc[16 + i] = static_cast<std::byte>(n >> (8 * i));
    const std::size_t body = doc.size() - detail::persist::trailer_bytes;
    const std::uint32_t crc = detail::persist::crc32c(doc.data(), body);
    for (int i = 0; i < 4; ++i) doc[body + i] = static_cast<std::byte>(crc >> (8 * i));
}

inline std::string run_one(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return {};
    const bool resealed = (data[0] & 1) != 0;
    std::vector<std::byte> doc(size - 1);
    for (std::size_t i = 1; i < size; ++i) doc[i - 1] = static_cast<std::byte>(data[i]);
    if (resealed) reseal(doc);
    try {
        persist::reader r{std::span<const std::byte>(doc)};
        const std::uint64_t count = r.count() < 12 ? r.count() : 12;
        for (std::uint64_t id = 0; id < count; ++id) {
            for (std::string why : {try_load<int_list>(r, id), try_load<string_map>(r, id), try_load<int_set>(r, id),
                                    try_load<int_sorted_map>(r, id), try_load<string_sorted_set>(r, id),
                                    try_load<pair_queue>(r, id), try_load<mixed_list>(r, id)})
                if (!why.empty()) return why;
        }
    } catch (const persist::format_error&) {
    }
    return {};
}

// The seed documents the committed corpus holds (mode byte 1 first: resealed).
inline std::vector<std::vector<std::byte>> seeds() {
    std::vector<std::vector<std::byte>> out;
    auto add = [&](auto&&... containers) {
        persist::writer w;
        (w.add(containers), ...);
        out.push_back(w.bytes());
    };
    int_list l;
    for (int i = 0; i < 70; ++i) l = l.push_back(i);
    add(l, l.set(40, -1), l.take(20) + l.drop(3));
    string_map m;
    for (int i = 0; i < 12; ++i) m = m.set(std::to_string(i), l.take(i));
    add(m, m.erase("3"));
    int_set s;
    for (std::int64_t i = 0; i < 40; ++i) s = s.insert(i * 977);
    add(s);
    int_sorted_map sm;
    for (int i = 0; i < 90; ++i) sm = sm.set(i, std::string(i % 3, 'z'));
    add(sm, sm.erase(5));
    string_sorted_set ss;
    for (int i = 0; i < 50; ++i) ss = ss.insert(std::to_string(i));
    add(ss);
    pair_queue q;
    for (int i = 0; i < 40; ++i) q = q.push({i, i % 3 == 0});
    add(q, q.pop());
    add(mixed_list{std::int64_t{5}, std::string("x"), l.take(3), ss});
    add();
    return out;
}

} // namespace persist_fuzz

#ifndef IMMUTABLE_PERSIST_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!persist_fuzz::run_one(data, size).empty()) std::abort();
    return 0;
}
#endif
