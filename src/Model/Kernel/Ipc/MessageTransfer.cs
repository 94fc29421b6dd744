using L4Conf.Model.Abi;
using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel.Ipc;

/// <summary>
/// Copies one message from sender to receiver (fiasco src/kern/thread-ipc.cpp transfer_msg, l4_buf_iter.cpp;
/// abi-facts §5.3, §6.7): min(words, 63) MRs, then typed items in order, each mapped through the receiver's buffers.
/// </summary>
internal static class MessageTransfer
{
    /// <summary>Returns the send-phase error (None, SEMSGCUT, SEMAPFAILED); sets the receiver's result tag.</summary>
    public static IpcErr Copy(Kernel k, IpcOperation op, Thread from, Thread to)
    {
        var tag = op.Tag;
        int words = Math.Min(tag.Words, Utcb.MrCount);
        int items = tag.Items;
        Array.Copy(from.Utcb.W, 0, to.Utcb.W, 0, words);
        to.Utcb.Touch(0, words);
        var err = IpcErr.None;
        ReceiveBuffers? buffers = null;   // made only when a message carries items
        for (int i = 0; i < items && err == IpcErr.None; i++)
        {
            int at = words + 2 * i;
            // Items are read up to MR62 only: one that starts or ends beyond fails the transfer (IPC-ITEM-3).
            if (at >= Utcb.MrCount) { err = IpcErr.SeMsgCut; break; }
            ulong ctl = from.Utcb.Mr(at);
            if (ctl == 0)
            {
                // A void item occupies its two words and uses no buffer.
                to.Utcb.SetMr(at, 0);
                continue;
            }
            if (at + 1 >= Utcb.MrCount) { err = IpcErr.SeMsgCut; break; }
            err = MapItem(k, op, from, to, ctl, new Fpage(from.Utcb.Mr(at + 1)), buffers ??= new ReceiveBuffers(to.Utcb), at);
        }
        // The receiver sees the sender's tag; the kernel owns the error bit (IPC-MSG-1).
        to.ResultTag = new MsgTag(tag.Label, words, tag.Items, tag.Flags & ~MsgTagFlags.Error);
        if (err == IpcErr.None && tag.Flags.HasFlag(MsgTagFlags.TransferFpu)
            && (to.Utcb.Bdr & (ulong)BufDesc.InheritFpu) != 0 && (op.SendRights & CapRights.S) != 0)
            TransferFpu(from, to);
        return err;
    }

    /// <summary>
    /// IPC-MSG-3: the receiver's FPU/SSE state becomes a copy of the sender's (the default amd64 kernel switches the
    /// FPU eagerly, so the sender keeps its own: thread.cpp:1003-1015). A thread that runs no machine code has the
    /// initial state (all XMM registers zero, MXCSR 0x1f80, the x87 as after fninit); a receiver without machine code has nothing to receive it into.
    /// </summary>
    private static void TransferFpu(Thread from, Thread to)
    {
        if (to.Machine is not { } m) return;
        if (from.Machine is { } s) { Array.Copy(s.Regs.Xmm, m.Regs.Xmm, m.Regs.Xmm.Length); m.Regs.Mxcsr = s.Regs.Mxcsr; m.Regs.X87.CopyFrom(s.Regs.X87); }
        else { Array.Clear(m.Regs.Xmm); m.Regs.Mxcsr = global::L4Conf.Model.Machine.Mxcsr.Reset; m.Regs.X87.CopyFrom(new L4Conf.Model.Machine.X87State()); }
    }

    private static IpcErr MapItem(Kernel k, IpcOperation op, Thread from, Thread to, ulong ctl, Fpage fp, ReceiveBuffers buffers, int mr)
    {
        if ((ctl & (ulong)ItemBits.Map) == 0) return IpcErr.SeMsgCut;
        if (fp.Type == FpageType.Io)
        {
            if (k.Trace.Enabled) k.Trace.Add(new ModelNote(from.DbgId, "I/O-port map item in IPC: I/O spaces are not modelled yet; nothing mapped"));
            to.Utcb.SetMr(mr, ReturnWord(ctl, fp, 2));
            return IpcErr.None;
        }
        if (fp.Type == FpageType.Memory)
        {
            if (buffers.NextMemory() is not { } win) return IpcErr.SeMsgCut;                       // IPC-ITEM-3
            var mres = k.MapMemory(from.Task!, fp, to.Task!, ctl & ~0xFFFUL, (ctl & (ulong)ItemBits.Grant) != 0, (byte)(ctl & 0xF0),
                win.Address, win.Order);
            if (mres.MapFailed) return IpcErr.SeMapFailed;
            to.Utcb.SetMr(mr, ReturnWord(ctl, fp, mres.EmptyMap ? 2UL : 0UL));        // Rcv_map_nothing only for empty_map
            return IpcErr.None;
        }
        if (fp.Type != FpageType.Obj) return IpcErr.SeMsgCut;
        if (buffers.NextObject() is not { } buf) return IpcErr.SeMsgCut;                             // IPC-ITEM-3
        if (buf.RcvId && TryLocalId(from, to, ctl, fp, mr)) return IpcErr.None;                     // IPC-ITEM-ID-1
        var srcTask = from.Task!;
        var dstTask = buf.Forward ?? to.Task!;
        // S survives only if the capability used for this IPC carries S (CAP-MAP-3).
        var mask = k.Config.IpcMapMask(op.SendRights);
        var res = k.MapObjects(srcTask, fp, dstTask, ctl >> 12, (byte)(ctl & 0xF0), (ctl & (ulong)ItemBits.Grant) != 0, mask,
            buf.Window.CapIndex, buf.Window.Order);
        if (res.MapFailed) return IpcErr.SeMapFailed;
        // Rcv_map_nothing (2) when the sender had nothing there (abi-facts §5.3).
        to.Utcb.SetMr(mr, ReturnWord(ctl, fp, res.Mapped > 0 ? 0UL : 2UL));
        return IpcErr.None;
    }

    /// <summary>
    /// A small buffer with the rcv_id bit (L4_RCV_ITEM_LOCAL_ID) avoids a mapping where it can (fiasco thread-ipc.cpp
    /// try_transfer_local_id, l4_msg_item.cpp L4_buf_item/L4_return_item_writer): between threads of one task the
    /// receiver gets the sender's flexpage word (rcv type 3); a gate bound to a thread of the receiving task arrives
    /// as its label OR the W/S rights the mapping would have carried (rcv type 2). Otherwise it is mapped as usual.
    /// </summary>
    private static bool TryLocalId(Thread from, Thread to, ulong ctl, Fpage fp, int mr)
    {
        if (ReferenceEquals(from.Task, to.Task))
        {
            to.Utcb.SetMr(mr, ReturnWord(ctl, fp, 6));
            to.Utcb.SetMr(mr + 1, fp.Raw);
            return true;
        }
        var cap = from.Task!.Space[fp.CapIndex];
        if (cap?.Object is not IpcGate g || g.BoundThread?.Task is not { } home || !ReferenceEquals(home, to.Task)) return false;
        ulong rights = (ulong)(cap.UserRights & (CapRights)fp.Rights) & (ulong)(CapRights.W | CapRights.S);
        to.Utcb.SetMr(mr, ReturnWord(ctl, fp, 4));
        to.Utcb.SetMr(mr + 1, g.GateLabel | rights);
        return true;
    }

    /// <summary>
    /// The return item's first word: hot spot, compound and map bits from the item, order and type from the fpage, the
    /// receive type. A mapping writes only this word; the second keeps what the receiver's MR held (l4_msg_item.cpp:424-445).
    /// </summary>
    private static ulong ReturnWord(ulong ctl, Fpage fp, ulong rcvType) => (ctl & ~0xFF6UL) | (fp.Raw & 0xFF0) | rcvType;

    /// <summary>
    /// The receiver's buffer lists: one iterator for memory items starting at BR[BDR.mem], one for objects at BR[BDR.obj]
    /// (abi-facts §5.2, §5.3). Small items name one object slot; others carry a window fpage (all spaces = everything).
    /// </summary>
    private sealed class ReceiveBuffers(Utcb u)
    {
        private int _obj = BufDescFields.ObjIndex(u.Bdr), _mem = BufDescFields.MemIndex(u.Bdr);

        public (Fpage Window, Task? Forward, bool RcvId)? NextObject()
        {
            if (_obj >= Utcb.BrCount) return null;
            ulong item = u.Br(_obj);
            if ((item & (ulong)ItemBits.Map) == 0) return null;
            bool small = (item & 0x2) != 0, fwd = (item & (ulong)ItemBits.RcvForward) != 0;
            if (fwd) return null;   // forwarding receive items are not modelled: treat as no buffer
            if (small) { _obj += 1; return (Fpage.Obj(item & ~0xFFFUL, 0, CapRights.RWSD), null, (item & (ulong)ItemBits.RcvLocalId) != 0); }
            var w = new Fpage(u.Br(_obj + 1));
            _obj += 2;
            return w.Type == FpageType.Obj || w.IsAllSpaces ? (w.IsAllSpaces ? Fpage.Obj(0, 16, CapRights.RWSD) : w, null, false) : null;
        }

        /// <summary>The next memory receive window (address, order), or null when there is none.</summary>
        public (ulong Address, int Order)? NextMemory()
        {
            if (_mem >= Utcb.BrCount) return null;
            ulong item = u.Br(_mem);
            if ((item & (ulong)ItemBits.Map) == 0 || (item & 0x3) != 0) return null;
            var w = new Fpage(u.Br(_mem + 1));
            _mem += 2;
            if (w.IsAllSpaces) return (0, 47);
            return w.Type == FpageType.Memory ? (w.Address, w.Order) : null;    // an order below 12 maps nothing (MEM-MAP-1)
        }
    }
}
