using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using Semaphore = L4Conf.Model.Kernel.Semaphore;
using ThreadState = L4Conf.Model.Kernel.ThreadState;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>Task::unmap of object capabilities and object lifetime (abi-facts §8.1, §8.3; the caplife capture).</summary>
public static class UnmapCases
{
    /// <summary>Root holds a semaphore; the child gets a counted RWS copy at 0x20 and a weak R copy at 0x21.</summary>
    private static (World W, UserTask Child, ulong Sem, KObject Obj) Setup()
    {
        var w = new World();
        var child = w.NewTask();
        ulong sem = w.Create((long)Protocol.Semaphore);
        w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, sem), "counted copy");
        w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.R, (byte)ObjItemAttr.NoRefCnt, sem), "weak copy");
        return (w, child, sem, w.Obj(sem));
    }

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("unmap/other-spaces-noop", "unmap without the self bit changes nothing for object caps", ["CAP-UNMAP-1"], c =>
        {
            var (w, child, sem, obj) = Setup();
            w.Check(w.Root.TaskUnmap(World.TaskCap, Fpage.Obj(sem, 0, CapRights.RWSD), UnmapMask.OtherSpaces), "unmap OTHER_SPACES");
            c.True(w.Boot.Root.Space[sem >> 12] != null && child.Task.Space[0x20] != null, "root's and the child's caps remain");
            c.Equal(2L, obj.RefCnt, "ref_cnt");
        });
        yield return Case("unmap/all-spaces-own-slot", "ALL_SPACES removes only the caller's slot", ["CAP-UNMAP-2"], c =>
        {
            var (w, child, sem, obj) = Setup();
            w.Check(w.Root.ReleaseCap(World.TaskCap, sem), "release");
            c.True(w.Boot.Root.Space[sem >> 12] == null, "root's slot gone");
            c.True(child.Task.Space[0x20] != null && child.Task.Space[0x21] != null, "the child keeps both");
            c.Equal(1L, obj.RefCnt, "ref_cnt");
        });
        yield return Case("unmap/delete-without-d", "DELETE_OBJ through a cap without D removes only that slot", ["CAP-UNMAP-3"], c =>
        {
            var (w, child, sem, obj) = Setup();
            var t = child.Sys.DeleteObj(World.TaskCap, 0x20 << 12);
            c.Equal(0L, child.Sys.Error(t), "err=0, as caplife printed");
            c.True(child.Task.Space[0x20] == null && obj.Alive, "slot gone, object alive");
            c.True(w.Boot.Root.Space[sem >> 12] != null, "root's cap remains");
        });
        yield return Case("unmap/partial-revoke", "without R the given W/S/D bits are revoked and the slot stays", ["CAP-UNMAP-4"], c =>
        {
            var (w, child, sem, _) = Setup();
            w.Check(child.Sys, child.Sys.TaskUnmap(World.TaskCap, Fpage.Obj(0x20 << 12, 0, CapRights.S), UnmapMask.AllSpaces), "revoke S");
            c.Equal((byte)0x15, (byte)child.Task.Space[0x20]!.Attr, "RW + counted remain");
            w.Check(w.Root.TaskUnmap(World.TaskCap, Fpage.Obj(sem, 0, CapRights.W | CapRights.D), UnmapMask.AllSpaces), "revoke W and D from root's");
            c.Equal((byte)0xF6, (byte)w.Boot.Root.Space[sem >> 12]!.Attr, "root keeps R, S, counted and object rights");
        });
        yield return Case("unmap/all-spaces-fpage-own-rights", "an all-spaces fpage revokes only its own rights bits; l4_fpage_all() (rights 0) revokes nothing", ["CAP-UNMAP-4"], c =>
        {
            var (w, child, _, obj) = Setup();
            // l4_fpage_all() = 0xFC0: type special, order 63, rights 0 (l4re __l4_fpage.h:739-742); the kernel uses
            // fp.rights() for every fpage (fiasco map_util-objs.cpp:61-63), so nothing is revoked.
            w.Check(w.Root.TaskUnmap(child.TaskSel, Fpage.All, UnmapMask.AllSpaces), "unmap l4_fpage_all()");
            c.Equal(1L, w.Root.CapValid(child.TaskSel, 0x20 << 12).Label, "cap_valid(child, 0x20) after l4_fpage_all()");
            c.Equal((byte)0x17, (byte)child.Task.Space[0x20]!.Attr, "the child's RWS counted slot is unchanged");
            c.True(obj.Alive && obj.RefCnt == 2, "object alive, ref_cnt unchanged");
            // The same fpage with S (raw 0xFC2) takes S from every slot of the child and keeps the slots.
            w.Check(w.Root.TaskUnmap(child.TaskSel, new Fpage(0xFC2), UnmapMask.AllSpaces), "unmap all-spaces with S");
            c.Equal((byte)0x15, (byte)child.Task.Space[0x20]!.Attr, "RW + counted remain");
            c.Equal(1L, w.Root.CapValid(child.TaskSel, 0x21 << 12).Label, "the weak slot remains");
        });
        yield return Case("unmap/delete-with-d", "DELETE_OBJ with D destroys the object and every cap to it in every task", ["CAP-UNMAP-5", "CAP-LIFE-2"], c =>
        {
            var (w, child, sem, obj) = Setup();
            w.Check(w.Root.DeleteObj(World.TaskCap, sem), "delete");
            c.True(!obj.Alive, "object destroyed");
            c.True(child.Task.Space[0x20] == null && child.Task.Space[0x21] == null, "the child's counted and weak caps vanished");
            c.True(!w.K.Objects.Contains(obj), "gone from the object list");
            c.True(w.K.Snapshot().Objects.All(o => o.Id != obj.DbgId), "gone from the dump");
        });
        yield return Case("unmap/referenced-thread-stays-listed", "a destroyed thread that a gate or an IRQ is bound to stays in the object list until that reference goes", ["CAP-LIFE-2"], c =>
        {
            // fiasco kobject.cpp:414-428 (deleted only when put() says so), ipc_gate.cpp:111-114 (the gate's counted
            // reference to its thread), irq.cpp:377, 553-554 (the IRQ's, dropped at detach or rebind).
            var w = new World();
            var th = w.Create((long)Protocol.Thread);
            var thread = w.Obj(th);
            ulong g = w.FreeSlot();
            w.Check(w.Root.CreateGate(World.FactoryCap, g, th, 0x10), "gate bound to the thread");
            ulong irq = w.Create((long)Protocol.IrqSender);
            w.Check(w.Root.IrqBind(irq, th, 0x20), "IRQ bound to the thread");
            w.Check(w.Root.DeleteObj(World.TaskCap, th), "delete the thread's only cap with D");
            c.True(!thread.Alive && w.Slot(w.Boot.Root, th) == null, "the thread is destroyed");
            c.True(w.K.Objects.Contains(thread), "still listed: the gate and the IRQ refer to it");
            w.Check(w.Root.DeleteObj(World.TaskCap, g), "delete the gate");
            c.True(w.K.Objects.Contains(thread), "still listed: the IRQ refers to it");
            w.Boot.RootThread.Utcb.SetMr(0, (ulong)IrqSenderOp.Detach);
            w.Check(w.Root.Call(irq, new MsgTag((long)Protocol.IrqSender, 1, 0)), "detach the IRQ");
            c.True(!w.K.Objects.Contains(thread), "gone once nothing refers to it");
        });
        yield return Case("unmap/weak-delete-right", "DELETE_OBJ with D through a weak cap also destroys the object", ["CAP-UNMAP-5"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong irq = w.Create((long)Protocol.IrqSender);
            var obj = w.Obj(irq);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWSD, (byte)ObjItemAttr.NoRefCnt, irq), "weak rwsd");
            w.Check(child.Sys, child.Sys.DeleteObj(World.TaskCap, 0x20 << 12), "delete through the weak cap");
            c.True(!obj.Alive && w.Boot.Root.Space[irq >> 12] == null, "object and root's cap gone");
        });
        yield return Case("unmap/weak-never-destroys", "removing a weak slot never destroys the object", ["CAP-UNMAP-6"], c =>
        {
            var (w, child, _, obj) = Setup();
            w.Check(child.Sys, child.Sys.ReleaseCap(World.TaskCap, 0x21 << 12), "release the weak cap");
            c.True(obj.Alive && obj.RefCnt == 2, "object alive, ref_cnt unchanged");
        });
        yield return Case("unmap/last-counted-destroys", "removing the last counted slot destroys the object, weak slots included", ["CAP-UNMAP-7", "CAP-LIFE-1"], c =>
        {
            var (w, child, sem, obj) = Setup();
            w.Check(w.Root.ReleaseCap(World.TaskCap, sem), "release root's");
            c.True(obj.Alive, "still one counted slot");
            w.Check(child.Sys, child.Sys.ReleaseCap(World.TaskCap, 0x20 << 12), "release the last counted");
            c.True(!obj.Alive, "destroyed");
            c.True(child.Task.Space[0x21] == null, "the weak slot went with it");
        });
        yield return Case("unmap/dec-refcnt-then-counted-slot", "dec_refcnt only moves the counter; once it is at most 1, removing any counted slot destroys the object", ["CAP-LIFE-5"], c =>
        {
            // fiasco kobject.cpp:269-276, 372-380 (dec_cap_refcnt: _cnt -= diff, nothing else), kobject_mapdb.cpp:304-312
            // (a counted slot with _cnt <= 1 invalidates every mapping).
            var w = new World();
            var child = w.NewTask();
            ulong g = w.Create(0);
            var gate = w.Obj(g);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, g), "a second counted slot");
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, (ulong)IpcGateOp.DecRefcnt);
            u.SetMr(1, 5);
            w.Check(w.Root.Call(g, new MsgTag((long)Protocol.Kobject, 2, 0)), "dec_refcnt by 5");
            c.Equal(unchecked((ulong)-3L), u.Mr(0), "the counter is -3");
            c.True(gate.Alive && w.Boot.Root.Space[g >> 12] != null && child.Task.Space[0x20] != null, "nothing destroyed, both slots stay");
            w.Check(child.Sys, child.Sys.ReleaseCap(World.TaskCap, 0x20 << 12), "the child releases its counted slot");
            c.True(!gate.Alive, "destroyed");
            c.True(w.Boot.Root.Space[g >> 12] == null, "root's slot went with it");
        });
        yield return Case("unmap/result-words", "unmap answers label 0 with the same words; object fpages get no access bits", ["CAP-UNMAP-8"], c =>
        {
            var (w, _, sem, _) = Setup();
            var fp = Fpage.Obj(sem, 0, CapRights.S);
            var t = w.Root.TaskUnmapBatch(World.TaskCap, [fp, Fpage.Obj(0x500 << 12, 3, CapRights.RWSD)], UnmapMask.AllSpaces);
            c.Equal(new MsgTag(0, 4, 0).Raw, t.Raw, "result tag");
            c.Equal(fp.Raw & ~0xFUL, w.Boot.RootThread.Utcb.Mr(2), "MR2: fpage with access bits 0");
        });
        yield return Case("unmap/task-deletion", "a deleted task's space is emptied with delete semantics", ["CAP-LIFE-3"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong keep = w.Create((long)Protocol.Semaphore), kill = w.Create((long)Protocol.Semaphore);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, keep), "copy without D");
            w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.RWSD, 0, kill), "copy with D");
            var keepObj = w.Obj(keep);
            var killObj = w.Obj(kill);
            w.Check(w.Root.DeleteObj(World.TaskCap, child.TaskSel), "delete the task");
            c.True(!child.Task.Alive && child.Task.Space.Count == 0, "task destroyed and empty");
            c.True(keepObj.Alive && keepObj.RefCnt == 1, "object reached without D survives");
            c.True(!killObj.Alive, "object the task held with D is destroyed");
        });
        yield return Case("unmap/task-deletion-leaves-threads", "a deleted task's threads are not stopped: one blocked in a receive stays blocked, and task and thread stay listed", ["CAP-LIFE-3"], c =>
        {
            // fiasco task.cpp:681-696 (Task::destroy only unmaps), thread.cpp:318-320 (the bound thread's reference
            // to its task), 366-367 (dropped only when the thread unbinds), thread-ipc.cpp:252-269 (killed at its
            // next page fault, when its pager cap is gone).
            var w = new World();
            var child = w.NewTask();
            var s = w.ProgramSys(child.Thread);
            w.K.Start(child.Thread, [s.Next(s.Wait())]);
            w.K.Run();
            c.Equal(ThreadState.Receiving, child.Thread.State, "setup: the child waits");
            w.Check(w.Root.DeleteObj(World.TaskCap, child.TaskSel), "delete the task");
            c.True(!child.Task.Alive && child.Task.Space.Count == 0, "the task is destroyed and empty");
            c.Equal(ThreadState.Receiving, child.Thread.State, "its thread still waits");
            c.True(w.K.Objects.Contains(child.Task), "the task stays listed: its thread holds it");
            c.True(w.K.Objects.Contains(child.Thread), "the thread stays listed");
            w.Check(w.Root.DeleteObj(World.TaskCap, child.ThreadSel), "delete the thread");
            c.True(!w.K.Objects.Contains(child.Task), "the task goes with its last thread");
        });
        yield return Case("unmap/boot-objects-stay", "deleted boot objects: Vlog, Scheduler and ICU are deleted with a warning; the root factory and the boot tasks and threads stay listed; the root's pager gate is an ordinary gate", ["CAP-LIFE-4"], c =>
        {
            // fiasco scheduler.cpp:43-48, vlog.cpp:68-72, irq_controller.cpp:24-29 (operator delete only prints),
            // kobject_dbg.cpp:99-104 (the destructor leaves the object list); std_workload.cpp:33, 61, 90 (the extra
            // reference of the boot tasks and threads), 69-71 (the pager gate: Ipc_gate::create); ram_quota.cpp:97-105.
            var w = new World();
            int before = w.K.Console.Length;
            w.Check(w.Root.DeleteObj(World.TaskCap, World.SchedCap), "delete the scheduler cap with D");
            c.Equal(0, w.Boot.Scheduler.Caps.Count(), "no caps left");
            c.True(w.Boot.Sigma0.Space[7] == null, "sigma0's scheduler cap is gone too");
            c.True(!w.K.Objects.Contains(w.Boot.Scheduler), "the scheduler has left the object list");
            c.Equal("WARNING: tried to delete kernel scheduler object.\n         The system is now useless\n", w.K.Console.ToString()[before..], "the scheduler's warning");
            before = w.K.Console.Length;
            w.Check(w.Root.DeleteObj(World.TaskCap, World.LogCap), "delete the log cap with D");
            c.True(!w.K.Objects.Contains(w.Boot.Log), "the Vlog has left the object list");
            c.Equal("WARNING: tried to delete kernel Vlog object.\n", w.K.Console.ToString()[before..], "the Vlog's warning");
            before = w.K.Console.Length;
            w.Check(w.Root.DeleteObj(World.TaskCap, World.IcuCap), "delete the ICU cap with D");
            c.True(!w.K.Objects.Contains(w.Boot.Icu), "the ICU has left the object list");
            c.Equal("WARNING: tried to delete kernel ICU object.\n         The system is now useless\n", w.K.Console.ToString()[before..], "the ICU's warning");
            w.Check(w.Root.DeleteObj(World.TaskCap, World.FactoryCap), "delete the factory cap with D");
            c.True(w.K.Objects.Contains(w.Boot.RootFactory), "the root factory stays listed");
            w.Check(w.Root.DeleteObj(World.TaskCap, World.PagerCap), "delete the pager gate cap with D");
            c.True(!w.K.Objects.Contains(w.Boot.RootPagerGate), "the pager gate is freed like any gate");
        });
        yield return Case("unmap/boot-thread-destroy-runs", "a deleted boot thread is killed but stays listed", ["CAP-LIFE-4"], c =>
        {
            // fiasco std_workload.cpp:90 (extra reference: put() is false), thread_object.cpp:116-128 (destroy kills).
            var w = new World();
            var child = w.NewTask();
            var rootThread = w.Boot.RootThread;
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWSD, 0, World.ThreadCap), "root's thread cap with D into the child");
            w.Check(child.Sys, child.Sys.DeleteObj(World.TaskCap, 0x20 << 12), "the child deletes it");
            c.True(rootThread.State == ThreadState.Dead, "root's thread is killed");
            c.True(w.K.Objects.Contains(rootThread), "and stays listed");
            c.True(w.Boot.Root.Space[(ulong)InitialCap.Thread] == null, "root's own thread slot is gone");
        });
        yield return Case("capinfo/valid-and-equal", "cap_valid and cap_equal (which compares W/S, not the weak flag)", ["CAP-INFO-1", "CAP-INFO-2", "CAP-INFO-3"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong irq = w.Create((long)Protocol.IrqSender);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RW, 0, irq), "rw");
            w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.RW, (byte)ObjItemAttr.NoRefCnt, irq), "rwn");
            w.Check(w.Map(child.TaskSel, 0x22 << 12, CapRights.RWS, 0, irq), "rws");
            var s = child.Sys;
            c.Equal(1L, s.CapValid(World.TaskCap, 0x20 << 12).Label, "cap_valid of an occupied slot");
            c.Equal(0L, s.CapValid(World.TaskCap, 0x30 << 12).Label, "cap_valid of an empty slot");
            c.Equal(0L, s.CapValid(World.TaskCap, (ulong)SelectorLayout.InvalidCap).Label, "cap_valid of L4_INVALID_CAP");
            c.Equal(1L, s.CapEqual(World.TaskCap, 0x20 << 12, 0x21 << 12).Label, "rw vs rwn: weak flag ignored");
            c.Equal(0L, s.CapEqual(World.TaskCap, 0x20 << 12, 0x22 << 12).Label, "rw vs rws: W/S compared");
            c.Equal(0L, s.CapEqual(World.TaskCap, 0x20 << 12, World.TaskCap).Label, "different objects");
            c.Equal(1L, s.CapEqual(World.TaskCap, 0x30 << 12, 0x31 << 12).Label, "two empty slots are equal");
            child.Thread.Utcb.SetMr(0, (ulong)TaskOp.CapInfo);
            c.Equal(-22L, s.Error(s.Call(World.TaskCap, new MsgTag((long)Protocol.Task, 4, 0))), "4 words");
        });
        yield return Case("capinfo/equal-special-from-bit-10", "cap_equal on a special selector compares every bit from bit 10 up, index included", ["CAP-INFO-2"], c =>
        {
            // fiasco task.cpp:842-843 (special_cap() of both), l4_types.cpp:169 (Special_mask = ~0 << 10), 232-233.
            var w = new World();
            c.Equal(0L, w.Root.CapEqual(World.TaskCap, 0x800, 0x1800).Label, "invalid cap vs invalid with index 1");
            c.Equal(1L, w.Root.CapEqual(World.TaskCap, 0x1800, 0x1803).Label, "same bits from bit 10 up, different low bits");
            c.Equal(0L, w.Root.CapEqual(World.TaskCap, 0x800, 0xC00).Label, "invalid vs explicit reply");
        });
    }
}
