"""torch.autograd.Function: user-defined forward and backward (the tutorial's MyReLU, LegendrePolynomial3).

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp(); ctx.save_for_backward(y); return y
        @staticmethod
        def backward(ctx, grad_output):
            y, = ctx.saved_tensors; return grad_output * y
    z = Exp.apply(x)          # z.grad_fn is an <ExpBackward object>

Each Function subclass gets its own row (not in the op table: it is the user's), named
``<Class>Backward`` as PyTorch names it. Forward runs under no_grad on the real input tensors; backward
is called once per node and its answer shared between the inputs.
"""
import numpy as np

from ._graph import no_grad
from ._ops import OPS, op
from ._tensor import Tensor, _make, _no_record, apply as _apply


class FunctionCtx:
    """What forward leaves for backward: save_for_backward(*tensors), saved_tensors, and any attribute."""

    def save_for_backward(self, *tensors):
        self._saved = tensors

    @property
    def saved_tensors(self):
        return getattr(self, "_saved", ())

    def mark_dirty(self, *tensors):
        pass

    def mark_non_differentiable(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass


def _grad_of_input(xp, i, g, args, out, ctx, result):
    """dL/d(input i): the user's backward(ctx, grad_output), called once per grad_output (under
    create_graph with grad mode on, on the gradient tensor itself)."""
    cached = ctx._backward_cache
    if cached is None or cached[0] is not g:
        if xp.builds_graph:
            grads = ctx._cls.backward(ctx, g)
        else:
            with no_grad(), _no_record():  # a recording shows this node, not the ops inside it
                grads = ctx._cls.backward(ctx, _make(np.asarray(g), None, False))
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != ctx._n_args:
            raise RuntimeError(f"function {ctx._cls.__name__}Backward returned an incorrect number of "
                               f"gradients (expected {ctx._n_args}, got {len(grads)})")
        cached = ctx._backward_cache = (g, grads)
    gi = cached[1][ctx._tensor_positions[i]]  # the node's inputs are the tensor arguments only
    if xp.builds_graph:
        return xp.zeros_like(args[i]) if gi is None else gi
    if gi is None:
        return np.zeros(np.shape(args[i]), dtype=np.result_type(args[i]))
    return gi._data if isinstance(gi, Tensor) else np.asarray(gi)


def _node_repr(node):
    # PyTorch's class for a user's node lives in torch.autograd.function
    return f"<torch.autograd.function.{type(node).__name__} object at {hex(id(node))}>"


class Function:
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call Class.apply."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def _row(cls):
        row = cls.__dict__.get("_op_row")
        if row is None:
            key = f"<user function {cls.__qualname__} {id(cls)}>"
            op(key, cls.__name__ + "Backward", lambda *datas, ctx, result: result, _grad_of_input,
               kind="same", arg_names=("input",), variadic=True)
            row = cls._op_row = OPS.pop(key)  # the user's row, not part of the op table
            row.in_table = False  # (its backward is the user's Python: a number there is a number)
            row.node_class.__repr__ = _node_repr
            row.name = cls.__name__
        return row

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        ctx._cls, ctx._backward_cache = cls, None
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        new_style = cls.setup_context is not Function.setup_context
        with no_grad(), _no_record():
            out = cls.forward(*args) if new_style else cls.forward(ctx, *args)
        if new_style:
            cls.setup_context(ctx, args, out)
        if not isinstance(out, Tensor):
            raise NotImplementedError("autograd_core's custom Functions return one tensor")
        # as PyTorch, only tensor arguments become inputs of the node (next_functions)
        ctx._n_args = len(args)
        ctx._tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = tuple(args[i] for i in ctx._tensor_positions)
        return _apply(cls._row(), tensors, {"ctx": ctx, "result": out._data})
