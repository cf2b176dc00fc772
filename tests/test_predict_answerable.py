"""Predict mode asks only what a student can work out from what is on screen at that step (and the
answers given before). No browser: the step model and GraphStepper's checking, with torch as the
oracle.

A tensor of more than SMALL elements is shown as "min a  mean b  max c": a student cannot type its
20 different values. The regression lab's stepper (one iteration of `y_pred = w * x + b;
loss = (0.5 * (y - y_pred) ** 2).mean(); loss.backward()` on 20 data points) is walked by a scripted
student who reads numbers only off the open question (its caption, prompt, boxes) and the answers it
gave before, and knows the local derivatives of the ops and that there are 20 data points. Every
box must then be one number (or every element equal) and the student's number must be accepted.
Before this rule the stepper asked for dloss/d(y - y_pred) (20 different values, step 9) and
dloss/dw = sum(x * g) with x never shown (step 13).
"""
import re
import types

import numpy as np
import pytest
import torch as real_torch

import autograd_core as torch
from test_stepper_model import shown_numbers
from widgets.graph_model import SMALL, GraphModel, format_array, shown_in_full
from widgets.regression import RegressionTrainer
from widgets.stepper import GraphStepper

NO_FRAME = types.SimpleNamespace(f_locals={}, f_globals={})  # names from `names=` only
N = 20  # the lab's data points (its plot shows them; the prompts say "(shape (20, 1))")
NUM = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
INDEX = re.compile(r"(\bat|\belement|\bpart|[\w)])\s?\[\d+(?:, \d+)*\]")  # "at [0, 0]": not a value


def regression_recording():
    trainer = RegressionTrainer()
    trainer.step(3)
    rec, names = trainer.replay_last()
    return rec, names


@pytest.fixture(scope="module")
def lab():
    return regression_recording()


def one_number(a):
    """What a box can take: one number, or a tensor whose elements are all that number."""
    a = np.asarray(a)
    return a.size == 1 or bool(np.all(a == a.reshape(-1)[0]))


def open_texts(q):
    return [q.caption] + [line.text for line in q.prompt] + [f"{f.label} {f.words}" for f in q.fields]


def first_match(texts, pattern):
    """pattern's first match in the texts, or None."""
    return next((m for m in map(re.compile(pattern).search, texts) if m), None)


def summary(key):
    """The pattern of `key = min a  mean b  max c` (a tensor shown summarised)."""
    return re.escape(key) + r" = min " + NUM + r"  mean " + NUM + r"  max " + NUM


def number_after(texts, key):
    """The number written after `key =` in the texts (the first place it appears)."""
    m = first_match(texts, re.escape(key) + r" = " + NUM)
    assert m, f"{key} = ... is not on screen: {texts}"
    return float(m.group(1))


def mean_of(texts, key):
    """The mean of a summarised tensor shown as `key = min a  mean b  max c`."""
    m = first_match(texts, summary(key))
    assert m, f"{key} is not shown as min / mean / max: {texts}"
    return float(m.group(2))


def uniform_value(texts, key):
    """The value of a tensor shown as `min v  mean v  max v` (every element v)."""
    m = first_match(texts, summary(key))
    if m is None:
        return number_after(texts, key)
    low, mean, high = (float(x) for x in m.groups())
    assert low == mean == high, f"{key} has different values: {m.string}"
    return low


def work_out(q, given):
    """The scripted student: each box's value from the open question's text and the answers given
    before (`given`: {box label: value}), nothing else. Raises when a box needs something else."""
    texts = open_texts(q)
    head = q.prompt[0].text
    node = head.split(" ")[0]          # "PowBackward0 receives ...", "AccumulateGrad adds ..."
    values = []
    for f in q.fields:
        label = f.label
        assert one_number(f.expected), f"box {label} wants {np.size(f.expected)} different values"
        received = re.search(r"receives (d\S+(?: \S+)*?) = ", head)
        received = received.group(1) if received else None
        if node == "MeanBackward0":                          # d mean / d each element = 1/n
            values.append(number_after(texts, received) / N)
        elif node == "MulBackward0" and "* 0.5" in head:      # mul #2 = (...) ** 2 * 0.5
            values.append(uniform_value(texts, received) * 0.5)
        elif node == "PowBackward0" and label.endswith("[0, 0]"):  # d u**2 / du = 2u, one element
            g = number_after(texts[2:], received)
            u = number_after(texts, "PowBackward0 saved y - y_pred")
            values.append(g * 2 * u)
        elif node == "SubBackward0" and label.endswith("[0, 0]"):  # d (y - y_pred) / d y_pred = -1
            values.append(-number_after(texts[2:], received))
        elif node == "AddBackward0" and label.endswith("[0, 0]"):  # d (a + b) / da = 1
            values.append(number_after(texts[2:], received))
        elif node == "AddBackward0" and label == "dloss/db":  # b reaches all 20: their sum
            values.append(N * mean_of(texts, received))
        elif node == "MulBackward0" and label.startswith("part [0, 0] of"):  # d (w x) / dw = x
            g = number_after(texts[2:], received)
            x = number_after(texts, "MulBackward0 saved x")
            values.append(g * x)
        elif node == "AccumulateGrad":                        # .grad += the gradient it was given
            leaf = label.removesuffix(".grad")
            before = re.search(r"which is \[?" + NUM + r"\]? now", head)
            assert before, head
            values.append(float(before.group(1)) + given[f"dloss/d{leaf}"])
        else:
            raise AssertionError(f"the student cannot work out {label!r} from the screen: {texts}")
    return values


@pytest.mark.parametrize("view", ["function", "tensor"])
def test_a_student_works_out_every_regression_question_from_the_screen(lab, view):
    rec, names = lab
    st = GraphStepper(rec, view=view, names=names, predict=True)
    given, asked = {}, []
    first = True
    while st._gate >= 0:
        k = st._gate
        q = st.question(k)
        values = work_out(q, given)
        if first:  # a wrong answer first: counted once, nothing revealed
            fb = st.submit_prediction([f"{v * 1.1:.4g}" for v in values], k)
            assert fb["status"] == "wrong" and not any("expected" in f for f in fb["fields"]), fb
            first = False
        fb = st.submit_prediction([f"{v:.4g}" for v in values], k)   # as a student writes them
        assert fb["status"] == "right", (k, [f.label for f in q.fields], values, fb)
        given.update((f.label, v) for f, v in zip(q.fields, values))
        asked += [f.label for f in q.fields]
    assert asked == ["dloss/d(mul #2)", "dloss/d((y - y_pred) ** 2)", "dloss/d(y - y_pred)[0, 0]",
                     "dloss/dy_pred[0, 0]", "dloss/d(w * x)[0, 0]", "dloss/db", "b.grad",
                     "part [0, 0] of dloss/dw"], asked
    assert st.tally == {"right": len(asked) - 1, "wrong": 1}, st.tally


@pytest.mark.parametrize("view", ["function", "tensor"])
def test_what_was_answerable_before_is_asked_as_before(lab, view):
    """Steps 7, 8 (every element equal), dloss/db (20 x the shown mean) and b.grad: the same
    boxes, words and values as before the rule (the engine's, checked in numpy here)."""
    rec, names = lab
    model = GraphModel.from_recording(rec, view=view, names=names, frame=NO_FRAME)
    w, b = float(names["w"].data[0]), float(names["b"].data[0])
    x, y = names["x"].numpy().astype(np.float64), names["y"].numpy().astype(np.float64)
    r = y - (w * x + b)
    by_label = {f.label: f for st in model.states if st.question for f in st.question.fields}
    want = {
        "dloss/d(mul #2)": ("dloss/d(mul #2): the gradient of loss with respect to mul #2", "grad",
                            np.full((N, 1), 1 / N)),
        "dloss/d((y - y_pred) ** 2)": ("dloss/d((y - y_pred) ** 2): the gradient of loss with "
                                       "respect to (y - y_pred) ** 2", "grad", np.full((N, 1), 0.5 / N)),
        "dloss/db": ("dloss/db: the gradient of loss with respect to b", "grad", [-r.sum() / N]),
        "b.grad": ("the new b.grad: [0] + dloss/db", "leaf_grad", [-r.sum() / N]),
    }
    for label, (words, kind, value) in want.items():
        f = by_label[label]
        assert (f.words, f.kind, f.index, f.part, f.rtol) == (words, kind, None, False, 1e-3), f
        np.testing.assert_allclose(f.expected, value, rtol=1e-5)
    prompts = {st.index: [line.text for line in st.question.prompt] for st in model.states if st.question}
    assert prompts[7] == ["MeanBackward0 receives dloss/dloss = 1  (forward: loss = mean(mul #2))",
                          "Predict what it passes on:"]
    assert prompts[12] == ["AccumulateGrad adds dloss/db into b.grad, which is [0] now.",
                           "Predict the new b.grad:"]


def torch_iteration(names):
    """The lab's iteration in torch: {name: tensor} with the intermediate gradients retained."""
    t = {k: real_torch.tensor(names[k].numpy()) for k in ("x", "y")}
    t["w"] = real_torch.tensor(names["w"].detach().numpy(), requires_grad=True)
    t["b"] = real_torch.tensor(names["b"].detach().numpy(), requires_grad=True)
    t["wx"] = t["w"] * t["x"]
    t["y_pred"] = t["wx"] + t["b"]
    t["r"] = t["y"] - t["y_pred"]
    for k in ("wx", "y_pred", "r"):
        t[k].retain_grad()
    (0.5 * t["r"] ** 2).mean().backward()
    return t


@pytest.mark.parametrize("view", ["function", "tensor"])
def test_element_and_part_questions_are_true_to_the_engine(lab, view):
    """An element box expects torch's gradient at that element; the part of dloss/dw is
    dloss/d(w * x) * x there, and the 20 parts add up to torch's w.grad; the prompt's numbers for
    the element are torch's, at 4 significant digits."""
    rec, names = lab
    model = GraphModel.from_recording(rec, view=view, names=names, frame=NO_FRAME)
    t = torch_iteration(names)
    fields = {f.label: (st, f) for st in model.states if st.question for f in st.question.fields}
    grads = {"dloss/d(y - y_pred)[0, 0]": t["r"].grad, "dloss/dy_pred[0, 0]": t["y_pred"].grad,
             "dloss/d(w * x)[0, 0]": t["wx"].grad}
    for label, g in grads.items():
        _, f = fields[label]
        assert f.index == (0, 0) and not f.part
        np.testing.assert_allclose(f.expected, g[0, 0].item(), rtol=1e-5)
    st, f = fields["part [0, 0] of dloss/dw"]
    parts = (t["wx"].grad * t["x"]).detach().numpy()
    assert f.part and f.index == (0, 0)
    np.testing.assert_allclose(f.expected, parts[0, 0], rtol=1e-5)
    np.testing.assert_allclose(parts.sum(), t["w"].grad.item(), rtol=1e-4)
    heads = " ".join(line.text for line in st.question.prompt if line.role == "head")
    assert f"dloss/d(w * x) = {format_array(t['wx'].grad[0, 0].item())}" in heads, heads
    assert f"MulBackward0 saved x = {format_array(t['x'][0, 0].item())}" in heads, heads
    # after the answer, the chain-rule panel shows the element's product and the sum it is part of
    lines = " ".join(line.text for line in st.lines)
    assert "part [0, 0] of dloss/dw = dloss/d(w * x) · ∂(w * x)/∂w at [0, 0]" in lines, lines
    assert format_array(t["w"].grad.numpy()) in lines


def test_w_grad_is_not_asked_and_the_step_says_why(lab):
    """w.grad was [0] and becomes dloss/dw, whose 20 parts the student could not add up: nothing
    to work out, so no box; predict mode shows one line why (the browser's frame carries it)."""
    rec, names = lab
    st = GraphStepper(rec, view="function", names=names, predict=True)
    last = st.n_steps - 1
    assert st.question(last) is None and last not in st.ask_steps
    skip = st.model.states[last].skip
    assert skip == ("Nothing to predict here: w.grad was [0], so it becomes dloss/dw, which the "
                    "chain-rule panel showed when it was passed on."), skip
    assert st.model.frames[last]["skip"] == skip and "ask" not in st.model.frames[last]
    assert all(st.model.states[k].skip is None for k in st.ask_steps)


# --- other recordings -----------------------------------------------------------------------------
def _t(rng, shape, requires_grad=False, low=0.5, high=1.5):
    return torch.tensor(rng.uniform(low, high, size=shape).astype(np.float32), requires_grad=requires_grad)


def _programs():
    """Recordings with tensors of more than SMALL elements (and one without), create_graph,
    retain_grad, two paths, broadcasting, a matrix product, a second backward into a .grad."""
    rng = np.random.default_rng(1)

    def elementwise():
        a, b = _t(rng, (12,), True), _t(rng, (12,), True)
        c = a * b
        y = (c.exp() / b).sin().sum()
        y.backward()
        return dict(a=a, b=b, c=c, y=y)

    def two_paths():
        a = _t(rng, (10,), True)
        y = (a * a + a).sum()
        y.backward()
        return dict(a=a, y=y)

    def broadcast():
        v, m = _t(rng, (3,), True), _t(rng, (10, 3))
        y = ((m + v) ** 2).sum()
        y.backward()
        return dict(v=v, m=m, y=y)

    def mean_of_product():
        w, x = torch.tensor([2.0], requires_grad=True), _t(rng, (20, 1))
        y = (w * x).mean()
        y.backward()
        return dict(w=w, x=x, y=y)

    def retained():
        a = _t(rng, (10,), True)
        h = a * 3
        h.retain_grad()
        y = (h ** 2).sum()
        y.backward()
        return dict(a=a, h=h, y=y)

    def double_backward():
        x = _t(rng, (10,), True)
        y = (x ** 3).sum()
        (g,) = torch.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        return dict(x=x, y=y, g=g)

    def accumulate_into_grad():
        w, x = torch.tensor([1.5], requires_grad=True), _t(rng, (20, 1))
        (w * x).pow(2).mean().backward()
        (w * x).pow(2).mean().backward()
        return dict(w=w, x=x)

    def matmul_mlp():
        W, x = _t(rng, (4, 3), True), _t(rng, (3, 5))
        y = (W @ x).relu().sum()
        y.backward()
        return dict(W=W, x=x, y=y)

    def small():
        m, n = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
        a, b = m + n, m - n
        y = a * b
        y.backward()
        return dict(m=m, n=n, a=a, b=b, y=y)

    out = {}
    for fn in (elementwise, two_paths, broadcast, mean_of_product, retained, double_backward,
               accumulate_into_grad, matmul_mlp, small):
        with torch.record() as rec:
            names = fn()
        out[fn.__name__] = (rec, names)
    return out


PROGRAMS = _programs()


def _term_of(model, k, f):
    """The chain-rule term behind a backward box of step k (what the op passed through f.slot)."""
    for p in model.passes:
        for term in p.terms.get(f.target, ()):
            if term.step == k and term.slot == f.slot and term.via == f.via:
                return term
    return None


@pytest.mark.parametrize("view", ["tensor", "function"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_box_takes_one_number_true_to_the_engine_and_nothing_gives_it_away(name, view):
    rec, names = PROGRAMS[name]
    model = GraphModel.from_recording(rec, view=view, names=names, frame=NO_FRAME)
    big = any(np.size(getattr(ev, "value", None)) > SMALL for ev in rec.events if ev.value is not None)
    st = GraphStepper(rec, view=view, names=names, predict=True)
    for k, state in enumerate(model.states):
        q = state.question
        if q is None:
            continue
        assert big or not q.notes, "a recording without large tensors is asked as it always was"
        for f in q.fields:
            assert one_number(f.expected), (k, f.label, np.size(f.expected))
            assert big or (f.index is None and f.rtol == 1e-3), (k, f)
            term = _term_of(model, k, f) if f.kind in ("grad", "share") else None
            if f.index is not None and not f.part and term is not None:
                # an element of what the op passed on: the engine's number there
                assert float(f.expected) == float(np.asarray(term.share)[f.index]), (k, f.label)
        # the answer, written at the 4 significant digits the screen uses, is right; 5% off is not
        right = [format_array(f.expected) if np.size(f.expected) == 1 else
                 format_array(np.asarray(f.expected).reshape(-1)[0]) for f in q.fields]
        off = [f"{float(np.asarray(f.expected).reshape(-1)[0]) * 1.05 + 1e-3:.6g}" for f in q.fields]
        assert not any(st.submit_prediction(off, k)["fields"][i]["right"] for i in range(len(off))), k
        assert st.submit_prediction(right, k)["status"] == "right", (k, right)
        # nothing on screen while it is open shows an answer anew, but what it is given (the premise)
        before = model.states[k - 1]
        rows = {**state.rows, **q.keep_rows}
        said = [q.caption] + [x.text for x in q.prompt if x.role != "head"] + \
            [f"{f.label} {f.words}" for f in q.fields]
        shown = [INDEX.sub(r"\1", t) for t in said] + [t for row in rows.values() for t in row]
        seen = shown_numbers([t for row in before.rows.values() for t in row] + [before.caption])
        premise = shown_numbers([x.text for x in q.prompt if x.role == "head"])
        new = shown_numbers(shown) - seen - premise
        for f in q.fields:
            assert format_array(f.expected) not in new or np.size(f.expected) > 1, (k, f.label, shown)
    # a step that passes gradients on but asks nothing says why (only where large tensors are)
    for k, state in enumerate(model.states):
        if state.skip is not None:
            assert big and state.question is None and state.skip.startswith("Nothing to predict here: ")
            assert len(state.skip) < 150, state.skip


def test_shown_in_full_is_what_format_array_shows_element_by_element():
    assert shown_in_full(np.arange(SMALL)) and shown_in_full(np.full(50, 0.05))
    assert not shown_in_full(np.arange(SMALL + 1)) and shown_in_full(None)
    assert format_array(np.arange(SMALL + 1)).startswith("min ")
