"""The forward pass's shortcuts give what the long way gives, bit for bit, as torch does.

- an op's kernel runs in a context where numpy's floating-point warnings are off; when that
  context is taken (another thread is inside it), the op sets the state itself;
- a Python float operand of float32 arithmetic is cast to float32 once and kept;
- an optimiser's untracked in-place write (w -= lr * g, g.zero_()) skips the checks that cannot fail.
"""
import math
import threading
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import autograd_core as ac
from autograd_core import _tensor
from torch_oracle import assert_close


OPERATORS = ["__add__", "__sub__", "__mul__", "__truediv__", "__radd__", "__rsub__", "__rmul__",
             "__rtruediv__"]
SPECIAL_NUMBERS = [1.001, 0.1, -2.5, 0.0, -0.0, 1e-30, 1e-40, -1e-45, 3.0e38, 3.5e38, 1e300, -1e300,
                   math.inf, -math.inf, math.nan, 7, -3, 2 ** 40]
VALUES = [0.1, -0.2, 0.0, -0.0, 1e30, -3e38, 1e-40, math.inf, math.nan]


def bits(a):
    return np.ascontiguousarray(a).view(np.uint32)


def assert_same_bits(ours, theirs):
    """torch's values bit for bit (the oracle's exact policy) and a zero's sign too (x * -0.0 is
    -0.0 where x * 0.0 is 0.0); a nan's sign, which no print shows, is not compared."""
    assert_close(ours, theirs, exact=True)
    a, b = ours._data, theirs.detach().numpy()
    signed = ~np.isnan(a)
    assert np.array_equal(np.signbit(a[signed]), np.signbit(b[signed])), (ours, theirs)


@pytest.mark.parametrize("number", SPECIAL_NUMBERS, ids=repr)
@pytest.mark.parametrize("operator", OPERATORS)
def test_a_number_operand_gives_torchs_bits(operator, number):
    """Asked twice: the second time the number may come from the cache."""
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (no RuntimeWarning where torch gives none)
            ours = getattr(ac.tensor(VALUES), operator)(number)
        theirs = getattr(torch.tensor(VALUES), operator)(number)
        assert_same_bits(ours, theirs)


@given(number=st.floats(width=64), values=st.lists(st.floats(width=32), min_size=1, max_size=6))
def test_any_float_operand_gives_torchs_bits(number, values):
    for operator in ("__add__", "__mul__", "__sub__", "__truediv__"):
        assert_same_bits(getattr(ac.tensor(values), operator)(number),
                         getattr(torch.tensor(values), operator)(number))


def test_the_graph_keeps_the_number_itself():
    """What backward and grad_fn show is the Python number (PyTorch saves it as a float64 0-d
    tensor), and the gradient is torch's."""
    x, tx = ac.tensor([0.5, 2.0], requires_grad=True), torch.tensor([0.5, 2.0], requires_grad=True)
    for _ in range(2):
        y, ty = x * 1.001, tx * 1.001
    saved, tsaved = y.grad_fn._saved_other, ty.grad_fn._saved_other
    assert (saved.dtype, saved.item()) == (ac.float64, 1.001) and tsaved.dtype == torch.float64
    assert y.grad_fn._args[1] == 1.001 and type(y.grad_fn._args[1]) is float
    y.sum().backward()
    ty.sum().backward()
    assert_same_bits(x.grad, tx.grad)


def test_the_kept_numbers_are_read_only_and_bounded():
    for number in (0.25, 1.25):
        ac.ones(2) * number
    cast = _tensor._F32_NUMBERS[1.25]
    assert cast.dtype == np.float32 and cast.shape == () and not cast.flags.writeable
    for zero in (0.0, -0.0):  # (a cache keyed by value cannot tell the two zeros apart)
        ac.ones(2) * zero
        assert zero not in _tensor._F32_NUMBERS
    for i in range(5000):
        ac.ones(1) + (1.0 + i / 8192)
    assert len(_tensor._F32_NUMBERS) <= 4096


def test_an_op_inside_the_quiet_context_sets_numpy_quiet_itself():
    """An op run while the kernels' context is taken (what another thread in it looks like)
    computes the same, silently, and numpy outside the engine still warns."""
    x = ac.tensor([1.0, 0.0, -1.0], requires_grad=True)

    w = ac.tensor([1.0, 2.0])

    def in_the_taken_context():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            w.sub_(ac.tensor([math.inf, 1.0])).sub_(ac.tensor([-math.inf, 0.5]))  # (-inf - -inf)
            return (x / 0).log(), x.sin() * 2.5

    ours, sine = _tensor._QUIET_CONTEXT.run(in_the_taken_context)
    tx = torch.tensor([1.0, 0.0, -1.0], requires_grad=True)
    assert_same_bits(ours, (tx / 0).log())
    assert_same_bits(sine, tx.sin() * 2.5)
    tw = torch.tensor([1.0, 2.0])
    tw.sub_(torch.tensor([math.inf, 1.0])).sub_(torch.tensor([-math.inf, 0.5]))
    assert (repr(w), w._version) == (repr(tw), tw._version) and "nan" in repr(w)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(np.zeros(1))


def test_ops_from_several_threads_agree_with_one_thread():
    x = ac.tensor(np.linspace(-3, 3, 50, dtype=np.float32))
    expected = ((x * 1.5 + 0.25).sin() / 0.5 - x.exp())._data
    results, errors = [], []

    def work():
        try:
            for _ in range(200):
                results.append(((x * 1.5 + 0.25).sin() / 0.5 - x.exp())._data)
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(e)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors and len(results) == 800
    assert all(np.array_equal(bits(r), bits(expected)) for r in results)  # (no nan here)


def test_an_optimiser_write_bumps_the_version_and_is_silent():
    results = []
    for m in (ac, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        g = w.grad
        before = g._version
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with m.no_grad():
                w -= m.tensor([math.inf, 1.0]) * 0.1
                w -= m.tensor([-math.inf, 0.0])  # -inf - -inf: nan, silently
            g.zero_()
        results.append((g._version - before, g.tolist(), w._version, repr(w.detach().numpy().tolist())))
    assert results[0] == results[1] and "nan" in results[0][3]


@pytest.mark.parametrize("make", ["randn(1)", "randn(20, 1)", "randn(16)", "rand(5, 3)", "normal(1.0, 2.0, (48,))",
                                  "randn_like(ac.zeros(4))", "rand_like(ac.zeros(3, 2))"])
def test_a_drawn_tensor_is_updated_in_place_on_the_fast_path(make, monkeypatch):
    """A random factory's float32 tensor holds an array of its own: w -= lr * w.grad on it takes the
    unchecked write (a view's base sent every update of the regression benchmark's w down the
    checked path: 7% of its time)."""
    from autograd_core import _tensor
    t = eval("ac." + make)  # noqa: S307 (a fixed list of calls)
    checked = []
    monkeypatch.setattr(_tensor, "_inplace_checked", lambda *a: checked.append(a))
    with ac.no_grad():
        t -= 0.5
    assert not checked


SPECIAL_FLOAT32 = np.array([0.0, -0.0, 1e-45, -1e-40, 1.1754942e-38, 0.5, -0.999, 1.0, -1.0, 1.0000001,
                            3.0e38, -3.4e38, math.inf, -math.inf, math.nan], np.float32)


def test_tanh_backward_gives_torchs_bits():
    """The backward of tanh from its saved result, float32 computed in one float64 array in place,
    is ATen's kernel (1 - out * out rounded once, times g) on random, special and subnormal values,
    for every layout the kernel may meet."""
    from autograd_core import _numerics
    rng = np.random.default_rng(3)
    out = np.concatenate([rng.uniform(-1, 1, 5000), rng.standard_normal(2000) * 10 ** rng.uniform(-40, 38, 2000),
                          SPECIAL_FLOAT32]).astype(np.float32)
    g = np.concatenate([rng.standard_normal(out.size - SPECIAL_FLOAT32.size).astype(np.float32),
                        SPECIAL_FLOAT32])
    rng.shuffle(g)
    g, out = g[:7000].reshape(70, 100), out[:7000].reshape(70, 100)
    for gg, oo in [(g, out), (g.T, out.T), (g[::2, 1::3], out[1::2, 1::3]), (g[0], out), (g[:1, :1].reshape(()), out)]:
        ours = _numerics.tanh_backward(gg, oo)
        theirs = torch.ops.aten.tanh_backward(torch.from_numpy(np.ascontiguousarray(gg)),
                                              torch.from_numpy(np.ascontiguousarray(oo))).numpy()
        nan = np.isnan(theirs)  # (a nan's sign and payload, which no print shows, are not compared)
        assert ours.shape == theirs.shape and np.array_equal(np.isnan(ours), nan)
        assert np.array_equal(bits(ours)[~nan], bits(theirs)[~nan])


@pytest.mark.parametrize("exponent", [2, 2.0])
def test_a_square_s_gradient_gives_torchs_bits_in_an_array_of_its_own(exponent):
    """x ** 2's gradient, g * (2 * x ** 1), reads x itself for x ** 1 (no copy): torch's bits, and
    .grad shares no memory with x."""
    x = np.concatenate([np.random.default_rng(4).standard_normal(50), SPECIAL_FLOAT32]).astype(np.float32)
    grads = []
    for m in (ac, torch):
        t = m.tensor(x, requires_grad=True)
        (t ** exponent).backward(m.tensor(x[::-1].copy()))
        grads.append(t.grad)
        if m is ac:
            assert not np.shares_memory(t.grad._data, t._data)
    assert_same_bits(*grads)


def test_sleef_expf_s_exponent_shortcut_gives_ldexp_s_bits():
    """From -86 to 88 sleef_expf scales by 2**q through u's exponent bits instead of ldexp: every
    result there equals the long way's (the same values in an array with one number outside, which
    takes ldexp), across the range and at its ends, for each layout; and x - max's sleef_expf
    (nonpositive: one range check) is the general one's."""
    from autograd_core import _numerics
    rng = np.random.default_rng(5)
    ends = np.array([-86.0, 88.0], np.float32)
    near = (ends.view(np.int32)[:, None] + np.arange(-3000, 3000, dtype=np.int32)).ravel().view(np.float32)
    d = np.concatenate([rng.uniform(-86, 88, 20000), rng.uniform(-1, 1, 4000), near,
                        [0.0, -0.0, 1e-45, -1e-45, -86.0, 88.0]]).astype(np.float32)
    d = d[: d.size // 64 * 64].reshape(-1, 64)
    assert _numerics.sleef_expf(d).min() >= np.finfo(np.float32).tiny  # (the shortcut's premise)
    # beyond the ends (subnormal results, inf): arrays that must take ldexp's path
    tails = [rng.uniform(-100, -86.01, 640).astype(np.float32).reshape(10, 64),
             rng.uniform(88.01, 99.9, 640).astype(np.float32).reshape(10, 64)]
    for layout in (d, d.T, d[::2, 1::3], d[0], *tails):
        fast = _numerics.sleef_expf(layout)
        outside = np.concatenate([layout.ravel(), [np.float32(-105)]])  # (ldexp's path for all)
        long_way = _numerics.sleef_expf(outside)[:-1].reshape(layout.shape)
        assert np.array_equal(bits(fast), bits(long_way))
        shifted = layout - layout.max()
        with np.errstate(all="ignore"):
            assert np.array_equal(bits(_numerics._sleef_expf(shifted, nonpositive=True)),
                                  bits(_numerics._sleef_expf(shifted)))


@pytest.mark.parametrize("special", [math.nan, math.inf, -math.inf, 3e38, -3e38, 1e-45])
def test_log_softmax_s_range_checks_give_torchs_bits_on_special_rows(special):
    """log_softmax checks each row sum's range with one reduction (a row sums to 1 or more, or nan):
    rows with a nan, an inf, a -inf, huge or tiny values, whole rows of them, give torch's values
    and gradients, bit for bit."""
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((12, 10)) * 30).astype(np.float32)
    x[1, 3] = special
    x[2, :] = special
    x[3, ::2] = special
    g = rng.standard_normal((12, 10)).astype(np.float32)
    outs, grads = [], []
    for m in (ac, torch):
        t = m.tensor(x, requires_grad=True)
        y = t.log_softmax(1)
        y.backward(m.tensor(g))
        outs.append(y)
        grads.append(t.grad)
    for ours, theirs in ((outs[0], outs[1]), (grads[0], grads[1])):
        ours, theirs = ours._data, theirs.detach().numpy()
        nan = np.isnan(theirs)  # (a nan's sign and payload, which no print shows, are not compared)
        assert np.array_equal(np.isnan(ours), nan)
        assert np.array_equal(bits(ours)[~nan], bits(theirs)[~nan])


def test_float32_fma_s_exact_ties_skip_the_nudge_and_inexact_ones_do_not():
    """The float32 FMA rounds a float64 sum lying on a float32 midpoint as the exact value lies: an
    exact sum (a tie, common in log_softmax's gradient of a one-hot loss) to even, an inexact one
    towards the exact value, each in arrays holding only ties and in arrays mixing both."""
    from autograd_core import _numerics
    x, w = np.float32(1 + 2.0 ** -23), np.float32(1.5)  # x * w = 1.5 + 2**-23 + 2**-24: a midpoint
    below, above = np.float32(1.5 + 2.0 ** -23), np.float32(1.5 + 2.0 ** -22)
    for b, expected in [([0.0, 0.0], [above, above]), ([-2.0 ** -80, 0.0, 2.0 ** -80], [below, above, above])]:
        n = len(b)
        ours = _numerics._f32_fma_rounded_once(np.full(n, x), np.float32(w), np.array(b, np.float32))
        assert ours.tolist() == expected
    # log_softmax's gradient with one-hot targets: g - exp(out) * sum(g), against torch's kernel
    rng = np.random.default_rng(8)
    out = ac.tensor(rng.standard_normal((256, 10)).astype(np.float32)).log_softmax(1)._data
    g = -np.eye(10, dtype=np.float32)[rng.integers(0, 10, 256)] / np.float32(64)
    theirs = torch.ops.aten._log_softmax_backward_data(torch.from_numpy(g), torch.from_numpy(out), 1,
                                                       torch.float32).numpy()
    assert np.array_equal(bits(_numerics.log_softmax_backward_data(g, out, 1)), bits(theirs))
