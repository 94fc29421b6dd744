using L4Conf.Model.Abi;
using L4Conf.Model.Kernel.Mem;

namespace L4Conf.Model.Machine;

/// <summary>
/// A task's hardware address space: the mapping database's leaf operations carried out on real page tables
/// (Fiasco's Mem_space over Pdir), and the memory bus its threads execute through.
/// </summary>
public sealed class MachineSpace : IMemSpace
{
    public PageTables Tables { get; }
    public PagedMemoryBus Bus { get; }

    public MachineSpace(PhysicalMemory mem)
    {
        Tables = new PageTables(mem);
        Bus = new PagedMemoryBus(Tables);
    }

    private static PageSize Size(int order) => order switch { 30 => PageSize.Size1G, 21 => PageSize.Size2M, _ => PageSize.Size4K };

    /// <summary>Cache type from the map item's bits: Set (0x10) with Normal 0x20 / Buffered 0x40 / Uncached 0x00 (abi-facts §3.3).</summary>
    private static CacheMode Cache(byte c) =>
        (c & 0x10) == 0 ? CacheMode.Cacheable : (c & 0x60) switch { 0x20 => CacheMode.Cacheable, 0x40 => CacheMode.Buffered, _ => CacheMode.Noncacheable };

    public void Insert(ulong va, ulong pa, int order, MemRights rights, byte cache, bool accessed = false, bool dirty = false)
    {
        // R is implied by presence; W from the W right; X unless NX (abi-facts §13.2).
        Tables.Map(va, pa, Size(order), (rights & MemRights.W) != 0, (rights & MemRights.X) != 0, true, Cache(cache), (accessed, dirty));
    }

    public (bool Accessed, bool Dirty) Peek(ulong va) => Tables.Lookup(va) is { } l ? (l.Accessed, l.Dirty) : (false, false);

    public (bool Accessed, bool Dirty) Remove(ulong va, int order)
    {
        var s = Tables.Unmap(va);
        return (s.Accessed, s.Dirty);
    }

    public (bool Accessed, bool Dirty) Protect(ulong va, int order, MemRights rights)
    {
        var s = Tables.Protect(va, (rights & MemRights.W) != 0, (rights & MemRights.X) != 0);
        return (s.Accessed, s.Dirty);
    }

    public void AddAccess(ulong va, int order, bool accessed, bool dirty) => Tables.AddAccessFlags(va, accessed, dirty);
}
