"""autograd_core.vision: the parts of torchvision the syllabus uses (``torchvision.models.resnet18``).

    from autograd_core.vision.models import resnet18
    model = resnet18()            # random weights, as torchvision's resnet18(weights=None)

Built from autograd_core.nn as torchvision builds it, with the same module names, so state_dict keys,
their order and shapes, and print(model) are torchvision's. Pretrained weights cannot be downloaded
here: asking for them raises an error that says how to load a state_dict instead.
"""
from . import models  # noqa: F401
