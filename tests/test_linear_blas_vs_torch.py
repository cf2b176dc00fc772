"""nn.Linear(1, h) (addmm with one column in mat1: y = w x + b) bit for bit against torch: MKL's gemm
on an Intel CPU rounds x w + b once (a fused multiply-add) where the result has at least two rows and
two columns, and rounds the product first, as numpy does, for a result of one row or one column; on
another maker's CPU MKL's generic kernels round the product first everywhere (_numerics._BLAS_FUSES
says which). The rest of addmm / mm (k > 1) keeps numpy's order: MKL's orders there depend on its
kernels (see _numerics.addmm).
"""
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core import _numerics
from torch_oracle import assert_close

# the engine knows MKL's kernels (fused or not), not other BLAS libraries' (arm64's torch)
needs_mkl = pytest.mark.skipif(not (torch.backends.mkl.is_available() and platform.machine().lower()
                                    in ("x86_64", "amd64")), reason="torch's BLAS here is not MKL on x86-64")


def _layer_input(seed, n, o, scale, dtype, lead=()):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(lead + (n, 1)) * scale).astype(dtype)
    w = rng.standard_normal((o, 1)).astype(dtype)
    b = (rng.standard_normal(o) * rng.choice([0.01, 0.1, 1.0, 10.0])).astype(dtype)
    return x, w, b


@needs_mkl
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.one_of(st.just(1), st.just(2), st.integers(1, 128)),
       o=st.one_of(st.just(1), st.just(2), st.integers(1, 128)), scale=st.sampled_from([1e-3, 1.0, 1e3]),
       dtype=st.sampled_from(["float32", "float32", "float64"]), lead=st.sampled_from([(), (), (3,)]))
def test_linear_with_one_input_feature_matches_torch_bit_for_bit(seed, n, o, scale, dtype, lead):
    x, w, b = _layer_input(seed, n, o, scale, dtype, lead)
    ours = ac.nn.functional.linear(ac.tensor(x), ac.tensor(w), ac.tensor(b))
    theirs = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b))
    assert_close(ours, theirs, f"linear of {x.shape} by {w.shape} ({dtype})", exact=True)


@needs_mkl
def test_linear_1_to_h_training_matches_torch_bit_for_bit():
    """y = w x + b fitted by a Linear(1, 16) -> relu -> (16 -> 16 summed): the first layer's forward is
    the fused one; its gradients (mm's with k = batch) are outer sums, left as they were."""
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-2, 2, (32, 1)).astype(np.float32)
    w0 = rng.standard_normal((16, 1)).astype(np.float32)
    b0 = (rng.standard_normal(16) * 0.1).astype(np.float32)
    outs = []
    for lib in (ac, torch):
        layer = lib.nn.Linear(1, 16)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(w0))
            layer.bias.copy_(lib.tensor(b0))
        h = layer(lib.tensor(x0))
        outs.append(h.detach().numpy().copy())
    assert_close(outs[0], outs[1], "Linear(1, 16) forward", exact=True)


def test_fma_rounded_once_is_the_fma_of_the_exact_values():
    """float32 x * w + b through float64 is rounded twice where the float64 sum is inexact and lands
    on a float32 midpoint; rounding to odd first makes it the one rounding the FMA makes."""
    x = np.float32(1 + 2.0 ** -23)
    w = np.float32(1.5)  # x * w = 1.5 + 2**-23 + 2**-24: halfway between two float32
    below, above = np.float32(1.5 + 2.0 ** -23), np.float32(1.5 + 2.0 ** -22)
    for b, expected in [(-2.0 ** -80, below), (2.0 ** -80, above), (0.0, above)]:  # (the tie: to even)
        ours = _numerics._f32_fma_rounded_once(np.array([x]), np.array([w]), np.array([b], np.float32))
        assert ours[0] == expected, (b, ours[0], expected)
    assert np.float32((np.float64(x) * w + np.float32(-2.0 ** -80))) == above  # (what rounding twice gives)
    rng = np.random.default_rng(0)  # and the exact value's rounding for random values of all sizes
    a, c = (rng.standard_normal((2, 2000)) * 10.0 ** rng.integers(-20, 20, (2, 2000))).astype(np.float32)
    d = (rng.standard_normal(2000) * 10.0 ** rng.integers(-20, 20, 2000)).astype(np.float32)
    from fractions import Fraction
    ours = _numerics._f32_fma_rounded_once(a, c, d)
    for i in range(2000):
        exact = Fraction(float(a[i])) * Fraction(float(c[i])) + Fraction(float(d[i]))
        near = np.float32(float(exact))
        options = [near, np.nextafter(near, np.float32(np.inf)), np.nextafter(near, np.float32(-np.inf))]
        best = min(options, key=lambda v: (abs(Fraction(float(v)) - exact), int(np.array(v).view(np.int32)) & 1))
        assert ours[i] == best, (a[i], c[i], d[i])


_CHILD = """
import numpy as np, torch, autograd_core as ac
torch.set_num_threads(1)
rng = np.random.default_rng(5)
for c in range(200):
    n, o = (int(v) for v in rng.integers(1, 129, 2))
    n, o = (1 if c % 7 == 0 else n), (1 if c % 5 == 0 else o)
    x = (rng.standard_normal((n, 1)) * 10.0 ** rng.integers(-3, 4)).astype(np.float32)
    w = rng.standard_normal((o, 1)).astype(np.float32); b = (rng.standard_normal(o) * 0.1).astype(np.float32)
    ours = ac.nn.functional.linear(ac.tensor(x), ac.tensor(w), ac.tensor(b)).numpy()
    theirs = torch.nn.functional.linear(*map(torch.from_numpy, (x, w, b))).numpy()
    assert np.array_equal(ours, theirs), (n, o)
print("ok")
"""


@needs_mkl
@pytest.mark.parametrize("isa", ["AVX2", "SSE4_2"])
def test_linear_one_input_feature_on_other_mkl_kernels(isa):
    """MKL's AVX2 kernels fuse as its AVX512 ones do (on an Intel CPU); held to SSE4_2
    (MKL_ENABLE_INSTRUCTIONS), it rounds the product first, and so does autograd_core, which reads the
    same variable (on another maker's CPU both round the product first whatever the variable says)."""
    env = dict(os.environ, MKL_ENABLE_INSTRUCTIONS=isa,
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                           os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-2000:]
