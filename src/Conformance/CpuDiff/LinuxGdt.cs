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
/// Entry 15 (0x7B, GDT_ENTRY_CPUNODE) is a DPL-3 read-only expand-down data segment whose limit encodes the CPU and
/// node the thread runs on: the model gives limit 0 (CPU 0, node 0), and the generator never asks lsl about it.
/// The kernel's descriptors (DPL 0) fail every load and lar/lsl at CPL 3, whatever their exact bits.
/// </remarks>
public sealed class LinuxGdt : DescriptorTable
{
    public const ushort UserCode32 = 0x23, UserData = 0x2B, UserCode64 = 0x33;

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
