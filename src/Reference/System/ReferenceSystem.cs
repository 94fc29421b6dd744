using L4Conf.Model.Kernel;
using L4Conf.Reference.Sigma0;

namespace L4Conf.Reference.System;

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
    /// sigma0's init_mem (l4re sigma0/server/src/init_mem.cc; abi-facts §10.3): Conventional = free RAM; Reserved and
    /// Dedicated = sigma0's (id 2); Bootloader = the root task's (id 4); Arch/Info/Shared = sigma0's inside RAM, free
    /// I/O memory outside. Physical page 0 is never handed out. Virtual descriptors describe address spaces, not memory.
    /// </summary>
    public static MemoryOwners OwnersFromKip(IEnumerable<MemDesc> descs, ulong ramBytes)
    {
        var o = new MemoryOwners();
        var phys = descs.Where(d => !d.Virtual).ToList();
        foreach (var d in phys.Where(d => d.Type == MemDescType.Conventional)) o.AddRam(d.Start & ~0xFFFUL, Math.Min(d.End & ~0xFFFUL, ramBytes));
        foreach (var d in phys.Where(d => d.Type != MemDescType.Conventional))
        {
            ulong lo = d.Start & ~0xFFFUL, hi = (d.End + 0xFFF) & ~0xFFFUL;
            switch (d.Type)
            {
                case MemDescType.Reserved or MemDescType.Dedicated: o.Reserve(lo, hi, Sigma0Ids.Sigma0); break;
                case MemDescType.Bootloader: o.Reserve(lo, hi, Sigma0Ids.RootTask); break;
                default:
                    if (lo < ramBytes) o.Reserve(lo, Math.Min(hi, ramBytes), Sigma0Ids.Sigma0);
                    if (hi > ramBytes) o.AddIo(Math.Max(lo, ramBytes), hi);
                    break;
            }
        }
        o.Reserve(0, 0x1000, Sigma0Ids.Sigma0);
        return o;
    }
}
