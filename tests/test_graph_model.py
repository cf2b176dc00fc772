"""GraphModel: nodes, edges, names and per-step states, checked against the engine's real graph."""
import numpy as np
import pytest

import autograd_core as torch
from widgets.graph_model import GraphModel, format_array, text_width


def _walk(root_fn):
    """Every grad_fn reachable from root_fn (an independent, simple walk of the engine's graph)."""
    seen, stack, out = set(), [root_fn], []
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        out.append(fn)
        stack.extend(n for n, _ in fn.next_functions)
    return out


def example_a():
    w = torch.tensor(1., requires_grad=True)
    x = torch.tensor(2., requires_grad=True)
    a = w + x
    b = w + 1
    y = a * b
    return dict(w=w, x=x, a=a, b=b, y=y)


def example_b():
    m = torch.tensor(2., requires_grad=True)
    n = torch.tensor(3., requires_grad=True)
    a = m + n
    b = m - n
    y = a * b
    return dict(m=m, n=n, a=a, b=b, y=y)


def example_c():
    a, b, c, d = (torch.tensor(float(v), requires_grad=True) for v in (1, 2, 3, 4))
    x = a + b
    y = c * d
    z = x + y
    return dict(a=a, b=b, c=c, d=d, x=x, y=y, z=z)


EXAMPLES = {"A": (example_a, "y"), "B": (example_b, "y"), "C": (example_c, "z")}


def _by_label(model, label):
    return [n for n in model.nodes.values() if n.label == label]


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_function_view_matches_engine_graph(key):
    make, root = EXAMPLES[key]
    env = make()
    fns = _walk(env[root].grad_fn)
    model = GraphModel.from_tensors(env[root], view="function", names=env)
    kinds = [n.kind for n in model.nodes.values()]
    acc = [f for f in fns if f.name().endswith("AccumulateGrad")]
    assert kinds.count("function") == len(fns) - len(acc)
    assert kinds.count("accumulate") == len(acc)
    # one "next" edge per non-None next_functions entry, one leaf -> AccumulateGrad edge per leaf
    nexts = [e for e in model.edges if "next" in e.classes]
    assert len(nexts) == sum(1 for f in fns for n, _ in f.next_functions if n is not None)
    assert len([e for e in model.edges if "variable" in e.classes]) == len(acc)
    # the function nodes carry the engine's names
    assert sorted(n.label for n in model.nodes.values() if n.kind == "function") == \
        sorted(f.name() for f in fns if f not in acc)
    # leaves named and classed; the root is the output
    leaves = [n for n in model.nodes.values() if n.kind == "tensor" and n.is_leaf]
    assert {n.name for n in leaves} == {k for k, t in env.items() if t.is_leaf}
    assert all(n.classes[0] == "leaf" for n in leaves)
    out = model.nodes[model.roots[0]]
    assert out.name == root and "output" in out.classes


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_tensor_view_matches_engine_graph(key):
    make, root = EXAMPLES[key]
    env = make()
    fns = [f for f in _walk(env[root].grad_fn) if not f.name().endswith("AccumulateGrad")]
    model = GraphModel.from_tensors(env[root], names=env)
    ops = [n for n in model.nodes.values() if n.kind == "op"]
    assert len(ops) == len(fns)
    assert sorted(n.op for n in ops) == sorted(f.name() for f in fns)
    # every named tensor is one node with its value; non-leaves show their grad_fn
    for name, t in env.items():
        (node,) = [n for n in model.nodes.values() if n.name == name]
        np.testing.assert_array_equal(node.value, t.detach().numpy())
        assert node.is_leaf == t.is_leaf
        assert node.op == (None if t.is_leaf else t.grad_fn.name())
        assert node.classes[0] == ("leaf" if t.is_leaf else "nonleaf")
    # each op has one edge per input it used (number constants included) and one result edge
    for op in ops:
        assert len([e for e in model.edges if e.src == op.id]) == 1
        assert len([e for e in model.edges if e.dst == op.id]) == 2


def test_example_a_edges_follow_the_program():
    env = example_a()
    model = GraphModel.from_tensors(env["y"], names=env)
    nid = {n.name: n.id for n in model.nodes.values() if n.name}
    producer = {e.dst: e.src for e in model.edges if "result" in e.classes}
    inputs = {}
    for e in model.edges:
        if "data" in e.classes:
            inputs.setdefault(e.dst, []).append((e.slot, model.nodes[e.src].label))
    assert sorted(inputs[producer[nid["a"]]]) == [(0, "w"), (1, "x")]
    assert sorted(inputs[producer[nid["b"]]]) == [(0, "w"), (1, "1")]
    assert sorted(inputs[producer[nid["y"]]]) == [(0, "a"), (1, "b")]
    assert model.nodes[nid["y"]].classes == ("nonleaf", "output")


@pytest.mark.parametrize("op", ["add", "mul"])
def test_multiplicity_a_op_a(op):
    a = torch.tensor([1., 2.], requires_grad=True)
    y = a + a if op == "add" else a * a
    for view, cls in (("tensor", "data"), ("function", "next")):
        model = GraphModel.from_tensors(y, view=view, names={"a": a})
        edges = [e for e in model.edges if cls in e.classes]
        assert len(edges) == sum(n is not None for n, _ in y.grad_fn.next_functions) == 2
        assert len({(e.src, e.dst) for e in edges}) == 1
        assert sorted(e.id[-1] for e in edges) == ["0", "1"]


def test_names_from_caller_frame_and_globals():
    w = torch.tensor(1., requires_grad=True)
    _hidden = torch.tensor(2., requires_grad=True)
    y = w * _hidden
    model = GraphModel.from_tensors(y)
    names = {n.name for n in model.nodes.values() if n.kind == "tensor"}
    assert names == {"w", "y", None}  # "_hidden" is not a name to show
    # an explicit name wins over the namespace; first match wins deterministically
    alias = w  # noqa: F841 (two local names for one tensor: the first assigned wins)
    model = GraphModel.from_tensors(y, names={"weight": w})
    assert "weight" in {n.name for n in model.nodes.values()}
    model = GraphModel.from_tensors(y)
    assert "w" in {n.name for n in model.nodes.values()} and "alias" not in {
        n.name for n in model.nodes.values()}


def test_values_grads_and_none():
    assert format_array(None) == "None"
    assert format_array(np.float32(0.0)) == "0"
    assert format_array(np.array([1 / 3, 2.0])) == "[0.3333, 2]"
    big = np.arange(20.0)
    assert format_array(big) == "min 0  mean 9.5  max 19"
    assert len(format_array(np.full((2, 2), -1.23456e5))) <= text_width((2, 2))
    env = example_a()
    env["y"].backward()
    model = GraphModel.from_tensors(env["y"], names=env)
    got = {n.name: n.grad_text for n in model.nodes.values() if n.name}
    assert got == {"w": "5", "x": "2", "a": "None", "b": "None", "y": "None"}


def test_frozen_and_param_classes():
    class Parameter(torch.Tensor):  # any Tensor subclass named Parameter is a parameter
        pass

    def param(value, rg):
        p = Parameter()
        base = torch.tensor(value, requires_grad=rg)
        for slot in torch.Tensor.__slots__:
            if slot != "__weakref__":
                setattr(p, slot, getattr(base, slot))
        return p

    w, f = param([1., 2.], True), param([3., 4.], False)
    y = (w * f).sum()
    model = GraphModel.from_tensors(y, names={"fc.weight": w, "old.weight": f})
    nodes = {n.name: n for n in model.nodes.values() if n.name}
    assert nodes["fc.weight"].classes == ("leaf", "param") and nodes["fc.weight"].module == "fc"
    assert nodes["old.weight"].classes == ("const", "frozen")


def test_retained_grad_class():
    env = example_a()
    env["a"].retain_grad()
    env["y"].backward()
    model = GraphModel.from_tensors(env["y"], names=env)
    a = [n for n in model.nodes.values() if n.name == "a"][0]
    assert "retained" in a.classes and a.grad_text == "2"


def test_deep_chain_is_iterative():
    x = torch.tensor(1., requires_grad=True)
    y = x
    for _ in range(5000):
        y = y + 1
    model = GraphModel.from_tensors(y, view="function", names={"x": x})
    assert len([n for n in model.nodes.values() if n.kind == "function"]) == 5000


def test_ids_are_deterministic():
    def build():
        env = example_c()
        return GraphModel.from_tensors(env["z"], names=env)
    m1, m2 = build(), build()
    assert [(n.id, n.label, n.classes) for n in m1.nodes.values()] == \
        [(n.id, n.label, n.classes) for n in m2.nodes.values()]
    assert [e.id for e in m1.edges] == [e.id for e in m2.edges]
    ids = list(m1.nodes) + [e.id for e in m1.edges]
    assert len(ids) == len(set(ids))


def test_show_saved_uses_node_saved_tensors():
    env = example_a()
    y = env["y"]
    model = GraphModel.from_tensors(y, view="function", names=env, show_saved=True)
    saved = [n for n in model.nodes.values() if n.kind == "saved"]
    assert sorted(n.label for n in saved) == sorted(
        name for f in _walk(y.grad_fn) if hasattr(f, "saved_tensors") for name in f.saved_tensors())
    mul = [n for n in model.nodes.values() if n.label == "MulBackward0"][0]
    into_mul = {model.nodes[e.src].label: model.nodes[e.src].value.item()
                for e in model.edges if e.dst == mul.id and "saved" in e.classes}
    assert into_mul == {"self": 3.0, "other": 2.0}


# --- recordings -----------------------------------------------------------------------------------
def _record_example_a():
    w = torch.tensor(1., requires_grad=True)
    x = torch.tensor(2., requires_grad=True)
    with torch.record() as rec:
        a = w + x
        b = w + 1
        y = a * b
        y.backward()
    return rec, dict(w=w, x=x, a=a, b=b, y=y)


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_recording_states_agree_with_engine(view):
    rec, env = _record_example_a()
    model = GraphModel.from_recording(rec, view=view, names=env)
    assert len(model.states) == len(rec.events) + 1
    ids = {n.name: n.id for n in model.nodes.values() if n.kind == "tensor" and n.name}
    first, last = model.state_at(0), model.state_at(-1)
    # grads: None before, the engine's real gradients after
    for leaf in ("w", "x"):
        assert last.grads[ids[leaf]] == format_array(env[leaf].grad.numpy())
    for st in model.states:
        for leaf in ("w", "x"):
            if ids[leaf] in st.grads:
                assert st.grads[ids[leaf]] in ("None", format_array(env[leaf].grad.numpy()))
    assert all(first.grads.get(ids[k], "None") == "None" for k in ("w", "x"))
    # every accumulate event shows the leaf's running total
    for ev, st in zip(rec.events, model.states[1:]):
        assert st.event == ev.index and st.phase == ev.kind
        if ev.kind == "accumulate":
            assert ids[[k for k, t in env.items() if t is ev.tensor][0]] in st.active
        if ev.kind == "backward":
            assert ev.node.name() in [model.nodes[i].label for i in st.active] or view == "tensor"
    # the graph only grows during forward, and ends with every node and edge visible
    for s, t in zip(model.states, model.states[1:]):
        assert set(s.visible) <= set(t.visible)
    assert set(last.visible) == set(model.nodes)
    assert set(last.visible_edges) == {e.id for e in model.edges}


def test_recording_tensor_view_flows_are_chain_rule():
    rec, env = _record_example_a()
    model = GraphModel.from_recording(rec, names=env)
    ids = {n.name: n.id for n in model.nodes.values() if n.kind == "tensor" and n.name}
    last = model.state_at(-1)
    a, b = env["a"].item(), env["b"].item()
    assert last.flows[ids["y"]] == "1"
    assert last.flows[ids["a"]] == format_array(b)       # dy/da = b
    assert last.flows[ids["b"]] == format_array(a)       # dy/db = a
    assert last.flows[ids["w"]] == format_array(a + b)   # two paths into w
    # the forward step of y shows its value, and y is the output
    fwd = [st for st in model.states if st.phase == "forward"][-1]
    assert fwd.values[ids["y"]] == format_array(env["y"].item())
    assert "output" in model.nodes[ids["y"]].classes
    # the backward step of y's MulBackward0 sends b to a's edge and a to b's (the chain rule)
    (mul_step,) = [st for st in model.states if st.phase == "backward" and ids["y"] in st.active]
    into = {e.src: mul_step.edge_grads[e.id] for e in model.edges if e.id in mul_step.active_edges
            and e.src in (ids["a"], ids["b"])}
    assert into == {ids["a"]: format_array(b), ids["b"]: format_array(a)}
    assert all(not st.edge_grads for st in model.states if st.phase != "backward")
    # steps serialise to plain data
    d = last.to_dict()
    assert isinstance(d["visible"], list) and d["grads"][ids["w"]] == "5"


def test_recording_leaf_made_inside_starts_with_none_grad():
    with torch.record() as rec:
        w = torch.tensor([1., 2.], requires_grad=True)
        (w * w).sum().backward()
    model = GraphModel.from_recording(rec, names={"w": w})
    wid = [n.id for n in model.nodes.values() if n.name == "w"][0]
    states = [st for st in model.states if wid in st.visible]
    assert states[0].grads[wid] == "None"
    assert states[-1].grads[wid] == format_array(w.grad.numpy())


def test_static_graph_stand_in():
    class N:
        def __init__(self, name, op, inputs=(), shape=(), dtype="float32"):
            self.id, self.name, self.op, self.inputs = name, name + ":0", op, tuple(inputs)
            self.shape, self.dtype = shape, dtype

    class G:
        pass
    a, b = N("a", "Placeholder"), N("b", "Placeholder")
    c = N("c", "Const")
    w = N("w", "VariableV2")
    x = N("x", "Add", (a, b))
    y = N("y", "Mul", (c, w), shape=(None, 3))
    z = N("z", "Add", (x, y))
    g = G()
    g.nodes = [a, b, c, w, x, y, z]
    model = GraphModel.from_static(g)
    # every label distinct: an op by the value it computes (its op type drawn below it)
    assert [n.label for n in model.nodes.values()] == ["a", "b", "c", "w", "x", "y", "z"]
    assert [n.op for n in model.nodes.values()][4:] == ["Add", "Mul", "Add"]
    from widgets.render import to_dot
    assert "<I>Add</I>" in to_dot(model) and "<I>Mul</I>" in to_dot(model)
    assert [n.name for n in model.nodes.values()] == ["a", "b", "c", "w", "x", "y", "z"]
    assert len(model.edges) == sum(len(n.inputs) for n in g.nodes)
    assert model.nodes[model.roots[0]].name == "z"
    kinds = {n.name: n.classes[0] for n in model.nodes.values()}
    assert kinds == {"a": "leaf", "b": "leaf", "c": "const", "w": "leaf", "x": "op", "y": "op", "z": "op"}
    assert model.nodes["f5"].shape == ("?", 3)


def test_static_graph_from_autograd_core_static():
    tf = pytest.importorskip("autograd_core.static")
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, shape=())
        b = tf.placeholder(tf.float32, shape=())
        c = tf.constant(3.0)
        z = a * b + c
        tf.gradients(z, [a, b])
    model = GraphModel.from_static(g)
    assert [n.name for n in model.nodes.values()] == [n.id for n in g.nodes]
    assert [n.op for n in model.nodes.values()] == [str(n.op) for n in g.nodes]
    pos = {nid: i for i, nid in enumerate(model.nodes)}
    assert sorted((pos[e.src], pos[e.dst]) for e in model.edges) == sorted(
        (g.nodes.index(i), k) for k, n in enumerate(g.nodes) for i in n.inputs)
    const = [n for n in model.nodes.values() if n.op == "Const"][0]
    assert const.value_text == "3" and const.classes[0] == "const"
    from widgets import render_svg, to_dot
    assert 'id="t0"' in render_svg(model)
    dot = to_dot(model)
    assert "data 3" in dot and "grad " not in dot  # a static graph has no grads and no values yet


# --- torch -----------------------------------------------------------------------------------------
def _structure(model):
    """The model without ids: node kinds/labels/names/classes in order, edges by node position."""
    pos = {nid: i for i, nid in enumerate(model.nodes)}
    nodes = [(n.kind, n.label, n.name, n.classes, n.shape) for n in model.nodes.values()]
    edges = sorted((pos[e.src], pos[e.dst], e.slot, e.classes) for e in model.edges)
    return nodes, edges


def _program(lib):
    a = lib.tensor([2., 3.], requires_grad=True)
    b = lib.tensor([6., 4.], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    s = (Q * a).sum() + (a * a).mean()
    return dict(a=a, b=b, Q=Q, s=s)


def test_function_view_of_torch_equals_autograd_core():
    real_torch = pytest.importorskip("torch")
    ours, theirs = _program(torch), _program(real_torch)
    m1 = GraphModel.from_tensors(ours["s"], view="function", names=ours)
    m2 = GraphModel.from_tensors(theirs["s"], view="function", names=theirs)
    # a torch grad_fn hides the number of `3 * a ** 3`: the unnamed product reads "a ** 3 * 3"
    # in ours and "mul #1" in torch's; every other label is the same
    differ = [(x, y) for x, y in zip(_structure(m1)[0], _structure(m2)[0]) if x != y]
    assert differ == [(("function", "MulBackward0", "a ** 3 * 3", ("function",), None),
                       ("function", "MulBackward0", "mul #1", ("function",), None))]
    assert _structure(m1)[1] == _structure(m2)[1] and len(m1.nodes) == len(m2.nodes)
    assert len(m1.nodes) > 10
    # values and grads come through for torch too (which torchviz does not show)
    ours["s"].backward()
    theirs["s"].backward()
    m1 = GraphModel.from_tensors(ours["s"], view="function", names=ours)
    m2 = GraphModel.from_tensors(theirs["s"], view="function", names=theirs)
    g1 = {n.name: (n.value_text, n.grad_text) for n in m1.nodes.values() if n.kind == "tensor"}
    g2 = {n.name: (n.value_text, n.grad_text) for n in m2.nodes.values() if n.kind == "tensor"}
    assert g1 == g2 and g1["a"][1] != "None"


def test_torch_tensor_view_knows_intermediate_shapes():
    real_torch = pytest.importorskip("torch")
    a = real_torch.ones(2, 3, requires_grad=True)
    y = (a * 2).t().sum()
    model = GraphModel.from_tensors(y, names={"a": a})
    shapes = [n.shape for n in model.nodes.values() if n.kind == "tensor"]
    assert shapes == [(2, 3), (2, 3), (3, 2), ()]


def test_torch_module_parameters_name_and_cluster():
    real_torch = pytest.importorskip("torch")
    real_torch.manual_seed(0)
    net = real_torch.nn.Sequential(real_torch.nn.Linear(3, 4), real_torch.nn.Tanh(),
                                   real_torch.nn.Linear(4, 1))
    loss = net(real_torch.ones(2, 3)).sum()
    model = GraphModel.from_tensors(loss, view="function")
    params = {n.name: n for n in model.nodes.values() if "param" in n.classes}
    assert set(params) == {"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"}
    mods = {n.label: n.module for n in model.nodes.values() if n.kind == "function"}
    assert mods["AddmmBackward0"] in ("net.0", "net.2") and mods["TanhBackward0"] is None


# --- large graphs ----------------------------------------------------------------------------------
def test_200_node_graph_builds_and_stays_whole_below_the_threshold():
    from widgets.graph_model import simplify
    x = torch.tensor([1., 2.], requires_grad=True)
    y = x
    for i in range(50):
        y = torch.tanh(y * 0.5) + x  # alternating ops: no chain to summarise
    model = GraphModel.from_tensors(y.sum(), names={"x": x})
    assert len(model.nodes) >= 200
    assert simplify(model, max_nodes=1000) is model
    small = simplify(model, max_nodes=150)
    assert len(small.nodes) <= 150
    elided = [n for n in small.nodes.values() if "elided" in n.classes]
    assert len(elided) == 1 and elided[0].count == len(model.nodes) - (len(small.nodes) - 1)
    # every original node is represented exactly once
    assert sorted(i for ids in small.members.values() for i in ids) == sorted(model.nodes)


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_long_same_op_chain_is_summarised(view):
    from widgets.graph_model import simplify
    x = torch.tensor(1., requires_grad=True)
    w = torch.tensor(1.01, requires_grad=True)
    y = x
    for _ in range(300):
        y = y * w
    model = GraphModel.from_tensors(y, view=view, names={"x": x, "w": w, "y": y})
    small = simplify(model, max_nodes=150)
    (summary,) = [n for n in small.nodes.values() if n.kind == "summary"]
    assert summary.count == 300 and summary.label.startswith("×300 ")
    assert summary.id == min(small.members[summary.id], key=lambda i: int(i[1:]))
    # w feeds every mul: one edge with its multiplicity, from w (or its AccumulateGrad)
    into = [e for e in small.edges if e.dst == summary.id]
    assert sorted(e.count for e in into) == [1, 300]
    assert small.nodes[small.roots[0]].name == "y"
    assert simplify(model, collapse=False) is model


def test_modules_collapse_into_one_node_each():
    from widgets.graph_model import simplify
    torch.manual_seed(0)
    params, h = {}, torch.randn(4)
    for i in range(3):
        w = torch.randn(4, requires_grad=True)
        b = torch.randn(4, requires_grad=True)
        params.update({f"l{i}.weight": w, f"l{i}.bias": b})
        h = torch.tanh(h * w + b)
    model = GraphModel.from_tensors(h.sum(), names=params)
    by_module = {}
    for n in model.nodes.values():
        by_module.setdefault(n.module, []).append(n.kind)
    # a layer: its two parameters, mul and add with their outputs; tanh stays outside
    assert all(sorted(by_module[f"l{i}"]) == ["op", "op", "tensor", "tensor", "tensor", "tensor"]
               for i in range(3))
    small = simplify(model, collapse=["l1"])
    assert [n.label for n in small.nodes.values() if n.kind == "module"] == ["l1"]
    small = simplify(model, collapse=True)
    assert sorted(n.label for n in small.nodes.values() if n.kind == "module") == ["l0", "l1", "l2"]
    assert len(small.nodes) == len(model.nodes) - 3 * 5


def test_simplified_recording_states_are_remapped():
    from widgets.graph_model import simplify
    w = torch.tensor(1.001, requires_grad=True)
    with torch.record() as rec:
        y = w * 1.0
        for _ in range(20):
            y = y * w
        y.backward()
    model = GraphModel.from_recording(rec, names={"w": w})
    small = simplify(model, collapse=True)
    assert len(small.states) == len(model.states)
    ids = set(small.nodes)
    edge_ids = {e.id for e in small.edges}
    for st in small.states:
        assert set(st.visible) <= ids and set(st.active) <= ids and set(st.visible_edges) <= edge_ids
    assert set(small.states[-1].visible) == ids
    wid = [n.id for n in small.nodes.values() if n.name == "w"][0]
    assert small.states[-1].grads[wid] == format_array(w.grad.numpy())


def test_autograd_core_nn_parameters_frozen_and_modules():
    nn = pytest.importorskip("autograd_core.nn")
    from widgets import to_dot
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = net(torch.ones(2, 3)).sum()
    model = GraphModel.from_tensors(loss, view="function")
    params = {n.name: (n.classes, n.module) for n in model.nodes.values() if "param" in n.classes}
    assert params == {f"net.{i}.{k}": (("leaf", "param"), f"net.{i}")
                      for i in (0, 2) for k in ("weight", "bias")}
    dot = to_dot(model)
    assert 'subgraph "cluster_net_0"' in dot and 'subgraph "cluster_net_2"' in dot
    # a frozen parameter (requires_grad False) used by an op, drawn before backward frees the inputs
    frozen = nn.Parameter(torch.tensor([1., 2.]), requires_grad=False)
    x = torch.tensor([3., 4.], requires_grad=True)
    y = (x * frozen).sum()
    model = GraphModel.from_tensors(y, names={"frozen": frozen, "x": x})
    node = [n for n in model.nodes.values() if n.name == "frozen"][0]
    assert node.classes == ("const", "frozen")
    assert "frozen parameter" in to_dot(model)


def test_recording_follows_grad_zero_and_data_updates():
    """The tutorial's loop: .grad.zero_() shows 0 (not None), .data.sub_() changes the leaf's value."""
    torch.manual_seed(10)
    x = torch.rand(20, 1) * 10
    y = 2 * x + (5 + torch.randn(20, 1))
    w = torch.randn(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    w0 = w.detach().clone()
    with torch.record() as rec:
        for _ in range(2):
            loss = (0.5 * (y - (w * x + b)) ** 2).mean()
            loss.backward()
            b.data.sub_(0.05 * b.grad)
            w.data.sub_(0.05 * w.grad)
            w.grad.zero_()
            b.grad.zero_()
    model = GraphModel.from_recording(rec, names={"w": w, "b": b, "x": x, "y": y})
    wid = [n.id for n in model.nodes.values() if n.name == "w"][0]
    labels = {n.label for n in model.nodes.values()}
    assert {"w.grad", "b.grad", "w.data", "b.data"} <= labels
    zero_steps = [k for k, ev in enumerate(rec.events, 1) if ev.kind == "forward" and ev.op == "zero_"
                  and ev.tensor is w.grad]
    assert len(zero_steps) == 2
    for k in zero_steps:
        assert model.states[k].grads[wid] == "[0]" and model.states[k - 1].grads[wid] != "[0]"
    assert model.states[0].grads[wid] == "None"
    assert model.states[-1].values[wid] == format_array(w.detach().numpy())
    assert model.states[0].values[wid] == format_array(w0.numpy())  # undone from the first sub_
    assert model.states[0].values[wid] != model.states[-1].values[wid]


def test_long_recording_states_replay_exactly():
    """States are made on demand (checkpoints + changes): check every step of a 150-op recording."""
    x = torch.tensor([1., 2.], requires_grad=True)
    with torch.record() as rec:
        y = x
        for i in range(150):
            y = y * 1.01 if i % 2 else y + 0.5
        y.sum().backward()
    model = GraphModel.from_recording(rec, names={"x": x})
    assert len(model.states) == len(rec.events) + 1 > 3 * 64
    seen_values = {}
    visible = []
    for k, ev in enumerate(rec.events, 1):
        st = model.states[k]
        if ev.kind == "forward":
            (nid,) = [i for i in st.active if model.nodes[i].kind == "tensor"]
            seen_values[nid] = format_array(ev.value)
        for nid, text in seen_values.items():
            assert st.values[nid] == text
        assert st.index == k and st.event == ev.index
        assert len(st.visible) >= len(visible)
        visible = st.visible
    xid = [n.id for n in model.nodes.values() if n.name == "x"][0]
    assert model.states[-1].grads[xid] == format_array(x.grad.numpy())
    assert model.states[-1] == model.states[len(model.states) - 1]
    assert [s.index for s in model.states[60:70]] == list(range(60, 70))
    with pytest.raises(IndexError):
        model.states[len(model.states)]


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_edge_case_roots(view):
    w = torch.tensor(1., requires_grad=True)
    leaf = GraphModel.from_tensors(w, view=view, names={"w": w})
    assert [(n.name, n.classes) for n in leaf.nodes.values()] == [("w", ("leaf", "output"))]
    y = w * 2
    twice = GraphModel.from_tensors(y, y, view=view, names={"w": w, "y": y})
    once = GraphModel.from_tensors(y, view=view, names={"w": w, "y": y})
    assert _structure(twice) == _structure(once) and len(twice.roots) == 1
    two = GraphModel.from_tensors(w * 2, w * 3, view=view, names={"w": w})
    assert len(two.roots) == 2 and [n.name for n in two.nodes.values()].count("w") == 1
    with pytest.raises(TypeError, match="expected tensors"):
        GraphModel.from_tensors(3, view=view)
    with pytest.raises(ValueError, match="at least one root"):
        GraphModel.from_tensors(view=view)


def test_a_constant_input_backward_freed_is_still_drawn():
    """After backward (no retain_graph) a node's saved inputs are freed: a constant input, such as the
    features a frozen backbone hands to a new head, is still a node of the picture (without its
    value), while an optional input never given (a bias-free convolution's bias) is not."""
    fc, conv = torch.nn.Linear(4, 2), torch.nn.Conv2d(1, 2, 3, bias=False)
    with torch.no_grad():
        features = torch.rand(1, 4)
    loss = fc(features).sum() + conv(torch.rand(1, 1, 5, 5)).sum()
    before = GraphModel.from_tensors(loss, names={"features": features})
    loss.backward()
    after = GraphModel.from_tensors(loss)
    consts = [n for n in after.nodes.values() if "const" in n.classes]
    assert [n.label for n in consts] == ["constant #1", "constant #2"]  # the features, conv's input
    assert not any(n.has_value for n in consts)
    assert len(after.nodes) == len(before.nodes)


@pytest.mark.parametrize("backend", ["autograd_core", "torch"])
def test_a_grad_that_is_an_efficient_zero_tensor_is_shown(backend):
    """sgn's gradient (an efficient zero tensor, which refuses .numpy() in both libraries) shows as
    the zeros it is."""
    import importlib
    m = importlib.import_module(backend)
    x = m.tensor([1.0, -2.0], requires_grad=True)
    y = x.sgn().sum()
    y.backward()
    assert x.grad._is_zerotensor()
    model = GraphModel.from_tensors(y, names={"x": x, "y": y})
    assert {n.name: n.grad_text for n in model.nodes.values() if n.name}["x"] == "[0, 0]"
