"""autograd_core.autograd: backward, grad, Variable, and the grad-mode switches."""
import warnings

import numpy as np

from . import _engine
from ._dtypes import Size
from ._graph import (STATE, AccumulateGrad, Node, enable_grad, gradient_edge, is_grad_enabled,  # noqa: F401
                     no_grad, set_grad_enabled)
from ._numerics import quiet
from ._tensor import Tensor, _make, _make_view
from ._namespaces import NUMPY, TENSORS
from . import _autograd_functional as functional  # noqa: E402  (torch.autograd.functional)
from ._custom_function import Function, FunctionCtx  # noqa: E402,F401
from . import _custom_function as function  # noqa: E402  (torch.autograd.function)
from ._gradcheck import gradcheck, gradgradcheck  # noqa: E402,F401
from . import _gradcheck  # noqa: E402

from . import _autograd_graph as graph  # noqa: E402  (torch.autograd.graph)

import sys as _sys  # noqa: E402
# so that `from torch.autograd.functional import ...` (and .function, .gradcheck, .graph) work
_sys.modules[__name__ + ".functional"] = functional
_sys.modules[__name__ + ".function"] = function
_sys.modules[__name__ + ".gradcheck"] = _gradcheck  # (the attribute is the function, as in torch)
_sys.modules[__name__ + ".graph"] = graph
from . import profiler  # noqa: E402  (torch.autograd.profiler: profile, record_function)
_sys.modules[__name__ + ".profiler"] = profiler

__all__ = ["backward", "grad", "Variable", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "Function", "gradcheck", "gradgradcheck"]


def _as_tuple(x):
    if x is None:
        return ()
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _grad_roots(outputs, grad_outputs, xp):
    """(nodes, grads) to start from, with PyTorch's checks and messages: the grads as values of xp
    (arrays; Tensors under create_graph, a grad_output that requires grad joining the graph)."""
    outputs = _as_tuple(outputs)
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    for g in grad_outputs:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):  # (torch.autograd's _make_grads)
        if g is None:
            if not out.requires_grad:
                grads.append(None)
                continue
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind != "f":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs but got "
                                   f"{out.dtype}")
            garr = np.empty(out._data.shape, out._data.dtype)  # (ones: np.ones_like costs twice as much)
            garr.fill(1)
            grads.append(garr if not xp.builds_graph else _make(garr, None, False))
            continue
        else:
            garr = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=out._data.dtype)
            if garr.shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{Size(garr.shape)} and output[{i}] has a shape of "
                                   f"{Size(out._data.shape)}.")
            if xp.builds_graph and isinstance(g, Tensor):
                grads.append(g if g._data.dtype == out._data.dtype else xp.to(g, out._data.dtype))
                continue
            garr = garr.astype(out._data.dtype, copy=False)
        grads.append(garr if not xp.builds_graph else _make(garr, None, False))
    nodes = []
    for i, out in enumerate(outputs):  # (then the engine: each output's gradient edge)
        node, nr = gradient_edge(out)
        if node is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if node._multi:  # a node of several outputs gets one gradient (or None) per output
            grads[i], slots = [None] * node._n_outputs, grads[i]
            grads[i][nr] = slots
        nodes.append(node)
    return nodes, grads


def _captured(captured, t, node):
    """What run_backward captured at node for tensor t: t's output's entry when node has several."""
    g = captured.get(node)
    return g[t._output_nr] if node is not None and node._multi and g is not None else g


_REFERENCE_CYCLE = [True]  # PyTorch warns once per process (TORCH_WARN_ONCE)


@quiet  # (the rules compute 1 / 0 and 0 * inf as PyTorch does: silently)
def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` (weighted by grad_tensors) into the leaves' .grad.
    create_graph=True: the gradients are tensors with a graph of their own (the backward pass is
    recorded as any computation is), so they can be differentiated again."""
    if inputs is not None and not isinstance(inputs, Tensor) and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    xp = TENSORS if create_graph else NUMPY
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph and _REFERENCE_CYCLE[0]:
        _REFERENCE_CYCLE[0] = False
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this function, "
            "make sure to reset the .grad fields of your parameters to None after use to break the "
            "cycle and avoid the leak. (Triggered internally at "
            "/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)", UserWarning, stacklevel=3)
    nodes, grads = _grad_roots(tensors, grad_tensors, xp)
    if inputs is not None:  # (a non-leaf input retains its grad, as PyTorch makes it: stored once)
        inputs = _as_tuple(inputs)
        for t in inputs:
            if t.grad_fn is not None:
                t.retain_grad()
        captured = {gradient_edge(t)[0]: None for t in inputs}
        _engine.run_backward(nodes, grads, bool(retain_graph), xp, capture=captured)
        with set_grad_enabled(create_graph):
            for t in inputs:
                acc = gradient_edge(t)[0]
                g = _captured(captured, t, acc)
                if g is not None and t.grad_fn is None:  # (a leaf's AccumulateGrad runs, hooks and all)
                    if acc._node_pre_hooks:
                        g = _engine._run_node_pre_hooks(acc, g, xp)
                    xp.accumulate_grad(t, g)
                    if acc._node_post_hooks:
                        _engine._run_node_post_hooks(acc, [], g, xp)
        return
    _engine.run_backward(nodes, grads, bool(retain_graph), xp)


@quiet
def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """d(outputs)/d(inputs) as a tuple, without touching any .grad. create_graph=True: the gradients
    are tensors with a graph of their own, to be differentiated again."""
    xp = TENSORS if create_graph else NUMPY
    if retain_graph is None:
        retain_graph = create_graph
    given = inputs
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    nodes, grads = _grad_roots(outputs, grad_outputs, xp)
    edges = [gradient_edge(t)[0] for t in inputs]
    captured = {e: None for e in edges}
    rec = STATE.recorder  # (a Recording notes the call: its backward events do not say what the
    call = None           # gradients were asked of; the profiler, a recorder too, does not)
    if rec is not None and hasattr(rec, "_grad_call"):
        call = rec._grad_call(inputs, create_graph, type(given))
    _engine.run_backward(nodes, grads, bool(retain_graph), xp, capture=captured)
    if create_graph:
        result = _graph_gradients(inputs, edges, captured, allow_unused, materialize_grads)
        if call is not None:
            call.results = result
        return result
    result = []
    known = {id(t._data): t for t in _as_tuple(grad_outputs) if isinstance(t, Tensor)}
    for i, (t, e) in enumerate(zip(inputs, edges)):
        g = _captured(captured, t, e)
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the desired "
                                   "behavior.")
        # the gradient has the input's dtype (it may have flowed in a promoted dtype)
        result.append(None if g is None else _as_returned(g.astype(t._data.dtype, copy=False), known))
    if call is not None:
        call.results = tuple(result)
    return tuple(result)


def _graph_gradients(inputs, edges, captured, allow_unused, materialize_grads):
    """autograd.grad(create_graph=True)'s answer: the gradient tensors themselves, graph and all."""
    result = []
    for i, (t, e) in enumerate(zip(inputs, edges)):
        g = _captured(captured, t, e)
        if g is None:
            if materialize_grads:
                g = _make(np.zeros_like(t._data), None, False)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the desired "
                                   "behavior.")
        result.append(g)
    return tuple(result)


def _as_returned(g, known):
    """The tensor autograd.grad hands out for the gradient array g: as PyTorch's, the backward's own
    result, not a copy. A view the backward made (sum's expand, a transpose of the incoming
    gradient) is a view, made in no_grad mode, of the memory it shares -- one of grad_outputs, or
    memory the backward made; a gradient that is one of grad_outputs is that tensor. ``known``:
    id(array) -> the tensor over it, so two results over one memory share it, as in PyTorch."""
    t = known.get(id(g))
    if t is not None and t._data is g:
        return t
    owner = _memory_owner(g)
    if owner is g:
        t = known[id(g)] = _make(g, None, False)
        return t
    base = known.get(id(owner))
    if base is None or base._data is not owner:
        base = known[id(owner)] = _make(owner, None, False)
    t = known[id(g)] = _make(g, None, False, base._vc)
    with no_grad():
        _make_view(t, base, None)
    return t


def _memory_owner(a):
    """The array that owns a's memory (a itself when it is no view)."""
    while True:
        b = a.base
        if b is not None and not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)  # (as_strided's DummyArray holds the array it views)
        if not isinstance(b, np.ndarray):
            return a
        a = b


def Variable(data, requires_grad=False, volatile=False):
    """Before PyTorch 0.4 a Variable wrapped a tensor; now it just returns a Tensor."""
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    t = data
    if requires_grad:
        t.requires_grad_(True)
    return t
