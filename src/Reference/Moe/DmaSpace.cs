using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>
/// Moe's DMA spaces (moe/server/src/dma_space.{h,cc}): without an association every operation is -EINVAL; the
/// captured system has no IOMMU, so none is ever associated. Present so that the objects, their gates and their
/// answers (and the L4::Meta type query of `dma_mgr`) exist as on the real system.
/// </summary>
public sealed class DmaSpace : MoeObject
{
    public override IReadOnlyList<Iface> Interfaces { get; } = [new(0x4008, "N4L4Re9Dma_spaceE")];
    public override ulong ObjectSize => 112;
    public override long Dispatch(ServerCall c) => -(long)L4Err.Inval;
}

/// <summary>The DMA-space manager registered as `dma_mgr` (a static object of Moe's; protocol 0).</summary>
public sealed class DmaSpaceMgr : MoeObject
{
    public override IReadOnlyList<Iface> Interfaces { get; } = [new(0, "N4L4Re13Dma_space_mgrE")];
    public override ulong ObjectSize => 0;
    public override long Dispatch(ServerCall c) => -(long)L4Err.Inval;
}
