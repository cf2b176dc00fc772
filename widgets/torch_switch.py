"""The torch switch: one flag chooses the engine behind ``torch`` in a notebook.

    from widgets.torch_switch import torch      # autograd_core, or real PyTorch
    from widgets.torch_switch import nn, optim  # the same backend's torch.nn and torch.optim
    from widgets.torch_switch import torchvision  # its torchvision (autograd_core.vision on autograd_core)

The environment variable ``CGRAPH_BACKEND`` decides: unset, empty or ``autograd_core`` gives
``autograd_core`` (this suite's numpy engine); ``torch`` gives PyTorch itself. Notebooks written
against the PyTorch API run unchanged either way and print the same numbers, which is how CI checks
that what the notebooks teach is true of PyTorch too.
"""
import importlib
import os

ENV_VAR = "CGRAPH_BACKEND"
BACKENDS = ("autograd_core", "torch")


def backend_name(environ=None):
    """The backend chosen by ``CGRAPH_BACKEND`` (default ``"autograd_core"``); unknown names raise."""
    environ = os.environ if environ is None else environ
    name = environ.get(ENV_VAR, "").strip() or BACKENDS[0]
    if name not in BACKENDS:
        raise ValueError(f"{ENV_VAR}={name!r} is not a backend; use one of {', '.join(BACKENDS)}")
    return name


def load(name=None):
    """Import and return the backend module ``name`` (default: the one ``CGRAPH_BACKEND`` picks)."""
    name = backend_name() if name is None else name
    if name not in BACKENDS:
        raise ValueError(f"{name!r} is not a backend; use one of {', '.join(BACKENDS)}")
    return importlib.import_module(name)


BACKEND = backend_name()
torch = load(BACKEND)


VISION = {"autograd_core": "autograd_core.vision", "torch": "torchvision"}


def __getattr__(name):
    """``nn`` and ``optim`` of the chosen backend, and its ``torchvision`` (autograd_core.vision on
    autograd_core, the torchvision package on torch), imported on first use."""
    if name in ("nn", "optim"):
        return importlib.import_module(f"{BACKEND}.{name}")
    if name == "torchvision":
        try:
            return importlib.import_module(VISION[BACKEND])
        except ModuleNotFoundError as e:
            if e.name != VISION[BACKEND]:
                raise
            raise ModuleNotFoundError(
                f"{ENV_VAR}={BACKEND} takes its models from torchvision, which is not installed: "
                "pip install torchvision, or run on autograd_core (it has its own, autograd_core.vision)",
                name=e.name) from None
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["torch", "nn", "optim", "torchvision", "BACKEND", "BACKENDS", "ENV_VAR", "backend_name", "load"]
