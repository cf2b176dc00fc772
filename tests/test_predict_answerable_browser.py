"""A student in predict mode in the regression lab's stepper (one iteration of `y_pred = w * x + b;
loss = (0.5 * (y - y_pred) ** 2).mean()` on 20 data points), in JupyterLab: predict mode asks only
what can be worked out from the screen. Where a gradient has 20 different values (shown as
min / mean / max) it asks for ONE element, the prompt giving what that element needs; dloss/dw
(a sum over the 20 points of x times the gradient) is asked as the first point's part; w.grad,
which would only repeat dloss/dw, is not asked and the step says why.

The student reads every number off the screen (the prompt), answers wrong once, then right; the
answer is never on screen before it is given; nothing is cut off, at 1440x900 (light) and at
1280x720 in dark lecture mode. Controls are found by their accessible names.

The question at a projector (review of 2026-12): at 1280x720 in lecture mode the tally wrapped alone
under the toolbar and the box's words were under the panel's check / reveal bar; the panel now shows
the question from its last prompt line to the verdict, no line cut in half, at 1280x720 and 1440x900,
light and dark, with and without lecture mode.

W8_8, lecture 01 (in the same page): Example B's predict stepper was followed by a cell printing
torch's gradients, so Run All showed the answers below the question. The cell keeps them back
(widgets.reveal.Reveal) until the student presses "Show the engine's answers".
"""
import re

import pytest

from lab_browser import (ALL_RAN, assert_controls_fit, assert_no_widget_errors, cell_index, control,
                         copy_notebook, dismiss_notifications, first_stepper, lecture_mode, open_and_run_all,
                         open_in_page, output_text, press_in_stepper, save_screenshot, scroll_to_cell,
                         set_viewport, stepper_step, text_cut_off, themed, unnamed_controls, visible_text)

pytestmark = pytest.mark.browser
APP = "notebooks/apps/regression_lab.ipynb"
SUBDIR = "predict_answerable"
NUM = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
N = 20  # the lab's data points


@pytest.fixture(scope="module")
def stepper(lab, lab_page):
    """The regression lab after three Step clicks, its iteration open in a GraphStepper."""
    page = lab_page
    open_and_run_all(page, lab, copy_notebook(lab, APP, f"{SUBDIR}/nb"))
    page.wait_for_function(ALL_RAN, timeout=180_000)
    dismiss_notifications(page)
    page.locator(".cgl-regression").first.scroll_into_view_if_needed()
    for _ in range(3):
        control(page, "Step").click()
        page.wait_for_timeout(400)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy")
    control(page, "Step through this iteration").click()          # a toggle button
    return first_stepper(page)


def _panel(st):
    return " ".join(st.get_by_role("region", name="chain rule").inner_text().split())


def _after(text, key):
    m = re.search(re.escape(key) + " = " + NUM, text)
    assert m, f"{key} = ... is not on screen: {text}"
    return float(m.group(1))


def _answer(st, box, typed, says):
    """Type into `box` and press Enter (a student's check); wait for the verdict `says`."""
    box.fill(typed)
    box.press("Enter")
    feedback = st.locator(".cg-feedback")
    for _ in range(50):
        if says in feedback.inner_text():
            return
        st.page.wait_for_timeout(100)
    raise AssertionError(f"{typed!r}: the stepper says {feedback.inner_text()!r}, not {says!r}")


def _next_question(st, name):
    """Go on (End stops at the next open question); its answer box, found by its accessible name."""
    press_in_stepper(st, "End")
    box = st.get_by_role("textbox", name=name, exact=True)
    box.wait_for(timeout=10_000)
    return box


def _not_on_screen(page, number):
    shown = " ".join(visible_text(page, ".cgraph-stepper", inputs=False))
    assert number not in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", shown), \
        f"the answer {number} is on screen before it is given: {shown}"


# Lines of text in a stepper's chain-rule panel a student sees only in part: across the panel's top
# or bottom edge, or under its sticky check / reveal bar; and the question's parts (its last prompt
# line, each box and its words, the verdict of a check) not wholly in sight in the panel.
_PANEL_NOT_WHOLE = """(el) => {
  const panel = el.querySelector('.cg-panel'), p = panel.getBoundingClientRect();
  const top = p.top + panel.clientTop, bottom = top + panel.clientHeight;
  const bar = panel.querySelector('.cg-predict-actions'), b = bar && bar.getBoundingClientRect();
  const under = (r) => b && !bar.contains(r.node) && r.bottom > b.top + 1 && r.top < b.bottom - 1;
  const where = (r) => ({top: Math.round(r.top - top), bottom: Math.round(r.bottom - top),
                         panel: Math.round(bottom - top), bar: b ? Math.round(b.top - top) : null});
  const cut = [], range = document.createRange();
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim() || (bar && bar.contains(n))) continue;
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      const shown = Math.min(r.bottom, bottom) - Math.max(r.top, top);
      if (shown > 0 && (shown < r.height - 2 || under(r)))
        cut.push({text: n.textContent.trim().slice(0, 50), ...where(r)});
    }
  }
  const prompts = panel.querySelectorAll('.cg-line-prompt');
  const parts = [prompts[prompts.length - 1], ...panel.querySelectorAll(
    '.cg-predict-row, .cg-field-words, .cg-predict-actions, .cg-fb-message')].filter(Boolean);
  for (const e of parts) {
    const r = e.getBoundingClientRect();
    if (r.top < top - 1 || r.bottom > bottom + 1 || (!bar.contains(e) && e !== bar && under(r)))
      cut.push({part: e.className, text: e.textContent.trim().slice(0, 50), ...where(r)});
  }
  return cut;
}"""
# How many lines an element's text takes.
_LINES = """(e) => { const range = document.createRange(); range.selectNodeContents(e);
  return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size; }"""
# The toolbar's items: [class, top, bottom, the group they are in].
_BAR_ITEMS = """(el) => [...el.querySelectorAll('.cg-bar .cg-btn, .cg-bar .cg-slider, .cg-bar .cg-counter, ' +
  '.cg-bar .cg-phase, .cg-bar .cg-speed, .cg-bar .cg-predict-toggle, .cg-bar .cg-tally')]
  .map(e => { const r = e.getBoundingClientRect();
              return [e.className, r.top, r.bottom, e.closest('.cg-bar-steps') ? 'steps' : 'state']; })"""


def _one_line(items):
    return max(top for _, top, _, _ in items) < min(bottom for _, _, bottom, _ in items)


def _question_in_sight(st, where):
    """The open question reads whole in its panel: no line of the panel's text shown in part (the
    premise scrolled away above stops at a line's top), its last prompt line, boxes, their words and
    the verdict of a check in sight, nothing under the sticky check / reveal bar; the box's label in
    at most two lines; the toolbar on one line (the tally with it), or its state as one line under
    the steps."""
    cut = st.evaluate(_PANEL_NOT_WHOLE)
    assert not cut, f"{where}: the question's text is not whole in its panel: {cut}"
    for label in st.locator(".cg-predict-label").all():
        lines = label.evaluate(_LINES)
        assert lines <= 2, f"{where}: {label.inner_text()!r} is broken into {lines} lines"
    items = st.evaluate(_BAR_ITEMS)
    state = [i for i in items if i[3] == "state"]
    assert _one_line(items) or (_one_line(state) and _one_line([i for i in items if i[3] == "steps"])), \
        f"{where}: the toolbar wraps item by item: {items}"
    return _one_line(items)


def _nothing_cut_off(page):
    cut = [c for c in text_cut_off(page, ".cgraph-stepper") if c["past"] > 2]
    assert not cut, cut
    assert_controls_fit(page, ".cgraph-stepper")


def test_student_predicts_one_element_then_a_part_and_is_told_why_w_grad_is_not_asked(stepper):
    st, page = stepper, stepper.page
    st.get_by_role("checkbox", name="predict").check()
    page.wait_for_timeout(300)
    # steps 7 and 8: every element equal, one number as before
    _answer(st, _next_question(st, "dloss/d(mul #2)"), f"1/{N}", "right!")
    _answer(st, _next_question(st, "dloss/d((y - y_pred) ** 2)"), "0.025", "right!")

    # step 9: one element of dloss/d(y - y_pred), what it needs in the prompt
    box = _next_question(st, "dloss/d(y - y_pred)[0, 0]")
    assert stepper_step(st) == 9
    text = _panel(st)
    assert "dloss/d(y - y_pred) has 20 different values, one per element: predict the one at [0, 0]." in text
    g = _after(text, "At [0, 0] (the first of 20): dloss/d((y - y_pred) ** 2)")
    u = _after(text, "PowBackward0 saved y - y_pred")
    right = f"{2 * u * g:.4g}"                      # d(u ** 2)/du = 2u, times what it received
    _not_on_screen(page, right)
    _answer(st, box, "0.5", "not quite")
    assert "✗" in st.locator(".cg-field-result").inner_text()
    assert st.locator(".cg-tally").inner_text().split() == ["✓", "2", "✗", "1"]
    _not_on_screen(page, right)
    save_screenshot(page, "predict_element_open_1440x900_light", SUBDIR)
    _nothing_cut_off(page)
    _answer(st, box, right, "right!")                # (the tally counts each box's first try)
    assert st.locator(".cg-tally").inner_text().split() == ["✓", "2", "✗", "1"]
    # the chain-rule panel now shows the element's product
    text = _panel(st)
    assert ("dloss/d(y - y_pred)[0, 0] = dloss/d((y - y_pred) ** 2) · ∂((y - y_pred) ** 2)/∂(y - y_pred) "
            f"at [0, 0] = {g:g}·") in text, text
    save_screenshot(page, "predict_element_answered_1440x900_light", SUBDIR)
    _nothing_cut_off(page)

    # a projector: 1280x720, dark theme, lecture mode
    set_viewport(page, "1280x720")
    lecture_mode(page, 1.5)
    try:
        with themed(page, "dark"):
            # step 10: y - y_pred's gradient, element [0, 0], passed on with a minus sign
            box = _next_question(st, "dloss/dy_pred[0, 0]")
            got = _after(_panel(st), "At [0, 0] (the first of 20): dloss/d(y - y_pred)")
            _answer(st, box, f"{-got:.4g}", "right!")
            # step 11: w * x gets the element as it is; b gets all 20 (20 x the shown mean)
            box = _next_question(st, "dloss/d(w * x)[0, 0]")
            text = _panel(st)
            g = _after(text, "At [0, 0] (the first of 20): dloss/dy_pred")
            mean = float(re.search(r"receives dloss/dy_pred = min " + NUM + "  ?mean " + NUM, text).group(2))
            box.fill(f"{g:.4g}")
            _answer(st, st.get_by_role("textbox", name="dloss/db", exact=True), f"{N * mean:.4g}", "right!")
            _answer(st, _next_question(st, "b.grad"), f"{N * mean:.4g}", "right!")
            # step 13: the first data point's part of dloss/dw = sum of x * dloss/d(w * x)
            box = _next_question(st, "part [0, 0] of dloss/dw")
            text = _panel(st)
            assert "dloss/dw adds up 20 parts, one per element of w * x: predict the part from [0, 0]." in text
            g = _after(text, "At [0, 0] (the first of 20): dloss/d(w * x)")
            x = _after(text, "MulBackward0 saved x")
            right = f"{g * x:.4g}"
            _not_on_screen(page, right)
            # the stepper fills the notebook's height: in sight as a whole, the prompt taller than
            # its panel, which shows the question from its prompt line down (review: the tally
            # wrapped alone under the toolbar, the box's words were under the check / reveal bar)
            page.evaluate("(e) => e.scrollIntoView({block: 'start'})", st.element_handle())
            assert _question_in_sight(st, "1280x720 dark lecture"), "the toolbar wraps at 1280x720"
            save_screenshot(page, "predict_part_open_dark_lecture_1280x720", SUBDIR)
            _nothing_cut_off(page)
            # a wrong try: its verdict in sight in the panel (it was below the panel's foot)
            _answer(st, box, "1", "not quite")
            page.evaluate("(e) => e.scrollIntoView({block: 'start'})", st.element_handle())
            _question_in_sight(st, "1280x720 dark lecture, a wrong try")
            save_screenshot(page, "predict_part_wrong_dark_lecture_1280x720", SUBDIR)
            # the same question at a laptop's size, and light, with and without lecture mode
            def look(size, scale, theme):
                set_viewport(page, size)
                lecture_mode(page, scale)
                press_in_stepper(st, "ArrowLeft")          # the question anew, as a student
                press_in_stepper(st, "End")                # reaches it: its box, its last try
                page.evaluate("(e) => e.scrollIntoView({block: 'start'})", st.element_handle())
                where = f"{theme}{'_lecture' if scale > 1 else ''}_{size}"
                _question_in_sight(st, where)
                save_screenshot(page, f"predict_part_wrong_{where}", SUBDIR)
                _nothing_cut_off(page)

            look("1440x900", 1.5, "dark")
            with themed(page, "light"):
                for size, scale in (("1440x900", 1), ("1280x720", 1), ("1440x900", 1.5)):
                    look(size, scale, "light")
            set_viewport(page, "1280x720")
            lecture_mode(page, 1.5)
            box = st.get_by_role("textbox", name="part [0, 0] of dloss/dw", exact=True)
            _answer(st, box, right, "right!")
            # step 14: nothing to predict (w.grad was [0]: it becomes dloss/dw): one line why,
            # and predict mode does not stop there
            press_in_stepper(st, "End")
            assert stepper_step(st) == 14
            assert st.get_by_role("textbox").count() == 0
            text = _panel(st)
            skip = st.locator(".cg-line-skip")
            assert skip.inner_text() == ("Nothing to predict here: w.grad was [0], so it becomes dloss/dw, "
                                         "which the chain-rule panel showed when it was passed on."), text
            assert skip.is_visible() and "w.grad = [" in text     # the step's own lines below it
            assert st.locator(".cg-tally").inner_text().split() == ["✓", "6", "✗", "2"]
            page.evaluate("(e) => e.scrollIntoView({block: 'start'})", st.element_handle())
            save_screenshot(page, "predict_w_grad_skip_dark_lecture_1280x720", SUBDIR)
            _nothing_cut_off(page)
    finally:
        lecture_mode(page, 1)
        set_viewport(page, "1440x900")
    assert_no_widget_errors(page)


# --- W8_8: lecture 01 keeps Example B's answers back until the student asks -------------------------

LEC01 = "notebooks/01_computation_graphs.ipynb"
ANSWERS = ("m.grad = 4.0   n.grad = -6.0", "accumulate  -6.0 into n.grad")   # what the cell prints


def test_W8_8_lecture01_example_b_answers_wait_for_the_button(lab, lab_page):
    page = open_in_page(lab_page, lab, LEC01, "1440x900", SUBDIR)
    # after Run All no output holds an answer (the notebook's model: every cell, in sight or not)
    leaked = page.evaluate("""(answers) => {
      const cells = window.jupyterapp.shell.currentWidget.content.model.cells, found = [];
      for (let i = 0; i < cells.length; i++)
        for (let j = 0; cells.get(i).type === 'code' && j < cells.get(i).outputs.length; j++) {
          const text = JSON.stringify(cells.get(i).outputs.get(j).toJSON());
          if (answers.some(a => text.includes(a))) found.push([i, text.slice(0, 200)]);
        }
      return found;
    }""", list(ANSWERS))
    assert not leaked, f"Run All shows Example B's answers: {leaked}"
    answers = cell_index(page, "with Reveal(")
    assert answers > cell_index(page, "GraphStepper(rec_b, predict=True)")
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.widgets[i].node.dataset.w88 = 'b'; }",
                  answers)
    cell = page.locator("[data-w88=b]")
    scroll_to_cell(page, answers - 1)                 # "Done predicting?" and the cell under it
    button = control(cell, "Show the engine's answers")
    button.wait_for(timeout=30_000)

    def printed():   # what the cell's output holds, on screen or not
        return page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                             ".outputArea.node.textContent", answers)

    # the button only, no answer in the page (in sight or hidden)
    assert printed().strip() == "Show the engine's answers", printed()
    scroll_to_cell(page, answers, "center")
    assert not any(a in " ".join(visible_text(page)) for a in ANSWERS)
    assert unnamed_controls(page, "[data-w88=b]") == []
    save_screenshot(page, "W8_8_lecture01_answers_held_1440x900_light", SUBDIR)

    # the keyboard: Enter shows them, the button (still focused) is now "Hide the answers"; Space hides
    button.focus()
    page.keyboard.press("Enter")
    hide = control(cell, "Hide the answers")
    hide.wait_for(timeout=10_000)
    shown = output_text(page, answers)
    assert all(a in shown for a in ANSWERS), shown
    assert hide.evaluate("e => e === document.activeElement")
    assert not text_cut_off(page, "[data-w88=b]")
    assert_controls_fit(page, "[data-w88=b]")
    save_screenshot(page, "W8_8_lecture01_answers_shown_1440x900_light", SUBDIR)
    page.keyboard.press(" ")
    control(cell, "Show the engine's answers").wait_for(timeout=10_000)
    # (the label and the output are two widgets' updates: the page may paint one a moment first)
    page.wait_for_function("([i, answers]) => !answers.some(a => window.jupyterapp.shell.currentWidget"
                           ".content.widgets[i].outputArea.node.textContent.includes(a))",
                           arg=[answers, list(ANSWERS)], timeout=10_000)
    assert not any(a in printed() for a in ANSWERS), printed()

    # a projector: dark, 1280x720, lecture mode; the mouse
    set_viewport(page, "1280x720")
    lecture_mode(page, 1.5)
    try:
        with themed(page, "dark"):
            scroll_to_cell(page, answers - 1)
            save_screenshot(page, "W8_8_lecture01_answers_held_dark_lecture_1280x720", SUBDIR)
            control(cell, "Show the engine's answers").click()
            control(cell, "Hide the answers").wait_for(timeout=10_000)
            assert all(a in output_text(page, answers) for a in ANSWERS)
            assert not text_cut_off(page, "[data-w88=b]")
            assert_controls_fit(page, "[data-w88=b]")
            scroll_to_cell(page, answers)
            save_screenshot(page, "W8_8_lecture01_answers_shown_dark_lecture_1280x720", SUBDIR)
    finally:
        lecture_mode(page, 1)
        set_viewport(page, "1440x900")
    assert_no_widget_errors(page)
