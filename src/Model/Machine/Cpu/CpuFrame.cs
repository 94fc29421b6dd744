namespace L4Conf.Model.Machine;

/// <summary>
/// enter, leave, loop/loope/loopne, jrcxz/jecxz and xlat (Intel SDM Vol. 2A/2B): the small stack-frame,
/// counting-loop and table-lookup instructions. None of them changes a flag.
/// </summary>
/// <remarks>
/// <para>enter imm16, imm8 (64-bit mode): push RBP; frame = RSP; for a nesting level L = imm8 mod 32 &gt; 0, push the
/// L-1 frame pointers at RBP-8, RBP-16, ... and then frame; RBP = frame; RSP -= imm16. The 0x66 form pushes words
/// and sets only BP, keeping RBP's upper bits (so the AMD host does; the SDM's 64-bit pseudocode writes RBP).
/// leave: RSP = RBP, then pop RBP (BP with 0x66). A fault (the stack page, or reading an outer frame pointer)
/// leaves every register as it was; all their accesses are stack references, so a non-canonical address is
/// #SS(0), not #GP(0); words enter already
/// stored stay stored, as on hardware (the instruction restarts).</para>
/// <para>loop/loope/loopne decrement RCX (ECX with 0x67, a 32-bit write) and branch while it is non-zero (and ZF = 1
/// / ZF = 0); jrcxz/jecxz branch when RCX/ECX is 0. A branch to a non-canonical target is #GP(0) with RCX unchanged.
/// xlat: AL = [seg:RBX + AL] (EBX + AL wrapped to 32 bits with 0x67).</para>
/// </remarks>
public sealed partial class Cpu
{
    private bool Enter(ref Insn i)
    {
        int s = i.Size;
        int level = (int)(i.Imm >> 16) & 31;
        ulong frameSize = i.Imm & 0xFFFF;
        ulong rbp = Gpr((int)Reg.Rbp), sp = Gpr((int)Reg.Rsp) - (ulong)s;
        // Every access (the pushes, the outer frame pointers through RBP) is a stack reference, at the stack width.
        if (!Store(StackAt(sp), s, rbp)) return false;
        ulong frame = sp & stackMask;
        if (level > 0)
        {
            for (int k = 1; k < level; k++)
            {
                rbp -= (ulong)s;
                if (!Load(StackAt(rbp), s, out ulong v)) return false;
                sp -= (ulong)s;
                if (!Store(StackAt(sp), s, v)) return false;
            }
            sp -= (ulong)s;
            if (!Store(StackAt(sp), s, frame)) return false;
        }
        // SDM: "#PF if ... a write using the final value of the stack pointer would cause a page fault": the pushes
        // are done (their bytes stay), then the final RSP is probed (CR2 = it), registers unchanged on a fault.
        // Seen on the AMD host by `l4conf cpu diff` (#PF W at the final RSP, the pushed words written).
        if (!LoadForWrite(StackAt(sp - frameSize), s, out _)) return false;
        WriteReg((int)Reg.Rbp, 0, MaskOf(s), frame); // the 0x66 form sets BP only (AMD host, `l4conf cpu diff`)
        SetSp(sp - frameSize);
        return true;
    }

    /// <summary>leave: the stack pointer (at the stack width) takes the frame pointer, then the frame pointer is popped.</summary>
    private bool Leave(int size)
    {
        ulong rbp = Gpr((int)Reg.Rbp);
        // The pop through RBP is a stack reference: non-canonical RBP is #SS(0).
        if (!Load(StackAt(rbp), size, out ulong v)) return false;
        SetSp(rbp + (ulong)size);
        WriteReg((int)Reg.Rbp, 0, MaskOf(size), v);
        return true;
    }

    /// <summary>loop/loope/loopne/jrcxz: false (#GP(0), nothing changed) for a taken branch to a non-canonical target.</summary>
    private bool Loop(ref Insn i, ref ulong next)
    {
        if (LoopTaken(ref i, out ulong count))
        {
            if (!Mmu.IsCanonical(i.Imm) || i.Imm > csLimit) return false;
            next = i.Imm;
        }
        if (i.Aux != 3) WriteReg((int)Reg.Rcx, 0, i.AMask, count);
        return true;
    }

    /// <summary>Is the loop/jrcxz branch taken? <paramref name="count"/> is RCX after the decrement (loops).</summary>
    private bool LoopTaken(ref Insn i, out ulong count)
    {
        ulong c = Gpr((int)Reg.Rcx) & i.AMask;
        if (i.Aux == 3) { count = c; return c == 0; } // jrcxz/jecxz: no decrement
        count = (c - 1) & i.AMask;
        if (count == 0) return false;
        return i.Aux switch { 1 => Cond(4), 2 => Cond(5), _ => true }; // loope: ZF = 1; loopne: ZF = 0
    }

    private bool Xlat(ref Insn i, out ulong v)
    {
        ssRef = i.Seg == SsSlot; // [RBX+AL]: never a stack reference in practice, but as Ea decides
        lastSeg = i.Seg;
        return Load(((Gpr(i.Base) + (Gpr((int)Reg.Rax) & 0xFF)) & i.AMask) + Gpr(i.Seg), 1, out v);
    }
}
