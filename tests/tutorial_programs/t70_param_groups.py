import torch
from torch import nn
model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
for p in model.parameters():
    nn.init.constant_(p, 0.5)
opt = torch.optim.SGD([
    {"params": model[0].parameters()},
    {"params": model[1].parameters(), "lr": 0.01},
], lr=0.1, momentum=0.9)
print(opt)
print(len(opt.param_groups), [g["lr"] for g in opt.param_groups])
loss = model(torch.tensor([[1., -1.]])).pow(2).sum()
loss.backward()
opt.step()
print(model[0].bias, model[1].bias)
adam = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.01)
print(adam)
