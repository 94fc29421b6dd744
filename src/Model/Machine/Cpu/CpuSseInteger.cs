using System.Buffers.Binary;

namespace L4Conf.Model.Machine;

/// <summary>
/// SSE2 integer arithmetic and shuffles on XMM registers (legacy encodings; the MMX forms reuse these helpers on 64-bit values, CpuMmx.cs): paddb/w/d/q,
/// psubb/w/d/q, padds/paddus/psubs/psubus (b, w), pmullw, pmulhw, pmulhuw, pmuludq, pmaddwd, pavgb/w, pmaxsw, pmaxub,
/// pminsw, psadbw, pcmpeqw/d, pcmpgtb/w/d, psllw/d/q, psrlw/d/q, psraw/d (imm8 and xmm/m128 counts), pslldq/psrldq,
/// packsswb/packssdw/packuswb, punpckh*, pshuflw/pshufhw, pextrw, pinsrw. None changes a flag or MXCSR. m128 operands
/// must be 16-byte aligned (#GP(0)); pinsrw's m16 has no requirement.
/// </summary>
/// <remarks>
/// Shift counts: the whole count (imm8, or the source's low 64 bits) is used, not masked: a count of at least the lane
/// width gives 0 for logical shifts and the sign in every bit for arithmetic ones; pslldq/psrldq shift bytes and give 0
/// above 15. pmaddwd wraps its one overflowing case (0x8000 * 0x8000 twice) to 0x80000000, as the SDM says.
/// </remarks>
public sealed partial class Cpu
{
    private bool SseInteger(ref Insn i)
    {
        switch (i.Op)
        {
            case Op.XmmIntRR: xmm[i.D] = XmmIntOp((XmmInt)i.Cc, xmm[i.D], xmm[i.S]); return true;
            case Op.XmmIntRM:
            {
                if (!LoadXmmOperand(ref i, out UInt128 x)) return false;
                xmm[i.D] = XmmIntOp((XmmInt)i.Cc, xmm[i.D], x);
                return true;
            }
            case Op.XmmShiftImm: xmm[i.D] = XmmIntOp((XmmInt)i.Cc, xmm[i.D], i.Imm); return true;
            case Op.Pextrw: WriteDst(ref i, (ulong)(xmm[i.S] >> (16 * (int)(i.Imm & 7))) & 0xFFFF); return true;
            case Op.PinsrwRR: xmm[i.D] = InsertWord(xmm[i.D], Gpr(i.S), (int)i.Imm); return true;
            default: // PinsrwRM
            {
                if (!LoadXmmOperand(ref i, out UInt128 x)) return false;
                xmm[i.D] = InsertWord(xmm[i.D], (ulong)x, (int)i.Imm);
                return true;
            }
        }
    }

    private static UInt128 InsertWord(UInt128 v, ulong w, int imm)
    {
        int sh = 16 * (imm & 7);
        return (v & ~((UInt128)0xFFFF << sh)) | ((UInt128)(w & 0xFFFF) << sh);
    }

    /// <summary>pshufd (kind 0), pshuflw (1: the low four words reordered, the high quadword copied), pshufhw (2: the high four).</summary>
    private static UInt128 Pshuf(byte kind, UInt128 v, int order)
    {
        if (kind == 0) return Pshufd(v, order);
        int half = kind == 1 ? 0 : 64;
        ulong q = (ulong)(v >> half), r = 0;
        for (int k = 0; k < 4; k++) r |= ((q >> (16 * ((order >> (2 * k)) & 3))) & 0xFFFF) << (16 * k);
        UInt128 keep = kind == 1 ? v & ((UInt128)ulong.MaxValue << 64) : (ulong)v;
        return keep | ((UInt128)r << half);
    }

    private static long SLane(UInt128 v, int k, int w) => (long)((ulong)(v >> (k * w)) << (64 - w)) >> (64 - w);
    private static ulong ULane(UInt128 v, int k, int w) => (ulong)(v >> (k * w)) & (w == 64 ? ulong.MaxValue : (1UL << w) - 1);
    private static UInt128 Put(UInt128 r, int k, int w, long x) => r | ((UInt128)((ulong)x & (w == 64 ? ulong.MaxValue : (1UL << w) - 1)) << (k * w));
    private static long SatS(long x, int w) => Math.Clamp(x, -(1L << (w - 1)), (1L << (w - 1)) - 1);
    private static long SatU(long x, int w) => Math.Clamp(x, 0, (1L << w) - 1);

    /// <summary>Every lane of a and b through <paramref name="f"/> (signed lane values in, the low bits of the result kept).</summary>
    private static UInt128 Lanes(UInt128 a, UInt128 b, int w, bool signed, Func<long, long, long> f)
    {
        UInt128 r = 0;
        for (int k = 0; k < 128 / w; k++)
        {
            long x = signed ? SLane(a, k, w) : (long)ULane(a, k, w), y = signed ? SLane(b, k, w) : (long)ULane(b, k, w);
            r = Put(r, k, w, f(x, y));
        }
        return r;
    }

    private static UInt128 XmmIntOp(XmmInt op, UInt128 a, UInt128 b)
    {
        ulong count = (ulong)b;
        switch (op)
        {
            case XmmInt.Paddb: return Lanes(a, b, 8, false, (x, y) => x + y);
            case XmmInt.Paddw: return Lanes(a, b, 16, false, (x, y) => x + y);
            case XmmInt.Paddd: return Lanes(a, b, 32, false, (x, y) => x + y);
            case XmmInt.Paddq: return Lanes(a, b, 64, false, (x, y) => x + y);
            case XmmInt.Psubb: return Lanes(a, b, 8, false, (x, y) => x - y);
            case XmmInt.Psubw: return Lanes(a, b, 16, false, (x, y) => x - y);
            case XmmInt.Psubd: return Lanes(a, b, 32, false, (x, y) => x - y);
            case XmmInt.Psubq: return Lanes(a, b, 64, false, (x, y) => x - y);
            case XmmInt.Paddsb: return Lanes(a, b, 8, true, (x, y) => SatS(x + y, 8));
            case XmmInt.Paddsw: return Lanes(a, b, 16, true, (x, y) => SatS(x + y, 16));
            case XmmInt.Paddusb: return Lanes(a, b, 8, false, (x, y) => SatU(x + y, 8));
            case XmmInt.Paddusw: return Lanes(a, b, 16, false, (x, y) => SatU(x + y, 16));
            case XmmInt.Psubsb: return Lanes(a, b, 8, true, (x, y) => SatS(x - y, 8));
            case XmmInt.Psubsw: return Lanes(a, b, 16, true, (x, y) => SatS(x - y, 16));
            case XmmInt.Psubusb: return Lanes(a, b, 8, false, (x, y) => SatU(x - y, 8));
            case XmmInt.Psubusw: return Lanes(a, b, 16, false, (x, y) => SatU(x - y, 16));
            case XmmInt.Pmullw: return Lanes(a, b, 16, true, (x, y) => x * y);
            case XmmInt.Pmulhw: return Lanes(a, b, 16, true, (x, y) => (x * y) >> 16);
            case XmmInt.Pmulhuw: return Lanes(a, b, 16, false, (x, y) => (x * y) >> 16);
            case XmmInt.Pmuludq:
                return (UInt128)((ulong)(uint)a * (uint)b) | ((UInt128)((ulong)(uint)(a >> 64) * (uint)(b >> 64)) << 64);
            case XmmInt.Pmaddwd:
            {
                UInt128 r = 0;
                for (int k = 0; k < 4; k++)
                    r = Put(r, k, 32, SLane(a, 2 * k, 16) * SLane(b, 2 * k, 16) + SLane(a, 2 * k + 1, 16) * SLane(b, 2 * k + 1, 16));
                return r;
            }
            case XmmInt.Pavgb: return Lanes(a, b, 8, false, (x, y) => (x + y + 1) >> 1);
            case XmmInt.Pavgw: return Lanes(a, b, 16, false, (x, y) => (x + y + 1) >> 1);
            case XmmInt.Pmaxsw: return Lanes(a, b, 16, true, Math.Max);
            case XmmInt.Pmaxub: return Lanes(a, b, 8, false, Math.Max);
            case XmmInt.Pminsw: return Lanes(a, b, 16, true, Math.Min);
            case XmmInt.Psadbw:
            {
                UInt128 r = 0;
                for (int h = 0; h < 2; h++)
                {
                    long sum = 0;
                    for (int k = 0; k < 8; k++) sum += Math.Abs((long)ULane(a, 8 * h + k, 8) - (long)ULane(b, 8 * h + k, 8));
                    r = Put(r, h, 64, sum);
                }
                return r;
            }
            case XmmInt.Pcmpeqw: return Lanes(a, b, 16, false, (x, y) => x == y ? -1 : 0);
            case XmmInt.Pcmpeqd: return Lanes(a, b, 32, false, (x, y) => x == y ? -1 : 0);
            case XmmInt.Pcmpgtb: return Lanes(a, b, 8, true, (x, y) => x > y ? -1 : 0);
            case XmmInt.Pcmpgtw: return Lanes(a, b, 16, true, (x, y) => x > y ? -1 : 0);
            case XmmInt.Pcmpgtd: return Lanes(a, b, 32, true, (x, y) => x > y ? -1 : 0);
            case XmmInt.Psllw: return ShiftLanes(a, 16, count, 0);
            case XmmInt.Pslld: return ShiftLanes(a, 32, count, 0);
            case XmmInt.Psllq: return ShiftLanes(a, 64, count, 0);
            case XmmInt.Psrlw: return ShiftLanes(a, 16, count, 1);
            case XmmInt.Psrld: return ShiftLanes(a, 32, count, 1);
            case XmmInt.Psrlq: return ShiftLanes(a, 64, count, 1);
            case XmmInt.Psraw: return ShiftLanes(a, 16, count, 2);
            case XmmInt.Psrad: return ShiftLanes(a, 32, count, 2);
            case XmmInt.Pslldq: return count > 15 ? 0 : a << (8 * (int)count);
            case XmmInt.Psrldq: return count > 15 ? 0 : a >> (8 * (int)count);
            case XmmInt.Packsswb: return Pack(a, b, 16, x => SatS(x, 8));
            case XmmInt.Packssdw: return Pack(a, b, 32, x => SatS(x, 16));
            default: return Pack(a, b, 16, x => SatU(x, 8)); // packuswb
        }
    }

    /// <summary>kind 0: shift left, 1: logical right, 2: arithmetic right; a count of at least the width clears (or sign-fills) the lane.</summary>
    private static UInt128 ShiftLanes(UInt128 a, int w, ulong count, int kind)
    {
        UInt128 r = 0;
        for (int k = 0; k < 128 / w; k++)
        {
            long v = kind == 2 ? SLane(a, k, w) >> (int)Math.Min(count, (ulong)w - 1)
                : count >= (ulong)w ? 0
                : kind == 0 ? (long)(ULane(a, k, w) << (int)count) : (long)(ULane(a, k, w) >> (int)count);
            r = Put(r, k, w, v);
        }
        return r;
    }

    /// <summary>packss*/packus*: a's signed lanes saturated into the low half of the result, b's into the high half.</summary>
    private static UInt128 Pack(UInt128 a, UInt128 b, int w, Func<long, long> sat)
    {
        UInt128 r = 0;
        int n = 128 / w;
        for (int k = 0; k < n; k++)
        {
            r = Put(r, k, w / 2, sat(SLane(a, k, w)));
            r = Put(r, n + k, w / 2, sat(SLane(b, k, w)));
        }
        return r;
    }
    /// <summary>
    /// maskmovdqu: the bytes of xmm D whose byte in xmm S has its top bit set go to DS:[RDI]; the others stay. Only the
    /// span from the first to the last selected byte is accessed, checked for writing before any byte is written (the
    /// host: an unselected byte past the canonical boundary does not fault, the selected ones' page does). An empty mask
    /// still checks the first byte for writing and writes nothing (the host faults on a read-only or unmapped target;
    /// the SDM lets an implementation do either).
    /// </summary>
    private bool MaskedStore(ref Insn i) => MaskedStore(ref i, xmm[i.D], ByteSignMask(xmm[i.S]));

    /// <summary>The masked store of maskmovdqu and maskmovq (CpuMmx.cs): byte k of <paramref name="data"/> where bit k of <paramref name="select"/> is set.</summary>
    private bool MaskedStore(ref Insn i, UInt128 data, uint select)
    {
        ulong ea = Ea(ref i);
        if (select == 0) return mem.Read(ea, io16.AsSpan(0, 1), AccessKind.Write, out trap) || StackFault();
        int first = System.Numerics.BitOperations.TrailingZeroCount(select), last = 31 - System.Numerics.BitOperations.LeadingZeroCount(select);
        Span<byte> b = io16.AsSpan(0, last - first + 1);
        if (!mem.Read(ea + (ulong)first, b, AccessKind.Write, out trap)) return StackFault();
        for (int k = first; k <= last; k++)
            if ((select >> k & 1) != 0) b[k - first] = (byte)(data >> (8 * k));
        wrote = true;
        return mem.Write(ea + (ulong)first, b, out trap) || StackFault();
    }
}
