"""``exp``, ``log`` and division over a row of agents, in forms LLVM vectorizes (imports numba).

numba calls libm's scalar ``exp`` and ``log`` one value at a time (its SVML path needs an SVML-patched
llvmlite, which the PyPI wheels are not), and in the compiled step those calls were a third of the
time. These are fdlibm's algorithms (the ones musl's ``exp`` and ``log`` were), branch-free: the same
reduction and polynomials, the exponent set and read through the bits of the float. Both stay within
1 ulp of the exact value (libm's are within 1 ulp too, so the two may differ in the last bit);
tests/test_population_numba.py checks them against numpy over the ranges the step uses.
``exp_value`` and ``log_value`` are the same steps on one value, for a loop over agents that the
compiler vectorizes whole (no row of scratch between the steps): called from the lanes kernel, whose
``fastmath`` lets the compiler fuse products into FMAs, they stay within 3 ulps (measured, and tested
within 4). ``quotient`` divides through a reciprocal that an agent's values share, corrected by FMAs to
the division's own result, bit for bit: a vectorized division costs about 1 ns per value here.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
#: :func:`quotient` is the division bit for bit for dividends from this up (2^-900; it needs ``a - b q``
#: not to underflow, true from about 2^-960 for the sums of probabilities it divides by).
QUOTIENT_FLOOR = 2.0**-900
#: Below this ``exp`` is 0 in float64 (its arguments are clamped here, so that the exponent stays small).
_EXP_FLOOR = -746.0


@njit(cache=True, error_model="numpy", _nrt=False)
def exp_lanes(x, out, bits, m):  # pragma: no cover - compiled; tested against numpy
    """``out[j] = exp(x[j])`` for ``j < m`` (finite ``x``; ``bits`` an int64 row of scratch, ``m`` long).

    ``exp(x) = 2^k exp(r)`` with ``k = round(x / ln 2)``, ``r`` by fdlibm's rational approximation; the
    power of two is applied as two halves, so that results down to the subnormals round once more.
    """
    for j in range(m):
        value = max(x[j], _EXP_FLOOR)
        k = int(value * _INV_LN2 + (0.5 if value >= 0.0 else -0.5))
        half = k >> 1
        bits[j] = (half + 1023) << 52
        hi = value - k * _LN2_HI
        lo = k * _LN2_LO
        r = hi - lo
        rr = r * r
        c = r - rr * (_P1 + rr * (_P2 + rr * (_P3 + rr * (_P4 + rr * _P5))))
        out[j] = 1.0 + (r * c / (2.0 - c) - lo + hi)
        bits[j + m] = (k - half + 1023) << 52
    scale = bits.view(np.float64)
    for j in range(m):
        out[j] = out[j] * scale[j] * scale[j + m]


@njit(cache=True, error_model="numpy", _nrt=False)
def log_lanes(x, out, bits, m):  # pragma: no cover - compiled; tested against numpy
    """``out[j] = ln(x[j])`` for ``j < m``, every ``x[j]`` positive, finite and normal (not checked).

    ``x = 2^k (1 + f)`` with ``1 + f`` in ``[sqrt(2)/2, sqrt(2))``; ``ln(1 + f)`` by fdlibm's polynomial in
    ``s = f / (2 + f)``. ``bits`` is an int64 row of scratch ``m`` long.
    """
    scaled = bits.view(np.float64)
    for j in range(m):
        scaled[j] = x[j]
    for j in range(m):
        high = (bits[j] >> 32) + (0x3FF00000 - 0x3FE6A09E)
        out[j] = (high >> 20) - 0x3FF  # the exponent k, kept as a float until the polynomial is done
        bits[j] = (((high & 0x000FFFFF) + 0x3FE6A09E) << 32) | (bits[j] & 0xFFFFFFFF)
    for j in range(m):
        f = scaled[j] - 1.0
        half_square = 0.5 * f * f
        s = f / (2.0 + f)
        z = s * s
        w = z * z
        t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
        t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
        k = out[j]
        out[j] = s * (half_square + (t2 + t1)) + k * _LN2_LO - half_square + f + k * _LN2_HI


@intrinsic
def _float_bits(typingctx, x):
    """The bits of a float64 as an int64 (a reinterpretation, no conversion)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, bits):
    """The float64 whose bits an int64 holds."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(error_model="numpy", _nrt=False)
def log_value(x):  # pragma: no cover - compiled; tested against numpy
    """``ln(x)``, ``x`` positive, finite and normal: :func:`log_lanes`'s steps on one value (see the module
    docstring for its error)."""
    high = (_float_bits(x) >> 32) + (0x3FF00000 - 0x3FE6A09E)
    k = float((high >> 20) - 0x3FF)
    f = _bits_float((((high & 0x000FFFFF) + 0x3FE6A09E) << 32) | (_float_bits(x) & 0xFFFFFFFF)) - 1.0
    half_square = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    return s * (half_square + (t2 + t1)) + k * _LN2_LO - half_square + f + k * _LN2_HI


@njit(error_model="numpy", _nrt=False)
def exp_value(x):  # pragma: no cover - compiled; tested against numpy
    """``exp(x)``, ``x`` finite: :func:`exp_lanes`'s steps on one value (see the module docstring)."""
    value = max(x, _EXP_FLOOR)
    k = int(value * _INV_LN2 + (0.5 if value >= 0.0 else -0.5))
    half = k >> 1
    hi = value - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    rr = r * r
    c = r - rr * (_P1 + rr * (_P2 + rr * (_P3 + rr * (_P4 + rr * _P5))))
    scaled = 1.0 + (r * c / (2.0 - c) - lo + hi)
    return scaled * _bits_float((half + 1023) << 52) * _bits_float((k - half + 1023) << 52)


def _fma(builder, x, y, z):
    """``x * y + z`` rounded once (LLVM's ``llvm.fma``)."""
    double = ir.DoubleType()
    return builder.call(builder.module.declare_intrinsic("llvm.fma", [double] * 3), [x, y, z])


@intrinsic
def reciprocal(typingctx, b):
    """``1 / b``, an IEEE division. Its one flag (``nsz``) keeps numba's ``fastmath`` from adding the
    others to it in a fastmath function, ``arcp`` among them, which would allow an estimate instead."""

    def codegen(context, builder, signature, args):
        return builder.fdiv(ir.Constant(ir.DoubleType(), 1.0), args[0], flags=("nsz",))

    return types.float64(types.float64), codegen


@intrinsic
def quotient(typingctx, a, b, y):
    """``a / b`` rounded to nearest, bit for bit a division, from ``y = reciprocal(b)``: the product ``a y``
    corrected twice by ``q + (a - b q) y`` (FMAs). The first correction leaves ``q`` within an ulp of
    ``a / b``; from there the second gives ``a / b`` rounded (Markstein's theorem), provided ``a - b q``
    does not underflow: ``a`` at least :data:`QUOTIENT_FLOOR` and ``b`` within a few powers of two of 1.
    Vectorized here it costs about a fifth of a division (0.2 against 1.0 ns per value)."""

    def codegen(context, builder, signature, args):
        a, b, y = args
        q = builder.fmul(a, y, flags=("nsz",))  # a flag of its own: numba's fastmath adds none
        q = _fma(builder, _fma(builder, builder.fneg(q), b, a), y, q)
        return _fma(builder, _fma(builder, builder.fneg(q), b, a), y, q)

    return types.float64(types.float64, types.float64, types.float64), codegen
