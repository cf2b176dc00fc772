import torch
from torch import nn
import torch.nn.functional as F
x = torch.tensor([-1., 2., -3.], requires_grad=True)
h = x * 2
out = F.relu(h, inplace=True)
print(out is h, out, out.grad_fn)
out.sum().backward()
print(x.grad)
net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(inplace=True), nn.Linear(2, 1))
print(net)
for p in net.parameters():
    nn.init.constant_(p, -0.5)
y = net(torch.tensor([[1., -1.]]))
print(y, y.grad_fn.next_functions)
opt = torch.optim.SGD(net[0].parameters(), lr=0.1)
opt.add_param_group({"params": net[2].parameters(), "lr": 0.01})
print(len(opt.param_groups), [g["lr"] for g in opt.param_groups])
y.sum().backward()
opt.step()
print(net[2].bias, net[0].bias)
net.zero_grad(set_to_none=True)
print(net[0].weight.grad)
trainable = [n for n, p in net.named_parameters() if p.requires_grad]
print(trainable)
e = torch.tensor([0.5, -0.5], requires_grad=True)
s = e.sigmoid()
t = e.tanh()
(s + t).sum().backward()
print(e.grad)
