"""torch.linalg: the functions of it this engine has (linalg.cross; torch.norm is in the torch namespace)."""
from ._arguments import tensor_first
from ._functions import linalg_cross as _linalg_cross

cross = tensor_first(_linalg_cross, name="linalg_cross")
cross.__name__ = cross.__qualname__ = "cross"
