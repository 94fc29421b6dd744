namespace L4Conf.Model.Machine;

/// <summary>
/// The outcome of a successful page walk (<see cref="Mmu.Probe"/>): the physical address of the accessed byte, the
/// leaf that mapped it, the effective rights over all levels, and the physical addresses of the entries the walk
/// used (PML4E first, leaf last) so that <see cref="Mmu.Commit"/> can set their Accessed/Dirty bits;
/// <see cref="AllAccessed"/> tells whether every one of them already had Accessed set when it was read.
/// </summary>
public readonly record struct Translation(
    ulong Va, ulong Pa, PageSize Size, ulong Leaf,
    bool Writable, bool User, bool Executable,
    int EntryCount, ulong Pml4eAddr, ulong PdpteAddr, ulong PdeAddr, ulong PteAddr, bool AllAccessed)
{
    /// <summary>Physical address of the i-th entry used (0 = PML4E .. <see cref="EntryCount"/> - 1 = leaf).</summary>
    public ulong EntryAddress(int i) => i switch
    {
        0 => Pml4eAddr,
        1 => PdpteAddr,
        2 => PdeAddr,
        3 => PteAddr,
        _ => throw new ArgumentOutOfRangeException(nameof(i)),
    };
    /// <summary>Whether the leaf's Dirty bit was already set when it was read.</summary>
    public bool LeafDirty => (Leaf & (ulong)PteBits.Dirty) != 0;
}
