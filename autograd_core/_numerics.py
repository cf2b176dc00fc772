"""How ATen computes, in numpy: the kernels the op table's forwards call, where numpy's own way
would print a different last digit than PyTorch (or refuse, or lay memory out differently).

- full sums and means in the order of ATen's CPU reduction (torch_sum, torch_mean);
- float64 round trips where numpy's float32 functions round differently (in_float64);
- ATen's special cases (pow_number: x * x for x ** 2, ...), nan and sign conventions (sign, clamp,
  remainder), accumulators (var, cumsum in double);
- the memory layout ATen gives a result (contiguous_layout, elementwise_layout, like, expanded);
- the kernels of the derivatives' own ops (tanh_backward, ...), in ATen's order of operations;
- ATen's efficient zero tensor, sgn's gradient, which a product keeps zero against inf (ZeroArray).

An in-place op reading memory it writes is in _kernel_order.py.
"""
import functools
import math
import os
import platform

import numpy as np

from ._kernel_order import CPU_FEATURES, CPU_VENDOR, VECTOR_BYTES, coalesced, get_num_threads, iteration_order
from ._pool_kernels import _row_chunks  # (ATen's parallel_for: how it splits rows between threads)

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
# the float32 elements of one step of ATen's vectorised loop (two vectors); the last n % this
# elements of a run go through its scalar loop
_FLOAT32_CHUNK = 2 * VECTOR_BYTES // 4
# the vectors of a kernel ATen builds for AVX2 only (most: REGISTER_DISPATCH leaves AVX512 out unless a
# kernel asks), on an AVX512 CPU too
_AVX2_BYTES = 32


# --- helpers the rules share -------------------------------------------------------------------
def in_float64(f):
    """f computed in float64 for float32 input, then rounded once: numpy's float32 exp/log/sin/tanh
    are off by an ulp far more often than PyTorch's (exp: 39% of inputs differ from torch, 1% this way),
    and tutorials print those last digits."""
    if isinstance(f, np.ufunc):  # a ufunc reads float32 and computes in float64 in one pass
        def f64(a, *args, **kwargs):
            d = a.dtype
            if d is _F32 or d == _F32:  # (the identity first: comparing dtypes costs more)
                return f(a, *args, dtype=np.float64, **kwargs).astype(np.float32)
            return f(a, *args, **kwargs)
        return f64

    def f64(a, *args, **kwargs):
        d = a.dtype
        if d is _F32 or d == _F32:
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
    """acc + rows[0] + rows[1] + ..., left to right."""
    if len(rows) < 4:  # (a few adds cost less than one concatenate)
        for i in range(len(rows)):  # (indexed: a loop over an array ends in an IndexError, costly)
            acc = acc + rows[i]
        return acc
    return _sequential(np.concatenate([acc[None], rows]))


_reduce = np.add.reduce  # (in order along axis 0 of C-contiguous rows of several elements, see _sequential)


def _sequential(rows, axis=0):
    """rows added along axis, left to right. numpy's reduce adds along an axis in order when the axes
    after it hold more than one element of a C-contiguous array (its inner loop runs over those); with
    the reduced axis innermost (single numbers, or rows laid out across memory) it adds pairwise:
    cumsum then."""
    if axis == 0 and len(rows) == 2:  # (one add costs less)
        return rows[0] + rows[1]
    if rows.flags.c_contiguous and math.prod(rows.shape[axis + 1:]) > 1:
        return np.add.reduce(rows, axis=axis)
    return np.take(np.cumsum(rows, axis=axis), -1, axis=axis)


def _from_zero(terms):
    """0 + terms[0] + terms[1] + ..., left to right along the first axis, in one accumulate: it
    starts from the first term, which differs from 0 + it only in a zero's sign (a sum that starts
    from +0.0 is never -0.0), and the final + 0 restores that."""
    return np.add.accumulate(terms)[-1] + 0


def _multi_row_sum(rows):
    """ATen's multi_row_sum: rows added in order in blocks of `step`, the blocks' sums going up a
    cascade of 4 accumulators (each adds `step` sums from the one below in order, then passes its
    sum up; the last keeps all it gets); at the end the 4 added up, the leftover rows' first.
    (An empty accumulator is left out, not added as 0: only a zero's sign could differ, which the
    callers' sums from 0 restore.)"""
    n = rows.shape[0]
    if n < 256 and rows.size > n and rows.flags.c_contiguous:  # (one level fills: fewer numpy calls)
        blocks = n >> 4
        if not blocks:
            return _reduce(rows, 0) if n > 1 else rows[0]
        if blocks == 1:  # (one block: its rows in order, without the reshape)
            total = _reduce(rows[:16], 0)
        else:
            total = _reduce(_reduce(rows[:blocks << 4].reshape((blocks, 16) + rows.shape[1:]), 1), 0)
        if n & 15:  # the leftover rows, held by the first accumulator, come first
            left = rows[blocks << 4:]
            total = (_reduce(left, 0) if len(left) > 1 else left[0]) + total
        return total
    step = 1 << max(4, _ceil_log2(n) // 4)
    held, sums = [], rows
    for _ in range(3):
        whole = len(sums) // step * step
        held.append(sums[whole:])  # (what this accumulator holds at the end)
        if not whole:
            break
        sums = _sequential(sums[:whole].reshape((-1, step) + rows.shape[1:]), axis=1)
    else:
        held.append(sums)
    total = None
    for part in held:
        if len(part):
            part = _sequential(part) if len(part) > 1 else part[0]
            total = part if total is None else total + part
    return total


def _row_sum(items, from_zero=False):
    """ATen's row_sum: 4 interleaved accumulators (items i*4 + k), then the leftovers, then combined.
    from_zero: the sum added to 0 as well (an outer reduction's output starts as zeros)."""
    if items.shape[0] < 64:
        total = _short_row_sums(items)
        return total + 0 if from_zero else total
    n4 = items.shape[0] // 4
    partial = _multi_row_sum(items[:n4 * 4].reshape((n4, 4) + items.shape[1:]))
    if n4 * 4 < items.shape[0]:
        partial[0] = _in_order(partial[0], items[n4 * 4:])
    if partial.size > 4 and partial.flags.c_contiguous:
        # ((p0 + p1) + p2) + p3 in one call (see _sequential); from 0, (((0 + p0) + p1) + p2) + p3
        # differs from it + 0 in no bit (a sum from +0.0 is never -0.0; see _from_zero)
        return _reduce(partial, 0, initial=0) if from_zero else _reduce(partial, 0)
    total = partial[0] + partial[1] + partial[2] + partial[3]
    return total + 0 if from_zero else total


def _short_row_sums(items):
    """_row_sum of fewer than 64 items: no cascade level but the first fills (its blocks hold 16
    groups of 4), so each accumulator adds its items in order (sum(1) of a (64, 10) logits array).
    (Accumulators that start from their first item, not 0: a zero's sign differs, which the callers'
    sums from 0 restore.)"""
    n4 = items.shape[0] // 4
    acc = (_sequential(items[:4 * n4].reshape((n4, 4) + items.shape[1:])) if n4
           else np.zeros((4,) + items.shape[1:], items.dtype))
    total = acc[0]
    for i in range(4 * n4, items.shape[0]):  # the leftovers
        total = total + items[i]
    return ((total + acc[1]) + acc[2]) + acc[3]


def _chain_order(n, lanes):
    """Where each term of a short sum's final chain starts (see _short_sum), for n elements: the
    leftover elements, then the first vector (whose lanes the others are added into); in fewer than
    one vector, the scalar row_sum's order -- its 4 interleaved accumulators (element k into k % 4,
    the leftovers after the first 4 into the first) added up: x0 + x4 + x5 + x6, then x1, x2, x3.
    Made once per length (fewer than 64 vectors: 512 lengths of float32, 256 of float64)."""
    order = _CHAIN_ORDERS.get((n, lanes))
    if order is None:
        whole = n // lanes * lanes
        if whole:
            order = [*range(whole, n), *range(lanes)]
        else:
            order = [*range(n)] if n <= 4 else [0, *range(4, n), 1, 2, 3]
        order = _CHAIN_ORDERS[(n, lanes)] = np.array(order, np.intp)
    return order


_CHAIN_ORDERS = {}


def _short_sum(x, lanes):
    """torch_sum of a 1-D x of fewer than 64 vectors (the common case: a loss over a small batch),
    as a numpy scalar. Every cascade level but the first stays empty there, so ATen's order is:
    the vectors' lanes summed (4 accumulators, vector i into i % 4, the leftover vectors into the
    first; then ((p0 + p1) + p2) + p3), then one chain from 0: + each leftover element, + each lane.
    The chain's terms are gathered in one take and the lanes summed into them in place: a few numpy
    calls for any length."""
    n = x.size
    nv = n // lanes
    terms = x.take(_chain_order(n, lanes))
    if nv:
        lanes_sum = terms[n - nv * lanes:]  # (the first vector, to which the others are added)
        n4 = nv // 4
        if n4:
            partial = _reduce(x[:4 * n4 * lanes].reshape(n4, 4, lanes), 0)  # (in order, see _sequential)
            for start in range(4 * n4 * lanes, nv * lanes, lanes):  # the leftover vectors
                partial[0] += x[start:start + lanes]
            _reduce(partial, 0, out=lanes_sum)  # ((p0 + p1) + p2) + p3, in one call
        else:  # (one accumulator: the vectors in order)
            for start in range(lanes, nv * lanes, lanes):
                lanes_sum += x[start:start + lanes]
    return _from_zero(terms)


def _full_sum(a):
    """torch_sum as a numpy scalar. Of more than 32768 elements, ATen's two-pass reduction: the
    elements split in equal chunks between the threads, each chunk's cascade sum, then those added
    in order (_cascade_sum in each chunk)."""
    dt = a.dtype  # (float32 and float64 told by identity first: reading a dtype's fields costs more)
    if (dt is not _F32 and dt is not _F64 and (dt.kind != "f" or dt.itemsize < 4)) or not (
            0 < a.size) or not (a.flags.c_contiguous or a.flags.f_contiguous):
        return a.sum()
    x = a.ravel(order="K")
    if x.size <= 32768:
        return _cascade_sum(x)
    threads = min(get_num_threads(), -(-x.size // 32768))
    chunk = -(-x.size // threads)
    total = dt.type(0)
    for start in range(0, x.size, chunk):
        total = total + _cascade_sum(x[start:start + chunk])
    return total


def _cascade_sum(x):
    """ATen's cascade sum of the 1-d float32/float64 array x, one thread's (see above)."""
    lanes = _LANES_BYTES // x.dtype.itemsize
    if x.size < 64 * lanes:
        return _short_sum(x, lanes)
    nv = x.size // lanes
    vec = _row_sum(x[:nv * lanes].reshape(nv, lanes))
    return _from_zero(np.concatenate((x[nv * lanes:], vec)))  # 0 + the leftovers + the lanes


def torch_sum(a):
    """sum of all elements of a, in ATen's order for float32/float64 (see above)."""
    return np.asarray(_full_sum(a))


def torch_sum_to(a, shape):
    """torch_sum of a as a new array of `shape`, of one element: the gradient of a (1,) weight."""
    total = _full_sum(a)
    if shape == (1,):  # (an array made from a list: half the cost of asarray, reshape and copy)
        return np.array([total])
    return np.asarray(total).reshape(shape).copy()


def torch_sum_dim(a, dim, keepdim):
    """sum over the dims `dim` (an int or a tuple) of a C-contiguous float array, in ATen's order,
    its iterator's size-1 dims left out:
    - all the dims of more than one element summed: torch_sum;
    - the summed dims trailing -- ATen's inner reduction, e.g. x.sum(-1), the (n, 1) gradient of a
      (1,) weight summed over dim 0: each output element is torch_sum of its block;
    - the summed dims leading or in the middle -- its outer reduction, e.g. a bias's gradient g.sum(0),
      x.mean(1) of a (batch, time, features) x: _columns_sum, for each slice before them;
    - leading and trailing dims both summed, x.mean((0, 2, 3)) of (batch, channels, h, w): the
      trailing dims' sums, added up in order over the leading ones.
    Other reductions keep numpy's order, which can differ in the last bit."""
    float_rows = a.dtype.kind == "f" and a.itemsize >= 4 and a.flags.c_contiguous and a.size
    if float_rows and a.ndim == 2 and not keepdim and a.shape[0] > 1 < a.shape[1] and a.size <= 32768:
        # the two most common, on a matrix: a bias's gradient (dim 0) and x.sum(1) of short rows
        # (the logits of a batch), each straight to the case below it would reach
        d = dim if type(dim) is int else dim[0] if type(dim) is tuple and len(dim) == 1 else None
        if d is not None and -2 <= d < 2:
            lanes = _LANES_BYTES // a.itemsize
            if d % 2 == 0:
                return _columns_sum(a, lanes)
            if a.shape[1] < 4 * lanes:
                return _short_blocks_sum(a, lanes)
    dims = {d % a.ndim for d in (dim if isinstance(dim, (tuple, list)) else (dim,))} if a.ndim else set()
    sized = [d for d in range(a.ndim) if a.shape[d] != 1]
    summed = [d for d in sized if d in dims]
    k = len(summed)
    if not k or not float_rows:
        return a.sum(axis=tuple(sorted(dims)), keepdims=keepdim)
    shape = tuple(1 if d in dims else a.shape[d] for d in range(a.ndim) if keepdim or d not in dims)
    if k == len(sized):  # (one number)
        return _shaped(torch_sum(a), shape)
    lanes = _LANES_BYTES // a.itemsize
    block = math.prod(a.shape[d] for d in summed)
    if summed != sized[len(sized) - k:] or block > 32768:  # (longer: split between threads by ATen)
        runs = "".join("s" if d in dims else "k" for d in sized)  # (summed and kept dims, in order)
        if a.size <= 32768 and runs.strip("k").count("k") == 0:  # one run of summed dims
            outer = math.prod(a.shape[:summed[0]])
            rows = a.reshape(outer, block, -1).transpose(1, 0, 2)  # (rows, slices, columns)
            return _shaped(_columns_sum(rows[:, 0] if outer == 1 else np.ascontiguousarray(rows), lanes), shape)
        if a.size <= 32768 and runs.startswith("s") and runs.strip("s").count("s") == 0:
            # leading and trailing dims, x.mean((0, 2, 3)) of (batch, channels, h, w): each slice's
            # inner sums, added into the output in order of the leading index, from 0
            inner = math.prod(a.shape[d] for d in summed if d > sized[runs.index("k")])
            slices = torch_sum_dim(a.reshape(-1, inner), 1, False).reshape(block // inner, -1)
            return _shaped(_reduce(slices, 0) + 0, shape)
        return a.sum(axis=tuple(sorted(dims)), keepdims=keepdim)
    nv = block // lanes
    if nv < 4:  # (the common short block, x.sum(1) of (64, 10) logits, in a few numpy calls)
        return _shaped(_short_blocks_sum(a.reshape(-1, block), lanes), shape)
    rows = a.reshape(-1, block).T  # (block, rows): each step below runs for every row at once
    vectors = rows[:nv * lanes].reshape(nv, lanes, -1)
    lanes_sum = _row_sum(vectors)  # (lanes, rows)
    total = _in_order(np.zeros(rows.shape[1:], a.dtype), rows[nv * lanes:])  # leftovers first
    out = _in_order(total, lanes_sum)
    return _shaped(np.asarray(out, dtype=a.dtype), shape)


def _shaped(a, shape):
    """a (a new array) in shape, still owning its memory: the engine hands a gradient that is a view
    out as a view of what it shares memory with, as PyTorch does."""
    return a if a.shape == shape else a.reshape(shape).copy()


def _columns_sum(m, lanes):
    """The sum over the first axis of m, (rows, columns) or (rows, slices, columns), as ATen's outer
    reduction adds into an output of zeros: each slice's columns in blocks of 4 vectors
    (vectorized_outer_sum; of 4 columns in scalar_outer_sum, for fewer columns than a vector) through
    one multi_row_sum over all the rows; the others each by row_sum (4 accumulators, row i into i % 4)."""
    columns = m.shape[-1]
    group = 4 * lanes if columns >= lanes else 4
    whole = columns // group * group
    if whole in (0, columns):  # (all columns one way)
        return _multi_row_sum(m) + 0 if whole else _row_sum(m, from_zero=True)
    out = np.empty(m.shape[1:], m.dtype)
    out[..., :whole] = _multi_row_sum(np.ascontiguousarray(m[..., :whole]))
    out[..., whole:] = _row_sum(np.ascontiguousarray(m[..., whole:]))
    return out + 0


def batch_sum(g):
    """g.sum(0) of a (batch, features) float gradient in ATen's order: a bias's gradient, its outer
    reduction (_columns_sum), with the steps _columns_sum, _row_sum and _multi_row_sum take for a
    batch of fewer than 1024 rows written out in one place. (Those helpers cost a bias's gradient
    about as much again in their own checks and calls as in numpy's additions.)"""
    n, k = g.shape if g.ndim == 2 else (0, 0)
    dt = g.dtype  # (float32 and float64 told by identity first: reading a dtype's fields costs more)
    floats = dt is _F32 or dt is _F64 or (dt.kind == "f" and dt.itemsize >= 4)
    if not (1 < n < 1024 and 1 < k and g.size <= 32768 and floats and g.flags.c_contiguous):
        # (else torch_sum_dim: longer sums are split between threads)
        return torch_sum_dim(g, 0, False)
    lanes = _LANES_BYTES // g.itemsize
    group = 4 * lanes if k >= lanes else 4  # (columns in blocks of 4 vectors, or of 4 columns)
    if k % group == 0 and n < 256:
        # every column in a block: one multi_row_sum over all rows, in blocks of 16 rows (each in
        # order, then the blocks in order), the leftover rows' sum first
        return _blocks_of_16(g, n) + 0
    if k >= group:  # (some columns each way, or a longer batch: the general helpers)
        return _columns_sum(g, lanes)
    # no column in a block: row_sum, 4 accumulators (row i into i % 4), each a multi_row_sum of its
    # rows; the leftover rows into the first, in order; then (((0 + a0) + a1) + a2) + a3
    n4 = n >> 2
    if n < 64:  # (no block of 16 fills: each accumulator adds its rows in order)
        acc = (_reduce(g[:n4 << 2].reshape(n4, 4, k), 0) if n4 > 2 else
               g[0:4] + g[4:8] if n4 == 2 else g[:4] if n4 else np.zeros((4, k), g.dtype))
        total = acc[0]
        for i in range(n4 << 2, n):
            total = total + g[i]
        return (((total + acc[1]) + acc[2]) + acc[3]) + 0
    acc = _blocks_of_16(g[:n4 << 2].reshape(n4, 4 * k), n4)
    for i in range(n4 << 2, n):
        acc[:k] = acc[:k] + g[i]
    return _reduce(acc.reshape(4, k), 0, initial=0)


def _blocks_of_16(rows, n):
    """_multi_row_sum of n (< 256) C-contiguous rows of several elements: one level of its cascade"""
    blocks = n >> 4
    if not blocks:
        return _reduce(rows, 0)
    if blocks == 1:
        total = _reduce(rows[:16], 0)
    else:
        total = _reduce(_reduce(rows[:blocks << 4].reshape((blocks, 16) + rows.shape[1:]), 1), 0)
    if n & 15:
        left = rows[blocks << 4:]
        total = (_reduce(left, 0) if len(left) > 1 else left[0]) + total
    return total


def _short_blocks_sum(m, lanes):
    """torch_sum of each row of m, rows of fewer than 4 vectors (of `lanes` elements), where no
    cascade level fills: the row_sum of the vectors (lane by lane, 0 + each vector in turn), then
    0 + the leftover elements + each lane's sum; in fewer than one vector, the scalar row_sum's 4
    interleaved accumulators (element k into k % 4; the first takes the leftovers, then the others).
    The terms, one row of them per term, are added in order by one accumulate for all of m's rows.
    A zero's sign in a term cannot show: a sum that starts from +0.0 is never -0.0, which the final
    + 0 restores (an accumulate starts from its first term)."""
    cols = m.T  # (the block's elements, m's rows)
    n = cols.shape[0]
    nv = n // lanes
    if nv == 0:
        terms = cols if n <= 4 else cols[[0, *range(4, n), 1, 2, 3]]  # (accumulators 1-3: one element each)
    else:
        lane_sums = cols[:lanes]
        for j in range(1, nv):
            lane_sums = lane_sums + cols[j * lanes:(j + 1) * lanes]
        terms = np.concatenate((cols[nv * lanes:], lane_sums))
    return _from_zero(terms)


def torch_mean_dim(a, dim, keepdim):
    """ATen's mean over dims: torch_sum_dim, divided by the element count in the dtype."""
    if a.dtype.kind != "f":
        return a.mean(axis=dim, keepdims=keepdim)
    if a.size == 0:  # 0 / 0: nan, silently (numpy's mean warns "Mean of empty slice")
        with np.errstate(invalid="ignore"):
            return np.asarray(a.sum(axis=dim, keepdims=keepdim) / a.dtype.type(count(a.shape, _as_tuple(dim))))
    return np.asarray(torch_sum_dim(a, dim, keepdim) / a.dtype.type(count(a.shape, _as_tuple(dim))))


def _as_tuple(dim):
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


def torch_mean(a):
    """ATen's mean: the sum, divided by the element count in the dtype."""
    if a.size == 0:  # 0 / 0: nan, silently (numpy's mean warns "Mean of empty slice")
        return np.full((), np.nan, a.dtype if a.dtype.kind == "f" else np.float64)
    if a.dtype.kind != "f":
        return a.mean()
    # (the sum a numpy scalar, the count a Python int: NEP 50 divides in the sum's dtype)
    return np.asarray(_full_sum(a) / a.size)


# numpy keeps its floating-point warning state in a context variable; setting it directly costs a
# tenth of entering np.errstate (an op here takes about 2 microseconds).
try:
    from numpy._core._ufunc_config import _extobj_contextvar as NUMPY_ERRORS, _make_extobj
    NUMPY_QUIET = _make_extobj(all="ignore")
except ImportError:  # (another numpy: np.errstate, slower)
    class _ErrstateVar:
        @staticmethod
        def set(_):
            state = np.errstate(all="ignore")
            state.__enter__()
            return state

        @staticmethod
        def reset(state):
            state.__exit__(None, None, None)
    NUMPY_ERRORS, NUMPY_QUIET = _ErrstateVar(), None


def quiet(f):
    """f without numpy's RuntimeWarnings: log(-1) is nan and 1/0 is inf in PyTorch, silently."""
    def quiet(*args, **kwargs):
        __tracebackhide__ = True  # (IPython leaves this wrapper out of a traceback: f's own frame shows)
        token = NUMPY_ERRORS.set(NUMPY_QUIET)
        try:
            return f(*args, **kwargs)
        finally:
            NUMPY_ERRORS.reset(token)
    quiet.__name__, quiet.__qualname__, quiet.__doc__, quiet.__wrapped__ = (
        f.__name__, f.__qualname__, f.__doc__, f)
    return quiet


# --- ATen's efficient zero tensor ------------------------------------------------------------------
# sgn's gradient of a real input is not zeros but ATen's "efficient zero tensor", which its own
# kernels treat as the number 0 rather than as memory: a product or quotient with it is zero even
# against inf or nan (0 * inf is 0, not nan), a sum with it is the other operand unchanged (-0. stays
# -0.). A gradient of |x| taken twice or more carries one through its graph, and those kernels decide
# whether an inf in the input gives inf or nan in the answer.
ZERO_TENSOR_IMMUTABLE_MSG = ("ZeroTensors are immutable. Please use the materialized zero tensor "
                             "obtained using .clone() if you want a mutable tensor.")


class ZeroArray(np.ndarray):
    """An efficient zero tensor's array: read-only zeros (a view of one is one, a copy is plain zeros)
    whose product, quotient, sum and difference follow ATen's ZeroTensor kernels
    (mul_zerotensor, div_zerotensor, add_zerotensor); every other ufunc sees plain zeros."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if out is not None:
            if any(is_zero_array(o) for o in out):
                raise RuntimeError(ZERO_TENSOR_IMMUTABLE_MSG)
            kwargs["out"] = tuple(np.asarray(o) for o in out)
        plain = [np.asarray(x) if isinstance(x, ZeroArray) else x for x in inputs]
        with np.errstate(all="ignore"):  # (only for its shape and dtype, when a rule below applies)
            result = getattr(ufunc, method)(*plain, **kwargs)
        zero = [is_zero_array(x) for x in inputs]
        if method != "__call__" or out is not None or not any(zero):
            return result
        if (ufunc is np.multiply or (ufunc is np.true_divide and not zero[1])
                or (all(zero) and ufunc in (np.add, np.subtract))):
            return zero_array(result.shape, result.dtype)
        if ufunc is np.true_divide:  # x / 0 is inf whatever x is (0 / 0: nan)
            return np.full(result.shape, np.nan if zero[0] else np.inf, result.dtype)
        if ufunc is np.add or ufunc is np.subtract:  # (ATen: the other operand, copied; 0 - x is x * -1)
            other = np.array(np.broadcast_to(plain[1] if zero[0] else plain[0], result.shape), result.dtype)
            return np.multiply(other, -1, out=other) if ufunc is np.subtract and zero[0] else other
        return result


def zero_array(shape, dtype):
    """An efficient zero tensor's array of this shape and dtype."""
    z = np.zeros(shape, dtype).view(ZeroArray)
    z.flags.writeable = False
    return z


def is_zero_array(a):
    """Whether a is an efficient zero tensor's array (a writable ZeroArray is a copy: plain zeros)."""
    return type(a) is ZeroArray and not a.flags.writeable


def zeros_as_memory(kernel):
    """kernel(g, ...) given an efficient zero gradient as plain zeros, as ATen's dispatcher gives a
    ZeroTensor to a kernel with no ZeroTensor entry (tanh_backward, mse_loss_backward, ...): 0 times an
    inf is then nan there, as in torch"""
    @functools.wraps(kernel)
    def materialized(g, *args, **kwargs):
        return kernel(np.asarray(g) if type(g) is ZeroArray else g, *args, **kwargs)
    return materialized


def dot(a, b):
    """sum_i a_i b_i; an efficient zero tensor when a or b is one (ATen's dot, against inf or nan too)"""
    if is_zero_array(a) or is_zero_array(b):
        return zero_array((), np.result_type(a, b))
    return np.asarray(np.dot(a, b))


def count(shape, dim):
    """The number of elements a reduction over dim (None: all) takes together"""
    return math.prod(shape[d] for d in dim) if dim is not None else math.prod(shape)


def at_dim(dim, index):
    """The numpy index of `index` (an int, slice or array) along dim: a[at_dim(1, 0)] is a[:, 0]
    (the trailing Ellipsis keeps a 0-d result a view: numpy would return a scalar copy)."""
    return (slice(None),) * dim + (index, Ellipsis)


def first_extreme(a, dim, keepdim, arg):
    """amax / amin over dim (() for every dim): the first of the elements equal to the extreme, in
    the reduced dims' order (arg: np.argmax or np.argmin), so that a tie of 0. and -0. has the
    first one's sign, as ATen's kernel gives it (numpy's amax may give either); nan if there is one."""
    dims = sorted(dim) if dim else list(range(a.ndim))
    kept = [d for d in range(a.ndim) if d not in dims]
    n = math.prod(a.shape[d] for d in dims)
    rows = np.transpose(a, kept + dims).reshape([a.shape[d] for d in kept] + [n])
    out = np.take_along_axis(rows, arg(rows, axis=-1)[..., None], -1)[..., 0]
    return out.reshape([1 if d in dims else size for d, size in enumerate(a.shape)]) if keepdim else out


def unbound(a, dim):
    """The slices of a along dim, that dim removed (views): unbind's pieces"""
    return tuple(a[at_dim(dim, i)] for i in range(a.shape[dim]))


def pieces(a, dim, sizes):
    """a cut along dim into consecutive pieces of the given sizes (views): split's pieces"""
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + size)
    return tuple(a[at_dim(dim, slice(lo, lo + size))] for lo, size in zip(starts, sizes))


def split_sizes(length, split_size):
    """The sizes of split's pieces of a dim of `length`: split_size each, the last what is left (one
    empty piece of an empty dim)"""
    if length == 0:
        return [0]
    return [split_size] * (length // split_size) + ([length % split_size] if length % split_size else [])


def pow_number(a, exponent):
    """a ** k for a number k, as ATen computes it: its exact special cases (x * x for 2, sqrt for
    0.5, 1 / sqrt(x) for -0.5, 1 / x for -1, ...), else SLEEF's pow and glibc's (float32, float64)
    or C's pow."""
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


@quiet
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
        if a.dtype == np.float32 and not isinstance(k, complex):
            return _powf(a, k)
        if a.dtype == _F64 and not isinstance(k, complex):  # (SLEEF's pow and glibc's, as x ** y)
            return _pow_by_parts(a, np.asarray(k, _F64), sleef_powd, _libm_pow)
    return np.power(a, k)


@quiet
def _powf(a, k):
    """float32 a ** k as ATen's CPU kernel computes it: its vectorised loop (chunks of two vectors) is
    SLEEF's powf(x, float(k)) (sleef_powf), its scalar loop (the last n % chunk elements of a run, a
    strided tensor's) glibc's pow(x, double k) rounded to float32. (float64's pow rounded once
    differed from torch's on 2% of values, numpy's float32 power on 20%.)"""
    part = _aten_vector_part(a)
    return _by_parts(part, lambda x: sleef_powf(x, np.full(x.shape, np.float32(k))),
                     lambda x: _libm_pow(x, np.full(x.shape, float(k))).astype(np.float32), a)


def power(a, b):
    """a ** b elementwise as ATen's pow kernel computes it: float32 and float64 by _pow_by_parts,
    SLEEF's pow in its vectorised loop and glibc's in its scalar loop (float64's pow rounded once
    differed from torch's on 1.7% of float32 values, numpy's power on 6% of float64's); other dtypes
    C's pow, element by element (numpy's power takes a shortcut for a 0-d exponent of 0.5, 2, -1, ...:
    sqrt(-inf) is nan where pow(-inf, 0.5) is inf; PyTorch's tensor ** tensor does not)."""
    if getattr(a, "dtype", None) == _F64 and np.result_type(a, b) == _F64:
        return _pow_by_parts(a, np.asarray(b, _F64), sleef_powd, _libm_pow)
    if getattr(a, "dtype", None) == _F32 and np.result_type(a, b) == _F32:
        return _pow_by_parts(a, np.asarray(b, _F32), sleef_powf, _libm_powf)
    if np.ndim(b) == 0 or np.size(b) == 1:
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        a, b = (np.reshape(a, (-1,)) if np.ndim(a) else np.reshape(a, (1,)),
                np.full(max(np.size(a), 1), b, dtype=np.result_type(b)))
        return _power_rounded_once(a, b).reshape(shape)
    return _power_rounded_once(a, b)


def _power_rounded_once(a, b):
    if np.result_type(a, b) == _F32:
        return np.power(a, b, dtype=np.float64).astype(np.float32)
    return np.power(a, b)


def _pow_by_parts(a, b, vectorised, scalar):
    """vectorised(a, b) where ATen's pow kernel (a, b broadcast) runs its vector loop, scalar(a, b)
    where it runs its scalar loop: the last n % (2 vectors) elements of a run, a strided tensor's, a
    single element. (A run of more than 32768 elements is one run here, as with one thread: more
    threads split it, each part with its own scalar tail.)"""
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    if a.strides == b.strides or not any(b.strides):  # (one layout, or a number's exponent)
        part = _aten_vector_part(a)
    elif not any(a.strides):  # (a number's base: the loop runs over the exponent)
        part = _aten_vector_part(b)
    else:  # (broadcast along other dims: each row a run when both are read along it, else none)
        part = np.zeros(shape, bool)
        if a.strides[-1] in (0, a.itemsize) and b.strides[-1] in (0, a.itemsize):
            n = shape[-1]
            part[..., :n - n % (2 * VECTOR_BYTES // a.itemsize)] = True
    return _by_parts(part, vectorised, scalar, a, b)


def exponent_minus_one(exponent, exponent_dtype):
    """exponent - 1 as pow_backward_self computes it: in the exponent tensor's own dtype, before it
    is promoted to the result's (a float32 exponent of a float64 base: 0.1f - 1 rounds in float32).
    exponent_dtype is None when the exponent already had the result's dtype."""
    if not isinstance(exponent, np.ndarray):
        return exponent - 1
    if exponent_dtype is None or exponent.dtype == exponent_dtype:
        # (an array still: a 0-d array minus 1 is a numpy scalar, which pow would take for a number
        # exponent, with ATen's shortcuts for numbers: pow(-0., -0.5) is inf, rsqrt(-0.) -inf)
        return np.asarray(exponent - 1)
    return np.asarray((exponent.astype(exponent_dtype) - 1).astype(exponent.dtype))


def pow_tensors(a, b):
    """a ** b elementwise; integers as ATen's powi: a negative power is 0, except of 1 and -1."""
    if a.dtype.kind not in "iu" or not (b < 0).any():
        return power(a, b)
    out = power(a, np.where(b < 0, 0, b))
    odd = (b % 2) != 0
    return np.where(b >= 0, out, np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))).astype(out.dtype)


def sign(a):
    """PyTorch's sign: -1, 0 or 1, and 0 for nan (numpy's is nan)."""
    if a.dtype.kind == "b":
        return a.copy()
    return np.subtract(a > 0, a < 0, dtype=a.dtype)


def norm(a, p, dim, keepdim):
    """(sum |a|**p) ** (1/p) over dim (None: all), as ATen's linalg_vector_norm computes it on the
    CPU: over dims of one element, |a| (p = 0: a != 0); p = 2 over one innermost contiguous block
    of elements (a whole contiguous tensor, or x.norm(dim=-1)): ATen's vectorized loop (_norm_two_rows);
    else its one-by-one loop (binary_kernel_reduce) in memory order, accumulated in a's dtype
    (float16 in float32): acc + |x|, acc + fma(x, x), acc + powf(|x|, p), max or min of |x|."""
    dims = tuple(range(a.ndim)) if dim is None or dim == () else tuple(d % a.ndim for d in _as_tuple(dim))
    if a.size == 0 or all(a.shape[d] == 1 for d in dims):
        return _norm_trivial(a, p, dims, keepdim)
    out_shape = tuple(1 if d in dims else n for d, n in enumerate(a.shape))
    rows, lastdim = _reduction_rows(a, dims)
    acc_dtype = np.dtype(_F32) if a.dtype == np.float16 else a.dtype
    t = acc_dtype.type
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if p == 2 and lastdim and a.dtype != np.float16:
            out = _norm_two_rows(rows)
        elif p == float("inf"):
            out = np.abs(rows).max(axis=1)
        elif p == -float("inf"):
            out = np.abs(rows).min(axis=1)
        elif p == 0:
            out = _ordered_total(np.asarray(rows != 0, acc_dtype))
        elif p == 2:
            out = np.sqrt(_ordered_total(rows.astype(acc_dtype), squares=True))
        elif p == 1:
            out = _ordered_total(np.abs(rows).astype(acc_dtype))
        else:
            out = _std_pow(np.asarray(_ordered_total(_std_pow(np.abs(rows).astype(acc_dtype), t(p)))), t(1) / t(p))
    out = np.asarray(out, a.dtype).reshape(out_shape)
    return out if keepdim else out.reshape(tuple(n for d, n in enumerate(a.shape) if d not in dims))


def _norm_trivial(a, p, dims, keepdim):
    """norm over nothing (0 / identity) or over dims of one element (|a|, or a != 0 for p = 0)"""
    x = np.abs(a)
    if a.size == 0:
        if p == 0:
            return (x != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
        if p == float("inf"):
            return x.max(axis=dims, keepdims=keepdim)
        return (x ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
    out = (x != 0).astype(a.dtype) if p == 0 else x
    return out if keepdim else out.reshape(tuple(n for d, n in enumerate(a.shape) if d not in dims))


def _reduction_rows(a, dims):
    """a as (outputs, n): each output's reduced elements in the order TensorIterator visits them
    (memory order); and whether they form one innermost contiguous block (ATen's is_reduce_lastdim)."""
    kept = [d for d in range(a.ndim) if d not in dims and a.shape[d] > 1]
    if a.flags.c_contiguous and (not kept or max(kept) < min(d for d in dims if a.shape[d] > 1)):
        return a.reshape(-1, count(a.shape, dims)), True  # (x.norm(), x.norm(dim=-1): the common case)
    out_strides, step = [0] * a.ndim, 1
    for d in reversed(range(a.ndim)):
        if d not in dims:
            out_strides[d] = step
            step *= a.shape[d]
    perm = iteration_order(a.shape, [out_strides, a.strides])  # fastest first
    shape, (o_st, i_st) = coalesced([a.shape[d] for d in perm], [[out_strides[d] for d in perm],
                                                                  [a.strides[d] for d in perm]])
    reduced = [k for k, n in enumerate(shape) if o_st[k] == 0 and n > 1]
    lastdim = reduced == [0] and i_st[0] == a.itemsize
    kept = [d for d in range(a.ndim) if d not in dims]
    order = kept + [d for d in reversed(perm) if d in dims]  # (the slowest reduced dim first)
    rows = np.transpose(a, order).reshape(count(a.shape, kept) if kept else 1, -1)
    return rows, lastdim


def _norm_two_rows(rows):
    """sqrt(sum x**2) of each row as ATen's vectorized norm kernel: a square summed into each lane
    of a vector (no fused multiply-add), the lanes added up in order, then the leftover elements
    one by one: those in a whole group of 4 squared and added, the rest each a fused multiply-add
    (as the compiled loop does; measured against torch for every leftover count)"""
    lanes = _LANES_BYTES // rows.itemsize
    n = rows.shape[1] - rows.shape[1] % lanes
    body = rows[:, :n].reshape(len(rows), -1, lanes)
    lane_sums = np.cumsum(body * body, axis=1)[:, -1] if n else np.zeros((len(rows), lanes), rows.dtype)
    total = np.cumsum(lane_sums, axis=1)[:, -1]
    quads = n + (rows.shape[1] - n) // 4 * 4  # (the compiled tail squares 4 at a time, then fuses)
    for k in range(n, rows.shape[1]):
        x = rows[:, k]
        total = total + x * x if k < quads else fused_multiply_add(x, x, total)
    return np.sqrt(total)


def _ordered_total(terms, squares=False):
    """sum of each row of terms one after another (of their squares, each a fused multiply-add, when
    squares); one output of 32768 terms or more: split in equal chunks between the threads, their
    sums added in order (binary_kernel_reduce's parallel_for)"""
    n = terms.shape[1]
    threads = min(get_num_threads(), -(-n // 32768))
    if len(terms) == 1 and threads > 1:
        chunk = -(-n // threads)
        parts = [_ordered_total(terms[:, i:i + chunk], squares) for i in range(0, n, chunk)]
        return np.cumsum(np.concatenate([np.zeros((1, 1), terms.dtype)] + [q[:, None] for q in parts], 1), 1)[:, -1]
    if squares:
        terms = terms * terms
    return np.cumsum(terms, axis=1)[:, -1]


def softmax(a, dim):
    """e**(a - max) / sum(e**(a - max)) along dim (float32 and float64: ATen's kernels)"""
    if a.size == 0:
        return np.empty_like(a)
    if _softmax_kernel_applies(a, dim):
        rows = _as_rows(a)
        e = sleef_expf(rows - rows.max(axis=1, keepdims=True))
        return _into_new(np.multiply, e, np.float32(1) / _softmax_row_sums(e), a.shape)
    if _float64_last_dim(a, dim):  # (the same kernel in float64, with SLEEF's exp in float64)
        rows = _as_rows(a)
        e = sleef_expd(rows - rows.max(axis=1, keepdims=True))
        return _into_new(np.multiply, e, 1 / _softmax_row_sums(e), a.shape)
    if _softmax_columns_apply(a, dim):
        columns = _as_columns(a, dim)
        e = _column_exps(columns - columns.max(axis=1, keepdims=True), _softmax_vector_positions(columns))
        return (e / _column_sums(e)).reshape(a.shape)
    e = np.exp(a - a.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


@quiet
def log_softmax(a, dim):
    """(a - max) - log(sum(e**(a - max))) along dim (float32 and float64: ATen's kernels)"""
    if a.size == 0:
        return np.empty_like(a)
    if _softmax_kernel_applies(a, dim):
        rows = _as_rows(a)
        shifted = rows - np.maximum.reduce(rows, 1, keepdims=True)  # (rows.max's call, without its wrapper)
        # (x - max is 0 at a row's max, and below elsewhere, or nan: e**0 is 1, so a row's sum is 1 or
        # more, or nan, and each range check needs one reduction, not two)
        total = _softmax_row_sums(_sleef_expf(shifted, nonpositive=True))
        logs = _sleef_logf_steps(total) if np.maximum.reduce(total, axis=None) < _LOGF_BIG else _sleef_logf(total)
        if shifted.shape != a.shape:
            return _into_new(np.subtract, shifted, logs, a.shape)
        return np.subtract(shifted, logs, out=shifted)  # (an array of its own already)
    if _float64_last_dim(a, dim):  # (the same kernel in float64, SLEEF's exp and log in float64)
        rows = _as_rows(a)
        shifted = rows - np.maximum.reduce(rows, 1, keepdims=True)
        return _into_new(np.subtract, shifted, sleef_logd(_softmax_row_sums(sleef_expd(shifted))), a.shape)
    if _softmax_columns_apply(a, dim):
        columns = _as_columns(a, dim)
        shifted = columns - columns.max(axis=1, keepdims=True)
        total = _column_sums(_column_exps(shifted, _log_softmax_vector_positions(columns)))
        return (shifted - (sleef_logf if a.dtype == _F32 else sleef_logd)(total)).reshape(a.shape)
    shifted = a - a.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def skipped_by_cat(a):
    """PyTorch's legacy rule: cat leaves out a 1-D tensor of size 0, whatever the others' shapes."""
    return a.ndim == 1 and a.shape[0] == 0


def cat(*arrays, dim):
    kept = [a for a in arrays if not skipped_by_cat(a)]
    return np.concatenate(kept, axis=dim) if kept else np.concatenate(arrays)


def expanded(a, shape):
    """a broadcast to shape as a view with ATen's strides (inferExpandGeometry: 0 where a dim is
    repeated, a's own elsewhere; a 0-d a's are all 0), writable as a is: fill_ and zero_ may write
    into it."""
    strides = [0] * len(shape)  # (all of them for a 0-d a: the gradient of a full sum or mean)
    outer = a.itemsize if a.ndim else 0  # (a new leading dim's stride: the next one's size x stride)
    for i in range(len(shape) - 1, -1, -1) if a.ndim else ():
        j = i - (len(shape) - a.ndim)  # a's dim, or < 0 for a new leading one
        size, stride = (a.shape[j], a.strides[j]) if j >= 0 else (1, outer)
        if size != shape[i]:
            stride = 0
        strides[i] = stride
        outer = shape[i] * stride
    flags = a.flags  # (each read of .flags makes a new object: read once)
    if flags.c_contiguous and flags.writeable:  # (the same view, made without as_strided's cost)
        return np.ndarray(shape, a.dtype, buffer=a, strides=strides)
    return np.lib.stride_tricks.as_strided(a, shape, strides, subok=True, writeable=flags.writeable)


def unsqueezed(a, dim):
    """a with a new size-1 dim at dim, as a view with ATen's strides (inferUnsqueezeGeometry: the
    new dim's is the next dim's size x stride, one element at the end; a's own kept, where numpy's
    expand_dims recomputes the size-1 dims' of a contiguous a), as .stride() and the memory-overlap
    checks of a write (b[None] = b) read them."""
    out = np.expand_dims(a, dim)
    strides = a.strides[:dim] + (a.shape[dim] * a.strides[dim] if dim < a.ndim else a.itemsize,) + a.strides[dim:]
    if out.strides == strides:
        return out
    return np.lib.stride_tricks.as_strided(a, out.shape, strides, writeable=a.flags.writeable)


def viewed(a, shape):
    """a viewed in shape (a view exists: the caller checked), with ATen's strides, which .stride()
    and the memory-overlap checks of a write read: they differ from numpy's reshape only in the
    size-1 dims and for an empty a (computeStride's rules, view_strides)."""
    out = a.reshape(shape)
    if 1 not in shape and out.size:
        return out
    strides = view_strides(a.shape, a.strides, shape, a.itemsize)
    if strides is None or out.strides == strides:  # (None: numpy copied, as reshape may)
        return out
    return np.lib.stride_tricks.as_strided(a, out.shape, strides, writeable=a.flags.writeable)


def view_strides(old_shape, old_strides, shape, itemsize):
    """The strides (in bytes) of a view of shape on memory laid out as old_shape / old_strides,
    ATen's computeStride: the old dims in chunks of contiguous memory (a size-1 dim never ends one),
    each chunk's elements taken by the new dims from the last; a new size-1 dim gets the stride of
    what the new dims after it in its chunk span. (None where no view exists.)"""
    if not old_shape:
        return (itemsize,) * len(shape)
    if 0 in old_shape:
        if tuple(old_shape) == tuple(shape):
            return tuple(old_strides)
        strides = [itemsize] * len(shape)
        for d in range(len(shape) - 2, -1, -1):
            strides[d] = max(shape[d + 1], 1) * strides[d + 1]
        return tuple(strides)
    strides = [0] * len(shape)
    view_d = len(shape) - 1
    chunk_stride = old_strides[-1]  # (the stride of the chunk's last dim)
    old_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        old_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != old_numel * chunk_stride):
            while view_d >= 0 and (view_numel < old_numel or shape[view_d] == 1):
                strides[view_d] = view_numel * chunk_stride
                view_numel *= shape[view_d]
                view_d -= 1
            if view_numel != old_numel:
                return None
            if d > 0:
                chunk_stride = old_strides[d - 1]
                old_numel = view_numel = 1
    return tuple(strides) if view_d == -1 else None


def flipped(a, dims):
    """a reversed along dims, in new memory laid out as a's (PyTorch's flip copies)."""
    return like(a, np.flip(a, dims))


def dense(a):
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


def like(a, values):
    """values in a new array laid out as a is when a is dense, else in C order (ATen's empty_like)."""
    out = np.empty_like(a, order="K" if dense(a) else "C")
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


def is_bool(x):
    return isinstance(x, (bool, np.bool_)) or getattr(x, "dtype", None) == np.bool_


def add_scaled(a, b, alpha):
    """a + alpha * b as ATen's add kernel computes it: one fused multiply-add, fma(b, alpha, a), with b
    and alpha first cast to the result's dtype (float32 and float64; rounded twice instead, 11-27% of
    results differ from torch's in the last bit). Of bools, PyTorch's a or (alpha and b); of other
    dtypes, as written."""
    if is_bool(a) and is_bool(b):
        return np.logical_or(a, np.logical_and(b, bool(alpha)))
    dtype = np.result_type(a, b)
    if dtype != _F32 and dtype != np.float64:
        if dtype.kind in "iu" and type(alpha) is int and alpha != 1:
            with np.errstate(over="ignore"):  # (alpha cast as ATen casts it: modulo 2**bits)
                return a + np.array(checked_int(alpha, dtype)).astype(dtype)[()] * b
        return a + alpha * b
    a, b = np.asarray(a, dtype), np.asarray(b, dtype)  # (a number operand: ATen's wrapped scalar)
    if dtype == _F32:  # (fused_multiply_add's float32 case, inline: the optimizers' hot path)
        product = np.multiply(b, np.float64(np.float32(alpha)), dtype=np.float64)
        return np.add(product, a, dtype=np.float64).astype(np.float32)
    return fused_multiply_add(b, np.float64(alpha), a)


def addcmul(x, y, z, value):
    """x + value * y * z as ATen's addcmul kernel computes it: value * y rounded, then one fused
    multiply-add with z and x (float32 and float64)."""
    if x.dtype != _F32 and x.dtype != np.float64:
        return x + value * y * z
    return fused_multiply_add(x.dtype.type(value) * y, z, x)


def lerp(start, end, weight):
    """start + weight (end - start), as ATen's kernel computes it (lerp_vec): for |weight| < 0.5
    fma(weight, end - start, start), else fma(weight - 1, end - start, end) -- one rounding of each
    fused multiply-add (float16 in float32, rounded after)"""
    dtype = np.result_type(start, end)
    wide = np.dtype(np.float32) if dtype == np.float16 else dtype
    start, end = start.astype(wide, copy=False), end.astype(wide, copy=False)
    weight = np.asarray(weight, dtype=wide)
    small = np.abs(weight) < 0.5
    coeff, base = np.where(small, weight, weight - wide.type(1)), np.where(small, start, end)
    return fused_multiply_add(coeff, end - start, base).astype(dtype, copy=False)


def fused_multiply_add(a, b, c):
    """a * b + c rounded once (the FMA instruction): float32 in float64, where the product is exact
    (_f32_fma_rounded_once); float64 by Dekker's exact product and a two-sum (faithful: the last bit
    of one in very many may differ from the FMA's)"""
    if getattr(a, "dtype", None) == np.float32:  # (broadcast by the float64 expression itself)
        return _f32_fma_rounded_once(a, b, c)
    a, b, c = np.broadcast_arrays(a, b, c)
    with np.errstate(over="ignore", invalid="ignore"):
        out = _fma_split(_halves(a), _halves(b), c)
        # (an exact zero takes its sign from a * b + c, as the FMA's does: -0.0 * 1 + -0.0 is -0.0)
        return np.where(np.isfinite(out) & (out != 0), out, a * b + c)


def _halves(x):
    """(x, its high half, its low half): Veltkamp's split, as _split_half, for _fma_split"""
    hi = _split_half(x)
    return x, hi, x - hi


def _fma_split(a, b, c):
    """a * b + c rounded once, a and b given as _halves: Dekker's exact product and a two-sum, the
    steps of fused_multiply_add without its broadcasting and its guard for inf and zero results
    (sleef_expd calls it directly: its operands are finite, a zero's sign is lost in its 1 + ...,
    and it splits s and its constants once)"""
    a, a_hi, a_lo = a
    b, b_hi, b_lo = b
    p = a * b
    p_err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo  # (a * b = p + p_err)
    total = p + c
    v = total - p
    return total + (((p - (total - v)) + (c - v)) + p_err)  # (p + c = total + its error)


def _split_half(x):
    """the high half of x's mantissa (Veltkamp's split: x = high + low, each exact in 26 bits)"""
    t = x * 134217729.0  # 2**27 + 1
    return t - (t - x)


_C_INT_NAMES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t"}


def checked_int(number, dtype):
    """number, which ATen converts to the integer dtype with c10's overflow check (an add's alpha, a
    power's exponent): within the dtype's range, or for an unsigned one down to -max (cast modulo)"""
    info = np.iinfo(dtype)
    if not (info.min <= number <= info.max or (info.min == 0 and -info.max <= number < 0)):
        raise RuntimeError(f"value cannot be converted to type {_C_INT_NAMES[dtype.name]} without overflow")
    return number


def sub_scaled(a, b, alpha):
    """a - alpha * b: ATen's sub (and rsub, b - alpha * a) is add with -alpha, rounded once as
    add_scaled; of integers a - b, or with another alpha add_scaled's (-alpha cast modulo 2**bits)"""
    if np.result_type(a, b).kind == "f" or alpha != 1:
        return add_scaled(a, b, -alpha)
    return a - b


# --- spread, products, fills, roundings (ops tutorials use) -----------------------------------------
def var(a, dim, correction, keepdim, take_sqrt=False):
    """sum((a - mean)**2) / (N - correction) over dim (N: the number of elements reduced), and its
    square root when take_sqrt (std): accumulated in float64 and rooted there before the one rounding
    to a's dtype, as PyTorch's kernels do. Over all elements: ATen's std_var_all_cpu (the mean in a's
    dtype, the squares summed in order); over dims: ATen's Welford loop for float64 (_welford_m2),
    for float32 and float16 two passes in float64 (the same roundings: float64's error is far below
    their spacing)."""
    if a.size == 0:  # nan, as a mean over nothing is
        return np.full(a.sum(axis=dim, keepdims=keepdim).shape, np.nan, dtype=a.dtype)
    x = a.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if dim is None:  # ATen's std_var_all_cpu: the mean in a's dtype, the squares summed in order
            centred = (x - np.float64(torch_mean(a))).ravel()
            squares = centred * centred
            # (ATen's parallel_reduce: above 32768 elements, equal chunks between the threads, each
            # summed in order, the chunks' sums added to 0 in order)
            threads = min(get_num_threads(), -(-a.size // 32768)) if a.size > 32768 else 1
            chunk = -(-a.size // threads)
            total = 0.0
            for start in range(0, a.size, chunk):
                total = total + np.cumsum(squares[start:start + chunk])[-1]
            out = np.asarray(total / max(a.size - correction, 0))
            out = out.reshape((1,) * a.ndim) if keepdim else out
        else:
            if a.dtype == np.float64:
                m2 = _welford_m2(x, _as_tuple(dim))
            else:
                centred = x - x.mean(axis=dim, keepdims=True)
                m2 = (centred * centred).sum(axis=dim)
            if keepdim:
                m2 = np.expand_dims(m2, tuple(d % a.ndim for d in _as_tuple(dim)))
            out = m2 / max(count(a.shape, dim) - correction, 0)
        if take_sqrt:
            out = np.sqrt(out)
    return np.asarray(out).astype(a.dtype, copy=False)


def inverse(a):
    """a^-1 of each square matrix (the last two dims), by LAPACK's LU solve (gesv) against the identity"""
    return np.linalg.inv(a)


def first_zero_pivot(a):
    """the 1-based index of the first zero on U's diagonal in a's LU factorisation with partial pivoting
    (LAPACK getrf's info), or 0"""
    u = np.array(a, dtype=np.float64)
    n = u.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        u[[k, p]] = u[[p, k]]
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return 0


@quiet
def cdist(x1, x2, p):
    """the p-norm distance of every row of x1 to every row of x2 (batched over leading dims):
    (sum_k |x1_ik - x2_jk|**p)**(1/p); p = 0 counts the differing columns, inf takes the largest"""
    diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        return (diff != 0).sum(-1).astype(x1.dtype)
    if p == math.inf:
        return diff.max(-1, initial=0)
    if p == 1:
        return diff.sum(-1)
    if p == 2:
        return np.sqrt((diff * diff).sum(-1))
    return (diff ** x1.dtype.type(p)).sum(-1) ** x1.dtype.type(1 / p)


@quiet
def cdist_backward(g, x1, x2, p, dist):
    """d cdist / d x1: sum_j g_ij d dist_ij / d x1_i, with d dist / d x1 = diff |diff|**(p-2) / dist**(p-1)
    (0 where dist is 0; p = 1: sign(diff); inf: sign(diff) where |diff| is the largest; p = 0: 0)"""
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    d = dist[..., None]
    if p == 0:
        part = np.zeros_like(diff)
    elif p == 1:
        part = np.sign(diff)
    elif p == math.inf:
        part = np.sign(diff) * (np.abs(diff) == d)
    elif p == 2:
        part = np.where(d == 0, 0, diff / d)
    else:
        part = np.where(d == 0, 0, diff * np.abs(diff) ** (p - 2) / d ** (p - 1))
    return (g[..., None] * part).sum(-2).astype(x1.dtype)


def euclidean_dist(x1, x2):
    """ATen's _euclidean_dist: sqrt(max(|x1_i|**2 - 2 x1_i . x2_j + |x2_j|**2, 0)) by one matrix product
    of rows padded with their squared norms and ones"""
    x1_norm, x2_norm = (x1 * x1).sum(-1, keepdims=True), (x2 * x2).sum(-1, keepdims=True)
    x1_ = np.concatenate([x1 * x1.dtype.type(-2), x1_norm, np.ones_like(x1_norm)], -1)
    x2_ = np.concatenate([x2, np.ones_like(x2_norm), x2_norm], -1)
    return np.sqrt(np.maximum(x1_ @ np.swapaxes(x2_, -1, -2), 0))


def var_mean(a, dim, correction, keepdim, take_sqrt=False):
    """(var or std, mean) over dim (None: all), as ATen's std_var_mean kernel computes both: one
    Welford pass in float64 (_welford), each rounded once to a's dtype (std_mean's var is not var's
    over all elements: no std_var_all_cpu here). (One pass in order: ATen's, below 32768 elements.)"""
    dims = tuple(range(a.ndim)) if dim is None else _as_tuple(dim)
    shape = np.sum(a, axis=dims, keepdims=keepdim).shape
    if a.size == 0:
        return np.full(shape, np.nan, a.dtype), np.full(shape, np.nan, a.dtype)
    mean, m2 = _welford(a.astype(np.float64), dims)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = m2 / max(count(a.shape, dims) - correction, 0)
        if take_sqrt:
            spread = np.sqrt(spread)
    return (np.asarray(spread).astype(a.dtype).reshape(shape), np.asarray(mean).astype(a.dtype).reshape(shape))


def _welford_m2(x, dims):
    """the sums of squared deviations over dims, by _welford"""
    return _welford(x, dims)[1]


def _welford(x, dims):
    """WelfordOps.reduce over dims (float64, one element after another in memory order):
    delta = x - mean; mean += delta / n; m2 += delta * (x - mean); (the means, the sums of squared
    deviations)."""
    dims = tuple(d % x.ndim for d in dims)
    kept = [d for d in range(x.ndim) if d not in dims]
    # one contiguous row of outputs per reduced element, in the reduced dims' order
    steps = np.ascontiguousarray(np.transpose(x, list(dims) + kept)).reshape(-1, *[x.shape[d] for d in kept])
    mean, m2, delta, after = (np.zeros(steps.shape[1:]) for _ in range(4))
    for i, value in enumerate(steps):
        np.subtract(value, mean, out=delta)
        mean += delta / float(i + 1)
        np.subtract(value, mean, out=after)
        after *= delta
        m2 += after
    return mean, m2


def logsumexp(a, dim, keepdim):
    """log(sum(exp(a))) over dim, shifted by the max so that nothing overflows; as ATen's: the max
    (an infinite one taken as 0), exp of the shifted values as the exp op computes it, their sum in
    ATen's order (torch_sum_dim), log as the log op, plus the max."""
    if a.size == 0 or a.ndim == 0:  # (nothing to sum, or one number: numpy's sum is its own)
        m = a.max(axis=dim, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.exp(a - m).sum(axis=dim, keepdims=True)) + m
        return out if keepdim else out.squeeze(axis=dim)
    m = a.max(axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    total = torch_sum_dim(np.ascontiguousarray(_exp_rounded_once(a - m)), dim, True)
    out = _log_rounded_once(total) + m
    return out if keepdim else out.squeeze(axis=dim)


_exp_rounded_once = in_float64(np.exp)  # (the exp and log ops' float32: float64, rounded once)
_log_rounded_once = in_float64(np.log)


def round_decimals(a, decimals):
    """a rounded to `decimals` places as ATen's kernel: nearbyint(a * 10**d) / 10**d (d < 0:
    nearbyint(a / 10**-d) * 10**-d) in a's dtype (float16 in float32), halves to even"""
    t = np.float32 if a.dtype == np.float16 else a.dtype.type
    x = a.astype(t, copy=False)
    scale = t(10.0 ** abs(decimals))  # (std::pow(10, d) in double, cast)
    out = np.rint(x / scale) * scale if decimals < 0 else np.rint(x * scale) / scale
    return out.astype(a.dtype, copy=False)


def trace(a):
    """sum of a matrix's diagonal as ATen's trace_cpu adds it: one element after another in its
    accumulate type (float64 for float32 and float64, float32 for float16), rounded once"""
    diagonal = np.diagonal(a)
    if a.dtype.kind != "f" or diagonal.size == 0:
        return np.asarray(np.trace(a))
    acc = _F32 if a.dtype == np.float16 else np.float64
    return np.asarray(np.cumsum(diagonal.astype(acc))[-1]).astype(a.dtype)


def div_rounding(a, b, mode):
    """a / b rounded down ("floor") or toward zero ("trunc"); integers stay integers."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            return np.floor_divide(a, b)
        if np.result_type(a, b).kind in "iu":
            # integer division, exact (through float64, 2**62 + 1 lost its last digits): the floor,
            # one up where the quotient is negative and not whole
            q = np.floor_divide(a, b)
            return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
        q = np.true_divide(a, b)
        return np.trunc(q).astype(np.result_type(a, b), copy=False)


_ERF = np.frompyfunc(math.erf, 1, 1)


def _erf(x):
    """math.erf of each element of x, a float64 array (0-d included: frompyfunc gives those a float)"""
    return np.asarray(_ERF(x), dtype=np.float64)


@quiet
def erf(a):
    """erf in float64, rounded once (torch's float32 erf, MKL's, differs from that on ~3% of inputs)"""
    return in_float64(_erf)(a)


def gelu(a, approximate):
    """x * Phi(x) (Phi: the standard normal CDF), or PyTorch's tanh approximation of it; computed in
    the input's dtype in the order of PyTorch's kernel (only erf/tanh themselves in float64), so that
    float32 rounds as PyTorch's does. float32 with approximate='none': as torch's kernels (gelu_erf)."""
    dt = a.dtype.type
    if approximate == "tanh":
        inner = dt(np.sqrt(2 / np.pi)) * (a + dt(0.044715) * (a * a * a))
        return dt(0.5) * a * (1 + np.tanh(inner.astype(np.float64)).astype(a.dtype))
    if a.dtype == _F32:
        return gelu_erf_float32(a)
    erf = _erf((a * dt(np.sqrt(0.5))).astype(np.float64)).astype(a.dtype)
    return np.asarray(a * dt(0.5) * (1 + erf))


def gelu_grad(a, approximate):
    x = a.astype(np.float64)
    if approximate == "tanh":
        k = np.sqrt(2 / np.pi)
        inner = k * (x + 0.044715 * x ** 3)
        t = np.tanh(inner)
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
    else:
        d = 0.5 * (1 + _erf(x / np.sqrt(2))) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    return d.astype(a.dtype)


def clamp(a, min, max):
    """ATen's min(max(a, min), max), for number or (broadcast) array bounds: a itself on a tie,
    nan where a or a bound is nan (numpy's maximum(m, a) keeps its second operand on a tie)."""
    if min is not None:
        a = np.maximum(min, a)
    if max is not None:
        a = np.minimum(max, a)
    return a


def diagonal_view(a, offset, dim1, dim2):
    """The diagonal `offset` of a over dims dim1 and dim2 (negative: from the end), a writable view
    of a's memory as torch's: those dims removed, the diagonal last. (np.diagonal's view is
    read-only, so its shape and strides are laid over a, the offset applied by slicing first.)"""
    start = [slice(None)] * a.ndim
    if offset >= 0:
        start[dim2] = slice(offset, None)
    else:
        start[dim1] = slice(-offset, None)
    corner = a[tuple(start)]
    read_only = np.diagonal(corner, 0, dim1, dim2)
    return np.lib.stride_tricks.as_strided(corner, read_only.shape, read_only.strides, subok=True)  # (a ZeroArray stays one)


def diagonal_backward(g, shape, offset, dim1, dim2):
    """zeros of shape with g on their diagonal `offset` over dims dim1 and dim2"""
    out = np.zeros(shape, g.dtype)
    diagonal_view(out, offset, dim1, dim2)[...] = g
    return out


def embedding_dense_backward(g, indices, num_weights, padding_idx, scale_grad_by_freq):
    """rows of g added into the weight's rows the indices name, in the order they come (ATen's);
    none into padding_idx's; scale_grad_by_freq: each divided by its index's count"""
    flat = indices.reshape(-1)
    rows = g.reshape(flat.size, -1)
    if scale_grad_by_freq:
        counts = np.bincount(flat, minlength=num_weights)
        rows = rows / counts[flat].astype(g.dtype)[:, None]
    keep = flat != padding_idx
    return add_at(rows[keep], (num_weights, rows.shape[1]), flat[keep])


def cumprod(a, dim):
    """out[i] = a[0] * ... * a[i] along dim, in ATen's accumulator (double for floats, int64 for
    integers and bool)"""
    if a.dtype.kind in "biu":
        return np.cumprod(a, axis=dim, dtype=np.int64).reshape(a.shape)
    return in_float64(np.cumprod)(a, axis=dim).reshape(a.shape)


@quiet
def cumprod_backward_with_zeros(g, a, out, w, dim):
    """cumprod_backward of a with zeros along dim, as ATen computes it outside grad mode (w = out g):
    before the first zero, the reversed cumsum of w cut there, over a; at the first zero z,
    out[z - 1] (1 at the start) times the sum of g_j cumprod(a[z + 1..j]) for j up to the second zero;
    after it, 0."""
    zeros_so_far = np.cumsum(a == 0, axis=dim)
    before = zeros_so_far == 0
    grad = np.zeros(a.shape, g.dtype)
    flipped = np.flip(np.where(before, w, 0), dim)
    grad[before] = (np.flip(in_float64(np.cumsum)(flipped, axis=dim), dim) / a)[before]
    until_second = zeros_so_far == 1
    first = np.expand_dims(np.argmax(until_second, axis=dim), dim)
    first_mask = (np.arange(a.shape[dim]).reshape((-1,) + (1,) * (a.ndim - dim - 1)) == first) & until_second
    between = until_second & ~first_mask
    terms = cumprod(np.where(between, a, 1).astype(a.dtype), dim) * np.where(until_second, g, 0)
    at_zero = torch_sum_dim(np.ascontiguousarray(terms), dim, True) * np.where(
        first == 0, 1, np.take_along_axis(out, np.maximum(first - 1, 0), dim))
    grad[first_mask] = np.broadcast_to(at_zero, a.shape)[first_mask]
    return grad


@quiet
def remainder(a, other):
    """a % other as ATen computes it: fmod, moved by other when the signs differ -- so a zero keeps
    the dividend's sign (0. % -1 is 0., numpy's is -0.)."""
    mod = np.fmod(a, other)
    if mod.dtype.kind != "f":
        return np.remainder(a, other)
    return np.where((mod != 0) & ((other < 0) != (mod < 0)), mod + other, mod)


def along(a, dim, keepdim, indices):
    """Values at `indices` (argmax/argmin with the reduced axis kept) along `dim`."""
    if a.ndim == 0:
        return a.copy()
    v = np.take_along_axis(a, indices, dim)
    return v if keepdim else v.squeeze(dim)


@quiet
def median(a):
    """The lower of the two middle values of all of a (nan if a has one or is empty), as ATen's
    median_impl: the element at (n - 1) // 2 of the sorted values"""
    flat = a.reshape(-1)
    if flat.size == 0 or (flat.dtype.kind == "f" and np.isnan(flat).any()):
        return np.asarray(np.nan).astype(a.dtype)  # (an empty integer tensor: nan cast, as ATen's)
    return np.asarray(np.sort(flat, kind="stable")[(flat.size - 1) // 2])


def median_indices(a, dim):
    """Along dim (kept), the index median(dim) picks: the first nan's, else the element at
    (n - 1) // 2 in (value, index) order (ATen's nth_element, ties broken by the index)"""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    middle = np.take(np.argsort(a, axis=dim, kind="stable"), [(a.shape[dim] - 1) // 2], axis=dim)
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        if nan.any():
            return np.where(nan.any(axis=dim, keepdims=True), np.argmax(nan, axis=dim, keepdims=True), middle)
    return middle


def take_along(a, indices, dim):
    """a's elements at indices along dim (a 0-dim tensor's only element for a 0-dim one); in the
    other dims as far as indices reaches (gather's index may be smaller than a there)."""
    if not a.ndim:
        return a.copy()
    if indices.shape != a.shape:
        a = a[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(indices.shape))]
    return np.take_along_axis(a, indices, dim)


def add_at(g, shape, index):
    z = np.zeros(shape, dtype=g.dtype)
    np.add.at(z, index, g)
    return z


def put(a, index, value):
    r = a.copy()
    indexed(r, index)  # (PyTorch's message for index tensors that do not broadcast)
    r[index] = value
    return r


def indexed(a, index):
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


# --- matrix products: torch's BLAS (MKL on x86-64) ----------------------------------------------------
def _blas_fuses():
    """Whether torch's BLAS here multiplies with FMA instructions: torch's x86-64 builds call MKL,
    which on an Intel CPU with AVX2 and FMA3 runs its AVX2 or AVX512 kernels (both fused), unless
    MKL_ENABLE_INSTRUCTIONS holds it to SSE4_2 or AVX (then products are rounded before the add, as
    numpy's are). On another maker's CPU MKL runs its generic kernels, which round the product too
    (MKL 2024.2 on an AMD EPYC Zen 4 with AVX-512: mkl_serv_cpu_detect() is 0, nn.Linear(1, h) goes
    through mkl_blas_def_xsgemmger). Elsewhere (arm64: not MKL) this is not known, and numpy's order
    is kept."""
    if platform.machine().lower() not in ("x86_64", "amd64") or CPU_VENDOR != "GenuineIntel":
        return False
    held = os.environ.get("MKL_ENABLE_INSTRUCTIONS", "").upper() in ("SSE4_2", "AVX")
    return bool(CPU_FEATURES.get("AVX2") and CPU_FEATURES.get("FMA3")) and not held


_BLAS_FUSES = _blas_fuses()


# MKL on another maker's CPU (an AMD's) runs its generic kernels, and some of them add a product's
# terms in k's order, from 0, each product rounded before the add (no fused multiply-add):
# - its gemv of a matrix whose columns lie contiguous in memory (BLAS's 'N'), an axpy: y += column j *
#   x[j] for each j. torch's mv of such a matrix goes there (ATen's addmv takes 'n' for a matrix of
#   stride 1 along its rows), and so does its mm of a result with one row or one column, where MKL's
#   gemm hands over to its gemv: a weight's gradient x.T @ g or g.T @ x. addmm starts from the bias.
# - its small kernels: a product over k <= 3 with fewer than 4 rows or 12 columns, any layout (a
#   Linear(2, h) or Linear(3, 1)), and mv over k <= 4; addmm adds the bias last there.
# Probed against torch 2.13 (MKL 2024.2) on an AMD EPYC: about 3,500 shapes up to 20000 x 3 and
# 6000 x 3000, float32 and float64, one and two threads, padded, sliced and transposed operands: every
# bit the same (numpy's matmul: 1-2% of the axpys, 60-70% of the small ones). Other products keep
# numpy's order, which is the generic kernels' own (a fused multiply-add in k's order) for many larger
# float32 ones; MKL's other small kernels follow orders not known here. On an Intel CPU MKL runs its
# own kernels, not known here either: numpy's order everywhere.
_MKL_GENERIC = platform.machine().lower() in ("x86_64", "amd64") and CPU_VENDOR != "GenuineIntel"


def mv(a, v):
    """a @ v, matrix by vector, as torch's mv computes it (see _MKL_GENERIC)"""
    if _MKL_GENERIC and _float_pair(a, v) and (a.shape[1] <= 4 or _columns_contiguous(a)):
        return _sum_in_k_order(a, v[:, None])[:, 0].copy()  # (a column's copy: an array of its own)
    return np.matmul(a, v)


def mm(a, b):
    """a @ b as torch's mm computes it (see _MKL_GENERIC)"""
    if _MKL_GENERIC and _float_pair(a, b):
        (m, k), n = a.shape, b.shape[1]  # (_mm_is_small and _mm_is_axpy's first test, inlined: every mm asks)
        if k <= 3 and (m < 4 or n < 12) or (m == 1 or n == 1) and _mm_is_axpy(a, b):
            return _sum_in_k_order(a, b)
    return np.matmul(a, b)


def _float_pair(a, b):
    dt = a.dtype  # (float32 and float64 told by identity: an mm's check costs a tenth of its product)
    return (dt is _F32 or dt is _F64) and b.dtype is dt


def _columns_contiguous(a):
    """a's stride is 1 along its rows and its leading dimension at least its row count (ATen's
    lda_cond): gemv 'N'"""
    return a.strides[0] == a.itemsize and a.strides[1] >= max(1, a.shape[0]) * a.itemsize


def _mm_is_axpy(a, b):
    """a result of one row from a b whose rows lie contiguous, or of one column (and more rows)
    from an a whose columns do: MKL's gemm runs its gemv 'N' there"""
    m, n = a.shape[0], b.shape[1]
    if m == 1:
        return b.strides[1] == b.itemsize and b.strides[0] >= n * b.itemsize
    return n == 1 and _columns_contiguous(a)


def _mm_is_small(a, b):
    return a.shape[1] <= 3 and (a.shape[0] < 4 or b.shape[1] < 12)


_PRODUCTS_AT_ONCE = 1 << 18  # (a few MB)


def _sum_in_k_order(a, b, start=None):
    """a @ b added in k's order: start (else 0), then each product a[:, j] b[j] in turn, each rounded
    first (_sequential over the products' rows). The products are made a chunk of j at a time, so that
    a long k holds no more than _PRODUCTS_AT_ONCE of them."""
    (m, k), n = a.shape, b.shape[1]
    if start is None and 0 < k * m * n <= _PRODUCTS_AT_ONCE and m * n > 1:  # (the usual case, at once)
        # (in order as _sequential's reduce; initial=0: +0.0 where every product is -0.0)
        return np.add.reduce(np.multiply(a.T[:, :, None], b[:, None, :], order="C"), axis=0,
                             initial=a.dtype.type(0))
    total = None if start is None else np.broadcast_to(start, (m, n))
    if not k:
        return np.zeros((m, n), a.dtype) if start is None else total.copy()
    step = max(1, _PRODUCTS_AT_ONCE // max(1, m * n))
    for j in range(0, k, step):
        terms = np.multiply(a.T[j:j + step, :, None], b[j:j + step, None, :], order="C")  # (chunk, m, n)
        if total is not None:
            terms = np.concatenate((total[None], terms))
        total = _sequential(terms)
    # (+ 0: a sum from 0 is +0.0 where every product is -0.0)
    return total + a.dtype.type(0) if start is None else total


def bmm(a, b):
    """a @ b, matrix by matrix over the batch, as ATen's bmm computes it: below 400 multiply-adds per
    result matrix its own loop, each element 0 + the rounded products in k's order (no fused
    multiply-add: x y + (-x) y is 0, where numpy's BLAS leaves x y's rounding error); above, BLAS's
    gemm, whose order is numpy's here and MKL's in torch. Probed against torch 2.13: 200 small
    float32 and float64 shapes, every bit the same (numpy's matmul: 2 in 200). With nothing to
    multiply (a zero batch or size) ATen fills the result before its kernel looks at the dtypes: in
    b's dtype, whatever a's."""
    if a.size == 0 or b.size == 0:
        return np.matmul(a, b).astype(b.dtype)
    k = a.shape[-1]
    if not (k and k * a.shape[-2] * b.shape[-1] < 400 and a.dtype.kind == "f" and b.dtype == a.dtype):
        return np.matmul(a, b)
    products = a[..., :, :, None] * b[..., None, :, :]  # (..., n, k, m), each rounded
    total = np.cumsum(products, axis=-2)[..., -1, :]  # (cumsum adds strictly in order)
    # + 0: a sum from 0 is +0.0 where every product is -0.0; into a C-contiguous result, as ATen's
    return np.add(total, a.dtype.type(0), out=np.empty(total.shape, a.dtype))


def addmm(bias, mat1, mat2):
    """bias + mat1 @ mat2 as torch's addmm gives it (nn.Linear's forward). MKL's gemm with one column
    in mat1 (k = 1: nn.Linear(1, h), y = w x + b) and a result of at least 2 x 2 computes each element
    as one fused multiply-add where its kernels fuse (_BLAS_FUSES), x w + b rounded once; numpy
    rounds x w, then adds b (a last-bit difference for about two elements in three). A result with
    one row or one column goes through another MKL kernel, which rounds the product as numpy does
    (on another maker's CPU see _MKL_GENERIC).
    Probed against torch 2.13 (MKL 2024.2): 337 of 337 shapes up to 128 x 128 on AVX512 and on AVX2,
    float32, one thread and two; float64 too; on an AMD EPYC (MKL's generic kernels) every shape
    rounds as numpy. With k > 1 MKL's orders depend on its kernel (blocks, edges, ISA) and numpy's
    is kept."""
    if (mat1.shape[1] == 1 and mat1.shape[0] > 1 and mat2.shape[1] > 1 and _BLAS_FUSES
            and mat1.dtype.kind == "f" and mat1.dtype.itemsize >= 4):
        return fused_multiply_add(mat1, mat2, bias)
    if _MKL_GENERIC and bias.dtype == mat1.dtype and _float_pair(mat1, mat2):
        if _mm_is_axpy(mat1, mat2):  # (from the bias)
            return _sum_in_k_order(mat1, mat2, bias)
        if _mm_is_small(mat1, mat2):  # (the bias added last)
            return _sum_in_k_order(mat1, mat2) + bias
    return bias + mat1 @ mat2


_LOW_29_BITS, _FLOAT32_MIDPOINT = np.asarray(np.int64(0x1FFFFFFF)), np.asarray(np.int64(0x10000000))


def _f32_fma_rounded_once(a, b, c):
    """a * b + c for float32, rounded once as the FMA instruction rounds: the product is exact in
    float64 and the sum is rounded there to 53 bits; rounding that to 24 bits rounds twice only where
    the float64 sum lies halfway between two float32 (its low 29 bits 1 and 28 zeros) and was
    inexact: there the sum's error (a two-sum) says which way the exact value lies."""
    product = np.multiply(a, b, dtype=np.float64)
    s = np.asarray(np.add(product, c, dtype=np.float64))
    low = np.asarray(np.bitwise_and(s.view(np.int64), _LOW_29_BITS))
    if _FLOAT32_MIDPOINT in low:  # (`in`: the comparison and any() in one call)
        # rare where the float64 sum is inexact: about one sum in 2**29; common where it is exact
        # (-exp(out) * -1/64 + -1/64, log_softmax's gradient of a one-hot loss: ties in half its
        # rows), and then already the FMA's value, to be rounded to even by the cast below
        half = low == _FLOAT32_MIDPOINT
        p = (product if product.shape == s.shape else np.broadcast_to(product, s.shape))[half]
        c = (c if np.shape(c) == s.shape else np.broadcast_to(c, s.shape))[half].astype(np.float64)
        t = s[half]
        with np.errstate(invalid="ignore", over="ignore"):
            v = t - p
            e = (p - (t - v)) + (c - v)  # (p + c = t + e)
            if e.any():  # (some sum inexact: nudged off the midpoint towards the exact value)
                s[half] = np.where(e != 0, np.nextafter(t, np.where(e > 0, np.inf, -np.inf)), t)
    return s.astype(np.float32)


# --- nn losses -----------------------------------------------------------------------------------
# (and linear's fused bias + matrix product). `reduction` is "mean", "sum" or "none".
def reduce(loss, reduction):
    return torch_mean(loss) if reduction == "mean" else torch_sum(loss) if reduction == "sum" else loss


def bce_logits(x, t, weight, pos_weight, reduction):
    """-[pw t log(sigmoid(x)) + (1 - t) log(1 - sigmoid(x))] = (1 - t) x - (1 + (pw - 1) t) log_sigmoid(x),
    in ATen's order: log_sigmoid(x), times (pw - 1) t + 1, subtracted from (1 - t) x, times weight"""
    log_sig = log_sigmoid(x)
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * t + 1)
    loss = (1 - t) * x - log_sig
    return reduce(loss if weight is None else loss * weight, reduction)


def _nll_rows(a, target, weight, ignore_index):
    """(rows of a, class per row (ignored rows point at class 0), weight per row (0 if ignored),
    which rows are ignored)."""
    rows, t = a.reshape(-1, a.shape[-1]), target.reshape(-1)
    ignored = t == ignore_index
    safe = np.where(ignored, 0, t)
    w = weight[safe] if weight is not None else np.ones(t.shape, dtype=a.dtype)
    return rows, safe, np.where(ignored, 0, w).astype(a.dtype), ignored


def nll(a, target, weight, reduction, ignore_index, total_weight=None):
    """loss_i = -w[t_i] * a[i, t_i]; 'mean' divides the sum by sum_i w[t_i] (PyTorch's weighted mean).
    An ignored row's loss is 0 whatever its values (ATen skips it: not -0 * a, nan for a nan)."""
    rows, t, w, ignored = _nll_rows(a, target, weight, ignore_index)
    picked = rows[np.arange(len(t)), t]
    if reduction == "none":
        return np.where(ignored, 0, -w * picked).reshape(target.shape)
    loss = _nll_cascade(picked if weight is None else picked * w, ~ignored, subtract=True)
    if total_weight is None:
        total_weight = nll_total_weight(target, weight, ignore_index, a.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(loss / total_weight if reduction == "mean" else loss)


def nll_total_weight(target, weight, ignore_index, dtype):
    """The sum of the weights of the rows not ignored, as ATen's nll_loss adds it (their count,
    without weights), in dtype: what 'mean' divides by, and grad_fn._saved_total_weight"""
    t = target.reshape(-1)
    counted = t != ignore_index
    if weight is None:
        return dtype.type(counted.sum())
    return _nll_cascade(weight[np.where(counted, t, 0)].astype(dtype, copy=False), counted, subtract=False)


def _nll_cascade(values, counted, subtract):
    """The sum (subtract: minus the sum) of the counted values as ATen's nll_loss forms it: a cascade of
    8 partial sums, the first taking the values one after another (from 0, so the first value alone
    goes to the last level); each counted row whose index is a multiple of 16 passes level 0 up to
    level 1, one at a multiple of 256 level 1 up to level 2, and so on; then the levels added in
    order. (16: 2**max(4, ceil(log2 rows) / 8), for fewer than 2**40 rows.)"""
    n, zero = len(values), values.dtype.type(0)
    power = max(4, (n - 1).bit_length() // 8) if n > 1 else 4
    step, mask = 1 << power, (1 << power) - 1
    levels = [zero] * 8
    fold = np.subtract.accumulate if subtract else np.add.accumulate  # (one after another)

    def run(lo, hi):
        part = values[lo:hi][counted[lo:hi]]
        if len(part):
            levels[0] = fold(np.concatenate([[levels[0]], part]).astype(values.dtype, copy=False))[-1]
    start = 0
    for b in range(0, n, step):
        if not counted[b]:  # (an ignored row passes nothing up)
            continue
        run(start, b + 1)
        start = b + 1
        for j in range(7):
            if b & (mask << (j * power)):
                break
            levels[j + 1], levels[j] = levels[j + 1] + levels[j], zero
    run(start, n)
    total = zero
    for level in levels:
        total = total + level
    return total


def nll_backward(g, a, target, weight, reduction, ignore_index, total_weight=None):
    """d nll / d a: -w[t_i] (scaled as the reduction scales) at each row's target class, 0 elsewhere
    (an ignored row stays 0: ATen skips it, even when the scale is nan)"""
    rows, t, w, ignored = _nll_rows(a, target, weight, ignore_index)
    z = np.zeros_like(rows, dtype=np.result_type(rows, g))
    if reduction == "mean" and total_weight is None:
        total_weight = nll_total_weight(target, weight, ignore_index, a.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = g / total_weight if reduction == "mean" else g if reduction == "sum" else np.reshape(g, -1)
        kept = ~ignored
        z[np.arange(len(t))[kept], t[kept]] = np.broadcast_to(-w * scale, t.shape)[kept]
    return z.reshape(a.shape)


def nll_2d(a, target, weight, reduction, ignore_index, total_weight=None):
    """nll of an (N, C, H, W) input against an (N, H, W) target: the rows a[n, :, h, w] taken in
    (n, h, w) order, as ATen's nll_loss2d sums them (the same cascade as nll's)"""
    rows = np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])
    out = nll(rows, target.reshape(-1), weight, reduction, ignore_index, total_weight)
    return out.reshape(target.shape) if reduction == "none" else out


def nll_2d_backward(g, a, target, weight, reduction, ignore_index, total_weight=None):
    """d nll_2d / d a: nll_backward's values in the (N, C, H, W) layout"""
    n, c, h, w = a.shape
    rows = np.moveaxis(a, 1, -1).reshape(-1, c)
    z = nll_backward(g, rows, target.reshape(-1), weight, reduction, ignore_index, total_weight)
    return np.ascontiguousarray(np.moveaxis(z.reshape(n, h, w, c), -1, 1))


def smooth_l1(a, b, beta):
    """z = |a - b|: 0.5 z z / beta below beta, z - 0.5 beta from it, as ATen's kernel (beta in a's dtype)"""
    t = a.dtype.type
    z = np.abs(a - b)
    return np.where(z < t(beta), t(0.5) * z * z / t(beta), z - t(0.5) * t(beta))


def huber(a, b, delta):
    """z = |a - b|: 0.5 z z below delta, delta (z - 0.5 delta) from it, as ATen's kernel"""
    t = a.dtype.type
    z = np.abs(a - b)
    return np.where(z < t(delta), t(0.5) * z * z, t(delta) * (z - t(0.5) * t(delta)))


def _loss_norm(a, reduction):
    """ATen's norm of a loss's backward kernel: 1 / count for 'mean' (in double, then a's dtype), else 1"""
    return a.dtype.type(1. / a.size if a.size else math.inf) if reduction == "mean" else a.dtype.type(1)


@zeros_as_memory
@quiet
def smooth_l1_loss_backward(g, a, b, reduction, beta):
    """norm g clamp((a - b) / beta, -1, 1), as ATen's kernel: its vector loop norm (x / beta) g with
    beta in a's dtype, its scalar loop (norm x g) / beta in double; AVX2's vectors on any machine (ATen
    registers this kernel's AVX512 build only for kernels that ask, and this one does not)"""
    norm, t = _loss_norm(a, reduction), a.dtype.type

    def vector(x, g):
        return norm * np.where(np.abs(x) >= t(beta), np.where(x > 0, t(1), t(-1)), x / t(beta)) * g

    def scalar(x, g):
        wide = x.astype(np.float64)
        inner = ((norm * x * g).astype(np.float64) / beta).astype(x.dtype)
        return np.where(wide <= -beta, -norm * g, np.where(wide >= beta, norm * g, inner))
    return _by_parts(_aten_backward_vector_part(g, a, _AVX2_BYTES, (b,)), vector, scalar, a - b, g)


@zeros_as_memory
@quiet
def huber_loss_backward(g, a, b, reduction, delta):
    """norm g clamp(a - b, -delta, delta), as ATen's kernel: its vector loop norm (+-delta) g with
    delta in a's dtype, its scalar loop (+-norm g) delta in double; AVX2's vectors, as smooth_l1's"""
    norm, t = _loss_norm(a, reduction), a.dtype.type

    def vector(x, g):
        return norm * np.where(np.abs(x) >= t(delta), np.where(x > 0, t(1), t(-1)) * t(delta), x) * g

    def scalar(x, g):
        wide = x.astype(np.float64)
        return np.where(wide <= -delta, ((-norm * g).astype(np.float64) * delta).astype(x.dtype),
                        np.where(wide >= delta, ((norm * g).astype(np.float64) * delta).astype(x.dtype),
                                 norm * x * g))
    return _by_parts(_aten_backward_vector_part(g, a, _AVX2_BYTES, (b,)), vector, scalar, a - b, g)


def bce(x, t, weight, reduction):
    """loss = -w * [t * log(x) + (1 - t) * log(1 - x)], each log clamped at -100, as ATen's scalar
    kernel computes it: (t - 1) max(log1p(-x), -100) - t max(log(x), -100), glibc's log and log1p
    in x's dtype (numpy's float32 log differed from them for about a third of the losses)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if x.dtype == _F32:
            log_x, log_1mx = _logf(x), _log1pf(-x)
        elif x.dtype == np.float64:
            log_x, log_1mx = _libm_log(x), _libm_log1p(-x)
        else:
            log_x, log_1mx = np.log(x), np.log1p(-x)
        low = x.dtype.type(-100)
        loss = (t - 1) * np.maximum(log_1mx, low) - t * np.maximum(log_x, low)
    return reduce(loss if weight is None else loss * weight.astype(loss.dtype, copy=False), reduction)


# --- the kernels of the derivatives' own ops (create_graph records them as ops) ---------------------
@zeros_as_memory
def tanh_backward(g, out):
    """g * (1 - tanh(x)**2), from the saved result; ATen's kernel rounds 1 - out * out once (a fused
    multiply-add): for float32, computed in float64 (where out * out is exact) and rounded once"""
    if out.dtype == np.float32:
        # (one float64 copy, squared and taken from 1 in place: the same operations, without
        # np.square(out, dtype=float64)'s buffered cast and a second float64 array)
        t = out.astype(np.float64)
        t *= t
        np.subtract(1, t, out=t)
        return g * t.astype(np.float32)
    return g * (1 - out * out)


@zeros_as_memory
def sigmoid_backward(g, out):
    """g * (1 - sigmoid(x)) * sigmoid(x), in ATen's order"""
    return g * (1 - out) * out


def threshold_backward(g, a, threshold):
    """g where a > threshold, else 0 (relu's: a is its result, threshold 0); a nan a passes g on"""
    if g.shape != a.shape or g.dtype.kind != "f" or g.dtype != a.dtype:
        return np.where(a <= threshold, 0, g)
    return blend(a <= threshold, g, drop=True)


_INT_OF_SIZE = {2: np.dtype(np.int16), 4: np.dtype(np.int32), 8: np.dtype(np.int64)}


def blend(keep, g, drop=False):
    """g where keep (drop=True: where not keep), +0.0 elsewhere -- bit for bit what a vectorized
    select gives (np.where's answer, -0.0, nan and inf included) but without its branches: g's bits
    masked by all ones or all zeros"""
    ints = _INT_OF_SIZE[g.dtype.itemsize]
    mask = np.asarray(keep).astype(ints)  # 1 / 0
    if drop:
        np.subtract(mask, 1, out=mask)  # kept: 0 - 1 = all ones; dropped: 0
    else:
        np.negative(mask, out=mask)  # kept: -1 = all ones; dropped: 0
    out = np.empty(g.shape, g.dtype)
    np.bitwise_and((g if g.flags.c_contiguous else g.copy()).view(ints), mask, out=out.view(ints))
    return out


def softmax_backward_data(g, out, dim):
    """out * (g - sum(g * out)) along dim (float32 and float64: ATen's kernels)"""
    if (_softmax_kernel_applies(g, dim) and out.dtype == _F32 or _float64_last_dim(g, dim) and out.dtype == g.dtype) and g.size:
        rows, outs = _as_rows(g), _as_rows(out)
        # (the last partial vector's products are added fused where ATen runs the loop in the calling
        # thread, a lone row or one thread; rounded first where rows go to its thread pool)
        # (float64's tail: rounded first in both)
        inline = (len(rows) == 1 or get_num_threads() == 1) and rows.dtype == _F32
        total = _softmax_row_sums(rows * outs, *((rows, outs) if inline else ()))
        return _into_new(np.multiply, rows - total, outs, g.shape)
    if _softmax_columns_apply(g, dim) and out.dtype == g.dtype:
        gs, outs = _as_columns(g, dim), _as_columns(out, dim)
        total = np.zeros(gs[:, 0].shape, g.dtype)
        for i in range(gs.shape[1]):  # (0 + each g * out in turn, fused: both of ATen's loops)
            total = fused_multiply_add(gs[:, i], outs[:, i], total)
        return (outs * (gs - total[:, None])).reshape(g.shape)
    return out * (g - (g * out).sum(axis=dim, keepdims=True))


@quiet
def log_softmax_backward_data(g, out, dim):
    """g - exp(out) * sum(g) along dim (float32 and float64: ATen's kernels, whose
    g - exp(out) * sum is one fused multiply-add)"""
    if (_softmax_kernel_applies(g, dim) and out.dtype == _F32 or _float64_last_dim(g, dim) and out.dtype == g.dtype) and g.size:
        g = np.ascontiguousarray(g)
        total = _softmax_row_sums(g.reshape(-1, g.shape[-1])).reshape(g.shape[:-1] + (1,))
        return fused_multiply_add(-(_sleef_expf if g.dtype == _F32 else sleef_expd)(out), total, g)
    if _softmax_columns_apply(g, dim) and out.dtype == g.dtype:
        gs, outs = _as_columns(g, dim), _as_columns(out, dim)
        exps = _column_exps(outs, _log_softmax_vector_positions(outs))
        return fused_multiply_add(-exps, _column_sums(gs), gs).reshape(g.shape)
    return g - _exp_in_float64(out) * g.sum(axis=dim, keepdims=True)


# --- softmax and log_softmax over the last dim, as ATen's kernels compute them in float32 and float64 -
# ATen makes the input contiguous and runs each row through vectorised loops at the CPU's own width
# (16 floats with AVX512, 8 with AVX2): the max, e**(x - max) by SLEEF's expf in every element (the
# last partial vector too), their sum in vector lanes (below), then e * (1 / sum), or (x - max) -
# log(sum) with SLEEF's logf. Probed against torch 2.13 on rows of 1-90 elements, AVX512 and
# ATEN_CPU_CAPABILITY=avx2: 0 of 280,000 values differ, backwards included (numpy's order: 4-20%).
# float64 runs the same loops with 8 doubles a vector (AVX2: 4), SLEEF's exp and log in float64
# (sleef_expd, sleef_logd): 0 of 1.7 million values differ, 1 and 2 threads, AVX512 and AVX2, rows of
# 1-90 and 1000, with -inf, inf, nan, -0., subnormals (numpy's exp and log: 9-16%).
# Other dims: see the columns below.


def _softmax_kernel_applies(a, dim):
    return a.dtype == _F32 and a.ndim and dim % a.ndim == a.ndim - 1


def _float64_last_dim(a, dim):
    return a.dtype == np.float64 and a.ndim and dim % a.ndim == a.ndim - 1


def _as_rows(a):
    """a as a C-contiguous (rows, last dim) array, as ATen's .contiguous() gives the kernel"""
    return np.ascontiguousarray(a).reshape(-1, a.shape[-1])


def _into_new(ufunc, a, b, shape):
    """ufunc(a, b) of (rows, last dim) operands written into a new array of shape (one of its own,
    not a view of the rows: a gradient that is a view would be taken for one)"""
    out = np.empty(shape, a.dtype)
    ufunc(a, b, out=out.reshape(a.shape))
    return out


def _softmax_row_sums(rows, a=None, b=None):
    """(rows, 1): vec::reduce_all of each row at the CPU's vector width (rows = a * b fused into the
    last partial vector's additions, when given)"""
    return _vector_sum(rows, a, b, vector_bytes=VECTOR_BYTES)[:, None]


# --- softmax and log_softmax over another dim, as ATen's kernels compute them in float32 and float64 --
# ATen sees the contiguous input as (outer, dim, inner): outer * inner columns along dim, laid side by
# side. Its loops run vectors of columns (16 with AVX512, 8 with AVX2) and the columns left over one
# at a time: the max; e**(x - max), by SLEEF's expf in a vector and glibc's expf in the scalar loop;
# their sum from 0, one after another; then e / sum, or (x - max) - log(sum) with SLEEF's logf for
# every column. Backward: sum(g * out) fused term by term, or exp(out) fused into g - exp(out) sum.
# Which columns run in vectors: log_softmax's and the backwards' loops take each outer slice's columns
# in blocks, the last inner % 16 columns one at a time; softmax's runs through the outer * inner
# columns as one range, which it splits between ATen's threads (even a small one), and a vector never
# crosses the end of a slice or of a thread's part. Probed against torch 2.13 on 10 shapes (inner
# 1-100, dim 0-2), 1 to 3 threads, AVX512 and ATEN_CPU_CAPABILITY=avx2: 0 differ (numpy's order: 1 value
# in 5). float64: vectors of 8 doubles (AVX2: 4), SLEEF's exp and log in float64 in them, glibc's exp in
# the scalar loop: 0 of 2 million values differ (shapes up to (300, 50, 70) and (50000, 3), 1 and 2
# threads, AVX512 and AVX2; numpy's exp and log: 3-13%).
def _softmax_columns_apply(a, dim):
    return (a.dtype == _F32 or a.dtype == _F64) and a.ndim > 1 and a.size


def _as_columns(a, dim):
    """a as a C-contiguous (outer, dim, inner) array"""
    dim %= a.ndim
    return np.ascontiguousarray(a).reshape(math.prod(a.shape[:dim]), a.shape[dim], -1)


def _column_exps(x, vector_positions):
    """e**x of (outer, dim, inner) x: SLEEF's expf (float64: exp) in the columns at vector_positions
    (outer, inner), glibc's elsewhere"""
    e = sleef_expf(x) if x.dtype == _F32 else sleef_expd(x)
    scalar = ~vector_positions[:, None, :].repeat(x.shape[1], axis=1)
    if scalar.any():
        e[scalar] = (_expf if x.dtype == _F32 else _libm_exp)(x[scalar])
    return e


def _column_sums(e):
    """0 + e[:, 0] + e[:, 1] + ..., each column in order: (outer, 1, inner)"""
    return _from_zero(np.moveaxis(e, 1, 0))[:, None, :]


def _log_softmax_vector_positions(columns):
    """(outer, inner) of (outer, dim, inner) columns: True where _vec_logsoftmax and the backwards'
    loops run a column in a vector (of 16 or 8 floats, 8 or 4 doubles)"""
    outer, _, inner = columns.shape
    lanes = VECTOR_BYTES // columns.itemsize
    return np.broadcast_to(np.arange(inner) < inner - inner % lanes, (outer, inner))


def _softmax_vector_positions(columns):
    """(outer, inner) of (outer, dim, inner) columns: True where _vec_softmax runs a column in a vector"""
    outer, _, inner = columns.shape
    lanes = VECTOR_BYTES // columns.itemsize
    vector = np.zeros(outer * inner, bool)
    for begin, end in _row_chunks(outer * inner):
        i = begin
        while i < end:
            in_slice = i % inner
            if in_slice + lanes <= inner and i + lanes <= end:
                vector[i:i + lanes] = True
                i += lanes
            else:  # (the scalar loop: to the end of the thread's part, or of the slice)
                i += end - i if i + lanes > end else inner - in_slice
    return vector.reshape(outer, inner)


_exp_in_float64 = in_float64(np.exp)


def _sleef_log1pf_any(a):
    """sleef_log1pf of an array of any shape"""
    return sleef_log1pf(a.reshape(-1)).reshape(a.shape)


def log1p(a):
    """ln(1 + a); float32 as torch's kernel computes it, SLEEF's log1pf on every element"""
    if a.dtype.kind in "biu":
        a = a.astype(_F32)
    if a.dtype != _F32:
        return np.log1p(a)
    return _sleef_log1pf_any(a)


@quiet
def logaddexp(a, b):
    """log(e**a + e**b) without overflow, in ATen's steps: max(a, b) + log1p(e**-|a - b|), each rounded
    to the dtype; two equal infinities give themselves. float32 as ATen's loop: SLEEF's expf and log1pf
    in its vectorised part, glibc's in the scalar one"""
    if np.result_type(a, b) != _F32:
        out = np.maximum(a, b) + np.log1p(np.exp(-np.abs(a - b)))
    else:
        a, b = np.broadcast_arrays(np.asarray(a, _F32), np.asarray(b, _F32))
        out = np.maximum(a, b) + _by_parts(_aten_backward_vector_part(b, a),
                                           lambda x: sleef_log1pf(sleef_expf(x)), lambda x: _log1pf(_expf(x)),
                                           -np.abs(a - b))
    return np.where(np.isinf(a) & (a == b), a, out)


@zeros_as_memory
def leaky_relu_backward(g, a, negative_slope):
    return np.where(a > 0, g, g * negative_slope)


@zeros_as_memory
def gelu_backward(g, a, approximate):
    """g * d gelu(a) / da; float32 with approximate='none' as torch's kernels (gelu_erf_backward_float32)"""
    if approximate != "tanh" and a.dtype == _F32 and np.result_type(g, a) == _F32:
        return gelu_erf_backward_float32(np.asarray(g, np.float32), a)
    return g * gelu_grad(a, approximate)


@quiet
def elu(a, alpha, scale=1, input_scale=1):
    """expm1(a input_scale) alpha scale where a < 0, else a scale (-0. and 0. keep their sign), as
    ATen's kernel: its coefficients in a's dtype (alpha scale rounded once). float32: glibc's expm1f
    in its scalar loop; in its vectorised loop SLEEF's expm1f, which expm1 rounded once from float64
    misses by an ulp on about 1 in 1000 of randn's inputs (an exact emulation of SLEEF's steps, checked
    on 2.6 million inputs, took 4 times elu's time: left out)"""
    if a.dtype != _F32 and a.dtype != np.float64:
        return np.where(a < 0, alpha * scale * np.expm1(a * input_scale), a * scale).astype(a.dtype)
    t = a.dtype.type
    x = a * t(input_scale)
    if a.dtype == _F32:
        part = _aten_vector_part(a)
        e = _expm1f_rounded(x) if part.all() else _by_parts(part, _expm1f_rounded, _expm1f_of_nonzero, x)
    else:
        e = np.expm1(x)
    return np.where(a < 0, e * (t(alpha) * t(scale)), a * t(scale))


def _expm1f_rounded(x):
    return np.expm1(x.astype(np.float64)).astype(_F32)


def _expm1f_of_nonzero(x):
    """glibc's expm1f (ATen's scalar loop calls it; not correctly rounded: it differs from
    _expm1f_rounded on 2% of inputs) where x is not 0, x elsewhere (expm1 of a zero is that zero)"""
    out = x.copy()
    nonzero = x != 0
    if nonzero.any():
        out[nonzero] = _libm_expm1f(x[nonzero])
    return out


@zeros_as_memory
@quiet
def elu_backward(g, a, alpha, scale=1, input_scale=1, is_result=False):
    """g input_scale alpha scale e**(a input_scale) where a <= 0, else g scale: ATen's kernel (its
    products left to right; e**x as elu's). is_result: a is the result r of elu_, and the gradient
    g input_scale (r + alpha scale) where r <= 0"""
    dtype = np.result_type(g, a)
    if dtype != _F32 and dtype != np.float64:
        if is_result:
            return np.where(a <= 0, g * input_scale * (a + alpha * scale), g * scale)
        return np.where(a <= 0, g * input_scale * alpha * scale * np.exp(a * input_scale), g * scale)
    t = dtype.type
    if is_result:
        return np.where(a <= 0, g * t(input_scale) * (a + t(alpha) * t(scale)), g * t(scale))
    exp = (sleef_expf, _expf) if dtype == _F32 else (sleef_expd, np.exp)
    e = _by_parts(_aten_backward_vector_part(g, a), *exp, a * t(input_scale))
    return np.where(a <= 0, g * t(input_scale) * (t(alpha) * t(scale)) * e, g * t(scale))


@zeros_as_memory
@quiet
def softplus_backward(g, a, beta, threshold):
    """g * z / (z + 1) with z = e**(beta a) (g itself above the threshold), as ATen's kernel (float32:
    SLEEF's expf in its vectorised loop, glibc's in the scalar one)"""
    if a.dtype != _F32 or np.result_type(g, a) != _F32:
        z = np.exp(a * beta)
        return np.where(a * beta > threshold, g, g * z / (z + 1))
    beta, threshold = np.float32(beta), np.float32(threshold)
    scaled = a * beta
    z = _by_parts(_aten_backward_vector_part(g, a), sleef_expf, _expf, scaled)
    return np.where(scaled > threshold, g, g * z / (z + 1))


def hardswish(a):
    """a min(max(a + 3, 0), 6) / 6, as ATen's kernel (in a's dtype, left to right)"""
    t = a.dtype.type
    return a * np.minimum(np.maximum(a + t(3), t(0)), t(6)) / t(6)


@zeros_as_memory
def hardswish_backward(g, a):
    """g (a / 3 + 1/2) for -3 < a < 3; g from 3 on; 0 up to -3 (ATen's vectorised loop: a nan a gives nan)"""
    t = np.result_type(g, a).type
    inside = np.where(a >= t(3), g, g * (a / t(3) + t(0.5)))
    return np.where(a <= t(-3), t(0), inside)


def celu_backward_input_scale(alpha):
    """1 / alpha as celu's backward reads it: of alpha in float32 (PyTorch's formula: alpha.toFloat());
    its forward divides in float64"""
    return 1.0 / float(np.float32(alpha))


def hardsigmoid(a):
    """min(max(a + 3, 0), 6) / 6, as ATen's kernel (in a's dtype; a nan stays)"""
    t = a.dtype.type
    return np.minimum(np.maximum(a + t(3), t(0)), t(6)) / t(6)


@zeros_as_memory
def hardsigmoid_backward(g, a):
    """g / 6 for -3 < a < 3, else 0 (a nan a: 0), as ATen's kernel: its 1/6 a float32 constant
    (float(1) / 6, widened for float64)"""
    t = np.result_type(g, a).type
    return np.where((a > t(-3)) & (a < t(3)), g * t(np.float32(1) / np.float32(6)), t(0))


def threshold(a, threshold, value):
    """value where a <= threshold, else a (a nan stays), as ATen's kernel: threshold and value in a's
    dtype first (an int tensor's threshold truncated)"""
    t = a.dtype.type
    return np.where(a <= t(threshold), t(value), a)


def prelu(a, w):
    """a where a > 0, else w a (w broadcast over a)"""
    return np.where(a > 0, a, w * a)


@zeros_as_memory
def mse_loss_backward(g, a, b, reduction):
    """2 (a - b) g (divided by the count for 'mean'), as ATen's kernel: the factor first"""
    return 2 * _loss_norm(a, reduction) * (a - b) * g  # (x2 is exact: the same bits as 2 / count)


@zeros_as_memory
@quiet
def binary_cross_entropy_backward(g, x, t, weight, reduction):
    """g (x - t) / max(x (1 - x), 1e-12), times the weight, divided by the count for 'mean' (ATen's
    EPSILON is the float 1e-12f, also in float64: 9.99999996e-13)"""
    gi = g * (x - t) / np.maximum((1 - x) * x, x.dtype.type(np.float32(1e-12)))
    if weight is not None:  # (in place in ATen: the weight's dtype does not promote)
        gi = gi * weight.astype(gi.dtype, copy=False)
    return gi / x.size if reduction == "mean" else gi


def select_backward(g, shape, dim, index):
    """zeros of the input's shape, g at index along dim"""
    z = np.zeros(shape, dtype=g.dtype)
    z[at_dim(dim, index)] = g
    return z


slice_backward = select_backward  # (index: a slice)


def scatter(a, src, dim, index):
    """a with src written at index along dim (src's first index.shape elements)"""
    if a.ndim == 0:  # (a 0-dim tensor's only element)
        return np.array(np.broadcast_to(src, a.shape), dtype=a.dtype)
    if index.size == 0:  # (an empty index, of any shape, writes nothing)
        return a.copy()
    src = _leading_part(src, index.shape)
    z = a.copy()
    written = z[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))]
    np.put_along_axis(written, index, src, dim)  # (into z: only as far as index reaches in the other dims)
    return z


def scatter_add(a, src, dim, index):
    """a with src added at index along dim (an index may repeat: added, not put)"""
    if a.ndim == 0:
        return a + src
    if index.size == 0:
        return a.copy()
    src = _leading_part(src, index.shape)
    z = a.copy()
    where = list(np.indices(index.shape, sparse=True))
    where[dim] = index
    np.add.at(z, tuple(where), src)
    return z


def _leading_part(src, shape):
    """src's first elements along each dim, as many as shape has (an array of shape's dims)"""
    if np.ndim(src) != len(shape) or np.shape(src) == tuple(shape):
        return src
    return src[tuple(slice(0, n) for n in shape)]


def index_fill(a, value, dim, index):
    """a with value written at the positions index along dim"""
    z = a.copy()
    z[at_dim(dim, index)] = value
    return z


def masked_select(a, mask):
    """the elements of a (broadcast with mask) where mask, in order, as a 1-d array"""
    shape = np.broadcast_shapes(a.shape, mask.shape)
    return np.broadcast_to(a, shape)[np.broadcast_to(mask, shape)]


def index_put_accumulate(a, values, index):
    """a with values added at index (a repeated index adds twice)"""
    z = a.copy()
    np.add.at(z, index, values)
    return z


@quiet
def logit(a):
    """log(a / (1 - a))"""
    return in_float64(np.log)(a / (1 - a))


@quiet
def log_sigmoid(a):
    """log(sigmoid(a)) = min(a, 0) - log1p(e**-|a|), without overflow, as ATen's kernel (float32:
    SLEEF's expf and log1pf)"""
    e = _exp_minus_abs(a)
    return np.minimum(a, 0) - (_sleef_log1pf_any(e) if a.dtype == _F32 else np.log1p(e))


@quiet
def softplus_forward(a, beta, threshold):
    """log(1 + e**(beta a)) / beta, a itself where beta a > threshold, as ATen's kernel: float32 with
    SLEEF's expf and log1pf in its vectorised loop, glibc's in the scalar one"""
    if a.dtype != _F32:
        return np.where(a * beta > threshold, a, np.log1p(np.exp(a * beta)) / beta).astype(a.dtype, copy=False)
    beta, threshold = np.float32(beta), np.float32(threshold)
    scaled = a * beta
    curve = _by_parts(_aten_vector_part(a), lambda x: sleef_log1pf(sleef_expf(x)), lambda x: _log1pf(_expf(x)),
                      scaled) / beta
    return np.where(scaled > threshold, a, curve)


# --- sigmoid as ATen's kernel computes it -------------------------------------------------------
# ATen's sigmoid_kernel is its own loop, not MKL's: the vectorised part computes, per vector,
# 0 - a, exp (SLEEF's expf_u10), + 1, reciprocal; the scalar loop (a 1-element tensor, and the
# last n % (2 vectors) elements of a run) computes 1 / (1 + std::exp(-a)). SLEEF's expf is within
# an ulp, not correctly rounded, so numpy's float32 1 / (1 + exp(-a)) printed a different last digit
# on 17% of inputs (float64 exp rounded once, on 4%); SLEEF's steps, emulated here, on none.
_SLEEF_EXPF_POLY = tuple(np.float64(np.float32(c)) for c in (  # sleefsimdsp.c, xexpf
    0.000198527617612853646278381, 0.00139304355252534151077271, 0.00833336077630519866943359,
    0.0416664853692054748535156, 0.166666671633720397949219, 0.5))
_R_LN2F = np.float32(1.442695040888963407359924681001892137426645954152985934135449406931)
_L2UF, _L2LF = np.float32(0.693145751953125), np.float64(np.float32(1.428606765330187045e-06))
# (The SLEEF emulations below run on rows of a few hundred numbers, where a numpy call's own cost is
# the cost: their constants are 0-d arrays, which a ufunc takes at half a scalar's cost, and they
# write into arrays they own where they can.)
_0D = np.asarray
_EXPF = {"r_ln2": _0D(_R_LN2F), "l2u": _0D(_L2UF), "-l2l": _0D(-_L2LF), "one": _0D(np.float32(1)),
         "2**23": _0D(np.float32(2 ** 23)),
         "poly": tuple(_0D(c) for c in _SLEEF_EXPF_POLY)}


@quiet
def sleef_expf(d):
    """SLEEF's expf_u10 (xexpf) on float32, step by step as its FMA builds (AVX2, AVX512) compute
    it: q = rint(d / ln 2), s = d - q ln 2 in two parts, a degree-6 polynomial in s by Horner's
    rule, times 2**q; 0 below -104, inf above 100; nan stays nan, with its sign.
    A fused multiply-add a * b + c is computed in float64 (the product of two float32 is exact
    there) and rounded to float32; twice rounded, it could differ from one rounding only where the
    float64 sum lands on a float32 midpoint, about 2**-29 of cases (none in 700,000 checked)."""
    return _sleef_expf(d)


def _sleef_expf(d, nonpositive=False):
    """sleef_expf without its own numpy error state (for kernels that set it once); nonpositive: the
    caller knows d is at most 0 or nan (its largest value then needs no look)"""
    c = _EXPF
    lo = np.minimum.reduce(d, axis=None, initial=np.inf)
    hi = 0 if nonpositive else np.maximum.reduce(d, axis=None, initial=-np.inf)
    in_range = -104 <= lo and hi <= 100  # (False with a nan; True when empty)
    q = np.multiply(d, c["r_ln2"])
    np.rint(q, out=q)
    if not in_range:  # (beyond, the result is 0 or inf: set at the end)
        np.minimum(q, 160, out=q)
        np.maximum(q, -160, out=q)
    s = np.multiply(q, c["l2u"])
    np.subtract(d, s, out=s)  # exact: q * L2U has few bits, and the difference is exact (Cody-Waite)
    # The fused multiply-adds in float64 arrays made once (fma; s64 and u64, s and u read back from
    # float32), each result rounded to float32 by writing it into s or u: a numpy call whose operands
    # are all of one dtype costs half as much as one that mixes them (callgrind: 4.3k instructions
    # against 9.4k on 640 numbers), and an assignment less than astype.
    fma = q.astype(_F64)
    np.multiply(fma, c["-l2l"], out=fma)
    s64 = s.astype(_F64)
    np.add(fma, s64, out=fma)
    s[...] = fma  # s = fma(q, -L2L, s)
    s64[...] = s
    poly = c["poly"]
    np.multiply(s64, poly[0], out=fma)
    np.add(fma, poly[1], out=fma)
    u = fma.astype(np.float32)
    u64 = u.astype(_F64)
    for coefficient in poly[2:]:  # u = fma(u, s, c) for each coefficient c, rounded each time
        np.multiply(u64, s64, out=fma)
        np.add(fma, coefficient, out=fma)
        u[...] = fma
        u64[...] = u
    np.multiply(s, s, out=s)
    fma[...] = s
    np.multiply(fma, u64, out=fma)
    np.add(fma, s64, out=fma)
    u[...] = fma  # fma(s * s, u, s)
    np.add(u, c["one"], out=u)
    # times 2**q (SLEEF: times 2**(q/2) twice; the same, rounded once). u is in [0.7, 1.5), so from
    # -86 to 88 every result is a normal float and 2**q is q added to u's exponent bits, exactly
    # ldexp's result: three numpy calls instead of ldexp's call of libm per element (a third of
    # sleef_expf's time on a few hundred numbers)
    if -86 <= lo and hi <= 88:
        np.multiply(q, c["2**23"], out=q)  # (exact: q is a whole number, |q| <= 127)
        bits = u.view(np.int32)
        np.add(bits, q.astype(np.int32), out=bits)
        return u
    u = np.ldexp(u, q.astype(np.int32))
    if not in_range:
        u[d < -104] = 0
        u[np.float32(100) < d] = np.inf
    return u


# SLEEF's exp in float64 (xexp, u10), which ATen's vectorised float64 kernels call: softmax's and
# sigmoid's. Its FMA build rounds each of its 13 fused multiply-adds once: emulated exactly by
# fused_multiply_add (Dekker's product). numpy's float64 exp is correctly rounded and differs from
# it on about 3% of inputs (torch's float64 sigmoid and softmax printed other last digits).
_SLEEF_EXPD_POLY = (+0.2081276378237164457e-8, +0.2511210703042288022e-7, +0.2755762628169491192e-6,
                    +0.2755723402025388239e-5, +0.2480158687479686264e-4, +0.1984126989855865850e-3,
                    +0.1388888888914497797e-2, +0.8333333333314938210e-2, +0.4166666666666602598e-1,
                    +0.1666666666666669072e+0)  # sleefsimddp.c, xexp: c9 ... c0
_R_LN2, _L2U, _L2L = (1.442695040888963407359924681001892137426645954152985934135449406931,
                      .69314718055966295651160180568695068359375,
                      .28235290563031577122588448175013436025525412068e-12)


_EXPD_CONSTANTS = {name: _halves(np.float64(x)) for name, x in (
    ("-l2u", -_L2U), ("-l2l", -_L2L), *((f"c{9 - i}", c) for i, c in enumerate(_SLEEF_EXPD_POLY)))}


@quiet
def sleef_expd(d):
    """SLEEF's exp on float64 (xexp, its FMA builds): q = rint(d / ln 2), s = d - q ln 2 in two
    fused parts, a degree-10 polynomial in s by Estrin's scheme (s2, s4, s8), then three Horner
    steps to 1 + s + ..., times 2**q as two powers of two; inf above 709.78, 0 below -1000."""
    k = _EXPD_CONSTANTS
    fma = _fma_split
    q = np.rint(d * _R_LN2)
    q[~(np.abs(q) <= 2100)] = 0  # (beyond, and nan: the answer is set at the end)
    qs = _halves(q)
    s = fma(qs, k["-l2u"], d)
    s = _halves(fma(qs, k["-l2l"], s))
    s2 = s[0] * s[0]
    s4 = s2 * s2
    pair = lambda hi, lo: fma(s, k[hi], k[lo][0])  # (c_hi s + c_lo)
    u = fma(_halves(s4), _halves(fma(_halves(s2), _halves(pair("c7", "c6")), pair("c5", "c4"))),
            fma(_halves(s2), _halves(pair("c3", "c2")), pair("c1", "c0")))
    u = fma(_halves(s4 * s4), _halves(pair("c9", "c8")), u)
    for c in (0.5, 1.0, 1.0):
        u = fma(_halves(u), s, c)
    n = q.astype(np.int64)
    u *= np.ldexp(1.0, n >> 1)  # (vldexp2: times 2**(q // 2), then 2**(q - q // 2))
    u *= np.ldexp(1.0, n - (n >> 1))
    u[d > 709.78271114955742909217217426] = np.inf
    u[d < -1000] = 0
    u[np.isnan(d)] = np.nan
    return u


# SLEEF's log in float64 (xlog_u1, Sleef_logd8_u10 / logd4_u10), which ATen's vectorised float64
# log_softmax applies to each row's (or column's) sum of exps. d = m 2**e with m in [0.75, 1.5), x =
# (m - 1) / (m + 1) as a double-double (dddiv), log d = e ln 2 + 2x + x**3 t(x**2), t a degree-6
# polynomial by Estrin's scheme, summed in double-double and rounded once. Its FMA builds round each
# fused multiply-add once: emulated by _fma_split. numpy's log differs from it on about 1% of inputs
# (4% in [1, 2)). Probed against libtorch's own Sleef_logd8_u10 and logd4_u10 (the same bits) on 11
# million inputs (random bit patterns, subnormals, [1, 90], special values): 0 differ. The table of
# e ln 2 below equals the exact rationals' rounding.
_SLEEF_LOGD_POLY = (0.1532076988502701353e+0, 0.1525629051003428716e+0, 0.1818605932937785996e+0,
                    0.2222214519839380009e+0, 0.2857142932794299317e+0, 0.3999999999635251990e+0,
                    0.6666666666667333541e+0)  # sleefsimddp.c, xlog_u1: c6 ... c0
_LN2_DD = (0.693147180559945286226764, 2.319046813846299558417771e-17)  # ln 2 as a double-double
_LOGD_E_MIN = -1074  # e of the smallest subnormal; e = 1024 above 0.75 * 2**1024 (d / 0.75 overflows)


def _logd_e_ln2():
    """e ln 2 as SLEEF's ddmul of the double-double ln 2 by e makes it, for every e: (hi, lo) =
    (e * LN2_HI rounded, fma(LN2_LO, e, its rounding error))"""
    e = np.arange(_LOGD_E_MIN, 1025, dtype=np.float64)
    hi = e * _LN2_DD[0]
    error = _fma_split(_halves(e), _halves(np.float64(_LN2_DD[0])), -hi)  # (exact: a product's error)
    return hi, _fma_split(_halves(e), _halves(np.float64(_LN2_DD[1])), error)


_LOGD_E_LN2_HI, _LOGD_E_LN2_LO = _logd_e_ln2()
# (b as _halves, c) of Estrin's first fused steps, c5 x2 + c4, c3 x2 + c2, c1 x2 + c0, as columns
_LOGD_POLY_FIRST = (_halves(np.array(_SLEEF_LOGD_POLY[1::2])[:, None]), np.array(_SLEEF_LOGD_POLY[2::2])[:, None])
_LOGD_C6 = np.float64(_SLEEF_LOGD_POLY[0])


@quiet
def sleef_logd(d):
    """SLEEF's log on float64 (xlog_u1, its FMA builds; see above): d's positive finite elements
    step by step, the others numpy's log (the same -inf, inf and nan), nan positive on AVX2's."""
    lo, hi = np.minimum.reduce(d, axis=None, initial=np.inf), np.maximum.reduce(d, axis=None, initial=-np.inf)
    if lo > 0 and hi < np.inf:  # (False with a nan)
        return _sleef_logd_steps(d)
    special = ~((d > 0) & (d < np.inf))
    out = _sleef_logd_steps(np.where(special, 1.0, d))
    out[special] = np.log(d[special])
    if VECTOR_BYTES == 32:  # (SLEEF's AVX2 build sets its own nan, positive; AVX512's vfixupimm keeps d's)
        out[np.isnan(out)] = np.nan
    return out


def _logd_reduced(d):
    """(e, x_hi, x_lo) of positive finite d: d = m 2**e with m in [0.75, 1.5), x = (m - 1) / (m + 1) as
    SLEEF's double-double dddiv of two ddadd2 makes it (xlog_u1's and logk's first steps)"""
    fma = _fma_split
    scaled = d * (1 / 0.75)
    e = np.frexp(scaled)[1]  # (vgetexp, one more)
    e[np.isinf(scaled)] = 1025
    e -= 1
    m = np.ldexp(d, -e)  # (vgetmant: exact)
    numerator = m - 1  # (exact: Sterbenz)
    d_hi = m + 1
    v = d_hi - 1
    d_lo = (1 - (d_hi - v)) + (m - v)  # (m + 1's rounding error)
    t = 1 / d_hi
    x_hi = numerator * t
    ts = _halves(t)
    u = fma(ts, _halves(numerator), -x_hi)  # (exact: the product's error)
    p = d_hi * t
    w = fma(_halves(d_hi), ts, -p)  # (exact)
    w = (1 - p) - w  # fma(-d_hi, t, 1), exact: 1 - p is, and so is the sum that fma rounds once
    w = fma(_halves(-d_lo), ts, w)
    return e, x_hi, fma(_halves(x_hi), _halves(w), u + 0)  # (+ 0: fma(0, t, u))


def _sleef_logd_steps(d):
    """sleef_logd of positive finite d"""
    if d.ndim != 1:
        return _sleef_logd_steps(d.reshape(-1)).reshape(d.shape)
    fma = _fma_split
    e, x_hi, x_lo = _logd_reduced(d)
    x2 = x_hi * x_hi
    x4 = x2 * x2
    # t(x2) = POLY7: (c6 x4 + (c5 x2 + c4)) x8 + ((c3 x2 + c2) x4 + (c1 x2 + c0)), each level's
    # fused steps in one call
    first = fma(_halves(x2), *_LOGD_POLY_FIRST)
    second = fma(_halves(x4), _halves(np.stack([np.broadcast_to(_LOGD_C6, x2.shape), first[1]])), first[::2])
    poly = fma(_halves(x4 * x4), _halves(second[0]), second[1])
    e -= _LOGD_E_MIN
    s_hi, s_lo = _LOGD_E_LN2_HI.take(e), _LOGD_E_LN2_LO.take(e)  # s = e ln 2: ddmul
    two_x_hi = x_hi * 2  # s += 2x: ddadd
    total = s_hi + two_x_hi
    s_lo = (((s_hi - total) + two_x_hi) + s_lo) + x_lo * 2
    w = (x2 * x_hi) * poly  # s += x**3 t: ddadd
    out = total + w
    return out + (((total - out) + w) + s_lo)


# SLEEF's pow in float64 (xpow, Sleef_powd8_u10 / powd4_u10), which ATen's vectorised pow calls (a
# tensor exponent, and a number one other than 0.5, -0.5, +-1, +-2, 3): log|x| as a double-double
# (logk: a longer polynomial than xlog_u1's, summed in double-double), times y in double-double, then
# e**that (expk: q = rint(d / ln 2), a degree-10 polynomial of the rest by Estrin's scheme, 1 + s +
# s**2 poly in double-double, times 2**q), then its signs and special cases. Each fused multiply-add
# rounded once (_fma_split). numpy's power differs from it on about 6% of normal operands. Probed
# against libtorch's own Sleef_powd8_u10 and powd4_u10 on 6 million operand pairs (normals, negative
# bases, random bit patterns, subnormals, huge exponents, a grid of special values): 0 differ.
_SLEEF_LOGK_POLY = (0.116255524079935043668677, 0.103239680901072952701192, 0.117754809412463995466069,
                    0.13332981086846273921509, 0.153846227114512262845736, 0.181818180850050775676507,
                    0.222222222230083560345903, 0.285714285714249172087875,
                    0.400000000000000077715612)  # sleefsimddp.c, logk: c8 ... c0
_SLEEF_EXPK_POLY = (2.51069683420950419527139e-08, 2.76286166770270649116855e-07, 2.75572496725023574143864e-06,
                    2.48014973989819794114153e-05, 0.000198412698809069797676111, 0.0013888888939977128960529,
                    0.00833333333332371417601081, 0.0416666666665409524128449, 0.166666666666666740681535,
                    0.500000000000000999200722)  # sleefsimddp.c, expk: c9 ... c0
_LOGK_TWO_THIRDS = (0.666666666666666629659233, 3.80554962542412056336616e-17)  # 2/3 as a double-double
_LOGK_C8 = _halves(np.float64(_SLEEF_LOGK_POLY[0]))
_LOGK_FIRST = (_halves(np.array(_SLEEF_LOGK_POLY[1::2])[:, None]), np.array(_SLEEF_LOGK_POLY[2::2])[:, None])
_EXPK_FIRST = (_halves(np.array(_SLEEF_EXPK_POLY[0::2])[:, None]), np.array(_SLEEF_EXPK_POLY[1::2])[:, None])
_LOG_DBL_MAX = 709.782712893383996843


def _dd_times(x_hi, x_lo, y_hi, y_lo=None):
    """SLEEF's ddmul of the double-doubles x and y (y_lo None: of x and the double y_hi), a double-double"""
    hi = x_hi * y_hi
    xs, ys = _halves(x_hi), _halves(y_hi)
    lo = _fma_split(_halves(x_lo), ys, _fma_split(xs, ys, -hi))  # (the inner one exact: hi's error)
    if y_lo is not None:
        lo = _fma_split(xs, _halves(y_lo), lo)
    return hi, lo


def _dd_plus(x_hi, x_lo, y_hi, y_lo):
    """SLEEF's ddadd of two double-doubles (|x| >= |y|)"""
    hi = x_hi + y_hi
    return hi, (((x_hi - hi) + y_hi) + x_lo) + y_lo


def _dd_plus_any(x_hi, x_lo, y):
    """SLEEF's ddadd2 (and, in float32, dfadd2) of a double-double x and a number y of any size:
    the sum's error by the two-sum"""
    hi = x_hi + y
    v = hi - x_hi
    return hi, ((x_hi - (hi - v)) + (y - v)) + x_lo


def _sleef_logk(d):
    """ln d as a double-double, d positive finite: SLEEF's logk"""
    fma = _fma_split
    e, x_hi, x_lo = _logd_reduced(d)
    xs = _halves(x_hi)  # x2 = ddsqu(x)
    x2_hi = x_hi * x_hi
    x2_lo = fma(_halves(x_hi + x_hi), _halves(x_lo), fma(xs, xs, -x2_hi))
    x4 = x2_hi * x2_hi
    x8 = x4 * x4
    # POLY9(x2, x4, x8, x16): ((c7 x2 + c6) x4 + (c5 x2 + c4)) x8 + ((c3 x2 + c2) x4 + (c1 x2 + c0)), + c8 x16
    first = fma(_halves(x2_hi), *_LOGK_FIRST)
    second = fma(_halves(x4), _halves(first[0::2]), first[1::2])
    poly = fma(_halves(x8), _halves(second[0]), second[1])
    poly = fma(_halves(x8 * x8), _LOGK_C8, poly)
    e -= _LOGD_E_MIN
    s = _LOGD_E_LN2_HI.take(e), _LOGD_E_LN2_LO.take(e)  # e ln 2: ddmul
    s = _dd_plus(*s, x_hi * 2, x_lo * 2)
    x3 = _dd_times(x2_hi, x2_lo, x_hi, x_lo)
    s = _dd_plus(*s, *_dd_times(*x3, *_LOGK_TWO_THIRDS))
    x5 = _dd_times(x2_hi, x2_lo, *x3)
    return _dd_plus(*s, *_dd_times(*x5, poly))


def _sleef_expk(d_hi, d_lo):
    """e**(d_hi + d_lo), finite, rounded: SLEEF's expk (0 below -1000; the caller sets inf above)"""
    fma = _fma_split
    q = np.rint((d_hi + d_lo) * _R_LN2)
    q[~(np.abs(q) <= 2100)] = 0  # (beyond: 0 or inf, set by the caller and below)
    s, s_lo = _dd_plus_any(d_hi, d_lo, q * -_L2U)
    s_hi, s_lo = _dd_plus_any(s, s_lo, q * -_L2L)
    s = s_hi + s_lo  # ddnormalize
    s_lo = (s_hi - s) + s_lo
    s_hi = s
    s2 = s_hi * s_hi
    s4 = s2 * s2
    # POLY10(s, s2, s4, s8): (c9 s + c8) s8 + (((c7 s + c6) s2 + (c5 s + c4)) s4 + ((c3 s + c2) s2 + (c1 s + c0)))
    first = fma(_halves(s_hi), *_EXPK_FIRST)
    second = fma(_halves(s2), _halves(first[1::2][:2]), first[2::2])
    poly = fma(_halves(s4), _halves(second[0]), second[1])
    poly = fma(_halves(s4 * s4), _halves(first[0]), poly)
    t_hi = 1 + s_hi  # t = 1 + s: ddadd
    t_lo = ((1 - t_hi) + s_hi) + s_lo
    ss = _halves(s_hi)
    sq_hi = s_hi * s_hi  # ddsqu(s)
    sq_lo = fma(_halves(s_hi + s_hi), _halves(s_lo), fma(ss, ss, -sq_hi))
    out = _dd_plus(t_hi, t_lo, *_dd_times(sq_hi, sq_lo, poly))
    out = out[0] + out[1]
    n = q.astype(np.int64)
    out *= np.ldexp(1.0, n >> 1)  # (vldexp2)
    out *= np.ldexp(1.0, n - (n >> 1))
    out[d_hi < -1000] = 0
    return out


@quiet
def sleef_powd(x, y):
    """SLEEF's pow on float64 (xpow, its FMA builds; see above): x ** y for arrays of one shape"""
    ordinary = (x > 0) & (x < np.inf) & (np.abs(y) < np.inf) & (y != 0)
    plain = ordinary.all()
    a = x if plain else np.where(ordinary, x, 1.0)
    b = y if plain else np.where(ordinary, y, 1.0)
    log_hi, log_lo = _sleef_logk(np.abs(a))
    d = _dd_times(log_hi, log_lo, b)
    out = _sleef_expk(*d)
    out[d[0] > _LOG_DBL_MAX] = np.inf
    if plain:
        return out
    # the special cases, in xpow's order of selects
    with np.errstate(invalid="ignore"):
        y_int = (y == np.trunc(y)) | (np.abs(y) > 2.0 ** 53)
        y_odd = y_int & (np.abs(y) < 2.0 ** 53) & (np.fmod(y, 2) != 0)
        out = np.where(ordinary, out, _sleef_expk_of_log(x, y))
        out *= np.where(x > 0, 1.0, np.where(y_int, np.where(y_odd, -1.0, 1.0), np.nan))
        edge = np.where(np.signbit(y), 1 - np.abs(x), np.abs(x) - 1)  # (vmulsign: times y's sign)
        out = np.where(np.isinf(y), np.where(edge < 0, 0.0, np.where(edge == 0, 1.0, np.inf)), out)
        zero_or_inf = np.copysign(np.where(np.signbit(y) ^ (x == 0), 0.0, np.inf), np.where(y_odd, x, 1.0))
        out = np.where(np.isinf(x) | (x == 0), zero_or_inf, out)
        out = np.where(np.isnan(x) | np.isnan(y), np.nan, out)
        return np.where((y == 0) | (x == 1), 1.0, out)


def _sleef_expk_of_log(x, y):
    """expk(logk(|x|) y) where x is negative finite and y finite (xpow's magnitude before its sign),
    nan elsewhere"""
    out = np.full(x.shape, np.nan)
    negative = (x < 0) & (x > -np.inf) & (np.abs(y) < np.inf)
    if negative.any():
        a, b = -x[negative], y[negative]
        d = _dd_times(*_sleef_logk(a), b)
        magnitude = _sleef_expk(*d)
        magnitude[d[0] > _LOG_DBL_MAX] = np.inf
        magnitude[a == 1] = 1  # (ln 1 = 0 times y: 0, even where Veltkamp's split of a huge y overflows)
        out[negative] = magnitude
    return out


# SLEEF's pow in float32 (xpowf, Sleef_powf16_u10 / powf8_u10), which ATen's vectorised float32 pow
# calls: the steps of sleef_powd in double-float (logkf, a shorter polynomial; expkf, degree 5; 2**q by
# vldexp's four factors), each fused multiply-add rounded once (_f32_fma_rounded_once); a result
# that comes out nan (an overflowing product) is inf. float64's pow rounded once differs from it on
# about 2% of normal operands. Probed against libtorch's Sleef_powf16_u10 and powf8_u10 on 8 million
# operand pairs (as sleef_powd's): 0 differ.
_F32_LOGK_POLY = tuple(np.float32(c) for c in (0.240320354700088500976562, 0.285112679004669189453125,
                                               0.400007992982864379882812))
_F32_LOGK_TWO_THIRDS = (np.float32(0.66666662693023681640625), np.float32(3.69183861259614332084311e-09))
_F32_EXPK_POLY = tuple(np.float32(c) for c in (0.00136324646882712841033936, 0.00836596917361021041870117,
                                               0.0416710823774337768554688, 0.166665524244308471679688,
                                               0.499999850988388061523438))


def _df_times(x_hi, x_lo, y_hi, y_lo=None):
    """SLEEF's dfmul of the double-floats x and y (y_lo None: of x and the float y_hi)"""
    fma = _f32_fma_rounded_once
    hi = x_hi * y_hi
    lo = fma(x_lo, y_hi, fma(x_hi, y_hi, -hi))
    return hi, (lo if y_lo is None else fma(x_hi, y_lo, lo))


def _sleef_logkf(d):
    """ln d as a double-float, d positive finite float32: SLEEF's logkf"""
    fma, f32 = _f32_fma_rounded_once, np.float32
    scaled = d * f32(1 / 0.75)
    e = np.frexp(scaled)[1]
    e[np.isinf(scaled)] = 129
    e -= 1
    m = np.ldexp(d, -e)
    numerator = m - f32(1)  # x = (m - 1) / (m + 1): dfdiv of two dfadd2
    d_hi = m + f32(1)
    v = d_hi - f32(1)
    d_lo = (f32(1) - (d_hi - v)) + (m - v)
    t = f32(1) / d_hi
    x_hi = numerator * t
    u = fma(t, numerator, -x_hi)
    w = fma(-d_lo, t, fma(-d_hi, t, f32(1)))
    x_lo = fma(x_hi, w, u + f32(0))
    x2_hi = x_hi * x_hi  # dfsqu
    x2_lo = fma(x_hi + x_hi, x_lo, fma(x_hi, x_hi, -x2_hi))
    c2, c1, c0 = _F32_LOGK_POLY
    poly = fma(fma(c2, x2_hi, c1), x2_hi, c0)
    e -= _LOGF_E_MIN
    s = _LOGF_E_LN2_HI.take(e), _LOGF_E_LN2_LO.take(e)  # e ln 2: dfmul
    s = _dd_plus(*s, x_hi * f32(2), x_lo * f32(2))
    p = _df_times(x2_hi, x2_lo, poly)  # x**3 (2/3 + x**2 poly): dfadd2(p, 2/3) first
    c_hi, c_lo = _F32_LOGK_TWO_THIRDS
    hi = p[0] + c_hi
    v = hi - p[0]
    lo = ((p[0] - (hi - v)) + (c_hi - v)) + (p[1] + c_lo)
    return _dd_plus(*s, *_df_times(*_df_times(x2_hi, x2_lo, x_hi, x_lo), hi, lo))


def _vldexpf(x, q):
    """SLEEF's vldexp_vf_vf_vi2: x 2**q as four factors 2**m and one 2**(q - 4m), each product rounded"""
    sign = q >> 31
    m = (((sign + q) >> 6) - sign) << 4
    q = q - (m << 2)
    m = np.clip(m + 127, 0, 255)
    u = (m << 23).view(np.float32)
    x = x * u * u * u * u
    return x * ((q + 127) << 23).view(np.float32)


def _sleef_expkf(d_hi, d_lo):
    """e**(d_hi + d_lo) as float32: SLEEF's expkf (0 below -104; nan where it overflows into nan)"""
    fma, f32 = _f32_fma_rounded_once, np.float32
    q = np.rint((d_hi + d_lo) * f32(_R_LN2F))
    q = np.where(np.abs(q) < 2.0 ** 31, q, -(2.0 ** 31)).astype(np.int32)  # (cvtps2dq: INT_MIN out of range)
    s, s_lo = _dd_plus_any(d_hi, d_lo, q.astype(np.float32) * -_L2UF)  # dfadd2
    s_hi, s_lo = _dd_plus_any(s, s_lo, q.astype(np.float32) * f32(-_L2LF))
    s = s_hi + s_lo  # dfnormalize
    s_lo = (s_hi - s) + s_lo
    s_hi = s
    poly = _F32_EXPK_POLY[0]
    for c in _F32_EXPK_POLY[1:]:
        poly = fma(poly, s_hi, c)
    sq_hi = s_hi * s_hi  # dfsqu(s)
    sq_lo = fma(s_hi + s_hi, s_lo, fma(s_hi, s_hi, -sq_hi))
    t = _dd_plus(s_hi, s_lo, *_df_times(sq_hi, sq_lo, poly))
    hi = f32(1) + t[0]  # 1 + t: dfadd
    lo = ((f32(1) - hi) + t[0]) + t[1]
    out = _vldexpf(hi + lo, q)
    out[d_hi < -104] = 0
    return out


@quiet
def sleef_powf(x, y):
    """SLEEF's pow on float32 (xpowf, its FMA builds; see above): x ** y for float32 arrays of one shape"""
    f32 = np.float32
    ordinary = (x > 0) & (x < np.inf) & (np.abs(y) < np.inf) & (y != 0)
    plain = ordinary.all()
    a = np.abs(x) if plain else np.where(ordinary | (x < 0) & (x > -np.inf), np.abs(x), f32(1))
    b = y if plain else np.where(np.abs(y) < np.inf, y, f32(1))
    out = _sleef_expkf(*_df_times(*_sleef_logkf(a), b))
    out[np.isnan(out)] = np.inf
    if plain:
        return out
    y_int = (y == np.trunc(y)) | (np.abs(y) > f32(2 ** 24))
    y_odd = y_int & (np.abs(y) < f32(2 ** 24)) & (np.fmod(y, f32(2)) != 0)
    out *= np.where(x > 0, f32(1), np.where(y_int, np.where(y_odd, f32(-1), f32(1)), f32(np.nan)))
    edge = np.where(np.signbit(y), f32(1) - np.abs(x), np.abs(x) - f32(1))  # (vmulsign: times y's sign)
    out = np.where(np.isinf(y), np.where(edge < 0, f32(0), np.where(edge == 0, f32(1), f32(np.inf))), out)
    zero_or_inf = np.copysign(np.where(np.signbit(y) ^ (x == 0), f32(0), f32(np.inf)), np.where(y_odd, x, f32(1)))
    out = np.where(np.isinf(x) | (x == 0), zero_or_inf, out)
    out = np.where(np.isnan(x) | np.isnan(y), f32(np.nan), out)
    return np.where((y == 0) | (x == 1), f32(1), out)


_LN2_HI, _LN2_LO = np.float32(0.69314718246459960938), np.float32(-1.904654323148236017e-09)
_LN2_HI_64, _LN2_LO_64 = np.float64(_LN2_HI), np.float64(_LN2_LO)
_LOGF_BIG = np.float32(2.0 ** 127)
_LOGF_POLY = tuple(np.float64(np.float32(c)) for c in (0.3027294874, 0.3996108174, 0.6666694880))  # sleefsimdsp.c
# e ln 2 as the double-float SLEEF's dfmul makes of it, for every exponent e of a float32 (-150..128):
# (hi, lo) = (e * LN2_HI rounded, its rounding error + e * LN2_LO rounded)
_LOGF_E_MIN = -150
_LOGF_E = np.arange(_LOGF_E_MIN, 129, dtype=np.float32)
_LOGF_E_LN2_HI = _LN2_HI * _LOGF_E
_LOGF_E_LN2_LO = (_LOGF_E * _LN2_LO_64 + (_LOGF_E * _LN2_HI_64 - _LOGF_E_LN2_HI)).astype(np.float32)
# the same tables indexed by frexp's exponent, e + 1, taken modulo their length (take's mode="wrap"):
# no index arithmetic before the look-up (a numpy call each, on rows of a few hundred numbers)
_LOGF_FREXP_LN2_HI, _LOGF_FREXP_LN2_LO = (np.roll(t, _LOGF_E_MIN + 1) for t in (_LOGF_E_LN2_HI, _LOGF_E_LN2_LO))
_LOGF = {"4/3": _0D(np.float32(1 / 0.75)), "one": _0D(np.float32(1)), "two": _0D(np.float32(2)),
         "one64": _0D(np.float64(1)), "poly": tuple(_0D(c) for c in _LOGF_POLY)}


@quiet
def sleef_logf(d):
    """SLEEF's logf_u10 (xlogf_u1) on float32, its FMA builds' steps: d = m 2**e with m in [0.75,
    1.5), x = (m - 1) / (m + 1) as a double-float, log d = e ln 2 + 2x + x**3 (a degree-2 polynomial
    in x**2), summed in double-float and rounded once. A fused multiply-add is computed in float64
    (exact products), as in sleef_expf. Values that are not positive and finite are numpy's log (the
    same: nan, -inf, inf)."""
    return _sleef_logf(d)


def _sleef_logf(d):
    """sleef_logf without its own numpy error state (for kernels that set it once)"""
    lo, hi = np.minimum.reduce(d, axis=None, initial=np.inf), np.maximum.reduce(d, axis=None, initial=-np.inf)
    if lo > 0 and hi < _LOGF_BIG:  # (False with a nan)
        return _sleef_logf_steps(d)
    special = ~((d > 0) & (d < np.inf))
    out = _sleef_logf_steps(np.where(special, np.float32(1), d), above_2_127=True)
    out[special] = np.log(d[special])
    return out


def _sleef_logf_steps(d, above_2_127=False):
    """sleef_logf of positive finite d (above_2_127: some may be, where d / 0.75 overflows to inf
    and SLEEF takes e = 128)"""
    c, f32, f64 = _LOGF, np.float32, np.float64
    scaled = np.multiply(d, c["4/3"])
    e_plus_1 = np.frexp(scaled)[1]  # (vgetexp / ilogb2k: e + 1)
    if above_2_127:
        e_plus_1[np.isinf(scaled)] = 129
    m = np.ldexp(d, np.subtract(1, e_plus_1))  # d / 2**e
    # s = e ln 2: dfmul
    s_hi, s_lo = _LOGF_FREXP_LN2_HI.take(e_plus_1, mode="wrap"), _LOGF_FREXP_LN2_LO.take(e_plus_1, mode="wrap")
    # x = (m - 1) / (m + 1): dfdiv of two dfadd2; m - 1 is exact (Sterbenz: m within a factor 2 of 1)
    numerator = np.subtract(m, c["one"])
    fma = m.astype(f64)
    np.add(fma, c["one64"], out=fma)
    d_hi = fma.astype(f32)
    d_lo = np.subtract(fma, d_hi)  # (exact: m + 1's rounding error)
    t = np.divide(c["one"], d_hi)
    x_hi = np.multiply(numerator, t)
    t64 = t.astype(f64)
    np.multiply(t64, numerator, out=fma)
    np.subtract(fma, x_hi, out=fma)
    u = fma.astype(f32)  # fma(t, n, -x_hi)
    np.multiply(d_hi, t64, out=fma)
    np.subtract(c["one64"], fma, out=fma)
    v = fma.astype(f32)  # fma(-d_hi, t, 1)
    np.multiply(d_lo, t64, out=d_lo)
    np.subtract(v, d_lo, out=fma)
    v[...] = fma  # fma(-d_lo, t, v)
    np.multiply(x_hi, v, out=fma, dtype=f64)
    np.add(fma, u, out=fma)
    x_lo = u
    x_lo[...] = fma  # fma(x_hi, v, u)
    x2 = np.multiply(x_hi, x_hi)
    x2_64 = x2.astype(f64)
    poly = c["poly"]
    np.multiply(x2_64, poly[0], out=fma)
    np.add(fma, poly[1], out=fma)
    p = fma.astype(f32)
    np.multiply(p, x2_64, out=fma)
    np.add(fma, poly[2], out=fma)
    p[...] = fma
    two_x = np.multiply(x_hi, c["two"])  # s += 2x: dfadd (x2 exact)
    total = np.add(s_hi, two_x)
    np.subtract(s_hi, total, out=s_hi)  # s_lo = (((s_hi - total) + 2 x_hi) + s_lo) + 2 x_lo
    np.add(s_hi, two_x, out=s_hi)
    np.add(s_hi, s_lo, out=s_lo)
    np.multiply(x_lo, c["two"], out=x_lo)
    np.add(s_lo, x_lo, out=s_lo)
    np.multiply(x2, x_hi, out=x2)  # s += x**3 poly: dfadd
    w = np.multiply(x2, p, out=x2)
    s_hi = total
    total = np.add(s_hi, w)
    np.subtract(s_hi, total, out=s_hi)  # total + (((s_hi - total) + w) + s_lo)
    np.add(s_hi, w, out=s_hi)
    np.add(s_hi, s_lo, out=s_hi)
    return np.add(total, s_hi, out=total)


_LOG1PF_BIG = np.float32(1e23)  # (above, SLEEF's log1pf is its logf)


@quiet
def sleef_log1pf(d):
    """SLEEF's log1pf_u10 (xlog1pf) on float32, its FMA builds' steps, which torch.log1p's float32 kernel
    runs on every element: d + 1 = 2**e (1 + m) with e from (d + 1) / 0.75, m = fma(d, 2**-e, 2**-e - 1)
    (exact: no rounding of d + 1 reaches it), x = m / (2 + m) as a double-float, log1p d = e ln 2 + 2x +
    x**3 (the polynomial of sleef_logf), summed in double-float and rounded once; above 1e23 it is
    sleef_logf(d); -1 gives -inf, below -1 nan, -0.0 itself. (log1p rounded once from float64 differed
    from torch's on 1.5% of inputs.)"""
    f32 = np.float32
    special = ~((d > -1) & (d <= _LOG1PF_BIG)) | ((d == 0) & np.signbit(d))
    x = np.where(special, f32(0), d) if special.any() else d
    e = np.frexp((x + f32(1)) * f32(1 / 0.75))[1] - 1
    t = np.ldexp(f32(1), -e)
    m = fused_multiply_add(x, t, t - f32(1))
    e = e - _LOGF_E_MIN
    s_hi, s_lo = _LOGF_E_LN2_HI.take(e), _LOGF_E_LN2_LO.take(e)  # s = e ln 2: dfmul
    d_hi = f32(2) + m  # x = m / (2 + m): dfdiv of (m, 0) and dfadd(2, m)
    d_lo = (f32(2) - d_hi) + m
    r = f32(1) / d_hi
    x_hi = m * r
    u = fused_multiply_add(r, m, -x_hi)
    v = fused_multiply_add(-d_lo, r, fused_multiply_add(-d_hi, r, np.ones_like(r)))
    x_lo = fused_multiply_add(x_hi, v, u + f32(0))  # (+ 0: fma(0, r, u))
    x2 = x_hi * x_hi
    p = fused_multiply_add(fused_multiply_add(np.full_like(x2, _LOGF_POLY[0]), x2, np.full_like(x2, _LOGF_POLY[1])),
                           x2, np.full_like(x2, _LOGF_POLY[2]))
    total = s_hi + x_hi * f32(2)  # s += 2x: dfadd
    s_lo = (((s_hi - total) + x_hi * f32(2)) + s_lo) + x_lo * f32(2)
    w = (x2 * x_hi) * p  # s += x**3 poly: dfadd
    out = total + w
    out += ((total - out) + w) + s_lo
    if special.any():
        out[special] = np.where(d[special] > _LOG1PF_BIG, sleef_logf(np.abs(d[special])), np.log1p(d[special]))
    return out


@quiet
def _sigmoid_scalar(a):
    """ATen's scalar loop: 1 / (1 + expf(-a)), glibc's expf"""
    return np.float32(1) / (np.float32(1) + _expf(-a))


@quiet
def sigmoid(a):
    """1 / (1 + e**-a) as ATen's sigmoid_kernel computes it. float32: in the order ATen's loop
    visits the elements, each run of contiguous elements (a dense tensor: all of it, in memory
    order; a slice x[:, :8]: each row) with the vectorised kernel (SLEEF's expf) but its last
    n % (2 vectors) elements, those with the scalar one, as is every element of a run whose
    elements are not adjacent (x[:, ::2]); -a rather than 0 - a, which is the same number but flips
    nan's sign as ATen's kernel does. A run of more than 32768 elements is one run here, as with
    one thread (more threads split it, each part with its own scalar tail). Other dtypes: numpy's
    exp. float64: the same parts, with SLEEF's exp in the vectorised one (sleef_expd; numpy's exp
    there differed from torch's by an ulp on about 3% of inputs) and glibc's (_libm_exp) in the scalar loop."""
    if a.dtype == np.float64:
        return _by_parts(_aten_vector_part(a), lambda x: 1 / (1 + sleef_expd(-x)), lambda x: 1 / (1 + _libm_exp(-x)), a)
    if a.dtype != _F32:
        return 1 / (1 + np.exp(-a))
    if a.flags.c_contiguous:
        return _sigmoid_runs(a.reshape(1, -1)).reshape(a.shape)
    flat = np.ravel(a, order="K")
    result = np.empty_like(a)  # (a's layout: dense, its memory order is the order of flat)
    view = np.ravel(result, order="K")
    if np.shares_memory(view, result) and dense(a):
        view[...] = _sigmoid_runs(flat.reshape(1, -1))
        return result
    if a.strides[-1] == a.itemsize:  # rows of adjacent elements
        return _sigmoid_runs(a.reshape(-1, a.shape[-1])).reshape(a.shape)
    return _sigmoid_scalar(a)


def _sigmoid_runs(rows):
    """sigmoid of each row of a float32 2-D array, a run of ATen's vectorised loop"""
    n = rows.shape[1]
    head = n - n % _FLOAT32_CHUNK
    out = np.empty(rows.shape, np.float32)
    if head:
        e = sleef_expf(-rows[:, :head])
        e += np.float32(1)
        np.divide(np.float32(1), e, out=out[:, :head])
    if head < n:
        out[:, head:] = _sigmoid_scalar(rows[:, head:])
    return out


# --- gelu (approximate='none') on float32, as torch's kernels compute it ----------------------------
# A contiguous float32 tensor of 2 or more elements goes to oneDNN (gelu_out_cpu and
# gelu_backward_out_cpu check use_mkldnn(self)), whose AVX512 JIT kernel (jit_uni_eltwise_injector)
# treats every element alike: the forward evaluates erf by piecewise minimax polynomials, the backward
# by Abramowitz & Stegun with oneDNN's own expf. Any other float32 tensor (one element, not contiguous)
# goes to ATen's GeluKernel / GeluBackwardKernel, whose vectorised loop (chunks of two vectors) uses
# Vectorized<float>::erf (Abramowitz & Stegun with SLEEF's expf) and whose scalar loop uses glibc's
# erff and expf (not correctly rounded: an ulp from erf rounded once on 2% of inputs). numpy's erf in
# float64 rounded once printed a different last digit than torch on 45% of contiguous inputs.
def _f32_bits(*words):
    return np.array(words, np.uint32).view(np.float32)


def _xor_sign(v, s):
    """v with its sign bit flipped where s's is set (vxorps with s & -0.)"""
    return (v.view(np.uint32) ^ (s.view(np.uint32) & np.uint32(0x80000000))).view(np.float32)


def _libm_float(name, fallback, dtype=_F32, arguments=1):
    """glibc's function name of dtype (float32: what std::erf(float) calls; float64: std::log(double)),
    element by element; fallback (in float64, rounded once) where there is no libm to call"""
    try:
        import ctypes
        import ctypes.util
        f = getattr(ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6"), name)
        c_type = ctypes.c_float if dtype == _F32 else ctypes.c_double
        f.restype, f.argtypes = c_type, [c_type] * arguments
        call = np.frompyfunc(f, arguments, 1)
    except (OSError, AttributeError, TypeError):
        return lambda *x: fallback(*(v.astype(np.float64) for v in x)).astype(dtype)
    return lambda *x: np.asarray(call(*(v.astype(np.float64) for v in x)), dtype=dtype)  # (float64: exact)


_erff = _libm_float("erff", _erf)
_libm_expf = _libm_float("expf", np.exp)
_libm_expm1f = _libm_float("expm1f", np.expm1)
_libm_exp = _libm_float("exp", np.exp, np.float64)
_libm_pow = _libm_float("pow", np.power, np.float64, arguments=2)  # (numpy's differs from it on 6% of inputs)
_libm_powf = _libm_float("powf", np.power, _F32, arguments=2)  # (numpy's float32 power: on 20%)


def _std_pow(x, y):
    """std::pow(x, y) in x's dtype, as ATen's scalar loops call it: glibc's powf for float32, pow for
    float64 (y a number or an array)"""
    return (_libm_powf if x.dtype == _F32 else _libm_pow)(x, np.asarray(y, x.dtype))
_log1pf = _libm_float("log1pf", np.log1p)
_tanhf = _libm_float("tanhf", np.tanh)


@quiet
def _expf(x):
    """glibc's expf (ATen's scalar loops call it): e**x rounded once from float64 -- glibc's result
    except within 1/64 ulp of a rounding midpoint, where its 0.502-ulp error may round the other way;
    there (and at a power of two, zero, a subnormal, inf or nan) glibc's own, called element by
    element at 15 times the cost. Same bits as glibc's on 40 million random floats."""
    wide = np.exp(x.astype(np.float64))
    out = wide.astype(np.float32)
    ulps_off = (wide - out) / np.spacing(out).astype(np.float64)
    asked = ~(np.abs(np.abs(ulps_off) - 0.5) > 1 / 64)  # (not finite: asked too)
    asked |= (out.view(np.uint32) & np.uint32(0x7FFFFF)) == 0
    asked |= out < np.finfo(np.float32).tiny
    if asked.any():
        out[asked] = _libm_expf(x[asked])
    return out

# oneDNN's erf minimax table (gelu_erf_minimax_polynomial): coefficients of degree 0..5 (rows) of the
# polynomials 0..24 (columns), picked by the exponent and 2 leading mantissa bits of |x|
_ONEDNN_ERF_POLY = _f32_bits(*(int(w, 16) for w in """
    a6f2cb94 32827792 3381cc0c 34523d4a 351ac44d 35f36d88 36ee8229 37b8a3bb 3867a213 3940033b 3a2a5a1d
    3ae35863 3b7828f2 3c08b14b 3c515ed3 bb503236 bd8d8e5e be8abcd9 bf0c19a2 beccb328 3e176ced 3f470d99
    3f7abb28 3f800000 00000000
    3f4c422a 3f4c421f 3f4c4207 3f4c41cb 3f4c413b 3f4c3fad 3f4c3a2f 3f4c2d40 3f4c146a 3f4bc341 3f4ad08c
    3f48f8cf 3f45fac7 3f404e07 3f3b980f 3f48dff3 3f78b21b 3fbb0704 40019c32 3fe536d6 3f81331e 3e6c8684
    3c98f936 00000000 3f800000
    b62173f4 3735e4cf 37f2ff89 388c23be 3917535c 39ab2ab0 3a60fadb 3af9b960 3b6e5491 3c0a4ec5 3ca5aa8c
    3d2138d9 3d8737d4 3ddfb660 3e0f27ab 3d94004b be0efdeb bf1d96c3 bf89db58 bf6d9897 bef69fb8 bdc4f8a8
    bbde6422 00000000 00000000
    be081a19 be084570 be08639b be089837 be08f409 be09ab95 be0b66d0 be0e400a be124df8 be1bde02 be2f19c9
    be4931bf be685fbc be89c95f be96cbca be8044aa be0550f2 3dcfd6a1 3e94c826 3e79345f 3decec91 3ca46568
    3aa1e00a 00000000 00000000
    ba3d61db 39f097a3 3a5845dc 3ab1fa35 3b0cefb8 3b653ab6 3bcae527 3c221712 3c6c5840 3cc0a703 3d1dcc19
    3d63656d 3d955907 3dbf9910 3dd53f69 3db7dcef 3d639ebe ba6ede48 bd22be69 bd041cf1 bc64f5ab bb097a32
    b8ebf380 00000000 00000000
    3cb7d80c 3c9b6050 3c978d11 3c92e850 3c8d058b 3c848454 3c6cd623 3c4c824b 3c2a7935 3be0b390 3b0651ac
    bb232f53 bbd42fa0 bc2c5366 bc492c9e bc2a7aa6 bbd55d04 ba823a76 3b102aa8 3ae25a7e 3a31f792 38b84375
    3689bb5a 00000000 00000000""".split())).reshape(6, 25)
_ONEDNN_ERF_RBOUND = _f32_bits(0x40b15cee)[0]  # beyond (5.54), polynomial 23: erf = 1
# oneDNN's expf (exp_compute_vector_fwd) and its Abramowitz & Stegun erf (gelu_erf_compute_vector_bwd)
_ONEDNN_EXP_POLY = _f32_bits(0x3f7ffffb, 0x3efffee3, 0x3e2aad40, 0x3d2b9d0d, 0x3c07cfce)  # degree 1..5
_ONEDNN_LOG2E, _ONEDNN_LN_MAX, _ONEDNN_LN_MIN, _ONEDNN_LN2 = _f32_bits(0x3fb8aa3b, 0x42b17218, 0xc2aeac50, 0x3f317218)
_AS_P = np.float32(0.3275911)  # erf(x) ~ 1 - t (p1 + p2 t + ... + p5 t^4) e^(-x^2), t = 1 / (1 + p x)
_AS_POLY = np.array([0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429], np.float32)
_RSQRT2 = np.float32(math.sqrt(0.5))
_RSQRT_PI = _f32_bits(0x3f106eba)[0]
_GELU_BETA = np.float32(2 / math.sqrt(math.pi) * math.sqrt(0.5) * 0.5)  # 1 / sqrt(2 pi)
_F32_HALF, _F32_ONE = np.float32(0.5), np.float32(1)


def _onednn_gelu_erf(s):
    """oneDNN's gelu_erf forward: on AVX512, minimax: s (1 + sign(s) P_i(|s|)) / 2, P_i of degree 5
    (Horner's rule, FMAs) picked by |s|'s bits: i = (bits + 0xc21fffff) >> 21 within 1..24, 23 beyond
    5.54 (whose P = 1 makes +inf nan: 0 * inf); on AVX2, fma(s / 2, erf(s / sqrt 2), s / 2) with
    Abramowitz & Stegun's erf (as its backward's)"""
    if VECTOR_BYTES != 64:
        half = s * _F32_HALF
        return fused_multiply_add(half, _onednn_as_erf(s * _RSQRT2)[0], half)
    x = np.abs(s)
    i = (x.view(np.int32) + np.int32(-0x3de00001)) >> 21  # (+ 0xc21fffff, wrapping)
    np.clip(i, 1, 24, out=i)
    i[x > _ONEDNN_ERF_RBOUND] = 23
    c = _ONEDNN_ERF_POLY[:, i]
    p = c[5]
    for d in range(4, -1, -1):
        p = fused_multiply_add(p, x, c[d])
    return (_xor_sign(p, s) + _F32_ONE) * s * _F32_HALF


def _onednn_expf(x):
    """oneDNN's expf: x clamped to [ln FLT_MIN, ln FLT_MAX], n = floor(x log2 e + 1/2), r = x - n ln 2
    (an FMA), a degree-5 polynomial in r (FMAs), times 2**(n - 1) times 2; 0 below ln FLT_MIN"""
    under = x < _ONEDNN_LN_MIN
    x = np.maximum(np.minimum(x, _ONEDNN_LN_MAX), _ONEDNN_LN_MIN)
    n = np.floor(x * _ONEDNN_LOG2E + _F32_HALF)
    r = fused_multiply_add(-n, _ONEDNN_LN2, x)
    p = np.full(x.shape, _ONEDNN_EXP_POLY[4])
    for c in _ONEDNN_EXP_POLY[3::-1]:
        p = fused_multiply_add(p, r, c)
    p = fused_multiply_add(p, r, _F32_ONE)
    two = (((n - _F32_ONE).astype(np.int32) + 127) << 23).view(np.float32)
    two[under] = 0
    return p * two * np.float32(2)


def _onednn_gelu_erf_grad(s):
    """oneDNN's gelu_erf backward (the derivative): (1 + erf(R)) / 2 + R e^(-R^2) / sqrt(pi),
    R = s / sqrt 2, erf by Abramowitz & Stegun with oneDNN's expf, in its order of operations"""
    r = s * _RSQRT2
    erf, q = _onednn_as_erf(r)
    t = r * _RSQRT_PI * q
    return fused_multiply_add(erf, _F32_HALF, t + _F32_HALF)


def _onednn_as_erf(r):
    """oneDNN's Abramowitz & Stegun erf: sign(r) (1 - e^(-r^2) w P(w)), w = 1 / (1 + p |r|), with its
    expf, in its order of operations; (erf, e^(-r^2))"""
    q = _onednn_expf(-(r * r))
    w = _F32_ONE / fused_multiply_add(_AS_P, np.abs(r), _F32_ONE)
    qw = -q * w
    p = np.full(r.shape, _AS_POLY[4])
    for c in _AS_POLY[3::-1]:
        p = fused_multiply_add(p, w, c)
    return _xor_sign(fused_multiply_add(qw, p, _F32_ONE), r), q


def _aten_vec_erf(x):
    """Vectorized<float>::erf: sign(x) (1 - r t e^(-x^2)), t = 1 / (1 + p |x|), r = p1 + p2 t + ...
    (FMAs), e^(-x^2) by SLEEF's expf"""
    t = _F32_ONE / fused_multiply_add(_AS_P, np.abs(x), _F32_ONE)
    r = np.full(x.shape, _AS_POLY[4])
    for c in _AS_POLY[3::-1]:
        r = fused_multiply_add(r, t, c)
    e = sleef_expf(-(x * x))
    return _xor_sign(fused_multiply_add(-e * t, r, _F32_ONE), x)


def _aten_gelu_vec(x):
    """GeluKernel's vectorised loop: x / 2 (1 + erf(x / sqrt 2))"""
    return x * _F32_HALF * (_F32_ONE + _aten_vec_erf(x * _RSQRT2))


def _aten_gelu_scalar(x):
    """GeluKernel's scalar loop: x / 2 (1 + erff(x / sqrt 2))"""
    return x * _F32_HALF * (_F32_ONE + _erff(x * _RSQRT2))


def _aten_gelu_backward_vec(g, x):
    """GeluBackwardKernel's vectorised loop: g (cdf + x pdf), cdf = (1 + erf(x / sqrt 2)) / 2,
    pdf = e^(-x^2 / 2) / sqrt(2 pi) (SLEEF's expf); cdf + x pdf is one FMA (the compiler fuses it)"""
    cdf = _F32_HALF * (_F32_ONE + _aten_vec_erf(x * _RSQRT2))
    pdf = _GELU_BETA * sleef_expf(x * x * np.float32(-0.5))
    return g * fused_multiply_add(x, pdf, cdf)


def _aten_gelu_backward_scalar(g, x):
    """GeluBackwardKernel's scalar loop: g (cdf + x pdf) with glibc's erff and expf, unfused"""
    cdf = _F32_HALF * (_F32_ONE + _erff(x * _RSQRT2))
    pdf = _GELU_BETA * _expf(x * x * np.float32(-0.5))
    return g * (cdf + x * pdf)


def _aten_vector_part(a, vector_bytes=VECTOR_BYTES):
    """Which elements of a ATen's one-input elementwise loop computes in its vectorised loop (chunks
    of two vectors), the others going through its scalar loop: of each run of adjacent elements (a
    dense tensor: all of it, in memory order; x[:, :8]: each row) all but the last n % (2 vectors);
    none of a run whose elements are not adjacent (x[:, ::2]). (More than 32768 elements: one run
    here, as with one thread.) vector_bytes: the CPU's, or 32 (AVX2's) for a kernel ATen does not
    register for AVX512"""
    part = np.zeros(a.shape, bool)
    chunk = 2 * vector_bytes // a.itemsize
    if a.size == 0:
        return part
    if a.flags.c_contiguous:
        flat = part.reshape(-1)
        flat[:a.size - a.size % chunk] = True
        return part
    if dense(a):
        part = np.zeros_like(a, dtype=bool, order="K")
        view = np.ravel(part, order="K")
        if np.shares_memory(view, part):
            view[:a.size - a.size % chunk] = True
            return part
    if a.strides[-1] == a.itemsize:
        n = a.shape[-1]
        part[..., :n - n % chunk] = True
    return part


def _by_parts(vector_part, vec, scalar, *args):
    """vec(*args) where vector_part, scalar(*args) elsewhere (each computed only where it is used),
    laid out as the first argument is where it is laid out in memory (a.T.sinh() is transposed too, as
    torch's), C-contiguous where it is broadcast (numpy's empty_like would lay a stride-0 dim last)"""
    a = args[0]
    if a.shape == vector_part.shape and 0 not in a.strides:
        out = np.empty_like(a)
    else:
        out = np.empty(vector_part.shape, a.dtype)
    args = [np.broadcast_to(x, vector_part.shape) for x in args]
    if vector_part.any():
        out[vector_part] = vec(*(x[vector_part] for x in args))
    rest = ~vector_part
    if rest.any():
        out[rest] = scalar(*(x[rest] for x in args))
    return out


@quiet
def gelu_erf_float32(a):
    """x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 for float32 a, as torch computes it: oneDNN's kernel for
    a contiguous tensor of 2 or more elements, else ATen's loops (see above)"""
    if a.size > 1 and a.flags.c_contiguous:
        return _onednn_gelu_erf(a)
    return _by_parts(_aten_vector_part(a), _aten_gelu_vec, _aten_gelu_scalar, a)


@quiet
def gelu_erf_backward_float32(g, a):
    """g d(x Phi(x))/dx = g (Phi(x) + x e^(-x^2 / 2) / sqrt(2 pi)) for float32 g and a, as torch
    computes it: oneDNN's kernel when a is contiguous with 2 or more elements, else ATen's loops
    (vectorised where a's run is and g is read alike, or is one number broadcast)"""
    if a.size > 1 and a.flags.c_contiguous:
        return np.multiply(g, _onednn_gelu_erf_grad(a), dtype=np.float32)
    return _by_parts(_aten_backward_vector_part(g, a), _aten_gelu_backward_vec, _aten_gelu_backward_scalar, g, a)


def _aten_backward_vector_part(g, a, vector_bytes=VECTOR_BYTES, others=()):
    """_aten_vector_part of a loop over the input a and a gradient g (and others: a loss's target):
    a's runs, vectorised where every other operand is read alike or is one number broadcast; where
    one is broadcast over the rows of a C-contiguous a (the gradient of x.silu().sum(0)), the loop
    cannot run a as one: each row is a run of its own"""
    part = _aten_vector_part(a, vector_bytes)
    operands = [np.broadcast_to(x, a.shape) for x in (g, *others)]
    differ = [x for x in operands if not (x.strides == a.strides or not any(x.strides))]
    if a.ndim and differ:
        rows_alike = a.strides[-1] == a.itemsize and all(x.strides[-1] in (0, x.itemsize) for x in differ)
        if rows_alike and a.flags.c_contiguous:
            n = a.shape[-1]
            part[...] = False
            part[..., :n - n % (2 * vector_bytes // a.itemsize)] = True
        elif not (rows_alike and not dense(a)):
            part[...] = False
    return part


# --- silu, mish, hardtanh, log_sigmoid: ATen's CPU kernels (Activation.cpp) ----------------------------
# silu's and mish's are one loop of TensorIterator: vectorised (SLEEF's expf, and the compiler fuses
# a * b + c into one FMA) but for the last n % (2 vectors) elements of a run, which go through the
# scalar loop (glibc's expf, also fused). hardtanh's backward is registered for AVX2 only: its vectors
# are 32 bytes on any machine. log_sigmoid's forward runs every element through the vector code (the
# tail too, by a partial load) and saves e^-|a| for its backward. Other dtypes: numpy in ATen's order.
def _float32_kernel(vec, scalar, *args):
    """vec / scalar over float32 arrays as ATen's loop splits them (the last arg is the input a)"""
    a = args[-1]
    part = _aten_vector_part(a) if len(args) == 1 else _aten_backward_vector_part(args[0], a)
    return _by_parts(part, vec, scalar, *args)


@quiet
def silu(a):
    """x sigmoid(x) = x / (1 + e^-x), as ATen computes it"""
    if a.dtype == np.float64:  # (SLEEF's exp in float64 in the vectorised loop, glibc's in the scalar one)
        return _float32_kernel(lambda x: x / (1 + sleef_expd(-x)), lambda x: x / (1 + _libm_exp(-x)), a)
    if a.dtype != _F32:
        return a / (1 + np.exp(-a))
    return _float32_kernel(lambda x: x / (_F32_ONE + sleef_expf(-x)), lambda x: x / (_F32_ONE + _expf(-x)), a)


def _silu_grad(e, g, x):
    """g s (1 + x (1 - s)), s = 1 / (1 + e), e = e^-x: the last product and sum one FMA"""
    s = _F32_ONE / (_F32_ONE + e)
    return g * s * fused_multiply_add(x, _F32_ONE - s, _F32_ONE)


@zeros_as_memory
@quiet
def silu_backward(g, a):
    """g d(x sigmoid(x))/dx = g s (1 + x (1 - s)), s = sigmoid(x), as ATen's kernel"""
    if a.dtype == np.float64 and np.result_type(g, a) == np.float64:
        return _float32_kernel(lambda g, x: _silu_grad(sleef_expd(-x), g, x), lambda g, x: _silu_grad(_libm_exp(-x), g, x),
                               np.asarray(g, np.float64), a)
    if a.dtype != _F32 or np.result_type(g, a) != _F32:
        s = 1 / (1 + np.exp(-a))
        return g * s * (1 + a * (1 - s))
    return _float32_kernel(lambda g, x: _silu_grad(sleef_expf(-x), g, x), lambda g, x: _silu_grad(_expf(-x), g, x),
                           np.asarray(g, np.float32), a)


# (SLEEF's tanhf is not emulated: the vectorised loop's is computed in float64 and rounded once, an
# ulp from it on some inputs; its expf and log1pf are SLEEF's own)
_tanh_f64 = in_float64(np.tanh)


def _tanh_softplus(x, expf, log1pf, tanhf):
    """tanh(log1p(exp(x))), each step rounded to float32 as ATen's mish kernels compute it"""
    return tanhf(log1pf(expf(x)))


@quiet
def mish(a):
    """x tanh(softplus(x)) = x tanh(log(1 + e^x)), as ATen's kernel: exp, log1p, tanh, then the
    product, each rounded to a's dtype"""
    if a.dtype != _F32:
        return a * np.tanh(np.log1p(np.exp(a)))
    return _float32_kernel(lambda x: x * _tanh_softplus(x, sleef_expf, _sleef_log1pf_any, _tanh_f64),
                           lambda x: x * _tanh_softplus(x, _expf, _log1pf, _tanhf), a)


def _mish_grad(g, x, e, t):
    """g (t + x s (1 - t^2)), s = 1 / (1 + e), e = e^-x, t = tanh(softplus(x)): 1 - t t and the
    sum fused (FMAs)"""
    s = _F32_ONE / (_F32_ONE + e)
    return g * fused_multiply_add(x * s, fused_multiply_add(-t, t, _F32_ONE), t)


@zeros_as_memory
@quiet
def mish_backward(g, a):
    """g d mish(x)/dx = g (t + x s (1 - t^2)), t = tanh(softplus(x)), s = sigmoid(x), as ATen's kernel"""
    if a.dtype != _F32 or np.result_type(g, a) != _F32:
        s = 1 / (1 + np.exp(-a))
        t = np.tanh(np.log1p(np.exp(a)))
        return g * (t + a * s * (1 - t * t))
    return _float32_kernel(
        lambda g, x: _mish_grad(g, x, sleef_expf(-x), _tanh_softplus(x, sleef_expf, _sleef_log1pf_any, _tanh_f64)),
        lambda g, x: _mish_grad(g, x, _expf(-x), _tanh_softplus(x, _expf, _log1pf, _tanhf)),
        np.asarray(g, np.float32), a)


def hardtanh(a, min_val, max_val):
    """a clamped to [min_val, max_val]; of an integer tensor, by the bounds cast to its type (2.5
    truncated to 2, as C++ casts)"""
    if a.dtype.kind in "iu":
        return clamp(a, a.dtype.type(int(min_val)), a.dtype.type(int(max_val)))
    return clamp(a, a.dtype.type(min_val), a.dtype.type(max_val))


@zeros_as_memory
def hardtanh_backward(g, a, min_val, max_val):
    """g where min_val < a < max_val, else 0. A nan a: its vectorised loop drops g (the comparisons
    are false), its scalar loop passes g on (a <= min or a >= max is false too)"""
    if a.dtype.kind != "f" or g.shape != a.shape or g.dtype != a.dtype:
        return np.where((a <= min_val) | (a >= max_val), 0, g).astype(np.result_type(g, a))
    part = _aten_backward_vector_part(g, a, _AVX2_BYTES)
    keep = np.where(part, (a > min_val) & (a < max_val), ~((a <= min_val) | (a >= max_val)))
    return blend(keep, g)


def _exp_minus_abs(a):
    """log_sigmoid's buffer, e^-|a| (SLEEF's expf for float32)"""
    if a.dtype == _F32:
        return sleef_expf(-np.abs(a).reshape(-1)).reshape(a.shape)  # (sleef_expf: of arrays of 1-D or more)
    return np.exp(-np.abs(a))


@zeros_as_memory
@quiet
def log_sigmoid_backward(g, a):
    """g d log(sigmoid(a))/da = g (max_deriv - sign z / (1 + z)), z = e^-|a| (the forward's buffer);
    max_deriv, sign: 1, 1 for a < 0, else 0, -1 (sign times the quotient is exact: one rounding)"""
    z = _exp_minus_abs(a)
    q = z / (z.dtype.type(1) + z)
    return np.where(a < 0, z.dtype.type(1) - q, q) * g


# --- layer norm: ATen's CPU kernels (layer_norm_kernel.cpp, moments_utils.h), on vectors of 32 bytes -
def _math_dtype(dtype):
    """opmath_type: float16 computes in float32"""
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(dtype)


def _add_moments(m0_add, m1_add, m2_add, m0, m1, m2):
    """AddMomentsVec: the moments (count, mean, sum of squared deviations) of two parts merged:
    m1 += c delta, m2 = fma(delta m0, c delta, m2 + m2_add), c = m0_add / (m0 + m0_add)"""
    t = m1.dtype.type
    n = m0 + m0_add
    c = t(0) if n == 0 else t(m0_add) / t(n)
    delta = m1_add - m1
    c_delta = c * delta
    return n, m1 + c_delta, fused_multiply_add(delta * t(m0), c_delta, m2 + m2_add)


def rowwise_moments(rows):
    """RowwiseMoments: (mean, biased variance) of each row of rows (M, N), in the math dtype, as
    ATen's cascade of Welford updates computes them: chunks of 16 vectors of lanes, each a Welford
    update per lane (m1 = fma(1 / (j + 1), x - m1, m1), m2 = fma(x - m1_old, x - m1, m2)), merged
    into a stack of partial moments by a binary counter; the elements after the last whole vector
    one by one; then the lanes merged into those, one lane after another; variance = m2 / N."""
    dt = _math_dtype(rows.dtype)
    t = dt.type
    M, N = rows.shape
    lanes = _LANES_BYTES // rows.dtype.itemsize  # (a float16 vector is two float32 ones)
    acc_lanes = _LANES_BYTES // dt.itemsize
    n = N // lanes
    chunks = -(-n // 16)
    depth = _ceil_log2_at_least_1(chunks)
    zero = np.zeros((M, acc_lanes), dt)
    stack = [[0, zero, zero] for _ in range(depth)]
    inverse = [t(1) / t(j + 1) for j in range(16)]
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(chunks):
            count = min(16, n - i * 16)
            block = rows[:, i * 16 * lanes:(i * 16 + count) * lanes].astype(dt).reshape(M, count, lanes)
            m1 = m2 = np.zeros((M, lanes), dt)
            for j in range(count):
                x = block[:, j]
                delta = x - m1
                m1 = fused_multiply_add(np.full_like(delta, inverse[j]), delta, m1)
                m2 = fused_multiply_add(delta, x - m1, m2)
            for part in range(lanes // acc_lanes):  # (a float16 vector's two halves, one after the other)
                piece = slice(part * acc_lanes, (part + 1) * acc_lanes)
                stack[0] = list(_add_moments(count, m1[:, piece], m2[:, piece], *stack[0]))
            mask, j = i + 1, 1
            while j < depth and mask & 1 == 0:
                stack[j] = list(_add_moments(*stack[j - 1], *stack[j]))
                stack[j - 1] = [0, zero, zero]
                mask, j = mask >> 1, j + 1
        for j in range(1, depth):
            stack[0] = list(_add_moments(*stack[j], *stack[0]))
        _, lane_m1, lane_m2 = stack[0]
        m0, m1, m2 = 0, np.zeros(M, dt), np.zeros(M, dt)
        for i in range(n * lanes, N):
            x = rows[:, i].astype(dt)
            delta = x - m1
            m0 += 1
            m1 = m1 + delta / t(m0)
            m2 = m2 + delta * (x - m1)
        m0_add = n * lanes // acc_lanes
        for i in range(acc_lanes):  # (AddMoments: the compiler fuses m1 + c delta and m2_add + ... * m0)
            total = m0 + m0_add
            c = t(0) if total == 0 else t(m0_add) / t(total)
            delta = lane_m1[:, i] - m1
            m1 = fused_multiply_add(np.full_like(delta, c), delta, m1)
            m2 = m2 + fused_multiply_add(delta * delta * c, np.full_like(delta, t(m0)), lane_m2[:, i])
            m0 = total
        return m1, m2 / t(N)


def _ceil_log2_at_least_1(x):
    """utils::CeilLog2 (1 for x <= 2)"""
    return 1 if x <= 2 else int(x - 1).bit_length()


def layer_norm_statistics(rows, eps):
    """(mean, rstd) of each row, rstd = 1 / sqrt(var + eps) all in the math dtype, as ATen's kernel"""
    mean, var = rowwise_moments(rows)
    t = mean.dtype.type
    with np.errstate(divide="ignore", invalid="ignore"):
        return mean, t(1) / np.sqrt(var + t(eps))


def layer_norm(x, weight, bias, mean, rstd, eps, normalized_shape):
    """out = fma((x - mean) * rstd, weight, bias) per row of the normalized shape (bias 0 when not
    given; no weight: fma(x - mean, rstd, bias)), in the math dtype, rounded to x's. (float16's
    statistics are saved in float16, and ATen normalises with the float32 ones: computed again.)"""
    dt = _math_dtype(x.dtype)
    rows = x.reshape(mean.size, math.prod(normalized_shape)).astype(dt, copy=False)
    if mean.dtype != dt:
        mean, rstd = layer_norm_statistics(x.reshape(rows.shape), eps)
    m, r = mean.reshape(-1, 1).astype(dt), rstd.reshape(-1, 1).astype(dt)
    with np.errstate(invalid="ignore", over="ignore"):
        b = np.zeros(rows.shape[1], dt) if bias is None else bias.reshape(-1).astype(dt)
        if dt != x.dtype:  # (float16's kernel: fma(fma(x, rstd, -rstd mean), weight or 1, bias))
            w = np.ones(rows.shape[1], dt) if weight is None else weight.reshape(-1).astype(dt)
            wide = np.broadcast_to(r, rows.shape)
            out = fused_multiply_add(fused_multiply_add(rows, wide, np.broadcast_to(-r * m, rows.shape)), w, b)
        elif weight is None:  # (a weight of 1 the compiler leaves out: fma(x - mean, rstd, bias))
            out = fused_multiply_add(rows - m, np.broadcast_to(r, rows.shape), b)
        else:
            out = fused_multiply_add((rows - m) * r, weight.reshape(-1).astype(dt), b)
    return out.astype(x.dtype, copy=False).reshape(x.shape)


def _vector_sum(v, a=None, b=None, vector_bytes=_LANES_BYTES):
    """vec::reduce_all over the last axis (v = a * b fused into the tail's additions when given):
    whole vectors of lanes added in order, the tail into the first lanes, then the lanes added up
    (float32: in halves, lane i + lane i + 8, + 4, + 2, + 1); fewer elements than a vector are added
    one after another. vector_bytes: the kernel's vectors (AVX2's, unless it is built for AVX512)"""
    lanes = vector_bytes // v.dtype.itemsize
    n = v.shape[-1]
    if n < lanes:  # (accumulate adds one after another, as the loop does)
        return np.add.accumulate(v, axis=-1)[..., -1] if n else np.zeros(v.shape[:-1], v.dtype)
    whole = n // lanes
    acc = np.add.accumulate(v[..., :whole * lanes].reshape(v.shape[:-1] + (whole, lanes)), axis=-2)[..., -1, :]
    tail = n - whole * lanes
    if tail:
        rest = slice(whole * lanes, n)
        acc[..., :tail] = (acc[..., :tail] + v[..., rest] if a is None else
                           fused_multiply_add(a[..., rest], b[..., rest], acc[..., :tail]))
    if v.dtype != np.float32:  # (vec_reduce_all's generic loop: lane after lane)
        total = acc[..., 0]
        for i in range(1, lanes):
            total = total + acc[..., i]
        return total
    while acc.shape[-1] > 1:  # (its AVX2 and AVX512 float versions: the lanes folded in halves by shuffles)
        half = acc.shape[-1] // 2
        acc = acc[..., :half] + acc[..., half:]
    return acc[..., 0]


def _layer_norm_rows(g, x, mean, rstd, weight, normalized_shape):
    """g, x as rows of the normalized shape, in the math dtype; mean, rstd as columns; weight a row"""
    dt = _math_dtype(x.dtype)
    rows = (lambda a: a.reshape(mean.size, math.prod(normalized_shape)).astype(dt, copy=False))
    w = None if weight is None else weight.reshape(-1).astype(dt)
    return rows(g), rows(x), mean.reshape(-1, 1).astype(dt), rstd.reshape(-1, 1).astype(dt), w


def layer_norm_backward_input(g, x, mean, rstd, weight, normalized_shape):
    """d out / d x per row, as LayerNormBackwardKernelImpl computes it: a g w + b x + c, a = rstd,
    b = (db mean - ds) rstd^3 / N, c = -b mean - db rstd / N, ds = sum(g x w), db = sum(g w) (the
    compiler fuses db mean - ds, -b mean - ..., and b x + (a g) w)"""
    gr, xr, m, a, w = _layer_norm_rows(g, x, mean, rstd, weight, normalized_shape)
    t = xr.dtype.type
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        gx = gr * xr
        if w is None:
            ds, db = _vector_sum(gx, gr, xr), _vector_sum(gr)
        else:
            wide = np.broadcast_to(w, xr.shape)
            ds, db = _vector_sum(gx * w, gx, wide), _vector_sum(gr * w, gr, wide)
        ds, db = ds[:, None], db[:, None]
        scale = t(1) / t(xr.shape[1])
        b = fused_multiply_add(db, m, -ds) * a * a * a * scale
        c = fused_multiply_add(-b, m, -(db * a * scale))
        out = fused_multiply_add(np.broadcast_to(b, xr.shape), xr, a * gr if w is None else a * gr * w) + c
    return out.astype(x.dtype, copy=False).reshape(x.shape)


def layer_norm_backward_weight(g, x, mean, rstd, weight, normalized_shape):
    """d out / d weight = sum over the rows of g (a x + b), a = rstd, b = -a mean: each row
    fma(g, fma(a, x, b), dweight) into its thread's buffer (see _rows_added)"""
    gr, xr, m, a, _ = _layer_norm_rows(g, x, mean, rstd, weight, normalized_shape)
    with np.errstate(invalid="ignore", over="ignore"):
        centred = fused_multiply_add(np.broadcast_to(a, xr.shape), xr, np.broadcast_to(-a * m, xr.shape))
        total = _rows_added(gr, centred, x.dtype)
    return total.astype(x.dtype if weight is None else weight.dtype, copy=False).reshape(normalized_shape)


def layer_norm_backward_bias(g, x, mean, rstd, weight, normalized_shape):
    """d out / d bias = sum over the rows of g"""
    gr = g.reshape(mean.size, math.prod(normalized_shape)).astype(_math_dtype(x.dtype), copy=False)
    return _rows_added(gr, None, x.dtype).astype(x.dtype if weight is None else weight.dtype,
                                                 copy=False).reshape(normalized_shape)


def _rows_added(terms, times, buffer_dtype):
    """the rows of terms (M, N) added up (of terms * times, each product fused into its addition,
    when given): each thread's rows one after another into its buffer of zeros (of the input's
    dtype: float16 rounds after each row), then the buffers in order in the math dtype (ATen's
    parallel_for over the rows, then its loop over the threads' buffers)"""
    total = np.zeros(terms.shape[1], terms.dtype)
    for lo, hi in _row_chunks(terms.shape[0]) if len(terms) else ():
        part = np.zeros(terms.shape[1], terms.dtype)
        for i in range(lo, hi):
            part = part + terms[i] if times is None else fused_multiply_add(terms[i], times[i], part)
            if buffer_dtype != terms.dtype:
                part = part.astype(buffer_dtype).astype(terms.dtype)
        total = total + part
    return total


# --- trigonometric, hyperbolic and other elementwise functions (tan ... erfc) ----------------------
# float32 as ATen computes it, where that is known: glibc's asinhf and acoshf (ATen calls std::asinh
# on every element: bit for bit), acos by glibc's acosf (nearer torch's than rounding once: 2% of
# inputs differ against 6%), and for sinh, cosh, atanh, exp2 glibc's in ATen's scalar loop (bit for
# bit) but SLEEF's vectors in its vectorised loop, rounded once here (SLEEF's sinhf and coshf
# overflow to inf past log(FLT_MAX), where e**|a| does: so do these). The others are rounded once
# from float64. README's "Differences from PyTorch" lists how often each differs from torch's.
_asinhf = _libm_float("asinhf", np.arcsinh)
_acoshf = _libm_float("acoshf", np.arccosh)
_acosf = _libm_float("acosf", np.arccos)
_sinhf = _libm_float("sinhf", np.sinh)
_coshf = _libm_float("coshf", np.cosh)
_atanhf = _libm_float("atanhf", np.arctanh)
_exp2f = _libm_float("exp2f", np.exp2)
_logf = _libm_float("logf", np.log)
_libm_log = _libm_float("log", np.log, np.float64)
_libm_log1p = _libm_float("log1p", np.log1p, np.float64)
_F32_LOG_MAX = math.log(float(np.finfo(np.float32).max))


def _float32_by(libm_float, float64_function, vectorised=None, libm_double=None):
    """A float32 function: libm_float (glibc's, element by element) where ATen's loop is scalar,
    vectorised (default: float64_function rounded once) where it is vectorised (vectorised=False:
    glibc's on every element); float64 the same with libm_double (glibc's double function) where it
    is given, float64_function (numpy's) in the vectorised loop; other dtypes: float64_function."""
    rounded_once = in_float64(float64_function)

    @quiet
    def f(a):
        if a.dtype == np.float64 and libm_double is not None:
            if vectorised is False:
                return libm_double(a)
            return _by_parts(_aten_vector_part(a), float64_function, libm_double, a)
        if a.dtype != _F32:
            return float64_function(a)
        if vectorised is False:
            return libm_float(a)
        return _by_parts(_aten_vector_part(a), vectorised or rounded_once, libm_float, a)
    f.__name__ = f.__qualname__ = float64_function.__name__
    return f


def _overflowing_past_log_max(f):
    """f rounded once from float64, inf (of f's sign) where |a| > log(FLT_MAX), as SLEEF's sinhf / coshf"""
    def vec(a):
        out = f(a.astype(np.float64)).astype(np.float32)
        return np.where(np.abs(a) > _F32_LOG_MAX, np.copysign(np.float32(np.inf), out), out)
    return vec


# (float64: glibc's asinh and acosh on every element, as torch's; sinh, cosh, atanh and exp2 by glibc in
# the scalar loop, numpy's in the vectorised one, where torch's SLEEF differs from it on 0.1-8%)
_double = lambda name, fallback: _libm_float(name, fallback, np.float64)
asinh = _float32_by(_asinhf, np.arcsinh, vectorised=False, libm_double=_double("asinh", np.arcsinh))
acosh = _float32_by(_acoshf, np.arccosh, vectorised=False, libm_double=_double("acosh", np.arccosh))
acos = _float32_by(_acosf, np.arccos, vectorised=False)
sinh = _float32_by(_sinhf, np.sinh, _overflowing_past_log_max(np.sinh), _double("sinh", np.sinh))
cosh = _float32_by(_coshf, np.cosh, _overflowing_past_log_max(np.cosh), _double("cosh", np.cosh))
atanh = _float32_by(_atanhf, np.arctanh, libm_double=_double("atanh", np.arctanh))
_EXP2F_POLY = tuple(_0D(np.float32(c)) for c in (0.1535920892e-3, 0.1339262701e-2, 0.9618384764e-2,
                                                 0.5550347269e-1, 0.2402264476e+0, 0.6931471825e+0))  # sleefsimdsp.c


@quiet
def sleef_exp2f(d):
    """SLEEF's exp2f_u10 on float32, as its FMA builds compute it: q = rint(d), s = d - q (exact), a
    degree-6 polynomial in s by fused multiply-adds, fma(u, s, 1), times 2**(q >> 1) and
    2**(q - (q >> 1)); inf from 128, 0 below -150."""
    u = np.rint(d)
    s = d - u
    q = np.clip(np.nan_to_num(u), -300, 300).astype(np.int32)
    v = np.full(d.shape, _EXP2F_POLY[0], np.float32)
    for c in _EXP2F_POLY[1:] + (_0D(np.float32(1)),):
        v = fused_multiply_add(v, s, c)
    half = q >> 1
    v = v * np.ldexp(np.float32(1), half) * np.ldexp(np.float32(1), q - half)
    return np.where(d >= 128, np.float32(np.inf), np.where(d < -150, np.float32(0), v))


exp2 = _float32_by(_exp2f, np.exp2, sleef_exp2f, _double("exp2", np.exp2))
_ERFC = np.frompyfunc(math.erfc, 1, 1)


@quiet
def erfc(a):
    """1 - erf(a), computed without cancellation: math.erfc in float64 (rounded once for float32)"""
    return in_float64(lambda x: np.asarray(_ERFC(x), dtype=np.float64))(a)


@quiet
def frac(a):
    """a - trunc(a), its sign (frac(inf) is nan, as ATen's)"""
    return a - np.trunc(a)


@quiet
def hypot(a, b):
    """sqrt(a**2 + b**2) without overflow (float32: rounded once from float64)"""
    return in_float64(np.hypot)(*np.broadcast_arrays(a, b)) if a.dtype == _F32 else np.hypot(a, b)


@quiet
def xlogy(a, b):
    """a * log(b), 0 where a is 0 (and b not nan), nan where b is nan; ATen's kernel: log(b) in
    b's dtype (float32: glibc's logf), times a"""
    b = np.asarray(b)
    log_b = _logf(b) if b.dtype == _F32 else np.log(b)
    return np.where(np.isnan(b), np.asarray(np.nan, log_b.dtype), np.where(a == 0, 0, a * log_b)).astype(log_b.dtype)


def nan_to_num(a, nan, posinf, neginf):
    """a with nan, +inf and -inf replaced (posinf, neginf None: the dtype's largest and smallest)"""
    if a.dtype.kind != "f":
        return a.copy()
    info = np.finfo(a.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = np.where(np.isnan(a), a.dtype.type(nan), a)
    return np.where(np.isposinf(a), a.dtype.type(posinf), np.where(np.isneginf(a), a.dtype.type(neginf), out))


@quiet
def logit_eps(a, eps):
    """log(z / (1 - z)), z = a clamped to [eps, 1 - eps] (eps None: a itself), as ATen's kernel"""
    if eps is not None:
        lo = a.dtype.type(eps)
        hi = a.dtype.type(1 - lo)
        a = np.where(a < lo, lo, np.where(a > hi, hi, a))
    return logit(a)


@quiet
def logit_backward(g, a, eps):
    """ATen's logit_backward kernel: g / (a (1 - a)) inside [eps, 1 - eps] (inside [0, 1]: eps None),
    0 outside (nan: eps None); g * inf at 0 and 1"""
    lo = a.dtype.type(0 if eps is None else eps)
    hi = a.dtype.type(1) - lo
    outside = np.asarray(np.nan if eps is None else 0, g.dtype)
    inner = np.where((a == 0) | (a == 1), g * np.asarray(np.inf, g.dtype), g / (a * (1 - a)))
    return np.where((a < lo) | (a > hi), outside, inner).astype(g.dtype, copy=False)


# --- picking by index: index_select, index_add, take, put, masked_scatter, roll, rot90 ---------------
def index_select(a, dim, index):
    """the slices of a at index (a vector) along dim, in a new contiguous array (0-d a: a itself)"""
    if a.ndim == 0:
        return a.copy()
    return np.ascontiguousarray(np.take(a, index.reshape(-1), axis=dim))


def index_add(a, source, dim, index, alpha=1):
    """a with source's slices added at index along dim, one after another (an index may repeat)"""
    z = a.copy()
    if a.dtype.kind != "f" and alpha != 1:  # (integers: alpha is an integer, index_add's caller sees to it)
        source, alpha = source * alpha, 1
    if a.ndim == 0:
        return add_scaled(z, source.reshape(()), alpha) if alpha != 1 else z + source.reshape(())
    for i, at in enumerate(index.reshape(-1)):
        where = at_dim(dim, at)
        piece = np.take(source, i, axis=dim) if source.ndim else source
        z[where] = z[where] + piece if alpha == 1 else add_scaled(z[where], piece, alpha)
    return z


def take_flat(a, index):
    """a's elements at index (a negative index counts from the end) in a as if flattened, in index's shape"""
    return np.array(np.ravel(a)[index])  # (a new array, 0-d for a 0-d index)


def put_flat(a, index, source, accumulate):
    """a with source's elements written (accumulate: added) at index in a as if flattened"""
    z = np.array(a, order="C", copy=True)
    flat = z.reshape(-1)
    if accumulate:
        np.add.at(flat, index.reshape(-1), source.reshape(-1))
    else:
        flat[index.reshape(-1)] = source.reshape(-1)
    return z


def masked_scatter(a, mask, source):
    """a (broadcast with mask) with source's first elements written where mask is True, in order"""
    shape = np.broadcast_shapes(a.shape, mask.shape)
    z = np.array(np.broadcast_to(a, shape), copy=True)
    m = np.broadcast_to(mask, shape)
    z[m] = source.reshape(-1)[:np.count_nonzero(m)]
    return z


def roll(a, shifts, dims):
    """a's elements moved shifts places along dims, those pushed off the end coming back at the
    start (dims empty: a as if flattened)"""
    if not dims:
        return np.roll(a.reshape(-1), shifts).reshape(a.shape)
    return np.ascontiguousarray(np.roll(a, shifts, axis=dims))


def rot90(a, k, dims):
    """a turned k quarter turns from dims[0] toward dims[1], laid out as ATen's flip then transpose"""
    d0, d1 = dims
    k %= 4
    if k == 1:
        return np.swapaxes(np.flip(a, d1).copy(), d0, d1)
    if k == 2:
        return np.flip(a, (d0, d1)).copy()
    if k == 3:
        return np.swapaxes(np.flip(a, d0).copy(), d0, d1)
    return np.array(a, order="C", copy=True)  # (k = 0: a contiguous clone)


# --- kthvalue, cummax / cummin -----------------------------------------------------------------------
def _greater_or_nan(x, y):
    return (math.isnan(x) and not math.isnan(y)) or x > y


def _quick_select_index(values, k):
    """The index (in values) of the k-th smallest of values (0-based), nan largest, as ATen's
    quick_select_template finds it: median-of-three pivots and Hoare's partition over (value, index)
    pairs compared by value only, so that among equal values its pick is the one the swaps leave at k"""
    arr, idx = list(values), list(range(len(values)))

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]
    lo, hi = 0, len(arr) - 1
    while hi > lo:
        if hi == lo + 1:
            if _greater_or_nan(arr[lo], arr[hi]):
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)
        for i, j in ((lo + 1, hi), (lo, hi), (lo + 1, lo)):
            if _greater_or_nan(arr[i], arr[j]):
                swap(i, j)
        i, j, pivot = lo + 1, hi, arr[lo]
        while True:
            i += 1
            while _greater_or_nan(pivot, arr[i]):
                i += 1
            j -= 1
            while _greater_or_nan(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


def kthvalue_indices(a, k, dim):
    """Along dim (kept), the index kthvalue(k, dim) picks (see _quick_select_index)"""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    moved = np.moveaxis(a, dim, -1)
    rows = moved.reshape(-1, moved.shape[-1]).astype(np.float64)
    picked = np.array([_quick_select_index(row.tolist(), k - 1) for row in rows], np.int64)
    return np.expand_dims(picked.reshape(moved.shape[:-1]), dim)


def cumulative_extreme_indices(a, dim, keep):
    """cummax / cummin's indices along dim: at each position the index of the running extreme, as
    ATen's loop keeps it: a nan is taken (and then kept), else x when keep(x, extreme) (>= for cummax,
    <= for cummin: the last of equal values)"""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    moved = np.moveaxis(a, dim, -1)
    out = np.empty(moved.shape, np.int64)
    if moved.shape[-1] == 0:
        return np.moveaxis(out, -1, dim)
    best, at = moved[..., 0].copy(), np.zeros(moved.shape[:-1], np.int64)
    floating = a.dtype.kind == "f"
    for i in range(moved.shape[-1]):
        x = moved[..., i]
        take = keep(x, best)
        if floating:
            take = np.isnan(x) | (~np.isnan(best) & take)
        best, at = np.where(take, x, best), np.where(take, i, at)
        out[..., i] = at
    return np.moveaxis(out, -1, dim)


def nansum(a, dim, keepdim):
    """the sum over dim (() for all) with nan counted as 0, in ATen's order of sum"""
    zeroed = np.where(np.isnan(a), 0, a).astype(a.dtype, copy=False) if a.dtype.kind == "f" else a
    return torch_sum(zeroed) if not dim and not keepdim else torch_sum_dim(zeroed, dim or tuple(range(a.ndim)), keepdim)


def addcmul(a, t1, t2, value):
    """a + value * t1 * t2, as ATen's kernel: value t1, then one fused multiply-add (floats)"""
    dt = np.result_type(a, t1, t2)
    scaled = np.asarray(value, dt) * t1.astype(dt, copy=False)
    if dt.kind != "f":
        return (a + scaled * t2).astype(dt, copy=False)
    shape = np.broadcast_shapes(a.shape, t1.shape, t2.shape)
    return fused_multiply_add(*(np.broadcast_to(x.astype(dt, copy=False), shape) for x in (scaled, t2, a)))


def addcdiv(a, t1, t2, value):
    """a + value * t1 / t2, as ATen's kernel: (value t1) / t2, then + a"""
    dt = np.result_type(a, t1, t2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a + (np.asarray(value, dt) * t1) / t2).astype(dt, copy=False)


def addmm_scaled(bias, mat1, mat2, beta, alpha):
    """beta bias + alpha (mat1 @ mat2); beta = 0: bias is not read (its nan and inf do not show)"""
    product = mat1 @ mat2
    scaled = product * np.asarray(alpha, product.dtype) if alpha != 1 else product
    if beta == 0:
        return np.array(np.broadcast_to(scaled, product.shape))
    return np.asarray(np.asarray(beta, product.dtype) * bias + scaled, product.dtype)


def cross(a, b, dim):
    """the cross products of the 3-vectors of a and b (broadcast) along dim: component i is
    a[i+1] b[i+2] - a[i+2] b[i+1], as ATen's kernel computes it (floats: one fused multiply-add)"""
    a, b = np.broadcast_arrays(a, b)
    a, b = np.moveaxis(a, dim, -1), np.moveaxis(b, dim, -1)
    later, latest = [1, 2, 0], [2, 0, 1]
    if a.dtype.kind == "f":
        out = fused_multiply_add(a[..., later], b[..., latest], -(a[..., latest] * b[..., later]))
    else:
        out = a[..., later] * b[..., latest] - a[..., latest] * b[..., later]
    return np.ascontiguousarray(np.moveaxis(out, -1, dim))
