"""The table of primitive ops: each op's forward and its backward, side by side.

A row is ``op(name, grad_fn, forward, *grads, saves=..., kind=...)``:
- ``forward(*inputs, **params)`` computes the output from numpy arrays (or Python numbers);
- ``grads`` holds one function per input, ``grad(g, *inputs, out, **params)`` = dL/d(input) given
  g = dL/d(out); the engine calls only those whose input needs a gradient, then reduces the result to
  the input's shape with ``unbroadcast`` (so no rule below deals with broadcasting);
- ``saves`` names what backward reads, as PyTorch's ``grad_fn._saved_*`` does (``unpack``, when
  given, is the order PyTorch's generated code reads them in: an error names the first changed): freed by
  backward (unless retain_graph=True) and checked against in-place modification; ``needs`` says,
  for a saved name, which inputs' gradients read it (PyTorch saves ``other`` of a product only
  when ``self`` requires grad): an in-place change to it is then an error only in those cases;
- ``kind`` decides the result dtype: "promote" (PyTorch's type promotion), "float" (an integer
  input gives float32), "same" (the input's dtype), "sum" (integers sum to int64); ``scalars`` names
  the number params that take part in the promotion (``0.5 - int_tensor`` is float32);
- ``layout`` is the memory layout ATen gives the result, which .view() and .stride() see:
  "contiguous", or "elementwise" (TensorIterator's order of its inputs' strides); by default
  numpy's, which is TensorIterator's for one input;
- ``refuse(*inputs, **params)`` raises PyTorch's error for operands it refuses (a bool subtraction); it is
  called when some input is not a float32 tensor (a float32 tensor is never refused).
"""
import numpy as np

from ._engine import CopySlices, Node
from ._kernel_order import iteration_order

OPS = {}


class Op:
    __slots__ = ("name", "grad_fn", "forward", "grads", "saves", "kind", "arg_names", "node_class",
                 "variadic", "saved_args", "saves_result", "scalars", "layout", "refuse")

    def __init__(self, name, grad_fn, forward, grads, saves, kind, arg_names, variadic, needs, scalars,
                 node_base, layout, refuse, unpack):
        self.name, self.grad_fn, self.forward, self.grads = name, grad_fn, forward, grads
        self.saves, self.kind, self.arg_names, self.variadic = saves, kind, arg_names, variadic
        # what backward reads, in PyTorch's unpacking order (`unpack`, else `saves`: the inputs as
        # its formulas first name them, then the result; its error names the first one changed):
        # (input index, or None for the result, which is always saved; the inputs whose gradient
        # reads it, or None for "always")
        self.saved_args = tuple((None if n == "result" else arg_names.index(n), needs.get(n))
                                for n in unpack or saves if n == "result" or n in arg_names)
        self.saves_result = "result" in saves
        self.scalars, self.layout, self.refuse = scalars, layout, refuse
        # one class per row, named as PyTorch names it, so type(y.grad_fn).__name__ matches
        self.node_class = type(grad_fn, (node_base,), {"__slots__": (), "op": self,
                                                       "_frees": bool(saves) or node_base._frees})

    def grad(self, i, g, args, out, params):
        """dL/d(input i) given g = dL/d(out)."""
        if self.variadic:
            return self.grads[0](i, g, args, out, **params)
        fn = self.grads[i]
        return fn(g, *args, out, **params) if params else fn(g, *args, out)

    def __repr__(self):
        return f"<op {self.name}: {self.grad_fn}>"


def op(name, grad_fn, forward, *grads, saves=(), kind="promote", arg_names=("self", "other"),
       variadic=False, needs=None, scalars=(), node_base=Node, layout=None, refuse=None, unpack=None):
    OPS[name] = Op(name, grad_fn, forward, grads, saves, kind, arg_names, variadic, needs or {},
                   scalars, node_base, layout, refuse, unpack)


_CROSS = {"self": (1,), "other": (0,)}  # a product: each input's gradient reads the other one


# --- helpers the rules share -------------------------------------------------------------------
def _in_float64(f):
    """f computed in float64 for float32 input, then rounded once: numpy's float32 exp/log/sin/tanh
    are off by an ulp far more often than PyTorch's (exp: 39% of inputs differ from torch, 1% this way),
    and tutorials print those last digits."""
    if isinstance(f, np.ufunc):  # a ufunc reads float32 and computes in float64 in one pass
        def f64(a, *args, **kwargs):
            if a.dtype == np.float32:
                return f(a, *args, dtype=np.float64, **kwargs).astype(np.float32)
            return f(a, *args, **kwargs)
        return f64

    def f64(a, *args, **kwargs):
        if a.dtype == np.float32:
            return f(a.astype(np.float64), *args, **kwargs).astype(np.float32)
        return f(a, *args, **kwargs)
    return f64


# --- full sums in PyTorch's order -------------------------------------------------------------------
# float32 addition is not associative, and tutorials print loss.item() to all its digits: a full sum
# adds in the order of ATen's CPU kernel (SumKernel.cpp, cascade_sum), which differs from numpy's
# pairwise order. Checked bit for bit against torch for every size up to 32768 (tests/
# test_numerics_vs_torch.py); longer sums are split between threads by ATen, so numpy's is kept.
_LANES_BYTES = 32  # ATen's reduction vectors (8 floats, 4 doubles)


def _ceil_log2(x):
    return 1 if x <= 2 else int(x - 1).bit_length()


def _in_order(acc, rows):
    """acc + rows[0] + rows[1] + ..., left to right (cumsum adds in order, np.sum need not)."""
    return np.cumsum(np.concatenate([acc[None], rows]), axis=0)[-1]


def _multi_row_sum(rows):
    """ATen's multi_row_sum: rows summed in blocks whose partial sums cascade through 4 levels."""
    size = rows.shape[0]
    power = max(4, _ceil_log2(size) // 4)
    step, mask = 1 << power, (1 << power) - 1
    acc = np.zeros((4,) + rows.shape[1:], dtype=rows.dtype)
    i = 0
    while i + step <= size:
        acc[0] = _in_order(acc[0], rows[i:i + step])
        i += step
        for j in range(1, 4):
            acc[j] = acc[j] + acc[j - 1]
            acc[j - 1] = 0
            if i & (mask << (j * power)):
                break
    if i < size:
        acc[0] = _in_order(acc[0], rows[i:])
    return acc[0] + acc[1] + acc[2] + acc[3]


def _row_sum(items):
    """ATen's row_sum: 4 interleaved accumulators (items i*4 + k), then the leftovers, then combined."""
    n4 = items.shape[0] // 4
    partial = _multi_row_sum(items[:n4 * 4].reshape((n4, 4) + items.shape[1:]))
    if n4 * 4 < items.shape[0]:
        partial[0] = _in_order(partial[0], items[n4 * 4:])
    return partial[0] + partial[1] + partial[2] + partial[3]


def _short_sum(x, lanes):
    """_torch_sum for fewer than 64 vectors, where every cascade level but the first stays empty:
    the same order with fewer numpy calls (the common case: a loss over a small batch)."""
    t = x.dtype.type
    n = x.size
    nv = n // lanes
    if nv == 0:  # no whole vector: the scalar row_sum (4 interleaved accumulators)
        n4 = n // 4
        acc = list(x[:4]) if n4 else [t(0)] * 4
        for k in range(4, 4 * n4):
            acc[k % 4] = acc[k % 4] + x[k]
        for v in x[4 * n4:]:
            acc[0] = acc[0] + v
        return ((acc[0] + acc[1]) + acc[2]) + acc[3]
    n4 = nv // 4
    vectors = x[:nv * lanes].reshape(nv, lanes)
    if n4:
        partial = np.cumsum(vectors[:4 * n4].reshape(n4, 4, lanes), axis=0)[-1]  # in order
        p0 = partial[0]
        for v in vectors[4 * n4:]:
            p0 = p0 + v
        lanes_sum = ((p0 + partial[1]) + partial[2]) + partial[3]
    else:
        lanes_sum = vectors[0]
        for v in vectors[1:]:
            lanes_sum = lanes_sum + v
    total = t(0)
    for v in x[nv * lanes:]:  # the leftover elements first, then the lanes
        total = total + v
    for v in lanes_sum:
        total = total + v
    return total


def _torch_sum(a):
    """sum of all elements of a, in ATen's order for float32/float64 (see above)."""
    if a.dtype.kind != "f" or a.dtype.itemsize < 4 or a.size > 32768 or a.size == 0 or not (
            a.flags.c_contiguous or a.flags.f_contiguous):
        return a.sum()
    x = a.ravel(order="K")
    lanes = _LANES_BYTES // a.dtype.itemsize
    if x.size < 64 * lanes:
        return np.asarray(_short_sum(x, lanes))
    nv = x.size // lanes
    vec = _row_sum(x[:nv * lanes].reshape(nv, lanes))
    total = _in_order(np.zeros((), x.dtype), x[nv * lanes:])  # the leftover elements first
    return np.asarray(_in_order(total, vec))


def _torch_mean(a):
    """ATen's mean: the sum, divided by the element count in the dtype."""
    if a.dtype.kind != "f" or a.size == 0:
        return a.mean()
    return np.asarray(_torch_sum(a) / a.dtype.type(a.size))


def _quiet(f):
    """f without numpy's RuntimeWarnings: log(-1) is nan and 1/0 is inf in PyTorch, silently."""
    def quiet(*args, **kwargs):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return f(*args, **kwargs)
    return quiet


def _expand(g, shape, dim, keepdim):
    """Undo a reduction over `dim`: put the reduced axes back and expand g to `shape` (a view of g,
    as PyTorch's sum_backward: autograd.grad may hand it out)."""
    if dim is not None and not keepdim:
        g = np.expand_dims(g, dim)
    return _expanded(g, shape)


def _count(shape, dim):
    return int(np.prod([shape[d] for d in dim])) if dim is not None else int(np.prod(shape))


def _into_zeros(g, shape, index):
    z = np.zeros(shape, dtype=g.dtype)
    z[index] = g
    return z


def _take(a, dim, index):
    # the trailing Ellipsis keeps a 0-d result a view (numpy would return a scalar copy)
    return (slice(None),) * dim + (index, Ellipsis)


def _pow_number(a, exponent):
    """a ** k for a number k, as ATen computes it: its exact special cases (x * x for 2, sqrt for
    0.5, 1 / sqrt(x) for -0.5, 1 / x for -1, ...), else C's pow."""
    k = exponent
    if k == 0:
        return np.ones_like(a)
    if k == 1:
        return a.copy()
    if k == 2:
        return a * a
    if k == 3:
        return a * a * a
    return _pow_number_rest(a, k)


@_quiet
def _pow_number_rest(a, k):
    if a.dtype.kind == "f":
        if k == 0.5:
            return np.sqrt(a)
        if k == -0.5:
            return 1 / np.sqrt(a)
        if k == -1:
            return 1 / a
        if k == -2:
            return 1 / (a * a)
    return np.power(a, k)


@_quiet
def _power(a, b):
    """C's pow, element by element. numpy's power takes a shortcut for a 0-d exponent of 0.5, 2,
    -1, ... (sqrt(-inf) is nan where pow(-inf, 0.5) is inf); PyTorch's tensor ** tensor does not."""
    if np.ndim(b) == 0 or np.size(b) == 1:
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        return np.power(np.reshape(a, (-1,)) if np.ndim(a) else np.reshape(a, (1,)),
                        np.full(max(np.size(a), 1), b, dtype=np.result_type(b))).reshape(shape)
    return np.power(a, b)


def _pow_tensors(a, b):
    """a ** b elementwise; integers as ATen's powi: a negative power is 0, except of 1 and -1."""
    if a.dtype.kind not in "iu" or not (b < 0).any():
        return _power(a, b)
    out = _power(a, np.where(b < 0, 0, b))
    odd = (b % 2) != 0
    return np.where(b >= 0, out, np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))).astype(out.dtype)


def _pow_grad(g, a, exponent, exponent_minus_one=None):
    """PyTorch's pow_backward(_self): 0 where the exponent is 0, else g * exponent * a ** (exponent - 1)
    (a number exponent False is not 0 there: Scalar::equal tells a bool from a number).
    exponent_minus_one: given when the exponent tensor had another dtype than the result, as
    torch computes exponent - 1 in the exponent's own dtype."""
    if not isinstance(exponent, np.ndarray):
        if exponent == 0 and exponent is not False:
            return np.zeros_like(g)
        return g * (exponent * _pow_number(a, exponent - 1))
    if exponent_minus_one is None:
        exponent_minus_one = exponent - 1
    else:
        exponent_minus_one = exponent_minus_one.astype(a.dtype)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(exponent == 0, 0, g * (exponent * _power(a, exponent_minus_one)))


def _rpow_grad(g, base, exponent, out):
    """d(base ** exponent)/d exponent for a number base. PyTorch 2.13 cannot read back a saved bool
    base (True ** x): its backward fails an internal assert, which is what a student sees."""
    if isinstance(base, bool):
        raise RuntimeError('false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/c10/core/Scalar.cpp":42, '
                           "please report a bug to PyTorch. unknown ivalue tag 4")
    return _pow_exponent_grad(g, base, exponent, out)


def _pow_grad_bool_checked(g, a, b, bool_exponent, exponent_minus_one):
    """pow_backward_self; with a bool exponent PyTorch's formula (exponent - 1) refuses."""
    if bool_exponent:
        _refuse_bool_subtraction(True, 1)
    return _pow_grad(g, a, b, exponent_minus_one)


@_quiet
def _pow_exponent_grad(g, a, b, out):
    """PyTorch's pow_backward_exponent: d(a ** b)/db = a ** b * log(a), defined as 0 where a == 0 and
    b >= 0 (a may be the number of ``2 ** x``)."""
    if np.ndim(a) == 0:
        log_a = out.dtype.type(np.log(a))  # (a number: PyTorch multiplies in the result's dtype)
        return g * np.where(b >= 0, 0, out * log_a) if a == 0 else g * (out * log_a)
    return g * np.where((a == 0) & (b >= 0), 0, out * np.log(a))


def _sign(a):
    """PyTorch's sign: -1, 0 or 1, and 0 for nan (numpy's is nan)."""
    if a.dtype.kind == "b":
        return a.copy()
    return np.subtract(a > 0, a < 0, dtype=a.dtype)


def _evenly(g, a, out):
    """PyTorch's evenly_distribute_backward: the gradient of max() / min() shared equally by the
    elements equal to the result (by the nans, when the result is nan)."""
    mask = np.isnan(a) if np.isnan(out) else a == out
    grad = np.zeros(a.shape, dtype=g.dtype)
    grad[mask] = g / g.dtype.type(mask.sum())
    return grad


def _norm(a, p, dim, keepdim):
    x = np.abs(a)
    if p == 2:
        return np.sqrt((x * x).sum(axis=dim, keepdims=keepdim))
    if p == 1:
        return x.sum(axis=dim, keepdims=keepdim)
    if p == float("inf"):
        return x.max(axis=dim, keepdims=keepdim)
    return (x ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)


def _norm_grad(g, a, out, p, dim, keepdim):
    """PyTorch's norm_backward, p by p: where the norm is 0 the scale is 0 (for p = 2 the ratio
    a / norm is zeroed before g multiplies it, so a nan or inf g still gives nan)."""
    g, out = _expand(g, a.shape, dim, keepdim), _expand(out, a.shape, dim, keepdim)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 1:
            return _sign(a) * g
        if p == 2:
            return g * np.where(out == 0, 0, a / out).astype(a.dtype, copy=False)
        if p == float("inf"):
            hit = (np.abs(a) == out) | np.isnan(a)
            count = _expand(hit.sum(axis=dim, keepdims=True), a.shape, dim, True)
            return _sign(a) * ((g / count.astype(a.dtype)) * hit)
        if p < 1:
            scaled = _sign(a) * np.where(a == 0, 0, np.abs(a) ** (p - 1)).astype(a.dtype, copy=False)
            return scaled * g * out ** (1 - p)
        scaled = _sign(a) * np.abs(a) ** (p - 1) if p < 2 else a * np.abs(a) ** (p - 2)
        return scaled * np.where(out == 0, 0, g / out ** (p - 1)).astype(a.dtype, copy=False)


def _softmax(a, dim):
    if a.size == 0:
        return np.empty_like(a)
    e = np.exp(a - a.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax(a, dim):
    if a.size == 0:
        return np.empty_like(a)
    shifted = a - a.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def _skipped_by_cat(a):
    """PyTorch's legacy rule: cat leaves out a 1-D tensor of size 0, whatever the others' shapes."""
    return a.ndim == 1 and a.shape[0] == 0


def _cat(*arrays, dim):
    kept = [a for a in arrays if not _skipped_by_cat(a)]
    return np.concatenate(kept, axis=dim) if kept else np.concatenate(arrays)


def _cat_grad(i, g, args, out, dim):
    if _skipped_by_cat(args[i]):
        return np.zeros(args[i].shape, g.dtype)
    start = sum(a.shape[dim] for a in args[:i] if not _skipped_by_cat(a))
    return g[_take(g, dim, slice(start, start + args[i].shape[dim]))]


def _expanded(a, shape):
    """a broadcast to shape as a view with ATen's strides (inferExpandGeometry: 0 where a dim is
    repeated, a's own elsewhere; a 0-d a's are all 0), writable as a is: fill_ and zero_ may write
    into it."""
    strides = [0] * len(shape)
    outer = a.itemsize if a.ndim else 0  # (a new leading dim's stride: the next one's size x stride)
    for i in range(len(shape) - 1, -1, -1):
        j = i - (len(shape) - a.ndim)  # a's dim, or < 0 for a new leading one
        size, stride = (a.shape[j], a.strides[j]) if j >= 0 else (1, outer)
        if size != shape[i]:
            stride = 0
        strides[i] = stride
        outer = shape[i] * stride
    return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=a.flags.writeable)


def _flipped(a, dims):
    """a reversed along dims, in new memory laid out as a's (PyTorch's flip copies)."""
    return _like(a, np.flip(a, dims))


def _dense(a):
    """PyTorch's is_non_overlapping_and_dense: the elements fill a block of memory, each once."""
    if a.ndim == 1:
        return a.shape[0] < 2 or a.strides[0] == a.itemsize
    dims = sorted((s, n) for n, s in zip(a.shape, a.strides) if n > 1)
    need = a.itemsize
    for stride, n in dims:
        if stride != need:
            return False
        need *= n
    return True


def _like(a, values):
    """values in a new array laid out as a is when a is dense, else in C order (ATen's empty_like)."""
    out = np.empty_like(a, order="K" if _dense(a) else "C")
    out[...] = values
    return out


def contiguous_layout(out):
    """out as a C-contiguous array whose size-1 dims too have C strides (numpy may keep others)."""
    if not out.flags.c_contiguous:
        return np.ascontiguousarray(out)
    if 1 in out.shape:
        step = out.itemsize
        for n, st in zip(reversed(out.shape), reversed(out.strides)):
            if st != step and n != 0:
                return out.copy()
            step *= n
    return out


def elementwise_layout(out, inputs):
    """out laid out as TensorIterator lays out an elementwise result: dims ordered by the inputs'
    strides, the first input that tells two dims apart deciding (x.t() + y keeps x.t()'s layout)."""
    arrays = [d for d in inputs if isinstance(d, np.ndarray) and d.ndim]
    shape, ndim = out.shape, out.ndim
    strides = []
    for d in arrays:  # broadcast dims have stride 0 and do not count
        pad = ndim - d.ndim
        strides.append((0,) * pad + tuple(0 if n == 1 and shape[pad + i] != 1 else st
                                          for i, (n, st) in enumerate(zip(d.shape, d.strides))))
    perm = iteration_order(shape, strides)  # fastest-moving dim first
    new_strides, step = [0] * ndim, out.itemsize
    for d in perm:
        new_strides[d] = step
        step *= shape[d]
    if tuple(new_strides) == out.strides:
        return out
    new = np.lib.stride_tricks.as_strided(np.empty(max(out.size, 1), out.dtype), shape, new_strides)
    new[...] = out
    return new


def not_implemented(kernel, dtype):
    """ATen's refusal of a dtype its kernel has no version for."""
    from . import _dtypes
    name = _dtypes.SCALAR_NAME[_dtypes.FROM_NUMPY[np.dtype(dtype)]]
    return NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _no_bool(kernel, message=None, unless_empty=False):
    """A refusal: ATen's `kernel` has no bool version (or refuses bool with `message`, before any
    kernel is chosen); unless_empty: a product with an empty operand returns before its kernel."""
    def refuse(*operands, **params):
        if unless_empty and any(isinstance(x, np.ndarray) and x.size == 0 for x in operands):
            return
        for x in operands:
            if isinstance(x, np.ndarray) and x.dtype == np.bool_:
                raise RuntimeError(message) if message else not_implemented(kernel, x.dtype)
    refuse.in_kernel = message is None  # (an in-place op checks its operands' memory first)
    return refuse


def _no_derivative(name):
    """The backward of an op PyTorch has no derivative for: an error when it runs."""
    def grad(*args, **params):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    return grad


def _is_bool(x):
    return isinstance(x, (bool, np.bool_)) or getattr(x, "dtype", None) == np.bool_


def _add_scaled(a, b, alpha):
    """a + alpha * b; of bools, PyTorch's a or (alpha and b)"""
    if _is_bool(a) and _is_bool(b):
        return np.logical_or(a, np.logical_and(b, bool(alpha)))
    return a + alpha * b


def _index_put_dtypes(a, value, index):
    """index_put_ of another dtype (a one-element value through one bool mask is PyTorch's
    masked_fill_, which casts it)."""
    masks = [i for i in index if isinstance(i, np.ndarray)]
    if np.size(value) == 1 and len(masks) == 1 and masks[0].dtype == np.bool_:
        return
    if a.dtype != value.dtype:
        from . import _dtypes
        names = [_dtypes.SCALAR_NAME[_dtypes.FROM_NUMPY[d]] for d in (a.dtype, value.dtype)]
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{names[0]} for the destination and {names[1]} for the source.")


def _refuse_negative_integer_power(a, exponent):
    if a.dtype.kind in "biu" and isinstance(exponent, (int, np.integer)) and not isinstance(
            exponent, (bool, np.bool_)) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def _refuse_bool_subtraction(*operands, **params):
    bools = sum(1 for x in operands if x is True or x is False or getattr(x, "dtype", None) == np.bool_)
    if bools == 2:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if bools:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _swap(m):
    return np.swapaxes(m, -1, -2)


def _picked(g, a, other, lost):
    """PyTorch's maximum/minimum backward: g where a was picked, g / 2 on a tie, 0 where a lost
    (a nan is picked: it is the result)."""
    return np.where(lost, 0, np.where(a == other, g / 2, g))


# --- the table -----------------------------------------------------------------------------------
#  name        grad_fn                 forward                                   backward, one per input
# add/sub/rsub take PyTorch's alpha (out = a + alpha * b) in the same node, as PyTorch does
op("add",      "AddBackward0",         lambda a, b, alpha=1: a + b if alpha == 1 else _add_scaled(a, b, alpha),
                                        lambda g, a, b, out, alpha=1: g,
                                        lambda g, a, b, out, alpha=1: g if alpha == 1 else g * alpha, layout="elementwise")
op("sub",      "SubBackward0",         lambda a, b, alpha=1: a - b if alpha == 1 else a - alpha * b,
                                        lambda g, a, b, out, alpha=1: g,
                                        lambda g, a, b, out, alpha=1: -g if alpha == 1 else g * -alpha, layout="elementwise", refuse=_refuse_bool_subtraction)
op("rsub",     "RsubBackward1",        lambda a, other, alpha=1: other - a if alpha == 1 else other - alpha * a,
                                        lambda g, a, out, other, alpha=1: -g if alpha == 1 else g * -alpha,
                                        scalars=("other",))
op("mul",      "MulBackward0",         lambda a, b: a * b,
                                        lambda g, a, b, out: g * b,
                                        lambda g, a, b, out: g * a, saves=("self", "other"), unpack=("other", "self"), needs=_CROSS, layout="elementwise")
op("div",      "DivBackward0",         lambda a, b: a / b,
                                        lambda g, a, b, out: g / b,
                                        lambda g, a, b, out: -g * a / (b * b),
                                        saves=("self", "other"), unpack=("other", "self"), kind="float",
                                        needs={"self": (1,), "other": (0, 1)}, layout="elementwise")
op("reciprocal", "ReciprocalBackward0", _quiet(lambda a: 1 / a),
                                        lambda g, a, out: -g * out * out, saves=("result",), kind="float")
op("neg",      "NegBackward0",         lambda a: -a,
                                        lambda g, a, out: -g, refuse=_no_bool(
                                            None, "Negation, the `-` operator, on a bool tensor is not supported. "
                                            "If you are trying to invert a mask, use the `~` or `logical_not()` "
                                            "operator instead."))
op("pow",      "PowBackward0",         _pow_number,
                                        lambda g, a, out, exponent: _pow_grad(g, a, exponent),
                                        saves=("self", "exponent"), scalars=("exponent",),
                                        refuse=_refuse_negative_integer_power)
op("pow_tensor", "PowBackward1",       lambda a, b, bool_exponent=False, exponent_minus_one=None: _pow_tensors(a, b),
                                        lambda g, a, b, out, bool_exponent=False, exponent_minus_one=None:
                                            _pow_grad_bool_checked(g, a, b, bool_exponent, exponent_minus_one),
                                        lambda g, a, b, out, bool_exponent=False, exponent_minus_one=None:
                                            _pow_exponent_grad(g, a, b, out),
                                        saves=("self", "exponent", "result"), unpack=("exponent", "self", "result"),
                                        arg_names=("self", "exponent"), layout="elementwise")
op("rpow",     "PowBackward2",         lambda a, base: np.ones_like(a) if base == 1 else _pow_tensors(np.asarray(base, a.dtype), a),
                                        lambda g, a, out, base: _rpow_grad(g, base, a, out),
                                        saves=("exponent", "result"), scalars=("base",), arg_names=("exponent",))
op("exp",      "ExpBackward0",         _quiet(_in_float64(np.exp)),
                                        lambda g, a, out: g * out, saves=("result",), kind="float")
op("log",      "LogBackward0",         _quiet(_in_float64(np.log)),
                                        lambda g, a, out: g / a, saves=("self",), kind="float")
op("sqrt",     "SqrtBackward0",        _quiet(np.sqrt),
                                        lambda g, a, out: g / (2 * out), saves=("result",), kind="float")
op("abs",      "AbsBackward0",         np.abs,
                                        lambda g, a, out: g * _sign(a), saves=("self",), refuse=_no_bool("abs_cpu"))
op("sign",     "SignBackward0",        _sign, lambda g, a, out: np.zeros_like(g), kind="same")
op("sin",      "SinBackward0",         _in_float64(np.sin),
                                        lambda g, a, out: g * np.cos(a), saves=("self",), kind="float")
op("cos",      "CosBackward0",         _in_float64(np.cos),
                                        lambda g, a, out: -g * np.sin(a), saves=("self",), kind="float")
op("tanh",     "TanhBackward0",        _in_float64(np.tanh),
                                        lambda g, a, out: g * (1 - out * out), saves=("result",),
                                        kind="float")
op("sigmoid",  "SigmoidBackward0",     _quiet(lambda a: 1 / (1 + np.exp(-a))),
                                        lambda g, a, out: g * out * (1 - out), saves=("result",),
                                        kind="float")
# max(a, m) is ATen's std::max: a on a tie (relu(-0.) is -0.), nan stays nan; numpy's maximum(m, a)
# keeps the second operand on a tie, so the operands are swapped
op("relu",     "ReluBackward0",        lambda a: np.maximum(0, a),
                                        lambda g, a, out: np.where(out <= 0, 0, g), saves=("result",),
                                        refuse=_no_bool(None, "Boolean inputs not supported for relu"))
op("clamp",    "ClampBackward1",       lambda a, min, max: _clamp(a, min, max),
                                        lambda g, a, out, min, max: np.where(
                                            ((a >= min) if min is not None else True)
                                            & ((a <= max) if max is not None else True), g, 0),
                                        saves=("self", "min", "max"), scalars=("min", "max"))
op("maximum",  "MaximumBackward0",     lambda a, b: np.maximum(b, a),
                                        lambda g, a, b, out: _picked(g, a, b, a < b),
                                        lambda g, a, b, out: _picked(g, a, b, a > b), saves=("self", "other"),
                                        unpack=("other", "self"), layout="elementwise")
op("minimum",  "MinimumBackward0",     lambda a, b: np.minimum(b, a),
                                        lambda g, a, b, out: _picked(g, a, b, a > b),
                                        lambda g, a, b, out: _picked(g, a, b, a < b), saves=("self", "other"),
                                        unpack=("other", "self"), layout="elementwise")
op("where",    "WhereBackward0",       lambda a, b, condition: elementwise_layout(np.where(condition, a, b),
                                                                                   [condition, a, b]),
                                        lambda g, a, b, out, condition: np.where(condition, g, 0),
                                        lambda g, a, b, out, condition: np.where(condition, 0, g),
                                        saves=("condition",))  # (its forward lays it out: the condition first)
# reductions
op("sum",      "SumBackward0",         lambda a: _torch_sum(a),
                                        lambda g, a, out: _expanded(g, a.shape), kind="sum")
op("sum_dim",  "SumBackward1",         lambda a, dim, keepdim: a.sum(axis=dim, keepdims=keepdim),
                                        lambda g, a, out, dim, keepdim: _expand(g, a.shape, dim, keepdim),
                                        kind="sum", layout="contiguous")
op("mean",     "MeanBackward0",        lambda a: _torch_mean(a),
                                        lambda g, a, out: np.broadcast_to(g, a.shape) / a.size)
op("mean_dim", "MeanBackward1",        lambda a, dim, keepdim: a.mean(axis=dim, keepdims=keepdim),
                                        lambda g, a, out, dim, keepdim: _expand(g, a.shape, dim, keepdim)
                                        / _count(a.shape, dim), layout="contiguous")
op("max",      "MaxBackward1",         lambda a: a.max(), _evenly, saves=("self", "result"), kind="same")
op("min",      "MinBackward1",         lambda a: a.min(), _evenly, saves=("self", "result"), kind="same")
op("max_dim",  "MaxBackward0",         lambda a, dim, keepdim, indices: _along(a, dim, keepdim, indices),
                                        lambda g, a, out, dim, keepdim, indices: _scatter(g, a.shape, dim, indices),
                                        saves=("indices",), kind="same", layout="contiguous")
op("min_dim",  "MinBackward0",         OPS["max_dim"].forward, OPS["max_dim"].grads[0],
                                        saves=("indices",), kind="same", layout="contiguous")
op("norm",     "LinalgVectorNormBackward0", _norm, _norm_grad, saves=("self", "result"), kind="float", layout="contiguous")
op("softmax",  "SoftmaxBackward0",     _softmax,
                                        lambda g, a, out, dim: out * (g - (g * out).sum(axis=dim, keepdims=True)),
                                        saves=("result",), kind="same", layout="contiguous")
op("log_softmax", "LogSoftmaxBackward0", _log_softmax,
                                        lambda g, a, out, dim: g - _in_float64(np.exp)(out) * g.sum(axis=dim, keepdims=True),
                                        saves=("result",), kind="same", layout="contiguous")
# linear algebra
op("mm",       "MmBackward0",          np.matmul,
                                        lambda g, a, b, out: g @ b.T,
                                        lambda g, a, b, out: a.T @ g, saves=("self", "mat2"), unpack=("mat2", "self"),
                                        needs={"self": (1,), "mat2": (0,)},
                                        arg_names=("self", "mat2"), refuse=_no_bool("addmm_impl_cpu_", unless_empty=True))
op("mv",       "MvBackward0",          np.matmul,
                                        lambda g, a, b, out: np.outer(g, b),
                                        lambda g, a, b, out: a.T @ g, saves=("self", "vec"),
                                        needs={"self": (1,), "vec": (0,)},
                                        arg_names=("self", "vec"), refuse=_no_bool("addmv_impl_cpu", unless_empty=True))
op("dot",      "DotBackward0",         lambda a, b: np.asarray(np.dot(a, b)),
                                        lambda g, a, b, out: g * b,
                                        lambda g, a, b, out: g * a, saves=("self", "tensor"),
                                        needs={"self": (1,), "tensor": (0,)},
                                        arg_names=("self", "tensor"), refuse=_no_bool("dot"))
op("bmm",      "BmmBackward0",         np.matmul,
                                        lambda g, a, b, out: g @ _swap(b),
                                        lambda g, a, b, out: _swap(a) @ g, saves=("self", "mat2"), unpack=("mat2", "self"),
                                        needs={"self": (1,), "mat2": (0,)},
                                        arg_names=("self", "mat2"), refuse=_no_bool("bmm", unless_empty=True))
# shapes and views (no arithmetic: the gradient is moved back where the value came from)
op("t",        "TBackward0",           lambda a: a.T,                         lambda g, a, out: g.T, kind="same")
op("transpose", "TransposeBackward0",  lambda a, dim0, dim1: np.swapaxes(a, dim0, dim1) if a.ndim else a.view(),
                                        lambda g, a, out, dim0, dim1: np.swapaxes(g, dim0, dim1) if g.ndim else g,
                                        kind="same")
op("permute",  "PermuteBackward0",     lambda a, dims: np.transpose(a, dims),
                                        lambda g, a, out, dims: np.transpose(g, np.argsort(dims)), kind="same")
op("view",     "ViewBackward0",        lambda a, shape: a.reshape(shape),
                                        lambda g, a, out, shape: g.reshape(a.shape), kind="same")
op("unsafe_view", "UnsafeViewBackward0", lambda a, shape: a.reshape(shape),
                                        lambda g, a, out, shape: g.reshape(a.shape), kind="same")
# reshape of a non-contiguous tensor that can still be a view (PyTorch's _reshape_alias)
op("reshape_alias", "ReshapeAliasBackward0", lambda a, shape: a.reshape(shape),
                                        lambda g, a, out, shape: g.reshape(a.shape), kind="same")
op("squeeze",  "SqueezeBackward0",     lambda a, dims: a.squeeze(axis=dims),
                                        lambda g, a, out, dims: g.reshape(a.shape), kind="same")
op("squeeze_dim", "SqueezeBackward1",  lambda a, dims: a.squeeze(axis=dims),
                                        lambda g, a, out, dims: g.reshape(a.shape), kind="same")
op("squeeze_", "SqueezeBackward4",     lambda a, dims: a.squeeze(axis=dims),
                                        lambda g, a, out, dims: g.reshape(a.shape), kind="same")
op("unsqueeze", "UnsqueezeBackward0",  lambda a, dim: np.expand_dims(a, dim),
                                        lambda g, a, out, dim: g.reshape(a.shape), kind="same")
op("expand",   "ExpandBackward0",      lambda a, shape: _expanded(a, shape),
                                        lambda g, a, out, shape: g, kind="same")
op("clone",    "CloneBackward0",       lambda a, contiguous=False: np.copy(a, order="K" if _dense(a) and not contiguous else "C"),
                                        lambda g, a, out, contiguous=False: g, kind="same")  # (K: a's layout)
op("alias",    "AliasBackward0",       lambda a: a.view(),                    lambda g, a, out: g, kind="same")
op("to",       "ToCopyBackward0",      lambda a, dtype: a.astype(dtype, order="K" if _dense(a) else "C"),      lambda g, a, out, dtype: g,
                                        kind="same")
op("select",   "SelectBackward0",      lambda a, dim, index: a[_take(a, dim, index)],
                                        lambda g, a, out, dim, index: _into_zeros(g, a.shape, _take(a, dim, index)),
                                        kind="same")
op("unbind",   "UnbindBackward0",      OPS["select"].forward, *OPS["select"].grads, kind="same")  # iteration
op("slice",    "SliceBackward0",       lambda a, dim, index: a[_take(a, dim, index)],
                                        lambda g, a, out, dim, index: _into_zeros(g, a.shape, _take(a, dim, index)),
                                        kind="same")
op("index",    "IndexBackward0",       lambda a, indices: _indexed(a, indices),
                                        lambda g, a, out, indices: _add_at(g, a.shape, indices),
                                        saves=("indices",), kind="same")
op("cat",      "CatBackward0",         _cat,
                                        _cat_grad, variadic=True, arg_names=("tensors",), layout="contiguous")
op("stack",    "StackBackward0",       lambda *arrays, dim: np.stack(arrays, axis=dim),
                                        lambda i, g, args, out, dim: np.take(g, i, axis=dim),
                                        variadic=True, arg_names=("tensors",), layout="contiguous")
# in-place writes into a tensor that is part of a graph (the old value is the first input)
op("copy_",    "CopyBackwards",        lambda a, b: np.broadcast_to(b, a.shape).astype(a.dtype),
                                        lambda g, a, b, out: np.zeros_like(g),
                                        lambda g, a, b, out: g, kind="same")
op("zero_",    "ZeroBackward0",        lambda a: np.zeros_like(a),            lambda g, a, out: np.zeros_like(g),
                                        kind="same")
op("fill_",    "FillBackward2",        lambda a, value: np.full_like(a, value),
                                        lambda g, a, out, value: np.zeros_like(g), kind="same")
op("fill_tensor", "FillBackward3",     lambda a, value: np.full_like(a, value),  # fill_(0-dim tensor)
                                        lambda g, a, v, out: np.zeros_like(g),
                                        lambda g, a, v, out: np.asarray(_torch_sum(g)), kind="same",
                                        arg_names=("self", "value"))
# a view's history after an in-place op on its base (or on another view of it): the view read out
# of the base's new value; positions: the flat index in the base of each element of the view
op("as_strided", "AsStridedBackward0",  lambda a, positions: a.reshape(-1)[positions],
                                        lambda g, a, out, positions: _add_at(g.reshape(-1), a.size,
                                                                             positions.reshape(-1)).reshape(a.shape),
                                        kind="same")
# the base's history after an in-place op on one of its views (its backward is CopySlices's own)
op("copy_slices", "CopySlices",        None, kind="same", node_base=CopySlices)
op("index_put", "IndexPutBackward0",   lambda a, b, index: _put(a, index, b),  # x[tensor index] = b
                                        lambda g, a, b, out, index: _put(g, index, 0),
                                        lambda g, a, b, out, index: g[index], kind="same",
                                        saves=("index",), refuse=_index_put_dtypes)


# --- spread, products, fills, roundings (ops tutorials use) -----------------------------------------
def _var(a, dim, correction, keepdim):
    """sum((a - mean)**2) / (N - correction) over dim (N: the number of elements reduced), accumulated
    in float64 as PyTorch's kernel does, so float32 results round as PyTorch's."""
    if a.size == 0:  # nan, as a mean over nothing is
        return np.full(a.sum(axis=dim, keepdims=keepdim).shape, np.nan, dtype=a.dtype)
    x = a.astype(np.float64) if a.dtype == np.float32 else a
    with np.errstate(divide="ignore", invalid="ignore"):
        if dim is None:  # ATen's std_var_all_cpu: the mean in a's dtype, the squares summed in order
            centred = (x - np.float64(_torch_mean(a))).ravel()
            total = np.cumsum(centred * centred)[-1]
            out = np.asarray(total / max(a.size - correction, 0))
            return (out.reshape((1,) * a.ndim) if keepdim else out).astype(a.dtype)
        centred = x - x.mean(axis=dim, keepdims=True)
        out = (centred * centred).sum(axis=dim, keepdims=keepdim) / max(_count(a.shape, dim) - correction, 0)
    return out.astype(a.dtype, copy=False)


def _var_grad(g, a, dim, correction, keepdim):
    """d var / d a_i = 2 (a_i - mean) / (N - correction), in PyTorch's order of operations"""
    if a.size == 0:
        return np.zeros(a.shape, dtype=g.dtype)
    dof = _count(a.shape, dim) - correction
    mean = _torch_mean(a) if dim is None else a.mean(axis=dim, keepdims=True)
    g = _expand(g, a.shape, dim, keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):  # (a Python number: the dtype stays a's)
        if dof <= 0 and (dim is None or a.ndim == 0):
            # PyTorch: 2 / 0 times 0 is nan where a_i is the mean, else infinity (even for a nan a_i)
            return g * np.where(a == mean, np.nan, np.inf).astype(a.dtype)
        return (2.0 / dof if dof else np.inf) * g * (a - mean)


def _std_grad(g, a, out, dim, correction, keepdim):
    """d std / d a_i = d var / d a_i / (2 std), zero where std is zero (as PyTorch)"""
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(out == 0, 0, g / (out * 2))
    return _var_grad(g, a, dim, correction, keepdim)


def _logsumexp(a, dim, keepdim):
    """log(sum(exp(a))) over dim, shifted by the max so that nothing overflows."""
    m = a.max(axis=dim, keepdims=True, initial=-np.inf) if a.size == 0 else a.max(axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.exp(a - m).sum(axis=dim, keepdims=True)) + m
    return out if keepdim else out.squeeze(axis=dim)


def _div_rounding(a, b, mode):
    """a / b rounded down ("floor") or toward zero ("trunc"); integers stay integers."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            return np.floor_divide(a, b)
        q = np.true_divide(a, b)
        return np.trunc(q).astype(np.result_type(a, b), copy=False)


_ERF = np.frompyfunc(__import__("math").erf, 1, 1)


def _gelu(a, approximate):
    """x * Phi(x) (Phi: the standard normal CDF), or PyTorch's tanh approximation of it; computed in
    the input's dtype in the order of PyTorch's kernel (only erf/tanh themselves in float64), so that
    float32 rounds as PyTorch's does"""
    dt = a.dtype.type
    if approximate == "tanh":
        inner = dt(np.sqrt(2 / np.pi)) * (a + dt(0.044715) * (a * a * a))
        return dt(0.5) * a * (1 + np.tanh(inner.astype(np.float64)).astype(a.dtype))
    erf = _ERF((a * dt(np.sqrt(0.5))).astype(np.float64)).astype(a.dtype)
    out = a * dt(0.5) * (1 + erf)
    if a.dtype == np.float32:  # ATen's float32 kernel gives nan at +inf (its float64 one, inf)
        out[np.isposinf(a)] = np.nan
    return out


def _gelu_grad(a, approximate):
    x = a.astype(np.float64)
    if approximate == "tanh":
        k = np.sqrt(2 / np.pi)
        inner = k * (x + 0.044715 * x ** 3)
        t = np.tanh(inner)
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
    else:
        d = 0.5 * (1 + _ERF(x / np.sqrt(2)).astype(np.float64)) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    return d.astype(a.dtype)


def _repeat_grad(g, a, out, repeats):
    """Sum the gradient over the copies: g seen as (r0, s0, r1, s1, ...), summed over the r axes."""
    new = len(repeats) - a.ndim  # (leading dims repeat added: summed away whole)
    shape = (1,) * new + a.shape
    paired = g.reshape([n for r, s in zip(repeats, shape) for n in (r, s)])
    return paired.sum(axis=tuple(range(0, 2 * len(shape), 2)) + tuple(range(1, 2 * new, 2)))


@_quiet
def _prod_grad(g, a, out, dim, keepdim):
    """PyTorch's prod_backward: g * prod / a when no element is 0; with zeros, the product of the
    other elements (no division); a full product with two or more zeros has a zero gradient."""
    if a.ndim == 0:
        return g
    if dim is not None and not keepdim:
        g, out = np.expand_dims(g, dim), np.expand_dims(out, dim)
    zeros = np.count_nonzero(a == 0)
    if not zeros:
        return g * (out / a)
    if dim is None and zeros > 1:
        return np.zeros(a.shape, dtype=g.dtype)
    return g * _prod_others(a, dim)


def _clamp(a, min, max):
    """ATen's min(max(a, min), max), for number or (broadcast) array bounds: a itself on a tie,
    nan where a or a bound is nan (numpy's maximum(m, a) keeps its second operand on a tie)."""
    if min is not None:
        a = np.maximum(min, a)
    if max is not None:
        a = np.minimum(max, a)
    return a


def _prod_others(a, dim):
    """For each element, the product of the others along dim (all elements if dim is None): exclusive
    cumulative products from both sides, so zeros need no division."""
    x = a.reshape(-1) if dim is None else np.moveaxis(a, dim, -1)
    ones = np.ones(x.shape[:-1] + (1,), dtype=a.dtype)
    left = np.concatenate([ones, np.cumprod(x, axis=-1)[..., :-1]], axis=-1)
    right = np.flip(np.concatenate([ones, np.cumprod(np.flip(x, -1), axis=-1)[..., :-1]], axis=-1), -1)
    others = left * right
    return others.reshape(a.shape) if dim is None else np.moveaxis(others, -1, dim)


op("var",      "VarBackward0",         _var,
                                        lambda g, a, out, dim, correction, keepdim:
                                            _var_grad(g, a, dim, correction, keepdim),
                                        saves=("self",), kind="float", layout="contiguous")
op("std",      "StdBackward0",         lambda a, dim, correction, keepdim: np.sqrt(_var(a, dim, correction, keepdim)),
                                        _std_grad, saves=("self", "result"), kind="float", layout="contiguous")
op("repeat",   "RepeatBackward0",      lambda a, repeats: np.tile(a, repeats),
                                        _repeat_grad, kind="same", layout="contiguous")
op("prod",     "ProdBackward0",        lambda a: np.asarray(a.prod()),
                                        lambda g, a, out: _prod_grad(g, a, out, None, False),
                                        saves=("self", "result"), kind="sum")
op("prod_dim", "ProdBackward1",        lambda a, dim, keepdim: a.prod(axis=dim, keepdims=keepdim),
                                        _prod_grad, saves=("self", "result"), kind="sum", layout="contiguous")
op("masked_fill", "MaskedFillBackward0", lambda a, mask, value: np.where(mask, value, a).astype(a.dtype),
                                        lambda g, a, out, mask, value: np.where(mask, 0, g),
                                        saves=("mask",), kind="same", layout="contiguous")
op("masked_fill_tensor", "MaskedFillBackward1", lambda a, v, mask: np.where(mask, v, a).astype(a.dtype),
                                        lambda g, a, v, out, mask: np.where(mask, 0, g),
                                        lambda g, a, v, out, mask: np.asarray((g * mask).sum()),
                                        saves=("mask",), kind="same", arg_names=("self", "value"), layout="contiguous")
op("log1p",    "Log1PBackward0",       _quiet(_in_float64(np.log1p)),
                                        lambda g, a, out: g / (1 + a), saves=("self",), kind="float")
op("rsqrt",    "RsqrtBackward0",       _quiet(lambda a: 1 / np.sqrt(a)),
                                        lambda g, a, out: -0.5 * g * out ** 3, saves=("result",), kind="float")
op("clamp_min", "ClampMinBackward0",   lambda a, min: _clamp(a, min, None),
                                        lambda g, a, out, min: np.where(a >= min, g, 0), saves=("self",),
                                        scalars=("min",))
op("clamp_max", "ClampMaxBackward0",   lambda a, max: _clamp(a, None, max),
                                        lambda g, a, out, max: np.where(a <= max, g, 0), saves=("self",),
                                        scalars=("max",))
# clamp with tensor bounds (broadcast): nan where any operand is nan; the bounds get gradients too
# (FunctionsManual's clamp_backward_min_max: a bound above the other passes nothing to min)
op("clamp_tensor", "ClampBackward0",   lambda a, min, max: _clamp(a, min, max),
                                        lambda g, a, min, max, out: np.where(
                                            ((a >= min) if min is not None else True)
                                            & ((a <= max) if max is not None else True), g, 0),
                                        lambda g, a, min, max, out: np.where(
                                            (a < min) & ((min < max) if max is not None else True), g, 0),
                                        lambda g, a, min, max, out: np.where(
                                            (a > max) | ((max < min) if min is not None else False), g, 0),
                                        saves=("self", "min", "max"), unpack=("max", "min", "self"),
                                        arg_names=("self", "min", "max"),
                                        layout="elementwise")
op("clamp_min_tensor", "ClampMinBackward1", lambda a, min: _clamp(a, min, None),
                                        lambda g, a, min, out: np.where(a >= min, g, 0),
                                        lambda g, a, min, out: np.where(a < min, g, 0),
                                        saves=("self", "min"), unpack=("min", "self"), arg_names=("self", "min"),
                                        layout="elementwise")
op("clamp_max_tensor", "ClampMaxBackward1", lambda a, max: _clamp(a, None, max),
                                        lambda g, a, max, out: np.where(a <= max, g, 0),
                                        lambda g, a, max, out: np.where(a > max, g, 0),
                                        saves=("self", "max"), unpack=("max", "self"), arg_names=("self", "max"),
                                        layout="elementwise")
# chunk/split pieces: slices named as PyTorch names them (one node per piece here; PyTorch shares one)
op("split",    "SplitBackward0",       OPS["slice"].forward, *OPS["slice"].grads, kind="same")
op("split_with_sizes", "SplitWithSizesBackward0", OPS["slice"].forward, *OPS["slice"].grads, kind="same")
op("trace",    "TraceBackward0",       lambda a: np.asarray(np.trace(a)),
                                        lambda g, a, out: g * np.eye(*a.shape, dtype=a.dtype), kind="sum")
op("cumsum",   "CumsumBackward0",      lambda a, dim: _in_float64(np.cumsum)(a, axis=dim).reshape(a.shape),  # double accumulator, as ATen on CPU
                                        lambda g, a, out, dim: g if g.size <= 1 or g.shape[dim] == 1 else  # (PyTorch's trivial case)
                                        _flipped(np.cumsum(np.flip(g, dim), axis=dim), dim),
                                        kind="sum", layout="contiguous")
op("flip",     "FlipBackward0",        _flipped,
                                        lambda g, a, out, dims: _flipped(g, dims), kind="same")
op("leaky_relu", "LeakyReluBackward0",  lambda a, negative_slope: np.where(a > 0, a, a * negative_slope).astype(a.dtype),
                                        lambda g, a, out, negative_slope: np.where(a > 0, g, g * negative_slope),
                                        saves=("self",))
op("logsumexp", "LogsumexpBackward0",  lambda a, dim, keepdim: _logsumexp(a, dim, keepdim),
                                        lambda g, a, out, dim, keepdim: _expand(g, a.shape, dim, keepdim)
                                        * np.exp(a - _expand(out, a.shape, dim, keepdim)),
                                        saves=("self", "result"), kind="float", layout="contiguous")
# picking elements along a dim by index: the gradient goes back where each value came from
op("sort",     "SortBackward0",        lambda a, dim, indices: _like(a, _take_along(a, indices, dim)),
                                        lambda g, a, out, dim, indices: _scatter(g, a.shape, dim, indices),
                                        saves=("indices",), kind="same")
op("topk",     "TopkBackward0",        lambda a, dim, indices: _take_along(a, indices, dim),
                                        *OPS["sort"].grads, saves=("indices",), kind="same")
op("gather",   "GatherBackward0",      lambda a, dim, index: _take_along(a, index, dim),
                                        lambda g, a, out, dim, index: _gather_grad(g, a.shape, dim, index),
                                        saves=("self", "index"), kind="same")
op("tril",     "TrilBackward0",        lambda a, diagonal: np.tril(a, diagonal),
                                        lambda g, a, out, diagonal: np.tril(g, diagonal), kind="same")
op("triu",     "TriuBackward0",        lambda a, diagonal: np.triu(a, diagonal),
                                        lambda g, a, out, diagonal: np.triu(g, diagonal), kind="same")
op("gelu",     "GeluBackward0",        lambda a, approximate: _gelu(a, approximate),
                                        lambda g, a, out, approximate: g * _gelu_grad(a, approximate),
                                        saves=("self",), kind="float")
op("elu",      "EluBackward0",         _quiet(lambda a, alpha: np.where(a <= 0, alpha * np.expm1(a), a).astype(a.dtype)),
                                        _quiet(lambda g, a, out, alpha: np.where(a <= 0, g * alpha * np.exp(a), g)),
                                        saves=("self",), kind="float")
op("softplus", "SoftplusBackward0",    lambda a, beta, threshold: np.where(
                                            a * beta > threshold, a, np.logaddexp(0, a * beta) / beta).astype(a.dtype),
                                        lambda g, a, out, beta, threshold: np.where(
                                            a * beta > threshold, g, g / (1 + np.exp(-np.minimum(a * beta, threshold)))),
                                        saves=("self",), kind="float")
# piecewise constant: the gradient is zero almost everywhere
op("div_rounding", "DivBackward2",     lambda a, b, rounding_mode: _div_rounding(a, b, rounding_mode),
                                        lambda g, a, b, out, rounding_mode: np.zeros_like(g),
                                        lambda g, a, b, out, rounding_mode: np.zeros_like(g),
                                        saves=("self", "other"), unpack=("other", "self"), layout="elementwise",
                                        needs={"self": (1,)})

@_quiet
def _remainder(a, other):
    """a % other as ATen computes it: fmod, moved by other when the signs differ -- so a zero keeps
    the dividend's sign (0. % -1 is 0., numpy's is -0.)."""
    mod = np.fmod(a, other)
    if mod.dtype.kind != "f":
        return np.remainder(a, other)
    return np.where((mod != 0) & ((other < 0) != (mod < 0)), mod + other, mod)


# // and %: PyTorch has no derivative for floor_divide (nor for number % tensor): a NotImplemented node
op("floor_divide", "NotImplemented",   _quiet(np.floor_divide), _no_derivative("floor_divide"),
                                        _no_derivative("floor_divide"), layout="elementwise")
op("remainder", "RemainderBackward0",  _remainder, lambda g, a, out, other: g,
                                        scalars=("other",))
op("remainder_tensor", "RemainderBackward1", _remainder,
                                        lambda g, a, b, out: g,
                                        _quiet(lambda g, a, b, out: -g * np.floor_divide(a, b)),
                                        saves=("self", "other"), unpack=("other", "self"),
                                        needs={"self": (1,), "other": (1,)}, layout="elementwise")
op("rremainder", "NotImplemented",     lambda a, other: _remainder(other, a), _no_derivative("remainder"),
                                        scalars=("other",))
op("floor",    "FloorBackward0",       np.floor, lambda g, a, out: np.zeros_like(g), kind="same",
                                        refuse=_no_bool("floor_vml_cpu"))
op("ceil",     "CeilBackward0",        np.ceil, lambda g, a, out: np.zeros_like(g), kind="same",
                                        refuse=_no_bool("ceil_vml_cpu"))
op("round",    "RoundBackward0",       np.round, lambda g, a, out: np.zeros_like(g), kind="same",
                                        refuse=_no_bool("round_vml_cpu"))


def _along(a, dim, keepdim, indices):
    """Values at `indices` (argmax/argmin with the reduced axis kept) along `dim`."""
    if a.ndim == 0:
        return a.copy()
    v = np.take_along_axis(a, indices, dim)
    return v if keepdim else v.squeeze(dim)


def _scatter(g, shape, dim, indices):
    if not shape:  # (a 0-dim tensor's only element)
        return np.array(g)
    z = np.zeros(shape, dtype=g.dtype)
    np.put_along_axis(z, indices, g.reshape(np.shape(indices)), dim)
    return z


def _take_along(a, indices, dim):
    """a's elements at indices along dim (a 0-dim tensor's only element for a 0-dim one)."""
    return np.take_along_axis(a, indices, dim) if a.ndim else a.copy()


def _gather_grad(g, shape, dim, index):
    """Sum g into zeros at index along dim (an index may repeat: add, not put)."""
    if not shape:
        return np.array(g)
    z = np.zeros(shape, dtype=g.dtype)
    where = list(np.indices(index.shape, sparse=True))
    where[dim] = index
    np.add.at(z, tuple(where), g)
    return z


def _add_at(g, shape, index):
    z = np.zeros(shape, dtype=g.dtype)
    np.add.at(z, index, g)
    return z


def _put(a, index, value):
    r = a.copy()
    _indexed(r, index)  # (PyTorch's message for index tensors that do not broadcast)
    r[index] = value
    return r


def _indexed(a, index):
    """a[index] for an index with arrays; index tensors that do not broadcast together raise
    PyTorch's error (a bool mask stands for its nonzero() index tensors)."""
    try:
        return a[index]
    except IndexError as e:
        if not str(e).startswith("shape mismatch"):
            raise
        shapes = []
        for i in index if isinstance(index, tuple) else (index,):
            if isinstance(i, np.ndarray):
                shapes += [[int(i.sum())]] * i.ndim if i.dtype == np.bool_ else [list(i.shape)]
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                         + ", ".join(map(str, shapes))) from None


# --- nn losses -----------------------------------------------------------------------------------
# (and linear's fused bias + matrix product). `reduction` is "mean", "sum" or "none".
def _reduce(loss, reduction):
    return _torch_mean(loss) if reduction == "mean" else _torch_sum(loss) if reduction == "sum" else loss


def _unreduce(g, shape, reduction):
    """dL/d(elementwise loss) from g = dL/d(reduced loss)."""
    if reduction == "mean":
        return np.broadcast_to(g / int(np.prod(shape)), shape)
    return np.broadcast_to(g, shape)


def _softplus(x):
    """log(1 + e**x), without overflow."""
    return np.logaddexp(0, x)


def _bce_logits(x, t, weight, pos_weight, reduction):
    # -[pw*t*log(sigmoid(x)) + (1-t)*log(1-sigmoid(x))] = (1-t)*x + (1 + (pw-1)*t)*softplus(-x)
    log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
    loss = (1 - t) * x + log_weight * _softplus(-x)
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_logits_grad(g, x, t, out, weight, pos_weight, reduction, wrt):
    pw = 1 if pos_weight is None else pos_weight
    if wrt == "input":   # d/dx = sigmoid(x) * (1 + (pw-1)*t) - pw*t
        local = np.exp(-_softplus(-x)) * (1 + (pw - 1) * t) - pw * t
    else:                # d/dt = -x + (pw-1) * softplus(-x)
        local = -x + (pw - 1) * _softplus(-x)
    if weight is not None:
        local = local * weight
    return _unreduce(g, local.shape, reduction) * local


def _nll_rows(a, target, weight, ignore_index):
    """(rows of a, class per row (ignored rows point at class 0), weight per row (0 if ignored))."""
    rows, t = a.reshape(-1, a.shape[-1]), target.reshape(-1)
    ignored = t == ignore_index
    safe = np.where(ignored, 0, t)
    w = weight[safe] if weight is not None else np.ones(t.shape, dtype=a.dtype)
    return rows, safe, np.where(ignored, 0, w).astype(a.dtype)


def _nll(a, target, weight, reduction, ignore_index):
    """loss_i = -w[t_i] * a[i, t_i]; 'mean' divides the sum by sum_i w[t_i] (PyTorch's weighted mean)."""
    rows, t, w = _nll_rows(a, target, weight, ignore_index)
    loss = -w * rows[np.arange(len(t)), t]
    if reduction == "none":
        return loss.reshape(target.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return loss.sum() / w.sum() if reduction == "mean" else loss.sum()


def _nll_grad(g, a, out, target, weight, reduction, ignore_index):
    rows, t, w = _nll_rows(a, target, weight, ignore_index)
    z = np.zeros_like(rows, dtype=np.result_type(rows, g))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = g / w.sum() if reduction == "mean" else g if reduction == "sum" else np.reshape(g, -1)
    z[np.arange(len(t)), t] = -w * scale
    return z.reshape(a.shape)


#  name        grad_fn                 forward                                   backward, one per input
op("addmm",    "AddmmBackward0",       lambda bias, m1, m2: bias + m1 @ m2,
                                        lambda g, bias, m1, m2, out: g,
                                        lambda g, bias, m1, m2, out: g @ m2.T,
                                        lambda g, bias, m1, m2, out: m1.T @ g, saves=("mat1", "mat2"),
                                        needs={"mat1": (2,), "mat2": (1,)}, arg_names=("self", "mat1", "mat2"))
op("mse_loss", "MseLossBackward0",     lambda a, b, reduction: _reduce((a - b) ** 2, reduction),
                                        lambda g, a, b, out, reduction: _unreduce(g, a.shape, reduction) * 2 * (a - b),
                                        lambda g, a, b, out, reduction: _unreduce(g, a.shape, reduction) * 2 * (b - a),
                                        saves=("self", "target"), arg_names=("self", "target"))
op("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0", _bce_logits,
                                        lambda g, x, t, out, **p: _bce_logits_grad(g, x, t, out, wrt="input", **p),
                                        lambda g, x, t, out, **p: _bce_logits_grad(g, x, t, out, wrt="target", **p),
                                        saves=("self", "target", "weight", "pos_weight"), kind="float",
                                        arg_names=("self", "target"))
def _bce(x, t, weight, reduction):
    """loss = -w * [t * log(x) + (1 - t) * log(1 - x)], each log clamped at -100 as PyTorch does."""
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_grad(g, x, t, out, weight, reduction, wrt):
    g = _unreduce(g, x.shape, reduction)
    if weight is not None:
        g = g * weight
    with np.errstate(divide="ignore", invalid="ignore"):
        if wrt == "input":  # (x - t) / (x (1 - x)), the denominator kept >= 1e-12 as PyTorch does
            return g * (x - t) / np.maximum(x * (1 - x), 1e-12)
        return g * (np.maximum(np.log1p(-x), -100) - np.maximum(np.log(x), -100))


op("binary_cross_entropy", "BinaryCrossEntropyBackward0", _bce,
                                        lambda g, x, t, out, **p: _bce_grad(g, x, t, out, wrt="input", **p),
                                        lambda g, x, t, out, **p: _bce_grad(g, x, t, out, wrt="target", **p),
                                        saves=("self", "target", "weight"), kind="float",
                                        arg_names=("self", "target"))
op("nll_loss", "NllLossBackward0",     _nll, _nll_grad, saves=("self", "target", "weight"), kind="same",
                                        arg_names=("self",))
