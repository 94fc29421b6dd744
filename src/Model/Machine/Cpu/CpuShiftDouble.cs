namespace L4Conf.Model.Machine;

/// <summary>
/// shld/shrd r/m, r, imm8|CL (Intel SDM Vol. 2B "SHLD", "SHRD"): shift the destination, filling from the source.
/// The count is masked to 5 bits (6 with a 64-bit operand); a masked count of 0 changes nothing (a memory operand
/// is accessed with write intent but not written: a read-only page faults, #PF W, as for the other shifts). CF = the last bit shifted out of the destination; SF, ZF, PF from the result; OF defined
/// for count 1 (sign change).
/// </summary>
/// <remarks>
/// Model choices where the SDM says undefined (UNCONFIRMED, documented): OF for counts &gt; 1 is the count-1
/// formula on the final result (shld: MSB(result) xor CF; shrd: xor of the two top result bits) — what both the AMD
/// EPYC host and QEMU 7.2 TCG (the captured machine) do; AF = 0 as for the other shifts (QEMU; the AMD host sets
/// AF = 1). A 16-bit operand with a count of 17..31 (result and flags undefined) shifts the 48-bit
/// destination:source:destination, as Intel silicon and QEMU 7.2 do (the AMD host differs).
/// </remarks>
public sealed partial class Cpu
{
    private bool ShiftDouble(bool right, ulong a, ulong b, int count, ulong m, out ulong r)
    {
        int cnt = count & (m == ulong.MaxValue ? 0x3F : 0x1F);
        r = a;
        if (cnt == 0) return false;
        int bits = BitWidth(m);
        ulong sign = m ^ (m >> 1);
        bool cf;
        if (bits == 64)
        {
            // 1 <= cnt <= 63: both shifts below are in range.
            if (right) { r = (a >> cnt) | (b << (64 - cnt)); cf = ((a >> (cnt - 1)) & 1) != 0; }
            else { r = (a << cnt) | (b >> (64 - cnt)); cf = ((a >> (64 - cnt)) & 1) != 0; }
        }
        else
        {
            // 32-bit: src:dst (right) or dst:src (left) in 64 bits; 16-bit: dst:src:dst in 48 bits. cnt <= 31.
            ulong big = bits == 32 ? (right ? (b << 32) | a : (a << 32) | b) : (a << 32) | (b << 16) | a;
            if (right) { r = (big >> cnt) & m; cf = ((big >> (cnt - 1)) & 1) != 0; }
            else
            {
                int top = 64 - (bits == 32 ? 64 : 48); // left-align the 64/48-bit value
                big <<= top;
                r = (big << cnt) >> (64 - bits);
                cf = ((big << (cnt - 1)) >> 63) != 0;
            }
        }
        bool msb = (r & sign) != 0;
        bool of = right ? msb ^ ((r & (sign >> 1)) != 0) : msb ^ cf;
        SetArith(PZS(r, m) | (cf ? CF : 0) | (of ? OF : 0));
        return true;
    }

    private void ShiftDoubleR(ref Insn i, int count)
    {
        ref ulong d = ref Gpr(i.D);
        ShiftDouble(i.Aux != 0, (d >> i.DSh) & i.Mask, ReadReg(i.S, i.SSh, i.Mask), count, i.Mask, out ulong r);
        d = (d & i.Keep) | (r << i.DSh); // written even for count 0: a 32-bit destination zero-extends, as shl does
    }

    private bool ShiftDoubleM(ref Insn i, int count)
    {
        ulong ea = Ea(ref i);
        if (!LoadForWrite(ea, i.Size, out ulong a)) return false; // write intent, even for a count of 0 (as shl)
        var saved = SaveFlags();
        if (!ShiftDouble(i.Aux != 0, a & i.Mask, ReadReg(i.S, i.SSh, i.Mask), count, i.Mask, out ulong r)) return true;
        if (Store(ea, i.Size, r)) return true;
        RestoreFlags(saved);
        return false;
    }
}
