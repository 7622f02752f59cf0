// Must not compile: the key type has no std::hash. The first error must say so (and not
// that Hash is not default-constructible, which a disabled std::hash also is).
#include <immutable/map.hpp>
#include <immutable/set.hpp>

struct key_without_hash {
    int id;
    bool operator==(const key_without_hash&) const = default;
};

int main() {
    immutable::map<key_without_hash, int> m;
    return static_cast<int>(m.size());
}
