using System.Numerics;
using System.Runtime.CompilerServices;

namespace L4Conf.Model.Machine;

/// <summary>What the last flag-setting arithmetic was, for lazily computed flags.</summary>
internal enum FlagOp : byte { None, Add, Adc, Sub, Sbb, Logic, Inc, Dec }

/// <summary>
/// Lazy arithmetic flags. Most flag results are never read (the next arithmetic overwrites them), so the ALU only
/// records the operation, its operands, its masked result and the operand-size mask; CF/PF/AF/ZF/SF/OF are
/// computed when something reads them (jcc/setcc/cmov/adc/sbb/rotates/syscall/stop). <see cref="FlagOp.None"/>
/// means the arithmetic bits of <c>rflags</c> are authoritative. Conditions after cmp/sub and logic ops are
/// evaluated straight from the operands without materializing.
/// </summary>
public sealed partial class Cpu
{
    // Short names for the hot paths, defined from the one RFLAGS enum.
    internal const ulong CF = (ulong)RFlags.CF, PF = (ulong)RFlags.PF, AF = (ulong)RFlags.AF, ZF = (ulong)RFlags.ZF,
        SF = (ulong)RFlags.SF, DF = (ulong)RFlags.DF, OF = (ulong)RFlags.OF;
    internal const ulong ArithFlags = CF | PF | AF | ZF | SF | OF;

    private ulong rflags;
    private FlagOp flOp;
    private ulong flA, flB, flRes, flMask;
    /// <summary>Carry-in for adc/sbb; the preserved CF for inc/dec.</summary>
    private bool flCin;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetLazy(FlagOp op, ulong a, ulong b, ulong r, ulong m)
    {
        flOp = op; flA = a; flB = b; flRes = r; flMask = m;
    }

    /// <summary>RFLAGS with the arithmetic bits made current.</summary>
    internal ulong Flags
    {
        get { if (flOp != FlagOp.None) Materialize(); return rflags; }
    }

    /// <summary>Replace the arithmetic flags eagerly (shifts, multiplies): drops any pending lazy state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetArith(ulong f)
    {
        flOp = FlagOp.None;
        rflags = (rflags & ~ArithFlags) | f;
    }

    /// <summary>PF, ZF and SF of a masked result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong PZS(ulong r, ulong m)
    {
        ulong f = (BitOperations.PopCount(r & 0xFF) & 1) == 0 ? PF : 0;
        if (r == 0) f |= ZF;
        if ((r & (m ^ (m >> 1))) != 0) f |= SF;
        return f;
    }

    private void Materialize()
    {
        ulong a = flA, b = flB, r = flRes, m = flMask, sign = m ^ (m >> 1), f = 0;
        switch (flOp)
        {
            case FlagOp.None: return;
            case FlagOp.Add:
            case FlagOp.Adc:
                if (flOp == FlagOp.Adc && flCin ? r <= a : r < a) f |= CF;
                if (((a ^ r) & (b ^ r) & sign) != 0) f |= OF;
                f |= (a ^ b ^ r) & AF;
                break;
            case FlagOp.Sub:
            case FlagOp.Sbb:
                if (flOp == FlagOp.Sbb && flCin ? a <= b : a < b) f |= CF;
                if (((a ^ b) & (a ^ r) & sign) != 0) f |= OF;
                f |= (a ^ b ^ r) & AF;
                break;
            case FlagOp.Logic:
                break; // CF = OF = 0; AF is undefined by the SDM: the model clears it
            case FlagOp.Inc:
                if (flCin) f |= CF;
                if (r == sign) f |= OF;
                if ((r & 0xF) == 0) f |= AF;
                break;
            case FlagOp.Dec:
                if (flCin) f |= CF;
                if (r == sign - 1) f |= OF;
                if ((r & 0xF) == 0xF) f |= AF;
                break;
        }
        rflags = (rflags & ~ArithFlags) | f | PZS(r, m);
        flOp = FlagOp.None;
    }

    /// <summary>CF without materializing the other flags (adc, sbb, inc/dec preserve it).</summary>
    private bool Carry()
    {
        return flOp switch
        {
            FlagOp.None => (rflags & CF) != 0,
            FlagOp.Add => flRes < flA,
            FlagOp.Adc => flCin ? flRes <= flA : flRes < flA,
            FlagOp.Sub => flA < flB,
            FlagOp.Sbb => flCin ? flA <= flB : flA < flB,
            FlagOp.Logic => false,
            _ => flCin, // Inc, Dec
        };
    }

    /// <summary>Evaluate condition code <paramref name="cc"/> (x86 encoding order, low bit negates).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Cond(int cc)
    {
        if (flOp == FlagOp.Sub) return CondSub(cc);
        if ((cc >> 1) == 2 && flOp != FlagOp.None) return (flRes == 0) ^ ((cc & 1) != 0); // ZF of any lazy op
        return CondSlow(cc);
    }

    /// <summary>Conditions straight from cmp/sub operands: unsigned and signed comparisons of a and b.</summary>
    private bool CondSub(int cc)
    {
        ulong a = flA, b = flB, r = flRes, m = flMask;
        int sh = BitOperations.LeadingZeroCount(m); // shifting both left by the same amount keeps the signed order
        bool t = (cc >> 1) switch
        {
            0 => (((a ^ b) & (a ^ r) & (m ^ (m >> 1))) != 0),
            1 => a < b,
            2 => r == 0,
            3 => a <= b,
            4 => (r & (m ^ (m >> 1))) != 0,
            5 => (BitOperations.PopCount(r & 0xFF) & 1) == 0,
            6 => (long)(a << sh) < (long)(b << sh),
            _ => (long)(a << sh) <= (long)(b << sh),
        };
        return t ^ ((cc & 1) != 0);
    }

    private bool CondSlow(int cc) => CondOf(cc, Flags);

    internal static bool CondOf(int cc, ulong f)
    {
        bool sfNeOf = ((f & SF) != 0) != ((f & OF) != 0);
        bool t = (cc >> 1) switch
        {
            0 => (f & OF) != 0,
            1 => (f & CF) != 0,
            2 => (f & ZF) != 0,
            3 => (f & (CF | ZF)) != 0,
            4 => (f & SF) != 0,
            5 => (f & PF) != 0,
            6 => sfNeOf,
            _ => sfNeOf || (f & ZF) != 0,
        };
        return t ^ ((cc & 1) != 0);
    }

    /// <summary>RFLAGS as syscall saves it in R11: the current flags with RF cleared (SDM SYSCALL).</summary>
    private ulong SyscallFlags() => Flags & ~RF;
}
