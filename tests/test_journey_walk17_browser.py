"""A student's and a lecturer's seventeenth walkthrough (exercise checks in lecture mode, lecture 10's
stepper in predict mode, lectures 01, 03, 05, the regression lab), pinned by what they see. Screenshots
in tests/artifacts/walk17/; the findings are in /work/coord/walk17-findings.md. What needs no browser is
tested beside the code it concerns (test_lecture.py, test_stepper.py); this module holds what only a
browser shows.

- W17_1 (fixed in widgets/lecture.py): lecture mode enlarged an exercise check's ✗ lines (stderr) but
  not its ✓ lines (stdout): on a projector "✓ m_grad is correct" stood at two thirds the size of the ✗
  line under it. Every text output grows alike now.
- W17_2 (fixed in widgets/_recording.py): the stepper's program listing wrote a leaf as torch prints it,
  "x = tensor(1.5, requires_grad=True)", beside "(g,) = torch.autograd.grad(...)", and an unnamed
  result on a line of its own ("x ** 3" above "y = x ** 3 * c"); it writes the call, and the line as
  written.
- W17_3 (fixed in widgets/chain_rule.py): "3*1.5**2" typed into a predict box was "could not read";
  arithmetic on numbers is read, anything else still is not, and the message names what.
- W17_4 (fixed in widgets/static/regression.js): in command mode (after Run All) ArrowDown on the
  regression lab's "update" list selected the notebook's next cell (the rule stayed) and "b" on its
  focused Step button inserted a cell (ipywidgets#3912); the lab's controls keep their keys now.
- W17_5 (fixed in widgets/static/stepper.js): a predict question's verdict, shown whole when it was
  checked, was cut at the panel's foot once lecture mode (or a new window size) re-laid the stepper; an
  open question's boxes and verdict are scrolled back into the panel on every resize.
"""
import re

import pytest

from lab_browser import (ALL_RAN, cell_node, control, first_stepper, lecture_mode, module_page,
                         open_and_run_all, press_in_stepper, save_screenshot, scratch_notebook, set_viewport)

SUBDIR = "walk17"

# lecture 10's double backward in predict mode, the regression lab, a cell below them for JupyterLab's
# keys to move to, and an exercise check with a right part and a wrong one (last: it raises)
SOURCES = (
    "from widgets.stepper import GraphStepper\nimport autograd_core as torch\n\n\ndef double_backward():\n"
    "    x = torch.tensor(1.5, requires_grad=True)\n    y = x ** 3\n"
    "    (g,) = torch.autograd.grad(y, x, create_graph=True)\n    g.backward()\n\n\n"
    "GraphStepper(double_backward, predict=True)",
    "from widgets.regression import RegressionLab\n\nRegressionLab()",
    "1 + 1",
    "from widgets.exercises import Feedback\n\nwith Feedback() as fb:\n"
    "    fb.check('m_grad', 4.0, 4.0, by_hand=True)\n    fb.check('n_grad', 6.0, -6.0, by_hand=True)",
)
CHECK_CELL = 3

# The page's focus and its notebook: the focused element's accessible name, the active cell, the cells.
_WHERE = """() => { const a = document.activeElement, nb = window.jupyterapp.shell.currentWidget.content;
  return {name: a.getAttribute('aria-label') || a.textContent.trim() || a.tagName,
          cell: nb.activeCellIndex, cells: nb.model.cells.length}; }"""

# Each line of the check cell's outputs (✓ lines on stdout, ✗ lines in the error) and its font size.
_CHECK_LINES = """(cell) => [...cell.querySelectorAll('.jp-OutputArea-output pre')].flatMap(pre =>
  pre.textContent.split('\\n').filter(t => t.trim())
    .map(t => [t.trim(), parseFloat(getComputedStyle(pre).fontSize)]))"""

# Where a predict question's verdict lies against its panel's visible box (page px).
_VERDICT_IN_PANEL = """(el) => { const p = el.querySelector('.cg-panel'), f = el.querySelector('.cg-feedback');
  const a = p.getBoundingClientRect(), b = f.getBoundingClientRect(), top = a.top + p.clientTop;
  return {panelTop: Math.round(top), panelBottom: Math.round(top + p.clientHeight),
          top: Math.round(b.top), bottom: Math.round(b.bottom), text: f.innerText}; }"""


@pytest.fixture(scope="module")
def page(lab, browser):
    yield from module_page(browser)


@pytest.mark.browser
def test_W17_a_student_and_a_lecturer_at_1280x720(page, lab):
    set_viewport(page, "1280x720")
    open_and_run_all(page, lab, scratch_notebook(lab, SOURCES, SUBDIR, "walk17.ipynb"))
    page.wait_for_function(ALL_RAN, timeout=120_000)

    # W17_2: step 0 lists the program as it was written (main: "x = tensor(1.5, requires_grad=True)")
    stepper = first_stepper(page)
    listing = stepper.locator(".cg-program").inner_text().splitlines()
    assert "x = torch.tensor(1.5, requires_grad=True)" in listing, listing
    assert "(g,) = torch.autograd.grad(y, x, create_graph=True)" in listing, listing

    # W17_3: the first question, dy/dx of y = x ** 3 at 1.5, answered as worked out: 3*1.5**2
    press_in_stepper(stepper, "ArrowRight", times=3, settle_ms=600)
    box = stepper.get_by_role("textbox", name="dy/dx", exact=True)
    box.fill("3*x")
    box.press("Enter")
    feedback = stepper.locator(".cg-feedback")
    expect_text(feedback, "could not read 'x' in '3*x'")
    box.fill("3*1.5")
    box.press("Enter")
    expect_text(feedback, "not quite")
    # W17_5: lecture mode turned on while the question is open: its verdict stays whole in the panel
    # (main: cut at the panel's foot; the panel scrolled to it only when it was checked)
    lecture_mode(page)
    page.wait_for_timeout(600)
    verdict = stepper.evaluate(_VERDICT_IN_PANEL)
    save_screenshot(page, "W17_5_verdict_after_lecture_mode_1280x720", SUBDIR, locator=stepper)
    assert verdict["top"] >= verdict["panelTop"] and verdict["bottom"] <= verdict["panelBottom"], verdict
    lecture_mode(page, 1)
    box.fill("3*1.5**2")
    box.press("Enter")
    expect_text(feedback, "right!")
    assert "(you said 3*1.5**2)" in feedback.inner_text()
    save_screenshot(page, "W17_3_arithmetic_answer_right_1280x720", SUBDIR, locator=stepper)

    # W17_4: the regression lab's controls keep their keys (main: the notebook moved, a cell was inserted)
    rule = page.get_by_role("combobox", name="update")
    rule.focus()
    before = page.evaluate(_WHERE)
    options = rule.evaluate("s => [...s.options].map(o => o.value)")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(400)
    assert rule.input_value() == options[1], rule.input_value()
    assert page.evaluate(_WHERE) == dict(before, name="update")
    control(page.locator(".cgl-regression"), "Step").focus()
    page.keyboard.press("b")
    page.wait_for_timeout(400)
    where = page.evaluate(_WHERE)
    assert (where["cells"], where["cell"]) == (before["cells"], before["cell"]), where

    # W17_1: in lecture mode the check's ✓ line is as large as its ✗ line (main: 13 px under 19.5 px)
    lecture_mode(page)
    check = cell_node(page, CHECK_CELL)
    check.scroll_into_view_if_needed()
    lines = check.evaluate(_CHECK_LINES)
    assert [text[0] for text, _ in lines] == ["✓", "✗"], lines
    assert lines[0][1] == lines[1][1] == pytest.approx(1.5 * 13), lines
    save_screenshot(page, "W17_1_check_lines_alike_lecture_1280x720", SUBDIR, locator=check)
    lecture_mode(page, 1)


def expect_text(locator, text, timeout_ms=15_000):
    """Wait until `locator`'s text contains `text` (the kernel answers a check asynchronously)."""
    from playwright.sync_api import expect
    expect(locator).to_contain_text(re.compile(re.escape(text)), timeout=timeout_ms)
