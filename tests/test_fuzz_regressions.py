"""Programs the differential fuzzer found (shrunk, then tidied by hand), each a named test: it runs
under autograd_core and torch through the fuzzer's harness (tests/fuzz_programs.py), compared after
every statement (values, dtype, shape, requires_grad, is_leaf, grad_fn, .grad; errors by type and
message). The program itself, under its name, is the description.

A program the engine still gets wrong is marked xfail(strict=True): the mark must come off in the
commit that fixes the engine (the test then fails as XPASS until it does).
"""
import pytest

import fuzz_programs as fuzz


def _not_fixed(name):
    return pytest.mark.xfail(strict=True, reason=f"fuzz-findings: {name}")


def case(name, program, fixed=False):
    return pytest.param(program, id=name, marks=() if fixed else _not_fixed(name))


PROGRAMS = [
    # --- a number that differs without an error --------------------------------------------------------
    case("an-efficient-zero-gradient-is-plain-zeros-to-atens-backward-kernels", """
a = torch.ones(2, requires_grad=True)
b = a.acosh()
b.tanh().sgn().sum().backward(retain_graph=True)
c = a.grad + 0
a.grad = None
torch.sigmoid(b).sgn().sum().backward(retain_graph=True)
d = a.grad + 0
a.grad = None
F.softplus(F.gelu(b)).sgn().sum().backward(retain_graph=True)
e = a.grad + 0
a.grad = None
F.mse_loss(b, b.detach() * 0.5, reduction="sum").sgn().backward()
f = a.grad + 0
""", fixed=True),
    # ... and to every ATen op without a ZeroTensor kernel: mean's backward divides by a Scalar (div.Scalar),
    # std's fills in place (masked_fill_: ZeroTensors are immutable); a view of one (diag's) stays one
    case("an-efficient-zero-gradient-is-plain-zeros-to-div-scalar", """
a = torch.tensor([0.7, -0.5], requires_grad=True)
k = torch.tensor([float("inf"), 2.0])
b = a * k
b.mean().sgn().backward(retain_graph=True)
c = a.grad + 0
a.grad = None
F.l1_loss(b, torch.zeros(2)).sgn().backward(retain_graph=True)
d = a.grad + 0
a.grad = None
b.unsqueeze(0).mean(1).sgn().sum().backward(retain_graph=True)
e = a.grad + 0
a.grad = None
torch.std_mean(b)[1].sgn().backward(retain_graph=True)
f = a.grad + 0
a.grad = None
h, = torch.autograd.grad(b.mean().sgn(), a, create_graph=True)
b.std().sgn().backward(retain_graph=True)
b.diag().sgn().sum().backward()
m = a.grad * 1
""", fixed=True),
    # (a float64 0-dim exponent of a float32 base: exponent - 1 was a numpy scalar, which pow took for a
    # number, with its sqrt shortcut: (-inf) ** 0.5 nan where ATen's pow gives inf)
    case("pow-backward-by-a-0-dim-exponent-of-another-dtype-is-a-tensor-power", """
f = torch.tensor([[[-1, 1]]]).log1p()
n = torch.tensor([[2.0, 1.3, 1.5], [-0.5, 4.0, 4.0]], requires_grad=True)
p = f @ n
q = torch.pow(p, torch.tensor(1.5, dtype=torch.float64))
q.backward(gradient=torch.tensor([[[0.0, 0.5, -1.0]]]))
a = torch.tensor([-float("inf"), -0.0, 4.0], requires_grad=True)
b = torch.pow(a, torch.tensor(0.5, dtype=torch.float64))
c, = torch.autograd.grad(b.sum(), a, create_graph=True)
d = torch.pow(a, torch.tensor(1.5, dtype=torch.float64))
d.sum().backward()
""", fixed=True),
    case("small-bmm-adds-rounded-products-in-order-as-atens-loop", """
a = torch.tensor([[[-3.0, 1.0, 1.0], [1.0, 3.0, 1.0], [0.0, 1.0, 1.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]], requires_grad=True)
b = torch.tan(a)
c = b @ b
d = c[c > 0]
e = torch.bmm(b.double(), b.double().transpose(1, 2))
e.sum().backward()
""", fixed=True),
    case("flip-writes-into-its-input", """
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.flip(0)
b.zero_()
""", fixed=True),
    case("integer-trunc-division-is-exact-past-2-to-the-53", """
a = torch.tensor([[2 ** 62 + 1, -(2 ** 62) - 3], [7, -7]])
b = torch.div(a, 3, rounding_mode="trunc")
c = torch.div(a, torch.tensor([[5, -5], [-2, 2]]), rounding_mode="trunc")
d = a.int().div(-2, rounding_mode="trunc")
""", fixed=True),
    case("remainder-has-a-gradient", """
x = torch.tensor([1.5, -2.0], requires_grad=True)
loss = (x % 2 + x).sum()
loss.backward()
""", fixed=True),
    case("sign-of-nan-is-zero", """
x = torch.tensor([float("nan"), -2.0, 0.0])
y = torch.sign(x)
""", fixed=True),
    case("abs-gradient-at-nan", """
x = torch.tensor([float("nan"), 1.0], requires_grad=True)
x.abs().sum().backward()
""", fixed=True),
    case("pow-gradient-at-zero-base", """
a = torch.tensor(0.0, requires_grad=True)
b = torch.pow(a, a)
b.backward()
""", fixed=True),
    case("clamp-gradient-where-clamped", """
a = torch.tensor(-2.0, requires_grad=True)
b = a.clamp(min=0) ** 0.5
b.backward()
""", fixed=True),
    case("comparison-with-a-float64-scalar-tensor", """
x = torch.tensor([-1.9, 0.1])
y = x != torch.tensor(-1.9, dtype=torch.float64)
""", fixed=True),
    case("remainder-by-a-float64-scalar-tensor", """
x = torch.tensor([0.3, 2.7, 4.0, 1.5])
y = x % torch.tensor(0.3, dtype=torch.float64)
""", fixed=True),
    case("retain-grad-filled-by-autograd-grad", """
a = torch.tensor([2.0, -1.0], requires_grad=True)
b = a * 3
b.retain_grad()
g, = torch.autograd.grad(b.sum(), [a])
""", fixed=True),
    case("minimum-gradient-with-nan", """
a = torch.tensor([float("nan"), 1.0], requires_grad=True)
b = torch.tensor([0.0, 0.0], requires_grad=True)
torch.minimum(a, b).sum().backward()
""", fixed=True),
    case("relu-gradient-at-nan", """
a = torch.tensor([-2.0, 1.0], requires_grad=True)
d = torch.log(1 / a)
d.relu_()
g, = torch.autograd.grad(d.sum(), [a])
""", fixed=True),
    case("max-gradient-with-nan", """
a = torch.tensor([float("nan"), 1.0, 2.0], requires_grad=True)
b = torch.max(a)
b.backward()
""", fixed=True),
    case("inplace-with-an-aliasing-operand", """
b = torch.ones(2, 3, 2, dtype=torch.int64)
c, d, e = b.chunk(3, dim=1)
b -= d
""", fixed=True),
    case("relu-of-negative-zero", """
x = torch.tensor([0.0]) * -1.0
y = torch.relu(x).reciprocal()
""", fixed=True),
    case("norm-backward-of-a-nan-gradient-at-zero", """
a = torch.zeros((), dtype=torch.float64, requires_grad=True)
b = torch.norm(a)
c = torch.pow(b, torch.tensor(-2.0))
c.backward(gradient=torch.tensor(0.0, dtype=torch.float64))
""", fixed=True),
    case("inplace-add-of-a-column-of-itself", """
a = torch.ones(4, 4, requires_grad=True)
b = a[..., -3]
with torch.no_grad():
    a.add_(b)
""", fixed=True),
    case("inplace-add-of-an-expanded-element-of-itself", """
a = torch.arange(48.0).view(3, 16)
a.add_(a[0, 1:2].expand(16))
b = torch.arange(40.0)
b.mul_(b[3:4].expand(40))
c = torch.arange(16.0).view(4, 4)
c.mul_(c[:, 2:3])
""", fixed=True),
    case("pow-by-false-is-not-pow-by-zero-in-backward", """
a = torch.tensor([[[1.0], [0.0]], [[1.0], [1.0]]], requires_grad=True)
b = a ** False
c = b.view(1, 2, 2)
c.backward(torch.ones_like(c))
""", fixed=True),
    case("in-place-on-a-0d-gradient-from-autograd-grad", """
a = torch.tensor(-0.5, dtype=torch.float64, requires_grad=True)
b = torch.ones((), requires_grad=True)
c = b - a
d, f = torch.autograd.grad(c.sum(), [a, c], retain_graph=True, allow_unused=True)
with torch.no_grad():
    d.sub_(torch.tensor(1.3))
h = torch.tanh(a)
k, = torch.autograd.grad(h, [a])
k.sqrt_()
""", fixed=True),
    case("cumsum-backward-over-a-size-one-dim-passes-the-gradient-on", """
a = torch.zeros(4, 1, requires_grad=True)
b = a.cumsum(dim=-1)
c, = torch.autograd.grad(b.sum(), [a], allow_unused=True)
c.add_(b)
""", fixed=True),
    case("repeat-of-a-transpose-is-contiguous", """
a = torch.arange(-2.0, 7.0).reshape(3, 3)
b = a.mT
c = b.repeat(1, 1)
d = c.view(-1)
""", fixed=True),
    case("inplace-reading-a-stale-unbind-piece-names-it", """
a = torch.tensor([[float("inf"), 1.0, -2.0, 4.0]], requires_grad=True)
b = a * a
c = b[b != 1]
d, f, h = c.unbind(0)
c.pow_(-1)
c *= d
""", fixed=True),
    case("setitem-into-expanded-view-of-a-leaf-is-the-leaf-error", """
a = torch.tensor([[[1.0, 1.0]], [[1.0, 1.0]]], requires_grad=True)
b = a.expand(3, -1, 2, -1)
b[0] = -1.0
""", fixed=True),
    case("setitem-of-the-very-same-elements-is-no-overlap", """
a = torch.tensor([[1.0]], dtype=torch.float64)
b = torch.ones(3, 3, requires_grad=True)
c = a[::2]
d = c.expand_as(b)
d[0:] = a
e = a.expand(3, 3)
e.copy_(a)
""", fixed=True),
    case("products-with-an-empty-operand-check-shapes-not-dtypes", """
a = torch.tensor([[True, False, True], [True, True, True]])
b = a.narrow(1, 1, 0)
c = b @ b.T
d = torch.tensor([[1, 1]])[1::2]
f = d @ torch.ones(2, 2, 2, requires_grad=True)
h = torch.ones(0, 3, 1) > 0
k = torch.bmm(h, torch.ones(0, 4, 1))
""", fixed=True),
    case("pow-of-minus-inf-by-a-0d-tensor-exponent", """
a = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(-float("inf")) ** a
b.backward()
c = torch.tensor([-0.0, -float("inf")], requires_grad=True) ** torch.tensor(1.5)
""", fixed=True),
    case("autograd-grad-runs-the-hooks-of-its-one-root", """
a = torch.zeros(4, requires_grad=True)
b = torch.full((1, 3), 0.0, dtype=torch.float64, requires_grad=True)
c = a @ a
c.retain_grad()
f, = torch.autograd.grad(c, [b], retain_graph=True, allow_unused=True)
c.backward()
""", fixed=True),
    case("where-is-laid-out-after-its-condition", """
a = torch.tensor([[1, 1], [1, 1], [1, 1], [1, 1]])
b = torch.tensor(0.25, requires_grad=True)
c, d = a.max(dim=0)
f = d.expand(2, 2)
h = torch.max(c, b)
k = torch.where(f > 0, f, h)
m = k.view(4)
""", fixed=True),
    case("log-softmax-backward-rounds-exp-as-aten", """
a = torch.arange(1.0, 7.0).reshape(2, 3).requires_grad_()
b = torch.log_softmax(a, 0)
c = torch.log(b)
d, = torch.autograd.grad(c.sum(), [a], allow_unused=True)
""", fixed=True),
    case("autograd-grad-of-a-chunk-piece-reaches-its-siblings-node", """
a = torch.ones(3, 3, 2, requires_grad=True)
b = a.transpose(2, 1)
c, d, f = b.chunk(3, dim=-1)
h = torch.maximum(c, torch.tensor(2))
k = torch.mul(h, torch.ones(3, 2, 1))
k.retain_grad()
m, = torch.autograd.grad(k.sum(), [f], allow_unused=True)
""", fixed=True),
    case("summed-0d-gradients-are-tensors-you-can-write-into", """
a = torch.arange(1.0, 2.0).reshape(()).requires_grad_()
b = (a - a).abs()
c, = torch.autograd.grad(b.sum(), [a], allow_unused=True)
c[...] = a
""", fixed=True),
    case("cat-leaves-out-1d-empty-tensors", """
a = torch.tensor([1.0, 1.0])
b = a.narrow(-1, 0, 0)
c = torch.cat([b, b], dim=1)
d = torch.ones(2, 3, requires_grad=True)
f = torch.cat([b, d, b], 1)
f.sum().backward()
""", fixed=True),
    case("var-backward-without-degrees-of-freedom-is-nan-or-inf", """
a = torch.linspace(-1, 1, 1, requires_grad=True)
b = a[..., -1]
d = b.reshape(1)
f = torch.max(b, d)
with torch.no_grad():
    f.sqrt_()
h = f.var()
h.backward()
""", fixed=True),
    case("inplace-result-on-a-view-is-named-by-the-views-grad-fn-while-it-lives", """
a = torch.tensor([1.0], requires_grad=True)
b = a.sum()
c = b[None]
d = +c
c.relu_()
f = c[c != 1]
b += torch.zeros(())
h = d.clamp_min(0.1)
h.backward()
""", fixed=True),
    case("gradient-into-an-integer-tensor-is-torchs-internal-assert", """
a = torch.arange(4)
b = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
a[:] = b
c = torch.sqrt(a)
d = c.mean()
d.backward()
""", fixed=True),
    case("expand-as-reads-only-the-others-shape", """
a = torch.tensor([[1.0, 1.0, 1.0, 1.0]], requires_grad=True)
b, = a.chunk(3, dim=-2)
with torch.no_grad():
    a.sqrt_()
c = a[1:][..., :1]
d = c.expand_as(b)
""", fixed=True),
    case("unbroadcast-gradient-of-a-0d-input-is-a-tensor", """
a = torch.zeros((), requires_grad=True)
b = a.expand(3)
c, = torch.autograd.grad(b.sum(), [a])
c[...] = 0.25
""", fixed=True),
    case("setitem-of-a-value-requiring-grad-checks-autograd-first", """
a = torch.ones(4, 3, requires_grad=True)
b, = torch.autograd.grad(a.sum(), [a], retain_graph=True, allow_unused=True)
c = a.norm()
b[2] = c
""", fixed=True),
    case("accumulating-into-grad-is-an-in-place-add-with-a-new-version", """
a = torch.arange(1.0, 13.0).reshape(4, 3).requires_grad_()
a.backward(gradient=torch.eye(4, 3), retain_graph=True)
b = a.grad
b.sub_(a)
c = b.t()
d = b - torch.tensor(0.5)
d.sum().backward(retain_graph=True)
f = torch.ones(2, requires_grad=True)
(f * 2).sum().backward()
g = f.grad
h = g[0]
(f * 3).sum().backward()
k = h + 1
""", fixed=True),
    # (torch's gradient here is a ZeroTensor, which refuses .numpy() unless forced; the harness reads
    # it as the zeros it prints, which is what autograd_core's plain zeros are)
    case("create-graph-gradient-through-floor-division-is-zeros", """
a = torch.ones(2, 4, requires_grad=True)
b = (a - torch.tensor([[-2, 1, -2, 1], [1, 0, -1, 5]])).abs()
c = torch.div(b, a, rounding_mode="floor")
g, = torch.autograd.grad(c.select(1, -3).sum(), [a], create_graph=True)
g.backward(torch.ones_like(g))
""", fixed=True),
    case("gradient-of-a-tensor-power-at-negative-zero", """
a = torch.tensor(-1.0, requires_grad=True)
c = torch.tensor(False) / a.mean(0)
d = torch.pow(c, torch.full((), 0.5))
c.retain_grad()
d.backward(retain_graph=True)
""", fixed=True),
    # --- wrong dtype or shape ---------------------------------------------------------------------------
    case("empty-bmm-is-in-mat2s-dtype", """
a = torch.zeros(0, 1, 0, dtype=torch.float64, requires_grad=True)
b = a.expand(0, 2, 0).movedim(2, -2)
h = torch.rand(0, 2, 1, requires_grad=True)
k = torch.bmm(b, h)
k.sum().backward()
m = torch.zeros(2, 3, 0, requires_grad=True) @ torch.zeros(2, 0, 1, dtype=torch.float64)
n = torch.bmm(torch.zeros(1, 2, 0), torch.zeros(1, 0, 3, dtype=torch.int64))
""", fixed=True),
    case("clamp-of-int-by-a-float-is-float32", """
x = torch.tensor([1, 2, 3])
y = x.clamp(min=-0.5)
z = x.clamp(1.5, 2.5)
""", fixed=True),
    case("clamp-min-of-int-by-a-float-is-float32", """
x = torch.tensor([1, 2, 3])
y = x.clamp_min(1.5)
""", fixed=True),
    case("float-minus-int-tensor-is-float32", """
x = torch.tensor([1, 2])
y = 0.5 - x
""", fixed=True),
    case("bool-to-a-bool-power-stays-bool", """
m = torch.tensor([True, False])
p = m ** False
""", fixed=True),
    case("softmax-of-an-empty-int-tensor", """
a = torch.zeros(0, 3, dtype=torch.int64)
b = torch.softmax(a, 1)
c = a.log_softmax(dim=0)
""", fixed=True),
    case("reciprocal-of-a-0d-int-tensor-is-float32", """
a = torch.sign(torch.tensor(-2))
b = a.reciprocal()
""", fixed=True),
    case("cumsum-of-a-0d-tensor-stays-0d", """
x = torch.tensor(2.0, requires_grad=True)
y = x.cumsum(dim=0)
""", fixed=True),
    # --- the graph: requires_grad, grad_fn, is_leaf ------------------------------------------------------
    case("exp2-sinh-cosh-atanh-keep-a-transposed-inputs-layout", """
a = torch.arange(-2.0, 6.0).reshape(4, 2).requires_grad_()
b = a.T / 8
c = b.exp2().reshape(-1)
d = b.sinh().view(-1)
e = b.cosh().t().view(-1)
f = b.double().atanh().reshape(-1)
h = torch.tensor([2.0, 1.5], requires_grad=True) ** (torch.ones(4, 1) * 0.5)
k = h.reshape(4, 2, 1)
m = h[0].expand(4, 2).sinh().view(-1)
""", fixed=True),
    case("floor-divide-of-a-tensor-that-requires-grad", """
x = torch.tensor([1.5, -2.0], requires_grad=True)
y = x // 2
""", fixed=True),
    case("sign-keeps-requires-grad", """
x = torch.tensor([1.5, -2.0], requires_grad=True)
y = torch.sign(x)
""", fixed=True),
    case("view-grad-fn-after-inplace-on-its-base", """
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a * 1
c = b[0:2]
b.mul_(2)
""", fixed=True),
    case("view-grad-fn-after-no-grad-inplace-on-a-leaf", """
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a[:]
with torch.no_grad():
    a.mul_(2)
""", fixed=True),
    case("setitem-of-a-0d-tensor-is-copy", """
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a.prod()
b[...] = -1.5
""", fixed=True),
    case("setitem-of-a-number-into-everything-is-fill", """
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 2
b[:] = 0.25
c = a * 3
c[...] = -1.0
""", fixed=True),
    case("view-requires-grad-after-base-requires-grad", """
a = torch.ones(2)
b = a[:]
a.requires_grad_()
""", fixed=True),
    case("view-joins-the-graph-with-its-base", """
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
a = torch.zeros(3)
v = a[:2]
a.add_(w)
v.sum().backward()
""", fixed=True),
    case("chunk-of-an-empty-tensor-is-split-with-sizes", """
a = torch.ones(1, 3, requires_grad=True)
b = a[1:]
c, = b.chunk(1, dim=0)
""", fixed=True),
    case("flatten-of-a-clone-of-a-transpose", """
a = torch.zeros(3, 2, requires_grad=True)
b = a.t().clone()
c = b.flatten()
""", fixed=True),
    case("setitem-of-an-int-tensor-from-a-float-graph", """
a = torch.ones(2, 3, requires_grad=True)
b = a.int()
b[0] = a[0] * 2
""", fixed=True),
    # --- torch refuses, autograd_core accepts -------------------------------------------------------------
    case("bool-subtraction-is-refused", """
m = torch.tensor([True, False])
x = torch.zeros(2)
y = x - m
z = m - True
w = 1 - m
""", fixed=True),
    case("bool-negation-and-plus-are-refused", """
m = torch.tensor([True, False])
y = -m
z = +m
""", fixed=True),
    case("bool-arithmetic-functions-are-refused", """
m = torch.tensor([True, False])
a = m.abs()
b = m.floor()
c = m.relu()
d = m.argmax()
e = m.norm()
f = m ** 2
g = m @ m
h = m.softmax(0)
""", fixed=True),
    case("int-softmax-and-norm-are-refused", """
x = torch.tensor([1, 2, 3])
a = x.softmax(0)
b = torch.log_softmax(x, 0)
c = x.norm()
""", fixed=True),
    case("inplace-float-result-into-an-int-tensor-is-refused", """
x = torch.tensor([1, 2, 3])
x.clamp_min_(1.5)
m = torch.tensor([True, False])
m.clamp_(-1.0, 0.5)
""", fixed=True),
    case("float-alpha-with-int-tensors-is-refused", """
x = torch.tensor([1, 2, 3])
y = x.sub(2, alpha=0.5)
""", fixed=True),
    case("int-division-by-zero-raises", """
x = torch.tensor([2, 3])
y = x % torch.tensor(0)
z = x // 0
""", fixed=True),
    case("outer-tril-flatten-check-their-dims", """
x = torch.ones(3, 1)
a = torch.outer(x, torch.ones(2))
b = torch.ones(3).tril()
c = torch.flatten(torch.tensor(1.5), 1)
""", fixed=True),
    case("inplace-on-a-multi-output-view-is-refused", """
a = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
b, c = a.chunk(2)
c.sigmoid_()
""", fixed=True),
    case("setitem-from-overlapping-memory-is-refused", """
a = torch.tensor([2.0])
b = a.detach()
b[None] = a
""", fixed=True),
    case("pow-with-tensor-exponent-notices-inplace", """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
p = torch.pow(x, torch.tensor([2.0, 2.0, 2.0]))
p.mul_(2)
p.sum().backward()
""", fixed=True),
    case("tanh-result-modified-twice-is-noticed", """
a = torch.tensor([1.0, -2.0], requires_grad=True)
c = a * 1
c.tanh_()
c.clamp_min_(0.5)
c.sum().backward()
""", fixed=True),
    case("index-put-of-another-dtype-is-refused", """
a = torch.zeros(3, dtype=torch.float64, requires_grad=True)
b = a * 2
b[b == 0] = torch.tensor([1.0, 2.0, 3.0])
""", fixed=True),
    case("hook-returning-none-for-an-unused-grad", """
a = torch.eye(2, 3, requires_grad=True)
b, c, d = a.unbind(-1)
b.register_hook(lambda g: g * 2)
d.sum().backward()
""", fixed=True),
    case("multi-output-view-after-its-base-changed", """
a = torch.tensor([1.0, 2.0], requires_grad=True)
b, c = a.chunk(2)
d = c.detach()
with torch.no_grad():
    d.mul_(2)
leaf = b.is_leaf
""", fixed=True),
    case("inplace-on-a-view-made-in-no-grad-mode", """
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
g, = torch.autograd.grad(a.sum(), [a])
d = g[:2]
d -= a[:2]
""", fixed=True),
    case("autograd-grad-of-a-sum-is-expanded", """
b = torch.ones(2, 3, requires_grad=True)
d, = torch.autograd.grad(b.sum(), [b])
d[0, 0] = 5.0
""", fixed=True),
    case("copy-into-an-int-tensor-stays-out-of-the-graph", """
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a.int()
b.copy_(a)
""", fixed=True),
    # --- autograd_core raises, torch does not ------------------------------------------------------------
    case("nan-to-num-in-place-on-an-expanded-int-or-bool-tensor-writes-nothing", """
a = torch.tensor([[[True]]])
b = a.expand(2, 3, 2, 3)
b.nan_to_num_()
c = torch.zeros(1, dtype=torch.int64).expand(3)
c.nan_to_num_()
d = torch.zeros(1).expand(3)
d.nan_to_num_()
""", fixed=True),
    case("dim-argument-on-a-0d-tensor", """
x = torch.tensor(1.5, requires_grad=True)
a = x.sum(0)
b = x.mean(dim=0, keepdim=True)
c, i = x.max(dim=0)
d = torch.logsumexp(x, dim=-1)
e = x.norm(dim=0)
""", fixed=True),
    case("inplace-on-an-expanded-tensor", """
a = torch.ones(1)
b = a.expand(3)
b.zero_()
c = torch.ones(2, 2)
d = c.expand_as(c)
d[0, 0] = 5.0
""", fixed=True),
    case("int-to-a-negative-int-power", """
x = torch.tensor([2, 3]) ** torch.tensor([-1, 2])
""", fixed=True),
    case("sign-of-bool", """
y = torch.sign(torch.tensor([True, False]))
""", fixed=True),
    case("reductions-of-empty-tensors", """
x = torch.zeros(0, requires_grad=True)
a = torch.logsumexp(x, dim=0)
b = x.log_softmax(dim=0)
c, d = torch.zeros(0, 3).chunk(2)
""", fixed=True),
    case("std-of-one-element-backward", """
x = torch.tensor([1.0], requires_grad=True)
y = x.std()
y.backward()
""", fixed=True),
    case("inplace-through-a-view-of-a-0d-non-leaf", """
x = torch.tensor(2.0, requires_grad=True)
m = x * 1
m.reshape(-1).mul_(2)
""", fixed=True),
    case("prod-over-a-dim-of-a-0d-tensor-backward", """
a = torch.tensor(-1.5, requires_grad=True)
b = a.prod(-1)
b.backward()
""", fixed=True),
    case("setitem-into-a-0d-view-backward", """
a = torch.zeros(2, 3, requires_grad=True)
c = a * 2
d = c[0, 1]
d[...] = 5.0
d.backward()
""", fixed=True),
    case("prod-of-an-empty-tensor-backward", """
a = torch.tensor([], requires_grad=True)
a.prod().backward()
b = torch.eye(1, 2, requires_grad=True)
b.narrow(-1, 0, 0).prod().backward()
""", fixed=True),
    case("view-of-a-cat-of-expanded-tensors", """
a = torch.ones(3, 4)
b = a.expand(2, 3, 4)
c = torch.cat([b, b], dim=0)
d = c.view(-1)
""", fixed=True),
    case("view-of-a-function-of-an-expanded-tensor", """
a = torch.ones(2, 1, 3, requires_grad=True)
b = a.expand(2, 3, 3)
c = torch.exp(b)
d = c.view(-1)
""", fixed=True),
    case("matmul-of-empty-matrices", """
a = torch.zeros(2, 3, 0)
b = torch.zeros(0, 2, requires_grad=True)
c = torch.matmul(a, b)
""", fixed=True),
    case("autograd-grad-error-leaves-the-graph", """
a = torch.ones(2, requires_grad=True)
b = torch.tensor([1.0, 2.0], requires_grad=True)
c = torch.abs(b)
try:
    g, h = torch.autograd.grad(c.sum(), [a, c])
except RuntimeError:
    pass
c.sum().backward()
""", fixed=True),
    case("autograd-grad-twice-without-saved-tensors", """
a = torch.tensor([1.0, 1.5], requires_grad=True)
b = torch.abs(a)
g, = torch.autograd.grad(b.sum(), [a])
h, = torch.autograd.grad(b.sum(), [b])
""", fixed=True),
    # --- both raise, another type or message --------------------------------------------------------------
    case("stale-split-view-raises-before-the-integer-division-and-masked-fill-checks", """
a = torch.zeros(4, 2, 3, requires_grad=True)
b = a[:, 1:]
c = b.reshape(-1)
d = b[..., 2][0]
f, h, k = c.chunk(3, dim=0)
c[1::2] = d
m = b[1::2]
n = m % f
p = m.masked_fill(m > 0, f)
""", fixed=True),
    case("stale-chunk-view-raises-before-diagonal-index-select-repeat-and-roll-check-their-arguments", """
a = torch.zeros(3, requires_grad=True)
c, d = a.chunk(2, dim=0)
f = c.detach()
h = c[None]
f[-1] = torch.tensor(-2)
k = h.diagonal(1, -1, 1)
m = h.index_select(0, torch.tensor([4]))
n = h.repeat(1)
p = h.roll(1, 5)
""", fixed=True),
    case("hypot-checks-shapes-before-dtypes", """
a = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]])
b = torch.ones(4, 4, requires_grad=True)
c = torch.ones(4, 1, requires_grad=True)
d = c > b
f = torch.hypot(d, a)
h = torch.hypot(b, c.double())
""", fixed=True),
    case("stale-unbind-view-raises-before-the-bool-subtraction", """
a = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
b, c, d = a.unbind(0)
with torch.no_grad():
    d.exp_()
f = d.sub(False, alpha=0.5)
""", fixed=True),
    case("stale-unbind-view-raises-before-the-bool-rsub", """
a = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
b, c, d = a.unbind(0)
with torch.no_grad():
    d.exp_()
f = torch.rsub(d, True)
""", fixed=True),
    case("mv-of-a-non-matrix-message", """
a = torch.ones(3)
b = torch.mv(a, a)
""", fixed=True),
    case("duplicate-dims-message", """
a = torch.ones(2, 2, requires_grad=True)
b = a.sum(dim=(-2, 0))
""", fixed=True),
    case("indexing-a-0d-tensor-message", """
a = torch.tensor(1.0)
b = a[0]
c = a[1:]
d = a[..., :1]
""", fixed=True),
    case("matmul-dtype-message-names-cpp-types", """
a = torch.tensor([[1, 5]])
b = torch.ones(2, 3)
c = torch.matmul(a, b)
d = a.int() @ b
""", fixed=True),
    case("broadcast-error-of-logical-ops", """
a = torch.ones(2) > 0
b = torch.ones(3) > 0
c = a | b
d = a & b
""", fixed=True),
    case("copy-from-a-larger-tensor-message", """
a = torch.ones(3)
a.copy_(torch.ones(2, 3))
b = torch.ones(())
b.copy_(torch.ones(2))
""", fixed=True),
    # (right on main; the engine branch at 1f6b7b1..ebb9d90 checks the dtype first)
    case("inplace-checks-leaf-before-dtype", """
a = torch.tensor([1.0, 2.0], requires_grad=True)
a.sub_(False)
""", fixed=True),
    case("inplace-checks-shape-before-dtype", """
a = torch.tensor([1, 2])
a /= torch.ones(3, 2)
""", fixed=True),
    case("saved-tensor-error-names-the-node", """
a = torch.tensor([0.5, -1.0], requires_grad=True)
b = a.min()
b.add_(1.0)
b.backward()
""", fixed=True),
    case("saved-view-error-names-as-strided", """
a = torch.tensor([1.0], requires_grad=True)
w = torch.zeros(2, 1, requires_grad=True)
y = torch.nn.functional.linear(a, w)
with torch.no_grad():
    a.copy_(torch.tensor([2.0]))
y.sum().backward()
""", fixed=True),
    case("saved-result-modified-twice-error-names-the-last-node", """
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a.prod()
b.sigmoid_()
b.neg_()
b.backward()
""", fixed=True),
    case("saved-tensor-error-names-the-first-input", """
a = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
b = torch.tensor([1.0, 1.0], requires_grad=True)
c = b * a
f = a.detach()
f.fill_(-2.0)
with torch.no_grad():
    b.sqrt_()
c.sum().backward()
""", fixed=True),
    case("argmax-and-max-of-empty-message", """
a = torch.zeros(0)
b = a.argmax()
c = torch.max(torch.zeros(2, 0), 1)
d = a.norm(p=float("inf"))
""", fixed=True),
    case("inplace-on-a-view-of-a-leaf-message", """
a = torch.arange(4.0).reshape(2, 2).requires_grad_()
a.zero_()
b = torch.zeros(1, 4, 3, requires_grad=True)
b[-1:] = 0.25
""", fixed=True),
    case("overlapping-inplace-message", """
a = torch.tensor([3, -2, -1])
b = a[1::2]
b.sub_(a[:1], alpha=2)
c = a[:1]
c.sub_(a)
""", fixed=True),
    case("expand-as-message-names-the-dimension", """
a = torch.ones(4, 2)
b = a.expand_as(torch.ones(3, 1, 1))
""", fixed=True),
    case("index-out-of-bounds-message-names-the-dimension", """
a = torch.ones(3, 0)
b = a[0, 0]
""", fixed=True),
    # (PyTorch's generated code unpacks saved inputs sorted by name: xlogy(self, other) reads other first)
    case("in-place-error-names-the-first-saved-input-by-name", """
a = torch.tensor(4.0, requires_grad=True)
b = torch.tensor([0.25, 0.3, -3.0], requires_grad=True)
c = torch.xlogy(b, a)
with torch.no_grad():
    a -= torch.tensor(4.0, dtype=torch.float64)
    b.sinh_()
c.backward(torch.ones_like(c))
""", fixed=True),
    # --- found by the engine helper's fuzz runs on the engine branch (fixed there) -------------------------
    case("remainder-of-zero-keeps-the-dividends-sign", """
a = torch.linspace(-1, 1, 3, requires_grad=True)
b = a[:][..., :1]
c = a % b
c.pow_(0.5)
c.backward(gradient=torch.tensor([1.0, 1.0, 1.0]))
""", fixed=True),
    case("vector-matmul-matrix-is-squeezed-in-place", """
a = torch.zeros(1)
b = torch.tensor([[1.0]], requires_grad=True)
c = a @ b
d = torch.minimum(c, torch.tensor(0.0))
c.div_(d)
c.backward(retain_graph=True)
""", fixed=True),
    case("bool-to-a-tensor-power-backward", """
a = torch.tensor([[1.0, 2.0]], requires_grad=True)
b = torch.square(a)
c = True ** b
c.sum().backward()
""", fixed=True),
    case("indices-of-max-modified-in-place", """
a = torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], requires_grad=True)
b, c = a.max(dim=-2)
c.masked_fill_(c > 0, 2.0)
b.backward(gradient=torch.arange(-2.0, 0.0))
""", fixed=True),
    case("index-put-into-an-expanded-view-writes-its-rows", """
a = torch.tensor([[1.0, 1.0]], requires_grad=True)
b = a.flatten()
c = a - b
d = c.select(-2, 0)
f = d.expand(3, 2)
f[[0, -2]] = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
""", fixed=True),
    case("clamp-of-an-expanded-int-tensor-checks-the-dtype-first", """
a = torch.tensor([[1, 1, 1], [1, 1, 1], [1, 1, 1]])
b = a[1::2]
c = b.expand(3, 3)
c.clamp_min_(-2.0)
""", fixed=True),
    case("bool-subtraction-refused-before-the-overlap-check", """
a = torch.tensor([[False, True], [True, False]])
b = a.t()
a -= b
""", fixed=True),
    case("unusable-view-fails-before-the-shape-check", """
a = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
b, c, d = a.split(1, dim=-1)
with torch.no_grad():
    a.sqrt_()
f = d.view(2)
""", fixed=True),
    case("unusable-view-fails-before-mv-checks", """
a = torch.tensor([[1.0, 1.0], [1.0, 1.0]], requires_grad=True)
b, c = a.unbind(0)
with torch.no_grad():
    b.tanh_()
d = torch.mv(c, c)
""", fixed=True),
    case("saved-exponent-is-checked-first", """
a = torch.tensor([1.0, 1.0], requires_grad=True)
b, = a.split(3, dim=-1)
c = b ** a
with torch.no_grad():
    a.sub_(c)
d = torch.add(c, torch.tensor(0.5), alpha=0.5)
d.sum().backward()
""", fixed=True),
    case("setitem-of-a-number-into-expanded-memory-is-refused", """
a = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
b = a.prod()
c = b.flatten()
d, f, h = a.split(1, dim=-1)
k = c.expand_as(h)
k[:, -1] = -1.0
""", fixed=True),
    case("masked-setitem-of-a-one-element-value-is-masked-fill", """
a = torch.tensor([1])
with torch.no_grad():
    a[a > 0] = a
""", fixed=True),
    case("masked-setitem-from-its-own-memory-is-refused", """
a = torch.tensor([1.0, 1.0])
b = torch.max(a, torch.tensor(1.5))
b[b > 0] = b
""", fixed=True),
    case("an-integer-tensor-requiring-grad", """
a = torch.tensor([[[1]]])
b = torch.tensor(0.5, requires_grad=True)
a[::2] = b
c = a.transpose(2, -3)
""", fixed=True),
    case("an-integer-tensor-requiring-grad-clamped-in-place", """
a = torch.tensor([[1], [1]])
b = torch.tensor([[1.0, 1.0, 1.0]], requires_grad=True)
c = torch.max(b)
a[-1] = c
a.clamp_min_(-0.7)
""", fixed=True),
    case("bool-add-with-a-negative-alpha", """
a = torch.tensor([True])
b = torch.add(a, True, alpha=-1)
""", fixed=True),
    case("flatten-of-an-empty-tensor", """
a = torch.ones(0, 2, 4)
b = torch.flatten(a, 1)
""", fixed=True),
    # seed 20261203: an integer tensor's cast copy laid the result out with the repeated dim fastest
    case("log-of-an-expanded-integer-tensor-is-contiguous", """
a = torch.tensor([1, 1])
b = a.expand(3, -1)
c = b.log()
d = c.view(-1)
e = (b * 1.5).view(-1)
""", fixed=True),
    # seed 20261203: prod's backward with a zero, under create_graph, ends as torch's formula does
    case("prod-gradient-with-a-zero-is-a-view-of-the-input", """
a = torch.arange(2.0).requires_grad_()
b = a.prod()
c = b.expand(2)
d = torch.log(c.abs() + 0.5)
f, = torch.autograd.grad(d.sum(), [a], allow_unused=True, create_graph=True)
""", fixed=True),
    case("prod-over-a-dim-of-one-with-a-zero-under-create-graph", """
a = torch.tensor([[0.0], [2.0]], requires_grad=True)
b = a.prod(-1)
f, = torch.autograd.grad(torch.log(b.abs() + 0.5).sum(), [a], create_graph=True)
h, = torch.autograd.grad(f.sum(), [a])
""", fixed=True),
    case("gelu-of-a-0-d-tensor", """
x = torch.tensor(0.5, requires_grad=True)
y = torch.nn.functional.gelu(x)
y.backward()
z = torch.nn.functional.gelu(torch.tensor([-3.0]), approximate="tanh")
""", fixed=True),
    # a view made before its base's requires_grad_() requires grad but has no grad_fn: an op on it has no
    # edge to anything, and PyTorch's NotImplemented node still raises when backward runs it
    case("floor-divide-of-a-view-made-before-requires-grad", """
a = torch.tensor([1.0, 2.0, 3.0, 4.0])
b = a.narrow(0, 1, 2)
c = a[:0]
a.requires_grad_()
d = b // 1
d.sum().backward()
f = +(c // 1)
f.backward(gradient=torch.ones(0))
h = 2 % b
h.sum().backward()
k = b * 2
k.sum().backward()
""", fixed=True),
    # TensorIterator broadcasts the operands before a kernel is chosen: bool ** bool of shapes that do
    # not broadcast is a size error first, not pow's "not implemented for 'Bool'"
    case("bool-power-of-shapes-that-do-not-broadcast", """
a = torch.tensor([[False, True], [False, True], [True, False], [True, True]])
b, c = a.max(dim=-1)
d = a ** b
f = a ** a
""", fixed=True),
    # --- higher order: gradients built under create_graph (the fuzzer's higher_order area) ---------------
    # a view regenerated after a no_grad write into its base: its gradient under create_graph is
    # as_strided_backward's (a zero storage, copy_ into a view of it, as_strided back: AsStridedBackward0
    # over CopySlices; an expanded dim summed, a size-1 dim squeezed first)
    # CopySlices under create_graph, as PyTorch's: a copy of g (CopyBackwards), the view's part of it
    # (AsStridedBackward0) cloned for the wrapped node, its gradient written back (CopySlices); and a
    # later backward through the wrapped node (sqrt_'s saved result) finds its saved tensors there
    # an in-place op saves a clone of self's old value (PyTorch's original_self): a CloneBackward0 in the
    # graph of a create_graph gradient that reads it (c's, of b.mul_(c))
    case("inplace-op-saves-a-clone-of-self", """
x = torch.tensor([1.0, 4.0, 9.0], requires_grad=True)
c = torch.tensor([2.0, 3.0, 4.0], requires_grad=True)
b = x * 1
b.mul_(c)
g = torch.autograd.grad(b.sum(), [x, c], create_graph=True)
names = [f.name() for f, _ in g[1].grad_fn.next_functions if f is not None]
h = x * 1
h[1:].div_(c[1:])
k = torch.autograd.grad(h.sum(), [c], create_graph=True)
k[0].sum().backward()
""", fixed=True),
    case("copy-slices-backward-builds-torchs-graph", """
x = torch.tensor([1.0, 4.0, 9.0], requires_grad=True)
c = torch.tensor([2.0, 3.0], requires_grad=True)
b = x.clone()
b[1:] += c
g = torch.autograd.grad(b.pow(2).sum(), [x, c], create_graph=True)
names = [f.name() for f, _ in g[0].grad_fn.next_functions if f is not None]
h = x.clone()
h[1:].sqrt_()
k, = torch.autograd.grad(h.pow(2).sum(), [x], create_graph=True)
k.sum().backward()
m = x.clone()
m[:2].copy_(c)
n = torch.autograd.grad(m.pow(2).sum(), [x, c], create_graph=True)
(n[0].sum() + n[1].sum()).backward()
""", fixed=True),
    case("as-strided-backward-builds-torchs-graph", """
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
b = x * 1
v = b[:, 1:]
w = b[0, :2].unsqueeze(0).unsqueeze(2).expand(-1, 2, 3)
with torch.no_grad():
    b.mul_(2)
g, = torch.autograd.grad((v * v).sum(), [x], create_graph=True)
names = [f.name() for f, _ in g.grad_fn.next_functions[0][0].next_functions if f is not None]
g2, = torch.autograd.grad((w * w).sum(), [x], create_graph=True)
n1 = g2.grad_fn.next_functions[0][0].next_functions[0][0]
n2 = [f.name() for f, _ in n1.next_functions if f is not None]
n3 = [f.name() for f, _ in n1.next_functions[1][0].next_functions[0][0].next_functions if f is not None]
(g * g2).pow(3).sum().backward()
""", fixed=True),
    # (std_backward's where(self == mean, nan, inf) is in the default dtype: float32 times a 0-dim
    # float64 gradient is float32, which the engine casts back to the input's float64)
    case("std-of-one-element-float64-gradient-is-cast-back", """
c = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
d = torch.std(c)
p, = torch.autograd.grad(d, [c], create_graph=True)
q = torch.std(c.double().view(1, 1), correction=2, keepdim=True)
r, = torch.autograd.grad(q.sum(), [c], create_graph=True)
""", fixed=True),
    # CopyBackwards casts the gradient to the source's dtype, then the engine sums it to its shape
    case("copy-from-another-dtype-casts-the-gradient-before-summing-it", """
a = torch.tensor([[[1.0], [1.0]]], dtype=torch.float64)
c = torch.ones(1, requires_grad=True)
a.copy_(c)
a.relu_()
f, = torch.autograd.grad(a.sum(), [c], create_graph=True)
""", fixed=True),
    # value_selecting_reduction_backward scatters into zeros for a 0-d input too: a new tensor with a
    # graph (ScatterBackward0), not grad_outputs itself
    case("min-over-a-dim-of-a-0-d-tensor-under-create-graph", """
a = torch.tensor(-1.9, requires_grad=True)
b = torch.min(a, -1).values
c = torch.tensor(3.0, requires_grad=True)
d, = torch.autograd.grad(b, [a], c, create_graph=True)
d.mul_(2)
""", fixed=True),
    # ExpandBackward0's at::sum_to sums a gradient to a 0-d shape even from a 0-d one (SumBackward0)
    case("expand-of-a-0-d-tensor-differentiated-twice", """
a = torch.tensor(0.0, requires_grad=True)
b = a.sum(-1, keepdim=True)
c = torch.tensor(-2.0, requires_grad=True)
d, = torch.autograd.grad(b, [a], c, create_graph=True)
f, h = torch.autograd.grad((d * d).sum(), [a, c], allow_unused=True, create_graph=True)
""", fixed=True),
    # a bool number operand (x * False) is saved as a wrapped number like any other: its derivative
    # g * other is a product of tensors (MulBackward0), not with a Scalar (MulBackward1)
    case("product-with-a-bool-number-differentiated-twice", """
a = torch.eye(4, 3, requires_grad=True)
b = a.sum(dim=(-2, -1))
c = torch.mul(b, False)
d = torch.ones((), requires_grad=True)
f, = torch.autograd.grad(c, [a], d, create_graph=True)
h, k = torch.autograd.grad(f.exp().mean(), [a, d], allow_unused=True, create_graph=True)
m = torch.tensor([1.0, 2.0], requires_grad=True)
n = True * m
p, = torch.autograd.grad(n.sum(), [m], create_graph=True)
""", fixed=True),
    # mse_loss_backward writes into a zeros_like(self): a float32 input's gradient from a float64
    # target is computed in float64 and stored as float32 by that node (MseLossBackwardBackward0),
    # with no ToCopyBackward0 after it
    case("mse-loss-of-float32-and-float64-differentiated-twice", """
a = torch.tensor([0.5, 3.0, 1.1], dtype=torch.float64, requires_grad=True)
b = torch.tensor([1.0, 2.3, -0.7], requires_grad=True)
c = F.mse_loss(b, a, reduction="sum")
d = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
f, h = torch.autograd.grad(c, [b, a], d, create_graph=True)
k, m, n = torch.autograd.grad((f * f).sum() + h.sum(), [b, a, d], create_graph=True)
p = F.mse_loss(a, b)
q, r = torch.autograd.grad(p, [a, b], create_graph=True)
s, = torch.autograd.grad(r.exp().sum(), [b])
""", fixed=True),
    # max / min / sort / topk over dim 0 of a 0-d tensor: the index saved is 0-d, as PyTorch saves it,
    # so the gradient's ScatterBackward0 differentiates again (src's gradient gathered at a 0-d index)
    case("max-over-dim-of-a-0-d-tensor-differentiated-twice", """
a = torch.tensor(1.0, requires_grad=True)
b = torch.max(a, 0).values
c = torch.tensor(-2.0, requires_grad=True)
d, = torch.autograd.grad(b, [a], c, create_graph=True, allow_unused=True)
f, h = torch.autograd.grad(d.sum(), [a, c], allow_unused=True, create_graph=True)
k = a.min(-1, keepdim=True).values
m, = torch.autograd.grad(k, [a], c, create_graph=True)
n, = torch.autograd.grad(m * 3, [c])
p = a.sort(0)[0] + a.topk(1, 0)[0]
q, = torch.autograd.grad(p, [a], c, create_graph=True)
r, = torch.autograd.grad(q, [c])
""", fixed=True),
    # var_backward of an empty tensor is PyTorch's formula like any other (2 / dof * g * (a - mean), or
    # g * where(a == mean, nan, inf)): an empty gradient that requires grad (MulBackward0), not zeros
    case("std-and-var-of-an-empty-tensor-differentiated-twice", """
a = torch.zeros(0, requires_grad=True)
b = a.std()
c = b.prod(0, keepdim=True)
d = torch.sigmoid(c)
f = torch.ones((), requires_grad=True)
h, = torch.autograd.grad(d, [a], f, create_graph=True, allow_unused=True)
k = torch.zeros(0, 3, requires_grad=True)
m = k.var(0)
n = torch.ones(3, requires_grad=True)
p, = torch.autograd.grad(m, [k], n, create_graph=True)
q, r = torch.autograd.grad(p.sum(), [k, n], allow_unused=True)
s = k.std(1, keepdim=True)
s.sum().backward()
""", fixed=True),
    # ATen's float32 gelu: nan at +inf from its vectorised loop (a contiguous tensor of 2 or more
    # elements), inf from its scalar one (one element, or a tensor that is not contiguous)
    case("gelu-of-plus-infinity-follows-atens-loops", """
a = torch.full((4, 2), float("inf"))
b = torch.nn.functional.gelu(a)
c = torch.nn.functional.gelu(a[0, 0])
d = torch.nn.functional.gelu(a.t())
e = torch.nn.functional.gelu(a[:1])
f = torch.nn.functional.gelu(a[:, :1])
""", fixed=True),
    # sgn's gradient of a real input is ATen's efficient zero tensor: 0 * inf is 0 against it, not
    # nan. abs's gradient is g * sgn(x), so a gradient of |x| taken twice carries one into the graph
    # of the third (fuzz seed 131, program 1306: nan where torch gives -inf)
    case("abs-differentiated-three-times-through-inf", """
a = torch.tensor([[float("nan"), -0.5], [3.0, 0.25], [-2.0, 1.0], [float("inf"), float("inf")]], dtype=torch.float64, requires_grad=True)
b = torch.tensor([3.0], requires_grad=True)
c = a ** b
d = (c - a).abs()
m = torch.tensor([[-3.0, float("nan")], [float("nan"), 2.0], [-float("inf"), float("inf")], [-float("inf"), 0.5]], dtype=torch.float64, requires_grad=True)
n, = torch.autograd.grad(d, [a], m, create_graph=True, allow_unused=True)
p, q = torch.autograd.grad(n.sum(), [a, m], allow_unused=True, create_graph=True)
r, s = torch.autograd.grad((p * p).sum(), [a, m], allow_unused=True)
""", fixed=True),
    case("sgn-gradient-is-zero-against-inf", """
x = torch.tensor([1.0, -2.0, 0.0], requires_grad=True)
y = torch.sgn(x * float("inf"))
y.sum().backward()
w = torch.tensor([0.5, -3.0], requires_grad=True)
h, = torch.autograd.grad((w * float("inf")).abs().sum(), [w], create_graph=True)
k, = torch.autograd.grad(h.sum(), [w], create_graph=True)
m = k * float("nan")
n = k + torch.tensor([-0.0, float("nan")])
p = k - torch.tensor([-0.0, 1.0])
q = torch.tensor([1.0, -1.0]) / k
v = k.view(2, 1) * float("inf")
z = k.sum()
""", fixed=True),
    # ... through views, promotion, sums, quotients and dot products, as ATen's ZeroTensor kernels
    case("sgn-gradient-through-views-sums-and-quotients", """
w = torch.tensor([0.5, -3.0, 2.0], requires_grad=True)
z = torch.tensor([0.0, float("inf"), -1.0], requires_grad=True)
h, = torch.autograd.grad(w.abs().sum(), [w], create_graph=True)
k, = torch.autograd.grad(h.sum(), [w], create_graph=True)
m = k.sum() * float("inf")
n = k.expand(2, 3) * float("inf")
p = k.unsqueeze(0).t() * float("nan")
q = k.double() * float("inf")
r = k * torch.tensor([float("inf")], dtype=torch.float64)
s = k.clone() * float("inf")
a = k / z
b = z / k
c = k @ z
d, = torch.autograd.grad((k * z + z / (k + 1)).sum(), [z])
""", fixed=True),
    # ... and immutable, as .grad too: a second backward into it fails as in torch
    case("sgn-gradient-is-an-immutable-grad", """
x = torch.tensor([1.0, -2.0], requires_grad=True)
x.sgn().sum().backward()
g = x.grad * float("inf")
x.grad.add_(1.0)
(x * 3).sum().backward()
x.grad = None
(x * 3).sum().backward()
x.sgn().sum().backward()
""", fixed=True),
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_matches_torch(program):
    run = fuzz.run_statements(fuzz.statements_from_text(program))
    if run.mismatch is not None:
        pytest.fail("autograd_core differs from torch:\n\n" + fuzz.render(run), pytrace=False)


def test_every_program_has_a_unique_name():
    names = [p.id for p in PROGRAMS]
    assert len(names) == len(set(names))


def test_float32_tensor_power_is_rounded_once():
    """x ** y of float32 tensors, digit for digit: ATen's powf is within an ulp of pow computed in
    float64 and rounded once; numpy's float32 power is not (pow(1.5, 0.5) printed 1.2247448, torch
    1.2247449), and a derivative through pow_tensor carried the difference on."""
    import numpy as np
    import torch

    import autograd_core
    rng = np.random.default_rng(3)
    a = rng.uniform(0.01, 10, 17).astype(np.float32)
    b = rng.uniform(-4, 4, 17).astype(np.float32)
    cases = [(np.float32([1.5, 0.5, 2.0]), np.float32([0.5, 2.0, -1.0])), (a, b), (a, b[:1]), (a[:1], b)]
    for x, y in cases:
        ours = (autograd_core.tensor(x) ** autograd_core.tensor(y)).numpy()
        theirs = (torch.from_numpy(x) ** torch.from_numpy(y)).numpy()
        assert np.array_equal(ours, theirs), (x, y, ours, theirs)


def test_copy_from_another_dtype_sums_the_gradient_in_the_sources_dtype():
    """a.copy_(c) with a of another dtype than c (broadcast): c's gradient is cast to c's dtype,
    then summed over the broadcast rows, as CopyBackwards does; summed first, its last digit differed
    from torch's (a float64 sum rounded to float32, or a float32 sum widened to float64)."""
    import numpy as np
    import torch

    import autograd_core

    def program(m, into, source):
        a = m.zeros(2, 3, dtype=getattr(m, into))
        c = m.tensor([0.1, 0.7, 1.3], dtype=getattr(m, source), requires_grad=True)
        a.copy_(c)
        y = (a * a * m.tensor([[1.1], [2.3]], dtype=getattr(m, into))).sum()
        return [t.detach().numpy() for t in (m.autograd.grad(y, c, retain_graph=True)
                                             + m.autograd.grad(y, c, create_graph=True))]
    for into, source in (("float64", "float32"), ("float32", "float64")):
        for ours, theirs in zip(program(autograd_core, into, source), program(torch, into, source)):
            assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), (into, source, ours, theirs)
