"""Exercises as a student does them, in JupyterLab + headless Chromium, on the committed student copies.

ex01 (light theme at 1440x900, dark at 1280x720): Run All shows every check's message, one ✗ line
per part, and every hint button; check cells are one call each (no reference shown) and refuse to
be edited or deleted; an answer typed but not run (Enter only) is "not filled in yet", one left
empty (`m_grad =`, a SyntaxError in the answer cell) is told that its cell raised; an empty string is
not a number; a wrong
answer gets a line per wrong part naming the slip; unreadable answers (text, a tuple, a list of
strings for bools) say what was given and what is expected; a tensor for a by-hand answer is
refused; the right answer prints ✓ per part; hints open one at a time and the last one is not the
answer; a grad_of_b without retain_grad() is told why b.grad is None.
ex04 (light, 1440x900): the training-loop debugging task names the bugs that remain as they are
fixed one by one, and the fine-tuning task explains the crash of a natural half-fix.
Screenshots: tests/artifacts/exercise_*.png.
"""
import pytest

from lab_browser import (ALL_RAN, activate, assert_controls_fit, assert_no_widget_errors, cell_node, cells, control,
                         copy_notebook, dismiss_notifications, index_of, open_and_run_all, open_notebook, run_cell, save_screenshot,
                         set_viewport, themed, wait_idle)

pytestmark = pytest.mark.browser

EX01 = "notebooks/exercises/ex01_graphs_and_leaves.ipynb"
EX04 = "notebooks/exercises/ex04_training.ipynb"

# JupyterLab has applied a theme (light or dark) to the page.
THEME_KNOWN = "() => document.body.dataset.jpThemeLight !== undefined"


def type_answer(page, i, text, run=True):
    """Replace the whole content of cell i's editor with `text` (typed in as pasted text, so the
    editor's auto-indent leaves the code as written) and run it with Shift+Enter; run=False: the
    student presses Enter at the end instead (a new line, nothing runs)."""
    editor = activate(page, i).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    if run:
        page.keyboard.press("Shift+Enter")
        wait_idle(page)
    else:
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")


def messages(page, i):
    """The ✗ lines the check in cell i shows (its error output, as the notebook model holds it)."""
    errors = cells(page)[i]["errors"]
    assert len(errors) <= 1
    return errors[0] if errors else []


def shown_output(page, i):
    """The text of cell i's output area as it is on screen."""
    out = cell_node(page, i).locator(".jp-OutputArea-output")
    out.first.wait_for(timeout=30_000)
    return "\n".join(out.nth(k).inner_text() for k in range(out.count())).strip()


def output_fits(locator):
    """The output is not cut off, and a longer message would wrap (not scroll) as well."""
    return locator.evaluate("""el => el.scrollWidth <= el.clientWidth + 1
        && ['pre-wrap', 'break-spaces'].includes(getComputedStyle(el.querySelector('pre')).whiteSpace)""")


def check_again(page, answer, check, text, run=True):
    """Type `text` into the answer cell, run it (or not), run the check; return its ✗ lines."""
    type_answer(page, answer, text, run=run)
    run_cell(page, check)
    return messages(page, check)


def run_all(page, lab, source, subdir):
    path = copy_notebook(lab, source, subdir=subdir)     # JupyterLab autosaves what it runs
    open_and_run_all(page, lab, path)
    page.wait_for_function(ALL_RAN, timeout=180_000)
    dismiss_notifications(page)
    return cells(page)


# The whole journey in the dark theme at 1280x720; in the light theme at 1440x900, the screens whose
# fit depends on the size and theme (the messages read the same in both).
@pytest.mark.parametrize("theme, size, whole", [("light", "1440x900", False), ("dark", "1280x720", True)])
def test_exercise_answered_wrong_then_right(lab, lab_page, theme, size, whole):
    page = lab_page
    set_viewport(page, size)
    open_notebook(page, lab, copy_notebook(lab, EX01, subdir="exercise_run"))
    page.wait_for_function(THEME_KNOWN, timeout=90_000)     # else `themed` restores the wrong one
    with themed(page, theme):
        journey(page, lab, f"{theme}_{size}", whole)


def journey(page, lab, tag, whole=True):
    # Run All on the untouched copy: it runs to the end; each check shows its ✗ lines, no traceback.
    model = run_all(page, lab, EX01, "exercise_run")
    checks = [c for c in model if c["id"] and c["id"].endswith("_check")]
    assert len(checks) == 4
    for c in checks:
        # one call of the checks module: the reference is not in the notebook
        assert c["source"].startswith("checks.") and "\n" not in c["source"].strip(), c["source"]
        assert len(c["errors"]) == 1 and c["errors"][0], f"{c['id']}: {c['errors']}"
        for line in c["errors"][0]:
            assert line.startswith("✗ ") and ("not filled in yet" in line or "not written yet" in line), line
    # every hint button is there (JupyterLab renders a cell when it is scrolled into view)
    hints = [i for i, c in enumerate(model) if c["source"].startswith("Hints(")]
    assert len(hints) == 4
    for i in hints:
        button = control(activate(page, i), "Show a hint (1 of", exact=False)
        button.wait_for(timeout=15_000)
        assert_controls_fit(page)

    answer, check = index_of(page, "ex01_task1"), index_of(page, "ex01_task1_check")
    check_cell = activate(page, check)
    check_cell.get_by_text("m_grad and n_grad are not filled in yet").wait_for(timeout=15_000)
    message = shown_output(page, check)
    assert message.startswith("✗ m_grad and n_grad are not filled in yet") and "Traceback" not in message
    assert "checks.example_b_by_hand(m_grad, n_grad)" in check_cell.locator(".jp-InputArea").inner_text()
    save_screenshot(page, f"exercise_run_all_{tag}")

    # the check cell refuses typing and deleting; the answer cell refuses deleting
    before = cells(page)
    activate(page, check).locator(".cm-content").click()
    page.keyboard.type("oops")
    page.keyboard.press("Escape")
    for i in (check, answer):
        cell = activate(page, i)
        page.keyboard.press("d")
        page.keyboard.press("d")
        cell.hover()
        assert control(cell, "Delete the cell").is_disabled()   # the cell toolbar's bin
    assert [c["source"] for c in cells(page)] == [c["source"] for c in before], "a locked cell changed"

    stub = before[answer]["source"]
    assert stub.endswith("# YOUR CODE HERE") and "4.0" not in stub

    # typed, but Enter (a new line) instead of Shift+Enter: the answer cell did not run
    lines = check_again(page, answer, check, stub + "\nm_grad = 4.0\nn_grad = -6.0", run=False)
    assert lines == ["✗ m_grad and n_grad are not filled in yet: replace the None in the cell above with "
                     "your answers (and run that cell)."], lines

    # empty input: `m_grad =` with nothing after it is Python's SyntaxError in the answer cell, which
    # then sets nothing; the check says so (walk 14's W14_3: it said "not filled in yet: replace the None")
    lines = check_again(page, answer, check, stub + "\nm_grad =\nn_grad = -6.0")
    assert any("SyntaxError" in "".join(e) for e in cells(page)[answer]["errors"])
    assert lines == ["✗ the cell that sets m_grad and n_grad raised SyntaxError (invalid syntax) when you last ran "
                     "it, so they still hold what they held before (this check would read that): mend that cell "
                     "and run it again, then this check."], lines
    # an empty string
    lines = check_again(page, answer, check, stub + '\nm_grad = ""\nn_grad = -6.0')
    assert lines == ["✗ m_grad should be a number, not the text '': write the number without quotes."], lines

    # both wrong: a line for each, each naming its slip, in view and not clipped
    lines = check_again(page, answer, check, stub + "\nm_grad = 5.0\nn_grad = 4.0")
    assert lines == ["✗ m_grad = 5 is not right yet: that is the path through b alone (dy/db · db/dm); "
                     "m reaches y through a as well.",
                     "✗ n_grad = 4 is not right yet: b = m - n decreases when n grows: db/dn is -1, not 1."], lines
    cell_node(page, check).get_by_text("n_grad = 4 is not right yet").wait_for(timeout=30_000)
    shown = cell_node(page, check).locator(".jp-OutputArea-output")
    assert shown.count() == 1 and shown_output(page, check) == "\n".join(lines)
    assert output_fits(shown)
    save_screenshot(page, f"exercise_wrong_{tag}")

    if whole:
        # one right, one wrong: the ✓ of the right one shows above the ✗ of the other
        lines = check_again(page, answer, check, stub + "\nm_grad = 4.0\nn_grad = 6.0")
        assert len(lines) == 1 and "n_grad = 6" in lines[0]
        assert cells(page)[check]["stdout"] == "✓ m_grad is correct\n"

        # unreadable answers: what was given and what is expected
        lines = check_again(page, answer, check, stub + '\nm_grad = "4"\nn_grad = -6, 0')
        assert lines == ["✗ m_grad should be a number, not the text '4': write the number without quotes.",
                         "✗ n_grad should be a number; you gave a tuple of 2 ints ((-6, 0)). A decimal comma, "
                         "or a comma between thousands? Python reads a comma as a separator, so a number written "
                         "with one is two numbers: write the decimal with a point, and a large number without "
                         "commas (1000, or 1_000)."], lines  # (-6,0 may be either: walk 12's W12_2)
        save_screenshot(page, f"exercise_unreadable_{tag}")
        # a bool is not a number, though True == 1 in Python: said so, not compared as 1 (W3-13)
        lines = check_again(page, answer, check, stub + "\nm_grad = True\nn_grad = -6.0")
        assert lines == ["✗ m_grad should be a number; you gave a bool (True). True and False answer yes-no "
                         "questions: write the value you worked out."], lines

        # the engine's answer is refused: the task is to work it out by hand
        lines = check_again(page, answer, check, stub + "\nm = torch.tensor(2.0, requires_grad=True)\n"
                            "n = torch.tensor(3.0, requires_grad=True)\n((m + n) * (m - n)).backward()\n"
                            "m_grad, n_grad = m.grad, n.grad")
        assert len(lines) == 2 and all("work it out by hand" in line for line in lines), lines

    # fixed: both parts pass; nothing else is shown (no error, no stray True)
    lines = check_again(page, answer, check, stub + "\nm_grad = 4.0\nn_grad = -6.0")
    cell_node(page, check).get_by_text("✓ n_grad is correct").wait_for(timeout=30_000)
    done = cells(page)[check]
    assert lines == [] and done["stdout"] == "✓ m_grad is correct\n✓ n_grad is correct\n"
    assert cell_node(page, check).locator(".jp-OutputArea-output").count() == 1

    # hints, one click at a time; the hint cell's source (every hint) stays collapsed
    hint_cell = activate(page, check + 1)
    first_hint = hint_cell.get_by_text("Draw the graph")
    assert not first_hint.is_visible()
    control(hint_cell, "Show a hint (1 of 3)").click()
    first_hint.wait_for(timeout=15_000)
    assert hint_cell.get_by_text("Add the paths up").count() == 0
    control(hint_cell, "Show a hint (2 of 3)").click()
    control(hint_cell, "Show a hint (3 of 3)").click()
    done_button = control(hint_cell, "All 3 hints shown")
    done_button.wait_for(timeout=15_000)
    assert done_button.is_disabled()
    shown_hints = hint_cell.locator(".cgraph-hints li").all_inner_texts()
    assert len(shown_hints) == 3 and shown_hints[0].startswith("Draw the graph")
    assert not any(answer_text in " ".join(shown_hints) for answer_text in ("= 4", "= -6", "4.0", "-6.0"))
    activate(page, check)
    save_screenshot(page, f"exercise_right_and_hints_{tag}")

    if whole:
        # task 3: a list of strings where bools are expected
        answer3, check3 = index_of(page, "ex01_task3"), index_of(page, "ex01_task3_check")
        stub3 = cells(page)[answer3]["source"]
        lines = check_again(page, answer3, check3,
                            stub3 + "\nleaf_flags = ['True', 'True', 'False', 'False', 'False']"
                            "\ny_grad_fn_name = 'MulBackward'")
        assert lines[0].startswith("✗ leaf_flags should be a list of 5 bools (True or False, without quotes); "
                                   "you gave a list of 5 strings") and "'True' in quotes is a string" in lines[0]
        assert lines[1].startswith("✗ y_grad_fn_name = 'MulBackward' is close")
        cell_node(page, check3).get_by_text("should be a list of 5 bools").wait_for(timeout=30_000)
        save_screenshot(page, f"exercise_strings_for_bools_{tag}")

        # task 4: a written function that forgets retain_grad() is told why b.grad is None
        answer4, check4 = index_of(page, "ex01_task4"), index_of(page, "ex01_task4_check")
        lines = check_again(page, answer4, check4, "def grad_of_b(w, x):\n    a = w + x\n    b = w + 1\n"
                            "    y = a * b\n    y.backward()\n    return b.grad\n")
        assert len(lines) == 1 and "b.grad is None because b = w + 1 is an interior node" in lines[0] \
            and "retain_grad()" in lines[0] and "write its body" not in lines[0], lines
        cell_node(page, check4).get_by_text("is an interior node").wait_for(timeout=30_000)
        save_screenshot(page, f"exercise_forgot_retain_grad_{tag}")
    assert_no_widget_errors(page)


# --- ex04: debugging ------------------------------------------------------------------------------------

TRAIN_HEAD = """def train(model, batches, epochs, lr=0.1):
    \"\"\"Fit model to the (x, y) batches by SGD on the mean squared error; return each epoch's mean loss.\"\"\"
    optimizer = optim.SGD(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        total = 0
        for x, y in batches:
"""


def train_source(zero_grad, squeeze, item):
    body = TRAIN_HEAD
    if zero_grad:
        body += "            optimizer.zero_grad()\n"
    body += f"            loss = ((model(x){'.squeeze(1)' if squeeze else ''} - y) ** 2).mean()\n"
    body += "            loss.backward()\n            optimizer.step()\n"
    body += f"            total += loss{'.item()' if item else ''}\n"
    body += "        history.append(total / len(batches))\n    return history\n"
    return body


FINETUNE_HALF_FIXED = """def finetune(model, batches, lr=0.1):
    \"\"\"Freeze model, replace model[2] by a new nn.Linear(8, 3) and train only it; return the optimizer.\"\"\"
    model[2] = nn.Linear(8, 3)
    for p in model.parameters():
        p.requires_grad = False
    optimizer = optim.SGD(model[2].parameters(), lr=lr)
    for x, y in batches:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return optimizer
"""


def test_debugging_tasks_name_the_bugs_that_remain(lab, lab_page):
    page = lab_page
    set_viewport(page, "1440x900")
    open_notebook(page, lab, copy_notebook(lab, EX04, subdir="exercise_debug"))
    page.wait_for_function(THEME_KNOWN, timeout=90_000)
    with themed(page, "light"):
        debugging_journey(page, lab)


def debugging_journey(page, lab):
    model = run_all(page, lab, EX04, "exercise_debug")
    answer, check = index_of(page, "ex04_task3"), index_of(page, "ex04_task3_check")
    run_it = answer + 1
    # the symptoms a student reads in the cell that runs the untouched loop
    printed = model[run_it]["stdout"]
    assert "history[0] is a Tensor  grad_fn: <DivBackward0" in printed, printed
    # the untouched loop: three bugs remain, one line each
    lines = messages(page, check)
    assert len(lines) == 3 and all(line.startswith("✗ a bug remains:") for line in lines), lines
    assert "pile up" in lines[0] and "(8, 8)" in lines[1] and "history holds tensors in a graph" in lines[2]
    activate(page, check)
    cell_node(page, check).get_by_text("the gradients pile up").wait_for(timeout=30_000)
    save_screenshot(page, "exercise_debug_loop_untouched")

    # the gradients cleared: two bugs left
    lines = check_again(page, answer, check, train_source(zero_grad=True, squeeze=False, item=False))
    assert len(lines) == 2 and "(8, 8)" in lines[0] and "history holds tensors" in lines[1], lines
    # the shapes fixed too: one left
    lines = check_again(page, answer, check, train_source(zero_grad=True, squeeze=True, item=False))
    assert len(lines) == 1 and "history holds tensors" in lines[0], lines
    run_cell(page, run_it)
    assert "history[0] is a Tensor" in cells(page)[run_it]["stdout"]
    # all three fixed
    lines = check_again(page, answer, check, train_source(zero_grad=True, squeeze=True, item=True))
    assert lines == [] and cells(page)[check]["stdout"].startswith("✓ train trains the line as a correct loop does")
    run_cell(page, run_it)
    printed = cells(page)[run_it]["stdout"]
    assert "history[0] is a float  grad_fn: None" in printed, printed
    activate(page, run_it)
    save_screenshot(page, "exercise_debug_loop_fixed")

    # fine-tuning: the untouched code, then the natural half-fix that freezes the new head too
    answer, check = index_of(page, "ex04_task4"), index_of(page, "ex04_task4_check")
    lines = messages(page, check)
    assert len(lines) == 2 and "still have requires_grad=True" in lines[0] and "optimizer holds none" in lines[1]
    lines = check_again(page, answer, check, FINETUNE_HALF_FIXED)
    assert len(lines) == 1 and lines[0].startswith("✗ a bug remains: backward() raised RuntimeError (element 0 "
                                                   "of tensors does not require grad") \
        and "the new head was frozen too" in lines[0], lines
    cell_node(page, check).get_by_text("the new head was frozen too").wait_for(timeout=30_000)
    assert "Traceback" not in shown_output(page, check)       # explained, not a raw RuntimeError
    save_screenshot(page, "exercise_debug_finetune_frozen_head")
    # no check cell of the notebook shows a reference or a solution: each is one call
    grade_cells = [c for c in cells(page) if c["id"] and c["id"].endswith("_check")]
    assert len(grade_cells) == 5                                # tasks 1-5 (task 5: resnet18)
    for c in grade_cells:
        assert c["source"].startswith("checks.") and "\n" not in c["source"].strip(), c["source"]
        shown = activate(page, index_of(page, c["id"])).locator(".jp-InputArea-editor").inner_text()
        assert shown.strip() == c["source"].strip(), shown        # what the student sees: that call
    assert_no_widget_errors(page)
