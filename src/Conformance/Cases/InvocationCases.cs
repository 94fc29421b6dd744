using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
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
