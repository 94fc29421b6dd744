using System.Runtime.CompilerServices;

namespace L4Conf.Model.Machine;

/// <summary>
/// The user-mode (CPL 3) x86-64 CPU: executes real machine code, decoded with Iced, from <see cref="CpuState.Rip"/>
/// until <c>syscall</c>, a trap, or the instruction budget runs out (Intel SDM semantics).
/// </summary>
/// <remarks>
/// <para>Instruction set (see <see cref="InstructionSet.Supported"/> and the README's table): the x86-64
/// general-purpose integer instructions user code runs. Data movement: mov (incl. moffs and imm64), movzx, movsx,
/// movsxd, lea, xchg, cbw/cwde/cdqe/cwd/cdq/cqo, bswap, xlat. Arithmetic and logic: add, sub, adc, sbb, and, or,
/// xor, not, neg, inc, dec, cmp, test, imul (1/2/3 operands), mul, div, idiv, xadd, cmpxchg, cmpxchg8b, cmpxchg16b
/// (#GP(0) unless 16-byte aligned), with a lock prefix accepted on the lockable memory forms. Shifts and bits:
/// shl/sal, shr, sar, rol, ror, rcl, rcr (by 1, imm8, cl), shld, shrd, bt/bts/btr/btc, bsf/bsr (tzcnt/lzcnt run
/// as bsf/bsr: the captured CPUID has no BMI1/ABM). Stack and control: push/pop (reg, imm, mem), pushf/popf (CPL 3
/// with IOPL 0: IF and IOPL kept, RF cleared), enter/leave, near call/ret (incl. ret imm16), jmp (rel, reg, mem),
/// all 16 jcc, loop/loope/loopne/jrcxz/jecxz, setcc, cmovcc. Strings: [rep] movs, stos, lods and [repe|repne]
/// scas, cmps in all four sizes (DF respected, interruptible on faults; ESI/EDI/ECX with 0x67, CpuStringNarrow.cs). Flags:
/// lahf/sahf, cld/std/clc/stc/cmc. System: cpuid (the captured leaves, <see cref="CapturedCpuid"/>), rdtsc (a
/// logical clock: <see cref="TimeStampCounter"/> counts retired instructions; #GP(0) with
/// <see cref="TimeStampDisable"/>), sgdt/sidt/sldt/str/smsw (no UMIP: Fiasco's values,
/// <see cref="SystemRegisters"/>), nop (all forms), pause/endbr64/endbr32 (as nop), int3, int1, int n,
/// ud0/ud1/ud2, hlt, syscall. SSE/SSE2 (CpuSse.cs, XMM0-15 in <see cref="CpuState.Xmm"/>): movd, movq, movdqa,
/// movdqu, movaps, movups, movapd, movupd, pxor, pcmpeqb, pmovmskb, por, pand, pandn, pminub, punpcklbw/wd/dq/qdq,
/// pshufd (#GP(0) for a misaligned 16-byte operand where
/// legacy SSE requires alignment). SSE/SSE2 floating point (CpuSseFloat.cs, exact arithmetic in SseRounding.cs, MXCSR in
/// <see cref="CpuState.Mxcsr"/>): add/sub/mul/div/min/max/sqrt ss/sd/ps/pd, cmpss/sd/ps/pd, (u)comiss/sd, cvtsi2ss/sd,
/// cvt(t)ss2si, cvt(t)sd2si, cvtss2sd, cvtsd2ss, cvtps2pd, cvtpd2ps, cvtdq2ps/pd, cvt(t)ps2dq, cvt(t)pd2dq, and/andn/or/xor
/// ps/pd, movss, movsd (xmm), movh/movl ps/pd, movhlps, movlhps, movmskps/pd, shufps/pd, unpckl/h ps/pd, ldmxcsr, stmxcsr;
/// an unmasked exception is #XM (MACH-XM-1). SSE2 integer on XMM (CpuSseInteger.cs): padd/psub b/w/d/q, saturating
/// padds/paddus/psubs/psubus, pmullw, pmulhw, pmulhuw, pmuludq, pmaddwd, pavgb/w, pmaxsw, pmaxub, pminsw, psadbw,
/// pcmpeqw/d, pcmpgtb/w/d, the shifts psll/psrl w/d/q, psraw/d, pslldq/psrldq, packsswb/packssdw/packuswb, punpckh*,
/// pshuflw/pshufhw, pextrw, pinsrw; movnti/movntdq/movntps/movntpd (plain stores), lfence/mfence/sfence (no-ops).
/// MMX (CpuMmx.cs, MM0-7 are the significands of the x87 physical registers R0-R7): movd, movq, the integer
/// arithmetic, logic, compares, shifts, packs and unpacks on mm, pmaddwd, pmulhw, pmullw, emms; the SSE additions
/// pavgb/w, pextrw, pinsrw, pmaxsw, pmaxub, pminsw, pminub, pmovmskb, pmulhuw, psadbw, pshufw, maskmovq, movntq; the
/// SSE2 paddq, psubq, pmuludq on mm, movq2dq, movdq2q; cvtpi2ps, cvtps2pi, cvttps2pi, cvtpi2pd, cvtpd2pi, cvttpd2pi.
/// Every one but cvtpi2ps/cvtpi2pd with a memory source raises #MF with an x87 exception pending, sets TOP = 0 and
/// all tags valid; emms empties them.
/// x87 (CpuX87.cs, X87State in <see cref="CpuState.X87"/>, arithmetic in
/// <see cref="X87Math"/>): fld, fild, fst, fstp, fist, fistp, fisttp, fld1, fldz, fldpi, fldl2e, fldl2t, fldlg2, fldln2,
/// fbld, fbstp, fxch, fcmovcc, fadd/fsub/fsubr/fmul/fdiv/fdivr with their p and fi forms, fchs, fabs, fsqrt, frndint,
/// fscale, fprem, fprem1, fxtract, fcom,
/// fcomp, fcompp, fucom, fucomp, fucompp, ficom, ficomp, ftst, fxam, fcomi, fcomip, fucomi, fucomip, fnstsw, fnstcw,
/// fldcw, fninit, fnclex, fwait, ffree, ffreep, fincstp, fdecstp, fnop, fnstenv, fldenv, fnsave, frstor (the 32- and
/// 16-bit images), fxsave, fxrstor (and the 64 forms), the transcendentals fsin, fcos, fsincos, fptan, f2xm1, fpatan,
/// fyl2x, fyl2xp1 (CpuX87Transcendental.cs); an unmasked x87 exception is #MF at the next waiting x87 instruction
/// (MACH-MF-1).
/// All operand sizes with the x86-64 rules (32-bit register writes zero-extend,
/// 8/16-bit writes merge, AH..BH without REX), base+index*scale+disp, RIP-relative, 0x67 32-bit addressing, FS/GS
/// overrides using FsBase/GsBase.</para>
/// <para>Stops: a fault (#DE, #UD, #GP, #PF) leaves the instruction without effect and RIP at it (rep string
/// instructions keep their completed iterations, as hardware). int3/int 3 is a #BP trap with RIP after it;
/// int n (n != 3) is #GP(n*8+2) at the instruction (the kernel's other gates have DPL 0); ud2 and everything
/// outside the subset (incl. invalid encodings, a lock prefix on anything but a lockable memory form, and
/// <see cref="InstructionSet.AbsentOnCapturedCpu"/>) are #UD with <see cref="StopReason.Detail"/> naming the
/// instruction; the privileged instructions in <see cref="InstructionSet.Privileged"/> are #GP(0). syscall stops
/// with RCX = the next RIP, R11 = RFLAGS and RIP = the next instruction. Page faults and non-canonical data
/// accesses come from the bus unchanged (#GP(0)), except that a non-canonical stack reference (push/pop/call/ret,
/// enter/leave, an operand based on RSP or RBP without an FS/GS override; CS/DS/ES/SS overrides are ignored) is
/// #SS(0) (CpuMemory.cs); near branches to a non-canonical target are #GP(0) at the branch. A read-modify-write
/// operand (ALU ops, shifts, rotates, xchg, bts/btr/btc, shld/shrd, xadd, cmpxchg, cmpxchg8b/16b) is accessed with
/// write intent from its first access.</para>
/// <para>Flags: CF/PF/AF/ZF/SF/OF exact per the SDM where defined. Where the SDM leaves a flag undefined the
/// model chooses (UNCONFIRMED: real CPUs differ between vendors and generations): logic ops clear AF; shifts and
/// rotates as in <c>CpuShift.cs</c> and <c>CpuShiftDouble.cs</c>; bit tests and scans as in <c>CpuBits.cs</c>;
/// mul/imul set SF/ZF/PF from the low half of the result and clear AF; div/idiv leave all six flags unchanged.</para>
/// <para>Compatibility mode (CpuCompatMode.cs, CpuCompat.cs, MACH-COMPAT-1): a code segment without L runs 32-bit code,
/// decoded and cached apart, with an ESP stack, EIP, and every data access checked against its segment's base, limit and
/// type (<see cref="SegmentedBus"/>); the IA-32-only instructions (pusha/popa, daa/das/aaa/aas/aam/aad, bound, into,
/// arpl, salc, les/lds, push/pop es/cs/ss/ds, far ptr16:32) run there. The block compiler takes 64-bit code only.</para>
/// <para>Not modelled: single-stepping (RFLAGS.TF raises no #DB), an I/O permission
/// bitmap (in/out always #GP(0)), the 15-byte instruction-length limit (#GP), 57-bit linear addresses
/// (canonical = 48 bits). There is no #AC: Fiasco never sets CR0.AM, so RFLAGS.AC has no effect (MACH-AC-1).</para>
/// <para>Speed: each 4 KiB code page is decoded once into compact <see cref="Insn"/> records (cache keyed by
/// bus and page VA, validated with <see cref="IMemoryBus.CodeVersion"/> when execution enters the page in a new
/// run or after any store, so self-modifying code is seen by the very next instruction); the loop switches on a
/// per-instruction handler id; flags are lazy. A rep string instruction retires as one instruction. Not
/// thread-safe: one Cpu per host thread; it may serve any number of buses (address spaces).</para>
/// </remarks>
public sealed partial class Cpu
{
    private const ulong PageMask = CodePage.Size - 1;

    private ulong rip;
    private string? detail;

    /// <summary>
    /// Execute user code from <c>s.Rip</c> until <c>syscall</c>, a trap, or <paramref name="budget"/> retired
    /// instructions. <paramref name="s"/> is updated in place (registers, RIP, RFLAGS).
    /// </summary>
    public StopReason Run(CpuState s, IMemoryBus mem, long budget)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(mem);
        Enter(s, mem);
        long retired = 0;
        LoadShadows();
        StopKind kind = SetMode(rip) ? Interpret(budget, ref retired) : StopKind.Trap;
        TimeStampCounter += (ulong)retired;
        Leave(s);
        return kind == StopKind.Trap ? new StopReason(kind, trap, retired, detail) : new StopReason(kind, default, retired);
    }

    private void Enter(CpuState s, IMemoryBus bus)
    {
        st = s;
        Array.Copy(s.R, regs, 16);
        regs[ZeroSlot] = 0;
        regs[FsSlot] = s.FsBase;
        regs[GsSlot] = s.GsBase;
        xmm = s.Xmm; // used in place: SSE handlers write only after every access succeeded
        mxcsr = s.Mxcsr;
        x87 = s.X87; // used in place: an x87 handler that faults restores it (CpuX87.cs)
        rip = s.Rip;
        rflags = s.Rflags;
        flOp = FlagOp.None;
        mem = flatBus = bus;
        pagedBus = bus as PagedMemoryBus;
        wrote = false;
        detail = null;
        trap = default;
        SelectCache(bus);
    }

    private void Leave(CpuState s)
    {
        Array.Copy(regs, s.R, 16);
        s.FsBase = regs[FsSlot];
        s.GsBase = regs[GsSlot];
        s.Rip = rip;
        s.Rflags = Flags;
        s.Mxcsr = mxcsr;
        mem = flatBus = null!;
        st = null!;
    }

    /// <summary>The interpreter loop: find the decoded instruction at RIP, run its handler, retire it.</summary>
    private StopKind Interpret(long budget, ref long retired)
    {
        long n = 0;
        ulong rip = this.rip;
        ulong pva = 1; // no current page (never page-aligned)
        CodePage page = null!;
        ushort[] slots = [];
        Insn[] insns = [];
        StopKind stop;
        while (true)
        {
            if (n >= budget) { stop = StopKind.Budget; break; }
            if (rip > csLimit) { CodeLimitFault(rip); stop = StopKind.Trap; break; }   // compatibility mode: past CS's limit
            if ((rip & ~PageMask) != pva)
            {
                pva = rip & ~PageMask;
                CodePage? p = FetchPage(pva, rip);
                if (p is null) { stop = StopKind.Trap; break; }
                page = p; slots = p.Slot; insns = p.Insns;
            }
            int off = (int)(rip & PageMask);
            if (Engine == CpuEngine.Compiler && !compat)                          // blocks are 64-bit code only
            {
                Block? block = HotBlock(page, off);
                insns = page.Insns;                                                // compiling may have decoded more
                if (block is not null && budget - n >= block.Count)
                {
                    n += block.Fn!(this, regs, (int)Math.Min(budget - n, int.MaxValue));
                    rip = blockNext;
                    if (blockStatus == Block.Faulted) { stop = StopKind.Trap; break; }  // RIP at the faulting instruction
                    if (blockStatus == Block.Syscall) { stop = StopKind.Syscall; goto Done; }
                    if (blockStatus == Block.CodeChanged) pva = 1;                     // refetch the page before going on
                    continue;
                }
            }
            int idx = slots[off];
            if (idx == 0) { idx = page.DecodeAt(off); insns = page.Insns; }
            ref Insn i = ref straddle.Insn;
            if (idx != CodePage.Straddle) i = ref insns[idx];
            else if (!straddle.Decode(page, off, mem, out trap)) { stop = StopKind.Trap; break; }
            if (rip + i.Len - 1 > csLimit) { CodeLimitFault(rip); stop = StopKind.Trap; break; }
            ulong next = (rip + i.Len) & ipMask;
            ulong v;
            switch (i.Op)
            {
                case Op.Nop: break;
                case Op.Cld: rflags &= ~DF; break;
                case Op.Std: rflags |= DF; break;
                case Op.Clc: rflags = Flags & ~CF; break;
                case Op.Stc: rflags = Flags | CF; break;
                case Op.Cmc: rflags = Flags ^ CF; break;

                case Op.MovRR: WriteDst(ref i, Gpr(i.S) >> i.SSh); break;
                case Op.MovRI: WriteDst(ref i, i.Imm); break;
                case Op.MovRM: if (!Load(Ea(ref i), i.Size, out v)) goto Fault; WriteDst(ref i, v); break;
                case Op.MovMR: if (!Store(Ea(ref i), i.Size, Gpr(i.S) >> i.SSh)) goto Fault; break;
                case Op.MovMI: if (!Store(Ea(ref i), i.Size, i.Imm)) goto Fault; break;
                case Op.MovzxRR: WriteDst(ref i, (Gpr(i.S) >> i.SSh) & i.SMask); break;
                case Op.MovzxRM: if (!Load(Ea(ref i), i.Aux, out v)) goto Fault; WriteDst(ref i, v & i.SMask); break;
                case Op.MovsxRR: WriteDst(ref i, SignExtend((Gpr(i.S) >> i.SSh) & i.SMask, i.SMask)); break;
                case Op.MovsxRM: if (!Load(Ea(ref i), i.Aux, out v)) goto Fault; WriteDst(ref i, SignExtend(v & i.SMask, i.SMask)); break;
                case Op.Lea: WriteDst(ref i, (Gpr(i.Base) + (Gpr(i.Index) << i.Scale) + i.Disp) & i.AMask); break;
                case Op.XchgMR:
                {
                    ulong ea = Ea(ref i);
                    if (!LoadForWrite(ea, i.Size, out v) || !Store(ea, i.Size, Gpr(i.S) >> i.SSh)) goto Fault;
                    WriteReg(i.S, i.SSh, i.Mask, v);
                    break;
                }

                case Op.AddRR: AluRR<AddOp>(ref i); break;
                case Op.AddRI: AluRI<AddOp>(ref i); break;
                case Op.AddRM: if (!AluRM<AddOp>(ref i)) goto Fault; break;
                case Op.AddMR: if (!AluMR<AddOp>(ref i)) goto Fault; break;
                case Op.AddMI: if (!AluMI<AddOp>(ref i)) goto Fault; break;
                case Op.OrRR: AluRR<OrOp>(ref i); break;
                case Op.OrRI: AluRI<OrOp>(ref i); break;
                case Op.OrRM: if (!AluRM<OrOp>(ref i)) goto Fault; break;
                case Op.OrMR: if (!AluMR<OrOp>(ref i)) goto Fault; break;
                case Op.OrMI: if (!AluMI<OrOp>(ref i)) goto Fault; break;
                case Op.AdcRM: if (!AluRM<AdcOp>(ref i)) goto Fault; break;
                case Op.AdcMR: if (!AluMR<AdcOp>(ref i)) goto Fault; break;
                case Op.AdcMI: if (!AluMI<AdcOp>(ref i)) goto Fault; break;
                case Op.SbbRM: if (!AluRM<SbbOp>(ref i)) goto Fault; break;
                case Op.SbbMR: if (!AluMR<SbbOp>(ref i)) goto Fault; break;
                case Op.SbbMI: if (!AluMI<SbbOp>(ref i)) goto Fault; break;
                case Op.AndRR: AluRR<AndOp>(ref i); break;
                case Op.AndRI: AluRI<AndOp>(ref i); break;
                case Op.AndRM: if (!AluRM<AndOp>(ref i)) goto Fault; break;
                case Op.AndMR: if (!AluMR<AndOp>(ref i)) goto Fault; break;
                case Op.AndMI: if (!AluMI<AndOp>(ref i)) goto Fault; break;
                case Op.SubRR: AluRR<SubOp>(ref i); break;
                case Op.SubRI: AluRI<SubOp>(ref i); break;
                case Op.SubRM: if (!AluRM<SubOp>(ref i)) goto Fault; break;
                case Op.SubMR: if (!AluMR<SubOp>(ref i)) goto Fault; break;
                case Op.SubMI: if (!AluMI<SubOp>(ref i)) goto Fault; break;
                case Op.XorRR: AluRR<XorOp>(ref i); break;
                case Op.XorRI: AluRI<XorOp>(ref i); break;
                case Op.XorRM: if (!AluRM<XorOp>(ref i)) goto Fault; break;
                case Op.XorMR: if (!AluMR<XorOp>(ref i)) goto Fault; break;
                case Op.XorMI: if (!AluMI<XorOp>(ref i)) goto Fault; break;
                case Op.CmpRR: AluRR<CmpOp>(ref i); break;
                case Op.CmpRI: AluRI<CmpOp>(ref i); break;
                case Op.CmpRM: if (!AluRM<CmpOp>(ref i)) goto Fault; break;
                case Op.CmpMR: if (!AluMR<CmpOp>(ref i)) goto Fault; break;
                case Op.CmpMI: if (!AluMI<CmpOp>(ref i)) goto Fault; break;
                case Op.TestRR: AluRR<TestOp>(ref i); break;
                case Op.TestRI: AluRI<TestOp>(ref i); break;
                case Op.TestRM: if (!AluRM<TestOp>(ref i)) goto Fault; break;
                case Op.TestMR: if (!AluMR<TestOp>(ref i)) goto Fault; break;
                case Op.TestMI: if (!AluMI<TestOp>(ref i)) goto Fault; break;

                case Op.NotR: case Op.NegR: case Op.IncR: case Op.DecR: UnaryR(ref i, i.Op); break;
                case Op.NotM: case Op.NegM: case Op.IncM: case Op.DecM: if (!UnaryM(ref i, i.Op - 1)) goto Fault; break;
                case Op.ShiftMI: if (!ShiftM(ref i, (int)i.Imm)) goto Fault; break;
                case Op.ShiftMC: if (!ShiftM(ref i, (int)(Gpr((int)Reg.Rcx) & 0xFF))) goto Fault; break;

                case Op.MulM: if (!Load(Ea(ref i), i.Size, out v)) goto Fault; MulAcc(i.Size, v, signed: false); break;
                case Op.Imul1M: if (!Load(Ea(ref i), i.Size, out v)) goto Fault; MulAcc(i.Size, v, signed: true); break;
                case Op.DivM: if (!Load(Ea(ref i), i.Size, out v) || !Divide(i.Size, v, signed: false)) goto Fault; break;
                case Op.IdivM: if (!Load(Ea(ref i), i.Size, out v) || !Divide(i.Size, v, signed: true)) goto Fault; break;
                case Op.Imul2RM: if (!Load(Ea(ref i), i.Size, out v)) goto Fault; WriteDst(ref i, Imul(ReadReg(i.D, i.DSh, i.Mask), v & i.Mask, i.Mask)); break;
                case Op.Imul3RM: if (!Load(Ea(ref i), i.Size, out v)) goto Fault; WriteDst(ref i, Imul(v & i.Mask, i.Imm, i.Mask)); break;

                case Op.PushR: if (!Push(ReadReg(i.D, i.DSh, i.Mask), i.Size)) goto Fault; break;
                case Op.PushI: if (!Push(i.Imm, i.Size)) goto Fault; break;
                case Op.PushM: if (!Load(Ea(ref i), i.Size, out v) || !Push(v & i.Mask, i.Size)) goto Fault; break;
                case Op.PopR:
                    if (!PeekStack(i.Size, out v)) goto Fault;
                    SetSp(Gpr((int)Reg.Rsp) + i.Size);
                    WriteDst(ref i, v); // pop rsp: the loaded value wins over the increment
                    break;
                case Op.PopM:
                {
                    if (!PeekStack(i.Size, out v)) goto Fault;
                    ref ulong sp = ref Gpr((int)Reg.Rsp);
                    ulong old = sp;
                    SetSp(old + i.Size); // an RSP-based destination address uses the incremented RSP (SDM)
                    if (!Store(Ea(ref i), i.Size, v)) { sp = old; goto Fault; }
                    break;
                }

                // A call checks its push before its target (SDM CALL "Operation"): CanPush, then #GP, pushing nothing.
                case Op.CallRel: if (!Mmu.IsCanonical(i.Imm)) goto CallGpFault; if (!Push(next, 8)) goto Fault; next = i.Imm; break;
                case Op.CallR:
                    v = Gpr(i.D);
                    if (!Mmu.IsCanonical(v)) goto CallGpFault;
                    if (!Push(next, 8)) goto Fault;
                    next = v;
                    break;
                case Op.CallM:
                    if (!Load(Ea(ref i), 8, out v)) goto Fault;
                    if (!Mmu.IsCanonical(v)) goto CallGpFault;
                    if (!Push(next, 8)) goto Fault;
                    next = v;
                    break;
                case Op.Ret:
                    if (!PeekStack(8, out v)) goto Fault;
                    if (!Mmu.IsCanonical(v)) goto GpFault;
                    Gpr((int)Reg.Rsp) += 8 + i.Imm;
                    next = v;
                    break;
                case Op.JmpRel: if (!Mmu.IsCanonical(i.Imm) || i.Imm > csLimit) goto GpFault; next = i.Imm; break;
                case Op.JmpR: v = Gpr(i.D); if (!Mmu.IsCanonical(v)) goto GpFault; next = v; break;
                case Op.JmpM: if (!Load(Ea(ref i), 8, out v)) goto Fault; if (!Mmu.IsCanonical(v)) goto GpFault; next = v; break;
                case Op.Jcc:
                    if (Cond(i.Cc))
                    {
                        if (!Mmu.IsCanonical(i.Imm) || i.Imm > csLimit) goto GpFault;
                        next = i.Imm;
                    }
                    break;
                case Op.Loop: if (!Loop(ref i, ref next)) goto GpFault; break;
                case Op.Enter: if (!Enter(ref i)) goto Fault; break;
                case Op.Leave: if (!Leave(i.Size)) goto Fault; break;
                case Op.Sdt: if (!StoreDescriptorTable(ref i)) goto Fault; break;
                case Op.MovToSegR: if (!MoveToSegment(i.Aux, Gpr(i.S))) goto Fault; break;
                case Op.MovToSegM: if (!Load(Ea(ref i), 2, out v) || !MoveToSegment(i.Aux, v)) goto Fault; break;
                case Op.MovFromSegR: WriteDst(ref i, SegReg(i.Aux)); break;
                case Op.MovFromSegM: if (!Store(Ea(ref i), 2, SegReg(i.Aux))) goto Fault; break;
                case Op.PushSeg: if (!Push(SegReg(i.Aux), i.Size)) goto Fault; break;
                case Op.PopSeg: if (!PopSegment(i.Aux, i.Size)) goto Fault; break;
                case Op.LoadFarPtr: if (!LoadSegmentAndOffset(ref i)) goto Fault; break;
                // A far transfer may change the mode: the next instruction is fetched from the cache of the new one.
                case Op.FarJmpCall: if (!FarJumpOrCall(ref i, rip, next, out next)) goto Fault; pva = 1; break;
                case Op.FarJmpCallPtr: if (!FarJumpOrCallDirect(ref i, rip, next, out next)) goto Fault; pva = 1; break;
                case Op.FarRet: if (!FarReturn(ref i, rip, out next)) goto Fault; pva = 1; break;
                case Op.Iret: if (!InterruptReturn(ref i, rip, out next)) goto Fault; pva = 1; break;
                case >= Op.NearCall and <= Op.Salc: if (!Compat(ref i, rip, ref next)) goto Fault; break;
                case Op.StringNarrow: if (!StringNarrow(ref i)) goto Fault; break;
                case Op.LarLslR: LoadAccessOrLimit(ref i, Gpr(i.S)); break;
                case Op.LarLslM: if (!Load(Ea(ref i), 2, out v)) goto Fault; LoadAccessOrLimit(ref i, v); break;
                case Op.VerR: VerifySegment(ref i, Gpr(i.S)); break;
                case Op.VerM: if (!Load(Ea(ref i), 2, out v)) goto Fault; VerifySegment(ref i, v); break;
                case Op.StoreSysR: WriteDst(ref i, SystemSelector(i.Aux)); break;
                case Op.StoreSysM: if (!Store(Ea(ref i), 2, SystemSelector(i.Aux))) goto Fault; break;
                case Op.XmmMovRR: case Op.XmmMovqRR: case Op.XmmFromGpr: case Op.XmmToGpr:
                case Op.PxorRR: case Op.PcmpeqbRR: case Op.Pmovmskb: case Op.XmmAluRR: case Op.PshufdRR:
                    SseRegister(ref i); break;
                case Op.XmmLoad: case Op.XmmStore: case Op.PxorRM: case Op.PcmpeqbRM: case Op.XmmAluRM: case Op.PshufdRM:
                    if (!SseMemory(ref i)) goto Fault; break;
                case >= Op.SseFpRR and <= Op.PinsrwRM: if (!SseMore(ref i)) goto Fault; break;
                case Op.X87: if (!X87(ref i, rip)) goto Fault; break;
                case Op.Mmx: if (!Mmx(ref i, rip)) goto Fault; break;
                case Op.Xlat: if (!Xlat(ref i, out v)) goto Fault; WriteReg((int)Reg.Rax, 0, 0xFF, v); break;
                case Op.SetccR: WriteDst(ref i, Cond(i.Cc) ? 1UL : 0); break;
                case Op.SetccM: if (!Store(Ea(ref i), 1, Cond(i.Cc) ? 1UL : 0)) goto Fault; break;
                case Op.CmovRR: WriteDst(ref i, Cond(i.Cc) ? Gpr(i.S) : Gpr(i.D)); break; // a false 32-bit cmov still zero-extends
                case Op.CmovRM: if (!Load(Ea(ref i), i.Size, out v)) goto Fault; WriteDst(ref i, Cond(i.Cc) ? v : Gpr(i.D)); break;

                case Op.Movs: if (!StringOp(ref i, movs: true)) goto Fault; break;
                case Op.Stos: if (!StringOp(ref i, movs: false)) goto Fault; break;
                case Op.Lods: if (!Lods(ref i)) goto Fault; break;
                case Op.Scas: if (!StringCompare(ref i, cmps: false)) goto Fault; break;
                case Op.Cmps: if (!StringCompare(ref i, cmps: true)) goto Fault; break;

                case Op.BtMR: if (!BitTestM(ref i, imm: false)) goto Fault; break;
                case Op.BtMI: if (!BitTestM(ref i, imm: true)) goto Fault; break;
                case Op.BsfRM: if (!Load(Ea(ref i), i.Size, out v)) goto Fault; BitScan(ref i, v); break;
                case Op.XaddMR: if (!XaddMR(ref i)) goto Fault; break;
                case Op.CmpxchgMR: if (!CmpxchgMR(ref i)) goto Fault; break;
                case Op.CmpxchgWide: if (!CmpxchgWide(ref i)) goto Fault; break;
                case Op.ShiftDMI: if (!ShiftDoubleM(ref i, (int)i.Imm)) goto Fault; break;
                case Op.Pushf: if (!Pushf(i.Size)) goto Fault; break;
                case Op.Popf: if (!Popf(i.Size)) goto Fault; break;
                case Op.Cpuid: Cpuid(); break;
                case Op.Rdtsc: if (!Rdtsc(n)) goto Fault; break;
                case Op.ShiftDMC: if (!ShiftDoubleM(ref i, (int)(Gpr((int)Reg.Rcx) & 0xFF))) goto Fault; break;

                case Op.XchgRR: case Op.SignExtendAcc: case Op.SignSplitAcc: case Op.AdcRR: case Op.AdcRI: case Op.SbbRR: case Op.SbbRI:
                case Op.ShiftRI: case Op.ShiftRC: case Op.MulR: case Op.Imul1R: case Op.DivR: case Op.IdivR: case Op.Imul2RR: case Op.Imul3RR:
                case Op.BtRR: case Op.BtRI: case Op.BsfRR: case Op.Bswap: case Op.XaddRR: case Op.CmpxchgRR: case Op.ShiftDRI: case Op.ShiftDRC:
                case Op.Lahf: case Op.Sahf:
                    if (!RegisterOnly(ref i)) goto Fault; break;

                case Op.Syscall:
                    Gpr((int)Reg.Rcx) = next;
                    Gpr((int)Reg.R11) = SyscallFlags();
                    rip = next; n++;
                    stop = StopKind.Syscall;
                    goto Done;
                case Op.Int3: trap = new Trap(Vector.Breakpoint, 0); goto TrapAfter;
                case Op.Int1: trap = new Trap(Vector.Debug, 0); goto TrapAfter;
                case Op.IntN:
                    if (i.Imm == 3) { trap = new Trap(Vector.Breakpoint, 0); goto TrapAfter; }
                    trap = new Trap(Vector.GeneralProtection, i.Imm * 8 + 2); // IDT index, IDT bit set
                    detail = $"int 0x{i.Imm:x} at 0x{rip:x}: gate has DPL 0";
                    goto Fault;
                case Op.Ud:
                    trap = new Trap(Vector.InvalidOpcode, 0);
                    detail = $"{i.Text} at 0x{rip:x}";
                    goto Fault;
                case Op.Invalid:
                    trap = new Trap(Vector.InvalidOpcode, 0);
                    detail = $"invalid instruction encoding at 0x{rip:x} (bytes {i.Text})";
                    goto Fault;
                case Op.Unsupported:
                    trap = new Trap(Vector.InvalidOpcode, 0);
                    detail = $"unsupported instruction {i.Text} at 0x{rip:x}";
                    goto Fault;
                case Op.Privileged:
                    trap = new Trap(Vector.GeneralProtection, 0);
                    detail = $"privileged instruction {i.Text} at 0x{rip:x}";
                    goto Fault;
                default:
                    throw new InvalidOperationException($"no handler for {i.Op}");
            }
            rip = next;
            n++;
            // A store may have changed the code being run (or aliased it): re-check before the next fetch.
            if (wrote && !CodeStillCurrent(page)) pva = 1;
            continue;
        CallGpFault:
            if (!CanPush(8)) goto Fault;
        GpFault:
            BranchFault(rip);
        Fault:
            stop = StopKind.Trap; // RIP stays at the faulting instruction
            break;
        TrapAfter:
            rip = next; n++; // a trap: the instruction retired
            stop = StopKind.Trap;
            break;
        }
    Done:
        this.rip = rip;
        retired = n;
        return stop;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SignExtend(ulong v, ulong m)
    {
        int sh = System.Numerics.BitOperations.LeadingZeroCount(m);
        return (ulong)((long)(v << sh) >> sh);
    }
}
