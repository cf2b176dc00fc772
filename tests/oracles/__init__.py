"""Reference implementations run under real PyTorch in the tests (oracles for autograd_core)."""
