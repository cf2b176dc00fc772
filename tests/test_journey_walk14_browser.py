"""A student's and a lecturer's fourteenth walkthrough (lectures 02, 03, 04, 05, 07; exercises ex03, ex04),
and walk 13's two findings left open, pinned by what they see in JupyterLab. Screenshots in
tests/artifacts/walk14/; the findings are in /work/coord/walk14-findings.md.

- W14_1 (fixed in widgets/lecture.py, widgets/__init__.py): JupyterLab shows printed text and errors
  with `word-break: break-all`. Walk 13 gave exercise notebooks a page style under which lines break
  between words (W13_1); lectures print and warn too: lecture 03's RuntimeError, the message "that says
  what to do", broke "retain_graph=|True" on a laptop and "th|ey", "yo|u" in lecture mode (lecture mode
  styled errors only, not stdout); lecture 04's TracerWarning "in|puts!", lecture 05's tracebacks. The
  style now comes with the widgets package, which every notebook imports.
- W14_2 (fixed in widgets/naming.py): lecture 07's residual block, last step, in lecture mode at 1280x720:
  x.grad's line "dout/dx = dout/d(w1 * x) · ∂(w1 * x)/∂x + dout/d(x + w2 * h) · ..." kept
  "∂(w1 * x)/∂x + dout/d(x + w2 * h)" as one run (the + between two terms of the sum glued them),
  wider than the panel, so it broke inside a label: "dout/d(x +" / "w2 * h)", a "·" alone on a line.
  A + or - between two terms at least one of which is a derivative is where the sum may break.
- W14_3 (fixed in widgets/exercises.py): an answer cell that raised (`p_after_two = 1/0`, a typo, a
  syntax error), then its check: the check read the name's earlier value: "✓ correct" (an earlier
  right answer) beside a failing cell, or "not filled in yet: replace the None" after a typed answer.
  The kernel notes which names a cell that raised did not reach; a check cell first says so.
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
import pytest

from lab_browser import (ALL_RAN, cell_index, control, lecture_mode, module_page, notebook_cell, open_and_run_all,
                         open_in_page, press_in_stepper, save_screenshot, scratch_notebook, scroll_to_cell, set_viewport,
                         split_words, stepper_node, themed, unnamed_controls)
from test_journey_walk13_browser import _PANEL_LABELS_BROKEN

SUBDIR = "walk14"
LECTURE03 = "notebooks/03_backward_in_depth.ipynb"


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


def test_W14_2_a_sum_of_chain_rule_terms_breaks_at_its_plus():
    """Lecture 07's last step: x.grad's line adds two paths. Its labels are each one run (kept whole),
    the sum's + between two terms is not inside one: the run "∂(w1 * x)/∂x + dout/d(x + w2 * h)" was
    wider than the panel in lecture mode and broke inside "(x + w2 * h)". A label's own + stays inside
    its run (a caption's "x + w2 * h", "dz/d(a + b)"), as does a sum of numbers."""
    from widgets.naming import whole_runs
    line = ("dout/dx = dout/d(w1 * x) · ∂(w1 * x)/∂x + dout/d(x + w2 * h) · ∂(x + w2 * h)/∂x "
            "= 0·(-0.5) + 1·1 = 1")
    assert whole_runs(line) == ["dout/d(w1 * x)", "∂(w1 * x)/∂x", "dout/d(x + w2 * h)", "∂(x + w2 * h)/∂x",
                                "0·(-0.5) + 1·1"]
    assert whole_runs("backward: AddBackward0 gets dout/d(x + w2 * h) = 1 and passes gradients to x, w2 * h") \
        == ["dout/d(x + w2 * h)", "w2 * h"]
    assert whole_runs("dz/db = dz/d(a + b) · ∂(a + b)/∂b = 1·1 = 1") == ["dz/d(a + b)", "∂(a + b)/∂b"]
    assert whole_runs("dy/dw = 2·1 + 3·1 = 5") == ["2·1 + 3·1"]


def test_W14_3_a_check_after_its_answer_cell_raised_says_so():
    """In a kernel, ex04 task 2 as a student runs it: the stub, then "p_after_two = abc" (NameError) and
    the check: it said "not filled in yet: replace the None", though they had; then the right answer
    and its check (✓), then "p_after_two = 1/0" (ZeroDivisionError) and the check: it said "✓
    p_after_two is correct" beside a cell that fails (nbgrader's fresh run gives it no points). Each
    now says the answer cell raised, and what; a syntax error too. A cell that raised after it set the
    name does not count; a right answer run again is ✓ again; a name never defined keeps walk 10's
    NameError line; two names of one cell that raised are told in one line. Every message is an error
    output (no points); a cell that is not one call of checks is left alone."""
    import os
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient
    root = Path(__file__).resolve().parents[1]
    sources = ["from widgets.exercise_checks import ex04 as checks", "p_after_two = None",
               "p_after_two = abc", "checks.momentum_by_hand(p_after_two)",            # 3
               "p_after_two = 0.46", "checks.momentum_by_hand(p_after_two)",           # 5
               "p_after_two = 1/0", "checks.momentum_by_hand(p_after_two)",            # 7
               "p_after_two = ", "checks.momentum_by_hand(p_after_two)",               # 9
               "p_after_two = 0.46\nraise ValueError('after')", "checks.momentum_by_hand(p_after_two)",   # 11
               "checks.momentum_by_hand(p_after_three)",                               # 12
               "from widgets.exercise_checks import ex01 as checks\nm_grad, n_grad = None, None",
               "m_grad = 4.0\nn_grad =", "checks.example_b_by_hand(m_grad, n_grad)",    # 15
               "x = checks\nx.example_b_by_hand(m_grad, n_grad)"]                    # 16 (not a check cell)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p))
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(root / "notebooks" / "exercises")}}).execute(env=env)
    told = ["\n".join("\n".join(o.traceback) for o in cell.outputs if o.output_type == "error") for cell in nb.cells]
    said = ["".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream") for cell in nb.cells]
    mend = "when you last ran it, so p_after_two still holds what it held before (this check would read that): " \
           "mend that cell and run it again, then this check."
    assert told[3] == f"✗ the cell that sets p_after_two raised NameError (name 'abc' is not defined) {mend}", told[3]
    assert told[5] == "" and said[5].startswith("✓ p_after_two is correct"), (told[5], said[5])
    assert told[7] == f"✗ the cell that sets p_after_two raised ZeroDivisionError (division by zero) {mend}", told[7]
    assert told[9] == f"✗ the cell that sets p_after_two raised SyntaxError (invalid syntax) {mend}", told[9]
    assert told[11] == "" and said[11].startswith("✓ p_after_two is correct"), (told[11], said[11])
    assert told[12].startswith("✗ p_after_three is not defined yet: run the cell above"), told[12]
    assert told[15] == ("✗ the cell that sets m_grad and n_grad raised SyntaxError (invalid syntax) when you last "
                        "ran it, so they still hold what they held before (this check would read that): mend that "
                        "cell and run it again, then this check."), told[15]
    assert "raised" not in told[16], told[16]


def test_W13_6_reveal_says_a_value_typed_and_not_checked():
    """Example B's first question (dy/da, dy/db): 3 typed in the first box, nothing in the second, then
    reveal (the browser's message carries what the boxes show): the first line says what was typed and
    that it was not checked, with no ✓ or ✗; the second, left empty, says "no answer". The tally counts
    the reveal as before (both fields not right). A value checked wrong, then another typed: the line
    says the one typed; a value checked wrong and left: "you said"."""
    from test_stepper import stepper_of
    from test_stepper_model import example_b
    stepper, _ = stepper_of(example_b, predict=True)
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
    def look(theme, size, scale):
        set_viewport(page, size)
        lecture_mode(page, scale)
        scroll_to_cell(page, i, "center")
        text = page.locator(scope).inner_text()
        assert "Specify retain_graph=True if you need to backward through the graph a second time" in text, text
        assert split_words(page, scope) == [], (theme, size)
        save_screenshot(page, f"W14_1_lecture03_retain_graph_message_{size}_{theme}", SUBDIR,
                        locator=page.locator(f'.jp-Cell[data-windowed-list-index="{i}"]'))
    try:
        look("light", "1440x900", 1)                    # (the page opens in the light theme)
        with themed(page, "dark"):
            look("dark", "1280x720", 1.5)
    finally:
        lecture_mode(page, 1)


def _scratch_notebook(lab):
    """A notebook of three cells, as the lectures write them: lecture 01's Example B stepper in predict
    mode, lecture 07's residual block stepper, and the regression lab; in tests/artifacts/walk14/nb_test
    (its repo-relative path)."""
    example_b = ("import autograd_core as torch\nfrom widgets.stepper import GraphStepper\n\n"
                 + notebook_cell("notebooks/01_computation_graphs.ipynb", "with torch.record() as rec_b:"))
    residual = notebook_cell("notebooks/07_training_networks.ipynb", "def residual_block():")
    return scratch_notebook(lab, (example_b, residual, LAB), SUBDIR, "walk14_widgets.ipynb")


@pytest.mark.browser
def test_W13_6_W14_2_and_W13_5_what_a_student_is_told(page, lab):
    """At 1440x900: Example B's stepper in predict mode, 3 typed in the dy/da box and the dy/db box left
    empty, "reveal answer": the panel says "dy/da = -1 (you typed 3, not checked)" and "✗ dy/db = 5 (no
    answer)" (it said "✗ dy/da = -1 (no answer)"). Lecture 07's residual block at its last step in
    lecture mode at 1280x720 (a node clicked), light and dark: x.grad's line breaks at the + of its
    sum, no label in brackets broken (it broke "dout/d(x +" / "w2 * h)"). The regression lab's seed box: "3.7" + Enter is
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

    # lecture 07's residual block in lecture mode at 1280x720: x.grad's line at the last step, a node
    # clicked (the inspector under the panel), light and dark: no label in brackets broken (W14_2)
    residual = page.locator(".cgraph-stepper").nth(1)

    def last_step_whole(theme):
        set_viewport(page, "1280x720")
        lecture_mode(page, 1.5)
        residual.scroll_into_view_if_needed()
        press_in_stepper(residual, "End")
        stepper_node(residual, "out").click()
        panel = residual.get_by_role("region", name="chain rule")
        lines = panel.locator(".cg-line").all_inner_texts()
        assert lines[-1].startswith("dout/dx = dout/d(w1 * x) · ∂(w1 * x)/∂x + dout/d(x + w2 * h)"), lines
        assert panel.evaluate(_PANEL_LABELS_BROKEN) == [], theme
        save_screenshot(page, f"W14_2_lecture07_block_last_step_1280x720_{theme}", SUBDIR)
        lecture_mode(page, 1)
        set_viewport(page, "1440x900")

    seed = page.locator(".cgl-regression").get_by_role("textbox", name="seed")
    note = page.locator(".cgl-regression").get_by_role("status").filter(has_text="the seed stays")
    try:
        last_step_whole("light")
        with themed(page, "dark"):
            last_step_whole("dark")
            # the seed box, in the dark theme
            lab_box = page.locator(".cgl-regression")
            lab_box.scroll_into_view_if_needed()
            for typed, told in (("3.7", "3.7 is not a whole number: the seed stays 10"),
                                ("-5", "-5 is below 0: the seed stays 10")):
                seed.fill(typed)
                seed.press("Enter")
                expect(note).to_contain_text(told, timeout=10_000)
                expect(seed).to_have_value("10")
            save_screenshot(page, "W13_5_seed_refused_1440x900_dark", SUBDIR, locator=lab_box)
    finally:
        lecture_mode(page, 1)
        set_viewport(page, "1440x900")
    assert unnamed_controls(page, ".cgl-regression") == []
    seed.fill("12")
    seed.press("Enter")
    expect(note).to_have_count(0, timeout=10_000)
    expect(seed).to_have_value("12")
