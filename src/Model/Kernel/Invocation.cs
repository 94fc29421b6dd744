using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>Everything one system call hands to the invoked object: selector, rights of the slot, tag, UTCB.</summary>
public sealed class Invocation
{
    public required Kernel Kernel { get; init; }
    public required Thread Caller { get; init; }
    public required CapSelector Selector { get; init; }
    /// <summary>The slot used; null when the selector named the caller itself.</summary>
    public required CapEntry? Entry { get; init; }
    /// <summary>W/S of the slot used (Obj_cap::deref hands only these to the object).</summary>
    public required CapRights Rights { get; init; }
    public required MsgTag Tag { get; init; }
    public required ulong Label { get; init; }
    public required ulong Timeouts { get; init; }

    public Task Space => Caller.Task ?? throw new InvalidOperationException("unbound thread cannot invoke");
    public Utcb Utcb => Caller.Utcb;
    public SysFlags Op => Selector.Op;
    public bool HasSend => (Op & SysFlags.Send) != 0;
    public bool HasRecv => (Op & SysFlags.Recv) != 0;
    public bool Has(CapRights r) => (Rights & r) == r;
    public ulong Mr(int i) => Utcb.Mr(i);
    public long SMr(int i) => unchecked((long)Utcb.Mr(i));

    /// <summary>Typed send item i (2 MRs after the untyped words), or null when the tag has fewer items.</summary>
    public SendItem? Item(int i) =>
        i < Tag.Items ? new SendItem(Mr(Tag.Words + 2 * i), new Fpage(Mr(Tag.Words + 2 * i + 1))) : null;

    /// <summary>
    /// A capability argument passed as a typed item (kernel RPC cap argument, Ko::deref): the caller's slot it names,
    /// with that slot's own W/S (the item's fpage rights are not used). Null if the item is missing, void, not an
    /// object fpage or names an empty slot; <see cref="CapArgError"/> then gives the answer.
    /// </summary>
    public (CapEntry Entry, CapRights Rights)? CapArg(int item)
    {
        var it = Item(item);
        if (it is not { IsVoid: false } si || si.Fpage.Type != FpageType.Obj) return null;
        var e = Space.Space[si.Fpage.CapIndex];
        if (e == null) return null;
        return (e, e.UserRights);
    }

    /// <summary>
    /// Ko::Msg::read's size check of a kernel RPC (fiasco kobject_rpc.h:139-147, 386-402): the message is too short
    /// with fewer than <paramref name="words"/> words (opcode included), more than 63 words and items together, or
    /// no item when the RPC takes a capability.
    /// </summary>
    public bool RpcTooShort(int words, bool takesCap = false) =>
        Tag.Words < words || Tag.Words + Tag.Items > 63 || (takesCap && Tag.Items == 0);

    /// <summary>
    /// Ko::deref's answer for an unusable cap argument: a non-void item that is not an object fpage is the send-phase
    /// IPC error L4_IPC_SEMSGCUT; a missing or void item, an empty slot or the wrong object type is -EINVAL.
    /// </summary>
    public InvokeResult CapArgError(int item) =>
        Item(item) is { IsVoid: false } si && si.Fpage.Type != FpageType.Obj ? InvokeResult.Ipc(IpcErr.SeMsgCut) : InvokeResult.Err(L4Err.Inval);
}

/// <summary>A typed send item: control word (hot spot, attributes, grant bit, map bit) and flexpage.</summary>
public readonly record struct SendItem(ulong Control, Fpage Fpage)
{
    public bool IsVoid => Control == 0;
    public bool IsMap => (Control & (ulong)ItemBits.Map) != 0;
    public bool Grant => (Control & (ulong)ItemBits.Grant) != 0;
    public byte Attr => (byte)(Control & 0xF0);
    public ulong HotSpot => Control >> 12;
}

/// <summary>
/// What the object answers: the result tag, an IPC error (error flag + TCR) if any, the label (RSI) returned, or
/// that the caller is now blocked and will be completed later.
/// </summary>
public readonly record struct InvokeResult(MsgTag Tag, IpcErr Error = IpcErr.None, string? NotModelled = null)
{
    public ulong? Label { get; init; }
    public bool IsBlocked { get; init; }
    /// <summary>
    /// The object writes this answer to the caller whatever the op bits (Task's -EBADPROTO, a thread op's
    /// -EMSGTOOSHORT: INV-3), not only with a receive phase or the error flag.
    /// </summary>
    public bool WrittenAlways { get; init; }
    /// <summary>
    /// "No reply" (Kobject_h::no_reply(), the Schedule flag: IRQ trigger and EOI, a Vlog write, ICU mask/unmask): a
    /// receive phase then waits, closed on the object if it is an IPC sender (an Irq_sender), else on the caller, open
    /// with flag 4 (kobject_helper.cpp:62-72); without one the caller's input tag comes back.
    /// </summary>
    public bool IsNoReply { get; init; }

    public static InvokeResult Ok(int words = 0, int items = 0) => new(MsgTag.Result(0, words, items));
    public static InvokeResult Value(long label, int words = 0) => new(MsgTag.Result(label, words));
    public static InvokeResult Err(L4Err e) => new(MsgTag.Result(-(long)e));
    public static InvokeResult Ipc(IpcErr e) => new(MsgTag.IpcError, e);
    public static InvokeResult NoReply => new(new MsgTag(0, 0, 0, MsgTagFlags.Schedule)) { IsNoReply = true };
    /// <summary>The caller waits; a rendezvous, timeout, cancel or abort completes it later.</summary>
    public static InvokeResult Blocked => new(default) { IsBlocked = true };
    /// <summary>A receiver's completion: the tag and label its message transfer left on the thread.</summary>
    public static InvokeResult Received(Thread t) => new(t.ResultTag) { Label = t.ResultLabel };
    /// <summary>A path later issues model (memory, exceptions); reported, never silently answered.</summary>
    public static InvokeResult Unmodelled(string what) => new(MsgTag.IpcError, IpcErr.NotExistent, what);
    /// <summary>The answer reaches a send-only caller: it has the error flag 0x8000 (a negative label alone does not), or it is always written (INV-3).</summary>
    public bool ReachesSendOnly => Tag.HasError || WrittenAlways;
}
