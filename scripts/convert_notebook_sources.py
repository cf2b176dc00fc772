"""One-off: write notebook_sources/ (one jupytext percent-format file per notebook) from the Python
literals in scripts/notebook_sources.py. Run once, check that the build from the new sources makes
the same notebooks (only cell ids may change), then delete this script and notebook_sources.py.
"""
import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_notebooks as build  # noqa: E402
import notebook_sources as src  # noqa: E402


def header(book):
    meta = {"kind": book["kind"], "title": book["title"].split(" · ", 1)[1] if " · " in book["title"] else book["title"],
            "backends": list(book["backends"])}
    if book.get("minutes") is not None:
        meta["minutes"] = book["minutes"]
    if book.get("for"):
        meta["lectures"] = book["for"].split()
    return meta


def cell(c):
    meta = {}
    if c.get("tags"):
        meta["tags"] = list(c["tags"])
    if c.get("source_hidden"):
        meta["jupyter"] = {"source_hidden": True}
    if c.get("slide"):
        meta["slideshow"] = {"slide_type": c["slide"]}
    if c.get("nbgrader"):
        g = c["nbgrader"]
        short = {"grade_id": g["grade_id"]}
        if g["solution"]:
            short["solution"] = True
        if g["grade"]:
            short["grade"] = True
            short["points"] = g["points"]
        # check that the build's completion gives back what the old source said
        full = {"grade": False, "locked": not short.get("solution", False), "schema_version": 3,
                "solution": False, "task": False, **short}
        assert full == g, (full, g)
        meta["nbgrader"] = short
    if c["kind"] == "md":
        return nbformat.v4.new_markdown_cell(c["source"], metadata=meta)
    return nbformat.v4.new_code_cell(c["source"], metadata=meta)


def write(book, cells, rel):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(build.KERNELSPEC), "cgraph": header(book)}
    nb.cells = [cell(c) for c in cells]
    text = jupytext.writes(nb, fmt=build.JUPYTEXT_FORMAT)
    back = jupytext.reads(text, fmt="py:percent")
    assert [(c.cell_type, c.source) for c in back.cells] == [(c.cell_type, c.source) for c in nb.cells], rel
    path = build.SOURCES / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main():
    for book in src.LECTURES + src.EXERCISES + src.APPS:
        write(book, book["cells"], Path(book["file"]).with_suffix(".py"))
    index = src.INDEX
    cells = list(index["cells"])
    assert cells[1]["source"] == src._toc()
    cells[1] = dict(cells[1], source="<!-- generated: lectures -->")
    write(index, cells, "index.py")


if __name__ == "__main__":
    main()
