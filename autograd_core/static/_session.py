"""Session: runs the part of a graph that the fetches need, with values fed for placeholders.

The run plan (the needed nodes in topological order, each with its compute function) is made once
per (fetches, fed nodes) and cached, so a graph built once runs lean for many feeds.
"""
import contextlib

import numpy as np

from ._graph import (FailedPreconditionError, InvalidArgumentError, Node, get_default_graph,
                     shape_list, shape_str)
from ._gradients import DEAD

_default_sessions = []
_COPIED = ("variable", "placeholder", "assign")  # values the session (or the caller) owns


def get_default_session():
    return _default_sessions[-1] if _default_sessions else None


def _flatten_fetches(fetches, graph, flat):
    """Append the nodes of a fetch structure to flat; return a function rebuilding the structure."""
    if isinstance(fetches, Node):
        flat.append(fetches)
        i = len(flat) - 1
        return lambda vals: vals[i]
    if isinstance(fetches, str):
        node = graph.get_tensor_by_name(fetches) if ":" in fetches else graph.get_operation_by_name(fetches)
        return _flatten_fetches(node, graph, flat)
    if isinstance(fetches, dict):
        builders = [(k, _flatten_fetches(v, graph, flat)) for k, v in fetches.items()]
        kind = type(fetches)
        return lambda vals: kind((k, b(vals)) for k, b in builders)
    if isinstance(fetches, (list, tuple)):
        builders = [_flatten_fetches(v, graph, flat) for v in fetches]
        if isinstance(fetches, tuple) and hasattr(fetches, "_fields"):  # a namedtuple
            return lambda vals: type(fetches)(*(b(vals) for b in builders))
        kind = type(fetches)
        return lambda vals: kind(b(vals) for b in builders)
    raise TypeError(f"Fetch argument {fetches!r} has invalid type {type(fetches)}, must be a string or "
                    f"Tensor. (Can not convert a {type(fetches).__name__} into a Tensor or Operation.)")


class Session:
    """Runs graph nodes: ``with Session() as sess: sess.run(fetches, feed_dict)``."""

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else get_default_graph()
        self._variables = {}  # Variable -> its current value in this session
        self._plans = {}
        self._closed = False
        self._contexts = []

    # --- context manager ---------------------------------------------------------------------
    def __enter__(self):
        ctx = contextlib.ExitStack()
        ctx.enter_context(self.graph.as_default())
        ctx.enter_context(self.as_default())
        self._contexts.append(ctx)
        return self

    def __exit__(self, *exc):
        self._contexts.pop().close()
        self.close()
        return False

    @contextlib.contextmanager
    def as_default(self):
        _default_sessions.append(self)
        try:
            yield self
        finally:
            _default_sessions.remove(self)

    def close(self):
        self._closed = True
        self._variables.clear()
        self._plans.clear()

    # --- running -----------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """The values of fetches (a node, or nested lists/tuples/dicts of them), as numpy values."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        feeds = self._feeds(feed_dict) if feed_dict else {}
        if type(fetches) is Node:  # the common cases, without building a structure
            flat, rebuild = (fetches,), None
        elif type(fetches) is list and all(type(f) is Node for f in fetches):
            flat, rebuild = tuple(fetches), list
        else:
            flat = []
            rebuild = _flatten_fetches(fetches, self.graph, flat)
            flat = tuple(flat)
        key = (flat, tuple(feeds))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(flat, feeds)
        consts, steps = plan
        vals = feeds.copy()
        vals.update(consts)
        for node, fn, deps in steps:
            vals[node] = fn(*[vals[d] for d in deps])
        out = []
        for i, node in enumerate(flat):
            v = vals[node]
            if v is None:
                if node.dtype is not None:  # DEAD
                    raise InvalidArgumentError(f"Retval[{i}] does not have value (fetching {node.id}, "
                                               "inside a cond branch that did not run)")
            elif v.ndim == 0:
                v = v[()]  # TF1 returns numpy scalars for 0-d values
            elif node.kind in _COPIED or node in feeds:
                v = v.copy()  # the caller must not change the session's state or its own feed
            out.append(v)
        return out[0] if rebuild is None else rebuild(out)

    def _feeds(self, feed_dict):
        feeds = {}
        for key, value in feed_dict.items():
            node = key
            if type(key) is Node and key.graph is self.graph and key.shape is not None:
                arr = np.asarray(getattr(value, "_data", value), dtype=key.dtype.np)  # _data: a Tensor's
                if arr.shape == key.shape:  # the fast path: a fully known shape, matched
                    feeds[key] = arr
                    continue
            if isinstance(key, str):
                node = self.graph.get_tensor_by_name(key)
            if not isinstance(node, Node) or node.dtype is None:
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {key!r}")
            if node.graph is not self.graph:
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: Tensor {node} is not an element "
                                "of this graph.")
            try:
                arr = np.asarray(getattr(value, "_data", value), dtype=node.dtype.np)
            except (TypeError, ValueError) as e:
                raise TypeError(f"Cannot feed value {value!r} for Tensor '{node.name}': {e}") from None
            shape = node.shape
            if shape is not None and (arr.ndim != len(shape) or any(
                    d is not None and d != s for d, s in zip(shape, arr.shape))):
                raise ValueError(f"Cannot feed value of shape {arr.shape} for Tensor '{node.name}', which "
                                 f"has shape '{shape_str(shape)}'")
            feeds[node] = arr
        return feeds

    def _plan(self, fetches, feeds):
        """[(node, fn, deps)] for the nodes the fetches need, in creation (= topological) order."""
        for n in fetches:
            if n.graph is not self.graph:
                raise ValueError(f"Fetch argument {n!r} cannot be interpreted as a Tensor. (Tensor {n} is not "
                                 "an element of this graph.)")
        needed, stack = set(), list(fetches)
        while stack:
            n = stack.pop()
            if n in needed:
                continue
            needed.add(n)
            if n in feeds:
                continue
            stack.extend(n.deps)
            stack.extend(pred for pred, _ in n.guard)
        consts, plan = {}, []
        for n in sorted(needed, key=lambda n: n.seq):
            if n in feeds:
                continue
            if n.kind == "const" and not n.guard:
                consts[n] = n.const_value
                continue
            if n.kind == "placeholder":
                shape = f" and shape {shape_list(n.shape)}" if n.shape else ""
                raise InvalidArgumentError(f"You must feed a value for placeholder tensor '{n.id}' with dtype "
                                           f"{n.dtype._proto}{shape}\n\t [[{{{{node {n.id}}}}}]]")
            fn, deps = self._compute(n), n.deps
            if n.guard:
                fn, deps = _guarded(fn, n.guard), tuple(p for p, _ in n.guard) + deps
            plan.append((n, fn, deps))
        return consts, tuple(plan)

    def _compute(self, n):
        if n.kind == "variable":
            return lambda: self._read(n)
        if n.kind == "assign":
            return _assigner(self._variables, n)
        return n.fn

    def _read(self, var):
        value = self._variables.get(var)
        if value is None:
            raise FailedPreconditionError(f"Attempting to use uninitialized value {var.id}\n\t "
                                          f"[[{{{{node {var.id}}}}}]]")
        return value


def _guarded(fn, guard):
    """fn, run only when every pred of the guard has its branch's value (else: dead)."""
    branches = tuple(b for _, b in guard)
    k = len(branches)

    def run(*vals):
        for v, b in zip(vals[:k], branches):
            if bool(v) is not b:
                return DEAD
        return fn(*vals[k:])
    return run


def _assigner(variables, node):
    var, combine = node.params["var"], node.params["combine"]
    want = var.dtype.np

    def run(*vals):
        new = vals[-1] if combine is None else combine.forward(*vals)
        new = np.array(new, dtype=want)  # a copy: the session owns it
        if var.shape is not None and new.shape != var.shape and None not in var.shape:
            raise InvalidArgumentError(f"Assign requires shapes of both tensors to match. lhs shape= "
                                       f"{shape_list(var.shape)} rhs shape= {shape_list(new.shape)}")
        variables[var] = new
        return new
    return run


class InteractiveSession(Session):
    """A Session that makes itself the default on creation (for notebooks)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._ctx = self.as_default()
        self._ctx.__enter__()

    def close(self):
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            ctx.__exit__(None, None, None)
        super().close()


__all__ = ["Session", "InteractiveSession", "get_default_session"]
