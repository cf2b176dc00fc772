import torch
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(2.0)
z = x * y + torch.sin(x)
print(z.grad_fn)
def walk(fn, depth=0):
    print("  " * depth + (type(fn).__name__ if fn is not None else "None"))
    if fn is None:
        return
    for nxt, _ in fn.next_functions:
        walk(nxt, depth + 1)
walk(z.grad_fn)
print(z.grad_fn.next_functions[0][0].next_functions)
l = (x.exp() / (1 + x)).log()
walk(l.grad_fn)
m = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
walk((m.t() @ m).mean().grad_fn)
walk(m.view(4)[1:].reshape(3, 1).squeeze().sum().grad_fn)
