// A smoke test of every container that needs nothing but the standard library, so that it
// also runs where Debian's GoogleTest and rapidcheck cannot link (clang++ -stdlib=libc++:
// scripts/check-libcxx). Each container is checked against a std container through the
// operations whose code differs between standard libraries: three-way comparison,
// building from single-pass iterators, pools with an upstream memory resource, threads.
// Exits non-zero, naming each failed check.
#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

int failures = 0;
int checks = 0;

void check(bool ok, const char* what) {
    ++checks;
    if (!ok) {
        std::printf("libcxx smoke: FAILED: %s\n", what);
        ++failures;
    }
}

template <class A, class B>
bool same_elements(const A& a, const B& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), b.end());
}
// Entries of a sorted_map (pair<K, V>) against a std::map's (pair<const K, V>), which not
// every standard library compares directly.
template <class A, class B>
bool same_entries(const A& a, const B& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
               return x.first == y.first && x.second == y.second;
           });
}
// What <=> should say of two ranges, from std::lexicographical_compare alone.
template <class A, class B>
std::strong_ordering expected_order(const A& a, const B& b) {
    if (std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end())) return std::strong_ordering::less;
    if (std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end())) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
}

// Counts what passes through it to the global heap: the pools' upstream.
struct counting_resource : immutable::memory_resource {
    std::size_t allocations = 0;
    void* do_allocate(std::size_t bytes, std::size_t) override {
        ++allocations;
        return ::operator new(bytes);
    }
    void do_deallocate(void* p, std::size_t, std::size_t) override { ::operator delete(p); }
    bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }
};

counting_resource upstream;
immutable::node_pool arena_pool{{}, &upstream};

template <class P>
void check_list(const char* policy) {
    using list = immutable::list<int, P>;
    std::vector<int> model;
    list l;
    for (int i = 0; i < 5000; ++i) {
        l = l.push_back(i);
        model.push_back(i);
    }
    check(same_elements(l, model), (std::string("list built by push_back, ") + policy).c_str());
    const list old = l;
    l = l.set(1234, -1).insert(10, 7).erase(4000).push_front(-5);
    model[1234] = -1;
    model.insert(model.begin() + 10, 7);
    model.erase(model.begin() + 4000);
    model.insert(model.begin(), -5);
    check(same_elements(l, model), "list set/insert/erase/push_front");
    check(old.size() == 5000 && old[1234] == 1234, "list: old version unchanged");
    const list joined = l.take(100) + l.drop(4000) + l.slice(50, 60);
    std::vector<int> joined_model(model.begin(), model.begin() + 100);
    joined_model.insert(joined_model.end(), model.begin() + 4000, model.end());
    joined_model.insert(joined_model.end(), model.begin() + 50, model.begin() + 60);
    check(same_elements(joined, joined_model), "list take/drop/slice/concat");
    check((old <=> l) == expected_order(old, model) && (old <=> l) != 0, "list <=>");
    check((l <=> l) == std::strong_ordering::equal && l == l, "list <=> itself");
    check((list{1, 2} <=> list{1, 2, 0}) == std::strong_ordering::less, "list <=> prefix");
    auto it = l.begin() + 3000;
    check(*it == model[3000] && it[5] == model[3005] && l.end() - it == static_cast<std::ptrdiff_t>(model.size() - 3000),
          "list iterator arithmetic");
    bool threw = false;
    try {
        (void)l.at(l.size());
    } catch (const std::out_of_range&) {
        threw = true;
    }
    check(threw, "list at() throws");
}

void check_list_from_single_pass_input() {
    // istream_iterator is single-pass: the builder copies it one element at a time.
    std::istringstream in("3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 3 2 3 8 4 6 2 6 4 3 3 8 3 2 7 9 5 0 2 8 8 4 1 9 7");
    const immutable::list<int> l{std::istream_iterator<int>(in), std::istream_iterator<int>()};
    check(l.size() == 40 && l[0] == 3 && l[39] == 7 && l.back() == 7, "list from istream_iterator");
    std::vector<std::string> words{"a", "bb", "ccc"};
    const auto from = immutable::list<std::string>::from_range(words);
    check(same_elements(from, words), "list from_range");
}

template <class P>
void check_queue() {
    immutable::queue<int, P> q;
    std::deque<int> model;
    for (int i = 0; i < 1000; ++i) {
        q = q.push(i);
        model.push_back(i);
        if (i % 3 == 0) {
            q = q.pop();
            model.pop_front();
        }
    }
    check(same_elements(q, model) && q.front() == model.front() && q.back() == model.back(), "queue");
    auto b = q.to_builder();
    b.push(-1).pop();
    const auto built = b.build();
    check(built.size() == q.size() && built.back() == -1 && q.back() == 999, "queue builder");
}

template <class P>
void check_map() {
    immutable::map<int, std::string, std::hash<int>, std::equal_to<int>, P> m;
    std::unordered_map<int, std::string> model;
    for (int i = 0; i < 3000; ++i) {
        m = m.set(i * 13, std::to_string(i));
        model[i * 13] = std::to_string(i);
    }
    for (int i = 0; i < 3000; i += 7) {
        m = m.erase(i * 13);
        model.erase(i * 13);
    }
    bool all = m.size() == model.size();
    for (const auto& [k, v] : m) all = all && model.count(k) == 1 && model.at(k) == v;
    check(all, "map contents");
    check(m.at(13) == "1" && m.find(0) == nullptr && !m.contains(7 * 13), "map lookups");
    const auto m2 = m.update(13, [](const std::string& s) { return s + "!"; });
    check(m2.at(13) == "1!" && m.at(13) == "1" && m2 != m, "map update leaves the old version");
}

template <class P>
void check_set() {
    using set = immutable::set<int, std::hash<int>, std::equal_to<int>, P>;
    set a, b;
    for (int i = 0; i < 2000; ++i) a = a.insert(i);
    for (int i = 1000; i < 3000; ++i) b = b.insert(i);
    check((a | b).size() == 3000 && (a & b).size() == 1000 && (a - b).size() == 1000, "set algebra");
    check(a.contains(5) && !a.contains(2500) && a.erase(5).size() == 1999, "set lookups");
}

template <class P>
void check_sorted_map() {
    immutable::sorted_map<int, std::string, std::less<int>, P> m;
    std::map<int, std::string> model;
    for (int i = 0; i < 4000; ++i) {
        const int k = (i * 7919) % 4001;
        m = m.set(k, std::to_string(i));
        model[k] = std::to_string(i);
    }
    for (int k = 0; k < 4001; k += 5) {
        m = m.erase(k);
        model.erase(k);
    }
    check(same_entries(m, model), "sorted_map contents and order");
    check(m.nth(100).first == std::next(model.begin(), 100)->first && m.rank(model.rbegin()->first) == model.size() - 1,
          "sorted_map nth/rank");
    check(m.front().first == model.begin()->first && m.back().second == model.rbegin()->second,
          "sorted_map front/back");
    const auto lower = m.set(-1, "x");
    check((lower <=> m) == std::strong_ordering::less && (m <=> m) == std::strong_ordering::equal,
          "sorted_map <=>");
}

// Only <, no <=>: the containers' <=> orders it through synth-three-way.
struct legacy {
    int v;
    friend bool operator<(const legacy& a, const legacy& b) { return a.v < b.v; }
};

template <class P>
void check_sorted_set() {
    immutable::sorted_set<int, std::less<int>, P> s;
    std::set<int> model;
    for (int i = 0; i < 5000; ++i) {
        s = s.insert((i * 31) % 2003);
        model.insert((i * 31) % 2003);
    }
    check(same_elements(s, model), "sorted_set contents and order");
    check(*s.lower_bound(1000) == *model.lower_bound(1000) && s.nth(7) == *std::next(model.begin(), 7),
          "sorted_set lower_bound/nth");
    const immutable::sorted_set<int, std::less<int>, P> fewer = s.erase(0);
    check((fewer <=> s) == std::strong_ordering::greater, "sorted_set <=>");
    const immutable::sorted_set<legacy> x{legacy{1}, legacy{2}}, y{legacy{1}, legacy{3}};
    check((x <=> y) == std::weak_ordering::less, "sorted_set <=> with only operator<");
}

template <class P>
void check_all(const char* policy) {
    check_list<P>(policy);
    check_queue<P>();
    check_map<P>();
    check_set<P>();
    check_sorted_map<P>();
    check_sorted_set<P>();
}

void check_atom() {
    immutable::atom<immutable::sorted_map<int, int>> counts;
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
        writers.emplace_back([&counts, t] {
            for (int i = 0; i < 500; ++i) {
                counts.update([&](const immutable::sorted_map<int, int>& m) { return m.set(t * 1000 + i, i); });
            }
        });
    }
    for (auto& w : writers) w.join();
    check(counts.read([](const auto& m) { return m.size(); }) == 2000, "atom: every update kept");
}

void check_pool_upstream() {
    using policy = immutable::node_pool_policy<arena_pool>;
    {
        immutable::list<int, policy> l;
        for (int i = 0; i < 10000; ++i) l = l.push_back(i);
        check(l[9999] == 9999 && l.size() == 10000, "list in a node_pool");
    }
    check(upstream.allocations > 0 && arena_pool.upstream() == &upstream, "node_pool draws from its upstream");
}

} // namespace

int main() {
    check_all<immutable::heap_policy>("heap_policy");
    check_all<immutable::single_thread_heap_policy>("single_thread_heap_policy");
    check_all<immutable::pooled_policy>("pooled_policy");
    check_all<immutable::single_thread_pooled_policy>("single_thread_pooled_policy");
    check_list_from_single_pass_input();
    check_atom();
    check_pool_upstream();
    std::printf("libcxx smoke: %d of %d checks passed\n", checks - failures, checks);
    return failures == 0 ? 0 : 1;
}
