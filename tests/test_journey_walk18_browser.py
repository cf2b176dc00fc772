"""A student's and a lecturer's eighteenth walkthrough (exercises ex05-ex07 end to end, the apps and the
index, the node inspector at 1280x720 in lecture mode and 1440x900, a kernel restarted mid-lecture),
pinned by what they see. Screenshots in tests/artifacts/walk18/; the findings are in
/work/coord/walk18-findings.md. What needs no browser is tested beside the code it concerns
(test_lecture.py, test_reveal.py, test_stepper.py, test_ex05_build_your_own.py,
test_ex06_forward_reverse.py); this module holds what only a browser shows.

- W18_1 (fixed with widgets/static/keep_keys.js): in command mode, "b" on a focused "Show a hint"
  button (an ipywidgets Button) inserted a cell below (ipywidgets#3912), as it did on a Reveal's
  "Show the answers" and on the lecture mode switch; their boxes keep the keys pressed on their
  controls, as the stepper's and the regression lab's controls do.
- W18_9 (fixed in widgets/inspector.py): at 1280x720 in lecture mode a stepper's inspector is 229 px
  tall; a non-leaf's four lines of why its grad is None put grad_fn and is_leaf below the fold. The
  grad row says "None (non-leaf: see below)", the why follows is_leaf.
- W18_10 (fixed in widgets/lecture.py and widgets/inspector.py): JupyterLab's themes size every code
  element (".jp-ThemedContainer code"): in lecture mode a hint's `stack.pop()` stayed at 13 px in
  19.5 px words, and after a theme switch the inspector's values did too.
- W18_4 (fixed in widgets/static/stepper.js): after a kernel restart, a click on a stepper's node
  showed nothing new ("Click a node to inspect it." stayed) and a predict question's check did
  nothing: the steps play from the page, the rest needs the kernel. The inspector says so at once,
  and a check says so where its verdict would be.
"""
import re

import pytest
from playwright.sync_api import expect

from lab_browser import (ALL_RAN, activate, control, first_stepper, lecture_mode, module_page, notebook_cell,
                         open_and_run_all, press_in_stepper, save_screenshot, scratch_notebook, scroll_to_cell,
                         set_viewport, stepper_node, themed)

SUBDIR = "walk18"

# an exercise's hints, a Reveal, the lecture mode switch, lecture 10's double backward in predict
# mode, and a cell below them for JupyterLab's keys to act on
SOURCES = (
    "from widgets.exercises import Hints\n\nHints('first', 'second: `stack.pop()`', 'third')",
    "from widgets.reveal import Reveal\n\nwith Reveal():\n    print('m.grad = 4.0')",
    "from widgets.lecture import lecture_mode_switch\n\nlecture_mode_switch()",
    notebook_cell("notebooks/10_higher_order_gradients.ipynb", "GraphStepper(double_backward)")
    .replace("GraphStepper(double_backward)", "GraphStepper(double_backward, predict=True)"),
    "1 + 1",
)
HINTS, REVEAL, SWITCH, STEPPER = 0, 1, 2, 3

# The notebook's active cell and its number of cells.
_WHERE = """() => { const nb = window.jupyterapp.shell.currentWidget.content;
  return {cell: nb.activeCellIndex, cells: nb.model.cells.length}; }"""


# Each row of the inspector: whether it is whole inside the inspector's visible box.
_ROWS_IN_SIGHT = """(e) => { const r = e.getBoundingClientRect(), bottom = r.top + e.clientTop + e.clientHeight;
  return Object.fromEntries([...e.querySelectorAll('tr')].map(tr =>
    [tr.querySelector('th').textContent, tr.getBoundingClientRect().bottom <= bottom + 0.5])); }"""


_FONT_PX = "(e) => parseFloat(getComputedStyle(e).fontSize)"


@pytest.fixture(scope="module")
def page(lab, browser):
    yield from module_page(browser)


def cell(page, i):
    return page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{i}"]')


@pytest.mark.browser
def test_W18_a_student_with_the_keyboard_and_a_restarted_kernel(page, lab):
    set_viewport(page, "1280x720")
    open_and_run_all(page, lab, scratch_notebook(lab, SOURCES, SUBDIR, "walk18.ipynb"))
    page.wait_for_function(ALL_RAN, timeout=120_000)

    # W18_1: the hints by keyboard: Enter and Space reveal one each, "b" inserts no cell (main: 6 cells)
    activate(page, HINTS)
    before = page.evaluate(_WHERE)
    control(cell(page, HINTS), "Show a hint (1 of 3)").focus()
    page.keyboard.press("Enter")
    expect(control(cell(page, HINTS), "Show a hint (2 of 3)")).to_be_focused()
    page.keyboard.press("b")
    page.keyboard.press("Space")
    expect(control(cell(page, HINTS), "Show a hint (3 of 3)")).to_be_visible()
    assert cell(page, HINTS).locator(".cgraph-hints li").all_inner_texts() == ["first", "second: stack.pop()"]
    assert page.evaluate(_WHERE) == before
    save_screenshot(page, "W18_1_hints_by_keyboard_1280x720", SUBDIR, locator=cell(page, HINTS))
    # W18_10: in lecture mode a hint's code grows with its words (main: 13 px in 19.5 px words)
    lecture_mode(page)
    code = cell(page, HINTS).locator(".cgraph-hints code")
    assert code.evaluate(_FONT_PX) == pytest.approx(1.5 * 13), code.evaluate(_FONT_PX)
    save_screenshot(page, "W18_10_hint_code_lecture_1280x720", SUBDIR, locator=cell(page, HINTS))
    lecture_mode(page, 1)
    # ...and the Reveal's button and the lecture mode switch
    for i, name in ((REVEAL, "Show the answers"), (SWITCH, "lecture mode ×1.5")):
        activate(page, i)
        control(cell(page, i), name).focus()
        page.keyboard.press("b")
        page.wait_for_timeout(300)
        assert page.evaluate(_WHERE) == dict(before, cell=i), name

    # W18_4: the kernel restarts with a question open; a click and a check say why nothing comes
    scroll_to_cell(page, STEPPER)
    stepper = first_stepper(page)
    # W18_9: in lecture mode, a non-leaf's grad_fn and is_leaf are in the inspector's sight (main: the
    # four lines of why its grad is None put is_leaf below the fold); W18_10: after a switch to the dark
    # theme its values are as large as its words (main: 13 px)
    with themed(page, "dark"):
        lecture_mode(page)
        press_in_stepper(stepper, "ArrowRight", times=2, settle_ms=0)
        stepper_node(stepper, "y").first.click()
        expect(stepper.get_by_role("region", name="node inspector")).to_contain_text("non-leaf: see below")
        rows = stepper.locator(".cg-inspector").evaluate(_ROWS_IN_SIGHT)
        save_screenshot(page, "W18_9_non_leaf_lecture_1280x720_dark", SUBDIR, locator=stepper)
        assert rows["grad_fn"] and rows["is_leaf"], rows
        value = stepper.locator(".cg-inspector td code").first
        assert value.evaluate(_FONT_PX) == pytest.approx(1.5 * 13), value.evaluate(_FONT_PX)
        lecture_mode(page, 1)
    press_in_stepper(stepper, "ArrowRight", times=1, settle_ms=600)
    box = stepper.get_by_role("textbox", name="dy/dx", exact=True)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.restartKernel()")
    gone = re.compile("kernel that ran this cell has restarted")
    inspector = stepper.get_by_role("region", name="node inspector")
    expect(inspector).to_contain_text(gone, timeout=30_000)     # (main: "Click a node to inspect it.")
    stepper.locator("g.node").first.click()
    expect(inspector).to_contain_text(gone)
    box.fill("6.75")
    box.press("Enter")
    expect(stepper.locator(".cg-feedback")).to_contain_text(gone)   # (main: empty)
    press_in_stepper(stepper, "ArrowLeft", settle_ms=0)
    expect(stepper.locator(".cg-counter")).to_contain_text("step 2 /")      # the steps still play
    save_screenshot(page, "W18_4_kernel_restarted_1280x720", SUBDIR, locator=stepper)
