#pragma once
// What an immutable::box holds: one owned reference to a box_node. Copying shares the
// node (one count, no allocation), moving hands the reference on and leaves the source
// empty, and the destructor gives the reference up. Kept out of the public header, which
// touches no reference count.

#include <functional>
#include <utility>

#include <immutable/detail/box/node.hpp>
#include <immutable/detail/ownership.hpp>

namespace immutable::detail::box {

template <class T, class Policy>
class holder {
public:
    using node_type = box_node<T, Policy>;

    // A node holding T(args...); T() value-initializes.
    template <class... Args>
    [[nodiscard]] static holder make(Args&&... args) {
        return holder(node_type::create([&](void* at) { ::new (at) T(std::forward<Args>(args)...); }));
    }
    // A node holding f(value), constructed in place from f's result (no move of it).
    template <class F>
    [[nodiscard]] static holder make_invoked(F& f, const T& value) {
        return holder(node_type::create([&](void* at) { ::new (at) T(std::invoke(f, value)); }));
    }

    holder(const holder& other) noexcept : node_(ptr::share(other.node_.get())) {}
    holder(holder&&) noexcept = default;
    holder& operator=(const holder& other) noexcept {
        holder(other).swap(*this);
        return *this;
    }
    holder& operator=(holder&&) noexcept = default;
    ~holder() = default;
    void swap(holder& other) noexcept { node_.swap(other.node_); }

    const T& value() const noexcept { return node_.get()->value(); }
    const node_type* node() const noexcept { return node_.get(); }

private:
    using ptr = node_ptr<node_type>;
    explicit holder(node_type* n) noexcept : node_(ptr::adopt(n)) {}
    ptr node_;
};

} // namespace immutable::detail::box
