"""Memory layout: each result is laid out as ATen lays it out, because students see it -- through
.view() (which refuses a non-contiguous tensor), .stride(), .is_contiguous() and .contiguous().

Elementwise results follow TensorIterator (the inputs' strides decide, the first input first);
softmax, cumsum, cat, stack, masked_fill and reductions over a dim are contiguous; clone, sort and
flip keep their input's layout; a view's strides are its base's.
"""
import pytest

from torch_oracle import ENGINE, TORCH, close, outcome

OPS = {
    "x * 2": lambda m, x: x * 2, "x + x": lambda m, x: x + x, "exp": lambda m, x: x.exp(),
    "relu": lambda m, x: x.relu(), "-x": lambda m, x: -x, "clone": lambda m, x: x.clone(),
    "contiguous": lambda m, x: x.contiguous(), "softmax(-1)": lambda m, x: x.softmax(-1),
    "softmax(0)": lambda m, x: x.softmax(0), "log_softmax(-1)": lambda m, x: x.log_softmax(-1),
    "sum(0)": lambda m, x: x.sum(0), "sum(-1, keepdim)": lambda m, x: x.sum(-1, keepdim=True),
    "mean(0)": lambda m, x: x.mean(0), "max(0)": lambda m, x: x.max(0)[0], "cumsum(0)": lambda m, x: x.cumsum(0),
    "x ** 2": lambda m, x: x ** 2, "clamp": lambda m, x: x.clamp(0, 1), "where": lambda m, x: m.where(x > 0, x, 0.),
    "sigmoid": lambda m, x: x.sigmoid(), "x / 3": lambda m, x: x / 3, "x @ x.mT": lambda m, x: x @ x.transpose(-1, -2),
    "sort": lambda m, x: x.sort(-1)[0], "flip": lambda m, x: x.flip(0), "double": lambda m, x: x.double(),
    "cat": lambda m, x: m.cat([x, x]), "stack": lambda m, x: m.stack([x, x]),
    "masked_fill": lambda m, x: x.masked_fill(x > 0, 0.), "maximum": lambda m, x: m.maximum(x, x * 2),
    "norm(dim=0)": lambda m, x: x.norm(dim=0), "var(0)": lambda m, x: x.var(0), "logsumexp(0)": lambda m, x: x.logsumexp(0),
    "prod(0)": lambda m, x: x.prod(0), "x * row": lambda m, x: x * m.ones(x.shape[-1]),
    "x + x.contiguous()": lambda m, x: x + x.contiguous(), "x.contiguous() + x": lambda m, x: x.contiguous() + x,
    "x + x.flip(0)": lambda m, x: x + x.flip(0), "unsqueeze(1)": lambda m, x: x.unsqueeze(1), "x[None]": lambda m, x: x[None],
    "x[0]": lambda m, x: x[0], "x.t() if 2-D": lambda m, x: x.t() if x.ndim == 2 else x.mT,
    "silu": lambda m, x: m.nn.functional.silu(x), "mish": lambda m, x: m.nn.functional.mish(x),
    "gelu": lambda m, x: m.nn.functional.gelu(x), "softplus": lambda m, x: m.nn.functional.softplus(x),
    "logsigmoid": lambda m, x: m.nn.functional.logsigmoid(x), "log1p": lambda m, x: (x.abs() + 0).log1p(),
    "logaddexp": lambda m, x: m.logaddexp(x, x),
}
INPUTS = {
    "transposed": lambda m: m.tensor([[1., -2.], [3., 4.], [-5., 6.]]).T,
    "permuted": lambda m: m.arange(24.).reshape(2, 3, 4).permute(2, 0, 1) - 10,
    "strided": lambda m: m.arange(6.).reshape(2, 3)[:, ::2],
    "contiguous": lambda m: m.arange(6.).reshape(3, 2) - 2,
    "expanded": lambda m: m.tensor([1., -2.]).expand(3, 2),
    "expanded rows": lambda m: m.tensor([[1.], [-2.], [3.]]).expand(3, 2),
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("layout", sorted(INPUTS))
def test_result_layout_matches_torch(name, layout):
    def program(m):
        y = OPS[name](m, INPUTS[layout](m))
        try:
            flat = y.view(-1)
        except RuntimeError as e:  # what a student meets: .view() refuses, .reshape() copies
            flat = str(e)
        return tuple(y.shape), y.stride(), y.is_contiguous(), flat
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert close(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


@pytest.mark.parametrize("shape", [(1,), (1, 1), (3, 1), (1, 3), (2, 1, 1), (2, 3)])
@pytest.mark.parametrize("source", ["0-d", "[1]", "[3]", "column"])
def test_expand_strides_match_torch(source, shape):
    """expand's strides are ATen's (inferExpandGeometry): 0 where a dim repeats, and every stride
    of an expanded 0-d tensor is 0 -- the overlap checks of setitem compare them."""
    values = {"0-d": 2.0, "[1]": [2.0], "[3]": [1.0, 2.0, 3.0], "column": [[1.0], [2.0]]}[source]

    def program(m):
        t = m.tensor(values)
        return t.expand(*shape).stride()
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert close(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


EMPTY = {
    "empty(0)": lambda m: m.empty(0), "tensor([])": lambda m: m.tensor([]), "arange(0)": lambda m: m.arange(0),
    "zeros(0, 3)": lambda m: m.zeros(0, 3), "zeros(3, 0)": lambda m: m.zeros(3, 0),
    "ones(2, 0, 4)": lambda m: m.ones(2, 0, 4), "zeros(0, 3).sum(0)": lambda m: m.zeros(0, 3).sum(0),
    "zeros(0, 3) * 2": lambda m: m.zeros(0, 3) * 2, "zeros(2, 3)[:0]": lambda m: m.zeros(2, 3)[:0],
    "zeros(2, 3)[:, 3:]": lambda m: m.zeros(2, 3)[:, 3:], "randn(0, 2, 2)": lambda m: m.randn(0, 2, 2),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_tensor_strides_match_torch(name):
    """A new empty tensor's strides are the row-major ones, each dim of size 0 counted as 1 (numpy
    gives a new empty array strides of 0)."""
    def program(m):
        t = EMPTY[name](m)
        return tuple(t.shape), t.stride(), [t.stride(d) for d in range(t.ndim)], t.is_contiguous()
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert close(ours, theirs), f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"
