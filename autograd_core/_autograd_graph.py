"""torch.autograd.graph: the type of grad_fn objects, and hooks on the tensors a graph saves.

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = x.exp()            # pack(y) now: the node keeps what pack returned, not y
    y.sum().backward()         # unpack(that) gives the tensor back when backward reads it
"""
import abc
import collections

from . import _tensor
from ._graph import STATE, AccumulateGrad, gradient_edge
from ._graph import Node as _GraphNode


class Node(abc.ABC):
    """What every grad_fn is (isinstance(y.grad_fn, Node)), as PyTorch's: its name(), the edges to
    the nodes of its inputs (next_functions), a metadata dict, and hooks around its backward."""

    @abc.abstractmethod
    def name(self):
        """The node's name: MulBackward0, torch::autograd::AccumulateGrad, ..."""

    @property
    @abc.abstractmethod
    def next_functions(self):
        """((node, output_nr), ...): where each input's gradient goes ((None, 0): nowhere)."""

    @property
    @abc.abstractmethod
    def metadata(self):
        """A dict kept with the node."""

    @property
    @abc.abstractmethod
    def _input_metadata(self):
        ...

    @abc.abstractmethod
    def _register_hook_dict(self, tensor):
        ...

    @abc.abstractmethod
    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> None or new grad_inputs, after the node has run."""

    @abc.abstractmethod
    def register_prehook(self, fn):
        """fn(grad_outputs) -> None or new grad_outputs, before the node runs."""

    @abc.abstractmethod
    def _sequence_nr(self):
        ...

    @classmethod
    def __subclasshook__(cls, C):
        if cls is Node and issubclass(C, (_GraphNode, AccumulateGrad)):
            return True
        return NotImplemented


class saved_tensors_hooks:
    """Within the block, every tensor an op saves for backward goes through pack_hook(tensor) when
    it is saved, and the node keeps what pack_hook returned; backward (and grad_fn._saved_*) read
    unpack_hook(that), which must return a tensor. The innermost block's hooks apply."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if STATE.hooks_disabled is not None:
            raise RuntimeError(STATE.hooks_disabled)
        if not callable(self.pack_hook) or not callable(self.unpack_hook):
            raise TypeError("_push_saved_tensors_default_hooks(): incompatible function arguments. The "
                            "following argument types are supported:\n    1. (arg0: "
                            "collections.abc.Callable, arg1: collections.abc.Callable) -> None\n\n"
                            f"Invoked with: {self.pack_hook!r}, {self.unpack_hook!r}")
        STATE.saved_hooks.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc):
        STATE.saved_hooks.pop()


class save_on_cpu(saved_tensors_hooks):
    """saved_tensors_hooks that keep each saved tensor on the CPU until backward -- where every
    tensor of this engine already is: the values are kept as they are (pin_memory: as a copy)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            if not pin_memory:
                return (tensor.device, tensor.cpu())
            packed = _tensor._make(tensor._data.copy(), None, False)
            return (tensor.device, packed)

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """Within the block, entering saved_tensors_hooks raises RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self._prev, STATE.hooks_disabled = STATE.hooks_disabled, self.error_message

    def __exit__(self, *exc):
        STATE.hooks_disabled = self._prev


GradientEdge = collections.namedtuple("GradientEdge", ("node", "output_nr"))


def get_gradient_edge(tensor):
    """The edge a gradient for tensor goes along: (its grad_fn, or a leaf's AccumulateGrad, output_nr)."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not "
                           "require gradients")
    return GradientEdge(*gradient_edge(tensor))
