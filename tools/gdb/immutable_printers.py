# gdb pretty-printers for the immutable library: list, queue, map, set, sorted_map,
# sorted_set, box and atom show their size and their elements in order, as libstdc++'s
# printers show the std containers (map entries as [key] = value). Elements are read
# lazily, so `set print elements N` bounds the work on a large container.
#
# Load them from ~/.gdbinit (the path is where `cmake --install` put the library):
#   source /usr/local/share/immutable/gdb/immutable_printers.py
# or register them from Python: import immutable_printers; immutable_printers.register(None)
#
# The printers find everything through member names (root, tail, size, children, count,
# ...), never through offsets into a node header: a node's header may change size (the
# reference count's type depends on the memory policy) without breaking them. What they
# do compute is where trailing storage starts, the same way the C++ code does: right after
# the header struct, rounded up to the element's alignment (docs/debugging.md).

import gdb
import gdb.printing

_RRB_BITS = 5  # detail/rrb/node.hpp: `bits`, each inner level splits by 32


def _round_up(n, align):
    return (n + align - 1) // align * align


def _char_pointer():
    return gdb.lookup_type("char").pointer()


def _address_after(pointer, offset, element_type):
    """The element_type* at `offset` bytes past `pointer`."""
    return (pointer.cast(_char_pointer()) + offset).cast(element_type.pointer())


def _held(handle):
    """The raw node pointer inside a node_ptr handle (detail/ownership.hpp)."""
    return handle["p_"]


def _policy_sibling(node_type, template_name):
    """detail::X<Args> named like `node_type` with its template replaced, e.g. the
    inner_node<P> that goes with node_base<P>; the type must be in the debug info."""
    name = node_type.strip_typedefs().name or str(node_type.strip_typedefs())
    return gdb.lookup_type(template_name + name[name.index("<"):])


def _safe(generator):
    """Stops at unreadable memory (a container not yet constructed, or destroyed) instead
    of failing the whole print."""
    try:
        yield from generator
    except gdb.MemoryError:
        return


# ---- list (detail/rrb) ------------------------------------------------------------------


def _rrb_elements(data, element_type):
    """The elements of a list_data, in order: the tree (root at `shift`), then the tail."""
    size = int(data["size"])
    tail_size = int(data["tail_size"])
    leaf_type = data["tail"].type.strip_typedefs().target().strip_typedefs()
    elements_offset = _round_up(leaf_type.sizeof, element_type.alignof)
    size_type = gdb.lookup_type("unsigned long")

    def leaf(node, count):
        first = _address_after(node, elements_offset, element_type)
        for i in range(count):
            yield first[i]

    def subtree(node, shift, count):
        # `count` is how many elements this version uses below `node`: the node itself
        # does not know (detail/rrb/node.hpp, "Invariants").
        if shift == 0:
            yield from leaf(node, count)
            return
        inner_type = _policy_sibling(node.type.target(), "immutable::detail::rrb::inner_node")
        inner = node.cast(inner_type.pointer()).dereference()
        children = inner["children"]
        before = 0
        j = 0
        if bool(inner["relaxed"]):
            sizes = _address_after(node, inner_type.sizeof, size_type)  # cumulative
            while before < count:
                upto = int(sizes[j])
                yield from subtree(children[j], shift - _RRB_BITS, upto - before)
                before = upto
                j += 1
        else:
            span = 1 << shift  # every child but the last holds exactly this many
            while before < count:
                n = min(span, count - before)
                yield from subtree(children[j], shift - _RRB_BITS, n)
                before += n
                j += 1

    if size > tail_size:
        yield from subtree(data["root"], int(data["shift"]), size - tail_size)
    if tail_size:
        yield from leaf(data["tail"], tail_size)


class _Printer:
    """Shared shape: '<name> of size N' and the elements as children."""

    hint = "array"

    def __init__(self, name, value):
        self.name = name
        self.value = value

    def to_string(self):
        return "%s of size %d" % (self.name, self.size())

    def display_hint(self):
        return self.hint

    def children(self):
        if self.hint == "map":
            for i, (key, mapped) in enumerate(_safe(self.entries())):
                yield "[%d]" % i, key
                yield "[%d]" % i, mapped
        else:
            for i, element in enumerate(_safe(self.elements())):
                yield "[%d]" % i, element


class ListPrinter(_Printer):
    def __init__(self, value):
        super().__init__("immutable::list", value)
        self.data = value["d_"]

    def size(self):
        return int(self.data["size"])

    def elements(self):
        return _rrb_elements(self.data, self.value.type.strip_typedefs().template_argument(0))


class QueuePrinter(_Printer):
    """A queue is one node holding a list and `front`, the popped prefix (detail/queue)."""

    def __init__(self, value):
        super().__init__("immutable::queue", value)
        self.node = _held(value["root_"]["n_"])

    def size(self):
        if int(self.node) == 0:
            return 0
        node = self.node.dereference()
        return int(node["elements"]["d_"]["size"]) - int(node["front"])

    def elements(self):
        if int(self.node) == 0:
            return
        node = self.node.dereference()
        front = int(node["front"])
        element_type = self.value.type.strip_typedefs().template_argument(0)
        for i, element in enumerate(_rrb_elements(node["elements"]["d_"], element_type)):
            if i >= front:
                yield element


# ---- map and set (detail/champ) -----------------------------------------------------------


def _champ_entries(trie, entry_type):
    """Entries in iteration order: each node's inline entries, then its children in slot
    order; a collision node (both bitmaps zero) holds a count and its entries."""
    root = _held(trie["root_"])
    if int(root) == 0:
        return
    node_type = root.type.target().strip_typedefs()
    pointer_size = root.type.sizeof
    children_offset = max(_round_up(node_type.sizeof, pointer_size), pointer_size)

    def entries_offset(child_slots):
        return _round_up(children_offset + child_slots * pointer_size, entry_type.alignof)

    def walk(node):
        datamap = int(node["datamap"])
        nodemap = int(node["nodemap"])
        if datamap == 0 and nodemap == 0:
            count = int(_address_after(node, children_offset, gdb.lookup_type("unsigned int")).dereference())
            first = _address_after(node, entries_offset(1), entry_type)
            for i in range(count):
                yield first[i]
            return
        child_count = bin(nodemap).count("1")
        first = _address_after(node, entries_offset(child_count), entry_type)
        for i in range(bin(datamap).count("1")):
            yield first[i]
        children = _address_after(node, children_offset, node.type)
        for j in range(child_count):
            yield from walk(children[j])

    yield from walk(root)


def _entry_type(traits_or_params, fallback):
    try:
        return gdb.lookup_type(str(traits_or_params) + "::entry_type").strip_typedefs()
    except gdb.error:
        return fallback


class MapPrinter(_Printer):
    hint = "map"

    def __init__(self, value):
        super().__init__("immutable::map", value)
        self.trie = value["trie_"]

    def size(self):
        return int(self.trie["size_"])

    def entries(self):
        traits = self.trie.type.strip_typedefs().template_argument(0)
        for entry in _champ_entries(self.trie, _entry_type(traits, None)):
            yield entry["first"], entry["second"]


class SetPrinter(_Printer):
    def __init__(self, value):
        super().__init__("immutable::set", value)
        self.trie = value["trie_"]

    def size(self):
        return int(self.trie["size_"])

    def elements(self):
        element_type = self.value.type.strip_typedefs().template_argument(0)
        return _champ_entries(self.trie, element_type)


# ---- sorted_map and sorted_set (detail/btree) ---------------------------------------------


def _btree_entries(tree):
    """In-order walk: leaves (level 0) hold `count` entries in `storage`; inner nodes
    `count` children."""
    root = _held(tree["root_"])
    if int(root) == 0:
        return
    params = tree.type.strip_typedefs().template_argument(0)
    entry_type = params.template_argument(0)
    node_type = root.type.target()
    leaf_type = _policy_sibling(node_type, "immutable::detail::btree::leaf_node")
    inner_type = _policy_sibling(node_type, "immutable::detail::btree::inner_node")

    def walk(node):
        if int(node["level"]) == 0:
            leaf = node.cast(leaf_type.pointer()).dereference()
            first = leaf["storage"].address.cast(entry_type.pointer())
            for i in range(int(node["count"])):
                yield first[i]
        else:
            children = node.cast(inner_type.pointer()).dereference()["children"]
            for j in range(int(node["count"])):
                yield from walk(children[j])

    yield from walk(root)


class SortedMapPrinter(_Printer):
    hint = "map"

    def __init__(self, value):
        super().__init__("immutable::sorted_map", value)
        self.tree = value["tree_"]

    def size(self):
        return int(self.tree["size_"])

    def entries(self):
        for entry in _btree_entries(self.tree):
            yield entry["first"], entry["second"]


class SortedSetPrinter(_Printer):
    def __init__(self, value):
        super().__init__("immutable::sorted_set", value)
        self.tree = value["tree_"]

    def size(self):
        return int(self.tree["size_"])

    def elements(self):
        return _btree_entries(self.tree)


# ---- box and atom -----------------------------------------------------------------------


class BoxPrinter:
    """A box holds one node: a header, then the value at the header's size rounded up to
    the value's alignment (detail/box/node.hpp)."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return "immutable::box"

    def children(self):
        node = _held(self.value["h_"]["node_"])
        if int(node) == 0:
            return
        value_type = self.value.type.strip_typedefs().template_argument(0)
        offset = _round_up(node.type.target().strip_typedefs().sizeof, value_type.alignof)
        yield "value", _address_after(node, offset, value_type).dereference()


class AtomPrinter:
    """The current version, in the box the atom's `current_` points to (detail/atom)."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return "immutable::atom"

    def children(self):
        current = self.value["engine_"]["current_"]  # std::atomic<version_box<C>*>
        box_pointer = current.type.strip_typedefs().template_argument(0)
        # A std::atomic of a pointer holds just the pointer, in every standard library.
        box = current.address.cast(box_pointer.pointer()).dereference()
        if int(box) != 0:
            yield "value", box.dereference()["value"]


def build_printer():
    printer = gdb.printing.RegexpCollectionPrettyPrinter("immutable")
    printer.add_printer("list", r"^immutable::list<.*>$", ListPrinter)
    printer.add_printer("queue", r"^immutable::queue<.*>$", QueuePrinter)
    printer.add_printer("map", r"^immutable::map<.*>$", MapPrinter)
    printer.add_printer("set", r"^immutable::set<.*>$", SetPrinter)
    printer.add_printer("sorted_map", r"^immutable::sorted_map<.*>$", SortedMapPrinter)
    printer.add_printer("sorted_set", r"^immutable::sorted_set<.*>$", SortedSetPrinter)
    printer.add_printer("box", r"^immutable::box<.*>$", BoxPrinter)
    printer.add_printer("atom", r"^immutable::atom<.*>$", AtomPrinter)
    return printer


def register(objfile=None):
    """Registers the printers for `objfile`, or for every program when None."""
    gdb.printing.register_pretty_printer(objfile, build_printer(), replace=True)


register(gdb.current_objfile())
