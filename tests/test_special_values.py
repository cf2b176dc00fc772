"""NaN, infinities, signed zeros and ties: values and gradients exactly as PyTorch 2.13 gives them.

Each derivative follows PyTorch's formula (derivatives.yaml / FunctionsManual.cpp), including what
it does at the points where the math is undefined: maximum's tie splits the gradient and its nan
takes all of it, max() shares it among the nans, prod() divides when no element is 0, relu passes
the gradient of a nan, pow(x, 0) has a zero gradient even at nan... A zero's sign counts (torch
prints relu(-0.) as -0.), and nan equals nan.
"""
import math

import pytest

from torch_oracle import ENGINE, TORCH, Values, outcome

NAN, INF = float("nan"), float("inf")
VALUES = [NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 1.0]
OTHERS = [0.0, NAN, 1.0, 0.0, 3.0, 1.0, -INF, 0.5, -2.0, -2.5, INF]  # ties, nans and infs against VALUES
ZEROS_A = [0.0, -0.0, 0.0, -0.0]
ZEROS_B = [0.0, 0.0, -0.0, -0.0]


def same(a, b, rtol=1e-5, atol=1e-6):
    """Structural equality; floats within tolerance (as the oracle's), nan equal to nan, and two
    zeros must have the same sign."""
    if isinstance(a, Values) and isinstance(b, Values):
        a, b = (a.dtype, a.array.shape, a.array.tolist()), (b.dtype, b.array.shape, b.array.tolist())
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if a == 0 and b == 0:
            return math.copysign(1, a) == math.copysign(1, b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, rtol, atol) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def unary(f, values=VALUES, dtype="float32"):
    def program(m):
        x = m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)
        y = f(m, x)
        y.backward(m.ones_like(y))
        return y, x.grad
    return program


def binary(f, a=VALUES, b=OTHERS):
    def program(m):
        x, z = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        y = f(m, x, z)
        y.backward(m.ones_like(y))
        return y, x.grad, z.grad
    return program


F = "nn.functional"
UNARY = {
    "exp": lambda m, x: x.exp(), "log": lambda m, x: x.log(), "sqrt": lambda m, x: x.sqrt(),
    "abs": lambda m, x: x.abs(), "sign": lambda m, x: x.sign(), "sin": lambda m, x: x.sin(),
    "cos": lambda m, x: x.cos(), "tanh": lambda m, x: x.tanh(), "sigmoid": lambda m, x: x.sigmoid(),
    "relu": lambda m, x: x.relu(), "neg": lambda m, x: -x, "reciprocal": lambda m, x: x.reciprocal(),
    "square": lambda m, x: x.square(), "log1p": lambda m, x: x.log1p(), "rsqrt": lambda m, x: x.rsqrt(),
    "floor": lambda m, x: x.floor(), "ceil": lambda m, x: x.ceil(), "round": lambda m, x: x.round(),
    "clamp(0, 1)": lambda m, x: x.clamp(0, 1), "clamp(min=.5)": lambda m, x: x.clamp(min=0.5),
    "clamp(max=-.5)": lambda m, x: x.clamp(max=-0.5), "clamp(max=-0.)": lambda m, x: x.clamp(max=-0.0),
    "clamp_min(0)": lambda m, x: x.clamp_min(0.), "clamp_max(0)": lambda m, x: x.clamp_max(0.),
    "leaky_relu": lambda m, x: m.nn.functional.leaky_relu(x, 0.1), "elu": lambda m, x: m.nn.functional.elu(x),
    "gelu": lambda m, x: m.nn.functional.gelu(x),
    "gelu tanh": lambda m, x: m.nn.functional.gelu(x, approximate="tanh"),
    "softplus": lambda m, x: m.nn.functional.softplus(x), "max()": lambda m, x: x.max(),
    "silu": lambda m, x: m.nn.functional.silu(x), "mish": lambda m, x: m.nn.functional.mish(x),
    "hardtanh": lambda m, x: m.nn.functional.hardtanh(x), "relu6": lambda m, x: m.nn.functional.relu6(x),
    "hardtanh(-0., 2.)": lambda m, x: m.nn.functional.hardtanh(x, -0.0, 2.0),
    "logsigmoid": lambda m, x: m.nn.functional.logsigmoid(x), "softsign": lambda m, x: m.nn.functional.softsign(x),
    "cumprod": lambda m, x: x.cumprod(0), "cumprod of finite": lambda m, x: x[3:].cumprod(0),
    "cumprod from one zero": lambda m, x: x[4:].cumprod(0),
    "erf": lambda m, x: x.erf(), "expm1": lambda m, x: x.expm1(), "diag": lambda m, x: m.diag(x),
    "normalize": lambda m, x: m.nn.functional.normalize(x[3:], dim=0),
    "min()": lambda m, x: x.min(), "max() of finite": lambda m, x: x[3:].max(),
    "amax()": lambda m, x: x.amax(), "amin()": lambda m, x: m.amin(x), "amax() of finite": lambda m, x: x[3:].amax(),
    "amin() of finite": lambda m, x: x[3:].amin(), "amax() of signed zeros": lambda m, x: x[3:5].amax(),
    "amax() of 1, 1 and less": lambda m, x: x[5:].amax(), "amax(dim)": lambda m, x: x[1:].view(2, 5).amax(1),
    "amin(0) keepdim": lambda m, x: x[1:].view(5, 2).amin(0, keepdim=True),
    "min() of finite": lambda m, x: x[3:].min(), "max() then sqrt": lambda m, x: x[3:].min().abs().sqrt(),
    "prod()": lambda m, x: x.prod(), "prod() two zeros": lambda m, x: x[3:].prod(),
    "prod() one zero": lambda m, x: x[4:].prod(), "prod() no zero": lambda m, x: x[5:].prod(),
    "prod() inf, no zero": lambda m, x: x[1:3].prod(), "prod(dim)": lambda m, x: x[1:].view(2, 5).prod(1),
    "prod(dim) no zero": lambda m, x: x[5:].view(3, 2).prod(0, keepdim=True),
    "sum": lambda m, x: x.sum(), "mean": lambda m, x: x.mean(), "norm": lambda m, x: x.norm(),
    "norm of finite": lambda m, x: x[3:].norm(), "norm of zeros": lambda m, x: (x[3:5] * 1).norm(),
    "norm p=1": lambda m, x: x[3:].norm(p=1), "norm p=inf": lambda m, x: x[3:].norm(p=INF),
    "norm p=3": lambda m, x: x[3:].norm(p=3), "std": lambda m, x: x[3:].std(), "var": lambda m, x: x.var(),
    "softmax": lambda m, x: x.softmax(0), "softmax of finite": lambda m, x: x[3:].softmax(0),
    "log_softmax": lambda m, x: x.log_softmax(0), "log_softmax of finite": lambda m, x: x[3:].log_softmax(0),
    "logsumexp": lambda m, x: x.logsumexp(0), "logsumexp of finite": lambda m, x: x[3:].logsumexp(0),
    "cumsum": lambda m, x: x.cumsum(0), "max(dim)": lambda m, x: x.max(0)[0], "min(dim)": lambda m, x: x.min(0)[0],
    "max(dim) of finite": lambda m, x: x[3:].max(0)[0], "sort": lambda m, x: x.sort()[0],
    "sort descending": lambda m, x: x.sort(descending=True)[0], "topk": lambda m, x: x.topk(3)[0],
    "topk smallest": lambda m, x: x.topk(4, largest=False)[0],
    "x % 1.5": lambda m, x: x % 1.5, "x % -1": lambda m, x: x % -1.0,
    "sigmoid far out": lambda m, x: (x * 100).sigmoid(), "tanh far out": lambda m, x: (x * 100).tanh(),
}
for _k in [0, 1, 2, 3, 0.5, -1, -2, 2.5, -0.5, -1.5]:
    UNARY[f"x ** {_k}"] = (lambda k: lambda m, x: x ** k)(_k)

BINARY = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b, "pow": lambda m, a, b: a ** b, "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b), "max(a, b)": lambda m, a, b: m.max(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b), "remainder": lambda m, a, b: a % b,
    "clamp(min=b)": lambda m, a, b: a.clamp(min=b), "clamp(max=b)": lambda m, a, b: m.clamp(a, max=b),
    "clamp(b, -b)": lambda m, a, b: a.clamp(b, -b), "clamp(-b, b)": lambda m, a, b: m.clamp(a, -b, b),
    "clamp_min(b)": lambda m, a, b: a.clamp_min(b), "clamp_max(b)": lambda m, a, b: m.clamp_max(a, b),
    "clamp(b[0], b[1])": lambda m, a, b: a.clamp(b[0], b[1]),
    "mse_loss": lambda m, a, b: m.nn.functional.mse_loss(a, b, reduction="none"),
    "l1_loss": lambda m, a, b: m.nn.functional.l1_loss(a, b, reduction="none"),
    "2 ** a": lambda m, a, b: 2.0 ** a + 0 * b, "0 ** a": lambda m, a, b: 0.0 ** a + 0 * b,
    "1 ** a": lambda m, a, b: 1.0 ** a + 0 * b, "2 / a": lambda m, a, b: 2.0 / a + 0 * b,
    "atan2": lambda m, a, b: m.atan2(a, b), "logaddexp": lambda m, a, b: m.logaddexp(a, b),
}
SIGNED_ZEROS = {  # which zero comes out of a tie between 0. and -0.
    "maximum": lambda m, a, b: m.maximum(a, b), "minimum": lambda m, a, b: m.minimum(a, b),
    "clamp(min=b)": lambda m, a, b: a.clamp(min=0.0) + b * 0, "relu": lambda m, a, b: a.relu() + 0 * b,
}


NO_DERIVATIVE = {  # values only: these have no derivative in PyTorch
    "x // b": lambda m, a, b: a // b, "x // -1": lambda m, a, b: a // -1.0, "-2.5 % x": lambda m, a, b: -2.5 % a,
    "x % b (float64)": lambda m, a, b: a.double() % b, "x // b (float64)": lambda m, a, b: a.double() // b,
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_at_special_values_matches_torch(name, dtype):
    program = unary(UNARY[name], dtype=dtype)
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_at_special_values_matches_torch(name):
    program = binary(BINARY[name])
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("name", sorted(NO_DERIVATIVE))
def test_values_without_a_derivative_match_torch(name):
    def program(m):
        return NO_DERIVATIVE[name](m, m.tensor(VALUES), m.tensor(OTHERS))
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("name", sorted(SIGNED_ZEROS))
@pytest.mark.parametrize("n", [4])  # (longer: ATen's vectorized kernel picks per CPU, see the README)
def test_ties_between_signed_zeros_match_torch(name, n):
    program = binary(SIGNED_ZEROS[name], ZEROS_A * (n // 4), ZEROS_B * (n // 4))
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("n", [1, 3, 4, 7, 16, 17, 70])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_and_mean_of_negative_zeros_match_torch(n, dtype):
    """ATen's sums start from +0.0: n negative zeros sum to 0.0 (ours gave -0.0 for 4 to 7 float32s)."""
    def program(m):
        x = m.full((n,), -0.0, dtype=getattr(m, dtype), requires_grad=True)
        return [x.sum(), x.mean(), x.sum(0, keepdim=True), (-x).sum()]
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


def test_the_comparison_sees_a_zeros_sign():
    assert not same(0.0, -0.0) and same(NAN, NAN) and not same(NAN, 1.0)
    zero, minus_zero = ENGINE.tensor([0.0, NAN]), ENGINE.tensor([-0.0, NAN])
    assert not same(Values(zero), Values(minus_zero)) and same(Values(zero), Values(zero))
    assert not same(Values(zero), Values(zero.double()))


# --- empty tensors: PyTorch's answer (a value, or its own error) where numpy would raise ----------
EMPTY = {
    "softmax(-1)": lambda m, x: x.softmax(-1), "log_softmax(-1)": lambda m, x: x.log_softmax(-1),
    "softmax(0)": lambda m, x: x.softmax(0), "sum()": lambda m, x: x.sum(), "sum(0)": lambda m, x: x.sum(0),
    "sum(1)": lambda m, x: x.sum(1), "mean()": lambda m, x: x.mean(), "mean(1)": lambda m, x: x.mean(1),
    "prod()": lambda m, x: x.prod(), "prod(1)": lambda m, x: x.prod(1), "prod(0)": lambda m, x: x.prod(0),
    "max(0)": lambda m, x: x.max(0)[0], "max(1)": lambda m, x: x.max(1)[0], "min()": lambda m, x: x.min(),
    "argmax(1)": lambda m, x: x.argmax(1), "logsumexp(1)": lambda m, x: x.logsumexp(1),
    "logsumexp(0)": lambda m, x: x.logsumexp(0), "norm()": lambda m, x: x.norm(), "std()": lambda m, x: x.std(),
    "var(1)": lambda m, x: x.var(1), "cumsum(1)": lambda m, x: x.cumsum(1), "x @ ones(0, 3)": lambda m, x: x @ m.ones(0, 3),
    "x.T @ x": lambda m, x: x.T @ x, "exp": lambda m, x: x.exp(), "cat": lambda m, x: m.cat([x, x], 1),
    "sort(1)": lambda m, x: x.sort(1)[0], "topk(0)": lambda m, x: x.topk(0, 1)[0],
    "mse_loss": lambda m, x: m.nn.functional.mse_loss(x, x * 2), "flatten": lambda m, x: x.flatten(),
    "view(0, 5)": lambda m, x: x.view(0, 5), "reshape(-1, 3)": lambda m, x: x.reshape(-1, 3),
    "expand": lambda m, x: x.expand(3, *x.shape), "relu": lambda m, x: x.relu(),
    "where": lambda m, x: m.where(x > 0, x, 0.), "index by an empty list": lambda m, x: x[:, m.tensor([], dtype=m.int64)],
    "1-d sum": lambda m, x: m.tensor([], requires_grad=True).sum(), "1-d prod": lambda m, x: m.tensor([], requires_grad=True).prod(),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
@pytest.mark.parametrize("shape", [(2, 0), (0, 3)], ids=["2x0", "0x3"])
def test_empty_tensors_match_torch(name, shape):
    def program(m):
        x = m.ones(*shape, requires_grad=True)
        y = EMPTY[name](m, x)
        if y.requires_grad:
            y.backward(m.ones_like(y))
        return y, x.grad
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


# --- the pieces of unbind / split / chunk: one node for all of them (PyTorch's) joins their gradients
# in one stack or cat, zeros for a piece no gradient reached; a piece's -0. stays -0. whichever other
# pieces get gradients (summing one zero-padded gradient per piece would make it 0.) ------------------
PIECES = {
    "unbind": lambda x: x.unbind(1), "split": lambda x: x.split(1, 1), "split uneven": lambda x: x.split(2, 1),
    "chunk": lambda x: x.chunk(3, 1), "split_with_sizes": lambda x: x.split([1, 0, 2], 1),
    "iterating": lambda x: tuple(x.T),
}
PIECES_USED = {"the first": [0], "the first two": [0, 1], "every one": "all", "the last": [-1]}


def pieces_program(split, used, dtype, also_direct=False):
    """x's gradient through the pieces: piece i used as (piece * c_i).sum(), c_i -0. for the even i."""
    def program(m):
        x = m.tensor([[1., -2., 3.], [0.5, 0., -1.]], dtype=getattr(m, dtype), requires_grad=True)
        pieces = split(x)
        which = range(len(pieces)) if used == "all" else [i % len(pieces) for i in used]
        y = sum((pieces[i] * (-0.0 if i % 2 == 0 else 2.0)).sum() for i in which)
        if also_direct:
            y = y + (x * -0.0).sum()
        y.backward()
        return x.grad
    return program


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("used", sorted(PIECES_USED))
@pytest.mark.parametrize("split", sorted(PIECES))
def test_a_pieces_signed_zero_gradient_matches_torch(split, used, dtype):
    program = pieces_program(PIECES[split], PIECES_USED[used], dtype)
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("split", sorted(PIECES))
def test_a_pieces_signed_zero_gradient_and_another_path_match_torch(split):
    program = pieces_program(PIECES[split], PIECES_USED["the first"], "float32", also_direct=True)
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


def _graph_names(fn):
    """The graph below grad_fn fn: names, with the output each edge leads to when not 0."""
    if fn is None:
        return None
    return (fn.name(), [(_graph_names(n), nr) for n, nr in fn.next_functions])


@pytest.mark.parametrize("used", sorted(PIECES_USED))
@pytest.mark.parametrize("split", sorted(PIECES))
def test_pieces_under_create_graph_match_torch(split, used):
    """One node, as torch's: every piece's grad_fn is it (output_nr telling them apart), and its
    gradient under create_graph is one stack / cat (zeros with no history for the pieces none
    reached), with the signs of its zeros, and its own gradient."""
    def program(m):
        x = m.tensor([[1., -2., 3.], [0.5, 0., -1.]], dtype=m.float64, requires_grad=True)
        pieces = PIECES[split](x)
        nodes = [(p.grad_fn.name(), p.grad_fn is pieces[0].grad_fn, p.output_nr, _graph_names(p.grad_fn))
                 for p in pieces]
        which = range(len(pieces)) if PIECES_USED[used] == "all" else [i % len(pieces) for i in PIECES_USED[used]]
        y = sum((pieces[i] * pieces[i] * (-0.0 if i % 2 == 0 else 2.0)).sum() for i in which)
        g, = m.autograd.grad(y, x, create_graph=True)
        gg, = m.autograd.grad((g * g).sum(), x)
        return nodes, g, _graph_names(g.grad_fn), gg
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


def test_the_pieces_node_saves_what_torchs_saves():
    def program(m):
        x = m.ones(2, 5, requires_grad=True)
        return [(p.grad_fn.name(), sorted(a for a in dir(p.grad_fn) if a.startswith(("_saved", "_raw_saved"))),
                 {a: getattr(p.grad_fn, a) for a in dir(p.grad_fn) if a.startswith("_saved")})
                for p in (x.unbind(1)[0], x.split(2, 1)[0], x.split([1, 4], 1)[1], x.chunk(2, 1)[1])]
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("snippet", [
    lambda m: m.ones(2, 3).split(0, 1), lambda m: m.ones(2, 3).split(-1, 1), lambda m: m.ones(0, 3).split(0),
    lambda m: m.ones(2, 3).split([4, -1], 1), lambda m: m.ones(2, 3).chunk(0, 1), lambda m: m.ones(2, 3).chunk(-2),
    lambda m: m.ones(2, 3).split([1, 1], 1), lambda m: m.ones(2, 3).unbind(2), lambda m: m.ones(0, 3).unbind(0),
])
def test_split_and_chunk_refuse_as_torch_does(snippet):
    ours, theirs = outcome(snippet, ENGINE), outcome(snippet, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("values", [[0.0, -0.0], [-0.0, 0.0], [-1.0, -0.0, 0.0], [0.0, -1.0, -0.0]], ids=str)
def test_amax_and_amin_of_tied_signed_zeros_match_torch(values):
    """The first of the tied zeros gives the result its sign (numpy's amax may give the other; in
    8 or more elements ATen's vectorized kernel may too: see the README)."""
    def program(m):
        x = m.tensor(values, requires_grad=True)
        rows = m.stack([x, -x, x.flip(0)])
        ys = [x.amax(), x.amin(), rows.amax(0), rows.amin(1), rows.T.amax(1, keepdim=True), rows.amin((0, 1))]
        sum(y.sum() for y in ys).backward()
        return ys, x.grad
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_ignored_targets_are_skipped_whatever_their_values(reduction, create_graph):
    """nll_loss / cross_entropy skip an ignored row: its loss is +0 and its gradient 0, even when
    the row holds nan or -inf (padding) or every row is ignored ('mean' is then 0 / 0 = nan, and
    the gradient still 0), not -0 * value."""
    def program(m):
        x = m.tensor([[1., 2., 3.], [-INF, 5., NAN], [0., 1., 2.]], requires_grad=True)
        out = []
        for t, kw in [([2, -100, 1], {}), ([0, 0, 0], {"ignore_index": 0}),
                      ([0, 1, 2], {"weight": m.tensor([0., 1., 1.]), "ignore_index": 1})]:
            t = m.tensor(t)
            for f in (m.nn.functional.nll_loss, m.nn.functional.cross_entropy):
                y = f(x, t, reduction=reduction, **kw)
                g, = m.autograd.grad(y.sum(), x, create_graph=create_graph)
                out += [y, g]
        return out
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("p", [0, -INF, -1, -0.5, -2])
@pytest.mark.parametrize("dim", [None, 1, (0,)])
def test_norms_of_order_zero_and_below_match_torch(p, dim):
    """p = 0 counts the nonzero elements (no gradient: .grad stays None), p = -inf is the smallest
    |x| (its gradient as inf's: the elements equal to it share it), p < 0 sums |x|**p (a 0 makes the
    norm 0); with a nan and a 0, and without (then differentiated twice: a second derivative at a 0
    may have another zero sign)."""
    def program(m):
        out = []
        for values in ([[1., -3., 0.], [2., NAN, -2.]], [[1., -3., 0.5], [2., 4., -2.]]):
            x = m.tensor(values, requires_grad=True)
            y = x.norm(p) if dim is None else x.norm(p, dim=dim)
            y.sum().backward()
            g = m.autograd.grad(x.norm(p, dim=dim).sum(), x, create_graph=True, allow_unused=True)[0]
            out += [y, x.grad, g]
        out.append(None if g is None else m.autograd.grad(g.sum(), x, allow_unused=True))
        return out
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_puts_ties_where_atens_std_sort_does(dtype, descending):
    """sort / argsort (stable=False, the default) of slices longer than 16 with equal elements:
    the indices std::sort's introsort leaves (not their own order), and the gradient through the
    sorted values reaches those elements; stable=True keeps their order."""
    def program(m):
        import random
        rng = random.Random(5)
        out = []
        for shape, dim in [((40,), 0), ((3, 25), 1), ((25, 3), 0), ((2, 17, 3), 1), ((300,), -1)]:
            flat = [float(rng.randint(0, 3)) for _ in range(math.prod(shape))]
            if dtype.startswith("float"):
                flat = [NAN if v == 0 and rng.random() < 0.5 else v for v in flat]
            x = m.tensor(flat).view(shape).to(getattr(m, dtype))
            out += [x.sort(dim, descending=descending).indices, x.argsort(dim, descending=descending),
                    x.sort(dim=dim, descending=descending, stable=True).indices]
            if dtype.startswith("float"):
                x.requires_grad_()
                v = x.sort(dim, descending=descending).values
                (m.where(v.isnan(), 0., v) * m.arange(v.numel(), dtype=v.dtype).view(v.shape)).sum().backward()
                out.append(x.grad)
        return out
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("sort", [True, False])
def test_topk_picks_and_orders_as_atens_partial_sort_and_nth_element(largest, sort):
    """topk's indices: among equal elements the ones ATen's std::partial_sort (k * 64 <= n) or
    std::nth_element (then std::sort of the first k - 1) picks; with sorted=False in the order that
    leaves them; nan counts as the largest; the gradient reaches the elements picked."""
    def program(m):
        import random
        rng = random.Random(4)
        out = []
        for shape, dim in [((10,), 0), ((3, 25), 1), ((25, 3), 0), ((2, 70, 3), 1), ((300,), -1)]:
            flat = [float(rng.randint(0, 3)) for _ in range(math.prod(shape))]
            flat = [NAN if v == 0 and rng.random() < 0.2 else v for v in flat]
            x = m.tensor(flat, requires_grad=True)
            n = shape[dim]
            for k in sorted({0, 1, 2, n // 2, n}):
                r = x.view(shape).topk(k, dim=dim, largest=largest, sorted=sort)
                out += [r.indices, r.values]
                (m.where(r.values.isnan(), 0., r.values) * m.arange(r.values.numel(), dtype=m.float32)
                 .view(r.values.shape)).sum().backward()
            out.append(x.grad)
        return out
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert same(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"
