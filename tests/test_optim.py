"""autograd_core.optim against torch.optim (the oracle): the same start, gradients and options give
the same parameters after every one of 10 steps (float32, within the torch oracle's tolerance);
argument errors, param_groups, zero_grad, reprs and versions as torch's; a model trained end to end with each library's autograd follows the same loss curve."""
import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core import nn, optim
from torch_oracle import TORCH_SQRT_NEARLY_IEEE, assert_close

STEPS = 10


def _start(seed=0, dtype=np.float32):
    """The starting values of two parameters (a matrix and a vector)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(3).astype(dtype)]


def _gradients(seed=1, dtype=np.float32):
    """A fixed sequence of gradients, one per step and parameter: both optimisers get the very same
    inputs, so any difference comes from the update arithmetic alone."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(a.shape).astype(dtype) for a in _start()] for _ in range(STEPS)]


def _run(lib, opt_name, kwargs, groups=None, dtype=np.float32):
    """STEPS optimiser steps fed with _gradients(); returns the parameters after each step."""
    o = torch.optim if lib is torch else optim
    params = [lib.tensor(a.copy(), requires_grad=True) for a in _start(dtype=dtype)]
    opt = getattr(o, opt_name)(groups(params) if groups else params, **kwargs)
    history = []
    for grads in _gradients(dtype=dtype):
        opt.zero_grad()
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g.copy())
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt, params


SGD_CASES = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.02, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
    {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True},
]
ADAM_CASES = [
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]


@pytest.mark.parametrize("name, kwargs", [("SGD", k) for k in SGD_CASES] + ADAM_CASES,
                         ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()))
def test_parameters_match_torch_step_by_step(name, kwargs):
    ours, _, _ = _run(ac, name, kwargs)
    theirs, _, _ = _run(torch, name, kwargs)
    # SGD's update is bit-exact; Adam's square root and division round as ATen's only mostly
    exact = name == "SGD"
    for step, (o, t) in enumerate(zip(ours, theirs)):
        for a, b in zip(o, t):
            assert_close(a, b, f"after step {step + 1}", exact=exact)
    assert not np.allclose(ours[-1][0], _start()[0])  # something was learned


@pytest.mark.parametrize("name, kwargs", [("SGD", k) for k in SGD_CASES] + [
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}), ("Adagrad", {"lr": 0.1, "weight_decay": 0.1})],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()))
def test_float64_updates_match_torch_bit_for_bit(name, kwargs):
    """float64 parameters: ATen's add(alpha=) and addcmul are fused multiply-adds in float64 too (two
    roundings differed from torch in the first step of every SGD case)."""
    ours, _, _ = _run(ac, name, kwargs, dtype=np.float64)
    theirs, _, _ = _run(torch, name, kwargs, dtype=np.float64)
    for step, (o, t) in enumerate(zip(ours, theirs)):
        for a, b in zip(o, t):
            assert_close(a, b, f"after step {step + 1}", exact=name == "SGD" or step == 0)


def test_state_buffers_match_torch():
    for name, kwargs, keys in (("SGD", {"lr": 0.05, "momentum": 0.9}, ["momentum_buffer"]),
                               ("Adam", {"lr": 0.01, "amsgrad": True},
                                ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"])):
        _, o_opt, o_params = _run(ac, name, kwargs)
        _, t_opt, t_params = _run(torch, name, kwargs)
        for op, tp in zip(o_params, t_params):
            o_state, t_state = o_opt.state[op], t_opt.state[tp]
            assert sorted(o_state) == sorted(t_state) == sorted(keys)
            for k in keys:
                assert_close(o_state[k], t_state[k], k)


def test_per_group_options_match_torch():
    def groups(params):
        return [{"params": [params[0]], "lr": 0.1, "momentum": 0.5}, {"params": [params[1]]}]

    ours, o_opt, _ = _run(ac, "SGD", {"lr": 0.01, "momentum": 0.9}, groups=groups)
    theirs, t_opt, _ = _run(torch, "SGD", {"lr": 0.01, "momentum": 0.9}, groups=groups)
    for a, b in zip(ours[-1], theirs[-1]):
        assert_close(a, b)
    assert [sorted(g) for g in o_opt.param_groups] == [sorted(g) for g in t_opt.param_groups]
    assert [{k: v for k, v in g.items() if k != "params"} for g in o_opt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in t_opt.param_groups]
    assert repr(o_opt) == repr(t_opt)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_repr_and_defaults_equal_torchs(name):
    o = getattr(optim, name)([ac.zeros(2, requires_grad=True)], lr=0.1)
    t = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], lr=0.1)
    assert repr(o) == repr(t)
    assert o.defaults == t.defaults


def test_parameters_without_grad_are_skipped_and_untouched():
    used, unused = ac.ones(2, requires_grad=True), ac.ones(2, requires_grad=True)
    for opt in (optim.SGD([used, unused], lr=0.1, momentum=0.9), optim.Adam([used, unused], lr=0.1)):
        v = unused._version
        opt.zero_grad()
        (used * 2).sum().backward()
        opt.step()
        assert unused.grad is None and unused.tolist() == [1.0, 1.0] and unused._version == v
        assert unused not in opt.state


def test_step_bumps_version_builds_no_graph_and_catches_stale_saved_tensors():
    for lib, o in ((ac, optim), (torch, torch.optim)):
        w = lib.ones(3, requires_grad=True)
        opt = o.SGD([w], lr=0.1)
        y = (w * w).sum()  # saves w for backward
        y.backward(retain_graph=True)
        v = w._version
        opt.step()
        assert w._version == v + 1
        assert w.grad_fn is None and w.is_leaf and w.requires_grad
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
                                          ("Adam", {"weight_decay": 0.1}), ("AdamW", {})])
def test_versions_after_steps_equal_torchs(name, kwargs):
    versions = []
    for lib, o in ((torch, torch.optim), (ac, optim)):
        w = lib.ones(3, requires_grad=True)
        opt = getattr(o, name)([w], **kwargs)
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        versions.append(w._version)
    assert versions[1] == versions[0]


def test_zero_grad_set_to_none_or_zeros():
    w = ac.ones(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_step_with_closure_returns_the_loss():
    w = ac.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ac.no_grad():  # the closure still builds its graph, as torch's step does
        loss = opt.step(closure)
    assert loss.item() == 4.0 and w.tolist() == [1.0]


@pytest.mark.parametrize("make", [
    lambda o, p: o.SGD(p, lr=-1),
    lambda o, p: o.SGD(p, lr=0.1, momentum=-0.5),
    lambda o, p: o.SGD(p, lr=0.1, weight_decay=-1),
    lambda o, p: o.SGD(p, lr=0.1, nesterov=True),
    lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    lambda o, p: o.Adam(p, lr=-0.5),
    lambda o, p: o.Adam(p, eps=-1e-8),
    lambda o, p: o.Adam(p, betas=(1.0, 0.999)),
    lambda o, p: o.Adam(p, betas=(0.9, -0.1)),
    lambda o, p: o.Adam(p, weight_decay=-2),
    lambda o, p: o.SGD([], lr=0.1),
    lambda o, p: o.SGD(p[0], lr=0.1),
    lambda o, p: o.SGD([p[0], 3], lr=0.1),
    lambda o, p: o.SGD([{"params": p}, {"params": p[:1]}], lr=0.1),
    lambda o, p: o.SGD([p[0] * 2], lr=0.1),
    lambda o, p: o.SGD([{"params": {p[0]}}], lr=0.1),
])
def test_argument_errors_are_torchs(make):
    errors = []
    for lib, o in ((torch, torch.optim), (ac, optim)):
        params = [lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)]
        with pytest.raises(Exception) as e:
            make(o, params)
        errors.append((type(e.value), str(e.value)))
    assert errors[1] == errors[0]


def test_state_dict_round_trip_continues_identically():
    def fresh():
        ac.manual_seed(0)
        return nn.Linear(3, 2)

    x, y = ac.randn(5, 3), ac.randn(5, 2)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()

    a = fresh()
    opt_a = optim.Adam(a.parameters(), lr=0.01)
    train(a, opt_a, 3)
    sd = opt_a.state_dict()
    assert sorted(sd) == ["param_groups", "state"] and sd["param_groups"][0]["params"] == [0, 1]
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    b = fresh()
    b.load_state_dict(a.state_dict())
    opt_b = optim.Adam(b.parameters(), lr=0.5)
    opt_b.load_state_dict(sd)
    assert opt_b.param_groups[0]["lr"] == 0.01
    train(a, opt_a, 2)
    train(b, opt_b, 2)
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())


def test_training_a_model_reduces_the_loss_like_torch():
    """A small regression net trained with our SGD and with torch's from the same weights."""
    torch.manual_seed(0)
    t_model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    o_model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    o_model.load_state_dict({k: ac.tensor(v.numpy()) for k, v in t_model.state_dict().items()})
    x = torch.randn(32, 2)
    y = (x[:, :1] * 2 - x[:, 1:]).sin()
    losses = []
    for lib, model, xs, ys, o in ((torch, t_model, x, y, torch.optim),
                                  (ac, o_model, ac.tensor(x.numpy()), ac.tensor(y.numpy()), optim)):
        opt = o.SGD(model.parameters(), lr=0.1, momentum=0.9)
        history = []
        for _ in range(20):
            opt.zero_grad()
            loss = ((model(xs) - ys) ** 2).mean()
            loss.backward()
            opt.step()
            history.append(loss.item())
        losses.append(history)
    # gradients now come from each library's own autograd (float32 sums may round differently)
    assert_close(losses[1], losses[0])
    assert losses[1][-1] < 0.8 * losses[1][0]


def _elementwise_run(m, name, kw, steps=40):
    """A seeded model whose forward and backward are elementwise ops and sums (this engine's digits are
    torch's there), trained by optimizer `name`: the losses and the final weights."""
    m.manual_seed(0)
    w, b = m.randn(50, requires_grad=True), m.zeros(1, requires_grad=True)
    x, y = m.randn(50), m.randn(50)
    opt = getattr(m.optim, name)([w, b], **kw)
    losses = []
    for _ in range(steps):
        loss = ((w * x + b - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, w.detach().numpy().copy(), b.detach().numpy().copy()


@pytest.mark.parametrize("name, kw", [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1)), ("Adam", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)), ("Adam", dict(lr=1e-2, amsgrad=True)),
    ("Adam", dict(lr=1e-2, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5, centered=True)), ("Adagrad", dict(lr=0.1)),
    pytest.param("RMSprop", dict(lr=1e-2), marks=pytest.mark.xfail(TORCH_SQRT_NEARLY_IEEE, strict=True, reason=(
        "square_avg.sqrt(): torch's float32 sqrt is MKL's, 1 ulp below IEEE's for 0.7% of inputs")))])
def test_optimizers_step_as_torch_bit_for_bit(name, kw):
    """40 steps from torch.manual_seed(0): every loss item and the final weights equal torch's."""
    ours, theirs = _elementwise_run(ac, name, kw), _elementwise_run(torch, name, kw)
    if name in ("Adam", "AdamW", "RMSprop", "Adagrad") and not TORCH_SQRT_NEARLY_IEEE:
        # their steps divide by a float32 sqrt, which torch takes with MKL's vector math: an ulp from
        # IEEE's (ours) for 17% of inputs on some CPUs (see torch_oracle); 40 steps stay within the
        # float32 tolerance
        assert_close(ours, theirs)
        return
    assert ours[0] == theirs[0]
    for a, b in zip(ours[1:], theirs[1:]):
        assert a.tobytes() == b.tobytes()
