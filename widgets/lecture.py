"""Lecture mode: widgets, figures and graph pictures enlarged for a projector.

    from widgets.lecture import lecture_mode
    lecture_mode()                 # x1.5
    lecture_mode(scale=2)          # x2
    lecture_mode(False)            # back to normal
    lecture_mode_switch()          # a button: on when pressed, off when pressed again (aria-pressed)

It displays (as the cell's output) a ``<style>`` element that sets the CSS variable
``--cgraph-scale`` on the page, which every view follows:

- ipywidgets (buttons, sliders, labels, text boxes) and elements of class ``cgraph-widget``: font
  size = JupyterLab's widget font size x scale, buttons as tall as their text; code in them (a hint's
  `stack.pop()`) = JupyterLab's code font size x scale (the class twice: the themes size every code
  element, ".jp-ThemedContainer code", at one class and one element);
- the GraphStepper, NodeInspector and chain-rule panel: their stylesheets size text and the graph
  with ``calc(<size> * var(--cgraph-scale, 1))``;
- draw()'s pictures: their width is their own size x scale (widgets.render.picture_html), still
  shrunk to fit the output area down to a readable minimum, which grows with the scale too, but a
  picture that fits without lecture mode is whole with it (a wider one scrolls sideways);
- text outputs, what a cell prints as well as errors (an exercise check's ✓ lines on stdout and its
  ✗ message, a traceback, a printed tensor): text size = JupyterLab's code font size x scale, words
  whole (JupyterLab breaks an output's lines inside words, ``word-break: break-all``; here a line
  breaks between words, inside one only where it is longer than the output is wide). Both streams
  alike: a check's ✓ line above its ✗ lines is as readable as they are;
- figures: images in outputs (matplotlib's inline backend) and elements of class
  ``cgraph-figure`` are zoomed by the scale. Interactive ipympl figures are not: ipympl reads mouse
  positions in unscaled page pixels, so a zoomed figure would pan and report the wrong place;
  give those a larger ``figsize``. A widget whose figure takes no mouse input (RegressionLab's
  canvas) opts in with ``canvas.add_class("cgraph-figure")``.

The style lives in the cell's output and applies to every notebook open in the same browser
window (and to RISE slides); clearing that output also ends lecture mode. Where two such outputs
are on the page, the later one wins.
"""
from IPython.display import HTML, display

SCALE_VAR = "--cgraph-scale"
FIGURE_CLASS = "cgraph-figure"

_CSS = """<style class="cgraph-lecture-mode">
:root {{ {var}: {scale}; }}
.jupyter-widgets, .jupyter-widgets input, .jupyter-widgets button, .jupyter-widgets select,
.jupyter-widgets textarea, .widget-label, .widget-html-content, .cgraph-widget {{
  font-size: calc(var(--jp-widgets-font-size, 13px) * var({var}, 1));
}}
.jupyter-widgets button, .jupyter-widgets .widget-button {{
  height: auto; min-height: calc(var(--jp-widgets-inline-height, 28px) * var({var}, 1));
}}
.cgraph-widget.cgraph-widget code {{ font-size: calc(var(--jp-code-font-size, 13px) * var({var}, 1)); }}
.jp-OutputArea-output.jp-RenderedImage > img, .{figure} {{ zoom: var({var}, 1); }}
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] pre,
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"],
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"] pre {{
  font-size: calc(var(--jp-code-font-size, 13px) * var({var}, 1));
  word-break: normal; overflow-wrap: anywhere;
}}
</style>"""


def lecture_css(scale=1.5):
    """The ``<style>`` text that sets ``--cgraph-scale`` to ``scale`` (0.5 to 4)."""
    scale = float(scale)
    if not (0.5 <= scale <= 4):  # also refuses nan
        raise ValueError(f"scale must be between 0.5 and 4, got {scale}")
    return _CSS.format(var=SCALE_VAR, scale=f"{scale:g}", figure=FIGURE_CLASS)


def lecture_mode(on=True, scale=1.5):
    """Display the style that turns lecture mode on (everything x ``scale``) or off (x 1)."""
    display(HTML(lecture_css(scale if on else 1)))


def lecture_mode_switch(scale=1.5):
    """A button that turns lecture mode on (x ``scale``) when pressed and off when pressed again:
    off until a lecturer presses it, so that a student's Run All of the notebook does not enlarge
    every notebook in the window. Its style lives in the widget's own output."""
    import ipywidgets as W
    lecture_css(scale)  # (a bad scale is refused now, not at the first press)
    button = W.ToggleButton(value=False, description=f"lecture mode ×{scale:g}", icon="desktop",
                            layout=W.Layout(width="auto"),  # (the default width cuts the name at x2)
                            tooltip=f"everything ×{scale:g} for a projector; press again to switch back")
    style = W.Output()

    def switch(change):
        # (the output itself, not Output.append_display_data(HTML(...)): that formats through
        # InteractiveShell.instance(), which outside a kernel makes an IPython shell for the whole
        # process, and get_ipython() then finds one where there is no kernel)
        css = lecture_css(scale if change["new"] else 1)
        style.outputs = ({"output_type": "display_data", "data": {"text/html": css}, "metadata": {}},)
    button.observe(switch, "value")
    return W.HBox([button, style, _pressed_state(), keys_kept()])


def _pressed_state():
    """An invisible view (static/lecture.js) that gives its box's toggle button aria-pressed, which
    follows the button's state: a screen reader says whether lecture mode is on, not the button's
    colour alone (ipywidgets' ToggleButton has no aria-pressed of its own)."""
    return _invisible_view("PressedState", "lecture.js")


def keys_kept():
    """An invisible view (static/keep_keys.js) that keeps the keys pressed on the controls of its
    ipywidgets box from JupyterLab's shortcuts: "b" on a focused button presses nothing in the
    notebook (in command mode it inserted a cell). Put it into a box of ipywidgets controls."""
    return _invisible_view("KeysKept", "keep_keys.js")


_INVISIBLE_VIEWS = {}   # class name -> the anywidget class, made on first use (anywidget loads late)


def _invisible_view(name, esm):
    """A view that shows nothing (display: none), whose front end (static/<esm>) works on its box."""
    import ipywidgets as W
    if name not in _INVISIBLE_VIEWS:
        import pathlib

        import anywidget

        _INVISIBLE_VIEWS[name] = type(name, (anywidget.AnyWidget,),
                                      {"_esm": pathlib.Path(__file__).parent / "static" / esm})
    return _INVISIBLE_VIEWS[name](layout=W.Layout(display="none"))


# JupyterLab shows text outputs (an error, a warning on stderr, what a cell prints) with
# `word-break: break-all`: a line breaks inside any word. An exercise check's ✗ lines broke
# "Py|thon", "in|terior" (W12_9), a ✓ line's note "g|ets" (W13_1); lecture 03's printed RuntimeError,
# the one whose words "say what to do", "retain_graph=|True" and, in lecture mode, "th|ey", "yo|u";
# lecture 04's TracerWarning "in|puts!" (W14_1). Here a line breaks between words, inside one only
# where it is longer than the output is wide, as lecture mode does for errors.
TEXT_OUTPUT_CSS = """.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] pre,
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"] pre {
  word-break: normal; overflow-wrap: anywhere;
}"""

_text_style = None


def text_output_style(shell=None):
    """In a kernel (``shell``: IPython's, by default the running one), an anywidget model that is
    never displayed and carries TEXT_OUTPUT_CSS: the front end makes a model for every widget the
    kernel opens and anywidget puts the model's CSS into the page's head, for every output of the
    page (no cell shows anything for it). The widgets package opens it when a notebook imports it;
    once per kernel. Outside a kernel (nbclient's checks of messages, a terminal) nothing: None."""
    global _text_style
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return _text_style
        shell = get_ipython()
    if _text_style is not None or getattr(shell, "kernel", None) is None:
        return _text_style
    try:
        import anywidget                        # (comes with the lab extra)
    except ImportError:
        return None

    class TextOutputStyle(anywidget.AnyWidget):
        _esm = "export default {};"             # (it shows nothing; only its _css matters)
        _css = TEXT_OUTPUT_CSS

    _text_style = TextOutputStyle()
    return _text_style


__all__ = ["lecture_mode", "lecture_mode_switch", "lecture_css", "text_output_style", "keys_kept",
           "SCALE_VAR", "FIGURE_CLASS", "TEXT_OUTPUT_CSS"]
