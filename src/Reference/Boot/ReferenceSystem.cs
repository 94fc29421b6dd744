using L4Conf.Model.Kernel;
using L4Conf.Reference.Sigma0;

namespace L4Conf.Reference.Boot;

/// <summary>
/// The built-in reference system: the kernel's boot state with sigma0 running on its boot thread, its memory
/// ownership built from the KIP descriptors as sigma0's init_mem.cc does.
/// </summary>
public sealed class ReferenceSystem
{
    public BootState Boot { get; }
    public Kernel Kernel => Boot.Kernel;
    public Sigma0Server Sigma0 { get; }

    public ReferenceSystem(Kernel? kernel = null)
    {
        Boot = BootState.Create(kernel);
        // With the machine attached sigma0 reads the KIP from physical memory, as the real one does from RDI.
        var descs = Kernel.Physical is { } mem ? KipReader.Read(mem, Kip.PhysAddress).Descriptors : Kip.CapturedDescriptors;
        Sigma0 = new Sigma0Server(Kernel, Boot.Sigma0Thread, OwnersFromKip(descs, Kernel.Config.RamBytes), Kip.PhysAddress);
        Kernel.Start(Boot.Sigma0Thread, Sigma0.Program());
        Kernel.Run();                                                    // sigma0 reaches its open wait
    }

    /// <summary>
    /// sigma0's init_mem (l4re sigma0/server/src/init_mem.cc:19-97; runtime-misc notes §1.4): IOMEM starts as one free
    /// RW region; per physical descriptor, Conventional memory (rounded inwards) is free RAM and sigma0's in IOMEM;
    /// Reserved/Dedicated are sigma0's in both; Bootloader regions are the root task's (id 4) with the descriptor's
    /// sub-type as rights; Info/Arch/Shared are free IOMEM and sigma0's RAM. Others are rounded outwards.
    /// </summary>
    public static MemoryOwners OwnersFromKip(IEnumerable<MemDesc> descs, ulong ramBytes)
    {
        var o = new MemoryOwners();
        foreach (var d in descs.Where(d => !d.Virtual))
        {
            ulong start, end;
            if (d.Type == MemDescType.Conventional) { start = (d.Start + 0xFFF) & ~0xFFFUL; end = (d.End & ~0xFFFUL) - 1; }
            else { start = d.Start & ~0xFFFUL; end = ((d.End + 0xFFF) & ~0xFFFUL) - 1; }
            switch (d.Type)
            {
                case MemDescType.Conventional:
                    o.Ram.AddFree(new Region(start, Math.Min(end, ramBytes - 1), 0, Region.RWX));
                    o.IoMem.Reserve(new Region(start, end, Sigma0Ids.Sigma0, Region.RW));
                    break;
                case MemDescType.Reserved or MemDescType.Dedicated:
                    o.IoMem.Reserve(new Region(start, end, Sigma0Ids.Sigma0, Region.RW));
                    o.Ram.Reserve(new Region(start, end, Sigma0Ids.Sigma0, Region.RWX));
                    break;
                case MemDescType.Bootloader:
                    o.IoMem.Reserve(new Region(start, end, Sigma0Ids.Sigma0, Region.RW));
                    o.Ram.Reserve(new Region(start, end, Sigma0Ids.RootTask, (byte)(d.SubType & 0xF)));
                    break;
                case MemDescType.Info or MemDescType.Arch or MemDescType.Shared:
                    o.IoMem.AddFree(new Region(start, end, 0, Region.RW));
                    o.Ram.Reserve(new Region(start, end, Sigma0Ids.Sigma0, Region.RW));
                    break;
            }
        }
        return o;
    }
}
