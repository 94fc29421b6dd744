using L4Conf.Model.Machine;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// Accessed/Dirty after a successful walk (SDM Vol. 3 §4.8): a write sets Dirty in the leaf even when every entry
/// already has Accessed, and Dirty once set stays set. Written for Stryker's survivors in Mmu.Commit.
/// </summary>
public class MmuAccessTests
{
    private const ulong Va = 0x0000_1234_5678_9000, Pa = 0x0000_0000_0ABC_D000;
    private const ulong A = (ulong)PteBits.Referenced, D = (ulong)PteBits.Dirty;

    [Fact]
    public void A_write_after_a_read_sets_Dirty_in_the_leaf()
    {
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        pt.Map(Va, Pa, PageSize.Size4K, writable: true, executable: true);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Read, true, out _, out _));
        Assert.Equal(A, pt.Lookup(Va)!.Value.Entry & (A | D));
        Assert.True(Mmu.Probe(mem, pt.Root, Va, AccessKind.Write, true, out var t, out _));
        Assert.True(t.AllAccessed);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, true, out _, out _));
        Assert.Equal(A | D, pt.Lookup(Va)!.Value.Entry & (A | D));
    }

    [Fact]
    public void Dirty_stays_set_when_a_write_sets_Accessed()
    {
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        pt.Map(Va, Pa, PageSize.Size4K, writable: true, executable: true, accessDirty: (false, true));
        Assert.Equal(D, pt.Lookup(Va)!.Value.Entry & (A | D));
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, true, out _, out _));
        Assert.Equal(A | D, pt.Lookup(Va)!.Value.Entry & (A | D));
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Read, true, out _, out _));
        Assert.Equal(A | D, pt.Lookup(Va)!.Value.Entry & (A | D));
    }
    [Fact]
    public void A_reserved_bit_faults_with_RSVD_and_XD_in_two_levels_still_forbids_a_fetch()
    {
        // SDM Vol. 3 §4.7: a reserved bit gives P=1 and RSVD=1 (user read: 0xd); XD anywhere on the path denies a fetch (0x15).
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        pt.Map(Va, Pa, PageSize.Size4K, writable: true, executable: false);
        ulong pml4e = pt.Root + (ulong)Pte.Index(Va, 4) * 8;
        ulong e = mem.ReadU64(pml4e);
        mem.WriteU64(pml4e, e | (ulong)PteBits.XD);
        Assert.False(Mmu.Translate(mem, pt.Root, Va, AccessKind.Execute, true, out _, out var trap));
        Assert.Equal(0x15UL, trap.ErrorCode);
        mem.WriteU64(pml4e, e | (ulong)PteBits.Pse_bit);
        Assert.False(Mmu.Translate(mem, pt.Root, Va, AccessKind.Read, true, out _, out trap));
        Assert.Equal(0xDUL, trap.ErrorCode);
    }
}
