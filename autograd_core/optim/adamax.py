"""Adamax (torch.optim.Adamax): Adam with the infinity norm."""
import numpy as np

from .adam import _lerp
from .optimizer import (Optimizer, _add_scaled, _check_betas_eps, _check_lr, _check_weight_decay, _scalar,
                        _start_state)


class Adamax(Optimizer):
    """m = beta1*m + (1-beta1)*g;  u = max(beta2*u, |g| + eps);  p = p - lr/(1-beta1**t) * m / u
    (Kingma & Ba, 2014, section 7). weight_decay adds weight_decay*p to g first."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_betas_eps(betas, eps)
        _check_weight_decay(weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, group, p, grad):
        # float32 throughout, in the order of torch's single-tensor Adamax
        state = self.state[p]
        if not state:
            _start_state(state, p, "exp_avg", "exp_inf")
        lr, (beta1, beta2) = _scalar(group["lr"]), group["betas"]
        g = -grad if group["maximize"] else grad
        param = p._data
        state["step"]._data += 1
        if group["weight_decay"] != 0:
            g = _add_scaled(g, group["weight_decay"], param)
        m, u = state["exp_avg"]._data, state["exp_inf"]._data
        m[...] = _lerp(m, g, 1 - beta1)
        np.maximum(u * beta2, np.abs(g) + group["eps"], out=u)
        clr = lr / (1 - beta1 ** float(state["step"]._data))
        return param + ((-clr) * m) / u  # addcdiv's order of operations
