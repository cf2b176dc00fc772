import torch
x = torch.tensor([1., 2.], requires_grad=True)
with torch.no_grad():
    y = x * 2
print(y.requires_grad, y.grad_fn)
@torch.no_grad()
def f(t):
    return t * 3
print(f(x).requires_grad)
with torch.enable_grad():
    print((x * 2).requires_grad)
with torch.no_grad():
    with torch.enable_grad():
        print((x * 2).requires_grad)
torch.set_grad_enabled(False)
print((x * 2).requires_grad, torch.is_grad_enabled())
torch.set_grad_enabled(True)
print((x * 2).requires_grad, torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
is_train = False
with torch.set_grad_enabled(is_train):
    print((x + 1).requires_grad)
print(torch.is_grad_enabled())
