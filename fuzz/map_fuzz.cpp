// libFuzzer target: the input bytes are a program of map/set operations, run against
// immutable::map / immutable::set and std::unordered_map / std::unordered_set, with the
// invariant checker after every step. A weak hash (8 distinct values) makes collision
// nodes and long single-child chains common. tests/map_fuzz_replay_test.cpp runs the same
// body on pseudo-random inputs in every test configuration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <immutable/detail/champ/invariants.hpp>
#include <immutable/map.hpp>
#include <immutable/set.hpp>

namespace map_fuzz {

struct weak_hash {
    std::size_t operator()(std::uint16_t k) const noexcept { return k % 8u; }
};

using fmap = immutable::map<std::uint16_t, std::uint8_t, weak_hash>;
using fset = immutable::set<std::uint16_t>;

// Runs one input; returns an empty string, or what went wrong.
inline std::string run_one(const std::uint8_t* data, std::size_t size) {
    std::vector<fmap> maps{fmap{}};
    std::vector<std::unordered_map<std::uint16_t, std::uint8_t>> map_models{{}};
    std::vector<fset> sets{fset{}};
    std::vector<std::unordered_set<std::uint16_t>> set_models{{}};
    fmap::builder builder;
    std::unordered_map<std::uint16_t, std::uint8_t> builder_model;
    for (std::size_t i = 0; i + 3 < size; i += 4) {
        std::uint8_t op = data[i];
        auto key = static_cast<std::uint16_t>(data[i + 1] | (data[i + 2] & 0x3) << 8);
        std::uint8_t value = data[i + 3];
        std::size_t from = value % maps.size();
        switch (op % 8) {
        case 0: {
            auto model = map_models[from];
            model[key] = value;
            maps.push_back(maps[from].set(key, value));
            map_models.push_back(model);
            break;
        }
        case 1: {
            auto model = map_models[from];
            model.erase(key);
            maps.push_back(maps[from].erase(key));
            map_models.push_back(model);
            break;
        }
        case 2:
            builder.set(key, value);
            builder_model[key] = value;
            break;
        case 3:
            builder.erase(key);
            builder_model.erase(key);
            maps.push_back(builder.build());
            map_models.push_back(builder_model);
            break;
        case 4: {
            auto model = set_models[value % sets.size()];
            model.insert(key);
            sets.push_back(sets[value % sets.size()].insert(key));
            set_models.push_back(model);
            break;
        }
        default: { // algebra between two earlier sets
            const fset& a = sets[value % sets.size()];
            const fset& b = sets[key % sets.size()];
            const auto& ma = set_models[value % sets.size()];
            const auto& mb = set_models[key % sets.size()];
            std::unordered_set<std::uint16_t> out;
            fset r;
            if (op % 8 == 5) {
                r = a | b;
                out = ma;
                out.insert(mb.begin(), mb.end());
            } else if (op % 8 == 6) {
                r = a & b;
                for (auto v : ma) {
                    if (mb.count(v)) out.insert(v);
                }
            } else {
                r = a - b;
                for (auto v : ma) {
                    if (!mb.count(v)) out.insert(v);
                }
            }
            sets.push_back(r);
            set_models.push_back(out);
            break;
        }
        }
        if (std::string why = immutable::detail::champ::check_invariants(maps.back()); !why.empty()) {
            return "map after op " + std::to_string(i / 4) + ": " + why;
        }
        if (std::string why = immutable::detail::champ::check_invariants(sets.back()); !why.empty()) {
            return "set after op " + std::to_string(i / 4) + ": " + why;
        }
        if (maps.back().size() != map_models.back().size()) return "map size differs from the model";
        if (builder.size() != builder_model.size()) return "builder size differs from the model";
    }
    // Persistence: every version still holds exactly what its model says.
    for (std::size_t v = 0; v < maps.size(); ++v) {
        if (maps[v].size() != map_models[v].size()) return "map version " + std::to_string(v) + " size changed";
        for (const auto& [k, val] : map_models[v]) {
            const std::uint8_t* found = maps[v].find(k);
            if (found == nullptr || *found != val) return "map version " + std::to_string(v) + " lost a key";
        }
    }
    for (std::size_t v = 0; v < sets.size(); ++v) {
        if (sets[v].size() != set_models[v].size()) return "set version " + std::to_string(v) + " size changed";
        for (auto k : set_models[v]) {
            if (!sets[v].contains(k)) return "set version " + std::to_string(v) + " lost a key";
        }
    }
    for (const auto& [k, val] : builder_model) {
        const std::uint8_t* found = builder.find(k);
        if (found == nullptr || *found != val) return "builder lost a key";
    }
    return {};
}

} // namespace map_fuzz

#ifndef IMMUTABLE_MAP_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!map_fuzz::run_one(data, size).empty()) std::abort();
    return 0;
}
#endif
