using L4Conf.Model.Abi;
using L4Conf.Model.Trace;
using L4Conf.Model.Kernel.Ipc;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The kernel's object state: every live object in creation order (Kobject_dbg::_kobjects), debug ids,
/// the console, and the single system-call entry. Object-specific behaviour lives in each object's class.
/// </summary>
public sealed partial class Kernel
{
    private readonly List<KObject> _objects = new();
    private ulong _nextDbgId;
    private ulong _nextAddress = 0xffff_fffe_e100_0000;

    public TraceRecorder Trace { get; } = new();
    /// <summary>Logical time in µs; each system call costs <see cref="SyscallCostUs"/>.</summary>
    public ulong Clock { get; internal set; }
    /// <summary>
    /// The CPU's CR2: the address of the last page fault on this CPU, by any thread. The kernel saves it with every
    /// trap (save_all_regs: SAVE_STATE save_cr2=1, fiasco src/kern/ia32/64/low_level.h:254-300), so the exception
    /// message of a trap that is not a page fault carries a stale pfa (faults_plain.log: ud2 with pfa 0x405370).
    /// </summary>
    public ulong Cr2 { get; internal set; }
    public const ulong SyscallCostUs = 1;
    internal readonly Sched.ReadyQueue Ready = new();
    internal readonly Sched.Timers Timers = new();
    /// <summary>No thread is ready: every one waits for a message or a timeout (where a person would enter JDB).</summary>
    public bool Quiescent => Ready.Count == 0;
    public KernelConfig Config { get; }
    public System.Text.StringBuilder Console { get; } = new();
    /// <summary>Every piece of console output as the kernel log writes it (for streaming to a terminal).</summary>
    public event Action<string>? ConsoleWritten;
    /// <summary>Prints on the kernel console, as the kernel's own messages (the boot banner) appear.</summary>
    public void KernelPrint(string text)
    {
        Console.Append(text);
        ConsoleWritten?.Invoke(text);
        Trace.Add(new ConsoleOutput(ulong.MaxValue, text));
    }
    public IReadOnlyList<KObject> Objects => _objects;

    /// <summary>Where a task's object and memory spaces sit inside its Task object (task + 0x58 in caplife.log's warnings
    /// and dumps: task fffffffee1ef5620, space 0xfffffffee1ef5678).</summary>
    public const ulong SpaceOffset = 0x58;

    /// <summary>
    /// map() found nothing at the sender (fiasco src/kern/map_util.cpp:523,584,799-804): the kernel's WARN line, with
    /// the start of the send range and its size in pages (slots for objects) and both spaces' kernel addresses.
    /// </summary>
    internal void WarnNothingMapped(string space, Task from, ulong sndStart, ulong size, Task to) =>
        KernelPrint($"\n\x1b[31mKERNEL\x1b[m: Warning: nothing mapped: ({space}) from [0x{from.Address + SpaceOffset:x}]: {sndStart:x16} size: {size:x16} to [0x{to.Address + SpaceOffset:x}]\n");

    public Kernel(KernelConfig? config = null) => Config = config ?? KernelConfig.Default;

    /// <summary>Assigns the next debug id and a model address, records the creation.</summary>
    internal T Register<T>(T obj, Factory? creator) where T : KObject
    {
        obj.DbgId = _nextDbgId++;
        obj.Address = _nextAddress;
        _nextAddress += (obj.Size + 0xF) & ~0xFUL;
        _objects.Add(obj);
        Trace.Add(new ObjectCreated(obj.DbgId, obj.JdbType, obj.Name, creator?.DbgId));
        if (obj is Task t) AttachSpace(t);
        return obj;
    }

    /// <summary>
    /// The one system call (amd64 `syscall`): RDX = selector|flags, RAX = tag, RSI = label, R8 = timeouts, message in
    /// the caller's UTCB. Returns whether it completed; the results are the thread's <see cref="Thread.ResultTag"/>
    /// (RAX), <see cref="Thread.ResultLabel"/> (RSI) and the UTCB error TCR. A blocked call completes later.
    /// </summary>
    public bool Syscall(Thread caller, ulong rdx, MsgTag tag, ulong rsi = 0, ulong r8 = 0, bool recordInvoke = true)
    {
        var sel = new CapSelector(rdx);
        // Events are built only when recorded: benchmarks run with the recorder off. Kernel-made IPC (page faults,
        // exceptions) is not an `ipc:` entry in JDB either: the fault is recorded instead.
        if (Trace.Enabled && recordInvoke)
            Trace.Add(new Invoke(caller.DbgId, rdx, tag.Raw, rsi, r8, caller.Utcb.W.AsSpan(0, Math.Min(tag.Words, Utcb.MrCount)).ToArray())
                { Op = OpName(sel.Op), Dest = DestOf(caller, sel), TimeUs = Clock });
        caller.EntryLabel = rsi;
        var r = Dispatch(caller, sel, tag, rsi, r8);
        if (r.IsBlocked) return false;
        SetResult(caller, r, r.Label ?? 0);
        return true;
    }

    /// <summary>
    /// A finished system call's results: the tag (RAX), the error TCR (written only for an error: SAFE-9), the label (RSI: the result's, else
    /// <paramref name="label"/>; on an error the result's, else RSI as the caller passed it, since only a message
    /// transfer writes RSI: IPC-ERR-2), and the trace's answer. Every completion, at once or later, comes here.
    /// </summary>
    internal void SetResult(Thread t, InvokeResult r, ulong label)
    {
        // Only commit_error and the IPC error paths write the TCR; a success leaves the old code (kobject_iface.cpp:66-81).
        if (r.Error != IpcErr.None) t.Utcb.Error = r.Error;
        t.ResultTag = r.Tag;
        t.ResultLabel = r.Label ?? (r.Error != IpcErr.None ? t.EntryLabel : label);
        // JDB logs an `answ` at the end of a system call only: the end of a kernel-made page-fault or exception IPC has none.
        if (Trace.Enabled && t.KernelIpc is not (KernelIpcKind.PageFault or KernelIpcKind.Exception))
            Trace.Add(new InvokeResultEvent(t.DbgId, r.Tag.Raw, (ulong)r.Error,
                t.Utcb.W.AsSpan(0, r.Tag.HasError ? 0 : Math.Min(r.Tag.Words, Utcb.MrCount)).ToArray(), r.NotModelled) { Label = t.ResultLabel, TimeUs = Clock });
    }

    /// <summary>The object a call addresses, as JDB's DID= shows it: the reply partner, the caller itself, or the slot's object.</summary>
    private static ulong? DestOf(Thread caller, CapSelector sel)
    {
        if ((sel.Op & SysFlags.Reply) != 0)
            return sel.ExplicitReply ? (caller.Task?.ReplyCaps.TryGetValue(sel.Index, out var rc) == true ? rc.Caller.DbgId : null) : caller.ReplyTo?.DbgId;
        if (sel.Special) return caller.DbgId;
        return caller.Task?.Space[sel.Index]?.Object.DbgId;
    }

    /// <summary>JDB's name of the operation (see <see cref="OpNames"/>).</summary>
    public static string OpName(SysFlags f) => OpNames.Text((SysFlags)((ulong)f & 0xF));

    private InvokeResult Dispatch(Thread caller, CapSelector sel, MsgTag tag, ulong rsi, ulong r8)
    {
        // A thread of a deleted task runs on in its emptied space (CAP-LIFE-3).
        if (caller.Task is not { } task)
            return InvokeResult.Unmodelled("caller thread is not bound to a task");
        if ((sel.Op & SysFlags.Reply) != 0) return Reply(caller, sel, tag, rsi, r8);

        // Obj_cap::deref: bit 10 or 11 set names the calling thread itself with W|S (INV-2).
        KObject target;
        CapEntry? entry = null;
        CapRights rights;
        if (sel.Special)
        {
            target = caller;
            rights = CapRights.W | CapRights.S;
        }
        else
        {
            entry = task.Space[sel.Index];
            if (entry == null) return InvokeResult.Ipc(IpcErr.NotExistent);   // INV-1
            target = entry.Object;
            rights = entry.UserRights;
        }

        // Without a send phase most objects invoke nothing: with a receive phase it is a receive (open wait, or closed
        // wait on the object), without one the caller's tag comes back at once (kobject_helper.cpp:50-75). A closed wait
        // on a bound gate waits for its thread (ipc_gate.cpp:496, thread.cpp:742-745: the sender is the thread); a
        // semaphore is no sender, so the closed wait is on the caller itself (kobject_helper.cpp:32-33; SEM-2). Task
        // acts for any op bits (task.cpp:970-1004), a thread on op bits 0 too (thread_object.cpp:135-138; INV-3).
        if ((sel.Op & SysFlags.Send) == 0 && !ActsWithoutSend(target, sel, tag))
        {
            // Neither phase: a thread or a gate finds no IPC to do, ENOT_EXISTENT (an unbound gate first waits to be
            // bound, thread.cpp:739-752, ipc_gate.cpp:478-511); any other object just returns the input tag.
            if ((sel.Op & SysFlags.Recv) == 0 && target is not IpcGate)
                return target is Thread ? InvokeResult.Ipc(IpcErr.NotExistent) : new InvokeResult(tag);
            return target is IpcGate gate ? ReceiveThroughGate(caller, sel, gate, r8, tag)
                : ReceiveOnly(caller, sel, target is Semaphore ? caller : target, r8, tag);
        }

        var inv = new Invocation
        {
            Kernel = this, Caller = caller, Selector = sel, Entry = entry, Rights = rights,
            Tag = tag, Label = rsi, Timeouts = r8,
        };
        // Without a receive phase a Kobject_h object or a thread op writes its output words into a scratch UTCB: the
        // caller's MRs stay as they were (kobject_helper.cpp:52-54, thread_object.cpp:163). Task writes in place.
        bool keep = !inv.HasRecv && target is not Task;
        Span<ulong> kept = stackalloc ulong[keep ? Utcb.MrCount : 0];    // on the stack: no allocation per call
        if (keep) caller.Utcb.W.AsSpan(0, Utcb.MrCount).CopyTo(kept);
        var result = target.Invoke(inv);
        if (result.IsBlocked) return result;
        if (keep) kept.CopyTo(caller.Utcb.W);
        if (result.IsNoReply && inv.HasRecv)
            return ReceiveOnly(caller, sel, target is IrqSender ? target : caller, r8, tag);

        // Kobject_h: the result tag goes back only with a receive phase or with the error flag 0x8000; a negative
        // label alone (commit_result(-E...)) is no error flag. Task's -EBADPROTO and a thread op's -EMSGTOOSHORT are
        // written whatever the op bits (INV-3).
        if (result.NotModelled == null && !inv.HasRecv && !result.ReachesSendOnly)
            return new InvokeResult(tag);
        return result;
    }
    private static bool ActsWithoutSend(KObject target, CapSelector sel, MsgTag tag) =>
        target is Task || (target is Thread && (sel.Op & (SysFlags)0xF) == 0 && tag.Label == (long)Protocol.Thread);

    /// <summary>Appends console output of the kernel log.</summary>
    internal void Print(KObject log, string text)
    {
        Console.Append(text);
        ConsoleWritten?.Invoke(text);
        Trace.Add(new ConsoleOutput(log.DbgId, text));
    }
}


/// <summary>Signature of the gate label rule: gate label, rights of the invoked cap, the sender's RSI.</summary>
public delegate ulong GateLabelRule(ulong gateLabel, CapRights rights, ulong senderLabel);

/// <summary>Configuration of the modelled machine where it changes observable answers.</summary>
public sealed record KernelConfig(int OnlineCpus, int MaxCpus, int IcuLines, int IcuMsis, bool HasVm, bool HasJdb)
{
    /// <summary>
    /// The object map rule in force; only mutation tests replace it, to show that the suite notices a broken rule.
    /// </summary>
    public CapRights MapAttr(CapRights src, byte fpageRights, byte itemAttr, CapRights mask) => (CapRights)MapAttrRule.Eval((byte)src, fpageRights, itemAttr, (byte)mask);
    /// <summary>The rights rules in force, as the terms `prove` translates (<see cref="RightsRules"/>); only mutants replace them.</summary>
    public Rules.BvRule MapAttrRule { get; init; } = RightsRules.MapAttrRule;
    public Rules.BvRule TaskMapMaskRule { get; init; } = RightsRules.TaskMapMaskRule;
    public Rules.BvRule IpcMapMaskRule { get; init; } = RightsRules.IpcMapMaskRule;
    public CapRights TaskMapMask(CapRights srcTaskCap, CapRights dstTaskCap) => (CapRights)TaskMapMaskRule.Eval((byte)srcTaskCap, (byte)dstTaskCap);
    public CapRights IpcMapMask(CapRights sendCap) => (CapRights)IpcMapMaskRule.Eval((byte)sendCap);
    /// <summary>The label a receiver sees through a gate: gate label | W | S of the invoked cap (IPC-LABEL-1); replaced only by mutants.</summary>
    public GateLabelRule GateLabel { get; init; } = (gate, rights, _) => gate | ((ulong)rights & 3);
    /// <summary>Name of the deliberate mutation in force, or null for the real kernel.</summary>
    public string? Mutant { get; init; }

    /// <summary>
    /// The captured system: QEMU q35 with one CPU, SVM available (Vm creation succeeded in ned_t_factory.log),
    /// JDB configured. MaxCpus/IcuLines are configuration values not shown by any capture (UNCONFIRMED).
    /// </summary>
    public static KernelConfig Default { get; } = new(OnlineCpus: 1, MaxCpus: 16, IcuLines: 24, IcuMsis: 0, HasVm: true, HasJdb: true);

    /// <summary>Physical RAM: 512 MiB, as the captured QEMU machine had.</summary>
    public ulong RamBytes { get; init; } = 512UL << 20;
}
