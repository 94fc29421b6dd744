namespace L4Conf.Model.Kernel;

/// <summary>
/// References one kernel object keeps to another (CAP-LIFE-2): a gate or an IRQ bound to a thread holds it, a
/// bound thread its task, so a destroyed object is only deleted, and leaves the object list, once nothing refers
/// to it any more (fiasco kobject.cpp:414-428, ipc_gate.cpp:111-114, irq.cpp:377, 553-554, thread.cpp:318-320).
/// </summary>
public sealed partial class Kernel
{
    private bool HeldByKernelObject(KObject obj) => obj switch
    {
        Thread t => _objects.Any(o => o.Alive && (o is IpcGate g && g.BoundThread == t || o is IrqSender i && i.Target == t)),
        // A bound thread holds its task until it unbinds, which a killed thread does (thread.cpp:318-320, 366-367, 605).
        Task task => task.Threads.Count > 0,
        _ => false,
    };

    /// <summary>A gate, IRQ or thread let go of <paramref name="o"/>: a destroyed object nothing else holds is deleted now.</summary>
    internal void ReleaseReference(KObject? o)
    {
        // A boot task or thread is never freed: its extra kernel reference keeps it listed (CAP-LIFE-4).
        if (o is { Alive: false, IsBoot: false } && !HeldByKernelObject(o)) _objects.Remove(o);
    }
}
