"""gradients(ys, xs): new graph nodes computing d(sum of ys)/d(xs), as TF1's tf.gradients.

The backward graph is made of a few generic node types, all under the name scope "gradients":
- "Fill" (gradients/Fill): ones shaped like y, the seed dy/dy = 1;
- "<Op>Grad" (gradients/mul_grad/MulGrad): dL/d(input i) of one forward node, computed by the op
  table's rule ``row.grad(i, g, input values, output value, params)``; it reads the upstream
  gradient, the forward node's inputs and the forward node itself;
- "Unbroadcast" (gradients/mul_grad/Unbroadcast): sums a gradient over broadcast axes back to the
  input's shape (autograd_core's one ``unbroadcast`` helper);
- "AddN" (gradients/AddN): the sum of the gradients reaching a node along several paths;
- "Switch" (gradients/cond/Merge_grad/Switch): passes the gradient of a cond's output into the
  branch that ran; "ZerosLike": the zero gradient a node gets from a branch that did not run.
"""
import numpy as np

from .._engine import unbroadcast
from .._namespaces import NUMPY
from ._api import _graph_of, convert_to_tensor
from ._graph import Node

DEAD = None  # the value of a node in a cond branch that did not run


_NO_GRADIENT = ("StopGradient", "Fill", "ZerosLike")  # by design (the last two: only a shape is read)


def _differentiable_inputs(node):
    """Indices of the inputs a gradient flows to (none for leaves, StopGradient, assignments).

    A node without a rule (a gradient node: no second derivatives) still lists its inputs, so that
    gradients() reports it when it lies on a path instead of silently returning None.
    """
    if node.op == "Merge":
        return (1, 2)
    if node.kind != "op" or node.op in _NO_GRADIENT:
        return ()
    return range(len(node.inputs))


def _between(ys, xs):
    """The float nodes on some path from an x to a y (both ends included)."""
    ancestors, stack = set(), list(ys)
    while stack:
        n = stack.pop()
        if n in ancestors or n.dtype is None or not n.dtype.is_floating:
            continue
        ancestors.add(n)
        stack.extend(n.inputs[i] for i in _differentiable_inputs(n))
    consumers = {}
    for n in ancestors:
        for i in _differentiable_inputs(n):
            consumers.setdefault(n.inputs[i], []).append(n)
    between, stack = set(), [x for x in xs if x in ancestors]
    while stack:
        n = stack.pop()
        if n in between:
            continue
        between.add(n)
        stack.extend(consumers.get(n, ()))
    return between


def _ones_like(y):
    return np.ones_like(y)


def _zeros_like(x):
    return np.zeros_like(x)


def _add_n(*grads):
    """Sum of the gradients that exist (a branch that did not run sends none)."""
    total = None
    for g in grads:
        if g is not DEAD:
            total = g if total is None else total + g
    return total


def _pass(g, pred):
    return g


def _grad_fn(row, i, params, want):
    def fn(g, *vals):
        gi = row.grad(i, g, vals[:-1], vals[-1], params, NUMPY)
        if type(gi) is not np.ndarray:
            gi = np.asarray(gi)
        return gi if gi.dtype == want else gi.astype(want)
    return fn


def _unbroadcast(g, x):
    return unbroadcast(g, x.shape)


# rows whose inputs broadcast: their rules return gradients of the output's shape
_BROADCASTING = {"add", "sub", "mul", "div", "pow_tensor", "maximum", "minimum", "where", "bmm", "copy_"}


def _needs_unbroadcast(node, x):
    """Could the op's gradient for x have the op's (broadcast) shape rather than x's?"""
    if node.row is None or node.row.name not in _BROADCASTING:
        return False
    return x.shape is None or node.shape is None or None in x.shape or x.shape != node.shape


def gradients(ys, xs, grad_ys=None, name="gradients"):
    """[d(sum of ys)/dx for x in xs] as graph nodes (None for an x the ys do not depend on)."""
    single_x = isinstance(xs, Node)
    ys = [ys] if isinstance(ys, Node) else list(ys)
    xs = [xs] if single_x else list(xs)
    graph = _graph_of(ys + xs)
    for x in xs:
        if x.dtype is None:
            raise TypeError(f"Cannot compute a gradient with respect to the operation {x.id} (type "
                            f"{x.op}): it has no value")
    between = _between(ys, xs)
    incoming = {}  # node -> [gradient nodes reaching it]
    first_new = len(graph.nodes)
    with graph.as_default(), graph.name_scope(name) as scope:
        if grad_ys is None:
            grad_ys = [None] * len(ys)
        elif isinstance(grad_ys, Node) or not isinstance(grad_ys, (list, tuple)):
            grad_ys = [grad_ys]
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if y not in between:
                continue
            if gy is None:
                gy = Node(graph, graph.unique_name("Fill"), "Fill", (y,), y.shape, y.dtype, fn=_ones_like)
                gy.guard, gy.grad_of = y.guard, y
            else:
                gy = convert_to_tensor(gy, y.dtype, name=f"grad_ys_{i}")
            incoming.setdefault(y, []).append(gy)
        result = {}
        # creation order is a topological order: walk it backwards
        for node in sorted(between, key=lambda n: n.seq, reverse=True):
            parts = incoming.pop(node, None)
            if not parts:
                continue
            grad = _total(graph, scope, node, parts)
            result[node] = grad
            if node.op == "Merge":
                _merge_grad(graph, node, grad, between, incoming)
                continue
            inputs = [i for i in _differentiable_inputs(node) if node.inputs[i] in between]
            if inputs and node.row is None:
                raise LookupError(f"No gradient defined for operation '{node.id}' (op type: {node.op})")
            for i in inputs:
                x = node.inputs[i]
                _with_scope(graph, f"{node.id}_grad", lambda: incoming.setdefault(x, []).append(
                    _input_grad(graph, node, i, grad)))
    ys = tuple(ys)
    for node in graph.nodes[first_new:]:     # what each new node differentiates, for the widgets' labels
        if node.grad_of is not None:
            node.grad_of = (ys, node.grad_of)
    out = [result.get(x) for x in xs]
    return out


def _with_scope(graph, scope, build):
    """Run build() with the absolute name scope `scope` (below the current "gradients" scope)."""
    graph._scopes.append(graph._scopes[-1] + "/" + scope)
    try:
        return build()
    finally:
        graph._scopes.pop()


def _input_grad(graph, node, i, grad):
    x = node.inputs[i]
    g = Node(graph, graph.unique_name(f"{node.op}Grad"), f"{node.op}Grad", (grad,) + node.inputs + (node,),
             x.shape if not _needs_unbroadcast(node, x) else node.shape, x.dtype,
             fn=_grad_fn(node.row, i, node.params, x.dtype.np))
    g.guard, g.grad_of = node.guard, x
    if _needs_unbroadcast(node, x):
        g = Node(graph, graph.unique_name("Unbroadcast"), "Unbroadcast", (g, x), x.shape, x.dtype,
                 fn=_unbroadcast)
        g.guard, g.grad_of = node.guard, x
    return g


def _total(graph, scope, node, parts):
    """The gradient of node: its one incoming gradient, or their sum (AddN).

    A gradient from inside a cond branch is dead when that branch did not run; then the node gets
    a zero gradient from that path (a ZerosLike) so the sum always has a value.
    """
    guarded = any(len(p.guard) > len(node.guard) for p in parts)
    if len(parts) == 1 and not guarded:
        return parts[0]
    if guarded:
        zeros = Node(graph, graph.unique_name("zeros_like"), "ZerosLike", (node,), node.shape, node.dtype,
                     fn=_zeros_like)
        zeros.guard, zeros.grad_of = node.guard, node
        parts = parts + [zeros]
    total = Node(graph, graph.unique_name("AddN"), "AddN", parts, node.shape, node.dtype, fn=_add_n)
    total.guard, total.grad_of = node.guard, node
    return total


def _merge_grad(graph, merge, grad, between, incoming):
    """The gradient of a cond output goes to the branch that ran (pred True: the true branch)."""
    pred = merge.inputs[0]

    def build():
        for index, branch in ((1, True), (2, False)):
            x = merge.inputs[index]
            if x not in between:
                continue
            g = Node(graph, graph.unique_name("Switch"), "Switch", (grad, pred), x.shape, x.dtype, fn=_pass)
            g.guard, g.grad_of = merge.guard + ((pred, branch),), x
            incoming.setdefault(x, []).append(g)
    _with_scope(graph, f"{merge.id}_grad", build)
