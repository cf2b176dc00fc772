"""Save and Load the Model -- pytorch/tutorials beginner_source/basics/saveloadrun_tutorial.py
(Learn the Basics; BSD-3-Clause).

Adaptations (everything else is the tutorial's code as written):
- ``models.vgg16`` becomes ``models.resnet18`` (torchvision cannot be installed here; the test runner
  gives autograd_core.vision / the vendored torchvision oracle, which build resnet18; vgg16's 138M
  parameters would also be too big for a quick test), and ``weights='IMAGENET1K_V1'`` becomes
  ``weights=None`` (pretrained weights cannot be downloaded).
- the tutorial shows, as a notebook does, the value of ``model.eval()``; here it is printed. The last
  line (``torch.load(..., weights_only=False),`` with the tutorial's trailing comma) is printed too,
  by its type.
"""
import torch
import torchvision.models as models

model = models.resnet18(weights=None)  # adaptation: models.vgg16(weights='IMAGENET1K_V1')
torch.save(model.state_dict(), 'model_weights.pth')

model = models.resnet18() # we do not specify ``weights``, i.e. create untrained model
model.load_state_dict(torch.load('model_weights.pth', weights_only=True))
print(model.eval())  # adaptation: printed

torch.save(model, 'model.pth')

model = torch.load('model.pth', weights_only=False),
print(type(model), type(model[0]).__name__)  # adaptation: printed
