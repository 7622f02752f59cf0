// Containers named with a type that is still incomplete: each one inside its element's (or
// mapped value's) own definition, as std::vector allows since C++17. That these structs
// compile at all is the main check (in every preset, with both compilers); the tests then
// use them, compare them with defaulted ==, and check that nothing leaks.
#include <gtest/gtest.h>

#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include <immutable/box.hpp>
#include <immutable/list.hpp>
#include <immutable/map.hpp>
#include <immutable/queue.hpp>
#include <immutable/sorted_map.hpp>

#include "support/failing_policy.hpp"
#include "support/no_leaks_test.hpp"

namespace {

using immutable::test::counted_policy;

struct list_node {
    int value = 0;
    immutable::list<list_node, counted_policy> kids;
    bool operator==(const list_node&) const = default;
};

struct queue_node {
    int value = 0;
    immutable::queue<queue_node, counted_policy> waiting;
    bool operator==(const queue_node&) const = default;
};

struct map_node {
    int value = 0;
    immutable::map<std::string, map_node, std::hash<std::string>, std::equal_to<std::string>, counted_policy> kids;
    bool operator==(const map_node&) const = default;
};

struct sorted_map_node {
    int value = 0;
    immutable::sorted_map<int, sorted_map_node, std::less<int>, counted_policy> kids;
    bool operator==(const sorted_map_node&) const = default;
};

struct box_node {
    int value = 0;
    std::variant<std::monostate, immutable::box<box_node, counted_policy>> next;
    bool operator==(const box_node&) const = default;
};

// Mutually recursive, through a forward declaration only.
struct document;
using document_list = immutable::list<document, counted_policy>;
using document_map = immutable::map<std::string, document, std::hash<std::string>, std::equal_to<std::string>,
                                    counted_policy>;
struct document {
    std::variant<std::nullptr_t, double, std::string, document_list, document_map> v;
    bool operator==(const document&) const = default;
};

static_assert(std::equality_comparable<list_node> && std::equality_comparable<map_node> &&
              std::equality_comparable<sorted_map_node> && std::equality_comparable<queue_node> &&
              std::equality_comparable<box_node> && std::equality_comparable<document>);
static_assert(std::is_nothrow_move_constructible_v<document> && std::is_nothrow_destructible_v<document>);

class recursive_types : public immutable::test::no_leaks_test<counted_policy> {};

TEST_F(recursive_types, list_of_its_own_type) {
    const list_node leaf{1, {}};
    const list_node parent{0, {leaf, leaf}};
    const list_node grandparent{-1, {parent}};
    const list_node changed{-1, grandparent.kids.set(0, list_node{0, parent.kids.push_back(list_node{2, {}})})};
    EXPECT_EQ(grandparent.kids[0].kids.size(), 2u);
    EXPECT_EQ(changed.kids[0].kids.size(), 3u);
    EXPECT_EQ(changed.kids[0].kids[2].value, 2);
    EXPECT_NE(changed, grandparent);
    EXPECT_EQ(grandparent, (list_node{-1, {parent}}));
}

// A node pushed onto the list it holds, while that list is shared (a push_back could write
// into the shared tail's free slot): the new element then holds the tail it sits in. The
// fixture checks that every node is freed all the same.
TEST_F(recursive_types, pushing_a_node_onto_the_list_it_holds_leaks_nothing) {
    list_node n{0, {list_node{1, {}}}};
    for (int i = 0; i < 40; ++i) {
        const list_node before = n;
        n = list_node{i, n.kids.push_back(n)};
        EXPECT_EQ(n.kids.back(), before);
    }
    EXPECT_EQ(n.kids.size(), 41u);
}

TEST_F(recursive_types, queue_of_its_own_type) {
    const queue_node a{1, {}};
    const queue_node b{2, immutable::queue<queue_node, counted_policy>{a, a}};
    const auto popped = b.waiting.pop();
    EXPECT_EQ(b.waiting.size(), 2u);
    EXPECT_EQ(popped.front(), a);
    EXPECT_EQ((queue_node{3, popped.push(b)}).waiting.back().waiting.size(), 2u);
}

TEST_F(recursive_types, map_with_its_own_type_as_mapped_value) {
    map_node root{0, {}};
    root.kids = root.kids.set("a", map_node{1, {}});
    root.kids = root.kids.set("b", map_node{2, root.kids});
    ASSERT_NE(root.kids.find("b"), nullptr);
    EXPECT_EQ(root.kids.at("b").kids.at("a").value, 1);
    const map_node copy = root;
    EXPECT_EQ(copy, root);
    EXPECT_EQ(copy.kids.identity(), root.kids.identity());
}

TEST_F(recursive_types, sorted_map_with_its_own_type_as_mapped_value) {
    sorted_map_node root{0, {}};
    for (int i = 0; i < 50; ++i) root.kids = root.kids.set(i, sorted_map_node{i, root.kids});
    EXPECT_EQ(root.kids.size(), 50u);
    EXPECT_EQ(root.kids.at(49).kids.size(), 49u);
    EXPECT_EQ(root.kids.at(49).kids.at(48).kids.at(0).value, 0);
    EXPECT_EQ(root, root);
}

TEST_F(recursive_types, box_of_its_own_type) {
    box_node chain{0, {}};
    for (int i = 1; i <= 10; ++i) chain = box_node{i, immutable::box<box_node, counted_policy>(chain)};
    int depth = 0;
    for (const box_node* n = &chain; std::holds_alternative<immutable::box<box_node, counted_policy>>(n->next);
         n = &*std::get<1>(n->next))
        ++depth;
    EXPECT_EQ(depth, 10);
    EXPECT_EQ(counted_policy::live_nodes(), 10);
}

TEST_F(recursive_types, mutually_recursive_document) {
    const document leaf{std::string("text")};
    const document list_doc{document_list{leaf, document{1.5}, document{nullptr}}};
    const document root{document_map{{"items", list_doc}, {"title", leaf}}};
    const auto& items = std::get<document_list>(std::get<document_map>(root.v).at("items").v);
    EXPECT_EQ(items.size(), 3u);
    EXPECT_EQ(std::get<double>(items[1].v), 1.5);
    const document edited{std::get<document_map>(root.v).set("title", document{std::string("new")})};
    EXPECT_NE(edited, root);
    EXPECT_EQ(std::get<document_map>(edited.v).at("items"), list_doc);
}

} // namespace
