import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)

net = Net()
print(net)
for p in net.parameters():
    nn.init.constant_(p, 0.1)
x = torch.tensor([[1., 2., 3.]])
out = net(x)
print(out)
print(out.grad_fn)
net.zero_grad()
out.backward(torch.tensor([[1., -1.]]))
print(net.fc1.bias.grad, net.fc2.weight.grad)
params = list(net.parameters())
print(len(params), params[0].size())
print(net.fc1.weight.shape, net.fc1.in_features, net.fc1.out_features)
print({k: v.shape for k, v in net.state_dict().items()})
print(list(net.state_dict().keys()))
print(net.training)
net.eval()
print(net.training, net.fc1.training)
net.train()
print(sum(p.numel() for p in net.parameters() if p.requires_grad))
