using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using KThread = L4Conf.Model.Kernel.Thread;
using KernelState = L4Conf.Model.Kernel.Kernel;

namespace L4Conf.Model.Bindings;

/// <summary>
/// The l4sys C bindings as user code calls them (l4re l4sys/include/*.h): each fills the caller's UTCB and
/// enters the kernel through the one system call, exactly as the real library does. Returns the result tag.
/// </summary>
public sealed class L4Sys(KernelState k, KThread self, bool deferred = false, ISyscallPort? port = null)
{
    /// <summary>A blocking program's port: each call is handed to the run loop and returns completed.</summary>
    public ISyscallPort? Port { get; } = port;
    public KernelState Kernel { get; } = k;
    public KThread Self { get; } = self;
    private Utcb U => Self.Utcb;
    /// <summary>
    /// In a program (deferred mode) a binding only prepares the UTCB and leaves the system call in <see cref="Pending"/>
    /// for the program to yield; the scheduler performs it. Otherwise the call is made at once.
    /// </summary>
    public bool Deferred { get; } = deferred;
    public SyscallRequest Pending { get; private set; }
    /// <summary>In a program: `yield return sys.Next(sys.Call(...))` yields the request the binding just prepared.</summary>
    public SyscallRequest Next(MsgTag _) => Pending;

    /// <summary>A call that nothing can complete is cancelled (as ex_regs CANCEL would) instead of raising an error.</summary>
    public bool CancelBlockedCalls { get; set; }

    /// <summary>Enters the kernel (or, deferred, records the request). A call that blocks runs the other threads until it completes.</summary>
    public MsgTag Enter(ulong rdx, MsgTag tag, ulong rsi = 0, ulong r8 = 0)
    {
        if (Deferred) { Pending = new SyscallRequest(rdx, tag, rsi, r8); return default; }
        if (Port != null) { Port.Syscall(new SyscallRequest(rdx, tag, rsi, r8)); return Self.ResultTag; }
        if (!Kernel.Syscall(Self, rdx, tag, rsi, r8) && Kernel.RunUntilComplete(Self) != RunStop.Done)
        {
            if (!CancelBlockedCalls)
                throw new InvalidOperationException($"thread D:{Self.DbgId:x} blocked in a call that nothing can complete (selector 0x{rdx:x}, tag {tag})");
            Kernel.CancelIpc(Self);
        }
        return Self.ResultTag;
    }

    public static ulong Sel(ulong index) => index << 12;
    /// <summary>l4_error(): label, or -(L4_EIPC_LO + code) when the error flag is set.</summary>
    public long Error(MsgTag t) => t.HasError ? -((long)IpcErrorRange.Lo + (long)U.Error) : t.Label;

    public MsgTag Call(ulong cap, MsgTag tag, ulong timeouts = 0, ulong label = 0) => Enter(cap | (ulong)SysFlags.Call, tag, label, timeouts);
    public MsgTag Send(ulong cap, MsgTag tag, ulong timeouts = 0, ulong label = 0) => Enter(cap | (ulong)SysFlags.Send, tag, label, timeouts);
    /// <summary>l4_ipc_receive(src, timeout): closed wait for one partner.</summary>
    public MsgTag Receive(ulong src, ulong timeouts = 0) => Enter(src | (ulong)SysFlags.Recv, new MsgTag(0), 0, timeouts);
    /// <summary>l4_ipc_wait(timeout): open wait (L4_INVALID_CAP | WAIT).</summary>
    public MsgTag Wait(ulong timeouts = 0) => Enter((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.Wait, new MsgTag(0), 0, timeouts);
    /// <summary>l4_ipc_reply_and_wait(tag, timeout): reply through the implicit reply cap, then open wait.</summary>
    public MsgTag ReplyAndWait(MsgTag tag, ulong timeouts = 0x0400_0000, ulong label = 0) =>
        Enter((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.ReplyAndWait, tag, label, timeouts);
    /// <summary>l4_ipc_reply(tag): reply only (REPLY|SEND), zero send timeout.</summary>
    public MsgTag Reply(MsgTag tag, ulong label = 0, ulong timeouts = 0x0400_0000) =>
        Enter((ulong)SelectorLayout.InvalidCap | (ulong)(SysFlags.Reply | SysFlags.Send), tag, label, timeouts);
    /// <summary>l4_ipc_sleep(timeout): receive from oneself, which never arrives.</summary>
    public MsgTag Sleep(ulong rcvTimeout) => Enter((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.Recv, new MsgTag(0), 0, rcvTimeout);
    /// <summary>Any flag combination, as the raw system call.</summary>
    public MsgTag Ipc(ulong rdx, MsgTag tag, ulong label = 0, ulong timeouts = 0) => Enter(rdx, tag, label, timeouts);

    /// <summary>l4_task_map(dst, src, snd_fpage, snd_base).</summary>
    public MsgTag TaskMap(ulong dstTask, ulong srcTask, Fpage fp, ulong sndBase)
    {
        U.SetMr(0, (ulong)TaskOp.Map);
        U.SetMr(1, sndBase);
        U.SetMr(2, fp.Raw);
        U.SetMr(3, (ulong)ItemBits.Map);                                        // l4_map_obj_control(0, 0)
        U.SetMr(4, Fpage.Obj(srcTask, 0, CapRights.RWS).Raw);
        return Call(dstTask, new MsgTag((long)Protocol.Task, 3, 1));
    }

    /// <summary>l4_task_unmap(task, fpage, mask).</summary>
    public MsgTag TaskUnmap(ulong task, Fpage fp, UnmapMask mask) => TaskUnmapBatch(task, [fp], mask);

    /// <summary>L4::Cap_base::copy (l4sys/include/cxx/capability.h:195-204): own slot to own slot with all rights,
    /// the object rights included (L4_FPAGE_C_OBJ_RIGHTS), so a copy of a gate's full cap stays a full cap.</summary>
    public MsgTag CapCopy(ulong dst, ulong src) =>
        TaskMap(0x1000, 0x1000, Fpage.Obj(src, 0, CapRights.RWSD), dst | (ulong)ItemBits.Map | ObjRights);

    /// <summary>L4::Cap_base::move (capability.h:176-186): the same as a grant, the source slot empties.</summary>
    public MsgTag CapMove(ulong dst, ulong src) =>
        TaskMap(0x1000, 0x1000, Fpage.Obj(src, 0, CapRights.RWSD), dst | (ulong)ItemBits.Map | (ulong)ItemBits.Grant | ObjRights);

    /// <summary>
    /// l4_debugger_set_object_name (l4sys/include/debugger.h:299-308, __kernel_object_impl.h:12): to the debugger
    /// cap (L4_BASE_DEBUGGER_CAP), label -23, MR0 = L4_KDEBUG_GROUP_KOBJ | SET_NAME, the name from MR1 with its NUL,
    /// the object as typed item. A task without the debugger cap gets an IPC error, which callers ignore.
    /// </summary>
    public MsgTag DebuggerSetName(ulong obj, string name)
    {
        var b = System.Text.Encoding.Latin1.GetBytes(name);
        int len = Math.Min(b.Length, (Utcb.MrCount - 2) * 8 - 1);
        U.SetMr(0, 0x100);
        int words = (len + 1 + 7) / 8;
        for (int i = 0; i < words; i++)
        {
            ulong w = 0;
            for (int j = 0; j < 8 && i * 8 + j < len; j++) w |= (ulong)b[i * 8 + j] << (8 * j);
            U.SetMr(1 + i, w);
        }
        U.SetMr(1 + words, (ulong)ItemBits.Map);
        U.SetMr(2 + words, Fpage.Obj(obj, 0, CapRights.RWSD).Raw);
        return Call(DebuggerCap, new MsgTag((long)Protocol.Debugger, 1 + words, 1));
    }

    /// <summary>L4_BASE_DEBUGGER_CAP.</summary>
    public const ulong DebuggerCap = 0xa << 12;

    /// <summary>L4_FPAGE_C_OBJ_RIGHTS: the three object-specific rights in a map item's attribute bits.</summary>
    public const ulong ObjRights = 0xE0;

    public MsgTag TaskUnmapBatch(ulong task, IReadOnlyList<Fpage> fps, UnmapMask mask)
    {
        U.SetMr(0, (ulong)TaskOp.Unmap);
        U.SetMr(1, (ulong)mask);
        for (int i = 0; i < fps.Count; i++) U.SetMr(2 + i, fps[i].Raw);
        return Call(task, new MsgTag((long)Protocol.Task, 2 + fps.Count, 0));
    }

    /// <summary>l4_task_delete_obj(task, obj): unmap RWSD with L4_FP_DELETE_OBJ.</summary>
    public MsgTag DeleteObj(ulong task, ulong obj) => TaskUnmap(task, Fpage.Obj(obj, 0, CapRights.RWSD), UnmapMask.DeleteObj);
    /// <summary>l4_task_release_cap(task, cap): unmap RWSD with L4_FP_ALL_SPACES.</summary>
    public MsgTag ReleaseCap(ulong task, ulong cap) => TaskUnmap(task, Fpage.Obj(cap, 0, CapRights.RWSD), UnmapMask.AllSpaces);

    /// <summary>l4_task_cap_valid(task, cap): the label is 1 or 0.</summary>
    public MsgTag CapValid(ulong task, ulong cap)
    {
        U.SetMr(0, (ulong)TaskOp.CapInfo);
        U.SetMr(1, cap & ~1UL);
        return Call(task, new MsgTag((long)Protocol.Task, 2, 0));
    }

    /// <summary>l4_task_cap_equal(task, a, b).</summary>
    public MsgTag CapEqual(ulong task, ulong a, ulong b)
    {
        U.SetMr(0, (ulong)TaskOp.CapInfo);
        U.SetMr(1, a);
        U.SetMr(2, b);
        return Call(task, new MsgTag((long)Protocol.Task, 3, 0));
    }

    /// <summary>
    /// l4_factory_create_start/add_*/commit: MR0 = protocol, then vargs; receive slot in BR0 as a single-cap item.
    /// Each argument is a (header, value) pair: use <see cref="Umword"/>, <see cref="Mword"/>, <see cref="FpageArg"/>.
    /// </summary>
    public MsgTag FactoryCreate(ulong factory, long proto, ulong target, params (ulong Header, ulong Value)[] args) =>
        FactoryCreateItems(factory, proto, target, args, []);

    public MsgTag FactoryCreateItems(ulong factory, long proto, ulong target, (ulong Header, ulong Value)[] args, SendItem[] items)
    {
        U.SetMr(0, unchecked((ulong)proto));
        int w = 1;
        foreach (var (h, v) in args) { U.SetMr(w++, h); U.SetMr(w++, v); }
        foreach (var it in items) { U.SetMr(w++, it.Control); U.SetMr(w++, it.Fpage.Raw); }
        U.Bdr = 0;
        U.SetBr(0, target | (ulong)ItemBits.RcvSingleCap);
        return Call(factory, new MsgTag((long)Protocol.Factory, w - 2 * items.Length, items.Length));
    }

    public static (ulong, ulong) Umword(ulong v) => (0x0008_0001, v);
    public static (ulong, ulong) Mword(long v) => (0x0008_0081, unchecked((ulong)v));
    public static (ulong, ulong) FpageArg(Fpage f) => (0x0008_0003, f.Raw);

    /// <summary>l4_factory_create_gate(factory, target, thread, label).</summary>
    public MsgTag CreateGate(ulong factory, ulong target, ulong thread, ulong label) =>
        FactoryCreateItems(factory, 0, target, [Umword(label)], [new SendItem((ulong)ItemBits.Map, Fpage.Obj(thread, 0, CapRights.RWS))]);

    /// <summary>l4_factory_create_factory(factory, target, limit).</summary>
    public MsgTag CreateFactory(ulong factory, ulong target, ulong limit) =>
        FactoryCreate(factory, (long)Protocol.Factory, target, Umword(limit));

    /// <summary>l4_factory_create_task(factory, target, utcb_area).</summary>
    public MsgTag CreateTask(ulong factory, ulong target, Fpage utcbArea) =>
        FactoryCreate(factory, (long)Protocol.Task, target, FpageArg(utcbArea));

    /// <summary>l4_ipc_gate_bind_thread(gate, thread, label): tag (-10, 2, 1).</summary>
    public MsgTag GateBind(ulong gate, ulong thread, ulong label)
    {
        U.SetMr(0, (ulong)IpcGateOp.Bind);
        U.SetMr(1, label);
        U.SetMr(2, (ulong)ItemBits.Map);
        U.SetMr(3, Fpage.Obj(thread, 0, CapRights.RWS).Raw);
        return Call(gate, new MsgTag((long)Protocol.Kobject, 2, 1));
    }

    /// <summary>l4_ipc_gate_get_infos(gate): MR0 = label.</summary>
    public MsgTag GateGetInfo(ulong gate, ulong timeouts = 0)
    {
        U.SetMr(0, (ulong)IpcGateOp.GetInfo);
        return Call(gate, new MsgTag((long)Protocol.Kobject, 1, 0), timeouts);
    }

    /// <summary>l4_thread_control with bind (6 words + task item when binding).</summary>
    public MsgTag ThreadControl(ulong thread, ThreadCtlFlags flags, ulong pager = 0, ulong excHandler = 0, ulong? bindTask = null, ulong utcb = 0)
    {
        U.SetMr(0, (ulong)ThreadOp.Control | (ulong)flags);
        U.SetMr(1, pager);
        U.SetMr(2, excHandler);
        U.SetMr(3, 0);
        U.SetMr(4, 0);
        U.SetMr(5, utcb);
        int items = 0;
        if (bindTask is { } t)
        {
            U.SetMr(6, (ulong)ItemBits.Map);
            U.SetMr(7, Fpage.Obj(t, 0, CapRights.RWS).Raw);
            items = 1;
        }
        return Call(thread, new MsgTag((long)Protocol.Thread, 6, items));
    }

    /// <summary>l4_thread_ex_regs(thread, ip, sp, flags).</summary>
    public MsgTag ExRegs(ulong thread, ulong ip, ulong sp, ExRegsFlags flags = ExRegsFlags.None)
    {
        U.SetMr(0, (ulong)ThreadOp.ExRegs | (ulong)flags);
        U.SetMr(1, ip);
        U.SetMr(2, sp);
        return Call(thread, new MsgTag((long)Protocol.Thread, 3, 0));
    }

    /// <summary>l4_thread_switch(thread): hand the CPU to the thread; MR0 returns the caller's time left (µs).</summary>
    public MsgTag ThreadSwitch(ulong thread)
    {
        U.SetMr(0, (ulong)ThreadOp.Switch);
        return Call(thread, new MsgTag((long)Protocol.Thread, 1, 0));
    }

    /// <summary>l4_thread_stats_time(thread): MR0 returns the thread's consumed CPU time (µs).</summary>
    public MsgTag ThreadStats(ulong thread)
    {
        U.SetMr(0, (ulong)ThreadOp.Stats);
        return Call(thread, new MsgTag((long)Protocol.Thread, 1, 0));
    }

    /// <summary>l4_scheduler_run_thread(sched, thread, l4_sched_param(prio, quantum)).</summary>
    public MsgTag RunThread(ulong sched, ulong thread, long prio, ulong quantum = 0)
    {
        U.SetMr(0, (ulong)SchedulerOp.RunThread);
        U.SetMr(1, 0xFF00_0000);    // offset 0, granularity 0xFF (capped)
        U.SetMr(2, 1);
        U.SetMr(3, unchecked((ulong)prio));
        U.SetMr(4, quantum);
        U.SetMr(5, (ulong)ItemBits.Map);
        U.SetMr(6, Fpage.Obj(thread, 0, CapRights.RWS).Raw);
        return Call(sched, new MsgTag((long)Protocol.Scheduler, 5, 1));
    }

    /// <summary>l4_scheduler_info(sched, cpu set descriptor).</summary>
    public MsgTag SchedInfo(ulong sched, ulong cpuSet = 0)
    {
        U.SetMr(0, (ulong)SchedulerOp.Info);
        U.SetMr(1, cpuSet);
        return Call(sched, new MsgTag((long)Protocol.Scheduler, 2, 0));
    }

    /// <summary>l4_vcon_write(log, text): send-only with the Schedule flag.</summary>
    public MsgTag VconWrite(ulong log, string text)
    {
        var bytes = System.Text.Encoding.Latin1.GetBytes(text);
        U.SetMr(0, (ulong)VconOp.Write);
        U.SetMr(1, (ulong)bytes.Length);
        for (int i = 0; i < (bytes.Length + 7) / 8 && 2 + i < Utcb.MrCount; i++)
        {
            ulong w = 0;
            for (int b = 0; b < 8 && i * 8 + b < bytes.Length; b++) w |= (ulong)bytes[i * 8 + b] << (8 * b);
            U.SetMr(2 + i, w);
        }
        return Send(log, new MsgTag((long)Protocol.Log, Math.Min(2 + (bytes.Length + 7) / 8, Utcb.MrCount), 0, MsgTagFlags.Schedule));
    }

    /// <summary>l4_irq_trigger(irq): send-only, tag (-1, 0, 0), zero timeouts.</summary>
    public MsgTag IrqTrigger(ulong irq) => Send(irq, new MsgTag((long)Protocol.Irq, 0, 0), 0x0400_0400);

    /// <summary>l4_rcv_ep_bind_thread(irq, thread, label): tag (-10, 2, 1).</summary>
    public MsgTag IrqBind(ulong irq, ulong thread, ulong label) => GateBind(irq, thread, label);

    /// <summary>l4_semaphore_down(sem, timeout): CALL with the receive timeout.</summary>
    public MsgTag SemDown(ulong sem, ulong rcvTimeout)
    {
        U.SetMr(0, (ulong)SemaphoreOp.Down);
        return Call(sem, new MsgTag((long)Protocol.Semaphore, 1, 0), rcvTimeout);
    }
}
