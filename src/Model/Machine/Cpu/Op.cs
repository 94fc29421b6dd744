namespace L4Conf.Model.Machine;

/// <summary>
/// Interpreter handler ids. Operand forms are part of the id (RR = reg,reg; RI = reg,imm; RM = reg,mem;
/// MR = mem,reg; MI = mem,imm) so each handler does exactly one thing with no operand-kind branches.
/// The five ALU forms of one operation are consecutive in the order RR, RI, RM, MR, MI (the translator adds
/// the form to the first id).
/// </summary>
internal enum Op : byte
{
    // Stops without executing anything.
    Invalid,      // undecodable bytes: #UD
    Unsupported,  // decodes, but outside the modelled subset: #UD
    Privileged,   // CPL-0 or IOPL-sensitive instruction at CPL 3: #GP(0)
    Ud,           // ud0/ud1/ud2: #UD
    Int3,         // #BP trap, RIP after
    Int1,         // #DB trap, RIP after (icebp)
    IntN,         // int imm8: #BP for 3, else #GP(n*8+2) at the instruction
    Syscall,

    Nop,
    Cld, Std, Clc, Stc, Cmc,

    MovRR, MovRI, MovRM, MovMR, MovMI,
    MovzxRR, MovzxRM, MovsxRR, MovsxRM,
    Lea,
    XchgRR, XchgMR,
    SignExtendAcc,   // cbw / cwde / cdqe
    SignSplitAcc,    // cwd / cdq / cqo

    AddRR, AddRI, AddRM, AddMR, AddMI,
    OrRR, OrRI, OrRM, OrMR, OrMI,
    AdcRR, AdcRI, AdcRM, AdcMR, AdcMI,
    SbbRR, SbbRI, SbbRM, SbbMR, SbbMI,
    AndRR, AndRI, AndRM, AndMR, AndMI,
    SubRR, SubRI, SubRM, SubMR, SubMI,
    XorRR, XorRI, XorRM, XorMR, XorMI,
    CmpRR, CmpRI, CmpRM, CmpMR, CmpMI,
    TestRR, TestRI, TestRM, TestMR, TestMI,

    NotR, NotM, NegR, NegM, IncR, IncM, DecR, DecM,
    ShiftRI, ShiftMI, ShiftRC, ShiftMC, // Aux = ShiftKind; count from Imm or CL

    MulR, MulM, Imul1R, Imul1M, DivR, DivM, IdivR, IdivM,
    Imul2RR, Imul2RM, Imul3RR, Imul3RM,

    PushR, PushI, PushM, PopR, PopM,
    CallRel, CallR, CallM, Ret, JmpRel, JmpR, JmpM, Jcc,
    SetccR, SetccM, CmovRR, CmovRM,

    Movs, Stos,  // Size = element size, Aux = 1 with a rep prefix

    BtRR, BtRI, BtMR, BtMI, // Aux = BitTestKind; offset from S or Imm
    BsfRR, BsfRM,           // Aux = 0 bsf (and tzcnt), 1 bsr (and lzcnt)
    Bswap,

    XaddRR, XaddMR, CmpxchgRR, CmpxchgMR,
    CmpxchgWide, // cmpxchg8b (Size 8) / cmpxchg16b (Size 16)

    ShiftDRI, ShiftDRC, ShiftDMI, ShiftDMC, // shld (Aux 0) / shrd (Aux 1) r/m, r (S), imm8 or CL

    Lahf, Sahf, Pushf, Popf, // pushf/popf: Size 8 or 2
    Cpuid, Rdtsc,

    Lods, Scas, Cmps, // Size = element size; Aux = 0 none, 1 rep/repe (F3), 2 repne (F2); Seg = source segment

    Enter, Leave,   // Size = 8 or 2 (0x66); enter: Imm = level << 16 | frame size
    Loop,           // Aux = 0 loop, 1 loope, 2 loopne, 3 jrcxz; AMask = count-register mask; Imm = target
    Xlat,
    Sdt,            // sgdt (Aux 0) / sidt (Aux 1) m
    StoreSysR, StoreSysM, // sldt (Aux 0) / str (Aux 1) / smsw (Aux 2) to a register or m16

    // SSE/SSE2 (D, S = XMM numbers where an operand is an XMM register; Size = memory width; Aux = 1: 16-byte aligned).
    XmmMovRR,     // movdqa/movdqu/movaps/movups/movapd/movupd xmm, xmm
    XmmMovqRR,    // movq xmm, xmm: low quadword, high zeroed
    XmmLoad,      // xmm <- m32/m64/m128, zero-extended
    XmmStore,     // m32/m64/m128 <- xmm
    XmmFromGpr,   // movd/movq xmm, r32/r64 (S = GPR slot)
    XmmToGpr,     // movd/movq r32/r64, xmm (D = GPR slot)
    PxorRR, PxorRM, PcmpeqbRR, PcmpeqbRM,
    XmmAluRR, XmmAluRM,   // Cc = XmmAlu: por, pand, pandn, pminub, punpckl{bw,wd,dq,qdq}
    PshufdRR, PshufdRM,   // Imm = the order byte
    Pmovmskb,     // D = GPR slot, S = XMM

    X87,          // every x87 form (CpuX87.cs): Imm = Iced code, D/S = st(i), Aux = 1 with memory, SMask = FOP
}

/// <summary>The SSE2 integer operations of <see cref="Op.XmmAluRR"/>/<see cref="Op.XmmAluRM"/>.</summary>
internal enum XmmAlu : byte { Por, Pand, Pandn, Pminub, Punpcklbw, Punpcklwd, Punpckldq, Punpcklqdq }

/// <summary>Shift/rotate kinds, numbered as the ModRM reg field of opcodes C0/C1/D0-D3 (sal = 6 is shl).</summary>
internal enum ShiftKind : byte { Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sar = 7 }
