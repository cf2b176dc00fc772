"""A student in predict mode in the regression lab's stepper (one iteration of `y_pred = w * x + b;
loss = (0.5 * (y - y_pred) ** 2).mean()` on 20 data points), in JupyterLab: predict mode asks only
what can be worked out from the screen. Where a gradient has 20 different values (shown as
min / mean / max) it asks for ONE element, the prompt giving what that element needs; dloss/dw
(a sum over the 20 points of x times the gradient) is asked as the first point's part; w.grad,
which would only repeat dloss/dw, is not asked and the step says why.

The student reads every number off the screen (the prompt), answers wrong once, then right; the
answer is never on screen before it is given; nothing is cut off, at 1440x900 (light) and at
1280x720 in dark lecture mode. Controls are found by their accessible names.
"""
import re

import pytest

from lab_browser import (ALL_RAN, assert_controls_fit, assert_no_widget_errors, control, copy_notebook,
                         dismiss_notifications, first_stepper, lecture_mode, new_page, open_and_run_all,
                         press_in_stepper, save_screenshot, set_viewport, stepper_step, text_cut_off,
                         themed, visible_text)

pytestmark = pytest.mark.browser
APP = "notebooks/apps/regression_lab.ipynb"
SUBDIR = "predict_answerable"
NUM = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
N = 20  # the lab's data points


@pytest.fixture(scope="module")
def stepper(lab, browser):
    """The regression lab after three Step clicks, its iteration open in a GraphStepper."""
    page = new_page(browser, 1440, 900)
    open_and_run_all(page, lab, copy_notebook(lab, APP, f"{SUBDIR}/nb"))
    page.wait_for_function(ALL_RAN, timeout=180_000)
    dismiss_notifications(page)
    page.locator(".cgl-regression").first.scroll_into_view_if_needed()
    for _ in range(3):
        control(page, "Step").click()
        page.wait_for_timeout(400)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy")
    control(page, "Step through this iteration").click()          # a toggle button
    yield first_stepper(page)
    page.context.close()


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
            box.scroll_into_view_if_needed()               # (a projector: the prompt is tall)
            save_screenshot(page, "predict_part_open_dark_lecture_1280x720", SUBDIR)
            _nothing_cut_off(page)
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
            assert st.locator(".cg-tally").inner_text().split() == ["✓", "7", "✗", "1"]
            save_screenshot(page, "predict_w_grad_skip_dark_lecture_1280x720", SUBDIR)
            _nothing_cut_off(page)
    finally:
        lecture_mode(page, 1)
        set_viewport(page, "1440x900")
    assert_no_widget_errors(page)
