"""Answers kept back until the student asks for them: what a block of code prints or displays is
held in the kernel and shown under a button ("Show the answers"), not in the notebook.

    from widgets.reveal import Reveal
    with Reveal():                        # the code runs now; its output waits for the button
        print("m.grad =", m.grad.item())

A notebook that asks students to predict a value (a GraphStepper in predict mode) and then prints
the engine's value in the next cell shows that answer to anyone who runs all cells: JupyterLab
unfolds collapsed outputs on Run All. Here the output reaches the page only when the button is
pressed (by mouse or keyboard), and leaves it when pressed again ("Hide the answers"). Until then
the page, the saved notebook and its widget state hold no part of it, and a static view of the
notebook (nbconvert, GitHub) shows one line saying the answers are behind a button.

The block's stdout, stderr and displays (pictures, widgets) are kept in the order they came. An
error in the block is shown at once, as in any cell (the output before it is kept back). What
another thread prints or displays while the block runs (a widget's callback: ipykernel 7 handles
widget messages on a thread of its own) is not the block's: it goes where it would have gone.
"""
from __future__ import annotations

import sys
import threading

from .lecture import keys_kept

__all__ = ["Reveal"]


class _Stream:
    """sys.stdout / sys.stderr while a block runs: what the block's thread writes goes to the list of
    outputs; what another thread writes meanwhile (ipykernel 7 runs widget messages on a thread of
    their own) goes where it went before the block, `other`."""

    def __init__(self, outputs, name, other):
        self.outputs, self.name, self.other = outputs, name, other
        self.thread = threading.get_ident()

    def write(self, text):
        if threading.get_ident() != self.thread:
            return self.other.write(text)
        if not text:
            return 0
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == self.name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": self.name, "text": text})
        return len(text)

    def flush(self):
        if threading.get_ident() != self.thread:
            self.other.flush()

    def isatty(self):
        return False


def _capturing_publisher(outputs, other):
    """A display publisher (IPython's) that puts each display of the block's thread in the list of
    outputs, and passes another thread's on to the publisher that was there before, `other`."""
    from IPython.core.displaypub import CapturingDisplayPublisher
    thread = threading.get_ident()

    class Publisher(CapturingDisplayPublisher):
        def publish(self, data, metadata=None, *args, **kwargs):
            if threading.get_ident() != thread:
                return other.publish(data, metadata, *args, **kwargs)  # (as it was called)
            outputs.append({"output_type": "display_data", "data": dict(data),
                            "metadata": dict(metadata or {})})

        def clear_output(self, wait=False):
            if threading.get_ident() != thread:
                return other.clear_output(wait)
            outputs.clear()

    return Publisher()


class Reveal:
    """Hold back what a ``with`` block prints or displays; show it under a button on request.

    Reveal(label="Show the answers", hide_label="Hide the answers")
    ``with Reveal(): ...`` runs the block at once, keeps its output in the kernel and displays the
    button when the block ends. ``show()`` / ``hide()`` / ``toggle()`` do what the button does;
    ``shown`` says whether the output is on the page; ``outputs`` holds it (nbformat output dicts).
    """

    def __init__(self, label="Show the answers", hide_label="Hide the answers"):
        self.label, self.hide_label = str(label), str(hide_label)
        self.outputs = []
        self.shown = False
        self._widget = None
        self._saved = None

    # --- the block ------------------------------------------------------------------------------
    def __enter__(self):
        shell = _shell()
        self._saved = (sys.stdout, sys.stderr, shell, shell.display_pub if shell else None)
        if shell is not None:
            sys.stdout.flush()            # what the cell printed before the block stays before it
            shell.display_pub = _capturing_publisher(self.outputs, shell.display_pub)
        sys.stdout, sys.stderr = (_Stream(self.outputs, "stdout", sys.stdout),
                                  _Stream(self.outputs, "stderr", sys.stderr))
        return self

    def __exit__(self, kind, error, trace):
        stdout, stderr, shell, publisher = self._saved
        sys.stdout, sys.stderr = stdout, stderr
        if shell is not None:
            shell.display_pub = publisher
        self._saved = None
        if kind is None and shell is not None:
            from IPython.display import display
            display(self)
        return False                     # an error in the block shows as any cell's error

    # --- the button -----------------------------------------------------------------------------
    def show(self):
        """Put the held output on the page (the button then offers to hide it)."""
        self.shown = True
        self._refresh()

    def hide(self):
        """Take the output off the page again (the button offers to show it)."""
        self.shown = False
        self._refresh()

    def toggle(self):
        self.hide() if self.shown else self.show()

    def _refresh(self):
        if self._widget is None:
            return
        button, out, _keys = self._widget.children
        with button.hold_sync():
            with out.hold_sync():
                # only once asked for does the output reach the page (and the widget state saved with it)
                out.outputs = tuple(dict(o) for o in self.outputs) if self.shown else ()
            # (the output's update goes first: a label never reads "Show" over answers still on the page)
            button.description = self.hide_label if self.shown else self.label
            button.icon = "eye-slash" if self.shown else "eye"
            button.tooltip = ("hide the output again" if self.shown else
                              "show what this cell printed: the answers (predict first!)")

    @property
    def widget(self):
        """An ipywidgets VBox: the button, then (once pressed) an Output with what the block printed."""
        if self._widget is None:
            import ipywidgets as W
            # (its own width, not the cell's: a VBox stretches its children across)
            button = W.Button(description=self.label, layout=W.Layout(width="auto", align_self="flex-start"))
            button.on_click(lambda _button: self.toggle())
            out = W.Output()
            # (keys_kept: "b" on the focused button must not insert a cell into the notebook)
            self._widget = W.VBox([button, out, keys_kept()],
                                  _dom_classes=["cgraph-widget", "cgraph-reveal"])
            self._refresh()
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):
            data = data[0]
        data = dict(data or {})
        # a static view of the notebook (nbconvert, GitHub): one line, no answer
        data["text/plain"] = f"[{self.label}: a button, in JupyterLab with this notebook running]"
        data.pop("text/html", None)
        return data

    def __repr__(self):
        return f"<Reveal: {len(self.outputs)} outputs held, {'shown' if self.shown else 'hidden'}>"


def _shell():
    """The running IPython shell, or None (plain Python)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
