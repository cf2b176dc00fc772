"""GraphStepper: watch the graph grow during the forward pass, then the gradients flow back.

    import autograd_core as torch
    from widgets.stepper import GraphStepper
    with torch.record() as rec:
        w = torch.tensor(1., requires_grad=True); x = torch.tensor(2., requires_grad=True)
        a = w + x; b = w + 1; y = a * b
        y.backward()
    GraphStepper(rec)                  # or GraphStepper(fn): fn runs under autograd_core.record()

One step per recorded event (step 0: before the first, showing the recorded program). Forward
steps show nodes in creation order with the op and the value; backward steps follow the engine's
real order: the node that runs is highlighted and the chain-rule panel shows what it received,
the local derivative and their product on each edge; a leaf's .grad changes when AccumulateGrad
runs; at the end of a backward pass the non-leaf grads read None (a gradient passed through them,
not stored) unless retained.

Everything shown comes from the step model (``GraphModel.from_recording``: the recording read once):
the graph is laid out ONCE (``to_dot(model, labels="structure")``) and sent as SVG, the model's
per-step changes (``model.frames``) go to the browser once, and the front end (static/stepper.js)
steps by applying them, with no kernel round trip. Python owns the state and every teaching
decision: ``step``, ``selected`` (the inspector beside the graph shows that node), ``playing``,
``predict`` and the predict-mode state (``answered``, ``tally``, ``results``, and ``_gate``: the
step whose question is open; the browser cannot step past it).

Predict mode asks, at each step of ``ask_steps``, for the values its Question names (a box
labelled dy/da expects the whole dy/da; one path's share is labelled and worded as a share). Until
it is answered right or revealed, nothing on screen shows what the step computes. It asks only
what can be worked out from the screen (the step model decides, widgets._recording.judge): of a
gradient with more different values than the screen shows, one element ("dy/dx[0, 0]") or one
element's part of a sum ("part [0, 0] of dloss/dw"), its operands in the prompt; a step with
nothing left to ask says why in one line (``StepState.skip``) and does not stop the student.
"""
from __future__ import annotations

import bisect
import pathlib
import sys

import anywidget
import numpy as np
import traitlets

import autograd_core

from . import graph_model as gm
from . import naming
from .chain_rule import ChainRule, is_close, parse_guess
from .inspector import NodeInspector
from .render import colour_key, render_svg, to_dot

STATIC = pathlib.Path(__file__).parent / "static"
INTERVALS = {"slow": 1400, "normal": 700, "fast": 250}  # ms per step of play


# ---------------------------------------------------------------------------------------------
# Recording a function
# ---------------------------------------------------------------------------------------------
def record_function(fn):
    """Run fn() under autograd_core.record(); return (recording, {name: tensor} of fn's locals).

    fn's local variables are read when it returns (with a profile hook on its own frame only), so
    the tensors it made are drawn with the names the code gave them."""
    if not callable(fn):
        raise TypeError(f"expected a Recording or a function, not {type(fn).__name__}")
    code = getattr(fn, "__code__", None)
    captured = {}

    def hook(frame, event, arg):
        if event == "return" and frame.f_code is code:
            captured.update(frame.f_locals)

    # a profiler or debugger already hooked in keeps its hook (then fn's locals stay unnamed)
    hooked = sys.getprofile() is None
    with autograd_core.record() as rec:
        if hooked:
            sys.setprofile(hook)
        try:
            result = fn()
        finally:
            if hooked:
                sys.setprofile(None)
    names = {k: v for k, v in captured.items() if not k.startswith("_")}
    if naming.is_tensor(result):
        names.setdefault("out", result)
    elif isinstance(result, dict):
        names.update({k: v for k, v in result.items() if isinstance(k, str)})
    # the recording keeps fn's names, not the ones of this function's own block (`result`)
    rec.names = {k: v for k, v in names.items() if naming.is_tensor(v) or naming.has_named_parameters(v)}
    return rec, names


def fast_layout(dot_text, n_nodes, above=80):
    """DOT text that lays out in well under a second: beyond `above` nodes, cap Graphviz's
    network-simplex iterations (nslimit) and crossing-minimisation passes (mclimit). Without the
    cap a 200-node graph with one input fanned out to 40 ops takes ~30 s in `dot`."""
    if n_nodes <= above:
        return dot_text
    head, sep, rest = dot_text.partition("{\n")
    return head + sep + "\tnslimit=1 nslimit1=1 mclimit=0.5\n" + rest


NODE_KINDS = {"tensor": "tensor", "const": "constant", "op": "op", "function": "backward function",
              "accumulate": "AccumulateGrad", "saved": "saved for backward"}


def front_end_nodes(model):
    """{node id: {rows, title}}: how many value rows its box has, and its tooltip (no values).
    The tooltip is also the node's accessible name ("inspect <title>"), so no two nodes share one:
    an op is named with what it makes, "add → a (op)", as the inspector heads it (two adds of a
    graph are "add" both in the picture, where their places tell them apart)."""
    made = {}
    for e in model.edges:
        if "result" in e.classes and model.nodes[e.src].kind == "op":
            made.setdefault(e.src, []).append(model.nodes[e.dst].label)
    out = {}
    for nid, n in model.nodes.items():
        title = n.label if n.kind not in ("function", "accumulate") or not n.name \
            else f"{n.label}: {n.name}"
        if n.kind == "op" and made.get(nid):
            title = f"{n.label} → {', '.join(made[nid])}"
        if n.derivative and n.derivative != title:
            title += f" = {n.derivative}"
        kind = NODE_KINDS.get(n.kind, n.kind)
        if "made-by-backward" in n.classes:
            kind += ", made by the backward pass"
        out[nid] = {"rows": 2 if n.kind == "tensor" else 1 if n.kind == "saved" else 0,
                    "title": f"{title} ({kind})"}
    return out


def front_end_edges(model):
    """{edge id: tooltip}: 'w → add'."""
    return {e.id: f"{model.nodes[e.src].label} → {model.nodes[e.dst].label}" for e in model.edges}


def _field_line(item):
    """(text, mark) of a field's line under a question no longer asked (answered or revealed):
    mark "right" / "wrong" for a value checked, "note" for one typed and never checked
    (W13_6: "no answer" beside a box that shows what the student typed told them wrong)."""
    answer = f"{item['label']} = {item['expected']}" if "expected" in item else item["label"] + ":"
    if "typed" in item:
        return f"{answer} (you typed {item['typed']}, not checked)", "note"
    said = f"you said {item['guess']}" if item["guess"].strip() else "no answer"
    mark = "right" if item["right"] else "wrong"
    text = f"{answer} ({said})" if "expected" in item else f"{answer} {said}"
    return f"{'✓' if item['right'] else '✗'} {text}", mark


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------
# What a stepper says, at a node's click or an answer's check, once the kernel that ran its cell has
# restarted (W18_4: nothing happened): the steps are in the page and still play, the rest is Python's.
KERNEL_GONE = ("The kernel that ran this cell has restarted, so this graph can only step now: run the "
               "cell again to inspect its nodes and check answers.")


class GraphStepper(anywidget.AnyWidget):
    """Step through a recorded forward and backward pass; click a node to inspect it.

    GraphStepper(recording_or_function, view="tensor" | "function", names=None, predict=False,
                 ask="all", rankdir="TB", show_saved=False)
    Traits: step (int), selected (node id or ""), playing (bool), interval (ms per step of play),
    predict (bool), ask_steps (the steps that ask: every step with a question with ask="all", the
    leaves' accumulations with ask="leaves", or the given list of steps), answered (steps
    answered right or revealed), tally ({"right", "wrong"}: fields right / wrong at the first
    try), results ({step: feedback}) and feedback (the last one). n_steps: events + 1.
    """

    _esm = STATIC / "stepper.js"
    _css = STATIC / "stepper.css"

    step = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Int(INTERVALS["normal"]).tag(sync=True)
    predict = traitlets.Bool(False).tag(sync=True)
    tally = traitlets.Dict().tag(sync=True)
    results = traitlets.Dict().tag(sync=True)
    feedback = traitlets.Dict().tag(sync=True)
    answered = traitlets.List(traitlets.Int()).tag(sync=True)
    ask_steps = traitlets.List(traitlets.Int()).tag(sync=True)
    view = traitlets.Unicode("tensor").tag(sync=True)
    inspector_html = traitlets.Unicode("").tag(sync=True)
    _gate = traitlets.Int(-1).tag(sync=True)
    _speeds = traitlets.List([[name, ms] for name, ms in INTERVALS.items()]).tag(sync=True)
    _svg = traitlets.Unicode("").tag(sync=True)
    _frames = traitlets.List().tag(sync=True)
    _nodes = traitlets.Dict().tag(sync=True)
    _edges = traitlets.Dict().tag(sync=True)
    _kernel_gone = traitlets.Unicode(KERNEL_GONE).tag(sync=True)   # (shown by the page: the kernel cannot)

    def __init__(self, source, view="tensor", names=None, predict=False, ask="all", rankdir="TB",
                 show_saved=False, **kwargs):
        frame = naming.caller_frame()
        if isinstance(source, autograd_core.Recording):
            rec = source
        elif callable(source):
            rec, found = record_function(source)
            names = {**found, **(names or {})}
        else:
            raise TypeError("GraphStepper expects an autograd_core.record() Recording or a function, "
                            f"not {type(source).__name__}")
        if not rec.events:
            raise ValueError("the recording is empty: run some operations inside autograd_core.record()")
        model = gm.GraphModel.from_recording(rec, view=view, names=names, show_saved=show_saved,
                                             frame=frame)
        self.recording, self.model = rec, model
        self.rules = ChainRule(model)
        self._rankdir = rankdir
        self._attempted = set()
        self._label_of_obj = _object_labels(model)
        # every node keeps its own id: no summarising of long chains (the steps refer to each node);
        # no colour key under the drawing, which scrolls in its box and would cut the key off with it
        # (walk 8's W8_7): the inspector shows the key until a node is clicked
        svg = render_svg(fast_layout(to_dot(model, labels="structure", legend=False, rankdir=rankdir,
                                            collapse=False),
                                     len(model.nodes)))
        super().__init__(view=view, _svg=svg, _nodes=front_end_nodes(model),
                         _edges=front_end_edges(model), _frames=model.frames,
                         ask_steps=self._ask_steps(ask), tally={"right": 0, "wrong": 0}, **kwargs)
        self.observe(self._on_predict_state, names=["predict", "answered", "ask_steps"])
        self.observe(self._refresh_inspector, names=["selected", "step", "_gate"])
        self.on_msg(self._on_message)
        self.predict = predict
        self._on_predict_state()
        self._refresh_inspector()

    # --- public API ---------------------------------------------------------------------------
    @property
    def n_steps(self):
        """Number of steps: one per recorded event, plus step 0 (before the first event)."""
        return len(self.model.states)

    @property
    def state(self):
        """The graph_model.StepState of the current step."""
        return self.model.states[self.step]

    @property
    def objects(self):
        """{node id: the engine's tensor / grad_fn / AccumulateGrad it stands for}."""
        return self.model.objects

    @traitlets.validate("step")
    def _valid_step(self, proposal):
        k = int(proposal["value"])
        n = len(self.model.states) if hasattr(self, "model") else 1
        if not 0 <= k < n:
            raise traitlets.TraitError(f"step must be between 0 and {n - 1}, got {k}")
        gate = self._gate if hasattr(self, "model") else -1
        return min(k, gate) if gate >= 0 else k  # predict mode: not past an open question

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        nid = proposal["value"]
        if nid and hasattr(self, "model") and nid not in self.model.nodes:
            raise traitlets.TraitError(f"no node {nid!r} in this graph")
        return nid

    @traitlets.validate("interval")
    def _valid_interval(self, proposal):
        ms = int(proposal["value"])
        if not 30 <= ms <= 10_000:
            raise traitlets.TraitError(f"interval must be between 30 and 10000 ms, got {ms}")
        return ms

    def step_lines(self, step=None):
        """The chain-rule panel's lines at `step` (default: the current step), as text."""
        return [line.text for line in self.model.states[self.step if step is None else step].lines]

    def texts(self, step=None):
        """{node id: [data text, grad text, css class]} the graph shows at `step` (default: current)."""
        return self.model.states[self.step if step is None else step].rows

    def question(self, step=None):
        """The graph_model.Question predict mode asks at `step` (None where nothing is asked)."""
        return self.model.states[self.step if step is None else step].question

    def targets(self, step=None):
        """[(label, expected ndarray)] a student predicts at `step` in predict mode."""
        q = self.question(step)
        return [(f.label, f.expected) for f in q.fields] if q is not None else []

    def submit_prediction(self, values, step=None):
        """Check predicted values for `step` (default: current): one text per field.

        A value is right within 1e-3 relative of the engine's. Unreadable or empty input is not
        checked (an error names the field). A wrong answer can be tried again; the tally counts
        each field once, at its first check. The feedback never shows an answer not yet given
        right or revealed. Returns the feedback (also in `feedback` and results[step])."""
        k = self.step if step is None else int(step) % self.n_steps
        q = self.question(k)
        if q is None:
            return self._publish({"step": k, "error": "nothing to predict at this step"}, store=False)
        if k in self.answered:
            return dict(self.results.get(str(k), {"step": k}), error="already answered")
        if not isinstance(values, (list, tuple)):
            values = [values]
        if len(values) != len(q.fields):
            return self._publish({"step": k, "error": f"expected {len(q.fields)} values, "
                                                       f"got {len(values)}"}, store=False)
        guesses = []
        for f, text in zip(q.fields, values):
            try:
                guesses.append(parse_guess(text, np.size(f.expected)))
            except ValueError as e:
                return self._publish({"step": k, "error": f"{f.label}: {e}",
                                      "fields": self._fields_feedback(k, q, values, None)},
                                     store=False)
        right = [is_close(g, f.expected, f.rtol) for g, f in zip(guesses, q.fields)]
        before = self.results.get(str(k), {}).get("fields", [])
        # a field right at an earlier try stays right
        right = [r or (i < len(before) and before[i].get("right", False)) for i, r in enumerate(right)]
        if k not in self._attempted:
            self._attempted.add(k)
            n_right = sum(right)
            self.tally = {"right": self.tally.get("right", 0) + n_right,
                          "wrong": self.tally.get("wrong", 0) + len(right) - n_right}
        done = all(right)
        fb = {"step": k, "status": "right" if done else "wrong",
              "fields": self._fields_feedback(k, q, values, right),
              "message": "right!" if done else
              (f"{sum(right)} of {len(right)} right: " if any(right) else "not quite: ")
              + ("" if done else "try again, or reveal the answer")}
        with self.hold_sync():  # (the feedback and what it unlocks reach the page in one update)
            self._publish(fb)
            if done:
                self.answered = sorted(set(self.answered) | {k})
        return fb

    def reveal(self, step=None, typed=None):
        """Show the answers of `step`'s question (default: current) and move on past it.

        `typed`: what the boxes show (one text per field; the browser sends it). A value typed but
        never checked is not judged, and not called "no answer" either: its line says what was
        typed, "not checked" (a reveal shows the answer; it is not a try, and the first-try tally
        stays the tries')."""
        k = self.step if step is None else int(step) % self.n_steps
        q = self.question(k)
        if q is None:
            return self._publish({"step": k, "error": "nothing to predict at this step"}, store=False)
        if k in self.answered:
            return self.results.get(str(k), {"step": k})
        if k not in self._attempted:  # revealed without a try: every field counts as not right
            self._attempted.add(k)
            self.tally = {"right": self.tally.get("right", 0),
                          "wrong": self.tally.get("wrong", 0) + len(q.fields)}
        before = self.results.get(str(k), {}).get("fields", [])
        typed = list(typed) if isinstance(typed, (list, tuple)) else []
        fields = []
        for i, f in enumerate(q.fields):
            item = {"label": f.label, "words": f.words,
                    "guess": before[i]["guess"] if i < len(before) else "",
                    "right": bool(i < len(before) and before[i].get("right")),
                    "expected": gm.format_array(f.expected)}
            now = str(typed[i]).strip() if i < len(typed) and typed[i] is not None else ""
            if now and not item["right"] and now != item["guess"].strip():
                item["typed"] = now
            item["line"], item["mark"] = _field_line(item)
            fields.append(item)
        with self.hold_sync():
            fb = self._publish({"step": k, "status": "revealed", "fields": fields,
                                "message": "the answer: " + "; ".join(
                                    f"{f['label']} = {f['expected']}" for f in fields)})
            self.answered = sorted(set(self.answered) | {k})
        return fb

    # --- internals ----------------------------------------------------------------------------
    def _fields_feedback(self, k, q, values, right):
        """Per field: what was typed, whether it is right; the answer only once it is right."""
        out = []
        for i, (f, text) in enumerate(zip(q.fields, values)):
            item = {"label": f.label, "words": f.words, "guess": str(text)}
            if right is not None:
                item["right"] = bool(right[i])
                if right[i]:
                    item["expected"] = gm.format_array(f.expected)
                item["line"], item["mark"] = _field_line(item)
            out.append(item)
        return out

    def _publish(self, fb, store=True):
        if store:
            self.results = {**self.results, str(fb["step"]): fb}
        self.feedback = fb
        return fb

    def _ask_steps(self, ask):
        """The steps that ask for a prediction: "all" (every step with a question), "leaves"
        (the AccumulateGrad steps: each leaf's new .grad) or a list of step numbers."""
        states = self.model.states
        meta = [(k, q is not None, phase) for k, (phase, q) in enumerate(states.phases())]
        can = [k for k, has_q, _ in meta if has_q]
        if ask == "all":
            return can
        if ask == "leaves":
            return [k for k, _, phase in meta if k in can and phase == "accumulate"]
        if isinstance(ask, str):
            raise ValueError(f"ask must be 'all', 'leaves' or a list of steps, not {ask!r}")
        chosen = sorted({int(k) % len(states) for k in ask})
        bad = [k for k in chosen if k not in can]
        if bad:
            raise ValueError(f"nothing to predict at step(s) {bad}: choose among {can}")
        return chosen

    def _on_predict_state(self, change=None):
        """The open question: the first asked step not answered yet (-1: none, or predict off)."""
        open_steps = [k for k in self.ask_steps if k not in set(self.answered)] if self.predict else []
        self._gate = open_steps[0] if open_steps else -1
        if self._gate >= 0 and self.step > self._gate:
            self.step = self._gate
        if self._gate >= 0 and self.playing and self.step >= self._gate:
            self.playing = False

    def _question_open(self, k):
        return self.predict and k == self._gate

    def _on_message(self, widget, content, buffers):
        """The browser's "check" (values typed for a step) and "reveal" requests."""
        if not isinstance(content, dict):
            return
        if content.get("kind") == "check":
            self.submit_prediction(list(content.get("values", [])), content.get("step"))
        elif content.get("kind") == "reveal":
            self.reveal(content.get("step"), content.get("values"))

    # --- the inspector ---------------------------------------------------------------------------
    def _refresh_inspector(self, change=None):
        self.inspector_html = self.inspector_at(self.selected, self.step)

    def inspector_at(self, nid, k):
        """The inspector's HTML for node nid at step k (see inspector_html)."""
        return inspector_html(self.model, nid, k, self._question_open(k), self._label_of_obj)

    # --- display --------------------------------------------------------------------------------
    def layout_box(self):
        """The displayed whole (the stepper holds its controls, panel and inspector itself)."""
        return self

    def static_svg(self, step=None):
        """SVG of a step with its values and grads written in (for nbconvert, slides, handouts).
        While the step's question is open, the picture is the step before (no answers in it)."""
        k = self.step if step is None else step
        if self._question_open(k % self.n_steps):
            k = k % self.n_steps - 1
        return render_svg(fast_layout(to_dot(self.model, labels="full", state=k, rankdir=self._rankdir,
                                             collapse=False), len(self.model.nodes)))

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):
            data = data[0]
        data = dict(data or {})
        try:
            data["image/svg+xml"] = self.static_svg()
        except Exception:  # noqa: BLE001 -- the widget view still works without a static picture
            pass
        data["text/plain"] = repr(self)
        return data

    def __repr__(self):
        return f"GraphStepper(step={self.step} of {self.n_steps - 1}, view={self.view!r})"


def inspector_html(model, nid, k, question_open=False, labels=None):
    """The inspector's HTML for node nid at step k, from the step model only: values, grads and
    what an op did as they were at that step; while the step's question is open, as they were
    the step before (its results stay hidden). labels: {id(engine object): label}."""
    if not nid:
        return NodeInspector.render(None, note="Click a node to inspect it.", key=colour_key(model))
    labels = _object_labels(model) if labels is None else labels
    node = model.nodes[nid]
    seen = k - 1 if question_open else k
    info = {"step": k, "n_steps": len(model.states), **model.states.node_at(nid, seen)}
    if seen != k and not info["visible"] and model.states.node_at(nid, k)["visible"]:
        # drawn by this very step (its build): on the graph already, its values are the answer
        info["created_now"] = True
        info["note"] = "created in this step: its values show once you have answered"
    elif seen != k:
        info["note"] = "values as before this step: predict its results first"
    acts = model.activity.get(nid, ())
    i = bisect.bisect_right([a.step for a in acts], seen) - 1
    if i >= 0:
        info.update(ran_at=acts[i].step, received=acts[i].received, passed=list(acts[i].passed))
    if node.kind == "saved":
        info["saved"] = _saved_by(model, nid, labels)
    obj = model.objects.get(nid)
    later = _later_version(model, nid, obj, seen)
    if later is not None:
        info["later_version"] = later
    title = node.label
    if node.kind == "op" and obj is None:            # (an op that recorded no grad_fn: "copy → w v1")
        made = next((model.nodes[e.dst].label for e in model.edges
                     if e.src == nid and "result" in e.classes), None)
        title = f"{node.label} → {made}" if made else node.label
    if node.kind in ("op", "function", "accumulate") and obj is not None:
        title = f"{obj.name()} → {labels.get(id(obj)) or '?'}" + (
            ".grad" if node.kind == "accumulate" else "")
    return NodeInspector.render(obj, name=title, at_step=info, name_of=lambda o: labels.get(id(o)),
                                node=node)


def _saved_by(model, nid, labels):
    """Of saved node nid: the backward function that saved it ("PowBackward0 (y)"), how torch reads
    it ("y.grad_fn._saved_self", where its output has a name), and whether it is a number, not a
    tensor (torch keeps pow's exponent as a Python number)."""
    fn_id = next((e.dst for e in model.edges if e.src == nid and "saved" in e.classes), None)
    fn = model.objects.get(fn_id)
    if fn is None:
        return {}
    output, attr = labels.get(id(fn)), f"_saved_{model.nodes[nid].label}"
    out = {"by": fn.name() + (f" ({output})" if output else "")}
    try:
        value = getattr(fn, attr)
    except RuntimeError:                  # freed by backward: torch's attribute, unreadable now
        value = None
    except AttributeError:
        return out
    if output and output.isidentifier():
        out["read_as"] = f"{output}.grad_fn.{attr}"
    if value is not None and not naming.is_tensor(value):
        out["number"] = type(value).__name__
    return out


def _later_version(model, nid, obj, k):
    """The label of the latest version of tensor node nid's tensor on the graph at step k, when an
    in-place op made one after nid (the tensor's .grad then shows on that one); else None."""
    if model.nodes[nid].kind != "tensor" or obj is None:
        return None
    order = list(model.nodes)                       # (in the order the recording made them)
    newer = [other for other in order[order.index(nid) + 1:] if model.objects.get(other) is obj
             and model.nodes[other].kind == "tensor" and model.states.node_at(other, k)["visible"]]
    return model.nodes[newer[-1]].label if newer else None


def _object_labels(model):
    """{id(engine object): the label of what it stands for}: a tensor's label (its latest
    version), a grad_fn's output's, an AccumulateGrad's leaf's."""
    out = {}
    result = {e.src: e.dst for e in model.edges if "result" in e.classes}
    for nid, obj in model.objects.items():
        node = model.nodes[nid]
        if node.kind == "tensor":
            out[id(obj)] = node.label
        elif node.kind == "op" and nid in result:
            out[id(obj)] = model.nodes[result[nid]].label
        elif node.kind == "function":
            out[id(obj)] = node.name
        elif node.kind == "accumulate":
            out[id(obj)] = (node.name or "").removesuffix(".grad")
    return out


__all__ = ["GraphStepper", "record_function", "front_end_nodes", "front_end_edges", "inspector_html"]
