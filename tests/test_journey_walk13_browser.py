"""A student's and a lecturer's thirteenth walkthrough, of the parts walked longest ago (index, 00_welcome,
01_computation_graphs, 06_linear_regression and the regression lab app, exercises ex01 and ex02), pinned by
what they see in JupyterLab. Screenshots in tests/artifacts/walk13/; the findings are in
/work/coord/walk13-findings.md.

- W13_1 (walk 12's W12_9, fixed in widgets/exercises.py): outside lecture mode JupyterLab shows an error
  output (and a stdout one) with `word-break: break-all`, so a check's ✗ message broke its lines inside
  words ("in|terior", "Py|thon"), and its ✓ line's note ("g|ets") on a 1440x900 laptop.
  widgets.exercises, imported by every exercise notebook, puts a style on the page (an anywidget model that is never displayed: no cell shows anything for it) under which a
  line breaks between words, as lecture mode's does.
- W13_2 (walk 11's W11_5 carried to the chain-rule panel, fixed in widgets/_recording.py and
  widgets/static/stepper.js, .css): lecture 01's Example C in lecture mode at 1280x720 showed
  "dz/db = dz/d(a + b) · ∂(a +" / "b)/∂b = 1·1 = 1": a line of the panel broke inside a label. The step
  model marks each line's labels (`lines_whole`, found by naming.whole_runs as a caption's are) and the
  panel shows each in a span that goes to the next line whole (and breaks inside only when it is wider
  than the panel).
"""
import pytest

from lab_browser import (control, first_stepper, index_of, lecture_mode, module_page, open_in_page,
                         press_in_stepper, run_cells, save_screenshot, scroll_to_cell, set_viewport,
                         split_words, stepper_step, themed)

SUBDIR = "walk13"
LECTURE01 = "notebooks/01_computation_graphs.ipynb"
EX02 = "notebooks/exercises/ex02_backward.ipynb"


# --- not in a browser ---------------------------------------------------------------------------------

def test_W13_1_exercise_messages_get_their_style_in_a_kernel_only():
    """In a kernel, the widgets package (which widgets.exercises is part of) opens one anywidget model
    whose CSS lets an error output's lines break between words only; outside a kernel (nbclient's
    checks, a terminal) it opens nothing. (Walk 14 moved it from widgets.exercises to
    widgets.lecture.text_output_style: lectures print and warn too, W14_1.)"""
    from types import SimpleNamespace

    from widgets import exercises, lecture  # noqa: F401  (exercises: importing it opens nothing more)
    assert lecture.text_output_style(SimpleNamespace()) is lecture._text_style       # no kernel: as it was
    before = lecture._text_style
    try:
        lecture._text_style = None
        assert lecture.text_output_style(SimpleNamespace(kernel=None)) is None
        model = lecture.text_output_style(SimpleNamespace(kernel=object()))
        assert model is not None and lecture.text_output_style(SimpleNamespace(kernel=object())) is model
        css = model._css
        assert 'data-mime-type="application/vnd.jupyter.stderr"' in css
        assert 'data-mime-type="application/vnd.jupyter.stdout"' in css
        assert "word-break: normal" in css and "overflow-wrap: anywhere" in css
        model.close()
    finally:
        lecture._text_style = before


def _example_c():
    """Lecture 01's Example C in the stepper's function view."""
    from widgets.torch_switch import load
    torch = load("autograd_core")
    a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (1.0, 2.0, 3.0, 4.0))
    z = (a + b) + c * d
    z.backward()


def test_W13_2_the_step_model_marks_the_labels_of_the_chain_rule_lines():
    from widgets.stepper import GraphStepper
    stepper = GraphStepper(_example_c, view="function")
    frames = stepper.model.frames
    stepper.close()
    last = frames[-1]
    assert last["lines"][-1][0] == "dz/db = dz/d(a + b) · ∂(a + b)/∂b = 1·1 = 1", last["lines"]
    assert last["lines_whole"] == [[], ["dz/d(a + b)", "∂(a + b)/∂b"]], last["lines_whole"]
    for frame in frames:        # one list of runs per line, each run a piece of its line
        if "lines_whole" in frame:
            assert len(frame["lines_whole"]) == len(frame["lines"])
            for (text, _role), runs in zip(frame["lines"], frame["lines_whole"]):
                assert all(run in text for run in runs), (text, runs)
    assert "lines_whole" not in frames[0]       # step 0's program: "a = leaf 1.0", no label with spaces


# --- in JupyterLab ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(lab, browser):
    yield from module_page(browser)


@pytest.mark.browser
def test_W13_1_a_checks_message_breaks_between_words(page, lab):
    """ex02 at 1440x900, not in lecture mode, light and dark: task 1 with second_backward_raises wrong is
    told a ✗ line of two lines; task 3 with the right factor and a dh_dw
    that forgets dz/dw is told a ✓ line with its note (stdout) and a ✗ line (an error output), and
    every line breaks between words only (the ✓ line broke "g|ets", walk 12's ✗ lines "Py|thon");
    the lines read as written. Then an empty dh_dw (the stub) is told it is not written yet."""
    open_in_page(page, lab, EX02, "1440x900", SUBDIR)
    answer, check = index_of(page, "ex02_task1"), index_of(page, "ex02_task1_check")
    told = run_cells(page, {answer: "w_grad_after_three = 15\nx_grad_after_three = 6\nsecond_backward_raises = False"},
                     check)
    assert told.splitlines()[-1].startswith("✗ second_backward_raises = False is not right yet: the first backward() "
                                            "frees the tensors the graph saved for it"), told
    split_task1 = split_words(page, f'.jp-Cell[data-windowed-list-index="{check}"] .jp-OutputArea-output')
    factor, fn, check = (index_of(page, g) for g in ("ex02_task3_factor", "ex02_task3_dh_dw", "ex02_task3_check"))
    scope = f'.jp-Cell[data-windowed-list-index="{check}"] .jp-OutputArea-output'
    wrong = "import math\n\n\ndef dh_dw(w, x):\n    return 1 - math.tanh(w * x) ** 2\n"
    told = run_cells(page, {factor: 'small_factor = "dh/dz"', fn: wrong}, check)
    assert told.splitlines()[0].startswith("✓ small_factor is correct: tanh'(z) = 1 - tanh(z)² is 0.0005"), told
    assert told.splitlines()[-1] == ("✗ dh_dw(1.5, 3) = 0.000493517 is not right yet: that is dh/dz alone; "
                                     "multiply by dz/dw (z = w·x)."), told
    assert split_task1 == []
    for theme in ("light", "dark"):
        with themed(page, theme):
            scroll_to_cell(page, check, "center")
            assert split_words(page, scope) == [], theme
            save_screenshot(page, f"W13_1_ex02_task3_messages_1440x900_{theme}", SUBDIR)
    told = run_cells(page, {fn: "def dh_dw(w, x):\n    pass"}, check)
    assert told.splitlines()[-1] == "✗ dh_dw is not written yet: write its body in the cell above (and return the result).", told
    assert split_words(page, scope) == []


# The panel's labels ("(a + b)", "d(w + x)") broken across two lines: [[label, line's text]].
_PANEL_LABELS_BROKEN = r"""(panel) => {
  const broken = [];
  for (const line of panel.querySelectorAll('.cg-line')) {
    const nodes = [], walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
    const text = nodes.map(n => n.textContent).join('');
    const at = (k) => { for (const n of nodes) { if (k < n.textContent.length) return [n, k]; k -= n.textContent.length; } };
    for (const m of text.matchAll(/\([\w.]+(?: [-+*\/@] [\w.]+)+\)/g)) {
      const tops = new Set();
      for (let k = m.index; k < m.index + m[0].length; k++) {
        if (/\s/.test(text[k])) continue;
        const [n, o] = at(k), range = document.createRange();
        range.setStart(n, o); range.setEnd(n, o + 1);
        const box = [...range.getClientRects()].find(r => r.width > 0);
        if (box) tops.add(Math.round(box.top));
      }
      if (tops.size > 1) broken.push([m[0], text]);
    }
  }
  return broken;
}"""


@pytest.mark.browser
def test_W13_2_chain_rule_lines_keep_each_label_on_one_line(page, lab):
    """Lecture 01's steppers of Examples A and C in lecture mode (x1.5) at 1280x720, light and dark: at every step
    no label in brackets ("(a + b)", "(w + x)", "(c * d)") of the chain-rule panel is broken across two
    lines (Example C's last step broke "∂(a +" / "b)/∂b"); the panel's text reads as written."""
    open_in_page(page, lab, LECTURE01, "1280x720", SUBDIR)
    try:
        for theme in ("light", "dark"):
            with themed(page, theme):
                set_viewport(page, "1280x720")
                lecture_mode(page, 1.5)
                steppers = page.locator(".cgraph-stepper")
                first_stepper(page)
                from playwright.sync_api import expect
                expect(steppers).to_have_count(3, timeout=60_000)  # (the others may still be drawing)
                for s in (0, 2):                # Examples A and C (B is Example A's graph to predict)
                    stepper = steppers.nth(s)
                    stepper.scroll_into_view_if_needed()
                    # (counter and chain-rule panel: drawn by the key's handler, from the frames in the page)
                    press_in_stepper(stepper, "End", settle_ms=0)
                    last = stepper_step(stepper)
                    press_in_stepper(stepper, "Home", settle_ms=0)
                    panel = stepper.get_by_role("region", name="chain rule")
                    for step in range(1, last + 1):
                        press_in_stepper(stepper, "ArrowRight", settle_ms=0)
                        assert stepper_step(stepper) == step
                        broken = panel.evaluate(_PANEL_LABELS_BROKEN)
                        assert broken == [], (theme, s, step, broken)
                    if s == 2:
                        lines = panel.locator(".cg-line").all_inner_texts()
                        assert lines[-1] == "dz/db = dz/d(a + b) · ∂(a + b)/∂b = 1·1 = 1", lines
                        save_screenshot(page, f"W13_2_lecture01_exampleC_last_step_1280x720_{theme}", SUBDIR)
                assert control(page, "next step").count() == steppers.count()
    finally:
        lecture_mode(page, 1)
