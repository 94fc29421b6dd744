using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Ipc;
using static L4Conf.Conformance.Cases.CaseSets;
using KThread = L4Conf.Model.Kernel.Thread;
using ThreadState = L4Conf.Model.Kernel.ThreadState;

namespace L4Conf.Conformance.Cases;

/// <summary>Synchronous IPC between threads of different tasks, run by the scheduler (abi-facts §6).</summary>
public static class IpcCases
{
    private const ulong SndZero = 0x0400_0000, RcvZero = 0x0000_0400;

    /// <summary>Two tasks: a server and a client; the client holds the server's thread cap at 0x30 (RWS) and a gate at 0x31.</summary>
    /// <summary>
    /// The client (holding the Log at C:0x40) sends what <paramref name="send"/> prepares to a server waiting with no
    /// receive buffer; returns after the kernel has run both.
    /// </summary>
    private static (World W, UserTask Server, UserTask Client) MapItemToAnUnbufferedReceiver(Func<Utcb, L4Sys, MsgTag> send)
    {
        var (w, server, client) = Pair();
        w.Check(w.Map(client.TaskSel, 0x40 << 12, CapRights.RWS, 0, World.LogCap), "log into client");
        var ss = w.ProgramSys(server.Thread);
        var cs = w.ProgramSys(client.Thread);
        IEnumerable<SyscallRequest> Srv() { server.Thread.Utcb.SetBr(0, 0); yield return ss.Next(ss.Wait()); }
        IEnumerable<SyscallRequest> Cli() { yield return cs.Next(send(client.Thread.Utcb, cs)); }
        w.K.Start(server.Thread, Srv());
        w.K.Start(client.Thread, Cli());
        w.K.Run();
        return (w, server, client);
    }

    /// <summary>
    /// The client sends its log cap (its slot 0x40, RWS) as a map item through a gate with <paramref name="gateRights"/>
    /// to the server, which waits with a one-slot window at 0x50 (and MR1 preset); MR0 = 0x77 when there is a word.
    /// </summary>
    private static (World W, UserTask Server, UserTask Client) SendLogCapAsMapItem(CapRights gateRights, int words, ulong serverMr1 = 0)
    {
        var (w, server, client) = Pair(0x40, gateRights);
        w.Check(w.Map(client.TaskSel, 0x40 << 12, CapRights.RWS, 0, World.LogCap), "log into client");
        var ss = w.ProgramSys(server.Thread);
        var cs = w.ProgramSys(client.Thread);
        IEnumerable<SyscallRequest> Srv()
        {
            server.Thread.Utcb.Bdr = 0;
            server.Thread.Utcb.SetBr(0, (0x50UL << 12) | (ulong)ItemBits.RcvSingleCap);
            server.Thread.Utcb.SetMr(1, serverMr1);
            yield return ss.Next(ss.Wait());
        }
        IEnumerable<SyscallRequest> Cli()
        {
            if (words > 0) client.Thread.Utcb.SetMr(0, 0x77);
            client.Thread.Utcb.SetMr(words, (ulong)ItemBits.Map);
            client.Thread.Utcb.SetMr(words + 1, Fpage.Obj(0x40 << 12, 0, CapRights.RWS).Raw);
            yield return cs.Next(cs.Send(0x31 << 12, new MsgTag(0, words, 1)));
        }
        w.K.Start(server.Thread, Srv());
        w.K.Start(client.Thread, Cli());
        w.K.Run();
        return (w, server, client);
    }

    /// <summary>A task whose thread is bound to a new IRQ sender with label 0x67768; the IRQ cap is also in its slot 0x40.</summary>
    private static (World W, UserTask P, ulong Irq) IrqBoundToNewTask()
    {
        var w = new World();
        var p = w.NewTask();
        ulong irq = w.Create((long)Protocol.IrqSender);
        w.Check(w.Root.IrqBind(irq, p.ThreadSel, 0x67768), "bind");
        w.Check(w.Map(p.TaskSel, 0x40 << 12, CapRights.RWS, 0, irq), "irq cap into the task");
        return (w, p, irq);
    }

    private static (World W, UserTask Server, UserTask Client) Pair(ulong gateLabel = 0x42d420, CapRights gateRights = CapRights.RW)
    {
        var w = new World();
        var server = w.NewTask("server");
        var client = w.NewTask("client");
        w.Check(w.Map(client.TaskSel, 0x30 << 12, CapRights.RWS, 0, server.ThreadSel), "server thread cap into client");
        w.GateTo(server, gateLabel, client, 0x31 << 12, gateRights);
        return (w, server, client);
    }

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("ipc/call-reply", "a call meets an open wait: words copied, reply through the implicit reply cap", ["IPC-CALL-1", "IPC-MSG-1", "IPC-REPLY-1"], c =>
        {
            var (w, server, client) = Pair();
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            ulong got1 = 0, got2 = 0;
            MsgTag srvTag = default, cliTag = default;
            IEnumerable<SyscallRequest> Server()
            {
                yield return ss.Next(ss.Wait());
                srvTag = server.Thread.ResultTag;
                got1 = server.Thread.Utcb.Mr(0); got2 = server.Thread.Utcb.Mr(1);
                server.Thread.Utcb.SetMr(0, got1 + got2);
                yield return ss.Next(ss.Reply(new MsgTag(7, 1, 0)));
            }
            IEnumerable<SyscallRequest> Client()
            {
                client.Thread.Utcb.SetMr(0, 40); client.Thread.Utcb.SetMr(1, 2);
                yield return cs.Next(cs.Call(0x31 << 12, new MsgTag(0x1234, 2, 0, MsgTagFlags.Schedule)));
                cliTag = client.Thread.ResultTag;
            }
            w.K.Start(server.Thread, Server());
            w.K.Start(client.Thread, Client());
            c.Equal(RunStop.Done, w.K.Run(), "run");
            c.Equal(new MsgTag(0x1234, 2, 0, MsgTagFlags.Schedule).Raw, srvTag.Raw, "server sees the client's tag (flags kept)");
            c.Equal((40UL, 2UL), (got1, got2), "words");
            c.Equal(new MsgTag(7, 1, 0).Raw, cliTag.Raw, "client gets the reply tag");
            c.Equal(42UL, client.Thread.Utcb.Mr(0), "reply word");
            c.True(!client.Thread.ResultTag.HasError, "no error");
            c.True(server.Thread.ReplyTo == null, "the reply cap is used up");
        });
        yield return Case("ipc/gate-label", "through a gate the receiver sees gate label | W | S of the invoked cap, never the sender's label", ["IPC-LABEL-1"], c =>
        {
            foreach (var (rights, expect) in new[] { (CapRights.RW, 0x42d421UL), (CapRights.R, 0x42d420UL), (CapRights.RWS, 0x42d423UL) })
            {
                var (w, server, client) = Pair(0x42d420, rights);
                var ss = w.ProgramSys(server.Thread);
                var cs = w.ProgramSys(client.Thread);
                w.K.Start(server.Thread, [ss.Next(ss.Wait())]);
                w.K.Start(client.Thread, [cs.Next(cs.Send(0x31 << 12, new MsgTag(0, 0, 0), label: 0xDEAD0))]);
                w.K.Run();
                c.Equal(expect, server.Thread.ResultLabel, $"label through a {rights} gate cap (file server: 0x42d421 rw, 0x42d420 r)");
            }
        });
        yield return Case("ipc/gate-label-fixed-at-send", "a sender queued on the bound thread keeps the gate label of its send start; rebinding the gate does not change it", ["IPC-LABEL-1"], c =>
        {
            var w = new World();
            var server = w.NewTask("server");
            var client = w.NewTask("client");
            ulong g = w.GateTo(server, 0x100, client, 0x31 << 12, CapRights.RW);
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            w.K.Start(client.Thread, [cs.Next(cs.Send(0x31 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            c.Equal(ThreadState.Sending, client.Thread.State, "the client is queued on the server");
            w.Check(w.Root.GateBind(g, server.ThreadSel, 0x200), "rebind the gate with label 0x200");
            w.K.Start(server.Thread, [ss.Next(ss.Wait())]);
            w.K.Run();
            // ipc_gate.cpp:510-511: from_spec = _id | rights when the send starts; do_ipc keeps it (thread-ipc.cpp:617)
            // and transfer_msg delivers it (862).
            c.Equal(0x101UL, server.Thread.ResultLabel, "the label of the send start: 0x100 | W");
        });
        yield return Case("ipc/thread-label", "IPC to a thread cap delivers the sender's RSI as label", ["IPC-LABEL-2"], c =>
        {
            var (w, server, client) = Pair();
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            w.K.Start(server.Thread, [ss.Next(ss.Wait())]);
            w.K.Start(client.Thread, [cs.Next(cs.Send(0x30 << 12, new MsgTag(0, 0, 0), label: 0xABC0))]);
            w.K.Run();
            c.Equal(0xABC0UL, server.Thread.ResultLabel, "label");
        });
        yield return Case("ipc/zero-timeouts", "a send with nobody receiving and a zero send timeout is SETIMEOUT; a receive with nothing pending and a zero receive timeout is RETIMEOUT", ["IPC-TO-2", "IPC-TO-3"], c =>
        {
            var (w, server, client) = Pair();
            var t = client.Sys.Send(0x30 << 12, new MsgTag(0, 0, 0), SndZero);
            c.Equal(-(2000L + 2), client.Sys.Error(t), "send, timeout 0");
            t = server.Sys.Wait(RcvZero);
            c.Equal(-(2000L + 3), server.Sys.Error(t), "open wait, timeout 0");
        });
        yield return Case("ipc/timeout-logical-time", "a relative receive timeout m*2^e us expires at that logical time with RETIMEOUT; an absolute one at the BR deadline", ["IPC-TO-1", "IPC-TO-4"], c =>
        {
            var w = new World();
            var p = w.NewTask();
            var s = w.ProgramSys(p.Thread);
            ulong start = 0, end = 0, end2 = 0;
            var to = IpcTimeout.FromMicroseconds(1000);
            IEnumerable<SyscallRequest> Prog()
            {
                start = w.K.Clock;
                yield return s.Next(s.Sleep(to.Raw));
                end = w.K.Clock;
                p.Thread.Utcb.SetBr(5, end + 5000);
                yield return s.Next(s.Sleep(0x8005));       // absolute, deadline in BR5
                end2 = w.K.Clock;
            }
            w.K.Start(p.Thread, Prog());
            w.K.Run();
            c.Equal((ushort)0x03E8, to.Raw, "l4_timeout_from_us(1000): e = max(0, 9 - 9) = 0, m = 1000");
            c.Equal((ushort)((3 << 10) | 625), IpcTimeout.FromMicroseconds(5000).Raw, "l4_timeout_from_us(5000): e = 3, m = ceil(5000 / 8) = 625");
            c.True(end >= start + 1000 && end <= start + 1002, $"woke at {end}, slept from {start}");
            c.Equal(IpcErr.ReTimeout, p.Thread.Utcb.Error, "sleep ends with RETIMEOUT");
            c.True(end2 >= end + 5000 && end2 <= end + 5002, $"absolute deadline: woke at {end2}");
        });
        yield return Case("ipc/sender-queue-order", "waiting senders are received highest priority first, FIFO within a priority", ["IPC-QUEUE-1"], c =>
        {
            var w = new World();
            var server = w.NewTask("server");
            var senders = Enumerable.Range(0, 3).Select(i => w.NewTask($"s{i}")).ToArray();
            foreach (var s in senders) w.Check(w.Map(s.TaskSel, 0x30 << 12, CapRights.RWS, 0, server.ThreadSel), "cap");
            w.Check(w.Root.RunThread(World.SchedCap, senders[2].ThreadSel, 5), "prio 5");
            var order = new List<ulong>();
            foreach (var s in senders)
            {
                var ps = w.ProgramSys(s.Thread);
                s.Thread.Utcb.SetMr(0, s.Thread.DbgId);
                w.K.Start(s.Thread, [ps.Next(ps.Send(0x30 << 12, new MsgTag(0, 1, 0)))]);
            }
            w.K.Run();       // all three block: the server is not receiving
            var ss = w.ProgramSys(server.Thread);
            IEnumerable<SyscallRequest> Srv()
            {
                for (int i = 0; i < 3; i++) { yield return ss.Next(ss.Wait()); order.Add(server.Thread.Utcb.Mr(0)); }
            }
            w.K.Start(server.Thread, Srv());
            w.K.Run();
            c.Equal($"{senders[2].Thread.DbgId:x},{senders[0].Thread.DbgId:x},{senders[1].Thread.DbgId:x}", string.Join(",", order.Select(x => x.ToString("x"))), "receive order");
        });
        yield return Case("ipc/unbound-gate", "an unbound gate blocks senders until a thread is bound; zero timeout is SETIMEOUT; deleting it gives ENOT_EXISTENT", ["IPC-GATE-3", "IPC-GATE-4"], c =>
        {
            var w = new World();
            var server = w.NewTask("server");
            var client = w.NewTask("client");
            ulong g = w.Create(0);
            w.Check(w.Map(client.TaskSel, 0x31 << 12, CapRights.RW, 0, g), "client cap");
            c.Equal(-(2000L + 2), client.Sys.Error(client.Sys.Send(0x31 << 12, new MsgTag(0, 0, 0), SndZero)), "unbound, zero timeout");
            var cs = w.ProgramSys(client.Thread);
            w.K.Start(client.Thread, [cs.Next(cs.Send(0x31 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            c.Equal(ThreadState.Sending, client.Thread.State, "blocked on the unbound gate");
            var ss = w.ProgramSys(server.Thread);
            w.K.Start(server.Thread, [ss.Next(ss.Wait())]);
            w.K.Run();
            w.Check(w.Root.GateBind(g, server.ThreadSel, 0x100), "bind");
            w.K.Run();
            c.Equal(ThreadState.Ready, client.Thread.State, "released by the bind");
            c.Equal(0x101UL, server.Thread.ResultLabel, "delivered with the new label | W");
            w.K.Start(client.Thread, [cs.Next(cs.Send(0x31 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            c.Equal(ThreadState.Sending, client.Thread.State, "blocked again (the server no longer waits)");
            var g2 = w.Create(0);
            w.Check(w.Map(client.TaskSel, 0x32 << 12, CapRights.RW, 0, g2), "second, unbound gate");
            var other = w.NewTask();
            var os = w.ProgramSys(other.Thread);
            w.Check(w.Map(other.TaskSel, 0x32 << 12, CapRights.RW, 0, g2), "cap for another sender");
            w.K.Start(other.Thread, [os.Next(os.Send(0x32 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            w.Check(w.Root.DeleteObj(World.TaskCap, g2), "delete the unbound gate");
            c.Equal(IpcErr.NotExistent, other.Thread.Utcb.Error, "sender on the deleted gate: ENOT_EXISTENT");
        });
        yield return Case("ipc/receive-through-gate", "a receive-only call through an unbound gate first blocks like a sender (SETIMEOUT with a zero send timeout); through a bound gate it is a closed wait on the bound thread", ["IPC-ERR-3"], c =>
        {
            var w = new World();
            var server = w.NewTask("server");
            var client = w.NewTask("client");
            ulong g = w.Create(0);                                   // an unbound gate (protocol 0)
            w.Check(w.Map(client.TaskSel, 0x31 << 12, CapRights.RW, 0, g), "gate into the client");
            w.Check(w.Map(server.TaskSel, 0x30 << 12, CapRights.RWS, 0, client.ThreadSel), "client thread cap into the server");
            // ipc_gate.cpp:478-486: an unbound gate blocks the caller with the send timeout before the op bits are looked
            // at; a zero timeout is L4_error::Timeout (SETIMEOUT 0x02, a send-phase code) with the clean tag.
            var t = client.Sys.Receive(0x31 << 12, SndZero | RcvZero);
            c.Equal(new MsgTag(0, 0, 0, MsgTagFlags.Error).Raw, t.Raw, "unbound gate, zero send timeout: the clean error tag");
            c.Equal(IpcErr.SeTimeout, client.Thread.Utcb.Error, "SETIMEOUT");
            // Bound: check_sys_ipc makes the receive a closed wait on the gate's thread (thread.cpp:742-746, ipc_gate.cpp:496-511).
            w.Check(w.Root.GateBind(g, server.ThreadSel, 0x100), "bind the gate to the server");
            var cs = w.ProgramSys(client.Thread);
            var ss = w.ProgramSys(server.Thread);
            w.K.Start(client.Thread, [cs.Next(cs.Receive(0x31 << 12))]);
            w.K.Run();
            w.K.Start(server.Thread, [ss.Next(ss.Send(0x30 << 12, new MsgTag(0x66, 0, 0), SndZero, label: 0x4440))]);
            w.K.Run();
            c.True(!server.Thread.ResultTag.HasError, "the bound thread's send to the waiting client succeeds");
            c.Equal(new MsgTag(0x66, 0, 0).Raw, client.Thread.ResultTag.Raw, "the client received the bound thread's message");
            c.Equal(0x4440UL, client.Thread.ResultLabel, "with the sender's label");
        });
        yield return Case("ipc/unbound-gate-call-waits-for-callee", "a call released by a gate's bind waits for the bound thread's reply only, even after the callee's death", ["IPC-GATE-3", "IPC-ABORT-1"], c =>
        {
            var w = new World();
            var server = w.NewTask("server");
            var client = w.NewTask("client");
            var other = w.NewTask("other");
            ulong g = w.Create(0);
            w.Check(w.Map(client.TaskSel, 0x31 << 12, CapRights.RW, 0, g), "client cap");
            w.Check(w.Map(other.TaskSel, 0x30 << 12, CapRights.RWS, 0, client.ThreadSel), "client's thread cap into other");
            var cs = w.ProgramSys(client.Thread);
            w.K.Start(client.Thread, [cs.Next(cs.Call(0x31 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            var ss = w.ProgramSys(server.Thread);
            w.K.Start(server.Thread, [ss.Next(ss.Wait())]);
            w.K.Run();
            w.Check(w.Root.GateBind(g, server.ThreadSel, 0x100), "bind");
            w.K.Run();
            c.Equal(0x101UL, server.Thread.ResultLabel, "the call reached the bound thread");
            c.Equal(ThreadState.Receiving, client.Thread.State, "the client waits for the reply");
            c.Equal(-(2000L + 2), other.Sys.Error(other.Sys.Send(0x30 << 12, new MsgTag(0, 0, 0), SndZero)),
                "a third thread cannot answer the call: the client is not waiting for it (SETIMEOUT)");
            c.Equal(ThreadState.Receiving, client.Thread.State, "still waiting for the callee");
            w.Check(w.Root.DeleteObj(World.TaskCap, server.ThreadSel), "delete the callee");
            // thread.cpp:570-572: the callee's death does not wake its caller (no Aborted: l4_error.cpp:19-20 is never set).
            c.Equal(ThreadState.Receiving, client.Thread.State, "the callee's death leaves the caller waiting");
            c.Equal(IpcErr.None, client.Thread.Utcb.Error, "no error");
        });
        yield return Case("ipc/reply-cap-single-use", "the implicit reply cap answers once; a second reply fails with ENOT_EXISTENT", ["IPC-REPLY-1", "IPC-REPLY-2"], c =>
        {
            var (w, server, client) = Pair();
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            MsgTag second = default;
            IEnumerable<SyscallRequest> Srv()
            {
                yield return ss.Next(ss.Wait());
                yield return ss.Next(ss.Reply(new MsgTag(0, 0, 0)));
                yield return ss.Next(ss.Reply(new MsgTag(0, 0, 0)));
                second = server.Thread.ResultTag;
            }
            w.K.Start(server.Thread, Srv());
            w.K.Start(client.Thread, [cs.Next(cs.Call(0x31 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            c.Equal(0L, client.Sys.Error(client.Thread.ResultTag), "the call got its reply");
            c.True(second.HasError, "second reply fails");
            c.Equal(IpcErr.NotExistent, server.Thread.Utcb.Error, "with ENOT_EXISTENT");
        });
        yield return Case("ipc/closed-wait-no-reply-cap", "a call taken by a closed wait installs no reply capability: the later reply is ENOT_EXISTENT and the caller keeps waiting", ["IPC-REPLY-1"], c =>
        {
            var (w, server, client) = Pair();
            w.Check(w.Map(server.TaskSel, 0x30 << 12, CapRights.RWS, 0, client.ThreadSel), "client thread cap into server");
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            MsgTag received = default, replied = default;
            IEnumerable<SyscallRequest> Srv()
            {
                yield return ss.Next(ss.Receive(0x30 << 12));            // closed wait on the client
                received = server.Thread.ResultTag;
                yield return ss.Next(ss.Reply(new MsgTag(0, 0, 0)));
                replied = server.Thread.ResultTag;
            }
            w.K.Start(server.Thread, Srv());
            w.K.Start(client.Thread, [cs.Next(cs.Call(0x30 << 12, new MsgTag(0x55, 0, 0)))]);
            w.K.Run();
            // thread-ipc.cpp:864-866: transfer_msg sets the reply cap only when the receiver was in an open wait
            // (receiver.cpp:483-500 selects a reply slot only then); the empty slot's deref is ENOT_EXISTENT with the
            // clean error tag (thread_object.cpp:46-60, syscalls.cpp:31-35).
            c.Equal(new MsgTag(0x55, 0, 0).Raw, received.Raw, "the closed wait received the call");
            c.Equal(new MsgTag(0, 0, 0, MsgTagFlags.Error).Raw, replied.Raw, "reply: the clean error tag");
            c.Equal(IpcErr.NotExistent, server.Thread.Utcb.Error, "reply through the empty reply slot: ENOT_EXISTENT");
            c.Equal(ThreadState.Receiving, client.Thread.State, "the caller still waits for a reply");
        });
        yield return Case("ipc/error-tcr-only-on-errors", "the error TCR is written only when a call fails: a later successful call leaves the old code; a semaphore down resets it", ["SAFE-9"], c =>
        {
            var w = new World();
            var p = w.NewTask();
            // syscalls.cpp:31-35: an empty selector is commit_error(ENOT_EXISTENT), which writes the TCR (kobject_iface.cpp:76-81).
            var t = p.Sys.Send(0x77 << 12, new MsgTag(0, 0, 0));
            c.True(t.HasError, "send to an empty slot fails");
            c.Equal(IpcErr.NotExistent, p.Thread.Utcb.Error, "with ENOT_EXISTENT");
            // A successful kernel-object call (commit_result) and a successful IPC leave the TCR as it was.
            t = p.Sys.CapValid(1 << 12, 1 << 12);
            c.True(!t.HasError, "cap_valid succeeds");
            c.Equal(IpcErr.NotExistent, p.Thread.Utcb.Error, "after a successful kernel-object call: the old code");
            var (w2, server, client) = Pair();
            var ss = w2.ProgramSys(server.Thread);
            var cs = w2.ProgramSys(client.Thread);
            client.Thread.Utcb.Error = IpcErr.SeTimeout;
            server.Thread.Utcb.Error = IpcErr.ReCanceled;
            w2.K.Start(server.Thread, [ss.Next(ss.Wait())]);
            w2.K.Start(client.Thread, [cs.Next(cs.Send(0x30 << 12, new MsgTag(0x55, 0, 0)))]);
            w2.K.Run();
            c.True(!(client.Thread.ResultTag.HasError || server.Thread.ResultTag.HasError), "the send and the wait succeed");
            c.Equal(IpcErr.SeTimeout, client.Thread.Utcb.Error, "sender after a successful send: the old code");
            c.Equal(IpcErr.ReCanceled, server.Thread.Utcb.Error, "receiver after a successful receive: the old code");
            // semaphore.cpp:175-176: sys_down resets the TCR before it takes the semaphore.
            ulong sem = w.Create((long)Protocol.Semaphore);
            w.Check(w.Map(p.TaskSel, 0x40 << 12, CapRights.RWS, 0, sem), "semaphore into the task");
            w.Root.IrqTrigger(sem);
            t = p.Sys.SemDown(0x40 << 12, 0);
            c.True(!t.HasError, "down on a semaphore with count 1");
            c.Equal(IpcErr.None, p.Thread.Utcb.Error, "a semaphore down resets the TCR");
        });
        yield return Case("ipc/error-tag-by-phase", "a failed send phase answers the clean error tag; a failed receive phase the caller's input tag with the error flag; a receiver whose transfer failed the sender's tag and label with the error flag; RSI is kept", ["IPC-ERR-2"], c =>
        {
            // Receive phase of a call times out: commit_error(R_timeout, regs->tag()) keeps the input tag and sets only
            // 0x8000 (thread-ipc.cpp:829-842, kobject_iface.cpp:76-81, l4_types.cpp:868-871); RSI is written only by
            // from() (entry_frame-amd64.cpp:135-138), so it keeps what the caller passed.
            {
                var (w, server, client) = Pair();
                var ss = w.ProgramSys(server.Thread);
                var cs = w.ProgramSys(client.Thread);
                var rcv1000 = (ulong)IpcTimeout.FromMicroseconds(1000).Raw;
                MsgTag got = default;
                IEnumerable<SyscallRequest> Cli()
                {
                    yield return cs.Next(cs.Call(0x30 << 12, new MsgTag(0x42, 2, 0), rcv1000, label: 0x770));
                    got = client.Thread.ResultTag;
                }
                w.K.Start(server.Thread, [ss.Next(ss.Wait())]);       // receives the call, never replies
                w.K.Start(client.Thread, Cli());
                w.K.Run();
                c.Equal((0x42L << 16) | 0x8000 | 2, got.Raw, "call, receive timeout: input tag | 0x8000");
                c.Equal(IpcErr.ReTimeout, client.Thread.Utcb.Error, "RETIMEOUT");
                c.Equal(0x770UL, client.Thread.ResultLabel, "RSI as passed");
            }
            // An open wait with a zero receive timeout and a tag: the same rule; a cancelled receive too.
            {
                var w = new World();
                var p = w.NewTask();
                var t = p.Sys.Ipc((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.Wait, new MsgTag(0x33, 1, 0, MsgTagFlags.Schedule), 0x5, RcvZero);
                c.Equal((0x33L << 16) | 0xA000 | 1, t.Raw, "wait, zero receive timeout: input tag (Schedule kept) | 0x8000");
                c.Equal(IpcErr.ReTimeout, p.Thread.Utcb.Error, "RETIMEOUT");
                c.Equal(0x5UL, p.Thread.ResultLabel, "RSI as passed");
                var q = w.NewTask();
                var qs = w.ProgramSys(q.Thread);
                w.K.Start(q.Thread, [qs.Next(qs.Ipc((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.Wait, new MsgTag(0x21, 3, 0), 0x9))]);
                w.K.Run();
                w.Check(w.Root.ExRegs(q.ThreadSel, ulong.MaxValue, ulong.MaxValue, ExRegsFlags.Cancel), "cancel the waiter");
                c.Equal((0x21L << 16) | 0x8000 | 3, q.Thread.ResultTag.Raw, "cancelled wait: input tag | 0x8000");
                c.Equal(IpcErr.ReCanceled, q.Thread.Utcb.Error, "RECANCELED");
                c.Equal(0x9UL, q.Thread.ResultLabel, "RSI as passed");
            }
            // A map item without a receive buffer: transfer_msg gives the receiver the sender's tag with the error flag
            // and the sender's label (thread-ipc.cpp:859-862); the sender's failed send phase is the clean tag (694).
            {
                var (_, server, client) = MapItemToAnUnbufferedReceiver((u, cs) =>
                {
                    u.SetMr(0, 0x1);
                    u.SetMr(1, (ulong)ItemBits.Map);
                    u.SetMr(2, Fpage.Obj(0x40 << 12, 0, CapRights.RWS).Raw);
                    return cs.Send(0x30 << 12, new MsgTag(0x77, 1, 1), label: 0xABC0);
                });
                c.Equal((0x77L << 16) | 0x8000 | 0x40 | 1, server.Thread.ResultTag.Raw, "receiver: the sender's tag | 0x8000");
                c.Equal(IpcErr.ReMsgCut, server.Thread.Utcb.Error, "receiver: REMSGCUT");
                c.Equal(0xABC0UL, server.Thread.ResultLabel, "receiver: the sender's label");
                c.Equal(MsgTag.IpcError.Raw, client.Thread.ResultTag.Raw, "sender: the clean error tag");
                c.Equal(IpcErr.SeMsgCut, client.Thread.Utcb.Error, "sender: SEMSGCUT");
                c.Equal(0xABC0UL, client.Thread.ResultLabel, "sender: RSI as passed");
            }
        });
        yield return Case("ipc/explicit-reply-cap", "a wait with selector bit 10 stores the caller in that reply slot; a reply through it answers the caller", ["IPC-REPLY-3"], c =>
        {
            var (w, server, client) = Pair();
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            IEnumerable<SyscallRequest> Srv()
            {
                yield return ss.Next(ss.Ipc((5UL << 12) | (ulong)SelectorLayout.ReplyCapBit | (ulong)SysFlags.Wait, new MsgTag(0, 0, 0)));
                c.True(server.Thread.ReplyTo == null && server.Task.ReplySlots.ContainsKey(5), "caller stored in reply slot 5, not the implicit one");
                server.Thread.Utcb.SetMr(0, 99);
                yield return ss.Next(ss.Ipc((5UL << 12) | (ulong)SelectorLayout.ReplyCapBit | (ulong)(SysFlags.Reply | SysFlags.Send), new MsgTag(0, 1, 0), 0, SndZero));
            }
            w.K.Start(server.Thread, Srv());
            w.K.Start(client.Thread, [cs.Next(cs.Call(0x31 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            c.Equal(99UL, client.Thread.Utcb.Mr(0), "reply word through the explicit reply cap");
            c.True(!server.Task.ReplySlots.ContainsKey(5), "explicit reply cap used up");
        });
        yield return Case("ipc/explicit-reply-cap-reset-by-caller", "a caller that stops waiting (timeout, cancel) empties the explicit reply slot it sits in: a later reply through it is ENOT_EXISTENT", ["IPC-REPLY-2"], c =>
        {
            foreach (var cancel in new[] { false, true })
            {
                var (w, server, client) = Pair();
                var ss = w.ProgramSys(server.Thread);
                var cs = w.ProgramSys(client.Thread);
                var rcv100 = (ulong)IpcTimeout.FromMicroseconds(100).Raw;
                w.K.Start(server.Thread, [ss.Next(ss.Ipc((5UL << 12) | (ulong)SelectorLayout.ReplyCapBit | (ulong)SysFlags.Wait, new MsgTag(0, 0, 0)))]);
                w.K.Start(client.Thread, [cs.Next(cs.Call(0x31 << 12, new MsgTag(0, 0, 0), cancel ? 0 : rcv100))]);
                w.K.Run();
                if (cancel) w.Check(w.Root.ExRegs(client.ThreadSel, ulong.MaxValue, ulong.MaxValue, ExRegsFlags.Cancel), "cancel the caller");
                c.Equal(cancel ? IpcErr.ReCanceled : IpcErr.ReTimeout, client.Thread.Utcb.Error, $"the caller stopped waiting ({(cancel ? "cancel" : "timeout")})");
                // thread-ipc.cpp:802-809: the caller's do_ipc resets the callee's reply slot it sat in
                // (reset_partner_reply_cap, receiver.cpp:304-336), explicit slots included.
                var t = server.Sys.Ipc((5UL << 12) | (ulong)SelectorLayout.ReplyCapBit | (ulong)(SysFlags.Reply | SysFlags.Send), new MsgTag(0, 1, 0), 0, SndZero);
                c.True(t.HasError, "the reply through slot 5 fails");
                c.Equal(IpcErr.NotExistent, server.Thread.Utcb.Error, $"reply slot 5 is empty after the {(cancel ? "cancel" : "timeout")}: ENOT_EXISTENT");
            }
        });
        yield return Case("ipc/explicit-reply-slot-limits", "an open wait with bit 10 needs a reply slot index below 2^18 and quota for the slot tables (4 KiB per table), else L4_IPC_NO_REPLY_CAP before anything else", ["IPC-REPLY-3"], c =>
        {
            var w = new World();
            ulong fab = w.FreeSlot();
            w.Check(w.Root.CreateFactory(World.FactoryCap, fab, 0x10000), "a factory with 64 KiB");
            var p = w.NewTask("p", fab);
            var quota = ((Factory)w.Obj(fab)).Quota;
            MsgTag Wait(ulong index) =>
                p.Sys.Ipc((index << 12) | (ulong)SelectorLayout.ReplyCapBit | (ulong)SysFlags.Wait, new MsgTag(0x12, 1, 0), 0, RcvZero);
            // reply_space.cpp:264-265, 322-323: 512 x 512 slots; receiver.cpp:487-494 + thread-ipc.cpp:598-603: a slot that
            // cannot be had is L4_IPC_NO_REPLY_CAP with the clean error tag, before the send and receive phases.
            var t = Wait(0x40000);
            c.Equal(new MsgTag(0, 0, 0, MsgTagFlags.Error).Raw, t.Raw, "index 2^18: the clean error tag");
            c.Equal(IpcErr.NoReplyCap, p.Thread.Utcb.Error, "index 2^18: L4_IPC_NO_REPLY_CAP");
            // The first slot charges the L0 and one L1 table (reply_space.cpp:216-256, 325-369), a slot in another L1 table one more.
            ulong before = quota.Used;
            t = Wait(5);
            c.Equal(IpcErr.ReTimeout, p.Thread.Utcb.Error, "index 5: a plain receive timeout");
            c.Equal(before + 0x2000, quota.Used, "index 5: L0 and L1 tables charged");
            Wait(6);
            c.Equal(before + 0x2000, quota.Used, "index 6: same L1 table, nothing more");
            Wait(512);
            c.Equal(before + 0x3000, quota.Used, "index 512: one more L1 table");
            // Without quota for a new table: NO_REPLY_CAP.
            for (int k = 0; k < 4096; k++)
            {
                var r = w.Root.FactoryCreate(fab, (long)Protocol.Semaphore, w.FreeSlot());
                if (r.HasError || r.Label < 0) break;                  // -ENOMEM once the quota is used up
            }
            c.True(quota.Limit - quota.Used < 0x1000, "the factory's quota is used up");
            t = Wait(1024);
            c.Equal(IpcErr.NoReplyCap, p.Thread.Utcb.Error, "no quota for another L1 table: L4_IPC_NO_REPLY_CAP");
        });
        yield return Case("ipc/cancel", "ex_regs CANCEL ends a blocked send with SECANCELED and a blocked receive with RECANCELED", ["IPC-CANCEL-1"], c =>
        {
            var (w, server, client) = Pair();
            var cs = w.ProgramSys(client.Thread);
            var ss = w.ProgramSys(server.Thread);
            w.K.Start(client.Thread, [cs.Next(cs.Send(0x30 << 12, new MsgTag(0, 0, 0)))]);
            var other = w.NewTask();
            var os = w.ProgramSys(other.Thread);
            w.K.Start(other.Thread, [os.Next(os.Wait())]);
            w.K.Run();
            w.Check(w.Root.ExRegs(client.ThreadSel, ulong.MaxValue, ulong.MaxValue, ExRegsFlags.Cancel), "cancel sender");
            w.Check(w.Root.ExRegs(other.ThreadSel, ulong.MaxValue, ulong.MaxValue, ExRegsFlags.Cancel), "cancel receiver");
            c.Equal(IpcErr.SeCanceled, client.Thread.Utcb.Error, "sender");
            c.Equal(IpcErr.ReCanceled, other.Thread.Utcb.Error, "receiver");
            c.True(server.Thread.SenderQueue.Count == 0, "removed from the server's sender queue");
        });
        yield return Case("ipc/abort-on-deletion", "when a thread is deleted its queued senders get SECANCELED with the clean error tag, its callers keep waiting, and an IRQ queued on it becomes unbound and pending", ["IPC-ABORT-1"], c =>
        {
            var (w, server, client) = Pair();
            var cs = w.ProgramSys(client.Thread);
            var ss = w.ProgramSys(server.Thread);
            var late = w.NewTask();
            w.Check(w.Map(late.TaskSel, 0x30 << 12, CapRights.RWS, 0, server.ThreadSel), "cap");
            var ls = w.ProgramSys(late.Thread);
            w.K.Start(server.Thread, [ss.Next(ss.Wait()), ss.Next(ss.Sleep(0))]);
            w.K.Start(client.Thread, [cs.Next(cs.Call(0x30 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            w.K.Start(late.Thread, [ls.Next(ls.Send(0x30 << 12, new MsgTag(0, 0, 0)))]);
            w.K.Run();
            c.Equal(ThreadState.Receiving, client.Thread.State, "client waits for its reply");
            c.Equal(ThreadState.Sending, late.Thread.State, "late sender queued");
            ulong irq = w.Create((long)Protocol.IrqSender);
            w.Check(w.Root.IrqBind(irq, server.ThreadSel, 0x67768), "IRQ bound to the server");
            w.Root.IrqTrigger(irq);                                  // the server sleeps: the IRQ queues on it
            w.Check(w.Root.DeleteObj(World.TaskCap, server.ThreadSel), "delete the server thread");
            // do_kill (thread.cpp:578-586) dequeues each sender and calls ipc_receiver_aborted: error Canceled and
            // Thread_transfer_failed (thread-ipc.cpp:143-156), so the send ends with the clean tag (689-695, 1350-1354).
            c.Equal(IpcErr.SeCanceled, late.Thread.Utcb.Error, "queued sender: SECANCELED");
            c.Equal(MsgTag.IpcError.Raw, late.Thread.ResultTag.Raw, "queued sender: the clean error tag");
            // thread.cpp:570-572 only empties the dead thread's own reply slot: "the caller is left waiting forever".
            c.Equal(ThreadState.Receiving, client.Thread.State, "the caller is not woken");
            c.Equal(IpcErr.None, client.Thread.Utcb.Error, "no error for the caller");
            // A queued Irq_sender is rejected: unbound, and an edge IRQ stays pending (irq.cpp:796-863).
            w.Root.Self.Utcb.SetMr(0, (ulong)IrqSenderOp.Detach);
            c.Equal(-(long)L4Err.NoEnt, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.IrqSender, 1, 0))), "the IRQ is unbound (detach: -ENOENT)");
            var other = w.NewTask("other");
            var os = w.ProgramSys(other.Thread);
            w.K.Start(other.Thread, [os.Next(os.Wait())]);
            w.K.Run();
            w.Check(w.Root.IrqBind(irq, other.ThreadSel, 0x42), "bind the IRQ to another thread");
            w.K.Run();
            c.Equal(0x42UL, other.Thread.ResultLabel, "the pending IRQ is delivered after the new bind");
        });
        yield return Case("ipc/map-item", "an object map item lands in the receiver's buffer; S is masked by the invoked cap; no buffer is MSGCUT", ["IPC-ITEM-1", "IPC-ITEM-2", "IPC-ITEM-3", "CAP-MAP-3"], c =>
        {
            foreach (var (gateRights, expectAttr) in new[] { (CapRights.RW, (byte)0x15), (CapRights.RWS, (byte)0x17) })
            {
                var (_, server, _) = SendLogCapAsMapItem(gateRights, words: 1);
                c.Equal((byte)expectAttr, (byte)(server.Task.Space[0x50]?.Attr ?? 0), $"received cap through a {gateRights} gate");
                c.Equal(new MsgTag(0, 1, 1).Raw, server.Thread.ResultTag.Raw, "receiver's tag");
                c.Equal(0x38UL, server.Thread.Utcb.Mr(1) & 0xFFF, "return item: obj fpage type, map bit, mapped");
            }
            {
                var (_, server, client) = MapItemToAnUnbufferedReceiver((u, cs) =>
                {
                    u.SetMr(0, (ulong)ItemBits.Map);
                    u.SetMr(1, Fpage.Obj(0x40 << 12, 0, CapRights.RWS).Raw);
                    return cs.Send(0x31 << 12, new MsgTag(0, 0, 1));
                });
                c.Equal(IpcErr.SeMsgCut, client.Thread.Utcb.Error, "sender: SEMSGCUT");
                c.Equal(IpcErr.ReMsgCut, server.Thread.Utcb.Error, "receiver: REMSGCUT");
            }
        });
        yield return Case("ipc/send-only-tag-back", "a send-only IPC gets its own tag back: with the error flag cleared when it had to queue, unchanged when the receiver was waiting", ["IPC-MSG-1"], c =>
        {
            // label 0x77, 1 word, the flags Error (0x8000) and Schedule (0x2000) set by the sender
            var input = new MsgTag(0x77, 1, 0, MsgTagFlags.Error | MsgTagFlags.Schedule);
            foreach (var queued in new[] { true, false })
            {
                var (w, server, client) = Pair();
                var ss = w.ProgramSys(server.Thread);
                var cs = w.ProgramSys(client.Thread);
                IEnumerable<SyscallRequest> Srv() { yield return ss.Next(ss.Wait()); }
                IEnumerable<SyscallRequest> Cli() { yield return cs.Next(cs.Send(0x30 << 12, input)); }
                if (!queued) { w.K.Start(server.Thread, Srv()); w.K.Run(); }
                w.K.Start(client.Thread, Cli());
                w.K.Run();
                if (queued) { c.Equal(ThreadState.Sending, client.Thread.State, "queued on the busy server"); w.K.Start(server.Thread, Srv()); w.K.Run(); }
                long expect = queued ? input.Raw & ~(long)MsgTagFlags.Error : input.Raw;
                c.Equal(expect, client.Thread.ResultTag.Raw, queued ? "queued: the tag without 0x8000" : "direct: the tag as given");
                c.Equal(new MsgTag(0x77, 1, 0, MsgTagFlags.Schedule).Raw, server.Thread.ResultTag.Raw, "the receiver sees no error flag");
            }
        });
        yield return Case("ipc/return-item-second-word", "a mapped object or memory item writes only the first word of its return item: the receiver's second word keeps what it held", ["IPC-ITEM-1"], c =>
        {
            var (_, server, _) = SendLogCapAsMapItem(CapRights.RW, words: 0, serverMr1: 0xDEAD);
            // l4_msg_item.cpp:424-426, 442-445: L4_return_item_writer writes words[0] only for map something / nothing;
            // words[1] is written for the local-id results alone (458-476).
            c.True(server.Task.Space[0x50] != null, "the log cap was mapped");
            c.Equal(0x38UL, server.Thread.Utcb.Mr(0) & 0xFFF, "return item word 0: obj fpage, map bit, mapped");
            c.Equal(0xDEADUL, server.Thread.Utcb.Mr(1), "return item word 1: the receiver's old MR1");
        });
        yield return Case("ipc/items-past-mr62", "an item that does not fit before MR63 fails the transfer with SEMSGCUT/REMSGCUT; items before it stay mapped", ["IPC-ITEM-3"], c =>
        {
            foreach (var (words, items) in new[] { (62, 1), (60, 2) })
            {
                var (w, server, client) = Pair(0x40, CapRights.RW);
                w.Check(w.Map(client.TaskSel, 0x40 << 12, CapRights.RWS, 0, World.LogCap), "log into client");
                w.Check(w.Map(client.TaskSel, 0x41 << 12, CapRights.RWS, 0, World.FactoryCap), "factory into client");
                var ss = w.ProgramSys(server.Thread);
                var cs = w.ProgramSys(client.Thread);
                IEnumerable<SyscallRequest> Srv()
                {
                    var u = server.Thread.Utcb;
                    u.Bdr = 0;
                    u.SetBr(0, (0x50UL << 12) | (ulong)ItemBits.RcvSingleCap);
                    u.SetBr(1, (0x51UL << 12) | (ulong)ItemBits.RcvSingleCap);
                    yield return ss.Next(ss.Wait());
                }
                IEnumerable<SyscallRequest> Cli()
                {
                    var u = client.Thread.Utcb;
                    for (int i = 0; i < items; i++)
                    {
                        u.SetMr(words + 2 * i, (ulong)ItemBits.Map);
                        if (words + 2 * i + 1 < Utcb.MrCount) u.SetMr(words + 2 * i + 1, Fpage.Obj((0x40UL + (ulong)i) << 12, 0, CapRights.RWS).Raw);
                    }
                    yield return cs.Next(cs.Send(0x31 << 12, new MsgTag(0, words, items)));
                }
                w.K.Start(server.Thread, Srv());
                w.K.Start(client.Thread, Cli());
                w.K.Run();
                // l4_buf_iter.cpp:114-139: the send-item iterator ends at MR63 (Utcb::Max_words); the item left over is
                // Overflow for both sides (thread-ipc.cpp:1156, 1254-1258, set_ipc_error 469-473).
                c.Equal(IpcErr.SeMsgCut, client.Thread.Utcb.Error, $"{words} words, {items} items: sender SEMSGCUT");
                c.Equal(IpcErr.ReMsgCut, server.Thread.Utcb.Error, $"{words} words, {items} items: receiver REMSGCUT");
                c.Equal(items == 2, server.Task.Space[0x50] != null, $"{words} words, {items} items: the item before MR62 is mapped");
            }
        });
        yield return Case("ipc/send-and-wait", "send-and-wait sends, then waits for anyone; it installs no reply capability", ["IPC-CALL-2"], c =>
        {
            var (w, server, client) = Pair();
            var third = w.NewTask("third");
            w.Check(w.Map(third.TaskSel, 0x30 << 12, CapRights.RWS, 0, client.ThreadSel), "third -> client");
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            var ts = w.ProgramSys(third.Thread);
            w.K.Start(server.Thread, [ss.Next(ss.Wait())]);
            w.K.Start(client.Thread, [cs.Next(cs.Ipc((0x30UL << 12) | (ulong)SysFlags.SendAndWait, new MsgTag(0, 0, 0), 0x55))]);
            w.K.Run();
            c.True(server.Thread.ReplyTo == null, "no reply capability for a send-and-wait");
            c.Equal(ThreadState.Receiving, client.Thread.State, "client now waits for anyone");
            third.Thread.Utcb.SetMr(0, 7);
            w.K.Start(third.Thread, [ts.Next(ts.Send(0x30 << 12, new MsgTag(0, 1, 0), label: 0x990))]);
            w.K.Run();
            c.Equal(0x990UL, client.Thread.ResultLabel, "client received from the third thread");
            c.Equal(7UL, client.Thread.Utcb.Mr(0), "word");
        });
        yield return Case("ipc/map-failed-quota", "a map item the receiver's quota cannot hold fails: SEMAPFAILED for the sender, REMAPFAILED for the receiver", ["IPC-ITEM-4", "QUOTA-4"], c =>
        {
            var w = new World();
            var small = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Umword(Model.Kernel.Task.ObjectSize + Model.Kernel.Thread.ObjectSize + 3 * 4096));
            // A receiver task made from a small factory: its slots 0x0..0x7f page is paid, a new page for 0x100 is not.
            ulong task = w.FreeSlot(), th = w.FreeSlot();
            w.Check(w.Root.CreateTask(small, task, Fpage.Memory(World.UtcbBase, 12, MemRights.RW)), "task");
            w.Check(w.Root.FactoryCreate(World.FactoryCap, (long)Protocol.Thread, th), "thread");
            w.Check(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase), "bind");
            w.Check(w.Root.ExRegs(th, 0, 0), "start");
            w.Check(w.Map(task, 1 << 12, CapRights.RWS, 0, task), "own task cap (first page)");
            var rt = (KThread)w.Obj(th);
            var rtask = (Model.Kernel.Task)w.Obj(task);
            var client = w.NewTask("client");
            w.Check(w.Map(client.TaskSel, 0x30 << 12, CapRights.RWS, 0, th), "receiver's thread cap");
            w.Check(w.Map(client.TaskSel, 0x40 << 12, CapRights.RWS, 0, World.LogCap), "log into client");
            // Fill the receiver's quota so the page for slot 0x1000 cannot be had.
            while (rtask.Quota!.TryAlloc(4096)) { }
            var rs = w.ProgramSys(rt);
            var cs = w.ProgramSys(client.Thread);
            IEnumerable<SyscallRequest> Rcv() { rt.Utcb.Bdr = 0; rt.Utcb.SetBr(0, (0x1000UL << 12) | (ulong)ItemBits.RcvSingleCap); yield return rs.Next(rs.Wait()); }
            IEnumerable<SyscallRequest> Snd()
            {
                client.Thread.Utcb.SetMr(0, (ulong)ItemBits.Map);
                client.Thread.Utcb.SetMr(1, Fpage.Obj(0x40 << 12, 0, CapRights.RWS).Raw);
                yield return cs.Next(cs.Send(0x30 << 12, new MsgTag(0, 0, 1)));
            }
            w.K.Start(rt, Rcv());
            w.K.Start(client.Thread, Snd());
            w.K.Run();
            c.Equal(IpcErr.SeMapFailed, client.Thread.Utcb.Error, "sender");
            c.Equal(IpcErr.ReMapFailed, rt.Utcb.Error, "receiver");
            c.True(rtask.Space[0x1000] == null, "nothing mapped");
        });
        yield return Case("ipc/words-limit", "at most 63 words are copied", ["IPC-MSG-2"], c =>
        {
            var (w, server, client) = Pair();
            var ss = w.ProgramSys(server.Thread);
            var cs = w.ProgramSys(client.Thread);
            IEnumerable<SyscallRequest> Cli()
            {
                for (int i = 0; i < 63; i++) client.Thread.Utcb.SetMr(i, (ulong)i + 1);
                yield return cs.Next(cs.Send(0x31 << 12, new MsgTag(0, 63, 0)));
            }
            w.K.Start(server.Thread, [ss.Next(ss.Wait())]);
            w.K.Start(client.Thread, Cli());
            w.K.Run();
            c.Equal(63UL, server.Thread.Utcb.Mr(62), "MR62");
            c.Equal(63, server.Thread.ResultTag.Words, "words");
        });
        yield return Case("irq/trigger-delivers", "a trigger is IPC to the bound thread: tag 0, label = bind label; l4_irq_receive (EOI, then wait) receives the next one", ["IRQ-MSG-1", "IRQ-UNMASK-1"], c =>
        {
            var (w, p, irq) = IrqBoundToNewTask();
            var s = w.ProgramSys(p.Thread);
            var labels = new List<ulong>();
            IEnumerable<SyscallRequest> Prog()
            {
                yield return s.Next(s.Receive(0x40 << 12));
                labels.Add(p.Thread.ResultLabel);
                p.Thread.Utcb.SetMr(0, (ulong)IrqOp.Eoi);
                yield return s.Next(s.Call(0x40 << 12, new MsgTag((long)Protocol.Irq, 1, 0)));   // l4_irq_receive: unmask + wait
                labels.Add(p.Thread.ResultLabel);
            }
            w.K.Start(p.Thread, Prog());
            w.K.Run();
            w.Root.IrqTrigger(irq);
            w.K.Run();
            c.Equal(1, labels.Count, "first IRQ received");
            w.Root.IrqTrigger(irq);
            w.K.Run();
            c.Equal("67768,67768", string.Join(",", labels.Select(l => l.ToString("x"))), "both delivered with the bind label");
            c.Equal(0L, p.Thread.ResultTag.Raw, "tag 0");
        });
        yield return Case("irq/soft-irq-needs-no-eoi", "a software IRQ is not masked after delivery: the next trigger reaches a plain receive; triggers while a message is queued merge into it", ["IRQ-MSG-1"], c =>
        {
            var (w, p, irq) = IrqBoundToNewTask();
            var s = w.ProgramSys(p.Thread);
            int received = 0;
            IEnumerable<SyscallRequest> Prog()
            {
                for (int i = 0; i < 3; i++)
                {
                    yield return s.Next(s.Receive(0x40 << 12, RcvZero));       // never an EOI
                    if (!p.Thread.ResultTag.HasError) received++;
                }
            }
            // irq.cpp:674-676: software IRQs are edge triggered; _hit_edge_irq queues one message (1057-1065), a
            // trigger while it is queued only marks it masked (1066-1074), and finish_send unmasks once it is taken
            // (749-776): no EOI is needed.
            w.Root.IrqTrigger(irq);
            w.Root.IrqTrigger(irq);                                  // merged into the queued message
            w.K.Start(p.Thread, Prog());
            w.K.Run();
            c.Equal(1, received, "two triggers before the first receive: one message");
            c.Equal(IpcErr.ReTimeout, p.Thread.Utcb.Error, "and nothing more queued");
            var s2 = w.ProgramSys(p.Thread);
            int again = 0;
            IEnumerable<SyscallRequest> Prog2()
            {
                yield return s2.Next(s2.Receive(0x40 << 12));
                if (!p.Thread.ResultTag.HasError) again++;
            }
            w.K.Start(p.Thread, Prog2());
            w.K.Run();
            w.Root.IrqTrigger(irq);
            w.K.Run();
            c.Equal(1, again, "a trigger after the delivery, without EOI, is delivered");
        });
        yield return Case("irq/wait-is-open", "l4_irq_wait (EOI with send-and-wait, flag 4) is an open wait: a thread queued on the caller is received at once; l4_irq_receive waits for the IRQ only", ["IRQ-UNMASK-1"], c =>
        {
            foreach (var open in new[] { true, false })
            {
                var (w, server, client) = Pair();
                ulong irq = w.Create((long)Protocol.IrqSender);
                w.Check(w.Root.IrqBind(irq, server.ThreadSel, 0x67768), "bind the IRQ to the server");
                w.Check(w.Map(server.TaskSel, 0x40 << 12, CapRights.RWS, 0, irq), "irq cap into the server");
                var ss = w.ProgramSys(server.Thread);
                var cs = w.ProgramSys(client.Thread);
                w.K.Start(client.Thread, [cs.Next(cs.Send(0x30 << 12, new MsgTag(0x55, 0, 0), label: 0x1230))]);
                w.K.Run();
                c.Equal(ThreadState.Sending, client.Thread.State, "the client is queued on the server");
                server.Thread.Utcb.SetMr(0, (ulong)IrqOp.Eoi);
                var op = open ? SysFlags.Send | SysFlags.Recv | SysFlags.OpenWait : SysFlags.Call;
                w.K.Start(server.Thread, [ss.Next(ss.Ipc((0x40UL << 12) | (ulong)op, new MsgTag((long)Protocol.Irq, 1, 0)))]);
                w.K.Run();
                // kobject_helper.cpp:62-72: EOI answers "no reply"; the receive phase then is an open wait with flag 4
                // (l4_irq_wait, l4re irq.h:277-283), else a closed wait on the IRQ (l4_irq_receive, 269-274).
                if (open)
                {
                    c.Equal(new MsgTag(0x55, 0, 0).Raw, server.Thread.ResultTag.Raw, "l4_irq_wait: the queued client's message");
                    c.Equal(0x1230UL, server.Thread.ResultLabel, "with the client's label");
                }
                else
                {
                    c.Equal(ThreadState.Receiving, server.Thread.State, "l4_irq_receive: still waiting for the IRQ");
                    c.Equal(ThreadState.Sending, client.Thread.State, "the client stays queued");
                }
            }
        });
        yield return Case("irq/pending-delivered-at-receive", "an IRQ that fired before its thread waited is delivered at once by the receive, with the bind label", ["IRQ-MSG-1"], c =>
        {
            var (w, p, irq) = IrqBoundToNewTask();
            w.Root.IrqTrigger(irq);                                  // the thread is not receiving: queued on it
            var s = w.ProgramSys(p.Thread);
            var got = new List<(MsgTag Tag, ulong Label)>();
            IEnumerable<SyscallRequest> Prog()
            {
                yield return s.Next(s.Receive(0x40 << 12));
                got.Add((p.Thread.ResultTag, p.Thread.ResultLabel));
            }
            w.K.Start(p.Thread, Prog());
            w.K.Run();
            c.Equal(1, got.Count, "received without blocking");
            c.Equal(0L, got[0].Tag.Raw, "tag 0");
            c.Equal(0x67768UL, got[0].Label, "label = the bind label");
        });
        yield return Case("sem/blocking-down", "down blocks; up wakes the highest-priority waiter; a deleted semaphore wakes waiters with ENOT_EXISTENT", ["SEM-2", "SEM-3"], c =>
        {
            var w = new World();
            ulong sem = w.Create((long)Protocol.Semaphore);
            var a = w.NewTask(); var b = w.NewTask();
            w.Check(w.Map(a.TaskSel, 0x40 << 12, CapRights.RWS, 0, sem), "a");
            w.Check(w.Map(b.TaskSel, 0x40 << 12, CapRights.RWS, 0, sem), "b");
            w.Check(w.Root.RunThread(World.SchedCap, b.ThreadSel, 9), "b has higher priority");
            foreach (var t in new[] { a, b })
            {
                var s = w.ProgramSys(t.Thread);
                w.K.Start(t.Thread, [s.Next(s.SemDown(0x40 << 12, 0))]);
            }
            w.K.Run();
            c.True(a.Thread.State == ThreadState.Receiving && b.Thread.State == ThreadState.Receiving, "both wait");
            w.Root.IrqTrigger(sem);
            c.True(b.Thread.State == ThreadState.Ready && a.Thread.State == ThreadState.Receiving, "up woke the higher-priority waiter");
            w.Check(w.Root.DeleteObj(World.TaskCap, sem), "delete");
            c.Equal(IpcErr.NotExistent, a.Thread.Utcb.Error, "remaining waiter");
        });
        yield return Case("sem/receive-only-is-no-down", "a receive without send phase on a semaphore cap is no down: a closed wait on the caller itself, the count stays", ["SEM-2"], c =>
        {
            var w = new World();
            var p = w.NewTask();
            ulong sem = w.Create((long)Protocol.Semaphore);
            w.Check(w.Map(p.TaskSel, 0x40 << 12, CapRights.RWS, 0, sem), "semaphore into the task");
            w.Root.IrqTrigger(sem);                                   // up: count 1
            // kobject_helper.cpp:50-72: without a send phase kinvoke does not run; the receive is a closed wait on
            // _sender(t, this), and a Semaphore is no Sender (semaphore.cpp:8), so on the caller itself.
            var t = p.Sys.Receive(0x40 << 12, RcvZero);
            c.True(t.HasError, "the receive fails");
            c.Equal(IpcErr.ReTimeout, p.Thread.Utcb.Error, "RETIMEOUT (nobody sends to a closed wait on oneself)");
            c.Equal(1L, ((L4Conf.Model.Kernel.Semaphore)w.Obj(sem)).Count, "the count stays 1");
        });
        yield return Case("sched/priority-and-round-robin", "the highest priority runs first; equal priorities share by time slice", ["SCHED-3"], c =>
        {
            var w = new World();
            var hi = w.NewTask(); var a = w.NewTask(); var b = w.NewTask();
            w.Check(w.Root.RunThread(World.SchedCap, hi.ThreadSel, 10), "hi");
            w.Check(w.Root.RunThread(World.SchedCap, a.ThreadSel, 3, quantum: 3), "a: 3 us slices");
            w.Check(w.Root.RunThread(World.SchedCap, b.ThreadSel, 3, quantum: 3), "b: 3 us slices");
            var log = new List<char>();
            IEnumerable<SyscallRequest> Spin(UserTask t, char name, int n)
            {
                var s = w.ProgramSys(t.Thread);
                for (int i = 0; i < n; i++) { log.Add(name); yield return s.Next(s.SchedInfo(World.SchedCap)); }
            }
            foreach (var (t, n) in new[] { (a, 'a'), (b, 'b'), (hi, 'H') })
            {
                w.Check(w.Map(t.TaskSel, World.SchedCap, CapRights.RWS, 0, World.SchedCap), "scheduler cap");
                w.K.Start(t.Thread, Spin(t, n, 6));
            }
            w.K.Run();
            c.Equal("HHHHHHaaabbbaaabbb", new string(log.ToArray()), "schedule");
        });
    }
}
