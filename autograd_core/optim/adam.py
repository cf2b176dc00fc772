"""Adam and AdamW (torch.optim.Adam / AdamW), with amsgrad."""
import numpy as np

from .optimizer import (Optimizer, _add_scaled, _buffer, _check_betas_eps, _check_weight_decay, _scalar,
                        _start_state)


class Adam(Optimizer):
    """m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*g**2;
    p = p - lr/(1-beta1**t) * m / (sqrt(v)/sqrt(1-beta2**t) + eps)   (Kingma & Ba, 2014).

    weight_decay adds weight_decay*p to g (L2), or with decoupled_weight_decay (AdamW) scales p by
    1 - lr*weight_decay first. amsgrad uses the running maximum of v.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if not 0.0 <= _scalar(lr):
            raise ValueError(f"Invalid learning rate: {lr}")
        _check_betas_eps(betas, eps)
        _check_weight_decay(weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, group, p, grad):
        # float32 throughout, in the order of torch's single-tensor Adam
        state = self.state[p]
        if not state:
            _start_state(state, p, "exp_avg", "exp_avg_sq")
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _buffer(np.zeros_like(p._data))
        lr, (beta1, beta2) = _scalar(group["lr"]), group["betas"]
        wd, eps = group["weight_decay"], group["eps"]
        g = -grad if group["maximize"] else grad
        param = p._data
        state["step"]._data += 1
        if wd != 0:
            if group["decoupled_weight_decay"]:  # its own in-place write, as in torch (a version bump)
                p.mul_(1 - lr * wd)
            else:
                g = _add_scaled(g, wd, param)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        m[...] = _lerp(m, g, 1 - beta1)
        v[...] = _add_scaled(v * beta2, 1, (1 - beta2) * g, g)  # addcmul: fused with the last product
        step = float(state["step"]._data)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        step_size = lr / bias_correction1
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = np.sqrt(v) / bias_correction2_sqrt + eps
        return param + ((-step_size) * m) / denom  # addcdiv's order of operations


def _lerp(start, end, weight):
    """start + weight * (end - start), written as PyTorch's kernel writes it for accuracy."""
    if weight < 0.5:
        return _add_scaled(start, weight, end - start)
    return _add_scaled(end, -(1 - weight), end - start)


class AdamW(Adam):
    """Adam with decoupled weight decay: p = p * (1 - lr*weight_decay) before the Adam step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
