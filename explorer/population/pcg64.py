"""numpy's ``Generator.random`` over PCG64 (its default bit generator) in compiled code (imports numba).

Each thread of the lanes engine draws the keys of its own tied agents from where numpy's stream would
be when it reaches them (the generator's state advanced by numpy's ``PCG64.advance``), so that the
draws are numpy's, number for number, without one thread drawing for all. PCG64 is a 128-bit linear
congruential generator with the XSL-RR output (O'Neill, "PCG: A Family of Simple Fast Space-Efficient
Statistically Good Algorithms for Random Number Generation", 2014); numpy's ``random()`` keeps the top
53 bits of each 64-bit output. The 128-bit product is written in LLVM IR, which numba's types lack.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

#: PCG's default 128-bit multiplier (numpy's ``PCG64``).
MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645


@intrinsic
def next_double(typingctx, high, low, increment_high, increment_low):
    """PCG64's state ``(high, low)`` stepped once with ``increment``: ``(high, low, draw)``, the draw in
    ``[0, 1)`` as numpy's ``random()`` makes it (every argument uint64)."""
    u64 = types.uint64
    signature = types.Tuple((u64, u64, types.float64))(u64, u64, u64, u64)

    def codegen(context, builder, sig, args):
        i128, i64 = ir.IntType(128), ir.IntType(64)

        def joined(high, low):
            return builder.or_(
                builder.shl(builder.zext(high, i128), ir.Constant(i128, 64)), builder.zext(low, i128)
            )

        state = builder.mul(joined(args[0], args[1]), ir.Constant(i128, MULTIPLIER))
        state = builder.add(state, joined(args[2], args[3]))
        high = builder.trunc(builder.lshr(state, ir.Constant(i128, 64)), i64)
        low = builder.trunc(state, i64)
        folded = builder.xor(high, low)
        rotation = builder.lshr(high, ir.Constant(i64, 58))
        back = builder.and_(builder.neg(rotation), ir.Constant(i64, 63))
        output = builder.or_(builder.lshr(folded, rotation), builder.shl(folded, back))
        top = builder.uitofp(builder.lshr(output, ir.Constant(i64, 11)), ir.DoubleType())
        draw = builder.fmul(top, ir.Constant(ir.DoubleType(), 1.0 / 9007199254740992.0))
        return context.make_tuple(builder, sig.return_type, [high, low, draw])

    return signature, codegen
