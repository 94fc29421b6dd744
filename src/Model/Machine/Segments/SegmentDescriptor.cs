namespace L4Conf.Model.Machine;

/// <summary>
/// An 8-byte segment descriptor as the CPU reads it from the GDT (Intel SDM Vol. 3A §3.4.5; fiasco
/// src/kern/ia32/x86desc.cpp Gdt_entry lays out the same bits: limit 0-15, base 16-39, type 40-43, S 44, DPL 45-46,
/// P 47, limit 48-51, AVL 52, L 53, D/B 54, G 55, base 56-63).
/// </summary>
public readonly record struct SegmentDescriptor(ulong Raw)
{
    public ulong Base => ((Raw >> 16) & 0xFF_FFFF) | ((Raw >> 32) & 0xFF00_0000);

    /// <summary>The limit in bytes: the 20-bit field, scaled by 4 KiB with G.</summary>
    public uint Limit
    {
        get
        {
            uint l = (uint)(Raw & 0xFFFF) | (uint)((Raw >> 32) & 0xF_0000);
            return Granular ? (l << 12) | 0xFFF : l;
        }
    }

    /// <summary>The 4-bit type field (for code/data: accessed, R/W, C/E, code).</summary>
    public int Type => (int)(Raw >> 40) & 0xF;
    /// <summary>S: a code or data segment; clear for system descriptors (LDT, TSS, gates).</summary>
    public bool IsSegment => (Raw & (1UL << 44)) != 0;
    public int Dpl => (int)(Raw >> 45) & 3;
    public bool Present => (Raw & (1UL << 47)) != 0;
    /// <summary>L: a 64-bit code segment (with D clear); clear means compatibility mode.</summary>
    public bool Long => (Raw & (1UL << 53)) != 0;
    public bool Default32 => (Raw & (1UL << 54)) != 0;
    public bool Granular => (Raw & (1UL << 55)) != 0;

    public bool IsCode => IsSegment && (Type & 8) != 0;
    public bool IsData => IsSegment && (Type & 8) == 0;
    public bool Conforming => IsCode && (Type & 4) != 0;
    /// <summary>Data segments are always readable; code segments only with R.</summary>
    public bool Readable => IsData || (IsCode && (Type & 2) != 0);
    public bool Writable => IsData && (Type & 2) != 0;

    /// <summary>What lar returns at the 32/64-bit operand size: the second dword AND 0x00F0FF00 (SDM LAR).</summary>
    public uint AccessRights => (uint)(Raw >> 32) & 0x00F0_FF00;

    /// <summary>The same descriptor with its accessed bit set, as the CPU writes it back when it loads the segment.</summary>
    public SegmentDescriptor WithAccessed => new(IsSegment ? Raw | (1UL << 40) : Raw);
}
