namespace L4Conf.Model.Machine;

/// <summary>
/// lahf, sahf, pushf, popf (Intel SDM Vol. 2A/2B) at CPL 3 with IOPL 0, the only privilege user code runs at.
/// </summary>
/// <remarks>
/// <para>lahf/sahf are valid in 64-bit mode only with CPUID.80000001H:ECX.LAHF-SAHF[0] = 1, which the captured
/// CPU has (ECX = 0x00000005). lahf: AH = SF:ZF:0:AF:0:PF:1:CF; sahf loads SF, ZF, AF, PF, CF from AH.</para>
/// <para>pushf stores RFLAGS with VM and RF cleared (SDM); the 0x66 form pushes the low 16 bits. popf with
/// CPL &gt; IOPL changes only CF, PF, AF, ZF, SF, TF, DF, OF, NT, AC and ID (the 16-bit form only the low 16 of
/// them); IF and IOPL keep their values without a fault, VIP/VIF/VM and the reserved bits stay, RF is cleared. A
/// set TF is stored but raises no #DB and a set AC enables no alignment check (neither is modelled).</para>
/// </remarks>
public sealed partial class Cpu
{
    private const ulong TF = (ulong)RFlags.TF, NT = (ulong)RFlags.NT, AC = (ulong)RFlags.AC, ID = (ulong)RFlags.ID;
    private const ulong RF = 1UL << 16, VM = 1UL << 17;
    /// <summary>What popf may change at CPL 3 with IOPL 0.</summary>
    internal const ulong PopfWritable = ArithFlags | TF | DF | NT | AC | ID;
    private const ulong AhFlags = SF | ZF | AF | PF | CF;

    private void Lahf() => WriteReg((int)Reg.Rax, 8, 0xFF, (Flags & AhFlags) | 2);

    private void Sahf() => rflags = (Flags & ~AhFlags) | ((Gpr((int)Reg.Rax) >> 8) & AhFlags);

    private bool Pushf(int size) => Push(Flags & ~(RF | VM) & MaskOf(size), size);

    private bool Popf(int size)
    {
        if (!PeekStack(size, out ulong v)) return false;
        ulong w = PopfWritable & MaskOf(size);
        rflags = ((Flags & ~w) | (v & w)) & ~RF;
        SetSp(Gpr((int)Reg.Rsp) + (ulong)size);
        return true;
    }
}
