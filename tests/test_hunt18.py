"""hunt18's API against torch 2.13: celu, threshold and hardsigmoid (functions, in-place forms, modules;
values, grad_fns, first and second gradients, refusals), and the reductions' refusals of keepdim without
a dim (and of prod's, max's and min's dim=None), in PyTorch's TypeError words."""
import numpy as np
import pytest
import torch

import autograd_core

# (a method's message names only the keywords; a function's starts with the Tensor)
REDUCTION_CALLS = [
    "x.sum(keepdim=True)", "x.sum(keepdim=False)", "m.sum(x, keepdim=True)", "x.sum(keepdim=True, dtype=m.float64)",
    "x.mean(keepdim=True)", "m.mean(x, keepdim=True)", "x.mean(keepdim=True, dtype=m.float64)",
    "x.prod(dim=None)", "m.prod(x, dim=None)", "x.prod(keepdim=True)", "m.prod(x, keepdim=True)",
    "x.prod(dim=None, keepdim=True)", "x.prod(dim=None, dtype=m.float64)", "x.prod(keepdim=True, dtype=m.float64)",
    "x.max(dim=None)", "m.max(x, dim=None)", "x.max(keepdim=True)", "m.max(x, keepdim=True)",
    "x.max(dim=None, keepdim=True)", "x.min(dim=None)", "m.min(x, keepdim=False)", "x.sum(keepdim=1)",
    # what stays allowed
    "x.sum()", "x.sum(dim=None, keepdim=True)", "x.mean(None, True)", "x.prod()", "x.prod(1, keepdim=True)",
    "x.max()", "x.max(0)", "x.max(x)", "x.max(other=x)", "m.max(x, x)", "x.min(1, True)",
]


def _outcome(m, call):
    x = m.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    try:
        out = eval(call)
    except Exception as e:  # noqa: BLE001 (the type and words are what is compared)
        return type(e).__name__, str(e)
    values = out if isinstance(out, tuple) else (out,)
    return [(v.tolist(), v.grad_fn.name() if v.grad_fn else None) for v in values]


@pytest.mark.parametrize("call", REDUCTION_CALLS)
def test_reduction_arguments_as_torch(call):
    assert _outcome(autograd_core, call) == _outcome(torch, call)


# inputs at the kinks (-3, 0, 3, the threshold), both zeros, nan and infinities
DATA = [-5.0, -3.0, -2.9999, -1.3, -0.5, -0.0, 0.0, 0.1, 0.7, 2.9999, 3.0, 4.0, float("nan"), float("inf"),
        -float("inf")]
ACTIVATIONS = {
    "celu": lambda m, t: m.nn.functional.celu(t, 0.7),
    "celu-negative-alpha": lambda m, t: m.celu(t, -0.3),
    "celu_": lambda m, t: m.nn.functional.celu(t * 1, 2.5, inplace=True),
    "torch.celu_": lambda m, t: m.celu_(t * 1),
    "CELU": lambda m, t: m.nn.CELU(1.5)(t),
    "threshold": lambda m, t: m.nn.functional.threshold(t, 0.1, -1.5),
    "threshold_": lambda m, t: m.nn.functional.threshold(t * 1, 0.1, 20.0, inplace=True),
    "torch.threshold_": lambda m, t: m.threshold_(t * 1, -0.5, 3),
    "Threshold": lambda m, t: m.nn.Threshold(0.7, 2)(t),
    "hardsigmoid": lambda m, t: m.nn.functional.hardsigmoid(t),
    "hardsigmoid-inplace": lambda m, t: m.nn.Hardsigmoid(inplace=True)(t * 1),
}


def _activation(m, name, dtype):
    x = m.tensor(DATA, dtype=getattr(m, dtype), requires_grad=True)
    y = ACTIVATIONS[name](m, x)
    w = m.linspace(-1, 2, len(DATA), dtype=getattr(m, dtype))
    g, = m.autograd.grad((y * w).sum(), x, create_graph=True)
    saved = {n: getattr(y.grad_fn, n) for n in dir(y.grad_fn) if n.startswith("_saved_")}
    try:
        gg = m.autograd.grad(g.sum(), x)[0].numpy()
    except RuntimeError as e:  # (hardsigmoid's gradient: a NotImplemented node)
        gg = str(e)
    return (y.detach().numpy(), y.grad_fn.name(), g.detach().numpy(), g.grad_fn.name(), gg,
            {n: v for n, v in saved.items() if not hasattr(v, "shape")}, sorted(saved))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_as_torch(name, dtype):
    ours, theirs = _activation(autograd_core, name, dtype), _activation(torch, name, dtype)
    for a, b in zip(ours, theirs):
        if isinstance(a, np.ndarray):  # (elu's expm1 may differ by an ulp: SLEEF's)
            np.testing.assert_allclose(a, b, rtol=4e-7 if dtype == "float32" else 1e-15, atol=0)
            assert a.dtype == b.dtype
        else:
            assert a == b


REFUSALS = [
    "m.nn.functional.celu(m.tensor([1, 2]))", "m.celu_(m.tensor([1, 2]))", "m.nn.functional.celu(m.tensor([1.0]), 0)",
    "m.nn.functional.celu(2.0)", "m.nn.functional.elu(m.tensor([1, 2]))", "m.nn.functional.elu(m.tensor([True]))",
    "m.nn.functional.elu(m.tensor([1, 2]), inplace=True)",
    "m.nn.functional.threshold(m.tensor([True]), 0, 1)", "m.threshold(1.0, 0, 1)",
    "m.nn.functional.hardsigmoid(m.tensor([1, 2]))", "m.nn.functional.hardsigmoid(2.0)",
    "m.nn.functional.celu(m.tensor([1.0], requires_grad=True), inplace=True)",
    "m.nn.functional.threshold_(m.tensor([1.0], requires_grad=True), 0.0, 1.0)",
    # an int tensor's threshold and value are truncated to its dtype first
    "m.nn.functional.threshold(m.tensor([-2, 0, 3]), -0.5, 2.5)", "m.threshold_(m.tensor([-2, 0, 3]), 0, 7)",
    "repr(m.nn.Sequential(m.nn.CELU(), m.nn.CELU(2.0, inplace=True), m.nn.Threshold(0.1, 20), "
    "m.nn.Threshold(0.1, 20, True), m.nn.Hardsigmoid(), m.nn.Hardsigmoid(inplace=True)))",
]


@pytest.mark.parametrize("call", REFUSALS)
def test_activation_refusals_as_torch(call):
    def outcome(m):
        try:
            out = eval(call)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        return out if isinstance(out, str) else out.tolist()
    assert outcome(autograd_core) == outcome(torch)
