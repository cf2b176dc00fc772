"""Adadelta (torch.optim.Adadelta)."""
import numpy as np

from .optimizer import Optimizer, _add_scaled, _check_lr, _check_weight_decay, _scalar, _start_state


class Adadelta(Optimizer):
    """v = rho*v + (1-rho)*g**2;  d = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho*u + (1-rho)*d**2;
    p = p - lr * d   (Zeiler, 2012). weight_decay adds weight_decay*p to g first."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_weight_decay(weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, p, grad):
        # float32 throughout, in the order of torch's single-tensor Adadelta
        state = self.state[p]
        if not state:
            _start_state(state, p, "square_avg", "acc_delta")
        lr, rho, eps, wd = _scalar(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        state["step"]._data += 1
        g = -grad if group["maximize"] else grad
        param = p._data
        if wd != 0:
            g = _add_scaled(g, wd, param)
        v, u = state["square_avg"]._data, state["acc_delta"]._data
        v[...] = _add_scaled(v * rho, 1 - rho, g, g)  # mul_ then addcmul_
        std = np.sqrt(v + eps)
        delta = np.sqrt(u + eps) / std * g
        u[...] = _add_scaled(u * rho, 1 - rho, delta, delta)
        return _add_scaled(param, -lr, delta)
