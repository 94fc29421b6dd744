using L4Conf.Model.Abi;

namespace L4Conf.Reference.Sigma0;

/// <summary>sigma0's request words (l4re libsigma0/include/sigma0.h): MR0 = request | ~0xFF magic.</summary>
[Source("l4re:libsigma0/include/sigma0.h")]
public enum Sigma0Request : ulong
{
    [Real("SIGMA0_REQ_FPAGE_RAM")] FpageRam = 0xFFFF_FFFF_FFFF_FF60,
    [Real("SIGMA0_REQ_FPAGE_IOMEM")] FpageIomem = 0xFFFF_FFFF_FFFF_FF70,
    [Real("SIGMA0_REQ_FPAGE_IOMEM_CACHED")] FpageIomemCached = 0xFFFF_FFFF_FFFF_FF80,
    [Real("SIGMA0_REQ_FPAGE_ANY")] FpageAny = 0xFFFF_FFFF_FFFF_FF90,
    [Real("SIGMA0_REQ_KIP")] Kip = 0xFFFF_FFFF_FFFF_FFA0,
    [Real("SIGMA0_REQ_DEBUG_DUMP")] DebugDump = 0xFFFF_FFFF_FFFF_FFC0,
    [Real("SIGMA0_REQ_COV")] Cov = 0xFFFF_FFFF_FFFF_FFE0,
}

/// <summary>Fixed numbers of sigma0's server (l4re sigma0/server/src/globals.h, init.cc).</summary>
public static class Sigma0Ids
{
    /// <summary>Owner id of regions sigma0 keeps for itself.</summary>
    public const ulong Sigma0 = 2;
    /// <summary>The root task's id: its pager gate has label 0x40 = 4 &lt;&lt; 4.</summary>
    public const ulong RootTask = 4;
    /// <summary>First slot for gates sigma0 makes for new clients: L4_BASE_CAPS_LAST + L4_CAP_OFFSET.</summary>
    public const ulong FirstGateSlot = 0xC;
    /// <summary>Largest client id (Region::Owner_mask).</summary>
    public const ulong MaxClient = 0xFFF;
    /// <summary>Cacheability in answers: L4_FPAGE_CACHEABLE &lt;&lt; 4 and L4_FPAGE_UNCACHEABLE &lt;&lt; 4.</summary>
    public const ulong Cached = 0x30, Uncached = 0x10;
}
