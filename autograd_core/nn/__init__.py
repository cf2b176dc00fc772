"""autograd_core.nn: Module, Parameter, layers and losses with PyTorch's API (``torch.nn``).

    import autograd_core as torch
    from autograd_core import nn
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    loss = nn.MSELoss()(model(x), y); loss.backward()

Reading order: parameter.py, modules.py (Module, then the layers), functional.py (the math the
layers call), init.py (initialisation), examples.py (TinyNet and a synthetic data set).
"""
from . import functional, init, utils  # noqa: F401
from .modules import BCELoss, Dropout, ELU, GELU, L1Loss, LeakyReLU, ModuleDict, ParameterList, Softplus  # noqa: F401,E501
from .modules import Embedding, Hardtanh, LogSigmoid, Mish, ReLU6, SiLU, Softsign  # noqa: F401
from .modules import CELU, Hardsigmoid, Hardswish, KLDivLoss, PReLU, SELU, Threshold  # noqa: F401
from .modules import (ConstantPad1d, ConstantPad2d, CosineSimilarity, Softmin,  # noqa: F401
                      Unflatten, ZeroPad1d, ZeroPad2d)
from .modules import (BCEWithLogitsLoss, CrossEntropyLoss, Flatten, Identity, Linear,  # noqa: F401
                      HuberLoss, LogSoftmax, Module, ModuleList, MSELoss, NLLLoss, ReLU, Sequential,
                      Sigmoid, SmoothL1Loss,
                      Softmax, Tanh)
from .parameter import Parameter  # noqa: F401
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: F401
from .batchnorm import BatchNorm1d, BatchNorm2d, LazyBatchNorm1d, LazyBatchNorm2d  # noqa: F401
from .dropout import Dropout1d, Dropout2d  # noqa: F401
from .normalization import LayerNorm  # noqa: F401
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d  # noqa: F401
from . import parallel  # noqa: F401,E402
from .parallel import DataParallel  # noqa: F401,E402
from .lazy import LazyLinear, UninitializedBuffer, UninitializedParameter  # noqa: F401
from . import lazy  # noqa: F401
from . import examples  # noqa: F401,E402
