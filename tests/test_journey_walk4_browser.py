"""A student's and a lecturer's fourth walkthrough: lecture 10 (higher-order gradients, the
double-backward GraphStepper) and ex07, pinned by what they see in JupyterLab (findings in
/work/coord/walk4-findings.md; screenshots in tests/artifacts/walk4/).

Every number a student reads here is compared with what real torch prints for the same program,
computed in this test process (torch 2.13 CPU, the oracle), not with a number written in the test.

- Lecture 10's stepper, stepped with the keyboard, played and paused mid-run: its captions, chain-rule
  lines, node values and inspector (grad_fn, next_functions) agree with torch's double backward.
- Predict mode: empty, unreadable and wrong answers get a true message, Enter checks, no withheld
  value is on screen while a question is open.
- W4-1 (fixed in widgets/static/stepper.js): in lecture mode the double-backward graph (689 px at its
  natural size) is taller than its box at 1280x720 (484 px then; 462 px since the whole stepper, legend
  included, fits the window: walk 7's W7_9) and 1440x900, and node g sat below the
  box's edge. Now each step scrolls the box (smoothly, and only when they are not in view already) to
  the nodes the step highlights (Python's `active`); and where one step's active nodes would not fit
  in the box together (1280x720: pow, y and g at step 6), lecture mode shrinks the drawing towards the
  room by at most a fifth (80% of natural size), so that x and g are both in view at the last step.
  Pinned at both sizes, light and dark, stepping with the keys and jumping (Home, End).
- W4-2 (fixed in widgets/static/stepper.js): without lecture mode the drawing did not shrink to the
  room (its floor was 1, not the 60% its comment promised), so g was below the box at 1280x720 too.
- W4-3 (fixed in the lecture): lecture 10 said the bytes kept by create_graph differ between the
  backends; autograd_core prints the same number as torch.
- W4-4, W4-5 (fixed in the ex07 check): the task-4 message for a detached penalty told a student
  who wrote create_graph=True to write create_graph=True; a penalty built with backward(create_graph=True)
  (lecture 10's own trap: .grad accumulates) got a generic message and a matrix dump.
- ex07: every hint to the end shows no answer; task 1's wrong and unreadable answers get true
  messages; lecture mode at 1280x720 in the dark theme: no control or message cut off.
- Lecture 07 (resnet18): the parameter count is torchvision's; the residual stepper's step 10 and
  its gradients are torch's. W4-11 (fixed): the frozen network's picture shows the (1, 512) features the
  text says reach fc as a constant (the lecture's backward keeps the graph's saved values for the
  picture; a constant that backward freed is drawn without its value).
- ex04 task 5: replaced-then-frozen is told the order; the fix passes.
"""
import re
import warnings

import pytest

from lab_browser import (assert_controls_fit, assert_no_widget_errors, cell_index, code_cells, control,
                         copy_notebook, dismiss_notifications, first_stepper, lecture_mode, light_blocks,
                         open_and_run_all, output_text, press_in_stepper, save_screenshot,
                         scroll_to_cell, set_viewport, stepper_node, stepper_step, text_cut_off, themed,
                         visible_text)

pytestmark = pytest.mark.browser
SUBDIR = "walk4"
LECTURE = "notebooks/10_higher_order_gradients.ipynb"
EXERCISE = "notebooks/exercises/ex07_higher_order_gradients.ipynb"


def _torch():
    import torch                      # the oracle: the test extra installs torch 2.13 CPU
    return torch


def torch_double_backward():
    """What torch gives for the stepper's program: y = x ** 3 at 1.5, g = dy/dx with a graph, then
    g.backward(). Returns the values and node names a student reads in the stepper."""
    torch = _torch()
    x = torch.tensor(1.5, requires_grad=True)
    y = x ** 3
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    after_grad = x.grad                                   # autograd.grad leaves .grad alone
    mul3 = g.grad_fn.next_functions[1][0]                 # MulBackward1: x ** 2 * 3
    pow2 = mul3.next_functions[0][0]                      # PowBackward0: x ** 2
    g.backward()
    return {"y": y.item(), "g": g.item(), "x_grad_after_grad": after_grad, "x_grad": x.grad.item(),
            "g_fn": g.grad_fn.name(), "mul3_fn": mul3.name(), "pow2_fn": pow2.name(),
            "g_next": [None if f is None else f.name() for f, _ in g.grad_fn.next_functions],
            "x2": (x.detach() ** 2).item(), "x2_times_3": (x.detach() ** 2 * 3).item()}


def _num(x):
    """A number as the stepper prints it (6.75, 9, 2.25)."""
    return f"{x:g}"


def _open_and_run_all(page, lab, rel):
    """open_and_run_all on a copy of `rel`, then wait until every code cell has run: the kernel can be
    idle for a moment between two cells of Run All, and open_and_run_all may return there (seen once
    with ex07: its cells from task 2 on had not run yet)."""
    open_and_run_all(page, lab, copy_notebook(lab, rel, f"{SUBDIR}/nb_test"))
    page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget;
      const cells = w.content.model.cells, counts = [];
      for (let i = 0; i < cells.length; i++) if (cells.get(i).type === 'code') counts.push(cells.get(i).executionCount);
      return !w.sessionContext.isBusy && counts.every(c => c !== null && c !== undefined); }""", timeout=180_000)
    dismiss_notifications(page)


# --- the notebooks, each run once, in turn in the module's JupyterLab page (lab_page) ---------------

@pytest.fixture(scope="module")
def l10(lab, lab_page):
    set_viewport(lab_page, "1440x900")
    _open_and_run_all(lab_page, lab, LECTURE)
    return lab_page


def _to_last_step(stepper):
    """Click "last step" (disabled when the stepper is there already)."""
    button = control(stepper, "last step")
    if button.is_enabled():
        button.click()
    stepper.page.wait_for_timeout(400)


def _below_box(stepper):
    """Nodes shown whose bottom is below the graph box's bottom edge (hidden without scrolling
    inside the box): [(title, px past the edge)], and the box's and drawing's heights."""
    return stepper.evaluate("""(el) => {
      const box = el.querySelector('.cg-graph'), b = box.getBoundingClientRect();
      const nodes = [...el.querySelectorAll('g.node:not(.cg-hidden)')].map(n => {
        const r = n.getBoundingClientRect();
        return [(n.querySelector('title') || {}).textContent, Math.round(r.bottom - b.bottom)];
      }).filter(([, past]) => past > 1);
      // the notebook's visible area: the box must fit in it to be seen whole
      const view = el.closest('.jp-WindowedPanel-outer').getBoundingClientRect();
      return {below: nodes, box: box.clientHeight, drawing: box.scrollHeight, view: Math.round(view.height),
              scale: parseFloat(el.dataset.graphScale),
              room: getComputedStyle(el).getPropertyValue('--cg-room').trim()};
    }""")


def test_stepper_numbers_keyboard_and_play_pause_match_torch(l10):
    page, want = l10, torch_double_backward()
    set_viewport(page, "1440x900")
    lecture_mode(page, 1)
    st = first_stepper(page)
    press_in_stepper(st, "Home")
    assert stepper_step(st) == 0
    press_in_stepper(st, "ArrowRight", 2)                                       # the leaf, then y = x ** 3
    assert stepper_step(st) == 2
    assert f"y = x ** 3 = {_num(want['y'])}" in st.locator(".cg-caption").inner_text()
    # play with the space bar, pause mid-run: it stays where it paused
    press_in_stepper(st, " ")
    page.wait_for_timeout(1600)
    page.keyboard.press(" ")
    page.wait_for_timeout(500)
    paused = stepper_step(st)
    assert 2 < paused < 10, f"play/pause: at step {paused}"
    page.wait_for_timeout(1200)
    assert stepper_step(st) == paused, "the stepper moved on after pause"
    assert control(st, "play").count() == 1, "after pause the button offers play again"
    # step 6: the first backward's PowBackward0 passes g = dy/dx to x; x.grad stays as it was
    press_in_stepper(st, "ArrowLeft", paused)
    press_in_stepper(st, "ArrowRight", 6)
    assert stepper_step(st) == 6
    chain = st.get_by_role("region", name="chain rule").inner_text()
    assert f"= {_num(want['g'])}" in chain, chain
    assert want["x_grad_after_grad"] is None
    assert "grad None" in " ".join(stepper_node(st, "x").first.text_content().split()), \
        "autograd.grad wrote into x.grad in the stepper (torch leaves it None)"
    # the last step: g.backward() adds d2y/dx2 into x.grad
    _to_last_step(st)
    page.wait_for_timeout(400)
    save_screenshot(page, "test_stepper_last_step_1440x900", SUBDIR)
    assert f"x.grad += {_num(want['x_grad'])} → {_num(want['x_grad'])}" in st.locator(".cg-caption").inner_text()
    x_text = " ".join(stepper_node(st, "x").first.text_content().split())
    assert f"grad {_num(want['x_grad'])}" in x_text, x_text
    assert control(st, "next step").is_disabled() and control(st, "last step").is_disabled()
    assert_no_widget_errors(page)


def test_inspector_names_nodes_as_torch_does(l10):
    page, want = l10, torch_double_backward()
    st = first_stepper(page)
    _to_last_step(st)
    inspector = st.get_by_role("region", name="node inspector")
    stepper_node(st, "g = dy/dx").first.click()
    # (the empty inspector's colour key says "made by the backward pass" too: wait for it to go)
    inspector.get_by_text("Click a node to inspect it.").wait_for(state="detached", timeout=15_000)
    inspector.get_by_text("made by the backward pass").first.wait_for(timeout=15_000)
    text = " ".join(inspector.inner_text().split())
    assert f"grad_fn {want['g_fn']}" in text, text
    assert f"data {_num(want['g'])}" in text, text
    assert "next_functions None, " + want["mul3_fn"] in text, (text, want["g_next"])
    stepper_node(st, "x ** 2").first.click()
    page.wait_for_timeout(600)
    text = " ".join(inspector.inner_text().split())
    save_screenshot(page, "test_inspector_x_squared", SUBDIR, locator=st)
    assert f"data {_num(want['x2'])}" in text and f"grad_fn {want['pow2_fn']}" in text, text
    assert "made by the backward pass" in text, text


def test_predict_mode_messages_enter_and_nothing_withheld_on_screen(l10):
    page, want = l10, torch_double_backward()
    st = first_stepper(page)
    press_in_stepper(st, "Home")
    st.get_by_role("checkbox", name="predict").check()
    page.wait_for_timeout(500)
    press_in_stepper(st, "End")                                   # stops at the first question (step 3)
    assert stepper_step(st) == 3, stepper_step(st)
    box = st.get_by_role("textbox", name="dy/dx")
    shown = " ".join(visible_text(page, ".cgraph-stepper"))
    assert _num(want["g"]) not in shown, f"dy/dx = {want['g']} is on screen while it is asked: {shown}"
    feedback = st.locator(".cg-feedback")
    for typed, says in [("", "type a number"), ("abc", "could not read 'abc'"),
                        (_num(want["g"] - 2.25), "not quite")]:       # 4.5: 3 x^2 with x^2 = 1.5
        box.fill(typed)
        box.press("Enter")
        page.wait_for_timeout(500)
        assert says in feedback.inner_text(), (typed, feedback.inner_text())
        assert stepper_step(st) == 3
    save_screenshot(page, "test_predict_wrong_answer", SUBDIR, locator=st)
    # W4-6: x ** 2, drawn by this step's backward (create_graph), is on the graph: the inspector
    # says it is made in this step, not "not created yet", and shows none of its values
    stepper_node(st, "x ** 2").first.click()
    page.wait_for_timeout(600)
    text = " ".join(st.get_by_role("region", name="node inspector").inner_text().split())
    save_screenshot(page, "test_W4_6_predict_inspector", SUBDIR, locator=st)
    assert "created in this step" in text and "not created yet" not in text, text
    assert _num(want["x2"]) not in text and _num(want["g"]) not in text, text
    box.fill(_num(want["g"]))
    box.press("Enter")
    page.wait_for_timeout(500)
    assert "right!" in feedback.inner_text()
    assert "✗ 1" in st.locator(".cg-tally").inner_text()                 # the first try was wrong
    # the second backward's first question: reveal shows torch's value and goes on
    press_in_stepper(st, "End")
    control(st, "reveal answer").click()
    page.wait_for_timeout(500)
    st.get_by_role("checkbox", name="predict").uncheck()
    page.wait_for_timeout(300)
    assert_no_widget_errors(page)


# What a lecturer sees of the graph now: the step's active nodes (their outline) and node g's name
# (its "g" and "= dy/dx" lines) that are NOT wholly inside the graph box's visible rectangle (the box's
# scrolled viewport, scrollbars left out, within the notebook's visible area); and the box's scroll
# position and size.
_OUT_OF_BOX = """(el) => {
  const box = el.querySelector('.cg-graph'), b = box.getBoundingClientRect();
  const view = el.closest('.jp-WindowedPanel-outer').getBoundingClientRect();
  const top = Math.max(b.top + box.clientTop, view.top), bottom = Math.min(b.top + box.clientTop + box.clientHeight, view.bottom);
  const left = b.left + box.clientLeft, right = left + box.clientWidth;
  const out = (r) => r.top < top - 1 || r.bottom > bottom + 1 || r.left < left - 1 || r.right > right + 1;
  const title = (n) => (n.querySelector('title') || {}).textContent || '';
  const where = (r) => [Math.round(r.top - top), Math.round(r.bottom - top), Math.round(bottom - top)];
  const active = [...el.querySelectorAll('g.node.cg-active')];
  const g = [...el.querySelectorAll('g.node')].find(n => title(n).startsWith('g = dy/dx ('));
  const gText = g ? [...g.querySelectorAll('text')].filter(t => /^(g|= dy[/]dx)$/.test(t.textContent.trim())) : [];
  return {active: active.map(title),
          active_out: active.filter(n => out(n.getBoundingClientRect())).map(n => [title(n), where(n.getBoundingClientRect())]),
          g_text: gText.map(t => t.textContent.trim()),
          g_out: gText.filter(t => out(t.getBoundingClientRect())).map(t => [t.textContent.trim(), where(t.getBoundingClientRect())]),
          scroll: box.scrollTop, scroll_left: box.scrollLeft, box: box.clientHeight, drawing: box.scrollHeight,
          fits: box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1,
          scale: parseFloat(el.dataset.graphScale)};
}"""

# The boxes of the nodes a step shows (its active nodes, and those its edges reach) in the drawing's
# own coordinates (independent of the scroll position).
_ACTIVE_IN_DRAWING = """(el) => {
  const box = el.querySelector('.cg-graph'), b = box.getBoundingClientRect();
  return [...el.querySelectorAll('g.node.cg-active, g.node.cg-around')].map(n => { const r = n.getBoundingClientRect();
    return [r.top - b.top - box.clientTop + box.scrollTop, r.bottom - b.top - box.clientTop + box.scrollTop]; });
}"""

# Resolves once the graph box's scroll position has not changed for 6 animation frames (a smooth
# scroll has ended).
_SCROLL_SETTLED = """(el) => new Promise((done) => {
  const box = el.querySelector('.cg-graph');
  let last = null, same = 0;
  const tick = () => {
    const now = box.scrollTop + ',' + box.scrollLeft;
    same = now === last ? same + 1 : 0; last = now;
    if (same >= 6) done(true); else requestAnimationFrame(tick);
  };
  tick();
})"""


def _in_view(st, size, step, check_g=True):
    """Assert that at `step` the active nodes (and node g's name) are inside the graph box's visible
    rectangle, as measured and as visible_text sees them on screen; return the measure."""
    st.evaluate(_SCROLL_SETTLED)
    assert stepper_step(st) == step
    seen = st.evaluate(_OUT_OF_BOX)
    assert seen["active"], f"step {step} marks no active node: {seen}"
    assert not seen["active_out"], f"{size}, step {step}: the step's active nodes are not in the box's view: {seen}"
    if check_g:
        assert sorted(seen["g_text"]) == ["= dy/dx", "g"], seen
        assert not seen["g_out"], f"{size}, step {step}: node g's name is not in the box's view: {seen}"
        shown = visible_text(st.page, ".cgraph-stepper .cg-graph", onscreen=True)
        assert "g" in shown and "= dy/dx" in shown, f"{size}, step {step}: node g is not on screen: {shown}"
    return seen


@pytest.mark.parametrize("size", ["1280x720", "1440x900"])
def test_W4_1_lecture_mode_the_steps_nodes_and_g_are_in_the_box(l10, size):
    """Lecture mode at a projector's 1280x720 and a laptop's 1440x900: at every step of the second
    backward the nodes the step highlights are inside the graph box's view, and so is node g (the
    gradient the lecture is about) at its middle (step 8, MulBackward1) and at its end (step 10,
    x.grad += 9); stepping with → only scrolls the box when a step's nodes are not in view already,
    and a drawing that fits its box never scrolls."""
    page = l10
    set_viewport(page, size)
    lecture_mode(page, 1.5)
    st = first_stepper(page)
    press_in_stepper(st, "Home")
    st.locator(".cg-body").evaluate("e => e.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
    first = st.evaluate(_OUT_OF_BOX)
    assert first["scale"] >= 0.8, first                  # a bounded shrink: never below 80% of natural size
    # step by step with the keyboard, as a lecturer does
    scroll = first["scroll"]
    for step in range(1, 11):
        press_in_stepper(st, "ArrowRight")
        seen = _in_view(st, size, step, check_g=step in (7, 8, 10))
        # never jerk the view: the box moved only if a node this step shows was out of the old view
        needed = any(top < scroll - 1 or bottom > scroll + seen["box"] + 1
                     for top, bottom in st.evaluate(_ACTIVE_IN_DRAWING))
        assert needed or seen["scroll"] == scroll, (step, scroll, seen)
        if seen["fits"]:
            assert seen["scroll"] == 0 and seen["scroll_left"] == 0, f"a graph that fits its box scrolled: {seen}"
        scroll = seen["scroll"]
        if step == 8:
            save_screenshot(page, f"test_W4_1_lecture_{size}_step8", SUBDIR)
    save_screenshot(page, f"test_W4_1_lecture_{size}", SUBDIR)
    # a jump: from the start to the end (End), and from the start to the second backward's middle
    press_in_stepper(st, "Home")
    press_in_stepper(st, "End")
    _in_view(st, size, 10)
    press_in_stepper(st, "Home")
    press_in_stepper(st, "ArrowRight", 8)
    _in_view(st, size, 8)
    assert_controls_fit(page, ".cgraph-stepper")
    with themed(page, "dark"):
        press_in_stepper(st, "End")
        _in_view(st, size, 10)
        save_screenshot(page, f"test_W4_1_lecture_{size}_dark", SUBDIR)
        assert_controls_fit(page, ".cgraph-stepper")
    lecture_mode(page, 1)


def test_W4_2_without_lecture_mode_the_graph_shrinks_to_the_room(l10):
    page = l10
    set_viewport(page, "1280x720")
    lecture_mode(page, 1)
    st = first_stepper(page)
    _to_last_step(st)
    page.wait_for_timeout(800)                      # the stepper refits on its next resize callback
    st.locator(".cg-graph").evaluate("e => e.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
    save_screenshot(page, "test_W4_2_plain_1280x720", SUBDIR)
    geometry = _below_box(st)
    assert not geometry["below"], f"nodes below the graph box's edge: {geometry}"
    assert geometry["scale"] >= 0.6, geometry                        # never below 60%
    assert geometry["box"] < geometry["view"], f"the graph's box is taller than the notebook's view: {geometry}"
    shown = " ".join(visible_text(page, ".cgraph-stepper .cg-graph", onscreen=True))
    assert re.search(r"\bg\b", shown) and "= dy/dx" in shown, f"node g is not on screen: {shown}"


def test_dark_lecture_mode_stepper_readable_and_fits(l10):
    page = l10
    set_viewport(page, "1280x720")
    lecture_mode(page, 1.5)
    with themed(page, "dark"):
        st = first_stepper(page)
        _to_last_step(st)
        page.wait_for_timeout(400)
        save_screenshot(page, "test_dark_lecture_1280x720", SUBDIR)
        assert not light_blocks(page, ".cgraph-stepper"), "a white block in the dark theme"
        assert_controls_fit(page, ".cgraph-stepper")
    lecture_mode(page, 1)


def _cell_source(page, index):
    return page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                         ".model.sharedModel.getSource()", index)


def _cell_text(page, index):
    """What cell `index` shows (a markdown cell's rendered text)."""
    scroll_to_cell(page, index, "center")
    return page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node.innerText", index)


def test_W4_3_bytes_sentence_matches_what_both_backends_print(l10):
    page = l10
    torch = _torch()
    defs = cell_index(page, "def backward_nodes(")
    bytes_cell = cell_index(page, "grads_bytes = saved_bytes(")
    shown = output_text(page, bytes_cell)
    ours = int(re.search(r"forward graph included: ([\d,]+) bytes", shown).group(1).replace(",", ""))
    namespace = {"torch": torch}
    exec(_cell_source(page, defs), namespace)                         # the lecture's own code, under torch
    exec(_cell_source(page, bytes_cell).split("print(")[0], namespace)
    claim = _cell_text(page, bytes_cell + 1)
    save_screenshot(page, "test_W4_3_bytes", SUBDIR)
    says_they_differ = "differs between the backends" in claim
    assert not (says_they_differ and ours == namespace["grads_bytes"]), (
        f"the lecture says the number differs between the backends; autograd_core prints {ours:,}, "
        f"torch {namespace['grads_bytes']:,}")


# --- ex07 ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ex07(lab, lab_page):
    set_viewport(lab_page, "1280x720")
    _open_and_run_all(lab_page, lab, EXERCISE)
    return lab_page


def _answer_and_check(page, answer_source, new_source):
    """Replace the answer cell's source, run it and the check cell below it (Shift+Enter twice, as
    a student does); return (check cell index, the check's visible text)."""
    i = cell_index(page, answer_source)
    scroll_to_cell(page, i, "center")
    page.evaluate("""(i) => { const p = window.jupyterapp.shell.currentWidget;
                              p.content.activeCellIndex = i; p.content.mode = 'command';
                              p.activate(); p.content.node.focus(); }""", i)
    page.evaluate("([i, src]) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                  ".model.sharedModel.setSource(src)", [i, new_source])
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(300)
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy", timeout=60_000)
    page.wait_for_timeout(400)
    check = next(c for c in code_cells(page) if c["index"] == i + 1)
    assert check["count"], "the check cell did not run"
    return i + 1, output_text(page, i + 1)


def test_ex07_runs_all_with_one_line_per_unfilled_part_and_hints_show_no_answer(ex07):
    page = ex07
    errors = [c for c in code_cells(page) if c["errors"]]
    # every check that has a stub says so in an ExerciseError (no traceback of the student's code
    # but task 2's given function, which is meant to fail)
    assert all("ExerciseError" in e or "RuntimeError" in e for c in errors for e in c["errors"]), errors
    # four checks say what is missing, and task 2's given function fails as the task says
    assert len(errors) == 5 and sum("RuntimeError" in c["errors"][0] for c in errors) == 1, errors
    answers = {"4", "6", "9", "12", "15", "16"}                         # task 1's numbers
    cells = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .map((c, i) => [i, c.model.sharedModel.getSource()]).filter(([, s]) => s.startsWith('Hints('))
        .map(([i]) => i)""")
    assert len(cells) == 4, cells
    for task, index in enumerate(cells, start=1):
        scroll_to_cell(page, index, "center")
        page.evaluate("([i, t]) => { window.jupyterapp.shell.currentWidget.content.widgets[i].node.dataset.walk4 = t; }",
                      [index, f"hints{task}"])
        scope = page.locator(f"[data-walk4=hints{task}]")
        for shown in range(3):
            control(scope, f"Show a hint ({shown + 1} of 3)").click()
            page.wait_for_timeout(300)
        assert control(scope, "All 3 hints shown").is_disabled()
        texts = visible_text(page, f"[data-walk4=hints{task}] .cgraph-hints li")
        assert len(texts) >= 3, texts
        numbers = {x for t in texts for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", t)}
        assert not numbers & answers, f"task {task}: a hint shows a number of the answer: {texts}"
    save_screenshot(page, "test_ex07_hints", SUBDIR)


def test_ex07_task1_wrong_and_unreadable_answers(ex07):
    page, torch = ex07, _torch()
    x, w = torch.tensor(3.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings():  # (torch warns about create_graph's reference cycle once a process)
        warnings.simplefilter("ignore")
        (x ** 2 * w).backward(create_graph=True)
    first_x, first_w = x.grad.item(), w.grad.item()
    x.grad.backward()
    second_x, second_w = x.grad.item(), w.grad.item()
    # the second derivatives alone (the "replaces" misconception): each message says it adds
    _, shown = _answer_and_check(page, "x_grad_first = None", (
        f"x_grad_first = {first_x:g}\nx_grad_second = {second_x - first_x:g}\nw_grad_second = {second_w - first_w:g}\n"))
    save_screenshot(page, "test_ex07_task1_replaces", SUBDIR)
    assert "✓ x_grad_first is correct" in shown and "accumulates" in shown and "adds to it" in shown, shown
    assert f"{second_x:g}" not in shown and f"{second_w:g}" not in shown, f"the answer is on screen: {shown}"
    # unreadable: a word in quotes
    index, shown = _answer_and_check(page, "x_grad_first =", (
        f"x_grad_first = 'twelve'\nx_grad_second = {second_x:g}\nw_grad_second = {second_w:g}\n"))
    assert "should be a number, not the text 'twelve'" in shown, shown
    # right answers in another form pass
    _, shown = _answer_and_check(page, "x_grad_first =", (
        f"x_grad_first = {first_x}\nx_grad_second = {int(second_x)}\nw_grad_second = {second_w}\n"))
    assert shown.count("✓") == 3, shown


DETACHED_PENALTY = """def penalized_loss(model, x, y, lam):
    x = x.detach().requires_grad_(True)
    mse = ((model(x) - y) ** 2).mean()
    (dL_dx,) = torch.autograd.grad(mse, x, create_graph=True)
    return mse + lam * (dL_dx.detach() ** 2).sum()      # detached: "the penalty is just a number"
"""
BACKWARD_PENALTY = """def penalized_loss(model, x, y, lam):
    x = x.detach().requires_grad_(True)
    mse = ((model(x) - y) ** 2).mean()
    mse.backward(create_graph=True)                     # lecture 10's trap: the weights' .grad fill up
    return mse + lam * (x.grad ** 2).sum()
"""


def test_W4_4_detached_penalty_is_not_told_to_add_create_graph(ex07):
    page = ex07
    index, shown = _answer_and_check(page, "def penalized_loss(", DETACHED_PENALTY)
    save_screenshot(page, "test_W4_4_detached_penalty", SUBDIR)
    assert "does not reach the weights" in shown, shown
    assert "detach" in shown, f"a student who wrote create_graph=True is told to write it: {shown}"


def test_W4_5_backward_create_graph_penalty_is_told_the_trap(ex07):
    page = ex07
    index, shown = _answer_and_check(page, "def penalized_loss(", BACKWARD_PENALTY)
    save_screenshot(page, "test_W4_5_backward_penalty", SUBDIR)
    assert "✓ the value of penalized_loss" in shown, shown
    assert re.search(r"accumulat|adds? (it )?to|already h[oe]ld", shown), f"the trap is not named: {shown}"


def test_ex07_dark_lecture_mode_messages_fit(ex07):
    page = ex07
    set_viewport(page, "1280x720")
    lecture_mode(page, 1.5)
    with themed(page, "dark"):
        index = cell_index(page, "checks.gradient_penalty(")
        scroll_to_cell(page, index, "center")
        page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.widgets[i].node.dataset.walk4 = 'pen'; }",
                      index)
        save_screenshot(page, "test_ex07_dark_lecture_1280x720", SUBDIR)
        cut = [c for c in text_cut_off(page, "[data-walk4=pen] .jp-OutputArea-output") if c["past"] > 8]
        assert not cut, f"the check's message is cut off: {cut}"
        hints = page.locator(".cgraph-hints").last
        hints.scroll_into_view_if_needed()
        assert_controls_fit(page, ".cgraph-hints")
    lecture_mode(page, 1)


# --- lecture 07 (resnet18) and ex04 task 5 ---------------------------------------------------------

@pytest.fixture(scope="module")
def l07(lab, lab_page):
    set_viewport(lab_page, "1280x720")
    _open_and_run_all(lab_page, lab, "notebooks/07_training_networks.ipynb")
    return lab_page


def test_lecture_07_numbers_and_residual_stepper_match_torch(l07):
    page, torch = l07, _torch()
    assert not [c for c in code_cells(page) if c["errors"] and "RuntimeError: element 0" not in c["errors"][0]]
    counts = output_text(page, cell_index(page, 'print("parameters:"'))
    from oracles.torchvision_resnet import load              # torchvision's own resnet18, under torch
    assert f"parameters: {sum(p.numel() for p in load().resnet18().parameters()):,}" in counts, counts
    # the residual block: x.grad ends at 1 through the way around, the dead block's weights at 0
    x, w1, w2 = (torch.tensor(v, requires_grad=True) for v in (1.0, -0.5, 2.0))
    (x + w2 * (w1 * x).relu()).relu().backward()
    st = first_stepper(page)
    press_in_stepper(st, "Home")
    press_in_stepper(st, "ArrowRight", 10)
    caption = st.locator(".cg-caption").inner_text()
    assert "AddBackward0 gets dout/d(x + w2 * h) = 1" in caption, caption      # the lecture's "step 10"
    _to_last_step(st)
    save_screenshot(page, "test_lecture07_residual_last_step", SUBDIR)
    assert f"x.grad = {_num(x.grad.item())}" in st.get_by_role("region", name="chain rule").inner_text()
    assert w1.grad.item() == 0 and w2.grad.item() == 0
    for name in ("w1", "w2"):
        assert "grad 0" in " ".join(stepper_node(st, name).first.text_content().split())


# The nodes (by tooltip, "w2 * h (tensor)") not wholly inside the graph box's visible rectangle.
_NOT_IN_BOX = """(el, titles) => {
  const box = el.querySelector('.cg-graph'), b = box.getBoundingClientRect();
  const top = b.top + box.clientTop, bottom = top + box.clientHeight;
  const left = b.left + box.clientLeft, right = left + box.clientWidth;
  const nodes = [...el.querySelectorAll('g.node')];
  return titles.filter(t => { const n = nodes.find(n => (n.querySelector('title') || {}).textContent === t);
    if (!n) return true;
    const r = n.getBoundingClientRect();
    return r.top < top - 1 || r.bottom > bottom + 1 || r.left < left - 1 || r.right > right + 1; });
}"""


def test_W8_11_lecture07_step10_shows_the_node_add_passes_to(l07):
    """Lecture 07 says: step to AddBackward0 (step 10), it hands its gradient 1 unchanged to both x
    and w2 * h. At 1280x720 the box showed the add node and its result and cut w2 * h off just above
    them (walk 8's W8_11): only a step's active nodes were kept in view. The nodes its edges reach are
    now kept in view with them where they fit: w2 * h, in lecture mode and without. (x, at the
    drawing's top, is further from them than the box is tall; the dashed edge leads to it.)"""
    page = l07
    set_viewport(page, "1280x720")
    try:
        for scale in (1.5, 1):
            lecture_mode(page, scale)
            st = first_stepper(page)
            press_in_stepper(st, "Home")
            press_in_stepper(st, "ArrowRight", 10)
            st.evaluate(_SCROLL_SETTLED)
            assert "passes gradients to x, w2 * h" in st.locator(".cg-caption").inner_text()
            out = st.evaluate(_NOT_IN_BOX, ["add → x + w2 * h (op)", "x + w2 * h (tensor)", "w2 * h (tensor)"])
            save_screenshot(page, f"test_W8_11_lecture07_step10_1280x720_scale{scale}", SUBDIR)
            assert not out, f"lecture mode {scale}: not wholly in the graph's box at step 10: {out}"
    finally:
        lecture_mode(page, 1)


def test_W4_11_frozen_resnet_picture_shows_the_constant_features(l07):
    page = l07
    index = cell_index(page, "model.fc = nn.Linear(512, 10)             # 2.")
    scroll_to_cell(page, index, "center")
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.widgets[i].node.dataset.walk4 = 'frozen'; }",
                  index)
    page.locator("[data-walk4=frozen] .jp-OutputArea-output svg, [data-walk4=frozen] .jp-OutputArea-output img")\
        .first.wait_for(timeout=30_000)
    save_screenshot(page, "test_W4_11_frozen_draw", SUBDIR, locator=page.locator("[data-walk4=frozen]"))
    # the picture is an <img> of an SVG (JupyterLab's image/svg+xml renderer): read the labels it draws
    labels = page.evaluate("""async () => {
      const pics = [...document.querySelectorAll('[data-walk4=frozen] .jp-OutputArea-output img, '
                                                 + '[data-walk4=frozen] .jp-OutputArea-output svg')];
      const texts = [];
      for (const p of pics) {
        const svg = p.tagName === 'IMG' ? new DOMParser().parseFromString(
            await (await fetch(p.src)).text(), 'image/svg+xml') : p;
        svg.querySelectorAll('text').forEach(t => texts.push(t.textContent.trim()));
      }
      return texts.join(' ');
    }""")
    assert "addmm" in labels, labels
    assert "(1, 512)" in labels, f"no (1, 512) features node in the picture: {labels}"


@pytest.fixture(scope="module")
def ex04(lab, lab_page):
    set_viewport(lab_page, "1280x720")
    _open_and_run_all(lab_page, lab, "notebooks/exercises/ex04_training.ipynb")
    return lab_page


def _run_cells(page, indices):
    """Run the cells at `indices` one after the other (as Shift+Enter on each would)."""
    page.evaluate("""async (indices) => { const p = window.jupyterapp.shell.currentWidget;
      for (const i of indices) { p.content.activeCellIndex = i; await window.jupyterapp.commands.execute('notebook:run-cell'); }
    }""", indices)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy", timeout=90_000)
    page.wait_for_timeout(300)


def test_ex04_task5_replaced_then_frozen_is_told_the_order(ex04):
    page = ex04
    wrong = ("def finetune(model, num_classes):\n"
             "    model.fc = nn.Linear(512, num_classes)\n"
             "    for param in model.parameters():\n"
             "        param.requires_grad = False\n"
             "    return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)\n")
    right = ("def finetune(model, num_classes):\n"
             "    for param in model.parameters():\n"
             "        param.requires_grad = False\n"
             "    model.fc = nn.Linear(512, num_classes)\n"
             "    return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)\n")
    answer = cell_index(page, "def finetune(model, num_classes):")
    check = cell_index(page, "checks.finetune_resnet18(finetune)")
    for source, says in [(wrong, "Freeze first, then replace fc"), (right, "✓")]:
        page.evaluate("([i, src]) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                      ".model.sharedModel.setSource(src)", [answer, source])
        _run_cells(page, list(range(answer, check + 1)))
        shown = output_text(page, check)
        save_screenshot(page, f"test_ex04_task5_{'right' if source is right else 'wrong_order'}", SUBDIR)
        assert says in shown, shown
    assert shown.strip().startswith("✓") and "✗" not in shown, shown
