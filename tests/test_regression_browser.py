"""RegressionLab in a real JupyterLab + Chromium: the ipympl canvas appears, and its pixels change
while training plays (Play clicked in the browser, not from Python)."""
import json
import re

import pytest

from lab_browser import ARTIFACTS, assert_no_widget_errors, open_and_run_all, screenshot

pytestmark = pytest.mark.browser

NOTEBOOK = "tests/notebooks_for_tests/regression_lab.ipynb"
CANVAS = ".jupyter-matplotlib-canvas-div canvas"

# Count the frames the ipympl view paints: it copies each received image onto its visible canvas
# with drawImage (installed before any page script runs).
COUNT_FRAMES = """
(() => {
  window.__mplFrames = 0;
  const orig = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const c = this.canvas;
    if (c && c.closest && c.closest('.jupyter-matplotlib-canvas-div')) window.__mplFrames++;
    return orig.apply(this, args);
  };
})();
"""
PIXELS = f"() => document.querySelector('{CANVAS}').toDataURL()"
ITERATION = """() => {
  const th = [...document.querySelectorAll('.cgl-regression-numbers th')]
    .find(e => e.textContent.trim() === 'iteration');
  return th ? parseInt(th.nextElementSibling.textContent) : -1;
}"""
SAMPLE = f"() => [performance.now(), window.__mplFrames, ({ITERATION})()]"


def test_canvas_updates_while_playing(lab, browser_page):
    page = browser_page
    page.add_init_script(COUNT_FRAMES)
    open_and_run_all(page, lab, NOTEBOOK)
    page.locator(CANVAS).first.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("() => window.__mplFrames > 0", timeout=30_000)   # first image drawn
    page.wait_for_timeout(500)
    assert page.evaluate(ITERATION) == 0
    before = page.evaluate(PIXELS)

    lab_box = page.locator(".cgl-regression")
    lab_box.locator("button", has_text=re.compile(r"^\s*Play\s*$")).click()
    page.wait_for_function(f"() => ({ITERATION})() >= 5", timeout=30_000)
    t0, frames0, it0 = page.evaluate(SAMPLE)
    page.wait_for_timeout(1000)
    during = page.evaluate(PIXELS)
    page.wait_for_timeout(1000)
    t1, frames1, it1 = page.evaluate(SAMPLE)
    assert during != before and page.evaluate(PIXELS) != during, "the canvas did not change"
    assert frames1 - frames0 >= 10, f"only {frames1 - frames0} frames painted in 2 s"
    assert it1 > it0
    rate = dict(frames_per_s=round((frames1 - frames0) / (t1 - t0) * 1000, 1),
                iterations_per_s=round((it1 - it0) / (t1 - t0) * 1000, 1))
    print("BROWSER_REDRAW", json.dumps(rate))
    (ARTIFACTS / "regression_redraw_browser.json").write_text(json.dumps(rate))

    # Pause: the graph of the last iteration (after backward) appears beside the plots.
    lab_box.locator("button", has_text=re.compile(r"^\s*Pause\s*$")).click()
    page.locator(".cgl-regression-graph svg text", has_text="MeanBackward0").first.wait_for(
        timeout=15_000)
    page.wait_for_timeout(300)
    paused = page.evaluate(ITERATION)
    page.wait_for_timeout(500)
    assert page.evaluate(ITERATION) == paused, "still training after Pause"
    # "step through backward": the GraphStepper of the last iteration replaces the picture.
    page.locator(".cgl-regression button", has_text="step through backward").click()
    page.locator(".cgl-regression .cgraph-stepper svg").first.wait_for(timeout=15_000)
    toast = page.get_by_role("button", name="No")        # JupyterLab's news question, if asked
    if toast.count():
        toast.first.click()
        page.wait_for_timeout(300)
    assert page.locator(".cgl-regression-numbers td", has_text="paused").count() == 1
    screenshot(page, "regression_lab.png")
    assert_no_widget_errors(page)
