"""Gradient clipping, applied to .grad in place (as torch.nn.utils)."""
import numpy as np

from ..._functions import stack
from ..._graph import no_grad
from ..._tensor import Tensor, _make


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all grads by min(1, max_norm / (total_norm + 1e-6)), total_norm being the norm of the
    per-parameter norms; returns total_norm (a tensor)."""
    grads = _grads(parameters)
    if not grads:
        return _make(np.asarray(0.0, dtype=np.float32), None, False)
    norm_type = float(norm_type)
    with no_grad():
        if norm_type == float("inf"):
            norms = [g.abs().max() for g in grads]
            total = norms[0] if len(norms) == 1 else Tensor.max(_stack(norms))
        else:
            norms = [g.norm(norm_type) for g in grads]
            total = _stack(norms).norm(norm_type)
        if error_if_nonfinite and not np.isfinite(total._data).all():
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                               "non-finite, so it cannot be clipped. To disable this error and scale the "
                               "gradients by the non-finite norm anyway, set "
                               "`error_if_nonfinite=False`")
        clip_coef = max_norm / (total + 1e-6)
        clip_coef = clip_coef.clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every grad element to [-clip_value, clip_value]."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)


def _stack(tensors):
    return stack(tensors)
