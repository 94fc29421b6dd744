namespace L4Conf.Model.Machine;

/// <summary>
/// Cache attribute of a leaf, as the PCD/PWT bits Fiasco writes (<c>Page::Cache_mask</c> 0x18; abi-facts §13.2).
/// The value is the bit pattern itself; PAT is left at its index 0..3 entries (no PAT bit is ever set).
/// </summary>
public enum CacheMode : ulong
{
    /// <summary>Page::CACHEABLE: PCD=0 PWT=0 (PAT0, write-back).</summary>
    Cacheable = 0x00,
    /// <summary>Page::BUFFERED: PCD=1 PWT=0 (PAT2, programmed as write-combining).</summary>
    Buffered = 0x10,
    /// <summary>Page::NONCACHEABLE: PCD=1 PWT=1 (PAT3, uncacheable).</summary>
    Noncacheable = 0x18,
}
