"""hunt16: functions and optimizers students reach for, against torch 2.13 (the oracle): values
(bit for bit where the engine computes as ATen does), grad_fn names, reprs and errors."""
import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core import optim
from test_optim import _run
from torch_oracle import assert_close

# --- optimizers: Adadelta, Adamax, NAdam, RAdam --------------------------------------------------------
NEW_OPTIMIZER_CASES = [
    ("Adadelta", {}), ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}), ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}), ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "momentum_decay": 0.01}),
    ("RAdam", {}), ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "betas": (0.9, 0.9)}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", NEW_OPTIMIZER_CASES,
                         ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()))
def test_new_optimizers_match_torch_step_by_step(name, kwargs, dtype):
    """10 steps fed the same gradients: float64 bit for bit; float32 too for Adamax (no square root:
    torch's sqrt is MKL's, 1 ulp off IEEE's for a fifth of float32 inputs and about 1% of float64
    ones on an AVX-512 machine; Adadelta's state, two roots a step, shows the float64 ones)"""
    ours, o_opt, _ = _run(ac, name, kwargs, dtype=dtype)
    theirs, t_opt, _ = _run(torch, name, kwargs, dtype=dtype)
    exact = dtype == np.float64 or name == "Adamax"
    for step, (o, t) in enumerate(zip(ours, theirs)):
        for a, b in zip(o, t):
            assert_close(a, b, f"after step {step + 1}", exact=exact)
    o_state, t_state = o_opt.state_dict(), t_opt.state_dict()
    assert o_state["param_groups"] == t_state["param_groups"]
    for i in (0, 1):
        assert sorted(o_state["state"][i]) == sorted(t_state["state"][i])
        for key, value in t_state["state"][i].items():
            assert_close(o_state["state"][i][key], value, key, exact=exact and name != "Adadelta")
    assert repr(o_opt) == repr(t_opt)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam"])
def test_new_optimizers_state_dict_round_trip_continues_identically(name):
    steps, _, _ = _run(ac, name, {"lr": 0.05})
    _, opt, params = _run(ac, name, {"lr": 0.05})
    twin = [ac.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    twin_opt = getattr(optim, name)(twin, lr=1.0)
    twin_opt.load_state_dict(opt.state_dict())
    assert twin_opt.param_groups[0]["lr"] == 0.05
    for a, b in ((opt, params), (twin_opt, twin)):
        for p in b:
            p.grad = ac.ones_like(p)
        a.step()
    for p, q in zip(params, twin):
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()
    assert not np.array_equal(params[0].detach().numpy(), steps[-1][0])


@pytest.mark.parametrize("make", [
    lambda o, p: o.Adadelta(p, lr=-1), lambda o, p: o.Adadelta(p, rho=1.5),
    lambda o, p: o.Adadelta(p, eps=-1), lambda o, p: o.Adadelta(p, weight_decay=-1),
    lambda o, p: o.Adamax(p, betas=(1.0, 0.9)), lambda o, p: o.Adamax(p, eps=-1e-8),
    lambda o, p: o.NAdam(p, momentum_decay=-1), lambda o, p: o.NAdam(p, betas=(0.9, 1.0)),
    lambda o, p: o.RAdam(p, weight_decay=-0.1), lambda o, p: o.RAdam(p, lr=-0.1),
])
def test_new_optimizers_argument_errors_are_torchs(make):
    errors = []
    for lib, o in ((torch, torch.optim), (ac, optim)):
        with pytest.raises(Exception) as e:
            make(o, [lib.ones(2, requires_grad=True)])
        errors.append((type(e.value), str(e.value)))
    assert errors[1] == errors[0]
