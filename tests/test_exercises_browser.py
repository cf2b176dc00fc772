"""An exercise as a student does it, in JupyterLab + headless Chromium, on the committed student copy
of ex01: Run All shows every check's one-line message and every hint button; check cells refuse to
be edited or deleted; task 1 answered wrong (the mistake's message), then right (✓); a hint opened.
Light theme at 1440x900 and dark at 1280x720; screenshots go to tests/artifacts/exercise_*.png.
"""
import pytest

from lab_browser import (assert_controls_fit, assert_no_widget_errors, control, copy_notebook,
                         dismiss_notifications, open_and_run_all, save_screenshot, set_viewport, themed)

pytestmark = pytest.mark.browser

SOURCE = "notebooks/exercises/ex01_graphs_and_leaves.ipynb"

# Per cell of the current notebook: type, nbgrader grade_id (or null), source, error outputs'
# evalues and the texts of its stream outputs (JupyterLab's model, not the DOM).
CELLS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells, result = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i), nbgrader = cell.getMetadata('nbgrader') || {};
    const outputs = [];
    if (cell.type === 'code')
      for (let j = 0; j < cell.outputs.length; j++) outputs.push(cell.outputs.get(j).toJSON());
    result.push({type: cell.type, id: nbgrader.grade_id || null, source: cell.sharedModel.getSource(),
                 count: cell.type === 'code' ? cell.executionCount : 0,
                 errors: outputs.filter(o => o.output_type === 'error').map(o => o.traceback),
                 stdout: outputs.filter(o => o.output_type === 'stream').map(o => o.text).join('')});
  }
  return result;
}"""

# Make cell i the active one (command mode) and scroll it to the top of the notebook panel.
ACTIVATE = """async (i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  nb.activeCellIndex = i;
  nb.mode = 'command';
  await nb.scrollToItem(i, 'start');
  nb.node.focus();
}"""

# Every code cell of the current notebook has run (the kernel may look idle between two cells).
ALL_RAN = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  for (let i = 0; i < cells.length; i++)
    if (cells.get(i).type === 'code' && cells.get(i).executionCount == null) return false;
  return true;
}"""

KERNEL_IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget, k = w.sessionContext.session.kernel;
  return k.status === 'idle' && !w.sessionContext.isBusy;
}"""


def cells(page):
    return page.evaluate(CELLS)


def index_of(page, grade_id):
    return next(i for i, c in enumerate(cells(page)) if c["id"] == grade_id)


def cell_node(page, i):
    return page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{i}"]')


def activate(page, i):
    page.evaluate(ACTIVATE, i)
    cell = cell_node(page, i)
    cell.wait_for(timeout=15_000)
    return cell


def wait_idle(page):
    page.wait_for_timeout(300)          # the execute request is on its way
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)


def type_answer(page, i, text):
    """Replace the whole content of cell i's editor with `text`, typed, and run it (Shift+Enter)."""
    editor = activate(page, i).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    for n, line in enumerate(text.split("\n")):
        if n:
            page.keyboard.press("Enter")
            page.keyboard.press("Home")           # undo the editor's auto-indent: these lines are top level
        page.keyboard.type(line)
    page.keyboard.press("Shift+Enter")
    wait_idle(page)


def run_cell(page, i):
    activate(page, i)
    page.keyboard.press("Shift+Enter")
    wait_idle(page)


def output_fits(locator):
    """The output is not cut off, and a longer message would wrap (not scroll) as well."""
    return locator.evaluate("""el => el.scrollWidth <= el.clientWidth + 1
        && ['pre-wrap', 'break-spaces'].includes(getComputedStyle(el.querySelector('pre')).whiteSpace)""")


@pytest.mark.parametrize("theme, size", [("light", "1440x900"), ("dark", "1280x720")])
def test_exercise_answered_wrong_then_right(lab, browser_page, theme, size):
    page = browser_page
    set_viewport(page, size)
    # a copy: JupyterLab autosaves what it runs and what is typed into it
    path = copy_notebook(lab, SOURCE, subdir="exercise_run")
    page.goto(lab.url(path))
    with themed(page, theme):
        journey(page, lab, path, f"{theme}_{size}")


def journey(page, lab, path, tag):
    # Run All on the untouched copy: it runs to the end; each check shows one line, no traceback.
    open_and_run_all(page, lab, path)
    page.wait_for_function(ALL_RAN, timeout=120_000)
    dismiss_notifications(page)
    model = cells(page)
    checks = [c for c in model if c["id"] and c["id"].endswith("_check")]
    assert len(checks) == 4
    for c in checks:
        assert len(c["errors"]) == 1 and len(c["errors"][0]) == 1, f"{c['id']}: {c['errors']}"
        assert "not filled in yet" in c["errors"][0][0] or "returned None" in c["errors"][0][0]
    # every hint button is there (JupyterLab renders a cell when it is scrolled into view)
    hints = [i for i, c in enumerate(model) if c["source"].startswith("Hints(")]
    assert len(hints) == 4
    for i in hints:
        button = control(activate(page, i), "Show a hint (1 of", exact=False)
        button.wait_for(timeout=15_000)
        assert_controls_fit(page)

    answer, check = index_of(page, "ex01_task1"), index_of(page, "ex01_task1_check")
    check_cell = activate(page, check)
    check_cell.get_by_text("m_grad is not filled in yet").wait_for(timeout=15_000)
    message = check_cell.locator(".jp-OutputArea-output").inner_text()
    assert message.startswith("✗ m_grad is not filled in yet") and "Traceback" not in message
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

    # a wrong answer: the known mistake's one-line message, in view and not clipped
    stub = before[answer]["source"]
    assert stub.endswith("# YOUR CODE HERE") and "4.0" not in stub
    type_answer(page, answer, stub + "\nm_grad = 5.0\nn_grad = -6.0")
    run_cell(page, check)
    text = cell_node(page, check).get_by_text("m_grad = 5 is not right yet")
    text.wait_for(timeout=30_000)
    shown = cell_node(page, check).locator(".jp-OutputArea-output")
    assert shown.count() == 1
    message = shown.inner_text().strip()
    assert message == ("✗ m_grad = 5 is not right yet: that is a = m + n only; y = a * b, so "
                       "dy/dm = b * da/dm + a * db/dm."), message
    assert output_fits(shown)
    save_screenshot(page, f"exercise_wrong_{tag}")

    # fixed: both checks pass; nothing else is shown (no error, no stray True)
    type_answer(page, answer, stub + "\nm_grad = 4.0\nn_grad = -6.0")
    run_cell(page, check)
    cell_node(page, check).get_by_text("✓ n_grad is correct").wait_for(timeout=30_000)
    done = cells(page)[check]
    assert done["errors"] == [] and done["stdout"] == "✓ m_grad is correct\n✓ n_grad is correct\n"
    assert cell_node(page, check).locator(".jp-OutputArea-output").count() == 1

    # a hint, one click at a time; the hint cell's source (every hint) stays collapsed
    hint_cell = activate(page, check + 1)
    first_hint = hint_cell.get_by_text("Use the chain rule along every path")
    assert not first_hint.is_visible()
    control(hint_cell, "Show a hint (1 of 3)").click()
    first_hint.wait_for(timeout=15_000)
    control(hint_cell, "Show a hint (2 of 3)").wait_for(timeout=15_000)
    assert first_hint.count() == 1 and hint_cell.get_by_text("dy/da = b = -1").count() == 0
    activate(page, check)
    save_screenshot(page, f"exercise_right_and_hint_{tag}")
    assert_no_widget_errors(page)
