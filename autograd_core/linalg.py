"""torch.linalg: the functions of it this engine has (cross, vector_norm, matrix_norm, norm, inv)."""
import math
import numbers

import numpy as np

from . import _numerics as K
from ._arguments import tensor_first
from ._dtypes import SCALAR_NAME, dtype as _dtype
from ._ops import OPS
from ._refusals import type_name
from ._tensor import apply
from ._functions import _takes_out, amax, amin
from ._functions import linalg_cross as _linalg_cross
from ._functions import norm as _vector_norm

cross = tensor_first(_linalg_cross, name="linalg_cross")
cross.__name__ = cross.__qualname__ = "cross"


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(sum |x|**ord) ** (1/ord) over dim (all elements by default); ord inf: max |x|, -inf: min |x|,
    0: the count of nonzeros (LinalgVectorNormBackward0); dtype: x's own (a wider one is refused here)"""
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    if dtype is not None:
        _check_norm_dtype(x, dtype)
    return _vector_norm(x, ord, dim, keepdim)


def _check_norm_dtype(x, dtype):
    """linalg.vector_norm's dtype, checked in PyTorch's words; one wider than x's is refused: torch
    reduces in it inside one node (LinalgVectorNormBackward0 of a float64 result over a float32 x,
    whose gradient it computes in float32 or float64 as its operands' dims decide)"""
    if not isinstance(dtype, _dtype):
        raise TypeError(f"linalg_vector_norm(): argument 'dtype' must be torch.dtype, not {type_name(dtype)}")
    if not x.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {SCALAR_NAME[x.dtype]}")
    if not dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: dtype should be floating point or complex, but got "
                           f"{SCALAR_NAME[dtype]}")
    if np.promote_types(x.dtype.np, dtype.np) != dtype.np:
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({SCALAR_NAME[x.dtype]}) should be "
                           f"convertible without narrowing to the specified dtype ({SCALAR_NAME[dtype]})")
    if dtype != x.dtype:
        raise NotImplementedError(f"autograd_core's linalg.vector_norm computes in its input's dtype only (torch "
                                  f"computes a {x.dtype} x's norm in {dtype} inside one node): give x.to({dtype})")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """the matrix norm over the two dims: 'fro' (sqrt of the sum of squares), 1 / -1 (the largest /
    smallest column sum of |A|), inf / -inf (the largest / smallest row sum of |A|)"""
    if out is not None:  # (torch's composite keeps out's result in the graph: a path of its own)
        raise NotImplementedError("autograd_core's linalg.matrix_norm and linalg.norm take no out=")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"autograd_core's linalg.matrix_norm has no ord={ord!r}: it needs singular values "
                                  "(linalg.svdvals), which this engine does not compute")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    # ATen's: the 1-norm along one dim, then the max (min) along the other; inf is 1 of the transpose
    first, second = (dim[1], dim[0]) if abs(ord) == math.inf else tuple(dim)
    first, second = first % A.ndim, second % A.ndim
    if not keepdim and first < second:
        second -= 1
    sums = vector_norm(A, 1, first, keepdim, dtype=dtype)
    return (amax if ord > 0 else amin)(sums, second, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """vector_norm for a vector or one dim (2-norm by default, of all elements when neither ord nor
    dim is given), matrix_norm for a matrix or two dims"""
    if out is not None:
        raise NotImplementedError("autograd_core's linalg.matrix_norm and linalg.norm take no out=")
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix the algorithm cannot handle (singular, for inv)"""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"  # (as torch's class prints)


def inv(A):
    """A^-1 of a square matrix (of each, for a batch) (LinalgInvExBackward0); a singular one is refused"""
    if A.ndim < 2:
        raise RuntimeError("linalg.inv: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.inv: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.inv: Expected a floating point or complex tensor as input. Got {SCALAR_NAME[A.dtype]}")
    matrices = A._data.reshape(-1, *A.shape[-2:])
    for b, matrix in enumerate(matrices):
        info = K.quiet(K.first_zero_pivot)(matrix)
        if info:
            batch = f"(Batch element {b}): " if A.ndim > 2 else ""
            raise LinAlgError(f"linalg.inv: {batch}The diagonal element {info} is zero, the inversion could not be "
                              "completed because the input matrix is singular.")
    return apply(OPS["linalg_inv"], (A,))


vector_norm = _takes_out(vector_norm, "exact", "linalg_vector_norm")
inv = _takes_out(inv, "exact", "linalg_inv", grad_name="linalg_inv_ex")
