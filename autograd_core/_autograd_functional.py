"""torch.autograd.functional.jacobian: one vector-Jacobian product per output element."""
import numpy as np

from ._tensor import Tensor, _make


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """J[i..., j...] = d out[i...] / d input[j...], for each output and input (tuples when func
    returns, or inputs are, tuples)."""
    from .autograd import grad
    if create_graph:
        raise NotImplementedError("autograd_core does not build graphs of gradients (create_graph=True)")
    single_in = isinstance(inputs, Tensor)
    ins = (inputs,) if single_in else tuple(inputs)
    ins = tuple(x.detach().requires_grad_(True) for x in ins)
    outs = func(*ins)
    single_out = isinstance(outs, Tensor)
    outs = (outs,) if single_out else tuple(outs)
    rows = []
    for out in outs:
        per_input = [np.zeros(out.shape + x.shape, dtype=x._data.dtype) for x in ins]
        for k in range(out.numel()):
            if not out.requires_grad:
                break
            g = np.zeros(out._data.size, dtype=out._data.dtype)
            g[k] = 1
            grads = grad(out, ins, _make(g.reshape(out.shape), None, False), retain_graph=True,
                         allow_unused=True)
            for j, gj in enumerate(grads):
                if gj is not None:
                    per_input[j].reshape((out._data.size,) + ins[j].shape)[k] = gj._data
        rows.append(tuple(_make(p, None, False) for p in per_input))
    result = tuple(r[0] if single_in else r for r in rows)
    return result[0] if single_out else result
