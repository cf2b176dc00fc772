"""Build the Neural Network -- pytorch/tutorials beginner_source/basics/buildmodel_tutorial.py
(Learn the Basics; BSD-3-Clause).

Adaptations (everything else is the tutorial's code as written):
- after each model or layer is built, and after each torch.rand input, _fix_ gives it fixed values
  (the random generators differ).
- the unused ``from torchvision import datasets, transforms`` is left out (torchvision cannot be
  installed here).
"""
# --- adaptation helper (see the header): fixed numbers in place of the random generator's -------------
# autograd_core's generator differs from torch's by design; a seeded numpy stream gives both libraries
# the same numbers. _fix_ overwrites tensors, or every parameter of a module, in place.
import numpy as _np
_stream = _np.random.default_rng(0)


def _fix_(*objs, uniform=False):
    import torch as _torch
    with _torch.no_grad():
        for obj in objs:
            for p in (list(obj.parameters()) if hasattr(obj, "parameters") else [obj]):
                if hasattr(obj, "parameters"):   # a module's parameter: uniform in +-1/sqrt(fan_in)
                    bound = 1 / _np.sqrt(p.numel() / p.shape[0]) if p.dim() > 1 else 0.1
                    values = _stream.uniform(-bound, bound, tuple(p.shape))
                elif uniform:                     # in place of torch.rand
                    values = _stream.uniform(0, 1, tuple(p.shape))
                else:                             # in place of torch.randn
                    values = _stream.standard_normal(tuple(p.shape))
                kind = _np.float64 if p.dtype == _torch.float64 else _np.float32
                p.copy_(_torch.from_numpy(_np.asarray(values, dtype=kind)))
    return objs[0] if len(objs) == 1 else objs
# ---------------------------------------------------------------------------------------------------
import os
import torch
from torch import nn
from torch.utils.data import DataLoader

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork().to(device)
_fix_(model)  # adaptation
print(model)

X = torch.rand(1, 28, 28, device=device)
_fix_(X, uniform=True)  # adaptation
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")

input_image = torch.rand(3,28,28)
_fix_(input_image, uniform=True)  # adaptation
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = nn.Linear(in_features=28*28, out_features=20)
_fix_(layer1)  # adaptation
hidden1 = layer1(flat_image)
print(hidden1.size())

print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
input_image = torch.rand(3,28,28)
logits = seq_modules(input_image)

softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)

print(f"Model structure: {model}\n\n")

for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
