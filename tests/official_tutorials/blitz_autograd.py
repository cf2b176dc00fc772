"""A Gentle Introduction to torch.autograd -- pytorch/tutorials beginner_source/blitz/
autograd_tutorial.py (Deep Learning with PyTorch: A 60 Minute Blitz; BSD-3-Clause).

Adaptations (everything else is the tutorial's code as written):
- ``resnet18(weights=ResNet18_Weights.DEFAULT)`` becomes ``resnet18(weights=None)`` (twice): pretrained
  weights cannot be downloaded here. torchvision cannot be installed: ``import torchvision`` finds the
  test runner (autograd_core.vision under autograd_core, the vendored torchvision oracle under torch).
- The program prints only what the tutorial prints (no value drawn from the random generator), plus
  one line at the end: which parameters have a gradient after a backward through the frozen model
  (the tutorial's point, which it states in prose).
"""
import torch
from torchvision.models import resnet18, ResNet18_Weights
model = resnet18(weights=None)  # adaptation: weights=ResNet18_Weights.DEFAULT
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

############################################################
# Next, we run the input data through the model through each of its layers to make a prediction.
# This is the **forward pass**.
#

prediction = model(data) # forward pass

############################################################
# We use the model's prediction and the corresponding label to calculate the error (``loss``).
# The next step is to backpropagate this error through the network.
# Backward propagation is kicked off when we call ``.backward()`` on the error tensor.
# Autograd then calculates and stores the gradients for each model parameter in the parameter's ``.grad`` attribute.
#

loss = (prediction - labels).sum()
loss.backward() # backward pass

############################################################
# Next, we load an optimizer, in this case SGD with a learning rate of 0.01 and `momentum <https://towardsdatascience.com/stochastic-gradient-descent-with-momentum-a84097641a5d>`__ of 0.9.
# We register all the parameters of the model in the optimizer.
#

optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

######################################################################
# Finally, we call ``.step()`` to initiate gradient descent. The optimizer adjusts each parameter by its gradient stored in ``.grad``.
#

optim.step() #gradient descent

######################################################################
# Differentiation in Autograd
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~

import torch

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

Q = 3*a**3 - b**2

external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)


#######################################################################
# Gradients are now deposited in ``a.grad`` and ``b.grad``

# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)


######################################################################
# Exclusion from the DAG
# ^^^^^^^^^^^^^^^^^^^^^^

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients? : {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")


from torch import nn, optim

model = resnet18(weights=None)  # adaptation: weights=ResNet18_Weights.DEFAULT

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(512, 10)

# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

# adaptation: show which parameters got a gradient (the tutorial says so in prose)
model(data).sum().backward()
print([name for name, p in model.named_parameters() if p.grad is not None])
