"""Optimizer: parameter groups, per-parameter state, zero_grad, state_dict (torch.optim.Optimizer).

Subclasses implement ``_update(group, param, grad)``, which returns the new value of the
parameter as a numpy array computed in its dtype, in PyTorch's order of operations (so that results
match torch's to float32 rounding). ``step`` writes it in place under no_grad, bumping the
parameter's version as PyTorch's in-place update does; parameters whose .grad is None are skipped.
"""
import copy
import warnings
from collections import defaultdict

import numpy as np

from .. import _numerics as K
from .._graph import enable_grad, no_grad
from .._tensor import Tensor, _make
from ..nn.parameter import clear_grads


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return "torch." + obj.dtype._legacy
    return type(obj).__qualname__


class Optimizer:
    """Holds ``param_groups`` (a list of dicts: 'params' plus this group's options) and ``state``
    (a dict per parameter, e.g. a momentum buffer)."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            "or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group (a dict with 'params' and optional per-group options; the rest default)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list "
                            "instead.")
        else:
            param_group["params"] = list(params)
        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        if names:
            if len(names) != len(param_group["params"]):
                raise ValueError("all optimizer params should be with/without names. Some param names "
                                 "are missing")
            param_group["param_names"] = names
            param_group["params"] = [p[1] for p in param_group["params"]]
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                          "more information", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if seen & set(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's .grad: to None (the default), or to zeros in place."""
        for group in self.param_groups:
            clear_grads(group["params"], set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a .grad (closure: re-evaluates and returns the loss)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    new = self._update(group, p, p.grad._data)
                    p.copy_(_make(new, None, False))
        return loss

    def _update(self, group, param, grad):
        """The parameter's new value (a numpy array), given its gradient; may update self.state[param]."""
        raise NotImplementedError

    # --- saving and loading -------------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [indices]}]}, the
        parameters numbered in group order, as PyTorch does."""
        index, groups, start = {}, [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = list(range(start, start + len(group["params"])))
            index.update({id(p): i for p, i in zip(group["params"], ids)})
            packed["params"] = ids
            start += len(ids)
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups, saved_groups = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the "
                             "size of optimizer's group")
        by_index = {i: p for g, s in zip(groups, saved_groups) for i, p in zip(s["params"], g["params"])}
        self.state = defaultdict(dict)
        for i, values in state_dict["state"].items():
            if i in by_index:
                self.state[by_index[i]] = {k: _copy_value(v) for k, v in values.items()}
        self.param_groups = [dict(s, params=g["params"]) for g, s in zip(groups, saved_groups)]

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _copy_value(v):
    if isinstance(v, Tensor):
        return _make(np.array(v._data, copy=True), None, False)
    return copy.deepcopy(v)


def _buffer(array):
    """A state tensor (momentum buffer, moment estimates) holding a copy of array."""
    return _make(np.array(array, copy=True), None, False)


def _start_state(state, p, *moments):
    """A parameter's first step: torch's step counter (a float32 tensor), then each named moment buffer,
    zeros shaped as p (state_dict keeps this order)."""
    state["step"] = _buffer(np.float32(0.0))
    for name in moments:
        state[name] = _buffer(np.zeros_like(p._data))


def _check_weight_decay(weight_decay):
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _check_lr(lr):
    """torch's checks of a learning rate: a Tensor lr has one element; no lr is negative."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= _scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas_eps(betas, eps):
    """torch's checks of eps and betas, in its order (Adam's family)"""
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _scalar(x):
    """A Python number or a one-element Tensor (PyTorch allows Tensor lr) as a float."""
    return float(x.item()) if isinstance(x, Tensor) else x


def _add_scaled(x, alpha, y, z=None):
    """x + alpha * y (times z) as PyTorch's CPU kernels for add(alpha=) and addcmul compute it: one
    fused multiply-add (_numerics.add_scaled, addcmul)."""
    return K.add_scaled(x, y, alpha) if z is None else K.addcmul(x, y, z, alpha)
