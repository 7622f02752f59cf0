// A lock-free job queue: producers submit jobs, workers take each job exactly once, and
// an auditor inspects consistent snapshots of the backlog while all of them run.
//
// The backlog is an immutable::queue held in an immutable::atom. Submitting is
// atom::update(q -> q.push(job)); taking a job is a compare_exchange from the version a
// worker read to that version's pop(), retried if another thread changed the queue first.
// The auditor's snapshots are whole queue versions: it can walk one at leisure, and it
// never sees a half-finished change or holds anybody up. Per-kind totals are kept the
// same way, in an atom holding an immutable::map.
//
// The program checks its own results and exits with 1 on a wrong answer.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <immutable/atom.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>

namespace {

struct job {
    int producer;
    int sequence;   // per producer: 0, 1, 2, ...
    std::string kind;
    std::int64_t cost;
};

constexpr int producers = 2;
constexpr int workers = 2;
constexpr int jobs_per_producer = 3000;
constexpr int total_jobs = producers * jobs_per_producer;
const char* const kinds[] = {"resize image", "send mail", "rebuild index"};

job make_job(int producer, int sequence) {
    return job{producer, sequence, kinds[(producer + sequence) % 3], 1 + (sequence * 7 + producer) % 13};
}

// "Running" a job: a deterministic amount of arithmetic standing in for real work.
std::int64_t run(const job& j) {
    volatile std::int64_t busy = 0;   // volatile: the optimizer may not skip the "work"
    for (std::int64_t i = 0; i < j.cost * 1000; ++i) busy = busy + 1;
    return busy == j.cost * 1000 ? j.cost : -1;   // the result the job reports
}

using backlog = immutable::queue<job>;
using totals = immutable::map<std::string, std::int64_t>;

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("WRONG: %s\n", what);
        ++failures;
    }
}

// True when, within one snapshot, each producer's jobs appear in submission order with
// no gaps: what a FIFO queue must show at any instant.
bool snapshot_is_consistent(const backlog& q) {
    int last[producers];
    std::fill(std::begin(last), std::end(last), -1);
    std::size_t counted = 0;
    for (const job& j : q) {
        int& prev = last[j.producer];
        if (prev != -1 && j.sequence != prev + 1) return false;
        prev = j.sequence;
        ++counted;
    }
    return counted == q.size();
}

} // namespace

int main() {
    immutable::atom<backlog> pending;
    immutable::atom<totals> done_by_kind;
    std::atomic<int> jobs_done{0};
    std::vector<std::vector<job>> taken(workers);   // each worker's own record

    // Auditor results.
    std::size_t snapshots = 0, largest_backlog = 0, inconsistent = 0;
    backlog largest_snapshot;

    std::vector<std::thread> threads;
    threads.emplace_back([&] {
        do {
            const backlog snapshot = pending.load();   // O(1): the version, not a copy
            ++snapshots;
            if (!snapshot_is_consistent(snapshot)) ++inconsistent;
            if (snapshot.size() > largest_backlog) {
                largest_backlog = snapshot.size();
                largest_snapshot = snapshot;   // kept: later changes cannot touch it
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        } while (jobs_done.load() < total_jobs);
    });
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&pending, p] {
            for (int s = 0; s < jobs_per_producer; ++s) {
                const job j = make_job(p, s);
                pending.update([&j](const backlog& q) { return q.push(j); });
            }
        });
    }
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&, w] {
            std::vector<job>& mine = taken[static_cast<std::size_t>(w)];
            backlog q = pending.load();
            while (jobs_done.load() < total_jobs) {
                if (q.empty()) {
                    std::this_thread::yield();
                    q = pending.load();
                    continue;
                }
                const job next = q.front();
                // Publish "q without its front" only if q is still the current version;
                // otherwise compare_exchange hands back the newer one and we try again.
                if (!pending.compare_exchange(q, q.pop())) continue;
                const std::int64_t result = run(next);
                done_by_kind.update([&](const totals& t) {
                    return t.update(next.kind, [result](std::int64_t sum) { return sum + result; });
                });
                mine.push_back(next);
                jobs_done.fetch_add(1);
                q = pending.load();
            }
        });
    }
    for (auto& t : threads) t.join();

    // Every job was taken exactly once, and each worker saw each producer's jobs in order.
    std::vector<std::vector<bool>> seen(producers, std::vector<bool>(jobs_per_producer, false));
    std::size_t duplicates = 0;
    bool in_order = true;
    for (const auto& record : taken) {
        int last[producers];
        std::fill(std::begin(last), std::end(last), -1);
        for (const job& j : record) {
            auto&& slot = seen[static_cast<std::size_t>(j.producer)][static_cast<std::size_t>(j.sequence)];
            if (slot) ++duplicates;
            slot = true;
            if (j.sequence <= last[j.producer]) in_order = false;
            last[j.producer] = j.sequence;
        }
    }
    std::size_t missing = 0;
    for (const auto& row : seen) missing += static_cast<std::size_t>(std::count(row.begin(), row.end(), false));

    // The totals per kind against a sequential computation.
    totals expected;
    for (int p = 0; p < producers; ++p)
        for (int s = 0; s < jobs_per_producer; ++s) {
            const job j = make_job(p, s);
            expected = expected.update(j.kind, [&j](std::int64_t sum) { return sum + j.cost; });
        }
    const totals final_totals = done_by_kind.load();

    std::printf("%d jobs from %d producers, run by %d workers\n", total_jobs, producers, workers);
    for (int w = 0; w < workers; ++w) std::printf("  worker %d ran %zu jobs\n", w, taken[static_cast<std::size_t>(w)].size());
    for (const char* k : kinds) {
        const std::int64_t* got = final_totals.find(k);
        std::printf("  %-14s total cost %lld\n", k, got ? static_cast<long long>(*got) : -1LL);
    }
    std::printf("auditor: %zu snapshots, largest backlog %zu jobs, %zu inconsistent\n", snapshots,
                largest_backlog, inconsistent);

    check(duplicates == 0, "no job ran twice");
    check(missing == 0, "no job was lost");
    check(in_order, "each worker took each producer's jobs in submission order");
    check(pending.load().empty(), "the backlog is empty at the end");
    check(final_totals == expected, "per-kind totals match a sequential run");
    check(snapshots > 0 && inconsistent == 0, "every snapshot the auditor took was a consistent queue");
    // The largest snapshot is still intact after every job in it was taken and run.
    check(snapshot_is_consistent(largest_snapshot) && largest_snapshot.size() == largest_backlog,
          "an old snapshot is unchanged by later pops");
    if (!largest_snapshot.empty()) {
        const immutable::list<job> as_list = largest_snapshot.to_list();
        check(as_list.size() == largest_snapshot.size() && as_list.front().sequence == largest_snapshot.front().sequence,
              "a snapshot converts to a list of the same jobs");
    }

    if (failures) {
        std::printf("%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("all checks passed\n");
    return 0;
}
