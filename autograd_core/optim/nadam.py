"""NAdam (torch.optim.NAdam): Adam with Nesterov momentum."""
import numpy as np

from .adam import _lerp
from .optimizer import (Optimizer, _add_scaled, _buffer, _check_betas_eps, _check_lr, _check_weight_decay,
                        _scalar, _start_state)


class NAdam(Optimizer):
    """mu_t = beta1 (1 - 0.96**(t psi) / 2) (psi: momentum_decay), P_t = mu_1 ... mu_t;
    m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*g**2;  d = sqrt(v / (1-beta2**t)) + eps;
    p = p - lr (1-mu_t)/(1-P_t) g/d - lr mu_(t+1)/(1-P_t mu_(t+1)) m/d   (Dozat, 2016).
    weight_decay adds weight_decay*p to g, or with decoupled_weight_decay scales p by 1 - lr*weight_decay."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_betas_eps(betas, eps)
        _check_weight_decay(weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, p, grad):
        # float32 throughout (mu_product too: a float32 tensor, as torch's), in the order of torch's
        # single-tensor NAdam
        state = self.state[p]
        if not state:
            _start_state(state, p)
            state["mu_product"] = _buffer(np.float32(1.0))
            state["exp_avg"] = _buffer(np.zeros_like(p._data))
            state["exp_avg_sq"] = _buffer(np.zeros_like(p._data))
        lr, (beta1, beta2) = _scalar(group["lr"]), group["betas"]
        wd, psi = group["weight_decay"], group["momentum_decay"]
        g = -grad if group["maximize"] else grad
        state["step"]._data += 1
        step = float(state["step"]._data)
        bias_correction2 = 1 - beta2 ** step
        if wd != 0:
            if group["decoupled_weight_decay"]:  # its own in-place write, as in torch (a version bump)
                p.mul_(1 - lr * wd)
            else:
                g = _add_scaled(g, wd, p._data)
        param = p._data
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mu_product = state["mu_product"]._data
        mu_product *= np.float32(mu)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        m[...] = _lerp(m, g, 1 - beta1)
        v[...] = _add_scaled(v * beta2, 1 - beta2, g, g)  # mul_ then addcmul_
        denom = np.sqrt(v / bias_correction2) + group["eps"]
        mu_product_next = float(mu_product) * mu_next
        param = param + ((-lr * (1.0 - mu) / (1.0 - float(mu_product))) * g) / denom  # two addcdiv_
        return param + (((-lr * mu_next) / (1.0 - mu_product_next)) * m) / denom
