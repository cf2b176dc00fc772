"""Lecturer and student journeys for the open findings of the third walk (W3-10) and for lecture 07
with resnet18 (issue 14), pinned by what is on screen in JupyterLab.

- W3-10: at 1280x720 in lecture mode, lecture 09's forward-mode table and the stepper's graph are on
  screen together (side by side once the side bar is closed, as a lecturer projects); lecture 08's
  two graphs sit side by side, each whole on screen.
- W3-12: ex03 task 4, a mean_loss summing detached tensors is told to read the number (.item()).
- ex04 task 5 (resnet18): empty, Enter instead of Shift+Enter, the head replaced before freezing (a
  clear line, no traceback), retried right, hints to the end; dark 1280x720 in lecture mode, light 1440x900.
- Lecture 07: runs without an error output; the resnet18 block graph, the residual block stepper
  (AddBackward0 hands the gradient both ways; x.grad = 1) and the fine-tuned head in lecture mode.
Screenshots: tests/artifacts/nbfix/test_*.png.
"""
import re
import time

import pytest
from playwright.sync_api import expect

from lab_browser import (activate, assert_controls_fit, cell_node, cells, code_cells, control, copy_notebook,
                         dismiss_notifications, index_of, lecture_mode, light_blocks, module_page, open_and_run_all,
                         open_notebook, pictures_that_dont_fit, save_screenshot, scroll_to_cell, set_viewport,
                         text_cut_off, themed, visible_text)
from test_exercises_browser import check_again, output_fits, run_all, shown_output

pytestmark = pytest.mark.browser
SUBDIR = "nbfix"


@pytest.fixture(scope="module")
def shared_page(browser):
    """One JupyterLab page for the module (a JupyterLab start costs Chromium about 5 s of CPU): each
    test opens its notebook in it in place of the one before."""
    yield from module_page(browser)


@pytest.fixture
def page(shared_page):
    """The module's page as a new page would start a test: 1280x720, no lecture mode, the side bar
    open (each test sets its own theme with `themed`, which restores it)."""
    page = shared_page
    set_viewport(page, "1280x720")
    if page.url.startswith("http"):
        page.evaluate("() => document.querySelectorAll('.cgraph-journey-lecture-mode').forEach(e => e.remove())")
        side_bar(page, True)
    yield page


def side_bar(page, open_):
    """Open or close JupyterLab's left side bar (the file browser)."""
    if page.evaluate("() => !window.jupyterapp.shell.leftCollapsed") != open_:
        page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
        page.wait_for_timeout(600)


def box(locator):
    """The element's box in the window, with the window's size: {x, y, width, height, right, bottom, vw, vh}."""
    return locator.evaluate("""e => { const r = e.getBoundingClientRect();
        return {x: r.x, y: r.y, width: r.width, height: r.height, right: r.right, bottom: r.bottom,
                vw: window.innerWidth, vh: window.innerHeight}; }""")


def on_screen(b, below=90):
    """Whole inside the window, under JupyterLab's menu, tabs and toolbar (`below` px)."""
    return b["x"] >= 0 and b["right"] <= b["vw"] and b["y"] >= below and b["bottom"] <= b["vh"] - 24


def cell_index(page, source):
    index = page.evaluate("""(src) => window.jupyterapp.shell.currentWidget.content.widgets
                               .findIndex(c => c.model.sharedModel.getSource().includes(src))""", source)
    assert index >= 0, f"no cell contains {source!r}"
    return index


def scroll_output_to_top(page, source):
    """Scroll the output of the cell whose source contains `source` to the top of the notebook."""
    index = cell_index(page, source)
    scroll_to_cell(page, index, "start")
    page.wait_for_timeout(500)
    page.evaluate("""(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node
                     .querySelector('.jp-OutputArea').scrollIntoView({block: 'start'})""", index)
    page.wait_for_timeout(700)
    return index


def run_lecture(page, lab, name):
    open_and_run_all(page, lab, copy_notebook(lab, f"notebooks/{name}", f"{SUBDIR}/nb_test"))
    dismiss_notifications(page)
    lecture_mode(page, 1.5)


def test_W3_10_lecture_09_table_and_graph_on_screen_together(lab, page):
    run_lecture(page, lab, "09_forward_vs_reverse_mode.ipynb")
    side_bar(page, False)
    stepper = page.locator(".cgraph-stepper").first
    stepper.locator("svg g.node").first.wait_for(state="attached", timeout=60_000)
    table = page.locator("table.cgraph-trace").first
    for _ in range(6):
        control(stepper, "next step").click()
        page.wait_for_timeout(250)
    scroll_output_to_top(page, "trace_table(stepper.step)")
    save_screenshot(page, "test_W3_10_lecture09_1280x720", SUBDIR)
    table_box, graph_box = box(table), box(stepper.locator(".cg-graph"))
    assert on_screen(table_box), f"the table is not whole on screen: {table_box}"
    assert graph_box["y"] < graph_box["vh"] - 200 and graph_box["x"] >= table_box["right"], \
        f"the stepper's graph is not beside the table: table {table_box}, graph {graph_box}"
    # the node the step is about (y, the row in bold) is on screen in the graph
    active = box(stepper.locator("g.node.cg-active").first)
    assert on_screen(active), f"the active node is off screen: {active}"
    assert "y 6 5 2 1" in " ".join(table.inner_text().split()), table.inner_text()
    assert_controls_fit(page)


@pytest.mark.parametrize("size, bar_open", [("1280x720", False), ("1440x900", True)])
def test_W3_10_lecture_08_two_graphs_side_by_side(lab, page, size, bar_open):
    run_lecture(page, lab, "08_build_your_own_autograd.ipynb")
    set_viewport(page, size)
    side_bar(page, bar_open)
    pictures = page.locator(".jp-OutputArea-output figure img")
    assert pictures.count() == 2
    scroll_output_to_top(page, "side_by_side({")
    save_screenshot(page, f"test_W3_10_lecture08_{size}", SUBDIR)
    first, second = box(pictures.nth(0)), box(pictures.nth(1))
    assert on_screen(first) and on_screen(second), f"a graph is not whole on screen: {first}, {second}"
    assert abs(first["y"] - second["y"]) < 2 and second["x"] >= first["right"], (first, second)
    # neither is shrunk below draw()'s readable minimum (0.75 of its lecture size, a sideways scroll)
    for p in (pictures.nth(0), pictures.nth(1)):
        assert p.evaluate("e => e.closest('.cgraph-picture').scrollWidth <= e.closest('.cgraph-picture').clientWidth + 1")


# --- exercises as a student does them (typed answers, Shift+Enter, the check cell below) -------------


EX03 = "notebooks/exercises/ex03_static_and_detach.ipynb"
EX04 = "notebooks/exercises/ex04_training.ipynb"


def test_W3_12_ex03_a_detached_sum_is_told_to_read_the_number(lab, page):
    run_all(page, lab, EX03, SUBDIR)
    answer, check = index_of(page, "ex03_task4"), index_of(page, "ex03_task4_check")
    stub = cells(page)[answer]["source"]
    detached = stub.replace("        total += loss\n", "        total += loss.detach()\n").replace(
        "    return total.data[0] / len(batches)", "    return total / len(batches)")
    assert detached != stub
    lines = check_again(page, answer, check, detached)
    assert len(lines) == 1 and lines[0].startswith("✗ mean_loss returns a tensor (without a graph") \
        and ".item()" in lines[0], lines
    shown = shown_output(page, check)
    assert "sums plain numbers" not in shown and "Traceback" not in shown
    assert output_fits(cell_node(page, check).locator(".jp-OutputArea-output"))
    assert not text_cut_off(page, f'.jp-Cell[data-windowed-list-index="{check}"] .jp-OutputArea-output')
    save_screenshot(page, "test_W3_12_ex03_detached", SUBDIR)
    # retry: read each loss's number, and the check passes
    lines = check_again(page, answer, check, detached.replace("loss.detach()", "loss.item()"))
    assert lines == [] and "✓ mean_loss keeps no batch's graph alive and returns a plain number" in \
        cells(page)[check]["stdout"], cells(page)[check]


# --- ex04 task 5: fine-tuning resnet18 ------------------------------------------------------------------

RESNET_STUB_LINE = '    """Freeze model, replace model.fc by a new layer for num_classes classes; return its optimizer."""'
REPLACED_FIRST = RESNET_STUB_LINE + """
    model.fc = nn.Linear(512, num_classes)
    for param in model.parameters():
        param.requires_grad = False
    return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
"""
RIGHT = RESNET_STUB_LINE + """
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(512, num_classes)
    return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
"""


@pytest.mark.parametrize("theme, size", [("dark", "1280x720"), ("light", "1440x900")])
def test_ex04_task5_empty_wrong_then_right(lab, page, theme, size):
    set_viewport(page, size)
    open_notebook(page, lab, copy_notebook(lab, EX04, f"{SUBDIR}/nb_test"))
    page.wait_for_function("() => document.body.dataset.jpThemeLight !== undefined", timeout=90_000)
    with themed(page, theme):
        model = run_all(page, lab, EX04, f"{SUBDIR}/nb_test")
        if size == "1280x720":
            lecture_mode(page, 1.5)           # the exercise discussed in class, on the projector
        answer, check = index_of(page, "ex04_task5"), index_of(page, "ex04_task5_check")
        stub = model[answer]["source"]
        assert RESNET_STUB_LINE in stub and "requires_grad" not in stub, stub   # the student copy: no solution
        # untouched: the check says the function is not written yet, one line, no traceback
        assert model[check]["errors"] == [["✗ finetune is not written yet: write its body in the cell above "
                                           "(and return the optimizer)."]], model[check]["errors"]
        # typed, but Enter (a new line) instead of Shift+Enter: nothing ran, the check says the same
        head = stub.split(RESNET_STUB_LINE)[0]
        lines = check_again(page, answer, check, head + RIGHT, run=False)
        assert lines == ["✗ finetune is not written yet: write its body in the cell above (and return the optimizer)."]
        # the head replaced before freezing: a clear line, not a RuntimeError's traceback
        lines = check_again(page, answer, check, head + REPLACED_FIRST)
        assert len(lines) == 1 and "replaced before the freezing ran" in lines[0] \
            and "Freeze first, then replace fc" in lines[0], lines
        shown = shown_output(page, check)
        assert "Traceback" not in shown and "RuntimeError" not in shown, shown
        assert output_fits(cell_node(page, check).locator(".jp-OutputArea-output"))
        assert not text_cut_off(page, f'.jp-Cell[data-windowed-list-index="{check}"] .jp-OutputArea-output')
        save_screenshot(page, f"test_ex04_task5_wrong_{theme}_{size}", SUBDIR)
        # retry, the right order: the check passes with its ✓ line
        lines = check_again(page, answer, check, head + RIGHT)
        assert lines == [], lines
        assert cells(page)[check]["stdout"].startswith("✓ resnet18 is frozen, its new fc (512 → 7)"), cells(page)[check]
        cell_node(page, check).get_by_text("✓ resnet18 is frozen").wait_for(timeout=15_000)
        save_screenshot(page, f"test_ex04_task5_right_{theme}_{size}", SUBDIR)
        # the hints, clicked to the end: a pointer, a method, never the answer's code
        hints = check + 1
        scope = f'.jp-Cell[data-windowed-list-index="{hints}"]'
        activate(page, hints)
        for k in range(3):
            control(page.locator(scope), f"Show a hint ({k + 1} of 3)").click()
            page.wait_for_timeout(300)
        assert control(page.locator(scope), "All 3 hints shown").is_disabled()
        shown = visible_text(page, f"{scope} .cgraph-hints li")
        assert len(shown) == 3, shown
        assert not [h for h in shown if "512" in h or "nn.Linear(" in h or "optim.SGD(" in h], shown
        assert_controls_fit(page)
        save_screenshot(page, f"test_ex04_task5_hints_{theme}_{size}", SUBDIR)


def next_steps(stepper, times, start=None):
    """Click the stepper's "next step" `times` times, each once its counter shows the step before
    (from step `start` when given) -- the JS redraws the step's panel and graph as the counter."""
    counter = stepper.locator(".cg-counter")
    if start is not None:
        expect(counter).to_have_text(re.compile(rf"^step {start} / \d+$"), timeout=10_000)
    for _ in range(times):
        k, last = map(int, re.search(r"step (\d+) / (\d+)", counter.inner_text()).groups())
        control(stepper, "next step").click()
        expect(counter).to_have_text(f"step {k + 1} / {last}", timeout=10_000)


def panel_text_once(page, shown, timeout_s=5):
    """The visible text of the stepper's chain-rule panel, once it shows `shown` (or after timeout_s:
    the caller's assertions then say what it showed)."""
    deadline = time.time() + timeout_s
    while True:
        panel = " ".join(visible_text(page, ".cgraph-stepper .cg-panel"))
        if shown in panel or time.time() > deadline:
            return panel
        page.wait_for_timeout(100)


# --- lecture 07 with resnet18 ------------------------------------------------------------------------------

def test_lecture_07_resnet18_in_lecture_mode(lab, page):
    set_viewport(page, "1280x720")
    run_lecture(page, lab, "07_training_networks.ipynb")
    ran = code_cells(page)
    assert all(c["count"] is not None for c in ran), "a cell did not run"
    assert not [c for c in ran if c["errors"]], [c for c in ran if c["errors"]]
    # the order trap prints its error as text, read by the student, not as a failed cell
    trap = cell_index(page, "model.fc = nn.Linear(512, 10)             # replaced first...")
    scroll_to_cell(page, trap, "start")
    page.wait_for_timeout(500)
    shown = " ".join(visible_text(page, f'.jp-Cell[data-windowed-list-index="{trap}"] .jp-OutputArea'))
    assert "loss.requires_grad: False" in shown and \
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn" in shown, shown
    # (each size once and each theme once: the lecturer's journey shows lecture 07 at 1280x720 in both themes)
    for size, theme in (("1280x720", "dark"), ("1440x900", "light")):
        set_viewport(page, size)     # (the lecture ran once: a new size or theme lays it out again)
        with themed(page, theme):
            lecture_mode(page, 1.5)
            graph = scroll_output_to_top(page, 'draw(loss, view="function", collapse=2)')
            picture = page.locator(f'.jp-Cell[data-windowed-list-index="{graph}"] .cgraph-picture img')
            assert picture.evaluate("i => i.complete && i.naturalWidth > 0")
            b = box(picture)
            assert b["x"] >= 0 and b["right"] <= b["vw"] and b["y"] < 200, f"the graph's top is not in view: {b}"
            save_screenshot(page, f"test_lecture07_blocks_{size}_{theme}", SUBDIR)
            # the residual block's stepper: AddBackward0 hands the same gradient both ways, and
            # x gets its gradient although the dead block passes back zeros
            scroll_output_to_top(page, "GraphStepper(residual_block)")
            stepper = page.locator(".cgraph-stepper").first
            stepper.locator("svg g.node").first.wait_for(state="attached", timeout=60_000)
            control(stepper, "first step").click() if control(stepper, "first step").is_enabled() else None
            next_steps(stepper, 10, start=0)
            panel = panel_text_once(page, "AddBackward0 receives dout/d(x + w2 * h) = 1")
            assert "AddBackward0 receives dout/d(x + w2 * h) = 1" in panel, panel
            assert "(path 1 of 2 into dout/dx" in panel and "dout/d(w2 * h) = " in panel, panel
            save_screenshot(page, f"test_lecture07_stepper_add_{size}_{theme}", SUBDIR)
            graph_box = box(stepper.locator(".cg-graph"))
            for node in ("cg-active",):
                active = box(stepper.locator(f"g.node.{node}").first)
                assert graph_box["x"] - 1 <= active["x"] and active["right"] <= graph_box["right"] + 1, \
                    f"the active node is cut off at the side: {active} in {graph_box}"
            next_steps(stepper, 6)
            panel = panel_text_once(page, "x.grad = 1")
            assert "x.grad = 1" in panel, panel
            save_screenshot(page, f"test_lecture07_stepper_x_grad_{size}_{theme}", SUBDIR)
            assert_controls_fit(page)
            head = scroll_output_to_top(page, "optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)   # 3.")
            save_screenshot(page, f"test_lecture07_frozen_{size}_{theme}", SUBDIR)
            assert head > graph
            cut = [p for p in pictures_that_dont_fit(page) if not p["scrolls"]]
            assert not cut, f"pictures cut off: {cut}"
            if theme == "dark":
                assert not light_blocks(page, ".jp-OutputArea-output", settle_s=15), "a white block in the dark theme"
            lecture_mode(page, 1)
