using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>sgdt, sidt, sldt, str, smsw at CPL 3 (no UMIP on the captured CPU): the values Fiasco loads.</summary>
public sealed partial class CpuTests
{
    [Fact]
    public void Sgdt_sidt_store_limit_and_base()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.sgdt(__[rbx]);
            a.sidt(__[rbx + 16]);
            a.int3();
        }, s => s.Rflags = 0x202 | CF, mm => mm.Bus.Poke(DataVa, Enumerable.Repeat((byte)0xEE, 32).ToArray()));
        Assert.Equal([0x8F, 0x00, 0x00, 0x00, 0x00, 0xE0, 0xFE, 0xFF, 0xFF, 0xFF, 0xEE], m.Bus.Peek(DataVa, 11));
        Assert.Equal([0xFF, 0x0F, 0x00, 0xE0, 0x0F, 0xD0, 0xFE, 0xFF, 0xFF, 0xFF, 0xEE], m.Bus.Peek(DataVa + 16, 11));
        Assert.Equal(CF, m.Flags);
    }

    [Fact]
    public void Sldt_str_smsw_to_memory_store_16_bits()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.sldt(__word_ptr[rbx]);
            a.str(__word_ptr[rbx + 4]);
            a.smsw(__word_ptr[rbx + 8]);
            a.int3();
        }, setup: mm => mm.Bus.Poke(DataVa, Enumerable.Repeat((byte)0xEE, 16).ToArray()));
        Assert.Equal([0x00, 0x00, 0xEE, 0xEE, 0x78, 0x00, 0xEE, 0xEE, 0x33, 0x00, 0xEE], m.Bus.Peek(DataVa, 11));
    }

    [Fact]
    public void Sldt_str_smsw_to_registers_follow_the_operand_size()
    {
        var m = RunToEnd(a =>
        {
            a.sldt(ax);                 // merge: upper 48 bits kept
            a.str(ecx);                 // zero-extended
            a.smsw(rdx);                // all of CR0
            a.smsw(esi);
            a.smsw(di);
            a.str(r8);
            a.int3();
        }, s => { s.Rax = s.Rcx = s.Rdx = s.Rsi = s.Rdi = s.R8 = ulong.MaxValue; });
        Assert.Equal(0xFFFF_FFFF_FFFF_0000UL, m.S.Rax);
        Assert.Equal(0x78UL, m.S.Rcx);
        Assert.Equal(0x8001_0033UL, m.S.Rdx);
        Assert.Equal(0x8001_0033UL, m.S.Rsi);
        Assert.Equal(0xFFFF_FFFF_FFFF_0033UL, m.S.Rdi);
        Assert.Equal(0x78UL, m.S.R8);
    }

    [Fact]
    public void System_stores_follow_the_configured_registers_and_fault_on_read_only_memory()
    {
        var m = Build(a => { a.mov(rbx, DataVa); a.str(__word_ptr[rbx]); a.sidt(__[rbx + 8]); a.int3(); });
        m.Cpu.SystemRegs = new SystemRegisters { Tr = 0x1234, IdtBase = 0x1122_3344_5566_7788, IdtLimit = 0xABCD };
        AssertEnd(m.Run());
        Assert.Equal([0x34, 0x12], m.Bus.Peek(DataVa, 2));
        Assert.Equal([0xCD, 0xAB, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11], m.Bus.Peek(DataVa + 8, 10));

        var f = Build(a => { a.mov(rbx, DataVa + 4096 - 4); a.sgdt(__[rbx]); }); // straddles into a read-only page
        f.Bus.Map(DataVa + 4096, 4096, Rights.RO);
        AssertTrap(f.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa + 4096);
        Assert.Equal(new byte[4], f.Bus.Peek(DataVa + 4096 - 4, 4)); // nothing written
    }
}
