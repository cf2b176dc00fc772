"""Lecture 10 and exercise 07 (higher-order gradients) in JupyterLab + headless Chromium, as a
student uses them, asserting what is visible.

Lecture (light 1440x900; dark 1280x720 in lecture mode): Run All on a copy runs every cell without
an error (the one meant to fail, a second gradient without create_graph, prints its message); the two
pictures of the first section (the forward graph of y, the gradient's own graph) are shown and fit;
the gradient's graph, the second derivatives, the accumulation trap, the Hessian-vector product and
the gradient penalty show as printed text.

Exercise (the student copy): Run All shows each check's "not filled in" / "not written" / "a bug
remains" line (no traceback) and four hint buttons; task 2 (the Laplacian) fixed one bug at a time;
task 3 answered without create_graph, then right; task 1 with the classic accumulation slip; a
hint opened to its last one, which is not the answer.
Screenshots: tests/artifacts/higher/*.png.
"""
import pytest

from lab_browser import (ALL_RAN, activate, answer, assert_controls_fit, assert_no_widget_errors,
                         cell_node, cells, check_message, code_cells, control, copy_notebook, dismiss_notifications,
                         index_of, lecture_mode, open_notebook, pictures_that_dont_fit, run_all_cells, run_cell, save_screenshot,
                         scroll_to_cell, set_viewport, themed)

pytestmark = pytest.mark.browser

LECTURE = "notebooks/10_higher_order_gradients.ipynb"
EXERCISE = "notebooks/exercises/ex07_higher_order_gradients.ipynb"
SUBDIR = "higher"


# --- the lecture ---------------------------------------------------------------------------------

@pytest.mark.parametrize("theme, size, lecture", [("light", "1440x900", False), ("dark", "1280x720", True)])
def test_lecture_runs_and_shows_the_gradients_graph(lab, lab_page, theme, size, lecture):
    page = lab_page
    set_viewport(page, size)
    path = copy_notebook(lab, LECTURE, subdir=SUBDIR)
    open_notebook(page, lab, path)
    with themed(page, theme):
        run_all_cells(page, path)
        page.wait_for_function(ALL_RAN, timeout=180_000)
        dismiss_notifications(page)
        if lecture:
            lecture_mode(page)
        ran = code_cells(page)
        failed = [(c["index"], c["errors"]) for c in ran if c["errors"]]
        assert not failed, failed
        assert page.get_by_text("RuntimeError: element 0 of tensors does not require grad").count() == 1

        model = cells(page)
        pictures = next(i for i, c in enumerate(model) if c["source"].startswith("display(draw(y"))
        scroll_to_cell(page, pictures)
        images = cell_node(page, pictures).locator(".cgraph-picture img")
        images.first.wait_for(timeout=30_000)
        assert images.count() == 2
        assert all(images.nth(k).bounding_box()["height"] > 60 for k in range(2))
        assert not [p for p in pictures_that_dont_fit(page) if not p["scrolls"]]
        scroll_to_cell(page, pictures)              # (the fit check scrolled every output into view)
        save_screenshot(page, f"lecture_two_graphs_{theme}_{size}", SUBDIR)

        walk = next(i for i, c in enumerate(model) if c["source"].startswith("def print_graph"))
        scroll_to_cell(page, walk)
        save_screenshot(page, f"lecture_graph_walk_{theme}_{size}", SUBDIR)

        text = "\n".join(c["stdout"] for c in cells(page))
        assert ("the gradient's graph, behind g = dy/dx:\nMulBackward0\n    None  (an input that needs no "
                "gradient)\n    MulBackward1\n        PowBackward0\n            torch::autograd::AccumulateGrad") in text
        assert "d^2 y / dx^2 = 6 x    = 9.0" in text
        assert "TanhBackwardBackward0\n    None  (an input that needs no gradient)\n    TanhBackward0" in text
        assert "after the second:         x.grad = tensor(15.7500, grad_fn=<CopyBackwards>)" in text
        assert "forward graph: 17 nodes, 159,232 bytes saved" in text
        assert "H v by double backward equals H @ v: True" in text
        assert "create_graph=False: penalty" in text and "penalty.requires_grad False" in text
        assert "lambda 10.0: step 300" in text
        assert_no_widget_errors(page)


# --- the exercise, as a student --------------------------------------------------------------------

BUGGY_FIXED_ONCE = '''def laplacian(f, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    total = 0.0
    for i in range(x.shape[0]):
        (row,) = torch.autograd.grad(g[i], x)
        total = total + row[i]
    return total'''

HVP_RIGHT = '''def hvp(f, x, v):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad((g * v).sum(), x)[0]'''


def shoot(page, answer_cell, name):
    """A screenshot with the answer cell at the top: its code, then the check's message below it."""
    activate(page, answer_cell)
    page.wait_for_timeout(300)
    save_screenshot(page, name, SUBDIR)


def test_exercise_wrong_empty_right_and_hints(lab, lab_page):
    page = lab_page
    set_viewport(page, "1440x900")
    path = copy_notebook(lab, EXERCISE, subdir=SUBDIR)
    open_notebook(page, lab, path)
    with themed(page, "light"):
        run_all_cells(page, path)
        page.wait_for_function(ALL_RAN, timeout=120_000)
        dismiss_notifications(page)

        model = cells(page)
        checks = [c for c in model if c["id"] and c["id"].endswith("_check")]
        assert len(checks) == 4
        for c in checks:                  # one error output; one ✗ line per part, no traceback
            assert len(c["errors"]) == 1 and all(line.startswith("✗ ") for line in c["errors"][0]), c
            assert all(any(h in m for h in ("not filled in yet", "is not written yet", "a bug remains"))
                       for m in c["errors"][0]), c
        hints = [i for i, c in enumerate(model) if c["source"].startswith("Hints(")]
        assert len(hints) == 4
        for i in hints:
            control(activate(page, i), "Show a hint (1 of 3)").wait_for(timeout=15_000)

        # task 2 as handed out: the buggy Laplacian fails on its first bug
        task2, check2 = index_of(page, "ex07_task2"), index_of(page, "ex07_task2_check")
        assert check_message(page, check2) == (
            "✗ a bug remains: autograd.grad(g[i], x) raised 'element 0 of tensors does not require grad': "
            "the first gradient g was made without a graph of its own.")
        assert model[check2]["source"] == "checks.debug_laplacian(laplacian)"
        shoot(page, task2, "exercise_task2_handed_out")
        # one bug fixed: the second shows
        answer(page, task2, BUGGY_FIXED_ONCE)
        run_cell(page, check2)
        assert check_message(page, check2).startswith("✗ a bug remains: the second entry's backward found g's "
                                                      "graph freed")
        shoot(page, task2, "exercise_task2_one_bug_left")
        answer(page, task2, BUGGY_FIXED_ONCE.replace("grad(g[i], x)", "grad(g[i], x, retain_graph=True)"))
        run_cell(page, check2)
        message = check_message(page, check2)
        assert message.count("✓") == 3 and "✗" not in message, message
        shoot(page, task2, "exercise_task2_fixed")

        # task 3: create_graph forgotten, then right
        task3, check3 = index_of(page, "ex07_task3"), index_of(page, "ex07_task3_check")
        answer(page, task3, HVP_RIGHT.replace(", create_graph=True", ""))
        run_cell(page, check3)
        message = check_message(page, check3)
        assert message == ("✗ hvp(quadratic, x, v): the second backward found no graph behind the gradient: the "
                           "first one must build it (create_graph=True)."), message
        assert "Traceback" not in message
        shoot(page, task3, "exercise_task3_no_create_graph")
        answer(page, task3, HVP_RIGHT)
        run_cell(page, check3)
        assert check_message(page, check3) == "\n".join(
            f"✓ hvp({name}, x, v) is correct" for name in ("quadratic", "log_norm", "cubic"))

        # task 1: the classic slip, the second derivative alone
        task1, check1 = index_of(page, "ex07_task1"), index_of(page, "ex07_task1_check")
        answer(page, task1, "x_grad_first = 12.0\nx_grad_second = 4.0\nw_grad_second = 15.0")
        run_cell(page, check1)
        message = check_message(page, check1)
        assert message.startswith("✓ x_grad_first is correct\n✓ w_grad_second is correct\n✗ x_grad_second = 4 "
                                  "is not right yet: that is the second derivative alone"), message
        shoot(page, task1, "exercise_task1_accumulation_slip")

        # the hints of task 4, one click at a time, to the last: a pointer, not the code
        check4 = index_of(page, "ex07_task4_check")
        hint_cell = activate(page, check4 + 1)
        for k in (1, 2, 3):
            control(hint_cell, f"Show a hint ({k} of 3)").click()
        control(hint_cell, "All 3 hints shown").wait_for(timeout=15_000)
        shown = hint_cell.locator("ol.cgraph-hints li").all_inner_texts()
        assert len(shown) == 3 and "second derivative" in shown[2]
        assert not any("create_graph=True" in h for h in shown), shown
        assert_controls_fit(page)
        activate(page, check4 + 1)
        save_screenshot(page, "exercise_task4_hints", SUBDIR)
        assert_no_widget_errors(page)
