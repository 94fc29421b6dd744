namespace L4Conf.Model.Machine;

/// <summary>
/// Fiasco's amd64 GDT as a thread sees it (fiasco 245fce53: src/kern/ia32/config_gdt.h:18-34 for the layout,
/// src/kern/ia32/64/cpu-64.cpp:262-281 Cpu::init_gdt for the code and data descriptors): 18 descriptors, limit 0x8F.
/// </summary>
/// <remarks>
/// <para>0x08 kernel code (64-bit, DPL 0), 0x10 kernel data (DPL 0), 0x18 user code 32-bit (compatibility mode,
/// DPL 3), 0x20 user data (DPL 3), 0x28 user code 64-bit (DPL 3), 0x30 reserved (16 bytes), 0x40 the LDT slot (16
/// bytes, empty: no task LDT), 0x50 the UTCB slot (unused on amd64), 0x58-0x70 the four user entries of the running
/// thread (L4_THREAD_X86_GDT_OP; Thread::GdtUserEntries), 0x78 the TSS (16 bytes, DPL 0, busy after ltr), 0x88 the
/// double-fault TSS slot. All code and data descriptors are base 0, limit 0xFFFFF pages, G, accessed
/// (set_entry_4k(..., Accessed, ...)).</para>
/// <para>The TSS's base and limit are the kernel's (no capture records them); they are never visible at CPL 3,
/// where every DPL-0 descriptor fails lar/lsl and every load.</para>
/// </remarks>
public sealed class FiascoGdt(ulong[] userEntries) : DescriptorTable
{
    // Gdt_entry(base 0, limit 0xFFFFF, Accessed, Code_read|Data_write, DPL, Code_64bit|Code_compat, Size_32|Size_undef, 4K)
    public const ulong KernelCode = 0x00AF_9B00_0000_FFFF, KernelData = 0x00CF_9300_0000_FFFF;
    public const ulong UserCode32 = 0x00CF_FB00_0000_FFFF, UserData = 0x00CF_F300_0000_FFFF, UserCode64 = 0x00AF_FB00_0000_FFFF;
    /// <summary>A present, busy 64-bit TSS of DPL 0 (Gdt::set_entry_tss with Tss_available; ltr marks it busy).</summary>
    public const ulong Tss = 0x0000_8B00_0000_0067;
    /// <summary>GDT_USER_ENTRY1 >> 3: the first of the four user entries.</summary>
    public const int FirstUserEntry = 0x58 >> 3;

    private readonly ulong[] user = userEntries;

    /// <summary>A table with four empty user entries of its own.</summary>
    public FiascoGdt() : this(new ulong[4]) { }

    public override ushort GdtLimit => 0x8F;

    protected override ulong Entry(int index) => index switch
    {
        1 => KernelCode,
        2 => KernelData,
        3 => UserCode32,
        4 => UserData,
        5 => UserCode64,
        >= FirstUserEntry and < FirstUserEntry + 4 => user[index - FirstUserEntry],
        0xF => Tss,
        _ => 0,                                              // null, reserved, empty LDT/UTCB slots, TSS upper half
    };

    protected override void SetEntry(int index, ulong raw)
    {
        if (index is >= FirstUserEntry and < FirstUserEntry + 4) user[index - FirstUserEntry] = raw;
    }
}
