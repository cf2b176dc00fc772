"""torch.autograd.graph against torch 2.13: saved_tensors_hooks / save_on_cpu (what is packed, when,
in which order, what backward unpacks, and the errors), grad_fn._raw_saved_* (register_hooks), and
grad_fn objects as torch.autograd.graph.Node (isinstance, name, next_functions, metadata,
register_hook / register_prehook: the order hooks run in, what their results change, their errors).

Each program runs on both libraries (torch_oracle.assert_same): its log of hook calls and its
results must be the same, an error must be the same error.
"""
import pytest

from torch_oracle import assert_same


def _name(fn):
    return None if fn is None else type(fn).__name__


def _logging_hooks(log, x, w):
    def pack(t):
        log.append(("pack", t.tolist(), t is x, t is w, t.requires_grad, _name(t.grad_fn)))
        return t

    def unpack(p):
        log.append(("unpack", p.tolist()))
        return p
    return pack, unpack


def _saved_hooks_order(m):
    """pack when saved (a product: other, then self; a result: the output), unpack when read."""
    log = []
    x = m.tensor([1., 2.], requires_grad=True)
    w = m.tensor([3., 4.], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(*_logging_hooks(log, x, w)):
        y = x * w
        z = y.exp()
        m.tensor([5., 6.]) * 2.  # (nothing requires grad: nothing saved)
    log.append("forward done")
    s = y.grad_fn._saved_self
    log.append(("saved_self", s is x, s.requires_grad, _name(s.grad_fn)))
    r = z.grad_fn._saved_result
    log.append(("saved_result", r is z, _name(r.grad_fn)))
    z.sum().backward()
    return log, x.grad, w.grad


def _saved_hooks_only_what_is_saved(m):
    """only the tensors the node saves: the other factor of a product whose one input needs grad;
    masks and indices; nothing in no_grad"""
    log = []
    x = m.tensor([1., 2., 3.], requires_grad=True)
    c = m.tensor([3., 4., 5.])
    with m.autograd.graph.saved_tensors_hooks(*_logging_hooks(log, x, c)):
        y = x * c
        f = x.masked_fill(x > 1.5, 0.)
        i = x[m.tensor([0, 2, 0])]
        with m.no_grad():
            x * c
    (y.sum() + f.sum() + i.sum()).backward()
    return log, x.grad


def _hooks_change_what_backward_reads(m):
    """backward computes with what unpack returns (here: the values before an in-place change, which
    is then no error: saved tensors under hooks are not version-checked)"""
    x = m.tensor([1., 2.], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda p: p):
        a = x * 2
        b = a * a
        a.mul_(3)
    b.sum().backward()
    return x.grad


def _hooks_scale(m):
    x = m.tensor([1., 2.], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t * 10, lambda p: p):
        y = (x ** 2).sum()
    y.backward()
    return x.grad


def _unpack_returns_a_number(m):
    x = m.tensor([1., 2.], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: 5):
        y = x * x
    y.sum().backward()


def _pack_returns_none(m):
    x = m.tensor([1., 2.], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: None, lambda p: p):
        y = x.sin()
    y.sum().backward()


def _hooks_not_callable(m):
    with m.autograd.graph.saved_tensors_hooks(5, lambda p: p):
        pass


def _nested_hooks(m):
    log = []
    x = m.tensor([1., 2.], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: (log.append("outer"), t)[1], lambda p: p):
        with m.autograd.graph.saved_tensors_hooks(lambda t: (log.append("inner"), t)[1], lambda p: p):
            x.exp()
        x.exp()
    return log


def _disabled(m):
    with m.autograd.graph.disable_saved_tensors_hooks("no saved-tensor hooks here"):
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            pass


def _save_on_cpu(m):
    x = m.tensor([1., 2.], requires_grad=True)
    w = m.tensor([3., 4.], requires_grad=True)
    with m.autograd.graph.save_on_cpu():
        y = (x * w).tanh()
    s = y.grad_fn._saved_result
    y.sum().backward()
    return s, s is y, x.grad, w.grad


def _double_backward_through_hooks(m):
    """what unpacks keeps the original's place in the graph: a second derivative goes through it"""
    x = m.tensor([1., 2.], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
        y = (x ** 3).sum()
    g, = m.autograd.grad(y, x, create_graph=True)
    return g, m.autograd.grad(g.sum(), x)


def _raw_saved(m):
    """grad_fn._raw_saved_<name>.register_hooks: pack at once, unpack when read; one pair only"""
    log = []
    x = m.tensor([1., 2.], requires_grad=True)
    w = m.tensor([3., 4.], requires_grad=True)
    y = x * w
    raw = y.grad_fn._raw_saved_self
    raw.register_hooks(lambda t: (log.append(("pack", t.tolist())), t * 10)[1],
                       lambda p: (log.append(("unpack", p.tolist())), p)[1])
    log.append(("saved_self", y.grad_fn._saved_self))
    try:
        raw.register_hooks(lambda t: t, lambda p: p)
    except RuntimeError as e:
        log.append(str(e))
    y.sum().backward()
    try:
        raw.register_hooks(lambda t: t, lambda p: p)
    except RuntimeError as e:
        log.append(str(e))
    return log, w.grad, type(raw).__name__


def _raw_saved_names(m):
    x = m.tensor([1., 2.], requires_grad=True)
    names = lambda fn: sorted(a for a in dir(fn) if a.startswith("_raw_saved_"))  # noqa: E731
    return names((x * 2.).grad_fn), names(x.exp().grad_fn), names(x.clamp(min=0.).grad_fn), \
        names(x.masked_fill(x > 1, 0.).grad_fn)


def _node_type(m):
    Node = m.autograd.graph.Node
    x = m.tensor([1., 2.], requires_grad=True)
    y = x * 2
    acc = y.grad_fn.next_functions[0][0]

    class Twice(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    out = [isinstance(y.grad_fn, Node), isinstance(acc, Node), isinstance(Twice.apply(x).grad_fn, Node),
           isinstance(5, Node), isinstance(None, Node), issubclass(type(y.grad_fn), Node),
           y.grad_fn.name(), acc.name(), y.grad_fn.metadata]
    y.grad_fn.metadata["a"] = 1
    out += [y.grad_fn.metadata, y.grad_fn.metadata is y.grad_fn.metadata]
    try:
        Node()
    except TypeError as e:
        out.append(str(e))
    return out


def _node_hooks_order(m):
    """tensor hooks, retain_grad, the node's prehooks, the node, its hooks; at a leaf: its tensor's
    hooks, then the AccumulateGrad's prehooks and hooks"""
    log = []
    x = m.tensor([1., 2.], requires_grad=True)
    w = m.tensor([3., 4.], requires_grad=True)
    y = x * w
    y.register_hook(lambda g: log.append(("tensor hook", g.tolist())))
    y.retain_grad()
    y.grad_fn.register_prehook(lambda go: log.append(("prehook", [t.tolist() for t in go])))
    y.grad_fn.register_hook(lambda gi, go: log.append(
        ("hook", [None if t is None else t.tolist() for t in gi], [t.tolist() for t in go])))
    y.register_hook(lambda g: log.append(("tensor hook 2", g.tolist())))
    acc = y.grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: log.append(("leaf prehook", [t.tolist() for t in go])))
    acc.register_hook(lambda gi, go: log.append(("leaf hook", gi, [t.tolist() for t in go])))
    x.register_hook(lambda g: log.append(("x hook", g.tolist())))
    removed = y.grad_fn.register_hook(lambda gi, go: log.append("removed: never called"))
    removed.remove()
    y.sum().backward()
    return log, y.grad, x.grad


def _node_hooks_change_gradients(m):
    """a prehook's result is what the node receives; a hook's is what it passes on (None: nothing)"""
    x = m.tensor([1., 2.], requires_grad=True)
    w = m.tensor([3., 4.], requires_grad=True)
    y = x * w
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, None))
    y.sum().backward()
    z = x * w
    z.grad_fn.register_prehook(lambda go: (None,))
    z.sum().backward()
    return x.grad, w.grad


def _bad_node_hook(kind):
    def program(m):
        x = m.tensor([1., 2.], requires_grad=True)
        w = m.tensor([3., 4.], requires_grad=True)
        y = x * w
        if kind == "prehook count":
            y.grad_fn.register_prehook(lambda go: (go[0], go[0]))
        elif kind == "prehook type":
            y.grad_fn.register_prehook(lambda go: 5)
        elif kind == "hook count":
            y.grad_fn.register_hook(lambda gi, go: (gi[0],))
        elif kind == "hook type":
            y.grad_fn.register_hook(lambda gi, go: [gi[0], gi[1]])
        elif kind == "hook size":
            y.grad_fn.register_hook(lambda gi, go: (gi[0][:1], gi[1]))
        elif kind == "prehook size":
            y.grad_fn.register_prehook(lambda go: (go[0][:1],))
        elif kind == "prehook dtype":
            y.grad_fn.register_prehook(lambda go: (go[0].double(),))
        y.sum().backward()
        return x.grad
    return program


def _node_hooks_in_autograd_grad_and_create_graph(m):
    log = []
    x = m.tensor([1., 2.], requires_grad=True)
    y = x.sin()
    y.grad_fn.register_hook(lambda gi, go: log.append(("hook", _name(gi[0].grad_fn), go[0].requires_grad)))
    g, = m.autograd.grad(y.sum(), x, create_graph=True)
    return log, g


PROGRAMS = {
    "saved_tensors_hooks order": _saved_hooks_order,
    "saved_tensors_hooks only what is saved": _saved_hooks_only_what_is_saved,
    "saved_tensors_hooks change what backward reads": _hooks_change_what_backward_reads,
    "saved_tensors_hooks scale": _hooks_scale,
    "unpack returns a number": _unpack_returns_a_number,
    "pack returns None": _pack_returns_none,
    "hooks not callable": _hooks_not_callable,
    "nested hooks": _nested_hooks,
    "disable_saved_tensors_hooks": _disabled,
    "save_on_cpu": _save_on_cpu,
    "double backward through hooks": _double_backward_through_hooks,
    "_raw_saved register_hooks": _raw_saved,
    "_raw_saved names": _raw_saved_names,
    "Node type": _node_type,
    "node hooks order": _node_hooks_order,
    "node hooks change gradients": _node_hooks_change_gradients,
    "node hooks in autograd.grad under create_graph": _node_hooks_in_autograd_grad_and_create_graph,
    **{f"bad node hook: {kind}": _bad_node_hook(kind)
       for kind in ("prehook count", "prehook type", "hook count", "hook type", "hook size",
                    "prehook size", "prehook dtype")},
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_autograd_graph_matches_torch(name):
    assert_same(PROGRAMS[name])
