"""widgets.lecture: the style lecture mode displays (the browser side is tests/test_lecture_browser.py)."""
import re

import pytest

from widgets.lecture import FIGURE_CLASS, SCALE_VAR, lecture_css, lecture_mode, lecture_mode_switch


def _rules(css):
    """{selector text: declarations} of a flat stylesheet (no nesting, no @-rules)."""
    body = re.sub(r"/\*.*?\*/", "", re.search(r"<style[^>]*>(.*)</style>", css, re.S).group(1), flags=re.S)
    return {sel.strip(): decl.strip() for sel, decl in re.findall(r"([^{}]+)\{([^{}]*)\}", body)}


@pytest.mark.parametrize("scale", [0.5, 1, 1.5, 2, 4])
def test_the_style_sets_the_scale_and_everything_follows_it(scale):
    rules = _rules(lecture_css(scale))
    assert rules[":root"] == f"{SCALE_VAR}: {scale:g};"
    scaled = [sel for sel, decl in rules.items() if f"var({SCALE_VAR}, 1)" in decl]
    assert any(".jupyter-widgets" in sel for sel in scaled)          # widget text
    figures = [sel for sel in scaled if f".{FIGURE_CLASS}" in sel]
    assert figures and ".jp-RenderedImage > img" in figures[0]        # figures (inline images)
    assert "zoom:" in rules[figures[0]]
    # graph pictures are laid out by dot: no rule may change the size of their text
    assert not [sel for sel in rules if "svg" in sel or "text" in sel.split()]
    assert not [sel for sel in rules if "jupyter-matplotlib-figure" in sel]  # ipympl reads mouse px


def test_off_is_scale_one_and_bad_scales_are_refused(capsys):
    assert _rules(lecture_css(1))[":root"] == f"{SCALE_VAR}: 1;"
    for bad in (0, 0.49, 4.01, float("nan"), float("inf"), "big"):
        with pytest.raises(ValueError):
            lecture_css(bad)
    assert lecture_mode(False) is None
    assert lecture_mode(True, scale=2) is None


def test_the_switch_is_off_until_pressed_and_off_again_when_pressed_again():
    from IPython.core.interactiveshell import InteractiveShell
    shell_before = InteractiveShell.initialized()
    box = lecture_mode_switch(scale=2)
    button, style, pressed, keys = box.children
    assert button.value is False and not style.outputs        # Run All switches nothing on
    # W9_17: an invisible view gives the button aria-pressed (static/lecture.js, in the package)
    assert pressed.layout.display == "none"
    assert "aria-pressed" in str(pressed._esm) and "http" not in str(pressed._esm)
    assert keys.layout.display == "none" and "data-lm-suppress-shortcuts" in str(keys._esm)   # W18_1
    assert "lecture mode" in button.description
    button.value = True
    assert _rules(style.outputs[-1]["data"]["text/html"])[":root"] == f"{SCALE_VAR}: 2;"
    button.value = False
    assert len(style.outputs) == 1                            # (replaced, not added to)
    assert _rules(style.outputs[0]["data"]["text/html"])[":root"] == f"{SCALE_VAR}: 1;"
    # pressing it outside a kernel makes no IPython shell (Output.append_display_data did: get_ipython()
    # then found one in every later test of the same worker, and test_reveal failed now and then)
    assert InteractiveShell.initialized() == shell_before
    with pytest.raises(ValueError):
        lecture_mode_switch(scale=10)


def test_W17_1_a_checks_lines_on_stdout_grow_as_its_lines_on_stderr():
    """W17_1: an exercise check prints its ✓ lines (stdout) above its ✗ lines (an error, shown as
    stderr): lecture mode gives both the same size and the same line breaking (main: only stderr grew,
    the ✓ line stayed two thirds of the ✗ lines' size on a projector)."""
    rules = _rules(lecture_css(1.5))
    stream = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.{}"]'
    for name in ("stderr", "stdout"):
        for part in ("", " pre"):
            sel = stream.format(name) + part
            rule = next((decl for sels, decl in rules.items() if sel in [s.strip() for s in sels.split(",")]),
                        None)
            assert rule is not None and f"var({SCALE_VAR}, 1)" in rule and "word-break: normal" in rule, sel


def test_W18_1_the_hint_button_keeps_its_keys():
    """An exercise's "Show a hint" button (an ipywidgets Button) left "b" to JupyterLab, which
    inserted a cell when the button had the focus in command mode: its box carries the invisible
    view that marks the focused control with data-lm-suppress-shortcuts (tests/test_journey_walk18_browser.py
    presses the keys)."""
    from widgets.exercises import Hints
    hints = Hints("one", "two")
    button, shown, keys = hints.widget.children
    assert keys.layout.display == "none" and "data-lm-suppress-shortcuts" in str(keys._esm)
    assert "http" not in str(keys._esm)
    hints.next()
    assert button.description == "Show a hint (2 of 2)" and "one" in shown.value



def test_W18_10_code_in_a_widget_grows_and_wins_over_the_themes_rule():
    """JupyterLab's themes size every code element at one class and one element (".jp-ThemedContainer
    code"): a hint's `stack.pop()` stayed 13 px among 19.5 px words in lecture mode, and the inspector's
    values did after a theme switch (which puts the theme's rule after ours). Both rules outrank it."""
    from widgets.inspector import STYLE
    rules = _rules(lecture_css(1.5))
    grows = f"font-size: calc(var(--jp-code-font-size, 13px) * var({SCALE_VAR}, 1));"
    assert rules[".cgraph-widget.cgraph-widget code"] == grows
    inspector = _rules(STYLE)
    assert "--cgraph-scale" in inspector["div.cgi code, div.cgi pre"]
