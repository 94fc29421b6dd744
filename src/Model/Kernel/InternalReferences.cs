namespace L4Conf.Model.Kernel;

/// <summary>
/// References one kernel object keeps to another (CAP-LIFE-2): a gate or an IRQ bound to a thread holds it, so a
/// destroyed thread is only deleted, and leaves the object list, once nothing refers to it any more
/// (fiasco kobject.cpp:414-428, ipc_gate.cpp:111-114, irq.cpp:377, 553-554).
/// </summary>
public sealed partial class Kernel
{
    private bool HeldByKernelObject(KObject obj) =>
        obj is Thread t && _objects.Any(o => o.Alive && (o is IpcGate g && g.BoundThread == t || o is IrqSender i && i.Target == t));

    /// <summary>A gate or IRQ let go of <paramref name="t"/>: a destroyed thread nothing else holds is deleted now.</summary>
    internal void ReleaseReference(Thread? t)
    {
        if (t is { Alive: false } && !HeldByKernelObject(t)) _objects.Remove(t);
    }
}
