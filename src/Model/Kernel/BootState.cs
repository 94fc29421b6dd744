using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// What the kernel creates before any user code runs (fiasco src/kern/globals.cpp Initial_kobjects,
/// std_workload.cpp; abi-facts §1.2), in the real creation order so debug ids match the real dump:
/// 0 root factory, 1 KERNEL task, 2 Icu/Pfc, 3 Sched, 4 Jdb, 5 Vlog, 6 KERNEL thread, 7 sigma0 task,
/// 8 sigma0 thread, 9 root task, a root task's gate to sigma0 (label 0x40), b root thread.
/// </summary>
public sealed class BootState
{
    /// <summary>User address of the initial threads' UTCB (Mem_layout::Utcb_addr, amd64).</summary>
    public const ulong InitialUtcb = 0x0000_007F_FF00_0000;
    /// <summary>Label of the root task's pager gate to sigma0 (4 &lt;&lt; 4).</summary>
    public const ulong Sigma0GateLabel = 0x40;

    public required Kernel Kernel { get; init; }
    public required Factory RootFactory { get; init; }
    public required Task KernelTask { get; init; }
    public required Icu Icu { get; init; }
    public required Scheduler Scheduler { get; init; }
    public required JdbObject Jdb { get; init; }
    public required Vlog Log { get; init; }
    public required Thread KernelThread { get; init; }
    public required Task Sigma0 { get; init; }
    public required Thread Sigma0Thread { get; init; }
    public required Task Root { get; init; }
    public required IpcGate RootPagerGate { get; init; }
    public required Thread RootThread { get; init; }

    public static BootState Create(Kernel? kernel = null, string rootName = "moe")
    {
        var k = kernel ?? new Kernel();
        var rootQuota = new RamQuota(null, 0);
        T Boot<T>(T o, string? name = null) where T : KObject
        {
            o.Name = name;
            o.IsBoot = true;
            return k.Register(o, null);
        }

        var utcbArea = Fpage.Memory(InitialUtcb, 12, MemRights.RW);
        var factory = Boot(new Factory(k, rootQuota), "root factory");
        var kernelTask = Boot(new Task(k, null, Fpage.Invalid), "KERNEL");
        var icu = Boot(new Icu(k));
        var sched = Boot(new Scheduler(k));
        var jdb = Boot(new JdbObject(k));
        var log = Boot(new Vlog(k));
        var kernelThread = Boot(new Thread(k), "KERNEL");
        var sigma0 = Boot(new Task(k, rootQuota, utcbArea), "sigma0");
        var s0Thread = Boot(new Thread(k), "sigma0");
        var root = Boot(new Task(k, rootQuota, utcbArea), rootName);
        var gate = Boot(new IpcGate(k, Sigma0GateLabel), $"{rootName}->s0");
        gate.IsBoot = false;                 // an ordinary gate, freed like any other (std_workload.cpp:69-71)
        var rootThread = Boot(new Thread(k), rootName);

        s0Thread.BootBind(sigma0, InitialUtcb, pager: 0);                  // sigma0 has no pager
        k.Sigma0 = sigma0;                                                 // owner of all physical memory
        rootThread.BootBind(root, InitialUtcb, pager: (ulong)InitialCap.Pager);
        gate.BindThread(s0Thread);

        // Every kernel-made slot carries full attributes (Attr::Full = 0xFF).
        void Caps(Task t, Thread th, IpcGate? pager)
        {
            k.Insert(t, (ulong)InitialCap.Task, t, CapRights.Full, "boot");
            k.Insert(t, (ulong)InitialCap.Factory, factory, CapRights.Full, "boot");
            k.Insert(t, (ulong)InitialCap.Thread, th, CapRights.Full, "boot");
            // The kernel inserts the gate object itself, not its control part (real dump: obj= is the gate's address).
            if (pager != null) k.Insert(t, (ulong)InitialCap.Pager, pager, CapRights.Full, "boot", plain: true);
            k.Insert(t, (ulong)InitialCap.Log, log, CapRights.Full, "boot");
            k.Insert(t, (ulong)InitialCap.Icu, icu, CapRights.Full, "boot");
            k.Insert(t, (ulong)InitialCap.Scheduler, sched, CapRights.Full, "boot");
            if (k.Config.HasJdb) k.Insert(t, (ulong)InitialCap.Debugger, jdb, CapRights.Full, "boot");
        }
        Caps(sigma0, s0Thread, null);
        Caps(root, rootThread, gate);

        return new BootState
        {
            Kernel = k, RootFactory = factory, KernelTask = kernelTask, Icu = icu, Scheduler = sched, Jdb = jdb, Log = log,
            KernelThread = kernelThread, Sigma0 = sigma0, Sigma0Thread = s0Thread, Root = root, RootPagerGate = gate,
            RootThread = rootThread,
        };
    }
}
