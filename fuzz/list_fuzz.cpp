// libFuzzer target for immutable::list: the input bytes drive a sequence of operations
// on a pool of versions (each applied to some earlier version), mirrored on std::vector.
// After every step the result's structure and contents are checked, and at the end every
// version in the pool is checked again (persistence). tests/list_fuzz_replay_test.cpp runs
// the same body on pseudo-random inputs in every test configuration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <immutable/detail/rrb/debug.hpp>
#include <immutable/list.hpp>

namespace list_fuzz {

using list = immutable::list<int>;
using model = std::vector<int>;

class reader {
public:
    reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool done() const { return pos_ >= size_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::size_t number() { // small numbers mostly, up to a few thousand sometimes
        const std::uint8_t b = byte();
        if (b < 200) return b;
        return static_cast<std::size_t>(byte()) << 4 | (byte() & 15u);
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

inline std::string check(const list& l, const model& m) {
    std::string why = immutable::detail::rrb::invariant_checker<int, immutable::default_policy>::check(
        immutable::detail::rrb::list_access::data_of(l));
    if (!why.empty()) return why;
    if (l.size() != m.size()) return "size differs from the model";
    std::size_t i = 0;
    for (int x : l) {
        if (x != m[i]) return "element " + std::to_string(i) + " differs (iterator)";
        ++i;
    }
    for (std::size_t k = 0; k < m.size(); k += 7)
        if (l[k] != m[k]) return "element " + std::to_string(k) + " differs (index)";
    return {};
}

// Runs one input; returns an empty string, or what went wrong.
inline std::string run_one(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t pool_limit = 24;
    constexpr std::size_t size_limit = 6000;
    reader in(data, size);
    std::vector<list> versions{list{}};
    std::vector<model> models{model{}};
    int counter = 0;
    while (!in.done()) {
        const std::size_t which = in.byte() % versions.size();
        const list& src = versions[which];
        const model& m = models[which];
        const std::size_t n = m.size();
        list out;
        model next = m;
        const int v = ++counter;
        switch (in.byte() % 13) {
        case 0:
            out = src.push_back(v);
            next.push_back(v);
            break;
        case 1:
            out = src.push_front(v);
            next.insert(next.begin(), v);
            break;
        case 2:
            if (n == 0) continue;
            out = src.pop_back();
            next.pop_back();
            break;
        case 3:
            if (n == 0) continue;
            out = src.pop_front();
            next.erase(next.begin());
            break;
        case 4: {
            if (n == 0) continue;
            const std::size_t i = in.number() % n;
            out = src.set(i, v);
            next[i] = v;
            break;
        }
        case 5: {
            const std::size_t i = in.number() % (n + 1);
            out = src.insert(i, v);
            next.insert(next.begin() + static_cast<std::ptrdiff_t>(i), v);
            break;
        }
        case 6: {
            if (n == 0) continue;
            const std::size_t i = in.number() % n;
            out = src.erase(i);
            next.erase(next.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        }
        case 7: {
            const std::size_t k = in.number();
            out = src.take(k);
            if (k < n) next.resize(k);
            break;
        }
        case 8: {
            const std::size_t k = in.number();
            out = src.drop(k);
            next.erase(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(k < n ? k : n));
            break;
        }
        case 9: {
            const std::size_t other = in.byte() % versions.size();
            if (n + models[other].size() > size_limit) continue;
            out = src + versions[other];
            next.insert(next.end(), models[other].begin(), models[other].end());
            break;
        }
        case 10: {
            const std::size_t k = in.number();
            if (n + k > size_limit) continue;
            out = src;
            for (std::size_t i = 0; i < k; ++i) {
                out = out.push_back(++counter);
                next.push_back(counter);
            }
            break;
        }
        case 11: {
            auto b = src.to_builder();
            const std::size_t k = in.byte();
            for (std::size_t i = 0; i < k; ++i) {
                const std::uint8_t what = in.byte() % 3;
                if (what == 0 && !next.empty()) {
                    b.pop_back();
                    next.pop_back();
                } else if (what == 1 && !next.empty()) {
                    const std::size_t at = in.number() % next.size();
                    b.set(at, ++counter);
                    next[at] = counter;
                } else {
                    b.push_back(++counter);
                    next.push_back(counter);
                }
            }
            out = b.build();
            break;
        }
        default: {
            const std::size_t a = in.number() % (n + 1);
            const std::size_t len = in.number();
            if (len > n - a) { // past the end: must throw and change nothing
                bool threw = false;
                try {
                    (void)src.slice(a, a + len);
                } catch (const std::out_of_range&) {
                    threw = true;
                }
                if (!threw) return "slice past the end did not throw";
                continue;
            }
            out = src.slice(a, a + len);
            next = model(m.begin() + static_cast<std::ptrdiff_t>(a),
                         m.begin() + static_cast<std::ptrdiff_t>(a + len));
            break;
        }
        }
        if (std::string why = check(out, next); !why.empty()) return why;
        if (std::string why = check(versions[which], models[which]); !why.empty()) return "source changed: " + why;
        if (versions.size() < pool_limit) {
            versions.push_back(out);
            models.push_back(std::move(next));
        } else {
            const std::size_t slot = 1 + in.byte() % (pool_limit - 1);
            versions[slot] = out;
            models[slot] = std::move(next);
        }
    }
    for (std::size_t i = 0; i < versions.size(); ++i)
        if (std::string why = check(versions[i], models[i]); !why.empty()) return "version changed: " + why;
    return {};
}

} // namespace list_fuzz

#ifndef IMMUTABLE_LIST_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!list_fuzz::run_one(data, size).empty()) std::abort();
    return 0;
}
#endif
