using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>lahf, sahf, pushf, popf at CPL 3 with IOPL 0.</summary>
public sealed partial class CpuTests
{
    private const ulong TF = 0x100, IF = 0x200, IOPL = 0x3000, NT = 0x4000, RF = 0x1_0000, AC = 0x4_0000, ID = 0x20_0000;

    [Fact]
    public void Lahf_packs_the_five_flags_with_bit_1_set_and_sahf_loads_them_keeping_OF()
    {
        var m = RunToEnd(a =>
        {
            a.lahf();                       // all flags set going in
            a.mov(bl, ah);
            a.mov(ah, 0);
            a.sahf();                       // clears SF ZF AF PF CF, OF stays
            a.lahf();
            a.mov(cl, ah);
            a.mov(ah, 0xFF);
            a.sahf();                       // bits 1, 3, 5 of AH are not flags
            a.int3();
        }, s => { s.Rflags = 0x202 | Arith; s.Rax = 0x1234_0000; });
        Assert.Equal(0xD7UL, m.S[Reg.Rbx]);
        Assert.Equal(0x02UL, m.S.Rcx);
        Assert.Equal(Arith, m.Flags);
        Assert.Equal(0x1234_FF00UL, m.S.Rax);
        Assert.Equal(0x202 | Arith, m.S.Rflags);
    }

    [Fact]
    public void Lahf_materialises_lazy_flags()
    {
        var m = RunToEnd(a => { a.mov(al, 0x80); a.cmp(al, 1); a.lahf(); a.int3(); });
        Assert.Equal(0x12UL, m.S.Rax >> 8); // 0x80 - 1 = 0x7F: OF (not in AH), AF; PF clear (7 bits)
    }

    [Fact]
    public void Pushf_pushes_rflags_without_RF_and_VM_and_pushfw_the_low_word()
    {
        var m = RunToEnd(a =>
        {
            a.stc();
            a.pushfq();
            a.db(0x66, 0x9C);               // pushfw
            a.int3();
        }, s => s.Rflags = 0x202 | RF | AC | ID | DF);
        Assert.Equal(StackTop - 10, m.S.Rsp);
        Assert.Equal(0x202 | AC | ID | DF | CF, m.Bus.U64(StackTop - 8));
        Assert.Equal([0x03, 0x06], m.Bus.Peek(StackTop - 10, 2));
    }

    [Fact]
    public void Popf_at_cpl3_changes_only_the_writable_flags_without_faulting()
    {
        var m = RunToEnd(a =>
        {
            a.push(-1);
            a.popfq();                      // everything set: only the writable ones take
            a.pushfq();
            a.pop(rbx);
            a.push(__word_ptr[rsi]);        // a zero word
            a.db(0x66, 0x9D);               // popfw: clears the low writable ones (IF stays), AC/ID untouched
            a.pushfq();
            a.pop(rdx);
            a.push(0);
            a.popfq();                      // all clear: IF stays set, IOPL stays 0
            a.pushfq();
            a.pop(rcx);
            a.int3();
        }, s => { s.Rflags = 0x202 | RF; s.Rsi = DataVa; });
        Assert.Equal(0x202UL | Arith | TF | DF | NT | AC | ID, m.S[Reg.Rbx]);
        Assert.Equal(0x202UL | AC | ID, m.S.Rdx);
        Assert.Equal(0x202UL, m.S.Rcx);
        Assert.Equal(StackTop, m.S.Rsp);
        Assert.Equal(0UL, m.S.Rflags & (IOPL | RF));
    }

    [Fact]
    public void Pushf_and_popf_faults_change_nothing()
    {
        var m = Build(a => a.pushfq(), init: s => { s.Rsp = DataVa; s.Rflags = 0x202 | CF; });
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Write), DataVa - 8);
        Assert.Equal(DataVa, m.S.Rsp);
        var p = Build(a => a.popfq(), init: s => { s.Rsp = DataVa + 3 * 4096; s.Rflags = 0x202 | CF; });
        AssertTrap(p.Run(), Vector.PageFault, (ulong)PfErr.User, DataVa + 3 * 4096);
        Assert.Equal(DataVa + 3 * 4096, p.S.Rsp);
        Assert.Equal(0x203UL, p.S.Rflags);
    }
}
