// A text editor's buffer with unlimited undo and redo.
//
// The document is an immutable::list of lines. Every edit makes a new version of the
// list; the history is a list of those versions, so undo and redo just move a version
// from one history list to the other: O(1), no text copied. The versions share all the
// lines they have in common, which this program measures: five hundred snapshots of a
// 10,000-line document take a small multiple of one document's memory.
//
// The program checks its own results and exits with 1 on a wrong answer.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <immutable/list.hpp>
#include <immutable/memory.hpp>

namespace {

// Separate counters for the document's nodes and the history's, so each can be measured.
struct text_nodes;
struct history_nodes;
using text_policy = immutable::counted<immutable::heap_policy, text_nodes>;
using history_policy = immutable::counted<immutable::heap_policy, history_nodes>;

using text = immutable::list<std::string, text_policy>;

class editor {
public:
    explicit editor(text initial) : past_{std::move(initial)} {}

    const text& current() const { return past_.back(); }

    void append_line(std::string line) { commit(current().push_back(std::move(line))); }
    void insert_line(std::size_t at, std::string line) { commit(current().insert(at, std::move(line))); }
    void replace_line(std::size_t at, std::string line) { commit(current().set(at, std::move(line))); }
    void delete_line(std::size_t at) { commit(current().erase(at)); }
    // Cut lines [first, last) and paste them at the end: two slices and a concatenation.
    void move_block_to_end(std::size_t first, std::size_t last) {
        const text& t = current();
        commit(t.take(first) + t.slice(last, t.size()) + t.slice(first, last));
    }

    bool can_undo() const { return past_.size() > 1; }
    bool can_redo() const { return !future_.empty(); }

    // O(1): the current version moves to the redo list; nothing is copied or rebuilt.
    void undo() {
        if (!can_undo()) return;
        future_ = future_.push_back(past_.back());
        past_ = past_.pop_back();
    }
    void redo() {
        if (!can_redo()) return;
        past_ = past_.push_back(future_.back());
        future_ = future_.pop_back();
    }

    std::size_t versions() const { return past_.size() + future_.size(); }

private:
    void commit(text next) {
        past_ = past_.push_back(std::move(next));
        future_ = {};   // a new edit forgets the redo branch, as editors do
    }

    immutable::list<text, history_policy> past_;     // past_.back() is what the user sees
    immutable::list<text, history_policy> future_;   // future_.back() is the next redo
};

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("WRONG: %s\n", what);
        ++failures;
    }
}

std::vector<std::string> lines_of(const text& t) { return {t.begin(), t.end()}; }

// A fingerprint of a sequence of lines (FNV-1a over the characters, with line breaks), to
// check a thousand versions without keeping a thousand copies of the expected text.
template <class Lines>
std::uint64_t fingerprint(const Lines& lines) {
    std::uint64_t h = 14695981039346656037ull;
    for (const std::string& line : lines) {
        for (char c : line) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    return h;
}

void print(const char* title, const text& t) {
    std::printf("%s\n", title);
    for (const std::string& line : t) std::printf("    | %s\n", line.c_str());
}

// A small session a user can follow.
void small_session() {
    editor ed(text{"Dear team,", "the release is on Friday.", "Regards"});
    print("original:", ed.current());
    ed.replace_line(1, "the release moves to Monday.");
    ed.insert_line(2, "Please update your plans.");
    ed.append_line("Ana");
    print("after three edits:", ed.current());
    ed.undo();
    ed.undo();
    print("after two undos:", ed.current());
    check(lines_of(ed.current()) ==
              std::vector<std::string>{"Dear team,", "the release moves to Monday.", "Regards"},
          "two undos restore the first edit's version");
    ed.redo();
    print("after one redo:", ed.current());
    check(ed.current().size() == 4 && ed.current()[2] == "Please update your plans.", "redo re-applies the insert");
    ed.delete_line(0);   // a new edit: the remaining redo is dropped
    check(!ed.can_redo(), "an edit clears the redo list");
    check(ed.current().front() == "the release moves to Monday.", "delete_line removed the first line");
}

// A large document, many edits, every version checked after undoing and redoing them all.
void large_session() {
    const std::size_t lines = 10000;
    const int edits = 500;

    std::int64_t text_bytes_before = text_policy::live_bytes();
    text doc;
    {
        auto b = doc.to_builder();
        for (std::size_t i = 0; i < lines; ++i) b.push_back("line " + std::to_string(i));
        doc = b.build();
    }
    const std::int64_t one_document = text_policy::live_bytes() - text_bytes_before;

    editor ed(doc);
    // The same edits on a plain vector, and a fingerprint of the expected text after each.
    std::vector<std::string> model = lines_of(doc);
    std::vector<std::uint64_t> expected{fingerprint(model)};
    std::uint64_t seed = 12345;
    auto next_random = [&seed] {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::size_t>(seed >> 33);
    };
    for (int e = 0; e < edits; ++e) {
        const std::size_t at = next_random() % model.size();
        const std::string line = "edit " + std::to_string(e);
        switch (e % 10) {
        case 0:
            ed.insert_line(at, line);
            model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), line);
            break;
        case 1:
            ed.delete_line(at);
            model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
            break;
        case 2:
            ed.append_line(line);
            model.push_back(line);
            break;
        case 3: {
            const std::size_t last = std::min(model.size(), at + 1 + next_random() % 500);
            ed.move_block_to_end(at, last);
            std::vector<std::string> moved(model.begin() + static_cast<std::ptrdiff_t>(at),
                                           model.begin() + static_cast<std::ptrdiff_t>(last));
            model.erase(model.begin() + static_cast<std::ptrdiff_t>(at), model.begin() + static_cast<std::ptrdiff_t>(last));
            model.insert(model.end(), moved.begin(), moved.end());
            break;
        }
        default:
            ed.replace_line(at, line);
            model[at] = line;
            break;
        }
        expected.push_back(fingerprint(model));
    }
    const std::int64_t all_versions = text_policy::live_bytes() - text_bytes_before;
    const double full_copies = static_cast<double>(one_document) * static_cast<double>(edits + 1);
    std::printf("\n%zu-line document, %d edits kept for undo:\n", lines, edits);
    std::printf("  one document:        %8.1f KiB of list nodes\n", static_cast<double>(one_document) / 1024);
    std::printf("  all %d versions:   %8.1f KiB (%.1f documents' worth; full copies would be %.0f)\n",
                edits + 1, static_cast<double>(all_versions) / 1024,
                static_cast<double>(all_versions) / static_cast<double>(one_document), edits + 1.0);
    check(static_cast<double>(all_versions) < 0.1 * full_copies, "versions share most of their nodes");

    // Undo everything, checking each version on the way, then redo everything.
    const std::int64_t history_allocations = history_policy::stats().allocations;
    const std::int64_t text_allocations = text_policy::stats().allocations;
    int undos = 0;
    for (int v = edits; v >= 0; --v) {
        if (fingerprint(ed.current()) != expected[static_cast<std::size_t>(v)]) {
            check(false, "undo restores every earlier version exactly");
            break;
        }
        if (v > 0) {
            ed.undo();
            ++undos;
        }
    }
    check(!ed.can_undo(), "undo reaches the original");
    for (int v = 1; v <= edits; ++v) ed.redo();
    check(lines_of(ed.current()) == model, "redo returns to the last version");
    const std::int64_t text_allocs = text_policy::stats().allocations - text_allocations;
    const std::int64_t history_allocs = history_policy::stats().allocations - history_allocations;
    std::printf("  %d undos and %d redos: %lld document nodes allocated, %.2f history nodes per step\n",
                undos, edits, static_cast<long long>(text_allocs),
                static_cast<double>(history_allocs) / (undos + edits));
    check(text_allocs == 0, "undo and redo never copy the document");
    check(history_allocs <= (undos + edits) / 4, "undo and redo allocate a history node only now and then");
    check(ed.versions() == static_cast<std::size_t>(edits) + 1, "no version lost");
}

} // namespace

int main() {
    small_session();
    large_session();
    check(text_policy::live_nodes() == 0, "every document node is freed at the end");
    check(history_policy::live_nodes() == 0, "every history node is freed at the end");
    if (failures) {
        std::printf("%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("all checks passed\n");
    return 0;
}
