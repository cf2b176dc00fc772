"""autograd_core.static: define-then-run graphs in the style of TensorFlow 1.x.

    import autograd_core.static as tf
    a = tf.placeholder(tf.float32, shape=())          # declare the graph first ...
    b = tf.placeholder(tf.float32, shape=())
    z = a * b + a
    da, db = tf.gradients(z, [a, b])                  # ... gradients are more graph nodes
    with tf.Session() as sess:                        # ... then run it, many times
        sess.run([z, da, db], feed_dict={a: 2., b: 3.})   # [8.0, 4.0, 2.0]

The math is autograd_core's op table (autograd_core/_ops.py): a node is a row of it with its input
nodes and params, and ``gradients`` builds nodes applying the same rows' gradient rules. Reading
order: _graph.py (nodes, names, graphs), _api.py (building), _gradients.py, _session.py (running),
_trace.py (a dynamic computation frozen into a graph).
"""
import types as _types

from ._graph import (DType, FailedPreconditionError, Graph, InvalidArgumentError, Node, OpError,  # noqa: F401
                     as_dtype, bool_, float16, float32, float64, get_default_graph, int32, int64,
                     name_scope, reset_default_graph)
from ._api import (Variable, abs, add, cast, cond, constant, convert_to_tensor, cos, divide, equal,  # noqa: F401
                   exp, global_variables, global_variables_initializer, greater, greater_equal, group,
                   identity, less, less_equal, log, log_softmax, matmul, maximum, minimum, multiply,
                   negative, not_equal, placeholder, pow, reciprocal, reduce_max, reduce_mean,
                   reduce_min, reduce_sum, relu, reshape, sigmoid, sin, softmax, sqrt, square,
                   stop_gradient, subtract, tanh, trainable_variables, transpose, truediv,
                   variables_initializer)
from ._gradients import gradients  # noqa: F401
from ._session import InteractiveSession, Session, get_default_session  # noqa: F401
from ._trace import TracedFunction, TracerWarning, trace  # noqa: F401

Tensor = Node  # TF1's name for a graph node's output
bool = bool_  # tf.bool (the module-level name shadows the builtin only inside this namespace)

errors = _types.SimpleNamespace(OpError=OpError, InvalidArgumentError=InvalidArgumentError,
                                FailedPreconditionError=FailedPreconditionError)
nn = _types.SimpleNamespace(relu=relu, sigmoid=sigmoid, tanh=tanh, softmax=softmax,
                            log_softmax=log_softmax)
math = _types.SimpleNamespace(exp=exp, log=log, sqrt=sqrt, sin=sin, cos=cos, tanh=tanh, abs=abs,
                              sigmoid=sigmoid, maximum=maximum, minimum=minimum, reciprocal=reciprocal,
                              square=square, reduce_sum=reduce_sum, reduce_mean=reduce_mean,
                              greater=greater, less=less, equal=equal, not_equal=not_equal)


class _GradientDescentOptimizer:
    """tf.train.GradientDescentOptimizer: minimize(loss) is one op doing var -= lr * d(loss)/d(var)."""

    def __init__(self, learning_rate, name="GradientDescent"):
        self.learning_rate, self._name = learning_rate, name

    def compute_gradients(self, loss, var_list=None):
        var_list = list(var_list) if var_list is not None else trainable_variables(loss.graph)
        return list(zip(gradients(loss, var_list), var_list))

    def apply_gradients(self, grads_and_vars, name=None):
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        graph = pairs[0][1].graph
        with graph.as_default(), graph.name_scope(name or self._name):
            updates = [v.assign_sub(g * self.learning_rate) for g, v in pairs]
        return group(*updates, name=name or self._name)

    def minimize(self, loss, var_list=None, name=None):
        return self.apply_gradients(self.compute_gradients(loss, var_list), name)


train = _types.SimpleNamespace(GradientDescentOptimizer=_GradientDescentOptimizer)
