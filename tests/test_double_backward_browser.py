"""A double backward stepped in a real JupyterLab (headless Chromium): what a student sees.

`x ** 3`, `torch.autograd.grad(y, x, create_graph=True)`, `g.backward()`: the first backward's
steps build the gradient's graph op by op (pink, dashed: made by the backward pass), the second
backward steps through it. Asserted on screen, in the light and dark themes, at 1280x720 in
lecture mode and at 1440x900: captions, the phase, which nodes are shown / highlighted / made by
the backward pass (and painted so), the value rows, the legend; predict mode asks before the
gradient's values are drawn. Screenshots: tests/artifacts/double_backward_*.png.

Run: .venv/bin/python -m pytest tests/test_double_backward_browser.py -q
"""
import json
import shutil

import pytest

from lab_browser import (ARTIFACTS, assert_no_widget_errors, control, controls_that_dont_fit,
                         dismiss_notifications, kernel_exec, lecture_mode, new_page,
                         open_and_run_all, save_screenshot, set_theme, set_viewport)
from widgets.render import PALETTE

pytestmark = pytest.mark.browser

SOURCE = "tests/notebooks_for_tests/double_backward_demo.ipynb"
NOTEBOOK = "tests/artifacts/double_backward_demo_run.ipynb"  # a copy: JupyterLab autosaves it
CUBED, QUIZ = 0, 1
PINK = "rgb({}, {}, {})".format(*(int(PALETTE["made-by-backward"][0][i:i + 2], 16) for i in (1, 3, 5)))
OP_GREY = "rgb({}, {}, {})".format(*(int(PALETTE["op"][0][i:i + 2], 16) for i in (1, 3, 5)))


@pytest.fixture(scope="module")
def page(browser, lab):
    page = new_page(browser, 1440, 900)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.root / SOURCE, lab.root / NOTEBOOK)
    open_and_run_all(page, lab, NOTEBOOK)
    page.locator(".cgraph-stepper").nth(QUIZ).locator("svg g.node").first.wait_for(
        state="attached", timeout=90_000)
    dismiss_notifications(page)
    yield page
    set_theme(page, "light")  # (the server keeps the theme for later pages)
    page.context.close()


def ids(page, widget):
    """{label: node id} of a stepper's model, asked of the kernel."""
    return json.loads(kernel_exec(page, "import json; print(json.dumps({n.label: n.id for n in "
                                        f"{widget}.model.nodes.values()}}))"))


def stepper(page, k):
    return page.locator(".cgraph-stepper").nth(k)


def go(page, st, k):
    """Step to k as a student does: Home, then "next step" k times."""
    st.click(position={"x": 5, "y": 5})  # (focus: the keys are the stepper's)
    page.keyboard.press("Home")
    for _ in range(k):
        control(st, "next step").click()
    page.wait_for_function("([el, k]) => el.dataset.step === String(k)",
                           arg=[st.element_handle(), k], timeout=15_000)


def nodes(st, *nids):
    """{node id: {classes, fill, texts}} as drawn: its <g>'s classes, its shape's painted fill,
    its text lines."""
    return st.evaluate("""(el, nids) => Object.fromEntries(nids.map(id => {
        const g = el.querySelector(`g.node[id="${id}"]`);
        const shape = g.querySelector('path, polygon, ellipse');
        return [id, {classes: Array.from(g.classList), fill: getComputedStyle(shape).fill,
                     texts: Array.from(g.querySelectorAll('text')).map(t => t.textContent)}];
    }))""", list(nids))


def drawn_seed_row(st, nid):
    return nodes(st, nid)[nid]["texts"][-2:]


def caption(st):
    return st.locator(".cg-caption").inner_text()


def panel(st):
    return st.locator(".cg-lines").inner_text()


CASES = [("light", "1440x900", 1), ("dark", "1440x900", 1), ("light", "1280x720", 1.5),
         ("dark", "1280x720", 1.5)]


@pytest.mark.parametrize("theme,size,scale", CASES, ids=[f"{t}-{s}" for t, s, _ in CASES])
def test_stepping_a_double_backward(page, theme, size, scale):
    set_viewport(page, size)
    set_theme(page, theme)
    lecture_mode(page, scale)
    st = stepper(page, CUBED)
    st.scroll_into_view_if_needed()
    n = ids(page, "cubed")
    square, gnode, x = n["x ** 2"], n["g"], n["x"]
    name = f"double_backward_{theme}_{size}"

    go(page, st, 3)  # the first backward's first op of the gradient's graph
    assert caption(st) == "backward of PowBackward0 builds x ** 2 = 4: a new node"
    assert st.locator(".cg-phase").inner_text() == "◀ backward"
    assert "derivative formula runs as ops" in panel(st)
    # the edges of a built op carry values forwards: not drawn as a gradient flowing back
    assert not st.evaluate("el => el.classList.contains('cg-in-backward')")
    drawn = nodes(st, square, gnode, "f1", "f3")
    assert {"made-by-backward", "cg-active"} <= set(drawn[square]["classes"])
    assert "cg-hidden" not in drawn[square]["classes"] and drawn[square]["texts"][-2:] == ["data 4", "grad None"]
    assert drawn[square]["fill"] == PINK and drawn["f3"]["fill"] == PINK   # built by backward...
    assert drawn["f1"]["fill"] == OP_GREY and "made-by-backward" not in drawn["f1"]["classes"]  # ...the program's
    assert "cg-hidden" in drawn[gnode]["classes"]        # g is not built yet

    go(page, st, 5)
    assert caption(st) == ("backward of PowBackward0 builds g = dy/dx = (dy/dy) * (x ** 2 * 3) = 12: "
                           "the gradient it passes to x")
    drawn = nodes(st, gnode)[gnode]
    assert drawn["texts"][:2] == ["g", "= dy/dx"] and "cg-active" in drawn["classes"]
    page.wait_for_timeout(300)  # (a node shown fades in)
    save_screenshot(page, f"{name}_step5", locator=st)

    go(page, st, 7)
    assert caption(st) == "second backward: MulBackward0 gets dg/dg = 1 and passes gradients to x ** 2 * 3"
    assert "dg/d(x ** 2 * 3) = dg/dg · ∂g/∂(x ** 2 * 3) = 1·1 = 1" in panel(st)

    page.keyboard.press("End")
    page.wait_for_function("(el) => el.dataset.step === '10'", arg=st.element_handle(), timeout=15_000)
    assert caption(st) == "second backward, accumulate: x.grad += 12 → 12"
    assert "g = dy/dx, so dg/dx = d²y/dx²: a second derivative" in panel(st)
    assert st.evaluate("el => el.classList.contains('cg-in-backward')")
    drawn = nodes(st, x)[x]
    assert drawn["texts"][-1] == "grad 12" and "cg-active" in drawn["classes"]
    # the colour key (in the inspector until a node is clicked) names the backward pass's nodes' pink
    key = st.get_by_role("list", name="node colours").get_by_role("listitem").all_inner_texts()
    assert "made by the backward pass" in key, key
    assert not controls_that_dont_fit(page, ".cgraph-stepper")
    page.wait_for_timeout(300)
    save_screenshot(page, f"{name}_last", locator=st)
    assert_no_widget_errors(page)
    lecture_mode(page, 1)


def built_in_torchs_order():
    """("dy/da", "dy/db") in the order torch 2.13 (the oracle) makes their nodes in the quiz's
    y = a * b under create_graph (a node's sequence number counts up as nodes are made)."""
    import torch
    w, x = torch.tensor(1., requires_grad=True), torch.tensor(2., requires_grad=True)
    a, b = w + x, w + 1
    dy_da, dy_db = torch.autograd.grad(a * b, (a, b), create_graph=True)
    made = {"dy/da": dy_da.grad_fn._sequence_nr(), "dy/db": dy_db.grad_fn._sequence_nr()}
    return tuple(sorted(made, key=made.get))


def test_predict_mode_asks_before_the_gradient_is_drawn(page):
    set_viewport(page, "1440x900")
    set_theme(page, "dark")
    st = stepper(page, QUIZ)
    st.scroll_into_view_if_needed()
    n = ids(page, "quiz")
    # MulBackward0 builds its two gradients in torch's order (derivatives.yaml's: other's, then self's)
    first, second = built_in_torchs_order()
    st.click(position={"x": 5, "y": 5})
    page.keyboard.press("End")  # stops at the open question: MulBackward0 starts building
    page.wait_for_function("(el) => el.dataset.step === '6'", arg=st.element_handle(), timeout=15_000)
    assert caption(st) == ("backward of MulBackward0: it gets dy/dy = 1 and builds the gradients it "
                           "passes on")
    assert st.locator(".cg-panel-title").inner_text().lower() == "predict"
    assert control(st, "next step").is_disabled()
    labels = st.locator(".cg-field-symbol").all_inner_texts()
    assert labels == ["dy/da =", "dy/db ="]
    drawn = nodes(st, n[first], n[second])
    assert drawn[n[first]]["texts"][-2:] == ["data", "grad"]        # built, its value withheld
    assert "cg-hidden" not in drawn[n[first]]["classes"] and "cg-hidden" in drawn[n[second]]["classes"]
    said = panel(st) + " " + caption(st) + " " + st.locator(".cg-inspector").inner_text()
    assert "= 2" not in said and "= 3" not in said and "12" not in said
    assert drawn_seed_row(st, n["dy/dy"]) == ["data 1", "grad None"]  # (the premise: shown)
    page.wait_for_timeout(300)
    save_screenshot(page, "double_backward_predict_open", locator=st)
    inputs = st.locator(".cg-predict-input")
    inputs.nth(0).fill("2")
    inputs.nth(1).fill("3")
    control(st, "check").click()
    page.wait_for_function("(el) => el.querySelector('.cg-fb-message') && "
                           "el.querySelector('.cg-fb-message').textContent === 'right!'",
                           arg=st.element_handle(), timeout=15_000)
    built = {"dy/da": ("b", "2", "a"), "dy/db": ("a", "3", "b")}  # (the factor, the value, the input)
    factor, value, to = built[first]
    assert nodes(st, n[first])[n[first]]["texts"][-2:] == [f"data {value}", "grad None"]
    assert caption(st) == (f"backward of MulBackward0 builds {first} = (dy/dy) * {factor} = {value}: the "
                           f"gradient it passes to {to}")
    control(st, "next step").click()
    page.wait_for_function("(el) => el.dataset.step === '7'", arg=st.element_handle(), timeout=15_000)
    assert nodes(st, n[second])[n[second]]["texts"][-2:] == [f"data {built[second][1]}", "grad None"]
    page.wait_for_timeout(300)
    save_screenshot(page, "double_backward_predict_answered", locator=st)
    assert_no_widget_errors(page)
