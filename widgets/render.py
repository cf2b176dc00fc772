"""Graphviz rendering of a GraphModel: DOT text, a displayable Digraph, SVG/PNG/GIF files.

    to_dot(model, labels="full" | "structure", legend=True, rankdir="TB", state=None,
           max_nodes=150, collapse=None, chain_min=4, small=8) -> str
    draw(*roots, view="tensor" | "function", names=None, show_saved=False, labels="full", **to_dot_kw)
        -> graphviz.Digraph (displays in a notebook; also accepts a GraphModel or a Recording)
    to_digraph(model, **to_dot_kw) -> graphviz.Digraph whose .source is to_dot(model, **to_dot_kw)
    render_svg(dot_or_model, timeout=None, **to_dot_kw) -> str (runs dot once)
    export(graph_or_model, "file.svg" | ".png" | ".pdf" | ".gif", frames=False, ...) -> path(s)
    picture_html(svg, alt) -> str: how draw()'s Digraph and a GraphModel show in a notebook
Without Graphviz's `dot` program every rendering raises GraphvizNotFound (how to install it); when
dot fails, or runs longer than DOT_TIMEOUT_S (then it is stopped), GraphvizError says why.

User text (names, module names, captions) reaches DOT only through html(): cleaned by clean_text
(line breaks -> spaces, other unprintable characters and lone surrogates -> U+FFFD, names shortened
to NAME_MAX characters with "…") and escaped, so any name renders to well-formed SVG.

In a notebook a picture is HTML (picture_html): its own size x --cgraph-scale (lecture mode),
shrunk to fit the output area down to MIN_PICTURE_SCALE of that (its smallest text stays >= 9 px x
the scale; a picture that fits without lecture mode fits with it), and
scrolling sideways beyond that; front ends without HTML get the SVG.

DOT contract (the GraphStepper relies on it):
- every node statement has ``id="<node id>"`` and ``class="<node classes>"``, every edge
  ``id="<edge id>"`` and ``class="<edge classes>"``; Graphviz >= 2.42 puts them on the node's /
  edge's ``<g>`` in SVG (``<g id="t3" class="node leaf param">``).
- labels="structure" lays out names, ops and shapes only. A tensor node's two LAST ``<text>``
  elements are its value row ("data") and grad row ("grad"), drawn in fixed-size cells whose width
  depends only on the shape, so one ``dot`` run serves every step: fill them from
  ``StepState.values`` / ``.grads`` (e.g. "data 3", "grad None").
- labels="full" writes the values and grads the model holds (for static pictures).
- state=k bakes model.states[k] in: nodes/edges not yet visible are invisible (still laid out, so
  frames line up), active ones get class "active" and a thick outline (amber in forward, red in
  backward), finished ones "done"; active edges carry their gradient as an xlabel (placed after
  layout) and the step's caption sits in a fixed-size cell above the legend. Frames for slides.
- Large models are simplified first (graph_model.simplify: max_nodes, collapse, chain_min); nodes
  of an nn module sit in a dashed cluster "cluster_<module>" (class "module").
Colours: every node has an explicit fill AND font colour; the background is transparent and edges,
clusters and the legend use a mid grey, so the picture reads on JupyterLab's light and dark themes.
"""
import base64
import contextlib
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import graphviz

from . import graph_model as gm

GREY = "#8c8c8c"
FONT = "Helvetica,Arial,sans-serif"
BORDER = GREY  # node outlines: visible on both themes (the fills carry the contrast)
ACTIVE = "#e4572e"          # the step's node in backward
ACTIVE_FORWARD = "#f4a100"  # ... and in forward

# kind -> (fill, font colour, legend text); the first class of a node found here colours it
PALETTE = {
    "output":     ("#7fd18b", "#0a2610", "root / output"),
    "retained":   ("#ffb870", "#331a00", "retained grad"),
    "frozen":     ("#a9b4c2", "#111a24", "frozen parameter"),
    "leaf":       ("#8ecae6", "#0b1f33", "leaf (requires grad)"),
    "const":      ("#e9dcc0", "#2b2b2b", "constant (no grad)"),
    "nonleaf":    ("#d0c4f7", "#1e1433", "non-leaf"),
    "op":         ("#ededed", "#222222", "op"),
    "function":   ("#dcdcdc", "#111111", "backward function"),
    "accumulate": ("#c4c4c4", "#111111", "AccumulateGrad"),
    "saved":      ("#fff1a8", "#2b2600", "saved for backward"),
    "made-by-backward": ("#f5b7c9", "#3b0a1c", "made by the backward pass"),
    "summary":    ("#f6f6f6", "#222222", "repeated chain"),
    "module":     ("#cfe8d5", "#102a18", "collapsed module"),
}
PRIORITY = ("summary", "module", "output", "retained", "frozen", "made-by-backward", "leaf", "const",
            "nonleaf", "op", "function", "accumulate", "saved")
# (the backward pass's own nodes, under create_graph, are keyed only where a graph has some)
LEGEND = {gm.TENSOR_VIEW: ("leaf", "const", "nonleaf", "retained", "output", "frozen", "op",
                           "made-by-backward"),
          gm.FUNCTION_VIEW: ("leaf", "const", "frozen", "function", "accumulate", "output", "saved",
                             "made-by-backward")}
OPTIONAL_KEYS = {"made-by-backward"}
CHAR_W = 5.6  # points per character at 10 pt: sizes the fixed value / grad cells


class GraphvizNotFound(RuntimeError):
    """Graphviz's `dot` program is not installed (the Python package alone cannot lay out graphs)."""

    def __init__(self, msg=None):
        super().__init__(msg or (
            "Graphviz's `dot` program was not found: install it with `sudo apt-get install graphviz` "
            "(Debian/Ubuntu), `brew install graphviz` (macOS) or "
            "`conda install -c conda-forge graphviz`"))


# ---------------------------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------------------------
SCOPED_MAX = 12  # a static op's longer scoped name takes a line per scope
NAME_MAX = 40   # characters of a name, op or module on a node; longer ones are shortened with "…"
TEXT_MAX = 200  # characters of any other text (captions, values); keeps dot's HTML strings small
# whitespace that would break a one-line label: shown as a space
_LINE_BREAKS = frozenset("\n\r\t\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# format characters that join scripts and emoji: kept, though str.isprintable() says no
_JOINERS = frozenset("\u200c\u200d")


def clean_text(text, limit=TEXT_MAX):
    """text as a label can show it: line breaks -> " ", other unprintable characters (controls,
    format characters, lone surrogates, non-characters) -> "\ufffd", at most `limit` characters
    (the last one "…" when it was longer)."""
    text = str(text)
    if not text.isprintable():
        out = []
        for ch in text:
            if ch.isprintable() or ch in _JOINERS or unicodedata.category(ch) in ("Zs", "Co"):
                out.append(ch)  # spaces of every width, private-use glyphs: valid XML, harmless
            else:
                out.append(" " if ch in _LINE_BREAKS else "\ufffd")
        text = "".join(out)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def html(text, limit=TEXT_MAX):
    """Text for a Graphviz HTML-like label: cleaned (clean_text), markup characters as entities,
    backslashes doubled (dot reads "\\N" as the node's id, "\\G" as the graph's name, "\\\\" as "\\"),
    and a leading "]" as an entity (Graphviz 2.43's HTML lexer refuses "]" right after a tag: <B>]</B>)."""
    text = (clean_text(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;").replace("\\", "\\\\"))
    return "&#93;" + text[1:] if text.startswith("]") else text


def quote(text):
    """A double-quoted DOT string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _attrs(d):
    return " ".join(f"{k}={v}" for k, v in d.items())


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------
def _shape_text(node):
    dims = ", ".join(str(s) for s in node.shape) + ("," if len(node.shape) == 1 else "")
    return f"({dims})" + (f" {node.dtype}" if node.dtype else "")


def _cell(text, size=None, bold=False):
    inner = f"<B>{text}</B>" if bold else text
    if size:
        inner = f'<FONT POINT-SIZE="{size}">{inner}</FONT>'
    return f"<TR><TD>{inner}</TD></TR>"


def _fixed_cell(text, width_chars):
    w = int(round((width_chars + 5) * CHAR_W)) + 4
    return (f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{w}" HEIGHT="14" ALIGN="LEFT">'
            f'<FONT POINT-SIZE="10">{text}</FONT></TD></TR>')


def _table(rows):
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")


def tensor_label(node, labels, value=None, grad=None, small=gm.SMALL, static=False):
    """HTML label of a tensor node: name, grad_fn, shape, then value and grad rows."""
    rows = [_cell(html(node.label, NAME_MAX), bold=True)]
    if node.kind == "const":  # a number an op used: its value is its name
        return _table(rows)
    if node.derivative and node.derivative != node.label:  # a gradient tensor: what it holds
        rows.append(_cell(f"<I>{html('= ' + node.derivative, NAME_MAX)}</I>", size=10))
    if node.name and node.op and node.kind == "tensor" and not node.is_leaf:
        rows.append(_cell(html(f"grad_fn={clean_text(node.op, NAME_MAX)}"), size=9))
    if node.shape is not None:
        rows.append(_cell(html(_shape_text(node)), size=9))
    if node.count > 1:
        rows.append(_cell(html(f"×{node.count}"), size=9))
    if labels == "full":
        if not node.has_value:  # neither saved nor recorded (or a static graph, not run yet)
            return _table(rows)
        rows.append(_cell(html("data " + gm.format_array(node.value, small)), size=10))
        if node.kind == "tensor" and not static:
            rows.append(_cell(html("grad " + gm.format_array(node.grad, small)), size=10))
    else:
        width = gm.text_width(node.shape, small)
        rows.append(_fixed_cell(html("data" + ("" if value is None else " " + value)), width))
        if node.kind == "tensor":
            rows.append(_fixed_cell(html("grad" + ("" if grad is None else " " + grad)), width))
    return _table(rows)


def op_label(node, static=False):
    """HTML label of an op / function node: its label, then in italics the tensor it made (a
    function node), or in a static graph the op's name (a gradient node's) or its type."""
    rows = [_cell(html(node.label, NAME_MAX), size=10)]
    second = node.name if node.name and node.name != node.label else None
    if static and second is None and node.op and node.op != node.label:
        second = node.op
    if node.kind in ("function", "op") and second:
        # a static graph's scoped name (gradients/x_grad/AddGrad_1) a line per scope: a node as
        # wide as its longest part, so the graph tf.gradients grew fits a projector's width
        parts = re.findall(r"[^/]+/?|/", second) if static and len(second) > SCOPED_MAX else [second]
        rows.extend(_cell(f"<I>{html(part, NAME_MAX)}</I>", size=9) for part in parts)
    if node.kind == "module":
        rows.append(_cell(html(f"{node.count} node{'' if node.count == 1 else 's'}"), size=9))
    return _table(rows)


def _colour_key(classes):
    for key in PRIORITY:
        if key in classes:
            return key
    return "op"


# ---------------------------------------------------------------------------------------------
# DOT
# ---------------------------------------------------------------------------------------------
def _node_stmt(node, labels, st=None, small=gm.SMALL, static=False):
    classes = list(node.classes)
    fill, font, _ = PALETTE[_colour_key(node.classes)]
    a = {"id": quote(node.id)}
    if node.kind in ("tensor", "const", "saved"):
        value = grad = None
        if st is not None:
            value, grad = st.values.get(node.id), st.grads.get(node.id)
        a["label"] = tensor_label(node, labels, value, grad, small, static)
        a["shape"] = "note" if node.kind == "saved" else "box"
        a["style"] = quote("filled,rounded" + (",dashed" if "frozen" in classes else ""))
        if "output" in classes:
            a["penwidth"] = "2.5"
        if "retained" in classes:  # an outer ring in the node's own colour
            a["peripheries"] = "2"
            a["color"] = quote(fill)
    else:
        a["label"] = op_label(node, static)
        a["shape"] = {"op": "ellipse", "function": "box", "accumulate": "box"}.get(node.kind, "box")
        a["style"] = quote(("filled" if node.kind == "op" else "filled,rounded")
                           # (the backward pass's own ops: dashed as well as coloured)
                           + (",dashed" if "made-by-backward" in classes else ""))
        a["margin"] = quote("0.05,0.02")
        a["height"] = "0.3"
    if st is not None:
        if node.id not in st.visible_set:
            a["style"] = "invis"
            classes.append("hidden")
        if node.id in st.active_set:
            classes.append("active")
            a["color"], a["penwidth"] = quote(st.colour), "3"
        elif node.id in st.done_set:
            classes.append("done")
    a["class"] = quote(" ".join(classes))
    a["fillcolor"], a["fontcolor"] = quote(fill), quote(font)
    a.setdefault("color", quote(BORDER))
    return f"{node.id} [{_attrs(a)}]"


def _edge_stmt(edge, st=None):
    classes = list(edge.classes)
    a = {"id": quote(edge.id)}
    if "saved" in classes:
        a["style"] = "dashed"
        a["arrowhead"] = "none"
    if edge.count > 1:
        a["label"] = quote(f"×{edge.count}")
    if st is not None:
        if edge.id not in st.visible_edges_set:
            a["style"] = "invis"
            classes.append("hidden")
        if edge.id in st.active_edges_set:
            classes.append("active")
            a["color"], a["penwidth"] = quote(st.colour), "2.5"
            if edge.id in st.edge_grads:  # xlabels are placed after layout: frames stay aligned
                a["xlabel"] = _text_label(st.edge_grads[edge.id], st.colour)
    a["class"] = quote(" ".join(classes))
    return f"{edge.src} -> {edge.dst} [{_attrs(a)}]"


def _text_label(text, colour):
    return f'<<FONT COLOR="{colour}" POINT-SIZE="9">{html(text)}</FONT>>'


STATIC_LEGEND = {"leaf": "Placeholder / Variable", "const": "Const", "output": "fetchable result",
                 "made-by-backward": "added by tf.gradients"}


def _legend_keys(view, present):
    """The kinds of node the colour key lists: those present (the usual ones when none is)."""
    return ([k for k in LEGEND[view] + ("summary", "module") if k in present]
            or [k for k in LEGEND[view] if k not in OPTIONAL_KEYS])


def _key_text(kind, static):
    """A colour key entry's words (a static graph's kinds have TensorFlow 1.x's names)."""
    return STATIC_LEGEND.get(kind, PALETTE[kind][2]) if static else PALETTE[kind][2]


def colour_key(model):
    """[(fill, font colour, text)]: the colour key of model's drawing, one entry per kind of node
    it has (to_dot draws it under the graph; the GraphStepper, whose drawing scrolls in its box,
    shows it in its inspector until a node is clicked)."""
    present = {_colour_key(n.classes) for n in model.nodes.values()}
    static = model.source == "static"
    return [(PALETTE[k][0], PALETTE[k][1], _key_text(k, static)) for k in _legend_keys(model.view, present)]


def _legend(view, present, legend=True, caption=None, static=False):
    """The graph label: a row of colour keys, and for a step frame a fixed-size caption above."""
    keys = _legend_keys(view, present)
    rows = ""
    if caption is not None:
        width = 480
        fits = int(width / (CHAR_W * 1.15))  # captions have more wide letters than numbers do
        text = caption if len(caption) <= fits else caption[:fits - 1] + "…"
        rows += (f'<TR><TD COLSPAN="{len(keys)}" FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="16" '
                 f'ALIGN="LEFT"><FONT POINT-SIZE="10">{html(text)}</FONT></TD></TR>')
    if legend:
        rows += "<TR>" + "".join(
            f'<TD BGCOLOR="{PALETTE[k][0]}"><FONT COLOR="{PALETTE[k][1]}" POINT-SIZE="9">'
            f"{html(_key_text(k, static))}</FONT></TD>"
            for k in keys) + "</TR>"
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="3">' + rows + "</TABLE>>"


class _StepView:
    """A StepState with set lookups (to_dot checks membership for every node)."""

    def __init__(self, st):
        self.values, self.grads, self.caption = st.values, st.grads, st.caption
        self.edge_grads = st.edge_grads
        # (an op a backward pass builds is a step of that backward pass)
        self.colour = ACTIVE_FORWARD if st.phase in ("leaf", "forward") and not st.made_by else ACTIVE
        self.visible_set, self.active_set = set(st.visible), set(st.active)
        self.done_set = set(st.done)
        self.visible_edges_set, self.active_edges_set = set(st.visible_edges), set(st.active_edges)


def _statements(model, labels="full", legend=True, rankdir="TB", state=None,
                max_nodes=150, collapse=None, chain_min=4, small=gm.SMALL):
    """(graph attributes, body lines) of the DOT for model."""
    if labels not in ("full", "structure"):
        raise ValueError(f"labels must be 'full' or 'structure', not {labels!r}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be TB, LR, BT or RL, not {rankdir!r}")
    model = gm.simplify(model, max_nodes=max_nodes, collapse=collapse, chain_min=chain_min)
    st = None
    if state is not None:
        st = _StepView(model.state_at(state))
        labels = "structure"
    graph = {"rankdir": rankdir, "bgcolor": quote("transparent"), "fontname": quote(FONT),
             "fontcolor": quote(GREY), "nodesep": "0.25", "ranksep": "0.3"}
    body = [f"node [fontname={quote(FONT)} fontsize=10 color={quote(BORDER)}]",
            f"edge [color={quote(GREY)} fontcolor={quote(GREY)} fontname={quote(FONT)} fontsize=9 "
            f"arrowsize=0.7]"]
    clusters, cluster_ids = {}, set()
    for node in model.nodes.values():
        clusters.setdefault(node.module if node.kind != "module" else None, []).append(node)
    for module, nodes in clusters.items():
        stmts = [_node_stmt(n, labels, st, small, model.source == "static") for n in nodes]
        if module is None:
            body.extend(stmts)
            continue
        cid = "cluster_" + "".join(c if c.isalnum() else "_" for c in clean_text(module, NAME_MAX))
        while cid in cluster_ids:  # two modules whose names differ only where they were cleaned
            cid += "_"
        cluster_ids.add(cid)
        body.append(f"subgraph {quote(cid)} {{")
        body.append(f'id={quote(cid)} class="module" label=<{html(module, NAME_MAX)}> style="rounded,dashed" '
                    f"color={quote(GREY)} fontcolor={quote(GREY)} fontsize=10")
        body.extend("  " + s for s in stmts)
        body.append("}")
    body.extend(_edge_stmt(e, st) for e in model.edges)
    if legend or st is not None:
        present = {_colour_key(n.classes) for n in model.nodes.values()}
        caption = f"{state}: {st.caption}" if st is not None else None
        graph["label"] = _legend(model.view, present, legend, caption, model.source == "static")
        graph["labelloc"], graph["labeljust"] = "b", "l"
    return graph, body


def to_digraph(model, labels="full", legend=True, rankdir="TB", state=None, max_nodes=150,
               collapse=None, chain_min=4, small=gm.SMALL):
    """The model as a displayable graphviz.Digraph (raises GraphvizNotFound when shown without dot)."""
    graph, body = _statements(model, labels, legend, rankdir, state, max_nodes, collapse, chain_min,
                              small)
    lines = [f"{k}={v}" for k, v in graph.items()] + body
    digraph = Digraph(name="G", body=["\t" + line + "\n" for line in lines])
    digraph.alt = describe(model)
    return digraph


def describe(model):
    """One line saying what a picture of model shows (its text alternative)."""
    roots = [model.nodes[r].label for r in model.roots if r in model.nodes]
    what = {"static": "static graph", "recording": "recorded graph"}.get(model.source,
                                                                         "computation graph")
    return clean_text(f"{what} ({model.view} view) of {', '.join(roots) or 'nothing'}: "
                      f"{len(model.nodes)} nodes, {len(model.edges)} edges")


def to_dot(model, labels="full", legend=True, rankdir="TB", state=None, max_nodes=150,
           collapse=None, chain_min=4, small=gm.SMALL):
    """DOT text for model: a pure function of the model (same model -> same text).

    labels: "full" (values and grads) or "structure" (names/ops/shapes; fixed-size value and grad
    cells), legend: the colour key, rankdir: "TB" | "LR" | ..., state: bake step k of a recording
    in, max_nodes / collapse / chain_min: see graph_model.simplify, small: tensors with more
    elements are summarised as min / mean / max."""
    return to_digraph(model, labels, legend, rankdir, state, max_nodes, collapse, chain_min,
                      small).source


class Digraph(graphviz.Digraph):
    """graphviz.Digraph that lays out through run_dot (a timeout, clear errors) and displays in
    notebooks as a picture that fits its output area (picture_html)."""

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            _check_dot()
            with _dot_errors():
                return super().pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine,
                                    encoding=encoding)
        out = run_dot(self.source, format or self.format)
        return out.decode(encoding) if encoding else out

    def render(self, *args, **kwargs):
        _check_dot()
        with _dot_errors():
            return super().render(*args, **kwargs)

    alt = "computation graph"  # the picture's text alternative (to_digraph describes the graph)

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        # text/html first for notebook front ends (a picture that fits), the SVG for the others
        wanted = set(include) if include is not None else {"text/html", "image/svg+xml"}
        wanted -= set(exclude or ())
        bundle = super()._repr_mimebundle_(include=wanted - {"text/html"})
        if "text/html" in wanted:
            svg = bundle.get("image/svg+xml") or self.pipe(format="svg", encoding="utf-8")
            bundle["text/html"] = picture_html(svg, self.alt)
        return bundle


# ---------------------------------------------------------------------------------------------
# A picture in a notebook's output area
# ---------------------------------------------------------------------------------------------
# A wide picture shrinks to its output area down to this scale, then scrolls: the smallest text in
# a drawing (9 pt = 12 px at scale 1) stays at least 9 px high on screen. Lecture mode multiplies
# the picture's width, and this floor, by --cgraph-scale -- except that a picture that fits the
# output area without lecture mode fits it with lecture mode too, below the lecture floor if need
# be (W14_4: lecture 07's graph of the frozen resnet18's head, 973 px, scrolled sideways at
# 1280x720 x1.5 with its constant inputs, the point of the picture, off screen; its smallest text
# is 10.4 px there now). A picture too wide for the area even at this floor scrolls at the lecture
# floor, its text as large as lecture mode makes it.
MIN_PICTURE_SCALE = 0.75
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"')


def svg_size_px(svg):
    """(width, height) in CSS pixels of a Graphviz SVG (its size is in points: 1 pt = 4/3 px)."""
    m = _SVG_SIZE.search(svg)
    if m is None:
        raise ValueError("not a Graphviz SVG: the <svg> element has no width and height")
    w, wu, h, hu = m.groups()
    return (float(w) * (4 / 3 if wu != "px" else 1), float(h) * (4 / 3 if hu != "px" else 1))


def picture_html(svg, alt="computation graph"):
    """HTML showing a Graphviz SVG at its own size in px x --cgraph-scale, shrunk to fit its output
    area but never below MIN_PICTURE_SCALE of that (then the area scrolls sideways), unless it fits
    the area at MIN_PICTURE_SCALE of its own size: then it fits. The SVG is an
    <img>: nothing in it runs or takes the page's styles, and its ids cannot clash with others'."""
    width, _ = svg_size_px(svg)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    scaled = "calc({:.0f}px * var(--cgraph-scale, 1))"
    # the floor: the lecture floor, or the area's width where the picture fits it at the plain floor
    # (floor <= 100%: then 1001 floor - 1000 * 100% <= 100%, and max() gives 100%; a floor wider than
    # the area by more than a thousandth of the two floors' difference gives the lecture floor)
    floor = width * MIN_PICTURE_SCALE
    min_width = f"min({scaled.format(floor)}, max(100%, calc({1001 * floor:.0f}px - 100000%)))"
    # the wrapper and the picture are both flipped upside down: the picture reads as drawn and
    # the sideways scrollbar sits on top, in view with the picture's first rows (at the bottom
    # of a tall graph, a student would never see that there is more to the right)
    return (f'<div class="cgraph-picture" style="max-width:100%;overflow-x:auto;'
            f'transform:scaleY(-1)">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{html(alt)}" '
            f'style="display:block;height:auto;max-width:100%;width:{scaled.format(width)};'
            f'min-width:{min_width};transform:scaleY(-1)"></div>')


def draw(*roots, view="tensor", names=None, show_saved=False, **to_dot_kwargs):
    """A graphviz.Digraph of the graph behind roots (tensors of autograd_core or torch), a
    GraphModel or a Recording. Tensor names come from `names` or the caller's variables."""
    from autograd_core import Recording  # noqa: deferred so torch-only use stays light
    if len(roots) == 1 and isinstance(roots[0], gm.GraphModel):
        model = roots[0]
    elif len(roots) == 1 and isinstance(roots[0], Recording):
        model = gm.GraphModel.from_recording(roots[0], view=view, names=names, show_saved=show_saved,
                                             small=to_dot_kwargs.get("small", gm.SMALL))
    else:
        model = gm.GraphModel.from_tensors(*roots, view=view, names=names, show_saved=show_saved)
    return to_digraph(model, **to_dot_kwargs)


# ---------------------------------------------------------------------------------------------
# Running dot
# ---------------------------------------------------------------------------------------------
def _check_dot():
    if shutil.which("dot") is None:
        raise GraphvizNotFound()


def _source(obj, **kwargs):
    if isinstance(obj, gm.GraphModel):
        return to_dot(obj, **kwargs)
    if isinstance(obj, (graphviz.Digraph, graphviz.Graph, graphviz.Source)):
        return obj.source
    if isinstance(obj, str):
        return obj
    raise TypeError(f"expected a GraphModel, a graphviz graph or DOT text, not {type(obj).__name__}")


DOT_TIMEOUT_S = 60.0  # a layout that takes longer is stopped (a graph draw() makes takes < 1 s)


class GraphvizError(RuntimeError):
    """Graphviz's `dot` failed or did not finish: the message says why."""


@contextlib.contextmanager
def _dot_errors():
    """graphviz's CalledProcessError (the python package ran dot) as a GraphvizError."""
    try:
        yield
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound() from None
    except graphviz.CalledProcessError as e:
        raise _failed(e.returncode, e.stderr) from None


def _failed(returncode, stderr):
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    said = " ".join((stderr or "").split())
    said = said if len(said) <= 300 else said[:299] + "…"
    return GraphvizError(f"Graphviz's `dot` failed (exit status {returncode})"
                         + (f": {said}" if said else " without saying why"))


def run_dot(source, fmt="svg", timeout=None):
    """dot -T<fmt> on DOT text: bytes. Raises GraphvizNotFound without dot, GraphvizError when dot
    fails (with what it said) or takes longer than `timeout` seconds (default DOT_TIMEOUT_S)."""
    _check_dot()
    timeout = DOT_TIMEOUT_S if timeout is None else timeout
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError as e:  # only raw DOT text can get here: labels are cleaned
        raise ValueError(f"the DOT text has a character UTF-8 cannot encode ({e.object[e.start]!r} "
                         f"at position {e.start}); graphs made by to_dot never do") from None
    try:
        proc = subprocess.run(["dot", f"-T{fmt}"], input=data, capture_output=True,
                              timeout=timeout, check=False)
    except FileNotFoundError:  # removed between the check and the run
        raise GraphvizNotFound() from None
    except subprocess.TimeoutExpired:  # run() has killed dot
        raise GraphvizError(
            f"Graphviz's `dot` did not finish laying out the graph within {timeout:g} s and was "
            f"stopped: draw a smaller part of it (fewer roots, or max_nodes=...), or allow more "
            f"time with widgets.render.DOT_TIMEOUT_S") from None
    if proc.returncode != 0:
        raise _failed(proc.returncode, proc.stderr)
    return proc.stdout


def render_svg(obj, timeout=None, **kwargs):
    """SVG text for a GraphModel (to_dot kwargs apply), a graphviz graph or DOT text (run_dot)."""
    return run_dot(_source(obj, **kwargs), "svg", timeout).decode("utf-8")


def export(obj, path, *, frames=False, duration_ms=900, background="white", view="tensor",
           names=None, **to_dot_kwargs):
    """Write obj (GraphModel, Recording, graphviz graph or DOT text) to path; the suffix picks the
    format.

    ".svg" / ".png" / ".pdf": one picture. ".gif": an animation of a recorded model's steps (one
    frame per StepState, PNG frames rendered by dot on `background`). frames=True with ".svg" or
    ".png" writes numbered frames "<stem>_000<suffix>", ... instead. Returns the path(s) written.
    A Recording is first made into GraphModel.from_recording(obj, view, names).
    """
    if hasattr(obj, "events") and not isinstance(obj, gm.GraphModel):
        obj = gm.GraphModel.from_recording(obj, view=view, names=names,
                                           small=to_dot_kwargs.get("small", gm.SMALL))
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png", ".pdf", ".gif"):
        raise ValueError(f"unsupported file type {suffix!r}: use .svg, .png, .pdf or .gif")
    if suffix == ".gif" or frames:
        if not isinstance(obj, gm.GraphModel) or not obj.states:
            raise ValueError("frames and GIFs need a GraphModel built with from_recording()")
        sources = [_with_background(to_dot(obj, state=k, **to_dot_kwargs),
                                    background if suffix in (".gif", ".png") else None)
                   for k in range(len(obj.states))]
        if suffix == ".gif":
            return _write_gif(sources, path, duration_ms)
        out = []
        for k, src in enumerate(sources):
            p = path.with_name(f"{path.stem}_{k:03d}{suffix}")
            p.write_bytes(run_dot(src, suffix[1:]))
            out.append(p)
        return out
    path.write_bytes(run_dot(_source(obj, **to_dot_kwargs), suffix[1:]))
    return path


def _with_background(source, colour):
    if colour is None:
        return source
    return source.replace('bgcolor="transparent"', f"bgcolor={quote(colour)}", 1)


def _write_gif(sources, path, duration_ms):
    import io

    from PIL import Image
    images = [Image.open(io.BytesIO(run_dot(src, "png"))).convert("RGB") for src in sources]
    w = max(im.width for im in images)
    h = max(im.height for im in images)
    frames = []
    for im in images:  # frames share one canvas size (invisible nodes keep the layout, but be safe)
        canvas = Image.new("RGB", (w, h), "white")
        canvas.paste(im, (0, 0))
        frames.append(canvas)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path
