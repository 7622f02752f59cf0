// Allocation failure while loading: a container loaded with the N-th allocation throwing
// std::bad_alloc, for N = 0, 1, 2, ... until the load succeeds, both as the first type its
// records are loaded as and as a second type (a list under another memory policy, a map
// under another hash function ...), whose slots the loader keeps apart. At every N the load
// throws std::bad_alloc or succeeds, what was loaded before is unchanged, the reader still
// loads, and once everything is destroyed no node and no heap block is left.
//
// Every heap allocation of the program goes through the operator new below (nodes too: the
// policies here take their memory from it), so that the failure can strike the loader's own
// tables as well as nodes and containers.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <immutable/box.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/persist.hpp>
#include <immutable/queue.hpp>
#include <immutable/sorted_map.hpp>

namespace {

// Allocations left before one throws (once); negative means never.
std::atomic<std::int64_t> allocations_before_failure{-1};
// Blocks from operator new not yet returned.
std::atomic<std::int64_t> live_blocks{0};

void* allocate_block(std::size_t bytes) {
    if (allocations_before_failure.load(std::memory_order_relaxed) >= 0 &&
        allocations_before_failure.fetch_sub(1, std::memory_order_relaxed) == 0)
        throw std::bad_alloc();
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    live_blocks.fetch_add(1, std::memory_order_relaxed);
    return p;
}

void free_block(void* p) noexcept {
    if (p == nullptr) return;
    live_blocks.fetch_sub(1, std::memory_order_relaxed);
    std::free(p);
}

} // namespace

void* operator new(std::size_t bytes) { return allocate_block(bytes); }
void* operator new[](std::size_t bytes) { return allocate_block(bytes); }
void operator delete(void* p) noexcept { free_block(p); }
void operator delete[](void* p) noexcept { free_block(p); }
void operator delete(void* p, std::size_t) noexcept { free_block(p); }
void operator delete[](void* p, std::size_t) noexcept { free_block(p); }

using namespace immutable;

namespace {

struct saved_tag {};
struct first_tag {};
struct second_tag {};
using saved_policy = counted<heap_policy, saved_tag>;
using first_policy = counted<heap_policy, first_tag>;
using second_policy = counted<heap_policy, second_tag>;

// A hash other than std::hash<int>: a map saved with one is loaded under the other by
// inserting its entries anew.
struct mixing_hash {
    std::size_t operator()(int k) const noexcept {
        return static_cast<std::size_t>((static_cast<std::uint64_t>(k) + 1) * 0x9e3779b97f4a7c15ull);
    }
};

// The same elements, in the same order for the sequences and the sorted map.
template <class A, class B>
bool same(const A& a, const B& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), b.end());
}
template <class HA, class PA, class HB, class PB>
bool same(const map<int, int, HA, std::equal_to<int>, PA>& a, const map<int, int, HB, std::equal_to<int>, PB>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : b) {
        const int* found = a.find(k);
        if (found == nullptr || *found != v) return false;
    }
    return true;
}
template <class T, class PA, class PB>
bool same(const box<T, PA>& a, const box<T, PB>& b) {
    return *a == *b;
}

std::int64_t live_nodes() {
    return saved_policy::live_nodes() + first_policy::live_nodes() + second_policy::live_nodes();
}

// As First: no load before the failing one (its records get their first slots).
struct nothing {};

// Saves `saved`, loads it as First (unless nothing), then as Second with the allocation after
// n successful ones failing, for n = 0, 1, ... until that load succeeds.
template <class First, class Second, class Saved>
void load_under_failing_allocations(const Saved& saved) {
    persist::writer w;
    ASSERT_EQ(w.add(saved), 0u);
    const std::vector<std::byte> doc = w.bytes();
    for (std::int64_t n = 0;; ++n) {
        ASSERT_LT(n, 100000) << "the load never succeeds";
        const std::int64_t nodes_before = live_nodes();
        const std::int64_t blocks_before = live_blocks.load();
        bool loaded = false;
        bool loaded_right = true;
        bool first_unchanged = true;
        bool reloaded_right = true;
        {
            persist::reader r(doc);
            std::optional<First> first;
            if constexpr (!std::is_same_v<First, nothing>) first.emplace(r.load<First>(0));
            allocations_before_failure.store(n);
            try {
                const Second second = r.load<Second>(0);
                allocations_before_failure.store(-1);
                loaded = true;
                loaded_right = same(second, saved);
            } catch (const std::bad_alloc&) {
                allocations_before_failure.store(-1);
            }
            if constexpr (!std::is_same_v<First, nothing>) first_unchanged = same(*first, saved);
            // The reader is still usable: the same load, without failures, succeeds.
            if (!loaded) reloaded_right = same(r.load<Second>(0), saved);
        }
        ASSERT_TRUE(loaded_right) << "n = " << n;
        ASSERT_TRUE(first_unchanged) << "n = " << n;
        ASSERT_TRUE(reloaded_right) << "n = " << n;
        ASSERT_EQ(live_nodes(), nodes_before) << "nodes leaked, n = " << n;
        ASSERT_EQ(live_blocks.load(), blocks_before) << "heap blocks leaked, n = " << n;
        if (loaded) {
            // Failures were injected at every allocation the load makes.
            ASSERT_GT(n, 0);
            return;
        }
    }
}

// The containers saved, one of each kind.
list<int, saved_policy> saved_list() {
    list<int, saved_policy> l;
    for (int i = 0; i < 200; ++i) l = l.push_back(i);
    return l;
}
map<int, int, std::hash<int>, std::equal_to<int>, saved_policy> saved_map() {
    map<int, int, std::hash<int>, std::equal_to<int>, saved_policy> m;
    for (int i = 0; i < 300; ++i) m = m.set(i * 7, i);
    return m;
}
sorted_map<int, int, std::less<int>, saved_policy> saved_sorted_map() {
    sorted_map<int, int, std::less<int>, saved_policy> m;
    for (int i = 0; i < 300; ++i) m = m.set(i, -i);
    return m;
}
queue<int, saved_policy> saved_queue() {
    queue<int, saved_policy> q;
    for (int i = 0; i < 100; ++i) q = q.push(i);
    return q.pop();
}
box<std::string, saved_policy> saved_box() { return box<std::string, saved_policy>(std::string(100, 'b')); }

} // namespace

TEST(persist_exception, list_loaded_under_a_second_policy) {
    load_under_failing_allocations<list<int, first_policy>, list<int, second_policy>>(saved_list());
}

TEST(persist_exception, map_loaded_under_a_second_policy) {
    load_under_failing_allocations<map<int, int, std::hash<int>, std::equal_to<int>, first_policy>,
                                   map<int, int, std::hash<int>, std::equal_to<int>, second_policy>>(saved_map());
}

TEST(persist_exception, map_loaded_under_a_second_hash) {
    load_under_failing_allocations<map<int, int, std::hash<int>, std::equal_to<int>, first_policy>,
                                   map<int, int, mixing_hash, std::equal_to<int>, first_policy>>(saved_map());
}

TEST(persist_exception, sorted_map_loaded_under_a_second_policy) {
    load_under_failing_allocations<sorted_map<int, int, std::less<int>, first_policy>,
                                   sorted_map<int, int, std::less<int>, second_policy>>(saved_sorted_map());
}

TEST(persist_exception, queue_loaded_under_a_second_policy) {
    load_under_failing_allocations<queue<int, first_policy>, queue<int, second_policy>>(saved_queue());
}

TEST(persist_exception, box_loaded_under_a_second_policy) {
    load_under_failing_allocations<box<std::string, first_policy>, box<std::string, second_policy>>(saved_box());
}

// The first load from a reader: every record gets its first slot.
TEST(persist_exception, first_load_of_each_container) {
    load_under_failing_allocations<nothing, list<int, first_policy>>(saved_list());
    load_under_failing_allocations<nothing, map<int, int, std::hash<int>, std::equal_to<int>, first_policy>>(saved_map());
    load_under_failing_allocations<nothing, sorted_map<int, int, std::less<int>, first_policy>>(saved_sorted_map());
    load_under_failing_allocations<nothing, queue<int, first_policy>>(saved_queue());
    load_under_failing_allocations<nothing, box<std::string, first_policy>>(saved_box());
}
