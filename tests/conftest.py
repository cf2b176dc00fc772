"""Shared test fixtures. Keep this file small: put fixtures for one area in
that area's own test module (or a conftest in a subfolder).

Markers (registered in pyproject.toml): ``browser`` for tests that drive a
real headless Chromium, ``slow`` for tests that take more than a few seconds.
Nothing is skipped by default; select with ``-m`` (e.g. ``-m "not browser"``).
"""

import os
import sys
from pathlib import Path

# numpy's BLAS (OpenBLAS) on one thread in the test processes, their xdist workers and the kernels they
# start (set before numpy loads, and inherited): two workers on two cores, each with two OpenBLAS
# threads that spin while they wait, made a convolution tutorial take 13 s of CPU instead of 2.4 s.
# (Products come out the same: OpenBLAS splits a product's rows and columns between threads, not its sums.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (CI included): a run fails only for a change,
# never for a new draw. A test's own @settings keep this unless they say otherwise. Explore with
# `pytest --hypothesis-profile=explore` (random draws).
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``tests/artifacts/``, git-ignored: screenshots and other files a person may look at."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR


# torch's thread count decides how its reductions add up, and the tests compare with torch's own
# results: a test module that changes it (when imported, or in a test) must put it back.
_TORCH_THREADS = {}


def _torch_threads():
    torch = sys.modules.get("torch")
    return None if torch is None else torch.get_num_threads()


def pytest_sessionstart(session):
    try:
        import torch
    except ImportError:  # (the guard below then has nothing to guard)
        return
    _TORCH_THREADS["start"] = torch.get_num_threads()


def pytest_collection_finish(session):
    start, now = _TORCH_THREADS.get("start"), _torch_threads()
    if start is not None and now != start:
        raise pytest.UsageError(f"importing the test modules changed torch's thread count from {start} to {now}")


@pytest.fixture(autouse=True, scope="module")
def _torch_threads_left_alone(request):
    before = _torch_threads()
    yield
    after = _torch_threads()
    assert before is None or after == before, (f"{request.module.__name__} changed torch's thread count "
                                               f"from {before} to {after}")


# An IPython shell made in this process (ipywidgets' Output.append_display_data makes one:
# InteractiveShell.instance()) stays for every later test of the same xdist worker: get_ipython()
# finds it, and code that asks whether it runs in a kernel (widgets.reveal displays through the shell
# when there is one) then behaves as in IPython in whichever tests that worker happens to run next.
# test_reveal failed so, now and then, after test_lecture's switch test had made one. A test module
# that makes a shell must clear it (InteractiveShell.clear_instance()).
def _ipython_shell():
    shell = sys.modules.get("IPython.core.interactiveshell")
    return shell is not None and shell.InteractiveShell.initialized()


@pytest.fixture(autouse=True, scope="module")
def _no_ipython_shell_left(request):
    before = _ipython_shell()
    yield
    assert before or not _ipython_shell(), (
        f"{request.module.__name__} left an IPython InteractiveShell in this process: get_ipython() "
        "finds it in the tests this worker runs next")


# Real-browser fixtures (lab, browser, browser_page) shared by every browser test module.
pytest_plugins = ["lab_browser"]


# The longest modules first (worker-seconds measured 2026-12-05, both suites on 2 workers): xdist hands
# out tests (and, for the browser tests' --dist loadfile, whole modules) in collection order, and a long
# module handed out last keeps one worker busy after the other has finished. Only the order changes.
LONGEST_FIRST = [
    # browser modules, ~100-420 s each
    "test_journey_lectures_browser.py", "test_journey_nbfix_browser.py", "test_regression_browser.py",
    "test_journey_walk7_browser.py", "test_journey_walk4_browser.py", "test_stepper_browser.py",
    "test_journey_walk6_browser.py", "test_journey_walk12ui_browser.py", "test_journey_walk12_browser.py",
    "test_journey_walk8_browser.py", "test_exercises_browser.py", "test_render_browser.py",
    # others: a module fixture or a test of 50-180 s
    "test_official_tutorials.py", "test_resnet.py", "test_student.py", "test_seed_programs.py",
    "test_reveal.py", "test_notebooks.py", "test_regression_settings.py", "test_tutorial_programs.py",
]


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # (stable: a module's tests keep their order)
