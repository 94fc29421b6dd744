namespace L4Conf.Model.Machine;

/// <summary>
/// A leaf entry found in the page tables: the virtual and physical base of the page it maps, its size, the raw
/// entry, and where the entry lives in physical memory.
/// </summary>
public readonly record struct PageLeaf(ulong Va, ulong Pa, PageSize Size, ulong Entry, ulong EntryAddress)
{
    public bool Writable => (Entry & (ulong)PteBits.Writable) != 0;
    public bool Executable => (Entry & (ulong)PteBits.XD) == 0;
    public bool User => (Entry & (ulong)PteBits.User) != 0;
    public bool Accessed => (Entry & (ulong)PteBits.Referenced) != 0;
    public bool Dirty => (Entry & (ulong)PteBits.Dirty) != 0;
    public CacheMode Cache => (CacheMode)(Entry & Pte.CacheMask);
    public override string ToString() => $"0x{Va:x} -> 0x{Pa:x} {Size} entry=0x{Entry:x16}";
}

/// <summary>
/// What <see cref="PageTables.Unmap"/> or <see cref="PageTables.Protect"/> found: whether a leaf covered the address,
/// its Accessed and Dirty bits before they were cleared, its size and physical base (Size4K / 0 if none existed).
/// </summary>
public readonly record struct LeafStatus(bool Existed, bool Accessed, bool Dirty, PageSize Size, ulong Pa);

/// <summary>Outcome of <see cref="PageTables.Map"/> (cf. fiasco <c>Mem_space::Insert_*</c>).</summary>
public enum MapResult
{
    /// <summary>A new leaf was written (Insert_ok).</summary>
    Inserted,
    /// <summary>The same page (same size, same physical base) was mapped; its attributes were replaced, A/D kept (Insert_warn_attrib_upgrade).</summary>
    Updated,
    /// <summary>The same page was mapped with exactly these attributes; nothing changed (Insert_warn_exists).</summary>
    Unchanged,
    /// <summary>Another page overlaps (different physical base, a larger leaf above, or smaller leaves below); nothing changed (Insert_err_exists).</summary>
    Conflict,
}
