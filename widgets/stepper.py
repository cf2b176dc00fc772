"""GraphStepper: watch the graph grow during the forward pass, then the gradients flow back.

    import autograd_core as torch
    from widgets.stepper import GraphStepper
    with torch.record() as rec:
        w = torch.tensor(1., requires_grad=True); x = torch.tensor(2., requires_grad=True)
        a = w + x; b = w + 1; y = a * b
        y.backward()
    GraphStepper(rec)                  # or GraphStepper(fn): fn runs under autograd_core.record()

One step per recorded event (step 0: before the first). Forward steps show nodes in creation order
with the op and the value; backward steps follow the engine's real order: the node that runs is
highlighted and the chain-rule panel shows what it received, its local derivative and their product
on each edge; a leaf's .grad changes when AccumulateGrad runs; at the end of a backward pass the
non-leaf grads read None (freed) unless retain_grad() kept them.

The graph is laid out ONCE (``to_dot(model, labels="structure")``, one `dot` run) and sent as SVG;
every step's state goes to the browser once (``_steps``: small diffs), so the front end
(static/stepper.js) steps by toggling CSS classes and filling text, with no kernel round trip.
Python owns the state: ``step``, ``selected`` (a node id; the NodeInspector beside the graph shows
it), ``predict``, ``tally`` and ``feedback`` are synced traits.
"""
from __future__ import annotations

import pathlib
import sys

import anywidget
import ipywidgets
import traitlets

import autograd_core

from . import graph_model as gm
from . import naming
from .chain_rule import BACKWARD_KINDS, ChainRule, is_close, parse_guess
from .inspector import NodeInspector
from .render import render_svg, to_dot

STATIC = pathlib.Path(__file__).parent / "static"


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
    return rec, names


def fast_layout(dot_text, n_nodes, above=80):
    """DOT text that lays out in well under a second: beyond `above` nodes, cap Graphviz's
    network-simplex iterations (nslimit) and crossing-minimisation passes (mclimit). Without the
    cap a 200-node graph with one input fanned out to 40 ops takes ~30 s in `dot`."""
    if n_nodes <= above:
        return dot_text
    head, sep, rest = dot_text.partition("{\n")
    return head + sep + "\tnslimit=1 nslimit1=1 mclimit=0.5\n" + rest


# ---------------------------------------------------------------------------------------------
# Linking model nodes to the engine's objects
# ---------------------------------------------------------------------------------------------
def link_objects(model, rec):
    """{node id: the tensor / grad_fn / AccumulateGrad it stands for} (None-free), from the events."""
    objs = {}
    events = rec.events
    inputs_of = {}
    for e in model.edges:
        inputs_of.setdefault(e.dst, []).append(e)
    for st in model.states:
        if st.event is None:
            continue
        ev = events[st.event]
        active = list(st.active)
        if ev.kind == "leaf" and active:
            objs.setdefault(active[0], ev.tensor)
        elif ev.kind == "forward" and active:
            if model.view == gm.TENSOR_VIEW:
                op, out = active[0], active[-1]
                if ev.node is not None:
                    objs.setdefault(op, ev.node)
                objs[out] = ev.tensor
                for e in inputs_of.get(op, ()):
                    if e.slot < len(ev.inputs) and naming.is_tensor(ev.inputs[e.slot]):
                        objs.setdefault(e.src, ev.inputs[e.slot])
            else:
                fn = active[0]
                objs.setdefault(fn, ev.node)
                for e in inputs_of.get(fn, ()):
                    nxt = ev.node.next_functions[e.slot][0]
                    if nxt is not None:
                        objs.setdefault(e.src, nxt)
        elif ev.kind == "accumulate" and active:
            objs.setdefault(active[-1], ev.tensor)
            if len(active) > 1:
                objs.setdefault(active[0], ev.node)
        elif ev.kind == "backward" and active:
            objs.setdefault(active[0], ev.node)
    forward_tensor = {id(e.node): e.tensor for e in events if e.kind == "forward" and e.node is not None}
    for e in model.edges:  # function view: leaves behind AccumulateGrad, roots after their grad_fn
        if "variable" in e.classes and e.dst in objs:
            objs.setdefault(e.src, objs[e.dst].variable)
        if "result" in e.classes and model.view == gm.FUNCTION_VIEW and e.src in objs:
            t = forward_tensor.get(id(objs[e.src]))
            if t is not None:
                objs.setdefault(e.dst, t)
    return objs


# ---------------------------------------------------------------------------------------------
# Per-step data for the front end
# ---------------------------------------------------------------------------------------------
def _pass_ends(states):
    """Indices of the last step of every run of backward-phase steps."""
    ends = set()
    for k, st in enumerate(states):
        nxt = states[k + 1].phase if k + 1 < len(states) else None
        if st.phase in BACKWARD_KINDS and nxt not in BACKWARD_KINDS:
            ends.add(k)
    return ends


def node_texts(model, st, in_pass):
    """{node id: [data text, grad text, css class]} for the value rows of the laid-out graph.

    Leaves show .grad; a non-leaf shows the gradient flowing through it while a backward pass runs
    (class "cg-flow": it is not stored in .grad) and, after the pass, .grad: None unless retained
    (class "cg-freed" when a gradient did pass through it)."""
    out = {}
    for nid, node in model.nodes.items():
        if node.kind == "saved":
            out[nid] = ["data " + st.values.get(nid, "?")]
            continue
        if node.kind != "tensor":
            continue
        data = "data " + st.values.get(nid, "?") if nid in st.values else "data"
        grad = st.grads.get(nid)
        cls = ""
        if grad is None:
            text = "grad"
        elif node.is_leaf:
            text = "grad " + grad
        elif in_pass and nid in st.flows:
            text, cls = "grad " + st.flows[nid], "cg-flow"
        else:
            text = "grad " + grad
            if grad == "None" and nid in st.flows:
                cls = "cg-freed"
        out[nid] = [data, text, cls]
    return out


def _diff(prev, cur):
    return sorted(cur - prev, key=str), sorted(prev - cur, key=str)


def build_steps(model, rules):
    """One small dict per step: what changed since the previous step, and the panel's text."""
    ends = _pass_ends(model.states)
    steps = []
    prev_vis, prev_edges, prev_done, prev_text = set(), set(), set(), {}
    for k, st in enumerate(model.states):
        in_pass = st.phase in BACKWARD_KINDS and k not in ends
        vis, edges, done = set(st.visible), set(st.visible_edges), set(st.done)
        texts = node_texts(model, st, in_pass)
        d = {"phase": "backward" if st.phase in BACKWARD_KINDS else st.phase,
             "kind": st.phase, "caption": st.caption,
             "active": list(st.active), "active_edges": list(st.active_edges)}
        d["show"], d["hide"] = _diff(prev_vis, vis)
        d["show_edges"], d["hide_edges"] = _diff(prev_edges, edges)
        d["done_add"], d["done_remove"] = _diff(prev_done, done)
        d["texts"] = {nid: t for nid, t in texts.items() if prev_text.get(nid) != t}
        if st.event is not None:
            d["lines"] = rules.step_lines(st.event)
            targets = rules.targets(st.event)
            if targets:
                d["targets"] = [label for label, _ in targets]
                d["prompt"] = rules.prompt_lines(st.event)
        else:
            d["lines"] = ["Press ▶ or → to run the program one event at a time."]
        steps.append(d)
        prev_vis, prev_edges, prev_done, prev_text = vis, edges, done, texts
    return steps


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------
class GraphStepper(anywidget.AnyWidget):
    """Step through a recorded forward and backward pass; click a node to inspect it.

    GraphStepper(recording_or_function, view="tensor" | "function", names=None, predict=False,
                 ask="all", rankdir="TB", show_saved=False)
    Traits: step (int), selected (node id or ""), predict (bool), tally ({"right", "wrong"}),
    feedback (dict: the answer to the last prediction), ask_steps (the steps that ask for a
    prediction in predict mode: every backward step with ask="all", the leaves' accumulations
    with ask="leaves", or the given list of steps). n_steps: number of steps (events + 1).
    """

    _esm = STATIC / "stepper.js"
    _css = STATIC / "stepper.css"

    step = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    predict = traitlets.Bool(False).tag(sync=True)
    tally = traitlets.Dict().tag(sync=True)
    feedback = traitlets.Dict().tag(sync=True)
    answered = traitlets.List(traitlets.Int()).tag(sync=True)
    ask_steps = traitlets.List(traitlets.Int()).tag(sync=True)
    view = traitlets.Unicode("tensor").tag(sync=True)
    _svg = traitlets.Unicode("").tag(sync=True)
    _steps = traitlets.List().tag(sync=True)
    _nodes = traitlets.Dict().tag(sync=True)
    _guess = traitlets.Dict().tag(sync=True)

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
        self.objects = link_objects(model, rec)
        self.rules = ChainRule(rec, self._rule_names())
        self._rankdir = rankdir
        # every node keeps its own id: no summarising of long chains (the steps refer to each node)
        svg = render_svg(fast_layout(to_dot(model, labels="structure", rankdir=rankdir, collapse=False),
                                     len(model.nodes)))
        nodes = {nid: {"kind": n.kind, "label": n.label,
                       "rows": 2 if n.kind == "tensor" else 1 if n.kind == "saved" else 0}
                 for nid, n in model.nodes.items()}
        steps = build_steps(model, self.rules)
        super().__init__(view=view, _svg=svg, _nodes=nodes, _steps=steps, predict=predict,
                         ask_steps=self._ask_steps(ask, steps), tally={"right": 0, "wrong": 0}, **kwargs)
        self.inspector = NodeInspector()
        self.inspector.add_class("cgraph-stepper-inspector")
        self.play = ipywidgets.Play(value=0, min=0, max=self.n_steps - 1, interval=700,
                                    show_repeat=False, description="play",
                                    tooltip="play / pause the steps")
        self.speed = ipywidgets.IntSlider(value=700, min=60, max=2000, step=20, description="ms/step",
                                          readout=True, continuous_update=True,
                                          layout=ipywidgets.Layout(width="260px"))
        # browser-side links: Play advances `step` with no kernel loop; the kernel still hears it
        self._links = [ipywidgets.jslink((self.play, "value"), (self, "step")),
                       ipywidgets.jslink((self.speed, "value"), (self.play, "interval"))]
        self._box = None
        self.observe(self._on_guess, names="_guess")
        self.observe(self._refresh_inspector, names=["selected", "step"])
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

    @traitlets.validate("step")
    def _valid_step(self, proposal):
        k = int(proposal["value"])
        n = len(self.model.states) if hasattr(self, "model") else 1
        if not 0 <= k < n:
            raise traitlets.TraitError(f"step must be between 0 and {n - 1}, got {k}")
        return k

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        nid = proposal["value"]
        if nid and hasattr(self, "model") and nid not in self.model.nodes:
            raise traitlets.TraitError(f"no node {nid!r} in this graph")
        return nid

    def step_lines(self, step=None):
        """The chain-rule panel's lines at `step` (default: the current step)."""
        return list(self._steps[self.step if step is None else step]["lines"])

    def texts(self, step=None):
        """{node id: [data text, grad text, css class]} shown at `step` (default: current)."""
        k = (self.step if step is None else step) % self.n_steps
        ends = _pass_ends(self.model.states)
        st = self.model.states[k]
        return node_texts(self.model, st, st.phase in BACKWARD_KINDS and k not in ends)

    def targets(self, step=None):
        """[(label, expected ndarray)] a student predicts at `step` in predict mode."""
        st = self.model.states[self.step if step is None else step]
        return self.rules.targets(st.event) if st.event is not None else []

    def submit_prediction(self, values, step=None):
        """Check predicted gradients for `step` (default: current): one value per target.

        Right when within 1e-3 relative of the engine's value; updates tally, answered, feedback
        (and returns feedback). A step is scored once; unreadable input is not scored."""
        k = self.step if step is None else int(step)
        targets = self.targets(k)
        if not targets:
            fb = {"step": k, "error": "nothing to predict at this step", "results": []}
            self.feedback = fb
            return fb
        if k in self.answered:
            fb = {"step": k, "error": "already answered", "results": self.feedback.get("results", [])}
            return fb
        if not isinstance(values, (list, tuple)):
            values = [values]
        if len(values) != len(targets):
            fb = {"step": k, "error": f"expected {len(targets)} values, got {len(values)}", "results": []}
            self.feedback = fb
            return fb
        results = []
        try:
            guesses = [parse_guess(v) for v in values]
        except ValueError as e:
            fb = {"step": k, "error": str(e), "results": []}
            self.feedback = fb
            return fb
        for (label, expected), text, guess in zip(targets, values, guesses):
            right = is_close(guess, expected)
            results.append({"label": label, "guess": str(text), "expected": gm.format_array(expected),
                            "right": right})
        n_right = sum(r["right"] for r in results)
        self.tally = {"right": self.tally.get("right", 0) + n_right,
                      "wrong": self.tally.get("wrong", 0) + len(results) - n_right}
        fb = {"step": k, "results": results, "lines": self.step_lines(k),
              "message": ("right!" if n_right == len(results) else
                          f"{n_right} of {len(results)} right" if n_right else "not quite")}
        self.answered = sorted(set(self.answered) | {k})
        self.feedback = fb
        return fb

    # --- internals ----------------------------------------------------------------------------
    def _rule_names(self):
        """{id(leaf tensor) or id(grad_fn): name} for the chain-rule text."""
        names = {}
        m = self.model
        for nid, obj in self.objects.items():
            node = m.nodes[nid]
            if node.kind == "tensor" and node.name and naming.is_tensor(obj):
                names.setdefault(id(obj), node.label)
        for st in m.states:  # a non-leaf is named through the grad_fn that made it
            ev = self.recording.events[st.event] if st.event is not None else None
            if ev is None or ev.kind != "forward" or ev.node is None or not st.active:
                continue
            node = m.nodes[st.active[-1] if m.view == gm.TENSOR_VIEW else st.active[0]]
            if node.name:
                names[id(ev.node)] = node.label if node.kind == "tensor" else node.name
        return names

    def _ask_steps(self, ask, steps):
        """The steps that ask for a prediction: "all" (every step that reveals a gradient),
        "leaves" (the AccumulateGrad steps: each leaf's new .grad) or a list of step numbers."""
        can = [k for k, d in enumerate(steps) if d.get("targets")]
        if ask == "all":
            return can
        if ask == "leaves":
            return [k for k in can if steps[k]["kind"] == "accumulate"]
        if isinstance(ask, str):
            raise ValueError(f"ask must be 'all', 'leaves' or a list of steps, not {ask!r}")
        chosen = sorted({int(k) % len(steps) for k in ask})
        bad = [k for k in chosen if k not in can]
        if bad:
            raise ValueError(f"nothing to predict at step(s) {bad}: choose among {can}")
        return chosen

    def _on_guess(self, change):
        g = change["new"] or {}
        if "step" in g:
            self.submit_prediction(list(g.get("values", [])), g["step"])

    def _refresh_inspector(self, change=None):
        nid = self.selected
        if not nid:
            self.inspector.show(None, note="Click a node of the graph to inspect it.")
            return
        self.inspector.show(self.objects.get(nid), name=self.model.nodes[nid].label,
                            at_step=self._step_info(nid), name_of=self._name_of,
                            node=self.model.nodes[nid])

    def _name_of(self, obj):
        return self.rules.name(obj)

    def _step_info(self, nid):
        """What the selected node shows at the current step (values as they were then)."""
        k = self.step
        st = self.model.states[k]
        info = {"step": k, "n_steps": self.n_steps, "visible": nid in st.visible}
        if nid in st.values:
            info["value"] = st.values[nid]
        if nid in st.grads:
            info["grad"] = st.grads[nid]
        if nid in st.flows:
            info["flow"] = st.flows[nid]
        obj = self.objects.get(nid)
        if obj is not None and hasattr(obj, "next_functions"):
            info.update(self._function_activity(obj, k))
        return info

    def _function_activity(self, fn, k):
        """The last backward event of fn at or before step k: what it received and passed on."""
        for st in reversed(self.model.states[1:k + 1]):
            ev = self.recording.events[st.event]
            if ev.kind == "backward" and ev.node is fn:
                r = self.rules
                root = r.root_name(r.pass_of[ev.index])
                passed = [f"d{root}/d{r.name(nxt)} = {gm.format_array(g)}"
                          for (nxt, _), g in zip(fn.next_functions, ev.grad_inputs)
                          if nxt is not None and g is not None]
                return {"ran_at": st.index,
                        "received": f"d{root}/d{r.name(fn)} = {gm.format_array(ev.grad_output)}",
                        "passed": passed or ["nothing (no input needs a gradient)"]}
            if ev.kind == "accumulate" and ev.node is fn:
                return {"ran_at": st.index, "received": gm.format_array(ev.grad),
                        "passed": [f".grad = {gm.format_array(ev.total)}"]}
        return {}

    # --- display --------------------------------------------------------------------------------
    def layout_box(self):
        """The displayed whole: Play + speed above, the stepper and its inspector side by side."""
        if self._box is None:
            controls = ipywidgets.HBox([self.play, self.speed],
                                       layout=ipywidgets.Layout(align_items="center"))
            main = ipywidgets.HBox([self, self.inspector],
                                   layout=ipywidgets.Layout(align_items="flex-start"))
            self._box = ipywidgets.VBox([controls, main])
            self._box.add_class("cgraph-stepper-box")
        return self._box

    def static_svg(self, step=None):
        """SVG of a step with its values and grads written in (for nbconvert, slides, handouts)."""
        k = self.step if step is None else step
        return render_svg(fast_layout(to_dot(self.model, labels="full", state=k, rankdir=self._rankdir,
                                             collapse=False), len(self.model.nodes)))

    def _repr_mimebundle_(self, **kwargs):
        data = self.layout_box()._repr_mimebundle_(**kwargs)
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


__all__ = ["GraphStepper", "record_function", "link_objects", "build_steps", "node_texts"]
