"""What torch.autograd.grad hands back is the backward's own tensor, as in PyTorch: not a copy.

The gradient of a sum is the incoming gradient expanded (all strides 0: writing into it in place is
refused, and setting one element sets them all); a transpose's is a transposed view; the gradient
of an input reached only through additions is the grad_outputs tensor itself. Each is a view made
in no_grad mode, so an in-place op that autograd would record on it is refused. Checked against
torch: shape, strides, whether it is a view, and what it shares memory with.
"""
import warnings

import pytest

from torch_oracle import ENGINE, assert_same, outcome

OPS = {
    "sum": lambda m, x: x.sum(), "sum(0)": lambda m, x: x.sum(0), "sum(1, keepdim)": lambda m, x: x.sum(1, keepdim=True),
    "mean": lambda m, x: x.mean(), "mean(0)": lambda m, x: x.mean(0), "x.t()": lambda m, x: x.t(), "x.T": lambda m, x: x.T,
    "mT": lambda m, x: x.mT, "view": lambda m, x: x.view(6), "reshape": lambda m, x: x.reshape(3, 2),
    "flatten": lambda m, x: x.flatten(), "unsqueeze": lambda m, x: x.unsqueeze(0),
    "squeeze": lambda m, x: x.unsqueeze(1).squeeze(1), "permute": lambda m, x: x.permute(1, 0),
    "transpose": lambda m, x: x.transpose(0, 1), "x[0]": lambda m, x: x[0], "x[:, 1:]": lambda m, x: x[:, 1:],
    "x[[0, 1]]": lambda m, x: x[[0, 1]], "x + 1": lambda m, x: x + 1, "x + x": lambda m, x: x + x,
    "x - 1": lambda m, x: x - 1, "1 - x": lambda m, x: 1 - x, "x * 2": lambda m, x: x * 2, "-x": lambda m, x: -x,
    "clone": lambda m, x: x.clone(), "contiguous of t": lambda m, x: x.t().contiguous(), "flip": lambda m, x: x.flip(0),
    "cat": lambda m, x: m.cat([x, x]), "stack": lambda m, x: m.stack([x, x]), "expand": lambda m, x: x[:1].expand(3, 3),
    "expand to the same": lambda m, x: x.expand(2, 3), "double": lambda m, x: x.double(), "relu": lambda m, x: x.relu(),
    "x @ w": lambda m, x: x @ m.ones(3, 2), "w @ x": lambda m, x: m.ones(2, 2) @ x, "softmax": lambda m, x: x.softmax(1),
    "mse_loss": lambda m, x: m.nn.functional.mse_loss(x, m.zeros(2, 3)),
    "linear's bias": lambda m, x: m.nn.functional.linear(m.ones(2, 3), m.ones(2, 3), x[0, :2]),
    "unbind": lambda m, x: x.unbind(0)[1], "split": lambda m, x: x.split(1)[0], "chunk": lambda m, x: x.chunk(3, 1)[2],
    "narrow": lambda m, x: x.narrow(1, 0, 2), "select": lambda m, x: x.select(1, 1), "repeat": lambda m, x: x.repeat(2, 1),
    "repeat with a new dim": lambda m, x: x.repeat(2, 1, 2), "where": lambda m, x: m.where(x > 0, x, 0.),
    "max": lambda m, x: x.max(), "max(0)": lambda m, x: x.max(0)[0], "prod": lambda m, x: x.prod(),
    "norm": lambda m, x: x.norm(), "masked_fill": lambda m, x: x.masked_fill(x > 1, 0.), "x / 2": lambda m, x: x / 2,
    "sum of t": lambda m, x: x.t().sum(), "mean of t": lambda m, x: x.t().mean(), "sum(0) of t": lambda m, x: x.t().sum(0),
    "view of sum(1)": lambda m, x: x.sum(1).view(2, 1), "cumsum": lambda m, x: x.cumsum(1),
    "logsumexp": lambda m, x: x.logsumexp(1), "var": lambda m, x: x.var(), "std(0)": lambda m, x: x.std(0),
    "sort": lambda m, x: x.sort(1)[0], "x[None]": lambda m, x: x[None], "x[..., None]": lambda m, x: x[..., None],
    "view_as": lambda m, x: x.view(3, 2).view_as(x),
}


def _described(g, v=None):
    out = (tuple(g.shape), g.stride(), g._is_view(), g.is_contiguous())
    return out if v is None else out + (g is v, g._is_view() and g._base is v)


@pytest.mark.parametrize("name", sorted(OPS))
def test_autograd_grad_returns_what_backward_made_as_torch(name):
    def program(m):
        x = m.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        g, = m.autograd.grad(OPS[name](m, x).sum(), [x])
        y = OPS[name](m, x)
        v = m.ones_like(y)
        h, = m.autograd.grad(y, [x], v)
        return _described(g), _described(h, v), g, h
    assert outcome(program, ENGINE)[0] == "ok"
    assert_same(program)


def _two_inputs_one_gradient(m):
    """(a + b).sum(): both inputs get the one expanded tensor; setting one element sets them all."""
    a, b = m.ones(2, 3, requires_grad=True), m.ones(2, 3, requires_grad=True)
    ga, gb = m.autograd.grad((a + b).sum(), [a, b])
    ga[0, 0] = 5.
    return ga is gb, ga, gb, ga._version


def _inplace_on_an_expanded_gradient(m):
    a = m.zeros(2, 2, 3, requires_grad=True)
    c, = m.autograd.grad(a.mT.sum(), [a])
    try:
        c.div_(-2)
    except RuntimeError as e:
        return str(e)
    return c


def _recorded_inplace_on_a_gradient(m):
    """A gradient is a view made in no_grad mode: an in-place op autograd records is refused."""
    a = m.tensor([1., 2., 3.], requires_grad=True)
    g, = m.autograd.grad((a * 2).sum(), [a])
    d = g[:2]
    d -= a[:2]


def _gradient_of_an_addition_is_grad_outputs(m):
    x = m.ones(3, requires_grad=True)
    v = m.tensor([1., 2., 3.])
    g, = m.autograd.grad(x + 1, [x], v)
    w = m.tensor([1., 2., 3.])
    h, = m.autograd.grad((x * 1).view(3, 1), [x], w.view(3, 1))
    v.mul_(2)
    w.mul_(10)
    return g is v, g, h, h._base is w


def _two_calls_do_not_share(m):
    x = m.ones(2, requires_grad=True)
    y = x.sum()
    g1, = m.autograd.grad(y, [x], retain_graph=True)
    g2, = m.autograd.grad(y, [x])
    g1[0] = 3.
    return g1, g2


@pytest.mark.parametrize("program", [_two_inputs_one_gradient, _inplace_on_an_expanded_gradient,
                                     _recorded_inplace_on_a_gradient, _gradient_of_an_addition_is_grad_outputs,
                                     _two_calls_do_not_share], ids=lambda f: f.__name__.strip("_"))
def test_gradient_tensors_alias_as_in_torch(program):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(program)


def test_backward_into_grad_still_copies():
    """.grad is the leaf's own memory (AccumulateGrad clones an expanded gradient), as in PyTorch."""
    def program(m):
        x = m.ones(2, 3, requires_grad=True)
        x.sum().backward()
        x.grad[0, 0] = 7.
        return x.grad, x.grad.stride(), x.grad._is_view()
    assert_same(program)
