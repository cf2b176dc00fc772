// GraphStepper front end (anywidget ESM). Python owns the state and every teaching decision; this
// file only renders what it is sent: the SVG laid out once by Graphviz (`_svg`), the step model's
// per-step changes (`_frames`, sent once), and the predict-mode state (`_gate`: the step whose
// question is open, with its prompt, fields and the rows to keep in `_frames[gate].ask`).
// A step is shown by applying the changes between the current step and the target one to the
// node/edge <g> elements (classes and value rows): the cost of a step is the size of its changes,
// not of the graph, and stepping needs no kernel round trip; `step` stays synced.

const HIDDEN = "cg-hidden", ACTIVE = "cg-active", DONE = "cg-done", SELECTED = "cg-selected";
const AROUND = "cg-around";   // (not styled: the nodes a step's edges reach, kept in view where they fit)
const PX_PER_PT = 4 / 3;
const KEYBOARD_NODES = 60;    // nodes in the tab order up to this many (past it, Tab would wade through them)

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// A caption's text, with the runs Python marks (its labels, "x + w2 * h") each on one line: a span
// that does not wrap inside (the text is the same, so is what a screen reader reads).
function setCaption(e, text, whole) {
  e.textContent = "";
  let at = 0;
  for (const run of whole || []) {
    const i = text.indexOf(run, at);
    if (i < 0) continue;
    if (i > at) e.append(text.slice(at, i));
    e.append(h("span", "cg-whole", run));
    at = i + run.length;
  }
  if (at < text.length) e.append(text.slice(at));
}

// A line of the chain-rule panel, its labels kept whole as a caption's are (the runs Python marks,
// `lines_whole`): each in a span that goes to the next line whole, and breaks inside only when it is
// longer than the panel is wide (stepper.css).
function panelLine(text, role, whole) {
  const line = h("div", `cg-line cg-line-${role}`);
  setCaption(line, text, whole);
  return line;
}

// The SVG comes from `dot` (labels escaped by the renderer); parse it as XML, so even a stray
// unescaped tag can never become live HTML.
function parseSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (!svg || svg.nodeName !== "svg") return null;
  return document.importNode(svg, true);
}

// icons as inline SVG paths (font glyphs like ⏮ are missing from many system fonts)
const ICONS = {
  first: "M3 2h2v12H3z M14 2v12L6 8z",
  previous: "M12 2v12L4 8z",
  next: "M4 2v12l8-6z",
  last: "M11 2h2v12h-2z M2 2v12l8-6z",
  play: "M3 2v12l11-6z",
  pause: "M3 2h4v12H3z M9 2h4v12H9z",
};

function icon(name) {
  return `<svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">` +
    `<path d="${ICONS[name]}" fill="currentColor"/></svg>`;
}

function render({ model, el }) {
  el.classList.add("cgraph-stepper");
  el.tabIndex = 0;
  // keys pressed in the stepper are its own: JupyterLab's shortcuts (Enter, arrows, space in
  // command mode) must not act on the notebook meanwhile, nor swallow Enter in an answer box
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  // Lumino passes over a key only where that mark sits on the element the key was pressed on, or on
  // an ancestor below the first one a shortcut's selector matches; command mode's selectors end in
  // ":focus", which a focused control matches itself: so the control the focus goes to gets the mark
  // too (W16_1: "b" on a focused button inserted a cell, ArrowRight on the slider or ArrowDown on
  // the speed list moved the notebook to another cell and the control never moved)
  const markFocused = (ev) => ev.target.setAttribute("data-lm-suppress-shortcuts", "true");
  el.addEventListener("focusin", markFocused);
  el.setAttribute("role", "group");
  el.setAttribute("aria-label",
    "computation graph stepper: arrow keys step, space plays or pauses, click a node to inspect it, " +
    "Escape closes the inspector");

  // --- toolbar -------------------------------------------------------------------------------
  // Two groups, each kept whole: the steps (buttons, slider, counter) and the state (phase, speed,
  // predict and its tally). Where the width has no room for both on one line, the state goes under
  // the steps as a whole (the slider takes the first line's room), never the tally alone.
  const bar = h("div", "cg-bar");
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "steps");
  const nav = h("div", "cg-bar-group cg-bar-steps");
  const state = h("div", "cg-bar-group cg-bar-state");
  bar.append(nav, state);
  const button = (cls, name, title, keys) => {
    const b = h("button", "cg-btn " + cls);
    b.type = "button";
    b.title = title;
    b.setAttribute("aria-label", name);
    b.setAttribute("aria-keyshortcuts", keys);
    b.innerHTML = icon(name === "previous step" ? "previous" : name.split(" ")[0]);
    nav.appendChild(b);
    return b;
  };
  const bFirst = button("cg-first", "first step", "first step (Home)", "Home");
  const bPrev = button("cg-prev", "previous step", "previous step (←)", "ArrowLeft");
  const bPlay = button("cg-play", "play", "play (space)", "Space");
  const bNext = button("cg-next", "next step", "next step (→)", "ArrowRight");
  const bLast = button("cg-last", "last step", "last step (End)", "End");
  const slider = h("input", "cg-slider");
  slider.type = "range"; slider.min = "0"; slider.step = "1";
  slider.setAttribute("aria-label", "step");
  const counter = h("span", "cg-counter");
  counter.setAttribute("aria-live", "polite");
  const phase = h("span", "cg-phase");
  const speed = h("select", "cg-speed");
  speed.setAttribute("aria-label", "speed");
  speed.title = "play speed";
  for (const [label, ms] of model.get("_speeds") || []) {
    const o = h("option", "", label);
    o.value = String(ms);
    speed.appendChild(o);
  }
  const predictLabel = h("label", "cg-predict-toggle");
  const predictBox = h("input");
  predictBox.type = "checkbox";
  predictLabel.append(predictBox, document.createTextNode(" predict"));
  predictLabel.title = "predict mode: type each gradient before it is revealed";
  const tally = h("span", "cg-tally");
  tally.setAttribute("aria-live", "polite");
  nav.append(slider, counter);
  state.append(phase, speed, predictLabel, tally);

  const caption = h("div", "cg-caption");
  caption.setAttribute("aria-live", "polite");
  const body = h("div", "cg-body");
  const graph = h("div", "cg-graph");
  // (a tall graph scrolls, and a browser puts a scrolling box in the tab order: it says what it is)
  graph.setAttribute("role", "region");
  graph.setAttribute("aria-label", "graph");
  const overlay = h("div", "cg-program");
  const side = h("div", "cg-side");
  // regions are divs: a <section> inside a slide would be taken by reveal.js (RISE) for a slide
  const panel = h("div", "cg-panel");
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", "chain rule");
  const panelTitle = h("div", "cg-panel-title");
  const lines = h("div", "cg-lines");
  const form = h("form", "cg-predict");
  const fb = h("div", "cg-feedback");
  fb.setAttribute("aria-live", "polite");
  const foot = h("div", "cg-panel-foot");      // room to scroll a question to a line's top (showForm)
  panel.append(panelTitle, lines, form, fb, foot);
  const inspector = h("div", "cg-inspector");
  inspector.setAttribute("role", "region");
  inspector.setAttribute("aria-label", "node inspector");
  side.append(panel, inspector);
  body.append(graph, side);
  // The legend: one short entry per colour or text style, each kept on one line (the line breaks
  // between entries), so a projector's width shows it in one line; the full sentence is each
  // entry's tooltip, and the inspector says it of the node clicked.
  const legend = h("div", "cg-legend");
  legend.setAttribute("role", "list");
  legend.setAttribute("aria-label", "legend");
  legend.innerHTML = [
    ['<span class="cg-key cg-key-active"></span>running now', "outline: the node this step runs"],
    ['<span class="cg-key cg-key-done"></span>backward done', "outline: a node whose backward has run"],
    ['<span class="cg-key cg-key-selected"></span>selected', "dashed outline: the node the inspector shows"],
    ['<span class="cg-flow-sample">grad</span> flowing through',
     "a grad in bold italics: the gradient flowing through a node during backward (not stored in .grad)"],
    ['<span class="cg-freed-sample">grad None</span> passed through',
     "grad None struck through: a gradient passed through this non-leaf, but its .grad stays None " +
     "(retain_grad() keeps it)"],
  ].map(([html, title]) => `<span class="cg-legend-item" role="listitem" title="${title}">${html}</span>`).join("");
  el.append(bar, caption, body, legend);

  // --- graph ---------------------------------------------------------------------------------
  let nodeEls = new Map(), edgeEls = new Map(), textEls = new Map();
  let keyboardNodes = true;       // the graph's nodes are in the tab order (see KEYBOARD_NODES)
  let frames = [];
  let cur = -1;                   // the last frame applied to the SVG
  let undo = [];                  // per applied frame: the rows it replaced
  let rows = new Map();           // node id -> the row the applied frames give it
  let kept = {};                  // node id -> row shown instead while a question is open
  let activeNodes = [], activeEdges = [], aroundNodes = [];

  function buildGraph() {
    graph.textContent = "";
    nodeEls = new Map(); edgeEls = new Map(); textEls = new Map();
    rows = new Map(); undo = []; cur = -1; kept = {}; activeNodes = []; activeEdges = []; aroundNodes = [];
    const svg = parseSvg(model.get("_svg"));
    if (!svg) { graph.textContent = "(graph could not be drawn)"; return; }
    const w = parseFloat(svg.getAttribute("width")), hgt = parseFloat(svg.getAttribute("height"));
    natural = w && hgt ? { w: w * PX_PER_PT, h: hgt * PX_PER_PT } : null;
    svg.querySelectorAll("svg > g > title").forEach((t) => t.remove());  // "G": not a name
    graph.append(svg, overlay);
    const info = model.get("_nodes") || {}, edgeInfo = model.get("_edges") || {};
    svg.querySelectorAll("g.node").forEach((g) => {
      nodeEls.set(g.id, g);
      g.classList.add(HIDDEN);
      const meta = info[g.id] || {};
      const title = g.querySelector(":scope > title");   // the tooltip: its label, not its id
      if (title) title.textContent = meta.title || "";
      if (meta.rows) {
        const t = g.querySelectorAll("text");
        textEls.set(g.id, Array.from(t).slice(t.length - meta.rows));
      }
      g.addEventListener("click", (ev) => {
        ev.stopPropagation();
        model.set("selected", g.id);
        model.save_changes();
        el.focus({ preventScroll: true });
      });
      // a keyboard reaches the nodes too (Tab, then Enter or Space inspects one): each a named
      // button, in the tab order once its step has shown it (on a graph of up to KEYBOARD_NODES)
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", `inspect ${meta.title || "this node"}`);
      g.setAttribute("aria-hidden", "true");
      g.setAttribute("tabindex", "-1");
    });
    keyboardNodes = nodeEls.size <= KEYBOARD_NODES;
    svg.querySelectorAll("g.edge").forEach((g) => {
      edgeEls.set(g.id, g);
      g.classList.add(HIDDEN);
      const title = g.querySelector(":scope > title");
      if (title) title.textContent = edgeInfo[g.id] || "";
    });
    // the moving dashes of the backward edges repaint the SVG every frame: small graphs only
    el.classList.toggle("cg-animate", nodeEls.size <= 60);
    focusPx = null;
    fit();
  }

  // The drawing's size. Without lecture mode: its natural size, shrunk to fit the box's width and
  // the room in the window, never below 60% (a big graph scrolls instead). In lecture mode
  // (--cgraph-scale > 1) the text grows with the scale as far as the box's WIDTH allows, never
  // below its natural size: a graph taller than the room scrolls in its box, each step scrolling
  // its active nodes into view (showActive). Unless some step's active nodes would then not fit in
  // the box together: then the drawing shrinks towards the room, by at most a fifth
  // (LECTURE_SHRINK: still above a screen's 60%), to show a step's nodes with what they work on
  // (lecture 10's last step: x, and g whose gradient it accumulates).
  let natural = null;
  let focusPx = null;      // the tallest span of one step's active nodes, in px at natural size
                           // (measured once per graph, when the drawing is on the page)
  const CHROME_PX = 130;   // outside a notebook's scroller: JupyterLab's menu, tabs, toolbar, status bar
  const LECTURE_SHRINK = 0.8, FOCUS_MARGIN_PX = 8;
  function tallestFocus(svg) {
    const vb = svg.viewBox && svg.viewBox.baseVal;
    if (!vb || !vb.height || !natural || !svg.isConnected) return null;
    const boxes = new Map();
    let most = 0;
    for (const f of frames) {
      let top = Infinity, bottom = -Infinity;
      for (const id of f.active) {
        const g = nodeEls.get(id);
        if (!g) continue;
        if (!boxes.has(id)) { try { boxes.set(id, g.getBBox()); } catch (e) { return null; } }
        const b = boxes.get(id);
        top = Math.min(top, b.y); bottom = Math.max(bottom, b.y + b.height);
      }
      if (bottom > top) most = Math.max(most, bottom - top);
    }
    return most > 0 || !frames.length ? most * natural.h / vb.height : null;
  }
  // The room the notebook shows: its scrolled area in JupyterLab (Notebook 7 too), else the
  // window less an estimate of the chrome around it.
  let scroller = null;
  function visibleHeight() {
    if (!scroller || !scroller.isConnected) {
      scroller = el.closest(".jp-WindowedPanel-outer, .jp-Notebook");
      if (scroller) resized.observe(scroller);      // the window's height changes the room
    }
    return scroller && scroller.clientHeight > 0 ? scroller.clientHeight : window.innerHeight - CHROME_PX;
  }
  function fit() {
    const fs = parseFloat(getComputedStyle(el).fontSize) || 13;
    reservePanel();                                  // the caption's and the panel's heights first
    // the body's room: what the notebook shows less everything of the stepper around the body (the
    // toolbar, the caption at its tallest step, the legend as this width wraps it, the padding),
    // so the whole stepper, toolbar to legend, fits the window (W7_9)
    const around = el.offsetHeight - body.offsetHeight;
    const room = Math.max(16 * fs, visibleHeight() - around - 2);
    el.style.setProperty("--cg-room", `${room.toFixed(0)}px`);
    const svg = graph.querySelector("svg");
    if (!svg || !natural) return;
    const lecture = parseFloat(getComputedStyle(el).getPropertyValue("--cgraph-scale")) || 1;
    const width = graph.clientWidth || natural.w * lecture;
    const fitWidth = width / natural.w, fitRoom = (room - 12) / natural.h;
    // a projector (lecture mode): never below its natural size; a screen: never below 60%
    const floor = lecture > 1 ? Math.max(0.6 * lecture, 1) : 0.6 * lecture;
    // a screen: shrink to the room only if the whole drawing then fits at >= 60%; a drawing too
    // tall for that keeps its size (readable) and scrolls in its box
    const fitsBoth = Math.min(fitWidth, fitRoom);
    const fits = lecture > 1 || fitsBoth < floor ? fitWidth : fitsBoth;
    let scale = Math.min(lecture, Math.max(fits, floor));
    // a projector: a step's nodes that would not fit in the box together
    if (lecture > 1 && focusPx === null) focusPx = tallestFocus(svg);
    if (lecture > 1 && focusPx && focusPx * scale > room - 12 - 2 * FOCUS_MARGIN_PX)
      scale = Math.min(scale, Math.max(fitRoom, LECTURE_SHRINK * floor));
    const before = el.dataset.graphScale;
    svg.style.width = `${(natural.w * scale).toFixed(1)}px`;
    svg.style.height = `${(natural.h * scale).toFixed(1)}px`;
    el.dataset.graphScale = scale.toFixed(3);
    el.style.setProperty("--cg-graph-h", `${(natural.h * scale + 12).toFixed(0)}px`);
    if (before !== el.dataset.graphScale) requestAnimationFrame(() => showActive(false));
    reserveKey();
  }

  // With no node clicked the inspector shows a note and the node colours' key: it keeps their
  // height (--cg-key-h), the key wrapped to this width, so the key is whole and the panel above it
  // has the rest (W9_10: the key was cut at the inspector's foot). Where that would cost the panel
  // the room to show its tallest step whole, and a key on one line would not, the key is one line
  // that scrolls sideways (cg-key-row), and the inspector keeps that line's height.
  function reserveKey() {
    const key = inspector.querySelector(".cgi-key"), box = inspector.querySelector(".cgi");
    if (model.get("selected") || !box) return;            // (a node's inspector: its own rules)
    if (!key) { el.style.removeProperty("--cg-key-h"); el.classList.remove("cg-key-row"); return; }
    const room = side.clientHeight;
    if (!room) return;
    const cs = getComputedStyle(inspector);
    const foot = parseFloat(cs.paddingBottom) + parseFloat(cs.borderBottomWidth);
    // the inspector's height that shows its text whole (the note's top margin, which collapses
    // through the text's box, included)
    const needs = () => Math.ceil(box.getBoundingClientRect().bottom - inspector.getBoundingClientRect().top +
                                  inspector.scrollTop + foot);
    el.classList.remove("cg-key-row");
    const wrapped = needs();
    el.classList.add("cg-key-row");
    const line = needs();
    const gap = parseFloat(getComputedStyle(side).rowGap) || 0;
    const panelH = parseFloat(el.style.getPropertyValue("--cg-panel-h")) || 0;
    // one line where the wrapped key would take the room the panel needs for its tallest step (and
    // one line leaves it), or half the column
    const oneLine = wrapped > room / 2 || (panelH + gap + wrapped > room && panelH + gap + line <= room);
    el.classList.toggle("cg-key-row", oneLine);
    el.style.setProperty("--cg-key-h", `${oneLine ? line : wrapped}px`);
  }
  // the box's width; the toolbar's and the legend's sizes follow --cgraph-scale (lecture mode) and
  // the width. A new size re-lays the panel: an open question's boxes and verdict, scrolled into it
  // when checked, are scrolled back into it (W17_5: lecture mode cut the verdict at the panel's foot)
  const resized = new ResizeObserver(() => {
    fit();
    if (formStep >= 0 && formStep === shownStep) requestAnimationFrame(showForm);
  });
  resized.observe(graph);
  resized.observe(bar);
  resized.observe(legend);

  // The chain-rule panel keeps one height for every step (the tallest step's text, measured once
  // per graph and width), so the inspector below it does not move as the steps change the text;
  // so does the caption (a long one wraps to two lines): the graph's box does not move either.
  const sizer = h("div", "cg-panel cg-panel-sizer");
  sizer.setAttribute("aria-hidden", "true");
  const captionSizer = h("div", "cg-caption cg-panel-sizer");
  captionSizer.setAttribute("aria-hidden", "true");
  let reservedFor = "";
  function reservePanel() {
    const width = panel.clientWidth, fs = getComputedStyle(el).fontSize;
    const key = `${width}|${caption.clientWidth}|${fs}|${frames.length}`;
    if (!width || key === reservedFor || !frames.length) return;
    reservedFor = key;
    // the longest texts (by characters and lines) are the candidates: at most 40 are laid out
    const size = (f) => f.lines.reduce((n, [text]) => n + text.length + 40, f.title.length + (f.skip || "").length);
    const candidates = frames.map((f, i) => [size(f), i]).sort((a, b) => b[0] - a[0]).slice(0, 40);
    sizer.style.width = `${width}px`;
    sizer.textContent = "";
    const blocks = candidates.map(([, i]) => {
      const block = h("div", "cg-sizer-block");
      block.appendChild(h("div", "cg-panel-title", frames[i].title));
      if (frames[i].skip) block.appendChild(h("div", "cg-line cg-line-skip", frames[i].skip));
      frames[i].lines.forEach(([text, role], j) =>
        block.appendChild(panelLine(text, role, frames[i].lines_whole && frames[i].lines_whole[j])));
      sizer.appendChild(block);
      return block;
    });
    // the captions, a predict question's too: the 20 longest
    const captions = [];
    for (const f of frames) {
      captions.push(f);
      if (f.ask && f.ask.caption !== undefined) captions.push(f.ask);
    }
    captionSizer.style.width = `${caption.offsetWidth}px`;
    captionSizer.textContent = "";
    const length = (c) => (c.caption || "").length;
    const captionLines = captions.sort((a, b) => length(b) - length(a)).slice(0, 20).map((c) => {
      const line = h("div", "cg-sizer-block");
      setCaption(line, c.caption || "", c.caption_whole);
      captionSizer.appendChild(line);
      return line;
    });
    el.append(sizer, captionSizer);
    const tallest = Math.max(0, ...blocks.map((b) => b.offsetHeight));   // one layout for all
    const pad = getComputedStyle(captionSizer);
    const tallestCaption = Math.max(0, ...captionLines.map((b) => b.offsetHeight)) +
      parseFloat(pad.paddingTop) + parseFloat(pad.paddingBottom);
    sizer.remove();
    captionSizer.remove();
    el.style.setProperty("--cg-panel-h", `${Math.ceil(tallest + 8)}px`);
    el.style.setProperty("--cg-caption-h", `${Math.ceil(tallestCaption)}px`);
  }

  // In a drawing larger than its box, the nodes a step works on (`active`, marked by Python's step
  // model) are scrolled into view, with as many of the nodes at their edges' other ends (`around`:
  // what a backward step passes gradients to, what an op reads) as fit in the box beside them: the
  // box only (the notebook does not move), smoothly unless the reader asks for reduced motion, and
  // only when one of them is not wholly in view already (a box whose nodes to show are all in view
  // never moves; a box the drawing fits in never scrolls).
  const MARGIN_PX = 24;
  let aim = null;                 // the scroll position a smooth scroll under way is heading to
  graph.addEventListener("scrollend", () => { aim = null; });
  function showActive(smooth = true) {
    if (!activeNodes.length) return;
    const tall = graph.scrollHeight > graph.clientHeight + 1, wide = graph.scrollWidth > graph.clientWidth + 1;
    if (!tall && !wide) return;
    // the nodes' boxes in the scrolled content's coordinates (null: not drawn at this step)
    const box = graph.getBoundingClientRect();
    const x0 = box.left + graph.clientLeft - graph.scrollLeft, y0 = box.top + graph.clientTop - graph.scrollTop;
    const rect = (id) => {
      const g = nodeEls.get(id);
      const r = g && g.getBoundingClientRect();
      return r && (r.width || r.height) ? { top: r.top - y0, bottom: r.bottom - y0, left: r.left - x0, right: r.right - x0 } : null;
    };
    const join = (a, b) => !a ? b : { top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom),
                                      left: Math.min(a.left, b.left), right: Math.max(a.right, b.right) };
    const fits = (s) => (!tall || s.bottom - s.top + 2 * MARGIN_PX <= graph.clientHeight) &&
                        (!wide || s.right - s.left + 2 * MARGIN_PX <= graph.clientWidth);
    let span = null;
    for (const id of activeNodes) { const r = rect(id); if (r) span = join(span, r); }
    if (!span) return;
    for (const id of aroundNodes) {              // in Python's order, each one that still fits
      const r = fits(span) && rect(id);
      if (r && fits(join(span, r))) span = join(span, r);
    }
    const { top, bottom, left, right } = span;
    // one axis: the scroll position that shows [lo, hi] in a view of `size` now at `at`
    const place = (lo, hi, at, size) => {
      if (lo >= at - 1 && hi <= at + size + 1) return at;                 // in view: stay
      const margin = Math.min(MARGIN_PX, Math.max(0, (size - (hi - lo)) / 2));
      if (hi - lo + 2 * margin > size || lo < at) return Math.max(0, lo - margin);  // top first
      return hi + margin - size;
    };
    const from = aim || { top: graph.scrollTop, left: graph.scrollLeft };
    const to = {
      top: tall ? place(top, bottom, from.top, graph.clientHeight) : from.top,
      left: wide ? place(left, right, from.left, graph.clientWidth) : from.left,
    };
    if (Math.abs(to.top - from.top) < 1 && Math.abs(to.left - from.left) < 1) return;
    const still = !smooth || window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    aim = still ? null : to;
    graph.scrollTo({ top: to.top, left: to.left, behavior: still ? "instant" : "smooth" });
  }

  function paint(nid) {
    const els = textEls.get(nid);
    if (!els) return;
    const want = kept[nid] || rows.get(nid) || ["data", "grad", ""];
    for (let i = 0; i < els.length && i < 2; i++) {
      const text = want[i] === undefined ? "" : want[i];
      if (els[i].textContent !== text) els[i].textContent = text;
    }
    if (els.length > 1) {
      els[1].classList.toggle("cg-flow", want[2] === "cg-flow");
      els[1].classList.toggle("cg-freed", want[2] === "cg-freed");
    }
  }

  function toggle(map, id, cls, on) {
    const g = map.get(id);
    if (!g) return;
    g.classList.toggle(cls, on);
    if (cls === HIDDEN && map === nodeEls) {       // a node not shown yet: out of reach and unsaid
      g.setAttribute("aria-hidden", on ? "true" : "false");
      g.setAttribute("tabindex", on || !keyboardNodes ? "-1" : "0");
    }
  }

  function applyFrame(i) {
    const f = frames[i];
    f.show.forEach((id) => toggle(nodeEls, id, HIDDEN, false));
    f.show_edges.forEach((id) => toggle(edgeEls, id, HIDDEN, false));
    f.done.forEach(([id, on]) => toggle(nodeEls, id, DONE, on));
    const before = {};
    for (const nid in f.texts) {
      before[nid] = rows.has(nid) ? rows.get(nid) : null;
      rows.set(nid, f.texts[nid]);
      paint(nid);
    }
    undo[i] = before;
  }

  function undoFrame(i) {
    const f = frames[i];
    f.show.forEach((id) => toggle(nodeEls, id, HIDDEN, true));
    f.show_edges.forEach((id) => toggle(edgeEls, id, HIDDEN, true));
    for (let j = f.done.length - 1; j >= 0; j--) toggle(nodeEls, f.done[j][0], DONE, !f.done[j][1]);
    const before = undo[i] || {};
    for (const nid in before) {
      if (before[nid] === null) rows.delete(nid); else rows.set(nid, before[nid]);
      paint(nid);
    }
  }

  function goTo(k) {
    while (cur < k) applyFrame(++cur);
    while (cur > k) undoFrame(cur--);
  }

  // --- the step on screen --------------------------------------------------------------------
  const gate = () => (model.get("predict") ? model.get("_gate") : -1);
  const limit = () => (gate() >= 0 ? gate() : frames.length - 1);
  const asking = (k) => gate() === k && !!frames[k].ask;

  function addLines(list, whole) {
    list.forEach(([text, role], i) => lines.appendChild(panelLine(text, role, whole && whole[i])));
  }

  const uid = "cg" + Math.random().toString(36).slice(2, 10);   // ids unique on the page
  let formStep = -1;
  let shownStep = -1;             // the step whose text the panel shows
  const drafts = {};              // step -> what the student typed (kept until checked)

  function buildForm(k, ask) {
    form.textContent = "";
    foot.style.height = "";
    formStep = k;
    const typed = drafts[k] || [];
    const inputs = ask.fields.map((field, i) => {
      const row = h("div", "cg-predict-row");
      const label = h("label", "cg-predict-label");
      const id = `${uid}-${k}-${i}`;
      label.htmlFor = id;
      label.append(h("span", "cg-field-symbol", field.label + " ="));
      const inp = h("input", "cg-predict-input");
      inp.type = "text"; inp.id = id; inp.placeholder = "?"; inp.size = 10;
      inp.autocomplete = "off"; inp.spellcheck = false;
      inp.setAttribute("aria-label", field.label);
      inp.setAttribute("aria-describedby", id + "-words");
      inp.value = typed[i] || "";
      inp.oninput = () => { (drafts[k] = drafts[k] || [])[i] = inp.value; };
      // Enter checks (handled here: a notebook can swallow the form's own Enter submission)
      inp.onkeydown = (ev) => {
        if (ev.key !== "Enter") return;
        ev.preventDefault(); ev.stopPropagation();
        askPython("check");
      };
      const result = h("span", "cg-field-result");
      result.setAttribute("aria-live", "polite");
      const words = h("div", "cg-field-words", field.words);
      words.id = id + "-words";
      row.append(label, inp, result, words);
      form.appendChild(row);
      return inp;
    });
    const actions = h("div", "cg-predict-actions");
    const check = h("button", "cg-btn cg-check", "check");
    check.type = "submit";
    check.setAttribute("aria-label", "check");
    const reveal = h("button", "cg-btn cg-reveal", "reveal answer");
    reveal.type = "button";
    reveal.setAttribute("aria-label", "reveal answer");   // (its visible words: a name that says them, WCAG 2.5.3)
    reveal.title = "show the answer and go on";
    actions.append(check, reveal);
    form.appendChild(actions);
    const askPython = (kind) => {
      if (kernelGone) { goneAt = k; showKernelGone(fb); }
      else model.send({ kind, step: k, values: inputs.map((i) => i.value) });
    };
    form.onsubmit = (ev) => { ev.preventDefault(); askPython("check"); };
    reveal.onclick = () => askPython("reveal");
    if (inputs.length) setTimeout(() => { inputs[0].focus({ preventScroll: true }); showForm(); }, 0);
  }

  // A question whose premise fills the panel: the panel (never the notebook) scrolls down until the
  // question is in sight, from its last prompt line ("Predict what it passes on:") through its boxes
  // and their words to the verdict of a check, or as much of that as the panel holds, the prompt
  // line first (the premise is above it). It stops at a line's top: no line shows cut in half.
  function showForm() {
    if (!form.childElementCount) return;
    const view = panel.getBoundingClientRect();
    const prompts = lines.querySelectorAll(".cg-line-prompt");
    const head = (prompts.length ? prompts[prompts.length - 1] : form).getBoundingClientRect().top;
    const end = (fb.childElementCount ? fb : form).getBoundingClientRect().bottom + 4;
    const top = view.top + panel.clientTop, bottom = top + panel.clientHeight;
    let by = Math.min(end - bottom, head - top);
    if (by <= 1) return;
    // the line under the panel's new top: scroll on to its next line's top where the prompt allows
    for (const line of [panelTitle, ...lines.children]) {
      const r = line.getBoundingClientRect();
      if (r.bottom <= top + by || r.top >= top + by) continue;
      const lh = parseFloat(getComputedStyle(line).lineHeight) || r.height;
      const next = r.top + Math.ceil((top + by - r.top) / lh - 0.01) * lh - top;
      if (next <= head - top) by = next;
      break;
    }
    // the panel's foot gets the room that scrolling to a line's top can need past its end
    const room = panel.scrollHeight - panel.clientHeight - panel.scrollTop;
    if (by > room) foot.style.height = `${Math.ceil(by - room) + 1 + foot.offsetHeight}px`;
    panel.scrollTop += Math.ceil(by);
  }

  function showResults(k) {
    if (kernelGone && goneAt === k) { showKernelGone(fb); return; }
    fb.textContent = "";
    const f = model.get("feedback") || {};
    const stored = (model.get("results") || {})[String(k)];
    const shown = f.step === k ? f : stored;
    if (!shown) return;
    if (shown.error) fb.appendChild(h("div", "cg-fb-error", shown.error));
    if (shown.message) fb.appendChild(h("div", "cg-fb-message cg-fb-" + (shown.status || "note"), shown.message));
    const fields = shown.fields || [];
    if (formStep === k && form.isConnected && form.childElementCount) {
      form.querySelectorAll(".cg-field-result").forEach((span, i) => {
        const r = fields[i];
        span.textContent = !r || r.right === undefined ? "" : r.right ? "✓" : "✗";
        span.className = "cg-field-result" + (!r || r.right === undefined ? "" : r.right ? " cg-fb-right" : " cg-fb-wrong");
      });
      return;
    }
    for (const r of fields) if (r.line) fb.appendChild(h("div", "cg-fb-" + r.mark, r.line));   // (Python's words)
  }

  function setKept(next) {
    const old = kept;
    kept = next;
    for (const nid in old) paint(nid);
    for (const nid in next) paint(nid);
  }

  function apply() {
    const t0 = performance.now();
    const n = frames.length;
    if (!n) return;
    const k = Math.max(0, Math.min(n - 1, model.get("step")));
    goTo(k);
    const f = frames[k];
    activeNodes.forEach((id) => toggle(nodeEls, id, ACTIVE, false));
    activeEdges.forEach((id) => toggle(edgeEls, id, ACTIVE, false));
    aroundNodes.forEach((id) => toggle(nodeEls, id, AROUND, false));
    activeNodes = f.active; activeEdges = f.active_edges; aroundNodes = f.around || [];
    activeNodes.forEach((id) => toggle(nodeEls, id, ACTIVE, true));
    activeEdges.forEach((id) => toggle(edgeEls, id, ACTIVE, true));
    aroundNodes.forEach((id) => toggle(nodeEls, id, AROUND, true));
    showActive();
    const ask = asking(k) ? f.ask : null;
    setKept(ask ? ask.keep : {});

    el.classList.toggle("cg-in-backward", f.phase === "backward");
    el.classList.toggle("cg-withheld", !!ask);
    slider.max = String(n - 1);
    slider.value = String(k);
    counter.textContent = `step ${k} / ${n - 1}`;
    phase.textContent = f.phase_label;
    phase.className = "cg-phase cg-phase-" + f.phase;
    const focused = document.activeElement;
    bFirst.disabled = bPrev.disabled = k === 0;
    bNext.disabled = bLast.disabled = k >= limit();
    // a focused button disabled now (last step, pressed from the keyboard) would drop the focus to
    // the page: the stepper keeps it, and the arrow keys go on stepping (W16_2)
    if (focused && focused.disabled && el.contains(focused)) el.focus({ preventScroll: true });
    const said = ask && ask.caption !== undefined ? ask : f;
    setCaption(caption, said.caption, said.caption_whole);
    overlay.hidden = !f.program;
    if (f.program) {
      overlay.textContent = "";
      overlay.appendChild(h("div", "cg-program-title", "the program this recording ran:"));
      for (const line of f.program) overlay.appendChild(h("div", "cg-line cg-line-code", line));
    }
    panelTitle.textContent = ask ? "predict" : f.title;
    if (k !== shownStep) { panel.scrollTop = 0; shownStep = k; }   // a new step's text from its top
    lines.textContent = "";
    // predict mode, a step that asks nothing although it passes gradients on: Python's one line why
    if (!ask && model.get("predict") && f.skip) lines.appendChild(h("div", "cg-line cg-line-skip", f.skip));
    addLines(ask ? ask.prompt : f.lines, ask ? ask.prompt_whole : f.lines_whole);
    if (ask) {
      if (formStep !== k || !form.childElementCount) buildForm(k, ask);
    } else {
      form.textContent = "";
      formStep = -1;
      foot.style.height = "";
    }
    showResults(k);
    if (ask && formStep === k) showForm();         // a check's verdict is shown in the panel too
    el.dataset.step = String(k);
    el.dataset.lastStepMs = (performance.now() - t0).toFixed(3);
  }

  // The kernel that ran the cell has restarted: JupyterLab's widget manager marks every model's comm
  // dead ("comm_live_update"). The steps still play from the page, but a node's details and a
  // check's verdict come from Python, which no longer answers: a click or a check did nothing. The
  // inspector (and the verdict's place, at a check) says so, in Python's words (`_kernel_gone`).
  let kernelGone = false, goneAt = -1;        // (goneAt: the step whose check met no kernel)
  function showKernelGone(where) {
    const note = h("div", "cg-kernel-gone", model.get("_kernel_gone") || "");
    note.setAttribute("role", "status");
    where.replaceChildren(note);
  }
  function onCommLive() {
    kernelGone = true;
    showKernelGone(inspector);
  }

  function showSelected() {
    if (kernelGone) showKernelGone(inspector);
    const sel = model.get("selected");
    nodeEls.forEach((g, id) => { if (g.classList.contains(SELECTED) !== (id === sel)) g.classList.toggle(SELECTED); });
    // no node clicked: the inspector holds its note and the colour key, the chain-rule panel the rest
    el.classList.toggle("cg-has-selection", !!sel);
    reserveKey();
  }
  function clearSelection() {
    if (!model.get("selected")) return false;
    model.set("selected", "");
    model.save_changes();
    return true;
  }
  graph.addEventListener("click", () => clearSelection());   // a click beside the nodes

  function showControls() {
    const playing = model.get("playing");
    bPlay.innerHTML = icon(playing ? "pause" : "play");
    bPlay.setAttribute("aria-label", playing ? "pause" : "play");
    bPlay.title = playing ? "pause (space): stays at this step" : "play (space)";
    bPlay.classList.toggle("cg-playing", playing);
    const ms = String(model.get("interval"));
    if (!Array.from(speed.options).some((o) => o.value === ms)) {   // set from Python: show it
      const o = h("option", "", `${ms} ms`);
      o.value = ms;
      speed.appendChild(o);
    }
    speed.value = ms;
    predictBox.checked = !!model.get("predict");
    const t = model.get("tally") || {};
    tally.textContent = model.get("predict") ? `✓ ${t.right || 0}  ✗ ${t.wrong || 0}` : "";
    tally.title = "predictions right and wrong at the first try";
  }

  function showInspector() {
    if (kernelGone) return;
    inspector.innerHTML = model.get("inspector_html") || "";   // built and escaped in Python
    reserveKey();
  }

  function setStep(k) {
    k = Math.max(0, Math.min(limit(), k));
    if (k === model.get("step")) return false;
    model.set("step", k);
    model.save_changes();
    return true;
  }

  // --- play: a timer here, `playing` synced (Python can start and stop it too) ---------------
  let timer = null;
  function setPlaying(on) {
    if (model.get("playing") !== on) { model.set("playing", on); model.save_changes(); }
  }
  function syncTimer() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!model.get("playing")) return;
    timer = setTimeout(() => {
      timer = null;
      if (!model.get("playing")) return;
      // stop at the end, or at an open question
      if (!setStep(model.get("step") + 1) || model.get("step") >= limit()) { setPlaying(false); return; }
      syncTimer();
    }, model.get("interval"));
  }
  function togglePlay() {
    const on = !model.get("playing");
    if (on && model.get("step") >= frames.length - 1) setStep(0);   // at the end: from the start
    else if (on && model.get("step") >= limit()) return;              // an open question first
    setPlaying(on);
  }

  bFirst.onclick = () => setStep(0);
  bPrev.onclick = () => setStep(model.get("step") - 1);
  bNext.onclick = () => setStep(model.get("step") + 1);
  bLast.onclick = () => setStep(frames.length - 1);
  bPlay.onclick = togglePlay;
  slider.oninput = () => { if (!setStep(parseInt(slider.value, 10))) slider.value = String(model.get("step")); };
  speed.onchange = () => { model.set("interval", parseInt(speed.value, 10)); model.save_changes(); };
  predictBox.onchange = () => { model.set("predict", predictBox.checked); model.save_changes(); };
  const onKey = (ev) => {
    const tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    const node = ev.target && ev.target.closest && ev.target.closest("g.node");
    if (node && (ev.key === "Enter" || ev.key === " ")) {     // a focused node: inspect it
      ev.preventDefault(); ev.stopPropagation();
      model.set("selected", node.id);
      model.save_changes();
      return;
    }
    const k = model.get("step");
    const moves = { ArrowRight: k + 1, ArrowDown: k + 1, ArrowLeft: k - 1, ArrowUp: k - 1,
                    Home: 0, End: frames.length - 1 };
    if (ev.key in moves) {
      ev.preventDefault(); ev.stopPropagation();
      setStep(moves[ev.key]);
    } else if (ev.key === " " && tag !== "BUTTON") {
      ev.preventDefault(); ev.stopPropagation();
      togglePlay();
    } else if (ev.key === "Escape" && clearSelection()) {
      ev.preventDefault(); ev.stopPropagation();
    }
  };
  el.addEventListener("keydown", onKey);

  function rebuild() {
    frames = model.get("_frames") || [];
    reservedFor = "";
    buildGraph();
    apply();
    showSelected();
  }

  const onState = () => { apply(); showControls(); };
  const handlers = [
    ["change:step", apply], ["change:_gate", onState], ["change:predict", onState],
    ["change:answered", apply], ["change:feedback", apply], ["change:results", apply],
    ["change:tally", showControls], ["change:interval", showControls],
    ["change:playing", () => { showControls(); syncTimer(); }],
    ["change:selected", showSelected], ["change:inspector_html", showInspector],
    ["change:_svg", rebuild], ["change:_frames", rebuild], ["comm_live_update", onCommLive],
  ];
  handlers.forEach(([e, f]) => model.on(e, f));
  rebuild();
  showControls();
  showInspector();
  syncTimer();

  return () => {
    handlers.forEach(([e, f]) => model.off(e, f));
    if (timer) clearTimeout(timer);
    resized.disconnect();
    el.removeEventListener("keydown", onKey);
    el.removeEventListener("focusin", markFocused);
  };
}

export default { render };
