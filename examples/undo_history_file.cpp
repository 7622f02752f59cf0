// Saving an editor's undo history to a file and restoring it, sharing included.
//
// The history is an immutable::list of versions of a document (a list of lines), as in
// editor_undo.cpp. Five hundred versions of a 10,000-line document, each a small edit
// apart, share almost all their lines; immutable::persist writes each shared node once, so
// the file holds one version plus the few nodes each edit copied (about 1% of 500 full
// copies), and the restored history shares its nodes as the saved one did: it takes the
// memory the saved history took.
//
// The program checks its own results and exits with 1 on a wrong answer.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <immutable/list.hpp>
#include <immutable/memory.hpp>
#include <immutable/persist.hpp>

namespace {

struct saved_nodes;
struct restored_nodes;
using saved_policy = immutable::counted<immutable::heap_policy, saved_nodes>;
using restored_policy = immutable::counted<immutable::heap_policy, restored_nodes>;

template <class Policy>
using text = immutable::list<std::string, Policy>;
template <class Policy>
using history = immutable::list<text<Policy>, Policy>;

int failures = 0;
void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("WRONG: %s\n", what);
        ++failures;
    }
}

} // namespace

int main() {
    // A 10,000-line document and 500 edits, each a new version kept for undo.
    text<saved_policy> doc;
    for (int i = 0; i < 10000; ++i) doc = doc.push_back("line " + std::to_string(i) + " of the original text");
    history<saved_policy> past{doc};
    for (int k = 1; k < 500; ++k) {
        const text<saved_policy>& now = past.back();
        const std::size_t at = static_cast<std::size_t>(k * 7919) % now.size();
        past = past.push_back(k % 5 == 0 ? now.insert(at, "inserted at edit " + std::to_string(k))
                                         : now.set(at, "edited at " + std::to_string(k)));
    }

    // Save: the whole history is one container; its versions share their nodes.
    const auto path = std::filesystem::temp_directory_path() / "immutable_undo_history.bin";
    std::uint64_t id = 0;
    {
        immutable::persist::writer w;
        id = w.add(past);
        std::ofstream out(path, std::ios::binary);
        w.save(out);
    }
    immutable::persist::writer one;
    one.add(doc);
    const auto file_bytes = std::filesystem::file_size(path);
    const auto one_bytes = one.bytes().size();
    std::printf("500 versions: %ju bytes on disk; one version alone: %zu bytes (%.2fx, %.1f%% of 500 copies)\n",
                static_cast<std::uintmax_t>(file_bytes), one_bytes, double(file_bytes) / double(one_bytes),
                100.0 * double(file_bytes) / (500.0 * double(one_bytes)));
    check(file_bytes * 20 < 500 * one_bytes, "the saved history is under 5% of 500 unshared copies");

    // Restore into another memory policy, to count the restored nodes on their own.
    history<restored_policy> restored;
    {
        std::ifstream in(path, std::ios::binary);
        immutable::persist::reader r(in);
        restored = r.load<history<restored_policy>>(id);
    }
    std::filesystem::remove(path);

    check(restored.size() == past.size(), "as many versions restored as saved");
    bool same = true;
    for (std::size_t k = 0; k < past.size(); ++k)
        same = same && std::equal(past[k].begin(), past[k].end(), restored[k].begin(), restored[k].end());
    check(same, "every restored version has the saved lines");

    const auto saved_memory = saved_policy::live_bytes();
    const auto restored_memory = restored_policy::live_bytes();
    std::printf("node memory: saved history %lld bytes, restored history %lld bytes\n",
                static_cast<long long>(saved_memory), static_cast<long long>(restored_memory));
    check(restored_memory * 10 < saved_memory * 11, "the restored history shares its nodes as the saved one");

    // Undo on the restored history works as before: drop the last version.
    const auto undone = restored.pop_back();
    check(undone.back().size() == past[past.size() - 2].size(), "undo after restoring");

    if (failures == 0) std::printf("all checks passed\n");
    return failures == 0 ? 0 : 1;
}
