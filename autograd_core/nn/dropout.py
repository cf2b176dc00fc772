"""Channel-wise dropout layers (torch.nn.Dropout1d, Dropout2d): in training each (sample, channel)
is kept whole, scaled by 1 / (1 - p), with probability 1 - p, else zeroed; in eval mode, identity."""
from . import functional as F
from .modules import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) input"""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) input (a 3-d input is taken as (N, C, L), with PyTorch's
    warning)"""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)
