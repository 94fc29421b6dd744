using System.Buffers.Binary;
using ELFSharp.ELF;

namespace L4Conf.Reference.L4Re;

/// <summary>One program header as the L4Re loader sees it.</summary>
public sealed record ElfSegment(uint Type, ulong Offset, ulong VAddr, ulong PAddr, ulong FileSize, ulong MemSize, uint Flags, ulong Align)
{
    public const uint PtLoad = 1, PtInterp = 3, PtPhdr = 6, PtTls = 7, PtL4Aux = 0x60000014;
    public const uint PfX = 1, PfW = 2, PfR = 4;
}

/// <summary>
/// An ELF image read with ELFSharp, with what libloader (libloader/include/elf) takes from it: type (EXEC or DYN),
/// entry, program headers, and the L4Re aux elements (stack address and size, KIP address).
/// </summary>
public sealed class ElfImage
{
    public bool Pie { get; private init; }
    public ulong Entry { get; private init; }
    public IReadOnlyList<ElfSegment> Segments { get; private init; } = [];
    public ulong StackAddr { get; private set; } = 0x80000000;
    public ulong StackSize { get; private set; } = 8 * 0x40000;
    public ulong? KipAddr { get; private set; }
    public bool HasPhdr => Segments.Any(s => s.Type == ElfSegment.PtPhdr);
    public bool HasInterp => Segments.Any(s => s.Type == ElfSegment.PtInterp);

    /// <summary>The image, or null when the bytes are not an x86-64 ELF executable (the loader's "not an ELF binary").</summary>
    public static ElfImage? Parse(byte[] bytes)
    {
        if (bytes.Length < 64 || bytes[0] != 0x7F || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') return null;
        try
        {
            if (!ELFReader.TryLoad(new MemoryStream(bytes, writable: false), true, out var elf) || elf is not ELF<ulong> e) return null;
            using (e)
            {
                var segs = e.Segments.Select(s => new ElfSegment((uint)s.Type, (ulong)s.Offset, s.Address, s.PhysicalAddress,
                    (ulong)s.FileSize, s.Size, (uint)s.Flags, s.Alignment)).ToList();
                var img = new ElfImage { Pie = e.Type == FileType.SharedObject, Entry = e.EntryPoint, Segments = segs };
                foreach (var a in segs.Where(s => s.Type == ElfSegment.PtL4Aux && s.FileSize > 0))
                {
                    for (ulong at = a.Offset; at + 24 <= a.Offset + a.FileSize && at + 24 <= (ulong)bytes.Length;)
                    {
                        ulong type = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)at));
                        ulong len = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)at + 8));
                        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)at + 16));
                        if (type == 0 || len == 0) break;
                        switch (type)
                        {
                            case 2: img.StackSize = value; break;
                            case 3: img.StackAddr = value; break;
                            case 4: img.KipAddr = value; break;
                        }
                        at += len;
                    }
                }
                return img;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>Program header type names as libloader prints them (libloader/lib/src/elf.cc:10-25).</summary>
    public static string TypeName(uint t) => t switch
    {
        0 => "NULL", 1 => "LOAD", 2 => "DYNAMIC", 3 => "INTERP", 4 => "NOTE", 5 => "SHLIB", 6 => "PHDR", 7 => "TLS", 8 => "NUM",
        0x60000012 => "L4_STACK", 0x60000014 => "L4_AUX", 0x6474e550 => "GNU_EH_FRAME", 0x6474e551 => "GNU_STACK", 0x6474e552 => "GNU_RELRO",
        _ => "",
    };
}
