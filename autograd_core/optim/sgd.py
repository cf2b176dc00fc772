"""SGD with momentum, dampening, Nesterov momentum and weight decay (torch.optim.SGD)."""
from .optimizer import Optimizer, _add_scaled, _buffer, _scalar, required


class SGD(Optimizer):
    """g = grad + weight_decay * p;  with momentum: b = momentum * b + (1 - dampening) * g
    (b = g at the first step), g = g + momentum * b if nesterov else b;  then p = p - lr * g."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr is not required and _scalar(lr) < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, group, p, grad):
        # float32 throughout, in torch's order (Python numbers combine with arrays in their dtype)
        g = -grad if group["maximize"] else grad
        wd, momentum = group["weight_decay"], group["momentum"]
        if wd != 0:
            g = _add_scaled(g, wd, p._data)
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = _buffer(g)
            else:
                buf._data[...] = _add_scaled(buf._data * momentum, 1 - group["dampening"], g)
            g = _add_scaled(g, momentum, buf._data) if group["nesterov"] else buf._data
        return _add_scaled(p._data, -_scalar(group["lr"]), g)

