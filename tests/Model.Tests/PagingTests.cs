using System.Buffers.Binary;
using L4Conf.Model.Machine;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// Simulated physical memory, x86-64 page tables as Fiasco writes them, and the MMU walk (abi-facts §13):
/// exact page-fault error codes, Accessed/Dirty like hardware, reserved bits, large pages, canonical addresses,
/// all-or-nothing accesses across pages, and the byte encoding of the tables.
/// </summary>
public class PagingTests
{
    // Indexes 0x24 / 0xd1 / 0xb3 / 0x189 at PML4 / PDPT / PD / PT: all different, all non-zero.
    private const ulong Va = 0x0000_1234_5678_9000;
    private const ulong Pa = 0x0000_0000_0ABC_D000;
    private const ulong Nx = 1UL << 63;
    private const ulong P = 0x1, RW = 0x2, U = 0x4, PWT = 0x8, PCD = 0x10, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;

    private static (PhysicalMemory Mem, PageTables Pt) Space()
    {
        var mem = new PhysicalMemory();
        return (mem, new PageTables(mem));
    }

    private static (PhysicalMemory Mem, PageTables Pt) Mapped(bool writable = true, bool executable = true, bool user = true, ulong va = Va, ulong pa = Pa)
    {
        var (mem, pt) = Space();
        Assert.Equal(MapResult.Inserted, pt.Map(va, pa, PageSize.Size4K, writable, executable, user));
        return (mem, pt);
    }

    /// <summary>Physical addresses of the entries a walk of <paramref name="va"/> reads, decoded by hand (shifts 39/30/21/12).</summary>
    private static List<ulong> EntryAddrs(PhysicalMemory mem, ulong cr3, ulong va)
    {
        var list = new List<ulong>();
        ulong table = cr3 & 0x000F_FFFF_FFFF_F000;
        foreach (int shift in new[] { 39, 30, 21, 12 })
        {
            ulong ea = table + ((va >> shift) & 0x1FF) * 8;
            list.Add(ea);
            ulong e = mem.ReadU64(ea);
            if ((e & P) == 0 || (shift != 39 && shift != 12 && (e & PS) != 0)) break;
            table = e & 0x000F_FFFF_FFFF_F000;
        }
        return list;
    }

    private static ulong[] Entries(PhysicalMemory mem, ulong cr3, ulong va) => EntryAddrs(mem, cr3, va).Select(mem.ReadU64).ToArray();

    private static Trap Fault(PhysicalMemory mem, PageTables pt, ulong va, AccessKind kind, bool user = true)
    {
        Assert.False(Mmu.Translate(mem, pt.Root, va, kind, user, out _, out var trap));
        return trap;
    }

    private static Trap PageFault(PhysicalMemory mem, PageTables pt, ulong va, AccessKind kind, bool user = true)
    {
        var trap = Fault(mem, pt, va, kind, user);
        Assert.Equal(Vector.PageFault, trap.Vector);
        Assert.Equal(va, trap.Cr2);
        return trap;
    }

    /// <summary>Sets <paramref name="bits"/> in the entry at walk depth <paramref name="depth"/> (0 = PML4E) by writing memory directly.</summary>
    private static void Poke(PhysicalMemory mem, PageTables pt, ulong va, int depth, ulong set, ulong clear = 0)
    {
        ulong ea = EntryAddrs(mem, pt.Root, va)[depth];
        mem.WriteU64(ea, (mem.ReadU64(ea) | set) & ~clear);
        pt.Invalidate();
    }

    // ---------------------------------------------------------------- page-fault error codes, one bit at a time

    [Fact]
    public void NotPresentRead_IsUserOnly_0x4()
    {
        var (mem, pt) = Space();
        Assert.Equal(0x4UL, PageFault(mem, pt, Va, AccessKind.Read).ErrorCode);            // PML4E not present
        pt.Map(Va + 0x1000, Pa, PageSize.Size4K, true, true);
        Assert.Equal(0x4UL, PageFault(mem, pt, Va + 0x123, AccessKind.Read).ErrorCode);    // tables exist, PTE not present
        Assert.Equal(Va + 0x123, PageFault(mem, pt, Va + 0x123, AccessKind.Read).Cr2);
    }

    [Fact]
    public void NotPresentWrite_AddsW_0x6()
    {
        var (mem, pt) = Space();
        Assert.Equal(0x6UL, PageFault(mem, pt, Va, AccessKind.Write).ErrorCode);
    }

    [Fact]
    public void NotPresentFetch_AddsInstrFetch_0x14()
    {
        var (mem, pt) = Space();
        Assert.Equal(0x14UL, PageFault(mem, pt, Va, AccessKind.Execute).ErrorCode);
    }

    [Fact]
    public void WriteToReadOnly_IsPresentWriteUser_0x7()
    {
        var (mem, pt) = Mapped(writable: false);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Read, true, out _, out _));
        Assert.Equal(0x7UL, PageFault(mem, pt, Va + 8, AccessKind.Write).ErrorCode);
    }

    [Fact]
    public void FetchFromNx_IsPresentUserFetch_0x15()
    {
        var (mem, pt) = Mapped(executable: false);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Read, true, out _, out _));
        Assert.Equal(0x15UL, PageFault(mem, pt, Va, AccessKind.Execute).ErrorCode);
    }

    [Fact]
    public void UserAccessToSupervisorPage_IsPresentUser_0x5()
    {
        var (mem, pt) = Mapped(user: false);
        Assert.Equal(0x5UL, PageFault(mem, pt, Va, AccessKind.Read).ErrorCode);
        Assert.Equal(0x7UL, PageFault(mem, pt, Va, AccessKind.Write).ErrorCode);
        Assert.Equal(0x15UL, PageFault(mem, pt, Va, AccessKind.Execute).ErrorCode);
        // The kernel itself may use it.
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, false, out var pa, out _));
        Assert.Equal(Pa, pa);
    }

    [Fact]
    public void ReservedBitInPde_IsRsvdWithPresent_0xD_Read_0x1D_Fetch_0xF_Write()
    {
        var (mem, pt) = Mapped();
        Poke(mem, pt, Va, depth: 2, set: 1UL << 45);   // above MAXPHYADDR = 40 in a non-leaf PDE
        Assert.Equal(0xDUL, PageFault(mem, pt, Va, AccessKind.Read).ErrorCode);
        Assert.Equal(0x1DUL, PageFault(mem, pt, Va, AccessKind.Execute).ErrorCode);
        Assert.Equal(0xFUL, PageFault(mem, pt, Va, AccessKind.Write).ErrorCode);
    }

    [Fact]
    public void SupervisorFaults_HaveNoUserBit()
    {
        var (mem, pt) = Mapped(writable: false, executable: false, user: false);
        Assert.Equal(0x3UL, PageFault(mem, pt, Va, AccessKind.Write, user: false).ErrorCode);    // CR0.WP = 1
        Assert.Equal(0x11UL, PageFault(mem, pt, Va, AccessKind.Execute, user: false).ErrorCode);
        Assert.Equal(0x0UL, PageFault(mem, pt, Va + 0x1000, AccessKind.Read, user: false).ErrorCode);
    }

    [Theory]
    [InlineData(AccessKind.Read, true, false, false, 0x04)]
    [InlineData(AccessKind.Write, true, false, false, 0x06)]
    [InlineData(AccessKind.Execute, true, false, false, 0x14)]
    [InlineData(AccessKind.Read, true, true, false, 0x05)]
    [InlineData(AccessKind.Write, true, true, false, 0x07)]
    [InlineData(AccessKind.Execute, true, true, false, 0x15)]
    [InlineData(AccessKind.Read, true, false, true, 0x0D)]
    [InlineData(AccessKind.Execute, true, true, true, 0x1D)]
    [InlineData(AccessKind.Read, false, false, false, 0x00)]
    [InlineData(AccessKind.Write, false, true, false, 0x03)]
    public void PageFaultCode_IsBuiltBitByBit(AccessKind kind, bool user, bool present, bool reserved, ulong expected) =>
        Assert.Equal(expected, Mmu.PageFaultCode(kind, user, present, reserved));

    [Fact]
    public void PfErrContractValues_AreTheHardwareBits()
    {
        Assert.Equal(0x01UL, (ulong)PfErr.Present);
        Assert.Equal(0x02UL, (ulong)PfErr.Write);
        Assert.Equal(0x04UL, (ulong)PfErr.User);
        Assert.Equal(0x08UL, (ulong)PfErr.Reserved);
        Assert.Equal(0x10UL, (ulong)PfErr.InstrFetch);
    }

    // ---------------------------------------------------------------- effective rights over all levels

    [Fact]
    public void UserBitClearInAnIntermediateEntry_DeniesUser_0x5()
    {
        var (mem, pt) = Mapped();
        Poke(mem, pt, Va, depth: 2, set: 0, clear: U);
        Assert.Equal(0x5UL, PageFault(mem, pt, Va, AccessKind.Read).ErrorCode);
    }

    [Fact]
    public void WritableClearInAnIntermediateEntry_DeniesWrite_0x7()
    {
        var (mem, pt) = Mapped();
        Poke(mem, pt, Va, depth: 1, set: 0, clear: RW);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Read, true, out _, out _));
        Assert.Equal(0x7UL, PageFault(mem, pt, Va, AccessKind.Write).ErrorCode);
    }

    [Fact]
    public void NxInAnIntermediateEntry_DeniesFetch_0x15_ButIsNotReserved()
    {
        var (mem, pt) = Mapped();
        Poke(mem, pt, Va, depth: 0, set: Nx);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, true, out _, out _));
        Assert.Equal(0x15UL, PageFault(mem, pt, Va, AccessKind.Execute).ErrorCode);
    }

    // ---------------------------------------------------------------- reserved bits

    [Fact]
    public void MaxPhysAddrIs40Bits_Bit39IsAddress_Bit40AndBit51AreReserved()
    {
        var (mem, pt) = Mapped();
        Assert.Equal(40, mem.MaxPhysAddrBits);
        Assert.Equal(0x000F_FF00_0000_0000UL, mem.ReservedAddressBits);
        Poke(mem, pt, Va, depth: 3, set: 1UL << 39);
        Assert.True(Mmu.Translate(mem, pt.Root, Va + 0x10, AccessKind.Read, true, out var pa, out _));
        Assert.Equal((1UL << 39) | Pa | 0x10, pa);
        foreach (int bit in new[] { 40, 47, 51 })
        {
            var (m2, p2) = Mapped();
            Poke(m2, p2, Va, depth: 3, set: 1UL << bit);
            Assert.Equal(0xDUL, PageFault(m2, p2, Va, AccessKind.Read).ErrorCode);
        }
    }

    [Fact]
    public void Bits52To62_AreIgnored_NotReserved()
    {
        var (mem, pt) = Mapped();
        for (int depth = 0; depth < 4; depth++) Poke(mem, pt, Va, depth, set: 0x7FF0_0000_0000_0000);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, true, out var pa, out _));
        Assert.Equal(Pa, pa);
    }

    [Fact]
    public void PsInPml4e_IsReserved()
    {
        var (mem, pt) = Mapped();
        Poke(mem, pt, Va, depth: 0, set: PS);
        Assert.Equal(0xDUL, PageFault(mem, pt, Va, AccessKind.Read).ErrorCode);
        Assert.Equal(0xFUL, PageFault(mem, pt, Va, AccessKind.Write).ErrorCode);
    }

    [Fact]
    public void ReservedBitInANotPresentEntry_IsJustNotPresent()
    {
        var (mem, pt) = Mapped();
        Poke(mem, pt, Va, depth: 3, set: 1UL << 45, clear: P);
        Assert.Equal(0x4UL, PageFault(mem, pt, Va, AccessKind.Read).ErrorCode);
    }

    [Fact]
    public void ReservedBit_WinsOverARightsViolation()
    {
        var (mem, pt) = Mapped(writable: false, executable: false);
        Poke(mem, pt, Va, depth: 1, set: 1UL << 44);
        Assert.Equal(0xFUL, PageFault(mem, pt, Va, AccessKind.Write).ErrorCode);
        Assert.Equal(0x1DUL, PageFault(mem, pt, Va, AccessKind.Execute).ErrorCode);
    }

    [Fact]
    public void Misaligned2MLeaf_Bits20To13_AreEachReserved_Bit12IsPat()
    {
        for (int bit = 13; bit <= 20; bit++)
        {
            var (mem, pt) = Space();
            pt.Map(0x4000_0000, 0x20_0000, PageSize.Size2M, true, true);
            Poke(mem, pt, 0x4000_0000, depth: 2, set: 1UL << bit);
            Assert.Equal(0xDUL, PageFault(mem, pt, 0x4000_0000, AccessKind.Read).ErrorCode);
            Assert.Equal(0x1DUL, PageFault(mem, pt, 0x4000_0000, AccessKind.Execute).ErrorCode);
        }
        var (m, p) = Space();
        p.Map(0x4000_0000, 0x20_0000, PageSize.Size2M, true, true);
        Poke(m, p, 0x4000_0000, depth: 2, set: 1UL << 12);   // PAT: not reserved, not an address bit
        Assert.True(Mmu.Translate(m, p.Root, 0x4000_0234, AccessKind.Read, true, out var pa, out _));
        Assert.Equal(0x20_0234UL, pa);
        Assert.Equal(0x20_0000UL, p.Lookup(0x4000_0000)!.Value.Pa);
    }

    [Fact]
    public void Misaligned1GLeaf_Bits29To13_AreReserved()
    {
        foreach (int bit in new[] { 13, 20, 21, 29 })
        {
            var (mem, pt) = Space();
            pt.Map(0x80_0000_0000, 0x4000_0000, PageSize.Size1G, true, true);
            Poke(mem, pt, 0x80_0000_0000, depth: 1, set: 1UL << bit);
            Assert.Equal(0xDUL, PageFault(mem, pt, 0x80_0000_0000, AccessKind.Read).ErrorCode);
        }
    }

    // ---------------------------------------------------------------- Accessed / Dirty

    [Fact]
    public void Read_SetsAccessedInPml4ePdptePdePte_AndNoDirty()
    {
        var (mem, pt) = Mapped();
        Assert.All(Entries(mem, pt.Root, Va), e => Assert.Equal(0UL, e & (A | D)));
        Assert.True(Mmu.Translate(mem, pt.Root, Va + 0x40, AccessKind.Read, true, out var pa, out _));
        Assert.Equal(Pa + 0x40, pa);
        var es = Entries(mem, pt.Root, Va);
        Assert.Equal(4, es.Length);
        Assert.All(es, e => Assert.Equal(A, e & (A | D)));
    }

    [Fact]
    public void Write_SetsDirtyInTheLeafOnly()
    {
        var (mem, pt) = Mapped();
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, true, out _, out _));
        var es = Entries(mem, pt.Root, Va);
        for (int i = 0; i < 3; i++) Assert.Equal(A, es[i] & (A | D));
        Assert.Equal(A | D, es[3] & (A | D));
    }

    [Fact]
    public void Fetch_SetsAccessedNotDirty()
    {
        var (mem, pt) = Mapped();
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Execute, true, out _, out _));
        Assert.All(Entries(mem, pt.Root, Va), e => Assert.Equal(A, e & (A | D)));
    }

    [Fact]
    public void Faults_ChangeNoAccessedOrDirtyBit_AndWriteNoMemory()
    {
        foreach (var (w, x, u, kind) in new[] { (false, true, true, AccessKind.Write), (true, false, true, AccessKind.Execute), (true, true, false, AccessKind.Read) })
        {
            var (mem, pt) = Mapped(writable: w, executable: x, user: u);
            var before = Entries(mem, pt.Root, Va);
            var versions = EntryAddrs(mem, pt.Root, Va).Select(mem.FrameVersion).ToArray();
            Assert.Equal(Vector.PageFault, Fault(mem, pt, Va, kind).Vector);
            Assert.Equal(before, Entries(mem, pt.Root, Va));
            Assert.Equal(versions, EntryAddrs(mem, pt.Root, Va).Select(mem.FrameVersion).ToArray());
        }
        // Not present at the PTE: the upper entries were used by the walk but are not marked either.
        var (m2, p2) = Mapped();
        Assert.Equal(0x4UL, PageFault(m2, p2, Va + 0x1000, AccessKind.Read).ErrorCode);
        Assert.All(Entries(m2, p2.Root, Va), e => Assert.Equal(0UL, e & A));
    }

    [Fact]
    public void AccessedAlreadySet_IsNotRewritten()
    {
        var (mem, pt) = Mapped();
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, true, out _, out _));
        var versions = EntryAddrs(mem, pt.Root, Va).Select(mem.FrameVersion).ToArray();
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Write, true, out _, out _));
        Assert.Equal(versions, EntryAddrs(mem, pt.Root, Va).Select(mem.FrameVersion).ToArray());
    }

    // ---------------------------------------------------------------- large pages

    [Fact]
    public void TwoMiBLeaf_TranslatesWithA21BitOffset_AndSetsAdInThePde()
    {
        var (mem, pt) = Space();
        const ulong leafPa = 0x12_3460_0000;
        Assert.Equal(MapResult.Inserted, pt.Map(0x7F_FFE0_0000, leafPa, PageSize.Size2M, true, true));
        Assert.True(Mmu.Translate(mem, pt.Root, 0x7F_FFF2_3456, AccessKind.Write, true, out var pa, out _));
        Assert.Equal(leafPa + 0x12_3456, pa);
        var es = Entries(mem, pt.Root, 0x7F_FFE0_0000);
        Assert.Equal(3, es.Length);
        Assert.Equal(leafPa | P | RW | U | A | D | PS, es[2]);
        Assert.Equal(A, es[0] & (A | D));
        Assert.Equal(A, es[1] & (A | D));
    }

    [Fact]
    public void OneGiBLeaf_TranslatesWithA30BitOffset()
    {
        var (mem, pt) = Space();
        Assert.Equal(MapResult.Inserted, pt.Map(0x40_0000_0000, 0xC0_0000_0000, PageSize.Size1G, false, false));
        Assert.True(Mmu.Translate(mem, pt.Root, 0x40_3FFF_FFF8, AccessKind.Read, true, out var pa, out _));
        Assert.Equal(0xC0_3FFF_FFF8UL, pa);
        var es = Entries(mem, pt.Root, 0x40_0000_0000);
        Assert.Equal(2, es.Length);
        Assert.Equal(0xC0_0000_0000UL | P | U | A | PS | Nx, es[1]);
        Assert.Equal(0x7UL, PageFault(mem, pt, 0x40_0000_1000, AccessKind.Write).ErrorCode);
    }

    // ---------------------------------------------------------------- canonical addresses

    [Fact]
    public void NonCanonical_IsGp0_WithNoCr2()
    {
        var (mem, pt) = Mapped();
        foreach (ulong va in new[] { 0x0000_8000_0000_0000UL, 0xFFFF_7FFF_FFFF_FFFFUL, 0x0001_0000_0000_0000UL, 0x8000_0000_0000_0000UL })
        {
            var trap = Fault(mem, pt, va, AccessKind.Read);
            Assert.Equal(new Trap(Vector.GeneralProtection, 0, 0), trap);
        }
        // Canonical kernel-half addresses are walked: not mapped ⇒ #PF.
        Assert.Equal(0x4UL, PageFault(mem, pt, 0xFFFF_8000_0000_0000, AccessKind.Read).ErrorCode);
        Assert.Equal(0x4UL, PageFault(mem, pt, 0x0000_7FFF_FFFF_FFFF, AccessKind.Read).ErrorCode);
    }

    [Fact]
    public void BusAccess_RunningIntoTheNonCanonicalHole_IsGp0()
    {
        var (_, pt) = Space();
        pt.Map(0x7FFF_FFFF_F000, Pa, PageSize.Size4K, true, true);
        var bus = new PagedMemoryBus(pt);
        Assert.False(bus.Read(0x7FFF_FFFF_FFFC, new byte[8], AccessKind.Read, out var trap));
        Assert.Equal(new Trap(Vector.GeneralProtection, 0, 0), trap);
        Assert.True(bus.Read(0x7FFF_FFFF_FFF8, new byte[8], AccessKind.Read, out _));
        // The canonical check of the whole access comes before paging: #GP even though the first page is not mapped.
        pt.Unmap(0x7FFF_FFFF_F000);
        Assert.False(bus.Write(0x7FFF_FFFF_FFFC, new byte[8], out trap));
        Assert.Equal(new Trap(Vector.GeneralProtection, 0, 0), trap);
    }

    // ---------------------------------------------------------------- the memory bus: pages crossed, all or nothing

    [Fact]
    public void WriteCrossingIntoAnUnmappedPage_FaultsAtThatPage_AndWritesNothing()
    {
        var (mem, pt) = Mapped();
        var bus = new PagedMemoryBus(pt);
        var before = Entries(mem, pt.Root, Va);
        ulong version = mem.FrameVersion(Pa);
        Assert.False(bus.Write(Va + 0xFFC, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, out var trap));
        Assert.Equal(new Trap(Vector.PageFault, 0x6, Va + 0x1000), trap);
        var got = new byte[4];
        mem.Read(Pa + 0xFFC, got);
        Assert.Equal(new byte[4], got);
        Assert.Equal(version, mem.FrameVersion(Pa));
        Assert.Equal(before, Entries(mem, pt.Root, Va));     // not even A on the first page
    }

    [Fact]
    public void ReadStartingInAnUnmappedPage_HasCr2AtTheAccessAddress()
    {
        var (_, pt) = Mapped(va: Va + 0x1000);
        var bus = new PagedMemoryBus(pt);
        Assert.False(bus.Read(Va + 0xFFA, new byte[8], AccessKind.Read, out var trap));
        Assert.Equal(new Trap(Vector.PageFault, 0x4, Va + 0xFFA), trap);
    }

    [Fact]
    public void CrossingIntoAReadOnlyPage_WriteFaults0x7_AtThatPage()
    {
        var (mem, pt) = Mapped();
        pt.Map(Va + 0x1000, Pa + 0x5000, PageSize.Size4K, writable: false, executable: true);
        var bus = new PagedMemoryBus(pt);
        Assert.False(bus.Write(Va + 0xFFF, new byte[2] { 9, 9 }, out var trap));
        Assert.Equal(new Trap(Vector.PageFault, 0x7, Va + 0x1000), trap);
        Assert.Equal(0UL, mem.ReadU64(Pa + 0xFF8));
    }

    [Fact]
    public void AccessAcrossTwoMappedPages_SplitsAtTheBoundary()
    {
        var (mem, pt) = Mapped();
        pt.Map(Va + 0x1000, Pa + 0x7000, PageSize.Size4K, true, true);   // not physically contiguous
        var bus = new PagedMemoryBus(pt);
        Assert.True(bus.Write(Va + 0xFFD, new byte[] { 1, 2, 3, 4, 5, 6 }, out _));
        var lo = new byte[3]; var hi = new byte[3];
        mem.Read(Pa + 0xFFD, lo);
        mem.Read(Pa + 0x7000, hi);
        Assert.Equal(new byte[] { 1, 2, 3 }, lo);
        Assert.Equal(new byte[] { 4, 5, 6 }, hi);
        var back = new byte[6];
        Assert.True(bus.Read(Va + 0xFFD, back, AccessKind.Read, out _));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, back);
        Assert.Equal(A | D, Entries(mem, pt.Root, Va)[3] & (A | D));
        Assert.Equal(A | D, Entries(mem, pt.Root, Va + 0x1000)[3] & (A | D));
    }

    [Fact]
    public void BusFetch_FromNxPage_Is0x15()
    {
        var (_, pt) = Mapped(executable: false);
        var bus = new PagedMemoryBus(pt);
        Assert.True(bus.Read(Va, new byte[4], AccessKind.Read, out _));       // fills the TLB
        Assert.False(bus.Read(Va, new byte[4], AccessKind.Execute, out var trap));
        Assert.Equal(new Trap(Vector.PageFault, 0x15, Va), trap);
    }

    // ---------------------------------------------------------------- Unmap / Protect / Map

    [Fact]
    public void Unmap_ReturnsAccessedDirty_AndRemovesTheTranslation()
    {
        var (mem, pt) = Mapped();
        var bus = new PagedMemoryBus(pt);
        Assert.True(bus.Write(Va + 0x10, new byte[] { 0xAB }, out _));
        Assert.Equal(new LeafStatus(true, true, true, PageSize.Size4K, Pa), pt.Unmap(Va + 0x123));
        Assert.Null(pt.Lookup(Va));
        Assert.Equal(0UL, mem.ReadU64(EntryAddrs(mem, pt.Root, Va)[3]));
        Assert.False(bus.Read(Va + 0x10, new byte[1], AccessKind.Read, out var trap));   // the TLB entry is gone too
        Assert.Equal(new Trap(Vector.PageFault, 0x4, Va + 0x10), trap);
        Assert.False(pt.Unmap(Va).Existed);
    }

    [Fact]
    public void Unmap_AfterReadOnly_ReportsAccessedNotDirty_AndLargeSize()
    {
        var (mem, pt) = Space();
        pt.Map(0x20_0000, 0x60_0000, PageSize.Size2M, true, false);
        Assert.True(Mmu.Translate(mem, pt.Root, 0x3F_FFFF, AccessKind.Read, true, out _, out _));
        Assert.Equal(new LeafStatus(true, true, false, PageSize.Size2M, 0x60_0000), pt.Unmap(0x2A_0000));
    }

    [Fact]
    public void ProtectReadOnly_ThenWrite_Is0x7_AndReturnsAndClearsAd()
    {
        var (mem, pt) = Mapped();
        var bus = new PagedMemoryBus(pt);
        Assert.True(bus.Write(Va, new byte[8], out _));                       // TLB holds a writable, dirty entry
        Assert.Equal(new LeafStatus(true, true, true, PageSize.Size4K, Pa), pt.Protect(Va, writable: false, executable: true));
        Assert.Equal(Pa | P | U, Entries(mem, pt.Root, Va)[3]);
        Assert.False(bus.Write(Va, new byte[8], out var trap));
        Assert.Equal(new Trap(Vector.PageFault, 0x7, Va), trap);
        Assert.True(bus.Read(Va, new byte[8], AccessKind.Execute, out _));
    }

    [Fact]
    public void ProtectNotExecutable_SetsBit63_AndNeverAddsRights()
    {
        var (mem, pt) = Mapped(writable: false);
        pt.Protect(Va, writable: true, executable: false);
        Assert.Equal(Pa | P | U | Nx, Entries(mem, pt.Root, Va)[3]);
        Assert.Equal(0x15UL, PageFault(mem, pt, Va, AccessKind.Execute).ErrorCode);
        Assert.Equal(0x7UL, PageFault(mem, pt, Va, AccessKind.Write).ErrorCode);
    }

    [Fact]
    public void Map_SamePageAgain_UpdatesKeepingAd_OtherPagesConflict()
    {
        var (mem, pt) = Mapped(writable: false);
        Assert.True(Mmu.Translate(mem, pt.Root, Va, AccessKind.Read, true, out _, out _));
        Assert.Equal(MapResult.Unchanged, pt.Map(Va, Pa, PageSize.Size4K, false, true));
        Assert.Equal(MapResult.Updated, pt.Map(Va, Pa, PageSize.Size4K, true, true));
        Assert.Equal(Pa | P | RW | U | A, Entries(mem, pt.Root, Va)[3]);
        Assert.Equal(MapResult.Conflict, pt.Map(Va, Pa + 0x1000, PageSize.Size4K, true, true));
        Assert.Equal(MapResult.Conflict, pt.Map(Va & ~0x1F_FFFFUL, 0x40_0000, PageSize.Size2M, true, true));   // 4K leaf below
        pt.Map(0x40_0000, 0x40_0000, PageSize.Size2M, true, true);
        Assert.Equal(MapResult.Conflict, pt.Map(0x40_1000, 0x1000, PageSize.Size4K, true, true));              // 2M leaf above
        Assert.Equal(Pa | P | RW | U | A, Entries(mem, pt.Root, Va)[3]);
    }

    [Fact]
    public void LargeLeafOverAnEmptyTable_ReclaimsTheTable()
    {
        var (mem, pt) = Space();
        pt.Map(0x40_1000, 0x1000, PageSize.Size4K, true, true);
        Assert.Equal(4, pt.TableCount);
        int allocated = mem.AllocatedFrames;
        pt.Unmap(0x40_1000);
        Assert.Equal(4, pt.TableCount);                                    // empty tables stay, as in Fiasco
        Assert.Equal(MapResult.Inserted, pt.Map(0x40_0000, 0x80_0000, PageSize.Size2M, true, true));
        Assert.Equal(3, pt.TableCount);
        Assert.Equal(allocated - 1, mem.AllocatedFrames);
        pt.Destroy();
        Assert.Equal(allocated - 4, mem.AllocatedFrames);
    }

    [Fact]
    public void AddAccessFlags_OrsIntoTheLeaf_WithoutChangingTheGeneration()
    {
        var (mem, pt) = Mapped();
        ulong gen = pt.Generation;
        Assert.True(pt.AddAccessFlags(Va + 0x800, accessed: false, dirty: true));
        Assert.Equal(Pa | P | RW | U | D, Entries(mem, pt.Root, Va)[3]);
        Assert.True(pt.AddAccessFlags(Va, accessed: true, dirty: false));
        Assert.Equal(Pa | P | RW | U | A | D, Entries(mem, pt.Root, Va)[3]);
        Assert.Equal(gen, pt.Generation);
        Assert.False(pt.AddAccessFlags(Va + 0x1000, true, true));
    }

    [Fact]
    public void Map_RejectsMisalignedAndNonUserAddresses()
    {
        var (_, pt) = Space();
        Assert.Throws<ArgumentException>(() => pt.Map(0x1800, Pa, PageSize.Size4K, true, true));
        Assert.Throws<ArgumentException>(() => pt.Map(0x20_0000, 0x1000, PageSize.Size2M, true, true));
        Assert.Throws<ArgumentException>(() => pt.Map(0xFFFF_8000_0000_0000, Pa, PageSize.Size4K, true, true));
        Assert.Throws<ArgumentException>(() => pt.Map(0x1000, 1UL << 40, PageSize.Size4K, true, true));
        Assert.Equal(MapResult.Inserted, pt.Map(0xFFFF_8000_0000_0000, Pa, PageSize.Size4K, true, true, user: false));
    }

    [Fact]
    public void Walk_ListsEveryUserLeafInOrder_AndLookupFindsThem()
    {
        var (_, pt) = Space();
        pt.Map(0x7F_FFFF_F000, 0x3000, PageSize.Size4K, true, false);
        pt.Map(0x1000, 0x2000, PageSize.Size4K, false, true);
        pt.Map(0x40_0000_0000, 0x4000_0000, PageSize.Size1G, true, true);
        pt.Map(0x20_0000, 0x40_0000, PageSize.Size2M, true, true);
        pt.Map(0xFFFF_8000_0000_0000, 0x5000, PageSize.Size4K, true, true, user: false);   // kernel half: not listed
        var leaves = pt.Walk();
        Assert.Equal(new ulong[] { 0x1000UL, 0x20_0000, 0x40_0000_0000, 0x7F_FFFF_F000 }, leaves.Select(l => l.Va));
        Assert.Equal(new ulong[] { 0x2000UL, 0x40_0000, 0x4000_0000, 0x3000 }, leaves.Select(l => l.Pa));
        Assert.Equal(new[] { PageSize.Size4K, PageSize.Size2M, PageSize.Size1G, PageSize.Size4K }, leaves.Select(l => l.Size));
        Assert.Equal(new[] { false, true, true, true }, leaves.Select(l => l.Writable));
        Assert.Equal(new[] { true, true, true, false }, leaves.Select(l => l.Executable));
        var l2 = pt.Lookup(0x2A_BCDE);
        Assert.NotNull(l2);
        Assert.Equal(0x20_0000UL, l2.Value.Va);
        Assert.Equal(PageSize.Size2M, l2.Value.Size);
        Assert.Null(pt.Lookup(0x2000));
    }

    // ---------------------------------------------------------------- the bytes in memory

    [Fact]
    public void TableBytes_AreTheRealEncoding()
    {
        var (mem, pt) = Mapped(writable: true, executable: false);
        var addrs = EntryAddrs(mem, pt.Root, Va);
        Assert.Equal(pt.Root + 0x24 * 8, addrs[0]);
        ulong pml4e = mem.ReadU64(addrs[0]), pdpte = mem.ReadU64(addrs[1]), pde = mem.ReadU64(addrs[2]), pte = mem.ReadU64(addrs[3]);
        // Intermediate entries: table address | P | RW | U, nothing else.
        Assert.Equal(P | RW | U, pml4e & 0xFFF);
        Assert.Equal(P | RW | U, pdpte & 0xFFF);
        Assert.Equal(P | RW | U, pde & 0xFFF);
        Assert.Equal(0UL, (pml4e | pdpte | pde) & 0xFFF0_0000_0000_0000);
        Assert.Equal((pml4e & ~0xFFFUL) + 0xD1 * 8, addrs[1]);
        Assert.Equal((pdpte & ~0xFFFUL) + 0xB3 * 8, addrs[2]);
        Assert.Equal((pde & ~0xFFFUL) + 0x189 * 8, addrs[3]);
        // The leaf: XD (bit 63) because not executable, P | RW | U, no PS, no G.
        Assert.Equal(0x8000_0000_0ABC_D007UL, pte);
        // Little-endian bytes.
        var raw = new byte[8];
        mem.Read(addrs[3], raw);
        Assert.Equal(new byte[] { 0x07, 0xD0, 0xBC, 0x0A, 0, 0, 0, 0x80 }, raw);
        Assert.Equal(pte, BinaryPrimitives.ReadUInt64LittleEndian(raw));
    }

    [Fact]
    public void ExecutableLeaf_HasBit63Clear()
    {
        var (mem, pt) = Mapped(writable: false, executable: true);
        Assert.Equal(Pa | P | U, Entries(mem, pt.Root, Va)[3]);
        Assert.Equal(0UL, Entries(mem, pt.Root, Va)[3] & Nx);
    }

    [Fact]
    public void LeafEncoding_CacheModesKernelGlobalAndLargePages()
    {
        var (mem, pt) = Space();
        pt.Map(0x1000, 0x1000, PageSize.Size4K, true, true, cache: CacheMode.Buffered);
        pt.Map(0x2000, 0x2000, PageSize.Size4K, true, true, cache: CacheMode.Noncacheable);
        pt.Map(0x3000, 0x3000, PageSize.Size4K, false, false, user: false);
        pt.Map(0x40_0000, 0x60_0000, PageSize.Size2M, true, false);
        Assert.Equal(0x1000 | P | RW | U | PCD, Entries(mem, pt.Root, 0x1000)[3]);
        Assert.Equal(0x2000 | P | RW | U | PCD | PWT, Entries(mem, pt.Root, 0x2000)[3]);
        Assert.Equal(0x3000 | P | G | Nx, Entries(mem, pt.Root, 0x3000)[3]);
        Assert.Equal(0x60_0000 | P | RW | U | PS | Nx, Entries(mem, pt.Root, 0x40_0000)[2]);
        Assert.Equal(CacheMode.Noncacheable, pt.Lookup(0x2000)!.Value.Cache);
    }

    [Fact]
    public void PteBits_HaveTheHardwareValues()
    {
        Assert.Equal(new ulong[] { 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x8000_0000_0000_0000 },
            new[] { PteBits.Valid, PteBits.Writable, PteBits.User, PteBits.Write_through, PteBits.Noncacheable, PteBits.Referenced,
                    PteBits.Dirty, PteBits.Pse_bit, PteBits.Cpu_global, PteBits.L4_global, PteBits.XD }.Select(b => (ulong)b));
        Assert.Equal(P | RW | U, (ulong)Pte.Intermediate);
    }

    // ---------------------------------------------------------------- physical memory

    [Fact]
    public void PhysicalMemory_IsSparse_LittleEndian_AndVersionsEveryWrite()
    {
        var mem = new PhysicalMemory();
        Assert.Equal(0UL, mem.ReadU64(0x12_3458));
        Assert.Equal(0, mem.TouchedFrames);
        Assert.Equal(0UL, mem.FrameVersion(0x12_3000));
        mem.WriteU64(0x12_3FFC, 0x1122_3344_5566_7788);                // crosses into the next frame
        Assert.Equal(2, mem.TouchedFrames);
        Assert.Equal(0x5566_7788UL, mem.ReadU64(0x12_3FF8) >> 32);
        Assert.Equal(0x1122_3344UL, mem.ReadU64(0x12_4000));
        ulong v1 = mem.FrameVersion(0x12_3000);
        Assert.NotEqual(0UL, v1);
        mem.Write(0x12_3000, new byte[] { 0 });
        Assert.True(mem.FrameVersion(0x12_3000) > v1);
        Assert.Throws<ArgumentOutOfRangeException>(() => mem.ReadU64(1UL << 40));
    }

    [Fact]
    public void AllocFrame_ReturnsZeroedFramesFromTheRegion_AndReusesFreedOnes()
    {
        var mem = new PhysicalMemory(allocBase: 0x10_0000, allocLimit: 0x10_2000);
        ulong a = mem.AllocFrame(), b = mem.AllocFrame();
        Assert.Equal(0x10_0000UL, a);
        Assert.Equal(0x10_1000UL, b);
        Assert.Throws<InvalidOperationException>(() => mem.AllocFrame());
        mem.WriteU64(a + 0x800, ulong.MaxValue);
        mem.FreeFrame(a);
        Assert.Throws<InvalidOperationException>(() => mem.FreeFrame(a));
        Assert.Equal(a, mem.AllocFrame());
        Assert.Equal(0UL, mem.ReadU64(a + 0x800));
    }

    // ---------------------------------------------------------------- TLB and code versions

    [Fact]
    public void Tlb_RepeatedAccessesToAPageDoNotWalk_AndGenerationChangesForceAWalk()
    {
        var (_, pt) = Mapped();
        var bus = new PagedMemoryBus(pt);
        var buf = new byte[8];
        for (int i = 0; i < 100; i++) Assert.True(bus.Read(Va + (ulong)(i * 8), buf, AccessKind.Read, out _));
        Assert.Equal(1, bus.Walks);
        Assert.True(bus.Write(Va, buf, out _));          // clean leaf: walk again to set D
        Assert.True(bus.Write(Va + 8, buf, out _));
        Assert.Equal(2, bus.Walks);
        pt.Map(Va + 0x1000, Pa + 0x1000, PageSize.Size4K, true, true);
        Assert.True(bus.Read(Va, buf, AccessKind.Read, out _));
        Assert.Equal(3, bus.Walks);
        var noTlb = new PagedMemoryBus(pt, tlbEntries: 0);
        for (int i = 0; i < 10; i++) Assert.True(noTlb.Read(Va, buf, AccessKind.Read, out _));
        Assert.Equal(10, noTlb.Walks);
    }

    [Fact]
    public void CodeVersion_ChangesWithTheFrameBytesAndTheMapping_AndNothingElse()
    {
        var (mem, pt) = Mapped();
        var bus = new PagedMemoryBus(pt);
        ulong v0 = bus.CodeVersion(Va + 5);
        Assert.All(Entries(mem, pt.Root, Va), e => Assert.Equal(0UL, e & A));   // no A from asking
        Assert.True(bus.Read(Va, new byte[16], AccessKind.Execute, out _));
        Assert.Equal(v0, bus.CodeVersion(Va + 5));
        mem.Write(Pa + 0xF00, new byte[] { 0x90 });
        ulong v1 = bus.CodeVersion(Va);
        Assert.NotEqual(v0, v1);
        Assert.True(bus.Write(Va + 0x10, new byte[] { 0xC3 }, out _));
        ulong v2 = bus.CodeVersion(Va);
        Assert.NotEqual(v1, v2);
        Assert.True(bus.Write(Va + 0x11, new byte[] { 0xCC }, out _));      // through the TLB this time
        Assert.NotEqual(v2, bus.CodeVersion(Va));
        v2 = bus.CodeVersion(Va);
        pt.Unmap(Va);
        ulong v3 = bus.CodeVersion(Va);
        Assert.NotEqual(v2, v3);
        pt.Map(Va, Pa, PageSize.Size4K, true, true);
        Assert.NotEqual(v3, bus.CodeVersion(Va));
    }

    [Fact]
    public void CodeVersion_OfANonExecutablePage_IsTheGeneration_EvenWithItInTheTlb()
    {
        var (mem, pt) = Mapped();
        pt.Map(Va + 0x1000, Pa + 0x1000, PageSize.Size4K, writable: true, executable: false);
        var bus = new PagedMemoryBus(pt);
        mem.Write(Pa + 0x1000, new byte[] { 0x90 });                         // the frame's version moves past the generation
        Assert.True(bus.Read(Va + 0x1000, new byte[8], AccessKind.Read, out _));   // a TLB entry without execute
        Assert.Equal(pt.Generation, bus.CodeVersion(Va + 0x1000));
    }
}
