from collections import OrderedDict
import torch
from torch import nn
t = torch.tensor(3.14159)
print(f"{t}", f"{t:.2f}", "{:.3e}".format(t), f"{torch.tensor(7):d}" if False else "", str(t))
try:
    print(f"{torch.tensor([1., 2.]):.2f}")
except TypeError as e:
    print("TypeError:", e)
print(f"{torch.tensor([1., 2.])}")
print("value: %s" % torch.tensor([1.5]))
model = nn.Sequential(OrderedDict([
    ("fc1", nn.Linear(4, 3)),
    ("act", nn.ReLU()),
    ("block", nn.Sequential(nn.Linear(3, 2), nn.Tanh())),
    ("out", nn.Linear(2, 1, bias=False)),
]))
print(model)
print([name for name, _ in model.named_modules()])
print([name for name, _ in model.named_children()])
print(model.fc1, model.block[0])
print({k: tuple(v.shape) for k, v in model.state_dict().items()})
print(model.block)
print(repr(nn.Linear(1, 1, bias=False)))
print(nn.MSELoss(), nn.CrossEntropyLoss(), nn.BCEWithLogitsLoss(), nn.Softmax(dim=1), nn.Flatten())
