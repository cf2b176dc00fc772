"""What PyTorch refuses, with its words: the ``refuse=`` checks of the op table's rows (called when
an operand is not a float32 tensor), the derivatives PyTorch does not have, and its warnings."""
import sys
import warnings

import numpy as np

from . import _dtypes


def warn(message, category=UserWarning):
    """warnings.warn, attributed to the first frame outside autograd_core (the student's line, however
    many of the package's functions lie between)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("autograd_core."):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def type_name(value):
    """A type as PyTorch's argument parser names it: builtins bare, others with their module."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def not_implemented(kernel, dtype):
    """ATen's refusal of a dtype its kernel has no version for."""
    name = _dtypes.SCALAR_NAME[_dtypes.FROM_NUMPY[np.dtype(dtype)]]
    return NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def no_bool(kernel, message=None, unless_empty=False):
    """A refusal: ATen's `kernel` has no bool version (or refuses bool with `message`, before any
    kernel is chosen); unless_empty: a product with an empty operand returns before its kernel."""
    def refuse(*operands, **params):
        if unless_empty and any(isinstance(x, np.ndarray) and x.size == 0 for x in operands):
            return
        for x in operands:
            if isinstance(x, np.ndarray) and x.dtype == np.bool_:
                raise RuntimeError(message) if message else not_implemented(kernel, x.dtype)
    refuse.in_kernel = message is None  # (an in-place op checks its operands' memory first)
    return refuse


def not_floating(kernel):
    """A refusal: ATen's `kernel` has only floating-point versions (the first operand names the dtype)."""
    def refuse(*operands, **params):
        if not any(isinstance(x, np.ndarray) and x.dtype.kind == "f" for x in operands):
            raise not_implemented(kernel, operands[0].dtype)
    refuse.in_kernel = True
    return refuse


def no_derivative(name):
    """The backward of an op PyTorch has no derivative for: an error when it runs."""
    def grad(*args, **params):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    return grad


def index_put_dtypes(a, value, indices):
    """index_put_ of another dtype (a one-element value through one bool mask is PyTorch's
    masked_fill_, which casts it)."""
    masks = [i for i in indices if isinstance(i, np.ndarray)]
    if np.size(value) == 1 and len(masks) == 1 and masks[0].dtype == np.bool_:
        return
    if a.dtype != value.dtype:
        names = [_dtypes.SCALAR_NAME[_dtypes.FROM_NUMPY[d]] for d in (a.dtype, value.dtype)]
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{names[0]} for the destination and {names[1]} for the source.")


def negative_integer_power(a, exponent):
    if a.dtype.kind in "biu" and isinstance(exponent, (int, np.integer)) and not isinstance(
            exponent, (bool, np.bool_)) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def bool_subtraction(*operands, **params):
    bools = sum(1 for x in operands if x is True or x is False or getattr(x, "dtype", None) == np.bool_)
    if bools == 2:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if bools:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def bool_exponent_subtraction(bool_exponent):
    """pow's derivative computes exponent - 1: of a bool exponent, PyTorch refuses that."""
    if bool_exponent:
        bool_subtraction(True, 1)


NEGATION_OF_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                    "to invert a mask, use the `~` or `logical_not()` operator instead.")
