using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>Kernel factory results, the errors as the real kernel gave them to Ned (traces/real/ned_t_factory.log), and quotas.</summary>
public static class FactoryCases
{
    private static long Err(World w, MsgTag t) => w.Root.Error(t);

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("factory/create-success", "create returns label 0, one item 0x38, and a slot with full rights", ["FAC-5"], c =>
        {
            var w = new World();
            ulong slot = w.FreeSlot();
            var t = w.Root.FactoryCreate(World.FactoryCap, (long)Protocol.Semaphore, slot);
            c.Equal(new MsgTag(0, 0, 1).Raw, t.Raw, "result tag");
            c.Equal(0x38UL, w.Boot.RootThread.Utcb.Mr(0), "returned map item");
            c.Equal((byte)0xFF, (byte)w.Slot(w.Boot.Root, slot)!.Attr, "slot attributes");
        });
        yield return Case("factory/errors-as-captured", "the kernel factory's answers match the real ones Ned printed", ["FAC-6", "FAC-FAC-1", "FAC-TASK-1", "FAC-GATE-1"], c =>
        {
            var w = new World();
            long Try(long proto, params (ulong, ulong)[] a) => Err(w, w.Root.FactoryCreate(World.FactoryCap, proto, w.FreeSlot(), a));
            // Values from ned_t_factory.log lines 122-143 (Ned passes numbers as mword vargs).
            c.Equal(0L, Try(0), "create(Ipc_gate)");
            c.Equal(0L, Try(0, L4Sys.Mword(0x1234)), "create(Ipc_gate, 0x1234): label ignored without a thread");
            c.Equal(0L, Try(-18), "create(Irq_sender)");
            c.Equal(0L, Try(-20), "create(Semaphore)");
            c.Equal(0L, Try(-15, L4Sys.Mword(65536)), "create(Factory, 65536)");
            c.Equal(-1001L, Try(-15), "create(Factory) without limit");
            c.Equal(-12L, Try(-15, L4Sys.Mword(0)), "create(Factory, 0)");
            c.Equal(-12L, Try(-15, L4Sys.Mword(-1)), "create(Factory, -1)");
            c.Equal(0L, Try(-15, (0x0002_0002, 0x78)), "create(Factory, 'x'): the string's bytes are the limit");
            c.Equal(0L, Try(-12), "create(Thread)");
            c.Equal(-22L, Try(-11), "create(Task) without arguments");
            c.Equal(0L, Try(-16), "create(Vm)");
            c.Equal(-12L, Try(-17), "create(Dma_space)");
            foreach (long p in new long[] { -14, 0x4001, -13, -22, -6, 12345, -100 })
                c.Equal(-19L, Try(p), $"create({p})");
            c.Equal(-1002L, Try(-15, L4Sys.Mword(4096), L4Sys.Mword(1)), "create(Factory) with extra words");
        });
        yield return Case("factory/needs-s-and-receive-phase", "factory needs S, a receive phase and a receive buffer", ["FAC-1", "FAC-2", "FAC-3", "FAC-4"], c =>
        {
            var w = new World();
            var child = w.NewTask();
            w.Map(child.TaskSel, 2 << 12, CapRights.RW, 0, World.FactoryCap);      // factory without S
            c.Equal(-1L, child.Sys.Error(child.Sys.FactoryCreate(2 << 12, 0, 0x20 << 12)), "create through a cap without S");
            w.Map(child.TaskSel, 4 << 12, CapRights.RWS, 0, World.FactoryCap);
            var u = child.Thread.Utcb;
            u.SetMr(0, 0);
            int before = child.Task.Space.Count;
            var t = child.Sys.Send(4 << 12, new MsgTag((long)Protocol.Factory, 1, 0));
            c.Equal(new MsgTag((long)Protocol.Factory, 1, 0).Raw, t.Raw, "send-only create returns the input tag");
            c.Equal(before, child.Task.Space.Count, "send-only create makes nothing");
            u.SetMr(0, 0);
            u.Bdr = 0;
            u.SetBr(0, 0);
            t = child.Sys.Call(4 << 12, new MsgTag((long)Protocol.Factory, 1, 0));
            c.Equal(-(2000L + 9), child.Sys.Error(t), "no receive buffer: REMSGCUT");
            u.SetMr(0, 0);
            c.Equal(-(long)L4Err.MsgTooShort, child.Sys.Error(child.Sys.Call(4 << 12, new MsgTag((long)Protocol.Factory, 0, 0))), "zero words");
        });
        yield return Case("factory/forward-buffer-item", "a forwarding object receive item is accepted; its task word is ignored and the object goes to the caller's slot", ["FAC-4"], c =>
        {
            // fiasco l4_buf_iter.cpp:97-107 (the forward bit only makes the iterator read the task word),
            // factory.cpp:164-176 (only the buffer fpage is used), 198 (map_obj into the caller's own space).
            var w = new World();
            var child = w.NewTask();
            w.Check(w.Map(child.TaskSel, 4 << 12, CapRights.RWS, 0, World.FactoryCap), "factory into child");
            var u = child.Thread.Utcb;
            u.SetMr(0, unchecked((ulong)(long)Protocol.Semaphore));
            u.Bdr = 0;
            u.SetBr(0, (0x20UL << 12) | (ulong)ItemBits.RcvSingleCap | (ulong)ItemBits.RcvForward);
            u.SetBr(1, World.TaskCap);
            var t = child.Sys.Call(4 << 12, new MsgTag((long)Protocol.Factory, 1, 0));
            c.Equal(0L, child.Sys.Error(t), "small item with the forward bit");
            c.True(w.Slot(child.Task, 0x20 << 12)?.Object is Model.Kernel.Semaphore, "the semaphore is in the caller's slot 0x20");
        });
        yield return Case("factory/s-before-word-count", "a factory cap without S is -EPERM even with no words: label, then S, then words", ["FAC-1", "FAC-2"], c =>
        {
            // fiasco kobject_rpc.h:56-75 (check_basics: label, check_rights, words >= 1), called from factory.cpp:157-159.
            var w = new World();
            var child = w.NewTask();
            w.Map(child.TaskSel, 2 << 12, CapRights.RW, 0, World.FactoryCap);      // factory without S
            var u = child.Thread.Utcb;
            u.Bdr = 0;
            u.SetBr(0, (0x20UL << 12) | (ulong)ItemBits.RcvSingleCap);
            c.Equal(-(long)L4Err.Perm, child.Sys.Error(child.Sys.Call(2 << 12, new MsgTag((long)Protocol.Factory, 0, 0))), "no S, zero words");
            c.Equal(-(long)L4Err.BadProto, child.Sys.Error(child.Sys.Call(2 << 12, new MsgTag((long)Protocol.Semaphore, 0, 0))), "wrong label first");
            w.Map(child.TaskSel, 4 << 12, CapRights.RWS, 0, World.FactoryCap);
            c.Equal(-(long)L4Err.MsgTooShort, child.Sys.Error(child.Sys.Call(4 << 12, new MsgTag((long)Protocol.Factory, 0, 0))), "S, zero words");
        });
        yield return Case("factory/gate-thread-needs-label-word", "a gate create with a thread item and fewer than 3 words is -EMSGTOOSHORT, after the item and S checks", ["FAC-GATE-1"], c =>
        {
            // fiasco ipc_gate.cpp:526-560: item type/thread (-EINVAL), thread S (-EPERM), words < 3 (-EMSGTOOSHORT), label bits (-EINVAL).
            var w = new World();
            int before = w.Boot.Root.Space.Count;
            var item = new SendItem((ulong)ItemBits.Map, Fpage.Obj(World.ThreadCap, 0, CapRights.RWS));
            c.Equal(-(long)L4Err.MsgTooShort, Err(w, w.Root.FactoryCreateItems(World.FactoryCap, 0, w.FreeSlot(), [], [item])), "thread item, one word");
            c.Equal(before, w.Boot.Root.Space.Count, "no gate created");
            var log = new SendItem((ulong)ItemBits.Map, Fpage.Obj(World.LogCap, 0, CapRights.RWS));
            c.Equal(-(long)L4Err.Inval, Err(w, w.Root.FactoryCreateItems(World.FactoryCap, 0, w.FreeSlot(), [], [log])), "non-thread item, one word: the item is checked first");
            var th = w.Create((long)Protocol.Thread);
            ulong weak = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, weak, CapRights.RW, 0, th), "copy thread cap without S");
            var weakItem = new SendItem((ulong)ItemBits.Map, Fpage.Obj(weak, 0, CapRights.RWS));
            c.Equal(-(long)L4Err.Perm, Err(w, w.Root.FactoryCreateItems(World.FactoryCap, 0, w.FreeSlot(), [], [weakItem])), "thread without S, one word: S before the word count");
        });
        yield return Case("factory/gate-with-thread", "a gate takes its label only with a thread item; bad labels and threads are refused", ["FAC-GATE-1"], c =>
        {
            var w = new World();
            ulong g = w.FreeSlot();
            c.Equal(0L, Err(w, w.Root.CreateGate(World.FactoryCap, g, World.ThreadCap, 0x1230)), "gate bound to own thread");
            var gate = (IpcGate)w.Obj(g);
            c.Equal(0x1230UL, gate.GateLabel, "label from MR2");
            c.True(gate.BoundThread == w.Boot.RootThread, "bound thread");
            c.Equal(-22L, Err(w, w.Root.CreateGate(World.FactoryCap, w.FreeSlot(), World.ThreadCap, 0x1231)), "label with bit 0 set");
            c.Equal(-22L, Err(w, w.Root.CreateGate(World.FactoryCap, w.FreeSlot(), World.LogCap, 0x10)), "item is not a thread");
            var th = w.Create((long)Protocol.Thread);
            ulong weak = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, weak, CapRights.RW, 0, th), "copy thread cap without S");
            c.Equal(-1L, Err(w, w.Root.CreateGate(World.FactoryCap, w.FreeSlot(), weak, 0x10)), "thread cap without S");
        });
        yield return Case("factory/task-utcb-area", "create(Task) answers one word, the UTCB area as a memory fpage with rights 0; MR2 = 0 gives no area and no word", ["FAC-TASK-1"], c =>
        {
            // fiasco task.cpp:640-658 (only a non-zero MR2 makes an area and the answer word), 319-320 (the word is
            // L4_fpage::mem(address, order): rights 0), l4_fpage.cpp:200-201, 297 (is_valid: raw != 0).
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            var t = w.Root.CreateTask(World.FactoryCap, w.FreeSlot(), Fpage.Memory(0xB300_0000, 13, MemRights.RW));
            c.Equal(new MsgTag(0, 1, 1).Raw, t.Raw, "tag: one word, one item");
            c.Equal(Fpage.Memory(0xB300_0000, 13, MemRights.None).Raw, u.Mr(0), "MR0: the area's fpage with rights 0");
            c.Equal(0x38UL, u.Mr(1), "returned item after the word");
            t = w.Root.CreateTask(World.FactoryCap, w.FreeSlot(), new Fpage(0));
            c.Equal(new MsgTag(0, 0, 1).Raw, t.Raw, "MR2 = 0: no word, one item");
            c.Equal(0x38UL, u.Mr(0), "the returned item is MR0");
        });
        yield return Case("factory/task-utcb-area-checks", "a UTCB area needs order 12..17 inside user space; its type is not checked", ["FAC-TASK-2"], c =>
        {
            // fiasco task.cpp:353-354 (order > 17), 288-294 (order < 12, address beyond user_max - size + 1),
            // ia32/64/mem_layout-ia32-64.cpp:29 (user_max 0x7fff_ffff_ffff), 640-656 (no type check).
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            long Create(Fpage fp) => Err(w, w.Root.CreateTask(World.FactoryCap, w.FreeSlot(), fp));
            c.Equal(-(long)L4Err.Inval, Create(Fpage.Memory(0xB300_0000, 11, MemRights.RW)), "order 11");
            c.Equal(-(long)L4Err.Inval, Create(Fpage.Memory(0xB300_0000, 18, MemRights.RW)), "order 18");
            c.Equal(0L, Create(Fpage.Memory(0xB300_0000, 17, MemRights.RW)), "order 17");
            c.Equal(0L, Create(Fpage.Memory(0x7FFF_FFFF_F000, 12, MemRights.RW)), "the last user page");
            c.Equal(-(long)L4Err.Inval, Create(Fpage.Memory(0x7FFF_FFFF_F000, 13, MemRights.RW)), "order 13 at the last user page");
            c.Equal(-(long)L4Err.Inval, Create(Fpage.Memory(0x8000_0000_0000, 12, MemRights.RW)), "beyond user space");
            var objType = new Fpage((0xB400_0000UL) | (12UL << 6) | ((ulong)FpageType.Obj << 4));
            c.Equal(0L, Create(objType), "an object-type word is taken as memory");
            c.Equal(Fpage.Memory(0xB400_0000, 12, MemRights.None).Raw, u.Mr(0), "answered as a memory fpage");
        });
        yield return Case("factory/quota-exhaustion", "a factory cannot create beyond its quota; a tiny quota creates nothing", ["QUOTA-1", "QUOTA-2"], c =>
        {
            var w = new World();
            var kf2 = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Mword(65536));
            c.Equal(0L, Err(w, w.Root.FactoryCreate(kf2, 0, w.FreeSlot())), "kf2:create(Ipc_gate)");
            c.Equal(-12L, Err(w, w.Root.FactoryCreate(kf2, -15, w.FreeSlot(), L4Sys.Mword(1_000_000))), "kf2:create(Factory, 1000000)");
            var kf3 = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Mword(1));
            c.Equal(-12L, Err(w, w.Root.FactoryCreate(kf3, 0, w.FreeSlot())), "kf3:create(Ipc_gate) with quota 1");
            c.Equal(-12L, Err(w, w.Root.FactoryCreate(kf3, -12, w.FreeSlot())), "kf3:create(Thread) with quota 1");
            var f2 = (Factory)w.Obj(kf2);
            c.Equal(65536UL, f2.Quota.Limit, "limit");
            c.Equal(IpcGate.ObjectSize, f2.Quota.Used, "one gate charged");
            var root = w.Boot.RootFactory.Quota;
            c.Equal(0UL, root.Limit, "root quota unlimited");
        });
        yield return Case("factory/quota-returned", "deleting objects gives their quota back; a deleted factory's limit returns when it drains", ["QUOTA-3"], c =>
        {
            var w = new World();
            var mid = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Mword(100_000));
            var sub = w.CreateWith(w.Root, mid, -15, L4Sys.Mword(10_000));
            var midF = (Factory)w.Obj(mid);
            var subF = (Factory)w.Obj(sub);
            c.Equal(Factory.ObjectSize + 10_000, midF.Quota.Used, "sub-factory charges sizeof(Factory) + limit");
            var g = w.CreateWith(w.Root, sub, 0);
            c.Equal(IpcGate.ObjectSize, subF.Quota.Used, "gate charged to the sub-factory");
            w.Check(w.Root.DeleteObj(World.TaskCap, sub), "delete sub-factory");
            c.Equal(Factory.ObjectSize + 10_000, midF.Quota.Used, "limit still held while the gate lives");
            w.Check(w.Root.DeleteObj(World.TaskCap, g), "delete gate");
            c.Equal(0UL, subF.Quota.Used, "gate's memory returned");
            c.Equal(0UL, midF.Quota.Used, "sub-factory's object and limit returned once drained");
        });
        yield return Case("factory/task-creation-cost", "a task charges its factory the object, a page directory and a capability directory, and with a UTCB area a record and the area; all of it comes back", ["QUOTA-1", "QUOTA-6"], c =>
        {
            // fiasco task.cpp:583-593 (Task slab entry), 629-637; ia32/mem_space-ia32.cpp:139-151 (page directory, 4 KiB);
            // obj_space_phys_util.cpp:157-174 via space.cpp:102-105 (capability directory, 4 KiB); task.cpp:360 with
            // space.cpp:190-193 (Ku_mem record) and 247-248 (the area, 2^order bytes); freed at task.cpp:595-608, 529-535.
            var w = new World();
            var small = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Umword(0x1000));
            var f = (Factory)w.Obj(small);
            c.Equal(-(long)L4Err.NoMem, Err(w, w.Root.CreateTask(small, w.FreeSlot(), Fpage.Memory(World.UtcbBase, 12, MemRights.RW))), "4 KiB quota, 4 KiB UTCB area");
            c.Equal(0UL, f.Quota.Used, "nothing stays charged");
            var big = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Umword(0x10000));
            var bf = (Factory)w.Obj(big);
            ulong task = w.FreeSlot();
            c.Equal(0L, Err(w, w.Root.CreateTask(big, task, Fpage.Memory(World.UtcbBase, 12, MemRights.RW))), "64 KiB quota");
            c.True(bf.Quota.Used >= Model.Kernel.Task.ObjectSize + 3 * 0x1000, $"charged: the object, two directory pages and the 4 KiB area (used 0x{bf.Quota.Used:x})");
            w.Check(w.Root.DeleteObj(World.TaskCap, task), "delete the task");
            c.Equal(0UL, bf.Quota.Used, "all of it comes back");
        });
        yield return Case("factory/deleted-factory-charges-nothing", "once a factory is deleted its quota takes no more charges; frees still count until it drains", ["QUOTA-5"], c =>
        {
            // fiasco factory.cpp:64-70 (destroy: take_and_invalidate), ram_quota.cpp:126-141 (the Invalid bit),
            // 75-79 (alloc fails while it is set), 97-113 (frees count down; at Invalid alone the quota goes).
            var w = new World();
            var outer = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Umword(0x40000));
            var of = (Factory)w.Obj(outer);
            var inner = w.CreateWith(w.Root, outer, -15, L4Sys.Umword(0x10000));
            ulong task = w.FreeSlot();
            w.Check(w.Root.CreateTask(inner, task, Fpage.Memory(World.UtcbBase, 12, MemRights.RW)), "a task from the inner factory");
            ulong charged = of.Quota.Used;
            w.Check(w.Root.DeleteObj(World.TaskCap, inner), "delete the inner factory");
            var t = w.Map(task, 5 << 12, CapRights.RW, 0, World.LogCap);
            c.Equal(-(2000L + (long)IpcErr.SeMapFailed), w.Root.Error(t), "the task's first cap-table page is refused");
            c.Equal(charged, of.Quota.Used, "the inner factory stays charged to the outer one");
            w.Check(w.Root.DeleteObj(World.TaskCap, task), "delete the task");
            c.Equal(0UL, of.Quota.Used, "its frees drained the inner quota, which went back to the outer one");
        });
        yield return Case("factory/cap-table-pages-charged", "a new cap-table page is charged to the task's quota; failing gives SEMAPFAILED", ["QUOTA-4"], c =>
        {
            var w = new World();
            // Room for the task with its directories and 4 KiB UTCB area (QUOTA-6), not for a 4 KiB cap-table page.
            var small = w.CreateWith(w.Root, World.FactoryCap, -15, L4Sys.Umword(Model.Kernel.Task.ObjectSize + Model.Kernel.Task.CreationExtra(12) + 100));
            ulong task = w.FreeSlot();
            c.Equal(0L, Err(w, w.Root.CreateTask(small, task, Fpage.Memory(World.UtcbBase, 12, MemRights.RW))), "task fits the quota");
            var t = w.Map(task, 5 << 12, CapRights.RW, 0, World.LogCap);
            c.Equal(-(2000L + 0x10), w.Root.Error(t), "no quota left for the first cap-table page");
        });
    }
}
