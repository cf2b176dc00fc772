"""The torch oracle's tolerance policy does what its docstring says: it tells apart what differs."""
import math

import numpy as np
import pytest
import torch

import autograd_core as ac
from torch_oracle import TOLERANCE, assert_close, assert_same, close, difference, outcome, plain


def _f32(*values):
    return np.array(values, dtype=np.float32)


def test_same_values_same_dtype_agree():
    assert_close(ac.tensor([1.0, 2.5]), torch.tensor([1.0, 2.5]))
    assert_close(ac.tensor([1, 2]), torch.tensor([1, 2]))
    assert_close(ac.tensor([True]), torch.tensor([True]))


def test_dtype_and_shape_must_match():
    assert "dtype" in difference(plain(ac.tensor([1.0])), plain(torch.tensor([1.0], dtype=torch.float64)))
    assert "dtype" in difference(plain(ac.tensor([1])), plain(torch.tensor([1.0])))
    assert difference(plain(ac.tensor([1.0, 2.0])), plain(torch.tensor([[1.0, 2.0]]))) is not None


def test_integers_and_bools_are_exact():
    assert not close(plain(np.array([3], dtype=np.int64)), plain(np.array([4], dtype=np.int64)))
    assert not close(plain(ac.tensor([True])), plain(torch.tensor([False])))
    assert not close(7, 8) and not close(7, 7.0)  # an int is not a float (item() of an int tensor)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_tolerance_is_the_dtypes(dtype):
    rtol, _ = TOLERANCE[dtype]
    a = np.array([1.0, 2.0], dtype=dtype)
    assert close(plain(a * (1 + rtol / 2)), plain(a))
    assert not close(plain(a * (1 + rtol * 3)), plain(a))


def test_atol_scales_with_the_largest_value():
    _, atol = TOLERANCE["float32"]
    # a tiny difference next to a large element is rounding in a cancelling sum: allowed
    assert close(plain(_f32(1000.0, 3 * atol)), plain(_f32(1000.0, 0.0)))
    assert not close(plain(_f32(1.0, 3 * atol)), plain(_f32(1.0, 0.0)))


def test_exact_means_bit_for_bit():
    a = _f32(1.0)
    b = np.nextafter(a, np.float32(2))
    assert close(plain(a), plain(b))
    assert not close(plain(a), plain(b), exact=True)


def test_nan_equals_nan_and_inf_only_itself():
    assert close(plain(_f32(np.nan, 1.0)), plain(_f32(np.nan, 1.0)))
    assert not close(plain(_f32(np.nan)), plain(_f32(0.0)))
    assert not close(plain(_f32(np.inf)), plain(_f32(-np.inf)))
    assert not close(plain(_f32(np.inf)), plain(_f32(3e38)))
    assert close(math.nan, math.nan) and not close(math.nan, 1.0)


def test_a_looser_tolerance_needs_a_reason():
    a, b = _f32(1.0), _f32(1.00005)
    assert not close(plain(a), plain(b))
    with pytest.raises(ValueError, match="needs a reason"):
        close(plain(a), plain(b), loosen=100)
    assert close(plain(a), plain(b), loosen=100, because="a test of the rule")


def test_errors_compare_type_and_message():
    assert outcome(lambda m: m.ones(2) @ m.ones(3), ac) == outcome(lambda m: m.ones(2) @ m.ones(3), torch)
    assert outcome(lambda m: m.ones(2) @ m.ones(3), ac) != outcome(lambda m: m.ones(2) @ m.ones(4), torch)
    with pytest.raises(AssertionError):
        assert_same(lambda m: m.ones(2) if m is torch else m.ones(2).mul_(2))


def test_grad_fn_and_requires_grad_are_part_of_a_tensor():
    x, tx = ac.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    assert not close(plain(x * 2), plain(tx + tx))
    assert not close(plain(x.detach()), plain(tx))


def test_at_least_float32_loosens_float64_only():
    a64 = np.array([1.0, 2.0])
    assert not close(plain(a64 * (1 + 1e-7)), plain(a64))
    assert difference(plain(a64 * (1 + 1e-7)), plain(a64), at_least="float32") is None
    a32 = _f32(1.0, 2.0)
    assert difference(plain(a32 * np.float32(1 + 3e-6)), plain(a32), at_least="float32") is not None
