"""Write the lecture and exercise notebooks from the cell sources in scripts/notebook_sources.py.

    python scripts/build_notebooks.py           # (re)write every notebook
    python scripts/build_notebooks.py --check   # exit 1 if a committed notebook is out of step

The notebooks are generated so that their metadata stays uniform (kernelspec, slide types, the
backends a notebook runs on, nbgrader cells, previous/next links) and so that reviewing a change
means reading Python literals, not JSON. Edit the sources there, run this script, commit all.

Each exercise is written twice: the instructor version, with its solutions, to instructor/ (outside
notebooks/, which `make lab` serves to students), and the student copy made from it by nbgrader's
preprocessors (scripts/make_student.py: solutions removed, every cell but the answers locked) to
notebooks/exercises/. Building the student copies needs nbgrader (the test or instructor extra).
"""
import json
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_student  # noqa: E402
import notebook_sources as src  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
BACKENDS_ALL = ["autograd_core", "torch"]


def _slide_type(cell, index):
    """RISE slide types: '#'/'##' headings start a slide, '###' a subslide; the setup cell is skipped."""
    explicit = cell.get("slide")
    if explicit:
        return explicit
    text = cell["source"].lstrip()
    if cell["kind"] == "md":
        if re.match(r"#{1,2} ", text):
            return "slide"
        if text.startswith("### "):
            return "subslide"
        return "-"
    if index <= 1 and "torch_switch" in text:
        return "skip"
    return "-"


def _read_only(grade_id):
    """nbgrader metadata of a read-only cell: the student copy locks it (not editable, not deletable)."""
    return {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
            "solution": False, "task": False}


def _cell(stem, index, cell, exercise=False):
    meta = {"slideshow": {"slide_type": _slide_type(cell, index)}}
    if cell.get("tags"):
        meta["tags"] = list(cell["tags"])
    if cell.get("source_hidden"):
        meta["jupyter"] = {"source_hidden": True}
    cid = f"{stem.replace('_', '-')[:50]}-{index:02d}"
    if cell.get("nbgrader"):
        meta["nbgrader"] = dict(cell["nbgrader"])
    elif exercise:
        # In an exercise only the answers are the student's to edit: instructions, setup, given
        # code, hints and the links stay as written.
        meta["nbgrader"] = _read_only(cid)
    if cell["kind"] == "md":
        c = nbformat.v4.new_markdown_cell(cell["source"], metadata=meta)
    else:
        c = nbformat.v4.new_code_cell(cell["source"], metadata=meta)
    c["id"] = cid
    return c


def _nav(book, order):
    """The previous / index / next line at the bottom of a notebook (links relative to it)."""
    i = order.index(book)
    here = Path(book["file"]).parent

    def rel(other):
        p = Path(other["file"])
        return str(Path(*([".."] * len(here.parts)), p)) if here.parts else str(p)

    parts = []
    if i > 0:
        parts.append(f"← previous: [{order[i - 1]['title']}]({rel(order[i - 1])})")
    parts.append(f"[contents]({rel(src.INDEX)})")
    if i + 1 < len(order):
        parts.append(f"next: [{order[i + 1]['title']}]({rel(order[i + 1])}) →")
    return {"kind": "md", "source": "---\n" + " · ".join(parts), "slide": "slide"}


def build_notebook(book, order=None):
    """The nbformat NotebookNode for one entry of notebook_sources (LECTURES, EXERCISES, INDEX)."""
    cells = list(book["cells"])
    if order is not None:
        cells.append(_nav(book, order))
    stem = Path(book["file"]).stem
    nb = nbformat.v4.new_notebook()
    nb["cells"] = [_cell(stem, i, c, exercise=book["kind"] == "exercise") for i, c in enumerate(cells)]
    nb["metadata"] = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        "cgraph": {"kind": book["kind"], "title": book["title"], "minutes": book.get("minutes"),
                   "backends": list(book.get("backends", BACKENDS_ALL))},
        # RISE: reveal.js's "white" theme uses only fonts shipped with jupyterlab-rise (its
        # default, "simple", fetches Google Fonts: slides must work offline, in a lecture hall)
        "rise": {"scroll": True, "enable_chalkboard": False, "theme": "white"},
    }
    return nb


def build_all():
    """{repo-relative path: NotebookNode} for every notebook: the lectures and the index in
    notebooks/, each exercise with its solutions in instructor/ and its student copy in notebooks/."""
    books = {}
    for book in src.LECTURES:
        books[f"notebooks/{book['file']}"] = build_notebook(book, src.LECTURES)
    for book in src.EXERCISES:
        instructor = build_notebook(book, src.EXERCISES)
        books[f"instructor/{book['file']}"] = instructor
        books[f"notebooks/{book['file']}"] = make_student.student_copy(instructor)
    for book in src.APPS:
        books[f"notebooks/{book['file']}"] = build_notebook(book)
    books[f"notebooks/{src.INDEX['file']}"] = build_notebook(src.INDEX)
    assert len(books) == len(src.LECTURES) + 2 * len(src.EXERCISES) + len(src.APPS) + 1
    return books


def dumps(nb):
    nbformat.validate(nb)
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for rel, nb in build_all().items():
        path, text = ROOT / rel, dumps(nb)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(rel)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print("out of step with scripts/notebook_sources.py (run scripts/build_notebooks.py):", *stale, sep="\n  ")
        return 1
    print(("checked" if check else "wrote") + f" notebooks; {len(stale)} {'stale' if check else 'changed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
