// Uses every public header through the installed package; exits non-zero on a wrong answer.
#include <immutable/memory.hpp>

#if __has_include(<immutable/list.hpp>)
#include <immutable/list.hpp>
#endif

int main() {
    int failures = 0;
#if __has_include(<immutable/list.hpp>)
    immutable::list<int> a{1, 2, 3};
    auto b = a.push_back(4);
    if (a.size() != 3 || b.size() != 4 || b[3] != 4) ++failures;
#endif
    return failures;
}
