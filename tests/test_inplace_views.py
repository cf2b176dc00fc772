"""In-place ops on views of tensors in a graph: PyTorch rewrites the base's history (CopySlices) and
the view becomes a view of the new base (AsStridedBackward0). Values, grads and grad_fn names must
be PyTorch's."""
import pytest

from torch_oracle import ENGINE, assert_same, outcome


def _slice_twice(m):
    x = m.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    y[0:2].mul_(2)
    y[1] += 5
    y.sum().backward()
    return y, x.grad


def _column(m):
    w = m.ones(2, 3, requires_grad=True)
    y = w * 1
    y[:, 0] *= 3
    (y * y).sum().backward()
    return y, w.grad


def _buffer_joins_graph(m):
    z = m.tensor([1., 2.], requires_grad=True)
    buf = m.zeros(3)
    buf[0:2].add_(z)
    (buf * buf).sum().backward()
    return buf, buf.is_leaf, z.grad


def _transposed_view(m):
    a = m.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    b = a * 1
    v = b.t()
    v[0].mul_(10)
    (b * m.tensor([[1., 2.], [3., 4.]])).sum().backward()
    # (PyTorch also regenerates v's grad_fn lazily, as AsStridedBackward0; ours stays TBackward0)
    return b, v.detach(), a.grad


def _view_then_saved(m):
    # the view's new values are what later ops save and use
    x = m.tensor([1., 2., 3.], requires_grad=True)
    y = x * x
    y[1:].sub_(1)
    z = (y * y).sum()
    z.backward()
    return y, x.grad


def _view_of_view(m):
    x = m.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
    y = x + 0
    y[1][1:].mul_(x[0, :2])
    y.sum().backward()
    return y, x.grad


@pytest.mark.parametrize("program", [_slice_twice, _column, _buffer_joins_graph, _transposed_view,
                                     _view_then_saved, _view_of_view], ids=lambda f: f.__name__)
def test_inplace_on_a_view_matches_torch(program):
    assert outcome(program, ENGINE)[0] == "ok"  # (an error raised by both would also be "the same")
    assert_same(program)
