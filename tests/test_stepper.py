"""GraphStepper and NodeInspector on the Python side (no browser): the traits the browser syncs,
predict mode (right, wrong, retry, unreadable, empty, reveal, the open question's gate), the
inspector reading the step model, the static picture, escaping. The step model itself is tested in
test_stepper_model.py, random programs against torch in test_stepper_properties.py."""
import re

import numpy as np
import pytest
import traitlets

import autograd_core as torch
from test_stepper_model import example_a, example_b, questions, recorded, shown_numbers
from widgets.chain_rule import parse_guess
from widgets.graph_model import format_array
from widgets.inspector import WHY_NO_BACKWARD, WHY_NO_GRAD, WHY_NON_LEAF, NodeInspector
from widgets.stepper import GraphStepper, front_end_nodes, inspector_html

EVIL = "<img src=x onerror=alert(1)>"


def stepper_of(make, **kw):
    rec, env = recorded(make)
    return GraphStepper(rec, names=env, **kw), env


def node_of(stepper, label):
    ids = [nid for nid, n in stepper.model.nodes.items() if n.label == label and n.kind == "tensor"]
    assert len(ids) == 1, (label, ids)
    return ids[0]


def step_where(stepper, phase, text=""):
    return next(k for k, st in enumerate(stepper.model.states) if st.phase == phase and text in st.caption)


# --- traits ----------------------------------------------------------------------------------------
def test_traits_and_validation():
    stepper, env = stepper_of(example_a)
    assert stepper.step == 0 and stepper.selected == "" and stepper.predict is False
    assert stepper.n_steps == len(stepper.recording.events) + 1 == len(stepper._frames)
    stepper.step = stepper.n_steps - 1
    assert stepper.state.phase == "accumulate"
    with pytest.raises(traitlets.TraitError):
        stepper.step = stepper.n_steps
    with pytest.raises(traitlets.TraitError):
        stepper.selected = "t999"
    with pytest.raises(traitlets.TraitError):
        stepper.interval = 5
    with pytest.raises(TypeError, match="Recording or a function"):
        GraphStepper(42)
    with torch.record() as empty:
        pass
    with pytest.raises(ValueError, match="empty"):
        GraphStepper(empty)
    # one play control, in the widget itself: pausing keeps the step
    stepper.step = 4
    stepper.playing = True
    stepper.playing = False
    assert stepper.step == 4 and stepper.layout_box() is stepper


def test_front_end_data_carries_labels_not_values():
    stepper, env = stepper_of(example_a)
    titles = front_end_nodes(stepper.model)
    assert titles[node_of(stepper, "w")]["title"] == "w (tensor)"
    assert all("5" not in t["title"] and "grad" not in t["title"].replace("AccumulateGrad", "")
               for t in titles.values())
    assert set(stepper._edges) == {e.id for e in stepper.model.edges}


def test_function_source_is_recorded_with_its_local_names():
    def program():
        m = torch.tensor(2., requires_grad=True)
        n = torch.tensor(3., requires_grad=True)
        y = (m + n) * (m - n)
        y.backward()
    stepper = GraphStepper(program, view="function")
    assert {"m", "n", "y"} <= {n.label for n in stepper.model.nodes.values()}
    assert {"m + n", "m - n"} <= {n.name for n in stepper.model.nodes.values()}
    assert "dy/dm" in "\n".join(stepper.step_lines(-1) + stepper.step_lines(-2))


def test_static_bundle_has_the_current_step_as_svg():
    stepper, env = stepper_of(example_a)
    stepper.step = stepper.n_steps - 1
    bundle = stepper._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "grad 5" in svg and "grad 2" in svg
    stepper.step = 0
    assert "grad 5" not in stepper._repr_mimebundle_()["image/svg+xml"]


# --- the inspector ------------------------------------------------------------------------------------
def test_selecting_a_node_shows_it_as_of_the_step():
    stepper, env = stepper_of(example_a)
    assert "Click a node" in stepper.inspector_html
    stepper.step = stepper.n_steps - 1
    stepper.selected = node_of(stepper, "a")          # what a click in the browser sends
    html = stepper.inspector_html
    assert "non-leaf tensor" in html and WHY_NON_LEAF in html and "AddBackward0" in html
    stepper.selected = node_of(stepper, "w")
    assert "<code>5</code>" in stepper.inspector_html and "leaf tensor" in stepper.inspector_html
    stepper.step = 3      # before the backward pass: no grad yet, although w.grad is 5 now
    assert "<code>None</code>" in stepper.inspector_html and "<code>5</code>" not in stepper.inspector_html
    op = next(nid for nid, n in stepper.model.nodes.items() if n.kind == "op" and n.label == "mul")
    stepper.step = stepper.n_steps - 1
    stepper.selected = op
    html = stepper.inspector_html
    assert "MulBackward0 → y" in html and "AddBackward0 (a)" in html
    assert "dy/dy = 1" in html and "to a: 2" in html and "to b: 3" in html


def test_standalone_inspector_and_why_grad_is_none():
    w = torch.tensor([1., 2.], requires_grad=True)
    y = (w * w).sum()
    html = NodeInspector(y.grad_fn).value
    assert "SumBackward0" in html and "MulBackward0" in html
    assert "saved: self" in NodeInspector(y.grad_fn.next_functions[0][0]).value
    assert WHY_NO_BACKWARD in NodeInspector(w, name="w").value
    assert WHY_NO_GRAD in NodeInspector(torch.ones(2)).value
    assert WHY_NON_LEAF in NodeInspector(y, name="y").value
    y.backward()
    assert "[2, 4]" in NodeInspector(w, name="w").value
    assert "freed by backward" in NodeInspector(y.grad_fn.next_functions[0][0]).value


def test_markup_in_names_is_escaped():
    with torch.record() as rec:
        t = torch.tensor([1., 2.], requires_grad=True)
        s = (t * t).sum()
        s.backward()
    html = NodeInspector(t, name=EVIL).value
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    stepper = GraphStepper(rec, names={EVIL: t, "s": s})
    assert "<img" not in stepper._svg and "&lt;img" in stepper._svg
    stepper.selected = node_of(stepper, EVIL)
    assert "<img" not in stepper.inspector_html
    assert "<img" not in stepper._repr_mimebundle_()["image/svg+xml"]


# --- predict mode ---------------------------------------------------------------------------------------
def test_predict_reads_a_tensor_as_torch_prints_it_and_names_a_decimal_comma():
    """A value pasted as torch prints it, grad_fn and all, is read; "-1,5" for one number is a
    decimal comma, told how Python writes it (not scored); for two numbers "-1,5" is a list."""
    import torch as real_torch  # the oracle: what torch prints for the gradient a student copies
    t = real_torch.tensor(-1.0, requires_grad=True) * 1.0
    assert "grad_fn=<MulBackward0>" in str(t)
    stepper, env = stepper_of(example_b, predict=True)
    stepper.step = stepper.n_steps - 1  # (stops at the first question)
    assert [label for label, _ in stepper.targets()] == ["dy/da", "dy/db"]
    fb = stepper.submit_prediction(["-1,5", "5"])
    assert fb["error"] == "dy/da: write the decimal with a point, as Python does: -1.5", fb
    assert stepper.tally == {"right": 0, "wrong": 0} and stepper.answered == []
    fb = stepper.submit_prediction([str(t), "tensor(5., dtype=torch.float64, requires_grad=True)"])
    assert fb["status"] == "right", fb
    assert parse_guess("-1,5", 2).tolist() == [-1.0, 5.0]
    assert parse_guess("tensor([1., 2.], grad_fn=<AddBackward0>)").tolist() == [1.0, 2.0]




def test_W17_2_the_listing_reads_as_the_program_was_written():
    """W17_2: the program listing wrote a leaf as its repr, "x = tensor(1.5, requires_grad=True)",
    above "(g,) = torch.autograd.grad(...)": copied, that line is a NameError; and each op's unnamed
    result had a line of its own ("x ** 3" above "y = x ** 3 * 2"). A leaf's line is the call that
    makes it, dtype named where torch would not infer it: run by torch (the oracle) the leaf lines make
    the same tensors (values, dtype, requires_grad); an unnamed result is read in the line using it."""
    import torch as real_torch

    def program(T):
        x = T.tensor(1.5, requires_grad=True)
        w = T.tensor([1., -2.], dtype=T.float64, requires_grad=True)
        k = T.tensor([2, 3])
        h = T.tensor([0.5, 1.0], dtype=T.float16)
        y = x ** 3 * 2
        (g,) = T.autograd.grad(y, x, create_graph=True)
        g.backward()
        (w * k).sum().backward()
        return dict(x=x, w=w, k=k, h=h, y=y, g=g)
    stepper, env = stepper_of(program)
    assert stepper.model.program == (
        "x = torch.tensor(1.5, requires_grad=True)",
        "w = torch.tensor([1., -2.], dtype=torch.float64, requires_grad=True)",
        "k = torch.tensor([2, 3])", "h = torch.tensor([0.5, 1.], dtype=torch.float16)",
        "y = x ** 3 * 2", "(g,) = torch.autograd.grad(y, x, create_graph=True)", "g.backward()",
        "sum(w * k).backward()"), stepper.model.program
    made = {}
    exec("\n".join(stepper.model.program[:4]), {"torch": real_torch}, made)
    theirs = program(real_torch)
    assert sorted(made) == ["h", "k", "w", "x"]
    for name, listed in made.items():
        t = theirs[name]
        assert (listed.dtype, listed.requires_grad, listed.tolist()) == (t.dtype, t.requires_grad, t.tolist()), name


@pytest.mark.parametrize("typed, value", [
    ("3*1.5**2", 6.75), ("3 * 1.5 ** 2", 6.75), ("(2 - 3) * 1.5", -1.5), ("-2**2", -4.0),
    ("2·1 + 3·1", 5.0), ("1/2 + 1/4", 0.75), ("2**-1", 0.5), ("−(1 + 0.5)", -1.5)])
def test_W17_3_predict_reads_arithmetic_on_numbers(typed, value):
    """W17_3: an answer worked out as arithmetic ("3*1.5**2" for d(x**3)/dx at 1.5, "2·1 + 3·1" as
    the chain-rule panel writes a sum of shares) is read as its value, as Python computes it (main:
    "could not read '3*1.5**2'")."""
    assert parse_guess(typed, 1).tolist() == [value]


def test_W17_3_predict_arithmetic_checks_and_names_what_it_cannot_read(tmp_path):
    """Arithmetic is checked like a number (right, wrong); anything else is not evaluated, and the
    message names the part it could not read; a huge power, a division by zero, a complex power
    are told as such, at once; a decimal comma inside arithmetic is told as one."""
    stepper, env = stepper_of(example_b, predict=True)
    stepper.step = stepper.n_steps - 1                    # dy/da = b = -1, dy/db = a = 5
    fb = stepper.submit_prediction(["3*x", "5"])
    assert fb["error"] == ("dy/da: could not read 'x' in '3*x': an answer is numbers, with + - * / ** "
                           "and parentheses if you like"), fb
    marker = tmp_path / "evaluated"
    for typed, said in [(f"__import__('pathlib').Path({str(marker)!r}).touch()", "could not read "),
                        ("9**9**9**9", "'9**9**9**9' is too large a number"),
                        ("1/(2-2)", "'1/(2-2)' divides by zero"),
                        ("(-8)**(1/3)", "'(-8)**(1/3)' is not a real number"),
                        ("-1,0*1", "write the decimal with a point, as Python does: -1.0*1")]:
        assert stepper.submit_prediction([typed, "5"])["error"].startswith(f"dy/da: {said}"), typed
    assert not marker.exists()
    assert stepper.tally == {"right": 0, "wrong": 0} and stepper.answered == []
    fb = stepper.submit_prediction(["2 - 3", "2*3"])
    assert fb["status"] == "wrong" and [f["right"] for f in fb["fields"]] == [True, False]
    assert stepper.submit_prediction(["2 - 3", "(2 + 3) * 1"])["status"] == "right"

def test_predict_right_wrong_retry_unreadable_empty_and_reveal():
    stepper, env = stepper_of(example_b, predict=True)
    asked = stepper.ask_steps
    assert asked == [k for k, _ in questions(stepper.model)] and stepper._gate == asked[0]
    first = asked[0]
    # the gate: predict mode cannot step past the open question
    stepper.step = stepper.n_steps - 1
    assert stepper.step == first
    assert [label for label, _ in stepper.targets()] == ["dy/da", "dy/db"]
    # unreadable and empty input: a message naming the field, nothing scored or cleared
    fb = stepper.submit_prediction(["five", "5"])
    assert fb["error"].startswith("dy/da: could not read 'five'") and fb["fields"][0]["guess"] == "five"
    assert stepper.submit_prediction(["", "5"])["error"].startswith("dy/da: type a number")
    assert stepper.tally == {"right": 0, "wrong": 0} and stepper.answered == []
    # wrong: no answer shown for the wrong field; the right one is marked right
    fb = stepper.submit_prediction(["-1", "3"])
    assert fb["status"] == "wrong" and [f["right"] for f in fb["fields"]] == [True, False]
    assert "expected" not in fb["fields"][1] and fb["fields"][0]["expected"] == "-1"
    assert "5" not in str(fb) and "try again" in fb["message"]
    assert stepper.tally == {"right": 1, "wrong": 1} and stepper._gate == first
    # retry: right now; the tally counted the first try only
    fb = stepper.submit_prediction(["-1", "5"])
    assert fb["status"] == "right" and stepper.answered == [first]
    assert stepper.tally == {"right": 1, "wrong": 1}
    assert stepper._gate == asked[1]
    assert stepper.submit_prediction(["-1", "5"], first)["error"] == "already answered"
    # the browser's messages: "check" with what was typed (Enter or the button), "reveal"
    stepper.step = asked[1]
    stepper._on_message(stepper, {"kind": "check", "step": asked[1], "values": ["4", "-4"]}, [])
    assert stepper.results[str(asked[1])]["status"] == "wrong"
    stepper._on_message(stepper, {"kind": "reveal", "step": asked[1]}, [])
    fb = stepper.results[str(asked[1])]
    assert fb["status"] == "revealed" and [f["expected"] for f in fb["fields"]] == ["5", "-5"]
    assert stepper.answered == asked[:2] and stepper._gate == asked[2]
    # a reveal without any try counts every field as not right
    stepper.step = asked[2]
    stepper.reveal()
    assert stepper.tally == {"right": 1, "wrong": 5}
    # predict off: no gate
    stepper.predict = False
    assert stepper._gate == -1
    stepper.step = stepper.n_steps - 1
    assert stepper.step == stepper.n_steps - 1
    assert stepper.submit_prediction("1", 1)["error"] == "nothing to predict at this step"


def test_predict_within_tolerance_and_typographic_minus():
    stepper, env = stepper_of(example_b, predict=True)
    # leaves accumulate in PyTorch's order: m.grad = 4, then n.grad = -6 (the last question)
    m_grad, n_grad = stepper.ask_steps[-2:]
    assert [label for label, _ in stepper.targets(m_grad)] == ["m.grad"]
    for k in stepper.ask_steps[:-2]:
        stepper.reveal(k)
    assert stepper.submit_prediction("4.003", m_grad)["status"] == "right"
    stepper.reveal(n_grad)
    assert stepper.results[str(n_grad)]["fields"][0]["expected"] == "-6"
    stepper2, _ = stepper_of(example_b, predict=True)
    for k in stepper2.ask_steps[:-1]:
        stepper2.reveal(k)
    assert stepper2.submit_prediction("\u22126", n_grad)["status"] == "right"


def test_predict_at_chosen_steps():
    stepper, env = stepper_of(example_a, predict=True)
    backward = [k for k, st in enumerate(stepper.model.states) if st.phase in ("backward", "accumulate")]
    assert stepper.ask_steps == backward
    leaves, _ = stepper_of(example_a, predict=True, ask="leaves")
    assert [leaves.model.states[k].phase for k in leaves.ask_steps] == ["accumulate", "accumulate"]
    assert stepper_of(example_a, ask=[-1])[0].ask_steps == [stepper.n_steps - 1]
    with pytest.raises(ValueError, match="nothing to predict at step"):
        stepper_of(example_a, ask=[1])


def test_an_open_question_hides_its_results_in_inspector_and_picture():
    stepper, env = stepper_of(example_b, predict=True)
    for k in stepper.ask_steps[:-1]:
        stepper.reveal(k)
    k = stepper.step = stepper._gate          # n.grad: AccumulateGrad adds dy/dn = -6
    assert stepper.state.question.fields[0].label == "n.grad" and stepper.step == k
    stepper.selected = node_of(stepper, "n")
    html = stepper.inspector_html
    assert "-6" not in html and "predict its results first" in html
    assert "grad -6" not in stepper.static_svg()
    # the open question's caption and prompt are what the browser shows
    frame = stepper._frames[k]
    assert "-6" not in frame["ask"]["caption"] and "-6" in frame["caption"]
    stepper.reveal()
    stepper.step = k
    assert "-6" in stepper.inspector_html


def double_backward(T):
    """Lecture 10's stepper program: g = dy/dx with a graph, then g.backward()."""
    x = T.tensor(1.5, requires_grad=True)
    y = x ** 3
    (g,) = T.autograd.grad(y, x, create_graph=True)
    g.backward()
    return dict(x=x, y=y, g=g)


def test_a_node_drawn_by_an_open_questions_step_is_not_called_not_created():
    """W4-6: predict mode at a step that builds a node (the backward pass with create_graph draws
    x ** 2): the node is on the graph, so the inspector says it is made in this step, not that it
    does not exist yet; a node not drawn yet is still "not created yet"."""
    rec, env = recorded(double_backward)
    m = GraphStepper(rec, names=env).model
    made_now = []
    for k, q in questions(m):
        before, now = set(m.states[k - 1].visible), set(m.states[k].visible)
        for nid in m.nodes:
            text = re.sub(r"<[^>]+>", " ", inspector_html(m, nid, k, question_open=True).split("</style>")[1])
            if nid in now - before:
                made_now.append(nid)
                assert "created in this step: its values show once you have answered" in text, (k, nid, text)
                assert "not created yet" not in text, (k, nid, text)
            elif nid not in now:
                assert "not created yet" in text, (k, nid, text)
    assert made_now, "no open question's step draws a node: the test tests nothing"


def test_inspector_of_every_node_at_every_open_question_holds_no_new_answer():
    stepper, env = stepper_of(example_b)
    m = stepper.model
    for k, q in questions(m):
        before = shown_numbers(t for row in m.states[k - 1].rows.values() for t in row)
        for nid in m.nodes:
            html = inspector_html(m, nid, k, question_open=True)
            for f in q.fields:
                answer = format_array(f.expected)
                text = re.sub(r"<[^>]+>", " ", html.split("</style>")[1])
                assert answer in before or answer not in shown_numbers([text]), (k, nid, answer)


def test_regression_lab_use_function_view_at_the_last_step():
    rec, env = recorded(example_a)
    stepper = GraphStepper(rec, view="function", names=env)
    stepper.step = stepper.n_steps - 1
    assert stepper.step == stepper.n_steps - 1 and stepper.state.phase == "accumulate"
    w = next(nid for nid, n in stepper.model.nodes.items() if n.label == "w")
    assert stepper.texts()[w][1] == "grad 5"
    np.testing.assert_allclose(stepper.rules.total(env["w"]), 5.0)


def test_the_colour_key_is_in_the_inspector_not_under_the_scrolling_drawing():
    """The drawing scrolls in its box at a projector's size, and the colour key drawn under it was cut
    off with it (walk 8's W8_7, half swatches at the box's foot): the stepper's drawing has no key, and
    the inspector shows to_dot's key, entry for entry, until a node is clicked."""
    from widgets.render import to_dot
    with torch.record() as rec:
        x = torch.tensor(1.5, requires_grad=True)
        g, = torch.autograd.grad(x ** 3, x, create_graph=True)
        g.backward()
    stepper = GraphStepper(rec)
    keys = re.findall(r'<TD BGCOLOR="(#[0-9a-f]{6})"><FONT COLOR="#[0-9a-f]{6}" POINT-SIZE="9">([^<]+)</FONT>',
                      to_dot(stepper.model, labels="structure", collapse=False))
    assert ("#f5b7c9", "made by the backward pass") in keys          # (the key has the backward's pink)
    texts = re.findall(r'<text[^>]*>([^<]*)</text>', stepper._svg)
    assert not {text for _, text in keys} & set(texts), "a colour key is drawn under the stepper's graph"
    empty = re.findall(r'<span role="listitem" style="background:(#[0-9a-f]{6});color:#[0-9a-f]{6}">([^<]+)</span>',
                       stepper.inspector_html)
    assert empty == keys
    stepper.selected = stepper.model.roots[0]
    assert 'role="list" aria-label="node colours"' not in stepper.inspector_html


def test_W18_4_a_stepper_sends_what_to_say_once_its_kernel_has_restarted():
    """After a kernel restart a node's click and a check got no answer and the page said nothing: the
    page knows (the widget's comm is dead), the words are Python's, sent with the widget."""
    stepper, _ = stepper_of(example_a)
    state = stepper.get_state()
    assert state["_kernel_gone"] == stepper._kernel_gone
    assert "restarted" in state["_kernel_gone"] and "run the cell again" in state["_kernel_gone"]


def test_W18_6_an_earlier_version_says_where_its_grad_is():
    """nn.Linear made inside the stepped function: its init writes the weight in place, so the graph
    holds lin.weight (before) and lin.weight v1 (after). At the last step the inspector said of
    lin.weight "grad None (backward has not reached it yet)", where torch's lin.weight.grad is set;
    it names the version that holds it (and says nothing of the kind before that version exists)."""
    def make_and_train():
        torch.manual_seed(0)
        lin = torch.nn.Linear(2, 1)
        (lin(torch.tensor([[1.0, 2.0]])) ** 2).sum().backward()

    stepper = GraphStepper(make_and_train)
    nid = {meta["title"]: nid for nid, meta in stepper._nodes.items()}
    last = stepper.n_steps - 1
    before = stepper.inspector_at(nid["lin.weight (tensor)"], last)
    assert "its .grad shows on lin.weight v1, this tensor after an in-place op" in before
    assert "not reached" not in before
    after = stepper.inspector_at(nid["lin.weight v1 (tensor)"], last)
    assert "[[0.3427, 0.6855]]" in after                           # torch: lin.weight.grad
    # before the write (and the backward): nothing to point at
    assert "in-place" not in stepper.inspector_at(nid["lin.weight (tensor)"], 0)


def test_W18_7_a_saved_value_says_who_saved_it_and_how_torch_reads_it():
    """A saved node (show_saved=True) read "self · saved · kind saved · shape () · data 1.5": not
    whose it is, nor that pow's exponent is a number (torch: y.grad_fn._saved_exponent is the int 3)."""
    def cube():
        x = torch.tensor(1.5, requires_grad=True)
        y = x ** 3
        y.backward(retain_graph=True)     # (a freed graph's saved values are not drawn: left, W18 report)

    stepper = GraphStepper(cube, show_saved=True)
    nid = {meta["title"]: nid for nid, meta in stepper._nodes.items()}
    said = {name: shown(stepper.inspector_at(nid[f"{name} (saved for backward)"], stepper.n_steps - 1))
            for name in ("self", "exponent")}
    assert "saved for backward by PowBackward0 (y)" in said["self"]
    assert "read as y.grad_fn._saved_self" in said["self"] and "data 1.5 shape () dtype float32" in said["self"]
    assert "read as y.grad_fn._saved_exponent" in said["exponent"]
    assert "data 3 type a Python int, not a tensor" in said["exponent"]


def test_W18_8_an_op_without_grad_fn_says_what_it_made_and_why_it_has_no_grad_fn():
    """The update under no_grad (and nn.Linear's init) are drawn as ops that record no grad_fn; a click
    on one read "sub · op · kind op". It names what it made and why backward does not pass through it."""
    def step():
        w = torch.tensor(2.0, requires_grad=True)
        ((w * 3 - 1) ** 2).backward()
        with torch.no_grad():
            w -= 0.1 * w.grad

    stepper = GraphStepper(step)
    nid = next(n for n, meta in stepper._nodes.items() if meta["title"] == "sub → w v1 (op)")
    said = shown(stepper.inspector_at(nid, stepper.n_steps - 1))
    assert said.startswith(" sub → w v1 op that records no grad_fn: its inputs need no grad, or it ran under "
                           "torch.no_grad()"), said
    assert "grad_fn None: backward does not pass through it" in said


def shown(inspector_html):
    """The inspector's text as one line of words (no style, no tags)."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", inspector_html, flags=re.S))
    return re.sub(r"\s+", " ", text)



def test_W18_9_a_non_leafs_essentials_come_before_why_its_grad_is_none():
    """In a stepper's inspector (229 px tall at 1280x720 in lecture mode) a non-leaf's grad row held four
    lines of why, and grad_fn and is_leaf were below the fold. The grad row says it in a word; the why,
    whole, follows is_leaf (a NodeInspector of its own, with room, keeps it in the grad row)."""
    stepper, _ = stepper_of(example_a)
    nid = next(n for n, meta in stepper._nodes.items() if meta["title"] == "a (tensor)")
    said = shown(stepper.inspector_at(nid, stepper.n_steps - 1))
    assert "grad None (non-leaf: see below) grad_fn AddBackward0 is_leaf False" in said, said
    flow = "gradient passed to it in this backward pass"
    assert said.index("is_leaf") < said.index(WHY_NON_LEAF) < said.index(flow)
    a = torch.tensor(1.0, requires_grad=True) + 1
    assert f"None ({WHY_NON_LEAF})" in shown(NodeInspector(a, name="a").value)
