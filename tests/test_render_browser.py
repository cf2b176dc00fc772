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
