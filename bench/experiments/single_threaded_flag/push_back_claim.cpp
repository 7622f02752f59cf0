// What a list's persistent push_back costs when the library cannot know that the process
// has one thread (every libc but glibc 2.32+): build it once as is and once with
// -DIMMUTABLE_ALWAYS_ATOMIC_COUNTS, which takes that path on glibc too (docs/memory.md,
// "Outside glibc"):
//   g++ -std=c++20 -O2 -Iinclude bench/experiments/single_threaded_flag/push_back_claim.cpp -o /tmp/claim
//   g++ -std=c++20 -O2 -Iinclude -DIMMUTABLE_ALWAYS_ATOMIC_COUNTS bench/experiments/single_threaded_flag/push_back_claim.cpp -o /tmp/claim_atomic
//   for i in 1 2 3; do /tmp/claim; /tmp/claim_atomic; done
#include <immutable/list.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

int main() {
    constexpr int pushes = 2'000'000;
    std::vector<double> ns;
    for (int rep = 0; rep < 9; ++rep) {
        const auto start = std::chrono::steady_clock::now();
        immutable::list<int> l;
        for (int i = 0; i < pushes; ++i) l = l.push_back(i); // const& push_back: claims the tail slot
        const auto stop = std::chrono::steady_clock::now();
        if (l.size() != pushes) return 1;
        ns.push_back(std::chrono::duration<double, std::nano>(stop - start).count() / pushes);
    }
    std::sort(ns.begin(), ns.end());
    std::printf("%.2f ns per push_back (median of 9 runs of %d)\n", ns[4], pushes);
}
