using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Itas;

/// <summary>
/// The runtime's signal manager (L4Re::Itas, protocol 0x400A; itas/signals.{h,cc}): the program's env.itas. It
/// registers the threads a program creates (register_thread, opcode 0: signals.cc:819-912): each gets its own
/// exception handler object and gate, a page-fault trampoline from a kernel-user-memory page, and is bound with the
/// external region map as pager. The modelled programs install no signal handlers, so the other operations answer
/// -ENOSYS and every signal takes its default action.
/// </summary>
public sealed class SignalManager(ItasState st, Process server, Func<string, ulong> entryOf) : ServerObject
{
    /// <summary>sizeof(l4_pf_trampoline_t) on amd64 (the program thread's comes from the UTCB area: itas notes §1).</summary>
    public const ulong TrampSize = 0xE0;
    private readonly Dictionary<ulong, ThreadSignalHandler> _threads = new();
    private readonly Stack<ulong> _freeTramps = new();

    public override IReadOnlyList<Iface> Interfaces { get; } = [new((long)L4ReProtocol.Itas, "N4L4Re4ItasE")];
    /// <summary>The server loop the handler objects join.</summary>
    public ServerLoop? Loop { get; set; }

    public override long Dispatch(ServerCall c) =>
        c.Args().Opcode() switch { 0 => RegisterThread(c), _ => -(long)L4Err.NoSys };

    private long RegisterThread(ServerCall c)
    {
        var r = c.Args();
        r.Opcode();
        r.AlignWord();
        ulong utcb = r.U64();
        if (!r.Ok || c.Items < 2) return -(long)L4Err.MsgTooShort;
        var (word, payload) = c.Item(1);
        if ((word & 0x3E) != 0x3E) return -(long)L4Err.Inval;           // the thread cap must arrive as a local id
        ulong child = payload >> 12;
        if (_threads.ContainsKey(child)) return 0;
        if (AllocTramp(c) is not { } tramp) return -(long)L4Err.NoMem;
        server.WriteU64(tramp, entryOf(ItasProgram.PfHandler));          // handler_ip
        var h = new ThreadSignalHandler(st, server, child, tramp) { Label = st.NewObjectLabel() };
        ulong slot = st.AllocCap();
        c.Sys.CreateGate(st.Env.Factory, slot << 12, st.Env.MainThread, h.Label);
        h.Cap = slot << 12;
        Loop?.Add(h, h.Label);
        _threads[child] = h;
        var s = c.Sys;
        long ret = s.Error(s.ThreadControl(child << 12, ThreadCtlFlags.SetPager | ThreadCtlFlags.SetExcHandler | ThreadCtlFlags.BindTask,
            pager: st.Env.Rm, excHandler: (slot << 12) | 0x10, bindTask: 0x1000, utcb: utcb));
        if (ret >= 0)
        {
            var u = c.Utcb;
            u.SetMr(0, (ulong)ThreadOp.PfTrampControl);                  // pf_trampoline_setup (sub-op 0)
            u.SetMr(1, tramp);
            ret = s.Error(s.Call(child << 12, new MsgTag((long)Protocol.Thread, 2, 0)));
            if (ret >= 0) return ret;
        }
        _threads.Remove(child);
        _freeTramps.Push(tramp);
        return ret;
    }

    /// <summary>Pf_tramp_alloc (signals.cc:29-101): trampolines from one reserved page added as kernel-user memory.</summary>
    private ulong? AllocTramp(ServerCall c)
    {
        if (_freeTramps.Count == 0)
        {
            if (st.Rm!.Table.AttachArea(0, 0x1000, RmFlags.Reserved | RmFlags.SearchAddr, 12) is not { } page) return null;
            var u = c.Utcb;
            u.SetMr(0, (ulong)TaskOp.AddKuMem);
            u.SetMr(1, Fpage.Memory(page, 12, MemRights.RW).Raw);
            if (c.Sys.Error(c.Sys.Call(0x1000, new MsgTag((long)Protocol.Task, 2, 0))) < 0) { st.Rm.Table.RemoveArea(page); return null; }
            for (ulong a = page + 0x1000 - TrampSize; a >= page && a < page + 0x1000; a -= TrampSize) _freeTramps.Push(a);
        }
        return _freeTramps.Pop();
    }
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
/// to no signal (int3) is reported and never answered; one triggered by ex_regs (trap 0xff) is answered.
/// </summary>
public sealed class ThreadSignalHandler(ItasState st, Process server, ulong threadSlot, ulong tramp) : ServerObject
{
    public override IReadOnlyList<Iface> Interfaces { get; } =
        [new((long)Protocol.PageFault, "N2L45PagerE"), new((long)Protocol.Exception, "N2L49ExceptionE")];
    public ulong ThreadSlot { get; } = threadSlot;

    public override long Dispatch(ServerCall c)
    {
        if (c.Tag.Label == (long)Protocol.PageFault) return st.Rm!.Resolve(server, c.Sys, c.Utcb.Mr(0), c.Utcb.Mr(1));
        var regs = new ulong[ExcRegs.Words];
        for (int i = 0; i < regs.Length; i++) regs[i] = c.Utcb.Mr(i);
        if (regs[ExcRegs.Trapno] == ExcRegs.TrapExRegs) return ExRegsException(c, regs);
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

    /// <summary>
    /// Exc_cause::Ex_regs (signals.cc:296-314): someone interrupted the thread to deliver pending signals. During a
    /// page fault in the trampoline the delivery waits for its resume; else the pending signals are delivered (the
    /// modelled programs never have any) and the answer is the registers, so the thread goes on where it was.
    /// </summary>
    private long ExRegsException(ServerCall c, ulong[] regs)
    {
        ulong flags = server.ReadU64(tramp + (ulong)Kernel.TrampFlags);
        if ((flags & Kernel.TrampInProgress) != 0) server.WriteU64(tramp + (ulong)Kernel.TrampFlags, flags | Kernel.TrampTriggerException);
        foreach (var r in regs) c.Reply.U64(r);                       // In_out<l4_exc_regs_t>: the registers go back
        return 0;
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
