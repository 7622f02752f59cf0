// Must not compile: the element type has no std::hash, and the first error must say so.
#include <immutable/set.hpp>

struct element_without_hash {
    int id;
    bool operator==(const element_without_hash&) const = default;
};

int main() {
    immutable::set<element_without_hash> s;
    return static_cast<int>(s.size());
}
