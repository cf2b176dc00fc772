"""The order ATen's elementwise CPU kernels visit elements in, where a result shows it.

An in-place op whose operand shares memory with the tensor it writes, without being it
(``a.add_(a[:, 1])``, ``a.add_(a[0, :1].expand(4))``), is allowed by PyTorch when the overlap is
"too hard" to rule out (the operand is not dense), and its kernel then reads values it has already
written; numpy would compute from a copy taken first. ``write_in_kernel_order`` writes such a result
as ATen does (TensorIterator + cpu_kernel_vec):
- the dims are ordered by the operands' strides (reorder_dimensions), then merged where the memory
  allows (coalesce_dimensions); the innermost dim is one call of the inner loop;
- an inner loop whose operands are all contiguous, or all but one input read with stride 0 (a
  "scalar"), is vectorized: chunks of two vectors are read before they are written, the scalar
  read once for them; the elements left over go a vector at a time (the compiler vectorizes that
  loop, and reuses the scalar it read), then one at a time; every other inner loop goes one element
  at a time, each read seeing the writes before it.
The vector size is the CPU's (AVX512: 64 bytes, else AVX2's 32), as ATen picks at run time.
"""
import itertools

import numpy as np


def _vector_bytes():
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # (numpy 1)
        from numpy.core._multiarray_umath import __cpu_features__ as features
    return 64 if features.get("AVX512_SKX") else 32


VECTOR_BYTES = _vector_bytes()


def shares_memory_with(out, operand):
    """Whether operand is an array other than out (another view) whose elements may be out's."""
    if operand is out or not np.may_share_memory(out, operand) or out.size == 0 or operand.size == 0:
        return False  # (may_share_memory only compares the bounds: cheap)
    same = (operand.__array_interface__["data"][0] == out.__array_interface__["data"][0]
            and operand.strides == out.strides and operand.shape == out.shape)
    return not same and np.may_share_memory(out, operand)


def iteration_order(shape, strides):
    """TensorIterator's reorder_dimensions: the dims, fastest first, sorted by the byte strides of
    each operand in turn (the output first); a broadcast (0) stride has no say, equal strides put
    the smaller dim first; an insertion sort starting from the last dim."""
    perm = list(range(len(shape)))[::-1]

    def should_swap(d0, d1):
        for st in strides:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, len(perm)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


def coalesced(shape, strides):
    """TensorIterator's coalesce_dimensions on dims ordered fastest first: neighbours merge when
    every operand steps through them as through one dim (or one of them has size 1)."""
    shape, strides = list(shape), [list(st) for st in strides]
    if not shape:
        return [1], [[0] for _ in strides]
    prev = 0
    for dim in range(1, len(shape)):
        s0, s1 = shape[prev], shape[dim]
        if s0 == 1 or s1 == 1 or all(s0 * st[prev] == st[dim] for st in strides):
            if s0 == 1:
                for st in strides:
                    st[prev] = st[dim]
            shape[prev] *= s1
        else:
            prev += 1
            if prev != dim:
                for st in strides:
                    st[prev] = st[dim]
                shape[prev] = s1
    return shape[:prev + 1], [st[:prev + 1] for st in strides]


def write_in_kernel_order(out, forward, operands, params, dtype):
    """out = forward(*operands, **params) written as ATen's kernel writes it (see the module's
    docstring). operands: arrays broadcasting to out's shape, or numbers (constants of the kernel);
    dtype: the dtype the op computes in (the arrays all have it: memory shared with out is out's)."""
    views = [np.broadcast_to(x, out.shape) if isinstance(x, np.ndarray) else x for x in operands]
    arrays = [out] + [v for v in views if isinstance(v, np.ndarray)]
    perm = iteration_order(out.shape, [a.strides for a in arrays])
    shape, strides = coalesced([out.shape[d] for d in perm], [[a.strides[d] for d in perm] for a in arrays])
    # each array as (outer dims..., inner dim), slowest first, over the same memory
    laid = [np.lib.stride_tricks.as_strided(a, shape[::-1], st[::-1], writeable=a is out)
            for a, st in zip(arrays, strides)]
    dst, inputs = laid[0], laid[1:]
    itemsize = out.itemsize
    inner = [st[0] for st in strides]
    scalar = None  # the input read once per inner loop by the vectorized loop, if any
    if inner[0] == itemsize and all(s in (itemsize, 0) for s in inner[1:]):
        zero = [k for k, s in enumerate(inner[1:]) if s == 0]
        vectorized = len(zero) <= 1
        scalar = zero[0] if zero else None
    else:
        vectorized = False
    lanes = VECTOR_BYTES // itemsize
    chunk = 2 * lanes
    n = shape[0]

    def compute(reads):
        it = iter(reads)
        args = [next(it) if isinstance(v, np.ndarray) else v for v in views]
        return forward(*args, **params) if params else forward(*args)

    for outer in itertools.product(*[range(s) for s in shape[:0:-1]]):
        row_out, rows = dst[outer], [x[outer] for x in inputs]
        i = 0
        if vectorized:
            # vectorized_loop: chunks of two vectors, the scalar read once before them
            once = rows[scalar][0].copy() if scalar is not None else None
            while i + chunk <= n:
                row_out[i:i + chunk] = compute([np.full(chunk, once, dtype=dtype) if k == scalar
                                                else r[i:i + chunk].astype(dtype) for k, r in enumerate(rows)])
                i += chunk
            # its tail loop, which the compiler vectorizes again (a vector at a time, the scalar
            # still the value read first: restrict lets it reuse it)
            while i + lanes <= n:
                row_out[i:i + lanes] = compute([np.full(lanes, once, dtype=dtype) if k == scalar
                                                else r[i:i + lanes].astype(dtype) for k, r in enumerate(rows)])
                i += lanes
        for j in range(i, n):  # one element at a time
            row_out[j] = np.asarray(compute([r[j:j + 1].astype(dtype) for r in rows])).reshape(-1)[0]
