import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = torch.tensor(x)
print(y, y.requires_grad)
z = torch.as_tensor(x)
print(z is x)
w = x.clone().detach()
print(w.requires_grad, w.grad_fn)
a = x * 2
a.detach_()
print(a.requires_grad, a.grad_fn, a.is_leaf)
print(x.requires_grad_(False) is x, x.requires_grad)
x.requires_grad_()
g = torch.autograd.grad(outputs=[(x ** 2).sum()], inputs=[x], grad_outputs=[torch.tensor(2.)])
print(g)
b = (x * 3).sum()
b.backward(torch.tensor(0.5))
print(x.grad)
print(torch.zeros(3).requires_grad, torch.zeros(3, requires_grad=True).requires_grad)
with torch.no_grad():
    c = x + 1
print(c.requires_grad, (c * x).requires_grad, (c * x).grad_fn)
print(x.grad.requires_grad, x.grad.grad_fn, x.grad.is_leaf)
e = torch.ones(2, requires_grad=True)
f = e.sum()
print(f.grad_fn.next_functions[0][0].variable is e)
print(torch.is_grad_enabled(), torch.tensor(1.).is_leaf)
k = torch.tensor(3.)
try:
    k.backward()
except RuntimeError as err:
    print("RuntimeError:", err)
