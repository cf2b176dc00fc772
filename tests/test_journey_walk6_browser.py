"""A student's and a lecturer's sixth walkthrough, pinned by what they see in JupyterLab: the exercise
sets ex02 (backward in depth), ex05 (build your own autograd) and ex06 (forward and reverse mode),
and the regression lab app (lecture 06's RegressionLab and the GraphStepper of one iteration).
Screenshots in tests/artifacts/walk6/. (The walk's lectures, 02, 03 and 05: what they print is
compared with torch's by tests/test_notebooks.py, and the lecture journey checks them in dark
lecture mode at 1280x720.)

Every number a student reads is compared with what real torch (2.13 CPU, the oracle) gives for the
same program in this test process, not with a number written in the test.

- Exercises: Run All with nothing filled in gives one true line per unfilled part; wrong, empty,
  unreadable and right-but-written-differently answers get true messages; a retry after a wrong answer
  passes; every hint to the end shows no number of the answer.
- W6_1 (fixed in widgets/chain_rule.py): predict mode in the regression lab asks for dloss/d(mul #2),
  the gradient a mean over 20 points passes on: a student who typed 1/20 was told "could not read
  '1/20' as a number" (a right answer, written as the fraction it is). Fractions, and values pasted as
  torch prints them (tensor([-23.96])), are read now.
- W6_2 (fixed in widgets/exercise_checks ex02, ex05): "replace the None in the cell above" pointed a
  student at the wrong cell: in ex02 task 3 the cell above the check is dh_dw's (small_factor has a
  cell of its own before it); in ex05 task 1 it is the read-only cell that wires the operators.
- W6_3 (fixed in widgets/exercises.py): torch.tensor(28.) typed by hand for a by-hand answer was told
  it "carries what the engine computed": untrue, and no word on how to write it instead.
- W6_4 (fixed in widgets/exercise_checks/ex06.py): task 2's modes with a stray space ('reverse ') were
  told "written with capitals".
- W6_5 (fixed in widgets/exercise_checks/ex02.py): small_factor = "DH/DZ", the right factor in capitals,
  was told it is not one of the strings.
- W6_6 (fixed in the ex05 notebook and widgets/exercise_checks/ex05.py): ex05's gradcheck cell, run
  before task 8 is written, printed "AttributeError: 'NoneType' object has no attribute
  'requires_grad'"; it now says which Softplus methods to write, in task 8's cell.
"""
import re

import pytest

from lab_browser import (ALL_RAN, assert_controls_fit, assert_no_widget_errors, cell_index, code_cells,
                         control, copy_notebook, dismiss_notifications, first_stepper,
                         hints_to_the_end, kernel_exec, lecture_mode, light_blocks,
                         numbers_in, open_and_run_all, output_text, press_in_stepper, run_cells,
                         save_screenshot, scroll_to_cell, set_viewport, stepper_node, stepper_step,
                         text_cut_off, themed, visible_text)

pytestmark = pytest.mark.browser
SUBDIR = "walk6"
EX02 = "notebooks/exercises/ex02_backward.ipynb"
EX05 = "notebooks/exercises/ex05_build_your_own_autograd.ipynb"
EX06 = "notebooks/exercises/ex06_forward_and_reverse_mode.ipynb"
APP = "notebooks/apps/regression_lab.ipynb"


def _torch():
    import torch                      # the oracle: the test extra installs torch 2.13 CPU
    return torch


def _open(page, lab, rel):
    """Open a copy of `rel`, Run All, wait until every code cell has run."""
    open_and_run_all(page, lab, copy_notebook(lab, rel, f"{SUBDIR}/nb_test"))
    page.wait_for_function(ALL_RAN, timeout=180_000)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy", timeout=180_000)
    dismiss_notifications(page)


def _page(lab, page, rel, size="1280x720"):
    """The module's JupyterLab page (lab_page), showing a copy of `rel` run all."""
    set_viewport(page, size)
    _open(page, lab, rel)
    return page


# The notebooks in turn in one page: each fixture's tests run before the next fixture opens its notebook.
@pytest.fixture(scope="module")
def ex02(lab, lab_page):
    return _page(lab, lab_page, EX02)


@pytest.fixture(scope="module")
def ex05(lab, lab_page):
    return _page(lab, lab_page, EX05)


@pytest.fixture(scope="module")
def ex06(lab, lab_page):
    return _page(lab, lab_page, EX06)


@pytest.fixture(scope="module")
def app(lab, lab_page):
    return _page(lab, lab_page, APP, "1440x900")


# --- driving cells ---------------------------------------------------------------------------------

def _errors_of(page, index):
    return next(c for c in code_cells(page) if c["index"] == index)["errors"]


# --- ex02 ------------------------------------------------------------------------------------------

def torch_ex02():
    """What torch gives for ex02's tasks 1 and 2."""
    torch = _torch()
    w, x = torch.tensor(1.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    y = (w + x) * (w + 1)
    for _ in range(3):
        y.backward(retain_graph=True)
    after_three = w.grad.item(), x.grad.item()
    y2 = (w + x) * (w + 1)
    y2.backward()
    try:
        y2.backward()
        raises = False
    except RuntimeError:
        raises = True
    xs = torch.tensor([2.0, 5.0], requires_grad=True)
    torch.stack([xs[0] * xs[1], xs[0] + 3 * xs[1]]).backward(torch.tensor([1.0, 2.0]))
    jacobian = torch.autograd.functional.jacobian(lambda t: torch.stack([t[0] * t[1], t[0] + 3 * t[1]]),
                                                  torch.tensor([2.0, 5.0]))
    return {"w": after_three[0], "x": after_three[1], "raises": raises, "vjp": xs.grad.tolist(),
            "jv": (jacobian @ torch.tensor([1.0, 2.0])).tolist()}


def test_W6_2_ex02_run_all_unfilled_points_at_the_right_cells(ex02):
    page = ex02
    checks = [c for c in code_cells(page) if c["errors"]]
    assert len(checks) == 4 and all(e.startswith("ExerciseError") for c in checks for e in c["errors"]), checks
    check3 = cell_index(page, "checks.saturation(")
    shown = output_text(page, check3)
    save_screenshot(page, "test_W6_2_ex02_task3_unfilled", SUBDIR)
    assert "small_factor is not filled in yet" in shown and "dh_dw is not written yet" in shown, shown
    # the cell right above the check is dh_dw's: small_factor's None is not there
    above = page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                          ".model.sharedModel.getSource()", check3 - 1)
    assert "small_factor = None" not in above
    line = next(s for s in shown.splitlines() if "small_factor" in s)
    assert "in the cell above" not in line and "small_factor = None" in line, line


def test_ex02_hints_to_the_end_show_no_answer(ex02):
    want = torch_ex02()
    hints = hints_to_the_end(ex02, "ex02h")
    save_screenshot(ex02, "test_ex02_hints", SUBDIR)
    answers = {want["w"] * 1.0, want["x"] * 1.0, *want["vjp"]}
    for index, texts in hints.items():
        assert not numbers_in(texts) & answers, f"hint cell {index} shows a number of the answer: {texts}"
    # task 3: dh/dw at w = 4.5 (0.0005) is printed by the notebook itself; no hint gives dh_dw's formula
    flat = " ".join(t for ts in hints.values() for t in ts)
    assert "x * (1 - math.tanh" not in flat and "1 - np.tanh" not in flat


def test_ex02_task1_wrong_unreadable_syntax_error_retry_and_other_forms(ex02):
    page, want = ex02, torch_ex02()
    answer = cell_index(page, "w_grad_after_three = None")
    check = answer + 1
    w, x, raises = want["w"], want["x"], want["raises"]
    # one backward's grads (the "overwrites" misconception), and "no error"
    shown = run_cells(page, {answer: f"w_grad_after_three = {w / 3:g}\nx_grad_after_three = {x / 3:g}\n"
                                f"second_backward_raises = {not raises}\n"}, check)
    save_screenshot(page, "test_ex02_task1_wrong", SUBDIR)
    assert shown.count("✗") == 3 and "adds into .grad" in shown and "frees the tensors" in shown, shown
    assert f"{w:g}" not in shown.replace(f"{w / 3:g}", ""), f"the answer is on screen: {shown}"
    # unreadable: words in quotes, True in quotes
    shown = run_cells(page, {answer: "w_grad_after_three = 'fifteen'\nx_grad_after_three = ''\n"
                                "second_backward_raises = 'True'\n"}, check)
    assert "not the text 'fifteen'" in shown and "without quotes" in shown, shown
    # a syntax error: the cell says so, and nothing is checked against a half-typed answer
    shown = run_cells(page, {answer: "w_grad_after_three = 1 +\n"}, answer)
    assert any("SyntaxError" in e for e in _errors_of(page, answer)), _errors_of(page, answer)
    # the retry, right, written three ways
    for w_text, x_text in [(f"{w:g}", f"{x:g}"), (f"{w:.1f}", f"{x:.1f}"), (f"float({w:g})", f"int({x:g})")]:
        shown = run_cells(page, {answer: f"w_grad_after_three = {w_text}\nx_grad_after_three = {x_text}\n"
                                    f"second_backward_raises = {raises}\n"}, check)
        assert shown.count("✓") == 3 and "✗" not in shown, (w_text, shown)


def test_W6_3_ex02_tensor_typed_by_hand_is_told_truly(ex02):
    page, want = ex02, torch_ex02()
    answer = cell_index(page, "x_grad = None")
    vjp = want["vjp"]
    shown = run_cells(page, {answer: f"x_grad = torch.tensor([{vjp[0]:g}, {vjp[1]:g}])\n"}, answer + 1)
    save_screenshot(page, "test_W6_3_tensor_by_hand", SUBDIR)
    assert "by hand" in shown, shown
    assert "carries what the engine computed" not in shown, f"a typed tensor is said to be the engine's: {shown}"
    assert "plain Python numbers" in shown, shown
    # J v instead of J^T v gets its message; the list written by hand passes
    shown = run_cells(page, {answer: f"x_grad = [{want['jv'][0]:g}, {want['jv'][1]:g}]\n"}, answer + 1)
    assert "that is J v" in shown, shown
    shown = run_cells(page, {answer: f"x_grad = ({vjp[0]:g}, {vjp[1]:.1f})\n"}, answer + 1)
    assert shown.startswith("✓"), shown


def test_W6_5_ex02_task3_right_factor_in_capitals_and_dh_dw(ex02):
    page = ex02
    factor = cell_index(page, 'small_factor = None')
    fn = cell_index(page, "def dh_dw(w, x):")
    check = cell_index(page, "checks.saturation(")
    body = ('import math\n\n\ndef dh_dw(w, x):\n    """dh/dw."""\n'
            '    return x * (1 - math.tanh(w * x) ** 2)\n')
    shown = run_cells(page, {factor: 'small_factor = "DH/DZ"\n', fn: body}, check)
    save_screenshot(page, "test_W6_5_capitals", SUBDIR)
    torch = _torch()
    w = torch.tensor(4.5, requires_grad=True)
    torch.tanh(w * 1.0).backward()
    assert f"is {w.grad.item():.4f} at z = 4.5" in shown, shown
    assert "✗" not in shown, f"the right factor in capitals is refused: {shown}"
    # dh/dz alone: named, without the formula
    shown = run_cells(page, {fn: body.replace("x * (1", "(1")}, check)
    assert "that is dh/dz alone" in shown, shown


# --- ex05 ------------------------------------------------------------------------------------------

def test_W6_2_ex05_run_all_unfilled_names_task_1s_cell(ex05):
    page = ex05
    check = cell_index(page, "checks.operations(")
    shown = output_text(page, check)
    save_screenshot(page, "test_W6_2_ex05_task1_unfilled", SUBDIR)
    above = page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                          ".model.sharedModel.getSource()", check - 1)
    assert "def sub(" not in above                                   # the cell above wires the operators
    assert "sub is not written yet (nor div, power, exp)" in shown, shown
    assert "in the cell above" not in shown and "task 1" in shown, shown
    errors = [c for c in code_cells(page) if c["errors"]]
    assert len(errors) == 8 and all(e.startswith("ExerciseError") for c in errors for e in c["errors"]), errors


def test_ex05_hints_show_no_answer_and_task4_prints_torchs_numbers(ex05):
    page, torch = ex05, _torch()
    hints = hints_to_the_end(page, "ex05h")
    flat = " ".join(t for ts in hints.values() for t in ts)
    for code in ("-1.0 / b", "a.data * b.data ** -2", "k * a.data ** (k - 1)", "math.exp(a.data)"):
        assert code not in flat, f"a hint gives task 1's code: {code}"
    # tasks 1 to 4, right: Examples A, B and C give torch's gradients
    ops = cell_index(page, "def sub(a, b):")
    order = cell_index(page, "def topological_order(root):")
    back = cell_index(page, "def backward(root):")
    ex = cell_index(page, "def example_a(w, x):")
    shown = run_cells(page, {
        ops: ("def sub(a, b):\n    b = as_value(b)\n    return Value(a.data - b.data, (a, b), (1.0, -1.0), '-')\n\n\n"
              "def div(a, b):\n    b = as_value(b)\n    return Value(a.data / b.data, (a, b), (1 / b.data, -a.data / b.data ** 2), '/')\n\n\n"
              "def power(a, k):\n    return Value(a.data ** k, (a,), (k * a.data ** (k - 1),), '**')\n\n\n"
              "def exp(a):\n    e = math.exp(a.data)\n    return Value(e, (a,), (e,), 'exp')\n"),
        order: ("def topological_order(root):\n    order, seen, stack = [], set(), [(root, False)]\n"
                "    while stack:\n        v, placed = stack.pop()\n        if placed:\n            order.append(v)\n"
                "            continue\n        if id(v) in seen:\n            continue\n        seen.add(id(v))\n"
                "        stack.append((v, True))\n        stack.extend((p, False) for p in v.parents if id(p) not in seen)\n"
                "    return order\n"),
        back: ("def backward(root):\n    order = topological_order(root)\n    for v in order:\n"
               "        if v.parents:\n            v.grad = 0.0\n    root.grad = 1.0\n    for v in reversed(order):\n"
               "        for p, local in zip(v.parents, v.local_grads):\n            p.grad += local * v.grad\n"),
        ex: ("def example_a(w, x):\n    return (w + x) * (w + 1)\n\n\ndef example_b(m, n):\n    return (m + n) * (m - n)\n\n\n"
             "def example_c(a, b, c, d):\n    return (a + b) + c * d\n"),
    }, cell_index(page, "checks.tutorial_examples("))
    save_screenshot(page, "test_ex05_task4_right", SUBDIR)
    assert "✗" not in shown, shown
    w, x = torch.tensor(1.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    ((w + x) * (w + 1)).backward()
    m, n = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    ((m + n) * (m - n)).backward()
    flat = " ".join(shown.split())
    for value in (w.grad.item(), x.grad.item(), m.grad.item(), n.grad.item()):
        assert re.search(rf"(?<![\d.]){value:g}(?![\d])", flat), (value, flat)


def test_W6_6_ex05_gradcheck_cell_before_task_8_says_what_is_missing(lab, lab_page):
    page = _page(lab, lab_page, EX05)     # a fresh copy, run all
    shown = output_text(page, cell_index(page, "class SoftplusWithABug(Softplus):"))
    assert "NoneType" not in shown, shown
    assert "Softplus.forward is not written yet" in shown and "task 8's cell" in shown, shown


# --- ex06 ------------------------------------------------------------------------------------------

def torch_ex06():
    torch = _torch()
    p, q = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    u = p * q
    u.retain_grad()
    v = u + p
    z = v * u
    z.backward()
    # the three paths from p: p->u->z, p->u->v->z, p->v->z, each the product of its edges
    paths = [q.item() * v.item(), q.item() * 1.0 * u.item(), 1.0 * u.item()]
    return {"paths": paths, "dz_dp": p.grad.item(), "dz_dq": q.grad.item()}


def test_ex06_task1_wrong_tensor_and_other_forms(ex06):
    page, want = ex06, torch_ex06()
    assert sum(want["paths"]) == want["dz_dp"]
    answer = cell_index(page, "path_products_p = None")
    a, b, c = want["paths"]
    # a path missing: named by its route, not its product
    shown = run_cells(page, {answer: f"path_products_p = [{a:g}, {b:g}]\ndz_dp = {a + b:g}\ndz_dq = {want['dz_dq']:g}\n"},
                 answer + 1)
    save_screenshot(page, "test_ex06_task1_missing_path", SUBDIR)
    assert "p reaches z along 3 paths" in shown and "a path is missing: p → v → z" in shown, shown
    assert f"{want['dz_dp']:g}" not in shown.replace(f"{a + b:g}", ""), shown
    # W6_3: a tensor typed by hand is told truly what to write
    shown = run_cells(page, {answer: f"path_products_p = [{c:g}, {b:g}, {a:g}]\ndz_dp = {want['dz_dp']:.1f}\n"
                                f"dz_dq = torch.tensor({want['dz_dq']:g})\n"}, answer + 1)
    assert "✓ path_products_p is correct" in shown and "✓ dz_dp is correct" in shown, shown
    assert "carries what the engine computed" not in shown and "plain Python numbers" in shown, shown
    shown = run_cells(page, {answer: f"path_products_p = ({c:g}, {b:.1f}, {a:g})\ndz_dp = {want['dz_dp']:g}\n"
                                f"dz_dq = {want['dz_dq']:.1f}\n"}, answer + 1)
    assert shown.count("✓") == 3 and "✗" not in shown, shown


def test_W6_4_ex06_task2_stray_space_is_not_called_capitals(ex06):
    page = ex06
    answer = cell_index(page, "def fewer_passes(n, m):")
    body = ('def fewer_passes(n, m):\n    """Fewer passes."""\n'
            '    return "forward" if n < m else "reverse" if m < n else "either"\n\n\n')
    shown = run_cells(page, {answer: body + 'situations = ["reverse ", "forward", "either", "reverse"]\n'}, answer + 1)
    save_screenshot(page, "test_W6_4_stray_space", SUBDIR)
    assert "✓ fewer_passes passes" in shown, shown
    line = next(s for s in shown.splitlines() if s.startswith("✗ situations"))
    assert "capitals" not in line and "space" in line, line
    shown = run_cells(page, {answer: body + 'situations = ["Reverse", "forward", "either", "reverse"]\n'}, answer + 1)
    assert "capitals" in shown, shown
    shown = run_cells(page, {answer: body + 'situations = ["reverse", "forward", "either", "reverse"]\n'}, answer + 1)
    assert "✗" not in shown and "✓ situations is correct" in shown, shown


def test_ex06_task6_bytes_and_hints(ex06):
    page, torch = ex06, _torch()
    # torch: what the graph of the loss keeps (each distinct saved tensor once, parameters not)
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 50), nn.ReLU(), nn.Linear(50, 50), nn.Sigmoid(), nn.Linear(50, 1))
    data, target = torch.randn(32, 20), torch.randn(32, 1)
    loss = ((model(data) - target) ** 2).mean()
    params = {p.data_ptr() for p in model.parameters()}
    kept, seen, stack = {}, set(), [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        for name in dir(fn):
            if name.startswith("_saved_"):
                t = getattr(fn, name)
                if torch.is_tensor(t) and t.dim() > 0 and t.data_ptr() not in params:
                    kept[(t.data_ptr(), tuple(t.shape))] = t.numel() * t.element_size()
        stack.extend(f for f, _ in fn.next_functions)
    want = sum(kept.values())
    answer = cell_index(page, "bytes_grad_mode = None")
    shown = run_cells(page, {answer: f"bytes_grad_mode = {want // 4}\nbytes_no_grad = 0\n"}, answer + 1)
    assert "that is the number of floats" in shown and "✓ bytes_no_grad is correct" in shown, shown
    shown = run_cells(page, {answer: f"bytes_grad_mode = {want}.0\nbytes_no_grad = 0\n"}, answer + 1)
    assert shown.count("✓") == 2 and "✗" not in shown, f"torch keeps {want} bytes: {shown}"
    hints = hints_to_the_end(page, "ex06h")
    save_screenshot(page, "test_ex06_hints", SUBDIR)
    want06 = torch_ex06()
    answers = {float(want), want / 4, want06["dz_dp"], want06["dz_dq"], *want06["paths"]}
    for index, texts in hints.items():
        assert not numbers_in(texts) & answers, f"hint cell {index} shows a number of the answer: {texts}"


def test_ex06_dark_lecture_mode_messages_and_hints_fit(ex06):
    page = ex06
    set_viewport(page, "1280x720")
    lecture_mode(page, 1.5)
    try:
        with themed(page, "dark"):
            index = cell_index(page, "checks.which_mode(")
            scroll_to_cell(page, index, "center")
            page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.widgets[i].node.dataset.walk6 = 'wm'; }",
                          index)
            save_screenshot(page, "test_ex06_dark_lecture_1280x720", SUBDIR)
            cut = [c for c in text_cut_off(page, "[data-walk6=wm] .jp-OutputArea-output") if c["past"] > 8]
            assert not cut, f"the check's message is cut off: {cut}"
            assert_controls_fit(page, ".cgraph-hints")
            assert_controls_fit(page)
    finally:
        lecture_mode(page, 1)


# --- the regression lab app ------------------------------------------------------------------------

LAB_STATE = """import gc, json, widgets.regression as _R
_lab = next(o for o in gc.get_objects() if isinstance(o, _R.RegressionLab) and o.trainer.history)
_t = _lab.trainer
print(json.dumps({"x": _t.x.numpy().ravel().tolist(), "y": _t.y.numpy().ravel().tolist(),
                  "w0": _t.w0, "b0": _t.b0, "lr": _t.lr, "n": len(_t.history)}))"""


def torch_regression(state):
    """torch's run of the lab's iterations on the lab's data: the last iteration's numbers."""
    import json
    torch, s = _torch(), json.loads(state)
    x, y = torch.tensor(s["x"]).reshape(-1, 1), torch.tensor(s["y"]).reshape(-1, 1)
    w, b = torch.tensor([s["w0"]], requires_grad=True), torch.tensor([s["b0"]], requires_grad=True)
    for _ in range(s["n"]):
        before = (w.item(), b.item())
        loss = (0.5 * (y - (w * x + b)) ** 2).mean()
        loss.backward()
        grads = (w.grad.item(), b.grad.item())
        b.data.sub_(s["lr"] * b.grad)
        w.data.sub_(s["lr"] * w.grad)
        w.grad.zero_()
        b.grad.zero_()
    return {"loss": loss.item(), "w": before[0], "b": before[1], "w_grad": grads[0], "b_grad": grads[1],
            "n": len(x)}


def _num(v):
    return f"{v:.4g}"


@pytest.fixture(scope="module")
def lab_stepper(app):
    """The app after three Step clicks, its iteration open in a GraphStepper; torch's numbers."""
    page = app
    page.locator(".cgl-regression").first.scroll_into_view_if_needed()
    for _ in range(3):
        control(page, "Step").click()
        page.wait_for_timeout(600)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy")
    want = torch_regression(kernel_exec(page, LAB_STATE))
    page.get_by_role("checkbox", name="Step through this iteration").click() \
        if page.get_by_role("checkbox", name="Step through this iteration").count() \
        else control(page, "Step through this iteration").click()
    return first_stepper(page), want


def test_regression_stepper_keyboard_play_pause_inspector_match_torch(lab_stepper):
    st, want = lab_stepper
    page = st.page
    set_viewport(page, "1440x900")
    lecture_mode(page, 1)
    press_in_stepper(st, "End")
    n = stepper_step(st)
    caption = st.locator(".cg-caption").inner_text()
    assert f"w.grad += [{_num(want['w_grad'])}]" in caption, caption
    save_screenshot(page, "test_regression_stepper_last", SUBDIR)
    # back, with the keys, to the forward step of the loss
    press_in_stepper(st, "Home")
    assert stepper_step(st) == 0
    press_in_stepper(st, "ArrowRight", 6)
    caption = st.locator(".cg-caption").inner_text()
    assert "loss = mean(" in caption and f"= {_num(want['loss'])}" in caption, caption
    # play with the button, pause mid-run: it stays there
    control(st, "play").click()
    page.wait_for_timeout(1600)
    control(st, "pause").click()
    page.wait_for_timeout(400)
    paused = stepper_step(st)
    assert 6 < paused < n, paused
    page.wait_for_timeout(1000)
    assert stepper_step(st) == paused
    control(st, "previous step").click()
    page.wait_for_timeout(300)
    assert stepper_step(st) == paused - 1
    # the last step: the inspector of w and b shows torch's values before the update and the grads
    control(st, "last step").click()
    page.wait_for_timeout(400)
    inspector = st.get_by_role("region", name="node inspector")
    for name, value, grad in (("w", want["w"], want["w_grad"]), ("b", want["b"], want["b_grad"])):
        stepper_node(st, name).first.click()
        page.wait_for_timeout(500)
        text = " ".join(inspector.inner_text().split())
        assert f"data [{_num(value)}] grad [{_num(grad)}]" in text, (name, text)
        assert "is_leaf True" in text, text
    stepper_node(st, "loss").first.click()
    page.wait_for_timeout(500)
    text = " ".join(inspector.inner_text().split())
    save_screenshot(page, "test_regression_inspector_loss", SUBDIR, locator=st)
    assert f"data {_num(want['loss'])}" in text and "grad_fn MeanBackward0" in text, text
    assert_no_widget_errors(page)


def test_W6_1_predict_mode_reads_a_fraction(lab_stepper):
    st, want = lab_stepper
    page = st.page
    press_in_stepper(st, "Home")
    st.get_by_role("checkbox", name="predict").check()
    page.wait_for_timeout(400)
    press_in_stepper(st, "End")                                    # stops at the first question: the mean's
    assert "MeanBackward0 receives" in st.get_by_role("region", name="chain rule").inner_text()
    box = st.get_by_role("textbox").first
    feedback = st.locator(".cg-feedback")
    shown = " ".join(visible_text(page, ".cgraph-stepper"))
    assert f"{1 / want['n']:g}" not in shown, f"the answer {1 / want['n']:g} is on screen: {shown}"
    for typed, says in [("", "type a number"), ("abc", "could not read 'abc'"), ("1/2", "not quite")]:
        box.fill(typed)
        box.press("Enter")
        page.wait_for_timeout(500)
        assert says in feedback.inner_text(), (typed, feedback.inner_text())
    box.fill(f"1/{want['n']}")                          # d mean / d each element = 1/n
    box.press("Enter")
    page.wait_for_timeout(500)
    save_screenshot(page, "test_W6_1_predict_fraction", SUBDIR, locator=st)
    assert "right!" in feedback.inner_text(), f"1/{want['n']} is refused: {feedback.inner_text()}"
    # the next question (the 0.5 *): a value pasted as torch prints it
    press_in_stepper(st, "End")
    box = st.get_by_role("textbox").first
    box.fill(f"tensor([{0.5 / want['n']:g}])")
    box.press("Enter")
    page.wait_for_timeout(500)
    assert "right!" in st.locator(".cg-feedback").inner_text(), st.locator(".cg-feedback").inner_text()
    st.get_by_role("checkbox", name="predict").uncheck()
    page.wait_for_timeout(300)


def test_regression_lab_1280x720_lecture_mode_dark_fits(lab_stepper):
    st, _ = lab_stepper
    page = st.page
    set_viewport(page, "1280x720")
    lecture_mode(page, 1.5)
    try:
        with themed(page, "dark"):
            page.locator(".cgl-regression").first.scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            save_screenshot(page, "test_regression_lab_dark_lecture_1280x720", SUBDIR)
            assert_controls_fit(page)
            assert not light_blocks(page, settle_s=5), "a white block in the dark theme"
            st.scroll_into_view_if_needed()
            save_screenshot(page, "test_regression_stepper_dark_lecture_1280x720", SUBDIR)
            cut = [c for c in text_cut_off(page, ".cgraph-stepper") if c["past"] > 2]
            assert not cut, cut
    finally:
        lecture_mode(page, 1)
