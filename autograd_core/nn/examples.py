"""A small network and a synthetic data set for the fine-tuning lessons.

PyTorch's tutorial fine-tunes a pretrained resnet18, which cannot be downloaded here; ``TinyNet``
plays its part: a feature extractor (``features``) and a classifier head named ``fc`` (so the
tutorial's ``model.fc = nn.Linear(512, 10)`` works as written), and ``pretrained_tiny_net()``
trains one on ``synthetic_images`` so that there is something worth freezing.
"""
import numpy as np

from .._factories import manual_seed
from .._tensor import _make
from . import functional as F
from .modules import Flatten, Linear, Module, ReLU, Sequential
from ..optim import SGD


class TinyNet(Module):
    """features: Flatten -> Linear(prod(in_shape), hidden) -> ReLU;  fc: Linear(hidden, num_classes).

    The defaults take the tutorial's (N, 3, 64, 64) images and give 1000 class scores, as resnet18.
    """

    def __init__(self, in_shape=(3, 64, 64), hidden=512, num_classes=1000):
        super().__init__()
        self.in_shape = tuple(in_shape)
        self.features = Sequential(Flatten(), Linear(int(np.prod(in_shape)), hidden), ReLU())
        self.fc = Linear(hidden, num_classes)

    def forward(self, x):
        return self.fc(self.features(x))


def synthetic_images(n=256, num_classes=10, shape=(3, 8, 8), noise=0.5, seed=0):
    """(images, labels): image i = prototype[label_i] + noise * N(0, 1), prototypes ~ N(0, 1).

    Deterministic for a given seed, and independent of autograd_core.manual_seed (it uses its own
    generator). images: float32 of shape (n, *shape); labels: int64 of shape (n,).
    """
    rng = np.random.default_rng(seed)
    prototypes = rng.standard_normal((num_classes,) + tuple(shape))
    labels = np.arange(n) % num_classes
    rng.shuffle(labels)
    images = prototypes[labels] + noise * rng.standard_normal((n,) + tuple(shape))
    return (_make(images.astype(np.float32), None, False),
            _make(labels.astype(np.int64), None, False))


def pretrained_tiny_net(in_shape=(3, 8, 8), hidden=32, num_classes=10, steps=30, lr=0.05, seed=0):
    """A TinyNet trained (SGD, momentum 0.9, cross entropy) on synthetic_images: the stand-in for a
    pretrained model. Deterministic for a given seed."""
    manual_seed(seed)
    model = TinyNet(in_shape, hidden, num_classes)
    images, labels = synthetic_images(num_classes=num_classes, shape=in_shape, seed=seed)
    opt = SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        opt.step()
    opt.zero_grad()  # like a model loaded from a checkpoint: no gradients yet
    return model
