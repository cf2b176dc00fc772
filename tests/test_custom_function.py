"""torch.autograd.Function in autograd_core: values, gradients, node names and errors as PyTorch's,
and a recording that shows the user's node (not the ops inside its forward/backward)."""
import numpy as np
import pytest
import torch

import autograd_core as ac
from torch_oracle import assert_close


def _cube_class(lib):
    class Cube(lib.autograd.Function):
        """out = x ** 3 * k, with a non-tensor k"""

        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * x ** 2 * ctx.k * g, None
    return Cube


@pytest.mark.parametrize("values", [[1.5, -2.0], [[0.5, 1.0], [2.0, -1.0]]])
def test_function_values_grads_and_names_match_torch(values):
    results = []
    for lib in (torch, ac):
        x = lib.tensor(values, requires_grad=True)
        y = _cube_class(lib).apply(x * 2, 0.5)
        (y * lib.tensor(values)).sum().backward()
        results.append((y.detach(), x.grad, type(y.grad_fn).__name__,
                        [type(n).__name__ for n, _ in y.grad_fn.next_functions]))
    assert_close(results[1], results[0])
    assert results[1][2:] == ("CubeBackward", ["MulBackward0"])


def test_wrong_number_of_gradients_is_torch_error():
    messages = []
    for lib in (torch, ac):
        class Half(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g
        with pytest.raises(RuntimeError) as e:
            Half.apply(lib.ones(2, requires_grad=True), 2.0).sum().backward()
        messages.append(str(e.value))
    assert messages[1] == messages[0]


def test_recording_shows_the_function_as_one_node():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with ac.record() as rec:
        _cube_class(ac).apply(x, 2.0).sum().backward()
    assert [(e.kind, e.op) for e in rec.events if e.kind == "forward"] == [("forward", "Cube"), ("forward", "sum")]
    assert [e.kind for e in rec.events].count("backward") == 2
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
