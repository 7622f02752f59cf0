// immutable::box through a save and a load: one record per box node, shared again after
// loading, and recursive values (a box inside the type it holds) with a finite signature.
#include <gtest/gtest.h>

#if __has_include(<immutable/box.hpp>)
#include <cstdint>
#include <string>
#include <tuple>
#include <variant>

#include "support/persist_util.hpp"

using namespace immutable;

namespace {

struct expr;
struct add {
    box<expr> l;
    box<expr> r;
};
struct expr {
    std::variant<std::int64_t, std::string, add> v;
};
auto persist_fields(add& a) { return std::tie(a.l, a.r); }
auto persist_fields(expr& e) { return std::tie(e.v); }

std::int64_t eval(const expr& e) {
    if (auto* n = std::get_if<std::int64_t>(&e.v)) return *n;
    if (auto* s = std::get_if<std::string>(&e.v)) return static_cast<std::int64_t>(s->size());
    const add& a = std::get<add>(e.v);
    return eval(*a.l) + eval(*a.r);
}

} // namespace

TEST(persist_box, boxes_are_written_once_and_shared_after_loading) {
    const box<std::string> b(std::string(1000, 'q'));
    const list<box<std::string>> l(100, b);
    persist::writer w;
    const auto id = w.add(l);
    const auto doc = w.bytes();
    EXPECT_LT(doc.size(), 1000u + 100u * 4u + 200u);
    persist::reader r(doc);
    const auto back = r.load<list<box<std::string>>>(id);
    ASSERT_EQ(back.size(), 100u);
    for (const auto& x : back) {
        EXPECT_EQ(*x, *b);
        EXPECT_EQ(x.identity(), back[0].identity());
    }
}

TEST(persist_box, recursive_values_round_trip) {
    // A shared subexpression: (1 + "abc") used twice.
    const expr leaf{add{expr{std::int64_t{1}}, expr{std::string("abc")}}};
    const box<expr> shared(leaf);
    const expr top{add{shared, shared}};
    persist::writer w;
    const auto id = w.add(list<expr>{top, leaf});
    const auto doc = w.bytes();
    persist::reader r(doc);
    const auto back = r.load<list<expr>>(id);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(eval(back[0]), 8);
    EXPECT_EQ(eval(back[1]), 4);
    const add& a = std::get<add>(back[0].v);
    EXPECT_EQ(a.l.identity(), a.r.identity());
}

TEST(persist_box, recursive_signature_is_finite) {
    const std::string& sig = detail::persist::signature_of_type<list<expr>>();
    EXPECT_EQ(sig, "L(u(v(i64,s,u(B(^2),B(^2)))))");
}
#else
TEST(persist_box, box_is_not_in_this_build) { GTEST_SKIP() << "immutable/box.hpp is not present"; }
#endif
