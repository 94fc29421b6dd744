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
        uint magic = (uint)mem.ReadU64(kip), version = (uint)(mem.ReadU64(kip) >> 32);
        if (magic != Kip.Magic) throw new InvalidDataException($"no KIP at 0x{kip:x}: magic 0x{magic:x8}, expected 0x{Kip.Magic:x8}");
        if (version >> 24 != 0x87) throw new InvalidDataException($"sigma0 refuses to run: KIP version 0x{version:x8} is not 0x87xxxxxx");
        ulong offs = (uint)mem.ReadU64(kip + 0x54), num = (uint)mem.ReadU64(kip + 0x58);
        var list = new List<MemDesc>();
        for (ulong i = 0; i < num; i++)
        {
            ulong w0 = mem.ReadU64(kip + offs + 16 * i), w1 = mem.ReadU64(kip + offs + 16 * i + 8);
            var type = (MemDescType)(w0 & 0xF);
            ulong start = w0 & ~0x3FFUL, end = (w1 | 0x3FF) + 1;
            if (type == MemDescType.Undefined || start >= end) continue;   // unused slots and empty ranges
            list.Add(new MemDesc(start, end, type, (byte)((w0 >> 4) & 0xF), (w0 & 0x200) != 0));
        }
        return new KipView(magic, version, list);
    }
}
