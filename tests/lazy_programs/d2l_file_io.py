"""d2l 6.6 "File I/O": a LazyLinear MLP's state_dict saved, then loaded into a fresh (still lazy) MLP."""
import os
import tempfile

import torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.output = nn.LazyLinear(10)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))


net = MLP()
X = torch.randn(size=(2, 20))
Y = net(X)
path = os.path.join(tempfile.mkdtemp(), "mlp.params")
torch.save(net.state_dict(), path)

clone = MLP()
print(clone)
print(clone.load_state_dict(torch.load(path)))
print(clone)  # loaded but not yet called: still LazyLinear (in_features=0), weights in place
print(clone.hidden.weight.shape, type(clone.hidden.weight).__name__)
clone.eval()
Y_clone = clone(X)
print(bool((Y_clone == Y).all()))
print(clone)

# the other way round: a lazy (uninitialised) state_dict
lazy_state = MLP().state_dict()
print(lazy_state)
fresh = MLP()
print(fresh.load_state_dict(lazy_state), fresh.hidden.weight)
try:
    nn.Linear(20, 256).load_state_dict({"weight": lazy_state["hidden.weight"], "bias": lazy_state["hidden.bias"]})
except RuntimeError as e:
    print("RuntimeError:", e)
