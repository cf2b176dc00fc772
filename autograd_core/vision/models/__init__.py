"""autograd_core.vision.models: torchvision.models' ResNets (resnet18, resnet34)."""
from .resnet import (BasicBlock, ResNet, ResNet18_Weights, ResNet34_Weights, conv1x1, conv3x3,  # noqa: F401
                     resnet18, resnet34)

__all__ = ["ResNet", "BasicBlock", "ResNet18_Weights", "ResNet34_Weights", "resnet18", "resnet34"]
