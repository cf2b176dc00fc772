"""Convolution kernels on numpy arrays: the forward and the three gradients of ATen's
``convolution`` (1-, 2- and 3-D, strided, padded, dilated, grouped, transposed), called by name
from the op table's "# convolution" rows.

Shapes: input x (N, C, *S), weight w (O, C/G, *K) (transposed: (C, O/G, *K)), output (N, O, *L)
with L = (S + 2p - d (K - 1) - 1) // s + 1 per spatial dim.

    out[n, o, l] = sum over c in o's group, k of  w[o, c, k] * xpad[n, c, l * s + k * d]

computed as one matrix product per group over the "columns" of x (im2col: every window of xpad,
unrolled, read through sliding_window_view and copied once); the input's gradient writes the
columns' gradient back window by window (col2im: one strided slice-add per kernel offset, never
an add.at); the weight's gradient is the product of g with the columns. A transposed convolution
is the input-gradient of the convolution with the same weight, and its gradients are the forward
(cut to the input's size: positions only output_padding added are read by no input element) and
the weight-gradient with the roles of input and output exchanged. An empty input (no batch, or no
channels) gives zeros.
"""
import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def expand(values, dim):
    """A per-dim parameter as dim ints (PyTorch's expand_param_if_needed: one value for all dims)"""
    values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
    return values * dim if len(values) == 1 else values


def output_size(S, K, stride, padding, dilation):
    """L = (S + 2p - d (K - 1) - 1) // s + 1, per spatial dim"""
    return tuple((s_ + 2 * p - d * (k - 1) - 1) // st + 1
                 for s_, k, st, p, d in zip(S, K, stride, padding, dilation))


def transposed_output_size(S, K, stride, padding, dilation, output_padding):
    """A transposed convolution's output: (S - 1) s - 2p + d (K - 1) + output_padding + 1"""
    return tuple((s_ - 1) * st - 2 * p + d * (k - 1) + op + 1
                 for s_, k, st, p, d, op in zip(S, K, stride, padding, dilation, output_padding))


def _padded(x, padding):
    """x with `padding` zeros on both sides of each spatial dim (x itself when there is none)"""
    if not any(padding):
        return x
    out = np.zeros(x.shape[:2] + tuple(n + 2 * p for n, p in zip(x.shape[2:], padding)), dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(p, p + n) for n, p in zip(x.shape[2:], padding))] = x
    return out


def columns(x, K, stride, padding, dilation, L):
    """im2col: cols[c, k..., n, l...] = xpad[n, c, l * s + k * d], a C-contiguous (C, *K, N, *L) array
    (batch and positions side by side: one matrix product per group covers the whole batch)"""
    dim = len(K)
    padded = _padded(x, padding)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(K, dilation))
    # (N, C, *windows, *extent): every window; take every s-th window and every d-th element of one
    win = sliding_window_view(padded, extent, axis=tuple(range(2, 2 + dim)))
    win = win[(slice(None), slice(None)) + tuple(slice(None, n * s, s) for n, s in zip(L, stride))
              + tuple(slice(None, None, d) for d in dilation)]
    order = (1,) + tuple(range(2 + dim, 2 + 2 * dim)) + (0,) + tuple(range(2, 2 + dim))
    return np.ascontiguousarray(win.transpose(order))


def _batch_inside(g, groups):
    """g (N, O, *L) as (G, O / G, N * L): the layout the products with the columns take"""
    N, O = g.shape[0], g.shape[1]
    P = int(np.prod(g.shape[2:]))
    return np.ascontiguousarray(g.reshape(N, O, P).transpose(1, 0, 2)).reshape(groups, O // groups, N * P)


def conv_forward(x, w, stride, padding, dilation, groups, L=None):
    """out[n, o, l] = sum_{c in o's group, k} w[o, c, k] xpad[n, c, l s + k d] (L: only the first
    L[i] positions of each dim, where fewer are wanted)"""
    N, C, S = x.shape[0], x.shape[1], x.shape[2:]
    O, K = w.shape[0], w.shape[2:]
    dim = len(K)
    stride, padding, dilation = expand(stride, dim), expand(padding, dim), expand(dilation, dim)
    full = output_size(S, K, stride, padding, dilation)
    L = full if L is None else tuple(min(a, b) for a, b in zip(L, full))
    P, CgK = int(np.prod(L)), C // groups * int(np.prod(K))
    cols = columns(x, K, stride, padding, dilation, L).reshape(groups, CgK, N * P)
    out = np.matmul(w.reshape(groups, O // groups, CgK), cols)  # (G, O/G, N L)
    return np.ascontiguousarray(out.reshape(O, N, P).transpose(1, 0, 2)).reshape((N, O) + L)


def conv_input_grad(g, w, S, stride, padding, dilation, groups):
    """d out / d x contracted with g: xgrad[n, c, l s + k d - p] += sum_o w[o, c, k] g[n, o, l]
    (col2im; S the input's spatial size). Also the forward of a transposed convolution."""
    N, O, L = g.shape[0], g.shape[1], g.shape[2:]
    Cg, K = w.shape[1], w.shape[2:]
    dim = len(K)
    stride, padding, dilation = expand(stride, dim), expand(padding, dim), expand(dilation, dim)
    C = Cg * groups
    wg = w.reshape(groups, O // groups, Cg * int(np.prod(K))).transpose(0, 2, 1)  # (G, Cg K, O/G)
    gcols = np.matmul(wg, g.reshape(N, groups, O // groups, int(np.prod(L)))).reshape((N, C) + K + L)
    padded = tuple(n + 2 * p for n, p in zip(S, padding))
    out = np.zeros((N, C) + padded, dtype=np.result_type(g, w))
    for k in itertools.product(*(range(n) for n in K)):
        window = tuple(slice(ki * d, ki * d + s * (n - 1) + 1, s) for ki, d, s, n in zip(k, dilation, stride, L))
        out[(slice(None), slice(None)) + window] += gcols[(slice(None), slice(None)) + k]
    if any(padding):
        out = np.ascontiguousarray(out[(Ellipsis,) + tuple(slice(p, p + n) for n, p in zip(S, padding))])
    return out


def conv_weight_grad(g, x, K, stride, padding, dilation, groups):
    """d out / d w contracted with g: wgrad[o, c, k] = sum_{n, l} g[n, o, l] xpad[n, c, l s + k d]"""
    L, C = g.shape[2:], x.shape[1]
    dim = len(K)
    stride, padding, dilation = expand(stride, dim), expand(padding, dim), expand(dilation, dim)
    CgK = C // groups * int(np.prod(K))
    cols = columns(x, K, stride, padding, dilation, L).reshape(groups, CgK, x.shape[0] * int(np.prod(L)))
    # (one product per group sums over the batch and the positions at once, written straight into an
    # array of the weight's shape: a weight's first gradient can then become its .grad uncopied)
    out = np.empty((g.shape[1], C // groups) + tuple(K), dtype=np.result_type(g, x))
    np.matmul(_batch_inside(g, groups), cols.transpose(0, 2, 1), out=out.reshape(groups, g.shape[1] // groups, CgK))
    return out


def bias_grad(g):
    """d out / d bias contracted with g: the sum of g over the batch and the positions"""
    return g.sum(axis=(0,) + tuple(range(2, g.ndim)))


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, **_):
    """ATen's convolution: conv (or transposed conv) of input with weight, plus bias per channel"""
    dim = weight.ndim - 2
    if not transposed and input.shape[1] == 0:  # (ATen's empty backend: as many channels as the input's, 0)
        L = output_size(input.shape[2:], weight.shape[2:], expand(stride, dim), expand(padding, dim),
                        expand(dilation, dim))
        return np.zeros(input.shape[:2] + L, dtype=input.dtype)
    if transposed:
        S = transposed_output_size(input.shape[2:], weight.shape[2:], expand(stride, dim), expand(padding, dim),
                                   expand(dilation, dim), expand(output_padding, dim))
        out = conv_input_grad(input, weight, S, stride, padding, dilation, groups)
    else:
        out = conv_forward(input, weight, stride, padding, dilation, groups)
    if bias is not None:
        out += bias.reshape((1, -1) + (1,) * dim)
    return out


def convolution_backward(grad_output, input, weight, output, stride, padding, dilation, transposed,
                         output_padding, groups, **_):
    """ATen's convolution_backward, one of its outputs: 0 the input's gradient, 1 the weight's, 2 the bias's"""
    if not transposed and any(expand(output_padding, 1)):
        raise RuntimeError("output_padding is not supported for non-transposed convolutions; got: "
                           + " ".join(str(p) for p in expand(output_padding, 1)))
    if input.size == 0 or grad_output.size == 0:  # (an empty batch, or no input channels: nothing flows)
        return np.zeros(input.shape if output == 0 else weight.shape if output == 1 else
                        weight.shape[1] * groups if transposed else weight.shape[0], dtype=grad_output.dtype)
    if output == 2:
        return bias_grad(grad_output)
    K = weight.shape[2:]
    if not transposed:
        if output == 0:
            return conv_input_grad(grad_output, weight, input.shape[2:], stride, padding, dilation, groups)
        return conv_weight_grad(grad_output, input, K, stride, padding, dilation, groups)
    # y = convT(x, w) is conv_input_grad(x, w): its input's gradient is conv(g, w), its weight's
    # the weight-gradient of conv(g, w) against x
    if output == 0:  # (output_padding's last elements were read by no input element: cut off)
        return conv_forward(grad_output, weight, stride, padding, dilation, groups, input.shape[2:])
    return conv_weight_grad(input, grad_output, K, stride, padding, dilation, groups)


def constant_pad_nd(a, pad, value=0):
    """a with pad[2i] elements of value before and pad[2i + 1] after its i-th dim from the end
    (a negative width cuts elements off)"""
    n = len(pad) // 2
    dims = range(a.ndim - n, a.ndim)
    before = {d: pad[2 * (a.ndim - 1 - d)] for d in dims}
    after = {d: pad[2 * (a.ndim - 1 - d) + 1] for d in dims}
    widths = [(max(before.get(d, 0), 0), max(after.get(d, 0), 0)) for d in range(a.ndim)]
    out = np.pad(a, widths, constant_values=value) if any(any(w) for w in widths) else a
    cut = tuple(slice(-min(before.get(d, 0), 0), out.shape[d] + min(after.get(d, 0), 0)) for d in range(a.ndim))
    return np.ascontiguousarray(out[cut])
