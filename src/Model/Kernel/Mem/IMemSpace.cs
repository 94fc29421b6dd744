using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel.Mem;

/// <summary>
/// What the mapping database needs from a task's hardware address space: install, remove and restrict one leaf
/// mapping (4 KiB, 2 MiB or 1 GiB), reading back its accessed/dirty bits. Implemented over real page tables.
/// </summary>
public interface IMemSpace
{
    /// <summary>Makes the leaf at <paramref name="va"/>; it carries exactly the given accessed/dirty bits (an existing leaf of the same page is rebuilt).</summary>
    void Insert(ulong va, ulong pa, int order, MemRights rights, byte cache, bool accessed = false, bool dirty = false);
    /// <summary>The accessed and dirty bits of the leaf covering <paramref name="va"/>, left as they are.</summary>
    (bool Accessed, bool Dirty) Peek(ulong va);
    /// <summary>Removes the leaf at <paramref name="va"/>; returns its accessed and dirty bits (cleared).</summary>
    (bool Accessed, bool Dirty) Remove(ulong va, int order);
    /// <summary>Restricts the leaf's rights (W cleared, X cleared); returns and clears accessed/dirty.</summary>
    (bool Accessed, bool Dirty) Protect(ulong va, int order, MemRights rights);
    /// <summary>ORs accessed/dirty into the leaf, if it still exists (v_add_access_flags).</summary>
    void AddAccess(ulong va, int order, bool accessed, bool dirty);
}
