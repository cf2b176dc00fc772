"""autograd_core.nn.functional: activations, linear, the losses, pooling and batch norm, composed as
PyTorch composes them (so that grad_fn names match torch's: AddmmBackward0, MseLossBackward0,
NllLossBackward0, MaxPool2DWithIndicesBackward0, NativeBatchNormBackward0, ...)."""
import math
import warnings

import numpy as np

from .. import _conv_kernels, _dtypes
from .. import _pool_kernels as P
from .. import _numerics as K
from .. import _functions as _f
from .._arguments import not_a_tensor
from .._ops import OPS
from .._dtypes import SCALAR_NAME
from .._factories import default_generator
from .._graph import is_grad_enabled, no_grad
from .._random import in_memory_order
from .._tensor import Tensor, _broadcast_message, _inplace, _make, apply

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction, size_average=None, reduce=None):
    """The reduction, accepting PyTorch's deprecated size_average/reduce pair."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


# --- activations ----------------------------------------------------------------------------------
def relu(input, inplace=False):
    """out = max(input, 0)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("relu_" if inplace else "relu", "input", input)
    return _inplace(input, "relu") if inplace else _f.relu(input)


def relu_(input):
    """input = max(input, 0), in place"""
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """out = input where input > 0, else negative_slope * input"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("leaky_relu_" if inplace else "leaky_relu", "input", input)
    if inplace:
        return _inplace(input, "leaky_relu_", params={"negative_slope": negative_slope})
    return apply(OPS["leaky_relu"], (input,), {"negative_slope": negative_slope})


def gelu(input, *, approximate="none"):
    """out = input * Phi(input), Phi the standard normal CDF ('tanh': PyTorch's approximation)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("gelu", "input", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(OPS["gelu"], (input,), {"approximate": approximate})


def elu(input, alpha=1.0, inplace=False):
    """out = input where input > 0, else alpha * (exp(input) - 1)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("elu_" if inplace else "elu", "input", input)
    if inplace:
        return _inplace(input, "elu_", params={"alpha": alpha})
    return apply(OPS["elu"], (input,), {"alpha": alpha})


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """out = scale * elu(input, alpha) with Klambauer et al.'s alpha = 1.6733 and scale = 1.0507
    (self-normalizing: zero mean, unit variance kept through the layers)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("selu_" if inplace else "selu", "input", input)
    params = {"alpha": _SELU_ALPHA, "scale": _SELU_SCALE}
    if inplace:
        return _inplace(input, "elu_", params=params)
    return apply(OPS["elu"], (input,), params)


def elu_(input, alpha=1):  # (ATen's default, an int: grad_fn._saved_alpha shows 1)
    """elu, in place"""
    return elu(input, alpha, inplace=True)


def selu_(input):
    """selu, in place"""
    return selu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu, in place"""
    return leaky_relu(input, negative_slope, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """out = input where input > 0, else alpha * (exp(input / alpha) - 1) (Barron, 2017: elu, continuous
    in alpha)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("celu_" if inplace else "celu", "input", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _inplace(input, "celu_", params={"alpha": alpha}) if inplace else apply(OPS["celu"], (input,), {"alpha": alpha})


def celu_(input, alpha=1.0):
    """celu, in place"""
    return celu(input, alpha, inplace=True)


def threshold(input, threshold, value, inplace=False):
    """out = input where input > threshold, else value"""
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold, value):
    """threshold, in place"""
    return _threshold(input, threshold, value, True)


def _threshold(input, threshold, value, inplace):
    if not isinstance(input, Tensor):
        raise not_a_tensor("threshold_" if inplace else "threshold", "input", input)
    params = {"threshold": threshold, "value": value}
    return _inplace(input, "threshold_", params=params) if inplace else apply(OPS["threshold"], (input,), params)


def hardsigmoid(input, inplace=False):
    """out = relu6(input + 3) / 6: 0 up to -3, 1 from 3, a line between (a cheap sigmoid)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("hardsigmoid_" if inplace else "hardsigmoid", "input", input)
    return _inplace(input, "hardsigmoid") if inplace else apply(OPS["hardsigmoid"], (input,))


def hardswish(input, inplace=False):
    """out = input * relu6(input + 3) / 6 (Howard et al., 2019: MobileNetV3)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("hardswish_" if inplace else "hardswish", "input", input)
    return _inplace(input, "hardswish") if inplace else apply(OPS["hardswish"], (input,))


def prelu(input, weight):
    """out = input where input > 0, else weight * input, one learned weight per channel (dim 1) or
    one for all (He et al., 2015)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("prelu", "input", input)
    if not isinstance(weight, Tensor):
        raise not_a_tensor("prelu", "weight", weight)
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim > 1 else 1
        if channels != weight.numel():
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{weight.numel()} and channel size = {channels}.")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if input.ndim != weight.ndim:  # (ATen's prelu: weight reshaped to (1, C, 1, ...))
        weight = weight.reshape([weight.numel() if d == 1 else 1 for d in range(input.ndim)])
    return apply(OPS["prelu"], (input, weight))


def softplus(input, beta=1, threshold=20):  # (ATen's defaults, ints: grad_fn._saved_beta shows 1)
    """out = log(1 + exp(beta * input)) / beta (input itself where beta * input > threshold)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("softplus", "input", input)
    return apply(OPS["softplus"], (input,), {"beta": beta, "threshold": threshold})


def silu(input, inplace=False):
    """out = input * sigmoid(input) (swish)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("silu_" if inplace else "silu", "input", input)
    return _inplace(input, "silu") if inplace else apply(OPS["silu"], (input,))


def mish(input, inplace=False):
    """out = input * tanh(softplus(input))"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("mish_" if inplace else "mish", "input", input)
    return _inplace(input, "mish") if inplace else apply(OPS["mish"], (input,))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """out = input clamped to [min_val, max_val] (the gradient is 0 outside, and at the bounds)"""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh("hardtanh", input, min_val, max_val, inplace)


def _hardtanh(name, input, min_val, max_val, inplace):
    if not isinstance(input, Tensor):
        raise not_a_tensor(name + "_" if inplace else name, "input", input)
    params = {"min_val": min_val, "max_val": max_val}
    return _inplace(input, "hardtanh", params=params) if inplace else apply(OPS["hardtanh"], (input,), params)


def relu6(input, inplace=False):
    """out = min(max(input, 0), 6): ATen's hardtanh(input, 0, 6) (HardtanhBackward0)"""
    return _hardtanh("relu6", input, 0, 6, inplace)


def logsigmoid(input):
    """out = log(sigmoid(input)) = -softplus(-input)"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("log_sigmoid", "input", input)
    return apply(OPS["log_sigmoid"], (input,))


def softsign(input):
    """out = input / (|input| + 1), composed as PyTorch composes it (DivBackward0)"""
    return input / (input.abs() + 1)


def dropout(input, p=0.5, training=True, inplace=False):
    """out = input * mask / (1 - p), mask[i] = 1 with probability 1 - p (identity when not training);
    PyTorch's CPU kernel also records a MulBackward0 here; p == 0, eval mode or an empty input:
    input itself (ATen's _dropout_impl)"""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    d = input._data
    dt = d.dtype
    # (ATen: empty_like(input).bernoulli_(1 - p), drawn in the order of its memory -- a transposed
    # input's -- then divided in place by 1 - p)
    keep = in_memory_order(d if K.dense(d) else np.empty(d.shape, dt),
                           default_generator._random.bernoulli(d.size, 1 - p))
    scale = np.zeros(input.shape, dtype=dt) if p == 1 else keep.astype(dt) / dt.type(1 - p)
    mask = _make(scale, None, False)
    return input.mul_(mask) if inplace else _f.mul(input, mask)


def sigmoid(input):
    """out = 1 / (1 + e**-input)"""
    return input.sigmoid()


def tanh(input):
    """out = tanh(input)"""
    return input.tanh()


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """out_i = e**x_i / sum_j e**x_j along dim"""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return input.softmax(dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """out_i = e**-x_i / sum_j e**-x_j along dim: softmax(-input)"""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    return (-input).softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """out_i = x_i - log sum_j e**x_j along dim"""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return input.log_softmax(dim, dtype=dtype)


# --- linear ---------------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """out = input @ weight.T + bias, composed as PyTorch composes it: addmm for a matrix; a
    contiguous 1-D or N-D input is reshaped to a matrix, addmm'ed and viewed back; otherwise
    matmul, then the bias added in place"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("linear", "input", input)
    if bias is None:
        return _f.matmul(input, _f.t(weight))
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    in_features = input.shape[-1]
    wt = _f.t(weight)
    if wt.ndim != 2 or wt.shape[0] != in_features:
        rows = int(np.prod(input.shape[:-1]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{in_features} and "
                           f"{'x'.join(map(str, wt.shape))})")
    if input.ndim == 2 or (input.is_contiguous() and bias.ndim == 1):
        _f._addmm_dtypes(bias, input, wt)
    if input.ndim == 2:
        return apply(OPS["addmm"], (bias, input, wt))
    if not input.is_contiguous() or bias.ndim != 1:
        return _inplace(_f.matmul(input, wt), "add", (bias,))
    rows = _f.reshape(input, (-1, in_features))
    out = apply(OPS["addmm"], (bias, rows, wt))
    return _f.view(out, tuple(input.shape[:-1]) + (wt.shape[1],))


# --- losses ---------------------------------------------------------------------------------------
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """loss = reduce((input - target)**2)"""
    reduction = _reduction(reduction, size_average, reduce)
    if weight is not None:
        raise NotImplementedError("autograd_core's mse_loss has no weight argument")
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=2)
        mismatch = _broadcast_message(input.shape, target.shape)
        if mismatch:
            raise RuntimeError(mismatch)
        shape = tuple(np.broadcast_shapes(input.shape, target.shape))
        # broadcast_tensors, as torch: only a tensor whose shape changes gets an ExpandBackward0
        input = input if input.shape == shape else _f.expand(input, shape)
        target = target if target.shape == shape else _f.expand(target, shape)
    return apply(OPS["mse_loss"], (input, target), {"reduction": reduction})


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """out = input / max(||input||_p over dim, eps), composed as PyTorch composes it"""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return _f._OUT_FUNCTIONS["div"](input, denom, out=out)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """out = <x1 / max(||x1||, eps), x2 / max(||x2||, eps)> along dim (broadcast), composed as ATen
    composes it: each norm cloned and clamped in place outside the graph"""
    common = _dtypes.FROM_NUMPY[_f.result_dtype(x1, x2)]
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {SCALAR_NAME[common]}")
    x1, x2 = (x.to(common) if x._data.dtype.kind in "biu" else x for x in (x1, x2))
    if x1.shape != x2.shape:  # (expand_outplace: both expanded, when their shapes differ)
        mismatch = _broadcast_message(x1.shape, x2.shape)
        if mismatch:
            raise RuntimeError(mismatch)
        shape = np.broadcast_shapes(x1.shape, x2.shape)
        x1, x2 = x1.expand(shape), x2.expand(shape)
    n1, n2 = x1.norm(2, dim, keepdim=True).clone(), x2.norm(2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """out = weight[input]: the rows of weight the indices in input name (EmbeddingBackward0). The
    gradient of padding_idx's row stays 0; max_norm renormalises, in place, the rows looked up whose
    norm_type-norm is above it (outside the graph)"""
    padding_idx = -1 if padding_idx is None else _padding_index(padding_idx, weight.size(0))
    if sparse:
        raise NotImplementedError("autograd_core has no sparse tensors: embedding(sparse=True) is not supported")
    if input.dtype not in (_dtypes.int64, _dtypes.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{input.dtype._legacy} instead (while checking arguments "
                           "for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    indices = input._data
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, indices, max_norm, norm_type)
    return apply(OPS["embedding"], (weight,), {"indices": indices.astype(np.int64), "padding_idx": padding_idx,
                                                 "scale_grad_by_freq": scale_grad_by_freq})


def _padding_index(padding_idx, num_embeddings):
    """padding_idx in [0, num_embeddings) (a negative one counts from the end)"""
    if padding_idx > 0:
        assert padding_idx < num_embeddings, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num_embeddings, "Padding_idx must be within num_embeddings"
        padding_idx = num_embeddings + padding_idx
    return padding_idx


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    """embedding_renorm_: each row looked up whose norm (in the weight's dtype) is above max_norm
    scaled, in place, by max_norm / (norm + 1e-7) (a double, rounded to the dtype), outside the graph"""
    with no_grad():
        rows = np.unique(indices)
        data = weight._data
        norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1).astype(data.dtype)
        big = norms > max_norm
        scale = (max_norm / (norms[big].astype(np.float64) + 1e-7)).astype(data.dtype)
        data[rows[big]] *= scale[:, None]
        weight._vc[0] += 1


def one_hot(tensor, num_classes=-1):
    """out[..., k] = 1 where tensor == k (int64), num_classes = max + 1 by default"""
    if not isinstance(tensor, Tensor):
        raise not_a_tensor("one_hot", "input", tensor)
    if tensor.dtype.np != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    t = tensor._data
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size and t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if t.size and t.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((t[..., None] == np.arange(num_classes)).astype(np.int64), None, False)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """loss = reduce(|input - target|) (PyTorch composes it: SubBackward0, AbsBackward0, MeanBackward0)"""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=2)
    loss = _f.abs(_f.sub(input, target))
    return _f.mean(loss) if reduction == "mean" else _f.sum(loss) if reduction == "sum" else loss


def _broadcast_loss_operands(input, target):
    """PyTorch's warning for a target of another size, then broadcast_tensors (only a tensor whose
    shape changes gets an ExpandBackward0)."""
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
        mismatch = _broadcast_message(input.shape, target.shape)
        if mismatch:
            raise RuntimeError(mismatch)
        shape = tuple(np.broadcast_shapes(input.shape, target.shape))
        input = input if input.shape == shape else _f.expand(input, shape)
        target = target if target.shape == shape else _f.expand(target, shape)
    return input, target


def _reduce(loss, reduction):
    return _f.mean(loss) if reduction == "mean" else _f.sum(loss) if reduction == "sum" else loss


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """loss = reduce(0.5 * d**2 / beta if |d| < beta else |d| - 0.5 * beta), d = input - target;
    beta = 0 is l1_loss"""
    input, target = _broadcast_loss_operands(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if not beta >= 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return apply(OPS["smooth_l1_loss"], (input, target), {"reduction": reduction, "beta": float(beta)})


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """loss = reduce(w * (0.5 * d**2 if |d| < delta else delta * (|d| - 0.5 * delta))),
    d = input - target, w = weight or 1"""
    input, target = _broadcast_loss_operands(input, target)
    if weight is not None and weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    reduction = _reduction(reduction)
    if not delta > 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if target.dtype != input.dtype and is_grad_enabled() and (input.requires_grad or target.requires_grad):
        # torch computes the loss but its backward refuses (raised here, at the forward)
        expected, found = (input, target) if input.requires_grad else (target, input)
        raise RuntimeError(f"Found dtype {SCALAR_NAME[found.dtype]} but expected "
                           f"{SCALAR_NAME[expected.dtype]}")
    if weight is None:
        return apply(OPS["huber_loss"], (input, target), {"reduction": reduction, "delta": float(delta)})
    loss = _f.mul(apply(OPS["huber_loss"], (input, target), {"reduction": "none", "delta": float(delta)}), weight)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """loss = -w * [t * log(x) + (1 - t) * log(1 - x)] for probabilities x in [0, 1]"""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if weight is not None and weight.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'binary_cross_entropy' is not differentiable with respect to "
                           "argument 'weight'. This input cannot have requires_grad True.")
    if target.dtype != input.dtype:  # (integer labels, or float64 ones from numpy: ATen's iterator refuses)
        raise RuntimeError(f"Found dtype {SCALAR_NAME[target.dtype]} but expected {SCALAR_NAME[input.dtype]}")
    # (ATen's kernel checks each element in turn, input then target; a nan fails too)
    bad_input = ~((input._data >= 0) & (input._data <= 1))
    bad_target = ~((target._data >= 0) & (target._data <= 1))
    if bad_input.any() or bad_target.any():
        first = np.argmax((bad_input | bad_target).ravel())
        which = "input" if bad_input.ravel()[first] else "target"
        raise RuntimeError(f"all elements of {which} should be between 0 and 1")
    if weight is not None:
        weight = weight if weight.shape == input.shape else _f.expand(weight, input.shape)
    return apply(OPS["binary_cross_entropy"], (input, target),
                 {"weight": None if weight is None else weight._data, "reduction": reduction})


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """loss = -w * [pw * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))], computed stably
    from the logits x"""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None and t.requires_grad and is_grad_enabled():
            raise RuntimeError("The function 'binary_cross_entropy_with_logits' is not "
                               f"differentiable with respect to argument '{name}'. This input "
                               "cannot have requires_grad True.")
    if target.dtype == _dtypes.bool:  # (ATen computes (1 - target).mul_(input))
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
                           "or `logical_xor()` operator instead.")
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type {SCALAR_NAME[input.dtype]} can't be cast to the desired output "
                           f"type {SCALAR_NAME[target.dtype]}")
    return apply(OPS["binary_cross_entropy_with_logits"], (input, target),
                 {"weight": None if weight is None else weight._data,
                  "pos_weight": None if pos_weight is None else pos_weight._data,
                  "reduction": reduction})


_KL_DIV_MEAN = ("reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' "
                "divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed "
                "to behave the same as 'batchmean' in the next major release.")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """loss = target (log(target) - input), input holding log-probabilities (0 where target is 0:
    xlogy); with log_target, target too: exp(target) (target - input). 'batchmean' is the sum divided
    by the batch size (the KL divergence per sample); 'mean' divides by every element's count."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn(_KL_DIV_MEAN, stacklevel=2)
    summed = _reduction("sum" if reduction == "batchmean" else reduction)
    for t in (input, target):
        if not isinstance(t, Tensor):
            raise not_a_tensor("kl_div", "input" if t is input else "target", t)
        if not t.dtype.is_floating_point:
            raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = _f.exp(target) * (target - input)
    else:
        loss = _f.xlogy(target, target) - target * input
    loss = loss if summed == "none" else loss.sum() if summed == "sum" else loss.mean()
    return loss / input.shape[0] if reduction == "batchmean" and input.ndim != 0 else loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """loss_i = -weight[t_i] * input[i, t_i] (input holds log-probabilities); 'mean' divides by
    the sum of the weights of the targets that are not ignore_index"""
    reduction = _reduction(reduction, size_average, reduce)
    if not isinstance(input, Tensor):
        raise not_a_tensor("nll_loss_nd", "input", input)
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if isinstance(target, Tensor):
        target = _nll_target_checks(input, target, weight)
    if not isinstance(target, Tensor) or target.dtype.np not in (np.int64, np.uint8):
        got = target.dtype._legacy[:-len("Tensor")] if isinstance(target, Tensor) else type(target).__name__
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {got}")
    t = target._data.astype(np.int64)
    n_classes = input.shape[1 if input.ndim > 1 else 0]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {SCALAR_NAME[input.dtype]} but found {SCALAR_NAME[weight.dtype]}")
    if weight is not None and weight.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'nll_loss_forward' is not differentiable with respect to argument "
                           "'weight'. This input cannot have requires_grad True.")
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    w = None if weight is None else weight._data
    # (PyTorch keeps the total weight of the targets it counts; 0 for "none")
    total = 0 if reduction == "none" else K.nll_total_weight(t, w, ignore_index, input._data.dtype)
    params = {"target": t, "weight": w, "reduction": reduction, "ignore_index": ignore_index,
              "total_weight": np.asarray(total, dtype=input._data.dtype)}
    if input.ndim <= 2:
        return apply(OPS["nll_loss"], (input,), params)
    if input.ndim == 4:
        return apply(OPS["nll_loss2d"], (input,), params)
    # (N, C, d1, ...) other than 4 dims: ATen's nll_loss_nd views it as (N, C, 1, d1 * d2 ...)
    n, c = input.shape[:2]
    flat = input.contiguous().view(n, c, 0, 0) if input.numel() == 0 else input.contiguous().view(n, c, 1, -1)
    params["target"] = t.reshape((n, 0, 0) if t.size == 0 else (n, 1, -1))
    loss = apply(OPS["nll_loss2d"], (flat,), params)
    return loss.view(n, *input.shape[2:]) if reduction == "none" else loss


def _nll_target_checks(input, target, weight=None):
    """PyTorch's checks of a class-index target's shape against a (C,) or (N, C) input, in its order
    (the batch sizes, then one dim at most); a (C,) input's target of shape (1,) taken as 0-d; and
    against an (N, C, d1, ...) input (ATen's nll_loss_nd, then nll_loss2d's checks)."""
    if input.ndim > 2:
        if target.shape[:1] != input.shape[:1]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0] if target.ndim else 1}).")
        if input.ndim != 4 and target.shape[1:] != input.shape[2:]:
            raise RuntimeError(f"Expected target size {[input.shape[0], *input.shape[2:]]}, got "
                               f"{list(target.shape)}")
        if input.ndim == 4 and target.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {target.ndim}")
        if weight is not None and weight.numel() != input.shape[1]:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
        if target.shape[1:] != input.shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")
        return target
    if input.ndim == 2 and target.ndim and target.shape[0] != input.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    if input.ndim == 2 and target.ndim == 0:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size (1).")
    if target.ndim > 1:  # (a (N, 1) target: a classic slip)
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim == 1 and target.ndim == 1:
        if target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
        return target.reshape(())
    return target


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """loss = nll_loss(log_softmax(input, class dim), target): the class dim is 1 for (N, C), 0 for
    (C,). A target of input's shape holds class probabilities: loss = -sum(target log_softmax(input)).
    label_smoothing e mixes the target with the uniform distribution: (1 - e) target + e / C."""
    reduction = _reduction(reduction, size_average, reduce)
    if isinstance(target, Tensor) and isinstance(input, Tensor) and target.shape == input.shape:
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               + target.dtype._legacy[:-len("Tensor")])
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    if isinstance(target, Tensor) and isinstance(input, Tensor) and input.ndim in (1, 2):
        target = _nll_target_checks(input, target)
    if isinstance(target, Tensor) and target.dtype.is_floating_point:
        raise RuntimeError("expected target dtype to be Long or Byte, but got "  # (as class indices)
                           + target.dtype._legacy[:-len("Tensor")])
    if input.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    class_dim = 0 if input.ndim == 1 else 1
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing)
    return nll_loss(log_softmax(input, class_dim), target, weight, None, ignore_index, None,
                    reduction)


# The two below are composed as ATen composes them (LossNLL.cpp), so that the graph has PyTorch's
# nodes: a number in ATen's C++ is a Scalar there (MulBackward1, not Python's MulBackward0).
def _check_label_smoothing(label_smoothing):
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _scalar(name, t, number):
    return apply(OPS[name], (t,), {"other": number})


def _class_weight(weight, ndim, class_dim):
    """weight viewed to broadcast along the class dim of an input of ndim dims"""
    return weight.view(*[weight.shape[0] if d == class_dim else 1 for d in range(ndim)])


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing):
    """-sum(target log_softmax(input)) over the class dim (weighted per class); 'mean' divides by
    the count of the other dims"""
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: {list(weight.shape)}")
    logp = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        target = _scalar("add_scalar", _scalar("mul_scalar", target, 1 - label_smoothing),
                         label_smoothing / n_classes)
    terms = logp * target
    if weight is not None:
        terms = terms * (_class_weight(weight, input.ndim, 1) if input.ndim > 1 else weight)
    if reduction == "none":
        return -terms.sum(class_dim)
    if reduction == "mean" and input.numel() == 0:
        return -terms.sum().fill_(math.nan)
    loss = -terms.sum()
    return loss if reduction == "sum" else _scalar("div_scalar", loss, input.numel() // n_classes)


def _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing):
    """(1 - e) nll_loss(log_softmax(input), target) + e / C * (the loss against the uniform target:
    -sum over classes of log_softmax(input), 0 where target is ignore_index)"""
    class_dim = 0 if input.ndim == 1 else 1
    logp = log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    n_classes = logp.shape[class_dim]
    if weight is not None:
        smooth = -(logp * _class_weight(weight, logp.ndim, class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    ignored = target == ignore_index
    smooth.masked_fill_(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            counted = _make(target._data[~ignored._data].reshape(-1).astype(np.int64), None, False)
            smooth = smooth.sum() / weight.gather(0, counted).sum()
        else:
            smooth = smooth.sum() / (~ignored).sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return (_scalar("mul_scalar", nll, 1 - label_smoothing)
            + _scalar("mul_scalar", smooth, label_smoothing / n_classes))


# --- convolution ----------------------------------------------------------------------------------
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, l] = bias[o] + sum_{c in o's group, k} weight[o, c, k] input[n, c, l stride + k dilation - padding]
    (input (N, C, L) or unbatched (C, L); weight (O, C / groups, K); padding an int, a tuple, "valid" or "same")"""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, i, j] = bias[o] + sum_{c in o's group, k, l} weight[o, c, k, l] input[n, c, i s0 + k d0 - p0, j s1 + l d1 - p1]
    (input (N, C, H, W) or unbatched (C, H, W); weight (O, C / groups, KH, KW); zero padding)"""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """conv2d's sum over one more spatial dim (input (N, C, D, H, W) or unbatched (C, D, H, W))"""
    return _convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose of conv1d (its gradient with respect to its input): each input element adds
    weight[c, o, k] * input[n, c, l] to out[n, o, l stride + k dilation - padding]; weight
    (C_in, C_out / groups, K); output_padding adds that many elements at the end"""
    return _convolution_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                                  groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose of conv2d (its gradient with respect to its input); weight (C_in, C_out / groups, KH, KW);
    out size (in - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1"""
    return _convolution_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                                  groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose of conv3d (its gradient with respect to its input)"""
    return _convolution_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding,
                                  groups, dilation)


def _convolution_transpose(name, dim, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """F.conv_transpose1d/2d/3d as PyTorch runs them: argument checks, an unbatched input given a
    batch of one, then ATen's convolution with transposed=True (one ConvolutionBackward0 node)"""
    for position, key, value in ((1, "input", input), (2, "weight", weight), (3, "bias", bias)):
        if not isinstance(value, Tensor) and (value is not None or key != "bias"):
            raise not_a_tensor(name, key, value, position)
    params = []
    for key, value in (("stride", stride), ("padding", padding), ("output_padding", output_padding),
                       ("dilation", dilation)):
        parsed = _int_list(value)
        if parsed is None:
            raise TypeError(f"{name}(): argument '{key}' must be tuple of ints, not {type(value).__name__}")
        params.append((parsed,) * dim if isinstance(parsed, int) else parsed)
    if not _is_int(groups):
        raise TypeError(f"{name}(): argument 'groups' must be int, not {type(groups).__name__}")
    stride, padding, output_padding, dilation = params
    batched = input.ndim == dim + 2
    if not batched and input.ndim != dim + 1:
        raise RuntimeError(f"Expected {dim + 1}D (unbatched) or {dim + 2}D (batched) input to {name}, but got "
                           f"input of size: {list(input.shape)}")
    if not batched:
        input = _f.unsqueeze(input, 0)
    out = _aten_convolution(input, weight, bias, stride, padding, dilation, output_padding, int(groups),
                            transposed=True)
    return out if batched else _f.squeeze(out, 0)


def pad(input, pad, mode="constant", value=None):
    """input with pad[2i] elements of value before and pad[2i + 1] after its i-th dim from the last
    (a negative width cuts elements off); mode "constant" only here"""
    if not isinstance(input, Tensor):
        raise not_a_tensor("pad", "input", input)
    for i, p in enumerate(pad):
        if not _is_int(p):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(p).__name__} at pos {i}")
    pad = tuple(int(p) for p in pad)
    if mode != "constant":
        if mode in ("reflect", "replicate", "circular"):
            raise NotImplementedError(f"padding mode '{mode}' is not implemented in autograd_core (only 'constant')")
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    for i in range(len(pad) // 2):
        if input.shape[input.ndim - 1 - i] + pad[2 * i] + pad[2 * i + 1] < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return apply(OPS["constant_pad_nd"], (input,), {"pad": pad, "value": 0 if value is None else value})


_CONV_OVERLOADS = (" * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints "
                   "padding = 0, tuple of ints dilation = 1, int groups = 1)\n"
                   " * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "
                   "\"valid\", tuple of ints dilation = 1, int groups = 1)\n")


def _is_int(x):
    """An int as PyTorch's argument parser takes one (a bool is not; a numpy int or an integer 0-d
    tensor is)"""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, Tensor):
        return x.ndim == 0 and x.dtype.is_floating_point is False and x._data.dtype.kind in "iu"
    return isinstance(x, (int, np.integer))


def _int_list(x):
    """a "tuple of ints" argument as a tuple (an int stays one int), or None when it is not one"""
    if _is_int(x):
        return int(x)
    if isinstance(x, (tuple, list)) and all(_is_int(i) for i in x):
        return tuple(int(i) for i in x)
    return None


def _conv_arguments(name, input, weight, bias, stride, padding, dilation, groups):
    """The arguments as PyTorch's argument parser reads them, or its TypeError (input, weight and a
    bias are taken as given by position, the others by keyword)."""
    parsed = (_int_list(stride), padding if isinstance(padding, str) else _int_list(padding),
              _int_list(dilation), groups if _is_int(groups) else None)
    if (isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))
            and None not in parsed):
        return parsed
    got = [_type_name(input), _type_name(weight)] + ([_type_name(bias)] if bias is not None else [])
    for key, value, default in (("stride", stride, 1), ("padding", padding, 0), ("dilation", dilation, 1),
                                ("groups", groups, 1)):
        if value is not default and not (type(value) is int and value == default):
            got.append(f"{key}={_type_name(value)}")
    raise TypeError(f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), "
                    f"but expected one of:\n{_CONV_OVERLOADS}")


def _type_name(x):
    return type(x).__name__ if not isinstance(x, Tensor) or type(x).__name__ == "Parameter" else "Tensor"


def _convolution(name, dim, input, weight, bias, stride, padding, dilation, groups):
    """F.conv1d/2d/3d as PyTorch runs them: argument checks, an unbatched input given a batch of one,
    the padding strings ("valid": none, "same": the output keeps the input's size), then ATen's
    convolution (its checks, in its order) -- one ConvolutionBackward0 node."""
    stride, padding, dilation, groups = _conv_arguments(name, input, weight, bias, stride, padding, dilation,
                                                        groups)
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_dtypes.CPP_NAME[input.dtype]}) and bias type ({_dtypes.CPP_NAME[bias.dtype]}) "
                           "should be the same")
    batched = input.ndim == dim + 2
    if not batched and input.ndim != dim + 1:
        raise RuntimeError(f"Expected {dim + 1}D (unbatched) or {dim + 2}D (batched) input to {name}, but got "
                           f"input of size: {list(input.shape)}")
    if not batched:
        input = _f.unsqueeze(input, 0)
    # (the argument parser makes an int a tuple of the function's size; a tuple stays as given)
    stride, dilation = ((v,) * dim if isinstance(v, int) else v for v in (stride, dilation))
    if isinstance(padding, int):
        padding = (padding,) * dim
    output_padding = (0,) * dim
    if isinstance(padding, str):
        padding, output_padding, input = _padding_mode(padding, input, weight, stride, dilation, dim)
    out = _aten_convolution(input, weight, bias, stride, padding, dilation, output_padding, groups)
    return out if batched else _f.squeeze(out, 0)


def _padding_mode(mode, input, weight, stride, dilation, dim):
    """ATen's _convolution_mode: (padding, output_padding, the input, padded on the right where
    "same" needs one more zero there than on the left)"""
    if mode == "valid":
        return (0,), (0,), input
    if mode != "same":
        raise RuntimeError(f"Invalid padding string: '{mode}'")
    stride = _conv_kernels.expand(stride, dim)
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for d, k in zip(_conv_kernels.expand(dilation, dim), weight.shape[2:])]
    left = tuple(t // 2 for t in total)
    extra = [t - t // 2 - t // 2 for t in total]
    if any(extra):
        _f._warn_once("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                      "copy of the input be created (Triggered internally at "
                      "/__w/pytorch/pytorch/aten/src/ATen/native/Convolution.cpp:1101.)")
        pad = ()
        for e in reversed(extra):  # (F.pad's order: the last dim first, (left, right) each)
            pad += (0, e)
        input = apply(OPS["constant_pad_nd"], (input,), {"pad": pad, "value": 0})
    return left, (0,) * dim, input


def _aten_convolution(input, weight, bias, stride, padding, dilation, output_padding, groups, transposed=False):
    """ATen's convolution for a batched input: its checks (the order of _convolution,
    check_shape_forward and the CPU kernels' own), then the op-table row."""
    if weight.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    dim = weight.ndim - 2
    given = (tuple(stride), tuple(padding), tuple(dilation), tuple(output_padding))
    stride, padding, dilation, output_padding = (
        _conv_param(v, key, dim) for v, key in
        ((stride, "stride"), (padding, "padding"), (dilation, "dilation"), (output_padding, "output_padding")))
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    w = list(weight.shape)
    if input.ndim != weight.ndim:
        raise RuntimeError(f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight {w}, "
                           f"but got {input.ndim}-dimensional input of size {list(input.shape)} instead")
    if w[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but "
                           f"got weight of size {w} instead")
    if w[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{w}] instead")
    if transposed:
        _transposed_shape_checks(input, w, bias, stride, padding, dilation, output_padding, groups)
    else:
        _shape_checks(input, w, bias, padding, dilation, groups)
    _conv_dtypes(input, weight, dim, transposed)
    if transposed and bias is not None and bias.dtype is not input.dtype:
        if input.dtype in (_dtypes.float32, _dtypes.float16):
            raise RuntimeError(f"Input type (torch.{input.dtype._legacy}) and bias type (torch.{bias.dtype._legacy}) "
                               "should be the same or input should be a MKLDNN tensor and bias is a dense tensor")
        # (ATen's slow kernel adds a bias of another dtype to its result: the result keeps the input's)
    # (saved as given, as grad_fn._saved_stride shows them; the kernels expand them again)
    params = {"bias_sym_sizes_opt": tuple(bias.shape) if bias is not None else (0,),
              "stride": given[0], "padding": given[1], "dilation": given[2], "transposed": transposed,
              "output_padding": given[3], "groups": groups}
    return apply(OPS["convolution"], (input, weight, bias), params)


def _shape_checks(input, w, bias, padding, dilation, groups):
    """check_shape_forward for a convolution: channels, bias, a kernel no bigger than the padded input"""
    if input.shape[1] != w[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {w}, expected input{list(input.shape)} to have "
                           f"{w[1] * groups} channels, but got {input.shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != w[0]):
        raise RuntimeError(f"Given weight of size {w}, expected bias to be 1-dimensional with {w[0]} elements, "
                           f"but got bias of size {list(bias.shape)} instead")
    padded = [n + 2 * p for n, p in zip(input.shape[2:], padding)]
    kernel = [d * (k - 1) + 1 for d, k in zip(dilation, w[2:])]
    if any(n < k for n, k in zip(padded, kernel)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
                           "actual input size")


def _transposed_shape_checks(input, w, bias, stride, padding, dilation, output_padding, groups):
    """check_shape_forward for a transposed convolution (channels, bias), then the slow kernel's:
    output_padding below stride or dilation, an output of at least one element per dim (a 1-D
    convolution runs as a 2-D one of height 1, and its messages say so)"""
    if input.shape[1] != w[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {w}, expected input{list(input.shape)} to have "
                           f"{w[0]} channels, but got {input.shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != w[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {w}, expected bias to be 1-dimensional with "
                           f"{w[1] * groups} elements, but got bias of size {list(bias.shape)} instead")
    sizes, kernel = list(input.shape[2:]), list(w[2:])
    stride, padding, dilation, output_padding = list(stride), list(padding), list(dilation), list(output_padding)
    if len(sizes) == 1:
        sizes, kernel, stride, padding, dilation, output_padding = (
            [one] + v for one, v in ((1, sizes), (1, kernel), (1, stride), (0, padding), (1, dilation),
                                     (0, output_padding)))
    names = ["depth", "height", "width"][-len(sizes):]
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(
            f"{what}_{n}: {v}" for what, values in (("output_padding", output_padding), ("stride", stride),
                                                    ("dilation", dilation)) for n, v in zip(names, values)))
    out = _conv_kernels.transposed_output_size(sizes, kernel, stride, padding, dilation, output_padding)
    if any(n < 1 for n in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output size "
                           f"per channel: ({' x '.join(map(str, out))}). Output size is too small")


def _conv_param(value, key, dim):
    """expand_param_if_needed: an int for every dim, or PyTorch's error for a list of another length"""
    values = tuple(value)
    if len(values) == 1:
        return values * dim
    if len(values) != dim:
        raise RuntimeError(f"expected {key} to be a single integer value or a list of {dim} values to match the "
                           f"convolution dimensions, but got {key}={list(values)}")
    return values


def _conv_dtypes(input, weight, dim, transposed=False):
    """ATen's CPU kernels' dtype checks: a float32 / float16 input goes to oneDNN, which names both
    tensor types; the others to the slow kernels (no bool version)"""
    if input.dtype is not weight.dtype:
        if input.dtype in (_dtypes.float32, _dtypes.float16):
            raise RuntimeError(f"Input type (torch.{input.dtype._legacy}) and weight type (torch.{weight.dtype._legacy}) "
                               "should be the same or input should be a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {_dtypes.SCALAR_NAME[input.dtype]} but found "
                           f"{_dtypes.SCALAR_NAME[weight.dtype]}")
    if input.dtype is _dtypes.bool:
        kernel = (("slow_conv_transpose3d_out_cpu" if dim == 3 else "slow_conv_transpose2d_out_cpu") if transposed
                  else "compute_columns3d" if dim == 3 else "slow_conv2d_cpu")
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


# --- pooling and normalisation ------------------------------------------------------------------------
# The pooling ops are 2-d ops in ATen: a 1-d pooling unsqueezes a height of 1, pools, squeezes it
# away (so its graph reads SqueezeBackward1 <- MaxPool2DWithIndicesBackward0 <- UnsqueezeBackward0).
def _sizes(name, what, value, allow_empty=False):
    """An int or a sequence of 1 or 2 ints as the pair ATen's IntArrayRef[2] makes of it; () for an
    omitted stride."""
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * 2
    if len(value) == 2 or (allow_empty and not value):
        return value
    raise RuntimeError(_POOL_ARG_MESSAGES[what].format(name=name))


_POOL_ARG_MESSAGES = {
    "kernel_size": "{name}: kernel_size must either be a single int, or a tuple of two ints",
    "stride": "{name}: stride must either be omitted, a single int, or a tuple of two ints",
    "padding": "{name}: padding must either be a single int, or a tuple of two ints",
    "dilation": "{name}: dilation must be either a single int, or a tuple of two ints",
}


def _shape_text(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _pooled_size(size, kernel, pad, stride, dilation, ceil_mode):
    """ATen's pooling_output_shape, with its checks"""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > ((kernel - 1) * dilation + 1) // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pad}, "
                           f"kernel_size={kernel} and dilation={dilation}")
    return P.pooled_size(size, kernel, stride, pad, dilation, ceil_mode)


def _pool2d_check(input, kernel, stride, padding, dilation, ceil_mode):
    """pool2d_shape_check: the sizes, then the output size (ATen's order and wording)"""
    (kh, kw), (sh, sw) = kernel, stride or kernel
    (ph, pw), (dh, dw) = padding, dilation
    h, w = input.shape[-2:]
    oh = _pooled_size(h, kh, ph, sh, dh, ceil_mode)
    ow = _pooled_size(w, kw, pw, sw, dw, ceil_mode)
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} dilationW: {dw}")
    s, nd = input.shape, input.ndim
    if not ((nd == 3 and s[0] != 0 and s[1] != 0 and s[2] != 0) or (nd == 4 and s[1] != 0 and s[2] != 0 and s[3] != 0)):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{_shape_text(s)}")
    if kw // 2 < pw or kh // 2 < ph:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}")
    if oh < 1 or ow < 1:
        planes = s[-3]
        raise RuntimeError(f"Given input size: ({planes}x{h}x{w}). Calculated output size: "
                           f"({planes}x{oh}x{ow}). Output size is too small")


def _not_implemented_for(name, t):
    return NotImplementedError(f'"{name}" not implemented for \'{SCALAR_NAME[t.dtype]}\'')


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """out[..., i, j] = max of input over window (i, j); with return_indices also the flat index
    (h * W + w) of each maximum in its image"""
    kernel = _sizes("max_pool2d", "kernel_size", kernel_size)
    stride = () if stride is None else _sizes("max_pool2d", "stride", stride, allow_empty=True)
    padding = _sizes("max_pool2d", "padding", padding)
    dilation = _sizes("max_pool2d", "dilation", dilation)
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if input.dtype.name == "bool":
        raise _not_implemented_for("max_pool2d", input)
    _pool2d_check(input, kernel, stride, padding, dilation, ceil_mode)
    indices = P.max_pool2d_indices(input._data, kernel, stride, padding, dilation, ceil_mode)
    out = apply(OPS["max_pool2d_with_indices"], (input,),
                {"kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation,
                 "ceil_mode": ceil_mode, "result1": indices})
    return (out, _make(indices, None, False)) if return_indices else out


max_pool2d_with_indices = max_pool2d


def _one(name, what, value):
    """check1d: an int or a sequence of one int"""
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = tuple(value)
    if len(value) != 1:
        raise RuntimeError(f"{name}() argument '{what}' should contain one int (got {len(value)})")
    return int(value[0])


def _check_dim_range(name, input):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for "
                           f"argument #1 'self' (while checking arguments for {name})")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """max_pool2d over input.unsqueeze(-2) with a kernel of height 1, squeezed back"""
    s = input.shape
    if not ((input.ndim == 2 and s[0] != 0 and s[1] != 0) or (input.ndim == 3 and s[1] != 0 and s[2] != 0)):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{_shape_text(s)}")
    k = _max_pool1d_size("kernel_size", kernel_size, "an int, list of ints or tuple of ints")
    st = k if stride is None or (not isinstance(stride, (int, np.integer)) and not len(stride)) else \
        _max_pool1d_size("stride", stride, "None, an int, list of ints, or tuple of ints")
    p = _max_pool1d_size("padding", padding, "an int, list of ints, or tuple of ints")
    d = _max_pool1d_size("dilation", dilation, "an int, list of ints or tuple of ints")
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if st <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {st}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out_w = _pooled_size(s[-1], k, p, st, d, ceil_mode)
    if out_w <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out_w}")
    out, indices = max_pool2d(_f.unsqueeze(input, -2), (1, k), (1, st), (0, p), (1, d), ceil_mode, True)
    out = _f.squeeze(out, -2)
    return (out, _f.squeeze(indices, -2)) if return_indices else out


max_pool1d_with_indices = max_pool1d


def _max_pool1d_size(what, value, forms):
    """check_max_pool1d: an int or a sequence of one int"""
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = tuple(value)
    if len(value) != 1:
        raise RuntimeError(f"max_pool1d() {what} must be {forms} of size 1 but got size {len(value)}")
    return int(value[0])


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """out[..., i, j] = sum of input over window (i, j) / its size (count_include_pad: the padding
    counts; divisor_override: this divisor instead)"""
    kernel = _sizes("avg_pool2d", "kernel_size", kernel_size)
    stride = () if stride is None else _sizes("avg_pool2d", "stride", stride, allow_empty=True)
    padding = _sizes("avg_pool2d", "padding", padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got -3)")
    if input.dtype.name == "bool" or input.dtype.name in ("int8", "int16", "int32", "uint8"):
        raise _not_implemented_for("avg_pool2d", input)
    _pool2d_check(input, kernel, stride, padding, (1, 1), ceil_mode)
    return apply(OPS["avg_pool2d"], (input,),
                 {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode,
                  "count_include_pad": count_include_pad, "divisor_override": divisor_override})


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """avg_pool2d over input.unsqueeze(-2) with a kernel of height 1, squeezed back"""
    _check_dim_range("avg_pool1d", input)
    k = _one("avg_pool1d", "kernel_size", kernel_size)
    st = k if stride is None or (not isinstance(stride, (int, np.integer)) and not len(stride)) else \
        _one("avg_pool1d", "stride", stride)
    p = _one("avg_pool1d", "padding", padding)
    out = avg_pool2d(_f.unsqueeze(input, -2), (1, k), (1, st), (0, p), ceil_mode, count_include_pad)
    return _f.squeeze(out, -2)


def _output_size_with_default(output_size, input):
    """_list_with_default: None entries of output_size keep the input's size"""
    if isinstance(output_size, (int, np.integer)):
        return output_size
    output_size = tuple(output_size)
    if input.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return tuple(d if v is None else v for v, d in zip(output_size, input.shape[-len(output_size):]))


def adaptive_avg_pool2d(input, output_size):
    """out[..., i, j] = mean of input over rows [floor(i H / OH), ceil((i + 1) H / OH)) and the
    columns likewise; a 1x1 output is input.mean((-1, -2), keepdim=True), as in ATen"""
    size = _output_size_with_default(output_size, input)
    size = (int(size), int(size)) if isinstance(size, (int, np.integer)) else tuple(int(v) for v in size)
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if size[0] < 0 or size[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or equal "
                           f"to 0 but received {{{size[0]}, {size[1]}}}")
    if size == (1, 1):
        return _f.mean(input, (-1, -2), keepdim=True)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {_shape_text(input.shape)}")
    for i in (-2, -1):
        if input.shape[i] <= 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_shape_text(input.shape)} with dimension "
                               f"{i + input.ndim} being empty")
    if not input.dtype.is_floating_point:
        raise _not_implemented_for("adaptive_avg_pool2d", input)
    return apply(OPS["adaptive_avg_pool2d"], (input,), {"output_size": size})


def adaptive_avg_pool1d(input, output_size):
    """adaptive_avg_pool2d over input.unsqueeze(-2) to (1, output_size), squeezed back"""
    _check_dim_range("adaptive_avg_pool1d", input)
    size = _one("adaptive_avg_pool1d", "output_size", output_size)
    return _f.squeeze(adaptive_avg_pool2d(_f.unsqueeze(input, -2), (1, size)), -2)


def _verify_batch_size(size):
    """One value per channel has no variance to normalise by"""
    prod = size[0]
    for n in size[2:]:
        prod *= n
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """out = (input - mean) / sqrt(var + eps) * weight + bias per channel (dim 1). training: the
    batch's mean and biased variance, and the running statistics (when given) updated in place,
    running = (1 - momentum) * running + momentum * batch's (its unbiased variance); else the
    running statistics."""
    if training:
        _verify_batch_size(input.shape)
    if not input.dtype.is_floating_point:
        raise _not_implemented_for("batch_norm", input)
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None:
            if t.numel() != channels:
                raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
        elif not training:
            raise RuntimeError(f"{name} must be defined in evaluation mode")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    if any(t is not None and t.dtype != input.dtype for t in (weight, bias, running_mean, running_var)):
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if input.numel() == 0:  # (ATen: a copy, through the affine parameters' first elements)
        out = _f.clone(input)
        if weight is not None:
            out = _f.mul(out, weight[0])
        if bias is not None:
            out = _f.add(out, bias[0])
        return out
    x = input._data
    rm = None if running_mean is None else running_mean._data
    rv = None if running_var is None else running_var._data
    if training:
        mean, var_sum = P.batch_norm_stats(x)
        count = x.size // channels
        invstd = P.batch_norm_invstd(var_sum, count, eps)
        if rm is not None or rv is not None:
            P.update_running_stats(rm, rv, mean, var_sum, count, momentum)
            for t in (running_mean, running_var):
                if t is not None:
                    t._vc[0] += 1  # (an in-place write by ATen's kernel: a new version)
    else:
        mean = invstd = np.empty((0,), dtype=x.dtype)  # (PyTorch saves empty ones in eval mode)
    return apply(OPS["native_batch_norm"], (input, weight, bias),
                 {"running_mean": rm, "running_var": rv, "training": bool(training), "eps": eps,
                  "result1": mean, "result2": invstd})


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """out = (input - mean) / sqrt(var + eps) * weight + bias, mean and (biased) var over the last
    len(normalized_shape) dims; weight and bias of normalized_shape"""
    return _layer_norm((input, normalized_shape, weight, bias, eps), {})


_LAYER_NORM_ARGS = ("input", "normalized_shape", "weight", "bias", "eps", "cudnn_enable")


def _layer_norm(args, kwargs):
    """torch.layer_norm's arguments (args positional, kwargs by name) checked as PyTorch's parser
    and layer_norm_cpu check them, in their order; then the op"""
    for name in kwargs:
        if name not in _LAYER_NORM_ARGS:
            raise TypeError(f"layer_norm() got an unexpected keyword argument '{name}'")
    given = dict(zip(_LAYER_NORM_ARGS, args), **kwargs)
    if "input" not in given:  # (PyTorch's parser's words)
        raise TypeError('layer_norm() missing 2 required positional argument: "input", "normalized_shape"')
    if "normalized_shape" not in given:
        raise TypeError('layer_norm() missing 1 required positional arguments: "normalized_shape"')
    input, shape, weight, bias = (given.get(k) for k in _LAYER_NORM_ARGS[:4])
    eps = given.get("eps", 1e-5)

    def position(name):
        i = _LAYER_NORM_ARGS.index(name)
        return i + 1 if i < len(args) else None

    if not isinstance(input, Tensor):
        raise not_a_tensor("layer_norm", "input", input, position("input"))
    where = f" (position {position('normalized_shape')})" if position("normalized_shape") else ""
    if not isinstance(shape, (list, tuple)):
        kind = "Tensor" if isinstance(shape, Tensor) else type(shape).__name__
        raise TypeError(f"layer_norm(): argument 'normalized_shape'{where} must be tuple of ints, not {kind}")
    for i, n in enumerate(shape):
        if not _is_int(n):
            raise TypeError(f"layer_norm(): argument 'normalized_shape'{where} must be tuple of ints, but found "
                            f"element of type {type(n).__name__} at pos {i}")
    shape = tuple(int(n) for n in shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and not isinstance(t, Tensor):
            raise not_a_tensor("layer_norm", name, t, position(name))
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        where = f" (position {position('eps')})" if position("eps") else ""
        raise TypeError(f"layer_norm(): argument 'eps'{where} must be float, not {type(eps).__name__}")
    dtype = input.dtype
    params = [t for t in (weight, bias) if t is not None]
    if params and params[0].dtype != dtype:  # (is_mixed_type: the first parameter's dtype is not input's)
        if any(t.dtype != _dtypes.float32 for t in params):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if dtype != _dtypes.float16:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
                           "one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(shape)}")
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if not dtype.is_floating_point:
        raise _not_implemented_for("LayerNormKernelImpl", input)
    if weight is not None and bias is not None and bias.dtype != weight.dtype:  # (the kernel reads bias as weight's)
        raise RuntimeError(f"expected scalar type {SCALAR_NAME[weight.dtype]} but found {SCALAR_NAME[bias.dtype]}")
    x = input._data
    rows = x.reshape(math.prod(x.shape[:x.ndim - len(shape)]), math.prod(shape))
    mean, rstd = K.layer_norm_statistics(rows, float(eps))
    stats_dtype = (params[0]._data.dtype if params and params[0].dtype != dtype else x.dtype)
    stat_shape = tuple(x.shape[:x.ndim - len(shape)]) + (1,) * len(shape)
    mean, rstd = (a.astype(stats_dtype).reshape(stat_shape) for a in (mean, rstd))
    return apply(OPS["native_layer_norm"], (input, weight, bias),
                 {"normalized_shape": shape, "eps": float(eps), "result1": mean, "result2": rstd})


def _is_int(n):
    """an element PyTorch's parser takes in a tuple of ints: an int (not a bool) or an integer 0-d tensor"""
    if isinstance(n, Tensor):
        return n.ndim == 0 and not n.dtype.is_floating_point and n.dtype != _dtypes.bool
    return isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_))

def _feature_dropout(input, p, training, inplace, noise_shape=None):
    """ATen's feature_dropout: one mask value per (sample, channel), 1 / (1 - p) with probability
    1 - p, else 0, multiplied in (MulBackward0); p == 0 or eval mode: input itself"""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    dt = input._data.dtype
    if p == 1:
        mask = np.zeros((), dtype=dt)
    else:
        shape = noise_shape or tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
        keep = default_generator._random.bernoulli(int(np.prod(shape)), 1 - p).reshape(shape)
        mask = keep.astype(dt) / dt.type(1 - p)
    mask = _make(mask, None, False)
    return input.mul_(mask) if inplace else _f.mul(input, mask)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: each (sample, channel) plane is kept (scaled by 1 / (1 - p)) or zeroed"""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    ndim = input.ndim
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this "
                      "warning, please use dropout instead. Note that dropout2d exists to provide "
                      "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
                      "and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
                      "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
                      "the channel dim. This behavior will change in a future release to interpret the "
                      "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
                      "channel-wise dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input"""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    ndim = input.ndim
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                           "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or "
                           "3D inputs).")
    if ndim == 3:
        return _feature_dropout(input, p, training, inplace)
    if inplace:  # (PyTorch unsqueezes in place; the same mask, one value per channel)
        return _feature_dropout(input, p, training, True, noise_shape=(input.shape[0], 1))
    return _f.squeeze(_feature_dropout(_f.unsqueeze(input, 0), p, training, False), 0)
