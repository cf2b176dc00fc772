"""torch.save / torch.load for tensors, state_dicts and modules, with pickle (not PyTorch's zip
format: files are for autograd_core only). Like any pickle, load only files you trust."""
import os
import pickle


def save(obj, f, pickle_module=pickle, pickle_protocol=2, **kwargs):
    """Write obj to a path or a binary file object."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            pickle_module.dump(obj, fh, protocol=pickle_protocol)
    else:
        pickle_module.dump(obj, f, protocol=pickle_protocol)


def load(f, map_location=None, pickle_module=pickle, *, weights_only=None, mmap=None, **kwargs):
    """Read back what save wrote (map_location is accepted and ignored: there is only the CPU)."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return pickle_module.load(fh)
    return pickle_module.load(f)
