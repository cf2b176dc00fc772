"""Helpers for comparing autograd_core with PyTorch: values, grads and graph structure.

Both libraries are driven by the same code written against a module ``m`` (``autograd_core`` or
``torch``); these helpers turn what came out into plain data that can be compared with ``==`` or
``np.testing.assert_allclose``.
"""
import warnings

import numpy as np


def array(t):
    """A tensor's values as a numpy array (a copy, outside any graph)."""
    return np.array(t.detach().numpy(), copy=True)


def grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def quiet_grad(t):
    """t.grad without the non-leaf UserWarning (both libraries warn alike; tested elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return t.grad


def graph_structure(root, leaf_ids):
    """The backward graph reachable from ``root`` (a grad_fn) as plain data.

    Nodes are numbered in the order a depth-first walk along ``next_functions`` first meets them,
    so two graphs with the same shape give the same list: one entry per node,
    ``(class name, leaf number or None, ((child number or None, input_nr), ...))``.
    ``leaf_ids`` maps id(leaf tensor) -> leaf number, identifying what each AccumulateGrad feeds.
    """
    if root is None:
        return None
    order, entries, stack = {}, [], [root]
    while stack:  # iterative: one pass numbers the nodes in visiting order
        node = stack.pop()
        if id(node) in order:
            continue
        order[id(node)] = len(order)
        entries.append(node)
        children = [n for n, _ in node.next_functions if n is not None]
        stack.extend(reversed(children))
    out = []
    for node in entries:
        variable = getattr(node, "variable", None)
        leaf = leaf_ids.get(id(variable)) if variable is not None else None
        edges = tuple((None if n is None else order[id(n)], nr) for n, nr in node.next_functions)
        out.append((type(node).__name__, leaf, edges))
    return out


def assert_values_close(ours, theirs, what, rtol=1e-5, atol=1e-6):
    """Same shape, same dtype name, values within rtol and atol scaled by the values' magnitude."""
    a, b = array(ours), array(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    assert str(ours.dtype) == str(theirs.dtype), f"{what}: dtype {ours.dtype} != torch {theirs.dtype}"
    scale = max(1.0, float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale, equal_nan=True, err_msg=what)
