"""Section 1: the forward pass keeps what backward needs (grad_fn._saved_*), and backward frees it."""
import torch

a = torch.tensor([1., 2.], requires_grad=True)
b = torch.tensor([3., 4.], requires_grad=True)
y = a * b                 # d(a*b)/da = b and d(a*b)/db = a: MulBackward0 keeps both
z = y.exp()               # d(e^y)/dy = e^y: ExpBackward0 keeps its own result
s = z.sum()               # SumBackward0 needs no values at all

print("y's node keeps:", y.grad_fn._saved_self, y.grad_fn._saved_other)
print("the saved self is a:", y.grad_fn._saved_self is a, torch.equal(y.grad_fn._saved_other, b))
print("z's node keeps its result:", z.grad_fn._saved_result)
print("equal to z:", torch.equal(z.grad_fn._saved_result, z))

s.backward()
print("a.grad =", a.grad)
print("b.grad =", b.grad)
try:
    z.grad_fn._saved_result
except RuntimeError as e:
    print(type(e).__name__ + ":", e)
try:
    s.backward()
except RuntimeError as e:
    print(type(e).__name__ + ":", e)

# with retain_graph=True the saved values stay, and a second backward adds to .grad
y = a * b
s = y.exp().sum()
s.backward(retain_graph=True)
print("still saved:", y.grad_fn._saved_other)
s.backward()
print("a.grad after three backward calls:", a.grad)
