using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.L4Re;

/// <summary>
/// The client side of an L4Re RPC (l4sys/include/cxx/ipc_iface Rpc_inline_call::call): the message written with a
/// <see cref="MsgWriter"/>, typed items after the words, receive buffers in the BRs, then one call with timeout never.
/// The result is the reply label, or -(L4_EIPC_LO + IPC error code) when the IPC itself failed (l4_ipc_to_errno).
/// </summary>
public static class Rpc
{
    public static long Call(L4Sys s, ulong cap, long proto, MsgWriter w, params SendItem[] items) =>
        Call(s, cap, proto, w.Words, items);

    public static long Call(L4Sys s, ulong cap, long proto, int words, params SendItem[] items)
    {
        var u = s.Self.Utcb;
        for (int i = 0; i < items.Length; i++)
        {
            u.SetMr(words + 2 * i, items[i].Control);
            u.SetMr(words + 2 * i + 1, items[i].Fpage.Raw);
        }
        var tag = s.Call(cap, new MsgTag(proto, words, items.Length));
        return Result(s, tag);
    }

    /// <summary>A send-only RPC (no reply expected), e.g. a log write.</summary>
    public static long Send(L4Sys s, ulong cap, long proto, int words, MsgTagFlags flags = MsgTagFlags.None)
    {
        var tag = s.Send(cap, new MsgTag(proto, words, 0, flags));
        return tag.HasError ? -((long)IpcErrorRange.Lo + (long)s.Self.Utcb.Error) : 0;
    }

    public static long Result(L4Sys s, MsgTag tag) => tag.HasError ? -((long)IpcErrorRange.Lo + (long)s.Self.Utcb.Error) : tag.Label;

    /// <summary>One small receive buffer for a capability at <paramref name="slot"/> (BDR 0, BR0), as client stubs set it.</summary>
    public static void ReceiveCapInto(Utcb u, ulong slot, bool localId = false)
    {
        u.Bdr = 0;
        u.SetBr(0, (slot << 12) | (ulong)ItemBits.RcvSingleCap | (localId ? (ulong)ItemBits.RcvLocalId : 0));
        u.SetBr(1, 0);
    }

    /// <summary>A capability argument as client stubs send it: a map item with the object flexpage and its rights.</summary>
    public static SendItem CapItem(ulong cap, CapRights rights, byte attr = 0) =>
        new((ulong)ItemBits.Map | attr, Fpage.Obj(cap, 0, rights));
}
