namespace L4Conf.Reference.Sigma0;

/// <summary>
/// sigma0's resource maps (l4re sigma0/server/src/init_mem.cc, memmap.cc, mem_man.cc): RAM (first come, first
/// served, with rights) and I/O memory (shared, no owner checks), and the dump it prints at start.
/// </summary>
public sealed class MemoryOwners
{
    public ResourceMap Ram { get; } = new();
    public ResourceMap IoMem { get; } = new();
    /// <summary>The 65536 I/O ports, kept shifted left by 12 (ioports_x86.cc PORT_SHIFT), free and RW at start.</summary>
    public ResourceMap IoPorts { get; } = new();

    public MemoryOwners()
    {
        IoMem.AddFree(new Region(0, ulong.MaxValue, 0, Region.RW));
        IoPorts.AddFree(new Region(0, (0x10000UL << PortShift) - 1, 0, Region.RW));
    }

    public const int PortShift = 12;

    public bool IsRam(ulong lo, ulong size) => Ram.Find(lo, lo + size - 1) != null;
    public bool IsIo(ulong lo, ulong size) => IoMem.Find(lo, lo + size - 1) != null;
    public byte? IoRights(ulong lo, ulong size) => IoMem.Find(lo, lo + size - 1)?.Rights;
    public ulong? OwnerOf(ulong page) => Ram.Find(page, page + 0xFFF)?.Owner;

    /// <summary>SIGMA0_REQ_FPAGE_RAM: [lo, lo+size) inside one region that is free or the client's; it becomes the client's, RWX.</summary>
    public bool Take(ulong lo, ulong size, ulong client) => Ram.Alloc(lo, lo + size - 1, client);

    /// <summary>A page fault: the page is the client's if its region has the rights the access needs; returns the region's rights.</summary>
    public byte? TakeFault(ulong page, ulong client, byte need) => Ram.AllocGetRights(page, page + 0xFFF, client, need);

    /// <summary>An I/O page fault: ports [port, port + 2^order) for the client, first come, first served (ioports_x86.cc:32-45).</summary>
    public bool TakePorts(ulong port, int order, ulong client) =>
        IoPorts.Alloc(port << PortShift, (port << PortShift) + (1UL << (order + PortShift)) - 1, client, Region.RW);

    /// <summary>SIGMA0_REQ_FPAGE_ANY: the first free region's first naturally aligned block of 2^order bytes.</summary>
    public ulong? TakeAny(int order, ulong client) => Ram.AllocFirst(1UL << order, client);

    /// <summary>sigma0's start-up dump (memmap.cc dump_all, mem_man dump, ioports_x86.cc): RAM, IOMEM, IO PORTS.</summary>
    public IEnumerable<string> Dump()
    {
        yield return "RAM:------------------------";
        foreach (var r in Ram.Regions) yield return r.ToString();
        yield return "IOMEM:----------------------";
        foreach (var r in IoMem.Regions) yield return r.ToString();
        yield return "IO PORTS--------------------------";
        foreach (var r in IoPorts.Regions) yield return r.ToString();
    }
}
