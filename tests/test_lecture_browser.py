"""Lecture mode and slides in a real browser, as a lecturer uses them at 1280x720 (a projector).

- lecture_mode(scale=1.5) enlarges draw() pictures, matplotlib figures, ipywidgets and stderr / error
  outputs (a check's ✗ message, its words whole: W9_13) by 1.5 (light and dark themes); the pictures
  still fit their output area or scroll, and their smallest text grows with them; clearing the
  cell's output ends lecture mode. lecture_mode_switch's button says aria-pressed (W9_17).
- Lecture 01 as jupyterlab-rise slides: run on the slides, stepped through, with its draw()
  pictures and its GraphStepper widget visible and working, and not one request off the machine.

Screenshots: tests/artifacts/lecture_mode_*.png, lecture_rise_*.png.
"""
import json
import re

import nbformat
import pytest
from playwright.sync_api import expect

from lab_browser import (ARTIFACTS, ROOT, assert_controls_fit, assert_no_widget_errors,
                         dismiss_notifications, open_and_run_all, save_screenshot, screenshot, set_viewport,
                         scroll_to_cell, split_words, themed, unnamed_controls)
from test_render_browser import TOP_IN_VIEW, assert_pictures_fit
from test_render_browser import browser  # noqa: F401  (Chromium with its scrollbars shown)

pytestmark = pytest.mark.browser
SCALE = 1.5

LECTURE_CELLS = [
    "%matplotlib inline\n"
    "import matplotlib.pyplot as plt\nimport ipywidgets as W\nimport autograd_core as torch\n"
    "from widgets import draw\nfrom widgets.lecture import lecture_mode\n"
    "w = torch.tensor(1., requires_grad=True)\nx = torch.tensor(2., requires_grad=True)\n"
    "y = (w + x) * (w + 1)\n"
    "ws = [torch.tensor(float(k), requires_grad=True) for k in range(16)]\n"
    "wide = torch.stack([w_k * (k + 1) for k, w_k in enumerate(ws)]).sum()",
    "draw(y)",
    "draw(wide)",
    "fig, ax = plt.subplots(figsize=(4, 2.5))\nax.plot([1, 3, 2])\nax.set_title('a figure')\nplt.show()",
    "W.Button(description='a button')",
    # an exercise check's ✗ message is an error output: JupyterLab renders it as stderr is rendered
    "import sys\nprint('✗ grad_of_b(w=1, x=2) returned None: retain_grad() comes after y.backward(), which "
    "has already freed the gradient of b, an interior node, by then; ask for it before y.backward().\\n"
    "✗ Softplus.backward(ctx, g) raised ValueError: not enough values to unpack (expected 1, got 0): it reads "
    "ctx.saved_tensors, but forward saved nothing there; call ctx.save_for_backward(x) in forward.\\n"
    "✗ gradient_error(f, xs) returned a negative number: take the absolute value of each difference (a "
    "gradient that is too small makes it negative).\\n"
    "✗ z_grads should be a list of 3 numbers; you gave an int (12). Compare with the formulas of the example; "
    "tasks 1 (sub) and 3 must pass first.', file=sys.stderr)",
    "from widgets.lecture import lecture_mode_switch\nlecture_mode_switch(scale=2)",
    f"lecture_mode(scale={SCALE})",
]

STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
STDERR_CELL = next(i for i, src in enumerate(LECTURE_CELLS) if "sys.stderr" in src)
SIZES_JS = """() => {
  const STDERR = '""" + STDERR + """';
  const width = (el) => el.getBoundingClientRect().width;
  const pictures = [...document.querySelectorAll('.cgraph-picture img')].map(width);
  const figure = document.querySelector('.jp-RenderedImage > img');
  const button = [...document.querySelectorAll('button.jupyter-button')]
    .find(b => b.textContent.includes('a button'));
  const stderr = document.querySelector(`${STDERR} pre`);
  return {pictures, figure: width(figure), buttonFont: parseFloat(getComputedStyle(button).fontSize),
          stderrFont: parseFloat(getComputedStyle(stderr).fontSize),
          stderrLines: stderr.getBoundingClientRect().height / parseFloat(getComputedStyle(stderr).lineHeight),
          scale: getComputedStyle(document.documentElement).getPropertyValue('--cgraph-scale').trim()};
}"""


@pytest.fixture
def projector_page(browser_page):
    set_viewport(browser_page, "1280x720")
    return browser_page


def test_lecture_mode_scales_pictures_figures_and_widgets(lab, projector_page):
    page = projector_page
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3 (ipykernel)"}})
    nb.cells = [nbformat.v4.new_code_cell(src) for src in LECTURE_CELLS]
    nbformat.write(nb, ARTIFACTS / "lecture_mode.ipynb")
    open_and_run_all(page, lab, "tests/artifacts/lecture_mode.ipynb")
    dismiss_notifications(page)
    page.wait_for_function("() => document.querySelectorAll('.cgraph-picture img').length === 2 &&"
                           " document.querySelector('.jp-RenderedImage > img') && [...document"
                           ".querySelectorAll('button.jupyter-button')].some(b => b.textContent"
                           ".includes('a button')) && document.querySelector('" + STDERR + " pre')",
                           timeout=60_000)
    # (the accessibility helper: a name of zero-width spaces is no name, walk 9's W9_18)
    page.evaluate("""() => document.querySelector('.jp-OutputArea-output:has(.jupyter-widgets)')
        .insertAdjacentHTML('beforeend', '<input type=checkbox class=w9-18 aria-label="\\u200b">'
                            + '<button class=w9-18 aria-label="\\u200b">named</button>')""")
    assert [c["cls"] for c in unnamed_controls(page)] == ["w9-18", "w9-18"], unnamed_controls(page)
    page.evaluate("() => document.querySelectorAll('.w9-18').forEach(e => e.remove())")
    for theme in ("light", "dark"):
        with themed(page, theme):
            on = page.evaluate(SIZES_JS)
            assert on["scale"] == f"{SCALE:g}"
            assert_pictures_fit(page, min_font_px=9 * SCALE)  # the readable floor grows too
            # W9_13: a ✗ message (stderr) grows too, its lines broken between words ("gr|adient")
            assert on["stderrLines"] > 6.5, on            # (its four lines wrap at 1280x720)
            scroll_to_cell(page, STDERR_CELL, "center")
            assert split_words(page, STDERR) == []
            save_screenshot(page, f"lecture_mode_stderr_{theme}", locator=page.locator(STDERR).first)
            page.locator(".cgraph-picture").first.evaluate(TOP_IN_VIEW)
            screenshot(page, f"lecture_mode_on_{theme}.png")
    # clearing lecture_mode()'s output ends lecture mode
    page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget.content;
                             nb.activeCellIndex = nb.widgets.length - 1; }""")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-cell-output')")
    page.wait_for_function("() => !getComputedStyle(document.documentElement)"
                           ".getPropertyValue('--cgraph-scale').trim()", timeout=30_000)
    with themed(page, "dark"):
        off = page.evaluate(SIZES_JS)
        assert_pictures_fit(page, min_font_px=9)
        page.locator(".cgraph-picture").first.evaluate(TOP_IN_VIEW)
        screenshot(page, "lecture_mode_off_dark.png")
    small_on, small_off = on["pictures"][0], off["pictures"][0]
    assert small_on == pytest.approx(SCALE * small_off, rel=0.01)      # pictures x1.5 ...
    assert on["figure"] == pytest.approx(SCALE * off["figure"], rel=0.01)  # ... figures ...
    assert on["buttonFont"] == pytest.approx(SCALE * off["buttonFont"], rel=0.01)  # ... widgets
    assert on["stderrFont"] == pytest.approx(SCALE * off["stderrFont"], rel=0.01)  # ... ✗ messages
    assert on["pictures"][1] >= off["pictures"][1]   # the wide one: larger, or already at its area
    # the switch (lecture 00's): Run All left it off; pressed, lecture mode x2; pressed again, off
    switch = page.get_by_role("button", name="lecture mode ×2")
    assert switch.is_visible() and "mod-active" not in (switch.get_attribute("class") or "")
    expect(switch).to_have_attribute("aria-pressed", "false")   # W9_17: its state, not its colour only
    scale = "() => getComputedStyle(document.documentElement).getPropertyValue('--cgraph-scale').trim()"
    for pressed, want in ((True, "2"), (False, "1")):
        switch.click()
        page.wait_for_function(f"() => ({scale})() === '{want}'", timeout=30_000)
        assert ("mod-active" in (switch.get_attribute("class") or "")) == pressed
        expect(switch).to_have_attribute("aria-pressed", "true" if pressed else "false")
        assert_controls_fit(page)                       # its name whole, at x2 too ("lectu…" was cut)
        if pressed:
            with themed(page, "dark"):
                switch.scroll_into_view_if_needed()
                screenshot(page, "lecture_mode_switch_on_dark.png")
    assert_no_widget_errors(page)


# --- lecture 01 as jupyterlab-rise slides -------------------------------------------------------------
SLIDE_JS = """() => { const s = document.querySelector('.reveal .slides section.present:not(.stack)');
                      return {hash: location.hash, text: s ? s.innerText : ''}; }"""
PRESENT = ".reveal .slides section.present:not(.stack)"  # the slide shown (not its vertical stack)
RUNNING = "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"


# reveal.js's slide transitions have ended (screenshots of a half-moved slide show two at once)
SETTLED = """() => !document.getAnimations().some(a => a.playState === 'running' && a.effect
                                                   && a.effect.target && a.effect.target.tagName === 'SECTION')"""


def go(page, control):
    """Click reveal.js's navigation control (by its accessible name); wait until the next slide is in."""
    where = page.evaluate("() => location.hash")
    page.get_by_role("button", name=control, exact=True).click()
    page.wait_for_function("(h) => location.hash !== h", arg=where, timeout=30_000)
    page.wait_for_function(SETTLED, timeout=30_000)


def test_lecture_01_as_rise_slides_with_working_widgets(lab, projector_page):
    """Open lecture 01 as slides (the page jupyterlab-rise's "Render as slides" opens), run its cells
    on the slides with Shift+Enter as a lecturer does, and check what the audience sees."""
    page = projector_page
    source = json.loads((ROOT / "notebooks/01_computation_graphs.ipynb").read_text(encoding="utf-8"))
    assert source["metadata"]["rise"]["theme"] == "white"   # reveal.js theme without web fonts
    # a copy: running it must not write outputs into the committed lecture
    (ARTIFACTS / "lecture_01_slides.ipynb").write_text(json.dumps(source), encoding="utf-8")
    elsewhere = []  # every request that would leave this machine (refused: lecture halls go offline)
    page.context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]|data:|blob:)"),
                       lambda route: (elsewhere.append(route.request.url), route.abort()))
    page.goto(f"{lab.base}/rise/tests/artifacts/lecture_01_slides.ipynb?token={lab.token}")
    page.wait_for_selector(".reveal.ready .jp-CodeCell", timeout=120_000)
    page.wait_for_function(SETTLED, timeout=30_000)
    title = page.evaluate(SLIDE_JS)
    assert "COMPUTATION GRAPHS AND THE DYNAMIC GRAPH" in title["text"].upper()
    screenshot(page, "lecture_rise_title.png")

    page.locator(".jp-CodeCell").first.click()  # the slide's code cell, as a lecturer clicks it
    seen, pictures = [title["hash"]], []
    for _ in range(40):  # Shift+Enter: run the cell, move on (to the next slide after its last cell)
        page.keyboard.press("Shift+Enter")
        page.wait_for_function(RUNNING, timeout=120_000)
        slide = page.evaluate(SLIDE_JS)
        if slide["hash"] != seen[-1]:
            seen.append(slide["hash"])
        if page.locator(".cgraph-stepper").count():
            break
    assert len(seen) >= 4, seen  # went through several slides
    assert page.locator(".cgraph-picture img").count() >= 2  # draw(y) before and after backward

    # Shift+Enter moved on before the stepper rendered: back to its slide, a vertical one under
    # "The backward pass, by hand", with reveal.js's own controls (left to that stack; reveal.js
    # may come back to the stack's top or to where it was in the stack)
    for _ in range(8):
        text = page.evaluate(SLIDE_JS)["text"].upper()
        if "WATCHING THE ENGINE DO IT" in text:
            break
        go(page, "below slide" if "THE BACKWARD PASS, BY HAND" in text else "previous slide")
    assert "WATCHING THE ENGINE DO IT" in page.evaluate(SLIDE_JS)["text"].upper()
    stepper = page.locator(f"{PRESENT} .cgraph-stepper").first
    stepper.scroll_into_view_if_needed()
    assert stepper.is_visible()
    assert stepper.locator("svg g.node").count() >= 5
    counter = stepper.locator(".cg-counter")
    before = counter.inner_text()
    stepper.get_by_role("button", name=re.compile(r"last", re.I)).click()  # Python answers ...
    page.wait_for_function("(b) => document.querySelector('.cgraph-stepper .cg-counter').textContent !== b",
                           arg=before, timeout=30_000)
    assert counter.inner_text() != before                                 # ... and the view follows
    screenshot(page, "lecture_rise_stepper.png")

    # one up: "The backward pass, by hand" and its draw(y) after backward
    go(page, "above slide")
    picture = page.locator(f"{PRESENT} .cgraph-picture").first
    picture.evaluate(TOP_IN_VIEW)
    assert picture.is_visible()
    pictures = assert_pictures_fit(page, scope=PRESENT)   # whole (or scrollable), text readable
    assert any({"w", "x", "y", "grad 5"} <= set(p["texts"]) for p in pictures), pictures
    screenshot(page, "lecture_rise_draw.png")

    for _ in range(3):
        go(page, "next slide")
        if "EXAMPLE B" in page.evaluate(SLIDE_JS)["text"].upper():
            break
    slide = page.evaluate(SLIDE_JS)["text"].upper()
    assert "EXAMPLE B" in slide
    # the audience predicts before it sees the engine's answers: those are on the slide below
    assert "DONE PREDICTING" not in slide and "M.GRAD =" not in slide
    screenshot(page, "lecture_rise_next.png")
    go(page, "below slide")
    assert "DONE PREDICTING" in page.evaluate(SLIDE_JS)["text"].upper()

    assert page.get_by_text("Error displaying widget").count() == 0
    assert elsewhere == [], f"the slides asked the network for {elsewhere}"
    ours = [e for e in page.console_errors if re.search(r"cgraph|anywidget|stepper|jupyter-widgets", e)]
    assert not ours, ours
