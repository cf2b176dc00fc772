import torch
x = torch.zeros(2, 3, 4)
print(x.shape[0], x.shape[-1], x.size()[1:], x.shape == (2, 3, 4), x.shape == torch.Size([2, 3, 4]))
print(torch.Size([2, 3]), tuple(x.shape), list(x.shape), x.shape.numel() if hasattr(x.shape, "numel") else "")
print(x.device, torch.device("cpu"), x.to("cpu").device, x.cpu().shape, x.is_cuda if hasattr(x, "is_cuda") else "")
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(device, x.to(device).dtype)
y = torch.ones(3, device=device)
print(y, y.device.type)
print(torch.tensor([1., 2.]).to(device, dtype=torch.float64))
print(x.new_zeros(x.shape).shape, torch.zeros(x.size()).shape, torch.zeros(*x.shape[:2]).shape)
a, b, c = x.shape
print(a, b, c)
print(x.stride(), x.is_contiguous(), x.transpose(0, 2).stride())
