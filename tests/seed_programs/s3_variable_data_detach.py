"""Section 3: Variable is a Tensor now; .data vs .detach(); loss.item() vs keeping tensors."""
import torch
from torch.autograd import Variable

t = torch.tensor([1.0, 2.0])
v = Variable(t, requires_grad=True)
print("Variable gives a Tensor:", isinstance(v, torch.Tensor), type(v).__name__)
print(v, v.grad, v.grad_fn)

# .data: shares memory, changes are invisible to autograd -> silently wrong gradient
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = a.sigmoid()
c = out.data
c.zero_()
print("out after c.zero_() through .data:", out)
out.sum().backward()
print("a.grad (wrong, no error):", a.grad)

# .detach(): shares memory AND the version counter -> backward refuses
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = a.sigmoid()
c = out.detach()
print("versions before:", out._version, c._version)
c.zero_()
print("versions after:", out._version, c._version)
print("out after c.zero_() through .detach():", out)
try:
    out.sum().backward()
except RuntimeError as e:
    print(type(e).__name__ + ":", e)

# moving results to numpy
r = (a * 2).sum()
print(repr(r.detach().cpu().numpy()))
try:
    r.numpy()
except RuntimeError as e:
    print(type(e).__name__ + ":", e)

# reading a loss: old code indexed .data[0]; now .item()
w = torch.tensor([0.5, -1.0], requires_grad=True)
x = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
y = torch.tensor([1.0, 0.0, -1.0])
loss = ((x @ w - y) ** 2).mean()
print("loss:", loss, "item:", loss.item(), type(loss.item()).__name__)
try:
    loss.data[0]
except IndexError as e:
    print(type(e).__name__ + ":", e)

total_tensor, total_float = 0, 0.0
for step in range(3):
    loss = ((x @ w - y) ** 2).mean() * (step + 1)
    total_tensor += loss          # keeps every iteration's graph alive
    total_float += loss.item()    # just a number
print("total as tensor:", total_tensor)
print("total as float:", round(total_float, 4), type(total_float).__name__)
print("tensor total still holds a graph:", total_tensor.grad_fn is not None, total_tensor.requires_grad)
