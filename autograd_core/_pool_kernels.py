"""Pooling and batch-norm kernels, in the order ATen's CPU kernels compute (so that printed digits
match): the op table's pooling and normalisation rows call these by name.

Shapes: a pooling input is (..., H, W) -- (N, C, H, W) or (C, H, W); the leading dims are rows of
independent images. A batch-norm input is (N, C, *): statistics per channel C over the other dims.

- windows come from numpy's sliding_window_view over the padded input: one numpy op per kernel
  offset at most (a 3x3 kernel is 9 vectorised steps), never a Python loop over elements;
- sums run in ATen's order (the window's elements row by row from the first, starting at 0, in
  the dtype), and a backward adds each output's share into its input elements in the order of the
  outputs, as ATen's loops do (float addition is not associative: the last digit depends on it);
- batch norm's statistics accumulate in float64 (ATen's acc_type on CPU) and are rounded where
  ATen rounds them (save_mean, the biased variance, invstd).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._kernel_order import get_num_threads


# --- pooling geometry (ATen's Pool.h) -----------------------------------------------------------------
def pooled_size(size, kernel, stride, pad, dilation, ceil_mode):
    """pooling_output_shape: how many windows fit; with ceil_mode a last partial window counts,
    unless it would start in the right padding."""
    out = (size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _windows(a, kernel_size, stride, padding, dilation, out_size, fill):
    """(..., OH, OW, kh, kw): the window of each output over a padded with `fill` (a view; the right
    edge padded as far as ceil_mode's last window reaches)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    (oh, ow), (h, w) = out_size, a.shape[-2:]
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # the effective (dilated) kernel
    right_h = max(0, (oh - 1) * sh + eh - ph - h)
    right_w = max(0, (ow - 1) * sw + ew - pw - w)
    pad = [(0, 0)] * (a.ndim - 2) + [(ph, right_h), (pw, right_w)]
    padded = np.pad(a, pad, constant_values=fill) if (ph or pw or right_h or right_w) else a
    win = sliding_window_view(padded, (eh, ew), axis=(-2, -1))
    return win[..., :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw, ::dh, ::dw]


def pool_geometry(shape, kernel_size, stride, padding, dilation, ceil_mode):
    """(stride, (OH, OW)) of a 2-d pooling of an input of shape (..., H, W); stride () is the kernel"""
    stride = tuple(stride) or tuple(kernel_size)
    out = tuple(pooled_size(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(shape[-2:], kernel_size, stride, padding, dilation))
    return stride, out


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


# --- max pooling -------------------------------------------------------------------------------------
def max_pool2d_indices(a, kernel_size, stride, padding, dilation, ceil_mode):
    """The flat index (h * W + w) of each window's maximum, as ATen's cpu_max_pool picks it: scanning
    the window row by row from its first element inside the input, an element is taken when it is
    greater than the best so far, or nan (so the first maximum wins a tie, and the last nan wins
    over everything); the best starts at the dtype's lowest value, so a window of -inf keeps its first
    element. One vectorised step per kernel offset."""
    stride, out_size = pool_geometry(a.shape, kernel_size, stride, padding, dilation, ceil_mode)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    w = a.shape[-1]
    oh, ow = out_size
    lowest = _lowest(a.dtype)
    win = _windows(a, kernel_size, stride, padding, dilation, out_size, lowest)
    row0 = np.arange(oh)[:, None] * sh - ph  # each window's top-left corner in the input
    col0 = np.arange(ow)[None, :] * sw - pw
    first_r = np.where(row0 < 0, row0 + (-row0 + dh - 1) // dh * dh, row0)
    first_c = np.where(col0 < 0, col0 + (-col0 + dw - 1) // dw * dw, col0)
    if (first_r >= a.shape[-2]).any() or (first_c >= w).any():
        # (dilation can step over the whole input: ATen then returns -inf and an index outside the
        # image, and its backward writes there -- an error instead)
        raise RuntimeError(f"max_pool2d: with dilation {tuple(dilation)} and padding {tuple(padding)} a pooling "
                           f"window covers no element of the input of size {tuple(a.shape[-2:])} (PyTorch "
                           "returns -inf with an index outside the image there, and its backward writes "
                           "outside the image); use less padding")
    best = np.full(win.shape[:-2], lowest, dtype=a.dtype)
    pos = np.full(best.shape, -1, dtype=np.int16)  # the kernel offset taken (-1: none, the first element)
    floating = a.dtype.kind == "f"
    with np.errstate(invalid="ignore"):
        for i in range(kh):
            for j in range(kw):
                v = win[..., i, j]
                take = (v > best) | np.isnan(v) if floating else v > best
                np.copyto(best, v, where=take)
                pos[take] = i * kw + j
    rows = np.where(pos < 0, first_r, row0 + (pos // kw) * dh)
    cols = np.where(pos < 0, first_c, col0 + (pos % kw) * dw)
    return (rows * w + cols).astype(np.int64)


def take_pooled(a, indices):
    """a's elements at the flat indices (..., OH, OW) of each image"""
    flat = a.reshape(a.shape[:-2] + (-1,))
    idx = indices.reshape(indices.shape[:-2] + (-1,))
    return np.take_along_axis(flat, idx, -1).reshape(indices.shape)


def max_pool2d_backward(g, shape, indices):
    """max_pool2d_with_indices_backward: each output's gradient added into the input element it
    came from, in the order of the outputs (np.add.at adds in index order)."""
    rows = int(np.prod(shape[:-2]))
    out = np.zeros((rows, shape[-2] * shape[-1]), dtype=g.dtype)
    idx = indices.reshape(rows, -1)
    np.add.at(out, (np.arange(rows)[:, None], idx), g.reshape(rows, -1))
    return out.reshape(shape)


# --- average pooling ---------------------------------------------------------------------------------
def _avg_divisors(size_hw, kernel_size, stride, padding, out_size, count_include_pad, divisor_override, dtype):
    """(OH, OW): what each window's sum is divided by (ATen's divide_factor)"""
    if divisor_override is not None:
        return np.full(out_size, divisor_override, dtype=dtype)
    counts = []
    for size, k, s, p, o in zip(size_hw, kernel_size, stride, padding, out_size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, size) - np.maximum(start, 0))
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)


def avg_pool2d(a, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """ATen's cpu_avg_pool: the window's elements inside the input summed in the dtype from 0, row
    by row, then divided by the divisor (the padding is zeros, which leave a sum unchanged)."""
    stride, out_size = pool_geometry(a.shape, kernel_size, stride, padding, (1, 1), ceil_mode)
    kh, kw = kernel_size
    win = _windows(a, kernel_size, stride, padding, (1, 1), out_size, 0)
    total = np.zeros(win.shape[:-2], dtype=a.dtype)
    for i in range(kh):  # (kernel offsets: a few vectorised adds, in ATen's order)
        for j in range(kw):
            total = total + win[..., i, j]
    div = _avg_divisors(a.shape[-2:], kernel_size, stride, padding, out_size, count_include_pad,
                        divisor_override, a.dtype)
    if a.dtype.kind != "f":  # (an integer mean truncates toward 0, as C++ division does)
        return (np.sign(total) * (np.abs(total) // div)).astype(a.dtype)
    return total / div


def _scatter_windows(delta, shape, kernel_size, stride, padding, dilation):
    """Each output's delta (..., OH, OW) added into every element of its window, in the order of the
    outputs: an element is reached by later outputs through earlier kernel offsets, so the offsets run
    backwards."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh, ow = delta.shape[-2:]
    h, w = shape[-2:]
    big_h = max(h + ph, (oh - 1) * sh + dh * (kh - 1) + 1)
    big_w = max(w + pw, (ow - 1) * sw + dw * (kw - 1) + 1)
    acc = np.zeros(tuple(shape[:-2]) + (big_h, big_w), dtype=delta.dtype)
    for i in reversed(range(kh)):
        for j in reversed(range(kw)):
            r, c = i * dh, j * dw
            acc[..., r:r + (oh - 1) * sh + 1:sh, c:c + (ow - 1) * sw + 1:sw] += delta
    return np.ascontiguousarray(acc[..., ph:ph + h, pw:pw + w])


def avg_pool2d_backward(g, shape, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override):
    """avg_pool2d_backward: g / divisor added into each element of the window (the padding's share
    is dropped)."""
    stride = tuple(stride) or tuple(kernel_size)
    div = _avg_divisors(shape[-2:], kernel_size, stride, padding, g.shape[-2:], count_include_pad,
                        divisor_override, g.dtype)
    return _scatter_windows(g / div, shape, kernel_size, stride, padding, (1, 1))


# --- adaptive average pooling ----------------------------------------------------------------------------
def _adaptive_bounds(size, out):
    """ATen's start_index / end_index: window o covers [floor(o * size / out), ceil((o + 1) * size / out))"""
    o = np.arange(out)
    return (o * size) // out, -((-(o + 1) * size) // out)


def adaptive_avg_pool2d(a, output_size):
    """ATen's cpu_adaptive_avg_pool: each window summed from 0 row by row in the dtype, then divided
    by its height, then by its width. Windows differ in size: each kernel offset up to the largest
    adds the element where the window has one (and 0, which changes no sum, where it has not)."""
    (h, w), (oh, ow) = a.shape[-2:], output_size
    (h0, h1), (w0, w1) = _adaptive_bounds(h, oh), _adaptive_bounds(w, ow)
    kh, kw = h1 - h0, w1 - w0
    total = np.zeros(a.shape[:-2] + (oh, ow), dtype=a.dtype)
    if not (oh and ow):
        return total
    for i in range(int(kh.max())):
        rows = np.minimum(h0 + i, h - 1)
        for j in range(int(kw.max())):
            cols = np.minimum(w0 + j, w - 1)
            inside = (i < kh)[:, None] & (j < kw)[None, :]
            total = total + np.where(inside, a[..., rows[:, None], cols[None, :]], 0).astype(a.dtype)
    return total / kh.astype(a.dtype)[:, None] / kw.astype(a.dtype)[None, :]


def adaptive_avg_pool2d_backward(g, shape):
    """_adaptive_avg_pool2d_backward: g / kh / kw added into each element of the window, outputs in order"""
    (h, w), (oh, ow) = shape[-2:], g.shape[-2:]
    for i, n in ((-2, oh), (-1, ow)):
        if n == 0:  # (ATen's backward refuses what its forward made)
            sizes = "[" + ", ".join(map(str, g.shape)) + "]"
            raise RuntimeError("adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size "
                               f"for non-batch dimensions, but grad_output has sizes {sizes} with dimension "
                               f"{i + g.ndim} being empty")
    (h0, h1), (w0, w1) = _adaptive_bounds(h, oh), _adaptive_bounds(w, ow)
    kh, kw = h1 - h0, w1 - w0
    delta = g / kh.astype(g.dtype)[:, None] / kw.astype(g.dtype)[None, :]
    rows = int(np.prod(shape[:-2]))
    out = np.zeros((rows, h * w), dtype=g.dtype)
    # every (output, element of its window) pair, outputs in order: np.add.at adds in that order
    r_idx, c_idx, o_idx = [], [], []
    for i in range(int(kh.max()) if oh else 0):
        for j in range(int(kw.max()) if ow else 0):
            inside = (i < kh)[:, None] & (j < kw)[None, :]
            r = np.broadcast_to((h0 + i)[:, None], (oh, ow))
            c = np.broadcast_to((w0 + j)[None, :], (oh, ow))
            r_idx.append(np.where(inside, r, -1))
            c_idx.append(c)
            o_idx.append(np.arange(oh * ow).reshape(oh, ow))
    if not r_idx:
        return out.reshape(shape)
    r_all = np.stack(r_idx, -1).reshape(-1)  # (output, offset) in order: outputs first
    c_all = np.stack(c_idx, -1).reshape(-1)
    o_all = np.stack(o_idx, -1).reshape(-1)
    keep = r_all >= 0
    flat_in, flat_out = (r_all * w + c_all)[keep], o_all[keep]
    values = delta.reshape(rows, -1)[:, flat_out]
    np.add.at(out, (np.arange(rows)[:, None], flat_in[None, :]), values)
    return out.reshape(shape)


# --- batch norm --------------------------------------------------------------------------------------
def _channel_view(x):
    """(N, C, M): the input with its spatial dims flattened"""
    return x.reshape(x.shape[0], x.shape[1], -1)


def _bshape(x):
    """the shape a per-channel vector broadcasts to against x (N, C, *)"""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _row_chunks(n, statistics=False):
    """ATen's parallel_for over n rows: min(threads, n) chunks of ceil(n / chunks) rows, in order (its
    statistics kernel takes no more rows than threads in one pass)"""
    k = max(1, min(get_num_threads(), n))
    if statistics and n <= k:
        return [(0, n)]
    size = -(-n // k)
    return [(b, min(n, b + size)) for b in range(0, n, size)]


def _fused_row_sums(a, b, statistics=False):
    """Per chunk of rows, sum of a * b row after row with one rounding each (the fused multiply-add
    of ATen's vectorised loop), then the chunks' sums added in float64: (C,) float64"""
    parts = []
    for lo, hi in _row_chunks(a.shape[0], statistics):
        acc = np.zeros(a.shape[1:], dtype=a.dtype)
        for i in range(lo, hi):  # (one vectorised step per row of the batch)
            acc = fused_multiply_add(a[i], b[i], acc)
        parts.append(acc)
    return np.cumsum(np.stack(parts).astype(np.float64), axis=0)[-1]


def _row_sums(a, statistics=False):
    """Per chunk of rows, the rows added one after another in the dtype; the chunks' sums then in
    float64: (C,) float64"""
    chunks = _row_chunks(a.shape[0], statistics)
    if statistics and len(chunks) == 1:  # (no more rows than threads: one float64 sum)
        return np.cumsum(a.astype(np.float64), axis=0)[-1]
    parts = np.stack([np.cumsum(a[lo:hi], axis=0)[-1] for lo, hi in chunks])
    return np.cumsum(parts.astype(np.float64), axis=0)[-1]


def batch_norm_stats(x):
    """batch_norm_cpu_collect_stats: (mean, var_sum) per channel, both in x's dtype: the sum in
    float64, mean = sum / count rounded; var_sum = sum of (x - mean)^2 (each square in the dtype)
    in float64, rounded. An (N, C) input (one value per image) goes ATen's channels-last way: the
    rows are summed per thread in the dtype (the squares fused into the sum)."""
    if x.size == x.shape[0] * x.shape[1]:
        rows = x.reshape(x.shape[0], x.shape[1])
        mean = (_row_sums(rows, True) / rows.shape[0]).astype(x.dtype)
        centred = rows - mean
        return mean, _fused_row_sums(centred, centred, True).astype(x.dtype)
    v = _channel_view(x)
    n = v.shape[0] * v.shape[2]
    mean = (v.sum(axis=(0, 2), dtype=np.float64) / n).astype(x.dtype)
    d = v - mean[None, :, None]
    var_sum = (d * d).sum(axis=(0, 2), dtype=np.float64).astype(x.dtype)
    return mean, var_sum


def batch_norm_invstd(var_sum, count, eps):
    """InvStd: 1 / sqrt(var + eps) in float64 (var = var_sum / count in the dtype), rounded; 0 when
    var and eps are both 0."""
    var = var_sum / var_sum.dtype.type(count)
    with np.errstate(divide="ignore"):
        inv = 1 / np.sqrt(var.astype(np.float64) + eps)
    return np.where((var == 0) & (eps == 0), 0, inv).astype(var_sum.dtype)


def update_running_stats(running_mean, running_var, mean, var_sum, count, momentum):
    """In place, as ATen: running_mean = m * mean + (1 - m) * running_mean, running_var =
    m * unbiased_var + (1 - m) * running_var, unbiased_var = var_sum / (count - 1), in the dtype."""
    t = running_mean.dtype.type if running_mean is not None else running_var.dtype.type
    m = t(momentum)
    if running_mean is not None:
        running_mean[...] = m * mean + (t(1) - m) * running_mean
    if running_var is not None:  # (m * unbiased + ... fused into one rounding, as ATen's compiled loop)
        with np.errstate(divide="ignore", invalid="ignore"):
            unbiased = var_sum / t(count - 1)
        running_var[...] = fused_multiply_add(np.full_like(unbiased, m), unbiased, (t(1) - m) * running_var)


def _eval_invstd(running_var, eps, dtype):
    """the forward's invstd in eval mode: 1 / sqrt(running_var + eps), all in the dtype"""
    return (dtype.type(1) / np.sqrt(running_var + dtype.type(eps))).astype(dtype)


def batch_norm(x, weight, bias, running_mean, running_var, training, eps, result1, result2):
    """batch_norm_cpu_contiguous_impl: out = x * alpha + beta per channel, alpha = invstd * weight,
    beta = bias - mean * alpha (in the dtype); result1, result2: the batch's mean and invstd."""
    dt = x.dtype
    if training:
        mean, invstd = result1, result2
    else:
        mean, invstd = running_mean.astype(dt), _eval_invstd(running_var, eps, dt)
    alpha = invstd * weight if weight is not None else invstd
    # (the compiler fuses ATen's bias - mean * alpha too: one rounding)
    beta = fused_multiply_add(-mean, alpha, bias if bias is not None else np.zeros_like(alpha))
    return fused_multiply_add(x, alpha.reshape(_bshape(x)), beta.reshape(_bshape(x)))


def fused_multiply_add(a, b, c):
    """a * b + c rounded once, as the FMA instruction the compiler makes of ATen's vectorised
    ``x * alpha + beta`` (float32: the product is exact in float64, the sum rounded to float32 after)"""
    wide = np.float64 if a.dtype == np.float32 else np.longdouble
    return (a.astype(wide) * b.astype(wide) + c.astype(wide)).astype(a.dtype)


# ATen's vectorised reductions over one image (vec::reduce_all, map2_reduce_all) run on vectors of 8
# floats here, accumulating whole vectors, the tail added into the first lanes, then the lanes folded
# in halves; the images' sums are then added up in float64, in batch order.
_LANES = 8


def _fold_lanes(acc):
    while acc.shape[-1] > 1:
        half = acc.shape[-1] // 2
        acc = acc[..., :half] + acc[..., half:]
    return acc[..., 0]


def _image_sums(v, a=None, b=None):
    """Sum over the last axis in ATen's vectorised order; with a, b: of v = a * b, where the compiler
    fuses the tail's a * b + acc (one rounding)."""
    n = v.shape[-1]
    if n < _LANES:  # (fewer than a vector: one element after another)
        acc = v[..., 0]
        for i in range(1, n):
            acc = acc + v[..., i]
        return acc
    whole = n // _LANES
    blocks = v[..., :whole * _LANES].reshape(v.shape[:-1] + (whole, _LANES))
    # (numpy reduces an outer axis block after block, into the 8 lanes: in order, as a cumsum would)
    acc = blocks.sum(axis=-2) if whole > 1 else blocks[..., 0, :].copy()
    tail = n - whole * _LANES
    if tail:
        lanes = acc[..., :tail]
        acc[..., :tail] = (lanes + v[..., whole * _LANES:] if a is None else
                           fused_multiply_add(a[..., whole * _LANES:], b[..., whole * _LANES:], lanes))
    return _fold_lanes(acc)


def _over_batch(per_image):
    """(N, C) per-image sums added up in float64, image after image"""
    return np.cumsum(per_image.astype(np.float64), axis=0)[-1]


def _backward_terms(g, x, running_mean, running_var, train, eps, save_mean, save_invstd):
    """(mean, invstd, sum of g, dot product of (x - mean) and g) per channel, as
    batch_norm_cpu_backward_contiguous_impl computes them (each image's sums in the dtype, added up in
    float64)."""
    dt = x.dtype
    if train:
        mean, invstd = save_mean, save_invstd
    else:  # (the backward's invstd is computed in float64: eps is a double there)
        mean = running_mean.astype(dt)
        invstd = (1 / np.sqrt(running_var.astype(np.float64) + eps)).astype(dt)
    if x.size == x.shape[0] * x.shape[1]:  # (N, C): ATen's channels-last way, sums per thread
        rows, grows = x.reshape(x.shape[0], -1), g.reshape(g.shape[0], -1)
        total = _row_sums(grows).astype(dt)  # (kept in the dtype there)
        dotp = _fused_row_sums(rows - mean, grows).astype(dt)
        return mean, invstd, total, dotp
    gv, xv = _channel_view(g), _channel_view(x)
    centred = xv - mean[None, :, None]
    total = _over_batch(_image_sums(gv))
    dotp = _over_batch(_image_sums(centred * gv, centred, gv))
    return mean, invstd, total, dotp


def batch_norm_backward_input(g, x, weight, save_mean, save_invstd, running_mean, running_var, train, eps):
    """d out / d x: training, (g - mean(g) - (x - mean) * k) * invstd * weight with
    k = dot(x - mean, g) * invstd^2 / count; eval, g * invstd * weight."""
    dt = x.dtype
    mean, invstd, total, dotp = _backward_terms(g, x, running_mean, running_var, train, eps,
                                                save_mean, save_invstd)
    w = weight if weight is not None else np.ones(x.shape[1], dtype=dt)
    b = _bshape(x)
    if not train:
        return g * invstd.reshape(b) * w.reshape(b)
    n = x.size // x.shape[1]
    k = dotp.astype(dt) * invstd * invstd / dt.type(n)
    grad_mean = (total / n).astype(dt) if total.dtype != dt else total / dt.type(n)
    # (g - grad_mean) - (x - mean) * k: the compiler fuses the product into the subtraction -- for
    # an (N, C) input only in the whole vectors of channels, not in the scalar loop over the rest
    centred, less = x - mean.reshape(b), g - grad_mean.reshape(b)
    projected = fused_multiply_add(-centred, k.reshape(b), less)
    if x.size == x.shape[0] * x.shape[1]:
        rest = x.shape[1] - x.shape[1] % _LANES
        projected[:, rest:] = (less - centred * k.reshape(b))[:, rest:]
    return projected * invstd.reshape(b) * w.reshape(b)


def batch_norm_backward_weight(g, x, weight, save_mean, save_invstd, running_mean, running_var, train, eps):
    """d out / d weight = sum of g * (x - mean) * invstd per channel"""
    _, invstd, _, dotp = _backward_terms(g, x, running_mean, running_var, train, eps, save_mean, save_invstd)
    return (dotp * invstd).astype(x.dtype)  # (float64 * dtype, or dtype * dtype for (N, C))


def batch_norm_backward_bias(g, x, weight, save_mean, save_invstd, running_mean, running_var, train, eps):
    """d out / d bias = sum of g per channel"""
    if x.size == x.shape[0] * x.shape[1]:
        return _row_sums(g.reshape(g.shape[0], -1)).astype(x.dtype)
    return _over_batch(_image_sums(_channel_view(g))).astype(x.dtype)
