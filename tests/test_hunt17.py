"""hunt17: engine leftovers against torch 2.13 (the oracle): the order saved tensors are packed and
checked in, ELU's in-place node, SumBackward1 of dim=None, and the scheduler's order warning."""
import warnings

import numpy as np
import pytest
import torch

import autograd_core as ac


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
