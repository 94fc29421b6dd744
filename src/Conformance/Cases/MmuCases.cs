using L4Conf.Conformance.Suite;
using L4Conf.Model.Machine;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>The MMU walk: each page-fault error-code bit, accessed/dirty, NX, large pages, canonical addresses (abi-facts §13).</summary>
public static class MmuCases
{
    private const ulong Va = 0x4000_0000;

    private static (PhysicalMemory Mem, PageTables T, PagedMemoryBus Bus) Space()
    {
        var mem = new PhysicalMemory(40, 0x1e12e000, 0x1ffdf000);
        var t = new PageTables(mem);
        return (mem, t, new PagedMemoryBus(t));
    }

    private static ulong Fault(IMemoryBus bus, ulong va, AccessKind kind)
    {
        bool ok = kind == AccessKind.Write ? bus.Write(va, new byte[1], out var trap) : bus.Read(va, new byte[1], kind, out trap);
        if (ok) throw new CaseFailure($"access {kind} at 0x{va:x} did not fault");
        if (trap.Vector != Vector.PageFault || trap.Cr2 != va) throw new CaseFailure($"expected #PF with CR2 0x{va:x}, got {trap}");
        return trap.ErrorCode;
    }

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("mmu/pfec-present", "P (0x1) is set only when the page was present and the access violated its rights", ["MMU-PFEC-P"], c =>
        {
            var (_, t, bus) = Space();
            c.Equal(0x4UL, Fault(bus, Va, AccessKind.Read), "read of a missing page: P clear");
            t.Map(Va, 0x2000, PageSize.Size4K, writable: false, executable: true);
            c.Equal(0x7UL, Fault(bus, Va, AccessKind.Write), "write to a present read-only page: P set");
        });
        yield return Case("mmu/pfec-write", "W (0x2) says the access was a write", ["MMU-PFEC-W"], c =>
        {
            var (_, _, bus) = Space();
            c.Equal(0x6UL, Fault(bus, Va, AccessKind.Write), "write to a missing page");
            c.Equal(0x4UL, Fault(bus, Va, AccessKind.Read), "read: W clear");
        });
        yield return Case("mmu/pfec-user", "U (0x4) is set for every user-mode access; a user access to a supervisor page is a protection fault (0x5)", ["MMU-PFEC-U"], c =>
        {
            var (_, t, bus) = Space();
            t.Map(Va, 0x2000, PageSize.Size4K, writable: true, executable: true, user: false);
            c.Equal(0x5UL, Fault(bus, Va, AccessKind.Read), "user read of a supervisor page");
        });
        yield return Case("mmu/pfec-reserved", "RSVD (0x8) with P for a reserved bit in a paging entry (a misaligned 2 MiB leaf)", ["MMU-PFEC-RSVD"], c =>
        {
            var (mem, t, bus) = Space();
            t.Map(Va, 0x20_0000, PageSize.Size2M, writable: true, executable: true);
            var leaf = t.Lookup(Va)!.Value;
            mem.WriteU64(leaf.EntryAddress, leaf.Entry | 0x2000);          // bit 13: reserved in a 2 MiB leaf
            t.Invalidate();
            c.Equal(0xDUL, Fault(bus, Va, AccessKind.Read), "read: P | U | RSVD");
            c.Equal(0x1DUL, Fault(bus, Va, AccessKind.Execute), "fetch: P | U | RSVD | I");
        });
        yield return Case("mmu/pfec-fetch", "I/D (0x10) marks an instruction fetch; a fetch from an NX page is 0x15", ["MMU-PFEC-ID", "MMU-NX-1"], c =>
        {
            var (_, t, bus) = Space();
            c.Equal(0x14UL, Fault(bus, Va, AccessKind.Execute), "fetch from a missing page");
            t.Map(Va, 0x2000, PageSize.Size4K, writable: true, executable: false);
            c.Equal(0x15UL, Fault(bus, Va, AccessKind.Execute), "fetch from an NX page");
            c.Equal(0x8000_0000_0000_0000UL, t.Lookup(Va)!.Value.Entry & 0x8000_0000_0000_0000UL, "NX is PTE bit 63");
        });
        yield return Case("mmu/accessed-dirty", "the walk sets A in every entry it uses and D in the leaf on a write; nothing on a fault", ["MMU-AD-1", "MMU-PTE-1"], c =>
        {
            var (mem, t, bus) = Space();
            t.Map(Va, 0x3000, PageSize.Size4K, writable: true, executable: true);
            var before = t.Lookup(Va)!.Value;
            c.Equal(0UL, before.Entry & 0x60, "fresh leaf: A and D clear");
            c.Equal(0x3000UL | 0x7, before.Entry, "leaf = pa | P | RW | U, no NX (executable)");
            c.True(bus.Read(Va, new byte[8], AccessKind.Read, out _), "read");
            c.Equal(0x20UL, t.Lookup(Va)!.Value.Entry & 0x60, "A set, D clear");
            c.True(bus.Write(Va, new byte[8], out _), "write");
            c.Equal(0x60UL, t.Lookup(Va)!.Value.Entry & 0x60, "A and D set");
            ulong pml4e = mem.ReadU64(t.Root + ((Va >> 39) & 0x1FF) * 8);
            c.Equal(0x27UL, pml4e & 0xFFF, "intermediate entry: P | RW | U, and A from the walk");
        });
        yield return Case("mmu/large-pages-and-canonical", "2 MiB and 1 GiB leaves translate with their offset; a non-canonical address is #GP(0) (#SS(0) for a stack reference), not #PF", ["MMU-SUPER-1", "MMU-CANON-1"], c =>
        {
            var (mem, t, bus) = Space();
            t.Map(0x4000_0000, 0x0, PageSize.Size1G, writable: true, executable: false);
            mem.WriteU64(0x1234_5678, 0x99);
            var b = new byte[8];
            c.True(bus.Read(0x4000_0000 + 0x1234_5678, b, AccessKind.Read, out _), "read through the 1 GiB leaf");
            c.Equal(0x99UL, BitConverter.ToUInt64(b), "offset inside the 1 GiB page");
            c.True(!bus.Read(0x0000_8000_0000_0000, b, AccessKind.Read, out var trap) && trap.Vector == Vector.GeneralProtection && trap.ErrorCode == 0,
                $"non-canonical: #GP(0), got {trap}");
            // The bus does not know the segment; the CPU turns it into #SS(0) for a stack reference.
            var code = new Iced.Intel.Assembler(64);
            code.push(Iced.Intel.AssemblerRegisters.rax);
            var ms = new MemoryStream();
            const ulong codeVa = 0x1000_0000; // outside the 1 GiB leaf above, which is not executable
            code.Assemble(new Iced.Intel.StreamCodeWriter(ms), codeVa);
            ulong frame = mem.AllocFrame();
            mem.Write(frame, ms.ToArray());
            t.Map(codeVa, frame, PageSize.Size4K, writable: false, executable: true);
            var s = new CpuState { Rip = codeVa };
            s.Rsp = 0x0000_8000_0000_0008;
            var r = new Cpu().Run(s, bus, 10);
            c.True(r.Kind == StopKind.Trap && r.Trap == new Trap(Vector.StackSegment, 0) && s.Rip == codeVa,
                $"push to 2^47: #SS(0) at the push, got {r.Kind} {r.Trap} at 0x{s.Rip:x}");
        });
    }
}
