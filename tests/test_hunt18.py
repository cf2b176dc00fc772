"""hunt18's API against torch 2.13: the reductions' refusals of keepdim without a dim (and of prod's,
max's and min's dim=None), in PyTorch's TypeError words."""
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
