using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// The fault kinds of the added instructions: read-modify-write operands fault as writes (#PF with W) even on a
/// not-present page, stack references (implicit, or an RSP/RBP base) are #SS(0) when non-canonical, RSI/RDI
/// string operands and other data references #GP(0).
/// </summary>
public sealed partial class CpuTests
{
    private const ulong NonCanonicalAddress = 0x0000_8000_0000_0000;

    [Theory]
    [InlineData("bts", true)]
    [InlineData("btr reg", true)]
    [InlineData("bt", false)]
    [InlineData("xadd", true)]
    [InlineData("cmpxchg", true)]
    [InlineData("cmpxchg8b", true)]
    [InlineData("cmpxchg16b", true)]
    [InlineData("shld", true)]
    [InlineData("rcr", true)]
    public void Read_modify_write_operands_fault_with_write_intent_on_a_missing_page(string what, bool write)
    {
        ulong page = DataVa + 3 * 4096; // unmapped, 16-byte aligned
        var m = Build(a =>
        {
            a.mov(rdi, page);
            switch (what)
            {
                case "bts": a.bts(__qword_ptr[rdi], 1); break;
                case "btr reg": a.btr(__qword_ptr[rdi], rcx); break;
                case "bt": a.bt(__qword_ptr[rdi], 1); break;
                case "xadd": a.xadd(__qword_ptr[rdi], rcx); break;
                case "cmpxchg": a.cmpxchg(__qword_ptr[rdi], rcx); break;
                case "cmpxchg8b": a.cmpxchg8b(__qword_ptr[rdi]); break;
                case "cmpxchg16b": a.cmpxchg16b(__xmmword_ptr[rdi]); break;
                case "shld": a.shld(__qword_ptr[rdi], rcx, 0); break;
                default: a.rcr(__qword_ptr[rdi], 1); break;
            }
        }, init: s => s.Rcx = 0);
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | (write ? PfErr.Write : 0)), page);
    }

    [Theory]
    [InlineData("pushfq")]
    [InlineData("popfq")]
    [InlineData("enter")]
    [InlineData("leave")]
    [InlineData("bts [rbp+rax]")]
    [InlineData("movdqu [rsp]")]
    [InlineData("movq [rbp]")]
    [InlineData("sgdt [rsp]")]
    [InlineData("cmpxchg16b [rsp]")]
    [InlineData("xadd [rbp]")]
    public void Non_canonical_stack_references_of_the_added_instructions_are_SS0(string what)
    {
        var m = Build(a =>
        {
            switch (what)
            {
                case "pushfq": a.pushfq(); break;
                case "popfq": a.popfq(); break;
                case "enter": a.enter(8, 0); break;
                case "leave": a.leave(); break;
                case "bts [rbp+rax]": a.bts(__qword_ptr[rbp + rax], rcx); break;
                case "movdqu [rsp]": a.movdqu(xmm0, __xmmword_ptr[rsp]); break;
                case "movq [rbp]": a.movq(__qword_ptr[rbp], xmm0); break;
                case "sgdt [rsp]": a.sgdt(__[rsp]); break;
                case "cmpxchg16b [rsp]": a.cmpxchg16b(__xmmword_ptr[rsp]); break;
                default: a.xadd(__qword_ptr[rbp], rcx); break;
            }
        }, init: s => { s.Rsp = s[Reg.Rbp] = NonCanonicalAddress + 16; s.Rax = 0; s.Rcx = 0; s.Xmm[0] = 5; });
        AssertTrap(m.Run(), Vector.StackSegment, 0);
        Assert.Equal(CodeVa, m.S.Rip);
        Assert.Equal(NonCanonicalAddress + 16, m.S.Rsp);
        Assert.Equal(NonCanonicalAddress + 16, m.S[Reg.Rbp]);
        Assert.Equal((UInt128)5, m.S.Xmm[0]);
    }

    [Theory]
    [InlineData("lodsb")]
    [InlineData("repne scasb")]
    [InlineData("cmpsq")]
    [InlineData("bt [rbx+rcx]")]
    [InlineData("movdqu [rbx]")]
    [InlineData("xlat")]
    public void Non_canonical_data_references_stay_GP0_right_after_a_stack_access(string what)
    {
        var m = Build(a =>
        {
            a.push(rax);                    // the last access before the faulting one was a stack reference
            switch (what)
            {
                case "lodsb": a.lodsb(); break;
                case "repne scasb": a.repne.scasb(); break;
                case "cmpsq": a.cmpsq(); break;
                case "bt [rbx+rcx]": a.bt(__qword_ptr[rbx], rcx); break;
                case "movdqu [rbx]": a.movdqu(xmm0, __xmmword_ptr[rbx]); break;
                default: a.xlatb(); break;
            }
        }, init: s =>
        {
            s.Rsi = s.Rdi = s[Reg.Rbx] = NonCanonicalAddress; s.Rcx = 3; s.Rax = 0;
        });
        AssertTrap(m.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(CodeVa + 1, m.S.Rip);
    }
}
