"""PyTorch's argument parser, the one refusal it makes before any op runs: a first argument that
must be a Tensor and is not (``torch.exp(2.0)``, ``torch.mean([1., 2.])``: classic slips)."""
import functools

from ._refusals import type_name
from ._tensor import Tensor


def not_a_tensor(name, argument, value, position=1):
    """PyTorch's TypeError for `value` given as `argument` of `name`, not a Tensor."""
    where = f" (position {position})" if position else ""
    return TypeError(f"{name}(): argument '{argument}'{where} must be Tensor, not {type_name(value)}")


def tensor_first(function, argument="input", name=None, overloaded=False):
    """`function` guarded as PyTorch guards it: a first argument that is not a Tensor is refused
    before anything runs. overloaded: PyTorch has overloads that take numbers when more arguments
    follow (torch.mul(2.0, t), torch.max(t, 0)), so only a lone argument is refused."""
    name = name or function.__name__

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        if args:
            if not isinstance(args[0], Tensor) and not (overloaded and len(args) + len(kwargs) > 1):
                raise not_a_tensor(name, argument, args[0])
        elif argument in kwargs and not isinstance(kwargs[argument], Tensor):
            raise not_a_tensor(name, argument, kwargs[argument], position=None)
        return function(*args, **kwargs)
    return guarded
