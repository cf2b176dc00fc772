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
// would. Idempotent (the poll below reapplies it when ipywidgets redraws a control).
function nameControls(host) {
  for (const box of host.querySelectorAll(".cgl-regression-controls .widget-inline-hbox")) {
    const label = box.querySelector(":scope > .widget-label");
    const text = label && label.textContent.trim();
    if (!text) continue;
    for (const c of box.querySelectorAll("[role=slider], input, select")) {
      if (c.getAttribute("aria-label") !== text) c.setAttribute("aria-label", text);
    }
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
    const size = new ResizeObserver(check);
    const start = requestAnimationFrame(() => {
      size.observe(hostOf(el));
      check();
    });
    // lecture mode's <style> comes and goes with a cell's output: no event announces it
    const poll = setInterval(check, 500);
    return () => {
      cancelAnimationFrame(start);
      clearTimeout(settle);
      theme.disconnect();
      size.disconnect();
      clearInterval(poll);
    };
  },
};
