using System.Buffers.Binary;

namespace L4Conf.Model.Machine;

/// <summary>
/// SSE/SSE2 floating point (legacy encodings): add, sub, mul, div, min, max, sqrt in ss/sd/ps/pd; cmpps/cmpss/cmppd/cmpsd
/// (8 predicates); comiss/ucomiss/comisd/ucomisd; the conversions cvtsi2ss/sd, cvt(t)ss2si, cvt(t)sd2si, cvtss2sd,
/// cvtsd2ss, cvtps2pd, cvtpd2ps, cvtdq2ps, cvtdq2pd, cvt(t)ps2dq, cvt(t)pd2dq; the moves and shuffles movss/movsd,
/// movhps/movlps/movhpd/movlpd, movhlps/movlhps, movmskps/movmskpd, shufps/shufpd, unpck{l,h}{ps,pd}; ldmxcsr/stmxcsr.
/// Arithmetic is exact and rounded once (<see cref="SoftFloat"/>), under MXCSR's rounding control, DAZ and FTZ.
/// </summary>
/// <remarks>
/// <para>Exceptions (SDM Vol. 1 §11.5): the flags of every lane are OR-ed into MXCSR's sticky flags. If a
/// pre-computation exception (IE, DE, ZE) of any lane is unmasked, only those flags are set; otherwise the
/// post-computation ones (OE, UE, PE) are added; if any set flag is unmasked the instruction raises #XM (vector 19, no
/// error code) and writes no destination (register, memory or RFLAGS). Fiasco sets CR4.OSXMMEXCPT on every CPU with
/// SSE (src/kern/ia32/cpu-ia32.cpp:1312-1313), so an unmasked SIMD exception is #XM, never #UD (MACH-XM-1).</para>
/// <para>ldmxcsr m32: #GP(0) when a reserved bit (16-31) is set, before MXCSR changes; stmxcsr m32 stores it.</para>
/// </remarks>
public sealed partial class Cpu
{
    private uint mxcsr;

    /// <summary>The SSE floating-point, shuffle and MXCSR handlers; false with the trap set (#GP, #PF, #SS, #XM).</summary>
    private bool SseMore(ref Insn i)
    {
        switch (i.Op)
        {
            case Op.SseFpRR: case Op.SseFpRM: case Op.SseFpRG: case Op.SseFpGR: case Op.SseFpGM:
                return SseFloat(ref i);
            case Op.XmmShufRR: xmm[i.D] = Shuffle(i.Cc, xmm[i.D], xmm[i.S], (int)i.Imm); return true;
            case Op.XmmShufRM:
            {
                if (!LoadXmmOperand(ref i, out UInt128 x)) return false;
                xmm[i.D] = Shuffle(i.Cc, xmm[i.D], x, (int)i.Imm);
                return true;
            }
            case Op.XmmLoadHigh: case Op.XmmLoadLow:
            {
                if (!LoadXmmOperand(ref i, out UInt128 x)) return false;
                UInt128 old = xmm[i.D];
                xmm[i.D] = i.Op == Op.XmmLoadHigh ? (UInt128)(ulong)old | (x << 64) : ((old >> 64) << 64) | x;
                return true;
            }
            case Op.XmmStoreHigh:
            {
                ulong ea = Ea(ref i);
                Span<byte> b = io16.AsSpan(0, 8);
                BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)(xmm[i.S] >> 64));
                wrote = true;
                return mem.Write(ea, b, out trap) || StackFault();
            }
            case Op.Maskmovdqu: return MaskedStore(ref i);
            case Op.Clflush: return Load(Ea(ref i), 1, out _);
            case Op.Movmsk:
            {
                UInt128 v = xmm[i.S];
                ulong m = i.Cc == 0
                    ? ((ulong)(v >> 31) & 1) | (((ulong)(v >> 63) & 1) << 1) | (((ulong)(v >> 95) & 1) << 2) | (((ulong)(v >> 127) & 1) << 3)
                    : ((ulong)(v >> 63) & 1) | (((ulong)(v >> 127) & 1) << 1);
                WriteDst(ref i, m);
                return true;
            }
            case Op.Ldmxcsr:
            {
                if (!Load(Ea(ref i), 4, out ulong v)) return false;
                v &= 0xFFFF_FFFF;
                if ((v & ~(ulong)Mxcsr.Writable) != 0)
                {
                    trap = new Trap(Vector.GeneralProtection, 0);
                    detail = $"ldmxcsr 0x{v:x}: reserved MXCSR bits set";
                    return false;
                }
                mxcsr = (uint)v;
                return true;
            }
            case Op.Stmxcsr: return Store(Ea(ref i), 4, mxcsr);
            default: return SseInteger(ref i); // CpuSseInteger.cs
        }
    }

    private static bool IsDouble(byte vec) => vec is (byte)SseShape.Sd or (byte)SseShape.Pd;

    private static ulong Lane(UInt128 v, int k, bool d) => d ? (ulong)(v >> (64 * k)) : (uint)(v >> (32 * k));

    private static UInt128 WithLane(UInt128 v, int k, bool d, ulong x)
    {
        int w = d ? 64 : 32;
        UInt128 m = (d ? ulong.MaxValue : uint.MaxValue) * (UInt128.One << (w * k));
        return (v & ~m) | (((UInt128)x << (w * k)) & m);
    }

    private bool SseFloat(ref Insn i)
    {
        UInt128 src;
        if (i.Op is Op.SseFpRR or Op.SseFpGR) src = xmm[i.S];
        else if (i.Op == Op.SseFpRG) src = Gpr(i.S);
        else if (!LoadXmmOperand(ref i, out src)) return false;
        bool gprDst = i.Op is Op.SseFpGR or Op.SseFpGM;
        UInt128 dst = gprDst ? 0 : xmm[i.D], r = 0;
        var env = SseEnv.From(mxcsr);
        var op = (SseFloatOp)i.Cc;
        bool d = IsDouble(i.Vec), packed = i.Vec >= (byte)SseShape.Ps;
        int lanes = i.Vec switch { (byte)SseShape.Ps => 4, (byte)SseShape.Pd => 2, _ => 1 };
        (bool Zf, bool Pf, bool Cf) cmp = default;
        switch (op)
        {
            case <= SseFloatOp.Cmp:
                r = packed ? 0 : dst;
                for (int k = 0; k < lanes; k++)
                {
                    ulong a = Lane(dst, k, d), b = Lane(src, k, d);
                    ulong x = op switch
                    {
                        SseFloatOp.Add => SoftFloat.Add(a, b, d, subtract: false, ref env),
                        SseFloatOp.Sub => SoftFloat.Add(a, b, d, subtract: true, ref env),
                        SseFloatOp.Mul => SoftFloat.Mul(a, b, d, ref env),
                        SseFloatOp.Div => SoftFloat.Div(a, b, d, ref env),
                        SseFloatOp.Min => SoftFloat.MinMax(a, b, d, max: false, ref env),
                        SseFloatOp.Max => SoftFloat.MinMax(a, b, d, max: true, ref env),
                        SseFloatOp.Sqrt => SoftFloat.Sqrt(b, d, ref env),
                        _ => SoftFloat.Compare(a, b, d, (int)i.Imm, ref env) ? ulong.MaxValue : 0,
                    };
                    r = WithLane(r, k, d, x);
                }
                break;
            case SseFloatOp.Comi: case SseFloatOp.Ucomi:
                cmp = SoftFloat.OrderedCompare(Lane(dst, 0, d), Lane(src, 0, d), d, op == SseFloatOp.Comi, ref env);
                break;
            case SseFloatOp.FromInt:
            {
                long v = i.Imm == 4 ? (int)(uint)src : (long)(ulong)src;
                r = WithLane(dst, 0, d, SoftFloat.FromInt(v, d, ref env));
                break;
            }
            case SseFloatOp.ToInt:
                r = SoftFloat.ToInt(Lane(src, 0, d), d, is64: (i.Imm & 2) != 0, truncate: (i.Imm & 1) != 0, ref env);
                break;
            case SseFloatOp.CvtFloat:
                if (!packed) r = WithLane(dst, 0, !d, SoftFloat.Convert(Lane(src, 0, d), d, ref env));
                else for (int k = 0; k < 2; k++) r = WithLane(r, k, !d, SoftFloat.Convert(Lane(src, k, d), d, ref env));
                break;
            case SseFloatOp.FromDq:
                for (int k = 0; k < lanes; k++) r = WithLane(r, k, d, SoftFloat.FromInt((int)Lane(src, k, false), d, ref env));
                break;
            case SseFloatOp.ToDq:
                for (int k = 0; k < lanes; k++)
                    r = WithLane(r, k, false, SoftFloat.ToInt(Lane(src, k, d), d, is64: false, truncate: (i.Imm & 1) != 0, ref env));
                break;
            case SseFloatOp.AddSub:
                for (int k = 0; k < lanes; k++)
                    r = WithLane(r, k, d, SoftFloat.Add(Lane(dst, k, d), Lane(src, k, d), d, subtract: k % 2 == 0, ref env));
                break;
            default: // HAdd, HSub: the low half of the result from the destination's pairs, the high half from the source's
            {
                int half = lanes / 2;
                for (int k = 0; k < lanes; k++)
                {
                    UInt128 from = k < half ? dst : src;
                    int j = 2 * (k % half);
                    r = WithLane(r, k, d, SoftFloat.Add(Lane(from, j, d), Lane(from, j + 1, d), d, subtract: op == SseFloatOp.HSub, ref env));
                }
                break;
            }
        }
        if (!RaiseSimd(env)) return false;
        if (op is SseFloatOp.Comi or SseFloatOp.Ucomi)
            SetArith((cmp.Zf ? ZF : 0) | (cmp.Pf ? PF : 0) | (cmp.Cf ? CF : 0)); // OF, SF, AF cleared
        else if (gprDst) WriteDst(ref i, (ulong)r);
        else xmm[i.D] = r;
        return true;
    }

    /// <summary>
    /// Set the instruction's exception flags in MXCSR; false with #XM when one of them is unmasked (then nothing else is
    /// written). An unmasked pre-computation exception (IE, DE, ZE) stops before the computation: only those flags are set.
    /// </summary>
    private bool RaiseSimd(in SseEnv env)
    {
        uint all = env.Pre | env.Post;
        uint set = Mxcsr.Unmasked(mxcsr, env.Pre) != 0 ? env.Pre : all;
        mxcsr |= set;
        if (Mxcsr.Unmasked(mxcsr, set) == 0) return true;
        trap = new Trap(Vector.SimdFloatingPoint, 0);
        detail = $"unmasked SIMD floating-point exception (MXCSR 0x{mxcsr:x})";
        return false;
    }

    /// <summary>shufps: dwords 0-1 from a, 2-3 from b, each chosen by two bits of the order; shufpd: quadword 0 from a, 1 from b.</summary>
    private static UInt128 Shuffle(byte pd, UInt128 a, UInt128 b, int order)
    {
        if (pd != 0) return (UInt128)Lane(a, order & 1, true) | ((UInt128)Lane(b, (order >> 1) & 1, true) << 64);
        UInt128 r = 0;
        for (int k = 0; k < 4; k++) r = WithLane(r, k, false, Lane(k < 2 ? a : b, (order >> (2 * k)) & 3, false));
        return r;
    }

    /// <summary>punpckh* (interleave the high halves, a first) and the register merges movss, movsd, movhlps, movlhps.</summary>
    private static UInt128 XmmMerge(XmmAlu op, UInt128 a, UInt128 b)
    {
        switch (op)
        {
            case XmmAlu.Movss: return (a & ~(UInt128)uint.MaxValue) | (b & uint.MaxValue);
            case XmmAlu.Movsd: return (a & ~(UInt128)ulong.MaxValue) | (b & ulong.MaxValue);
            case XmmAlu.Movhlps: return ((a >> 64) << 64) | (b >> 64);
            case XmmAlu.Movlhps: return (UInt128)(ulong)a | ((UInt128)(ulong)b << 64);
            case XmmAlu.Movddup: return (UInt128)(ulong)b | ((UInt128)(ulong)b << 64);
            case XmmAlu.Movshdup: case XmmAlu.Movsldup:
            {
                int from = op == XmmAlu.Movshdup ? 1 : 0;
                UInt128 r = 0;
                for (int k = 0; k < 4; k += 2)
                {
                    UInt128 s = (b >> (32 * (k + from))) & uint.MaxValue;
                    r |= s << (32 * k) | s << (32 * (k + 1));
                }
                return r;
            }
            case XmmAlu.Punpckhqdq: return (a >> 64) | ((b >> 64) << 64);
            default:
            {
                int w = op switch { XmmAlu.Punpckhbw => 8, XmmAlu.Punpckhwd => 16, _ => 32 };
                UInt128 m = (UInt128.One << w) - 1, r = 0;
                a >>= 64; b >>= 64;
                for (int k = 0; k < 64 / w; k++)
                    r |= ((a >> (k * w)) & m) << (2 * k * w) | ((b >> (k * w)) & m) << ((2 * k + 1) * w);
                return r;
            }
        }
    }
}
