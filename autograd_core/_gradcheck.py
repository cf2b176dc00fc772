"""torch.autograd.gradcheck and gradgradcheck: backward's Jacobian against central differences.

For f: inputs -> outputs, the numerical Jacobian of output o with respect to input x is built one
column per element x[k] of x (in row-major order), by perturbing x[k] in place:

    J_num[k, :] = (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)          (flattened outputs)

and the analytical one one row per element o[j] of the output, by one backward pass each:

    J_an[:, j] = autograd.grad(o, x, grad_outputs=e_j)                  (flattened inputs)

Both are stored as (x.numel(), o.numel()) matrices and compared with allclose(J_an, J_num, rtol,
atol). The code follows torch/autograd/gradcheck.py function for function (real, dense tensors
only: autograd_core has neither complex nor sparse tensors), so that the same calls run in the
same order, the same numbers come out and the same messages print. fast_mode compares the scalars
v^T J u instead (u, v random unit vectors from a fresh generator seeded as torch.Generator() is).
"""
import collections.abc
import functools
import warnings
from itertools import product

import numpy as np

import autograd_core as ac

from . import _custom_function, _dtypes
from ._random import TorchRandom
from ._tensor import Tensor, _make

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian", "get_numerical_jacobian_wrt_specific_input"]


class GradcheckError(RuntimeError):
    r"""Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


def _unsupported(function, argument, why):
    return NotImplementedError(f"{function}({argument}=True) is not supported by autograd_core: {why}")


def _is_float_or_complex_tensor(obj):
    return isinstance(obj, Tensor) and obj.is_floating_point()


def _allocate_jacobians_with_inputs(input_tensors, numel_output):
    """One zero (t.numel(), numel_output) matrix, of t's dtype, per input t that requires grad."""
    return tuple(t.new_zeros((t.numel(), numel_output)) for t in input_tensors
                 if _is_float_or_complex_tensor(t) and t.requires_grad)


def _allocate_jacobians_with_outputs(output_tensors, numel_input, dtype=None):
    """One zero (numel_input, t.numel()) matrix, of t's dtype, per floating-point output t."""
    return tuple(t.new_zeros((numel_input, t.numel()), dtype=dtype) for t in output_tensors
                 if _is_float_or_complex_tensor(t))


def _iter_tensors(x, only_requiring_grad=False):
    if isinstance(x, Tensor):
        if x.requires_grad or not only_requiring_grad:
            yield x
    elif isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
        for elem in x:
            yield from _iter_tensors(elem, only_requiring_grad)


def _iter_tensor(x_tensor):
    """(x.data, index of one element, flat index) for every element of x, in row-major order.
    ``.data``: perturbing it in place leaves x's version counter alone."""
    x_tensor = x_tensor.data
    for d_idx, x_idx in enumerate(product(*[range(m) for m in x_tensor.size()])):
        yield x_tensor, x_idx, d_idx


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    elif isinstance(x, list):
        return tuple(x)
    else:
        return (x,)


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


# ---------------------------------------------------------------------------------------------
# Numerical Jacobian (central differences)
# ---------------------------------------------------------------------------------------------
def _get_numerical_jacobian(fn, inputs, outputs=None, target=None, eps=1e-3):
    """[for each input requiring grad: (J of each floating-point output,)]; J[k, j] = d out[j] / d x[k]."""
    jacobians = []
    if outputs is None:
        outputs = _as_tuple(fn(*_as_tuple(inputs)))
    if target is None:
        target = inputs
    inp_indices = [i for i, a in enumerate(target) if isinstance(a, Tensor) and a.requires_grad]
    for inp, inp_idx in zip(_iter_tensors(target, True), inp_indices):
        jacobians += [get_numerical_jacobian_wrt_specific_input(fn, inp_idx, inputs, outputs, eps,
                                                                input=inp)]
    return jacobians


def get_numerical_jacobian(fn, inputs, target=None, eps=1e-3, grad_out=1.0):
    """Deprecated (as in PyTorch): the numerical Jacobians of fn's first output, fn taking a tuple."""
    warnings.warn(
        "`get_numerical_jacobian` was part of PyTorch's private API and not meant to be exposed. "
        "We are deprecating it and it will be removed in a future version of PyTorch. If you have "
        "a specific use for this or feature request for this to be a stable API, please file us an "
        "issue at https://github.com/pytorch/pytorch/issues/new", FutureWarning, stacklevel=2)
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_numerical_jacobian no longer supports "
                         "values of grad_out != 1.0.")

    def fn_pack_inps(*inps):
        return fn(inps)

    jacobians = _get_numerical_jacobian(fn_pack_inps, inputs, None, target, eps)
    return tuple(jacobian_for_each_output[0] for jacobian_for_each_output in jacobians)


def _compute_numerical_gradient(fn, entry, v, norm_v, nbhd_checks_fn):
    """(fn(entry + v) - fn(entry - v)) / (2 |v|) per output, entry changed in place and restored."""
    orig = entry.clone()
    entry.copy_(orig - v)
    outa = fn()
    entry.copy_(orig + v)
    outb = fn()
    entry.copy_(orig)

    def compute(a, b):
        nbhd_checks_fn(a, b)
        ret = (b - a) / (2 * norm_v)  # central difference
        return ret.detach().reshape(-1)

    return tuple(compute(a, b) for (a, b) in zip(outa, outb))


def _compute_numerical_jvps_wrt_specific_input(jvp_fn, delta):
    return list(jvp_fn(delta))


def _combine_jacobian_cols(jacobians_cols, outputs, input, numel):
    """{column k: [row of each output]} -> one (numel, out.numel()) matrix per output."""
    jacobians = _allocate_jacobians_with_outputs(outputs, numel)
    for i, jacobian in enumerate(jacobians):
        for k, v in jacobians_cols.items():
            jacobian[k] = v[i]
    return jacobians


def _check_outputs_same_dtype_and_shape(output1, output2, eps, idx=None):
    on_index = f"on index {idx} " if idx is not None else ""
    if output1.shape != output2.shape:
        raise AssertionError(f"Expected `func` to return outputs with the same shape when inputs are "
                             f"perturbed {on_index}by {eps}, but got: shapes {output1.shape} and "
                             f"{output2.shape}.")
    if output1.dtype != output2.dtype:
        raise AssertionError(f"Expected `func` to return outputs with the same dtype when inputs are "
                             f"perturbed {on_index}by {eps}, but got: dtypes {output1.dtype} and "
                             f"{output2.dtype}.")


def get_numerical_jacobian_wrt_specific_input(fn, input_idx, inputs, outputs, eps, input=None,
                                              is_forward_ad=False):
    """The numerical Jacobians of every output with respect to inputs[input_idx], one column per
    perturbed element."""
    jacobian_cols = {}
    input = inputs[input_idx] if input is None else input
    if not input.requires_grad:
        raise AssertionError("Expected input to have requires_grad=True")
    for x, idx, d_idx in _iter_tensor(input):
        wrapped_fn = _with_prepare_inputs(fn, inputs, input_idx, x)
        input_to_perturb = x[idx]
        nbhd_checks_fn = functools.partial(_check_outputs_same_dtype_and_shape, idx=idx, eps=eps)
        jvp_fn = _get_numerical_jvp_fn(wrapped_fn, input_to_perturb, eps, nbhd_checks_fn)
        jacobian_cols[d_idx] = _compute_numerical_jvps_wrt_specific_input(jvp_fn, eps)
    return _combine_jacobian_cols(jacobian_cols, outputs, input, input.numel())


def _with_prepare_inputs(fn, inputs, input_idx, input_to_perturb, fast_mode=False):
    """fn with its inputs bound (the very tensors given: their memory is what gets perturbed); its
    outputs cloned, as later perturbations must not change them."""
    def wrapped_fn():
        inp = tuple(a for a in _as_tuple(inputs))
        return tuple(a.clone() for a in _as_tuple(fn(*inp)))

    return wrapped_fn


def _get_numerical_jvp_fn(wrapped_fn, input_to_perturb, eps, nbhd_checks_fn):
    def jvp_fn(delta):
        return _compute_numerical_gradient(wrapped_fn, input_to_perturb, delta, eps, nbhd_checks_fn)

    return jvp_fn


def _get_numerical_jvp_wrt_specific_input(fn, input_idx, inputs, u, eps):
    """J u for one input, by central differences along eps * u (fast mode)."""
    input = inputs[input_idx]
    input_to_perturb = input.data
    wrapped_fn = _with_prepare_inputs(fn, inputs, input_idx, input_to_perturb, True)
    nbhd_checks_fn = functools.partial(_check_outputs_same_dtype_and_shape, eps=eps)
    jvp_fn = _get_numerical_jvp_fn(wrapped_fn, input_to_perturb, eps, nbhd_checks_fn)
    u = u.reshape(input_to_perturb.shape)
    u = eps * u
    return _compute_numerical_jvps_wrt_specific_input(jvp_fn, u)


def _get_numerical_vJu(fn, inputs, inp_indices, func_out, all_u, all_v, eps):
    """[for each input i: [v_o . (J_o u_i) for each floating-point output o]]."""
    reduced_jacobians = []
    for inp_idx, u in zip(inp_indices, all_u):
        all_Ju = _get_numerical_jvp_wrt_specific_input(fn, inp_idx, inputs, u, eps)
        filtered_Ju = []
        func_out = _as_tuple(func_out)
        if len(all_Ju) != len(func_out):
            raise AssertionError(f"Expected all_Ju and func_out to have the same length, but got "
                                 f"{len(all_Ju)} and {len(func_out)}")
        for Ju, output in zip(all_Ju, func_out):
            if _is_float_or_complex_tensor(output):
                filtered_Ju.append(Ju)
        if all_v is not None:
            reduced_jacobians.append([_dot_with_type_promotion(v, Ju) for v, Ju in zip(all_v, filtered_Ju)])
        else:
            reduced_jacobians.append(filtered_Ju)
    return reduced_jacobians


# ---------------------------------------------------------------------------------------------
# Analytical Jacobian (one backward per output element)
# ---------------------------------------------------------------------------------------------
def _check_jacobians_equal(j1, j2, atol):
    for j1_x, j2_x in zip(j1, j2):
        if j1_x.numel() != 0 and (j1_x - j2_x).abs().max() > atol:
            return False
    return True


def _stack_and_check_tensors(list_of_list_of_tensors, inputs, numel_outputs):
    """Rows of vector-Jacobian products -> one (x.numel(), numel_outputs) matrix per input x, and
    whether every gradient had its input's size, and its dtype."""
    out_jacobians = _allocate_jacobians_with_inputs(inputs, numel_outputs)
    diff_input_list = list(_iter_tensors(inputs, True))
    correct_grad_sizes = True
    correct_grad_types = True
    for i, tensor_list in enumerate(list_of_list_of_tensors):
        inp = diff_input_list[i]
        out_jacobian = out_jacobians[i]
        for j, tensor in enumerate(tensor_list):
            if tensor is not None and tensor.size() != inp.size():
                correct_grad_sizes = False
            elif tensor is not None and tensor.dtype != inp.dtype:
                correct_grad_types = False
            if tensor is None:
                out_jacobian[:, j].zero_()
            else:
                if out_jacobian[:, j].numel() != tensor.numel():
                    raise AssertionError(f"Expected out_jacobian column to have {tensor.numel()} "
                                         f"elements, but got {out_jacobian[:, j].numel()}")
                out_jacobian[:, j] = tensor.reshape(-1)
    return out_jacobians, correct_grad_sizes, correct_grad_types


FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


def _check_analytical_jacobian_attributes(inputs, output, nondet_tol, check_grad_dtypes,
                                          fast_mode=False, v=None):
    """The analytical Jacobians of output with respect to every input requiring grad, computed
    twice: the two must agree within nondet_tol (backward is reentrant)."""
    diff_input_list = list(_iter_tensors(inputs, True))

    def vjp_fn(grad_output):
        return ac.autograd.grad(output, diff_input_list, grad_output, retain_graph=True,
                                allow_unused=True)

    if fast_mode:
        vjps1 = _get_analytical_vjps_wrt_specific_output(vjp_fn, output.clone(), v)
        vjps2 = _get_analytical_vjps_wrt_specific_output(vjp_fn, output.clone(), v)
    else:
        vjps1 = _compute_analytical_jacobian_rows(vjp_fn, output.clone())
        vjps2 = _compute_analytical_jacobian_rows(vjp_fn, output.clone())

    output_numel = output.numel() if not fast_mode else 1
    jacobians1, sizes_ok, types_ok = _stack_and_check_tensors(vjps1, inputs, output_numel)
    jacobians2, _, _ = _stack_and_check_tensors(vjps2, inputs, output_numel)
    reentrant = _check_jacobians_equal(jacobians1, jacobians2, nondet_tol)

    # PyTorch unpacks the two flags the other way round (its "types_ok" holds the sizes check):
    # kept, so that the same message comes out for the same failure
    if not sizes_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not types_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and grad_output "
            "multiple times gives different values, although analytical gradient matches numerical "
            f"gradient.The tolerance for nondeterminism was {nondet_tol}." + FAILED_NONDET_MSG)
    return jacobians1


def _get_analytical_vJu_backward_mode(inputs, outputs, nondet_tol, check_grad_dtypes, all_v, all_u):
    """[for each output o: [(v_o^T J) . u_i for each input i]] (fast mode)."""
    reduced_jacobians = []
    for output, v in zip(outputs, all_v):
        all_vJ = _check_analytical_jacobian_attributes(inputs, output, nondet_tol, check_grad_dtypes,
                                                       fast_mode=True, v=v)
        jacobian_scalars = []
        for vJ, u in zip(all_vJ, all_u):
            vJ = vJ.T.squeeze(0)  # (the (numel, 1) matrix the slow mode's checks want, as a vector)
            jacobian_scalars.append(vJ.dot(u))
        reduced_jacobians.append(jacobian_scalars)
    return reduced_jacobians


def get_analytical_jacobian(inputs, output, nondet_tol=0.0, grad_out=1.0):
    """Deprecated (as in PyTorch): (jacobians, reentrant, sizes_ok, types_ok)."""
    warnings.warn(
        "`get_analytical_jacobian` was part of PyTorch's private API and not meant to be exposed. "
        "We are deprecating it and it will be removed in a future version of PyTorch. If you have "
        "a specific use for this or feature request for this to be a stable API, please file us an "
        "issue at https://github.com/pytorch/pytorch/issues/new", FutureWarning, stacklevel=2)
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_analytical_jacobian no longer supports "
                         "values of grad_out != 1.0.")
    diff_input_list = list(_iter_tensors(inputs, True))

    def vjp_fn(grad_output):
        return ac.autograd.grad(output, diff_input_list, grad_output, retain_graph=True,
                                allow_unused=True)

    vjps1 = _compute_analytical_jacobian_rows(vjp_fn, output.clone())
    vjps2 = _compute_analytical_jacobian_rows(vjp_fn, output.clone())
    output_numel = output.numel()
    jacobians1, sizes_ok, types_ok = _stack_and_check_tensors(vjps1, inputs, output_numel)
    jacobians2, _, _ = _stack_and_check_tensors(vjps2, inputs, output_numel)
    reentrant = _check_jacobians_equal(jacobians1, jacobians2, nondet_tol)
    return jacobians1, reentrant, sizes_ok, types_ok


def _get_analytical_jacobian(inputs, outputs, input_idx, output_idx):
    jacobians = _check_analytical_jacobian_attributes(inputs, outputs[output_idx],
                                                      nondet_tol=float("inf"), check_grad_dtypes=False)
    return jacobians[input_idx]


def _compute_analytical_jacobian_rows(vjp_fn, sample_output):
    """Row j of each input's Jacobian: vjp_fn(e_j), e_j the j-th unit vector shaped as the output."""
    grad_out_base = ac.zeros_like(sample_output)
    flat_grad_out = grad_out_base.view(-1)
    jacobians_rows = []  # jacobians_rows[i][j]: row j of the Jacobian of input i
    for j in range(flat_grad_out.numel()):
        flat_grad_out.zero_()
        flat_grad_out[j] = 1.0
        grad_inputs = vjp_fn(grad_out_base)
        for i, d_x in enumerate(grad_inputs):
            if j == 0:
                jacobians_rows.append([])
            jacobians_rows[i] += [d_x.clone() if isinstance(d_x, Tensor) else None]
    return jacobians_rows


def _get_analytical_vjps_wrt_specific_output(vjp_fn, sample_output, v):
    grad_inputs = vjp_fn(v.reshape(sample_output.shape))
    return [[vjp.clone() if isinstance(vjp, Tensor) else None] for vjp in grad_inputs]


# ---------------------------------------------------------------------------------------------
# Checks on the inputs, the outputs, and on backward itself
# ---------------------------------------------------------------------------------------------
def _check_inputs(tupled_inputs):
    """At least one input requires grad; warn about those that are not float64; refuse inputs whose
    elements share memory (perturbing one would move several)."""
    any_input_requiring_grad = False
    for idx, inp in enumerate(tupled_inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            if not (inp.dtype == _dtypes.float64):
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating point or "
                    "complex. This check will likely fail if all the inputs are not of double "
                    "precision floating point or complex. ", stacklevel=3)
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.size())):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs "
                    "that are non-overlapping to be able to compute the numerical gradients correctly. "
                    "You should call .contiguous on the input before passing it to gradcheck.")
            any_input_requiring_grad = True
    if not any_input_requiring_grad:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none "
                         "of them have requires_grad=True.")
    return True


def _check_no_differentiable_outputs(func, inputs, func_out, eps):
    """No output requires grad: then the numerical gradient must be zero."""
    jacobians_all_inputs_outputs = _get_numerical_jacobian(func, inputs, func_out, eps=eps)
    for jacobians_all_outputs_and_fixed_input in jacobians_all_inputs_outputs:
        for jacobian in jacobians_all_outputs_and_fixed_input:
            if ac.ne(jacobian, 0).sum() > 0:
                raise GradcheckError("Numerical gradient for function expected to be zero")
    return True


def _check_no_differentiable_outputs_fast(func, func_out, all_inputs, inputs_indices, all_u, eps,
                                          nondet_tol):
    for inp_idx, u in zip(inputs_indices, all_u):
        jvps = _get_numerical_jvp_wrt_specific_input(func, inp_idx, all_inputs, u, eps)
        for jvp in jvps:
            if jvp.numel() == 0:
                continue
            if (jvp - ac.zeros_like(jvp)).abs().max() > nondet_tol:
                raise GradcheckError("Numerical gradient for function expected to be zero")
    return True


def _test_backward_mul_by_grad_output(outputs, inputs, masked):
    """Zero grad_outputs must give zero gradients (backward multiplies by grad_output), of the
    inputs' dtype and size."""
    diff_input_list = list(_iter_tensors(inputs, True))
    if not diff_input_list:
        raise GradcheckError("no Tensors requiring grad found in input")
    grads_input = ac.autograd.grad(outputs, diff_input_list, [ac.zeros_like(o) for o in outputs],
                                   allow_unused=True)
    for gi, di in zip(grads_input, diff_input_list):
        if gi is None:
            continue
        if masked:
            if not ac.allclose(gi, ac.zeros_like(gi)):
                raise GradcheckError("backward not multiplied by grad_output")
        elif not gi.eq(0).all():
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.device != di.device:
            raise GradcheckError("grad is incorrect device")
        if gi.size() != di.size():
            raise GradcheckError("grad is incorrect size")
    return True


def _test_undefined_backward_mode(func, outputs, inputs):
    """Backward must cope with undefined output gradients (all of them, then one at a time): a
    custom Function that set_materialize_grads(False) receives None for those.

    PyTorch wraps each such output in an UndefinedGrad node. Here every output gets a zero
    gradient, and the custom Functions' nodes are told which of their output slots only undefined
    gradients reach (no path from an output whose gradient is defined): those get None."""
    diff_input_list = list(_iter_tensors(inputs, True))
    if not diff_input_list:
        raise GradcheckError("no Tensors requiring grad found in input")

    def warn_bc_breaking():
        warnings.warn(
            "Backwards compatibility: New undefined gradient support checking feature is enabled by "
            "default, but it may break existing callers of this function. If this is true for you, "
            'you can call this function with "check_undefined_grad=False" to disable the feature',
            stacklevel=2)

    def check_undefined_grad_support(output_to_check, undefined):
        grads_output = [ac.zeros_like(o) for o in output_to_check]
        defined_roots = [o for o, u in zip(output_to_check, undefined) if not u]
        try:
            with _custom_function._only_defined_slots(defined_roots):
                grads_input = ac.autograd.grad(output_to_check, diff_input_list, grads_output,
                                               allow_unused=True)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. Please look at "
                '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"') from e
        for gi in grads_input:
            if (gi is not None) and (not gi.eq(0).all()):
                warn_bc_breaking()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are "
                    'undefined or zero. Please look at "Notes about undefined output gradients" in '
                    '"tools/autograd/derivatives.yaml"')
        return True

    # all output gradients undefined; then, with several outputs, one at a time
    first = [o for o in _differentiable_outputs(func(*inputs)) if isinstance(o, Tensor)]
    outputs_to_check = [(first, [True] * len(first))]
    if len(first) > 1:
        for undef_grad_idx in range(len(outputs)):
            output_to_check = _differentiable_outputs(func(*inputs))
            outputs_to_check.append((list(output_to_check),
                                     [idx == undef_grad_idx for idx in range(len(output_to_check))]))
    return all(check_undefined_grad_support(o, u) for o, u in outputs_to_check)


def _get_notallclose_msg(analytical, numerical, output_idx, input_idx):
    return (f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
            f"numerical:{numerical}\nanalytical:{analytical}\n")


def _transpose(matrix_of_tensors):
    return list(zip(*matrix_of_tensors))


def _allclose_with_type_promotion(a, b, rtol, atol):
    promoted = _dtypes.FROM_NUMPY[np.promote_types(a._data.dtype, b._data.dtype)]
    return ac.allclose(a.to(dtype=promoted), b.to(dtype=promoted), rtol, atol)


def _dot_with_type_promotion(u, v):
    if u.dim() != 1 or v.dim() != 1:
        raise AssertionError(f"Expected u and v to be 1D tensors, but got dims {u.dim()} and {v.dim()}")
    return (u * v).sum()


def _slow_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol, *, masked=False):
    """Every entry of every (output, input) Jacobian: numerical (all of them first), then
    analytical, output by output."""
    func_out = _as_tuple(func_out)
    if not outputs:
        return _check_no_differentiable_outputs(func, tupled_inputs, func_out, eps=eps)
    numerical = _transpose(_get_numerical_jacobian(func, tupled_inputs, func_out, eps=eps))
    # the numerical side has a Jacobian for every output, the analytical one for those requiring grad
    numerical = [nj for o, nj in zip(func_out, numerical) if o.requires_grad]
    for i, o in enumerate(outputs):
        analytical = _check_analytical_jacobian_attributes(tupled_inputs, o, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical[i])):
            if not _allclose_with_type_promotion(a, n, rtol, atol):
                raise GradcheckError(_get_notallclose_msg(a, n, i, j))
    return True


# ---------------------------------------------------------------------------------------------
# Fast mode: v^T J u for random unit vectors u (per input) and v (per output)
# ---------------------------------------------------------------------------------------------
def _vec_from_tensor(x, generator):
    """A random unit vector with x.numel() elements, of x's dtype."""
    vec = _make(generator.uniform(x.numel(), np.float32), None, False).to(dtype=x.dtype)
    vec /= vec.norm()
    return vec


def _get_inp_tensors(tupled_inputs):
    inp_idx_tup = [(i, t) for i, t in enumerate(tupled_inputs) if isinstance(t, Tensor) and t.requires_grad]
    return [tup[0] for tup in inp_idx_tup], [tup[1] for tup in inp_idx_tup]


def _adjusted_atol(atol, u, v):
    """atol for v^T (A - B) u: the entrywise atol times v^T M u = sum(u) sum(v) (M all ones)."""
    sum_v = 1.0 if v is None else v.sum()
    sum_u = u.sum()
    return atol * float(sum_u) * float(sum_v)


FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()


def _run_slow_mode_and_get_error(func, tupled_inputs, outputs, input_idx, output_idx, rtol, atol, eps):
    """The slow mode's Jacobians of one (input, output) pair, for the fast mode's error message."""
    slow_numerical = _get_numerical_jacobian(func, tupled_inputs, outputs, eps=eps)[input_idx][output_idx]
    slow_analytical = _get_analytical_jacobian(tupled_inputs, outputs, input_idx, output_idx)
    slow_max_diff = (slow_numerical - slow_analytical).abs().max()
    slow_allclose = ac.allclose(slow_analytical, slow_numerical, rtol, atol)
    msg = ("\nThe above quantities relating the numerical and analytical jacobians are computed \n"
           "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
           "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
           f"Numerical:\n {slow_numerical}\n"
           f"Analytical:\n{slow_analytical}\n\n"
           f"The max per-element difference (slow mode) is: {slow_max_diff}.\n")
    if slow_allclose:
        msg += FAST_FAIL_SLOW_OK_MSG
    return msg


def _make_vectors(inp_tensors, outputs):
    generator = TorchRandom()  # (a fresh torch.Generator()'s: the user's random state is left alone)
    all_u = [_vec_from_tensor(inp, generator) for inp in inp_tensors]
    all_v = [_vec_from_tensor(out, generator) for out in outputs]
    return all_v, all_u


def _check_analytical_numerical_equal(all_analytical, all_numerical, tupled_inputs, outputs, func,
                                      all_v, all_u, rtol, atol, eps):
    for i, all_numerical_for_input_i in enumerate(all_numerical):
        for j, n in enumerate(all_numerical_for_input_i):
            a = all_analytical[j][i]
            updated_atol = _adjusted_atol(atol, all_u[i], all_v[j] if all_v else None)
            if not _allclose_with_type_promotion(a, n, rtol, updated_atol):
                jacobians_str = _run_slow_mode_and_get_error(func, tupled_inputs, outputs, i, j, rtol,
                                                             atol, eps)
                raise GradcheckError(_get_notallclose_msg(a, n, j, i) + jacobians_str)


def _fast_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol,
                    *, masked=False):
    """Backward gives v^T J, central differences J u: compare (v^T J) u with v^T (J u)."""
    inp_tensors_idx, inp_tensors = _get_inp_tensors(inputs)
    all_v, all_u = _make_vectors(inp_tensors, outputs)
    numerical_vJu = _get_numerical_vJu(func, inputs, inp_tensors_idx, func_out, all_u, all_v, eps)
    if not outputs:
        _check_no_differentiable_outputs_fast(func, func_out, inputs, inp_tensors_idx, all_u, eps,
                                              nondet_tol)
    analytical_vJu = _get_analytical_vJu_backward_mode(inputs, outputs, nondet_tol, check_grad_dtypes,
                                                       all_v, all_u)
    _check_analytical_numerical_equal(analytical_vJu, numerical_vJu, inputs, outputs, func, all_v, all_u,
                                      rtol, atol, eps)
    return True


# ---------------------------------------------------------------------------------------------
# The public checks
# ---------------------------------------------------------------------------------------------
def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True when backward's Jacobian of func at inputs matches central differences,
    allclose(J_analytical, J_numerical, rtol, atol), for every output and every input that requires
    grad (and backward passes the other checks); else GradcheckError (False when
    raise_exception=False). Meant for float64 inputs."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise _unsupported("gradcheck", "check_forward_ad", "it has no forward-mode AD")
    if check_batched_grad:
        raise _unsupported("gradcheck", "check_batched_grad", "it has no vmap to batch gradients with")
    args = dict(func=func, inputs=inputs, eps=eps, atol=atol, rtol=rtol, nondet_tol=nondet_tol,
                check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                fast_mode=fast_mode, masked=masked)
    if not raise_exception:
        try:
            return _gradcheck_helper(**args)
        except GradcheckError:
            return False
    return _gradcheck_helper(**args)


def _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes,
                      fast_mode, masked):
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    func_out = func(*tupled_inputs)
    outputs = _differentiable_outputs(func_out)
    gradcheck_fn = functools.partial(_fast_gradcheck if fast_mode else _slow_gradcheck, masked=masked)
    gradcheck_fn(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
    _test_backward_mul_by_grad_output(outputs, tupled_inputs, masked)
    if check_undefined_grad:
        _test_undefined_backward_mode(func, outputs, tupled_inputs)
    return True


def _make_grad_output(shape, dtype, noncontiguous):
    """A random tensor in [-1, 1) that requires grad (torch.testing.make_tensor's, from the global
    generator: the values are autograd_core's, not PyTorch's); noncontiguous: every other element
    of a buffer twice as long in the last dim."""
    if noncontiguous and int(np.prod(shape)) > 1:
        wide = ac.rand(*shape[:-1], shape[-1] * 2, dtype=dtype)
        t = wide * 2 - 1
        t = _make(t._data[..., ::2], None, False)
    else:
        t = ac.rand(*shape, dtype=dtype) * 2 - 1
    return t.detach().requires_grad_(True)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of (inputs, grad_outputs) -> autograd.grad(func(inputs), inputs, grad_outputs,
    create_graph=True): second derivatives against central differences of the first ones.
    grad_outputs: random in [-1, 1) when not given."""
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise _unsupported("gradgradcheck", "check_fwd_over_rev", "it has no forward-mode AD")
    if check_batched_grad:
        raise _unsupported("gradgradcheck", "check_batched_grad", "it has no vmap to batch gradients with")
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            _make_grad_output(x.shape, x.dtype if x.is_floating_point() else ac.float64,
                              gen_non_contig_grad_outputs) for x in outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    # which arguments require grad, remembered here (new_func gets them back as gradcheck gives them)
    diff_input_args_indices = {i for i, x in enumerate(tupled_inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_input_args_indices else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        grad_outputs = tuple(x.requires_grad_() if i in diff_grad_output_indices else x
                             for i, x in enumerate(args[-num_outputs:]))
        diff_input_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_args_indices)
        grad_inputs = ac.autograd.grad(outputs, diff_input_args, grad_outputs, create_graph=True,
                                       allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev,
                     masked=masked)
