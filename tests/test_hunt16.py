"""hunt16: functions and optimizers students reach for, against torch 2.13 (the oracle): values
(bit for bit where the engine computes as ATen does), grad_fn names, reprs and errors."""
import warnings

import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core import optim
from test_optim import _run
from torch_oracle import assert_close, difference, plain


def _outcome(lib, f, arrays, grad):
    """f(lib, *tensors): the result, its grad_fn's name and the gradients of sum(result) for the
    float arrays numbered in grad; or the error's type and message"""
    tensors = [lib.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
    try:
        out = f(lib, *tensors)
    except Exception as e:  # noqa: BLE001 (the error is the outcome)
        return type(e).__name__, str(e)
    outs = out if isinstance(out, tuple) else (out,)
    names = [type(o.grad_fn).__name__ if o.grad_fn is not None else None for o in outs]
    wanted = [tensors[i] for i in grad]
    grads = None
    if grad and any(o.requires_grad for o in outs):
        total = sum(o.sum() * (k + 1) for k, o in enumerate(outs) if o.requires_grad)
        grads = lib.autograd.grad(total, wanted, allow_unused=True)
    return tuple(outs), names, grads


def check(f, *arrays, grad=(0,), exact=True):
    """f on autograd_core and on torch: the same values (bit for bit when exact), grad_fn names,
    gradients, or errors"""
    ours, theirs = (_outcome(lib, f, arrays, grad) for lib in (ac, torch))
    d = difference(plain(ours), plain(theirs), exact=exact)
    assert d is None, d
    return ours

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


# --- learning-rate schedulers -----------------------------------------------------------------------------
SCHEDULES = [
    ("StepLR", lambda s, o: s.StepLR(o, step_size=3, gamma=0.5), "SGD"),
    ("MultiStepLR", lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), "SGD"),
    ("ExponentialLR", lambda s, o: s.ExponentialLR(o, gamma=0.9), "SGD"),
    ("LambdaLR", lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e), "SGD"),
    ("CosineAnnealingLR", lambda s, o: s.CosineAnnealingLR(o, T_max=4, eta_min=0.001), "SGD"),
    ("LinearLR", lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4), "SGD"),
    ("LinearLR-down", lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6), "SGD"),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=13), "SGD"),
    ("OneCycleLR-linear-3", lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 0.2], epochs=3, steps_per_epoch=4,
                                                      anneal_strategy="linear", three_phase=True), "Adam"),
    ("SequentialLR", lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=3),
                                                     s.CosineAnnealingLR(o, T_max=5)], milestones=[3]), "SGD"),
    ("SequentialLR-3", lambda s, o: s.SequentialLR(o, [s.ExponentialLR(o, gamma=0.5), s.StepLR(o, 2),
                                                       s.ExponentialLR(o, gamma=0.8)], milestones=[2, 6]), "SGD"),
]


def _schedule(lib, make, opt_name, steps=12):
    """get_last_lr() (and each group's momentum or betas) after construction and after every step"""
    w, v = lib.ones(2, requires_grad=True), lib.ones(1, requires_grad=True)
    kwargs = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = getattr(lib.optim, opt_name)([{"params": [w]}, {"params": [v], "lr": 0.05}], lr=0.1, **kwargs)
    scheduler = make(lib.optim.lr_scheduler, opt)
    seen = [(scheduler.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups])]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        seen.append((scheduler.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return seen, scheduler


@pytest.mark.parametrize("name, make, opt_name", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedulers_give_torchs_rates_to_the_last_bit(name, make, opt_name):
    ours, o_sched = _schedule(ac, make, opt_name)
    theirs, t_sched = _schedule(torch, make, opt_name)
    assert ours == theirs  # (Python floats: equal means bit for bit)
    assert o_sched.last_epoch == t_sched.last_epoch


def test_reduce_lr_on_plateau_as_torchs():
    metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 0.4, 0.41]
    seen = []
    for lib in (torch, ac):
        opt = lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=0.1)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.01)
        lrs = [sched.get_last_lr()]
        for m in metrics:
            sched.step(lib.tensor(m))
            lrs.append(sched.get_last_lr())
        seen.append((lrs, sched.num_bad_epochs, sched.best, sched.last_epoch))
    assert seen[1] == seen[0]


@pytest.mark.parametrize("make", [
    lambda s, o: s.LinearLR(o, start_factor=0), lambda s, o: s.LinearLR(o, end_factor=2.0),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1), lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=0),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=5, pct_start=1),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=5, anneal_strategy="exp"),
    lambda s, o: s.ReduceLROnPlateau(o, factor=1.0), lambda s, o: s.ReduceLROnPlateau(o, mode="up"),
    lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2)], milestones=[3]),
    lambda s, o: s.StepLR([1.0], 2),
])
def test_scheduler_errors_are_torchs(make):
    errors = []
    for lib in (torch, ac):
        opt = lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=0.1)
        with pytest.raises(Exception) as e:
            make(lib.optim.lr_scheduler, opt)
        errors.append((type(e.value), str(e.value)))
    assert errors[1] == errors[0]


def test_one_cycle_refuses_a_step_past_the_end_and_step_epoch_uses_the_closed_form():
    for lib in (torch, ac):
        opt = lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=0.1, momentum=0.9)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
        opt.step()
        sched.step()
        sched.step()
        with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of total steps is 2"):
            sched.step()
    lrs = []
    for lib in (torch, ac):
        opt = lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=0.1)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        opt.step()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
            sched.step(5)
        lrs.append(sched.get_last_lr())
    assert lrs[1] == lrs[0]


# --- cross_entropy / nll_loss on (N, C, d1, ...) ----------------------------------------------------------
def _segmentation(shape, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    t = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    if t.size:
        t.reshape(-1)[0], t.reshape(-1)[-1] = -100, 2
    probs = rng.random(shape).astype(dtype)
    return x, t, probs / probs.sum(1, keepdims=True), rng.random(shape[1]).astype(dtype)


CE_OPTIONS = [{}, {"reduction": "sum"}, {"reduction": "none"}, {"ignore_index": 2}, {"label_smoothing": 0.1},
              {"label_smoothing": 0.2, "ignore_index": 2, "reduction": "sum"}, {"weight": True},
              {"weight": True, "label_smoothing": 0.1, "reduction": "none"}]


@pytest.mark.parametrize("shape", [(3, 4, 5, 2), (3, 4, 5), (2, 4, 3, 2, 2), (2, 3, 20, 30), (0, 3, 2), (2, 3, 0, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_over_extra_dims_is_torchs_bit_for_bit(shape, dtype):
    """class indices: NllLoss2DBackward0 (a 3-d or 5-d input viewed as 4-d, as ATen's nll_loss_nd
    does; 'none' viewed back), its sums in ATen's cascade; class probabilities over dim 1"""
    x, t, probs, w = _segmentation(shape, dtype=dtype)
    for options in CE_OPTIONS:
        def loss(m, x, target, options=options):
            kw = dict(options, weight=m.tensor(w)) if "weight" in options else options
            return m.nn.functional.cross_entropy(x, target, **kw)
        check(loss, x, t)
        if "ignore_index" not in options:
            check(loss, x, probs, exact=False)  # (a sum over classes: numpy's order, not ATen's)
    check(lambda m, x, t: m.nn.CrossEntropyLoss(ignore_index=1)(x, t), x, t)


@pytest.mark.parametrize("target_shape", [(2, 3), (2, 4), (1, 4, 5), (2, 4, 6), (2, 4, 5, 1)])
def test_nll_loss_over_extra_dims_refuses_as_torch(target_shape):
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    t = np.zeros(target_shape, dtype=np.int64)
    check(lambda m, x, t: m.nn.functional.nll_loss(x, t), x, t)
    check(lambda m, x, t: m.nn.functional.nll_loss(x, t), x[..., 0], t)
    check(lambda m, x, t: m.nn.functional.nll_loss(x, t, weight=m.ones(4, dtype=m.float64)), x, t)
    check(lambda m, x, t: m.nn.functional.nll_loss(x, t, weight=m.ones(3)), x, np.full((2, 4, 5), 7))


def test_nll_loss_2d_second_derivatives_within_tolerance():
    x, t, _, w = _segmentation((2, 3, 4, 5), seed=3, dtype=np.float64)
    grads = []
    for m in (ac, torch):
        xt = m.tensor(x, requires_grad=True)
        loss = m.nn.functional.cross_entropy(xt, m.tensor(t), weight=m.tensor(w, dtype=m.float64), label_smoothing=0.1)
        (g,) = m.autograd.grad(loss, xt, create_graph=True)
        grads.append((type(g.grad_fn).__name__, m.autograd.grad((g * g).sum(), xt)[0]))
    assert_close(grads[0], grads[1])


# --- activations: selu (elu's row), hardswish, prelu ---------------------------------------------------
def _activation_input(n, dtype, seed=0):
    x = (np.random.default_rng(seed).standard_normal(n) * 4).astype(dtype)
    x[:4] = [-3.0, 3.0, 0.0, -0.0]
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [5, 37, 1000])
def test_hardswish_and_prelu_are_torchs_bit_for_bit(n, dtype):
    x = _activation_input(n, dtype)
    check(lambda m, x: m.nn.functional.hardswish(x), x)
    check(lambda m, x: m.nn.Hardswish()(x * 1), x)
    w = np.array([0.25, -0.5, 1.5], dtype)
    x3 = x[:n - n % 3].reshape(-1, 3)
    check(lambda m, x, w: m.nn.functional.prelu(x, w), x3, w, grad=(0, 1))
    check(lambda m, x, w: m.nn.functional.prelu(x, w), x3, w[:1], grad=(0, 1))
    check(lambda m, x, w: m.nn.functional.prelu(x.reshape(1, 3, -1), w), x3.T.copy(), w, grad=(0, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_selu_and_elu_as_torchs(dtype):
    """EluBackward0 with selu's alpha and scale (grad_fn._saved_*); the gradient bit for bit, the values
    to the last bit but for SLEEF's expm1 (1 ulp off for about 1 in 1000 float32 inputs)"""
    x = _activation_input(1000, dtype)
    for f in (lambda m, x: m.nn.functional.selu(x), lambda m, x: m.nn.SELU()(x * 1),
              lambda m, x: m.nn.functional.elu(x, 0.3)):
        check(f, x, exact=False)
        grads = [m.autograd.grad(f(m, xt).sum(), xt)[0]
                 for m in (ac, torch) for xt in [m.tensor(x, requires_grad=True)]]
        assert_close(grads[0], grads[1], exact=True)
    saved = [(y.grad_fn._saved_alpha, y.grad_fn._saved_scale, y.grad_fn._saved_input_scale)
             for m in (ac, torch) for y in [m.nn.functional.selu(m.zeros(2, requires_grad=True))]]
    assert saved[0] == saved[1]


def test_activation_modules_and_errors_as_torchs():
    for m in (ac, torch):
        assert repr(m.nn.PReLU()) == "PReLU(num_parameters=1)" and repr(m.nn.SELU(inplace=True)) == "SELU(inplace=True)"
        assert repr(m.nn.Hardswish(inplace=True)) == "Hardswish()"
    assert ac.nn.PReLU(3, init=0.1).weight.tolist() == torch.nn.PReLU(3, init=0.1).weight.tolist()
    assert [n for n, _ in ac.nn.PReLU(2).named_parameters()] == ["weight"]
    x = np.zeros((2, 3, 4), np.float32)
    for bad in (np.ones(4, np.float32), np.ones((3, 1), np.float32)):
        check(lambda m, x, w: m.nn.functional.prelu(x, w), x, bad)
    check(lambda m, w: m.nn.functional.prelu(m.tensor(1.0), w), np.ones(3, np.float32))
    check(lambda m, x: m.nn.functional.hardswish(x), np.array([1, 2]), grad=())
    check(lambda m, x: m.nn.functional.prelu(x, m.tensor([1])), np.array([1, 2]), grad=())


# --- kl_div / KLDivLoss ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", [{}, {"reduction": "batchmean"}, {"reduction": "sum"}, {"reduction": "none"},
                                     {"reduction": "batchmean", "log_target": True}, {"log_target": True}])
def test_kl_div_is_torchs(options, dtype):
    """xlogy(t, t) - t x (or exp(t) (t - x)), reduced ('batchmean': summed, then divided by the batch
    size): values and d/d input bit for bit; d/d target within tolerance (three gradients meet in the
    target's leaf, and their sum rounds as this engine adds them)"""
    rng = np.random.default_rng(0)
    x = np.log(rng.dirichlet(np.ones(5), 4)).astype(dtype)
    t = rng.dirichlet(np.ones(5), 4).astype(dtype)
    t[0, 0] = 0
    if options.get("log_target"):
        t = np.log(t + 0.01).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ('mean' warns in both)
        check(lambda m, x, t: m.nn.functional.kl_div(x, t, **options), x, t)
        check(lambda m, x, t: m.nn.KLDivLoss(**options)(x, t), x, t)
        check(lambda m, x, t: m.nn.functional.kl_div(x, t, **options), x, t, grad=(0, 1), exact=False)


def test_kl_div_warnings_and_errors_are_torchs():
    x, t = np.zeros((2, 3), np.float32), np.full((2, 3), 1 / 3, np.float32)
    messages = []
    for m in (ac, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.nn.functional.kl_div(m.tensor(x), m.tensor(t))
        messages.append([(w.category, str(w.message), w.filename) for w in caught])
        assert m.nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
    assert messages[0] == messages[1] and messages[0][0][2] == __file__
    check(lambda m, x, t: m.nn.functional.kl_div(x, t, reduction="foo"), x, t)
    check(lambda m, x, t: m.nn.KLDivLoss(reduction="foo")(x, t), x, t)
    check(lambda m, x: m.nn.functional.kl_div(x, m.tensor([1, 2, 3]), reduction="sum"), x)
    check(lambda m, x, t: m.nn.functional.kl_div(x.sum(), t.sum(), reduction="batchmean"), x, t)


# --- std_mean / var_mean ------------------------------------------------------------------------------------
SPREAD_OPTIONS = [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"correction": 0},
                  {"unbiased": False, "dim": -1}, {"dim": 0, "correction": 2}]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
def test_std_mean_and_var_mean_are_torchs_bit_for_bit(name, dtype):
    """one node of two outputs (StdMeanBackward0 / VarMeanBackward0), both from ATen's one Welford
    pass: values, gradients of either output or both, and second derivatives"""
    x = (np.random.default_rng(0).standard_normal((3, 4, 5)) * 3 + 1).astype(dtype)
    for options in SPREAD_OPTIONS:
        check(lambda m, x: getattr(m, name)(x, **options), x)
        check(lambda m, x: getattr(m, name)(x, **options)[1] * 3, x)
        check(lambda m, x: getattr(m, name)(x, **options)[0] ** 2, x)
    seconds = []
    for m in (ac, torch):
        xt = m.tensor(x, requires_grad=True)
        spread, mean = getattr(m, name)(xt, dim=1)
        (g,) = m.autograd.grad((spread * mean).sum(), xt, create_graph=True)
        seconds.append(m.autograd.grad((g * g).sum(), xt))
    assert_close(seconds[0], seconds[1], exact=True)


def test_std_mean_edge_cases_as_torchs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (degrees of freedom <= 0: both warn)
        check(lambda m, x: m.std_mean(x, dim=1), np.ones((2, 0)))
        check(lambda m, x: m.std_mean(x), np.ones(1))
    check(lambda m, x: m.var_mean(x, 1, True), np.arange(12.0).reshape(3, 4))
    check(lambda m, x: m.var_mean(x), np.arange(3), grad=())
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    s, mu = ac.std_mean(x)
    assert s.grad_fn is mu.grad_fn and repr(s) == repr(torch.std_mean(torch.tensor([1.0, 2.0], requires_grad=True))[0])


# --- linalg: vector_norm, matrix_norm, norm, inv --------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linalg_norms_are_torchs_bit_for_bit(dtype):
    """LinalgVectorNormBackward0 (and AmaxBackward0 / AminBackward0 over it for matrix 1- and inf-norms),
    values, gradients and second derivatives; the errors of bad orders and dims"""
    rng = np.random.default_rng(0)
    a, v, b = (rng.standard_normal(s).astype(dtype) for s in ((3, 4), (7,), (2, 3, 4)))
    inf = float("inf")
    for f, x in [(lambda m, x: m.linalg.vector_norm(x), b), (lambda m, x: m.linalg.vector_norm(x, 3, 1), b),
                 (lambda m, x: m.linalg.vector_norm(x, inf, (0, 2), True), b),
                 (lambda m, x: m.linalg.vector_norm(x, 0.5), v), (lambda m, x: m.linalg.vector_norm(x, -inf), v),
                 (lambda m, x: m.linalg.norm(x), b), (lambda m, x: m.linalg.norm(x, 3), v),
                 (lambda m, x: m.linalg.norm(x, "fro"), a), (lambda m, x: m.linalg.norm(x, inf), a),
                 (lambda m, x: m.linalg.norm(x, -inf, keepdim=True), a), (lambda m, x: m.linalg.norm(x, 1), a),
                 (lambda m, x: m.linalg.norm(x, -1, (2, 0)), b), (lambda m, x: m.linalg.norm(x, inf, (1, 2), True), b),
                 (lambda m, x: m.linalg.norm(x, dim=1), b), (lambda m, x: m.linalg.matrix_norm(x), b),
                 (lambda m, x: m.linalg.norm(x, 2), b), (lambda m, x: m.linalg.matrix_norm(x, 3), a),
                 (lambda m, x: m.linalg.matrix_norm(x, "foo"), a), (lambda m, x: m.linalg.matrix_norm(x), v),
                 (lambda m, x: m.linalg.norm(x, dim=(0, 1, 1)), b), (lambda m, x: m.linalg.vector_norm(x, "fro"), a)]:
        check(f, x)
        check(lambda m, x: (lambda y: m.autograd.grad(y.sum(), x, create_graph=True)[0] ** 2)(f(m, x)), x)
    check(lambda m, x: m.linalg.vector_norm(x), np.array([1, 2]), grad=())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linalg_inv_as_torchs(dtype):
    """LinalgInvExBackward0 from linalg.inv, torch.inverse and Tensor.inverse; values within tolerance
    (LAPACK's, numpy's, against MKL's), the singular and other refusals in torch's words"""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3)).astype(dtype) + 3 * np.eye(3, dtype=dtype)
    b = rng.standard_normal((2, 4, 4)).astype(dtype) + 3 * np.eye(4, dtype=dtype)
    for f, x in [(lambda m, x: m.linalg.inv(x), a), (lambda m, x: m.inverse(x), b), (lambda m, x: x.inverse() * 2, a)]:
        check(f, x, exact=False)
        check(lambda m, x: (lambda y: m.autograd.grad(y.sum(), x, create_graph=True)[0] ** 2)(f(m, x)), x, exact=False)
    for x in [np.array([[1.0, 2.0], [2.0, 4.0]]), np.zeros((2, 3, 3)), np.ones((2, 3)), np.ones(3),
              np.eye(2, dtype=np.int64), np.array([[0.0, 1.0], [1.0, 0.0]])]:
        check(lambda m, x: m.linalg.inv(x), x, grad=())
    with pytest.raises(ac.linalg.LinAlgError):
        ac.linalg.inv(ac.zeros(2, 2))


# --- index_put / index_put_ ---------------------------------------------------------------------------------
@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_index_put_is_torchs(accumulate, dtype):
    """IndexPutBackward0 (its _saved_accumulate): a repeated index adds each time with accumulate;
    torch.index_put, Tensor.index_put and index_put_, values broadcast, gradients of both inputs"""
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((3, 3)).astype(dtype)
    for f in [lambda m, x, v: m.index_put(x * 1, (m.tensor([0, 2, 0]),), v, accumulate=accumulate),
              lambda m, x, v: (x * 1).index_put_((m.tensor([0, 2, 0]),), v, accumulate),
              lambda m, x, v: (x * 1).index_put((m.tensor([0, 2, 0]), m.tensor([1, 1, 2])), v[0], accumulate),
              lambda m, x, v: (x * 1).index_put_([m.tensor([[True, False, True]] * 4)], v[0, 0], accumulate),
              lambda m, x, v: x.index_put((m.tensor([3]),), v[2:], accumulate=accumulate)]:
        check(f, x, v, grad=(0, 1))
    saved = [m.zeros(3, requires_grad=True).index_put((m.tensor([1]),), m.tensor(2.0), accumulate).grad_fn._saved_accumulate
             for m in (ac, torch)]
    assert saved[0] == saved[1] == accumulate


def test_index_put_refuses_as_torch():
    x, v = np.zeros((4, 3), np.float32), np.ones((3, 3), np.float32)
    for f in [lambda m, x, v: x.index_put_((m.tensor([0, 2]),), v[:2]), lambda m, x, v: (x * 1).index_put_(m.tensor([0]), v[:1]),
              lambda m, x, v: (x * 1).index_put_((m.tensor([0, 2]),), v),
              lambda m, x, v: (x * 1).index_put_((m.tensor([0, 2]),), m.ones(2, 3, dtype=m.float64)),
              lambda m, x, v: (x * 1).index_put_((m.tensor([7]),), v[:1]),
              lambda m, x, v: (x * 1).index_put_([m.tensor([1, 3]), None], v[0, 0]),
              lambda m, x, v: m.index_put(x, (m.tensor([1, 3]), None), v[0, 0]),
              lambda m, x, v: m.index_put(x, m.tensor([1, 3]), v[0, 0])]:
        check(f, x, v, grad=(0, 1))


# --- cdist ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cdist_as_torchs(dtype):
    """CdistBackward0 (p = 1, 2, 0, inf bit for bit; other p through pow, within tolerance), and
    for p = 2 with more than 25 rows (or compute_mode asking) EuclideanDistBackward0 under a view
    (one matrix product: within tolerance); its gradient's own gradient refused as torch refuses it"""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((5, 4)).astype(dtype)
    y[0] = x[0]  # (a zero distance: its gradient is 0)
    b1, b2 = rng.standard_normal((2, 3, 4)).astype(dtype), rng.standard_normal((2, 5, 4)).astype(dtype)
    for p in (2.0, 1.0, 0.0, float("inf"), 3.0, 0.5):
        for a, b in ((x, y), (b1, b2)):
            check(lambda m, a, b: m.cdist(a, b, p=p), a, b, grad=(0, 1), exact=p in (2.0, 1.0, 0.0, float("inf")))
    tall = rng.standard_normal((30, 4)).astype(dtype)
    check(lambda m, a, b: m.cdist(a, b), tall, y, grad=(0, 1), exact=False)
    check(lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), b1, b2, grad=(0, 1), exact=False)
    for m in (ac, torch):
        xt = m.tensor(x, requires_grad=True)
        (g,) = m.autograd.grad(m.cdist(xt, m.tensor(y)).sum(), xt, create_graph=True)
        assert type(g.grad_fn).__name__ == "CdistBackwardBackward0"
        with pytest.raises(NotImplementedError, match="the derivative for '_cdist_backward' is not implemented."):
            m.autograd.grad(g.sum(), xt)
    for f in (lambda m, a, b: m.cdist(a, b[:, :3]), lambda m, a, b: m.cdist(a[0], b), lambda m, a, b: m.cdist(a, b, p=-1),
              lambda m, a, b: m.cdist(a, b, compute_mode="foo"), lambda m, a, b: m.cdist(3.0, b)):
        check(f, x, y)
