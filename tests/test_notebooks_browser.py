"""Every lecture notebook opened in JupyterLab in headless Chromium and run top to bottom: the
kernel finishes, no cell shows an error, no widget fails to display, no JavaScript console errors.
A screenshot of each goes to tests/artifacts/notebook_<name>.png."""
import json
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


# Scroll every cell into view, then to the first cell showing a widget (else an SVG picture);
# returns that cell's index or null.
VISIT_CELLS = """async () => {
  const nb = window.jupyterapp.shell.currentWidget.content, cells = nb.model.cells;
  const pause = () => new Promise(r => setTimeout(r, 60));
  let widget = null, picture = null;
  for (let i = 0; i < cells.length; i++) {
    await nb.scrollToItem(i, 'start');
    await pause();
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++) {
      const data = cell.outputs.get(j).toJSON().data || {};
      if (widget === null && data['application/vnd.jupyter.widget-view+json']) widget = i;
      // (a picture: an SVG output, or draw()'s picture inside an HTML output, as side by side)
      if (picture === null && (data['image/svg+xml'] || String(data['text/html'] || '').includes('cgraph-picture')))
        picture = i;
    }
  }
  const target = widget !== null ? widget : picture;
  if (target !== null) { await nb.scrollToItem(target, 'start'); await pause(); }
  return target;
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
    # Off-screen cells are not rendered (JupyterLab's windowing): visit every cell so that every
    # widget and picture is displayed once, then show the first interactive widget (or picture).
    shown = page.evaluate(VISIT_CELLS)
    page.wait_for_timeout(1000)
    assert_no_widget_errors(page)
    nb = json.loads((ROOT / rel).read_text())
    calls = [m.group(1) for c in nb["cells"] if c["cell_type"] == "code"
             for m in re.finditer(r"^lecture_mode\((.*?)\)", "".join(c["source"]), re.M)]
    if calls:  # lecture mode's <style> elements are in the page; the last one decides the scale
        styles = page.evaluate("() => document.querySelectorAll('style.cgraph-lecture-mode').length")
        scale = page.evaluate("() => getComputedStyle(document.documentElement)"
                              ".getPropertyValue('--cgraph-scale').trim()")
        assert styles == len(calls)
        assert scale == ("1" if "False" in calls[-1] else "1.5"), scale
    last_step = page.locator(".cg-last")           # a GraphStepper on screen: show its final step
    if last_step.count():
        last_step.first.click()
        page.wait_for_timeout(500)
        assert_no_widget_errors(page)
    screenshot(page, f"notebook_{Path(rel).stem}.png")
    if re.search(r"RegressionLab\(|draw\(", (ROOT / rel).read_text()):
        assert shown is not None, "the notebook displays a widget or picture, but no cell output has one"
