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
from torch_oracle import assert_close
from widgets.graph_model import GraphModel
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
    assert "<I>gradients/x_grad/AddGrad</I>" in dot and "<I>Add</I>" in dot
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
