"""Shared fixtures for real-browser tests: one JupyterLab server (127.0.0.1, token auth on) and one
headless Debian Chromium driven by Playwright, for the whole test session.

Use in a test module:   pytestmark = pytest.mark.browser
                        def test_x(lab, browser_page): open_and_run_all(browser_page, lab, "notebooks/x.ipynb")
The fixtures are registered for every test module by tests/conftest.py (pytest_plugins).
`browser_page` collects JavaScript console errors and page errors in `page.console_errors`;
`assert_no_widget_errors(page)` checks them and the "Error displaying widget" text.
"""
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server rooted at the repo; notebooks are opened by repo-relative path."""
    port, token = _free_port(), secrets.token_hex(16)
    ws = tmp_path_factory.mktemp("ws")
    settings = tmp_path_factory.mktemp("settings")
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}",        # token auth stays on; the test knows it
           f"--ServerApp.root_dir={ROOT}",
           "--LabApp.expose_app_in_browser=True",       # window.jupyterapp, to read kernel status
           f"--LabApp.workspaces_dir={ws}", f"--LabApp.user_settings_dir={settings}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = tmp_path_factory.mktemp("log") / "lab.log"
    log = open(log_path, "w")
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.terminate()
                raise RuntimeError(f"jupyter lab did not start; see {log_path}:\n"
                                   + log_path.read_text()[-3000:])
            time.sleep(0.5)
    yield Lab(base, token, ROOT)
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    # module scope: Playwright's sync API runs an event loop in this thread while it is alive, and
    # other modules' nbclient runs (asyncio.run) must not find it there
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def browser_page(browser):
    """A fresh page whose console errors and uncaught exceptions are collected."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


# The notebook at `path` is the current widget, has a kernel, and that kernel is idle.
KERNEL_IDLE = """(path) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path) return false;
  const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && !w.sessionContext.isBusy;
}"""


def open_and_run_all(page, lab, path, timeout_ms=180_000):
    """Open notebook `path` (repo-relative) in JupyterLab, run all cells, wait for the kernel."""
    page.goto(lab.url(path))
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(500)
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=timeout_ms)


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
