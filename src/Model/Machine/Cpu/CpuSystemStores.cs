using System.Buffers.Binary;

namespace L4Conf.Model.Machine;

/// <summary>
/// sgdt, sidt, sldt, str, smsw: the "store system register" instructions user code may run. The captured CPU has
/// no UMIP (CPUID.7.0:ECX[2] = 0), so CR4.UMIP cannot be set and they execute at CPL 3, storing the values the
/// kernel loaded (<see cref="SystemRegisters"/>). They change no flags.
/// </summary>
/// <remarks>
/// sgdt/sidt store a 2-byte limit and an 8-byte base (10 bytes, 64-bit mode; a register operand does not decode), in
/// compatibility mode a 4-byte base (6 bytes: the base's low half; SDM SGDT "in legacy or compatibility mode").
/// sldt/str/smsw store 16 bits to memory; to a register they write the value at the operand size (16-bit: merged;
/// 32-bit: zero-extended; smsw r32/r64: CR0's low 32/all 64 bits, as P6-and-later CPUs and QEMU do).
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>The kernel's system registers as user code can read them. Defaults: what Fiasco sets up (see the type).</summary>
    public SystemRegisters SystemRegs { get; set; } = new();

    private bool StoreDescriptorTable(ref Insn i)
    {
        bool idt = i.Aux != 0;
        Span<byte> b = io16.AsSpan(0, compat ? 6 : 10);
        BinaryPrimitives.WriteUInt16LittleEndian(b, idt ? SystemRegs.IdtLimit : SystemRegs.GdtLimit);
        ulong tableBase = idt ? SystemRegs.IdtBase : SystemRegs.GdtBase;
        if (compat) BinaryPrimitives.WriteUInt32LittleEndian(b[2..], (uint)tableBase);
        else BinaryPrimitives.WriteUInt64LittleEndian(b[2..], tableBase);
        wrote = true;
        return mem.Write(Ea(ref i), b, out trap) || StackFault(); // an RBP/RSP-based operand is a stack reference: #SS(0)
    }

    private ulong SystemSelector(int kind) => kind switch { 0 => SystemRegs.Ldtr, 1 => SystemRegs.Tr, _ => SystemRegs.Cr0 };
}

/// <summary>
/// GDTR, IDTR, LDTR, TR and CR0 as Fiasco (amd64, default configuration: no kernel isolation, eager FPU) loads them
/// for a CPU, with the source of each value.
/// </summary>
public sealed class SystemRegisters
{
    /// <summary>
    /// GDT base. UNCONFIRMED stand-in: Kmem::init_cpu (kmem-ia32.cpp, !cpu_local_map) places the GDT in a 1 KiB block
    /// taken from the kernel allocator at boot, an address no capture records; the model uses the start of Fiasco's
    /// kernel-memory window (Mem_layout::Physmem = 0xfffffffe'e0000000), where that allocator's memory lies.
    /// </summary>
    public ulong GdtBase { get; set; } = 0xFFFF_FFFE_E000_0000;
    /// <summary>Gdt::gdt_max - 1 = 0x8F (config_gdt.h: 14 descriptors, TSS and LDT 16 bytes each; cpu-ia32.cpp set_gdt).</summary>
    public ushort GdtLimit { get; set; } = 0x8F;
    /// <summary>Mem_layout::Idt = Service_page + 0xfe000 = 0xfffffffe'd00fe000 (mem_layout-ia32-64.cpp, !kernel_isolation).</summary>
    public ulong IdtBase { get; set; } = 0xFFFF_FFFE_D00F_E000;
    /// <summary>256 16-byte gates - 1 (idt.cpp Idt::load, FIASCO_IDT_MAX = 0x100).</summary>
    public ushort IdtLimit { get; set; } = 0xFFF;
    /// <summary>0: Kmem::setup_cpu_structures loads a null LDT (a task with its own LDT would have GDT_LDT = 0x40).</summary>
    public ushort Ldtr { get; set; }
    /// <summary>Gdt::gdt_tss = 0x78 (config_gdt.h; Cpu::set_tss).</summary>
    public ushort Tr { get; set; } = 0x78;
    /// <summary>
    /// PE | MP | ET | NE | WP | PG = 0x80010033: long mode (PE, PG), Fpu::init sets MP and NE and clears EM, Kmem
    /// sets WP, QEMU keeps ET set; TS is clear while user code runs because amd64 Fiasco switches the FPU eagerly
    /// (Kconfig LAZY_FPU defaults to n on AMD64); AM is never set.
    /// </summary>
    public ulong Cr0 { get; set; } = 0x8001_0033;
}
