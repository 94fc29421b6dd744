using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// The documented instruction subset of the model CPU, and how it treats what lies outside it.
/// </summary>
public static class InstructionSet
{
    /// <summary>
    /// The instructions the model executes (Iced mnemonics, lower case), with all their 64-bit-mode integer forms
    /// and operand sizes unless noted. Everything else raises #UD (or #GP(0) if <see cref="Privileged"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> Supported =
    [
        "mov",          // r/m,r; r,r/m; r,imm (incl. imm64); r/m,imm; al/ax/eax/rax <-> moffs
        "movzx", "movsx", "movsxd",
        "lea",
        "add", "sub", "adc", "sbb", "and", "or", "xor", "cmp", "test",
        "not", "neg", "inc", "dec",
        "shl", "sal", "shr", "sar", "rol", "ror", "rcl", "rcr", // by 1, imm8, cl
        "shld", "shrd", // r/m, r, imm8|cl
        "imul",         // 1, 2 and 3 operands
        "mul", "div", "idiv",
        "push", "pop",  // reg, imm (push), mem; 64-bit and 16-bit (0x66) forms
        "call", "ret",  // near: rel32, r/m64; ret, ret imm16
        "jmp",          // rel8, rel32, r/m64
        "loop", "loope", "loopne", "jrcxz", "jecxz", // RCX, or ECX with 0x67
        "enter", "leave", // 64-bit and 16-bit (0x66) forms
        "xlatb",
        "jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja", "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg",
        "seto", "setno", "setb", "setae", "sete", "setne", "setbe", "seta", "sets", "setns", "setp", "setnp", "setl", "setge", "setle", "setg",
        "cmovo", "cmovno", "cmovb", "cmovae", "cmove", "cmovne", "cmovbe", "cmova", "cmovs", "cmovns", "cmovp", "cmovnp", "cmovl", "cmovge", "cmovle", "cmovg",
        "xchg",
        "bt", "bts", "btr", "btc", // r/m,r and r/m,imm8; memory with a register offset addresses by the signed offset
        "bsf", "bsr",
        "tzcnt", "lzcnt", // executed as bsf/bsr: the captured CPU has no BMI1/ABM (F3 prefix ignored)
        "bswap",        // r32, r64; r16 clears the low word (undefined by the SDM)
        "xadd", "cmpxchg", // r/m,r; lock on the memory forms
        "cmpxchg8b", "cmpxchg16b", // m64 / m128 (16-byte aligned, else #GP(0)); lock accepted
        "cbw", "cwde", "cdqe", "cwd", "cdq", "cqo",
        "movsb", "movsw", "movsd", "movsq", // with or without rep; ESI/EDI/ECX with 0x67
        "stosb", "stosw", "stosd", "stosq",
        "lodsb", "lodsw", "lodsd", "lodsq", // with or without rep
        "scasb", "scasw", "scasd", "scasq", // with or without repe/repne
        "cmpsb", "cmpsw", "cmpsd", "cmpsq", // with or without repe/repne
        "cld", "std", "clc", "stc", "cmc",
        "lahf", "sahf", // valid in 64-bit mode: CPUID 0x80000001 ECX[0] = 1
        "pushf", "pushfq", "popf", "popfq", // 16- and 64-bit; popf at CPL 3/IOPL 0 keeps IF and IOPL, clears RF
        "cpuid",        // the captured leaves (CapturedCpuid)
        "rdtsc",        // logical: instructions retired; #GP(0) with CR4.TSD (Fiasco leaves it clear)
        "sgdt", "sidt", "sldt", "str", "smsw", // no UMIP on the captured CPU: they store Fiasco's values (SystemRegisters)
        "nop",          // 0x90 forms and nop r/m (operand not accessed)
        "pause", "endbr64", "endbr32", // executed as nop
        "int3",         // #BP trap, RIP after
        "int1",         // #DB trap, RIP after
        "int",          // int 3: #BP trap like int3; any other n: #GP(n*8+2) at the instruction (DPL-0 gates)
        "ud0", "ud1", "ud2", // #UD
        "hlt",          // #GP(0) at CPL 3
        "syscall",
        // Segments (CpuSegments.cs), on the thread's descriptor table (CpuState.Gdt): mov to/from Sreg, push/pop fs/gs
        // (mov, push, pop above), far jmp/call m16:16/32/64 (jmp, call above), and these; lfs/lgs/lss read m16:32 with
        // REX.W (as QEMU); a transfer into a 32-bit code segment enters compatibility mode (CompatibilityOnly below)
        "lfs", "lgs", "lss", "retf", "iret", "iretd", "iretq", "lar", "lsl", "verr", "verw",
        // SSE/SSE2 (legacy encodings, XMM registers): 16-byte-aligned forms #GP(0) when misaligned
        "movd", "movq", // xmm <-> r32/r64/m32/m64; movq xmm, xmm/m64 and m64, xmm; the MMX forms below
        "movdqa", "movaps", "movapd", // aligned
        "movdqu", "movups", "movupd",
        "pxor", "pcmpeqb", // xmm, xmm/m128 (m128 aligned)
        "pmovmskb",     // r32/r64, xmm or mm
        "por", "pand", "pandn", "pminub", "punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "pshufd", // xmm, xmm/m128 (aligned)
        // SSE/SSE2 floating point (CpuSseFloat.cs; exact IEEE arithmetic under MXCSR: rounding, DAZ, FTZ, sticky flags, #XM when unmasked)
        "addss", "addsd", "addps", "addpd", "subss", "subsd", "subps", "subpd",
        "mulss", "mulsd", "mulps", "mulpd", "divss", "divsd", "divps", "divpd",
        "minss", "minsd", "minps", "minpd", "maxss", "maxsd", "maxps", "maxpd",
        "sqrtss", "sqrtsd", "sqrtps", "sqrtpd",
        "cmpss", "cmpps", "cmppd", // and cmpsd xmm, xmm/m64, imm8 (listed above with the string cmpsd): predicates imm8[2:0]
        "comiss", "ucomiss", "comisd", "ucomisd",
        "cvtsi2ss", "cvtsi2sd", "cvtss2si", "cvtsd2si", "cvttss2si", "cvttsd2si", "cvtss2sd", "cvtsd2ss",
        "cvtps2pd", "cvtpd2ps", "cvtdq2ps", "cvtdq2pd", "cvtps2dq", "cvttps2dq", "cvtpd2dq", "cvttpd2dq",
        "andps", "andnps", "orps", "xorps", "andpd", "andnpd", "orpd", "xorpd",
        "movss", // and movsd xmm, xmm/m64 (listed above with the string movsd): register forms keep the upper part, loads zero it
        "movhps", "movlps", "movhpd", "movlpd", "movhlps", "movlhps", "movmskps", "movmskpd",
        "shufps", "shufpd", "unpcklps", "unpckhps", "unpcklpd", "unpckhpd",
        "ldmxcsr", "stmxcsr", // m32; ldmxcsr with a reserved bit (16-31) set: #GP(0)
        // SSE3 (the captured CPU has it: CPUID.1:ECX[0]); fisttp is with the x87
        "addsubps", "addsubpd", "haddps", "haddpd", "hsubps", "hsubpd", "movddup", "movshdup", "movsldup", "lddqu",
        // SSE2 integer on XMM registers (CpuSseInteger.cs) and, where the SDM has one, on MMX registers (CpuMmx.cs)
        "paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq",
        "paddsb", "paddsw", "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw",
        "pmullw", "pmulhw", "pmulhuw", "pmuludq", "pmaddwd", "pavgb", "pavgw", "pmaxsw", "pmaxub", "pminsw", "psadbw",
        "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd",
        "psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad", // imm8 and xmm/m128 counts
        "pslldq", "psrldq", "packsswb", "packssdw", "packuswb", "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq",
        "pshuflw", "pshufhw", "pextrw", "pinsrw", // pextrw r32/r64, xmm, imm8 (the SSE4.1 m16 form is #UD: no SSE4.1)
        "movnti", "movntdq", "movntps", "movntpd", // plain stores; movntdq/ps/pd m128 aligned
        "maskmovdqu", // DS:[RDI], the bytes whose mask byte has its top bit set; an empty mask checks its first byte
        "lfence", "mfence", "sfence", // no-ops: one CPU
        "prefetcht0", "prefetcht1", "prefetcht2", "prefetchnta", // hints: no access, no fault
        "clflush", // CPUID.1:EDX[19]: faults as a byte read, changes nothing
        // MMX (CpuMmx.cs; MM0-7 alias the x87 R0-R7): movd/movq mm <-> r/m32, r/m64, mm/m64; the integer ops above on mm
        // (padd*, psub*, pmul*, pmaddwd, pcmp*, shifts, packs, punpck{l,h}{bw,wd,dq}, pand, pandn, por, pxor, pavg*, pmax*,
        // pmin*, psadbw, pextrw, pinsrw, pmovmskb); #MF with an x87 exception pending; TOP 0, tags valid; emms: tags empty
        "emms", "pshufw", "maskmovq", "movntq", "movq2dq", "movdq2q",
        "cvtpi2ps", "cvtps2pi", "cvttps2pi", "cvtpi2pd", "cvtpd2pi", "cvttpd2pi", // MXCSR rounding and exceptions (#XM)
        // x87 (CpuX87.cs)
        "fld", "fild", "fst", "fstp", "fist", "fistp", "fisttp", // m32/m64/m80/st(i); m16/m32/m64 integers
        "fbld", "fbstp", // m80 packed BCD (18 digits and a sign byte)
        "fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2",
        "fadd", "faddp", "fiadd", "fsub", "fsubp", "fisub", "fsubr", "fsubrp", "fisubr",
        "fmul", "fmulp", "fimul", "fdiv", "fdivp", "fidiv", "fdivr", "fdivrp", "fidivr",
        "fchs", "fabs", "fsqrt", "frndint", "fscale", "fprem", "fprem1", "fxtract",
        // the transcendentals (CpuX87Transcendental.cs): correctly rounded to 64 bits by RC (PC does not apply), trig
        // arguments reduced with the x87's 66-bit pi as the hardware does; |x| >= 2^63 sets C2 (X87Transcendental.cs)
        "fsin", "fcos", "fsincos", "fptan", "fpatan", "f2xm1", "fyl2x", "fyl2xp1",
        "fcom", "fcomp", "fcompp", "fucom", "fucomp", "fucompp", "ficom", "ficomp", "fcomi", "fcomip", "fucomi", "fucomip", "ftst", "fxam",
        "fxch", "fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu",
        "fnstsw", "fnstcw", "fldcw", "fninit", "fnclex", "wait", "ffree", "ffreep", "fincstp", "fdecstp", "fnop",
        "fnstenv", "fldenv", "fnsave", "frstor", // m28 / m108 (32-bit operand size), m14 / m94 (0x66: 16-bit operand size)
        "fxsave", "fxsave64", "fxrstor", "fxrstor64", // m512, 16-byte aligned, else #GP(0)
    ];

    /// <summary>
    /// The IA-32 instructions that exist only outside 64-bit mode (they are #UD there), which the model executes in
    /// compatibility mode (CpuCompat.cs; also push/pop of ES, CS, SS and DS, jmp/call far ptr16:32, and the 32- and
    /// 16-bit forms of the instructions in <see cref="Supported"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> CompatibilityOnly =
    [
        "pusha", "pushad", "popa", "popad", "pushfd", "popfd", "daa", "das", "aaa", "aas", "aam", "aad", "bound", "into", "arpl", "salc",
        "les", "lds",
    ];

    /// <summary>
    /// Instructions the captured CPU (QEMU 7.2 TCG qemu64, AuthenticAMD; CPUID in <c>traces/real/jdb_session.log</c>)
    /// does not have: its CPUID clears their feature bits, so they raise #UD as there.
    /// popcnt: leaf 1 ECX[23] = 0; movbe: leaf 1 ECX[22] = 0; rdtscp: leaf 0x80000001 EDX[27] = 0. (lzcnt and tzcnt
    /// are not here: without ABM/BMI1 their encodings are bsr/bsf with a rep prefix, which the model executes.)
    /// </summary>
    public static readonly IReadOnlyList<string> AbsentOnCapturedCpu =
    [
        "popcnt", "movbe", "rdtscp",
    ];

    private static readonly HashSet<Mnemonic> PrivilegedMnemonics =
    [
        Mnemonic.Hlt, Mnemonic.Cli, Mnemonic.Sti,
        Mnemonic.In, Mnemonic.Insb, Mnemonic.Insw, Mnemonic.Insd, Mnemonic.Out, Mnemonic.Outsb, Mnemonic.Outsw, Mnemonic.Outsd,
        Mnemonic.Lgdt, Mnemonic.Lidt, Mnemonic.Lldt, Mnemonic.Ltr, Mnemonic.Lmsw, Mnemonic.Clts,
        Mnemonic.Invd, Mnemonic.Wbinvd, Mnemonic.Wbnoinvd, Mnemonic.Invlpg, Mnemonic.Invpcid,
        Mnemonic.Rdmsr, Mnemonic.Wrmsr, Mnemonic.Rdpmc, Mnemonic.Swapgs, Mnemonic.Sysret, Mnemonic.Sysretq,
        Mnemonic.Sysexit, Mnemonic.Sysexitq, Mnemonic.Xsetbv,
    ];

    /// <summary>
    /// Instructions that raise #GP(0) at CPL 3 as on hardware with IOPL = 0, no I/O bitmap permission,
    /// CR4.PCE = 0: hlt, cli, sti, in/ins/out/outs, lgdt, lidt, lldt, ltr, lmsw, clts, invd, wbinvd, wbnoinvd,
    /// invlpg, invpcid, rdmsr, wrmsr, rdpmc, swapgs, sysret, sysexit, xsetbv, and mov to/from CR0-CR15 or DR0-DR7.
    /// (The model has no I/O-port bitmap: in/out always fault.)
    /// </summary>
    public static readonly IReadOnlyList<string> Privileged =
    [
        "hlt", "cli", "sti", "in", "insb", "insw", "insd", "out", "outsb", "outsw", "outsd",
        "lgdt", "lidt", "lldt", "ltr", "lmsw", "clts", "invd", "wbinvd", "wbnoinvd", "invlpg", "invpcid",
        "rdmsr", "wrmsr", "rdpmc", "swapgs", "sysret", "sysexit", "xsetbv", "mov cr", "mov dr",
    ];

    internal static bool IsPrivileged(in Instruction ins)
    {
        if (PrivilegedMnemonics.Contains(ins.Mnemonic)) return true;
        if (ins.Mnemonic != Mnemonic.Mov) return false;
        for (int k = 0; k < ins.OpCount; k++)
        {
            if (ins.GetOpKind(k) != OpKind.Register) continue;
            Register r = ins.GetOpRegister(k);
            if (r.IsCR() || r.IsDR()) return true;
        }
        return false;
    }

    internal static bool IsSetcc(Mnemonic m) => m is Mnemonic.Seto or Mnemonic.Setno or Mnemonic.Setb or Mnemonic.Setae
        or Mnemonic.Sete or Mnemonic.Setne or Mnemonic.Setbe or Mnemonic.Seta or Mnemonic.Sets or Mnemonic.Setns
        or Mnemonic.Setp or Mnemonic.Setnp or Mnemonic.Setl or Mnemonic.Setge or Mnemonic.Setle or Mnemonic.Setg;

    internal static bool IsCmovcc(Mnemonic m) => m is Mnemonic.Cmovo or Mnemonic.Cmovno or Mnemonic.Cmovb or Mnemonic.Cmovae
        or Mnemonic.Cmove or Mnemonic.Cmovne or Mnemonic.Cmovbe or Mnemonic.Cmova or Mnemonic.Cmovs or Mnemonic.Cmovns
        or Mnemonic.Cmovp or Mnemonic.Cmovnp or Mnemonic.Cmovl or Mnemonic.Cmovge or Mnemonic.Cmovle or Mnemonic.Cmovg;
}
