"""hunt17: engine leftovers against torch 2.13 (the oracle): the order saved tensors are packed and
checked in, ELU's in-place node, SumBackward1 of dim=None, and the scheduler's order warning."""
import warnings

import numpy as np
import pytest
import torch

import autograd_core as ac
from torch_oracle import difference, plain


# --- saved tensors: packed and unpacked in PyTorch's order, the inputs sorted by name, then the result --
SAVING_OPS = {
    "mul": lambda m, a, b: a * b,
    "atan2": lambda m, a, b: m.atan2(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b),
    "hypot": lambda m, a, b: m.hypot(a, b),
    "pow": lambda m, a, b: a ** b,
    "lerp": lambda m, a, b: m.lerp(a, b, b[..., None] * 1),
}


def _pack_order(m, f):
    """The shapes saved_tensors_hooks' pack hook sees, in order, for f of a (2,) and a (3, 1) tensor."""
    seen = []
    a = m.rand(2, requires_grad=True)
    b = m.rand(3, 1, requires_grad=True)

    def pack(t):
        seen.append(tuple(t.shape))
        return t
    with m.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        f(m, a, b)
    return seen


@pytest.mark.parametrize("name", SAVING_OPS)
def test_saved_tensors_are_packed_in_torchs_order(name):
    assert _pack_order(ac, SAVING_OPS[name]) == _pack_order(torch, SAVING_OPS[name])


# --- ELU and leaky ReLU in place: PyTorch's node of the result (EluBackward1, LeakyReluBackward1) -------
EDGES = [-3.0, -1.0, -0.0, 0.0, 0.3, 2.0, float("nan"), float("inf"), -float("inf")]
IN_PLACE = {
    "F.elu-inplace": lambda m, x: m.nn.functional.elu(x, 0.7, inplace=True),
    "F.elu_": lambda m, x: m.nn.functional.elu_(x),
    "nn.ELU-inplace": lambda m, x: m.nn.ELU(alpha=1.5, inplace=True)(x),
    "F.selu-inplace": lambda m, x: m.nn.functional.selu(x, inplace=True),
    "torch.selu_": lambda m, x: m.selu_(x),
    "nn.SELU-inplace": lambda m, x: m.nn.SELU(inplace=True)(x),
    "F.leaky_relu-inplace": lambda m, x: m.nn.functional.leaky_relu(x, 0.2, inplace=True),
    "nn.LeakyReLU-inplace": lambda m, x: m.nn.LeakyReLU(0.0, inplace=True)(x),
    "F.elu": lambda m, x: m.nn.functional.elu(x, 0.7),
    "F.selu": lambda m, x: m.nn.functional.selu(x),
}


def _saved(node):
    """A node's saved values by name (tensors as plain values)"""
    return {a: plain(getattr(node, a)) for a in sorted(dir(node)) if a.startswith("_saved_")}


def _in_place_outcome(m, f, dtype):
    """f on a clone of EDGES: the result, its node and saved values, the first and second derivatives
    with the nodes that build them"""
    x = m.tensor(EDGES, dtype=getattr(m, dtype), requires_grad=True)
    y = f(m, x.clone())
    saved = _saved(y.grad_fn)
    weights = m.arange(1.0, len(EDGES) + 1, dtype=getattr(m, dtype))
    g, = m.autograd.grad(y, x, weights, create_graph=True)
    saved_by_g = _saved(g.grad_fn)
    h, = m.autograd.grad((g * weights).sum(), x, allow_unused=True)
    return plain(y), saved, plain(g), saved_by_g, plain(h)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_activations_match_torch(name, dtype):
    """name, result, saved values, gradient from the result and second derivative (0 at 0 and -0:
    elu_double_backward's mask is self_or_result < 0), bit for bit"""
    ours, theirs = (_in_place_outcome(m, IN_PLACE[name], dtype) for m in (ac, torch))
    d = difference(ours, theirs, exact=True)
    assert d is None, d


def _after_in_place_change(m, name, slope):
    x = m.tensor([-1.0, 0.5], requires_grad=True)
    y = getattr(m.nn.functional, name)(x * 2, slope, inplace=True)
    try:
        if slope > 0:
            with m.no_grad():
                y.mul_(3)
        y.sum().backward()
    except RuntimeError as e:
        return str(e)
    return x.grad.tolist()


@pytest.mark.parametrize("slope", [0.5, -0.5])
@pytest.mark.parametrize("name", ["elu", "leaky_relu"])
def test_in_place_activation_checks_its_result(name, slope):
    """the saved result changed in place: the version error naming it; a negative slope: PyTorch's
    refusal of the backward from the result"""
    ours, theirs = (_after_in_place_change(m, name, slope) for m in (ac, torch))
    assert ours == theirs
