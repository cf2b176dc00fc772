"""Write the lecture and exercise notebooks from their sources in notebook_sources/.

    python scripts/build_notebooks.py           # (re)write every notebook
    python scripts/build_notebooks.py --check   # exit 1 if a committed notebook is out of step

Each notebook's source is its own jupytext percent-format file (``# %%`` cells) in notebook_sources/,
at the path of the notebook it makes: a lecturer edits it in an editor, or in JupyterLab as a
notebook (`make edit`). The build finds the sources by globbing that folder, so a new file is a new
notebook, listed in the contents and linked to its neighbours with no list to edit here:

    notebook_sources/NN_name.py             -> notebooks/NN_name.ipynb              (kind: lecture)
    notebook_sources/exercises/exNN_name.py -> instructor/exercises/exNN_name.ipynb (kind: exercise,
                                               with solutions) and its student copy in notebooks/exercises/
    notebook_sources/apps/name.py           -> notebooks/apps/name.ipynb            (kind: app)
    notebook_sources/index.py               -> notebooks/index.ipynb                (kind: index)

A source says what only its author knows (header and cell metadata; notebook_sources/README.md
has the format); the build adds only what follows from it:

- ``metadata.kernelspec`` (python3), ``metadata.cgraph`` (kind, title with its number, minutes,
  backends) and RISE's settings;
- the title: the header's ``title`` after the number in the file name ("01 · ...", "ex01 · ...");
- the previous / contents / next line at the bottom of every lecture and exercise (in file-name
  order); the index's lists of lectures, exercises and apps, where its text says
  ``<!-- generated: lectures -->`` (or ``exercises``, ``apps``) on a line of its own;
- RISE slide types: '#'/'##' headings start a slide, '###' a subslide, any other cell continues its
  slide, unless the cell states its own ``slideshow`` (the torch-switch setup cell shows on the title
  slide: a lecturer running the slides from a fresh kernel runs it there, and a skipped cell no one can
  run left every later cell a NameError);
- cell ids, from the cell's content (not its position: inserting a cell renumbers nothing), or the
  ``id`` a cell states;
- nbgrader: a solution or grade cell states the short form (``grade_id`` and ``solution: true``, or
  ``grade: true`` and ``points``), completed here; every other exercise cell is made read-only.
- in markdown, inline math and the punctuation next to it ("$g$.", "($x$),") in a
  ``<span style="white-space:nowrap">``, so that no line starts with the punctuation (or ends with
  the "("): the sources stay as written (see keep_punctuation_with_math).

Each exercise is written twice: the instructor version, with its solutions, to instructor/ (outside
notebooks/, which `make lab` serves to students), and the student copy made from it by nbgrader's
preprocessors (scripts/make_student.py: solutions removed, every cell but the answers locked) to
notebooks/exercises/. Building the student copies needs nbgrader (the test or instructor extra).
"""
import hashlib
import json
import re
import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_student  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebook_sources"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
BACKENDS = ("autograd_core", "torch")
KINDS = {"lecture": ".", "exercise": "exercises", "app": "apps", "index": "."}   # kind: its folder
HEADER_KEYS = {"kind", "title", "minutes", "backends", "lectures", "description"}
CELL_KEYS = {"tags", "nbgrader", "slideshow", "jupyter", "id"}
# jupytext's own cell metadata: how the text was laid out (e.g. no blank line before the next cell),
# kept by jupytext so that the file reads back as written; not part of the notebook.
JUPYTEXT_LAYOUT_KEYS = {"cell_marker", "lines_to_next_cell", "lines_to_end_of_cell_marker"}
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "-", "notes"}
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
GENERATED = re.compile(r"^<!-- generated: (\w+) -->$", re.M)
# How jupytext writes a source (also notebook_sources/jupytext.toml, which JupyterLab's jupytext
# contents manager reads when a lecturer saves a source opened as a notebook).
JUPYTEXT_FORMAT = {"extension": ".py", "format_name": "percent",
                   "notebook_metadata_filter": "cgraph,kernelspec,-all",
                   "cell_metadata_filter": ",".join(sorted(CELL_KEYS)) + ",-all"}


class SourceError(ValueError):
    """A source in notebook_sources/ that the build cannot turn into a notebook (says which, and why)."""


# --- reading the sources ----------------------------------------------------------------------------

class Source:
    """One notebook's source: its path, header (metadata.cgraph) and cells, as jupytext read them."""

    def __init__(self, path, folder=SOURCES):
        self.path, self.folder = Path(path), Path(folder)
        self.rel = self.path.relative_to(self.folder).with_suffix(".ipynb").as_posix()   # e.g. exercises/ex01_x.ipynb
        self.stem = self.path.stem
        nb = jupytext.read(self.path, fmt="py:percent")
        meta = nb.metadata.get("cgraph")
        if not isinstance(meta, dict):
            raise SourceError(f"{self.where}: the header has no 'cgraph:' section (see notebook_sources/README.md)")
        unknown = set(meta) - HEADER_KEYS
        if unknown:
            raise SourceError(f"{self.where}: unknown header keys {sorted(unknown)}; known: {sorted(HEADER_KEYS)}")
        self.kind = meta.get("kind")
        if self.kind not in KINDS:
            raise SourceError(f"{self.where}: kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        if Path(self.rel).parent.as_posix() != KINDS[self.kind] or (self.kind == "index") != (self.rel == "index.ipynb"):
            raise SourceError(f"{self.where}: a {self.kind} belongs in notebook_sources/{KINDS[self.kind]}/"
                              + (" as index.py" if self.kind == "index" else ""))
        if not isinstance(meta.get("title"), str) or not meta["title"].strip():
            raise SourceError(f"{self.where}: the header needs a title")
        self.backends = meta.get("backends")
        if not (isinstance(self.backends, list) and self.backends and set(self.backends) <= set(BACKENDS)
                and "autograd_core" in self.backends):
            raise SourceError(f"{self.where}: backends must be [autograd_core] or [autograd_core, torch], "
                              f"got {self.backends!r}")
        kernelspec = nb.metadata.get("kernelspec", {})
        if kernelspec.get("name") != KERNELSPEC["name"]:
            raise SourceError(f"{self.where}: kernelspec must be python3, got {kernelspec!r}")
        self.minutes = meta.get("minutes")
        self.lectures = [str(n) for n in meta.get("lectures", [])]
        self.description = meta.get("description")
        self.number = number_of(self.stem) if self.kind in ("lecture", "exercise") else None
        if self.kind in ("lecture", "exercise") and self.number is None:
            raise SourceError(f"{self.where}: a {self.kind}'s file name starts with its number "
                              f"({'01_name.py' if self.kind == 'lecture' else 'ex01_name.py'})")
        self.title = f"{self.number} · {meta['title']}" if self.number else meta["title"]
        self.cells = nb.cells
        for cell in self.cells:
            for key in JUPYTEXT_LAYOUT_KEYS:
                cell.metadata.pop(key, None)
            unknown = set(cell.metadata) - CELL_KEYS
            if unknown:
                raise SourceError(f"{self.where}: a cell has metadata {sorted(unknown)} the build does not "
                                  f"know (known: {sorted(CELL_KEYS)}); cell begins {cell.source[:60]!r}")

    @property
    def where(self):
        return f"{self.folder.name}/{self.path.relative_to(self.folder).as_posix()}"


def number_of(stem):
    """'01' of '01_computation_graphs', 'ex01' of 'ex01_graphs_and_leaves'; None without one."""
    m = re.match(r"((?:ex)?\d+)_", stem)
    return m.group(1) if m else None


def read_sources(folder=None):
    """Every source under ``folder`` (default notebook_sources/), by kind, each list in file-name order."""
    folder = SOURCES if folder is None else Path(folder)
    books = {kind: [] for kind in KINDS}
    for path in sorted(folder.rglob("*.py"), key=lambda p: p.relative_to(folder).as_posix()):
        if ".ipynb_checkpoints" in path.parts:
            continue
        source = Source(path, folder)
        books[source.kind].append(source)
    if len(books["index"]) != 1:
        raise SourceError(f"{folder.name}/index.py (kind: index) is missing")
    return books


# --- what the build adds ----------------------------------------------------------------------------

def _slide_type(cell):
    """RISE slide types: '#'/'##' headings start a slide, '###' a subslide; every other cell continues
    its slide (none is skipped: a cell the slides hide is a cell a lecturer cannot run on them)."""
    text = cell.source.lstrip()
    if cell.cell_type == "markdown":
        if re.match(r"#{1,2} ", text):
            return "slide"
        if text.startswith("### "):
            return "subslide"
        return "-"
    return "-"


def _read_only(grade_id):
    """nbgrader metadata of a read-only cell: the student copy locks it (not editable, not deletable)."""
    return {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
            "solution": False, "task": False}


def _nbgrader(source, cell, stated):
    """Complete a solution or grade cell's short nbgrader metadata (nbgrader's schema 3)."""
    where = f"{source.where}: cell {stated.get('grade_id', cell.source[:40])!r}"
    if source.kind != "exercise":
        raise SourceError(f"{where}: nbgrader cells belong in exercises")
    if not isinstance(stated.get("grade_id"), str) or not CELL_ID.match(stated["grade_id"]):
        raise SourceError(f"{where}: nbgrader needs a grade_id of letters, digits, '-' and '_'")
    if stated.get("solution") == stated.get("grade", False):
        raise SourceError(f"{where}: nbgrader must say solution: true (an answer) or grade: true (a check)")
    full = {"grade": False, "locked": not stated.get("solution", False), "schema_version": 3,
            "solution": False, "task": False, **stated}
    if full["grade"]:
        if not isinstance(full.get("points"), (int, float)) or full["points"] <= 0:
            raise SourceError(f"{where}: a grade cell states its points")
        # A failed check shows its message and Run All goes on to the hints below it.
        if "raises-exception" not in cell.metadata.get("tags", []):
            raise SourceError(f"{where}: a grade cell is tagged raises-exception, so that Run All goes on")
    if full["solution"] and "### BEGIN SOLUTION" not in cell.source:
        raise SourceError(f"{where}: a solution cell holds ### BEGIN SOLUTION ... ### END SOLUTION")
    return full


def cell_ids(stem, cells, where):
    """One id per cell: the id a cell states, else its notebook's name and a hash of its type and text.
    Repeated content gets -2, -3, ... in order, so ids are unique and do not depend on position."""
    prefix = stem.replace("_", "-")[:40]
    stated = [c.metadata.get("id") for c in cells]
    for sid in stated:
        if sid is not None and (not isinstance(sid, str) or not CELL_ID.match(sid)):
            raise SourceError(f"{where}: cell id {sid!r}: use 1-64 letters, digits, '-' or '_'")
    seen = [s for s in stated if s]
    if len(seen) != len(set(seen)):
        raise SourceError(f"{where}: two cells state the same id")
    taken, ids = set(seen), []
    for cell, sid in zip(cells, stated):
        if sid:
            ids.append(sid)
            continue
        digest = hashlib.sha1(f"{cell.cell_type}\0{cell.source}".encode("utf-8")).hexdigest()[:8]
        cid, n = f"{prefix}-{digest}", 1
        while cid in taken:
            n += 1
            cid = f"{prefix}-{digest}-{n}"
        taken.add(cid)
        ids.append(cid)
    return ids


def _rel_link(here, there):
    """Link from notebook ``here`` to notebook ``there`` (both relative to notebooks/)."""
    depth = len(Path(here).parent.parts)
    return Path(*([".."] * depth), there).as_posix() if depth else there


def _nav(book, order):
    """The previous / contents / next line at the bottom of a notebook (links relative to it)."""
    i = order.index(book)
    parts = []
    if i > 0:
        parts.append(f"← previous: [{order[i - 1].title}]({_rel_link(book.rel, order[i - 1].rel)})")
    parts.append(f"[contents]({_rel_link(book.rel, 'index.ipynb')})")
    if i + 1 < len(order):
        parts.append(f"next: [{order[i + 1].title}]({_rel_link(book.rel, order[i + 1].rel)}) →")
    return nbformat.v4.new_markdown_cell("---\n" + " · ".join(parts),
                                         metadata={"slideshow": {"slide_type": "slide"}})


def _number_range(numbers):
    """'lecture 03', 'lectures 01–02', 'lectures 01, 03' for the index's list of exercises."""
    if len(numbers) == 1:
        return f"lecture {numbers[0]}"
    ints = [int(n) for n in numbers]
    if ints == list(range(ints[0], ints[0] + len(ints))):
        return f"lectures {numbers[0]}–{numbers[-1]}"
    return "lectures " + ", ".join(numbers)


def generated_text(what, books, where):
    """The index's generated lists: the table of lectures, the list of exercises, the list of apps."""
    if what == "lectures":
        rows = ["| | lecture | minutes | exercises |", "|---|---|---|---|"]
        for lec in books["lecture"]:
            exercises = [e for e in books["exercise"] if lec.number in e.lectures]
            if len(exercises) == 1:
                links = f"[exercises]({exercises[0].rel})"
            else:
                links = ", ".join(f"[{e.number}]({e.rel})" for e in exercises)
            name = lec.title.partition(" · ")[2]
            rows.append(f"| {lec.number} | [{name}]({lec.rel}) | {lec.minutes} | {links} |")
        return "\n".join(rows)
    if what == "exercises":
        return "\n".join(f"- [{e.title}]({e.rel})" + (f" ({_number_range(e.lectures)})" if e.lectures else "")
                         for e in books["exercise"])
    if what == "apps":
        return "\n".join(f"- [{a.title}]({a.rel})" + (f": {a.description}" if a.description else "")
                         for a in books["app"])
    raise SourceError(f"{where}: '<!-- generated: {what} -->': the build generates lectures, exercises, apps")


# --- inline math and the punctuation around it ------------------------------------------------------
# MathJax typesets inline math as one atomic inline box, and Chrome allows a line break on either side
# of such a box whatever the next character is: "the gradient of $g$." can wrap so that a line starts
# with the lone ".", and "($x$" can end a line with "(". A word joiner (U+2060), a zero-width no-break
# space, a zero-width joiner or a combining grapheme joiner between the math and the period does not
# stop it (each tried in JupyterLab 4.6 in Chromium 150: the break stays). An element with
# white-space: nowrap around the math and its punctuation does; JupyterLab's sanitizer keeps that
# style (untrusted notebooks too), MathJax typesets the math inside it, and nbconvert's HTML and
# slides keep it. So the build wraps "$g$." and "($x$)" in such a span; the sources stay as written.
# tests/test_math_punctuation_browser.py checks it in JupyterLab at every width from 1100 to 300 px.

NOWRAP_OPEN, NOWRAP_CLOSE = '<span style="white-space:nowrap">', "</span>"
# After inline math: punctuation (and closing quotes) that must not start a line. A hyphen too
# ("a $k$-step product"); brackets are left out: "[$x$](url)" is a link.
CLOSING_PUNCTUATION = ".,;:!?)'\"’”»…-"
# Before inline math: what must not end a line.
OPENING_PUNCTUATION = "(\"'“‘«"
# JupyterLab's markdown renderer finds math before the markdown is parsed (removeMath in
# @jupyterlab/rendermime's latex.ts); these are its tokens, without the \\( \\[ delimiters.
_MATH_TOKEN = re.compile(r"\\[{}$]|\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|[{}]|(?:\n\s*)+", re.I)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s")


def _masked(text):
    """``text`` with its code (fenced and indented code blocks, code spans) blanked out: same length,
    each of those characters but newlines replaced by NUL, so that no `$` in code counts as math."""
    out, fence, prev, in_list = [], None, "", False
    for line in text.splitlines(keepends=True):
        blank = not line.strip()
        if fence:
            out.append(re.sub(r"[^\n]", "\0", line))
            if re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)}}}[`~]*\s*$", line):
                fence = None
        elif _FENCE.match(line):
            fence = _FENCE.match(line).group(1)
            out.append(re.sub(r"[^\n]", "\0", line))
        elif (re.match(r"^(?: {4}|\t)", line) and not blank and not in_list
              and (not prev.strip() or prev.startswith("\0"))):
            out.append(re.sub(r"[^\n]", "\0", line))      # an indented code block
        else:
            out.append(line)
            if not blank:
                in_list = bool(_LIST_ITEM.match(line)) or (in_list and line[:1].isspace())
        prev = out[-1]
    masked = "".join(out)
    # code spans: a run of backticks up to the next run of the same length (not across a blank line)
    spans, i = [], 0
    for m in re.finditer(r"(?<!\\)`+", masked):
        if m.start() < i:
            continue
        close = re.compile(rf"(?<!`){m.group()}(?!`)").search(masked, m.end())
        if close and not re.search(r"\n\s*\n", masked[m.end():close.start()]):
            spans.append((m.start(), close.end()))
            i = close.end()
    for start, end in spans:
        masked = masked[:start] + re.sub(r"[^\n]", "\0", masked[start:end]) + masked[end:]
    return masked


def math_spans(text):
    """[(start, end, display)] of the math in markdown ``text`` as JupyterLab finds it: $...$ (display
    False), $$...$$ and \\begin{..}...\\end{..} (display True); none in code, none across a blank line,
    braces balanced, \\$ a literal dollar."""
    masked, spans = _masked(text), []
    tokens = list(_MATH_TOKEN.finditer(masked))
    start = end = last = None
    braces, i = 0, 0
    while i < len(tokens):
        t = tokens[i].group()
        if start is not None:
            if t == end:
                if braces:
                    last = i
                else:
                    spans.append((tokens[start].start(), tokens[i].end(), end != "$"))
                    start = end = last = None
            elif t.count("\n") >= 2:                 # a blank line: no math across it
                if last is not None:
                    spans.append((tokens[start].start(), tokens[last].end(), end != "$"))
                    i = last
                start = end = last = None
                braces = 0
            elif t == "{":
                braces += 1
            elif t == "}" and braces:
                braces -= 1
        elif t in ("$", "$$"):
            start, end, braces = i, t, 0
        elif t[1:6].lower() == "begin":
            start, end, braces = i, "\\end" + t[6:], 0
        i += 1
    if start is not None and last is not None:
        spans.append((tokens[start].start(), tokens[last].end(), end != "$"))
    return spans


def keep_punctuation_with_math(text, where="a markdown cell"):
    """``text`` with each inline math span and the punctuation right after it (``$g$.``, ``$x$),``)
    or right before it (``($x$``) in a white-space: nowrap span, and how many spans it wrapped.

    Emphasis between the math and its punctuation ("**column $j$**.") is split at its last space
    before the math, so that only "**$j$**." is kept together: "**column** <span ...>**$j$**.</span>".
    A case it cannot wrap ("(*$x$* ...", emphasis that does not close where it opened) is a
    SourceError that says so."""
    spans = math_spans(text)
    inline = [(s, e) for s, e, display in spans if not display]
    if not inline:
        return text, 0
    blank = _masked(text)
    for s, e, _ in spans:               # math blanked out too: no '*' or '_' of math is emphasis
        blank = blank[:s] + "\0" * (e - s) + blank[e:]
    # Every change is an insertion: (position, order, text); at one position a span closes before
    # an emphasis delimiter goes in, and both before a span opens. The spans nest, whatever overlaps.
    inserts, wrapped = [], 0
    for s, e in inline:
        closer = re.match(r"\*{1,3}|_{1,3}", blank[e:e + 3])
        if closer and blank[e + len(closer.group()):][:1] in tuple(CLOSING_PUNCTUATION):
            inserts += _emphasis_inserts(text, blank, s, e, closer.group(), where)
            wrapped += 1
            continue
        run = re.search(r"[*_]+$", blank[:s])
        if run and run.start() > 0 and blank[run.start() - 1] in OPENING_PUNCTUATION:
            raise SourceError(f"{where}: {text[max(0, s - 20):e + 10]!r}: the build cannot keep the "
                              f"punctuation before emphasised inline math on the math's line; reword it")
        left, right = s, e
        while left > 0 and blank[left - 1] in OPENING_PUNCTUATION:
            left -= 1
        while right < len(blank) and blank[right] in CLOSING_PUNCTUATION:
            right += 1
        if (left, right) != (s, e):
            inserts += [(left, 2, NOWRAP_OPEN), (right, 0, NOWRAP_CLOSE)]
            wrapped += 1
    out, at = [], 0
    for pos, _, piece in sorted(inserts, key=lambda i: i[:2]):
        out += [text[at:pos], piece]
        at = pos
    return "".join(out) + text[at:], wrapped


def _emphasis_inserts(text, blank, s, e, closer, where):
    """The insertions that keep "**column $j$**." together from the math on: the emphasis closes
    before the space in front of the math and opens again in the span:
    "**column** <span ...>**$j$**.</span>"; "**$j$**." and "(**$j$**)" go whole into the span."""
    para = max(blank.rfind("\n\n", 0, s), 0)
    opener = None
    for m in re.finditer(rf"(?<![*_]){re.escape(closer)}(?![*_\s])", blank[para:s]):
        opener = para + m.start()
    inside = blank[opener + len(closer):s] if opener is not None else ""
    if opener is None or re.search(r"[*_]", inside):
        raise SourceError(f"{where}: {text[max(0, s - 30):e + 10]!r}: the build keeps punctuation after "
                          f"emphasised inline math on the math's line only for plain emphasis "
                          f"(**words $x$**.); reword it")
    right = e + len(closer)
    while right < len(blank) and blank[right] in CLOSING_PUNCTUATION:
        right += 1
    spaces = list(re.finditer(r"\s+", inside))
    if not spaces:
        left = opener
        while left > 0 and blank[left - 1] in OPENING_PUNCTUATION:
            left -= 1
        return [(left, 2, NOWRAP_OPEN), (right, 0, NOWRAP_CLOSE)]
    cut = opener + len(closer) + spaces[-1].start()
    resume = opener + len(closer) + spaces[-1].end()
    return [(cut, 1, closer), (resume, 2, NOWRAP_OPEN + closer), (right, 0, NOWRAP_CLOSE)]


def build_notebook(book, order=None, books=None):
    """The nbformat NotebookNode for one Source; ``order``: its kind's sources, for the navigation."""
    cells = []
    for cell in book.cells:
        meta = {k: v for k, v in cell.metadata.items() if k != "id"}
        source = cell.source
        if book.kind == "index":
            source = GENERATED.sub(lambda m: generated_text(m.group(1), books, book.where), source)
        if cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source, metadata=meta)
        elif cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source, metadata=meta)
        else:
            raise SourceError(f"{book.where}: a {cell.cell_type} cell; sources hold markdown and code cells")
        if cell.metadata.get("id"):
            new.metadata["id"] = cell.metadata["id"]       # for cell_ids below; removed there
        cells.append(new)
    if order is not None:
        cells.append(_nav(book, order))
    for cell, cid in zip(cells, cell_ids(book.stem, cells, book.where)):
        cell.metadata.pop("id", None)
        cell["id"] = cid
        if cell.cell_type == "markdown":   # after the id: the id follows the text as written
            cell.source, _ = keep_punctuation_with_math(cell.source, f"{book.where}: cell {cid}")
        stated = cell.metadata.get("slideshow", {}).get("slide_type")
        if stated is not None and stated not in SLIDE_TYPES:
            raise SourceError(f"{book.where}: slide_type {stated!r} is not one of {sorted(SLIDE_TYPES)}")
        cell.metadata["slideshow"] = {"slide_type": stated or _slide_type(cell)}
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"] = _nbgrader(book, cell, cell.metadata["nbgrader"])
        elif book.kind == "exercise":
            # In an exercise only the answers are the student's to edit: instructions, setup, given
            # code, hints and the links stay as written.
            cell.metadata["nbgrader"] = _read_only(cid)
    nb = nbformat.v4.new_notebook()
    nb["cells"] = cells
    nb["metadata"] = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        "cgraph": {"kind": book.kind, "title": book.title, "minutes": book.minutes,
                   "backends": list(book.backends)},
        # RISE: reveal.js's "white" theme uses only fonts shipped with jupyterlab-rise (its
        # default, "simple", fetches Google Fonts: slides must work offline, in a lecture hall)
        "rise": {"scroll": True, "enable_chalkboard": False, "theme": "white"},
    }
    return nb


def build_all(folder=None):
    """{path relative to the repository: NotebookNode} for every source in ``folder`` (default
    notebook_sources/): the lectures, apps and the index in notebooks/, each exercise with its
    solutions in instructor/ and its student copy in notebooks/."""
    books = read_sources(folder)
    numbers = [b.number for kind in ("lecture", "exercise") for b in books[kind]]
    if len(numbers) != len(set(numbers)):
        raise SourceError(f"two sources share a number: {sorted({n for n in numbers if numbers.count(n) > 1})}")
    built = {}
    for book in books["lecture"]:
        built[f"notebooks/{book.rel}"] = build_notebook(book, books["lecture"])
    for book in books["exercise"]:
        instructor = build_notebook(book, books["exercise"])
        built[f"instructor/{book.rel}"] = instructor
        built[f"notebooks/{book.rel}"] = make_student.student_copy(instructor)
    for book in books["app"]:
        built[f"notebooks/{book.rel}"] = build_notebook(book)
    for book in books["index"]:
        built[f"notebooks/{book.rel}"] = build_notebook(book, books=books)
    return built


def committed_notebooks(root=ROOT):
    """The notebooks under ``root`` that the build writes (in notebooks/ and instructor/)."""
    return sorted(p.relative_to(root).as_posix() for folder in ("notebooks", "instructor")
                  for p in (root / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def dumps(nb):
    nbformat.validate(nb)
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv=None, root=ROOT):
    """Write (or with --check, compare) every notebook under ``root`` from root/notebook_sources/.
    Exit status: 0 in step (or written), 1 out of step (--check), 2 a source the build cannot read."""
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    root = Path(root)
    try:
        built = build_all(root / SOURCES.name)
    except SourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    stale = []
    for rel, nb in built.items():
        path, text = root / rel, dumps(nb)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(rel)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    orphans = [rel for rel in committed_notebooks(root) if rel not in built]
    if orphans:
        print("notebooks without a source in notebook_sources/ (delete them, or add their source):",
              *orphans, sep="\n  ")
    if check and (stale or orphans):
        if stale:
            print("out of step with notebook_sources/ (run python scripts/build_notebooks.py):",
                  *stale, sep="\n  ")
        return 1
    print(("checked" if check else "wrote") + f" notebooks; {len(stale)} {'stale' if check else 'changed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
