// RegressionLab's PageProbe: tells Python what only the page knows, and renders nothing visible.
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

export default {
  render({ model, el }) {
    el.classList.add("cgl-regression-probe");
    el.setAttribute("aria-hidden", "true");
    let last = "";
    const send = () => {
      if (!el.isConnected) return;
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
