using L4Conf.Model.Abi;
using L4Conf.Model.Machine;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The exception message: l4_exc_regs_t on amd64, 26 words (l4re l4sys/include/ARCH-amd64/arch/utcb.h;
/// fiasco src/kern/ia32/64/thread-ia32-64.cpp copy_ts_to_utcb / copy_utcb_to_ts; abi-facts §9.3).
/// </summary>
public static class ExcRegs
{
    public const int Words = 26;
    public const int R15 = 0, R14 = 1, R13 = 2, R12 = 3, R11 = 4, R10 = 5, R9 = 6, R8 = 7, Rdi = 8, Rsi = 9, Rbp = 10, Pfa = 11,
        Rbx = 12, Rdx = 13, Rcx = 14, Rax = 15, Trapno = 16, Err = 17, Ip = 18, Cs = 19, Rflags = 20, Sp = 21, Ss = 22,
        FsBase = 23, GsBase = 24, Segs = 25;
    /// <summary>Synthetic trap number of an exception raised by ex_regs (L4_THREAD_EX_REGS_TRIGGER_EXCEPTION).</summary>
    public const ulong TrapExRegs = 0xFF;

    public static void Store(CpuState s, ulong trapno, ulong err, ulong pfa, Utcb u)
    {
        u.SetMr(R15, s.R[15]); u.SetMr(R14, s.R[14]); u.SetMr(R13, s.R[13]); u.SetMr(R12, s.R[12]);
        u.SetMr(R11, s.R[11]); u.SetMr(R10, s.R[10]); u.SetMr(R9, s.R[9]); u.SetMr(R8, s.R[8]);
        u.SetMr(Rdi, s.R[7]); u.SetMr(Rsi, s.R[6]); u.SetMr(Rbp, s.R[5]); u.SetMr(Pfa, pfa);
        u.SetMr(Rbx, s.R[3]); u.SetMr(Rdx, s.R[2]); u.SetMr(Rcx, s.R[1]); u.SetMr(Rax, s.R[0]);
        u.SetMr(Trapno, trapno); u.SetMr(Err, err); u.SetMr(Ip, s.Rip); u.SetMr(Cs, s.Cs);
        u.SetMr(Rflags, s.Rflags); u.SetMr(Sp, s.R[4]); u.SetMr(Ss, s.Ss); u.SetMr(FsBase, s.FsBase); u.SetMr(GsBase, s.GsBase);
        u.SetMr(Segs, s.Ds | ((ulong)s.Es << 16) | ((ulong)s.Fs << 32) | ((ulong)s.Gs << 48));
    }

    /// <summary>A full reply replaces the registers: RFLAGS sanitised (IOPL and NT cleared, IF set), CS kept.</summary>
    public static void Load(CpuState s, Utcb u)
    {
        s.R[15] = u.Mr(R15); s.R[14] = u.Mr(R14); s.R[13] = u.Mr(R13); s.R[12] = u.Mr(R12);
        s.R[11] = u.Mr(R11); s.R[10] = u.Mr(R10); s.R[9] = u.Mr(R9); s.R[8] = u.Mr(R8);
        s.R[7] = u.Mr(Rdi); s.R[6] = u.Mr(Rsi); s.R[5] = u.Mr(Rbp); s.R[3] = u.Mr(Rbx);
        s.R[2] = u.Mr(Rdx); s.R[1] = u.Mr(Rcx); s.R[0] = u.Mr(Rax); s.Rip = u.Mr(Ip);
        s.Rflags = SanitizeRflags(u.Mr(Rflags));
        s.R[4] = u.Mr(Sp); s.FsBase = u.Mr(FsBase); s.GsBase = u.Mr(GsBase);
        ulong segs = u.Mr(Segs);
        (s.Ds, s.Es, s.Fs, s.Gs) = ((ushort)segs, (ushort)(segs >> 16), (ushort)(segs >> 32), (ushort)(segs >> 48));
        // The thread runs with them as the kernel's switch to it loads them (thread-ia32-64.cpp:254-260 keeps them
        // in _ds.._gs, _fs_base, _gs_base; MACH-SEG-1).
        Cpu.InstallDataSegments(s);
    }

    /// <summary>RFLAGS a user may set on return: IOPL and NT cleared, IF and the reserved bit 1 set.</summary>
    public static ulong SanitizeRflags(ulong rflags) => (rflags & ~((ulong)RFlags.IOPL | (ulong)RFlags.NT)) | (ulong)RFlags.IF | 0x2;

    /// <summary>The user code selectors (GDT_CODE_USER 0x2b, GDT_CODE_USER32 0x1b, with RPL 3): any other CS becomes 0x2b (trap_state-amd64.cpp:91-99).</summary>
    public const ushort UserCs = (ushort)GdtSelectors.UserCode64, UserCs32 = (ushort)GdtSelectors.UserCode32;
    public static ushort SanitizeCs(ulong cs) => cs is UserCs or UserCs32 ? (ushort)cs : UserCs;
}
