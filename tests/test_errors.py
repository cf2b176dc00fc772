"""Bad input raises PyTorch's exception type and message, and corrupts nothing.

Each row runs on autograd_core and on PyTorch 2.13: the same exception type and text are expected
on both. Every row starts from a fresh ``State`` (a few leaves and intermediates); ``prep`` may first
do legitimate work (a first backward, an in-place change), then a snapshot of every tensor in the
state is taken, the action must raise, and the snapshot must be unchanged afterwards -- and the
state must still work (a fresh backward gives the same gradient as in PyTorch).

Adding a case is one line: ``Case("what", lambda m, s: <raises>)``.
"""
import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from torch_oracle import ENGINE, TORCH, close, plain


def make_state(m):
    """Tensors the rows act on: leaves, intermediates, an integer and a no-grad tensor."""
    s = SimpleNamespace()
    s.x = m.tensor([1., 2., 3.], requires_grad=True)
    s.w = m.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    s.y = s.x * 2                       # non-leaf vector
    s.loss = (s.x * s.x).sum()          # scalar whose MulBackward0 saved x
    s.e = s.x.exp()                     # ExpBackward0 saves its result e
    s.le = s.e.sum()
    s.i = m.tensor([1, 2, 3])           # integer
    s.p = m.tensor([1., 2.])            # float, no grad
    return s


def snapshot(s):
    """Everything observable about the state's tensors (ours and torch's alike)."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a non-leaf's .grad warns
        for name, t in vars(s).items():
            out[name] = (plain(t), t._version, t.is_leaf, plain(t.grad))
    return out


def _hooked(m, hook, on_leaf=True):
    """Backward through a fresh leaf (or non-leaf) carrying hook."""
    x = m.tensor([1., 2., 3.], requires_grad=True)
    t = x if on_leaf else x * 2
    t.register_hook(hook)
    (t * 2).sum().backward()


def _saved_then_rebased(m):
    """a is saved by a * a, then a.add_(1) gives a a new grad_fn: the message names the new one."""
    x = m.tensor([1., 2., 3.], requires_grad=True)
    a = x * 2
    b = (a * a).sum()
    a.add_(1)
    b.backward()


class Case:
    def __init__(self, name, action, prep=None):
        self.name, self.action, self.prep = name, action, prep

    def __repr__(self):
        return self.name


CASES = [
    # backward
    Case("backward non-scalar without gradient", lambda m, s: s.y.backward()),
    Case("autograd.grad non-scalar without grad_outputs", lambda m, s: m.autograd.grad(s.y, s.x)),
    Case("backward twice through freed saved tensors", lambda m, s: s.loss.backward(),
         prep=lambda m, s: s.loss.backward()),
    Case("backward twice through freed result", lambda m, s: s.le.backward(),
         prep=lambda m, s: s.le.backward()),
    Case("saved leaf modified through detach()", lambda m, s: s.loss.backward(),
         prep=lambda m, s: s.x.detach().add_(1)),
    Case("saved result modified in place", lambda m, s: s.le.backward(),
         prep=lambda m, s: s.e.add_(1)),
    Case("saved non-leaf modified in place", lambda m, s: _saved_then_rebased(m)),
    Case("backward of a tensor without grad_fn", lambda m, s: s.p.sum().backward()),
    Case("backward of a no-grad leaf", lambda m, s: s.p.backward(m.ones(2))),
    Case("gradient shape mismatch", lambda m, s: s.y.backward(m.ones(2))),
    Case("gradient shape mismatch 2-D", lambda m, s: (s.w * 1).backward(m.ones(2, 3))),
    Case("autograd.grad unused input", lambda m, s: m.autograd.grad(s.loss, [s.x, s.w])),
    Case("autograd.grad input without grad", lambda m, s: m.autograd.grad(s.loss, [s.p])),
    # requires_grad
    Case("requires_grad=True in the factory on int", lambda m, s: m.tensor([1, 2], requires_grad=True)),
    Case("requires_grad=True on int by attribute", lambda m, s: setattr(s.i, "requires_grad", True)),
    Case("requires_grad_() on int", lambda m, s: s.i.requires_grad_()),
    Case("requires_grad=True in ones() with int dtype",
         lambda m, s: m.ones(2, dtype=m.int64, requires_grad=True)),
    Case("requires_grad=False on a non-leaf", lambda m, s: setattr(s.y, "requires_grad", False)),
    Case("requires_grad=True on a non-leaf", lambda m, s: setattr(s.y, "requires_grad", True)),
    Case("requires_grad_(False) on a non-leaf", lambda m, s: s.y.requires_grad_(False)),
    Case("retain_grad without requires_grad", lambda m, s: s.p.retain_grad()),
    Case("register_hook without requires_grad", lambda m, s: s.p.register_hook(lambda g: g)),
    Case("hook returns a different size", lambda m, s: _hooked(m, lambda g: g.sum())),
    Case("hook returns a different dtype", lambda m, s: _hooked(m, lambda g: g.double())),
    Case("hook returns a number", lambda m, s: _hooked(m, lambda g: 5)),
    Case("non-leaf hook returns a different size", lambda m, s: _hooked(m, lambda g: g[:2], on_leaf=False)),
    Case("gradient that is not a tensor", lambda m, s: s.y.backward([1., 1., 1.])),
    Case("grad_outputs that are not tensors", lambda m, s: m.autograd.grad(s.loss, [s.x], [1.])),
    Case("gradient that is a number", lambda m, s: s.loss.backward(2.)),
    Case("Variable of a list", lambda m, s: m.autograd.Variable([1., 2.])),
    Case("detach_ on a view", lambda m, s: s.p[0:1].detach_()),
    Case("detach_ on a view of a leaf", lambda m, s: s.x[0:2].detach_()),
    Case("assign a grad of the wrong size", lambda m, s: setattr(s.x, "grad", m.ones(2))),
    Case("assign a float64 grad to a float32 leaf", lambda m, s: setattr(s.x, "grad", s.x.double())),
    Case("assign an int grad", lambda m, s: setattr(s.x, "grad", m.tensor([1, 1, 1]))),
    Case("assign a float32 grad to a float64 leaf",
         lambda m, s: setattr(m.ones(2, dtype=m.float64, requires_grad=True), "grad", m.ones(2))),
    Case("assign a grad of wrong dtype and size", lambda m, s: setattr(s.x, "grad", m.ones(2, dtype=m.float64))),
    Case("assign a grad that is not a tensor", lambda m, s: setattr(s.x, "grad", [1., 2., 3.])),
    # conversion
    Case("item() of several elements", lambda m, s: s.x.item()),
    Case("numpy() of a tensor that requires grad", lambda m, s: s.x.numpy()),
    Case("numpy() of a non-leaf", lambda m, s: s.y.numpy()),
    Case("float() of several elements", lambda m, s: float(s.x)),
    Case("int() of several elements", lambda m, s: int(s.p)),
    Case("bool() of several elements", lambda m, s: bool(s.p > 0)),
    Case("bool() of an empty tensor", lambda m, s: bool(m.tensor([]))),
    Case("len() of a 0-d tensor", lambda m, s: len(s.loss)),
    Case("iterating a 0-d tensor", lambda m, s: list(s.loss)),
    # in-place
    Case("add_ on a leaf that requires grad", lambda m, s: s.x.add_(1)),
    Case("mul_ on a leaf that requires grad", lambda m, s: s.x.mul_(2)),
    Case("+= on a leaf that requires grad", lambda m, s: s.x.__iadd__(1)),
    Case("zero_ on a leaf that requires grad", lambda m, s: s.x.zero_()),
    Case("fill_ on a leaf that requires grad", lambda m, s: s.x.fill_(0)),
    Case("copy_ on a leaf that requires grad", lambda m, s: s.x.copy_(m.zeros(3))),
    Case("setitem on a leaf that requires grad", lambda m, s: s.x.__setitem__(0, 5.)),
    Case("setitem of a slice of a leaf", lambda m, s: s.w.__setitem__(slice(0, 1), 5.)),
    Case("setitem of a full slice of a leaf", lambda m, s: s.w.__setitem__(slice(None), 5.)),
    Case("setitem of ... of a leaf", lambda m, s: s.w.__setitem__(Ellipsis, 5.)),
    Case("setitem with None on a leaf", lambda m, s: s.w.__setitem__((None, 0), 5.)),
    Case("setitem with a 0-d index tensor", lambda m, s: s.x.__setitem__(m.tensor(1), 5.)),
    Case("setitem with an index tensor", lambda m, s: s.x.__setitem__(m.tensor([0, 1]), 5.)),
    Case("setitem with a mask", lambda m, s: s.x.__setitem__(s.x > 1, 0.)),
    Case("setitem int then index tensor", lambda m, s: s.w.__setitem__((0, m.tensor([1])), 5.)),
    Case("setitem ... then int", lambda m, s: s.w.__setitem__((Ellipsis, 1), 5.)),
    Case("in-place on a view of a leaf", lambda m, s: s.x[0:2].mul_(2)),
    Case("in-place float result into int", lambda m, s: s.i.add_(1.5)),
    Case("in-place true division of an int", lambda m, s: s.i.div_(2)),
    Case("in-place output shape mismatch", lambda m, s: s.p.add_(m.ones(2, 2))),
    Case("in-place output shape mismatch in a graph", lambda m, s: s.y.add_(m.ones(2, 3))),
    Case("in-place mul_ by a grad tensor of another shape", lambda m, s: s.p.mul_(s.w)),
    Case("in-place broadcast mismatch in a graph", lambda m, s: s.y.mul_(m.ones(2))),
    # shapes
    Case("mm shape mismatch", lambda m, s: m.mm(m.ones(2, 3), m.ones(4, 5))),
    Case("@ 2-D shape mismatch", lambda m, s: m.ones(2, 3) @ m.ones(4, 5)),
    Case("mm of a vector", lambda m, s: m.mm(m.ones(3), m.ones(3, 2))),
    Case("mv size mismatch", lambda m, s: m.mv(m.ones(2, 3), m.ones(4))),
    Case("@ matrix-vector mismatch", lambda m, s: m.ones(2, 3) @ m.ones(4)),
    Case("dot size mismatch", lambda m, s: m.dot(m.ones(3), m.ones(4))),
    Case("dot of a matrix", lambda m, s: m.dot(m.ones(3), m.ones(3, 1))),
    Case("@ vector-vector mismatch", lambda m, s: s.x @ m.ones(4)),
    Case("@ 1-D @ 2-D mismatch", lambda m, s: s.x @ m.ones(4, 5)),
    Case("@ batched inner mismatch", lambda m, s: m.ones(2, 2, 3) @ m.ones(2, 4, 5)),
    Case("@ batched batch mismatch", lambda m, s: m.ones(2, 2, 3) @ m.ones(3, 3, 5)),
    Case("@ 3-D @ 2-D mismatch", lambda m, s: m.ones(2, 2, 3) @ m.ones(4, 5)),
    Case("@ 3-D @ 1-D mismatch", lambda m, s: m.ones(2, 2, 3) @ m.ones(4)),
    Case("@ 2-D @ 3-D mismatch", lambda m, s: m.ones(2, 3) @ m.ones(2, 4, 5)),
    Case("@ 1-D @ 3-D mismatch", lambda m, s: s.x @ m.ones(2, 4, 5)),
    Case("@ batch and inner mismatch", lambda m, s: m.ones(2, 2, 3) @ m.ones(3, 4, 5)),
    Case("@ 4-D broadcast inner mismatch", lambda m, s: m.ones(2, 1, 2, 3) @ m.ones(5, 4, 2)),
    Case("@ of a 0-d tensor", lambda m, s: s.loss @ s.x),
    Case("bmm batch mismatch", lambda m, s: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 5))),
    Case("bmm of a matrix", lambda m, s: m.bmm(m.ones(2, 3), m.ones(3, 3, 5))),
    Case("broadcast mismatch +", lambda m, s: m.ones(2, 3) + m.ones(4)),
    Case("broadcast mismatch * with grad", lambda m, s: s.x * m.ones(2)),
    Case("broadcast mismatch in a comparison", lambda m, s: s.x > s.p),
    Case("broadcast mismatch -", lambda m, s: s.x - s.p),
    Case("broadcast mismatch / with a number first", lambda m, s: 1 / s.x + s.p),
    Case("broadcast mismatch in maximum", lambda m, s: m.maximum(s.x, s.p)),
    Case("broadcast mismatch in where", lambda m, s: m.where(s.x > 1, s.x, s.p)),
    Case("broadcast mismatch in pow", lambda m, s: s.x ** s.p),
    Case("expand to a bad size", lambda m, s: s.x.expand(2, 4)),
    Case("dim out of range: sum", lambda m, s: s.x.sum(dim=1)),
    Case("dim out of range: negative", lambda m, s: s.w.sum(-3)),
    Case("dim out of range: transpose", lambda m, s: s.w.transpose(0, 2)),
    Case("dim out of range: softmax", lambda m, s: s.w.softmax(dim=2)),
    Case("dim out of range: unsqueeze", lambda m, s: s.x.unsqueeze(2)),
    Case("dim out of range: size()", lambda m, s: s.x.size(1)),
    Case("dim out of range: max", lambda m, s: s.w.max(dim=2)),
    Case("dim out of range: cat", lambda m, s: m.cat([s.x, s.x], dim=1)),
    Case("dim out of range: stack", lambda m, s: m.stack([s.x, s.x], dim=2)),
    Case("dim out of range: mean", lambda m, s: s.w.mean(dim=2)),
    Case("dim out of range: squeeze", lambda m, s: s.w.squeeze(2)),
    Case("dim out of range: flatten", lambda m, s: s.w.flatten(0, 2)),
    Case("dim out of range: log_softmax", lambda m, s: s.x.log_softmax(dim=-2)),
    Case("dim out of range: argmax", lambda m, s: s.w.argmax(dim=2)),
    Case("dim out of range: sum of a 0-d tensor", lambda m, s: s.loss.sum(dim=1)),
    Case("dim out of range: permute", lambda m, s: s.w.permute(0, 2)),
    Case("permute with a repeated dim", lambda m, s: s.w.permute(1, 1)),
    Case("bad reshape", lambda m, s: s.w.reshape(3, 2)),
    Case("bad reshape with -1", lambda m, s: s.x.reshape(-1, 2)),
    Case("reshape with two -1", lambda m, s: s.w.reshape(-1, -1)),
    Case("bad view", lambda m, s: s.w.view(5)),
    Case("view of a non-contiguous tensor", lambda m, s: m.ones(2, 3).t().view(6)),
    Case("cat size mismatch", lambda m, s: m.cat([m.ones(2, 3), m.ones(3, 2)])),
    Case("cat dims mismatch", lambda m, s: m.cat([s.w, s.x])),
    Case("cat of nothing", lambda m, s: m.cat([])),
    Case("stack size mismatch", lambda m, s: m.stack([s.x, s.p])),
    Case("stack of nothing", lambda m, s: m.stack([])),
    Case("permute with too few dims", lambda m, s: s.w.permute(0)),
    Case("t() of a 3-D tensor", lambda m, s: m.ones(2, 2, 2).t()),
    Case(".mT of a 1-D tensor", lambda m, s: s.x.mT),
    # indexing
    Case("index out of range", lambda m, s: s.x[3]),
    Case("negative index out of range", lambda m, s: s.w[-3]),
    Case("too many indices", lambda m, s: s.x[0, 0]),
    Case("tensor index out of range", lambda m, s: s.x[m.tensor([0, 5])]),
    Case("mask of the wrong shape", lambda m, s: s.x[m.tensor([True, False])]),
    Case("2-D mask of the wrong shape", lambda m, s: m.ones(2, 3)[m.tensor([[True, False]] * 2)]),
    Case("mask on the second dim", lambda m, s: m.ones(2, 3)[:, m.tensor([True, False])]),
    Case("mask after an int", lambda m, s: m.ones(2, 3)[0, m.tensor([True, False])]),
    Case("mask after None", lambda m, s: m.ones(2, 3)[None, m.tensor([True, True, False])]),
    Case("mask after ...", lambda m, s: m.ones(2, 3, 4)[..., m.tensor([True, False])]),
    # dtypes
    Case("mean of an integer tensor", lambda m, s: s.i.mean()),
    Case("where with a non-bool condition", lambda m, s: m.where(s.i, s.x, s.x)),
    Case("mm of float and double", lambda m, s: m.mm(s.w, s.w.double())),
    Case("clamp without bounds", lambda m, s: m.clamp(s.x)),
    Case("arange with step 0", lambda m, s: m.arange(0, 3, 0)),
    Case("arange with the wrong step sign", lambda m, s: m.arange(5, 1)),
    Case("randint with low >= high", lambda m, s: m.randint(5, 3, (2,))),
    Case("tensor of ragged lists", lambda m, s: m.tensor([[1, 2], [3, 4, 5]])),
    Case("tensor of deeper ragged lists", lambda m, s: m.tensor([[[1], [2]], [[3], [4, 5]]])),
    Case("tensor of a string", lambda m, s: m.tensor("a")),
    Case("tensor of None", lambda m, s: m.tensor(None)),
    Case("tensor of several-element tensors", lambda m, s: m.tensor([s.p, s.p])),
    Case("fill_ with a 1-D tensor", lambda m, s: s.p.fill_(m.tensor([3.]))),
    Case("float tensor as an index", lambda m, s: s.x[m.tensor([0.])]),
    # issue 11, item 9: PyTorch's own answer where numpy would raise (or not)
    Case("max(dim) over an empty dim", lambda m, s: m.ones(0, 2).max(dim=0)),
    Case("min(dim) over an empty dim", lambda m, s: m.ones(2, 0).min(1)),
    Case("argmax of an empty tensor", lambda m, s: m.tensor([]).argmax()),
    Case("argmin over an empty dim", lambda m, s: m.ones(0, 3).argmin(0)),
    Case("max() of an empty tensor", lambda m, s: m.tensor([]).max()),
    Case("integer // 0", lambda m, s: m.tensor([1]) // 0),
    Case("integer % 0", lambda m, s: s.i % m.tensor([1, 0, 2])),
    Case("integer div floor by 0", lambda m, s: m.div(s.i, 0, rounding_mode="floor")),
    Case("bool - bool", lambda m, s: m.tensor([True]) - m.tensor([False])),
    Case("-bool", lambda m, s: -m.tensor([True, False])),
    Case("bool.neg()", lambda m, s: m.tensor([True]).neg()),
    Case("bool ** bool", lambda m, s: m.tensor([True]) ** m.tensor([False])),
    Case("bool // bool", lambda m, s: m.tensor([True]) // True),
    Case("bool % bool", lambda m, s: m.tensor([True]) % m.tensor([True])),
    Case("float & float", lambda m, s: s.p & s.p),
    Case("double | int", lambda m, s: s.p.double() | s.i[:2]),
    Case("int ** negative int", lambda m, s: s.i ** -1),
    Case("backward through floor_divide", lambda m, s: (s.x // 2).sum().backward()),
    Case("backward through number % tensor", lambda m, s: (2 % s.x).sum().backward()),
    # item 10: refused as PyTorch refuses
    Case("softmax of an integer tensor", lambda m, s: s.i.softmax(0)),
    Case("softmax of an integer matrix, dim 0", lambda m, s: m.ones(2, 2, dtype=m.int64).softmax(0)),
    Case("log_softmax of an integer tensor", lambda m, s: s.i.log_softmax(-1)),
    Case("x - True", lambda m, s: s.x - True),
    Case("True - x", lambda m, s: True - s.p),
    Case("x.sub_(bool tensor)", lambda m, s: s.p.sub_(m.tensor([True, False]))),
    Case("partly overlapping add_", lambda m, s: (lambda a: a[1:].add_(a[:2]))(m.arange(3.))),
    Case("partly overlapping copy_", lambda m, s: (lambda a: a[1:].copy_(a[:3]))(m.arange(4.))),
    Case("partly overlapping setitem", lambda m, s: (lambda a: a.__setitem__(slice(0, 3), a[1:]))(
        m.arange(4.))),
    Case("add_ into an expanded tensor", lambda m, s: s.p[:1].expand(3).add_(1)),
    Case("mul_ of an expanded tensor in a graph", lambda m, s: (s.x[:1] * 1).expand(3).mul_(2)),
    # item 12: PyTorch's wording
    Case("matmul of float and long", lambda m, s: m.ones(2, 2) @ m.ones(2, 2, dtype=m.int64)),
    Case("mm of long and double", lambda m, s: m.ones(2, 2, dtype=m.int64).mm(m.ones(2, 2, dtype=m.float64))),
    Case("in-place change of min()'s result", lambda m, s: _inplace_on_saved_result(m, lambda x: x.min())),
    Case("in-place change of pow's result", lambda m, s: _inplace_on_saved_result(
        m, lambda x: m.pow(x, m.tensor([2., 2., 2.])))),
    Case("in-place change of max()'s result", lambda m, s: _inplace_on_saved_result(m, lambda x: x.max())),
    Case("in-place change of 2 ** x", lambda m, s: _inplace_on_saved_result(m, lambda x: 2 ** x)),
    Case("both saved inputs of a product changed", lambda m, s: _two_saved_changed(
        m, lambda a, b: a * b, (2,), ())),
    Case("both saved inputs of mm changed", lambda m, s: _two_saved_changed(m, lambda a, b: a @ b, (1, 2), (2, 3))),
    Case("both saved inputs of a division changed", lambda m, s: _two_saved_changed(
        m, lambda a, b: a / b, (2,), ())),
    # every saved input changed: the error names the one PyTorch's generated code unpacks first
    *[Case(f"all saved inputs of {name} changed", (lambda f, shapes: lambda m, s: _all_saved_changed(m, f, shapes))(
        f, shapes)) for name, f, shapes in [
        ("a ** b", lambda m, a, b: a ** b, [(2,), (2,)]),
        ("maximum", lambda m, a, b: m.maximum(a, b), [(2,), (2,)]),
        ("minimum", lambda m, a, b: m.minimum(a, b), [(2,), (2,)]),
        ("mv", lambda m, a, b: m.mv(a, b), [(2, 2), (2,)]), ("dot", lambda m, a, b: m.dot(a, b), [(2,), (2,)]),
        ("bmm", lambda m, a, b: m.bmm(a, b), [(1, 2, 2), (1, 2, 2)]),
        ("clamp(a, lo, hi)", lambda m, a, b, c: m.clamp(a, b, c), [(2,), (2,), (2,)]),
        ("clamp(a, lo)", lambda m, a, b: m.clamp(a, b), [(2,), (2,)]),
        ("clamp_min", lambda m, a, b: m.clamp_min(a, b), [(2,), (2,)]),
        ("clamp_max", lambda m, a, b: m.clamp_max(a, b), [(2,), (2,)]),
        ("div(rounding_mode='floor')", lambda m, a, b: m.div(a, b, rounding_mode="floor"), [(2,), (2,)]),
        ("remainder", lambda m, a, b: m.remainder(a, b), [(2,), (2,)]),
        ("mse_loss", lambda m, a, b: m.nn.functional.mse_loss(a, b), [(2,), (2,)]),
        ("binary_cross_entropy", lambda m, a, b: m.nn.functional.binary_cross_entropy(a, b), [(2,), (2,)]),
        ("linear", lambda m, a, b, c: m.nn.functional.linear(a, b, c), [(2, 2), (2, 2), (2,)]),
    ]],
    Case("std's input and result changed", lambda m, s: _std_both_changed(m)),
    Case("where with sizes that do not broadcast", lambda m, s: m.where(m.tensor([True, False]), m.ones(3),
                                                                         m.ones(2))),
    Case("where, condition too long", lambda m, s: m.where(m.ones(3) > 0, m.ones(2), 1.)),
    Case("expand to another size", lambda m, s: m.ones(2, 3).expand(3, 2)),
    Case("expand of a long tensor", lambda m, s: s.i.expand(2, 4)),
    Case("expand to fewer dims", lambda m, s: s.w.expand(4)),
    Case("setitem of a value that does not fit", lambda m, s: (s.x * 1).__setitem__(slice(0, 2), m.ones(3))),
    Case("setitem of a list", lambda m, s: s.p.__setitem__(slice(0, 2), [1., 2.])),
    Case("index_put_ of a value that does not fit", lambda m, s: s.p.__setitem__(m.tensor([0, 1]), m.ones(3))),
    # clamp's bounds: tensors (broadcast, with gradients) or numbers; a 0-d tensor without grad passes
    # for a number, any other mix matches none of PyTorch's overloads
    Case("clamp with a tensor and a number", lambda m, s: m.clamp(s.x, m.ones(3), 2.)),
    Case("clamp with a number and a tensor", lambda m, s: m.clamp(s.x, 0., s.x)),
    Case("x.clamp with a tensor and a number", lambda m, s: s.x.clamp(s.x, 2)),
    Case("x.clamp_ with a tensor and a number", lambda m, s: s.p.clamp_(s.p, 2.)),
    Case("clamp_ of an int tensor by a float tensor", lambda m, s: s.i.clamp_(min=m.tensor(0.5))),
    Case("clamp_ of an int tensor by a 0-d tensor and a number", lambda m, s: s.i.clamp_(m.tensor(0.5), 3)),
    Case("clamp_max_ of an int tensor by a float tensor", lambda m, s: s.i.clamp_max_(m.tensor([1.5, 1, 1]))),
    Case("clamp_min_ by bounds that do not broadcast", lambda m, s: s.p.clamp_min_(m.ones(3))),
    Case("clamp_ of an expanded int tensor by a float", lambda m, s: s.i[:1].expand(3).clamp_min_(2.7)),
    Case("clamp_ of an expanded int tensor by a float tensor",
         lambda m, s: s.i[:1].expand(3).clamp_min_(m.tensor(2.7))),
    Case("clamp_ of an expanded bool tensor", lambda m, s: (s.p > 1)[:1].expand(2).clamp_(-0.7, 1.5)),
    Case("in-place bool subtraction of a transpose", lambda m, s: (s.w > 1).sub_((s.w > 1).t())),
    Case("abs_ of an expanded bool tensor", lambda m, s: (s.p > 1)[:1].expand(2).abs_()),
    Case("abs_ of a bool tensor", lambda m, s: (s.p > 1).abs_()),
    Case("mse_loss of sizes that do not broadcast", lambda m, s: m.nn.functional.mse_loss(s.x, m.ones(2))),
    Case("setitem of a number through a byte mask", lambda m, s: s.p.__setitem__(m.tensor([1, 0], dtype=m.uint8), 5.)),
    Case("setitem of a 1-element tensor through a byte mask and an int",
         lambda m, s: s.w.detach().__setitem__((m.tensor([1, 0], dtype=m.uint8), 0), m.tensor([5.]))),
    Case("backward with empty inputs", lambda m, s: s.loss.backward(inputs=[])),
    Case("autograd.backward with empty inputs", lambda m, s: m.autograd.backward(s.le, inputs=())),
    Case("-inf norm of an empty tensor", lambda m, s: m.zeros(0).norm(float("-inf"))),
    Case("negative norm of an empty tensor", lambda m, s: m.zeros(0, 2).norm(-1)),
    Case("inf norm over an empty dim", lambda m, s: m.zeros(2, 0, 3).norm(float("inf"), dim=(0, 1))),
    Case("-0.5 norm over an empty dim named from the end", lambda m, s: m.zeros(2, 0, 3).norm(-0.5, dim=-2)),
    Case("cross_entropy with an int32 target", lambda m, s: m.nn.functional.cross_entropy(s.w, m.tensor([0, 1], dtype=m.int32))),
    Case("nll_loss with a bool target", lambda m, s: m.nn.functional.nll_loss(s.w, m.tensor([True, False]))),
    Case("nll_loss with a float64 target", lambda m, s: m.nn.functional.nll_loss(s.w, m.tensor([0., 1.], dtype=m.float64))),
    Case("cross_entropy with a float64 target of another shape", lambda m, s: m.nn.functional.cross_entropy(s.w, m.tensor([0., 1.], dtype=m.float64))),
    # the indices max(dim), sort and topk return are saved for backward (and _saved_* checks too)
    Case("indices of max(dim) changed in place", lambda m, s: _indices_changed(m, lambda w: w.max(dim=-2))),
    Case("indices of sort changed in place", lambda m, s: _indices_changed(m, lambda w: w.sort(1))),
    Case("indices of topk changed in place", lambda m, s: _indices_changed(m, lambda w: w.topk(1))),
    Case("indices of max(0) of a 0-d tensor changed in place",
         lambda m, s: _indices_changed(m, lambda w: m.max(w[0, 0], 0))),
    Case("_saved_indices after they changed", lambda m, s: _indices_changed(m, lambda w: w.max(0), "_saved_indices")),
    Case("_saved_self after it changed", lambda m, s: _saved_attribute_after_change(m, "_saved_self")),
    Case("_saved_result after it changed", lambda m, s: _saved_attribute_after_change(m, "_saved_result")),
    # lerp
    Case("lerp with an int tensor weight", lambda m, s: m.lerp(s.x, s.y, s.i)),
    Case("lerp with a float64 weight", lambda m, s: m.lerp(s.x, s.y, s.x.double())),
    Case("lerp to a float64 end", lambda m, s: s.x.lerp(s.y.double(), 0.5)),
    Case("lerp of int tensors", lambda m, s: m.lerp(s.i, s.i, 0.5)),
    Case("lerp of int tensors by an int weight", lambda m, s: m.lerp(s.i, s.i, s.i)),
    Case("lerp to an end of another size", lambda m, s: m.lerp(s.x, s.p, 0.5)),
    Case("lerp by a weight of another size", lambda m, s: m.lerp(s.x, s.y, s.p)),
    Case("lerp by a number weight", lambda m, s: m.lerp(s.x, 2.0, 0.5)),
    Case("lerp's saved weight changed in place", lambda m, s: (lambda w: (m.lerp(s.x, s.y, w).sum(), w.add_(1)))(
        s.x * 1)[0].backward()),
    # scatter / scatter_add (index: int64 or int32, of self's dims, no larger than self apart from dim
    # nor than src, in range)
    Case("scatter with a float index", lambda m, s: s.w.scatter(0, m.zeros(1, 2), s.w)),
    Case("scatter with an index of fewer dims", lambda m, s: s.w.scatter(0, m.tensor([0, 1]), s.w)),
    Case("scatter with an index out of range", lambda m, s: s.w.scatter(1, m.tensor([[0, 2]]), s.w)),
    Case("scatter with a negative index", lambda m, s: m.scatter(s.w, 0, m.tensor([[-1, 0]]), 1.5)),
    Case("scatter with an index larger than src", lambda m, s: s.w.scatter(0, m.tensor([[0, 1], [1, 0]]), s.w[:1])),
    Case("scatter with an index larger than self", lambda m, s: s.w.scatter(0, m.tensor([[0, 1, 0]]), s.w)),
    Case("scatter of a float64 src", lambda m, s: s.w.scatter(0, m.tensor([[0, 1]]), s.w.double())),
    Case("scatter_add of a number", lambda m, s: s.w.scatter_add(0, m.tensor([[0, 1]]), 2.0)),
    Case("scatter_add with a dim out of range", lambda m, s: m.scatter_add(s.w, 2, m.tensor([[0, 1]]), s.w)),
    Case("backward of a scatter from a src larger than its index",
         lambda m, s: s.w.scatter(1, m.tensor([[1]]), s.w * 2).sum().backward()),
    # layer norm: PyTorch's parser, then layer_norm_cpu's checks in their order
    Case("layer_norm with an int normalized_shape", lambda m, s: m.nn.functional.layer_norm(s.w, 2)),
    Case("torch.layer_norm with an int normalized_shape by name", lambda m, s: m.layer_norm(s.w, normalized_shape=2)),
    Case("layer_norm with a float in normalized_shape", lambda m, s: m.nn.functional.layer_norm(s.w, (2.0,))),
    Case("layer_norm with a bool in normalized_shape", lambda m, s: m.layer_norm(s.w, [True])),
    Case("layer_norm with a tensor for normalized_shape", lambda m, s: m.nn.functional.layer_norm(s.w, s.i)),
    Case("layer_norm of a list", lambda m, s: m.nn.functional.layer_norm([1., 2.], (2,))),
    Case("layer_norm with a list weight", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), [1., 1.])),
    Case("torch.layer_norm with a list bias by name", lambda m, s: m.layer_norm(s.w, (2,), bias=[1., 1.])),
    Case("layer_norm with a str eps", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), eps="a")),
    Case("layer_norm with too many arguments", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), None, None, 1e-5, 1)),
    Case("layer_norm without normalized_shape", lambda m, s: m.nn.functional.layer_norm(s.w)),
    Case("torch.layer_norm without normalized_shape", lambda m, s: m.layer_norm(s.w)),
    Case("torch.layer_norm without input", lambda m, s: m.layer_norm(normalized_shape=[2])),
    Case("torch.layer_norm with an unknown keyword", lambda m, s: m.layer_norm(s.w, [2], foo=1)),
    Case("layer_norm with an empty normalized_shape", lambda m, s: m.nn.functional.layer_norm(s.w, [])),
    Case("layer_norm with a normalized_shape not the input's", lambda m, s: m.nn.functional.layer_norm(s.w, (3,))),
    Case("layer_norm over more dims than the input has", lambda m, s: m.layer_norm(s.x, [1, 3])),
    Case("layer_norm of a 0-d tensor", lambda m, s: m.nn.functional.layer_norm(s.le, [1])),
    Case("layer_norm with a weight of another shape", lambda m, s: m.nn.functional.layer_norm(s.w, (2, 2), s.p)),
    Case("layer_norm with a bias of another shape", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), s.p, s.x)),
    Case("layer_norm with a weight of the right size, not shape",
         lambda m, s: m.nn.functional.layer_norm(s.w, (2,), s.p[None])),
    Case("layer_norm with a double weight", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), s.p.double())),
    Case("layer_norm with a double bias", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), s.p, s.p.double())),
    Case("layer_norm with a double bias and no weight", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), None, s.p.double())),
    Case("layer_norm with a half weight", lambda m, s: m.nn.functional.layer_norm(s.w, (2,), s.p.half())),
    Case("layer_norm of a double with a float weight", lambda m, s: m.nn.functional.layer_norm(s.w.double(), (2,), s.p)),
    Case("layer_norm of a half with a float weight and a half bias",
         lambda m, s: m.nn.functional.layer_norm(s.w.half(), (2,), s.p, s.p.half())),
    Case("layer_norm of a half with a half weight and a float bias",
         lambda m, s: m.nn.functional.layer_norm(s.w.half(), (2,), s.p.half(), s.p)),
    Case("layer_norm of ints", lambda m, s: m.nn.functional.layer_norm(s.i, (3,))),
    Case("layer_norm of ints with an int weight", lambda m, s: m.nn.functional.layer_norm(s.i, (3,), s.i)),
    Case("layer_norm of ints with a float weight", lambda m, s: m.nn.functional.layer_norm(s.i, (3,), s.x)),
    Case("layer_norm of ints, normalized_shape not theirs", lambda m, s: m.nn.functional.layer_norm(s.i, (2,))),
    Case("LayerNorm of a double input", lambda m, s: m.nn.LayerNorm(2)(s.w.double())),
    Case("LayerNorm of an input of another size", lambda m, s: m.nn.LayerNorm([3])(s.w)),
    Case("LayerNorm of a float size", lambda m, s: m.nn.LayerNorm(2.0)),
    Case("layer_norm's saved input changed in place", lambda m, s: (lambda h: (m.nn.functional.layer_norm(
        h, (2,)).sum(), h.mul_(2)))(s.w * 1)[0].backward()),
    Case("layer_norm's saved weight changed in place", lambda m, s: (lambda v: (m.nn.functional.layer_norm(
        s.w, (2,), v).sum(), v.add_(1)))(s.x[:2] * 1)[0].backward()),
    # amax / amin
    Case("amax of an empty tensor, no dim", lambda m, s: m.amax(m.zeros(0, 3))),
    Case("amin of an empty tensor over its empty dim", lambda m, s: m.zeros(0, 3).amin(-2)),
    Case("amax over dims, the second empty", lambda m, s: m.amax(m.zeros(2, 0, 3), (0, 1))),
    Case("amax over a dim out of range", lambda m, s: s.w.amax(2)),
    Case("amin over a repeated dim", lambda m, s: s.w.amin((1, -1))),
    Case("amax's saved result changed in place", lambda m, s: _inplace_on_saved_result(m, lambda x: x.amax())),
    # a negative size: each factory says which (numpy's ValueError is not what torch raises)
    Case("empty of a negative size", lambda m, s: m.empty(2, -3)),
    Case("zeros of a negative size", lambda m, s: m.zeros(-1)),
    Case("ones of a negative size", lambda m, s: m.ones((0, -1))),
    Case("full of a negative size", lambda m, s: m.full((-2, -3), 1.0)),
    Case("rand of a negative size", lambda m, s: m.rand(-2)),
    Case("randn of a negative size", lambda m, s: m.randn(3, -1)),
    Case("randint of a negative size", lambda m, s: m.randint(0, 3, (-1,))),
    Case("Tensor(2, -3)", lambda m, s: m.Tensor(2, -3)),
    Case("new_zeros of a negative size", lambda m, s: s.x.new_zeros((2, -3))),
    Case("new_full of a negative size", lambda m, s: s.x.new_full((-1,), 2.0)),
    Case("eye of a negative n", lambda m, s: m.eye(-1)),
    Case("eye of a negative m", lambda m, s: m.eye(2, -3)),
    Case("nn.Linear with a negative in_features", lambda m, s: m.nn.Linear(-1, 2)),
    Case("nn.LayerNorm(-1)", lambda m, s: m.nn.LayerNorm(-1)),
    Case("view with a size below -1", lambda m, s: s.x.view(-3)),
    Case("reshape with a size below -1 after an inferred one", lambda m, s: s.w.reshape(-1, -2)),
    Case("view with two -1 before a size below -1", lambda m, s: s.w.view(-1, -1, -2)),
    Case("reshape with a size below -1 before two -1", lambda m, s: s.w.reshape(-2, -1, -1)),
    Case("view of 0 elements with a 0 and a -1", lambda m, s: m.zeros(0).view(0, -1)),
    Case("reshape of 6 elements with a 0 and a -1", lambda m, s: m.zeros(6).reshape(-1, 0)),
    # arrays a tensor cannot hold (they printed a KeyError, or made a tensor nothing could print)
    Case("from_numpy of an array of str", lambda m, s: m.from_numpy(np.array(["a", "b"]))),
    Case("tensor of an array of objects", lambda m, s: m.tensor(np.array([None, 1.]))),
    Case("as_tensor of an array of dates", lambda m, s: m.as_tensor(np.array([np.datetime64("2020-01-01")]))),
    Case("tensor of a numpy str", lambda m, s: m.tensor(np.str_("1.5"))),
    Case("from_numpy of a numpy float", lambda m, s: m.from_numpy(np.float64(1.5))),
]


def _indices_changed(m, f, attribute=None):
    w = m.tensor([[1., 3.], [2., 1.], [0.5, 4.]], requires_grad=True)
    values, indices = f(w)
    indices.add_(0)
    if attribute:
        return getattr(values.grad_fn, attribute)
    values.backward(m.ones_like(values))


def _saved_attribute_after_change(m, attribute):
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 1
    node = (y * y if attribute == "_saved_self" else y.exp()).grad_fn
    with m.no_grad():
        y.add_(1)
    if attribute == "_saved_result":
        e = x.exp()
        node = e.grad_fn
        e.add_(1)
    return getattr(node, attribute)


def _two_saved_changed(m, f, shape_a, shape_b):
    """Both tensors an op saved are changed in place: the error names the one PyTorch's generated
    code unpacks first (the other input of a product, mat2 of mm)."""
    a = m.ones(*shape_a, requires_grad=True)
    b = m.full(shape_b, 2., requires_grad=True)
    c = f(a, b)
    with m.no_grad():
        a.mul_(2)
        b.mul_(2)
    c.sum().backward()


def _all_saved_changed(m, f, shapes):
    """Each input made by its own op (Mul, Add, Sub), so the message says which one it names."""
    leaves = [m.full(shape, 0.25 * (i + 1), requires_grad=True) for i, shape in enumerate(shapes)]
    inputs = [make(leaf) for make, leaf in zip((lambda t: t * 1, lambda t: t + 0, lambda t: t - 0), leaves)]
    y = f(m, *inputs)
    with m.no_grad():
        for t in inputs:
            t.mul_(1)
    y.sum().backward()


def _std_both_changed(m):
    x = m.tensor([1., 2., 4.], requires_grad=True)
    y = x * 1
    s = y.std()
    with m.no_grad():
        y.add_(1)
        s.add_(1)
    s.backward()


def _inplace_on_saved_result(m, f):
    """An op that saves its result, whose result is then changed in place: backward refuses."""
    x = m.tensor([1., 2., 3.], requires_grad=True)
    y = f(x)
    y.mul_(2)
    y.sum().backward()


def run(m, case):
    """(exception type, message, state before, state after, follow-up gradient) on module m."""
    s = make_state(m)
    if case.prep is not None:
        case.prep(m, s)
    before = snapshot(s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case.action(m, s)
        except Exception as e:  # noqa: BLE001 -- the exception is what is compared
            error = (type(e).__name__, str(e))
        else:
            error = None
    after = snapshot(s)
    # the state still works: a fresh graph from the same leaves backwards normally
    s.x.grad = None
    (s.x * s.x * 3).sum().backward()
    follow_up = s.x.grad.tolist()
    return error, before, after, follow_up


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_error_matches_pytorch_and_corrupts_nothing(case):
    ours, theirs = run(ENGINE, case), run(TORCH, case)
    assert theirs[0] is not None, "the row does not raise in PyTorch: fix the row"
    assert ours[0] is not None, f"autograd_core did not raise; PyTorch raises {theirs[0]}"
    assert ours[0][0] == theirs[0][0], f"exception type {ours[0][0]}, PyTorch: {theirs[0][0]}"
    assert ours[0][1] == theirs[0][1], f"\nours:    {ours[0][1]}\nPyTorch: {theirs[0][1]}"
    assert close(ours[1], ours[2]), "the failed call changed the state"
    assert close(ours[2], theirs[2]), f"\nours:    {ours[2]}\nPyTorch: {theirs[2]}"
    assert ours[3] == theirs[3]


def test_every_row_has_a_unique_name():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


# --- a function called with a number or a list where PyTorch wants a Tensor -------------------------
# Every public function both packages have, with the arguments a student slips in (torch.exp(2.0),
# torch.mean([1., 2.]), torch.sum(3)): where PyTorch's argument parser refuses one because it is
# not a Tensor, autograd_core refuses it with the same type and words. Which functions those are is
# PyTorch's answer, read here at test time, not a list copied from the package. (Only functions
# whose documentation opens with a tensor first argument are called: calling torch.set_printoptions
# or torch.manual_seed with a slip would change the state every later test runs in.)
NOT_TENSORS = [(3.0,), (2,), ([1.0, 2.0],), (3.0, 2.0), (None,)]


def _outcome(function, args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            function(*args)
    except Exception as e:  # noqa: BLE001 (any exception is the answer being compared)
        return type(e).__name__, str(e).split("\n")[0]
    return None


def _refused_as_not_tensors():
    for name in sorted(dir(ENGINE)):
        ours, theirs = getattr(ENGINE, name), getattr(TORCH, name, None)
        if name.startswith("_") or not callable(ours) or isinstance(ours, type) or theirs is None:
            continue
        documented = (getattr(theirs, "__doc__", None) or "").strip()
        if not re.match(rf"{name}\((input|condition|mean|tensor)\b", documented):
            continue
        for args in NOT_TENSORS:
            refused = _outcome(theirs, args)
            if refused and "must be Tensor" in refused[1]:
                yield pytest.param(name, args, refused, id=f"{name}{args}")


@pytest.mark.parametrize("name, args, refused", list(_refused_as_not_tensors()))
def test_a_number_or_list_where_pytorch_wants_a_tensor(name, args, refused):
    assert _outcome(getattr(ENGINE, name), args) == refused


def test_the_guard_lets_numbers_through_where_pytorch_has_an_overload_for_them():
    for m in (ENGINE, TORCH):
        assert m.mul(2.0, m.ones(2)).tolist() == [2.0, 2.0]
        assert m.max(m.tensor([1., 3.]), 0).values.item() == 3.0
        assert m.where(m.tensor([True, False]), 1.0, 0.0).tolist() == [1.0, 0.0]
        assert m.normal(0.0, 1.0, size=(3,)).shape == (3,)
        assert m.exp(input=m.zeros(1)).tolist() == [1.0]


F_SLIPS = ["relu(3.0)", "relu([1., 2.])", "leaky_relu(3.0)", "softplus([1., 2.])", "elu(2)", "gelu(3.0)",
           "gelu(m.ones(2), 'tanh')", "one_hot([1, 2])", "nll_loss(3.0, 2.0)", "sigmoid(3.0)", "tanh([1.])",
           "softmax(3.0)", "softmax(3.0, 0)", "log_softmax([1.], 0)", "linear(3.0, m.ones(2, 2))"]


@pytest.mark.parametrize("call", F_SLIPS)
def test_a_number_or_list_given_to_nn_functional(call):
    outcomes = [_outcome(lambda: eval(f"m.nn.functional.{call}", {"m": m}), ()) for m in (ENGINE, TORCH)]
    assert outcomes[1] is not None, "PyTorch accepts this call: fix the row"
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("data", [[1 + 2j], np.array([1 + 2j]), np.array([1], dtype=np.uint32),
                                  np.zeros(2, dtype=np.uint64)], ids=["complex", "complex128", "uint32", "uint64"])
def test_a_dtype_torch_has_and_this_engine_has_not_is_refused_by_name(data):
    """PyTorch makes a tensor of these; this engine's tensors are real and at most int64 wide: it says
    so (it made a tensor whose printing raised KeyError dtype('complex128'))."""
    import torch
    name = str(torch.tensor(data).dtype).removeprefix("torch.")
    for make in (ENGINE.tensor, ENGINE.as_tensor) + ((ENGINE.from_numpy,) if isinstance(data, np.ndarray) else ()):
        with pytest.raises(TypeError, match=f"^autograd_core has no {name} tensors \\(PyTorch has them\\)"):
            make(data)



@pytest.fixture
def notebook_shell():
    """An IPython shell with autograd_core imported as torch and a leaf a, cleared afterwards (a shell
    left in the process changes later tests: conftest's _no_ipython_shell_left)."""
    shell = InteractiveShell.instance()
    shell.colors = "nocolor"
    shell.run_cell("import autograd_core as torch\na = torch.ones(2, 3, requires_grad=True)")
    yield shell
    InteractiveShell.clear_instance()


@pytest.mark.parametrize("cell, shown, hidden", [
    ("a @ a", ["in matmul(", "in mm(", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"],
     ["<locals>.op(", "<locals>.quiet("]),
    ("a.sum(axis=5)", ["in _dim(", "Dimension out of range"], ["<locals>.taking_numpy_names("]),
    ("torch.exp(2.0)", ["exp(): argument 'input' (position 1) must be Tensor, not float"], []),
])
def test_a_notebooks_traceback_leaves_out_the_engines_wrappers(notebook_shell, cell, shown, hidden):
    """In a notebook (IPython) an error's traceback shows the student's line and the engine's functions
    that checked, not the wrappers around them (__tracebackhide__), but for a wrapper that raised."""
    with capture_output() as captured:
        notebook_shell.run_cell(cell)
    text = captured.stdout
    assert all(s in text for s in shown), text
    assert not any(h in text for h in hidden), text
    if hidden:
        assert "skipping hidden" in text, text
