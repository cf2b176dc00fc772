"""numpy's names that PyTorch's argument parser takes: axis= for dim, keepdims= for keepdim
(x.sum(axis=0), torch.cat(ts, axis=0), x.max(axis=1, keepdims=True)), in the functions and methods
PyTorch writes in C++ (not in torch.norm, Tensor.split, nn.functional.softmax, written in Python), and
its TypeError for a dim given twice."""
import inspect
import warnings

import pytest
import torch

import autograd_core as ac
from torch_oracle import assert_close

CALLS = {
    "x.sum(axis=0)": lambda m, x: x.sum(axis=0),
    "torch.sum(x, axis=0)": lambda m, x: m.sum(x, axis=0),
    "x.sum(axis=0, keepdims=True)": lambda m, x: x.sum(axis=0, keepdims=True),
    "torch.sum(x, 1, keepdims=True)": lambda m, x: m.sum(x, 1, keepdims=True),
    "x.sum(axis=[0, -1])": lambda m, x: x.sum(axis=[0, -1]),
    "torch.mean(x, axis=1)": lambda m, x: m.mean(x, axis=1),
    "x.mean(axis=(0, 1), keepdims=True)": lambda m, x: x.mean(axis=(0, 1), keepdims=True),
    "x.max(axis=0)": lambda m, x: tuple(x.max(axis=0)),
    "torch.max(x, axis=1, keepdims=True)": lambda m, x: tuple(m.max(x, axis=1, keepdims=True)),
    "x.min(axis=1)": lambda m, x: tuple(x.min(axis=1)),
    "x.argmax(axis=1)": lambda m, x: x.argmax(axis=1),
    "x.argmin(axis=1, keepdims=True)": lambda m, x: x.argmin(axis=1, keepdims=True),
    "x.amax(axis=0)": lambda m, x: x.amax(axis=0),
    "torch.cat([x, x], axis=0)": lambda m, x: m.cat([x, x], axis=0),
    "torch.concat([x, x], axis=1)": lambda m, x: m.concat([x, x], axis=1),
    "torch.stack([x, x], axis=1)": lambda m, x: m.stack([x, x], axis=1),
    "x.std(axis=0)": lambda m, x: x.std(axis=0),
    "torch.var(x, axis=1, keepdims=True)": lambda m, x: m.var(x, axis=1, keepdims=True),
    "x.prod(axis=0)": lambda m, x: x.prod(axis=0),
    "x.cumsum(axis=1)": lambda m, x: x.cumsum(axis=1),
    "x.softmax(axis=0)": lambda m, x: x.softmax(axis=0),
    "torch.log_softmax(x, axis=1)": lambda m, x: m.log_softmax(x, axis=1),
    "x.logsumexp(axis=0)": lambda m, x: x.logsumexp(axis=0),
    "(x > 2).any(axis=0)": lambda m, x: (x > 2).any(axis=0),
    "x.unsqueeze(axis=0)": lambda m, x: x.unsqueeze(axis=0),
    "x[:1].squeeze(axis=0)": lambda m, x: x[:1].squeeze(axis=0),
    "x.sort(axis=0, descending=True)": lambda m, x: tuple(x.sort(axis=0, descending=True)),
    "x.topk(1, axis=0)": lambda m, x: tuple(x.topk(1, axis=0)),
    "x.gather(axis=1, index=i)": lambda m, x: x.gather(axis=1, index=m.tensor([[2], [0]])),
    "x.index_select(axis=1, index=i)": lambda m, x: x.index_select(axis=1, index=m.tensor([2, 0])),
    "x.chunk(3, axis=1)": lambda m, x: x.chunk(3, axis=1),
    "x.unbind(axis=1)": lambda m, x: x.unbind(axis=1),
    "x.size(axis=1)": lambda m, x: x.size(axis=1),
    "x.swapaxes(axis0=0, axis1=1)": lambda m, x: x.swapaxes(axis0=0, axis1=1),
    "torch.swapdims(x, 0, 1)": lambda m, x: m.swapdims(x, 0, 1),
    "torch.linalg.cross(y, y, axis=0)": lambda m, x: m.linalg.cross(x.t(), x.t().flip(0), axis=0),
    # what PyTorch refuses: a dim given twice, numpy's names where the function is Python's
    "x.sum(dim=0, axis=0)": lambda m, x: x.sum(dim=0, axis=0),
    "x.sum(0, axis=0)": lambda m, x: x.sum(0, axis=0),
    "x.sum(0, keepdim=True, keepdims=True)": lambda m, x: x.sum(0, keepdim=True, keepdims=True),
    "x.mean(axis=0, keepdim=True, keepdims=True)": lambda m, x: x.mean(axis=0, keepdim=True, keepdims=True),
    "torch.cat([x], dim=0, axis=0)": lambda m, x: m.cat([x], dim=0, axis=0),
    "x.max(axis=0, dim=0)": lambda m, x: x.max(axis=0, dim=0),
    "F.softmax(x, axis=0)": lambda m, x: m.nn.functional.softmax(x, axis=0),
    "x.norm(axis=0)": lambda m, x: x.norm(axis=0),
    "x.split(1, axis=0)": lambda m, x: x.split(1, axis=0),
    "x.sum(axis=2)": lambda m, x: x.sum(axis=2),
}


def outcome(m, call):
    x = m.tensor([[0.5, -1.0, 2.0], [3.0, 0.25, -4.0]], requires_grad=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return CALLS[call](m, x)
    except Exception as e:
        return type(e), str(e)


@pytest.mark.parametrize("call", CALLS)
def test_numpy_names_as_torchs(call):
    ours, theirs = outcome(ac, call), outcome(torch, call)
    if isinstance(theirs, tuple) and isinstance(theirs[0], type):
        assert ours == theirs
    else:
        assert_close(ours, theirs)


def _functions_with_a_dim():
    for label, ours, theirs in (("torch", ac, torch), ("Tensor", ac.Tensor, torch.Tensor),
                                ("linalg", ac.linalg, torch.linalg), ("F", ac.nn.functional, torch.nn.functional)):
        for name in sorted(dir(ours)):
            function = getattr(ours, name)
            if name.startswith("_") or not inspect.isfunction(function) or not hasattr(theirs, name):
                continue
            if {"dim", "keepdim"} & set(inspect.signature(function).parameters):
                yield f"{label}.{name}", function, getattr(theirs, name)


def test_every_function_torch_parses_takes_numpy_names():
    """A function with a dim takes axis= exactly where torch's is C++ (its argument parser's)."""
    differ = [(label, bool(getattr(function, "numpy_names", ())))
              for label, function, torchs in _functions_with_a_dim()
              if bool(getattr(function, "numpy_names", ())) != (not inspect.isfunction(torchs))]
    assert not differ
