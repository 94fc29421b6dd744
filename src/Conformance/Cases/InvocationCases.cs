using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>How a system call reaches an object: selector lookup, the self selector, result tags, protocol checks.</summary>
public static class InvocationCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("invoke/empty-slot", "invoking an empty slot is the IPC error ENOT_EXISTENT", ["INV-1"], c =>
        {
            var w = new World();
            var t = w.Root.Call(0x9000, new MsgTag((long)Protocol.Task, 1, 0));
            c.True(t.HasError, "error flag set");
            c.Equal(0L, t.Label, "label of an IPC error tag");
            c.Equal(IpcErr.NotExistent, w.Boot.RootThread.Utcb.Error, "error TCR");
            c.Equal(-2004L, w.Root.Error(t), "l4_error()");
        });
        yield return Case("invoke/self-selector", "a selector with bit 11 names the calling thread with W|S", ["INV-2"], c =>
        {
            var w = new World();
            var t = w.Root.ThreadStats((ulong)SelectorLayout.InvalidCap);
            c.Equal(0L, w.Root.Error(t), "stats on L4_INVALID_CAP (self)");
            c.Equal(1, t.Words, "stats returns one word");
        });
        yield return Case("invoke/send-only-returns-input-tag", "a send-only invocation returns the caller's tag unchanged on success", ["INV-3"], c =>
        {
            var w = new World();
            var tag = w.Root.VconWrite(World.LogCap, "hi\n");
            c.Equal(new MsgTag((long)Protocol.Log, 3, 0, MsgTagFlags.Schedule).Raw, tag.Raw, "returned tag");
            c.Equal("hi\n", w.K.Console.ToString(), "console output");
        });
        yield return Case("invoke/send-only-negative-label", "a send-only call answered with a negative label (no error flag) returns the input tag; Task's -EBADPROTO and a thread op's -EMSGTOOSHORT are written anyway", ["INV-3"], c =>
        {
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            // kobject_helper.cpp:56-75: only a tag with 0x8000 or a receive phase reaches RAX; commit_result(-ENOSYS) has no 0x8000.
            u.SetMr(0, 0x77);
            var schedTag = new MsgTag((long)Protocol.Scheduler, 1, 0);
            c.Equal(schedTag.Raw, w.Root.Send(World.SchedCap, schedTag).Raw, "send-only scheduler op 0x77 (scheduler.cpp:192 -ENOSYS, not written)");
            c.Equal(0x77UL, u.Mr(0), "MR0 keeps the caller's opcode");
            // task.cpp:994-1004: -ENOSYS is written only with a receive phase or the error flag.
            u.SetMr(0, 0x77);
            var taskTag = new MsgTag((long)Protocol.Task, 1, 0);
            c.Equal(taskTag.Raw, w.Root.Send(World.TaskCap, taskTag).Raw, "send-only task op 0x77");
            // thread_object.cpp:165-203 with thread-ia32-64.cpp:170-171: -ENOSYS, not written.
            u.SetMr(0, 0x77);
            var thrTag = new MsgTag((long)Protocol.Thread, 1, 0);
            c.Equal(thrTag.Raw, w.Root.Send(World.ThreadCap, thrTag).Raw, "send-only thread op 0x77");
            // task.cpp:972-975: a wrong protocol on a Task is written whatever the op bits.
            u.SetMr(0, 0);
            c.Equal(-(long)L4Err.BadProto, w.Root.Send(World.TaskCap, new MsgTag(0x4000, 1, 0)).Label, "send-only wrong protocol on the task");
            // thread_object.cpp:157-160: a thread op without words is written whatever the op bits.
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Send(World.ThreadCap, new MsgTag((long)Protocol.Thread, 0, 0)).Label, "send-only thread op without words");
            // scheduler.cpp:184 (check_basics, kobject_rpc.h:56-63): -EBADPROTO by commit_result, so not written either.
            var badSched = new MsgTag(0x4000, 1, 0);
            c.Equal(badSched.Raw, w.Root.Send(World.SchedCap, badSched).Raw, "send-only wrong protocol on the scheduler");
        });
        yield return Case("invoke/op-bits-and-no-reply", "without a receive phase an object writes its words into a scratch UTCB; Task acts without a send phase, a thread on op bits 0, other objects then do nothing; a \"no reply\" answer with a receive phase waits",
            ["INV-3"], c =>
        {
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            var t = w.NewTask("t");
            // thread_object.cpp:163: a send-only ex_regs writes the old IP/SP into the scratch UTCB; the caller's MRs stay.
            u.SetMr(0, (ulong)ThreadOp.ExRegs); u.SetMr(1, 0x4321); u.SetMr(2, 0x8765);
            w.Root.Send(t.ThreadSel, new MsgTag((long)Protocol.Thread, 3, 0));
            c.Equal(((ulong)ThreadOp.ExRegs, 0x4321UL, 0x8765UL), (u.Mr(0), u.Mr(1), u.Mr(2)), "MR0-2 keep the caller's op, IP and SP (the old model wrote the old values)");
            // task.cpp:970-1004: Task runs its op for any op bits: a receive-only cap_info is answered at once.
            u.SetMr(0, 2); u.SetMr(1, World.TaskCap);
            var info = w.Root.Ipc(World.TaskCap | (ulong)SysFlags.Recv, new MsgTag((long)Protocol.Task, 2, 0), timeouts: 0x0400_0400);
            c.Equal(1L, info.Label, "receive-only cap_info on the task cap answers 1 (the old model waited)");
            // thread_object.cpp:135-138: op bits 0 on a thread cap run the thread op (send-only rules: -EMSGTOOSHORT is written).
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Ipc(t.ThreadSel, new MsgTag((long)Protocol.Thread, 0, 0)).Label, "op bits 0 on a thread run its op");
            // thread.cpp:739-752: op bits 0 with another label on a thread, or on a bound gate, find no IPC to do.
            var none = w.Root.Ipc(t.ThreadSel, new MsgTag(0, 0, 0));
            c.True(none.HasError && u.Error == IpcErr.NotExistent, "op bits 0 and label 0 on a thread cap: ENOT_EXISTENT");
            ulong gate = w.Create(0);
            w.Check(w.Root.GateBind(gate, t.ThreadSel, 0x10), "gate bound to t");
            var noneGate = w.Root.Ipc(gate, new MsgTag(0, 0, 0));
            c.True(noneGate.HasError && u.Error == IpcErr.NotExistent, "op bits 0 on a bound gate: ENOT_EXISTENT");
            // kobject_helper.cpp:50-75: any other object without send or receive phase does nothing; the input tag comes back.
            var logTag = new MsgTag((long)Protocol.Log, 1, 0);
            c.Equal(logTag.Raw, w.Root.Ipc(World.LogCap, logTag, timeouts: 0).Raw, "op bits 0 on the log cap return at once (the old model blocked)");
            // irq.cpp:336-339: trigger answers "no reply"; with a receive phase the caller then waits for this IRQ.
            var irq = w.Create((long)Protocol.IrqSender);
            var trig = w.Root.Ipc(irq | (ulong)SysFlags.Call, new MsgTag((long)Protocol.Irq, 0, 0), timeouts: 0x0400_0400);
            c.True(trig.HasError && u.Error == IpcErr.ReTimeout, $"a trigger with a receive phase waits (zero timeout: receive timeout), got 0x{(ulong)trig.Raw:x} err {u.Error} (the old model answered 0)");
            // vlog.cpp:211-213: a write is "no reply" too: a call waits on the caller itself.
            u.SetMr(0, 0); u.SetMr(1, 2); u.SetMr(2, 0x0a41);
            var wr = w.Root.Ipc(World.LogCap | (ulong)SysFlags.Call, new MsgTag((long)Protocol.Log, 3, 0), timeouts: 0x0400_0400);
            c.True(wr.HasError && u.Error == IpcErr.ReTimeout, "a Vlog write with a receive phase waits (zero timeout: receive timeout)");
            c.True(w.K.Console.ToString().EndsWith("A\n", StringComparison.Ordinal), "the write still printed");
        });
        yield return Case("invoke/bad-protocol", "a wrong protocol label is -EBADPROTO for Task, Factory, Scheduler, Log, Irq, Semaphore", ["INV-4"], c =>
        {
            var w = new World();
            var irq = w.Create((long)Protocol.IrqSender);
            var sem = w.Create((long)Protocol.Semaphore);
            foreach (var (cap, name) in new[] { (World.TaskCap, "task"), (World.FactoryCap, "factory"), (World.SchedCap, "scheduler"),
                         (World.LogCap, "log"), (irq, "irq"), (sem, "semaphore") })
            {
                w.Boot.RootThread.Utcb.SetMr(0, 0);
                var t = w.Root.Call(cap, new MsgTag(0x4000, 1, 0));
                c.Equal(-(long)L4Err.BadProto, w.Root.Error(t), $"label 0x4000 on {name}");
            }
        });
        yield return Case("invoke/unknown-opcode", "unknown opcodes are -ENOSYS", ["INV-5"], c =>
        {
            var w = new World();
            w.Boot.RootThread.Utcb.SetMr(0, 0x77);
            c.Equal(-(long)L4Err.NoSys, w.Root.Error(w.Root.Call(World.TaskCap, new MsgTag((long)Protocol.Task, 1, 0))), "task op 0x77");
            w.Boot.RootThread.Utcb.SetMr(0, 0x77);
            c.Equal(-(long)L4Err.NoSys, w.Root.Error(w.Root.Call(World.SchedCap, new MsgTag((long)Protocol.Scheduler, 1, 0))), "scheduler op 0x77");
            w.Boot.RootThread.Utcb.SetMr(0, 0x77);
            c.Equal(-(long)L4Err.NoSys, w.Root.Error(w.Root.Call(World.ThreadCap, new MsgTag((long)Protocol.Thread, 1, 0))), "thread op 0x77");
        });
        yield return Case("invoke/cap-arg-slot-rights", "a capability argument carries its slot's W/S, not the item's fpage rights; a non-object item is IPC error 0x08",
            ["GATE-2", "FAC-GATE-1", "ICU-1", "IRQ-1", "SCHED-2", "THR-1"], c =>
        {
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            // Ko::deref takes the rights from lookup_local, i.e. the slot's own (fiasco kobject_rpc.h:106,
            // obj_space_phys_util.cpp:378-379); the fpage's rights bits are never read.
            ulong irq = w.Create((long)Protocol.IrqSender);
            ulong irqRw = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, irqRw, CapRights.RW, 0, irq), "irq cap with RW");
            u.SetMr(0, (ulong)IcuOp.Bind); u.SetMr(1, 0);
            u.SetMr(2, (ulong)ItemBits.Map); u.SetMr(3, Fpage.Obj(irqRw, 0, CapRights.R).Raw);
            c.Equal(0L, w.Root.Error(w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Irq, 2, 1))), "Vlog ICU bind, item rights R, slot RW");
            ulong g = w.Create(0);
            void GateBind(Fpage item) { u.SetMr(0, (ulong)IpcGateOp.Bind); u.SetMr(1, 0x10); u.SetMr(2, (ulong)ItemBits.Map); u.SetMr(3, item.Raw); }
            GateBind(Fpage.Obj(World.ThreadCap, 0, CapRights.R));
            c.Equal(0L, w.Root.Error(w.Root.Call(g, new MsgTag((long)Protocol.Kobject, 2, 1))), "gate bind, thread item rights R, slot with S");
            // A non-object item: commit_error(Overflow) in the send phase (kobject_rpc.h:99-104), L4_IPC_SEMSGCUT.
            GateBind(Fpage.Memory(0x1000_0000, 12, MemRights.RW));
            var t = w.Root.Call(g, new MsgTag((long)Protocol.Kobject, 2, 1));
            c.True(t.HasError, "gate bind with a memory item: error flag");
            c.Equal(IpcErr.SeMsgCut, u.Error, "gate bind with a memory item: L4_IPC_SEMSGCUT");
            // The gate factory checks is_objpage itself and answers -EINVAL (ipc_gate.cpp:529-531).
            var memItem = new SendItem((ulong)ItemBits.Map, Fpage.Memory(0x1000_0000, 12, MemRights.RW));
            c.Equal(-22L, w.Root.Error(w.Root.FactoryCreateItems(World.FactoryCap, 0, w.FreeSlot(), [L4Sys.Umword(0x10)], [memItem])),
                "gate factory with a memory item");
            // The gate factory's thread S is the slot's too (ipc_gate.cpp:533-535).
            var rItem = new SendItem((ulong)ItemBits.Map, Fpage.Obj(World.ThreadCap, 0, CapRights.R));
            c.Equal(0L, w.Root.Error(w.Root.FactoryCreateItems(World.FactoryCap, 0, w.FreeSlot(), [L4Sys.Umword(0x10)], [rItem])),
                "gate factory, thread item rights R, slot with S");
            // Thread control's task item (thread_object.cpp:466-480): with the slot's S the R-only item passes the S
            // check and the already bound thread is refused by bind ("unbind first", -EINVAL); a memory item is SEMSGCUT.
            void Control(Fpage item)
            {
                u.SetMr(0, (ulong)ThreadOp.Control | (ulong)ThreadCtlFlags.BindTask);
                for (int i = 1; i < 6; i++) u.SetMr(i, 0);
                u.SetMr(6, (ulong)ItemBits.Map); u.SetMr(7, item.Raw);
            }
            Control(Fpage.Obj(World.TaskCap, 0, CapRights.R));
            c.Equal(-22L, w.Root.Error(w.Root.Call(World.ThreadCap, new MsgTag((long)Protocol.Thread, 6, 1))), "control bind, task item rights R, slot with S");
            Control(Fpage.Memory(0x1000_0000, 12, MemRights.RW));
            t = w.Root.Call(World.ThreadCap, new MsgTag((long)Protocol.Thread, 6, 1));
            c.True(t.HasError && u.Error == IpcErr.SeMsgCut, "control bind with a memory item: L4_IPC_SEMSGCUT");
        });
        yield return Case("invoke/trace-records-every-step", "every system call and every slot change appears in the trace, in order", ["TRACE-1"], c =>
        {
            var w = new World();
            int before = w.K.Trace.Events.Count;
            var gate = w.Create(0);
            var ev = w.K.Trace.Events.Skip(before).Select(e => e.GetType().Name).ToArray();
            c.Equal("Invoke,ObjectCreated,CapInserted,InvokeResultEvent", string.Join(",", ev), "events of one factory create");
            c.True(w.K.Trace.Events.Select(e => e.Seq).SequenceEqual(Enumerable.Range(1, w.K.Trace.Events.Count).Select(i => (long)i)), "sequence numbers are 1..n");
            _ = gate;
        });
    }
}
