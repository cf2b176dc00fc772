"""Pooling, batch norm and channel dropout against PyTorch 2.13: values (bit for bit where the engine
computes as ATen does), gradients, grad_fn names and what they save, dtypes, running statistics,
state_dict keys, reprs, errors and warnings in torch's wording.

Every snippet runs on both libraries (``m`` is autograd_core or torch); the oracle compares.
"""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd_core as ac
import torch
from torch_oracle import assert_close, assert_same, graph_structure

BOTH = (ac, torch)


def _t(m, a, requires_grad=False, dtype=None):
    t = m.tensor(np.asarray(a))
    if dtype is not None:
        t = t.to(getattr(m, dtype))
    return t.requires_grad_() if requires_grad else t


def _data(seed, *shape, ties=False, scale=1.0):
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    if ties:  # (a few values only: maxima tie inside windows)
        x = np.round(x)
    return x.astype(np.float32)


def _forward_backward(m, f, x, seed=11):
    """(output(s), grad of x, grad_fn name) of f on x (float32) with an upstream gradient"""
    t = _t(m, x, requires_grad=True)
    out = f(m, t)
    y = out[0] if isinstance(out, tuple) else out
    g = np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(m.tensor(g))
    return out, t.grad, type(y.grad_fn).__name__


def _compare(f, x, exact=True):
    ours, theirs = (_forward_backward(m, f, x) for m in BOTH)
    assert ours[2] == theirs[2], "grad_fn"
    assert_close(ours[0], theirs[0], "values", exact=exact)
    assert_close(ours[1], theirs[1], "gradient", exact=exact)


# --- max pooling ---------------------------------------------------------------------------------------
MAX_POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), dilation=2),
    dict(kernel_size=3, stride=1, padding=1, dilation=2, ceil_mode=True),
    dict(kernel_size=2, stride=1),
    dict(kernel_size=(1, 3), stride=(2, 1), padding=(0, 1)),
]


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("kw", MAX_POOL_CASES, ids=[str(k) for k in MAX_POOL_CASES])
def test_max_pool2d_values_indices_gradients(kw, ties):
    """Bit for bit, and with ties the index (and so the gradient) is torch's: the first maximum."""
    x = _data(0, 2, 3, 7, 9, ties=ties)
    _compare(lambda m, t: m.nn.functional.max_pool2d(t, return_indices=True, **kw), x)


def test_max_pool2d_nan_and_minus_infinity():
    """A nan wins its window (the last nan); a window of -inf picks its first element inside the input."""
    x = _data(1, 2, 2, 6, 6)
    x[0, 0, 0, :2] = np.nan
    x[0, 0, 1, 0] = np.nan
    x[1, 1, :2, :2] = -np.inf
    x[1, 0, :, :3] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=1, padding=1)):
        _compare(lambda m, t: m.nn.functional.max_pool2d(t, return_indices=True, **kw), x)


def test_max_pool_on_unbatched_input_and_1d():
    _compare(lambda m, t: m.nn.functional.max_pool2d(t, 3, 2, 1, return_indices=True), _data(2, 3, 7, 6))
    _compare(lambda m, t: m.nn.functional.max_pool1d(t, 3, return_indices=True), _data(3, 2, 3, 10))
    _compare(lambda m, t: m.nn.functional.max_pool1d(t, 2, 1, 1, ceil_mode=True), _data(4, 3, 9, ties=True))


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_max_pool2d_dtypes(dtype):
    assert_same(lambda m: m.nn.functional.max_pool2d(m.arange(50).reshape(2, 5, 5).to(getattr(m, dtype)), 2,
                                                     return_indices=True), exact=True)
    assert_same(lambda m: m.nn.functional.max_pool2d(m.arange(50).reshape(2, 5, 5).to(getattr(m, dtype)), 3,
                                                     2, 1), exact=True)


def test_max_pool2d_grad_fn_and_saved_values():
    def saved(m):
        x = _t(m, _data(5, 2, 3, 6, 6), requires_grad=True)
        out = [m.nn.functional.max_pool2d(x, 2), m.nn.MaxPool2d(3, 2, 1, ceil_mode=True)(x)]
        return [(y.grad_fn.name(), y.grad_fn._saved_kernel_size, y.grad_fn._saved_stride,
                 y.grad_fn._saved_padding, y.grad_fn._saved_dilation, y.grad_fn._saved_ceil_mode,
                 y.grad_fn._saved_result1, tuple(y.grad_fn._saved_self.shape),
                 y.grad_fn._saved_self is x) for y in out]
    assert_same(saved, exact=True)


def test_pool1d_graphs_go_through_2d_ops():
    """max/avg/adaptive_avg_pool1d: unsqueeze(-2), the 2-d op, squeeze(-2) -- torch's graph"""
    def graphs(m):
        x = _t(m, _data(6, 2, 3, 10), requires_grad=True)
        F = m.nn.functional
        ys = [F.max_pool1d(x, 3), F.avg_pool1d(x, 3, 2, 1), F.adaptive_avg_pool1d(x, 4), F.adaptive_avg_pool1d(x, 1)]
        return [graph_structure(y.grad_fn, {id(x): 0}) for y in ys]
    assert_same(graphs)


# --- average pooling -------------------------------------------------------------------------------------
AVG_POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), divisor_override=4),
    dict(kernel_size=2, stride=1),
]


@pytest.mark.parametrize("kw", AVG_POOL_CASES, ids=[str(k) for k in AVG_POOL_CASES])
def test_avg_pool2d_values_gradients(kw):
    _compare(lambda m, t: m.nn.functional.avg_pool2d(t, **kw), _data(7, 2, 3, 7, 9))


def test_avg_pool_saved_values_dtypes_and_1d():
    def saved(m):
        x = _t(m, _data(8, 2, 3, 6, 6), requires_grad=True)
        y = m.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
        f = y.grad_fn
        return (f.name(), f._saved_kernel_size, f._saved_stride, f._saved_padding, f._saved_ceil_mode,
                f._saved_count_include_pad, f._saved_divisor_override, f._saved_self is x)
    assert_same(saved, exact=True)
    _compare(lambda m, t: m.nn.functional.avg_pool1d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False),
             _data(9, 2, 3, 10))
    # integer means truncate toward zero, as ATen's integer division
    assert_same(lambda m: m.nn.functional.avg_pool2d(m.arange(-25, 25).reshape(2, 5, 5), 2, 2, 1), exact=True)
    assert_same(lambda m: m.nn.functional.avg_pool2d(_t(m, _data(10, 2, 5, 5), dtype="float64"), 3, 1, 1),
                exact=True)


# --- adaptive average pooling ----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(3, 2), 4, (5, 7), (None, 2), (7, 9), (10, 11), (1, 3)])
def test_adaptive_avg_pool2d(size):
    _compare(lambda m, t: m.nn.functional.adaptive_avg_pool2d(t, size), _data(11, 2, 3, 7, 9))


def test_adaptive_avg_pool2d_to_nothing():
    """An empty output is made; its backward refuses, as ATen's"""
    def run(m):
        x = _t(m, _data(11, 2, 3, 4, 4), requires_grad=True)
        y = m.nn.functional.adaptive_avg_pool2d(x, (0, 3))
        shape = tuple(y.shape)
        y.sum().backward()
        return shape
    assert_same(run)


def test_adaptive_avg_pool_to_one_is_a_mean():
    """A 1x1 output is input.mean((-1, -2), keepdim=True) in ATen: MeanBackward1, its saved dims.
    (Values within float32's tolerance: the engine's mean over dims is not ATen's order yet.)"""
    _compare(lambda m, t: m.nn.functional.adaptive_avg_pool2d(t, 1), _data(12, 2, 3, 7, 9), exact=False)
    _compare(lambda m, t: m.nn.AdaptiveAvgPool2d((1, 1))(t), _data(12, 3, 5, 5), exact=False)
    assert_same(lambda m: m.nn.functional.adaptive_avg_pool2d(_t(m, _data(13, 4, 4)), 1))  # (2-d: a mean too)


def test_adaptive_saves_self_only():
    def saved(m):
        x = _t(m, _data(14, 2, 3, 6, 6), requires_grad=True)
        f = m.nn.functional.adaptive_avg_pool2d(x, (2, 3)).grad_fn
        return f.name(), sorted(a for a in dir(f) if a.startswith("_saved_")), f._saved_self is x
    assert_same(saved)


# --- random configurations: the same values, gradients, or the same error -----------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 9), w=st.integers(1, 9), k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       s=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
       p=st.tuples(st.integers(0, 2), st.integers(0, 2)), d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       ceil=st.booleans(), ties=st.booleans(), seed=st.integers(0, 1000))
def test_max_pool2d_random_configurations(h, w, k, s, p, d, ceil, ties, seed):
    x = _data(seed, 2, 2, h, w, ties=ties)
    assume(not _a_window_misses_the_input(h, w, k, s, p, d, ceil))

    def run(m):
        t = _t(m, x, requires_grad=True)
        y, i = m.nn.functional.max_pool2d(t, k, s, p, d, ceil, return_indices=True)
        y.backward(m.ones_like(y))
        return y, i, t.grad
    assert_same(run, exact=True)


def _a_window_misses_the_input(h, w, k, s, p, d, ceil):
    """Whether dilation steps some window over the whole input (torch then indexes outside the image)"""
    from autograd_core._pool_kernels import pooled_size
    for size, kk, ss, pp, dd in zip((h, w), k, s or k, p, d):
        if pp > ((kk - 1) * dd + 1) // 2 or kk // 2 < pp:
            return False  # (an error on both sides)
        out = pooled_size(size, kk, ss, pp, dd, ceil)
        for o in range(max(out, 0)):
            start = o * ss - pp
            first = start + (-start + dd - 1) // dd * dd if start < 0 else start
            if first >= size:
                return True
    return False


def test_max_pool2d_window_missing_the_input_is_an_error():
    """Torch returns -inf there, with an index outside the image its backward writes to: ours refuses"""
    x = torch.zeros(1, 1, 1, 1, requires_grad=True)
    y, i = torch.nn.functional.max_pool2d(x, (1, 2), padding=(0, 1), dilation=(1, 2), return_indices=True)
    assert y.item() == -float("inf") and i.item() == 1  # (index 1 of a 1-element image)
    with pytest.raises(RuntimeError, match="covers no element of the input"):
        ac.nn.functional.max_pool2d(ac.zeros(1, 1, 1, 1), (1, 2), padding=(0, 1), dilation=(1, 2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 9), w=st.integers(1, 9), k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       s=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
       p=st.tuples(st.integers(0, 2), st.integers(0, 2)), ceil=st.booleans(), count_pad=st.booleans(),
       divisor=st.sampled_from([None, 3]), seed=st.integers(0, 1000))
def test_avg_pool2d_random_configurations(h, w, k, s, p, ceil, count_pad, divisor, seed):
    x = _data(seed, 2, 2, h, w)

    def run(m):
        t = _t(m, x, requires_grad=True)
        y = m.nn.functional.avg_pool2d(t, k, s, p, ceil, count_pad, divisor)
        y.backward(m.tensor(np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(np.float32)))
        return y, t.grad
    assert_same(run, exact=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 12), w=st.integers(1, 12), oh=st.integers(1, 13), ow=st.integers(1, 13),
       seed=st.integers(0, 1000))
def test_adaptive_avg_pool2d_random_sizes(h, w, oh, ow, seed):
    if (oh, ow) == (1, 1):
        return  # (the mean: test_adaptive_avg_pool_to_one_is_a_mean)
    x = _data(seed, 2, 3, h, w)

    def run(m):
        t = _t(m, x, requires_grad=True)
        y = m.nn.functional.adaptive_avg_pool2d(t, (oh, ow))
        y.backward(m.tensor(np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(np.float32)))
        return y, t.grad
    assert_same(run, exact=True)


# --- errors ----------------------------------------------------------------------------------------------
X4 = lambda m: _t(m, _data(15, 2, 3, 6, 6))  # noqa: E731
POOL_ERRORS = {
    "max pad too big": lambda m: m.nn.functional.max_pool2d(X4(m), 2, padding=2),
    "avg pad too big": lambda m: m.nn.functional.avg_pool2d(X4(m), 2, padding=2),
    "max dilated pad": lambda m: m.nn.functional.max_pool2d(X4(m), 2, padding=2, dilation=3),
    "max output too small": lambda m: m.nn.functional.max_pool2d(X4(m), 7),
    "avg output too small": lambda m: m.nn.functional.avg_pool2d(X4(m), 7),
    "max 2-d input": lambda m: m.nn.functional.max_pool2d(X4(m)[0, 0], 2),
    "max 5-d input": lambda m: m.nn.functional.max_pool2d(X4(m)[None], 2),
    "avg 2-d input": lambda m: m.nn.functional.avg_pool2d(X4(m)[0, 0], 2),
    "avg 5-d input": lambda m: m.nn.functional.avg_pool2d(X4(m)[None], 2),
    "adaptive 2-d input": lambda m: m.nn.functional.adaptive_avg_pool2d(X4(m)[0, 0], 2),
    "max kernel 0": lambda m: m.nn.functional.max_pool2d(X4(m), 0),
    "max stride 0": lambda m: m.nn.functional.max_pool2d(X4(m), 2, 0),
    "max negative stride": lambda m: m.nn.functional.max_pool2d(X4(m), 2, -1),
    "max dilation 0": lambda m: m.nn.functional.max_pool2d(X4(m), 2, dilation=0),
    "max kernel of 3": lambda m: m.nn.functional.max_pool2d(X4(m), (2, 2, 2)),
    "avg kernel of 3": lambda m: m.nn.functional.avg_pool2d(X4(m), (2, 2, 2)),
    "avg divisor 0": lambda m: m.nn.functional.avg_pool2d(X4(m), 2, divisor_override=0),
    "adaptive negative": lambda m: m.nn.functional.adaptive_avg_pool2d(X4(m), -1),
    "adaptive 3 sizes": lambda m: m.nn.functional.adaptive_avg_pool2d(X4(m), (1, 2, 3)),
    "adaptive Long": lambda m: m.nn.functional.adaptive_avg_pool2d(m.arange(16).reshape(1, 4, 4), 2),
    "max_pool1d 4-d input": lambda m: m.nn.functional.max_pool1d(X4(m), 2),
    "max_pool1d padding": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 2, padding=2),
    "max_pool1d kernel pair": lambda m: m.nn.functional.max_pool1d(X4(m)[0], (2, 2)),
    "max_pool1d stride pair": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 2, (1, 1)),
    "max_pool1d padding pair": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 2, padding=(1, 1)),
    "max_pool1d dilation pair": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 2, dilation=(1, 1)),
    "max_pool1d kernel 0": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 0),
    "max_pool1d stride 0": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 2, 0),
    "max_pool1d negative padding": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 2, padding=-1),
    "max_pool1d dilation 0": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 2, dilation=0),
    "max_pool1d output too small": lambda m: m.nn.functional.max_pool1d(X4(m)[0], 9),
    "avg_pool1d kernel pair": lambda m: m.nn.functional.avg_pool1d(X4(m)[0], (2, 2)),
    "avg_pool1d kernel 0": lambda m: m.nn.functional.avg_pool1d(X4(m)[0], 0),
    "avg_pool1d output too small": lambda m: m.nn.functional.avg_pool1d(X4(m)[0], 9),
    "avg_pool1d 4-d input": lambda m: m.nn.functional.avg_pool1d(X4(m), 2),
    "adaptive_avg_pool1d 4-d input": lambda m: m.nn.functional.adaptive_avg_pool1d(X4(m), 2),
    "adaptive_avg_pool1d pair": lambda m: m.nn.functional.adaptive_avg_pool1d(X4(m)[0], (2, 2)),
    "adaptive None too many": lambda m: m.nn.functional.adaptive_avg_pool2d(X4(m)[0, 0, 0], (None, 2)),
}


@pytest.mark.parametrize("name", sorted(POOL_ERRORS))
def test_pool_errors_are_torchs(name):
    assert_same(POOL_ERRORS[name])


# --- batch norm ------------------------------------------------------------------------------------------
def _train_then_eval(m, shape, steps=4, module="BatchNorm2d", **kw):
    """steps training steps (output, input / weight / bias gradients, buffers), then eval; all returned"""
    rng = np.random.default_rng(21)
    bn = getattr(m.nn, module)(shape[1], **kw)
    if bn.weight is not None:
        with m.no_grad():
            bn.weight.copy_(m.tensor(rng.uniform(0.5, 1.5, shape[1]).astype(np.float32)))
            if bn.bias is not None:
                bn.bias.copy_(m.tensor(rng.standard_normal(shape[1]).astype(np.float32)))
    record = []
    for mode in ["train"] * steps + ["eval"]:
        bn.train(mode == "train")
        x = m.tensor((rng.standard_normal(shape) * 3 + 1).astype(np.float32), requires_grad=True)
        y = bn(x)
        y.backward(m.tensor(rng.standard_normal(shape).astype(np.float32)))
        grads = [p.grad.clone() if p.grad is not None else None for p in (x, bn.weight, bn.bias) if p is not None]
        bn.zero_grad()
        record.append(dict(mode=mode, out=y, grads=grads, grad_fn=y.grad_fn.name(),
                           state={k: v.clone() for k, v in bn.state_dict().items()}))
    return record, bn


BN_CASES = [
    ((8, 3, 5, 5), "BatchNorm2d", {}),
    ((8, 3, 5, 5), "BatchNorm2d", dict(momentum=None)),
    ((8, 3, 5, 5), "BatchNorm2d", dict(affine=False)),
    ((8, 3, 5, 5), "BatchNorm2d", dict(track_running_stats=False)),
    ((16, 4, 6, 6), "BatchNorm2d", dict(eps=1e-3, momentum=0.3)),
    ((8, 3, 5, 5), "BatchNorm2d", dict(bias=False)),
    ((32, 16, 8, 8), "BatchNorm2d", {}),
    ((4, 3, 7), "BatchNorm1d", {}),
    ((6, 5), "BatchNorm1d", {}),
    ((2, 11), "BatchNorm1d", {}),
    ((37, 20), "BatchNorm1d", dict(momentum=None)),
]


@pytest.mark.parametrize("shape, module, kw", BN_CASES, ids=[f"{m}{s}{k}" for s, m, k in BN_CASES])
def test_batch_norm_training_then_eval(shape, module, kw):
    """Outputs, running statistics and gradients bit for bit (an (N, C) input: ATen's channels-last
    kernel, its sums split between its threads: exact when ours counts the threads as torch does)."""
    ours, _ = _train_then_eval(ac, shape, module=module, **kw)
    theirs, _ = _train_then_eval(torch, shape, module=module, **kw)
    exact = len(shape) > 2 or torch.get_num_threads() == ac.get_num_threads()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a["grad_fn"] == b["grad_fn"] == "NativeBatchNormBackward0"
        assert list(a["state"]) == list(b["state"])
        assert_close(a["state"], b["state"], f"step {i} ({a['mode']}): buffers", exact=exact)
        assert_close(a["out"], b["out"], f"step {i} ({a['mode']}): output", exact=exact)
        assert_close(a["grads"], b["grads"], f"step {i} ({a['mode']}): gradients", exact=exact)


def test_batch_norm_saved_values():
    def saved(m):
        x = _t(m, _data(22, 4, 3, 2, 2), requires_grad=True)
        bn = m.nn.BatchNorm2d(3)
        out = []
        for mode in (True, False):
            bn.train(mode)
            f = bn(x).grad_fn
            out.append((f.name(), f._saved_eps, f._saved_training, tuple(f._saved_result1.shape),
                        tuple(f._saved_result2.shape), f._saved_input is x, f._saved_weight is bn.weight,
                        [n for n, _ in f.next_functions if n is not None] != []))
        bare = m.nn.functional.batch_norm(x, None, None, training=True).grad_fn
        out.append((bare._saved_weight, bare._saved_running_mean, bare._saved_running_var,
                    [n is None for n, _ in bare.next_functions]))
        return out
    assert_same(saved)
    f = ac.nn.functional
    x = ac.tensor(_data(23, 4, 3, 2, 2), requires_grad=True)
    node = f.batch_norm(x, None, None, training=True).grad_fn
    assert_close(node._saved_result1, torch.native_batch_norm(
        torch.tensor(_data(23, 4, 3, 2, 2)), None, None, None, None, True, 0.1, 1e-5)[1], exact=True)


def test_batch_norm_state_dict_repr_and_dtypes():
    def props(m):
        mods = [m.nn.BatchNorm2d(3), m.nn.BatchNorm1d(4, affine=False, momentum=None),
                m.nn.BatchNorm2d(3, track_running_stats=False, eps=1e-3), m.nn.BatchNorm2d(2, bias=False)]
        d = m.nn.BatchNorm2d(3).double()
        return ([repr(b) for b in mods], [list(b.state_dict()) for b in mods],
                [[n for n, _ in b.named_buffers()] for b in mods],
                [n for n, _ in mods[0].named_parameters()], d.running_mean.dtype, d.num_batches_tracked,
                m.nn.BatchNorm2d(3).state_dict()["num_batches_tracked"])
    assert_same(props, exact=True)


def test_batch_norm_state_dict_round_trip():
    """Buffers load into a fresh module; eval outputs are then the same"""
    rec, bn = _train_then_eval(ac, (8, 3, 4, 4))
    fresh = ac.nn.BatchNorm2d(3)
    fresh.load_state_dict(bn.state_dict())
    fresh.eval()
    bn.eval()
    x = ac.tensor(_data(24, 2, 3, 4, 4))
    assert_close(fresh(x), bn(x), exact=True)
    assert int(fresh.num_batches_tracked) == 4


BN_ERRORS = {
    "batch of one (1d)": lambda m: m.nn.BatchNorm1d(3)(m.randn(1, 3)),
    "batch of one (2d)": lambda m: m.nn.BatchNorm2d(3)(m.randn(1, 3, 1, 1)),
    "batch of one, functional": lambda m: m.nn.functional.batch_norm(m.randn(1, 3), None, None, training=True),
    "2d wants 4-d": lambda m: m.nn.BatchNorm2d(3)(m.randn(2, 3)),
    "1d wants 2-d or 3-d": lambda m: m.nn.BatchNorm1d(3)(m.randn(2, 3, 4, 4)),
    "wrong channels": lambda m: m.nn.BatchNorm2d(4)(m.randn(2, 3, 2, 2)),
    "wrong channels 1d": lambda m: m.nn.BatchNorm1d(4)(m.randn(2, 3)),
    "no running stats in eval": lambda m: m.nn.functional.batch_norm(m.randn(2, 3), None, None, training=False),
    "float64 input": lambda m: m.nn.BatchNorm2d(3)(m.randn(2, 3, 2, 2).double()),
    "long input": lambda m: m.nn.BatchNorm2d(3)(m.ones(2, 3, 2, 2).long()),
    "wrong weight size": lambda m: m.nn.functional.batch_norm(m.randn(2, 3), None, None, m.ones(4), training=True),
}


@pytest.mark.parametrize("name", sorted(BN_ERRORS))
def test_batch_norm_errors_are_torchs(name):
    assert_same(BN_ERRORS[name])


def test_batch_norm_of_an_empty_batch():
    assert_same(lambda m: m.nn.BatchNorm2d(3)(m.randn(0, 3, 2, 2)).shape)


def test_batch_norm_in_a_small_network_trains_as_torch():
    """Linear -> BatchNorm1d -> ReLU -> Linear, SGD: losses over a few steps, then eval"""
    rng = np.random.default_rng(30)
    xs, ys = rng.standard_normal((5, 16, 4)).astype(np.float32), rng.standard_normal((5, 16, 1)).astype(np.float32)
    w1, b1 = rng.standard_normal((8, 4)).astype(np.float32) * 0.5, rng.standard_normal(8).astype(np.float32) * 0.1
    w2, b2 = rng.standard_normal((1, 8)).astype(np.float32) * 0.5, np.zeros(1, np.float32)

    def run(m):
        net = m.nn.Sequential(m.nn.Linear(4, 8), m.nn.BatchNorm1d(8), m.nn.ReLU(), m.nn.Linear(8, 1))
        with m.no_grad():
            for p, v in zip(net.parameters(), (w1, b1, np.ones(8, np.float32), np.zeros(8, np.float32), w2, b2)):
                p.copy_(m.tensor(v))
        opt = m.optim.SGD(net.parameters(), lr=0.1)
        losses = []
        for x, y in zip(xs, ys):
            opt.zero_grad()
            loss = m.nn.functional.mse_loss(net(m.tensor(x)), m.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        net.eval()
        return losses, net(m.tensor(xs[0])), net[1].running_var
    ours, theirs = run(ac), run(torch)
    assert_close(ours, theirs, "losses, eval output, running_var")


# --- Dropout2d / Dropout1d: masks come from another generator, so semantics, not values -------------------
def test_dropout2d_zeros_whole_channels_and_scales():
    ac.manual_seed(0)
    x = ac.ones(64, 16, 3, 3, requires_grad=True)
    y = ac.nn.functional.dropout2d(x, 0.25)
    v = y.detach().numpy()
    per_channel = v.reshape(64, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == np.float32(1) / np.float32(0.75)).all(-1))
    kept = (per_channel[..., 0] != 0).mean()
    assert 0.65 < kept < 0.85  # (1024 channels: 0.75 within several standard deviations)
    assert y.grad_fn.name() == "MulBackward0" and tuple(y.grad_fn._saved_other.shape) == (64, 16, 1, 1)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy().reshape(64, 16, 9)[..., 0] != 0, per_channel[..., 0] != 0)


def test_dropout2d_modes_and_extremes():
    for m in BOTH:
        x = m.randn(4, 3, 2, 2)
        assert m.nn.functional.dropout2d(x, 0.0) is x
        assert m.nn.functional.dropout2d(x, 0.7, training=False) is x
        layer = m.nn.Dropout2d(0.7)
        layer.eval()
        assert layer(x) is x
    assert_same(lambda m: m.nn.functional.dropout2d(m.ones(2, 3, 2, 2, requires_grad=True), 1.0))
    assert_same(lambda m: (lambda y: (y.grad_fn.name(), tuple(y.grad_fn._saved_other.shape)))(
        m.nn.functional.dropout2d(m.ones(2, 3, 2, 2, requires_grad=True), 1.0)))
    x = ac.ones(8, 4, 5)
    y = ac.nn.functional.dropout1d(x, 0.5)
    assert np.all(np.ptp(y.numpy(), axis=-1) == 0)  # (each (sample, channel) row all kept or all zero)
    z = ac.ones(6, 5)
    ac.nn.functional.dropout1d(z, 0.5, inplace=True)
    assert np.all(np.ptp(z.numpy(), axis=-1) == 0) and set(np.unique(z.numpy())) <= {0.0, 2.0}


def test_dropout_of_p_0_or_an_empty_input_is_the_input_itself():
    """ATen's _dropout_impl returns its input when p == 0 (training or not) or it is empty: the same
    tensor (an in-place change of the result is one of the input), no node, no version bump."""
    for m in BOTH:
        x = m.ones(2, 3, requires_grad=True)
        assert m.nn.functional.dropout(x, 0.0) is x and m.nn.Dropout(0.0)(x) is x
        z = x * 1
        version = z._version
        assert m.nn.functional.dropout(z, 0.0, inplace=True) is z and z._version == version
        e = m.zeros(0, 2, requires_grad=True)
        assert m.nn.functional.dropout(e, 0.5) is e


DROPOUT_WARNINGS = {
    "2d on 3-d input": lambda m: m.nn.functional.dropout2d(m.ones(3, 4, 5), 0.0),
    "2d on 2-d input": lambda m: m.nn.functional.dropout2d(m.ones(3, 4), 0.0),
    "2d on 5-d input": lambda m: m.nn.functional.dropout2d(m.ones(1, 3, 4, 5, 6), 0.0),
    "2d on 4-d input": lambda m: m.nn.functional.dropout2d(m.ones(2, 3, 4, 5), 0.0),
}


@pytest.mark.parametrize("name", sorted(DROPOUT_WARNINGS))
def test_dropout_warnings_are_torchs(name):
    def messages(m):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            DROPOUT_WARNINGS[name](m)
        return [str(w.message) for w in caught]
    assert messages(ac) == messages(torch)


DROPOUT_ERRORS = {
    "2d p > 1": lambda m: m.nn.functional.dropout2d(m.ones(2, 3, 2, 2), 1.5),
    "Dropout2d p < 0": lambda m: m.nn.Dropout2d(-0.1),
    "Dropout1d p > 1": lambda m: m.nn.Dropout1d(1.5),
    "1d on 4-d input": lambda m: m.nn.functional.dropout1d(m.ones(2, 3, 4, 5)),
    "1d on 1-d input": lambda m: m.nn.functional.dropout1d(m.ones(3)),
    "2d on 1-d input": lambda m: m.nn.functional.dropout2d(m.ones(3)),
}


@pytest.mark.parametrize("name", sorted(DROPOUT_ERRORS))
def test_dropout_errors_are_torchs(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(DROPOUT_ERRORS[name])


# --- reprs (print(model) is in every tutorial) ------------------------------------------------------------
REPRS = [
    lambda m: m.nn.MaxPool2d(2),
    lambda m: m.nn.MaxPool2d(3, 2, 1, return_indices=True, ceil_mode=True),
    lambda m: m.nn.MaxPool2d((2, 3), dilation=2),
    lambda m: m.nn.MaxPool1d(2),
    lambda m: m.nn.AvgPool2d(2),
    lambda m: m.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False, divisor_override=2),
    lambda m: m.nn.AvgPool1d(3),
    lambda m: m.nn.AvgPool1d(3, 2, 1),
    lambda m: m.nn.AdaptiveAvgPool2d((1, 1)),
    lambda m: m.nn.AdaptiveAvgPool2d(7),
    lambda m: m.nn.AdaptiveAvgPool2d((None, 7)),
    lambda m: m.nn.AdaptiveAvgPool1d(3),
    lambda m: m.nn.BatchNorm2d(64),
    lambda m: m.nn.BatchNorm1d(4, eps=1e-3, momentum=None, affine=False),
    lambda m: m.nn.Dropout2d(),
    lambda m: m.nn.Dropout2d(0.3, inplace=True),
    lambda m: m.nn.Dropout1d(0.2),
    lambda m: m.nn.Sequential(m.nn.Linear(4, 8), m.nn.BatchNorm1d(8), m.nn.ReLU(), m.nn.Dropout2d(0.25),
                              m.nn.MaxPool1d(2), m.nn.AdaptiveAvgPool1d(1)),
]


@pytest.mark.parametrize("i", range(len(REPRS)))
def test_reprs_are_torchs(i):
    assert repr(REPRS[i](ac)) == repr(REPRS[i](torch))


def test_modules_call_the_functional_forms():
    """A module's forward is its functional form with its settings (stride defaults to the kernel)"""
    x = _data(31, 2, 3, 8, 8)
    for make in (lambda m: m.nn.MaxPool2d(3, 2, 1), lambda m: m.nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                 lambda m: m.nn.AdaptiveAvgPool2d((3, None)), lambda m: m.nn.MaxPool2d(2, return_indices=True)):
        _compare(lambda m, t: make(m)(t), x)
    _compare(lambda m, t: m.nn.MaxPool1d(3, 1, 1)(t), _data(32, 2, 3, 8))
    _compare(lambda m, t: m.nn.AvgPool1d(3)(t), _data(33, 2, 3, 8))


def test_a_small_cnn_trains_as_torch():
    """Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d -> Conv2d -> AdaptiveAvgPool2d -> Linear, SGD with
    momentum: losses, then the eval-mode output and the running statistics"""
    rng = np.random.default_rng(40)
    xs = rng.standard_normal((4, 8, 3, 12, 12)).astype(np.float32)
    ys = rng.integers(0, 5, size=(4, 8))
    weights = None

    def run(m):
        nonlocal weights
        net = m.nn.Sequential(m.nn.Conv2d(3, 6, 3, padding=1), m.nn.BatchNorm2d(6), m.nn.ReLU(),
                              m.nn.MaxPool2d(2), m.nn.Conv2d(6, 8, 3), m.nn.BatchNorm2d(8), m.nn.ReLU(),
                              m.nn.AdaptiveAvgPool2d((2, 2)), m.nn.Flatten(), m.nn.Linear(32, 5))
        if weights is None:
            weights = [np.random.default_rng(41 + i).standard_normal(tuple(p.shape)).astype(np.float32) * 0.3
                       for i, p in enumerate(net.parameters())]
        with m.no_grad():
            for p, w in zip(net.parameters(), weights):
                p.copy_(m.tensor(w))
        opt = m.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        losses = []
        for x, y in zip(xs, ys):
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(net(m.tensor(x)), m.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        net.eval()
        return losses, net(m.tensor(xs[0])), net[1].running_mean, net[5].running_var, print_net(net)

    def print_net(net):
        return repr(net)
    ours, theirs = run(ac), run(torch)
    assert ours[4] == theirs[4]
    assert_close(ours[:4], theirs[:4], "losses, eval output, running statistics")


def test_the_gradients_nodes_save_what_torchs_save():
    """Under create_graph the first gradient's node (…BackwardBackward0): its name, what it saves"""
    def saved(m):
        x = m.tensor(_data(50, 2, 3, 6, 6), requires_grad=True)
        F = m.nn.functional
        w, b = m.ones(3, requires_grad=True), m.zeros(3, requires_grad=True)
        out = []
        for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 2, 1), F.adaptive_avg_pool2d(x, (2, 4)),
                  F.batch_norm(x, m.zeros(3), m.ones(3), w, b, True), F.batch_norm(x, m.zeros(3), m.ones(3), w, b)):
            fn = m.autograd.grad(y, x, m.ones_like(y), create_graph=True)[0].grad_fn
            names = sorted(a for a in dir(fn) if a.startswith(("_saved", "_raw_saved")))
            out.append((fn.name(), names, [getattr(fn, a) for a in names if a.startswith("_saved")]))
        return out
    assert_same(saved, exact=True)


def test_float64_batch_norm_and_pooling():
    """The same float64 results (within float64's tolerance) through a double() network"""
    x = np.random.default_rng(60).standard_normal((4, 3, 6, 6))

    def run(m):
        net = m.nn.Sequential(m.nn.BatchNorm2d(3), m.nn.MaxPool2d(2), m.nn.AvgPool2d(3, 1, 1),
                              m.nn.AdaptiveAvgPool2d((2, 1))).double()
        t = m.tensor(x, requires_grad=True)
        y = net(t)
        y.backward(m.ones_like(y))
        net.eval()
        return y, t.grad, net[0].running_var, net[0].num_batches_tracked, net(m.tensor(x))
    assert_close(run(ac), run(torch))


def test_batch_norm_loads_a_state_dict_without_num_batches_tracked():
    """A plain dict of an older checkpoint (no num_batches_tracked) loads; the count stays the module's"""
    def run(m):
        net = m.nn.Sequential(m.nn.Linear(2, 3), m.nn.BatchNorm1d(3))
        net[1].num_batches_tracked.add_(5)
        old = {k: v.clone() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
        result = net.load_state_dict(old)
        return repr(result), net[1].num_batches_tracked
    assert_same(run)


def test_lazy_batch_norm():
    """LazyBatchNorm1d/2d: num_features from the first input; then a BatchNorm1d/2d, as torch's"""
    def run(m):
        net = m.nn.Sequential(m.nn.LazyBatchNorm2d(), m.nn.ReLU())
        bn1 = m.nn.LazyBatchNorm1d(affine=False, momentum=None)
        before = (repr(net), repr(bn1), list(net.state_dict()), list(bn1.state_dict()), net[0].has_uninitialized_params())
        x = m.tensor(np.arange(48, dtype=np.float32).reshape(2, 3, 2, 4) / 7, requires_grad=True)
        y = net(x)
        y.backward(m.ones_like(y))
        z = bn1(m.tensor(np.sin(np.arange(12, dtype=np.float32)).reshape(4, 3)))
        return (before, repr(net), repr(bn1), type(net[0]).__name__, type(bn1).__name__, y, x.grad, z,
                dict(net.state_dict()), dict(bn1.state_dict()), [p.shape for p in net.parameters()])
    assert_same(run, exact=True)
    assert_same(lambda m: m.nn.LazyBatchNorm2d()(m.ones(2, 3)))


GRADCHECKS = {
    "max_pool2d": (lambda m, x: m.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 5, 5)]),
    "max_pool1d": (lambda m, x: m.nn.functional.max_pool1d(x, 2, dilation=2), [(2, 3, 7)]),
    "avg_pool2d": (lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 5, 5)]),
    "adaptive_avg_pool2d": (lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 4)]),
    "batch_norm": (lambda m, x, w, b: m.nn.functional.batch_norm(x, None, None, w, b, True), [(4, 2, 3), (2,), (2,)]),
    "batch_norm-eval": (lambda m, x, w, b: m.nn.functional.batch_norm(
        x, m.tensor([0.1, -0.3], dtype=x.dtype), m.tensor([0.7, 1.3], dtype=x.dtype), w, b), [(4, 2, 3), (2,), (2,)]),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_autograd_gradcheck_and_gradgradcheck(name):
    """The engine's own autograd.gradcheck / gradgradcheck pass on these ops (torch's gradgradcheck
    passes on the same ops in test_double_backward.py)"""
    f, shapes = GRADCHECKS[name]
    rng = np.random.default_rng(70)
    arrays = [rng.permutation(int(np.prod(s))).reshape(s) * 0.37 - 1 for s in shapes]  # (no ties)
    xs = [ac.tensor(a, dtype=ac.float64, requires_grad=True) for a in arrays]
    assert ac.autograd.gradcheck(lambda *t: f(ac, *t), xs)
    assert ac.autograd.gradgradcheck(lambda *t: f(ac, *t), xs)
