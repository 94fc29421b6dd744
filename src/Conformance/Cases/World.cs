using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using KThread = L4Conf.Model.Kernel.Thread;
using KTask = L4Conf.Model.Kernel.Task;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// A booted model with the root task's thread as the acting program: every operation goes through the
/// l4sys bindings and the system-call entry, as on the real system.
/// </summary>
public sealed class World
{
    public const ulong TaskCap = 1 << 12, FactoryCap = 2 << 12, ThreadCap = 3 << 12, PagerCap = 4 << 12,
        LogCap = 5 << 12, IcuCap = 6 << 12, SchedCap = 7 << 12, JdbCap = 10 << 12;
    /// <summary>UTCB area handed to tasks the fixture creates.</summary>
    public const ulong UtcbBase = 0xB300_0000;

    public Kernel K { get; }
    public BootState Boot { get; }
    public L4Sys Root { get; }
    private ulong _nextSlot = 0x100;

    /// <summary>With <paramref name="sigma0"/>, sigma0 runs its server on its boot thread (the reference system).</summary>
    public World(KernelConfig? config = null, bool sigma0 = false, bool machine = false)
    {
        K = new Kernel(config ?? Properties.Mutants.Current);
        if (machine) K.AttachMachine();
        if (sigma0)
        {
            var rs = new Reference.Boot.ReferenceSystem(K);
            Boot = rs.Boot;
            Sigma0 = rs.Sigma0;
        }
        else Boot = BootState.Create(K);
        Root = new L4Sys(K, Boot.RootThread);
    }

    public Reference.Sigma0.Sigma0Server? Sigma0 { get; }

    /// <summary>A sigma0 request from <paramref name="who"/> through <paramref name="gate"/>: MR0 = request, MR1 = fpage, window in BR0/BR1.</summary>
    public MsgTag Sigma0Call(L4Sys who, ulong gate, ulong request, Fpage mr1, Fpage window)
    {
        var u = who.Self.Utcb;
        u.SetMr(0, request);
        u.SetMr(1, mr1.Raw);
        u.Bdr = 0;
        u.SetBr(0, (ulong)ItemBits.Map);
        u.SetBr(1, window.Raw);
        return who.Call(gate, new MsgTag((long)Protocol.Sigma0, 2, 0));
    }

    public ulong FreeSlot() => (_nextSlot++) << 12;

    /// <summary>Creates an object with the root factory into a fresh slot; throws with the error if creation fails.</summary>
    public ulong Create(long proto, params (ulong, ulong)[] args) => CreateWith(Root, FactoryCap, proto, args);

    public ulong CreateWith(L4Sys who, ulong factory, long proto, params (ulong, ulong)[] args)
    {
        ulong slot = FreeSlot();
        Check(who, who.FactoryCreate(factory, proto, slot, args), $"factory create({proto})");
        return slot;
    }

    public KObject Obj(ulong sel, KTask? space = null) =>
        (space ?? Boot.Root).Space[sel >> 12]?.Object ?? throw new Suite.CaseFailure($"setup: no object at C:{sel >> 12:x}");

    public CapEntry? Slot(KTask space, ulong sel) => space.Space[sel >> 12];

    /// <summary>A new task (made by <paramref name="factory"/>, root's by default) with one bound thread, its own task cap at slot 1 (RWS) and its thread at slot 3.</summary>
    public UserTask NewTask(string? name = null, ulong factory = FactoryCap)
    {
        var taskSel = CreateWith(Root, factory, (long)Protocol.Task, L4Sys.FpageArg(Fpage.Memory(UtcbBase, 12, MemRights.RW)));
        var threadSel = Create((long)Protocol.Thread);
        var task = (KTask)Obj(taskSel);
        var thread = (KThread)Obj(threadSel);
        if (name != null) task.Name = name;
        Check(Root.ThreadControl(threadSel, ThreadCtlFlags.BindTask, bindTask: taskSel, utcb: UtcbBase), "bind thread");
        Check(Root.ExRegs(threadSel, 0x1000, 0), "ex_regs");
        Map(taskSel, TaskCap, CapRights.RWS, 0, taskSel);
        Map(taskSel, ThreadCap, CapRights.RWS, 0, threadSel);
        return new UserTask(task, thread, new L4Sys(K, thread), taskSel, threadSel);
    }

    /// <summary>Root maps its slot <paramref name="src"/> into task <paramref name="dstTask"/> at <paramref name="dstSel"/>.</summary>
    public MsgTag Map(ulong dstTask, ulong dstSel, CapRights rights, byte extra, ulong src) =>
        Root.TaskMap(dstTask, TaskCap, Fpage.Obj(src, 0, rights), dstSel | (ulong)ItemBits.Map | extra);

    /// <summary>The bindings a program on <paramref name="t"/> uses: they prepare the UTCB and leave the call to the scheduler.</summary>
    public L4Sys ProgramSys(KThread t) => new(K, t, deferred: true);

    /// <summary>
    /// A gate created by root, bound to <paramref name="server"/> with <paramref name="label"/>, mapped into <paramref name="client"/>
    /// at <paramref name="slot"/> with <paramref name="rights"/> (no server right: a client cap).
    /// </summary>
    public ulong GateTo(UserTask server, ulong label, UserTask client, ulong slot, CapRights rights)
    {
        ulong g = FreeSlot();
        Check(Root.CreateGate(FactoryCap, g, server.ThreadSel, label), "create bound gate");
        Check(Map(client.TaskSel, slot, rights, 0, g), "map gate into client");
        return g;
    }

    public void Check(MsgTag t, string what) => Check(Root, t, what);

    /// <summary>Fails the case when <paramref name="who"/>'s call failed (its own error register holds the IPC error).</summary>
    public void Check(L4Sys who, MsgTag t, string what)
    {
        long e = who.Error(t);
        if (e != 0) throw new Suite.CaseFailure($"setup: {what} failed with {e}");
    }
}

/// <summary>A task created by the fixture, with the bindings of its thread.</summary>
public sealed record UserTask(KTask Task, KThread Thread, L4Sys Sys, ulong TaskSel, ulong ThreadSel);
