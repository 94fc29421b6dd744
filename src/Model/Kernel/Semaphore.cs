using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// A kernel semaphore: up = IRQ trigger (label -1), down = L4_PROTO_SEMAPHORE op 0 with the receive timeout
/// (fiasco src/kern/semaphore.cpp; abi-facts §7.9). Blocking waiters come with the scheduler.
/// </summary>
public sealed class Semaphore : KObject, IIrq
{
    public const ulong ObjectSize = IrqSender.ObjectSize;   // an Irq subclass in the real kernel ("IRQ sem")

    public Semaphore(Kernel k) : base(k, ObjectSize) { }

    public long Count { get; private set; }
    public int IcuPin { get; set; } = -1;
    /// <summary>Threads blocked in down.</summary>
    internal readonly LinkedList<Thread> Waiters = new();

    internal bool TryDown()
    {
        if (Count <= 0) return false;
        Count--;
        return true;
    }

    public override string JdbType => "IRQ sem";

    protected internal override void OnDestroy() => Kernel.SemaphoreDeleted(this);
    public override string JdbAttributes => $"I=  0 Soft F=1 Q={Count}";

    public override InvokeResult Invoke(Invocation inv)
    {
        // SEM-1: the op comes first (irq.cpp:308-318, semaphore.cpp:257-260): label -1 without words is a trigger,
        // any other call without words is -EINVAL whatever its label; otherwise the op is MR0's low 16 bits.
        ulong op;
        if (inv.Tag.Label == (long)Protocol.Irq && inv.Tag.Words == 0) op = (ulong)IrqOp.Trigger;
        else if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.Inval);
        else op = inv.Mr(0) & 0xFFFF;
        switch (inv.Tag.Label)
        {
            case (long)Protocol.Irq:
                if (op == (ulong)IrqOp.Trigger)
                {
                    if (!Kernel.WakeSemaphoreWaiter(this) && Count < long.MaxValue) Count++;   // SEM-UP-1 (saturating)
                    return InvokeResult.NoReply;
                }
                // Both are dispatch_irq_proto's "no reply" (irq.cpp:328-339); a semaphore is no sender, so a receive
                // phase waits on the caller (INV-3).
                return op == (ulong)IrqOp.Eoi ? InvokeResult.NoReply : InvokeResult.Err(L4Err.NoSys);
            case (long)Protocol.Semaphore:
                if (op != (ulong)SemaphoreOp.Down) return InvokeResult.Err(L4Err.NoSys);
                if (!inv.Has(CapRights.S)) return InvokeResult.Err(L4Err.Perm);                // SEM-DOWN-1
                // The only place the kernel clears the error TCR: a deleted semaphore may have set it (semaphore.cpp:175-176).
                inv.Caller.Utcb.Error = IpcErr.None;
                // Down waits on the semaphore with the receive timeout (SEM-DOWN-2).
                return Kernel.ReceiveOnly(inv.Caller, new CapSelector(inv.Selector.Raw & ~(ulong)SysFlags.OpenWait), this, inv.Timeouts, inv.Tag);
            default:
                return InvokeResult.Err(L4Err.BadProto);
        }
    }
}
