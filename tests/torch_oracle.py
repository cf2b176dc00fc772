"""The one oracle for comparing autograd_core with PyTorch 2.13: every torch comparison in the suite
(and the differential fuzzer) goes through it, with one tolerance policy.

Tolerance policy
- Shape and dtype must be the same (torch.float32 and numpy's float32 are the same dtype).
- Exactly equal: bool and integer tensors, Python ints, bools and strings, shapes, dtypes, grad_fn
  names, and error type and message. ``exact=True`` asks for float values to be equal bit for bit
  too, for results the engine computes as ATen does (full sums, linspace, losses, an optimiser fed
  the same gradients).
- Float values otherwise: elementwise ``|ours - torch| <= rtol * |torch| + atol * scale`` with
  ``(rtol, atol) = TOLERANCE[dtype]`` and ``scale = max(1, largest finite |torch value|)``. The
  scale makes atol relative to the tensor's magnitude: a sum that cancels to almost 0 carries the
  rounding error of its terms, not of its result. A Python float (``item()``, ``tolist()``) has no
  dtype left: it is compared as float32, the default dtype.
- NaN equals NaN; an infinity equals only the same infinity; NaN or inf against a finite number is a
  difference.
- A float64 result computed from float32 values carries float32's rounding: ``at_least="float32"``
  compares float64 values with float32's tolerance (the fuzzer does this in programs that mix them).
- A test that needs a looser tolerance says so where it asks for it: ``loosen=10,
  because="100 optimiser steps compound rounding"`` (``loosen`` without ``because`` is refused).

What torch's vector math does on this machine: ``TORCH_SQRT_NEARLY_IEEE`` (one probe, see there)
says whether the shares and bit-for-bit runs calibrated on MKL's AVX2 / AVX-512 kernels apply.

Helpers: ``difference`` (the first difference between two results, or None), ``assert_close``
(tensors, arrays, numbers, nested tuples/lists/dicts), ``outcome`` / ``assert_same`` (a snippet
``lambda m: ...`` run on both modules, errors included), ``graph_structure`` (a backward graph as
plain data), ``grad_fn_name``, ``quiet_grad``, ``array``.
"""
import re
import warnings

import numpy as np
import torch

import autograd_core

ENGINE, TORCH = autograd_core, torch

# (rtol, atol) per floating dtype: about 8 units in the last place for float32 (eps 1.2e-7), 1 for
# float16, and about 4500 for float64, whose differences (summation order, functions numpy and ATen
# compute differently) sit far above its eps of 2.2e-16 yet far below anything a student prints.
TOLERANCE = {
    "float16": (1e-3, 1e-3),
    "bfloat16": (1e-2, 1e-2),
    "float32": (1e-6, 1e-7),
    "float64": (1e-12, 1e-13),
}
_PYTHON_FLOAT = "float32"  # item() and tolist() give Python floats; the default dtype's tolerance


# --- torch's vector math on this machine -----------------------------------------------------------------
def share_of_torch_float32_sqrt_rounded_as_ieee():
    """Of 4,096 float32 values (|normal| * 3), the share whose torch.sqrt equals the correctly rounded
    square root (numpy's). A contiguous float32 tensor of 16 or more elements goes through MKL's vector
    math (sqrt, exp, log, sin, tan, atan, erf...), whose kernels MKL picks by the CPU: about 99% on
    the CPUs this suite was calibrated on (its AVX2 / AVX-512 kernels; README: 0.7% of normals
    differ), 82% on an AMD EPYC Zen 4 (the kernels MKL 2024.2 runs on other makers' CPUs)."""
    x = (np.abs(np.random.default_rng(0).standard_normal(4096)) * 3).astype(np.float32)
    return float(np.mean(torch.sqrt(torch.from_numpy(x)).numpy() == np.sqrt(x)))


# Whether torch's float32 sqrt is IEEE's for all but a few inputs: where it is, the shares of last-bit
# differences the tests assert for MKL's vector math (tan, atan, logsumexp's exp and log) hold, and so
# do the bit-for-bit runs through it (optimisers that take a sqrt: Adam, RMSprop, Adagrad; float64
# log in pow's gradient); where it is not, those tests assert what holds on every CPU (one ulp per
# value, the same NaNs, the oracle's tolerance).
TORCH_SQRT_NEARLY_IEEE = share_of_torch_float32_sqrt_rounded_as_ieee() >= 0.95


# --- reading tensors ---------------------------------------------------------------------------------
def _is_tensor(x):
    return isinstance(x, (autograd_core.Tensor, torch.Tensor))


def _numpy(t):
    """t's values as numpy, outside any graph. An efficient zero tensor (sgn's gradient of a real
    input, in both libraries) prints as zeros and refuses .numpy(): its values are zeros by definition
    (not read with numpy(force=True): torch 2.13's crashes the process on a view of one, z[1::2])."""
    t = t.detach()
    if t._is_zerotensor():
        lib = torch if isinstance(t, torch.Tensor) else autograd_core
        return np.zeros(tuple(t.shape), lib.zeros((), dtype=t.dtype).numpy().dtype)
    return t.numpy()


def array(t):
    """A tensor's values as a numpy array (a copy, outside any graph)."""
    return np.array(_numpy(t), copy=True)


def dtype_name(x):
    """'float32', 'int64', 'bool', ... for a tensor, a numpy array or a dtype of any of the three."""
    d = getattr(x, "dtype", x)
    if isinstance(d, np.dtype):
        return d.name
    return str(d).replace("torch.", "")


def grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def quiet_grad(t):
    """t.grad without the non-leaf UserWarning (both libraries warn alike; tested elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return t.grad


def graph_structure(root, leaf_ids):
    """The backward graph reachable from ``root`` (a grad_fn) as plain data.

    Nodes are numbered in the order a depth-first walk along ``next_functions`` first meets them,
    so two graphs with the same shape give the same list: one entry per node,
    ``(class name, leaf number or None, ((child number or None, input_nr), ...))``.
    ``leaf_ids`` maps id(leaf tensor) -> leaf number, identifying what each AccumulateGrad feeds.
    """
    if root is None:
        return None
    order, entries, stack = {}, [], [root]
    while stack:  # iterative: one pass numbers the nodes in visiting order
        node = stack.pop()
        if id(node) in order:
            continue
        order[id(node)] = len(order)
        entries.append(node)
        children = [n for n, _ in node.next_functions if n is not None]
        stack.extend(reversed(children))
    out = []
    for node in entries:
        variable = getattr(node, "variable", None)
        leaf = leaf_ids.get(id(variable)) if variable is not None else None
        edges = tuple((None if n is None else order[id(n)], nr) for n, nr in node.next_functions)
        out.append((type(node).__name__, leaf, edges))
    return out


class Values:
    """A tensor's or array's values with their dtype, as ``plain`` hands them to ``difference``."""

    __slots__ = ("dtype", "array")

    def __init__(self, values):
        self.array = np.array(_numpy(values) if _is_tensor(values) else values, copy=True)
        self.dtype = dtype_name(values)

    def __eq__(self, other):
        return isinstance(other, Values) and difference(self, other) is None

    __hash__ = None

    def __repr__(self):
        return f"{self.dtype}{list(self.array.shape)} {self.array.tolist()!r}"


_TENSOR_FIELDS = ("tensor", "dtype", "shape", "values", "requires_grad", "grad_fn")


def plain(x):
    """Tensors become ('tensor', dtype, shape, Values, requires_grad, grad_fn name); recursively
    through tuples, lists and dicts; sizes become tuples and dtypes their names."""
    if _is_tensor(x):
        return ("tensor", dtype_name(x), tuple(x.shape), Values(x), x.requires_grad, grad_fn_name(x))
    if isinstance(x, (torch.Size, autograd_core.Size)):
        return tuple(x)
    if isinstance(x, (tuple, list)):
        return type(x)(plain(v) for v in x) if type(x) in (tuple, list) else tuple(plain(v) for v in x)
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (torch.dtype, autograd_core.dtype)):
        return dtype_name(x)
    if isinstance(x, np.ndarray):
        return Values(x)
    if isinstance(x, np.generic):
        return x.item()
    return x


# --- the policy ----------------------------------------------------------------------------------------
def tolerance(dtype, loosen=1, at_least=None):
    """(rtol, atol) for a dtype name ('float32', ...): TOLERANCE's (or at_least's, if looser), times
    `loosen`."""
    rtol, atol = TOLERANCE[dtype]
    if at_least is not None:
        rtol, atol = max(rtol, TOLERANCE[at_least][0]), max(atol, TOLERANCE[at_least][1])
    return rtol * loosen, atol * loosen


def _float_difference(a, b, dtype, exact, loosen, at_least=None):
    """Where float arrays a (ours) and b (torch's) differ under the policy, as a message, or None."""
    both_nan = np.isnan(a) & np.isnan(b)
    if exact:
        bad = ~((a == b) | both_nan)
    else:
        rtol, atol = tolerance(dtype, loosen, at_least)
        scale = max(1.0, float(np.abs(b[np.isfinite(b)]).max(initial=0.0)))
        finite = np.isfinite(a) & np.isfinite(b)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(a.astype(np.float64) - b.astype(np.float64))
            ok = finite & (err <= rtol * np.abs(b.astype(np.float64)) + atol * scale)
        ok |= both_nan | (a == b)  # a == b: also the same infinity
        bad = ~ok
    if not bad.any():
        return None
    where = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
    how = "bit for bit" if exact else "rtol={:g}, atol={:g} x {:g}".format(
        *tolerance(dtype, loosen, at_least), scale)
    return (f"{int(bad.sum())} of {a.size} values differ ({how}); first at {list(where)}: "
            f"{a[where]!r} vs torch {b[where]!r}")


def _values_difference(a, b, exact, loosen, at_least=None):
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} vs torch {b.dtype}"
    if a.array.shape != b.array.shape:
        return f"shape {list(a.array.shape)} vs torch {list(b.array.shape)}"
    if a.dtype in TOLERANCE or a.array.dtype.kind == "f":
        return _float_difference(a.array, b.array, a.dtype if a.dtype in TOLERANCE else "float32",
                                 exact, loosen, at_least)
    if not np.array_equal(a.array, b.array):
        bad = a.array != b.array
        where = tuple(int(i) for i in np.argwhere(bad)[0]) if a.array.ndim else ()
        return (f"{int(bad.sum())} of {a.array.size} values differ; first at {list(where)}: "
                f"{a.array[where]!r} vs torch {b.array[where]!r}")
    return None


def difference(ours, theirs, *, exact=False, loosen=1, at_least=None, path=""):
    """The first difference between two plain results (see ``plain``) under the policy, as a
    message naming where it is, or None when they agree."""
    if isinstance(ours, Values) and isinstance(theirs, Values):
        d = _values_difference(ours, theirs, exact, loosen, at_least)
        return None if d is None else f"{path or 'value'}: {d}"
    if type(ours) is float and type(theirs) is float:
        d = _float_difference(np.array(ours), np.array(theirs), _PYTHON_FLOAT, exact, loosen, at_least)
        return None if d is None else f"{path or 'value'}: {ours!r} vs torch {theirs!r}"
    if isinstance(ours, (list, tuple)) and isinstance(theirs, (list, tuple)):
        if type(ours) is not type(theirs):  # (plain makes torch.return_types plain tuples)
            return f"{path or 'value'}: {type(ours).__name__} vs torch {type(theirs).__name__}"
        if len(ours) != len(theirs):
            return f"{path or 'value'}: {len(ours)} items vs torch {len(theirs)}: {ours!r} vs {theirs!r}"
        names = _TENSOR_FIELDS if ours and ours[0] == "tensor" and len(ours) == len(_TENSOR_FIELDS) else None
        for i, (a, b) in enumerate(zip(ours, theirs)):
            where = f"{path} {names[i]}" if names else f"{path}[{i}]"
            d = difference(a, b, exact=exact, loosen=loosen, at_least=at_least, path=where.strip())
            if d is not None:
                return d
        return None
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if ours.keys() != theirs.keys():
            return f"{path or 'value'}: keys {sorted(ours)} vs torch {sorted(theirs)}"
        for k in ours:
            d = difference(ours[k], theirs[k], exact=exact, loosen=loosen, at_least=at_least,
                           path=f"{path}[{k!r}]")
            if d is not None:
                return d
        return None
    # int vs float vs bool matters (item() and tolist() of an int tensor give ints)
    if type(ours) is type(theirs) and ours == theirs:
        return None
    return f"{path or 'value'}: {ours!r} vs torch {theirs!r}"


def close(ours, theirs, *, exact=False, loosen=1, because=None):
    """Whether two plain results agree under the policy."""
    _check_loosen(loosen, because)
    return difference(ours, theirs, exact=exact, loosen=loosen) is None


def _check_loosen(loosen, because):
    if loosen != 1 and not because:
        raise ValueError("a looser tolerance needs a reason: pass because='...'")


def assert_close(ours, theirs, what="", *, exact=False, loosen=1, because=None):
    """ours agrees with theirs (tensors of either library, numpy arrays, numbers, or nests of
    them) under the policy: same shape and dtype, values within the dtype's tolerance."""
    _check_loosen(loosen, because)
    d = difference(plain(ours), plain(theirs), exact=exact, loosen=loosen)
    assert d is None, f"{what}: {d}" if what else d


# --- one snippet on both modules -------------------------------------------------------------------------
# (a message naming an object, "<function <lambda> at 0x7f...>", names the object each module was given:
# two objects, whose addresses agree only when the second reuses the first's memory)
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def outcome(snippet, module):
    """('ok', plain result) or ('raise', exception type name, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = snippet(module)
    except Exception as e:  # noqa: BLE001 -- the exception IS the outcome being compared
        return ("raise", type(e).__name__, _ADDRESS.sub(" at 0x...", str(e)))
    try:
        return ("ok", plain(result))
    except Exception as e:  # noqa: BLE001 -- a result that cannot even be inspected
        return ("broken result", type(e).__name__, str(e))


def assert_same(snippet, *, exact=False, loosen=1, because=None):
    """The snippet gives the same result (or raises the same error) on both modules."""
    _check_loosen(loosen, because)
    ours, theirs = outcome(snippet, ENGINE), outcome(snippet, TORCH)
    d = difference(ours, theirs, exact=exact, loosen=loosen)
    assert d is None, f"{d}\nautograd_core: {ours!r}\ntorch:         {theirs!r}"
    return ours
