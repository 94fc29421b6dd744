using System.Buffers.Binary;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.Programs;

/// <summary>
/// The boot-module image of a modelled program: a real static ELF64 x86-64 executable, so that loaders, the rom
/// name space and `not an ELF binary` checks treat it as any other program. Its text segment holds one
/// <see cref="ModelledCodeMarker"/> per entry point (the first is the ELF entry); its data segment is one page.
/// </summary>
public static class ModelledImage
{
    public const int EntryOffset = 0x200, EntryStride = 0x40, TextSize = 0x1000, DataFileSize = 0x100, DataMemSize = 0x1000;
    private const int PhdrOffset = 64, PhdrSize = 56, AuxOffset = 0xF00;
    /// <summary>PT_L4_AUX (PT_LOOS + 0x14, l4util/include/elf.h) and its element tags (l4re/include/elf_aux.h).</summary>
    public const uint PtL4Aux = 0x60000014;
    public const ulong AuxStackAddr = 3, AuxKipAddr = 4;
    /// <summary>Every L4Re binary's KIP address (ldscripts/kip_addr.S; the captures show [kip] at 0x6ffff000).</summary>
    public const ulong KipAddr = 0x6ffff000;

    /// <summary>Address of entry <paramref name="index"/> in an image linked at <paramref name="textBase"/>.</summary>
    public static ulong EntryAddress(ulong textBase, int index) => textBase + EntryOffset + (ulong)(index * EntryStride);

    /// <param name="pie">An ET_DYN image linked at 0 (as rom/l4re, which its loader places at 0xa0000000).</param>
    /// <param name="stackAddr">An L4_AUX stack address (rom/l4re asks for 0x71000000), or none (the default 0x80000000).</param>
    public static byte[] Build(ulong textBase, IReadOnlyList<string> entries, bool pie = false, ulong? stackAddr = null)
    {
        if (entries.Count == 0 || EntryOffset + entries.Count * EntryStride > AuxOffset) throw new ArgumentException("1..44 entries");
        var img = new byte[TextSize + DataFileSize];
        var s = img.AsSpan();
        // ELF header (System V gABI): magic, 64-bit, little endian, version 1; executable for x86-64.
        s[0] = 0x7F; s[1] = (byte)'E'; s[2] = (byte)'L'; s[3] = (byte)'F'; s[4] = 2; s[5] = 1; s[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], (ushort)(pie ? 3 : 2));   // ET_DYN or ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 62);               // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], EntryAddress(textBase, 0));
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], PhdrOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], 64);               // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], PhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], 3);                // e_phnum
        BinaryPrimitives.WriteUInt16LittleEndian(s[58..], 64);               // e_shentsize (no sections)
        Phdr(s[PhdrOffset..], flags: 5, offset: 0, vaddr: textBase, filesz: TextSize, memsz: TextSize);
        Phdr(s[(PhdrOffset + PhdrSize)..], flags: 6, offset: TextSize, vaddr: textBase + TextSize, filesz: DataFileSize, memsz: DataMemSize);
        // L4_AUX: {type, length, value} elements ending with type 0
        int aux = AuxOffset;
        if (stackAddr is { } sa) aux = Aux(img, aux, AuxStackAddr, sa);
        aux = Aux(img, aux, AuxKipAddr, KipAddr);
        var p3 = s[(PhdrOffset + 2 * PhdrSize)..];
        BinaryPrimitives.WriteUInt32LittleEndian(p3, PtL4Aux);
        BinaryPrimitives.WriteUInt32LittleEndian(p3[4..], 4);
        BinaryPrimitives.WriteUInt64LittleEndian(p3[8..], (ulong)AuxOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(p3[16..], textBase + (ulong)AuxOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(p3[24..], textBase + (ulong)AuxOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(p3[32..], (ulong)(aux - AuxOffset));
        BinaryPrimitives.WriteUInt64LittleEndian(p3[40..], (ulong)(aux - AuxOffset));
        BinaryPrimitives.WriteUInt64LittleEndian(p3[48..], 8);
        for (int i = 0; i < entries.Count; i++)
            ModelledCodeMarker.For(entries[i]).CopyTo(s[(EntryOffset + i * EntryStride)..]);
        return img;
    }

    private static int Aux(byte[] img, int at, ulong type, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(img.AsSpan(at), type);
        BinaryPrimitives.WriteUInt64LittleEndian(img.AsSpan(at + 8), 24);
        BinaryPrimitives.WriteUInt64LittleEndian(img.AsSpan(at + 16), value);
        return at + 24;
    }

    private static void Phdr(Span<byte> p, uint flags, ulong offset, ulong vaddr, ulong filesz, ulong memsz)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, 1);                      // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], filesz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], memsz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[48..], 0x1000);
    }
}
