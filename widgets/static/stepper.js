// GraphStepper front end (anywidget ESM). Python owns the state; this file only renders:
// the SVG laid out once by Graphviz arrives in `_svg`, every step's changes in `_steps` (sent once),
// and a step is shown by toggling CSS classes on the node/edge <g> elements (ids from to_dot) and
// filling the value/grad <text> rows. Stepping needs no kernel round trip; `step` stays synced.

const CLS = { hidden: "cg-hidden", active: "cg-active", done: "cg-done", selected: "cg-selected" };

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// Every step's full state (sets and text maps), rebuilt from the per-step diffs.
function materialize(steps) {
  const out = [];
  let vis = new Set(), edges = new Set(), done = new Set(), texts = {};
  for (const s of steps) {
    vis = new Set(vis); s.show.forEach((i) => vis.add(i)); s.hide.forEach((i) => vis.delete(i));
    edges = new Set(edges); s.show_edges.forEach((i) => edges.add(i)); s.hide_edges.forEach((i) => edges.delete(i));
    done = new Set(done); s.done_add.forEach((i) => done.add(i)); s.done_remove.forEach((i) => done.delete(i));
    texts = Object.assign({}, texts, s.texts);
    out.push({ ...s, vis, edges, done, texts, activeSet: new Set(s.active), activeEdgeSet: new Set(s.active_edges) });
  }
  return out;
}

// The SVG comes from `dot` (labels escaped by the renderer); parse it as XML, so even a stray
// unescaped tag can never become live HTML.
function parseSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (!svg || svg.nodeName !== "svg") return null;
  return document.importNode(svg, true);
}

function render({ model, el }) {
  el.classList.add("cgraph-stepper");
  el.tabIndex = 0;
  el.setAttribute("role", "application");
  el.setAttribute("aria-label", "computation graph stepper: arrow keys step, click a node to inspect it");

  // --- toolbar -------------------------------------------------------------------------------
  const bar = h("div", "cg-bar");
  // icons as inline SVG paths (font glyphs like ⏮ are missing from many system fonts)
  const ICONS = {
    first: "M3 2h2v12H3z M14 2v12L6 8z",
    prev: "M12 2v12L4 8z",
    next: "M4 2v12l8-6z",
    last: "M11 2h2v12h-2z M2 2v12l8-6z",
  };
  const btn = (cls, icon, title) => {
    const b = h("button", "cg-btn " + cls);
    b.type = "button"; b.title = title; b.setAttribute("aria-label", title);
    b.innerHTML = `<svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true"><path d="${ICONS[icon]}" fill="currentColor"/></svg>`;
    bar.appendChild(b);
    return b;
  };
  const bFirst = btn("cg-first", "first", "first step (Home)");
  const bPrev = btn("cg-prev", "prev", "previous step (←)");
  const bNext = btn("cg-next", "next", "next step (→)");
  const bLast = btn("cg-last", "last", "last step (End)");
  const slider = h("input", "cg-slider");
  slider.type = "range"; slider.min = "0"; slider.step = "1";
  slider.setAttribute("aria-label", "step");
  bar.appendChild(slider);
  const counter = h("span", "cg-counter");
  bar.appendChild(counter);
  const phase = h("span", "cg-phase");
  bar.appendChild(phase);
  const predictLabel = h("label", "cg-predict-toggle");
  const predictBox = h("input");
  predictBox.type = "checkbox";
  predictLabel.append(predictBox, document.createTextNode(" predict"));
  predictLabel.title = "predict mode: type each gradient before it is revealed";
  bar.appendChild(predictLabel);
  const tally = h("span", "cg-tally");
  bar.appendChild(tally);

  const caption = h("div", "cg-caption");
  const body = h("div", "cg-body");
  const graph = h("div", "cg-graph");
  const panel = h("div", "cg-panel");
  const panelTitle = h("div", "cg-panel-title", "chain rule");
  const lines = h("div", "cg-lines");
  const form = h("form", "cg-predict");
  const fb = h("div", "cg-feedback");
  panel.append(panelTitle, lines, form, fb);
  body.append(graph, panel);
  const legend = h("div", "cg-legend");
  legend.innerHTML =
    '<span class="cg-key cg-key-active"></span>running now ' +
    '<span class="cg-key cg-key-done"></span>backward done ' +
    '<span class="cg-key cg-key-selected"></span>selected · ' +
    "<i>grad in italics</i>: gradient flowing through (not stored in .grad) · " +
    '<span class="cg-freed-sample">grad None</span>: freed after backward · click a node to inspect it';
  el.append(bar, caption, body, legend);

  // --- graph ---------------------------------------------------------------------------------
  let nodeEls = new Map(), edgeEls = new Map(), textEls = new Map(), shown = new Map();
  let states = [];

  function buildGraph() {
    graph.textContent = "";
    nodeEls = new Map(); edgeEls = new Map(); textEls = new Map(); shown = new Map();
    const svg = parseSvg(model.get("_svg"));
    if (!svg) { graph.textContent = "(graph could not be drawn)"; return; }
    // natural size x the lecture-mode scale; the SVG's own text sizes stay as laid out
    const w = parseFloat(svg.getAttribute("width")), hgt = parseFloat(svg.getAttribute("height"));
    if (w && hgt) {
      svg.style.width = `calc(${w}pt * var(--cgraph-scale, 1))`;
      svg.style.height = `calc(${hgt}pt * var(--cgraph-scale, 1))`;
    }
    graph.appendChild(svg);
    const info = model.get("_nodes");
    svg.querySelectorAll("g.node").forEach((g) => {
      nodeEls.set(g.id, g);
      const rows = (info[g.id] && info[g.id].rows) || 0;
      if (rows) {
        const t = g.querySelectorAll("text");
        textEls.set(g.id, Array.from(t).slice(t.length - rows));
      }
      g.addEventListener("click", (ev) => {
        ev.stopPropagation();
        model.set("selected", g.id);
        model.save_changes();
        el.focus({ preventScroll: true });
      });
    });
    svg.querySelectorAll("g.edge").forEach((g) => edgeEls.set(g.id, g));
    // the moving dashes of the backward edges repaint the SVG every frame: small graphs only
    el.classList.toggle("cg-animate", nodeEls.size <= 60);
  }

  // --- predictions ---------------------------------------------------------------------------
  function firstUnanswered() {
    if (!model.get("predict")) return null;
    const answered = new Set(model.get("answered"));
    const ask = (model.get("ask_steps") || []).filter((k) => !answered.has(k));
    return ask.length ? Math.min(...ask) : null;
  }

  function buildForm(k, st) {
    form.textContent = "";
    const inputs = st.targets.map((label, i) => {
      const row = h("label", "cg-predict-row");
      row.appendChild(h("span", "cg-predict-label", label + " = "));
      const inp = h("input", "cg-predict-input");
      inp.type = "text"; inp.placeholder = "?"; inp.size = 10;
      inp.setAttribute("aria-label", label);
      if (i === 0) setTimeout(() => inp.focus({ preventScroll: true }), 0);
      row.appendChild(inp);
      form.appendChild(row);
      return inp;
    });
    const submit = h("button", "cg-btn cg-check", "check");
    submit.type = "submit";
    form.appendChild(submit);
    form.onsubmit = (ev) => {
      ev.preventDefault();
      model.set("_guess", { step: k, values: inputs.map((i) => i.value), nonce: Date.now() });
      model.save_changes();
    };
  }

  function showFeedback(k) {
    fb.textContent = "";
    const f = model.get("feedback") || {};
    if (f.step !== k) return;
    if (f.error) { fb.appendChild(h("div", "cg-fb-error", f.error)); }
    if (f.message) fb.appendChild(h("div", "cg-fb-message", f.message));
    for (const r of f.results || []) {
      const line = h("div", r.right ? "cg-fb-right" : "cg-fb-wrong",
        `${r.right ? "✓" : "✗"} ${r.label}: you said ${r.guess}, the engine computed ${r.expected}`);
      fb.appendChild(line);
    }
  }

  // --- one step ------------------------------------------------------------------------------
  function setText(nid, want) {
    const els = textEls.get(nid);
    if (!els || shown.get(nid) === want) return;
    shown.set(nid, want);
    if (!want) return;
    for (let i = 0; i < els.length && i < 2; i++) {
      if (els[i].textContent !== want[i]) els[i].textContent = want[i];
    }
    if (els.length > 1) {
      els[1].classList.toggle("cg-flow", want[2] === "cg-flow");
      els[1].classList.toggle("cg-freed", want[2] === "cg-freed");
    }
  }

  function apply() {
    const t0 = performance.now();
    const n = states.length;
    if (!n) return;
    const k = Math.max(0, Math.min(n - 1, model.get("step")));
    const st = states[k];
    const sel = model.get("selected");
    for (const [id, g] of nodeEls) {
      const active = st.activeSet.has(id);
      g.classList.toggle(CLS.hidden, !st.vis.has(id));
      g.classList.toggle(CLS.active, active);
      g.classList.toggle(CLS.done, !active && st.done.has(id));
      g.classList.toggle(CLS.selected, id === sel);
    }
    for (const [id, g] of edgeEls) {
      g.classList.toggle(CLS.hidden, !st.edges.has(id));
      g.classList.toggle(CLS.active, st.activeEdgeSet.has(id));
    }
    // predict mode: grads stay as they were before the first unanswered step
    const fu = firstUnanswered();
    const withheld = fu !== null && fu <= k;
    const textStep = withheld ? Math.max(0, fu - 1) : k;
    const texts = states[textStep].texts;
    for (const nid of textEls.keys()) setText(nid, texts[nid]);

    el.classList.toggle("cg-in-backward", st.phase === "backward");
    el.classList.toggle("cg-withheld", withheld);
    slider.max = String(n - 1);
    slider.value = String(k);
    counter.textContent = `step ${k} / ${n - 1}`;
    const ph = k === 0 ? "start" : st.phase === "backward" ? "backward" : st.phase === "leaf" ? "forward" : st.phase;
    phase.textContent = ph === "backward" ? "◀ backward" : ph === "forward" ? "forward ▶" : ph;
    phase.className = "cg-phase cg-phase-" + ph;
    bFirst.disabled = bPrev.disabled = k === 0;
    bNext.disabled = bLast.disabled = k === n - 1;
    caption.textContent = st.caption;
    predictBox.checked = !!model.get("predict");
    const t = model.get("tally") || {};
    tally.textContent = model.get("predict") ? `✓ ${t.right || 0}  ✗ ${t.wrong || 0}` : "";

    lines.textContent = "";
    form.textContent = "";
    fb.textContent = "";
    let shownLines = st.lines || [];
    if (withheld && fu === k) {
      shownLines = st.prompt || [];
      buildForm(k, st);
    } else if (withheld) {
      shownLines = [`Gradients are hidden until you predict step ${fu}.`];
      const go = h("button", "cg-btn cg-goto", `go to step ${fu}`);
      go.type = "button";
      go.onclick = () => setStep(fu);
      form.appendChild(go);
    }
    for (const line of shownLines) {
      const cls = line.startsWith("  so ") || /^d\S+\/d\S+ = /.test(line) ? "cg-line cg-total" : "cg-line";
      lines.appendChild(h("div", cls, line));
    }
    if (!withheld) showFeedback(k);
    panelTitle.textContent = st.phase === "backward" ? "chain rule" : k === 0 ? "ready" : "forward pass";
    el.dataset.step = String(k);
    el.dataset.lastStepMs = (performance.now() - t0).toFixed(3);
  }

  function setStep(k) {
    const n = states.length;
    k = Math.max(0, Math.min(n - 1, k));
    if (k === model.get("step")) return;
    model.set("step", k);
    model.save_changes();
  }

  function rebuild() {
    states = materialize(model.get("_steps") || []);
    buildGraph();
    apply();
  }

  bFirst.onclick = () => setStep(0);
  bPrev.onclick = () => setStep(model.get("step") - 1);
  bNext.onclick = () => setStep(model.get("step") + 1);
  bLast.onclick = () => setStep(states.length - 1);
  slider.oninput = () => setStep(parseInt(slider.value, 10));
  predictBox.onchange = () => { model.set("predict", predictBox.checked); model.save_changes(); };
  const onKey = (ev) => {
    if (ev.target && ev.target.tagName === "INPUT" && ev.target.type === "text") return;
    const k = model.get("step");
    const moves = { ArrowRight: k + 1, ArrowDown: k + 1, ArrowLeft: k - 1, ArrowUp: k - 1,
                    Home: 0, End: states.length - 1 };
    if (ev.key in moves) {
      ev.preventDefault(); ev.stopPropagation();
      setStep(moves[ev.key]);
    }
  };
  el.addEventListener("keydown", onKey);

  const events = ["change:step", "change:selected", "change:predict", "change:answered",
                  "change:feedback", "change:tally", "change:ask_steps"];
  events.forEach((e) => model.on(e, apply));
  model.on("change:_svg", rebuild);
  model.on("change:_steps", rebuild);
  rebuild();

  return () => {
    events.forEach((e) => model.off(e, apply));
    model.off("change:_svg", rebuild);
    model.off("change:_steps", rebuild);
    el.removeEventListener("keydown", onKey);
  };
}

export default { render };
