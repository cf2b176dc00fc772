"""Lecture 09 and exercise 06 (forward and reverse mode) in JupyterLab + headless Chromium, as a
student uses them, asserting what is visible.

Lecture: Run All on a copy runs every cell without an error; the GraphStepper of Example A and the
forward-mode trace table beside it move together: at step 0 the table is empty, once the forward
steps are done it shows every value with both tangents (dy/dw = 5, dy/dx = 2) and no backward
column yet, at the last step the backward column holds the same two numbers at the leaves; the
Jacobians, the saved bytes and the hooks' order show as printed text.

Exercise (the student copy): Run All shows each check's "not filled in" / "not written" lines
(one per part, no traceback) and six hint buttons; task 3 answered empty, transposed, without retain_graph, then right; task 2 with n and m
mixed up; a hint opened to its last one, which is not the answer.
Screenshots: tests/artifacts/fwdrev/*.png.
"""
import pytest

from lab_browser import (ALL_RAN, WIDGET_OUTPUTS, activate, answer, assert_controls_fit, assert_no_widget_errors,
                         cells, check_message, code_cells, control, copy_notebook, dismiss_notifications,
                         index_of, open_notebook, run_all_cells, run_cell, save_screenshot, scroll_to_cell, set_viewport,
                         text_cut_off, themed)

pytestmark = pytest.mark.browser

LECTURE = "notebooks/09_forward_vs_reverse_mode.ipynb"
EXERCISE = "notebooks/exercises/ex06_forward_and_reverse_mode.ipynb"
SUBDIR = "fwdrev"

# --- the lecture ---------------------------------------------------------------------------------

def table_rows(table):
    """{node: [value, dw (pass 1), dx (pass 2), backward]} as the trace table shows them."""
    rows = table.locator("tr")
    out = {}
    for k in range(rows.count()):
        texts = [t.strip() for t in rows.nth(k).locator("td").all_inner_texts()]
        if texts:  # (the header's two rows have no td)
            out[texts[0]] = texts[1:]
    return out


@pytest.mark.parametrize("theme, size", [("light", "1440x900"), ("dark", "1280x720")])
def test_lecture_stepper_and_forward_trace(lab, lab_page, theme, size):
    page = lab_page
    set_viewport(page, size)
    path = copy_notebook(lab, LECTURE, subdir=SUBDIR)
    open_notebook(page, lab, path)
    with themed(page, theme):
        run_all_cells(page, path)
        page.wait_for_function(ALL_RAN, timeout=120_000)
        dismiss_notifications(page)
        ran = code_cells(page)
        assert all(c["count"] is not None for c in ran)
        assert not [(c["index"], c["errors"]) for c in ran if c["errors"]]

        # the stepper and the forward-mode trace, one output
        widget_cell = next(c["index"] for c in ran if "application/vnd.jupyter.widget-view+json" in c["mimes"])
        scroll_to_cell(page, widget_cell)
        stepper = page.locator(".cgraph-stepper").first
        stepper.wait_for(timeout=30_000)
        table = page.locator("table.cgraph-trace").first
        table.wait_for(timeout=30_000)
        header = table.locator("th").all_inner_texts()
        assert header == ["", "", "forward", "backward", "node", "value", "∂v/∂w", "∂v/∂x", "∂y/∂v"], header
        assert table_rows(table) == {n: ["", "", "", ""] for n in "wxaby"}   # step 0: nothing yet

        for _ in range(5):                                   # two leaves, three operations
            control(stepper, "next step").click()
        page.wait_for_function("el => el.dataset.step === '5'", arg=stepper.element_handle(), timeout=15_000)
        page.get_by_text("after step 5 of 10").wait_for(timeout=15_000)   # Python answered
        forward_done = table_rows(table)
        assert forward_done == {"w": ["1", "1", "0", ""], "x": ["2", "0", "1", ""], "a": ["3", "1", "1", ""],
                                "b": ["2", "1", "0", ""], "y": ["6", "5", "2", ""]}, forward_done
        assert table.locator("tr.cgraph-latest td").first.inner_text() == "y"    # the node just made
        table.evaluate("el => el.scrollIntoView({block: 'start'})")
        save_screenshot(page, f"lecture_forward_done_{theme}_{size}", SUBDIR)

        control(stepper, "last step").click()
        page.get_by_text("after step 10 of 10").wait_for(timeout=15_000)
        done = table_rows(table)
        assert [done[n][3] for n in "wxaby"] == ["5", "2", "2", "3", "1"], done
        assert table.locator("tr.cgraph-latest td").first.inner_text() == "x"    # the last leaf filled
        assert_controls_fit(page)
        cut = [t for t in text_cut_off(page, WIDGET_OUTPUTS) if not t["scrolls"]]
        assert not cut, cut
        table.evaluate("el => el.scrollIntoView({block: 'start'})")
        save_screenshot(page, f"lecture_backward_done_{theme}_{size}", SUBDIR)

        # what the later sections print, as a student reads it
        text = "\n".join(c["stdout"] for c in cells(page))
        assert "all equal: True" in text
        assert "row 1: RuntimeError: Trying to backward through the graph a second time" in text
        assert "saved for backward: 159,232 bytes" in text
        assert "batch   64: grad mode   159,232 bytes   no_grad         0 bytes" in text
        assert "  dy/dy = 1.0\n  dy/db = 3.0\n  dy/da = 2.0\n  dy/dw = 5.0\n  dy/dx = 2.0\n" in text
        assert_no_widget_errors(page)


# --- the exercise, as a student --------------------------------------------------------------------

TASK3_RIGHT = '''def jacobian_rows(f, x):
    x = x.detach().requires_grad_(True)
    y = f(x)
    rows = []
    for i in range(y.shape[0]):
        e_i = torch.zeros(y.shape[0])
        e_i[i] = 1.0
        rows.append(torch.autograd.grad(y, x, grad_outputs=e_i, retain_graph=True)[0])
    return torch.stack(rows)'''


def test_exercise_wrong_empty_right_and_hints(lab, lab_page):
    page = lab_page
    set_viewport(page, "1440x900")
    path = copy_notebook(lab, EXERCISE, subdir=SUBDIR)
    open_notebook(page, lab, path)
    with themed(page, "light"):
        exercise_journey(page, lab, path)


def shoot(page, answer_cell, name):
    """A screenshot with the answer cell at the top: its code, then the check's message below it."""
    activate(page, answer_cell)
    page.wait_for_timeout(300)
    save_screenshot(page, name, SUBDIR)


def exercise_journey(page, lab, path):
    run_all_cells(page, path)
    page.wait_for_function(ALL_RAN, timeout=120_000)
    dismiss_notifications(page)

    model = cells(page)
    checks = [c for c in model if c["id"] and c["id"].endswith("_check")]
    assert len(checks) == 6
    for c in checks:                      # one error output; one ✗ line per part, no traceback
        assert len(c["errors"]) == 1 and all(line.startswith("✗ ") for line in c["errors"][0]), c
        assert all("not filled in yet" in m or "is not written yet" in m for m in c["errors"][0]), c
    hints = [i for i, c in enumerate(model) if c["source"].startswith("Hints(")]
    assert len(hints) == 6
    for i in hints:
        control(activate(page, i), "Show a hint (1 of 3)").wait_for(timeout=15_000)

    # task 3, empty: the stub as the student copy has it
    task3, check3 = index_of(page, "ex06_task3"), index_of(page, "ex06_task3_check")
    stub = model[task3]["source"]
    assert "# YOUR CODE HERE" in stub and "retain_graph" not in stub
    activate(page, check3)
    assert check_message(page, check3) == ("✗ jacobian_rows is not written yet: write its body in the cell "
                                           "above (and return the result).")
    # the check cell shows which function checks the task, not a reference
    assert model[check3]["source"] == "checks.jacobian_rows(jacobian_rows)"
    shoot(page, task3, "exercise_task3_empty")

    # wrong: rows and columns transposed, then retain_graph forgotten
    answer(page, task3, TASK3_RIGHT.replace("torch.stack(rows)", "torch.stack(rows, dim=1)"))
    run_cell(page, check3)
    assert check_message(page, check3).startswith("✗ jacobian_rows: rows and columns are transposed")
    shoot(page, task3, "exercise_task3_transposed")
    answer(page, task3, TASK3_RIGHT.replace(", retain_graph=True", ""))
    run_cell(page, check3)
    message = check_message(page, check3)
    assert message == ("✗ jacobian_rows: the second backward pass found the graph freed: pass "
                       "retain_graph=True to keep it for the next row."), message
    assert "Traceback" not in message
    shoot(page, task3, "exercise_task3_no_retain_graph")

    # right
    answer(page, task3, TASK3_RIGHT)
    run_cell(page, check3)
    assert check_message(page, check3) == "\n".join(
        f"✓ jacobian_rows on a function {shape} is correct" for shape in ("R^3 -> R^2", "R^2 -> R^4", "R^2 -> R^2"))
    shoot(page, task3, "exercise_task3_right")

    # task 2 with n and m mixed up
    task2, check2 = index_of(page, "ex06_task2"), index_of(page, "ex06_task2_check")
    answer(page, task2, 'def fewer_passes(n, m):\n    return "forward" if m < n else "reverse" if n < m else "either"\n'
                        'situations = ["reverse", "forward", "either", "reverse"]')
    run_cell(page, check2)
    assert check_message(page, check2) == ("✓ situations is correct\n✗ fewer_passes: forward mode needs one "
                                           "pass per input (n), reverse mode one per output (m); yours mixes "
                                           "them up.")
    shoot(page, task2, "exercise_task2_mixed_up")

    # the hints of task 3, one click at a time, to the last: a pointer, not the code
    hint_cell = activate(page, check3 + 1)
    for k in (1, 2, 3):
        control(hint_cell, f"Show a hint ({k} of 3)").click()
    control(hint_cell, "All 3 hints shown").wait_for(timeout=15_000)
    shown = hint_cell.locator("ol.cgraph-hints li").all_inner_texts()
    assert len(shown) == 3 and "torch.stack" in shown[2]
    assert not any("retain_graph=True)" in h or "grad_outputs=e_i" in h for h in shown), shown
    assert_controls_fit(page)
    activate(page, check3 + 1)
    save_screenshot(page, "exercise_task3_hints", SUBDIR)
    assert_no_widget_errors(page)
