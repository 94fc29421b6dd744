using L4Conf.Model.Machine;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// The GDT a Linux x86-64 process runs on, for cases run against the host CPU (`cpu diff`): the model checks the same
/// descriptors the host CPU does. Layout from Linux arch/x86/include/asm/segment.h (GDT_ENTRY_*, 16 entries, limit
/// 0x7F) and the values of arch/x86/kernel/cpu/common.c gdt_page; the user entries as `lar`/`lsl` read them on the
/// development host (kernel 6.18): 0x23 user code32 0x00CFFB00, 0x2B user data 0x00CFF300, 0x33 user code64
/// 0x00AFFB00, all limit 0xFFFFFFFF.
/// </summary>
/// <remarks>
/// The LDT holds the three code segments the native helper installs with modify_ldt (fill_ldt sets the accessed bit):
/// 0x07 16-bit code and 0x0F 32-bit code with a 4 KiB limit, both based at the case's code page (0x10000000), and 0x17
/// 32-bit code based at 0x0FFFF800, half a page below it, limit 4 GiB; so `cpu diff` runs 16-bit code, code with a
/// base and a limit, and code whose pages of EIP lie across two linear pages on the host.
/// Entry 15 (0x7B, GDT_ENTRY_CPUNODE) is a DPL-3 read-only expand-down data segment whose limit encodes the CPU and
/// node the thread runs on: the model gives limit 0 (CPU 0, node 0), and the generator never asks lsl about it.
/// The kernel's descriptors (DPL 0) fail every load and lar/lsl at CPL 3, whatever their exact bits.
/// </remarks>
public sealed class LinuxGdt : DescriptorTable
{
    public const ushort UserCode32 = 0x23, UserData = 0x2B, UserCode64 = 0x33;
    /// <summary>The helper's LDT code segments: 16-bit (limit 0xFFFF) and 32-bit (limit 0xFFF), both at <see cref="LdtCodeBase"/>.</summary>
    public const ushort Code16 = 0x07, Code32Limited = 0x0F;
    public const uint LdtCodeBase = 0x1000_0000, Code32Limit = 0xFFF;
    /// <summary>The helper's third LDT code segment: 32-bit, limit 4 GiB, based half a page below the code page.</summary>
    public const ushort Code32HalfPage = 0x17;
    public const uint HalfPageBase = 0x0FFF_F800;

    protected override int LdtEntries => 3;

    protected override ulong LdtEntry(int index) => index switch
    {
        0 => 0x1000_FB00_0000_FFFF,     // base 0x10000000, limit 0xFFFF, readable code, accessed, DPL 3, 16-bit
        1 => 0x1040_FB00_0000_0FFF,     // the same, limit 0xFFF, 32-bit (D)
        _ => 0x0FCF_FBFF_F800_FFFF,     // base 0x0FFFF800, limit 0xFFFFF pages (G), 32-bit
    };

    public override ushort GdtLimit => 0x7F;

    protected override ulong Entry(int index) => index switch
    {
        1 => 0x00CF_9B00_0000_FFFF,     // KERNEL32_CS
        2 => 0x00AF_9B00_0000_FFFF,     // KERNEL_CS
        3 => 0x00CF_9300_0000_FFFF,     // KERNEL_DS
        4 => 0x00CF_FB00_0000_FFFF,     // DEFAULT_USER32_CS
        5 => 0x00CF_F300_0000_FFFF,     // DEFAULT_USER_DS
        6 => 0x00AF_FB00_0000_FFFF,     // DEFAULT_USER_CS
        8 => 0x0000_8B00_0000_0067,     // TSS (busy, DPL 0; base and limit stand-ins)
        15 => 0x0040_F500_0000_0000,    // CPUNODE: CPU 0, node 0
        _ => 0,                         // unused, TSS upper half, LDT (none), TLS (none set)
    };
}
