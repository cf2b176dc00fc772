// RegressionLab's PageProbe: tells Python what only the page knows, renders nothing visible, and
// names the lab's unlabelled controls for screen readers.
// `page` = { background, foreground }: JupyterLab's theme colours as computed CSS colours
// ("rgb(r, g, b)"), resolved on this element (see regression.css), so any theme, light or dark,
// is read the same way; scale: lecture mode's --cgraph-scale; width: the lab's width in px;
// canvas: [width, height] of the picture ipympl shows (Python checks it got its last resize).
// Python decides what to do with them (restyle the figure, pick its resolution).

const SETTLE_MS = 600;   // a theme switch reflows the page for a moment: report what stays
// ...but its colours at once: the figure in the old theme's colours is a white block in a dark page
// until Python has restyled it (it stood there over a second). The colours are reported apart, once
// they have held this long, with the size last reported; a new size still waits SETTLE_MS.
const COLOUR_SETTLE_MS = 60;
const WATCH_FRAMES = 90;  // after a theme switch, look every frame this long: its stylesheet lands late

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

// While playing, Python trains the next iteration once the browser has drawn the last one's frame
// (W13_3: frames sent faster than the browser drew them were dropped, and the plot's title lagged
// behind the numbers). ipympl draws each frame it receives onto its view's canvas; that canvas's
// drawImage says "drawn" to Python. Idempotent (the poll below hooks a canvas ipympl makes anew).
function reportDraws(host, model) {
  const canvas = host.querySelector(".jupyter-matplotlib-canvas-div canvas");
  const context = canvas && canvas.getContext("2d");
  if (!context || context.cglReportsDraws) return;
  const drawImage = context.drawImage;
  context.drawImage = function (...args) {
    const result = drawImage.apply(this, args);
    model.send({ kind: "drawn" });
    return result;
  };
  context.cglReportsDraws = true;
}

// Keys pressed on the lab's controls are theirs, not JupyterLab's: in command mode (after Run All)
// ArrowDown on the "update" list selected the notebook's next cell and the rule stayed, "b" on a
// focused button inserted a cell (ipywidgets#3912). Lumino passes over a key only where the element
// it was pressed on (or an ancestor below the one a shortcut's selector matches, ":focus" in
// command mode: the control itself) carries data-lm-suppress-shortcuts, so the control the focus
// goes to gets it, as the stepper's do (stepper.js, W16_1).
function keepKeys(ev) {
  if (ev.target.getAttribute("data-lm-suppress-shortcuts") !== "true")
    ev.target.setAttribute("data-lm-suppress-shortcuts", "true");
}

export default {
  render({ model, el }) {
    el.classList.add("cgl-regression-probe");
    el.setAttribute("aria-hidden", "true");
    let sent = "", sentPage = null, seen = "", settle = null, colours = null;
    const send = (page) => {
      sent = JSON.stringify(page);
      sentPage = page;
      model.set("page", page);
      model.save_changes();
    };
    const sameColours = (a, b) => a.background === b.background && a.foreground === b.foreground;
    // report a state once it has held for SETTLE_MS (the first one at once)
    const commit = () => {
      settle = null;
      const page = readPage(el), key = JSON.stringify(page);
      if (key !== seen) { seen = key; settle = setTimeout(commit, SETTLE_MS); return; }
      if (key !== sent) send(page);
    };
    // new colours, once they have held for COLOUR_SETTLE_MS, with the size last reported
    const commitColours = (page) => {
      colours = null;
      const now = readPage(el);
      if (sentPage && sameColours(now, page) && !sameColours(now, sentPage))
        send({ ...sentPage, background: now.background, foreground: now.foreground });
    };
    let keysHost = null;   // (the lab's box, once this view is inside it: the poll finds it)
    const check = () => {
      if (!el.isConnected) return;
      if (keysHost !== hostOf(el)) {
        if (keysHost) keysHost.removeEventListener("focusin", keepKeys);
        keysHost = hostOf(el);
        keysHost.addEventListener("focusin", keepKeys);
      }
      nameControls(hostOf(el));
      reportDraws(hostOf(el), model);
      const page = readPage(el), key = JSON.stringify(page);
      if (key === seen) return;
      seen = key;
      clearTimeout(settle);
      settle = setTimeout(commit, sent ? SETTLE_MS : 0);
      if (sentPage && !sameColours(page, sentPage)) {
        clearTimeout(colours);
        colours = setTimeout(() => commitColours(page), COLOUR_SETTLE_MS);
      }
    };
    // the theme switches by body attributes; its stylesheet lands a moment later: look every frame
    let watching = 0, frame = null;
    const watch = () => {
      frame = null;
      check();
      if (--watching > 0) frame = requestAnimationFrame(watch);
    };
    const theme = new MutationObserver(() => {
      watching = WATCH_FRAMES;
      if (frame === null) frame = requestAnimationFrame(watch);
    });
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
      clearTimeout(colours);
      if (frame !== null) cancelAnimationFrame(frame);
      theme.disconnect();
      size.disconnect();
      if (keysHost) keysHost.removeEventListener("focusin", keepKeys);
      clearInterval(poll);
    };
  },
};
