#pragma once
// immutable::box<T, Policy>: one immutable value behind one shared node.
//
// Copying a box is O(1) and allocates nothing, whatever T costs to copy: every copy holds
// the same node. The value never changes; update() returns a new box. Safe to read, copy
// and drop boxes of one value in any number of threads at once (with the default policy).
//
// A box can be named while T is still incomplete, which is what makes recursive values
// possible:
//
//   struct expr;
//   struct add { immutable::box<expr> l, r; };
//   struct expr { std::variant<long, add> v; };
//   expr e{add{expr{1L}, expr{2L}}};
//
// Destroying a chain of boxes (each value holding the next box) does not recurse as deep
// as the chain. See docs/box.md.

#include <compare>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include <immutable/detail/box/holder.hpp>
#include <immutable/detail/synth_three_way.hpp>
#include <immutable/memory.hpp>

namespace immutable {

template <class T, memory_policy Policy = default_policy>
class box {
    static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "immutable::box<T>: T must be a non-const, non-volatile object type");
    // T may still be incomplete here; what needs it complete is checked in the
    // destructor, which every use instantiates.

    using holder = detail::box::holder<T, Policy>;

public:
    using value_type = T;
    using policy_type = Policy;

    // ---- construction: each allocates one node, except copies --------------------------
    // A value-initialized T.
    box() : h_(holder::make()) {}
    // Implicit, so a box converts from its value where one is expected (add{expr{1L}, ...}).
    box(const T& value) : h_(holder::make(value)) {}
    box(T&& value) : h_(holder::make(std::move(value))) {}
    // T(args...) made in the node itself.
    template <class... Args>
        requires std::constructible_from<T, Args...>
    explicit box(std::in_place_t, Args&&... args) : h_(holder::make(std::forward<Args>(args)...)) {}

    // O(1), no allocation: the copy holds the same node.
    box(const box& other) noexcept = default;
    // Never throws, so a std::variant holding a box is never left valueless. The moved-from
    // box holds nothing: it may only be assigned to or destroyed.
    box(box&& other) noexcept = default;
    box& operator=(const box& other) noexcept = default;
    box& operator=(box&& other) noexcept = default;
    ~box() {
        static_assert(std::is_nothrow_destructible_v<T>, "immutable::box<T>: T's destructor must not throw");
    }

    // ---- reading: O(1), never allocates ------------------------------------------------
    // The reference lives as long as some box holding this node.
    const T& get() const noexcept { return h_.value(); }
    const T& operator*() const noexcept { return get(); }
    const T* operator->() const noexcept { return std::addressof(get()); }

    // ---- changes -------------------------------------------------------------------------
    // A new box holding f(get()); this box is unchanged. f's result is constructed in the
    // new node (no further copy or move of it): the only copy of T is the one f makes, if
    // it makes one. If f or the allocation throws, nothing changes.
    template <class F>
        requires std::invocable<F&, const T&> && std::constructible_from<T, std::invoke_result_t<F&, const T&>>
    [[nodiscard]] box update(F&& f) const {
        return box(holder::make_invoked(f, get()));
    }

    // ---- comparison ----------------------------------------------------------------------
    // True at once when both hold the same node (copies of one box); otherwise the values
    // are compared.
    //
    // Unconstrained, as std::vector's are: a recursive type defaulting its own ==
    // (struct add { box<expr> l, r; bool operator==(const add&) const = default; }) would
    // otherwise make the compiler ask whether expr has == while deciding exactly that,
    // and clang then deletes the defaulted operator. Comparing boxes of a type without ==
    // fails when the call is compiled.
    friend bool operator==(const box& a, const box& b) { return a.h_.node() == b.h_.node() || a.get() == b.get(); }
    // T's <=> where T has one, otherwise a weak ordering from T's < (as std::pair does).
    // The result type is deduced, since naming it asks about T, which may be incomplete
    // where box<T> is named.
    friend auto operator<=>(const box& a, const box& b) { return detail::synth_three_way(a.get(), b.get()); }

    void swap(box& other) noexcept { h_.swap(other.h_); }
    friend void swap(box& a, box& b) noexcept { a.swap(b); }

    // Equal for copies of one box, different for boxes made separately (even with equal
    // values).
    const void* identity() const noexcept { return h_.node(); }

private:
    explicit box(holder h) noexcept : h_(std::move(h)) {}

    holder h_;
};

} // namespace immutable

// Hashes the value: std::hash<box<T>> exists when std::hash<T> does.
template <class T, class Policy>
    requires requires(const T& v) {
        { std::hash<T>{}(v) } -> std::convertible_to<std::size_t>;
    }
struct std::hash<immutable::box<T, Policy>> {
    std::size_t operator()(const immutable::box<T, Policy>& b) const
        noexcept(noexcept(std::hash<T>{}(std::declval<const T&>()))) {
        return std::hash<T>{}(b.get());
    }
};
