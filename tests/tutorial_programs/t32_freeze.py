import torch
from torch import nn, optim
model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
for p in model.parameters():
    nn.init.constant_(p, 0.2)
for param in model[0].parameters():
    param.requires_grad = False
print([p.requires_grad for p in model.parameters()])
model[2].weight.requires_grad_(False)
trainable = [p for p in model.parameters() if p.requires_grad]
print(len(trainable))
optimizer = optim.SGD(trainable, lr=0.1)
x = torch.tensor([[1., 2.]])
loss = model(x).pow(2).sum()
loss.backward()
print(model[0].weight.grad, model[2].weight.grad, model[2].bias.grad)
optimizer.step()
print(model[2].bias)
print(model[0].weight)
for name, p in model.named_parameters():
    print(name, p.requires_grad)
model.requires_grad_(False)
print(any(p.requires_grad for p in model.parameters()))
y = model(x)
print(y.requires_grad, y.grad_fn)
