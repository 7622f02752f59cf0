#pragma once
// The leak soak: every container of the library, under both thread-safe policies, driven by
// a mixed concurrent workload for a set time, then checked for leaks.
//
// The workload. Each (container, policy) pair is a lane: an atom<C> holding the current
// version and a channel, an atom<queue<C>> of versions handed from one thread to another.
// Lanes use counted<heap_policy, tag> or counted<pooled_policy, tag>, a tag per lane, so
// every lane's nodes are counted on their own.
//   writers    derive the next version of a random lane through atom::update() (one or two
//              persistent changes) and now and then push the result into the lane's channel;
//   readers    check the current version in place (atom::read), or load a snapshot, check
//              it, and keep it a while in a small ring, checking it again later: the same
//              fingerprint, because a published version never changes;
//   consumers  pop versions from channels, check them, keep some, drop the rest;
//   builders   change a version in a batch through its builder and publish it with
//              compare_exchange (or hand it off when another writer got there first), build
//              versions from scratch, and run rounds of single_thread_pooled_policy work
//              that never leaves the thread. Each builder thread exits after a few rounds
//              and a new one takes its place, so thread exit (pool caches, atom reader
//              slots) is exercised all along.
// Versions are therefore made on one thread and dropped on others, and each model's
// invariant (tests/soak/models.hpp) catches a version that was freed, reused or torn.
//
// The checks, once every thread has joined and the lanes are destroyed:
//   - no model invariant was ever broken;
//   - the live-node count of every counted policy is exactly 0;
//   - the resident set size after the warm-up stayed under the bound of rss_bound() (the
//     reasoning is beside it), and so did the heap in use (heap_bound()).

#include "memory_probe.hpp"
#include "models.hpp"

#include <immutable/atom.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/queue.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace immutable::soak {

// ---- configuration ---------------------------------------------------------------------------

struct config {
    double seconds = 6;
    // Memory samples before this are the baseline; 0: a quarter of the run, at least 1 s and
    // at most 60 s.
    double warmup_seconds = 0;
    int writers = 2;
    int readers = 3;
    int consumers = 1;
    int builders = 2;
    // Rounds before a builder thread exits and a new one replaces it (0: never).
    int builder_rounds = 12;
    std::uint64_t seed = 0x50a4c0de;
    // A progress line every this many seconds (0: none).
    double report_seconds = 0;

    double warmup() const {
        if (warmup_seconds > 0) return warmup_seconds;
        return std::clamp(seconds / 4, 1.0, 60.0);
    }

    // IMMUTABLE_SOAK_SECONDS, IMMUTABLE_SOAK_SEED, IMMUTABLE_SOAK_REPORT_SECONDS,
    // IMMUTABLE_SOAK_WARMUP_SECONDS, IMMUTABLE_SOAK_BUILDER_ROUNDS override the defaults.
    static config from_environment(double default_seconds) {
        config c;
        c.seconds = default_seconds;
        if (const char* s = std::getenv("IMMUTABLE_SOAK_SECONDS")) c.seconds = std::max(0.5, std::atof(s));
        if (const char* s = std::getenv("IMMUTABLE_SOAK_SEED")) c.seed = std::strtoull(s, nullptr, 0);
        if (const char* s = std::getenv("IMMUTABLE_SOAK_WARMUP_SECONDS")) c.warmup_seconds = std::atof(s);
        if (const char* s = std::getenv("IMMUTABLE_SOAK_BUILDER_ROUNDS")) c.builder_rounds = std::atoi(s);
        c.report_seconds = c.seconds >= 120 ? 60 : 0;
        if (const char* s = std::getenv("IMMUTABLE_SOAK_REPORT_SECONDS")) c.report_seconds = std::atof(s);
        return c;
    }
};

// ---- memory bounds ----------------------------------------------------------------------------
//
// The live data is bounded by construction: 12 lanes, each version at most 1,344 elements
// (size_band::high plus one change), and a fixed number of versions alive per lane (the
// current one, one cached per thread by the atom, 4 per reader ring and consumer ring, 8 in
// the channel, a few in flight). That is at most about 60 versions per lane, ~50 MiB if no
// two of them shared a node, a few MiB as they really are. So once the rings and channels
// are full (the warm-up) the heap in use only moves within that range, and the resident
// set only grows by what the allocators keep for reuse:
//   - pooled_policy: per thread at most 2 batches (~8 KiB) per size class in use, and
//     16 MiB in the shared pool; builder threads come and go but give their caches back;
//   - glibc malloc: fragmentation and per-thread arenas, bounded for a bounded live set;
//   - ASan: freed blocks wait in a quarantine of up to 256 MiB (quarantine_size_mb) before
//     they are reused, and the warm-up of a short run may end before it is full;
//   - TSan: shadow memory for every heap page touched, ~4x the application's.
// Hence: after the warm-up, max RSS <= 1.5 x (max RSS during warm-up) + slack, with a slack
// of 64 MiB (pool caps, arenas, thread stacks of the replaced builders), plus the quarantine
// size under ASan. A leak of a version per operation passes that in well under a minute
// (hundreds of thousands of versions of a few KiB); in a 24-hour run, a leak of one node in
// a thousand operations does too. Exact leak detection is the live-node count; the RSS
// bound catches memory that no policy counts (atom boxes and reader slots, element
// allocations, pool internals, thread-exit paths).
constexpr std::int64_t mib = std::int64_t{1} << 20;

inline std::int64_t asan_quarantine_bytes() {
    std::int64_t q = 256 * mib; // ASan's default on 64-bit Linux
    if (const char* o = std::getenv("ASAN_OPTIONS")) {
        const std::string opts = o;
        const auto at = opts.find("quarantine_size_mb=");
        if (at != std::string::npos) q = std::atoll(opts.c_str() + at + 19) * mib;
    }
    return std::max<std::int64_t>(q, 0);
}

inline std::int64_t rss_bound(std::int64_t warmup_max_rss) {
    std::int64_t slack = 64 * mib;
    if (this_heap() == heap_kind::asan) slack += asan_quarantine_bytes();
    return warmup_max_rss + warmup_max_rss / 2 + slack;
}

// The heap in use (allocated and not freed; ASan's quarantine is not in it) has no
// allocator slack at all, so its bound is tighter: 1.5 x its warm-up maximum + 32 MiB.
inline std::int64_t heap_bound(std::int64_t warmup_max_heap) {
    return warmup_max_heap + warmup_max_heap / 2 + 32 * mib;
}

// ---- lanes ------------------------------------------------------------------------------------

template <class Base>
constexpr const char* policy_name() {
    if constexpr (std::is_same_v<Base, heap_policy>) {
        return "heap_policy";
    } else if constexpr (std::is_same_v<Base, pooled_policy>) {
        return "pooled_policy";
    } else {
        return "single_thread_pooled_policy";
    }
}

template <class Base, int Kind>
struct lane_tag {};

template <template <class> class Model, class Base, int Kind>
struct lane_spec {
    using base_policy = Base;
    using policy = counted<Base, lane_tag<Base, Kind>>;
    using model = Model<policy>;
};

// Versions a lane hands from thread to thread: at most this many wait in its channel.
constexpr std::size_t channel_capacity = 8;

template <class Spec>
class lane {
public:
    using model = typename Spec::model;
    using policy = typename Spec::policy;
    using container = typename model::container;
    using channel_type = immutable::queue<container, policy>;

    lane() : current(initial()) {}

    static std::string name() { return std::string(model::name) + "<" + policy_name<typename Spec::base_policy>() + ">"; }

    // Pushes v into the channel unless it is full.
    bool hand_off(const container& v) {
        channel_type q = channel.load();
        for (;;) {
            if (q.size() >= channel_capacity) return false;
            if (channel.compare_exchange(q, q.push(v))) return true;
        }
    }

    // Pops the oldest version from the channel, if any.
    std::optional<container> take() {
        channel_type q = channel.load();
        for (;;) {
            if (q.empty()) return std::nullopt;
            container front = q.front();
            if (channel.compare_exchange(q, q.pop())) return front;
        }
    }

    atom<container> current;
    atom<channel_type> channel;
    std::atomic<std::uint64_t> checks{0};

private:
    static container initial() {
        rng r(0x1a4e);
        return model::initial(r);
    }
};

template <class... Bases>
using lanes_of = std::tuple<lane<lane_spec<list_model, Bases, 0>>..., lane<lane_spec<queue_model, Bases, 1>>...,
                            lane<lane_spec<map_model, Bases, 2>>..., lane<lane_spec<set_model, Bases, 3>>...,
                            lane<lane_spec<sorted_map_model, Bases, 4>>...,
                            lane<lane_spec<sorted_set_model, Bases, 5>>...>;

using world = lanes_of<heap_policy, pooled_policy>;
constexpr std::size_t lane_count = std::tuple_size_v<world>;

// Calls f(lane, index) for lane i of t (index as an integral_constant, to reach the
// matching element of another tuple).
template <class Tuple, class F>
void visit_lane(Tuple& t, std::size_t i, F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((i == I ? (void)f(std::get<I>(t), std::integral_constant<std::size_t, I>{}) : void()), ...);
    }(std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

template <class Tuple, class F>
void for_each_lane(Tuple& t, F&& f) {
    std::apply([&](auto&... l) { (f(l), ...); }, t);
}

// Versions a thread keeps for a while, with the fingerprint they had when first checked.
template <class Lane>
struct ring {
    struct entry {
        typename Lane::container version;
        std::uint64_t fingerprint;
    };
    std::array<std::optional<entry>, 4> slots;
};

template <class World>
struct rings_for;
template <class... Lanes>
struct rings_for<std::tuple<Lanes...>> {
    using type = std::tuple<ring<Lanes>...>;
};
using rings = typename rings_for<world>::type;

// Work that stays on one thread, with the single-thread pooled policy.
struct local_tag {};
using local_policy = counted<single_thread_pooled_policy, local_tag>;

// ---- results ----------------------------------------------------------------------------------

struct op_counts {
    std::uint64_t derives = 0, in_place_checks = 0, snapshot_checks = 0, rechecks = 0, hand_offs = 0,
                  takes = 0, batches = 0, batch_publishes = 0, fresh_builds = 0, local_rounds = 0,
                  builder_threads = 0;
};

struct lane_result {
    std::string name;
    std::uint64_t checks = 0;          // versions of this lane verified
    std::int64_t peak_live_nodes = 0;  // largest live-node count sampled during the run
    std::int64_t live_nodes_at_stop = 0; // after the threads joined, lanes still alive
    std::int64_t live_nodes_after = 0;   // after the lanes were destroyed: must be 0
};

struct result {
    config cfg;
    double elapsed_seconds = 0;
    std::vector<lane_result> lanes;
    std::int64_t local_live_nodes_after = 0; // the single-thread policy's count: must be 0
    std::uint64_t local_allocations = 0;
    op_counts ops;
    int failures = 0;
    std::string first_failure;

    heap_kind heap = this_heap();
    std::int64_t rss_start = 0, rss_warmup_max = 0, rss_steady_max = 0, rss_end = 0;
    std::int64_t heap_warmup_max = 0, heap_steady_max = 0;
    std::uint64_t samples_warmup = 0, samples_steady = 0;
    memory_stats pool = {};

    std::int64_t rss_limit() const { return rss_bound(rss_warmup_max); }
    std::int64_t heap_limit() const { return heap_bound(heap_warmup_max); }
    bool rss_ok() const { return rss_steady_max <= rss_limit(); }
    bool heap_ok() const { return heap_warmup_max < 0 || heap_steady_max <= heap_limit(); }
    bool no_leaks() const {
        if (local_live_nodes_after != 0) return false;
        for (const lane_result& l : lanes) {
            if (l.live_nodes_after != 0) return false;
        }
        return true;
    }
    bool passed() const { return failures == 0 && no_leaks() && rss_ok() && heap_ok(); }

    void print(std::FILE* out) const;
};

// ---- the run ----------------------------------------------------------------------------------

class soak_run {
    using clock = std::chrono::steady_clock;

public:
    explicit soak_run(const config& c) : cfg_(c), world_(std::make_unique<world>()) {}

    result run();

private:
    struct shared_counts {
        std::atomic<std::uint64_t> derives{0}, in_place_checks{0}, snapshot_checks{0}, rechecks{0},
            hand_offs{0}, takes{0}, batches{0}, batch_publishes{0}, fresh_builds{0}, local_rounds{0},
            builder_threads{0};
    };

    // A thread's counts, added to the shared ones now and then (not on every operation, so
    // threads do not fight over the counters' cache lines).
    struct local_counts {
        op_counts c;
        std::array<std::uint64_t, lane_count> checks{};
        unsigned since_flush = 0;
    };

    bool stopping() const { return stop_.load(std::memory_order_relaxed); }

    void flush(local_counts& l) {
        auto add = [](std::atomic<std::uint64_t>& to, std::uint64_t& from) {
            if (from != 0) to.fetch_add(std::exchange(from, 0), std::memory_order_relaxed);
        };
        add(counts_.derives, l.c.derives);
        add(counts_.in_place_checks, l.c.in_place_checks);
        add(counts_.snapshot_checks, l.c.snapshot_checks);
        add(counts_.rechecks, l.c.rechecks);
        add(counts_.hand_offs, l.c.hand_offs);
        add(counts_.takes, l.c.takes);
        add(counts_.batches, l.c.batches);
        add(counts_.batch_publishes, l.c.batch_publishes);
        add(counts_.fresh_builds, l.c.fresh_builds);
        add(counts_.local_rounds, l.c.local_rounds);
        add(counts_.builder_threads, l.c.builder_threads);
        for_each_index([&](auto& ln, std::size_t i) { add(ln.checks, l.checks[i]); });
        l.since_flush = 0;
    }

    void tick(local_counts& l) {
        if (++l.since_flush >= 256) flush(l);
    }

    template <class F>
    void for_each_index(F&& f) {
        std::size_t i = 0;
        for_each_lane(*world_, [&](auto& ln) { f(ln, i++); });
    }

    // Records a broken invariant and stops the run: nothing after it can be trusted.
    void fail(const char* role, const std::string& lane_name, const verdict& v) {
        char line[512];
        std::snprintf(line, sizeof line, "%s on %s: %s (detail %" PRIu64 ")", role, lane_name.c_str(), v.error,
                      v.detail);
        {
            std::lock_guard<std::mutex> g(failure_lock_);
            if (failures_++ == 0) first_failure_ = line;
        }
        std::fprintf(stderr, "soak: FAILED: %s\n", line);
        stop_.store(true);
    }

    template <class Lane>
    bool check(const char* role, Lane& ln, const typename Lane::container& c, rng& r, local_counts& l,
               std::size_t index, verdict* out = nullptr) {
        verdict v = Lane::model::verify(c, r);
        ++l.checks[index];
        if (!v) {
            fail(role, Lane::name(), v);
            return false;
        }
        (void)ln;
        if (out != nullptr) *out = v;
        return true;
    }

    // Keeps `c` in a random slot of `keep` (dropping what was there) after checking it.
    template <class Lane>
    void keep(const char* role, Lane& ln, ring<Lane>& held, typename Lane::container c, rng& r, local_counts& l,
              std::size_t index) {
        verdict v;
        if (!check(role, ln, c, r, l, index, &v)) return;
        held.slots[r.index(held.slots.size())].emplace(typename ring<Lane>::entry{std::move(c), v.fingerprint});
    }

    // Checks a kept version again: still valid, and exactly as it was.
    template <class Lane>
    void recheck(const char* role, Lane& ln, ring<Lane>& held, rng& r, local_counts& l, std::size_t index) {
        auto& slot = held.slots[r.index(held.slots.size())];
        if (!slot) return;
        verdict v;
        if (!check(role, ln, slot->version, r, l, index, &v)) return;
        ++l.c.rechecks;
        if (v.fingerprint != slot->fingerprint) fail(role, Lane::name(), failed("a kept version changed", v.fingerprint));
        if (r.one_in(2)) slot.reset();
    }

    void writer(std::uint64_t seed);
    void reader(std::uint64_t seed);
    void consumer(std::uint64_t seed);
    void builder(std::uint64_t seed, std::atomic<bool>* done);
    void local_round(rng& r);

    config cfg_;
    std::unique_ptr<world> world_;
    std::atomic<bool> stop_{false};
    shared_counts counts_;
    std::mutex failure_lock_;
    int failures_ = 0;
    std::string first_failure_;
};

inline void soak_run::writer(std::uint64_t seed) {
    rng r(seed);
    local_counts l;
    while (!stopping()) {
        visit_lane(*world_, r.index(lane_count), [&](auto& ln, auto index) {
            using lane_t = std::remove_reference_t<decltype(ln)>;
            using container = typename lane_t::container;
            const std::uint64_t s = r.next();
            container next = ln.current.update([s](const container& c) {
                rng local(s);
                return lane_t::model::derive(c, local);
            });
            ++l.c.derives;
            if (r.one_in(8)) check("writer", ln, next, r, l, index);
            if (r.one_in(4) && ln.hand_off(next)) ++l.c.hand_offs;
        });
        tick(l);
    }
    flush(l);
}

inline void soak_run::reader(std::uint64_t seed) {
    rng r(seed);
    local_counts l;
    rings kept;
    while (!stopping()) {
        visit_lane(*world_, r.index(lane_count), [&](auto& ln, auto index) {
            using lane_t = std::remove_reference_t<decltype(ln)>;
            auto& held = std::get<decltype(index)::value>(kept);
            switch (r.below(8)) {
            case 0:
            case 1:
            case 2: {
                // In place, on the atom's cached snapshot: no reference count taken.
                verdict v = ln.current.read([&r](const typename lane_t::container& c) { return lane_t::model::verify(c, r); });
                ++l.checks[index];
                ++l.c.in_place_checks;
                if (!v) fail("reader (in place)", lane_t::name(), v);
                break;
            }
            case 3:
            case 4:
                keep("reader", ln, held, ln.current.load(), r, l, index);
                ++l.c.snapshot_checks;
                break;
            case 5:
            case 6:
                recheck("reader", ln, held, r, l, index);
                break;
            default:
                if (r.one_in(4)) ln.current.release_thread_cache();
                held.slots[r.index(held.slots.size())].reset();
                break;
            }
        });
        tick(l);
    }
    flush(l);
    // The rings die here, on this thread: the last references to many versions.
}

inline void soak_run::consumer(std::uint64_t seed) {
    rng r(seed);
    local_counts l;
    rings kept;
    while (!stopping()) {
        bool took = false;
        for (int attempt = 0; attempt < 4 && !took; ++attempt) {
            visit_lane(*world_, r.index(lane_count), [&](auto& ln, auto index) {
                auto& held = std::get<decltype(index)::value>(kept);
                if (r.one_in(4)) recheck("consumer", ln, held, r, l, index);
                auto v = ln.take();
                if (!v) return;
                took = true;
                ++l.c.takes;
                if (r.one_in(2)) {
                    keep("consumer", ln, held, std::move(*v), r, l, index);
                } else {
                    check("consumer", ln, *v, r, l, index); // and dropped right here
                }
            });
        }
        if (!took) std::this_thread::sleep_for(std::chrono::microseconds(200));
        tick(l);
    }
    flush(l);
}

inline void soak_run::local_round(rng& r) {
    // Versions of a sorted_set and a map that never leave this thread, all kept until the
    // end of the round and checked again: the single-thread pool's reuse must not touch a
    // live node.
    auto run = [&r](auto model) {
        using m = decltype(model);
        std::vector<std::pair<typename m::container, std::uint64_t>> versions;
        typename m::container c = m::initial(r);
        for (int i = 0; i < 24; ++i) {
            c = r.one_in(4) ? m::batch(c, r, 32) : m::derive(c, r);
            verdict v = m::verify(c, r);
            if (!v) return v;
            versions.emplace_back(c, v.fingerprint);
        }
        for (auto& [version, fingerprint] : versions) {
            verdict v = m::verify(version, r);
            if (!v) return v;
            if (v.fingerprint != fingerprint) return failed("a kept version changed", fingerprint);
        }
        return verdict{};
    };
    if (verdict v = run(sorted_set_model<local_policy>{}); !v) fail("builder (local)", "sorted_set<single_thread_pooled_policy>", v);
    if (verdict v = run(map_model<local_policy>{}); !v) fail("builder (local)", "map<single_thread_pooled_policy>", v);
}

inline void soak_run::builder(std::uint64_t seed, std::atomic<bool>* done) {
    rng r(seed);
    local_counts l;
    ++l.c.builder_threads;
    for (int round = 0; (cfg_.builder_rounds <= 0 || round < cfg_.builder_rounds) && !stopping(); ++round) {
        const std::uint64_t kind = r.below(8);
        if (kind == 0) {
            local_round(r);
            ++l.c.local_rounds;
            continue;
        }
        visit_lane(*world_, r.index(lane_count), [&](auto& ln, auto index) {
            using lane_t = std::remove_reference_t<decltype(ln)>;
            using container = typename lane_t::container;
            const int changes = 16 + static_cast<int>(r.below(241));
            if (kind == 1) { // from scratch, then to a consumer
                container fresh = lane_t::model::batch(lane_t::model::initial(r), r, changes);
                ++l.c.fresh_builds;
                if (check("builder", ln, fresh, r, l, index) && ln.hand_off(fresh)) ++l.c.hand_offs;
                return;
            }
            container base = ln.current.load();
            container next = lane_t::model::batch(base, r, changes);
            ++l.c.batches;
            if (!check("builder", ln, next, r, l, index)) return;
            if (ln.current.compare_exchange(base, next)) {
                ++l.c.batch_publishes;
            } else if (ln.hand_off(next)) {
                ++l.c.hand_offs;
            }
        });
        tick(l);
    }
    flush(l);
    done->store(true, std::memory_order_release);
    // Exiting now: this thread's pool caches and its atom reader slots are released.
}

inline result soak_run::run() {
    result res;
    res.cfg = cfg_;
    for_each_lane(*world_, [&](auto& ln) {
        lane_result l;
        l.name = ln.name();
        res.lanes.push_back(l);
    });
    const std::int64_t local_allocations_before = local_policy::stats().allocations;

    const auto start = clock::now();
    auto after = [start](double seconds) {
        return start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
    };
    const clock::time_point warmup_end = after(cfg_.warmup());
    const clock::time_point deadline = after(cfg_.seconds);
    res.rss_start = resident_bytes();

    rng seeds(cfg_.seed);
    std::vector<std::thread> workers;
    for (int i = 0; i < cfg_.writers; ++i) workers.emplace_back(&soak_run::writer, this, seeds.next());
    for (int i = 0; i < cfg_.readers; ++i) workers.emplace_back(&soak_run::reader, this, seeds.next());
    for (int i = 0; i < cfg_.consumers; ++i) workers.emplace_back(&soak_run::consumer, this, seeds.next());

    struct builder_slot {
        std::thread thread;
        std::unique_ptr<std::atomic<bool>> done = std::make_unique<std::atomic<bool>>(false);
    };
    std::vector<builder_slot> builders(static_cast<std::size_t>(cfg_.builders));
    for (builder_slot& b : builders) b.thread = std::thread(&soak_run::builder, this, seeds.next(), b.done.get());

    double next_report = cfg_.report_seconds;
    for (;;) {
        const auto now = clock::now();
        if (now >= deadline || stopping()) break;
        std::this_thread::sleep_for(std::min<clock::duration>(std::chrono::milliseconds(25), deadline - now));

        const std::int64_t rss = resident_bytes();
        const std::int64_t heap = heap_in_use_bytes();
        if (clock::now() < warmup_end) {
            res.rss_warmup_max = std::max(res.rss_warmup_max, rss);
            res.heap_warmup_max = std::max(res.heap_warmup_max, heap);
            ++res.samples_warmup;
        } else {
            res.rss_steady_max = std::max(res.rss_steady_max, rss);
            res.heap_steady_max = std::max(res.heap_steady_max, heap);
            ++res.samples_steady;
        }
        std::size_t i = 0;
        for_each_lane(*world_, [&](auto& ln) {
            using lane_t = std::remove_reference_t<decltype(ln)>;
            res.lanes[i].peak_live_nodes = std::max(res.lanes[i].peak_live_nodes, lane_t::policy::live_nodes());
            ++i;
        });

        for (builder_slot& b : builders) {
            if (!b.done->load(std::memory_order_acquire)) continue;
            b.thread.join();
            b.done->store(false);
            b.thread = std::thread(&soak_run::builder, this, seeds.next(), b.done.get());
        }

        if (cfg_.report_seconds > 0 && clock::now() >= after(next_report)) {
            next_report += cfg_.report_seconds;
            std::int64_t live = 0;
            for_each_lane(*world_, [&](auto& ln) { live += std::remove_reference_t<decltype(ln)>::policy::live_nodes(); });
            const double t = std::chrono::duration<double>(clock::now() - start).count();
            std::fprintf(stderr,
                         "soak: %7.0f s  rss %6.1f MiB  heap %6.1f MiB  live nodes %8" PRId64
                         "  derives %" PRIu64 "  checks %" PRIu64 "  builder threads %" PRIu64 "\n",
                         t, static_cast<double>(rss) / mib, static_cast<double>(heap) / mib, live,
                         counts_.derives.load(), counts_.in_place_checks.load() + counts_.snapshot_checks.load(),
                         counts_.builder_threads.load());
        }
    }
    stop_.store(true);
    for (std::thread& t : workers) t.join();
    for (builder_slot& b : builders) b.thread.join();
    res.elapsed_seconds = std::chrono::duration<double>(clock::now() - start).count();
    res.rss_end = resident_bytes();

    {
        std::size_t i = 0;
        for_each_lane(*world_, [&](auto& ln) {
            using lane_t = std::remove_reference_t<decltype(ln)>;
            res.lanes[i].checks = ln.checks.load();
            res.lanes[i].live_nodes_at_stop = lane_t::policy::live_nodes();
            ++i;
        });
    }
    world_.reset(); // every atom, channel and the versions they hold
    // Nodes this thread made whose last references the workers dropped wait for this
    // thread, their owner, to take them back (docs/memory.md): it does so now.
    immutable::reclaim_deferred();
    {
        std::size_t i = 0;
        auto count = [&]<class... Lanes>(std::tuple<Lanes...>*) {
            ((res.lanes[i++].live_nodes_after = Lanes::policy::live_nodes()), ...);
        };
        count(static_cast<world*>(nullptr));
    }
    // Builder threads have exited, so their single-thread pools are gone; their counts
    // went through counted<>, which is process-wide.
    res.local_live_nodes_after = local_policy::live_nodes();
    res.local_allocations = static_cast<std::uint64_t>(local_policy::stats().allocations - local_allocations_before);
    res.pool = pooled_policy::stats();

    res.ops.derives = counts_.derives;
    res.ops.in_place_checks = counts_.in_place_checks;
    res.ops.snapshot_checks = counts_.snapshot_checks;
    res.ops.rechecks = counts_.rechecks;
    res.ops.hand_offs = counts_.hand_offs;
    res.ops.takes = counts_.takes;
    res.ops.batches = counts_.batches;
    res.ops.batch_publishes = counts_.batch_publishes;
    res.ops.fresh_builds = counts_.fresh_builds;
    res.ops.local_rounds = counts_.local_rounds;
    res.ops.builder_threads = counts_.builder_threads;
    res.failures = failures_;
    res.first_failure = first_failure_;
    return res;
}

inline void result::print(std::FILE* out) const {
    auto m = [](std::int64_t b) { return static_cast<double>(b) / mib; };
    std::fprintf(out, "soak: %.1f s (asked %.1f s, warm-up %.1f s), seed %#" PRIx64 ", heap: %s\n", elapsed_seconds,
                 cfg.seconds, cfg.warmup(), cfg.seed, heap_name(heap));
    std::fprintf(out,
                 "soak: derives %" PRIu64 ", checks in place %" PRIu64 " / snapshots %" PRIu64 " / again %" PRIu64
                 ", hand-offs %" PRIu64 ", taken %" PRIu64 ", batches %" PRIu64 " (published %" PRIu64
                 "), fresh %" PRIu64 ", local rounds %" PRIu64 ", builder threads %" PRIu64 "\n",
                 ops.derives, ops.in_place_checks, ops.snapshot_checks, ops.rechecks, ops.hand_offs, ops.takes,
                 ops.batches, ops.batch_publishes, ops.fresh_builds, ops.local_rounds, ops.builder_threads);
    for (const lane_result& l : lanes) {
        std::fprintf(out, "soak:   %-34s checks %9" PRIu64 "  peak live nodes %7" PRId64 "  at stop %6" PRId64
                          "  after %" PRId64 "\n",
                     l.name.c_str(), l.checks, l.peak_live_nodes, l.live_nodes_at_stop, l.live_nodes_after);
    }
    std::fprintf(out, "soak:   %-34s allocations %" PRIu64 "  after %" PRId64 "\n",
                 "single_thread_pooled_policy (local)", local_allocations, local_live_nodes_after);
    std::fprintf(out,
                 "soak: rss start %.1f MiB, warm-up max %.1f MiB (%" PRIu64 " samples), after warm-up max %.1f MiB "
                 "(%" PRIu64 " samples), bound %.1f MiB, end %.1f MiB: %s\n",
                 m(rss_start), m(rss_warmup_max), samples_warmup, m(rss_steady_max), samples_steady, m(rss_limit()),
                 m(rss_end), rss_ok() ? "ok" : "EXCEEDED");
    std::fprintf(out, "soak: heap in use warm-up max %.1f MiB, after warm-up max %.1f MiB, bound %.1f MiB: %s\n",
                 m(heap_warmup_max), m(heap_steady_max), m(heap_limit()), heap_ok() ? "ok" : "EXCEEDED");
    std::fprintf(out,
                 "soak: pooled_policy: %" PRId64 " allocations, %.1f%% reused, live %" PRId64 " nodes, held %.1f MiB "
                 "(shared pool %.1f MiB)\n",
                 pool.allocations,
                 pool.allocations > 0 ? 100.0 * static_cast<double>(pool.reuses) / static_cast<double>(pool.allocations) : 0.0,
                 pool.live_nodes, m(pool.held_bytes), m(pool.shared_held_bytes));
    std::fprintf(out, "soak: %s\n", passed() ? "PASSED" : "FAILED");
}

} // namespace immutable::soak
