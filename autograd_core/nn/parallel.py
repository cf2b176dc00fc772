"""torch.nn.DataParallel on a machine without GPUs: what a CPU-only PyTorch does with it.

``nn.DataParallel(model)`` keeps model as its ``module`` and, with no GPU to split the batch over,
calls it unchanged: the output, the gradients and the parameters are model's own. What changes is
the naming -- the wrapper is a Module whose one child is ``module``, so its state_dict keys read
``module.weight`` (a checkpoint saved from the wrapper loads into a bare model only without that
prefix, as in PyTorch).
"""
from ..profiler import record_function
from .modules import Module

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]


class DataParallel(Module):
    """out = module(*inputs, **kwargs) (torch.nn.DataParallel where no GPU is available: device_ids
    is [], output_device and dim are not set, whatever was asked)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        with record_function("DataParallel.forward"):  # (PyTorch's label in a profile)
            return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """torch.nn.parallel.data_parallel: it needs a GPU, so it refuses as a CPU-only PyTorch does."""
    raise RuntimeError("device type could not be determined")


class DistributedDataParallel(Module):
    """Needs torch.distributed's process group: refused (PyTorch's error without one)."""

    def __init__(self, module, *args, **kwargs):
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
