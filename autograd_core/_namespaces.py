"""The two array namespaces a backward rule runs on (the rule is written once, as HIPS autograd's and
JAX's are): ``xp`` in every rule of the op table is one of these.

- ``NUMPY``: a plain backward. Gradients are numpy arrays and each function is the kernel the op's
  forward uses (the same numerics): nothing is recorded, nothing is wrapped.
- ``TENSORS``: ``backward(create_graph=True)``. Gradients are Tensors and each function applies an
  op of the table, so the backward pass builds a graph of its own (whose grad_fns are the ones
  PyTorch's derivative formulas make: the gradient of ``x * y`` is a MulBackward0).

Besides the rules' vocabulary (``xp.where``, ``xp.sum``, ``xp.tanh_backward``, ...), a namespace tells
the engine what a gradient is: a node's inputs and result as values of the namespace, a gradient
reduced to an input's shape and dtype, the sum of two gradients, a gradient as a Tensor (for hooks
and .grad) and back.
"""
import numpy as np

from . import _conv_kernels as CK
from . import _functions as F
from . import _numerics as K
from ._engine import unbroadcast
from ._graph import INTERNAL_OVERLAP_MSG, NOT_DIFFERENTIABLE_MSG
from ._ops import OPS
from ._tensor import Tensor, _make, apply, view_geometry, written_into

_K = {name: row.forward for name, row in OPS.items()}  # the kernels of the table's rows


def _writeable_c_contiguous(a):
    flags = a.flags  # (each read of .flags makes a new object: read once)
    return flags.c_contiguous and flags.writeable


def _dims(dim):
    return dim if isinstance(dim, tuple) else (dim,)


class NumpyOps:
    """The backward rules' vocabulary on numpy arrays (a plain backward)."""

    builds_graph = False

    # --- what the engine asks of a gradient ---------------------------------------------------
    @staticmethod
    def inputs(node):
        return node._args

    @staticmethod
    def result(node):
        return node._out

    @staticmethod
    def conform(g, a, want):
        """g reduced to the shape of input array a and cast to its dtype (want: the dtype the input
        had before promotion, when it had another)."""
        if g.shape != a.shape:
            g = unbroadcast(g, a.shape)
        if want is None:
            want = a.dtype
        if g.dtype is not want:
            if want.kind not in "fc":  # (an integer tensor made to require grad by a write into it)
                raise RuntimeError(NOT_DIFFERENTIABLE_MSG)
            g = g.astype(want)
        if type(g) is not np.ndarray:  # (numpy turns 0-d results into numpy scalars)
            g = np.asanyarray(g)
        return g

    @staticmethod
    def add(a, b):
        """a + b, an array even of 0-d arrays (numpy's sum of those is a numpy scalar)."""
        g = a + b
        return g if type(g) is np.ndarray else np.asanyarray(g)

    @staticmethod
    def data(g):
        return g

    @staticmethod
    def as_tensor(g):
        """A gradient handed to a hook, to autograd.grad's caller or to .grad: a Tensor over it."""
        return _make(g if type(g) is np.ndarray else np.asanyarray(g), None, False)

    @staticmethod
    def from_tensor(t):
        return t._data

    @staticmethod
    def accumulate_grad(t, g, only_the_walk=False):
        """leaf.grad += g, in place, as PyTorch does (a reference to .grad taken earlier sees the sum);
        a first gradient is copied into a new tensor of the leaf's dtype -- or, when nothing but the
        backward holds it and it is laid out as the leaf is, becomes .grad itself (PyTorch steals it)."""
        if t._grad is None:
            d = t._data
            if (only_the_walk and type(g) is np.ndarray and g.base is None and g.dtype == d.dtype
                    and g.shape == d.shape and _writeable_c_contiguous(g) and d.flags.c_contiguous):
                t._grad = _make(g, None, False)
            elif K.is_zero_array(g) and g.dtype == d.dtype and g.shape == d.shape:
                t._grad = _make(g, None, False)  # (PyTorch keeps it: a later backward cannot add to it)
            else:
                t._grad = _make(np.array(g, dtype=d.dtype, copy=True), None, False)
        else:
            gd = t._grad._data
            np.add(gd, g, out=gd, casting="unsafe")
            t._grad._vc[0] += 1  # (an in-place add: views of .grad see a new version)

    @staticmethod
    def retain_grad(t, g):
        t._grad = _make(g.copy() if t._grad is None else t._grad._data + g, None, False)

    # --- the rules' vocabulary ----------------------------------------------------------------
    where = staticmethod(np.where)
    abs = staticmethod(np.abs)
    tanh = staticmethod(_K["tanh"])
    exp = staticmethod(_K["exp"])
    log = staticmethod(_K["log"])
    cos = staticmethod(_K["cos"])
    sin = staticmethod(_K["sin"])
    sgn = staticmethod(_K["sgn"])
    sigmoid = staticmethod(_K["sigmoid"])
    logit = staticmethod(_K["logit"])
    isnan = staticmethod(np.isnan)
    isfinite = staticmethod(np.isfinite)
    rsqrt = staticmethod(_K["rsqrt"])
    cosh = staticmethod(_K["cosh"])
    sinh = staticmethod(_K["sinh"])
    logit_backward = staticmethod(K.logit_backward)

    @staticmethod
    def xlogy(a, b):
        return K.xlogy(a, np.asarray(b, a.dtype)) if not isinstance(b, np.ndarray) else K.xlogy(a, b)
    logical_and = staticmethod(np.logical_and)
    logical_or = staticmethod(np.logical_or)

    @staticmethod
    def pow(a, exponent):
        """a ** exponent as ATen computes it (a number exponent: its special cases)"""
        if (type(exponent) is int or type(exponent) is float) and exponent == 1 and type(a) is np.ndarray:
            return a  # (not the kernel's copy: a rule only reads it -- x ** 2's gradient, g * (2 * x ** 1))
        return _K["pow"](a, exponent) if not isinstance(exponent, np.ndarray) else _K["pow_tensor"](a, exponent)

    @staticmethod
    def zeros(shape, like):
        return np.zeros(shape, dtype=like.dtype)

    @staticmethod
    def zeros_like(a):
        return np.zeros_like(a)

    @staticmethod
    def zero_tensor_like(a):
        return K.zero_array(a.shape, a.dtype)

    @staticmethod
    def to(a, dtype):
        return a if a.dtype == dtype else a.astype(dtype)

    @staticmethod
    def ones(shape, like):
        return np.ones(shape, dtype=like.dtype)

    @staticmethod
    def masked_fill(a, mask, value):
        return _K["masked_fill"](a, mask, value) if not isinstance(value, np.ndarray) else \
            _K["masked_fill_tensor"](a, value, mask)

    @staticmethod
    def masked_fill_(a, mask, value):
        """masked_fill into a, a result of the rule's own: an efficient zero a refuses, as in PyTorch"""
        if K.is_zero_array(a):
            raise RuntimeError(K.ZERO_TENSOR_IMMUTABLE_MSG)
        return NumpyOps.masked_fill(a, mask, value)

    @staticmethod
    def sum(a, dim=None, keepdim=False):
        if dim is None:
            return K.torch_sum(a)
        return K.torch_sum_dim(a, _dims(dim), keepdim)

    @staticmethod
    def mean(a, dim=None, keepdim=False):
        if dim is None:
            return K.torch_mean(a)
        return K.torch_mean_dim(a, _dims(dim), keepdim)

    @staticmethod
    def cast_like(a, like):
        """a in like's dtype"""
        return np.asarray(a).astype(like.dtype)

    @staticmethod
    def divisor(count, g):
        """An integer count (of a mask's elements) about to divide g: in g's dtype (numpy would
        divide a float32 g by an int64 count in float64)"""
        return np.asarray(count).astype(g.dtype)

    @staticmethod
    def count_nonzero(mask):
        return int(np.count_nonzero(mask))

    div_scalar = staticmethod(_K["div_scalar"])  # (a / number, ATen's div.Scalar: an efficient zero a is plain zeros)

    @staticmethod
    def clamp_min_untracked(a, min):
        """a's values kept >= min; a's graph unchanged (PyTorch clamps in place under no_grad)"""
        return np.maximum(a, a.dtype.type(min))

    @staticmethod
    def const(a):
        """An array a rule reads (a weight the op took as a param)"""
        return a

    @staticmethod
    def cumprod(a, dim):
        return _K["cumprod"](a, dim)

    reciprocal = staticmethod(_K["reciprocal"])

    @staticmethod
    def diagonal(a, offset, dim1, dim2):
        return K.diagonal_view(a, offset, dim1, dim2)

    diagonal_backward = staticmethod(K.diagonal_backward)

    @staticmethod
    def prod(a, dim, keepdim=False):
        return _K["prod_dim"](a, dim, keepdim)

    expand = staticmethod(K.expanded)

    @staticmethod
    def reshape(a, shape):
        return a.reshape(shape)

    @staticmethod
    def unsqueeze(a, dim):
        """np.expand_dims(a, dim), which is a reshape with a 1 at dim: that reshape, without its
        axis normalisation (a third of a sum's backward)"""
        if type(a) is np.ndarray and type(dim) is int and -a.ndim - 1 <= dim <= a.ndim:
            d = dim % (a.ndim + 1)
            return a.reshape(a.shape[:d] + (1,) + a.shape[d:])
        return np.expand_dims(a, dim)

    @staticmethod
    def squeeze(a, dim):
        return a.squeeze(axis=dim)

    @staticmethod
    def transpose(a, dim0, dim1):
        return np.swapaxes(a, dim0, dim1)

    @staticmethod
    def t(a):
        return a.T

    @staticmethod
    def permute(a, dims):
        return np.transpose(a, dims)

    @staticmethod
    def flip(a, dims):
        return _K["flip"](a, dims)

    @staticmethod
    def cumsum(a, dim):
        return _K["cumsum"](a, dim)

    @staticmethod
    def tril(a, diagonal):
        return np.tril(a, diagonal)

    @staticmethod
    def triu(a, diagonal):
        return np.triu(a, diagonal)

    @staticmethod
    def narrow(a, dim, start, length):
        return a[(slice(None),) * dim + (slice(start, start + length), Ellipsis)]

    @staticmethod
    def select(a, dim, index):
        return a[(slice(None),) * dim + (index, Ellipsis)]

    @staticmethod
    def slice(a, dim, index):
        return a[(slice(None),) * dim + (index, Ellipsis)]

    @staticmethod
    def stack(arrays, dim):
        return np.stack(arrays, axis=dim)

    @staticmethod
    def cat(arrays, dim):
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def index(a, indices):
        return _K["index"](a, indices)

    @staticmethod
    def index_put(a, indices, values):
        return _K["index_put"](a, values, indices)

    @staticmethod
    def index_put_accumulate(a, indices, values):
        return K.index_put_accumulate(a, values, indices)

    @staticmethod
    def as_strided_backward(g, shape, positions):
        """g put into zeros of the input's shape at the view's flat positions, as PyTorch's
        as_strided_backward (a view of this engine repeats no element once its expanded dims are summed)."""
        size = K.count(shape, None)
        if size == 0 or positions.size == 0:
            return np.zeros(shape, g.dtype)
        g, positions = _view_gradient_reduced(NumpyOps, g, positions)
        storage = np.zeros(size, g.dtype)
        storage[positions.reshape(-1)] = g.reshape(-1)
        return storage.reshape(shape)

    mm = staticmethod(_K["mm"])
    mv = staticmethod(_K["mv"])
    matmul = staticmethod(np.matmul)
    bmm = staticmethod(_K["bmm"])

    @staticmethod
    def outer(a, b):
        return np.multiply(a.reshape(-1, 1), b)

    @staticmethod
    def scatter(a, dim, index, src):
        return _K["scatter"](a, src, dim, index)

    @staticmethod
    def scatter_add(a, dim, index, src):
        return _K["scatter_add"](a, src, dim, index)

    @staticmethod
    def gather(a, dim, index):
        return _K["gather"](a, dim, index)

    @staticmethod
    def index_fill(a, dim, index, value):
        return _K["index_fill"](a, value, dim, index)

    @staticmethod
    def masked_select(a, mask):
        return _K["masked_select"](a, mask)

    @staticmethod
    def floor_divide(a, b):
        return _K["div_rounding"](a, b, "floor")

    @staticmethod
    def index_add(a, dim, index, source):
        return _K["index_add"](a, source, dim, index)

    @staticmethod
    def index_select(a, dim, index):
        return _K["index_select"](a, dim, index)

    @staticmethod
    def put(a, index, source, accumulate):
        return _K["put"](a, source, index, accumulate)

    @staticmethod
    def take(a, index):
        return _K["take"](a, index)

    @staticmethod
    def masked_scatter(a, mask, source):
        return _K["masked_scatter"](a, source, mask)

    @staticmethod
    def roll(a, shifts, dims):
        return _K["roll"](a, shifts, dims)

    @staticmethod
    def rot90(a, k, dims):
        return _K["rot90"](a, k, dims)

    @staticmethod
    def cross(a, b, dim):
        return _K["linalg_cross"](a, b, dim)

    @staticmethod
    def row(name, *inputs, **params):
        """The op of the table's row `name` on these inputs (a rule naming a row it records as)"""
        out = OPS[name].forward(*inputs, **params)
        return out if type(out) is np.ndarray else np.asanyarray(out)

    # the kernels of the derivatives' own ops (their rows are below the table)
    tanh_backward = staticmethod(_K["tanh_backward"])
    sigmoid_backward = staticmethod(_K["sigmoid_backward"])
    threshold_backward = staticmethod(_K["threshold_backward"])
    softmax_backward_data = staticmethod(_K["softmax_backward_data"])
    log_softmax_backward_data = staticmethod(_K["log_softmax_backward_data"])
    leaky_relu_backward = staticmethod(_K["leaky_relu_backward"])
    gelu_backward = staticmethod(_K["gelu_backward"])
    elu_backward = staticmethod(_K["elu_backward"])
    softplus_backward = staticmethod(_K["softplus_backward"])
    mse_loss_backward = staticmethod(_K["mse_loss_backward"])
    smooth_l1_loss_backward = staticmethod(_K["smooth_l1_loss_backward"])
    huber_loss_backward = staticmethod(_K["huber_loss_backward"])
    binary_cross_entropy_backward = staticmethod(_K["binary_cross_entropy_backward"])
    nll_loss_backward = staticmethod(_K["nll_loss_backward"])
    nll_loss = staticmethod(_K["nll_loss"])
    select_backward = staticmethod(_K["select_backward"])
    slice_backward = staticmethod(_K["slice_backward"])
    log_sigmoid = staticmethod(_K["log_sigmoid"])
    log_sigmoid_backward = staticmethod(_K["log_sigmoid_backward"])
    hardtanh_backward = staticmethod(_K["hardtanh_backward"])
    silu_backward = staticmethod(K.silu_backward)
    mish_backward = staticmethod(K.mish_backward)
    log1p = staticmethod(_K["log1p"])

    # convolution (the op table's "# convolution" rows; p: the convolution's params)
    @staticmethod
    def convolution(input, weight, bias, p):
        return CK.convolution(input, weight, bias, **p)

    @staticmethod
    def convolution_backward(g, input, weight, output, p):
        return CK.convolution_backward(g, input, weight, output, **p)

    constant_pad_nd = staticmethod(CK.constant_pad_nd)


def _view_gradient_reduced(xp, g, positions):
    """as_strided_backward's first step: the view's gradient with its size-1 dims squeezed and the
    dims an expand made (stride 0: one position all along) summed, last dim first; positions alike."""
    for dim in reversed(range(positions.ndim)):
        if positions.shape[dim] == 1:
            g, positions = xp.squeeze(g, dim), positions.squeeze(axis=dim)
        elif not np.diff(positions, axis=dim).any():
            g, positions = xp.sum(g, dim), positions.take(0, axis=dim)
    return g, positions


def _geometry_of(positions):
    """The size, stride and storage_offset of a view at these flat positions, which step evenly along
    each dim (none of size 1)."""
    stride = tuple(int(np.diff(positions, axis=d).flat[0]) for d in range(positions.ndim))
    return {"size": positions.shape, "stride": stride, "storage_offset": int(positions.flat[0])}


def _row(name, inputs, params=None):
    return apply(OPS[name], inputs, params)


def _const(a):
    """An array of the graph as a Tensor outside it (a value the rule reads, not differentiates)."""
    return a if isinstance(a, Tensor) else _make(np.asarray(a), None, False)


class TensorOps:
    """The backward rules' vocabulary on Tensors (backward(create_graph=True)): each function applies
    the op PyTorch's formula uses, so the gradient has a graph, and grad_fns named as PyTorch's."""

    builds_graph = True
    plain = NumpyOps

    # --- what the engine asks of a gradient ---------------------------------------------------
    @staticmethod
    def inputs(node):
        """The node's inputs as Tensors: a saved input is the tensor itself (its gradient's graph
        reaches back through it), a number is PyTorch's wrapped number, the rest are constants."""
        saved = _saved_inputs(node)
        out = []
        for i, a in enumerate(node._args):
            if isinstance(a, np.ndarray):
                out.append(saved[i] if i in saved else _make(a, None, False))
            elif a is None:
                out.append(a)
            else:
                out.append(_wrapped_number(a))
        return out

    @staticmethod
    def result(node):
        """The node's output, as the tensor it saved: its grad_fn is the node itself (PyTorch's
        SavedVariable of an output), so a second backward goes through it again."""
        out = node._out
        if out is None:
            return None
        if type(out) is tuple:  # (a node of several outputs: each saved output names its own)
            outs = tuple(_make(arr, node, True) for arr in out)
            for nr, t in enumerate(outs):
                t._output_nr = nr
            return outs
        for counter, _, saved, arr in node._saved_versions or ():
            if arr is out:
                return _make(out, node, True, counter)
        return _make(out, node, True)

    @staticmethod
    def conform(g, a, want):
        """The engine's reduction of a gradient to its input (PyTorch's validate_outputs): sum_to
        the input's shape, then to its dtype."""
        if tuple(g._data.shape) != a.shape:
            g = TensorOps.sum_to(g, a.shape)
        if want is None:
            want = a.dtype
        if g._data.dtype != want:
            if want.kind not in "fc":
                raise RuntimeError(NOT_DIFFERENTIABLE_MSG)
            g = apply(OPS["to"], (g,), {"dtype": want})
        return g

    @staticmethod
    def sum_to(g, shape):
        """ATen's sum_to: the dims broadcasting added or stretched summed in one sum (keepdim),
        then the added ones viewed away."""
        if not shape:
            return F.sum(g)
        lead = g.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                           if s == 1 and g.shape[lead + i] != 1)
        if dims:
            g = F.sum(g, dims, keepdim=True)
        return F.view(g, shape) if lead else g

    add = staticmethod(F.add)

    @staticmethod
    def data(g):
        return g._data

    @staticmethod
    def as_tensor(g):
        return g

    @staticmethod
    def from_tensor(t):
        return t

    @staticmethod
    def accumulate_grad(t, g, only_the_walk=False):
        """PyTorch's AccumulateGrad in grad mode: a first gradient is copied into a new tensor (its
        grad_fn CopyBackwards), a later one added out of place (AddBackward0): .grad is a new
        tensor, with a graph."""
        if t._grad is None:
            new = _make(np.empty_like(t._data), None, False)
            t._grad = new.copy_(g)
        else:
            t._grad = F.add(t._grad, g)

    @staticmethod
    def retain_grad(t, g):
        t._grad = F.clone(g) if t._grad is None else F.add(t._grad, g)

    # --- the rules' vocabulary ----------------------------------------------------------------
    @staticmethod
    def where(condition, a, b):
        return F.where(_const(condition), a, b)

    abs = staticmethod(F.abs)
    tanh = staticmethod(F.tanh)
    exp = staticmethod(F.exp)
    log = staticmethod(F.log)
    cos = staticmethod(F.cos)
    sin = staticmethod(F.sin)
    sigmoid = staticmethod(F.sigmoid)

    @staticmethod
    def sgn(a):
        return _row("sgn", (a,))

    @staticmethod
    def logit(a):
        return _row("logit", (a,))

    @staticmethod
    def isnan(a):
        return F.isnan(a)

    @staticmethod
    def isfinite(a):
        return F.isfinite(a)

    rsqrt = staticmethod(F.rsqrt)
    cosh = staticmethod(F.cosh)
    sinh = staticmethod(F.sinh)
    xlogy = staticmethod(F.xlogy)

    @staticmethod
    def logical_and(a, b):
        return F.logical_and(_const(a), _const(b))

    @staticmethod
    def logical_or(a, b):
        return F.logical_or(_const(a), _const(b))

    pow = staticmethod(F.pow)

    @staticmethod
    def zeros(shape, like):
        return _make(np.zeros(shape, dtype=like._data.dtype), None, False)

    @staticmethod
    def zeros_like(a):
        return _make(np.zeros_like(a._data), None, False)

    @staticmethod
    def zero_tensor_like(a):
        return _make(K.zero_array(a.shape, a._data.dtype), None, False)

    @staticmethod
    def ones(shape, like):
        return _make(np.ones(shape, dtype=like._data.dtype), None, False)

    @staticmethod
    def masked_fill(a, mask, value):
        return F.masked_fill(a, _const(mask), value)

    @staticmethod
    def masked_fill_(a, mask, value):
        return a.masked_fill_(_const(mask), value)

    @staticmethod
    def sum(a, dim=None, keepdim=False):
        return F.sum(a) if dim is None else F.sum(a, dim, keepdim)

    @staticmethod
    def mean(a, dim=None, keepdim=False):
        return F.mean(a) if dim is None else F.mean(a, dim, keepdim)

    @staticmethod
    def cast_like(a, like):
        return TensorOps.to(a, like._data.dtype)

    @staticmethod
    def divisor(count, g):
        return count  # (torch's division promotes the int64 count itself, and its graph keeps it so)

    @staticmethod
    def count_nonzero(mask):
        return int(np.count_nonzero(mask._data))

    @staticmethod
    def div_scalar(a, number):
        return _row("div_scalar", (a,), {"other": number})

    @staticmethod
    def clamp_min_untracked(a, min):
        np.maximum(a._data, a._data.dtype.type(min), out=a._data)
        return a

    @staticmethod
    def copy_slices_backward(node, g):
        """CopySlices under create_graph, as PyTorch's: a copy of g (CopyBackwards), the view's part of
        it (AsStridedBackward0) cloned for the wrapped node's backward (CloneBackward0), whose gradient
        for the view's old value is written back into the copy's part (CopySlices)."""
        positions = node._positions
        result = _row("copy_", (TensorOps.zeros(g.shape, g), g))
        view = _row("as_strided", (result,), {"positions": positions, **node._view_geometry})
        grads = node._fn._backward(F.clone(view), TENSORS)
        if node.next_functions[0][0] is not None:
            if node._expanded_view:
                raise RuntimeError(INTERNAL_OVERLAP_MSG)
            grads[0] = written_into(result, view, positions, node._view_geometry, grads[0])
        return grads

    @staticmethod
    def const(a):
        return _const(a)

    cumprod = staticmethod(F.cumprod)
    prod = staticmethod(F.prod)
    reciprocal = staticmethod(F.reciprocal)

    @staticmethod
    def diagonal(a, offset, dim1, dim2):
        return F.diagonal(a, offset, dim1, dim2)

    @staticmethod
    def diagonal_backward(g, shape, offset, dim1, dim2):
        return _row("diagonal_backward", (g,), {"shape": shape, "offset": offset, "dim1": dim1, "dim2": dim2})

    @staticmethod
    def to(a, dtype):
        dtype = getattr(dtype, "np", dtype)  # (a Tensor's dtype, or numpy's)
        return apply(OPS["to"], (a,), {"dtype": np.dtype(dtype)}) if a._data.dtype != dtype else a

    @staticmethod
    def expand(a, shape):
        return F.expand(a, shape)

    reshape = staticmethod(F.reshape)
    unsqueeze = staticmethod(F.unsqueeze)

    @staticmethod
    def squeeze(a, dim):
        return F.squeeze(a, dim)

    transpose = staticmethod(F.transpose)
    t = staticmethod(F.t)

    @staticmethod
    def permute(a, dims):
        return F.permute(a, dims)

    flip = staticmethod(F.flip)
    cumsum = staticmethod(F.cumsum)
    tril = staticmethod(F.tril)
    triu = staticmethod(F.triu)
    narrow = staticmethod(F.narrow)
    select = staticmethod(F.select)

    @staticmethod
    def slice(a, dim, index):
        return apply(OPS["slice"], (a,), {"dim": dim, "index": index}, view_of=a)

    stack = staticmethod(F.stack)
    cat = staticmethod(F.cat)

    @staticmethod
    def index(a, indices):
        return _row("index", (a,), {"indices": indices})

    @staticmethod
    def index_put(a, indices, values):
        return _row("index_put", (a, values), {"indices": indices})

    @staticmethod
    def index_put_accumulate(a, indices, values):
        return _row("index_put_impl", (a, values), {"indices": indices})

    @staticmethod
    def as_strided_backward(g, shape, positions):
        """PyTorch's as_strided_backward: g written into a zero storage through the view's geometry
        (copy_ into a view of it: CopySlices), read back through the input's geometry (AsStridedBackward0)."""
        size = K.count(shape, None)
        if size == 0 or positions.size == 0:
            return TensorOps.zeros(shape, g)
        g, positions = _view_gradient_reduced(TensorOps, g, positions)
        storage = written_into(TensorOps.zeros((size,), g), TensorOps.zeros(positions.shape, g), positions,
                               _geometry_of(positions), g)
        flat = np.arange(size).reshape(shape)
        return _row("as_strided", (storage,), {"positions": flat, **view_geometry(flat, flat)})

    mm = staticmethod(F.mm)
    mv = staticmethod(F.mv)
    matmul = staticmethod(F.matmul)
    bmm = staticmethod(F.bmm)
    outer = staticmethod(F.outer)

    @staticmethod
    def scatter(a, dim, index, src):
        return _row("scatter", (a, src), {"dim": dim, "index": index})

    @staticmethod
    def scatter_add(a, dim, index, src):
        return _row("scatter_add", (a, src), {"dim": dim, "index": index})

    @staticmethod
    def gather(a, dim, index):
        return _row("gather", (a,), {"dim": dim, "index": index})

    @staticmethod
    def index_fill(a, dim, index, value):
        return _row("index_fill", (a, value), {"dim": dim, "index": index})

    @staticmethod
    def masked_select(a, mask):
        return _row("masked_select", (a,), {"mask": mask})

    @staticmethod
    def floor_divide(a, b):
        return _row("div_rounding", (a, b), {"rounding_mode": "floor"})

    @staticmethod
    def index_add(a, dim, index, source):
        return _row("index_add", (a, source), {"dim": dim, "index": index})

    @staticmethod
    def index_select(a, dim, index):
        return _row("index_select", (a,), {"dim": dim, "index": index})

    @staticmethod
    def put(a, index, source, accumulate):
        return _row("put", (a, source), {"index": index, "accumulate": accumulate})

    @staticmethod
    def take(a, index):
        return _row("take", (a,), {"index": index})

    @staticmethod
    def masked_scatter(a, mask, source):
        return _row("masked_scatter", (a, source), {"mask": mask})

    @staticmethod
    def roll(a, shifts, dims):
        return _row("roll", (a,), {"shifts": shifts, "dims": dims})

    @staticmethod
    def rot90(a, k, dims):
        return _row("rot90", (a,), {"k": k, "dims": dims})

    @staticmethod
    def cross(a, b, dim):
        return _row("linalg_cross", (a, b), {"dim": dim})

    @staticmethod
    def row(name, *inputs, **params):
        return apply(OPS[name], inputs, params or None)

    @staticmethod
    def tanh_backward(g, out):
        return _row("tanh_backward", (g, out))

    @staticmethod
    def sigmoid_backward(g, out):
        return _row("sigmoid_backward", (g, out))

    @staticmethod
    def threshold_backward(g, a, threshold):
        return _row("threshold_backward", (g, a), {"threshold": threshold})

    @staticmethod
    def softmax_backward_data(g, out, dim):
        return _row("softmax_backward_data", (g, out), {"dim": dim})

    @staticmethod
    def log_softmax_backward_data(g, out, dim):
        return _row("log_softmax_backward_data", (g, out), {"dim": dim})

    @staticmethod
    def leaky_relu_backward(g, a, negative_slope):
        return _row("leaky_relu_backward", (g, a), {"negative_slope": negative_slope})

    @staticmethod
    def gelu_backward(g, a, approximate):
        return _row("gelu_backward", (g, a), {"approximate": approximate})

    @staticmethod
    def elu_backward(g, a, alpha, scale=1, input_scale=1, is_result=False):
        return _row("elu_backward", (g, a), {"alpha": alpha, "scale": scale, "input_scale": input_scale,
                                             "is_result": is_result})

    @staticmethod
    def softplus_backward(g, a, beta, threshold):
        return _row("softplus_backward", (g, a), {"beta": beta, "threshold": threshold})

    @staticmethod
    def mse_loss_backward(g, a, b, reduction):
        return _row("mse_loss_backward", (g, a, b), {"reduction": reduction})

    @staticmethod
    def smooth_l1_loss_backward(g, a, b, reduction, beta):
        return _row("smooth_l1_loss_backward", (g, a, b), {"reduction": reduction, "beta": beta})

    @staticmethod
    def huber_loss_backward(g, a, b, reduction, delta):
        return _row("huber_loss_backward", (g, a, b), {"reduction": reduction, "delta": delta})

    @staticmethod
    def binary_cross_entropy_backward(g, x, t, weight, reduction):
        return _row("binary_cross_entropy_backward", (g, x, t), {"weight": weight, "reduction": reduction})

    @staticmethod
    def nll_loss_backward(g, a, target, weight, reduction, ignore_index, total_weight=None):
        return _row("nll_loss_backward", (g, a), {"target": target, "weight": weight, "reduction": reduction,
                                                  "ignore_index": ignore_index, "total_weight": total_weight})

    @staticmethod
    def nll_loss(a, target, weight, reduction, ignore_index, total_weight=None):
        return _row("nll_loss", (a,), {"target": target, "weight": weight, "reduction": reduction,
                                       "ignore_index": ignore_index, "total_weight": total_weight})

    @staticmethod
    def select_backward(g, shape, dim, index):
        return _row("select_backward", (g,), {"shape": shape, "dim": dim, "index": index})

    @staticmethod
    def slice_backward(g, shape, dim, index):
        return _row("slice_backward", (g,), {"shape": shape, "dim": dim, "index": index})

    @staticmethod
    def log_sigmoid(a):
        return _row("log_sigmoid", (a,))

    @staticmethod
    def log_sigmoid_backward(g, a):
        return _row("log_sigmoid_backward", (g, a))

    @staticmethod
    def hardtanh_backward(g, a, min_val, max_val):
        return _row("hardtanh_backward", (g, a), {"min_val": min_val, "max_val": max_val})

    @staticmethod
    def log1p(a):
        return _row("log1p", (a,))

    # convolution (the op table's "# convolution" rows; p: the convolution's params)
    @staticmethod
    def convolution(input, weight, bias, p):
        return _row("convolution", (input, weight, bias), p)

    @staticmethod
    def convolution_backward(g, input, weight, output, p):
        """one gradient of a convolution: a ConvolutionBackwardBackward0 (0: the input's, 1: the
        weight's, 2: the bias's)"""
        params = {n: v for n, v in p.items() if n != "bias_sym_sizes_opt"}
        params["output"] = output
        return _row("convolution_backward", (g, input, weight), params)

    @staticmethod
    def constant_pad_nd(a, pad):
        return _row("constant_pad_nd", (a,), {"pad": pad, "value": 0})


def _saved_inputs(node):
    """{input position: the tensor the node saved for it}."""
    return {i: entry[2] for i, entry in node._saved_entries().items() if isinstance(entry[2], Tensor)}


def _wrapped_number(x):
    """A Python number the op read (x * 1.5) as PyTorch saves it: a 0-dim tensor (double, long or
    bool) that promotes as the number would (a "wrapped number"), so that g * 1.5 stays a product
    with a tensor (MulBackward0), not with a Scalar (MulBackward1)."""
    kind = np.bool_ if isinstance(x, (bool, np.bool_)) else np.int64 if isinstance(x, int) else np.float64
    t = _make(np.asarray(x, dtype=kind), None, False)
    t._wrapped_number = True
    return t


NUMPY = NumpyOps()
TENSORS = TensorOps()
