namespace L4Conf.Model.Machine;

/// <summary>
/// The segment instructions CPL 3 can execute: mov to and from a segment register, push/pop fs/gs,
/// lfs/lgs/lss, far jmp/call through memory, far ret, iret, and lar/lsl/verr/verw. Each checks the descriptor its
/// selector names in <see cref="CpuState.Gdt"/> as the SDM's pseudo-code for the instruction does (Vol. 2), and
/// raises #GP, #NP or #SS with the selector as the error code (index and TI; EXT and IDT clear), or #GP(0).
/// </summary>
/// <remarks>
/// <para>CPL is CS.RPL (3 for every user thread). In 64-bit mode the bases of CS, DS, ES and SS are ignored; loading
/// FS or GS with a selector loads the 32-bit base of its descriptor into the FS/GS base. A null selector in FS or
/// GS loads base 0, as QEMU's TCG (the captured CPU) and Intel CPUs do. Every load also keeps the descriptor as the
/// register's hidden part, which compatibility mode uses (CpuCompatMode.cs); a transfer into a code segment without L
/// enters that mode.</para>
/// <para>Not modelled: a call through a present call gate of DPL 3, which no table Fiasco builds can hold (its GDT
/// operation refuses present system descriptors); it stops with #UD and a message after every check has passed,
/// before anything changes.</para>
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>The x86 segment-register numbers (the ModRM reg field of mov Sreg).</summary>
    internal const int SegEs = 0, SegCs = 1, SegSs = 2, SegDs = 3, SegFs = 4, SegGs = 5;

    private const ulong IOPL = (ulong)RFlags.IOPL, IF = (ulong)RFlags.IF;

    /// <summary>The registers being run (selectors and the descriptor table live there, not in the register file).</summary>
    private CpuState st = null!;

    private int Cpl => st.Cs & 3;

    private ref ushort SegReg(int sreg)
    {
        switch (sreg)
        {
            case SegEs: return ref st.Es;
            case SegCs: return ref st.Cs;
            case SegSs: return ref st.Ss;
            case SegDs: return ref st.Ds;
            case SegFs: return ref st.Fs;
            default: return ref st.Gs;
        }
    }

    private bool SelectorFault(Vector v, ushort sel)
    {
        trap = new Trap(v, (ulong)(sel & 0xFFFC));
        return false;
    }

    private bool Gp0()
    {
        trap = new Trap(Vector.GeneralProtection, 0);
        return false;
    }

    /// <summary>How <see cref="StopReason.Detail"/> ends for what the model does not model (a #UD the real CPU would not raise).</summary>
    public const string NotModelledSuffix = ": not modelled";

    private bool NotModelled(string what, ulong at)
    {
        trap = new Trap(Vector.InvalidOpcode, 0);
        detail = $"{what} at 0x{at:x}{NotModelledSuffix}";
        return false;
    }

    /// <summary>The checks of a DS/ES/FS/GS load (mov, pop, lfs, lgs): a null selector is allowed.</summary>
    private bool CheckDataSegment(ushort sel, out SegmentDescriptor d)
    {
        if (DataSegmentFault(st.Gdt, sel, Cpl, out d) is not Vector v) return true;
        return SelectorFault(v, sel);
    }

    /// <summary>The fault (#GP or #NP, with the selector) a DS/ES/FS/GS load of <paramref name="sel"/> raises at <paramref name="cpl"/>, or null.</summary>
    private static Vector? DataSegmentFault(DescriptorTable gdt, ushort sel, int cpl, out SegmentDescriptor d)
    {
        d = default;
        if ((sel & 0xFFFC) == 0) return null;
        if (!gdt.TryRead(sel, out d) || !d.Readable
            || ((d.IsData || !d.Conforming) && ((sel & 3) > d.Dpl || cpl > d.Dpl)))
            return Vector.GeneralProtection;
        return d.Present ? null : Vector.SegmentNotPresent;
    }

    /// <summary>
    /// The data segment registers as Fiasco installs a thread's saved ones when it switches to it (context-ia32-64.cpp
    /// switch_cpu, fill_user_state): each selector is loaded, one that faults is replaced by 0 (FIASCO_IA32_LOAD_SEG's
    /// fixup, cpu-ia32.cpp:15-23); FS and GS with a selector take their descriptor's base (0 for one that faulted, as
    /// loading the null selector gives on QEMU's TCG), with selector 0 the saved base.
    /// </summary>
    public static void InstallDataSegments(CpuState s)
    {
        int cpl = s.Cs & 3;
        Install(ref s.Ds);
        Install(ref s.Es);
        if (s.Fs != 0) s.FsBase = Install(ref s.Fs);                      // selector 0: the saved base stays
        if (s.Gs != 0) s.GsBase = Install(ref s.Gs);

        // Loads one selector (0 when the load faults); returns the base it brings (0 for a null selector).
        ulong Install(ref ushort sel)
        {
            if (DataSegmentFault(s.Gdt, sel, cpl, out var d) is not null) { sel = 0; return 0; }
            s.Gdt.MarkAccessed(sel);
            return d.Base;
        }
    }

    /// <summary>The checks of an SS load at privilege <paramref name="cpl"/> (mov, lss, iret): never null at CPL 3.</summary>
    private bool CheckStackSegment(ushort sel, int cpl, out SegmentDescriptor d)
    {
        d = default;
        if ((sel & 0xFFFC) == 0) return Gp0();
        if (!st.Gdt.TryRead(sel, out d) || (sel & 3) != cpl || !d.Writable || d.Dpl != cpl)
            return SelectorFault(Vector.GeneralProtection, sel);
        return d.Present || SelectorFault(Vector.StackSegment, sel);
    }

    /// <summary>Loads a checked selector: FS and GS take the descriptor's base; the descriptor is marked accessed.</summary>
    private void LoadSegment(int sreg, ushort sel, SegmentDescriptor d)
    {
        SegReg(sreg) = sel;
        bool isNull = (sel & 0xFFFC) == 0;
        if (!isNull) st.Gdt.MarkAccessed(sel);
        if (sreg == SegFs) Gpr(FsSlot) = isNull ? 0 : d.Base;
        else if (sreg == SegGs) Gpr(GsSlot) = isNull ? 0 : d.Base;
        shadow[sreg] = isNull ? default : d;
        usable[sreg] = !isNull;
        if (compat) RefreshCompatSlots();
    }

    private bool CheckSegmentLoad(int sreg, ushort sel, out SegmentDescriptor d) =>
        sreg == SegSs ? CheckStackSegment(sel, Cpl, out d) : CheckDataSegment(sel, out d);

    /// <summary>mov Sreg, r/m16 and pop fs/gs: check, then load (CS is not a destination: it does not decode).</summary>
    private bool MoveToSegment(int sreg, ulong value)
    {
        ushort sel = (ushort)value;
        if (!CheckSegmentLoad(sreg, sel, out var d)) return false;
        LoadSegment(sreg, sel, d);
        return true;
    }

    private bool PopSegment(int sreg, int size)
    {
        if (!PeekStack(size, out ulong v)) return false;
        ulong sp = SpWith(Gpr((int)Reg.Rsp) + (ulong)size);                 // pop ss: at the old stack's width
        if (!MoveToSegment(sreg, v)) return false;
        Gpr((int)Reg.Rsp) = sp;
        return true;
    }

    /// <summary>lfs/lgs/lss r, m16:16/32 (Imm = offset size; REX.W reads m16:32 too): the offset, then the selector above it; the register is written last.</summary>
    private bool LoadSegmentAndOffset(ref Insn i)
    {
        if (!LoadFarPointer(Ea(ref i), (int)i.Imm, out ulong offset, out ushort sel)) return false;
        int sreg = i.Aux;
        if (!CheckSegmentLoad(sreg, sel, out var d)) return false;
        LoadSegment(sreg, sel, d);
        WriteDst(ref i, offset);
        return true;
    }

    /// <summary>A far pointer in memory: the offset of <paramref name="size"/> bytes, then the selector above it.</summary>
    private bool LoadFarPointer(ulong ea, int size, out ulong offset, out ushort sel)
    {
        sel = 0;
        if (!Load(ea, size, out offset) || !Load(ea + (ulong)size, 2, out ulong selWord)) return false;
        offset &= MaskOf(size);
        sel = (ushort)selWord;
        return true;
    }

    /// <summary>The words of <paramref name="size"/> bytes from RSP up (a far return or iret frame), without popping them.</summary>
    private bool PeekStackWords(Span<ulong> w, int size)
    {
        ulong sp = Gpr((int)Reg.Rsp);
        for (int k = 0; k < w.Length; k++)
        {
            if (!Load(StackAt(sp + (ulong)(k * size)), size, out w[k])) return false;
            w[k] &= MaskOf(size);
        }
        return true;
    }

    /// <summary>
    /// The code segment of a far jmp/call (SDM JMP/CALL, protected mode, IA-32e): null #GP(0); outside the table, not
    /// code, or the wrong privilege #GP(sel); L and D both set #GP(sel); not present #NP(sel).
    /// </summary>
    private bool CheckFarTarget(ushort sel, ulong at, out SegmentDescriptor d)
    {
        d = default;
        if ((sel & 0xFFFC) == 0) return Gp0();
        if (!st.Gdt.TryRead(sel, out d)) return SelectorFault(Vector.GeneralProtection, sel);
        if (!d.IsSegment)
        {
            // Task gates and TSSs are #GP(sel) in IA-32e mode; so is any other system type but a 64-bit call gate.
            if (d.Type != 0xC || d.Dpl < Cpl || d.Dpl < (sel & 3)) return SelectorFault(Vector.GeneralProtection, sel);
            if (!d.Present) return SelectorFault(Vector.SegmentNotPresent, sel);
            return NotModelled($"far transfer through call gate 0x{sel:x}", at);
        }
        if (!d.IsCode || (d.Conforming ? d.Dpl > Cpl : ((sel & 3) > Cpl || d.Dpl != Cpl)) || (d.Long && d.Default32))
            return SelectorFault(Vector.GeneralProtection, sel);
        return d.Present || SelectorFault(Vector.SegmentNotPresent, sel);
    }

    /// <summary>
    /// The new RIP in the checked code segment: a 64-bit segment needs a canonical one, a compatibility-mode segment one
    /// within its limit (#GP(0) otherwise).
    /// </summary>
    private bool CheckFarRip(SegmentDescriptor d, ulong rip)
    {
        if (d.Long) return Mmu.IsCanonical(rip) || Gp0();
        return rip <= d.Limit || Gp0();
    }

    /// <summary>CS takes the checked selector (RPL = CPL) and its descriptor; decoding and addressing follow its mode.</summary>
    private void LoadCode(ushort sel, SegmentDescriptor d, ulong at)
    {
        st.Gdt.MarkAccessed(sel);
        st.Cs = sel;
        shadow[SegCs] = d;
        usable[SegCs] = true;
        SetMode(at);                                                       // CheckFarRip took only segments it runs
    }

    /// <summary>jmp far m16:16/32/64 (Aux 0) and call far (Aux 1): the offset of the operand size, then the selector.</summary>
    private bool FarJumpOrCall(ref Insn i, ulong at, ulong next, out ulong target)
    {
        target = 0;
        if (!LoadFarPointer(Ea(ref i), i.Size, out ulong offset, out ushort sel)) return false;
        return FarTransfer(i.Aux == 1, i.Size, sel, offset, at, next, out target);
    }

    /// <summary>jmp/call far ptr16:16/32 (compatibility mode): the selector and offset are in the instruction.</summary>
    private bool FarJumpOrCallDirect(ref Insn i, ulong at, ulong next, out ulong target) =>
        FarTransfer(i.Aux == 1, i.Size, (ushort)i.Disp, i.Imm, at, next, out target);

    private bool FarTransfer(bool call, int size, ushort sel, ulong offset, ulong at, ulong next, out ulong target)
    {
        target = 0;
        if (!CheckFarTarget(sel, at, out var d) || !CheckFarRip(d, offset)) return false;
        if (call)
        {
            // Push CS (zero-extended to the operand size), then the return RIP; neither is written unless both can be.
            ulong sp = Gpr((int)Reg.Rsp), n = (ulong)size;
            if (!LoadForWrite(StackAt(sp - n), size, out _) || !LoadForWrite(StackAt(sp - 2 * n), size, out _)) return false;
            if (!Push(st.Cs, size) || !Push(next & MaskOf(size), size)) return false;
        }
        LoadCode((ushort)((sel & ~3) | Cpl), d, at);
        target = offset;
        return true;
    }

    /// <summary>
    /// ret far [imm16] (SDM RET, protected mode, same privilege; CPL 3 has no outer level): pops RIP and CS of the
    /// operand size (32 bits by default), checks the code segment, then releases imm16 more bytes.
    /// </summary>
    private bool FarReturn(ref Insn i, ulong at, out ulong target)
    {
        target = 0;
        Span<ulong> w = stackalloc ulong[2];
        if (!PeekStackWords(w, i.Size)) return false;
        ushort cs = (ushort)w[1];
        if (!CheckReturnCode(cs, out var d) || !CheckFarRip(d, w[0])) return false;
        ulong sp = Gpr((int)Reg.Rsp);
        SetSp(sp + 2 * (ulong)i.Size + i.Imm);                             // at the width of the stack it popped
        LoadCode(cs, d, at);
        target = w[0];
        return true;
    }

    /// <summary>
    /// The code segment a far ret or iret returns to: null #GP(0); outside the table, not code, RPL below CPL, or the
    /// DPL not matching RPL (above it, if conforming) #GP(sel); L and D both set #GP(sel); not present #NP(sel).
    /// </summary>
    private bool CheckReturnCode(ushort sel, out SegmentDescriptor d)
    {
        d = default;
        if ((sel & 0xFFFC) == 0) return Gp0();
        int rpl = sel & 3;
        if (!st.Gdt.TryRead(sel, out d) || !d.IsCode || rpl < Cpl
            || (d.Conforming ? d.Dpl > rpl : d.Dpl != rpl) || (d.Long && d.Default32))
            return SelectorFault(Vector.GeneralProtection, sel);
        return d.Present || SelectorFault(Vector.SegmentNotPresent, sel);
    }

    /// <summary>
    /// iret/iretd/iretq (SDM IRET, IA-32e mode): NT set is #GP(0); pops RIP, CS, RFLAGS, RSP and SS of the operand
    /// size, RIP, CS and RFLAGS only when it began in compatibility mode (a same-privilege return: CPL 3 has no outer
    /// level); checks CS, then SS for CS.RPL, then RIP; then loads them. At CPL 3 with IOPL below 3 the new RFLAGS takes
    /// CF, PF, AF, ZF, SF, TF, DF, OF, NT (and AC, ID with a 32/64-bit operand size); IF, IOPL, VIF, VIP, VM keep their
    /// values. RF is not modelled (no instruction breakpoints): it stays clear.
    /// </summary>
    private bool InterruptReturn(ref Insn i, ulong at, out ulong target)
    {
        target = 0;
        if ((Flags & NT) != 0) return Gp0();
        Span<ulong> w = stackalloc ulong[5];
        bool outer = !compat;
        if (!PeekStackWords(outer ? w : w[..3], i.Size)) return false;
        ushort cs = (ushort)w[1], ss = (ushort)w[4];
        SegmentDescriptor sd = default;
        if (!CheckReturnCode(cs, out var d) || (outer && !CheckStackSegment(ss, cs & 3, out sd))) return false;
        if (!CheckFarRip(d, w[0])) return false;
        ulong writable = ArithFlags | TF | (ulong)RFlags.DF | NT;
        if (i.Size >= 4) writable |= AC | ID;
        if (Cpl <= (int)((Flags & IOPL) >> 12)) writable |= IF;
        writable &= MaskOf(i.Size);
        rflags = (Flags & ~writable) | (w[2] & writable);
        if (outer)
        {
            LoadSegment(SegSs, ss, sd);
            Gpr((int)Reg.Rsp) = w[3];
        }
        else SetSp(Gpr((int)Reg.Rsp) + 3 * (ulong)i.Size);
        LoadCode(cs, d, at);
        target = w[0];
        return true;
    }

    /// <summary>
    /// lar (Aux 0) / lsl (Aux 1): ZF set and the access rights (second dword AND 0x00F0FF00) or the byte-granular
    /// limit written when the descriptor is valid for the instruction and visible at max(CPL, RPL); else ZF clear
    /// and the destination unchanged. System types in 64-bit mode: LDT and 64-bit TSS (and the 64-bit call gate for lar).
    /// </summary>
    private void LoadAccessOrLimit(ref Insn i, ulong value)
    {
        ushort sel = (ushort)value;
        bool lsl = i.Aux == 1;
        bool ok = Visible(sel, out var d) && (d.IsSegment || d.Type is 2 or 9 or 0xB || (!lsl && d.Type == 0xC));
        rflags = (Flags & ~ZF) | (ok ? ZF : 0);
        if (ok) WriteDst(ref i, lsl ? d.Limit : d.AccessRights);
    }

    /// <summary>verr (Aux 0) / verw (Aux 1): ZF set when the segment is readable / writable at max(CPL, RPL).</summary>
    private void VerifySegment(ref Insn i, ulong value)
    {
        ushort sel = (ushort)value;
        bool ok = Visible(sel, out var d) && d.IsSegment && (i.Aux == 0 ? d.Readable : d.Writable);
        rflags = (Flags & ~ZF) | (ok ? ZF : 0);
    }

    /// <summary>A non-null selector within the table whose descriptor CPL and RPL may see (conforming code: any).</summary>
    private bool Visible(ushort sel, out SegmentDescriptor d)
    {
        d = default;
        if ((sel & 0xFFFC) == 0 || !st.Gdt.TryRead(sel, out d)) return false;
        return d.Conforming || (d.Dpl >= Cpl && d.Dpl >= (sel & 3));
    }
}
