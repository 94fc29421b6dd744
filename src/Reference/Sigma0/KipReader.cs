using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;

namespace L4Conf.Reference.Sigma0;

/// <summary>
/// What sigma0 reads from the KIP it is given (l4re sigma0/server/src/init.cc, init_mem.cc; abi-facts §14): magic,
/// version (it refuses to run unless version >> 24 == 0x87), and the memory descriptors.
/// </summary>
public static class KipReader
{
    public sealed record KipView(uint Magic, uint Version, IReadOnlyList<MemDesc> Descriptors);

    public static KipView Read(PhysicalMemory mem, ulong kip)
    {
        ulong header = mem.ReadU64(kip);
        uint magic = (uint)header, version = (uint)(header >> 32);
        if (magic != Kip.Magic) throw new InvalidDataException($"no KIP at 0x{kip:x}: magic 0x{magic:x8}, expected 0x{Kip.Magic:x8}");
        if (version >> 24 != 0x87) throw new InvalidDataException($"sigma0 refuses to run: KIP version 0x{version:x8} is not 0x87xxxxxx");
        ulong offs = (uint)mem.ReadU64(kip + 0x54), num = (uint)mem.ReadU64(kip + 0x58);
        var list = new List<MemDesc>();
        for (ulong i = 0; i < num; i++)
        {
            var d = MemDesc.Decode(mem.ReadU64(kip + offs + 16 * i), mem.ReadU64(kip + offs + 16 * i + 8));
            if (d.Type == MemDescType.Undefined || d.Start >= d.End) continue;   // unused slots and empty ranges
            list.Add(d);
        }
        return new KipView(magic, version, list);
    }
}
