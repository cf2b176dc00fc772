"""The step model (GraphModel.from_recording): what every view of the steps reads, pure Python.

Checked against the engine and against real PyTorch for the same programs: the grads each step
shows, the values each predict-mode question expects, the chain-rule text, the labels, what a
question keeps hidden, and the per-step changes the browser receives (replayed here as the front
end replays them, forwards and backwards)."""
import functools
import json
import re

import numpy as np
import pytest
import torch as real_torch

import autograd_core as torch
from torch_oracle import assert_close
from widgets.chain_rule import ChainRule, d, sum_of
from widgets.graph_model import GraphModel, format_array
from widgets.render import to_dot


# --- programs a student writes, in either engine --------------------------------------------------
def example_a(T, retain=False):
    w = T.tensor(1., requires_grad=True)
    x = T.tensor(2., requires_grad=True)
    a = w + x
    b = w + 1
    y = a * b
    if retain:
        a.retain_grad()
    y.backward()
    return dict(w=w, x=x, a=a, b=b, y=y)


def example_a_inline(T):
    """Example A written in one line: the intermediate tensors have no names."""
    w = T.tensor(1., requires_grad=True)
    x = T.tensor(2., requires_grad=True)
    y = (w + x) * (w + 1)
    y.backward()
    return dict(w=w, x=x, y=y)


def example_b(T, retain=False):
    m = T.tensor(2., requires_grad=True)
    n = T.tensor(3., requires_grad=True)
    a = m + n
    b = m - n
    y = a * b
    if retain:
        a.retain_grad()
        b.retain_grad()
    y.backward()
    return dict(m=m, n=n, a=a, b=b, y=y)


def example_c(T):
    a, b, c, d = (T.tensor(float(v), requires_grad=True) for v in (1, 2, 3, 4))
    x = a + b
    y = c * d
    z = x + y
    z.backward()
    return dict(a=a, b=b, c=c, d=d, x=x, y=y, z=z)


def example_e(T):
    a = T.tensor([2., 3.], requires_grad=True)
    b = T.tensor([6., 4.], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    Q.backward(gradient=T.tensor([1., 1.]))
    return dict(a=a, b=b, Q=Q)


def self_sum(T):
    """`a + a` and `x * x`: one tensor reaching an op through both inputs."""
    x = T.tensor(3., requires_grad=True)
    a = x * x
    y = a + a
    y.backward()
    return dict(x=x, a=a, y=y)


def repeated_expression(T):
    """`(w + x) * (w + x)`: one expression computed twice, two tensors (walk W11)."""
    w = T.tensor(1., requires_grad=True)
    x = T.tensor(2., requires_grad=True)
    y = (w + x) * (w + x)
    y.backward()
    return dict(w=w, x=x, y=y)


EXAMPLES = {"A": example_a, "A inline": example_a_inline, "B": example_b,
            "B retained": functools.partial(example_b, retain=True), "C": example_c,
            "E": example_e, "a + a": self_sum, "(w + x) * (w + x)": repeated_expression}


def recorded(make, **kw):
    with torch.record() as rec:
        env = make(torch, **kw)
    return rec, env


def model_of(make, view="tensor", **kw):
    rec, env = recorded(make, **kw)
    return GraphModel.from_recording(rec, view=view, names=env), env


def node_named(model, label):
    ids = [nid for nid, n in model.nodes.items() if n.label == label and n.kind == "tensor"]
    assert len(ids) == 1, (label, ids)
    return ids[0]


def questions(model):
    return [(k, st.question) for k, st in enumerate(model.states) if st.question is not None]


def replay(frames, upto):
    """The browser's replay of frames 0..upto: (visible, visible edges, done, rows)."""
    vis, edges, done, rows = set(), set(), set(), {}
    for f in frames[:upto + 1]:
        vis |= set(f["show"])
        edges |= set(f["show_edges"])
        for nid, on in f["done"]:
            (done.add if on else done.discard)(nid)
        rows.update(f["texts"])
    return vis, edges, done, rows


# --- what the steps show ------------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(EXAMPLES))
@pytest.mark.parametrize("view", ["tensor", "function"])
def test_last_step_shows_the_torch_grads_and_none_before(key, view):
    model, env = model_of(EXAMPLES[key], view)
    oracle = EXAMPLES[key](real_torch)
    assert len(model.states) == len(model.frames)
    first_backward = next(k for k, st in enumerate(model.states) if st.phase == "backward")
    for name, t in env.items():
        if not t.is_leaf:
            continue
        nid = node_named(model, name)
        expected = oracle[name].grad.numpy()
        assert_close(t.grad, oracle[name].grad, name)
        assert model.states[-1].grads[nid] == format_array(expected)
        assert model.states[first_backward - 1].grads[nid] == "None"
        if view == "tensor":
            assert model.states[-1].rows[nid][1] == "grad " + format_array(expected)


@pytest.mark.parametrize("key", sorted(EXAMPLES))
@pytest.mark.parametrize("view", ["tensor", "function"])
def test_frames_replay_every_state_forwards_and_backwards(key, view):
    model, _ = model_of(EXAMPLES[key], view)
    for k, st in enumerate(model.states):
        vis, edges, done, rows = replay(model.frames, k)
        assert vis == set(st.visible) and edges == set(st.visible_edges)
        assert done == set(st.done) and rows == st.rows
        assert model.frames[k]["active"] == list(st.active)
        assert [tuple(x) for x in model.frames[k]["lines"]] == [(x.text, x.role) for x in st.lines]
    # stepping back: undoing frame k (as the browser does) gives state k - 1 again
    rows = replay(model.frames, len(model.frames) - 1)[3]
    for k in range(len(model.frames) - 1, 0, -1):
        before = model.states[k - 1].rows
        for nid in model.frames[k]["texts"]:
            if nid in before:
                rows[nid] = before[nid]
            else:
                rows.pop(nid)
        assert rows == before


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_a_step_keeps_in_view_what_its_edges_reach(view):
    """Each frame names, besides its active nodes, the nodes its active edges reach (`around`): what
    a backward step passes gradients to, what an op reads. The stepper scrolls them into view with the
    active nodes where the box has room (lecture 07's step 10: w2 * h, below the box, was cut off)."""
    model, _ = model_of(example_a, view)
    labels = lambda ids: sorted(model.nodes[n].label for n in ids)
    visible_at = lambda k: set(model.states[k].visible)
    steps = [k for k, st in enumerate(model.states) if st.caption.startswith("backward: MulBackward0")]
    assert len(steps) == 1, [st.caption for st in model.states]
    k = steps[0]
    around = model.frames[k]["around"]
    assert not set(around) & set(model.states[k].active)
    assert set(around) <= visible_at(k)
    if view == "tensor":     # MulBackward0 passes dy/da and dy/db to the tensors a and b
        assert labels(around) == ["a", "b"], model.states[k].caption
    else:                    # ...to the nodes that made them (function view: no tensor nodes)
        assert labels(around) == ["AddBackward0", "AddBackward0"], labels(around)
    forward = [k for k, st in enumerate(model.states) if st.phase == "forward" and "y" in labels(st.active)]
    if view == "tensor":     # the op y = a * b reads a and b
        assert labels(model.frames[forward[0]]["around"]) == ["a", "b"]


def test_pieces_of_one_unbind_each_count_their_own_paths():
    """a and b of x.unbind(0) are outputs of one node (as in torch): a * b passes one gradient to each,
    so each has one path, not "path 1 of 2" (the paths were counted by node, not by output)."""
    def program(T):
        x = T.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        a, b = x.unbind(0)
        y = (a * b).sum()
        y.backward()
        return dict(x=x, a=a, b=b, y=y)
    model, env = model_of(program)
    mul = [st for st in model.states if st.caption.startswith("backward: MulBackward0")]
    assert len(mul) == 1
    edges = [line.text for line in mul[0].lines if line.role == "edge"]
    x = real_torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    a, b = x.unbind(0)
    a.retain_grad(), b.retain_grad()
    (a * b).sum().backward()
    assert [e.split(" = ")[0] for e in edges] == ["dy/da", "dy/db"], edges
    assert edges[0].endswith(f"= {format_array(a.grad.numpy())}") and edges[1].endswith(f"= {format_array(b.grad.numpy())}"), edges
    assert not any("path" in e for e in edges), edges
    # UnbindBackward0 passes on what it made of both pieces' gradients, not of the first one's
    unbind = [st for st in model.states if st.caption.startswith("backward: UnbindBackward0")][0]
    line = [line.text for line in unbind.lines if line.role == "edge"]
    assert line == [f"dy/dx = vjp(dy/d(a, b), ∂(a, b)/∂x): (2,) and (2,) → (2, 2) = {format_array(x.grad.numpy())}"]


def test_pieces_of_one_split_of_unequal_sizes_are_named_together():
    def program(T):
        x = T.tensor([1., 2., 3.], requires_grad=True)
        a, b = x.split([1, 2])
        y = (a * 3).sum() + (b * b).sum()
        y.backward()
        return dict(x=x, a=a, b=b, y=y)
    model, env = model_of(program)
    x = real_torch.tensor([1., 2., 3.], requires_grad=True)
    a, b = x.split([1, 2])
    ((a * 3).sum() + (b * b).sum()).backward()
    split = [st for st in model.states if st.caption.startswith("backward: SplitWithSizesBackward0")][0]
    assert [line.text for line in split.lines if line.role == "edge"] == [
        f"dy/dx = vjp(dy/d(a, b), ∂(a, b)/∂x): (1,) and (2,) → (3,) = {format_array(x.grad.numpy())}"]


def test_frames_are_json_and_proportional_to_the_recording():
    """What goes to the browser grows with the recording, not with steps x nodes."""
    def size(n):
        with torch.record() as rec:
            x = torch.tensor(0.5, requires_grad=True)
            h = x
            for _ in range(n):
                h = h * 0.9 + x          # x feeds every add: n paths into dx
            h.backward()
        model = GraphModel.from_recording(rec, names={"x": x})
        return len(json.dumps(model.frames)), len(model.nodes)
    small, n_small = size(25)
    big, n_big = size(200)
    assert n_big > 7 * n_small
    assert big < 1.3 * (n_big / n_small) * small


# --- labels ---------------------------------------------------------------------------------------------
def test_unnamed_intermediates_read_as_expressions_everywhere():
    model, env = model_of(example_a_inline)
    labels = [n.label for n in model.nodes.values() if n.kind == "tensor"]
    assert labels == ["w", "x", "w + x", "w + 1", "y"]
    text = "\n".join(st.caption + "\n" + "\n".join(x.text for x in st.lines) for st in model.states)
    assert "y = (w + x) * (w + 1) = 6" in text
    assert "dy/dw = dy/d(w + x) · ∂(w + x)/∂w + dy/d(w + 1) · ∂(w + 1)/∂w = 2·1 + 3·1 = 5" in text
    assert "[add]" not in text and "AddBackward0," not in text and "mul(" not in text
    fview, env = model_of(example_a_inline, "function")
    subtitles = [n.name for n in fview.nodes.values() if n.kind == "function"]
    assert subtitles == ["w + x", "w + 1", "y"]
    assert "dy/dw = dy/d(w + x) · ∂(w + x)/∂w + dy/d(w + 1) · ∂(w + 1)/∂w = 2·1 + 3·1 = 5" in \
        ChainRule(fview).derivation(env["w"])


def test_labels_are_distinct_and_long_expressions_fall_back_to_the_op_and_index():
    with torch.record() as rec:
        x = torch.tensor(0.5, requires_grad=True)
        h = x
        for _ in range(4):
            h = h * 0.9 + x
        h.backward()
    model = GraphModel.from_recording(rec, names={"x": x})
    labels = [n.label for n in model.nodes.values() if n.kind == "tensor"]
    assert len(labels) == len(set(labels))
    # Python's precedence: no parentheses a reader does not need; beyond 20 characters, op #k
    # (the k-th op of that kind in the program)
    assert labels == ["x", "x * 0.9", "x * 0.9 + x", "(x * 0.9 + x) * 0.9", "add #2", "mul #3",
                      "add #3", "mul #4", "h"]   # the loop's h names the last one only
    with torch.record() as rec:         # the same expression twice: the second gets a count
        w = torch.tensor(1., requires_grad=True)
        y = (w + 1) * (w + 1) * (w + 1) + (w + 1) * 2
        y.backward()
    labels = [n.label for n in GraphModel.from_recording(rec, names={"w": w, "y": y}).nodes.values()
              if n.kind == "tensor"]
    assert labels == ["w", "w + 1", "w + 1 (2)", "mul #1", "w + 1 (3)", "mul #2",
                      "w + 1 (4)", "(w + 1 (4)) * 2", "y"]


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_a_repeated_expression_is_labelled_by_it_and_a_count_in_every_view(view):
    """(w + x) * (w + x): the second w + x reads "w + x (2)" (walk W11: it read "add #2") in the
    graph, the captions, the chain-rule panel, the predict boxes and the inspector; no two nodes
    share a label."""
    from widgets.stepper import inspector_html
    model, env = model_of(repeated_expression, view)
    labelled = [n for n in model.nodes.values() if n.kind == "tensor"] if view == "tensor" else \
        [n for n in model.nodes.values() if n.kind == "function"]
    names = [n.label if view == "tensor" else n.name for n in labelled]
    assert names == ["w", "x", "w + x", "w + x (2)", "y"] if view == "tensor" else \
        names == ["w + x", "w + x (2)", "y"]
    assert len({n.label for n in model.nodes.values() if n.kind == "tensor"}) == \
        len([n for n in model.nodes.values() if n.kind == "tensor"])
    text = "\n".join(st.caption + "\n" + "\n".join(x.text for x in st.lines) for st in model.states)
    assert "y = (w + x) * (w + x (2)) = 9" in text
    assert "dy/dw = dy/d(w + x) · ∂(w + x)/∂w + dy/d(w + x (2)) · ∂(w + x (2))/∂w = 3·1 + 3·1 = 6" \
        in text
    assert "#" not in text
    fields = [f.label for _, q in questions(model) for f in q.fields]
    assert "dy/d(w + x (2))" in fields and not any("#" in f for f in fields)
    second = next(nid for nid, n in model.nodes.items()
                  if (n.label if view == "tensor" else n.name) == "w + x (2)")
    shown = inspector_html(model, second, len(model.states) - 1).partition("</style>")[2]
    assert "w + x (2)" in shown and "add #" not in shown


def test_in_place_versions_are_labelled_apart():
    with torch.record() as rec:
        w = torch.tensor(1., requires_grad=True)
        b = w + 1
        b.mul_(2)
        y = b * w
        y.backward()
    model = GraphModel.from_recording(rec, names={"w": w, "b": b, "y": y})
    labels = [n.label for n in model.nodes.values() if n.kind == "tensor"]
    assert labels == ["w", "b", "b v1", "y"]
    assert any("b v1 = b * 2 = 4" in st.caption for st in model.states)


def test_module_parameters_are_named_by_their_path_not_a_leftover_loop_variable():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    for p in model.parameters():     # a loop a lecture has; p is left on the last bias
        p.requires_grad_(True)
    xs = torch.ones(3, 2)
    with torch.record() as rec:
        loss = model(xs).sum()
        loss.backward()
    gm = GraphModel.from_recording(rec)          # names from this frame: p, model, loss, xs
    labels = {n.label for n in gm.nodes.values() if n.kind == "tensor"}
    assert {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "loss", "xs"} <= labels
    assert "p" not in labels
    assert p is model[2].bias


# --- the chain rule ---------------------------------------------------------------------------------------
def test_chain_rule_notation_is_not_circular_and_parenthesises_negative_factors():
    model, env = model_of(example_a)
    first = next(st for st in model.states if st.phase == "backward")
    assert [x.text for x in first.lines] == [
        "MulBackward0 receives dy/dy = 1",
        "dy/da = dy/dy · ∂y/∂a = 1·2 = 2",
        "dy/db = dy/dy · ∂y/∂b = 1·3 = 3"]
    assert [x.role for x in first.lines] == ["head", "edge", "edge"]
    assert ChainRule(model).derivation(env["x"]) == "dy/dx = dy/da · ∂a/∂x = 2·1 = 2"
    model, env = model_of(example_b)
    rules = ChainRule(model)
    assert rules.derivation(env["n"]) == "dy/dn = dy/da · ∂a/∂n + dy/db · ∂b/∂n = (-1)·1 + 5·(-1) = -6"
    assert rules.derivation("m") == "dy/dm = dy/da · ∂a/∂m + dy/db · ∂b/∂m = (-1)·1 + 5·1 = 4"
    assert_close(rules.total(env["m"]), example_b(real_torch)["m"].grad.numpy())
    # the path shares say which path they are, and the last one sums them up
    sub = next(st for st in model.states if st.phase == "backward" and "SubBackward0" in st.caption)
    assert [x.role for x in sub.lines] == ["head", "edge", "edge"]
    assert "(path 1 of 2 into dy/dm; sum so far 5)" in sub.lines[1].text
    # the last path does not sum them up here: the next steps ask for m.grad and n.grad
    add = next(st for st in model.states if st.phase == "backward" and "AddBackward0" in st.caption)
    assert [x.role for x in add.lines] == ["head", "edge", "edge"]
    acc = next(st for st in model.states if st.phase == "accumulate" and "m.grad" in st.caption)
    assert [x.text for x in acc.lines if x.role == "total"] == [rules.derivation("m")]
    # a non-leaf's sum, which no step asks for, is summed up by its last path
    model, env = model_of(self_sum)
    add = next(st for st in model.states if st.phase == "backward" and "AddBackward0" in st.caption)
    assert [x.role for x in add.lines] == ["head", "edge", "edge", "total"]
    assert add.lines[3].text == "so " + ChainRule(model).derivation(env["a"])


def test_vector_steps_use_shapes_and_vjp_wording():
    model, env = model_of(example_e)
    text = "\n".join(x.text for st in model.states for x in st.lines)
    assert "vjp(" in text and "(2,)" in text and "vector-Jacobian" in text
    assert model.states[-1].grads[node_named(model, "a")] == "[36, 81]"


def test_non_leaf_grads_flow_then_are_freed_unless_retained():
    model, env = model_of(example_a)
    a = node_named(model, "a")
    first = next(k for k, st in enumerate(model.states) if st.phase == "backward")
    assert model.states[first].rows[a][1:] == ["grad 2", "cg-flow"]   # flowing, not stored
    assert model.states[-1].rows[a][1:] == ["grad None", "cg-freed"]   # freed at the end
    model, env = model_of(example_a, retain=True)
    oracle = example_a(real_torch, retain=True)
    assert model.states[-1].grads[node_named(model, "a")] == format_array(oracle["a"].grad.numpy())
    (k, q), = [(k, q) for k, q in questions(model) if q.fields[0].kind == "retained"]
    assert q.fields[0].label == "a.grad" and float(q.fields[0].expected) == 2


def test_a_second_backward_pass_starts_afresh_and_accumulates():
    with torch.record() as rec:
        w = torch.tensor(3., requires_grad=True)
        y = w * w
        y.backward(retain_graph=True)
        y.backward()
    model = GraphModel.from_recording(rec, names={"w": w, "y": y})
    assert len(model.passes) == 2
    accs = [q.fields[0] for _, q in questions(model) if q.fields[0].kind == "leaf_grad"]
    assert [float(f.expected) for f in accs] == [6, 12] == [6, float(w.grad)]
    assert "12" not in accs[1].words and "6 + dy/dw" in accs[1].words
    second = model.passes[1].steps[0]
    assert not model.states[second].done or set(model.states[second].done) <= set(model.states[second].active)


# --- predict mode -------------------------------------------------------------------------------------------
def test_questions_ask_for_what_they_label():
    """Example B at SubBackward0: a share of dy/dm is labelled and worded as one (not 'dy/dm')."""
    model, env = model_of(example_b)
    o = example_b(real_torch, retain=True)
    by_label = {f.label: f for _, q in questions(model) for f in q.fields}
    # MulBackward0: a and b have one path each: the whole dy/da, dy/db
    assert by_label["dy/da"].kind == by_label["dy/db"].kind == "grad"
    assert_close(by_label["dy/da"].expected, o["a"].grad.numpy())
    assert_close(by_label["dy/db"].expected, o["b"].grad.numpy())
    # SubBackward0: m and n have two paths each: one share of each, in words
    share = by_label["dy/db · ∂b/∂m"]
    assert share.kind == "share" and "the part of dy/dm that flows through b" in share.words
    assert float(share.expected) == 5 and float(by_label["dy/db · ∂b/∂n"].expected) == -5
    assert "dy/dm" not in by_label
    # the accumulation asks for the whole gradient: m.grad = dy/dm = 4, as torch computes
    assert_close(by_label["m.grad"].expected, o["m"].grad.numpy())
    assert_close(by_label["n.grad"].expected, o["n"].grad.numpy())


def test_a_tensor_reaching_an_op_twice_gets_two_labelled_shares():
    model, env = model_of(self_sum)
    oracle = self_sum(real_torch)
    qs = [q for _, q in questions(model)]
    add = next(q for q in qs if "AddBackward0" in q.caption)
    assert [f.label for f in add.fields] == ["dy/dy · ∂y/∂a (input 1)", "dy/dy · ∂y/∂a (input 2)"]
    mul = next(q for q in qs if "MulBackward0" in q.caption)
    assert len({f.label for f in mul.fields}) == 2
    assert_close(sum_of(f.expected for f in mul.fields), oracle["x"].grad.numpy())
    acc = next(q for q in qs if q.fields[0].kind == "leaf_grad")
    assert_close(acc.fields[0].expected, oracle["x"].grad.numpy())


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
# numbers that count things, not values: "path 1 of 2", "(input 2)", "sum of all 2", "add #2", "b v1",
# "w + x (2)"
COUNTING = re.compile(r"\b(?:path|input|of|all|step)\s+\d+|#\d+|\bv\d+|(?<=\S) \(\d+\)")


def shown_numbers(texts):
    return set(NUMBER.findall(COUNTING.sub(" ", " ".join(texts))))


def open_question_texts(model, k, q):
    """(texts on screen while question q of step k is open, numbers it gives as its premise)."""
    rows = {**model.states[k].rows, **q.keep_rows}
    shown = [q.caption] + [x.text for x in q.prompt] + [f.label + " " + f.words for f in q.fields]
    shown += [t for row in rows.values() for t in row]
    # the first prompt line is the premise: what the op received, what .grad holds now
    return shown, shown_numbers([q.prompt[0].text])


def earlier_statements_of_answers(model, k, q):
    """Lines of the earlier steps of q's backward pass (a student can step back to them) that
    state a whole gradient q asks for as a .grad (walk W1: "so dy/dn = ... = -6" one step
    before "Predict the new n.grad")."""
    p = next(p for p in model.passes if k in p.steps)
    asked = [d(p.root, p.labels.get(f.target, model.nodes[f.target].label))
             for f in q.fields if f.kind in ("leaf_grad", "retained")]
    return [line.text for j in p.steps if j < k for line in model.states[j].lines
            if line.role == "total" and any(line.text.removeprefix("so ").startswith(lhs + " =")
                                            for lhs in asked)]


@pytest.mark.parametrize("key", sorted(EXAMPLES))
@pytest.mark.parametrize("view", ["tensor", "function"])
def test_an_open_question_shows_none_of_its_answers(key, view):
    """The caption, prompt, labels and rows shown while a question is open hold no number that
    is an answer and was not on screen before the step (the original bug: the caption read
    "accumulate: n.grad += -6 -> -6" above "Predict the new n.grad")."""
    model, _ = model_of(EXAMPLES[key], view)
    for k, q in questions(model):
        before = model.states[k - 1]
        shown, premise = open_question_texts(model, k, q)
        seen = shown_numbers([t for row in before.rows.values() for t in row] + [before.caption])
        new = shown_numbers(shown) - seen - premise
        for f in q.fields:
            answer = format_array(f.expected)
            assert answer not in new, (k, answer, shown)
        assert not earlier_statements_of_answers(model, k, q), k
        # the rows this step changes are kept as they were (except the gradient it was given)
        for nid, row in q.keep_rows.items():
            assert row == before.rows[nid]


def test_static_export_reads_the_step_model():
    model, _ = model_of(example_a)
    # leaves accumulate in PyTorch's order: w.grad (step 9), then x.grad (the last step)
    assert "accumulate: w.grad += 5 → 5" in to_dot(model, state=9)
    assert "accumulate: x.grad += 2 → 2" in to_dot(model, state=len(model.states) - 1)
    assert "grad 5" not in to_dot(model, state=3)


# --- programs a student writes on a bad day ------------------------------------------------------------
def unkind_programs():
    """Recordings of the corners: in-place ops, .data updates, autograd.grad (no accumulation),
    retain_grad on the root, a leaf's own backward, no-grad ops, integer and empty tensors,
    two passes over one graph, saved tensors shown."""
    out = {}
    with torch.record() as rec:
        w = torch.tensor([1., -2.], requires_grad=True)
        b = w * 2
        b.add_(1)
        y = (b * w).sum()
        y.retain_grad()
        y.backward()
        w.data.sub_(0.1 * w.grad)
        w.grad.zero_()
    out["in-place and .data"] = (rec, dict(w=w, b=b, y=y))
    with torch.record() as rec:
        x = torch.tensor(3., requires_grad=True)
        z = x * x + x
        (g,) = torch.autograd.grad(z, x, retain_graph=True)
        z.backward()
        x.backward()                     # a leaf's own backward: one accumulation
    out["autograd.grad, leaf backward"] = (rec, dict(x=x, z=z))
    with torch.record() as rec:
        i = torch.tensor([1, 2, 3])
        e = torch.ones(0, requires_grad=True)
        v = torch.tensor([0.5, float("nan")], requires_grad=True)
        s = (i * 2).sum() + e.sum() + (v * torch.tensor([1., 0.])).sum()
        with torch.no_grad():
            _ = v * 3
        s.backward()
    out["ints, empty, NaN, no_grad"] = (rec, dict(i=i, e=e, v=v, s=s))
    return out


@pytest.mark.parametrize("key", sorted(unkind_programs()))
@pytest.mark.parametrize("view", ["tensor", "function"])
@pytest.mark.parametrize("show_saved", [False, True])
def test_unkind_programs_build_replay_and_inspect(key, view, show_saved):
    from widgets.stepper import inspector_html
    rec, names = unkind_programs()[key]
    model = GraphModel.from_recording(rec, view=view, names=names, show_saved=show_saved)
    assert len(model.states) == len(rec.events) + 1 == len(model.frames)
    json.dumps(model.frames)
    labels = [n.label for n in model.nodes.values() if n.kind == "tensor"]
    assert len(labels) == len(set(labels)), labels
    for k, st in enumerate(model.states):
        vis, edges, done, rows = replay(model.frames, k)
        assert vis == set(st.visible) and done == set(st.done) and rows == st.rows
        for nid in model.nodes:
            html = inspector_html(model, nid, k, question_open=st.question is not None)
            assert "<h4>" in html
    last = model.states[-1]
    for name, t in names.items():
        if t.is_leaf and t.requires_grad and t.grad is not None and view == "tensor":
            nid = [n for n, node in model.nodes.items() if node.label == name][0]
            assert last.grads[nid] == format_array(t.grad.numpy())


def test_names_the_recording_kept_outlive_rebound_variables():
    """A cell run again after later cells rebound `y`: the names the recording kept when its block
    ended (rec.names) win over the frame; without names the labels are the expressions (distinct,
    readable)."""
    with torch.record() as rec:
        m = torch.tensor(2., requires_grad=True)
        n = torch.tensor(3., requires_grad=True)
        y = (m + n) * (m - n)
        y.backward()
    assert list(rec.names) == ["m", "n", "y"]
    m = n = y = None                                   # a later cell rebinds them  # noqa: F841
    labels = [x.label for x in GraphModel.from_recording(rec).nodes.values() if x.kind == "tensor"]
    assert labels == ["m", "n", "m + n", "m - n", "y"]
    rec.names = {}                                     # a recording that kept no names
    labels = [x.label for x in GraphModel.from_recording(rec).nodes.values() if x.kind == "tensor"]
    assert labels == ["leaf #1", "leaf #2", "add #1", "sub #1", "mul #1"]


def test_an_op_whose_parameters_are_not_recorded_does_not_read_as_another_op():
    """A pow or a sum over a dim recorded without a grad_fn keeps its exponent / dim to itself:
    its caption says so ("pow(x, …)") rather than making up "pow(x)" or "sum(x)"."""
    with torch.record() as rec:
        x = torch.tensor([1., 2.])
        w = torch.tensor([1., 2.], requires_grad=True)
        y = x ** 2
        s = x.sum(0)
        q = (w ** 3).sum()
    captions = [st.caption for st in GraphModel.from_recording(rec, names={"x": x, "w": w, "y": y,
                                                                          "s": s, "q": q}).states]
    assert "forward: y = pow(x, …) = [1, 4] (needs no grad)" in captions
    assert "forward: s = sum(x, …) = 3 (needs no grad)" in captions
    assert "forward: w ** 3 = [1, 8]" in captions and "forward: q = sum(w ** 3) = 9" in captions
