// A JSON-like document editor with undo and redo.
//
// The document is a recursive value: null, a boolean, a number, a string, a list of
// values or a map from strings to values, where the lists and maps are immutable::list
// and immutable::map of the value type itself. An edit is a path update,
// doc.set_in({"a", 3, "b"}, v): it copies the one node per level on the path and shares
// every other subtree with the previous version, so each version in the history costs
// only what it changed. Undo and redo move whole versions between two lists: O(1).
// Printing what changed between two versions skips whatever subtrees the two share.
//
// The program checks its own results and exits with 1 on a wrong answer.

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <immutable/list.hpp>
#include <immutable/map.hpp>

namespace {

struct json;
using json_list = immutable::list<json>;
using json_map = immutable::map<std::string, json>;

// One step of a path: a key into a map or an index into a list.
struct step {
    std::variant<std::string, std::size_t> at;
    step(const char* key) : at(std::string(key)) {}
    step(std::string key) : at(std::move(key)) {}
    step(int index) : at(static_cast<std::size_t>(index)) {}
};
using path = std::vector<step>;

struct json {
    std::variant<std::nullptr_t, bool, double, std::string, json_list, json_map> v;

    json() : v(nullptr) {}
    json(std::nullptr_t) : v(nullptr) {}
    json(bool b) : v(b) {}
    json(double d) : v(d) {}
    json(int i) : v(static_cast<double>(i)) {}
    json(const char* s) : v(std::string(s)) {}
    json(std::string s) : v(std::move(s)) {}
    json(json_list l) : v(std::move(l)) {}
    json(json_map m) : v(std::move(m)) {}

    bool operator==(const json&) const = default;

    const json_map* as_map() const { return std::get_if<json_map>(&v); }
    const json_list* as_list() const { return std::get_if<json_list>(&v); }

    // The value at `p`, or null when the path leads nowhere.
    const json* get_in(const path& p, std::size_t from = 0) const {
        if (from == p.size()) return this;
        if (const auto* key = std::get_if<std::string>(&p[from].at)) {
            const json_map* m = as_map();
            const json* child = m ? m->find(*key) : nullptr;
            return child ? child->get_in(p, from + 1) : nullptr;
        }
        const std::size_t i = std::get<std::size_t>(p[from].at);
        const json_list* l = as_list();
        return l && i < l->size() ? (*l)[i].get_in(p, from + 1) : nullptr;
    }

    // This document with `value` at `p`: the path update. A key step goes into a map (a
    // missing key, or a value that is not a map, becomes one); an index step goes into a
    // list, and the index one past the end appends. Each level costs one map or list
    // update, which itself copies O(log n) nodes; the rest is shared with *this.
    [[nodiscard]] json set_in(const path& p, json value, std::size_t from = 0) const {
        if (from == p.size()) return value;
        if (const auto* key = std::get_if<std::string>(&p[from].at)) {
            const json_map* m = as_map();
            const json_map base = m ? *m : json_map();
            const json* child = base.find(*key);
            return json(base.set(*key, (child ? *child : json()).set_in(p, std::move(value), from + 1)));
        }
        const std::size_t i = std::get<std::size_t>(p[from].at);
        const json_list* l = as_list();
        const json_list base = l ? *l : json_list();
        if (i >= base.size()) return json(base.push_back(json().set_in(p, std::move(value), from + 1)));
        return json(base.update(i, [&](const json& child) { return child.set_in(p, std::move(value), from + 1); }));
    }
};

std::string to_text(const json& j) {
    struct printer {
        std::string operator()(std::nullptr_t) const { return "null"; }
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(double d) const {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", d);
            return buf;
        }
        std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
        std::string operator()(const json_list& l) const {
            std::string out = "[";
            for (std::size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + to_text(l[i]);
            return out + "]";
        }
        std::string operator()(const json_map& m) const {
            // Sorted, so that the output does not depend on the hash order.
            std::vector<std::pair<std::string, std::string>> entries;
            for (const auto& [k, v] : m) entries.emplace_back(k, to_text(v));
            std::sort(entries.begin(), entries.end());
            std::string out = "{";
            for (std::size_t i = 0; i < entries.size(); ++i)
                out += (i ? ", \"" : "\"") + entries[i].first + "\": " + entries[i].second;
            return out + "}";
        }
    };
    return std::visit(printer{}, j.v);
}

// Every difference between two versions, one line each ("/a/3/b: 1 -> 2"). Maps are
// compared with immutable::diff and lists element by element; a map or list the two
// versions share (equal identity) is skipped without looking inside.
void diff(const json& before, const json& after, const std::string& where, std::vector<std::string>& out) {
    const json_map* mb = before.as_map();
    const json_map* ma = after.as_map();
    if (mb && ma) {
        if (mb->identity() == ma->identity()) return;
        immutable::diff(
            *mb, *ma, [&](const auto& added) { out.push_back(where + "/" + added.first + ": added " + to_text(added.second)); },
            [&](const auto& removed) { out.push_back(where + "/" + removed.first + ": removed"); },
            [&](const auto& old_entry, const auto& new_entry) {
                diff(old_entry.second, new_entry.second, where + "/" + old_entry.first, out);
            });
        return;
    }
    const json_list* lb = before.as_list();
    const json_list* la = after.as_list();
    if (lb && la) {
        if (lb->identity() == la->identity() && lb->size() == la->size()) return;
        const std::size_t common = std::min(lb->size(), la->size());
        for (std::size_t i = 0; i < common; ++i) diff((*lb)[i], (*la)[i], where + "/" + std::to_string(i), out);
        for (std::size_t i = common; i < la->size(); ++i)
            out.push_back(where + "/" + std::to_string(i) + ": added " + to_text((*la)[i]));
        for (std::size_t i = common; i < lb->size(); ++i) out.push_back(where + "/" + std::to_string(i) + ": removed");
        return;
    }
    if (!(before == after)) out.push_back((where.empty() ? "/" : where) + ": " + to_text(before) + " -> " + to_text(after));
}

// The editor: the current document and its history.
class editor {
public:
    explicit editor(json initial) : past_{std::move(initial)} {}
    const json& current() const { return past_.back(); }

    void set_in(const path& p, json value) {
        past_ = past_.push_back(current().set_in(p, std::move(value)));
        future_ = immutable::list<json>(); // a new edit forgets what was undone
    }
    bool undo() {
        if (past_.size() < 2) return false;
        future_ = future_.push_back(current());
        past_ = past_.pop_back();
        return true;
    }
    bool redo() {
        if (future_.empty()) return false;
        past_ = past_.push_back(future_.back());
        future_ = future_.pop_back();
        return true;
    }
    const json& version(std::size_t i) const { return past_[i]; }

private:
    // The history is itself a persistent list of versions.
    immutable::list<json> past_;
    immutable::list<json> future_;
};

int failures = 0;
void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("WRONG: %s\n", what);
        ++failures;
    }
}

void print_diff(const json& a, const json& b) {
    std::vector<std::string> lines;
    diff(a, b, "", lines);
    for (const std::string& line : lines) std::printf("  %s\n", line.c_str());
}

} // namespace

int main() {
    editor ed{json(json_map{{"title", json("shopping")}, {"items", json(json_list{json("milk"), json("eggs")})}})};
    std::printf("v0: %s\n", to_text(ed.current()).c_str());

    ed.set_in({"items", 2}, json("bread"));                    // append to a list
    ed.set_in({"owner", "name"}, json("ada"));                 // creates the "owner" map
    ed.set_in({"items", 0}, json(json_map{{"what", json("milk")}, {"litres", json(2)}}));
    ed.set_in({"items", 0, "litres"}, json(3));                // a path through list and map
    const json v4 = ed.current();
    std::printf("v4: %s\n", to_text(v4).c_str());

    std::printf("changes from v0 to v4:\n");
    print_diff(ed.version(0), v4);
    std::printf("changes from v3 to v4:\n");
    print_diff(ed.version(3), v4);

    check(v4.get_in({"items", 0, "litres"}) && *v4.get_in({"items", 0, "litres"}) == json(3), "path read");
    check(ed.version(3).get_in({"items", 0, "litres"}) && *ed.version(3).get_in({"items", 0, "litres"}) == json(2),
          "old version unchanged");
    check(ed.version(0).get_in({"owner"}) == nullptr, "first version has no owner");
    // The untouched "owner" map is the same map in v3 and v4, not a copy.
    check(ed.version(3).get_in({"owner"})->as_map()->identity() == v4.get_in({"owner"})->as_map()->identity(),
          "untouched subtree shared");
    std::vector<std::string> lines;
    diff(ed.version(3), v4, "", lines);
    check(lines.size() == 1 && lines[0] == "/items/0/litres: 2 -> 3", "diff of one change");

    check(ed.undo() && ed.undo(), "undo twice");
    check(ed.current() == ed.version(2) && ed.current().get_in({"items", 0})->v.index() == 3, "undone to v2");
    check(ed.redo(), "redo");
    check(ed.current().get_in({"items", 0})->as_map() != nullptr, "redone to v3");
    ed.set_in({"title"}, json("groceries"));
    check(!ed.redo(), "an edit clears the redo list");
    std::printf("after undo, undo, redo and an edit: %s\n", to_text(ed.current()).c_str());

    // A deep document: a path update five levels down copies five small nodes.
    json deep;
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 7; ++j) deep = deep.set_in({"a", i, "b", j, "c"}, json(10 * i + j));
    const json deeper = deep.set_in({"a", 2, "b", 5, "c"}, json(true));
    lines.clear();
    diff(deep, deeper, "", lines);
    check(lines.size() == 1 && lines[0] == "/a/2/b/5/c: 25 -> true", "deep diff");
    std::printf("deep edit: %s\n", lines.empty() ? "(none)" : lines[0].c_str());

    if (failures != 0) return 1;
    std::printf("all checks passed\n");
    return 0;
}
