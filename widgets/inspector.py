"""NodeInspector: everything about one node of the graph (a tensor or a grad_fn), as an HTML table.

    from widgets.inspector import NodeInspector
    NodeInspector(y)                 # a tensor: data, grad (or why it is None), grad_fn, _version...
    NodeInspector(y.grad_fn)         # a backward function: next_functions, saved tensors

The GraphStepper renders one (``NodeInspector.render(obj, at_step=...)``) into its own panel when a
node is clicked or the step changes: then data, grad and what a backward function received and
passed on come from the step model AT THAT STEP, never from the tensor as it is now (that could
show a gradient a predict-mode question still withholds). All user text (names, values) is
HTML-escaped.
"""
from html import escape

import ipywidgets
import numpy as np

from . import graph_model as gm
from . import naming

STYLE = """<style>
.cgi { font-family: var(--jp-ui-font-family, sans-serif);
  font-size: calc(var(--jp-ui-font-size1, 13px) * var(--cgraph-scale, 1));
  color: var(--jp-ui-font-color1, #222); min-width: 16em; max-width: 30em; }
.cgraph-stepper .cgi { min-width: 0; max-width: none; }
.cgraph-stepper .cgi td { overflow-wrap: anywhere; }
.cgraph-stepper .cgi th, .cgraph-stepper .cgi td { padding-top: 1px; padding-bottom: 1px; line-height: 1.3; }
.cgraph-stepper .cgi h4 { margin-bottom: .1em; }
.cgraph-stepper .cgi th { font-size: .85em; padding-top: 3px; }  /* names: a narrower column */
.cgraph-stepper .cgi .cgi-why { font-size: .85em; }
.cgraph-stepper .cgi .cgi-kind { margin-bottom: .2em; }
.cgi h4 { margin: 0 0 .3em 0; font-size: 1.1em; color: var(--jp-ui-font-color0, #000); }
.cgi .cgi-kind { color: var(--jp-ui-font-color2, #666); font-size: .9em; margin-bottom: .4em; }
.cgi table { border-collapse: collapse; width: 100%; }
.cgi th { text-align: left; vertical-align: top; padding: 2px 8px 2px 0; white-space: nowrap;
  color: var(--jp-ui-font-color2, #555); font-weight: normal; }
.cgi td { padding: 2px 0; vertical-align: top; }
/* (div.cgi: one more than the themes' ".jp-ThemedContainer code", which a theme switch puts after this
   and which kept a value at 13 px in lecture mode, W18_10) */
div.cgi code, div.cgi pre { font-family: var(--jp-code-font-family, monospace);
  font-size: calc(var(--jp-code-font-size, 13px) * var(--cgraph-scale, 1)); }
.cgi pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.cgi .cgi-why { color: var(--jp-ui-font-color2, #666); font-style: italic; }
.cgi .cgi-note { color: var(--jp-ui-font-color2, #666); margin-top: .4em; font-size: .9em; }
.cgi .cgi-key { display: flex; flex-wrap: wrap; gap: 3px 4px; margin-top: .4em; font-size: .8em; }
.cgi .cgi-key > span { padding: 1px 5px; border-radius: 3px; white-space: nowrap; }
</style>"""

WHY_NON_LEAF = "non-leaf: backward passes a gradient through it but does not store it in .grad (retain_grad() asks it to)"
WHY_NO_BACKWARD = "no backward yet"
WHY_NO_GRAD = "does not require grad"


def _e(x):
    return escape(str(x), quote=True)


def _array_text(a):
    a = np.asarray(a)
    if a.size <= gm.SMALL:
        return gm.format_array(a)
    return np.array2string(a, precision=4, threshold=60, edgeitems=3, suppress_small=True)


def _np_or_none(t):
    return None if t is None else gm._np(t)


def why_grad_none(t):
    """Why t.grad is None, in the words a student needs."""
    if not t.requires_grad:
        return WHY_NO_GRAD
    if t.grad_fn is not None and not getattr(t, "retains_grad", False):
        return WHY_NON_LEAF
    return WHY_NO_BACKWARD


def _fn_label(fn, name_of=None):
    if fn is None:
        return "None"
    text = fn.name()
    who = None
    if name_of is not None:
        who = name_of(fn)
    elif fn.name().endswith("AccumulateGrad"):
        who = None
    if who and not who.startswith("["):
        text += f" ({who})"
    return text


def _saved_rows(fn, at_step=None):
    """(name, text) for each tensor fn saved for backward; a note when backward freed them (at a
    stepper's step before fn's backward ran: that they were kept then, freed since)."""
    if fn is None or not hasattr(fn, "next_functions"):
        return []
    try:
        saved = fn.saved_tensors() if callable(getattr(fn, "saved_tensors", None)) else gm._saved(fn)
    except RuntimeError as e:  # freed (PyTorch raises when reading freed saved tensors)
        return [("saved tensors", str(e))]
    if not saved and getattr(fn, "_freed", False):
        if at_step is not None and "ran_at" not in at_step:
            return [("saved tensors", "kept for its backward (freed after it ran, so not shown)")]
        return [("saved tensors", "freed by backward (retain_graph=False)")]
    if not saved:
        return [("saved tensors", "none")]
    rows = []
    for k, v in saved.items():
        if naming.is_tensor(v):
            a = gm._np(v)
            rows.append((f"saved: {k}", f"{_array_text(a)}  shape {tuple(a.shape)}"))
        else:
            rows.append((f"saved: {k}", repr(v)))
    return rows


class NodeInspector(ipywidgets.HTML):
    """An HTML panel describing a tensor, a grad_fn or an AccumulateGrad node (escaped)."""

    def __init__(self, obj=None, name=None, **kwargs):
        super().__init__(**kwargs)
        self.add_class("cgraph-inspector")
        self.show(obj, name=name)

    def show(self, obj, name=None, at_step=None, name_of=None, node=None, note=None):
        """Describe obj (tensor / grad_fn / None); at_step: values as of a stepper's step."""
        self.value = self.render(obj, name, at_step, name_of, node, note)
        return self

    # --- HTML ------------------------------------------------------------------------------------
    @staticmethod
    def render(obj, name=None, at_step=None, name_of=None, node=None, note=None, key=()):
        """key: [(fill, font colour, text)], a colour key shown under the note when nothing is selected."""
        if obj is None and node is None:
            swatches = "".join(
                f'<span role="listitem" style="background:{_e(fill)};color:{_e(ink)}">{_e(text)}</span>'
                for fill, ink, text in key)
            listed = f'<div class="cgi-key" role="list" aria-label="node colours">{swatches}</div>' if key else ""
            return (f'{STYLE}<div class="cgi"><div class="cgi-note">{_e(note or "nothing selected")}</div>'
                    f"{listed}</div>")
        if obj is None:
            title, kind, rows = NodeInspector._model_rows(node, name, at_step)
        elif hasattr(obj, "next_functions"):
            title, kind, rows = NodeInspector._function_rows(obj, name, at_step, name_of)
        elif naming.is_tensor(obj):
            title, kind, rows = NodeInspector._tensor_rows(obj, name, at_step, name_of)
        else:
            title, kind, rows = str(name or type(obj).__name__), type(obj).__name__, [("value", repr(obj))]
        if node is not None and "made-by-backward" in node.classes:  # the gradient's own graph
            if node.derivative:
                rows.insert(0, ("holds", node.derivative))
            kind += " · made by the backward pass (create_graph=True)"
        body = "".join(
            f"<tr><th>{_e(k)}</th><td>{v if isinstance(v, _Html) else '<code>' + _e(v) + '</code>'}</td></tr>"
            for k, v in rows)
        foot = ""
        if at_step is not None:
            foot = (f'<div class="cgi-note">data and grad as of step {_e(at_step["step"])} of '
                    f'{_e(at_step["n_steps"] - 1)}</div>')
            if not at_step.get("visible", True) and not at_step.get("created_now"):
                foot += '<div class="cgi-note">(not created yet at this step)</div>'
            if at_step.get("note"):
                foot += f'<div class="cgi-note">{_e(at_step["note"])}</div>'
        return (f'{STYLE}<div class="cgi"><h4>{_e(title)}</h4><div class="cgi-kind">{_e(kind)}</div>'
                f"<table>{body}</table>{foot}</div>")

    @staticmethod
    def _model_rows(node, name=None, at_step=None):
        if node.kind == "saved":
            return NodeInspector._saved_rows(node, (at_step or {}).get("saved", {}))
        if "nograd" in node.classes:
            return (name or node.label,
                    "op that records no grad_fn: its inputs need no grad, or it ran under torch.no_grad()",
                    [("op", node.label), ("grad_fn", "None: backward does not pass through it")])
        rows = [("kind", node.kind)]
        if node.shape is not None:
            rows.append(("shape", str(node.shape)))
        if node.has_value:
            rows.append(("data", node.value_text))
        return node.label, "constant" if node.kind == "const" else node.kind, rows

    @staticmethod
    def _saved_rows(node, saved):
        """(title, kind line, rows) of a value a backward function saved: who saved it, how torch
        reads it (y.grad_fn._saved_self), its value, and a tensor's shape and dtype or a number's type."""
        kind = f"saved for backward by {saved['by']}" if saved.get("by") else "saved for backward"
        rows = [("read as", saved["read_as"])] if saved.get("read_as") else []
        rows.append(("data", node.value_text))
        if saved.get("number"):
            rows.append(("type", f"a Python {saved['number']}, not a tensor"))
        else:
            rows += [("shape", str(node.shape)), ("dtype", str(node.dtype))]
        return node.label, kind, rows

    @staticmethod
    def _tensor_rows(t, name, at_step, name_of):
        """(title, kind line, rows): what a student asks first (data, grad, grad_fn, is_leaf) on
        top, so a small inspector shows it without scrolling; the title and the kind line carry
        the name, kind, shape and dtype (not repeated in the table)."""
        leaf = t.grad_fn is None
        kind = ("leaf tensor (requires grad)" if leaf and t.requires_grad else
                "constant tensor (no grad)" if leaf else "non-leaf tensor")
        kind_line = f"{kind} · shape {tuple(t.shape)} · {gm._dtype_name(t)}"
        title = name or "(unnamed tensor)"
        if at_step is not None and not at_step.get("visible", True):
            return title, kind_line, []  # no value yet: the foot says it is not made yet
        rows = [("data", at_step.get("value", "?") if at_step is not None else _array_text(gm._np(t)))]
        if at_step is not None:
            grad_text = at_step.get("grad", "None")
            grad_none = grad_text == "None"
        else:
            g = gm._grad_of(t)
            grad_none = g is None
            grad_text = "None" if grad_none else _array_text(g)
        if grad_none:
            why = why_grad_none(t)
            tag = "non-leaf" if why == WHY_NON_LEAF else None     # (the why in a word, see below)
            if at_step is not None and why == WHY_NO_BACKWARD:
                later = at_step.get("later_version")
                # (one tensor, drawn once per version: its .grad belongs to it, not to a version)
                why = (f"its .grad shows on {later}, this tensor after an in-place op" if later
                       else "backward has not reached it yet")
                tag = "an earlier version" if later else None
            cell = f'<span class="cgi-why">({_e(why)})</span>'
            if at_step is not None and "flow" in at_step and not leaf:
                # (from the step the gradient reaches it to its pass's end: not "at this step")
                cell += (f'<br><span class="cgi-why">gradient passed to it in this backward pass: '
                         f'{_e(at_step["flow"])}</span>')
            # In a stepper's inspector (beside the chain-rule panel: 229 px tall at 1280x720 in lecture
            # mode) a non-leaf's four lines of why pushed grad_fn and is_leaf out of sight (W18_9):
            # there the grad row says it in a word, and the why follows the essentials
            why_below = at_step is not None and tag is not None
            rows.append(("grad", _Html('<code>None</code> ' + (
                f'<span class="cgi-why">({tag}: see below)</span>' if why_below else cell))))
        else:
            rows.append(("grad", grad_text))
            why_below = False
        rows += [("grad_fn", _fn_label(t.grad_fn) if t.grad_fn is not None else "None"),
                 ("is_leaf", str(leaf)), ("requires_grad", str(bool(t.requires_grad))),
                 ("retains_grad", str(bool(getattr(t, "retains_grad", False))))]
        if why_below:
            rows.append(("why None", _Html(cell)))
        if t.grad_fn is not None:
            rows.append(("next_functions", ", ".join(_fn_label(n, name_of) for n, _ in
                                                     t.grad_fn.next_functions) or "()"))
        rows.append(("_version", str(getattr(t, "_version", "?"))))
        if t.grad_fn is not None:
            rows += _saved_rows(t.grad_fn, at_step)
        return title, kind_line, rows

    @staticmethod
    def _function_rows(fn, name, at_step, name_of):
        """(title, kind line, rows): at a stepper's step, what it received and passed on first."""
        is_acc = fn.name().endswith("AccumulateGrad")
        kind = "AccumulateGrad: adds the gradient into a leaf's .grad" if is_acc else "backward function"
        rows = []
        if at_step is not None:
            if "ran_at" in at_step:
                rows.append(("received", f"{at_step['received']}  (step {at_step['ran_at']})"))
                rows.append(("passed", _Html("<br>".join(f"<code>{_e(x)}</code>" for x in at_step["passed"]))))
            else:
                rows.append(("received", "nothing yet at this step"))
        leaf_name = name_of(fn.variable) if is_acc and name_of else None
        if is_acc:
            rows.append(("variable", f"{leaf_name or 'leaf'} {tuple(fn.variable.shape)}"))
        else:
            if name_of is not None:
                rows.append(("output", name_of(fn)))
            op = getattr(getattr(fn, "op", None), "name", None)
            if op:
                rows.append(("op", op))
        rows.append(("name", fn.name()))
        rows.append(("next_functions", ", ".join(_fn_label(n, name_of) for n, _ in fn.next_functions)
                     or "()"))
        if not is_acc:
            rows += _saved_rows(fn, at_step)
        if is_acc:
            return f"AccumulateGrad → {leaf_name or 'leaf'}.grad", kind, rows
        return name or fn.name(), kind, rows


class _Html(str):
    """A table cell that is already safe HTML (built from escaped parts)."""


__all__ = ["NodeInspector", "why_grad_none", "WHY_NON_LEAF", "WHY_NO_BACKWARD", "WHY_NO_GRAD"]
