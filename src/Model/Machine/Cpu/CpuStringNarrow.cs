namespace L4Conf.Model.Machine;

/// <summary>
/// movs, stos, lods, scas and cmps with a 32- or 16-bit address size: ESI/EDI/ECX (SI/DI/CX) as pointers and count,
/// in compatibility mode by default and with a 0x67 prefix in 64-bit mode (Intel SDM Vol. 2, the string instructions
/// and REP/REPE/REPNE).
/// </summary>
/// <remarks>
/// The source is [seg:ESI] (DS or an override), the destination [ES:EDI] (no override); in 64-bit mode only an FS or
/// GS override adds a base. A pointer or count update writes the register at the address size: a 32-bit write
/// zero-extends, a 16-bit write keeps the upper bits. Element by element, with the same termination and
/// interruption rules as the 64-bit forms (CpuString.cs, CpuStringCompare.cs): a fault in iteration k leaves the
/// registers and flags as after iteration k-1 and RIP at the instruction.
/// </remarks>
public sealed partial class Cpu
{
    private bool StringNarrow(ref Insn i)
    {
        var kind = (StringKind)i.Cc;
        int e = i.Size;
        ulong m = MaskOf(e), am = i.AMask;
        ulong step = (rflags & DF) != 0 ? (ulong)-(long)e : (ulong)e;
        bool rep = i.Aux != 0, whileEqual = i.Aux == 1;
        bool compares = kind is StringKind.Scas or StringKind.Cmps;
        while (true)
        {
            if (rep && (Gpr((int)Reg.Rcx) & am) == 0) return true;
            ulong si = Gpr((int)Reg.Rsi) & am, di = Gpr((int)Reg.Rdi) & am, a = 0, b = 0;
            if (kind is StringKind.Movs or StringKind.Lods or StringKind.Cmps && !Load(Source(ref i, si), e, out a)) return false;
            switch (kind)
            {
                case StringKind.Movs: if (!Store(Destination(di), e, a & m)) return false; break;
                case StringKind.Stos: if (!Store(Destination(di), e, Gpr((int)Reg.Rax) & m)) return false; break;
                case StringKind.Lods: WriteReg((int)Reg.Rax, 0, m, a); break;
                default:
                    if (!Load(Destination(di), e, out b)) return false;
                    if (kind == StringKind.Scas) a = Gpr((int)Reg.Rax);
                    a &= m; b &= m;
                    CmpOp.Apply(this, a, b, m);
                    break;
            }
            if (kind is StringKind.Movs or StringKind.Lods or StringKind.Cmps) WriteReg((int)Reg.Rsi, 0, am, si + step);
            if (kind is not StringKind.Lods) WriteReg((int)Reg.Rdi, 0, am, di + step);
            if (!rep) return true;
            WriteReg((int)Reg.Rcx, 0, am, (Gpr((int)Reg.Rcx) & am) - 1);
            if (compares && ((Gpr((int)Reg.Rcx) & am) == 0 || (a == b) != whileEqual)) return true;
        }
    }

    /// <summary>The source element's linear address: the source segment's base (and its checks) plus the pointer.</summary>
    private ulong Source(ref Insn i, ulong si)
    {
        ssRef = false;                                                         // ESI/EDI are never stack references
        lastSeg = i.Seg;
        return si + Gpr(i.Seg);
    }

    /// <summary>The destination element's linear address: ES (its base is 0 in 64-bit mode).</summary>
    private ulong Destination(ulong di)
    {
        ssRef = false;
        lastSeg = EsSlot;
        return di + Gpr(EsSlot);
    }
}
