// RegressionLab's PageProbe: tells Python what only the page knows, renders nothing visible, and
// names the lab's unlabelled controls for screen readers.
// `page` = { background, foreground }: JupyterLab's theme colours as computed CSS colours
// ("rgb(r, g, b)"), resolved on this element (see regression.css), so any theme, light or dark,
// is read the same way; scale: lecture mode's --cgraph-scale; width: the lab's width in px;
// canvas: [width, height] of the picture ipympl shows (Python checks it got its last resize).
// Python decides what to do with them (restyle the figure, pick its resolution).

const SETTLE_MS = 600;   // a theme switch reflows the page for a moment: report what stays

function hostOf(el) {
  return el.closest(".cgl-regression") || el.parentElement || el;
}

function readPage(el) {
  const host = hostOf(el);
  const own = getComputedStyle(el);
  const scale = parseFloat(getComputedStyle(host).getPropertyValue("--cgraph-scale"));
  const canvas = host.querySelector(".jupyter-matplotlib-canvas-div canvas");
  return {
    background: own.backgroundColor,
    foreground: own.color,
    scale: Number.isFinite(scale) ? scale : 1,
    width: Math.round(host.clientWidth),
    canvas: canvas ? [canvas.width, canvas.height] : null,
  };
}

// ipywidgets leaves a slider's handle, a number box and a dropdown without an accessible name:
// give each the text of its own visible label ("learning rate", "seed", "update"), as a <label>
// would. A checkbox whose description stands beside it (indent=False) gets aria-label="\u200b",
// the hidden label's zero-width space, which hides the visible text from screen readers (they
// said just "checkbox"): it is named by that text ("forget zero_grad()"). A slider's readout is
// a box one can type a value into: "learning rate value". Idempotent (the poll below reapplies
// it when ipywidgets redraws a control).
const visible = (el) => (el ? el.textContent.replace(/[\u200b\s]+/g, " ").trim() : "");

function setName(el, name) {
  if (name && el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name);
}

function nameControls(host) {
  for (const box of host.querySelectorAll(".cgl-regression-controls .widget-inline-hbox")) {
    const text = visible(box.querySelector(":scope > .widget-label"));
    if (box.classList.contains("widget-checkbox")) {
      const own = visible(box.querySelector(".widget-label-basic span")) || text;
      for (const c of box.querySelectorAll("input[type=checkbox]")) setName(c, own);
      continue;
    }
    if (!text) continue;
    for (const c of box.querySelectorAll("[role=slider], input, select")) setName(c, text);
    for (const r of box.querySelectorAll(".widget-readout[contenteditable=true]")) {
      if (r.getAttribute("role") !== "textbox") r.setAttribute("role", "textbox");
      setName(r, `${text} value`);
    }
  }
  // the seed box's note (why a typed seed was not used) is read out when it changes
  for (const n of host.querySelectorAll(".cgl-regression-seed-note"))
    if (n.getAttribute("role") !== "status") n.setAttribute("role", "status");
  showPressed(host);
}

// A toggle button shows "on" by a colour only (ipywidgets' mod-active class): "Step through this
// iteration" says it to screen readers too. (Play needs none: its name turns to Pause.)
function showPressed(host) {
  for (const b of host.querySelectorAll(".cgl-regression-graph-panel .widget-toggle-button")) {
    const pressed = String(b.classList.contains("mod-active"));
    if (b.getAttribute("aria-pressed") !== pressed) b.setAttribute("aria-pressed", pressed);
  }
}

export default {
  render({ model, el }) {
    el.classList.add("cgl-regression-probe");
    el.setAttribute("aria-hidden", "true");
    let sent = "", seen = "", settle = null;
    // report a state once it has held for SETTLE_MS (the first one at once)
    const commit = () => {
      settle = null;
      const page = readPage(el), key = JSON.stringify(page);
      if (key !== seen) { seen = key; settle = setTimeout(commit, SETTLE_MS); return; }
      if (key === sent) return;
      sent = key;
      model.set("page", page);
      model.save_changes();
    };
    const check = () => {
      if (!el.isConnected) return;
      nameControls(hostOf(el));
      const key = JSON.stringify(readPage(el));
      if (key === seen) return;
      seen = key;
      clearTimeout(settle);
      settle = setTimeout(commit, sent ? SETTLE_MS : 0);
    };
    // the theme switches by body attributes; its stylesheet may land a moment later (the poll)
    const theme = new MutationObserver(check);
    theme.observe(document.body, {
      attributes: true,
      attributeFilter: ["data-jp-theme-light", "data-jp-theme-name", "class"],
    });
    // the toggle's pressed state follows its class at once (the poll would lag half a second)
    const pressed = new MutationObserver(() => showPressed(hostOf(el)));
    const start0 = requestAnimationFrame(() =>
      pressed.observe(hostOf(el), { attributes: true, attributeFilter: ["class"], subtree: true }));
    const size = new ResizeObserver(check);
    const start = requestAnimationFrame(() => {
      size.observe(hostOf(el));
      check();
    });
    // lecture mode's <style> comes and goes with a cell's output: no event announces it
    const poll = setInterval(check, 500);
    return () => {
      cancelAnimationFrame(start);
      cancelAnimationFrame(start0);
      pressed.disconnect();
      clearTimeout(settle);
      theme.disconnect();
      size.disconnect();
      clearInterval(poll);
    };
  },
};
