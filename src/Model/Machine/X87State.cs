namespace L4Conf.Model.Machine;

/// <summary>
/// The x87 FPU state of a thread (Intel SDM Vol. 1 §8.1): the eight 80-bit data registers R0..R7 (physical order;
/// ST(i) is R((TOP + i) mod 8)), the control word, the status word (with TOP in bits 11..13), which registers are empty,
/// and the last-instruction pointers fnstenv/fnsave/fxsave store. A new state is Fiasco's initial FPU state: FCW 0x037F,
/// everything else zero, all registers empty (fiasco src/kern/ia32/fpu-ia32.cpp:230-246, Fpu::init_state).
/// </summary>
public sealed class X87State
{
    public const ushort InitialFcw = 0x037F;
    public readonly Float80[] R = new Float80[8];
    public ushort Fcw = InitialFcw;
    /// <summary>C0-C3, TOP, ES, SF, B and the exception flags.</summary>
    public ushort Fsw;
    /// <summary>Bit i set: R(i) is empty (tag 11).</summary>
    public byte Empty = 0xFF;
    /// <summary>Last non-control instruction: its address, opcode (11 bits) and memory operand's address.</summary>
    public ulong Fip, Fdp;
    public ushort Fop;
    /// <summary>The selectors that go with <see cref="Fip"/> and <see cref="Fdp"/>: CS, and the memory operand's segment register.</summary>
    public ushort Fcs, Fds;

    public int Top => (Fsw >> 11) & 7;

    /// <summary>fninit: control word 0x037F, status 0, all registers empty (their contents stay), pointers 0.</summary>
    public void Reset()
    {
        Fcw = InitialFcw; Fsw = 0; Empty = 0xFF; Fip = Fdp = 0; Fop = 0; Fcs = Fds = 0;
    }

    public void CopyFrom(X87State o)
    {
        Array.Copy(o.R, R, 8);
        Fcw = o.Fcw; Fsw = o.Fsw; Empty = o.Empty; Fip = o.Fip; Fdp = o.Fdp; Fop = o.Fop; Fcs = o.Fcs; Fds = o.Fds;
    }

    /// <summary>The full tag word: per physical register 00 valid, 01 zero, 10 special (NaN, infinity, denormal, unsupported), 11 empty.</summary>
    public ushort FullTag()
    {
        int t = 0;
        for (int k = 0; k < 8; k++)
        {
            int tag = (Empty & (1 << k)) != 0 ? 3 : R[k].Class switch
            {
                Float80Class.Zero => 1,
                Float80Class.Normal => 0,
                _ => 2,
            };
            t |= tag << (2 * k);
        }
        return (ushort)t;
    }

    /// <summary>fldenv/frstor: a tag of 11 empties the register, any other marks it full (the contents decide its class).</summary>
    public void SetFullTag(ushort t)
    {
        Empty = 0;
        for (int k = 0; k < 8; k++) if (((t >> (2 * k)) & 3) == 3) Empty |= (byte)(1 << k);
    }
}
