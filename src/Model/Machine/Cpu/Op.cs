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

    // Segments (CpuSegments.cs; Aux = segment register number ES 0 .. GS 5 unless noted).
    MovToSegR, MovToSegM,     // mov Sreg, r/m16 (S = source slot)
    MovFromSegR, MovFromSegM, // mov r/m, Sreg (register: zero-extended to 32/64 bits, merged at 16)
    PushSeg, PopSeg,          // push/pop fs/gs; Size 8 or 2
    LoadFarPtr,               // lfs/lgs/lss r, m16:16/32 (REX.W: m16:32 as on QEMU/AMD); Size = register, Imm = offset size
    FarJmpCall,               // jmp (Aux 0) / call (Aux 1) far m16:16/32/64; Size = offset size
    FarRet,                   // ret far [imm16]; Size = operand size (4 by default), Imm = imm16
    Iret,                     // iret/iretd/iretq; Size = 2, 4, 8
    LarLslR, LarLslM,         // lar (Aux 0) / lsl (Aux 1) r, r/m16
    VerR, VerM,               // verr (Aux 0) / verw (Aux 1) r/m16

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

    // SSE/SSE2 floating point (CpuSseFloat.cs): Cc = SseFloatOp, Vec = SseShape, Imm = predicate or conversion options.
    SseFpRR, SseFpRM,     // xmm, xmm/m (comis/ucomis: no destination, flags)
    SseFpRG,              // xmm, r32/r64 (cvtsi2ss/sd; S = GPR slot)
    SseFpGR, SseFpGM,     // r32/r64, xmm/m (cvt(t)ss2si, cvt(t)sd2si; D = GPR slot)
    XmmShufRR, XmmShufRM, // shufps (Cc 0) / shufpd (Cc 1) xmm, xmm/m128, imm8
    XmmLoadHigh, XmmLoadLow, XmmStoreHigh, // movhps/movhpd xmm, m64; movlps/movlpd xmm, m64; movhps/movhpd m64, xmm
    Movmsk,               // movmskps (Cc 0) / movmskpd (Cc 1): D = GPR slot, S = XMM
    Ldmxcsr, Stmxcsr,     // m32

    // SSE2 integer arithmetic, compares, shifts and packs (CpuSseInteger.cs): Cc = XmmInt.
    XmmIntRR, XmmIntRM,   // xmm, xmm/m128 (shifts: the count is the source's low quadword)
    XmmShiftImm,          // psllw/d/q, psrlw/d/q, psraw/d, pslldq, psrldq xmm, imm8 (Imm)
    Pextrw,               // r32/r64 (D), xmm (S), imm8
    Maskmovdqu,           // DS:[RDI] (Base, AMask, Seg) <- the bytes of xmm D whose byte in xmm S has its top bit set
    Clflush,              // m8: checked as a one-byte read, nothing changes (no caches in the model)
    PinsrwRR, PinsrwRM,   // xmm (D), r32/m16, imm8
    X87,          // every x87 form (CpuX87.cs): Imm = Iced code, D/S = st(i), Aux = 1 with memory, SMask = FOP
    Mmx,          // every MMX form and SSE form with an MMX operand (CpuMmx.cs): Vec = MmxKind, Cc = XmmInt/XmmAlu, Aux = MmxSource, Imm = imm8

    // Compatibility mode (CpuCompat.cs): the forms whose operand size or stack width differs, and the IA-32-only ones.
    FarJmpCallPtr,  // jmp (Aux 0) / call (Aux 1) far ptr16:16/32: Imm = offset, Disp = selector, Size = offset size
    NearCall,       // call rel (Aux 0, Imm) / r (Aux 1, D) / m (Aux 2): Size = operand size 4 or 2, the target masked to it
    NearJmp,        // jmp r (Aux 1, D) / m (Aux 2)
    NearRet,        // ret [imm16]: Size = 4 or 2, Imm = imm16
    Pusha, Popa,    // Size = 4 or 2
    Bcd,            // Aux = BcdKind; Imm = the base of aam/aad
    Bound,          // r (D), m16&16 / m32&32: Size = 2 or 4
    Into,
    ArplR, ArplM,   // r/m16 (D), r16 (S)
    Salc,
    // movs/stos/lods/scas/cmps with 32- or 16-bit addressing (CpuStringNarrow.cs): Cc = StringKind, AMask, Seg = source segment
    StringNarrow,
}

/// <summary>The decimal-arithmetic adjustments of <see cref="Op.Bcd"/>.</summary>
internal enum BcdKind : byte { Daa, Das, Aaa, Aas, Aam, Aad }

/// <summary>The string instructions of <see cref="Op.StringNarrow"/>.</summary>
internal enum StringKind : byte { Movs, Stos, Lods, Scas, Cmps }

/// <summary>What an <see cref="Op.Mmx"/> instruction does (Translator.Mmx.cs, CpuMmx.cs).</summary>
internal enum MmxKind : byte
{
    Int,        // mm (D) = XmmInt op (Cc) of mm and the source (packs: both operands' lanes into one quadword)
    Alu,        // mm (D) = XmmAlu op (Cc): por, pand, pandn, pminub, punpckl*, punpckh*
    Pxor, Pcmpeqb,
    ShiftImm,   // mm (D) shifted by Imm (Cc = XmmInt)
    Pshufw,     // mm (D) = the source's words in the order Imm
    Pextrw,     // r32/r64 (D, a GPR destination) = word Imm & 3 of mm S
    Pinsrw,     // word Imm & 3 of mm D = r32 (S) or m16
    Pmovmskb,   // r32/r64 (D) = the byte signs of mm S
    Load,       // mm (D) = the source (mm, r/m32, r/m64, m64), zero-extended
    Store,      // r/m32, r/m64, mm/m64 (D; a register destination is a GPR or, with Aux Mm, mm D) = mm S
    Emms,
    Maskmovq,   // DS:[RDI] <- the bytes of mm D whose byte in mm S has its top bit set
    Movq2dq,    // xmm D = mm S, zero-extended
    Movdq2q,    // mm D = the low quadword of xmm S
    Cvtpi2ps, Cvtpi2pd, // xmm D <- two int32 of mm/m64
    Cvtps2pi, Cvtpd2pi, // mm D <- xmm/m64 (ps) or xmm/m128 (pd); Imm = 1: truncate
}

/// <summary>Where an <see cref="Op.Mmx"/> source (or a store's destination) is: an MMX register, memory (Size bytes), a GPR, an XMM register.</summary>
internal enum MmxSource : byte { Mm, Memory, Gpr, Xmm }

/// <summary>The SSE2 integer operations of <see cref="Op.XmmIntRR"/> (lanes of 8, 16, 32, 64 bits as the name says).</summary>
internal enum XmmInt : byte
{
    Paddb, Paddw, Paddd, Paddq, Psubb, Psubw, Psubd, Psubq,
    Paddsb, Paddsw, Paddusb, Paddusw, Psubsb, Psubsw, Psubusb, Psubusw,
    Pmullw, Pmulhw, Pmulhuw, Pmuludq, Pmaddwd, Pavgb, Pavgw, Pmaxsw, Pmaxub, Pminsw, Psadbw,
    Pcmpeqw, Pcmpeqd, Pcmpgtb, Pcmpgtw, Pcmpgtd,
    Psllw, Pslld, Psllq, Psrlw, Psrld, Psrlq, Psraw, Psrad, Pslldq, Psrldq,
    Packsswb, Packssdw, Packuswb,
}

/// <summary>The operations of <see cref="Op.SseFpRR"/> and its forms.</summary>
internal enum SseFloatOp : byte
{
    Add, Sub, Mul, Div, Min, Max, Sqrt,
    Cmp,        // Imm = predicate (imm8 bits 2:0)
    Comi, Ucomi,
    FromInt,    // cvtsi2ss/sd: Vec = the destination's shape, Imm = the integer's size (4, 8)
    ToInt,      // cvt(t)ss2si/cvt(t)sd2si: Vec = the source's shape, Imm bit 0 = truncate, bit 1 = 64-bit result
    CvtFloat,   // cvtss2sd, cvtsd2ss, cvtps2pd, cvtpd2ps: Vec = the source's shape
    FromDq,     // cvtdq2ps, cvtdq2pd: Vec = the destination's shape
    ToDq,       // cvt(t)ps2dq, cvt(t)pd2dq: Vec = the source's shape, Imm bit 0 = truncate
    AddSub,     // SSE3 addsubps/pd: even lanes subtract, odd lanes add
    HAdd, HSub, // SSE3 haddps/pd, hsubps/pd: pairs of the destination, then pairs of the source
}

/// <summary>Lanes of an SSE floating-point operand: one single or double (the rest of the destination kept), four singles, two doubles.</summary>
internal enum SseShape : byte { Ss, Sd, Ps, Pd }

/// <summary>The SSE2 integer operations of <see cref="Op.XmmAluRR"/>/<see cref="Op.XmmAluRM"/>.</summary>
internal enum XmmAlu : byte
{
    Por, Pand, Pandn, Pminub, Punpcklbw, Punpcklwd, Punpckldq, Punpcklqdq,
    Punpckhbw, Punpckhwd, Punpckhdq, Punpckhqdq,
    Movss, Movsd, Movhlps, Movlhps, // register forms only: merge into the destination
    Movddup, Movshdup, Movsldup,    // SSE3: duplicate the low quadword, the odd or the even singles of the source
}

/// <summary>Shift/rotate kinds, numbered as the ModRM reg field of opcodes C0/C1/D0-D3 (sal = 6 is shl).</summary>
internal enum ShiftKind : byte { Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sar = 7 }
