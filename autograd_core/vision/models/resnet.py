"""ResNets (He et al., 2015, "Deep Residual Learning for Image Recognition") as torchvision builds them.

    model = resnet18()                      # torchvision.models.resnet18(weights=None)
    model.fc = nn.Linear(512, 10)           # a new classifier, as in fine-tuning

The same modules under the same names as torchvision's (conv1, bn1, relu, maxpool, layer1..layer4 of
BasicBlocks, each with conv1, bn1, relu, conv2, bn2 and, where the shape changes, a downsample
Sequential(conv1x1, BatchNorm2d); avgpool, fc), so state_dict() keys, their order and shapes, and
print(model) equal torchvision's, and a state_dict saved from one loads into the other.

Shapes for a (N, 3, 224, 224) input: conv1 (stride 2) -> 64x112x112, maxpool -> 64x56x56, layer1 ->
64x56x56, layer2 -> 128x28x28, layer3 -> 256x14x14, layer4 -> 512x7x7, avgpool -> 512x1x1, fc -> 1000.
"""
import enum
import warnings
from typing import NamedTuple

from ... import flatten
from ... import nn

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "ResNet18_Weights", "ResNet34_Weights", "resnet18",
           "resnet34"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution, padded to keep the size at stride 1; no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution (a per-pixel linear map of the channels); no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut), shortcut = downsample(x) or x.

    conv1 carries the stride; downsample (conv1x1 + BatchNorm2d) makes x's shape match when the
    stride or the channel count changes.
    """

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity  # in place, as torchvision: the residual sum is an AddBackward0 node
        return self.relu(out)


class Bottleneck(nn.Module):
    """out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut): 1x1 down to
    `width` channels, 3x3 (with the stride: torchvision's "ResNet v1.5"), 1x1 up to planes * 4."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """conv1 (7x7, stride 2) -> bn1 -> relu -> maxpool (3x3, stride 2) -> layer1..layer4 -> avgpool
    (to 1x1) -> flatten -> fc; layer k has layers[k-1] blocks, layers 2-4 halve the size (stride 2)
    and double the channels (64, 128, 256, 512).

    Initialised as torchvision does: every Conv2d weight ~ N(0, 2 / fan_out) (kaiming_normal_,
    mode="fan_out", nonlinearity="relu"), every BatchNorm weight 1 and bias 0, fc as nn.Linear;
    zero_init_residual=True zeroes the last BatchNorm weight of each block (each block then starts
    as the identity).
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            # each element says whether that layer (2, 3, 4) replaces its stride 2 by a dilation
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None "
                             f"or a 3-element tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        norms = tuple(c for c in (nn.BatchNorm2d, getattr(nn, "GroupNorm", None)) if c is not None)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, norms):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        """A Sequential of `blocks` blocks; the first takes the stride (and a downsample shortcut
        when the shape changes), the others keep planes * expansion channels."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def _forward_impl(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = flatten(self.avgpool(x), 1)
        return self.fc(x)

    def forward(self, x):
        return self._forward_impl(x)


# ---------------------------------------------------------------------------------------------
# Pretrained weights: named as torchvision names them, never downloaded here
# ---------------------------------------------------------------------------------------------
class _Weights(NamedTuple):
    url: str
    num_params: int


class _WeightsEnum(enum.Enum):
    """torchvision's weights enums: a member names a published checkpoint."""

    @classmethod
    def verify(cls, obj):
        """None, a member, or its name ("DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.DEFAULT")."""
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{obj.__class__.__name__}.")
        return obj

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    def get_state_dict(self, *args, **kwargs):
        raise RuntimeError(weights_unavailable_message(self.url))


class ResNet18_Weights(_WeightsEnum):
    IMAGENET1K_V1 = _Weights("https://download.pytorch.org/models/resnet18-f37072fd.pth", 11689512)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(_WeightsEnum):
    IMAGENET1K_V1 = _Weights("https://download.pytorch.org/models/resnet34-b627a593.pth", 21797672)
    DEFAULT = IMAGENET1K_V1


def weights_unavailable_message(url):
    """What asking for pretrained weights says: they cannot be downloaded; what to do instead."""
    builder = url.rsplit("/", 1)[-1].split("-")[0]  # ".../resnet18-f37072fd.pth" -> "resnet18"
    return (f"pretrained weights cannot be downloaded here (no network access; {url} is not available). "
            f"Build the model without them, model = {builder}(), and if you have the weights as a "
            "state_dict file, load it: model.load_state_dict(torch.load(path)). (autograd_core's "
            "torch.load reads what its own torch.save wrote; from a PyTorch .pth checkpoint, save "
            "{k: v.numpy() for k, v in state_dict.items()} with pickle under PyTorch, then load "
            "{k: torch.tensor(a) for k, a in arrays.items()} here.)")


def _legacy_pretrained(builder, weights_enum, weights, kwargs):
    """torchvision's handle_legacy_interface: pretrained=True means the ImageNet weights,
    pretrained=False means none (both with its deprecation warnings)."""
    if "pretrained" not in kwargs or weights is not None:
        return weights
    pretrained = kwargs.pop("pretrained")
    default = weights_enum.IMAGENET1K_V1 if pretrained else None
    warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
                  "please use 'weights' instead.")
    msg = ("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and may be "
           f"removed in the future. The current behavior is equivalent to passing `weights={default}`.")
    if pretrained:
        msg += (f" You can also use `weights={weights_enum.__name__}.DEFAULT` to get the most up-to-date "
                "weights.")
    warnings.warn(msg)
    return default


def _resnet(block, layers, weights, progress, **kwargs):
    if weights is not None and kwargs.get("num_classes", 1000) != 1000:  # (ImageNet's 1000 classes)
        raise ValueError(f"The parameter 'num_classes' expected value 1000 but got {kwargs['num_classes']} "
                         "instead.")
    model = ResNet(block, layers, **kwargs)  # (built first, as torchvision does)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18: BasicBlocks [2, 2, 2, 2], 11,689,512 parameters (with the 1000-class fc).

    weights: None (random initial values, as torchvision's weights=None); pretrained weights
    (ResNet18_Weights.DEFAULT, "IMAGENET1K_V1", ...) cannot be downloaded here and raise an error.
    kwargs go to ResNet (num_classes, zero_init_residual, norm_layer, ...)."""
    weights = ResNet18_Weights.verify(_legacy_pretrained("resnet18", ResNet18_Weights, weights, kwargs))
    return _resnet(BasicBlock, [2, 2, 2, 2], weights, progress, **kwargs)


def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34: BasicBlocks [3, 4, 6, 3], 21,797,672 parameters (see resnet18 for the arguments)."""
    weights = ResNet34_Weights.verify(_legacy_pretrained("resnet34", ResNet34_Weights, weights, kwargs))
    return _resnet(BasicBlock, [3, 4, 6, 3], weights, progress, **kwargs)
