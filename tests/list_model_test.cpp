// Model-based tests: random sequences of list operations, each applied to a randomly
// chosen earlier version, compared with std::vector after every step; at the end every
// version is checked again, unchanged (persistence). Structural invariants are walked
// after each step.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <compare>
#include <string>
#include <vector>

#include <immutable/detail/rrb/debug.hpp>
#include <immutable/list.hpp>

#include "support/failing_policy.hpp"

using immutable::list;

namespace {

template <class T, class P>
std::string invariants(const list<T, P>& l) {
    return immutable::detail::rrb::invariant_checker<T, P>::check(
        immutable::detail::rrb::list_access::data_of(l));
}

template <class T, class P>
void expect_matches(const list<T, P>& l, const std::vector<T>& model) {
    RC_ASSERT(invariants(l) == std::string());
    RC_ASSERT(l.size() == model.size());
    RC_ASSERT(l.empty() == model.empty());
    // Three ways in: iterators, chunks, indexing.
    RC_ASSERT(std::equal(l.begin(), l.end(), model.begin(), model.end()));
    std::size_t at = 0;
    bool same = true;
    immutable::for_each_chunk(l, [&](const T* first, const T* last) {
        for (; first != last; ++first) same = same && at < model.size() && *first == model[at++];
    });
    RC_ASSERT(same);
    RC_ASSERT(at == model.size());
    for (std::size_t i = 0; i < model.size(); i += 1 + model.size() / 50) RC_ASSERT(l[i] == model[i]);
    if (!model.empty()) {
        RC_ASSERT(l.front() == model.front());
        RC_ASSERT(l.back() == model.back());
    }
}

// rapidcheck scales inRange by the test's size; operation choices should use the whole range.
template <class I>
I in_range(I lo, I hi) {
    return *rc::gen::resize(100, rc::gen::inRange<I>(lo, hi));
}

int make_value(int i, int*) { return i; }
std::string make_value(int i, std::string*) { return "value number " + std::to_string(i); }

template <class T>
T value(int i) {
    return make_value(i, static_cast<T*>(nullptr));
}

// Sizes grow by concatenation; keep them bounded so every check stays quick.
constexpr std::size_t size_cap = 12000;

template <class T, class P = immutable::default_policy>
void run_model(int max_steps) {
    using L = list<T, P>;
    std::vector<L> versions{L{}};
    std::vector<std::vector<T>> models{{}};
    const int steps = in_range(1, max_steps);
    int counter = 0;
    for (int step = 0; step < steps; ++step) {
        const std::size_t which = in_range<std::size_t>(0, versions.size());
        const L src = versions[which];
        const std::vector<T> m = models[which];
        const std::size_t n = m.size();
        L out;
        std::vector<T> model = m;
        // An index in [0, n] biased to the ends and to leaf boundaries.
        auto pick = [&](std::size_t limit) {
            if (limit == 0) return std::size_t{0};
            switch (in_range(0, 4)) {
            case 0: return std::size_t{0};
            case 1: return limit - 1;
            case 2: return std::min(limit - 1, (in_range<std::size_t>(0, limit / 32 + 1)) * 32);
            default: return in_range<std::size_t>(0, limit);
            }
        };
        const int op = in_range(0, 17);
        const T v = value<T>(++counter);
        switch (op) {
        case 0:
            out = src.push_back(v);
            model.push_back(v);
            break;
        case 1:
            out = src.push_front(v);
            model.insert(model.begin(), v);
            break;
        case 2:
            if (n == 0) continue;
            out = src.pop_back();
            model.pop_back();
            break;
        case 3:
            if (n == 0) continue;
            out = src.pop_front();
            model.erase(model.begin());
            break;
        case 4: {
            if (n == 0) continue;
            const std::size_t i = pick(n);
            out = src.set(i, v);
            model[i] = v;
            break;
        }
        case 5: {
            if (n == 0) continue;
            const std::size_t i = pick(n);
            out = src.update(i, [&](const T&) { return v; });
            model[i] = v;
            break;
        }
        case 6: {
            const std::size_t i = pick(n + 1);
            out = src.insert(i, v);
            model.insert(model.begin() + static_cast<std::ptrdiff_t>(i), v);
            break;
        }
        case 7: {
            if (n == 0) continue;
            const std::size_t i = pick(n);
            out = src.erase(i);
            model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        }
        case 8: {
            const std::size_t k = pick(n + 2);
            out = src.take(k);
            model.resize(std::min(k, n));
            break;
        }
        case 9: {
            const std::size_t k = pick(n + 2);
            out = src.drop(k);
            model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(std::min(k, n)));
            break;
        }
        case 10: {
            std::size_t a = pick(n + 1), b = pick(n + 1);
            if (a > b) std::swap(a, b);
            out = src.slice(a, b);
            model = std::vector<T>(m.begin() + static_cast<std::ptrdiff_t>(a), m.begin() + static_cast<std::ptrdiff_t>(b));
            break;
        }
        case 11: {
            const std::size_t other = in_range<std::size_t>(0, versions.size());
            if (n + models[other].size() > size_cap) continue;
            out = src + versions[other];
            model.insert(model.end(), models[other].begin(), models[other].end());
            break;
        }
        case 12: {
            // Many persistent pushes: grows trees past the leaf and the first inner level.
            const int k = in_range(1, 2500);
            if (n + static_cast<std::size_t>(k) > size_cap) continue;
            out = src;
            for (int i = 0; i < k; ++i) {
                out = out.push_back(value<T>(++counter));
                model.push_back(value<T>(counter));
            }
            break;
        }
        case 13: {
            // A builder session: pushes, pops, sets; the source must not change.
            auto b = src.to_builder();
            const int k = in_range(0, 200);
            for (int i = 0; i < k; ++i) {
                const int what = in_range(0, 5);
                if (what == 3) {
                    // A run appended whole leaves at a time (the sized-range path).
                    std::vector<T> run;
                    const int len = in_range(0, 80);
                    for (int r = 0; r < len; ++r) run.push_back(value<T>(++counter));
                    b.append_range(run);
                    model.insert(model.end(), run.begin(), run.end());
                } else if (what == 0 && !model.empty()) {
                    b.pop_back();
                    model.pop_back();
                } else if (what == 1 && !model.empty()) {
                    const std::size_t at = in_range<std::size_t>(0, model.size());
                    b.set(at, value<T>(++counter));
                    model[at] = value<T>(counter);
                } else {
                    b.push_back(value<T>(++counter));
                    model.push_back(value<T>(counter));
                }
                RC_ASSERT(b.size() == model.size());
                if (i == k / 2) {
                    // A list built half way must not see the later changes.
                    versions.push_back(b.build());
                    models.push_back(model);
                }
            }
            out = b.build();
            break;
        }
        case 14: {
            // The same elements built again from a contiguous range (a different shape when
            // src is relaxed): equal to src, and ordered like the model against a neighbour.
            out = L(m.begin(), m.end());
            RC_ASSERT(out == src);
            RC_ASSERT(std::is_eq(out <=> src));
            const std::size_t other = in_range<std::size_t>(0, versions.size());
            RC_ASSERT((out == versions[other]) == (m == models[other]));
            RC_ASSERT((out <=> versions[other]) == (m <=> models[other]));
            if (n > 0) {
                // A same-size neighbour that differs in one element, at a leaf boundary or not.
                const std::size_t at = pick(n);
                std::vector<T> changed_model = m;
                changed_model[at] = value<T>(++counter);
                const L changed = src.set(at, changed_model[at]);
                RC_ASSERT((out == changed) == (m == changed_model));
                RC_ASSERT((out <=> changed) == (m <=> changed_model));
                RC_ASSERT((changed <=> out) == (changed_model <=> m));
            }
            break;
        }
        case 15: {
            // Changes to a list about to be discarded (out = std::move(out).set(...)): in
            // place where only `out` reaches the nodes, copies where src and older versions
            // share them, and those must not change.
            out = src.push_back(v);
            model.push_back(v);
            const int k = in_range(0, 300);
            for (int i = 0; i < k; ++i) {
                const int what = in_range(0, 4);
                if (what == 0 && !model.empty()) {
                    out = std::move(out).pop_back();
                    model.pop_back();
                } else if (what == 1 && !model.empty()) {
                    const std::size_t at = pick(model.size());
                    out = std::move(out).set(at, value<T>(++counter));
                    model[at] = value<T>(counter);
                } else if (what == 2 && !model.empty()) {
                    const std::size_t at = pick(model.size());
                    const T fresh = value<T>(++counter);
                    out = std::move(out).update(at, [&](const T&) { return fresh; });
                    model[at] = fresh;
                } else {
                    out = std::move(out).push_back(value<T>(++counter));
                    model.push_back(value<T>(counter));
                }
            }
            break;
        }
        default: {
            // Pops through leaf boundaries.
            const std::size_t k = pick(n + 1);
            out = src;
            for (std::size_t i = 0; i < k; ++i) out = out.pop_back();
            model.resize(n - k);
            break;
        }
        }
        expect_matches(out, model);
        expect_matches(src, m); // the source is unchanged
        versions.push_back(std::move(out));
        models.push_back(std::move(model));
    }
    std::size_t largest = 0;
    for (std::size_t i = 0; i < versions.size(); ++i) {
        expect_matches(versions[i], models[i]);
        largest = std::max(largest, models[i].size());
    }
    RC_TAG(largest > 1100 ? "has a list over 1100" : "lists up to 1100");
}

} // namespace

RC_GTEST_PROP(list_model, int_operations_match_vector_and_keep_every_version, ()) {
    run_model<int>(60);
}

RC_GTEST_PROP(list_model, string_operations_match_vector_and_keep_every_version, ()) {
    run_model<std::string>(30);
}

RC_GTEST_PROP(list_model, single_thread_policy_behaves_the_same, ()) {
    run_model<int, immutable::single_thread_heap_policy>(30);
}

RC_GTEST_PROP(list_model, no_node_outlives_its_versions, ()) {
    {
        run_model<int, immutable::test::counted_policy>(30);
    }
    RC_ASSERT(immutable::test::counted_policy::live_nodes() == 0);
}

// Equality, ordering and hashing agree with the model's.
RC_GTEST_PROP(list_model, comparisons_agree_with_vector, (std::vector<int> a, std::vector<int> b)) {
    list<int> x(a.begin(), a.end());
    list<int> y(b.begin(), b.end());
    RC_ASSERT((x == y) == (a == b));
    RC_ASSERT((x <=> y) == (a <=> b));
    if (a == b) RC_ASSERT(std::hash<list<int>>{}(x) == std::hash<list<int>>{}(y));
    // Built another way (concatenation), still equal.
    const std::size_t half = a.size() / 2;
    list<int> z = x.take(half) + x.drop(half);
    RC_ASSERT(z == x);
    RC_ASSERT(std::hash<list<int>>{}(z) == std::hash<list<int>>{}(x));
}
