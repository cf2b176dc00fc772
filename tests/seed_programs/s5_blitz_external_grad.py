"""Section 5 (the 60 minute blitz): Q = 3a^3 - b^2 with a vector output and external_grad."""
import torch

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
print("Q =", Q)
print("Q.grad_fn:", type(Q.grad_fn).__name__,
      [type(fn).__name__ for fn, _ in Q.grad_fn.next_functions])

try:
    Q.backward(retain_graph=True)
except RuntimeError as e:
    print(type(e).__name__ + ":", e)

external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print("a.grad =", a.grad, " 9*a**2 == a.grad:", 9 * a ** 2 == a.grad)
print("b.grad =", b.grad, " -2*b == b.grad:", -2 * b == b.grad)

# the same through a scalar: Q.sum()
a2 = torch.tensor([2., 3.], requires_grad=True)
b2 = torch.tensor([6., 4.], requires_grad=True)
(3 * a2 ** 3 - b2 ** 2).sum().backward()
print("via sum():", a2.grad, b2.grad, torch.equal(a2.grad, a.grad))

# a vector-Jacobian product with another v: J^T v
a3 = torch.tensor([2., 3.], requires_grad=True)
Q3 = 3 * a3 ** 3
v = torch.tensor([0.5, -1.0])
Q3.backward(v)
print("J^T v =", a3.grad, "expected", 9 * a3.detach() ** 2 * v)
