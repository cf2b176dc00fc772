"""The ops added after the first teaching set, against PyTorch 2.13: the activations silu, mish,
hardtanh / relu6, logsigmoid, softsign (functional, modules, in place), cumprod (and prod's gradient
through zeros, which is built from cumprod), ...

Values: bit for bit in float32 where this engine computes as ATen's kernels do (silu, hardtanh,
relu6, softsign, cumprod, logsigmoid's gradient); "mostly equal, the rest within an ulp or two" where
a SLEEF function is not emulated (logsigmoid's log1p, mish's log1p and tanh: computed in float64 and
rounded once); float64 within the oracle's tolerance (torch's SLEEF exp for doubles is not numpy's).
Gradients' graphs, second derivatives and gradgradcheck are in test_double_backward.py, gradcheck per
op-table row in test_gradcheck.py, nan / inf / signed zeros in test_special_values.py.
"""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from torch_oracle import assert_close, assert_same

ACTIVATIONS = ["silu", "mish", "hardtanh", "relu6", "logsigmoid", "softsign"]
EXACT = {"silu", "hardtanh", "relu6", "softsign"}  # forward and gradient bit for bit in float32
# (share of float32 inputs whose forward / gradient may differ from torch's, and by how many ulps)
MOSTLY = {"logsigmoid": (0.02, 1, 0.0), "mish": (0.03, 2, 0.03)}

# the layouts ATen's loops split differently between their vectorised and scalar code
LAYOUTS = {
    "long": lambda x: x,
    "odd length": lambda x: x[:20003],
    "20 elements": lambda x: x[:20],
    "one row of 7": lambda x: x[:7],
    "one element": lambda x: x[:1],
    "rows of 40": lambda x: x[:4000].reshape(100, 40)[:, :37],
    "strided": lambda x: x[::3],
    "transposed": lambda x: x[:4000].reshape(50, 80).T,
}


def _inputs(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(20016) * 4).astype(dtype)
    x[::97] *= 6  # (far out, where exp over- or underflows)
    return x, rng.standard_normal(20016).astype(dtype)


def _run(m, name, x, g, layout):
    """(forward, gradient) of activation `name` on the layout of x, with upstream gradient g"""
    t = LAYOUTS[layout](m.tensor(x))
    t.requires_grad_(True)
    y = getattr(m.nn.functional, name)(t)
    y.backward(LAYOUTS[layout](m.tensor(g)))
    return y.detach().numpy(), t.grad.numpy()


def _ulps(a, b):
    a, b = a.astype(np.float32), b.astype(np.float32)
    return np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_float32_activations_match_torch(name, layout):
    x, g = _inputs(np.float32)
    ours, theirs = _run(ac, name, x, g, layout), _run(torch, name, x, g, layout)
    for what, a, b in zip(("forward", "gradient"), ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype
        if name in EXACT or (name == "logsigmoid" and what == "gradient"):
            assert_close(a, b, f"{name} {what}", exact=True)
            continue
        share, ulps, grad_share = MOSTLY[name]
        assert np.mean(a != b) <= (share if what == "forward" else grad_share or share), what
        finite = np.isfinite(b) & (np.abs(b) > 1e-30)
        if what == "forward":
            assert _ulps(a[finite], b[finite]).max() <= ulps
        assert_close(a, b, f"{name} {what}")


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_float64_activations_match_torch(name):
    x, g = _inputs(np.float64, seed=1)
    for layout in ("odd length", "strided", "20 elements"):
        assert_close(_run(ac, name, x, g, layout), _run(torch, name, x, g, layout), f"{name} {layout}")


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float32, hnp.array_shapes(max_dims=3, max_side=9),
                    elements=st.floats(-30, 30, width=32)),
       name=st.sampled_from(ACTIVATIONS))
def test_activations_on_any_shape_match_torch(x, name):
    """Shapes of up to 3 dims, 0-d and empty included: forward and gradient (of a sum: the
    upstream gradient is one number broadcast)"""
    def program(m):
        t = m.tensor(x, requires_grad=True)
        y = getattr(m.nn.functional, name)(t)
        y.sum().backward()
        return y, t.grad
    exact = name in EXACT
    assert_same(program, exact=exact)


def test_grad_fn_names_and_saved_values():
    def program(m):
        x = m.tensor([-1.5, 0.3, 2.0, 7.0], requires_grad=True)
        F = m.nn.functional
        out = {n: type(getattr(F, n)(x).grad_fn).__name__ for n in ACTIVATIONS}
        y = F.hardtanh(x, -0.5, 2.5)
        out["hardtanh saved"] = (y.grad_fn._saved_min_val, y.grad_fn._saved_max_val)
        y = F.relu6(x)
        out["relu6 saved"] = (y.grad_fn._saved_min_val, y.grad_fn._saved_max_val)
        out["cumprod"] = type(x.cumprod(0).grad_fn).__name__
        out["cumprod saved dim"] = m.cumprod(x, 0).grad_fn._saved_dim  # (torch keeps -1 as 2 ** 64 - 1)
        return out
    assert_same(program)


@pytest.mark.parametrize("name", ["silu", "mish", "hardtanh", "relu6"])
def test_in_place_activations(name):
    """F.x(t, inplace=True) writes into t, which takes the op's node as its grad_fn (as torch's
    silu_ / hardtanh_ ...); a leaf that requires grad is refused"""
    def program(m):
        x = m.tensor([-1.5, 0.3, 2.0, 7.0, -0.0], requires_grad=True)
        y = x * 2
        z = getattr(m.nn.functional, name)(y, inplace=True)
        z.backward(m.tensor([1.0, -2.0, 0.5, 3.0, 1.0]))
        return z is y, z, type(z.grad_fn).__name__, x.grad, y._version
    assert_same(program, exact=True)
    assert_same(lambda m: getattr(m.nn.functional, name)(m.ones(3, requires_grad=True), inplace=True))
    assert_same(lambda m: getattr(m.nn.functional, name)(m.ones(3), inplace=True), exact=True)


def test_modules_match_torch():
    def program(m):
        nn = m.nn
        mods = [nn.SiLU(), nn.SiLU(inplace=True), nn.Mish(), nn.Mish(True), nn.Hardtanh(), nn.Hardtanh(-2, 3, True),
                nn.ReLU6(), nn.ReLU6(True), nn.LogSigmoid(), nn.Softsign()]
        x = m.tensor([[-3.0, -0.5, 0.0], [0.7, 2.5, 8.0]])
        return [(repr(mod), mod(x.clone()), isinstance(mod, nn.Hardtanh)) for mod in mods]
    assert_same(program)
    assert_same(lambda m: repr(m.nn.Sequential(m.nn.Linear(2, 3), m.nn.SiLU(), m.nn.ReLU6())))


def test_hardtanh_bounds():
    assert_same(lambda m: m.nn.functional.hardtanh(m.ones(2), 2.0, 1.0))  # ValueError
    assert_same(lambda m: m.nn.Hardtanh(2.0, 1.0))  # AssertionError
    assert_same(lambda m: m.nn.Hardtanh(1.0, 1.0))
    assert_same(lambda m: m.nn.functional.hardtanh(m.tensor([0.5, 1.0, 2.0]), 1.0, 1.0))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ac.nn.Hardtanh(min_value=-2.0)
    assert "`min_value` is deprecated" in str(w[0].message) and w[0].category is FutureWarning


ERRORS = {
    "silu(int)": lambda m: m.nn.functional.silu(m.tensor([1, 2])),
    "silu(bool)": lambda m: m.nn.functional.silu(m.tensor([True])),
    "silu(3.0)": lambda m: m.nn.functional.silu(3.0),
    "silu([1., 2.])": lambda m: m.nn.functional.silu([1.0, 2.0]),
    "silu_(3.0)": lambda m: m.nn.functional.silu(3.0, inplace=True),
    "mish(int)": lambda m: m.nn.functional.mish(m.tensor([1, 2])),
    "mish(3.0)": lambda m: m.nn.functional.mish(3.0),
    "logsigmoid(int)": lambda m: m.nn.functional.logsigmoid(m.tensor([1, 2])),
    "logsigmoid(bool)": lambda m: m.nn.functional.logsigmoid(m.tensor([True])),
    "logsigmoid(3.0)": lambda m: m.nn.functional.logsigmoid(3.0),
    "hardtanh(bool)": lambda m: m.nn.functional.hardtanh(m.tensor([True])),
    "hardtanh(3.0)": lambda m: m.nn.functional.hardtanh(3.0),
    "relu6(bool)": lambda m: m.nn.functional.relu6(m.tensor([True])),
    "relu6([1.])": lambda m: m.nn.functional.relu6([1.0]),
    "softsign(3.0)": lambda m: m.nn.functional.softsign(3.0),
    "softsign(bool)": lambda m: m.nn.functional.softsign(m.tensor([True])),
    "cumprod(3.0)": lambda m: m.cumprod(3.0, 0),
    "cumprod dim out of range": lambda m: m.cumprod(m.ones(2, 3), 2),
    "cumprod no dim": lambda m: m.ones(2).cumprod(),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    assert_same(ERRORS[name])


DTYPES = {
    "hardtanh(int)": lambda m: m.nn.functional.hardtanh(m.tensor([-3, 0, 2, 9])),
    "hardtanh(int, fractional bounds)": lambda m: m.nn.functional.hardtanh(m.tensor([-3, 0, 2, 9]), -2.5, 2.5),
    "relu6(int32)": lambda m: m.nn.functional.relu6(m.tensor([-3, 0, 2, 9], dtype=m.int32)),
    "relu6(uint8)": lambda m: m.nn.functional.relu6(m.tensor([0, 3, 200], dtype=m.uint8)),
    "softsign(int)": lambda m: m.nn.functional.softsign(m.tensor([-3, 0, 2, 9])),
    "silu(float64)": lambda m: m.nn.functional.silu(m.tensor([-1.0, 2.0], dtype=m.float64)),
    "empty": lambda m: [getattr(m.nn.functional, n)(m.empty(0, 3)) for n in ACTIVATIONS],
    "0-d": lambda m: [getattr(m.nn.functional, n)(m.tensor(-0.75)) for n in ACTIVATIONS],
    "cumprod(int32)": lambda m: m.tensor([1, 2, 3], dtype=m.int32).cumprod(0),
    "cumprod(bool)": lambda m: m.cumprod(m.tensor([True, True, False]), 0),
    "cumprod(int, dtype=float64)": lambda m: m.cumprod(m.tensor([1, 2, 3]), 0, dtype=m.float64),
    "cumprod(0-d)": lambda m: m.tensor(2.5).cumprod(0),
    "cumprod(empty)": lambda m: m.empty(0, 3).cumprod(1),
    "cumprod(-1) of 3-d": lambda m: m.arange(1.0, 25.0).reshape(2, 3, 4).cumprod(-1),
    "cumprod(dim=1) of 3-d": lambda m: m.arange(1.0, 25.0).reshape(2, 3, 4).cumprod(dim=1),
}


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_dtypes_and_shapes_match_torch(name):
    assert_same(DTYPES[name], exact=True)


# --- cumprod ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cumprod_matches_torch_bit_for_bit(dtype):
    """ATen's accumulator is a double for both: a float32 cumprod rounds each product from it"""
    rng = np.random.default_rng(3)
    for shape, dim in [((1000,), 0), ((30, 40), 1), ((30, 40), 0), ((3, 5, 7), -2)]:
        x = (1 + rng.standard_normal(shape) * 0.1).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)

        def program(m):
            t = m.tensor(x, requires_grad=True)
            y = t.cumprod(dim)
            y.backward(m.tensor(g))
            return y, t.grad
        assert_same(program, exact=True)


def _with_zeros(shape, zeros, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, shape)
    flat = x.reshape(-1)
    flat[rng.choice(flat.size, zeros, replace=False)] = 0
    return x


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 4), cols=st.integers(1, 6), zeros=st.integers(0, 5), seed=st.integers(0, 1000),
       dim=st.sampled_from([0, 1, -1]), dtype=st.sampled_from(["float32", "float64"]))
def test_cumprod_gradient_through_zeros_matches_torch(rows, cols, zeros, seed, dim, dtype):
    """The gradient when some inputs are 0 (ATen's masks: before the first zero, at it, after it);
    under create_graph (ATen's O(n^2) loop) the gradient and its own gradient"""
    x = _with_zeros((rows, cols), min(zeros, rows * cols), seed).astype(dtype)
    g = np.random.default_rng(seed + 1).standard_normal((rows, cols)).astype(dtype)

    def program(m):
        t = m.tensor(x, requires_grad=True)
        first, = m.autograd.grad(t.cumprod(dim), t, m.tensor(g))
        graph_grad, = m.autograd.grad(t.cumprod(dim), t, m.tensor(g), create_graph=True)
        second, = m.autograd.grad((graph_grad * graph_grad).sum(), t, allow_unused=True)
        return first, graph_grad, type(graph_grad.grad_fn).__name__, second
    assert_same(program, exact=dtype == "float32")


@settings(max_examples=40, deadline=None)
@given(shape=st.sampled_from([(5,), (2, 3), (3, 1), (1, 4), (2, 2, 3)]), zeros=st.integers(0, 3),
       seed=st.integers(0, 1000), dim=st.sampled_from([None, 0, -1]), keepdim=st.booleans())
def test_prod_gradient_through_zeros_matches_torch(shape, zeros, seed, dim, keepdim):
    """prod's gradient with zeros is built from cumprod (prod_safe_zeros_backward): values, and
    under create_graph the graph of CumprodBackward0s and its second derivative"""
    x = _with_zeros(shape, min(zeros, int(np.prod(shape))), seed)

    def program(m):
        t = m.tensor(x, requires_grad=True)
        y = t.prod() if dim is None else t.prod(dim, keepdim=keepdim)
        g, = m.autograd.grad(y, t, m.ones_like(y), create_graph=True)
        second, = m.autograd.grad(g.sum(), t, allow_unused=True)
        plain, = m.autograd.grad(t.prod() if dim is None else t.prod(dim, keepdim=keepdim), t, m.ones_like(y))
        return g, second, plain, _names(g.grad_fn)
    assert_same(program)


def _names(fn, depth=0):
    if fn is None or depth > 12:
        return None
    return [type(fn).__name__] + [_names(c, depth + 1) for c, _ in fn.next_functions]
