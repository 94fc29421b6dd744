namespace L4Conf.Model.Kernel;

/// <summary>KIP memory descriptor types (l4re l4sys/include/kip.h; abi-facts §14.2).</summary>
public enum MemDescType : byte { Undefined = 0x0, Conventional = 0x1, Reserved = 0x2, Dedicated = 0x3, Shared = 0x4, KernelTmp = 0x7, Info = 0xD, Bootloader = 0xE, Arch = 0xF }

/// <summary>One KIP memory descriptor: [Start, End) (End exclusive here; the KIP stores it inclusive at 1 KiB granularity).</summary>
public sealed record MemDesc(ulong Start, ulong End, MemDescType Type, byte SubType = 0, bool Virtual = false)
{
    /// <summary>Word 0: type 3..0, sub type 7..4, virtual bit 9, start in bits 63..10; word 1: inclusive end.</summary>
    public (ulong W0, ulong W1) Encode() => ((Start & ~0x3FFUL) | ((ulong)SubType << 4) | (Virtual ? 0x200UL : 0) | (byte)Type, (End - 1) | 0x3FF);

    /// <summary>The inverse of <see cref="Encode"/>: the end is exclusive again.</summary>
    public static MemDesc Decode(ulong w0, ulong w1) =>
        new(w0 & ~0x3FFUL, (w1 | 0x3FF) + 1, (MemDescType)(w0 & 0xF), (byte)((w0 >> 4) & 0xF), (w0 & 0x200) != 0);
}

/// <summary>
/// The Kernel Info Page of the captured system (traces/real/jdb_kmem_kip.log: JDB's KIP dump; boot_hello.log: "KIP @ 600000"):
/// header values and the 22 memory descriptors as the real kernel reported them. Layout: abi-facts §14.1.
/// </summary>
public static class Kip
{
    public const uint Magic = 0x4BE6344C;               // L4_KERNEL_INFO_MAGIC, "L4µK"
    public const uint Version = 0x87034444;             // Kernel_version_id | subversion 3 << 16, as the dump shows
    public const ulong PhysAddress = 0x600000;           // "KIP @ 600000" in boot_hello.log
    public const int MemDescsOffset = 0x90, MemDescsMax = 64, VersionStringsOffset = 0x490;
    public const string Features = "segments pf_tramp abiver:3 mapdb jdb";

    /// <summary>Entry points and values JDB showed for the captured boot (jdb_kmem_kip.log lines 122-127, 151).</summary>
    public const ulong Sigma0Ip = 0xa6f8, RootIp = 0x1f7c5, FrequencyCpuKhz = 2447127, UserPtr = 0x1000;
    public const uint SchedulerGranularityUs = 1000;
    /// <summary>
    /// The kernel's version string, as the captured kernel wrote it into its KIP (ned_t_tables.raw: L4.Info.Kip.str(),
    /// escapes included) and printed it at boot (boot_hello.log).
    /// </summary>
    public const string Banner = "\x1b[1;32mWelcome to the L4Re Microkernel!\n\x1b[0;32mL4Re Microkernel on x86-64\nRev: unknown compiled with gcc 12.2.0 for x86\nBuild: #1 Sat Nov 21 07:11:20 UTC 2026\x1b[0m\n";

    /// <summary>Writes the KIP page at <see cref="PhysAddress"/>: header, memory descriptors, version and feature strings (abi-facts §14.1).</summary>
    public static void WriteTo(L4Conf.Model.Machine.PhysicalMemory mem) => WriteTo(mem, CapturedDescriptors);

    /// <summary>Writes the KIP with the given memory descriptors (a boot with other modules has another module region).</summary>
    public static void WriteTo(L4Conf.Model.Machine.PhysicalMemory mem, IReadOnlyList<MemDesc> descriptors)
    {
        var page = new byte[0x1000];
        void U32(int off, uint v) => BitConverter.TryWriteBytes(page.AsSpan(off), v);
        void U64(int off, ulong v) => BitConverter.TryWriteBytes(page.AsSpan(off), v);
        U32(0x00, Magic);
        U32(0x04, Version);
        page[0x08] = (byte)(VersionStringsOffset >> 4);
        U64(0x10, Sigma0Ip);
        U64(0x18, RootIp);
        U64(0x28, FrequencyCpuKhz);
        U64(0x40, UserPtr);
        U32(0x50, SchedulerGranularityUs);
        U32(0x54, MemDescsOffset);
        U32(0x58, MemDescsMax);
        for (int i = 0; i < descriptors.Count && i < MemDescsMax; i++)
        {
            var (w0, w1) = descriptors[i].Encode();
            U64(MemDescsOffset + 16 * i, w0);
            U64(MemDescsOffset + 16 * i + 8, w1);
        }
        int at = VersionStringsOffset;
        foreach (var s in new[] { Banner }.Concat(Features.Split(' ')).Append(""))
        {
            var b = System.Text.Encoding.ASCII.GetBytes(s);
            b.CopyTo(page, at);
            at += b.Length + 1;
        }
        mem.Write(PhysAddress, page);
    }

    /// <summary>The descriptors of the captured boot, in the kernel's order (jdb_kmem_kip.log lines 129-150).</summary>
    public static readonly IReadOnlyList<MemDesc> CapturedDescriptors =
    [
        new(0x0, 0x9fc00, MemDescType.Conventional),
        new(0x100000, 0x1ffdf000, MemDescType.Conventional),
        new(0x0, 0x1000, MemDescType.Arch),
        new(0x1000, 0x1400, MemDescType.Bootloader, SubType: 7),          // mbi_rt RWX (sigma0's dump: [4:RWX:1000;1fff])
        new(0x8000, 0x9000, MemDescType.Reserved),
        new(0xa000, 0x16800, MemDescType.Dedicated),
        new(0x17000, 0x5b800, MemDescType.Bootloader, SubType: 5),        // Moe text R-X ([4:R-X:17000;5bfff])
        new(0x5c800, 0x69000, MemDescType.Bootloader, SubType: 6),        // Moe data RW- ([4:RW-:5c000;68fff])
        new(0x9fc00, 0xa0000, MemDescType.Arch),
        new(0xf0000, 0x100000, MemDescType.Arch),
        new(0xfee00000, 0xfee01000, MemDescType.Reserved),
        new(0x400000, 0x610000, MemDescType.Reserved),
        new(0x713000, 0x823400, MemDescType.Bootloader),
        new(0x1ffdf000, 0x20000000, MemDescType.Arch),
        new(0xb0000000, 0xc0000000, MemDescType.Arch),
        new(0xfed1c000, 0xfed20000, MemDescType.Arch),
        new(0xfffc0000, 0x100000000, MemDescType.Arch),
        new(0xfd00000000, 0x10000000000, MemDescType.Arch),
        new(0x1e12e000, 0x1ffdf000, MemDescType.Reserved),
        new(0x0, 0x800000000000, MemDescType.Conventional, Virtual: true),
        new(0x800000000000, 0xffff800000000000, MemDescType.Reserved, Virtual: true),
        new(0xfec00000, 0xfec01000, MemDescType.Reserved),
    ];
}
