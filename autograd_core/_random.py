"""PyTorch's CPU random numbers, in numpy: after torch.manual_seed(s), rand, randn, randint, randperm,
uniform_, normal_, dropout and nn's initialisation draw the numbers PyTorch 2.13 draws.

ATen's CPU generator (CPUGeneratorImpl) is a 32-bit Mersenne Twister seeded with the seed's low 32
bits -- numpy's MT19937 with its legacy seeding is the same engine -- plus one normal sample kept for
the next draw. Its distributions (ATen's DistributionsHelper.h and cpu/DistributionTemplates.h)
turn the engine's 32-bit words into numbers:
- uniform: float32 from 24 bits of one word, x 2**-24; float64 from 53 bits of two words (the first
  the high half); then fma(u, to - from, from);
- randint: word % (high - low) + low (two words when the range needs 64 bits); randperm: Fisher-Yates,
  swapping i with i + word % (n - i);
- bernoulli(p) (dropout's mask): a float64 uniform per element, 1 where it is below p;
- normal: a float32 tensor of 16 or more elements, ATen's normal_fill_AVX2: all the uniforms first,
  then Box-Muller on blocks of 16 (8 cosines, then 8 sines) with avx_mathfun.h's log and sincos in
  float32 as GCC compiles them (some products fused into the next add), the last block redrawn when
  16 does not divide the size; a float64 tensor of 16 or more, the same in double with libm's
  functions; fewer than 16 elements, Box-Muller in double per pair, the sine kept for the next draw.
"""
import math
import os
import struct

import numpy as np

from ._kernel_order import CPU_FEATURES
from ._numerics import _libm_float, fused_multiply_add

_BITS_53 = (1 << 53) - 1
_MASK_24, _MASK_53 = np.uint32((1 << 24) - 1), np.uint64(_BITS_53)
_F32 = np.float32
# (ATEN_CPU_CAPABILITY=default: ATen's scalar kernel, whose float32 normal goes through libm's logf, cosf, sinf)
_NORMAL_IN_AVX2 = CPU_FEATURES.get("AVX2", False) and os.environ.get("ATEN_CPU_CAPABILITY", "").lower() != "default"


_ROWS_PER_CHUNK = 4096  # (64k numbers: a float64 temporary of 512 KB)
DEFAULT_SEED = 67280421310721  # (a new torch.Generator()'s)
STATE_SIZE = 5056  # (bytes of torch.get_rng_state())


class TorchRandom:
    """The state of ATen's CPU generator: the Mersenne Twister and the normal sample it keeps."""

    __slots__ = ("engine", "next_normal", "seed", "fresh")

    def __init__(self, seed=DEFAULT_SEED):
        self.engine = np.random.MT19937()
        self.engine._legacy_seeding(seed & 0xFFFFFFFF)
        self.next_normal, self.seed, self.fresh = None, seed, True

    def words(self, n):
        """n 32-bit words of the engine (random())."""
        self.fresh = False
        return self.engine.random_raw(n).astype(np.uint32)

    def words64(self, n):
        """n 64-bit numbers, each two words, the first the high half (random64())."""
        self.fresh = False
        w = self.engine.random_raw(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    def uniform(self, n, dtype, low=0.0, high=1.0):
        """n uniform numbers in [low, high) of dtype (uniform_real_distribution)."""
        if np.dtype(dtype) == np.float64:
            u = (self.words64(n) & _MASK_53).astype(np.float64) * 2.0 ** -53
            low, high = np.float64(low), np.float64(high)
        else:
            u = (self.words(n) & _MASK_24).astype(_F32) * _F32(2.0 ** -24)
            low, high = _F32(low), _F32(high)
        if low == 0 and high == 1:  # (u * 1 + 0 is u, for u >= +0: normal's 11M draws skip the FMA)
            return u.astype(dtype, copy=False)
        return fused_multiply_add(u, high - low, low).astype(dtype, copy=False)

    def integers(self, n, low, high):
        """n integers in [low, high) (random_from_to)."""
        span = high - low
        raw = self.words64(n) if span >= 1 << 32 else self.words(n).astype(np.uint64)
        return (raw % np.uint64(span)).astype(np.int64) + np.int64(low)

    def permutation(self, n):
        """randperm(n): Fisher-Yates, swapping i with i + word % (n - i)."""
        out = list(range(n))
        words = self.words(max(n - 1, 0)).tolist()
        for i in range(n - 1):
            j = i + words[i] % (n - i)
            out[i], out[j] = out[j], out[i]
        return np.array(out, dtype=np.int64)

    def bernoulli(self, n, p):
        """n draws of 1 with probability p (bernoulli_distribution<double>), as bools."""
        return (self.words64(n) & _MASK_53).astype(np.float64) * 2.0 ** -53 < p

    def normal(self, n, dtype, mean=0.0, std=1.0, contiguous=True):
        """n normal numbers of dtype, as ATen's normal_kernel draws them for a tensor of n elements."""
        dtype = np.dtype(dtype)
        if n >= 16 and contiguous and dtype == np.float32:
            fill = _normal_16_avx2 if _NORMAL_IN_AVX2 else _normal_16_libm_float
            return self._blocks_of_16(n, dtype, fill, _F32(mean), _F32(std))
        if n >= 16 and contiguous and dtype == np.float64:
            return self._blocks_of_16(n, dtype, _normal_16_double, np.float64(mean), np.float64(std))
        out = np.array([self._normal_double() for _ in range(n)])
        if std == 1 and mean == 0:  # (1 * x + 0 is x, but for -0.0, which + 0.0 makes +0.0 as the FMA)
            return (out + 0.0).astype(dtype)
        return fused_multiply_add(out, np.float64(std), np.float64(mean)).astype(dtype)

    def _blocks_of_16(self, n, dtype, fill, mean, std):
        """normal_fill: n uniforms, Box-Muller on each block of 16, the last block redrawn (16 new
        uniforms for the last 16 elements) when 16 does not divide n."""
        u = self.uniform(n, dtype)
        whole = n - n % 16
        if n % 16:  # (all the blocks in one fill: it works block by block)
            u = np.concatenate([u[:whole], self.uniform(16, dtype)])
        blocks = u.reshape(-1, 16)
        # (a chunk of rows at a time: its ~25 passes over the numbers then stay in the cache)
        normals = np.concatenate([fill(blocks[i:i + _ROWS_PER_CHUNK], mean, std)
                                  for i in range(0, len(blocks), _ROWS_PER_CHUNK)], axis=None)  # (in place: the tensor's array of its own, see _factories._drawn)
        if n % 16:
            out = np.empty(n, dtype)
            out[:whole], out[n - 16:] = normals[:whole], normals[whole:]
            return out
        return normals

    def _normal_double(self):
        """One N(0, 1) draw of normal_distribution<double>: Box-Muller on two uniforms, r cos(theta)
        now and r sin(theta) kept for the next draw."""
        kept, self.next_normal = self.next_normal, None
        if kept is not None:
            return kept
        u1, u2 = ((int(w) & _BITS_53) * 2.0 ** -53 for w in self.words64(2))
        radius = math.sqrt(-2.0 * math.log1p(-u2))  # (Python's math: libm's, as ATen's ::log1p)
        theta = 2.0 * math.pi * u1
        self.next_normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def to_bytes(self):
        """torch.get_rng_state()'s 5056 bytes (CPUGeneratorImplState): the seed, the twister's
        countdown `left` and position `next`, its 624 words (as 64-bit numbers), the kept normal
        sample as the legacy normal_y with its flag, and the float sample's (never kept here)."""
        pos = int(self.engine.state["state"]["pos"])
        out = bytearray(STATE_SIZE)
        struct.pack_into("<QiiQ", out, 0, self.seed, 625 - pos, 1, 0 if self.fresh else pos)
        out[24:24 + 8 * 624] = self.engine.state["state"]["key"].astype("<u8").tobytes()
        kept = self.next_normal is not None
        struct.pack_into("<dddi", out, 24 + 8 * 624, 0.0, self.next_normal if kept else 0.0, 0.0, kept)
        return bytes(out)

    @classmethod
    def from_bytes(cls, data):
        """The generator a torch.get_rng_state() (of either library) describes."""
        seed, left, _seeded, position = struct.unpack_from("<QiiQ", data, 0)
        new = cls(seed)
        key = np.frombuffer(data, "<u8", 624, 24).astype(np.uint32)
        new.engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 625 - left}}
        _x, kept, _rho, valid = struct.unpack_from("<dddi", data, 24 + 8 * 624)
        new.next_normal, new.fresh = (kept if valid else None), left == 1 and position == 0
        return new


def in_memory_order(like, values):
    """values (drawn one after another) as an array of like's shape and strides, placed in the order
    ATen's iterator visits like's elements: along its dims from the largest stride to the smallest."""
    visit = sorted(range(like.ndim), key=lambda i: -like.strides[i])  # (stable: ties keep their order)
    if visit == list(range(like.ndim)):  # (C order: the values themselves, an array of their own)
        values.shape = like.shape
        return values
    placed = np.empty_like(like, dtype=values.dtype)  # (like's memory order)
    placed[...] = np.transpose(values.reshape([like.shape[i] for i in visit]), np.argsort(visit))
    return placed


# --- Box-Muller on blocks of 16 uniforms: 8 radii from the first 8, 8 angles from the others -----
_log = _libm_float("log", np.log, np.float64)  # (numpy's log differs from libm's on 0.35% of inputs)


def _normal_16_double(u, mean, std):
    """normal_fill_16 in double (libm's log; numpy's cos and sin are libm's on these angles)"""
    radius = np.sqrt(-2 * _log(1 - u[:, :8]))
    theta = 2.0 * np.pi * u[:, 8:]
    return _scaled(radius * np.cos(theta), radius * np.sin(theta), mean, std)


def _scaled(cos_part, sin_part, mean, std):
    """the 16 normals: r cos * std + mean, then r sin * std + mean, each one FMA (GCC fuses the scalar
    kernel's, as the AVX2 one writes its own)"""
    return np.concatenate([fused_multiply_add(cos_part, std, mean), fused_multiply_add(sin_part, std, mean)], axis=1)


_logf, _cosf, _sinf = (_libm_float(name, f) for name, f in (("logf", np.log), ("cosf", np.cos), ("sinf", np.sin)))


def _normal_16_libm_float(u, mean, std):
    """normal_fill_16 in float32 with libm's logf, cosf and sinf (ATen's kernel without AVX2)"""
    radius = np.sqrt(_F32(-2) * _logf(_F32(1) - u[:, :8]))
    theta = (2.0 * np.pi * u[:, 8:].astype(np.float64)).astype(_F32)
    return _scaled(radius * _cosf(theta), radius * _sinf(theta), mean, std)


def _normal_16_avx2(u, mean, std):
    """normal_fill_16_AVX2: radius sqrt(-2 log(1 - u1)), angle 2 pi u2 (float32), then
    fma(radius cos, std, mean) and fma(radius sin, std, mean)."""
    radius = np.sqrt(_F32(-2) * _avx_log(_F32(1) - u[:, :8]))
    sin, cos = _avx_sincos(_F32(2.0 * np.pi) * u[:, 8:])
    return _scaled(radius * cos, radius * sin, mean, std)


_LOG_POLY = [_F32(c) for c in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                               1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                               3.3333331174E-1)]


def _avx_log(x):
    """avx_mathfun.h's log256_ps (cephes' logf) of positive float32 x: x = m 2**e with m in [0.5, 1)
    (m < sqrt(1/2): 2m, e - 1), log x = (m - 1) + poly(m - 1) + e ln 2, ln 2 in two parts."""
    bits = np.maximum(x, np.array(0x00800000, np.int32).view(_F32)).view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F32) + _F32(1)
    m = ((bits & ~0x7F800000) | np.int32(0x3F000000)).view(_F32)
    below = m < _F32(0.707106781186547524)
    e -= below.astype(_F32)
    m = (m - _F32(1)) + np.where(below, m, _F32(0))
    z = m * m
    y = np.full_like(m, _LOG_POLY[0])
    for c in _LOG_POLY[1:]:
        y = fused_multiply_add(y, m, c)
    y = y * m
    # (GCC fuses y * z into the add of e * q1, computed first; then - z / 2 into one FMA)
    y = fused_multiply_add(y, z, e * _F32(-2.12194440e-4))
    y = fused_multiply_add(z, _F32(-0.5), y)
    out = fused_multiply_add(e, _F32(0.693359375), m + y)
    return np.where(x <= 0, _F32(np.nan), out)


def _avx_sincos(x):
    """avx_mathfun.h's sincos256_ps (cephes' sinf and cosf) of float32 x: j = the octant (even),
    x - j pi/4 in three parts, a polynomial for sine and one for cosine, chosen and signed by j."""
    sign_sin = x.view(np.uint32) & np.uint32(0x80000000)
    x = np.abs(x)
    j = ((x * _F32(1.27323954473516)).astype(np.int32) + 1) & ~1
    y = j.astype(_F32)
    sign_sin ^= ((j & 4) << 29).astype(np.uint32)
    sign_cos = ((~(j - 2) & 4) << 29).astype(np.uint32)
    sine_first = (j & 2) == 0
    for part in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = fused_multiply_add(y, _F32(part), x)
    z = x * x
    cos_poly = fused_multiply_add(fused_multiply_add(np.full_like(z, _F32(2.443315711809948E-005)), z, _F32(-1.388731625493765E-003)),
                    z, _F32(4.166664568298827E-002)) * z
    # (GCC fuses cos_poly * z into the subtraction of z / 2, computed first)
    cos_poly = fused_multiply_add(cos_poly, z, -(z * _F32(0.5))) + _F32(1)
    sin_poly = fused_multiply_add(fused_multiply_add(np.full_like(z, _F32(-1.9515295891E-4)), z, _F32(8.3321608736E-3)),
                    z, _F32(-1.6666654611E-1)) * z
    sin_poly = fused_multiply_add(sin_poly, x, x)
    sin_part = np.where(sine_first, sin_poly, _F32(0))
    cos_part = np.where(sine_first, _F32(0), cos_poly)
    sin = (cos_part + sin_part).view(np.uint32) ^ sign_sin
    cos = ((cos_poly - cos_part) + (sin_poly - sin_part)).view(np.uint32) ^ sign_cos
    return sin.view(_F32), cos.view(_F32)
