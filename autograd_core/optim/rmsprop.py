"""RMSprop (torch.optim.RMSprop), with momentum and the centered variant."""
import numpy as np

from .optimizer import Optimizer, _add_scaled, _buffer, _check_lr, _check_weight_decay, _scalar, _start_state
from .adam import _lerp


class RMSprop(Optimizer):
    """v = alpha*v + (1-alpha)*g**2;  centered: m = lerp(m, g, 1-alpha), v~ = v - m**2 (else v~ = v);
    d = g / (sqrt(v~) + eps);  with momentum: b = momentum*b + d, p = p - lr*b;  else p = p - lr*d
    (Hinton's lecture 6e; centered as Graves, 2013). weight_decay adds weight_decay*p to g first."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_weight_decay(weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, p, grad):
        # float32 throughout, in the order of torch's single-tensor RMSprop
        state = self.state[p]
        if not state:
            _start_state(state, p, "square_avg")
            if group["momentum"] > 0:
                state["momentum_buffer"] = _buffer(np.zeros_like(p._data))
            if group["centered"]:
                state["grad_avg"] = _buffer(np.zeros_like(p._data))
        lr, alpha, eps = _scalar(group["lr"]), group["alpha"], group["eps"]
        wd, momentum = group["weight_decay"], group["momentum"]
        g = -grad if group["maximize"] else grad
        param = p._data
        state["step"]._data += 1
        if wd != 0:
            g = _add_scaled(g, wd, param)
        v = state["square_avg"]._data
        v[...] = _add_scaled(v * alpha, 1 - alpha, g, g)  # mul_ then addcmul_
        if group["centered"]:
            m = state["grad_avg"]._data
            m[...] = _lerp(m, g, 1 - alpha)
            with np.errstate(invalid="ignore"):  # v - m**2 < 0 by rounding: NaN, silently as torch
                avg = np.sqrt(_add_scaled(v, -1, m, m))
        else:
            avg = np.sqrt(v)
        avg = avg + eps
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf[...] = buf * momentum + g / avg  # mul_ then addcdiv_ (value 1)
            return _add_scaled(param, -lr, buf)
        return param + ((-lr) * g) / avg  # addcdiv's order of operations
