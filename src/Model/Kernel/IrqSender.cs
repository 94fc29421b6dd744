using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// A software IRQ (Irq_sender): bound to one thread with a label; trigger queues an IRQ message
/// (fiasco src/kern/irq.cpp; abi-facts §7.5). Delivery as IPC comes with the IPC model.
/// </summary>
public sealed class IrqSender : KObject, IIrq
{
    /// <summary>Observed spacing of IRQ objects in the real dump (…6e68, …6d50): 0x118 bytes.</summary>
    public const ulong ObjectSize = 0x118;

    public IrqSender(Kernel k) : base(k, ObjectSize) { }

    public Thread? Target { get; private set; }
    public ulong BindLabel { get; internal set; }
    /// <summary>Triggers not yet delivered (edge: an unbound IRQ stays pending, repeated triggers coalesce).</summary>
    public int Pending { get; private set; }
    /// <summary>
    /// The IRQ's mask state as JDB shows it (F=). A software IRQ is edge triggered: a delivered message leaves it unmasked
    /// and the next trigger sends again, no EOI needed (irq.cpp:674-676, 749-776; IRQ-MSG-1).
    /// </summary>
    public bool Masked { get; private set; }
    public int IcuPin { get; set; } = -1;

    public override string JdbType => "IRQ ipc";
    public override string JdbAttributes => $"I=  0 Soft F={(Masked ? 1 : 0)} L={(Target == null ? ulong.MaxValue : BindLabel):x} T={Target?.DbgId ?? 0:x} Q={Pending}";

    public override InvokeResult Invoke(Invocation inv)
    {
        // IRQ-1: the op comes first (irq.cpp:308-318, 1139-1142): label -1 without words is a trigger, any other
        // call without words is -EINVAL whatever its label; otherwise the op is MR0's low 16 bits on every label.
        ulong op;
        if (inv.Tag.Label == (long)Protocol.Irq && inv.Tag.Words == 0) op = (ulong)IrqOp.Trigger;
        else if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.Inval);
        else op = inv.Mr(0) & 0xFFFF;
        switch (inv.Tag.Label)
        {
            case (long)Protocol.Irq:
                // Trigger and EOI answer "no reply": a receive phase then waits, open with flag 4 (l4_irq_wait), else for
                // this IRQ (l4_irq_receive) (irq.cpp:328-339, 1158-1163; IRQ-UNMASK-1, INV-3).
                if (op == (ulong)IrqOp.Trigger) { Trigger(); return InvokeResult.NoReply; }
                if (op == (ulong)IrqOp.Eoi) { Unmask(); return InvokeResult.NoReply; }
                return InvokeResult.Err(L4Err.NoSys);
            case (long)Protocol.IrqSender:
                return (IrqSenderOp)op switch
                {
                    IrqSenderOp.Detach => Detach(inv),
                    IrqSenderOp.BindVcpu => InvokeResult.Unmodelled("vCPU binding"),
                    _ => InvokeResult.Err(L4Err.NoSys),                                   // IRQ-2: op 0 is reserved
                };
            case (long)Protocol.Kobject:
                return op == (ulong)IpcGateOp.Bind ? Bind(inv) : InvokeResult.Err(L4Err.NoSys);
            default:
                return InvokeResult.Err(L4Err.BadProto);
        }
    }

    /// <summary>
    /// L4_RCV_EP_BIND_OP: item = thread, S on both caps; the label is MR1, read whatever the word count
    /// (irq.cpp:601), so with one word it is the item's control word (IRQ-1).
    /// </summary>
    private InvokeResult Bind(Invocation inv)
    {
        if (!inv.Has(CapRights.S)) return InvokeResult.Err(L4Err.Perm);
        if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not Thread t) return inv.CapArgError(0);
        if ((arg.Rights & CapRights.S) == 0) return InvokeResult.Err(L4Err.Perm);
        var old = Target;
        Target = t;
        if (old != t) Kernel.ReleaseReference(old);
        BindLabel = inv.Mr(1);
        TryDeliver();                                                       // IRQ-2: pending is delivered after bind
        return InvokeResult.Ok();
    }

    /// <summary>L4_IRQ_SENDER_OP_DETACH: needs S; 0 = was idle, 1 = was pending, -ENOENT when not bound (IRQ-DET-1).</summary>
    private InvokeResult Detach(Invocation inv)
    {
        if (!inv.Has(CapRights.S)) return InvokeResult.Err(L4Err.Perm);
        if (Target == null) return InvokeResult.Err(L4Err.NoEnt);
        int was = Pending > 0 || Target.PendingIrqs.Contains(this) ? 1 : 0;
        var old = Target;
        Target.PendingIrqs.Remove(this);
        Target = null;
        Pending = 0;
        Kernel.ReleaseReference(old);
        return InvokeResult.Value(was);
    }

    /// <summary>Trigger: delivered as IPC to the bound thread, or kept pending while unbound or masked.</summary>
    public void Trigger()
    {
        Pending = 1;
        TryDeliver();
    }

    /// <summary>A pending trigger goes to the bound thread once the IRQ is bound and unmasked.</summary>
    private void TryDeliver()
    {
        if (Pending == 0 || Target == null || Masked) return;
        Pending = 0;
        Kernel.IrqFired(this, Target);
    }

    /// <summary>Its bound thread died while this IRQ was queued on it: unbound, and (edge-triggered) pending again (IPC-ABORT-1).</summary>
    internal void ReceiverDied()
    {
        var old = Target;
        Target = null;
        Pending = 1;
        Kernel.ReleaseReference(old);
    }

    private void Unmask()
    {
        Masked = false;
        TryDeliver();
    }

    protected internal override void OnDestroy()
    {
        var old = Target;
        Target?.PendingIrqs.Remove(this);
        Target = null;
        Kernel.ReleaseReference(old);
    }
}
