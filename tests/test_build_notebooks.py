"""scripts/build_notebooks.py: notebooks from the jupytext sources in notebook_sources/.

The committed notebooks agreeing with the sources is tests/test_notebooks.py's check; here, what the
build promises: --check's exit status, cell ids that do not depend on position, new sources picked
up with no list to edit (navigation and index), sources in the form jupytext writes back (so that a
save in JupyterLab changes nothing), and a clear error for a source the build cannot use.
"""
import shutil
import sys
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_notebooks as build  # noqa: E402

SOURCES = sorted(p.relative_to(build.SOURCES).as_posix() for p in build.SOURCES.rglob("*.py"))


def copy_repo(tmp_path):
    """The sources and the notebooks built from them, copied to tmp_path (a repository to spoil)."""
    for folder in ("notebook_sources", "notebooks", "instructor"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return tmp_path


def source_text(kind, title, cells, **header):
    """A source file's text, as jupytext writes it."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": dict(build.KERNELSPEC),
                                            "cgraph": {"kind": kind, "title": title, **header}})
    nb.cells = cells
    return jupytext.writes(nb, fmt=build.JUPYTEXT_FORMAT)


def md(text, **meta):
    return nbformat.v4.new_markdown_cell(text, metadata=meta)


def code(text, **meta):
    return nbformat.v4.new_code_cell(text, metadata=meta)


def test_check_exit_status(tmp_path, capsys):
    repo = copy_repo(tmp_path)
    assert build.main(["--check"], root=repo) == 0
    lecture = repo / "notebook_sources" / "02_leaves_and_grad_fn.py"
    lecture.write_text(lecture.read_text("utf-8").replace("# %% [markdown]\n", "# %% [markdown]\n# Edited.\n#\n", 1),
                       "utf-8")
    assert build.main(["--check"], root=repo) == 1
    assert "notebooks/02_leaves_and_grad_fn.ipynb" in capsys.readouterr().out
    assert build.main([], root=repo) == 0
    assert nbformat.read(repo / "notebooks/02_leaves_and_grad_fn.ipynb", 4).cells[0].source.startswith("Edited.")
    assert build.main(["--check"], root=repo) == 0
    # a notebook whose source was deleted is out of step too
    (repo / "notebook_sources" / "02_leaves_and_grad_fn.py").unlink()
    assert build.main(["--check"], root=repo) == 1
    assert "without a source" in capsys.readouterr().out


def test_cell_ids_are_unique_stable_and_not_positional(tmp_path):
    built = build.build_all()
    for rel, nb in built.items():
        ids = [c.id for c in nb.cells]
        assert len(set(ids)) == len(ids), rel
    assert {rel: [c.id for c in nb.cells] for rel, nb in build.build_all().items()} == \
        {rel: [c.id for c in nb.cells] for rel, nb in built.items()}
    repo = copy_repo(tmp_path)
    lecture = repo / "notebook_sources" / "03_backward_in_depth.py"
    text = lecture.read_text("utf-8")
    first_code = text.index("\n# %%\n")
    lecture.write_text(text[:first_code] + "\n# %%\nprint('a new cell')\n" + text[first_code:], "utf-8")
    rel = "notebooks/03_backward_in_depth.ipynb"
    before, after = built[rel].cells, build.build_all(repo / "notebook_sources")[rel].cells
    assert len(after) == len(before) + 1
    new = [c for c in after if c.source == "print('a new cell')"]
    assert len(new) == 1
    assert [c.id for c in after if c is not new[0]] == [c.id for c in before]


def test_a_stated_id_and_repeated_cells(tmp_path):
    folder = tmp_path / "notebook_sources"
    folder.mkdir()
    (folder / "index.py").write_text(source_text("index", "Contents", [md("# Contents")], backends=["autograd_core"]))
    (folder / "01_one.py").write_text(source_text("lecture", "One", [
        md("# 01 · One"), code("x = 1"), code("x = 1"), code("y = 2", id="my-cell")],
        backends=["autograd_core"], minutes=5))
    ids = [c.id for c in build.build_all(folder)["notebooks/01_one.ipynb"].cells]
    assert ids[1].startswith("01-one-") and ids[2] == ids[1] + "-2" and ids[3] == "my-cell"
    assert "id" not in build.build_all(folder)["notebooks/01_one.ipynb"].cells[3].metadata



def test_jupytext_layout_metadata_is_not_notebook_metadata(tmp_path):
    """A source without a blank line before the next cell reads back with jupytext's
    lines_to_next_cell; the build leaves it out of the notebook."""
    folder = tmp_path / "notebook_sources"
    folder.mkdir()
    (folder / "index.py").write_text(source_text("index", "Contents", [md("# Contents")], backends=["autograd_core"]))
    text = source_text("lecture", "One", [md("# 01 · One"), code("x = 1")], backends=["autograd_core"], minutes=5)
    (folder / "01_one.py").write_text(text.replace("# # 01 · One\n\n# %%", "# # 01 · One\n# %%"))
    assert "lines_to_next_cell" in jupytext.read(folder / "01_one.py").cells[0].metadata
    cells = build.build_all(folder)["notebooks/01_one.ipynb"].cells
    assert cells[0].metadata == {"slideshow": {"slide_type": "slide"}} and cells[1].source == "x = 1"

def test_new_sources_join_the_navigation_and_the_index(tmp_path):
    repo = copy_repo(tmp_path)
    folder = repo / "notebook_sources"
    books = build.read_sources(folder)
    last_lecture, last_exercise = books["lecture"][-1], books["exercise"][-1]
    (folder / "99_new_topic.py").write_text(source_text(
        "lecture", "A new topic", [md("# 99 · A new topic"), code("from widgets.torch_switch import torch")],
        backends=["autograd_core", "torch"], minutes=10))
    (folder / "exercises" / "ex99_new_topic.py").write_text(source_text(
        "exercise", "New topic", [md("# Exercises 99"),
                                  code("x = None\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
                                       nbgrader={"grade_id": "ex99_task1", "solution": True}),
                                  code("check('x', x, 1)", tags=["raises-exception"],
                                       nbgrader={"grade": True, "grade_id": "ex99_task1_check", "points": 1})],
        backends=["autograd_core"], minutes=5, lectures=["99"]))
    built = build.build_all(folder)
    lecture = built["notebooks/99_new_topic.ipynb"]
    assert lecture.metadata.cgraph.title == "99 · A new topic"
    assert lecture.cells[1].metadata.slideshow.slide_type == "-"         # the setup cell, on the title slide
    nav = lecture.cells[-1].source
    assert f"← previous: [{last_lecture.title}]({last_lecture.rel})" in nav
    assert "[contents](index.ipynb)" in nav and "next:" not in nav
    assert "next: [99 · A new topic](99_new_topic.ipynb) →" in built[f"notebooks/{last_lecture.rel}"].cells[-1].source
    assert "next: [ex99 · New topic](../exercises/ex99_new_topic.ipynb) →" in \
        built[f"instructor/{last_exercise.rel}"].cells[-1].source
    index = "\n".join(c.source for c in built["notebooks/index.ipynb"].cells)
    assert "| 99 | [A new topic](99_new_topic.ipynb) | 10 | [exercises](exercises/ex99_new_topic.ipynb) |" in index
    assert "- [ex99 · New topic](exercises/ex99_new_topic.ipynb) (lecture 99)" in index
    assert "<!-- generated" not in index
    exercise = built["instructor/exercises/ex99_new_topic.ipynb"]
    answer, check = exercise.cells[1].metadata.nbgrader, exercise.cells[2].metadata.nbgrader
    assert answer == {"grade": False, "grade_id": "ex99_task1", "locked": False, "schema_version": 3,
                      "solution": True, "task": False}
    assert check == {"grade": True, "grade_id": "ex99_task1_check", "locked": True, "points": 1,
                     "schema_version": 3, "solution": False, "task": False}
    assert exercise.cells[0].metadata.nbgrader["locked"] is True          # read-only, generated
    assert "### BEGIN SOLUTION" not in built["notebooks/exercises/ex99_new_topic.ipynb"].cells[1].source


def test_slide_types():
    cells = [md("# Title"), md("## Section"), md("### Part"), md("Text"),
             code("# The torch switch\nfrom widgets.torch_switch import torch"),
             code("from widgets.torch_switch import BACKEND"), md("Stated", slideshow={"slide_type": "subslide"})]
    nb = nbformat.v4.new_notebook(cells=cells)
    types = [c.metadata.get("slideshow", {}).get("slide_type") or build._slide_type(c) for c in nb.cells]
    # (the torch-switch setup cell is not skipped: the slides must be able to run it, walk 11)
    assert types == ["slide", "slide", "subslide", "-", "-", "-", "subslide"]


@pytest.mark.parametrize("rel", SOURCES)
def test_source_is_in_the_form_jupytext_writes(rel):
    """Opening a source as a notebook in JupyterLab and saving it changes nothing (no churn in review)."""
    path = build.SOURCES / rel
    text = path.read_text("utf-8")
    assert jupytext.writes(jupytext.read(path, fmt="py:percent"), fmt=build.JUPYTEXT_FORMAT) == text, \
        f"{rel}: rewrite it as jupytext does: jupytext --to py:percent {rel} -o {rel} (in notebook_sources/)"


def test_jupytext_config_matches_the_build():
    config = tomllib.loads((build.SOURCES / "jupytext.toml").read_text("utf-8"))
    assert config["notebook_metadata_filter"] == build.JUPYTEXT_FORMAT["notebook_metadata_filter"]
    assert config["cell_metadata_filter"] == build.JUPYTEXT_FORMAT["cell_metadata_filter"]
    assert config["formats"] == "py:percent"


BAD_SOURCES = [
    ("no header", "# %%\nx = 1\n", "no 'cgraph:' section"),
    ("unknown kind", source_text("talk", "T", [md("# T")], backends=["autograd_core"]), "kind must be one of"),
    ("bad backends", source_text("lecture", "T", [md("# T")], backends=["torch"]), "backends must be"),
    ("unknown cell metadata", source_text("lecture", "T", [md("# T")], backends=["autograd_core"])
     .replace("# %% [markdown]", '# %% [markdown] colour="red"'), "metadata ['colour']"),
    ("check without raises-exception",
     source_text("exercise", "T", [code("check()", nbgrader={"grade": True, "grade_id": "c", "points": 1})],
                 backends=["autograd_core"]), "raises-exception"),
    ("solution without markers",
     source_text("exercise", "T", [code("x = 1", nbgrader={"grade_id": "s", "solution": True})],
                 backends=["autograd_core"]), "BEGIN SOLUTION"),
    ("bad id", source_text("lecture", "T", [md("# T", id="no spaces")], backends=["autograd_core"]), "cell id"),
]


@pytest.mark.parametrize("name, text, message", BAD_SOURCES, ids=[b[0] for b in BAD_SOURCES])
def test_a_bad_source_gets_a_clear_error(tmp_path, name, text, message):
    folder = tmp_path / "notebook_sources"
    (folder / "exercises").mkdir(parents=True)
    (folder / "index.py").write_text(source_text("index", "Contents", [md("# Contents")], backends=["autograd_core"]))
    path = folder / ("exercises/ex01_bad.py" if "exercise" in text else "01_bad.py")
    path.write_text(text)
    with pytest.raises(build.SourceError, match=f"notebook_sources/{path.relative_to(folder)}.*"):
        build.build_all(folder)
    with pytest.raises(build.SourceError) as error:
        build.build_all(folder)
    assert message in str(error.value)


# --- inline math and its punctuation (keep_punctuation_with_math) -----------------------------------
# Chromium breaks lines on either side of MathJax's inline math box, even before a '.' (a word joiner
# does not stop it); the build puts math and punctuation in a white-space: nowrap span.
# tests/test_math_punctuation_browser.py checks the result in JupyterLab.

def nowrap(text):
    return build.NOWRAP_OPEN + text + build.NOWRAP_CLOSE


MATH_AND_PUNCTUATION = [
    ("period", "the gradient of $g$.", f"the gradient of {nowrap('$g$.')}"),
    ("comma and parentheses", "for any $n$, and ($x$).", f"for any {nowrap('$n$,')} and {nowrap('($x$).')}"),
    ("every kind", "$a$; $b$: $c$? $d$! “$e$” '$f$' \"$g$\"",
     " ".join(nowrap(s) for s in ("$a$;", "$b$:", "$c$?", "$d$!", "“$e$”", "'$f$'", '"$g$"'))),
    ("apostrophe and hyphen", "$y$'s graph, a $k$-step", f"{nowrap(chr(36) + 'y$' + chr(39))}s graph, a {nowrap('$k$-')}step"),
    ("two neighbours", "$a$,$b$.", nowrap("$a$,") + nowrap("$b$.")),
    ("a line break in the math", "the product\n$a\n+ b$.", f"the product\n{nowrap(chr(36) + 'a' + chr(10) + '+ b$.')}"),
    ("math with braces and dollars", r"$\{x\}$, $\text{\$5}$.", nowrap(r"$\{x\}$,") + " " + nowrap(r"$\text{\$5}$.")),
    ("in link text", "[$x$](u) and [see $x$.](u)", f"[$x$](u) and [see {nowrap('$x$.')}](u)"),
    ("emphasis", "**column $j$**.", f"**column** {nowrap('**$j$**.')}"),
    ("emphasis, math alone", "*$j$*, (**$k$**)", f"{nowrap('*$j$*,')} {nowrap('(**$k$**)')}"),
    ("emphasis with two", "_the $a$, $b$_.", f"_the {nowrap('$a$,')}_ {nowrap('_$b$_.')}"),
    # left as they are
    ("no punctuation", "a $x$ b ( $y$ ) $z$", None),
    ("display math", "$$a = b.$$\n\nand $$x$$, too\n\n\\begin{align}x\\end{align}.", None),
    ("literal dollars", r"costs \$5, or \$6.", None),
    ("code spans", "`$x$.` and ``a `$b$`. `` and `$`, `$`.", None),
    ("fenced code", "```\n$x$.\n```\n~~~python\ns = '$y$,'\n~~~", None),
    ("indented code", "text\n\n    s = '$x$.'\n    t = '$y$,'\n\nafter", None),
    ("no math across a blank line", "a $x\n\ny$.", None),
    ("an unclosed dollar", "a $x. and more", None),
    ("a link's bracket", "[$x$](https://example.org)", None),
]


@pytest.mark.parametrize("name, text, expected", MATH_AND_PUNCTUATION, ids=[m[0] for m in MATH_AND_PUNCTUATION])
def test_punctuation_next_to_inline_math_is_kept_with_it(name, text, expected):
    got, n = build.keep_punctuation_with_math(text)
    assert got == (text if expected is None else expected)
    assert n == got.count(build.NOWRAP_OPEN)
    # the math JupyterLab finds is the math that was there, and the text read as before
    assert [text[s:e] for s, e, _ in build.math_spans(text)] == [got[s:e] for s, e, _ in build.math_spans(got)]
    assert got.replace(build.NOWRAP_CLOSE, "").replace(build.NOWRAP_OPEN, "").replace("** **", " ") \
        .replace("_ _", " ") == text


def test_indented_lines_in_a_list_are_not_code():
    text = "- a list item\n\n    its second paragraph, on $x$.\n"
    assert build.keep_punctuation_with_math(text)[0] == text.replace("$x$.", nowrap("$x$."))


@pytest.mark.parametrize("text", ["(*$x$* and", "**a $x$**. and *b $y$_."])
def test_math_and_punctuation_the_build_cannot_keep_together_is_an_error(text):
    with pytest.raises(build.SourceError, match="reword it"):
        build.keep_punctuation_with_math(text, "notebook_sources/01_x.py")


def test_the_build_wraps_markdown_only_and_leaves_sources_and_ids_alone(tmp_path):
    folder = tmp_path / "notebook_sources"
    (folder / "exercises").mkdir(parents=True)
    (folder / "index.py").write_text(source_text("index", "Contents", [md("# Contents")], backends=["autograd_core"]))
    lecture = [md("# 01 · One\n\nThe gradient of $g$."), code("s = 'the gradient of $g$.'"), md("No math, here.")]
    (folder / "01_one.py").write_text(source_text("lecture", "One", lecture, backends=["autograd_core"], minutes=5))
    exercise = [md("Compute $y$, then ($z$)."),
                code("y = None\n### BEGIN SOLUTION\ny = '$y$.'\n### END SOLUTION",
                     nbgrader={"grade_id": "ex01_task1", "solution": True}),
                code("check('y', y, '$y$.')", tags=["raises-exception"],
                     nbgrader={"grade": True, "grade_id": "ex01_task1_check", "points": 1})]
    (folder / "exercises" / "ex01_one.py").write_text(source_text(
        "exercise", "One", exercise, backends=["autograd_core"], minutes=5, lectures=["01"]))
    texts = {p: p.read_text() for p in folder.rglob("*.py")}
    built = build.build_all(folder)
    cells = built["notebooks/01_one.ipynb"].cells
    assert cells[0].source == f"# 01 · One\n\nThe gradient of {nowrap('$g$.')}"
    assert cells[1].source == "s = 'the gradient of $g$.'" and cells[2].source == "No math, here."
    # the id follows the text as the author wrote it
    ids = build.cell_ids("01_one", [md("# 01 · One\n\nThe gradient of $g$.")], "01_one.py")
    assert cells[0].id == ids[0]
    for rel in ("instructor/exercises/ex01_one.ipynb", "notebooks/exercises/ex01_one.ipynb"):
        nb = built[rel]
        assert nb.cells[0].source == f"Compute {nowrap('$y$,')} then {nowrap('($z$).')}", rel
        assert "$y$.'" in nb.cells[2].source and build.NOWRAP_OPEN not in nb.cells[1].source + nb.cells[2].source
        assert nb.cells[0].metadata.nbgrader["locked"] is True
    assert {p: p.read_text() for p in folder.rglob("*.py")} == texts        # the sources stay as written


def test_the_spans_survive_nbconvert_html_and_slides():
    from nbconvert import HTMLExporter, SlidesExporter
    nb = build.build_all()["notebooks/10_higher_order_gradients.ipynb"]
    spans = sum(c.source.count(build.NOWRAP_OPEN) for c in nb.cells if c.cell_type == "markdown")
    assert spans > 10
    for exporter in (HTMLExporter(), SlidesExporter()):
        html, _ = exporter.from_notebook_node(nb)
        assert html.count(build.NOWRAP_OPEN) == spans, type(exporter).__name__
        assert nowrap("$y$'") + "s graph" in html                     # the math is left for MathJax
        assert "&lt;span" not in html and "\u2060" not in html
