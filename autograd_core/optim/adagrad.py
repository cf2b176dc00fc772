"""Adagrad (torch.optim.Adagrad), with learning-rate decay."""
import numpy as np

from .optimizer import Optimizer, _add_scaled, _buffer, _check_lr, _check_weight_decay, _scalar, _start_state


class Adagrad(Optimizer):
    """s = s + g**2;  p = p - lr_t * g / (sqrt(s) + eps)  with lr_t = lr / (1 + (t-1)*lr_decay) at
    step t (Duchi, Hazan & Singer, 2011); s starts at initial_accumulator_value, and weight_decay
    adds weight_decay*p to g first."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        _check_weight_decay(weight_decay)
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if fused:
            raise NotImplementedError("autograd_core's Adagrad has no fused implementation (fused=True "
                                      "runs a kernel of torch's own)")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        # torch fills the state of the constructor's parameters at once (state_dict shows it)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p, initial_accumulator_value):
        state = self.state[p]
        _start_state(state, p)
        state["sum"] = _buffer(np.full_like(p._data, initial_accumulator_value))

    def _update(self, group, p, grad):
        # float32 throughout, in the order of torch's single-tensor Adagrad
        state = self.state[p]
        if not state:  # a parameter of a group added later: torch takes the constructor's value
            self._init_state(p, self.defaults["initial_accumulator_value"])
        state["step"]._data += 1
        step = float(state["step"]._data)
        g = -grad if group["maximize"] else grad
        param = p._data
        if group["weight_decay"] != 0:
            g = _add_scaled(g, group["weight_decay"], param)
        clr = _scalar(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        s = state["sum"]._data
        s[...] = _add_scaled(s, 1, g, g)  # addcmul_(g, g, value=1)
        std = np.sqrt(s) + group["eps"]
        return param + ((-clr) * g) / std  # addcdiv's order of operations
