#pragma once
// The containers of the leak soak, one model each: what a valid version looks like (an
// invariant any thread can check on any snapshot), how a writer derives the next valid
// version from any valid one with persistent operations, and how a builder changes one in a
// batch. A version that was freed and reused, torn, or changed after it was published
// breaks its invariant: elements carry a check of their own (so stale or foreign memory is
// caught element by element) and the whole version a checksum or a shape (so a missing,
// duplicated or misplaced element is caught as well).
//
// Every model has the same members:
//   using container;                          the container type, with the lane's policy
//   static container initial(rng&);           a valid version built from scratch (builder)
//   static container derive(const container&, rng&);  one persistent change, valid again
//   static container batch(const container&, rng&, int changes);  to_builder(), build()
//   static verdict verify(const container&, rng&);    full scan plus random point reads
//   static verdict broken();                  verify() of a version that breaks the invariant

#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <string>
#include <utility>

namespace immutable::soak {

constexpr std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// splitmix64: small, fast, and reproducible from a printed seed.
class rng {
public:
    explicit rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        state_ += 0x9e3779b97f4a7c15ull;
        return mix64(state_);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; } // n > 0
    std::size_t index(std::size_t n) { return static_cast<std::size_t>(below(n)); }
    bool one_in(std::uint64_t n) { return below(n) == 0; }

private:
    std::uint64_t state_;
};

// ---- self-checking element encodings ------------------------------------------------------

// A 48-bit payload and 16 check bits derived from it. Zeroed or foreign memory passes the
// check with probability 2^-16 per element, and a scan reads hundreds of elements.
constexpr std::uint64_t payload_mask = (std::uint64_t{1} << 48) - 1;
constexpr std::uint64_t check_of(std::uint64_t payload) { return mix64(payload ^ 0x5eedf00dcafe1234ull) & 0xffff; }
constexpr std::uint64_t tagged(std::uint64_t payload) {
    payload &= payload_mask;
    return (payload << 16) | check_of(payload);
}
constexpr bool tag_ok(std::uint64_t e) { return (e & 0xffff) == check_of(e >> 16); }
constexpr std::uint64_t payload_of(std::uint64_t e) { return e >> 16; }

// A map value for `key`: a 32-bit stamp (changed by every rewrite of the entry) and 32 check
// bits of (key, stamp), so a value found under the wrong key fails too.
constexpr std::uint64_t keyed(std::uint64_t key, std::uint32_t stamp) {
    return (std::uint64_t{stamp} << 32) | (mix64(key * 0x9e3779b97f4a7c15ull ^ stamp) & 0xffffffffull);
}
constexpr bool keyed_ok(std::uint64_t key, std::uint64_t v) {
    return v == keyed(key, static_cast<std::uint32_t>(v >> 32));
}

// sorted_map values are strings longer than the small-string buffer, so every entry copy
// allocates and every entry destruction frees (element lifetimes are checked by the
// sanitizers and by the RSS bound, not only nodes).
inline std::string keyed_text(std::uint64_t key, std::uint32_t stamp) {
    static constexpr char digits[] = "0123456789abcdef";
    const std::uint64_t v = keyed(key, stamp);
    std::string s = "soak-value:";
    for (int shift = 60; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xf];
    return s;
}
inline bool keyed_text_ok(std::uint64_t key, const std::string& s) {
    if (s.size() != 27 || s.compare(0, 11, "soak-value:") != 0) return false;
    std::uint64_t v = 0;
    for (std::size_t i = 11; i < s.size(); ++i) {
        const char c = s[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    return keyed_ok(key, v);
}

// A hash that spreads keys, except that one pair of neighbours in 32 shares its whole hash,
// so collision nodes are created, copied and freed too.
struct soak_hash {
    std::size_t operator()(std::uint64_t k) const noexcept {
        const bool collide = (k & 62) == 0;
        return static_cast<std::size_t>(mix64(collide ? (k & ~std::uint64_t{1}) : k));
    }
};

// What verify() found. error is a fixed string naming the broken invariant (null when the
// version is valid); fingerprint digests the contents, order-independently, so a snapshot
// checked again later must give the same one.
struct verdict {
    const char* error = nullptr;
    std::uint64_t detail = 0;
    std::uint64_t fingerprint = 0;
    explicit operator bool() const { return error == nullptr; }
};

inline verdict failed(const char* error, std::uint64_t detail) { return verdict{error, detail, 0}; }

// Sizes stay in [low, high]: deep enough for several tree levels everywhere (a list over
// 1056 elements has two levels of inner nodes), small enough that a scan stays cheap under
// ThreadSanitizer and that the live memory of all held versions stays a few megabytes.
struct size_band {
    static constexpr std::size_t low = 256;
    static constexpr std::size_t start = 640;
    static constexpr std::size_t high = 1280;
};

// Keys and sequence numbers start here, far from 0 in both directions.
constexpr std::uint64_t first_key = std::uint64_t{1} << 40;

// Whether a change should grow (true) or shrink the container, keeping it in the band.
inline bool should_grow(std::size_t n, rng& r) {
    if (n <= size_band::low) return true;
    if (n >= size_band::high) return false;
    return r.one_in(2);
}

// ---- list: tagged elements whose payloads sum to 0 (mod 2^48) ------------------------------
// Any element can absorb the difference of a change, so every operation (set, insert,
// erase, push/pop at both ends, slicing, concatenation) keeps the invariant by adjusting one
// other element.
template <class Policy>
struct list_model {
    using container = immutable::list<std::uint64_t, Policy>;
    static constexpr const char* name = "list";

    static std::uint64_t payload_sum(const container& l) {
        std::uint64_t sum = 0;
        for_each_chunk(l, [&sum](const std::uint64_t* first, const std::uint64_t* last) {
            for (; first != last; ++first) sum += payload_of(*first);
        });
        return sum;
    }

    // Adds `delta` to the payload of element j.
    static container adjust(const container& l, std::size_t j, std::uint64_t delta) {
        return l.set(j, tagged(payload_of(l[j]) + delta));
    }

    static container initial(rng& r) {
        typename container::builder b;
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i + 1 < size_band::start; ++i) {
            const std::uint64_t e = tagged(r.next());
            sum += payload_of(e);
            b.push_back(e);
        }
        b.push_back(tagged(0 - sum));
        return b.build();
    }

    static container derive(const container& l, rng& r) {
        const std::size_t n = l.size();
        const std::uint64_t fresh = tagged(r.next());
        const std::uint64_t p = payload_of(fresh);
        if (r.one_in(16)) {
            // Slicing and relaxed concatenation: drop or repeat a middle run, then rebalance.
            const std::size_t a = 1 + r.index(n - 1);
            const std::size_t run = 1 + r.index(64);
            const std::size_t b = should_grow(n, r) ? a - std::min(a, run) : std::min(n - 1, a + run);
            container c = l.take(a) + l.drop(b);
            return adjust(c, r.index(c.size()), 0 - payload_sum(c));
        }
        const bool grow = should_grow(n, r);
        switch (r.below(3)) {
        case 0: { // set
            const std::size_t i = r.index(n);
            const std::uint64_t old = payload_of(l[i]);
            container c = l.set(i, fresh);
            return adjust(c, r.index(n), old - p);
        }
        case 1:
            if (grow) {
                container c = r.one_in(2) ? l.push_back(fresh) : l.push_front(fresh);
                return adjust(c, r.index(c.size()), 0 - p);
            } else {
                const bool at_back = r.one_in(2);
                const std::uint64_t old = payload_of(at_back ? l.back() : l.front());
                container c = at_back ? l.pop_back() : l.pop_front();
                return adjust(c, r.index(c.size()), old);
            }
        default:
            if (grow) {
                container c = l.insert(r.index(n + 1), fresh);
                return adjust(c, r.index(c.size()), 0 - p);
            } else {
                const std::size_t i = r.index(n);
                const std::uint64_t old = payload_of(l[i]);
                container c = l.erase(i);
                return adjust(c, r.index(c.size()), old);
            }
        }
    }

    static container batch(const container& l, rng& r, int changes) {
        typename container::builder b = l.to_builder();
        std::uint64_t delta = 0; // payload added so far
        for (int k = 0; k < changes; ++k) {
            const std::size_t n = b.size();
            if (r.one_in(2)) {
                const std::size_t i = r.index(n);
                const std::uint64_t e = tagged(r.next());
                delta += payload_of(e) - payload_of(b[i]);
                b.set(i, e);
            } else if (should_grow(n, r)) {
                const std::uint64_t e = tagged(r.next());
                delta += payload_of(e);
                b.push_back(e);
            } else {
                delta -= payload_of(b.back());
                b.pop_back();
            }
        }
        const std::size_t j = r.index(b.size());
        b.set(j, tagged(payload_of(b[j]) - delta));
        return b.build();
    }

    static verdict verify(const container& l, rng& r) {
        const std::size_t n = l.size();
        if (n < 2) return failed("list: fewer than 2 elements", n);
        const std::size_t probe = r.index(n);
        std::uint64_t sum = 0, fingerprint = 0, at_probe = 0;
        std::size_t i = 0;
        for (std::uint64_t e : l) {
            if (!tag_ok(e)) return failed("list: element fails its check (iterator)", i);
            if (i == probe) at_probe = e;
            sum += payload_of(e);
            fingerprint += mix64(e);
            ++i;
        }
        if (i != n) return failed("list: iteration length differs from size()", i);
        if ((sum & payload_mask) != 0) return failed("list: payload sum is not 0", sum & payload_mask);
        if (l[probe] != at_probe || l.at(probe) != at_probe) return failed("list: operator[] differs from iteration", probe);
        if (l.back() != l[n - 1] || l.front() != l[0]) return failed("list: front/back differ from indexing", n);
        std::uint64_t chunked = 0;
        for_each_chunk(l, [&chunked](const std::uint64_t* first, const std::uint64_t* last) {
            for (; first != last; ++first) chunked += mix64(*first);
        });
        if (chunked != fingerprint) return failed("list: for_each_chunk differs from iteration", n);
        return verdict{nullptr, 0, fingerprint ^ n};
    }

    static verdict broken() {
        rng r(1);
        container l = initial(r);
        return verify(adjust(l, 3, 1), r);
    }
};

// ---- queue: a window of consecutive sequence numbers, oldest first -------------------------
template <class Policy>
struct queue_model {
    using container = immutable::queue<std::uint64_t, Policy>;
    static constexpr const char* name = "queue";

    static container initial(rng&) {
        typename container::builder b;
        for (std::size_t i = 0; i < size_band::start; ++i) b.push(tagged(first_key + i));
        return b.build();
    }

    static container derive(const container& q, rng& r) {
        const std::uint64_t next = tagged(payload_of(q.back()) + 1);
        if (r.one_in(32)) return container(q.push(next).to_list()); // through a list and back
        switch (r.below(3)) {
        case 0:
            return q.push(next).pop();
        case 1:
            return should_grow(q.size(), r) ? q.push(next) : q.pop();
        default:
            return should_grow(q.size(), r) ? q.push(next).push(tagged(payload_of(next) + 1)) : q.pop().pop();
        }
    }

    static container batch(const container& q, rng& r, int changes) {
        typename container::builder b = q.to_builder();
        for (int k = 0; k < changes; ++k) {
            if (should_grow(b.size(), r)) {
                b.push(tagged(payload_of(b.back()) + 1));
            } else {
                b.pop();
            }
        }
        return b.build();
    }

    static verdict verify(const container& q, rng& r) {
        const std::size_t n = q.size();
        if (n == 0) return failed("queue: empty", 0);
        const std::uint64_t first = payload_of(q.front());
        std::uint64_t fingerprint = 0;
        std::size_t i = 0;
        for (std::uint64_t e : q) {
            if (!tag_ok(e)) return failed("queue: element fails its check", i);
            if (payload_of(e) != first + i) return failed("queue: elements are not consecutive", i);
            fingerprint += mix64(e);
            ++i;
        }
        if (i != n) return failed("queue: iteration length differs from size()", i);
        if (payload_of(q.back()) != first + n - 1) return failed("queue: back() is not the newest", n);
        const std::size_t probe = r.index(n);
        if (payload_of(q.at(probe)) != first + probe || q[probe] != q.at(probe))
            return failed("queue: at() differs from iteration", probe);
        std::size_t chunked = 0;
        for_each_chunk(q, [&chunked](const std::uint64_t* a, const std::uint64_t* b) {
            chunked += static_cast<std::size_t>(b - a);
        });
        if (chunked != n) return failed("queue: for_each_chunk length differs from size()", chunked);
        return verdict{nullptr, 0, fingerprint ^ n};
    }

    static verdict broken() {
        rng r(1);
        container q = initial(r).push(tagged(first_key + 5 * size_band::start));
        return verify(q, r);
    }
};

// ---- interval containers: keys (or elements) are exactly [lo, lo + size) --------------------

// The smallest present key of an interval container whose size is n and that holds `any`:
// lo lies in [any - n + 1, any], present(x) is false below lo and true from lo on.
template <class Present>
std::uint64_t interval_low(std::uint64_t any, std::size_t n, Present present) {
    std::uint64_t a = any - (n - 1), b = any; // lo in [a, b]
    while (a < b) {
        const std::uint64_t mid = a + (b - a) / 2;
        if (present(mid)) {
            b = mid;
        } else {
            a = mid + 1;
        }
    }
    return a;
}

// The next window: add at the top, remove at the bottom, or both; `lo` and `n` describe
// the current one. Writes the keys to add and to remove.
struct window_change {
    std::uint64_t add[2];
    int adds = 0;
    std::uint64_t remove[2];
    int removes = 0;
};

inline window_change next_window(std::uint64_t lo, std::size_t n, rng& r) {
    window_change w;
    const std::uint64_t hi = lo + n;
    switch (r.below(3)) {
    case 0: // slide
        w.add[w.adds++] = hi;
        w.remove[w.removes++] = lo;
        break;
    case 1:
        if (should_grow(n, r)) {
            w.add[w.adds++] = r.one_in(4) ? lo - 1 : hi;
        } else {
            w.remove[w.removes++] = r.one_in(4) ? hi - 1 : lo;
        }
        break;
    default:
        if (should_grow(n, r)) {
            w.add[w.adds++] = hi;
            w.add[w.adds++] = hi + 1;
        } else {
            w.remove[w.removes++] = lo;
            w.remove[w.removes++] = lo + 1;
        }
        break;
    }
    return w;
}

// Checks the keys seen by a scan: n distinct keys in [lo, lo + n) sum to a known value.
struct interval_scan {
    std::uint64_t min = ~std::uint64_t{0}, max = 0, sum = 0, fingerprint = 0;
    std::size_t count = 0;
    void add(std::uint64_t key, std::uint64_t digest) {
        min = key < min ? key : min;
        max = key > max ? key : max;
        sum += key;
        fingerprint += digest;
        ++count;
    }
    const char* check(std::size_t n) const {
        if (count != n) return "iteration length differs from size()";
        if (n == 0) return nullptr;
        if (max - min != n - 1) return "keys do not form one interval";
        const std::uint64_t m = n;
        if (sum != m * min + m * (m - 1) / 2) return "keys are not distinct or not the interval";
        return nullptr;
    }
};

// ---- map: keys [lo, lo + n), each value a stamp checked against its key ----------------------
template <class Policy>
struct map_model {
    using container = immutable::map<std::uint64_t, std::uint64_t, soak_hash, std::equal_to<std::uint64_t>, Policy>;
    static constexpr const char* name = "map";

    static std::uint32_t stamp(rng& r) { return static_cast<std::uint32_t>(r.next()); }

    static std::uint64_t low_key(const container& m) {
        return interval_low(m.begin()->first, m.size(), [&m](std::uint64_t k) { return m.contains(k); });
    }

    static container initial(rng& r) {
        typename container::builder b;
        for (std::size_t i = 0; i < size_band::start; ++i) b.set(first_key + i, keyed(first_key + i, stamp(r)));
        return b.build();
    }

    static container derive(const container& m, rng& r) {
        const std::size_t n = m.size();
        const std::uint64_t lo = low_key(m);
        if (r.one_in(3)) { // rewrite one entry's value
            const std::uint64_t k = lo + r.below(n);
            const std::uint32_t s = stamp(r);
            if (r.one_in(2)) return m.set(k, keyed(k, s));
            return m.update(k, [k, s](std::uint64_t) { return keyed(k, s); });
        }
        if (r.one_in(16)) return m.erase(lo + n); // absent: the same version back
        const window_change w = next_window(lo, n, r);
        container c = m;
        for (int i = 0; i < w.adds; ++i) {
            c = r.one_in(2) ? c.set(w.add[i], keyed(w.add[i], stamp(r)))
                            : c.insert({w.add[i], keyed(w.add[i], stamp(r))});
        }
        for (int i = 0; i < w.removes; ++i) c = c.erase(w.remove[i]);
        return c;
    }

    static container batch(const container& m, rng& r, int changes) {
        std::uint64_t lo = low_key(m);
        typename container::builder b = m.to_builder();
        for (int k = 0; k < changes; ++k) {
            const std::size_t n = b.size();
            if (r.one_in(3)) {
                const std::uint64_t key = lo + r.below(n);
                b.set(key, keyed(key, stamp(r)));
            } else if (should_grow(n, r)) {
                b.set(lo + n, keyed(lo + n, stamp(r)));
            } else {
                b.erase(lo++);
            }
        }
        return b.build();
    }

    static verdict verify(const container& m, rng& r) {
        const std::size_t n = m.size();
        if (n == 0) return failed("map: empty", 0);
        interval_scan scan;
        for (const auto& [k, v] : m) {
            if (!keyed_ok(k, v)) return failed("map: value fails its key's check", k);
            scan.add(k, mix64(k ^ v));
        }
        if (const char* e = scan.check(n)) return failed(e, scan.count);
        const std::uint64_t probe = scan.min + r.below(n);
        const std::uint64_t* v = m.find(probe);
        if (v == nullptr || !keyed_ok(probe, *v) || m.at(probe) != *v) return failed("map: find() misses a key", probe);
        if (m.contains(scan.min - 1) || m.contains(scan.max + 1) || m.find(scan.max + 1) != nullptr)
            return failed("map: finds a key outside the interval", scan.max);
        return verdict{nullptr, 0, scan.fingerprint ^ n};
    }

    static verdict broken() {
        rng r(1);
        container m = initial(r);
        return verify(m.set(first_key + 7, keyed(first_key + 8, 1)), r);
    }
};

// ---- set: the tagged sequence numbers [lo, lo + n) --------------------------------------------
template <class Policy>
struct set_model {
    using container = immutable::set<std::uint64_t, soak_hash, std::equal_to<std::uint64_t>, Policy>;
    static constexpr const char* name = "set";

    static std::uint64_t low_seq(const container& s) {
        return interval_low(payload_of(*s.begin()), s.size(),
                            [&s](std::uint64_t q) { return s.contains(tagged(q)); });
    }

    static container initial(rng&) {
        typename container::builder b;
        for (std::size_t i = 0; i < size_band::start; ++i) b.insert(tagged(first_key + i));
        return b.build();
    }

    static container derive(const container& s, rng& r) {
        const std::size_t n = s.size();
        const std::uint64_t lo = low_seq(s);
        if (r.one_in(16)) return r.one_in(2) ? s.insert(tagged(lo)) : s.erase(tagged(lo + n)); // no-ops
        if (r.one_in(16)) { // algebra: union with the next few, difference with the first few
            typename container::builder up, down;
            for (std::uint64_t q = lo + n; q < lo + n + 4; ++q) up.insert(tagged(q));
            for (std::uint64_t q = lo; q < lo + 4; ++q) down.insert(tagged(q));
            return (s | up.build()) - down.build();
        }
        const window_change w = next_window(lo, n, r);
        container c = s;
        for (int i = 0; i < w.adds; ++i) c = c.insert(tagged(w.add[i]));
        for (int i = 0; i < w.removes; ++i) c = c.erase(tagged(w.remove[i]));
        return c;
    }

    static container batch(const container& s, rng& r, int changes) {
        std::uint64_t lo = low_seq(s);
        typename container::builder b = s.to_builder();
        for (int k = 0; k < changes; ++k) {
            const std::size_t n = b.size();
            if (should_grow(n, r)) {
                b.insert(tagged(lo + n));
            } else {
                b.erase(tagged(lo++));
            }
        }
        return b.build();
    }

    static verdict verify(const container& s, rng& r) {
        const std::size_t n = s.size();
        if (n == 0) return failed("set: empty", 0);
        interval_scan scan;
        for (std::uint64_t e : s) {
            if (!tag_ok(e)) return failed("set: element fails its check", e);
            scan.add(payload_of(e), mix64(e));
        }
        if (const char* e = scan.check(n)) return failed(e, scan.count);
        const std::uint64_t probe = tagged(scan.min + r.below(n));
        const std::uint64_t* found = s.find(probe);
        if (found == nullptr || *found != probe) return failed("set: find() misses an element", probe);
        if (s.contains(tagged(scan.min - 1)) || s.contains(tagged(scan.max + 1)))
            return failed("set: finds an element outside the interval", scan.max);
        return verdict{nullptr, 0, scan.fingerprint ^ n};
    }

    static verdict broken() {
        rng r(1);
        return verify(initial(r).erase(tagged(first_key + 9)).insert(tagged(first_key + 5 * size_band::start)), r);
    }
};

// ---- sorted_map: keys [lo, lo + n) in order, string values checked against their key --------
template <class Policy>
struct sorted_map_model {
    using container = immutable::sorted_map<std::uint64_t, std::string, std::less<std::uint64_t>, Policy>;
    static constexpr const char* name = "sorted_map";

    static std::uint32_t stamp(rng& r) { return static_cast<std::uint32_t>(r.next()); }

    static container initial(rng& r) {
        typename container::builder b;
        for (std::size_t i = 0; i < size_band::start; ++i) b.set(first_key + i, keyed_text(first_key + i, stamp(r)));
        return b.build();
    }

    static container derive(const container& m, rng& r) {
        const std::size_t n = m.size();
        const std::uint64_t lo = m.front().first;
        if (r.one_in(3)) {
            const std::uint64_t k = lo + r.below(n);
            const std::uint32_t s = stamp(r);
            if (r.one_in(2)) return m.set(k, keyed_text(k, s));
            return m.update(k, [k, s](const std::string&) { return keyed_text(k, s); });
        }
        if (r.one_in(16)) return m.erase(lo - 1); // absent: the same version back
        const window_change w = next_window(lo, n, r);
        container c = m;
        for (int i = 0; i < w.adds; ++i) c = c.set(w.add[i], keyed_text(w.add[i], stamp(r)));
        for (int i = 0; i < w.removes; ++i) c = c.erase(w.remove[i]);
        return c;
    }

    static container batch(const container& m, rng& r, int changes) {
        typename container::builder b = m.to_builder();
        std::uint64_t lo = m.front().first;
        for (int k = 0; k < changes; ++k) {
            const std::size_t n = b.size();
            if (r.one_in(3)) {
                const std::uint64_t key = lo + r.below(n);
                b.set(key, keyed_text(key, stamp(r)));
            } else if (should_grow(n, r)) {
                b.set(lo + n, keyed_text(lo + n, stamp(r)));
            } else {
                b.erase(lo++);
            }
        }
        return b.build();
    }

    static verdict verify(const container& m, rng& r) {
        const std::size_t n = m.size();
        if (n == 0) return failed("sorted_map: empty", 0);
        const std::uint64_t lo = m.front().first;
        std::uint64_t fingerprint = 0;
        std::size_t i = 0;
        for (const auto& [k, v] : m) {
            if (k != lo + i) return failed("sorted_map: keys are not the interval in order", i);
            if (!keyed_text_ok(k, v)) return failed("sorted_map: value fails its key's check", k);
            fingerprint += mix64(k) ^ std::hash<std::string>{}(v);
            ++i;
        }
        if (i != n) return failed("sorted_map: iteration length differs from size()", i);
        if (m.back().first != lo + n - 1 || std::prev(m.end())->first != lo + n - 1)
            return failed("sorted_map: back() is not the last key", n);
        const std::size_t probe = r.index(n);
        const std::uint64_t key = lo + probe;
        if (m.nth(probe).first != key || m.rank(key) != probe) return failed("sorted_map: nth/rank disagree", probe);
        if (m.lower_bound(key)->first != key || m.find(key) == nullptr || !keyed_text_ok(key, m.at(key)))
            return failed("sorted_map: lookup misses a key", key);
        const std::size_t width = r.index(n - probe + 1);
        if (static_cast<std::size_t>(std::distance(m.lower_bound(key), m.upper_bound(key + width - 1))) != width)
            return failed("sorted_map: lower_bound/upper_bound span the wrong length", width);
        if (m.contains(lo - 1) || m.contains(lo + n)) return failed("sorted_map: finds a key outside the interval", lo);
        return verdict{nullptr, 0, fingerprint ^ n};
    }

    static verdict broken() {
        rng r(1);
        return verify(initial(r).set(first_key + 3, keyed_text(first_key + 4, 1)), r);
    }
};

// ---- sorted_set: the tagged sequence numbers [lo, lo + n) in order ----------------------------
template <class Policy>
struct sorted_set_model {
    using container = immutable::sorted_set<std::uint64_t, std::less<std::uint64_t>, Policy>;
    static constexpr const char* name = "sorted_set";

    static container run_of(std::uint64_t from, std::uint64_t to) {
        typename container::builder b;
        for (std::uint64_t q = from; q < to; ++q) b.insert(tagged(q));
        return b.build();
    }

    static container initial(rng&) { return run_of(first_key, first_key + size_band::start); }

    static container derive(const container& s, rng& r) {
        const std::size_t n = s.size();
        const std::uint64_t lo = payload_of(s.front());
        const std::uint64_t hi = lo + n;
        if (r.one_in(8)) { // algebra: union with the next run, difference with the first run
            const std::uint64_t k = 1 + r.below(32);
            if (should_grow(n, r)) return s | run_of(hi, hi + k);
            return r.one_in(2) ? s - run_of(lo, lo + k) : s & run_of(lo + k, hi + k);
        }
        const window_change w = next_window(lo, n, r);
        container c = s;
        for (int i = 0; i < w.adds; ++i) c = c.insert(tagged(w.add[i]));
        for (int i = 0; i < w.removes; ++i) c = c.erase(tagged(w.remove[i]));
        return c;
    }

    static container batch(const container& s, rng& r, int changes) {
        typename container::builder b = s.to_builder();
        std::uint64_t lo = payload_of(s.front());
        for (int k = 0; k < changes; ++k) {
            const std::size_t n = b.size();
            if (should_grow(n, r)) {
                b.insert(tagged(lo + n));
            } else {
                b.erase(tagged(lo++));
            }
        }
        return b.build();
    }

    static verdict verify(const container& s, rng& r) {
        const std::size_t n = s.size();
        if (n == 0) return failed("sorted_set: empty", 0);
        const std::uint64_t lo = payload_of(s.front());
        std::uint64_t fingerprint = 0;
        std::size_t i = 0;
        for (std::uint64_t e : s) {
            if (!tag_ok(e)) return failed("sorted_set: element fails its check", i);
            if (payload_of(e) != lo + i) return failed("sorted_set: elements are not the interval in order", i);
            fingerprint += mix64(e);
            ++i;
        }
        if (i != n) return failed("sorted_set: iteration length differs from size()", i);
        if (payload_of(s.back()) != lo + n - 1 || payload_of(*s.rbegin()) != lo + n - 1)
            return failed("sorted_set: back() is not the last element", n);
        const std::size_t probe = r.index(n);
        const std::uint64_t e = tagged(lo + probe);
        if (s.nth(probe) != e || s.rank(e) != probe) return failed("sorted_set: nth/rank disagree", probe);
        if (*s.lower_bound(e) != e || s.find(e) == nullptr) return failed("sorted_set: lookup misses an element", e);
        if (s.contains(tagged(lo - 1)) || s.contains(tagged(lo + n)))
            return failed("sorted_set: finds an element outside the interval", lo);
        return verdict{nullptr, 0, fingerprint ^ n};
    }

    static verdict broken() {
        rng r(1);
        return verify(initial(r).erase(tagged(first_key + 11)), r);
    }
};

} // namespace immutable::soak
