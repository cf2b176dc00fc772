"""Smaller engine behaviours against torch 2.13, each a program run on both libraries: what a node
reports as saved when the input whose gradient would read it needs none (None, as PyTorch), the
non-leaf .grad warning (only while .grad is unset), backward(inputs=[a non-leaf]) (stored once, the
tensor now retaining its grad), and binary operators given what is no tensor or number."""
import warnings

import pytest
import torch

import autograd_core

from torch_oracle import assert_same


def _saved_when_not_needed(m):
    x = m.ones(3, requires_grad=True)
    W = m.ones(2, 2, requires_grad=True)
    X = m.ones(3, 2)
    return [(y.grad_fn._saved_self, getattr(y.grad_fn, "_saved_" + other))
            for y, other in ((m.full((3,), 2.) * x, "other"), (x * 2.0, "other"), (X.mm(W), "mat2"),
                             (x / m.full((3,), 2.), "other"), (W.mm(X.t()), "mat2"))]


def _nonleaf_grad_warning(m):
    x = m.ones(2, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y.grad
        first = len(caught)
        y.grad = m.zeros(2)
        y.grad
    return first, len(caught)


def _backward_inputs_nonleaf(m):
    x = m.tensor([1., 2.], requires_grad=True)
    z = x * 3
    (z * 3).sum().backward(inputs=[z])
    a = x * 2
    a.retain_grad()
    (a * 3).sum().backward(inputs=[a])
    return z.retains_grad, z.grad, x.grad, a.grad


def _operator_with(value):
    def program(m):
        t = m.tensor([1., 2.])
        out = []
        for f in (lambda: t * value, lambda: value * t, lambda: t + value, lambda: t - value,
                  lambda: value - t, lambda: t / value, lambda: t ** value, lambda: t @ value,
                  lambda: t // value, lambda: t % value, lambda: t & value, lambda: t == value,
                  lambda: t != value):
            try:
                out.append(f())
            except TypeError as e:
                out.append(("TypeError", str(e)))
        return out
    return program


def _nll_total_weight(m):
    x = m.tensor([[0.1, 0.2, 0.3, 0.4], [0.5, 0.1, 0.2, 0.2], [0.3, 0.3, 0.2, 0.2]], requires_grad=True).log()
    w = m.tensor([1., 2., 3., 4.])
    return [m.nn.functional.nll_loss(x, m.tensor([0, 3, 1]), reduction=red, **kw).grad_fn._saved_total_weight
            for red in ("mean", "sum", "none") for kw in ({}, {"weight": w}, {"ignore_index": 3})]


def _saved_names_are_values(m):
    """every _saved_* that dir() lists is something the node saved (no method of the engine's)"""
    x = m.tensor([1., 2.], requires_grad=True)
    fn = (x * x.exp()).grad_fn
    return [(n, getattr(fn, n)) for n in dir(fn) if n.startswith("_saved_") and n in ("_saved_self", "_saved_other")], \
        all(not callable(getattr(fn, n)) for n in dir(fn) if n.startswith("_saved_"))


def _saved_options(m):
    """the numbers and flags a node keeps as plain values (grad_fn._saved_alpha, ...), given and by
    default, through functional and module calls; before and after backward frees the tensors"""
    x = m.tensor([[-1.5, 0.5, 2.0], [3.0, -0.25, 1.0]], requires_grad=True)
    t = x.detach() * 0.5
    F, nn = m.nn.functional, m.nn
    ys = [x + x, x.add(x, alpha=2), x.add(x, alpha=0.5), x - 1, x.sub(1.5, alpha=2), 2.5 - x, x.add(2),
          F.leaky_relu(x), F.leaky_relu(x, 0.2), nn.LeakyReLU(0.3)(x), F.gelu(x), F.gelu(x, approximate="tanh"),
          nn.GELU()(x), F.softplus(x), F.softplus(x, beta=2, threshold=10.5), F.softplus(x, 1.0), nn.Softplus()(x),
          F.mse_loss(x, t), F.mse_loss(x, t, reduction="sum"), F.mse_loss(x, t, reduction="none"), nn.MSELoss()(x, t),
          F.huber_loss(x, t), F.huber_loss(x, t, delta=2), nn.HuberLoss(reduction="sum", delta=0.5)(x, t),
          F.smooth_l1_loss(x, t), F.smooth_l1_loss(x, t, beta=0.5, reduction="none"), nn.SmoothL1Loss(beta=2)(x, t)]

    def value(fn, name):
        try:
            return getattr(fn, name)
        except RuntimeError:  # a saved tensor, freed by backward
            return "freed"

    def options(y):
        fn = y.grad_fn
        return type(fn).__name__, [(n, repr(value(fn, n))) for n in dir(fn) if n.startswith("_saved_")
                                   and not isinstance(value(fn, n), m.Tensor)]  # (repr: 1 is not 1.0)
    before = [options(y) for y in ys]
    for y in ys:
        y.sum().backward()
    return before, [options(y) for y in ys]


PROGRAMS = {"saved when not needed": _saved_when_not_needed, "saved options": _saved_options, "nll total weight": _nll_total_weight,
            "saved names are values": _saved_names_are_values, "non-leaf grad warning": _nonleaf_grad_warning,
            "backward inputs a non-leaf": _backward_inputs_nonleaf, "operator with None": _operator_with(None),
            "operator with a string": _operator_with("a")}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_engine_behaviour_matches_torch(name):
    assert_same(PROGRAMS[name])


def test_the_package_names_nothing_torch_lacks_but_its_own_recorder():
    """`import autograd_core as torch`: every public name is one torch 2.13 has (a student's torch.np or
    torch.view would work here and fail in torch), but for record() and Recording, the project's own,
    and its own subpackages once imported (autograd_core.static, autograd_core.vision)."""
    extra = {n for n in dir(autograd_core) if not n.startswith("_") and not hasattr(torch, n)
             and not getattr(getattr(autograd_core, n), "__name__", "").startswith("autograd_core.")}
    assert extra == {"record", "Recording"}, sorted(extra)


def test_every_tensor_method_torch_has_as_a_function_is_one_here():
    """torch.relu_(x), torch.detach(x), torch.clamp_(x, min=0.) ...: each Tensor method here that torch
    2.13 also has at its top level is a function here too."""
    missing = [n for n in dir(torch) if not n.startswith("_") and callable(getattr(torch, n))
               and hasattr(autograd_core.Tensor, n) and not hasattr(autograd_core, n)]
    assert not missing, missing


def _methods_as_functions(m):
    x = m.tensor([-1.5, 0.5, 2.0], requires_grad=True)
    y, z, w = x * 1, x * 1, x * 1
    m.relu_(y)
    m.clamp_(z, min=0.0, max=1.0)
    m.exp_(w)
    d = m.detach(x)
    (y + z + w).sum().backward()
    return y, z, w, d, x.grad, m.fill_(m.zeros(2), 3.0)


def test_tensor_methods_as_functions_match_torch():
    assert_same(_methods_as_functions)


def _unflatten(m):
    x = m.arange(12.).reshape(2, 6).requires_grad_()
    z = m.zeros(2, 0)
    results = []
    for t, args in [(x, (1, (2, 3))), (x, (-1, (3, -1))), (x.T, (0, (2, -1))), (x, (1, (2, 2))),
                    (x, (1, (-1, -1))), (x, (1, ())), (x, (1, (0, -1))), (z, (1, (0, 5))), (z, (1, (0, -1))),
                    (x, (2, (1, 2)))]:
        try:
            y = t.unflatten(*args)
            results.append((y, y.stride(), y.grad_fn.name() if y.grad_fn else None))
        except (RuntimeError, IndexError) as e:
            results.append((type(e).__name__, str(e).splitlines()[:2]))  # (torch adds C++ frames)
    return results, m.unflatten(x, 1, [3, 2])


def _new_modules(m):
    nn = m.nn
    x = m.arange(24.).reshape(2, 3, 4).requires_grad_()
    outs = [(repr(mod), mod(x)) for mod in (nn.Softmin(1), nn.Unflatten(2, (2, 2)), nn.ZeroPad2d((1, 0, 2, 1)),
                                            nn.ZeroPad1d(2), nn.ConstantPad1d(1, 3.5), nn.ConstantPad2d(1, -1.))]
    outs.append((repr(nn.CosineSimilarity()), nn.CosineSimilarity(dim=2)(x, x * 2 + 1)))
    m.nn.functional.relu_(x * 1).sum().backward()
    return outs, m.nn.functional.softmin(x, -1)


@pytest.mark.parametrize("program", [_unflatten, _new_modules])
def test_unflatten_softmin_padding_and_similarity_modules_match_torch(program):
    assert_same(program)
