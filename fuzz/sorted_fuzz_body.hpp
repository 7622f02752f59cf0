#pragma once
// The body of the sorted_map / sorted_set fuzz target (fuzz/sorted_fuzz.cpp), shared with
// the unit test that replays deterministic inputs through it (tests/sorted_fuzz_replay_test.cpp).
//
// The input drives a sequence of operations (changes, queries, builders, set and map
// algebra, cuts by key and rank, diff) on three containers: a sorted_map with small
// nodes (fat keys) and a fuzzer-chosen comparator, a sorted_set of fat elements with the
// same comparator, and a sorted_map<int, int> with std::less (the branch-free search). The
// comparator is one of: a strict weak order (so the std::map / std::set models must agree),
// its reverse, an order with equivalence classes, a comparator that throws after some calls,
// and three that are not orders at all (random answers, a non-transitive cycle, always
// true). Whatever the comparator, nothing may crash, leak or corrupt memory: the structural
// invariants (levels, fill, subtree sizes) are checked after every step, iteration must
// visit exactly size() entries both ways, and every node must be freed at the end.
// Allocation failures can be injected too.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <immutable/detail/btree/check.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include "../tests/support/failing_policy.hpp"

namespace sorted_fuzz {

// Nodes from the heap with plain counts, counted by immutable::counted; the k-th
// allocation can be made to fail.
struct fuzz_nodes;
using failing_policy = immutable::test::basic_failing_heap_policy<immutable::detail::plain_refcount, fuzz_nodes>;
using fuzz_policy = immutable::counted<failing_policy, fuzz_nodes>;

struct comparator_failure : std::runtime_error {
    comparator_failure() : std::runtime_error("fuzz comparator gave up") {}
};

enum class mode : std::uint8_t { less, greater, classes, throwing, random, cycle, always_true, count };

struct compare_state {
    mode m = mode::less;
    std::uint64_t rng = 1;
    std::int64_t throw_countdown = -1;
};

struct fuzz_compare {
    compare_state* st = nullptr;
    bool operator()(int a, int b) const {
        switch (st->m) {
        case mode::less: return a < b;
        case mode::greater: return a > b;
        case mode::classes: return (a & ~7) < (b & ~7);
        case mode::throwing:
            if (st->throw_countdown >= 0 && st->throw_countdown-- == 0) throw comparator_failure();
            return a < b;
        case mode::random:
            st->rng = st->rng * 6364136223846793005ull + 1442695040888963407ull;
            return (st->rng >> 33) & 1;
        case mode::cycle: return ((a - b) % 3 + 3) % 3 == 1;
        case mode::always_true: return true;
        default: return a < b;
        }
    }
    bool consistent() const { return st->m == mode::less || st->m == mode::greater || st->m == mode::classes || st->m == mode::throwing; }
};

// Elements big enough that leaves hold 4 entries: deep trees from short inputs.
struct fat_int {
    int v = 0;
    char pad[124] = {};
    fat_int() = default;
    explicit fat_int(int x) : v(x) {}
    friend bool operator==(const fat_int& a, const fat_int& b) { return a.v == b.v; }
};

struct fat_compare {
    fuzz_compare inner;
    bool operator()(const fat_int& a, const fat_int& b) const { return inner(a.v, b.v); }
};

using fat_map = immutable::sorted_map<fat_int, int, fat_compare, fuzz_policy>;
using fat_set = immutable::sorted_set<fat_int, fat_compare, fuzz_policy>;
using int_map = immutable::sorted_map<int, int, std::less<int>, fuzz_policy>;

// Reads the input byte by byte; zeros once it runs out.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool done() const { return pos_ >= size_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    int key() { return static_cast<int>(byte()) - 16; } // a few negatives, many collisions
    int wide_key() { return (static_cast<int>(byte()) << 4) | (byte() & 15); }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

class runner {
public:
    explicit runner(compare_state& st) : st_(st), cmp_{&st}, fcmp_{cmp_}, map_(fcmp_), set_(fcmp_), imodel_() {}

    // Empty when all is well, else what went wrong.
    std::string run(input& in) {
        int steps = 0;
        while (!in.done() && error_.empty() && steps++ < 400) step(in);
        if (error_.empty()) final_checks();
        return error_;
    }

private:
    using map_model = std::map<int, int, fuzz_compare>;
    using set_model = std::set<int, fuzz_compare>;

    void fail(const std::string& what) {
        if (error_.empty()) error_ = what;
    }

    bool consistent() const { return cmp_.consistent(); }

    template <class C>
    void check_structure(const C& c, const char* what) {
        const std::string e = immutable::detail::btree::check_invariants(c, consistent() && st_.throw_countdown < 0);
        if (!e.empty()) return fail(std::string(what) + ": " + e);
        std::size_t n = 0;
        for (auto it = c.begin(); it != c.end() && n <= c.size(); ++it) ++n;
        if (n != c.size()) return fail(std::string(what) + ": forward iteration count differs from size");
        n = 0;
        for (auto it = c.rbegin(); it != c.rend() && n <= c.size(); ++it) ++n;
        if (n != c.size()) return fail(std::string(what) + ": backward iteration count differs from size");
        if (!c.empty()) {
            (void)c.nth(c.size() - 1);
            (void)c.front();
            (void)c.back();
        }
    }

    void check_map_model() {
        if (!consistent()) return;
        if (map_.size() != mmodel_.size()) return fail("map size differs from model");
        auto it = mmodel_.begin();
        for (const auto& [k, v] : map_) {
            if (it == mmodel_.end() || it->first != k.v || it->second != v) return fail("map differs from model");
            ++it;
        }
        if (set_.size() != smodel_.size()) return fail("set size differs from model");
        auto sit = smodel_.begin();
        for (const auto& x : set_) {
            if (sit == smodel_.end() || *sit != x.v) return fail("set differs from model");
            ++sit;
        }
    }

    void check_int_model() {
        if (imap_.size() != imodel_.size()) return fail("int map size differs from model");
        auto it = imodel_.begin();
        for (const auto& [k, v] : imap_) {
            if (it == imodel_.end() || it->first != k || it->second != v) return fail("int map differs from model");
            ++it;
        }
    }

    // Runs f; an injected allocation failure or comparator throw must leave the containers
    // as they were (the models are updated only on success).
    template <class F>
    void guarded(F&& f) {
        const std::size_t map_size = map_.size(), set_size = set_.size(), int_size = imap_.size();
        const void *map_id = map_.identity(), *set_id = set_.identity(), *int_id = imap_.identity();
        try {
            f();
        } catch (const std::bad_alloc&) {
            unchanged(map_size, set_size, int_size, map_id, set_id, int_id);
        } catch (const comparator_failure&) {
            unchanged(map_size, set_size, int_size, map_id, set_id, int_id);
        }
        failing_policy::never_fail();
        st_.throw_countdown = -1;
    }

    // Called once an operation has produced its results: the model updates that follow use
    // the comparator too, and must not throw.
    void disarm() {
        failing_policy::never_fail();
        st_.throw_countdown = -1;
    }

    void unchanged(std::size_t ms, std::size_t ss, std::size_t is, const void* mi, const void* si, const void* ii) {
        if (map_.size() != ms || set_.size() != ss || imap_.size() != is || map_.identity() != mi ||
            set_.identity() != si || imap_.identity() != ii) {
            fail("a failed operation changed a container (op " + std::to_string(last_op_) + ")");
        }
    }

    void step(input& in) {
        const std::uint8_t op = in.byte();
        last_op_ = op % 24;
        switch (op % 24) {
        case 0:
        case 1: {
            const int k = in.key(), v = in.byte();
            guarded([&] {
                fat_map next = map_.set(fat_int(k), v);
                fat_set snext = set_.insert(fat_int(k));
                disarm();
                map_ = next;
                set_ = snext;
                if (consistent()) {
                    mmodel_.insert_or_assign(k, v);
                    smodel_.insert(k);
                }
            });
            break;
        }
        case 2:
        case 3: {
            const int k = in.key();
            guarded([&] {
                fat_map next = map_.erase(fat_int(k));
                fat_set snext = set_.erase(fat_int(k));
                disarm();
                map_ = next;
                set_ = snext;
                if (consistent()) {
                    mmodel_.erase(k);
                    smodel_.erase(k);
                }
            });
            break;
        }
        case 4: {
            const int k = in.key(), d = in.byte();
            guarded([&] {
                map_ = map_.update(fat_int(k), [&](const int& v) { return v + d; });
                disarm();
                if (consistent()) mmodel_[k] += d;
            });
            break;
        }
        case 5:
        case 6: {
            // A builder batch.
            const int n = in.byte() % 32;
            std::vector<std::pair<int, int>> batch;
            for (int i = 0; i < n; ++i) batch.emplace_back(in.key(), in.byte());
            guarded([&] {
                auto b = map_.to_builder();
                auto sb = set_.to_builder();
                for (const auto& [k, v] : batch) {
                    if (v % 3 == 0) {
                        b.erase(fat_int(k));
                        sb.erase(fat_int(k));
                    } else {
                        b.set(fat_int(k), v);
                        sb.insert(fat_int(k));
                    }
                }
                (void)b.contains(fat_int(0));
                (void)b.find(fat_int(1));
                disarm();
                map_ = b.build();
                set_ = sb.build();
                if (consistent()) {
                    for (const auto& [k, v] : batch) {
                        if (v % 3 == 0) {
                            mmodel_.erase(k);
                            smodel_.erase(k);
                        } else {
                            mmodel_.insert_or_assign(k, v);
                            smodel_.insert(k);
                        }
                    }
                }
            });
            break;
        }
        case 7: {
            // Construct from a range: keys lo, lo + step, ... (sorted for some comparators).
            const int lo = in.key(), n = in.byte() % 64, stride = 1 + in.byte() % 4;
            std::vector<std::pair<fat_int, int>> entries;
            std::vector<fat_int> elems;
            for (int i = 0; i < n; ++i) {
                entries.emplace_back(fat_int(lo + i * stride), i);
                elems.emplace_back(lo + i * stride);
            }
            if (in.byte() & 1) {
                std::reverse(entries.begin(), entries.end());
                std::reverse(elems.begin(), elems.end());
            }
            guarded([&] {
                fat_map next(entries.begin(), entries.end(), fcmp_);
                fat_set snext(elems.begin(), elems.end(), fcmp_);
                disarm();
                map_ = next;
                set_ = snext;
                if (consistent()) {
                    mmodel_ = map_model(cmp_);
                    smodel_ = set_model(cmp_);
                    for (const auto& [k, v] : entries) mmodel_.insert_or_assign(k.v, v);
                    for (const auto& x : elems) smodel_.insert(x.v);
                }
            });
            break;
        }
        case 8: {
            // Queries: the answers are checked against the model when there is one.
            const int k = in.key(), k2 = in.key();
            const fat_int fk(k), fk2(k2);
            guarded([&] {
                const int* v = map_.find(fk);
                auto lb = map_.lower_bound(fk);
                auto ub = map_.upper_bound(fk);
                const std::size_t r = map_.rank(fk);
                std::size_t n = 0;
                const auto view = map_.range(fk, fk2);
                for (auto it = view.begin(); it != view.end() && n <= map_.size(); ++it) ++n;
                if (n > map_.size()) fail("range longer than the map");
                if (r > map_.size()) fail("rank above size");
                (void)set_.contains(fk);
                (void)set_.rank(fk);
                auto [lo, hi] = set_.equal_range(fk);
                (void)lo;
                (void)hi;
                disarm();
                if (consistent()) {
                    auto mit = mmodel_.find(k);
                    if ((v != nullptr) != (mit != mmodel_.end()) || (v != nullptr && *v != mit->second)) fail("find differs");
                    auto mlb = mmodel_.lower_bound(k);
                    if ((lb == map_.end()) != (mlb == mmodel_.end()) || (lb != map_.end() && lb->first.v != mlb->first)) {
                        fail("lower_bound differs");
                    }
                    auto mub = mmodel_.upper_bound(k);
                    if ((ub == map_.end()) != (mub == mmodel_.end()) || (ub != map_.end() && ub->first.v != mub->first)) {
                        fail("upper_bound differs");
                    }
                    if (r != static_cast<std::size_t>(std::distance(mmodel_.begin(), mlb))) fail("rank differs");
                    if (!map_.empty() && map_.nth(r < map_.size() ? r : 0).first.v !=
                                             std::next(mmodel_.begin(), static_cast<std::ptrdiff_t>(r < map_.size() ? r : 0))->first) {
                        fail("nth differs");
                    }
                }
            });
            break;
        }
        case 9:
        case 10: {
            // Set algebra with an older version.
            if (set_versions_.empty()) break;
            const auto& version = set_versions_[in.byte() % set_versions_.size()];
            const fat_set& other = version.first;
            const set_model& other_model = version.second;
            const std::uint8_t which = in.byte() % 4;
            guarded([&] {
                fat_set result = which == 0 ? (set_ | other) : which == 1 ? (set_ & other) : which == 2 ? (set_ - other) : (other - set_);
                disarm();
                if (consistent()) {
                    set_model next(cmp_);
                    const set_model& a = which == 3 ? other_model : smodel_;
                    const set_model& b = which == 3 ? smodel_ : other_model;
                    auto out = std::inserter(next, next.end());
                    if (which == 0) std::set_union(a.begin(), a.end(), b.begin(), b.end(), out, cmp_);
                    if (which == 1) std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), out, cmp_);
                    if (which >= 2) std::set_difference(a.begin(), a.end(), b.begin(), b.end(), out, cmp_);
                    smodel_ = next;
                }
                set_ = result;
            });
            break;
        }
        case 11: {
            // Back to an older version.
            if (map_versions_.empty()) break;
            const std::size_t i = in.byte() % map_versions_.size();
            map_ = map_versions_[i].first;
            mmodel_ = map_versions_[i].second;
            set_ = set_versions_[i].first;
            smodel_ = set_versions_[i].second;
            break;
        }
        case 12:
            // Arm an allocation failure for the next operation.
            failing_policy::fail_after(in.byte() % 16);
            step(in);
            break;
        case 13:
            // Arm a comparator throw for the next operation (throwing mode only).
            if (st_.m == mode::throwing) st_.throw_countdown = in.byte() % 64;
            step(in);
            break;
        case 14:
        case 15: {
            // The int map with std::less: always a real order, always checked.
            const int k = in.wide_key(), v = in.byte();
            guarded([&] {
                if (v % 4 == 0) {
                    imap_ = imap_.erase(k);
                    imodel_.erase(k);
                } else {
                    imap_ = imap_.set(k, v);
                    imodel_[k] = v;
                }
            });
            break;
        }
        case 16: {
            const int lo = in.wide_key(), n = in.byte() * 8;
            guarded([&] {
                auto b = imap_.to_builder();
                for (int i = 0; i < n; ++i) b.set(lo + i, i);
                imap_ = b.build();
                for (int i = 0; i < n; ++i) imodel_[lo + i] = i;
            });
            break;
        }
        case 17: {
            const int k = in.wide_key();
            auto lb = imap_.lower_bound(k);
            auto mlb = imodel_.lower_bound(k);
            if ((lb == imap_.end()) != (mlb == imodel_.end()) || (lb != imap_.end() && lb->first != mlb->first)) {
                fail("int map lower_bound differs");
            }
            if (imap_.rank(k) != static_cast<std::size_t>(std::distance(imodel_.begin(), mlb))) fail("int map rank differs");
            break;
        }
        case 18:
        case 19: {
            // Cuts by key or rank: split, take, drop, slice, erase_range, on the map and the set.
            const std::uint8_t which = in.byte() % 5;
            const int k = in.key(), k2 = in.key();
            const std::size_t a = in.byte() % 48, b = in.byte() % 48;
            guarded([&] {
                const std::size_t first = a < map_.size() ? a : map_.size();
                const std::size_t last = b < first ? first : (b < map_.size() ? b : map_.size());
                const std::size_t sfirst = a < set_.size() ? a : set_.size();
                const std::size_t slast = b < sfirst ? sfirst : (b < set_.size() ? b : set_.size());
                fat_map next;
                fat_set snext;
                switch (which) {
                case 0:
                    next = map_.split(fat_int(k)).first;
                    snext = set_.split(fat_int(k)).second;
                    break;
                case 1:
                    next = map_.take(a);
                    snext = set_.take(a);
                    break;
                case 2:
                    next = map_.drop(a);
                    snext = set_.drop(a);
                    break;
                case 3:
                    next = map_.slice(first, last);
                    snext = set_.slice(sfirst, slast);
                    break;
                default:
                    next = map_.erase_range(fat_int(k), fat_int(k2));
                    snext = set_.erase_range(fat_int(k), fat_int(k2));
                    break;
                }
                disarm();
                if (consistent()) {
                    map_model m(cmp_);
                    set_model ss(cmp_);
                    std::size_t rank = 0;
                    for (const auto& e : mmodel_) {
                        const bool keep = which == 0   ? cmp_(e.first, k)
                                          : which == 1 ? rank < a
                                          : which == 2 ? rank >= a
                                          : which == 3 ? (rank >= first && rank < last)
                                                       : (cmp_(e.first, k) || !cmp_(e.first, k2));
                        if (keep) m.insert(e);
                        ++rank;
                    }
                    rank = 0;
                    for (int x : smodel_) {
                        const bool keep = which == 0   ? !cmp_(x, k)
                                          : which == 1 ? rank < a
                                          : which == 2 ? rank >= a
                                          : which == 3 ? (rank >= sfirst && rank < slast)
                                                       : (cmp_(x, k) || !cmp_(x, k2));
                        if (keep) ss.insert(x);
                        ++rank;
                    }
                    mmodel_ = m;
                    smodel_ = ss;
                }
                map_ = next;
                set_ = snext;
            });
            break;
        }
        case 20: {
            // Map algebra and union_with with an older version (left-biased).
            if (map_versions_.empty()) break;
            const auto& version = map_versions_[in.byte() % map_versions_.size()];
            const fat_map& other = version.first;
            const map_model& other_model = version.second;
            const std::uint8_t which = in.byte() % 4;
            guarded([&] {
                auto minus = [](const fat_int&, const int& x, const int& y) { return x - y; };
                fat_map result = which == 0   ? (map_ | other)
                                 : which == 1 ? (map_ & other)
                                 : which == 2 ? (map_ - other)
                                              : map_.union_with(other, minus);
                disarm();
                if (consistent()) {
                    map_model next(cmp_);
                    if (which == 0 || which == 3) next = mmodel_;
                    for (const auto& e : mmodel_) {
                        const bool in_other = other_model.count(e.first) != 0;
                        if ((which == 1 && in_other) || (which == 2 && !in_other)) next.insert(e);
                    }
                    if (which == 0 || which == 3) {
                        for (const auto& e : other_model) {
                            auto [it, added] = next.insert(e);
                            if (!added && which == 3) it->second -= e.second;
                        }
                    }
                    mmodel_ = next;
                }
                map_ = result;
            });
            break;
        }
        case 21: {
            // diff against an older version, checked against a walk of the two models.
            if (map_versions_.empty()) break;
            const std::size_t i = in.byte() % map_versions_.size();
            // References, not structured bindings: clang 14 cannot capture those in lambdas.
            const fat_map& old_map = map_versions_[i].first;
            const map_model& old_mmodel = map_versions_[i].second;
            const fat_set& old_set = set_versions_[i].first;
            const set_model& old_smodel = set_versions_[i].second;
            guarded([&] {
                std::vector<std::pair<char, int>> got, sgot;
                immutable::diff(
                    old_map, map_, [&](const auto& e) { got.emplace_back('+', e.first.v); },
                    [&](const auto& e) { got.emplace_back('-', e.first.v); },
                    [&](const auto& x, const auto&) { got.emplace_back('~', x.first.v); });
                immutable::diff(
                    old_set, set_, [&](const fat_int& x) { sgot.emplace_back('+', x.v); },
                    [&](const fat_int& x) { sgot.emplace_back('-', x.v); });
                disarm();
                if (got.size() > old_map.size() + map_.size() || sgot.size() > old_set.size() + set_.size()) {
                    fail("diff reported more entries than there are");
                }
                if (!consistent()) return;
                std::vector<std::pair<char, int>> want, swant;
                auto x = old_mmodel.begin();
                auto y = mmodel_.begin();
                while (x != old_mmodel.end() || y != mmodel_.end()) {
                    if (y == mmodel_.end() || (x != old_mmodel.end() && cmp_(x->first, y->first))) {
                        want.emplace_back('-', (x++)->first);
                    } else if (x == old_mmodel.end() || cmp_(y->first, x->first)) {
                        want.emplace_back('+', (y++)->first);
                    } else {
                        if (x->second != y->second) want.emplace_back('~', x->first);
                        ++x;
                        ++y;
                    }
                }
                auto sx = old_smodel.begin();
                auto sy = smodel_.begin();
                while (sx != old_smodel.end() || sy != smodel_.end()) {
                    if (sy == smodel_.end() || (sx != old_smodel.end() && cmp_(*sx, *sy))) {
                        swant.emplace_back('-', *sx++);
                    } else if (sx == old_smodel.end() || cmp_(*sy, *sx)) {
                        swant.emplace_back('+', *sy++);
                    } else {
                        ++sx;
                        ++sy;
                    }
                }
                if (got != want) fail("map diff differs from the models'");
                if (sgot != swant) fail("set diff differs from the models'");
            });
            break;
        }
        default: {
            // Remember this version for the persistence check and for algebra.
            if (map_versions_.size() < 24) {
                map_versions_.emplace_back(map_, mmodel_);
                set_versions_.emplace_back(set_, smodel_);
            }
            break;
        }
        }
        check_structure(map_, "map");
        check_structure(set_, "set");
        check_structure(imap_, "int map");
        check_map_model();
        check_int_model();
    }

    void final_checks() {
        for (std::size_t i = 0; i < map_versions_.size(); ++i) {
            map_ = map_versions_[i].first;
            mmodel_ = map_versions_[i].second;
            set_ = set_versions_[i].first;
            smodel_ = set_versions_[i].second;
            check_structure(map_, "old map");
            check_structure(set_, "old set");
            check_map_model();
        }
    }

    compare_state& st_;
    fuzz_compare cmp_;
    fat_compare fcmp_;
    fat_map map_;
    fat_set set_;
    int_map imap_;
    map_model mmodel_{cmp_};
    set_model smodel_{cmp_};
    std::map<int, int> imodel_;
    std::vector<std::pair<fat_map, map_model>> map_versions_;
    std::vector<std::pair<fat_set, set_model>> set_versions_;
    std::string error_;
    int last_op_ = 0;
};

// One fuzz input: the first byte picks the comparator, the rest drives the operations.
// Returns an empty string when every check passed.
inline std::string run_one(const std::uint8_t* data, std::size_t size) {
    input in(data, size);
    compare_state st;
    st.m = static_cast<mode>(in.byte() % static_cast<std::uint8_t>(mode::count));
    st.rng = 0x9e3779b97f4a7c15ull ^ size;
    const std::int64_t live_before = fuzz_policy::live_nodes();
    std::string error;
    {
        runner r(st);
        error = r.run(in);
    }
    failing_policy::never_fail();
    if (error.empty() && fuzz_policy::live_nodes() != live_before) error = "nodes leaked";
    return error;
}

} // namespace sorted_fuzz
