namespace L4Conf.Model.Machine;

/// <summary>The leaf sizes of x86-64 paging; the value is the order (log2 of the size in bytes).</summary>
public enum PageSize : byte
{
    /// <summary>4 KiB: a PTE in a page table (level 1).</summary>
    Size4K = 12,
    /// <summary>2 MiB: a PDE with PS set (level 2).</summary>
    Size2M = 21,
    /// <summary>1 GiB: a PDPTE with PS set (level 3).</summary>
    Size1G = 30,
}

public static class PageSizeExtensions
{
    /// <summary>Size in bytes.</summary>
    public static ulong Bytes(this PageSize s) => 1UL << (int)s;
    /// <summary>Offset mask within the page (<c>Bytes - 1</c>).</summary>
    public static ulong OffsetMask(this PageSize s) => (1UL << (int)s) - 1;
    /// <summary>Paging level holding such a leaf, counted as in <see cref="Pte"/>: 1 = PT, 2 = PD, 3 = PDPT.</summary>
    public static int Level(this PageSize s) => s switch
    {
        PageSize.Size4K => 1,
        PageSize.Size2M => 2,
        PageSize.Size1G => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "not an x86-64 page size"),
    };
    /// <summary>The leaf size at paging level 1, 2 or 3.</summary>
    public static PageSize AtLevel(int level) => level switch
    {
        1 => PageSize.Size4K,
        2 => PageSize.Size2M,
        3 => PageSize.Size1G,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "leaves exist at levels 1..3 only"),
    };
}
