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
The vector size is the CPU's (AVX512: 64 bytes, else AVX2's 32), as ATen picks at run time
(ATEN_CPU_CAPABILITY=avx2 holds ATen, and so this module, to AVX2's).
"""
import itertools
import os

import numpy as np


try:  # {feature: present} of this CPU, as numpy found them
    from numpy._core._multiarray_umath import __cpu_features__ as CPU_FEATURES
except ImportError:  # (numpy 1)
    from numpy.core._multiarray_umath import __cpu_features__ as CPU_FEATURES
_HELD_TO_AVX2 = os.environ.get("ATEN_CPU_CAPABILITY", "").lower() in ("avx2", "default")
VECTOR_BYTES = 64 if CPU_FEATURES.get("AVX512_SKX") and not _HELD_TO_AVX2 else 32


def _cpuinfo_processors():
    """/proc/cpuinfo as one {key: value} per processor ([] where there is none: not Linux)."""
    processors, block = [], {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in list(f) + [""]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    block[key.strip()] = value.strip()
                elif block:  # (a blank line ends one processor's block)
                    processors.append(block)
                    block = {}
    except OSError:
        pass
    return processors


_PROCESSORS = _cpuinfo_processors()
# the CPU's maker as CPUID names it ("GenuineIntel", "AuthenticAMD"; "" where unknown): MKL, torch's
# x86-64 BLAS and vector math, picks its kernels by it
CPU_VENDOR = _PROCESSORS[0].get("vendor_id", "") if _PROCESSORS else ""


# The threads ATen splits a kernel's work between, where the split changes the values (torch's
# default: OMP_NUM_THREADS, else the physical cores; torch.set_num_threads changes it, here too).
def _physical_cores():
    """The machine's physical cores (PyTorch's default number of threads), else its CPUs."""
    cores = {(p.get("physical id"), p.get("core id")) for p in _PROCESSORS}
    cores.discard((None, None))
    return len(cores) or os.cpu_count() or 1


_NUM_THREADS = [None]


def get_num_threads():
    """The number of threads PyTorch's CPU kernels split work between (OMP_NUM_THREADS, else the
    physical cores): this engine runs on one, but follows the split where it changes values."""
    if _NUM_THREADS[0] is None:
        env = os.environ.get("OMP_NUM_THREADS", "")
        _NUM_THREADS[0] = int(env) if env.isdigit() and int(env) > 0 else _physical_cores()
    return _NUM_THREADS[0]


def set_num_threads(n):
    """Set the number of threads get_num_threads reports (PyTorch's errors for a bad one)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _NUM_THREADS[0] = int(n)


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


# --- sort's order of equal elements ---------------------------------------------------------------
# ATen's CPU sort (stable=False, the default) sorts (value, index) pairs with libstdc++'s std::sort,
# an introsort: equal elements of a slice longer than 16 come out in the order its partitions leave
# them, not in their own. The steps below are libstdc++'s, so that argsort of a tensor with ties
# gives PyTorch's indices (and a gradient through sorted values reaches the same elements).
def _less_ascending(x, y):
    """ATen's KeyValueCompAsc: nan above every number"""
    return (x[0] == x[0] and y[0] != y[0]) or x[0] < y[0]


def _less_descending(x, y):
    """ATen's KeyValueCompDesc"""
    return (x[0] != x[0] and y[0] == y[0]) or x[0] > y[0]


def std_sort_order(values, descending):
    """The indices std::sort leaves a list of numbers in, with ATen's comparison."""
    a = [(v, i) for i, v in enumerate(values)]
    less = _less_descending if descending else _less_ascending
    n = len(a)
    if n > 1:
        _introsort_loop(a, 0, n, 2 * (n.bit_length() - 1), less)
        _insertion_sort(a, 0, min(n, 16), less)  # (__final_insertion_sort)
        for i in range(16, n):
            _linear_insert(a, i, less)
    return [i for _, i in a]


def _introsort_loop(a, first, last, depth, less):
    while last - first > 16:
        if depth == 0:  # (too deep: heapsort the rest, std::__partial_sort)
            _heap_sort(a, first, last, less)
            return
        depth -= 1
        _median_to_first(a, first, first + 1, first + (last - first) // 2, last - 1, less)
        cut = _unguarded_partition(a, first + 1, last, first, less)
        _introsort_loop(a, cut, last, depth, less)
        last = cut


def _median_to_first(a, result, x, y, z, less):
    if less(a[x], a[y]):
        m = y if less(a[y], a[z]) else z if less(a[x], a[z]) else x
    else:
        m = x if less(a[x], a[z]) else z if less(a[y], a[z]) else y
    a[result], a[m] = a[m], a[result]


def _unguarded_partition(a, first, last, pivot, less):
    while True:
        while less(a[first], a[pivot]):
            first += 1
        last -= 1
        while less(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _insertion_sort(a, first, last, less):
    for i in range(first + 1, last):
        if less(a[i], a[first]):
            a[first:i + 1] = [a[i]] + a[first:i]
        else:
            _linear_insert(a, i, less)


def _linear_insert(a, last, less):
    v, prev = a[last], last - 1
    while less(v, a[prev]):
        a[last] = a[prev]
        last, prev = prev, prev - 1
    a[last] = v


def _heap_sort(a, first, last, less):
    n = last - first
    for parent in range((n - 2) // 2, -1, -1):  # (make_heap)
        _adjust_heap(a, first, parent, n, a[first + parent], less)
    while last - first > 1:  # (sort_heap)
        last -= 1
        v, a[last] = a[last], a[first]
        _adjust_heap(a, first, 0, last - first, v, less)


def _adjust_heap(a, first, hole, n, v, less):
    top = child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if less(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(a[first + parent], v):
        a[first + hole] = a[first + parent]
        hole, parent = parent, (parent - 1) // 2
    a[first + hole] = v


def topk_order(values, k, largest, sort):
    """The indices of ATen's CPU topk of a list of numbers: std::partial_sort of (value, index)
    pairs when k * 64 <= n, else std::nth_element, then std::sort of the first k - 1 (sorted=True)."""
    a = [(v, i) for i, v in enumerate(values)]
    less = _less_descending if largest else _less_ascending
    n = len(a)
    if k * 64 <= n:
        _heap_select(a, 0, k, n, less)
        _sort_heap(a, 0, k, less)
    elif k and n:
        _introselect(a, 0, k - 1, n, 2 * (n.bit_length() - 1), less)
        if sort:
            head = a[:k - 1]
            a[:k - 1] = [head[j] for j in std_sort_order([v for v, _ in head], largest)]
    return [i for _, i in a[:k]]


def _heap_select(a, first, middle, last, less):
    n = middle - first
    for parent in range((n - 2) // 2, -1, -1):  # (make_heap)
        _adjust_heap(a, first, parent, n, a[first + parent], less)
    for i in range(middle, last):
        if less(a[i], a[first]):  # (pop_heap into i)
            v, a[i] = a[i], a[first]
            _adjust_heap(a, first, 0, n, v, less)


def _sort_heap(a, first, last, less):
    while last - first > 1:
        last -= 1
        v, a[last] = a[last], a[first]
        _adjust_heap(a, first, 0, last - first, v, less)


def _introselect(a, first, nth, last, depth, less):
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last, less)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        _median_to_first(a, first, first + 1, first + (last - first) // 2, last - 1, less)
        cut = _unguarded_partition(a, first + 1, last, first, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last, less)
