using L4Conf.Model.Abi;
using L4Conf.Model.Kernel.Ipc;
using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel;

/// <summary>
/// Synchronous IPC (fiasco src/kern/thread-ipc.cpp, receiver.cpp, sender.cpp; abi-facts §6): rendezvous of a send
/// phase and a receive phase, reply capabilities, timeouts in logical time, cancel and abort.
/// A method returns an <see cref="InvokeResult"/> when the caller's system call is complete, or
/// <see cref="InvokeResult.Blocked"/> when the caller waits; a later event completes it through <see cref="Complete"/>.
/// </summary>
public sealed partial class Kernel
{
    private static bool IsOpenWait(SysFlags f) => (f & SysFlags.OpenWait) != 0;

    /// <summary>The send phase of an IPC to <paramref name="dest"/>: a thread, or a gate's bound thread.</summary>
    internal InvokeResult SendIpc(Invocation inv, KObject dest)
    {
        var receiver = dest as Thread ?? (dest as IpcGate)?.BoundThread;
        var op = new IpcOperation
        {
            Caller = inv.Caller, Selector = inv.Selector, Tag = inv.Tag, Timeouts = inv.Timeouts, SendRights = inv.Rights,
            DeliverLabel = inv.Label, SendTo = dest, Gate = dest as IpcGate, HasSend = true, HasRecv = inv.HasRecv,
            OpenWait = IsOpenWait(inv.Op),
            ExplicitReplySlot = inv.HasRecv && IsOpenWait(inv.Op) && inv.Selector.ExplicitReply ? inv.Selector.Index : null,
        };
        return StartSend(op, receiver);
    }

    /// <summary>
    /// prepare_receive (receiver.cpp:480-512): an open wait with selector bit 10 needs its explicit reply slot, whose
    /// tables may have to be charged first; a closed wait selects no slot. False: L4_IPC_NO_REPLY_CAP (IPC-REPLY-3).
    /// </summary>
    private static bool ReplySlotReady(Thread me, ulong? explicitSlot) =>
        explicitSlot is not { } index || (me.Task is { } t && t.ReplyTables.Access(index, t.Quota));

    /// <summary>No reply slot to be had: the clean error tag and L4_IPC_NO_REPLY_CAP, before any send or receive phase (thread-ipc.cpp:598-603).</summary>
    private static InvokeResult NoReplyCap => InvokeResult.Ipc(IpcErr.NoReplyCap);

    /// <summary>
    /// A receive-only call through an IPC gate: on an unbound gate the caller first blocks like a sender (send timeout,
    /// IPC-ERR-3); then it is a closed wait on the bound thread, or an open wait with flag 4 (ipc_gate.cpp:478-511,
    /// thread.cpp:742-746).
    /// </summary>
    internal InvokeResult ReceiveThroughGate(Thread me, CapSelector sel, IpcGate g, ulong r8, MsgTag tag)
    {
        var op = new IpcOperation
        {
            Caller = me, Selector = sel, Tag = tag, Timeouts = r8, SendTo = g, HasRecv = (sel.Op & SysFlags.Recv) != 0, OpenWait = IsOpenWait(sel.Op),
            ExplicitReplySlot = IsOpenWait(sel.Op) && sel.ExplicitReply ? sel.Index : null,
        };
        return StartSend(op, g.BoundThread);
    }

    private InvokeResult StartSend(IpcOperation op, Thread? receiver)
    {
        var caller = op.Caller;
        if (receiver == null && op.SendTo is IpcGate gate)
        {
            // An unbound gate blocks the sender until a thread is bound (IPC-GATE-3).
            if (IpcTimeout.Snd(op.Timeouts).IsZero) return InvokeResult.Ipc(IpcErr.SeTimeout);
            gate.Waiters.AddLast(caller);
            return Block(op, IpcPhase.Sending, IpcTimeout.Snd(op.Timeouts));
        }
        if (receiver == null || receiver.State == ThreadState.Dead) return InvokeResult.Ipc(IpcErr.NotExistent);
        if (!ReplySlotReady(caller, op.ExplicitReplySlot)) return NoReplyCap;
        // The gate's label is taken now, as the send starts on the bound thread; a later rebind does not change it (IPC-LABEL-1).
        if (op.Gate is { } g) op.FromSpec = Config.GateLabel(g.GateLabel, op.SendRights, op.DeliverLabel);
        // A closed receive waits for the thread the message goes to, known only now for a gate bound late.
        if (op.HasRecv && !op.OpenWait) op.ReceiveFrom = receiver;
        if (!op.HasSend && !op.HasRecv) return InvokeResult.Ipc(IpcErr.NotExistent);   // no phase at all (check_sys_ipc)
        if (!op.HasSend) return StartReceive(op);                  // a receive through a gate, now bound
        if (ReadyToReceive(receiver, caller))
        {
            var err = Rendezvous(op, receiver);
            return AfterSend(op, err);
        }
        // A vCPU receiver outside IPC with IRQs enabled in its state takes the message as an upcall (receiver.cpp:585-588, 607-616).
        if (receiver.Ipc == null && (VcpuFlags(receiver) & (ulong)VcpuStateAbi.FIrq) != 0)
            return InvokeResult.Unmodelled($"IPC to vCPU thread D:{receiver.DbgId:x} with IRQs enabled in its state: the vCPU upcall is not modelled");
        if (IpcTimeout.Snd(op.Timeouts).IsZero) return InvokeResult.Ipc(IpcErr.SeTimeout);        // IPC-TO-2
        EnqueueSender(receiver, caller);
        op.SendTo = receiver;
        return Block(op, IpcPhase.Sending, IpcTimeout.Snd(op.Timeouts));
    }

    /// <summary>After a successful send: a send-only IPC returns the caller's own tag; a call goes on to wait for the reply.</summary>
    private InvokeResult AfterSend(IpcOperation op, IpcErr err)
    {
        if (err != IpcErr.None) return InvokeResult.Ipc(err);
        if (!op.HasRecv) return new InvokeResult(op.Tag);                                          // INV-3 for IPC
        return StartReceive(op);
    }

    private static bool ReadyToReceive(Thread r, KObject from) =>
        r.Ipc is { Phase: IpcPhase.Receiving or IpcPhase.WaitingForReply } rop && (rop.ReceiveFrom == null || rop.ReceiveFrom == from);

    private static void EnqueueSender(Thread receiver, Thread sender)
    {
        // Senders queue by priority, FIFO within one priority.
        var n = receiver.Senders.First;
        while (n != null && n.Value.Priority >= sender.Priority) n = n.Next;
        if (n == null) receiver.Senders.AddLast(sender); else receiver.Senders.AddBefore(n, sender);
    }

    private InvokeResult Block(IpcOperation op, IpcPhase phase, IpcTimeout to)
    {
        var t = op.Caller;
        op.Phase = phase;
        t.Ipc = op;
        op.Deadline = to.Deadline(Clock, t.Utcb);
        Ready.Remove(t);
        if (op.Deadline is { } d) Timers.Set(t, d);
        return InvokeResult.Blocked;
    }

    /// <summary>The receive phase: take a waiting sender (or pending IRQ) if there is one, else wait with the receive timeout.</summary>
    private InvokeResult StartReceive(IpcOperation op)
    {
        var me = op.Caller;
        var phase = op.IsCall ? IpcPhase.WaitingForReply : IpcPhase.Receiving;
        if (!op.IsCall)
        {
            if (op.ReceiveFrom is Semaphore sem && sem.TryDown()) return InvokeResult.Ok();
            if ((op.ReceiveFrom == null || op.ReceiveFrom is IrqSender) && TakePendingIrq(me, op.ReceiveFrom as IrqSender) is { } irq)
                return DeliverIrq(irq);
            var sender = op.ReceiveFrom == null ? me.Senders.First?.Value : me.Senders.FirstOrDefault(s => s == op.ReceiveFrom);
            if (sender != null)
            {
                var sop = sender.Ipc!;
                me.Senders.Remove(sender);
                Timers.Cancel(sender);
                sender.Ipc = null;
                var err = TransferTo(sop, me, op);
                ResumeSender(sop, err);
                return err == IpcErr.None ? InvokeResult.Received(me) : TransferFailed(me, err);
            }
        }
        var rto = IpcTimeout.Rcv(op.Timeouts);
        if (rto.IsZero) return ReceiveFailed(op, IpcErr.ReTimeout);                                // IPC-TO-3
        if (op.ReceiveFrom is Semaphore s2) s2.Waiters.AddLast(me);
        return Block(op, phase, rto);
    }

    /// <summary>
    /// A receive phase that ended without a message (timeout, cancel): the caller's own tag with the error flag, RSI
    /// as passed (IPC-ERR-2). A semaphore down answers the clean error tag instead (its own commit_error).
    /// </summary>
    private static InvokeResult ReceiveFailed(IpcOperation op, IpcErr e) =>
        op.ReceiveFrom is Semaphore ? InvokeResult.Ipc(e) : new InvokeResult(op.Tag.WithError(), e);

    /// <summary>A receiver whose transfer failed: the sender's tag with the error flag and the sender's label (IPC-ERR-2).</summary>
    private static InvokeResult TransferFailed(Thread receiver, IpcErr sendErr) =>
        new(receiver.ResultTag.WithError(), (IpcErr)((ulong)sendErr | 1)) { Label = receiver.ResultLabel };

    /// <summary>A sender whose message was taken: done if send-only, else now waiting for the reply.</summary>
    private void ResumeSender(IpcOperation sop, IpcErr err)
    {
        if (err != IpcErr.None) { Complete(sop.Caller, InvokeResult.Ipc(err)); return; }
        // A send-only sender that had to queue gets its tag back with the error flag cleared (thread-ipc.cpp:189-190,
        // L4_msg_tag(tag, 0) keeps all but Rcv_flags = Error); a direct one keeps RAX as it was (IPC-MSG-1).
        if (!sop.HasRecv) { Complete(sop.Caller, new InvokeResult(new MsgTag(sop.Tag.Raw & ~(long)MsgTagFlags.Error))); return; }
        var r = StartReceive(sop);
        if (!r.IsBlocked) Complete(sop.Caller, r);
    }

    /// <summary>The caller's message meets a receiver that is already waiting: transfer, wake the receiver.</summary>
    private IpcErr Rendezvous(IpcOperation op, Thread receiver)
    {
        var rop = receiver.Ipc!;
        Timers.Cancel(receiver);
        if (rop.ReceiveFrom is Semaphore rs) rs.Waiters.Remove(receiver);
        receiver.Ipc = null;
        var err = TransferTo(op, receiver, rop);
        Complete(receiver, err == IpcErr.None ? InvokeResult.Received(receiver) : TransferFailed(receiver, err));
        return err;
    }

    /// <summary>
    /// Copies the message from the sender's UTCB into the receiver's, maps typed items, sets the receiver's label and
    /// reply capability (a call received by an open wait). Returns the send-phase error (the receiver gets the same code with the receive bit).
    /// </summary>
    private IpcErr TransferTo(IpcOperation op, Thread receiver, IpcOperation rop)
    {
        var from = op.Caller;
        var err = MessageTransfer.Copy(this, op, from, receiver);
        receiver.ResultLabel = op.FromSpec ?? op.DeliverLabel;
        // Any message from the callee to its caller uses up the caller's reply capability (IPC-REPLY-2).
        if (from.ReplyTo == receiver) from.ReplyTo = null;
        ForgetExplicitReply(from.Task, receiver);
        // Only a call taken by an open wait leaves a reply capability: a closed wait selected no reply slot (IPC-REPLY-1).
        if (err == IpcErr.None && op.IsCall && rop.ReceiveFrom == null)
        {
            if (rop.ExplicitReplySlot is { } slot && receiver.Task != null)
                receiver.Task.ReplyCaps[slot] = (from, op.SendRights);
            else { receiver.ReplyTo = from; receiver.ReplyRights = op.SendRights; }
        }
        return err;
    }

    private static void ForgetExplicitReply(Task? t, Thread caller)
    {
        if (t == null || t.ReplyCaps.Count == 0) return;
        foreach (var k in t.ReplyCaps.Where(kv => kv.Value.Caller == caller).Select(kv => kv.Key).ToList()) t.ReplyCaps.Remove(k);
    }

    /// <summary>
    /// REPLY (with SEND, optionally RECV = reply and wait): answers through the implicit reply capability, or the
    /// explicit one when selector bit 10 is set. The reply capability is single use (IPC-REPLY-1..3).
    /// </summary>
    internal InvokeResult Reply(Thread me, CapSelector sel, MsgTag tag, ulong rsi, ulong r8)
    {
        Thread? caller;
        CapRights rights;
        if (sel.ExplicitReply)
        {
            if (me.Task == null || !me.Task.ReplyCaps.Remove(sel.Index, out var rc)) return InvokeResult.Ipc(IpcErr.NotExistent);
            (caller, rights) = rc;
        }
        else
        {
            caller = me.ReplyTo;
            rights = me.ReplyRights;
            me.ReplyTo = null;
        }
        var op = new IpcOperation
        {
            Caller = me, Selector = sel, Tag = tag, Timeouts = r8, SendRights = rights, DeliverLabel = rsi, SendTo = caller,
            HasSend = (sel.Op & SysFlags.Send) != 0, HasRecv = (sel.Op & SysFlags.Recv) != 0, IsReply = true,
            ReceiveFrom = null, ExplicitReplySlot = null,
        };
        if (op.HasRecv && !ReplySlotReady(me, sel.ExplicitReply ? sel.Index : null)) return NoReplyCap;
        IpcErr err = IpcErr.None;
        if (op.HasSend)
        {
            if (caller == null) err = IpcErr.NotExistent;
            else if (!ReadyToReceive(caller, me)) err = IpcErr.SeTimeout;                        // replies never block
            else err = Rendezvous(op, caller);
        }
        if (err != IpcErr.None || !op.HasRecv) return err != IpcErr.None ? InvokeResult.Ipc(err) : new InvokeResult(tag);
        var wait = new IpcOperation
        {
            Caller = me, Selector = sel, Tag = tag, Timeouts = r8, HasRecv = true,
            ReceiveFrom = null, ExplicitReplySlot = sel.ExplicitReply ? sel.Index : null,
        };
        return StartReceive(wait);
    }

    /// <summary>A receive-only system call: open wait, or closed wait on a thread, an IRQ, a semaphore, or oneself (sleep).</summary>
    internal InvokeResult ReceiveOnly(Thread me, CapSelector sel, KObject target, ulong r8, MsgTag tag)
    {
        var op = new IpcOperation
        {
            Caller = me, Selector = sel, Tag = tag, Timeouts = r8, HasRecv = true,
            ReceiveFrom = IsOpenWait(sel.Op) ? null : target,
            ExplicitReplySlot = IsOpenWait(sel.Op) && sel.ExplicitReply ? sel.Index : null,
        };
        if (!ReplySlotReady(me, op.ExplicitReplySlot)) return NoReplyCap;
        return StartReceive(op);
    }

    /// <summary>Completes a blocked thread's system call with <paramref name="r"/> and makes it ready.</summary>
    internal void Complete(Thread t, InvokeResult r)
    {
        Timers.Cancel(t);
        t.Ipc = null;
        SetResult(t, r, t.ResultLabel);
        if (t.State != ThreadState.Dead) MakeReady(t);
    }

    /// <summary>
    /// A deadline passed: the send phase gets SETIMEOUT with the clean error tag, the receive phase RETIMEOUT with the
    /// caller's tag | error flag (IPC-TO-1, IPC-ERR-2).
    /// </summary>
    internal void Expire(Thread t)
    {
        if (t.Ipc is not { } op) return;
        Unlink(t, op);
        Complete(t, op.Phase == IpcPhase.Sending ? InvokeResult.Ipc(IpcErr.SeTimeout) : ReceiveFailed(op, IpcErr.ReTimeout));
    }

    /// <summary>ex_regs CANCEL: an ongoing IPC ends with SECANCELED or RECANCELED (IPC-CANCEL-1).</summary>
    public void CancelIpc(Thread t)
    {
        if (t.Ipc is not { Phase: not IpcPhase.None } op) return;
        Unlink(t, op);
        Complete(t, op.Phase == IpcPhase.Sending ? InvokeResult.Ipc(IpcErr.SeCanceled) : ReceiveFailed(op, IpcErr.ReCanceled));
    }

    /// <summary>Removes a blocked thread from whatever queue its IPC put it in.</summary>
    private void Unlink(Thread t, IpcOperation op)
    {
        if (op.Phase == IpcPhase.Sending)
        {
            (op.SendTo as Thread)?.Senders.Remove(t);
            (op.SendTo as IpcGate)?.Waiters.Remove(t);
        }
        (op.ReceiveFrom as Semaphore)?.Waiters.Remove(t);
        if (op.Phase == IpcPhase.WaitingForReply) ResetReplySlotsOf(t);       // the caller stopped waiting
        Timers.Cancel(t);
    }

    /// <summary>
    /// A caller that no longer waits for its reply empties the reply slot it sits in, the implicit one or an explicit
    /// one (reset_partner_reply_cap: thread-ipc.cpp:802-809, receiver.cpp:304-336; IPC-REPLY-2).
    /// </summary>
    private void ResetReplySlotsOf(Thread caller)
    {
        foreach (var th in Objects.OfType<Thread>().Where(x => x.ReplyTo == caller)) th.ReplyTo = null;
        foreach (var task in Objects.OfType<Task>()) ForgetExplicitReply(task, caller);
    }

    /// <summary>
    /// A thread dies: its own IPC ends, its queued senders get SECANCELED (a failed send phase: clean error tag);
    /// threads waiting to receive from it, its callers among them, are not woken; its own reply capability is emptied;
    /// IRQs queued on it are unbound and stay pending (IPC-ABORT-1).
    /// </summary>
    internal void AbortIpcOf(Thread dead)
    {
        if (dead.Ipc is { } own) { Unlink(dead, own); dead.Ipc = null; }
        Ready.Remove(dead);
        foreach (var s in dead.Senders.ToList())
        {
            dead.Senders.Remove(s);
            Complete(s, InvokeResult.Ipc(IpcErr.SeCanceled));
        }
        dead.ReplyTo = null;
        ResetReplySlotsOf(dead);
        foreach (var irq in dead.PendingIrqs.ToList()) irq.ReceiverDied();
        dead.PendingIrqs.Clear();
    }

    /// <summary>A gate is bound: its waiting senders retry against the new thread (IPC-GATE-3).</summary>
    internal void GateBound(IpcGate g)
    {
        foreach (var s in g.Waiters.ToList())
        {
            g.Waiters.Remove(s);
            var op = s.Ipc!;
            s.Ipc = null;
            Timers.Cancel(s);
            var r = StartSend(op, g.BoundThread);
            if (!r.IsBlocked) Complete(s, r);
        }
    }

    /// <summary>A gate is deleted: senders waiting for it to be bound get ENOT_EXISTENT (IPC-GATE-4).</summary>
    internal void GateDeleted(IpcGate g)
    {
        foreach (var s in g.Waiters.ToList())
        {
            g.Waiters.Remove(s);
            Complete(s, InvokeResult.Ipc(IpcErr.NotExistent));
        }
    }

    private static IrqSender? TakePendingIrq(Thread me, IrqSender? only)
    {
        var n = only == null ? me.PendingIrqs.First : me.PendingIrqs.Find(only);
        if (n == null) return null;
        me.PendingIrqs.Remove(n);
        return n.Value;
    }

    /// <summary>An IRQ message: tag 0 (no words), label = the bind label (IRQ-MSG-1).</summary>
    private static InvokeResult DeliverIrq(IrqSender irq) => new(new MsgTag(0)) { Label = irq.BindLabel };

    /// <summary>An IRQ fires for its bound thread: delivered at once if the thread waits for it, else queued once (edge).</summary>
    internal void IrqFired(IrqSender irq, Thread target)
    {
        if (target.State == ThreadState.Dead) return;
        if (target.Ipc is { Phase: IpcPhase.Receiving } rop && (rop.ReceiveFrom == null || rop.ReceiveFrom == irq))
        {
            Complete(target, DeliverIrq(irq));
            return;
        }
        if (!target.PendingIrqs.Contains(irq)) target.PendingIrqs.AddLast(irq);
    }

    /// <summary>A semaphore is deleted: its waiters get ENOT_EXISTENT (SEM-3).</summary>
    internal void SemaphoreDeleted(Semaphore s)
    {
        foreach (var w in s.Waiters.ToList())
        {
            s.Waiters.Remove(w);
            Complete(w, InvokeResult.Ipc(IpcErr.NotExistent));
        }
    }

    /// <summary>Semaphore up with a waiter: the highest-priority waiter's down completes (SEM-UP-1).</summary>
    internal bool WakeSemaphoreWaiter(Semaphore s)
    {
        var w = s.Waiters.OrderByDescending(t => t.Priority).FirstOrDefault();
        if (w == null) return false;
        s.Waiters.Remove(w);
        Complete(w, InvokeResult.Ok());
        return true;
    }
}
