import random
import numpy as np
import torch

def set_seed(seed=42):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True)

set_seed(0)
print(torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.deterministic, torch.cuda.is_available())
device = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
print(device, torch.zeros(2, device=device))
torch.use_deterministic_algorithms(False)
print(torch.are_deterministic_algorithms_enabled())
a = torch.rand(3)
torch.manual_seed(0)
b = torch.rand(3)
torch.manual_seed(0)
print(torch.equal(torch.rand(3), b), a.shape)
