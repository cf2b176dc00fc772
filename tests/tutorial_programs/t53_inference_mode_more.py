import torch
model = torch.nn.Linear(2, 1)
torch.nn.init.ones_(model.weight)
torch.nn.init.zeros_(model.bias)
with torch.inference_mode():
    out = model(torch.tensor([[1., 2.]]))
    print(torch.is_inference_mode_enabled(), torch.is_grad_enabled())
print(out, out.requires_grad)
print(torch.is_inference_mode_enabled(), torch.is_grad_enabled())
@torch.inference_mode
def predict(x):
    return model(x)
print(predict(torch.tensor([[3., 4.]])))
with torch.no_grad():
    print(model(torch.tensor([[1., 1.]])))
model.eval()
with torch.no_grad():
    preds = model(torch.tensor([[1., 0.], [0., 1.]]))
print(preds.squeeze(), preds.requires_grad)
