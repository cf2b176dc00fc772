"""RAdam (torch.optim.RAdam): Adam with its variance rectified."""
import numpy as np

from .adam import _lerp
from .optimizer import (Optimizer, _add_scaled, _check_betas_eps, _check_lr, _check_weight_decay, _scalar,
                        _start_state)


class RAdam(Optimizer):
    """m, v as Adam's;  rho_inf = 2/(1-beta2) - 1,  rho_t = rho_inf - 2 t beta2**t / (1-beta2**t);
    p = p - lr m/(1-beta1**t) * r_t sqrt(1-beta2**t) / (sqrt(v) + eps) when rho_t > 5, with
    r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t)), else p = p - lr m/(1-beta1**t)
    (Liu et al., 2019). weight_decay adds weight_decay*p to g, or with decoupled_weight_decay scales p
    by 1 - lr*weight_decay."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_betas_eps(betas, eps)
        _check_weight_decay(weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, p, grad):
        # float32 throughout, in the order of torch's single-tensor RAdam
        state = self.state[p]
        if not state:
            _start_state(state, p, "exp_avg", "exp_avg_sq")
        lr, (beta1, beta2), wd = _scalar(group["lr"]), group["betas"], group["weight_decay"]
        g = -grad if group["maximize"] else grad
        state["step"]._data += 1
        step = float(state["step"]._data)
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                g = _add_scaled(g, wd, p._data)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        m[...] = _lerp(m, g, 1 - beta1)
        v[...] = _add_scaled(v * beta2, 1 - beta2, g, g)
        bias_correction1, bias_correction2 = 1 - beta1 ** step, 1 - beta2 ** step
        corrected = m / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = (bias_correction2 ** 0.5) / (np.sqrt(v) + group["eps"])
            return p._data - corrected * lr * adaptive_lr * rect  # add_(..., alpha=-1)
        return p._data - corrected * lr
