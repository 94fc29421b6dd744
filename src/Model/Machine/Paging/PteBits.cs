namespace L4Conf.Model.Machine;

/// <summary>
/// The bits of an x86-64 paging-structure entry that Fiasco uses, named as in fiasco's <c>Pt_entry</c>
/// (src/kern/ia32/paging-ia32.cpp, 64/paging-ia32-64.cpp; abi-facts §13.2). The Intel SDM name is in each comment.
/// </summary>
[Flags]
public enum PteBits : ulong
{
    None = 0,
    /// <summary>P (bit 0): present. Clear ⇒ every other bit is ignored by the walk.</summary>
    Valid = 0x001,
    /// <summary>R/W (bit 1): writes allowed (ANDed over all levels).</summary>
    Writable = 0x002,
    /// <summary>U/S (bit 2): user-mode accesses allowed (ANDed over all levels). Set on every user mapping.</summary>
    User = 0x004,
    /// <summary>PWT (bit 3): write-through.</summary>
    Write_through = 0x008,
    /// <summary>PCD (bit 4): cache disable.</summary>
    Noncacheable = 0x010,
    /// <summary>A (bit 5): accessed; set by the walk in every entry it uses; read back and cleared by unmap.</summary>
    Referenced = 0x020,
    /// <summary>D (bit 6): dirty; set by the walk in the leaf on a write; read back and cleared by unmap.</summary>
    Dirty = 0x040,
    /// <summary>PS (bit 7): leaf at PDPT (1 GiB) or PD (2 MiB) level; reserved in a PML4 entry; PAT in a 4 KiB PTE.</summary>
    Pse_bit = 0x080,
    /// <summary>G (bit 8): global; Fiasco sets it on kernel mappings only.</summary>
    Cpu_global = 0x100,
    /// <summary>Software-available bit 9: Fiasco marks kernel-shared mappings with it. Ignored by the walk.</summary>
    L4_global = 0x200,
    /// <summary>XD / NX (bit 63): no instruction fetch (ORed over all levels). Not reserved: the model runs with EFER.NXE = 1.</summary>
    XD = 0x8000_0000_0000_0000,
}
