using L4Conf.Model.Abi;
using L4Conf.Model.Kernel.Ipc;

namespace L4Conf.Model.Kernel;

/// <summary>Thread states as JDB shows them: dead, ready, blocked sending, blocked receiving.</summary>
public enum ThreadState { Dead, Ready, Sending, Receiving }

/// <summary>
/// A thread: protocol L4_PROTO_THREAD, opcode = MR0 &amp; 0xFFFF (fiasco src/kern/thread_object.cpp; abi-facts §7.2).
/// Control and binding only here; any other label is IPC to the thread, which the IPC model adds.
/// </summary>
public sealed partial class Thread : KObject
{
    /// <summary>Thread control blocks are 8 KiB-aligned blocks in the real dump (…e230, …c230); size charged: 8 KiB (UNCONFIRMED).</summary>
    public const ulong ObjectSize = 0x2000;
    /// <summary>"Invalid" pager / exception handler of a fresh thread (index ~0).</summary>
    public const ulong NoCap = ulong.MaxValue >> 12;

    public Thread(Kernel k) : base(k, ObjectSize) => ReadyNode = new LinkedListNode<Thread>(this);

    /// <summary>This thread's node in the ready queue, allocated once.</summary>
    internal readonly LinkedListNode<Thread> ReadyNode;

    public Task? Task { get; private set; }
    private bool _dead = true;
    public ThreadState State => _dead ? ThreadState.Dead
        : Ipc?.Phase switch { IpcPhase.Sending => ThreadState.Sending, IpcPhase.Receiving or IpcPhase.WaitingForReply => ThreadState.Receiving, _ => ThreadState.Ready };

    /// <summary>The IPC this thread has in flight, while it is blocked in it.</summary>
    public IpcOperation? Ipc { get; internal set; }
    /// <summary>Threads blocked sending to this thread, highest priority first, FIFO within a priority.</summary>
    internal readonly LinkedList<Thread> Senders = new();
    public IReadOnlyCollection<Thread> SenderQueue => Senders;
    /// <summary>IRQs bound to this thread that were triggered and not yet received.</summary>
    internal readonly LinkedList<IrqSender> PendingIrqs = new();
    /// <summary>The implicit reply capability: the caller waiting for this thread's reply, with the W/S it used.</summary>
    public Thread? ReplyTo { get; internal set; }
    internal CapRights ReplyRights;
    /// <summary>Result registers of the last completed system call: RAX (tag) and RSI (label).</summary>
    public MsgTag ResultTag { get; internal set; }
    public ulong ResultLabel { get; internal set; }
    /// <summary>RSI as the thread's current system call passed it: what an error leaves in RSI (IPC-ERR-2).</summary>
    public ulong EntryLabel { get; internal set; }
    /// <summary>The user program the scheduler runs on this thread (a sequence of system calls).</summary>
    public IEnumerator<SyscallRequest>? Program { get; internal set; }
    /// <summary>Machine code this thread executes (registers, address space, CPU), when it is not driven by a program.</summary>
    public UserMachine? Machine
    {
        get => _machine;
        internal set
        {
            _machine = value;
            // The CPU runs this thread on Fiasco's GDT with the thread's own user entries (L4_THREAD_X86_GDT_OP).
            if (value != null) value.Regs.Gdt = new global::L4Conf.Model.Machine.FiascoGdt(GdtUserEntries);
        }
    }
    private UserMachine? _machine;
    /// <summary>The kernel-made IPC the thread is in (its syscall, a page fault, an exception).</summary>
    public KernelIpcKind KernelIpc { get; internal set; }
    internal ulong[]? SavedFaultWords;
    /// <summary>Page-fault trampoline: the l4_pf_trampoline_t address, armed (Thread_pf_trampoline), and the return resume/reflect asked for.</summary>
    public ulong PfTrampAddress { get; internal set; }
    public bool PfTrampArmed { get; internal set; }
    internal (ulong Sub, L4Conf.Model.Machine.CpuState Regs, L4Conf.Model.Machine.Trap Trap, bool Trigger)? PfTrampReturn;
    internal L4Conf.Model.Machine.Trap PendingTrap;

    /// <summary>Set by ex_regs with TRIGGER_EXCEPTION: raise exception IPC (trapno 0xff) on return to user.</summary>
    public bool ExceptionTriggered { get; internal set; }
    /// <summary>Time slice in µs (run_thread quantum, default 10 ms) and what is left of it.</summary>
    public ulong Quantum { get; internal set; } = (ulong)KernelLimits.DefaultTimeSliceUs;
    public ulong SliceLeft { get; internal set; } = (ulong)KernelLimits.DefaultTimeSliceUs;
    /// <summary>Logical µs this thread has run (thread stats).</summary>
    public ulong CpuTime { get; internal set; }
    public ulong PagerIndex { get; private set; } = NoCap;
    public ulong ExcHandlerIndex { get; private set; } = NoCap;
    public ulong UtcbAddress { get; private set; }
    /// <summary>User IP, SP and RFLAGS: the machine's registers while the thread runs machine code (ex_regs reads and sets them).</summary>
    public ulong Ip { get => Machine?.Regs.Rip ?? _ip; private set { if (Machine is { } m) m.Regs.Rip = value; else _ip = value; } }
    public ulong Sp { get => Machine?.Regs.Rsp ?? _sp; private set { if (Machine is { } m) m.Regs.Rsp = value; else _sp = value; } }
    public ulong Rflags => Machine?.Regs.Rflags ?? 0x202;
    private ulong _ip, _sp;
    /// <summary>
    /// The FS and GS bases user code runs with: the machine's while it runs machine code. Binding points GS at the
    /// UTCB's own-address word (context-ia32-64.cpp:78-82); set_segment_base changes either (THR-SEG-1).
    /// </summary>
    public ulong FsBase { get => Machine?.Regs.FsBase ?? _fsBase; private set { if (Machine is { } m) m.Regs.FsBase = value; _fsBase = value; } }
    public ulong GsBase { get => Machine?.Regs.GsBase ?? _gsBase; private set { if (Machine is { } m) m.Regs.GsBase = value; _gsBase = value; } }
    private ulong _fsBase, _gsBase;
    public int Priority { get; internal set; } = 1;    // Default_prio; change through Kernel.SetPriority while queued
    public Utcb Utcb { get; } = new();

    public override string JdbType => "Thread";
    public override string JdbAttributes => Task != null ? $"C=0 S=D:{Task.DbgId:x} R={Priority}" : "C=0 R=0";

    /// <summary>Binds at boot: the kernel's own threads start bound and ready.</summary>
    internal void BootBind(Task task, ulong utcb, ulong pager)
    {
        Bind(task, utcb);
        PagerIndex = pager;
        ExcHandlerIndex = 0;
        _dead = false;
    }

    private void Bind(Task task, ulong utcb)
    {
        Task = task;
        UtcbAddress = utcb;
        Utcb.W[63] = utcb;    // the kernel keeps the UTCB's own address in word 63
        Utcb.Touch(63, 1);
        _gsBase = utcb + Utcb.OwnAddressOffset;
        task.Threads.Add(this);
    }

    internal void Kill()
    {
        if (_dead) return;
        _dead = true;
        // A program on a dead thread never runs again; a blocking one unwinds from the call it is blocked in.
        var program = Program;
        Program = null;
        program?.Dispose();
        Kernel.AbortIpcOf(this);
        Task?.Threads.Remove(this);
        Kernel.ReleaseReference(Task);      // a killed thread unbinds: its task may go now (thread.cpp:366-367, 605)
    }

    public override InvokeResult Invoke(Invocation inv)
    {
        // Any other label is plain IPC to the thread, delivering the sender's RSI as label (IPC-LABEL-2).
        if (inv.Tag.Label != (long)Protocol.Thread)
            return Kernel.SendIpc(inv, this);
        // Written even to a send-only caller (INV-3, thread_object.cpp:157-160).
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.MsgTooShort) with { WrittenAlways = true };
        return (ThreadOp)(inv.Mr(0) & 0xFFFF) switch
        {
            ThreadOp.Control => Control(inv),
            ThreadOp.ExRegs => ExRegs(inv),
            ThreadOp.Switch => Kernel.ThreadSwitch(inv.Caller, this),
            ThreadOp.Stats => Stats(inv),
            ThreadOp.PfTrampControl => Kernel.PfTrampControl(this, inv),
            ThreadOp.RegisterDeleteIrq => RegisterDeleteIrq(inv),
            ThreadOp.VcpuResume => VcpuResume(inv),
            ThreadOp.VcpuControl => VcpuControl(inv),
            ThreadOp.X86Gdt => Gdt(inv),
            ThreadOp.ModifySender => ModifySenders(inv),
            ThreadOp.Amd64SetSegmentBase => SetSegmentBase(inv),
            ThreadOp.Amd64GetSegmentInfo => SegmentInfo(inv),
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
            if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not Task t) return inv.CapArgError(0);
            if ((arg.Rights & CapRights.S) == 0) return InvokeResult.Err(L4Err.Perm);
            if (Task != null) return InvokeResult.Err(L4Err.Inval);             // "unbind first"
            utcb = inv.Mr(5);
            // Thread::bind: find_ku_mem(utcb, sizeof(Utcb), alignof(Utcb)); the Utcb class is word-aligned (thread.cpp:309)
            if ((utcb & (Utcb.Alignment - 1)) != 0 || !t.InKuMem(utcb, Utcb.Words * 8)) return InvokeResult.Err(L4Err.Inval);
            bindTo = t;
        }
        ulong oldPager = PagerIndex, oldExc = ExcHandlerIndex;
        if (flags.HasFlag(ThreadCtlFlags.SetPager)) PagerIndex = inv.Mr(1) >> 12;
        if (flags.HasFlag(ThreadCtlFlags.SetExcHandler)) ExcHandlerIndex = inv.Mr(2) >> 12;
        if (bindTo != null) Bind(bindTo, utcb);
        // Only MR1 and MR2 are written; MR0 keeps the caller's flags word (thread_object.cpp:501-504, THR-2).
        inv.Utcb.SetMr(1, oldPager << 12);
        inv.Utcb.SetMr(2, oldExc << 12);
        return InvokeResult.Ok(3);
    }

    /// <summary>L4_THREAD_EX_REGS_OP: exactly 3 words; returns old RFLAGS, IP, SP; revives a dead thread (THR-EXR-1..3).</summary>
    private InvokeResult ExRegs(Invocation inv)
    {
        if (inv.Tag.Words != 3) return InvokeResult.Err(L4Err.Inval);
        if (Task == null) return InvokeResult.Err(L4Err.Inval);                                // no space: nothing to set
        ulong oldIp = Ip, oldSp = Sp, oldFlags = Rflags, newIp = inv.Mr(1), newSp = inv.Mr(2);
        var flags = (ExRegsFlags)(inv.Mr(0) & ~0xFFFFUL);
        // A thread in exception IPC keeps its state unless the call cancels it (Thread_in_exception); this answer
        // comes before the arch-flag check (thread_object.cpp:591-600, THR-6).
        bool keep = KernelIpc == KernelIpcKind.Exception && !flags.HasFlag(ExRegsFlags.Cancel);
        if (!keep && (inv.Mr(0) & (ulong)ExRegsFlags.ArchMask) != 0) return InvokeResult.Err(L4Err.Inval);
        inv.Utcb.SetMr(0, oldFlags);
        inv.Utcb.SetMr(1, oldIp);
        inv.Utcb.SetMr(2, oldSp);
        if (keep) return InvokeResult.Ok(3);
        if (newIp != ulong.MaxValue) Ip = newIp;
        if (newSp != ulong.MaxValue) Sp = newSp;
        if (flags.HasFlag(ExRegsFlags.Cancel)) Kernel.CancelIpc(this);                         // THR-EXR-CANCEL
        if (flags.HasFlag(ExRegsFlags.TriggerException)) ExceptionTriggered = true;
        if (_dead) { _dead = false; Kernel.MakeReady(this); }
        return InvokeResult.Ok(3);
    }

    /// <summary>The IRQ triggered when an IPC gate bound to this thread is deleted (Thread::_delete_irq).</summary>
    public IrqSender? DeleteIrq { get; private set; }

    /// <summary>
    /// L4_THREAD_REGISTER_DELETE_IRQ_OP: the item names an IRQ the caller may write (W); a second one is -EBUSY
    /// (fiasco thread_object.cpp sys_register_delete_irq, thread.cpp ipc_gate_deleted) (THR-DELIRQ-1).
    /// </summary>
    private InvokeResult RegisterDeleteIrq(Invocation inv)
    {
        if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not IrqSender irq) return inv.CapArgError(0);
        if ((arg.Rights & CapRights.W) == 0) return InvokeResult.Err(L4Err.Perm);
        if (DeleteIrq is { Alive: true }) return InvokeResult.Err(L4Err.Busy);
        DeleteIrq = irq;
        return InvokeResult.Ok();
    }

    /// <summary>An IPC gate bound to this thread was deleted: its delete IRQ fires.</summary>
    internal void GateDeleted()
    {
        if (DeleteIrq is { Alive: true } irq && !_dead) irq.Trigger();
    }

    /// <summary>L4_THREAD_STATS_OP: consumed CPU time in logical µs.</summary>
    private InvokeResult Stats(Invocation inv)
    {
        inv.Utcb.SetMr(0, CpuTime);
        return InvokeResult.Ok(1);
    }

    /// <summary>
    /// set_segment_base (amd64): MR0 bits 16+ pick FS (0) or GS (1), MR1 is the base, which must be canonical
    /// (thread-ia32-64.cpp:135-159, THR-SEG-1). No rights are checked.
    /// </summary>
    private InvokeResult SetSegmentBase(Invocation inv)
    {
        if (inv.Tag.Words < 2) return InvokeResult.Err(L4Err.MsgTooShort);
        ulong b = inv.Mr(1);
        if (!L4Conf.Model.Machine.Mmu.IsCanonical(b)) return InvokeResult.Err(L4Err.Inval);
        switch (inv.Mr(0) >> 16)
        {
            case 0: FsBase = b; break;
            case 1: GsBase = b; break;
            default: return InvokeResult.Err(L4Err.Inval);
        }
        return InvokeResult.Ok(0);
    }

    /// <summary>
    /// modify_senders (6, THR-MOD-1; thread_object.cpp:348-407): MR1.. hold groups of four words (test mask, test value,
    /// bits to clear, bits to set). Every sender queued on the thread, thread or IRQ, gets the first group whose test
    /// matches its label applied to the label it will deliver (thread-ipc.cpp:207-226, irq.cpp:892-908). Fewer than 5
    /// words change nothing; the answer is 0 either way. (The home-CPU and busy-cursor checks cannot fail on one CPU.)
    /// </summary>
    private InvokeResult ModifySenders(Invocation inv)
    {
        int groups = inv.Tag.Words < 5 ? 0 : (inv.Tag.Words - 1) / 4;
        ulong Modify(ulong label)
        {
            for (int g = 0; g < groups; g++)
                if ((label & inv.Mr(1 + 4 * g)) == inv.Mr(2 + 4 * g))
                    return (label & ~inv.Mr(3 + 4 * g)) | inv.Mr(4 + 4 * g);
            return label;
        }
        if (groups == 0) return InvokeResult.Ok(0);
        foreach (var s in Senders)
            if (s.Ipc is { } op) op.FromSpec = Modify(op.FromSpec ?? op.DeliverLabel);
        foreach (var irq in PendingIrqs) irq.BindLabel = Modify(irq.BindLabel);
        return InvokeResult.Ok(0);
    }

    /// <summary>The thread's four user GDT entries (context-ia32.cpp:8, Gdt_user_entries), as the gdt operation wrote them.</summary>
    public ulong[] GdtUserEntries { get; } = new ulong[4];

    /// <summary>
    /// gdt (0x10, THR-GDT-1; thread-ia32.cpp:546-577): with 1 word it answers MR0 = the first user entry's number
    /// (GDT_USER_ENTRY1 0x58 >> 3 = 11); else it writes the descriptors from MR2 on into the entries from MR1 on
    /// (at most 4), refusing a present descriptor whose DPL is not 3 or that is a system descriptor with -EINVAL (the
    /// entries before it stay written), and answers the first one's selector, (MR1 << 3) + 0x58 + 3, as the label.
    /// The descriptors do not change how the model's CPU addresses memory (64-bit mode ignores their bases but FS/GS).
    /// </summary>
    private InvokeResult Gdt(Invocation inv)
    {
        const ulong UserEntry1 = 0x58;   // GDT_USER_ENTRY1 on amd64 (config_gdt.h:26-30)
        if (inv.Tag.Words == 1) { inv.Utcb.SetMr(0, UserEntry1 >> 3); return InvokeResult.Ok(1); }
        ulong first = inv.Mr(1);
        for (ulong idx = 0, n = first; n < (ulong)GdtUserEntries.Length && 2 + idx < (ulong)inv.Tag.Words; idx++, n++)
        {
            ulong d = inv.Mr(2 + (int)idx);
            bool present = (d & (1UL << 47)) != 0, system = (d & (1UL << 44)) == 0;
            if (present && (((d >> 45) & 3) != 3 || system)) return InvokeResult.Err(L4Err.Inval);   // Gdt_entry::unsafe
            GdtUserEntries[n] = d;
        }
        return InvokeResult.Value((long)((first << 3) + UserEntry1 + 3));
    }

    /// <summary>segment_info (amd64): 3 words, the user selectors DS 0x23, CS64 0x2b, CS32 0x1b (thread-ia32-64.cpp:161-165).</summary>
    private InvokeResult SegmentInfo(Invocation inv)
    {
        inv.Utcb.SetMr(0, GdtSelectors.UserData);
        inv.Utcb.SetMr(1, GdtSelectors.UserCode64);
        inv.Utcb.SetMr(2, GdtSelectors.UserCode32);
        return InvokeResult.Ok(3);
    }

    protected internal override void OnDestroy() => Kill();
}
