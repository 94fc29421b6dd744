namespace L4Conf.Model.Machine;

/// <summary>
/// Encoding and decoding of 64-bit x86-64 paging-structure entries as Fiasco writes them (abi-facts §13.1/§13.2).
/// Levels are counted from the leaf up: 4 = PML4 (shift 39), 3 = PDPT (30), 2 = PD (21), 1 = PT (12);
/// 9 index bits per level, 512 entries of 8 bytes per 4 KiB table.
/// </summary>
public static class Pte
{
    public const int Levels = 4;
    public const int EntriesPerTable = 512;
    public const int EntrySize = 8;

    /// <summary>Architectural address field, bits 51..12; bits above MAXPHYADDR in it are reserved (see <see cref="PhysicalMemory.ReservedAddressBits"/>).</summary>
    public const ulong AddrMask = 0x000F_FFFF_FFFF_F000;
    /// <summary>What a non-leaf entry is written as: Valid | Writable | User (rights are decided by the leaf).</summary>
    public const PteBits Intermediate = PteBits.Valid | PteBits.Writable | PteBits.User;
    /// <summary><c>Page::Cache_mask</c>: PCD | PWT.</summary>
    public const ulong CacheMask = 0x18;
    /// <summary>Bits 20..13 of a 2 MiB leaf: between PAT (bit 12) and the address; reserved (must be zero).</summary>
    public const ulong Reserved2M = 0x0000_0000_001F_E000;
    /// <summary>Bits 29..13 of a 1 GiB leaf: reserved (must be zero).</summary>
    public const ulong Reserved1G = 0x0000_0000_3FFF_E000;

    /// <summary>Bit position of the lowest virtual-address bit indexing a table at <paramref name="level"/> (39, 30, 21, 12).</summary>
    public static int Shift(int level) => 12 + 9 * (level - 1);
    /// <summary>Index (0..511) of <paramref name="va"/> in the table at <paramref name="level"/>.</summary>
    public static int Index(ulong va, int level) => (int)((va >> Shift(level)) & 511);

    public static bool IsPresent(ulong e) => (e & (ulong)PteBits.Valid) != 0;
    /// <summary>Whether a present entry at <paramref name="level"/> maps a page (PT entry, or PS set in a PD/PDPT entry).</summary>
    public static bool IsLeaf(ulong e, int level) => level == 1 || (level <= 3 && (e & (ulong)PteBits.Pse_bit) != 0);
    /// <summary>Physical address of the next-level table a non-leaf entry points to.</summary>
    public static ulong TableAddress(ulong e) => e & AddrMask;
    /// <summary>Physical base of the page a leaf of <paramref name="size"/> maps (for large leaves the PAT bit 12 is not part of it).</summary>
    public static ulong LeafAddress(ulong e, PageSize size) => e & AddrMask & ~size.OffsetMask();

    /// <summary>A non-leaf entry pointing at <paramref name="table"/>: <c>table | Valid | Writable | User</c>.</summary>
    public static ulong MakeTable(ulong table) => (table & AddrMask) | (ulong)Intermediate;

    /// <summary>
    /// A leaf as Fiasco's <c>Mem_space::v_insert</c> writes it: Valid, Writable from W, User for user mappings
    /// (kernel mappings get Cpu_global instead), the cache bits, Pse_bit for 2 MiB / 1 GiB, XD when not executable.
    /// A and D start clear.
    /// </summary>
    public static ulong MakeLeaf(ulong pa, PageSize size, bool writable, bool executable, bool user, CacheMode cache)
    {
        ulong e = (pa & AddrMask & ~size.OffsetMask()) | (ulong)PteBits.Valid | ((ulong)cache & CacheMask);
        if (writable) e |= (ulong)PteBits.Writable;
        e |= user ? (ulong)PteBits.User : (ulong)PteBits.Cpu_global;
        if (size != PageSize.Size4K) e |= (ulong)PteBits.Pse_bit;
        if (!executable) e |= (ulong)PteBits.XD;
        return e;
    }
}
