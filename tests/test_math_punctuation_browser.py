"""Punctuation next to inline math never starts (or, for "(", ends) a line, in JupyterLab in Chromium.

MathJax typesets inline math as one atomic inline box, and Chromium allows a line break on either
side of it whatever the neighbour is: "the gradient of $g$." could wrap so that the next line began
with the lone ".". The build (scripts/build_notebooks.py, keep_punctuation_with_math) puts the math
and its punctuation in a white-space: nowrap span.

Every markdown cell of the committed notebooks with inline math goes into one notebook, opened in
JupyterLab (untrusted: the sanitizer has its say) at the projector's 1280x720; the rendered markdown
is then laid out at every STEP px from WIDEST to NARROWEST px, and at each width every punctuation
character right after an inline math box (after a word joiner, if any) must be on the math's line
and to its right (the bounding box of a Range over the character against the mjx-container's), and
every "(" or opening quote right before one on its line and to its left. As a control, the same
cells as their sources have them (no spans) are laid out at every CONTROL_STEP px, and must wrap somewhere:
otherwise this test could no longer see the bug it guards against.

Screenshots: tests/artifacts/math_punctuation_{after,before}_source.png (the source cell whose
punctuation after, or before, inline math wraps at the greatest width, at that width) and
math_punctuation_{after,before}_built.png (the built cell at the same width).
"""
import os
import sys
from pathlib import Path

import nbformat
import pytest

from lab_browser import ARTIFACTS, KERNEL_IDLE, ROOT, set_viewport

sys.path.insert(0, str(ROOT / "scripts"))
import build_notebooks as build  # noqa: E402

pytestmark = pytest.mark.browser
WIDEST, NARROWEST = 1100, 300   # px of the rendered markdown (1280x720 gives it about 1000)
STEP = 3  # px between widths: a wrap before "." lasts a few px of width (every px: 3x the time, 45 s)
CONTROL_STEP = 12  # the control need only wrap somewhere: a quarter of the widths

# Every inline mjx-container in cell `cells[k]` (k in `indices`) with the character after it (after
# any U+2060) in `after`, or before it in `before`, checked with the markdown at each width.
MEASURE = r"""async ({indices, from, to, step, after, before}) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const roots = indices.map(k => nb.widgets[k].node.querySelector('.jp-RenderedMarkdown'));
  const items = [];
  roots.forEach((root, r) => {
    const seq = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => n.parentElement && n.parentElement.closest('mjx-container') ? NodeFilter.FILTER_REJECT
        : (n.nodeType === 3 && n.textContent.length) || n.tagName === 'MJX-CONTAINER' ? NodeFilter.FILTER_ACCEPT
        : /^(P|LI|TD|TH|H[1-6]|BR|PRE)$/.test(n.tagName) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP});
    for (let n = walker.nextNode(); n; n = walker.nextNode()) seq.push(n);
    seq.forEach((n, k) => {
      if (n.tagName !== 'MJX-CONTAINER' || n.getAttribute('display') === 'true') return;
      const next = seq[k + 1], prev = seq[k - 1];
      if (next && next.nodeType === 3) {
        const at = next.textContent.match(/^\u2060*/)[0].length, ch = next.textContent[at];
        if (ch && after.includes(ch)) items.push({math: n, node: next, at, side: 'after', ch, cell: indices[r], seq, k});
      }
      if (prev && prev.nodeType === 3) {
        const t = prev.textContent.replace(/\u2060+$/, ''), ch = t[t.length - 1];
        if (ch && before.includes(ch)) items.push({math: n, node: prev, at: t.length - 1, side: 'before', ch, cell: indices[r], seq, k});
      }
    });
  });
  const text = (n) => n && n.nodeType === 3 ? n.textContent : '';
  const width = roots.length ? roots[0].getBoundingClientRect().width : 0;
  const found = items.map(it => ({cell: it.cell, side: it.side, ch: it.ch, widths: [], width,
    context: text(it.seq[it.k - 1]).slice(-20) + '<math>' + text(it.seq[it.k + 1]).slice(0, 15)}));
  const range = document.createRange();
  const widths = [];   // none: as the window lays it out
  for (let w = from; w >= to; w -= step) widths.push(w);
  for (const w of from === null ? [width] : widths) {
    if (from !== null) roots.forEach(r => { r.style.width = w + 'px'; r.style.maxWidth = w + 'px'; });
    items.forEach((it, i) => {
      range.setStart(it.node, it.at); range.setEnd(it.node, it.at + 1);
      const p = range.getBoundingClientRect(), c = it.math.getBoundingClientRect();
      const sameLine = Math.min(p.bottom, c.bottom) - Math.max(p.top, c.top) > 0;
      const beside = it.side === 'after' ? p.left >= c.right - 2 : p.right <= c.left + 2;
      if (!(sameLine && beside)) found[i].widths.push(w);
    });
  }
  roots.forEach(r => { r.style.width = ''; r.style.maxWidth = ''; });
  return found;
}"""

# The rendered markdown's nowrap spans: how many, how many the sanitizer left nowrap, how many hold math.
SPANS = """(indices) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const spans = indices.flatMap(k => [...nb.widgets[k].node.querySelectorAll('.jp-RenderedMarkdown span')]
    .filter(s => (s.getAttribute('style') || '').includes('white-space')));
  return {spans: spans.length,
          nowrap: spans.filter(s => getComputedStyle(s).whiteSpace === 'nowrap').length,
          typeset: spans.filter(s => s.querySelector('mjx-container')).length};
}"""

INLINE_MATH = """() => [...document.querySelectorAll('.jp-RenderedMarkdown mjx-container')]
                   .filter(c => c.getAttribute('display') !== 'true').length"""


def markdown_with_math():
    """The committed notebooks' markdown cells with inline math (each text once), and the same
    cells as their sources have them, for those the build changes."""
    built, sources = [], []
    for rel in build.committed_notebooks():
        for cell in nbformat.read(ROOT / rel, as_version=4).cells:
            if cell.cell_type == "markdown" and any(not d for _, _, d in build.math_spans(cell.source)):
                built.append(cell.source)
    for kind in build.read_sources().values():
        for book in kind:
            for cell in book.cells:
                if cell.cell_type == "markdown" and build.keep_punctuation_with_math(cell.source)[1]:
                    sources.append(cell.source)
    return list(dict.fromkeys(built)), list(dict.fromkeys(sources))


def test_punctuation_stays_on_the_line_of_its_inline_math(lab, browser_page):
    page = browser_page
    built, sources = markdown_with_math()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": dict(build.KERNELSPEC)})
    nb.cells = [nbformat.v4.new_markdown_cell(s) for s in built + sources]
    path = ARTIFACTS / "math_punctuation" / os.environ.get("PYTEST_XDIST_WORKER", "") / "cells.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)                   # not signed: JupyterLab opens it untrusted
    rel = path.relative_to(ROOT).as_posix()
    inline = sum(1 for s in built + sources for _, _, d in build.math_spans(s) if not d)

    set_viewport(page, "1280x720")
    page.goto(lab.url(rel))
    page.wait_for_function(KERNEL_IDLE, arg=rel, timeout=90_000)
    # every inline math of every cell typeset (the build finds math where JupyterLab does)
    page.wait_for_function(f"() => ({INLINE_MATH})() >= {inline}", timeout=120_000)
    page.wait_for_timeout(500)
    assert page.evaluate(INLINE_MATH) == inline

    built_cells, source_cells = list(range(len(built))), list(range(len(built), len(built) + len(sources)))
    spans = page.evaluate(SPANS, built_cells)
    assert spans["spans"] == sum(s.count(build.NOWRAP_OPEN) for s in built), spans  # the sanitizer
    assert spans["nowrap"] == spans["spans"], spans      # kept every span and its style, and MathJax
    assert spans["typeset"] == spans["spans"], spans     # typeset the math inside them

    args = {"from": WIDEST, "to": NARROWEST, "step": STEP, "after": build.CLOSING_PUNCTUATION,
            "before": build.OPENING_PUNCTUATION}
    # first at the lecture hall's and the laptop's window sizes, as JupyterLab lays the cells out
    at_window = {}
    for size in ("1440x900", "1280x720"):
        set_viewport(page, size)
        page.wait_for_timeout(300)
        at_window[size] = page.evaluate(MEASURE, {"indices": built_cells, **args, "from": None})
    control = page.evaluate(MEASURE, {"indices": source_cells, **args, "step": CONTROL_STEP})
    checked = page.evaluate(MEASURE, {"indices": built_cells, **args})

    # the control: the sources' text wraps before or after the punctuation at some widths
    wraps = [c for c in control if c["widths"]]
    assert wraps, "the sources' cells no longer wrap next to inline math: has Chromium changed?"
    assert len(checked) >= 190, f"only {len(checked)} places of punctuation next to inline math were found"
    for side in ("after", "before"):     # the widest wrap of each kind, before and after the build
        first = max((c for c in wraps if c["side"] == side), key=lambda c: c["widths"][0], default=None)
        if first:
            _screenshots(page, first, built_cells, sources, built, side)

    problems = []
    for size, found in at_window.items():
        bad = [f"  {c['context']!r}: {c['ch']!r}" for c in found if c["widths"]]
        if bad:
            problems.append(f"at {size} ({found[0]['width']:.0f} px of markdown), {len(bad)} of "
                            f"{len(found)} places:\n" + "\n".join(bad))
    bad = [f"  {c['context']!r}: {c['ch']!r} at widths {c['widths'][:8]}"
           + ("..." if len(c["widths"]) > 8 else "") for c in checked if c["widths"]]
    if bad:
        problems.append(f"at some width from {WIDEST} to {NARROWEST} px, {len(bad)} of {len(checked)} places:\n"
                        + "\n".join(bad))
    assert not problems, "punctuation next to inline math starts (or ends) a line\n" + "\n".join(problems)


def _screenshots(page, item, built_cells, sources, built, side):
    """The source cell of `item` at a width where it wraps, and the built cell at the same width."""
    width = item["widths"][0]
    text = sources[item["cell"] - len(built)]
    twins = [k for k in built_cells if build.keep_punctuation_with_math(text)[0] == built[k]] or [None]
    for name, k in (("source", item["cell"]), ("built", twins[0])):
        if k is None:
            continue
        cell = page.locator(".jp-Notebook .jp-Cell").nth(k)
        cell.scroll_into_view_if_needed()
        markdown = cell.locator(".jp-RenderedMarkdown")
        markdown.evaluate("(e, w) => { e.style.width = w + 'px'; e.style.maxWidth = w + 'px'; }", width)
        page.wait_for_timeout(100)
        markdown.screenshot(path=str(ARTIFACTS / f"math_punctuation_{side}_{name}.png"))
        markdown.evaluate("e => { e.style.width = ''; e.style.maxWidth = ''; }")
