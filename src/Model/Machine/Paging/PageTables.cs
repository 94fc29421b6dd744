namespace L4Conf.Model.Machine;

/// <summary>
/// The 4-level page tables of one address space, stored as real bytes in <see cref="PhysicalMemory"/>; <see cref="Root"/>
/// is the CR3 value. Table frames come from <see cref="PhysicalMemory.AllocFrame"/>; non-leaf entries are
/// Valid|Writable|User, leaves are encoded by <see cref="Pte.MakeLeaf"/>.
/// <para>Every change of a translation (<see cref="Map"/>, <see cref="Unmap"/>, <see cref="Protect"/>,
/// <see cref="Invalidate"/>) moves <see cref="Generation"/> to a fresh stamp of the memory's counter; software TLBs
/// and decoded-code caches compare against it (the model's INVLPG / CR3 reload). Clearing A/D also counts.</para>
/// <para>Table freeing: as in Fiasco (<c>Mem_space::v_delete</c> only clears the leaf), intermediate tables that
/// become empty stay in place and are reused. They are reclaimed in two cases: when <see cref="Map"/> puts a large leaf
/// where an empty subtree hangs (the subtree's frames are freed), and by <see cref="Destroy"/> (all table frames).</para>
/// </summary>
public sealed class PageTables
{
    /// <summary>Highest user virtual address (<c>Mem_layout::User_max</c>, abi-facts §13.3).</summary>
    public const ulong UserMax = 0x0000_7FFF_FFFF_FFFF;

    private readonly PhysicalMemory _mem;
    private readonly HashSet<ulong> _tables = new();
    private bool _destroyed;

    public PageTables(PhysicalMemory mem)
    {
        _mem = mem;
        Root = mem.AllocFrame();
        _tables.Add(Root);
        Generation = mem.NextStamp();
    }

    public PhysicalMemory Memory => _mem;
    /// <summary>Physical address of the PML4: the CR3 value (PCID 0, PWT/PCD clear).</summary>
    public ulong Root { get; }
    /// <summary>Changes (to a stamp never used before) whenever a translation may have changed.</summary>
    public ulong Generation { get; private set; }
    /// <summary>Number of table frames (PML4 included) this address space owns.</summary>
    public int TableCount => _tables.Count;

    /// <summary>
    /// Maps the page of <paramref name="size"/> at <paramref name="va"/> to <paramref name="pa"/> (both aligned to it),
    /// creating intermediate tables as needed. User mappings get User and must lie in 0..<see cref="UserMax"/>; kernel
    /// mappings (<paramref name="user"/> false) get Cpu_global instead.
    /// </summary>
    /// <exception cref="ArgumentException">Misaligned, non-canonical, outside the user range, beyond MAXPHYADDR, or an unknown cache mode.</exception>
    /// <param name="accessDirty">The accessed/dirty bits the leaf carries (make_page with the source's, paging-ia32.cpp:81-97);
    /// null keeps those of an existing leaf of the same page.</param>
    public MapResult Map(ulong va, ulong pa, PageSize size, bool writable, bool executable, bool user = true, CacheMode cache = CacheMode.Cacheable,
        (bool Accessed, bool Dirty)? accessDirty = null)
    {
        CheckAlive();
        int target = size.Level();
        ulong mask = size.OffsetMask();
        if (((va | pa) & mask) != 0) throw new ArgumentException($"va 0x{va:x} / pa 0x{pa:x} not aligned to {size}");
        if (!Mmu.IsCanonical(va)) throw new ArgumentException($"va 0x{va:x} is not canonical");
        if (user && va > UserMax - mask) throw new ArgumentException($"user mapping 0x{va:x} {size} reaches beyond User_max");
        if (pa > _mem.Limit - 1 - mask) throw new ArgumentException($"pa 0x{pa:x} beyond MAXPHYADDR");
        if (cache is not (CacheMode.Cacheable or CacheMode.Buffered or CacheMode.Noncacheable)) throw new ArgumentException($"cache mode {cache}");

        ulong table = Root;
        for (int level = Pte.Levels; level > target; level--)
        {
            ulong ea = EntryAddr(table, va, level);
            ulong e = _mem.ReadU64(ea);
            if (!Pte.IsPresent(e))
            {
                // Everything below a new table is new: no conflict can be found past this point.
                ulong nt = _mem.AllocFrame();
                _tables.Add(nt);
                _mem.WriteU64(ea, Pte.MakeTable(nt));
                table = nt;
                continue;
            }
            if (Pte.IsLeaf(e, level)) return MapResult.Conflict;   // a larger page covers va
            table = Pte.TableAddress(e);
        }

        ulong slot = EntryAddr(table, va, target);
        ulong old = _mem.ReadU64(slot);
        ulong leaf = Pte.MakeLeaf(pa, size, writable, executable, user, cache);
        if (accessDirty is { } ad) leaf |= (ad.Accessed ? (ulong)PteBits.Referenced : 0) | (ad.Dirty ? (ulong)PteBits.Dirty : 0);
        if (Pte.IsPresent(old))
        {
            if (!Pte.IsLeaf(old, target))
            {
                if (HasLeaves(Pte.TableAddress(old), target - 1)) return MapResult.Conflict;
                FreeSubtree(Pte.TableAddress(old), target - 1);
            }
            else if (Pte.LeafAddress(old, size) != pa) return MapResult.Conflict;
            else
            {
                if (accessDirty == null) leaf |= old & (ulong)(PteBits.Referenced | PteBits.Dirty);
                if (leaf == old) return MapResult.Unchanged;
                _mem.WriteU64(slot, leaf);
                Generation = _mem.NextStamp();
                return MapResult.Updated;
            }
        }
        _mem.WriteU64(slot, leaf);
        Generation = _mem.NextStamp();
        return MapResult.Inserted;
    }

    /// <summary>
    /// Removes the leaf covering <paramref name="va"/> (of whatever size), returning its A/D bits, size and physical base.
    /// </summary>
    public LeafStatus Unmap(ulong va)
    {
        CheckAlive();
        if (FindLeaf(va) is not { } l) return default(LeafStatus) with { Size = PageSize.Size4K };
        _mem.WriteU64(l.EntryAddress, 0);
        Generation = _mem.NextStamp();
        return new LeafStatus(true, l.Accessed, l.Dirty, l.Size, l.Pa);
    }

    /// <summary>
    /// Partial revoke of the leaf covering <paramref name="va"/> (fiasco <c>v_delete</c> with some rights): W is kept only
    /// if <paramref name="writable"/> (clears Writable), X only if <paramref name="executable"/> (sets XD). Never adds
    /// rights (use <see cref="Map"/> for an upgrade). Returns the A/D bits and clears them, as Fiasco's <c>access_flags</c>.
    /// </summary>
    public LeafStatus Protect(ulong va, bool writable, bool executable)
    {
        CheckAlive();
        if (FindLeaf(va) is not { } l) return default(LeafStatus) with { Size = PageSize.Size4K };
        ulong e = l.Entry & ~(ulong)(PteBits.Referenced | PteBits.Dirty);
        if (!writable) e &= ~(ulong)PteBits.Writable;
        if (!executable) e |= (ulong)PteBits.XD;
        if (e != l.Entry)
        {
            _mem.WriteU64(l.EntryAddress, e);
            Generation = _mem.NextStamp();
        }
        return new LeafStatus(true, l.Accessed, l.Dirty, l.Size, l.Pa);
    }

    /// <summary>
    /// ORs Accessed/Dirty into the leaf covering <paramref name="va"/> if there is one (fiasco <c>v_add_access_flags</c>).
    /// Not a translation change: <see cref="Generation"/> stays.
    /// </summary>
    public bool AddAccessFlags(ulong va, bool accessed, bool dirty)
    {
        CheckAlive();
        if (FindLeaf(va) is not { } l) return false;
        ulong e = l.Entry | (accessed ? (ulong)PteBits.Referenced : 0) | (dirty ? (ulong)PteBits.Dirty : 0);
        if (e != l.Entry) _mem.WriteU64(l.EntryAddress, e);
        return true;
    }

    /// <summary>The leaf covering <paramref name="va"/> (a software walk: no rights check, no A/D update), or null.</summary>
    public PageLeaf? Lookup(ulong va)
    {
        CheckAlive();
        return FindLeaf(va);
    }

    /// <summary>
    /// All leaves of the user half (PML4 slots 0..255), in ascending virtual-address order — supervisor leaves placed
    /// there included (check <see cref="PageLeaf.User"/>). For checking a mapping database against the tables.
    /// Like <see cref="Lookup"/>, skips entries whose address lies beyond MAXPHYADDR (only direct edits make those).
    /// </summary>
    public IReadOnlyList<PageLeaf> Walk()
    {
        CheckAlive();
        var acc = new List<PageLeaf>();
        WalkTable(Root, Pte.Levels, 0, 256, acc);
        return acc;
    }

    /// <summary>Bumps <see cref="Generation"/> after page-table bytes were edited directly in memory (a CR3 reload).</summary>
    public void Invalidate() => Generation = _mem.NextStamp();

    /// <summary>Frees every table frame (not the mapped pages) back to the allocator; the object is unusable afterwards.</summary>
    public void Destroy()
    {
        if (_destroyed) return;
        foreach (var t in _tables) _mem.FreeFrame(t);
        _tables.Clear();
        _destroyed = true;
        Generation = _mem.NextStamp();
    }

    private static ulong EntryAddr(ulong table, ulong va, int level) => table + (ulong)Pte.Index(va, level) * Pte.EntrySize;

    private PageLeaf? FindLeaf(ulong va)
    {
        if (!Mmu.IsCanonical(va)) return null;
        ulong table = Root;
        for (int level = Pte.Levels; level >= 1; level--)
        {
            ulong ea = EntryAddr(table, va, level);
            ulong e = _mem.ReadU64(ea);
            if (!Pte.IsPresent(e) || (e & _mem.ReservedAddressBits) != 0) return null;
            if (Pte.IsLeaf(e, level))
            {
                var size = PageSizeExtensions.AtLevel(level);
                return new PageLeaf(va & ~size.OffsetMask(), Pte.LeafAddress(e, size), size, e, ea);
            }
            table = Pte.TableAddress(e);
        }
        return null;
    }

    private void WalkTable(ulong table, int level, ulong baseVa, int slots, List<PageLeaf> acc)
    {
        for (int i = 0; i < slots; i++)
        {
            ulong ea = table + (ulong)i * Pte.EntrySize;
            ulong e = _mem.ReadU64(ea);
            if (!Pte.IsPresent(e) || (e & _mem.ReservedAddressBits) != 0) continue;
            ulong va = baseVa | ((ulong)i << Pte.Shift(level));
            if (Pte.IsLeaf(e, level))
            {
                var size = PageSizeExtensions.AtLevel(level);
                acc.Add(new PageLeaf(va, Pte.LeafAddress(e, size), size, e, ea));
            }
            else WalkTable(Pte.TableAddress(e), level - 1, va, Pte.EntriesPerTable, acc);
        }
    }

    private bool HasLeaves(ulong table, int level)
    {
        for (int i = 0; i < Pte.EntriesPerTable; i++)
        {
            ulong e = _mem.ReadU64(table + (ulong)i * Pte.EntrySize);
            if (!Pte.IsPresent(e)) continue;
            if (Pte.IsLeaf(e, level) || HasLeaves(Pte.TableAddress(e), level - 1)) return true;
        }
        return false;
    }

    private void FreeSubtree(ulong table, int level)
    {
        if (level > 1)
            for (int i = 0; i < Pte.EntriesPerTable; i++)
            {
                ulong e = _mem.ReadU64(table + (ulong)i * Pte.EntrySize);
                if (Pte.IsPresent(e)) FreeSubtree(Pte.TableAddress(e), level - 1);
            }
        _tables.Remove(table);
        _mem.FreeFrame(table);
    }

    private void CheckAlive()
    {
        if (_destroyed) throw new ObjectDisposedException(nameof(PageTables));
    }
}
