"""The op table: every primitive op's forward and its backward, side by side.

A row is ``op(name, grad_fn, forward, *grads, ...)``:
- ``forward(*inputs, **params)`` computes the output from numpy arrays (or Python numbers): numpy
  itself, or a kernel of ``_numerics`` (K) where ATen computes differently from numpy;
- ``grads`` holds one rule per input, ``grad(xp, g, *inputs, out, **params)`` = dL/d(input) given
  g = dL/d(out). A rule is written once, over the array namespace ``xp``: numpy arrays in a plain
  backward, Tensors under ``create_graph=True`` (then every op in the rule is recorded, so the
  gradient has a graph of its own, named as PyTorch's derivative formulas name it: the rule
  ``g * b`` of ``a * b`` makes a MulBackward0). A number in a rule is ATen's Scalar there (``g * 2``
  is a MulBackward1, as in PyTorch's C++ formulas). The engine calls only the rules of inputs that
  need a gradient, then reduces the result to the input's shape (``unbroadcast``: no rule deals
  with broadcasting) and dtype. A row of several outputs (unbind, split: node_base=_Pieces) has a
  forward giving a tuple, and its rule gets the list of the outputs' gradients in place of g;
- what backward reads is saved with the node, as PyTorch's ``grad_fn._saved_*``: read off the rules
  themselves (an input whose values a rule uses, the result when a rule uses ``out``; an input read
  only by another input's rule is saved only when that input needs a gradient, as PyTorch saves
  ``other`` of a product only for ``self``) plus the ``saved_params`` named; ``saves=`` spells it out
  where PyTorch saves more than the rule reads. Saved values are freed by backward (unless
  retain_graph=True) and checked against in-place modification. PyTorch's generated code saves and
  reads them in one order, the inputs sorted by name, then the result: a saved_tensors_hooks pack hook
  sees them so, and an in-place error names the first one changed (``xlogy(self, other)``: other);
- ``options``: the numbers and flags PyTorch keeps on the node as plain values (not saved tensors:
  never freed, never checked), shown as ``grad_fn._saved_<name>`` (AddBackward0's ``_saved_alpha``);
  a name is read from the call's params, else the forward's default; ``(name, f)`` is f of the params
  it names (SliceBackward0's start, of the slice taken); ``<input>_sym_sizes`` (``_sym_strides``,
  ``_sym_numel``, ``_sym_argsize_<d>``, ``_dim``) is that input's layout, by PyTorch's name for it
  (ViewBackward0's ``self_sym_sizes``), kept past backward;
- ``kind`` decides the result dtype: "promote" (PyTorch's type promotion), "float" (an integer
  input gives float32), "same" (the input's dtype), "sum" (integers sum to int64), "self" (computed
  in the promotion, the result in the dtype of the input named self); ``scalars`` names
  the number params that take part in the promotion (``0.5 - int_tensor`` is float32);
- ``layout`` is the memory layout ATen gives the result, which .view() and .stride() see:
  "contiguous", or "elementwise" (TensorIterator's order of its inputs' strides); by default
  numpy's, which is TensorIterator's for one input;
- ``refuse(*inputs, **params)`` raises PyTorch's error for operands it refuses (a bool subtraction); it is
  called when some input is not a float32 tensor (a float32 tensor is never refused);
- ``order``: the inputs in the order PyTorch's generated backward runs their formulas, which numbers
  the nodes a create_graph backward makes, and so decides the order a later backward through them
  adds its sums in (the last digit of a third derivative). By default the arg_names sorted, as
  PyTorch visits derivatives.yaml's entries (mul: other's formula, then self's); a row names it where
  PyTorch computes several inputs in one formula (convolution: input, weight, bias) or names them
  otherwise (index_put's other is its values).

The table first (one contiguous block), then the rules that need more than a line.
"""
import dis
import math

import numpy as np

from . import _conv_kernels as CK
from . import _numerics as K
from . import _pool_kernels as P
from . import _refusals as R
from ._graph import CopySlices, EveryDim, Node, option_attributes, option_names, reads_input_layout, saved_attributes

OPS = {}


class Op:
    __slots__ = ("name", "grad_fn", "forward", "grads", "saves", "kind", "arg_names", "node_class",
                 "variadic", "saved_args", "saves_result", "scalars", "layout", "refuse", "in_table",
                 "formula_order", "options", "option_names", "keeps_layouts")

    def __init__(self, name, grad_fn, forward, grads, saves, kind, arg_names, variadic, needs, scalars,
                 node_base, layout, refuse, order=None, options=()):
        self.name, self.grad_fn, self.forward, self.grads = name, grad_fn, forward, grads
        # (a variadic row's inputs share one formula, run for each input in turn: None)
        names = arg_names[:len(grads)]
        self.formula_order = None if variadic else tuple(names.index(n) for n in order or sorted(names))
        self.saves, self.kind, self.arg_names, self.variadic = saves, kind, arg_names, variadic
        # what backward reads, in PyTorch's saving and unpacking order (the inputs sorted by name,
        # then the result): (input index, or None for the result, which is always saved; the
        # inputs whose gradient reads it, or None for "always")
        saved_inputs = sorted(n for n in saves if n in arg_names)
        self.saved_args = tuple((None if n == "result" else arg_names.index(n), needs.get(n))
                                for n in saved_inputs + ["result"] * ("result" in saves))
        self.saves_result = "result" in saves
        self.scalars, self.layout, self.refuse = scalars, layout, refuse
        self.in_table = True  # (a user's autograd.Function row is not: its backward is Python code)
        self.options, self.option_names = options, option_names(options)
        self.keeps_layouts = any(reads_input_layout(n, arg_names) for n in self.option_names)
        # one class per row, named as PyTorch names it, so type(y.grad_fn).__name__ matches
        self.node_class = type(grad_fn, (node_base,), {"__slots__": (), "op": self,
                                                       "_frees": bool(saves) or node_base._frees,
                                                       "_rules_only": node_base._backward is Node._backward,
                                                       **saved_attributes(saves, node_base),
                                                       **option_attributes(options, forward, arg_names)})

    def grad(self, i, g, args, out, params, xp):
        """dL/d(input i) given g = dL/d(out), on the namespace xp."""
        if self.variadic:
            return self.grads[0](xp, i, g, args, out, **params)
        fn = self.grads[i]
        return fn(xp, g, *args, out, **params) if params else fn(xp, g, *args, out)

    def __repr__(self):
        return f"<op {self.name}: {self.grad_fn}>"


def op(name, grad_fn, forward, *grads, saves=None, saved_params=(), kind="promote",
       arg_names=("self", "other"), variadic=False, needs=None, scalars=(), node_base=Node, layout=None,
       refuse=None, order=None, options=()):
    if saves is None:  # what the rules read (see _read_by_rules), and the params named
        read, needs = _read_by_rules(grads, arg_names) if grads and not variadic else ((), {})
        if "backward" in name:  # (PyTorch's codegen never guards the saves of a *_backward op's node)
            needs = {}
        saves = read + tuple(saved_params)
    OPS[name] = Op(name, grad_fn, forward, grads, saves, kind, arg_names, variadic, needs or {},
                   scalars, node_base, layout, refuse, order, options)


def _read_by_rules(grads, arg_names):
    """What a row saves for backward, read off its rules: an input is saved when a rule uses its
    values (using only its .shape, .ndim or .dtype needs no saving: a node keeps the sizes and the
    dtypes, as PyTorch's does), the result when a rule uses ``out``. Returns (names in input order, then "result";
    {name: the inputs whose rules read it, when not all}): an input read only by another input's rule is saved
    only when that input needs a gradient, as PyTorch saves ``other`` of a product only for
    ``self``'s gradient."""
    n = len(grads)
    needs = {}
    for i, rule in enumerate(grads):
        params = rule.__code__.co_varnames[:rule.__code__.co_argcount]  # xp, g, inputs..., out, params...
        for name in _values_read(rule, params[2:3 + n]):
            j = params.index(name) - 2
            needs.setdefault("result" if j == n else arg_names[j], []).append(i)
    names = tuple(a for a in arg_names if a in needs) + (("result",) if "result" in needs else ())
    # (as PyTorch's codegen guards a save: a tensor only one input's formula reads, of two or more inputs)
    return names, {name: tuple(needs[name]) for name in names if name != "result" and len(needs[name]) == 1 < n}


def _values_read(rule, names):
    """The names (parameters of rule) whose values the rule's code reads: every load of one, except
    one followed by .shape, .ndim or .dtype."""
    code = list(dis.get_instructions(rule))
    read = set(rule.__code__.co_cellvars) & set(names)  # (used inside a nested function: values)
    for k, ins in enumerate(code):
        if ins.opname.startswith("LOAD_FAST") and ins.argval in names:
            after = code[k + 1] if k + 1 < len(code) else None
            if not (after is not None and after.opname == "LOAD_ATTR" and after.argval in ("shape", "ndim", "dtype")):
                read.add(ins.argval)
    return read
_ELEMENTWISE = "elementwise"
# options of the rows below: a slice's bounds as PyTorch's slice() takes them (end: the one past the
# last), and the layouts of addmm's matrices
_SLICE_BOUNDS = (("start", lambda index: index.start), ("end", lambda index: index.stop),
                 ("step", lambda index: 1 if index.step is None else index.step))
_MAT1_MAT2_LAYOUTS = ("mat1_sym_sizes", "mat1_sym_strides", "mat2_sym_sizes", "mat2_sym_strides")
_POOL_PARAMS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
_AVG_POOL_PARAMS = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")


class _MaybeUndefinedNode(Node):
    """A node whose rules may give no gradient for an input that needs one (None: ATen's undefined
    tensor, where PyTorch's formula leaves it undefined: d(grad_input)/d(input) of a convolution);
    nothing then flows to that input (autograd.grad gives None for it, when nothing else reaches it).
    Node._input_grad passes such a None on as it is."""

    __slots__ = ()


class _Pieces(Node):
    """The one node of all the pieces an unbind or split returns (a node of several outputs, as
    PyTorch's: an edge into it names its piece, output_nr). Its row's forward gives the pieces, and
    its rule gets gs, the pieces' gradients (None for a piece no gradient reached), in one list."""

    __slots__ = ()
    _multi = True


class _NotImplemented(Node):
    """PyTorch's NotImplemented node, of an op it has no derivative for: running it is the error,
    even when no input gets a gradient from it (a view made before its base's requires_grad_()
    has no edge, and the result still requires grad)."""

    __slots__ = ()

    def _backward(self, g, xp):
        return self.op.grads[0](xp, g)


# =====================================================================================================
# The table. Rule arguments: xp (the namespace), g (dL/d out), the inputs (a, b, ...), out (the result),
# then the params by name.
# =====================================================================================================
#  name        grad_fn                 forward                        dL/d(each input), given g = dL/d(out)
# --- arithmetic (add/sub/rsub take PyTorch's alpha, out = a + alpha * b, in the same node) ---------
op("add",      "AddBackward0",         lambda a, b, alpha=1: a + b if alpha == 1 else K.add_scaled(a, b, alpha),
                                        lambda xp, g, a, b, out, alpha=1: g,
                                        lambda xp, g, a, b, out, alpha=1: g if alpha == 1 else g * alpha,
                                        layout=_ELEMENTWISE, options=("alpha",))
op("sub",      "SubBackward0",         lambda a, b, alpha=1: a - b if alpha == 1 else K.sub_scaled(a, b, alpha),
                                        lambda xp, g, a, b, out, alpha=1: g,
                                        lambda xp, g, a, b, out, alpha=1: -g if alpha == 1 else -g * alpha,
                                        layout=_ELEMENTWISE, refuse=R.bool_subtraction, options=("alpha",))
op("rsub",     "RsubBackward1",        lambda a, other, alpha=1: other - a if alpha == 1 else K.sub_scaled(other, a, alpha),
                                        lambda xp, g, a, out, other, alpha=1: -g if alpha == 1 else -g * alpha,
                                        scalars=("other",), options=("alpha",))
op("mul",      "MulBackward0",         lambda a, b: a * b,
                                        lambda xp, g, a, b, out: g * b,
                                        lambda xp, g, a, b, out: g * a,
                                        layout=_ELEMENTWISE)
op("div",      "DivBackward0",         lambda a, b: a / b,
                                        lambda xp, g, a, b, out: g / b,
                                        lambda xp, g, a, b, out: _neg_times(g, (a / b) / b),
                                        kind="float", layout=_ELEMENTWISE)
op("reciprocal", "ReciprocalBackward0", K.quiet(lambda a: 1 / a),
                                        lambda xp, g, a, out: _neg_times(g, out * out), kind="float")
op("neg",      "NegBackward0",         lambda a: -a,
                                        lambda xp, g, a, out: -g, refuse=R.no_bool(None, R.NEGATION_OF_BOOL))
op("pow",      "PowBackward0",         K.pow_number,
                                        lambda xp, g, a, out, exponent: _pow_backward(xp, g, a, exponent),
                                        saved_params=("exponent",), scalars=("exponent",),
                                        refuse=R.negative_integer_power)
op("pow_tensor", "PowBackward1",       lambda a, b, bool_exponent=False, exponent_dtype=None: K.pow_tensors(a, b),
                                        lambda xp, g, a, b, out, bool_exponent=False, exponent_dtype=None:
                                            _pow_backward_self(xp, g, a, b, bool_exponent, exponent_dtype),
                                        lambda xp, g, a, b, out, bool_exponent=False, exponent_dtype=None:
                                            _pow_backward_exponent(xp, g, a, b, out),
                                        arg_names=("self", "exponent"), layout=_ELEMENTWISE)
op("rpow",     "PowBackward2",         lambda a, base: np.ones_like(a) if base == 1 else K.pow_tensors(np.asarray(base, a.dtype), a),
                                        lambda xp, g, a, out, base: _rpow_backward(xp, g, base, a, out),
                                        scalars=("base",), arg_names=("exponent",),
                                        options=(("self", lambda base: base),))
# lerp: out = self + weight (end - self), weight a number (LerpBackward0) or a tensor (LerpBackward1)
op("lerp",     "LerpBackward0",        lambda a, b, weight: K.lerp(a, b, weight),
                                        lambda xp, g, a, b, out, weight: g * (1 - weight),
                                        lambda xp, g, a, b, out, weight: g * weight,
                                        saved_params=("weight",), kind="same", arg_names=("self", "end"),
                                        layout=_ELEMENTWISE, refuse=R.not_floating("lerp_kernel_scalar"))
op("lerp_tensor", "LerpBackward1",     K.lerp,
                                        lambda xp, g, a, b, w, out: g * (1 - w),
                                        lambda xp, g, a, b, w, out: g * w,
                                        lambda xp, g, a, b, w, out: g * (b - a),
                                        arg_names=("self", "end", "weight"), layout=_ELEMENTWISE,
                                        refuse=R.not_floating("lerp_kernel_tensor"))
# --- elementwise functions --------------------------------------------------------------------------
op("exp",      "ExpBackward0",         K.quiet(K.in_float64(np.exp)),
                                        lambda xp, g, a, out: g * out, kind="float")
op("log",      "LogBackward0",         K.quiet(K.in_float64(np.log)),
                                        lambda xp, g, a, out: g / a, kind="float")
op("log1p",    "Log1PBackward0",       K.quiet(K.log1p),
                                        lambda xp, g, a, out: g / (a + 1), kind="float", layout=_ELEMENTWISE)
op("expm1",    "Expm1Backward0",       K.quiet(K.in_float64(np.expm1)),
                                        lambda xp, g, a, out: g * (out + 1), kind="float")
op("erf",      "ErfBackward0",         K.erf,
                                        lambda xp, g, a, out: 2.0 / math.sqrt(math.pi) * xp.exp(-xp.pow(a, 2)) * g,
                                        kind="float")
op("atan2",    "Atan2Backward0",       K.quiet(K.in_float64(np.arctan2)),
                                        lambda xp, g, a, b, out: g * b * _atan2_reciprocal(xp, a, b),
                                        lambda xp, g, a, b, out: g * -a * _atan2_reciprocal(xp, a, b),
                                        kind="float", layout=_ELEMENTWISE, order=("self", "other"))  # (one formula)
op("logaddexp", "LogaddexpBackward0",  K.logaddexp,
                                        lambda xp, g, a, b, out: g / (1 + xp.exp(b - a)),
                                        lambda xp, g, a, b, out: g / (1 + xp.exp(a - b)),
                                        kind="float", layout=_ELEMENTWISE, refuse=R.not_floating("logaddexp_cpu"))
op("tan",      "TanBackward0",         K.quiet(K.in_float64(np.tan)),
                                        lambda xp, g, a, out: g * (1 + xp.pow(out, 2)), kind="float")
op("asin",     "AsinBackward0",        K.quiet(K.in_float64(np.arcsin)),
                                        lambda xp, g, a, out: g * xp.rsqrt(-a * a + 1), kind="float")
op("acos",     "AcosBackward0",        K.acos,
                                        lambda xp, g, a, out: g * -xp.rsqrt(-a * a + 1), kind="float")
op("atan",     "AtanBackward0",        K.in_float64(np.arctan),
                                        lambda xp, g, a, out: g / (a * a + 1), kind="float")
op("sinh",     "SinhBackward0",        K.sinh,
                                        lambda xp, g, a, out: g * xp.cosh(a), kind="float")
op("cosh",     "CoshBackward0",        K.cosh,
                                        lambda xp, g, a, out: g * xp.sinh(a), kind="float")
op("asinh",    "AsinhBackward0",       K.asinh,
                                        lambda xp, g, a, out: g * xp.rsqrt(xp.pow(a, 2) + 1), kind="float")
op("acosh",    "AcoshBackward0",       K.acosh,
                                        lambda xp, g, a, out: g * xp.rsqrt(a * a - 1), kind="float")
op("atanh",    "AtanhBackward0",       K.atanh,
                                        lambda xp, g, a, out: _times_one_over(1 - xp.pow(a, 2), g), kind="float")
op("log2",     "Log2Backward0",        K.quiet(K.in_float64(np.log2)),
                                        lambda xp, g, a, out: g / (a * _LN2), kind="float")
op("log10",    "Log10Backward0",       K.quiet(K.in_float64(np.log10)),
                                        lambda xp, g, a, out: g / (a * _LN10), kind="float")
op("exp2",     "Exp2Backward0",        K.exp2,
                                        lambda xp, g, a, out: g * out * _LN2, kind="float")
op("erfc",     "ErfcBackward0",        K.erfc,
                                        lambda xp, g, a, out: -2.0 / math.sqrt(math.pi) * xp.exp(-xp.pow(a, 2)) * g,
                                        kind="float")
op("hypot",    "HypotBackward0",       K.hypot,
                                        lambda xp, g, a, b, out: g * a / out,
                                        lambda xp, g, a, b, out: g * b / out,
                                        layout=_ELEMENTWISE, refuse=R.not_floating("hypot_cpu"))
# copysign: |a| with b's sign; d/da = the sign ratio out / a (0 where a is 0), b gets none
op("copysign", "CopysignBackward1",    lambda a, other: np.copysign(a, other).astype(a.dtype, copy=False),
                                        lambda xp, g, a, out, other: _copysign_backward(xp, g, a, out),
                                        kind="float", scalars=("other",))
op("copysign_tensor", "CopysignBackward0", lambda a, b: np.copysign(a, b),
                                        lambda xp, g, a, b, out: _copysign_backward(xp, g, a, out),
                                        lambda xp, g, a, b, out: xp.zeros_like(g),
                                        kind="float", layout=_ELEMENTWISE)
# xlogy: a log(b), 0 where a is 0; XlogyBackward1 of a number a, XlogyBackward2 of a number b
op("xlogy",    "XlogyBackward0",       K.xlogy,
                                        lambda xp, g, a, b, out: xp.masked_fill(xp.xlogy(g, b), (a == 0) & (b <= 0), 0),
                                        lambda xp, g, a, b, out: g * a / b,
                                        kind="float", layout=_ELEMENTWISE)
op("xlogy_number_self", "XlogyBackward1", lambda b, self: K.xlogy(np.asarray(self, b.dtype), b),
                                        lambda xp, g, b, out, self: g * self / b,
                                        kind="float", scalars=("self",), arg_names=("other",), options=("self",))
op("xlogy_number_other", "XlogyBackward2", lambda a, other: K.xlogy(a, np.asarray(other, a.dtype)),
                                        lambda xp, g, a, out, other: xp.xlogy(g, other) if other > 0 else
                                            xp.masked_fill(xp.xlogy(g, other), a == 0, 0),
                                        kind="float", scalars=("other",), options=("other",))
op("nan_to_num", "NanToNumBackward0",  K.nan_to_num,
                                        lambda xp, g, a, out, nan, posinf, neginf: g * xp.isfinite(a), kind="same")
op("sqrt",     "SqrtBackward0",        K.quiet(np.sqrt),
                                        lambda xp, g, a, out: g / (2 * out), kind="float")
op("rsqrt",    "RsqrtBackward0",       K.quiet(lambda a: 1 / np.sqrt(a)),
                                        lambda xp, g, a, out: _scaled_times(-0.5, g, xp.pow(out, 3)), kind="float")
op("abs",      "AbsBackward0",         np.abs,
                                        lambda xp, g, a, out: g * xp.sgn(a), refuse=R.no_bool("abs_cpu"))
op("sign",     "SignBackward0",        K.sign, lambda xp, g, a, out: xp.zeros_like(g), kind="same")
op("sgn",      "SgnBackward0",         K.sign, lambda xp, g, a, out: xp.zero_tensor_like(out),
                                        saves=("self", "result"), kind="same")  # (PyTorch's, for complex inputs)
op("sin",      "SinBackward0",         K.in_float64(np.sin),
                                        lambda xp, g, a, out: g * xp.cos(a), kind="float")
op("cos",      "CosBackward0",         K.in_float64(np.cos),
                                        lambda xp, g, a, out: g * -xp.sin(a), kind="float")
op("tanh",     "TanhBackward0",        K.in_float64(np.tanh),
                                        lambda xp, g, a, out: xp.tanh_backward(g, out), kind="float")
op("sigmoid",  "SigmoidBackward0",     K.sigmoid,
                                        lambda xp, g, a, out: xp.sigmoid_backward(g, out), kind="float")
op("logit",    "LogitBackward0",       lambda a, eps=None: K.logit_eps(a, eps),
                                        lambda xp, g, a, out, eps=None: _logit_backward(xp, g, a, eps),
                                        kind="float", options=("eps",))
op("log_sigmoid", "LogSigmoidBackward0", K.log_sigmoid,
                                        lambda xp, g, a, out: xp.log_sigmoid_backward(g, a), kind="float",
                                        refuse=R.not_floating("log_sigmoid_cpu"))
# max(a, m) is ATen's std::max: a on a tie (relu(-0.) is -0.), nan stays nan; numpy's maximum(m, a)
# keeps the second operand on a tie, so the operands are swapped
op("relu",     "ReluBackward0",        lambda a: np.maximum(0, a),
                                        lambda xp, g, a, out: xp.threshold_backward(g, out, 0),
                                        refuse=R.no_bool(None, "Boolean inputs not supported for relu"))
op("leaky_relu", "LeakyReluBackward0",  lambda a, negative_slope: np.where(a > 0, a, a * negative_slope).astype(a.dtype),
                                        lambda xp, g, a, out, negative_slope: xp.leaky_relu_backward(g, a, negative_slope),
                                        options=("negative_slope",))
# leaky_relu_ (in place): the gradient from the result, which has the input's sign
op("leaky_relu_", "LeakyReluBackward1", OPS["leaky_relu"].forward,
                                        lambda xp, g, a, out, negative_slope:
                                            _leaky_relu_backward_of_result(xp, g, out, negative_slope),
                                        options=("negative_slope",))
op("gelu",     "GeluBackward0",        K.gelu,
                                        lambda xp, g, a, out, approximate: xp.gelu_backward(g, a, approximate),
                                        kind="float", options=("approximate",), layout=_ELEMENTWISE)
# elu: expm1(a input_scale) alpha scale where a <= 0, else a scale (selu: PyTorch's alpha and scale)
op("elu",      "EluBackward0",         lambda a, alpha, scale=1, input_scale=1: K.elu(a, alpha, scale, input_scale),
                                        lambda xp, g, a, out, alpha, scale=1, input_scale=1:
                                            xp.elu_backward(g, a, alpha, scale, input_scale),
                                        kind="same", refuse=R.not_floating("elu_cpu"), options=("alpha", "scale", "input_scale"))
# elu_ (in place: F.elu(x, inplace=True), selu_): the gradient from the result r, g input_scale (r + alpha scale)
# where r <= 0, else g scale
op("elu_",     "EluBackward1",         OPS["elu"].forward,
                                        lambda xp, g, a, out, alpha, scale=1, input_scale=1:
                                            _elu_backward_of_result(xp, g, out, alpha, scale, input_scale),
                                        kind="same", refuse=R.not_floating("elu_cpu"), options=("alpha", "scale", "input_scale"))
# celu: elu(a, alpha, input_scale = 1 / alpha), a row of its own for PyTorch's name (celu_: from the result)
op("celu",     "CeluBackward0",        lambda a, alpha: K.elu(a, alpha, 1, 1 / alpha),
                                        lambda xp, g, a, out, alpha:
                                            xp.elu_backward(g, a, alpha, 1, K.celu_backward_input_scale(alpha)),
                                        kind="same", refuse=R.not_floating("elu_cpu"), options=("alpha",))
op("celu_",    "CeluBackward1",        OPS["celu"].forward,
                                        lambda xp, g, a, out, alpha:
                                            _elu_backward_of_result(xp, g, out, alpha, 1, K.celu_backward_input_scale(alpha)),
                                        kind="same", refuse=R.not_floating("elu_cpu"), options=("alpha",))
op("hardswish", "HardswishBackward0",  K.hardswish,
                                        lambda xp, g, a, out: xp.row("hardswish_backward", g, a),
                                        kind="same", refuse=R.not_floating("hardswish_cpu"))
# hardsigmoid: relu6(a + 3) / 6, whose gradient g / 6 between -3 and 3 PyTorch cannot differentiate again
op("hardsigmoid", "HardsigmoidBackward0", K.hardsigmoid,
                                        lambda xp, g, a, out: xp.row("hardsigmoid_backward", g, a),
                                        kind="same", refuse=R.not_floating("hardsigmoid_cpu"))
# threshold: value where a <= threshold, else a; its gradient is relu's (threshold_backward)
op("threshold", "ThresholdBackward0",  K.threshold,
                                        lambda xp, g, a, out, threshold, value: xp.threshold_backward(g, a, threshold),
                                        kind="same", refuse=R.no_bool("threshold_cpu"), options=("threshold",))
op("threshold_", "ThresholdBackward1", K.threshold,
                                        lambda xp, g, a, out, threshold, value: xp.threshold_backward(g, a, threshold),
                                        kind="same", refuse=R.no_bool("threshold_cpu"), options=("threshold",))
# prelu: a where a > 0, else weight a; weight is (1, C, 1, ...), broadcast over the channels
op("prelu",    "PreluKernelBackward0", K.prelu,
                                        lambda xp, g, a, w, out: xp.row("prelu_backward_self", g, a, w),
                                        lambda xp, g, a, w, out: xp.row("prelu_backward_weight", g, a, w),
                                        saves=("self", "weight"), arg_names=("self", "weight"), refuse=R.not_floating("prelu_cpu"))
op("silu",     "SiluBackward0",        K.silu,
                                        lambda xp, g, a, out: _silu_backward(xp, g, a),
                                        kind="same", refuse=R.not_floating("silu_cpu"), layout=_ELEMENTWISE)
op("mish",     "MishBackward0",        K.mish,
                                        lambda xp, g, a, out: _mish_backward(xp, g, a),
                                        kind="same", refuse=R.not_floating("mish_cpu"), layout=_ELEMENTWISE)
op("hardtanh", "HardtanhBackward0",    K.hardtanh,
                                        lambda xp, g, a, out, min_val, max_val: xp.hardtanh_backward(g, a, min_val, max_val),
                                        saved_params=("min_val", "max_val"), kind="same",
                                        refuse=R.no_bool(None, "Bool inputs not supported for hardtanh"))
op("softplus", "SoftplusBackward0",    K.softplus_forward,
                                        lambda xp, g, a, out, beta, threshold: xp.softplus_backward(g, a, beta, threshold),
                                        kind="float", options=("beta", "threshold"), layout=_ELEMENTWISE)
# --- picking: clamps, maximum, where (the gradient goes where the value came from) ------------------
op("clamp",    "ClampBackward1",       K.clamp,
                                        lambda xp, g, a, out, min, max: xp.where(_inside(xp, a, min, max), g, 0),
                                        saved_params=("min", "max"), scalars=("min", "max"))
op("clamp_min", "ClampMinBackward0",   lambda a, min: K.clamp(a, min, None),
                                        lambda xp, g, a, out, min: xp.where(a >= min, g, 0),
                                        scalars=("min",))
op("clamp_max", "ClampMaxBackward0",   lambda a, max: K.clamp(a, None, max),
                                        lambda xp, g, a, out, max: xp.where(a <= max, g, 0),
                                        scalars=("max",))
# clamp with tensor bounds (broadcast): nan where any operand is nan; the bounds get gradients too
# (a bound above the other passes nothing to min)
op("clamp_tensor", "ClampBackward0",   K.clamp,
                                        lambda xp, g, a, min, max, out: xp.where(_inside(xp, a, min, max), g, 0),
                                        lambda xp, g, a, min, max, out: xp.where(_below_min(xp, a, min, max), g, 0),
                                        lambda xp, g, a, min, max, out: xp.where(_above_max(xp, a, min, max), g, 0),
                                        order=("min", "max", "self"),  # (min, max: one formula)
                                        arg_names=("self", "min", "max"), layout=_ELEMENTWISE)
op("clamp_min_tensor", "ClampMinBackward1", lambda a, min: K.clamp(a, min, None),
                                        lambda xp, g, a, min, out: xp.where(a >= min, g, 0),
                                        lambda xp, g, a, min, out: xp.where(a < min, g, 0),
                                        arg_names=("self", "min"),
                                        layout=_ELEMENTWISE)
op("clamp_max_tensor", "ClampMaxBackward1", lambda a, max: K.clamp(a, None, max),
                                        lambda xp, g, a, max, out: xp.where(a <= max, g, 0),
                                        lambda xp, g, a, max, out: xp.where(a > max, g, 0),
                                        arg_names=("self", "max"),
                                        layout=_ELEMENTWISE)
op("maximum",  "MaximumBackward0",     lambda a, b: np.maximum(b, a),
                                        lambda xp, g, a, b, out: xp.masked_fill(xp.where(a == b, g / 2, g), a < b, 0),
                                        lambda xp, g, a, b, out: xp.masked_fill(xp.where(a == b, g / 2, g), a > b, 0),
                                        layout=_ELEMENTWISE)
op("minimum",  "MinimumBackward0",     lambda a, b: np.minimum(b, a),
                                        lambda xp, g, a, b, out: xp.masked_fill(xp.where(a == b, g / 2, g), a > b, 0),
                                        lambda xp, g, a, b, out: xp.masked_fill(xp.where(a == b, g / 2, g), a < b, 0),
                                        layout=_ELEMENTWISE)
op("where",    "WhereBackward0",       lambda a, b, condition: K.elementwise_layout(np.where(condition, a, b),
                                                                                   [condition, a, b]),
                                        lambda xp, g, a, b, out, condition: xp.where(condition, g, 0),
                                        lambda xp, g, a, b, out, condition: xp.where(condition, 0, g),
                                        saved_params=("condition",))  # (its forward lays it out: the condition first)
op("masked_fill", "MaskedFillBackward0", lambda a, mask, value: np.where(mask, value, a).astype(a.dtype),
                                        lambda xp, g, a, out, mask, value: xp.masked_fill(g, mask, 0),
                                        saved_params=("mask",), kind="same", layout="contiguous")
op("masked_fill_tensor", "MaskedFillBackward1", lambda a, v, mask: np.where(mask, v, a).astype(a.dtype),
                                        lambda xp, g, a, v, out, mask: xp.masked_fill(g, mask, 0),
                                        lambda xp, g, a, v, out, mask: xp.sum(xp.masked_select(g, mask)),
                                        saved_params=("mask",), kind="same", arg_names=("self", "value"), layout="contiguous")
# --- reductions -------------------------------------------------------------------------------------
op("sum",      "SumBackward0",         K.torch_sum,
                                        lambda xp, g, a, out: xp.expand(g, a.shape), kind="sum",
                                        options=("self_sym_sizes",))
op("sum_dim",  "SumBackward1",         K.torch_sum_dim,
                                        lambda xp, g, a, out, dim, keepdim: _sum_backward(xp, g, a.shape, dim, keepdim),
                                        kind="sum", layout="contiguous", options=("dim", "keepdim", "self_sym_sizes"))
op("mean",     "MeanBackward0",        K.torch_mean,
                                        lambda xp, g, a, out: _mean_backward(xp, g, a.shape, None, False),
                                        options=("self_sym_numel", "self_sym_sizes"))
op("mean_dim", "MeanBackward1",        K.torch_mean_dim,
                                        lambda xp, g, a, out, dim, keepdim: _mean_backward(xp, g, a.shape, dim, keepdim),
                                        layout="contiguous",
                                        options=("dim", "keepdim", "self_sym_numel", "self_sym_sizes"))
op("max",      "MaxBackward1",         lambda a: a.max(),
                                        lambda xp, g, a, out: _evenly_distribute(xp, g, a, out),
                                        kind="same")
op("min",      "MinBackward1",         lambda a: a.min(),
                                        lambda xp, g, a, out: _evenly_distribute(xp, g, a, out),
                                        kind="same")
op("median",   "MedianBackward0",      K.median,
                                        lambda xp, g, a, out: _evenly_distribute(xp, g, a, out),
                                        kind="same", refuse=R.no_bool("median_cpu"))
op("median_dim", "MedianBackward1",    lambda a, dim, keepdim, indices: K.along(a, dim, keepdim, indices),
                                        lambda xp, g, a, out, dim, keepdim, indices: _scatter_back(xp, g, a.shape, dim, indices, keepdim),
                                        saved_params=("indices",), kind="same", layout="contiguous",
                                        refuse=R.no_bool("median_out"), options=("dim", "keepdim", "self_sym_sizes"))
op("kthvalue_dim", "KthvalueBackward0",   lambda a, dim, keepdim, indices: K.along(a, dim, keepdim, indices),
                                        lambda xp, g, a, out, dim, keepdim, indices: _scatter_back(xp, g, a.shape, dim, indices, keepdim),
                                        saved_params=("indices",), kind="same", layout="contiguous",
                                        options=("dim", "keepdim", "self_sym_sizes"))
# cummax / cummin: the running extreme along dim; each value's gradient goes back to where it came from
op("cummax",   "CummaxBackward0",      lambda a, dim, indices: K.take_along(a, indices, dim),
                                        lambda xp, g, a, out, dim, indices: _cummaxmin_backward(xp, g, a.shape, dim, indices),
                                        saves=("self", "indices"), kind="same", layout="contiguous", options=("dim",))
op("cummin",   "CumminBackward0",      lambda a, dim, indices: K.take_along(a, indices, dim),
                                        lambda xp, g, a, out, dim, indices: _cummaxmin_backward(xp, g, a.shape, dim, indices),
                                        saves=("self", "indices"), kind="same", layout="contiguous", options=("dim",))
# nansum: the sum with nan counted as 0 (dim=(): all dims), whose gradient is 0 at the nans
op("nansum",   "NansumBackward0",      lambda a, dim, keepdim: K.nansum(a, dim, keepdim),
                                        lambda xp, g, a, out, dim, keepdim: _sum_backward(xp, g, a.shape, dim or None, keepdim)
                                        * ~xp.isnan(a),
                                        kind="sum", layout="contiguous",
                                        options=(("dim", lambda dim: dim or None), "keepdim"))
op("max_dim",  "MaxBackward0",         lambda a, dim, keepdim, indices: K.along(a, dim, keepdim, indices),
                                        lambda xp, g, a, out, dim, keepdim, indices: _scatter_back(xp, g, a.shape, dim, indices, keepdim),
                                        saved_params=("indices",), kind="same", layout="contiguous",
                                        options=("dim", "keepdim", "self_sym_sizes"))
op("min_dim",  "MinBackward0",         lambda a, dim, keepdim, indices: K.along(a, dim, keepdim, indices),
                                        lambda xp, g, a, out, dim, keepdim, indices: _scatter_back(xp, g, a.shape, dim, indices, keepdim),
                                        saved_params=("indices",), kind="same", layout="contiguous",
                                        options=("dim", "keepdim", "self_sym_sizes"))
# amax / amin over dim (() for all dims): ties share the gradient evenly, unlike max(dim)'s one index
op("amax",     "AmaxBackward0",        lambda a, dim, keepdim: K.first_extreme(a, dim, keepdim, np.argmax),
                                        lambda xp, g, a, out, dim, keepdim: _scale_grad_by_count(xp, g, a, out, dim, keepdim),
                                        saved_params=("dim", "keepdim"), kind="same", layout="contiguous")
op("amin",     "AminBackward0",        lambda a, dim, keepdim: K.first_extreme(a, dim, keepdim, np.argmin),
                                        lambda xp, g, a, out, dim, keepdim: _scale_grad_by_count(xp, g, a, out, dim, keepdim),
                                        saved_params=("dim", "keepdim"), kind="same", layout="contiguous")
op("norm",     "LinalgVectorNormBackward0", lambda a, p, dim, keepdim: K.norm(a, float(p), dim, keepdim),
                                        lambda xp, g, a, out, p, dim, keepdim: _norm_backward(xp, g, a, out, float(p), dim, keepdim),
                                        kind="float", layout="contiguous", node_base=_MaybeUndefinedNode,
                                        options=(("ord", lambda p: p), "dim", "keepdim"))
op("var",      "VarBackward0",         lambda a, dim, correction, keepdim: K.var(a, dim, 1 if correction is None else correction, keepdim),
                                        lambda xp, g, a, out, dim, correction, keepdim: _var_backward(xp, g, a, dim, correction, keepdim),
                                        kind="float", layout="contiguous", options=("correction", "dim", "keepdim"))
op("std",      "StdBackward0",         lambda a, dim, correction, keepdim: K.var(a, dim, 1 if correction is None else correction,
                                                                                  keepdim, take_sqrt=True),
                                        lambda xp, g, a, out, dim, correction, keepdim: _var_backward(
                                            xp, xp.masked_fill_(g / (out * 2), out == 0, 0), a, dim, correction, keepdim),
                                        kind="float", layout="contiguous", options=("correction", "dim", "keepdim"))
# std_mean / var_mean: both from one pass, one node of two outputs (_Pieces: its rule gets both gradients)
for _name in ("std", "var"):
    op(f"{_name}_mean", f"{_name.capitalize()}MeanBackward0",
                                        lambda a, dim, correction, keepdim, _root=_name == "std":
                                            K.quiet(K.var_mean)(a, dim, 1 if correction is None else correction,
                                                                keepdim, take_sqrt=_root),
                                        lambda xp, gs, a, out, dim, correction, keepdim, _root=_name == "std":
                                            _var_mean_backward(xp, gs, a, out[0], dim, correction, keepdim, _root),
                                        kind="float", node_base=_Pieces, options=("correction", "dim", "keepdim"))
op("prod",     "ProdBackward0",        lambda a: np.asarray(a.prod()),
                                        lambda xp, g, a, out: _prod_backward(xp, g, a, out, None, False),
                                        kind="sum")
op("prod_dim", "ProdBackward1",        lambda a, dim, keepdim: a.prod(axis=dim, keepdims=keepdim),
                                        lambda xp, g, a, out, dim, keepdim: _prod_backward(xp, g, a, out, dim, keepdim),
                                        kind="sum", layout="contiguous", options=("dim", "keepdim"))
op("logsumexp", "LogsumexpBackward0",  K.logsumexp,
                                        lambda xp, g, a, out, dim, keepdim: _unsqueeze_dims(xp, g, dim, a.ndim, keepdim)
                                        * xp.exp(a - _unsqueeze_dims(xp, out, dim, a.ndim, keepdim)),
                                        kind="float", layout="contiguous", options=("dim", "keepdim"))
op("softmax",  "SoftmaxBackward0",     K.softmax,
                                        lambda xp, g, a, out, dim: xp.softmax_backward_data(g, out, dim),
                                        kind="same", layout="contiguous", options=("dim",))
op("log_softmax", "LogSoftmaxBackward0", K.log_softmax,
                                        lambda xp, g, a, out, dim: xp.log_softmax_backward_data(g, out, dim),
                                        kind="same", layout="contiguous", options=("dim",))
op("cumsum",   "CumsumBackward0",      lambda a, dim: K.in_float64(np.cumsum)(a, axis=dim).reshape(a.shape),  # double accumulator, as ATen on CPU
                                        lambda xp, g, a, out, dim: g if _numel(g) <= 1 or g.shape[dim] == 1 else  # (PyTorch's trivial case)
                                        xp.flip(xp.cumsum(xp.flip(g, (dim,)), dim), (dim,)),
                                        kind="sum", layout="contiguous", options=("dim",))
op("cumprod",  "CumprodBackward0",     K.cumprod,
                                        lambda xp, g, a, out, dim: _cumprod_backward(xp, g, a, out, dim),
                                        saved_params=("dim",), kind="sum", layout="contiguous")
op("trace",    "TraceBackward0",       K.trace,
                                        lambda xp, g, a, out: _trace_backward(xp, g, a.shape), kind="sum",
                                        options=("self_sym_sizes",))
# --- linear algebra ------------------------------------------------------------------------------------
op("mm",       "MmBackward0",          K.mm,
                                        lambda xp, g, a, b, out: _mm_mat1_backward(xp, g, a, b),
                                        lambda xp, g, a, b, out: _mm_mat2_backward(xp, g, a, b),
                                        # (a rule reads its own input's layout only: each matrix is saved
                                        # for the other's gradient, as PyTorch saves it)
                                        saves=("self", "mat2"), needs={"self": (1,), "mat2": (0,)},
                                        arg_names=("self", "mat2"), refuse=R.no_bool("addmm_impl_cpu_", unless_empty=True),
                                        options=("self_sym_sizes", "self_sym_strides", "mat2_sym_sizes", "mat2_sym_strides"))
op("addmm",    "AddmmBackward0",       K.addmm,
                                        lambda xp, g, bias, m1, m2, out: g,
                                        lambda xp, g, bias, m1, m2, out: _mm_mat1_backward(xp, g, m1, m2),
                                        lambda xp, g, bias, m1, m2, out: _mm_mat2_backward(xp, g, m1, m2),
                                        saves=("mat1", "mat2"), needs={"mat1": (2,), "mat2": (1,)},  # (as mm's)
                                        arg_names=("self", "mat1", "mat2"),
                                        options=(("alpha", lambda: 1), ("beta", lambda: 1), *_MAT1_MAT2_LAYOUTS))
op("addmm_scaled", "AddmmBackward0",   lambda bias, m1, m2, beta, alpha: K.addmm_scaled(bias, m1, m2, beta, alpha),
                                        lambda xp, g, bias, m1, m2, out, beta, alpha: g if beta == 1 else g * beta,
                                        lambda xp, g, bias, m1, m2, out, beta, alpha: _mm_mat1_backward(xp, g, m1, m2) * alpha,
                                        lambda xp, g, bias, m1, m2, out, beta, alpha: _mm_mat2_backward(xp, g, m1, m2) * alpha,
                                        saves=("mat1", "mat2"), needs={"mat1": (2,), "mat2": (1,)},  # (as mm's)
                                        arg_names=("self", "mat1", "mat2"),
                                        options=("alpha", "beta", *_MAT1_MAT2_LAYOUTS))
# inverse: out = A^-1 (LAPACK's LU solve against the identity, numpy's; MKL's, in torch, rounds
# otherwise: values agree to a few ulps); d/dA = -out^T g out^T (real matrices: mH is the transpose)
op("linalg_inv", "LinalgInvExBackward0", K.quiet(K.inverse),
                                        lambda xp, g, a, out: _inverse_backward(xp, g, out),
                                        saves=("result",), kind="same", arg_names=("A",))
# cdist: the p-norm distances between the rows of x1 and those of x2 (PyTorch's _cdist_forward; its
# gradient is a kernel of its own, which PyTorch does not differentiate again)
op("cdist",    "CdistBackward0",       K.cdist,
                                        lambda xp, g, x1, x2, out, p: xp.row("cdist_backward", g, x1, x2, out, p=p),
                                        lambda xp, g, x1, x2, out, p: xp.row("cdist_backward", xp.transpose(g, -1, -2), x2, x1,
                                                                             xp.transpose(out, -1, -2), p=p),
                                        saves=("x1", "x2", "result"), arg_names=("x1", "x2"), options=("p",))
op("cdist_backward", "CdistBackwardBackward0", lambda g, x1, x2, dist, p: K.cdist_backward(g, x1, x2, p, dist),
                                        *[R.derivative_not_implemented("_cdist_backward")] * 4,
                                        arg_names=("grad", "x1", "x2", "cdist"), node_base=_NotImplemented)
# the Euclidean distances by one matrix product (cdist of more than 25 rows, p = 2)
op("euclidean_dist", "EuclideanDistBackward0", K.euclidean_dist,
                                        lambda xp, g, x1, x2, out: _euclidean_dist_backward(xp, g, x1, x2, out, "x1"),
                                        lambda xp, g, x1, x2, out: _euclidean_dist_backward(xp, g, x1, x2, out, "x2"),
                                        arg_names=("x1", "x2"))
# cross products of 3-vectors along dim: out = a x b, d/da = b x g, d/db = g x a
op("linalg_cross", "LinalgCrossBackward0", lambda a, b, dim: K.cross(a, b, dim),
                                        lambda xp, g, a, b, out, dim: xp.cross(b, g, dim),
                                        lambda xp, g, a, b, out, dim: xp.cross(g, a, dim),
                                        arg_names=("self", "other"), layout="contiguous", options=("dim",))
op("mv",       "MvBackward0",          K.mv,
                                        lambda xp, g, a, b, out: xp.outer(g, b),
                                        lambda xp, g, a, b, out: xp.mv(xp.t(a), g),
                                        arg_names=("self", "vec"), refuse=R.no_bool("addmv_impl_cpu", unless_empty=True))
# addcmul / addcdiv: out = self + value * tensor1 * tensor2 (/ tensor2)
op("addcmul",  "AddcmulBackward0",     lambda a, t1, t2, value: K.addcmul(a, t1, t2, value),
                                        lambda xp, g, a, t1, t2, out, value: g,
                                        lambda xp, g, a, t1, t2, out, value: g * (t2 * value),
                                        lambda xp, g, a, t1, t2, out, value: g * (t1 * value),
                                        arg_names=("self", "tensor1", "tensor2"), layout=_ELEMENTWISE,
                                        options=("value",))
op("addcdiv",  "AddcdivBackward0",     lambda a, t1, t2, value: K.addcdiv(a, t1, t2, value),
                                        lambda xp, g, a, t1, t2, out, value: g,
                                        lambda xp, g, a, t1, t2, out, value: g * (value / t2),
                                        lambda xp, g, a, t1, t2, out, value: _addcdiv_tensor2_backward(g, t1, t2, value),
                                        arg_names=("self", "tensor1", "tensor2"), layout=_ELEMENTWISE,
                                        options=("value",))
# dist: the p-norm of a - b
op("dist",     "DistBackward0",        lambda a, b, p: K.norm(a - b, float(p), None, False),  # (p: the number given)
                                        lambda xp, g, a, b, out, p: _norm_backward(xp, g, a - b, out, float(p), None, False),
                                        lambda xp, g, a, b, out, p: _negated(_norm_backward(xp, g, a - b, out, float(p), None, False)),
                                        saved_params=("p",), kind="float", node_base=_MaybeUndefinedNode)
op("dot",      "DotBackward0",         K.dot,
                                        lambda xp, g, a, b, out: g * b,
                                        lambda xp, g, a, b, out: g * a,
                                        arg_names=("self", "tensor"), refuse=R.no_bool("dot"))
op("bmm",      "BmmBackward0",         K.bmm,  # (static graphs: a batch times one matrix too)
                                        lambda xp, g, a, b, out: xp.bmm(g, xp.transpose(b, b.ndim - 2, b.ndim - 1)),
                                        lambda xp, g, a, b, out: xp.bmm(xp.transpose(a, a.ndim - 2, a.ndim - 1), g),
                                        kind="same", arg_names=("self", "mat2"),  # (one dtype: F.bmm checks it)
                                        refuse=R.no_bool("bmm", unless_empty=True))
# --- shapes and views (no arithmetic: the gradient is moved back where the value came from) ----------
op("t",        "TBackward0",           lambda a: a.T,                         lambda xp, g, a, out: xp.t(g), kind="same")
op("transpose", "TransposeBackward0",  lambda a, dim0, dim1: np.swapaxes(a, dim0, dim1) if a.ndim else a.view(),
                                        lambda xp, g, a, out, dim0, dim1: xp.transpose(g, dim0, dim1) if g.ndim else g,
                                        kind="same", options=("dim0", "dim1"))
op("permute",  "PermuteBackward0",     lambda a, dims: np.transpose(a, dims),
                                        lambda xp, g, a, out, dims: xp.permute(g, tuple(np.argsort(dims))), kind="same",
                                        options=("dims",))
op("view",     "ViewBackward0",        K.viewed,
                                        lambda xp, g, a, out, shape: xp.reshape(g, a.shape), kind="same",
                                        options=("self_sym_sizes",))
op("unsafe_view", "UnsafeViewBackward0", lambda a, shape: a.reshape(shape),
                                        lambda xp, g, a, out, shape: xp.reshape(g, a.shape), kind="same",
                                        options=("self_sym_sizes",))
# reshape of a non-contiguous tensor that can still be a view (PyTorch's _reshape_alias)
op("reshape_alias", "ReshapeAliasBackward0", K.viewed,
                                        lambda xp, g, a, out, shape: xp.reshape(g, a.shape), kind="same",
                                        options=("self_sym_sizes",))
op("squeeze",  "SqueezeBackward0",     lambda a, dims: a.squeeze(axis=dims),
                                        lambda xp, g, a, out, dims: _unsqueeze_to(xp, g, dims), kind="same",
                                        options=("self_sym_sizes",))
op("squeeze_dim", "SqueezeBackward1",  lambda a, dims: a.squeeze(axis=dims),
                                        lambda xp, g, a, out, dims: _unsqueeze_to(xp, g, dims), kind="same",
                                        options=(("dim", lambda dims: dims[0]), "self_sym_sizes"))
op("squeeze_", "SqueezeBackward4",     lambda a, dims: a.squeeze(axis=dims),
                                        lambda xp, g, a, out, dims: _unsqueeze_to(xp, g, dims), kind="same",
                                        options=(("dim", lambda dims: dims[0]), "self_sym_sizes"))
op("unsqueeze", "UnsqueezeBackward0",  K.unsqueezed,
                                        lambda xp, g, a, out, dim: xp.squeeze(g, dim), kind="same", options=("dim",))
op("expand",   "ExpandBackward0",      lambda a, shape: K.expanded(a, shape),  # (the engine sums g back; at::sum_to
                                        lambda xp, g, a, out, shape: g if a.shape else xp.sum(g),  # sums to () always)
                                        kind="same", options=("self_sym_sizes",))
op("clone",    "CloneBackward0",       lambda a, contiguous=False: np.copy(a, order="K" if K.dense(a) and not contiguous else "C"),
                                        lambda xp, g, a, out, contiguous=False: g, kind="same")  # (K: a's layout)
op("alias",    "AliasBackward0",       lambda a: a.view(),                    lambda xp, g, a, out: g, kind="same")
op("to",       "ToCopyBackward0",      lambda a, dtype: a.astype(dtype, order="K" if K.dense(a) else "C"),
                                        lambda xp, g, a, out, dtype: g, kind="same")  # (the engine casts it back)
op("select",   "SelectBackward0",      lambda a, dim, index: a[K.at_dim(dim, index)],
                                        lambda xp, g, a, out, dim, index: xp.select_backward(g, a.shape, dim, index),
                                        kind="same", options=("dim", "index", "self_sym_sizes"))
op("slice",    "SliceBackward0",       lambda a, dim, index: a[K.at_dim(dim, index)],
                                        lambda xp, g, a, out, dim, index: xp.slice_backward(g, a.shape, dim, index),
                                        kind="same", options=("dim", *_SLICE_BOUNDS, "self_sym_sizes"))
# the pieces of unbind / split / chunk: views, the outputs of one node (_Pieces); its rule gets gs,
# the pieces' gradients (self_sym_sizes, the input's shape, is a param only to be saved, as PyTorch saves it)
op("unbind",   "UnbindBackward0",      lambda a, dim: K.unbound(a, dim),
                                        lambda xp, gs, a, out, dim: _unbind_backward(xp, gs, dim),
                                        saved_params=("dim",), kind="same", node_base=_Pieces)
op("split",    "SplitBackward0",       lambda a, split_size, dim, self_sym_sizes:
                                            K.pieces(a, dim, K.split_sizes(a.shape[dim], split_size)),
                                        lambda xp, gs, a, out, split_size, dim, self_sym_sizes: _split_with_sizes_backward(
                                            xp, gs, K.split_sizes(self_sym_sizes[dim], split_size), dim, self_sym_sizes),
                                        saved_params=("dim", "self_sym_sizes", "split_size"), kind="same", node_base=_Pieces)
op("split_with_sizes", "SplitWithSizesBackward0", lambda a, split_sizes, dim, self_sym_sizes: K.pieces(a, dim, split_sizes),
                                        lambda xp, gs, a, out, split_sizes, dim, self_sym_sizes:
                                            _split_with_sizes_backward(xp, gs, split_sizes, dim, self_sym_sizes),
                                        saved_params=("dim", "self_sym_sizes", "split_sizes"), kind="same", node_base=_Pieces)
op("index",    "IndexBackward0",       lambda a, indices: K.indexed(a, indices),
                                        lambda xp, g, a, out, indices: xp.index_put_accumulate(xp.zeros(a.shape, g), indices, g),
                                        saved_params=("indices",), kind="same", options=("self_sym_sizes",))
op("cat",      "CatBackward0",         K.cat,
                                        lambda xp, i, g, args, out, dim: _cat_backward(xp, i, g, args, dim),
                                        variadic=True, arg_names=("tensors",), layout="contiguous", options=("dim",))
op("stack",    "StackBackward0",       lambda *arrays, dim: np.stack(arrays, axis=dim),
                                        lambda xp, i, g, args, out, dim: xp.select(g, dim, i),
                                        variadic=True, arg_names=("tensors",), layout="contiguous", options=("dim",))
op("repeat",   "RepeatBackward0",      lambda a, repeats: np.tile(a, repeats),
                                        lambda xp, g, a, out, repeats: _repeat_backward(xp, g, a.shape, repeats),
                                        kind="same", layout="contiguous", options=("repeats", "self_sym_sizes"))
op("roll",     "RollBackward0",        lambda a, shifts, dims: K.roll(a, shifts, dims),
                                        lambda xp, g, a, out, shifts, dims: xp.roll(g, tuple(-s for s in reversed(shifts)), dims[::-1]),
                                        kind="same", layout="contiguous", options=("dims", "shifts"))
op("rot90",    "Rot90Backward0",       lambda a, k, dims: K.rot90(a, k, dims),
                                        lambda xp, g, a, out, k, dims: xp.rot90(g, -k, dims), kind="same",
                                        options=("dims", "k"))
op("flip",     "FlipBackward0",        K.flipped,
                                        lambda xp, g, a, out, dims: xp.flip(g, dims), kind="same", options=("dims",))
# diagonals over dims dim1 and dim2 (of matrices: 0 and 1), moved last; offset > 0 above the main
# one. torch.diagonal is a view; torch.diag of a vector is diag_embed, of a matrix diagonal_copy
op("diag_embed", "DiagEmbedBackward0", lambda a, offset: np.diag(a, offset),
                                        lambda xp, g, a, out, offset: xp.diagonal(g, offset, -2, -1), kind="same",
                                        layout="contiguous",
                                        options=(("dim1", lambda: -2), ("dim2", lambda: -1), "offset"))
op("diagonal_copy", "DiagonalBackward0_copy", lambda a, offset: np.diagonal(a, offset).copy(),
                                        lambda xp, g, a, out, offset: xp.diagonal_backward(g, a.shape, offset, 0, 1),
                                        kind="same", layout="contiguous",
                                        options=(("dim1", lambda: 0), ("dim2", lambda: 1), "offset", "self_sym_sizes"))
op("diagonal", "DiagonalBackward0",    K.diagonal_view,
                                        lambda xp, g, a, out, offset, dim1, dim2: xp.diagonal_backward(g, a.shape, offset, dim1, dim2),
                                        kind="same", options=("dim1", "dim2", "offset", "self_sym_sizes"))
op("tril",     "TrilBackward0",        lambda a, diagonal: np.tril(a, diagonal),
                                        lambda xp, g, a, out, diagonal: xp.tril(g, diagonal), kind="same",
                                        options=("diagonal",))
op("triu",     "TriuBackward0",        lambda a, diagonal: np.triu(a, diagonal),
                                        lambda xp, g, a, out, diagonal: xp.triu(g, diagonal), kind="same",
                                        options=("diagonal",))
# picking elements along a dim by index: the gradient goes back where each value came from
op("sort",     "SortBackward0",        lambda a, dim, indices: K.like(a, K.take_along(a, indices, dim)),
                                        lambda xp, g, a, out, dim, indices: _scatter_back(xp, g, a.shape, dim, indices, True),
                                        saved_params=("indices",), kind="same", options=("dim", "self_sym_sizes"))
op("topk",     "TopkBackward0",        lambda a, dim, indices: K.take_along(a, indices, dim),
                                        lambda xp, g, a, out, dim, indices: _scatter_back(xp, g, a.shape, dim, indices, True),
                                        saved_params=("indices",), kind="same", options=("dim", "self_sym_sizes"))
op("gather",   "GatherBackward0",      lambda a, dim, index: K.take_along(a, index, dim),
                                        lambda xp, g, a, out, dim, index: xp.scatter_add(xp.zeros(a.shape, g), dim, index, g)
                                        if a.ndim else g,
                                        saves=("self", "index"), kind="same",
                                        options=("dim", ("sparse_grad", lambda: False)))  # (PyTorch's, self for its sizes)
op("scatter",  "ScatterBackward0",     K.scatter,
                                        lambda xp, g, a, src, out, dim, index: xp.row("scatter_value", g, dim=dim, index=index, value=0),
                                        lambda xp, g, a, src, out, dim, index: _gather_into_src(xp, g, dim, index, src.shape, "Scatter"),
                                        saved_params=("dim", "index"), kind="same", arg_names=("self", "src"))
op("scatter_value", "ScatterBackward1", lambda a, dim, index, value: K.scatter(a, np.asarray(value, a.dtype), dim, index),
                                        lambda xp, g, a, out, dim, index, value: xp.row("scatter_value", g, dim=dim, index=index, value=0),
                                        saved_params=("dim", "index"), kind="same")
op("scatter_add", "ScatterAddBackward0", K.scatter_add,
                                        lambda xp, g, a, src, out, dim, index: g,
                                        lambda xp, g, a, src, out, dim, index: _gather_into_src(xp, g, dim, index, src.shape, "ScatterAdd"),
                                        saved_params=("dim", "index"), kind="same", arg_names=("self", "src"))
op("index_fill", "IndexFillBackward1", K.index_fill,
                                        lambda xp, g, a, value, out, dim, index: xp.index_fill(g, dim, index, xp.zeros((), g)),
                                        lambda xp, g, a, value, out, dim, index: xp.sum(xp.index(g, K.at_dim(dim, index))),
                                        saved_params=("index",), kind="same", arg_names=("self", "value"),
                                        options=("dim",))
op("index_select", "IndexSelectBackward0", lambda a, dim, index: K.index_select(a, dim, index),
                                        lambda xp, g, a, out, dim, index: xp.index_add(xp.zeros(a.shape, g), dim, index, g),
                                        saved_params=("index",), kind="same", layout="contiguous",
                                        options=("dim", "self_sym_sizes"))
# index_add: out = self with alpha * source's slices added at index along dim
op("index_add", "IndexAddBackward0",   lambda a, src, dim, index, alpha=1: K.index_add(a, src, dim, index, alpha),
                                        lambda xp, g, a, src, out, dim, index, alpha=1: g,
                                        lambda xp, g, a, src, out, dim, index, alpha=1: _index_add_source_backward(
                                            xp, g, src.shape, dim, index, alpha),
                                        saves=("dim", "index", "source"), needs={"source": (1,)}, arg_names=("self", "source"),
                                        options=("alpha", "source_dim"))  # (self and source: one dtype, checked by index_add)
op("take",     "TakeBackward0",        lambda a, index: K.take_flat(a, index),
                                        lambda xp, g, a, out, index: xp.put(xp.zeros(a.shape, g), index, g, True),
                                        saves=("self", "index"), kind="same")  # (self for its sizes)
op("put",      "PutBackward0",         lambda a, src, index, accumulate: K.put_flat(a, index, src, accumulate),
                                        lambda xp, g, a, src, out, index, accumulate:
                                            g if accumulate else xp.put(g, index, xp.zeros(src.shape, g), False),
                                        lambda xp, g, a, src, out, index, accumulate: xp.reshape(xp.take(g, index), src.shape),
                                        saves=("index", "source"), needs={"source": (1,)}, kind="same",
                                        arg_names=("self", "source"), options=("accumulate",))
op("masked_scatter", "MaskedScatterBackward0", lambda a, src, mask: K.masked_scatter(a, mask, src),
                                        lambda xp, g, a, src, out, mask: xp.masked_fill(g, mask, 0),
                                        lambda xp, g, a, src, out, mask: _masked_scatter_backward(xp, g, mask, src.shape),
                                        saved_params=("mask",), kind="same", arg_names=("self", "source"),
                                        options=("source_sym_sizes",))
op("masked_select", "MaskedSelectBackward0", K.masked_select,
                                        lambda xp, g, a, out, mask: _masked_select_backward(xp, g, a.shape, mask),
                                        saves=("self", "mask"), kind="same")  # (PyTorch's, self for its sizes)
# --- in-place writes into a tensor that is part of a graph (the old value is the first input) --------
op("copy_",    "CopyBackwards",        lambda a, b: np.broadcast_to(b, a.shape).astype(a.dtype),
                                        lambda xp, g, a, b, out: xp.zeros_like(g),
                                        lambda xp, g, a, b, out: xp.to(g, b.dtype),  # (CopyBackwards casts, then the engine sums)
                                        kind="same", order=("self", "other"))  # (other: src)
op("zero_",    "ZeroBackward0",        lambda a: np.zeros_like(a),            lambda xp, g, a, out: xp.zeros_like(g),
                                        kind="same")
op("fill_",    "FillBackward2",        lambda a, value: np.full_like(a, value),
                                        lambda xp, g, a, out, value: xp.zeros_like(g), kind="same")
op("fill_tensor", "FillBackward3",     lambda a, value: np.full_like(a, value),  # fill_(0-dim tensor)
                                        lambda xp, g, a, v, out: xp.zeros_like(g),
                                        lambda xp, g, a, v, out: xp.sum(g), kind="same",
                                        arg_names=("self", "value"))
# index_put: x[tensor index] = b, or += b (accumulate: a repeated index adds each time)
op("index_put", "IndexPutBackward0",   lambda a, b, indices, accumulate=False:
                                            K.index_put_accumulate(a, b, indices) if accumulate else K.put(a, indices, b),
                                        lambda xp, g, a, b, out, indices, accumulate=False:
                                            g if accumulate else xp.index_put(g, indices, xp.zeros(b.shape, g)),
                                        lambda xp, g, a, b, out, indices, accumulate=False: xp.index(g, indices), kind="same",
                                        saved_params=("indices",), refuse=R.index_put_dtypes, order=("self", "other"),  # (values)
                                        options=("accumulate",))
op("index_put_impl", "IndexPutImplBackward0", lambda a, b, indices: K.index_put_accumulate(a, b, indices),
                                        lambda xp, g, a, b, out, indices: g,
                                        lambda xp, g, a, b, out, indices: xp.index(g, indices), kind="same",
                                        saved_params=("indices",), order=("self", "other"),
                                        options=(("accumulate", lambda: True),))  # (other: values)
# a view's history after an in-place op on its base (or on another view of it): the view read out
# of the base's new value; positions: the flat index in the base of each element of the view (size,
# stride, storage_offset: the view's geometry, as PyTorch shows it)
op("as_strided", "AsStridedBackward0",  lambda a, positions, size, stride, storage_offset: a.reshape(-1)[positions],
                                        lambda xp, g, a, out, positions, size, stride, storage_offset:
                                            xp.as_strided_backward(g, a.shape, positions),
                                        kind="same", options=("size", "stride", "storage_offset"))
# the base's history after an in-place op on one of its views (its backward is CopySlices's own)
op("copy_slices", "CopySlices",        None, kind="same", node_base=CopySlices)
# --- piecewise constant: the gradient is zero almost everywhere --------------------------------------
op("div_rounding", "DivBackward2",     lambda a, b, rounding_mode: K.div_rounding(a, b, rounding_mode),
                                        lambda xp, g, a, b, out, rounding_mode: xp.zeros_like(g),
                                        lambda xp, g, a, b, out, rounding_mode: xp.zeros_like(g),
                                        saves=("self", "other"), layout=_ELEMENTWISE,
                                        needs={"self": (1,)},
                                        options=("rounding_mode",))  # (PyTorch saves what div's rule reads)
# // and %: PyTorch has no derivative for floor_divide (nor for number % tensor): a NotImplemented node
op("floor_divide", "NotImplemented",   K.quiet(np.floor_divide), R.no_derivative("floor_divide"),
                                        R.no_derivative("floor_divide"), layout=_ELEMENTWISE, node_base=_NotImplemented)
op("remainder", "RemainderBackward0",  K.remainder, lambda xp, g, a, out, other: g,
                                        scalars=("other",))
op("remainder_tensor", "RemainderBackward1", K.remainder,
                                        lambda xp, g, a, b, out: g,
                                        lambda xp, g, a, b, out: _neg_times(g, xp.floor_divide(a, b)),
                                        layout=_ELEMENTWISE)
op("fmod",     "FmodBackward0",        K.quiet(lambda a, other: np.fmod(a, other)), lambda xp, g, a, out, other: g,
                                        scalars=("other",))
op("fmod_tensor", "FmodBackward1",     K.quiet(np.fmod),
                                        lambda xp, g, a, b, out: g,
                                        lambda xp, g, a, b, out: _neg_times(g, xp.row("div_rounding", a, b, rounding_mode="trunc")),
                                        layout=_ELEMENTWISE)
op("rremainder", "NotImplemented",     lambda a, other: K.remainder(other, a), R.no_derivative("remainder"),
                                        scalars=("other",), node_base=_NotImplemented)
op("floor",    "FloorBackward0",       np.floor, lambda xp, g, a, out: xp.zeros_like(g), kind="same",
                                        refuse=R.no_bool("floor_vml_cpu"))
op("ceil",     "CeilBackward0",        np.ceil, lambda xp, g, a, out: xp.zeros_like(g), kind="same",
                                        refuse=R.no_bool("ceil_vml_cpu"))
op("trunc",    "TruncBackward0",       np.trunc, lambda xp, g, a, out: xp.zeros_like(g), kind="same",
                                        refuse=R.no_bool("trunc_vml_cpu"))
op("frac",     "FracBackward0",        K.frac, lambda xp, g, a, out: g, kind="same",
                                        refuse=R.not_floating("frac_cpu"))
op("round",    "RoundBackward0",       np.round, lambda xp, g, a, out: xp.zeros_like(g), kind="same",
                                        refuse=R.no_bool("round_vml_cpu"))
op("round_decimals", "RoundBackward1",  K.round_decimals, lambda xp, g, a, out, decimals: xp.zeros_like(g),
                                        kind="same")
# --- nn losses (`reduction`: "mean", "sum" or "none") ---------------------------------------------------
op("mse_loss", "MseLossBackward0",     lambda a, b, reduction: K.reduce((a - b) ** 2, reduction),
                                        lambda xp, g, a, b, out, reduction: xp.mse_loss_backward(g, a, b, reduction),
                                        lambda xp, g, a, b, out, reduction: xp.mse_loss_backward(g, b, a, reduction),
                                        arg_names=("self", "target"), options=("reduction",))
op("smooth_l1_loss", "SmoothL1LossBackward0", lambda a, b, reduction, beta: K.reduce(K.smooth_l1(a, b, beta), reduction),
                                        lambda xp, g, a, b, out, **p: xp.smooth_l1_loss_backward(g, a, b, **p),
                                        lambda xp, g, a, b, out, **p: xp.smooth_l1_loss_backward(g, b, a, **p),
                                        arg_names=("self", "target"), options=("reduction", "beta"))
op("huber_loss", "HuberLossBackward0", lambda a, b, reduction, delta: K.reduce(K.huber(a, b, delta), reduction),
                                        lambda xp, g, a, b, out, **p: xp.huber_loss_backward(g, a, b, **p),
                                        lambda xp, g, a, b, out, **p: xp.huber_loss_backward(g, b, a, **p),
                                        kind="self", arg_names=("self", "target"), options=("reduction", "delta"))
op("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0", K.bce_logits,
                                        lambda xp, g, x, t, out, **p: _bce_with_logits_backward(xp, g, x, t, **p),
                                        lambda xp, g, x, t, out, **p: _bce_with_logits_target_backward(xp, g, x, t, **p),
                                        saved_params=("weight", "pos_weight"), kind="float",
                                        arg_names=("self", "target"), options=("reduction",))
op("binary_cross_entropy", "BinaryCrossEntropyBackward0", K.bce,
                                        lambda xp, g, x, t, out, weight, reduction: xp.binary_cross_entropy_backward(g, x, t, weight, reduction),
                                        lambda xp, g, x, t, out, weight, reduction: _bce_target_backward(xp, g, x, weight, reduction),
                                        saves=("self", "target", "weight"), kind="float",  # (PyTorch's, always)
                                        arg_names=("self", "target"), options=("reduction",))
op("nll_loss", "NllLossBackward0",     K.nll,
                                        lambda xp, g, a, out, **p: xp.nll_loss_backward(g, a, **p),
                                        saved_params=("target", "weight", "total_weight"), kind="same",
                                        arg_names=("self",), options=("ignore_index", "reduction"))
# nll_loss2d: nll_loss of (N, C, H, W) log-probabilities against an (N, H, W) target, the class dim 1
op("nll_loss2d", "NllLoss2DBackward0", K.nll_2d,
                                        lambda xp, g, a, out, **p: xp.row("nll_loss2d_backward", g, a, **p),
                                        saved_params=("target", "weight", "total_weight"), kind="same",
                                        arg_names=("self",), options=("ignore_index", "reduction"))
# embedding: out = weight[indices], rows of a (num_weights, dim) weight; its gradient adds g's rows
# back into the rows they came from (none into padding_idx's; scale_grad_by_freq divides by the count)
op("embedding", "EmbeddingBackward0",  lambda w, indices, padding_idx, scale_grad_by_freq: w[indices],
                                        lambda xp, g, w, out, indices, padding_idx, scale_grad_by_freq: xp.row(
                                            "embedding_dense_backward", g, indices=indices, num_weights=w.shape[0],
                                            padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq),
                                        saved_params=("indices", "padding_idx", "scale_grad_by_freq"), kind="same",
                                        arg_names=("weight",),
                                        options=(("sparse", lambda: False), "weight_sym_argsize_0"))
# --- a number in a derivative formula: ATen's Scalar overloads (g * 2 is mul.Scalar) ------------------
op("mul_scalar", "MulBackward1",       lambda a, other: a * other,
                                        lambda xp, g, a, out, other: g * other, scalars=("other",),
                                        options=("other",), arg_names=("self",))
op("div_scalar", "DivBackward1",       K.zeros_as_memory(lambda a, other: a / other),  # (div.Scalar has no ZeroTensor kernel)
                                        lambda xp, g, a, out, other: xp.div_scalar(g, other), kind="float",
                                        scalars=("other",), options=("other",), arg_names=("self",))
op("add_scalar", "AddBackward1",       lambda a, other, alpha=1: a + alpha * other,
                                        lambda xp, g, a, out, other, alpha=1: g, scalars=("other",))
op("sub_scalar", "SubBackward1",       lambda a, other, alpha=1: a - alpha * other,
                                        lambda xp, g, a, out, other, alpha=1: g, scalars=("other",))
# --- the derivatives' own ops: what the rules above record under create_graph, with their rules ------
op("tanh_backward", "TanhBackwardBackward0", K.tanh_backward,
                                        lambda xp, g, go, o, out: xp.tanh_backward(g, o),
                                        lambda xp, g, go, o, out: g * (-2 * o * go),
                                        arg_names=("grad_output", "output"))
op("sigmoid_backward", "SigmoidBackwardBackward0", K.sigmoid_backward,
                                        lambda xp, g, go, o, out: xp.sigmoid_backward(g, o),
                                        lambda xp, g, go, o, out: g * go * (-2 * o + 1),
                                        arg_names=("grad_output", "output"))
op("threshold_backward", "ThresholdBackwardBackward0", K.threshold_backward,
                                        lambda xp, g, go, a, out, threshold: xp.threshold_backward(g, a, threshold),
                                        lambda xp, g, go, a, out, threshold: xp.zeros_like(g),
                                        arg_names=("grad_output", "self"), options=("threshold",))
op("softmax_backward_data", "SoftmaxBackwardDataBackward0", K.softmax_backward_data,
                                        lambda xp, g, go, o, out, dim: xp.softmax_backward_data(g, o, dim),
                                        lambda xp, g, go, o, out, dim: go * g - xp.sum(o * go, dim, True) * g
                                        - go * xp.sum(o * g, dim, True),
                                        arg_names=("grad_output", "output"), options=("dim",))
op("log_softmax_backward_data", "LogSoftmaxBackwardDataBackward0", K.log_softmax_backward_data,
                                        lambda xp, g, go, o, out, dim: g - xp.sum(g * xp.exp(o), dim, True),
                                        lambda xp, g, go, o, out, dim: -xp.sum(go, dim, True) * xp.exp(o) * g,
                                        arg_names=("grad_output", "output"), options=("dim",))
op("leaky_relu_backward", "LeakyReluBackwardBackward0", K.leaky_relu_backward,
                                        lambda xp, g, go, a, out, negative_slope: xp.leaky_relu_backward(g, a, negative_slope),
                                        lambda xp, g, go, a, out, negative_slope: xp.zeros_like(g),
                                        arg_names=("grad_output", "self"), options=("negative_slope",))
op("gelu_backward", "GeluBackwardBackward0", K.gelu_backward,
                                        lambda xp, g, go, a, out, approximate: xp.gelu_backward(g, a, approximate),
                                        lambda xp, g, go, a, out, approximate: _gelu_double_backward(xp, g, go, a, approximate),
                                        arg_names=("grad_output", "self"), options=("approximate",))
# (is_result: a is elu_'s result; d/da of the gradient is 0 at a = 0 in PyTorch's elu_double_backward)
op("elu_backward", "EluBackwardBackward0", lambda go, a, alpha, scale=1, input_scale=1, is_result=False:
                                            K.elu_backward(go, a, alpha, scale, input_scale, is_result),
                                        lambda xp, g, go, a, out, alpha, scale=1, input_scale=1, is_result=False:
                                            xp.elu_backward(g, a, alpha, scale, input_scale, is_result),
                                        lambda xp, g, go, a, out, alpha, scale=1, input_scale=1, is_result=False:
                                            g * go * float(input_scale) * (a < 0) if is_result else
                                            xp.elu_backward(g * go * float(input_scale), a, alpha, scale, input_scale) * (a < 0),
                                        arg_names=("grad_output", "self_or_result"), options=("alpha", "scale", "input_scale", "is_result"))
op("hardswish_backward", "HardswishBackwardBackward0", K.hardswish_backward,
                                        lambda xp, g, go, a, out: xp.row("hardswish_backward", g, a),
                                        lambda xp, g, go, a, out: xp.where((a > -3.0) & (a < 3.0), g * go / 3.0,
                                                                           xp.zeros_like(g)),
                                        arg_names=("grad_output", "self"))
op("hardsigmoid_backward", "NotImplemented", K.hardsigmoid_backward, R.no_derivative("hardsigmoid_backward"),
                                        R.no_derivative("hardsigmoid_backward"), arg_names=("grad_output", "self"),
                                        node_base=_NotImplemented)
# _prelu_kernel_backward: PyTorch's one node of two outputs (the gradients of self and of weight), a
# row per output here, as batch norm's; the weight's gradient has self's shape (the engine sums it)
op("prelu_backward_self", "PreluKernelBackwardBackward0", lambda go, a, w: np.where(a > 0, go, w * go),
                                        lambda xp, g, go, a, w, out: xp.where(a >= 0, g, g * w),
                                        lambda xp, g, go, a, w, out: xp.zeros_like(a),
                                        lambda xp, g, go, a, w, out: xp.where(a >= 0, xp.zeros((), go), go * g),
                                        arg_names=("grad_output", "self", "weight"))
op("prelu_backward_weight", "PreluKernelBackwardBackward0", lambda go, a, w: np.where(a > 0, 0, a * go).astype(go.dtype),
                                        lambda xp, g, go, a, w, out: xp.where(a >= 0, xp.zeros((), go), g * a),
                                        lambda xp, g, go, a, w, out: xp.where(a >= 0, xp.zeros((), a), go * g),
                                        lambda xp, g, go, a, w, out: xp.zeros_like(a),
                                        arg_names=("grad_output", "self", "weight"))
op("softplus_backward", "SoftplusBackwardBackward0", K.softplus_backward,
                                        lambda xp, g, go, a, out, beta, threshold: xp.softplus_backward(g, a, beta, threshold),
                                        lambda xp, g, go, a, out, beta, threshold: xp.sigmoid_backward(
                                            g * go, xp.sigmoid(a * beta)) * (a * beta < threshold) * beta,
                                        arg_names=("grad_output", "self"), options=("beta", "threshold"))
op("hardtanh_backward", "HardtanhBackwardBackward0", K.hardtanh_backward,
                                        lambda xp, g, go, a, out, min_val, max_val: xp.hardtanh_backward(g, a, min_val, max_val),
                                        lambda xp, g, go, a, out, min_val, max_val: xp.zeros_like(g),
                                        arg_names=("grad_output", "self"), options=("min_val", "max_val"))
op("log_sigmoid_backward", "LogSigmoidBackwardBackward0", K.log_sigmoid_backward,
                                        lambda xp, g, go, a, out: xp.log_sigmoid_backward(g, a),
                                        lambda xp, g, go, a, out: _log_sigmoid_double_backward(xp, g * go, a),
                                        arg_names=("grad_output", "self"))
op("mse_loss_backward", "MseLossBackwardBackward0", K.mse_loss_backward,
                                        lambda xp, g, go, a, b, out, reduction: xp.mse_loss_backward(g, a, b, reduction),
                                        lambda xp, g, go, a, b, out, reduction: _mse_loss_double_backward(g * go, a, reduction),
                                        lambda xp, g, go, a, b, out, reduction: -_mse_loss_double_backward(g * go, b, reduction),
                                        kind="self", arg_names=("grad_output", "self", "target"),
                                        options=("reduction",))
op("smooth_l1_loss_backward", "SmoothL1LossBackwardBackward0", K.smooth_l1_loss_backward,
                                        lambda xp, g, go, a, b, out, **p: _loss_backward_grad_output(xp, xp.smooth_l1_loss_backward, g, go, a, b, **p),
                                        lambda xp, g, go, a, b, out, **p: _smooth_l1_loss_double_backward(xp, g * go, a, b, **p),
                                        lambda xp, g, go, a, b, out, **p: -_smooth_l1_loss_double_backward(xp, g * go, a, b, **p),
                                        kind="self", arg_names=("grad_output", "self", "target"),
                                        options=("beta", "reduction"))
op("huber_loss_backward", "HuberLossBackwardBackward0", K.huber_loss_backward,
                                        lambda xp, g, go, a, b, out, **p: _loss_backward_grad_output(xp, xp.huber_loss_backward, g, go, a, b, **p),
                                        lambda xp, g, go, a, b, out, **p: _huber_loss_double_backward(xp, g * go, a, b, **p),
                                        lambda xp, g, go, a, b, out, **p: -_huber_loss_double_backward(xp, g * go, a, b, **p),
                                        kind="self", arg_names=("grad_output", "self", "target"),
                                        options=("delta", "reduction"))
op("binary_cross_entropy_backward", "BinaryCrossEntropyBackwardBackward0", K.binary_cross_entropy_backward,
                                        lambda xp, g, go, x, t, out, weight, reduction: _bce_backward_grad_output(xp, g, x, t, weight, reduction),
                                        lambda xp, g, go, x, t, out, weight, reduction: _bce_backward_self(xp, g, go, x, t, weight, reduction),
                                        lambda xp, g, go, x, t, out, weight, reduction: _bce_backward_target(xp, g, go, x, weight, reduction),
                                        saved_params=("weight",), arg_names=("grad_output", "self", "target"),
                                        options=("reduction",))
op("nll_loss_backward", "NllLossBackwardBackward0", K.nll_backward,
                                        lambda xp, g, go, a, out, **p: xp.nll_loss(g, **p),
                                        lambda xp, g, go, a, out, **p: xp.zeros_like(g),
                                        saved_params=("target", "weight"),  # (total_weight: not saved, as torch's)
                                        arg_names=("grad_output", "self"), options=("ignore_index", "reduction"))
op("nll_loss2d_backward", "NllLoss2DBackwardBackward0", K.nll_2d_backward,
                                        lambda xp, g, go, a, out, **p: xp.row("nll_loss2d", g, **p),
                                        lambda xp, g, go, a, out, **p: xp.zeros_like(g),
                                        saved_params=("target", "weight"),  # (total_weight: not saved, as torch's)
                                        arg_names=("grad_output", "self"), options=("ignore_index", "reduction"))
op("diagonal_backward", "DiagonalBackwardBackward0", K.diagonal_backward,
                                        lambda xp, g, go, out, shape, offset, dim1, dim2: xp.diagonal(g, offset, dim1, dim2),
                                        arg_names=("grad_output",), options=("dim1", "dim2", "offset"))
op("embedding_dense_backward", "EmbeddingDenseBackwardBackward0", K.embedding_dense_backward,
                                        lambda xp, g, go, out, indices, num_weights, padding_idx, scale_grad_by_freq:
                                            _embedding_double_backward(xp, g, indices, padding_idx),
                                        saved_params=("indices",), arg_names=("grad_output",), options=("padding_idx",))
op("select_backward", "SelectBackwardBackward0", K.select_backward,
                                        lambda xp, g, go, out, shape, dim, index: xp.select(g, dim, index),
                                        arg_names=("grad_output",), options=("dim", "index"))
op("slice_backward", "SliceBackwardBackward0", K.slice_backward,
                                        lambda xp, g, go, out, shape, dim, index: xp.slice(g, dim, index),
                                        arg_names=("grad_output",), options=("dim", *_SLICE_BOUNDS))
# --- convolution: ATen's convolution (1-, 2-, 3-D; transposed too) and, what its gradient is under
# create_graph, convolution_backward (one node per gradient here, PyTorch's one node gives all three);
# kernels in _conv_kernels (CK) -----------------------------------------------------------------------
op("convolution", "ConvolutionBackward0", CK.convolution,
                                        lambda xp, g, x, w, b, out, **p: xp.convolution_backward(g, x, w, 0, p),
                                        lambda xp, g, x, w, b, out, **p: xp.convolution_backward(g, x, w, 1, p),
                                        lambda xp, g, x, w, b, out, **p: xp.convolution_backward(g, x, w, 2, p),
                                        saves=("input", "weight", "bias_sym_sizes_opt", "stride", "padding",
                                               "dilation", "transposed", "output_padding", "groups"),
                                        kind="same", arg_names=("input", "weight", "bias"), order=("input", "weight", "bias"))
op("convolution_backward", "ConvolutionBackwardBackward0", CK.convolution_backward,
                                        lambda xp, gg, go, x, w, out, output, **p: _conv_double_backward_grad_output(xp, gg, go, x, w, output, p),
                                        lambda xp, gg, go, x, w, out, output, **p: _conv_double_backward_input(xp, gg, go, x, output, p),
                                        lambda xp, gg, go, x, w, out, output, **p: _conv_double_backward_weight(xp, gg, go, w, output, p),
                                        saves=("grad_output", "input", "weight", "stride", "padding", "dilation",
                                               "transposed", "output_padding", "groups"),
                                        kind="same", arg_names=("grad_output", "input", "weight"),
                                        node_base=_MaybeUndefinedNode)
# (padding="same" with an even kernel pads the input's right side by one first: F.pad's op)
op("constant_pad_nd", "ConstantPadNdBackward0", CK.constant_pad_nd,
                                        lambda xp, g, a, out, pad, value: xp.constant_pad_nd(g, tuple(-p for p in pad)),
                                        saved_params=("pad",), kind="same")
# --- pooling and normalisation (the pooling ops take (N, C, H, W) or (C, H, W); kernel_size, stride,
# padding, dilation are pairs, stride () meaning the kernel size, as PyTorch saves them) ------------------
op("max_pool2d_with_indices", "MaxPool2DWithIndicesBackward0", lambda a, result1, **p: P.take_pooled(a, result1),
                                        lambda xp, g, a, out, result1, **p: xp.row(
                                            "max_pool2d_with_indices_backward", g, a, indices=result1, **p),
                                        saves=("self", "result1") + _POOL_PARAMS, kind="same")  # (result1: the indices)
op("max_pool2d_with_indices_backward", "MaxPool2DWithIndicesBackwardBackward0",
                                        lambda go, a, indices, **p: P.max_pool2d_backward(go, a.shape, indices),
                                        lambda xp, g, go, a, out, indices, **p: _max_pool_double_backward(xp, g, indices),
                                        lambda xp, g, go, a, out, indices, **p: xp.zeros_like(a),
                                        saves=("indices",), arg_names=("grad_output", "self"))  # (PyTorch's)
op("avg_pool2d", "AvgPool2DBackward0", P.avg_pool2d,
                                        lambda xp, g, a, out, **p: xp.row("avg_pool2d_backward", g, a, **p),
                                        saves=("self",) + _AVG_POOL_PARAMS, kind="same")
op("avg_pool2d_backward", "AvgPool2DBackwardBackward0", lambda go, a, **p: P.avg_pool2d_backward(go, a.shape, **p),
                                        lambda xp, g, go, a, out, **p: xp.row("avg_pool2d", g, **p),
                                        lambda xp, g, go, a, out, **p: xp.zeros_like(a),
                                        saves=_AVG_POOL_PARAMS, arg_names=("grad_output", "self"))
op("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", P.adaptive_avg_pool2d,
                                        lambda xp, g, a, out, output_size: xp.row(
                                            "adaptive_avg_pool2d_backward", g, a, grad_output_sym_argsize_minus_2=g.shape[-2],
                                            grad_output_sym_argsize_minus_1=g.shape[-1]),
                                        saves=("self",), kind="same")
# (the sizes of grad_output are params only to be saved, as PyTorch saves them)
op("adaptive_avg_pool2d_backward", "AdaptiveAvgPool2DBackwardBackward0",
                                        lambda go, a, **sizes: P.adaptive_avg_pool2d_backward(go, a.shape),
                                        lambda xp, g, go, a, out, **sizes: xp.row("adaptive_avg_pool2d", g, output_size=go.shape[-2:]),
                                        lambda xp, g, go, a, out, **sizes: xp.zeros_like(a),
                                        saves=("grad_output_sym_argsize_minus_2", "grad_output_sym_argsize_minus_1"),
                                        arg_names=("grad_output", "self"))
# batch norm: out = (x - mean) * invstd * weight + bias per channel; training: the batch's mean and
# invstd (result1, result2, computed with the running statistics' update before the op), else the
# running ones. Its backward is one node of three outputs in PyTorch; here a row per output
op("native_batch_norm", "NativeBatchNormBackward0", P.batch_norm,
                                        lambda xp, g, x, w, b, out, **p: _batch_norm_backward(xp, "input", g, x, w, p),
                                        lambda xp, g, x, w, b, out, **p: _batch_norm_backward(xp, "weight", g, x, w, p),
                                        lambda xp, g, x, w, b, out, **p: _batch_norm_backward(xp, "bias", g, x, w, p),
                                        saves=("input", "weight", "running_mean", "running_var", "result1", "result2",
                                               "eps", "training"),
                                        kind="same", arg_names=("input", "weight", "bias"), order=("input", "weight", "bias"))
_BN_BACKWARD_ARGS = ("grad_out", "input", "weight", "save_mean", "save_invstd")
for _which in ("input", "weight", "bias"):
    op("native_batch_norm_backward_" + _which, "NativeBatchNormBackwardBackward0",
                                        getattr(P, "batch_norm_backward_" + _which),
                                        *((lambda xp, g, *a, _of=_which, _wrt=wrt, **p:
                                           _batch_norm_double_backward(_of, _wrt, xp, g, *a, **p))
                                          for wrt in ("grad_out", "input", "weight")),
                                        R.no_derivative("native_batch_norm_backward save_mean"),
                                        R.no_derivative("native_batch_norm_backward save_invstd"),
                                        saves=("grad_out", "input", "weight", "running_mean", "running_var",
                                               "save_mean", "save_invstd", "eps", "train"),
                                        arg_names=_BN_BACKWARD_ARGS, order=_BN_BACKWARD_ARGS)  # (one formula)


# layer norm: out = (x - mean) * rstd * weight + bias, mean and rstd (result1, result2, computed before
# the op) per row of the last len(normalized_shape) dims; weight and bias of the normalized shape.
# Its backward is one node of three outputs in PyTorch; here a row per output, as batch norm's
op("native_layer_norm", "NativeLayerNormBackward0", lambda x, w, b, normalized_shape, eps, result1, result2:
                                            K.layer_norm(x, w, b, result1, result2, eps, normalized_shape),
                                        lambda xp, g, x, w, b, out, **p: _layer_norm_backward(xp, "input", g, x, w, b, p),
                                        lambda xp, g, x, w, b, out, **p: _layer_norm_backward(xp, "weight", g, x, w, b, p),
                                        lambda xp, g, x, w, b, out, **p: _layer_norm_backward(xp, "bias", g, x, w, b, p),
                                        saves=("input", "normalized_shape", "result1", "result2", "weight", "bias"),
                                        kind="same", arg_names=("input", "weight", "bias"),
                                        order=("input", "weight", "bias"))
_LN_BACKWARD_ARGS = ("grad_out", "input", "mean", "rstd", "weight", "bias")
for _which in ("input", "weight", "bias"):
    op("native_layer_norm_backward_" + _which, "NativeLayerNormBackwardBackward0",
                                        lambda go, x, mean, rstd, w, b, normalized_shape, eps, _of=_which:
                                            getattr(K, "layer_norm_backward_" + _of)(go, x, mean, rstd, w, normalized_shape),
                                        *((lambda xp, G, *a, _of=_which, _wrt=wrt, **p:
                                           _layer_norm_double_backward(_of, _wrt, xp, G, *a, **p))
                                          for wrt in ("grad_out", "input")),
                                        R.no_derivative("native_layer_norm_backward mean"),
                                        R.no_derivative("native_layer_norm_backward rstd"),
                                        lambda xp, G, *a, _of=_which, **p:
                                            _layer_norm_double_backward(_of, "weight", xp, G, *a, **p),
                                        lambda xp, G, *a, **p: None,  # (PyTorch's formula for bias: undefined)
                                        saves=("grad_out", "input", "weight", "mean", "rstd", "normalized_shape"),
                                        arg_names=_LN_BACKWARD_ARGS, order=_LN_BACKWARD_ARGS,  # (one formula)
                                        node_base=_MaybeUndefinedNode)

# =====================================================================================================
# The rules that need more than a line (PyTorch's FunctionsManual.cpp, each under the name it has there)
# =====================================================================================================
def _numel(a):
    return int(np.prod(a.shape))


def _neg_times(g, x):
    """-g * x, ATen's -grad * x: x is computed first (GCC evaluates the right operand of ATen's
    operator* first), and under create_graph the order the nodes are made in is the order a later
    backward adds its sums in."""
    return -g * x


def _scaled_times(scale, g, x):
    """scale * g * x, ATen's scale * grad * x: x first (see _neg_times)."""
    return scale * g * x


def _pow_backward(xp, g, a, exponent):
    """pow_backward: g * exponent * a ** (exponent - 1), and 0 for an exponent of 0 (a number
    exponent False is not 0 there: Scalar::equal tells a bool from a number)."""
    if exponent == 0 and exponent is not False:
        return xp.zeros_like(a)
    if not isinstance(exponent, complex):  # (ATen's exponent.toDouble(): a double graph's nodes save, 3.0)
        exponent = float(exponent)
    return g * (exponent * xp.pow(a, exponent - 1))


@K.quiet
def _pow_backward_self(xp, g, a, b, bool_exponent, exponent_dtype):
    """pow_backward_self: where(exponent == 0, 0, g * exponent * a ** (exponent - 1)); with a bool
    exponent PyTorch's exponent - 1 refuses."""
    R.bool_exponent_subtraction(bool_exponent)
    return xp.where(b == 0, 0., g * (b * xp.pow(a, K.exponent_minus_one(b, exponent_dtype))))


@K.quiet
def _pow_backward_exponent(xp, g, a, b, out):
    """pow_backward_exponent: d(a ** b)/db = a ** b * log(a), defined as 0 where a == 0 and b >= 0."""
    return g * xp.where(xp.logical_and(a == 0, b >= 0), 0., out * xp.log(a))


@K.quiet
def _rpow_backward(xp, g, base, exponent, out):
    """pow_backward_exponent for a number base: g * base ** x * log(base) (log(base) a Scalar).
    PyTorch 2.13 cannot read back a saved bool base (True ** x): its backward fails an internal
    assert, which is what a student sees."""
    if isinstance(base, bool):
        raise RuntimeError('false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/c10/core/Scalar.cpp":42, '
                           "please report a bug to PyTorch. unknown ivalue tag 4")
    log_base = float(np.log(base))
    if base == 0:
        return g * xp.where(exponent >= 0, 0., out * log_base)
    return g * (out * log_base)


_LN2, _LN10 = 0.6931471805599453, 2.3025850929940456  # (ATen's M_LN2, M_LN10)


def _times_one_over(d, g):
    """g * 1 / d, ATen's grad * 1 / d: d is computed first (GCC evaluates the right operand of
    ATen's operator/ first; see _neg_times), which numbers the nodes a create_graph backward makes"""
    return g * 1 / d


def _logit_backward(xp, g, a, eps):
    """d logit / da = 1 / (a (1 - a)) inside [eps, 1 - eps] (eps None: [0, 1]), 0 outside (eps None:
    nan): ATen's logit_backward kernel, or under create_graph its infinitely_differentiable_logit_backward,
    the same as a where of ops that have derivatives"""
    if not xp.builds_graph:
        return xp.logit_backward(g, a, eps)
    lo, hi = (0, 1) if eps is None else (eps, 1 - eps)
    return xp.where(xp.logical_and(a >= lo, a <= hi), g / (a * (1 - a)), math.nan if eps is None else 0.0)


def _copysign_backward(xp, g, a, out):
    """copysign_tensor_self_backward: g (out / a), the ratio 0 where a is 0"""
    return g * xp.masked_fill(out / a, a == 0, 0)


def _atan2_reciprocal(xp, a, b):
    """atan2_backward's 1 / (a^2 + b^2), 0 where both are 0"""
    denom = a * a + b * b
    return xp.masked_fill(xp.reciprocal(denom), denom == 0, 0)


def _embedding_double_backward(xp, g, indices, padding_idx):
    """embedding_dense_double_backward: the rows of g the indices name, 0 for padding_idx's, shaped as
    indices plus the embedding dim"""
    rows = xp.index(g, (indices.reshape(-1),))
    if padding_idx >= 0:
        rows = xp.masked_fill(rows, (indices == padding_idx).reshape(-1, 1), 0)
    return xp.reshape(rows, indices.shape + (-1,))


def _inside(xp, a, min, max):
    """clamp's mask: where the input passes through (min <= a <= max; a missing bound is no bound)"""
    if min is None:
        return a <= max
    if max is None:
        return a >= min
    return xp.logical_and(a >= min, a <= max)


def _below_min(xp, a, min, max):
    """clamp_backward_min_max: min gets the gradient where a < min, unless min is above max"""
    return a < min if max is None else xp.logical_and(a < min, min < max)


def _above_max(xp, a, min, max):
    """... and max where a > max, or where max is below min"""
    return a > max if min is None else xp.logical_or(a > max, max < min)


def _unsqueeze_dims(xp, g, dim, ndim, keepdim):
    """g with the dims a reduction over `dim` removed put back as size 1 (unsqueeze_multiple): one
    unsqueeze per dim; nothing to do for a full reduction (g is 0-d) or keepdim."""
    if keepdim or dim is None or not ndim or type(dim) is EveryDim:
        return g
    for d in sorted(dim):
        g = xp.unsqueeze(g, d)
    return g


def _sum_backward(xp, g, shape, dim, keepdim):
    """sum_backward: g expanded back over the dims summed away (a view: expand)"""
    return xp.expand(_unsqueeze_dims(xp, g, dim, len(shape), keepdim), shape)


def _unsqueeze_to(xp, g, dims):
    """unsqueeze_to: the size-1 dims squeeze removed, put back"""
    for d in sorted(dims):
        g = xp.unsqueeze(g, d)
    return g


def _evenly_distribute(xp, g, a, out):
    """evenly_distribute_backward: the gradient of max() / min() shared equally by the elements
    equal to the result (by the nans, when the result is nan)."""
    mask = xp.isnan(a) if bool(xp.isnan(out)) else a == out
    return xp.masked_fill(xp.zeros(a.shape, g), mask, g / xp.divisor(xp.sum(mask), g))


def _scale_grad_by_count(xp, g, a, out, dim, keepdim):
    """scale_grad_by_count (amax / amin): (g / count) * mask, mask = (a == the result), count = the
    mask's sum over dim: the gradient shared evenly by the elements equal to the result."""
    dims = dim or tuple(range(a.ndim))
    g, out = _restore_reduced_dims(xp, g, dim, a.shape, keepdim), _restore_reduced_dims(xp, out, dim, a.shape, keepdim)
    mask = out == a
    return (g / xp.divisor(xp.sum(mask, dims, True), g)) * mask


def _restore_reduced_dims(xp, g, dim, shape, keepdim):
    """restore_reduced_dims: g reshaped with the dims a reduction over dim removed put back as size 1
    (a reshape even of a full reduction's 0-d g: ATen's)"""
    if keepdim:
        return g
    return xp.reshape(g, tuple(1 if d in dim else n for d, n in enumerate(shape)) if dim else ())


def _scatter_back(xp, g, shape, dim, indices, keepdim):
    """value_selecting_reduction_backward: g scattered into zeros at the indices the values came from
    (a 0-dim tensor's too: under create_graph its gradient is a new tensor, not g itself)"""
    if not keepdim and shape:
        g = xp.unsqueeze(g, dim)
    if not shape:  # (a 0-dim tensor's index is 0-dim too, as PyTorch saves it: src's shape)
        indices = indices.reshape(())
    return xp.scatter(xp.zeros(shape, g), dim, indices, g)


def _addcdiv_tensor2_backward(g, t1, t2, value):
    """-g (t1 value) / (t2 t2), its nodes made in ATen's order (GCC evaluates the right operand of
    each operator first: see _neg_times)"""
    square = t2 * t2
    return _neg_times(g, (t1 * value) / square)


def _negated(g):
    """-g; of an undefined gradient (None: p = 0's norm), ATen's refusal"""
    if g is None:
        raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor in C++) for argument #0 'self'")
    return -g


def _cummaxmin_backward(xp, g, shape, dim, indices):
    """cummaxmin_backward: g added up into zeros at the indices the values came from"""
    if not shape:
        return g
    return xp.scatter_add(xp.zeros(shape, g), dim, indices, g)


def _norm_backward(xp, g, a, out, p, dim, keepdim):
    """norm_backward, p by p: d ||a||_p / d a = sgn(a) |a|**(p-1) / ||a||**(p-1); where the norm is
    0 the scale is 0. p = 0 (a count of the nonzero elements) has none: undefined, None."""
    if p == 0:
        return None
    if not keepdim and a.ndim and dim is not None:
        g, out = _unsqueeze_dims(xp, g, dim, a.ndim, False), _unsqueeze_dims(xp, out, dim, a.ndim, False)
    if p == 1:
        return xp.sgn(a) * g
    if p == 2:
        return g * xp.masked_fill(a / out, out == 0, 0)
    if abs(p) == float("inf"):
        mask = xp.logical_or(xp.abs(a) == out, xp.isnan(a))
        count = xp.divisor(xp.sum(mask, dim if dim is not None else tuple(range(a.ndim)), True), g)
        scaled = (g / count) * mask  # (before sgn: see _neg_times)
        return xp.sgn(a) * scaled
    if p < 1:
        scaled = xp.sgn(a) * xp.masked_fill(xp.pow(xp.abs(a), p - 1), a == 0, 0)
        return scaled * g * xp.pow(out, 1 - p)
    scaled = xp.sgn(a) * xp.pow(xp.abs(a), p - 1) if p < 2 else a * xp.pow(xp.abs(a), p - 2)
    return scaled * xp.masked_fill(g / xp.pow(out, p - 1), out == 0, 0)


def _leaky_relu_backward_of_result(xp, g, out, negative_slope):
    """leaky_relu_'s gradient from its result: refused, as PyTorch refuses it, for a negative slope,
    which flips the result's sign"""
    if negative_slope < 0:
        raise RuntimeError("In-place leakyReLu backward calculation is triggered with a negative slope which is "
                           "not supported. This is caused by calling in-place forward function with a negative "
                           "slope, please call out-of-place version instead. File an issue at "
                           "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
                           "backward calculation with negative slope")
    return xp.leaky_relu_backward(g, out, negative_slope)


def _elu_backward_of_result(xp, g, out, alpha, scale, input_scale):
    """elu_'s gradient from its result (elu_backward with is_result): refused, as PyTorch refuses it,
    for a negative alpha, where the result does not tell the input"""
    if alpha < 0:
        raise RuntimeError("In-place elu backward calculation is triggered with a negative slope which is not "
                           "supported. This is caused by calling in-place forward function with a negative "
                           "slope, please call out-of-place version instead.")
    return xp.elu_backward(g, out, alpha, scale, input_scale, True)


@K.quiet
def _var_backward(xp, g, a, dim, correction, keepdim):
    """var_backward: d var / d a_i = 2 (a_i - mean) / (N - correction) (None: none given, 1)"""
    correction = 1 if correction is None else correction
    if dim is None or a.ndim == 0:
        dof = _numel(a) - correction
        if dof <= 0:  # 2 / 0 times 0 is nan where a_i is the mean, else infinity (even for a nan a_i)
            return g * xp.where(a == xp.mean(a), float("nan"), float("inf"))
        return _scaled_times(2.0 / dof, g, a - xp.mean(a))
    if not keepdim and a.ndim > 1:
        g = _unsqueeze_dims(xp, g, dim, a.ndim, False)
    # (PyTorch's _safe_size counts dim=() as one element, not all: that gradient is infinite)
    dof = (1 if type(dim) is EveryDim and dim.given == () else K.count(a.shape, dim)) - correction
    return _scaled_times(2.0 / dof if dof else float("inf"), g, a - xp.mean(a, dim, True))


def _mean_backward(xp, g, shape, dim, keepdim):
    """mean_backward: g / n to each of the n elements averaged (n is ATen's Scalar there: div.Scalar,
    which reads an efficient zero g as plain zeros)"""
    if dim is None:
        return xp.div_scalar(xp.expand(g, shape), K.count(shape, None))
    return xp.div_scalar(_sum_backward(xp, g, shape, dim, keepdim), K.count(shape, dim))


def _var_mean_backward(xp, gs, a, spread, dim, correction, keepdim, root):
    """var_mean_backward / std_mean_backward: var's (or std's) gradient plus mean's"""
    g_spread, g_mean = gs
    total = None
    if g_spread is not None:
        if root:  # (std_backward: var's gradient of g / (2 std), 0 where std is 0)
            g_spread = xp.masked_fill_(g_spread / (spread * 2), spread == 0, 0)
        total = _var_backward(xp, g_spread, a, dim, correction, keepdim)
    if g_mean is not None:
        from_mean = _mean_backward(xp, g_mean, a.shape, dim, keepdim)
        total = from_mean if total is None else total + from_mean
    return total


def _euclidean_dist_backward(xp, g, x1, x2, dist, wrt):
    """_euclidean_dist_backward: with r = g / dist (0 where dist is 0), x1 r.sum(-1) - r x2 for x1
    and x2 r.sum(-2) - r^T x1 for x2 (PyTorch computes r once for both; here each input's rule its own)"""
    ratio = xp.masked_fill(g / dist, dist == 0, 0)
    if wrt == "x1":
        return x1 * xp.sum(ratio, -1, True) - xp.matmul(ratio, x2)
    return x2 * xp.unsqueeze(xp.sum(ratio, -2, False), -1) - xp.matmul(xp.transpose(ratio, -1, -2), x1)


def _inverse_backward(xp, g, inverse):
    """-inverse^T (g inverse^T): PyTorch's -matmul(inverse.mH(), matmul(grad, inverse.mH())), its
    operands made in C++'s order (right to left: the inner product first)"""
    inner = xp.matmul(g, xp.transpose(inverse, -2, -1))
    return -xp.matmul(xp.transpose(inverse, -2, -1), inner)


def _prod_backward(xp, g, a, out, dim, keepdim):
    """prod_backward: g * prod / a when no element is 0; with zeros, the product of the other
    elements (no division); a full product with two or more zeros has a zero gradient (outside
    create_graph)."""
    if a.ndim == 0:
        return g
    if dim is not None and not keepdim:
        g, out = xp.unsqueeze(g, dim), xp.unsqueeze(out, dim)
    zeros = xp.count_nonzero(a == 0)
    if not zeros:
        return g * (out / a)
    if dim is None:  # (prod_safe_zeros_backward over the input flattened, then viewed as it)
        if zeros > 1 and not xp.builds_graph:
            return xp.zeros(a.shape, g)
        flat = xp.reshape(a, (-1,))
        return xp.reshape(g if flat.shape[0] == 1 else g * _products_of_the_others(xp, flat, 0), a.shape)
    return g if a.shape[dim] == 1 else g * _products_of_the_others(xp, a, dim)


def _products_of_the_others(xp, a, dim):
    """prod_safe_zeros_backward's factor: for each element, the product of the others along dim, as
    the exclusive cumulative products from both ends multiplied (no division: zeros are safe)"""
    n = a.shape[dim]
    ones = xp.ones(a.shape[:dim] + (1,) + a.shape[dim + 1:], a)
    before = xp.cumprod(xp.cat([ones, xp.narrow(a, dim, 0, n - 1)], dim), dim)
    after = xp.cumprod(xp.cat([ones, xp.flip(xp.narrow(a, dim, 1, n - 1), (dim,))], dim), dim)
    return before * xp.flip(after, (dim,))


def _cumprod_backward(xp, g, a, out, dim):
    """cumprod_backward: d out_j / d a_k = prod_{i <= j, i != k} a_i for j >= k, so without zeros
    grad_k = sum_{j >= k} g_j out_j / a_k (a reversed cumsum). With zeros, after the first zero z the
    gradient is 0, before it the same sum cut at z, and at z the products that skip it (ATen's
    masks, K.cumprod_backward_with_zeros); under create_graph, PyTorch's O(n^2) loop instead: for
    each k, sum_j g_j (product up to k, exclusive) (cumprod after k), copied into row k of zeros."""
    n = a.shape[dim] if a.ndim else 1
    if _numel(a) <= 1 or n == 1:
        return g
    w = out * g
    if not xp.count_nonzero(a == 0):
        return xp.flip(xp.cumsum(xp.flip(w, (dim,)), dim), (dim,)) / a
    if not xp.builds_graph:
        return K.cumprod_backward_with_zeros(g, a, out, w, dim)
    ones = xp.ones(a.shape[:dim] + (1,) + a.shape[dim + 1:], g)
    grad_input = xp.zeros(a.shape, g)
    for k in range(n):
        if k == 0:
            others = xp.cat([ones, xp.cumprod(xp.slice(a, dim, slice(1, None)), dim)], dim)
        elif k == n - 1:
            others = xp.prod(xp.narrow(a, dim, 0, k), dim, True)
        else:
            until_k = xp.prod(xp.narrow(a, dim, 0, k), dim, True)
            from_k_plus_1 = xp.cumprod(xp.slice(a, dim, slice(k + 1, None)), dim)
            others = xp.cat([until_k, xp.expand(until_k, from_k_plus_1.shape) * from_k_plus_1], dim)
        xp.select(grad_input, dim, k).copy_(xp.sum(xp.slice(g, dim, slice(k, None)) * others, dim))
    return grad_input


def _cat_backward(xp, i, g, args, dim):
    """cat_tensors_backward: each input's slice of g (a 1-D empty input, which cat skipped: zeros)"""
    if K.skipped_by_cat(args[i]):
        return xp.zeros(args[i].shape, g)
    start = sum(a.shape[dim] for a in args[:i] if not K.skipped_by_cat(a))
    return xp.narrow(g, dim, start, args[i].shape[dim])


def _unbind_backward(xp, gs, dim):
    """unbind_backward: the pieces' gradients stacked along dim, zeros for a piece none reached"""
    some = next((g for g in gs if g is not None), None)
    if some is None:  # (no piece got a gradient: nor does the input)
        return None
    return xp.stack([xp.zeros(some.shape, some) if g is None else g for g in gs], dim)


def _split_with_sizes_backward(xp, gs, sizes, dim, shape):
    """split_with_sizes_backward: the pieces' gradients joined along dim, zeros for a piece none reached"""
    some = next((g for g in gs if g is not None), None)
    if some is None:
        return None
    return xp.cat([xp.zeros(shape[:dim] + (size,) + shape[dim + 1:], some) if g is None else g
                   for g, size in zip(gs, sizes)], dim)


def _gather_into_src(xp, g, dim, index, src_shape, name):
    """g.gather(dim, index): src's gradient, of index's shape -- which PyTorch's engine refuses when
    src is larger than index (its first elements only were written)"""
    if index.shape != src_shape:
        raise RuntimeError(f"Function {name}Backward0 returned an invalid gradient at index 1 - got "
                           f"{list(index.shape)} but expected shape compatible with {list(src_shape)}")
    return xp.gather(g, dim, index)


def _masked_select_backward(xp, g, shape, mask):
    """masked_select_backward: g written back where the (broadcast) mask is True, zeros elsewhere"""
    return xp.masked_scatter(xp.zeros(np.broadcast_shapes(shape, mask.shape), g), mask, g)


def _masked_scatter_backward(xp, g, mask, shape):
    """masked_scatter_backward: the elements of g where mask is True, in order, then zeros for the
    elements of source that were not written, in source's shape"""
    picked = xp.masked_select(g, mask)
    missing = int(np.prod(shape)) - int(np.count_nonzero(np.broadcast_to(mask, g.shape)))
    if missing > 0:
        picked = xp.cat([picked, xp.zeros((missing,), g)], 0)
    return xp.reshape(picked, shape)


def _index_add_source_backward(xp, g, shape, dim, index, alpha):
    """d/d(source) of index_add: g's slices at index, expanded to source's shape (0-d source: the one
    slice), times alpha"""
    picked = xp.index_select(g, dim, index.reshape(-1)) if len(shape) else xp.index_select(g, dim, index.reshape(()))
    picked = xp.expand(picked, shape) if len(shape) else picked
    return picked if alpha == 1 else picked * alpha


def _repeat_backward(xp, g, shape, repeats):
    """repeat_backward: g summed over the copies -- the new leading dims first, then g viewed as
    (repeat, size) pairs and summed over the repeats in one sum."""
    if 0 in repeats:
        return xp.zeros(shape, g)
    lead = len(repeats) - len(shape)
    for _ in range(lead):
        g = xp.sum(g, 0)
    sizes, dims = [], []
    for d, n in enumerate(shape):
        if repeats[lead + d] != 1:
            sizes.append(repeats[lead + d])
            dims.append(len(sizes) - 1)
        sizes.append(n)
    return xp.sum(xp.reshape(g, tuple(sizes)), tuple(dims)) if dims else g


def _trace_backward(xp, g, shape):
    """trace_backward: g on the diagonal of zeros (index_fill_ on the flattened matrix)"""
    rows, cols = shape
    flat = xp.index_fill(xp.zeros((rows * cols,), g), 0, np.arange(min(rows, cols)) * (cols + 1), g)
    return xp.reshape(flat, shape)


def _column_major(m):
    """mm's backward keeps a column-major input's gradient column-major (strides (1, rows))"""
    d = m if type(m) is np.ndarray else m._data
    return d.ndim == 2 and d.strides[0] == d.itemsize and d.strides[1] == d.shape[0] * d.itemsize


def _mm_mat1_backward(xp, g, mat1, mat2):
    """mm_mat1_backward: g @ mat2.T (as (mat2 @ g.T).T for a column-major mat1)"""
    if _column_major(mat1):
        return xp.t(xp.mm(mat2, xp.t(g)))
    return xp.mm(g, xp.t(mat2))


def _mm_mat2_backward(xp, g, mat1, mat2):
    """mm_mat2_backward: mat1.T @ g (as (g.T @ mat1).T for a column-major mat2)"""
    if _column_major(mat2):
        return xp.t(xp.mm(xp.t(g), mat1))
    return xp.mm(xp.t(mat1), g)


def _bce_with_logits_backward(xp, g, x, t, weight, pos_weight, reduction):
    """d/dx of -w [pw t log(sigmoid(x)) + (1 - t) log(1 - sigmoid(x))] = w [(pw t + 1 - t) sigmoid(x) - pw t]"""
    if pos_weight is not None:
        pw_t = xp.const(pos_weight) * t
        gi = (pw_t + 1 - t) * xp.sigmoid(x) - pw_t
    else:
        gi = xp.sigmoid(x) - t
    gi = gi * g
    if weight is not None:
        gi = gi * xp.const(weight)
    return gi / _numel(x) if reduction == "mean" else gi


def _bce_with_logits_target_backward(xp, g, x, t, weight, pos_weight, reduction):
    """d/dt: w [log(sigmoid(-x)) - pw log(sigmoid(x))], which is -w x without pos_weight"""
    if pos_weight is not None:
        gt = (xp.log_sigmoid(-x) - xp.log_sigmoid(x) * xp.const(pos_weight)) * g
    else:
        gt = -x * g
    if weight is not None:
        gt = gt * xp.const(weight)
    return gt / _numel(t) if reduction == "mean" else gt


def _bce_target_backward(xp, g, x, weight, reduction):
    """binary_cross_entropy_target_backward: d/dt of -w [t log(x) + (1 - t) log(1 - x)] = -w logit(x)"""
    gt = -xp.logit(x) * g
    if weight is not None:
        gt = gt * xp.const(weight)
    return gt / _numel(x) if reduction == "mean" else gt


def _mse_loss_double_backward(g, a, reduction):
    """mse_loss_double_backward: 2 g (over the count for 'mean')"""
    return 2 * g / _numel(a) if reduction == "mean" else 2 * g


def _loss_backward_grad_output(xp, loss_backward, g, go, a, b, reduction, **p):
    """d/d(grad_output) of a loss's backward: the backward of g itself ('none'), else of ones, times
    g, summed (smooth_l1/huber_loss_double_backward_grad_output)"""
    if reduction == "none":
        return loss_backward(g, a, b, reduction, **p)
    return xp.sum(loss_backward(xp.ones(go.shape, go), a, b, reduction, **p) * g)


def _smooth_l1_loss_double_backward(xp, g, a, b, reduction, beta):
    """smooth_l1_loss_double_backward: g / beta where |a - b| < beta, else 0 (over the count for 'mean')"""
    gi = g * (abs(a - b) < beta) / beta
    return gi / _numel(a) if reduction == "mean" else gi


def _huber_loss_double_backward(xp, g, a, b, reduction, delta):
    """huber_loss_double_backward: g where |a - b| < delta, else 0 (over the count for 'mean')"""
    gi = g * (abs(a - b) < delta)
    return gi / _numel(a) if reduction == "mean" else gi


_BCE_EPS = 1e-12  # PyTorch's, for every dtype


def _bce_backward_grad_output(xp, g, x, t, weight, reduction):
    """binary_cross_entropy_double_backward_grad_output: (x - t) / ((x + eps)(1 - x + eps)) g"""
    gi = (x - t) / ((x + _BCE_EPS) * (1 - x + _BCE_EPS)) * g
    if weight is not None:
        gi = gi * xp.const(weight)
    return gi / _numel(x) if reduction == "mean" else gi


def _bce_backward_self(xp, g, go, x, t, weight, reduction):
    """binary_cross_entropy_double_backward: d/dx of go (x - t) / (x (1 - x))
    = go (x^2 - 2 t x + t) / ((x + eps)^2 (1 - x + eps)^2)"""
    gi = (x * x - 2 * x * t + t) / (xp.pow(x + _BCE_EPS, 2) * xp.pow(1 - x + _BCE_EPS, 2)) * (g * go)
    if weight is not None:
        gi = gi * xp.const(weight)
    return gi / _numel(x) if reduction == "mean" else gi


def _bce_backward_target(xp, g, go, x, weight, reduction):
    """binary_cross_entropy_double_backward_target: d/dt of go (x - t) / (x (1 - x))
    = -go / ((1 - x) x), the denominator's value kept >= eps outside the graph (as PyTorch's)"""
    gt = -g * go
    if weight is not None:
        gt = gt * xp.const(weight)
    gt = gt / xp.clamp_min_untracked((1 - x) * x, _BCE_EPS)
    return gt / _numel(x) if reduction == "mean" else gt


def _gelu_double_backward(xp, g, go, a, approximate):
    """gelu_double_backward: d^2 gelu / d a^2, times g and grad_output"""
    if approximate == "tanh":  # gelu(a) = a (1 + tanh(u)) / 2, u = beta (a + kappa a^3)
        beta, kappa = math.sqrt(2 / math.pi), 0.044715
        du = beta * (1 + 3 * kappa * a * a)
        t = xp.tanh(beta * (a + kappa * xp.pow(a, 3)))
        sech2 = 1 - t * t
        return g * go * (sech2 * du + 0.5 * a * sech2 * (6 * beta * kappa * a - 2 * t * du * du))
    beta = 1 / math.sqrt(2 * math.pi)
    a_sq = a * a
    pdf = beta * xp.exp(-0.5 * a_sq)
    return g * go * (2 * pdf - a_sq * pdf)


def _silu_backward(xp, g, a):
    """d silu / da = s (1 + a (1 - s)), s = sigmoid(a): ATen's silu_backward kernel, or under
    create_graph its infinitely_differentiable_silu_backward, the same math in ops that have
    derivatives (the right factor first, as C++ evaluates it)"""
    if not xp.builds_graph:
        return xp.silu_backward(g, a)
    s = xp.sigmoid(a)
    right = 1 + a * (1 - s)
    return g * s * right


def _mish_backward(xp, g, a):
    """d mish / da = t + a s (1 - t^2), t = tanh(softplus(a)), s = sigmoid(a): ATen's mish_backward
    kernel, or under create_graph its infinitely_differentiable_mish_backward (softplus as log1p(exp))"""
    if not xp.builds_graph:
        return xp.mish_backward(g, a)
    s = xp.sigmoid(a)
    t = xp.tanh(xp.log1p(xp.exp(a)))
    right = 1.0 - t * t
    return g * (t + a * s * right)


def _log_sigmoid_double_backward(xp, g, a):
    """log_sigmoid_double_backward: d^2 log(sigmoid(a)) / da^2 = (z - 1) z, z = sigmoid(a), times g"""
    z = xp.sigmoid(a)
    return g * (z - 1) * z


# --- convolution ---------------------------------------------------------------------------------------
def _conv_params(p, **changes):
    """The params of a convolution row (no bias: PyTorch's bias_sym_sizes_opt then reads (0,))"""
    q = {"bias_sym_sizes_opt": (0,), "stride": p["stride"], "padding": p["padding"], "dilation": p["dilation"],
         "transposed": p["transposed"], "output_padding": p["output_padding"], "groups": p["groups"]}
    q.update(changes)
    return q


def _conv_double_backward_grad_output(xp, gg, go, x, w, output, p):
    """_convolution_double_backward, ggO: d/d grad_output of <gg, this gradient>. The gradients are
    linear in grad_output: the input's gradient gives conv(ggI, w), the weight's conv(x, ggW) (the
    same convolution as the forward's), the bias's ggb viewed as (1, C, 1...) and expanded."""
    if output == 0:
        return xp.convolution(gg, w, None, _conv_params(p))
    if output == 1:
        return xp.convolution(x, gg, None, _conv_params(p))
    return xp.expand(xp.reshape(gg, (1, -1) + (1,) * (go.ndim - 2)), go.shape)


def _conv_double_backward_input(xp, gg, go, x, output, p):
    """_convolution_double_backward, gI: only the weight's gradient reads the input: d/dx of
    <ggW, gW(gO, x)> = the input-gradient of conv(x, ggW), a transposed convolution of gO with ggW
    (for a transposed forward, the plain convolution)"""
    if output != 1:
        return None
    K = gg.shape[2:]
    dim = len(K)
    if p["transposed"]:  # (positions only output_padding reached are read by no input element: cut off)
        # (PyTorch passes the output_padding on to this plain convolution, whose own backward then
        # refuses it: a third derivative here raises, as PyTorch's does)
        gi = xp.convolution(go, gg, None, _conv_params(p, transposed=False))
        for d, n in enumerate(x.shape[2:]):
            if gi.shape[2 + d] > n:
                gi = xp.narrow(gi, 2 + d, 0, n)
        return gi
    stride, padding, dilation = (CK.expand(p[n], dim) for n in ("stride", "padding", "dilation"))
    # (the output_padding that gives the transposed convolution the input's size back)
    reached = CK.transposed_output_size(go.shape[2:], K, stride, padding, dilation, (0,) * dim)
    output_padding = tuple(n - m for n, m in zip(x.shape[2:], reached))
    return xp.convolution(go, gg, None, _conv_params(p, transposed=True, output_padding=output_padding))


def _conv_double_backward_weight(xp, gg, go, w, output, p):
    """_convolution_double_backward, gW: only the input's gradient reads the weight: d/dw of
    <ggI, gI(gO, w)> = the weight-gradient of conv(ggI, w) against gO (of convT: roles exchanged)"""
    if output != 0:
        return None
    if p["transposed"]:
        return _weight_grad_by_convolution(xp, gg, go, w.shape, p)
    return _weight_grad_by_convolution(xp, go, gg, w.shape, p)


def _weight_grad_by_convolution(xp, g, x, shape, p):
    """wgrad[o, c, k] = sum_{n, l} g[n, o, l] xpad[n, c, l s + k d], as PyTorch computes it under
    create_graph: per group, a convolution of x with g, batch and channels exchanged
    (x.transpose(0, 1) by g.transpose(0, 1), stride and dilation exchanged), narrowed to the kernel's
    size and transposed back."""
    K, groups = shape[2:], p["groups"]
    dim = len(K)
    if not xp.builds_graph:
        return CK.conv_weight_grad(g, x, K, p["stride"], p["padding"], p["dilation"], groups)
    stride, dilation = CK.expand(p["stride"], dim), CK.expand(p["dilation"], dim)
    params = _conv_params(p, stride=dilation, dilation=stride, transposed=False, groups=1)  # (output_padding
    # passed on, as PyTorch does: see _conv_double_backward_input)
    O, C = g.shape[1] // groups, x.shape[1] // groups
    pieces = []
    for i in range(groups):
        gi = g if groups == 1 else xp.narrow(g, 1, i * O, O)
        xi = x if groups == 1 else xp.narrow(x, 1, i * C, C)
        wt = xp.convolution(xp.transpose(xi, 0, 1), xp.transpose(gi, 0, 1), None, params)
        wg = xp.transpose(wt, 0, 1)
        for d, k in enumerate(K):
            if wg.shape[2 + d] > k:
                wg = xp.narrow(wg, 2 + d, 0, k)
        pieces.append(wg)
    return pieces[0] if groups == 1 else xp.cat(pieces, 0)
# --- pooling and normalisation ----------------------------------------------------------------------
def _max_pool_double_backward(xp, g, indices):
    """max_pool_double_backward: g (the input's shape) read at the indices each output came from:
    g.flatten(-2).gather(-1, indices.flatten(-2)).view_as(indices)"""
    flat = xp.reshape(g, tuple(g.shape[:-2]) + (-1,))
    picked = xp.gather(flat, flat.ndim - 1, indices.reshape(indices.shape[:-2] + (-1,)))
    return xp.reshape(picked, indices.shape)


def _batch_norm_backward(xp, which, g, x, w, p):
    """native_batch_norm_backward's output `which` (input, weight or bias): the saved statistics go
    with it (save_mean, save_invstd are inputs of PyTorch's node, with no gradient: constants, saved as
    the node saves its tensors, in their order)."""
    return xp.row("native_batch_norm_backward_" + which, g, x, w, xp.const(p["result1"]), xp.const(p["result2"]),
                  running_mean=p["running_mean"], running_var=p["running_var"], train=p["training"],
                  eps=p["eps"])


def _batch_norm_double_backward(which, wrt, xp, G, go, x, w, save_mean, save_invstd, out, running_mean,
                                running_var, train, eps):
    """batchnorm_double_backward: the derivative of native_batch_norm_backward's output `which` with
    respect to `wrt`, given G = dL/d(that output). In training the statistics are recomputed from x
    (mean, biased variance) so that their dependence on x is in the graph; m() is the mean over all
    but the channel dim, xhat = (x - mean) * invstd:
      grad_input = w s (go - m(go) - xhat m(go xhat)), grad_weight = sum(go xhat), grad_bias = sum(go);
    eval: grad_input = go w s, grad_weight = sum(go xhat), with the running statistics' s."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if wrt == "weight" and (w is None or which != "input"):
        return xp.zeros_like(w)  # (only grad_input depends on the weight)

    def m(t):
        return xp.mean(t, dims, True)

    if train:
        mu = m(x)
        xc = x - mu
        s = xp.pow(m(xc * xc) + eps, -0.5)
    else:
        s = xp.const((1 / np.sqrt(running_var.astype(np.float64) + eps)).astype(running_var.dtype).reshape(shape))
        xc = x - xp.const(running_mean.reshape(shape))
    xhat = xc * s
    wb = 1 if w is None else xp.reshape(w, shape)
    if which == "bias":  # grad_bias = sum(go): linear in go alone
        return xp.expand(xp.reshape(G, shape), go.shape) if wrt == "grad_out" else xp.zeros_like(x)
    if which == "weight":
        Gb = xp.reshape(G, shape)
        if wrt == "grad_out":
            return Gb * xhat
        if not train:
            return Gb * go * s
        return Gb * s * (go - m(go) - xhat * m(go * xhat))
    if not train:  # grad_input = go w s
        if wrt == "grad_out":
            return G * wb * s
        if wrt == "weight":
            return xp.sum(G * go * s, dims)
        return xp.zeros_like(x)
    m_go, m_goxhat = m(go), m(go * xhat)
    projected_go = go - m_go - xhat * m_goxhat
    if wrt == "grad_out":
        return wb * s * (G - m(G) - xhat * m(G * xhat))
    if wrt == "weight":
        return xp.sum(G * s * projected_go, dims)
    m_G, m_Gxhat = m(G), m(G * xhat)
    cross = m(G * go) - m_G * m_go - m_Gxhat * m_goxhat
    return -wb * s * s * (xhat * cross + m_goxhat * (G - m_G - xhat * m_Gxhat) + m_Gxhat * projected_go)


def _layer_norm_backward(xp, which, g, x, w, b, p):
    """native_layer_norm_backward's output `which` (input, weight or bias): the saved statistics
    go with it (mean and rstd are inputs of PyTorch's node, with no gradient: constants, as above)."""
    return xp.row("native_layer_norm_backward_" + which, g, x, xp.const(p["result1"]), xp.const(p["result2"]), w, b,
                  normalized_shape=p["normalized_shape"], eps=p["eps"])


def _layer_norm_double_backward(which, wrt, xp, G, go, x, mean, rstd, w, b, out, normalized_shape, eps):
    """layer_norm_double_backward: the derivative of native_layer_norm_backward's output `which`
    with respect to `wrt`, given G = dL/d(that output). The statistics are recomputed from x (mean,
    biased variance over the normalized dims, whose mean is m()) so that their dependence on x is in
    the graph; xhat = (x - mean) s, s = (var + eps)^-1/2, P(u) = u - m(u) - xhat m(u xhat):
      grad_input = s P(go w), grad_weight = sum(go xhat), grad_bias = sum(go) over the leading dims."""
    dims = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    leading = tuple(range(x.ndim - len(normalized_shape)))
    if wrt == "weight" and which != "input":
        return xp.zeros_like(w)  # (only grad_input depends on the weight)
    if which == "bias":  # grad_bias = sum(go): linear in go alone
        return xp.expand(G, go.shape) if wrt == "grad_out" else xp.zeros_like(x)

    def m(t):
        return xp.mean(t, dims, True)

    def over_leading(t):
        return xp.sum(t, leading) if leading else t

    xc = x - m(x)
    s = xp.pow(m(xc * xc) + eps, -0.5)
    xhat = xc * s

    def project(u):
        return u - m(u) - xhat * m(u * xhat)

    if which == "weight":
        return G * xhat if wrt == "grad_out" else s * project(G * go)
    if wrt == "grad_out":
        return s * project(G) if w is None else w * s * project(G)
    if wrt == "weight":
        return over_leading(go * s * project(G))
    gw = go if w is None else go * w
    m_G, m_Gxhat, m_gw, m_gwxhat = m(G), m(G * xhat), m(gw), m(gw * xhat)
    cross = m(G * gw) - m_G * m_gw - m_Gxhat * m_gwxhat
    return -s * s * (xhat * cross + m_gwxhat * (G - m_G - xhat * m_Gxhat) + m_Gxhat * project(gw))
