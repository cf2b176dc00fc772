"""Variable names for the tensors of a graph, looked up in the caller's namespace.

A tensor gets the name of the variable that holds it: first the ``names={"w": w}`` given
explicitly, then the calling frame's locals, then its globals, in their insertion order (first match
wins, so the result is deterministic); names starting with "_" are ignored. An object with
``named_parameters()`` (an ``nn.Module``, ours or PyTorch's) names its parameters as the module
does ("fc.weight"), which also gives their module prefix ("fc").
"""
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


def _has_named_parameters(obj):
    try:  # any object can sit in a namespace: its __getattr__ may do anything
        return callable(getattr(obj, "named_parameters", None))
    except Exception:
        return False


def _candidates(namespace):
    """(name, tensor) pairs: tensors by their variable, a module's parameters as "model.fc.weight"."""
    modules = []
    for name, obj in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if is_tensor(obj):
            yield name, obj
        elif not isinstance(obj, (type, types.ModuleType)) and _has_named_parameters(obj):
            modules.append((name, obj))
    for name, obj in modules:  # after the plain variables: `w = model.fc.weight` names it "w"
        try:
            params = list(obj.named_parameters())
        except Exception:  # a property or an unbound method: not a module instance
            continue
        for pname, p in params:
            if is_tensor(p):
                yield f"{name}.{pname}", p


class Found(dict):
    """{id(tensor): (name, tensor)}, plus .modules: {id(parameter): module prefix}."""

    def __init__(self):
        super().__init__()
        self.modules = {}


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
    if frame is not None:
        add(_candidates(frame.f_locals))
        if frame.f_globals is not frame.f_locals:
            add(_candidates(frame.f_globals))
    return found


def module_of(name):
    """The module prefix of a parameter name: "encoder.fc.weight" -> "encoder.fc"; None if none."""
    if not name or "." not in name:
        return None
    return name.rpartition(".")[0]
