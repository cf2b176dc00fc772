"""autograd_core.nn against torch.nn (the oracle): the same weights give the same outputs, gradients
and grad_fn names; state_dict keys, load errors and reprs equal torch's; Linear's init bounds."""
import math
import pickle
import copy
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core import nn
import autograd_core.nn.functional as F
from torch_oracle import assert_close

HYP = settings(derandomize=True, deadline=None, max_examples=40, database=None)


def ours(t, requires_grad=False):
    """An autograd_core tensor with the values of torch tensor t."""
    return ac.tensor(t.detach().numpy().copy(), requires_grad=requires_grad)


def theirs(t, requires_grad=False):
    return torch.tensor(np.array(t.detach().numpy()), requires_grad=requires_grad)


def copy_weights(src_torch, dst_ours):
    """Load a torch module's state_dict into ours (this also exercises load_state_dict)."""
    dst_ours.load_state_dict(OrderedDict((k, ours(v)) for k, v in src_torch.state_dict().items()))


def chain(fn):
    """The grad_fn chain as nested (name, children) tuples, AccumulateGrad and None included."""
    if fn is None:
        return None
    return (fn.name(), tuple(chain(n) for n, _ in fn.next_functions))


def build(lib, kind):
    """The same architecture built with torch.nn or autograd_core.nn (init from each one's seed)."""
    n = lib.nn if lib is torch else nn
    if kind == "mlp":
        return n.Sequential(n.Linear(4, 8), n.ReLU(), n.Linear(8, 6), n.Tanh(), n.Linear(6, 3),
                            n.Sigmoid())
    if kind == "flatten":
        return n.Sequential(n.Flatten(), n.Linear(12, 5, bias=False), n.ReLU(), n.Linear(5, 2))
    if kind == "custom":
        return _custom(lib)
    raise ValueError(kind)


def _custom(lib):
    n = lib.nn if lib is torch else nn

    class Net(n.Module):
        def __init__(self):
            super().__init__()
            self.features = n.Sequential(n.Linear(4, 8), n.ReLU())
            self.fc = n.Linear(8, 3)

        def forward(self, x):
            return self.fc(self.features(x))

    return Net()


# --- parity of whole modules ------------------------------------------------------------------------
@pytest.mark.parametrize("kind, in_shape", [("mlp", (5, 4)), ("flatten", (5, 3, 4)), ("custom", (5, 4))])
def test_module_outputs_gradients_and_grad_fns_match_torch(kind, in_shape):
    torch.manual_seed(0)
    tm, om = build(torch, kind), build(ac, kind)
    copy_weights(tm, om)
    x = torch.randn(*in_shape)
    ty, oy = tm(x), om(ours(x))
    assert_close(oy, ty)
    assert chain(oy.grad_fn) == chain(ty.grad_fn)
    g = torch.randn(ty.shape)
    ty.backward(g)
    oy.backward(ours(g))
    tp, op = dict(tm.named_parameters()), dict(om.named_parameters())
    assert list(op) == list(tp)
    for name in tp:
        assert_close(op[name].grad, tp[name].grad)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("input_grad", [True, False])
def test_linear_grad_fn_graph_equals_torch_for_1d_2d_3d_inputs(shape, bias, input_grad):
    torch.manual_seed(1)
    tl = torch.nn.Linear(4, 3, bias=bias)
    ol = nn.Linear(4, 3, bias=bias)
    copy_weights(tl, ol)
    x = torch.randn(*shape)
    ty, oy = tl(x.requires_grad_(input_grad)), ol(ours(x, input_grad))
    assert chain(oy.grad_fn) == chain(ty.grad_fn)
    assert type(oy.grad_fn).__name__ == type(ty.grad_fn).__name__
    assert_close(oy, ty)
    ty.sum().backward()
    oy.sum().backward()
    assert_close(ol.weight.grad, tl.weight.grad)
    if bias:
        assert_close(ol.bias.grad, tl.bias.grad)
    if input_grad:
        assert oy.shape == ty.shape


@pytest.mark.parametrize("shape, view", [((2, 4, 5), lambda x: x.transpose(1, 2)),
                                         ((8,), lambda x: x[::2]),
                                         ((3, 2, 4), lambda x: x.permute(1, 0, 2))])
@pytest.mark.parametrize("input_grad", [True, False])
def test_linear_on_non_contiguous_input_is_matmul_then_inplace_add_like_torch(shape, view, input_grad):
    torch.manual_seed(2)
    tl, ol = torch.nn.Linear(4, 3), nn.Linear(4, 3)
    copy_weights(tl, ol)
    x = torch.randn(*shape)
    tx, ox = x.clone().requires_grad_(input_grad), ours(x, input_grad)
    ty, oy = tl(view(tx)), ol(view(ox))
    assert chain(oy.grad_fn) == chain(ty.grad_fn)
    assert_close(oy, ty)
    ty.sum().backward()
    oy.sum().backward()
    assert_close(ol.weight.grad, tl.weight.grad)
    assert_close(ol.bias.grad, tl.bias.grad)
    if input_grad:
        assert_close(ox.grad, tx.grad)


def test_linear_shape_error_is_torchs():
    ol, tl = nn.Linear(4, 3), torch.nn.Linear(4, 3)
    with pytest.raises(RuntimeError) as theirs_err:
        tl(torch.randn(2, 5))
    with pytest.raises(RuntimeError) as ours_err:
        ol(ac.randn(2, 5))
    assert str(ours_err.value) == str(theirs_err.value)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation_modules_and_functions_match_torch(name):
    x = torch.randn(3, 5)
    module = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}[name]
    for ty, oy in ((getattr(torch.nn, module)()(x.clone().requires_grad_()),
                    getattr(nn, module)()(ours(x, True))),
                   (getattr(torch.nn.functional, name)(x.clone().requires_grad_()),
                    getattr(F, name)(ours(x, True)))):
        assert_close(oy, ty)
        assert oy.grad_fn.name() == ty.grad_fn.name()


def test_inplace_relu_rewrites_history_like_torch():
    x = torch.randn(3, 4, requires_grad=True)
    ty = x * 2
    torch.nn.functional.relu(ty, inplace=True)
    ox = ours(x, True)
    oy = ox * 2
    F.relu(oy, inplace=True)
    assert_close(oy, ty)
    assert chain(oy.grad_fn) == chain(ty.grad_fn)
    assert oy._version == ty._version
    ty.sum().backward()
    oy.sum().backward()
    assert_close(ox.grad, x.grad)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(ac.randn(2, requires_grad=True), inplace=True)


@pytest.mark.parametrize("dim", [0, 1, -1, None])
def test_softmax_and_log_softmax_match_torch(dim):
    x = torch.randn(3, 4, requires_grad=True)
    ox = ours(x, True)
    for name in ("softmax", "log_softmax"):
        with warnings.catch_warnings(record=True) as ours_w:
            warnings.simplefilter("always")
            oy = getattr(F, name)(ox, dim)
        with warnings.catch_warnings(record=True) as theirs_w:
            warnings.simplefilter("always")
            ty = getattr(torch.nn.functional, name)(x, dim)
        assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]
        assert_close(oy, ty)
        assert oy.grad_fn.name() == ty.grad_fn.name()


# --- losses: values and gradients for random shapes and reductions --------------------------------
REDUCTIONS = st.sampled_from(["mean", "sum", "none"])
SHAPES = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _loss_pair(t_loss, o_loss, t_inputs, o_inputs, t_leaves, o_leaves):
    assert_close(o_loss, t_loss)
    assert o_loss.grad_fn.name() == t_loss.grad_fn.name()
    assert chain(o_loss.grad_fn) == chain(t_loss.grad_fn)
    g = torch.randn(t_loss.shape)
    t_loss.backward(g)
    o_loss.backward(ours(g))
    for o, t in zip(o_leaves, t_leaves):
        assert_close(o.grad, t.grad)


@HYP
@given(shape=SHAPES, reduction=REDUCTIONS, seed=st.integers(0, 2 ** 16), target_grad=st.booleans())
def test_mse_loss_matches_torch(shape, reduction, seed, target_grad):
    torch.manual_seed(seed)
    x, t = torch.randn(*shape, requires_grad=True), torch.randn(*shape, requires_grad=target_grad)
    ox, ot = ours(x, True), ours(t, target_grad)
    _loss_pair(torch.nn.functional.mse_loss(x, t, reduction=reduction),
               F.mse_loss(ox, ot, reduction=reduction), (x, t), (ox, ot),
               [x, t] if target_grad else [x], [ox, ot] if target_grad else [ox])
    assert_close(nn.MSELoss(reduction=reduction)(ox, ot), torch.nn.MSELoss(reduction=reduction)(x, t))


@pytest.mark.parametrize("x_shape, t_shape", [((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4))])
def test_mse_loss_broadcast_warns_and_expands_like_torch(x_shape, t_shape):
    x, t = torch.randn(*x_shape, requires_grad=True), torch.randn(*t_shape, requires_grad=True)
    with pytest.warns(UserWarning) as theirs_w:
        ty = torch.nn.functional.mse_loss(x, t)
    ox, ot = ours(x, True), ours(t, True)
    with pytest.warns(UserWarning) as ours_w:
        oy = F.mse_loss(ox, ot)
    assert str(ours_w[0].message) == str(theirs_w[0].message)
    assert chain(oy.grad_fn) == chain(ty.grad_fn)
    assert_close(oy, ty)
    ty.backward()
    oy.backward()
    assert_close(ox.grad, x.grad)
    assert_close(ot.grad, t.grad)


@HYP
@given(shape=SHAPES, reduction=REDUCTIONS, seed=st.integers(0, 2 ** 16),
       use_weight=st.booleans(), use_pos_weight=st.booleans())
def test_bce_with_logits_matches_torch(shape, reduction, seed, use_weight, use_pos_weight):
    torch.manual_seed(seed)
    x = (torch.randn(*shape) * 4).requires_grad_()
    t = torch.rand(*shape).requires_grad_()
    w = torch.rand(shape[-1:]) if use_weight else None
    pw = torch.rand(shape[-1:]) * 3 if use_pos_weight else None
    ox, ot = ours(x, True), ours(t, True)
    ow = ours(w) if use_weight else None
    opw = ours(pw) if use_pos_weight else None
    _loss_pair(torch.nn.functional.binary_cross_entropy_with_logits(x, t, w, reduction=reduction,
                                                                    pos_weight=pw),
               F.binary_cross_entropy_with_logits(ox, ot, ow, reduction=reduction, pos_weight=opw),
               (x, t), (ox, ot), [x, t], [ox, ot])
    assert_close(nn.BCEWithLogitsLoss(ow, reduction=reduction, pos_weight=opw)(ox, ot),
          torch.nn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw)(x, t))


def test_bce_with_logits_is_stable_for_large_logits():
    x = torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0], requires_grad=True)
    t = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0])
    ox = ours(x, True)
    ty = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    oy = F.binary_cross_entropy_with_logits(ox, ours(t), reduction="none")
    assert_close(oy, ty)
    ty.sum().backward()
    oy.sum().backward()
    assert_close(ox.grad, x.grad)


@HYP
@given(n=st.integers(1, 5), c=st.integers(2, 5), reduction=REDUCTIONS, seed=st.integers(0, 2 ** 16),
       use_weight=st.booleans(), ignore=st.booleans(), unbatched=st.booleans())
def test_cross_entropy_and_nll_match_torch(n, c, reduction, seed, use_weight, ignore, unbatched):
    torch.manual_seed(seed)
    shape = (c,) if unbatched else (n, c)
    x = (torch.randn(*shape) * 2).requires_grad_()
    y = torch.randint(0, c, () if unbatched else (n,))
    ignore_index = int(y.reshape(-1)[0]) if ignore else -100
    w = torch.rand(c) + 0.1 if use_weight else None
    ox, oy_, ow = ours(x, True), ac.tensor(y.numpy()), (ours(w) if use_weight else None)
    t_loss = torch.nn.functional.cross_entropy(x, y, w, ignore_index=ignore_index, reduction=reduction)
    o_loss = F.cross_entropy(ox, oy_, ow, ignore_index=ignore_index, reduction=reduction)
    assert_close(o_loss, t_loss)  # everything ignored: both give nan for 'mean'
    assert chain(o_loss.grad_fn) == chain(t_loss.grad_fn)
    if not torch.isnan(t_loss).any():
        g = torch.randn(t_loss.shape)
        t_loss.backward(g)
        o_loss.backward(ours(g))
        assert_close(ox.grad, x.grad)
    module = nn.CrossEntropyLoss(ow, ignore_index=ignore_index, reduction=reduction)
    assert_close(module(ox, oy_).detach(), t_loss.detach())
    # nll_loss on log-probabilities directly
    lp = torch.log_softmax(x.detach(), -1).requires_grad_()
    olp = ours(lp, True)
    t_nll = torch.nn.functional.nll_loss(lp, y, w, ignore_index=ignore_index, reduction=reduction)
    o_nll = nn.NLLLoss(ow, ignore_index=ignore_index, reduction=reduction)(olp, oy_)
    assert_close(o_nll.detach(), t_nll.detach())
    assert chain(o_nll.grad_fn) == chain(t_nll.grad_fn)


@pytest.mark.parametrize("call", [
    lambda m, F_, x, y: F_.nll_loss(x, y[:4]),
    lambda m, F_, x, y: F_.nll_loss(x, y.float()),
    lambda m, F_, x, y: F_.nll_loss(x, m.tensor([0, 1, 7, 1, 0])),
    lambda m, F_, x, y: F_.mse_loss(x, x, reduction="avg"),
    lambda m, F_, x, y: F_.binary_cross_entropy_with_logits(x, x[0]),
    lambda m, F_, x, y: F_.cross_entropy(x, y, weight=m.ones(4)),
    lambda m, F_, x, y: F_.cross_entropy(x, y, label_smoothing=1.5),
    lambda m, F_, x, y: F_.cross_entropy(x, y.unsqueeze(1).expand(5, 3)),  # class indices in input's shape
    lambda m, F_, x, y: F_.cross_entropy(x, x.softmax(1), ignore_index=1),
    lambda m, F_, x, y: F_.cross_entropy(x, x.softmax(1), weight=m.ones(4)),
    lambda m, F_, x, y: F_.nll_loss(x.log_softmax(1), y, weight=m.ones(3, requires_grad=True)),
    lambda m, F_, x, y: F_.binary_cross_entropy(x.sigmoid(), x.sigmoid(), weight=m.ones(3, requires_grad=True)),
])
def test_loss_errors_are_torchs(call):
    x = torch.randn(5, 3)
    y = torch.tensor([0, 2, 1, 1, 0])
    with pytest.raises(Exception) as theirs_err:
        call(torch, torch.nn.functional, x, y)
    with pytest.raises(Exception) as ours_err:
        call(ac, F, ours(x), ac.tensor(y.numpy()))
    assert type(ours_err.value) is type(theirs_err.value)
    assert str(ours_err.value) == str(theirs_err.value)


@HYP
@given(n=st.integers(0, 4), c=st.integers(1, 5), reduction=REDUCTIONS, seed=st.integers(0, 2 ** 16),
       use_weight=st.booleans(), ignore=st.booleans(), unbatched=st.booleans(), probabilities=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.1, 0.5, 1.0]))
def test_cross_entropy_with_label_smoothing_or_class_probabilities_matches_torch(
        n, c, reduction, seed, use_weight, ignore, unbatched, probabilities, smoothing):
    """label_smoothing and class-probability targets, composed as ATen composes them: the values,
    the input's gradient and every node of the graph (MulBackward1 for ATen's Scalars)."""
    torch.manual_seed(seed)
    shape = (c,) if unbatched else (n, c)
    x = (torch.randn(*shape) * 2).requires_grad_()
    if probabilities:
        y = torch.rand(*shape).softmax(-1)
        ignore_index = -100
    else:
        y = torch.randint(0, c, () if unbatched else (n,))
        ignore_index = int(y.reshape(-1)[0]) if ignore and y.numel() else -100
    w = torch.rand(c) + 0.1 if use_weight else None
    ox, oy_, ow = ours(x, True), ours(y), (ours(w) if use_weight else None)
    t_loss = torch.nn.functional.cross_entropy(x, y, w, ignore_index=ignore_index, reduction=reduction,
                                               label_smoothing=smoothing)
    o_loss = F.cross_entropy(ox, oy_, ow, ignore_index=ignore_index, reduction=reduction,
                             label_smoothing=smoothing)
    assert_close(o_loss, t_loss)
    assert chain(o_loss.grad_fn) == chain(t_loss.grad_fn)
    g = torch.randn(t_loss.shape)
    t_loss.backward(g)
    o_loss.backward(ours(g))
    assert_close(ox.grad, x.grad)
    module = nn.CrossEntropyLoss(ow, ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    assert_close(module(ox, oy_).detach(), t_loss.detach())


def test_a_weight_that_requires_grad_is_refused_only_while_grad_mode_records():
    """nll_loss, binary_cross_entropy(_with_logits) take it under no_grad, as PyTorch does"""
    for m, F_ in ((torch, torch.nn.functional), (ac, F)):
        x, w = m.tensor([[0.2, 0.8, 0.5]]), m.ones(3, requires_grad=True)
        with m.no_grad():
            F_.nll_loss(x.log(), m.tensor([1]), weight=w)
            F_.binary_cross_entropy(x, x, weight=w)
            F_.binary_cross_entropy_with_logits(x, x, weight=w)


# --- Module bookkeeping ----------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_with_torchs_repr():
    data = torch.tensor([[1.5, -2.0], [0.25, 3.0]])
    tp, op = torch.nn.Parameter(data), nn.Parameter(ours(data))
    assert repr(op) == repr(tp)
    assert isinstance(op, ac.Tensor) and op.is_leaf and op.requires_grad
    assert repr(nn.Parameter(ours(data), requires_grad=False)) == repr(torch.nn.Parameter(data, False))
    y = op * 2
    assert type(y) is ac.Tensor and y.grad_fn.name() == "MulBackward0"
    clone = copy.deepcopy(op)
    assert type(clone) is nn.Parameter and clone is not op and clone.requires_grad
    assert np.array_equal(clone.detach().numpy(), op.detach().numpy())
    back = pickle.loads(pickle.dumps(op))
    assert type(back) is nn.Parameter and back.requires_grad


def test_parameter_shares_memory_with_its_data():
    t = ac.zeros(3)
    p = nn.Parameter(t)
    with ac.no_grad():
        p.add_(1.0)
    assert t.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("kind", ["mlp", "flatten", "custom"])
def test_repr_equals_torchs(kind):
    assert repr(build(ac, kind)) == repr(build(torch, kind))


def test_reprs_of_every_layer_equal_torchs():
    for make in (lambda n: n.ReLU(inplace=True), lambda n: n.Flatten(0, 2), lambda n: n.MSELoss(),
                 lambda n: n.CrossEntropyLoss(), lambda n: n.BCEWithLogitsLoss(), lambda n: n.Tanh(),
                 lambda n: n.Linear(3, 2, bias=False), lambda n: n.Sequential(),
                 lambda n: n.Softmax(dim=1), lambda n: n.Identity(),
                 lambda n: n.ModuleList([n.Linear(2, 2), n.Linear(2, 2), n.ReLU()])):
        assert repr(make(nn)) == repr(make(torch.nn))


def test_named_parameters_children_modules_follow_torch():
    t, o = build(torch, "custom"), build(ac, "custom")
    assert [n for n, _ in o.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in o.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in o.named_modules()] == [n for n, _ in t.named_modules()]
    assert [type(m).__name__ for m in o.modules()][1:] == [type(m).__name__ for m in t.modules()][1:]
    assert len(list(o.parameters())) == len(list(t.parameters())) == 4
    assert [n for n, _ in o.named_parameters(recurse=False)] == []
    # a shared layer is listed once, as in torch
    lin = nn.Linear(2, 2)
    assert len(list(nn.Sequential(lin, lin).parameters())) == 2


def test_replacing_a_submodule_keeps_its_place_and_drops_old_parameters():
    t, o = build(torch, "custom"), build(ac, "custom")
    t.features = torch.nn.Linear(4, 8)
    o.features = nn.Linear(4, 8)
    t.fc, o.fc = torch.nn.Linear(8, 10), nn.Linear(8, 10)
    assert list(o.state_dict()) == list(t.state_dict())
    assert repr(o) == repr(t)
    assert o(ac.randn(2, 4)).shape == (2, 10)


@pytest.mark.parametrize("assign", [
    lambda m, n: setattr(n, "weight", m.ones(3, 4)),
    lambda m, n: setattr(n, "weight", 3),
    lambda m, n: n.add_module("a.b", m.nn.ReLU()),
    lambda m, n: n.register_parameter("", None),
    lambda m, n: n.train("yes"),
    lambda m, n: n.missing_attribute,
])
def test_module_errors_are_torchs(assign):
    errors = []
    for lib in (torch, ac):
        layer = (torch.nn if lib is torch else nn).Linear(4, 3)
        with pytest.raises(Exception) as e:
            assign(lib, layer)
        errors.append((type(e.value), str(e.value)))
    assert errors[0] == errors[1]


def test_setting_a_child_to_a_non_module_is_refused_like_torch():
    errors = []
    for n in (torch.nn, nn):
        s = n.Sequential(n.Linear(2, 2))
        s.fc = n.ReLU()
        with pytest.raises(TypeError) as e:
            s.fc = 3
        errors.append(str(e.value))
    assert errors[0] == errors[1]


def test_sequential_indexing_slicing_and_deleting():
    for n in (torch.nn, nn):
        s = n.Sequential(n.Linear(2, 3), n.ReLU(), n.Linear(3, 1))
        assert isinstance(s[0], n.Linear) and isinstance(s[-1], n.Linear)
        assert isinstance(s[1:], n.Sequential) and len(s[1:]) == 2
        assert [k for k, _ in s[1:].named_children()] == ["1", "2"]
        with pytest.raises(IndexError, match="index 3 is out of range"):
            s[3]
        del s[0]
        assert [k for k, _ in s.named_children()] == ["0", "1"]
        s.append(n.Sigmoid())
        assert len(s) == 3
    od = OrderedDict([("lin", nn.Linear(2, 2)), ("act", nn.ReLU())])
    assert list(nn.Sequential(od).state_dict()) == ["lin.weight", "lin.bias"]


def test_train_eval_requires_grad_and_zero_grad():
    m = build(ac, "custom")
    assert m.training and m.fc.training
    assert m.eval() is m and not m.training and not m.features[0].training
    m.train()
    assert m.features[1].training
    m(ac.randn(2, 4)).sum().backward()
    grads = [p.grad for p in m.parameters()]
    assert all(g is not None for g in grads)
    m.zero_grad(set_to_none=False)
    # zeroed in place: the same grad tensors, now all zeros
    assert all(p.grad is g and float(g.abs().sum()) == 0 for p, g in zip(m.parameters(), grads))
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_forward_missing_is_torchs_error():
    def empty_module(n):
        return type("Empty", (n.Module,), {})()

    with pytest.raises(NotImplementedError) as ours_err:
        empty_module(nn)(ac.zeros(1))
    with pytest.raises(NotImplementedError) as theirs_err:
        empty_module(torch.nn)(torch.zeros(1))
    assert str(ours_err.value) == str(theirs_err.value)


# --- state_dict ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["mlp", "flatten", "custom"])
def test_state_dict_keys_and_order_equal_torchs_and_round_trip(kind):
    t, o = build(torch, kind), build(ac, kind)
    assert list(o.state_dict()) == list(t.state_dict())
    sd = o.state_dict()
    assert all(type(v) is ac.Tensor and not v.requires_grad for v in sd.values())
    # values share memory with the parameters, as torch's detach() does
    first = next(iter(o.parameters()))
    assert next(iter(sd.values())).data_ptr() == first.data_ptr()
    saved = OrderedDict((k, v.clone()) for k, v in sd.items())
    o2 = build(ac, kind)
    result = o2.load_state_dict(saved)
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (k, a), (_, b) in zip(o.state_dict().items(), o2.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), k
    x = ac.randn(2, *((3, 4) if kind == "flatten" else (4,)))
    assert np.array_equal(o(x).detach().numpy(), o2(x).detach().numpy())


def test_load_state_dict_bumps_versions_and_keeps_parameter_objects():
    o = nn.Linear(2, 2)
    w, v0 = o.weight, o.weight._version
    o.load_state_dict({"weight": ac.ones(2, 2), "bias": ac.zeros(2)})
    assert o.weight is w and o.weight._version == v0 + 1 and o.weight.requires_grad
    assert o.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def _load_error(lib, mutate, strict=True):
    n = torch.nn if lib is torch else nn
    torch.manual_seed(0)
    model = n.Sequential(n.Linear(2, 3), n.ReLU(), n.Sequential(n.Linear(3, 1)))
    sd = OrderedDict(model.state_dict())
    mutate(lib, sd)
    try:
        result = model.load_state_dict(sd, strict=strict)
    except Exception as e:
        return type(e), str(e)
    return tuple(result.missing_keys), tuple(result.unexpected_keys), repr(result)


@pytest.mark.parametrize("mutate", [
    lambda m, sd: sd.pop("0.bias"),
    lambda m, sd: sd.update({"extra": m.zeros(1), "2.0.extra": m.zeros(1), "7.weight": m.zeros(1)}),
    lambda m, sd: (sd.pop("2.0.weight"), sd.update({"foo.bar": m.zeros(1)})),
    lambda m, sd: sd.update({"0.weight": m.zeros(2, 2)}),
    lambda m, sd: sd.update({"0.bias": 3}),
])
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_errors_and_results_equal_torchs(mutate, strict):
    assert _load_error(ac, mutate, strict) == _load_error(torch, mutate, strict)


def test_buffers_appear_in_state_dict_unless_not_persistent():
    for lib in (torch, ac):
        loss = (torch.nn if lib is torch else nn).CrossEntropyLoss(weight=lib.ones(3))
        assert list(loss.state_dict()) == ["weight"]
    m = nn.Linear(2, 2)
    m.register_buffer("running", ac.zeros(2))
    m.register_buffer("scratch", ac.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["weight", "bias", "running"]
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]


# --- initialisation -------------------------------------------------------------------------------
@pytest.mark.parametrize("fan_in, fan_out", [(3, 200), (50, 40), (400, 5)])
def test_linear_init_bounds_follow_torch(fan_in, fan_out):
    """weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)): bounds, mean and variance over many
    draws, and the same statistics as torch's own layers."""
    ac.manual_seed(3)
    torch.manual_seed(3)
    bound = 1 / math.sqrt(fan_in)
    ws = np.concatenate([nn.Linear(fan_in, fan_out).weight.detach().numpy().ravel() for _ in range(20)])
    bs = np.concatenate([nn.Linear(fan_in, fan_out).bias.detach().numpy() for _ in range(200)])
    tws = np.concatenate([torch.nn.Linear(fan_in, fan_out).weight.detach().numpy().ravel()
                          for _ in range(20)])
    for values in (ws, bs):
        assert values.min() >= -bound and values.max() <= bound
        # the extremes come close to the bounds, mean ~ 0 and variance ~ bound**2 / 3
        assert values.min() < -0.95 * bound and values.max() > 0.95 * bound
        se = bound / math.sqrt(3 * len(values))
        assert abs(values.mean()) < 5 * se
        np.testing.assert_allclose(values.var(), bound ** 2 / 3, rtol=0.1)
    np.testing.assert_allclose(ws.var(), tws.var(), rtol=0.1)
    assert tws.min() >= -bound and tws.max() <= bound


def test_init_is_deterministic_under_manual_seed_and_bumps_version():
    ac.manual_seed(7)
    a = nn.Linear(5, 4)
    ac.manual_seed(7)
    b = nn.Linear(5, 4)
    assert np.array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    assert a.weight._version == 1 and a.bias._version == 1  # one in-place fill each, as torch's
    assert torch.nn.Linear(5, 4).weight._version == 1


def test_calculate_gain_and_fans_match_torch():
    for args in (("linear",), ("relu",), ("tanh",), ("leaky_relu", math.sqrt(5)), ("leaky_relu",),
                 ("sigmoid",)):
        assert nn.init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))
    assert nn.init._calculate_fan_in_and_fan_out(ac.zeros(4, 3, 2)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(4, 3, 2))


def test_forward_hooks_run_and_replace_like_torch():
    results = []
    for lib, n in ((torch, torch.nn), (ac, nn)):
        seen = []
        layer = n.Linear(3, 2)
        pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
        post = layer.register_forward_hook(lambda m, args, out: seen.append(
            (type(m).__name__, float(args[0].abs().sum()), tuple(out.shape))) or out + 1)
        x = lib.ones(4, 3)
        y = layer(x)
        bias = layer.bias.detach().numpy()
        first = np.round(y.detach().numpy() - bias, 5).tolist()  # input zeroed by the pre-hook, +1 by the hook
        pre.remove()
        post.remove()
        second = layer(x).shape
        results.append((seen, first, tuple(second), y.grad_fn.name()))
    assert results[0] == results[1]
    assert results[1][1] == [[1.0, 1.0]] * 4


def test_double_and_float_convert_parameters_in_place_like_torch():
    for lib, n in ((torch, torch.nn), (ac, nn)):
        m = n.Sequential(n.Linear(3, 2))
        w = m[0].weight
        m(lib.ones(1, 3)).sum().backward()
        assert m.double() is m
        assert m[0].weight is w and w.dtype == lib.float64 and w.grad.dtype == lib.float64
        assert m(lib.ones(1, 3, dtype=lib.float64)).dtype == lib.float64
        m.float()
        assert w.dtype == lib.float32 and w.requires_grad


def test_deepcopy_and_pickle_keep_architecture_values_and_parameters():
    ac.manual_seed(0)
    model = nn.examples.TinyNet(in_shape=(4,), hidden=8, num_classes=3)  # importable, so picklable
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert repr(clone) == repr(model)
        assert list(clone.state_dict()) == list(model.state_dict())
        for (name, p), q in zip(model.named_parameters(), clone.parameters()):
            assert type(q) is nn.Parameter and q.requires_grad and q is not p, name
            assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name
        x = ac.randn(2, 4)
        assert np.array_equal(clone(x).detach().numpy(), model(x).detach().numpy())


def test_assigning_a_module_before_init_is_torchs_error():
    errors = []
    for n in (torch.nn, nn):
        class Forgetful(n.Module):
            def __init__(self):
                self.fc = n.Linear(2, 2)

        with pytest.raises(AttributeError) as e:
            Forgetful()
        errors.append(str(e.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("shape, kwargs", [(4, {}), ([3, 4], {}), ((3, 4), {"eps": 1e-3}),
                                           ("size", {"elementwise_affine": False}), ((4,), {"bias": False}),
                                           (np.int64(4), {"dtype": "float64"}), ([4], {"device": "cpu", "eps": 0.1})])
def test_layer_norm_module_matches_torch(shape, kwargs):
    """LayerNorm: repr, parameters (ones and zeros of normalized_shape) in named_parameters and
    state_dict, train and eval mode alike; outputs, grad_fn and gradients as torch's."""
    def run(m):
        kw = dict(kwargs, **({"dtype": getattr(m, kwargs["dtype"])} if "dtype" in kwargs else {}))
        layer = m.nn.LayerNorm(m.Size([3, 4]) if isinstance(shape, str) else shape, **kw)
        dt = layer.weight.dtype if layer.weight is not None else m.float32
        x = m.tensor(np.random.default_rng(3).standard_normal((2, 3, 4)), dtype=dt, requires_grad=True)
        y = layer(x)
        (y * m.arange(24, dtype=dt).view(2, 3, 4)).sum().backward()
        layer.eval()
        again = layer(x.detach())
        params = [(n, p.detach().clone(), p.grad, p.requires_grad) for n, p in layer.named_parameters()]
        state = [(k, v.clone()) for k, v in layer.state_dict().items()]
        return (repr(layer), layer.normalized_shape, layer.eps, layer.elementwise_affine, type(y.grad_fn).__name__,
                y.detach(), x.grad, again, params, state)
    ours, theirs = run(ac), run(torch)
    assert ours[:5] == theirs[:5]
    assert_close(ours[5:], theirs[5:], exact=True)


def test_layer_norm_module_learns_and_reloads_as_torch():
    """A few SGD steps through LayerNorm then Linear: the same parameters as torch's (to the last
    digit or so: Linear's products add in numpy's order); its state_dict loads into a fresh module."""
    def run(m):
        m.manual_seed(0)
        model = m.nn.Sequential(m.nn.LayerNorm(5), m.nn.Linear(5, 1))
        with m.no_grad():
            model[1].weight.copy_(m.tensor([[0.5, -0.3, 0.2, 0.1, -0.4]]))
            model[1].bias.fill_(0.1)
        opt = m.optim.SGD(model.parameters(), lr=0.1)
        x = m.tensor(np.random.default_rng(1).standard_normal((8, 5)), dtype=m.float32)
        t = m.tensor(np.random.default_rng(2).standard_normal((8, 1)), dtype=m.float32)
        for _ in range(3):
            opt.zero_grad()
            m.nn.functional.mse_loss(model(x), t).backward()
            opt.step()
        fresh = m.nn.Sequential(m.nn.LayerNorm(5), m.nn.Linear(5, 1))
        fresh.load_state_dict(model.state_dict())
        return [p.detach() for p in model.parameters()], list(model.state_dict()), fresh(x).detach()
    ours, theirs = run(ac), run(torch)
    assert ours[1] == theirs[1] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert_close([ours[0], ours[2]], [theirs[0], theirs[2]])


@pytest.mark.parametrize("affine", ["weight and bias", "weight", "bias", "neither"])
def test_layer_norm_nodes_save_and_link_as_torchs(affine):
    """NativeLayerNormBackward0 (its next_functions, _saved_* names and values) and, under
    create_graph, the gradients' NativeLayerNormBackwardBackward0 (edges to grad_out, input, mean,
    rstd, weight and bias; its _saved_*), as torch's."""
    def run(m):
        rng = np.random.default_rng(5)
        x = m.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
        w = m.tensor(rng.standard_normal((3, 4)), requires_grad=True) if "weight" in affine else None
        b = m.tensor(rng.standard_normal((3, 4)), requires_grad=True) if "bias" in affine else None
        y = m.nn.functional.layer_norm(x, [3, 4], w, b)
        v = m.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
        leaves = [t for t in (x, w, b) if t is not None]
        grads = m.autograd.grad(y, leaves, v, create_graph=True)
        out = []
        for node in [y.grad_fn] + [g.grad_fn for g in grads]:
            names = sorted(n for n in dir(node) if n.startswith("_saved_"))
            out.append((type(node).__name__, [None if f is None else type(f).__name__ for f, _ in node.next_functions],
                        names, [getattr(node, n) for n in names]))
        return out
    ours, theirs = run(ac), run(torch)
    assert [o[:3] for o in ours] == [t[:3] for t in theirs]
    assert_close([o[3] for o in ours], [t[3] for t in theirs], exact=True)
