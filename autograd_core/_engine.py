"""The autograd engine: grad_fn nodes, grad mode, the backward walk and the event recorder.

Backward is an iterative walk (no recursion limit): count each node's incoming edges, then run
nodes whose gradient is complete, newest first, from a ready queue kept exactly as PyTorch's engine
keeps its own (a C++ std::priority_queue), so that nodes -- leaves too -- run in PyTorch's order.
"""
import functools
import itertools
import re
import sys
import warnings
import weakref

import numpy as np

from . import _dtypes


class _State:
    __slots__ = ("grad_enabled", "recorder")

    def __init__(self):
        self.grad_enabled = True
        self.recorder = None  # the one check per op when nothing records


STATE = _State()
_next_seq = itertools.count().__next__
_ACCUMULATE = 2 ** 64 - 1  # PyTorch's AccumulateGrad sequence number (UINT64_MAX): run when ready

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with torch.autograd.set_detect_anomaly(True, check_nan=False).")


# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------
class Node:
    """A backward function: PyTorch's grad_fn object (MulBackward0, ...).

    ``next_functions[i]`` is ``(node, 0)`` for the i-th input that needs a gradient (its grad_fn,
    or the AccumulateGrad of a leaf) and ``(None, 0)`` for an input that needs none.
    """

    __slots__ = ("next_functions", "_args", "_out", "_params", "_saved_versions", "_seq", "_meta",
                 "__dict__", "__weakref__")
    # set only on the few nodes that need them (lazily created __dict__)
    _pre_hooks = None  # the tensor's hooks, run on the gradient before this node
    _retain = None     # weakref to the tensor that called retain_grad()
    _freed = False     # backward released what this node saved
    _in_dtypes = None  # the inputs' dtypes, when the op computed in a promoted one
    _siblings = None   # the nodes of all the pieces of one unbind/split/chunk
    op = None  # the row of the op table this node class belongs to
    _frees = False  # whether backward releases something (what the op saved)

    def name(self):
        n = type(self).__name__
        # PyTorch's hand-written C++ nodes carry their namespace in name()
        return "torch::autograd::" + n if n in ("CopyBackwards", "CopySlices", "NotImplemented") else n

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _sequence_nr(self):
        return self._seq

    @property
    def _output_metadata(self):
        """((shape, dtype),): what this node's forward produced, recorded when it ran (PyTorch's
        input_metadata: the shape and dtype of the gradient this node receives)."""
        shape, dtype = self._meta
        return ((shape, _dtypes.FROM_NUMPY[dtype]),)

    def __getattr__(self, attr):
        # grad_fn._saved_self, ._saved_other, ._saved_result: what backward will read, as in PyTorch
        if attr.startswith("_saved_"):
            return self._saved_value(attr[7:])
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    def __dir__(self):
        # PyTorch lists a node's _saved_* attributes, so code can find what it keeps by dir()
        saves = self.op.saves if self.op is not None else ()
        return sorted(set(object.__dir__(self)) | {"_saved_" + name for name in saves})

    def saved_tensors(self):
        """{name: Tensor} of what this node keeps for backward (empty once freed), as it is now
        (``_saved_<name>`` instead raises, as PyTorch's does, when it was changed in place)."""
        if self._freed:
            return {}
        return {name: self._saved_value(name, check=False) for name in self.op.saves}

    def _saved_value(self, name, check=True):
        # (not "_saved_tensor": DotBackward0 saves an input named "tensor")
        from ._tensor import _make
        if name not in self.op.saves:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_saved_{name}'")
        if self._freed:
            raise RuntimeError(FREED_MSG)
        if name == "result":
            arr = self._out
        elif name in self.op.arg_names:
            arr = self._args[self.op.arg_names.index(name)]
        else:
            arr = self._params[name]
        if isinstance(arr, tuple):  # index: PyTorch shows tensors, and None for a slice
            return tuple(_make(i, None, False) if isinstance(i, np.ndarray) else
                         None if isinstance(i, slice) else i for i in arr)
        if not isinstance(arr, np.ndarray):
            if name in self.op.arg_names and not isinstance(arr, (type(None), str)):
                # a Python number argument (x * 1.5): PyTorch saves it wrapped in a 0-dim tensor
                kind = np.bool_ if isinstance(arr, bool) else np.int64 if isinstance(arr, int) else np.float64
                return _make(np.asarray(arr, dtype=kind), None, False)
            return arr
        for entry in self._saved_versions or ():
            counter, _, saved, saved_arr = entry
            if saved_arr is arr or (name == "indices" and saved_arr is getattr(saved, "_data", None)):
                if check:
                    _check_version(entry, self)
                if not isinstance(saved, (str, weakref.ref)):
                    return saved  # the input tensor itself, as PyTorch returns it
                if name == "result":  # PyTorch: the output again, grad_fn this node
                    return _make(arr, self, True, counter)
        return _make(arr, None, False)

    def _check_saved(self):
        """PyTorch's SavedVariable::unpack check: nothing this node saved was changed in place."""
        if self._freed:
            raise RuntimeError(FREED_MSG)
        for entry in self._saved_versions or ():
            _check_version(entry, self)

    def _backward(self, g):
        """dL/d(each input) given g = dL/d(output), aligned with next_functions: None where an input
        needs no gradient, else an array of the input's shape (unbroadcast) and dtype."""
        if self._freed or self._saved_versions:
            self._check_saved()
        op = self.op
        args, out, params = self._args, self._out, self._params
        in_dtypes = self._in_dtypes
        in_grads = []
        for i, (nxt, _) in enumerate(self.next_functions):
            if nxt is None:
                in_grads.append(None)
                continue
            if op.variadic:
                gi = op.grad(i, g, args, out, params)
            else:
                fn = op.grads[i]
                gi = fn(g, *args, out, **params) if params else fn(g, *args, out)
            a = args[i]
            if gi.shape != a.shape:
                gi = unbroadcast(gi, a.shape)
            want = a.dtype if in_dtypes is None else in_dtypes[i]
            if gi.dtype is not want:
                if want.kind not in "fc":  # (an integer tensor made to require grad by a write into it)
                    raise RuntimeError(NOT_DIFFERENTIABLE_MSG)
                gi = gi.astype(want)
            if type(gi) is not np.ndarray:  # (numpy turns 0-d results into numpy scalars)
                gi = np.asarray(gi)
            in_grads.append(gi)
        return in_grads

    def _release(self):
        # freed (a second backward refuses) only when something was saved: an input saved only for
        # another input's gradient was not, when that one needed none
        if self._saved_versions or self._saved_something():
            self._freed = True
            self._args = self._out = None
            self._saved_versions = None

    def _saved_something(self):
        """Whether this node saved what PyTorch keeps as a saved variable besides tensors: a number
        operand (x * 1.5 saves the 1.5), an index or mask."""
        edges = self.next_functions
        for i, needed_by in self.op.saved_args:
            if i is not None and not isinstance(self._args[i], np.ndarray) and self._args[i] is not None and (
                    needed_by is None or any(edges[j][0] is not None for j in needed_by)):
                return True
        params = self._params
        return bool(params) and any(isinstance(params.get(n), (np.ndarray, tuple)) for n in self.op.saves)


def short_name(node):
    """A node as PyTorch's error messages name it: MulBackward0 -> Mul, PowBackward1 -> Pow1."""
    n = node if isinstance(node, str) else node.name()
    return re.sub(r"Backward(\d+)$", lambda m: "" if m.group(1) == "0" else m.group(1), n)


INTERNAL_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers "
                        "to a single memory location. Please clone() the tensor before performing the "
                        "operation.")


# PyTorch's engine casts a gradient to its input's dtype, then asserts that it is differentiable
NOT_DIFFERENTIABLE_MSG = ('isDifferentiableType(grad.scalar_type()) INTERNAL ASSERT FAILED at '
                          '"/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp":998, please report a bug '
                          'to PyTorch. ')


def _check_version(entry, unpacking):
    """A saved tensor is unchanged since it was saved, else PyTorch's error naming it (unpacking:
    the node reading it)."""
    counter, version, saved, arr = entry
    if counter[0] != version:
        d = _dtypes.FROM_NUMPY[arr.dtype]
        # (a bool tensor prints as its backend type: ATen's toString)
        name = "CPUBoolType" if d is _dtypes.bool else "torch." + d._legacy
        what = f"[{name} {list(arr.shape)}]"
        # a saved input is named by its grad_fn now (none for a leaf); a saved result by the node
        # that saved it
        if isinstance(saved, weakref.ref):  # an in-place result on a view: the view's grad_fn
            producer = saved()                # then, while something still holds it (PyTorch's
            if producer is None:              # weak_grad_fn_), else the node reading it
                producer = unpacking
        else:
            producer = saved if isinstance(saved, str) else saved.grad_fn
        if producer is not None:
            what += f", which is output 0 of {short_name(producer)},"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: {what} is at version {counter[0]}; expected version {version} instead. {HINT}")


class CopySlices(Node):
    """An in-place op on a view, seen from the view's base: the base's new grad_fn (PyTorch's
    CopySlices). ``_fn`` is the op's own node (MulBackward0 for ``view.mul_(w)``), whose first input
    was the view; next_functions are the base's old history, then the op's other inputs.

    Backward: the base's gradient, in which the view's elements are replaced by what ``_fn`` gives
    for the view's old value; the op's other inputs get what ``_fn`` gives them."""

    __slots__ = ()
    _frees = True
    _fn = None        # the wrapped node (None once backward released it)
    _positions = None  # flat index in the base of each element of the view
    _expanded_view = False  # several elements of the view are one element of the base

    def _backward(self, g):
        fn = self._fn
        if fn is None:
            raise RuntimeError(FREED_MSG)
        result = np.array(g, copy=True, order="C")
        flat = result.reshape(-1)
        grads = fn._backward(flat[self._positions])
        if self.next_functions[0][0] is not None:
            if self._expanded_view:  # (PyTorch copies the view's gradient into an expanded slice)
                raise RuntimeError(INTERNAL_OVERLAP_MSG)
            flat[self._positions] = grads[0]
            grads[0] = result
        return grads

    def _release(self):
        self._freed = True
        if self._fn is not None:
            self._fn._release()
        self._fn = None


class AccumulateGrad:
    """The node at a leaf: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable", "__weakref__")
    next_functions = ()
    _seq = _ACCUMULATE

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def _sequence_nr(self):
        return self._seq

    @property
    def _output_metadata(self):
        v = self.variable
        return ((tuple(v._data.shape), v.dtype),)


def gradient_edge(t):
    """(node, 0): where the gradient for tensor t goes (its grad_fn, or its AccumulateGrad when it is
    a leaf that requires grad); (None, 0) when it needs none."""
    fn = t._grad_fn if t._base is None else t.grad_fn  # (a view's is brought up to date)
    if fn is not None:
        return (fn, 0)
    if not t._requires_grad:
        return (None, 0)
    acc = t._acc() if t._acc is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return (acc, 0)


# ---------------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------------
class _GradMode:
    """Base of no_grad / enable_grad / set_grad_enabled: a context manager and a decorator."""

    _mode = None

    def __enter__(self):
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self._mode

    def __exit__(self, *exc):
        STATE.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self._mode):
                return fn(*args, **kwargs)
        return wrapper


class _NoParamDecorator(_GradMode):
    """Also usable as a bare decorator, ``@no_grad`` without parentheses, as in PyTorch 2."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Ops inside build no graph: results have requires_grad=False."""
    _mode = False


class enable_grad(_NoParamDecorator):
    """Turn graph building back on inside a no_grad block."""
    _mode = True


class set_grad_enabled(_GradMode):
    """set_grad_enabled(mode): like no_grad or enable_grad; also takes effect when just called."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        STATE.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        STATE.grad_enabled = self._prev  # used as a decorator: only the wrapped calls change mode
        return super().__call__(fn)


def is_grad_enabled():
    return STATE.grad_enabled


_INFERENCE = [False]  # inside inference_mode()?


class inference_mode(_GradMode):
    """inference_mode(mode=True): no graph inside, like no_grad (PyTorch also marks the results as
    inference tensors, which refuse to join a graph later; that is not modelled here)."""

    def __new__(cls, mode=True):
        if not isinstance(mode, (bool, int)):  # used as a bare decorator: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        if isinstance(mode, (bool, int)):
            self._mode, self._inference = not mode, bool(mode)

    def __enter__(self):
        if self._inference:
            super().__enter__()
        self._prev_inference, _INFERENCE[0] = _INFERENCE[0], self._inference

    def __exit__(self, *exc):
        _INFERENCE[0] = self._prev_inference
        if self._inference:
            super().__exit__(*exc)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(self._inference):
                return fn(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled():
    return _INFERENCE[0]


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------
class Event:
    """One step of a recording. Fields not used by a kind are None.

    kind        "leaf" | "forward" | "backward" | "retain" | "accumulate"
    index       position in Recording.events
    leaf:       tensor (made by a factory inside the block), value (copy of its data)
    forward:    op (public name, e.g. "mul"), tensor (the output), node (its grad_fn or None),
                inputs (tuple of the op's tensor/number arguments), value (copy of output data)
    backward:   node, grad_output (ndarray: dL/d(node's output), after tensor hooks),
                grad_inputs (tuple aligned with node.next_functions: ndarray or None, what the node
                passed on), local_grads (same alignment: the node's backward applied to ones,
                i.e. d sum(output)/d input -- the local derivative for elementwise scalar ops)
    retain:     node, tensor (the non-leaf that called retain_grad()), grad (ndarray stored)
    accumulate: node (AccumulateGrad), tensor (the leaf), grad (ndarray received, after hooks),
                prev (copy of leaf.grad before: None when it was None), total (copy after)
    """

    __slots__ = ("kind", "index", "op", "tensor", "node", "inputs", "value", "grad_output",
                 "grad_inputs", "local_grads", "grad", "total", "prev")

    def __init__(self, kind, **fields):
        self.kind = kind
        for name in Event.__slots__[1:]:
            setattr(self, name, fields.get(name))

    def __repr__(self):
        what = self.op or (self.node.name() if self.node is not None else "")
        return f"<Event {self.index} {self.kind} {what}>"


class Recording:
    """What happened inside ``with autograd_core.record() as rec:``: ``rec.events`` in order, and
    ``rec.names``: {variable name: tensor or module} of the block's variables that held a tensor it
    recorded (or a module owning one) when the block ended, so later cells rebinding them change
    nothing about how the recording is drawn."""

    def __init__(self):
        self.events = []
        self.names = {}

    def _add(self, kind, **fields):
        ev = Event(kind, index=len(self.events), **fields)
        self.events.append(ev)
        return ev

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def __getitem__(self, i):
        return self.events[i]

    def __repr__(self):
        kinds = {}
        for e in self.events:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        return f"Recording({', '.join(f'{k}={v}' for k, v in kinds.items()) or 'empty'})"

    def __enter__(self):
        self._prev = STATE.recorder
        STATE.recorder = self
        return self

    def __exit__(self, *exc):
        STATE.recorder = self._prev
        self.names = _names_of(self.events, sys._getframe(1))
        return False


def _names_of(events, frame):
    """{name: tensor or module} of frame's variables (locals, then globals) that hold a tensor some
    event reads or makes, or a module with such a parameter; modules first, as a parameter is
    known by its module's path before any loop variable that still holds it."""
    from ._tensor import Tensor  # (both import this module)
    from .nn.modules import Module
    seen = set()
    for ev in events:
        seen.add(id(ev.tensor))
        for x in ev.inputs or ():
            seen.add(id(x))
    spaces = [frame.f_locals] if frame.f_globals is frame.f_locals else [frame.f_locals, frame.f_globals]
    modules, tensors = {}, {}
    for space in spaces:
        for name, obj in list(space.items()):
            if not isinstance(name, str) or name.startswith("_") or name in modules or name in tensors:
                continue
            if isinstance(obj, Tensor):
                if id(obj) in seen:
                    tensors[name] = obj
            elif isinstance(obj, Module) and any(id(p) in seen for p in obj.parameters()):
                modules[name] = obj
    return {**modules, **tensors}


def record():
    """Context manager recording, in order, every forward op and every backward step.

    >>> with record() as rec:
    ...     y = (w * x).sum(); y.backward()
    >>> [e.kind for e in rec.events]            # see Event for the fields of each kind
    """
    return Recording()


# ---------------------------------------------------------------------------------------------
# Backward
# ---------------------------------------------------------------------------------------------
def _dependencies(roots):
    """For every node reachable from roots, how many edges point at it (counted iteratively; the
    roots' own edges from the graph root count too, as in PyTorch)."""
    deps = {}
    stack = []
    for node in roots:
        if node in deps:
            deps[node] += 1
        else:
            deps[node] = 1
            stack.append(node)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                    stack.append(nxt)
    return deps


def _needed(roots, targets):
    """The nodes from which some target can be reached through at least one edge: only those run in
    autograd.grad (a target itself is only read, unless another target lies below it)."""
    parents, stack, seen = {}, list(roots), set(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            parents.setdefault(nxt, []).append(node)
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    stack = [t for t in targets if t in seen]
    needed = set()
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed


# The ready queue: a binary max-heap on sequence numbers kept exactly as libstdc++'s
# std::priority_queue keeps PyTorch's, so that nodes of equal priority (every AccumulateGrad has
# the same one) come out in PyTorch's order. Entries are (sequence number, node).
def _push(heap, entry):
    """std::push_heap: append, then move the entry up past every smaller parent."""
    heap.append(entry)
    _sift_up(heap, len(heap) - 1, entry)


def _sift_up(heap, hole, entry):
    """Put entry in the hole, first moving each smaller parent down into it (libstdc++'s
    __push_heap: an equal parent stays where it is)."""
    seq = entry[0]
    while hole:
        parent = (hole - 1) >> 1
        if heap[parent][0] >= seq:
            break
        heap[hole] = heap[parent]
        hole = parent
    heap[hole] = entry


def _pop(heap):
    """std::pop_heap: take the top; the last entry fills the hole the larger children leave."""
    top = heap[0]
    last = heap.pop()
    n = len(heap)
    if not n:
        return top
    hole = child = 0
    while child < (n - 1) >> 1:  # move the hole down, always to the larger child (right on a tie)
        child = 2 * (child + 1)
        if heap[child][0] < heap[child - 1][0]:
            child -= 1
        heap[hole] = heap[child]
        hole = child
    if not n & 1 and child == (n - 2) >> 1:
        child = 2 * (child + 1)
        heap[hole] = heap[child - 1]
        hole = child - 1
    _sift_up(heap, hole, last)
    return top


def _wrap_grad(arr):
    from ._tensor import _make
    return _make(arr if type(arr) is np.ndarray else np.asarray(arr), None, False)


def _run_hooks(hooks, grad):
    for hook in list(hooks.values()):
        res = hook(_wrap_grad(grad))
        if res is not None:
            _check_hook_result(hook, grad, res)
            grad = res._data
    return grad


def _check_hook_result(hook, grad, res):
    """PyTorch's checks on what a tensor hook returned (a tensor like the gradient it was given)."""
    from ._tensor import Tensor
    if not isinstance(res, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(res).__name__}'")
    name = getattr(hook, "__name__", type(hook).__name__)
    if res._data.dtype != grad.dtype:
        legacy = [_dtypes.FROM_NUMPY[d]._legacy for d in (grad.dtype, res._data.dtype)]
        raise RuntimeError(f"hook '{name}' has changed the type of value (was torch.{legacy[0]} got "
                           f"torch.{legacy[1]})")
    if res._data.shape != grad.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def run_backward(roots, root_grads, retain_graph, capture=None):
    """Propagate root_grads back from roots (nodes), as PyTorch's engine does on one thread.

    capture: None to accumulate into leaves' .grad; else {node: None} filled with the gradient
    arriving at each of those nodes (autograd.grad), leaving every .grad untouched.
    """
    rec = STATE.recorder
    deps = _dependencies(roots)
    if capture is not None:  # (PyTorch's pieces of one unbind/split/chunk share one node: reaching
        for node in list(capture):  # any of them reaches the piece asked for)
            for piece in getattr(node, "_siblings", None) or ():
                capture.setdefault(piece, None)
    needed = _needed(roots, list(capture)) if capture is not None else None
    grads, heap, reached = {}, [], set()
    push, pop = _push, _pop
    # the graph root "runs" first: each root receives its gradient, in order
    for node, g in zip(roots, root_grads):
        grads[node] = _summed(grads[node], g) if node in grads else g
        deps[node] -= 1
        # (PyTorch's one root is its graph root, evaluated even when not needed: its tensor hooks run)
        if not deps[node] and (needed is None or node in needed or node in capture or len(roots) == 1):
            push(heap, (node._seq, node))
    prev_mode = STATE.grad_enabled
    STATE.grad_enabled = False  # backward builds no graph (no create_graph support)
    try:
        while heap:
            node = (heap.pop(0) if len(heap) <= 2 else pop(heap))[1]  # (pop_heap of 1 or 2 entries)
            g = grads.pop(node)
            if type(node) is AccumulateGrad:
                if capture is None:
                    _accumulate(node, g, rec)
                elif node in capture:
                    hooks = node.variable._hooks
                    capture[node] = _run_hooks(hooks, g) if hooks else g
                continue
            if capture is not None:  # autograd.grad: what it asks for is read here (as PyTorch reads
                if node not in needed:  # it: after the tensor's hooks only for a node that stops here)
                    g = _tensor_hooks(node, g, rec)
                    if node in capture:
                        capture[node] = g
                    continue
                if node in capture:
                    capture[node] = g
            if node._siblings is not None:
                _hooks_of_pieces_not_reached(node, deps, reached)
            if node._pre_hooks or node._retain is not None:
                g = _tensor_hooks(node, g, rec)
            in_grads = node._backward(g)
            edges = node.next_functions
            if rec is not None:
                local = node._backward(np.ones_like(g))
                rec._add("backward", node=node, grad_output=g.copy(),
                         grad_inputs=tuple(None if x is None else x.copy() for x in in_grads),
                         local_grads=tuple(local))
            if not retain_graph and node._frees:
                node._release()
            for (nxt, _), gi in zip(edges, in_grads):
                if nxt is None:
                    continue
                left = deps[nxt] - 1
                deps[nxt] = left
                if needed is not None and nxt not in needed and nxt not in capture:
                    continue  # PyTorch does not even buffer what autograd.grad does not need
                if nxt in grads:
                    gi = grads[nxt] + gi
                    grads[nxt] = gi if type(gi) is np.ndarray else np.asarray(gi)  # (0-d sums: scalars)
                else:
                    grads[nxt] = gi
                if not left:  # push_heap, its cases of an empty and a one-entry heap inline
                    n = len(heap)
                    if not n or (n == 1 and heap[0][0] >= nxt._seq):
                        heap.append((nxt._seq, nxt))
                    elif n == 1:
                        heap.insert(0, (nxt._seq, nxt))
                    else:
                        push(heap, (nxt._seq, nxt))
    finally:
        STATE.grad_enabled = prev_mode


def _summed(g1, g2):
    """g1 + g2, an array even of 0-d arrays (numpy's sum of those is a numpy scalar)."""
    g = g1 + g2
    return g if type(g) is np.ndarray else np.asarray(g)


def _hooks_of_pieces_not_reached(node, deps, done):
    """PyTorch's unbind/split/chunk node (one for all the pieces) calls every piece's hooks when it
    runs: with None for a piece no gradient reaches. Here each piece has its own node; when the
    first of them runs, the hooks of the pieces this backward does not reach get None."""
    pieces = node._siblings
    if id(pieces) in done:
        return
    done.add(id(pieces))
    for piece in pieces:
        if piece not in deps and piece._pre_hooks:
            for hook in list(piece._pre_hooks.values()):
                if hook(None) is not None:
                    raise RuntimeError("can't replace a None gradient with a non-None value")


def _tensor_hooks(node, g, rec):
    """The hooks registered on the tensor node made, then its retain_grad() (PyTorch's
    call_tensor_pre_hooks): the gradient the node goes on with."""
    if node._pre_hooks:
        g = _run_hooks(node._pre_hooks, g)
    if node._retain is not None:
        t = node._retain()
        if t is not None:
            t._grad = _wrap_grad(g.copy() if t._grad is None else t._grad._data + g)
            if rec is not None:
                rec._add("retain", node=node, tensor=t, grad=t._grad._data.copy())
    return g


def _accumulate(node, g, rec):
    t = node.variable
    if t._hooks:
        g = _run_hooks(t._hooks, g)
    if rec is not None:
        prev = None if t._grad is None else t._grad._data.copy()
    if t._grad is None:
        t._grad = _wrap_grad(np.array(g, dtype=t._data.dtype, copy=True))
    else:
        # in place, as PyTorch does: a reference to .grad taken earlier sees the sum
        gd = t._grad._data
        np.add(gd, g, out=gd, casting="unsafe")
        t._grad._vc[0] += 1  # (an in-place add: views of .grad see a new version)
    if rec is not None:
        rec._add("accumulate", node=node, tensor=t, grad=np.array(g, copy=True),
                 total=t._grad._data.copy(), prev=prev)


def unbroadcast(g, shape):
    """Sum a gradient over the axes broadcasting added or stretched, back to `shape`."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def warn_nonleaf_grad():
    warnings.warn(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
        "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
        "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
        "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
        "instead. See github.com/pytorch/pytorch/pull/30531 for more information.",
        UserWarning, stacklevel=3)
