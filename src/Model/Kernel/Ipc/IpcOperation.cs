using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel.Ipc;

/// <summary>Where a thread stands in an IPC: the phase it is blocked in, if any.</summary>
public enum IpcPhase { None, Sending, Receiving, WaitingForReply }

/// <summary>
/// The IPC a thread has in flight: what it sends and to whom, how it receives, and its deadlines.
/// Kept on the thread while it is blocked; a rendezvous or a timeout completes it.
/// </summary>
public sealed class IpcOperation
{
    public required Thread Caller { get; init; }
    public required CapSelector Selector { get; init; }
    public required MsgTag Tag { get; init; }
    public required ulong Timeouts { get; init; }
    /// <summary>Rights of the capability used for the send phase (W/S): S-masking of items, FPU transfer.</summary>
    public CapRights SendRights { get; init; }
    /// <summary>What the sender or replier put in RSI: the receiver's label, except through a gate (gate label | W | S then).</summary>
    public ulong DeliverLabel { get; init; }
    /// <summary>The gate the message goes through (its label is taken once the send starts on the bound thread).</summary>
    public IpcGate? Gate { get; init; }
    /// <summary>The label the receiver gets through a gate: gate label | W | S, fixed when the send started on the bound thread.</summary>
    public ulong? FromSpec { get; set; }
    /// <summary>The object the send phase goes to (a thread, or a gate that is not bound yet).</summary>
    public KObject? SendTo { get; set; }
    public bool HasSend { get; init; }
    public bool HasRecv { get; init; }
    /// <summary>The receive phase is an open wait (L4_SYSF_OPEN_WAIT).</summary>
    public bool OpenWait { get; init; }
    /// <summary>
    /// A call (send + closed receive from the partner): the callee gets a reply capability to the caller. Send-and-wait
    /// (0x7) receives from anyone and installs none.
    /// </summary>
    public bool IsCall => HasSend && HasRecv && !IsReply && !OpenWait;
    public bool IsReply { get; init; }
    /// <summary>Closed receive: the only sender accepted (a thread, an IRQ, a semaphore, or the caller itself for sleeping). Null = open wait.</summary>
    public KObject? ReceiveFrom { get; set; }
    /// <summary>Explicit reply capability slot for the receive phase (selector bit 10), or null for the implicit one.</summary>
    public ulong? ExplicitReplySlot { get; init; }
    public IpcPhase Phase { get; set; }
    public ulong? Deadline { get; set; }
}
