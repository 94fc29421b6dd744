using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>Task::map of object capabilities: the rights algebra, S masking, weak/counted, downgrade, grant, overwrite.</summary>
public static class MapCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("map/needs-w-on-destination", "Task::map needs W on the destination task cap", ["TASK-MAP-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong roTask = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, roTask, CapRights.RS, 0, child.TaskSel), "copy child task cap without W");
            c.Equal(-1L, w.Root.Error(w.Root.TaskMap(roTask, World.TaskCap, Fpage.Obj(World.LogCap, 0, CapRights.RWS), 0x20 << 12)), "map into a task through a cap without W");
        });
        yield return Case("map/bad-source-item", "a missing or wrong source-task item is -EINVAL; a non-object item fpage is SEMSGCUT", ["TASK-MAP-2", "TASK-MAP-3"], c =>
        {
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            void Prep(ulong item0, ulong item1) { u.SetMr(0, 0); u.SetMr(1, 0x20000); u.SetMr(2, Fpage.Obj(World.LogCap, 0, CapRights.RWS).Raw); u.SetMr(3, item0); u.SetMr(4, item1); }
            Prep(8, 0);
            c.Equal(-22L, w.Root.Error(w.Root.Call(World.TaskCap, new MsgTag((long)Protocol.Task, 3, 0))), "no item");
            Prep(0, 0);
            c.Equal(-22L, w.Root.Error(w.Root.Call(World.TaskCap, new MsgTag((long)Protocol.Task, 3, 1))), "void item");
            Prep(8, Fpage.Obj(World.LogCap, 0, CapRights.RWS).Raw);
            c.Equal(-22L, w.Root.Error(w.Root.Call(World.TaskCap, new MsgTag((long)Protocol.Task, 3, 1))), "source is not a task");
            Prep(8, Fpage.Memory(0x1000, 12, MemRights.RW).Raw);
            c.Equal(-(2000L + 8), w.Root.Error(w.Root.Call(World.TaskCap, new MsgTag((long)Protocol.Task, 3, 1))), "memory fpage as source task");
        });
        yield return Case("map/nothing-mapped-warning", "a map that finds nothing at the sender is no error, and the kernel warns about it on the console", ["MAP-WARN-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong empty = w.FreeSlot();
            int before = w.K.Console.Length;
            c.Equal(0L, w.Root.Error(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, empty)), "mapping an empty slot");
            string said = w.K.Console.ToString()[before..];
            string want = $"\n\x1b[31mKERNEL\x1b[m: Warning: nothing mapped: (Obj_space) from [0x{w.Boot.Root.Address + Kernel.SpaceOffset:x}]: " +
                $"{empty >> 12:x16} size: 0000000000000001 to [0x{child.Task.Address + Kernel.SpaceOffset:x}]\n";
            c.Equal(want, said, "the warning");
            before = w.K.Console.Length;
            c.Equal(0L, w.Root.Error(w.Map(child.TaskSel, 0x21 << 12, CapRights.RWS, 0, World.LogCap)), "mapping a full slot");
            c.Equal("", w.K.Console.ToString()[before..], "no warning when something is mapped");
        });
        yield return Case("map/rights-intersect", "mapped rights are the intersection; asking for more is no error", ["CAP-MAP-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong gate = w.Create(0);
            ulong r = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, r, CapRights.R, 0, gate), "r copy");
            var t = w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(r, 0, CapRights.RWSD), (0x20UL << 12) | 8);
            c.Equal(0L, w.Root.Error(t), "asking RWSD from an R slot");
            c.Equal((byte)0x14, (byte)child.Task.Space[0x20]!.Attr, "child slot: R + counted");
        });
        yield return Case("map/no-r-maps-nothing", "a request without R maps nothing and reports no error", ["CAP-MAP-2"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            var t = w.Map(child.TaskSel, 0x20 << 12, CapRights.W | CapRights.S, 0, World.LogCap);
            c.Equal(0L, w.Root.Error(t), "no error");
            c.True(child.Task.Space[0x20] == null, "slot stays empty");
        });
        yield return Case("map/s-needs-both-task-caps", "Task::map keeps S only if both task caps carry S", ["CAP-MAP-3"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong dstNoS = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, dstNoS, CapRights.RW, 0, child.TaskSel), "destination task cap without S");
            w.Check(w.Root.TaskMap(dstNoS, World.TaskCap, Fpage.Obj(World.LogCap, 0, CapRights.RWS), (0x20UL << 12) | 8), "map through it");
            c.Equal((byte)0x15, (byte)child.Task.Space[0x20]!.Attr, "S dropped");
            w.Check(w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(World.LogCap, 0, CapRights.RWS), (0x21UL << 12) | 8), "map through full caps");
            c.Equal((byte)0x17, (byte)child.Task.Space[0x21]!.Attr, "S kept");
        });
        yield return Case("map/weak-and-counted", "no NO_REF_CNT in the item gives a counted slot; 0x10 gives a weak one", ["CAP-MAP-4", "CAP-LIFE-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong irq = w.Create((long)Protocol.IrqSender);
            var obj = w.Obj(irq);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RW, 0, irq), "counted");
            w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.RW, (byte)ObjItemAttr.NoRefCnt, irq), "weak");
            c.Equal((byte)0x15, (byte)child.Task.Space[0x20]!.Attr, "counted slot");
            c.Equal((byte)0x05, (byte)child.Task.Space[0x21]!.Attr, "weak slot");
            c.Equal(2L, obj.RefCnt, "ref_cnt counts root's and the counted child slot");
            w.Check(child.Sys, child.Sys.TaskMap(World.TaskCap, World.TaskCap, Fpage.Obj(0x21 << 12, 0, CapRights.RWSD), (0x22UL << 12) | 8), "copy of a weak slot");
            c.Equal((byte)0x05, (byte)child.Task.Space[0x22]!.Attr, "a weak source yields a weak slot");
        });
        yield return Case("map/gate-downgrade", "a gate cap mapped without the server right names the plain gate", ["CAP-MAP-5", "GATE-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong gate = w.Create(0);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, gate), "client cap");
            w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.RWS, (byte)ObjItemAttr.IpcGateSvr, gate), "server cap");
            c.True(!child.Task.Space[0x20]!.ControlInterface, "client slot points to the plain gate");
            c.True(child.Task.Space[0x21]!.ControlInterface, "server slot points to the control part");
            c.Equal(0L, child.Sys.Error(child.Sys.GateGetInfo(0x21 << 12)), "get_info through the server cap");
            // Through the client cap the same message is IPC to the (unbound) gate: with a zero send timeout, SETIMEOUT.
            var t = child.Sys.GateGetInfo(0x20 << 12, timeouts: 0x0400_0400);
            c.Equal(-(2000L + 2), child.Sys.Error(t), "get_info through a client cap is IPC: unbound gate, zero timeout");
        });
        yield return Case("map/hotspot-and-order", "destination = hot spot rounded to the fpage size; empty source slots are skipped", ["CAP-MAP-6"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            // Root's slots 4..7 (pager gate, log, icu, sched): order 2 from index 4, hot spot 0x43 -> destination 0x40..0x43.
            w.Check(w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(4 << 12, 2, CapRights.RWS), (0x43UL << 12) | 8), "map 4 slots");
            string got = string.Join(",", Enumerable.Range(0x40, 4).Select(i => child.Task.Space[(ulong)i]?.Object.JdbType ?? "-"));
            c.Equal("Gate,Vlog,Icu/Pfc,Sched", got, "slots 0x40..0x43");
            w.Check(w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(8 << 12, 2, CapRights.RWS), (0x50UL << 12) | 8), "map 8..11 (only 10 occupied)");
            c.Equal("-,-,Jdb,-", string.Join(",", Enumerable.Range(0x50, 4).Select(i => child.Task.Space[(ulong)i]?.Object.JdbType ?? "-")), "slots 0x50..0x53");
        });
        yield return Case("map/hotspot-beyond-space", "Task::map's window is order 63: a hot spot at or beyond slot 65536 maps nothing, no error, the warning", ["CAP-MAP-6", "MAP-WARN-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            // Task::map receives into all_spaces() (order 63, fiasco task.cpp:754-756); free_constraint adds the hot
            // spot's low 63 bits (map_util.cpp:296-310), so 0x10030 stays 0x10030 and the loop stops at the space end
            // (map_util.cpp:555-558): nothing is inserted at 0x30, the answer is 0 and the kernel warns.
            int before = w.K.Console.Length, slots = child.Task.Space.Entries.Count();
            var t = w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(World.LogCap, 0, CapRights.RWS), (0x10030UL << 12) | 8);
            c.Equal(0L, w.Root.Error(t), "answer");
            c.True(child.Task.Space[0x30] == null, "the child's slot 0x30 stays empty");
            c.Equal(slots, child.Task.Space.Entries.Count(), "the child's slot count");
            string want = $"\n\x1b[31mKERNEL\x1b[m: Warning: nothing mapped: (Obj_space) from [0x{w.Boot.Root.Address + Kernel.SpaceOffset:x}]: " +
                $"{5:x16} size: 0000000000000001 to [0x{child.Task.Address + Kernel.SpaceOffset:x}]\n";
            c.Equal(want, w.K.Console.ToString()[before..], "the warning");
        });
        yield return Case("map/nothing-mapped-warning-rless-and-start", "the warning also comes for an R-less send fpage; START is where the skipping loop stopped", ["MAP-WARN-1"], c =>
        {
            // fiasco map_util.cpp:573-584 (no_page_mapped is cleared only by a valid slot whose rights keep R, 491-493),
            // 576-580 (a skipped chunk is 1 slot in an existing cap-table page, else up to the page end,
            // obj_space_phys_util.cpp:186-189; the chunk that covers the rest ends the loop without moving START), 799-805.
            var w = new World();
            var child = w.NewTask();
            string Warn(ulong start, ulong size) =>
                $"\n\x1b[31mKERNEL\x1b[m: Warning: nothing mapped: (Obj_space) from [0x{w.Boot.Root.Address + Kernel.SpaceOffset:x}]: " +
                $"{start:x16} size: {size:x16} to [0x{child.Task.Address + Kernel.SpaceOffset:x}]\n";
            int before = w.K.Console.Length;
            c.Equal(0L, w.Root.Error(w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(World.LogCap, 0, CapRights.W | CapRights.S), (0x30UL << 12) | 8)), "W|S fpage: answer");
            c.True(child.Task.Space[0x30] == null, "nothing inserted");
            c.Equal(Warn(5, 1), w.K.Console.ToString()[before..], "an R-less fpage warns");
            before = w.K.Console.Length;
            w.Check(w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(0x40UL << 12, 1, CapRights.RWS), (0x30UL << 12) | 8), "order 1 at 0x40");
            c.Equal(Warn(0x41, 2), w.K.Console.ToString()[before..], "two empty slots of an existing page: START is the second");
            before = w.K.Console.Length;
            w.Check(w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(0x1000UL << 12, 8, CapRights.RWS), (0x1000UL << 12) | 8), "order 8 at 0x1000");
            c.Equal(Warn(0x1080, 0x100), w.K.Console.ToString()[before..], "two missing 128-slot pages: START is the second page");
        });
        yield return Case("map/task-map-answers-0-unless-a-page-is-missing", "Task::map answers 0 when nothing was mapped or the flush removed the object; only a missing cap-table page is L4_IPC_SEMAPFAILED", ["TASK-MAP-4"], c =>
        {
            // fiasco map_util.cpp:573-581 (skipped slots set no condition), 807-808 (nothing mapped only sets bit 8,
            // which l4_error.cpp:34 ok() ignores), 716-721 (no insert after the flush, no condition), 774-776
            // (a cap-table page that cannot be had: Map_failed); task.cpp:761-764.
            var w = new World();
            var child = w.NewTask();
            MsgTag Map(ulong dst, Fpage fp) => w.Root.TaskMap(child.TaskSel, World.TaskCap, fp, (dst << 12) | 8);
            var t = Map(0x30, Fpage.Obj(w.FreeSlot(), 0, CapRights.RWS));
            c.Equal(MsgTag.Result(0, 0).Raw, t.Raw, "an empty source slot: label 0, no error flag");
            t = Map(0x31, Fpage.Obj(World.LogCap, 0, CapRights.W));
            c.Equal(MsgTag.Result(0, 0).Raw, t.Raw, "an R-less send fpage");
            t = Map(0x1_0031, Fpage.Obj(World.LogCap, 0, CapRights.RWS));
            c.Equal(MsgTag.Result(0, 0).Raw, t.Raw, "a destination beyond the space");
            ulong sem = w.Create((long)Protocol.Semaphore);
            w.Check(w.Map(child.TaskSel, 0x32 << 12, CapRights.RWSD, 0, sem), "child 0x32 = S with D");
            t = Map(0x32, Fpage.Obj(sem, 0, CapRights.RWS));
            c.Equal(MsgTag.Result(0, 0).Raw, t.Raw, "the destination flush removed the object");
            var small = w.CreateWith(w.Root, World.FactoryCap, -15, Model.Bindings.L4Sys.Umword(Model.Kernel.Task.ObjectSize + Model.Kernel.Task.CreationExtra(12) + 100));
            ulong task = w.FreeSlot();
            w.Check(w.Root.CreateTask(small, task, Fpage.Memory(World.UtcbBase, 12, MemRights.RW)), "a task with no quota left");
            t = w.Map(task, 5 << 12, CapRights.RW, 0, World.LogCap);
            c.Equal(-(2000L + (long)IpcErr.SeMapFailed), w.Root.Error(t), "a cap-table page that cannot be had");
        });
        yield return Case("map/grant-moves", "grant moves the capability: the source slot is emptied", ["CAP-GRANT-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong sem = w.Create((long)Protocol.Semaphore);
            var obj = w.Obj(sem);
            w.Check(w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(sem, 0, CapRights.RWSD), (0x20UL << 12) | 8 | (ulong)ItemBits.Grant), "grant");
            c.True(w.Boot.Root.Space[sem >> 12] == null, "source slot empty");
            c.Equal((byte)0x1F, (byte)child.Task.Space[0x20]!.Attr, "destination: RWSD + counted (object rights not requested)");
            c.Equal(1L, obj.RefCnt, "one counted slot");
            c.True(obj.Alive, "object alive");
        });
        yield return Case("map/overwrite-flushes-old", "mapping onto an occupied slot flushes the old cap; with D its object dies", ["CAP-OVR-1"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            ulong a = w.Create((long)Protocol.Semaphore), b = w.Create((long)Protocol.Semaphore);
            var objA = w.Obj(a);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, a), "child gets A without D");
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, b), "B over it");
            c.True(objA.Alive && objA.RefCnt == 1, "A survives (old cap had no D)");
            w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.RWSD, 0, a), "child gets A with D");
            w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.RWS, 0, b), "B over it");
            c.True(!objA.Alive, "A destroyed: the overwritten cap held D");
            c.True(w.Boot.Root.Space[a >> 12] == null, "root's own cap to A vanished too");
        });
        yield return Case("map/overwrite-destroys-mapped-object", "when the destination flush leaves the mapped object without any slot, nothing is inserted and no error is reported", ["CAP-OVR-1", "CAP-GRANT-1"], c =>
        {
            // fiasco map_util.cpp:652-698 flushes the occupied destination with the full mask, then 716-721 insert only
            // if is_mappable (359-368: the object still has a mapping); otherwise the loop just goes on, condition unset.
            var w = new World();
            var child = w.NewTask();
            ulong sem = w.Create((long)Protocol.Semaphore);
            var obj = w.Obj(sem);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWSD, 0, sem), "child 0x20 = S with D");
            var t = w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, sem);
            c.Equal(0L, w.Root.Error(t), "Task::map of S onto its own D copy: no error");
            c.Equal(0L, t.Label, "answer label 0");
            c.True(!obj.Alive, "S destroyed by the flush");
            c.True(child.Task.Space[0x20] == null, "child 0x20 stays empty");
            c.True(w.Boot.Root.Space[sem >> 12] == null, "root's S slot gone");

            // The same with the boot Log (a boot object): it loses every slot and is not put back.
            var vlog = w.Obj(World.LogCap);
            w.Check(w.Map(child.TaskSel, 0x21 << 12, CapRights.RWSD, 0, World.LogCap), "child 0x21 = Log with D");
            t = w.Map(child.TaskSel, 0x21 << 12, CapRights.RWS, 0, World.LogCap);
            c.Equal(0L, w.Root.Error(t), "Task::map of the Log onto its own D copy: no error");
            c.True(child.Task.Space[0x21] == null, "child 0x21 stays empty");
            c.True(w.Boot.Root.Space[World.LogCap >> 12] == null, "root's Log slot gone");
            c.Equal(0, vlog.Caps.Count(), "the Vlog has no slot left");

            // Grant: the same flush removes the source slot too; nothing is granted, no error.
            ulong sem2 = w.Create((long)Protocol.Semaphore);
            var obj2 = w.Obj(sem2);
            w.Check(w.Map(child.TaskSel, 0x22 << 12, CapRights.RWSD, 0, sem2), "child 0x22 = S2 with D");
            t = w.Root.TaskMap(child.TaskSel, World.TaskCap, Fpage.Obj(sem2, 0, CapRights.RWS), (0x22UL << 12) | 8 | (ulong)ItemBits.Grant);
            c.Equal(0L, w.Root.Error(t), "grant of S2 onto its own D copy: no error");
            c.True(!obj2.Alive && child.Task.Space[0x22] == null && w.Boot.Root.Space[sem2 >> 12] == null, "S2 destroyed, both slots empty");
        });
        yield return Case("map/overwrite-kills-destination-task", "a flush that destroys the destination task is no error: the task is reaped after the map (derived)", ["CAP-OVR-1"], c =>
        {
            // fiasco kobject.cpp:288-294 only queues the task for reaping; map_util.cpp:716-760 inserts (Kobject_mapdb::insert
            // never fails), and the later Task::destroy (task.cpp:681-696) unmaps the new slot again with the full mask.
            var w = new World();
            var child = w.NewTask();
            ulong sem = w.Create((long)Protocol.Semaphore);
            var obj = w.Obj(sem);
            w.Check(w.Map(child.TaskSel, 0x20 << 12, CapRights.RWSD, 0, child.TaskSel), "child 0x20 = its own task cap with D");
            var t = w.Map(child.TaskSel, 0x20 << 12, CapRights.RWS, 0, sem);
            c.Equal(0L, w.Root.Error(t), "no error");
            c.True(!child.Task.Alive, "child task destroyed");
            c.True(obj.Alive && obj.RefCnt == 1, "S survives with root's counted slot");
        });
        yield return Case("map/create-over-occupied", "factory create into an occupied slot flushes the old cap first", ["CAP-OVR-2"], c =>
        {
            var w = new World();
            ulong slot = w.FreeSlot();
            w.Check(w.Root.FactoryCreate(World.FactoryCap, (long)Protocol.Semaphore, slot), "first");
            var first = w.Obj(slot);
            w.Check(w.Root.FactoryCreate(World.FactoryCap, (long)Protocol.Semaphore, slot), "second into the same slot");
            c.True(!first.Alive, "first object destroyed (its only cap held D)");
            c.True(w.Obj(slot) != first && w.Obj(slot).Alive, "slot holds the new object");
        });
        yield return Case("map/onto-own-slot", "mapping a cap onto its own slot flushes it and inserts nothing (derived)", ["CAP-OVR-3"], c =>
        {
            var w = new World();
            ulong sem = w.Create((long)Protocol.Semaphore);
            var obj = w.Obj(sem);
            w.Check(w.Root.TaskMap(World.TaskCap, World.TaskCap, Fpage.Obj(sem, 0, CapRights.RWSD), sem | 8), "self map");
            c.True(w.Boot.Root.Space[sem >> 12] == null, "slot empty");
            c.True(!obj.Alive, "object destroyed (slot had D)");
        });
    }
}
