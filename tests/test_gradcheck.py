"""Gradcheck: every row of the op table, and the public functions, against central differences.

For an op y = f(x1, ..., xn) and a random upstream gradient g, backward must give
dL/dxi = d(sum(g * f(x)))/dxi, which central differences estimate in float64 as
(L(xi + eps e_j) - L(xi - eps e_j)) / (2 eps) for every element j.

The table-driven half is keyed by ``autograd_core._ops.OPS``: a new row without a sample input
here fails ``test_every_op_has_a_sample``, so no op can skip the check.
"""
import numpy as np
import pytest

import autograd_core as ac
from autograd_core._ops import OPS
from autograd_core._functions import _outputs_of_one_node, _pieces
from autograd_core._numerics import median_indices
from autograd_core._tensor import apply

EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-7


def _rng(seed=0):
    return np.random.default_rng(seed)


def _r(*shape, seed=0, low=-2.0, high=2.0):
    """Random float64 values in [low, high), away from 0 (abs/relu/sign are not smooth there)."""
    x = _rng(seed).uniform(low, high, size=shape)
    return np.where(np.abs(x) < 0.05, 0.05 + np.abs(x), x)


def _pos(*shape, seed=0):
    return _rng(seed).uniform(0.3, 2.0, size=shape)


def _distinct(*shape, seed=0):
    """Values with no ties (max/min pick one element), spaced much wider than EPS."""
    n = int(np.prod(shape))
    return (_rng(seed).permutation(n) * 0.37 - n * 0.17).reshape(shape)


def _apart(a, b, gap=1e-3):
    """b moved so that no element equals a's within gap (maximum/minimum have kinks at ties)."""
    a_b = np.broadcast_arrays(a, b)
    close = np.abs(a_b[0] - a_b[1]) < gap
    return b + 0.1 if close.any() else b


# --- one or more sample cases per row: (label, inputs (arrays or numbers), params) ---------------
def _max_dim_cases(kind):
    a = _distinct(3, 4, 2, seed=5)
    arg = np.argmax if kind == "max" else np.argmin
    cases = []
    for dim, keepdim in ((1, False), (0, True), (2, False)):
        cases.append((f"dim{dim}-keep{keepdim}", [a],
                      {"dim": dim, "keepdim": keepdim, "indices": np.expand_dims(arg(a, axis=dim), dim)}))
    return cases


def _clamp_cases():
    a = _r(4, 5, seed=3)
    for bound in (-0.5, 0.7):  # keep samples away from the kinks at the bounds
        a = np.where(np.abs(a - bound) < 1e-3, a + 0.01, a)
    return [("min-max", [a], {"min": -0.5, "max": 0.7}), ("min", [a], {"min": -0.5, "max": None}),
            ("max", [a], {"min": None, "max": 0.7})]


def _clamp_tensor_cases():
    """Broadcast bounds, some lower bounds above the upper one (min then gets no gradient)."""
    lo, hi = np.array([-0.5, 0.2, 0.9, -1.0]), np.array([[0.7], [0.1], [1.5]])
    a = _r(3, 4, seed=3)
    for bound in (lo, hi):  # keep samples away from the kinks at the bounds
        a = np.where(np.abs(a - bound) < 1e-2, a + 0.05, a)
    return [("min-max", [a, lo, hi], None)]


def _where_cases():
    cond = _rng(9).uniform(size=(3, 4)) > 0.5
    return [("same", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"condition": cond}),
            ("broadcast", [_r(4, seed=1), _r(3, 1, seed=2)], {"condition": cond})]


def _max_pool_cases():
    from autograd_core._pool_kernels import max_pool2d_indices
    cases = []
    for label, shape, p in (("2x2", (2, 4, 6), ((2, 2), (), (0, 0), (1, 1), False)),
                            ("overlap-pad-ceil", (1, 2, 5, 5), ((3, 3), (2, 2), (1, 1), (1, 1), True)),
                            ("dilated", (2, 6, 7), ((2, 3), (1, 2), (1, 1), (2, 1), False))):
        x = _distinct(*shape, seed=6)
        params = dict(zip(("kernel_size", "stride", "padding", "dilation", "ceil_mode"), p))
        params["result1"] = max_pool2d_indices(x, *p)
        cases.append((label, [x], params))
    return cases


def _max_pool_out_shape(x, p):
    return x.shape[:-2] + p["result1"].shape[-2:]


def _backward_params(p):
    q = dict(p)
    q["indices"] = q.pop("result1")
    return q


def _avg_pool_cases():
    return [(label, [_r(*shape, seed=6)], dict(zip(("kernel_size", "stride", "padding", "ceil_mode",
                                                    "count_include_pad", "divisor_override"), p)))
            for label, shape, p in (("2x2", (2, 4, 6), ((2, 2), (), (0, 0), False, True, None)),
                                    ("pad-ceil", (1, 2, 5, 5), ((3, 3), (2, 2), (1, 1), True, True, None)),
                                    ("pad-not-counted", (2, 5, 6), ((3, 2), (2, 1), (1, 1), True, False, None)),
                                    ("divisor", (2, 4, 4), ((2, 2), (1, 1), (1, 0), False, True, 3)))]


def _avg_pool_out_shape(x, p):
    from autograd_core._pool_kernels import pool_geometry
    _, out = pool_geometry(x.shape, p["kernel_size"], p["stride"], p["padding"], (1, 1), p["ceil_mode"])
    return x.shape[:-2] + out


def _binary(seed=0):
    """Same shapes, and broadcasting both ways."""
    return [("same", [_r(3, 4, seed=seed), _r(3, 4, seed=seed + 1)], None),
            ("broadcast", [_r(2, 3, 1, seed=seed), _r(4, seed=seed + 1)], None),
            ("scalar-tensor", [_r(3, 4, seed=seed), _r(seed=seed + 1)], None)]


def _minmax_binary(seed):
    cases = []
    for label, (a, b), _ in _binary(seed):
        cases.append((label, [a, _apart(a, b)], None))
    return cases


def _norm_cases():
    a = _r(3, 4, seed=4)
    return [(f"p{p}-dim{dim}-keep{keep}", [a], {"p": p, "dim": dim, "keepdim": keep})
            for p, dim, keep in ((2.0, None, False), (1.0, None, False), (3.0, (1,), False),
                                 (2.0, (0,), True), (float("inf"), (1,), False))]


def _bce_cases():
    x, t = _r(3, 4, seed=1), _rng(2).uniform(size=(3, 4))
    w, pw = _pos(3, 4, seed=3), _pos(4, seed=4)
    return [(f"{red}-w{weight is not None}-pw{pos is not None}", [x, t],
             {"weight": weight, "pos_weight": pos, "reduction": red})
            for red, weight, pos in (("mean", None, None), ("sum", w, None), ("none", None, pw),
                                     ("mean", w, pw))]


def _nll_cases():
    logp = np.log(_pos(5, 3, seed=1))
    target = np.array([0, 2, 1, 2, 0])
    w = _pos(3, seed=2)
    return [(f"{red}-w{weight is not None}-ignore{ignore}", [logp],
             {"target": target, "weight": weight, "reduction": red, "ignore_index": ignore})
            for red, weight, ignore in (("mean", None, -100), ("sum", None, -100), ("none", w, -100),
                                        ("mean", w, 2))]


def _nll_2d_cases():
    logp = np.log(_pos(2, 3, 2, 2, seed=1))
    target = np.array([[[0, 2], [1, 1]], [[2, 0], [1, 2]]])
    w = _pos(3, seed=2)
    return [(f"{red}-w{weight is not None}-ignore{ignore}", [logp],
             {"target": target, "weight": weight, "reduction": red, "ignore_index": ignore})
            for red, weight, ignore in (("mean", None, -100), ("sum", w, 1), ("none", w, -100))]


def _conv(dim, stride=None, padding=None, dilation=None, transposed=False, output_padding=None, groups=1):
    """A convolution row's params"""
    return {"bias_sym_sizes_opt": (0,), "stride": stride or (1,) * dim, "padding": padding or (0,) * dim,
            "dilation": dilation or (1,) * dim, "transposed": transposed,
            "output_padding": output_padding or (0,) * dim, "groups": groups}


SAMPLES = {
    "add": _binary(1) + [("alpha", [_r(3, 4, seed=1), _r(4, seed=2)], {"alpha": -0.5})],
    "sub": _binary(2) + [("alpha", [_r(3, 4, seed=1), _r(4, seed=2)], {"alpha": 3})],
    "rsub": [("number", [_r(3, 4)], {"other": 2.5}), ("alpha", [_r(3, 4)], {"other": 2.5, "alpha": 2})],
    "mul": _binary(3),
    "div": [("same", [_r(3, 4, seed=1), _r(3, 4, seed=2, low=0.5)], None),
            ("broadcast", [_r(2, 3, 1, seed=1), _pos(4, seed=2)], None)],
    "reciprocal": [("", [_r(3, 4)], None)],
    "neg": [("", [_r(3, 4)], None)],
    "pow": [("fractional", [_pos(3, 4)], {"exponent": 2.5}), ("cube", [_r(3, 4)], {"exponent": 3}),
            ("negative", [_pos(3, 4)], {"exponent": -1.5}), ("zero", [_r(3, 4)], {"exponent": 0})],
    "pow_tensor": [("same", [_pos(3, 4, seed=1), _r(3, 4, seed=2)], None),
                   ("broadcast", [_pos(2, 3, 1, seed=1), _r(4, seed=2)], None)],
    "rpow": [("", [_r(3, 4)], {"base": 1.7})],
    "exp": [("", [_r(3, 4)], None)],
    "log": [("", [_pos(3, 4)], None)],
    "sqrt": [("", [_pos(3, 4)], None)],
    "abs": [("", [_r(3, 4)], None)],
    "sin": [("", [_r(3, 4)], None)],
    "cos": [("", [_r(3, 4)], None)],
    "tanh": [("", [_r(3, 4)], None)],
    "sigmoid": [("", [_r(3, 4)], None)],
    "relu": [("", [_r(3, 4)], None)],
    "clamp": _clamp_cases(),
    "maximum": _minmax_binary(4),
    "minimum": _minmax_binary(5),
    "where": _where_cases(),
    "sum": [("", [_r(3, 4)], None)],
    "sum_dim": [("dim1", [_r(3, 4, 2)], {"dim": (1,), "keepdim": False}),
                ("dims02-keep", [_r(3, 4, 2)], {"dim": (0, 2), "keepdim": True})],
    "mean": [("", [_r(3, 4)], None)],
    "mean_dim": [("dim1", [_r(3, 4, 2)], {"dim": (1,), "keepdim": False}),
                 ("dims02-keep", [_r(3, 4, 2)], {"dim": (0, 2), "keepdim": True})],
    "max": [("", [_distinct(3, 4)], None)],
    "min": [("", [_distinct(3, 4)], None)],
    "max_dim": _max_dim_cases("max"),
    "min_dim": _max_dim_cases("min"),
    "median": [("", [_distinct(3, 4)], None)],
    "median_dim": [(f"dim{dim}-keep{keepdim}", [_distinct(3, 4, 2, seed=5)],
                    {"dim": dim, "keepdim": keepdim, "indices": median_indices(_distinct(3, 4, 2, seed=5), dim)})
                   for dim, keepdim in ((1, False), (0, True), (2, False))],
    "norm": _norm_cases(),
    "softmax": [("dim1", [_r(3, 4)], {"dim": 1}), ("dim0", [_r(3, 4, 2)], {"dim": 0})],
    "log_softmax": [("dim1", [_r(3, 4)], {"dim": 1}), ("dim0", [_r(3, 4, 2)], {"dim": 0})],
    "mm": [("", [_r(3, 4, seed=1), _r(4, 5, seed=2)], None)],
    "mv": [("", [_r(3, 4, seed=1), _r(4, seed=2)], None)],
    "dot": [("", [_r(4, seed=1), _r(4, seed=2)], None)],
    "bmm": [("", [_r(2, 3, 4, seed=1), _r(2, 4, 5, seed=2)], None)],
    "t": [("", [_r(3, 4)], None)],
    "transpose": [("", [_r(3, 4, 2)], {"dim0": 0, "dim1": 2})],
    "permute": [("", [_r(3, 4, 2)], {"dims": (2, 0, 1)})],
    "view": [("", [_r(3, 4)], {"shape": (6, 2)})],
    "unsafe_view": [("", [_r(3, 4)], {"shape": (2, 6)})],
    "reshape_alias": [("", [_r(3, 4)], {"shape": (3, 2, 2)})],
    "squeeze": [("", [_r(3, 1, 4, 1)], {"dims": (1, 3)})],
    "squeeze_dim": [("", [_r(3, 1, 4)], {"dims": (1,)})],
    "squeeze_": [("", [_r(1, 4)], {"dims": (0,)})],
    "unsqueeze": [("", [_r(3, 4)], {"dim": 1})],
    "expand": [("", [_r(3, 1)], {"shape": (2, 3, 4)})],
    "clone": [("", [_r(3, 4)], None)],
    "alias": [("", [_r(3, 4)], None)],
    "to": [("", [_r(3, 4)], {"dtype": np.dtype(np.float64)})],
    "select": [("", [_r(3, 4, 2)], {"dim": 1, "index": 2})],
    "unbind": [("", [_r(3, 4)], {"dim": 1})],
    "lerp": [("small", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"weight": 0.3}),
             ("large", [_r(3, 4, seed=1), _r(4, seed=2)], {"weight": 1.6})],
    "lerp_tensor": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2), _r(3, 1, seed=3)], None)],
    "amax": [("dim1", [_distinct(3, 4)], {"dim": (1,), "keepdim": False}),
             ("all-keepdim", [_distinct(3, 4)], {"dim": (), "keepdim": True})],
    "amin": [("dims", [_distinct(3, 4, 2)], {"dim": (0, 2), "keepdim": False}),
             ("all", [_distinct(3, 4)], {"dim": (), "keepdim": False})],
    "as_strided": [("column", [_r(3, 4)], {"positions": np.array([1, 5, 9]), "size": (3,), "stride": (4,),
                                            "storage_offset": 1}),
                   ("expanded", [_r(3, 4)], {"positions": np.array([[2, 2], [7, 7]]), "size": (2, 2), "stride": (5, 0),
                                             "storage_offset": 2})],
    "slice": [("", [_r(3, 5)], {"dim": 1, "index": slice(1, 5, 2)})],
    "index": [("repeats", [_r(4, 3)], {"indices": (np.array([0, 2, 0, 3]),)}),
              ("pairs", [_r(4, 3)], {"indices": (np.array([1, 1, 3]), np.array([0, 0, 2]))}),
              ("mask", [_r(4, 3)], {"indices": (_rng(3).uniform(size=(4, 3)) > 0.4,)})],
    "cat": [("dim1", [_r(3, 2, seed=1), _r(3, 4, seed=2), _r(3, 1, seed=3)], {"dim": 1})],
    "stack": [("dim1", [_r(3, 2, seed=1), _r(3, 2, seed=2), _r(3, 2, seed=3)], {"dim": 1})],
    "copy_": [("same", [_r(3, 4, seed=1), _r(3, 4, seed=2)], None),
              ("broadcast", [_r(3, 4, seed=1), _r(4, seed=2)], None)],
    "zero_": [("", [_r(3, 4)], None)],
    "fill_": [("", [_r(3, 4)], {"value": 1.5})],
    "fill_tensor": [("", [_r(3, 4), np.array(0.7)], None)],
    "index_put": [("list", [_r(4, 3, seed=1), _r(2, 3, seed=2)], {"indices": (np.array([0, 2]),)}),
                  ("accumulate", [_r(4, 3, seed=1), _r(3, 3, seed=2)], {"indices": (np.array([0, 2, 0]),), "accumulate": True}),
                  ("mask-broadcast", [_r(4, 3, seed=1), _r(3, seed=2)],
                   {"indices": (np.array([True, False, True, True]),)})],
    # nn rows (losses, and linear's fused bias + matrix product)
    "addmm": [("bias-broadcast", [_r(5, seed=1), _r(3, 4, seed=2), _r(4, 5, seed=3)], None),
              ("bias-full", [_r(3, 5, seed=1), _r(3, 4, seed=2), _r(4, 5, seed=3)], None)],
    "mse_loss": [(red, [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"reduction": red})
                 for red in ("mean", "sum", "none")],
    "smooth_l1_loss": [(f"{red}-beta{beta}", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"reduction": red, "beta": beta})
                       for red, beta in (("mean", 1.0), ("sum", 0.7), ("none", 1.3))],
    "huber_loss": [(f"{red}-delta{delta}", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"reduction": red, "delta": delta})
                   for red, delta in (("mean", 1.0), ("sum", 0.7), ("none", 1.3))],
    "binary_cross_entropy_with_logits": _bce_cases(),
    "nll_loss": _nll_cases(),
    "nll_loss2d": _nll_2d_cases(),
    "binary_cross_entropy": [(f"{red}-w{w is not None}", [_rng(1).uniform(0.1, 0.9, size=(3, 4)),
                                                          _rng(2).uniform(size=(3, 4))],
                              {"weight": w, "reduction": red})
                             for red, w in (("mean", None), ("sum", _pos(3, 4, seed=3)), ("none", None))],
    # spread, products, fills, roundings
    "var": [("all", [_r(3, 4)], {"dim": None, "correction": 1, "keepdim": False}),
            ("dim1-biased-keep", [_r(3, 4, 2)], {"dim": (1,), "correction": 0, "keepdim": True})],
    **{f"{spread}_mean": [("all", [_r(3, 4)], {"dim": None, "correction": 1, "keepdim": False}),
                          ("dim1-keep", [_r(3, 4, 2)], {"dim": (1,), "correction": 0, "keepdim": True})]
       for spread in ("std", "var")},
    "std": [("all", [_r(3, 4)], {"dim": None, "correction": 1, "keepdim": False}),
            ("dims02", [_r(3, 4, 2)], {"dim": (0, 2), "correction": 1, "keepdim": False})],
    "repeat": [("same-ndim", [_r(2, 3)], {"repeats": (2, 3)}),
               ("new-leading-dims", [_r(3)], {"repeats": (2, 1, 2)})],
    "cdist": [(f"p{p}", [_r(3, 4, seed=1), _r(5, 4, seed=2)], {"p": p}) for p in (2.0, 1.0, 3.0, float("inf"))],
    "euclidean_dist": [("", [_r(3, 4, seed=1), _r(2, 5, 4, seed=2)], None)],
    "linalg_inv": [("", [_r(3, 3) + 4 * np.eye(3)], None), ("batch", [_r(2, 2, 2, seed=3) + 3 * np.eye(2)], None)],
    "prod": [("", [_r(3, 4)], None), ("one-zero", [np.array([[1.5, 0.0], [2.0, -0.5]])], None)],
    "prod_dim": [("dim1", [_r(3, 4)], {"dim": 1, "keepdim": False}),
                 ("zeros-keep", [np.array([[0.0, 0.0, 2.0], [1.5, 0.0, -1.0]])], {"dim": 0, "keepdim": True})],
    "masked_fill": [("", [_r(3, 4)], {"mask": _rng(3).uniform(size=(3, 4)) > 0.5, "value": 0.5})],
    "masked_fill_tensor": [("", [_r(3, 4), np.array(1.5)], {"mask": _rng(3).uniform(size=(3, 4)) > 0.5})],
    "log1p": [("", [_pos(3, 4)], None)],
    "rsqrt": [("", [_pos(3, 4)], None)],
    "clamp_min": [("", [_r(3, 4)], {"min": 0.3})],
    "clamp_max": [("", [_r(3, 4)], {"max": -0.2})],
    "clamp_tensor": _clamp_tensor_cases(),
    "clamp_min_tensor": [("", _clamp_tensor_cases()[0][1][:2], None)],
    "clamp_max_tensor": [("", _clamp_tensor_cases()[0][1][::2], None)],
    "floor": [("", [_r(3, 4)], None)],
    "ceil": [("", [_r(3, 4)], None)],
    "round": [("", [_r(3, 4)], None)],
    "round_decimals": [("", [_r(3, 4)], {"decimals": 2})],
    "sign": [("", [_r(3, 4)], None)],
    "remainder": [("", [_r(3, 4) * 3], {"other": 1.3})],
    "remainder_tensor": [("", [_r(3, 4, seed=1) * 3, _r(3, 4, seed=2, low=0.5)], None)],
    "split": [("", [_r(3, 5)], {"split_size": 2, "dim": 1, "self_sym_sizes": (3, 5)})],
    "trace": [("square", [_r(3, 3)], None), ("wide", [_r(2, 4)], None)],
    "cumsum": [("dim0", [_r(4, 3)], {"dim": 0}), ("dim1", [_r(2, 3, 4)], {"dim": 1})],
    "cumprod": [("dim0", [_r(4, 3)], {"dim": 0}), ("dim1", [_r(2, 3, 4)], {"dim": 1}),
                ("zeros", [np.array([[1.5, 0.0, 2.0, 0.0, -0.5], [0.0, -1.0, 3.0, 1.2, 0.7]])], {"dim": 1})],
    "flip": [("", [_r(3, 4, 2)], {"dims": (0, 2)})],
    "leaky_relu": [("", [_r(3, 4)], {"negative_slope": 0.2})],
    "leaky_relu_": [("", [_r(3, 4)], {"negative_slope": 0.2})],
    "gelu": [(mode, [_r(3, 4)], {"approximate": mode}) for mode in ("none", "tanh")],
    "elu": [("", [_r(3, 4)], {"alpha": 0.7}), ("selu", [_r(3, 4)], {"alpha": 1.6732632423543772, "scale": 1.0507009873554805})],
    "elu_": [("", [_r(3, 4)], {"alpha": 0.7}), ("selu", [_r(3, 4)], {"alpha": 1.6732632423543772, "scale": 1.0507009873554805})],
    "hardswish": [("", [_r(3, 4, low=-5, high=5)], None)],
    "celu": [("", [_r(3, 4)], {"alpha": 0.7}), ("negative-alpha", [_r(3, 4)], {"alpha": -1.5})],
    "celu_": [("", [_r(3, 4)], {"alpha": 0.7})],
    "hardsigmoid": [("", [_r(3, 4, low=-5, high=5)], None)],
    "threshold": [("", [_r(3, 4)], {"threshold": 0.1, "value": -2.0})],
    "threshold_": [("", [_r(3, 4)], {"threshold": 0.1, "value": 20.0})],
    "prelu": [("per-channel", [_r(2, 3, 4), _pos(1, 3, 1, seed=2)], None), ("one", [_r(3, 4), _pos(1, 1, seed=3)], None)],
    "softplus": [("", [_r(3, 4)], {"beta": 1.0, "threshold": 20.0}),
                 ("beta-threshold", [_r(3, 4) * 3], {"beta": 2.0, "threshold": 5.0})],
    "silu": [("", [_r(3, 4)], None)],
    "expm1": [("", [_r(3, 4)], None)],
    "erf": [("", [_r(3, 4)], None)],
    "atan2": [("", [_r(3, 4, seed=1), _r(4, seed=2)], None)],
    "tan": [("", [_r(3, 4, low=-1.2, high=1.2)], None)],
    "asin": [("", [_r(3, 4, low=-0.9, high=0.9)], None)],
    "acos": [("", [_r(3, 4, low=-0.9, high=0.9)], None)],
    "atan": [("", [_r(3, 4)], None)], "sinh": [("", [_r(3, 4)], None)], "cosh": [("", [_r(3, 4)], None)],
    "asinh": [("", [_r(3, 4)], None)], "acosh": [("", [1.2 + _pos(3, 4)], None)],
    "atanh": [("", [_r(3, 4, low=-0.9, high=0.9)], None)],
    "log2": [("", [_pos(3, 4)], None)], "log10": [("", [_pos(3, 4)], None)],
    "exp2": [("", [_r(3, 4)], None)], "erfc": [("", [_r(3, 4)], None)],
    "hypot": [("", [_r(3, 4, seed=1), _r(4, seed=2)], None)],
    "copysign": [("", [_r(3, 4)], {"other": -1.5})],
    "copysign_tensor": [("", [_r(3, 4, seed=1), _r(4, seed=2)], None)],
    "xlogy": [("", [_r(3, 4, seed=1), _pos(4, seed=2)], None)],
    "xlogy_number_self": [("", [_pos(3, 4)], {"self": 2.5})],
    "xlogy_number_other": [("", [_r(3, 4)], {"other": 3.0})],
    "nan_to_num": [("", [_r(3, 4)], {"nan": 0.0, "posinf": None, "neginf": None})],
    "trunc": [("", [_r(3, 4) * 3 + 0.5], None)], "frac": [("", [_r(3, 4) * 3 + 0.5], None)],
    "fmod": [("", [_r(3, 4) * 3 + 0.01], {"other": 0.7})],
    "fmod_tensor": [("", [_r(3, 4, seed=1) * 3 + 0.01, _pos(4, seed=2)], None)],
    "index_select": [("", [_r(3, 4)], {"dim": 1, "index": np.array([2, 0, 2])})],
    "index_add": [("", [_r(3, 4, seed=1), _r(2, 4, seed=2)], {"dim": 0, "index": np.array([2, 2]), "alpha": 1.5})],
    "take": [("", [_r(3, 4)], {"index": np.array([[0, 11], [11, 5]])})],
    "put": [("", [_r(3, 4, seed=1), _r(3, seed=2)], {"index": np.array([1, 1, 4]), "accumulate": True}),
            ("replace", [_r(3, 4, seed=1), _r(2, seed=2)], {"index": np.array([1, 4]), "accumulate": False})],
    "masked_scatter": [("", [_r(3, 4, seed=1), _r(12, seed=2)], {"mask": _r(3, 4, seed=3) > 0})],
    "roll": [("", [_r(3, 4)], {"shifts": (1, -1), "dims": (0, 1)}), ("flat", [_r(3, 4)], {"shifts": (5,), "dims": ()})],
    "rot90": [("", [_r(3, 4)], {"k": 1, "dims": (0, 1)}), ("k3", [_r(2, 3, 4)], {"k": 3, "dims": (2, 0)})],
    "kthvalue_dim": [("", [_distinct(3, 4, seed=5)], {"dim": 1, "keepdim": False,
                                                       "indices": np.argsort(_distinct(3, 4, seed=5), 1)[:, 1:2]})],
    "cummax": [("", [_distinct(3, 4, seed=5)], {"dim": 1, "indices": np.array(
        [np.maximum.accumulate(np.where(r == np.maximum.accumulate(r), np.arange(4), 0)) for r in _distinct(3, 4, seed=5)])})],
    "cummin": [("", [_distinct(3, 4, seed=5)], {"dim": 1, "indices": np.array(
        [np.maximum.accumulate(np.where(r == np.minimum.accumulate(r), np.arange(4), 0)) for r in _distinct(3, 4, seed=5)])})],
    "nansum": [("", [_r(3, 4)], {"dim": (), "keepdim": False}), ("dim", [_r(3, 4)], {"dim": (1,), "keepdim": True})],
    "addcmul": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2), _r(4, seed=3)], {"value": 0.5})],
    "addcdiv": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2), _pos(4, seed=3)], {"value": 2.0})],
    "addmm_scaled": [("", [_r(3, seed=1), _r(2, 4, seed=2), _r(4, 3, seed=3)], {"beta": 0.5, "alpha": 2.0})],
    "linalg_cross": [("", [_r(4, 3, seed=1), _r(4, 3, seed=2)], {"dim": 1})],
    "dist": [("", [_r(3, 4, seed=1), _r(4, seed=2)], {"p": 2.0}), ("p3", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"p": 3.0})],
    "logaddexp": [("", [_r(3, 4, seed=1), _r(4, seed=2)], None)],
    "diag_embed": [("above", [_r(3)], {"offset": 1}), ("below", [_r(2)], {"offset": -2})],
    "diagonal_copy": [("wide", [_r(3, 5)], {"offset": 1}), ("tall", [_r(4, 2)], {"offset": -1})],
    "diagonal": [("", [_r(3, 4)], {"offset": 0, "dim1": 0, "dim2": 1}),
                 ("dims-reversed", [_r(2, 3, 4)], {"offset": 1, "dim1": 2, "dim2": 0}),
                 ("below", [_r(2, 3, 4)], {"offset": -1, "dim1": 1, "dim2": 2})],
    "embedding": [("", [_r(4, 3)], {"indices": np.array([[0, 2], [2, 3]]), "padding_idx": -1,
                                    "scale_grad_by_freq": False}),
                  # (padding_idx's zero gradient and scale_grad_by_freq are choices, not derivatives)
                  ("repeats", [_r(4, 3)], {"indices": np.array([0, 2, 2, 1, 2]), "padding_idx": -1,
                                           "scale_grad_by_freq": False})],
    "mish": [("", [_r(3, 4)], None)],
    "hardtanh": [("", [_r(3, 4)], {"min_val": -0.5, "max_val": 0.7})],
    "sort": [("dim1", [_distinct(3, 4)], {"dim": 1, "indices": np.argsort(_distinct(3, 4), axis=1)})],
    "topk": [("dim0-k2", [_distinct(4, 3)], {"dim": 0, "indices": np.argsort(-_distinct(4, 3), axis=0)[:2]})],
    "gather": [("repeats", [_r(3, 4)], {"dim": 1, "index": np.array([[0, 0], [3, 1], [2, 2]])})],
    "tril": [("", [_r(4, 4)], {"diagonal": 0}), ("above", [_r(3, 5)], {"diagonal": 1})],
    "triu": [("", [_r(4, 4)], {"diagonal": 0}), ("below", [_r(3, 5)], {"diagonal": -1})],
    "logsumexp": [("dim1", [_r(3, 4)], {"dim": (1,), "keepdim": False}),
                  ("dims02-keep", [_r(3, 4, 2)], {"dim": (0, 2), "keepdim": True})],
    "div_rounding": [(mode, [_r(3, 4, seed=1) * 3, _r(3, 4, seed=2, low=0.5)], {"rounding_mode": mode})
                     for mode in ("floor", "trunc")],
    "split_with_sizes": [("", [_r(4, 3)], {"split_sizes": (1, 0, 3), "dim": 0, "self_sym_sizes": (4, 3)})],
    # the rows a derivative formula records under create_graph (each a function of its own)
    "sgn": [("", [_r(3, 4)], None)],
    "logit": [("", [_rng(1).uniform(0.1, 0.9, size=(3, 4))], None)],
    "log_sigmoid": [("", [_r(3, 4)], None)],
    "mul_scalar": [("", [_r(3, 4)], {"other": 1.5})],
    "div_scalar": [("", [_r(3, 4)], {"other": -2.5})],
    "add_scalar": [("", [_r(3, 4)], {"other": 1.5}), ("alpha", [_r(3, 4)], {"other": 1.5, "alpha": 2})],
    "sub_scalar": [("", [_r(3, 4)], {"other": 1.5}), ("alpha", [_r(3, 4)], {"other": 1.5, "alpha": 2})],
    "tanh_backward": [("", [_r(3, 4, seed=1), np.tanh(_r(3, 4, seed=2))], None)],
    "sigmoid_backward": [("", [_r(3, 4, seed=1), _rng(2).uniform(0.1, 0.9, size=(3, 4))], None)],
    "threshold_backward": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"threshold": 0.0})],
    "softmax_backward_data": [("dim1", [_r(3, 4, seed=1), _pos(3, 4, seed=2) / 4], {"dim": 1})],
    "log_softmax_backward_data": [("dim0", [_r(3, 4, seed=1), -_pos(3, 4, seed=2)], {"dim": 0})],
    "leaky_relu_backward": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"negative_slope": 0.2})],
    "gelu_backward": [(mode, [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"approximate": mode})
                      for mode in ("none", "tanh")],
    "elu_backward": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"alpha": 0.7}),
                     ("selu", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"alpha": 1.67, "scale": 1.05, "input_scale": 1}),
                     ("of-result", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"alpha": 0.7, "is_result": True})],
    "hardswish_backward": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2, low=-5, high=5)], None)],
    **{f"prelu_backward_{which}": [("", [_r(2, 3, 4, seed=1), _r(2, 3, 4, seed=2), _pos(1, 3, 1, seed=3)], None)]
       for which in ("self", "weight")},
    "hardtanh_backward": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"min_val": -0.5, "max_val": 0.7})],
    "diagonal_backward": [("", [_r(3)], {"shape": (3, 5), "offset": 1, "dim1": 0, "dim2": 1}),
                          ("dims", [_r(3, 2)], {"shape": (2, 3, 4), "offset": -1, "dim1": 2, "dim2": 0})],
    "embedding_dense_backward": [("", [_r(2, 2, 3)], {"indices": np.array([[0, 2], [2, 3]]), "num_weights": 5,
                                                      "padding_idx": 3, "scale_grad_by_freq": False})],
    "log_sigmoid_backward": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2)], None)],
    "softplus_backward": [("", [_r(3, 4, seed=1), _r(3, 4, seed=2)], {"beta": 1.5, "threshold": 2.0})],
    "mse_loss_backward": [(red, [np.array(0.7) if red != "none" else _r(3, 4, seed=3), _r(3, 4, seed=1),
                                 _r(3, 4, seed=2)], {"reduction": red}) for red in ("mean", "sum", "none")],
    **{f"{loss}_backward": [(red, [np.array(0.7) if red != "none" else _r(3, 4, seed=3), _r(3, 4, seed=1),
                                   _r(3, 4, seed=2)], {"reduction": red, param: value})
                            for red, value in (("mean", 1.0), ("sum", 0.7), ("none", 1.3))]
       for loss, param in (("smooth_l1_loss", "beta"), ("huber_loss", "delta"))},
    "binary_cross_entropy_backward": [
        (f"{red}-w{w is not None}", [np.array(0.7) if red != "none" else _r(3, 4, seed=3),
                                     _rng(1).uniform(0.1, 0.9, size=(3, 4)), _rng(2).uniform(size=(3, 4))],
         {"weight": w, "reduction": red})
        for red, w in (("mean", None), ("sum", _pos(3, 4, seed=4)), ("none", None))],
    "nll_loss_backward": [(case, [np.array(0.7) if p["reduction"] != "none" else _r(5, seed=3)] + inputs, p)
                          for case, inputs, p in _nll_cases()],
    "nll_loss2d_backward": [(case, [np.array(0.7) if p["reduction"] != "none" else _r(2, 2, 2, seed=3)] + inputs, p)
                            for case, inputs, p in _nll_2d_cases()],
    "select_backward": [("", [_r(4, 2)], {"shape": (3, 4, 2), "dim": 0, "index": 1})],
    "slice_backward": [("", [_r(3, 2)], {"shape": (3, 5), "dim": 1, "index": slice(1, 5, 2)})],
    "scatter": [("", [_r(3, 4, seed=1), _r(3, 2, seed=2)], {"dim": 1, "index": np.array([[0, 2], [1, 3], [3, 0]])})],
    "scatter_value": [("", [_r(3, 4, seed=1)], {"dim": 0, "index": np.array([[0, 2, 1, 0]]), "value": 2.5})],
    "scatter_add": [("repeats", [_r(3, 4, seed=1), _r(3, 2, seed=2)],
                     {"dim": 1, "index": np.array([[0, 0], [1, 3], [2, 2]])})],
    "index_fill": [("", [_r(3, 4), np.array(0.7)], {"dim": 1, "index": np.array([0, 2])})],
    "masked_select": [("broadcast", [_r(3, 4)], {"mask": _rng(3).uniform(size=(4,)) > 0.4})],
    "index_put_impl": [("repeats", [_r(4, 3, seed=1), _r(3, 3, seed=2)], {"indices": (np.array([0, 2, 0]),)})],
    # convolution: input (N, C, *S), weight (O, C / groups, *K) (transposed: (C, O / groups, *K)), bias (O,)
    "convolution": [
        ("2d", [_r(2, 4, 5, 6, seed=1), _r(6, 2, 3, 2, seed=2), _r(6, seed=3)], _conv(2, stride=(2, 1), padding=(1, 0),
                                                                                   dilation=(1, 2), groups=2)),
        ("1d", [_r(2, 3, 7, seed=1), _r(2, 3, 3, seed=2), _r(2, seed=3)], _conv(1, stride=(3,), padding=(2,))),
        ("transposed", [_r(2, 4, 3, 4, seed=1), _r(4, 3, 2, 3, seed=2), _r(6, seed=3)],
         _conv(2, stride=(2, 1), padding=(1, 0), dilation=(1, 2), transposed=True, output_padding=(1, 0), groups=2)),
    ],
    "convolution_backward": [  # (grad_output, input, weight): one gradient each, 0 input, 1 weight, 2 bias
        (f"{'transposed-' if t else ''}{out}", [_r(*g, seed=1), _r(2, 2, 5, 6, seed=2), _r(*w, seed=3)],
         dict(_conv(2, stride=(2, 2), padding=(1, 0), dilation=(1, 2), transposed=t, output_padding=op), output=out))
        for t, g, w, op in ((False, (2, 4, 3, 2), (4, 2, 3, 2), (0, 0)), (True, (2, 4, 10, 13), (2, 4, 3, 2), (1, 0)))
        for out in (0, 1, 2)],
    "constant_pad_nd": [("", [_r(2, 3, 4)], {"pad": (1, 2, 0, -1), "value": 0})],
    # pooling and normalisation (max pooling: the indices of the maxima are a param, as max_dim's)
    "max_pool2d_with_indices": _max_pool_cases(),
    "max_pool2d_with_indices_backward": [(label, [_r(*_max_pool_out_shape(x, p), seed=3), x], _backward_params(p))
                                         for label, (x,), p in _max_pool_cases()],
    "avg_pool2d": _avg_pool_cases(),
    "avg_pool2d_backward": [(label, [_r(*_avg_pool_out_shape(x, p), seed=3), x], p)
                            for label, (x,), p in _avg_pool_cases()],
    "adaptive_avg_pool2d": [(f"{o}", [_r(2, 5, 7)], {"output_size": o}) for o in ((2, 3), (5, 7), (3, 9))],
    "adaptive_avg_pool2d_backward": [(f"{o}", [_r(2, *o, seed=3), _r(2, 5, 7)], None)
                                     for o in ((2, 3), (5, 7), (3, 9))],
    # (in eval mode: in training the row's forward reads the batch statistics as params, which its
    # rules differentiate too: the public batch-norm programs below check those)
    "native_batch_norm": [("eval", [_r(3, 2, 4, seed=1), _pos(2, seed=2), _r(2, seed=3)],
                           {"running_mean": _r(2, seed=4), "running_var": _pos(2, seed=5), "training": False,
                            "eps": 1e-5, "result1": np.empty(0), "result2": np.empty(0)})],
}


def _cases():
    for name in sorted(OPS):
        for label, inputs, params in SAMPLES.get(name, ()):
            yield pytest.param(name, inputs, params, id=f"{name}-{label}" if label else name)


# rows whose nodes only the engine builds (no forward of their own): checked through these programs
NOT_DIFFERENTIABLE = {"floor_divide", "rremainder",  # PyTorch's NotImplemented nodes (test_errors.py)
                      "hardsigmoid_backward",  # (likewise; test_hunt18.py)
                      "cdist_backward"}  # (its derivative is not_implemented in PyTorch: test_hunt16.py)
# batch norm's backward rows read the batch statistics as inputs without gradients (PyTorch's
# not_implemented), so a row-level sample cannot make them leaves: these programs check their rules
SECOND_DERIVATIVES = {"native_batch_norm_backward_input": ["batch-norm-grad-input", "batch-norm-eval-grad-input"],
                      "native_batch_norm_backward_weight": ["batch-norm-grad-weight", "batch-norm-eval-grad-weight"],
                      "native_batch_norm_backward_bias": ["batch-norm-grad-bias"]}
BUILT_BY_THE_ENGINE = {"copy_slices": ["setitem-on-clone", "inplace-on-a-row", "inplace-on-a-column-twice",
                                       "inplace-on-a-view-of-a-view", "inplace-on-a-0d-view"]}
# layer norm's row reads the statistics of its input as params (result1, result2), which its rules
# differentiate too, and its backward rows read them as inputs without gradients: a row-level
# sample cannot move them with the input, so these programs check its rules
STATISTICS_AS_PARAMS = {
    "native_layer_norm": ["layer-norm", "layer-norm-2-dims-no-affine", "layer-norm-weight-only", "layer-norm-bias-only"],
    "native_layer_norm_backward_input": ["layer-norm-grad-input", "layer-norm-no-affine-grad-input"],
    "native_layer_norm_backward_weight": ["layer-norm-grad-weight"],
    "native_layer_norm_backward_bias": ["layer-norm-grad-bias", "layer-norm-bias-only-grad-bias"]}


def test_every_op_has_a_sample():
    """A row added to the op table without a sample here would skip gradcheck: fail instead."""
    assert all(name in PUBLIC for names in BUILT_BY_THE_ENGINE.values() for name in names)
    assert all(name in PUBLIC for names in SECOND_DERIVATIVES.values() for name in names)
    assert all(name in PUBLIC for names in STATISTICS_AS_PARAMS.values() for name in names)
    missing = sorted(set(OPS) - set(SAMPLES) - set(BUILT_BY_THE_ENGINE) - set(SECOND_DERIVATIVES)
                     - set(STATISTICS_AS_PARAMS) - NOT_DIFFERENTIABLE)
    stale = sorted(set(SAMPLES) - set(OPS))
    assert not missing, f"add gradcheck samples for these op-table rows: {missing}"
    assert not stale, f"these samples name no op-table row any more: {stale}"
    assert all(SAMPLES[name] for name in SAMPLES)


def _numeric_grads(f, arrays, g, which):
    """Central differences of L(x) = sum(g * f(x)) with respect to arrays[i] for i in which."""
    grads = {}
    for i in which:
        x = arrays[i]
        grad = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            old = x[j]
            x[j] = old + EPS
            up = np.sum(g * f(arrays))
            x[j] = old - EPS
            down = np.sum(g * f(arrays))
            x[j] = old
            grad[j] = (up - down) / (2 * EPS)
        grads[i] = grad
    return grads


@pytest.mark.parametrize("name, inputs, params", list(_cases()))
def test_op_gradient_matches_central_differences(name, inputs, params):
    op = OPS[name]
    arrays = [np.array(x, dtype=np.float64) for x in inputs]
    leaves = [ac.tensor(a, dtype=ac.float64, requires_grad=True) for a in arrays]
    several = op.node_class._multi  # (unbind, split: its outputs, flattened and joined into one)
    if several:
        # (std_mean's outputs are results, not views: the rule reads them)
        pieces = (_outputs_of_one_node if name.endswith("_mean") else _pieces)(name, leaves[0], params)
        out = ac.cat([p.reshape(-1) for p in pieces])
        assert {type(p.grad_fn).__name__ for p in pieces} == {op.grad_fn}
    else:
        out = apply(op, tuple(leaves), params)
        assert type(out.grad_fn).__name__ == op.grad_fn
    assert out.dtype == ac.float64
    g = _rng(42).standard_normal(out.shape)
    out.backward(ac.tensor(g))

    def f(xs):
        out = op.forward(*xs, **params) if params else op.forward(*xs)
        return np.concatenate([p.reshape(-1) for p in out]) if several else out

    numeric = _numeric_grads(f, arrays, g, range(len(arrays)))
    for i, leaf in enumerate(leaves):
        if leaf.grad is None and name == "convolution_backward":
            # (PyTorch's formula leaves it undefined where the gradient does not read this input)
            assert not numeric[i].any(), f"{name}: input {i} got no gradient"
            continue
        assert leaf.grad is not None, f"{name}: input {i} got no gradient"
        assert leaf.grad.shape == leaf.shape
        # (force: sgn's gradient is an efficient zero tensor)
        np.testing.assert_allclose(leaf.grad.numpy(force=True), numeric[i], rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name}: input {i}")


def test_op_gradient_only_for_inputs_that_need_it():
    """An input without requires_grad gets (None, 0) and no gradient; the other one still does."""
    a = ac.tensor(_r(3, 4, seed=1), requires_grad=True)
    b = ac.tensor(_r(3, 4, seed=2))
    y = a * b
    assert y.grad_fn.next_functions[1] == (None, 0)
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.numpy())
    assert b.grad is None


# --- the public functions (compositions PyTorch spells with several primitives) -----------------
def _gradcheck(fn, *arrays, seed=7):
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    leaves = [ac.tensor(a, dtype=ac.float64, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    g = _rng(seed).standard_normal(out.shape)
    out.backward(ac.tensor(g))

    def f(xs):
        with ac.no_grad():
            return fn(*[ac.tensor(x, dtype=ac.float64) for x in xs]).numpy()

    numeric = _numeric_grads(f, arrays, g, range(len(arrays)))
    for i, leaf in enumerate(leaves):
        assert leaf.grad is not None and leaf.grad.shape == leaf.shape
        np.testing.assert_allclose(leaf.grad.numpy(), numeric[i], rtol=RTOL, atol=ATOL,
                                   err_msg=f"input {i}")


MATMUL_SHAPES = [
    ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)),
    ((2, 3, 4), (4, 5)), ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 2, 4, 1)),
]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_gradients(sa, sb):
    _gradcheck(lambda a, b: a @ b, _r(*sa, seed=1), _r(*sb, seed=2))


_BN_SECOND = [_r(3, 2, 4, seed=1), _pos(2, seed=2), _r(3, 2, 4, seed=3)]


def _batch_norm_gradient(x, w, v, which, training=True):
    """d(batch_norm(x) . v) / d(x, w or b)[which], as a function of x, w, v (with its graph)"""
    b = ac.tensor(_r(2, seed=4), dtype=x.dtype, requires_grad=True)
    stats = (None, None) if training else (ac.tensor(_r(2, seed=5)), ac.tensor(_pos(2, seed=6)))
    outer = ac.is_grad_enabled()  # (the central differences run under no_grad: a plain value then)
    with ac.enable_grad():
        x.requires_grad_()
        w.requires_grad_()
        y = ac.nn.functional.batch_norm(x, *stats, w, b, training)
        g = ac.autograd.grad(y, (x, w, b), v, create_graph=outer)[which]
    return g if outer else g.detach()


def _layer_norm_gradient(x, w, v, which, shape=(4,), affine=True):
    """d(layer_norm(x) . v) / d(x, w or b)[which], as a function of x, w, v (with its graph);
    affine=False: no weight, and a bias only for its own gradient (which 1)"""
    outer = ac.is_grad_enabled()  # (the central differences run under no_grad: a plain value then)
    with ac.enable_grad():
        b = ac.tensor(_r(*shape, seed=4), dtype=x.dtype, requires_grad=True)
        x.requires_grad_()
        if affine:
            w.requires_grad_()
        inputs = (x, w, b) if affine else (x, b) if which else (x,)
        y = ac.nn.functional.layer_norm(x, shape, w if affine else None, b if affine or which else None, 1e-3)
        g = ac.autograd.grad(y, inputs, v, create_graph=outer)[which]
    return g if outer else g.detach()


_LN_SECOND = [_r(3, 4, seed=1), _r(4, seed=2), _r(3, 4, seed=3)]


PUBLIC = {
    "layer-norm": (lambda x, w, b: ac.nn.functional.layer_norm(x, [4], w, b), [_r(3, 4, seed=1), _r(4, seed=2), _r(4, seed=3)]),
    "layer-norm-2-dims-no-affine": (lambda x: ac.layer_norm(x, (3, 4), eps=0.1), [_r(2, 3, 4, seed=1)]),
    "layer-norm-weight-only": (lambda x, w: ac.nn.functional.layer_norm(x, (2, 3), w), [_r(2, 2, 3, seed=1), _r(2, 3, seed=2)]),
    "layer-norm-bias-only": (lambda x, b: ac.nn.functional.layer_norm(x, (5,), None, b), [_r(2, 5, seed=1), _r(5, seed=2)]),
    # layer norm's backward rows, as the second derivative they are (NativeLayerNormBackwardBackward0
    # under create_graph, differentiated once more)
    "layer-norm-grad-input": (lambda x, w, v: _layer_norm_gradient(x, w, v, 0), _LN_SECOND),
    "layer-norm-grad-weight": (lambda x, w, v: _layer_norm_gradient(x, w, v, 1), _LN_SECOND),
    "layer-norm-grad-bias": (lambda x, w, v: _layer_norm_gradient(x, w, v, 2), _LN_SECOND),
    "layer-norm-no-affine-grad-input": (lambda x, v: _layer_norm_gradient(x, None, v, 0, affine=False),
                                        _LN_SECOND[::2]),
    # (PyTorch's second derivative here is None, or an error with others: see the README)
    "layer-norm-bias-only-grad-bias": (lambda v: _layer_norm_gradient(ac.tensor(_LN_SECOND[0]), None, v, 1, affine=False),
                                       _LN_SECOND[2:]),
    "matmul-same-tensor": (lambda a: a @ a, [_r(3, 3)]),
    "index-chain": (lambda a: a[1:, None, ::2][..., 0], [_r(4, 5, 3)]),
    "index-int-then-slice": (lambda a: a[:, 1][0:2], [_r(4, 5)]),
    "index-list-repeats": (lambda a: a[[0, 2, 2]], [_r(4, 3)]),
    "index-tensor-pairs": (lambda a: a[ac.tensor([0, 3]), ac.tensor([1, 1])], [_r(4, 3)]),
    "index-mask": (lambda a: a[a > 0], [_r(4, 3)]),
    "index-negative": (lambda a: a[-1, -2:], [_r(4, 3)]),
    "index-ellipsis-none": (lambda a: a[..., None, 1], [_r(2, 3, 4)]),
    "reshape-noncontiguous": (lambda a: a.t().reshape(-1), [_r(3, 4)]),
    "reshape-permuted": (lambda a: a.permute(2, 0, 1).reshape(4, 6), [_r(2, 3, 4)]),
    "flatten": (lambda a: a.transpose(0, 1).flatten(1), [_r(2, 3, 4)]),
    "view-as": (lambda a, b: a.view_as(b) * b, [_r(2, 6), _r(3, 4)]),
    "expand-sum": (lambda a: a.expand(3, 2, 4).sum(0), [_r(2, 1)]),
    "max-dim-values": (lambda a: ac.max(a, dim=1).values, [_distinct(3, 4)]),
    "min-keepdim-broadcast": (lambda a: a - ac.min(a, 0, keepdim=True)[0], [_distinct(3, 4)]),
    "norm-dim": (lambda a: a.norm(dim=1), [_r(3, 4)]),
    "number-minus-tensor": (lambda a: 2 - a, [_r(3)]),
    "number-over-tensor": (lambda a: 2 / a, [_r(3)]),
    "number-pow-tensor": (lambda a: 2 ** a, [_r(3)]),
    "tensor-pow-tensor": (lambda a, b: a ** b, [_pos(3, 1, seed=1), _r(4, seed=2)]),
    "add-alpha": (lambda a, b: ac.add(a, b, alpha=-0.5), [_r(3), _r(2, 3)]),
    "sub-alpha": (lambda a, b: ac.sub(a, b, alpha=3), [_r(3), _r(2, 3)]),
    "square": (lambda a: ac.square(a), [_r(3)]),
    "softmax-negative-dim": (lambda a: ac.softmax(a, dim=-1) * a, [_r(3, 4)]),
    "cat-same-tensor": (lambda a: ac.cat([a, a * 2, a], dim=0), [_r(2, 3)]),
    "stack-negative-dim": (lambda a, b: ac.stack([a, b], dim=-1), [_r(2, 3), _r(2, 3)]),
    "where-number": (lambda a: ac.where(a > 0, a, 0.5), [_r(3, 4)]),
    "clamp-method": (lambda a: a.clamp(min=-0.3) * a, [_r(3, 4)]),
    "mT": (lambda a: a.mT @ a, [_r(2, 3, 4)]),
    "setitem-on-clone": (lambda a, b: _setitem(a, b), [_r(3, 4), _r(4)]),
    "inplace-on-a-row": (lambda a, b: _inplace_on_view(a, b, lambda y: y[1], lambda v, b: v.mul_(b)),
                         [_r(3, 4), _r(4)]),
    "inplace-on-a-column-twice": (lambda a, b: _inplace_on_view(
        a, b, lambda y: y[:, 2], lambda v, b: v.add_(b[:3], alpha=2).mul_(b[1:])), [_r(3, 4), _r(4)]),
    "inplace-on-a-view-of-a-view": (lambda a, b: _inplace_on_view(
        a, b, lambda y: y.t()[1:][:, ::2], lambda v, b: v.div_(b[:3:2].abs() + 1)), [_r(3, 4), _r(4)]),
    "inplace-on-a-0d-view": (lambda a, b: _inplace_on_view(
        a, b, lambda y: y[2, 1], lambda v, b: v.mul_(b[0])), [_r(3, 4), _r(4)]),
    "inplace-chain": (lambda a, b: _inplace_chain(a, b), [_r(3, 4), _r(3, 4)]),
    "setitem-mask": (lambda a, b: _setitem_mask(a, b), [_r(4, 3), _r(3)]),
    "matmul-batch-of-one": (lambda a, b: a @ b, [_r(1, 2, 3), _r(4, 3, 2)]),
    # torch.nn.functional (composed from rows; the rows themselves are checked above)
    "linear-3d": (lambda x, w, b: ac.nn.functional.linear(x, w, b), [_r(2, 3, 4), _r(5, 4), _r(5)]),
    "linear-1d-no-bias": (lambda x, w: ac.nn.functional.linear(x, w), [_r(4), _r(5, 4)]),
    "linear-transposed-input": (lambda x, w, b: ac.nn.functional.linear(x.transpose(0, 1), w, b),
                                [_r(3, 2, 4), _r(5, 4), _r(5)]),
    "cross-entropy": (lambda x: ac.nn.functional.cross_entropy(x, ac.tensor([0, 2, 1, 2])), [_r(4, 3)]),
    "cross-entropy-weighted": (lambda x: ac.nn.functional.cross_entropy(
        x, ac.tensor([0, 2, 1]), weight=ac.tensor(_pos(3, seed=4))), [_r(3, 3)]),
    "mse-loss-sum": (lambda x, y: ac.nn.functional.mse_loss(x, y, reduction="sum"), [_r(3, 4), _r(3, 4)]),
    "bce-logits-pos-weight": (lambda x: ac.nn.functional.binary_cross_entropy_with_logits(
        x, ac.tensor(_rng(1).uniform(size=(3, 4))), pos_weight=ac.tensor(_pos(4, seed=2))), [_r(3, 4)]),
    "batch-norm-training": (lambda x, w, b: ac.nn.functional.batch_norm(x, None, None, w, b, True),
                            [_r(4, 3, 5, seed=1), _pos(3, seed=2), _r(3, seed=3)]),
    "batch-norm-training-2d": (lambda x: ac.nn.functional.batch_norm(x, None, None, training=True), [_r(5, 3)]),
    # batch norm's backward rows, as the second derivative they are: the first gradient (a
    # NativeBatchNormBackwardBackward0 under create_graph) differentiated once more
    "batch-norm-grad-input": (lambda x, w, v: _batch_norm_gradient(x, w, v, 0), _BN_SECOND),
    "batch-norm-grad-weight": (lambda x, w, v: _batch_norm_gradient(x, w, v, 1), _BN_SECOND),
    "batch-norm-grad-bias": (lambda x, w, v: _batch_norm_gradient(x, w, v, 2), _BN_SECOND),
    "batch-norm-eval-grad-input": (lambda x, w, v: _batch_norm_gradient(x, w, v, 0, False), _BN_SECOND),
    "batch-norm-eval-grad-weight": (lambda x, w, v: _batch_norm_gradient(x, w, v, 1, False), _BN_SECOND),
}


def _setitem_mask(a, b):
    y = a * 2
    y[a[:, 0] > 0] = b * 2
    return y * a


def _setitem(a, b):
    y = a * 1
    y[1] = b * 2
    return y * a


def _inplace_on_view(a, b, view, op):
    """An in-place op on a view of a non-leaf: CopySlices; an earlier view regenerates (AsStrided)."""
    y = a * 1
    early = y[0] * 1  # (taken before, so the product is not affected)
    first_row = y[0]
    op(view(y), b)
    return y * a + first_row.sum() * early.sum()


def _inplace_chain(a, b):
    y = a.clone()
    y.mul_(b)
    y.add_(a, alpha=2)
    y.div_(b.abs() + 1)
    return y


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_function_gradients(name):
    fn, arrays = PUBLIC[name]
    _gradcheck(fn, *arrays)


def test_gradcheck_detects_a_wrong_rule(monkeypatch):
    """The check can fail: a sign error in one backward rule is caught."""
    op = OPS["sin"]
    monkeypatch.setattr(op, "grads", (lambda xp, g, a, out: -g * xp.cos(a),))
    with pytest.raises(AssertionError):
        test_op_gradient_matches_central_differences("sin", [_r(3)], None)


# =====================================================================================================
# torch.autograd.gradcheck itself: the same call on autograd_core and on torch 2.13 gives the same
# return value, or the same exception type and message (which prints both Jacobians: the numerical
# one must come out digit for digit), and the same warnings.
# =====================================================================================================
import warnings  # noqa: E402

import torch  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PROPS = settings(derandomize=True, deadline=None, max_examples=40, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _check_outcome(snippet, module):
    """(('ok', value) or ('raise', type name, message), [(warning category, message), ...])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", snippet(module))
        except Exception as e:  # noqa: BLE001 -- the exception is what is compared
            result = ("raise", type(e).__name__, str(e))
    # (torch's own imports may warn about torch.jit; that is no part of gradcheck)
    said = [(w.category.__name__, str(w.message)) for w in caught if "torch.jit" not in str(w.message)]
    return result, said


def _same_check(snippet, dot_digits=None):
    """The same outcome and warnings on both libraries. dot_digits: compare the numbers a message
    prints in full (fast mode's v^T J u, a dot product) to that many significant digits only:
    autograd_core's dot adds in another order than MKL's, which torch calls (README)."""
    ours, theirs = _check_outcome(snippet, ac), _check_outcome(snippet, torch)
    if dot_digits is not None:
        ours, theirs = _rounded(ours, dot_digits), _rounded(theirs, dot_digits)
    assert ours == theirs, f"\nautograd_core: {ours!r}\ntorch:         {theirs!r}"
    return ours


def _rounded(outcome, digits):
    import re
    result, said = outcome
    if result[0] == "raise":
        result = result[:2] + (re.sub(r"-?\d+\.\d{7,}(e[+-]?\d+)?",
                                      lambda m: f"{float(m.group()):.{digits}g}", result[2]),)
    return result, said


def _t(m, values, dtype="float64", requires_grad=True):
    return m.tensor(values, dtype=getattr(m, dtype), requires_grad=requires_grad)


X23 = [[0.5, -1.2, 2.0], [0.3, 0.1, -0.7]]
Y3 = [1.5, -0.25, 0.75]


def _scaled_exp(m, scale=1.01, materialize=True, on_none="zeros"):
    """exp with a backward off by `scale` (1.0: right); materialize=False: it gets None for an
    undefined gradient, and on_none says what it does then."""
    class ScaledExp(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(a)
            return a.exp()

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            if g is None:
                if on_none == "raise":
                    raise RuntimeError("backward got None")
                if on_none == "ones":
                    return m.ones_like(a)
                if on_none == "none":
                    return None
            return g.mul(a.exp()) * scale  # (None.mul: an AttributeError, as in torch)
    return ScaledExp


def _two_out(m, log, materialize=True, skip_none=True):
    """(2a, a*a), logging which gradients its backward got as None; skip_none=False: a backward
    that cannot take None (Python's TypeError)."""
    class TwoOut(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(a)
            return a * 2, a * a

        @staticmethod
        def backward(ctx, g1, g2):
            a, = ctx.saved_tensors
            log.append((g1 is None, g2 is None))
            if not skip_none:
                return g1 * 2 + g2 * 2 * a
            terms = [t for t in (None if g1 is None else g1 * 2, None if g2 is None else g2 * 2 * a)
                     if t is not None]
            return terms[0] + terms[1] if len(terms) == 2 else (terms[0] if terms else None)
    return TwoOut


def _check_and_log(m, make, **kwargs):
    """gradcheck of the Function make(m, log) builds, and what its backward was given, call by call."""
    log = []
    return m.autograd.gradcheck(make(m, log).apply, (_t(m, Y3),), **kwargs), log


def _not_reentrant(m):
    class NotReentrant(m.autograd.Function):
        calls = [0]

        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            NotReentrant.calls[0] += 1
            return g * 2 + (1e-9 if NotReentrant.calls[0] % 2 else 0.0)
    return NotReentrant


def _ignores_grad_output(m):
    class IgnoresGradOutput(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return m.ones_like(g) * 2
    return IgnoresGradOutput


GC = {
    "passes": lambda m: m.autograd.gradcheck(lambda a, b: (a * b).sin().sum(0), (_t(m, X23), _t(m, Y3))),
    "passes-fast": lambda m: m.autograd.gradcheck(lambda a, b: (a * b).sin().sum(0), (_t(m, X23), _t(m, Y3)),
                                                  fast_mode=True),
    "wrong-backward": lambda m: m.autograd.gradcheck(_scaled_exp(m).apply, (_t(m, X23),)),
    "wrong-backward-fast": lambda m: m.autograd.gradcheck(_scaled_exp(m).apply, (_t(m, X23),), fast_mode=True),
    "wrong-backward-no-raise": lambda m: m.autograd.gradcheck(_scaled_exp(m).apply, (_t(m, X23),),
                                                              raise_exception=False),
    "wrong-backward-looser-rtol": lambda m: m.autograd.gradcheck(_scaled_exp(m).apply, (_t(m, X23),), rtol=0.02),
    "wrong-second-input": lambda m: m.autograd.gradcheck(
        lambda a, b: a * 2 + _scaled_exp(m, 0.9).apply(b), (_t(m, Y3), _t(m, Y3))),
    "wrong-second-output": lambda m: m.autograd.gradcheck(
        lambda a, b: (a * b, _scaled_exp(m, 0.9).apply(b)), (_t(m, Y3), _t(m, Y3))),
    "float32-passes-with-warning": lambda m: m.autograd.gradcheck(
        lambda a: a * a, (_t(m, Y3, "float32"),), eps=1e-3, atol=1e-2),
    "float32-fails": lambda m: m.autograd.gradcheck(lambda a: a * a, (_t(m, Y3, "float32"),)),
    "float32-fails-fast": lambda m: m.autograd.gradcheck(lambda a: a * a, (_t(m, Y3, "float32"),),
                                                         fast_mode=True),
    "nothing-requires-grad": lambda m: m.autograd.gradcheck(lambda a: a * 2, (_t(m, Y3, requires_grad=False),)),
    "stride-0-input": lambda m: m.autograd.gradcheck(
        lambda a: a * 2, (_t(m, Y3, requires_grad=False)[None].expand(2, 3).requires_grad_(),)),
    "detached-output": lambda m: m.autograd.gradcheck(lambda a: a.detach() * 2, (_t(m, X23),)),
    "constant-output": lambda m: m.autograd.gradcheck(lambda a: m.ones(2, dtype=m.float64), (_t(m, X23),)),
    "constant-output-fast": lambda m: m.autograd.gradcheck(lambda a: m.ones(2, dtype=m.float64), (_t(m, X23),),
                                                           fast_mode=True),
    "several-outputs": lambda m: m.autograd.gradcheck(
        lambda a, b: (a * b, a.sum() * b, a.detach()), (_t(m, X23), _t(m, Y3))),
    "outputs-as-a-list": lambda m: m.autograd.gradcheck(lambda a: [a * 2, a.exp()], [_t(m, Y3)]),
    "number-argument": lambda m: m.autograd.gradcheck(lambda a, k, b: a * k + b, (_t(m, X23), 2.5, _t(m, Y3))),
    "input-without-grad": lambda m: m.autograd.gradcheck(
        lambda a, b: a * b, (_t(m, Y3), _t(m, Y3, requires_grad=False))),
    "zero-dim": lambda m: m.autograd.gradcheck(lambda a: (a * 3) ** 2, (_t(m, 1.3),)),
    "ignores-grad-output": lambda m: m.autograd.gradcheck(_ignores_grad_output(m).apply, (_t(m, Y3),)),
    "ignores-grad-output-fast": lambda m: m.autograd.gradcheck(_ignores_grad_output(m).apply, (_t(m, Y3),),
                                                               fast_mode=True),
    "not-reentrant": lambda m: m.autograd.gradcheck(_not_reentrant(m).apply, (_t(m, Y3),)),
    "not-reentrant-within-nondet-tol": lambda m: m.autograd.gradcheck(_not_reentrant(m).apply, (_t(m, Y3),),
                                                                      nondet_tol=1e-6),
    "output-shape-changes": lambda m: m.autograd.gradcheck(lambda a: a[a > 0.5], (_t(m, [0.5, 1.0]),)),
    "returns-a-number": lambda m: m.autograd.gradcheck(lambda a: 3.0, (_t(m, Y3),)),
    "undefined-grad-handled-as-none": lambda m: m.autograd.gradcheck(
        _scaled_exp(m, 1.0, materialize=False, on_none="none").apply, (_t(m, Y3),)),
    "undefined-grad-raises": lambda m: m.autograd.gradcheck(
        _scaled_exp(m, 1.0, materialize=False, on_none="raise").apply, (_t(m, Y3),)),
    "undefined-grad-gives-ones": lambda m: m.autograd.gradcheck(
        _scaled_exp(m, 1.0, materialize=False, on_none="ones").apply, (_t(m, Y3),)),
    "undefined-grad-not-checked": lambda m: m.autograd.gradcheck(
        _scaled_exp(m, 1.0, materialize=False, on_none="raise").apply, (_t(m, Y3),), check_undefined_grad=False),
    "undefined-grad-not-handled": lambda m: m.autograd.gradcheck(
        _scaled_exp(m, 1.0, materialize=False, on_none="use").apply, (_t(m, Y3),)),
    "undefined-grads-one-output-at-a-time": lambda m: _check_and_log(
        m, lambda m, log: _two_out(m, log, materialize=False)),
    "undefined-grads-materialized": lambda m: _check_and_log(m, lambda m, log: _two_out(m, log)),
    "undefined-grads-not-handled": lambda m: _check_and_log(
        m, lambda m, log: _two_out(m, log, materialize=False, skip_none=False)),
    "undefined-grads-fast": lambda m: _check_and_log(
        m, lambda m, log: _two_out(m, log, materialize=False), fast_mode=True),
    "masked": lambda m: m.autograd.gradcheck(lambda a: a.exp(), (_t(m, Y3),), masked=True),
    "check-grad-dtypes": lambda m: m.autograd.gradcheck(lambda a: a.exp(), (_t(m, Y3),), check_grad_dtypes=True),
    "no-ad-mode-to-check": lambda m: m.autograd.gradcheck(lambda a: a, (_t(m, Y3),), check_backward_ad=False),
    "batched-without-backward": lambda m: m.autograd.gradcheck(
        lambda a: a, (_t(m, Y3),), check_backward_ad=False, check_forward_ad=False, check_batched_grad=True),
    "batched-forward-without-forward": lambda m: m.autograd.gradcheck(
        lambda a: a, (_t(m, Y3),), check_batched_forward_grad=True),
    "gradgradcheck-no-mode": lambda m: m.autograd.gradgradcheck(lambda a: a, (_t(m, Y3),), check_rev_over_rev=False),
    "gradgradcheck-undefined-without-rev": lambda m: m.autograd.gradgradcheck(
        lambda a: a, (_t(m, Y3),), check_rev_over_rev=False, check_fwd_over_rev=True),
    "numerical-jacobian-deprecated": lambda m: tuple(
        j.tolist() for j in __import__(m.__name__ + ".autograd.gradcheck", fromlist=["x"]).get_numerical_jacobian(
            lambda xs: xs[0] * xs[1], (_t(m, Y3), _t(m, Y3)), eps=1e-6)),
}


@pytest.mark.parametrize("name", sorted(GC))
def test_gradcheck_matches_torch(name):
    _same_check(GC[name], dot_digits=6 if name.endswith("-fast") else None)


def test_gradcheck_cases_fail_where_torch_fails():
    """The table holds failures of each kind (so a gradcheck that always passed would be caught)."""
    outcomes = {name: _check_outcome(GC[name], ac)[0] for name in ("wrong-backward", "float32-fails",
                                                                    "not-reentrant", "ignores-grad-output",
                                                                    "undefined-grad-gives-ones")}
    assert all(o[:2] == ("raise", "GradcheckError") for o in outcomes.values()), outcomes
    assert _check_outcome(GC["wrong-backward-no-raise"], ac)[0] == ("ok", False)


def test_gradcheck_error_is_torchs_class_where_torch_has_it():
    from autograd_core.autograd.gradcheck import GradcheckError
    assert issubclass(GradcheckError, RuntimeError)
    assert GradcheckError.__name__ == torch.autograd.gradcheck.__globals__["GradcheckError"].__name__
    with pytest.raises(GradcheckError, match=r"^Jacobian mismatch for output 0 with respect to input 0,\n"
                                             r"numerical:tensor\(\[\[2\.7183"):
        ac.autograd.gradcheck(_scaled_exp(ac).apply, (_t(ac, [1.0, 0.0]),))


@pytest.mark.parametrize("call, argument", [
    (lambda: ac.autograd.gradcheck(lambda a: a, (_t(ac, Y3),), check_forward_ad=True), "check_forward_ad"),
    (lambda: ac.autograd.gradcheck(lambda a: a, (_t(ac, Y3),), check_batched_grad=True), "check_batched_grad"),
    (lambda: ac.autograd.gradgradcheck(lambda a: a, (_t(ac, Y3),), check_fwd_over_rev=True), "check_fwd_over_rev"),
    (lambda: ac.autograd.gradgradcheck(lambda a: a, (_t(ac, Y3),), check_batched_grad=True), "check_batched_grad"),
])
def test_what_autograd_core_cannot_check_is_refused_by_name(call, argument):
    """Forward-mode AD and vmap do not exist here: asking for them is a NotImplementedError that
    names the argument, never a silent pass."""
    with pytest.raises(NotImplementedError, match=rf"\({argument}=True\) is not supported by autograd_core"):
        call()


def test_gradcheck_leaves_the_inputs_and_the_random_state_alone():
    x = _t(ac, X23)
    before, version = x.detach().clone(), x._version
    ac.manual_seed(3)
    expected = ac.rand(4)
    ac.manual_seed(3)
    assert ac.autograd.gradcheck(lambda a: a.exp(), (x,), fast_mode=True)
    assert ac.equal(ac.rand(4), expected)
    assert ac.equal(x.detach(), before) and x._version == version and x.grad is None


@PROPS
@given(shape=st.sampled_from([(3,), (2, 2), (1, 3), (2, 1, 2), ()]), seed=st.integers(0, 10 ** 6),
       scale=st.sampled_from([1.0, 1.0, 0.999, 1.5, -1.0]), dtype=st.sampled_from(["float64", "float64", "float32"]),
       fast=st.booleans(), eps=st.sampled_from([1e-6, 1e-4]), atol=st.sampled_from([1e-5, 1e-3]))
def test_random_polynomials_match_torch(shape, seed, scale, dtype, fast, eps, atol):
    """f(a, b) = (a*a*b + 3a - b, a*b) through a custom Function whose backward is off by `scale`:
    gradcheck's verdict, and when it fails its message (both Jacobians printed), match torch's.
    Only +, -, * : both libraries compute them bit for bit alike."""
    rng = np.random.default_rng(seed)
    va, vb = rng.uniform(-2, 2, size=shape), rng.uniform(-2, 2, size=shape)

    def snippet(m):
        class Poly(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a * a * b + 3 * a - b, a * b

            @staticmethod
            def backward(ctx, g1, g2):
                a, b = ctx.saved_tensors
                ga = g1 * (2 * a * b + 3) * scale + g2 * b
                gb = g1 * (a * a - 1) + g2 * a * scale
                return ga, gb
        a = m.tensor(va, dtype=getattr(m, dtype), requires_grad=True)
        b = m.tensor(vb, dtype=getattr(m, dtype), requires_grad=True)
        return m.autograd.gradcheck(Poly.apply, (a, b), eps=eps, atol=atol, fast_mode=fast)
    _same_check(snippet, dot_digits=(12 if dtype == "float64" else 6) if fast else None)


# --- gradgradcheck (needs create_graph) ---------------------------------------------------------------
def _cube_with_wrong_second_derivative(m, scale):
    """x**3 whose backward is right, but built from a Function whose own backward (the second
    derivative) is off by `scale`."""
    class Square3(m.autograd.Function):  # d/dx (x**3) = 3 x**2, its derivative 6x * scale
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return 3 * a * a

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return g * 6 * a * scale

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return g * Square3.apply(a)
    return Cube


GGC = {
    "passes": lambda m: m.autograd.gradgradcheck(lambda a, b: (a * b).sin(), (_t(m, X23), _t(m, Y3)),
                                                 (_t(m, X23),)),
    "passes-fast": lambda m: m.autograd.gradgradcheck(lambda a, b: (a * b).sin(), (_t(m, X23), _t(m, Y3)),
                                                      (_t(m, X23),), fast_mode=True),
    "wrong-second-derivative": lambda m: m.autograd.gradgradcheck(
        _cube_with_wrong_second_derivative(m, 1.1).apply, (_t(m, Y3),), (_t(m, [1.0, -1.0, 0.5]),)),
    "wrong-second-derivative-fast": lambda m: m.autograd.gradgradcheck(
        _cube_with_wrong_second_derivative(m, 1.1).apply, (_t(m, Y3),), (_t(m, [1.0, -1.0, 0.5]),),
        fast_mode=True),
    "right-second-derivative": lambda m: m.autograd.gradgradcheck(
        _cube_with_wrong_second_derivative(m, 1.0).apply, (_t(m, Y3),), (_t(m, [1.0, -1.0, 0.5]),)),
    "no-raise": lambda m: m.autograd.gradgradcheck(
        _cube_with_wrong_second_derivative(m, 1.1).apply, (_t(m, Y3),), (_t(m, [1.0, -1.0, 0.5]),),
        raise_exception=False),
    "once-differentiable": lambda m: m.autograd.gradgradcheck(_once(m).apply, (_t(m, Y3),),
                                                              (_t(m, [1.0, -1.0, 0.5]),)),
    "grad-output-without-grad": lambda m: m.autograd.gradgradcheck(
        lambda a: a.exp(), (_t(m, Y3),), (_t(m, [1.0, -1.0, 0.5], requires_grad=False),)),
    "float32": lambda m: m.autograd.gradgradcheck(lambda a: a ** 3, (_t(m, Y3, "float32"),),
                                                  (_t(m, [1.0, -1.0, 0.5], "float32"),)),
    "linear": lambda m: m.autograd.gradgradcheck(lambda a: a * 2, (_t(m, Y3),), (_t(m, [1.0, -1.0, 0.5]),)),
}


def _once(m):
    class Once(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 2

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return 2 * a * g
    return Once


@pytest.mark.parametrize("name", sorted(GGC))
def test_gradgradcheck_matches_torch(name):
    _same_check(GGC[name], dot_digits=12 if name.endswith("-fast") else None)


def test_gradgradcheck_random_grad_outputs():
    """Without grad_outputs, gradgradcheck draws them (from the global generator: autograd_core's
    numbers are its own); the verdicts agree."""
    for m in (ac, torch):
        assert m.autograd.gradgradcheck(lambda a: (a * a).exp(), (_t(m, X23),))
        assert m.autograd.gradgradcheck(lambda a: (a * a).exp(), (_t(m, X23),), gen_non_contig_grad_outputs=True)
        assert not m.autograd.gradgradcheck(_cube_with_wrong_second_derivative(m, 1.1).apply, (_t(m, Y3),),
                                            raise_exception=False)


@pytest.mark.parametrize("affine", ["weight and bias", "weight", "neither"])
def test_gradcheck_and_gradgradcheck_of_layer_norm_as_torchs(affine):
    """autograd.gradcheck and gradgradcheck of layer_norm: True on both libraries. (Without a
    weight but with a bias torch's gradgradcheck fails: its second derivative drops the bias's
    gradient; see the README. Ours passes: test_public_function_gradients[layer-norm-bias-only-grad-bias].)"""
    def inputs(m):
        xs = [_t(m, X23)] + [_t(m, Y3) for k in ("weight", "bias") if k in affine]
        return xs

    def fn(m):
        return lambda x, *wb: m.nn.functional.layer_norm(x, (3,), *wb, eps=1e-3)
    assert _same_check(lambda m: m.autograd.gradcheck(fn(m), inputs(m))) == (("ok", True), [])
    assert _same_check(lambda m: m.autograd.gradgradcheck(fn(m), inputs(m))) == (("ok", True), [])
