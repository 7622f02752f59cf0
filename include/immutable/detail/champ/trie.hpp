#pragma once
// The trie a map, a set or a builder holds: an owned root (null when empty), the number of
// entries, and the updates the containers delegate to it.
//
// Copying shares the root (one count) and the destructor gives it up, so the containers'
// own copy, move and destructor are this type's. Each update comes in two forms:
//   - persistent (`inserted`, `erased`): a new trie, this one untouched (ops.hpp);
//   - in place (`insert`, `erase`): this trie changed, writing to the nodes only it
//     reaches and copying the shared ones (transient.hpp). Builders use it, and so do the
//     containers' `&&` overloads on a value about to be discarded.
// Both give the strong guarantee: on a throw the trie holds what it held before.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

#include <immutable/detail/champ/ops.hpp>
#include <immutable/detail/champ/transient.hpp>
#include <immutable/detail/config.hpp>
#include <immutable/detail/ownership.hpp>

namespace immutable::detail::champ {

template <class Traits>
class trie {
public:
    using node_type = node<Traits>;
    using entry_type = typename Traits::entry_type;
    using key_type = typename Traits::key_type;
    using cache_type = typename node_type::cache_type;

    // A collision node's entry count is 32-bit.
    static constexpr std::size_t max_size = std::numeric_limits<std::uint32_t>::max();

    trie() noexcept = default;
    trie(const trie& other) noexcept : root_(ptr::share(other.root_.get())), size_(other.size_) {}
    trie(trie&& other) noexcept : root_(std::move(other.root_)), size_(std::exchange(other.size_, 0)) {}
    trie& operator=(const trie& other) noexcept {
        trie(other).swap(*this);
        return *this;
    }
    trie& operator=(trie&& other) noexcept {
        trie(std::move(other)).swap(*this);
        return *this;
    }
    ~trie() = default;
    void swap(trie& other) noexcept {
        root_.swap(other.root_);
        std::swap(size_, other.size_);
    }

    // Takes over one reference to `root` (a node just made, holding `size` entries; null:
    // empty).
    [[nodiscard]] static trie adopt(node_type* root, std::size_t size) noexcept {
        return trie(ptr::adopt(root), size);
    }

    [[nodiscard]] const node_type* root() const noexcept { return root_.get(); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return !root_; }

    // The entry whose key equals k, or null. A one-entry trie (its root, which has no
    // children) answers by comparing the key with its entry, without hashing: for a string
    // key the hash costs several times the comparison. Q is the key type, or any type a
    // transparent Hash and Equal accept (map::find).
    template <class Q>
    [[nodiscard]] const entry_type* find(const Q& k) const {
        if (size_ <= 1) return size_ == 0 ? nullptr : ops::single_entry(root_.get(), k);
        return ops::find(root_.get(), Traits::hash(k), k);
    }

    // ---- persistent updates ----------------------------------------------------------

    // This trie with the entry `maker` builds for key k (entry_maker.hpp); this trie
    // itself (shared, nothing allocated) when maker says the stored entry is unchanged.
    template <class Maker>
    [[nodiscard]] trie inserted(const key_type& k, Maker& maker) const {
        std::uint64_t h = Traits::hash(k);
        if (!root_) return adopt(ops::make_one(maker, h), 1);
        check_room(k);
        bool added = false;
        node_type* r = ops::insert(root_.get(), 0, h, k, maker, added);
        return r == nullptr ? *this : adopt(r, size_ + (added ? 1 : 0));
    }

    // This trie without k; this trie itself when k is absent.
    [[nodiscard]] trie erased(const key_type& k) const {
        const node_type* root = root_.get();
        if (root == nullptr) return trie();
        // A one-entry trie needs no hash: the key either is that entry or is absent.
        if (size_ == 1) return ops::single_entry(root, k) == nullptr ? *this : trie();
        auto r = ops::erase(root, 0, Traits::hash(k), k);
        if (r.kind == erase_result::unchanged) return *this;
        return adopt(r.node, size_ - 1); // not empty: the root held two entries or more
    }

    // ---- in-place updates ------------------------------------------------------------
    // `cache`: a builder's block cache (block_cache.hpp), or null.

    // Forced inline, with the rare cases (an empty or shared root) out of line: a builder
    // inserts in a loop, and the call alone was a tenth of its instructions.
    template <class Maker>
    IMMUTABLE_ALWAYS_INLINE void insert(const key_type& k, Maker& maker, cache_type* cache) {
        node_type* root = root_.get();
        if (IMMUTABLE_UNLIKELY(root == nullptr || !is_unique<node_type>(root))) {
            insert_copying_root(k, maker);
            return;
        }
        check_room(k);
        bool added = false;
        node_type* r = transient::insert(root, Traits::hash(k), k, maker, cache, added);
        if (r != nullptr && r != root) replace_freed_root(r);
        if (added) ++size_;
    }

    void erase(const key_type& k, cache_type* cache) {
        node_type* root = root_.get();
        if (root == nullptr) return;
        std::uint64_t h = Traits::hash(k);
        bool owned = is_unique<node_type>(root);
        auto r = owned ? transient::erase(root, 0, h, k, cache) : ops::erase(root, 0, h, k);
        if (r.kind != erase_result::unchanged) --size_;
        if (r.kind == erase_result::empty) {
            root_.reset();
        } else if (r.kind == erase_result::replaced && r.node != root) {
            if (owned) {
                replace_freed_root(r.node);
            } else {
                root_ = ptr::adopt(r.node);
            }
        }
    }

    // Equal content; the same root (or both empty) answers without a call, and so do
    // different sizes.
    friend bool operator==(const trie& a, const trie& b) {
        if (a.root_.get() == b.root_.get()) return true;
        return a.size_ == b.size_ && ops::equal(a.root_.get(), b.root_.get());
    }

private:
    using ptr = node_ptr<node_type>;
    using ops = champ::ops<Traits>;
    using transient = transient_ops<Traits>;
    using erase_result = typename ops::erase_result;

    trie(ptr root, std::size_t size) noexcept : root_(std::move(root)), size_(size) {}

    // insert() on an empty trie, or on a root another version or thread shares.
    template <class Maker>
    IMMUTABLE_NOINLINE void insert_copying_root(const key_type& k, Maker& maker) {
        const std::uint64_t h = Traits::hash(k);
        node_type* root = root_.get();
        if (root == nullptr) {
            root_ = ptr::adopt(ops::make_one(maker, h));
            size_ = 1;
            return;
        }
        check_room(k);
        bool added = false;
        if (node_type* r = ops::insert(root, 0, h, k, maker, added)) root_ = ptr::adopt(r);
        if (added) ++size_;
    }

    void check_room(const key_type& k) const {
        if (IMMUTABLE_UNLIKELY(size_ == max_size) && find(k) == nullptr) {
            throw std::length_error(Traits::size_limit_message);
        }
    }

    // An in-place edit replaced the root: the old root's memory went back to the cache or
    // the policy with its entries and children moved out, so its reference is dropped
    // without a release.
    void replace_freed_root(node_type* r) noexcept {
        [[maybe_unused]] node_type* freed = root_.take();
        root_ = ptr::adopt(r);
    }

    ptr root_;
    std::size_t size_ = 0;
};

} // namespace immutable::detail::champ
