using Iced.Intel;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;
using L4Conf.Reference.Sigma0;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Conformance.Cases;

/// <summary>What the handler thread saw: one entry per page fault or exception message.</summary>
public sealed record HandlerEvent(long Label, int Words, ulong Flags, ulong ReceivedLabel, ulong[] Mrs);

/// <summary>
/// A machine with sigma0, an application task whose thread runs real x86-64 code (assembled with Iced), and a
/// handler task whose thread is the application's pager and exception handler. The handler is a program that
/// answers each message with what <see cref="OnMessage"/> decides.
/// </summary>
public sealed class MachineFixture
{
    public const ulong CodeVa = 0x40_0000, StackTop = 0x80_0000, DataVa = 0x1000_0000, HandlerCap = 0x30;
    public World W { get; } = new(sigma0: true, machine: true);
    public UserTask App { get; }
    public UserTask Handler { get; }
    public List<HandlerEvent> Seen { get; } = new();
    public Cpu Cpu { get; } = new();
    /// <summary>Decides the answer to a message: reply tag (the UTCB may be filled), or null for no reply.</summary>
    public Func<MachineFixture, HandlerEvent, MsgTag?> OnMessage { get; set; } = (_, _) => new MsgTag(-1, 0, 0);
    private ulong _rootVa = 0x3000_0000;

    public MachineFixture()
    {
        App = W.NewTask("app");
        Handler = W.NewTask("handler");
        W.Check(W.Map(App.TaskSel, HandlerCap << 12, CapRights.RWS, 0, Handler.ThreadSel), "handler thread cap into app");
        W.Check(W.Root.ThreadControl(App.ThreadSel, ThreadCtlFlags.SetPager | ThreadCtlFlags.SetExcHandler, pager: HandlerCap << 12, excHandler: HandlerCap << 12), "pager and exception handler");
        W.Check(W.Map(Handler.TaskSel, 0x20 << 12, CapRights.RWS, 0, App.TaskSel), "app's task cap into handler");
        W.K.Start(Handler.Thread, HandlerProgram());
    }

    /// <summary>A fresh page from sigma0 (through root), mapped into <paramref name="into"/> at <paramref name="va"/> with <paramref name="rights"/>; returns its physical address.</summary>
    public ulong GivePage(UserTask into, ulong va, MemRights rights, ReadOnlySpan<byte> content = default)
    {
        ulong rva = _rootVa;
        _rootVa += 0x1000;
        W.Check(W.Sigma0Call(W.Root, World.PagerCap, (ulong)Sigma0Request.FpageAny, Fpage.Memory(0, 12, MemRights.None), Fpage.Memory(rva, 12, MemRights.RWX)), "page from sigma0");
        ulong pa = W.K.FindMem(W.Boot.Root, rva)!.Pa;
        if (!content.IsEmpty) W.K.Physical!.Write(pa, content);
        W.Check(W.Root.TaskMap(into.TaskSel, World.TaskCap, Fpage.Memory(rva, 12, rights), va), "map page");
        return pa;
    }

    /// <summary>Assembles <paramref name="code"/> at <see cref="CodeVa"/>, maps it RX with a RW stack, and starts the app thread on it with an instruction budget.</summary>
    public UserMachine Start(Action<Assembler> code, long budget = long.MaxValue)
    {
        var asm = new Assembler(64);
        code(asm);
        var stream = new MemoryStream();
        asm.Assemble(new StreamCodeWriter(stream), CodeVa);
        GivePage(App, CodeVa, MemRights.RX, stream.ToArray());
        GivePage(App, StackTop - 0x1000, MemRights.RW);
        var regs = new CpuState { Rip = CodeVa, Rsp = StackTop, GsBase = App.Thread.UtcbAddress + 0x1F8 };
        var m = new UserMachine(regs, W.K.BusOf(App.Task), Cpu.Run) { Budget = budget };
        W.K.StartMachine(App.Thread, m);
        return m;
    }

    private IEnumerable<SyscallRequest> HandlerProgram()
    {
        var s = W.ProgramSys(Handler.Thread);
        var u = Handler.Thread.Utcb;
        yield return s.Next(s.Wait());
        while (true)
        {
            var tag = Handler.Thread.ResultTag;
            var ev = new HandlerEvent(tag.Label, tag.Words, (ulong)tag.Flags, Handler.Thread.ResultLabel, u.W.AsSpan(0, tag.Words).ToArray());
            Seen.Add(ev);
            var reply = OnMessage(this, ev);
            if (reply is { } r) yield return s.Next(s.ReplyAndWait(r));
            else yield return s.Next(s.Wait());
        }
    }

    /// <summary>
    /// Machine code for a call to the handler thread (cap <see cref="HandlerCap"/>) with a tag of <paramref name="label"/>
    /// and <paramref name="words"/> words, the MRs as the UTCB holds them: RAX tag, RDX selector | call, RSI and R8 zero.
    /// </summary>
    public static void CallHandler(Assembler a, long label, int words)
    {
        a.mov(Iced.Intel.AssemblerRegisters.rax, (label << 16) | (long)words);
        a.mov(Iced.Intel.AssemblerRegisters.rdx, (long)((HandlerCap << 12) | 3));
        a.xor(Iced.Intel.AssemblerRegisters.esi, Iced.Intel.AssemblerRegisters.esi);
        a.xor(Iced.Intel.AssemblerRegisters.r8d, Iced.Intel.AssemblerRegisters.r8d);
        a.syscall();
    }

    /// <summary>
    /// Answers the first exception by resuming the app past its ud2: the thread's own registers with IP + 2, with
    /// Transfer_fpu when <paramref name="transferFpu"/> (IPC-MSG-3); later messages get no reply.
    /// </summary>
    public static Func<MachineFixture, HandlerEvent, MsgTag?> ResumePastUd2(bool transferFpu) => (fx, ev) =>
    {
        if (fx.Seen.Count > 1) return null;
        var u = fx.Handler.Thread.Utcb;
        for (int k = 0; k < ExcRegs.Words; k++) u.SetMr(k, ev.Mrs[k]);
        u.SetMr(ExcRegs.Ip, ev.Mrs[ExcRegs.Ip] + 2);
        return new MsgTag(0, ExcRegs.Words, 0, transferFpu ? MsgTagFlags.TransferFpu : 0);
    };

    /// <summary>
    /// Root writes the app thread's GDT user entries from <paramref name="first"/> on (L4_THREAD_X86_GDT_OP); returns the
    /// answer's label: the first entry's selector, or an error.
    /// </summary>
    public long SetAppGdtEntries(ulong first, params ulong[] descriptors)
    {
        var u = W.Boot.RootThread.Utcb;
        u.SetMr(0, (ulong)ThreadOp.X86Gdt);
        u.SetMr(1, first);
        for (int k = 0; k < descriptors.Length; k++) u.SetMr(2 + k, descriptors[k]);
        return W.Root.Call(App.ThreadSel, new MsgTag((long)Protocol.Thread, 2 + descriptors.Length, 0)).Label;
    }

    /// <summary>Writes word <paramref name="word"/> of the app thread's UTCB in user memory, as another thread of its task would.</summary>
    public bool WriteAppUtcbWord(int word, ulong value) =>
        W.K.BusOf(App.Task).Write(App.Thread.UtcbAddress + (ulong)word * 8, BitConverter.GetBytes(value), out _);

    /// <summary>Answers a page fault by mapping a page of the handler's (at <paramref name="handlerVa"/>) to the faulting page, RW.</summary>
    public MsgTag MapReply(ulong handlerVa, ulong faultVa, MemRights rights = MemRights.RW)
    {
        var u = Handler.Thread.Utcb;
        u.SetMr(0, (faultVa & ~0xFFFUL) | (ulong)ItemBits.Map);
        u.SetMr(1, Fpage.Memory(handlerVa, 12, rights).Raw);
        return new MsgTag(0, 0, 1);
    }
}
