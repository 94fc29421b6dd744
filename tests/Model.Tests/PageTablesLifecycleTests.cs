using L4Conf.Model.Machine;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// PageTables beyond the walk: argument checks, accessed/dirty given at map time, Protect and AddAccessFlags bit by
/// bit, a large page replacing an empty table subtree (the tables are freed) or refusing a subtree with a leaf, and
/// destruction. Written for Stryker's survivors in PageTables.cs; the entry bits are the SDM's (Vol. 3 §4.5).
/// </summary>
public class PageTablesLifecycleTests
{
    private const ulong A = (ulong)PteBits.Referenced, D = (ulong)PteBits.Dirty, XD = (ulong)PteBits.XD, W = (ulong)PteBits.Writable;

    [Fact]
    public void Map_rejects_what_no_entry_can_say()
    {
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        var e = Assert.Throws<ArgumentException>(() => pt.Map(0x1000, 0x1800, PageSize.Size4K, true, true));
        Assert.Equal("va 0x1000 / pa 0x1800 not aligned to Size4K", e.Message);
        e = Assert.Throws<ArgumentException>(() => pt.Map(0x8000_0000_0000, 0x1000, PageSize.Size4K, true, true));
        Assert.Equal("va 0x800000000000 is not canonical", e.Message);
        e = Assert.Throws<ArgumentException>(() => pt.Map(0xFFFF_8000_0000_0000, 0x1000, PageSize.Size4K, true, true));
        Assert.Equal("user mapping 0xffff800000000000 Size4K reaches beyond User_max", e.Message);
        Assert.Equal(MapResult.Inserted, pt.Map(0xFFFF_8000_0000_0000, 0x1000, PageSize.Size4K, true, true, user: false));
        // The last frame below MAXPHYADDR maps, the next one does not.
        Assert.Equal(MapResult.Inserted, pt.Map(0x2000, mem.Limit - 0x1000, PageSize.Size4K, true, true));
        e = Assert.Throws<ArgumentException>(() => pt.Map(0x3000, mem.Limit, PageSize.Size4K, true, true));
        Assert.Equal($"pa 0x{mem.Limit:x} beyond MAXPHYADDR", e.Message);
        e = Assert.Throws<ArgumentException>(() => pt.Map(0x3000, 0x1000, PageSize.Size4K, true, true, cache: (CacheMode)0x08));
        Assert.Equal("cache mode 8", e.Message);
        Assert.Null(pt.Lookup(0x3000));
    }

    [Theory]
    [InlineData(false, false, 0UL)]
    [InlineData(true, false, A)]
    [InlineData(false, true, D)]
    [InlineData(true, true, A | D)]
    public void Map_takes_the_given_accessed_and_dirty_bits(bool a, bool d, ulong bits)
    {
        var pt = new PageTables(new PhysicalMemory());
        pt.Map(0x1000, 0x5000, PageSize.Size4K, true, true, accessDirty: (a, d));
        var l = pt.Lookup(0x1000)!.Value;
        Assert.Equal(bits, l.Entry & (A | D));
        Assert.Equal(0x5000UL, l.Pa);
        Assert.True(l.Writable);
        // Mapping the same page again without bits keeps them; with bits replaces them.
        Assert.Equal(MapResult.Unchanged, pt.Map(0x1000, 0x5000, PageSize.Size4K, true, true));
        Assert.Equal(bits, pt.Lookup(0x1000)!.Value.Entry & (A | D));
    }

    [Fact]
    public void Protect_keeps_XD_on_a_page_that_was_never_executable_and_AddAccessFlags_adds_only_what_it_is_told()
    {
        var pt = new PageTables(new PhysicalMemory());
        pt.Map(0x1000, 0x5000, PageSize.Size4K, writable: true, executable: false);
        var s = pt.Protect(0x1000, writable: true, executable: false);
        Assert.True(s.Existed);
        Assert.Equal(XD | W, pt.Lookup(0x1000)!.Value.Entry & (XD | W));
        Assert.True(pt.AddAccessFlags(0x1000, accessed: true, dirty: false));
        Assert.Equal(A, pt.Lookup(0x1000)!.Value.Entry & (A | D));
        Assert.True(pt.AddAccessFlags(0x1000, accessed: false, dirty: true));
        Assert.Equal(A | D, pt.Lookup(0x1000)!.Value.Entry & (A | D));
        Assert.False(pt.AddAccessFlags(0x9000, true, true));
    }

    [Fact]
    public void A_1GiB_page_frees_an_empty_table_subtree_and_refuses_one_with_a_leaf()
    {
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        const ulong Va = 0x40_0000_0000;
        pt.Map(Va + 0x20_1000, 0x5000, PageSize.Size4K, true, true);       // PML4, PDPT, PD, PT
        Assert.Equal(4, pt.TableCount);
        Assert.Equal(MapResult.Conflict, pt.Map(Va, 0x4000_0000, PageSize.Size1G, true, true));
        Assert.Equal(MapResult.Conflict, pt.Map(Va + 0x20_0000, 0x20_0000, PageSize.Size2M, true, true));
        Assert.Equal(4, pt.TableCount);
        pt.Unmap(Va + 0x20_1000);
        int frames = mem.AllocatedFrames;
        Assert.Equal(MapResult.Inserted, pt.Map(Va, 0x4000_0000, PageSize.Size1G, true, true));
        Assert.Equal(2, pt.TableCount);                                    // the PD and the PT are gone
        Assert.Equal(frames - 2, mem.AllocatedFrames);
        Assert.Equal(PageSize.Size1G, pt.Lookup(Va + 0x1234_5678)!.Value.Size);
    }

    [Fact]
    public void An_empty_page_table_is_judged_by_its_own_512_entries_only()
    {
        // Two page tables in consecutive frames (the allocator hands them out in order): the first empty, the second
        // with a leaf in its entry 0. A 2 MiB page over the first replaces it.
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        pt.Map(0x4000_5000, 0x5000, PageSize.Size4K, true, true);          // PDPT, PD, PT1
        ulong pt1 = pt.Lookup(0x4000_5000)!.Value.EntryAddress & ~0xFFFUL;
        pt.Map(0x4020_0000, 0x6000, PageSize.Size4K, true, true);          // PT2, entry 0
        Assert.Equal(pt1 + 0x1000, pt.Lookup(0x4020_0000)!.Value.EntryAddress);
        pt.Unmap(0x4000_5000);
        Assert.Equal(MapResult.Inserted, pt.Map(0x4000_0000, 0x20_0000, PageSize.Size2M, true, true));
        Assert.Equal(PageSize.Size2M, pt.Lookup(0x4000_5000)!.Value.Size);
        Assert.Equal(0x6000UL, pt.Lookup(0x4020_0000)!.Value.Pa);
    }

    [Fact]
    public void A_1GiB_page_frees_only_the_tables_of_its_own_subtree()
    {
        // The empty page directory it replaces is followed in memory by the next 1 GiB's page directory (the allocator
        // hands frames out in order), whose entry 0 points to a page table in use: that table is not the subtree's.
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        const ulong Va = 0x40_0000_0000, Next = Va + 0x4000_0000;
        pt.Map(Va, 0x20_0000, PageSize.Size2M, true, true);                 // PDPT, PD (a 2 MiB leaf in entry 0)
        pt.Map(Next, 0x6000, PageSize.Size4K, true, true);                  // PD' right after PD, PT'
        pt.Unmap(Va);
        Assert.Equal(5, pt.TableCount);
        int frames = mem.AllocatedFrames;
        Assert.Equal(MapResult.Inserted, pt.Map(Va, 0x4000_0000, PageSize.Size1G, true, true));
        Assert.Equal(4, pt.TableCount);                                    // only PD went
        Assert.Equal(frames - 1, mem.AllocatedFrames);
        Assert.Equal(0x6000UL, pt.Lookup(Next)!.Value.Pa);
    }

    [Fact]
    public void A_destroyed_space_frees_its_tables_once_and_refuses_everything()
    {
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        pt.Map(0x1000, 0x5000, PageSize.Size4K, true, true);
        int before = mem.AllocatedFrames;
        pt.Destroy();
        Assert.Equal(0, pt.TableCount);
        Assert.Equal(before - 4, mem.AllocatedFrames);
        ulong g = pt.Generation;
        pt.Destroy();
        Assert.Equal(g, pt.Generation);
        Assert.Throws<ObjectDisposedException>(() => pt.Map(0x2000, 0x6000, PageSize.Size4K, true, true));
        Assert.Throws<ObjectDisposedException>(() => pt.Unmap(0x1000));
        Assert.Throws<ObjectDisposedException>(() => pt.Protect(0x1000, false, false));
        Assert.Throws<ObjectDisposedException>(() => pt.AddAccessFlags(0x1000, true, true));
        Assert.Throws<ObjectDisposedException>(() => pt.Lookup(0x1000));
        Assert.Throws<ObjectDisposedException>(() => pt.Walk());
    }
}
