"""Layer normalisation (torch.nn.LayerNorm).

y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased) var over the last
len(normalized_shape) dims of each input, in training and eval mode alike (no running statistics);
weight (ones) and bias (zeros) have the normalized shape, one value per normalized element.
"""
import numbers

from .._factories import empty
from . import functional as F
from . import init
from .modules import Module
from .parameter import Parameter


class LayerNorm(Module):
    """Layer norm over the last dims, whose sizes normalized_shape gives (an int: the last dim)"""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
