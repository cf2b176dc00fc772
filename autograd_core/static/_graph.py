"""Graphs and their nodes: dtypes, TF1's unique naming, name scopes, the default graph, errors.

A node is one op of a define-then-run graph; it also stands for that op's single output (TF1 keeps
Operation and Tensor apart; one object is enough here). The attributes the graph widgets read are
fixed: ``id`` (the unique op name, "add_1"), ``name`` (the output's name, "add_1:0"), ``op`` (the op
type, "Add"), ``inputs`` (tuple of nodes), ``shape`` (tuple with None for an unknown dim, or None for
an unknown rank), ``dtype`` (a DType, None for ops without a value such as "NoOp") and ``grad_of``
(None, or for a node gradients() added: ``(ys, x)``, it holds d(sum of ys)/dx or one path's part of it).
"""
import contextlib
import itertools

import numpy as np


# ---------------------------------------------------------------------------------------------
# Errors (TF1's classes and words)
# ---------------------------------------------------------------------------------------------
class OpError(Exception):
    """A failure while running a graph (TF1: tf.errors.OpError)."""


class InvalidArgumentError(OpError):
    """A bad or missing run-time value, e.g. an unfed placeholder."""


class FailedPreconditionError(OpError):
    """The graph ran in a state it cannot run in, e.g. reading an uninitialized Variable."""


# ---------------------------------------------------------------------------------------------
# DTypes
# ---------------------------------------------------------------------------------------------
class DType:
    """An element type: ``name`` ("float32"), ``as_numpy_dtype``; prints as TF does (tf.float32)."""

    __slots__ = ("name", "np", "_proto")

    def __init__(self, name, np_dtype, proto):
        self.name, self.np, self._proto = name, np.dtype(np_dtype), proto  # proto: "float", "double"

    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def is_floating(self):
        return self.np.kind == "f"

    def __repr__(self):
        return "tf." + self.name

    def __reduce__(self):
        return (as_dtype, (self.name,))


float16 = DType("float16", np.float16, "half")
float32 = DType("float32", np.float32, "float")
float64 = DType("float64", np.float64, "double")
int32 = DType("int32", np.int32, "int32")
int64 = DType("int64", np.int64, "int64")
bool_ = DType("bool", np.bool_, "bool")
_DTYPES = (float16, float32, float64, int32, int64, bool_)
_BY_NUMPY = {d.np: d for d in _DTYPES}
_BY_NAME = {d.name: d for d in _DTYPES}


def as_dtype(x):
    """A DType from a DType, its name, a numpy dtype or a Python type."""
    if isinstance(x, DType):
        return x
    if isinstance(x, str) and x in _BY_NAME:
        return _BY_NAME[x]
    if x is float:
        return float32
    if x is int:
        return int32
    if x is bool:
        return bool_
    try:
        return _BY_NUMPY[np.dtype(getattr(x, "np", x))]  # also accepts autograd_core dtypes
    except (TypeError, KeyError):
        raise TypeError(f"Cannot convert value {x!r} to a TensorFlow DType.") from None


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------
def as_shape(shape):
    """None (unknown rank) or a tuple of ints / None."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    return tuple(None if d is None or d == -1 else int(d) for d in shape)


def shape_str(shape):
    """TF1's str(TensorShape): (2, ?) ; <unknown> for an unknown rank."""
    if shape is None:
        return "<unknown>"
    dims = ["?" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def shape_list(shape):
    """The C++ DebugString TF1 puts in op error messages: [2,?]"""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]" if shape is not None else "<unknown>"


# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------
class OpType(str):
    """The op type ("Add"); also answers TF1's ``t.op.name`` / ``t.op.type`` / ``t.op.inputs``."""

    def __new__(cls, type_name, node):
        s = super().__new__(cls, type_name)
        s.node = node
        return s

    @property
    def type(self):
        return str(self)

    @property
    def name(self):
        return self.node.id

    @property
    def inputs(self):
        return self.node.inputs

    @property
    def graph(self):
        return self.node.graph


class Node:
    """One op of a static graph and its output value (TF1's tf.Tensor).

    Run-time contract: ``fn(*values of deps) -> ndarray``; ``deps`` defaults to ``inputs``.
    ``guard`` is a tuple of (pred node, branch) pairs: the node runs only when every pred has the
    value of its branch (it sits inside a tf.cond branch), else it is dead.
    """

    __slots__ = ("graph", "id", "name", "op", "inputs", "shape", "dtype", "kind", "fn", "deps",
                 "guard", "row", "params", "seq", "const_value", "grad_of", "__weakref__")
    __array_ufunc__ = None  # numpy arrays on the left defer to our reflected operators

    def __init__(self, graph, name, op_type, inputs, shape, dtype, fn=None, kind="op", deps=None,
                 row=None, params=None, const_value=None):
        self.graph = graph
        self.id = name
        self.name = name + ":0"
        self.op = OpType(op_type, self)
        self.inputs = tuple(inputs)
        self.shape = shape
        self.dtype = dtype
        self.kind = kind  # "op" | "placeholder" | "const" | "variable" | "assign" | "noop"
        self.fn = fn
        self.deps = self.inputs if deps is None else tuple(deps)
        self.guard = graph._guard()
        self.row, self.params = row, params  # the op-table row and its params, when there is one
        self.const_value = const_value  # a Const node's value (read-only array)
        self.grad_of = None  # (ys, x) on the nodes gradients() adds: what they differentiate (for labels)
        self.seq = len(graph.nodes)
        graph.nodes.append(self)
        graph._by_name[name] = self

    # --- TF1's Tensor API --------------------------------------------------------------------
    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return None if self.shape is None else len(self.shape)

    def consumers(self):
        return [n for n in self.graph.nodes if self in n.inputs]

    def eval(self, feed_dict=None, session=None):
        """The value of this node in `session` (default: the session of the enclosing with)."""
        session = session or _session.get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. "
                             "Use `with sess.as_default()` or pass an explicit session to "
                             "`eval(session=sess)`")
        return session.run(self, feed_dict)

    run = eval

    def __repr__(self):
        if self.dtype is None:
            return f"<tf.Operation '{self.id}' type={self.op}>"
        return f"<tf.Tensor '{self.name}' shape={shape_str(self.shape)} dtype={self.dtype.name}>"

    def __str__(self):
        if self.dtype is None:
            return f'name: "{self.id}"\nop: "{self.op}"'
        return f'Tensor("{self.name}", shape={shape_str(self.shape)}, dtype={self.dtype.name})'

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` "
                        "instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such "
                        "as tf.cond to execute subgraphs conditioned on the value of a tensor.")

    def __iter__(self):
        raise TypeError("Tensor objects are only iterable when eager execution is enabled. To iterate "
                        "over this tensor use tf.map_fn.")

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors. ({self.name}) Please call "
                        "`x.shape` rather than `len(x)` for shape information.")

    __hash__ = object.__hash__  # TF1 tensors compare by identity (usable as feed_dict keys)


# ---------------------------------------------------------------------------------------------
# Graphs
# ---------------------------------------------------------------------------------------------
_graph_ids = itertools.count()


class Graph:
    """A define-then-run graph: ``nodes`` in creation order (a topological order), unique names."""

    def __init__(self):
        self.nodes = []
        self._by_name = {}
        self._names_in_use = {}
        self._scopes = []       # the name scope stack ("cond", "gradients", ...)
        self._conds = []        # (pred, branch) of the tf.cond branches being built
        self._collections = {}
        self._uid = next(_graph_ids)

    def _guard(self):
        return tuple(self._conds)

    def unique_name(self, name, mark_as_used=True):
        """TF1's rule: prefix the name scope, then append _1, _2, ... (case-insensitively unique)."""
        if self._scopes:
            name = self._scopes[-1] + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Ops made inside are named "<scope>/<op>"; the scope name itself is made unique."""
        scope = self.unique_name(name) if name else ""
        self._scopes.append(scope)
        try:
            yield scope + "/"
        finally:
            self._scopes.pop()

    @contextlib.contextmanager
    def as_default(self):
        _default_graphs.append(self)
        try:
            yield self
        finally:
            _default_graphs.remove(self)

    def get_tensor_by_name(self, name):
        if ":" not in name:
            raise ValueError(f"The name '{name}' looks a like an Operation name, not a Tensor name. "
                             "Tensor names must be of the form \"<op_name>:<output_index>\".")
        op_name, index = name.rsplit(":", 1)
        node = self._by_name.get(op_name)
        if node is None or index != "0" or node.dtype is None:
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                           f"'{op_name}', does not exist in the graph.")
        return node

    def get_operation_by_name(self, name):
        node = self._by_name.get(name)
        if node is None:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.")
        return node

    def get_operations(self):
        return list(self.nodes)

    def get_collection(self, key):
        return list(self._collections.get(key, ()))

    def add_to_collection(self, key, value):
        self._collections.setdefault(key, []).append(value)

    def __repr__(self):
        return f"<autograd_core.static.Graph #{self._uid}: {len(self.nodes)} nodes>"


_default_graphs = []
_global_graph = [Graph()]


def get_default_graph():
    return _default_graphs[-1] if _default_graphs else _global_graph[0]


def reset_default_graph():
    """A fresh global default graph (TF1 forbids this inside a `with g.as_default()`)."""
    if _default_graphs:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If you need "
                             "a cleared graph, exit the nesting and create a new graph.")
    _global_graph[0] = Graph()


def name_scope(name):
    return get_default_graph().name_scope(name)


# Node.eval() runs a Session, and sessions run graphs of these nodes: imported last, once Node exists.
from . import _session  # noqa: E402
