"""Every lecture notebook opened in JupyterLab in headless Chromium and run top to bottom: the
kernel finishes, no cell shows an error, no widget fails to display, no JavaScript console errors.
A screenshot of each goes to tests/artifacts/notebook_<name>.png."""
import re
from pathlib import Path

import pytest

from lab_browser import assert_no_widget_errors, open_and_run_all, screenshot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb")
                  if re.match(r"\d\d_", p.name))


# For each code cell of the current notebook: its execution count and its error outputs' names.
CODE_CELLS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells, result = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const errors = [];
    for (let j = 0; j < cell.outputs.length; j++) {
      const out = cell.outputs.get(j);
      if (out.type === 'error') errors.push(out.toJSON().ename + ': ' + out.toJSON().evalue);
    }
    result.push({count: cell.executionCount, errors});
  }
  return result;
}"""


def test_there_are_lectures():
    assert len(LECTURES) >= 8


@pytest.mark.parametrize("rel", LECTURES)
def test_lecture_runs_in_jupyterlab(lab, browser_page, rel):
    page = browser_page
    open_and_run_all(page, lab, rel, timeout_ms=120_000)
    # Read the cells from JupyterLab's notebook model (off-screen cells may not be in the DOM):
    # every code cell ran, and none produced an error output.
    cells = page.evaluate(CODE_CELLS)
    assert cells, "no code cells found"
    not_run = [i for i, c in enumerate(cells) if c["count"] is None]
    assert not not_run, f"code cells {not_run} did not run"
    failed = [(i, c["errors"]) for i, c in enumerate(cells) if c["errors"]]
    assert not failed, f"cells with errors: {failed}"
    assert_no_widget_errors(page)
    screenshot(page, f"notebook_{Path(rel).stem}.png")
