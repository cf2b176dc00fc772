"""The rendered SVG reads on JupyterLab's light and dark backgrounds (real Chromium, screenshots).

Screenshots land in tests/artifacts/render_light.png and render_dark.png for a person to look at.
"""
import io

import pytest

import autograd_core as torch
from widgets import GraphModel, render_svg
from widgets.render import GREY, PALETTE

BACKGROUNDS = {"light": "#ffffff", "dark": "#111111"}


def _luminance(hex_colour):
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_palette_contrast():
    for key, (fill, font, _) in PALETTE.items():
        assert contrast(fill, font) >= 7, key  # WCAG AAA for the small node text
    for bg in BACKGROUNDS.values():
        assert contrast(GREY, bg) >= 3  # edges, cluster frames: non-text contrast on both themes


def _graph():
    w = torch.tensor([1., 2.], requires_grad=True)
    c = torch.tensor([3., 4.])
    a = w * c
    a.retain_grad()
    y = (a * a).sum() + 1
    y.backward(retain_graph=True)  # keeps the ops' inputs, so the constant c is drawn too
    return GraphModel.from_tensors(y, names={"w": w, "c": c, "a": a, "y": y})


@pytest.mark.browser
@pytest.mark.parametrize("theme", sorted(BACKGROUNDS))
def test_svg_reads_on_light_and_dark_backgrounds(theme, browser_page, artifacts_dir):
    from PIL import Image
    bg = BACKGROUNDS[theme]
    model = _graph()
    page = browser_page
    page.set_content(f'<html><body style="margin:0;background:{bg}">{render_svg(model)}</body></html>')
    page.screenshot(path=str(artifacts_dir / f"render_{theme}.png"))
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    # the SVG background is transparent: a corner of the drawing shows the page's colour
    box = page.evaluate("() => { const r = document.querySelector('svg').getBoundingClientRect();"
                        " return [r.x, r.y, r.width, r.height]; }")
    assert shot.getpixel((int(box[0]) + 1, int(box[1]) + 1)) == tuple(int(bg[i:i + 2], 16) for i in (1, 3, 5))
    tensors = [n for n in model.nodes.values() if n.kind == "tensor"]
    assert {n.classes[0] for n in tensors} >= {"leaf", "const", "nonleaf"}
    for node in tensors:
        key = next(k for k in ("output", "retained", "frozen", "leaf", "const", "nonleaf")
                   if k in node.classes)
        fill, font, _ = PALETTE[key]
        # the node's own fill is painted (sampled just inside its left border, mid height) ...
        x, y, w, h = page.evaluate(
            "(id) => { const r = document.getElementById(id).querySelector('path,polygon')"
            ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }", node.id)
        got = shot.getpixel((int(x + 6), int(y + h / 2)))
        want = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
        assert max(abs(g - v) for g, v in zip(got, want)) <= 8, (node.id, got, fill)
        # ... and its text has the explicit font colour, whatever the page's theme
        colours = page.evaluate(
            "(id) => [...document.getElementById(id).querySelectorAll('text')]"
            ".map(t => getComputedStyle(t).fill)", node.id)
        r, g, b = (int(font[i:i + 2], 16) for i in (1, 3, 5))
        assert colours and set(colours) == {f"rgb({r}, {g}, {b})"}
    assert not page.console_errors


# --- draw() pictures in JupyterLab and in nbconvert's HTML: they fit, their text stays readable ------
# Per picture: does it load, its width and its output area's, whether the wrapper scrolls, its far
# right edge can be scrolled into view and its scrollbar sits above the picture, the smallest text on screen (font size in SVG units x
# displayed width / viewBox width) and the picture's text (decoded from the <img>'s data URI).
PICTURES_JS = """(scope) => [...document.querySelectorAll(scope + ' .cgraph-picture')].map(wrap => {
  const img = wrap.querySelector('img');
  const area = wrap.closest('.jp-OutputArea-output, .jp-RenderedHTMLCommon') || wrap.parentElement;
  const bytes = Uint8Array.from(atob(img.src.split(',')[1]), c => c.charCodeAt(0));
  const doc = new DOMParser().parseFromString(new TextDecoder().decode(bytes), 'image/svg+xml');
  const box = doc.documentElement.getAttribute('viewBox').trim().split(/\\s+/).map(Number);
  const fonts = [...doc.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')));
  const shown = img.getBoundingClientRect();
  wrap.scrollLeft = wrap.scrollWidth;
  const farRight = img.getBoundingClientRect().right <= wrap.getBoundingClientRect().right + 1;
  wrap.scrollLeft = 0;
  const bar = wrap.offsetHeight - wrap.clientHeight;  // the sideways scrollbar's height
  return {loaded: img.complete && img.naturalWidth > 0, natural: img.naturalWidth, width: shown.width,
          bar, barOnTop: Math.abs(shown.top - wrap.getBoundingClientRect().top - bar) < 1.5,
          wrapWidth: wrap.clientWidth, wrapRight: wrap.getBoundingClientRect().right,
          areaWidth: area.clientWidth, areaRight: area.getBoundingClientRect().right,
          scrollWidth: wrap.scrollWidth, overflowX: getComputedStyle(wrap).overflowX, farRight,
          minFontPx: Math.min(...fonts) * shown.width / box[2],
          texts: [...doc.querySelectorAll('text')].map(t => t.textContent)};
})"""


RELAYOUT_PICTURES_JS = """() => document.querySelectorAll('.cgraph-picture').forEach(w => {
  const was = w.style.overflowX; w.style.overflowX = 'hidden'; void w.offsetHeight; w.style.overflowX = was; })"""
TOP_IN_VIEW = "el => el.scrollIntoView({block: 'start'})"  # a picture's top row (and scrollbar) in view


def assert_pictures_fit(page, min_font_px=9.0, scope="body"):
    """Every draw() picture inside `scope` (a CSS selector) loaded, fits its output area or scrolls
    to its far right edge, and its smallest text is at least min_font_px high on screen. Returns the
    measurements."""
    pictures = page.evaluate(PICTURES_JS, scope)
    assert pictures, "no draw() picture on the page"
    for p in pictures:
        assert p["loaded"], p
        assert p["wrapRight"] <= p["areaRight"] + 0.5, p         # the wrapper itself is not cut off
        if p["width"] > p["wrapWidth"] + 0.5:                     # wider than its area: it scrolls
            assert p["overflowX"] in ("auto", "scroll") and p["scrollWidth"] > p["wrapWidth"], p
            assert p["farRight"], p                               # ... to the picture's right edge
            assert p["bar"] > 0 and p["barOnTop"], p              # with its scrollbar on top, in view
        assert p["minFontPx"] >= min_font_px - 0.05, p
        assert not [t for t in p["texts"] if t in ("shape ?", "data ?")], p["texts"]
    return pictures


@pytest.fixture(scope="module")
def browser():
    """lab_browser's Chromium, but showing scrollbars as a student's browser does (headless
    Chromium hides them): the tests find the pictures' scrollbars, and screenshots show them."""
    from playwright.sync_api import sync_playwright

    from lab_browser import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                              ignore_default_args=["--hide-scrollbars"])
        yield b
        b.close()


@pytest.mark.browser
def test_lecture_07_pictures_fit_light_and_dark(lab, browser_page):
    from lab_browser import (assert_no_widget_errors, dismiss_notifications, open_and_run_all,
                             screenshot, set_viewport, themed)
    page = browser_page
    set_viewport(page, (1280, 720))
    open_and_run_all(page, lab, "notebooks/07_training_networks.ipynb")
    dismiss_notifications(page)
    for size, theme in (((1280, 720), "light"), ((1280, 720), "dark"), ((1440, 900), "dark"),
                        ((1440, 900), "light")):
        set_viewport(page, size)          # (the lecture ran once: each size lays it out again)
        with themed(page, theme):
            # Chromium keeps a scroller's old "no scrollbar" state across JupyterLab's theme switch
            # until that scroller is laid out again (seen: 8 px of overflow, no bar, in dark only);
            # a page opened in that theme lays it out afresh, as this does
            page.evaluate(RELAYOUT_PICTURES_JS)
            pictures = assert_pictures_fit(page)
            # lecture 07 draws resnet18 one node per block (tall and narrow) and the fine-tuned
            # head; no picture there is wider than the notebook any more (nbconvert's test below
            # keeps a wide one)
            assert len(pictures) == 2, pictures
            big = max(pictures, key=lambda p: p["natural"])
            page.locator(".cgraph-picture").nth(pictures.index(big)).evaluate(TOP_IN_VIEW)
            screenshot(page, f"render_fit_07_{size[0]}x{size[1]}_{theme}.png")
    assert_no_widget_errors(page)


@pytest.mark.browser
def test_pictures_fit_in_nbconvert_html(browser, tmp_path, artifacts_dir):
    """The executed notebook exported by nbconvert (lab template): wide pictures scroll, small ones
    keep their size. Requests off the page's own file are refused: the pictures need none."""
    import nbclient
    import nbformat
    from nbconvert import HTMLExporter
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "import autograd_core as torch\nfrom widgets import draw\n"
        "w = torch.tensor(1., requires_grad=True)\nx = torch.tensor(2., requires_grad=True)",
        "draw((w + x) * (w + 1))",
        "ws = [torch.tensor(float(k), requires_grad=True) for k in range(16)]\n"
        "draw(sum(w_k * (k + 1) for k, w_k in enumerate(ws)))")]
    nbclient.NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    page_path = artifacts_dir / "render_nbconvert.html"
    page_path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    try:
        page.goto(page_path.as_uri())
        page.wait_for_function("() => [...document.querySelectorAll('.cgraph-picture img')]"
                               ".every(i => i.complete && i.naturalWidth > 0)", timeout=30_000)
        small, wide = assert_pictures_fit(page)
        assert small["width"] == pytest.approx(small["natural"], abs=1)    # fits: its own size
        assert wide["natural"] > wide["wrapWidth"] and wide["scrollWidth"] > wide["wrapWidth"]
        page.locator(".cgraph-picture").nth(1).evaluate(TOP_IN_VIEW)
        screenshot_path = artifacts_dir / "render_fit_nbconvert_1280x720.png"
        page.screenshot(path=str(screenshot_path))
    finally:
        context.close()


@pytest.mark.browser
def test_only_the_splash_screens_second_removal_is_let_pass(browser_page):
    """lab_browser's pages let JupyterLab remove its splash element twice (its own start-up race)
    and nothing else: removing any other node that is not a child still throws."""
    page = browser_page
    page.set_content("<div id='jupyterlab-splash'></div><div id='other'></div>")
    twice = page.evaluate("""() => { const s = document.getElementById('jupyterlab-splash');
      document.body.removeChild(s); document.body.removeChild(s); return s.isConnected; }""")
    assert twice is False
    other = page.evaluate("""() => { const o = document.getElementById('other'); document.body.removeChild(o);
      try { document.body.removeChild(o); return 'removed twice'; } catch (e) { return e.name; } }""")
    assert other == "NotFoundError"
    assert not page.console_errors
