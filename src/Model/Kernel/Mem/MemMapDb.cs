using L4Conf.Model.Abi;
using L4Conf.Model.Kernel.Mem;
using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel;

/// <summary>
/// Memory flexpages in the hierarchical mapping database (fiasco src/kern/map_util-mem.cpp, mapdb.cpp; abi-facts §8.2):
/// every mapping has a parent, sigma0 owns the roots (physical memory is made up for it on demand, 1:1), unmap
/// revokes recursively from all descendants, a partial revoke takes away W or X, accessed/dirty bits are collected.
/// </summary>
public sealed partial class Kernel
{
    public const int PageOrder = 12, SuperOrder = 21;
    /// <summary>Mem_space::largest_page_size() of the captured CPU: 2 MiB pages, no 1 GiB pages (mem_space-ia32.cpp:507-517).</summary>
    public const int LargestPageOrder = SuperOrder;
    /// <summary>The page sizes of every space, largest first: the captured CPU has no 1 GiB pages (boot_hello.log; MEM-SUPER-1).</summary>
    private static readonly int[] Orders = [SuperOrder, PageOrder];

    /// <summary>sigma0's task: the owner of all physical memory (set at boot).</summary>
    public Task? Sigma0 { get; internal set; }

    /// <summary>The mapping of <paramref name="t"/> that covers <paramref name="va"/>, if any.</summary>
    public MemMapping? FindMem(Task t, ulong va)
    {
        foreach (var o in Orders)
            if (t.MemMappings.TryGetValue(va & ~((1UL << o) - 1), out var m) && m.Covers(va)) return m;
        return null;
    }

    /// <summary>All mappings of <paramref name="t"/> that overlap [lo, lo + size), in address order.</summary>
    private List<MemMapping> Overlapping(Task t, ulong lo, ulong size)
    {
        // Mappings are page-aligned and at least a page: one aligned page overlaps only the mapping covering it.
        // This keeps mapping page by page (every page fault) from scanning the whole space.
        if (size == 1UL << PageOrder && (lo & (size - 1)) == 0) return FindMem(t, lo) is { } m ? [m] : [];
        return t.MemMappings.Values.Where(m => m.Va < lo + size && lo < m.Va + m.Size).OrderBy(m => m.Va).ToList();
    }

    /// <summary>
    /// sigma0's view of physical memory: a root mapping 1:1 is made up when it is first needed, for any physical
    /// address (RAM or device memory), as large as the requested range allows (abi-facts §8.2, §10.1).
    /// </summary>
    private void FabricateSigma0(ulong lo, ulong size)
    {
        if (Sigma0 == null) return;
        ulong end = Math.Min(lo + size, 1UL << 40);
        for (ulong a = lo & ~0xFFFUL; a < end; )
        {
            if (FindMem(Sigma0, a) is { } m) { a = m.Va + m.Size; continue; }
            // The largest page that is aligned, inside the requested range, and does not overlap an existing root.
            int order = Orders.First(o => (a & ((1UL << o) - 1)) == 0 && a + (1UL << o) <= end
                && (o == PageOrder || Overlapping(Sigma0, a, 1UL << o).Count == 0));
            AddMem(new MemMapping(Sigma0, a, order, a, MemRights.RWX, 0, null));
            a += 1UL << order;
        }
    }

    private static bool IsSelfOrAncestor(MemMapping candidate, MemMapping m)
    {
        for (var p = m; p != null; p = p.Parent) if (p == candidate) return true;
        return false;
    }

    private void AddMem(MemMapping m, (bool A, bool D) ad = default)
    {
        m.Space.MemMappings[m.Va] = m;
        if (m.Order == PageOrder) m.Space.PageTableSlots.Add(m.Va >> SuperOrder);
        m.Parent?.Children.Add(m);
        m.Space.MemSpace?.Insert(m.Va, m.Pa, m.Order, m.Rights, m.Cache, ad.A, ad.D);
    }

    /// <summary>
    /// The accessed/dirty bits the source leaf gives a mapping made from it (v_lookup, mem_space-ia32.cpp:259-274; MEM-MAP-3);
    /// sigma0's fabricated roots give none (sigma0_task.cpp:29-30).
    /// </summary>
    private (bool A, bool D) SourceAccess(Task src, ulong sva) =>
        ReferenceEquals(src, Sigma0) ? default : src.MemSpace?.Peek(sva) ?? default;

    /// <summary>Removes a mapping and, first, everything derived from it; returns the accessed/dirty bits collected.</summary>
    private (bool A, bool D) RemoveMem(MemMapping m)
    {
        bool a = false, d = false;
        foreach (var c in m.Children.ToList()) { var (ca, cd) = RemoveMem(c); a |= ca; d |= cd; }
        m.Parent?.Children.Remove(m);
        m.Space.MemMappings.Remove(m.Va);
        if (m.Space.MemSpace is { } s) { var (pa, pd) = s.Remove(m.Va, m.Order); a |= pa; d |= pd; }
        if (Trace.Enabled) Trace.Add(new MemUnmapped(m.Space.DbgId, m.Va, m.Order));
        return (a, d);
    }

    /// <summary>Takes <paramref name="revoke"/> (W and/or X) from a mapping and everything derived from it.</summary>
    private (bool A, bool D) ProtectMem(MemMapping m, MemRights revoke)
    {
        bool a = false, d = false;
        foreach (var c in m.Children) { var (ca, cd) = ProtectMem(c, revoke); a |= ca; d |= cd; }
        // Every visited leaf gives up its accessed/dirty bits, whether or not its rights change (v_delete,
        // mem_space-ia32.cpp:283-303): rights 0 is a query (MEM-UNMAP-3).
        m.Rights &= ~revoke;
        if (m.Space.MemSpace is { } s) { var (pa, pd) = s.Protect(m.Va, m.Order, m.Rights); a |= pa; d |= pd; }
        return (a, d);
    }

    /// <summary>
    /// Maps (or grants) the memory named by <paramref name="fp"/> in <paramref name="src"/> into <paramref name="dst"/> through the
    /// receive window (base, order), placed by the hot spot (abi-facts §3.2). New rights = source rights AND fpage rights;
    /// an existing child of the same page is upgraded (rights OR-ed), anything else in the way is unmapped first (CAP-MEM-*).
    /// </summary>
    public MapOutcome MapMemory(Task src, Fpage fp, Task dst, ulong hotSpot, bool grant, byte cache, ulong rcvBase = 0, int rcvOrder = 47)
    {
        // An order below 12 on either side makes the item a silent no-op (map_util-mem.cpp:50-52; MEM-MAP-1).
        if (fp.Type != FpageType.Memory || fp.Order < PageOrder || rcvOrder < PageOrder) return new(false, 0);
        var (srcBase, dstBase, count) = Fpage.Place(fp.Address, Math.Min(fp.Order, 47), rcvBase, Math.Min(rcvOrder, 47), hotSpot);
        if (ReferenceEquals(src, Sigma0)) FabricateSigma0(srcBase, count);
        var req = (MemRights)(fp.Rights & 7);
        int mapped = 0;
        bool found = false;
        foreach (var m in Overlapping(src, srcBase, count))
        {
            ulong lo = Math.Max(m.Va, srcBase), hi = Math.Min(m.Va + m.Size, srcBase + count);
            if (!src.MemMappings.TryGetValue(m.Va, out var live) || live != m) continue;   // flushed by an earlier page (MEM-MAP-4)
            var rights = m.Rights & req;
            if (rights == MemRights.None) continue;                          // no rights left: as if absent (map_util.cpp:491-493)
            found = true;
            for (ulong sva = lo; sva < hi; )
            {
                ulong dva = dstBase + (sva - srcBase);
                // The largest size that fits both sides and the receiver's walk: where the receiver has a page table
                // (even an empty one), a superpage goes in 4 KiB pieces (map_util.cpp:594-606; MEM-SUPER-1).
                int order = Orders.First(o => o <= m.Order && (sva & ((1UL << o) - 1)) == 0 && (dva & ((1UL << o) - 1)) == 0 && sva + (1UL << o) <= hi
                    && (o == PageOrder || !dst.HasPageTable(dva)));
                if (grant && order < m.Order)
                {
                    // Less than the source's whole page: the grant becomes a map for the rest of the call (map_util.cpp:598-617).
                    KernelPrint($"\n\x1b[31mKERNEL\x1b[m: Warning: XXX Can't GRANT page from superpage (0x{src.Address + SpaceOffset:x}: " +
                        $"{sva >> PageOrder:x16} -> 0x{dst.Address + SpaceOffset:x}: {dva >> PageOrder:x16}), demoting to MAP\n");
                    grant = false;
                }
                ulong pa = m.Pa + (sva - m.Va);
                byte c = (cache & 0x10) != 0 ? cache : m.Cache;                    // "Set" bit: take the requested type
                var ad = SourceAccess(src, sva);
                if (FindMem(dst, dva) is { } old && old.Parent == m && old.Pa == pa && old.Order == order && !grant)
                {
                    old.Rights |= rights;                                           // upgrade: rebuilt with the source's A/D
                    dst.MemSpace?.Insert(old.Va, old.Pa, old.Order, old.Rights, old.Cache, ad.A, ad.D);
                }
                else
                {
                    var inWay = Overlapping(dst, dva, 1UL << order);
                    bool sourceGone = inWay.Any(o => IsSelfOrAncestor(o, m));
                    foreach (var o in inWay) RemoveMem(o);
                    // The receiver's mapping was the source or one of its ancestors: flushed with the source, nothing is
                    // mapped (map_util.cpp:678-693; MEM-MAP-4).
                    if (sourceGone) break;
                    if (grant && order == m.Order && m.Space.MemMappings.ContainsKey(m.Va))
                    {
                        // Grant: the new mapping takes the source's place; its children move with it.
                        var n = new MemMapping(dst, dva, order, pa, rights, c, m.Parent);
                        n.Children.AddRange(m.Children);
                        foreach (var ch in m.Children) ch.Parent = n;
                        m.Children.Clear();
                        RemoveMem(m);
                        AddMem(n, ad);
                    }
                    else AddMem(new MemMapping(dst, dva, order, pa, rights, c, m), ad);
                }
                if (Trace.Enabled) Trace.Add(new MemMapped(src.DbgId, sva, dst.DbgId, dva, order, (byte)rights, grant ? "grant" : "map"));
                mapped++;
                sva += 1UL << order;
            }
        }
        bool empty = !found && count > 0;
        if (empty) WarnNothingMapped("Mem_space", src, srcBase >> PageOrder, count >> PageOrder, dst);
        return new(false, mapped, empty);
    }

    /// <summary>
    /// Task::unmap of a memory fpage: for every page of the task in the range, revoke the fpage's rights from all
    /// descendants (R = remove them), and with the self bit also from the task itself (a larger page goes whole).
    /// Returns the accessed/dirty bits of what was removed or restricted (bit 0 referenced, bit 1 dirty).
    /// </summary>
    public ulong UnmapMemory(Task t, Fpage fp, UnmapMask mask)
    {
        // The all-spaces fpage unmaps memory over the whole space, with its own rights (map_util.cpp:456-457; MEM-UNMAP-1).
        if (fp.IsAllSpaces) fp = Fpage.Memory(0, 47, (MemRights)(fp.Rights & 7));
        if (fp.Type != FpageType.Memory || fp.Order < PageOrder) return 0;
        bool self = ((ulong)mask & (ulong)UnmapMask.AllSpaces) != 0;
        var rights = (MemRights)(fp.Rights & 7);
        bool full = (rights & MemRights.R) != 0;
        ulong size = 1UL << Math.Min(fp.Order, 47), lo = fp.Address & ~(size - 1);
        bool a = false, d = false;
        foreach (var m in Overlapping(t, lo, size))
        {
            if (!t.MemMappings.ContainsKey(m.Va)) continue;
            bool ma = false, md = false;            // this page's own descendants only
            foreach (var c in m.Children.Where(c => self || (c.Pa - m.Pa + m.Va < lo + size && lo < c.Pa - m.Pa + m.Va + c.Size)).ToList())
            {
                var (ca, cd) = full ? RemoveMem(c) : ProtectMem(c, rights & (MemRights.W | MemRights.X));
                ma |= ca; md |= cd;
            }
            if (self)
            {
                var (sa, sd) = full ? RemoveMem(m) : ProtectMem(m, rights & (MemRights.W | MemRights.X));
                ma |= sa; md |= sd;
            }
            // The bits go into the task's own page if it is still there (save_access_flags, map_util.cpp:812-823).
            if ((ma || md) && t.MemMappings.ContainsKey(m.Va)) t.MemSpace?.AddAccess(m.Va, m.Order, ma, md);
            a |= ma; d |= md;
        }
        return (a ? 1UL : 0) | (d ? 2UL : 0);
    }
}
