// Uses every public header through the installed package, as a user's project would;
// exits non-zero on a wrong answer.
#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/memory.hpp>
#include <immutable/pool.hpp>
#include <immutable/queue.hpp>
#include <immutable/set.hpp>
#include <immutable/sorted_map.hpp>
#include <immutable/sorted_set.hpp>

#include <cstdio>
#include <string>

int main() {
    int failures = 0;
    auto check = [&failures](bool ok, const char* what) {
        if (!ok) {
            std::printf("consumer: wrong answer from %s\n", what);
            ++failures;
        }
    };

    immutable::list<int> a{1, 2, 3};
    auto b = a.push_back(4);
    check(a.size() == 3 && b.size() == 4 && b[3] == 4, "list");

    auto q = immutable::queue<int>{}.push(1).push(2).pop();
    check(q.size() == 1 && q.front() == 2, "queue");

    immutable::map<std::string, int> m{{"one", 1}};
    auto m2 = m.set("two", 2);
    check(m.size() == 1 && m2.at("two") == 2 && m.find("two") == nullptr, "map");

    immutable::set<int> s1{1, 2, 3}, s2{3, 4};
    check((s1 | s2).size() == 4 && (s1 & s2).size() == 1 && (s1 - s2).size() == 2, "set");

    immutable::sorted_map<int, std::string> sm{{2, "b"}, {1, "a"}};
    check(sm.front().first == 1 && sm.nth(1).second == "b" && sm.rank(2) == 1, "sorted_map");

    immutable::sorted_set<int> ss{5, 1, 3};
    check(ss.front() == 1 && ss.back() == 5 && ss.nth(1) == 3, "sorted_set");

    immutable::list<int, immutable::pooled_policy> pooled{1, 2};
    check(pooled.push_back(3).back() == 3, "pooled list");

    immutable::atom<immutable::list<int>> cell(a);
    cell.update([](const immutable::list<int>& l) { return l.push_back(5); });
    check(cell.read([](const immutable::list<int>& l) { return l.size(); }) == 4, "atom");

    return failures;
}
