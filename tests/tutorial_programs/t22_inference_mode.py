import torch
x = torch.tensor([1., 2.], requires_grad=True)
with torch.inference_mode():
    y = x * 2
print(y.requires_grad, y.grad_fn)
print(torch.is_inference_mode_enabled())
@torch.inference_mode()
def predict(t):
    return t + 1
print(predict(x).requires_grad)
with torch.inference_mode(False):
    print((x * 2).requires_grad)
