using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// An IPC gate: a label and a bound thread. Through its control interface (caps holding the server right 0x20)
/// L4_PROTO_KOBJECT calls are gate operations; everything else is IPC to the bound thread
/// (fiasco src/kern/ipc_gate.cpp; abi-facts §7.4).
/// </summary>
public sealed class IpcGate : KObject
{
    /// <summary>Observed spacing of gates in the real dump (…5ec0, …5e30, …5da0): 0x90 bytes.</summary>
    public const ulong ObjectSize = 0x90;
    /// <summary>Offset of the control part: full caps point there in the real dump (…5ec0 vs …5f48).</summary>
    public const ulong ControlOffset = 0x88;

    public IpcGate(Kernel k, ulong label) : base(k, ObjectSize) => GateLabel = label;

    public ulong GateLabel { get; private set; }
    public Thread? BoundThread { get; private set; }
    /// <summary>Senders blocked because no thread is bound yet.</summary>
    internal readonly LinkedList<Thread> Waiters = new();

    public override string JdbType => "Gate";
    public override string JdbAttributes => $"L={GateLabel:x8} D={BoundThread?.DbgId ?? 0:x}";
    public override bool HasControlInterface => true;

    public bool IsControl(CapEntry? e) => e?.ControlInterface == true;

    internal void BindThread(Thread t) => BoundThread = t;

    public override InvokeResult Invoke(Invocation inv)
    {
        // Through a client cap, or with another label, everything is IPC to the bound thread; the receiver sees the
        // gate label with the W and S bits of the invoked cap, never anything the sender chose (IPC-LABEL-1).
        if (inv.Tag.Label != (long)Protocol.Kobject || !IsControl(inv.Entry))
            return Kernel.SendIpc(inv, this);
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.Inval);
        return (IpcGateOp)inv.Mr(0) switch
        {
            IpcGateOp.Bind => Bind(inv),
            IpcGateOp.GetInfo => GetInfo(inv),
            IpcGateOp.DecRefcnt => DecRefcnt(inv),
            _ => InvokeResult.Err(L4Err.NoSys),
        };
    }

    /// <summary>L4_IPC_GATE_BIND_OP: MR1 = label (low 2 bits must be 0), item = thread; S on both caps (GATE-BIND-1..4).</summary>
    private InvokeResult Bind(Invocation inv)
    {
        if (!inv.Has(CapRights.S)) return InvokeResult.Err(L4Err.Perm);
        if (inv.Tag.Words < 2) return InvokeResult.Err(L4Err.MsgTooShort);
        ulong label = inv.Mr(1);
        if ((label & 3) != 0) return InvokeResult.Err(L4Err.Inval);
        if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not Thread t) return inv.CapArgError(0);
        if ((arg.Rights & CapRights.S) == 0) return InvokeResult.Err(L4Err.Perm);
        GateLabel = label;
        var old = BoundThread;
        BoundThread = t;
        if (old != t) Kernel.ReleaseReference(old);
        Kernel.GateBound(this);
        return InvokeResult.Ok();
    }

    /// <summary>L4_IPC_GATE_GET_INFO_OP: MR0 = gate label (GATE-INFO-1).</summary>
    private InvokeResult GetInfo(Invocation inv)
    {
        inv.Utcb.SetMr(0, GateLabel);
        return InvokeResult.Ok(1);
    }

    /// <summary>L4_KOBJECT_OP_DEC_REFCNT: MR1 = signed decrement; MR0 = new count (GATE-REF-1).</summary>
    private InvokeResult DecRefcnt(Invocation inv)
    {
        if (inv.Tag.Words < 2) return InvokeResult.Err(L4Err.Inval);
        RefCnt -= inv.SMr(1);
        inv.Utcb.SetMr(0, unchecked((ulong)RefCnt));
        return InvokeResult.Ok(1);
    }

    protected internal override void OnDestroy()
    {
        var bound = BoundThread;
        BoundThread = null;
        Kernel.GateDeleted(this);
        bound?.GateDeleted();                 // Ipc_gate destruction: the bound thread's delete IRQ (THR-DELIRQ-1)
        Kernel.ReleaseReference(bound);
    }
}
