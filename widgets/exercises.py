"""Exercise helpers: checks that compare a student's answer with a reference, and hints on demand.

    from widgets.exercises import check, check_function, Hints
    check("w.grad", my_w_grad, expected=5.0, by_hand=True)   # prints "✓ w.grad is correct" or raises
    Hints("Start from y = a * b.", "dy/dw = dy/da * da/dw + dy/db * db/dw")   # a button, one hint a click

The exercise notebooks do not call these directly: each check cell calls one function of
``widgets.exercise_checks.exNN``, which computes its reference there (outside the notebook, so a
check cell shows no solution) and reports on every part of the task with a ``Feedback``.

A failed check raises ``ExerciseError`` (an ``AssertionError``, so nbgrader's autograder gives the
cell no points) whose message says what is wrong without giving the answer away: not filled in
yet, wrong type, wrong shape, a known mistake (``mistakes``), or which entries differ. In IPython
and Jupyter the error shows as its messages, one line each marked ✗, not as a traceback through
this module (``ExerciseError._render_traceback_``). Exercise notebooks tag their check cells
``raises-exception``, so a failed check does not stop *Run All*: JupyterLab and nbclient go on to
the next cell (the hints below it still appear) while the error output still marks the cell failed
for nbgrader. Checks return None, so a check on a cell's last line prints nothing but its message.
In a kernel, importing the widgets package puts a style on the page (widgets.lecture.TEXT_OUTPUT_CSS,
through an anywidget model that no cell displays) under which the ✓ and ✗ lines break between words.
Answers may be numbers, lists, numpy arrays, or tensors of either backend (autograd_core or PyTorch);
``by_hand=True`` refuses tensors: the answer to a "work it out by hand" task is a number you wrote.
"""
import contextlib
import decimal
import dis
import fractions
import html
import itertools
import re
import sys
import warnings

import numpy as np

from .lecture import keys_kept

__all__ = ["ExerciseError", "Feedback", "check", "check_true", "check_function", "Hints", "as_array",
           "is_tensor", "is_stub", "returns_nothing", "without_autograd"]


class ExerciseError(AssertionError):
    """An answer that is missing or wrong; each message says what and where to look (one line each)."""

    def __init__(self, *messages):
        self.messages = [str(m) for m in messages] or ["the answer is not right yet."]
        super().__init__("\n".join(self.messages))

    def _render_traceback_(self):
        """What IPython shows instead of a traceback: each message on its own line, marked ✗.

        IPython calls this hook for the error output it sends to the front end; the frames of this
        module and of the check cell would only push the sentences the student needs down. No
        ANSI colour: JupyterLab already shows an error on a red background, in either theme.
        """
        return [f"✗ {_code_kept_whole(m)}" for m in self.messages]


# Chrome breaks a line between ">" and "(", and between "=" and "<" (ICU's line-breaking rules), so a
# message quoting torch's `tensor.item<T>()` broke it as "`tensor.item<T>" | "()`" (W14_5). A WORD
# JOINER (U+2060, zero-width) at those two places inside a `code span` keeps the span whole; nowhere
# else, as the student may copy what a message quotes (Python refuses a U+2060 in source).
_CODE_SPAN = re.compile(r"`[^`\s]+`")


def _code_kept_whole(message):
    """``message`` with a word joiner where Chrome would break a `code span` without a space."""
    return _CODE_SPAN.sub(lambda m: m.group(0).replace(">(", ">\u2060(").replace("=<", "=\u2060<"), message)


# A check cell is one call, ``checks.<task>(<answers>)``.
_CHECK_CALL = re.compile(r"checks\.\w+\(.*\)", re.S)


def _name_error_in_check(shell, etype, value, tb, tb_offset=None):
    """IPython's handler of a NameError: in a check cell, a name not defined yet is an answer cell that
    was not run, or failed (a student who jumps to a task's check): one ✗ line says so, as the checks'
    messages read. Anywhere else, IPython's usual traceback."""
    history = shell.user_ns.get("_ih") or [""]
    name = getattr(value, "name", None)
    inner = tb
    while inner is not None and inner.tb_next is not None:
        inner = inner.tb_next
    at_top = inner is not None and inner.tb_frame.f_code.co_name == "<module>"   # (not inside a function)
    if not (name and name != "checks" and at_top and _CHECK_CALL.fullmatch(history[-1].strip())):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    # (IPython leaves the showing to the handler; an error output, so the cell still counts as failed)
    stb = [f"✗ {name} is not defined yet: run the cell above that defines it (your answer) first; if that "
           "cell showed an error, mend it and run it again."]
    shell._showtraceback(etype, value, stb)
    return stb


# --- an answer cell that raised: its names keep what they held before (W14_3) ---------------------
# A student runs an answer cell that raises (`p_after_two = 1/0`, a typo, a syntax error) and then the
# check: the check read what the name held before -- None ("not filled in yet", though they typed an
# answer) or an earlier right answer ("✓ correct" next to a cell that fails, which nbgrader's fresh
# run then gives no points). The kernel notes, after each cell, the names it sets at its top level
# (assignments, def, class) that it did not reach because it raised; a check cell's call is
# preceded by a look at its arguments' names (an IPython AST transformer), which says so instead.

_TOP_LEVEL_NAME = re.compile(r"^(?:def|class)\s+([A-Za-z_]\w*)|^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)",
                             re.M)
_not_reached = {}     # name -> (its run, "ZeroDivisionError (division by zero)"): it raised before setting it
_runs = itertools.count()


def _error_line(error):
    """The line of the cell (its top-level code) at which `error` was raised, or None."""
    tb = getattr(error, "__traceback__", None)
    while tb is not None and tb.tb_frame.f_code.co_name != "<module>":
        tb = tb.tb_next
    return tb.tb_lineno if tb is not None else None


def _note_cell_run(result):
    """IPython's post_run_cell event: the names the cell sets at its top level are reached (it ran
    past them) or not (it raised at or before their line, or did not run at all: a syntax error)."""
    source = getattr(getattr(result, "info", None), "raw_cell", None) or ""
    error = result.error_before_exec or result.error_in_exec
    stop = None if error is None else 0 if result.error_before_exec is not None else _error_line(error)
    run = next(_runs)
    for m in _TOP_LEVEL_NAME.finditer(source):
        name, line = m.group(1) or m.group(2), source.count("\n", 0, m.start()) + 1
        if error is None or (stop is not None and line < stop):
            _not_reached.pop(name, None)
        else:
            said = error.msg if isinstance(error, SyntaxError) else (str(error).splitlines() or [""])[0]
            _not_reached[name] = (run, type(error).__name__ + (f" ({said})" if said else ""))


def answers_ran(names, namespace=None):
    """Raise ExerciseError for the names (a check's arguments) whose answer cell raised before it set
    them when last run, and that hold an earlier value (a name not defined at all is the NameError
    handler's: _name_error_in_check)."""
    if namespace is None:
        from IPython import get_ipython
        namespace = get_ipython().user_ns
    runs = {}                     # one message per run that raised: "m_grad and n_grad"
    for n in names:
        if n in _not_reached and n in namespace:
            runs.setdefault(_not_reached[n], []).append(n)
    if runs:
        raise ExerciseError(*(
            f"the cell that sets {_and(stale)} raised {error} when you last ran it, so "
            + (f"{stale[0]} still holds what it" if len(stale) == 1 else "they still hold what they")
            + " held before (this check would read that): mend that cell and run it again, then this check."
            for (_run, error), stale in runs.items()))


def _and(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class _CheckAnswersRan:
    """IPython AST transformer: a check cell, `checks.<task>(a, b)`, first calls answers_ran(["a", "b"])."""

    def visit(self, tree):
        import ast
        body = getattr(tree, "body", [])
        if not (len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call)):
            return tree
        call = body[0].value
        if not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                and call.func.value.id == "checks"):
            return tree
        names = [a.id for a in call.args if isinstance(a, ast.Name)]
        if not names:
            return tree
        guard = ast.parse(f"__import__('widgets.exercises', fromlist=['answers_ran']).answers_ran({names!r})").body
        tree.body = guard + body
        return ast.fix_missing_locations(tree)


def _install_name_error_hint():
    """Install _name_error_in_check in the IPython kernel this module is imported in (an exercise
    notebook imports it in its first cells), unless another handler of NameError is there; and the
    look at a check's answers (_note_cell_run, _CheckAnswersRan), once. (The messages' style on the
    page comes with the package: widgets.lecture.text_output_style.)"""
    shell = None
    with contextlib.suppress(Exception):             # (no IPython, or not in a shell)
        from IPython import get_ipython
        shell = get_ipython()
    if shell is None:
        return
    if not any(isinstance(t, _CheckAnswersRan) for t in shell.ast_transformers):
        shell.ast_transformers.append(_CheckAnswersRan())
        shell.events.register("post_run_cell", _note_cell_run)
    if getattr(shell, "custom_exceptions", ()):
        return
    shell.set_custom_exc((NameError,), _name_error_in_check)


_install_name_error_hint()


# --- describing values in messages ----------------------------------------------------------------

def is_tensor(x):
    """True for a tensor of either backend (autograd_core or PyTorch)."""
    return hasattr(x, "detach") and hasattr(x, "numpy") and hasattr(x, "requires_grad")


def as_array(x):
    """``x`` (number, bool, list, ndarray, or a tensor of either backend) as a float/bool ndarray.
    A Fraction or a Decimal (a number written exactly: Fraction(33, 2)) is its float; numpy would
    keep it as an object, not a number."""
    if is_tensor(x):  # (force: an efficient zero tensor, sgn's gradient, refuses otherwise)
        return np.asarray(x.detach().cpu().numpy(force=True))
    if isinstance(x, (list, tuple)):
        return np.asarray([as_array(v) for v in x])
    if isinstance(x, (fractions.Fraction, decimal.Decimal)):
        return np.asarray(float(x))
    return np.asarray(x)


def numbers_or_none(x):
    """``x`` as a numeric ndarray (as_array), or None when it is not numbers: text, None entries, a
    ragged list or another structure numpy cannot read (for a "you returned ..." message)."""
    try:
        a = as_array(x)
    except Exception:
        return None
    return a if a.dtype.kind in "biuf" else None


_SINGULAR = {"str": "string", "NoneType": "None"}
_PLURAL = {"str": "strings", "bool": "bools", "int": "ints", "float": "floats", "tensor": "tensors",
           "NoneType": "Nones", "list": "lists", "tuple": "tuples", "numpy array": "numpy arrays"}


def _kind(x):
    """A short name for the type of ``x``: 'tensor', 'numpy array', 'bool', 'int', 'float', 'str', ..."""
    if is_tensor(x):
        return "tensor"
    if isinstance(x, np.ndarray):
        return "numpy array"
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, np.integer)):
        return "int"
    if isinstance(x, (float, np.floating)):
        return "float"
    return type(x).__name__


def _short(text, limit=60):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _describe(x):
    """What ``x`` is, for a message: 'a tensor of shape (2,)', 'a list of 5 strings ('True', ...)'."""
    if is_tensor(x):
        return f"a tensor of shape {tuple(x.shape)}"
    if isinstance(x, np.ndarray):
        return f"a numpy array of shape {x.shape}"
    # (numpy's scalars as Python's: numpy 2 writes np.float64(-0.23), which no student wrote)
    plain = (lambda v: v.item() if isinstance(v, np.generic) else v)
    if isinstance(x, (list, tuple)):
        kinds = sorted({_kind(v) for v in x})
        names = _SINGULAR if len(x) == 1 else _PLURAL
        what = " and ".join(names.get(k, k) for k in kinds) if kinds else "items"
        return f"a {type(x).__name__} of {len(x)} {what} ({_short(repr(type(x)(plain(v) for v in x)))})"
    article = "an" if _kind(x)[0] in "aeiou" else "a"
    text = repr(plain(x))
    if "\n" in text:      # a module's repr spans lines; a message is one line
        text = " ".join(text.split())
    return f"{article} {_kind(x)} ({_short(text)})"


def _fmt(a):
    """A number or array as short text on one line (a message is one line)."""
    if not np.ndim(a):
        return f"{float(a):g}"
    text = " ".join(np.array2string(np.asarray(a), precision=4, separator=", ").split())
    # (numpy pads each entry to one width for its columns: "[-0.25 ,  0.375]", "[-0.25,  1.5 ]"; on one
    # line, "[-0.25, 0.375]" and "[-0.25, 1.5]")
    return re.sub(r"\s+([,\]])", r"\1", re.sub(r"\[\s+", "[", text))


def _show_arg(a):
    """A short text for an argument in a message: numbers and tensors by value, the rest by repr."""
    if callable(a):
        return getattr(a, "__name__", "f")
    try:
        arr = as_array(a)
        if arr.dtype.kind in "biuf" and arr.size <= 8:
            return _fmt(arr)
        if arr.dtype.kind in "biuf":
            return f"<{'tensor' if is_tensor(a) else 'array'} of shape {arr.shape}>"
    except Exception:  # ragged lists and other structures: fall through to repr
        pass
    return _short(repr(a))


def _contains_tensor(x):
    if is_tensor(x):
        return True
    return isinstance(x, (list, tuple)) and any(_contains_tensor(v) for v in x)


def _is_missing(answer):
    return answer is None or answer is Ellipsis


def _not_filled(name):
    return (f"{name} is not filled in yet: replace the None in the cell above with your answer "
            "(and run that cell).")


# --- comparing an answer with the reference ---------------------------------------------------------

def _expected_kind(expected):
    """'bool', 'str' or 'number': what the reference is made of (a list of bools is 'bool')."""
    if isinstance(expected, (bool, np.bool_)):
        return "bool"
    if isinstance(expected, str):
        return "str"
    if isinstance(expected, (list, tuple)) and expected and all(isinstance(v, (bool, np.bool_)) for v in expected):
        return "bool"
    if isinstance(expected, (list, tuple)) and expected and all(isinstance(v, str) for v in expected):
        return "str"
    return "number"


def _same_items(answer, expected):
    """``answer`` has the structure of ``expected`` (a scalar, or a list of that many scalars)."""
    if isinstance(expected, (list, tuple)):
        return isinstance(answer, (list, tuple)) and len(answer) == len(expected)
    return not isinstance(answer, (list, tuple))


def _wanted(expected, kind):
    """How to say what is expected: 'a bool (True or False)', 'a list of 5 bools (True or False)'."""
    singular = {"bool": "a bool (True or False, without quotes)", "str": "a string (in quotes)",
                "number": "a number"}[kind]
    if isinstance(expected, (list, tuple)):
        plural = {"bool": "bools (True or False, without quotes)", "str": "strings (in quotes)",
                  "number": "numbers"}[kind]
        return f"a list of {len(expected)} {plural}"
    return singular


def _compare_exact(name, answer, expected, kind, mistakes, explain):
    """Booleans and strings: right type and structure, then equal."""
    items = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    ok_type = (lambda v: isinstance(v, (bool, np.bool_))) if kind == "bool" else (lambda v: isinstance(v, str))
    if not _same_items(answer, expected) or not all(ok_type(v) for v in items):
        hint = ""
        if kind == "bool" and any(isinstance(v, str) and v.strip() in ("True", "False") for v in items):
            hint = " Write True and False without quotes: 'True' in quotes is a string."
        raise ExerciseError(f"{name} should be {_wanted(expected, kind)}; you gave {_describe(answer)}.{hint}")
    got = [bool(v) for v in items] if kind == "bool" else items
    want = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    if got == want:
        return
    shown = answer if isinstance(answer, str) else (got if isinstance(answer, (list, tuple)) else got[0])
    for wrong, message in mistakes:
        if shown == wrong or (isinstance(wrong, (list, tuple)) and list(wrong) == got):
            raise ExerciseError(f"{name} = {shown!r} is not right yet: {message}")
    where = ""
    if isinstance(expected, (list, tuple)):
        bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
        where = f" (entr{'y' if len(bad) == 1 else 'ies'} {', '.join(map(str, bad))} {'is' if len(bad) == 1 else 'are'} off)"
    raise ExerciseError(f"{name} = {shown!r} is not right yet{where}. " + (explain or "Look at the hints."))


def _numeric(name, answer, expected):
    if isinstance(answer, str):
        them = "numbers" if isinstance(expected, (list, tuple)) else "number"
        comma = ""
        if not isinstance(expected, (list, tuple)) and re.fullmatch(r"\s*-?\d+,\d+\s*", answer):
            comma = " (and its decimal with a point: Python reads a comma as a separator)"
        raise ExerciseError(f"{name} should be {_wanted(expected, 'number')}, not the text {answer!r}: "
                            f"write the {them} without quotes{comma}.")
    try:
        arr = as_array(answer)
    except Exception:  # ragged lists, objects numpy cannot read
        raise ExerciseError(f"{name} should be {_wanted(expected, 'number')}; you gave {_describe(answer)}.") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ExerciseError(f"{name} should be {_wanted(expected, 'number')}; you gave {_describe(answer)}.")
    # True == 1 in Python arithmetic, so a bool would be compared as 0 or 1: refuse it instead, since
    # True/False answers a yes-no question, not "what is the value"
    if arr.dtype.kind == "b" or (isinstance(answer, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in answer)):
        raise ExerciseError(f"{name} should be {_wanted(expected, 'number')}; you gave {_describe(answer)}. "
                            "True and False answer yes-no questions: write the value you worked out.")
    return arr


def _decimal_comma(answer):
    """A hint for a number written with a decimal comma, which Python reads as a tuple of two ints
    (p = 0,46 is (0, 46)), or with a comma between thousands (15,488 bytes, as lecture 09 prints
    bytes, is (15, 488)); '' for anything else. The answer is not rewritten: that would tell a right
    answer from a wrong one. Which of the two a student meant, the tuple does not say (48,0 and
    48,000 are both (48, 0)): a second part of up to three digits after a first that is not 0 is
    told both ways."""
    if (isinstance(answer, tuple) and len(answer) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in answer)
            and answer[1] >= 0):
        if answer[0] != 0 and answer[1] <= 999:
            return (" A decimal comma, or a comma between thousands? Python reads a comma as a separator, so "
                    "a number written with one is two numbers: write the decimal with a point, and a large "
                    "number without commas (1000, or 1_000).")
        return (" A decimal comma? Python reads a comma as a separator, so a number written with one is "
                "two numbers: write the decimal with a point.")
    return ""


def decimal_commas_in_list(answer, n):
    """A hint for a list of n numbers written with decimal commas, which Python reads as 2n ints
    ([3,0, 1,5] is four numbers: W16_5), or ''. As _decimal_comma, the answer is not rewritten."""
    if (isinstance(answer, (list, tuple)) and n and len(answer) == 2 * n
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in answer)
            and all(v >= 0 for v in answer[1::2])):
        return (" Decimal commas? Python reads a comma as a separator, so each number written with one is two "
                "numbers: write the decimals with a point.")
    return ""


def _compare(name, answer, expected, *, atol=1e-5, rtol=1e-5, mistakes=(), explain="", by_hand=False):
    """``check`` without its ✓: raise ExerciseError unless ``answer`` matches ``expected``."""
    if _is_missing(answer):
        raise ExerciseError(_not_filled(name))
    if by_hand and _contains_tensor(answer):
        # (a tensor typed by hand, torch.tensor(6.), and a .grad the engine filled look alike)
        raise ExerciseError(f"{name} is {_describe(answer)}; this task is to work it out by hand: write "
                            "plain Python numbers, not tensors (no torch.tensor(...), .grad or .data).")
    kind = _expected_kind(expected)
    if kind != "number":
        return _compare_exact(name, answer, expected, kind, mistakes, explain)
    got, want = _numeric(name, answer, expected), as_array(expected).astype(float)
    if by_hand and want.ndim == 0 and isinstance(answer, (list, tuple)) and len(answer) == 1:
        # "write the number": [0.46] is a list (a copy of how p = torch.tensor([1.0]) is written), and
        # the task's answer is a number; said without telling whether the number in it is right
        raise ExerciseError(f"{name} should be a number; you gave {_describe(answer)}: write the number itself, "
                            "without the brackets.")
    if got.shape != want.shape and got.size == want.size == 1:
        got = got.reshape(want.shape)
    if got.shape != want.shape:
        if want.ndim == 0:
            raise ExerciseError(f"{name} should be a number; you gave {_describe(answer)}.{_decimal_comma(answer)}")
        if isinstance(expected, (list, tuple)) and got.ndim == 1:
            raise ExerciseError(f"{name} should be a list of {len(expected)} numbers; yours has {got.size}."
                                + decimal_commas_in_list(answer, len(expected)))
        if isinstance(expected, (list, tuple)) and want.ndim == 1 and got.ndim == 0:
            # (one number where a list is wanted: "shape ()" would be numpy's word for it, not the task's)
            raise ExerciseError(f"{name} should be a list of {len(expected)} numbers; you gave "
                                f"{_describe(answer)}.")
        raise ExerciseError(f"{name} should have shape {want.shape}, yours has shape {got.shape}.")
    if np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=False):
        return
    for wrong, message in mistakes:
        w = as_array(wrong)
        if w.shape == got.shape and np.allclose(got, w, atol=atol, rtol=rtol):
            raise ExerciseError(f"{name} = {_fmt(got)} is not right yet: {message}")
    where = ""
    if got.ndim:
        bad = np.argwhere(~np.isclose(got, want, atol=atol, rtol=rtol))
        # (a list's entries by their index, 0, 2, as the exact answers say it; a matrix's by (row, column))
        where = (f" (entr{'y' if len(bad) == 1 else 'ies'} "
                 f"{', '.join(str(int(b[0])) if got.ndim == 1 else str(tuple(int(i) for i in b)) for b in bad[:5])} "
                 f"{'is' if len(bad) == 1 else 'are'} off)")
    raise ExerciseError(f"{name} = {_fmt(got)} is not right yet{where}. "
                        + (explain or "Look at the hints, and check the arithmetic step by step."))


def check(name, answer, expected, *, atol=1e-5, rtol=1e-5, mistakes=(), explain="", by_hand=False):
    """Compare ``answer`` with ``expected`` (the reference value); print ✓ or raise ExerciseError.

    mistakes: pairs (wrong_value, message) for known wrong answers, e.g. (2.0, "that is only the
    path through a; w also reaches y through b"). explain: a sentence added to a generic failure.
    by_hand: refuse a tensor (or a list holding one): the task is to work the value out, not to
    hand in what the engine computed. Booleans and strings compare exactly (a list of bools needs
    bools, not the strings 'True'); numbers with |answer - expected| <= atol + rtol*|expected|.
    """
    _compare(name, answer, expected, atol=atol, rtol=rtol, mistakes=mistakes, explain=explain, by_hand=by_hand)
    print(f"✓ {name} is correct")


def check_true(name, condition, message):
    """Pass when ``condition`` is truthy; otherwise raise ExerciseError(message)."""
    if condition is None:
        raise ExerciseError(f"{name} is not filled in yet.")
    if not condition:
        raise ExerciseError(f"{name}: {message}")
    print(f"✓ {name} is correct")


# --- functions the student writes ------------------------------------------------------------------

_STUB_OPS = {"RESUME", "NOP", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST", "CACHE"}


def is_stub(fn):
    """True when ``fn``'s body does nothing (a docstring, ``pass``, comments): it is not written yet."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    return all(i.opname in _STUB_OPS and (i.opname not in ("LOAD_CONST", "RETURN_CONST") or i.argval is None)
               for i in dis.get_instructions(code))


def returns_nothing(fn):
    """True when no ``return`` in ``fn`` gives a value (every return is a bare ``return`` or the
    implicit one at the end): a None it returns is then its author's missing return, not a value."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    previous = None
    for instruction in dis.get_instructions(code):
        if instruction.opname == "RETURN_CONST" and instruction.argval is not None:
            return False
        if instruction.opname == "RETURN_VALUE" and not (
                previous is not None and previous.opname == "LOAD_CONST" and previous.argval is None):
            return False
        if instruction.opname not in ("CACHE", "EXTENDED_ARG"):
            previous = instruction
    return True


@contextlib.contextmanager
def without_autograd():
    """Switch gradient recording off in every loaded backend (autograd_core, and torch if imported):
    inside, ``backward()`` and ``autograd.grad`` on anything computed there raise."""
    with contextlib.ExitStack() as stack:
        for name in ("autograd_core", "torch"):
            module = sys.modules.get(name)
            if module is not None and hasattr(module, "no_grad"):
                stack.enter_context(module.no_grad())
        yield


def _autograd_refused(error):
    """The error a backward/autograd.grad call raises when recording was switched off."""
    return isinstance(error, RuntimeError) and "does not require grad" in str(error)


def _known_cause(error):
    """What usually causes an error a student's function raised, when that is known: "" otherwise."""
    if isinstance(error, TypeError) and "converted to Python scalars" in str(error):
        # (math.sin(array) and float(array) of more than one element)
        return " (math's functions take one number; numpy's, such as np.sin, work on every element of an array)"
    return ""


def check_function(name, fn, cases, reference, *, atol=1e-5, rtol=1e-5, explain="", mistakes=(),
                   no_autograd=False, show_case=None, returns=None):
    """Call the student's ``fn`` and the ``reference`` on each argument tuple in ``cases``; compare.

    The message names the first case that fails, with the arguments (``show_case(args)`` if given),
    so the student can rerun it. mistakes: pairs (wrong_function, message): when the answer equals
    what ``wrong_function`` computes for the case, the message names the slip. no_autograd: run
    ``fn`` with recording switched off (the task is to write the math, not to ask the engine).
    returns: 'float' to refuse tensors (the result should be a plain number).
    """
    if fn is None or not callable(fn):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(fn)}.")
    warned = {}           # the warnings fn gave, told on stdout after the ✓ (tell_warnings)
    for args in cases:
        shown = show_case(args) if show_case else ", ".join(map(_show_arg, args))
        call = f"{name}({shown})"
        try:
            with without_autograd() if no_autograd else contextlib.nullcontext(), \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                got = fn(*args)
            warned.update(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
        except NotImplementedError:
            raise ExerciseError(f"{name} is not written yet: fill in its body in the cell above.") from None
        except Exception as e:
            if no_autograd and _autograd_refused(e):
                raise ExerciseError(f"{call} asked autograd for the gradient ({type(e).__name__}: {e}): the check "
                                    "switches autograd off, because the task is to write the math yourself.") from None
            raise ExerciseError(f"{call} raised {type(e).__name__}: {e}{_known_cause(e)}") from None
        if got is None:
            if is_stub(fn):
                raise ExerciseError(f"{name} is not written yet: write its body in the cell above "
                                    "(and return the result).")
            if returns_nothing(fn):
                raise ExerciseError(f"{call} returned None: end {name} with a return statement.")
            # (it has a return with a value: one way through it, for these arguments, gives None; W16_3)
            raise ExerciseError(f"{call} returned None: check what {name} returns for these arguments (every way "
                                "through it should end in a return of the result).")
        if returns == "float" and _contains_tensor(got):
            what = ("a plain number (a float) for each value, not tensors" if isinstance(got, (tuple, list))
                    else "a plain number (a float), computed without tensors")
            raise ExerciseError(f"{call} returned {_describe(got)}; it should return {what}.")
        want = reference(*args)
        wrongs = [(wrong(*args), message) for wrong, message in mistakes]
        _compare_result(call, got, want, wrongs, atol=atol, rtol=rtol, explain=explain)
    print(f"✓ {name} passes all {len(cases)} cases")
    tell_warnings(name, warned)


# The warning of float(t) / int(t) on a tensor that requires grad (PyTorch's words, autograd_core's too).
TO_SCALAR = "Converting a tensor with requires_grad=True to a scalar"


def tell_warnings(name, messages):
    """Say on stdout what the student's function warned (its first lines, each once). On stderr, where
    Python writes a warning, nbgrader would give the check cell of a right answer no points."""
    for message in messages:
        if message.startswith(TO_SCALAR):
            print(f"  (float(t) works in {name}, but PyTorch warns that it converts a tensor that requires "
                  "grad: t.item() reads the number without a warning)")
        else:
            print(f"  ({name} warned: {message})")


def _compare_result(call, got, want, wrongs, *, atol, rtol, explain):
    """Compare a result that may be a tuple of arrays (a backward rule returns one per input)."""
    if isinstance(want, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            raise ExerciseError(f"{call} should return {len(want)} values (a tuple); it returned {_describe(got)}.")
        got_arrays = [as_array(g) for g in got]
        for wrong, message in wrongs:
            if all(np.shape(g) == np.shape(w) and np.allclose(g, as_array(w), atol=atol, rtol=rtol)
                   for g, w in zip(got_arrays, wrong)):
                raise ExerciseError(f"{call} is not right yet: {message}")
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(f"{call}[{i}]", g, w, atol=atol, rtol=rtol, explain=explain)
        return
    _compare(call, got, want, atol=atol, rtol=rtol, mistakes=wrongs, explain=explain)


# --- a task with several parts -----------------------------------------------------------------------

class Feedback:
    """Collects the results of every part of one task, so one failure does not hide the others.

        with Feedback() as fb:
            fb.check("m_grad", m_grad, 4.0, by_hand=True)     # prints ✓ or records the message
            fb.check("n_grad", n_grad, -6.0, by_hand=True)
        # leaving the block raises one ExerciseError with a line per failed part

    Parts that are not filled in are reported together in one line. ``fb.fail(message)`` records a
    failure found by the task's own logic; ``fb.ok`` is False once any part failed.
    """

    def __init__(self):
        self.missing, self.failures = [], []

    def __enter__(self):
        return self

    @property
    def ok(self):
        return not (self.missing or self.failures)

    def fail(self, message):
        self.failures.append(message)
        return False

    def _run(self, name, answer, fn, *args, **kwargs):
        if name is not None and _is_missing(answer):
            self.missing.append(name)
            return False
        try:
            fn(*args, **kwargs)
        except ExerciseError as e:
            self.failures.extend(e.messages)
            return False
        return True

    def check(self, name, answer, expected, **kwargs):
        """``check`` as a part of the task; True when it passed."""
        return self._run(name, answer, check, name, answer, expected, **kwargs)

    def check_true(self, name, condition, message):
        return self._run(None, None, check_true, name, condition, message)

    def check_function(self, name, fn, cases, reference, **kwargs):
        if fn is None:
            self.missing.append(name)
            return False
        return self._run(None, None, check_function, name, fn, cases, reference, **kwargs)

    def passed(self, text):
        """Print a ✓ line for a part the task checked by its own logic."""
        print(f"✓ {text}")
        return True

    def __exit__(self, kind, error, tb):
        if kind is not None and not issubclass(kind, ExerciseError):
            return False                 # a bug in a check: let it show
        messages = []
        if self.missing:
            names = ", ".join(self.missing[:-1]) + (" and " if len(self.missing) > 1 else "") + self.missing[-1]
            verb = "is" if len(self.missing) == 1 else "are"
            messages.append(f"{names} {verb} not filled in yet: replace the None in the cell above with "
                            f"your answer{'s' if len(self.missing) > 1 else ''} (and run that cell).")
        messages += self.failures + (error.messages if error is not None else [])
        if messages:
            raise ExerciseError(*messages)
        return False


# --- hints -------------------------------------------------------------------------------------------

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
            button, out, _keys = self._widget.children
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
            # (keys_kept: "b" on the focused button must not insert a cell into the notebook)
            self._widget = W.VBox([button, W.HTML(self.html()), keys_kept()],
                                  _dom_classes=["cgraph-widget"])
            self._refresh()
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return f"<Hints: {self.shown} of {len(self.hints)} shown>"
