using System.Buffers.Binary;
using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>Bit-test kinds, numbered as the ModRM reg field of 0F BA /4../7 minus 4.</summary>
internal enum BitTestKind : byte { Bt = 0, Bts = 1, Btr = 2, Btc = 3 }

/// <summary>
/// bt/bts/btr/btc, bsf/bsr (and tzcnt/lzcnt, which decode as bsf/bsr on the captured CPU), bswap
/// (Intel SDM Vol. 2A "BT", "BSF", "BSR", "BSWAP").
/// </summary>
/// <remarks>
/// <para>Bit tests: the bit offset is the register or immediate modulo the operand width, except for a memory
/// operand with a register offset, where the offset is a signed operand-size integer that also selects the
/// operand-size word at <c>ea + (offset SAR log2(width)) * size</c> (QEMU and hardware access exactly that word).
/// CF = the selected bit; ZF is unchanged (SDM); OF, SF, AF and PF are undefined: the model leaves them
/// unchanged (UNCONFIRMED, a model choice: what Intel and the AMD EPYC host do, and QEMU 7.2 TCG — the captured
/// machine — when its flags are already materialised).</para>
/// <para>bsf/bsr: ZF = (source = 0) (SDM); a zero source leaves the destination register wholly unchanged, upper
/// half included (AMD APM documents it; the AMD EPYC host does it; QEMU 7.2 zero-extends a 32-bit destination
/// there — a known deviation of the emulator, not followed). CF, OF, SF, AF, PF are undefined: the model does what
/// QEMU 7.2 TCG does (the captured machine): the flags of a logic op on the source, i.e. CF = OF = AF = 0, SF = the
/// source's top bit, PF = parity of its low byte (UNCONFIRMED vs silicon: the AMD EPYC host takes PF from the
/// result and clears SF).</para>
/// <para>bswap with a 16-bit operand is undefined by the SDM: the model clears the low 16 bits and keeps the rest,
/// as AMD and Intel silicon (checked on the AMD EPYC host: 0x1122334455667788 → 0x1122334455660000); QEMU 7.2
/// instead swaps the low 32 bits.</para>
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>Apply a bit test to <paramref name="a"/>: CF = bit <paramref name="bit"/>; returns the value to write back.</summary>
    private ulong BitTest(BitTestKind kind, ulong a, int bit)
    {
        ulong b = 1UL << bit;
        rflags = (Flags & ~CF) | ((a >> bit) & 1); // only CF changes (see remarks)
        return kind switch
        {
            BitTestKind.Bts => a | b,
            BitTestKind.Btr => a & ~b,
            BitTestKind.Btc => a ^ b,
            _ => a,
        };
    }

    private static int BitWidth(ulong m) => 64 - BitOperations.LeadingZeroCount(m);

    /// <summary>Register destination; the offset from the source register (<paramref name="imm"/> false) or the immediate.</summary>
    private void BitTestR(ref Insn i, bool imm)
    {
        ulong off = imm ? i.Imm : Gpr(i.S) >> i.SSh;
        int bit = (int)(off & (ulong)(BitWidth(i.Mask) - 1));
        ref ulong d = ref Gpr(i.D);
        ulong r = BitTest((BitTestKind)i.Aux, (d >> i.DSh) & i.Mask, bit);
        // bt writes nothing; bts/btr/btc write the operand (a 32-bit one zero-extends, as every 32-bit write).
        if ((BitTestKind)i.Aux != BitTestKind.Bt) d = (d & i.Keep) | (r << i.DSh);
    }

    /// <summary>Memory destination. A register offset is signed and also moves the address (see remarks).</summary>
    private bool BitTestM(ref Insn i, bool imm)
    {
        int width = BitWidth(i.Mask);
        ulong ea;
        int bit;
        if (imm)
        {
            ea = Ea(ref i);
            bit = (int)(i.Imm & (ulong)(width - 1));
        }
        else
        {
            ulong off = (Gpr(i.S) >> i.SSh) & i.Mask;
            long soff = (long)SignExtend(off, i.Mask);
            ulong move = (ulong)((soff >> BitOperations.Log2((uint)width)) * i.Size);
            ssRef = i.Seg == SsSlot;
            lastSeg = i.Seg;
            ea = ((Gpr(i.Base) + (Gpr(i.Index) << i.Scale) + i.Disp + move) & i.AMask) + Gpr(i.Seg);
            bit = (int)(off & (ulong)(width - 1));
        }
        var kind = (BitTestKind)i.Aux;
        // bts/btr/btc are read-modify-write: write intent from the first access (#PF W; a read-only page faults)
        if (!(kind == BitTestKind.Bt ? Load(ea, i.Size, out ulong a) : LoadForWrite(ea, i.Size, out a))) return false;
        a &= i.Mask;
        if (kind == BitTestKind.Bt) { BitTest(kind, a, bit); return true; }
        var saved = SaveFlags();
        if (Store(ea, i.Size, BitTest(kind, a, bit))) return true;
        RestoreFlags(saved);
        return false;
    }

    /// <summary>bsf (Aux 0) / bsr (Aux 1) of <paramref name="src"/> into the destination register.</summary>
    private void BitScan(ref Insn i, ulong src)
    {
        src &= i.Mask;
        SetLazy(FlagOp.Logic, src, src, src, i.Mask); // QEMU 7.2's flags (see remarks); ZF = (src = 0)
        if (src == 0) return; // destination unchanged, not even zero-extended
        ulong r = i.Aux == 0 ? (ulong)BitOperations.TrailingZeroCount(src) : (ulong)(63 - BitOperations.LeadingZeroCount(src));
        WriteDst(ref i, r);
    }

    /// <summary>bswap r32/r64; the 16-bit form clears the low word (see remarks).</summary>
    private void Bswap(ref Insn i)
    {
        ref ulong d = ref Gpr(i.D);
        d = i.Size switch
        {
            8 => BinaryPrimitives.ReverseEndianness(d),
            4 => BinaryPrimitives.ReverseEndianness((uint)d),
            _ => d & ~0xFFFFUL,
        };
    }
}
