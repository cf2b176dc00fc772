"""The lecture and exercise notebooks: in step with their sources (notebook_sources/, built by
scripts/build_notebooks.py, whose own test is tests/test_build_notebooks.py), well-formed, and
executed top to bottom in a fresh kernel -- twice for notebooks that run on both backends
(autograd_core and real PyTorch, chosen by CGRAPH_BACKEND through widgets.torch_switch), whose
printed text must then agree.

Cells tagged "backend-specific" (random numbers, timings) are executed but not compared. The
exercises run twice more: the instructor versions (instructor/) pass every check; the student
copies (notebooks/exercises/) fail each check with one short message and still show every hint.
"""
import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))
import build_notebooks  # noqa: E402


def notebooks_in(folder):
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


STUDENT_FACING = notebooks_in("notebooks")            # what `make lab` serves
INSTRUCTOR = notebooks_in("instructor")               # the exercises with their solutions
ALL = sorted(STUDENT_FACING + INSTRUCTOR)
CELL_TIMEOUT = 60          # seconds: the per-cell budget
NOTEBOOK_BUDGET = 150      # seconds: a whole notebook (a guard against hangs; they take 2-20 s)
SKIP_COMPARE = "backend-specific"


def read(rel):
    return nbformat.read(ROOT / rel, as_version=4)


def backends(nb):
    return nb.metadata["cgraph"]["backends"]


def kernel_env(backend):
    """The kernel's environment for `backend`. On torch, where torchvision is not installed (here:
    its wheel does not load with the CPU torch), tests/notebook_shims goes on PYTHONPATH: a
    `torchvision` whose `models` is torchvision's own resnet code (tests/oracles/torchvision_resnet.py),
    so lecture 07 and ex04 run their resnet18 on real torch too. Notebooks never import from tests/."""
    import importlib.metadata
    env = dict(os.environ, CGRAPH_BACKEND=backend, MPLBACKEND="module://matplotlib_inline.backend_inline")
    try:  # (the installed distribution, not this process's modules: a test may map torchvision)
        importlib.metadata.distribution("torchvision")
        installed = True
    except importlib.metadata.PackageNotFoundError:
        installed = False
    if backend == "torch" and not installed:
        shims = str(ROOT / "tests" / "notebook_shims")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (shims, env.get("PYTHONPATH")) if p)
    return env


async def execute_async(rel, backend, allow_errors=False, nb=None):
    """Run notebook `rel` (or `nb`, kept in `rel`'s folder) in a fresh python3 kernel with
    CGRAPH_BACKEND=backend; return the executed notebook and the seconds it took."""
    nb = read(rel) if nb is None else nb
    env = kernel_env(backend)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str((ROOT / rel).parent)}})
    t0 = time.perf_counter()
    await asyncio.wait_for(client.async_execute(env=env), NOTEBOOK_BUDGET)
    return nb, time.perf_counter() - t0


def execute_all(jobs):
    """Run several (rel, backend) executions at once (each in its own kernel); results in order."""
    async def main():
        return await asyncio.gather(*(execute_async(rel, backend) for rel, backend in jobs))
    return asyncio.run(main())


ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def printed_text(nb):
    """Per compared code cell: its stdout and text/plain results, with object addresses removed."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or SKIP_COMPARE in cell.metadata.get("tags", []):
            continue
        parts = []
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stdout":
                parts.append(out.text)
            elif out.output_type in ("execute_result", "display_data") and "text/plain" in out.data:
                if "application/vnd.jupyter.widget-view+json" not in out.data:
                    parts.append(out.data["text/plain"])
            elif out.output_type == "error":
                parts.append(f"{out.ename}: {out.evalue}")
        texts.append(ADDRESS.sub(" at 0x…", "".join(parts)))
    return texts


# A decimal number in a lecture's prose (or one times a power of ten, as math writes it: 4.9\cdot 10^{-4})
# is one the lecture prints, rounded as the prose rounds it, or types in its code. (prose17: lecture 06
# still said "b a third short of b*", "within 0.45 of its minimum" and "1.4% per step" after its data's
# seed changed and the printed numbers with it.)
PROSE_DECIMAL = re.compile(r"(?<![\w.])(\d+\.(\d+))(?:\s*\\cdot\s*10\^\{?(-?\d+)\}?)?")
PRINTED_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# Numbers a lecture's prose may state without printing them, and why.
PROSE_NOT_PRINTED = {
    "notebooks/03_backward_in_depth.ipynb": {
        "4.50": "z = 0.5 * 0.9981 + 4, worked out from the printed h",
        "0.99975": "h to five digits, from the printed 1 - h**2 = 4.94e-04"},
    "notebooks/04_static_vs_dynamic.ipynb": {"2.13": "the PyTorch version"},
    "notebooks/05_data_detach_item.ipynb": {"0.4": "the PyTorch version"},
    "notebooks/07_training_networks.ipynb": {"11.7": "11,689,512 parameters, in millions"},
    "notebooks/09_forward_vs_reverse_mode.ipynb": {
        n: "backward/forward time ratios measured when the lecture was written (its cell is backend-specific)"
        for n in ("1.4", "2.2", "1.2", "1.8")},
}


def prose_numbers_not_printed(nb, allowed=()):
    """[(markdown cell index, number)] for each decimal number in the markdown (code spans aside) that no
    compared output shows, rounded to the prose's decimals, and no code cell types."""
    shown = [cell.source for cell in nb.cells if cell.cell_type == "code"] + printed_text(nb)
    values = [float(n) for n in PRINTED_NUMBER.findall("\n".join(shown))]
    missing = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for number, decimals, power in PROSE_DECIMAL.findall(re.sub(r"`[^`]*`", "", cell.source)):
            scale = 10.0 ** int(power or 0)
            half_unit = 0.5 * 10.0 ** -len(decimals) * scale * (1 + 1e-9)
            if number not in allowed and not any(abs(v - float(number) * scale) <= half_unit for v in values):
                missing.append((i, number))
    return missing


def test_prose_numbers_check_finds_a_stale_number():
    def notebook(prose, printed):
        cell = nbformat.v4.new_code_cell("print(w, b, loss)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        return nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell(prose)])

    printed = "least squares: b* = 4.803  loss 0.4635   our stop: b 1.783 loss 0.9955   3.69e-03\n"
    assert prose_numbers_not_printed(notebook("b = 1.78 of $b^* = 4.80$; loss 0.9955, 0.0037", printed)) == []
    assert prose_numbers_not_printed(notebook(r"$\approx 3.7\cdot 10^{-3}$, not $3.7$", printed)) == [(1, "3.7")]
    assert prose_numbers_not_printed(notebook("the loss was within 0.45 of its minimum", printed)) == [(1, "0.45")]
    assert prose_numbers_not_printed(notebook("within 0.45", printed), allowed={"0.45"}) == []
    assert prose_numbers_not_printed(notebook("`lr=0.45` in code is code", printed)) == []
    stale = notebook("b 1.78", printed)
    stale.cells[0].metadata["tags"] = [SKIP_COMPARE]          # a timing: not a number to quote
    assert prose_numbers_not_printed(stale) == [(1, "1.78")]


# --- static checks ------------------------------------------------------------------------------

def test_notebooks_exist():
    lectures = [p for p in ALL if re.match(r"notebooks/\d\d_", p)]
    assert len(lectures) >= 8 and "notebooks/index.ipynb" in ALL
    exercises = [p for p in ALL if p.startswith("notebooks/exercises/")]
    assert len(exercises) >= 4
    assert [p.replace("notebooks/", "instructor/", 1) for p in exercises] == INSTRUCTOR


def test_generator_and_committed_notebooks_agree():
    built = build_notebooks.build_all()
    assert sorted(built) == ALL, "a notebook has no source in notebook_sources/, or a source no notebook"
    stale = [rel for rel, nb in built.items() if build_notebooks.dumps(nb) != (ROOT / rel).read_text("utf-8")]
    assert not stale, f"run `python scripts/build_notebooks.py`: out of step with notebook_sources/: {stale}"


@pytest.mark.parametrize("rel", ALL)
def test_notebook_is_clean_and_well_formed(rel):
    nb = read(rel)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert set(backends(nb)) <= {"autograd_core", "torch"} and "autograd_core" in backends(nb)
    for cell in nb.cells:
        assert cell.metadata["slideshow"]["slide_type"] in {"slide", "subslide", "fragment", "skip", "-", "notes"}
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{rel}: committed outputs"
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    if "torch" in backends(nb):
        first_code = next(c.source for c in nb.cells if c.cell_type == "code")
        assert "from widgets.torch_switch import" in first_code, \
            "a two-backend notebook must take torch from the switch in its first code cell"
        # autograd_core.static is allowed: its graphs do not depend on the torch backend
        assert not re.search(r"import autograd_core\b(?!\.static)|from autograd_core", sources) \
            and "record(" not in sources, \
            f"{rel} uses autograd_core-only features: declare metadata.cgraph.backends = ['autograd_core']"


@pytest.mark.parametrize("rel", [p for p in ALL if re.match(r"notebooks/\d\d_", p)])
def test_lecture_has_slides_and_navigation(rel):
    nb = read(rel)
    assert nb.cells[0].metadata.slideshow.slide_type == "slide"
    last = nb.cells[-1].source
    assert "[contents](index.ipynb)" in last
    for target in re.findall(r"\]\(([^)]+\.ipynb)\)", "\n".join(c.source for c in nb.cells)):
        assert (NOTEBOOKS / target).is_file(), f"{rel} links to missing {target}"


def _tasks_named(text):
    """{exercise notebook: task numbers} a lecture's "**Exercises:** [exNN ...](exercises/x.ipynb), tasks
    1 and 5" (or "tasks 2–4", "task 1") points to."""
    named = {}
    for target, tasks in re.findall(r"\]\(exercises/([^)]+\.ipynb)\), tasks? ([0-9–\-, and]+)", text):
        numbers = set()
        for part in re.split(r",|\band\b", tasks):
            ends = [int(n) for n in re.findall(r"\d+", part)]
            if ends:
                numbers |= set(range(ends[0], ends[-1] + 1))
        named.setdefault(target, {})[text] = numbers
    return named


def test_lectures_point_to_each_task_of_their_exercises_once():
    """A lecture's closing line names the tasks of an exercise set that practise it; between them the
    lectures of a set name each of its tasks once. (walk8 W8_4: lecture 04 named ex03's tasks 1 and 4
    and lecture 05 tasks 2-3, so ex03's static-graph task 5 had no lecture and task 4, lecture 05's
    debugging of a 2017 loss report, was sent to lecture 04.)"""
    pointers = {}
    for rel in [p for p in ALL if re.match(r"notebooks/\d\d_", p)]:
        for target, by_text in _tasks_named("\n".join(c.source for c in read(rel).cells)).items():
            for numbers in by_text.values():
                pointers.setdefault(target, []).append((rel, numbers))
    assert "ex03_static_and_detach.ipynb" in pointers
    for target, named in pointers.items():
        cells = read(f"notebooks/exercises/{target}").cells
        tasks = {int(n) for c in cells if c.cell_type == "markdown" for n in re.findall(r"^## Task (\d+)", c.source, re.M)}
        counted = sorted(n for _, numbers in named for n in numbers)
        assert counted == sorted(tasks), f"{target}'s tasks {sorted(tasks)}, the lectures name {named}"
    lecture = {rel: numbers for rel, numbers in pointers["ex03_static_and_detach.ipynb"]}
    ex03 = read("notebooks/exercises/ex03_static_and_detach.ipynb").cells
    heading = {int(m.group(1)): m.group(2) for c in ex03 if c.cell_type == "markdown"
               for m in re.finditer(r"^## Task (\d+) · (.*)$", c.source, re.M)}
    assert "static graph" in heading[5] and 5 in lecture["notebooks/04_static_vs_dynamic.ipynb"]
    assert "loss report" in heading[4] and 4 in lecture["notebooks/05_data_detach_item.ipynb"]


@pytest.mark.parametrize("rel", [p for p in ALL if re.match(r"notebooks/\d\d_", p)])
def test_every_lecture_heading_starts_its_own_cell_and_slide(rel):
    """A '#'/'##' heading starts a slide and '###' a subslide (the build's slide types), but only at the
    top of a markdown cell. (walk8 W8_13: lecture 03's "A graph is used once" and "Non-scalar outputs",
    04's "Tracing pitfalls", 07's "Momentum, by hand", ... sat in the middle of the cell before, so on
    the slides they ran on below the section before and its code, past the slide's foot.)"""
    for i, cell in enumerate(read(rel).cells):
        if cell.cell_type != "markdown":
            continue
        fence = False
        for k, line in enumerate(cell.source.splitlines()):
            if line.lstrip().startswith("```"):
                fence = not fence
            assert fence or k == 0 or not re.match(r"#{1,3} ", line), \
                f"{rel} cell {i}: the heading {line!r} is not at the top of its cell: no slide of its own"
        if re.match(r"#{1,2} ", cell.source.lstrip()):
            assert cell.metadata.slideshow.slide_type == "slide", (rel, i)


def test_lecture07_momentum_demo_does_not_print_ex04_task2s_answer(capsys):
    """ex04 task 2 asks, by hand, for p after two steps of SGD(lr=0.1, momentum=0.9) on p² from p = 1.
    (walk8 W8_15: lecture 07's "Momentum, by hand" ran exactly that and printed "step 2: optimizer p =
    0.4600", the answer, and the wrong answers the check names after it.) The lecture's cell is run
    here as the notebook runs it; torch gives the task's answer."""
    import contextlib
    import io

    import torch
    from widgets.exercise_checks import ex04
    from widgets.torch_switch import load
    engine = load("autograd_core")
    p = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    answer = round(p.item(), 4)
    with contextlib.redirect_stdout(io.StringIO()):
        ex04.momentum_by_hand(answer)                    # (the check agrees with torch)
    cell = next(c.source for c in read("notebooks/07_training_networks.ipynb").cells
                if c.cell_type == "code" and "momentum=" in c.source and "mine" in c.source)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cell, {"torch": engine, "nn": engine.nn, "optim": engine.optim})
    printed = {round(float(x), 4) for x in re.findall(r"-?\d+\.\d+", out.getvalue())}
    assert len(printed) >= 3, out.getvalue()
    assert not printed & {answer, 0.64, 0.8, 0.42}, f"lecture 07 prints ex04 task 2's answer: {out.getvalue()}"


def test_index_lists_every_notebook():
    text = "\n".join(c.source for c in read("notebooks/index.ipynb").cells)
    for rel in STUDENT_FACING:
        if rel != "notebooks/index.ipynb":
            assert f"]({Path(rel).relative_to('notebooks').as_posix()})" in text, f"index misses {rel}"


def test_the_comparison_sees_differences():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="<A object at 0x7f01>\n")]
    other = json.loads(json.dumps(nb))
    other = nbformat.from_dict(other)
    other.cells[0].outputs[0].text = "<A object at 0x9abc>\n"
    assert printed_text(nb) == printed_text(other)
    other.cells[0].outputs[0].text = "<B object at 0x9abc>\n"
    assert printed_text(nb) != printed_text(other)


# --- execution ----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("rel", ALL)
def test_notebook_runs(rel):
    """Runs top to bottom with each backend it declares (concurrently); with two, both print the same text."""
    names = backends(read(rel))
    runs = {}
    for backend, (nb, seconds) in zip(names, execute_all([(rel, b) for b in names])):
        print(f"{rel} [{backend}]: {seconds:.1f} s")
        if nb.metadata["cgraph"]["kind"] == "exercise":
            assert_exercise_outcome(rel, nb)
        if nb.metadata["cgraph"]["kind"] == "lecture" and backend == "autograd_core":
            stale = prose_numbers_not_printed(nb, PROSE_NOT_PRINTED.get(rel, {}))
            assert not stale, f"{rel}: numbers in the prose that the lecture does not print: {stale}"
        runs[backend] = printed_text(nb)
    if len(runs) == 2:
        core, real = runs["autograd_core"], runs["torch"]
        diffs = [(i, a, b) for i, (a, b) in enumerate(zip(core, real)) if a != b]
        assert not diffs, "autograd_core and torch print different text:\n" + "\n".join(
            f"--- compared cell {i}\nautograd_core:\n{a}\ntorch:\n{b}" for i, a, b in diffs)


# --- exercises: instructor versions pass, student copies fail politely ------------------------------

# What a check says about an untouched student copy: an answer not filled in or a function not
# written yet (a name still None), or (debugging tasks, whose answer cell holds the buggy code) a
# bug that remains.
HELPFUL = ("not filled in yet", "is not written yet", "is still None", "a bug remains")
FAILURE_LINE = "✗ {}"       # ExerciseError._render_traceback_: one line per failed part of a task
LONGEST_LINE = 240          # characters: a message is a sentence or two, not a paragraph


def assert_exercise_outcome(rel, nb):
    """Checks of an executed exercise notebook. Instructor version: every check cell prints ✓ and no
    cell fails. Student copy (nothing filled in): every check cell shows one ExerciseError as its
    messages, one line "✗ <what is missing or which bug remains>" each (no traceback); a cell that
    runs the student's code for them to look at (tagged raises-exception) may fail too; every later
    cell still ran, so every hint shows its button. Either way no check prints a stray result (such
    as True), and nbgrader's own grading rule gives full points or none."""
    from nbgrader.utils import determine_grade

    student = rel.startswith("notebooks/")
    code = [c for c in nb.cells if c.cell_type == "code"]
    checks = [c for c in code if c.metadata.get("nbgrader", {}).get("grade")]
    hints = [c for c in code if c.source.startswith("Hints(")]
    assert checks and hints, f"{rel}: no check or hint cells"
    assert all(c.execution_count is not None for c in code), f"{rel}: Run All stopped early"
    for cell in code:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if cell not in checks:
            may_fail = student and "raises-exception" in cell.metadata.get("tags", [])
            assert may_fail or not errors, f"{rel}: {cell.id} failed: {errors[0].ename}: {errors[0].evalue}"
            continue
        gid = cell.metadata.nbgrader.grade_id
        stdout = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        assert not any(o.output_type in ("execute_result", "display_data") for o in cell.outputs), \
            f"{rel}: check {gid} shows a result besides its message"
        score, points = determine_grade(cell)
        if not student:
            assert not errors and "✓" in stdout, f"{rel}: check {gid} does not pass: {errors or stdout}"
            assert score == points
            continue
        assert len(errors) == 1 and errors[0].ename == "ExerciseError", \
            f"{rel}: check {gid} on the unfilled copy: {[(e.ename, e.evalue) for e in errors] or 'passed'}"
        messages = errors[0].evalue.split("\n")
        # (as shown: a word joiner inside a `code span` where Chrome would break it, walk 15's W14_5)
        shown = [line.replace("\u2060", "") for line in errors[0].traceback]
        assert shown == [FAILURE_LINE.format(m) for m in messages], f"{rel}: {gid}: a traceback"
        for message in messages:
            assert len(message) <= LONGEST_LINE, f"{rel}: {gid}: long message {message!r}"
            assert any(h in message for h in HELPFUL), f"{rel}: {gid}: unhelpful message {message!r}"
        assert "✓" not in stdout and score == 0
    for cell in hints:
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs), \
            f"{rel}: hint cell {cell.id} shows no hint button"


# --- the switch and lecture mode ------------------------------------------------------------------

def test_torch_switch_picks_the_backend():
    from widgets import torch_switch
    assert torch_switch.backend_name({}) == "autograd_core"
    assert torch_switch.backend_name({"CGRAPH_BACKEND": " torch "}) == "torch"
    assert torch_switch.load("torch").__name__ == "torch"
    assert torch_switch.load("autograd_core").__name__ == "autograd_core"
    with pytest.raises(ValueError, match="CGRAPH_BACKEND='tensorflow' is not a backend"):
        torch_switch.backend_name({"CGRAPH_BACKEND": "tensorflow"})
    with pytest.raises(ValueError):
        torch_switch.load("numpy")
    assert torch_switch.nn.__name__ == f"{torch_switch.BACKEND}.nn"
    with pytest.raises(AttributeError):
        torch_switch.not_there


def test_torch_switch_gives_the_backends_torchvision(monkeypatch):
    from widgets import torch_switch
    monkeypatch.setattr(torch_switch, "BACKEND", "autograd_core")
    assert torch_switch.torchvision.__name__ == "autograd_core.vision"
    assert torch_switch.torchvision.models.resnet18 is not None
    monkeypatch.setattr(torch_switch, "BACKEND", "torch")
    # where torchvision is not installed (here), the message says so and what to do
    monkeypatch.setitem(torch_switch.VISION, "torch", "torchvision_that_is_not_installed")
    with pytest.raises(ModuleNotFoundError, match="CGRAPH_BACKEND=torch takes its models from torchvision, "
                                                  "which is not installed: pip install torchvision"):
        torch_switch.torchvision


def test_torch_kernels_get_a_torchvision():
    """A torch kernel can build torchvision's resnet18 (the installed torchvision, or the shim)."""
    import subprocess
    code = ("from torchvision.models import resnet18; import torch; m = resnet18(); "
            "print(type(m.fc).__module__, m.fc.in_features, sum(p.numel() for p in m.parameters()))")
    out = subprocess.run([sys.executable, "-c", code], env=kernel_env("torch"), capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.split() == ["torch.nn.modules.linear", "512", "11689512"], out.stderr[-2000:]


def test_lecture_mode_css(capsys):
    from widgets.lecture import SCALE_VAR, lecture_css, lecture_mode
    css = lecture_css(2)
    assert f":root {{ {SCALE_VAR}: 2; }}" in css and f"var({SCALE_VAR}, 1)" in css
    assert ".jupyter-widgets" in css and ".cgraph-widget" in css
    assert f"{SCALE_VAR}: 1;" in lecture_css(1)
    for bad in (0, 10, float("nan")):
        with pytest.raises(ValueError):
            lecture_css(bad)
    assert lecture_mode(False) is None      # displays its style; returns nothing
    import widgets
    assert widgets.lecture_mode is lecture_mode
