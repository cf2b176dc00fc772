"""nn.Linear(1, h) (addmm with one column in mat1: y = w x + b) bit for bit against torch: MKL's gemm
on an Intel CPU rounds x w + b once (a fused multiply-add) where the result has at least two rows and
two columns, and rounds the product first, as numpy does, for a result of one row or one column; on
another maker's CPU MKL's generic kernels round the product first everywhere (_numerics._BLAS_FUSES
says which). The rest of addmm / mm (k > 1) keeps numpy's order: MKL's orders there depend on its
kernels (see _numerics.addmm), but for a result of one row or one column, which MKL computes as an
axpy (_numerics._MKL_GENERIC). And bmm's backward is ATen's own small loop, as its forward.
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


# --- products MKL's generic kernels add in k's order (_numerics._MKL_GENERIC) ---------------------------
def _in_k_order_case(case, rng, m, k, dtype):
    """(ours, theirs, what numpy's matmul gives) for a product MKL's generic kernels add in k's order:
    an axpy (mv of a matrix of stride 1 along its rows; mm and addmm of a result with one row, from a
    right operand of stride 1 along its columns, or with one column, from a left one of stride 1 along
    its rows: a weight's gradient x.T @ g or g.T @ x), or a small product (k <= 3 and fewer than 4 rows
    or 12 columns, any layout: nn.Linear(2, h)'s addmm, the bias last; mv over k <= 4)."""
    r = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    if case == "mv":
        x, v = r(k, m), r(k)
        args, call, numpy = (x, v), lambda lib, x, v: lib.mv(x.t(), v), x.T @ v
    elif case == "mm, one column":
        x, g = r(k, m), r(k, 1)
        args, call, numpy = (x, g), lambda lib, x, g: lib.mm(x.t(), g), x.T @ g
    elif case == "mm, one row":
        g, x = r(k, 1), r(k, m)
        args, call, numpy = (g, x), lambda lib, g, x: lib.mm(g.t(), x), g.T @ x
    elif case == "addmm, one row":  # (from the bias)
        b, a, x = r(m), r(1, k), r(k, m)
        args, call, numpy = (b, a, x), lambda lib, b, a, x: lib.addmm(b, a, x), b + a @ x
    elif case == "mv, small k":
        a, v = r(m, k % 4 + 1), r(k % 4 + 1)
        args, call, numpy = (a, v), lambda lib, a, v: lib.mv(a, v), a @ v
    else:  # "linear, small k": x (m, k) by a weight (n, k), n < 12
        k, n = k % 2 + 2, m % 11 + 1  # (k = 1: the tests above)
        x, w, b = r(m, k), r(n, k), r(n)
        args, numpy = (x, w, b), x @ w.T + b
        call = lambda lib, x, w, b: lib.nn.functional.linear(x, w, b)  # noqa: E731
    ours = call(ac, *map(ac.tensor, args))
    theirs = call(torch, *map(torch.from_numpy, args))
    return ours, theirs, numpy


@needs_mkl
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), m=st.one_of(st.just(1), st.integers(1, 200)), k=st.integers(2, 600),
       dtype=st.sampled_from(["float32", "float32", "float64"]),
       case=st.sampled_from(["mv", "mm, one column", "mm, one row", "addmm, one row", "mv, small k",
                             "linear, small k"]))
def test_products_mkls_generic_kernels_add_in_k_order(seed, m, k, dtype, case):
    """Where MKL runs its generic kernels (on another maker's CPU than Intel) these are torch's bits;
    elsewhere numpy's order is kept, as for every matrix product."""
    ours, theirs, numpy = _in_k_order_case(case, np.random.default_rng(seed), m, k, dtype)
    if _numerics._MKL_GENERIC:
        assert_close(ours, theirs, f"{case}, {m} x {k}, {dtype}", exact=True)
    else:
        assert np.array_equal(ours.numpy(), numpy)


@pytest.mark.skipif(not (torch.backends.mkl.is_available() and _numerics._MKL_GENERIC),
                    reason="MKL's own kernels (an Intel CPU's) add in orders not known here")
def test_a_regression_weights_gradient_is_torchs_bit_for_bit():
    """What a student writes: x @ w + b with w a vector, or a column (d2l's linreg), or nn.Linear(3, 1);
    the weight's gradient is x.T @ g (or g.T @ x): numpy's matmul gave another last bit for 2 of 3
    weights on most batches."""
    rng = np.random.default_rng(12)
    x0, y0 = rng.standard_normal((100, 3)).astype(np.float32), rng.standard_normal((100, 1)).astype(np.float32)
    w0 = rng.standard_normal(3).astype(np.float32)
    grads = []
    for lib in (ac, torch):
        x, y = lib.tensor(x0), lib.tensor(y0)
        w_vector = lib.tensor(w0, requires_grad=True)
        w_column = lib.tensor(w0[:, None], requires_grad=True)
        layer = lib.nn.Linear(3, 1)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(w0[None]))
            layer.bias.fill_(0.25)
        ((x @ w_vector - y[:, 0]) ** 2).mean().backward()
        ((x @ w_column - y) ** 2).mean().backward()
        ((layer(x) - y) ** 2).mean().backward()
        grads.append([w_vector.grad.numpy(), w_column.grad.numpy(), layer.weight.grad.numpy()])
    for what, ours, theirs in zip(["w (3,)", "w (3, 1)", "Linear(3, 1).weight"], *grads):
        assert_close(ours, theirs, what, exact=True)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), shape=st.tuples(*[st.integers(1, 7)] * 4),
       dtype=st.sampled_from(["float32", "float64"]))
def test_small_bmm_backward_is_atens_loop_too(seed, shape, dtype):
    """bmm's gradients are bmm's (g @ b.mT, a.mT @ g): below 400 multiply-adds ATen's own loop, as its
    forward (numpy's matmul gave another last bit in 3 gradients of 4)"""
    b, n, k, m = shape
    rng = np.random.default_rng(seed)
    x0, y0, g0 = (rng.standard_normal(s).astype(dtype) for s in ((b, n, k), (b, k, m), (b, n, m)))
    grads = []
    for lib in (ac, torch):
        x, y = lib.tensor(x0, requires_grad=True), lib.tensor(y0, requires_grad=True)
        lib.bmm(x, y).backward(lib.tensor(g0))
        grads.append((x.grad.numpy(), y.grad.numpy()))
    for what, ours, theirs in zip(["a.grad", "b.grad"], *grads):
        assert_close(ours, theirs, f"{what} of bmm {shape} {dtype}", exact=True)
