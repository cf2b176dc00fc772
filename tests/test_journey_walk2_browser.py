"""A student's and a lecturer's second walkthrough, pinned by what they see.

- W1 (fixed; a regression test): predict mode, the question for n.grad open; "previous step" shows
  the step before, whose panel must not show the value asked for (-6).
- W4 (fixed): the lab's status is on screen with its controls and plots at 1280x720 in lecture mode.
- W2 (fixed; a regression test): a written function that forgets retain_grad() was told "write the
  body"; now it is told that b.grad is None because retain_grad() was not called.
(W7, the stepper's graph in lecture mode, is checked by test_stepper_browser.py: it grows with
--cgraph-scale as far as its box allows, as draw() pictures do.)
Screenshots: tests/artifacts/walk2/test_*.png.
"""
import re

import pytest

from lab_browser import (code_cells, control, copy_notebook, dismiss_notifications, lecture_mode, module_page,
                         open_and_run_all, save_screenshot, scroll_to_cell, set_viewport, visible_text)

pytestmark = pytest.mark.browser
SUBDIR = "walk2"


def _known(finding):
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"walk-findings {finding}")


def _numbers(texts):
    """Every number written in `texts`, as floats."""
    return [float(x) for t in texts
            for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", t.replace("\u2212", "-"))]


def _mark_cell(page, source, mark):
    """Tag the first cell whose source contains `source` with data-walk=mark; return its index."""
    index = page.evaluate("""([src, mark]) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      const i = nb.widgets.findIndex(c => c.model.sharedModel.getSource().includes(src));
      if (i >= 0) nb.widgets[i].node.dataset.walk = mark;
      return i; }""", [source, mark])
    assert index >= 0, f"no cell runs {source!r}"
    return index


@pytest.fixture(scope="module")
def shared_page(browser):
    """One JupyterLab page for the module (a JupyterLab start costs Chromium about 5 s of CPU): each
    notebook opens in it in place of the one before."""
    yield from module_page(browser)


@pytest.fixture(scope="module")
def lecture_01(shared_page, lab):
    """Lecture 01 (a copy), run once at 1280x720, for the module's tests."""
    page = shared_page
    set_viewport(page, "1280x720")
    open_and_run_all(page, lab, copy_notebook(lab, "notebooks/01_computation_graphs.ipynb", f"{SUBDIR}/nb_test"))
    dismiss_notifications(page)
    return page


def _wait_for_text_change(page, scope, before, timeout_s=15):
    for _ in range(timeout_s * 4):
        page.wait_for_timeout(250)
        now = visible_text(page, scope, inputs=False)
        if now != before:
            page.wait_for_timeout(300)
            return visible_text(page, scope, inputs=False)
    return before


def test_stepping_back_from_an_open_question_shows_no_answer(lecture_01):
    page = lecture_01
    scope = "[data-walk=predict]"
    scroll_to_cell(page, _mark_cell(page, "GraphStepper(rec_b, predict=True)", "predict"))
    stepper = page.locator(f"{scope} .cgraph-stepper")
    stepper.locator("svg g.node").first.wait_for(state="attached", timeout=60_000)
    answers = {"dy/da": "-1", "dy/db": "5", "dy/db · ∂b/∂m": "5", "dy/db · ∂b/∂n": "-5",
               "dy/da · ∂a/∂m": "-1", "dy/da · ∂a/∂n": "-1", "m.grad": "4"}
    asked = []
    for _ in range(12):
        boxes = stepper.get_by_role("textbox")
        if boxes.count():
            labels = [boxes.nth(i).get_attribute("aria-label") for i in range(boxes.count())]
            if labels == ["n.grad"]:
                break                                      # step 10: the question we want open
            for i, label in enumerate(labels):
                boxes.nth(i).fill(answers[label])
            before = visible_text(page, scope, inputs=False)
            control(stepper, "check").click()
            _wait_for_text_change(page, scope, before)
            asked.append(labels)
        control(stepper, "next step").click()
        page.wait_for_timeout(300)
    assert stepper.get_by_role("textbox").count() == 1, f"never asked for n.grad; asked {asked}"
    before = visible_text(page, scope, inputs=False)
    control(stepper, "previous step").click()           # the question stays open
    shown = _wait_for_text_change(page, scope, before)
    save_screenshot(page, "test_W1_back_from_open_question", SUBDIR)
    assert -6.0 not in _numbers(shown), \
        "n.grad's answer (-6) is on screen while its question is open: " + \
        repr([t for t in shown if "-6" in t])


@pytest.fixture
def student_page(shared_page):
    """The module's page as a new page would start a test: 1280x720, no lecture mode."""
    page = shared_page
    set_viewport(page, "1280x720")
    if page.url.startswith("http"):
        page.evaluate("() => document.querySelectorAll('.cgraph-journey-lecture-mode').forEach(e => e.remove())")
    yield page


def test_lab_status_on_screen_with_the_plots_in_lecture_mode(lab, student_page):
    page = student_page
    open_and_run_all(page, lab, copy_notebook(lab, "notebooks/06_linear_regression.ipynb", f"{SUBDIR}/nb_test"))
    dismiss_notifications(page)
    lecture_mode(page, 1.5)
    the_lab = page.locator(".cgl-regression").first
    the_lab.locator(".jupyter-matplotlib-canvas-div canvas").first.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(1500)                         # the figure takes lecture mode's size
    # what a lecturer has on screen while using the lab: its controls (Play) at the top, the plots
    the_lab.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    save_screenshot(page, "test_W4_lab_lecture_mode", SUBDIR)
    status = the_lab.locator(".cgl-regression-status")
    status.wait_for(state="attached", timeout=30_000)
    text_bottom = status.evaluate("""e => { const r = document.createRange(); r.selectNodeContents(e);
                                           return r.getBoundingClientRect().bottom; }""")
    assert text_bottom <= 720, \
        f"the status ({status.inner_text()!r}) ends at y={text_bottom:.0f}, below the 720 px window"


def test_a_written_function_that_forgets_retain_grad_is_not_told_to_write_its_body(lab, student_page):
    page = student_page
    open_and_run_all(page, lab, copy_notebook(lab, "notebooks/exercises/ex01_graphs_and_leaves.ipynb",
                                              f"{SUBDIR}/nb_test"))
    answer = _mark_cell(page, "def grad_of_b(w, x):", "answer")
    body = ("def grad_of_b(w, x):\n    a = w + x\n    b = w + 1\n"
            "    y = a * b\n    y.backward()\n    return b.grad\n")
    page.evaluate("""async ([i, src]) => {
      const panel = window.jupyterapp.shell.currentWidget;
      panel.content.widgets[i].model.sharedModel.setSource(src);
      for (const k of [i, i + 1]) {
        panel.content.activeCellIndex = k;
        await window.jupyterapp.commands.execute('notebook:run-cell');
      }
    }""", [answer, body])
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy",
                           timeout=60_000)
    check = next(c for c in code_cells(page) if c["index"] == answer + 1)
    scroll_to_cell(page, answer)
    save_screenshot(page, "test_W2_forgot_retain_grad", SUBDIR)
    assert check["errors"], "the check passed an answer that returns None"
    message = check["errors"][0]
    assert "write the body" not in message, f"told to write a body that is written: {message}"
    assert "retain_grad()" in message and "interior node" in message, message
