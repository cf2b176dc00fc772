"""widgets.reveal.Reveal: what a block prints is held in the kernel and reaches the page only when the
student presses the button (walk 8's W8_8: lecture 01 printed Example B's answers right under its
predict stepper, and JupyterLab unfolds collapsed outputs on Run All).

In the browser (keyboard, light and dark, lecture mode): tests/test_predict_answerable_browser.py.
"""
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

from widgets.reveal import Reveal

ROOT = Path(__file__).resolve().parents[1]
SECRET = "m.grad = 4.0"


def _everything_sent(reveal):
    """The state of every widget of the reveal, as the page (and a saved notebook) would get it."""
    return json.dumps([w.get_state() for w in (reveal.widget, *reveal.widget.children)], default=str)


def test_the_block_output_is_held_in_order_and_shown_on_request(capsys, monkeypatch):
    """In plain Python (no IPython shell: with one, the Reveal displays itself through it when the block
    ends, as in a kernel; an earlier test in the same xdist worker once left one, see tests/conftest.py)."""
    import widgets.reveal as reveal
    monkeypatch.setattr(reveal, "_shell", lambda: None)
    with Reveal() as r:
        print("first", SECRET)
        print("a warning", file=sys.stderr)
        print("then this")
    printed = capsys.readouterr()
    assert printed == ("", ""), f"printed past the Reveal: {printed}"   # nothing printed meanwhile
    assert r.outputs == [{"output_type": "stream", "name": "stdout", "text": f"first {SECRET}\n"},
                         {"output_type": "stream", "name": "stderr", "text": "a warning\n"},
                         {"output_type": "stream", "name": "stdout", "text": "then this\n"}]
    button, out, keys = r.widget.children
    assert (button.description, out.outputs, r.shown) == ("Show the answers", (), False)
    assert "data-lm-suppress-shortcuts" in str(keys._esm)       # W18_1: "b" on it inserts no cell
    assert SECRET not in _everything_sent(r)
    button.click()                                                # as the student's click does
    assert r.shown and button.description == "Hide the answers"
    assert [o["text"] for o in out.outputs] == [f"first {SECRET}\n", "a warning\n", "then this\n"]
    button.click()
    assert (button.description, out.outputs) == ("Show the answers", ())
    assert SECRET not in _everything_sent(r)


def test_a_static_view_says_there_is_a_button_and_shows_no_answer():
    with Reveal("Show the engine's answers") as r:
        print(SECRET)
    bundle = r._repr_mimebundle_()
    assert bundle["text/plain"] == "[Show the engine's answers: a button, in JupyterLab with this notebook running]"
    assert "text/html" not in bundle and "application/vnd.jupyter.widget-view+json" in bundle
    assert SECRET not in json.dumps(bundle)


def test_an_error_in_the_block_is_raised_and_the_streams_come_back():
    stdout, stderr = sys.stdout, sys.stderr
    with pytest.raises(ZeroDivisionError):
        with Reveal():
            print("before")
            1 / 0
    assert (sys.stdout, sys.stderr) == (stdout, stderr)


def test_displays_are_held_in_order_with_prints(monkeypatch):
    """In a kernel, display() goes through the shell's display publisher: held too, in order."""
    import widgets.reveal as reveal

    class Shell:
        display_pub = object()
    shell = Shell()
    monkeypatch.setattr(reveal, "_shell", lambda: shell)
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    kept = shell.display_pub
    with Reveal() as r:
        print("one")
        shell.display_pub.publish({"text/plain": "a picture", "image/png": "..."}, {"isolated": True})
        print("two")
    assert shell.display_pub is kept
    assert [o["output_type"] for o in r.outputs] == ["stream", "display_data", "stream"]
    assert r.outputs[1]["data"]["text/plain"] == "a picture" and r.outputs[1]["metadata"] == {"isolated": True}


def test_another_threads_output_is_not_the_blocks(capsys, monkeypatch):
    """What another thread prints or displays while the block runs (ipykernel 7 runs widget messages on
    a thread of their own) goes where it went before the block; the block's own output is held."""
    import threading

    import widgets.reveal as reveal

    class Publisher:
        def __init__(self):
            self.shown = []

        def publish(self, data, metadata=None, **kwargs):
            self.shown.append(data["text/plain"])
    shell = type("Shell", (), {})()
    shell.display_pub = kept = Publisher()
    monkeypatch.setattr(reveal, "_shell", lambda: shell)
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)

    def widget_callback():
        print("a click's output")
        print("a click's warning", file=sys.stderr)
        shell.display_pub.publish({"text/plain": "a click's picture"})
    with Reveal() as r:
        print("the answer")
        other = threading.Thread(target=widget_callback)
        other.start()
        other.join()
        shell.display_pub.publish({"text/plain": "the block's picture"})
    assert capsys.readouterr() == ("a click's output\n", "a click's warning\n")
    assert kept.shown == ["a click's picture"] and shell.display_pub is kept
    assert [o.get("text") or o["data"]["text/plain"] for o in r.outputs] == ["the answer\n", "the block's picture"]


@pytest.mark.slow
def test_an_executed_notebook_and_its_html_hold_no_answer(tmp_path):
    """nbconvert --execute (outputs and widget state saved), then to HTML: the answer is in neither."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from widgets.reveal import Reveal\nwith Reveal():\n    print('m.grad =', 2 + 2.0)")])   # (SECRET)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # (iopub_timeout: on a busy machine the display can come more than nbclient's default 4 s after
    # the cell's reply, and would be lost)
    NotebookClient(nb, timeout=60, iopub_timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}, store_widget_state=True).execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    assert "application/vnd.jupyter.widget-view+json" in outputs[0].data
    saved = nbformat.writes(nb)
    assert "application/vnd.jupyter.widget-state+json" in saved and SECRET not in saved
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert SECRET not in html
    assert "[Show the answers: a button" in saved     # what a viewer without widgets shows


def _cells(rel):
    return nbformat.read(ROOT / rel, as_version=4).cells


@pytest.mark.parametrize("rel", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").rglob("*.ipynb")
                                       if "predict=True" in p.read_text(encoding="utf-8")))
def test_no_answer_of_an_open_predict_question_below_it(rel):
    """From a stepper in predict mode to the next section: code that prints does so in a Reveal, and
    no markdown gives the leaves' gradients (lecture 01, Example B: m.grad = 4, n.grad = -6)."""
    cells = _cells(rel)
    start = next(i for i, c in enumerate(cells) if c.cell_type == "code" and "predict=True" in c.source)
    for cell in cells[start + 1:]:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            break
        if cell.cell_type == "code":
            assert not re.search(r"\b(print|show|display)\(", cell.source) or "with Reveal(" in cell.source, \
                f"{rel}: prints below the predict stepper: {cell.source[:120]!r}"
        if "01_computation_graphs" in rel:  # (a code cell's source is on screen too, Reveal or not)
            assert not re.search(r"= *4\$|= *4\b|-6\b|−6", cell.source), f"{rel}: an answer in the text: {cell.source!r}"
