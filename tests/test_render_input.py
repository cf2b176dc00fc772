"""Bad input to the renderer: hostile and unprintable names, huge names, a failing or hanging `dot`.

Every name a student (or a hostile notebook) can give reaches the picture only cleaned
(widgets.render.clean_text) and escaped; whatever the name, rendering gives well-formed SVG or one
clear error.
"""
import base64
import re
import stat
import time
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as torch
from widgets import GraphModel, draw, export, render_svg, to_dot
from widgets.render import NAME_MAX, GraphvizError, clean_text

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", "a & b", "&amp;", 'say "hi"', "it's", "]]>", "<![CDATA[x]]>",
           "line\nbreak", "tab\there", "bell\x07", "nul\x00byte", "esc\x1b[31m", "lone \ud800 high",
           "lone \udfff low", "non-char \ufffe\uffff", "rtl \u202eevil", "zero\u200bwidth", "x" * 20_000,
           "</text><script>alert(2)</script>", "\\N \\G \\L", "{a|b}", "<B>bold</B>", "é\u0301"]


def _texts(svg):
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert not [el for el in root.iter() if el.tag.split("}")[-1].lower() in ("script", "foreignobject")]
    return [el.text for el in root.iter(SVG + "text") if el.text]


def _graph(name, module_name=None):
    """y = (w * 2).sum() with w called `name` (and a parameter of `module_name` when given)."""
    w = torch.tensor([1., 2.], requires_grad=True)
    y = (w * 2).sum()
    y.backward(retain_graph=True)
    key = f"{module_name}.{name}" if module_name is not None else name
    return y, {key: w, "y": y}


def test_clean_text_replaces_unprintables_and_shortens():
    assert clean_text("a\nb\tc") == "a b c"
    assert clean_text("bell\x07") == "bell\ufffd"
    assert clean_text("lone \ud800") == "lone \ufffd"
    assert clean_text("\ufffe\uffff") == "\ufffd\ufffd"          # not allowed in XML
    assert clean_text("rtl \u202e") == "rtl \ufffd"               # would reverse what follows
    assert clean_text("a\u00a0b") == "a\u00a0b"                   # spaces stay
    assert clean_text("👩\u200d💻") == "👩\u200d💻"                  # joiners stay (emoji, scripts)
    assert clean_text("é\u0301 日本 ∂y/∂w") == "é\u0301 日本 ∂y/∂w"
    assert clean_text("x" * 50, 10) == "x" * 9 + "…"
    assert clean_text("x" * 10, 10) == "x" * 10
    assert clean_text(3) == "3"


@pytest.mark.parametrize("name", HOSTILE, ids=lambda n: repr(n[:20]))
@pytest.mark.parametrize("view", ["tensor", "function"])
def test_hostile_names_render_cleaned_and_escaped(name, view):
    y, names = _graph(name)
    svg = render_svg(GraphModel.from_tensors(y, view=view, names=names))
    shown = clean_text(name, NAME_MAX)
    assert shown in _texts(svg)
    assert "<script" not in svg.lower() and "<b>" not in svg.lower()


@pytest.mark.parametrize("name", HOSTILE, ids=lambda n: repr(n[:20]))
def test_hostile_module_names_label_their_cluster(name):
    y, names = _graph("weight", module_name=name)
    model = GraphModel.from_tensors(y, names=names)
    svg = render_svg(model)
    texts = _texts(svg)
    assert clean_text(name, NAME_MAX) in texts                        # the cluster's label
    assert clean_text(f"{name}.weight", NAME_MAX) in texts            # the parameter's own name
    clusters = [g for g in ET.fromstring(svg).iter(SVG + "g") if "cluster" in g.get("class", "")]
    assert len(clusters) == 1
    # collapsed into one node, the module's name is that node's title
    assert clean_text(name, NAME_MAX) in _texts(render_svg(model, collapse=True))


def test_two_modules_whose_names_clean_alike_stay_two_clusters():
    a = torch.tensor([1.], requires_grad=True)
    b = torch.tensor([2.], requires_grad=True)
    y = (a * b).sum()
    svg = render_svg(GraphModel.from_tensors(y, names={"m\x01.w": a, "m\x02.w": b, "y": y}))
    ids = [g.get("id") for g in ET.fromstring(svg).iter(SVG + "g") if "cluster" in g.get("class", "")]
    assert len(ids) == len(set(ids)) == 2


def test_hostile_names_in_step_captions_and_edge_labels():
    evil = "<script>x</script>\x00\ud800" + "&" * 20_000
    w = torch.tensor(1., requires_grad=True)
    with torch.record() as rec:
        y = w * 3
        y.backward()
    model = GraphModel.from_recording(rec, names={evil: w, "y": y})
    for k in range(len(model.states)):
        svg = render_svg(model, state=k)
        texts = _texts(svg)
        assert any(t.startswith(f"{k}: ") for t in texts)            # the step's caption is there
        assert "<script" not in svg
    assert clean_text(evil, NAME_MAX) in _texts(render_svg(model))


def test_hostile_names_in_the_notebook_picture():
    evil = "<script>alert(1)</script>\x00 \" '"
    y, _ = _graph("w")
    bundle = draw(y, names={evil: y})._repr_mimebundle_()   # the root's name is in the alt text
    html = bundle["text/html"]
    assert "<script" not in html
    alt = re.search(r'<img [^>]*alt="([^"<>]*)"', html).group(1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\ufffd &quot; &#39;" in alt
    src = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html).group(1)
    assert base64.b64decode(src).decode("utf-8") == bundle["image/svg+xml"]
    _texts(bundle["image/svg+xml"])


@pytest.mark.parametrize("name, module", [("]", None), ("w", "]"), ("]", "]")])
def test_a_closing_bracket_alone_renders(name, module):
    """Graphviz's HTML lexer refuses "]" right after a tag (<B>]</B>); hypothesis found the name "]"."""
    y, names = _graph(name, module)
    texts = _texts(render_svg(GraphModel.from_tensors(y, names=names)))
    assert "]" in texts


names_strategy = st.text(st.characters(codec=None, exclude_categories=()), max_size=60) | st.builds(
    lambda c, n: c * n, st.characters(codec=None, exclude_categories=()), st.integers(16_000, 20_000))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names_strategy, module=st.none() | names_strategy)
def test_any_unicode_name_renders_to_well_formed_svg(name, module):
    """Whatever the name, rendering succeeds (a GraphvizError would be clear, but cleaned labels
    never give dot a reason for one), the SVG parses as XML and shows the cleaned name."""
    y, names = _graph(name or "w", module)
    svg = render_svg(GraphModel.from_tensors(y, names=names))
    # dot writes runs of spaces as no-break spaces
    texts = {" ".join(t.replace("\xa0", " ").split()) for t in _texts(svg)}
    assert " ".join(clean_text(next(iter(names)), NAME_MAX).split()) in texts | {""}


# --- dot itself misbehaving -----------------------------------------------------------------------
def _fake_dot(tmp_path, script):
    path = tmp_path / "dot"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_failing_dot_gives_a_clear_error_with_what_it_said(monkeypatch, tmp_path):
    _fake_dot(tmp_path, 'cat >/dev/null; echo "Error: something broke in layout" >&2; exit 3')
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    y, names = _graph("w")
    model = GraphModel.from_tensors(y, names=names)
    for action in (lambda: render_svg(model), lambda: export(model, tmp_path / "g.png"),
                   lambda: draw(model)._repr_mimebundle_(), lambda: draw(model).pipe(format="svg"),
                   lambda: draw(model).render(tmp_path / "g", format="svg")):
        with pytest.raises(GraphvizError, match=r"failed \(exit status 3\): Error: something broke"):
            action()


def test_dot_rejecting_raw_dot_text_names_the_cause():
    with pytest.raises(GraphvizError, match="syntax error"):
        render_svg("digraph { a -> }")
    with pytest.raises(ValueError, match="UTF-8 cannot encode"):
        render_svg('digraph { a [label="\ud800"] }')


def test_hanging_dot_is_stopped_with_a_clear_message(monkeypatch, tmp_path):
    _fake_dot(tmp_path, "exec sleep 60")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    y, names = _graph("w")
    t0 = time.monotonic()
    with pytest.raises(GraphvizError, match=r"did not finish .* within 1 s"):
        render_svg(GraphModel.from_tensors(y, names=names), timeout=1)
    assert time.monotonic() - t0 < 30
    monkeypatch.setattr("widgets.render.DOT_TIMEOUT_S", 0.5)
    with pytest.raises(GraphvizError, match=r"within 0.5 s"):
        draw(y, names=names)._repr_mimebundle_()


def test_to_dot_of_a_20000_character_name_stays_small():
    y, names = _graph("n" * 20_000)
    dot = to_dot(GraphModel.from_tensors(y, names=names))
    assert len(dot) < 10_000
