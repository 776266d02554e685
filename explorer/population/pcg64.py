"""numpy's PCG64 (its default bit generator) stepped and jumped in compiled code (imports numba).

Each thread of the lanes engine draws the keys of its own tied agents from where numpy's stream would
be when it reaches them, so that the draws are numpy's, number for number, without one thread drawing
for all. PCG64 is a 128-bit linear congruential generator with the XSL-RR output (O'Neill, "PCG: A
Family of Simple Fast Space-Efficient Statistically Good Algorithms for Random Number Generation",
2014); numpy's ``random()`` keeps the top 53 bits of each 64-bit output. A state is jumped ``k`` draws
on by the same square-and-multiply as numpy's ``PCG64.advance`` (Brown, "Random Number Generation with
Arbitrary Strides", 1994), so that several independent chains of draws can run side by side. The
128-bit products are written in LLVM IR, which numba's types lack.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

#: PCG's default 128-bit multiplier (numpy's ``PCG64``), and its two 64-bit words.
MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
MULTIPLIER_HIGH, MULTIPLIER_LOW = np.uint64(MULTIPLIER >> 64), np.uint64(MULTIPLIER & (2**64 - 1))


def _joined(builder, high, low):
    """The 128-bit integer ``high * 2**64 + low`` from two 64-bit words."""
    i128 = ir.IntType(128)
    return builder.or_(builder.shl(builder.zext(high, i128), ir.Constant(i128, 64)), builder.zext(low, i128))


def _words(context, builder, signature, value):
    """A 128-bit integer as the tuple of its high and low 64-bit words."""
    i64 = ir.IntType(64)
    high = builder.trunc(builder.lshr(value, ir.Constant(value.type, 64)), i64)
    return context.make_tuple(builder, signature.return_type, [high, builder.trunc(value, i64)])


@intrinsic
def multiply_add(typingctx, a_high, a_low, b_high, b_low, c_high, c_low):
    """``a * b + c`` modulo 2**128, each 128-bit number given as its high and low uint64 words: ``(high,
    low)``."""
    u64 = types.uint64
    signature = types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64)

    def codegen(context, builder, sig, args):
        product = builder.mul(_joined(builder, args[0], args[1]), _joined(builder, args[2], args[3]))
        return _words(context, builder, sig, builder.add(product, _joined(builder, args[4], args[5])))

    return signature, codegen


@intrinsic
def next_state(typingctx, high, low, increment_high, increment_low):
    """PCG64's state ``(high, low)`` stepped once with ``increment``: ``(high, low)`` (every word uint64)."""
    u64 = types.uint64
    signature = types.UniTuple(u64, 2)(u64, u64, u64, u64)

    def codegen(context, builder, sig, args):
        i128 = ir.IntType(128)
        state = builder.mul(_joined(builder, args[0], args[1]), ir.Constant(i128, MULTIPLIER))
        return _words(context, builder, sig, builder.add(state, _joined(builder, args[2], args[3])))

    return signature, codegen


@njit(_nrt=False, error_model="numpy", inline="always")
def output(high, low):  # pragma: no cover - compiled; tested through the lanes engine against numpy
    """The 64-bit XSL-RR output of the state ``(high, low)``: its words xor-ed, rotated right by the top
    six bits (uint64; a loop over several outputs vectorizes)."""
    folded = high ^ low
    rotation = high >> np.uint64(58)
    return (folded >> rotation) | (folded << ((np.uint64(64) - rotation) & np.uint64(63)))


@njit(_nrt=False, error_model="numpy")
def advanced(high, low, increment_high, increment_low, draws):  # pragma: no cover - compiled
    """The state ``(high, low)`` ``draws`` draws on, in ``log2(draws)`` products (numpy's
    ``PCG64.advance``): ``(high, low)``."""
    zero = np.uint64(0)
    jump_high, jump_low, add_high, add_low = zero, np.uint64(1), zero, zero  # the jump so far: x -> j x + a
    step_high, step_low = MULTIPLIER_HIGH, MULTIPLIER_LOW  # a power-of-two jump: x -> s x + c
    plus_high, plus_low = increment_high, increment_low
    left = np.uint64(draws)
    while left:
        if left & np.uint64(1):
            jump_high, jump_low = multiply_add(jump_high, jump_low, step_high, step_low, zero, zero)
            add_high, add_low = multiply_add(add_high, add_low, step_high, step_low, plus_high, plus_low)
        plus_high, plus_low = multiply_add(step_high, step_low, plus_high, plus_low, plus_high, plus_low)
        step_high, step_low = multiply_add(step_high, step_low, step_high, step_low, zero, zero)
        left >>= np.uint64(1)
    return multiply_add(jump_high, jump_low, high, low, add_high, add_low)
