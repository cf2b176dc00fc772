"""Lecture mode: bigger widget text for a projector.

    from widgets.lecture import lecture_mode
    lecture_mode()                 # widgets' fonts x1.5
    lecture_mode(scale=2)          # x2
    lecture_mode(False)            # back to normal

It displays (as the cell's output) a ``<style>`` element that sets the CSS variable ``--cgraph-scale`` (font size =
JupyterLab's size x scale) and scales ipywidgets and every element of class ``cgraph-widget``.
Widget stylesheets can use ``calc(<size> * var(--cgraph-scale, 1))`` to follow it. The style lives
in the cell's output: clearing that output also ends lecture mode.
"""
from IPython.display import HTML, display

SCALE_VAR = "--cgraph-scale"

_CSS = """<style class="cgraph-lecture-mode">
:root {{ {var}: {scale}; }}
.jupyter-widgets, .jupyter-widgets input, .jupyter-widgets button, .jupyter-widgets select,
.jupyter-widgets textarea, .widget-label, .widget-html-content, .cgraph-widget {{
  font-size: calc(var(--jp-widgets-font-size, 13px) * var({var}, 1));
}}
.jupyter-widgets button, .jupyter-widgets .widget-button {{
  height: auto; min-height: calc(var(--jp-widgets-inline-height, 28px) * var({var}, 1));
}}
.cgraph-widget svg text {{ font-size: calc(14px * var({var}, 1)); }}
</style>"""


def lecture_css(scale=1.5):
    """The ``<style>`` text that sets ``--cgraph-scale`` to ``scale`` and scales the widgets."""
    scale = float(scale)
    if not (0.5 <= scale <= 4):
        raise ValueError(f"scale must be between 0.5 and 4, got {scale}")
    return _CSS.format(var=SCALE_VAR, scale=f"{scale:g}")


def lecture_mode(on=True, scale=1.5):
    """Display the style that turns lecture mode on (widget fonts x ``scale``) or off."""
    display(HTML(lecture_css(scale if on else 1)))


__all__ = ["lecture_mode", "lecture_css", "SCALE_VAR"]
