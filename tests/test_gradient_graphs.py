"""Gradients are graphs too (issue 12): the GraphModel of a gradient's own graph.

- static graphs: the nodes tf.gradients adds are labelled by the derivative they hold (∂z/∂a),
  every label distinct, and the value each one holds is the derivative torch computes;
- draw(x.grad) after backward(create_graph=True): the gradient's graph, node for node as torch's,
  the backward pass's own nodes told apart from the program's;
- a recording of a double backward, interpreted once into the step model.
"""
import types
import warnings

import numpy as np
import pytest
import torch as real_torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as torch
import autograd_core.static as tf
from autograd_core import _numerics
from torch_oracle import assert_close
from widgets.graph_model import GraphModel, format_array
from widgets.render import to_dot

NO_FRAME = types.SimpleNamespace(f_locals={}, f_globals={})
BACKWARD = "made-by-backward"


@pytest.fixture(autouse=True)
def _quiet_create_graph_warning():
    with warnings.catch_warnings():  # backward(create_graph=True)'s reference-cycle UserWarning
        warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
        yield


# --- static graphs: tf.gradients' nodes ---------------------------------------------------------------
def lecture_04_graph():
    """Lecture 04's graph: z = (a + b) + c * d, then tf.gradients(z, [a, b, c, d])."""
    tf.reset_default_graph()
    a, b, c, d = (tf.placeholder(tf.float32, shape=(), name=n) for n in "abcd")
    x = tf.add(a, b, name="x")
    y = tf.multiply(c, d, name="y")
    z = tf.add(x, y, name="z")
    grads = tf.gradients(z, [a, b, c, d])
    return tf.get_default_graph(), dict(a=a, b=b, c=c, d=d, x=x, y=y, z=z), grads


def labels_by_id(graph, model):
    return {node.id: model.nodes[nid].label for node, nid in zip(graph.nodes, model.nodes)}


def test_lecture_04_gradient_nodes_are_labelled_by_the_derivative_they_hold():
    graph, _, _ = lecture_04_graph()
    model = GraphModel.from_static(graph)
    labels = labels_by_id(graph, model)
    assert labels == {"a": "a", "b": "b", "c": "c", "d": "d", "x": "x", "y": "y", "z": "z",
                      "gradients/Fill": "∂z/∂z",
                      "gradients/z_grad/AddGrad": "∂z/∂x", "gradients/z_grad/AddGrad_1": "∂z/∂y",
                      "gradients/y_grad/MulGrad": "∂z/∂c", "gradients/y_grad/MulGrad_1": "∂z/∂d",
                      "gradients/x_grad/AddGrad": "∂z/∂a", "gradients/x_grad/AddGrad_1": "∂z/∂b"}
    # TensorFlow's name stays on the node (drawn below the derivative), the type on forward ops
    names = {n.label: n.name for n in model.nodes.values()}
    assert names["∂z/∂a"] == "gradients/x_grad/AddGrad"
    dot = to_dot(model)
    # (a line per scope: a node as wide as its longest part)
    assert "<I>gradients/</I>" in dot and "<I>x_grad/</I>" in dot and "<I>AddGrad_1</I>" in dot
    assert "<I>Add</I>" in dot
    backward = {n.label for n in model.nodes.values() if BACKWARD in n.classes}
    assert backward == {label for label in labels.values() if label.startswith("∂")}
    assert "added by tf.gradients" in dot  # the legend keys the gradient nodes


def test_each_static_gradient_node_holds_the_derivative_torch_computes():
    graph, nodes, _ = lecture_04_graph()
    model = GraphModel.from_static(graph)
    feed = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}
    # torch: the same program, every intermediate keeping its gradient
    t = {k: real_torch.tensor(v, requires_grad=True) for k, v in feed.items()}
    t["x"] = t["a"] + t["b"]
    t["y"] = t["c"] * t["d"]
    t["z"] = t["x"] + t["y"]
    for k in ("x", "y", "z"):
        t[k].retain_grad()
    t["z"].backward()
    expected = {k: v.grad.item() for k, v in t.items()}
    fetched = [n for n in graph.nodes if n.grad_of is not None]
    with tf.Session() as sess:
        values = sess.run(fetched, feed_dict={nodes[k]: v for k, v in feed.items()})
    by_label = {model.nodes[nid].label: nid for nid in model.nodes}
    for node, value in zip(fetched, values):
        label = labels_by_id(graph, model)[node.id]
        wrt = label.split("/∂")[1]
        assert_close(value, np.float32(expected[wrt]), label)
        assert label in by_label


def test_parts_of_a_derivative_and_a_second_gradients_call_keep_labels_distinct():
    """a * a + a: three paths into ∂/∂a, summed by an AddN; two ys; tf.gradients called twice."""
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, shape=(), name="a")
    z = a * a + a
    w = tf.Variable(2.0, name="w")
    loss = z * w
    tf.gradients([z, loss], [a, w])
    tf.gradients(loss, [a])
    graph = tf.get_default_graph()
    model = GraphModel.from_static(graph)
    labels = labels_by_id(graph, model)
    assert len(set(labels.values())) == len(labels)
    assert labels["gradients/AddN_1"] == "∂(add+mul_1)/∂a"          # the total: the sum of 3 paths
    assert {labels[k] for k in ("gradients/add_grad/AddGrad_1", "gradients/mul_grad/MulGrad",
                                "gradients/mul_grad/MulGrad_1")} == {
        f"∂(add+mul_1)/∂a (path {k})" for k in (1, 2, 3)}
    assert labels["gradients_1/AddN"] == "∂mul_1/∂a"
    assert labels["gradients_1/Fill"] == "∂mul_1/∂mul_1"
    # the second call differentiates loss alone: its nodes name that derivative
    assert labels["gradients/mul_1_grad/MulGrad"] == "∂(add+mul_1)/∂add (path 2)"
    assert labels["gradients_1/mul_1_grad/MulGrad"] == "∂mul_1/∂add"


def test_a_broadcast_gradient_before_its_unbroadcast_says_so():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, shape=(2, 3), name="a")
    b = tf.placeholder(tf.float32, shape=(3,), name="b")
    y = tf.reduce_sum(a * b, name="y")
    tf.gradients(y, [b])
    graph = tf.get_default_graph()
    labels = labels_by_id(graph, GraphModel.from_static(graph))
    unbroadcast = next(n for n in graph.nodes if n.op == "Unbroadcast")
    assert labels[unbroadcast.id] == "∂y/∂b"
    assert labels[unbroadcast.inputs[0].id] == "∂y/∂b (broadcast)"
    assert len(set(labels.values())) == len(labels)


STATIC_OPS = ["add", "mul", "sub", "square"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(st.sampled_from(STATIC_OPS), st.integers(0, 9), st.integers(0, 9)),
                    min_size=1, max_size=6),
       calls=st.lists(st.tuples(st.integers(0, 9), st.integers(1, 3)), min_size=1, max_size=3))
def test_random_static_graphs_never_give_two_nodes_one_label(ops, calls):
    """Whatever tf.gradients calls a program makes (several ys, shared inputs, the same
    derivative twice), no two nodes carry the same label, and a gradient node's label names
    what it holds."""
    tf.reset_default_graph()
    pool = [tf.placeholder(tf.float32, shape=(), name=n) for n in ("p", "q")]
    for name, i, j in ops:
        u, v = pool[i % len(pool)], pool[j % len(pool)]
        pool.append({"add": lambda: u + v, "mul": lambda: u * v, "sub": lambda: u - v,
                     "square": lambda: u * u}[name]())
    for first, n in calls:
        ys = pool[2:][first % (len(pool) - 2):][:n]
        tf.gradients(ys, pool[:2])
    graph = tf.get_default_graph()
    model = GraphModel.from_static(graph)
    labels = [n.label for n in model.nodes.values()]
    assert len(labels) == len(set(labels)), labels
    for node, nid in zip(graph.nodes, model.nodes):
        if node.grad_of is not None:
            ys, wrt = node.grad_of
            assert model.nodes[nid].label.split(" (")[0].endswith(f"/∂{wrt.id}")
            assert BACKWARD in model.nodes[nid].classes


# --- draw(x.grad): a gradient's own graph, from the tensors --------------------------------------------
def function_names(fn):
    """The names of every node reachable from grad_fn fn, with repeats (a multiset, sorted)."""
    out, seen, stack = [], set(), [fn]
    while stack:
        f = stack.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        out.append(f.name())
        stack.extend(n for n, _ in f.next_functions)
    return sorted(out)


def example_a_create_graph(T):
    w = T.tensor(1., requires_grad=True)
    x = T.tensor(2., requires_grad=True)
    a = w + x
    b = w + 1
    y = a * b
    y.backward(create_graph=True)
    return dict(w=w, x=x, a=a, b=b, y=y)


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_draw_of_a_grad_shows_its_graph_node_for_node_as_torch(view):
    ours, theirs = example_a_create_graph(torch), example_a_create_graph(real_torch)
    model = GraphModel.from_tensors(ours["w"].grad, view=view, names=ours)
    # the graph torch builds for w.grad, every node named as torch names it
    assert function_names(ours["w"].grad.grad_fn) == function_names(theirs["w"].grad.grad_fn)
    kind = "op" if view == "tensor" else "function"
    drawn = sorted(n.op for n in model.nodes.values() if n.kind == kind)
    want = [n for n in function_names(theirs["w"].grad.grad_fn) if not n.endswith("AccumulateGrad")]
    assert drawn == want
    # the ops the backward pass made, told apart from the program's (w + x, w + 1)
    made = sorted(n.op for n in model.nodes.values() if n.kind == kind and BACKWARD in n.classes)
    assert made == sorted(["MulBackward0", "MulBackward0", "AddBackward0",
                           "torch::autograd::CopyBackwards"])
    program = [n for n in model.nodes.values() if n.kind == kind and BACKWARD not in n.classes]
    assert sorted(n.op for n in program) == ["AddBackward0", "AddBackward0"]
    root = model.nodes[model.roots[0]]
    assert (root.label, root.derivative) == ("w.grad", "dy/dw")
    dot = to_dot(model)
    assert "= dy/dw" in dot and "made by the backward pass" in dot
    if view == "tensor":
        # the tensors the forward graph saved are the forward graph's own nodes: a and b
        labels = {n.label: n for n in model.nodes.values()}
        assert BACKWARD not in labels["a"].classes and BACKWARD not in labels["b"].classes
        # a new .grad's memory, overwritten by the copy, is not an input of anything
        consts = [n for n in model.nodes.values() if n.kind in ("tensor", "const") and n.is_leaf
                  and not n.requires_grad]
        assert sorted(n.value_text for n in consts) == ["1", "1", "1"]  # (w + 1, and the seed twice)


def test_draw_of_a_torch_grad_names_the_nodes_but_cannot_tell_who_made_them():
    theirs = example_a_create_graph(real_torch)
    model = GraphModel.from_tensors(theirs["w"].grad, view="function", names=theirs)
    assert sorted(n.op for n in model.nodes.values() if n.kind == "function") == [
        n for n in function_names(theirs["w"].grad.grad_fn) if not n.endswith("AccumulateGrad")]
    assert not any(BACKWARD in n.classes for n in model.nodes.values())
    assert model.nodes[model.roots[0]].label == "w.grad"


def test_only_the_nodes_a_create_graph_backward_made_are_marked():
    x = torch.tensor([1., 2.], requires_grad=True)
    y = (x * x).sin().sum()
    y.backward()                                   # a plain backward makes nothing
    z = (x * 3).sum()
    (g,) = torch.autograd.grad(z * z, x, create_graph=True)
    model = GraphModel.from_tensors(g, y, names={"x": x, "y": y, "z": z, "g": g})
    made = {n.op for n in model.nodes.values() if n.kind == "op" and BACKWARD in n.classes}
    program = {n.op for n in model.nodes.values() if n.kind == "op" and BACKWARD not in n.classes}
    assert program == {"MulBackward0", "SinBackward0", "SumBackward0"}
    assert "ExpandBackward0" in made or "MulBackward0" in made
    g_node = next(n for n in model.nodes.values() if n.label == "g")
    assert BACKWARD in g_node.classes and g_node.derivative is None  # (what grad() gave: unknown)


# --- a recording of a double backward ------------------------------------------------------------------
def x_cubed(T):
    x = T.tensor(2., requires_grad=True)
    y = x ** 3
    (g,) = T.autograd.grad(y, x, create_graph=True)
    g.backward()
    return dict(x=x, y=y, g=g)


def recorded(program, view="tensor"):
    with torch.record() as rec:
        env = program(torch)
    return GraphModel.from_recording(rec, view=view, names=env, frame=NO_FRAME), env


def test_x_cubed_steps_build_the_gradient_then_differentiate_it():
    model, env = recorded(x_cubed)
    theirs = x_cubed(real_torch)
    assert_close(env["x"].grad, theirs["x"].grad, "x.grad")     # 6x = 12
    captions = [st.caption for st in model.states]
    assert captions[3:7] == [
        "backward of PowBackward0 builds x ** 2 = 4: a new node",
        "backward of PowBackward0 builds x ** 2 * 3 = 12: a new node",
        "backward of PowBackward0 builds g = dy/dx = (dy/dy) * (x ** 2 * 3) = 12: the gradient "
        "it passes to x",
        "backward: PowBackward0 gets dy/dy = 1 and passes g to x"]
    assert all(c.startswith("second backward") for c in captions[7:])
    assert captions[7] == ("second backward: MulBackward0 gets dg/dg = 1 and passes gradients to "
                           "x ** 2 * 3")
    assert captions[-1] == "second backward, accumulate: x.grad += 12 → 12"
    assert "g = dy/dx, so dg/dx = d²y/dx²" in " ".join(line.text for line in model.states[-1].lines)
    # the ops the first backward made are torch's gradient graph of g, node for node
    made = sorted(n.op for n in model.nodes.values() if n.kind == "op" and BACKWARD in n.classes)
    assert made == [n for n in function_names(theirs["g"].grad_fn) if not n.endswith("AccumulateGrad")]
    assert [st.made_by for st in model.states[3:6]] == ["PowBackward0"] * 3
    assert all(st.made_by is None for st in model.states[6:])
    assert [f["phase"] for f in model.frames[2:8]] == ["forward"] + ["build"] * 3 + ["backward"] * 2
    assert [f["phase_label"] for f in model.frames[2:8]] == ["forward ▶"] + ["◀ backward"] * 5
    g = next(n for n in model.nodes.values() if n.label == "g")
    assert g.derivative == "dy/dx" and BACKWARD in g.classes
    assert model.program == ("x = torch.tensor(2., requires_grad=True)", "y = x ** 3",
                             "(g,) = torch.autograd.grad(y, x, create_graph=True)", "g.backward()")


def test_x_cubed_predict_mode_asks_before_the_gradient_is_built():
    model, _ = recorded(x_cubed)
    asked = {k: st.question for k, st in enumerate(model.states) if st.question is not None}
    q = asked[3]  # the first op PowBackward0 builds: what will it pass on?
    assert [(f.label, float(f.expected), f.kind) for f in q.fields] == [("dy/dx", 12.0, "grad")]
    assert q.caption == ("backward of PowBackward0: it gets dy/dy = 1 and builds the gradients it "
                         "passes on")
    assert "12" not in q.caption + " ".join(line.text for line in q.prompt)
    new_node = model.states[3].active[-1]
    assert q.keep_rows == {new_node: ["data", "grad", ""]}  # (x ** 2's value waits too)
    assert 6 not in asked and 5 not in asked  # its values are on screen by then
    assert [float(asked[k].fields[0].expected) for k in (7, 8, 9, 10)] == [1.0, 3.0, 12.0, 12.0]


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_a_gradient_penalty_on_example_a(view):
    def program(T):
        w = T.tensor(1., requires_grad=True)
        x = T.tensor(2., requires_grad=True)
        a = w + x
        b = w + 1
        y = a * b
        gw, gx = T.autograd.grad(y, (w, x), create_graph=True)
        loss = y + gw * gw + gx * gx
        loss.backward()
        return dict(w=w, x=x, a=a, b=b, y=y, gw=gw, gx=gx, loss=loss)
    model, env = recorded(program, view)
    theirs = program(real_torch)
    for name in ("w", "x"):
        assert_close(env[name].grad, theirs[name].grad, name)
        nid = next(k for k, n in model.nodes.items() if n.label == name)
        assert model.states[-1].grads[nid] == format_array(theirs[name].grad.numpy())
    labels = [n.label for n in model.nodes.values() if n.kind == "tensor"]
    assert len(labels) == len(set(labels))
    # gw is the engine's sum of w's two paths: asked there, as a whole gradient
    sums = [st for st in model.states if st.caption.startswith("backward: the engine adds")]
    assert len(sums) == 1 and sums[0].question.fields[0].label == "dy/dw"
    assert float(sums[0].question.fields[0].expected) == 5.0 == theirs["gw"].item()
    derivative = {n.label: n.derivative for n in model.nodes.values() if n.derivative}
    if view == "tensor":
        # gx is the very tensor MulBackward0 built as dy/da: AddBackward0 passes it on unchanged
        assert derivative == {"gw": "dy/dw", "gx": "dy/da", "dy/db": "dy/db"}
    assert [p.root for p in model.passes] == ["y", "loss"]


def test_retain_grad_and_backward_under_create_graph():
    def program(T):
        w = T.tensor([1., -2.], requires_grad=True)
        h = (w * w).sum()
        h.retain_grad()
        y = h * h
        y.backward(create_graph=True)
        return dict(w=w, h=h, y=y)
    model, env = recorded(program)
    theirs = program(real_torch)
    assert_close(env["h"].grad, theirs["h"].grad, "h.grad")
    retained = [st.question for st in model.states if st.question is not None
                and st.question.fields[0].kind == "retained"]
    assert len(retained) == 1 and retained[0].fields[0].label == "h.grad"
    assert_close(retained[0].fields[0].expected, theirs["h"].grad.detach().numpy(), "h.grad")
    clone = next(st for st in model.states if st.caption.startswith("retain_grad: makes"))
    assert clone.question is retained[0] or clone.question == retained[0]
    labels = {n.label: n for n in model.nodes.values()}
    assert labels["h.grad"].derivative == "dy/dh" and "w.grad" in labels


def test_a_hook_during_a_plain_backward_is_a_step_of_that_pass():
    with torch.record() as rec:
        x = torch.ones(2, requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: g * 10)
        (y * y).sum().backward()
    model = GraphModel.from_recording(rec, names={"x": x, "y": y}, frame=NO_FRAME)
    assert len(model.passes) == 1  # (the hook's op does not cut the pass in two)
    hook = next(st for st in model.states if st.made_by is not None)
    assert hook.caption.startswith("backward: a hook (before MulBackward0 runs) computes")
    assert hook.question is None
    assert x.grad.tolist() == [180., 180.]


def test_a_seed_given_by_the_program_keeps_its_name():
    with torch.record() as rec:
        x = torch.tensor([1., 2.], requires_grad=True)
        v = torch.tensor([1., 0.5])
        y = x * x
        y.backward(gradient=v, create_graph=True)
    model = GraphModel.from_recording(rec, names={"x": x, "v": v, "y": y}, frame=NO_FRAME)
    labels = [n.label for n in model.nodes.values() if n.kind == "tensor"]
    assert "v" in labels and "dy/dy" not in labels
    assert x.grad.tolist() == [2., 2.]


def test_tanh_backward_rounds_once_as_torch():
    """ATen rounds 1 - out * out once (found by the double-backward property test: 3e-6 apart)."""
    value = np.float32(1.3518339)
    grads = []
    for T in (torch, real_torch):
        x = T.tensor(value, requires_grad=True)
        (x ** 4).tanh().backward()
        grads.append(float(x.grad.item()))
    assert grads[0] == grads[1]
    # the kernel alone, on the same saved results (the forward tanh itself differs in the last bit
    # for 0.7% of inputs: torch's is not correctly rounded)
    rng = np.random.default_rng(0)
    out = np.tanh(rng.uniform(-5, 5, 20_000)).astype(np.float32)
    g = rng.standard_normal(20_000).astype(np.float32)
    theirs = real_torch.ops.aten.tanh_backward(real_torch.from_numpy(g), real_torch.from_numpy(out))
    assert np.array_equal(_numerics.tanh_backward(g, out), theirs.numpy())


# --- a node of several outputs: one op, its outputs told apart by output_nr ---------------------------
def two_outputs(T):
    class Two(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3
    return Two


@pytest.mark.parametrize("T", [torch, real_torch], ids=["autograd_core", "torch"])
def test_from_tensors_tells_the_outputs_of_one_node_apart(T):
    x = T.tensor([1., 2.], requires_grad=True)
    a, b = two_outputs(T).apply(x)
    model = GraphModel.from_tensors(a * b, names={"x": x, "a": a, "b": b}, frame=NO_FRAME)
    assert [(n.kind, n.label) for n in model.nodes.values()] == [
        ("tensor", "x"), ("op", "two"), ("tensor", "a"), ("tensor", "b"), ("op", "mul"),
        ("tensor", "a * b")]
    op = next(nid for nid, n in model.nodes.items() if n.label == "two")
    assert sorted((e.slot, model.nodes[e.dst].label) for e in model.edges if e.src == op) == [
        (0, "a"), (1, "b")]


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_a_recording_draws_a_node_of_several_outputs_once(view):
    with torch.record() as rec:
        x = torch.tensor([1., 2.], requires_grad=True)
        a, b = two_outputs(torch).apply(x)
        y = (a * b).sum()
        y.backward()
    model = GraphModel.from_recording(rec, view=view, names={"x": x, "a": a, "b": b, "y": y},
                                      frame=NO_FRAME)
    kind = "op" if view == "tensor" else "function"
    assert [n.op for n in model.nodes.values() if n.kind == kind].count("TwoBackward") == 1
    step = next(st for st in model.states if st.caption.startswith("backward: TwoBackward"))
    assert step.caption == ("backward: TwoBackward gets dy/da = [3, 6] (shape (2,)), dy/db = [2, 4] "
                            "(shape (2,)) and passes gradients to x")
    assert step.question is None  # (what it passes on is the user's backward, not a product)
    assert x.grad.tolist() == [12., 24.]
