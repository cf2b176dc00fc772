"""Parameter: a Tensor that a Module registers as one of its learnable weights."""
import numpy as np

from .._tensor import Tensor, _make


class Parameter(Tensor):
    """A leaf tensor (requires_grad=True by default) that a Module lists in ``parameters()``.

    ``Parameter(t)`` shares t's memory and version counter, as ``torch.nn.Parameter`` does.
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _make(np.empty((0,), dtype=np.float32), None, False)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor as data, but got {type(data).__name__}")
        if requires_grad and data._data.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = object.__new__(cls)
        p._data = data._data
        p.grad_fn = None
        p._requires_grad = False
        p._grad = None
        p._vc = data._vc
        p._retains_grad = False
        p._hooks = None
        p._acc = None
        p._base = None
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self._data.copy(), self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(_make(data, None, False), requires_grad)


def clear_grads(params, set_to_none=True):
    """Clear each parameter's .grad: to None, or to zeros in place (Module and Optimizer.zero_grad)."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad.detach_() if p.grad.grad_fn is not None else p.grad.requires_grad_(False)
            p.grad.zero_()


def __getattr__(name):
    """nn.parameter.UninitializedParameter, ... live in lazy.py (which needs Linear from modules.py,
    and modules.py needs this file): found there on first use."""
    if name in ("UninitializedParameter", "UninitializedBuffer", "UninitializedTensorMixin", "is_lazy"):
        from . import lazy
        return getattr(lazy, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
