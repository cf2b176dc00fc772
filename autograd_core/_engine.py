"""The backward walk: propagate gradients from the roots back to the leaves, as PyTorch's engine does
on one thread.

Iterative (no recursion limit): count each node's incoming edges, then run nodes whose gradient is
complete, newest first, from a ready queue kept exactly as PyTorch's engine keeps its own (a C++
std::priority_queue), so that nodes -- leaves too -- run in PyTorch's order. What a gradient is
(a numpy array, or under create_graph a Tensor with a graph of its own) is the namespace ``xp``'s
business (_namespaces.py): the walk is the same.
"""
import bisect
import math
import sys
import weakref

import numpy as np

from . import _dtypes
from ._graph import STATE, AccumulateGrad, _next_seq
from ._numerics import batch_sum, torch_sum_dim, torch_sum_to

# The nodes each backward(create_graph=True) made -- its gradients' own graph -- as a range of node
# sequence numbers, with the nodes it started from: how draw() tells the ops a backward pass made
# from the program's own (built_by). Costs nothing per op; the last GRAPH_BUILDS_KEPT are kept.
GRAPH_BUILDS_KEPT = 10_000
_graph_builds = []  # [(first seq, end seq, (weakref to a root node, ...))], sorted by first seq


def built_by(node):
    """The root nodes of the backward(create_graph=True) that made node (dead ones as None), or
    None when node is one of the program's own (or its backward is no longer remembered)."""
    seq = getattr(node, "_seq", None)
    if seq is None or not _graph_builds:
        return None
    i = bisect.bisect_right(_graph_builds, (seq, float("inf"))) - 1
    for first, end, roots in _graph_builds[max(0, i - 3):i + 1][::-1]:  # (nested: an outer one)
        if first < seq < end:
            return tuple(r() for r in roots)
    return None


def _note_graph_build(first, roots):
    refs = []
    for node in roots:
        try:
            refs.append(weakref.ref(node))
        except TypeError:
            refs.append(lambda: None)
    bisect.insort(_graph_builds, (first, _next_seq(), tuple(refs)), key=lambda b: b[:2])
    if len(_graph_builds) > 2 * GRAPH_BUILDS_KEPT:
        del _graph_builds[:-GRAPH_BUILDS_KEPT]


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


def run_backward(roots, root_grads, retain_graph, xp, capture=None):
    """Propagate root_grads back from roots (nodes), as PyTorch's engine does on one thread.

    xp: what a gradient is -- numpy arrays (a plain backward), or Tensors (create_graph: grad mode
    stays on, so every step below that computes is an op recorded in the gradients' own graph).
    capture: None to accumulate into leaves' .grad; else {node: None} filled with the gradient
    arriving at each of those nodes (autograd.grad), leaving every .grad untouched.
    """
    rec = STATE.recorder
    plain = rec is None and capture is None and not xp.builds_graph  # (see the common case below)
    deps = _dependencies(roots)
    needed = None if capture is None else _needed_for_capture(roots, capture)
    grads, heap = {}, []
    first = _next_seq() if xp.builds_graph else None  # (every node made from here on: built_by)
    _receive_root_grads(roots, root_grads, grads, deps, heap, needed, capture, xp)
    prev_mode, STATE.grad_enabled = STATE.grad_enabled, xp.builds_graph
    try:
        while heap:
            node = (heap.pop(0) if len(heap) <= 2 else _pop(heap))[1]  # (pop_heap of 1 or 2 entries)
            g = grads.pop(node, None)  # (None: only undefined gradients arrived -- a hook's None)
            if rec is not None:
                rec._backward_of = node  # (what the ops made from here on belong to)
            if type(node) is AccumulateGrad:
                only_the_walk = sys.getrefcount(g) <= _ONLY_THE_WALK  # (then it may become .grad itself)
                _reach_leaf(node, g, capture, xp, rec, only_the_walk)
                continue
            if g is None and node._multi:  # (a node of several outputs: one gradient per output)
                g = [None] * node._n_outputs
            if capture is not None and _captured(node, g, needed, capture, xp, rec):
                continue  # (autograd.grad stops here: nothing below is asked for)
            if plain and node._rules_only and g is not None and not node._hooked and node._packed is None:
                # the common case -- a plain backward through a row of the op table, nothing hooked,
                # recorded or captured -- in one pass: each input's gradient goes straight to its
                # node (the steps below, less what cannot apply; the list of gradients in between
                # and the second walk over the edges cost about a fifth of a small plain backward)
                if node._saved_versions or node._freed:
                    node._check_saved()
                args, out, params = node._args, node._out, node._params
                for i, (nxt, nr) in enumerate(node.next_functions):
                    if nxt is None:
                        continue
                    gi = node._input_grad(i, g, xp, args, out, params)
                    if nxt._multi:
                        _deliver(nxt, nr, gi, grads, deps, heap, xp)
                        continue
                    # (_deliver, inlined for a node of one output: one call fewer per edge)
                    left = deps[nxt] - 1
                    deps[nxt] = left
                    if gi is not None:
                        gi_before = grads.get(nxt)  # (never None: only gradients are buffered)
                        grads[nxt] = gi if gi_before is None else xp.add(gi_before, gi)
                        gi_before = None
                    if not left:
                        n = len(heap)
                        if not n or (n == 1 and heap[0][0] >= nxt._seq):
                            heap.append((nxt._seq, nxt))
                        elif n == 1:
                            heap.insert(0, (nxt._seq, nxt))
                        else:
                            _push(heap, (nxt._seq, nxt))
                gi = None  # (the buffers alone hold the gradients now: see _reach_leaf)
                if not retain_graph and node._frees:
                    node._release()
                continue
            if node._hooked:
                g = _call_hooks(node, g, xp, rec)
            in_grads = node._backward(g, xp) if g is not None else [None] * len(node.next_functions)
            if node._hooked and node._node_post_hooks:
                in_grads = _run_node_post_hooks(node, in_grads, g, xp)
            if rec is not None and g is not None:
                _record_backward(rec, node, g, in_grads, xp)
            if not retain_graph and node._frees:
                node._release()
            _pass_on(node, in_grads, grads, deps, heap, needed, capture, xp)
            in_grads = None  # (the buffers alone hold the gradients now: see _reach_leaf)
    finally:
        STATE.grad_enabled = prev_mode
        if rec is not None:
            rec._backward_of = None
        if first is not None:
            _note_graph_build(first, roots)


def _needed_for_capture(roots, capture):
    """autograd.grad: the nodes that lead to one it asks for (only those run)."""
    return _needed(roots, list(capture))


def _receive_root_grads(roots, root_grads, grads, deps, heap, needed, capture, xp):
    """The graph root "runs" first: each root receives its gradient, in order (a node of several
    outputs: a list, one gradient or None per output)."""
    for node, g in zip(roots, root_grads):
        if node._multi:
            for nr, gi in enumerate(g):
                if gi is not None:
                    _add_to_output(grads, node, nr, gi, xp)
        else:
            grads[node] = xp.add(grads[node], g) if node in grads else g
        deps[node] -= 1
        # (PyTorch's one root is its graph root, evaluated even when not needed: its tensor hooks run)
        if not deps[node] and (needed is None or node in needed or node in capture or len(roots) == 1):
            _push(heap, (node._seq, node))


def _pass_on(node, in_grads, grads, deps, heap, needed, capture, xp):
    """Each input's gradient goes to the node that made the input; autograd.grad counts the edges
    into the nodes it does not need down without buffering anything there."""
    for (nxt, nr), gi in zip(node.next_functions, in_grads):
        if nxt is None:
            continue
        if needed is not None and nxt not in needed and nxt not in capture:
            deps[nxt] -= 1  # PyTorch does not even buffer what autograd.grad does not need
            continue
        _deliver(nxt, nr, gi, grads, deps, heap, xp)


def _deliver(nxt, nr, gi, grads, deps, heap, xp):
    """gi, a gradient for output nr of node nxt, added to what nxt already received (an undefined
    gradient, None, only counts the edge down); nxt is ready when every edge into it has delivered."""
    left = deps[nxt] - 1
    deps[nxt] = left
    if gi is not None:
        if nxt._multi:  # (a node of several outputs: to the output the edge names)
            _add_to_output(grads, nxt, nr, gi, xp)
        elif nxt in grads:
            grads[nxt] = xp.add(grads[nxt], gi)
        else:
            grads[nxt] = gi
    if not left:  # push_heap, its cases of an empty and a one-entry heap inline
        n = len(heap)
        if not n or (n == 1 and heap[0][0] >= nxt._seq):
            heap.append((nxt._seq, nxt))
        elif n == 1:
            heap.insert(0, (nxt._seq, nxt))
        else:
            _push(heap, (nxt._seq, nxt))


def _add_to_output(grads, node, nr, g, xp):
    """Buffer g for output nr of a node of several outputs (its buffer: one entry per output)."""
    slots = grads.get(node)
    if slots is None:
        slots = grads[node] = [None] * node._n_outputs
    slots[nr] = g if slots[nr] is None else xp.add(slots[nr], g)


def _walk_refs():
    """How many references a gradient has that only the walk holds, just popped from its buffer
    (measured in the same statements as run_backward's, not assumed: Python versions count
    differently)."""
    grads = {None: np.empty(0)}
    g = grads.pop(None, None)
    return sys.getrefcount(g)


_ONLY_THE_WALK = _walk_refs()


def _reach_leaf(node, g, capture, xp, rec, only_the_walk):
    """At a leaf: the tensor's hooks, then the gradient goes into .grad (or to autograd.grad's
    caller); hooks registered on the AccumulateGrad node run around the accumulation. A first
    gradient nothing else holds becomes .grad as it is (PyTorch steals it too: no copy)."""
    t = node.variable
    if capture is not None:
        if node in capture:
            capture[node] = _run_hooks(t._hooks, g, xp) if t._hooks else g
        return
    if t._hooks or node._hooked:  # (a hook may keep what it was given)
        only_the_walk = False
        if t._hooks:
            g = _run_hooks(t._hooks, g, xp)
        if node._node_pre_hooks:
            g = _run_node_pre_hooks(node, g, xp)
    if g is not None:
        prev = None if rec is None or t._grad is None else t._grad._data.copy()
        xp.accumulate_grad(t, g, only_the_walk)
        if rec is not None:
            rec._add("accumulate", node=node, tensor=t, grad=np.array(xp.data(g), copy=True),
                     total=t._grad._data.copy(), prev=prev)
    if node._hooked and node._node_post_hooks:
        _run_node_post_hooks(node, [], g, xp)


def _captured(node, g, needed, capture, xp, rec):
    """autograd.grad reads what it asks for here (as PyTorch reads it: after the tensor's hooks only
    for a node that stops here). Whether the walk stops at this node."""
    if node not in needed:
        g = _tensor_hooks(node, g, xp, rec)
        if node in capture:
            capture[node] = g
        return True
    if node in capture:
        capture[node] = g
    return False


def _call_hooks(node, g, xp, rec):
    """The hooks on the tensor this node made, its retain_grad(), then the node's own prehooks:
    the gradient to go on with."""
    if node._pre_hooks or node._retain is not None:
        g = _tensor_hooks(node, g, xp, rec)
    if node._node_pre_hooks:
        g = _run_node_pre_hooks(node, g, xp)
    return g


def _run_node_pre_hooks(node, g, xp):
    """grad_fn.register_prehook's hooks: hook(grad_outputs) may return new grad_outputs."""
    outs = _grad_outputs(node, g, xp)
    for hook in list(node._node_pre_hooks.values()):
        res = hook(outs)
        if res is not None:
            outs = _checked_hook_result(hook, res, outs)
    g = [None if go is None else xp.from_tensor(go) for go in outs]
    return g if node._multi else g[0]


def _run_node_post_hooks(node, in_grads, g, xp):
    """grad_fn.register_hook's hooks: hook(grad_inputs, grad_outputs) may return new grad_inputs."""
    ins = tuple(None if gi is None else xp.as_tensor(gi) for gi in in_grads)
    outs = _grad_outputs(node, g, xp)
    for hook in list(node._node_post_hooks.values()):
        res = hook(ins, outs)
        if res is not None:
            ins = _checked_hook_result(hook, res, ins)
    return [None if gi is None else xp.from_tensor(gi) for gi in ins]


def _grad_outputs(node, g, xp):
    """A node hook's grad_outputs: one tensor (or None) per output of the node."""
    return tuple(None if go is None else xp.as_tensor(go) for go in (g if node._multi else (g,)))


def _checked_hook_result(hook, res, given):
    """What a node hook returned, checked as PyTorch checks it: a tuple of as many values, each
    None or a tensor like the one it replaces."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(res, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(res).__name__}'")
    if len(res) != len(given):
        raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got {len(res)}, "
                           f"but expected {len(given)})")
    for new, old in zip(res, given):
        if new is not None and old is not None:
            _check_hook_result(hook, old._data, new)
    return res


def _record_backward(rec, node, g, in_grads, xp):
    if node._multi:  # (a custom Function's backward is the user's code: run once, not again on ones)
        outs = tuple(None if x is None else xp.data(x).copy() for x in g)
        rec._add("backward", node=node, grad_output=outs[0] if len(outs) == 1 else outs,
                 grad_inputs=tuple(None if x is None else xp.data(x).copy() for x in in_grads),
                 local_grads=None, grad_tensors=tuple(in_grads) if xp.builds_graph else None)
        return
    plain = getattr(xp, "plain", xp)  # (the local derivative is read off, not recorded)
    arr = xp.data(g)
    local = node._backward(np.ones_like(arr), plain)
    rec._add("backward", node=node, grad_output=arr.copy(),
             grad_inputs=tuple(None if x is None else xp.data(x).copy() for x in in_grads),
             local_grads=tuple(local),
             grad_tensors=tuple(in_grads) if xp.builds_graph else None)


def _run_hooks(hooks, grad, xp):
    """A tensor's hooks, in the order registered: each may return a new gradient (an undefined one,
    None, may not be replaced)."""
    for hook in list(hooks.values()):
        res = hook(None if grad is None else xp.as_tensor(grad))
        if res is not None:
            if grad is None:
                raise RuntimeError("can't replace a None gradient with a non-None value")
            _check_hook_result(hook, xp.data(grad), res)
            grad = xp.from_tensor(res)
    return grad


def _check_hook_result(hook, grad, res):
    """PyTorch's checks on what a tensor hook returned (a tensor like the gradient it was given)."""
    data = getattr(res, "_data", None)
    if not isinstance(data, np.ndarray):
        raise TypeError(f"expected Variable, but hook returned '{type(res).__name__}'")
    name = getattr(hook, "__name__", type(hook).__name__)
    if data.dtype != grad.dtype:
        legacy = [_dtypes.FROM_NUMPY[d]._legacy for d in (grad.dtype, data.dtype)]
        raise RuntimeError(f"hook '{name}' has changed the type of value (was torch.{legacy[0]} got "
                           f"torch.{legacy[1]})")
    if data.shape != grad.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def _tensor_hooks(node, g, xp, rec):
    """The hooks registered on the tensor node made, then its retain_grad() (PyTorch's
    call_tensor_pre_hooks): the gradient the node goes on with."""
    if node._multi:
        return _output_hooks(node, g, xp, rec)
    if node._pre_hooks:
        g = _run_hooks(node._pre_hooks, g, xp)
    if node._retain is not None and g is not None:
        t = node._retain()
        if t is not None:
            xp.retain_grad(t, g)
            if rec is not None:
                rec._add("retain", node=node, tensor=t, grad=t._grad._data.copy())
    return g


def _output_hooks(node, g, xp, rec):
    """_tensor_hooks of a node of several outputs (g: a list, one gradient or None per output):
    every output's hooks, in the order the outputs first got one, then the retain_grads."""
    g = list(g)
    for nr, hooks in (node._pre_hooks or {}).items():
        g[nr] = _run_hooks(hooks, g[nr], xp)
    for nr, ref in enumerate(node._retain or ()):
        t = None if ref is None or g[nr] is None else ref()
        if t is not None:
            xp.retain_grad(t, g[nr])
            if rec is not None:
                rec._add("retain", node=node, tensor=t, grad=t._grad._data.copy())
    return g


def unbroadcast(g, shape):
    """Sum a gradient over the axes broadcasting added or stretched, back to `shape`: PyTorch's
    sum_to, one sum over all of them, in ATen's order (_numerics)."""
    if g.shape == shape:
        return g
    if math.prod(shape) == 1:  # (a scalar's gradient, of a (1,) weight or bias: one full sum, in
        return torch_sum_to(g, shape)  # an array of its own; np.full costs twice as much)
    extra = g.ndim - len(shape)
    if extra == 1 and g.shape[1:] == shape:  # (a bias's gradient: the sum over the batch)
        return batch_sum(g)
    axes = tuple(range(extra)) + tuple(extra + i for i, s in enumerate(shape) if s == 1 and g.shape[extra + i] != 1)
    if axes:  # (keepdim but for the leading dims: only a sum over some of each needs a reshape)
        g = torch_sum_dim(g, axes, len(axes) > extra)
    return g if g.shape == shape else g.reshape(shape).copy()  # (a copy: not a view of the sum)
