"""Shared test fixtures. Keep this file small: put fixtures for one area in
that area's own test module (or a conftest in a subfolder).

Markers (registered in pyproject.toml): ``browser`` for tests that drive a
real headless Chromium, ``slow`` for tests that take more than a few seconds.
Nothing is skipped by default; select with ``-m`` (e.g. ``-m "not browser"``).
"""

from pathlib import Path

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


# Real-browser fixtures (lab, browser, browser_page) shared by every browser test module.
pytest_plugins = ["lab_browser"]
