// Model-based tests: random sequences of queue operations, each applied to a randomly
// chosen earlier version, compared with std::deque after every step; at the end every
// version is checked again, unchanged (persistence), and every node is freed once the
// versions are gone. Structural invariants are walked after each step.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <immutable/detail/queue/debug.hpp>
#include <immutable/queue.hpp>

#include "support/failing_policy.hpp"

using immutable::queue;
using immutable::test::counted_policy;

namespace {

template <class T, class P>
std::string invariants(const queue<T, P>& q) {
    return immutable::detail::queue::invariant_checker<T, P>::check(q);
}

template <class T, class P>
std::string invariants(const typename queue<T, P>::builder& b) {
    return immutable::detail::queue::invariant_checker<T, P>::check_builder(b);
}

template <class T, class P>
void expect_matches(const queue<T, P>& q, const std::deque<T>& model) {
    RC_ASSERT(invariants(q).empty());
    RC_ASSERT(q.size() == model.size());
    RC_ASSERT(q.empty() == model.empty());
    RC_ASSERT(bool((q.identity() == nullptr) == model.empty()));
    RC_ASSERT(std::equal(q.begin(), q.end(), model.begin(), model.end()));
    std::size_t at = 0;
    bool same = true;
    for_each_chunk(q, [&](const T* first, const T* last) {
        for (; first != last; ++first) same = same && at < model.size() && *first == model[at++];
    });
    RC_ASSERT(same);
    RC_ASSERT(at == model.size());
    for (std::size_t i = 0; i < model.size(); i += 1 + model.size() / 20) RC_ASSERT(q[i] == model[i]);
    if (!model.empty()) {
        RC_ASSERT(q.front() == model.front());
        RC_ASSERT(q.back() == model.back());
    }
}

// rapidcheck scales inRange by the test's size; operation choices should use the whole range.
template <class I>
I in_range(I lo, I hi) {
    return *rc::gen::resize(100, rc::gen::inRange<I>(lo, hi));
}

int make_value(int i, int*) { return i; }
std::string make_value(int i, std::string*) { return "queued value " + std::to_string(i); }

template <class T>
T value(int i) {
    return make_value(i, static_cast<T*>(nullptr));
}

template <class T, class P = immutable::default_policy>
void run_model(int max_steps) {
    using Q = queue<T, P>;
    std::vector<Q> versions{Q{}};
    std::vector<std::deque<T>> models{{}};
    const int steps = in_range(1, max_steps);
    int counter = 0;
    for (int step = 0; step < steps; ++step) {
        // Mostly extend one of the latest versions, so queues grow long enough to
        // compact; sometimes branch off any older one.
        const std::size_t latest = versions.size() - 1;
        const std::size_t which = in_range(0, 4) == 0 ? in_range<std::size_t>(0, versions.size())
                                                      : latest - std::min<std::size_t>(latest, in_range<std::size_t>(0, 3));
        const Q src = versions[which];
        std::deque<T> model = models[which];
        Q out;
        switch (in_range(0, 9)) {
        case 0:
        case 1:
        case 2: { // push one
            const T v = value<T>(counter++);
            out = src.push(v);
            model.push_back(v);
            break;
        }
        case 3:
        case 4: { // pop one (throws on empty)
            if (model.empty()) {
                RC_ASSERT_THROWS_AS((void)src.pop(), std::out_of_range);
                out = src;
            } else {
                out = src.pop();
                model.pop_front();
            }
            break;
        }
        case 5: { // a burst of pushes; with moves, all but the first change a sole node in place
            const int n = in_range(1, 300);
            const bool moved = in_range(0, 2) == 0;
            out = src;
            for (int i = 0; i < n; ++i) {
                const T v = value<T>(counter++);
                out = moved ? std::move(out).push(v) : out.push(v);
                model.push_back(v);
            }
            break;
        }
        case 6: { // a burst of pops, with or without moves
            const std::size_t n = std::min(model.size(), in_range<std::size_t>(1, 300));
            const bool moved = in_range(0, 2) == 0;
            out = src;
            for (std::size_t i = 0; i < n; ++i) {
                out = moved ? std::move(out).pop() : out.pop();
                model.pop_front();
            }
            break;
        }
        case 7: { // through a builder, building midway too
            auto b = src.to_builder();
            const int n = in_range(1, 200);
            Q midway;
            std::deque<T> midway_model;
            for (int i = 0; i < n; ++i) {
                if (in_range(0, 3) == 0 && !model.empty()) {
                    RC_ASSERT(b.front() == model.front());
                    b.pop();
                    model.pop_front();
                } else {
                    const T v = value<T>(counter++);
                    b.push(v);
                    model.push_back(v);
                    RC_ASSERT(b.back() == v);
                }
                RC_ASSERT(b.size() == model.size());
                if (i == n / 2) {
                    midway = b.build();
                    midway_model = model;
                }
            }
            RC_ASSERT((invariants<T, P>(b)).empty());
            out = b.build();
            versions.push_back(midway);
            models.push_back(midway_model);
            break;
        }
        case 8: { // round trip through a list
            out = Q(src.to_list());
            break;
        }
        default: { // equality and identity against the source
            out = src;
            RC_ASSERT(bool(out.identity() == src.identity()));
            RC_ASSERT(out == src);
            if (!model.empty()) RC_ASSERT(!(src.pop() == src));
            RC_ASSERT(!(src.push(value<T>(counter++)) == src));
            break;
        }
        }
        expect_matches(out, model);
        expect_matches(src, models[which]); // deriving changed nothing
        versions.push_back(out);
        models.push_back(std::move(model));
    }
    for (std::size_t v = 0; v < versions.size(); ++v) expect_matches(versions[v], models[v]);
}

} // namespace

RC_GTEST_PROP(queue_model, ints_match_std_deque, ()) { run_model<int>(150); }

RC_GTEST_PROP(queue_model, strings_match_std_deque, ()) { run_model<std::string>(80); }

RC_GTEST_PROP(queue_model, every_node_is_freed_afterwards, ()) {
    const std::int64_t before = counted_policy::live_nodes();
    run_model<int, counted_policy>(100);
    RC_ASSERT(counted_policy::live_nodes() == before);
}

RC_GTEST_PROP(queue_model, a_long_fifo_run_matches, (std::vector<std::uint8_t> script)) {
    // One version only, driven by a byte script: pushes and pops in any proportion.
    queue<int> q;
    std::deque<int> model;
    int next = 0;
    for (std::uint8_t op : script) {
        const int pushes = op & 7;
        const int pops = (op >> 3) & 7;
        const bool moved = (op & 64) != 0;
        for (int i = 0; i < pushes; ++i) {
            q = moved ? std::move(q).push(next) : q.push(next);
            model.push_back(next++);
        }
        for (int i = 0; i < pops && !model.empty(); ++i) {
            RC_ASSERT(q.front() == model.front());
            q = moved ? std::move(q).pop() : q.pop();
            model.pop_front();
        }
        RC_ASSERT(invariants(q).empty());
    }
    expect_matches(q, model);
}
