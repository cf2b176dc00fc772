"""Exercise helpers: checks that compare a student's answer with a reference, and hints on demand.

    from widgets.exercises import check, check_function, Hints
    check("w.grad", my_w_grad, expected=w.grad)            # prints "✓ w.grad is correct" or raises
    Hints("Start from y = a * b.", "dy/dw = dy/da * da/dw + dy/db * db/dw")   # a button, one hint a click

A failed check raises ``ExerciseError`` (an ``AssertionError``, so nbgrader's autograder gives the
cell no points) whose message says what is wrong without giving the answer away: not filled in
yet, wrong type, wrong shape, a known mistake (``mistakes``), or which entries differ. In IPython
and Jupyter the error shows as that one message, not as a traceback through this module
(``ExerciseError._render_traceback_``). Exercise notebooks tag their check cells
``raises-exception``, so a failed check does not stop *Run All*: JupyterLab and nbclient go on to
the next cell (the hints below it still appear) while the error output still marks the cell failed
for nbgrader. Checks return None, so a check on a cell's last line prints nothing but its message.
Answers may be numbers, lists, numpy arrays, or tensors of either backend (autograd_core or PyTorch).
"""
import html
import re

import numpy as np

__all__ = ["ExerciseError", "check", "check_true", "check_function", "Hints", "as_array"]


class ExerciseError(AssertionError):
    """An answer that is missing or wrong; the message says why and what to look at."""

    def _render_traceback_(self):
        """What IPython shows instead of a traceback: the message alone, on one line marked ✗.

        IPython calls this hook for the error output it sends to the front end; the frames of this
        module and of the check cell would only push the one sentence the student needs down. No
        ANSI colour: JupyterLab already shows an error on a red background, in either theme.
        """
        return [f"✗ {self}"]


def _is_tensor(x):
    return hasattr(x, "detach") and hasattr(x, "numpy") and hasattr(x, "requires_grad")


def as_array(x):
    """``x`` (number, bool, list, ndarray, or a tensor of either backend) as a float/bool ndarray."""
    if _is_tensor(x):
        return np.asarray(x.detach().cpu().numpy())
    if isinstance(x, (list, tuple)):
        return np.asarray([as_array(v) for v in x])
    return np.asarray(x)


def _describe(x):
    if _is_tensor(x):
        return f"a tensor of shape {tuple(x.shape)}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"a {type(x).__name__} ({x!r})" if not isinstance(x, (list, tuple)) else f"a {type(x).__name__}"


def _fmt(a):
    """A number or array as short text on one line (a message is one line)."""
    if not np.ndim(a):
        return f"{float(a):g}"
    return " ".join(np.array2string(np.asarray(a), precision=4, separator=", ").split())


def _show_arg(a):
    """A short text for an argument in a message: numbers and tensors by value, the rest by repr."""
    if callable(a):
        return getattr(a, "__name__", "f")
    try:
        arr = as_array(a)
        if arr.dtype.kind in "biuf" and arr.size <= 8:
            return _fmt(arr)
    except Exception:  # ragged lists and other structures: fall through to repr
        pass
    text = repr(a)
    return text if len(text) <= 40 else text[:37] + "..."


def _not_filled(name, answer):
    if answer is None or answer is Ellipsis:
        return (f"{name} is not filled in yet: replace the None in the cell above with your answer "
                "(and run that cell).")
    return None


def _numeric(name, answer):
    if isinstance(answer, str):
        raise ExerciseError(f"{name} should be a number or tensor, not the text {answer!r}.")
    try:
        arr = as_array(answer)
    except Exception as e:  # ragged lists, objects numpy cannot read
        raise ExerciseError(f"{name} should be a number, a list of numbers or a tensor; "
                            f"got {_describe(answer)} ({e}).") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ExerciseError(f"{name} should be a number, a list of numbers or a tensor; got {_describe(answer)}.")
    return arr


def check(name, answer, expected, *, atol=1e-5, rtol=1e-5, mistakes=(), explain=""):
    """Compare ``answer`` with ``expected`` (the reference value); print ✓ or raise ExerciseError.

    mistakes: pairs (wrong_value, message) for known wrong answers, e.g. (2.0, "that is only the
    path through a; w also reaches y through b"). explain: a sentence added to a generic failure.
    Booleans and strings compare exactly; numbers with |answer - expected| <= atol + rtol*|expected|.
    """
    _compare(name, answer, expected, atol=atol, rtol=rtol, mistakes=mistakes, explain=explain)
    print(f"✓ {name} is correct")


def _compare(name, answer, expected, *, atol, rtol, mistakes=(), explain=""):
    """``check`` without its ✓: raise ExerciseError unless ``answer`` matches ``expected``."""
    missing = _not_filled(name, answer)
    if missing:
        raise ExerciseError(missing)
    if isinstance(expected, (bool, np.bool_, str)):
        if type(answer) is not type(expected) and not (isinstance(answer, (bool, np.bool_))
                                                       and isinstance(expected, (bool, np.bool_))):
            raise ExerciseError(f"{name} should be a {type(expected).__name__}, got {_describe(answer)}.")
        ok = answer == expected
    else:
        got, want = _numeric(name, answer), as_array(expected)
        if got.shape != want.shape and got.size == want.size == 1:
            got = got.reshape(want.shape)
        if got.shape != want.shape:
            raise ExerciseError(f"{name} should have shape {want.shape}, yours has shape {got.shape}.")
        ok = bool(np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=False))
        if not ok:
            for wrong, message in mistakes:
                w = as_array(wrong)
                if w.shape == got.shape and np.allclose(got, w, atol=atol, rtol=rtol):
                    raise ExerciseError(f"{name} = {_fmt(got)} is not right yet: {message}")
            where = ""
            if got.ndim:
                bad = np.argwhere(~np.isclose(got, want, atol=atol, rtol=rtol))
                where = (f" (entr{'y' if len(bad) == 1 else 'ies'} "
                         f"{', '.join(str(tuple(int(i) for i in b)) for b in bad[:5])} "
                         f"{'is' if len(bad) == 1 else 'are'} off)")
            raise ExerciseError(f"{name} = {_fmt(got)} is not right yet{where}. "
                                + (explain or "Look at the hints, and check the arithmetic step by step."))
    if not ok:
        for wrong, message in mistakes:
            if answer == wrong:
                raise ExerciseError(f"{name} = {answer!r} is not right yet: {message}")
        raise ExerciseError(f"{name} = {answer!r} is not right yet. " + (explain or "Look at the hints."))


def check_true(name, condition, message):
    """Pass when ``condition`` is truthy; otherwise raise ExerciseError(message)."""
    if condition is None:
        raise ExerciseError(f"{name} is not filled in yet.")
    if not condition:
        raise ExerciseError(f"{name}: {message}")
    print(f"✓ {name} is correct")


def check_function(name, fn, cases, reference, *, atol=1e-5, rtol=1e-5, explain=""):
    """Call the student's ``fn`` and the ``reference`` on each argument tuple in ``cases``; compare.

    The message names the first case that fails, with the arguments, so the student can rerun it.
    """
    if fn is None or not callable(fn):
        raise ExerciseError(f"{name} should be a function; got {_describe(fn)}.")
    for args in cases:
        shown = ", ".join(map(_show_arg, args))
        try:
            got = fn(*args)
        except NotImplementedError:
            raise ExerciseError(f"{name} is not written yet: fill in its body in the cell above.") from None
        except Exception as e:
            raise ExerciseError(f"{name}({shown}) raised {type(e).__name__}: {e}") from None
        if got is None:
            raise ExerciseError(f"{name}({shown}) returned None: write the body of {name} in the cell "
                                "above (and return the result).")
        _compare(f"{name}({shown})", got, reference(*args), atol=atol, rtol=rtol, explain=explain)
    print(f"✓ {name} passes all {len(cases)} cases")


def _inline(text):
    """Escape ``text`` for HTML; `backticks` become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


class Hints:
    """Hints revealed one at a time by a button (or by calling ``.next()``); shows as a widget."""

    def __init__(self, *hints, label="Show a hint"):
        if not hints:
            raise ValueError("Hints needs at least one hint")
        self.hints = [str(h) for h in hints]
        self.label = label
        self.shown = 0
        self._widget = None

    def next(self):
        """Reveal the next hint and return its text (the last one again when all are shown)."""
        if self.shown < len(self.hints):
            self.shown += 1
        self._refresh()
        return self.hints[self.shown - 1]

    def html(self):
        """The hints shown so far, as escaped HTML."""
        items = "".join(f"<li>{_inline(h)}</li>" for h in self.hints[:self.shown])
        return f'<ol class="cgraph-hints">{items}</ol>' if items else ""

    def _button_text(self):
        if self.shown == len(self.hints):
            return "Hint shown" if len(self.hints) == 1 else f"All {len(self.hints)} hints shown"
        return f"{self.label} ({self.shown + 1} of {len(self.hints)})"

    def _refresh(self):
        if self._widget is not None:
            button, out = self._widget.children
            out.value = self.html()
            button.description = self._button_text()
            button.disabled = self.shown == len(self.hints)

    @property
    def widget(self):
        """An ipywidgets VBox: the button and the hints revealed so far."""
        if self._widget is None:
            import ipywidgets as W
            button = W.Button(description=self._button_text(), icon="lightbulb-o",
                              layout=W.Layout(width="auto"))
            button.on_click(lambda _b: self.next())
            self._widget = W.VBox([button, W.HTML(self.html())], _dom_classes=["cgraph-widget"])
            self._refresh()
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return f"<Hints: {self.shown} of {len(self.hints)} shown>"
