// lecture_mode_switch's button says whether lecture mode is on to screen readers too, not by its
// colour alone (W9_17): ipywidgets' ToggleButton shows "pressed" by its class mod-active only and
// has no aria-pressed. This view shows nothing; it keeps aria-pressed on the toggle button of its
// own box equal to that class.
export default {
  render({ el }) {
    let button = null, tries = 0;
    const show = () => {
      const pressed = String(button.classList.contains("mod-active"));
      if (button.getAttribute("aria-pressed") !== pressed) button.setAttribute("aria-pressed", pressed);
    };
    const watch = new MutationObserver(show);
    const find = () => {                   // the box's button (rendered before or after this view)
      const box = el.closest(".widget-hbox");
      button = box && box.querySelector(".widget-toggle-button");
      if (button) { show(); watch.observe(button, { attributes: true, attributeFilter: ["class"] }); }
      else if (++tries < 600) requestAnimationFrame(find);
    };
    find();
    return () => watch.disconnect();
  },
};
