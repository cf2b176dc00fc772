"""to_dot / draw / export: ids and classes in the SVG, escaping, determinism, missing dot."""
import re
import xml.etree.ElementTree as ET

import graphviz
import pytest

import autograd_core as torch
import widgets
from widgets import GraphModel, GraphvizNotFound, draw, export, format_array, render_svg, to_dot

SVG = "{http://www.w3.org/2000/svg}"


def _svg_groups(svg):
    """{id: classes} of every <g> with an id in the SVG."""
    root = ET.fromstring(svg)
    return {g.get("id"): g.get("class", "") for g in root.iter(SVG + "g") if g.get("id")}


def _example_a(w0=1., x0=2.):
    w = torch.tensor(w0, requires_grad=True)
    x = torch.tensor(x0, requires_grad=True)
    a = w + x
    b = w + 1
    y = a * b
    return dict(w=w, x=x, a=a, b=b, y=y)


@pytest.mark.parametrize("view", ["tensor", "function"])
def test_svg_has_every_node_and_edge_id_with_classes(view):
    env = _example_a()
    model = GraphModel.from_tensors(env["y"], view=view, names=env)
    groups = _svg_groups(render_svg(model))
    for node in model.nodes.values():
        assert groups[node.id].split() == ["node", *node.classes]
    for edge in model.edges:
        assert groups[edge.id].split() == ["edge", *edge.classes]


def test_draw_returns_digraph_and_names_come_from_caller():
    env = _example_a()
    w, y = env["w"], env["y"]  # noqa: F841 (found by name in this frame)
    g = draw(y)
    assert isinstance(g, graphviz.Digraph)
    assert "<B>w</B>" in g.source and "<B>y</B>" in g.source
    assert g.source == to_dot(GraphModel.from_tensors(y))
    assert "image/svg+xml" in g._repr_mimebundle_()


def test_every_node_has_fill_and_font_colour_and_transparent_background():
    env = _example_a()
    dot = to_dot(GraphModel.from_tensors(env["y"], names=env, show_saved=True))
    node_lines = [ln for ln in dot.splitlines() if re.match(r"\s*[tf]\d+ \[", ln)]
    assert node_lines
    assert all("fillcolor=" in ln and "fontcolor=" in ln for ln in node_lines)
    assert 'bgcolor="transparent"' in dot


def test_escaping_user_text():
    evil = "<img src=x onerror=alert(1)>"
    t = torch.tensor([1., 2.], requires_grad=True)
    y = (t * 2).sum()
    names = {evil: t, "a&b \"q\" 'p' |{x}|": y}
    svg = render_svg(GraphModel.from_tensors(y, names=names))
    root = ET.fromstring(svg)  # well-formed XML
    assert not [el for el in root.iter() if el.tag.split("}")[-1].lower() == "img"]
    texts = [el.text for el in root.iter(SVG + "text") if el.text]
    assert evil in texts
    assert "a&b \"q\" 'p' |{x}|" in texts
    assert "<img" not in svg and "&lt;img src=x onerror=alert(1)&gt;" in svg


def test_same_graph_twice_gives_identical_dot_and_svg_ids():
    m1 = GraphModel.from_tensors(_example_a()["y"], names=None)
    m2 = GraphModel.from_tensors(_example_a()["y"], names=None)
    assert to_dot(m1) == to_dot(m2)
    assert list(_svg_groups(render_svg(m1))) == list(_svg_groups(render_svg(m2)))


def test_structure_labels_do_not_depend_on_values():
    def layout(w0, x0):
        env = _example_a(w0, x0)
        env["y"].backward()
        dot = to_dot(GraphModel.from_tensors(env["y"], names=env), labels="structure")
        svg = render_svg(dot)
        return dot, re.sub(r">[^<]*</text>", "></text>", svg)
    d1, s1 = layout(1., 2.)
    d2, s2 = layout(-123.456, 0.000123)
    assert d1 == d2 and s1 == s2
    full = to_dot(GraphModel.from_tensors(_example_a()["y"]), labels="full")
    assert "data 6" in full


def test_structure_value_and_grad_rows_are_last_texts():
    env = _example_a()
    model = GraphModel.from_tensors(env["y"], names=env)
    root = ET.fromstring(render_svg(model, labels="structure"))
    for g in root.iter(SVG + "g"):
        if g.get("id") in model.nodes and model.nodes[g.get("id")].kind == "tensor":
            texts = [t.text.strip() for t in g.iter(SVG + "text")]
            assert texts[-2:] == ["data", "grad"]


def test_multiplicity_in_svg():
    a = torch.tensor(3., requires_grad=True)
    y = a * a
    model = GraphModel.from_tensors(y, names={"a": a})
    groups = _svg_groups(render_svg(model))
    assert len([i for i in groups if i.startswith("e") and "data" in groups[i]]) == 2


def test_legend_lists_the_kinds_present():
    env = _example_a()
    dot = to_dot(GraphModel.from_tensors(env["y"], names=env))
    for text in ("leaf (requires grad)", "non-leaf", "root / output", "constant (no grad)"):
        assert text in dot
    assert "frozen parameter" not in dot
    assert "frozen parameter" not in to_dot(GraphModel.from_tensors(env["y"]), legend=False)


def test_missing_dot_gives_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    env = _example_a()
    model = GraphModel.from_tensors(env["y"], names=env)
    for action in (lambda: render_svg(model), lambda: export(model, tmp_path / "g.svg"),
                   lambda: draw(model).pipe(format="svg"), lambda: model._repr_svg_()):
        with pytest.raises(GraphvizNotFound, match="sudo apt-get install graphviz"):
            action()
    assert isinstance(GraphvizNotFound(), RuntimeError)
    assert to_dot(model)  # DOT text needs no program


def test_export_svg_png_gif_and_frames(tmp_path):
    from PIL import Image
    w = torch.tensor(1., requires_grad=True)
    x = torch.tensor(2., requires_grad=True)
    with torch.record() as rec:
        y = (w + x) * (w + 1)
        y.backward()
    model = GraphModel.from_recording(rec, names={"w": w, "x": x, "y": y})
    svg = export(model, tmp_path / "g.svg")
    ET.parse(svg)
    png = export(draw(model), tmp_path / "g.png")
    assert Image.open(png).format == "PNG"
    gif = export(model, tmp_path / "steps.gif")
    im = Image.open(gif)
    assert im.format == "GIF" and im.n_frames == len(model.states)
    frames = export(model, tmp_path / "step.svg", frames=True)
    assert [p.name for p in frames][:2] == ["step_000.svg", "step_001.svg"]
    # the frames share one layout: the same node sits in the same place in every frame
    def where(path, nid):
        g = [g for g in ET.parse(path).getroot().iter(SVG + "g") if g.get("id") == nid]
        return [p.get("points") for p in g[0].iter(SVG + "polygon")] if g else None
    yid = model.roots[0]
    appears = min(i for i, st in enumerate(model.states) if yid in st.visible)
    assert where(frames[appears - 1], yid) is None  # not there yet (laid out, drawn invisible)
    assert where(frames[appears], yid) is not None
    assert all(where(f, yid) == where(frames[appears], yid) for f in frames[appears:])

    def frame_box(path):
        root = ET.parse(path).getroot()
        return root.get("width"), root.get("height"), root.find(SVG + "g").get("transform")
    assert len({frame_box(f) for f in frames}) == 1  # no jitter from frame to frame
    with pytest.raises(ValueError, match="unsupported file type"):
        export(model, tmp_path / "g.bmp")
    # a Recording directly, in the function view: one frame per step
    gif = export(rec, tmp_path / "fn.gif", view="function", names={"w": w, "x": x})
    assert Image.open(gif).n_frames == len(rec.events) + 1


def test_package_exports():
    for name in ("draw", "to_dot", "export", "GraphModel", "GraphvizNotFound", "render_svg"):
        assert hasattr(widgets, name)


def test_small_threshold_is_a_parameter():
    v = torch.arange(12.).requires_grad_()
    y = (v * 2).sum()
    model = GraphModel.from_tensors(y, names={"v": v})
    assert "data min 0  mean 5.5  max 11" in to_dot(model)
    assert "data [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]" in to_dot(model, small=12)
    with torch.record() as rec:
        z = (v * 2).sum()
    big = GraphModel.from_recording(rec, names={"v": v, "z": z}, small=12)
    vid = [n.id for n in big.nodes.values() if n.name == "v"][0]
    assert big.states[-1].values[vid] == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"


def _seed_example(key):
    t = torch.tensor
    if key == "A":
        w, x = t(1., requires_grad=True), t(2., requires_grad=True)
        a, b = w + x, w + 1
        return dict(w=w, x=x, a=a, b=b, y=a * b), "y"
    if key == "B":
        m, n = t(2., requires_grad=True), t(3., requires_grad=True)
        a, b = m + n, m - n
        return dict(m=m, n=n, a=a, b=b, y=a * b), "y"
    a, b, c, d = (t(float(v), requires_grad=True) for v in (1, 2, 3, 4))
    x, y = a + b, c * d
    return dict(a=a, b=b, c=c, d=d, x=x, y=y, z=x + y), "z"


def _dot_statements(dot):
    nodes = dict(re.findall(r'^\s*([tf]\d+) \[id="[tf]\d+" .*?class="([^"]*)"', dot, re.M))
    edges = re.findall(r'^\s*([tf]\d+) -> ([tf]\d+) \[id="(e\d+_\d+_\d+)" class="([^"]*)"', dot, re.M)
    return nodes, edges


@pytest.mark.parametrize("key", ["A", "B", "C"])
def test_dot_of_seed_examples(key):
    env, root = _seed_example(key)
    env[root].backward()
    fns, stack = [], [env[root].grad_fn]
    while stack:
        fn = stack.pop()
        if fn is not None and fn not in fns:
            fns.append(fn)
            stack.extend(n for n, _ in fn.next_functions)
    # function view: one node per grad_fn, one "next" edge per non-None next_functions entry
    dot = to_dot(GraphModel.from_tensors(env[root], view="function", names=env))
    nodes, edges = _dot_statements(dot)
    kinds = [c.split()[0] for c in nodes.values()]
    n_acc = sum(f.name().endswith("AccumulateGrad") for f in fns)
    assert kinds.count("function") == len(fns) - n_acc and kinds.count("accumulate") == n_acc
    assert len([e for e in edges if e[3] == "next"]) == sum(
        n is not None for f in fns for n, _ in f.next_functions)
    for name, t in env.items():
        if t.is_leaf:
            assert f"<B>{name}</B>" in dot
            assert f"grad {format_array(t.grad.numpy())}" in dot
    assert [c for c in nodes.values() if "output" in c] == ["nonleaf output"]
    # tensor view: every tensor of the program is a named node with its value and grad
    dot = to_dot(GraphModel.from_tensors(env[root], names=env))
    nodes, edges = _dot_statements(dot)
    for name, t in env.items():
        assert f"<B>{name}</B>" in dot and f"data {format_array(t.detach().numpy())}" in dot
    assert sum(c.split()[0] == "op" for c in nodes.values()) == len(fns) - n_acc
    assert len([e for e in edges if e[3] == "result"]) == len(fns) - n_acc
    assert sorted(c for c in nodes.values() if c.split()[0] in ("leaf", "nonleaf")) == sorted(
        ("leaf" if t.is_leaf else "nonleaf") + (" output" if k == root else "")
        for k, t in env.items())


# --- labels show what is known, nothing made up -----------------------------------------------------
def _label_texts(dot):
    """{node id: [text of each row]} of the tensor nodes in DOT text."""
    out = {}
    for nid, label in re.findall(r'^\s*(t\d+) \[id="t\d+" label=<(.*?)> shape=', dot, re.M):
        out[nid] = re.findall(r">([^<>]+)<", label)
    return out


def _result_rows(model):
    """_label_texts of model's DOT, an unnamed result keyed by its grad_fn's name in its first row
    (its label is its expression, "exp(w + 1)": widgets.naming.Labeler)."""
    rows = _label_texts(to_dot(model))
    for nid, r in rows.items():
        node = model.nodes[nid]
        if node.name is None and node.op and not node.is_leaf:
            r[0] = node.op
    return rows


def _anonymous_program(lib):
    w = lib.tensor([1., 2.], requires_grad=True)
    x = lib.tensor([2., 3.], requires_grad=True)
    y = ((w + x) * (w + 1).exp()).sum()
    return w, x, y


@pytest.mark.parametrize("lib", ["autograd_core", "torch"])
def test_no_question_marks_and_unknown_values_are_left_out(lib):
    import importlib
    mod = importlib.import_module(lib)
    w, x, y = _anonymous_program(mod)
    before = _result_rows(GraphModel.from_tensors(y, names={"w": w, "x": x, "y": y}))
    y.backward()
    after = _result_rows(GraphModel.from_tensors(y, names={"w": w, "x": x, "y": y}))
    for rows in [*before.values(), *after.values()]:
        assert not any("?" in r for r in rows), rows
    named = {rows[0]: rows for rows in after.values()}
    assert named["w"][-1] == "grad [" + ", ".join(format_array(g) for g in w.grad.numpy()) + "]"
    # exp saved its result: its value is known before backward frees it (both engines)
    exp_value = f"data {format_array((w + 1).exp().detach().numpy())}"
    assert [r for r in before.values() if r[0] == "ExpBackward0"][0][-2] == exp_value
    # unnamed intermediates show a value only where an op kept it, and then the true one
    a, b = (w + x).detach(), (w + 1).detach()
    true = {f"data {format_array(v.numpy())}" for v in (a, b, b.exp(), a * b.exp())}
    for rows in [*before.values(), *after.values()]:
        if rows[0].endswith("Backward0"):
            assert all(r in true for r in rows if r.startswith("data")), rows
            assert all(r == "grad None" for r in rows if r.startswith("grad")), rows
    # after backward freed what mul saved, w + x is known by its op and shape at most
    adds = [r for r in after.values() if r[0] == "AddBackward0"]
    assert adds and all(not r.startswith("data") for rows in adds for r in rows), adds
    if lib == "torch":  # torch records each output's shape and dtype (grad_fn._input_metadata)
        assert [r for r in after.values() if r[0] == "AddBackward0"][0][1:] == ["(2,) float32"]


def test_output_metadata_gives_the_shape_of_an_unnamed_result():
    """grad_fn._output_metadata (autograd_core, recorded at forward time) or, for torch,
    grad_fn._input_metadata (the gradient it takes has its output's shape and dtype)."""
    from types import SimpleNamespace as Obj

    from widgets.graph_model import _output_metadata
    ours = Obj(_output_metadata=(((2, 3), "torch.float64"),))
    torchs = Obj(_input_metadata=(Obj(shape=(4,), dtype="torch.int64"),))
    assert _output_metadata(ours) == ((2, 3), "float64")
    assert _output_metadata(torchs) == ((4,), "int64")
    assert _output_metadata(Obj()) == (None, None)  # neither: no shape row rather than "?"


def _unnamed_shapes(lib):
    """[(grad_fn name, shape row)] of the unnamed results of lecture 00's program, after backward."""
    w = lib.tensor([1., 2.], requires_grad=True)
    x = lib.tensor([2., 3.], requires_grad=True)
    y = ((w + x) * (w + 1)).sum()
    y.backward()
    rows = _result_rows(GraphModel.from_tensors(y, names={"w": w, "x": x, "y": y}))
    return sorted((r[0], r[1] if len(r) > 1 else None) for r in rows.values()
                  if r[0].endswith("Backward0"))


def test_unnamed_results_show_the_shapes_torch_shows():
    import torch as real_torch
    ours, theirs = _unnamed_shapes(torch), _unnamed_shapes(real_torch)
    assert ours == theirs == [("AddBackward0", "(2,) float32")] * 2 + [("MulBackward0", "(2,) float32")]


def test_retained_unnamed_result_is_shown_with_its_grad():
    w = torch.tensor([1., 2.], requires_grad=True)
    hidden = [w * 3]
    hidden[0].retain_grad()
    y = hidden[0].sum()
    y.backward()
    rows = [r for r in _result_rows(GraphModel.from_tensors(y, names={"w": w})).values()
            if r[0] == "MulBackward0"][0]
    assert rows[-2:] == ["data [3, 6]", "grad [1, 1]"]


# --- the picture in a notebook's output area ---------------------------------------------------------
def _img_style(html):
    return dict(kv.split(":", 1) for kv in re.search(r'<img [^>]*style="([^"]*)"', html).group(1).split(";"))


@pytest.mark.parametrize("layers", [1, 12])
def test_picture_html_shrinks_to_its_area_down_to_a_readable_floor(layers):
    from widgets.render import MIN_PICTURE_SCALE, picture_html, svg_size_px
    w = torch.tensor([1.], requires_grad=True)
    terms = [w * float(k) for k in range(layers)]  # side by side: wider with every term
    y = torch.stack(terms).sum()
    g = draw(y)
    bundle = g._repr_mimebundle_()
    svg, html = bundle["image/svg+xml"], bundle["text/html"]
    assert html == picture_html(svg, g.alt)
    width, _ = svg_size_px(svg)
    root = ET.fromstring(svg)
    assert width == pytest.approx(float(root.get("width").removesuffix("pt")) * 4 / 3)
    style = _img_style(html)
    assert style["width"] == f"calc({width:.0f}px * var(--cgraph-scale, 1))"
    assert style["max-width"] == "100%"
    floor = width * MIN_PICTURE_SCALE     # x the scale, or the area's width where it fits at 1x (W14_4)
    assert style["min-width"] == (f"min(calc({floor:.0f}px * var(--cgraph-scale, 1)), "
                                  f"max(100%, calc({1001 * floor:.0f}px - 100000%)))")
    # the smallest text of a drawing (9 pt = 12 px) stays >= 9 px at the floor
    sizes = [float(t.get("font-size")) for t in root.iter(SVG + "text")]
    assert min(sizes) * 4 / 3 * MIN_PICTURE_SCALE >= 9
    assert 'class="cgraph-picture"' in html and "overflow-x:auto" in html
    assert re.search(r'alt="computation graph \(tensor view\) of y: \d+ nodes, \d+ edges"', html)


def test_picture_mimebundle_include_exclude_and_model_repr():
    env = _example_a()
    g = draw(env["y"])
    assert set(g._repr_mimebundle_()) == {"text/html", "image/svg+xml"}
    assert set(g._repr_mimebundle_(include=["image/svg+xml"])) == {"image/svg+xml"}
    assert set(g._repr_mimebundle_(exclude=["image/svg+xml"])) == {"text/html"}
    assert g._repr_mimebundle_(include=["image/png"])["image/png"].startswith(b"\x89PNG")
    model = GraphModel.from_tensors(env["y"], names=env)
    bundle = model._repr_mimebundle_()
    assert bundle["text/plain"] == repr(model) and "cgraph-picture" in bundle["text/html"]
    assert bundle["image/svg+xml"] == render_svg(model)


def test_a_collapsed_module_of_one_node_says_node():
    """A module box counts its nodes: "1 node" (resnet18's relu and maxpool), "2 nodes"."""
    from widgets.graph_model import GraphModel
    from widgets.render import op_label
    model = GraphModel()
    one, two = model.add_node("module", "model.relu"), model.add_node("module", "model.fc")
    one.count, two.count = 1, 2
    assert ">1 node<" in op_label(one) and ">2 nodes<" in op_label(two)
