import os
import tempfile
import torch
from torch import nn
model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.fill_(i * 0.5)
path = os.path.join(tempfile.mkdtemp(), "model.pt")
torch.save(model.state_dict(), path)
clone = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
print(clone.load_state_dict(torch.load(path)))
print(clone[2].weight, clone[0].bias)
x = torch.tensor([[1., 1.]])
print(torch.equal(model(x), clone(x)))
t = torch.tensor([1., 2., 3.])
torch.save({"t": t, "epoch": 3}, path)
back = torch.load(path)
print(back["t"], back["epoch"])
os.remove(path)
