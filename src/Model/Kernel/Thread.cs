using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>Thread states as far as the kernel core observes them; IPC states come with the IPC model.</summary>
public enum ThreadState { Dead, Ready }

/// <summary>
/// A thread: protocol L4_PROTO_THREAD, opcode = MR0 &amp; 0xFFFF (fiasco src/kern/thread_object.cpp; abi-facts §7.2).
/// Control and binding only here; any other label is IPC to the thread, which the IPC model adds.
/// </summary>
public sealed class Thread : KObject
{
    /// <summary>Thread control blocks are 8 KiB-aligned blocks in the real dump (…e230, …c230); size charged: 8 KiB (UNCONFIRMED).</summary>
    public const ulong ObjectSize = 0x2000;
    /// <summary>"Invalid" pager / exception handler of a fresh thread (index ~0).</summary>
    public const ulong NoCap = ulong.MaxValue >> 12;

    public Thread(Kernel k) : base(k, ObjectSize) { }

    public Task? Task { get; private set; }
    public ThreadState State { get; private set; } = ThreadState.Dead;
    public ulong PagerIndex { get; private set; } = NoCap;
    public ulong ExcHandlerIndex { get; private set; } = NoCap;
    public ulong UtcbAddress { get; private set; }
    public ulong Ip { get; private set; }
    public ulong Sp { get; private set; }
    public ulong Rflags { get; private set; } = 0x202;
    public int Priority { get; internal set; } = 1;    // Default_prio
    public Utcb Utcb { get; } = new();

    public override string JdbType => "Thread";
    public override string JdbAttributes => Task != null ? $"C=0 S=D:{Task.DbgId:x} R={Priority}" : "C=0 R=0";

    /// <summary>Binds at boot: the kernel's own threads start bound and ready.</summary>
    internal void BootBind(Task task, ulong utcb, ulong pager)
    {
        Bind(task, utcb);
        PagerIndex = pager;
        ExcHandlerIndex = 0;
        State = ThreadState.Ready;
    }

    private void Bind(Task task, ulong utcb)
    {
        Task = task;
        UtcbAddress = utcb;
        Utcb.W[63] = utcb;    // the kernel keeps the UTCB's own address in word 63
        task.Threads.Add(this);
    }

    internal void Kill()
    {
        State = ThreadState.Dead;
        Task?.Threads.Remove(this);
    }

    public override InvokeResult Invoke(Invocation inv)
    {
        if (inv.Tag.Label != (long)Protocol.Thread)
            return InvokeResult.Unmodelled("IPC to a thread (label is not L4_PROTO_THREAD)");
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.MsgTooShort);
        return (ThreadOp)(inv.Mr(0) & 0xFFFF) switch
        {
            ThreadOp.Control => Control(inv),
            ThreadOp.ExRegs => ExRegs(inv),
            ThreadOp.Switch => InvokeResult.Ok(),
            ThreadOp.Stats => Stats(inv),
            _ => InvokeResult.Err(L4Err.NoSys),
        };
    }

    /// <summary>L4_THREAD_CONTROL_OP: pager, exception handler, bind to a task with a UTCB address (THR-CTL-1..5).</summary>
    private InvokeResult Control(Invocation inv)
    {
        if (!inv.Has(CapRights.S)) return InvokeResult.Err(L4Err.Perm);
        if (inv.Tag.Words < 6) return InvokeResult.Err(L4Err.Inval);
        var flags = (ThreadCtlFlags)(inv.Mr(0) & ~0xFFFFUL);
        Task? bindTo = null;
        ulong utcb = 0;
        if (flags.HasFlag(ThreadCtlFlags.BindTask))
        {
            if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not Task t) return InvokeResult.Err(L4Err.Inval);
            if ((arg.Rights & CapRights.S) == 0) return InvokeResult.Err(L4Err.Perm);
            if (Task != null) return InvokeResult.Err(L4Err.Inval);             // "unbind first"
            utcb = inv.Mr(5);
            if ((utcb & (Utcb.Words * 8 - 1)) != 0 || !t.InKuMem(utcb, Utcb.Words * 8)) return InvokeResult.Err(L4Err.Inval);
            bindTo = t;
        }
        ulong oldPager = PagerIndex, oldExc = ExcHandlerIndex;
        if (flags.HasFlag(ThreadCtlFlags.SetPager)) PagerIndex = inv.Mr(1) >> 12;
        if (flags.HasFlag(ThreadCtlFlags.SetExcHandler)) ExcHandlerIndex = inv.Mr(2) >> 12;
        if (bindTo != null) Bind(bindTo, utcb);
        inv.Utcb.SetMr(0, 0);
        inv.Utcb.SetMr(1, oldPager << 12);
        inv.Utcb.SetMr(2, oldExc << 12);
        return InvokeResult.Ok(3);
    }

    /// <summary>L4_THREAD_EX_REGS_OP: exactly 3 words; returns old RFLAGS, IP, SP; revives a dead thread (THR-EXR-1..3).</summary>
    private InvokeResult ExRegs(Invocation inv)
    {
        if (inv.Tag.Words != 3 || (inv.Mr(0) & (ulong)ExRegsFlags.ArchMask) != 0) return InvokeResult.Err(L4Err.Inval);
        ulong oldIp = Ip, oldSp = Sp, oldFlags = Rflags;
        if (inv.Mr(1) != ulong.MaxValue) Ip = inv.Mr(1);
        if (inv.Mr(2) != ulong.MaxValue) Sp = inv.Mr(2);
        if (Task != null) State = ThreadState.Ready;
        inv.Utcb.SetMr(0, oldFlags);
        inv.Utcb.SetMr(1, oldIp);
        inv.Utcb.SetMr(2, oldSp);
        return InvokeResult.Ok(3);
    }

    /// <summary>L4_THREAD_STATS_OP: consumed CPU time in µs (logical time: none consumed yet).</summary>
    private InvokeResult Stats(Invocation inv)
    {
        inv.Utcb.SetMr(0, 0);
        return InvokeResult.Ok(1);
    }

    protected internal override void OnDestroy() => Kill();
}
