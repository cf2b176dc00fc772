"""Convolution against PyTorch 2.13: F.conv1d / conv2d / conv3d and nn.Conv1d / Conv2d.

Values, gradients (input, weight, bias), grad_fn names and saved attributes, dtypes, over a
hypothesis-driven range of shapes and arguments and a table of named cases; errors with torch's
messages; gradcheck / gradgradcheck; the layers' constructor, repr and initialisation.

Float32 tolerance: ATen's CPU convolution (oneDNN) sums the C/groups * prod(kernel) products of
each output in its own blocked order; its own float32 result is about 3e-7 of the largest value
away from the exact sum, as is ours (one matrix product per group): over this file's shapes the two
differ by up to 7.7e-7 of the largest value, 2.4 times the policy's tolerance, so float32
comparisons here are loosened 4 times (FLOAT32_CONV). Float64 is compared at the policy's
tolerance (differences up to 1.6e-15 of the largest value).
"""
import math
import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ac
from torch_oracle import assert_close, assert_same

PROPS = settings(derandomize=True, deadline=None, max_examples=80, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
FLOAT32_CONV = {"loosen": 4, "because": "ATen's oneDNN convolution sums each output's products in its own "
                                        "blocked order (float32 results differ by up to ~8e-7 of the largest value)"}


def _tolerance(dtype):
    return FLOAT32_CONV if dtype == "float32" else {}


def run_conv(m, dim, x, w, b, dtype, unbatched=False, transposed=False, **kw):
    """One convolution (transposed: conv_transpose) and its backward on module m: (output, grad_fn
    name, the three gradients)."""
    dt = getattr(m, dtype)
    xs = x[0] if unbatched else x
    xt = m.tensor(xs, dtype=dt, requires_grad=True)
    wt = m.tensor(w, dtype=dt, requires_grad=True)
    bt = None if b is None else m.tensor(b, dtype=dt, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = getattr(m.nn.functional, f"conv_transpose{dim}d" if transposed else f"conv{dim}d")(xt, wt, bt, **kw)
    g = m.tensor(np.random.default_rng(5).standard_normal(tuple(y.shape)), dtype=dt)
    y.backward(g)
    return (y.detach(), type(y.grad_fn).__name__, xt.grad, wt.grad, None if bt is None else bt.grad)


def compare(dim, x, w, b, dtype, unbatched=False, transposed=False, **kw):
    ours = run_conv(ac, dim, x, w, b, dtype, unbatched, transposed, **kw)
    theirs = run_conv(torch, dim, x, w, b, dtype, unbatched, transposed, **kw)
    assert ours[1] == theirs[1]
    assert_close(ours, theirs, f"conv{dim}d {kw}", **_tolerance(dtype))


@st.composite
def convolutions(draw):
    """(dim, input, weight, bias or None, unbatched, kwargs): a valid convolution."""
    dim = draw(st.sampled_from([1, 2]))
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(dim))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dim))
    mode = draw(st.sampled_from(["int", "tuple", "valid", "same"]))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dim)) if mode != "same" else (1,) * dim
    padding = tuple(draw(st.integers(0, 2)) for _ in range(dim))
    sizes = tuple(max(d * (k - 1) + 1 - (2 * p if mode in ("int", "tuple") else 0), 1) + draw(st.integers(0, 5))
                  for k, d, p in zip(kernel, dilation, padding))
    kw = {"groups": groups}
    if mode == "int":
        kw.update(stride=stride[0], padding=padding[0], dilation=dilation[0])
        sizes = tuple(max(s, dilation[0] * (k - 1) + 1 - 2 * padding[0]) for s, k in zip(sizes, kernel))
    elif mode == "tuple":
        kw.update(stride=stride, padding=padding, dilation=dilation)
    else:
        kw.update(stride=stride, padding=mode, dilation=dilation)
        if mode == "valid":
            sizes = tuple(max(s, d * (k - 1) + 1) for s, k, d in zip(sizes, kernel, dilation))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, cg * groups) + sizes)
    w = rng.standard_normal((og * groups, cg) + kernel)
    b = rng.standard_normal(og * groups) if draw(st.booleans()) else None
    unbatched = n == 1 and draw(st.booleans())
    return dim, x, w, b, unbatched, kw


@PROPS
@given(convolutions(), st.sampled_from(["float32", "float64"]))
def test_convolution_matches_torch(case, dtype):
    """output, grad_fn name, d/d input, d/d weight, d/d bias (values, shapes, dtypes)"""
    dim, x, w, b, unbatched, kw = case
    compare(dim, x, w, b, dtype, unbatched, **kw)


@st.composite
def transposed_convolutions(draw):
    """(dim, input, weight (C_in, C_out / groups, *K), bias or None, unbatched, kwargs): a valid
    transposed convolution"""
    dim = draw(st.sampled_from([1, 2]))
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(dim))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dim))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(dim))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    # (the output has at least one element: (S - 1) s - 2p + d (K - 1) + op + 1 >= 1)
    sizes = tuple(draw(st.integers(1, 5)) + max(0, -(-(2 * p - d * (k - 1) - op) // s)) for k, d, p, s, op in
                  zip(kernel, dilation, padding, stride, output_padding))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = rng.standard_normal((n, cg * groups) + sizes)
    w = rng.standard_normal((cg * groups, og) + kernel)
    b = rng.standard_normal(og * groups) if draw(st.booleans()) else None
    unbatched = n == 1 and draw(st.booleans())
    kw = {"stride": stride, "padding": padding, "output_padding": output_padding, "dilation": dilation,
          "groups": groups}
    if draw(st.booleans()):  # (ints for all dims)
        kw.update(stride=stride[0], padding=padding[0], dilation=dilation[0],
                  output_padding=min(output_padding[0], max(stride[0], dilation[0]) - 1) if dim == 1 else 0)
        sizes = x.shape[2:]
        if any((s_ - 1) * stride[0] - 2 * padding[0] + dilation[0] * (k - 1) + kw["output_padding"] + 1 < 1
               for s_, k in zip(sizes, kernel)):
            kw["padding"] = 0
    return dim, x, w, b, unbatched, kw


@PROPS
@given(transposed_convolutions(), st.sampled_from(["float32", "float64"]))
def test_transposed_convolution_matches_torch(case, dtype):
    """conv_transpose1d / 2d: output, grad_fn name, the three gradients"""
    dim, x, w, b, unbatched, kw = case
    compare(dim, x, w, b, dtype, unbatched, transposed=True, **kw)


def second_derivatives(m, dim, x, w, b, unbatched, transposed, kw):
    """Under create_graph: the first gradients (values, grad_fn names) and the gradient of
    sum(first gradients * r) with respect to input, weight, bias and grad_output (float64)."""
    f = getattr(m.nn.functional, f"conv_transpose{dim}d" if transposed else f"conv{dim}d")
    xt = m.tensor(x[0] if unbatched else x, dtype=m.float64, requires_grad=True)
    wt = m.tensor(w, dtype=m.float64, requires_grad=True)
    bt = None if b is None else m.tensor(b, dtype=m.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = f(xt, wt, bt, **kw)
    rng = np.random.default_rng(11)
    v = m.tensor(rng.standard_normal(tuple(y.shape)), dtype=m.float64, requires_grad=True)
    leaves = [t for t in (xt, wt, bt) if t is not None]
    first = m.autograd.grad(y, leaves, v, create_graph=True)
    total = sum(((g * m.tensor(rng.standard_normal(tuple(g.shape)), dtype=m.float64)).sum() for g in first),
                m.tensor(0., dtype=m.float64))
    second = m.autograd.grad(total, leaves + [v], allow_unused=True)
    return ([g.detach() for g in first], [type(g.grad_fn).__name__ for g in first],
            [None if g is None else g.detach() for g in second])


@settings(derandomize=True, deadline=None, max_examples=40, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(convolutions().map(lambda c: c + (False,)), transposed_convolutions().map(lambda c: c + (True,))))
def test_second_derivatives_match_torch(case):
    """the rules of ConvolutionBackwardBackward0 (convolutions, transposed ones, the weight's
    gradient as a convolution of transposed tensors, narrowed) over the same range of arguments"""
    dim, x, w, b, unbatched, kw, transposed = case
    assert_close(second_derivatives(ac, dim, x, w, b, unbatched, transposed, kw),
                 second_derivatives(torch, dim, x, w, b, unbatched, transposed, kw), f"{kw}")


CASES = {
    # name: (dim, input shape, weight shape, bias, kwargs)
    "lenet-conv1": (2, (1, 1, 32, 32), (6, 1, 5, 5), True, {}),
    "lenet-conv2": (2, (4, 6, 14, 14), (16, 6, 5, 5), True, {}),
    "resnet-stem": (2, (2, 3, 32, 32), (8, 3, 7, 7), False, {"stride": 2, "padding": 3}),
    "resnet-3x3": (2, (2, 8, 8, 8), (8, 8, 3, 3), False, {"stride": 1, "padding": 1}),
    "resnet-downsample": (2, (2, 8, 8, 8), (16, 8, 1, 1), False, {"stride": 2}),
    "depthwise": (2, (2, 6, 9, 9), (6, 1, 3, 3), True, {"groups": 6, "padding": 1}),
    "grouped-dilated": (2, (1, 4, 11, 10), (6, 2, 3, 2), True, {"groups": 2, "dilation": (2, 3), "stride": (2, 1)}),
    "rectangular": (2, (3, 2, 7, 13), (3, 2, 2, 5), True, {"padding": (1, 2), "stride": (3, 2)}),
    "uncovered-input": (2, (1, 2, 8, 8), (3, 2, 3, 3), True, {"stride": 3}),  # (the last rows are never read)
    "same-even": (2, (2, 3, 6, 7), (4, 3, 4, 2), True, {"padding": "same"}),
    "same-dilated": (2, (2, 3, 9, 9), (4, 3, 3, 3), True, {"padding": "same", "dilation": 2}),
    "valid": (2, (2, 3, 9, 9), (4, 3, 3, 3), True, {"padding": "valid"}),
    "pointwise": (2, (2, 5, 4, 4), (3, 5, 1, 1), True, {}),
    "kernel-equals-input": (2, (2, 3, 4, 4), (5, 3, 4, 4), True, {}),
    "conv1d": (1, (4, 3, 20), (5, 3, 4), True, {"stride": 2, "padding": 1}),
    "conv1d-same": (1, (2, 2, 9), (3, 2, 4), False, {"padding": "same", "dilation": 1}),
    "conv1d-groups": (1, (2, 6, 12), (9, 2, 3), True, {"groups": 3, "dilation": 3}),
    "conv3d": (3, (2, 2, 5, 6, 4), (3, 2, 2, 3, 2), True, {"stride": (1, 2, 1), "padding": 1}),
    # transposed (weight (C_in, C_out / groups, *K)): DCGAN's generator layers, and the rest
    "dcgan-project": (2, (2, 16, 1, 1), (16, 8, 4, 4), False, {"transposed": True}),
    "dcgan-upsample": (2, (2, 8, 4, 4), (8, 4, 4, 4), False, {"transposed": True, "stride": 2, "padding": 1}),
    "transposed-grouped": (2, (1, 6, 4, 5), (6, 2, 3, 2), True, {"transposed": True, "groups": 3, "stride": (2, 3),
                                                                 "output_padding": (1, 2), "dilation": (1, 2)}),
    "transposed-1d": (1, (3, 2, 6), (2, 3, 5), True, {"transposed": True, "stride": 3, "padding": 2,
                                                       "output_padding": 1}),
    "transposed-3d": (3, (1, 2, 3, 2, 3), (2, 2, 2, 3, 2), True, {"transposed": True, "stride": 2}),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_named_convolutions_match_torch(name, dtype):
    dim, xs, ws, bias, kw = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    channels = ws[1] * kw.get("groups", 1) if kw.get("transposed") else ws[0]
    b = rng.standard_normal(channels) if bias else None
    compare(dim, rng.standard_normal(xs), rng.standard_normal(ws), b, dtype, **kw)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_integer_convolution_matches_torch(dtype):
    """ATen convolves integers too (in their own dtype, no gradient)"""
    def program(m):
        dt = getattr(m, dtype)
        x = m.arange(2 * 3 * 6 * 5).reshape(2, 3, 6, 5).to(dt) % 7
        w = m.arange(4 * 3 * 3 * 2).reshape(4, 3, 3, 2).to(dt) % 5
        return m.nn.functional.conv2d(x, w, stride=(2, 1), padding=1)
    assert_same(program, exact=True)


def test_float16_convolution_matches_torch():
    def program(m):
        x = m.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 5)), dtype=m.float16)
        w = m.tensor(np.random.default_rng(1).standard_normal((3, 2, 3, 3)) * 0.3, dtype=m.float16)
        return m.nn.functional.conv2d(x, w, padding=1)
    assert_same(program, loosen=4, because="float16 products summed in another order (ATen accumulates in float32)")


def _saved(m, grad_fn):
    names = sorted(n for n in dir(grad_fn) if n.startswith("_saved_") or n.startswith("_raw_saved_"))
    out = {}
    for n in names:
        if n.startswith("_raw_saved_"):
            continue
        v = getattr(grad_fn, n)
        out[n] = ("tensor", tuple(v.shape)) if isinstance(v, m.Tensor) else v
    return names, out


@pytest.mark.parametrize("kw", [
    {}, {"stride": 2, "padding": 1}, {"padding": (1,)}, {"stride": [2], "dilation": (2,)},
    {"padding": "valid", "stride": 2}, {"padding": "same"}, {"groups": 3, "bias": False},
])
def test_saved_attributes_match_torch(kw):
    """grad_fn._saved_* as torch shows them: the params as given (an int made a tuple of the
    function's size; 'valid' saves padding (0,)), bias_sym_sizes_opt (0,) without a bias, input and
    weight always saved (the tensors themselves); sizes and numbers readable after backward, the
    tensors not"""
    def program(m):
        kw2 = dict(kw)
        bias = kw2.pop("bias", True)
        x = m.ones(2, 6, 7, 7, requires_grad=True)
        w = m.ones(6, 6 // kw2.get("groups", 1), 3, 3)
        b = m.ones(6, requires_grad=True) if bias else None
        y = m.nn.functional.conv2d(x, w, b, **kw2)
        names, values = _saved(m, y.grad_fn)
        same_input = y.grad_fn._saved_input is x and y.grad_fn._saved_weight is w
        y.sum().backward()
        after = (y.grad_fn._saved_stride, y.grad_fn._saved_padding, y.grad_fn._saved_bias_sym_sizes_opt)
        try:
            y.grad_fn._saved_input
            freed = None
        except RuntimeError as e:
            freed = str(e)
        return names, values, same_input, [type(f).__name__ if f else None for f, _ in y.grad_fn.next_functions], \
            after, freed
    assert_same(program)


def test_create_graph_gradients_are_convolution_backward_nodes():
    """under create_graph each gradient's grad_fn is a ConvolutionBackwardBackward0 whose inputs are
    (grad_output, input, weight), with torch's saved attributes (PyTorch's one node gives all three
    gradients; here each gradient has its own node)"""
    def program(m):
        x = m.ones(1, 2, 5, 5, requires_grad=True)
        w = m.ones(3, 2, 3, 3, requires_grad=True)
        b = m.ones(3, requires_grad=True)
        y = m.nn.functional.conv2d(x, w, b, stride=2)
        gs = m.autograd.grad(y.sum(), (x, w, b), create_graph=True)
        out = []
        for g in gs:
            fn = g.grad_fn
            out.append((type(fn).__name__, [type(f).__name__ if f else None for f, _ in fn.next_functions],
                        _saved(m, fn)))
        return out
    assert_same(program)


def test_second_derivative_only_through_the_input_gradient_is_none():
    """d(x.grad)/dx is undefined in torch (the input's gradient does not read the input): None"""
    def program(m):
        x = m.ones(1, 1, 4, 4, requires_grad=True)
        w = m.ones(1, 1, 2, 2, requires_grad=True)
        gx, = m.autograd.grad(m.nn.functional.conv2d(x, w).pow(2).sum(), x, create_graph=True)
        return m.autograd.grad(gx.sum(), (x, w), allow_unused=True)
    assert_same(program)


@pytest.mark.parametrize("kw", [{"stride": 2, "output_padding": 1}, {"dilation": 2, "output_padding": 1}])
def test_transposed_output_padding_derivatives_as_torch(kw):
    """conv_transpose with an output_padding: first and second derivatives (values, the second's
    graph: plain convolutions that keep the output_padding), and the third derivative's error
    (PyTorch's plain convolution refuses the output_padding it was handed)"""
    def program(m):
        rng = np.random.default_rng(0)
        x = m.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
        w = m.tensor(rng.standard_normal((2, 3, 2, 3)), requires_grad=True)
        y = m.nn.functional.conv_transpose2d(x, w, **kw)
        v = m.tensor(rng.standard_normal(tuple(y.shape)), requires_grad=True)
        gx, gw = m.autograd.grad(y, (x, w), v, create_graph=True)
        out = [gx, gw]
        for t, wrt in ((gx, w), (gx, v), (gw, x), (gw, v)):
            g, = m.autograd.grad((t * t).sum(), wrt, create_graph=True)
            fn = g.grad_fn
            while type(fn).__name__ != "ConvolutionBackward0":
                fn = fn.next_functions[0][0]
            out.append((g, fn._saved_transposed, fn._saved_output_padding, fn._saved_stride, fn._saved_dilation))
        g, = m.autograd.grad((gw * gw).sum(), x, create_graph=True)
        try:
            m.autograd.grad(g.sum(), v)
        except RuntimeError as e:
            out.append(str(e))
        return out
    assert_same(program, **FLOAT32_CONV)


def _empty_program(xs, ws, transposed=False, **kw):
    def program(m):
        x, w = m.ones(*xs, requires_grad=True), m.ones(*ws, requires_grad=True)
        b = m.ones(ws[1] if transposed else ws[0], requires_grad=True)
        y = (m.nn.functional.conv_transpose2d if transposed else m.nn.functional.conv2d)(x, w, b, **kw)
        y.sum().backward()
        return y, type(y.grad_fn).__name__, x.grad, w.grad, b.grad
    return program


@pytest.mark.parametrize("case", [
    ((0, 3, 8, 8), (4, 3, 3, 3), {}),
    ((0, 3, 8, 8), (4, 3, 3, 3), {"stride": 2, "padding": 1}),
    ((2, 0, 8, 8), (4, 0, 3, 3), {}),  # (ATen gives (2, 0, 6, 6): as many channels as the input)
    ((2, 0, 8, 8), (4, 0, 3, 3), {"stride": 2}),
    ((0, 4, 3, 3), (4, 3, 3, 3), {"transposed": True}),
])
def test_empty_inputs_as_torch(case):
    xs, ws, kw = case
    assert_same(_empty_program(xs, ws, **kw))


def test_unbatched_input_graph():
    """an unbatched input is unsqueezed, convolved and squeezed: SqueezeBackward1 <- ConvolutionBackward0
    <- UnsqueezeBackward0"""
    def program(m):
        x = m.ones(3, 6, 6, requires_grad=True)
        y = m.nn.functional.conv2d(x, m.ones(2, 3, 3, 3))
        chain, fn = [], y.grad_fn
        while fn is not None:
            chain.append(type(fn).__name__)
            fn = fn.next_functions[0][0]
        return chain, tuple(y.shape)
    assert_same(program)


def test_padding_same_with_an_even_kernel_warns_and_pads():
    def program(m):
        x = m.ones(1, 1, 5, 5, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = m.nn.functional.conv2d(x, m.ones(1, 1, 4, 4), padding="same")
        y.sum().backward()
        msgs = [str(c.message) for c in caught]
        return y, x.grad, type(y.grad_fn.next_functions[0][0]).__name__, y.grad_fn._saved_padding, msgs
    assert_same(program)


def test_modified_input_refuses_backward_as_torch():
    def program(m):
        x = m.ones(1, 1, 4, 4, requires_grad=True)
        h = x * 2
        y = m.nn.functional.conv2d(h, m.ones(1, 1, 2, 2))
        h.add_(1)
        y.sum().backward()
    assert_same(program)


def test_second_backward_refuses_as_torch():
    def program(m):
        x = m.ones(1, 1, 4, 4, requires_grad=True)
        y = m.nn.functional.conv2d(x, m.ones(1, 1, 2, 2)).sum()
        y.backward()
        y.backward()
    assert_same(program)


# --- errors ----------------------------------------------------------------------------------------
def _x(m, *shape, dtype=None):
    return m.ones(*shape, dtype=dtype or m.float32)


ERRORS = {
    "rank-5d-input": lambda m: m.nn.functional.conv2d(_x(m, 1, 2, 3, 8, 8), _x(m, 4, 3, 3, 3)),
    "rank-2d-input": lambda m: m.nn.functional.conv2d(_x(m, 8, 8), _x(m, 4, 3, 3, 3)),
    "rank-conv1d": lambda m: m.nn.functional.conv1d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3)),
    "rank-conv1d-1d": lambda m: m.nn.functional.conv1d(_x(m, 5), _x(m, 2, 1, 3)),
    "channels": lambda m: m.nn.functional.conv2d(_x(m, 2, 5, 8, 8), _x(m, 4, 3, 3, 3)),
    "channels-conv1d": lambda m: m.nn.functional.conv1d(_x(m, 2, 5, 8), _x(m, 4, 3, 3)),
    "channels-groups": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), groups=2),
    "groups-divide-out-channels": lambda m: m.nn.functional.conv2d(_x(m, 2, 4, 8, 8), _x(m, 3, 2, 3, 3), groups=2),
    "groups-more-than-out-channels": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 0, 3, 3, 3)),
    "kernel-bigger-than-input": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 2, 2), _x(m, 4, 3, 3, 3)),
    "kernel-bigger-dilated": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), dilation=3),
    "kernel-bigger-conv1d": lambda m: m.nn.functional.conv1d(_x(m, 2, 3, 2), _x(m, 4, 3, 3)),
    "weight-rank": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3)),
    "weight-rank-2d": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3)),
    "weight-rank-5d": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3, 3)),
    "bias-size": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), _x(m, 3)),
    "bias-dtype": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), _x(m, 4, dtype=m.float64)),
    "bias-dtype-before-rank": lambda m: m.nn.functional.conv2d(_x(m, 8, 8), _x(m, 4, 3, 3, 3), _x(m, 4, dtype=m.float64)),
    "float64-input": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8, dtype=m.float64), _x(m, 4, 3, 3, 3)),
    "float64-weight": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3, dtype=m.float64)),
    "integer-input": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8, dtype=m.int64), _x(m, 4, 3, 3, 3)),
    "integer-weight": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3, dtype=m.int64)),
    "int32-int64": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8, dtype=m.int32), _x(m, 4, 3, 3, 3, dtype=m.int64)),
    "bool": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8, dtype=m.bool), _x(m, 4, 3, 3, 3, dtype=m.bool)),
    "bool-conv1d": lambda m: m.nn.functional.conv1d(_x(m, 2, 3, 8, dtype=m.bool), _x(m, 4, 3, 3, dtype=m.bool)),
    "same-strided": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), padding="same", stride=2),
    "same-strided-tuple": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), padding="same",
                                                           stride=(1, 2)),
    "bad-padding-string": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), padding="VALID"),
    "negative-padding": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), padding=-1),
    "zero-stride": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), stride=(1, 0)),
    "zero-dilation": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), dilation=0),
    "zero-groups": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), groups=0),
    "padding-before-stride": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), padding=-1,
                                                              stride=0),
    "stride-length": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), stride=(1, 1, 1)),
    "padding-length": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), padding=(1, 1, 1)),
    "input-not-a-tensor": lambda m: m.nn.functional.conv2d([1.0], _x(m, 4, 3, 3, 3)),
    "weight-a-number": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), 3.0),
    "bias-a-number": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), 3.0),
    "stride-a-float": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), stride=1.5),
    "stride-a-bool": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), stride=True),
    "groups-a-float": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), groups=1.0),
    "padding-none": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8), _x(m, 4, 3, 3, 3), padding=None),
    "parameter-weight-and-int-bias": lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 8, 8),
                                                                      m.nn.Parameter(_x(m, 4, 3, 3, 3)), 2),
    "module-channels": lambda m: m.nn.Conv2d(3, 4, 3)(_x(m, 1, 2, 8, 8)),
    "module-float64-input": lambda m: m.nn.Conv2d(3, 4, 3)(_x(m, 1, 3, 8, 8, dtype=m.float64)),
    "module-groups": lambda m: m.nn.Conv2d(3, 6, 3, groups=2),
    "module-out-groups": lambda m: m.nn.Conv2d(4, 6, 3, groups=4),
    "module-zero-groups": lambda m: m.nn.Conv2d(4, 6, 3, groups=0),
    "module-same-strided": lambda m: m.nn.Conv1d(3, 6, 3, padding="same", stride=2),
    # transposed
    "t-channels": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 5, 5, 5), _x(m, 4, 3, 3, 3)),
    "t-bias-size": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3), _x(m, 4)),
    "t-rank": lambda m: m.nn.functional.conv_transpose2d(_x(m, 5, 5), _x(m, 4, 3, 3, 3)),
    "t-output-padding": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3), stride=2,
                                                                   output_padding=2),
    "t-output-padding-1d": lambda m: m.nn.functional.conv_transpose1d(_x(m, 2, 4, 5), _x(m, 4, 3, 3),
                                                                      output_padding=1),
    "t-output-padding-3d": lambda m: m.nn.functional.conv_transpose3d(_x(m, 1, 4, 3, 3, 3), _x(m, 4, 3, 2, 2, 2),
                                                                      output_padding=1),
    "t-output-padding-negative": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3),
                                                                            output_padding=-1),
    "t-output-too-small": lambda m: m.nn.functional.conv_transpose2d(_x(m, 1, 4, 1, 1), _x(m, 4, 3, 3, 3), padding=3),
    "t-output-too-small-1d": lambda m: m.nn.functional.conv_transpose1d(_x(m, 1, 4, 1), _x(m, 4, 3, 3), padding=3),
    "t-groups": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3), groups=3),
    "t-float64-input": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5, dtype=m.float64), _x(m, 4, 3, 3, 3)),
    "t-float64-weight": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3, dtype=m.float64)),
    "t-float64-bias": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3),
                                                                 _x(m, 3, dtype=m.float64)),
    "t-float32-bias-of-float64": lambda m: m.nn.functional.conv_transpose2d(
        _x(m, 2, 4, 5, 5, dtype=m.float64), _x(m, 4, 3, 3, 3, dtype=m.float64), _x(m, 3)),
    "t-bool": lambda m: m.nn.functional.conv_transpose2d(_x(m, 1, 4, 3, 3, dtype=m.bool), _x(m, 4, 3, 3, 3, dtype=m.bool)),
    "t-bool-3d": lambda m: m.nn.functional.conv_transpose3d(_x(m, 1, 4, 3, 3, 3, dtype=m.bool),
                                                            _x(m, 4, 3, 2, 2, 2, dtype=m.bool)),
    "t-integer": lambda m: m.nn.functional.conv_transpose2d(_x(m, 1, 4, 3, 3, dtype=m.int64),
                                                            _x(m, 4, 3, 3, 3, dtype=m.int64), stride=2),
    "t-input-a-list": lambda m: m.nn.functional.conv_transpose2d([1.0], _x(m, 4, 3, 3, 3)),
    "t-bias-a-number": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3), 2.0),
    "t-padding-a-string": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3),
                                                                     padding="same"),
    "t-groups-a-float": lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 4, 5, 5), _x(m, 4, 3, 3, 3), groups=1.5),
    "t-module-padding-mode": lambda m: m.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect", groups=5),
    "t-module-padding-same": lambda m: repr(m.nn.ConvTranspose2d(4, 6, 3, padding="same")),
}
# messages that print a Python set: its order depends on the process's string hashing and on how the
# set was built, so they are compared with the set's elements sorted
SET_ERRORS = {
    "module-padding-string": lambda m: m.nn.Conv2d(3, 6, 3, padding="full"),
    "module-padding-mode": lambda m: m.nn.Conv2d(3, 6, 3, padding_mode="mirror"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    assert_same(ERRORS[name])


@pytest.mark.parametrize("name", sorted(SET_ERRORS))
def test_errors_printing_a_set_match_torch(name):
    def sorted_sets(message):
        return re.sub(r"\{([^}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)
    errors = []
    for m in (ac, torch):
        with pytest.raises(ValueError) as e:
            SET_ERRORS[name](m)
        errors.append(sorted_sets(str(e.value)))
    assert errors[0] == errors[1]


def test_the_argument_parsers_message_lists_the_overloads():
    with pytest.raises(TypeError) as e:
        ac.nn.functional.conv2d(ac.ones(1, 1, 3, 3), ac.ones(1, 1, 2, 2), stride="1")
    assert str(e.value).startswith("conv2d() received an invalid combination of arguments - got (Tensor, Tensor, "
                                   "stride=str), but expected one of:\n * (Tensor input, Tensor weight,")


# --- F.pad (mode "constant": the op padding="same" uses) ---------------------------------------------------
PADS = {
    "odd-length": lambda m: m.nn.functional.pad(m.ones(2, 3), (1,)),
    "too-long": lambda m: m.nn.functional.pad(m.ones(2, 3), (1, 1, 1, 1, 1, 1)),
    "0-dim": lambda m: m.nn.functional.pad(m.tensor(1.), (1, 1)),
    "cut-below-zero": lambda m: m.nn.functional.pad(m.ones(2, 3), (-2, -2)),
    "cut-to-zero": lambda m: m.nn.functional.pad(m.ones(2, 3), (-2, -1)),
    "value": lambda m: m.nn.functional.pad(m.arange(6.).reshape(2, 3), (1, 1, 2, 0), value=2.5),
    "integer-value-truncated": lambda m: m.nn.functional.pad(m.ones(2, 3, dtype=m.long), (1, 1), value=-2.5),
    "bool": lambda m: m.nn.functional.pad(m.ones(2, 3, dtype=m.bool), (1, 1), value=1),
    "list": lambda m: m.nn.functional.pad(m.ones(2, 3), [1, 1]),
    "float-width": lambda m: m.nn.functional.pad(m.ones(2, 3), (1.5, 1)),
    "unknown-mode": lambda m: m.nn.functional.pad(m.ones(2, 3), (1, 1), mode="foo"),
    "not-a-tensor": lambda m: m.nn.functional.pad([1.], (1, 1)),
    "gradient": lambda m: _pad_gradient(m, (1, 2, 0, 1)),
    "gradient-cut": lambda m: _pad_gradient(m, (1, -1, -1, 2)),
}


def _pad_gradient(m, pad):
    x = m.arange(12., requires_grad=True)
    y = m.nn.functional.pad(x.reshape(3, 4), pad, value=3.)
    (y * m.arange(float(y.numel())).reshape(y.shape)).sum().backward()
    return y, x.grad, y.grad_fn.name(), type(y.grad_fn.next_functions[0][0]).__name__


@pytest.mark.parametrize("name", sorted(PADS))
def test_pad_matches_torch(name):
    assert_same(PADS[name])


def test_other_pad_modes_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="padding mode 'reflect' is not implemented"):
        ac.nn.functional.pad(ac.ones(1, 2, 3), (1, 1), mode="reflect")


# --- gradcheck ------------------------------------------------------------------------------------
GRADCHECK = {
    "conv2d": (2, (2, 2, 5, 4), (3, 2, 3, 2), {"stride": (2, 1), "padding": 1}),
    "conv2d-groups-dilation": (2, (1, 4, 6, 6), (4, 2, 2, 2), {"groups": 2, "dilation": 2}),
    "conv1d-same": (1, (2, 3, 6), (2, 3, 4), {"padding": "same"}),
    "conv3d": (3, (1, 2, 4, 3, 4), (2, 2, 2, 2, 2), {"padding": (1, 0, 1)}),
    "conv_transpose2d": (2, (2, 4, 3, 3), (4, 1, 3, 2), {"transposed": True, "stride": 2, "padding": (1, 0),
                                                         "output_padding": (1, 0), "groups": 2}),
    "conv_transpose1d-dilated": (1, (1, 2, 4), (2, 3, 3), {"transposed": True, "dilation": 2, "output_padding": 1}),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_and_gradgradcheck(name):
    """finite differences agree with the first and the second derivatives (float64)"""
    dim, xs, ws, kw = GRADCHECK[name]
    kw = dict(kw)
    transposed = kw.pop("transposed", False)
    rng = np.random.default_rng(3)
    x = ac.tensor(rng.standard_normal(xs), dtype=ac.float64, requires_grad=True)
    w = ac.tensor(rng.standard_normal(ws), dtype=ac.float64, requires_grad=True)
    channels = ws[1] * kw.get("groups", 1) if transposed else ws[0]
    b = ac.tensor(rng.standard_normal(channels), dtype=ac.float64, requires_grad=True)
    f = getattr(ac.nn.functional, f"conv_transpose{dim}d" if transposed else f"conv{dim}d")

    def fn(x, w, b):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(x, w, b, **kw)
    assert ac.autograd.gradcheck(fn, (x, w, b))
    assert ac.autograd.gradgradcheck(fn, (x, w, b))


# --- the layers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("Conv2d", (1, 6, 5), {}),
    ("Conv2d", (4, 6, (3, 5)), {"stride": 2, "padding": 1, "dilation": (2, 1), "groups": 2, "bias": False}),
    ("Conv2d", (3, 8, 3), {"padding": "same"}),
    ("Conv2d", (3, 8, 1), {"padding": "valid", "stride": (1, 2)}),
    ("Conv1d", (4, 6, 3), {"padding": 2, "dilation": 2}),
    ("Conv1d", (4, 6, 3), {"padding": "same", "bias": False}),
    ("Conv3d", (2, 4, 3), {"stride": (1, 2, 2)}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "bias": False,
                                    "dilation": 2}),
    ("ConvTranspose2d", (100, 64, 4), {"stride": 1, "padding": 0, "bias": False}),  # (DCGAN's generator)
    ("ConvTranspose1d", (4, 6, 3), {"stride": 3, "padding": 1}),
    ("ConvTranspose3d", (2, 4, 2), {"stride": 2}),
])
def test_layers_match_torch(args):
    """repr, attributes, parameter shapes and names; the forward with torch's parameters copied in"""
    cls, pos, kw = args

    def program(m):
        layer = getattr(m.nn, cls)(*pos, **kw)
        attrs = {a: getattr(layer, a) for a in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                                                "dilation", "groups", "transposed", "output_padding",
                                                "padding_mode", "_reversed_padding_repeated_twice")}
        shapes = [(n, tuple(p.shape), p.dtype, p.requires_grad) for n, p in layer.named_parameters()]
        rng = np.random.default_rng(0)
        size = 4 if "Transpose" in cls else 9
        with m.no_grad():
            for p in layer.parameters():
                p.copy_(m.tensor(rng.standard_normal(tuple(p.shape)), dtype=p.dtype))
        dim = int(cls[-2])
        x = m.tensor(rng.standard_normal((2, pos[0]) + (size,) * dim), dtype=m.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = layer(x)
        y.sum().backward()
        return repr(layer), attrs, shapes, y, type(y.grad_fn).__name__, [p.grad for p in layer.parameters()]
    assert_same(program, **FLOAT32_CONV)


@pytest.mark.parametrize("output_size", [[12, 12], [1, 6, 11, 12], [13, 12], [12], [6, 11, 12]])
def test_transposed_layer_output_size_matches_torch(output_size):
    """ConvTranspose2d(x, output_size): the output_padding that reaches that size, or torch's ValueError"""
    def program(m):
        layer = m.nn.ConvTranspose2d(4, 6, 3, stride=2)
        x = m.ones(1, 4, 5, 5)
        return tuple(layer(x, output_size=output_size).shape), tuple(layer(x[0], output_size=output_size).shape)
    assert_same(program)


def test_layer_initialisation_is_torchs_distribution():
    """weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a=sqrt(5)), bias the same
    bound; fan_in = in_channels / groups * prod(kernel_size). Checked on many draws: the range is
    filled to the bound and no further, and the mean and variance are the uniform's."""
    ac.manual_seed(0)
    layer = ac.nn.Conv2d(64, 128, 3, groups=2)
    bound = 1 / math.sqrt(32 * 9)
    for p in (layer.weight, layer.bias):
        v = p.detach().numpy().astype(np.float64)
        assert np.abs(v).max() <= bound
        assert np.abs(v).max() > 0.98 * bound
        assert abs(v.mean()) < 0.05 * bound
        assert abs(v.var() / (bound ** 2 / 3) - 1) < (0.05 if v.size > 1000 else 0.3)
    assert layer.weight.dtype == ac.float32
    layer64 = ac.nn.Conv1d(2, 3, 4, dtype=ac.float64)
    assert layer64.weight.dtype == layer64.bias.dtype == ac.float64


def test_layer_seeded_initialisation_is_reproducible():
    ac.manual_seed(7)
    a = ac.nn.Conv2d(1, 6, 5)
    ac.manual_seed(7)
    b = ac.nn.Conv2d(1, 6, 5)
    assert ac.equal(a.weight, b.weight) and ac.equal(a.bias, b.bias)


def test_other_padding_modes_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        ac.nn.Conv2d(1, 1, 3, padding_mode="reflect")


# --- the 60-minute blitz's LeNet: a few SGD steps agree with torch --------------------------------------
def _lenet(m):
    F = m.nn.functional

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = m.nn.Conv2d(1, 6, 5)
            self.conv2 = m.nn.Conv2d(6, 16, 5)
            self.fc1 = m.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = m.nn.Linear(120, 84)
            self.fc3 = m.nn.Linear(84, 10)

        def forward(self, x):
            x = _pool2(F.relu(self.conv1(x)))
            x = _pool2(F.relu(self.conv2(x)))
            x = m.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net()


def _pool2(x):
    """2x2 max pooling from core ops (max over the two halves of each window)"""
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return x.max(5)[0].max(3)[0]


def test_lenet_training_steps_match_torch():
    def program(m):
        net = _lenet(m)
        rng = np.random.default_rng(0)
        with m.no_grad():
            for p in net.parameters():
                p.copy_(m.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=m.float32))
        opt = m.optim.SGD(net.parameters(), lr=0.01)
        losses = []
        for step in range(3):
            x = m.tensor(rng.standard_normal((1, 1, 32, 32)), dtype=m.float32)
            target = m.tensor(rng.standard_normal((1, 10)), dtype=m.float32)
            opt.zero_grad()
            loss = m.nn.MSELoss()(net(x), target)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        return losses, [p.detach() for p in net.parameters()]
    assert_same(program, **FLOAT32_CONV)


# --- the DCGAN tutorial's generator and discriminator (its layers and training step, at a small width) ---
def _dcgan(m, steps=2):
    """two DCGAN training steps (the tutorial's code, nz=8, ngf=ndf=4, batch 4 of 64x64 images)"""
    nn = m.nn
    nz, ngf, ndf, nc = 8, 4, 4, 3
    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
        def forward(self, input):
            return self.main(input)
    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())
        def forward(self, input):
            return self.main(input)
    rng = np.random.default_rng(0)
    netG, netD = Generator(), Discriminator()
    with m.no_grad():
        for net in (netG, netD):
            for name, p in net.named_parameters():
                p.copy_(m.tensor(rng.normal(1.0 if "weight" in name and p.ndim == 1 else 0.0, 0.02, tuple(p.shape)), dtype=m.float32))
    criterion = nn.BCELoss()
    optD = m.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optG = m.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    out = []
    for step in range(steps):
        real = m.tensor(rng.uniform(-1, 1, (4, nc, 64, 64)), dtype=m.float32)
        netD.zero_grad()
        label = m.full((4,), 1.0, dtype=m.float32)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        noise = m.tensor(rng.standard_normal((4, nz, 1, 1)), dtype=m.float32)
        fake = netG(noise)
        label.fill_(0.0)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        optD.step()
        netG.zero_grad()
        label.fill_(1.0)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optG.step()
        out.append((errD_real.detach(), errD_fake.detach(), errG.detach(), fake.detach()))
    return out, [p.detach() for p in netG.parameters()], [p.detach() for p in netD.parameters()]



def test_dcgan_training_steps_match_torch():
    assert_same(_dcgan, **FLOAT32_CONV)


def test_blitz_cifar10_net_training_steps_match_torch():
    """the 60-minute blitz's CIFAR-10 Net (nn.MaxPool2d, CrossEntropyLoss, SGD with momentum), as written there"""
    def program(m):
        nn, F = m.nn, m.nn.functional

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 6, 5)
                self.pool = nn.MaxPool2d(2, 2)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, x):
                x = self.pool(F.relu(self.conv1(x)))
                x = self.pool(F.relu(self.conv2(x)))
                x = m.flatten(x, 1)
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                return self.fc3(x)
        net = Net()
        rng = np.random.default_rng(1)
        with m.no_grad():
            for p in net.parameters():
                p.copy_(m.tensor(rng.uniform(-0.1, 0.1, tuple(p.shape)), dtype=m.float32))
        criterion = nn.CrossEntropyLoss()
        optimizer = m.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
        losses = []
        for _ in range(3):
            inputs = m.tensor(rng.uniform(-1, 1, (4, 3, 32, 32)), dtype=m.float32)
            labels = m.tensor(rng.integers(0, 10, 4))
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, [p.detach() for p in net.parameters()]
    assert_same(program, **FLOAT32_CONV)
