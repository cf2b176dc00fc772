"""Section 1, example C: z = (a + b) + (c * d), printed while the graph is being built.

Then the gradients, and what happens to .grad over two backward calls (accumulation) and after
zero_().
"""
import torch

a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
c = torch.tensor(3.0, requires_grad=True)
d = torch.tensor(4.0, requires_grad=True)

x = a + b
print("x =", x, "made by", x.grad_fn)
y = c * d
print("y =", y, "made by", y.grad_fn)
z = x + y
print("z =", z, "made by", z.grad_fn)
print("z's inputs:", [type(fn).__name__ for fn, _ in z.grad_fn.next_functions])

z.backward(torch.tensor(1.0), retain_graph=True)   # dL/dz = 1
for name, t in zip("abcd", (a, b, c, d)):
    print(f"{name}.grad = {t.grad}")

z.backward()   # a second backward adds to .grad
print("after a second backward:", a.grad, c.grad, d.grad)

for t in (a, b, c, d):
    t.grad.zero_()
print("after zero_():", a.grad, b.grad, c.grad, d.grad)

# a new forward pass builds a new graph: the old nodes are not reused
z2 = (a + b) + (c * d)
print("same node as before?", z2.grad_fn is z.grad_fn, type(z2.grad_fn).__name__)
z2.backward()
print("fresh grads:", a.grad, d.grad)
