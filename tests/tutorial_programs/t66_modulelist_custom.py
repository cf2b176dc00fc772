import torch
from torch import nn

class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.lin = nn.Linear(n, n, bias=False)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.lin(x)) + x

class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(2) for _ in range(3)])
        self.head = nn.Linear(2, 1)
        self.scale = nn.Parameter(torch.tensor(2.0))
        self.register_buffer("offset", torch.tensor([0.5]))

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x) * self.scale + self.offset

net = Deep()
print(net)
for p in net.parameters():
    nn.init.constant_(p, 0.1)
out = net(torch.tensor([[1., 2.]]))
print(out)
out.sum().backward()
print(net.scale.grad, net.blocks[0].lin.weight.grad)
print([n for n, p in net.named_parameters()])
print(list(net.state_dict().keys()))
print(sum(p.numel() for p in net.parameters()))
print(net.offset, net.offset.requires_grad)
print(len(net.blocks), net.blocks[1])
