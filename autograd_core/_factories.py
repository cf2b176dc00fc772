"""Tensor factories (zeros, arange, rand, ...) and the random generator behind rand/randn/randint:
PyTorch's CPU generator (its numbers are _random.py's), so a seeded program draws torch's numbers.
"""
import builtins
import math
import time
from fractions import Fraction

import numpy as np

from . import _dtypes
from ._arguments import not_a_tensor
from ._functions import _write_out
from ._graph import STATE
from ._kernel_order import get_num_threads, set_num_threads  # noqa: F401  (torch.get_num_threads)
from ._numerics import checked_int, dense as _dense
from ._random import DEFAULT_SEED, STATE_SIZE, TorchRandom, in_memory_order
from ._refusals import type_name, warn as _warn
from ._tensor import Tensor, _created_shape, _from_data, _leaf, _make, _shape_arg, number_as

_F32 = np.dtype(np.float32)


class Generator:
    """Holds the random state (torch.Generator on the CPU); ``manual_seed(s)`` restarts it."""

    def __init__(self, device="cpu"):
        _dtypes.cpu_only(device)
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        self._seed = seed % (1 << 64)  # (PyTorch's is an unsigned 64-bit number: -1 is 2**64 - 1)
        self._random = TorchRandom(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as torch's: a uint8 tensor of 5056 bytes (set_state takes torch's too)."""
        return _make(np.frombuffer(self._random.to_bytes(), dtype=np.uint8).copy(), None, False)

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if new_state._data.size != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found the input RNG "
                               f"state size to be {new_state._data.size}")
        self._random = TorchRandom.from_bytes(new_state._data.tobytes())
        self._seed = self._random.seed
        return self


default_generator = Generator()
default_generator.manual_seed(0)  # (PyTorch's starts from a seed of the clock; this engine repeats itself)


def manual_seed(seed):
    """Make rand/randn/randint (and nn's initialisation) repeat from this seed."""
    return default_generator.manual_seed(seed)


def seed():
    s = time.time_ns() % (2 ** 63)
    default_generator.manual_seed(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state, as torch's (a uint8 tensor of 5056 bytes)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator to a state get_rng_state() gave."""
    default_generator.set_state(new_state)


def _dtype(dtype, default=_F32):
    d = _dtypes.resolve(dtype)
    return d.np if d is not None else default


def _finish(arr, requires_grad):
    return _leaf(arr, requires_grad)


def _factory_out(name, out, dtype, requires_grad, make, resized=None):
    """zeros(..., out=t) and the like: make(t's dtype)'s values written into t (resized silently,
    as ATen's factories resize; arange warns), t returned."""
    if not isinstance(out, Tensor):
        raise not_a_tensor(name, "out", out, position=None)
    want = _dtypes.resolve(dtype)
    if want is not None and want != out.dtype:
        raise RuntimeError(f"dtype {_dtypes.SCALAR_NAME[want]} does not match dtype of out parameter "
                           f"({_dtypes.SCALAR_NAME[out.dtype]})")
    if STATE.grad_enabled and out.requires_grad:
        raise RuntimeError(f"aten::{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if requires_grad and out._data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    result = _make(make(out._data.dtype), None, False)
    if resized is not None and out._data.shape != result._data.shape and out._data.size:
        resized(out, result)
    _write_out(out, result, warn_resize=False)
    if requires_grad:
        out.requires_grad_()
    return out


def _arange_resized(out, result):
    _warn(f"The number of elements in the out tensor of shape {list(out._data.shape)} is {out._data.size} "
          f"which does not match the computed number of elements {result._data.size}. Note that this "
          "may occur as a result of rounding error. The out tensor will be resized to a tensor of shape "
          f"({result._data.size},). (Triggered internally at "
          "/__w/pytorch/pytorch/aten/src/ATen/native/RangeFactories.cpp:199.)")


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
    _dtypes.factory_device(device)
    shape = _shape_arg(size)
    if any(s < 0 for s in shape):  # (zeros checks its sizes itself, in its own words)
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    if out is not None:
        return _factory_out("zeros", out, dtype, requires_grad, lambda d: np.zeros(shape, d))
    return _finish(np.zeros(shape, dtype=_dtype(dtype)), requires_grad)


@_size_keyword
def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    _dtypes.factory_device(device)
    if out is not None:
        return _factory_out("ones", out, dtype, requires_grad, lambda d: np.ones(_created_shape(size), d))
    return _finish(np.ones(_created_shape(size), dtype=_dtype(dtype)), requires_grad)


@_size_keyword
def empty(*size, dtype=None, device=None, requires_grad=False, out=None):
    _dtypes.factory_device(device)
    if out is not None:
        return _factory_out("empty", out, dtype, requires_grad, lambda d: np.empty(_created_shape(size), d))
    return _finish(np.empty(_created_shape(size), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    _dtypes.factory_device(device)
    fill_value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, (int, np.integer)) else _F32)
    dtype = _dtype(dtype)
    return _finish(np.full(_created_shape((size,)), number_as(dtype, fill_value), dtype=dtype), requires_grad)


def _like(fn):
    def like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
        _dtypes.cpu_only(device)
        d = _dtypes.resolve(dtype) or input.dtype
        return _laid_out_as(input, fn(input.shape, dtype=d, device=device or _dtypes.CPU,
                                      requires_grad=requires_grad))
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
                                    device=device or _dtypes.CPU, requires_grad=requires_grad))


def rand_like(input, dtype=None, device=None, requires_grad=False):
    """empty_like(input).uniform_(), as PyTorch's: drawn in the order of the result's memory"""
    return _drawn_like(input, dtype, device, requires_grad, lambda n, dt, contiguous:
                       default_generator._random.uniform(n, dt))


def randn_like(input, dtype=None, device=None, requires_grad=False):
    """empty_like(input).normal_(), as PyTorch's: drawn in the order of the result's memory (a
    transposed input's result is not contiguous: its normals come one by one)"""
    return _drawn_like(input, dtype, device, requires_grad, lambda n, dt, contiguous:
                       default_generator._random.normal(n, dt, contiguous=contiguous))


def _drawn_like(input, dtype, device, requires_grad, draw):
    """A new leaf laid out as empty_like(input), its values draw(n, dtype, contiguous) in memory order."""
    _dtypes.cpu_only(device)
    like = _laid_out_as(input, _make(np.empty(input.shape, _dtype(dtype, input._data.dtype)), None, False))._data
    return _finish(in_memory_order(like, draw(like.size, like.dtype, like.flags.c_contiguous)), requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """[start, end) in steps: integers give int64, any float gives float32 (PyTorch's rule), with
    ATen's CPU values to the last bit (see _arange_values)."""
    _dtypes.factory_device(device)
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if out is not None:
        return _factory_out("arange", out, dtype, requires_grad, lambda d: _keep_shape_of(out, _arange(values, d)),
                            _arange_resized)
    is_int = all(isinstance(v, (int, np.integer)) for v in values)  # (bools count as ints)
    dt = _dtype(dtype, np.dtype(np.int64) if is_int else _F32)
    return _finish(_arange(values, dt), requires_grad)


def _arange(values, dt):
    """ATen's arange_out: its checks (on the bounds as doubles), the length, then the values."""
    start, end, step = (builtins.float(v) for v in values)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (np.isfinite(start) and np.isfinite(end)):
        raise RuntimeError(f"unsupported range: {_c_number(start)} -> {_c_number(end)}")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt.kind == "b":
        raise NotImplementedError('"arange_cpu" not implemented for \'Bool\'')
    if dt.kind in "iu":  # ATen converts the bounds to int64 first (a fraction is cut off)
        xstart, xend, xstep = (builtins.int(v) for v in values)
        if dt == np.int64:  # (its length in integers: a step cut off to 0 is refused there)
            if xstep == 0:
                raise ValueError("step must be nonzero")
            sign = (xstep > 0) - (xstep < 0)
            size = _c_div(xend - xstart + xstep - sign, xstep)
        else:
            size = _ceil_size(start, end, step)
        _check_size(size)
        return (xstart + xstep * np.arange(builtins.max(size, 0), dtype=np.int64)).astype(dt)
    size = _ceil_size(start, end, step)
    _check_size(size)
    return _arange_values(start, step, builtins.int(size), dt)


def _keep_shape_of(out, values):
    """ATen's arange resizes out only when the number of elements differs."""
    return values.reshape(out.shape) if isinstance(out, Tensor) and values.size == out._data.size else values


def _c_div(a, b):
    """C++'s integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _ceil_size(start, end, step):
    with np.errstate(all="ignore"):
        return np.ceil(np.float64(end - start) / np.float64(step))


def _check_size(size):
    if not (size >= 0 and size <= 2.0 ** 63):
        raise RuntimeError("invalid size, possible overflow?")


def _c_number(x):
    """A double as C++'s ostream prints it (6 significant digits)."""
    return "%g" % x


_ARANGE_VECTOR = {np.dtype(np.float64): 4, np.dtype(np.float32): 8, np.dtype(np.float16): 16}


def _arange_values(start, step, n, dt):
    """Element i of ATen's CPU arange kernel, to the last bit: in double (its accumulate type),
    each product and sum one fused multiply-add, as the compiled kernel does them. The kernel
    writes vectors of V = 32 bytes (AVX2), two at a time: a vector starting at index i0 holds
    base, then fma(k, step, base) for k = 1..V-1, with base = fma(step, i0, start) rounded to the
    dtype first; the elements after the last pair of vectors are fma(step, i, start). Past 32768
    elements ATen splits the range between its threads (get_num_threads()), each chunk starting
    its own vectors."""
    values = np.empty(n, np.float64)
    for begin, end in _parallel_chunks(n):
        values[begin:end] = _arange_chunk(start, step, begin, end, dt)
    return values.astype(dt)


_GRAIN_SIZE = 32768  # at::internal::GRAIN_SIZE


def _parallel_chunks(n):
    """at::parallel_for's split of range(n) (OpenMP: min(threads, ceil(n / grain)) equal chunks)."""
    threads = get_num_threads()
    if n <= _GRAIN_SIZE or threads == 1:
        return [(0, n)]
    threads = builtins.min(threads, -(-n // _GRAIN_SIZE))
    chunk = -(-n // threads)
    return [(b, builtins.min(n, b + chunk)) for b in range(0, n, chunk)]


def _arange_chunk(start, step, begin, end, dt):
    V = _ARANGE_VECTOR.get(dt, 8)
    i = np.arange(begin, end, dtype=np.float64)
    main = (end - begin) // (2 * V) * 2 * V
    i0 = begin + np.floor((i[:main] - begin) / V) * V
    base = _fma(np.full(main, step), i0, np.full(main, start)).astype(dt).astype(np.float64)
    values = np.empty(end - begin, np.float64)
    values[:main] = np.where(i[:main] == i0, base, _fma(i[:main] - i0, np.full(main, step), base))
    values[main:] = _fma(np.full(len(i) - main, step), i[main:], np.full(len(i) - main, start))
    return values


_EXTENDED = np.finfo(np.longdouble).nmant >= 63  # x87's 80-bit long double


def _fma(a, b, c):
    """a * b + c rounded once to float64 (arrays): computed in long double, and exactly (with
    fractions) where long double's own rounding could move the result across a rounding boundary."""
    ld = np.longdouble
    d = np.empty(a.shape, np.float64)
    if _EXTENDED:
        product = a.astype(ld) * b.astype(ld)
        r = product + c.astype(ld)
        d[...] = r.astype(np.float64)
        half_ulp = np.spacing(np.abs(d)).astype(ld) / 2
        off = np.abs(np.abs(r - d.astype(ld)) - half_ulp)  # how far r is from a rounding boundary
        error = (np.abs(product) + np.abs(c).astype(ld)) * ld(2.0 ** -61)  # (long double's, bounded)
        mantissa = np.frexp(d)[0]
        unsure = (off <= error) | (np.abs(mantissa) == 0.5) | (d == 0)
        which = np.nonzero(unsure)[0]
    else:
        which = range(a.size)
    for k in which:
        exact = Fraction(builtins.float(a[k])) * Fraction(builtins.float(b[k])) + Fraction(builtins.float(c[k]))
        if exact == 0:  # (its sign: IEEE's for x + y, -0. only when both terms are -0.)
            product_zero = a[k] == 0 or b[k] == 0
            d[k] = builtins.float(c[k]) + builtins.float(a[k]) * builtins.float(b[k]) if product_zero else 0.0
        else:
            d[k] = builtins.float(exact)
    return d


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """steps evenly spaced values from start to end, rounded as ATen's CPU kernel rounds them, so that
    the last bits agree (tutorials print them: the middle of linspace(-2, 2, 101) is 4.47e-08, not 0):
    step = (end - start) / (steps - 1) in the result's dtype; element i is start + step * i before
    the halfway index and end - step * (steps - 1 - i) from it on, each a fused multiply-add (one
    rounding)."""
    _dtypes.factory_device(device)
    dt, steps = _dtype(dtype), int(steps)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    if steps == 1:  # (start itself: numpy's start + 0 * step would turn -0.0 into 0.0)
        return _finish(np.array([start]).astype(dt), requires_grad)
    if dt.kind != "f" or steps < 2:
        return _finish(np.linspace(start, end, steps).astype(dt), requires_grad)
    t = dt.type
    start, end = t(start), t(end)
    step = (end - start) / t(steps - 1)
    i = np.arange(steps)
    if dt == np.float64:  # (one rounding, as the compiled kernel's fused multiply-add)
        from_start = _fma(np.full(steps, step), i.astype(np.float64), np.full(steps, start))
        from_end = _fma(np.full(steps, -step), (steps - 1 - i).astype(np.float64), np.full(steps, end))
    elif dt == np.float32:
        from_start = _fma32(np.full(steps, step), i, np.full(steps, start))
        from_end = _fma32(np.full(steps, -step), steps - 1 - i, np.full(steps, end))
    else:
        from_start = np.float64(start) + np.float64(step) * i
        from_end = np.float64(end) - np.float64(step) * (steps - 1 - i)
    return _finish(np.where(i < steps // 2, from_start, from_end).astype(dt), requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """base ** x for steps evenly spaced x from start to end, as ATen's CPU loop computes them: start
    and end in the result's dtype, step = (end - start) / (steps - 1) in float64, element i
    base ** (start + step i) before the halfway index and base ** (end - step (steps - 1 - i)) from it
    on, each power in float64 by libm's pow (math.pow: numpy's power has SIMD kernels of its own, whose
    last bit differs), then cast to the dtype."""
    _dtypes.factory_device(device)
    dt, steps = _dtype(dtype), int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    base = builtins.float(base)
    if steps == 1:  # (fill_: an integer dtype checks the value's range)
        value = _pow(base, builtins.float(start))
        if dt.kind in "iu":
            value = checked_int(value, dt)
        return _finish(_from_doubles(np.array([value]), dt), requires_grad)
    start, end = np.array(start).astype(dt), np.array(end).astype(dt)
    step = np.float64(end - start) / (steps - 1)
    i = np.arange(steps)
    exponent = np.where(i < steps // 2, np.float64(start) + step * i, np.float64(end) - step * (steps - 1 - i))
    return _finish(_from_doubles(np.array([_pow(base, e) for e in exponent.tolist()]), dt), requires_grad)


def _from_doubles(values, dt):
    """float64 values cast to dt as C++ casts them (a c10::Half is made from a float: double -> float
    -> half, rounded twice)"""
    with np.errstate(all="ignore"):
        return (values.astype(np.float32) if dt == np.float16 else values).astype(dt)


def _pow(base, exponent):
    """C's pow: inf where math.pow raises OverflowError, nan where it raises ValueError (a negative
    base to a fractional power)"""
    try:
        return math.pow(base, exponent)
    except OverflowError:  # (-inf: a negative base to an odd whole power)
        odd = exponent.is_integer() and exponent % 2 == 1
        return -math.inf if base < 0 and odd else math.inf
    except ValueError:
        return math.nan


def _fma32(a, b, c):
    """a * b + c rounded once to float32 (a, c float32 arrays, b integers below 2 ** 29): the
    product is exact in float64; the sum, rounded to float64 first, rounds to the same float32
    unless it lands exactly halfway between two float32s, recomputed exactly then."""
    r = a.astype(np.float64) * b + c.astype(np.float64)
    f = r.astype(np.float32)
    gap = np.abs(r - f.astype(np.float64))
    spacing = np.spacing(np.abs(f)).astype(np.float64)
    for k in np.nonzero((gap == spacing / 2) | (gap == spacing / 4))[0]:
        exact = Fraction(builtins.float(a[k])) * builtins.int(b[k]) + Fraction(builtins.float(c[k]))
        f[k] = _round_to_float32(exact) if exact != 0 else f[k]
    return f


def _round_to_float32(x):
    """A fraction rounded to the nearest float32 (ties to even)."""
    lo = np.float32(builtins.float(x))  # (within a float32 step of x)
    below = lo if Fraction(builtins.float(lo)) <= x else np.nextafter(lo, np.float32(-np.inf))
    above = np.nextafter(below, np.float32(np.inf))
    d_below, d_above = x - Fraction(builtins.float(below)), Fraction(builtins.float(above)) - x
    if d_below != d_above:
        return below if d_below < d_above else above
    return below if (below.view(np.int32) & 1) == 0 else above


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _dtypes.factory_device(device)
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {size}")
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


@_size_keyword
def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    _dtypes.factory_device(device)
    g = generator or default_generator
    if out is not None:
        return _factory_out("rand", out, dtype, requires_grad, lambda d: _random_into(
            d, "check_uniform_bounds", size, lambda n: g._random.uniform(n, d)))
    dt = _dtype(dtype)
    return _finish(_drawn(size, lambda n: g._random.uniform(n, dt)), requires_grad)


@_size_keyword
def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    _dtypes.factory_device(device)
    g = generator or default_generator
    if out is not None:
        if isinstance(out, Tensor) and out.requires_grad and STATE.grad_enabled:
            raise RuntimeError("cannot resize variables that require grad")  # (ATen resizes first)
        return _factory_out("randn", out, dtype, requires_grad, lambda d: _random_into(
            d, "normal_kernel_cpu", size, lambda n: g._random.normal(n, d)))
    dt = _dtype(dtype)
    return _finish(_drawn(size, lambda n: g._random.normal(n, dt)), requires_grad)


def _drawn(size, draw):
    """A new tensor's values of this size, draw(n) of them in order: an array of its own (a view
    would send each in-place update of the tensor, w -= lr * w.grad, down the checked path)."""
    shape = _created_shape(size)
    values = draw(int(np.prod(shape)))
    values.shape = shape
    return values


def _random_into(dt, kernel, size, draw):
    """Random values of this size for an out= tensor of dtype dt (ATen's kernels fill only float
    dtypes)."""
    if dt.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_dtypes.SCALAR_NAME[_dtypes.FROM_NUMPY[dt]]}'")
    return _drawn(size, draw)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); int64 unless dtype says otherwise."""
    _dtypes.factory_device(device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    g = generator or default_generator
    arr = _drawn((size,), lambda n: g._random.integers(n, low, high))
    return _finish(arr.astype(_dtype(dtype, np.dtype(np.int64))), requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    _dtypes.factory_device(device)
    if not isinstance(n, (builtins.int, np.integer)) or isinstance(n, builtins.bool):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    g = generator or default_generator
    return _finish(g._random.permutation(n).astype(_dtype(dtype, np.dtype(np.int64))), requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Normal samples: mean + std * N(0, 1), of the tensors' broadcast shape and promoted dtype, or
    of size (float32) for numbers."""
    g = generator or default_generator
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        dt = tensors[0]._data.dtype if len(tensors) == 1 else np.result_type(*(t._data for t in tensors))
        m, s = (t._data if isinstance(t, Tensor) else t for t in (mean, std))
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        with np.errstate(all="ignore"):  # (ATen: normal_(0, 1), then * std, then + mean; inf * 0: nan)
            values = np.asarray(_drawn(shape, lambda n: g._random.normal(n, dt)) * s).astype(dt) + m
        return _finish(np.asarray(values).astype(dt), False)
    dt = _dtype(dtype)
    return _finish(_drawn((size,) if size else (), lambda n: g._random.normal(n, dt, mean, std)), requires_grad)


def from_numpy(array):
    """A tensor sharing memory with a numpy array (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type_name(array)})")
    return _leaf(array)  # shares the array's memory; a recorder sees the creation


def as_tensor(data, dtype=None, device=None):
    _dtypes.factory_device(device)
    if isinstance(data, Tensor) and (dtype is None or _dtypes.resolve(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or _dtypes.resolve(dtype).np == data.dtype):
        return from_numpy(data)
    return _from_data(data, dtype)
