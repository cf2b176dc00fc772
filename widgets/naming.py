"""Variable names for the tensors of a graph, looked up in the caller's namespace.

A tensor gets the name of the variable that holds it: first the ``names={"w": w}`` given
explicitly, then a module's parameters by their path in the module, then the calling frame's
locals, then its globals, in their insertion order (first match wins, so the result is
deterministic); names starting with "_" are ignored. An object with ``named_parameters()`` (an
``nn.Module``, ours or PyTorch's) names its parameters as the module does ("model.fc.weight"),
which also gives their module prefix ("model.fc"): a parameter is never named by a leftover loop
variable (``for p in model.parameters(): ...`` leaves ``p`` on the last one).

``Labeler`` turns names into the labels every view shows: distinct, and readable where no
variable names a tensor ("w + x", "exp(w)", or the op and its index, "mul #3").
"""
import re
import sys
import types

_PACKAGE = __name__.rpartition(".")[0]  # "widgets": frames inside this package are not the caller


def caller_frame():
    """The innermost frame outside this package: whoever called draw() / GraphModel.from_tensors()."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_PACKAGE + "."):
        frame = frame.f_back
    return frame


def is_tensor(x):
    """An autograd_core or torch tensor (anything with grad_fn, requires_grad and shape)."""
    t = type(x)
    return any(c.__name__ == "Tensor" and c.__module__.split(".")[0] in ("autograd_core", "torch")
               for c in t.__mro__)


def has_named_parameters(obj):
    try:  # any object can sit in a namespace: its __getattr__ may do anything
        return callable(getattr(obj, "named_parameters", None))
    except Exception:
        return False


def _candidates(namespace, modules_only=False, plain_only=False):
    """(name, tensor) pairs: tensors by their variable, a module's parameters as "model.fc.weight"."""
    modules = []
    for name, obj in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if is_tensor(obj):
            if not modules_only:
                yield name, obj
        elif not plain_only and not isinstance(obj, (type, types.ModuleType)) \
                and has_named_parameters(obj):
            modules.append((name, obj))
    for name, obj in modules:
        try:
            params = list(obj.named_parameters())
        except Exception:  # a property or an unbound method: not a module instance
            continue
        for pname, p in params:
            if is_tensor(p):
                yield f"{name}.{pname}", p


class Found(dict):
    """{id(tensor): (name, tensor)}, plus .modules: {id(parameter): module prefix}, and
    .module_names: {id(nn module): its name} ("model", "model.layer1.0.relu": every submodule of a
    module found, with or without parameters)."""

    def __init__(self):
        super().__init__()
        self.modules = {}
        self.module_names = {}

    def add_modules(self, namespace):
        for name, obj in list(namespace.items()):
            if not isinstance(name, str) or name.startswith("_") or is_tensor(obj) \
                    or isinstance(obj, (type, types.ModuleType)) or not has_named_parameters(obj):
                continue
            try:
                subs = list(obj.named_modules())
            except Exception:  # not a module instance (a class attribute, a property ...)
                continue
            for sub, module in subs:
                self.module_names.setdefault(id(module), f"{name}.{sub}" if sub else name)


def tensor_names(names=None, frame=None):
    """Found {id(tensor): (name, tensor)} from `names` (dict name -> tensor or module), then the
    frame's locals, then its globals; .modules gives each module parameter's module prefix."""
    found = Found()

    def add(pairs):
        for name, t in pairs:
            found.setdefault(id(t), (name, t))
            if "." in name:  # "fc.weight": a module's parameter, even when `w` names it
                found.modules.setdefault(id(t), module_of(name))

    if names:
        if not isinstance(names, dict):
            raise TypeError(f"names must be a dict of name -> tensor, not {type(names).__name__}")
        for n, obj in names.items():
            add([(n, obj)] if is_tensor(obj) else _candidates({n: obj}))
            found.add_modules({n: obj})
    if frame is not None:
        spaces = [frame.f_locals]
        if frame.f_globals is not frame.f_locals:
            spaces.append(frame.f_globals)
        # a module's parameter is named by its path in the module ("model.fc.bias") before any
        # plain variable: a loop's leftover `p` (for p in model.parameters()) must not name it
        for space in spaces:
            add(_candidates(space, modules_only=True))
            found.add_modules(space)
        for space in spaces:
            add(_candidates(space, plain_only=True))
    return found


def module_of(name):
    """The module prefix of a parameter name: "encoder.fc.weight" -> "encoder.fc"; None if none."""
    if not name or "." not in name:
        return None
    return name.rpartition(".")[0]


# ---------------------------------------------------------------------------------------------
# Labels: one distinct, readable label per tensor
# ---------------------------------------------------------------------------------------------
# How an op's output reads when no variable names it: Python's operators (with their precedence,
# so parentheses appear only where Python needs them) for arithmetic, f(x) for the rest.
INFIX = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "div": ("/", 2), "matmul": ("@", 2),
         "mm": ("@", 2), "mv": ("@", 2), "dot": ("@", 2), "bmm": ("@", 2), "pow": ("**", 4)}
CALLS = {"maximum": "max", "minimum": "min"}
NEG, POW, ATOM = 3, 4, 9
EXPR_MAX = 20  # longer expressions are replaced by the op and its index ("mul #3")
# A torch grad_fn does not show an op's parameters (a sum's dim, a view's shape): an expression
# is only written for these ops, which have none
UNKNOWN = "unknown"
NO_PARAMS = {"add", "sub", "mul", "div", "matmul", "mm", "mv", "dot", "bmm", "exp", "log", "sin",
             "cos", "tanh", "sigmoid", "relu", "sqrt", "abs", "neg", "sum", "mean", "t"}


def op_name(op):
    """The op as a student writes it: 'add_' -> 'add' (in place), 'sum_dim' -> 'sum',
    'pow_tensor' -> 'pow' and 'mul_scalar' -> 'mul' (the op table's variants of one function: a
    derivative formula multiplies by a Scalar, MulBackward1)."""
    op = op[:-1] if op.endswith("_") and op != "_" else op
    return re.sub(r"_(dim|tensor|scalar)$", "", op)


_SYMBOL = re.compile(r"[A-Za-z_][\w.]*|\d+(\.\d*)?")


def _operand(text):
    """A label as one symbol in d/d notation: a name as it is ("w", "model.fc.bias"), anything
    else in parentheses ("d(w + x)", "d(sum(e))", "d(b v1)")."""
    return text if _SYMBOL.fullmatch(text) else f"({text})"


class Labeler:
    """Distinct labels for the tensors of one graph, in the order they are made.

    A tensor is labelled by its variable name (given in `names`: id -> name) if it has one; an op's
    unnamed output by its expression in its inputs' labels when that is short ("w + x", "exp(w)"),
    else by its op and index ("mul #3": the third mul of the program). Every label is distinct:
    an expression already used (by a name or another tensor) gets a count ("w + x (2)": the
    second tensor computed as w + x), so it still says what it is."""

    def __init__(self, names=()):
        self.used = set(names)      # user names are reserved: generated labels never take one
        self.count = {}             # op -> how many ops of that kind the program ran so far
        self.prec = {}              # expression label -> the precedence of its outer operator
        self.expressible = set()    # labels an expression may be built on (names, expressions)
        self.repeats = {}           # expression -> the count its next repeat starts looking from

    def take(self, label, expressible=True):
        self.used.add(label)
        if expressible:
            self.expressible.add(label)
        return label

    def named(self, name):
        """A variable's name, as the label of its tensor (reserved already; marks it usable)."""
        return self.take(name)

    def value(self, text):
        """A number or small constant labelled by its value ("1", "[1, 2]"): usable in expressions,
        and not reserved (two constants 1 are both "1": a value names itself)."""
        self.expressible.add(text)
        if text.startswith("-"):
            self.prec[text] = 0  # always in parentheses: x * (-1)
        return text

    def indexed(self, stem, k=None):
        """'<stem> #k': the k-th op of that kind (the next free k when not given)."""
        if k is None:
            k = self.count[stem] = self.count.get(stem, 0) + 1
        while f"{stem} #{k}" in self.used:
            k += 1
        label = f"{stem} #{k}"
        self.prec[label] = 0  # in an expression it reads as one thing: (mul #3) * 0.9
        return self.take(label, expressible=False)

    def repeated(self, expr):
        """'<expr> (k)': the k-th tensor computed by the same expression (k >= 2, the next free)."""
        k = self.repeats.get(expr, 2)  # (not from 2 each time: a loop repeating one expression)
        while f"{expr} ({k})" in self.used:
            k += 1
        self.repeats[expr] = k + 1
        label = f"{expr} ({k})"
        self.prec[label] = 0  # in an expression it reads as one thing: (w + x (2)) * 3
        return self.take(label)

    def operand(self, label):
        """label as an operand of an expression, or None when it should not be built upon."""
        return label if label in self.expressible else None

    def _wrap(self, text, prec, right=False, left_assoc=True):
        p = self.prec.get(text, ATOM)
        if p < prec or (p == prec and (right if left_assoc else not right)):
            return f"({text})"
        return text

    def expression(self, op, operands, params=None):
        """('w + x', its precedence) for op 'add' on operand labels ['w', 'x'], or (None, 0)."""
        if params == UNKNOWN:
            if op.rstrip("_") not in NO_PARAMS:  # (sum_dim, unlike sum, has parameters)
                return None, 0
            params = None
        op = op_name(op)
        params = params or {}
        if any(o is None for o in operands):
            return None, 0
        if op in INFIX and len(operands) == 1 and "other" in params:  # g * 2 (a Scalar operand)
            sym, p = INFIX[op]
            assoc = sym != "**"
            return f"{self._wrap(operands[0], p, False, assoc)} {sym} {_number(params['other'])}", p
        if op in INFIX and len(operands) == 2:
            sym, p = INFIX[op]
            assoc = sym != "**"
            # a + b - c reads as (a + b) - c; a - (b + c) keeps its parentheses
            left = self._wrap(operands[0], p, False, assoc)
            right = self._wrap(operands[1], p, True, assoc)
            return f"{left} {sym} {right}", p
        if op == "neg" and len(operands) == 1:
            return "-" + self._wrap(operands[0], NEG), NEG
        if op == "pow" and len(operands) == 1 and "exponent" in params:
            return f"{self._wrap(operands[0], POW, False, False)} ** {_number(params['exponent'])}", POW
        if op == "rsub" and len(operands) == 1 and "other" in params:
            return f"{_number(params['other'])} - {self._wrap(operands[0], 1, True)}", 1
        if op == "rpow" and len(operands) == 1 and "base" in params:
            return f"{_number(params['base'])} ** {self._wrap(operands[0], POW, True, False)}", POW
        if params:  # a sum over a dim, a view's shape...: without them the call would mislead
            return None, 0
        return f"{CALLS.get(op, op)}({', '.join(operands)})", ATOM

    def unnamed(self, requires_grad, value_text=None):
        """An unnamed tensor made by no recorded op: a constant by its value when short, else
        "leaf #k" (it requires grad) or "tensor #k"."""
        if requires_grad:
            return self.indexed("leaf")
        if value_text is not None and len(value_text) <= 12:
            return self.value(value_text)
        return self.indexed("tensor")

    def result(self, op, operands, params=None):
        """The label of an unnamed op output: its expression if short ('w + x'; 'w + x (2)' when
        taken already), else op #k."""
        stem = op_name(op)
        k = self.count[stem] = self.count.get(stem, 0) + 1
        expr, prec = self.expression(op, operands, params)
        if expr is None or len(expr) > EXPR_MAX:
            return self.indexed(stem, k)
        if expr in self.used:
            return self.repeated(expr)
        self.prec[expr] = prec
        return self.take(expr)


def _number(x):
    """A Python number as it reads in an expression (negative ones in parentheses)."""
    s = f"{x:.4g}" if isinstance(x, float) else str(x)
    return f"({s})" if s.startswith("-") else s


# --- labels kept whole in running text --------------------------------------------------------------
_SPACED_OPERATOR = re.compile(r"(?<=\S) (?:\*\*|//|[-+*/@%]) (?=\S)")  # "x + w2 * h", "a ** 3"
# "mul #3", "w + x (2)", "b v1" (b after its first in-place change)
_SPACED_COUNT = re.compile(r" (?=#\d|\(\d+\)(?![\w(]))|(?<=\w) (?=v\d+(?!\w))")
SHORT_GROUP = 12   # a bracketed value this short is one label ("[1, 2]": a constant by its value)
LONGEST_WHOLE = 40  # a longer run may break at its spaces (it would not fit a narrow column whole)


def _between_derivatives(text, m):
    """Whether the operator `m` (outside brackets) stands between two terms of which one is a
    derivative ("∂a/∂x", "dout/d(x + w2 * h)": a slash without spaces, which no label writes): the
    chain rule's sum of paths, at whose + a line may break, not one label."""
    left = text[:m.start()].rsplit(" ", 1)[-1]
    right = text[m.end():].split(" ", 1)[0]
    return "/" in left or "/" in right


def whole_runs(text):
    """The runs of text, in order, that a line should not break inside: each label and expression
    written with spaces ("x + w2 * h", "dout/d(x + w2 * h)", "relu(x + w2 * h)", "mul #3",
    "w + x (2)", "b v1", "max(a, b)", "x[0, 1]", "[1, 2]"), with what is attached to it. A label's
    own spaces are those around an infix operator, before a count or a version, and inside a call's
    or an index's brackets or a short bracketed value; the line breaks at the text's other spaces
    (between words, around "=", after a comma between labels). The stepper's caption shows each run
    on one line (white-space: nowrap), so "passes gradients to x + w2 * h" never ends a line at "x";
    the text itself keeps its spaces, which screen readers read as they always do."""
    if " " not in text:
        return []
    glued = {m.start() for m in _SPACED_COUNT.finditer(text)}
    depth, depths = 0, []
    for c in text:
        depth = max(0, depth + (c in "([") - (c in ")]"))
        depths.append(depth)
    for m in _SPACED_OPERATOR.finditer(text):
        if depths[m.start()] == 0 and m.group().strip() in "+-" and _between_derivatives(text, m):
            continue            # a sum of chain-rule terms: "∂(w1 * x)/∂x + dout/d(x + w2 * h)" (W14_2)
        glued.update((m.start(), m.end() - 1))
    opened = []
    for i, c in enumerate(text):
        if c in "([":
            opened.append(i)
        elif c in ")]" and opened:
            o = opened.pop()
            called = o > 0 and (text[o - 1].isalnum() or text[o - 1] in "_)]")
            if called or i - o < SHORT_GROUP:
                glued.update(k for k in range(o, i) if text[k] == " ")
    runs, start, joined = [], 0, False
    for i, c in enumerate(text + " "):
        if c != " ":
            continue
        if i in glued:
            joined = True
            continue
        if joined and i - start <= LONGEST_WHOLE:
            runs.append(text[start:i])
        start, joined = i + 1, False
    return runs
