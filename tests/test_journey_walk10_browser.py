"""A student's and a lecturer's tenth walkthrough, pinned by what they see in JupyterLab: the material
the walks before covered least -- lectures 02, 03, 04, 05, 09 and 10 (10: the double-backward graph
drawn and stepped) and the exercise sets ex02, ex03, ex04, ex06 and ex07 -- at 1280x720 in lecture mode
and 1440x900, light and dark, with the wrong answers, the out-of-order runs and the keyboard-only use
an unkind student tries. Screenshots in tests/artifacts/walk10/; the findings are in
/work/coord/walk10-findings.md.

- W10_1 (fixed in widgets/exercise_checks/ex07.py): ex07 task 2, a laplacian whose x never requires
  grad (the line x = x.detach().requires_grad_(True) deleted) fails in its FIRST autograd.grad; the
  check said "autograd.grad(g[i], x) raised ...: the first gradient g was made without a graph of its
  own", a wrong diagnosis. It says f ran on an x that does not require grad.
- W10_2 (fixed in widgets/exercises.py): a wrong entry of a list of numbers was named as numpy's tuple
  index, "(entries (0,), (1,) are off)"; it reads "(entries 0, 1 are off)", as for words and bools.
- W10_3 (fixed in widgets/exercise_checks/ex06.py): ex06 task 2 numbers its situations 1-4, and the
  check named a wrong one by its list index ("entry 3 is off" for situation 4): a student looked at
  the wrong situation. "backward" (for reverse) and "reverse mode" got no word either.
- W10_4 (fixed in widgets/exercise_checks/ex03.py): ex03 task 4, a right mean_loss that reads each
  loss with float(loss) showed "✓ ✓" and PyTorch's UserWarning in red on stderr -- and nbgrader gives a
  check cell with stderr no points. The warning stays off stderr; a note on stdout names loss.item().
- W10_5 (fixed in ex07.py and ex06.py): ex07 task 3 (hvp from the whole Hessian) and ex06 tasks 3 and 5
  (too many passes) printed "✓ ... is correct" and then failed: the ✓ comes after the passes are
  counted, and the message says the numbers are right but the passes too many.
- W10_7 (fixed in widgets/inspector.py): lecture 10's stepper, x ** 2 inspected at the last step (the
  second backward accumulating into x): "gradient flowing through at this step: 3", while the graph
  shows that gradient as passed through, two steps before. It says "gradient passed to it in this
  backward pass: 3".
- W10_8 (fixed in widgets/exercises.py): a student who jumps to a task's check without running its
  answer cell (or whose answer cell failed) got Python's "NameError: name 'hvp' is not defined"
  traceback; an exercise notebook's kernel now says in one ✗ line that the answer cell above must run
  first (an error output still: no points). NameErrors elsewhere keep IPython's traceback.
- W10_9 (fixed in widgets/exercise_checks/ex03.py): ex03 task 5, the setup cell (reset the graph, make
  the placeholders) run again after the answer cell gave TensorFlow's "ValueError: Tensor("a:0" ...)
  must be from the same graph as ..."; a graph without tf.cond (one branch alone) was told "are the
  two functions of tf.cond in the order true, false?". Each is told what happened.
- W10_10 (fixed in widgets/exercises.py): ex02 task 4, a rule returning one number: "it returned a
  float (np.float64(-0.2311971706012873))" -- numpy 2's repr, which no student wrote; now "a float
  (-0.2311971706012873)".
- W10_14 (fixed in widgets/exercise_checks/ex06.py): ex06 task 6 in kilobytes (15.488), KiB or bits
  was told only "Look at the hints"; the unit is named now.
- W10_15 (fixed in widgets/exercise_checks/ex06.py): ex06 task 4, sin's tangent written with
  math.cos(u.value): the check cell showed a ValueError traceback through the check (the check's
  vectors); one line names the call and says why.
- W10_6 (fixed in widgets/static/stepper.js, stepper.css): a GraphStepper's nodes could only be
  inspected with a mouse. Each node a step has shown is a named button in the tab order ("inspect
  x ** 2 (tensor, made by the backward pass)"); Enter or Space inspects it; a node not shown yet is out
  of the tab order and hidden from screen readers.
"""
import re
import textwrap
import warnings

import numpy as np
import pytest
from playwright.sync_api import expect

from exercise_runner import backend  # noqa: F401 (a fixture: the torch switch set to each backend)
from lab_browser import (cell_node, index_of, kernel_exec, lecture_mode, module_page, open_in_page,
                         output_text, press_in_stepper, run_cell, run_cells, save_screenshot, split_words,
                         stepper_step, text_cut_off, themed, unnamed_controls)
from widgets import torch_switch
from widgets.exercises import ExerciseError

SUBDIR = "walk10"
EX07 = "notebooks/exercises/ex07_higher_order_gradients.ipynb"
LECTURE10 = "notebooks/10_higher_order_gradients.ipynb"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'   # (errors too)


def _flat(text):
    return " ".join(text.split())


def _define(source, name):
    """The function `name` defined by `source` (a student's answer) in a namespace like the notebook's."""
    namespace = {"torch": torch_switch.torch}
    exec(compile(textwrap.dedent(source), f"<answer {name}>", "exec"), namespace)
    return namespace[name]


def _told(check, *args):
    """(what the check printed, its ✗ messages joined) for the answer `args`."""
    import contextlib
    import io
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            check(*args)
    except ExerciseError as e:
        return out.getvalue(), " | ".join(e.messages)
    return out.getvalue(), ""


# The laplacian of ex07 task 2 with both bugs fixed, and with the detach line deleted (W10_1).
LAPLACIAN = """
    def laplacian(f, x):
        {first}
        (g,) = torch.autograd.grad(f(x), x, create_graph=True)
        total = 0.0
        for i in range(x.shape[0]):
            (row,) = torch.autograd.grad(g[i], x, retain_graph=True)
            total = total + row[i]
        return total
    """
# ex07 task 3 through the whole Hessian: the right numbers, a backward pass per row (W10_5).
HVP_BY_ROWS = """
    def hvp(f, x, v):
        x = x.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(f(x), x, create_graph=True)
        rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(x.shape[0])]
        return torch.stack(rows) @ v
    """


# --- not in a browser: the checks' messages --------------------------------------------------------------

def test_W10_1_ex07_a_laplacian_whose_x_does_not_require_grad(backend):  # noqa: F811
    from widgets.exercise_checks import ex07
    printed, told = _told(ex07.debug_laplacian,
                          _define(LAPLACIAN.format(first="pass"), "laplacian"))
    assert "f ran on an x that does not require grad" in told and "x.detach().requires_grad_(True)" in told, told
    assert "the first gradient g was made without a graph" not in told, told
    # the two bugs of the task are still told as before, and the fixed function passes
    _, told = _told(ex07.debug_laplacian, _define(LAPLACIAN.format(first="x = x.detach().requires_grad_(True)")
                                                  .replace(", create_graph=True", ""), "laplacian"))
    assert "the first gradient g was made without a graph of its own" in told, told
    printed, told = _told(ex07.debug_laplacian,
                          _define(LAPLACIAN.format(first="x = x.detach().requires_grad_(True)"), "laplacian"))
    assert told == "" and printed.count("✓") == 3, (printed, told)


def test_W10_5_right_numbers_from_too_many_passes_get_no_tick(backend):  # noqa: F811
    from widgets.exercise_checks import ex06, ex07
    printed, told = _told(ex07.hvp, _define(HVP_BY_ROWS, "hvp"))
    assert "✓" not in printed, printed
    assert told.startswith("hvp(quadratic, x, v) has the right numbers, but ran 5 backward passes to x"), told
    rows_by_forward_passes = """
        def jacobian_rows(f, x):
            rows = []
            for i in range(f(x).shape[0]):
                xx = x.detach().requires_grad_(True)
                (row,) = torch.autograd.grad(f(xx)[i], xx)
                rows.append(row)
            return torch.stack(rows)
        """
    printed, told = _told(ex06.jacobian_rows, _define(rows_by_forward_passes, "jacobian_rows"))
    assert "✓" not in printed, printed
    assert "has the right numbers, but called f 3 times" in told, told


def test_W10_2_a_lists_wrong_entries_by_their_index():
    from widgets.exercises import check
    with pytest.raises(ExerciseError) as info:
        check("x_grad", [8.0, 7.0], [7.0, 8.0])
    assert str(info.value) == "x_grad = [8., 7.] is not right yet (entries 0, 1 are off). Look at the hints, " \
                              "and check the arithmetic step by step.", str(info.value)
    with pytest.raises(ExerciseError) as info:
        check("M", [[1.0, 2.0], [3.0, 5.0]], [[1.0, 2.0], [3.0, 4.0]])
    assert "(entry (1, 1) is off)" in str(info.value)        # a matrix: (row, column)


def test_W10_3_ex06_situations_by_the_tasks_numbers():
    from widgets.exercise_checks import ex06

    def fewer_passes(n, m):
        return "forward" if n < m else "reverse" if m < n else "either"
    _, told = _told(ex06.which_mode, fewer_passes, ["reverse", "forward", "either", "forward"])
    assert told == ("situations = ['reverse', 'forward', 'either', 'forward'] is not right yet: situation 4 is "
                    "off. For each, count the function's inputs n and outputs m first."), told
    _, told = _told(ex06.which_mode, fewer_passes, ["backward", "forward", "either", "backward"])
    assert "situations 1 and 4 are off" in told and "the mode backward() runs is reverse mode" in told, told
    _, told = _told(ex06.which_mode, fewer_passes, ["reverse mode", "forward mode", "either", "reverse mode"])
    assert "situations 1, 2 and 4 are off" in told and "without 'mode'" in told, told
    printed, told = _told(ex06.which_mode, fewer_passes, ["reverse", "forward", "either", "reverse"])
    assert told == "" and "✓ situations is correct" in printed, (printed, told)


def test_W10_4_ex03_mean_loss_with_float_passes_without_stderr(backend, capsys):  # noqa: F811
    from widgets.exercise_checks import ex03
    with_float = _define("""
        def mean_loss(w, batches):
            total = 0
            for xb, yb in batches:
                total += float(((w * xb - yb) ** 2).mean())
            return total / len(batches)
        """, "mean_loss")
    # (torch warns of float(loss) once per process, TORCH_WARN_ONCE: a test before this one in the
    # same worker that converted such a tensor left nothing for the check to note -- walk 11)
    warn_always = torch_switch.torch.is_warn_always_enabled() if backend == "torch" else None
    if backend == "torch":
        torch_switch.torch.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ex03.debug_mean_loss(with_float)
    finally:
        if backend == "torch":
            torch_switch.torch.set_warn_always(warn_always)
    out, err = capsys.readouterr()
    # nbgrader gives a check cell with anything on stderr no points: the warning stays off it
    assert not caught and err == "", ([str(w.message) for w in caught], err)
    assert "✓ mean_loss on 4 batches is correct" in out and "loss.item() reads the number without a warning" in out


def _double_backward():
    """Lecture 10's program for its stepper, on autograd_core (the recorder's engine)."""
    engine = torch_switch.load("autograd_core")
    x = engine.tensor(1.5, requires_grad=True)
    y = x ** 3
    (g,) = engine.autograd.grad(y, x, create_graph=True)
    g.backward()


def test_W10_7_the_inspector_does_not_say_a_gradient_flows_at_a_step_it_does_not():
    import html
    from widgets.stepper import GraphStepper
    stepper = GraphStepper(_double_backward)
    node = next(k for k, v in stepper._nodes.items() if v.get("title", "").startswith("x ** 2 ("))
    said = {}
    for step in (8, 10):       # 8: MulBackward1 passes 3 to x ** 2; 10: the pass accumulates into x
        stepper.step, stepper.selected = step, node
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", stepper.inspector_html, flags=re.S))
        said[step] = _flat(html.unescape(text))
    for step, text in said.items():
        assert "gradient passed to it in this backward pass: 3" in text, (step, text)
        assert "at this step" not in text, (step, text)
    stepper.close()


def test_W10_8_a_check_run_before_its_answer_cell_says_so():
    """In a kernel (IPython leaves showing a custom-handled error to the handler: a first version of
    the fix showed nothing at all): a check cell whose answer name is not defined gets one ✗ line, an
    error output still (no points); a NameError elsewhere, or raised inside a function, keeps IPython's
    traceback."""
    import nbformat
    from nbclient import NotebookClient
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    sources = ["from widgets.exercise_checks import ex07 as checks\nfrom widgets.exercises import Hints",
               "checks.hvp(hvp)", "print(hvp)", "def f():\n    return nope\nchecks.f = lambda g: g()",
               "checks.f(f)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    import os
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p))
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(root / "notebooks" / "exercises")}}).execute(env=env)
    errors = [[o for o in cell.outputs if o.output_type == "error"] for cell in nb.cells]
    assert not errors[0]
    told = errors[1][0]
    assert told.ename == "NameError" and told.traceback == [
        "✗ hvp is not defined yet: run the cell above that defines it (your answer) first; if that cell showed "
        "an error, mend it and run it again."], told
    for k in (2, 4):                                     # not a check cell / raised inside a function
        assert len(errors[k]) == 1 and len(errors[k][0].traceback) > 1, errors[k]
        assert "Traceback" in "".join(errors[k][0].traceback)


def test_W10_9_ex03_static_branch_rerun_setup_and_no_cond():
    import autograd_core.static as tf
    from widgets.exercise_checks import ex03

    def placeholders():
        tf.reset_default_graph()
        return (tf.placeholder(tf.float32, shape=(), name="a"), tf.placeholder(tf.float32, shape=(), name="b"))
    a, b = placeholders()
    x = tf.cond(a > 0, lambda: a * b, lambda: a + b)
    y = x * x
    printed, told = _told(ex03.static_branch, y, a, b)
    assert told == "" and "✓" in printed, told
    # the setup cell (reset, placeholders) run again after the answer cell: not TensorFlow's ValueError
    a, b = placeholders()
    _, told = _told(ex03.static_branch, y, a, b)
    assert told.startswith("y belongs to an earlier graph than the placeholders a and b"), told
    assert "must be from the same graph" not in told, told
    # one branch alone (what a Python if leaves in the graph): not "the order true, false"
    _, told = _told(ex03.static_branch, (a * b) * (a * b), a, b)
    assert told.startswith("y's graph has no tf.cond"), told
    assert "order true, false" not in told, told


def test_W10_10_numpy_scalars_are_described_as_python_writes_them():
    from widgets.exercise_checks import ex02
    # ex02 task 4, a rule that sums its gradients into one number each: not "np.float64(-0.23...)"
    _, told = _told(ex02.backward_rule, lambda g, a, b: (g * np.sin(b)).sum())
    assert "it returned a float (" in told and "np.float64" not in told, told
    from widgets.exercises import _describe
    assert _describe([np.float64(1.5), np.int64(2)]) == "a list of 2 floats and ints ([1.5, 2])"


def test_W10_14_ex06_bytes_in_other_units(backend):  # noqa: F811
    from widgets.exercise_checks import ex06
    right = 4 * 32 * (20 + 50 + 50 + 1)              # (the task's network; test_ex06 checks it against torch)
    for answer, said in [(right / 1000, "in kilobytes"), (right / 1024, "in KiB"), (right * 8, "in bits")]:
        _, told = _told(ex06.bytes_kept, answer, 0)
        assert f"is not right yet: that is {said}" in told and "write the number of bytes" in told, told


def test_W10_15_ex06_math_cos_in_a_tangent_rule_is_one_line(backend):  # noqa: F811
    from pathlib import Path
    from exercise_runner import run_cells as run_exercise_cells
    notebook = Path(__file__).resolve().parents[1] / "instructor" / "exercises" / "ex06_forward_and_reverse_mode.ipynb"
    outcomes = run_exercise_cells(notebook, [("ex06_task4", "tangent = torch.cos(u.value) * u.tangent",
                                              "import math\n    tangent = math.cos(u.value) * u.tangent")])
    kind, told = outcomes["ex06_task4_check"]           # (was a ValueError traceback through the check)
    assert kind == "error" and told == [
        "sin(u) raised ValueError: only one element tensors can be converted to Python scalars (math's functions "
        "take one number; torch's, such as torch.cos, work on every element of a tensor: the check's values and "
        "tangents are vectors)"], told


# --- in JupyterLab ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(lab, browser):
    yield from module_page(browser)


@pytest.mark.browser
def test_ex07_wrong_answers_told_truly_on_a_projector(page, lab):
    """ex07 at 1280x720 in lecture mode, dark: the laplacian without its detach line (W10_1) and the
    Hessian-vector product from the whole Hessian (W10_5), each told what is wrong, whole and readable."""
    open_in_page(page, lab, EX07, "1280x720", SUBDIR)
    with themed(page, "dark"):
        lecture_mode(page)
        task, check = {}, {}
        for k in (2, 3):
            task[k], check[k] = index_of(page, f"ex07_task{k}"), index_of(page, f"ex07_task{k}_check")
        told = run_cells(page, {task[2]: textwrap.dedent(LAPLACIAN.format(first="pass"))}, check[2])
        assert "f ran on an x that does not require grad" in _flat(told), told
        assert "(g[i], x)" not in told, told
        shown = f".jp-Notebook .jp-Cell[data-windowed-list-index='{check[2]}'] {STDERR}"
        assert text_cut_off(page, shown) == [] and split_words(page, shown) == []
        save_screenshot(page, "ex07_task2_x_without_requires_grad_dark_lecture", SUBDIR,
                        locator=cell_node(page, check[2]))
        told = run_cells(page, {task[3]: textwrap.dedent(HVP_BY_ROWS)}, check[3])
        assert "has the right numbers, but ran 5 backward passes to x" in _flat(told), told
        assert "✓" not in told, told
        save_screenshot(page, "ex07_task3_hessian_rows_dark_lecture", SUBDIR, locator=cell_node(page, check[3]))
        # W10_8: a check run when its answer is not defined (the answer cell not run, or failed)
        kernel_exec(page, "del hvp")
        run_cell(page, check[3])
        told = output_text(page, check[3])
        assert told == ("✗ hvp is not defined yet: run the cell above that defines it (your answer) first; if "
                        "that cell showed an error, mend it and run it again."), told
        lecture_mode(page, 1)


@pytest.mark.browser
def test_lecture10_double_backward_stepped_by_keyboard(page, lab):
    """Lecture 10's double-backward stepper with the keyboard only (W10_6): no node is reachable before
    its step shows it; at the end Tab reaches each node, named, and Enter inspects it; Escape leaves it."""
    open_in_page(page, lab, LECTURE10, "1440x900", SUBDIR)
    stepper = page.locator(".cgraph-stepper").first
    stepper.locator("svg g.node").first.wait_for(state="attached", timeout=60_000)
    stepper.evaluate("e => e.scrollIntoView({block: 'start'})")
    nodes = stepper.get_by_role("button", name=re.compile(r"^inspect "))
    expect(nodes).to_have_count(0)                      # step 0: nothing shown, nothing to reach
    press_in_stepper(stepper, "End")
    assert stepper_step(stepper) == 10
    expect(nodes).to_have_count(10)
    assert stepper.locator("g.node[tabindex='0']").count() == 10
    # Tab from the controls to the first node, then to the next; Enter inspects the focused node
    stepper.locator(".cg-caption").click()
    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''"))
        if focused[-1].startswith("inspect "):
            break
    assert focused[-1] == "inspect x (tensor)", focused
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "inspect pow → y (op)"
    for _ in range(3):                                  # (pow made by the backward pass, y, then x ** 2)
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == \
        "inspect x ** 2 (tensor, made by the backward pass)"
    page.keyboard.press("Enter")
    inspector = stepper.locator(".cg-inspector")
    expect(inspector).to_contain_text("made by the backward pass (create_graph=True)", timeout=10_000)
    assert stepper_step(stepper) == 10                  # (Enter inspected; it did not step)
    save_screenshot(page, "lecture10_node_by_keyboard_light_1440x900", SUBDIR, locator=stepper)
    page.keyboard.press("Escape")
    expect(inspector).to_contain_text("Click a node to inspect it.", timeout=10_000)
    press_in_stepper(stepper, "Home")
    expect(nodes).to_have_count(0)
    assert stepper.locator("g.node[tabindex='0']").count() == 0
    assert unnamed_controls(page, ".cgraph-stepper") == []
