"""autograd_core: a small numpy autograd engine that speaks PyTorch.

    import autograd_core as torch
    w = torch.tensor(1., requires_grad=True); x = torch.tensor(2., requires_grad=True)
    y = (w + x) * (w + 1); y.backward()        # w.grad == 5, x.grad == 2

Reading guide -- the engine in the order to read it:
  1. _ops.py        the op table: every op's forward and its backward rule, side by side (the math)
  2. _graph.py      the graph those rows make: Node (a grad_fn), its next_functions, AccumulateGrad
  3. _tensor.py     Tensor, and apply(): one row run on tensors, its node hooked into the graph
  4. _engine.py     the backward walk: run_backward, the gradients flowing node by node to .grad
  5. _namespaces.py what a gradient is: numpy arrays (NUMPY), or Tensors under create_graph (TENSORS)
  6. autograd.py    backward() and grad(): the roots, then the walk
Then, as needed: _functions.py (the public functions: argument checks, PyTorch's errors, composite
ops spelled as PyTorch spells them), _numerics.py and _kernel_order.py (how ATen computes, so that
printed digits match), _random.py (PyTorch's random generator), _refusals.py (PyTorch's refusals and
warnings), _recording.py (record()).

Example A, from y.backward() to w.grad:
  * ``w + x`` is Tensor.__add__ (_tensor.py) -> _functions.add -> apply(OPS["add"], (w, x)): the row
    "add" of _ops.py computes w + x with numpy; as an input requires grad, apply makes a node of the
    row's class, AddBackward0, whose next_functions point at the inputs' nodes -- for a leaf, its
    AccumulateGrad (_graph.gradient_edge). ``w + 1``: another AddBackward0 (the 1 gets no edge:
    (None, 0)). The product: MulBackward0, which keeps both factors, because its rules ``g * b`` and
    ``g * a`` read them (_ops._read_by_rules); y.grad_fn is that node.
  * y.backward() is Tensor.backward -> autograd.backward: the root gradient is ones, and a plain
    backward works on numpy arrays (xp = NUMPY) -> _engine.run_backward: count the edges into each
    node (_dependencies), then run the ready nodes newest first:
      MulBackward0 runs the row's rules: d/d(w + x) = g * (w + 1) = 2, d/d(w + 1) = g * (w + x) = 3
      (Node._input_grad, _graph.py; unbroadcast to each input's shape); _deliver hands each to the
      node of its input (run_backward's common case does both in one pass; with hooks, a
      recorder or autograd.grad, Node._backward then _pass_on); AddBackward0 (of w + 1) passes 3 on to w's
      AccumulateGrad, AddBackward0 (of w + x) passes 2 to w's and 2 to x's; w's AccumulateGrad has
      received 3 + 2 = 5 when it is ready: _reach_leaf -> NUMPY.accumulate_grad sets w.grad = 5.
  * y.backward(create_graph=True) walks the same nodes with xp = TENSORS: the same rules then run on
    Tensors, so ``g * (w + 1)`` is itself a recorded op (MulBackward0), and w.grad has a grad_fn --
    the gradient is a graph, and can be differentiated again.
"""
import math

from . import _dtypes, _printing
from ._dtypes import (Size, bool, device, double, dtype, float, float16, float32, float64, half,  # noqa: F401
                      int, int8, int16, int32, int64, long, short, uint8)
from ._dtypes import finfo, get_default_device, iinfo, set_default_device  # noqa: F401
from ._graph import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                     no_grad, set_grad_enabled)
from ._tensor import Tensor, tensor  # noqa: F401
from ._arguments import method_as_function as _method_as_function
from ._arguments import take_numpy_names as _take_numpy_names, tensor_first as _tensor_first
from ._functions import *  # noqa: F401,F403
from ._functions import _all as all, _any as any, _round as round  # noqa: F401
from ._functions import (abs, add, allclose, argmax, argmin, bmm, cat, clamp, clip, clone, concat,  # noqa: F401
                         cos, div, dot, eq, equal, exp, flatten, ge, gt, is_tensor,
                         isclose, le, log, log_softmax, logical_not, lt, matmul, max, maximum, mean,
                         min, minimum, mm, mul, mv, ne, neg, norm, numel, permute, pow, reciprocal,
                         relu, reshape, rsub, sigmoid, sign, sin, softmax, sqrt, square, squeeze, stack,
                         sub, sum, t, tanh, transpose, unsqueeze, where)
from ._functions import _OUT_FUNCTIONS  # noqa: E402
globals().update(_OUT_FUNCTIONS)  # torch.add(a, b, out=t) ...: the functions that take out=
from ._factories import (Generator, arange, as_tensor, empty, empty_like, eye, from_numpy, full,  # noqa: F401
                         full_like, initial_seed, linspace, logspace, manual_seed, normal, ones, ones_like, rand,
                         rand_like, randint, randn, randn_like, randperm, seed, zeros, zeros_like)
from ._factories import get_num_threads, get_rng_state, set_num_threads, set_rng_state  # noqa: F401,E402
from . import autograd  # noqa: F401,E402
from . import linalg  # noqa: F401,E402
from .linalg import inv as inverse  # noqa: E402 (torch.inverse and Tensor.inverse: linalg.inv's op)
Tensor.inverse = inverse
from .serialization import load, save  # noqa: F401,E402
from . import nn, optim  # noqa: F401,E402
from .nn.functional import (celu, celu_, conv1d, conv2d, conv3d, conv_transpose1d,  # noqa: F401,E402
                            conv_transpose2d, conv_transpose3d, selu, selu_,
                            threshold, threshold_)  # (torch.conv2d ..., as torch has them)


def layer_norm(*args, **kwargs):
    """torch.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    nn.functional.layer_norm's op (cudnn_enable is accepted and has nothing to enable)"""
    if len(args) > 6:
        raise TypeError(f"layer_norm() takes from 2 to 6 positional arguments but {len(args)} were given")
    return nn.functional._layer_norm(args, kwargs)
from ._recording import Event, Recording, record  # noqa: F401,E402
from . import utils  # noqa: F401,E402

__version__ = "0.1.0"


def get_default_dtype():
    return float32


def is_floating_point(input):
    return input.dtype.is_floating_point


class _Cuda:
    """Only the CPU exists: tutorial code that asks gets a clear False."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):  # seeding boilerplate (torch.cuda.manual_seed_all(0)): nothing to seed
        pass

    manual_seed_all = manual_seed

    @staticmethod
    def current_device():  # (as torch built without CUDA)
        raise AssertionError("Torch not compiled with CUDA enabled")

    @staticmethod
    def get_device_name(device=None):
        raise AssertionError("Torch not compiled with CUDA enabled")


cuda = _Cuda()


class _Accelerator:
    """torch.accelerator on a machine without one: tutorials ask it which device to use
    (``torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"``)."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def current_accelerator(check_available=False):
        return None

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def current_device_index():
        raise RuntimeError(_dtypes._NO_ACCELERATOR)

    current_device_idx = current_device_index
    synchronize = current_device_index


accelerator = _Accelerator()


class _Flags:
    """torch.backends.cudnn / mps: the flags seeding boilerplate sets (there is no GPU to affect)."""

    def __init__(self, **flags):
        self.__dict__.update(flags)

    def is_available(self):
        return False


class _Backends:
    cudnn = _Flags(deterministic=False, benchmark=False, enabled=True)
    mps = _Flags()


backends = _Backends()
_DETERMINISTIC = [False]


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded only: every algorithm here is deterministic."""
    _DETERMINISTIC[0] = not not mode  # (bool is the dtype in this module)


def are_deterministic_algorithms_enabled():
    return _DETERMINISTIC[0]


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    p = _printing
    if profile == "default":
        p.PRECISION, p.THRESHOLD, p.EDGEITEMS, p.LINEWIDTH = 4, 1000, 3, 80
    elif profile == "short":
        p.PRECISION, p.THRESHOLD, p.EDGEITEMS, p.LINEWIDTH = 2, 1000, 2, 80
    elif profile == "full":
        p.PRECISION, p.THRESHOLD, p.EDGEITEMS, p.LINEWIDTH = 4, math.inf, 3, 80
    if precision is not None:
        p.PRECISION = precision
    if threshold is not None:
        p.THRESHOLD = threshold
    if edgeitems is not None:
        p.EDGEITEMS = edgeitems
    if linewidth is not None:
        p.LINEWIDTH = linewidth
    p.SCI_MODE = sci_mode  # as PyTorch: every call sets it (None: chosen per tensor)


# The functions whose first argument PyTorch's parser requires to be a Tensor: torch.exp(2.0) and
# torch.mean([1., 2.]), classic slips, are refused in its words. (The package calls the unguarded
# functions of _functions.py, so the guard costs only a student's own torch.* calls.)
for _name in """abs absolute allclose amax amin arctan2 argmax argmin argsort argwhere atan2 bitwise_not bmm ceil chunk
        clone conv_transpose1d conv_transpose2d conv_transpose3d cos cumprod cumsum diag diagonal dot empty_like equal erf
        exp expm1 flatten flip floor full_like gather ger is_floating_point isclose isfinite isinf isnan log log1p
        log_softmax logaddexp logical_and logical_not logical_or logical_xor logsumexp matmul maximum mean
        median minimum mm moveaxis movedim mv neg negative nonzero numel ones_like outer permute prod rand_like randn_like
        reciprocal relu reshape round rsqrt scatter scatter_add select sgn sigmoid sign sin softmax sort sqrt square squeeze
        sum swapaxes swapdims t tanh topk trace transpose tril triu unbind unflatten unsqueeze zeros_like
        tan asin acos atan sinh cosh asinh acosh atanh arcsin arccos arctan arcsinh arccosh arctanh log2 log10
        exp2 erfc trunc fix frac hypot signbit logit nan_to_num positive index_select index_add take masked_select roll
        rot90 diff tile ravel broadcast_to tensor_split kthvalue cummax cummin count_nonzero nansum nanmean addcmul
        addcdiv dist addmm cross inner
        inverse index_put std_mean var_mean
        celu celu_ threshold threshold_""".split():  # (einsum's first argument is its equation)
    globals()[_name] = _tensor_first(globals()[_name], name=_name)
max, min, mul = (_tensor_first(f, overloaded=True) for f in (max, min, mul))
normal = _tensor_first(normal, argument="mean", overloaded=True)
cdist = _tensor_first(cdist, argument="x1")
where = _tensor_first(where, argument="condition", overloaded=True)
repeat_interleave = _tensor_first(repeat_interleave, argument="repeats", overloaded=True)  # (alone: the counts)
unique = _tensor_first(unique, name="_unique2")
# torch.relu_(x), torch.exp_(x), torch.detach(x), ...: the Tensor methods PyTorch also has as functions
for _name in """abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_
        ceil_ clamp_ clamp_max_ clamp_min_ cos_ cosh_ detach detach_ erf_ erfc_ exp2_ exp_ expm1_ fill_ fix_
        floor_ frac_ index_put_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ reciprocal_ relu_ round_
        rsqrt_ sigmoid_ sin_ sinh_ sqrt_ tan_ tanh_ trunc_ xlogy_ zero_""".split():
    globals()[_name] = _tensor_first(_method_as_function(_name), name=_name)
del _name
# x.sum(axis=0, keepdims=True), torch.cat(ts, axis=0): numpy's names, where PyTorch's parser takes them
_take_numpy_names(globals())
_take_numpy_names(Tensor, written_in_python=("norm", "split", "unique", "unflatten"))  # (Tensor.unflatten: Python)
_take_numpy_names(vars(linalg), written_in_python=())  # (linalg.norm is C++)
_take_numpy_names(vars(nn.functional), names=("cosine_similarity",))  # (the one of them written in C++)
