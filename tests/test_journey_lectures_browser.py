"""A lecturer's journey: every lecture, on a 1280x720 projector in lecture mode, light and dark theme.

Each lecture is copied to tests/artifacts/journey/notebooks/ (JupyterLab autosaves what it runs), opened in
JupyterLab and run top to bottom once; every cell is scrolled into view once (JupyterLab renders
off-screen cells lazily), so that every widget and picture displays; the lecture_mode() calls the
lecture makes leave its last scale in force. Then, in each theme, every GraphStepper is shown at its
last step with a node selected (what a lecturer shows), and the test asserts what is visible:
- every code cell ran, without an error output, and no widget failed to display;
- every control in a widget shows its whole label (scrollWidth <= clientWidth, nothing cut off);
- no text inside a widget is cut off at the side of its box or of the window;
- no printed text or picture in any output is cut off at the side (unless it scrolls sideways);
- in the dark theme, no output shows a white block (a plot that ignores the theme).
Screenshots: tests/artifacts/journey/<lecture>_<theme>.png (the first widget, else the first picture),
and what was measured in <lecture>_<theme>.json. Known defects are xfail(strict=True) with the
id of the walkthrough finding: when an owner fixes one, the xfail turns into a failure -- remove it.
"""
import json
import re
from pathlib import Path

import pytest

from lab_browser import (ARTIFACTS, WIDGET_OUTPUTS, assert_no_widget_errors, cell_index, code_cells,
                         control, controls_that_dont_fit, copy_notebook, dismiss_notifications,
                         lecture_mode, light_blocks, new_page, open_and_run_all, pictures_that_dont_fit,
                         save_screenshot, scroll_to_cell, set_viewport, show_every_cell, text_cut_off,
                         themed)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb") if re.match(r"\d\d_", p.name))
THEMES = ("light", "dark")
SUBDIR = "journey"
OUTPUTS = ".jp-OutputArea-output"

# Known defects (walk-findings.md), by lecture and theme.
KNOWN = {}


def _params():
    for lecture in LECTURES:
        for theme in THEMES:
            reason = KNOWN.get((lecture, theme))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(lecture, theme, marks=marks, id=f"{lecture}-{theme}")


@pytest.fixture(scope="module")
def projector(browser):
    """One 1280x720 page for the module; the lecture it has run is kept for the next theme."""
    page = new_page(browser, 1280, 720)
    page.lecture = None
    yield page
    page.context.close()


def test_there_are_lectures():
    assert len(LECTURES) >= 8


def _run_lecture(page, lab, lecture):
    """Open the lecture (a copy) and run it, unless this page ran it last; display every cell once;
    return its cells."""
    if page.lecture != lecture:
        page.lecture = None
        page.console_errors.clear()
        set_viewport(page, "1280x720")
        open_and_run_all(page, lab, copy_notebook(lab, f"notebooks/{lecture}.ipynb", f"{SUBDIR}/notebooks"),
                         timeout_ms=120_000)
        dismiss_notifications(page)
        _assert_lecture_mode_as_the_lecture_set_it(page, lecture)
        shown = show_every_cell(page)
        if re.search(r"RegressionLab\(|draw\(", (ROOT / "notebooks" / f"{lecture}.ipynb").read_text()):
            assert shown is not None, "the notebook displays a widget or picture, but no cell output has one"
        page.lecture = lecture
    return code_cells(page)


def _assert_lecture_mode_as_the_lecture_set_it(page, lecture):
    """The lecture's lecture_mode(...) calls each left their <style> element in the page, and the
    last one decides the scale."""
    nb = json.loads((ROOT / "notebooks" / f"{lecture}.ipynb").read_text())
    calls = [m.group(1) for c in nb["cells"] if c["cell_type"] == "code"
             for m in re.finditer(r"^lecture_mode\((.*?)\)", "".join(c["source"]), re.M)]
    if calls:
        styles = page.evaluate("() => document.querySelectorAll('style.cgraph-lecture-mode').length")
        scale = page.evaluate("() => getComputedStyle(document.documentElement)"
                              ".getPropertyValue('--cgraph-scale').trim()")
        assert styles == len(calls)
        assert scale == ("1" if "False" in calls[-1] else "1.5"), scale


def _show_steppers(page):
    """Every GraphStepper at its last step, with its first node selected: grads, chain-rule panel
    and inspector all filled, as a lecturer shows it."""
    steppers = page.locator(".cgraph-stepper")
    for k in range(steppers.count()):
        stepper = steppers.nth(k)
        stepper.scroll_into_view_if_needed()
        last = control(stepper, "last step")
        if last.is_enabled():
            last.click()
        stepper.locator("svg g.node").first.click()
    if steppers.count():                    # the inspector's content comes back from the kernel
        page.wait_for_function(_EVERY_INSPECTOR_FILLED, timeout=30_000)


# Every GraphStepper's inspector shows its selected node (the kernel's inspector_html came back), not
# the note it shows with no node clicked.
_EVERY_INSPECTOR_FILLED = """() => [...document.querySelectorAll('.cgraph-stepper')].every(st => {
  const insp = st.querySelector('.cg-inspector');
  return st.classList.contains('cg-has-selection') && insp && insp.textContent.trim() !== '' &&
         !insp.textContent.includes('Click a node to inspect it.');
})"""


# Cells whose pictures are white in the dark theme, as they would be in any notebook: lecture 06
# shows the tutorial's own matplotlib loop as the tutorial has it (a theme-aware figure would need
# code the tutorial does not have; the lab below it follows the theme).
WHITE_ON_PURPOSE = {"06_linear_regression": "fig, ax = plt.subplots(figsize=(6, 4))"}


def _outputs_but_white_on_purpose(page, lecture):
    if lecture not in WHITE_ON_PURPOSE:
        return OUTPUTS
    index = cell_index(page, WHITE_ON_PURPOSE[lecture])
    return f'.jp-Cell:not([data-windowed-list-index="{index}"]) {OUTPUTS}'


def _screenshot_first_widget(page, cells, name):
    widget = [c["index"] for c in cells if "application/vnd.jupyter.widget-view+json" in c["mimes"]]
    picture = [c["index"] for c in cells if "image/svg+xml" in c["mimes"] or "image/png" in c["mimes"]]
    target = (widget or picture or [0])[0]
    scroll_to_cell(page, target)
    page.wait_for_timeout(500)
    return save_screenshot(page, name, SUBDIR)


@pytest.mark.parametrize(("lecture", "theme"), list(_params()))
def test_lecture_on_a_projector(lab, projector, lecture, theme):
    page = projector
    cells = _run_lecture(page, lab, lecture)
    with themed(page, theme):
        lecture_mode(page, 1.5)
        _show_steppers(page)
        shot = _screenshot_first_widget(page, cells, f"{lecture}_{theme}")
        found = {
            "not_run": [c["index"] for c in cells if c["count"] is None],
            "errors": [(c["index"], c["errors"]) for c in cells if c["errors"]],
            "controls_that_dont_fit": controls_that_dont_fit(page),
            "text_cut_off": text_cut_off(page, WIDGET_OUTPUTS),
            # in every output, not only widgets': a printed line or a picture cut at the side (one
            # that scrolls sideways is whole, a scroll away)
            "output_text_cut_off": [c for c in text_cut_off(page, OUTPUTS) if c["past"] > 4 and not c["scrolls"]],
            "pictures_cut_off": [p for p in pictures_that_dont_fit(page) if not p["scrolls"]],
            "light_blocks": light_blocks(page, _outputs_but_white_on_purpose(page, lecture), settle_s=15)
                            if theme == "dark" else [],
            "screenshot": shot.name,
        }
        lecture_mode(page, 1)
    (ARTIFACTS / SUBDIR / f"{lecture}_{theme}.json").write_text(json.dumps(found, indent=1))
    assert not found["not_run"], f"code cells that did not run: {found['not_run']}"
    assert not found["errors"], f"cells with errors: {found['errors']}"
    assert_no_widget_errors(page)
    assert not found["controls_that_dont_fit"], "controls whose label is cut:\n" + "\n".join(
        f"  {c['tag']} {c['text']!r}: {c['why']} ({c['need']} > {c['room']} px)"
        for c in found["controls_that_dont_fit"])
    assert not found["text_cut_off"], "texts cut off at the side:\n" + "\n".join(
        f"  {t['text']!r} ({t['past']} px past {t['clipper']}{', scrolls' if t['scrolls'] else ''})"
        for t in found["text_cut_off"][:15])
    assert not found["output_text_cut_off"], f"output text cut off: {found['output_text_cut_off'][:15]}"
    assert not found["pictures_cut_off"], f"pictures cut off: {found['pictures_cut_off']}"
    assert not found["light_blocks"], f"white blocks in the dark theme: {found['light_blocks']}"
