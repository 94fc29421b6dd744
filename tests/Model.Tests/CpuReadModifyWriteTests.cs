using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;
using static L4Conf.Tests.PagedCpu;

namespace L4Conf.Tests;

/// <summary>
/// A read-modify-write memory operand (the ALU ops, not/neg/inc/dec, shifts and rotates, xchg) is accessed with
/// write intent from its first access: a fault is reported as a write (#PF W bit), a read-only page faults before
/// anything is read, even for a shift whose masked count is 0 (found by `l4conf cpu diff` on the host CPU).
/// cmp and test only read.
/// </summary>
public sealed class CpuReadModifyWriteTests
{
    private const ulong W = (ulong)PfErr.Write, U = (ulong)PfErr.User, P = (ulong)PfErr.Present;

    public static TheoryData<string> ReadModifyWrite => new() { "add", "adc", "sub", "and", "or", "xor", "not", "neg", "inc", "dec", "shl 1", "ror cl", "sar imm", "xchg", "bts", "btr", "btc", "shld", "shrd cl", "xadd", "cmpxchg", "cmpxchg8b" };

    private static void Emit(Iced.Intel.Assembler a, string what)
    {
        var m = __qword_ptr[rbx];
        switch (what)
        {
            case "add": a.add(m, rax); break;
            case "adc": a.adc(m, 5); break;
            case "sub": a.sub(m, rax); break;
            case "and": a.and(m, rax); break;
            case "or": a.or(m, 1); break;
            case "xor": a.xor(m, rax); break;
            case "not": a.not(m); break;
            case "neg": a.neg(m); break;
            case "inc": a.inc(m); break;
            case "dec": a.dec(m); break;
            case "shl 1": a.shl(m, 1); break;
            case "ror cl": a.ror(m, cl); break;
            case "sar imm": a.sar(m, 0x40); break; // masked count 0
            case "xchg": a.xchg(m, rax); break;
            case "bts": a.bts(m, 5); break;
            case "btr": a.btr(m, 63); break;
            case "btc": a.btc(m, rax); break; // rax = 0 in these tests: the operand itself
            case "bt": a.bt(m, 5); break;
            case "xadd": a.xadd(m, rax); break;
            case "cmpxchg": a.cmpxchg(m, rdx); break;
            case "cmpxchg8b": a.cmpxchg8b(m); break;
            case "cmpxchg16b": a.cmpxchg16b(__xmmword_ptr[rbx]); break;
            case "shld": a.shld(m, rax, 3); break;
            case "shrd cl": a.shrd(m, rax, cl); break; // rcx = 0x40 in the crossing test: masked count 0
            case "cmp": a.cmp(m, rax); break;
            case "test": a.test(m, rax); break;
        }
        a.int3();
    }

    [Theory]
    [MemberData(nameof(ReadModifyWrite))]
    public void Not_present_destination_faults_as_a_write(string what)
    {
        var (s, r) = Run(a => Emit(a, what), s => s[Reg.Rbx] = UnmappedVa + 0x10);
        Assert.Equal(new Trap(Vector.PageFault, W | U, UnmappedVa + 0x10), r.Trap);
        Assert.Equal(CodeVa, s.Rip);
    }

    [Theory]
    [MemberData(nameof(ReadModifyWrite))]
    public void Crossing_from_a_read_only_page_faults_on_the_first_page(string what)
    {
        // The first page is readable but not writable, the second not mapped: write intent faults at the access address.
        ulong at = UnmappedVa - 3;
        var (_, r) = Run(a => Emit(a, what), s => { s[Reg.Rbx] = at; s.Rcx = 0x40; });
        Assert.Equal(new Trap(Vector.PageFault, P | W | U, at), r.Trap);
    }

    [Fact]
    public void Cmpxchg16b_not_present_destination_faults_as_a_write()
    {
        var (s, r) = Run(a => Emit(a, "cmpxchg16b"), s => s[Reg.Rbx] = UnmappedVa + 0x10);
        Assert.Equal(new Trap(Vector.PageFault, W | U, UnmappedVa + 0x10), r.Trap);
        Assert.Equal(CodeVa, s.Rip);
    }

    [Theory]
    [InlineData("cmp")]
    [InlineData("test")]
    [InlineData("bt")]
    public void Cmp_and_test_only_read(string what)
    {
        var (_, r) = Run(a => Emit(a, what), s => s[Reg.Rbx] = UnmappedVa + 0x10);
        Assert.Equal(new Trap(Vector.PageFault, U, UnmappedVa + 0x10), r.Trap);
        var (_, ok) = Run(a => Emit(a, what), s => s[Reg.Rbx] = ReadOnlyVa);
        Assert.Equal(Vector.Breakpoint, ok.Trap.Vector);
    }

    [Fact]
    public void Shift_by_zero_of_a_read_only_operand_faults_but_writes_nothing_when_writable()
    {
        var (_, r) = Run(a => Emit(a, "ror cl"), s => { s[Reg.Rbx] = ReadOnlyVa + 8; s.Rcx = 0x100; });
        Assert.Equal(new Trap(Vector.PageFault, P | W | U, ReadOnlyVa + 8), r.Trap);
        var (s2, ok) = Run(a => { a.mov(__qword_ptr[rbx], rdx); Emit(a, "ror cl"); }, s => { s[Reg.Rbx] = DataVa; s.Rcx = 0x40; s.Rdx = 0x1234; s.Rflags = 0x202 | 0x1; });
        Assert.Equal(Vector.Breakpoint, ok.Trap.Vector);
        Assert.Equal(0x203UL, s2.Rflags & 0x8D5 | 0x202); // count 0: flags unchanged (CF stays set)
    }
}
