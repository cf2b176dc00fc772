import torch
def f(x):
    if x.sum() > 0:
        return x * 2
    else:
        return x ** 2
x = torch.tensor([1., 2.], requires_grad=True)
y = f(x)
y.sum().backward()
print(x.grad, y.grad_fn)
x2 = torch.tensor([-1., -2.], requires_grad=True)
y2 = f(x2)
y2.sum().backward()
print(x2.grad, y2.grad_fn)
x3 = torch.tensor(1.0, requires_grad=True)
out = x3
for i in range(5):
    out = out * (i + 1)
out.backward()
print(out, x3.grad)
acc = torch.zeros(())
v = torch.tensor([1., 2., 3.], requires_grad=True)
for el in v:
    acc = acc + el ** 2
acc.backward()
print(acc, v.grad, acc.grad_fn)
