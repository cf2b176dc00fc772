"""autograd_core.static: TF1-style define-then-run graphs, checked against the dynamic engine."""
import collections
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as torch
import autograd_core.static as tf
from autograd_core.autograd import grad as dynamic_grad
from torch_oracle import assert_close


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def dynamic_values_and_grads(fn, values, dtype=torch.float32):
    """fn on autograd_core leaves: (output value, [d sum(output)/d leaf or None])."""
    leaves = [torch.tensor(v, dtype=dtype, requires_grad=True) for v in values]
    out = fn(*leaves)
    grads = dynamic_grad(out.sum(), leaves, allow_unused=True)
    return out.detach().numpy(), [None if g is None else g.numpy() for g in grads]


def assert_matches_dynamic(static, dynamic, **policy):
    """A value the static graph computed agrees with the dynamic engine's (None: neither exists),
    under the torch oracle's tolerance policy."""
    if dynamic is None:
        assert static is None
    else:
        dynamic = dynamic.detach().numpy() if isinstance(dynamic, torch.Tensor) else dynamic
        assert_close(np.asarray(static), np.asarray(dynamic), **policy)


# --- the seed's examples ---------------------------------------------------------------------------
def test_example_c_matches_the_dynamic_engine():
    def example_c(a, b, c, d):
        x = a + b
        y = c * d
        return x + y

    a, b, c, d = (tf.constant(v) for v in (1.0, 2.0, 3.0, 4.0))
    z = example_c(a, b, c, d)
    grads = tf.gradients(z, [a, b, c, d])
    with tf.Session() as sess:
        z_value, grad_values = sess.run([z, grads])
    want_z, want_grads = dynamic_values_and_grads(example_c, [1.0, 2.0, 3.0, 4.0])
    assert z_value == want_z == 15
    for got, want in zip(grad_values, want_grads):
        assert got == want
    assert [float(g) for g in grad_values] == [1.0, 1.0, 4.0, 3.0]


@pytest.mark.parametrize("a_value", [1.0, -1.0, 0.5, -3.0])
def test_cond_matches_python_control_flow(a_value):
    def dynamic(a, b):
        if a.item() > 0:
            x = a + b
        else:
            x = a - b
        return x * 2

    a = tf.placeholder(tf.float32, shape=())
    b = tf.placeholder(tf.float32, shape=())
    x = tf.cond(a > 0, lambda: a + b, lambda: a - b)
    y = x * 2
    grads = tf.gradients(y, [a, b])
    with tf.Session() as sess:
        y_value, grad_values = sess.run((y, grads), feed_dict={a: a_value, b: 2.0})
    want_y, want_grads = dynamic_values_and_grads(dynamic, [a_value, 2.0])
    assert y_value == want_y
    assert [float(g) for g in grad_values] == [float(g) for g in want_grads]


def test_cond_runs_only_the_taken_branch_and_gives_zero_gradient_to_the_other():
    p = tf.placeholder(tf.float32, shape=())
    c = tf.placeholder(tf.float32, shape=())
    d = tf.placeholder(tf.float32, shape=())
    # log(c) of a negative c would warn (nan) if the false branch ran
    out = tf.cond(p > 0, lambda: p * d, lambda: tf.log(c) + d)
    dp, dc, dd = tf.gradients(out, [p, c, d])
    with tf.Session() as sess, warnings.catch_warnings():
        warnings.simplefilter("error")
        values = sess.run([out, dp, dc, dd], {p: 3.0, c: -1.0, d: 5.0})
        assert [float(v) for v in values] == [15.0, 5.0, 0.0, 3.0]
        values = sess.run([out, dp, dc, dd], {p: -3.0, c: 2.0, d: 5.0})
        assert np.allclose([float(v) for v in values], [np.log(2.0) + 5, 0.0, 0.5, 1.0])
        inner = out.inputs[2]  # the false branch's output: not computed when p > 0
        with pytest.raises(tf.InvalidArgumentError, match="does not have value"):
            sess.run(inner, {p: 1.0, c: 2.0, d: 5.0})


def test_cond_accepts_structures_and_checks_types():
    a = tf.placeholder(tf.float32, shape=(2,))
    first, second = tf.cond(tf.reduce_sum(a) > 0, lambda: (a * 2, a), lambda: (a, 0.0 * a))
    with tf.Session() as sess:
        f, s = sess.run([first, second], {a: [1.0, 2.0]})
    assert f.tolist() == [2.0, 4.0] and s.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match="pred must not be a Python bool"):
        tf.cond(True, lambda: a, lambda: a)
    with pytest.raises(ValueError, match="must have the same type: float32, int32"):
        tf.cond(tf.reduce_sum(a) > 0, lambda: a, lambda: tf.constant([1, 2]))


# --- random expressions, both ways -------------------------------------------------------------------
SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3)]  # any two broadcast together (to at most (2, 3))

UNARY = {
    "exp": (lambda m, x: m.exp(m.tanh(x)), None),
    "log": (lambda m, x: m.log(x * x + 1.0), None),
    "sqrt": (lambda m, x: m.sqrt(x * x + 0.5), None),
    "sin": (lambda m, x: m.sin(x), None),
    "cos": (lambda m, x: m.cos(x), None),
    "tanh": (lambda m, x: m.tanh(x), None),
    "sigmoid": (lambda m, x: m.sigmoid(x), None),
    "relu": (lambda m, x: m.relu(x), None),
    "abs": (lambda m, x: m.abs(x), None),
    "neg": (lambda m, x: -x, None),
    "square": (lambda m, x: x ** 2, None),
    "rsub": (lambda m, x: 1.5 - x, None),
    "rdiv": (lambda m, x: 1.0 / (x * x + 1.0), None),
}
BINARY = {
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / (y * y + 1.0),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: m.minimum(x, y),
}


class Dyn:
    """The dynamic engine under the static module's names."""
    exp, log, sqrt, sin, cos, tanh, sigmoid = (torch.exp, torch.log, torch.sqrt, torch.sin, torch.cos,
                                               torch.tanh, torch.sigmoid)
    relu, abs, maximum, minimum = torch.relu, torch.abs, torch.maximum, torch.minimum

    @staticmethod
    def reduce_sum(x, axis=None, keepdims=False):
        return x.sum() if axis is None else x.sum(dim=axis, keepdim=keepdims)

    @staticmethod
    def reduce_mean(x, axis=None, keepdims=False):
        return x.mean() if axis is None else x.mean(dim=axis, keepdim=keepdims)


@st.composite
def programs(draw):
    n_inputs = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(n_inputs)]
    values = [draw(st.lists(st.floats(-2, 2, allow_nan=False).filter(lambda v: abs(v) > 1e-3),
                            min_size=int(np.prod(s)), max_size=int(np.prod(s)))) for s in shapes]
    steps = []
    n = n_inputs
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce"]))
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, n - 1))))
        elif kind == "binary":
            steps.append(("binary", draw(st.sampled_from(sorted(BINARY))), draw(st.integers(0, n - 1)),
                          draw(st.integers(0, n - 1))))
        else:
            steps.append(("reduce", draw(st.sampled_from(["reduce_sum", "reduce_mean"])),
                          draw(st.integers(0, n - 1)), draw(st.sampled_from([None, 0, 1]))))
        n += 1
    return shapes, [np.array(v, dtype=np.float64).reshape(s) for v, s in zip(values, shapes)], steps


def run_program(m, inputs, steps):
    vals = list(inputs)
    for step in steps:
        if step[0] == "unary":
            vals.append(UNARY[step[1]][0](m, vals[step[2]]))
        elif step[0] == "binary":
            vals.append(BINARY[step[1]](m, vals[step[2]], vals[step[3]]))
        else:
            _, name, i, axis = step
            x = vals[i]
            ndim = len(x.shape)
            if ndim == 2 and axis == 0:
                vals.append(getattr(m, name)(x, axis=0))  # (2, 3) -> (3,)
            elif ndim == 2 and axis == 1:
                vals.append(getattr(m, name)(x, axis=1, keepdims=True))  # (2, 3) -> (2, 1)
            else:
                vals.append(getattr(m, name)(x))
    return vals[-1]


@settings(max_examples=60, deadline=None)
@given(programs())
def test_random_expressions_match_the_dynamic_engine(program):
    shapes, values, steps = program
    with tf.Graph().as_default():
        xs = [tf.placeholder(tf.float64, shape=s) for s in shapes]
        y = run_program(tf, xs, steps)
        grads = tf.gradients(y, xs)
        with tf.Session() as sess:  # None (x not used) cannot be fetched, as in TF1
            y_value, fetched = sess.run([y, [g for g in grads if g is not None]], dict(zip(xs, values)))
    fetched = iter(fetched)
    grad_values = [None if g is None else next(fetched) for g in grads]
    want_y, want_grads = dynamic_values_and_grads(lambda *leaves: run_program(Dyn, leaves, steps), values,
                                                  torch.float64)
    assert_matches_dynamic(y_value, want_y)
    for got, want in zip(grad_values, want_grads):
        assert_matches_dynamic(got, want)


def test_mlp_forward_and_gradients_match_the_dynamic_engine_for_any_batch_size():
    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)
    w2 = rng.normal(size=(4, 1)).astype(np.float32)

    def mlp(m, x, w1, b1, w2, y):
        h = m.tanh(x @ w1 + b1)
        return m.reduce_mean((h @ w2 - y) ** 2)

    x = tf.placeholder(tf.float32, shape=(None, 3))
    y = tf.placeholder(tf.float32, shape=(None, 1))
    params = [tf.Variable(w1), tf.Variable(b1), tf.Variable(w2)]
    loss = mlp(tf, x, *params[:2], params[2], y)
    grads = tf.gradients(loss, params)
    assert x.shape == (None, 3) and loss.shape == ()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for batch in (1, 5, 17):
            xv = rng.normal(size=(batch, 3)).astype(np.float32)
            yv = rng.normal(size=(batch, 1)).astype(np.float32)
            got_loss, got_grads = sess.run([loss, grads], {x: xv, y: yv})
            leaves = [torch.tensor(v, requires_grad=True) for v in (w1, b1, w2)]
            want = mlp(Dyn, torch.tensor(xv), *leaves, torch.tensor(yv))
            want.backward()
            assert_matches_dynamic(got_loss, want, exact=True)
            for g, leaf in zip(got_grads, leaves):
                assert_matches_dynamic(g, leaf.grad, exact=True)


# --- errors as TF1 words them --------------------------------------------------------------------------
def test_unfed_placeholder():
    a = tf.placeholder(tf.float32)
    b = tf.placeholder(tf.float64, shape=(None, 2))
    with tf.Session() as sess:
        with pytest.raises(tf.InvalidArgumentError) as err:
            sess.run(a * 2)
        assert str(err.value).startswith(
            "You must feed a value for placeholder tensor 'Placeholder' with dtype float\n")
        with pytest.raises(tf.errors.InvalidArgumentError) as err:
            sess.run(b + 1)
        assert str(err.value).startswith("You must feed a value for placeholder tensor 'Placeholder_1' "
                                         "with dtype double and shape [?,2]")
        assert sess.run(a * 2, {a: 3}) == 6  # and nothing was left broken


def test_feeding_the_wrong_shape():
    a = tf.placeholder(tf.float32, shape=(2,))
    b = tf.placeholder(tf.float32, shape=(None, 5))
    with tf.Session() as sess:
        with pytest.raises(ValueError) as err:
            sess.run(a, {a: [1.0, 2.0, 3.0]})
        assert str(err.value) == "Cannot feed value of shape (3,) for Tensor 'Placeholder:0', which has shape '(2,)'"
        with pytest.raises(ValueError, match=r"^Cannot feed value of shape \(100, 10\) for Tensor "
                                             r"'Placeholder_1:0', which has shape '\(\?, 5\)'$"):
            sess.run(b, {b: np.zeros((100, 10))})
        assert sess.run(b, {b: np.zeros((7, 5))}).shape == (7, 5)


def test_mixing_graphs():
    a = tf.placeholder(tf.float32, shape=(2,))
    g = tf.Graph()
    with g.as_default():
        b = tf.placeholder(tf.float32, shape=(2,))
    assert a.graph is tf.get_default_graph() and b.graph is g
    with pytest.raises(ValueError) as err:
        a + b
    # both are the first placeholder of their graph, so both are called 'Placeholder:0'
    assert str(err.value) == ('Tensor("Placeholder:0", shape=(2,), dtype=float32) must be from the same '
                              'graph as Tensor("Placeholder:0", shape=(2,), dtype=float32).')
    with pytest.raises(ValueError, match="must be from the same graph as"):
        tf.gradients(a * 2, [b])
    with tf.Session(graph=g) as sess, pytest.raises(ValueError, match="is not an element of this graph"):
        sess.run(a)


def test_build_time_shape_and_dtype_errors():
    a = tf.placeholder(tf.float32, shape=(3,))
    b = tf.placeholder(tf.float32, shape=(2,))
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 2 for 'add' \(op: 'Add'\) "
                                         r"with input shapes: \[3\], \[2\]\."):
        a + b
    c = tf.placeholder(tf.float64, shape=(3,))
    with pytest.raises(TypeError, match="Input 'y' of 'Mul' Op has type float64 that does not match type "
                                        "float32 of argument 'x'."):
        a * c
    with pytest.raises(TypeError, match="Using a `tf.Tensor` as a Python `bool` is not allowed"):
        if a > 0:
            pass


# --- names, structure, repr ----------------------------------------------------------------------------
def test_names_are_made_unique_as_tf1_makes_them():
    a = tf.placeholder(tf.float32, shape=(2,))
    b = tf.placeholder(tf.float32, shape=(2,))
    s1, s2 = a + b, a + b
    m = a * b
    t = tf.add(a, b)
    k = a + 1.0
    assert [n.id for n in (a, b, s1, s2, m, t)] == ["Placeholder", "Placeholder_1", "add", "add_1", "mul", "Add_2"]
    # TF1's names are unique case-insensitively: "Add" after "add" and "add_1" becomes "Add_2"
    assert k.id == "add_3" and k.inputs[1].id == "add_3/y" and k.inputs[1].op == "Const"
    assert s1.name == "add:0"
    assert repr(s1) == "<tf.Tensor 'add:0' shape=(2,) dtype=float32>"
    assert str(m) == 'Tensor("mul:0", shape=(2,), dtype=float32)'
    assert repr(tf.placeholder(tf.float32, shape=(None, 2))) == "<tf.Tensor 'Placeholder_2:0' shape=(?, 2) dtype=float32>"
    assert repr(tf.placeholder(tf.float32)) == "<tf.Tensor 'Placeholder_3:0' shape=<unknown> dtype=float32>"
    with tf.name_scope("layer"):
        assert (a - b).id == "layer/sub"
    with tf.name_scope("layer"):
        assert (a - b).id == "layer_1/sub"
    assert tf.get_default_graph().get_tensor_by_name("add_1:0") is s2
    assert s2.op.name == "add_1" and s2.op.type == "Add"


def test_graph_structure_for_the_widgets():
    a = tf.placeholder(tf.float32, shape=(None, 3), name="x")
    w = tf.Variable(np.ones((3, 2), dtype=np.float32), name="w")
    y = tf.reduce_sum(tf.matmul(a, w))
    (gw,) = tf.gradients(y, [w])
    graph = tf.get_default_graph()
    assert [n.seq for n in graph.nodes] == list(range(len(graph.nodes)))
    for n in graph.nodes:
        assert isinstance(n.id, str) and isinstance(n.name, str) and isinstance(n.op, str)
        assert all(graph.nodes.index(i) < graph.nodes.index(n) for i in n.inputs)
        assert n.shape is None or isinstance(n.shape, tuple)
    by_id = {n.id: n for n in graph.nodes}
    assert len(by_id) == len(graph.nodes)
    assert by_id["x"].op == "Placeholder" and by_id["w"].op == "VariableV2" and by_id["MatMul"].op == "MatMul"
    assert by_id["MatMul"].shape == (None, 2) and by_id["Sum"].shape == ()
    assert by_id["w/initial_value"].op == "Const" and by_id["w/Assign"].op == "Assign"
    assert gw.id.startswith("gradients/MatMul_grad/") and gw.shape == (3, 2) and gw.dtype is tf.float32
    assert all(n.id.startswith("gradients/") for n in graph.nodes[graph.nodes.index(by_id["Sum"]) + 1:])



def test_gradient_nodes_say_what_they_differentiate():
    """grad_of = (ys, x) on every node tf.gradients adds (the widgets label them d ys/d x)."""
    a, b, c, d = (tf.placeholder(tf.float32, shape=(), name=n) for n in "abcd")
    x = tf.add(a, b, name="x")
    y = tf.multiply(c, d, name="y")
    z = tf.add(x, y, name="z")
    forward = list(tf.get_default_graph().nodes)
    grads = tf.gradients(z, [a, b, c, d])
    graph = tf.get_default_graph()
    added = graph.nodes[len(forward):]
    assert all(n.grad_of is None for n in forward)
    assert {n.id: (n.grad_of[0], n.grad_of[1].id) for n in added} == {
        "gradients/Fill": ((z,), "z"),
        "gradients/z_grad/AddGrad": ((z,), "x"), "gradients/z_grad/AddGrad_1": ((z,), "y"),
        "gradients/y_grad/MulGrad": ((z,), "c"), "gradients/y_grad/MulGrad_1": ((z,), "d"),
        "gradients/x_grad/AddGrad": ((z,), "a"), "gradients/x_grad/AddGrad_1": ((z,), "b")}
    assert [g.grad_of[1] for g in grads] == [a, b, c, d]
    # two paths to a (AddN sums them), a broadcast (Unbroadcast), a second call (its own ys)
    v = tf.placeholder(tf.float32, shape=(3,), name="v")
    w = a * v + a
    (ga,) = tf.gradients(w, [a])
    assert ga.op == "AddN" and ga.grad_of == ((w,), a)
    assert [n.op for n in ga.inputs] == ["Unbroadcast", "Unbroadcast"] and all(n.grad_of == ((w,), a) for n in ga.inputs)
    assert {n.id for n in graph.nodes if n.grad_of and n.grad_of[0] == (w,)} >= {ga.id}
    assert all(n.grad_of[0] == (z,) for n in added)

# --- sessions ----------------------------------------------------------------------------------------------
def test_nested_fetch_structures():
    a = tf.placeholder(tf.float32, shape=())
    b, c = a * 2, a + 1
    Pair = collections.namedtuple("Pair", "first second")
    with tf.Session() as sess:
        out = sess.run({"b": b, "nested": [(c, b), {"deep": [a]}], "pair": Pair(b, c)}, {a: 3.0})
        assert out == {"b": 6.0, "nested": [(4.0, 6.0), {"deep": [3.0]}], "pair": Pair(6.0, 4.0)}
        assert isinstance(out["nested"][0], tuple) and isinstance(out["pair"], Pair)
        assert sess.run("add:0", {"Placeholder:0": 1.0}) == 2.0
        with pytest.raises(TypeError, match="Fetch argument 1.5 has invalid type"):
            sess.run([b, 1.5], {a: 1.0})


def test_one_graph_runs_for_many_feeds_with_one_cached_plan():
    x = tf.placeholder(tf.float32, shape=(None,))
    w = tf.constant(2.0)
    loss = tf.reduce_mean((w * x - 1.0) ** 2)
    (dw,) = tf.gradients(loss, [w])
    n_nodes = len(tf.get_default_graph().nodes)
    with tf.Session() as sess:
        for i in range(20):
            xv = np.arange(i + 1, dtype=np.float32)
            got = sess.run([loss, dw], {x: xv})
            t = torch.tensor(2.0, requires_grad=True)
            want = ((t * torch.tensor(xv) - 1.0) ** 2).mean()
            want.backward()
            assert_matches_dynamic(got, [want.detach(), t.grad], exact=True)
        assert len(sess._plans) == 1
    assert len(tf.get_default_graph().nodes) == n_nodes  # running adds nothing to the graph


def test_feeding_an_intermediate_node_cuts_the_graph_there():
    a = tf.placeholder(tf.float32, shape=())
    b = a * 3
    c = b + 1
    with tf.Session() as sess:
        assert sess.run(c, {b: 10.0}) == 11.0  # a need not be fed


def test_variables_initializer_assign_and_training():
    w = tf.Variable(0.5)
    b = tf.Variable(np.zeros(1, dtype=np.float32))
    x = tf.placeholder(tf.float32, shape=(None, 1))
    y = tf.placeholder(tf.float32, shape=(None, 1))
    loss = tf.reduce_mean(0.5 * (y - (w * x + b)) ** 2)
    step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    rng = np.random.default_rng(10)
    xv = (rng.random((20, 1)) * 10).astype(np.float32)
    yv = (2 * xv + 5 + rng.normal(size=(20, 1))).astype(np.float32)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="Attempting to use uninitialized value Variable"):
            sess.run(loss, {x: xv, y: yv})
        sess.run(tf.global_variables_initializer())
        # one step equals autograd_core's step
        tw, tb = torch.tensor(0.5, requires_grad=True), torch.zeros(1, requires_grad=True)
        (0.5 * (torch.tensor(yv) - (tw * torch.tensor(xv) + tb)) ** 2).mean().backward()
        sess.run(step, {x: xv, y: yv})
        assert_matches_dynamic(sess.run(w), 0.5 - 0.01 * tw.grad, exact=True)
        assert_matches_dynamic(sess.run(b), -0.01 * tb.grad, exact=True)
        losses = [sess.run([loss, step], {x: xv, y: yv})[0] for _ in range(100)]
        assert losses[-1] < losses[0] / 2
        before = sess.run(w)
        assert sess.run(w.assign(3.0)) == 3.0 and sess.run(w) == 3.0
        assert sess.run(w.assign_add(1.0)) == 4.0 and sess.run(w) == 4.0
        sess.run(w.initializer)
        assert sess.run(w) == 0.5 and before != 0.5
        fetched = sess.run(b)
        fetched[0] = 99.0  # the caller's copy, not the session's state
        assert sess.run(b)[0] != 99.0
    with tf.Session() as other:  # each session has its own variable values
        with pytest.raises(tf.errors.FailedPreconditionError):
            other.run(w)


def test_eval_uses_the_default_session():
    a = tf.constant([1.0, 2.0])
    with tf.Session():
        assert (a * 2).eval().tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match="No default session"):
        a.eval()


# --- trace -----------------------------------------------------------------------------------------------
def branchy(a, b):
    if a.item() > 0:
        x = a + b
    else:
        x = a - b
    return x * 2


def test_trace_freezes_the_branch_taken_and_warns():
    with pytest.warns(tf.TracerWarning, match="Converting a tensor to a Python number might cause the "
                                              "trace to be incorrect") as record:
        traced = tf.trace(branchy, (torch.tensor(1.0), torch.tensor(2.0)))
    assert record[0].filename == __file__  # points at the `if` in the traced function
    assert [n.op for n in traced.graph.nodes if n.op not in ("Placeholder", "Const")] == ["Add", "Mul"]
    assert [p.id for p in traced.inputs] == ["a", "b"]
    pos, neg = (torch.tensor(1.5), torch.tensor(2.0)), (torch.tensor(-1.0), torch.tensor(2.0))
    assert traced(*pos).item() == branchy(*pos).item() == 7.0
    # the trace answers with the a > 0 branch even for a < 0, unlike the function itself
    assert traced(*neg).item() == 2.0 and branchy(*neg).item() == -6.0
    assert isinstance(traced(*neg), torch.Tensor)


def test_trace_warns_for_bool_and_float_and_comparisons():
    def f(x):
        if x > 0:  # bool() of a comparison of a traced tensor
            x = x * 3
        return x + float(x.sum())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = tf.trace(f, torch.tensor([1.0, 2.0]).sum())
    messages = [str(w.message) for w in caught if w.category is tf.TracerWarning]
    assert any("Python boolean" in m for m in messages) and any("Python float" in m for m in messages)
    # the trace's own copy of the input requires grad; the caller's does not, so no other warning
    assert [w for w in caught if w.category is not tf.TracerWarning] == []
    # traced at x = 3: the x > 0 branch (x * 3) and float(x.sum()) = 9 are frozen
    assert traced(torch.tensor(2.0)).item() == 2.0 * 3 + 9.0 and traced(torch.tensor(-2.0)).item() == -6.0 + 9.0


def test_trace_of_numpy_and_tolist_warns_and_freezes_the_value():
    def f(x):
        scale = x.numpy().max()  # leaves the graph: a constant in the trace
        return x * float(scale) + torch.tensor(x.tolist()).sum()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = tf.trace(f, torch.tensor([1.0, 3.0]))
    messages = [str(w.message) for w in caught]
    assert any(m.startswith("Converting a tensor to a NumPy array might cause") for m in messages)
    assert any(m.startswith("Converting a tensor to a Python list might cause") for m in messages)
    new = torch.tensor([2.0, 5.0])
    assert traced(new).tolist() == [2.0 * 3 + 4, 5.0 * 3 + 4]  # scale 3 and sum 4 were frozen
    assert f(new).tolist() == [2.0 * 5 + 7, 5.0 * 5 + 7]


def test_trace_without_python_values_generalizes_and_restores_the_tensor_class():
    def f(x, w):
        return torch.tanh(x @ w).sum(dim=0) * 2 - x.mean()
    originals = {k: torch.Tensor.__dict__[k] for k in ("__bool__", "item", "__float__", "__gt__")}
    rng = np.random.default_rng(1)
    xs = [torch.tensor(rng.normal(size=(4, 3)).astype(np.float32)) for _ in range(3)]
    w = torch.tensor(rng.normal(size=(3, 2)).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no TracerWarning: nothing left the graph
        traced = tf.trace(f, (xs[0], w))
    for x in xs:
        assert_close(traced(x, w), f(x, w), exact=True)
    assert {k: torch.Tensor.__dict__[k] for k in originals} == originals

    def broken(x):
        x.item()
        raise KeyError("inside fn")
    with pytest.raises(KeyError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf.trace(broken, torch.tensor(1.0))
    assert {k: torch.Tensor.__dict__[k] for k in originals} == originals


def test_gradients_of_a_traced_graph_match_the_dynamic_engine():
    def f(x, w):
        return ((x @ w - 1.0) ** 2).mean()
    x = torch.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 5)
    w = torch.tensor(np.ones((3, 1), dtype=np.float32))
    traced = tf.trace(f, (x, w))
    with traced.graph.as_default():
        gx, gw = tf.gradients(traced.outputs[0], list(traced.inputs))
    with tf.Session(graph=traced.graph) as sess:
        got = sess.run([gx, gw], dict(zip(traced.inputs, (x._data, w._data))))
    xl, wl = x.clone().requires_grad_(), w.clone().requires_grad_()
    f(xl, wl).backward()
    assert_matches_dynamic(got[0], xl.grad, exact=True)
    assert_matches_dynamic(got[1], wl.grad, exact=True)


# --- the other ops, against the dynamic engine ----------------------------------------------------------
OTHER_OPS = {
    "softmax": (lambda x, w: tf.nn.softmax(x) * w, lambda x, w: torch.softmax(x, dim=-1) * w),
    "log_softmax": (lambda x, w: tf.nn.log_softmax(x, axis=0) * w, lambda x, w: torch.log_softmax(x, dim=0) * w),
    "transpose": (lambda x, w: tf.transpose(x) @ w, lambda x, w: x.T @ w),
    "reshape": (lambda x, w: tf.reshape(x, (-1,)) * tf.reshape(w, (6,)), lambda x, w: x.reshape(-1) * w.reshape(6)),
    "square/sqrt": (lambda x, w: tf.sqrt(tf.square(x) + 1.0) * w, lambda x, w: torch.sqrt(x ** 2 + 1.0) * w),
    "pow of tensors": (lambda x, w: tf.pow(tf.abs(x) + 1.0, w), lambda x, w: (torch.abs(x) + 1.0) ** w),
    "rpow": (lambda x, w: 2.0 ** x * w, lambda x, w: 2.0 ** x * w),
    "reduce_max/min": (lambda x, w: tf.reduce_max(x * w) - tf.reduce_min(x), lambda x, w: (x * w).max() - x.min()),
    "mean keepdims": (lambda x, w: tf.reduce_mean(x, axis=1, keepdims=True) * w,
                      lambda x, w: x.mean(dim=1, keepdim=True) * w),
    "batched matmul": (lambda x, w: tf.matmul(tf.reshape(x, (1, 2, 3)) * tf.constant(np.ones((4, 1, 1), np.float32)), w),
                       lambda x, w: (x.reshape(1, 2, 3) * torch.ones(4, 1, 1)) @ w),
    "stop_gradient": (lambda x, w: tf.stop_gradient(x * w) * w + tf.identity(x),
                      lambda x, w: (x * w).detach() * w + x.clone()),
    "cast": (lambda x, w: tf.cast(tf.cast(x, tf.float64) * 2.0, tf.float32) * w,
             lambda x, w: (x.double() * 2.0).float() * w),
    "reflected": (lambda x, w: (1.0 - x) / (2.0 + w * w) - -x, lambda x, w: (1.0 - x) / (2.0 + w * w) - -x),
}


@pytest.mark.parametrize("name", sorted(OTHER_OPS))
def test_other_ops_match_the_dynamic_engine(name):
    static_fn, dynamic_fn = OTHER_OPS[name]
    rng = np.random.default_rng(len(name))
    xv = rng.normal(size=(2, 3)).astype(np.float32)
    wv = rng.normal(size=(3, 2) if name == "batched matmul" else (2, 3)).astype(np.float32)
    x, w = tf.placeholder(tf.float32, shape=(2, 3)), tf.placeholder(tf.float32, shape=wv.shape)
    y = static_fn(x, w)
    grads = tf.gradients(y, [x, w])
    with tf.Session() as sess:
        got_y, got_grads = sess.run([y, grads], {x: xv, w: wv})
    want_y, want_grads = dynamic_values_and_grads(dynamic_fn, [xv, wv])
    assert_matches_dynamic(got_y, want_y)
    for got, want in zip(got_grads, want_grads):
        assert_matches_dynamic(got, want)


def test_second_order_gradients_are_refused_clearly():
    x = tf.placeholder(tf.float32, shape=())
    (dx,) = tf.gradients(x * x * x, [x])
    with pytest.raises(LookupError, match=r"No gradient defined for operation 'gradients/AddN' "
                                          r"\(op type: AddN\)"):
        tf.gradients(dx, [x])


def test_unconnected_and_integer_inputs_get_no_gradient():
    x = tf.placeholder(tf.float32, shape=())
    u = tf.placeholder(tf.float32, shape=())
    n = tf.placeholder(tf.int32, shape=())
    y = x * 2.0 + tf.cast(n, tf.float32)
    assert tf.gradients(y, [x, u, n])[1:] == [None, None]


@pytest.mark.parametrize("a_value,b_value", [(1.0, 2.0), (1.0, -2.0), (-1.0, 3.0)])
def test_nested_cond_matches_python_control_flow(a_value, b_value):
    def dynamic(a, b):
        if a.item() > 0:
            inner = a * b if b.item() > 0 else a
        else:
            inner = b * b
        return inner + a

    a = tf.placeholder(tf.float32, shape=())
    b = tf.placeholder(tf.float32, shape=())
    out = tf.cond(a > 0, lambda: tf.cond(b > 0, lambda: a * b, lambda: a), lambda: b * b) + a
    grads = tf.gradients(out, [a, b])
    with tf.Session() as sess:
        got_out, got_grads = sess.run([out, grads], {a: a_value, b: b_value})
    want_out, want_grads = dynamic_values_and_grads(dynamic, [a_value, b_value])
    assert got_out == want_out
    # an input the taken path does not use gets 0 here (TF1), None from the dynamic engine
    assert [float(g) for g in got_grads] == [0.0 if g is None else float(g) for g in want_grads]


def test_trace_records_in_place_ops_on_the_inputs():
    def f(x, y):
        x.mul_(2)
        x += y
        return x.sum(dim=0)
    rng = np.random.default_rng(3)
    example = [rng.normal(size=(2, 3)).astype(np.float32) for _ in range(2)]
    traced = tf.trace(f, tuple(torch.tensor(v) for v in example))
    assert [n.op for n in traced.graph.nodes if n.op not in ("Placeholder", "Const")] == ["Mul", "Add", "Sum"]
    new = [rng.normal(size=(2, 3)).astype(np.float32) for _ in range(2)]
    got = traced(*(torch.tensor(v) for v in new)).numpy()
    assert_close(got, f(*(torch.tensor(v) for v in new)).numpy(), exact=True)


def test_gradients_of_several_ys_weighted_by_grad_ys():
    xv = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    x = tf.placeholder(tf.float32, shape=(3,))
    y1, y2 = tf.sin(x) * x, tf.reduce_sum(x * x)
    weights = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    (dx,) = tf.gradients([y1, y2], [x], grad_ys=[weights, None])
    with tf.Session() as sess:
        got = sess.run(dx, {x: xv})
    t = torch.tensor(xv, requires_grad=True)
    torch.autograd.backward([torch.sin(t) * t, (t * t).sum()], [torch.tensor(weights), torch.tensor(1.0)])
    assert_matches_dynamic(got, t.grad, exact=True)


def test_interactive_session_is_the_default_until_closed():
    a = tf.constant(3.0)
    sess = tf.InteractiveSession()
    assert tf.get_default_session() is sess and (a * 2).eval() == 6.0
    sess.close()
    assert tf.get_default_session() is None
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(a)
