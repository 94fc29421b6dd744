using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using Xunit;
using KTask = L4Conf.Model.Kernel.Task;
using Semaphore = L4Conf.Model.Kernel.Semaphore;

using static L4Conf.Tests.ObjMapDbFixture;

namespace L4Conf.Tests;

/// <summary>
/// Flushes of object slots and what they take with them (Kobject_mapdb::flush, kobject_mapdb.cpp:283-313): the full
/// mask of a map onto itself deletes (CAP-OVR-3), unmap deletes only with L4_FP_DELETE_OBJ (CAP-UNMAP-2, -5), a task
/// destroyed by a flush empties its own space (CAP-LIFE-3), and a map or grant whose destination flush deletes the
/// source or the destination task lands before the task's teardown runs at the end (the reap list; CAP-OVR-1, CAP-LIFE-5).
/// </summary>
public class ObjMapDbFlushTests
{
    private static Kernel.MapOutcome Map(Kernel k, KTask src, ulong srcSlot, CapRights fpRights, KTask dst, ulong hot,
        byte item = 0, bool grant = false) =>
        k.MapObjects(src, Fpage.Obj(srcSlot << 12, 0, fpRights), dst, hot, item, grant, CapRights.RWS);

    /// <summary>A task whose slot <paramref name="self"/> holds its own cap with D: a map into that slot destroys it.</summary>
    private static KTask SelfHeld(Kernel k, ulong self)
    {
        var t = new KTask(k, null, Fpage.Invalid);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(t, self, t, CapRights.Full, "self"));
        return t;
    }

    /// <summary>A gate in root's slot 0x20 (its only, counted slot) whose counter root's dec_refcnt brought to 0 (GATE-3, CAP-LIFE-5).</summary>
    private static IpcGate GateCountedDownToZero(BootState b)
    {
        var k = b.Kernel;
        var g = new IpcGate(k, 0x40);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x20, g, CapRights.Full, "test"));
        var root = new L4Sys(k, b.RootThread);
        var u = b.RootThread.Utcb;
        u.SetMr(0, (ulong)IpcGateOp.DecRefcnt);
        u.SetMr(1, 1);
        Assert.Equal(0L, root.Error(root.Call(0x20 << 12, new MsgTag((long)Protocol.Kobject, 2, 0))));
        Assert.Equal(0UL, u.Mr(0));
        return g;
    }

    [Fact]
    public void Mapping_a_slot_with_D_onto_itself_deletes_the_object_for_everybody()
    {
        // The flush of a map onto itself uses the kernel's full mask, delete included (map_util.cpp:654-693).
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        Map(k, b.Root, 0x20, CapRights.RWS, b.Sigma0, 0x30);
        Assert.Equal(2L, s.RefCnt);
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Root, 0x20, CapRights.RW, b.Root, 0x20));
        Assert.False(s.Alive);
        Assert.Null(b.Root.Space[0x20]);
        Assert.Null(b.Sigma0.Space[0x30]);
    }

    [Fact]
    public void Unmap_with_the_self_bit_but_without_delete_only_drops_a_slot_with_D()
    {
        // CAP-UNMAP-2: L4_FP_ALL_SPACES without L4_FP_DELETE_OBJ: D in the slot does not matter.
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        Map(k, b.Root, 0x20, CapRights.RWS, b.Sigma0, 0x30);
        k.UnmapObjects(b.Root, Fpage.Obj(0x20 << 12, 0, CapRights.R), UnmapMask.AllSpaces);
        Assert.Null(b.Root.Space[0x20]);
        Assert.True(s.Alive);
        Assert.Equal(1L, s.RefCnt);
        Assert.Same(s, b.Sigma0.Space[0x30]!.Object);
    }

    [Fact]
    public void Unmap_that_deletes_the_task_itself_does_not_flush_its_later_slots_twice()
    {
        // Slot 0x20 holds the task's own cap with D, 0x21 a counted copy (no D) of an object root also holds. The real
        // loop flushes 0x21 (count 2 -> 1) and the task is reaped afterwards; the model empties the task first, and the
        // slot it already removed is not flushed again: the object lives on with root's reference.
        var (b, k) = Boot();
        var y = Sem(k, b.Root, 0x30);
        var t = SelfHeld(k, 0x20);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(t, 0x21, y, CapRights.RWS | CapRights.Counted, "copy"));
        Assert.Equal(2L, y.RefCnt);
        k.UnmapObjects(t, Fpage.Obj(0x20 << 12, 1, CapRights.RWSD), UnmapMask.DeleteObj);
        Assert.False(t.Alive);
        Assert.Equal(0, t.Space.Count);
        Assert.True(y.Alive);
        Assert.Equal(1L, y.RefCnt);
        Assert.Same(y, b.Root.Space[0x30]!.Object);
    }

    [Fact]
    public void A_grant_inside_a_task_that_the_destination_flush_destroys_leaves_the_source_slot_to_the_teardown()
    {
        // Grant t:0x20 -> t:0x30 where 0x30 holds t's own cap with D. Real: t is only queued, the slot moves (count
        // unchanged, 2) and Task::destroy flushes it (2 -> 1). The model's teardown already flushed 0x20 (2 -> 1); the
        // grant must not count the same slot again.
        var (b, k) = Boot();
        var y = Sem(k, b.Root, 0x40);
        var t = SelfHeld(k, 0x30);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(t, 0x20, y, CapRights.RWS | CapRights.Counted, "copy"));
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, t, 0x20, CapRights.RWS, t, 0x30, grant: true));
        Assert.False(t.Alive);
        Assert.True(y.Alive);
        Assert.Equal(1L, y.RefCnt);
        Assert.Equal(new[] { (b.Root, 0x40UL) }, y.Caps.Select(e => (e.Space, e.Index)));
    }

    /// <summary>The gate of <see cref="GateCountedDownToZero"/> with its counter brought two further, to -2 (_cnt is signed).</summary>
    private static IpcGate GateCountedBelowZero(BootState b)
    {
        var g = GateCountedDownToZero(b);
        var root = new L4Sys(b.Kernel, b.RootThread);
        var u = b.RootThread.Utcb;
        u.SetMr(0, (ulong)IpcGateOp.DecRefcnt);
        u.SetMr(1, 2);
        Assert.Equal(0L, root.Error(root.Call(0x20 << 12, new MsgTag((long)Protocol.Kobject, 2, 0))));
        Assert.Equal(unchecked((ulong)-2L), u.Mr(0));
        return g;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_counted_map_or_grant_into_a_dying_task_with_the_counter_below_zero_destroys_the_object(bool grant)
    {
        // _cnt = -2 (Smword). Map: insert raises it to -1, and Task::destroy's flush finds -1 <= 1: the gate dies. Grant:
        // the slot moves (no change) and the flush finds -2 <= 1 (kobject_mapdb.cpp:251-259, 266-280, 304-312).
        var (b, k) = Boot();
        var g = GateCountedBelowZero(b);
        var t = SelfHeld(k, 0x30);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, CapRights.RWS, t, 0x30, grant: grant));
        Assert.False(t.Alive);
        Assert.False(g.Alive);
        Assert.Null(b.Root.Space[0x20]);
    }

    [Fact]
    public void A_counted_grant_into_a_dying_task_with_the_counter_at_zero_destroys_the_object()
    {
        // dec_refcnt left the counter at 0 with one counted slot. The grant moves the counted slot (no count change) and
        // Task::destroy's flush of it finds _cnt <= 1: the gate is destroyed (kobject_mapdb.cpp:265-281, 304-312).
        var (b, k) = Boot();
        var g = GateCountedDownToZero(b);
        var t = SelfHeld(k, 0x30);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, CapRights.RWS, t, 0x30, grant: true));
        Assert.False(t.Alive);
        Assert.False(g.Alive);
        Assert.Null(b.Root.Space[0x20]);
    }

    [Fact]
    public void A_weak_map_into_a_dying_task_leaves_an_object_whose_counter_is_zero()
    {
        // Same gate, mapped (not granted) with L4_FPAGE_C_NO_REF_CNT: the weak slot inserted and flushed again changes
        // nothing (CAP-UNMAP-6); root keeps its slot.
        var (b, k) = Boot();
        var g = GateCountedDownToZero(b);
        var t = SelfHeld(k, 0x30);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, CapRights.RWS, t, 0x30, item: (byte)ObjItemAttr.NoRefCnt));
        Assert.False(t.Alive);
        Assert.True(g.Alive);
        Assert.Equal(0L, g.RefCnt);
        Assert.Same(g, b.Root.Space[0x20]!.Object);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_map_or_grant_whose_destination_flush_deletes_the_source_task_still_lands(bool grant)
    {
        // The destination slot holds the source task's cap with D. The flush only queues the source task (Reap_list,
        // kobject.cpp:288-294): the map reads its intact space and inserts (count 2, or the grant moves the slot), and the
        // teardown at the end flushes the source slot (2 -> 1; after a grant there is none). The object lives on.
        var (b, k) = Boot();
        var a = new KTask(k, null, Fpage.Invalid);
        var y = Sem(k, a, 0x20, CapRights.RWS | CapRights.Counted);             // y's only counted slot
        var dst = new KTask(k, null, Fpage.Invalid);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(dst, 0x30, a, CapRights.Full, "test"));
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, a, 0x20, CapRights.RWS, dst, 0x30, grant: grant));
        Assert.False(a.Alive);
        Assert.True(y.Alive);
        Assert.Same(y, dst.Space[0x30]!.Object);
        Assert.Equal(1L, y.RefCnt);
        Assert.Equal(new[] { (dst, 0x30UL) }, y.Caps.Select(e => (e.Space, e.Index)));
    }

    [Fact]
    public void The_trace_of_a_map_into_a_dying_task_names_the_grant_and_the_reason_of_the_destruction()
    {
        // trace-format.md: the granted source slot goes as "grant"; the task's teardown runs when the map ends (Reap_list)
        // and flushes the slot the grant put there: the object dies by "last-reference" (its only counted slot) or
        // "delete-right" (mapped with D), and its slot in the dying task goes with it.
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        var t = SelfHeld(k, 0x30);
        int n = k.Trace.Events.Count;
        Map(k, b.Root, 0x20, CapRights.RWS, t, 0x30, grant: true);
        Assert.Equal(new TraceEvent[]
        {
            new CapRemoved(t.DbgId, 0x30, t.DbgId, "object-deleted"),
            new ObjectDestroyed(t.DbgId, "Task", "delete-right"),
            new CapRemoved(b.Root.DbgId, 0x20, s.DbgId, "grant"),
            new CapRemoved(t.DbgId, 0x30, s.DbgId, "object-deleted"),
            new ObjectDestroyed(s.DbgId, "IRQ sem", "last-reference"),
        }, Removals(k, n));

        (b, k) = Boot();
        s = Sem(k, b.Root, 0x20);
        t = SelfHeld(k, 0x30);
        n = k.Trace.Events.Count;
        Map(k, b.Root, 0x20, CapRights.RWSD, t, 0x30);
        Assert.Equal(new TraceEvent[]
        {
            new CapRemoved(t.DbgId, 0x30, t.DbgId, "object-deleted"),
            new ObjectDestroyed(t.DbgId, "Task", "delete-right"),
            new CapRemoved(t.DbgId, 0x30, s.DbgId, "object-deleted"),        // the mapped slot first: newest in the list
            new CapRemoved(b.Root.DbgId, 0x20, s.DbgId, "object-deleted"),
            new ObjectDestroyed(s.DbgId, "IRQ sem", "delete-right"),
        }, Removals(k, n));
    }

    private static TraceEvent[] Removals(Kernel k, int from) =>
        k.Trace.Events.Skip(from).Where(e => e is CapRemoved or ObjectDestroyed).Select(e => e with { Seq = 0 }).ToArray();
}
