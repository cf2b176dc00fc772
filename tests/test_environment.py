"""The setup files agree with each other and with what the project promises.

- environment.yml (conda, Binder) names the same packages as pyproject's
  runtime dependencies plus the ``lab`` extra, checked both ways;
- torch is pinned exactly (``torch==2.13.0``) in the test extra, and nothing
  asks for a torch that pip could fetch as a multi-GB CUDA build;
- the wheel carries both import packages and the widgets' JS/CSS, and the
  editable install in this environment points at this checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO_ROOT = Path(__file__).resolve().parent.parent
TORCH_PIN = "==2.13.0"

# conda-forge name -> PyPI name. None: not a Python distribution (a program such
# as Graphviz's `dot`, or the interpreter and installer of the environment).
CONDA_TO_PIP = {
    "python-graphviz": "graphviz",
    "graphviz": None,
    "python": None,
    "pip": None,
}
# Packages that would drag in an unpinned torch (and have no CPU build here).
TORCH_COMPANIONS = {"torchvision", "torchaudio"}


# --- helpers -----------------------------------------------------------------


def canonical(name: str) -> str:
    """PEP 503 normal form: case and runs of - _ . do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def conda_spec_name(spec: str) -> str:
    """Name in a conda match spec: 'numpy>=1.23', 'python=3.11', 'conda-forge::voila 0.5'."""
    spec = spec.split("::")[-1]
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)", spec)
    if not match:
        raise ValueError(f"cannot read a package name from conda spec {spec!r}")
    return canonical(match.group(1))


def load_pyproject(root: Path = REPO_ROOT) -> dict:
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def load_environment(text: str | None = None) -> dict:
    if text is None:
        text = (REPO_ROOT / "environment.yml").read_text(encoding="utf-8")
    env = yaml.safe_load(text)
    assert isinstance(env, dict), "environment.yml must be a YAML mapping"
    return env


def all_requirements(pyproject: dict) -> dict[str, list[Requirement]]:
    """Every requirement list of the project: build, runtime and each extra."""
    project = pyproject["project"]
    groups = {
        "build-system.requires": pyproject.get("build-system", {}).get("requires", []),
        "dependencies": project.get("dependencies", []),
    }
    for extra, reqs in project.get("optional-dependencies", {}).items():
        groups[f"extra {extra!r}"] = reqs
    return {group: [Requirement(r) for r in reqs] for group, reqs in groups.items()}


def extra_names(pyproject: dict, extra: str, _seen: frozenset = frozenset()) -> set[str]:
    """Canonical names an extra installs, following self-references like cgraph-lab[lab]."""
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {})
    assert extra in extras, f"pyproject.toml has no extra {extra!r}"
    own = canonical(project["name"])
    names: set[str] = set()
    for req in map(Requirement, extras[extra]):
        if canonical(req.name) == own:
            for inner in req.extras - _seen:
                names |= extra_names(pyproject, inner, _seen | {extra})
        else:
            names.add(canonical(req.name))
    return names


def runtime_names(pyproject: dict) -> set[str]:
    return {canonical(Requirement(r).name) for r in pyproject["project"].get("dependencies", [])}


def conda_side(env: dict) -> tuple[set[str], set[str], list[str]]:
    """(PyPI names of the conda packages, raw conda names, entries of the pip: section)."""
    pip_names: set[str] = set()
    conda_names: set[str] = set()
    pip_section: list[str] = []
    for dep in env.get("dependencies") or []:
        if isinstance(dep, dict):
            assert set(dep) == {"pip"}, f"unexpected mapping in dependencies: {dep!r}"
            pip_section.extend(str(x) for x in dep["pip"] or [])
            continue
        name = conda_spec_name(str(dep))
        conda_names.add(name)
        mapped = CONDA_TO_PIP.get(name, name)
        if mapped is not None:
            pip_names.add(canonical(mapped))
    return pip_names, conda_names, pip_section


def differences(conda: set[str], pip: set[str]) -> list[str]:
    """Human-readable differences, both ways; empty when the two sets agree."""
    problems = []
    if pip - conda:
        problems.append(f"in pyproject (dependencies + lab extra) but not in environment.yml: {sorted(pip - conda)}")
    if conda - pip:
        problems.append(f"in environment.yml but not in pyproject (dependencies + lab extra): {sorted(conda - pip)}")
    return problems


# --- environment.yml vs pyproject ---------------------------------------------


def test_environment_yml_parses():
    env = load_environment()
    assert env.get("name") == "cgraph-lab"
    assert env.get("channels") and env["channels"][0] == "conda-forge"
    _, conda_names, _ = conda_side(env)
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    assert any(re.fullmatch(r"python\s*=+\s*3\.11(\.\*)?", s.replace(" ", "")) for s in specs), specs
    assert "pip" in conda_names, "a pip: section needs pip itself in the environment"


def test_environment_yml_matches_lab_extra():
    pyproject = load_pyproject()
    conda, _, _ = conda_side(load_environment())
    pip = runtime_names(pyproject) | extra_names(pyproject, "lab")
    assert differences(conda, pip) == []


def test_the_comparison_can_fail_both_ways():
    """The check above is not vacuous: an environment.yml that drifted is caught."""
    pyproject = load_pyproject()
    pip = runtime_names(pyproject) | extra_names(pyproject, "lab")
    drifted = load_environment(
        textwrap.dedent(
            """
            name: cgraph-lab
            channels: [conda-forge]
            dependencies:
              - python=3.11
              - pip
              - NumPy >=1.23
              - jupyterlab>=4
              - ipywidgets
              - anywidget
              - ipympl
              - matplotlib
              - graphviz
              - nbformat
              - scipy
              - pip: ["-e ."]
            """
        )
    )
    conda, _, _ = conda_side(drifted)
    problems = differences(conda, pip)
    assert len(problems) == 2, problems
    assert "'graphviz'" in problems[0] and "'voila'" in problems[0]  # python-graphviz and voila missing
    assert "'scipy'" in problems[1]
    assert "numpy" in conda  # case and specifiers were normalised away


@pytest.mark.parametrize(
    "spec, name",
    [
        ("numpy", "numpy"),
        ("NumPy>=1.23", "numpy"),
        ("python=3.11", "python"),
        ("python-graphviz >=0.20", "python-graphviz"),
        ("conda-forge::jupyter_server 2.*", "jupyter-server"),
    ],
)
def test_conda_spec_name(spec, name):
    assert conda_spec_name(spec) == name


def test_environment_yml_installs_the_repo():
    _, _, pip_section = conda_side(load_environment())
    assert any(e.split() in (["-e", "."], ["."], ["-e", ".[lab]"], [".[lab]"]) for e in pip_section), pip_section


def test_dot_program_for_conda_and_binder():
    _, conda_names, _ = conda_side(load_environment())
    assert "graphviz" in conda_names, "conda's `graphviz` package provides the dot program"
    apt = (REPO_ROOT / "apt.txt").read_text(encoding="utf-8").split()
    assert "graphviz" in apt


# --- pyproject ----------------------------------------------------------------


def test_one_distribution_two_packages():
    pyproject = load_pyproject()
    project = pyproject["project"]
    assert project["name"] == "cgraph-lab"
    assert project["requires-python"] == ">=3.10"
    assert runtime_names(pyproject) == {"numpy"}, "the engine's only runtime dependency is numpy"
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert sorted(packages) == ["autograd_core", "widgets"]


def test_extras():
    pyproject = load_pyproject()
    lab = extra_names(pyproject, "lab")
    test = extra_names(pyproject, "test")
    assert {"jupyterlab", "ipywidgets", "anywidget", "ipympl", "matplotlib", "graphviz", "voila", "nbformat"} <= lab
    assert {"pytest", "pytest-xdist", "hypothesis", "torch", "nbclient", "nbmake", "playwright", "pyyaml", "pillow"} <= test
    assert lab <= test, f"`make test` must have everything `make lab` has; missing: {sorted(lab - test)}"
    assert {"nbgrader", "jupyterlab-rise"} <= extra_names(pyproject, "instructor")


def test_test_extra_pins_torch_exactly():
    reqs = [Requirement(r) for r in load_pyproject()["project"]["optional-dependencies"]["test"]]
    torch = [r for r in reqs if canonical(r.name) == "torch"]
    assert len(torch) == 1, [str(r) for r in torch]
    (req,) = torch
    assert str(req.specifier) == TORCH_PIN and not req.extras and req.marker is None and req.url is None, str(req)


def test_no_unpinned_torch_anywhere():
    problems = []
    for group, reqs in all_requirements(load_pyproject()).items():
        for req in reqs:
            name = canonical(req.name)
            if name == "torch" and (str(req.specifier) != TORCH_PIN or req.url):
                problems.append(f"{group}: {req} (must be exactly torch{TORCH_PIN})")
            if name in TORCH_COMPANIONS:
                problems.append(f"{group}: {req} (pulls torch from the registry)")
    pip_names, conda_names, pip_section = conda_side(load_environment())
    for name in {"torch", "pytorch", *TORCH_COMPANIONS} & (pip_names | conda_names):
        problems.append(f"environment.yml: {name} (the lab environment does not need torch)")
    for entry in pip_section:
        if re.match(r"\s*(torch|torchvision|torchaudio)\b", entry, re.I):
            problems.append(f"environment.yml pip: {entry}")
    assert problems == []


def test_pytest_configuration():
    ini = load_pyproject()["tool"]["pytest"]["ini_options"]
    assert ini["testpaths"] == ["tests"]
    assert "-ra" in ini["addopts"]
    registered = {m.split(":")[0].strip() for m in ini["markers"]}
    assert {"browser", "slow"} <= registered
    assert not any(opt.startswith(("-m", "--skip")) for opt in ini["addopts"]), "no suite is skipped by default"


def test_ci_entry_point_is_executable():
    run = REPO_ROOT / ".ci" / "run"
    assert os.access(run, os.X_OK)
    text = run.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text and "make test" in text


# --- installed and built ------------------------------------------------------


def test_editable_install_points_at_this_checkout(tmp_path):
    """`pip install -e .` put this checkout on sys.path (checked outside the repo's cwd)."""
    code = (
        "import importlib.metadata as m, widgets; "
        "print(widgets.__file__); print(m.version('cgraph-lab'))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert Path(out[0]).resolve() == REPO_ROOT / "widgets" / "__init__.py"
    assert out[1] == load_pyproject()["project"]["version"]


@pytest.mark.slow
def test_wheel_and_sdist_ship_packages_and_static_files(tmp_path):
    """Build from a scratch tree shaped like the repo: .py, .js and .css files go in."""
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    files = {
        "autograd_core/__init__.py": "",
        "widgets/__init__.py": "",
        "widgets/static/graph_stepper.js": "export default { render() {} };\n",
        "widgets/static/graph_stepper.css": ".cg-node { fill: var(--jp-layout-color1); }\n",
        "widgets/__pycache__/junk.cpython-311.pyc": "",
        "tests/test_nothing.py": "",
        "tests/artifacts/shot.png": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    build = (
        "import hatchling.build as b; "
        "print(b.build_wheel('dist')); print(b.build_sdist('dist'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", build], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    wheel_name, sdist_name = out.stdout.split()[-2:]

    with zipfile.ZipFile(tmp_path / "dist" / wheel_name) as wheel:
        names = set(wheel.namelist())
    for rel in ("autograd_core/__init__.py", "widgets/__init__.py",
                "widgets/static/graph_stepper.js", "widgets/static/graph_stepper.css"):
        assert rel in names, sorted(names)
    assert not any(n.startswith("tests/") or "__pycache__" in n for n in names), sorted(names)

    with tarfile.open(tmp_path / "dist" / sdist_name) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"pyproject.toml", "widgets/static/graph_stepper.js", "tests/test_nothing.py"} <= names
    assert not any("artifacts" in n or "__pycache__" in n for n in names), sorted(names)
