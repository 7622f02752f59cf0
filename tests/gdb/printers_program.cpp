// The program scripts/check-gdb debugs. It builds every container with every memory
// policy, writes to the file named by argv[1] what gdb's pretty-printers should show for
// each variable (rendered here through the containers' own iterators), then stops in
// stop_here() where gdb prints them. The expectations follow gdb's formatting with
// `set print elements LIMIT` (argv[2], 0 for unlimited): LIMIT children, then "...".
// Sizes avoid LIMIT itself, where gdb writes "..." though nothing follows.
#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/pool.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>
#if __has_include(<immutable/box.hpp>)
#include <immutable/box.hpp>
#define IMMUTABLE_GDB_CHECK_BOX 1
#endif

#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

std::size_t limit = 0;
std::ofstream expected;

std::string show(int v) { return std::to_string(v); }
std::string show(const std::string& s) { return '"' + s + '"'; }

// "immutable::<name> of size N = {e, e, ...}", or "... of size 0" when empty. gdb stops
// after `limit` children (0: no limit) and writes "..."; a map's entry is two children, a
// key and a value.
template <class Range, class Render>
std::string rendered(const std::string& name, const Range& r, std::size_t size, std::size_t per_entry,
                     Render render) {
    std::string line = "immutable::" + name + " of size " + std::to_string(size);
    if (size == 0) return line;
    line += " = {";
    std::size_t i = 0;
    for (const auto& e : r) {
        if (limit != 0 && i == limit / per_entry) {
            line += "...";
            break;
        }
        if (i != 0) line += ", ";
        line += render(e);
        ++i;
    }
    return line + "}";
}

template <class Range>
std::string elements(const std::string& name, const Range& r) {
    return rendered(name, r, r.size(), 1, [](const auto& e) { return show(e); });
}
template <class Range>
std::string entries(const std::string& name, const Range& r) {
    return rendered(name, r, r.size(), 2, [](const auto& e) { return "[" + show(e.first) + "] = " + show(e.second); });
}

void expect(const std::string& variable, const std::string& shown) {
    expected << variable << '\t' << shown << '\n';
}

// Two keys with one hash: the map keeps them in a collision node.
struct clashing_hash {
    std::size_t operator()(int k) const noexcept { return static_cast<std::size_t>(k % 3); }
};

} // namespace

immutable::node_pool arena; // for node_pool_policy<arena>

// gdb stops here; every container is alive in main's frame.
[[gnu::noinline]] void stop_here() { asm volatile(""); }

template <class P>
struct containers {
    immutable::list<int, P> empty_list;
    immutable::list<int, P> small_list;
    immutable::list<int, P> big_list;
    immutable::list<int, P> relaxed_list;
    immutable::list<std::string, P> string_list;
    immutable::queue<int, P> queue;
    immutable::map<int, std::string, std::hash<int>, std::equal_to<int>, P> map;
    immutable::map<int, int, clashing_hash, std::equal_to<int>, P> collision_map;
    immutable::set<int, std::hash<int>, std::equal_to<int>, P> set;
    immutable::sorted_map<int, std::string, std::less<int>, P> sorted_map;
    immutable::sorted_set<int, std::less<int>, P> sorted_set;

    void fill() {
        small_list = {1, 2, 3};
        auto b = big_list.to_builder();
        for (int i = 0; i < 3000; ++i) b.push_back(i);
        big_list = b.build();
        relaxed_list = big_list.drop(7).insert(40, -1) + small_list + big_list.take(100);
        string_list = {"ab", "cde", "f"}; // shorter than the limit, which gdb also applies to strings
        for (int i = 0; i < 100; ++i) queue = queue.push(i);
        for (int i = 0; i < 60; ++i) queue = queue.pop();
        for (int i = 0; i < 700; ++i) map = map.set(i * 7, std::to_string(i));
        for (int i = 0; i < 40; ++i) collision_map = collision_map.set(i, i * i);
        for (int i = 0; i < 500; ++i) set = set.insert(i * 3);
        for (int i = 0; i < 600; ++i) sorted_map = sorted_map.set(i * 5 % 601, std::to_string(i));
        for (int i = 0; i < 5000; ++i) sorted_set = sorted_set.insert(i * 7 % 5003);
    }

    void write_expected(const std::string& prefix) {
        expect(prefix + "empty_list", elements("list", empty_list));
        expect(prefix + "small_list", elements("list", small_list));
        expect(prefix + "big_list", elements("list", big_list));
        expect(prefix + "relaxed_list", elements("list", relaxed_list));
        expect(prefix + "string_list", elements("list", string_list));
        expect(prefix + "queue", elements("queue", queue));
        expect(prefix + "map", entries("map", map));
        expect(prefix + "collision_map", entries("map", collision_map));
        expect(prefix + "set", elements("set", set));
        expect(prefix + "sorted_map", entries("sorted_map", sorted_map));
        expect(prefix + "sorted_set", elements("sorted_set", sorted_set));
    }
};

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    expected.open(argv[1]);
    limit = static_cast<std::size_t>(std::atoi(argv[2]));

    containers<immutable::heap_policy> heap;
    containers<immutable::single_thread_heap_policy> single;
    containers<immutable::pooled_policy> pooled;
    containers<immutable::single_thread_pooled_policy> single_pooled;
    containers<immutable::node_pool_policy<arena>> arena_pooled;
    heap.fill();
    single.fill();
    pooled.fill();
    single_pooled.fill();
    arena_pooled.fill();
    heap.write_expected("heap.");
    single.write_expected("single.");
    pooled.write_expected("pooled.");
    single_pooled.write_expected("single_pooled.");
    arena_pooled.write_expected("arena_pooled.");

    immutable::atom<immutable::list<int>> atom(heap.small_list);
    atom.update([](const immutable::list<int>& l) { return l.push_back(4).push_back(5); });
    expect("atom", "immutable::atom = {value = " + elements("list", atom.load()) + "}");
#ifdef IMMUTABLE_GDB_CHECK_BOX
    immutable::box<std::string> box("box"); // shorter than the limit, which gdb also applies to strings
    expect("box", "immutable::box = {value = \"box\"}");
#endif
    // Printed only under a limit: gdb must stop reading after LIMIT elements, or this
    // print would take minutes.
    immutable::list<int> million;
    if (limit != 0) {
        auto b = million.to_builder();
        for (int i = 0; i < 1'000'000; ++i) b.push_back(i);
        million = b.build();
        expect("million", elements("list", million));
    }
    expected.close();
    stop_here();
    return 0;
}
