using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using Xunit;
using KTask = L4Conf.Model.Kernel.Task;
using Semaphore = L4Conf.Model.Kernel.Semaphore;

namespace L4Conf.Tests;

/// <summary>
/// Which slots an object map or unmap reaches: only object fpages map objects, the map loop stops at the end of the
/// space on either side (map_util.cpp:555-560: `rcv_addr &lt; to_max &amp;&amp; snd_addr &lt; from_max`; CAP-MAP-6, MAP-WARN-1),
/// and an unmap fpage's index is masked to its order (map_util-objs.cpp:47-64; CAP-UNMAP-2).
/// </summary>
public class ObjMapDbRangeTests
{
    private static string Warn(KTask from, ulong start, ulong size, KTask to) =>
        $"\n\x1b[31mKERNEL\x1b[m: Warning: nothing mapped: (Obj_space) from [0x{from.Address + Kernel.SpaceOffset:x}]: " +
        $"{start:x16} size: {size:x16} to [0x{to.Address + Kernel.SpaceOffset:x}]\n";

    [Fact]
    public void A_memory_fpage_maps_no_objects()
    {
        // The object space only takes object fpages: a memory fpage whose address bits name occupied slots maps nothing
        // there (and says nothing: it is not an empty object map).
        var b = BootState.Create();
        var k = b.Kernel;
        var t = new KTask(k, null, Fpage.Invalid);
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0),
            k.MapObjects(b.Root, Fpage.Memory((ulong)InitialCap.Log << 12, 0, MemRights.RWX), t, 0x30, 0, false, CapRights.RWS));
        Assert.Equal(0, t.Space.Count);
        Assert.Equal("", k.Console.ToString()[before..]);
    }

    [Fact]
    public void A_destination_that_starts_at_the_space_end_maps_nothing_and_warns()
    {
        // Slot 65536 is the first beyond the space: the loop does not start, the sender's occupied slot is not even looked at.
        var b = BootState.Create();
        var k = b.Kernel;
        var t = new KTask(k, null, Fpage.Invalid);
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0),
            k.MapObjects(b.Root, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS), t, ObjectSpace.Slots, 0, false, CapRights.RWS));
        Assert.Equal(Warn(b.Root, (ulong)InitialCap.Log, 1, t), k.Console.ToString()[before..]);
        Assert.Equal(0, t.Space.Count);
        // One slot lower it is mapped.
        Assert.Equal(new Kernel.MapOutcome(false, 1),
            k.MapObjects(b.Root, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS), t, ObjectSpace.Slots - 1, 0, false, CapRights.RWS));
        Assert.Same(b.Log, t.Space[ObjectSpace.Slots - 1]!.Object);
    }

    [Fact]
    public void A_send_range_that_starts_at_the_space_end_warns_with_its_own_start()
    {
        // 256 slots from index 65536: the loop does not start, so START is the send base (not the end of a first
        // skipped 128-slot chunk).
        var b = BootState.Create();
        var k = b.Kernel;
        var t = new KTask(k, null, Fpage.Invalid);
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0),
            k.MapObjects(b.Root, Fpage.Obj(ObjectSpace.Slots << 12, 8, CapRights.RWS), t, 0x100, 0, false, CapRights.RWS));
        Assert.Equal(Warn(b.Root, ObjectSpace.Slots, 0x100, t), k.Console.ToString()[before..]);
    }

    [Fact]
    public void An_unmap_index_is_masked_to_the_fpage_order()
    {
        // Index 0x23 with order 1 is the pair 0x22..0x23, not 0x20..0x21.
        var b = BootState.Create();
        var k = b.Kernel;
        var s = Enumerable.Range(0x20, 4).Select(i =>
        {
            var x = new Semaphore(k);
            Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, (ulong)i, x, CapRights.Full, "test"));
            return x;
        }).ToArray();
        k.UnmapObjects(b.Root, Fpage.Obj(0x23 << 12, 1, CapRights.R), UnmapMask.AllSpaces);
        Assert.Equal(new[] { true, true, false, false }, s.Select(x => x.Alive));
        Assert.Equal(new[] { true, true, false, false }, Enumerable.Range(0x20, 4).Select(i => b.Root.Space[(ulong)i] != null));
    }
}
