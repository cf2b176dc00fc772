"""A student's and a lecturer's twelfth walkthrough, pinned by what they see in JupyterLab: lectures 08-10
(build your own autograd, forward vs reverse mode, higher-order gradients: the double-backward stepper)
and the exercises that go with them, ex05-ex07. Screenshots in tests/artifacts/walk12/; the findings
are in /work/coord/walk12-findings.md.

- W12_1 (fixed in widgets/exercises.py): a right answer written exactly, as a Fraction or a Decimal
  (x_grad_second = Fraction(32, 2)), was refused: "should be a number; you gave a Fraction". It is read
  as its float, in every check that reads numbers (ex05 task 5, ex06 task 1, ex07 task 1 ...).
- W12_2 (fixed in widgets/exercises.py): 15,488 bytes written as lecture 09 prints bytes (Python reads
  the tuple (15, 488)) was told "A decimal comma? ... write the decimal with a point", which leads to
  15.488; a comma between thousands is named too, and how to write a large number.
- W12_3 (fixed in widgets/exercise_checks/ex06.py): ex06 task 1's path products as a numpy array of the
  right numbers were refused ("should be a list of numbers"); a 1-D array is read as its list.
- W12_4 (fixed in widgets/stepper.py): in the steppers' tensor view, two ops of one kind had one
  accessible name: lecture 09's two adds were both "inspect add (op)", lecture 10's two muls both
  "inspect mul (op, made by the backward pass)". An op is named with what it makes, "add → a (op)",
  as the inspector heads it.
- W12_5 (fixed in widgets/static/stepper.js): predict mode's "reveal answer" button was named "reveal"
  (a voice-control user saying what they see, "click reveal answer", found nothing).
- W12_6 (fixed in widgets/exercises.py): a list of numbers in a message kept numpy's column padding,
  "local_grads = [-0.25 , 0.375]"; now "[-0.25, 0.375]".
- W12_7 (fixed in widgets/exercises.py): ex04 task 1's gd_step, right, returning float(w) of a w that
  requires grad: the check cell showed ✓ and PyTorch's UserWarning on stderr, which costs a right answer
  its points in nbgrader (walk 10's W10_4, fixed then for ex03 task 4 only). Every check that calls a
  student's function (check_function) says on stdout what it warned.
"""
import re

import pytest
from playwright.sync_api import expect

from lab_browser import (control, first_stepper, index_of, lecture_mode, module_page, open_in_page,
                         run_cells, save_screenshot, set_viewport, stepper_step, themed, unnamed_controls)

SUBDIR = "walk12"
LECTURE09 = "notebooks/09_forward_vs_reverse_mode.ipynb"
LECTURE10 = "notebooks/10_higher_order_gradients.ipynb"
EX04 = "notebooks/exercises/ex04_training.ipynb"
EX05 = "notebooks/exercises/ex05_build_your_own_autograd.ipynb"
EX06 = "notebooks/exercises/ex06_forward_and_reverse_mode.ipynb"
EX07 = "notebooks/exercises/ex07_higher_order_gradients.ipynb"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(lab, browser):
    yield from module_page(browser)


def _check(page, grade_id, source):
    """Put `source` into the answer cell `grade_id`, run it and its check cell (Shift+Enter, as a
    student does); return what the check shows, one line per part."""
    return run_cells(page, {index_of(page, grade_id): source}, index_of(page, grade_id + "_check"))


def _node_names(stepper):
    """The accessible names of the graph's nodes the stepper shows (buttons 'inspect ...')."""
    return [b.get_attribute("aria-label")
            for b in stepper.get_by_role("button", name=re.compile(r"^inspect ")).all()]


# --- exercises -------------------------------------------------------------------------------------

def test_W12_1_an_exact_number_is_a_number(page, lab):
    """ex07 task 1 predicted with fractions and a Decimal (each the right value) is told ✓ three times;
    a wrong Fraction is told it is not right, as a float would be, not that it is no number."""
    open_in_page(page, lab, EX07, "1440x900", SUBDIR)
    told = _check(page, "ex07_task1", "from decimal import Decimal\nfrom fractions import Fraction\n"
                  "x_grad_first = Fraction(24, 2)\nx_grad_second = Fraction(32, 2)\nw_grad_second = Decimal('15')")
    assert told.splitlines() == ["✓ x_grad_first is correct", "✓ x_grad_second is correct",
                                 "✓ w_grad_second is correct"], told
    told = _check(page, "ex07_task1", "from fractions import Fraction\n"
                  "x_grad_first = Fraction(12)\nx_grad_second = Fraction(4)\nw_grad_second = 15")
    assert "✗ x_grad_second = 4 is not right yet: that is the second derivative alone" in told, told
    assert "Fraction" not in told, told
    save_screenshot(page, "W12_1_ex07_task1_fraction", SUBDIR)


def test_W12_2_and_3_ex06_commas_and_arrays(page, lab):
    """ex06: task 6's bytes written 15,488 (lecture 09 prints bytes with commas) is told that a comma
    between thousands splits the number, and how to write one, without the answer; task 1's path
    products as a numpy array (and one of them a Fraction) are the right products."""
    open_in_page(page, lab, EX06, "1440x900", SUBDIR)
    told = _check(page, "ex06_task6", "bytes_grad_mode = 15,488\nbytes_no_grad = 0")
    assert "✓ bytes_no_grad is correct" in told, told
    assert "a comma between thousands" in told and "without commas (1000, or 1_000)" in told, told
    assert not re.search(r"15\.?488", told.replace("(15, 488)", "")), f"the answer written out: {told}"
    save_screenshot(page, "W12_2_ex06_task6_thousands_comma", SUBDIR)
    told = _check(page, "ex06_task1", "import numpy as np\nfrom fractions import Fraction\n"
                  "path_products_p = np.array([6, 18, 24])\ndz_dp = Fraction(48)\ndz_dq = 28")
    assert told.splitlines() == ["✓ path_products_p is correct", "✓ dz_dp is correct", "✓ dz_dq is correct"], told


def test_W12_7_a_right_answer_that_warns_keeps_stderr_clean(page, lab):
    """ex04 task 1 answered right, with float(w) of a w that requires grad: the check cell says ✓ and, on
    stdout, what PyTorch warned and how to read the number without a warning; it writes nothing to
    stderr (nbgrader gives a cell with stderr no points)."""
    open_in_page(page, lab, EX04, "1440x900", SUBDIR)
    told = _check(page, "ex04_task1", "def gd_step(w, b, x, y, lr):\n"
                  "    w = torch.tensor(w, requires_grad=True)\n    b = torch.tensor(b, requires_grad=True)\n"
                  "    loss = (0.5 * (y - (w * x + b)) ** 2).mean()\n    loss.backward()\n"
                  "    with torch.no_grad():\n        w -= lr * w.grad\n        b -= lr * b.grad\n"
                  "    return float(w), float(b)")
    assert told.startswith("✓ gd_step passes all 3 cases"), told
    assert "t.item() reads the number without a warning" in told, told
    check = index_of(page, "ex04_task1_check")
    streams = page.evaluate("""(i) => { const c = window.jupyterapp.shell.currentWidget.content.model.cells.get(i);
      const out = []; for (let j = 0; j < c.outputs.length; j++) out.push(c.outputs.get(j).toJSON());
      return out.map(o => o.name || o.output_type); }""", check)
    assert "stderr" not in streams and "error" not in streams, streams
    save_screenshot(page, "W12_7_ex04_task1_float_warning_on_stdout", SUBDIR)


def test_W12_6_a_list_in_a_message_reads_as_written(page, lab):
    """ex05 task 1 with div's second local derivative of the wrong sign: the message shows the local
    derivatives as one writes a list, [-0.25, 0.375], not with numpy's padding '[-0.25 , 0.375]'."""
    open_in_page(page, lab, EX05, "1440x900", SUBDIR)
    task1 = index_of(page, "ex05_task1")
    source = (
        "def sub(a, b):\n    b = as_value(b)\n    return Value(a.data - b.data, (a, b), (1.0, -1.0), '-')\n\n\n"
        "def div(a, b):\n    b = as_value(b)\n"
        "    return Value(a.data / b.data, (a, b), (1.0 / b.data, a.data / b.data ** 2), '/')\n\n\n"
        "def power(a, k):\n    return Value(a.data ** k, (a,), (k * a.data ** (k - 1),), '**')\n\n\n"
        "def exp(a):\n    return Value(math.exp(a.data), (a,), (math.exp(a.data),), 'exp')\n")
    told = run_cells(page, {task1: source}, task1 + 2)
    assert "div(Value(6), Value(-4)).local_grads = [-0.25, 0.375] is not right yet" in told, told
    assert "✓ sub" in told and "✓ exp" in told, told


# --- the steppers --------------------------------------------------------------------------------

def _names_at_the_last_step(page, lab, lecture):
    """(the lecture's first stepper at its last step, its graph nodes' accessible names)"""
    open_in_page(page, lab, lecture, "1440x900", SUBDIR)
    stepper = first_stepper(page)
    control(stepper, "last step").click()
    expect(stepper.locator(".cg-counter")).to_have_text(re.compile(r"step 10 / 10"))
    return stepper, _node_names(stepper)


def test_W12_4_each_node_has_a_name_of_its_own(page, lab):
    """Lecture 09's stepper (Example A) and lecture 10's double backward at their last step: no two
    graph nodes share an accessible name; an op is named with the tensor it makes."""
    stepper, names = _names_at_the_last_step(page, lab, LECTURE09)
    assert len(names) == 9 and len(set(names)) == len(names), names
    assert {"inspect add → a (op)", "inspect add → b (op)", "inspect mul → y (op)"} <= set(names), names
    control(stepper, "inspect add → b (op)").click()
    expect(stepper.get_by_role("region", name="node inspector")).to_contain_text("AddBackward0 → b")
    save_screenshot(page, "W12_4_lecture09_add_b_inspected", SUBDIR, locator=stepper)

    stepper, names = _names_at_the_last_step(page, lab, LECTURE10)
    assert len(names) == 10 and len(set(names)) == len(names), names
    assert {"inspect pow → y (op)", "inspect pow → x ** 2 (op, made by the backward pass)",
            "inspect mul → x ** 2 * 3 (op, made by the backward pass)",
            "inspect mul → g (op, made by the backward pass)"} <= set(names), names
    control(stepper, "inspect mul → g (op, made by the backward pass)").click()
    inspector = stepper.get_by_role("region", name="node inspector")
    expect(inspector).to_contain_text("MulBackward0 → g")


def test_W12_5_reveal_answer_is_named_as_it_reads(page, lab):
    """Lecture 10's stepper in predict mode at 1280x720, lecture mode, dark: the first question's button
    reads "reveal answer" and is found by that name; pressed, it reveals and the step goes on."""
    open_in_page(page, lab, LECTURE10, "1280x720", SUBDIR)
    with themed(page, "dark"):
        lecture_mode(page)
        try:
            stepper = first_stepper(page)
            stepper.get_by_role("checkbox", name="predict").check()
            for _ in range(3):
                control(stepper, "next step").click()
            expect(stepper.get_by_role("textbox", name="dy/dx")).to_be_visible()
            reveal = control(stepper, "reveal answer")
            expect(reveal).to_be_visible()
            assert reveal.inner_text().strip() == "reveal answer"
            assert unnamed_controls(page, ".cgraph-stepper") == []
            reveal.click()
            expect(stepper.get_by_role("region", name="chain rule")).to_contain_text("dy/dx = 6.75")
            assert stepper_step(stepper) == 3
            save_screenshot(page, "W12_5_lecture10_revealed_dark_lecture_1280x720", SUBDIR, locator=stepper)
        finally:
            lecture_mode(page, 1)
            set_viewport(page, "1440x900")
