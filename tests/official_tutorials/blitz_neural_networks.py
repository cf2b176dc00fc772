"""Neural Networks -- pytorch/tutorials beginner_source/blitz/neural_networks_tutorial.py
(Deep Learning with PyTorch: A 60 Minute Blitz; BSD-3-Clause).

Adaptations (everything else is the tutorial's code as written):
- after ``net = Net()``, _fix_ gives its parameters fixed values; ``input`` and ``target`` come from
  torch.randn as written and then get fixed values too (the random generators differ).
- the last line prints ``net.fc3.bias`` after ``optimizer.step()`` (the tutorial prints nothing there).
"""
# --- adaptation helper (see the header): fixed numbers in place of the random generator's -------------
# autograd_core's generator differs from torch's by design; a seeded numpy stream gives both libraries
# the same numbers. _fix_ overwrites tensors, or every parameter of a module, in place.
import numpy as _np
_stream = _np.random.default_rng(0)


def _fix_(*objs, uniform=False):
    import torch as _torch
    with _torch.no_grad():
        for obj in objs:
            for p in (list(obj.parameters()) if hasattr(obj, "parameters") else [obj]):
                if hasattr(obj, "parameters"):   # a module's parameter: uniform in +-1/sqrt(fan_in)
                    bound = 1 / _np.sqrt(p.numel() / p.shape[0]) if p.dim() > 1 else 0.1
                    values = _stream.uniform(-bound, bound, tuple(p.shape))
                elif uniform:                     # in place of torch.rand
                    values = _stream.uniform(0, 1, tuple(p.shape))
                else:                             # in place of torch.randn
                    values = _stream.standard_normal(tuple(p.shape))
                kind = _np.float64 if p.dtype == _torch.float64 else _np.float32
                p.copy_(_torch.from_numpy(_np.asarray(values, dtype=kind)))
    return objs[0] if len(objs) == 1 else objs
# ---------------------------------------------------------------------------------------------------
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        # Convolution layer C1: 1 input image channel, 6 output channels,
        # 5x5 square convolution, it uses RELU activation function, and
        # outputs a Tensor with size (N, 6, 28, 28), where N is the size of the batch
        c1 = F.relu(self.conv1(input))
        # Subsampling layer S2: 2x2 grid, purely functional,
        # this layer does not have any parameter, and outputs a (N, 6, 14, 14) Tensor
        s2 = F.max_pool2d(c1, (2, 2))
        # Convolution layer C3: 6 input channels, 16 output channels,
        # 5x5 square convolution, it uses RELU activation function, and
        # outputs a (N, 16, 10, 10) Tensor
        c3 = F.relu(self.conv2(s2))
        # Subsampling layer S4: 2x2 grid, purely functional,
        # this layer does not have any parameter, and outputs a (N, 16, 5, 5) Tensor
        s4 = F.max_pool2d(c3, 2)
        # Flatten operation: purely functional, outputs a (N, 400) Tensor
        s4 = torch.flatten(s4, 1)
        # Fully connected layer F5: (N, 400) Tensor input,
        # and outputs a (N, 120) Tensor, it uses RELU activation function
        f5 = F.relu(self.fc1(s4))
        # Fully connected layer F6: (N, 120) Tensor input,
        # and outputs a (N, 84) Tensor, it uses RELU activation function
        f6 = F.relu(self.fc2(f5))
        # Gaussian layer OUTPUT: (N, 84) Tensor input, and
        # outputs a (N, 10) Tensor
        output = self.fc3(f6)
        return output


net = Net()
_fix_(net)  # adaptation
print(net)

########################################################################
# The learnable parameters of a model are returned by ``net.parameters()``

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight

########################################################################
# Let's try a random 32x32 input.

input = torch.randn(1, 1, 32, 32)
_fix_(input)  # adaptation
out = net(input)
print(out)

########################################################################
# Zero the gradient buffers of all parameters and backprops with random
# gradients:
net.zero_grad()
out.backward(torch.randn(1, 10))

########################################################################
# Loss Function
# -------------

output = net(input)
target = torch.randn(10)  # a dummy target, for example
_fix_(target)  # adaptation
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

########################################################################
# For illustration, let us follow a few steps backward:

print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU

########################################################################
# Backprop
# --------

net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

########################################################################
# Update the weights
# ------------------

import torch.optim as optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
optimizer.zero_grad()   # zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()    # Does the update
print(net.fc3.bias)  # adaptation: the tutorial's step prints nothing; show its effect
