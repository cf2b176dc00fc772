"""Lecture 08 and exercise 05 (build your own autograd) as a student meets them, in JupyterLab and
headless Chromium, each on a copy of the committed notebook (JupyterLab autosaves what it runs).

Lecture: Run All runs every cell without an error; the numbers the lecture talks about are on the
page (Examples A and C as the tutorials give them, the meeting-order and `=` bugs, 15 against 10
after two backward calls, the RecursionError); the widget moment shows two graph pictures, our
Value graph (ops "+" and "*") above the one torch recorded (ops "add" and "mul"), both fitting the
output area. Light theme at 1440x900 and dark at 1280x720.

Exercise (student copy): Run All shows every check's messages (what is not written or filled in yet) and every
hint button; a task answered wrong, then another answered wrong with pasted code, get the messages
that name the mistakes; fixed, the check prints ✓; a hint opens one at a time.
Screenshots: tests/artifacts/byo_*.png.
"""
import pytest

from lab_browser import (ALL_RAN, KERNEL_IDLE as NOTEBOOK_IDLE, activate, assert_controls_fit, assert_no_widget_errors,
                         cell_node, cells, control, copy_notebook, dismiss_notifications, open_notebook,
                         pictures_that_dont_fit, save_screenshot, scroll_to_cell, set_viewport, themed, wait_idle)

pytestmark = pytest.mark.browser

LECTURE = "notebooks/08_build_your_own_autograd.ipynb"
EXERCISE = "notebooks/exercises/ex05_build_your_own_autograd.ipynb"

def output_of(page, i):
    return cell_node(page, i).locator(".jp-OutputArea-output")


def run_all(page, path):
    """Run all cells of the open notebook `path` (no reload: a theme just set stays without a second
    splash screen, whose removal can race JupyterLab's own); return its cells."""
    page.wait_for_function(NOTEBOOK_IDLE, arg=path, timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(500)
    page.wait_for_function(NOTEBOOK_IDLE, arg=path, timeout=180_000)
    page.wait_for_function(ALL_RAN, timeout=120_000)
    dismiss_notifications(page)
    return cells(page, svgs=True)


def paste_answer(page, i, text):
    """Replace cell i's content with `text`, as pasted (no auto-indent), and run it (Shift+Enter)."""
    editor = activate(page, i).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    page.keyboard.press("Shift+Enter")
    wait_idle(page)


def run_cell(page, i):
    activate(page, i)
    page.keyboard.press("Shift+Enter")
    wait_idle(page)


def check_message(page, i):
    """The one output line cell i shows (scrolled into view: JupyterLab renders cells lazily)."""
    shown = activate(page, i).locator(".jp-OutputArea-output")
    shown.first.locator("pre").wait_for(timeout=15_000)
    assert shown.count() == 1, f"cell {i} shows {shown.count()} outputs"
    return shown.inner_text().strip()


def output_fits(locator):
    """The output is not cut off, and a longer message would wrap (not scroll) as well."""
    return locator.evaluate("""el => el.scrollWidth <= el.clientWidth + 1
        && ['pre-wrap', 'break-spaces'].includes(getComputedStyle(el.querySelector('pre')).whiteSpace)""")


# --- the lecture ---------------------------------------------------------------------------------

@pytest.mark.parametrize("theme, size", [("light", "1440x900"), ("dark", "1280x720")])
def test_lecture_runs_and_draws_both_graphs(lab, lab_page, theme, size):
    page = lab_page
    set_viewport(page, size)
    path = copy_notebook(lab, LECTURE, subdir=f"byo_lecture_{theme}")
    open_notebook(page, lab, path)
    with themed(page, theme):
        model = run_all(page, path)
        code = [c for c in model if c["type"] == "code"]
        assert all(c["count"] is not None for c in code), "Run All stopped early"
        assert [c["errors"] for c in code if c["errors"]] == []
        printed = "".join(c["stdout"] for c in code)
        for line in ["dy/dx = 2.0   (should be 8)",
                     "Example A   y = 6.0   ours: w.grad = 5.0  x.grad = 2.0",
                     "torch: y = 6.0  w.grad = 5.0  x.grad = 2.0",
                     "Example C   z = 15.0   ours:  [1.0, 1.0, 4.0, 3.0]",
                     "torch: z = 15.0 [1.0, 1.0, 4.0, 3.0]",
                     "b = a + a:   db/da = 1.0   (should be 2)",
                     "ours, two backward calls:  w.grad = 15.0",
                     "torch, two backward calls: w.grad = 10.0",
                     "RecursionError: maximum recursion depth exceeded",
                     "Cube          backward: tensor([ 0.7500,  3.0000, 12.0000], dtype=torch.float64)"]:
            assert line in printed, line

        # the widget moment: our Value graph, then torch's, in one cell
        index = next(i for i, c in enumerate(model) if "value_graph(y," in c["source"])
        ours, theirs = model[index]["svgs"]
        for label in (">w<", ">x<", ">a<", ">b<", ">y<", ">+<", ">*<", "grad 5", "grad 2", "grad 3"):
            assert label in ours, label
        for label in (">add<", ">mul<", "grad_fn=MulBackward0", "grad 5"):
            assert label in theirs, label
        cell = activate(page, index)
        pictures = cell.locator(".cgraph-picture img")
        pictures.nth(1).wait_for(timeout=15_000)
        assert pictures.nth(0).is_visible() and pictures.nth(1).is_visible()
        assert cell.locator(".jp-OutputArea-output").get_by_text("Our Value graph of Example A, after backward").is_visible()
        cut = [p for p in pictures_that_dont_fit(page) if not p["scrolls"]]
        assert cut == [], f"pictures cut off: {cut}"
        for k, which in enumerate(("value", "torch")):
            pictures.nth(k).scroll_into_view_if_needed()
            save_screenshot(page, f"byo_lecture_{which}_graph_{theme}_{size}")

        # the recursion limit, on screen
        deep = next(i for i, c in enumerate(model) if "RecursionError" in c["stdout"])
        scroll_to_cell(page, deep, align="center")
        output_of(page, deep).get_by_text("RecursionError: maximum recursion depth exceeded").wait_for(
            timeout=15_000)
        save_screenshot(page, f"byo_lecture_recursion_{theme}_{size}")
        assert_no_widget_errors(page)


# --- the exercise --------------------------------------------------------------------------------

SIGN_FLIPPED = '''def numerical_grad(f, xs, h=1e-6):
    """[df/dx_i for each i], by central differences of f at xs (a list of floats)."""
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        grads.append((f(down) - f(up)) / (2 * h))
    return grads
'''
CENTRAL = SIGN_FLIPPED.replace("(f(down) - f(up))", "(f(up) - f(down))")


def test_exercise_as_a_student(lab, lab_page):
    page = lab_page
    set_viewport(page, "1440x900")
    path = copy_notebook(lab, EXERCISE, subdir="byo_exercise")
    open_notebook(page, lab, path)
    with themed(page, "light"):
        exercise_journey(page, path)


def exercise_journey(page, path):
    model = run_all(page, path)

    # Run All on the untouched copy: every check fails with one line saying what to write
    checks = {c["id"]: i for i, c in enumerate(model) if c["id"] and c["id"].endswith("_check")}
    assert list(checks) == [f"ex05_task{k}_check" for k in range(1, 9)]
    for gid, i in checks.items():
        errors = model[i]["errors"]
        assert len(errors) == 1, f"{gid}: {errors}"
        for line in errors[0]:
            assert line.startswith("✗ ") and ("is not written yet" in line or "not filled in yet" in line), line
    hints = [i for i, c in enumerate(model) if c["source"].startswith("Hints(")]
    assert len(hints) == 8
    for i in hints:
        control(activate(page, i), "Show a hint (1 of", exact=False).wait_for(timeout=15_000)
    assert_controls_fit(page)
    first = checks["ex05_task1_check"]
    activate(page, first - 1)                 # the operators' cell, the check and its message
    output_of(page, first).get_by_text("✗ sub is not written yet (nor div, power, exp)").wait_for(timeout=15_000)
    save_screenshot(page, "byo_exercise_run_all")

    # task 5 left empty, then answered with the true gradients (not what the set engine gives)
    answer, check = checks["ex05_task5_check"] - 1, checks["ex05_task5_check"]
    assert check_message(page, check) == ("✗ set_of_parents_grads is not filled in yet: replace the None "
                                          "in the cell above with your answer (and run that cell).")
    stub = model[answer]["source"]
    assert stub.endswith("# YOUR CODE HERE") and "3.0, 1.0" not in stub
    paste_answer(page, answer, stub + "\nset_of_parents_grads = [6.0, 0.0]")
    run_cell(page, check)
    output_of(page, check).get_by_text("those are the true gradients").wait_for(timeout=30_000)
    assert check_message(page, check) == ("✗ set_of_parents_grads = [6., 0.] is not right yet: those are the "
                                          "true gradients; what is {a, a} as a set, and what does zip pair it with?")
    assert output_fits(cell_node(page, check).locator(".jp-OutputArea-output"))

    # task 6: the central difference with its sign flipped, pasted in; then fixed
    answer, check = checks["ex05_task6_check"] - 1, checks["ex05_task6_check"]
    paste_answer(page, answer, SIGN_FLIPPED)
    run_cell(page, check)
    output_of(page, check).get_by_text("the sign is flipped").wait_for(timeout=30_000)
    message = check_message(page, check)
    assert message.startswith("✗ numerical_grad(f1, [1.5, -2.0, 0.5], h=0.001) = ") and message.endswith(
        "is not right yet: the sign is flipped: it is f(x + h e_i) - f(x - h e_i), over 2h."), message
    assert output_fits(cell_node(page, check).locator(".jp-OutputArea-output"))
    activate(page, answer)
    save_screenshot(page, "byo_exercise_wrong_sign")

    paste_answer(page, answer, CENTRAL)
    run_cell(page, check)
    output_of(page, check).get_by_text("✓ numerical_grad").wait_for(timeout=30_000)
    done = cells(page)[check]
    assert done["errors"] == [] and done["stdout"].startswith("✓ numerical_grad: central differences")

    # the hints of task 6, one click at a time; their source stays collapsed
    hint_cell = activate(page, check + 1)
    first_hint = hint_cell.get_by_text("One coordinate at a time")
    assert not first_hint.is_visible()
    control(hint_cell, "Show a hint (1 of 3)").click()
    first_hint.wait_for(timeout=15_000)
    control(hint_cell, "Show a hint (2 of 3)").wait_for(timeout=15_000)
    assert hint_cell.get_by_text("`list(xs)` is a copy").count() == 0
    assert hint_cell.get_by_text("is a copy you may change").count() == 0
    activate(page, answer)
    save_screenshot(page, "byo_exercise_right_and_hint")
    assert_no_widget_errors(page)
