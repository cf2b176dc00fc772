"""Building graphs: constants, placeholders, Variables, the math ops (rows of the op table), cond.

Every math node is a row of ``autograd_core._ops.OPS`` with its input nodes and params: at run time
it computes ``row.forward(*input values, **params)``, and ``gradients`` reuses ``row.grad``. Python
numbers become Const nodes of the other operand's dtype, named as TF1 names them ("add/y").
"""
import numbers

import numpy as np

from .._ops import OPS
from ._graph import Node, as_dtype, as_shape, bool_, get_default_graph, shape_list, shape_str


# ---------------------------------------------------------------------------------------------
# Values and constants
# ---------------------------------------------------------------------------------------------
def _as(out, want):
    """out as an ndarray of dtype want (numpy returns scalars for 0-d results)."""
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if out.dtype != want:
        out = out.astype(want)
    return out


def _to_array(value, dtype=None):
    """TF1's conversion: Python floats give float32, ints int32; numpy arrays keep their dtype."""
    if hasattr(value, "_data") and isinstance(getattr(value, "_data"), np.ndarray):
        value = value._data  # an autograd_core Tensor
    if dtype is not None:
        return np.array(value, dtype=as_dtype(dtype).np)
    arr = np.array(value)
    if not isinstance(value, (np.ndarray, np.generic)):
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int32)
    if arr.dtype.kind == "O" or arr.dtype.kind in "US":
        raise TypeError(f"Failed to convert object of type {type(value)} to Tensor. Contents: {value!r}. "
                        "Consider casting elements to a supported type.")
    as_dtype(arr.dtype)  # a dtype we know
    return arr


def _const_node(graph, arr, name="Const"):
    arr.setflags(write=False)  # a constant shared by every run must not be changed by a caller
    return Node(graph, graph.unique_name(name), "Const", (), arr.shape, as_dtype(arr.dtype),
                fn=lambda: arr, kind="const", const_value=arr)


def constant(value, dtype=None, shape=None, name="Const"):
    """A node whose value is fixed when the graph is built."""
    arr = _to_array(value, dtype)
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        arr = np.array(np.broadcast_to(arr, shape) if arr.size == 1 else arr.reshape(shape))
    return _const_node(get_default_graph(), arr, name)


def placeholder(dtype, shape=None, name=None):
    """A node whose value must be fed at run time: sess.run(..., feed_dict={p: value})."""
    graph = get_default_graph()
    return Node(graph, graph.unique_name(name or "Placeholder"), "Placeholder", (), as_shape(shape),
                as_dtype(dtype), kind="placeholder")


def convert_to_tensor(value, dtype=None, name=None):
    """A node for value: the node itself, or a new Const."""
    if isinstance(value, Node):
        if dtype is not None and as_dtype(dtype) is not value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {as_dtype(dtype).name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    return _const_node(get_default_graph(), _to_array(value, dtype), name or "Const")


def _graph_of(values):
    """The graph the nodes among values belong to (TF1's error when they disagree)."""
    graph = first = None
    for v in values:
        if isinstance(v, Node):
            if graph is None:
                graph, first = v.graph, v
            elif v.graph is not graph:
                raise ValueError(f"{v} must be from the same graph as {first}.")
    return graph if graph is not None else get_default_graph()


def _operands(graph, opname, values, arg_names=("x", "y")):
    """values as nodes of one dtype; numbers become Consts named "<op>/<arg>"."""
    dtype = next((v.dtype for v in values if isinstance(v, Node)), None)
    out = []
    graph._scopes.append(opname)
    try:
        for v, arg in zip(values, arg_names):
            if not isinstance(v, Node):
                v = _const_node(graph, _to_array(v, dtype), arg)
            out.append(v)
    finally:
        graph._scopes.pop()
    return out


def _check_same_dtype(op_type, nodes, arg_names=("x", "y")):
    first = nodes[0]
    for n, arg in zip(nodes[1:], arg_names[1:]):
        if n.dtype is not first.dtype:
            raise TypeError(f"Input '{arg}' of '{op_type}' Op has type {n.dtype.name} that does not match "
                            f"type {first.dtype.name} of argument '{arg_names[0]}'.")


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------
def _broadcast(shapes, opname, op_type):
    """The broadcast of static shapes (None = unknown), with TF1's message for a mismatch."""
    if any(s is None for s in shapes):
        return None
    n = max(len(s) for s in shapes)
    padded = [(1,) * (n - len(s)) + s for s in shapes]
    out = []
    for dims in zip(*padded):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"Dimensions must be equal, but are {dims[0]} and {dims[1]} for '{opname}' "
                             f"(op: '{op_type}') with input shapes: "
                             + ", ".join(shape_list(s) for s in shapes) + ".")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def _axes(axis, rank, opname):
    """axis (int, list or None) as a tuple of non-negative ints."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    if any(a < 0 for a in axes):
        if rank is None:
            raise ValueError(f"'{opname}': a negative axis needs an input of known rank")
        axes = tuple(a % rank if -rank <= a < rank else a for a in axes)
    if rank is not None:
        for a in axes:
            if not 0 <= a < rank:
                raise ValueError(f"Invalid reduction dimension {a} for input with {rank} dimensions. "
                                 f"for '{opname}'")
    return tuple(sorted(set(axes)))


# ---------------------------------------------------------------------------------------------
# Op nodes (one row of the op table each)
# ---------------------------------------------------------------------------------------------
def _forward_fn(row, params, want):
    fwd = row.forward
    if params:
        return lambda *vals: _as(fwd(*vals, **params), want)
    return lambda *vals: _as(fwd(*vals), want)


def _op_node(graph, name, op_type, row_name, inputs, shape, dtype, params=None):
    row = OPS[row_name]
    return Node(graph, name, op_type, inputs, shape, dtype, fn=_forward_fn(row, params, dtype.np),
                row=row, params=params)


def _binary(row_name, op_type, default_name, x, y, name=None):
    """An elementwise op of two operands, with broadcasting."""
    graph = _graph_of((x, y))
    opname = graph.unique_name(name or default_name)
    x, y = _operands(graph, opname, (x, y))
    _check_same_dtype(op_type, (x, y))
    shape = _broadcast((x.shape, y.shape), opname, op_type)
    return _op_node(graph, opname, op_type, row_name, (x, y), shape, x.dtype)


def _unary(row_name, op_type, x, name=None, params=None, shape="same"):
    graph = _graph_of((x,))
    opname = graph.unique_name(name or op_type)
    (x,) = _operands(graph, opname, (x,), ("x",))
    if OPS[row_name].kind == "float" and not x.dtype.is_floating:
        raise TypeError(f"Value passed to parameter 'x' has DataType {x.dtype.name} not in list of allowed "
                        "values: bfloat16, float16, float32, float64, complex64, complex128")
    return _op_node(graph, opname, op_type, row_name, (x,), x.shape if shape == "same" else shape,
                    x.dtype, params)


def add(x, y, name=None):
    """x + y"""
    return _binary("add", "Add", "Add", x, y, name)


def subtract(x, y, name=None):
    """x - y"""
    return _binary("sub", "Sub", "Sub", x, y, name)


def multiply(x, y, name=None):
    """x * y"""
    return _binary("mul", "Mul", "Mul", x, y, name)


def divide(x, y, name=None):
    """x / y (true division)"""
    return _binary("div", "RealDiv", "truediv", x, y, name)


truediv = divide


def pow(x, y, name=None):
    """x ** y"""
    return _binary("pow_tensor", "Pow", "Pow", x, y, name)


def maximum(x, y, name=None):
    """elementwise max(x, y) (a tie splits the gradient in half, as in autograd_core)"""
    return _binary("maximum", "Maximum", "Maximum", x, y, name)


def minimum(x, y, name=None):
    """elementwise min(x, y)"""
    return _binary("minimum", "Minimum", "Minimum", x, y, name)


def negative(x, name=None):
    """-x"""
    return _unary("neg", "Neg", x, name)


def _unary_fn(row_name, op_type, doc):
    def f(x, name=None):
        return _unary(row_name, op_type, x, name)
    f.__name__, f.__doc__ = op_type.lower(), doc
    return f


exp = _unary_fn("exp", "Exp", "e ** x")
log = _unary_fn("log", "Log", "ln(x)")
sqrt = _unary_fn("sqrt", "Sqrt", "x ** 0.5")
sin = _unary_fn("sin", "Sin", "sin(x)")
cos = _unary_fn("cos", "Cos", "cos(x)")
tanh = _unary_fn("tanh", "Tanh", "tanh(x)")
sigmoid = _unary_fn("sigmoid", "Sigmoid", "1 / (1 + e ** -x)")
relu = _unary_fn("relu", "Relu", "max(x, 0)")
abs = _unary_fn("abs", "Abs", "|x|")
reciprocal = _unary_fn("reciprocal", "Reciprocal", "1 / x")
identity = _unary_fn("clone", "Identity", "x (a new node with the same value)")


def square(x, name=None):
    """x ** 2"""
    return _unary("pow", "Square", x, name, {"exponent": 2})


def stop_gradient(x, name=None):
    """x, through which gradients() does not pass"""
    return _unary("clone", "StopGradient", x, name)


def cast(x, dtype, name=None):
    """x converted to dtype"""
    dtype = as_dtype(dtype)
    graph = _graph_of((x,))
    opname = graph.unique_name(name or "Cast")
    (x,) = _operands(graph, opname, (x,), ("x",))
    return _op_node(graph, opname, "Cast", "to", (x,), x.shape, dtype, {"dtype": dtype.np})


def _reduce(row_all, row_dim, op_type, x, axis, keepdims, name):
    graph = _graph_of((x,))
    opname = graph.unique_name(name or op_type)
    (x,) = _operands(graph, opname, (x,), ("input",))
    rank = None if x.shape is None else len(x.shape)
    axes = _axes(axis, rank, opname)
    if axes is None and not keepdims:
        return _op_node(graph, opname, op_type, row_all, (x,), (), x.dtype)
    if axes is None:
        if rank is None:
            raise ValueError(f"'{opname}': keepdims=True without an axis needs an input of known rank")
        axes = tuple(range(rank))
    if x.shape is None:
        shape = None
    elif keepdims:
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    else:
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return _op_node(graph, opname, op_type, row_dim, (x,), shape, x.dtype,
                    {"dim": axes, "keepdim": bool(keepdims)})


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """sum of the elements (over axis)"""
    return _reduce("sum", "sum_dim", "Sum", input_tensor, axis, keepdims, name)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """mean of the elements (over axis)"""
    return _reduce("mean", "mean_dim", "Mean", input_tensor, axis, keepdims, name)


def reduce_max(input_tensor, name=None):
    """largest element (ties share the gradient)"""
    return _reduce("max", None, "Max", input_tensor, None, False, name)


def reduce_min(input_tensor, name=None):
    """smallest element (ties share the gradient)"""
    return _reduce("min", None, "Min", input_tensor, None, False, name)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """a @ b for matrices (rank 2), or batches of them (rank >= 3, broadcast batch dims)"""
    graph = _graph_of((a, b))
    a, b = (convert_to_tensor(v) if not isinstance(v, Node) else v for v in (a, b))
    if transpose_a:
        a = transpose(a)
    if transpose_b:
        b = transpose(b)
    opname = graph.unique_name(name or "MatMul")
    _check_same_dtype("MatMul", (a, b), ("a", "b"))
    ra, rb = (None if s is None else len(s) for s in (a.shape, b.shape))
    batched = (ra or 2) > 2 or (rb or 2) > 2
    op_type = "BatchMatMulV2" if batched else "MatMul"
    for r in (ra, rb):
        if r is not None and r < 2:
            raise ValueError(f"Shape must be rank 2 but is rank {r} for '{opname}' (op: '{op_type}') with "
                             f"input shapes: {shape_list(a.shape)}, {shape_list(b.shape)}.")
    shape = None
    if a.shape is not None and b.shape is not None:
        k1, k2 = a.shape[-1], b.shape[-2]
        if k1 is not None and k2 is not None and k1 != k2:
            raise ValueError(f"Dimensions must be equal, but are {k1} and {k2} for '{opname}' (op: "
                             f"'{op_type}') with input shapes: {shape_list(a.shape)}, {shape_list(b.shape)}.")
        batch = _broadcast((a.shape[:-2], b.shape[:-2]), opname, op_type)
        shape = batch + (a.shape[-2], b.shape[-1])
    return _op_node(graph, opname, op_type, "bmm" if batched else "mm", (a, b), shape, a.dtype)


def transpose(a, perm=None, name=None):
    """a with its dims permuted (reversed by default)"""
    graph = _graph_of((a,))
    opname = graph.unique_name(name or "transpose")
    (a,) = _operands(graph, opname, (a,), ("a",))
    if perm is None:
        if a.shape is None:
            raise ValueError(f"'{opname}': transpose without perm needs an input of known rank")
        perm = tuple(reversed(range(len(a.shape))))
    perm = tuple(int(p) for p in perm)
    shape = None if a.shape is None else tuple(a.shape[p] for p in perm)
    return _op_node(graph, opname, "Transpose", "permute", (a,), shape, a.dtype, {"dims": perm})


def reshape(tensor, shape, name=None):
    """tensor with a new shape (one dim may be -1)"""
    graph = _graph_of((tensor,))
    opname = graph.unique_name(name or "Reshape")
    (tensor,) = _operands(graph, opname, (tensor,), ("tensor",))
    shape = tuple(int(s) for s in shape)
    static = tuple(None if s == -1 else s for s in shape)
    if -1 in shape and tensor.shape is not None and None not in tensor.shape:
        known = int(np.prod([s for s in shape if s != -1]))
        static = tuple(int(np.prod(tensor.shape)) // known if s == -1 else s for s in shape)
    return _op_node(graph, opname, "Reshape", "view", (tensor,), static, tensor.dtype, {"shape": shape})


def _softmax(row_name, op_type, logits, axis, name):
    rank = None if logits.shape is None else len(logits.shape)
    if rank is None and axis < 0:
        raise ValueError(f"{op_type}: a negative axis needs an input of known rank")
    return _unary(row_name, op_type, logits, name, {"dim": axis % rank if rank else axis})


def softmax(logits, axis=-1, name=None):
    """e ** x_i / sum_j e ** x_j along axis"""
    return _softmax("softmax", "Softmax", logits, axis, name)


def log_softmax(logits, axis=-1, name=None):
    """x_i - log sum_j e ** x_j along axis"""
    return _softmax("log_softmax", "LogSoftmax", logits, axis, name)


# ---------------------------------------------------------------------------------------------
# Comparisons (bool nodes; no gradient)
# ---------------------------------------------------------------------------------------------
def _compare(ufunc, op_type, default_name):
    def f(x, y, name=None):
        graph = _graph_of((x, y))
        opname = graph.unique_name(name or default_name)
        x, y = _operands(graph, opname, (x, y))
        _check_same_dtype(op_type, (x, y))
        shape = _broadcast((x.shape, y.shape), opname, op_type)
        return Node(graph, opname, op_type, (x, y), shape, bool_,
                    fn=lambda a, b: _as(ufunc(a, b), np.bool_))
    f.__name__ = default_name
    f.__doc__ = f"x {op_type} y elementwise (a bool node)"
    return f


greater = _compare(np.greater, "Greater", "Greater")
less = _compare(np.less, "Less", "Less")
greater_equal = _compare(np.greater_equal, "GreaterEqual", "GreaterEqual")
less_equal = _compare(np.less_equal, "LessEqual", "LessEqual")
equal = _compare(np.equal, "Equal", "Equal")
not_equal = _compare(np.not_equal, "NotEqual", "NotEqual")


# ---------------------------------------------------------------------------------------------
# Control flow
# ---------------------------------------------------------------------------------------------
def _flatten(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    return [x]


def _pack(structure, flat):
    it = iter(flat)

    def build(s):
        if isinstance(s, (list, tuple)):
            return type(s)(build(item) for item in s)
        return next(it)
    return build(structure)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """true_fn() if pred else false_fn(), decided at run time.

    Both branches are built (inside name scope "cond"); at run time only the taken branch runs, and
    gradients flow only through it (the other branch's inputs get zeros from it).
    """
    if isinstance(pred, (bool, np.bool_)):
        raise TypeError("pred must not be a Python bool")
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("true_fn and false_fn must be callable.")
    graph = _graph_of((pred,))
    pred = convert_to_tensor(pred) if not isinstance(pred, Node) else pred
    if pred.dtype is not bool_:
        raise TypeError(f"pred must be a bool tensor, got {pred!r}")
    if pred.shape is not None and len(pred.shape) != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {len(pred.shape)} for 'cond/Switch' (op: "
                         f"'Switch') with input shapes: {shape_list(pred.shape)}, {shape_list(pred.shape)}.")
    with graph.as_default(), graph.name_scope(name or "cond"):
        outs = []
        for branch, fn in ((True, true_fn), (False, false_fn)):
            graph._conds.append((pred, branch))
            try:
                outs.append(fn())
            finally:
                graph._conds.pop()
        t_flat, f_flat = _flatten(outs[0]), _flatten(outs[1])
        if len(t_flat) != len(f_flat):
            raise ValueError("true_fn and false_fn arguments to tf.cond must have the same number, type, "
                             "and overall structure of return values.")
        merged = []
        for t, f in zip(t_flat, f_flat):
            like = t if isinstance(t, Node) else f if isinstance(f, Node) else None
            dtype = like.dtype if like is not None else None
            t, f = (v if isinstance(v, Node) else _const_node(graph, _to_array(v, dtype)) for v in (t, f))
            for v in (t, f):
                if v.graph is not graph:
                    raise ValueError(f"{v} must be from the same graph as {pred}.")
            if t.dtype is not f.dtype:
                raise ValueError("Outputs of true_fn and false_fn must have the same type: "
                                 f"{t.dtype.name}, {f.dtype.name}")
            shape = (t.shape if t.shape == f.shape else
                     None if t.shape is None or f.shape is None or len(t.shape) != len(f.shape) else
                     tuple(a if a == b else None for a, b in zip(t.shape, f.shape)))
            merged.append(Node(graph, graph.unique_name("Merge"), "Merge", (pred, t, f), shape, t.dtype,
                               fn=_select))
    return _pack(outs[0], merged)


def _select(p, t, f):
    return t if p else f


def group(*inputs, name=None):
    """One op that runs all inputs (TF1's tf.group): fetch it to run them, its value is None."""
    graph = _graph_of(inputs)
    return Node(graph, graph.unique_name(name or "group_deps"), "NoOp", inputs, None, None,
                fn=lambda *vals: None, kind="noop")


# ---------------------------------------------------------------------------------------------
# Variables
# ---------------------------------------------------------------------------------------------
class Variable(Node):
    """A node whose value lives in a Session: set by its initializer, changed by assign ops."""

    __slots__ = ("initial_value", "initializer", "trainable")

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        graph = _graph_of((initial_value,))
        vname = graph.unique_name(name or "Variable")
        graph._scopes.append(vname)
        try:
            init = (initial_value if isinstance(initial_value, Node) else
                    _const_node(graph, _to_array(initial_value, dtype), "initial_value"))
        finally:
            graph._scopes.pop()
        super().__init__(graph, vname, "VariableV2", (), init.shape, init.dtype, kind="variable")
        self.initial_value = init
        self.trainable = trainable
        graph._scopes.append(vname)
        try:
            self.initializer = _assign(self, init, "Assign", None)
        finally:
            graph._scopes.pop()
        graph.add_to_collection("variables", self)
        if trainable:
            graph.add_to_collection("trainable_variables", self)

    def assign(self, value, name=None):
        """An op setting this variable to value when run (its value: the new value)."""
        return _assign(self, value, name or "Assign", None)

    def assign_add(self, delta, name=None):
        """An op adding delta to this variable when run."""
        return _assign(self, delta, name or "AssignAdd", OPS["add"])

    def assign_sub(self, delta, name=None):
        """An op subtracting delta from this variable when run."""
        return _assign(self, delta, name or "AssignSub", OPS["sub"])

    def value(self):
        return self

    read_value = value

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={shape_str(self.shape)} dtype={self.dtype.name}_ref>"


def _assign(var, value, name, combine):
    graph = var.graph
    opname = graph.unique_name(name)
    if not isinstance(value, Node):
        graph._scopes.append(opname)
        try:
            value = _const_node(graph, _to_array(value, var.dtype), "value")
        finally:
            graph._scopes.pop()
    _graph_of((var, value))
    op_type = {None: "Assign", OPS["add"]: "AssignAdd", OPS["sub"]: "AssignSub"}[combine]
    _check_same_dtype(op_type, (var, value), ("ref", "value"))
    deps = (value,) if combine is None else (var, value)  # Assign does not read the old value
    return Node(graph, opname, op_type, (var, value), var.shape, var.dtype, kind="assign", deps=deps,
                params={"var": var, "combine": combine})


def global_variables(graph=None):
    return (graph or get_default_graph()).get_collection("variables")


def trainable_variables(graph=None):
    return (graph or get_default_graph()).get_collection("trainable_variables")


def variables_initializer(var_list, name="init"):
    """One op running the initializers of var_list."""
    graph = _graph_of(var_list)
    inits = tuple(v.initializer for v in var_list)
    return Node(graph, graph.unique_name(name), "NoOp", inits, None, None, fn=lambda *vals: None,
                kind="noop")


def global_variables_initializer():
    """One op running every Variable's initializer: sess.run(tf.global_variables_initializer())."""
    return variables_initializer(global_variables())


# ---------------------------------------------------------------------------------------------
# Operators on nodes (TF1's: no ==, which stays identity so nodes can be dict keys)
# ---------------------------------------------------------------------------------------------
def _op(fn, name, reflected=False):
    if reflected:
        return lambda self, other: fn(other, self, name=name)
    return lambda self, other: fn(self, other, name=name)


_OPERATORS = {
    "__add__": _op(add, "add"), "__radd__": _op(add, "add", True),
    "__sub__": _op(subtract, "sub"), "__rsub__": _op(subtract, "sub", True),
    "__mul__": _op(multiply, "mul"), "__rmul__": _op(multiply, "mul", True),
    "__truediv__": _op(divide, "truediv"), "__rtruediv__": _op(divide, "truediv", True),
    "__pow__": _op(pow, "pow"), "__rpow__": _op(pow, "pow", True),
    "__matmul__": _op(matmul, "matmul"), "__rmatmul__": _op(matmul, "matmul", True),
    "__gt__": _op(greater, "Greater"), "__lt__": _op(less, "Less"),
    "__ge__": _op(greater_equal, "GreaterEqual"), "__le__": _op(less_equal, "LessEqual"),
    "__neg__": lambda self: negative(self), "__abs__": lambda self: abs(self),
}
for _name, _fn in _OPERATORS.items():
    setattr(Node, _name, _fn)
