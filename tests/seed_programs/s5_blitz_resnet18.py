"""Section 5 as the tutorial writes it: torchvision's resnet18, one training step (forward, backward,
SGD with momentum), then fine-tuning: freeze every parameter, replace the classifier, and only the
new layer gets gradients.

As written apart from the weights: pretrained weights cannot be downloaded here, so asking for them
(the tutorial's resnet18(weights=ResNet18_Weights.DEFAULT)) shows its error and the model is built
with random weights, resnet18(). Random values differ between libraries by design: shapes, flags,
grad_fn names and which parameters have gradients are printed, not numbers.
"""
import torch
from torchvision.models import resnet18, ResNet18_Weights

try:
    model = resnet18(weights=ResNet18_Weights.DEFAULT)
except RuntimeError as e:
    print("weights:", e)
model = resnet18()
print("parameters:", sum(p.numel() for p in model.parameters()), "tensors:", len(list(model.parameters())))
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

prediction = model(data)  # forward pass
print("prediction:", prediction.shape, type(prediction.grad_fn).__name__, prediction.requires_grad)
loss = (prediction - labels).sum()
print("loss:", loss.shape, type(loss.grad_fn).__name__)
loss.backward()  # backward pass
print("every parameter has a gradient of its shape:",
      all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters()))
print("conv1.weight.grad:", model.conv1.weight.grad.shape, "fc.bias.grad:", model.fc.bias.grad.shape)
print("running stats updated once:", model.bn1.num_batches_tracked.item(),
      model.layer4[1].bn2.num_batches_tracked.item())

optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
before = [p.detach().clone() for p in model.parameters()]
optim.step()  # gradient descent
print("first SGD step is p - lr * grad:",
      all(torch.allclose(p, p0 - 1e-2 * p.grad) for p, p0 in zip(model.parameters(), before)))

# fine-tuning: freeze all the parameters, replace the classifier, optimise only the classifier
from torch import nn, optim

model = resnet18()
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(512, 10)
print(model.fc)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
prediction = model(data)
print("prediction:", prediction.shape, type(prediction.grad_fn).__name__)
features = model.avgpool(model.layer4(model.layer3(model.layer2(model.layer1(
    model.maxpool(model.relu(model.bn1(model.conv1(data)))))))))
print("features before fc require grad:", features.requires_grad, features.grad_fn)
loss = (prediction - torch.rand(1, 10)).sum()
loss.backward()
print("parameters with a gradient:", [name for name, p in model.named_parameters() if p.grad is not None])
print("trainable:", [name for name, p in model.named_parameters() if p.requires_grad])
print("frozen parameters:", sum(not p.requires_grad for p in model.parameters()))
fc_weight = model.fc.weight.detach().clone()
conv_weight = model.conv1.weight.detach().clone()
optimizer.step()
print("the step changes fc:", not torch.equal(model.fc.weight, fc_weight),
      "and leaves conv1:", torch.equal(model.conv1.weight, conv_weight))

with torch.no_grad():
    out = model(data)
print("no_grad forward:", out.requires_grad, out.grad_fn)
