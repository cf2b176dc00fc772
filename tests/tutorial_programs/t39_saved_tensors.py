import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = x.exp()
print(y.grad_fn._saved_result.equal(y), y.grad_fn._saved_result is y)
z = x.pow(2)
print(z.grad_fn._saved_self is x)
m = x * 3
s = x.sin()
s.sum().backward()
try:
    s.grad_fn._saved_self
except RuntimeError as e:
    print("RuntimeError:", e)
