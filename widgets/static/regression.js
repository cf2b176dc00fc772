// RegressionLab's PageProbe: tells Python what only the page knows, renders nothing visible, and
// names the lab's unlabelled controls for screen readers.
// `page` = { background, foreground }: JupyterLab's theme colours as computed CSS colours
// ("rgb(r, g, b)"), resolved on this element (see regression.css), so any theme, light or dark,
// is read the same way; scale: lecture mode's --cgraph-scale; width: the lab's width in px.
// Python decides what to do with them (restyle the figure, pick its resolution).

function readPage(el) {
  const host = el.closest(".cgl-regression") || el.parentElement || el;
  const own = getComputedStyle(el);
  const scale = parseFloat(getComputedStyle(host).getPropertyValue("--cgraph-scale"));
  return {
    background: own.backgroundColor,
    foreground: own.color,
    scale: Number.isFinite(scale) ? scale : 1,
    width: Math.round(host.clientWidth),
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
    let last = "";
    const send = () => {
      if (!el.isConnected) return;
      nameControls(el.closest(".cgl-regression") || el.parentElement || el);
      const page = readPage(el);
      const key = JSON.stringify(page);
      if (key === last) return;
      last = key;
      model.set("page", page);
      model.save_changes();
    };
    // the theme switches by body attributes; its stylesheet may land a moment later (the poll)
    const theme = new MutationObserver(send);
    theme.observe(document.body, {
      attributes: true,
      attributeFilter: ["data-jp-theme-light", "data-jp-theme-name", "class"],
    });
    const size = new ResizeObserver(send);
    const start = requestAnimationFrame(() => {
      size.observe(el.closest(".cgl-regression") || el.parentElement || el);
      send();
    });
    // lecture mode's <style> comes and goes with a cell's output: no event announces it
    const poll = setInterval(send, 1000);
    return () => {
      cancelAnimationFrame(start);
      theme.disconnect();
      size.disconnect();
      clearInterval(poll);
    };
  },
};
