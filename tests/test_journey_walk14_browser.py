"""A student's and a lecturer's fourteenth walkthrough (lectures 02, 03, 04, 05, 07; exercises ex03, ex04),
and walk 13's two findings left open, pinned by what they see in JupyterLab. Screenshots in
tests/artifacts/walk14/; the findings are in /work/coord/walk14-findings.md.

- W14_1 (fixed in widgets/lecture.py, widgets/__init__.py): JupyterLab shows printed text and errors
  with `word-break: break-all`. Walk 13 gave exercise notebooks a page style under which lines break
  between words (W13_1); lectures print and warn too: lecture 03's RuntimeError, the message "that says
  what to do", broke "retain_graph=|True" on a laptop and "th|ey", "yo|u" in lecture mode (lecture mode
  styled errors only, not stdout); lecture 04's TracerWarning "in|puts!", lecture 05's tracebacks. The
  style now comes with the widgets package, which every notebook imports.
- W13_5 (fixed in widgets/regression.py): the regression lab's seed box was ipywidgets' BoundedIntText,
  whose browser side turned "3.7" into 37 (it drops the dot), "-5" into 0 and ignored "abc", silently.
  It is a text box read in Python: a seed that cannot be used is refused with a note that says why and
  that the seed stays; the box shows the seed in use.
- W13_6 (fixed in widgets/stepper.py, static/stepper.js): predict mode, a value typed in the first box
  but never checked, then "reveal answer": "✗ dy/da = -1 (no answer)" beside a box showing what was
  typed. The browser sends what the boxes show with the reveal, and Python writes each field's line:
  "dy/da = -1 (you typed 3, not checked)" -- not judged (a reveal is not a try; the first-try tally
  stays the tries'), and not called "no answer".
"""
import json

import pytest

from lab_browser import (ALL_RAN, ARTIFACTS, cell_index, control, lecture_mode, module_page,
                         open_and_run_all, open_in_page, save_screenshot, scroll_to_cell, set_viewport,
                         split_words, themed, unnamed_controls)

SUBDIR = "walk14"
LECTURE03 = "notebooks/03_backward_in_depth.ipynb"

EXAMPLE_B = """import autograd_core as torch
from widgets.stepper import GraphStepper

with torch.record() as rec_b:        # lecture 01's Example B, its stepper in predict mode
    m = torch.tensor(2.0, requires_grad=True)
    n = torch.tensor(3.0, requires_grad=True)
    a = m + n
    b = m - n
    y = a * b
    y.backward()

GraphStepper(rec_b, predict=True)"""

LAB = """from widgets.regression import RegressionLab

RegressionLab()"""


# --- not in a browser ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, note", [
    ("3.7", "3.7 is not a whole number: the seed stays 10 (type a whole number from 0 to 2147483647)"),
    ("-5", "-5 is below 0: the seed stays 10 (type a whole number from 0 to 2147483647)"),
    ("abc", "could not read 'abc' as a number: the seed stays 10 (type a whole number from 0 to 2147483647)"),
    ("", "the seed box is empty: the seed stays 10 (type a whole number from 0 to 2147483647)"),
    ("99999999999", "99999999999 is above 2147483647: the seed stays 10 (type a whole number from 0 to 2147483647)"),
])
def test_W13_5_a_seed_that_cannot_be_used_is_refused_with_a_note(typed, note):
    """The seed box (as the browser sends it on Enter): the seed, the data and the run stay; the box shows
    the seed in use again, the note says what was typed and why it is not a seed. Then a whole number
    is taken (new data from it, the note gone); "12.0" reads as 12."""
    from widgets.regression import RegressionLab
    lab = RegressionLab()
    try:
        lab.step(3)
        x = lab.trainer.x.numpy().copy()
        lab.seed_box.value = typed
        assert (lab.seed, lab.seed_box.value, lab.iteration) == (10, "10", 3)
        assert lab.seed_note.value == note
        assert (lab.trainer.x.numpy() == x).all()
        lab.seed_box.value = "12"
        assert (lab.seed, lab.seed_box.value, lab.seed_note.value, lab.iteration) == (12, "12", "", 0)
        lab.seed_box.value = "12.0"
        assert (lab.seed, lab.seed_box.value, lab.seed_note.value) == (12, "12", "")
        lab.seed = 4                       # set from Python: the box follows
        assert lab.seed_box.value == "4"
    finally:
        lab.close()


def _example_b_stepper():
    from widgets.stepper import GraphStepper
    from widgets.torch_switch import load
    torch = load("autograd_core")
    with torch.record() as rec:
        m = torch.tensor(2.0, requires_grad=True)
        n = torch.tensor(3.0, requires_grad=True)
        a = m + n
        b = m - n
        y = a * b
        y.backward()
    return GraphStepper(rec, predict=True)


def test_W13_6_reveal_says_a_value_typed_and_not_checked():
    """Example B's first question (dy/da, dy/db): 3 typed in the first box, nothing in the second, then
    reveal (the browser's message carries what the boxes show): the first line says what was typed and
    that it was not checked, with no ✓ or ✗; the second, left empty, says "no answer". The tally counts
    the reveal as before (both fields not right). A value checked wrong, then another typed: the line
    says the one typed; a value checked wrong and left: "you said"."""
    stepper = _example_b_stepper()
    try:
        first, second = stepper.ask_steps[:2]
        stepper.step = first
        stepper._on_message(stepper, {"kind": "reveal", "step": first, "values": ["3", ""]}, [])
        fields = stepper.results[str(first)]["fields"]
        assert [f["line"] for f in fields] == ["dy/da = -1 (you typed 3, not checked)", "✗ dy/db = 5 (no answer)"]
        assert [f["mark"] for f in fields] == ["note", "wrong"]
        assert stepper.tally == {"right": 0, "wrong": 2}
        stepper.step = second
        stepper.submit_prediction(["4", "-4"])
        stepper._on_message(stepper, {"kind": "reveal", "step": second, "values": ["4", "7"]}, [])
        lines = [f["line"] for f in stepper.results[str(second)]["fields"]]
        assert lines == ["✗ dy/db · ∂b/∂m = 5 (you said 4)", "dy/db · ∂b/∂n = -5 (you typed 7, not checked)"]
    finally:
        stepper.close()


# --- in JupyterLab ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(lab, browser):
    yield from module_page(browser)


def _output_of(page, index):
    return f'.jp-Cell[data-windowed-list-index="{index}"] .jp-OutputArea-output'


@pytest.mark.browser
def test_W14_1_lecture_03s_error_message_breaks_between_words(page, lab):
    """Lecture 03's "A graph is used once": the RuntimeError it prints (the message that "says what to
    do") at 1440x900, and in lecture mode at 1280x720, light and dark: no word broken across two lines
    (it broke "retain_graph=|True", and "th|ey", "yo|u" in lecture mode), the message whole."""
    open_in_page(page, lab, LECTURE03, "1440x900", SUBDIR)
    i = cell_index(page, "except RuntimeError as e:")
    scope = _output_of(page, i)
    try:
        for theme, size, scale in (("light", "1440x900", 1), ("dark", "1280x720", 1.5)):
            with themed(page, theme):
                set_viewport(page, size)
                lecture_mode(page, scale)
                scroll_to_cell(page, i, "center")
                text = page.locator(scope).inner_text()
                assert "Specify retain_graph=True if you need to backward through the graph a second time" in text, text
                assert split_words(page, scope) == [], (theme, size)
                save_screenshot(page, f"W14_1_lecture03_retain_graph_message_{size}_{theme}", SUBDIR,
                                locator=page.locator(f'.jp-Cell[data-windowed-list-index="{i}"]'))
    finally:
        lecture_mode(page, 1)


def _scratch_notebook(lab):
    """A notebook of two cells, lecture 01's Example B stepper in predict mode and the regression lab, in
    tests/artifacts/walk14/nb_test (repo-relative path)."""
    import os
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{k}", "metadata": {},
                     "outputs": [], "source": src} for k, src in enumerate((EXAMPLE_B, LAB))],
          "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                      "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = ARTIFACTS / SUBDIR / "nb_test" / os.environ.get("PYTEST_XDIST_WORKER", "") / "walk14_widgets.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path.relative_to(lab.root).as_posix()


@pytest.mark.browser
def test_W13_6_and_W13_5_what_a_student_is_told(page, lab):
    """At 1440x900: Example B's stepper in predict mode, 3 typed in the dy/da box and the dy/db box left
    empty, "reveal answer": the panel says "dy/da = -1 (you typed 3, not checked)" and "✗ dy/db = 5 (no
    answer)" (it said "✗ dy/da = -1 (no answer)"). The regression lab's seed box: "3.7" + Enter is
    refused with a note (the box shows 10 again; it became 37), "-5" too (it became 0), then 12 + Enter
    is taken (new data: iteration 0) and the note goes; the note is a status a screen reader reads."""
    from playwright.sync_api import expect
    path = _scratch_notebook(lab)
    set_viewport(page, "1440x900")
    open_and_run_all(page, lab, path)
    page.wait_for_function(ALL_RAN, timeout=120_000)
    stepper = page.locator(".cgraph-stepper").first
    stepper.locator("svg g.node").first.wait_for(state="attached", timeout=60_000)
    stepper.scroll_into_view_if_needed()
    control(stepper, "last step").click()              # predict mode: stops at the first question
    box = stepper.get_by_role("textbox", name="dy/da")
    expect(box).to_be_visible(timeout=10_000)
    box.fill("3")
    control(stepper, "reveal answer").click()
    expect(stepper.get_by_text("dy/da = -1 (you typed 3, not checked)", exact=True)).to_be_visible(timeout=10_000)
    expect(stepper.get_by_text("✗ dy/db = 5 (no answer)", exact=True)).to_be_visible()
    assert "✗ dy/da = -1 (no answer)" not in stepper.inner_text()
    save_screenshot(page, "W13_6_reveal_typed_not_checked_1440x900", SUBDIR, locator=stepper)

    lab_box = page.locator(".cgl-regression")
    lab_box.scroll_into_view_if_needed()
    seed = lab_box.get_by_role("textbox", name="seed")
    note = lab_box.get_by_role("status").filter(has_text="the seed stays")
    for typed, told in (("3.7", "3.7 is not a whole number: the seed stays 10"),
                        ("-5", "-5 is below 0: the seed stays 10")):
        seed.fill(typed)
        seed.press("Enter")
        expect(note).to_contain_text(told, timeout=10_000)
        expect(seed).to_have_value("10")
    with themed(page, "dark"):
        lab_box.scroll_into_view_if_needed()
        save_screenshot(page, "W13_5_seed_refused_1440x900_dark", SUBDIR, locator=lab_box)
    assert unnamed_controls(page, ".cgl-regression") == []
    seed.fill("12")
    seed.press("Enter")
    expect(note).to_have_count(0, timeout=10_000)
    expect(seed).to_have_value("12")
