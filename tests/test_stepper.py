"""GraphStepper, NodeInspector and the chain-rule text, on the Python side (no browser).

What every step shows is checked against the engine's real gradients (and PyTorch's, as the
oracle): after the last step the grads shown equal the leaves' .grad for the syllabus examples and
for random small programs."""
import random
import re

import numpy as np
import pytest
import torch as real_torch
import traitlets

import autograd_core as torch
from torch_oracle import assert_close
from widgets.chain_rule import ChainRule, is_close, parse_guess
from widgets.graph_model import format_array
from widgets.inspector import WHY_NO_BACKWARD, WHY_NO_GRAD, WHY_NON_LEAF, NodeInspector
from widgets.stepper import GraphStepper, build_steps

EVIL = "<img src=x onerror=alert(1)>"


# --- the syllabus examples, in either engine --------------------------------------------------
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


def example_b(T):
    m = T.tensor(2., requires_grad=True)
    n = T.tensor(3., requires_grad=True)
    a = m + n
    b = m - n
    y = a * b
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


EXAMPLES = {"A": example_a, "B": example_b, "C": example_c, "E": example_e}


def recorded(make, **kw):
    with torch.record() as rec:
        env = make(torch, **kw)
    return rec, env


def node_of(stepper, name):
    ids = [nid for nid, n in stepper.model.nodes.items() if n.name == name]
    assert len(ids) == 1, (name, ids)
    return ids[0]


def shown_grad(stepper, nid, step=-1):
    """The grad row of node nid as the front end fills it at `step`, without the "grad " prefix."""
    k = step % stepper.n_steps
    text = stepper.texts(k)[nid][1]
    assert text.startswith("grad ")
    return text[5:]


def replay(steps):
    """Materialise the per-step diffs the way stepper.js does: [(visible, edges, done, texts)]."""
    out, vis, edges, done, texts = [], set(), set(), set(), {}
    for s in steps:
        vis = (vis | set(s["show"])) - set(s["hide"])
        edges = (edges | set(s["show_edges"])) - set(s["hide_edges"])
        done = (done | set(s["done_add"])) - set(s["done_remove"])
        texts = {**texts, **s["texts"]}
        out.append((vis, edges, done, texts))
    return out


# --- what the steps show ------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(EXAMPLES))
@pytest.mark.parametrize("view", ["tensor", "function"])
def test_last_step_shows_the_leaves_grads(key, view):
    rec, env = recorded(EXAMPLES[key])
    oracle = EXAMPLES[key](real_torch)
    stepper = GraphStepper(rec, view=view, names=env)
    assert stepper.n_steps == len(rec.events) + 1
    leaves = [k for k, t in env.items() if t.is_leaf]
    for name in leaves:
        nid = node_of(stepper, name)
        expected = oracle[name].grad.numpy()
        assert_close(env[name].grad.numpy(), expected)
        assert shown_grad(stepper, nid) == format_array(expected)
        last_forward = next(k for k, st in enumerate(stepper.model.states) if st.phase == "backward") - 1
        assert shown_grad(stepper, nid, step=last_forward) == "None"  # before the backward pass


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_diffs_rebuild_every_state(key):
    rec, env = recorded(EXAMPLES[key])
    stepper = GraphStepper(rec, names=env)
    states = replay(stepper._steps)
    for k, (vis, edges, done, texts) in enumerate(states):
        st = stepper.model.states[k]
        assert vis == set(st.visible) and edges == set(st.visible_edges) and done == set(st.done)
        assert {n: t for n, t in texts.items() if n in stepper.texts(k)} == stepper.texts(k)


def test_example_a_chain_rule_text():
    rec, env = recorded(example_a)
    stepper = GraphStepper(rec, names=env)
    w, x = node_of(stepper, "w"), node_of(stepper, "x")
    # the accumulate steps write out the whole derivation of each leaf's gradient
    acc_w = [k for k, st in enumerate(stepper.model.states)
             if st.phase == "accumulate" and w in st.active][0]
    text = "\n".join(stepper.step_lines(acc_w))
    assert "dy/dw = dy/da · da/dw + dy/db · db/dw = 2·1 + 3·1 = 5" in text
    assert "w.grad += dy/dw = 5" in text
    assert ChainRule(rec, stepper.rules.names).derivation(env["x"]) == "dy/dx = dy/da · da/dx = 2·1 = 2"
    assert x in stepper.model.states[-1].done
    forward_y = next(k for k, st in enumerate(stepper.model.states) if st.caption.startswith("forward: y"))
    assert stepper.step_lines(forward_y) == [
        "y = mul(a, b) = 6", "records MulBackward0 for the backward pass; it saves a, b"]
    # the first backward step: MulBackward0 receives 1 and passes b = 2 to a and a = 3 to b
    first = next(k for k, st in enumerate(stepper.model.states) if st.phase == "backward")
    lines = stepper.step_lines(first)
    assert lines[0] == "MulBackward0 receives dy/dy = 1"
    assert "dy/da ← dy/dy · dy/da = 1·2 = 2" in lines and "dy/db ← dy/dy · dy/db = 1·3 = 3" in lines


def test_example_c_and_b_totals():
    rec, env = recorded(example_c)
    rules = GraphStepper(rec, names=env).rules
    assert rules.derivation(env["c"]).endswith("= dz/dy · dy/dc = 1·4 = 4")
    rec, env = recorded(example_b)
    rules = GraphStepper(rec, names=env).rules
    assert rules.derivation(env["n"]) == "dy/dn = dy/da · da/dn + dy/db · db/dn = -1·1 + 5·-1 = -6"


def test_tensor_steps_use_shapes_and_vjp_wording():
    rec, env = recorded(example_e)
    stepper = GraphStepper(rec, names=env)
    text = "\n".join(line for k in range(stepper.n_steps) for line in stepper.step_lines(k))
    assert "vjp(" in text and "(2,)" in text and "vector-Jacobian" in text
    a = node_of(stepper, "a")
    assert shown_grad(stepper, a) == "[36, 81]"


def test_non_leaf_grads_flow_then_freed_unless_retained():
    rec, env = recorded(example_a)
    stepper = GraphStepper(rec, names=env)
    a = node_of(stepper, "a")
    first = next(k for k, st in enumerate(stepper.model.states) if st.phase == "backward")
    assert stepper.texts(first)[a][1:] == ["grad 2", "cg-flow"]   # flowing through, not stored
    assert stepper.texts(-1)[a][1:] == ["grad None", "cg-freed"]  # freed at the end
    with pytest.warns(UserWarning, match="not a leaf"):
        assert env["a"].grad is None
    rec, env = recorded(example_a, retain=True)
    stepper = GraphStepper(rec, names=env)
    a = node_of(stepper, "a")
    oracle = example_a(real_torch, retain=True)
    assert shown_grad(stepper, a) == format_array(oracle["a"].grad.numpy()) == "2"


OPS = [
    ("add", lambda u, v: u + v), ("sub", lambda u, v: u - v), ("mul", lambda u, v: u * v),
    ("sin", lambda u, v: u.sin()), ("exp*.1", lambda u, v: (u * 0.1).exp()), ("sq", lambda u, v: u * u),
    ("tanh", lambda u, v: u.tanh()), ("div", lambda u, v: u / (v * v + 1)),
]


def random_program(T, seed, shape):
    """Reproducible random program on 2-3 leaves; the same seed gives the same program in T."""
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    n_leaves = rnd.randint(2, 3)
    env = {f"p{i}": T.tensor(rng.normal(size=shape).astype(np.float32), requires_grad=True)
           for i in range(n_leaves)}
    pool = list(env.values())
    for i in range(rnd.randint(2, 7)):
        name, f = OPS[rnd.randrange(len(OPS))]
        u, v = rnd.choice(pool), rnd.choice(pool)
        out = f(u, v)
        env[f"h{i}"] = out
        pool.append(out)
    loss = sum(pool[n_leaves:], pool[-1] * 0).sum()
    env["loss"] = loss
    loss.backward()
    return env


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_match_the_engine_and_torch(seed):
    shape = () if seed % 2 else (3,)
    with torch.record() as rec:
        env = random_program(torch, seed, shape)
    oracle = random_program(real_torch, seed, shape)
    stepper = GraphStepper(rec, names=env)
    for name, t in env.items():
        if not t.is_leaf or t.grad is None:
            continue
        assert_close(t.grad, oracle[name].grad)
        assert shown_grad(stepper, node_of(stepper, name)) == format_array(t.grad.numpy())
        np.testing.assert_allclose(stepper.rules.total(t), t.grad.numpy(), rtol=1e-5, atol=1e-6)
    # every non-leaf reads None after the pass (nothing retained)
    for name, t in env.items():
        if not t.is_leaf:
            assert shown_grad(stepper, node_of(stepper, name)) == "None"


# --- traits and API --------------------------------------------------------------------------------
def test_traits_and_validation():
    rec, env = recorded(example_a)
    stepper = GraphStepper(rec, names=env)
    assert stepper.step == 0 and stepper.selected == "" and stepper.predict is False
    stepper.step = stepper.n_steps - 1
    assert stepper.state.phase == "accumulate"
    with pytest.raises(traitlets.TraitError):
        stepper.step = stepper.n_steps
    with pytest.raises(traitlets.TraitError):
        stepper.selected = "t999"
    with pytest.raises(TypeError, match="Recording or a function"):
        GraphStepper(42)
    with torch.record() as empty:
        pass
    with pytest.raises(ValueError, match="empty"):
        GraphStepper(empty)
    # Play is linked to `step` in the browser (jslink), the speed slider to Play's interval
    (l1, l2) = stepper._links
    assert l1.source == (stepper.play, "value") and l1.target == (stepper, "step")
    assert stepper.play.max == stepper.n_steps - 1
    assert type(l1).__name__ == "Link" and l2.target == (stepper.play, "interval")


def test_function_source_is_recorded_with_its_local_names():
    def program():
        m = torch.tensor(2., requires_grad=True)
        n = torch.tensor(3., requires_grad=True)
        y = (m + n) * (m - n)
        y.backward()
    stepper = GraphStepper(program, view="function")
    labels = {n.label for n in stepper.model.nodes.values()}
    assert {"m", "n", "y"} <= labels
    assert "dy/dm" in "\n".join(stepper.step_lines(-1) + stepper.step_lines(-2))


def test_static_bundle_has_the_current_step_as_svg():
    rec, env = recorded(example_a)
    stepper = GraphStepper(rec, names=env)
    stepper.step = stepper.n_steps - 1
    bundle = stepper._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "grad 5" in svg and "grad 2" in svg
    stepper.step = 0
    assert "grad 5" not in stepper._repr_mimebundle_()["image/svg+xml"]


# --- inspector ---------------------------------------------------------------------------------
def test_selecting_a_node_updates_the_inspector():
    rec, env = recorded(example_a)
    stepper = GraphStepper(rec, names=env)
    assert "Click a node" in stepper.inspector.value
    stepper.step = stepper.n_steps - 1
    stepper.selected = node_of(stepper, "a")          # what a click in the browser sends
    html = stepper.inspector.value
    assert "non-leaf tensor" in html and WHY_NON_LEAF in html and "AddBackward0" in html
    stepper.selected = node_of(stepper, "w")
    html = stepper.inspector.value
    assert "<code>5</code>" in html and "leaf tensor" in html
    stepper.step = 3                                   # before the backward pass: no grad yet
    assert "<code>None</code>" in stepper.inspector.value
    op = next(nid for nid, n in stepper.model.nodes.items() if n.kind == "op" and n.label == "mul")
    stepper.step = stepper.n_steps - 1
    stepper.selected = op
    html = stepper.inspector.value
    assert "MulBackward0" in html and "AddBackward0 (a)" in html
    assert "dy/dy = 1" in html and "dy/da = 2" in html and "dy/db = 3" in html


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
    assert "<img" not in stepper.inspector.value
    assert "<img" not in stepper._repr_mimebundle_()["image/svg+xml"]


# --- predict mode --------------------------------------------------------------------------------
def test_predict_mode_tally():
    rec, env = recorded(example_a)
    stepper = GraphStepper(rec, names=env, predict=True)
    first = next(k for k, st in enumerate(stepper.model.states) if st.phase == "backward")
    assert [label for label, _ in stepper.targets(first)] == ["dy/da", "dy/db"]
    assert stepper._steps[first]["targets"] == ["dy/da", "dy/db"]
    assert "2" not in "".join(stepper._steps[first]["prompt"]).replace("dy/d", "")
    fb = stepper.submit_prediction(["2", "4"], first)       # dy/db is a = 3
    assert [r["right"] for r in fb["results"]] == [True, False]
    assert fb["results"][1]["expected"] == "3" and any("1·3 = 3" in x for x in fb["lines"])
    assert stepper.tally == {"right": 1, "wrong": 1} and stepper.answered == [first]
    # a step is scored once; unreadable text is not scored
    stepper.submit_prediction(["2", "3"], first)
    assert stepper.tally == {"right": 1, "wrong": 1}
    w = node_of(stepper, "w")
    acc_w = next(k for k, st in enumerate(stepper.model.states)
                 if st.phase == "accumulate" and w in st.active)
    assert stepper.submit_prediction("five", acc_w)["error"]
    assert stepper.tally == {"right": 1, "wrong": 1} and acc_w not in stepper.answered
    # within 1e-3 relative of w.grad = 5 is right; the browser sends the guess through `_guess`
    stepper._guess = {"step": acc_w, "values": ["5.004"], "nonce": 1}
    assert stepper.tally == {"right": 2, "wrong": 1} and stepper.feedback["results"][0]["right"]
    nothing = stepper.submit_prediction("1", 1)
    assert nothing["error"] == "nothing to predict at this step"


def test_predict_at_chosen_steps():
    rec, env = recorded(example_a)
    every = GraphStepper(rec, names=env, predict=True)
    backward = [k for k, st in enumerate(every.model.states) if st.phase in ("backward", "accumulate")]
    assert every.ask_steps == backward
    leaves = GraphStepper(rec, names=env, predict=True, ask="leaves")
    assert [leaves.model.states[k].phase for k in leaves.ask_steps] == ["accumulate", "accumulate"]
    assert GraphStepper(rec, names=env, ask=[-1]).ask_steps == [every.n_steps - 1]
    with pytest.raises(ValueError, match="nothing to predict at step"):
        GraphStepper(rec, names=env, ask=[1])


def test_guess_parsing_and_tolerance():
    assert parse_guess(" [1, 2.5] ").tolist() == [1, 2.5]
    assert parse_guess("-6").tolist() == [-6]
    with pytest.raises(ValueError):
        parse_guess("")
    assert is_close(parse_guess("5.004"), 5.0) and not is_close(parse_guess("5.01"), 5.0)
    assert is_close(parse_guess("36 81"), np.array([36., 81.]))
    assert not is_close(parse_guess("36 81 1"), np.array([36., 81.]))


def test_steps_go_to_the_browser_as_diffs():
    """Only what changed is sent per step: far less than every step's full state."""
    import json

    def program():
        x = torch.tensor(0.5, requires_grad=True)
        h = x
        for _ in range(15):
            h = h * 0.9 + x
        h.backward()
    stepper = GraphStepper(program)
    full = json.dumps([st.to_dict() for st in stepper.model.states])
    diffs = json.dumps([{k: v for k, v in s.items() if k not in ("lines", "prompt", "targets")}
                        for s in stepper._steps])
    assert len(diffs) * 3 < len(full)
    assert build_steps(stepper.model, stepper.rules) == stepper._steps
