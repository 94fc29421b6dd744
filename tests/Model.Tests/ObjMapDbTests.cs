using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using Xunit;
using KTask = L4Conf.Model.Kernel.Task;
using Semaphore = L4Conf.Model.Kernel.Semaphore;

using static L4Conf.Tests.ObjMapDbFixture;

namespace L4Conf.Tests;

/// <summary>
/// The object mapping database (Kernel.Insert/Flush/MapObjects/Grant/UnmapObjects) called directly on a booted kernel.
/// The expected attribute bytes and warnings are those of the conformance cases map/*, unmap/* (the real caplife
/// dumps and fiasco map_util.cpp, kobject_mapdb.cpp); these tests exist so that Model.Tests alone, which Stryker runs,
/// notices a broken mapping database.
/// </summary>
public class ObjMapDbTests
{
    private static Kernel.MapOutcome Map(Kernel k, KTask src, ulong srcSlot, int order, CapRights fpRights, KTask dst, ulong hot,
        byte item = 0, bool grant = false, CapRights mask = CapRights.RWS) =>
        k.MapObjects(src, Fpage.Obj(srcSlot << 12, order, fpRights), dst, hot, item, grant, mask);

    private static string Warn(BootState b, KTask from, ulong start, ulong size, KTask to, string space = "Obj_space") =>
        $"\n\x1b[31mKERNEL\x1b[m: Warning: nothing mapped: ({space}) from [0x{from.Address + Kernel.SpaceOffset:x}]: " +
        $"{start:x16} size: {size:x16} to [0x{to.Address + Kernel.SpaceOffset:x}]\n";

    [Fact]
    public void Insert_counts_counted_slots_and_rejects_slots_beyond_the_space()
    {
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        Assert.Equal(1L, s.RefCnt);
        Assert.Equal((byte)0xFF, (byte)b.Root.Space[0x20]!.Attr);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x21, s, CapRights.RW, "weak"));
        Assert.Equal(1L, s.RefCnt);                                         // a slot without 0x10 is weak
        Assert.Equal(Kernel.InsertStatus.OutOfRange, k.Insert(b.Root, ObjectSpace.Slots, s, CapRights.Full, "beyond"));
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, ObjectSpace.Slots - 1, s, CapRights.Full, "last"));
        Assert.Equal(2L, s.RefCnt);
        Assert.Equal(new[] { 0xFFFFUL, 0x21UL, 0x20UL }, s.Caps.Select(e => e.Index));   // newest first (Kobject_mapdb::insert)
    }

    [Fact]
    public void Insert_of_a_dead_object_or_into_a_dead_task_fails()
    {
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        k.Destroy(s, "test");
        Assert.False(s.Alive);
        Assert.Null(b.Root.Space[0x20]);
        Assert.Equal(Kernel.InsertStatus.NoMemory, k.Insert(b.Root, 0x21, s, CapRights.Full, "dead"));
        Assert.Null(b.Root.Space[0x21]);
    }

    [Fact]
    public void Insert_over_an_occupied_slot_flushes_it_first()
    {
        var (b, k) = Boot();
        var old = Sem(k, b.Root, 0x20, (CapRights)0x17);                    // counted, no D, the only slot
        var s = Sem(k, b.Root, 0x21);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x20, s, CapRights.Full, "over"));
        Assert.False(old.Alive);                                            // its last counted slot went
        Assert.Same(s, b.Root.Space[0x20]!.Object);
        Assert.Equal(2L, s.RefCnt);
    }

    [Fact]
    public void Map_gives_counted_slots_unless_the_item_says_no_ref_cnt()
    {
        // map/weak-and-counted: an RW fpage gives 0x15 (counted), with L4_FPAGE_C_NO_REF_CNT 0x05 (weak).
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, 0, CapRights.RW, b.Sigma0, 0x30));
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, 0, CapRights.RW, b.Sigma0, 0x31, item: (byte)ObjItemAttr.NoRefCnt));
        Assert.Equal((byte)0x15, (byte)b.Sigma0.Space[0x30]!.Attr);
        Assert.Equal((byte)0x05, (byte)b.Sigma0.Space[0x31]!.Attr);
        Assert.Same(s, b.Sigma0.Space[0x31]!.Object);
        Assert.Equal(2L, s.RefCnt);
        Assert.Equal(3, s.Caps.Count());
        // map/rights-intersect: an R + counted slot asked for RWSD gives 0x14.
        var r = Sem(k, b.Root, 0x22, (CapRights)0x14);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x22, 0, CapRights.RWSD, b.Sigma0, 0x32));
        Assert.Equal((byte)0x14, (byte)b.Sigma0.Space[0x32]!.Attr);
        Assert.Equal(2L, r.RefCnt);
        // S survives only with S in the mask (map/s-needs-both-task-caps: 0x15 without, 0x17 with).
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Sigma0, 0x33, mask: CapRights.RW);
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Sigma0, 0x34);
        Assert.Equal((byte)0x15, (byte)b.Sigma0.Space[0x33]!.Attr);
        Assert.Equal((byte)0x17, (byte)b.Sigma0.Space[0x34]!.Attr);
    }

    [Fact]
    public void A_gate_mapped_without_the_server_right_is_the_plain_gate()
    {
        // map/gate-downgrade (CAP-MAP-5).
        var (b, k) = Boot();
        var g = new IpcGate(k, 0x40);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x20, g, CapRights.Full, "gate"));
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Sigma0, 0x30);
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Sigma0, 0x31, item: (byte)ObjItemAttr.IpcGateSvr);
        Assert.False(b.Sigma0.Space[0x30]!.ControlInterface);
        Assert.True(b.Sigma0.Space[0x31]!.ControlInterface);
        // A plain source slot stays plain even when the mapped rights keep the server right.
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x22, g, CapRights.Full, "plain", plain: true));
        Map(k, b.Root, 0x22, 0, CapRights.RWS, b.Sigma0, 0x32, item: (byte)ObjItemAttr.IpcGateSvr);
        Assert.Equal((byte)0x37, (byte)b.Sigma0.Space[0x32]!.Attr);
        Assert.False(b.Sigma0.Space[0x32]!.ControlInterface);
    }

    [Fact]
    public void Without_R_nothing_is_mapped_and_the_kernel_warns()
    {
        // map/no-r-maps-nothing, map/nothing-mapped-warning-rless-and-start.
        var (b, k) = Boot();
        Sem(k, b.Root, 0x20);
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Root, 0x20, 0, CapRights.W | CapRights.S, b.Sigma0, 0x30));
        Assert.Null(b.Sigma0.Space[0x30]);
        Assert.Equal(Warn(b, b.Root, 0x20, 1, b.Sigma0), k.Console.ToString()[before..]);
        before = k.Console.Length;
        Map(k, b.Root, 0x20, 0, CapRights.RW, b.Sigma0, 0x30);
        Assert.Equal("", k.Console.ToString()[before..]);
    }

    [Fact]
    public void Order_and_hot_spot_place_the_slots_and_empty_ones_are_skipped()
    {
        // map/hotspot-and-order: root's 4..7 with hot spot 0x43 land at 0x40..0x43; of 8..11 only 10 is occupied.
        var (b, k) = Boot();
        var t = new KTask(k, null, Fpage.Invalid);
        Assert.Equal(new Kernel.MapOutcome(false, 4), Map(k, b.Root, 4, 2, CapRights.RWS, t, 0x43));
        Assert.Equal("Gate,Vlog,Icu/Pfc,Sched", string.Join(",", Enumerable.Range(0x40, 4).Select(i => t.Space[(ulong)i]?.Object.JdbType ?? "-")));
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 8, 2, CapRights.RWS, t, 0x50));
        Assert.Equal("-,-,Jdb,-", string.Join(",", Enumerable.Range(0x50, 4).Select(i => t.Space[(ulong)i]?.Object.JdbType ?? "-")));
        Assert.Equal(5, t.Space.Count);
    }

    [Fact]
    public void The_warnings_START_is_where_the_skipping_loop_stopped()
    {
        // map/nothing-mapped-warning-rless-and-start: two empty slots of an existing page: START is the second;
        // two missing 128-slot pages: START is the second page; beyond slot 65536 nothing is mapped (map/hotspot-beyond-space).
        var (b, k) = Boot();
        var t = new KTask(k, null, Fpage.Invalid);
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Root, 0x40, 1, CapRights.RWS, t, 0x30));
        Assert.Equal(Warn(b, b.Root, 0x41, 2, t), k.Console.ToString()[before..]);
        before = k.Console.Length;
        Map(k, b.Root, 0x1000, 8, CapRights.RWS, t, 0x1000);
        Assert.Equal(Warn(b, b.Root, 0x1080, 0x100, t), k.Console.ToString()[before..]);
        before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Root, 5, 0, CapRights.RWS, t, 0x10030));
        Assert.Equal(Warn(b, b.Root, 5, 1, t), k.Console.ToString()[before..]);
        Assert.Equal(0, t.Space.Count);
        // A slot in a missing page after the skipped page is still found.
        var s = Sem(k, b.Root, 0x1180);
        before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x1100, 8, CapRights.RWS, t, 0x2000));
        Assert.Same(s, t.Space[0x2080]!.Object);
        Assert.Equal("", k.Console.ToString()[before..]);
    }

    [Fact]
    public void Mapping_a_slot_onto_itself_flushes_it()
    {
        // CAP-OVR-3: destination equals source, the slot is flushed with the full mask, nothing inserted.
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20, (CapRights)0x17);
        Map(k, b.Root, 0x20, 0, CapRights.RW, b.Root, 0x21);
        Assert.Equal(2L, s.RefCnt);
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Root, 0x20, 0, CapRights.RW, b.Root, 0x20));
        Assert.Null(b.Root.Space[0x20]);
        Assert.True(s.Alive);
        Assert.Equal(1L, s.RefCnt);
        Assert.Equal("", k.Console.ToString()[before..]);                // something was found: no warning
    }

    [Fact]
    public void An_occupied_destination_is_flushed_and_a_flush_that_removes_the_object_maps_nothing()
    {
        // CAP-OVR-1 and map/task-map-answers-0-unless-a-page-is-missing ("the destination flush removed the object").
        var (b, k) = Boot();
        var t = new KTask(k, null, Fpage.Invalid);
        var s = Sem(k, b.Root, 0x20);
        var other = Sem(k, t, 0x30, (CapRights)0x15);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, 0, CapRights.RWS, t, 0x30));
        Assert.False(other.Alive);
        Assert.Same(s, t.Space[0x30]!.Object);
        Map(k, b.Root, 0x20, 0, CapRights.RWSD, t, 0x31);                  // t's 0x31: with D
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Root, 0x20, 0, CapRights.RWS, t, 0x31));
        Assert.False(s.Alive);
        Assert.Equal(0, t.Space.Count);
        Assert.Null(b.Root.Space[0x20]);
    }

    [Fact]
    public void An_occupied_slot_is_flushed_as_an_overwrite_by_insert_and_by_map()
    {
        // CAP-OVR-1: the old slot goes first, and the trace names the cause "overwrite" (a counted slot without D whose
        // object has another counted slot is dropped, not destroyed).
        var (b, k) = Boot();
        var s1 = Sem(k, b.Root, 0x20, CapRights.RWS | CapRights.Counted);
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Root, 0x21);                  // s1 in 0x20 and 0x21
        Sem(k, b.Root, 0x22, CapRights.RWS | CapRights.Counted);
        int n = k.Trace.Events.Count;
        Map(k, b.Root, 0x22, 0, CapRights.RWS, b.Root, 0x21);                  // map s2 onto 0x21
        Assert.Contains(k.Trace.Events.Skip(n), e => e is CapRemoved { Index: 0x21, Cause: "overwrite" });
        Assert.True(s1.Alive);
        n = k.Trace.Events.Count;
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x21, new Semaphore(k), CapRights.RWS | CapRights.Counted, "test"));   // onto s2's slot (s2 keeps 0x22)
        Assert.Contains(k.Trace.Events.Skip(n), e => e is CapRemoved { Index: 0x21, Cause: "overwrite" });
    }

    [Fact]
    public void Grant_moves_the_slot_in_place_and_a_counted_source_turned_weak_lowers_the_count()
    {
        // CAP-GRANT-1.
        var (b, k) = Boot();
        var t = new KTask(k, null, Fpage.Invalid);
        var s = Sem(k, b.Root, 0x20);
        Map(k, b.Root, 0x20, 0, CapRights.RWSD, b.Root, 0x21);               // list: 0x21, 0x20
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, 0, CapRights.RWSD, t, 0x30, grant: true));
        Assert.Null(b.Root.Space[0x20]);
        Assert.Equal((byte)0x1F, (byte)t.Space[0x30]!.Attr);
        Assert.Equal(new[] { (b.Root, 0x21UL), (t, 0x30UL) }, s.Caps.Select(e => (e.Space, e.Index)));
        Assert.Equal(2L, s.RefCnt);
        var ev = k.Trace.Events.TakeLast(2).ToList();
        Assert.Equal(new CapRemoved(b.Root.DbgId, 0x20, s.DbgId, "grant"), ev[0] with { Seq = 0 });
        Assert.Equal(new CapInserted(t.DbgId, 0x30, s.DbgId, 0x1F, "grant"), ev[1] with { Seq = 0 });
        // Granted on as a weak slot: the count drops; the last counted one going weak destroys the object.
        Map(k, t, 0x30, 0, CapRights.RWS, t, 0x31, item: (byte)ObjItemAttr.NoRefCnt, grant: true);
        Assert.Equal(1L, s.RefCnt);
        Assert.True(s.Alive);
        Assert.Equal((byte)0x07, (byte)t.Space[0x31]!.Attr);
        Map(k, b.Root, 0x21, 0, CapRights.RWS, t, 0x32, item: (byte)ObjItemAttr.NoRefCnt, grant: true);
        Assert.False(s.Alive);
        Assert.Equal(0, t.Space.Count);
    }

    [Fact]
    public void Unmap_needs_the_self_bit_and_R_flushes_while_other_rights_are_revoked()
    {
        // CAP-UNMAP-1..4 (unmap-attr: R removes the slot; W/S/D are taken away).
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        Map(k, b.Root, 0x20, 0, CapRights.RWSD, b.Sigma0, 0x30);
        k.UnmapObjects(b.Root, Fpage.Obj(0x20 << 12, 0, CapRights.RWSD), UnmapMask.OtherSpaces);
        Assert.NotNull(b.Root.Space[0x20]);                                 // no children: nothing happens
        k.UnmapObjects(b.Root, Fpage.Memory(0x20 << 12, 12, MemRights.RWX), UnmapMask.AllSpaces);
        Assert.Equal((byte)0xFF, (byte)b.Root.Space[0x20]!.Attr);           // a memory fpage: not the object space
        k.UnmapObjects(b.Root, Fpage.Obj(0x20 << 12, 0, CapRights.W | CapRights.D), UnmapMask.AllSpaces);
        Assert.Equal((byte)0xF6, (byte)b.Root.Space[0x20]!.Attr);
        Assert.Equal(new CapRightsChanged(b.Root.DbgId, 0x20, 0xFF, 0xF6), k.Trace.Events[^1] with { Seq = 0 });
        int n = k.Trace.Events.Count;
        k.UnmapObjects(b.Root, Fpage.Obj(0x20 << 12, 0, CapRights.W), UnmapMask.AllSpaces);
        Assert.Equal(n, k.Trace.Events.Count);                              // nothing changed: no event
        k.UnmapObjects(b.Root, Fpage.Obj(0x20 << 12, 0, CapRights.R), UnmapMask.AllSpaces);
        Assert.Null(b.Root.Space[0x20]);
        Assert.True(s.Alive);                                               // sigma0's counted slot keeps it
        Assert.Equal(1L, s.RefCnt);
        // l4_fpage_all() has rights 0: it revokes nothing.
        k.UnmapObjects(b.Sigma0, Fpage.All, UnmapMask.AllSpaces);
        Assert.Equal((byte)0x1F, (byte)b.Sigma0.Space[0x30]!.Attr);
    }

    [Fact]
    public void Unmap_takes_the_order_aligned_range_only()
    {
        var (b, k) = Boot();
        var s = new[] { Sem(k, b.Root, 0x1F), Sem(k, b.Root, 0x20), Sem(k, b.Root, 0x21), Sem(k, b.Root, 0x22) };
        k.UnmapObjects(b.Root, Fpage.Obj(0x21 << 12, 1, CapRights.R), UnmapMask.AllSpaces);
        Assert.Equal(new[] { true, false, false, true }, s.Select(x => x.Alive));
        Assert.NotNull(b.Root.Space[0x1F]);
        Assert.NotNull(b.Root.Space[0x22]);
    }

    [Fact]
    public void Delete_destroys_through_a_slot_with_D_and_flushes_otherwise()
    {
        // CAP-UNMAP-5..8: delete with D destroys for everybody; a weak slot just goes; the last counted slot destroys.
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Sigma0, 0x30);              // counted, no D
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Sigma0, 0x31, item: (byte)ObjItemAttr.NoRefCnt);
        k.UnmapObjects(b.Sigma0, Fpage.Obj(0x30 << 12, 0, CapRights.RWSD), UnmapMask.DeleteObj);
        Assert.True(s.Alive);
        Assert.Null(b.Sigma0.Space[0x30]);
        Assert.Equal(1L, s.RefCnt);
        k.UnmapObjects(b.Sigma0, Fpage.Obj(0x31 << 12, 0, CapRights.RWSD), UnmapMask.AllSpaces);
        Assert.True(s.Alive);                                               // weak: just goes
        Assert.Equal(1L, s.RefCnt);
        Map(k, b.Root, 0x20, 0, CapRights.RWS, b.Sigma0, 0x32);
        k.UnmapObjects(b.Root, Fpage.Obj(0x20 << 12, 0, CapRights.RWSD), UnmapMask.DeleteObj);
        Assert.False(s.Alive);                                              // D in root's slot
        Assert.Null(b.Sigma0.Space[0x32]);
        Assert.Equal(0L, s.RefCnt);
        var last = Sem(k, b.Root, 0x40, (CapRights)0x17);
        k.UnmapObjects(b.Root, Fpage.Obj(0x40 << 12, 0, CapRights.R), UnmapMask.AllSpaces);
        Assert.False(last.Alive);                                           // the last counted slot
    }
    [Fact]
    public void A_missing_cap_table_page_the_quota_cannot_pay_for_fails_the_map()
    {
        // CAP-QUOTA-5 / map/task-map-answers-0-unless-a-page-is-missing: a cap-table page that cannot be had is Map_failed.
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        var poor = new KTask(k, new RamQuota(null, 100), Fpage.Invalid);
        Assert.Equal(new Kernel.MapOutcome(true, 0), Map(k, b.Root, 0x20, 0, CapRights.RWS, poor, 0x30));
        Assert.Equal(new Kernel.MapOutcome(true, 0), Map(k, b.Root, 0x20, 0, CapRights.RWS, poor, 0x30, grant: true));
        Assert.Same(s, b.Root.Space[0x20]!.Object);                         // the grant left the source alone
        Assert.Equal(0, poor.Space.Count);
        Assert.Equal(1L, s.RefCnt);
        var rich = new KTask(k, new RamQuota(null, 4096), Fpage.Invalid);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, 0, CapRights.RWS, rich, 0x30));
        Assert.Equal(new Kernel.MapOutcome(true, 0), Map(k, b.Root, 0x20, 0, CapRights.RWS, rich, 0x80));   // a second page
        Assert.Equal(4096UL, rich.Quota!.Used);
    }

    [Theory]
    [InlineData(false, CapRights.RWS, (byte)0, true, true)]      // a counted slot that dies with the task: others keep the object
    [InlineData(true, CapRights.RWS, (byte)0, false, false)]     // granted away: the only counted reference is gone
    [InlineData(false, CapRights.RWSD, (byte)0, false, false)]   // D: the later flush deletes the object everywhere
    [InlineData(true, CapRights.RWS, (byte)0x10, false, false)]  // granted as weak: still the source's counted reference goes
    public void Mapping_into_a_task_the_flush_destroyed_applies_the_net_effect(bool grant, CapRights fp, byte item, bool alive, bool sourceKept)
    {
        // The destination slot held the destination task's own cap with D: the overwrite flush destroys the task,
        // the real kernel inserts anyway and Task::destroy flushes the new slot (kobject.cpp:288-294, task.cpp:681-696).
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        var t = new KTask(k, null, Fpage.Invalid);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(t, 0x30, t, CapRights.Full, "self"));
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x20, 0, fp, t, 0x30, item: item, grant: grant));
        Assert.False(t.Alive);
        Assert.Equal(alive, s.Alive);
        Assert.Equal(sourceKept, b.Root.Space[0x20] != null);
    }
    [Fact]
    public void The_trace_names_each_removal_and_destruction_by_its_cause()
    {
        // The event vocabulary of spec/trace-format.md: cap-removed causes and obj-destroyed reasons.
        var (b, k) = Boot();
        var t = new KTask(k, null, Fpage.Invalid);
        var s = Sem(k, b.Root, 0x20, (CapRights)0x17);                      // counted, no D
        var o = Sem(k, t, 0x30, (CapRights)0x15);
        int n = k.Trace.Events.Count;
        Map(k, b.Root, 0x20, 0, CapRights.RWS, t, 0x30);                   // overwrite: o's last counted slot
        Map(k, b.Root, 0x20, 0, CapRights.RW, t, 0x31, item: (byte)ObjItemAttr.NoRefCnt);
        k.UnmapObjects(t, Fpage.Obj(0x31 << 12, 0, CapRights.R), UnmapMask.AllSpaces);   // a weak slot just goes
        Map(k, b.Root, 0x20, 0, CapRights.RW, b.Root, 0x20);                // onto itself: flushed, s still held by t
        k.UnmapObjects(t, Fpage.Obj(0x30 << 12, 0, CapRights.R), UnmapMask.AllSpaces);   // last counted slot
        var ev = k.Trace.Events.Skip(n).Select(e => e with { Seq = 0 }).ToList();
        var expect = new TraceEvent[]
        {
            new CapRemoved(t.DbgId, 0x30, o.DbgId, "object-deleted"),
            new ObjectDestroyed(o.DbgId, "IRQ sem", "last-reference"),
            new CapInserted(t.DbgId, 0x30, s.DbgId, 0x17, "map"),
            new CapInserted(t.DbgId, 0x31, s.DbgId, 0x05, "map"),
            new CapRemoved(t.DbgId, 0x31, s.DbgId, "unmap"),
            new CapRemoved(b.Root.DbgId, 0x20, s.DbgId, "overwrite"),
            new CapRemoved(t.DbgId, 0x30, s.DbgId, "object-deleted"),
            new ObjectDestroyed(s.DbgId, "IRQ sem", "last-reference"),
        };
        Assert.Equal(expect, ev);
        Assert.Equal(0L, s.RefCnt);
        Assert.Empty(s.Caps);
        Assert.DoesNotContain(s, k.Objects);
        // Deleting through D names the reason; an object is destroyed once.
        var d = Sem(k, b.Root, 0x40);
        n = k.Trace.Events.Count;
        k.UnmapObjects(b.Root, Fpage.Obj(0x40 << 12, 0, CapRights.RWSD), UnmapMask.DeleteObj);
        k.Destroy(d, "again");
        Assert.Equal(new TraceEvent[] { new CapRemoved(b.Root.DbgId, 0x40, d.DbgId, "object-deleted"), new ObjectDestroyed(d.DbgId, "IRQ sem", "delete-right") },
            k.Trace.Events.Skip(n).Select(e => e with { Seq = 0 }).ToArray());
    }

    [Fact]
    public void A_grant_that_turns_the_last_counted_slot_weak_names_last_reference()
    {
        var (b, k) = Boot();
        var s = Sem(k, b.Root, 0x20);
        var t = new KTask(k, null, Fpage.Invalid);
        Map(k, b.Root, 0x20, 0, CapRights.RWS, t, 0x30, item: (byte)ObjItemAttr.NoRefCnt, grant: true);
        Assert.Equal(new ObjectDestroyed(s.DbgId, "IRQ sem", "last-reference"), k.Trace.Events[^1] with { Seq = 0 });
        // A plain gate granted keeps its plain slot.
        var g = new IpcGate(k, 0x40);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x22, g, CapRights.Full, "plain", plain: true));
        Map(k, b.Root, 0x22, 0, CapRights.RWS, t, 0x32, item: (byte)ObjItemAttr.IpcGateSvr, grant: true);
        Assert.False(t.Space[0x32]!.ControlInterface);
    }
    [Fact]
    public void Insert_over_a_slot_with_D_deletes_the_old_object_for_everybody()
    {
        // CAP-OVR-1: the occupied slot is flushed with the kernel's full mask, delete included.
        var (b, k) = Boot();
        var old = Sem(k, b.Root, 0x20);                                      // Full: counted, with D
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x21, old, (CapRights)0x17, "copy"));
        var s = new Semaphore(k);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x20, s, CapRights.Full, "over"));
        Assert.False(old.Alive);
        Assert.Null(b.Root.Space[0x21]);
        Assert.Same(s, b.Root.Space[0x20]!.Object);
    }
}
