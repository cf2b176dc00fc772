"""autograd_core.record(): the ordered events of a forward and backward pass.

Checked against the engine's own results (values, .grad) and against the worked examples of the
seed digest (A: w=1, x=2; B: m=2, n=3; C: a..d = 1..4), and structurally: every backward step runs
after every step that feeds it (a valid reverse topological order), each node's grad_output is the
sum of what its consumers passed it, and the accumulate events add up to the leaves' .grad.
"""
import numpy as np
import pytest

import autograd_core as torch
from autograd_core import record
from autograd_core._engine import STATE
from torch_oracle import assert_close


def _kinds(rec):
    return [e.kind for e in rec.events]


def _of(rec, kind):
    return [e for e in rec.events if e.kind == kind]


def _is_acc(node):
    return node is not None and node.name() == "torch::autograd::AccumulateGrad"


def check_backward_structure(rec):
    """Invariants every recorded backward pass satisfies."""
    steps = [e for e in rec.events if e.kind in ("backward", "accumulate")]
    position = {id(e.node): i for i, e in enumerate(steps)}
    assert len(position) == len(steps), "a node ran twice in one backward pass"
    received = {}
    for e in steps:
        if e.kind != "backward":
            continue
        edges = e.node.next_functions
        assert len(e.grad_inputs) == len(edges) == len(e.local_grads)
        for (nxt, _), gi, lg in zip(edges, e.grad_inputs, e.local_grads):
            assert (nxt is None) == (gi is None) == (lg is None)
            if nxt is None:
                continue
            # a node runs only after every node that passes it a gradient
            assert position[id(e.node)] < position[id(nxt)], f"{nxt.name()} ran before {e.node.name()}"
            received[id(nxt)] = received.get(id(nxt), 0) + gi
    for e in steps:
        if id(e.node) in received:
            arriving = e.grad_output if e.kind == "backward" else e.grad
            if e.kind == "accumulate" and e.tensor._hooks:
                continue  # hooks may have replaced it
            if e.kind == "backward" and e.node._pre_hooks:
                continue
            np.testing.assert_allclose(arriving, received[id(e.node)], rtol=1e-6)


def check_accumulation(rec, leaves):
    for leaf in leaves:
        events = [e for e in _of(rec, "accumulate") if e.tensor is leaf]
        assert events, "leaf received nothing"
        np.testing.assert_allclose(sum(e.grad for e in events), leaf.grad.numpy(), rtol=1e-6)
        np.testing.assert_array_equal(events[-1].total, leaf.grad.numpy())
        assert events[0].prev is None  # these leaves start without a gradient
        assert all(e.node.variable is leaf for e in events)


# --- example A ------------------------------------------------------------------------------------
def example_a(retain=False):
    w = torch.tensor([1.], requires_grad=True)
    x = torch.tensor([2.], requires_grad=True)
    a = torch.add(w, x)
    b = torch.add(w, 1)
    if retain:
        a.retain_grad()
    y = torch.mul(a, b)
    y.backward()
    return w, x, a, b, y


def test_example_a_forward_events():
    with record() as rec:
        w, x, a, b, y = example_a()
    leaves = _of(rec, "leaf")
    assert [e.tensor for e in leaves] == [w, x]
    assert [e.value.tolist() for e in leaves] == [[1.], [2.]]
    fwd = _of(rec, "forward")
    assert [(e.op, e.tensor, e.node) for e in fwd] == [("add", a, a.grad_fn), ("add", b, b.grad_fn),
                                                      ("mul", y, y.grad_fn)]
    assert fwd[0].inputs == (w, x) and fwd[1].inputs == (w, 1) and fwd[2].inputs == (a, b)
    assert [e.value.tolist() for e in fwd] == [[3.], [2.], [6.]]
    assert [e.node.name() for e in fwd] == ["AddBackward0", "AddBackward0", "MulBackward0"]
    assert _kinds(rec)[:5] == ["leaf", "leaf", "forward", "forward", "forward"]
    assert [e.index for e in rec.events] == list(range(len(rec.events)))


def test_example_a_backward_events():
    with record() as rec:
        w, x, a, b, y = example_a()
    bwd = _of(rec, "backward")
    first = bwd[0]
    assert first.node is y.grad_fn and first.node.name() == "MulBackward0"
    assert first.grad_output.tolist() == [1.]
    assert [g.tolist() for g in first.grad_inputs] == [[2.], [3.]]  # (b, a)
    assert [g.tolist() for g in first.local_grads] == [[2.], [3.]]
    assert {e.node for e in bwd} == {y.grad_fn, a.grad_fn, b.grad_fn}
    b_step = next(e for e in bwd if e.node is b.grad_fn)
    assert b_step.grad_inputs[1] is None and b_step.node.next_functions[1] == (None, 0)
    check_backward_structure(rec)
    check_accumulation(rec, [w, x])
    assert w.grad.tolist() == [5.] and x.grad.tolist() == [2.]
    assert _of(rec, "retain") == []


def test_example_a_retain_event():
    with record() as rec:
        w, x, a, b, y = example_a(retain=True)
    (ret,) = _of(rec, "retain")
    assert ret.tensor is a and ret.node is a.grad_fn and ret.grad.tolist() == [2.]
    assert a.grad.tolist() == [2.]
    # the retain event comes when a's node receives its gradient, before it passes it on
    step = next(e for e in _of(rec, "backward") if e.node is a.grad_fn)
    assert ret.index < step.index


# --- example B ------------------------------------------------------------------------------------
def test_example_b():
    with record() as rec:
        m = torch.tensor(2., requires_grad=True)
        n = torch.tensor(3., requires_grad=True)
        a = m + n
        b = m - n
        y = a * b
        y.backward()
    assert (m.grad.item(), n.grad.item()) == (4., -6.)
    bwd = _of(rec, "backward")
    assert [g.item() for g in bwd[0].grad_inputs] == [-1., 5.]  # (b, a)
    sub = next(e for e in bwd if e.node.name() == "SubBackward0")
    assert [g.item() for g in sub.local_grads] == [1., -1.]
    assert [g.item() for g in sub.grad_inputs] == [5., -5.]
    check_backward_structure(rec)
    check_accumulation(rec, [m, n])


# --- example C ------------------------------------------------------------------------------------
def test_example_c():
    with record() as rec:
        a, b, c, d = (torch.tensor(float(v), requires_grad=True) for v in (1, 2, 3, 4))
        x = a + b
        y = c * d
        z = x + y
        z.backward()
    fwd = _of(rec, "forward")
    assert [e.value.item() for e in fwd] == [3., 12., 15.]
    assert [e.node.name() for e in fwd] == ["AddBackward0", "MulBackward0", "AddBackward0"]
    acc = {id(e.tensor): e.grad.item() for e in _of(rec, "accumulate")}
    assert [acc[id(t)] for t in (a, b, c, d)] == [1., 1., 4., 3.]
    assert [t.grad.item() for t in (a, b, c, d)] == [1., 1., 4., 3.]
    mul = next(e for e in _of(rec, "backward") if e.node is y.grad_fn)
    assert [g.item() for g in mul.local_grads] == [4., 3.]
    check_backward_structure(rec)
    check_accumulation(rec, [a, b, c, d])
    assert len(_of(rec, "leaf")) == 4


# --- more structure ---------------------------------------------------------------------------
def _program():
    """A bigger graph: broadcasting, matmul, shared inputs, an in-place op, a hook, retain_grad."""
    torch.manual_seed(3)
    x = torch.randn(4, 3)
    w = torch.randn(3, 2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    h = (x @ w + b).tanh()
    h.retain_grad()
    s = h * h + h
    s.mul_(2)
    s.register_hook(lambda g: g * 0.5)
    loss = s.softmax(dim=1)[:, 0].sum() + (w ** 2).sum() * 0.1
    loss.backward()
    return [loss, h, s, w.grad, b.grad, h.grad], (w, b)


def test_recording_does_not_change_results():
    plain, _ = _program()
    with record() as rec:
        recorded, leaves = _program()
    for p, r in zip(plain, recorded):
        np.testing.assert_array_equal(p.detach().numpy(), r.detach().numpy())
    check_backward_structure(rec)
    check_accumulation(rec, leaves)
    assert len(_of(rec, "retain")) == 1


def test_forward_values_are_copies():
    with record() as rec:
        x = torch.ones(2, requires_grad=True)
        y = x * 2
    y_value = rec.events[-1].value
    with torch.no_grad():
        y.add_(5)
    assert y_value.tolist() == [2., 2.] and y.tolist() == [7., 7.]


def test_inplace_ops_and_no_grad_ops_are_recorded_with_their_node():
    with record() as rec:
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        y.add_(1)
        with torch.no_grad():
            z = x * 3
    fwd = _of(rec, "forward")
    assert [e.op for e in fwd] == ["mul", "add", "mul"]
    assert fwd[1].tensor is y and fwd[1].node is y.grad_fn and fwd[1].node.name() == "AddBackward0"
    assert fwd[1].value.tolist() == [3., 3.]
    assert fwd[2].tensor is z and fwd[2].node is None


def test_hooks_apply_before_grad_output_is_recorded():
    with record() as rec:
        x = torch.ones(2, requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
    step = next(e for e in _of(rec, "backward") if e.node is y.grad_fn)
    assert step.grad_output.tolist() == [60., 60.]  # 2 * y = 6, times 10
    (acc,) = _of(rec, "accumulate")
    assert acc.grad.tolist() == [181., 181.] == x.grad.tolist()


def test_two_backward_passes_are_both_recorded():
    with record() as rec:
        x = torch.ones(2, requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        x.grad.zero_()
        y = (x * 3).sum()
        y.backward()
    acc = _of(rec, "accumulate")
    assert [e.total.tolist() for e in acc] == [[2., 2.], [4., 4.], [3., 3.]]
    # prev: the leaf's .grad before the add -- None the first time, then copies (zeroed is not None)
    assert [None if e.prev is None else e.prev.tolist() for e in acc] == [None, [2., 2.], [0., 0.]]
    for e in acc:
        np.testing.assert_array_equal(e.total, (0 if e.prev is None else e.prev) + e.grad)


def test_autograd_grad_records_backward_steps_but_no_accumulation():
    with record() as rec:
        x = torch.ones(2, requires_grad=True)
        (g,) = torch.autograd.grad((x * x).sum(), x)
    assert _of(rec, "accumulate") == [] and x.grad is None
    assert [e.node.name() for e in _of(rec, "backward")] == ["SumBackward0", "MulBackward0"]


# --- scope ----------------------------------------------------------------------------------------
def test_nothing_is_recorded_outside_the_block():
    x = torch.ones(2, requires_grad=True)
    with record() as rec:
        y = x * 2
    z = y * 3
    z.sum().backward()
    torch.zeros(3)
    assert _kinds(rec) == ["forward"]
    assert STATE.recorder is None


def test_nested_recorders_restore_the_outer_one():
    x = torch.ones(2, requires_grad=True)
    with record() as outer:
        a = x * 2
        with record() as inner:
            b = a + 1
        c = b * 3
    assert [e.tensor for e in inner.events] == [b]
    assert [e.tensor for e in outer.events] == [a, c]
    assert STATE.recorder is None


def test_an_exception_restores_the_previous_recorder():
    x = torch.ones(2, requires_grad=True)
    with record() as outer:
        with pytest.raises(RuntimeError):
            with record():
                (x * 2).backward()  # non-scalar without gradient
        y = x + 1
    assert outer.events[-1].tensor is y and STATE.recorder is None
    with pytest.raises(KeyError):
        with record():
            raise KeyError
    assert STATE.recorder is None


def test_the_recording_keeps_the_names_its_block_ended_with():
    """rec.names: the variables of the block's frame holding a recorded tensor (or a module with a
    recorded parameter) when the block ends -- a notebook cell's globals included, names bound after
    the op too; rebinding them later changes nothing, and unrelated tensors are not kept."""
    cell = """
model = torch.nn.Linear(2, 1)
unrelated = torch.ones(5)
with torch.record() as rec:
    x = torch.ones(1, 2)
    model(x).sum().backward()
    y = rec.events[2].tensor
    p = model.weight
x = y = None
"""
    ns = {"torch": torch}
    exec(compile(cell, "<cell>", "exec"), ns)  # module level: the frame's locals are its globals
    rec = ns["rec"]
    assert list(rec.names) == ["model", "x", "y", "p"]      # the module before its loose parameter
    assert rec.names["model"] is ns["model"] and rec.names["p"] is ns["model"].weight
    assert rec.names["x"] is rec.events[0].tensor and rec.names["y"] is rec.events[2].tensor

    def function_block():
        a = torch.tensor(1., requires_grad=True)
        with record() as inner:
            b = a * 2
        return inner, a, b
    inner, a, b = function_block()
    assert list(inner.names) == ["a", "b"] and inner.names["a"] is a and inner.names["b"] is b
    assert record().names == {}


def test_recording_repr_and_sequence_protocol():
    with record() as rec:
        x = torch.tensor([1.], requires_grad=True)
        (x * 2).sum().backward()
    assert len(rec) == len(rec.events) and list(rec) == rec.events and rec[0] is rec.events[0]
    assert repr(rec) == "Recording(leaf=1, forward=2, backward=2, accumulate=1)"
    assert repr(record()) == "Recording(empty)"


# --- many ops, and random programs -------------------------------------------------------------
def _wide_program():
    """cat, stack, advanced indexing, max, where, expand, setitem, clamp, pow, division."""
    a = torch.tensor([[1., -2., 3.], [0.5, 4., -1.]], requires_grad=True)
    b = torch.tensor([2., 1., -3.], requires_grad=True)
    c = torch.cat([a, b.unsqueeze(0)], dim=0)          # 3 x 3
    s = torch.stack([c[0], c[2], b], dim=1)            # 3 x 3
    picked = s[torch.tensor([0, 2, 2])]                # repeated rows
    m = picked.max(dim=1).values + c.max()
    w = torch.where(c > 0, c, c * 0.1).sum(dim=0)
    e = b.expand(2, 3) / (a.abs() + 1)
    buf = e.clone()
    buf[0, 1] = w[2] * 2
    out = (m.sum() + (buf ** 2).sum() + w.clamp(min=0).sum()) / 3
    out.backward()
    return out, a, b


def test_wide_program_events_are_consistent():
    with record() as rec:
        out, a, b = _wide_program()
    check_backward_structure(rec)
    check_accumulation(rec, [a, b])
    names = {e.node.name() for e in _of(rec, "backward")}
    assert {"CatBackward0", "StackBackward0", "IndexBackward0", "MaxBackward0", "MaxBackward1",
            "WhereBackward0", "ExpandBackward0", "torch::autograd::CopySlices"} <= names


def test_local_grads_are_the_local_derivatives():
    with record() as rec:
        x = torch.tensor([0.5, 1.5], requires_grad=True)
        y = torch.tensor([2., -1.], requires_grad=True)
        s = x.sin()
        p = s * y
        p.sum().backward()
    steps = {e.node.name(): e for e in _of(rec, "backward")}
    np.testing.assert_allclose(steps["SinBackward0"].local_grads[0], np.cos([0.5, 1.5]), rtol=1e-6)
    mul = steps["MulBackward0"]
    np.testing.assert_allclose(mul.local_grads[0], y.detach().numpy())
    np.testing.assert_allclose(mul.local_grads[1], np.sin([0.5, 1.5]), rtol=1e-6)
    # grad_inputs = local_grads * grad_output for elementwise ops
    for e in (steps["SinBackward0"], mul):
        for gi, lg in zip(e.grad_inputs, e.local_grads):
            np.testing.assert_allclose(gi, lg * e.grad_output, rtol=1e-6)


UNARY = [lambda m, t: t.exp() * 0.1, lambda m, t: t.tanh(), lambda m, t: t.sigmoid(),
         lambda m, t: t * t, lambda m, t: t.relu() + 1, lambda m, t: (t * 0.5).sin()]
BINARY = [lambda m, s, t: s + t, lambda m, s, t: s * t, lambda m, s, t: s - t * 2,
          lambda m, s, t: s / (t.abs() + 1), lambda m, s, t: m.maximum(s, t)]


def _random_program(m, seed):
    """A random DAG over three leaves (values reused, so nodes have several consumers)."""
    rng = np.random.default_rng(seed)
    leaves = [m.tensor(rng.uniform(-1, 1, 3).astype(np.float32).tolist(), requires_grad=True)
              for _ in range(3)]
    values = list(leaves)
    for _ in range(int(rng.integers(3, 12))):
        if rng.random() < 0.4:
            values.append(UNARY[rng.integers(len(UNARY))](m, values[rng.integers(len(values))]))
        else:
            i, j = rng.integers(len(values), size=2)
            values.append(BINARY[rng.integers(len(BINARY))](m, values[i], values[j]))
    out = (values[-1] * m.tensor([1., 2., 3.])).sum() + values[-2].sum()
    return out, leaves


def test_random_programs_record_valid_backward_passes():
    import torch as real_torch
    for seed in range(40):
        with record() as rec:
            out, leaves = _random_program(torch, seed)
            if not out.requires_grad:
                continue
            out.backward()
        check_backward_structure(rec)
        used = [t for t in leaves if t.grad is not None]
        check_accumulation(rec, used)
        ref_out, ref_leaves = _random_program(real_torch, seed)
        ref_out.backward()
        for ours, ref in zip(leaves, ref_leaves):
            assert (ours.grad is None) == (ref.grad is None)
            if ours.grad is not None:
                assert_close(ours.grad, ref.grad)


def test_every_factory_records_a_leaf():
    import numpy as np_
    makers = {
        "tensor": lambda: torch.tensor([1.]), "zeros": lambda: torch.zeros(2),
        "ones": lambda: torch.ones(2), "rand": lambda: torch.rand(2), "randn": lambda: torch.randn(2),
        "randint": lambda: torch.randint(0, 3, (2,)), "arange": lambda: torch.arange(3),
        "linspace": lambda: torch.linspace(0, 1, 3), "eye": lambda: torch.eye(2),
        "full": lambda: torch.full((2,), 3.), "zeros_like": lambda: torch.zeros_like(torch.ones(1)),
        "ones_like": lambda: torch.ones_like(torch.ones(1)), "Tensor(list)": lambda: torch.Tensor([1., 2.]),
        "Tensor(2, 3)": lambda: torch.Tensor(2, 3), "from_numpy": lambda: torch.from_numpy(np_.ones(2)),
        "as_tensor": lambda: torch.as_tensor([1., 2.]), "empty": lambda: torch.empty(2),
        "rand_like": lambda: torch.rand_like(torch.ones(2)),
    }
    missing = []
    for name, make in makers.items():
        with record() as rec:
            t = make()
        leaves = [e for e in _of(rec, "leaf") if e.tensor is t]
        if len(leaves) != 1:
            missing.append(name)
        elif t.numel() and name not in ("Tensor(2, 3)", "empty"):
            np.testing.assert_array_equal(leaves[0].value, t.numpy())
    assert missing == []


def test_retain_event_stores_the_gradient_after_hooks():
    with record() as rec:
        x = torch.ones(2, requires_grad=True)
        y = x * 3
        y.retain_grad()
        y.register_hook(lambda g: g * 10)  # runs before retain_grad's, whatever the order
        y.sum().backward()
    (ret,) = _of(rec, "retain")
    assert ret.grad.tolist() == [10., 10.] == y.grad.tolist()
    assert x.grad.tolist() == [30., 30.]
