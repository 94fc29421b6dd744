namespace L4Conf.Model.Machine;

/// <summary>
/// lods, scas and cmps {b,w,d,q}, with or without rep/repe/repne (Intel SDM Vol. 2A/2B "LODS", "SCAS", "CMPS",
/// "REP/REPE/REPZ/REPNE/REPNZ") with a 64-bit address size, like movs/stos (32 and 16: CpuStringNarrow.cs). Respects DF.
/// </summary>
/// <remarks>
/// <para>lods loads rAX from [seg:RSI] (a segment override applies; a 32-bit load zero-extends RAX); scas compares
/// rAX with [ES:RDI] (no override possible); cmps compares [seg:RSI] with [ES:RDI]. Their flags are those of
/// cmp rAX, [RDI] and cmp [RSI], [RDI].</para>
/// <para>With a prefix the instruction runs while RCX != 0, decrementing RCX after each iteration; scas and cmps
/// stop after an iteration whose ZF fails the prefix's condition (F3 repe: while equal; F2 repne: while not
/// equal); lods treats F2 like F3. RCX = 0 at the start does nothing and leaves the flags. Interruptible as
/// hardware: a fault in iteration k leaves RCX/RSI/RDI and the flags as after iteration k-1, RIP at the
/// instruction, so re-executing it resumes. Element by element through the bus; one retired instruction.</para>
/// </remarks>
public sealed partial class Cpu
{
    private bool Lods(ref Insn i)
    {
        int e = i.Size;
        ulong m = MaskOf(e), seg = Gpr(i.Seg);
        ref ulong rcx = ref Gpr((int)Reg.Rcx);
        ref ulong rsi = ref Gpr((int)Reg.Rsi);
        ulong step = (rflags & DF) != 0 ? (ulong)-(long)e : (ulong)e;
        bool rep = i.Aux != 0;
        ssRef = false; // RSI/RDI are never SS references: #GP(0), as movs/stos
        if (rep && rcx == 0) return true;
        do
        {
            if (!Load(seg + rsi, e, out ulong v)) return false;
            WriteReg((int)Reg.Rax, 0, m, v);
            rsi += step;
            if (rep) rcx--;
        }
        while (rep && rcx != 0);
        return true;
    }

    /// <summary>scas (<paramref name="cmps"/> false) or cmps: one comparison per iteration, repe/repne termination.</summary>
    private bool StringCompare(ref Insn i, bool cmps)
    {
        int e = i.Size;
        ulong m = MaskOf(e), seg = Gpr(i.Seg);
        ref ulong rcx = ref Gpr((int)Reg.Rcx);
        ref ulong rsi = ref Gpr((int)Reg.Rsi);
        ref ulong rdi = ref Gpr((int)Reg.Rdi);
        ulong step = (rflags & DF) != 0 ? (ulong)-(long)e : (ulong)e;
        bool rep = i.Aux != 0, whileEqual = i.Aux == 1;
        ssRef = false;
        if (rep && rcx == 0) return true;
        while (true)
        {
            ulong a;
            if (cmps) { if (!Load(seg + rsi, e, out a)) return false; }
            else a = Gpr((int)Reg.Rax);
            if (!Load(rdi, e, out ulong b)) return false;
            a &= m; b &= m;
            CmpOp.Apply(this, a, b, m);
            rdi += step;
            if (cmps) rsi += step;
            if (!rep) return true;
            rcx--;
            if (rcx == 0 || (a == b) != whileEqual) return true;
        }
    }
}
