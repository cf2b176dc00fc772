"""PyTorch's argument parser: the one refusal it makes before any op runs, a first argument that
must be a Tensor and is not (``torch.exp(2.0)``, ``torch.mean([1., 2.])``: classic slips), and the
names it takes from numpy (``x.sum(axis=0, keepdims=True)``)."""
import functools
import inspect

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
        __tracebackhide__ = True  # (IPython leaves this wrapper out of a traceback, unless it raised)
        if args:
            if not isinstance(args[0], Tensor) and not (overloaded and len(args) + len(kwargs) > 1):
                raise not_a_tensor(name, argument, args[0])
        elif argument in kwargs and not isinstance(kwargs[argument], Tensor):
            raise not_a_tensor(name, argument, kwargs[argument], position=None)
        return function(*args, **kwargs)
    return guarded


def method_as_function(name):
    """torch.<name>(input, ...) as input.<name>(...): PyTorch's function of each of its Tensor methods
    that it also has at the top level (torch.relu_(x), torch.detach(x))."""
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):
        return method(input, *args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    return function


# numpy's names PyTorch's argument parser takes for dim and keepdim, in the functions and methods it
# parses (those written in C++: torch.sum, Tensor.max, torch.cat; not torch.norm, Tensor.split,
# nn.functional.softmax, written in Python)
NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_names(function, name=None):
    """`function` also taking axis= for its dim and keepdims= for its keepdim, as PyTorch's parser
    does (unchanged if it has neither). A dim given twice (x.sum(0, axis=0)) is PyTorch's TypeError,
    naming the first of numpy's names in the call."""
    parameters = inspect.signature(function).parameters
    positions = list(parameters)
    aliases = {}
    for alias, real in NUMPY_NAMES.items():
        if real in parameters:
            kind = parameters[real].kind
            aliases[alias] = real, (positions.index(real) if kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
                                    else len(positions))
    if not aliases:
        return function
    name = name or function.__name__

    @functools.wraps(function)
    def taking_numpy_names(*args, **kwargs):
        __tracebackhide__ = True  # (IPython leaves this wrapper out of a traceback, unless it raised)
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            given = [k for k in kwargs if k in aliases]
            for alias in given:
                real, position = aliases[alias]
                if real in kwargs or len(args) > position:
                    raise TypeError(f"{name}() got an unexpected keyword argument '{given[0]}'")
            for alias in given:
                kwargs[aliases[alias][0]] = kwargs.pop(alias)
        return function(*args, **kwargs)
    taking_numpy_names.numpy_names = tuple(aliases)
    return taking_numpy_names


def take_numpy_names(namespace, names=None, written_in_python=("norm", "split", "unique")):
    """Every public function of namespace (a module's globals() or a class) with a dim or keepdim
    parameter made numpy_names' (names: only those), but for the ones PyTorch writes in Python."""
    items = namespace if isinstance(namespace, dict) else vars(namespace)
    for key in list(names or items):
        function = items[key]
        if key.startswith("_") or key in written_in_python or not inspect.isfunction(function):
            continue
        wrapped = numpy_names(function, name=key)
        if wrapped is not function:
            if isinstance(namespace, dict):
                namespace[key] = wrapped
            else:
                setattr(namespace, key, wrapped)
