import torch
import torch.nn as nn
logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], requires_grad=True)
target = torch.tensor([0, 1])
loss = nn.CrossEntropyLoss()(logits, target)
print(loss)
loss.backward()
print(logits.grad)
print(torch.softmax(logits, dim=1))
print(logits.softmax(-1).sum(1))
print(torch.log_softmax(logits, 1))
import torch.nn.functional as F
print(F.cross_entropy(logits, target, reduction="sum"))
print(F.nll_loss(F.log_softmax(logits, 1), target))
pred = logits.argmax(dim=1)
print(pred, (pred == target).float().mean(), (pred == target).sum().item())
