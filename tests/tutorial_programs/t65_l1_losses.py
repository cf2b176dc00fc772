import torch
import torch.nn as nn
pred = torch.tensor([1.0, 2.0, 3.5], requires_grad=True)
target = torch.tensor([1.5, 2.0, 2.0])
l1 = nn.L1Loss()(pred, target)
print(l1, l1.grad_fn)
l1.backward()
print(pred.grad)
mse = nn.MSELoss(reduction="none")(pred, target)
print(mse)
print(torch.nn.functional.l1_loss(pred, target, reduction="sum"))
