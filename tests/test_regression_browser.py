"""RegressionLab as a student and a lecturer use it, in a real JupyterLab + Chromium: playing and
pausing (the state stays, the canvas shows exactly the kernel's last frame), a diverging run (the
message shows, the loss axis rescales, nothing moves), the dark theme (the figure is dark), and
lecture mode at 1280x720 and 1440x900, light and dark (every control shows its whole label, the
figure grows). Screenshots go to tests/artifacts/regression_*.png."""
import base64
import io
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from lab_browser import (ARTIFACTS, COUNT_MPL_FRAMES, ROOT, assert_controls_fit, assert_no_widget_errors, control, copy_notebook,
                         dismiss_notifications, kernel_exec, lecture_mode, light_blocks, module_page,
                         new_page, open_and_run_all, screenshot, set_theme, set_viewport, themed,
                         unnamed_controls)

pytestmark = pytest.mark.browser

NOTEBOOK = "tests/notebooks_for_tests/regression_lab.ipynb"
CANVAS = ".cgl-regression .jupyter-matplotlib-canvas-div canvas"

COUNT_FRAMES = COUNT_MPL_FRAMES  # (window.__mplFrames)
NUMBERS = """() => {
  const out = {};
  for (const tr of document.querySelectorAll('.cgl-regression-numbers tr'))
    out[tr.querySelector('th').textContent.trim()] = tr.querySelector('td').textContent.trim();
  const status = document.querySelector('.cgl-regression-status');
  if (status) out['status'] = status.textContent.trim();
  return out;
}"""
ITERATION = f"() => parseInt(({NUMBERS})()['iteration'] ?? '-1')"
SAMPLE = f"() => [performance.now(), window.__mplFrames, ({ITERATION})()]"
KERNEL_FRAME = """
import base64, io
from PIL import Image
_buf = io.BytesIO()
Image.fromarray(lab.current_frame()).save(_buf, format="png")
print(base64.b64encode(_buf.getvalue()).decode())
"""
BOXES = """() => {
  const box = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                         return [r.x, r.y, r.width, r.height].map(v => Math.round(v)); };
  return {controls: box('.cgl-regression-controls'), canvas: box('%s'),
          numbers: box('.cgl-regression-numbers-box'), graph: box('.cgl-regression-graph-panel')};
}""" % CANVAS
# The smallest text of the iteration's graph, in CSS pixels as drawn.
GRAPH_TEXT_PX = """() => {
  const svg = document.querySelector('.cgl-regression-graph svg');
  const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return Math.min(...[...svg.querySelectorAll('text')].map(
    t => parseFloat(t.getAttribute('font-size')) * k));
}"""
PIXEL = """([x, y]) => {
  const c = document.querySelector('%s');
  return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data);
}""" % CANVAS


def lab_part(page):
    return page.locator(".cgl-regression").first


def button(page, name):
    return control(lab_part(page), name)


LAB = ".cgl-regression"


def decode(data_url_or_b64):
    b64 = data_url_or_b64.split(",", 1)[-1]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGBA"))


def shown_frame(page):
    return decode(page.evaluate(f"() => document.querySelector('{CANVAS}').toDataURL()"))


def assert_canvas_shows_the_kernels_frame(page, name, timeout_s=15):
    """What the browser shows becomes exactly the kernel's last frame (no stale pixels anywhere);
    frames in flight get up to timeout_s to arrive."""
    want = decode(kernel_exec(page, KERNEL_FRAME))
    for _ in range(timeout_s * 4):
        got = shown_frame(page)
        if got.shape == want.shape and (got == want).all():
            return
        page.wait_for_timeout(250)
    Image.fromarray(got).save(ARTIFACTS / f"{name}_browser.png")
    Image.fromarray(want).save(ARTIFACTS / f"{name}_kernel.png")
    assert got.shape == want.shape, (got.shape, want.shape)
    differ = int((got != want).any(axis=-1).sum())
    assert differ == 0, f"{differ} pixels differ from the kernel's frame (see {name}_*.png)"


@pytest.fixture(scope="module")
def lab_view(browser):
    """One JupyterLab page for the module's lab tests (a JupyterLab start costs Chromium about 5 s of
    CPU): each test opens the notebook in it in place of the one before (open_lab), at its own
    viewport. COUNT_FRAMES is installed before the page's first load."""
    for page in module_page(browser):
        page.add_init_script(COUNT_FRAMES)
        yield page


def open_lab(page, lab, size=(1400, 1000)):
    """The notebook opened (in place of what the page showed), run, its first frame drawn, at
    viewport `size`, with no lecture mode left from a test before, and the page's console errors
    counted from here."""
    set_viewport(page, size)
    if page.url.startswith("http"):
        page.evaluate("() => { document.querySelectorAll('.cgraph-journey-lecture-mode').forEach(e => e.remove());"
                      " window.__mplFrames = 0; }")
    page.console_errors.clear()
    # a copy (tests/artifacts/regression/): JupyterLab autosaves what it runs, the tracked file stays clean
    open_and_run_all(page, lab, copy_notebook(lab, NOTEBOOK, "regression"))
    page.locator(CANVAS).first.wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => window.__mplFrames > 0", timeout=60_000)   # first image drawn
    page.wait_for_function(f"() => ({ITERATION})() === 0", timeout=30_000)
    dismiss_notifications(page)


def luminance(rgba):
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def wait_for_figure_background(page, dark):
    test = "(l) => l < 60" if dark else "(l) => l > 200"
    page.wait_for_function(
        f"() => {{ const p = ({PIXEL})([3, 3]); const l = 0.2126*p[0] + 0.7152*p[1] + 0.0722*p[2];"
        f" return ({test})(l); }}", timeout=30_000)


# --- journeys ----------------------------------------------------------------------------------

def test_playing_and_pausing_keep_the_state_and_the_picture_true(lab, lab_view):
    page = lab_view
    open_lab(page, lab)
    before = shown_frame(page)
    button(page, "Play").click()
    page.wait_for_function(f"() => ({ITERATION})() >= 5", timeout=30_000)
    assert button(page, "Pause").is_visible() and button(page, "Play").count() == 0
    t0, frames0, it0 = page.evaluate(SAMPLE)
    page.wait_for_timeout(2000)
    t1, frames1, it1 = page.evaluate(SAMPLE)
    assert (shown_frame(page) != before).any(), "the canvas did not change"
    assert frames1 - frames0 >= 10, f"only {frames1 - frames0} frames painted in 2 s"
    rate = dict(frames_per_s=round((frames1 - frames0) / (t1 - t0) * 1000, 1),
                iterations_per_s=round((it1 - it0) / (t1 - t0) * 1000, 1))
    print("BROWSER_REDRAW", json.dumps(rate))
    (ARTIFACTS / "regression_redraw_browser.json").write_text(json.dumps(rate))
    # faster than the browser can decode: frames get dropped, and none may leave a trace
    kernel_exec(page, "lab.trainer.stop_loss = 0.0; lab.trainer.max_iter = 100_000; lab.interval = 5")
    page.wait_for_timeout(3000)
    button(page, "Pause").click()
    page.wait_for_function("() => (" + NUMBERS + ")()['status'] === 'paused'", timeout=15_000)
    paused = page.evaluate(ITERATION)
    assert paused > it1
    page.wait_for_timeout(1000)
    assert page.evaluate(ITERATION) == paused, "still training after Pause"
    assert_canvas_shows_the_kernels_frame(page, "regression_paused")
    assert kernel_exec(page, "print(lab.iteration, len(lab.history))").split() == [str(paused)] * 2
    # the iteration's graph: drawn on pause, named by its iteration, text readable
    title = lab_part(page).locator(".cgl-regression-graph-title")
    title.filter(has_text=f"Graph of iteration {paused}: its forward and backward").wait_for(timeout=30_000)
    assert page.evaluate(GRAPH_TEXT_PX) >= 11
    screenshot(page, "regression_paused.png")
    # Play again: it goes on from where it paused (Pause kept the state)
    kernel_exec(page, "lab.interval = 40")
    button(page, "Play").click()
    page.wait_for_function(f"() => ({ITERATION})() > {paused}", timeout=30_000)
    assert page.evaluate(ITERATION) < paused + 200
    button(page, "Pause").click()
    # "Step through this iteration": the GraphStepper of the last iteration replaces the picture
    button(page, "Step through this iteration").click()
    page.locator(".cgl-regression .cgraph-stepper svg").first.wait_for(timeout=30_000)
    screenshot(page, "regression_stepper.png")
    assert_no_widget_errors(page)


def test_a_diverging_run_says_so_and_moves_nothing(lab, lab_view):
    page = lab_view
    open_lab(page, lab)
    # the learning rate to the slider's maximum, typed into its readout as a student can
    readout = lab_part(page).locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.06")
    page.keyboard.press("Enter")
    page.wait_for_function("() => (" + NUMBERS + ")()['diverges above'] === '2'"
                           " && parseFloat((" + NUMBERS + ")()['lr · λmax']) > 2", timeout=15_000)
    assert kernel_exec(page, "print(lab.lr)").strip() == "0.06"
    button(page, "Step").click()                        # the iteration's graph is drawn
    page.wait_for_function(f"() => ({ITERATION})() === 1", timeout=30_000)
    page.locator(".cgl-regression-graph svg").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    boxes = page.evaluate(BOXES)
    button(page, "Play").click()
    message = lab_part(page).get_by_text(re.compile(r"diverged at iteration \d+: lr·λmax = 2\.\d+ > 2"))
    message.wait_for(timeout=60_000)
    k = int(re.search(r"iteration (\d+)", message.inner_text()).group(1))
    assert button(page, "Play").is_visible()            # it stopped by itself
    assert button(page, "Step").is_disabled()           # Step would do nothing now: it says so
    assert message.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.wait_for_timeout(1000)
    after = page.evaluate(BOXES)
    after["graph"], boxes["graph"] = after["graph"][:2], boxes["graph"][:2]   # its top stays
    assert after == boxes, "the layout moved"
    assert_canvas_shows_the_kernels_frame(page, "regression_diverged")
    facts = json.loads(kernel_exec(page, "import json; print(json.dumps(dict(top=lab._panels.ax_loss.get_ylim()[1],"
                                    " worst=max(h['loss'] for h in lab.history), k=lab.iteration)))"))
    assert facts["k"] == k and facts["worst"] <= facts["top"] < 15 * facts["worst"]
    screenshot(page, "regression_diverged.png")
    assert_no_widget_errors(page)


def test_the_figure_follows_the_dark_theme(lab, lab_view):
    page = lab_view
    open_lab(page, lab)
    set_theme(page, "light")          # the server remembers the last theme a test left behind
    button(page, "Step").click()
    page.wait_for_function(f"() => ({ITERATION})() === 1", timeout=30_000)
    wait_for_figure_background(page, dark=False)
    with themed(page, "dark"):
        wait_for_figure_background(page, dark=True)
        w, h = page.evaluate(f"() => [document.querySelector('{CANVAS}').width,"
                             f" document.querySelector('{CANVAS}').height]")
        # just right of the loss plot (left of the landscape's tick labels), from the figure's layout
        gap = int(float(kernel_exec(page, "print(lab._panels.ax_loss.bbox.x1)"))) + 5
        # corners, the gaps between the plots, under the titles: the figure's own background
        for x, y in [(3, 3), (w - 4, 3), (3, h - 4), (w - 4, h - 4), (w // 3, h // 2),
                     (gap, h // 2), (w // 2, 4)]:
            assert luminance(page.evaluate(PIXEL, [x, y])) < 60, (x, y)
        assert light_blocks(page, LAB) == []           # nothing in the lab is a white block
        numbers_colour = page.evaluate("() => getComputedStyle(document.querySelector("
                                       "'.cgl-regression-numbers td')).color")
        assert luminance([int(v) for v in re.findall(r"\d+", numbers_colour)[:3]]) > 150
        assert_canvas_shows_the_kernels_frame(page, "regression_dark")
        lab_part(page).evaluate("e => e.scrollIntoView({block: 'start'})")
        screenshot(page, "regression_dark.png")
    wait_for_figure_background(page, dark=False)
    assert_no_widget_errors(page)


@pytest.mark.parametrize("width, height", [(1280, 720), (1440, 900)])
def test_lecture_mode_every_control_shows_its_whole_label(lab, lab_view, width, height):
    page = lab_view
    open_lab(page, lab, (width, height))
    natural = page.evaluate(f"() => document.querySelector('{CANVAS}').getBoundingClientRect().width")
    lecture_mode(page)
    lab_width = page.evaluate("() => document.querySelector('.cgl-regression').clientWidth")
    want = min(1.5 * natural, lab_width - 8)   # 8 px: the canvas' border (regression.py)
    # the figure grows with the rest (the probe reports --cgraph-scale; Python picks the dpi)
    page.wait_for_function(
        f"(w) => Math.abs(document.querySelector('{CANVAS}').getBoundingClientRect().width - w) < 10",
        arg=want, timeout=30_000)
    button(page, "Step").click()
    page.wait_for_function(f"() => ({ITERATION})() === 1", timeout=30_000)
    for theme in ("light", "dark"):
        with themed(page, theme):
            wait_for_figure_background(page, theme == "dark")
            assert_canvas_shows_the_kernels_frame(page, f"regression_lecture_{theme}")
            screenshot(page, f"regression_lecture_{width}x{height}_{theme}.png")
            assert_controls_fit(page, LAB)
            assert unnamed_controls(page, LAB) == []
            for what in (CANVAS, ".cgl-regression-graph"):    # the figure and the graph fit
                right = page.evaluate(f"() => document.querySelector('{what}')"
                                      ".getBoundingClientRect().right")
                lab_right = page.evaluate("() => document.querySelector('.cgl-regression')"
                                          ".getBoundingClientRect().right")
                assert right <= lab_right + 1, f"{what} sticks out of the lab"
    assert_no_widget_errors(page)


# Where things are on screen: the notebook's visible part (its scrolling panel, between the toolbar
# and the status bar), and the boxes of the lab's parts, in viewport pixels.
ON_SCREEN = """() => {
  const lab = document.querySelector('.cgl-regression');
  let view = lab.parentElement;
  while (view && !(/auto|scroll/.test(getComputedStyle(view).overflowY) && view.scrollHeight > view.clientHeight))
    view = view.parentElement;
  const r = (e) => { const b = e.getBoundingClientRect(); return {top: b.top, bottom: b.bottom, left: b.left, right: b.right}; };
  const v = view ? r(view) : {top: 0, bottom: innerHeight, left: 0, right: innerWidth};
  v.bottom = Math.min(v.bottom, innerHeight); v.top = Math.max(v.top, 0);
  return {view: v, canvas: r(lab.querySelector('%s')), status: r(lab.querySelector('.cgl-regression-status')),
          numbers: r(lab.querySelector('.cgl-regression-numbers')),
          status_lines: Math.round(lab.querySelector('.cgl-regression-status').getBoundingClientRect().height /
                                   parseFloat(getComputedStyle(lab.querySelector('.cgl-regression-status')).lineHeight))};
}""" % CANVAS
# Every data point of the fit plot drawn on the browser's canvas: at each point's pixel (matplotlib's
# transform of the trainer's data, in the figure's pixels) and inside the fit axes' box.
POINTS_IN_PIXELS = """
import json
_fig, _ax = lab.figure, lab._panels.ax_data
_h = _fig.bbox.height
_pts = _ax.transData.transform(list(zip(lab.trainer.x.numpy().ravel(), lab.trainer.y.numpy().ravel())))
_box = _ax.bbox
print(json.dumps(dict(points=[[float(x), float(_h - y)] for x, y in _pts],
                      box=[float(_box.x0), float(_h - _box.y1), float(_box.x1), float(_h - _box.y0)])))
"""
BLUE_NEAR = """([points, radius]) => {
  const c = document.querySelector('%s'), ctx = c.getContext('2d');
  const blue = (p) => p[2] > 120 && p[2] > p[0] + 60 && p[1] > 60;   // tab:blue, (31, 119, 180)
  return points.map(([x, y]) => {
    const d = ctx.getImageData(Math.round(x) - radius, Math.round(y) - radius, 2 * radius + 1, 2 * radius + 1).data;
    for (let i = 0; i < d.length; i += 4) if (blue([d[i], d[i + 1], d[i + 2]])) return true;
    return false;
  });
}""" % CANVAS


def assert_run_report_on_screen(page, what):
    """The plots, the status and the numbers all inside the notebook's visible part."""
    at = page.evaluate(ON_SCREEN)
    view = at["view"]
    for part in ("canvas", "status", "numbers"):
        box = at[part]
        if not (view["top"] - 1 <= box["top"] and box["bottom"] <= view["bottom"] + 1):
            screenshot(page, f"regression_report_off_screen_{what}.png")
        assert view["top"] - 1 <= box["top"] and box["bottom"] <= view["bottom"] + 1 and \
            box["right"] <= view["right"] + 1, f"{what}: the {part} is off screen: {box} not in {view}"
    return at


def assert_every_point_shows(page):
    facts = json.loads(kernel_exec(page, POINTS_IN_PIXELS))
    x0, y0, x1, y1 = facts["box"]
    points = facts["points"]
    assert len(points) == int(kernel_exec(page, "print(lab.n_points)"))
    outside = [p for p in points if not (x0 < p[0] < x1 and y0 < p[1] < y1)]
    assert not outside, f"points outside the fit axes: {outside}"
    drawn = page.evaluate(BLUE_NEAR, [points, 3])
    assert all(drawn), f"points not drawn: {[p for p, d in zip(points, drawn) if not d]}"


@pytest.mark.parametrize("width, height, scale", [(1280, 720, 1.5), (1440, 900, 1)])
def test_the_run_report_shows_with_the_plots_on_a_projector(lab, lab_view, width, height, scale):
    """A lecturer at a 1280x720 projector in lecture mode (and a student at 1440x900): with the
    lab's top at the top of the notebook, the plots, the status line and the numbers are all on
    screen, playing, diverged and paused, light and dark; nothing moves while it plays; every data
    point shows in the fit plot."""
    page = lab_view
    open_lab(page, lab, (width, height))
    if scale != 1:
        lecture_mode(page, scale)
        page.wait_for_function(f"() => document.querySelector('{CANVAS}').getBoundingClientRect()"
                               f".width > 1.1 * 712", timeout=30_000)
    page.wait_for_timeout(1500)            # the probe's report, the resize and the redraw
    assert_every_point_shows(page)
    # the slider's maximum: it diverges at iteration 50, 3 s after Play (time for what it checks)
    kernel_exec(page, "lab.lr = 0.06; lab.interval = 60")
    tag = f"{width}x{height}" + ("_lecture" if scale != 1 else "")
    for theme in ("light", "dark"):
        with themed(page, theme):
            wait_for_figure_background(page, theme == "dark")
            lab_part(page).evaluate("e => e.scrollIntoView({block: 'start'})")
            button(page, "Play").click()
            page.wait_for_function(f"() => ({ITERATION})() >= 3", timeout=30_000)
            playing = assert_run_report_on_screen(page, "playing")
            assert page.evaluate(NUMBERS)["status"] == "playing"
            screenshot(page, f"regression_report_{tag}_{theme}_playing.png")
            message = lab_part(page).get_by_text(re.compile(r"diverged at iteration \d+: lr·λmax = 2\.\d+ > 2"))
            message.wait_for(timeout=90_000)
            page.wait_for_timeout(500)
            diverged = assert_run_report_on_screen(page, "diverged")
            for part in ("canvas", "status", "numbers"):      # nothing moved
                assert diverged[part]["top"] == playing[part]["top"], part
            assert button(page, "Step").is_disabled()
            colours = page.evaluate("() => ['.cgl-regression-status', '.cgl-regression-numbers th']"
                                    ".map(s => getComputedStyle(document.querySelector(s)).color)")
            assert colours[0] != colours[1], "the diverged message is not set apart"
            screenshot(page, f"regression_report_{tag}_{theme}_diverged.png")
            button(page, "Reset").click()
            page.wait_for_function("() => (" + NUMBERS + ")()['status'] === 'ready'", timeout=30_000)
            button(page, "Step").click()
            page.wait_for_function("() => (" + NUMBERS + ")()['status'] === 'paused'", timeout=30_000)
            page.wait_for_timeout(500)
            assert_run_report_on_screen(page, "paused")
            assert_every_point_shows(page)
            screenshot(page, f"regression_report_{tag}_{theme}_paused.png")
            assert_controls_fit(page, LAB)
    assert_no_widget_errors(page)


# --- Voila ---------------------------------------------------------------------------------------

def start_make_voila(port):
    """`make voila` as a reader runs it (on a free port); returns (process, the URL it printed)."""
    proc = subprocess.Popen(["make", "--no-print-directory", "voila", f"VOILA_PORT={port}"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)         # its own process group: killed whole
    url, seen, deadline = None, [], time.time() + 300
    while url is None:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None or time.time() > deadline:
            stop(proc)
            raise RuntimeError("make voila printed no URL:\n" + "".join(seen))
        seen.append(line)
        m = re.search(r"open (http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+)", line)
        url = m and m.group(1)
    while True:                                               # wait until it answers
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return proc, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if proc.poll() is not None or time.time() > deadline:
                stop(proc)
                raise RuntimeError("voila did not answer:\n" + "".join(seen))
            time.sleep(0.5)


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def test_make_voila_serves_the_lab_alone_and_fetches_nothing_from_elsewhere(browser):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc, url = start_make_voila(port)
    page = new_page(browser, 1280, 720)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        assert urlsplit(url).hostname == "127.0.0.1"
        for path in ("/", "/api/kernels"):                   # token auth is on
            without_token = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert urlsplit(without_token.geturl()).path == "/login", path
        page.add_init_script(COUNT_FRAMES)
        page.goto(url)
        page.locator(CANVAS).first.wait_for(state="visible", timeout=120_000)
        page.wait_for_function("() => window.__mplFrames > 0", timeout=60_000)
        page.wait_for_function(f"() => ({ITERATION})() === 0", timeout=30_000)
        # the lab alone: one widget, the app's two cells, no lecture around it
        assert page.locator(".cgl-regression").count() == 1
        assert page.locator(".jp-Cell").count() <= 2
        assert page.get_by_text("Summary").count() == 0
        button(page, "Play").click()
        page.wait_for_function(f"() => ({ITERATION})() >= 3", timeout=60_000)
        button(page, "Pause").click()
        page.wait_for_function("() => (" + NUMBERS + ")()['status'] === 'paused'", timeout=15_000)
        paused = page.evaluate(ITERATION)
        page.wait_for_timeout(1000)
        assert page.evaluate(ITERATION) == paused
        assert_controls_fit(page, LAB)
        assert unnamed_controls(page, LAB) == []
        screenshot(page, "regression_voila.png")
        elsewhere = sorted({u for u in requested
                            if urlsplit(u).scheme not in ("data", "blob")
                            and urlsplit(u).netloc != f"127.0.0.1:{port}"})
        assert not elsewhere, f"requests to other hosts: {elsewhere}"
        assert len(requested) > 5                              # the log did see the page load
        assert_no_widget_errors(page)
    finally:
        page.context.close()
        stop(proc)
