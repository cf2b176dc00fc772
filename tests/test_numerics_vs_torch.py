"""Last-bit agreement with PyTorch where tutorials print the last digits: linspace (bit for bit) and
the float32 transcendental functions (computed in float64 and rounded once; torch's own kernels are
not always correctly rounded, so a small share of inputs may still differ by an ulp)."""
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_core as ac
from torch_oracle import assert_close


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("start, end", [(-2, 2), (0, 1), (-3.14159, 3.14159), (1, 10), (-1, 0.3)])
def test_linspace_matches_torch_bit_for_bit(start, end, dtype):
    for steps in [2, 3, 5, 7, 10, 11, 17, 33, 100, 101, 200, 257, 1000, 5001]:
        ours = ac.linspace(start, end, steps, dtype=getattr(ac, dtype)).numpy()
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
        assert_close(ours, theirs, f"linspace({start}, {end}, {steps})", exact=True)


@settings(max_examples=150, deadline=None)
@given(start=st.floats(-40, 40), span=st.floats(-60, 60), steps=st.one_of(st.integers(0, 3), st.integers(4, 300)),
       base=st.sampled_from([10.0, 2.0, math.e, 0.5, 3.7]),
       dtype=st.sampled_from(["float32", "float32", "float64", "int64", "float16"]))
def test_logspace_matches_torch_bit_for_bit(start, span, steps, base, dtype):
    """ATen's loop: powers of float64 exponents from both ends, cast to the dtype (overflow to inf; one
    step is fill_'s value, which an integer dtype checks)"""
    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (numpy's cast of inf to int64; torch is silent)
            try:
                return lib.logspace(start, start + span, steps, base, dtype=getattr(lib, dtype)).numpy()
            except RuntimeError as e:
                return str(e)
    ours, theirs = run(ac), run(torch)
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
        return
    if dtype == "int64":  # (a power beyond int64's range: undefined in C++, different garbage)
        keep = np.abs(torch.logspace(start, start + span, steps, base, dtype=torch.float64).numpy()) < 2.0 ** 62
        ours, theirs = ours[keep], theirs[keep]
    assert_close(ours, theirs, f"logspace({start}, {start + span}, {steps}, {base}, {dtype})", exact=True)


def test_logspace_refuses_negative_steps_as_torch():
    for lib in (ac, torch):
        with pytest.raises(RuntimeError, match="^number of steps must be non-negative$"):
            lib.logspace(0, 1, -1)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"])
def test_finfo_and_iinfo_are_torchs(name):
    """every attribute, the repr and the refusals (finfo of an int, iinfo of a float or bool)"""
    for info in ("finfo", "iinfo"):
        def described(lib):
            try:
                i = getattr(lib, info)(getattr(lib, name))
            except TypeError as e:
                return "TypeError", str(e)
            names = ["bits", "max", "min", "dtype"] + (["eps", "tiny", "smallest_normal", "resolution"] if info == "finfo" else [])
            return repr(i), str(i), [(n, getattr(i, n), type(getattr(i, n))) for n in names]
        assert described(ac) == described(torch)
    assert repr(ac.finfo()) == repr(torch.finfo())
    assert ac.finfo(ac.float32) == ac.finfo(ac.float32) and ac.finfo(ac.float32) != ac.finfo(ac.float64)
    for call in ("finfo(1)", "iinfo(2.5)"):
        with pytest.raises(TypeError) as ours:
            eval("ac." + call)
        with pytest.raises(TypeError) as theirs:
            eval("torch." + call)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name, low, high, share", [("exp", -5, 5, 0.03), ("tanh", -5, 5, 0.01),
                                                     ("sin", -5, 5, 0.08), ("cos", -5, 5, 0.08), ("log", 0.001, 5, 0.1),
                                                     ("erf", -3, 3, 0.05), ("expm1", -5, 5, 0.01)])
def test_float32_functions_round_mostly_as_torch(name, low, high, share):
    x = np.random.default_rng(0).uniform(low, high, 20000).astype(np.float32)
    ours = getattr(ac, name)(ac.tensor(x)).numpy()
    theirs = getattr(torch, name)(torch.from_numpy(x)).numpy()
    assert np.mean(ours != theirs) <= share
    ulps = np.abs(ours.view(np.int32).astype(np.int64) - theirs.view(np.int32))  # same signs here
    assert ulps.max() <= 1  # the rest differ in the last bit only
    assert_close(ours, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_full_sum_and_mean_match_torch_bit_for_bit(dtype):
    """Every length up to 300 and some long ones (ATen's cascade order, not numpy's pairwise one),
    contiguous and transposed."""
    rng = np.random.default_rng(0)
    for n in list(range(1, 300)) + [511, 512, 513, 1000, 4096, 10000, 32768]:
        x = (rng.standard_normal(n) * 10 ** rng.uniform(-3, 3, n)).astype(dtype)
        for f in ("sum", "mean"):
            assert_close(getattr(ac.tensor(x), f)(), getattr(torch.from_numpy(x), f)(), f"{f} of {n}",
                         exact=True)
        if n % 2 == 0:
            m = np.ascontiguousarray(x.reshape(2, -1))
            assert_close(ac.tensor(m).t().sum(), torch.from_numpy(m).t().sum(), f"sum of {n}", exact=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_short_full_sums_keep_torchs_zeros_infinities_and_nans(dtype):
    """Full sums of fewer than 64 vectors (every path of the short sum: under one vector, under 4,
    4 or more with leftover vectors and elements), with -0.0, +-inf and nan where ATen's order
    decides what comes out (all -0.0 sums to +0.0; inf - inf is nan), contiguous and column-major."""
    rng = np.random.default_rng(5)
    for n in range(1, 64 * 32 // np.dtype(dtype).itemsize):
        x = (rng.standard_normal(n) * 10 ** rng.uniform(-3, 3, n)).astype(dtype)
        cases = [x, np.full(n, -0.0, dtype), np.where(rng.random(n) < 0.5, -0.0, x)]
        for special in (np.inf, -np.inf, np.nan):
            y = x.copy()
            y[rng.integers(n)] = special
            cases.append(y)
        if n > 1:
            y = x.copy()
            y[rng.choice(n, 2, replace=False)] = (np.inf, -np.inf)
            cases.append(y)
        for c in cases:
            views = [c] + ([np.asfortranarray(c.reshape(2, -1))] if n % 2 == 0 else [])
            for v in views:
                for f in ("sum", "mean"):
                    ours, theirs = getattr(ac.tensor(v), f)(), getattr(torch.from_numpy(v), f)()
                    assert_close(ours, theirs, f"{f} of {n}", exact=True)
                    assert np.signbit(ours.numpy()) == np.signbit(theirs.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_and_mean_over_trailing_dims_match_torch_bit_for_bit(dtype):
    """ATen's inner reduction (x.sum(-1), a 1-D x.sum(0), x.mean((1, 2))) sums each contiguous block in
    the order of a full sum; numpy's pairwise order differs in the last bit (official tutorials: the
    gradient of a 0-dim weight times a 2000-element x)."""
    rng = np.random.default_rng(2)
    for shape, dim in [((2000,), 0), ((64, 10), 1), ((7, 2000), -1), ((3, 4, 50), (1, 2)), ((5, 3), (0, 1)),
                       ((1, 33), 1), ((100, 784), 1)]:
        x = (rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3, shape)).astype(dtype)
        for keepdim in (False, True):
            for name in ("sum", "mean"):
                ours = getattr(ac.tensor(x), name)(dim, keepdim=keepdim)
                theirs = getattr(torch.from_numpy(x), name)(dim, keepdim=keepdim)
                assert_close(ours, theirs, f"{name} of {shape} over {dim}", exact=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_over_short_trailing_blocks_matches_torch_bit_for_bit(dtype):
    """Blocks of fewer than 4 vectors (x.sum(1) of (64, 10) logits) take a short path: every length,
    with the zeros' signs, infinities and nans it must keep as ATen does."""
    rng = np.random.default_rng(3)
    for n in range(1, 40):
        for rows in (1, 5, 64):
            x = (rng.standard_normal((rows, n)) * 10 ** rng.uniform(-3, 3, (rows, n))).astype(dtype)
            x[0] = -0.0  # (all -0.0: ATen's sum starts from +0.0)
            if rows > 1:
                x[1, rng.random(n) < 0.5] = -0.0
            if rows > 2:
                x[2, rng.integers(n)] = np.inf
                x[3 % rows, rng.integers(n)] = np.nan
            with np.errstate(invalid="ignore"):
                theirs = torch.from_numpy(x).sum(1)
            assert_close(ac.tensor(x).sum(1), theirs, f"sum(1) of {(rows, n)}", exact=True)
            signs = np.signbit(ac.tensor(x).sum(1).numpy())
            assert (signs == np.signbit(theirs.numpy())).all()


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 300), m=st.sampled_from([1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 31, 32, 33, 65]),
       lead=st.sampled_from([(), (1,), (2,)]), dtype=st.sampled_from(["float32", "float64"]))
def test_sums_over_leading_dims_match_torch_bit_for_bit(n, m, lead, dtype):
    """x.sum(0) of an (n, m) tensor is ATen's outer reduction (columns in blocks of 4 vectors through
    one cascade over the rows, the others by 4 interleaved accumulators; numpy adds rows in order),
    and of an (n, 1) one a contiguous sum (size-1 dims left out): so is the gradient of a broadcast
    weight, w * x with w of shape (1,) (the regression lab's, W9_3), (m,) (a bias's) or (1, m)."""
    rng = np.random.default_rng(n * 100 + m)
    x = (rng.standard_normal(lead + (n, m)) * 10 ** rng.uniform(-3, 3, lead + (n, m))).astype(dtype)
    dims = tuple(range(len(lead) + 1))
    for name in ("sum", "mean"):
        ours, theirs = getattr(ac.tensor(x), name)(dims), getattr(torch.from_numpy(x), name)(dims)
        assert_close(ours, theirs, f"{name}{dims} of {x.shape}", exact=True)
    for shape in [(1,), (m,), (1, m)]:
        w0 = rng.standard_normal(shape).astype(dtype)
        grads = []
        for lib in (ac, torch):
            w = lib.tensor(w0, requires_grad=True)
            (w * lib.tensor(x)).sum().backward()
            grads.append(w.grad)
        assert_close(grads[0], grads[1], f"grad of a {shape} weight times {x.shape}", exact=True)



@settings(max_examples=60, deadline=None)
@given(outer=st.integers(1, 9), n=st.integers(2, 120), m=st.sampled_from([2, 3, 7, 8, 10, 16, 33, 40]),
       middle=st.sampled_from([(), (1,), (3,)]), dtype=st.sampled_from(["float32", "float64"]))
def test_sums_over_middle_dims_match_torch_bit_for_bit(outer, n, m, middle, dtype):
    """x.sum(1) of a (batch, time, features) x is ATen's outer reduction for each batch slice
    (its columns as in x.sum(0)); so is a sum over a run of middle dims, and keepdim. (Up to 32768
    elements: ATen may split longer ones between threads.)"""
    shape = (outer, n) + middle + (m,)
    assume(math.prod(shape) <= 32768)
    rng = np.random.default_rng(outer * 10000 + n * 100 + m)
    x = (rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3, shape)).astype(dtype)
    dims = tuple(range(1, 2 + len(middle)))
    for name in ("sum", "mean"):
        for keepdim in (False, True):
            ours = getattr(ac.tensor(x), name)(dims, keepdim=keepdim)
            theirs = getattr(torch.from_numpy(x), name)(dims, keepdim=keepdim)
            assert_close(ours, theirs, f"{name}{dims} of {x.shape}", exact=True)


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(2, 64), channels=st.integers(2, 8), h=st.sampled_from([1, 2, 3, 5, 8, 10]),
       w=st.sampled_from([1, 3, 4, 9, 16, 40]), dtype=st.sampled_from(["float32", "float64"]))
def test_sums_over_leading_and_trailing_dims_match_torch_bit_for_bit(batch, channels, h, w, dtype):
    """x.mean((0, 2, 3)) of a (batch, channels, h, w) x, a hand-written batch norm's statistics: ATen
    sums each (h, w) slice, then adds those into the output in order of the batch index; so is the
    gradient of a per-channel weight (sum_to)."""
    shape = (batch, channels, h, w)
    assume(math.prod(shape) <= 32768)
    rng = np.random.default_rng(batch * 10000 + channels * 1000 + h * 50 + w)
    x = (rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3, shape)).astype(dtype)
    for name in ("sum", "mean"):
        for dims in [(0, 2, 3), (0, 3)]:
            for keepdim in (False, True):
                ours = getattr(ac.tensor(x), name)(dims, keepdim=keepdim)
                theirs = getattr(torch.from_numpy(x), name)(dims, keepdim=keepdim)
                assert_close(ours, theirs, f"{name}{dims} of {x.shape}", exact=True)
    for wshape in [(1, channels, 1, 1), (channels, 1, 1), (h, w)]:  # sum_to: the same sums
        w0 = rng.standard_normal(wshape).astype(dtype)
        grads = []
        for lib in (ac, torch):
            weight = lib.tensor(w0, requires_grad=True)
            ((weight * lib.tensor(x)) ** 2).sum().backward()
            grads.append(weight.grad)
        assert_close(grads[0], grads[1], f"grad of a {wshape} weight times {x.shape}", exact=True)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(300, 32768), rows=st.sampled_from([1, 2, 3]), zeros=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]))
def test_long_sums_match_torch_bit_for_bit(n, rows, zeros, dtype):
    """Long sums run ATen's cascade of partial sums (blocks of 16 rows of 4 vectors, added up in
    numpy's reduce): any length, full sums, means and x.sum(1) of a few rows (laid out across memory
    in the kernel); with zeros, some of them -0.0, whose sum is +0.0 in ATen."""
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((rows, n)) * 10 ** rng.uniform(-3, 3, (rows, n))).astype(dtype)
    if zeros:
        x[:, rng.random(n) < 0.5] = 0.0
        x[0] = -0.0
    for name in ("sum", "mean"):
        ours, theirs = getattr(ac.tensor(x[0]), name)(), getattr(torch.from_numpy(x[0]), name)()
        assert_close(ours, theirs, f"{name} of {n}", exact=True)
        assert np.signbit(ours.numpy()) == np.signbit(theirs.numpy())
    ours, theirs = ac.tensor(x).sum(1), torch.from_numpy(x).sum(1)
    assert_close(ours, theirs, f"sum(1) of {(rows, n)}", exact=True)
    assert (np.signbit(ours.numpy()) == np.signbit(theirs.numpy())).all()


@pytest.mark.parametrize("k", [4, 5, 2.5, -3, 1.7, 0.3])
def test_float32_power_of_a_number_matches_torch_bit_for_bit(k):
    """x ** k (k not 2, 3, 0.5, ...): SLEEF's powf in ATen's vectorised loop (sleef_powf), numpy's float32
    power not (dynamic_net's x ** 4 differed in 20% of 2000 values, float64's rounded once in 1%); short
    tensors (ATen's scalar loop, pow in double) too."""
    x = np.abs(np.linspace(-3.14159, 3.14159, 2000)).astype(np.float32) + np.float32(0.01)
    assert_close(ac.tensor(x) ** k, torch.from_numpy(x) ** k, f"x ** {k}", exact=True)
    short = x[:31:3]
    assert_close(ac.tensor(short) ** k, torch.from_numpy(short) ** k, f"x ** {k}", exact=True)


def test_mse_loss_matches_torch_bit_for_bit():
    rng = np.random.default_rng(1)
    for n in (3, 17, 100, 1000):
        a, b = rng.standard_normal((n, 1)).astype(np.float32), rng.standard_normal((n, 1)).astype(np.float32)
        ours = ac.nn.functional.mse_loss(ac.tensor(a), ac.tensor(b))
        theirs = torch.nn.functional.mse_loss(torch.from_numpy(a), torch.from_numpy(b))
        assert_close(ours, theirs, str(n), exact=True)


@settings(max_examples=60, deadline=None)
@given(loss=st.sampled_from(["smooth_l1_loss", "huber_loss"]), n=st.integers(1, 80),
       rows=st.sampled_from([None, 1, 3]), threshold=st.sampled_from([0.3, 0.7, 1.0, 2.5]),
       reduction=st.sampled_from(["mean", "sum", "none"]), dtype=st.sampled_from(["float32", "float64"]))
def test_smooth_l1_and_huber_losses_match_torch_bit_for_bit(loss, n, rows, threshold, reduction, dtype):
    """The loss, its grad_fn, and the gradients of input and target: ATen's backward kernel computes
    the elements of its vectorised loop and those of its scalar tail in different orders (beta or
    delta other than 1 shows it); rows: a target broadcast over rows (each row its own loop)."""
    rng = np.random.default_rng(n * 1000 + (rows or 0))
    shape = (n,) if rows is None else (rows, n)
    x = (rng.standard_normal(shape) * 2 * threshold).astype(dtype)
    y = rng.standard_normal((n,) if rows == 3 else shape).astype(dtype)
    param = {"beta" if loss == "smooth_l1_loss" else "delta": threshold}
    grad = rng.standard_normal(np.broadcast_shapes(x.shape, y.shape)).astype(dtype)
    results = []
    for lib in (ac, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the broadcast target's warning)
            out = getattr(lib.nn.functional, loss)(a, b, reduction=reduction, **param)
        out.backward(lib.tensor(grad) if reduction == "none" else None)
        results.append((out, out.grad_fn.name(), a.grad, b.grad))
    assert results[0][1] == results[1][1]
    for k, what in [(0, "loss"), (2, "input's gradient"), (3, "target's gradient")]:
        assert_close(results[0][k], results[1][k], f"{loss} {what}, {shape}, {param}, {reduction}", exact=True)


def _sigmoid_inputs():
    """A dense grid over every float32 region sigmoid has (0 and 1 saturate beyond about +-104),
    random normals, and the special values; a multiple of 32 elements, so that all of it goes
    through ATen's vectorised loop (AVX512: 2 vectors of 16; AVX2: of 8)."""
    grid = np.linspace(-110, 110, 220001, dtype=np.float64).astype(np.float32)
    normal = np.random.default_rng(4).standard_normal(50000).astype(np.float32) * 4
    special = np.array([0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 1.2e-38, 3.4e38, -3.4e38,
                        -1, 1, 88.7, -88.7, 100, -100, 104, -104, 105, -105], np.float32)
    x = np.concatenate([special, grid, normal])
    return x[:x.size // 32 * 32]


def test_float32_sigmoid_matches_torch_bit_for_bit():
    """ATen's vectorised sigmoid: 1 / (exp(-a) + 1) with SLEEF's expf, emulated step by step
    (numpy's float32 1 / (1 + exp(-a)) differed on 17% of these values, by up to 4 ulp; float64 exp
    rounded once, on 4%). The sign of a nan is ATen's too (sigmoid(nan) is -nan), and so is the
    gradient (SigmoidBackward0: differed on 13%, by up to 253 ulp)."""
    x = _sigmoid_inputs()
    ours, theirs = ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, t = ours.sigmoid(), theirs.sigmoid()
    assert_close(y, t, "sigmoid", exact=True)
    assert (np.signbit(y.detach().numpy()) == np.signbit(t.detach().numpy())).all()
    y.sum().backward()
    t.sum().backward()
    assert_close(ours.grad, theirs.grad, "sigmoid's gradient", exact=True)
    assert_close(ac.nn.functional.sigmoid(ac.tensor(x[:4096])), torch.nn.functional.sigmoid(torch.from_numpy(x[:4096])),
                 "F.sigmoid", exact=True)


@pytest.mark.parametrize("shape, view", [((100, 16), None), ((100, 16), "t"), ((37,), None), ((5,), None),
                                         ((1,), None), ((), None), ((100, 48), "[:, :40]"),
                                         ((100, 16), "[:, ::2]"), ((4, 25, 48), "permute")])
def test_float32_sigmoid_follows_atens_vector_and_scalar_loops(shape, view):
    """The last n % 32 elements of a contiguous run (a 1-element tensor: all), and every element of a
    strided run, go through ATen's scalar loop, 1 / (1 + expf(-a)) with glibc's expf; the rest is the
    vectorised loop: bit for bit, the gradient too (with float64 exp rounded once for glibc's expf,
    6 of 80,000 values of x[:, :40] differed, 460 of 2 million of x[:, ::2])."""
    x = (np.random.default_rng(5).standard_normal((20,) + shape) * 4).astype(np.float32)
    pick = {None: lambda t: t, "t": lambda t: t.t(), "[:, :40]": lambda t: t[:, :40], "[:, ::2]": lambda t: t[:, ::2],
            "permute": lambda t: t.permute(2, 0, 1)}[view]
    ours, theirs = ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mine = [pick(ours[i]).sigmoid() for i in range(len(x))]
    torchs = [pick(theirs[i]).sigmoid() for i in range(len(x))]
    for a, b in zip(mine, torchs):
        assert_close(a, b, f"sigmoid of {view}", exact=True)  # (and the layout)
    sum(m.sum() for m in mine).backward()
    sum(t.sum() for t in torchs).backward()
    assert_close(ours.grad, theirs.grad, f"sigmoid's gradient of {view}", exact=True)


@pytest.mark.parametrize("shape, view", [((100, 16), None), ((100, 16), "t"), ((37,), None), ((5,), None),
                                         ((1,), None), ((), None), ((100, 48), "[:, :40]"),
                                         ((100, 16), "[:, ::2]"), ((4, 25, 48), "permute"), ((3000,), None)])
def test_float64_sigmoid_matches_torch_bit_for_bit(shape, view):
    """float64: ATen's vectorised loop (chunks of 16) calls SLEEF's exp in float64 (sleef_expd: 13
    fused multiply-adds, each rounded once), its scalar loop glibc's exp; numpy's exp in both
    differed on about 3% of values (4.7% of a strided tensor's, x 20). Special values included."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4,) + shape) * 20
    x[rng.random(x.shape) < 0.03] = np.inf
    x[rng.random(x.shape) < 0.03] = -np.inf
    x[rng.random(x.shape) < 0.02] = np.nan
    pick = {None: lambda t: t, "t": lambda t: t.t(), "[:, :40]": lambda t: t[:, :40], "[:, ::2]": lambda t: t[:, ::2],
            "permute": lambda t: t.permute(2, 0, 1)}[view]
    for i in range(len(x)):
        ours, theirs = ac.tensor(x[i], requires_grad=True), torch.tensor(x[i], requires_grad=True)
        y, t = pick(ours).sigmoid(), pick(theirs).sigmoid()
        assert_close(y, t, f"float64 sigmoid of {view}", exact=True)
        y.sum().backward()
        t.sum().backward()
        assert_close(ours.grad, theirs.grad, f"float64 sigmoid's gradient of {view}", exact=True)


@pytest.mark.parametrize("shape, view", [((1000,), None), ((7,), None), ((1,), None), ((40, 17), None),
                                         ((40, 17), "t"), ((40, 34), "[:, ::2]"), ((3, 40, 17), "permute")])
def test_float64_silu_matches_torch_bit_for_bit(shape, view):
    """float64 silu, x / (1 + exp(-x)), and its gradient g s (1 + x (1 - s)) (the last product and
    sum fused), with SLEEF's exp in the vectorised loop and glibc's in the scalar one, as float32's:
    numpy's exp differed on 3.4% of values."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal(shape) * 10
    x[rng.random(shape) < 0.02] = np.inf
    x[rng.random(shape) < 0.02] = -np.inf
    pick = {None: lambda t: t, "t": lambda t: t.t(), "[:, ::2]": lambda t: t[:, ::2],
            "permute": lambda t: t.permute(2, 0, 1)}[view]
    ours, theirs = ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, t = ac.nn.functional.silu(pick(ours)), torch.nn.functional.silu(pick(theirs))
    assert_close(y, t, f"float64 silu of {view}", exact=True)
    w = rng.standard_normal(tuple(t.shape))
    (y * ac.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    assert_close(ours.grad, theirs.grad, f"float64 silu's gradient of {view}", exact=True)


def test_sleef_expd_is_sleefs_exp_on_special_and_extreme_inputs():
    """The edges of sleef_expd, seen through sigmoid's vectorised loop (a tensor of 64 elements: all
    of it in vectors), which computes exp(-x): overflow above 709.78, 0 below -1000, subnormal results
    (2**q applied as two powers of two), nan, infinities and zeros."""
    x = np.array([0.0, -0.0, 1e-300, -1e-300, 709.7, 709.78, 709.79, 710.0, -708.3, -709.0, -740.1,
                  -744.4, -745.2, -999.0, -1000.0, -1001.0, np.inf, -np.inf, np.nan, 0.5, -0.5, 36.0, -36.0,
                  1e10, -1e10, 3.0, 700.0, -700.0, 88.7, -37.5, 12.25, 5e-324] * 2)
    assert_close(ac.tensor(-x).sigmoid(), torch.tensor(-x).sigmoid(), "sigmoid (SLEEF's exp)", exact=True)


def test_float32_sigmoids_scalar_loop_matches_torch_on_a_million_inputs():
    """Every element of a strided tensor goes through ATen's scalar loop, glibc's expf: emulated as exp
    rounded once from float64 but where glibc's 0.502-ulp error can round the other way (near a
    rounding midpoint), which is glibc's own there; on random bit patterns and the range where
    sigmoid is neither 0 nor 1."""
    rng = np.random.default_rng(11)
    bits = rng.integers(0, 2 ** 32, 500_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    x = np.stack([np.concatenate([bits, rng.uniform(-105, 90, 500_000).astype(np.float32)])] * 2, axis=1)
    assert_close(ac.tensor(x)[:, 0].sigmoid(), torch.from_numpy(x)[:, 0].sigmoid(), "sigmoid", exact=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", [0.3, -0.01, 2.5, 3])
def test_add_and_sub_with_alpha_match_torch_bit_for_bit(alpha, dtype):
    """add(a, b, alpha=), sub(...) and rsub(...) of float tensors: one rounding of a + alpha * b
    (ATen's fused multiply-add, alpha and a number operand cast to the dtype first); two roundings
    differed on 11-27% of values (float32, alpha=0.3: 18%; float64, a number 3 with alpha 0.7: 67%).
    In place too (the update an SGD written by hand does), with a broadcast operand and a number."""
    rng = np.random.default_rng(6)
    a, b = (rng.standard_normal((64, 10)).astype(dtype) for _ in range(2))
    row = rng.standard_normal(10).astype(dtype)
    for name, f in [("add", lambda m, x, y: m.add(x, y, alpha=alpha)), ("sub", lambda m, x, y: m.sub(x, y, alpha=alpha)),
                    ("rsub", lambda m, x, y: m.rsub(x, y, alpha=alpha)),
                    ("add_", lambda m, x, y: x.clone().add_(y, alpha=alpha)),
                    ("sub_", lambda m, x, y: x.clone().sub_(y, alpha=alpha)),
                    ("Tensor.add", lambda m, x, y: x.add(y, alpha=alpha))]:
        for p, q in [(a, b), (a, row), (row, a), (a[0, 0], b[0, 0]), (a, 0.1), (a, 3), (a, -1.7)]:
            if name.endswith("_") and np.shape(p) != np.shape(a) and np.ndim(p) != 0:
                continue  # (in place: the result has p's shape)
            wrap = (lambda m, v: m.tensor(v)) if isinstance(q, np.ndarray) else (lambda m, v: v)
            assert_close(f(ac, ac.tensor(p), wrap(ac, q)), f(torch, torch.tensor(p), wrap(torch, q)),
                         f"{name} {np.shape(p)} {q if np.ndim(q) == 0 else np.shape(q)}", exact=True)


def test_bce_with_logits_gradient_matches_torch_bit_for_bit():
    """binary_cross_entropy_with_logits' input gradient is (sigmoid(x) - t) * g: ATen's sigmoid
    (it differed on 9-11% of the values with numpy's float32 one)."""
    rng = np.random.default_rng(7)
    x, t = (rng.standard_normal((64, 10)) * 3).astype(np.float32), (rng.random((64, 10)) > 0.5).astype(np.float32)
    for reduction in ("sum", "mean"):
        ours, theirs = ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ac.nn.functional.binary_cross_entropy_with_logits(ours, ac.tensor(t), reduction=reduction).backward()
        torch.nn.functional.binary_cross_entropy_with_logits(theirs, torch.from_numpy(t), reduction=reduction).backward()
        assert_close(ours.grad, theirs.grad, reduction, exact=True)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weights", [(), ("pos_weight",), ("weight",), ("pos_weight", "weight")])
def test_bce_with_logits_loss_matches_torch_bit_for_bit(reduction, weights):
    """The loss as ATen composes it: (1 - t) x - log_sigmoid(x) (times (pos_weight - 1) t + 1), times
    weight, then the reduction (softplus(-x) by numpy's logaddexp differed on 3% of values)."""
    rng = np.random.default_rng(8)
    x, t = (rng.standard_normal((300, 10)) * 3).astype(np.float32), rng.random((300, 10)).astype(np.float32)
    given = {"pos_weight": (rng.random(10) + 0.5).astype(np.float32), "weight": rng.random((300, 10)).astype(np.float32)}
    losses = [m.nn.functional.binary_cross_entropy_with_logits(
        m.tensor(x), m.tensor(t), reduction=reduction, **{k: m.tensor(given[k]) for k in weights}) for m in (ac, torch)]
    assert_close(*losses, f"{reduction} {weights}", exact=True)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("weight", ["number", "tensor", "0-d tensor", "broadcast tensor"])
def test_lerp_matches_torch_bit_for_bit(dtype, weight):
    """ATen's lerp_vec: fma(weight, end - start, start) for |weight| < 0.5, else fma(weight - 1,
    end - start, end) -- one rounding each (rounded twice, a third of float32 results differ)."""
    rng = np.random.default_rng(3)
    for n in [3, 8, 17, 1000]:
        start, end = (rng.standard_normal((2, n)) * [[1.0], [3.0]]).astype(dtype)
        w = {"number": float(rng.uniform(-1, 2)), "tensor": rng.uniform(-1, 2, n).astype(dtype),
             "0-d tensor": np.array(rng.uniform(-1, 2), dtype=dtype),
             "broadcast tensor": rng.uniform(-1, 2, (2, 1)).astype(dtype)}[weight]
        ours, theirs = (m.lerp(m.tensor(start), m.tensor(end), w if weight == "number" else m.tensor(w)).numpy()
                        for m in (ac, torch))
        assert_close(ours, theirs, f"lerp of {n} {dtype} elements, {weight} weight", exact=True)


def _layer_norm_run(m, x, shape, w, b, g, eps):
    """layer_norm's output, saved mean and rstd, and the gradients of input, weight and bias"""
    X = m.tensor(x, requires_grad=True)
    W, B = (None if a is None else m.tensor(a, requires_grad=True) for a in (w, b))
    y = m.nn.functional.layer_norm(X, shape, W, B, eps)
    node = y.grad_fn
    mean, rstd = node._saved_result1.detach().clone(), node._saved_result2.detach().clone()
    y.backward(m.tensor(g))
    return [type(node).__name__, y.detach(), mean, rstd, X.grad, None if W is None else W.grad,
            None if B is None else B.grad]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("affine", ["weight and bias", "weight", "bias", "neither"])
def test_layer_norm_matches_torch_bit_for_bit(dtype, affine):
    """ATen's CPU kernels: RowwiseMoments' Welford cascade (vectors of 32 bytes, chunks of 16, a
    binary counter of partial moments), rstd = 1 / sqrt(var + eps) in the math dtype, out =
    fma((x - mean) rstd, w, b) (float16: fma(fma(x, rstd, -rstd mean), w, b) in float32); the
    gradients as LayerNormBackwardKernelImpl sums them (rows of lanes, its fused tail, threads'
    buffers of weight and bias gradients). Bit for bit, but float16's grad_input (see the README)."""
    rng = np.random.default_rng(11)
    for shape, normalized in [((5, 1), (1,)), ((4, 3), (3,)), ((6, 7), (7,)), ((3, 8), (8,)), ((2, 4, 17), (17,)),
                              ((3, 2, 5), (2, 5)), ((9, 100), (100,)), ((2, 300), (300,)), ((2, 2, 40, 33), (40, 33)),
                              ((50, 2, 3), (3,))]:
        lead = shape[:len(shape) - len(normalized)] + (1,) * len(normalized)
        x = (rng.standard_normal(shape) * rng.uniform(0.1, 10, lead) + rng.uniform(-5, 5, lead)).astype(dtype)
        w = rng.standard_normal(normalized).astype(dtype) if "weight" in affine else None
        b = rng.standard_normal(normalized).astype(dtype) if "bias" in affine else None
        g = rng.standard_normal(shape).astype(dtype)
        ours, theirs = (_layer_norm_run(m, x, normalized, w, b, g, 1e-5) for m in (ac, torch))
        assert ours[0] == theirs[0] == "NativeLayerNormBackward0"
        if dtype == "float16":  # (grad_input: ATen's float16 loop sums in another order, to be found)
            assert_close(ours[4], theirs[4], f"layer_norm's grad_input, {shape} {affine}")
            ours, theirs = ([a for i, a in enumerate(r) if i != 4] for r in (ours, theirs))
        assert_close(ours, theirs, f"layer_norm of {shape} over {normalized}, {affine}", exact=True)


@settings(derandomize=True, deadline=None, max_examples=60, database=None)
@given(rows=st.integers(1, 6), n=st.integers(1, 80), scale=st.floats(1e-3, 1e3), shift=st.floats(-1e3, 1e3),
       eps=st.sampled_from([1e-5, 1e-12, 0.1, 0.0]), seed=st.integers(0, 2 ** 16))
def test_layer_norm_float32_matches_torch_bit_for_bit_for_any_row(rows, n, scale, shift, eps, seed):
    """Any row length (the vectors, the chunks of 16 and the elements left over), any scale and
    offset (Welford's updates cancel), eps 0 included"""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, n)) * scale + shift).astype(np.float32)
    w, b, g = (rng.standard_normal(s).astype(np.float32) for s in (n, n, (rows, n)))
    with np.errstate(all="ignore"):
        ours, theirs = (_layer_norm_run(m, x, (n,), w, b, g, eps) for m in (ac, torch))
    assert_close(ours, theirs, f"layer_norm of {rows} rows of {n}", exact=True)


def _gelu_inputs():
    """float32 values over every region of gelu's kernels (oneDNN's polynomials change every quarter
    binade up to 5.54, beyond which erf is 1; e^(-x^2) underflows near +-13), random normals, and the
    special values"""
    rng = np.random.default_rng(6)
    grid = np.linspace(-16, 16, 20001, dtype=np.float64).astype(np.float32)
    normal = (rng.standard_normal(20000) * rng.choice([1e-3, 0.3, 1, 3, 6], 20000)).astype(np.float32)
    special = np.array([0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40, -1e-40, 1.2e-38, 3e38, -3e38,
                        5.54, -5.54, 5.6, -5.6, 13, -13, 14, -14, 100, -100, 1e-20, -1e-20], np.float32)
    return np.concatenate([special, grid, normal])


def _gelu_both(module, x, pick, dy):
    t = module.tensor(x, requires_grad=True)
    y = module.nn.functional.gelu(pick(t))
    g, = module.autograd.grad(y, t, module.tensor(dy))
    return y, g


@pytest.mark.parametrize("view", ["contiguous", "1 element", "0-d", "[::2]", "t", "[:, :n-1]"])
def test_float32_gelu_and_its_gradient_match_torch_bit_for_bit(view):
    """F.gelu (approximate='none') on float32, forward and GeluBackward0: a contiguous tensor of 2 or
    more elements goes to oneDNN (minimax erf; Abramowitz & Stegun with oneDNN's expf backward), any
    other to ATen's loops: the vectorised one (chunks of 2 vectors, Abramowitz & Stegun with SLEEF's
    expf) but the last n % 32 elements of a run, and the scalar one (glibc's erff, expf) for those,
    for one element and for a strided run. Every length 1..40 (or 2..80) and long ones, from several offsets.
    (erf in float64 rounded once differed from torch on 25-45% of these, by up to 100s of ulp.)"""
    x = _gelu_inputs()
    rng = np.random.default_rng(7)
    pick = {"contiguous": lambda t: t, "1 element": lambda t: t[:1], "0-d": lambda t: t[0], "[::2]": lambda t: t[::2],
            "t": lambda t: t.reshape(2, -1).t(), "[:, :n-1]": lambda t: t.reshape(2, -1)[:, :-1]}[view]
    lengths = list(range(1, 41)) if view in ("contiguous", "[::2]") else list(range(2, 82, 2))
    lengths += [8190] + ([x.size] if view == "contiguous" else [])  # (ATen's loops: one thread up to 16384)
    for n in lengths:
        for start in ([0] if n >= 8190 else [0, 24, 5017, 20011, 31000]):
            a = np.ascontiguousarray(x[start:start + n])
            if a.size < n:
                continue
            with torch.no_grad():
                shape = pick(torch.from_numpy(a)).shape
            dy = rng.standard_normal(tuple(shape)).astype(np.float32)
            ours, theirs = _gelu_both(ac, a, pick, dy), _gelu_both(torch, a, pick, dy)
            assert_close(ours[0], theirs[0], f"gelu {view} of x[{start}:{start + n}]", exact=True)
            assert_close(ours[1], theirs[1], f"gelu's gradient {view} of x[{start}:{start + n}]", exact=True)


# --- softmax, log_softmax and the losses built on them (classification's printed loss) ---------------
def _softmax_program(module, x, g, name, view):
    t = module.tensor(x, requires_grad=True)
    picked = {"as is": t, "transposed": t.mT if t.ndim > 1 else t}[view]
    y = getattr(picked, name)(-1)
    dx, = module.autograd.grad(y, t, module.tensor(g).reshape(y.shape))
    return y, dx


@settings(max_examples=80, deadline=None)
@given(lead=st.sampled_from([(), (1,), (2,), (3,), (7,), (2, 3)]), n=st.integers(1, 90),
       scale=st.sampled_from([0.5, 2.0, 10.0, 40.0]), seed=st.integers(0, 2 ** 16),
       name=st.sampled_from(["softmax", "log_softmax"]), view=st.sampled_from(["as is", "transposed"]))
def test_float32_softmax_and_log_softmax_match_torch_bit_for_bit(lead, n, scale, seed, name, view):
    """Over the last dim, as ATen's vectorised kernels compute them: e**(x - max) by SLEEF's expf,
    summed in vector lanes at the CPU's width, log by SLEEF's logf; the gradients (softmax's sum of
    g * out with its last partial vector fused on one row, log_softmax's g - exp(out) * sum fused)
    too. numpy's order differed on 4-20% of values; a transposed input is made contiguous first."""
    rng = np.random.default_rng(seed)
    shape = lead + (n,) if view == "as is" or not lead else lead[:-1] + (n, lead[-1])
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    g = rng.standard_normal(x.size).astype(np.float32)
    ours, theirs = _softmax_program(ac, x, g, name, view), _softmax_program(torch, x, g, name, view)
    assert_close(ours[0], theirs[0], name, exact=True)
    assert_close(ours[1], theirs[1], f"{name}'s gradient", exact=True)


@settings(max_examples=60, deadline=None)
@given(lead=st.sampled_from([(), (1,), (2,), (7,), (2, 3)]), n=st.integers(1, 90),
       scale=st.sampled_from([0.5, 3.0, 40.0]), seed=st.integers(0, 2 ** 16),
       view=st.sampled_from(["as is", "transposed"]), threads=st.sampled_from([1, 2]))
def test_float64_softmax_matches_torch_bit_for_bit(lead, n, scale, seed, view, threads):
    """float64 softmax over the last dim: the same kernel as float32's, e**(x - max) by SLEEF's exp
    in float64 (sleef_expd), the sum in vector lanes, e * (1 / sum); its gradient's sum of g * out in
    lanes, the last partial vector's products rounded before they are added (float32's are fused on
    one thread). numpy differed on 64% of the values, 38% of the gradient's."""
    rng = np.random.default_rng(seed)
    shape = lead + (n,) if view == "as is" or not lead else lead[:-1] + (n, lead[-1])
    x = rng.standard_normal(shape) * scale
    x[rng.random(shape) < 0.02] = -np.inf
    g = rng.standard_normal(x.size)
    before = torch.get_num_threads(), ac.get_num_threads()
    try:
        torch.set_num_threads(threads)
        ac.set_num_threads(threads)
        ours, theirs = _softmax_program(ac, x, g, "softmax", view), _softmax_program(torch, x, g, "softmax", view)
    finally:
        torch.set_num_threads(before[0])
        ac.set_num_threads(before[1])
    assert_close(ours[0], theirs[0], "float64 softmax", exact=True)
    assert_close(ours[1], theirs[1], "float64 softmax's gradient", exact=True)


def _softmax_over(module, x, g, name, dim):
    t = module.tensor(x, requires_grad=True)
    y = getattr(t, name)(dim)
    dx, = module.autograd.grad(y, t, module.tensor(g))
    return y, dx


@settings(max_examples=80, deadline=None)
@given(shape=st.lists(st.integers(1, 40), min_size=2, max_size=4).filter(lambda s: math.prod(s) <= 4000),
       data=st.data(), scale=st.sampled_from([0.5, 3.0, 40.0]), seed=st.integers(0, 2 ** 16),
       name=st.sampled_from(["softmax", "log_softmax"]))
def test_float32_softmax_over_another_dim_matches_torch_bit_for_bit(shape, data, scale, seed, name):
    """Over a dim other than the last, ATen's other kernels: columns along dim, in vectors of columns
    (SLEEF's expf) and one at a time (glibc's expf), summed in order from 0; softmax's vectors follow
    its split of the columns between threads. numpy's order differed on 1 value in 5."""
    dim = data.draw(st.integers(-len(shape), len(shape) - 2), label="dim")
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    ours, theirs = _softmax_over(ac, x, g, name, dim), _softmax_over(torch, x, g, name, dim)
    assert_close(ours[0], theirs[0], f"{name} over dim {dim}", exact=True)
    assert_close(ours[1], theirs[1], f"{name}'s gradient over dim {dim}", exact=True)


def test_set_num_threads_is_followed_where_the_split_changes_values():
    """torch.set_num_threads(n) and autograd_core's: softmax over dim 0 splits its columns between
    ATen's threads, and a vector never crosses a thread's part (with 2 threads, (6, 16)'s 16 columns
    are two parts of 8: none in a vector), so the values follow the setting."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((6, 16)) * 3).astype(np.float32)
    before = torch.get_num_threads(), ac.get_num_threads()
    try:
        results = []
        for n in (1, 2, 3):
            torch.set_num_threads(n)
            ac.set_num_threads(n)
            ours, theirs = ac.tensor(x).softmax(0), torch.tensor(x).softmax(0)
            assert_close(ours, theirs, f"softmax over dim 0 with {n} threads", exact=True)
            results.append(theirs.numpy())
        assert not np.array_equal(results[0], results[1])  # (the setting shows in the values)
    finally:
        torch.set_num_threads(before[0])
        ac.set_num_threads(before[1])


@pytest.mark.parametrize("environment", [{"ATEN_CPU_CAPABILITY": "avx2"}, {"OMP_NUM_THREADS": "1"}])
def test_softmax_follows_atens_vector_width_and_threads(environment):
    """AVX2's 8 lanes where ATen is held to AVX2 (on this machine, torch and autograd_core both read
    ATEN_CPU_CAPABILITY), and softmax's gradient with one thread, whose rows all run inline (their last
    partial vector fused): in a child process, as the settings are read at import."""
    script = """
import numpy as np, torch, autograd_core as ac
rng = np.random.default_rng(3)
for n in list(range(1, 40)) + [47, 64, 90]:
    for rows in (1, 2, 5):
        x = (rng.standard_normal((rows, n)) * 3).astype(np.float32)
        g = rng.standard_normal((rows, n)).astype(np.float32)
        for name in ("softmax", "log_softmax"):
            out = []
            for m in (ac, torch):
                t = m.tensor(x, requires_grad=True)
                y = getattr(t, name)(-1)
                dx, = m.autograd.grad(y, t, m.tensor(g))
                out.append(np.concatenate([y.detach().numpy().ravel(), dx.numpy().ravel()]).view(np.int32))
            assert np.array_equal(*out), (name, rows, n)
for shape in [(5, 3), (6, 16), (7, 20), (9, 40), (3, 100), (2, 5, 37)]:  # (over dim 0: the columns' kernels)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    for name in ("softmax", "log_softmax"):
        out = []
        for m in (ac, torch):
            t = m.tensor(x, requires_grad=True)
            y = getattr(t, name)(0)
            dx, = m.autograd.grad(y, t, m.tensor(g))
            out.append(np.concatenate([y.detach().numpy().ravel(), dx.numpy().ravel()]).view(np.int32))
        assert np.array_equal(*out), (name, shape)
print("same")
"""
    env = {**os.environ, **environment}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "same", done.stderr[-2000:]


@settings(max_examples=60, deadline=None)
@given(batch=st.sampled_from([1, 2, 3, 15, 16, 17, 33, 64, 100, 255, 256, 257, 600]), classes=st.integers(1, 6),
       weighted=st.booleans(), ignore=st.booleans(), reduction=st.sampled_from(["mean", "sum"]),
       smoothing=st.sampled_from([0.0, 0.1]), seed=st.integers(0, 2 ** 16))
def test_cross_entropy_and_nll_loss_match_torch_bit_for_bit(batch, classes, weighted, ignore, reduction,
                                                            smoothing, seed):
    """nll_loss adds its rows in ATen's cascade of partial sums (a new level every 16 rows), not in
    numpy's pairwise order, and divides by the weights summed the same way: cross_entropy's loss.item()
    differed in its last digit for most batches; the gradient follows."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((batch, classes)) * 3).astype(np.float32)
    target = rng.integers(0, classes, batch)
    if ignore:
        target[::16] = 0  # (ignored rows where the cascade passes its levels up)
    w = (rng.random(classes) + 0.1).astype(np.float32) if weighted else None

    def program(module):
        t = module.tensor(x, requires_grad=True)
        loss = module.nn.functional.cross_entropy(
            t, module.tensor(target), None if w is None else module.tensor(w),
            ignore_index=0 if ignore else -100, reduction=reduction, label_smoothing=smoothing)
        loss.backward()
        return loss, t.grad
    ours, theirs = program(ac), program(torch)
    assert_close(ours[0], theirs[0], "loss", exact=True)
    assert_close(ours[1], theirs[1], "gradient", exact=True)


@pytest.mark.parametrize("name", ["asinh", "acosh", "sinh", "cosh", "atanh", "exp2"])
def test_float64_glibc_functions_match_torch_bit_for_bit(name):
    """float64 asinh and acosh are glibc's on every element in torch (numpy's differed on 18% and 16%);
    sinh, cosh, atanh and exp2 are glibc's in ATen's scalar loop, which every element of a strided
    tensor goes through (numpy's differed on 1-8%)."""
    x = np.random.default_rng(13).standard_normal(20000) * 3
    x = {"acosh": np.abs(x) + 1, "atanh": np.tanh(x) * 0.999}.get(name, x)
    x[:12] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300, 800.0, -800.0, 1.0, -1.0, 5e-324]
    strided = name not in ("asinh", "acosh")
    pick = (lambda t: t.reshape(-1, 2)[:, 0]) if strided else (lambda t: t)
    ours, theirs = getattr(ac, name)(pick(ac.tensor(x))), getattr(torch, name)(pick(torch.from_numpy(x)))
    assert_close(ours, theirs, f"float64 {name}", exact=True)
