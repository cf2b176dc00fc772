"""GraphStepper in a real JupyterLab (headless Chromium), as a student and a lecturer use it.

Journeys, asserting what is VISIBLE: the controls found by their accessible names; step 0 shows the
program; distinct labels on the graph; play and pause mid-run keep the step; selecting a node moves
no panel; the keyboard; predict mode right, wrong, retry, unreadable, empty, Enter and reveal, with
no withheld value anywhere on the page while a question is open; lecture mode at 1280x720 and
1440x900 in the light and dark themes (every control's text fits, the chain-rule panel is on screen
with the graph, the colour key whole and not run over by the legend: W9_10); a step on a 200-node
graph timed; markup in names stays text; Voila.
Screenshots go to tests/artifacts/stepper_*.png.

Run: .venv/bin/python -m pytest tests/test_stepper_browser.py -q
"""
import json
import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from lab_browser import (ARTIFACTS, WIDGET_OUTPUTS, assert_no_widget_errors, controls_that_dont_fit,
                         open_and_run_all, press_in_stepper, screenshot, stepper_key_faults, text_cut_off)
from widgets.lecture import lecture_css

pytestmark = pytest.mark.browser

SOURCE = "tests/notebooks_for_tests/stepper_demo.ipynb"
NOTEBOOK = "tests/artifacts/stepper_demo_run.ipynb"  # a copy: JupyterLab autosaves what it runs
T0 = [time.time()]
# The steppers of the demo notebook, in order
EXAMPLE_A, BIG, EVIL, FUNCTION_VIEW, QUIZ = range(5)


def _lap(what):
    print(f"  {time.time() - T0[0]:6.1f}s {what}")


def _open(page, lab):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.root / SOURCE, lab.root / NOTEBOOK)
    T0[0] = time.time()
    open_and_run_all(page, lab, NOTEBOOK)
    page.locator(".cgraph-stepper").nth(QUIZ).locator("svg g.node").first.wait_for(
        state="attached", timeout=90_000)
    _dismiss_news(page)
    _lap("opened and ran")


def _dismiss_news(page):
    """JupyterLab's "notified about news?" toast covers the widgets in screenshots."""
    no = page.get_by_role("button", name="No", exact=True)
    if no.count():
        no.first.click()


def _stepper(page, k):
    return page.locator(".cgraph-stepper").nth(k)


def _button(stepper, name):
    """A control found the way a screen reader user finds it: by its accessible name."""
    return stepper.get_by_role("button", name=name, exact=True)


def _state(stepper):
    """(step, phase text, ids of the highlighted nodes) as the browser shows them."""
    return stepper.evaluate("""el => [el.dataset.step, el.querySelector('.cg-phase').textContent,
        Array.from(el.querySelectorAll('g.node.cg-active')).map(g => g.id).sort()]""")


def _wait_step(page, stepper, k):
    page.wait_for_function("([el, k]) => el.dataset.step === String(k)",
                           arg=[stepper.element_handle(), k], timeout=15_000)


def _kernel_value(page, expr):
    """Run `expr` in the notebook's kernel; its printed output (a round trip through Python)."""
    return page.evaluate("""async (code) => {
      const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      let out = '';
      const f = k.requestExecute({code, silent: false, store_history: false});
      f.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
      await f.done;
      return out.trim();
    }""", f"print({expr})")


def _wait_kernel(page, expr, want, timeout=15.0):
    """Poll the kernel until `expr` prints `want` (the browser's changes reach it asynchronously)."""
    deadline = time.time() + timeout
    while True:
        got = _kernel_value(page, expr)
        if got == want or time.time() > deadline:
            return got
        page.wait_for_timeout(200)


def _box(locator):
    b = locator.bounding_box()
    return None if b is None else tuple(round(b[k], 1) for k in ("x", "y", "width", "height"))


def _labels(stepper):
    """The name line (first text) of every visible tensor node of the graph."""
    return stepper.evaluate("""el => Array.from(el.querySelectorAll('g.node:not(.cg-hidden)'))
        .filter(g => g.querySelectorAll('text').length >= 3)
        .map(g => g.querySelector('text').textContent)""")


def _controls_cut(scope):
    """Controls (buttons, selects, labels, inputs) whose text does not fit: scrollWidth > clientWidth."""
    return scope.evaluate("""el => Array.from(el.querySelectorAll(
            '.cg-bar button, .cg-bar select, .cg-bar label, .cg-bar span, .cg-predict button, .cg-predict label'))
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
        .map(e => `${e.className}: ${e.textContent || e.getAttribute('aria-label')} ${e.scrollWidth}>${e.clientWidth}`)""")


def _in_viewport(page, locator):
    b = locator.bounding_box()
    vp = page.viewport_size
    return b is not None and b["y"] >= 0 and b["y"] + min(b["height"], 80) <= vp["height"] \
        and b["x"] >= 0 and b["x"] + min(b["width"], 80) <= vp["width"]


def _inside(box, outer):
    return (box["x"] >= outer["x"] - 1 and box["y"] >= outer["y"] - 1
            and box["x"] + box["width"] <= outer["x"] + outer["width"] + 1
            and box["y"] + box["height"] <= outer["y"] + outer["height"] + 1)


def _scroll_to_top_of(page, locator):
    """Scroll the notebook so that the element's top sits near the top of the viewport."""
    locator.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def _to_start(stepper):
    if not _button(stepper, "first step").is_disabled():
        _button(stepper, "first step").click()


def _step_to(page, stepper, k):
    """Scroll the stepper to the top of the window and click from step 0 to step k."""
    _scroll_to_top_of(page, stepper)
    _to_start(stepper)
    for _ in range(k):
        _button(stepper, "next step").click()
    _wait_step(page, stepper, k)
    return stepper


def _set_theme(page, dark):
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate(f"() => window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{theme}'}})")
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{'false' if dark else 'true'}'",
                           timeout=30_000)
    page.wait_for_timeout(500)


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
COUNTING = re.compile(r"\b(?:path|input|of|all|step)\s+\d+|#\d+|\bv\d+|\[\d+\]|\d+\s*/\s*\d+")


def _numbers(text):
    return set(NUMBER.findall(COUNTING.sub(" ", text)))


# --- a student steps through example A --------------------------------------------------------------
def test_step_play_select_and_keyboard(lab, lab_page):
    page = lab_page
    page.set_viewport_size({"width": 1440, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _open(page, lab)
    st = _stepper(page, EXAMPLE_A)
    st.scroll_into_view_if_needed()
    # every control has an accessible name
    for name in ("first step", "previous step", "play", "next step", "last step"):
        assert _button(st, name).count() == 1, name
    assert st.get_by_role("slider", name="step").count() == 1
    assert st.get_by_role("combobox", name="speed").count() == 1
    assert st.get_by_role("checkbox", name="predict").count() == 1

    # step 0: the program, not a blank box
    assert _state(st)[0] == "0"
    program = st.locator(".cg-program")
    assert program.is_visible() and "y = (w + x) * (w + 1)" in program.inner_text()
    screenshot(page, "stepper_step0_light.png")

    # forward: the graph grows; the two sums have their own labels
    for _ in range(5):
        _button(st, "next step").click()
    step, phase, active = _state(st)
    assert (step, phase) == ("5", "forward ▶") and active
    assert not program.is_visible()
    labels = _labels(st)
    assert labels == ["w", "x", "w + x", "w + 1", "y"] and len(set(labels)) == len(labels)
    assert "y = (w + x) * (w + 1) = 6" in st.locator(".cg-caption").inner_text()
    assert _wait_kernel(page, "stepper.step", "5") == "5"
    screenshot(page, "stepper_forward_light.png")

    # backward: the chain rule in its notation, not circular
    _button(st, "next step").click()
    panel = st.locator(".cg-lines").inner_text()
    assert "dy/d(w + x) = dy/dy · ∂y/∂(w + x) = 1·2 = 2" in panel and "[add]" not in panel
    _button(st, "next step").click()
    _button(st, "next step").click()
    # w's second path: its sum is not given away here, the step that accumulates w.grad shows it
    assert "(path 2 of 2 into dy/dw)" in st.locator(".cg-lines").inner_text()
    total = "dy/dw = dy/d(w + x) · ∂(w + x)/∂w + dy/d(w + 1) · ∂(w + 1)/∂w = 2·1 + 3·1 = 5"
    assert total not in st.locator(".cg-lines").inner_text()
    forward = 0
    while "w.grad +=" not in st.locator(".cg-lines").inner_text() and forward < 2:
        _button(st, "next step").click()
        forward += 1
    assert total in st.locator(".cg-lines").inner_text()
    screenshot(page, "stepper_backward_light.png")
    for _ in range(forward):
        _button(st, "previous step").click()

    # selecting a node moves no panel (fixed geometry), only the inspector's content changes
    boxes = [_box(st.locator(sel)) for sel in (".cg-graph", ".cg-panel", ".cg-inspector", ".cg-bar")]
    _button(st, "inspect w + x (tensor)").click()  # (by its name: the add that makes it is "add → w + x")
    inspector = st.locator(".cg-inspector")
    inspector.get_by_text("non-leaf tensor").first.wait_for(timeout=15_000)
    assert "w + x" in inspector.inner_text() and "AddBackward0" in inspector.inner_text()
    assert [_box(st.locator(sel)) for sel in (".cg-graph", ".cg-panel", ".cg-inspector", ".cg-bar")] == boxes
    st.locator("g.node.op").last.click()       # the mul op: what it received and passed on
    inspector.get_by_text("MulBackward0 → y").first.wait_for(timeout=15_000)
    assert [_box(st.locator(sel)) for sel in (".cg-graph", ".cg-panel", ".cg-inspector", ".cg-bar")] == boxes
    screenshot(page, "stepper_inspector_light.png")

    # the last step: w.grad = 5 on the graph; the keyboard steps
    _button(st, "last step").click()
    assert _state(st)[0] == "10"
    w_grad = st.evaluate("el => { const t = el.querySelectorAll('g#t0 text'); return t[t.length - 1].textContent; }")
    assert w_grad == "grad 5"
    st.focus()
    page.keyboard.press("ArrowLeft")
    assert _state(st)[0] == "9"
    page.keyboard.press("Home")
    assert _state(st)[0] == "0"
    page.keyboard.press("End")
    assert _state(st)[0] == "10"

    # one play control: play from the start, pause mid-run keeps the step
    _button(st, "first step").click()
    st.locator(".cg-speed").select_option("fast")
    _button(st, "play").click()
    page.wait_for_function("el => Number(el.dataset.step) >= 2", arg=st.element_handle(), timeout=15_000)
    _button(st, "pause").click()
    paused = int(_state(st)[0])
    assert 2 <= paused < 10
    page.wait_for_timeout(900)                  # more than a step at "fast": nothing moves
    assert int(_state(st)[0]) == paused and _button(st, "play").count() == 1
    assert int(_wait_kernel(page, "stepper.step", str(paused))) == paused
    assert _wait_kernel(page, "stepper.playing", "False") == "False"
    st.focus()
    page.keyboard.press(" ")                    # space plays too, and plays to the end
    page.wait_for_function("el => el.dataset.step === '10'", arg=st.element_handle(), timeout=20_000)
    assert _button(st, "play").count() == 1     # stopped by itself at the end
    _lap("example A")

    # markup in a name shows as text and never runs
    evil = _stepper(page, EVIL)
    evil.scroll_into_view_if_needed()
    evil.locator(".cg-inspector").get_by_text("<img src=x onerror=alert(1)>").first.wait_for(timeout=15_000)
    assert page.locator(".cgraph-stepper img").count() == 0 and dialogs == []

    # the function view: grad_fn nodes with the tensor they made; AccumulateGrad names its leaf
    fview = _stepper(page, FUNCTION_VIEW)
    fview.scroll_into_view_if_needed()
    assert _state(fview)[1] == "◀ backward"
    subtitles = fview.evaluate("""el => Array.from(el.querySelectorAll('g.node.function'))
        .map(g => Array.from(g.querySelectorAll('text')).map(t => t.textContent).join(' '))""")
    assert subtitles == ["AddBackward0 w + x", "AddBackward0 w + 1", "MulBackward0 y"]
    fview.locator("g.node.accumulate").first.click()
    fview.locator(".cg-inspector").get_by_text("AccumulateGrad: adds").wait_for(timeout=15_000)
    screenshot(page, "stepper_function_view_light.png")
    assert_no_widget_errors(page)


def test_a_step_on_a_200_node_graph(lab, lab_page):
    page = lab_page
    _open(page, lab)
    big = _stepper(page, BIG)
    big.scroll_into_view_if_needed()
    assert big.locator("g.node").count() >= 200
    timings = {"200 nodes": _time_steps(big, 20)}
    assert _state(big)[0] == "20"
    small = _stepper(page, EXAMPLE_A)
    small.scroll_into_view_if_needed()
    small.focus()
    page.keyboard.press("Home")
    timings["9 nodes (reference)"] = _time_steps(small, 9)
    (ARTIFACTS / "stepper_step_timing.json").write_text(json.dumps(timings, indent=1))
    _lap(f"step timings: {timings}")
    big.scroll_into_view_if_needed()
    _button(big, "last step").click()
    assert _state(big)[0] == str(int(big.locator(".cg-slider").get_attribute("max")))
    screenshot(page, "stepper_200_nodes_light.png")
    assert_no_widget_errors(page)


TIME_STEPS = """async ([el, n]) => {
  const next = el.querySelector('.cg-next'), sync = [], paint = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    next.click();
    el.getBoundingClientRect(); void el.offsetHeight;      // force style + layout
    sync.push(performance.now() - t0);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    paint.push(performance.now() - t0);
  }
  const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return {median_ms: med(sync), max_ms: Math.max(...sync), median_to_second_frame_ms: med(paint)};
}"""


def _time_steps(stepper, n):
    """n steps triggered from JS: time until classes and texts are applied (style and layout
    forced), and until the second animation frame after it (the step is painted by then)."""
    return stepper.evaluate(f"el => ({TIME_STEPS})([el, {n}])")


# --- a student in predict mode (dark theme) -------------------------------------------------------------
def _question_texts(page):
    return page.locator("#main").inner_text()


def test_predict_mode_journey(lab, lab_page):
    page = lab_page
    page.set_viewport_size({"width": 1440, "height": 900})
    _open(page, lab)
    _set_theme(page, dark=True)
    quiz = _stepper(page, QUIZ)
    quiz.scroll_into_view_if_needed()
    nxt = _button(quiz, "next step")
    for _ in range(5):
        nxt.click()
    _wait_step(page, quiz, 5)
    before = _numbers(_question_texts(page))
    nxt.click()
    _wait_step(page, quiz, 6)
    screenshot(page, "stepper_predict_open_dark.png")
    # the open question: next is disabled until it is answered or revealed
    assert nxt.is_disabled() and _button(quiz, "last step").is_disabled()
    form = quiz.locator(".cg-predict")
    da, db = form.get_by_role("textbox", name="dy/da"), form.get_by_role("textbox", name="dy/db")
    assert da.is_visible() and db.is_visible()
    assert "Predict what it passes on" in quiz.locator(".cg-lines").inner_text()
    # nothing on the page shows dy/da = -1 or dy/db = 5 (b's and a's data do, from step 5)
    new = _numbers(_question_texts(page)) - before - {"1"}   # 1: the dy/dy it received
    assert not new & {"-1", "5"}, new
    rows = quiz.evaluate("""el => ['t3', 't5'].map(id => { const t = el.querySelectorAll(`g#${id} text`);
        return t[t.length - 1].textContent; })""")
    assert rows == ["grad None", "grad None"]

    # empty: a message, nothing scored
    _button(quiz, "check").click()
    quiz.locator(".cg-fb-error").get_by_text("type a number").wait_for(timeout=15_000)
    # unreadable: a message naming the box, the text kept
    da.fill("abc")
    db.fill("5")
    _button(quiz, "check").click()
    quiz.locator(".cg-fb-error").get_by_text("could not read 'abc'").wait_for(timeout=15_000)
    assert da.input_value() == "abc" and db.input_value() == "5"
    assert quiz.locator(".cg-tally").inner_text() == "✓ 0 ✗ 0"
    # wrong (dy/da), right (dy/db): marks, no answer shown, the text kept, try again
    da.fill("1")
    _button(quiz, "check").click()
    quiz.locator(".cg-fb-message").get_by_text("try again").wait_for(timeout=15_000)
    marks = quiz.locator(".cg-field-result").all_inner_texts()
    assert marks == ["✗", "✓"] and da.input_value() == "1" and db.input_value() == "5"
    assert "-1" not in quiz.locator(".cg-panel").inner_text()
    assert quiz.locator(".cg-tally").inner_text() == "✓ 1 ✗ 1"
    screenshot(page, "stepper_predict_wrong_dark.png")
    # retry with Enter: right; the step's results appear and next is enabled
    da.fill("-1")
    da.press("Enter")
    quiz.locator(".cg-fb-message").get_by_text("right!").wait_for(timeout=15_000)
    # (the step's lines follow the answer's message: answered is synced after results)
    quiz.locator(".cg-lines").get_by_text("dy/da = dy/dy · ∂y/∂a = 1·(-1) = -1").wait_for(timeout=15_000)
    assert quiz.locator(".cg-tally").inner_text() == "✓ 1 ✗ 1"   # the first try counts
    assert not nxt.is_disabled()
    screenshot(page, "stepper_predict_right_dark.png")

    # SubBackward0: its boxes ask for one path's share, and say so
    nxt.click()
    _wait_step(page, quiz, 7)
    words = quiz.locator(".cg-field-words").all_inner_texts()
    assert quiz.locator(".cg-predict-label").all_inner_texts() == ["dy/db · ∂b/∂m =", "dy/db · ∂b/∂n ="]
    assert "the part of dy/dm that flows through b" in words[0]
    _button(quiz, "reveal answer").click()
    quiz.locator(".cg-fb-message").get_by_text("the answer").wait_for(timeout=15_000)
    assert "dy/db · ∂b/∂m = 5" in quiz.locator(".cg-feedback").inner_text()
    nxt.click()                                          # AddBackward0: revealed too
    _wait_step(page, quiz, 8)
    _button(quiz, "reveal answer").click()
    quiz.locator(".cg-fb-message").get_by_text("the answer").wait_for(timeout=15_000)
    nxt.click()
    _wait_step(page, quiz, 9)
    # the accumulation (m first, in PyTorch's order): the caption and the graph keep m.grad's new
    # value to themselves
    caption = quiz.locator(".cg-caption").inner_text()
    assert caption == "accumulate: AccumulateGrad adds dy/dm into m.grad" and "4" not in caption
    m_row = quiz.evaluate("el => { const t = el.querySelectorAll('g#t0 text'); return t[t.length - 1].textContent; }")
    assert m_row == "grad None"
    quiz.locator("g#t0").click()                         # the inspector withholds it too
    quiz.locator(".cg-inspector").get_by_text("predict its results first").wait_for(timeout=15_000)
    assert "4" not in quiz.locator(".cg-inspector").inner_text()
    screenshot(page, "stepper_predict_accumulate_dark.png")
    box = quiz.get_by_role("textbox", name="m.grad")
    box.fill("4")
    box.press("Enter")
    quiz.locator(".cg-fb-message").get_by_text("right!").wait_for(timeout=15_000)
    # (the caption's new text comes in the kernel's next update, a moment after the feedback's)
    expect(quiz.locator(".cg-caption")).to_contain_text("accumulate: m.grad += 4 → 4", timeout=15_000)
    assert _wait_kernel(page, "quiz.answered", "[6, 7, 8, 9]") == "[6, 7, 8, 9]"
    _set_theme(page, dark=False)
    assert_no_widget_errors(page)


# --- a lecturer on a projector ---------------------------------------------------------------------------
ESSENTIALS = ("data", "grad", "grad_fn", "is_leaf")
# The inspector's rows named in `names`: their text, whether they lie inside the inspector's box
# (not scrolled out of it) and inside the notebook's visible area (not below the window).
_INSPECTOR_ROWS = """([el, names]) => {
  const box = el.querySelector('.cg-inspector').getBoundingClientRect();
  const scroller = el.closest('.jp-WindowedPanel-outer, .jp-Notebook') || document.documentElement;
  const view = scroller.getBoundingClientRect();
  const bottom = Math.min(view.bottom, window.innerHeight), top = Math.max(view.top, 0);
  const rows = {};
  for (const th of el.querySelectorAll('.cg-inspector th')) {
    const name = th.textContent.trim();
    if (!names.includes(name)) continue;
    const r = th.parentElement.getBoundingClientRect();
    rows[name] = {text: th.parentElement.innerText.replace(/\\s+/g, ' ').trim(),
                  in_box: r.top >= box.top - 1 && r.bottom <= box.bottom + 1,
                  on_screen: r.top >= top - 1 && r.bottom <= bottom + 1};
  }
  return rows;
}"""
# The graph's smallest text as drawn (font size x the drawing's px per SVG unit), the scale it is
# drawn at, and the scale its box's width allows (natural size: the SVG's width in points).
_GRAPH_TEXT = """(el) => {
  const svg = el.querySelector('.cg-graph svg');
  const perUnit = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll('g.node:not(.cg-hidden) text')]
    .map(t => parseFloat(t.getAttribute('font-size')) * perUnit);
  const natural = parseFloat(svg.getAttribute('width')) * 4 / 3;
  return {smallest: Math.min(...texts), scale: parseFloat(el.dataset.graphScale),
          width_allows: el.querySelector('.cg-graph').clientWidth / natural};
}"""
# The toolbar's visible items: (class, top, bottom), to check they sit on one line.
_BAR_ITEMS = """(el) => [...el.querySelectorAll('.cg-bar .cg-bar-group > *')]
  .filter(c => c.getClientRects().length && c.getBoundingClientRect().width > 0)
  .map(c => { const r = c.getBoundingClientRect(); return [c.className, r.top, r.bottom]; })"""


def _inspector_essentials_shown(page, stepper):
    """The inspector's data, grad, grad_fn and is_leaf rows, each asserted on screen and not
    scrolled out of the inspector (walk W8: they needed an inner scroll)."""
    rows = page.evaluate(_INSPECTOR_ROWS, [stepper.element_handle(), list(ESSENTIALS)])
    assert sorted(rows) == sorted(ESSENTIALS), rows
    hidden = {k: r for k, r in rows.items() if not (r["in_box"] and r["on_screen"])}
    assert not hidden, f"inspector rows not visible without scrolling: {hidden}"
    return rows


def _toolbar_on_one_line(stepper):
    items = stepper.evaluate(_BAR_ITEMS)
    tops = [top for _, top, _ in items]
    bottoms = [bottom for _, _, bottom in items]
    # one line: every item's box overlaps every other's vertically (walk W9: "predict" wrapped)
    assert max(tops) < min(bottoms), f"the toolbar wraps: {items}"


def test_lecture_mode_fits_light_and_dark(lab, lab_page):
    """At a projector's 1280x720 and a laptop's 1440x900 (one notebook run for both sizes)."""
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 720})
    _open(page, lab)
    for size in ((1280, 720), (1440, 900)):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.evaluate("() => document.querySelectorAll('style.cgraph-lecture-mode').forEach(s => s.remove())")
        _set_theme(page, dark=False)
        # without lecture mode: a click on a node shows its value, grad, grad_fn and leaf status with
        # the stepper's top in view
        st = _step_to(page, _stepper(page, EXAMPLE_A), 6)
        st.locator("g.node#t0").click()
        st.locator(".cg-inspector").get_by_text("leaf tensor").first.wait_for(timeout=15_000)
        _scroll_to_top_of(page, st)
        rows = _inspector_essentials_shown(page, st)
        assert rows["is_leaf"]["text"] == "is_leaf True" and rows["grad_fn"]["text"] == "grad_fn None"
        _toolbar_on_one_line(st)
        screenshot(page, f"stepper_inspector_{size[0]}x{size[1]}_light.png")
        plain = st.evaluate(_GRAPH_TEXT)
        page.evaluate("html => document.head.insertAdjacentHTML('beforeend', html)", lecture_css(1.5))
        for dark in (False, True):
            _set_theme(page, dark)
            st = _step_to(page, _stepper(page, EXAMPLE_A), 6)
            # no node clicked: the colour key is in the inspector, whole and on screen (under the
            # drawing it was cut off at the graph box's foot in lecture mode: walk 8's W8_7)
            press_in_stepper(st, "Escape")
            key = st.get_by_role("list", name="node colours").get_by_role("listitem")
            assert key.all_inner_texts() == ["leaf (requires grad)", "constant (no grad)", "non-leaf",
                                             "root / output", "op"], key.all_inner_texts()
            for i in range(key.count()):
                assert _in_viewport(page, key.nth(i)), (size, dark, key.nth(i).inner_text())
            assert not text_cut_off(page, ".cgraph-stepper .cgi-key")
            assert not st.locator(".cg-graph svg text", has_text="root / output").count()
            st.locator("g.node#t0").click()
            st.locator(".cg-inspector").get_by_text("leaf tensor").first.wait_for(timeout=15_000)
            _scroll_to_top_of(page, st)
            assert st.evaluate("el => getComputedStyle(el).getPropertyValue('--cgraph-scale').trim()") == "1.5"
            assert _controls_cut(st) == []
            assert controls_that_dont_fit(page, f"{WIDGET_OUTPUTS}:has(.cgraph-stepper)") == []
            _toolbar_on_one_line(st)
            # the chain-rule panel is on screen together with the graph and the buttons
            assert _in_viewport(page, st.locator(".cg-panel")), _box(st.locator(".cg-panel"))
            assert _in_viewport(page, st.locator(".cg-graph"))
            assert _in_viewport(page, _button(st, "next step"))
            # the drawing fits its box: no sideways scrolling
            assert st.locator(".cg-graph").evaluate("el => el.scrollWidth <= el.clientWidth + 1")
            # the graph's text grows with lecture mode as far as the box's width allows (walk W7: it
            # stayed at its size while the panel grew x1.5)
            lect = st.evaluate(_GRAPH_TEXT)
            assert lect["scale"] == pytest.approx(min(1.5, max(1.0, lect["width_allows"])), abs=0.01), lect
            assert lect["smallest"] >= 0.98 * plain["smallest"] * lect["scale"] / plain["scale"], (plain, lect)
            if size == (1440, 900):            # a laptop's width has room for (almost) x1.5
                assert lect["smallest"] >= 1.35 * plain["smallest"], (plain, lect)
            theme = "dark" if dark else "light"
            screenshot(page, f"stepper_lecture_{size[0]}x{size[1]}_{theme}.png")
            # a click on a node shows its essentials without an inner scroll (walk W8)
            _inspector_essentials_shown(page, st)
            # W9_10: a stepper whose chain-rule text is long (the 200-node graph's): with no node
            # clicked its colour key is whole in the inspector, which stays above the legend row
            big = _stepper(page, BIG)
            _scroll_to_top_of(page, big)
            press_in_stepper(big, "Escape")
            expect(big.get_by_role("list", name="node colours")).to_have_count(1)
            assert stepper_key_faults(big) == [], (size, dark)
            screenshot(page, f"stepper_lecture_key_{size[0]}x{size[1]}_{theme}.png")
            # predict mode's controls fit as well, on one line with the tally
            quiz = _step_to(page, _stepper(page, QUIZ), 6)
            assert _controls_cut(quiz) == []
            _toolbar_on_one_line(quiz)
            assert quiz.locator(".cg-tally").inner_text().strip()
            # the answer boxes and buttons are whole on screen, not cut by the panel's edge
            panel = quiz.locator(".cg-panel").bounding_box()
            for control in (_button(quiz, "check"), _button(quiz, "reveal answer"),
                            quiz.get_by_role("textbox", name="dy/db")):
                assert _in_viewport(page, control) and _inside(control.bounding_box(), panel), \
                    (control, control.bounding_box(), panel)
            screenshot(page, f"stepper_lecture_predict_{size[0]}x{size[1]}_{theme}.png")
    _set_theme(page, dark=False)
    assert_no_widget_errors(page)


def test_voila(lab, browser_page):
    """The same notebook as a Voila dashboard (voila's server extension on the lab's server), in a
    page of its own (leaving JupyterLab with a notebook open asks "leave the site?")."""
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.root / SOURCE, lab.root / NOTEBOOK)
    page.goto(f"{lab.base}/voila/render/{NOTEBOOK}?token={lab.token}")
    st = _stepper(page, EXAMPLE_A)
    st.locator("svg g.node").first.wait_for(state="attached", timeout=90_000)
    for _ in range(6):
        _button(st, "next step").click()
    step, phase, active = _state(st)
    assert (step, phase) == ("6", "◀ backward") and active
    st.locator("g.node#t0").click()
    st.locator(".cg-inspector").get_by_text("leaf tensor (requires grad)").first.wait_for(timeout=15_000)
    screenshot(page, "stepper_voila.png")
    # Voila also loads the other lab extensions installed here (notebook, nbgrader), some of which
    # fail to find JupyterLab-only shared modules: their errors, from their remoteEntry files
    page.console_errors[:] = [e for e in page.console_errors
                              if not ("remoteEntry" in e and "hared module" in e)]
    assert_no_widget_errors(page)
