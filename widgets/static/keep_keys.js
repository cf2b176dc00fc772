// ipywidgets' own controls (a Button, a ToggleButton) leave the keys pressed on them to JupyterLab
// (ipywidgets#3912): in command mode "b" on a focused "Show a hint" button inserted a cell below.
// Lumino passes over a key only where the element it was pressed on carries
// data-lm-suppress-shortcuts (command mode's selectors end in ":focus", which the focused control
// matches itself), so the control the focus goes to inside this view's box gets that mark, as the
// stepper's and the regression lab's controls do (stepper.js W16_1, regression.js W17_4). This view
// shows nothing.
const MARK = "data-lm-suppress-shortcuts";
const keepKeys = (ev) => {
  if (ev.target.getAttribute(MARK) !== "true") ev.target.setAttribute(MARK, "true");
};

export default {
  render({ el }) {
    let box = null, tries = 0, frame = 0;
    const find = () => {                   // the box (rendered before or after this view)
      box = el.closest(".widget-box");
      if (box) box.addEventListener("focusin", keepKeys);
      else if (++tries < 600) frame = requestAnimationFrame(find);
    };
    find();
    return () => { cancelAnimationFrame(frame); if (box) box.removeEventListener("focusin", keepKeys); };
  },
};
