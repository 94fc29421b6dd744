using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>
/// shl/sal, shr, sar, rol, ror, rcl, rcr by 1, imm8 or CL (Intel SDM Vol. 2B "SAL/SAR/SHL/SHR", Vol. 2B "RCL/RCR/ROL/ROR").
/// The count is masked to 5 bits (6 with a 64-bit operand). A masked count of 0 changes no flags (and a memory
/// operand is accessed with write intent, so a read-only one faults, but not written). Defined flags are exact; for the SDM's undefined ones the model chooses
/// (UNCONFIRMED, a model choice):
/// shifts with count &gt; 1 set OF by the count-1 formula applied to the final result (shl: MSB(result) xor CF;
/// shr: MSB(original); sar: 0) and clear AF for any non-zero count; a shl/shr count &gt;= the operand size gives
/// CF = the bit an unbounded shift would move out (0 past the width); rotates with masked count &gt; 1 set OF by
/// the count-1 formula (rol: MSB(result) xor CF; ror: xor of the two top bits).
/// </summary>
public sealed partial class Cpu
{
    /// <summary>Shift <paramref name="a"/>; returns false (nothing to write) when the masked count is 0.</summary>
    private bool Shift(ShiftKind kind, ulong a, int count, ulong m, out ulong r)
    {
        int cnt = count & (m == ulong.MaxValue ? 0x3F : 0x1F);
        r = a;
        if (cnt == 0) return false;
        int bits = 64 - BitOperations.LeadingZeroCount(m);
        ulong sign = m ^ (m >> 1);
        bool cf, of;
        switch (kind)
        {
            case ShiftKind.Shl:
                r = cnt >= 64 ? 0 : (a << cnt) & m;
                cf = ((a << (cnt - 1)) & sign) != 0; // cnt - 1 <= 63 here; bits above the width fall off
                of = ((r & sign) != 0) ^ cf;
                break;
            case ShiftKind.Shr:
                r = a >> cnt;
                cf = ((a >> (cnt - 1)) & 1) != 0;
                of = (a & sign) != 0;
                break;
            case ShiftKind.Sar:
            {
                int sx = 64 - bits;
                long v = (long)(a << sx) >> sx; // sign-extended operand; count <= 31 for narrow widths
                r = (ulong)(v >> cnt) & m;
                cf = ((v >> (cnt - 1)) & 1) != 0;
                of = false;
                break;
            }
            case ShiftKind.Rol:
            {
                int t = cnt % bits;
                r = t == 0 ? a : ((a << t) | (a >> (bits - t))) & m;
                cf = (r & 1) != 0;
                of = ((r & sign) != 0) ^ cf;
                // Rotates change only CF and OF.
                ulong f = Flags & ~(CF | OF);
                rflags = f | (cf ? CF : 0) | (of ? OF : 0);
                return true;
            }
            case ShiftKind.Rcl:
            case ShiftKind.Rcr:
                return RotateThroughCarry(kind == ShiftKind.Rcl, a, cnt, bits, m, out r);
            default: // Ror
            {
                int t = cnt % bits;
                r = t == 0 ? a : ((a >> t) | (a << (bits - t))) & m;
                cf = (r & sign) != 0;
                of = cf ^ ((r & (sign >> 1)) != 0);
                ulong f = Flags & ~(CF | OF);
                rflags = f | (cf ? CF : 0) | (of ? OF : 0);
                return true;
            }
        }
        SetArith(PZS(r, m) | (cf ? CF : 0) | (of ? OF : 0)); // AF undefined: 0
        return true;
    }

    /// <summary>
    /// rcl/rcr: rotate the (width+1)-bit value CF:a. The count is taken modulo 9 (8-bit) or 17 (16-bit) after
    /// masking; when that leaves 0 the value and CF stay, but OF is still computed (SDM: OF undefined for counts
    /// other than 1). OF for every non-zero masked count is the count-1 formula on the final result (rcl: MSB(result)
    /// xor CF; rcr: xor of the two top bits), as the rol/ror above and as the AMD EPYC host does for all counts
    /// (checked: 8/16/32/64-bit, counts 0..64, both CF inputs). UNCONFIRMED vs the captured machine: QEMU 7.2 TCG
    /// takes OF = MSB(original) xor MSB(result) and changes nothing when the reduced count is 0.
    /// </summary>
    private bool RotateThroughCarry(bool left, ulong a, int cnt, int bits, ulong m, out ulong r)
    {
        ulong sign = m ^ (m >> 1);
        int t = bits < 32 ? cnt % (bits + 1) : cnt; // a masked count is at most 31 (63 for 64-bit): below width+1
        ulong f = Flags;
        bool cf = (f & CF) != 0;
        r = a;
        if (t != 0)
        {
            int w1 = bits + 1;
            UInt128 x = ((UInt128)(cf ? 1UL : 0) << bits) | a;
            UInt128 all = (UInt128.One << w1) - 1;
            x = left ? ((x << t) | (x >> (w1 - t))) & all : ((x >> t) | (x << (w1 - t))) & all;
            r = (ulong)x & m;
            cf = (ulong)(x >> bits) != 0;
        }
        bool of = left ? ((r & sign) != 0) ^ cf : ((r & sign) != 0) ^ ((r & (sign >> 1)) != 0);
        rflags = (f & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
        return true;
    }

    private void ShiftR(ref Insn i, int count)
    {
        ref ulong d = ref Gpr(i.D);
        Shift((ShiftKind)i.Aux, (d >> i.DSh) & i.Mask, count, i.Mask, out ulong r);
        // A register destination is written even for count 0: a 32-bit operand still zero-extends (as hardware).
        d = (d & i.Keep) | (r << i.DSh);
    }

    private bool ShiftM(ref Insn i, int count)
    {
        ulong ea = Ea(ref i);
        if (!LoadForWrite(ea, i.Size, out ulong a)) return false; // write intent even for a count of 0
        var saved = SaveFlags();
        if (!Shift((ShiftKind)i.Aux, a & i.Mask, count, i.Mask, out ulong r)) return true;
        if (Store(ea, i.Size, r)) return true;
        RestoreFlags(saved);
        return false;
    }
}
