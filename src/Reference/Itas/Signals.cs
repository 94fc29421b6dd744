using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Itas;

/// <summary>
/// The runtime's signal manager (L4Re::Itas, protocol 0x400A; itas/signals.{h,cc}): the program's env.itas. The
/// modelled programs install no handlers, so every signal takes its default action; the interface answers -ENOSYS.
/// </summary>
public sealed class SignalManager : ServerObject
{
    public override IReadOnlyList<Iface> Interfaces { get; } = [new((long)L4ReProtocol.Itas, "N4L4Re4ItasE")];
    public override long Dispatch(ServerCall c) => -(long)L4Err.NoSys;
}

/// <summary>The runtime's remote-access object (protocol 0x400C; itas/remote_access.cc); not used by the modelled programs.</summary>
public sealed class RemoteAccess : ServerObject
{
    public override IReadOnlyList<Iface> Interfaces { get; } = [new((long)L4ReProtocol.RemoteAccess, "N4L4Re13Remote_accessE")];
    public override long Dispatch(ServerCall c) => -(long)L4Err.NoSys;
}

/// <summary>
/// A program thread's exception handler (Thread_signal_handler, itas/signals.cc:223-315, 560-722; itas notes §3): the
/// trap becomes a signal (ARCH-amd64/sig_arch.h map_exception_to_signal); its default action for a fatal signal
/// prints the report (register and stack dump, region map) and exits with 128 + the signal; an exception that maps
/// to no signal (int3) is reported and never answered.
/// </summary>
public sealed class ThreadSignalHandler(ItasState st, Process server, ulong threadSlot) : ServerObject
{
    public override IReadOnlyList<Iface> Interfaces { get; } =
        [new((long)Protocol.PageFault, "N2L45PagerE"), new((long)Protocol.Exception, "N2L49ExceptionE")];
    public ulong ThreadSlot { get; } = threadSlot;

    public override long Dispatch(ServerCall c)
    {
        if (c.Tag.Label == (long)Protocol.PageFault) return st.Rm!.Resolve(server, c.Sys, c.Utcb.Mr(0), c.Utcb.Mr(1));
        var regs = new ulong[ExcRegs.Words];
        for (int i = 0; i < regs.Length; i++) regs[i] = c.Utcb.Mr(i);
        var sig = MapTrap(regs[ExcRegs.Trapno], regs[ExcRegs.Err], regs[ExcRegs.Pfa], regs[ExcRegs.Ip]);
        if (sig == null)
        {
            // Unknown: "Unhandled exception", the dumps, and no reply (signals.cc:282-294)
            st.Err(server, false, $"{st.Binary}: Unhandled exception: PC=0x{regs[ExcRegs.Ip]:x} PFA=0x{(regs[ExcRegs.Pfa] & ~7UL) | (regs[ExcRegs.Err] & 2):x} LdrFlgs=0x{st.Env.LdrFlags:x}\n");
            DumpState(false, regs);
            return ServerLoop.NoReply;
        }
        DefaultAction(c, sig.Value, regs);
        return ServerLoop.NoReply;
    }

    /// <summary>map_exception_to_signal (ARCH-amd64/sig_arch.h:113-203): (signo, si_code, si_addr), or null for "Unknown".</summary>
    public static (int Signo, int Code, ulong Addr)? MapTrap(ulong trap, ulong err, ulong pfa, ulong ip) => trap switch
    {
        0 => (8, 1, ip),
        1 => (5, 1, ip),
        6 => (4, 1, ip),
        9 => (8, 0, 0),
        10 => (11, 0, 0),
        11 or 12 => (7, 2, pfa),
        13 => (11, 2, ip),
        14 => (11, 1, pfa),
        16 or 19 => (8, 0, ip),
        17 => (7, 1, pfa),
        _ => null,
    };

    /// <summary>uClibc strsignal texts of the signals the runtime raises.</summary>
    public static string SignalName(int signo) => signo switch
    {
        4 => "Illegal instruction", 5 => "Trace/breakpoint trap", 6 => "Aborted", 7 => "Bus error",
        8 => "Floating point exception", 11 => "Segmentation fault", _ => $"Unknown signal {signo}",
    };

    /// <summary>call_default_action for the core-dump class (signals.cc:560-636).</summary>
    private void DefaultAction(ServerCall c, (int Signo, int Code, ulong Addr) sig, ulong[] regs)
    {
        // stop_all_threads: every registered thread is cancelled and gets an exception when it runs again
        c.Sys.ExRegs(ThreadSlot << 12, ~0UL, ~0UL, ExRegsFlags.Cancel | ExRegsFlags.TriggerException);
        st.Err(server, true, $"Fatal signal: {SignalName(sig.Signo)} (si_signo={sig.Signo}, si_code={sig.Code})\n");
        if (sig.Signo is 4 or 8 or 11 or 7) st.Err(server, true, $"si_addr={(sig.Addr == 0 ? "(nil)" : $"0x{sig.Addr:x}")}\n");
        st.Err(server, true, $"Binary: '{st.Binary}'\n");
        DumpState(true, regs);
        st.Err(server, true, "No backtrace service available!\n");
        foreach (var line in st.Rm!.Dump()) st.Out(server, line + "\n");
        Exit(c, 128 + sig.Signo);
    }

    private void Exit(ServerCall c, long code)
    {
        ParentClient.Signal(c.Sys, st.Env.Parent, 0, unchecked((ulong)code));
        server.SleepForever();
    }

    private static string X(ulong v, int width) => (v == 0 ? "0" : $"0x{v:x}").PadLeft(width);

    /// <summary>dump_exception_state (sig_arch.h:205-224) and dump_stack (signals.cc:666-722).</summary>
    private void DumpState(bool fatal, ulong[] r)
    {
        void L(string s) => st.Err(server, fatal, s + "\n");
        L($"rax = {X(r[ExcRegs.Rax], 18)}  rbx = {X(r[ExcRegs.Rbx], 18)}");
        L($"rcx = {X(r[ExcRegs.Rcx], 18)}  rdx = {X(r[ExcRegs.Rdx], 18)}");
        L($"rsi = {X(r[ExcRegs.Rsi], 18)}  rdi = {X(r[ExcRegs.Rdi], 18)}");
        L($"r8  = {X(r[ExcRegs.R8], 18)}  r9  = {X(r[ExcRegs.R9], 18)}");
        L($"r10 = {X(r[ExcRegs.R10], 18)}  r11 = {X(r[ExcRegs.R11], 18)}");
        L($"r12 = {X(r[ExcRegs.R12], 18)}  r13 = {X(r[ExcRegs.R13], 18)}");
        L($"r14 = {X(r[ExcRegs.R14], 18)}  r15 = {X(r[ExcRegs.R15], 18)}");
        L($"rsp = {X(r[ExcRegs.Sp], 18)}  rbp = {X(r[ExcRegs.Rbp], 18)}");
        L("");
        L($"rip = {X(r[ExcRegs.Ip], 18)}  rflags = {X(r[ExcRegs.Rflags], 15)}");
        L($"pfa = {X(r[ExcRegs.Pfa], 18)}");
        L($"trap = {r[ExcRegs.Trapno]} / err = {(r[ExcRegs.Err] == 0 ? "0" : $"0x{r[ExcRegs.Err]:x}")}");
        L("");
        ulong segs = r[ExcRegs.Segs];
        L($"ds = {X(segs & 0xFFFF, 4)}   es = {X((segs >> 16) & 0xFFFF, 4)}   fs = {X((segs >> 32) & 0xFFFF, 4)}   gs = {X(segs >> 48, 4)}   ss = {X(r[ExcRegs.Ss], 4)}");
        L($"fs_base = {X(r[ExcRegs.FsBase], 14)}  gs_base = {X(r[ExcRegs.GsBase], 14)}");
        L("");
        L("Stack dump:");
        ulong sp = r[ExcRegs.Sp];
        if ((sp & 7) != 0) { L("WARNING: unaligned stack!"); sp &= ~7UL; }
        var region = st.Rm!.Table.Find(sp);
        if (region == null) { L("--- invalid stack region ---"); return; }
        ulong len = Math.Min(1024, region.End + 1 - sp);
        var words = new List<ulong>();
        Span<byte> b = stackalloc byte[8];
        for (ulong a = sp; a < sp + len; a += 8)
        {
            if (!server.TryRead(a, b))
            {
                if (st.Rm.Resolve(server, server.Sys, a & ~0xFFFUL, 0) < 0 || !server.TryRead(a, b)) { L("--- unreadable stack region ---"); return; }
            }
            words.Add(BitConverter.ToUInt64(b));
        }
        for (int i = 0; i < words.Count; i += 2)
        {
            string line = $"{sp + (ulong)(8 * i),16:x}:" + $" {words[i],16:x}" + (i + 1 < words.Count ? $" {words[i + 1],16:x}" : "");
            L(line);
        }
    }
}
