namespace L4Conf.Model.Machine;

/// <summary>
/// Compatibility-mode instructions (Intel SDM Vol. 2): near call, jmp and ret with a 32- or 16-bit operand size
/// (EIP or IP, pushed on the ESP or SP stack), pusha/popa, the decimal adjustments, bound, into, arpl and salc.
/// </summary>
/// <remarks>
/// <para>Branch targets are masked to the operand size; one past CS's limit is #GP(0) at the branch. pusha pushes EAX,
/// ECX, EDX, EBX, the original ESP, EBP, ESI, EDI in that order and moves ESP only when all eight are written; popa reads all eight before it writes EDI, ESI, EBP, EBX, EDX, ECX, EAX
/// (the ESP word is skipped). A 32-bit register write zero-extends into the upper half, as 64-bit mode does; the SDM
/// leaves the upper halves undefined outside 64-bit mode, QEMU's TCG zero-extends.</para>
/// <para>daa, das, aaa, aas, aam, aad as the SDM's pseudo-code; where it leaves flags undefined the model sets them as
/// QEMU's TCG does (int_helper.c): daa/das clear OF; aaa/aas keep OF, SF, ZF, PF; aam/aad set SF, ZF, PF from AL and
/// clear OF, AF, CF. aam 0 is #DE. bound compares signed and raises #BR (vector 5) at the instruction. into with OF
/// set is #GP(0x22): Fiasco's gate for vector 4 has DPL 0 (entry.S:78 EXCEPTION, not EXCEP_USR). arpl sets ZF and
/// raises the destination's RPL to the source's when it is lower (a memory operand is read, then written only when
/// it changes); salc sets AL to 0xFF with CF, else 0.</para>
/// </remarks>
public sealed partial class Cpu
{
    private bool Compat(ref Insn i, ulong at, ref ulong next)
    {
        ulong v;
        switch (i.Op)
        {
            case Op.NearCall:
                // As in 64-bit mode, the push is checked before the target (a #PF on the stack wins over the limit's #GP).
                if (!NearTarget(ref i, out v)) return false;
                if (v > csLimit)
                {
                    if (CanPush(i.Size)) BranchFault(at);
                    return false;
                }
                if (!Push(next & MaskOf(i.Size), i.Size)) return false;
                next = v;
                return true;
            case Op.NearJmp:
                if (!NearTarget(ref i, out v) || !WithinCode(v, at)) return false;
                next = v;
                return true;
            case Op.NearRet:
                if (!PeekStack(i.Size, out v) || !WithinCode(v, at)) return false;
                SetSp(Gpr((int)Reg.Rsp) + i.Size + i.Imm);
                next = v;
                return true;
            case Op.Pusha: return PushAll(i.Size);
            case Op.Popa: return PopAll(i.Size);
            case Op.Bcd: return DecimalAdjust(ref i, at);
            case Op.Bound: return Bound(ref i, at);
            case Op.Into:
                if ((Flags & OF) == 0) return true;
                trap = new Trap(Vector.GeneralProtection, 4 * 8 + 2);          // IDT vector 4, IDT bit: the gate has DPL 0
                detail = $"into at 0x{at:x}: gate has DPL 0";
                return false;
            case Op.ArplR:
                WriteDst(ref i, AdjustRpl(Gpr(i.D), Gpr(i.S) >> i.SSh, out bool lower));
                SetZf(lower);
                return true;
            case Op.ArplM:
            {
                ulong ea = Ea(ref i);
                if (!Load(ea, 2, out v)) return false;                          // read, then written: not with write intent (AMD host)
                ulong r = AdjustRpl(v, Gpr(i.S) >> i.SSh, out bool raised);
                if (raised && !Store(ea, 2, r)) return false;                  // ZF only once the store is done
                SetZf(raised);
                return true;
            }
            case Op.Salc:
                WriteReg((int)Reg.Rax, 0, 0xFF, (Flags & CF) != 0 ? 0xFFUL : 0);
                return true;
        }
        throw new InvalidOperationException($"no compatibility-mode handler for {i.Op}");
    }

    /// <summary>A near branch target past CS's limit is #GP(0) at the branch (a call's push is checked first).</summary>
    private bool WithinCode(ulong target, ulong at)
    {
        if (target <= csLimit) return true;
        BranchFault(at);
        return false;
    }

    /// <summary>#GP(0) for an instruction that lies, or runs, past CS's limit.</summary>
    private void CodeLimitFault(ulong at)
    {
        trap = new Trap(Vector.GeneralProtection, 0);
        detail = $"instruction at 0x{at:x} past the CS limit 0x{csLimit:x}";
    }

    /// <summary>The target of call/jmp r/m (Aux 1 register, 2 memory) or call rel (Aux 0), masked to the operand size.</summary>
    private bool NearTarget(ref Insn i, out ulong target)
    {
        switch (i.Aux)
        {
            case 0: target = i.Imm; return true;
            case 1: target = Gpr(i.D) & i.Mask; return true;
            default:
                if (!Load(Ea(ref i), i.Size, out target)) return false;
                target &= i.Mask;
                return true;
        }
    }

    private bool PushAll(int size)
    {
        ulong sp = Gpr((int)Reg.Rsp), n = (ulong)size, m = MaskOf(size);
        for (int k = 0; k < 8; k++)                                            // ESP moves only at the end: its slot gets the old one
            if (!Store(StackAt(sp - (ulong)(k + 1) * n), size, Gpr(k) & m)) return false;
        SetSp(sp - 8 * n);
        return true;
    }

    private bool PopAll(int size)
    {
        Span<ulong> w = stackalloc ulong[8];
        if (!PeekStackWords(w, size)) return false;                           // EDI at the top, EAX at the bottom
        for (int k = 0; k < 8; k++)
            if (k != (int)Reg.Rsp) WriteReg(k, 0, MaskOf(size), w[7 - k]);
        SetSp(Gpr((int)Reg.Rsp) + 8 * (ulong)size);
        return true;
    }

    private bool DecimalAdjust(ref Insn i, ulong at)
    {
        ulong f = Flags, ax = Gpr((int)Reg.Rax) & 0xFFFF;
        ulong al = ax & 0xFF, ah = ax >> 8;
        bool cf = (f & CF) != 0, af = (f & AF) != 0;
        switch ((BcdKind)i.Aux)
        {
            case BcdKind.Daa:
            case BcdKind.Das:
            {
                bool add = (BcdKind)i.Aux == BcdKind.Daa;
                ulong old = al, nf = 0;
                if ((al & 0xF) > 9 || af)
                {
                    if (!add && (al < 6 || cf)) nf |= CF;                       // das: the borrow of AL - 6
                    al = (add ? al + 6 : al - 6) & 0xFF;
                    nf |= AF;
                }
                if (old > 0x99 || cf)
                {
                    al = (add ? al + 0x60 : al - 0x60) & 0xFF;
                    nf |= CF;
                }
                SetArith(nf | PZS(al, 0xFF));                                  // OF cleared
                break;
            }
            case BcdKind.Aaa:
            case BcdKind.Aas:
            {
                bool adjust = (al & 0xF) > 9 || af;
                if (adjust)
                {
                    ax = (BcdKind)i.Aux == BcdKind.Aaa ? ax + 0x106 : ax - 6 - 0x100;
                    al = ax & 0xF;
                    ah = (ax >> 8) & 0xFF;
                }
                else al &= 0xF;
                rflags = (f & ~(CF | AF)) | (adjust ? CF | AF : 0);              // OF, SF, ZF, PF kept
                break;
            }
            case BcdKind.Aam:
                if (i.Imm == 0)
                {
                    trap = new Trap(Vector.DivideError, 0);
                    detail = $"aam 0 at 0x{at:x}";
                    return false;
                }
                ah = al / i.Imm;
                al %= i.Imm;
                SetArith(PZS(al, 0xFF));
                break;
            default: // aad
                al = (al + ah * i.Imm) & 0xFF;
                ah = 0;
                SetArith(PZS(al, 0xFF));
                break;
        }
        WriteReg((int)Reg.Rax, 0, 0xFFFF, al | (ah << 8));
        return true;
    }

    /// <summary>bound r, m: the register, signed, must lie within the two signed bounds at the operand.</summary>
    private bool Bound(ref Insn i, ulong at)
    {
        ulong ea = Ea(ref i);
        int s = i.Size;
        if (!Load(ea, s, out ulong lo) || !Load(ea + (ulong)s, s, out ulong hi)) return false;
        long x = Signed(Gpr(i.D) >> i.DSh, s), l = Signed(lo, s), h = Signed(hi, s);
        if (x >= l && x <= h) return true;
        trap = new Trap(Vector.BoundRange, 0);
        detail = $"bound at 0x{at:x}: {x} outside [{l}, {h}]";
        return false;

        static long Signed(ulong v, int size) => size == 2 ? (short)v : (int)v;
    }

    /// <summary>arpl: the 16-bit destination with its RPL raised to the source's when it is lower (<paramref name="raised"/>: ZF).</summary>
    private static ulong AdjustRpl(ulong dst, ulong src, out bool raised)
    {
        raised = (dst & 3) < (src & 3);
        return (raised ? (dst & ~3UL) | (src & 3) : dst) & 0xFFFF;
    }

    private void SetZf(bool set) => rflags = (Flags & ~ZF) | (set ? ZF : 0);
}
