import torch
from torch import nn
m1 = nn.Linear(2, 2)
m2 = nn.Linear(2, 2)
with torch.no_grad():
    m1.weight.copy_(torch.tensor([[1., 2.], [3., 4.]]))
    m1.bias.copy_(torch.tensor([0.5, -0.5]))
print(m2.load_state_dict(m1.state_dict()))
print(m2.weight, m2.bias)
sd = m1.state_dict()
print(type(sd).__name__, list(sd.keys()))
print(sd['weight'].requires_grad)
seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
print(list(seq.state_dict().keys()))
for name, module in seq.named_children():
    print(name, module)
print(len(list(seq.modules())))
opt = torch.optim.SGD(m1.parameters(), lr=0.1)
print(opt.state_dict())
