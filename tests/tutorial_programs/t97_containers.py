import torch
from torch import nn

class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(2, 3)
        self.heads = nn.ModuleDict({"cls": nn.Linear(3, 2), "reg": nn.Linear(3, 1)})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(1)), torch.full((2,), 0.5)])

    def forward(self, x, head):
        return self.heads[head](torch.relu(self.trunk(x))) * self.scales[0]

m = Heads()
print(m)
for p in m.parameters():
    nn.init.constant_(p, 0.1)
x = torch.tensor([[1., 2.]])
out = m(x, "cls")
print(out, len(m.heads), "reg" in m.heads, list(m.heads.keys()))
out.sum().backward()
print(m.scales[0].grad, m.heads["reg"].weight.grad)
print([n for n, _ in m.named_parameters()])
m.heads["extra"] = nn.Identity()
print(m.heads)
print(m.scales, len(m.scales), m.scales[1])
