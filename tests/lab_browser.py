"""Shared fixtures for real-browser tests: one JupyterLab server (127.0.0.1, token auth on) and one
headless Debian Chromium driven by Playwright, for the whole test session.

Use in a test module:   pytestmark = pytest.mark.browser
                        def test_x(lab, browser_page): open_and_run_all(browser_page, lab, "notebooks/x.ipynb")
The fixtures are registered for every test module by tests/conftest.py (pytest_plugins).
`browser_page` collects JavaScript console errors and page errors in `page.console_errors`;
`assert_no_widget_errors(page)` checks them and the "Error displaying widget" text. `lab_page` is one
page for a whole module: `open_notebook` / `open_and_run_all` open each test's notebook in it in place
of the one before (starting JupyterLab anew costs Chromium about 5 s of CPU).

Journeys (what a student or lecturer sees; see the section "Journey helpers" below):
`set_viewport(page, "1280x720")`, `set_theme(page, "dark")` / `with themed(page, "dark"):`,
`lecture_mode(page)`, `control(scope, "next step")` (by accessible name), `unnamed_controls`,
`stepper_key_faults` (the stepper's colour key whole), `split_words` (words broken across lines),
`controls_that_dont_fit` / `assert_controls_fit` (scrollWidth <= clientWidth), `text_cut_off`,
`pictures_that_dont_fit`, `light_blocks` (white plots in the dark theme), `visible_text` (for "no
withheld value on screen"), `save_screenshot(page, name, subdir)`, `copy_notebook`, `code_cells`,
`kernel_exec`. `start_lab(state_dir)` runs a server from a script (as the `lab` fixture does).
"""
import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
ARTIFACTS.mkdir(parents=True, exist_ok=True)  # any test may write here first


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, base, token, root):
        self.base, self.token, self.root = base, token, root

    def url(self, path):
        return f"{self.base}/lab/tree/{path}?token={self.token}&reset"


RUNNING_LABS = []  # the labs this process has started and not stopped


def shut_down_kernels(lab):
    """End every session of `lab`, and its kernel (each notebook a closed page had open keeps its own)."""
    for session in json.load(urllib.request.urlopen(f"{lab.base}/api/sessions?token={lab.token}", timeout=10)):
        request = urllib.request.Request(f"{lab.base}/api/sessions/{session['id']}?token={lab.token}",
                                         method="DELETE")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=30)


@contextlib.contextmanager
def start_lab(state_dir, root=ROOT):
    """Run a JupyterLab server on 127.0.0.1 with token auth on, rooted at `root`, its workspaces,
    user settings and log in `state_dir` (fresh settings: light theme, no saved layout); yield a Lab.
    Usable from a script as well as from the `lab` fixture."""
    state_dir = Path(state_dir)
    port, token = _free_port(), secrets.token_hex(16)
    ws, settings = state_dir / "ws", state_dir / "settings"
    ws.mkdir(parents=True, exist_ok=True)
    # JupyterLab's "get notified about news?" toast covers widgets in screenshots: answered "never"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    if not news.exists():
        news.write_text('{"fetchNews": "false"}')
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}",        # token auth stays on; the test knows it
           f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True",       # window.jupyterapp, to read kernel status
           f"--LabApp.workspaces_dir={ws}", f"--LabApp.user_settings_dir={settings}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = state_dir / "lab.log"
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 120
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                    break
                except Exception:
                    if time.time() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"jupyter lab did not start; see {log_path}:\n"
                                           + log_path.read_text()[-3000:])
                    time.sleep(0.5)
            lab = Lab(base, token, Path(root))
            RUNNING_LABS.append(lab)
            yield lab
        finally:
            if RUNNING_LABS and RUNNING_LABS[-1].base == base:
                RUNNING_LABS.pop()
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server rooted at the repo; notebooks are opened by repo-relative path."""
    with start_lab(tmp_path_factory.mktemp("lab")) as server:
        yield server


CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def launch_chromium(playwright):
    """Debian's headless Chromium through a running `sync_playwright()` (no Playwright download)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser():
    # module scope: Playwright's sync API runs an event loop in this thread while it is alive, and
    # other modules' nbclient runs (asyncio.run) must not find it there
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
    for lab in RUNNING_LABS:  # the module's notebooks' kernels, which the next module does not need
        shut_down_kernels(lab)


# JupyterLab removes its splash screen 200 ms after each splash ends; when a second splash (a theme
# loading while the lab starts) ends inside those 200 ms, it removes the element twice and the second
# removeChild throws (jlab_core, apputils-extension's splash). `set_theme` keeps its own theme changes
# apart, but the lab's start-up can still race itself on a slow machine. Only that second removal of
# the splash element is let pass; any other removeChild of a node that is not a child still throws.
_SPLASH_REMOVED_ONCE = """(() => {
  const removeChild = Node.prototype.removeChild;
  Node.prototype.removeChild = function (child) {
    if (child && child.id === 'jupyterlab-splash' && child.parentNode !== this) return child;
    return removeChild.call(this, child);
  };
})();"""


def new_page(browser, width=1400, height=1000):
    """A page in a fresh browser context whose console errors and uncaught exceptions are collected
    in `page.console_errors`; close it with `page.context.close()`."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(_SPLASH_REMOVED_ONCE)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    # an uncaught exception with its stack: the stack tells whose code threw
    page.on("pageerror", lambda e: page.console_errors.append(f"{e}\n{e.stack or ''}"))
    return page


@pytest.fixture
def browser_page(browser):
    """A fresh page whose console errors and uncaught exceptions are collected."""
    page = new_page(browser)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def lab_page(browser):
    """One JupyterLab page for the module's tests, each of which opens its notebook in it in place of
    the one before (open_notebook, open_and_run_all): a JupyterLab start costs the browser about 5 s
    of CPU, and on CI's two cores the browser tests are CPU-bound. A test sets its own viewport."""
    yield from module_page(browser)


# The notebook at `path` is the current widget, has a kernel, and that kernel is idle.
KERNEL_IDLE = """(path) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path) return false;
  const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && !w.sessionContext.isBusy;
}"""


def run_all_cells(page, path, timeout_ms=180_000):
    """Run all cells of the open notebook `path` and wait until the run is over and the kernel idle.
    JupyterLab's command resolves when the run ends (at the last cell, or at a cell that raised);
    once in a while Chromium drops that promise ("Resulting promise was garbage collected"): then
    every code cell having run is what tells the run is over."""
    try:
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    except PlaywrightError as e:
        if "garbage collected" not in str(e):
            raise
        page.wait_for_function(ALL_RAN, timeout=timeout_ms)
    page.wait_for_timeout(500)
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=timeout_ms)


# `path` opens as File > Open opens it, and what the page showed before leaves it (a copy of the
# same notebook first: File > Open would only show it again; the others after, so that the main area
# is never empty, which opens a Launcher). Their kernels live on until the module ends (the `browser`
# fixture): a kernel shut down here can cancel the debugger's request for its state, which JupyterLab
# logs as a console error. Starting JupyterLab costs a browser about 5 s of CPU, opening a notebook
# in it about 1 s.
_OPEN_IN_PLACE = """async (path) => {
  const app = window.jupyterapp;
  for (const w of Array.from(app.shell.widgets('main')))
    if (w.context && w.context.path === path) w.dispose();
  const opened = await app.commands.execute('docmanager:open', {path});
  for (const w of Array.from(app.shell.widgets('main')))
    if (w !== opened) w.dispose();
}"""


def open_notebook(page, lab, path):
    """Open notebook `path` (repo-relative) and wait until its kernel is idle: by its URL in a new
    page, in place of what the page shows when it shows this lab already (the notebook before leaves
    the page with its widgets, so every locator sees this one only; its kernel ends with the module)."""
    if page.url.startswith(f"{lab.base}/lab"):
        page.evaluate(_OPEN_IN_PLACE, path)
    else:
        page.goto(lab.url(path))
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=90_000)


def open_and_run_all(page, lab, path, timeout_ms=180_000):
    """Open notebook `path` (repo-relative) in JupyterLab (open_notebook), run all cells, wait for
    the kernel."""
    open_notebook(page, lab, path)
    run_all_cells(page, path, timeout_ms)


# Console noise that is not ours (JupyterLab's own optional services on a closed network).
IGNORED_CONSOLE = ("Failed to load resource", "favicon", "net::ERR_", "lsp", "LSP",
                   "kernelspecs", "Could not find a kernel", "the server responded with a status of 404")


def assert_no_widget_errors(page):
    assert page.get_by_text("Error displaying widget").count() == 0, "a widget failed to display"
    errors = [e for e in page.console_errors if not any(s in e for s in IGNORED_CONSOLE)]
    assert not errors, f"JavaScript console errors: {errors}"


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


# --- Journey helpers: what a student or a lecturer sees -------------------------------------------
# A journey opens a notebook at a viewport size, in a theme, optionally in lecture mode, runs it,
# uses the widgets by their accessible names, and asserts what is visible. See
# tests/test_journey_lectures_browser.py.

VIEWPORTS = {"1280x720": {"width": 1280, "height": 720},    # a lecture-hall projector
             "1440x900": {"width": 1440, "height": 900}}    # a student's laptop
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}

# Output areas that hold a widget (ipywidgets, anywidget, ipympl): where controls live.
WIDGET_OUTPUTS = ".jp-OutputArea-output:has(.jupyter-widgets)"


def set_viewport(page, size):
    """Resize the page to "1280x720", "1440x900" or a (width, height) pair."""
    if isinstance(size, str):
        size = VIEWPORTS[size]
    else:
        size = {"width": size[0], "height": size[1]}
    page.set_viewport_size(size)
    page.wait_for_function("([w, h]) => window.innerWidth === w && window.innerHeight === h",
                           arg=[size["width"], size["height"]], timeout=10_000)


def current_theme(page):
    """The JupyterLab theme in effect: "light" or "dark" (from the body's data attribute)."""
    light = page.evaluate("() => document.body.dataset.jpThemeLight")
    return "light" if light == "true" else "dark"


# The theme's CSS is loaded: its layout background has the theme's lightness.
_THEME_APPLIED = """([name, light]) => {
  if (document.body.dataset.jpThemeName !== name) return false;
  const c = getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim();
  const probe = document.createElement('div');
  probe.style.color = c; document.body.appendChild(probe);
  const m = getComputedStyle(probe).color.match(/\\d+(\\.\\d+)?/g); probe.remove();
  if (!m) return false;
  const lum = (0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]) / 255;
  return light ? lum > 0.5 : lum < 0.5;
}"""


def set_theme(page, theme):
    """Switch JupyterLab to the "light" or "dark" theme and wait until its CSS is applied.

    JupyterLab saves the choice in the server's user settings: later pages of the same server open
    in it, so restore the theme when done (or use `themed`)."""
    name = THEMES[theme]
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                           ".hasCommand('apputils:change-theme')", timeout=60_000)
    _wait_for_splash_gone(page)
    page.evaluate("(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})",
                  name)
    page.wait_for_function(_THEME_APPLIED, arg=[name, theme == "light"], timeout=30_000)
    _wait_for_splash_gone(page)
    page.wait_for_timeout(200)    # widgets restyle on the theme's CSS variables in the next frame


def _wait_for_splash_gone(page):
    """JupyterLab shows its splash screen while it starts and while a theme loads, and removes it
    200 ms after it is done: two splashes inside those 200 ms make JupyterLab remove the element
    twice (an uncaught removeChild error of its own). So let each splash end before the next."""
    page.wait_for_function("() => !document.getElementById('jupyterlab-splash')", timeout=60_000)
    page.wait_for_timeout(250)


@contextlib.contextmanager
def themed(page, theme):
    """`set_theme(page, theme)` for the block, then back to the theme that was in effect."""
    before = current_theme(page)
    set_theme(page, theme)
    try:
        yield
    finally:
        if not page.is_closed():
            set_theme(page, before)


def lecture_mode(page, scale=1.5):
    """Turn lecture mode on as `widgets.lecture_mode(scale=...)` does in a cell: the same <style>
    element (widgets.lecture.lecture_css), placed after every output so that it wins over any
    lecture_mode() call in the notebook. `scale=1` turns it off again."""
    from widgets.lecture import lecture_css
    css = lecture_css(scale)
    page.evaluate("""(html) => {
      document.querySelectorAll('.cgraph-journey-lecture-mode').forEach(e => e.remove());
      const box = document.createElement('div');
      box.className = 'cgraph-journey-lecture-mode'; box.innerHTML = html; box.hidden = true;
      document.body.appendChild(box);
    }""", css)
    got = page.evaluate("() => getComputedStyle(document.documentElement)"
                        ".getPropertyValue('--cgraph-scale').trim()")
    assert float(got) == pytest.approx(float(scale)), f"--cgraph-scale is {got!r}, not {scale}"


def kernel_exec(page, code, timeout_ms=60_000):
    """Run `code` in the current notebook's kernel (not in a cell); return what it printed.
    A Python error raises RuntimeError with the traceback's last line."""
    out = page.evaluate("""async ([code, ms]) => {
      const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      let out = '', err = null;
      const f = k.requestExecute({code, silent: false, store_history: false});
      f.onIOPub = (msg) => {
        if (msg.header.msg_type === 'stream') out += msg.content.text;
        if (msg.header.msg_type === 'error') err = msg.content.ename + ': ' + msg.content.evalue;
      };
      const timer = new Promise((_, rej) => setTimeout(() => rej(new Error('kernel timeout')), ms));
      await Promise.race([f.done, timer]);
      return {out, err};
    }""", [code, timeout_ms])
    if out["err"]:
        raise RuntimeError(f"kernel error running {code!r}: {out['err']}")
    return out["out"].strip()


# For each code cell of the current notebook: its index among all cells, execution count, error
# outputs ("EName: value") and the mime types of its outputs.
CODE_CELLS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells, result = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const errors = [], mimes = [];
    for (let j = 0; j < cell.outputs.length; j++) {
      const out = cell.outputs.get(j).toJSON();
      if (out.output_type === 'error') errors.push(out.ename + ': ' + out.evalue);
      mimes.push(...Object.keys(out.data || {}));
    }
    result.push({index: i, count: cell.executionCount, errors, mimes});
  }
  return result;
}"""


def code_cells(page):
    """[{index, count, errors, mimes}] for every code cell of the current notebook (from the
    notebook model, so off-screen cells count too)."""
    return page.evaluate(CODE_CELLS)


# Scroll every cell into view (JupyterLab renders off-screen cells lazily: this displays every
# widget and picture once), then to the first cell showing a widget, else an SVG picture; returns
# that cell's index or null.
_SHOW_EVERY_CELL = """async () => {
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


def show_every_cell(page):
    """Display every cell of the current notebook once, then scroll to its first widget (else its
    first picture); return that cell's index, or None."""
    shown = page.evaluate(_SHOW_EVERY_CELL)
    page.wait_for_timeout(1000)
    return shown


def scroll_to_cell(page, index, align="start"):
    """Scroll the current notebook to cell `index` (JupyterLab renders off-screen cells lazily)."""
    page.evaluate("""async ([i, align]) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      await nb.scrollToItem(i, align);
      await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    }""", [index, align])


# --- driving a notebook's cells as a student does ------------------------------------------------

# Per cell of the current notebook (JupyterLab's model, so off-screen cells count too): type,
# nbgrader grade_id (or null), source, execution count, error tracebacks, stdout; with `svgs`, the
# texts of its SVG pictures (image/svg+xml outputs, or draw()'s <img> data URIs inside HTML).
_CELLS = r"""(svgs) => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells, result = [];
  const decode = (b64) => new TextDecoder().decode(Uint8Array.from(atob(b64), ch => ch.charCodeAt(0)));
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i), nbgrader = cell.getMetadata('nbgrader') || {};
    const outputs = [];
    if (cell.type === 'code')
      for (let j = 0; j < cell.outputs.length; j++) outputs.push(cell.outputs.get(j).toJSON());
    const record = {type: cell.type, id: nbgrader.grade_id || null, source: cell.sharedModel.getSource(),
                    count: cell.type === 'code' ? cell.executionCount : 0,
                    errors: outputs.filter(o => o.output_type === 'error').map(o => o.traceback),
                    stdout: outputs.filter(o => o.output_type === 'stream').map(o => o.text).join('')};
    if (svgs)
      record.svgs = outputs.filter(o => o.data && (o.data['image/svg+xml'] || o.data['text/html'])).flatMap(o =>
        o.data['image/svg+xml'] ? [o.data['image/svg+xml']]
        : [...String(o.data['text/html']).matchAll(/data:image\/svg\+xml;base64,([A-Za-z0-9+\/=]+)/g)]
            .map(m => decode(m[1])));
    result.push(record);
  }
  return result;
}"""

# Every code cell of the current notebook has run (the kernel may look idle between two cells).
ALL_RAN = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  for (let i = 0; i < cells.length; i++)
    if (cells.get(i).type === 'code' && cells.get(i).executionCount == null) return false;
  return true;
}"""

_CURRENT_KERNEL_IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget, k = w.sessionContext.session.kernel;
  return k.status === 'idle' && !w.sessionContext.isBusy;
}"""


def cells(page, svgs=False):
    """[{type, id, source, count, errors, stdout[, svgs]}] for every cell of the current notebook."""
    return page.evaluate(_CELLS, svgs)


def index_of(page, grade_id):
    """The index of the cell whose nbgrader grade_id is `grade_id`."""
    return next(i for i, c in enumerate(cells(page)) if c["id"] == grade_id)


def cell_node(page, i):
    """Cell i's element (JupyterLab renders it only near the view: scroll or `activate` first)."""
    return page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{i}"]')


def activate(page, i):
    """Make cell i the active one (command mode), scrolled to the top of the notebook panel."""
    page.evaluate("""async (i) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      nb.activeCellIndex = i; nb.mode = 'command';
      await nb.scrollToItem(i, 'start'); nb.node.focus();
    }""", i)
    cell = cell_node(page, i)
    cell.wait_for(timeout=15_000)
    return cell


def wait_idle(page):
    """Wait for the current notebook's kernel to finish what was just sent to it."""
    page.wait_for_timeout(300)          # the execute request is on its way
    page.wait_for_function(_CURRENT_KERNEL_IDLE, timeout=60_000)


def run_cell(page, i):
    """Run cell i as a student does (Shift+Enter) and wait for the kernel."""
    activate(page, i)
    page.keyboard.press("Shift+Enter")
    wait_idle(page)


def answer(page, i, text):
    """Put `text` into answer cell i (through the editor's model, as if typed) and run it."""
    page.evaluate("([i, text]) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i)"
                  ".sharedModel.setSource(text)", [i, text])
    run_cell(page, i)


def check_message(page, i):
    """The text check cell i shows (its output areas' text, as on screen)."""
    shown = cell_node(page, i).locator(".jp-OutputArea-output")
    return "\n".join(shown.nth(k).inner_text().strip() for k in range(shown.count()))


def dismiss_notifications(page):
    """Close JupyterLab's toasts (the "news" question among them): they cover widgets."""
    page.evaluate("() => document.querySelectorAll('.jp-toast-button, .Toastify__close-button')"
                  ".forEach(b => { if (/^(No|Dismiss|×|✕)$/.test((b.textContent || '').trim())"
                  " || b.classList.contains('Toastify__close-button')) b.click(); })")


# Controls in `scope` (a CSS selector; default: widget outputs) whose text does not fit: for each
# visible button, label, select, text/number input or ipywidgets label/readout, returns a record
# when its content is wider than its box (scrollWidth > clientWidth; for inputs and selects the
# text's measured width against the inner width), or when an ancestor that hides overflow cuts it.
# Each output is scrolled into view first: JupyterLab skips the layout of off-screen cells.
_CONTROLS_THAT_DONT_FIT = """async (scope) => {
  const CONTROLS = 'button, select, input, textarea, label, .widget-label, .widget-readout, ' +
                   '.widget-inline-hbox .widget-label-basic, [role=button], summary';
  const canvas = document.createElement('canvas').getContext('2d');
  const textWidth = (text, cs) => {
    canvas.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    return canvas.measureText(text).width;
  };
  const describe = (e) => {
    const t = (e.tagName === 'SELECT') ? (e.selectedOptions[0] || {}).textContent || ''
            : (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA') ? e.value
            : (e.textContent || e.getAttribute('aria-label') || e.title || '');
    return t.trim().replace(/\\s+/g, ' ').slice(0, 80);
  };
  const bad = [], seen = new Set();
  for (const out of document.querySelectorAll(scope)) {
    out.scrollIntoView({block: 'center'});
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    for (const e of out.querySelectorAll(CONTROLS)) {
      if (seen.has(e)) continue;
      seen.add(e);
      if (!e.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      const r = e.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      const cs = getComputedStyle(e);
      const rec = {tag: e.tagName.toLowerCase(), cls: String(e.className && e.className.baseVal !== undefined
                     ? e.className.baseVal : e.className).slice(0, 80), text: describe(e)};
      const type = (e.type || '').toLowerCase();
      if (e.tagName === 'INPUT' && !['text', 'number', 'search', 'email', 'url', ''].includes(type)) continue;
      if (e.tagName === 'SELECT' || e.tagName === 'INPUT') {
        if (e.tagName === 'SELECT' && e.multiple) continue;
        const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
        const need = textWidth(rec.text, cs), room = e.clientWidth - pad;
        if (rec.text && need > room + 1)
          bad.push({...rec, why: 'text wider than the box', need: Math.round(need), room: Math.round(room)});
      } else if (e.scrollWidth > e.clientWidth + 1) {
        bad.push({...rec, why: 'text wider than the box', need: e.scrollWidth, room: e.clientWidth});
      } else if (cs.overflowY !== 'visible' && e.scrollHeight > e.clientHeight + 2) {
        bad.push({...rec, why: 'text taller than the box', need: e.scrollHeight, room: e.clientHeight});
      } else if (e.tagName === 'BUTTON' && cs.overflowX === 'visible' && (e.textContent || '').trim()) {
        const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
        const need = textWidth(e.textContent.trim().replace(/\\s+/g, ' '), cs);
        if (need > e.clientWidth - pad + 1)
          bad.push({...rec, why: 'text spills out of the button', need: Math.round(need),
                    room: Math.round(e.clientWidth - pad)});
      }
      // an ancestor that hides its overflow cuts the control off
      for (let a = e.parentElement; a && a !== out.parentElement; a = a.parentElement) {
        const acs = getComputedStyle(a);
        if (!/hidden|clip/.test(acs.overflowX + acs.overflowY)) continue;
        const ar = a.getBoundingClientRect();
        if (r.right > ar.right + 1 || r.left < ar.left - 1 || r.bottom > ar.bottom + 1 || r.top < ar.top - 1) {
          bad.push({...rec, why: 'cut off by ' + a.tagName.toLowerCase() + '.' +
                    String(a.className).split(' ')[0], need: Math.round(r.width), room: Math.round(ar.width)});
          break;
        }
      }
    }
  }
  return bad;
}"""


def controls_that_dont_fit(page, scope=WIDGET_OUTPUTS):
    """Visible controls in `scope` whose text is clipped: [{tag, cls, text, why, need, room}]."""
    return page.evaluate(_CONTROLS_THAT_DONT_FIT, scope)


def assert_controls_fit(page, scope=WIDGET_OUTPUTS):
    """Every visible control's whole text shows (scrollWidth <= clientWidth, nothing cut off)."""
    bad = controls_that_dont_fit(page, scope)
    assert not bad, "controls whose text does not fit:\n" + "\n".join(
        f"  {b['tag']}.{b['cls'].split(' ')[0]} {b['text']!r}: {b['why']} ({b['need']} > {b['room']} px)"
        for b in bad)


# Pictures (svg, img, canvas) in outputs that are wider than the output area showing them, and
# whether that area scrolls to them (acceptable) or cuts them off (not).
_PICTURES_THAT_DONT_FIT = """async () => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget.content;
  const cellIndex = (e) => nb && nb.widgets ? nb.widgets.findIndex(w => w.node.contains(e)) : -1;
  const bad = [];
  for (const out of document.querySelectorAll('.jp-OutputArea-output')) {
    const pics = [...out.querySelectorAll('svg, img, canvas')].filter(p => !p.closest('button, svg svg')
                  && !(p.tagName === 'svg' && p.parentElement.closest('svg')));
    if (!pics.length) continue;
    out.scrollIntoView({block: 'center'});
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const box = out.getBoundingClientRect();
    for (const p of pics) {
      const r = p.getBoundingClientRect();
      if (r.width < 40 || r.right <= box.right + 1) continue;
      let scrolls = false;
      for (let a = p.parentElement; a && a !== out.parentElement; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (/auto|scroll/.test(cs.overflowX) && a.scrollWidth > a.clientWidth) { scrolls = true; break; }
      }
      bad.push({tag: p.tagName.toLowerCase(), width: Math.round(r.width), room: Math.round(box.width),
                scrolls, cell: cellIndex(out)});
    }
  }
  return bad;
}"""


def pictures_that_dont_fit(page):
    """Pictures in outputs wider than their output area: [{tag, width, room, scrolls, cell}]."""
    return page.evaluate(_PICTURES_THAT_DONT_FIT)


# Every text a person can see in `scope`: text nodes whose element is rendered, not transparent
# (opacity 0 anywhere up the tree, e.g. the stepper's hidden nodes) and not zero-sized, SVG text
# included, plus the values of visible inputs; with `onscreen`, only what is inside the viewport.
_VISIBLE_TEXT = """([scope, onscreen, inputs]) => {
  const out = [];
  const vw = window.innerWidth, vh = window.innerHeight;
  const inView = (r) => r.width > 0 && r.height > 0 &&
    (!onscreen || (r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh));
  for (const root of document.querySelectorAll(scope)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      if (!text) continue;
      const el = n.parentElement;
      if (!el || /^(SCRIPT|STYLE|TITLE|DESC)$/i.test(el.tagName)) continue;
      if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      const range = document.createRange(); range.selectNodeContents(n);
      if (!inView(range.getBoundingClientRect())) continue;
      out.push(text);
    }
    for (const inp of inputs ? root.querySelectorAll('input, textarea') : []) {
      if (!inp.value || ['checkbox', 'radio', 'range', 'hidden'].includes(inp.type)) continue;
      if (inp.checkVisibility({opacityProperty: true}) && inView(inp.getBoundingClientRect())) out.push(inp.value);
    }
  }
  return out;
}"""


def visible_text(page, scope="body", onscreen=False, inputs=True):
    """The texts a person can see in `scope` (CSS selector), one string per text node, in document
    order; SVG labels included, transparent or hidden elements left out; then, with `inputs`, the
    values typed in visible text boxes. `onscreen`: only what is inside the viewport now.
    For "no withheld value on screen" checks."""
    return page.evaluate(_VISIBLE_TEXT, [scope, onscreen, inputs])


# Texts in `scope` cut off at the side: a text node whose words (whitespace left out) reach past the
# left or right edge of an ancestor that clips or scrolls horizontally (overflow-x not visible), or
# of the window.
# One record per (ancestor, element); `scrolls` says whether a scrollbar could bring it into view.
_TEXT_CUT_OFF = """async (scope) => {
  const bad = [], seen = new Set();
  const classes = (e) => String(e.className.baseVal ?? e.className).trim().split(/\\s+/).join('.');
  // The box of the node's words, whitespace left out: in a pre-wrap box (JupyterLab's error output)
  // the space a full line wrapped at hangs past the edge, and hides no letter.
  const inkBox = (n) => {
    let left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
    const range = document.createRange();
    for (const m of n.textContent.matchAll(/\\S+/g)) {
      range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
      const r = range.getBoundingClientRect();
      if (r.width < 1 && r.height < 1) continue;
      left = Math.min(left, r.left); right = Math.max(right, r.right);
      top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
    }
    return left === Infinity ? null : {left, right, width: right - left, height: bottom - top};
  };
  for (const root of document.querySelectorAll(scope)) {
    root.scrollIntoView({block: 'center'});
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim(), el = n.parentElement;
      if (!text || !el || seen.has(el) || /^(SCRIPT|STYLE|TITLE|DESC)$/i.test(el.tagName)) continue;
      if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      const r = inkBox(n);
      if (!r || r.width < 1 || r.height < 1) continue;
      for (let a = el; a; a = a.parentElement) {
        const cs = getComputedStyle(a);
        const isRoot = a === document.documentElement;
        if (!isRoot && cs.overflowX === 'visible') continue;
        const ar = isRoot ? {left: 0, right: window.innerWidth} : a.getBoundingClientRect();
        if (r.right > ar.right + 1 || r.left < ar.left - 1) {
          seen.add(el);
          bad.push({text: text.slice(0, 60), tag: el.tagName.toLowerCase(), cls: classes(el).slice(0, 60),
                    clipper: isRoot ? 'window' : (a.tagName.toLowerCase() + '.' + classes(a)).slice(0, 70),
                    scrolls: !isRoot && /auto|scroll/.test(cs.overflowX),
                    past: Math.round(Math.max(r.right - ar.right, ar.left - r.left))});
          break;
        }
      }
    }
  }
  return bad;
}"""


def text_cut_off(page, scope=WIDGET_OUTPUTS):
    """Visible texts in `scope` that reach past the side of a box that clips or scrolls them, or of
    the window: [{text, tag, cls, clipper, scrolls, past (px)}]. SVG labels count too."""
    return page.evaluate(_TEXT_CUT_OFF, scope)


# Icon fonts (Font Awesome in ipywidgets buttons) put a private-use glyph into the accessible name.
_ICON_GLYPHS = "[\ue000-\uf8ff\\s]*"


def cell_index(page, source, start=0):
    """The index of the open notebook's first cell (from `start` on) whose source contains `source`."""
    index = page.evaluate("""([src, start]) => window.jupyterapp.shell.currentWidget.content.widgets
                               .findIndex((c, i) => i >= start && c.model.sharedModel.getSource().includes(src))""",
                          [source, start])
    assert index >= 0, f"no cell contains {source!r}"
    return index


def output_text(page, index):
    """What code cell `index` shows in its output area, as shown (no prompt numbers), stripped."""
    scroll_to_cell(page, index, "center")
    return page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                         ".outputArea.node.innerText", index).strip()


def run_cells(page, sources, check):
    """Put {cell index: source} into the answer cells, then run every cell from the first of them to
    the check cell `check` (Shift+Enter on each, as a student does); return what the check shows."""
    for i, src in sources.items():
        page.evaluate("([i, src]) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                      ".model.sharedModel.setSource(src)", [i, src])
    page.evaluate("""async ([first, last]) => { const p = window.jupyterapp.shell.currentWidget;
      for (let i = first; i <= last; i++) { p.content.activeCellIndex = i;
        await window.jupyterapp.commands.execute('notebook:run-cell'); } }""", [min(sources), check])
    page.wait_for_timeout(100)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.isBusy", timeout=90_000)
    page.wait_for_timeout(150)
    return output_text(page, check)


def hints_to_the_end(page, tag):
    """Click every Hints button of the notebook to the end, by its accessible name ("Show a hint (k of
    n)"); return {hint cell index: [hint texts]}. `tag` marks the cells (data-hints) for locating them."""
    from playwright.sync_api import expect
    found = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .map((c, i) => [i, c.model.sharedModel.getSource()]).filter(([, s]) => s.startsWith('Hints('))
        .map(([i]) => i)""")
    shown = {}
    for index in found:
        scroll_to_cell(page, index, "center")
        page.evaluate("([i, t]) => { window.jupyterapp.shell.currentWidget.content.widgets[i].node.dataset.hints = t; }",
                      [index, f"{tag}{index}"])
        scope = page.locator(f"[data-hints={tag}{index}]")
        button = scope.get_by_role("button", name=re.compile(r"Show a hint \(1 of (\d+)\)"))
        total = int(re.search(r"of (\d+)", button.inner_text()).group(1))
        for k in range(total):
            control(scope, f"Show a hint ({k + 1} of {total})").click()     # (waits for the button's new name)
        # (expect waits: the last click's update may still be on its way)
        expect(control(scope, f"All {total} hints shown")).to_be_disabled(timeout=10_000)
        shown[index] = scope.locator(".cgraph-hints li").all_inner_texts()
        assert len(shown[index]) == total, shown[index]
    return shown


def numbers_in(texts):
    """Every number written in texts (for "no hint shows the answer's number")."""
    return {float(x) for t in texts for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", t)}


def module_page(browser):
    """A generator for a module-scoped `page` fixture (``yield from module_page(browser)``): one
    JupyterLab page in which the module's notebooks open in turn (open_in_page), which spares a
    JupyterLab start per notebook; the light theme is restored at the end (the server keeps it)."""
    page = new_page(browser, 1440, 900)
    yield page
    if page.url.startswith("http") and current_theme(page) == "dark":
        set_theme(page, "light")
    page.context.close()


def open_in_page(page, lab, rel, size, subdir):
    """Open a copy of notebook `rel` (in tests/artifacts/<subdir>/nb_test) in `page` -- the first by
    its URL, the next ones as JupyterLab's File > Open does, in place of the one before -- at
    viewport `size`, Run All, and wait until every code cell has run."""
    path = copy_notebook(lab, rel, f"{subdir}/nb_test")
    set_viewport(page, size)
    open_and_run_all(page, lab, path)
    page.wait_for_function(ALL_RAN, timeout=180_000)
    dismiss_notifications(page)
    return page


def first_stepper(page):
    """The page's first GraphStepper, once its graph is drawn, scrolled into view."""
    stepper = page.locator(".cgraph-stepper").first
    stepper.locator("svg g.node").first.wait_for(state="attached", timeout=60_000)
    stepper.scroll_into_view_if_needed()
    return stepper


def stepper_node(stepper, label):
    """The graph node whose tooltip (its accessible title) starts with `label` followed by ' ('."""
    return stepper.locator("g.node").filter(has_text=re.compile(r"^\s*" + re.escape(label) + r" \("))


# A GraphStepper's inspector with no node clicked (a note and the node colours' key): what is not
# whole on screen. Each key entry must lie inside the inspector's visible box, the inspector inside
# the body (graph | side column) and above the legend row, whose entries it must not overlap (W9_10).
_STEPPER_KEY_FAULTS = """(el) => {
  const box = (e) => e.getBoundingClientRect(), bad = [];
  const insp = el.querySelector('.cg-inspector'), body = el.querySelector('.cg-body');
  const i = box(insp), view = {top: i.top + insp.clientTop, left: i.left + insp.clientLeft};
  view.bottom = view.top + insp.clientHeight; view.right = view.left + insp.clientWidth;
  const inside = (r, o) => r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5 && r.left >= o.left - 0.5 &&
                           r.right <= o.right + 0.5;
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const items = [...insp.querySelectorAll('.cgi-key > *')];
  if (!items.length) bad.push('no colour key in the inspector');
  for (const k of items) if (!inside(box(k), view)) bad.push(`key "${k.textContent}" not whole in the inspector`);
  if (!inside(i, box(body))) bad.push(`the inspector reaches out of the body (${i.bottom} > ${box(body).bottom})`);
  for (const item of el.querySelectorAll('.cg-legend-item'))
    if (meets(box(item), i)) bad.push(`legend entry "${item.textContent}" overlaps the inspector`);
  return bad;
}"""


def stepper_key_faults(stepper):
    """What is not whole of a GraphStepper's colour key (no node clicked): [] when every entry is
    inside the inspector's visible box and nothing overlaps the inspector."""
    return stepper.evaluate(_STEPPER_KEY_FAULTS)


# Words of `scope`'s text that a line break splits ("gr|adient", "y.back|ward()"), at most 10: a word
# is a run of characters other than spaces up to a hyphen or slash (after which a line may break).
_SPLIT_WORDS = """(scope) => {
  const split = [], roots = document.querySelectorAll(scope);
  if (!roots.length) throw new Error(`split_words: nothing on the page matches ${scope}`);
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      for (const m of n.textContent.matchAll(/[^\\s\\-\\/]+[\\-\\/]?/g)) {
        range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1 && split.length < 10) split.push(m[0]);
      }
  }
  return split;
}"""


def split_words(page, scope):
    """Words in `scope` (a CSS selector, which must match: JupyterLab takes cells far out of view off the
    page) broken across two lines: []."""
    return page.evaluate(_SPLIT_WORDS, scope)


def stepper_step(stepper):
    """The step a GraphStepper shows (its counter reads "step k / n")."""
    return int(re.search(r"step (\d+) / \d+", stepper.locator(".cg-counter").inner_text()).group(1))


def press_in_stepper(stepper, key, times=1, settle_ms=300):
    """Press `key` in a GraphStepper, focused as a student does: a click on its caption; then give the
    kernel `settle_ms` to answer (the inspector, predict mode's questions). A step's caption, counter and
    colours are drawn in the key's own handler (the frames are in the page): a test that reads only
    those may pass settle_ms=0."""
    stepper.locator(".cg-caption").click()
    for _ in range(times):
        stepper.page.keyboard.press(key)
    if settle_ms:
        stepper.page.wait_for_timeout(settle_ms)


def control(scope, name, role="button", exact=True):
    """The control whose accessible name is `name` (how screen readers and keyboard users find it),
    in `scope` (a page or a locator). `exact`: the whole name, ignoring an icon-font glyph and
    spaces around it; otherwise a case-insensitive substring."""
    if exact:
        return scope.get_by_role(role, name=re.compile(f"^{_ICON_GLYPHS}{re.escape(name)}{_ICON_GLYPHS}$"))
    return scope.get_by_role(role, name=name, exact=False)


# Visible buttons, inputs and selects with no accessible name (no text, aria-label, aria-labelledby,
# title or <label>): a screen reader announces them as just "button". A name of zero-width spaces
# only counts as none (JavaScript's trim() keeps U+200B, which ipywidgets puts into the aria-label of
# a checkbox whose description is empty: walk 9's W9_1 and W9_18).
_UNNAMED_CONTROLS = """(scope) => {
  const bad = [];
  const said = (text) => (text || '').replace(/[\\u200b-\\u200d\\u2060\\ufeff]/g, '').trim();
  const byIds = (ids) => (ids || '').split(/\\s+/).map(id => id && document.getElementById(id))
    .map(e => e ? e.textContent : '').join(' ');
  for (const root of document.querySelectorAll(scope)) {
    for (const e of root.querySelectorAll('button, input, select, textarea, [role=button], [role=slider]')) {
      if (e.type === 'hidden' || !e.checkVisibility({visibilityProperty: true})) continue;
      // (as browsers name it: aria-labelledby first, then a non-blank aria-label, then the rest)
      const labelledBy = byIds(e.getAttribute('aria-labelledby')), aria = e.getAttribute('aria-label') || '';
      const named = labelledBy.trim() ? said(labelledBy) : aria.trim() ? said(aria) :
        said(e.title) || (e.labels && [...e.labels].some(l => said(l.textContent))) ||
        (['BUTTON', 'SUMMARY'].includes(e.tagName) || e.getAttribute('role') === 'button') &&
          said(e.textContent) || (e.type === 'submit' && said(e.value));
      if (!named) bad.push({tag: e.tagName.toLowerCase(), type: e.type || '', cls: String(e.className).slice(0, 80),
                            html: e.outerHTML.slice(0, 160)});
    }
  }
  return bad;
}"""


def unnamed_controls(page, scope=WIDGET_OUTPUTS):
    """Visible controls in `scope` without an accessible name: [{tag, type, cls, html}]."""
    return page.evaluate(_UNNAMED_CONTROLS, scope)


def save_screenshot(page, name, subdir=None, locator=None, full_page=False):
    """Save a PNG to tests/artifacts/[subdir/]name(.png): the viewport, the whole page, or one
    element (`locator`); return its path."""
    folder = ARTIFACTS / subdir if subdir else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name if name.endswith(".png") else name + ".png")
    if locator is not None:
        locator.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path


# --- a notebook as jupyterlab-rise slides, run as a lecturer does -----------------------------------

SLIDE_SHOWN = ".reveal .slides section.present:not(.stack)"   # the slide shown (not its vertical stack)
_NOTHING_RUNS = "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"


def open_slides(browser, lab, rel, subdir, width=1280, height=720):
    """A new page (close it with page.context.close()) showing a copy of notebook `rel`, written to
    tests/artifacts/<subdir>/<name>_slides.ipynb, as jupyterlab-rise slides, once reveal.js is ready.
    Its kernel is fresh: nothing has run."""
    import shutil
    copy = ARTIFACTS / subdir / f"{Path(rel).stem}_slides.ipynb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / rel, copy)
    page = new_page(browser, width, height)
    page.goto(f"{lab.base}/rise/{copy.relative_to(ROOT).as_posix()}?token={lab.token}")
    page.wait_for_selector(".reveal.ready", timeout=120_000)
    return page


def run_slides_until(page, selector, presses=12):
    """From the setup cell on the title slide (the torch switch), Shift+Enter as a lecturer does (each
    runs a code cell, or shows the next, and moves on) until `selector` is on the page, at most
    `presses` times."""
    from playwright.sync_api import expect
    page.wait_for_selector(".reveal.ready .jp-CodeCell", timeout=120_000)
    setup = page.locator(f"{SLIDE_SHOWN} .jp-CodeCell").filter(has_text="from widgets.torch_switch import torch")
    expect(setup).to_be_visible(timeout=30_000)          # on the title slide, to be run there
    setup.first.click()
    # (the first Shift+Enter runs the active cell: on a busy machine the click can take effect late, and
    # the press then ran the next cell instead, so every later one raised "name 'torch' is not defined")
    expect(setup.first).to_have_class(re.compile(r"\bjp-mod-active\b"), timeout=30_000)
    for _ in range(presses):
        page.keyboard.press("Shift+Enter")
        page.wait_for_timeout(300)
        page.wait_for_function(_NOTHING_RUNS, timeout=120_000)
        if page.locator(selector).count():
            return


def show_slide_of(page, selector):
    """Go to the slide that holds the first `selector` (reveal.js's address #/h/v); its element there."""
    from playwright.sync_api import expect
    page.evaluate("""(selector) => { const s = document.querySelector(selector).closest('section');
                                     location.hash = '#/' + s.id.replace(/^slide-/, '').replace('-', '/'); }""",
                  selector)
    shown = page.locator(f"{SLIDE_SHOWN} {selector}").first
    expect(shown).to_be_visible(timeout=30_000)
    return shown


def notebook_cell(notebook, text):
    """The source of the first code cell of `notebook` (repo-relative) that contains `text`: a scratch
    notebook runs a lecture's cell as the lecture writes it, without the rest of the lecture."""
    cells = json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"]
    return next("".join(c["source"]) for c in cells if c["cell_type"] == "code" and text in "".join(c["source"]))


def scratch_notebook(lab, sources, subdir, name):
    """A notebook of one code cell per source in tests/artifacts/<subdir>/nb_test/<worker>/<name> (each
    xdist worker's lab autosaves its own); its repo-relative path."""
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{k}", "metadata": {},
                     "outputs": [], "source": src} for k, src in enumerate(sources)],
          "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                      "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = ARTIFACTS / subdir / "nb_test" / os.environ.get("PYTEST_XDIST_WORKER", "") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path.relative_to(lab.root).as_posix()


# Counts in window.__mplFrames the frames ipympl's views paint: each received image is copied onto the
# visible canvas with drawImage (page.add_init_script: installed before any page script runs).
COUNT_MPL_FRAMES = """
(() => {
  window.__mplFrames = 0;
  const orig = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const c = this.canvas;
    if (c && c.closest && c.closest('.jupyter-matplotlib-canvas-div')) window.__mplFrames++;
    return orig.apply(this, args);
  };
})();"""


def copy_notebook(lab, rel, subdir="journey"):
    """Copy notebook `rel` (repo-relative) to tests/artifacts/<subdir>/ and return the copy's
    repo-relative path: JupyterLab autosaves what it runs, and the committed notebooks stay clean."""
    import shutil
    # each xdist worker runs its own lab, and two labs autosaving one file would fight over it
    dest = ARTIFACTS / subdir / os.environ.get("PYTEST_XDIST_WORKER", "") / Path(rel).name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.root / rel, dest)
    return dest.relative_to(lab.root).as_posix()


# The pictures (canvas, img, top-level svg) visible in `scope`, as element handles' indices.
# (ipympl stacks two canvases of the same size: one picture.)
_PICTURES_IN = """(scope) => {
  const out = [], boxes = new Set();
  document.querySelectorAll(scope).forEach(root => root.querySelectorAll('canvas, img, svg').forEach(p => {
    if (p.tagName.toLowerCase() === 'svg' && (p.parentElement.closest('svg') || p.closest('button'))) return;
    const r = p.getBoundingClientRect(), key = [r.x, r.y, r.width, r.height].map(Math.round).join();
    if (r.width < 80 || r.height < 80 || boxes.has(key)) return;
    if (!p.checkVisibility({opacityProperty: true, visibilityProperty: true})) return;
    boxes.add(key);
    out.push(p);
  }));
  return out;
}"""


def light_blocks(page, scope=WIDGET_OUTPUTS, max_light_fraction=0.5, settle_s=0):
    """Pictures in `scope` that are mostly near-white (luminance > 0.85): in a dark theme, a white
    block a student cannot look at. Each picture is scrolled into view and screenshotted on its
    own. Returns [{tag, cls, width, height, light_fraction}] for those above `max_light_fraction`.
    settle_s: a picture the kernel redraws for the new theme (a matplotlib figure) takes a round
    trip; look again each second for up to that long before calling what is left a white block."""
    deadline = time.time() + settle_s
    while True:
        found = _light_blocks_now(page, scope, max_light_fraction)
        if not found or time.time() > deadline:
            return found
        page.wait_for_timeout(1000)


def _light_blocks_now(page, scope, max_light_fraction):
    import io

    from PIL import Image
    found = []
    handles = page.evaluate_handle(_PICTURES_IN, scope)
    for prop in handles.get_properties().values():
        el = prop.as_element()
        if el is None:
            continue
        el.scroll_into_view_if_needed()
        shot = Image.open(io.BytesIO(el.screenshot())).convert("L")
        histogram = shot.histogram()                # 256 grey levels
        light = sum(histogram[218:]) / max(1, sum(histogram))
        if light > max_light_fraction:
            tag, cls = el.evaluate("e => [e.tagName.toLowerCase(), String(e.className.baseVal ?? e.className)]")
            found.append({"tag": tag, "cls": cls[:60], "width": shot.width, "height": shot.height,
                          "light_fraction": round(light, 2)})
    handles.dispose()
    return found
