"""A student's and a lecturer's sixteenth walkthrough (exercises ex07, ex06, ex05; lectures 10 and 09;
lecture mode; the regression lab), pinned by what they see. Screenshots in tests/artifacts/walk16/;
the findings are in /work/coord/walk16-findings.md. What needs no browser is tested beside the code
it concerns (test_exercise_checks.py, test_ex06_forward_reverse.py, test_regression.py); this module
holds what only a browser shows.

- W16_1 (fixed in widgets/static/stepper.js): a GraphStepper's own controls gave their keys to
  JupyterLab. "b" pressed on a focused stepper button inserted a cell below (and "d d" deletes the
  stepper's cell); ArrowRight / ArrowLeft on the focused step slider, and ArrowDown on the speed list,
  moved the notebook to another cell, took the focus out of the stepper, and the control never moved.
  (The stepper's mark data-lm-suppress-shortcuts stops Lumino only on the element the key was pressed
  on: command mode's selectors end in ":focus", which the control itself matches.)
- W16_2 (fixed there too): Enter or Space on "last step" ("first step") disabled the button that had the
  focus, and the focus fell to the page: the next arrow key scrolled the notebook, Tab started over from
  the top. The stepper keeps the focus now, and the arrow keys go on stepping.
"""
import pytest

from lab_browser import (ALL_RAN, control, module_page, open_and_run_all, save_screenshot, scratch_notebook,
                         set_viewport, stepper_step)

SUBDIR = "walk16"

# a stepper (lecture 10's double backward), then a cell below it for JupyterLab's keys to move to
SOURCES = (
    "from widgets.stepper import GraphStepper\nfrom widgets.torch_switch import load\n\n"
    "engine = load('autograd_core')\n\n\ndef double_backward():\n"
    "    x = engine.tensor(1.5, requires_grad=True)\n    y = x ** 3\n"
    "    (g,) = engine.autograd.grad(y, x, create_graph=True)\n    g.backward()\n\n\n"
    "GraphStepper(double_backward)",
    "1 + 1",
)

# The page's focus and its notebook: the focused element's accessible name, whether it is inside the
# stepper, the active cell and the number of cells.
_WHERE = """() => { const a = document.activeElement, nb = window.jupyterapp.shell.currentWidget.content;
  return {name: a.getAttribute('aria-label') || a.tagName, inStepper: !!a.closest('.cgraph-stepper'),
          cell: nb.activeCellIndex, cells: nb.model.cells.length}; }"""


@pytest.fixture(scope="module")
def page(lab, browser):
    yield from module_page(browser)


@pytest.mark.browser
def test_W16_1_W16_2_the_stepper_keeps_its_keys_and_its_focus(page, lab):
    """The keyboard on a GraphStepper's controls, in a notebook in command mode (as after Run All).
    W16_1: "b" on the focused "next step" button inserts no cell (main: 2 -> 3 cells); ArrowRight and
    ArrowLeft on the focused step slider step, the slider keeping the focus and the notebook its active
    cell (main: the step stayed, the focus went to another cell); ArrowDown on the focused speed list
    picks the next speed (main: the notebook's next cell was selected). W16_2: Enter on "last step"
    goes to the last step and the focus stays in the stepper (main: on the page's body), where
    ArrowLeft steps back."""
    set_viewport(page, "1440x900")
    open_and_run_all(page, lab, scratch_notebook(lab, SOURCES, SUBDIR, "walk16_stepper_keys.ipynb"))
    page.wait_for_function(ALL_RAN, timeout=120_000)
    stepper = page.locator(".cgraph-stepper").first
    stepper.locator("svg g.node").first.wait_for(state="attached", timeout=60_000)
    stepper.scroll_into_view_if_needed()
    before = page.evaluate(_WHERE)

    control(stepper, "next step").focus()                                      # W16_1
    page.keyboard.press("b")
    page.wait_for_timeout(300)
    assert page.evaluate(_WHERE)["cells"] == before["cells"] and stepper_step(stepper) == 0
    slider = stepper.locator("input.cg-slider")
    slider.focus()
    cell = page.evaluate(_WHERE)["cell"]          # (the stepper's: a focus inside a cell activates it)
    for key, step in (("ArrowRight", 1), ("ArrowRight", 2), ("ArrowLeft", 1)):
        page.keyboard.press(key)
        page.wait_for_timeout(300)
        where = page.evaluate(_WHERE)
        assert (stepper_step(stepper), where["name"], where["cell"]) == (step, "step", cell), (key, where)
    speed = stepper.locator("select.cg-speed")
    speed.focus()
    options = speed.evaluate("s => [...s.options].map(o => o.value)")
    chosen = speed.input_value()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert speed.input_value() == options[options.index(chosen) + 1]
    assert page.evaluate(_WHERE)["name"] == "speed"

    control(stepper, "last step").focus()                                      # W16_2
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    last = stepper_step(stepper)
    assert last == 10 and page.evaluate(_WHERE)["inStepper"], page.evaluate(_WHERE)
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(300)
    assert stepper_step(stepper) == last - 1
    save_screenshot(page, "W16_2_focus_kept_after_last_step_1440x900", SUBDIR, locator=stepper)
    assert page.evaluate(_WHERE)["cells"] == before["cells"]
