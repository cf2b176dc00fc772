"""GraphStepper in a real JupyterLab (headless Chromium): step with the buttons, click a node,
time a step on a 200-node graph, no widget or console errors, screenshots in light and dark themes.

Run: .venv/bin/python -m pytest tests/test_stepper_browser.py -q
"""
import json
import shutil
import time

import pytest

from lab_browser import ARTIFACTS, assert_no_widget_errors, open_and_run_all, screenshot

pytestmark = pytest.mark.browser

SOURCE = "tests/notebooks_for_tests/stepper_demo.ipynb"
NOTEBOOK = "tests/artifacts/stepper_demo_run.ipynb"  # a copy: JupyterLab autosaves what it runs
T0 = [time.time()]


def _lap(what):
    print(f"  {time.time() - T0[0]:6.1f}s {what}")


def _open(page, lab):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.root / SOURCE, lab.root / NOTEBOOK)
    T0[0] = time.time()
    open_and_run_all(page, lab, NOTEBOOK)
    _lap("opened and ran")


# The stepper of cell k (0: example A, 1: the 200-node program, 2: the markup-named tensor).
STEPPER = ".cgraph-stepper"


def _dismiss_news(page):
    """JupyterLab's "notified about news?" toast covers the widgets in screenshots."""
    no = page.get_by_role("button", name="No", exact=True)
    if no.count():
        no.first.click()


def _stepper(page, k):
    return page.locator(STEPPER).nth(k)


def _state(stepper):
    """(step, phase text, ids of the highlighted nodes) as the browser shows them."""
    return stepper.evaluate("""el => [el.dataset.step, el.querySelector('.cg-phase').textContent,
        Array.from(el.querySelectorAll('g.node.cg-active')).map(g => g.id).sort()]""")


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


def test_step_click_inspect_and_time(lab, browser_page):
    page = browser_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _open(page, lab)
    st = _stepper(page, 0)
    st.locator("svg g.node").first.wait_for(timeout=60_000)
    _dismiss_news(page)
    st.scroll_into_view_if_needed()

    # step 0: nothing visible yet; forward steps make nodes appear with their values
    assert _state(st)[0] == "0"
    assert st.locator("g.node.cg-hidden").count() == st.locator("g.node").count()
    for _ in range(5):
        st.locator(".cg-next").click()
    step, phase, active = _state(st)
    assert (step, phase) == ("5", "forward ▶")
    assert active  # the op that ran and the tensor it made
    assert st.locator("g.node.cg-hidden").count() == 0
    assert _kernel_value(page, "stepper.step") == "5"
    screenshot(page, "stepper_forward_light.png")
    _lap("forward")

    # backward: the phase indicator and the highlighted node change at every step
    seen = []
    for _ in range(3):
        st.locator(".cg-next").click()
        seen.append(_state(st))
    assert all(p == "◀ backward" for _, p, _ in seen)
    assert len({tuple(a) for _, _, a in seen}) == 3
    assert "dy/dw" in st.locator(".cg-lines").inner_text()
    screenshot(page, "stepper_backward_light.png")
    _lap("backward")

    # the last step: w.grad = 5 in the graph; previous goes back
    st.locator(".cg-last").click()
    assert _state(st)[0] == "10"
    w_grad = st.evaluate("el => { const t = el.querySelectorAll('g#t0 text'); return t[t.length - 1].textContent; }")
    assert w_grad == "grad 5"
    st.locator(".cg-prev").click()
    assert _state(st)[0] == "9"

    # arrow keys when focused
    st.focus()
    page.keyboard.press("ArrowLeft")
    assert _state(st)[0] == "8"
    page.keyboard.press("End")
    assert _state(st)[0] == "10"

    # click a node: Python's `selected` and the inspector beside the graph follow
    st.locator("g.node#t3").click()
    inspector = page.locator(".cgraph-stepper-inspector").nth(0)
    inspector.get_by_text("non-leaf tensor").first.wait_for(timeout=15_000)
    assert "retain_grad()" in inspector.inner_text()
    assert _kernel_value(page, "stepper.selected") == "t3"
    st.locator("g.node#f7").click()
    inspector.get_by_text("MulBackward0").first.wait_for(timeout=15_000)
    screenshot(page, "stepper_inspector_light.png")
    _lap("inspector")

    # Play (ipywidgets.Play jslink'ed to `step` in the browser) steps on its own
    st.locator(".cg-first").click()
    page.locator(".cgraph-stepper-box .widget-play button").first.click()
    page.wait_for_function("el => Number(el.dataset.step) >= 2", arg=st.element_handle(), timeout=15_000)
    page.locator(".cgraph-stepper-box .widget-play button").first.click()   # the same button pauses
    played = int(_state(st)[0])
    assert played >= 2
    assert int(_kernel_value(page, "stepper.step")) == played   # the kernel heard every step
    _lap("play")

    # a step on the 200-node graph, triggered from JS: time until classes and texts are applied,
    # and until the next frame is painted
    big = _stepper(page, 1)
    big.scroll_into_view_if_needed()
    assert big.locator("g.node").count() >= 200
    timings = {"200 nodes": _time_steps(big, 20)}
    assert _state(big)[0] == "20"
    small = _stepper(page, 0)
    small.scroll_into_view_if_needed()
    small.focus()
    page.keyboard.press("Home")
    assert _state(small)[0] == "0"
    timings["9 nodes (reference)"] = _time_steps(small, 9)
    (ARTIFACTS / "stepper_step_timing.json").write_text(json.dumps(timings, indent=1))
    _lap(f"step timings: {timings}")
    big.locator(".cg-last").click()
    big.locator(".cg-prev").click()
    big.scroll_into_view_if_needed()
    screenshot(page, "stepper_200_nodes_light.png")

    # the function view: grad_fn nodes; clicking AccumulateGrad names its leaf
    fview = _stepper(page, 3)
    fview.scroll_into_view_if_needed()
    assert _state(fview)[1] == "◀ backward"
    acc = fview.locator("g.node.accumulate").first
    acc.click()
    page.locator(".cgraph-stepper-inspector").nth(3).get_by_text("AccumulateGrad: adds").wait_for(timeout=15_000)
    screenshot(page, "stepper_function_view_light.png")

    # markup in a name shows as text and never runs
    evil = page.locator(".cgraph-stepper-inspector").nth(2)
    evil.scroll_into_view_if_needed()
    evil.get_by_text("<img src=x onerror=alert(1)>").first.wait_for(timeout=15_000)
    assert page.locator(".cgraph-stepper img, .cgraph-stepper-inspector img").count() == 0
    assert dialogs == []
    assert_no_widget_errors(page)


def test_dark_theme_and_predict(lab, browser_page):
    page = browser_page
    _open(page, lab)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    st = _stepper(page, 0)
    st.locator("svg g.node").first.wait_for(timeout=60_000)
    _dismiss_news(page)
    st.scroll_into_view_if_needed()
    st.locator(".cg-predict-toggle input").check()
    for _ in range(6):
        st.locator(".cg-next").click()
    # step 6 (MulBackward0) is withheld until predicted: a grad row still reads as before
    form = st.locator(".cg-predict")
    form.locator("input").first.wait_for(timeout=10_000)
    a_grad = "el => { const t = el.querySelectorAll('g#t3 text'); return t[t.length - 1].textContent; }"
    assert st.evaluate(a_grad) == "grad None"
    inputs = form.locator("input.cg-predict-input")
    inputs.nth(0).fill("2")      # dy/da = b = 2
    inputs.nth(1).fill("4")      # wrong: dy/db = a = 3
    form.locator("button.cg-check").click()
    st.locator(".cg-fb-wrong").wait_for(timeout=15_000)
    assert st.evaluate(a_grad) == "grad 2"
    assert st.locator(".cg-tally").text_content() == "✓ 1  ✗ 1"
    assert _kernel_value(page, "stepper.tally") == "{'right': 1, 'wrong': 1}"
    screenshot(page, "stepper_predict_dark.png")
    # lecture mode: --cgraph-scale scales the text and the drawing
    size = "el => [parseFloat(getComputedStyle(el.querySelector('.cg-caption')).fontSize), " \
           "el.querySelector('.cg-graph svg').getBoundingClientRect().width]"
    before = st.evaluate(size)
    page.evaluate("() => document.documentElement.style.setProperty('--cgraph-scale', '2')")
    after = st.evaluate(size)
    page.evaluate("() => document.documentElement.style.removeProperty('--cgraph-scale')")
    assert after[0] == pytest.approx(2 * before[0]) and after[1] == pytest.approx(2 * before[1], rel=0.01)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    assert_no_widget_errors(page)


def test_voila(lab, browser_page):
    """The same notebook as a Voila dashboard (voila's server extension on the lab's server)."""
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.root / SOURCE, lab.root / NOTEBOOK)
    page.goto(f"{lab.base}/voila/render/{NOTEBOOK}?token={lab.token}")
    st = _stepper(page, 0)
    st.locator("svg g.node").first.wait_for(timeout=90_000)
    for _ in range(6):
        st.locator(".cg-next").click()
    step, phase, active = _state(st)
    assert (step, phase) == ("6", "◀ backward") and active
    st.locator("g.node#t0").click()
    page.locator(".cgraph-stepper-inspector").nth(0).get_by_text("leaf tensor (requires grad)").first.wait_for(
        timeout=15_000)
    screenshot(page, "stepper_voila.png")
    # Voila also loads the other lab extensions installed here (notebook, nbgrader), some of which
    # fail to find JupyterLab-only shared modules: their errors, from their remoteEntry files
    page.console_errors[:] = [e for e in page.console_errors
                              if not ("remoteEntry" in e and "hared module" in e)]
    assert_no_widget_errors(page)
