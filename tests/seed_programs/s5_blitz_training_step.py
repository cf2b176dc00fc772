"""Section 5: one training step (forward, backward, optimizer step), then fine-tuning a frozen
model. The tutorial uses a pretrained resnet18; here a small network of our own.

Random values differ between generators, so only shapes, flags and relations are printed.
"""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 10))
print(model)
data = torch.rand(1, 3, 8, 8)
labels = torch.rand(1, 10)

prediction = model(data)                 # forward pass
print("prediction:", prediction.shape, type(prediction.grad_fn).__name__)
loss = (prediction - labels).sum()
print("loss:", loss.shape, type(loss.grad_fn).__name__, loss.requires_grad)
loss.backward()                          # backward pass
for name, p in model.named_parameters():
    print(name, tuple(p.shape), p.requires_grad, p.is_leaf, p.grad is not None and p.grad.shape == p.shape)

optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
before = [p.detach().clone() for p in model.parameters()]
optim.step()                             # gradient descent
after = list(model.parameters())
print("first SGD step is p - lr * grad:",
      all(torch.allclose(q, p0 - 1e-2 * q.grad) for q, p0 in zip(after, before)))
optim.zero_grad()
print("grads after zero_grad():", [p.grad for p in model.parameters()])

# fine-tuning: freeze everything, replace the classifier, train only the new layer
for param in model.parameters():
    param.requires_grad = False
model[3] = nn.Linear(32, 10)
optim = torch.optim.SGD(model[3].parameters(), lr=1e-2, momentum=0.9)
loss = (model(data) - labels).sum()
loss.backward()
for name, p in model.named_parameters():
    print(name, "requires_grad", p.requires_grad, "grad", None if p.grad is None else tuple(p.grad.shape))
print("params the optimizer updates:", sum(p.numel() for g in optim.param_groups for p in g["params"]))

with torch.no_grad():
    out = model(data)
print("no_grad forward:", out.requires_grad, out.grad_fn)
