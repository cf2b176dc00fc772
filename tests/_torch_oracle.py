"""Run one snippet on autograd_core and on PyTorch, and compare what came out.

A snippet is a function of the module (``lambda m: m.tensor([1.]) * 2``); ``outcome`` turns its
result (or the exception it raised) into plain Python data so both sides can be compared with ``==``
(floats: with a tolerance), and a failing assert prints both sides readably.
"""
import math
import warnings

import numpy as np
import torch

import autograd_core

ENGINE, TORCH = autograd_core, torch


def _is_tensor(x):
    return isinstance(x, (autograd_core.Tensor, torch.Tensor))


def _grad_fn_name(t):
    fn = t.grad_fn
    return None if fn is None else type(fn).__name__


def plain(x):
    """Tensors become ('tensor', dtype, shape, values, requires_grad, grad_fn name); recursively."""
    if _is_tensor(x):
        values = x.detach().tolist()
        return ("tensor", str(x.dtype), tuple(x.shape), values, x.requires_grad, _grad_fn_name(x))
    if isinstance(x, (tuple, list)):
        return type(x)(plain(v) for v in x) if type(x) in (tuple, list) else tuple(plain(v) for v in x)
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (torch.Size, autograd_core.Size)):
        return tuple(x)
    if isinstance(x, (torch.dtype, autograd_core.dtype)):
        return str(x)
    if isinstance(x, np.ndarray):
        return ("array", str(x.dtype), x.shape, x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    return x


def outcome(snippet, module):
    """('ok', plain result) or ('raise', exception type name, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = snippet(module)
    except Exception as e:  # noqa: BLE001 -- the exception IS the outcome being compared
        return ("raise", type(e).__name__, str(e))
    try:
        return ("ok", plain(result))
    except Exception as e:  # noqa: BLE001 -- a result that cannot even be inspected
        return ("broken result", type(e).__name__, str(e))


def close(a, b, rtol=1e-5, atol=1e-6):
    """Structural equality with a float tolerance (nan equals nan)."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rtol, atol) for k in a)
    return type(a) is type(b) and a == b  # int vs float vs bool matters (item(), tolist())


def assert_same(snippet, rtol=1e-5, atol=1e-6):
    """The snippet gives the same result (or raises the same error) on both modules."""
    ours, theirs = outcome(snippet, ENGINE), outcome(snippet, TORCH)
    assert close(ours, theirs, rtol, atol), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"
    return ours
