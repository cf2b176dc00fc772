"""In-place ops on views of tensors in a graph: PyTorch rewrites the base's history (CopySlices) and
the view becomes a view of the new base (AsStridedBackward0). Values, grads and grad_fn names must
be PyTorch's."""
import pytest

from torch_oracle import ENGINE, TORCH, assert_same, outcome


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


# --- one view mechanism: views share their base's version counter, and after an in-place op on the
# base (or on another view of it) a view's grad_fn is regenerated lazily, as AsStridedBackward0 over
# the base's new history (PyTorch's VariableHooks::grad_fn). Issue 11, items 1, 3, 4, 7, 10, 11.
def _graph(fn, depth=4):
    """grad_fn as nested names: ('MulBackward0', [('AccumulateGrad', []), None])."""
    if fn is None:
        return None
    if depth == 0:
        return type(fn).__name__
    return (type(fn).__name__, [_graph(n, depth - 1) for n, _ in fn.next_functions])


def _view_before_base_inplace(m):  # item 1
    w = m.tensor([1., 2.], requires_grad=True)
    y = w * 1
    v = y[0]
    y.mul_(10)
    v.backward()
    return w.grad, v, _graph(v.grad_fn)


def _view_of_view_before_base_inplace(m):
    w = m.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = w * 1
    v = y[1][:1]
    y.add_(w)
    (v * 3).sum().backward()
    return w.grad, v, _graph(v.grad_fn)


def _sibling_view_inplace(m):
    """An in-place op through one view changes another view's history."""
    w = m.tensor([1., 2., 3.], requires_grad=True)
    y = w * 2
    first, last = y[:2], y[1:]
    first.mul_(w[:2])
    (last * m.tensor([1., 10.])).sum().backward()
    return w.grad, _graph(last.grad_fn), _graph(y.grad_fn), _graph(first.grad_fn)


def _view_made_before_base_joined_graph(m):  # item 3
    w = m.tensor(1., requires_grad=True)
    a = m.zeros(3)
    v = a[:2]
    before = v.requires_grad
    a.add_(w)
    v.sum().backward()
    return w.grad, before, v.requires_grad, v.is_leaf, _graph(v.grad_fn)


def _transposed_view_made_before_base_joined_graph(m):
    w = m.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    a = m.zeros(2, 2)
    v = a.t()
    a.mul_(2).add_(w)
    (v * m.tensor([[1., 2.], [3., 4.]])).sum().backward()
    return w.grad, v, _graph(v.grad_fn)


def _zero_dim_nonleaf_view_inplace(m):  # item 4
    x = m.tensor(2., requires_grad=True)
    mm = x * 1
    mm.reshape(-1).mul_(2)
    mm.backward()
    return mm, x.grad, _graph(mm.grad_fn)


def _zero_dim_select_inplace(m):
    x = m.tensor([2., 3.], requires_grad=True)
    y = x * 1
    s = y[1]
    s.add_(s * 4)
    y.sum().backward()
    return y, x.grad, _graph(y.grad_fn), _graph(s.grad_fn)


def _expand_then_fill(m):  # item 7
    a = m.ones(1).expand(3).zero_()
    b = m.ones(2, 1).expand(2, 3)
    b.fill_(4.)
    return a, b, a._version


def _expand_then_add(m):  # torch refuses this one
    return m.ones(1).expand(3).add_(1)


def _expand_then_copy(m):
    return m.ones(1).expand(3).copy_(m.tensor([1., 2., 3.]))


def _expanded_input_into_setitem(m):
    x = m.zeros(3)
    x[:] = m.tensor(2.).expand(3)
    return x


def _partial_overlap_add(m):  # item 10
    a = m.tensor([1., 2., 3.])
    a[1:].add_(a[:2])
    return a


def _partial_overlap_setitem(m):
    a = m.tensor([1., 2., 3., 4.])
    a[:3] = a[1:]
    return a


def _full_overlap_is_fine(m):
    a = m.tensor([1., 2., 3.])
    a.add_(a)
    a[:2].mul_(a[:2])
    return a


def _strided_overlap_is_not_checked(m):  # PyTorch only checks dense tensors ("too hard" otherwise)
    a = m.tensor([1., 2., 3., 4., 5.])
    a[1::2].add_(a[::2][:2])
    return a


def _retain_grad_then_inplace_on_view(m):  # item 11
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y[0].mul_(3)
    (y * y).sum().backward()
    return y.grad, x.grad, _graph(y.grad_fn)


def _hook_then_inplace_on_view(m):
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(("before", g.tolist())))
    y[1:].add_(x[:1])
    y.register_hook(lambda g: seen.append(("after", g.tolist())) or g * 2)
    (y * m.tensor([1., 3.])).sum().backward()
    return seen, x.grad


def _leaf_view_inplace_under_no_grad(m):
    w = m.tensor([1., 2., 3.], requires_grad=True)
    v = w[1:]
    with m.no_grad():
        v.mul_(10)
    (w * 1).sum().backward()
    (v * v).sum().backward()
    return w, w.grad, v, _graph(v.grad_fn), w._version, v._version


def _leaf_inplace_under_no_grad_then_old_view(m):
    w = m.tensor([1., 2.], requires_grad=True)
    v = w[0]
    with m.no_grad():
        w.mul_(2)
    (v * 2).backward()
    return w.grad, _graph(v.grad_fn)


def _view_inplace_backward_twice(m):
    x = m.tensor([1., 2., 3.], requires_grad=True)
    y = x * x
    y[:2].mul_(x[1:])
    s = (y * 2).sum()
    s.backward(retain_graph=True)
    s.backward()
    return x.grad, y


def _view_inplace_backward_twice_without_retain(m):
    x = m.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y[:2].mul_(x[1:])
    s = y.sum()
    s.backward()
    s.backward()


def _view_of_leaf_refused(m):
    w = m.tensor([1., 2.], requires_grad=True)
    w[0].mul_(2)


def _no_grad_view_modified_with_grad(m):
    w = m.tensor([1., 2.], requires_grad=True)
    with m.no_grad():
        v = w[0]
    return v.requires_grad, v.grad_fn, v.is_leaf, v.mul_(2)


def _no_grad_view_of_nonleaf_then_base_inplace(m):
    w = m.tensor([1., 2.], requires_grad=True)
    y = w * 1
    with m.no_grad():
        v = y[0]
    y.mul_(2)
    return v.grad_fn


def _unbind_view_inplace(m):
    y = m.tensor([1., 2.], requires_grad=True) * 1
    a, b = y.unbind()
    a.mul_(2)


def _split_view_then_base_inplace(m):
    y = m.tensor([1., 2., 3., 4.], requires_grad=True) * 1
    a, b = y.split(2)
    y.add_(1)
    return b.grad_fn


def _iteration_rows_under_no_grad(m):
    w = m.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    with m.no_grad():
        for row in w:
            row.mul_(2)
    (w * w).sum().backward()
    return w, w.grad


def _saved_view_then_base_inplace(m):
    """A saved view is checked against the shared version counter; its regenerated grad_fn is named."""
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 1
    v = y[0]
    z = v.sin()
    y.add_(1)
    z.backward()


def _inplace_result_saved_then_modified(m):
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 1
    y.exp_()
    y.add_(1)
    y.sum().backward()


def _inplace_result_saved_on_view(m):
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 1
    y[1:].exp_()
    y.mul_(2)
    y.sum().backward()


def _inplace_mul_by_itself(m):
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 1
    y.mul_(y)
    y.sum().backward()


def _detach_shares_version(m):
    x = m.tensor([1., 2.], requires_grad=True)
    y = x.sigmoid()
    d = y.detach()
    return d._version, d._is_view(), d._base is None, y._is_view()


def _base_and_is_view(m):
    x = m.tensor([[1., 2.], [3., 4.]])
    v = x[0]
    vv = v[1:]
    t = x.t()
    return v._base is x, vv._base is x, t._base is x, x._base is None, vv._is_view(), x._is_view()


def _index_put_into_an_expanded_view(m, rows):
    """Only the indexed rows are written (the last write into the shared row stays); backward to
    the base then copies into the expanded slice, which PyTorch refuses."""
    a = m.tensor([[1., 2.]], requires_grad=True)
    v = m.tensor([[3., 4.], [5., 6.]], requires_grad=True)
    c = a * 1
    f = c[0].expand(3, 2)
    f[rows] = v * 1
    values = c.tolist(), f.tolist()
    try:
        c.sum().backward()
    except RuntimeError as e:
        return values, str(e)
    return values, a.grad, v.grad


def _index_put_into_an_expanded_view_of_a_buffer(m):
    v = m.tensor([3., 4.], requires_grad=True)
    c = m.zeros(2)
    c[:1].expand(3)[[2, 0]] = v * 1
    c.sum().backward()
    return c, v.grad


def _masked_fill_of_an_expanded_view(m):
    c = m.zeros(2)
    c[:1].expand(3).masked_fill_(m.tensor([False, True, False]), 2.)
    return c


def _setitem_from_its_own_memory(m):
    out = []
    for n in (1, 2):
        a = m.arange(float(n))
        b = a.detach()
        for index in (None, Ellipsis, slice(None)):
            try:
                b[index] = a
                out.append(b.tolist())
            except RuntimeError as e:
                out.append(str(e))
    return out


VIEW_PROGRAMS = [
    lambda m: _index_put_into_an_expanded_view(m, [0, -2]), lambda m: _index_put_into_an_expanded_view(m, [2, 0]),
    _index_put_into_an_expanded_view_of_a_buffer, _masked_fill_of_an_expanded_view, _setitem_from_its_own_memory,
    _view_before_base_inplace, _view_of_view_before_base_inplace, _sibling_view_inplace,
    _view_made_before_base_joined_graph, _transposed_view_made_before_base_joined_graph,
    _zero_dim_nonleaf_view_inplace, _zero_dim_select_inplace, _expand_then_fill, _expand_then_add,
    _expand_then_copy, _expanded_input_into_setitem, _partial_overlap_add, _partial_overlap_setitem,
    _full_overlap_is_fine, _strided_overlap_is_not_checked, _retain_grad_then_inplace_on_view,
    _hook_then_inplace_on_view, _leaf_view_inplace_under_no_grad,
    _leaf_inplace_under_no_grad_then_old_view, _view_inplace_backward_twice,
    _view_inplace_backward_twice_without_retain, _view_of_leaf_refused, _no_grad_view_modified_with_grad,
    _no_grad_view_of_nonleaf_then_base_inplace, _unbind_view_inplace, _split_view_then_base_inplace,
    _iteration_rows_under_no_grad, _saved_view_then_base_inplace, _inplace_result_saved_then_modified,
    _inplace_result_saved_on_view, _inplace_mul_by_itself, _detach_shares_version, _base_and_is_view,
]


@pytest.mark.parametrize("program", VIEW_PROGRAMS, ids=lambda f: f.__name__.strip("_") if f.__name__ != "<lambda>"
                         else "index_put_into_an_expanded_view")
def test_views_and_inplace_match_torch(program):
    assert_same(program)


# A view PyTorch cannot regenerate (one of unbind's outputs, whose base then changed in place) fails
# when an op reads its grad_fn -- which PyTorch does before its kernel checks the arguments; ops
# composed of others (indexing, narrow, flatten, chunk, outer) check first.
WRONG_CALLS = {
    "mv": lambda m, c: m.mv(c, c), "mm": lambda m, c: m.mm(c, c), "view": lambda m, c: c.view(3),
    "reshape": lambda m, c: c.reshape(3), "sum(5)": lambda m, c: c.sum(5), "transpose": lambda m, c: c.transpose(0, 5),
    "expand": lambda m, c: c.expand(3, 3), "matmul": lambda m, c: c @ m.ones(3), "add": lambda m, c: c + m.ones(3),
    "cat": lambda m, c: m.cat([c, m.ones(2, 2)]), "stack": lambda m, c: m.stack([c, m.ones(3)]),
    "softmax": lambda m, c: c.softmax(3), "max(4)": lambda m, c: c.max(4), "clamp()": lambda m, c: c.clamp(),
    "split": lambda m, c: c.split(1, 5), "select": lambda m, c: c.select(0, 9), "getitem": lambda m, c: c[9],
    "narrow": lambda m, c: c.narrow(0, 1, 5), "flatten": lambda m, c: c.flatten(3), "chunk": lambda m, c: c.chunk(2, 3),
    "outer": lambda m, c: m.outer(c, m.ones(2, 2)), "argmax": lambda m, c: c.argmax(3),
}


@pytest.mark.parametrize("call", sorted(WRONG_CALLS))
def test_unusable_view_fails_before_the_arguments_are_checked_as_in_torch(call):
    def program(m):
        a = m.tensor([[1., 1.], [1., 1.]], requires_grad=True)
        b, c = a.unbind(0)
        with m.no_grad():
            b.tanh_()
        return WRONG_CALLS[call](m, c)
    assert outcome(program, ENGINE)[0] == "raise"
    assert_same(program)


# --- b[None] = b: PyTorch's overlap check compares the strides of the written-to view (an unsqueeze)
# with the value's (viewed without its leading 1s, then expanded): equal strides are a full overlap (a
# copy onto itself: fine), others a partial one (refused). Which it is depends on the strides ATen
# gives the size-1 dims (unsqueeze's, view's), which .stride() shows too. ----------------------------
OVERLAP_SHAPES = [(2, 3), (3, 1), (1, 3), (2, 2), (1, 1), (2, 1, 3), (1, 2, 2), (3, 1, 1)]
OVERLAP_VIEWS = {"mT": lambda b: b.mT, "reversed": lambda b: b.permute(*reversed(range(b.ndim))),
                 "itself": lambda b: b, "transpose(0, -1)": lambda b: b.transpose(0, -1)}
OVERLAP_INDICES = {"[None]": (None,), "[None, None]": (None, None), "[...]": (Ellipsis,), "[None, ...]": (None, Ellipsis)}


@pytest.mark.parametrize("index", sorted(OVERLAP_INDICES))
@pytest.mark.parametrize("view", sorted(OVERLAP_VIEWS))
@pytest.mark.parametrize("shape", OVERLAP_SHAPES, ids=str)
def test_setitem_of_a_view_with_itself_refuses_overlap_as_torch_does(shape, view, index):
    def program(m):
        a = m.arange(float(m.ones(shape).numel())).reshape(shape)
        b = OVERLAP_VIEWS[view](a)
        target = b[OVERLAP_INDICES[index]]
        b[OVERLAP_INDICES[index]] = b
        return a, b.stride(), target.stride()
    assert_same(program)


@pytest.mark.parametrize("view", sorted(OVERLAP_VIEWS))
@pytest.mark.parametrize("shape", OVERLAP_SHAPES, ids=str)
def test_strides_of_unsqueeze_and_view_of_size_one_dims_match_torch(shape, view):
    def program(m):
        b = OVERLAP_VIEWS[view](m.arange(float(m.ones(shape).numel())).reshape(shape))
        kept = [n for n in b.shape if n != 1]
        views = [b.unsqueeze(d) for d in range(b.ndim + 1)] + [b.reshape(kept + [1]), b.reshape([1] + kept)]
        if b.is_contiguous():
            views += [b.view(kept + [1, 1]), b.view(b.shape)]
        return [(tuple(v.shape), v.stride()) for v in views]
    assert_same(program)


def test_setitem_views_the_value_as_torch_does():
    """x[None] = y: y viewed without its leading 1s (a ViewBackward0 even when it has none), then
    expanded to the target's shape."""
    def program(m):
        w = m.ones(2, 3, requires_grad=True)
        x = m.zeros(2, 3)
        x[None] = w * 2
        names = []
        fn = x.grad_fn.next_functions[1][0]
        while fn is not None and fn.next_functions:
            names.append(fn.name())
            fn = fn.next_functions[0][0]
        x.sum().backward()
        return names, w.grad
    assert_same(program)


def _data_set_after_the_graph(m):
    """x.data = other after x was saved: PyTorch's SavedVariable of an input is the tensor itself,
    so backward reads the new values (a saved result, exp's, keeps the old); no version error."""
    x = m.tensor([1., 2.], requires_grad=True)
    w = m.tensor([3., 4.], requires_grad=True)
    e = x.exp()
    y = (e * w).sum() + (x ** 3).sum()
    x.data = m.tensor([5., 6.])
    e.data = m.tensor([0.5, 0.25])
    y.backward()
    return x.grad, w.grad, x._version


def test_data_set_after_the_graph_is_read_by_backward_as_in_torch():
    assert_same(_data_set_after_the_graph)


@pytest.mark.parametrize("value", ["[5., 6.]", "torch.tensor([5, 6])"])
def test_data_set_refuses_what_torch_refuses(value):
    def program(m):
        x = m.tensor([1., 2.], requires_grad=True)
        x.data = eval(value, {"torch": m})
    ours, theirs = outcome(program, ENGINE), outcome(program, TORCH)
    assert ours == theirs, f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"


def _power_in_place_is_seen_by_every_name(m):
    x = m.tensor([1.5, 2.0])
    alias = x
    x **= 2                       # (Python calls __ipow__: in place, as x *= 2)
    return alias, x is alias


def _power_in_place_by_a_tensor(m):
    w = m.tensor([1.5, 2.0], requires_grad=True)
    e = m.tensor([2.0, 0.5], requires_grad=True)
    x = w * 1
    x.pow_(e)
    x **= m.tensor([1.0, 3.0], dtype=m.float64)
    x.sum().backward()
    return x, x.dtype, w.grad, e.grad


POWERS_IN_PLACE = {
    "an alias sees x **= 2": _power_in_place_is_seen_by_every_name,
    "pow_ and **= by tensors, with gradients": _power_in_place_by_a_tensor,
    "a leaf refuses **=": lambda m: m.tensor([1.5], requires_grad=True).__ipow__(2),
    "an int tensor refuses **= 0.5": lambda m: m.tensor([1, 2]).__ipow__(0.5),
    "a bool exponent": lambda m: m.tensor([1.5, 2.0]).pow_(m.tensor([True, False])),
    "an exponent that broadcasts beyond x": lambda m: m.tensor([1.5, 2.0]).pow_(m.tensor([[2.0], [3.0]])),
}


@pytest.mark.parametrize("name", sorted(POWERS_IN_PLACE))
def test_powers_in_place_as_torch(name):
    """x **= y is x.pow_(y), a tensor exponent included (it rebound x to a new tensor, and pow_ of a
    tensor raised "Boolean value of Tensor...")."""
    assert_same(POWERS_IN_PLACE[name], exact=True)


# --- torch.diagonal / Tensor.diagonal: a view (DiagonalBackward0), written through as any view ----
def _diagonal_values_and_grads(m):
    y = m.tensor([[[0., 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]],
                  [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]], requires_grad=True)
    out = []
    for args in [(), (1,), (-1,), (1, -1, 0), (-2, 0, 2), (10,), (0, 2, -2)]:
        d = y.diagonal(*args)
        node = d.grad_fn
        (g,) = m.autograd.grad((d * d).sum(), y, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), y)
        out.append((d, d.stride(), d._base is y, node.name(), node._saved_offset, node._saved_dim1,
                    node._saved_dim2, tuple(node._saved_self_sym_sizes), g, g.grad_fn.name(), gg))
    return out


def _diagonal_writes_reach_the_base(m):
    h = m.tensor([[0., 1, 2], [3, 4, 5], [6, 7, 8]], dtype=m.float64)
    h.diagonal().zero_()
    d = m.diagonal(h, 1)
    d += 1
    h[2, 2] = 9.  # (and the base's writes reach the view)
    return h, h._version, d._version, m.diagonal(h), h.diagonal(-1, 1, 0)


def _diagonal_of_a_non_leaf_written(m):
    a = m.tensor([[1., 2, 3], [4, 5, 6], [7, 8, 9]], requires_grad=True)
    b = a * 1
    d = b.diagonal(-1)
    d.mul_(a[0, :2])
    (b * b).sum().backward()
    return b, b.grad_fn.name(), d.grad_fn.name(), a.grad


def _base_written_after_the_diagonal(m):
    a = m.tensor([[1., 2], [3, 4]], requires_grad=True)
    b = a * 2
    d = b.diagonal()
    b.mul_(3)
    (d * d).sum().backward()
    return d, d.grad_fn.name(), a.grad


DIAGONALS = {
    "values, strides, saved numbers and two orders of gradients": _diagonal_values_and_grads,
    "writes through the view reach the base (version counter shared)": _diagonal_writes_reach_the_base,
    "in place on the diagonal of a leaf that requires grad": lambda m: m.eye(2, requires_grad=True).diagonal().mul_(2),
    "in place on the diagonal of a non-leaf": _diagonal_of_a_non_leaf_written,
    "the base written after the view was taken": _base_written_after_the_diagonal,
    "Laplacian from a Hessian": lambda m: m.autograd.functional.hessian(
        lambda z: (z ** 3).sum(), m.tensor([1., 2., 3.])).diagonal().sum(),
    "einsum's repeated label is a diagonal view": lambda m: [
        (e, e._base is a, e.grad_fn.name()) for a in [m.tensor([[1., 2], [3, 4]], requires_grad=True)]
        for e in [m.einsum("ii->i", a)]],
    "torch.diag stays a copy": lambda m: [(d, d._base is None, d.grad_fn.name(), d.grad_fn._saved_offset)
                                          for d in [m.diag(m.ones(2, 3, requires_grad=True), -1)]],
    "keywords, ints, NaN, empty": lambda m: (m.diagonal(input=m.tensor([[1, 2], [3, 4]]), offset=-1, dim1=1, dim2=0),
                                             m.tensor([[float("nan"), 1.], [2., 3.]]).diagonal(), m.zeros(0, 3).diagonal()),
    "equal dims": lambda m: m.ones(2, 3, 4).diagonal(0, -3, 0),
    "a dim out of range": lambda m: m.ones(2, 3, 4).diagonal(0, 0, 3),
    "a vector has no diagonal": lambda m: m.diagonal(m.ones(3)),
}


@pytest.mark.parametrize("name", sorted(DIAGONALS))
def test_diagonal_is_torchs_view(name):
    """torch.diagonal and Tensor.diagonal did not exist (an AttributeError for H.diagonal().sum())."""
    assert_same(DIAGONALS[name], exact=True)
