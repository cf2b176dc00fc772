"""trace(fn, example_inputs): a dynamic computation frozen into a static graph (like torch.jit.trace).

fn runs once on autograd_core tensors under ``autograd_core.record()``; every recorded forward op
becomes a static node (the same op-table row with the same params), the example inputs become
placeholders, and every other tensor becomes a constant. Python control flow is not recorded: the
trace keeps the branch the example took. When fn turns a traced tensor into a Python value (bool(),
item(), float(), int()) we warn, as torch.jit.trace does.
"""
import inspect
import re
import warnings

import numpy as np

from .. import _recording
from .._ops import OPS
from .._tensor import Tensor, _make
from ._api import _const_node, _flatten, _forward_fn, _pack
from ._graph import Graph, Node, as_dtype
from ._session import Session


class TracerWarning(UserWarning):
    """The trace may not generalize to other inputs (torch.jit.TracerWarning)."""


_CONVERSIONS = {"__bool__": "a Python boolean", "__float__": "a Python float", "__int__": "a Python integer",
                "item": "a Python number", "tolist": "a Python list", "numpy": "a NumPy array"}
_COMPARISONS = ("__gt__", "__lt__", "__ge__", "__le__", "__eq__", "__ne__", "gt", "lt", "ge", "le",
                "eq", "ne")
_TF_TYPES = {"div": "RealDiv", "mm": "MatMul", "bmm": "BatchMatMulV2", "pow_tensor": "Pow", "rpow": "Pow",
             "sum_dim": "Sum", "mean_dim": "Mean", "view": "Reshape", "unsafe_view": "Reshape",
             "t": "Transpose", "permute": "Transpose", "transpose": "Transpose", "to": "Cast",
             "clone": "Identity", "max": "Max", "min": "Min"}


def _message(what):
    return (f"Converting a tensor to {what} might cause the trace to be incorrect. We can't "
            "record the data flow of Python values, so this value will be treated as a constant in the "
            "future. This means that the trace might not generalize to other inputs!")


def _op_type(row):
    if row.name in _TF_TYPES:
        return _TF_TYPES[row.name]
    return re.sub(r"Backwards?\d*$", "", row.grad_fn) or row.name


def _has_params(row, n_inputs):
    """Does the row take params besides its inputs? (its rule reads xp, g, the inputs, out, params)"""
    if row.variadic:
        return True
    required = [p for p in inspect.signature(row.grads[0]).parameters.values() if p.default is p.empty]
    return len(required) > n_inputs + 3


class _Watch:
    """While tracing: which tensors depend on the inputs, and a warning when one becomes a Python value.

    Tensor methods are wrapped for the duration of the trace and restored afterwards (even when fn
    raises).
    """

    def __init__(self, inputs, recording):
        self.tainted = {id(t): t for t in inputs}  # keeps the tensors alive, so ids stay unique
        self.rec = recording
        self.seen = 0
        self.saved = {}

    def _refresh(self):
        events = self.rec.events
        for ev in events[self.seen:]:
            if ev.kind == "forward" and any(isinstance(a, Tensor) and id(a) in self.tainted
                                            for a in ev.inputs):
                self.tainted[id(ev.tensor)] = ev.tensor
        self.seen = len(events)

    def is_traced(self, t):
        self._refresh()
        return self.tainted.get(id(t)) is t

    def __enter__(self):
        for name, what in _CONVERSIONS.items():
            self.saved[name] = orig = Tensor.__dict__[name]
            setattr(Tensor, name, self._converter(orig, what))
        for name in _COMPARISONS:
            self.saved[name] = orig = Tensor.__dict__[name]
            setattr(Tensor, name, self._comparison(orig))
        return self

    def __exit__(self, *exc):
        for name, orig in self.saved.items():
            setattr(Tensor, name, orig)
        return False

    def _converter(self, orig, what):
        watch = self

        def convert(self, *args, **kwargs):
            if not watch.is_traced(self):
                return orig(self, *args, **kwargs)
            warnings.warn(_message(what), TracerWarning, stacklevel=2)
            # the traced copy requires grad only so that the trace keeps every op's params: the
            # caller's tensor did not, so neither the engine's warning nor numpy()'s error applies
            if orig.__name__ == "numpy":
                kwargs["force"] = True
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True")
                return orig(self, *args, **kwargs)
        convert.__name__ = orig.__name__
        return convert

    def _comparison(self, orig):
        watch = self

        def compare(self, other):
            out = orig(self, other)
            if watch.is_traced(self) or (isinstance(other, Tensor) and watch.is_traced(other)):
                watch.tainted[id(out)] = out  # a bool tensor computed from the inputs
            return out
        compare.__name__ = getattr(orig, "__name__", "compare")
        return compare


class TracedFunction:
    """A traced computation: call it with new inputs (runs the static graph); ``.graph`` shows it."""

    def __init__(self, graph, inputs, outputs, structure, name):
        self.graph, self.inputs, self.outputs = graph, inputs, outputs
        self._structure = structure
        self.__name__ = name
        self._session = Session(graph=graph)

    def __call__(self, *args):
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.__name__}() expected {len(self.inputs)} inputs, got {len(args)}")
        feed = {p: (a._data if isinstance(a, Tensor) else a) for p, a in zip(self.inputs, args)}
        values = self._session.run(list(self.outputs), feed)
        tensors = [_make(np.array(v), None, False) for v in values]
        return _pack(self._structure, tensors)

    def __repr__(self):
        return f"<TracedFunction {self.__name__}: {len(self.graph.nodes)} nodes>"


def trace(fn, example_inputs):
    """fn frozen into a static graph by running it once on example_inputs (a tensor or a tuple)."""
    if isinstance(example_inputs, (Tensor, np.ndarray)) or np.isscalar(example_inputs):
        example_inputs = (example_inputs,)
    inputs = []
    for x in example_inputs:
        data = x._data if isinstance(x, Tensor) else np.asarray(x)
        if not isinstance(x, Tensor) and data.dtype == np.float64:
            data = data.astype(np.float32)
        # a copy that requires grad, so that every op on it keeps its params in its grad_fn; a
        # clone of it (made before recording starts) so that fn may still change it in place
        copy = _make(data.copy(), None, data.dtype.kind == "f")
        inputs.append(copy.clone() if copy.requires_grad else copy)
    rec = _recording.Recording()
    with rec, _Watch(inputs, rec):
        out = fn(*inputs)

    graph = Graph()
    nodes = {}  # id(tensor) -> static node; events keep the tensors alive
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    placeholders = []
    for i, t in enumerate(inputs):
        name = names[i] if i < len(names) and names[i].isidentifier() else "Placeholder"
        p = Node(graph, graph.unique_name(name), "Placeholder", (), t._data.shape, as_dtype(t._data.dtype),
                 kind="placeholder")
        nodes[id(t)] = p
        placeholders.append(p)

    def node_for(t, like=None):
        if isinstance(t, Tensor):
            n = nodes.get(id(t))
            return n if n is not None else _const_node(graph, t._data.copy())
        dtype = like if like is not None and like.kind in "fc" else None
        return _const_node(graph, np.asarray(t, dtype=dtype))

    for ev in rec.events:
        if ev.kind == "leaf":
            nodes[id(ev.tensor)] = _const_node(graph, ev.value)
        elif ev.kind == "forward":
            row = OPS[ev.op]
            params = ev.node._params if ev.node is not None else None
            if params is None and _has_params(row, len(ev.inputs)):
                raise RuntimeError(f"trace: cannot record '{ev.op}' without autograd (inside no_grad, or "
                                   "on an input that cannot require grad): its parameters are not kept")
            ins = tuple(node_for(a, ev.value.dtype) for a in ev.inputs)
            op_type = _op_type(row)
            dtype = as_dtype(ev.value.dtype)
            nodes[id(ev.tensor)] = Node(graph, graph.unique_name(op_type), op_type, ins, ev.value.shape,
                                        dtype, fn=_forward_fn(row, params or None, dtype.np), row=row,
                                        params=params or None)
    flat = _flatten(out)
    outputs = []
    for t in flat:
        if not isinstance(t, Tensor):
            raise TypeError(f"trace: fn must return tensors (or lists/tuples of them), got {type(t).__name__}")
        outputs.append(node_for(t))
    return TracedFunction(graph, tuple(placeholders), tuple(outputs), out,
                          getattr(fn, "__name__", "traced"))
