using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Mem;
using L4Conf.Model.Trace;
using Xunit;
using KTask = L4Conf.Model.Kernel.Task;

namespace L4Conf.Tests;

/// <summary>
/// The memory mapping database (Kernel.MapMemory/UnmapMemory) called directly on a booted kernel: sigma0's 1:1 roots,
/// rights intersection and upgrade, the hot spot, superpages and receiver page tables, grant, recursive unmap and the
/// accessed/dirty bits (clauses CAP-MEM-*, MEM-MAP-1..4, MEM-SUPER-1, MEM-UNMAP-*; fiasco map_util-mem.cpp, map_util.cpp).
/// A recording <see cref="IMemSpace"/> stands for the page tables.
/// </summary>
public class MemMapDbTests
{
    private sealed class Leaves : IMemSpace
    {
        public readonly Dictionary<ulong, (ulong Pa, int Order, MemRights Rights, byte Cache, bool A, bool D)> At = new();

        public void Insert(ulong va, ulong pa, int order, MemRights rights, byte cache, bool accessed = false, bool dirty = false) =>
            At[va] = (pa, order, rights, cache, accessed, dirty);
        public (bool Accessed, bool Dirty) Peek(ulong va) =>
            At.Where(l => va >= l.Key && va - l.Key < 1UL << l.Value.Order).Select(l => (l.Value.A, l.Value.D)).FirstOrDefault();
        public (bool Accessed, bool Dirty) Remove(ulong va, int order)
        {
            var l = At[va];
            At.Remove(va);
            return (l.A, l.D);
        }
        public (bool Accessed, bool Dirty) Protect(ulong va, int order, MemRights rights)
        {
            var l = At[va];
            At[va] = l with { Rights = rights, A = false, D = false };
            return (l.A, l.D);
        }
        public void AddAccess(ulong va, int order, bool accessed, bool dirty)
        {
            if (At.TryGetValue(va, out var l)) At[va] = l with { A = l.A | accessed, D = l.D | dirty };
        }
        public void Touch(ulong va, bool a, bool d) => At[va] = At[va] with { A = a, D = d };
    }

    private static (BootState B, Kernel K, KTask T) Boot()
    {
        var b = BootState.Create();
        var t = new KTask(b.Kernel, null, Fpage.Invalid);
        return (b, b.Kernel, t);
    }

    private static Kernel.MapOutcome Map(Kernel k, KTask src, ulong va, int order, MemRights r, KTask dst, ulong hot,
        bool grant = false, byte cache = 0, ulong rcvBase = 0, int rcvOrder = 47) =>
        k.MapMemory(src, Fpage.Memory(va, order, r), dst, hot, grant, cache, rcvBase, rcvOrder);

    private static string Warn(KTask from, ulong start, ulong size, KTask to) =>
        $"\n\x1b[31mKERNEL\x1b[m: Warning: nothing mapped: (Mem_space) from [0x{from.Address + Kernel.SpaceOffset:x}]: " +
        $"{start:x16} size: {size:x16} to [0x{to.Address + Kernel.SpaceOffset:x}]\n";

    [Fact]
    public void Sigma0_roots_are_made_up_one_to_one_as_large_as_the_range_allows()
    {
        var (b, k, t) = Boot();
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Sigma0, 0x20_0000, 21, MemRights.RWX, b.Root, 0x4000_0000));
        var root = k.FindMem(b.Sigma0, 0x21_2345)!;
        Assert.Equal((0x20_0000UL, 21, 0x20_0000UL, MemRights.RWX), (root.Va, root.Order, root.Pa, root.Rights));
        Assert.Null(root.Parent);
        var m = k.FindMem(b.Root, 0x401F_FFFF)!;
        Assert.Equal((0x4000_0000UL, 21, 0x20_0000UL, MemRights.RWX), (m.Va, m.Order, m.Pa, m.Rights));
        Assert.Same(root, m.Parent);
        Assert.Equal(new[] { m }, root.Derived);
        Assert.Null(k.FindMem(b.Root, 0x4020_0000));
        Assert.Null(k.FindMem(b.Root, 0x3FFF_FFFF));
        Assert.Equal(new MemMapped(b.Sigma0.DbgId, 0x20_0000, b.Root.DbgId, 0x4000_0000, 21, 7, "map"), k.Trace.Events[^1] with { Seq = 0 });
        // A 2 MiB-aligned 4 KiB request makes a 4 KiB root; a 4 MiB request two 2 MiB roots.
        Map(k, b.Sigma0, 0x40_0000, 12, MemRights.R, t, 0x40_0000);
        Assert.Equal(12, k.FindMem(b.Sigma0, 0x40_0000)!.Order);
        Assert.Null(k.FindMem(b.Sigma0, 0x40_1000));
        Assert.Equal(new Kernel.MapOutcome(false, 2), Map(k, b.Sigma0, 0x80_0000, 22, MemRights.RW, t, 0x80_0000));
        Assert.Equal(21, k.FindMem(b.Sigma0, 0xA0_0000)!.Order);
        Assert.Equal(MemRights.RW, k.FindMem(t, 0xBF_F000)!.Rights);
        // The root fabricated around an existing 4 KiB root at 0x40_0000: 4 KiB pages up to the next 2 MiB boundary.
        Map(k, b.Sigma0, 0x40_0000, 21, MemRights.RW, t, 0x100_0000);
        Assert.Equal(12, k.FindMem(b.Sigma0, 0x40_1000)!.Order);
        Assert.Equal(12, k.FindMem(b.Sigma0, 0x5F_F000)!.Order);
        Assert.Equal(0x5F_F000UL, k.FindMem(t, 0x11F_F000)!.Pa);
    }

    [Fact]
    public void Rights_are_intersected_and_a_second_map_of_the_same_page_upgrades()
    {
        var (b, k, t) = Boot();
        var leaves = new Leaves();
        t.MemSpace = leaves;
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.R, t, 0x1000_0000);
        var m = k.FindMem(t, 0x1000_0000)!;
        Assert.Equal(MemRights.R, m.Rights);
        Assert.Equal((0x30_0000UL, 12, MemRights.R, (byte)0, false, false), leaves.At[0x1000_0000]);
        leaves.Touch(0x1000_0000, true, true);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Sigma0, 0x30_0000, 12, MemRights.W, t, 0x1000_0000));
        Assert.Same(m, k.FindMem(t, 0x1000_0000));
        Assert.Equal(MemRights.RW, m.Rights);
        // Rebuilt with the source's accessed/dirty bits: sigma0's roots give none (sigma0_task.cpp:29-30).
        Assert.Equal((0x30_0000UL, 12, MemRights.RW, (byte)0, false, false), leaves.At[0x1000_0000]);
        // From t, the child gets what t's leaf says (v_lookup; MEM-MAP-3) and t's rights at most.
        var t2 = new KTask(k, null, Fpage.Invalid);
        var l2 = new Leaves();
        t2.MemSpace = l2;
        leaves.Touch(0x1000_0000, true, false);
        Map(k, t, 0x1000_0000, 12, MemRights.RWX, t2, 0x2000_0000);
        Assert.Equal((0x30_0000UL, 12, MemRights.RW, (byte)0, true, false), l2.At[0x2000_0000]);
        Assert.Same(m, k.FindMem(t2, 0x2000_0000)!.Parent);
    }

    [Fact]
    public void Orders_below_a_page_on_either_side_map_nothing()
    {
        // MEM-MAP-1: a silent no-op, no warning.
        var (b, k, t) = Boot();
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Sigma0, 0x30_0000, 11, MemRights.RW, t, 0x1000_0000));
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RW, t, 0x1000_0000, rcvOrder: 11));
        Assert.Equal(new Kernel.MapOutcome(false, 0), k.MapMemory(b.Sigma0, Fpage.Obj(0x30_0000, 12, CapRights.RW), t, 0x1000_0000, false, 0));
        Assert.Empty(t.Memory);
        Assert.Equal("", k.Console.ToString()[before..]);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RW, t, 0x1000_0000, rcvBase: 0x5000_0000, rcvOrder: 12));
        Assert.NotNull(k.FindMem(t, 0x5000_0000));
    }

    [Fact]
    public void Nothing_at_the_sender_is_an_empty_map_with_the_warning()
    {
        var (b, k, t) = Boot();
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.R, b.Root, 0x1000_0000);
        int before = k.Console.Length;
        Assert.Equal(new Kernel.MapOutcome(false, 0, true), Map(k, b.Root, 0x5000_0000, 13, MemRights.RW, t, 0x2000_0000));
        Assert.Equal(Warn(b.Root, 0x5_0000, 2, t), k.Console.ToString()[before..]);
        before = k.Console.Length;
        // A page whose rights lose everything counts as absent (map_util.cpp:491-493).
        Assert.Equal(new Kernel.MapOutcome(false, 0, true), Map(k, b.Root, 0x1000_0000, 12, MemRights.W | MemRights.X, t, 0x2000_0000));
        Assert.Equal(Warn(b.Root, 0x1_0000, 1, t), k.Console.ToString()[before..]);
        Assert.Empty(t.Memory);
    }

    [Fact]
    public void A_superpage_goes_in_4KiB_pieces_where_the_receiver_has_a_page_table()
    {
        // MEM-SUPER-1.
        var (b, k, t) = Boot();
        Map(k, b.Sigma0, 0x60_0000, 12, MemRights.RW, t, 0x4000_5000);        // t: a page table for 0x4000_0000..0x401F_FFFF
        Assert.Equal(new Kernel.MapOutcome(false, 512), Map(k, b.Sigma0, 0x20_0000, 21, MemRights.RW, t, 0x4000_0000));
        Assert.Equal(12, k.FindMem(t, 0x4000_0000)!.Order);
        Assert.Equal(0x20_4000UL, k.FindMem(t, 0x4000_4000)!.Pa);
        Assert.Equal(0x20_5000UL, k.FindMem(t, 0x4000_5000)!.Pa);            // the page in the way was replaced
        Assert.Equal(512, t.Memory.Count());
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Sigma0, 0x20_0000, 21, MemRights.RW, t, 0x4020_0000));
        Assert.Equal(21, k.FindMem(t, 0x4020_0000)!.Order);
    }

    [Fact]
    public void The_cache_type_is_the_items_only_with_its_set_bit()
    {
        var (b, k, t) = Boot();
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RW, t, 0x1000_0000, cache: 0x20);
        Map(k, b.Sigma0, 0x30_1000, 12, MemRights.RW, t, 0x1000_1000, cache: 0x30);
        Assert.Equal((byte)0, k.FindMem(t, 0x1000_0000)!.Cache);
        Assert.Equal((byte)0x30, k.FindMem(t, 0x1000_1000)!.Cache);
    }

    [Fact]
    public void Mapping_a_page_onto_itself_flushes_it_and_maps_nothing()
    {
        // MEM-MAP-4: the receiver's mapping in the way is the source: flushed with it.
        var (b, k, t) = Boot();
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RW, t, 0x1000_0000);
        Assert.Equal(new Kernel.MapOutcome(false, 0), Map(k, t, 0x1000_0000, 12, MemRights.RW, t, 0x1000_0000));
        Assert.Empty(t.Memory);
    }

    [Fact]
    public void Grant_moves_the_mapping_and_its_children_and_a_piece_of_a_superpage_is_mapped()
    {
        var (b, k, t) = Boot();
        var u = new KTask(k, null, Fpage.Invalid);
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RW, b.Root, 0x1000_0000);
        Map(k, b.Root, 0x1000_0000, 12, MemRights.R, u, 0x3000_0000);
        var child = k.FindMem(u, 0x3000_0000)!;
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x1000_0000, 12, MemRights.RW, t, 0x2000_0000, grant: true));
        Assert.Null(k.FindMem(b.Root, 0x1000_0000));
        var g = k.FindMem(t, 0x2000_0000)!;
        Assert.Equal((0x30_0000UL, MemRights.RW), (g.Pa, g.Rights));
        Assert.Same(k.FindMem(b.Sigma0, 0x30_0000), g.Parent);
        Assert.Same(g, child.Parent);
        Assert.Equal(new[] { child }, g.Derived);
        Assert.Equal(new MemMapped(b.Root.DbgId, 0x1000_0000, t.DbgId, 0x2000_0000, 12, 6, "grant"), k.Trace.Events[^1] with { Seq = 0 });
        // Granting 4 KiB of a 2 MiB page: the kernel warns and maps instead.
        Map(k, b.Sigma0, 0x60_0000, 21, MemRights.RW, b.Root, 0x4000_0000);
        Assert.Equal(21, k.FindMem(b.Root, 0x4000_0000)!.Order);
        int before = k.Console.Length;
        Map(k, b.Root, 0x4000_1000, 12, MemRights.RW, t, 0x5000_0000, grant: true);
        // map_util.cpp:610-615: WARN with both spaces and the page numbers (L4_PTR_FMT).
        Assert.Equal($"\n\x1b[31mKERNEL\x1b[m: Warning: XXX Can't GRANT page from superpage (0x{b.Root.Address + Kernel.SpaceOffset:x}: " +
            $"{0x40001UL:x16} -> 0x{t.Address + Kernel.SpaceOffset:x}: {0x50000UL:x16}), demoting to MAP\n", k.Console.ToString()[before..]);
        Assert.NotNull(k.FindMem(b.Root, 0x4000_0000));
        Assert.Equal(0x60_1000UL, k.FindMem(t, 0x5000_0000)!.Pa);
        Assert.Equal("map", ((MemMapped)k.Trace.Events[^1] with { Seq = 0 }).Cause);
    }

    [Fact]
    public void Unmap_revokes_from_descendants_and_with_the_self_bit_from_the_task()
    {
        var (b, k, t, u, lt, lu) = TaskAndChild();
        Map(k, b.Sigma0, 0x30_0000, 13, MemRights.RWX, t, 0x1000_0000);
        Map(k, t, 0x1000_0000, 13, MemRights.RWX, u, 0x2000_0000);
        Assert.Equal(2, u.Memory.Count());
        lu.Touch(0x2000_0000, true, true);
        lu.Touch(0x2000_1000, true, false);
        // W from the descendants only: u loses W, t keeps it; the bits come back and go into t's own page.
        Assert.Equal(3UL, k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 12, MemRights.W), UnmapMask.OtherSpaces));
        Assert.Equal(MemRights.RX, k.FindMem(u, 0x2000_0000)!.Rights);
        Assert.Equal(MemRights.RX, lu.At[0x2000_0000].Rights);
        Assert.Equal(MemRights.RWX, k.FindMem(u, 0x2000_1000)!.Rights);        // outside the fpage
        Assert.Equal(MemRights.RWX, k.FindMem(t, 0x1000_0000)!.Rights);
        Assert.Equal((true, true), (lt.At[0x1000_0000].A, lt.At[0x1000_0000].D));
        Assert.Equal((false, false), (lt.At[0x1000_1000].A, lt.At[0x1000_1000].D));
        // Taking W again from pages nobody touched since (their bits were collected): no bits come back.
        Assert.Equal(0UL, k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 12, MemRights.W), UnmapMask.OtherSpaces));
        // A query (rights 0) collects the bits and changes nothing.
        lu.Touch(0x2000_1000, false, true);
        Assert.Equal(2UL, k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 13, MemRights.None), UnmapMask.OtherSpaces));
        Assert.Equal(MemRights.RWX, k.FindMem(u, 0x2000_1000)!.Rights);
        // R removes the descendants; the self bit also the task's own pages.
        Assert.Equal(0UL, k.UnmapMemory(t, Fpage.Memory(0x1000_1000, 12, MemRights.R), UnmapMask.OtherSpaces));
        Assert.Null(k.FindMem(u, 0x2000_1000));
        Assert.NotNull(k.FindMem(u, 0x2000_0000));
        Assert.NotNull(k.FindMem(t, 0x1000_1000));
        lt.Touch(0x1000_0000, false, true);
        Assert.Equal(2UL, k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 12, MemRights.R), UnmapMask.AllSpaces));
        Assert.Null(k.FindMem(t, 0x1000_0000));
        Assert.Null(k.FindMem(u, 0x2000_0000));
        Assert.False(lu.At.ContainsKey(0x2000_0000));
        Assert.NotNull(k.FindMem(t, 0x1000_1000));
        Assert.Equal(new MemUnmapped(t.DbgId, 0x1000_0000, 12), k.Trace.Events[^1] with { Seq = 0 });
        // The all-spaces fpage covers the whole space with its own rights; a sub-page order does nothing.
        Assert.Equal(0UL, k.UnmapMemory(t, Fpage.Memory(0x1000_1000, 11, MemRights.R), UnmapMask.AllSpaces));
        Assert.NotNull(k.FindMem(t, 0x1000_1000));
        k.UnmapMemory(t, Fpage.All, UnmapMask.AllSpaces);
        Assert.NotNull(k.FindMem(t, 0x1000_1000));
        k.UnmapMemory(t, new Fpage(Fpage.All.Raw | 4), UnmapMask.AllSpaces);
        Assert.Empty(t.Memory);
    }
    [Fact]
    public void Sigma0_fabricates_no_root_below_the_request_nor_a_superpage_over_an_existing_root()
    {
        var (b, k, t) = Boot();
        Map(k, b.Sigma0, 0x40_5000, 12, MemRights.RW, t, 0x40_5000);
        Map(k, b.Sigma0, 0x40_0000, 21, MemRights.RW, t, 0x100_0000);
        Assert.Equal(12, k.FindMem(b.Sigma0, 0x40_0000)!.Order);           // 2 MiB would cover the root at 0x40_5000
        Assert.Null(k.FindMem(b.Sigma0, 0));
        Assert.Null(k.FindMem(b.Sigma0, 0x3F_F000));
        Assert.Equal(512, b.Sigma0.Memory.Count(m => m.Va >= 0x40_0000 && m.Va < 0x60_0000));
    }

    [Fact]
    public void A_sub_range_of_a_superpage_maps_4KiB_and_an_upgrade_ors_the_rights()
    {
        var (b, k, t) = Boot();
        Map(k, b.Sigma0, 0x20_0000, 21, MemRights.RWX, b.Root, 0x4000_0000);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, b.Root, 0x4000_0000, 12, MemRights.R, t, 0x6000_0000));
        Assert.Equal(12, k.FindMem(t, 0x6000_0000)!.Order);
        Assert.Null(k.FindMem(t, 0x6000_1000));
        Map(k, b.Root, 0x4000_0000, 12, MemRights.RW, t, 0x6000_0000);
        Assert.Equal(MemRights.RW, k.FindMem(t, 0x6000_0000)!.Rights);
        // Sigma0's own leaves give no accessed/dirty bits to what is mapped from them.
        var s0 = new Leaves();
        b.Sigma0.MemSpace = s0;
        Map(k, b.Sigma0, 0x70_0000, 12, MemRights.RW, b.Root, 0x5000_0000);
        s0.Touch(0x70_0000, true, true);
        var lt = new Leaves();
        t.MemSpace = lt;
        Map(k, b.Sigma0, 0x70_0000, 12, MemRights.RW, t, 0x5000_0000);
        Assert.Equal((false, false), (lt.At[0x5000_0000].A, lt.At[0x5000_0000].D));
    }

    [Fact]
    public void Unmapping_a_sub_range_revokes_only_the_children_in_it_and_collects_every_childs_bits()
    {
        var (b, k, t, u, lt, lu) = TaskAndChild();
        Map(k, b.Sigma0, 0x20_0000, 21, MemRights.RWX, t, 0x4000_0000);    // t: one 2 MiB page
        Map(k, t, 0x4000_1000, 12, MemRights.RWX, u, 0x7000_1000);
        Map(k, t, 0x4000_2000, 12, MemRights.RWX, u, 0x7000_2000);
        Map(k, t, 0x4000_3000, 12, MemRights.RWX, u, 0x7000_3000);
        lu.Touch(0x7000_1000, true, false);
        lu.Touch(0x7000_2000, true, true);
        lu.Touch(0x7000_3000, false, true);
        // W from the children in [0x4000_2000, 0x4000_3000) only.
        Assert.Equal(3UL, k.UnmapMemory(t, Fpage.Memory(0x4000_2000, 12, MemRights.W), UnmapMask.OtherSpaces));
        Assert.Equal(new[] { MemRights.RWX, MemRights.RX, MemRights.RWX }, new ulong[] { 0x7000_1000, 0x7000_2000, 0x7000_3000 }.Select(v => k.FindMem(u, v)!.Rights));
        // Both bits of two children each: OR, not XOR; only A of one child: A alone goes into t's page.
        lu.Touch(0x7000_2000, true, true);
        Assert.Equal(3UL, k.UnmapMemory(t, Fpage.Memory(0x4000_0000, 21, MemRights.None), UnmapMask.OtherSpaces));
        Assert.Equal((true, true), (lt.At[0x4000_0000].A, lt.At[0x4000_0000].D));
        lt.Touch(0x4000_0000, false, false);
        lu.Touch(0x7000_1000, true, false);
        Assert.Equal(1UL, k.UnmapMemory(t, Fpage.Memory(0x4000_0000, 21, MemRights.R), UnmapMask.OtherSpaces));
        Assert.Empty(u.Memory);
        Assert.Equal((true, false), (lt.At[0x4000_0000].A, lt.At[0x4000_0000].D));
        // The self bit with W: t's own page loses W and keeps X; its own bits come back.
        lt.Touch(0x4000_0000, true, true);
        Assert.Equal(3UL, k.UnmapMemory(t, Fpage.Memory(0x4000_0000, 21, MemRights.W), UnmapMask.AllSpaces));
        Assert.Equal(MemRights.RX, k.FindMem(t, 0x4000_0000)!.Rights);
        Assert.Equal(MemRights.RX, lt.At[0x4000_0000].Rights);
    }
    /// <summary>The booted kernel's task t and a fresh task u, each with its page leaves recorded.</summary>
    private static (BootState B, Kernel K, KTask T, KTask U, Leaves LT, Leaves LU) TaskAndChild()
    {
        var (b, k, t) = Boot();
        var u = new KTask(k, null, Fpage.Invalid);
        var (lt, lu) = (new Leaves(), new Leaves());
        (t.MemSpace, u.MemSpace) = (lt, lu);
        return (b, k, t, u, lt, lu);
    }

    /// <summary>sigma0 -> t (0x1000_0000) -> u (0x2000_0000) -> w (0x3000_0000 and 0x3000_1000): one page, three levels below sigma0.</summary>
    private static (Kernel K, KTask T, Leaves LU, Leaves LW) Tree()
    {
        var (b, k, t) = Boot();
        var u = new KTask(k, null, Fpage.Invalid);
        var w = new KTask(k, null, Fpage.Invalid);
        var (lt, lu, lw) = (new Leaves(), new Leaves(), new Leaves());
        (t.MemSpace, u.MemSpace, w.MemSpace) = (lt, lu, lw);
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RWX, t, 0x1000_0000);
        Map(k, t, 0x1000_0000, 12, MemRights.RWX, u, 0x2000_0000);
        Map(k, u, 0x2000_0000, 12, MemRights.RWX, w, 0x3000_0000);
        Map(k, u, 0x2000_0000, 12, MemRights.RWX, w, 0x3000_1000);
        return (k, t, lu, lw);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Unmap_collects_the_bits_of_grandchildren_and_ors_them_with_the_childs_own(bool full)
    {
        // MEM-UNMAP-3: the flushed rights of every mapping below the page come back, however deep (v_delete over the whole
        // subtree, map_util.cpp:900-926); bits seen twice are still set (OR).
        var rights = full ? MemRights.R : MemRights.W;
        ulong Unmap(KTask t, Kernel k) => k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 12, rights), UnmapMask.OtherSpaces);

        var (k, t, lu, lw) = Tree();
        lw.Touch(0x3000_0000, true, false);                                  // one grandchild: A
        Assert.Equal(1UL, Unmap(t, k));
        (k, t, lu, lw) = Tree();
        lw.Touch(0x3000_1000, false, true);                                  // the other: D
        Assert.Equal(2UL, Unmap(t, k));
        (k, t, lu, lw) = Tree();
        lw.Touch(0x3000_0000, true, true);                                   // both grandchildren: A and D each
        lw.Touch(0x3000_1000, true, true);
        Assert.Equal(3UL, Unmap(t, k));
        (k, t, lu, lw) = Tree();
        lu.Touch(0x2000_0000, true, true);                                   // a grandchild and the child itself
        lw.Touch(0x3000_1000, true, true);
        Assert.Equal(3UL, Unmap(t, k));
        if (full) Assert.Empty(lw.At);
        else Assert.All(lw.At.Values, l => Assert.Equal(MemRights.RX, l.Rights));
    }

    [Fact]
    public void Unmap_with_the_self_bit_ors_the_tasks_own_bits_with_its_childrens_and_over_its_pages()
    {
        // save_access_flags gets page_rights |= v_delete(own) | v_delete(children) (map_util.cpp:894-911); the answer ORs
        // every page's (flushed_rights |= page_rights).
        var (b, k, t, u, lt, lu) = TaskAndChild();
        Map(k, b.Sigma0, 0x30_0000, 13, MemRights.RWX, t, 0x1000_0000);
        Map(k, t, 0x1000_0000, 12, MemRights.RWX, u, 0x2000_0000);
        lt.Touch(0x1000_0000, true, true);
        lu.Touch(0x2000_0000, true, true);
        Assert.Equal(3UL, k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 12, MemRights.W), UnmapMask.AllSpaces));
        // Two of the task's own pages, both with A and D.
        lt.Touch(0x1000_0000, true, true);
        lt.Touch(0x1000_1000, true, true);
        Assert.Equal(3UL, k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 13, MemRights.R), UnmapMask.AllSpaces));
        Assert.Empty(t.Memory);
    }

    [Fact]
    public void A_source_page_that_an_earlier_pages_flush_removed_is_not_mapped()
    {
        // MEM-MAP-4 across pages: u's second page derives from t's page at the destination of u's first page; mapping
        // the first flushes t's page and with it u's second, which the real loop then finds absent (map_lookup_src).
        var (b, k, t) = Boot();
        var u = new KTask(k, null, Fpage.Invalid);
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RW, t, 0x1000_0000);
        Map(k, b.Sigma0, 0x40_0000, 12, MemRights.RW, u, 0x2000_0000);
        Map(k, t, 0x1000_0000, 12, MemRights.RW, u, 0x2000_1000);
        Assert.Equal(new Kernel.MapOutcome(false, 1), Map(k, u, 0x2000_0000, 13, MemRights.RW, t, 0x1000_0000));
        Assert.Equal(0x40_0000UL, k.FindMem(t, 0x1000_0000)!.Pa);
        Assert.Null(k.FindMem(t, 0x1000_1000));
        Assert.Null(k.FindMem(u, 0x2000_1000));
    }

    [Fact]
    public void Unmap_skips_a_page_of_the_task_that_an_earlier_page_took_with_it()
    {
        // t's page at 0x1000_1000 is mapped from its own page at 0x1000_0000: removing the first removes the second,
        // which the loop then finds gone (v_fabricate: no page) and leaves alone.
        var (b, k, t) = Boot();
        Map(k, b.Sigma0, 0x30_0000, 12, MemRights.RW, t, 0x1000_0000);
        Map(k, t, 0x1000_0000, 12, MemRights.RW, t, 0x1000_1000);
        Assert.Same(k.FindMem(t, 0x1000_0000), k.FindMem(t, 0x1000_1000)!.Parent);
        int n = k.Trace.Events.Count;
        Assert.Equal(0UL, k.UnmapMemory(t, Fpage.Memory(0x1000_0000, 13, MemRights.R), UnmapMask.AllSpaces));
        Assert.Empty(t.Memory);
        Assert.Equal(new[] { new MemUnmapped(t.DbgId, 0x1000_1000, 12), new MemUnmapped(t.DbgId, 0x1000_0000, 12) },
            k.Trace.Events.Skip(n).OfType<MemUnmapped>().Select(e => e with { Seq = 0 }));
    }
}
