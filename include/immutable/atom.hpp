#pragma once
// immutable::atom<C>: one mutable cell holding a version of a persistent container, for
// publishing snapshots from writers to concurrent readers.
//
//   immutable::atom<immutable::map<std::string, int>> config;
//   config.update([](const auto& m) { return m.set("retries", 3); });  // any writer
//   int r = config.read([](const auto& m) { return m.at("retries"); }); // any reader
//
// Like std::atomic: not copyable, not movable. Snapshots own their version, so they may
// outlive the atom. Every member may be called from any number of threads at once.
//
// read() is the hot path: after a thread's first read, and until the next store, it
// writes to no cache line shared with another thread (no reference count, no lock, no
// read-modify-write): one acquire load of the atom's version counter decides that the
// thread's cached snapshot is current. Costs: each thread that reads keeps one version
// alive through that cache until its next read()/load(), release_thread_cache(), its exit,
// or the atom's destruction. Design, guarantees and measurements: docs/atom.md.

#include <concepts>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>

#include <immutable/detail/atom/engine.hpp>
#include <immutable/detail/refcount.hpp>

namespace immutable {

// What atom needs from a container: O(1) copies that share the version, moves that cannot
// throw, and identity(): the address of the root, equal for two values exactly when they
// are the same version (every container of this library qualifies).
template <class C>
concept atom_value = std::copy_constructible<C> && std::is_nothrow_move_constructible_v<C> &&
                     std::is_nothrow_move_assignable_v<C> && std::is_nothrow_destructible_v<C> &&
                     requires(const C& c) {
                         { c.identity() } noexcept -> std::same_as<const void*>;
                     };

namespace detail::atom_support {
// False for a container whose memory policy counts references with plain integers
// (single_thread_heap_policy): readers on other threads would race on them.
template <class C>
consteval bool shareable_across_threads() {
    if constexpr (requires { typename C::policy_type::refcount; }) {
        return !std::is_same_v<typename C::policy_type::refcount, plain_refcount>;
    } else {
        return true;
    }
}
} // namespace detail::atom_support

template <class C>
class atom {
    static_assert(atom_value<C>,
                  "immutable::atom<C> needs a container of this library (copyable, nothrow "
                  "movable, with const void* identity() const noexcept)");
    static_assert(detail::atom_support::shareable_across_threads<C>(),
                  "immutable::atom<C>: C's memory policy uses plain reference counts "
                  "(single_thread_heap_policy); snapshots would be shared across threads");

public:
    using value_type = C;

    // Holds an empty C. One small allocation (the box holding the version).
    atom() requires std::default_initializable<C> : engine_(C{}) {}
    // Holds `initial`. O(1): moves it into a new box.
    atom(C initial) : engine_(std::move(initial)) {}

    atom(const atom&) = delete;
    atom& operator=(const atom&) = delete;

    // Frees the current version's box and every reader slot; versions still referenced by
    // snapshots stay alive with those snapshots. No read may be in progress.
    ~atom() = default;

    // An owning snapshot of the current version; it keeps that version alive as long as it
    // lives. O(1): a read() plus one reference-count increment on the root.
    [[nodiscard]] C load() const {
        return read([](const C& c) { return c; });
    }

    // Publishes `desired`. O(1) plus one box allocation; writers serialise briefly.
    void store(C desired) { engine_.store(std::move(desired)); }

    // Publishes `desired` and returns the version it replaced. O(1) as store().
    C exchange(C desired) { return engine_.exchange(std::move(desired)); }

    // If the current version is `expected` (same identity(): the same root, not merely
    // equal contents), publishes `desired` and returns true. Otherwise loads the current
    // version into `expected` and returns false. Never fails spuriously.
    bool compare_exchange(C& expected, C desired) {
        return engine_.compare_exchange(expected, std::move(desired));
    }

    // Applies f to the current version and publishes the result, retrying with the newer
    // version when another writer published first (so f may run more than once, and must
    // have no side effects beyond its result). Returns the version this call published.
    template <class F>
        requires std::invocable<F&, const C&> &&
                 std::convertible_to<std::invoke_result_t<F&, const C&>, C>
    C update(F f) {
        C current = load();
        for (;;) {
            C next = std::invoke(f, std::as_const(current));
            if (compare_exchange(current, next)) return next;
        }
    }

    // Calls f(const C&) on the current version and returns f's result. For short reads:
    // the reference is valid only during the call (copy it to keep the version). Fast path
    // (the version has not changed since this thread's last read): two thread-local loads,
    // one acquire load of the version counter, no write to shared memory.
    template <class F>
        requires std::invocable<F&, const C&>
    decltype(auto) read(F&& f) const {
        return engine_.read(f);
    }

    // Drops the snapshot this thread cached in this atom, so an idle thread stops keeping
    // an old version alive. The next read() on this thread takes the slow path. No effect
    // when called from inside a read() of this atom.
    void release_thread_cache() const noexcept { engine_.release_thread_cache(); }

private:
    detail::atom_support::engine<C> engine_;
};

// Instrumentation for tests and benchmarks (enabled when IMMUTABLE_ATOM_INSTRUMENT is
// defined for the whole program).
namespace atom_instrumentation {

inline constexpr bool enabled = detail::atom_support::instrumented;

// How many writes read() made on this thread, so far, to memory that other threads also
// access (reference counts of shared nodes, mutexes, slot tables, hazard pointers).
// Always 0 when not enabled.
inline std::uint64_t shared_writes_in_read() noexcept {
#if defined(IMMUTABLE_ATOM_INSTRUMENT)
    return detail::atom_support::shared_writes_in_read;
#else
    return 0;
#endif
}

} // namespace atom_instrumentation

} // namespace immutable
