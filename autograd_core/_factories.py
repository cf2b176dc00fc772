"""Tensor factories (zeros, arange, rand, ...) and the random generator behind rand/randn/randint.

The generator is our own (numpy's PCG64, seeded by manual_seed): deterministic, but not
bit-identical with PyTorch's.
"""
import builtins
import time

import numpy as np

from . import _dtypes
from ._numerics import dense as _dense
from ._tensor import Tensor, _from_data, _leaf, _make, _shape_arg, number_as

_F32 = np.dtype(np.float32)


class Generator:
    """Holds the random state; ``manual_seed(s)`` restarts it."""

    def __init__(self, seed=0):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return _make(np.frombuffer(repr(self._rng.bit_generator.state).encode(), dtype=np.uint8).copy(),
                     None, False)


default_generator = Generator(0)


def manual_seed(seed):
    """Make rand/randn/randint (and nn's initialisation) repeat from this seed."""
    return default_generator.manual_seed(seed)


def seed():
    s = time.time_ns() % (2 ** 63)
    default_generator.manual_seed(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def _dtype(dtype, default=_F32):
    d = _dtypes.resolve(dtype)
    return d.np if d is not None else default


def _finish(arr, requires_grad):
    return _leaf(arr, requires_grad)


def _size_keyword(factory):
    """Also accept the shape as size=... (torch.rand(size=(2, 4)), as d2l writes it)."""
    def with_size_keyword(*args, size=None, **kwargs):
        if size is not None:
            if args:
                raise TypeError(f"{factory.__name__}() received an invalid combination of arguments - "
                                f"got the size both positionally and as size=")
            args = (size,)
        return factory(*args, **kwargs)
    with_size_keyword.__name__ = with_size_keyword.__qualname__ = factory.__name__
    with_size_keyword.__doc__ = factory.__doc__
    return with_size_keyword


@_size_keyword
def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    _dtypes.cpu_only(device)
    return _finish(np.zeros(_shape_arg(size), dtype=_dtype(dtype)), requires_grad)


@_size_keyword
def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    _dtypes.cpu_only(device)
    return _finish(np.ones(_shape_arg(size), dtype=_dtype(dtype)), requires_grad)


@_size_keyword
def empty(*size, dtype=None, device=None, requires_grad=False, out=None):
    _dtypes.cpu_only(device)
    return _finish(np.empty(_shape_arg(size), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    _dtypes.cpu_only(device)
    fill_value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, (int, np.integer)) else _F32)
    dtype = _dtype(dtype)
    return _finish(np.full(_shape_arg((size,)), number_as(dtype, fill_value), dtype=dtype), requires_grad)


def _like(fn):
    def like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
        _dtypes.cpu_only(device)
        d = _dtypes.resolve(dtype) or input.dtype
        return _laid_out_as(input, fn(input.shape, dtype=d, requires_grad=requires_grad))
    like.__name__ = fn.__name__ + "_like"
    return like


def _laid_out_as(input, t):
    """t in input's memory layout, as PyTorch's *_like (preserve_format): a dense input's strides
    (a transposed one gives a transposed result), else contiguous."""
    a = input._data
    if a.ndim > 1 and not a.flags.c_contiguous and _dense(a):
        arr = np.empty_like(a, dtype=t._data.dtype, order="K")
        arr[...] = t._data
        t._data = arr
    return t


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    _dtypes.cpu_only(device)
    return _laid_out_as(input, full(input.shape, fill_value, dtype=_dtypes.resolve(dtype) or input.dtype,
                                    requires_grad=requires_grad))


def rand_like(input, dtype=None, device=None, requires_grad=False):
    _dtypes.cpu_only(device)
    return _laid_out_as(input, rand(input.shape, dtype=_dtypes.resolve(dtype) or input.dtype,
                                    requires_grad=requires_grad))


def randn_like(input, dtype=None, device=None, requires_grad=False):
    _dtypes.cpu_only(device)
    return _laid_out_as(input, randn(input.shape, dtype=_dtypes.resolve(dtype) or input.dtype,
                                     requires_grad=requires_grad))


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """[start, end) in steps; integers give int64, any float gives float32 (PyTorch's rule)."""
    _dtypes.cpu_only(device)
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (values[1] - values[0]) * values[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
    default = np.dtype(np.int64) if is_int else _F32
    n = builtins.max(0, int(np.ceil((values[1] - values[0]) / values[2])))
    arr = (values[0] + np.arange(n, dtype=np.float64) * values[2]) if not is_int else \
        np.arange(*values, dtype=np.int64)
    return _finish(arr.astype(_dtype(dtype, default)), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """steps evenly spaced values from start to end, rounded as ATen's CPU kernel rounds them, so that
    the last bits agree (tutorials print them: the middle of linspace(-2, 2, 101) is 4.47e-08, not 0):
    step = (end - start) / (steps - 1) in the result's dtype; element i is start + step * i before
    the halfway index and end - step * (steps - 1 - i) from it on, each a fused multiply-add (one
    rounding)."""
    _dtypes.cpu_only(device)
    dt, steps = _dtype(dtype), int(steps)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    if dt.kind != "f" or steps < 2:
        return _finish(np.linspace(start, end, steps).astype(dt), requires_grad)
    t = dt.type
    start, end = t(start), t(end)
    step = (end - start) / t(steps - 1)
    i = np.arange(steps)
    exact = np.longdouble if dt == np.float64 else np.float64  # wide enough for one rounding
    from_start = exact(start) + exact(step) * i.astype(exact)
    from_end = exact(end) - exact(step) * (steps - 1 - i).astype(exact)
    return _finish(np.where(i < steps // 2, from_start, from_end).astype(dt), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _dtypes.cpu_only(device)
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


@_size_keyword
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    _dtypes.cpu_only(device)
    g = generator or default_generator
    return _finish(g._rng.random(_shape_arg(size), dtype=np.float64).astype(_dtype(dtype)), requires_grad)


@_size_keyword
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    _dtypes.cpu_only(device)
    g = generator or default_generator
    return _finish(g._rng.standard_normal(_shape_arg(size)).astype(_dtype(dtype)), requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); int64 unless dtype says otherwise."""
    _dtypes.cpu_only(device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    g = generator or default_generator
    arr = g._rng.integers(low, high, size=_shape_arg((size,)))
    return _finish(arr.astype(_dtype(dtype, np.dtype(np.int64))), requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    _dtypes.cpu_only(device)
    g = generator or default_generator
    return _finish(g._rng.permutation(n).astype(_dtype(dtype, np.dtype(np.int64))), requires_grad)


def normal(mean, std, size=None, generator=None):
    g = generator or default_generator
    return _finish(g._rng.normal(mean, std, size=_shape_arg((size,)) if size else None).astype(_F32), False)


def from_numpy(array):
    """A tensor sharing memory with a numpy array (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return _leaf(array)  # shares the array's memory; a recorder sees the creation


def as_tensor(data, dtype=None, device=None):
    _dtypes.cpu_only(device)
    if isinstance(data, Tensor) and (dtype is None or _dtypes.resolve(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or _dtypes.resolve(dtype).np == data.dtype):
        return from_numpy(data)
    return _from_data(data, dtype)
