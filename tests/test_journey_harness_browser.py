"""The journey harness (tests/lab_browser.py) on small pages whose answer is known: each helper finds
what is clipped, hidden, unnamed or light, and nothing else. A plain Chromium page, no JupyterLab:
the JupyterLab-bound helpers (set_theme, kernel_exec) are exercised by the journeys themselves."""
import pytest

from lab_browser import (WIDGET_OUTPUTS, control, controls_that_dont_fit, lecture_mode, light_blocks,
                         save_screenshot, set_viewport, text_cut_off, unnamed_controls, visible_text)

pytestmark = pytest.mark.browser


def widget_page(page, body, style=""):
    """`body` inside a JupyterLab-like widget output (the scope the helpers search by default)."""
    page.set_content(f"""<html><head><style>body {{ margin: 0; font: 14px sans-serif; }} {style}</style>
      </head>
      <body><div class="jp-OutputArea-output"><div class="jupyter-widgets">{body}</div></div></body></html>""")


def texts(records):
    return sorted(r["text"] for r in records)


def test_controls_that_dont_fit_finds_cut_labels_only(browser_page):
    widget_page(browser_page, """
      <button style="width: 40px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis">Reset the lab</button>
      <button style="width: 200px">Play</button>
      <button aria-label="next step" style="width: 30px"><svg width="10" height="10"></svg></button>
      <button style="width: 30px; white-space: nowrap">a label that spills out</button>
      <select style="width: 60px"><option selected>.data.sub_(lr * grad) (tutorial)</option></select>
      <select style="width: 300px"><option selected>short</option></select>
      <input type="text" style="width: 50px" value="a value far too long for its box">
      <input type="text" style="width: 300px" value="fits">
      <input type="range" style="width: 10px">
      <label style="display: inline-block; width: 30px; overflow: hidden; white-space: nowrap"
        >forget zero_grad()</label>
      <div style="width: 100px; overflow: hidden"><button style="width: 300px; margin-left: 20px">Step</button></div>
      <button style="display: none; width: 5px">hidden long label</button>""")
    bad = controls_that_dont_fit(browser_page)
    assert texts(bad) == sorted(["Reset the lab", "a label that spills out", ".data.sub_(lr * grad) (tutorial)",
                                 "a value far too long for its box", "forget zero_grad()", "Step"])
    step = next(b for b in bad if b["text"] == "Step")
    assert step["why"].startswith("cut off by div")
    assert all(b["need"] > b["room"] for b in bad)


def test_controls_outside_the_scope_are_not_checked(browser_page):
    browser_page.set_content('<button style="width: 20px; overflow: hidden; white-space: nowrap">'
                             'a long label in the toolbar</button>')
    assert controls_that_dont_fit(browser_page) == []
    assert texts(controls_that_dont_fit(browser_page, "body")) == ["a long label in the toolbar"]


def test_visible_text_leaves_out_what_a_person_cannot_see(browser_page):
    widget_page(browser_page, """
      <div>shown</div>
      <div style="opacity: 0">transparent</div>
      <div style="opacity: 0"><span>inside a transparent parent</span></div>
      <div style="display: none">not displayed</div>
      <div style="visibility: hidden">invisible</div>
      <svg width="200" height="60"><g style="opacity: 0"><text x="5" y="20">hidden node grad 5</text></g>
        <g><text x="5" y="50">node grad None</text></g></svg>
      <input type="text" value="typed -6">
      <div style="position: absolute; top: 5000px">far below</div>""")
    seen = visible_text(browser_page, WIDGET_OUTPUTS)
    assert seen == ["shown", "node grad None", "far below", "typed -6"]
    assert "far below" not in visible_text(browser_page, WIDGET_OUTPUTS, onscreen=True)
    assert "typed -6" not in visible_text(browser_page, WIDGET_OUTPUTS, inputs=False)


def test_text_cut_off_reports_clipped_and_scrolled_text(browser_page):
    widget_page(browser_page, """
      <div style="width: 120px; overflow: hidden; white-space: nowrap">clipped: Click a node of the graph</div>
      <div style="width: 120px; overflow-x: auto; white-space: nowrap">scrolled: leaf tensor (requires grad)</div>
      <div style="width: 120px; white-space: nowrap">spills but shows</div>
      <div style="width: 400px; overflow: hidden">fits</div>""")
    cut = {r["text"]: r for r in text_cut_off(browser_page)}
    assert sorted(cut) == ["clipped: Click a node of the graph", "scrolled: leaf tensor (requires grad)"]
    assert not cut["clipped: Click a node of the graph"]["scrolls"]
    assert cut["scrolled: leaf tensor (requires grad)"]["scrolls"]


def test_text_cut_off_ignores_a_space_hanging_past_a_wrap(browser_page):
    # W3-14: in a pre-wrap box (JupyterLab's error output) a line that fills the width keeps the
    # space it wrapped at, hanging past the edge; no letter is hidden, the text is whole
    widget_page(browser_page, """
      <pre style="width: 10ch; margin: 0; font: 16px monospace; white-space: pre-wrap; overflow-x: auto"
        >aaaaaaaaaa bbbb</pre>
      <pre style="width: 10ch; margin: 0; font: 16px monospace; white-space: pre; overflow-x: auto"
        >cccccccccc dddd</pre>""")
    cut = text_cut_off(browser_page)
    assert [(r["text"], r["scrolls"]) for r in cut] == [("cccccccccc dddd", True)]


def test_text_past_the_window_edge_is_cut_off(browser_page):
    set_viewport(browser_page, "1280x720")
    widget_page(browser_page, '<div style="margin-left: 1200px; white-space: nowrap">off the right edge</div>')
    assert [(r["text"], r["clipper"]) for r in text_cut_off(browser_page)] == [("off the right edge", "window")]


def test_unnamed_controls_and_control_by_name(browser_page):
    widget_page(browser_page, """
      <button class="icon-only"><i class="fa fa-play"></i></button>
      <button aria-label="pause"><i class="fa fa-pause"></i></button>
      <button title="first step">|&lt;</button>
      <button>&#xf04b; Play</button>
      <label for="lr">learning rate</label><input id="lr" type="range">
      <input type="range" class="unlabelled">
      <div role="slider" class="handle" tabindex="0"></div>""")
    unnamed = unnamed_controls(browser_page)
    assert sorted(u["cls"] for u in unnamed) == ["handle", "icon-only", "unlabelled"]
    # found by accessible name; an icon font's glyph in the name is ignored, a prefix is not enough
    assert control(browser_page, "Play").count() == 1
    assert control(browser_page, "Pla").count() == 0
    assert control(browser_page, "pla", exact=False).count() == 1
    assert control(browser_page, "pause").count() == 1
    assert control(browser_page, "learning rate", role="slider").count() == 1


def test_lecture_mode_sets_the_scale_and_can_be_undone(browser_page):
    widget_page(browser_page, '<div class="cgraph-widget">text</div>')
    size = "() => parseFloat(getComputedStyle(document.querySelector('.cgraph-widget')).fontSize)"
    lecture_mode(browser_page, 1)
    normal = browser_page.evaluate(size)
    lecture_mode(browser_page, 2)
    assert browser_page.evaluate(size) == pytest.approx(2 * normal)
    assert browser_page.locator("style.cgraph-lecture-mode").count() == 1   # replaced, not stacked
    lecture_mode(browser_page, 1)
    assert browser_page.evaluate(size) == pytest.approx(normal)


def test_light_blocks_finds_white_pictures(browser_page):
    widget_page(browser_page, """
      <canvas id="white" width="200" height="120"></canvas>
      <canvas id="dark" width="200" height="120"></canvas>
      <svg width="200" height="120"><rect width="200" height="120" fill="#ffffff"/></svg>
      <canvas id="small" width="40" height="40"></canvas>""", style="body { background: #111; }")
    browser_page.evaluate("""() => {
      for (const [id, colour] of [['white', '#fafafa'], ['dark', '#222'], ['small', '#fff']]) {
        const c = document.getElementById(id).getContext('2d'); c.fillStyle = colour; c.fillRect(0, 0, 200, 120);
      }}""")
    blocks = light_blocks(browser_page)
    assert sorted(b["tag"] for b in blocks) == ["canvas", "svg"]
    assert all(b["light_fraction"] > 0.9 for b in blocks)


def test_set_viewport_and_save_screenshot(browser_page):
    set_viewport(browser_page, "1440x900")
    assert browser_page.evaluate("() => [innerWidth, innerHeight]") == [1440, 900]
    set_viewport(browser_page, (1280, 720))
    widget_page(browser_page, "<button>Play</button>")
    path = save_screenshot(browser_page, "harness_check", subdir="harness")
    assert path.name == "harness_check.png" and path.parent.name == "harness"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    button = save_screenshot(browser_page, "harness_button.png", subdir="harness",
                             locator=browser_page.get_by_role("button"))
    from PIL import Image
    assert Image.open(button).size[0] < 200
